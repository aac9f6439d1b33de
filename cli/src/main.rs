//! `vodsign`: an offline twin of Tencent's online signature generator and checker.
//!
//! ```text
//! vodsign sign [--now UNIX] [--validity SECS | --expire-time UNIX] [--random N]
//!              [--procedure TEXT] [--class-id N] [--task-priority N]
//!              [--task-notify-mode Finish|Change|None] [--source-context TEXT]
//!              [--session-context TEXT] [--one-time-valid 0|1] [--vod-sub-app-id N]
//!              [--storage-region TEXT] [--param KEY=VALUE]...
//! vodsign decode SIGNATURE
//! vodsign verify SIGNATURE [--now UNIX] [--leeway SECS]
//! vodsign check SIGNATURE [--now UNIX] [--leeway SECS] [--json]
//! ```
//!
//! `check` lists every problem it finds, one per line (`error: ...` or `warning: ...`), and
//! exits 1 when any is an error; with the credentials in the environment it also checks the
//! MAC and the secretId.
//!
//! `sign` and `verify` take the credentials from `TENCENTCLOUD_SECRET_ID` and
//! `TENCENTCLOUD_SECRET_KEY`. Install it with `cargo install --path cli`.
//! Any error: exit status 1 and one line `error: ...` on stderr; a usage error: exit status 2
//! and clap's message, naming what is wrong, with the usage line. `--version` prints the
//! version.

mod check;

use std::process::ExitCode;

use clap::{ArgGroup, Parser, Subcommand};
use tencent_vod_signature::{
    Credentials, Error, Instance, TaskNotifyMode, Timestamp, UntrustedFields, UnverifiedSignature,
    UploadSignature,
};

#[derive(Parser)]
#[command(
    name = "vodsign",
    version,
    about = "Sign, decode and verify Tencent Cloud VOD upload signatures"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a new signature (credentials from TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY)
    Sign(Box<SignArgs>),
    /// Print a signature's parameters as one JSON object, without the key (nothing verified)
    Decode {
        /// The signature
        signature: String,
    },
    /// Verify a signature with the credentials and print its parameters as JSON
    Verify {
        /// The signature
        signature: String,
        /// Verify at this Unix time instead of now
        #[arg(long, value_name = "UNIX", allow_hyphen_values = true)]
        now: Option<u64>,
        /// Clock skew tolerated on both edges of the time window, in seconds
        #[arg(long, value_name = "SECS", default_value_t = tencent_vod_signature::limits::DEFAULT_LEEWAY_SECS)]
        leeway: u64,
    },
    /// List every problem of a signature, one per line (the MAC and secretId too when the
    /// credentials are in the environment); exit 1 when any is an error
    Check {
        /// The signature
        signature: String,
        /// Judge the time window at this Unix time instead of now
        #[arg(long, value_name = "UNIX", allow_hyphen_values = true)]
        now: Option<u64>,
        /// Clock skew tolerated on both edges of the time window, in seconds
        #[arg(long, value_name = "SECS", default_value_t = check::Context::DEFAULT_LEEWAY)]
        leeway: u64,
        /// One JSON object instead of lines
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
#[command(group(ArgGroup::new("lifetime").args(["validity", "expire_time"])))]
struct SignArgs {
    /// Sign at this Unix time instead of now
    #[arg(long, value_name = "UNIX", allow_hyphen_values = true)]
    now: Option<u64>,
    /// This signer's place in a fleet sharing the SecretId, INDEX/COUNT (e.g. 0/6): the index
    /// goes into the top bits of random, so no two instances draw the same one
    #[arg(long, value_name = "I/N")]
    instance: Option<String>,
    /// Print this many signatures, one per line, from the clock and fresh randoms
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    count: u64,
    /// Validity in seconds (default 86400, at most 7776000)
    #[arg(long, value_name = "SECS", allow_hyphen_values = true)]
    validity: Option<u64>,
    /// Absolute expireTime (Unix seconds)
    #[arg(long, value_name = "UNIX", allow_hyphen_values = true)]
    expire_time: Option<u64>,
    /// random (default: a fresh value)
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    random: Option<u32>,
    /// procedure: the task flow to run after upload
    #[arg(long, value_name = "TEXT")]
    procedure: Option<String>,
    /// classId
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    class_id: Option<u64>,
    /// taskPriority, -10..=10
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    task_priority: Option<i64>,
    /// taskNotifyMode
    #[arg(long, value_name = "Finish|Change|None")]
    task_notify_mode: Option<String>,
    /// sourceContext, at most 250 characters
    #[arg(long, value_name = "TEXT")]
    source_context: Option<String>,
    /// sessionContext, at most 1000 characters
    #[arg(long, value_name = "TEXT")]
    session_context: Option<String>,
    /// oneTimeValid
    #[arg(long, value_name = "0|1", value_parser = ["0", "1"])]
    one_time_valid: Option<String>,
    /// vodSubAppId
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    vod_sub_app_id: Option<u64>,
    /// storageRegion, e.g. ap-chongqing
    #[arg(long, value_name = "TEXT")]
    storage_region: Option<String>,
    /// A parameter the crate has no option for (repeatable)
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
}

fn main() -> ExitCode {
    // A usage error: clap's whole message (what is missing, the usage line) and exit 2.
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(Output { text, failed }) => {
            println!("{text}");
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What a command prints on stdout, and whether it found the input at fault.
struct Output {
    text: String,
    failed: bool,
}

impl From<String> for Output {
    fn from(text: String) -> Self {
        Self {
            text,
            failed: false,
        }
    }
}

/// `vodsign check`: the findings, failed when any is an error.
fn run_check(
    signature: &str,
    now: Option<u64>,
    leeway: u64,
    json: bool,
) -> Result<Output, Box<dyn std::error::Error>> {
    let now = match now {
        Some(now) => now,
        None => Timestamp::now()?.as_secs(),
    };
    let id = std::env::var(tencent_vod_signature::SECRET_ID_VARIABLE).ok();
    let key = std::env::var(tencent_vod_signature::SECRET_KEY_VARIABLE).ok();
    let credentials = id.as_deref().zip(key.as_deref());
    if credentials.is_none() && !json {
        eprintln!(
            "note: TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY are not both set: the MAC and the secretId are not checked"
        );
    }
    let context = check::Context {
        now,
        leeway,
        credentials,
    };
    let findings = check::check(signature, &context);
    let text = if json {
        check::to_json(&findings)
    } else if findings.is_empty() {
        "ok: no problem found".to_owned()
    } else {
        findings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let failed = findings
        .iter()
        .any(|finding| finding.severity == check::Severity::Error);
    Ok(Output { text, failed })
}

fn run(command: Command) -> Result<Output, Box<dyn std::error::Error>> {
    match command {
        Command::Check {
            signature,
            now,
            leeway,
            json,
        } => run_check(&signature, now, leeway, json),
        Command::Sign(args) => sign(*args).map(Output::from),
        Command::Decode { signature } => {
            let decoded = UnverifiedSignature::decode(&signature)?;
            Ok(to_json(decoded.untrusted_fields()).into())
        }
        Command::Verify {
            signature,
            now,
            leeway,
        } => {
            let credentials = Credentials::from_env()?;
            let verifier = credentials.verifier().leeway_secs(leeway);
            match now {
                Some(now) => verifier.verify_at(&signature, Timestamp::from_secs(now))?,
                None => verifier.verify(&signature)?,
            };
            // Verified: its claims are now the signature's fields.
            let decoded = UnverifiedSignature::decode(&signature)?;
            Ok(to_json(decoded.untrusted_fields()).into())
        }
    }
}

fn sign(args: SignArgs) -> Result<String, Box<dyn std::error::Error>> {
    let mut credentials = Credentials::from_env()?;
    if let Some(instance) = &args.instance {
        credentials = credentials.in_fleet(instance.parse::<Instance>()?);
    }
    let mut builder = UploadSignature::new();
    if let Some(seconds) = args.validity {
        builder = builder.validity_secs(seconds);
    }
    if let Some(expire_time) = args.expire_time {
        builder = builder.expire_time(Timestamp::from_secs(expire_time));
    }
    if let Some(procedure) = args.procedure {
        builder = builder.procedure(procedure);
    }
    if let Some(class_id) = args.class_id {
        builder = builder.class_id(class_id);
    }
    if let Some(value) = args.task_priority {
        let priority = i8::try_from(value).map_err(|_| Error::InvalidTaskPriority {
            value: value.to_string(),
        })?;
        builder = builder.task_priority(priority);
    }
    if let Some(mode) = args.task_notify_mode {
        builder = builder.task_notify_mode(mode.parse::<TaskNotifyMode>()?);
    }
    if let Some(context) = args.source_context {
        builder = builder.source_context(context);
    }
    if let Some(context) = args.session_context {
        builder = builder.session_context(context);
    }
    if let Some(flag) = args.one_time_valid {
        builder = builder.one_time_valid(flag == "1");
    }
    if let Some(app_id) = args.vod_sub_app_id {
        builder = builder.vod_sub_app_id(app_id);
    }
    if let Some(region) = args.storage_region {
        builder = builder.storage_region(region);
    }
    for param in args.params {
        let (key, value) = param
            .split_once('=')
            .ok_or_else(|| format!("--param takes KEY=VALUE, got {param:?}"))?;
        builder = builder.param(key, value);
    }
    if args.count != 1 {
        if args.now.is_some() || args.random.is_some() {
            return Err(
                "--count takes its times and randoms fresh: not with --now or --random".into(),
            );
        }
        return sign_many(&builder, &credentials, args.count);
    }
    let random = match args.random {
        Some(random) => random,
        None => credentials.draw_random()?,
    };
    let signed = match args.now {
        Some(now) => builder.sign_at(&credentials, Timestamp::from_secs(now), random)?,
        None if args.random.is_some() => {
            let now = Timestamp::now()?;
            builder.sign_at(&credentials, now, random)?
        }
        None => builder.sign(&credentials)?,
    };
    Ok(signed.into_string())
}

/// `count` signatures from the clock and the credentials' sequence, one per line, written as
/// they are made (as fast as the crate signs: also a load generator).
fn sign_many(
    builder: &UploadSignature,
    credentials: &Credentials,
    count: u64,
) -> Result<String, Box<dyn std::error::Error>> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for _ in 1..count {
        writeln!(out, "{}", builder.sign(credentials)?)?;
    }
    out.flush()?;
    // The last line is printed by the caller, as for one signature.
    Ok(builder.sign(credentials)?.into_string())
}

/// The parameters as one JSON object: keys as in the signature, in its order; the integer
/// parameters as numbers (from their typed values), everything else as strings.
fn to_json(fields: &UntrustedFields) -> String {
    let members: Vec<String> = fields
        .pairs()
        .map(|(key, value)| {
            let number = match key.as_ref() {
                "currentTimeStamp" => Some(fields.current_time_stamp().to_string()),
                "expireTime" => Some(fields.expire_time().to_string()),
                "random" => Some(fields.random().to_string()),
                "classId" => fields.class_id().map(|v| v.to_string()),
                "taskPriority" => fields.task_priority().map(|v| v.to_string()),
                "oneTimeValid" => fields.one_time_valid().map(|v| u8::from(v).to_string()),
                "vodSubAppId" => fields.vod_sub_app_id().map(|v| v.to_string()),
                _ => None,
            };
            let value = number.unwrap_or_else(|| json_string(&value));
            format!("{}:{value}", json_string(&key))
        })
        .collect();
    format!("{{{}}}", members.join(","))
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}
