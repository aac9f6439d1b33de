//! `vodsign` against every vector: `sign` reproduces the Java ones segment for segment,
//! `decode` and `verify` print each vector's parameters, rejections print one line, `check`
//! lists every problem.

use std::process::{Command, Output};

// The root's vector loader, shared rather than copied (this package uses part of it).
#[allow(dead_code)]
#[path = "../../tests/suite/common.rs"]
mod common;

use common::{SignVector, extra_vectors, negative_vectors, segments, sign_vectors};
use serde_json::{Map, Value};

fn run(args: &[&str], secret_id: &str, secret_key: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vodsign"))
        .args(args)
        .env("TENCENTCLOUD_SECRET_ID", secret_id)
        .env("TENCENTCLOUD_SECRET_KEY", secret_key)
        .output()
        .expect("vodsign runs")
}

fn stdout_line(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout.clone()).expect("utf-8");
    assert!(
        text.ends_with('\n') && text.lines().count() == 1,
        "{text:?}"
    );
    text.trim_end().to_owned()
}

fn one_error_line(output: &Output) -> String {
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let text = String::from_utf8(output.stderr.clone()).expect("utf-8");
    assert_eq!(text.lines().count(), 1, "{text:?}");
    assert!(text.starts_with("error: "), "{text:?}");
    text.trim_end().to_owned()
}

fn flag(key: &str) -> String {
    let mut flag = String::from("--");
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            flag.push('-');
        }
        flag.push(c.to_ascii_lowercase());
    }
    flag
}

#[test]
fn sign_reproduces_every_java_vector() {
    let java: Vec<SignVector> = sign_vectors()
        .into_iter()
        .filter(|v| v.encoder == "java-urlencoder")
        .collect();
    assert_eq!(java.len(), 8);
    for (n, vector) in java.iter().enumerate() {
        let mut args = vec![
            "sign".to_owned(),
            format!("--now={}", vector.current_time_stamp),
            "--random".to_owned(),
            vector.random.to_string(),
        ];
        // Alternate the lifetime flags: both must give the vector's expireTime.
        if n % 2 == 0 {
            args.push(format!(
                "--validity={}",
                vector.expire_time - vector.current_time_stamp
            ));
        } else {
            args.extend(["--expire-time".to_owned(), vector.expire_time.to_string()]);
        }
        for (key, value) in &vector.params {
            args.push(format!("{}={value}", flag(key)));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let signature = stdout_line(&run(&args, &vector.secret_id, &vector.secret_key));
        let decoded =
            tencent_vod_signature::UnverifiedSignature::decode(&signature).expect(&vector.id);
        let mut actual = segments(decoded.untrusted_fields().original());
        let mut expected = segments(&vector.original);
        actual.sort_unstable();
        expected.sort_unstable();
        assert_eq!(actual, expected, "{}", vector.id);
    }
}

/// The JSON a vector should decode to: keys in the plaintext's order, integers as numbers.
fn expected_json(vector: &SignVector) -> Value {
    let integers = [
        "currentTimeStamp",
        "expireTime",
        "random",
        "classId",
        "taskPriority",
        "oneTimeValid",
        "vodSubAppId",
    ];
    let mut object = Map::new();
    for segment in vector.original.split('&') {
        let key = segment.split('=').next().expect("key");
        let key = form_urlencoded::parse(format!("{key}=").as_bytes())
            .next()
            .expect("pair")
            .0
            .into_owned();
        let value = match key.as_str() {
            "secretId" => vector.secret_id.clone(),
            "currentTimeStamp" => vector.current_time_stamp.to_string(),
            "expireTime" => vector.expire_time.to_string(),
            "random" => vector.random.to_string(),
            _ => vector
                .params
                .iter()
                .find(|(k, _)| *k == key)
                .expect("listed")
                .1
                .clone(),
        };
        let value = if integers.contains(&key.as_str()) {
            Value::from(value.parse::<i64>().expect("integer"))
        } else {
            Value::from(value)
        };
        object.insert(key, value);
    }
    Value::Object(object)
}

fn keys_in_order(json: &str) -> Vec<String> {
    // serde_json's Map is sorted without the preserve_order feature: read the keys by hand.
    let value: Value = serde_json::from_str(json).expect("json");
    let mut keys: Vec<(usize, String)> = value
        .as_object()
        .expect("object")
        .keys()
        .map(|k| {
            (
                json.find(&format!("{}:", Value::from(k.as_str())))
                    .expect("key in text"),
                k.clone(),
            )
        })
        .collect();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}

#[test]
fn decode_and_verify_print_every_vectors_parameters() {
    for vector in sign_vectors().into_iter().chain(extra_vectors()) {
        let expected = expected_json(&vector);
        let expected_keys: Vec<String> = expected
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect();
        let now = (vector.current_time_stamp + 60).to_string();
        for args in [
            vec!["decode", vector.signature.as_str()],
            vec!["verify", vector.signature.as_str(), "--now", now.as_str()],
        ] {
            let line = stdout_line(&run(&args, &vector.secret_id, &vector.secret_key));
            let printed: Value = serde_json::from_str(&line).expect("one JSON object");
            assert_eq!(printed, expected, "{} {}", args[0], vector.id);
            let mut ordered = keys_in_order(&line);
            let mut in_plaintext: Vec<String> = vector
                .original
                .split('&')
                .map(|s| {
                    form_urlencoded::parse(s.split('=').next().unwrap_or("").as_bytes())
                        .next()
                        .map(|p| p.0.into_owned())
                        .unwrap_or_default()
                })
                .collect();
            assert_eq!(
                ordered, in_plaintext,
                "{}: keys in the signature's order",
                vector.id
            );
            ordered.sort();
            in_plaintext.sort();
            let mut sorted_expected = expected_keys.clone();
            sorted_expected.sort();
            assert_eq!(ordered, sorted_expected);
        }
    }
}

#[test]
fn verify_rejects_every_negative_vector_with_one_error_line() {
    for vector in negative_vectors() {
        let now = vector.now.to_string();
        let output = run(
            &["verify", &vector.signature, "--now", &now],
            &vector.secret_id,
            &vector.secret_key,
        );
        let line = one_error_line(&output);
        assert!(!line.contains(&vector.secret_key), "{line}");
    }
}

#[test]
fn errors_name_the_parameter() {
    let id = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
    let key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
    let long = "x".repeat(251);
    for (args, needle) in [
        (vec!["sign", "--task-priority", "11"], "taskPriority"),
        (vec!["sign", "--task-priority=-11"], "taskPriority"),
        (vec!["sign", "--validity", "7776001"], "validity"),
        (vec!["sign", "--validity", "0"], "validity"),
        (
            vec!["sign", "--now", "1700000000", "--expire-time", "1700000000"],
            "expireTime",
        ),
        // The official samples' 10-year validity, as an absolute expireTime.
        (
            vec![
                "sign",
                "--now",
                "1571215095",
                "--expire-time",
                "1886575095",
                "--random",
                "1",
            ],
            "expireTime 1886575095 is 315360000 s after currentTimeStamp 1571215095, at most 7776000 s",
        ),
        (
            vec!["sign", "--source-context", long.as_str()],
            "sourceContext",
        ),
        (
            vec!["sign", "--task-notify-mode", "finish"],
            "taskNotifyMode",
        ),
        (vec!["sign", "--one-time-valid", "2"], "--one-time-valid"),
        (vec!["sign", "--class-id", "-1"], "--class-id"),
        (vec!["sign", "--random", "4294967296"], "--random"),
        (vec!["sign", "--param", "classId=1"], "classId"),
        (vec!["sign", "--param", "novalue"], "--param"),
    ] {
        let output = run(&args, id, key);
        // A value clap refuses is a usage error: exit 2 and clap's whole message, whose
        // first line names the value; the others are the crate's, on one line, exit 1.
        let line = if output.status.code() == Some(2) {
            let text = String::from_utf8(output.stderr).expect("utf-8");
            assert!(
                text.contains("For more information, try '--help'."),
                "{text}"
            );
            text.lines().next().expect("a line").to_owned()
        } else {
            assert_eq!(output.status.code(), Some(1), "{args:?}");
            one_error_line(&output)
        };
        assert!(line.starts_with("error: "), "{args:?}: {line}");
        assert!(line.contains(needle), "{args:?}: {line}");
    }
    for (id, key, variable) in [
        ("", key, "TENCENTCLOUD_SECRET_ID"),
        (id, "", "TENCENTCLOUD_SECRET_KEY"),
    ] {
        let line = one_error_line(&run(&["sign"], id, key));
        assert!(
            line.contains(variable),
            "an empty {variable} is named: {line}"
        );
    }
    let missing = Command::new(env!("CARGO_BIN_EXE_vodsign"))
        .args(["sign"])
        .env_remove("TENCENTCLOUD_SECRET_ID")
        .env_remove("TENCENTCLOUD_SECRET_KEY")
        .output()
        .expect("runs");
    assert!(one_error_line(&missing).contains("TENCENTCLOUD_SECRET_ID"));
}

#[test]
fn the_key_never_appears_in_any_output() {
    let id = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
    let key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
    let signature = stdout_line(&run(&["sign", "--source-context", "u"], id, key));
    for args in [
        vec!["sign"],
        vec!["decode", signature.as_str()],
        vec!["verify", signature.as_str()],
        vec!["verify", signature.as_str(), "--now", "1"],
        vec!["decode", "bad"],
        vec!["check", signature.as_str()],
        vec!["check", signature.as_str(), "--now", "1", "--json"],
    ] {
        let output = run(&args, id, key);
        for stream in [&output.stdout, &output.stderr] {
            assert!(!String::from_utf8_lossy(stream).contains(key), "{args:?}");
        }
    }
}

/// A signature over any plaintext with the demo key, made with Python-independent tools: the
/// `hmac` crate and `base64`'s encoder, not the crate's signer (which refuses these).
fn forge(plaintext: &str) -> String {
    use base64::Engine as _;
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")
        .expect("any key length");
    mac.update(plaintext.as_bytes());
    let tag = mac.finalize().into_bytes();
    base64::engine::general_purpose::STANDARD
        .encode([tag.as_slice(), plaintext.as_bytes()].concat())
}

const DEMO_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const DEMO_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

/// `vodsign check` at `now`: exit status and the lines it printed.
fn check(signature: &str, now: &str, secret_key: &str) -> (bool, Vec<String>) {
    let output = run(&["check", signature, "--now", now], DEMO_ID, secret_key);
    let text = String::from_utf8(output.stdout).expect("utf-8");
    (
        output.status.success(),
        text.lines().map(str::to_owned).collect(),
    )
}

fn has(lines: &[String], severity: &str, needle: &str) -> bool {
    lines
        .iter()
        .any(|line| line.starts_with(&format!("{severity}: ")) && line.contains(needle))
}

#[test]
fn check_lists_both_classic_failures_at_once() {
    // Node's Date.now()/1000 without rounding, and the official samples' 10-year validity.
    let signature = forge(&format!(
        "secretId={DEMO_ID}&currentTimeStamp=1571215095.123&expireTime=1886575095&random=220625"
    ));
    let (ok, lines) = check(&signature, "1571215100", DEMO_KEY);
    assert!(!ok, "{lines:?}");
    assert!(
        has(
            &lines,
            "error",
            "currentTimeStamp is \"1571215095.123\": fractional"
        ),
        "{lines:?}"
    );
    assert!(
        has(&lines, "error", "the validity is 315360000 s"),
        "{lines:?}"
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
}

#[test]
fn check_finds_nothing_wrong_with_a_fresh_signature_and_checks_the_mac() {
    let signature = stdout_line(&run(
        &["sign", "--now", "1700000000", "--source-context", "a b"],
        DEMO_ID,
        DEMO_KEY,
    ));
    assert_eq!(
        check(&signature, "1700000060", DEMO_KEY),
        (true, vec!["ok: no problem found".to_owned()])
    );
    let (ok, lines) = check(&signature, "1700000060", "another key");
    assert!(!ok);
    assert!(has(&lines, "error", "the MAC does not match"), "{lines:?}");
    let (ok, lines) = check(&signature, "1800000000", DEMO_KEY);
    assert!(!ok);
    assert!(has(&lines, "error", "expired"), "{lines:?}");
    let (ok, lines) = check(&signature, "1600000000", DEMO_KEY);
    assert!(!ok);
    assert!(has(&lines, "error", "not yet valid"), "{lines:?}");
}

#[test]
fn check_says_which_way_base64_is_not_strict() {
    // A signature with both '+' and '/' in its Base64, and padding.
    let signature = (0..100)
        .map(|random| {
            let random = random.to_string();
            let args = [
                "sign",
                "--now",
                "1700000000",
                "--random",
                &random,
                "--procedure",
                "视频 ~?>",
            ];
            stdout_line(&run(&args, DEMO_ID, DEMO_KEY))
        })
        .find(|signature| {
            signature.contains('+') && signature.contains('/') && signature.ends_with('=')
        })
        .expect("one of a hundred signatures has both");
    for (variant, needle) in [
        (
            signature.replace('+', "-").replace('/', "_"),
            "URL-safe alphabet",
        ),
        (
            signature.trim_end_matches('=').to_owned(),
            "padding is missing",
        ),
        (
            format!("{}\n{}", &signature[..40], &signature[40..]),
            "whitespace",
        ),
    ] {
        let (ok, lines) = check(&variant, "1700000060", DEMO_KEY);
        assert!(!ok);
        assert!(has(&lines, "error", needle), "{needle}: {lines:?}");
        // Read anyway: nothing else is wrong, the MAC included.
        assert_eq!(lines.len(), 1, "{needle}: {lines:?}");
    }
    let (ok, lines) = check("not base64!", "1700000060", DEMO_KEY);
    assert!(!ok);
    assert!(has(&lines, "error", "not Base64"), "{lines:?}");
}

#[test]
fn check_reports_every_defect_of_a_plaintext() {
    let signature = forge(&format!(
        "secretId=other&currentTimeStamp=%2B1700000000&expireTime=1700000100&random=4294967296\
         &taskPriority=11&taskNotifyMode=finish&oneTimeValid=2&sourceContext={}&classId=1&classId=2\
         &isTranscode=1&raw=a b&&bad=%zz",
        "x".repeat(251)
    ));
    let (ok, lines) = check(&signature, "1700000000", DEMO_KEY);
    assert!(!ok);
    for (severity, needle) in [
        ("error", "currentTimeStamp is \"+1700000000\": signed"),
        ("error", "random is 4294967296, above the maximum"),
        ("error", "taskPriority is \"11\""),
        ("error", "taskNotifyMode is \"finish\""),
        ("error", "oneTimeValid is \"2\""),
        ("error", "sourceContext is 251 characters long, at most 250"),
        ("error", "classId is given more than once"),
        ("warning", "isTranscode is not a parameter"),
        ("warning", "raw is not a parameter"),
        ("warning", "not URL-encoded (value of raw has a raw ' ')"),
        ("error", "segment 13 is empty"),
        ("error", "segment 14 (\"bad=%zz\")"),
        ("error", "secretId \"other\" is not TENCENTCLOUD_SECRET_ID"),
    ] {
        assert!(has(&lines, severity, needle), "{needle}: {lines:?}");
    }
    assert_eq!(lines.len(), 13, "{lines:?}");
}

#[test]
fn check_finds_an_error_in_every_negative_vector() {
    for vector in negative_vectors() {
        let output = run(
            &["check", &vector.signature, "--now", &vector.now.to_string()],
            &vector.secret_id,
            &vector.secret_key,
        );
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(!output.status.success(), "{}: {text}", vector.id);
        assert!(
            text.lines().any(|line| line.starts_with("error: ")),
            "{}: {text}",
            vector.id
        );
    }
    for vector in sign_vectors().into_iter().chain(extra_vectors()) {
        let now = (vector.current_time_stamp + 60).to_string();
        let output = run(
            &["check", &vector.signature, "--now", &now],
            &vector.secret_id,
            &vector.secret_key,
        );
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{}: {text}", vector.id);
        assert!(!text.contains("error: "), "{}: {text}", vector.id);
    }
}

#[test]
fn check_speaks_json_for_machines() {
    let signature = forge(&format!(
        "secretId={DEMO_ID}&currentTimeStamp=1700000000&expireTime=1800000000&random=1"
    ));
    let output = run(
        &["check", &signature, "--now", "1700000000", "--json"],
        DEMO_ID,
        DEMO_KEY,
    );
    assert!(!output.status.success());
    let json: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(json["ok"], false);
    assert_eq!(json["errors"], 1);
    assert_eq!(json["findings"][0]["severity"], "error");
    assert!(
        json["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("90 days"))
    );
}

/// `(currentTimeStamp, random)` of every signature in `output`, one per line.
fn stamps(output: &Output) -> Vec<(u64, u32)> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|signature| {
            let decoded = tencent_vod_signature::UnverifiedSignature::decode(signature)
                .expect("vodsign signs");
            let fields = decoded.untrusted_fields();
            (fields.current_time_stamp(), fields.random())
        })
        .collect()
}

#[test]
fn a_fleet_of_processes_never_repeats_a_random_within_a_second() {
    const PER_PROCESS: usize = 20_000;
    let count = PER_PROCESS.to_string();
    let fleet: Vec<_> = (0..3)
        .map(|index| {
            Command::new(env!("CARGO_BIN_EXE_vodsign"))
                .args([
                    "sign",
                    "--count",
                    &count,
                    "--instance",
                    &format!("{index}/3"),
                ])
                .env("TENCENTCLOUD_SECRET_ID", DEMO_ID)
                .env("TENCENTCLOUD_SECRET_KEY", DEMO_KEY)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("vodsign runs")
        })
        .collect();
    let mut all = std::collections::HashSet::new();
    for (index, process) in fleet.into_iter().enumerate() {
        let stamps = stamps(&process.wait_with_output().expect("vodsign ends"));
        assert_eq!(stamps.len(), PER_PROCESS);
        for (second, random) in stamps {
            // Three instances: the index in the top two bits.
            assert_eq!(random >> 30, index as u32, "{random:#x}");
            assert!(all.insert((second, random)), "repeated: {second} {random}");
        }
    }
}

#[test]
fn an_instance_outside_its_fleet_is_refused_naming_it() {
    for (instance, reason) in [
        ("6/6", "below the count"),
        ("0/0", "at least one"),
        ("x", "INDEX/COUNT"),
    ] {
        let line = one_error_line(&run(&["sign", "--instance", instance], DEMO_ID, DEMO_KEY));
        assert!(line.contains(&format!("instance {instance:?}")), "{line}");
        assert!(line.contains(reason), "{line}");
    }
    let line = one_error_line(&run(
        &["sign", "--count", "2", "--random", "1"],
        DEMO_ID,
        DEMO_KEY,
    ));
    assert!(line.contains("--count"), "{line}");
}

#[test]
fn usage_errors_print_claps_whole_message_and_exit_2() {
    let output = run(&["decode"], "", "");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert!(stderr.contains("<SIGNATURE>"), "{stderr}");
    assert!(
        stderr.contains("Usage: vodsign decode <SIGNATURE>"),
        "{stderr}"
    );
    let output = run(&["sign", "--no-such-flag"], "", "");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--no-such-flag"));
}

#[test]
fn version_prints_the_packages_version() {
    let output = run(&["--version"], "", "");
    assert_eq!(
        stdout_line(&output),
        format!("vodsign {}", env!("CARGO_PKG_VERSION"))
    );
}
