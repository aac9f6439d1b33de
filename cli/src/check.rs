//! `vodsign check`: every problem of a signature, not only the first, each with its severity.
//!
//! The crate's decoder stops at the first defect, as a verifier must. A person debugging
//! "invalid signature" wants all of them, so this reads the signature leniently (Base64 of any
//! alphabet, padding or spacing; numbers with signs or fractions; any segment) and says what
//! VOD would refuse (errors) or what is merely unusual (warnings). The MAC is recomputed here
//! with the `hmac` crate, independently of the crate's own verifier.

use std::collections::HashSet;
use std::fmt;

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use tencent_vod_signature::PARAMETER_NAMES;
use tencent_vod_signature::limits::{
    DEFAULT_LEEWAY_SECS, MAX_SESSION_CONTEXT_CHARS, MAX_SIGNATURE_LEN, MAX_SOURCE_CONTEXT_CHARS,
    MAX_TASK_PRIORITY, MAX_VALIDITY_SECS, MIN_TASK_PRIORITY,
};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// VOD refuses such a signature (or the crate's verifier does).
    Error,
    /// Unusual but accepted.
    Warning,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// What it is, naming the parameter and the limit.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity.as_str(), self.message)
    }
}

/// What the check needs besides the signature.
pub struct Context<'a> {
    /// The time to judge the window at, Unix seconds.
    pub now: u64,
    /// The clock skew tolerated on both edges.
    pub leeway: u64,
    /// The key pair from the environment, when it is set: `(SecretId, SecretKey)`.
    pub credentials: Option<(&'a str, &'a str)>,
}

impl Context<'_> {
    /// The default leeway, the crate's.
    pub const DEFAULT_LEEWAY: u64 = DEFAULT_LEEWAY_SECS;
}

/// Every problem of `signature`, in the order the layers are read.
pub fn check(signature: &str, context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Findings::default();
    let Some(payload) = base64_layer(signature, &mut findings) else {
        return findings.0;
    };
    if payload.len() < 21 {
        findings.error(format!(
            "decodes to {} bytes, a 20-byte MAC and a plaintext need at least 21",
            payload.len()
        ));
        return findings.0;
    }
    let (mac, plaintext) = payload.split_at(20);
    let Ok(text) = std::str::from_utf8(plaintext) else {
        findings.error("the plaintext is not valid UTF-8".to_owned());
        return findings.0;
    };
    let fields = plaintext_layer(text, &mut findings);
    time_layer(&fields, context, &mut findings);
    if let Some((secret_id, secret_key)) = context.credentials {
        key_layer(
            mac,
            plaintext,
            &fields,
            secret_id,
            secret_key,
            &mut findings,
        );
    }
    findings.0
}

/// The findings as one JSON object: `{"ok": …, "errors": n, "warnings": n, "findings": […]}`.
pub fn to_json(findings: &[Finding]) -> String {
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    json!({
        "ok": count(Severity::Error) == 0,
        "errors": count(Severity::Error),
        "warnings": count(Severity::Warning),
        "findings": findings
            .iter()
            .map(|f| json!({ "severity": f.severity.as_str(), "message": f.message }))
            .collect::<Vec<_>>(),
    })
    .to_string()
}

#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn error(&mut self, message: String) {
        self.0.push(Finding {
            severity: Severity::Error,
            message,
        });
    }

    fn warning(&mut self, message: String) {
        self.0.push(Finding {
            severity: Severity::Warning,
            message,
        });
    }
}

/// Strict standard Base64 is what every real producer emits: say which way this is not, then
/// decode it anyway when it can be.
fn base64_layer(signature: &str, findings: &mut Findings) -> Option<Vec<u8>> {
    if signature.len() > MAX_SIGNATURE_LEN {
        findings.error(format!(
            "the signature is {} bytes long, at most {MAX_SIGNATURE_LEN} are accepted",
            signature.len()
        ));
    }
    let spaces = signature.chars().filter(char::is_ascii_whitespace).count();
    if spaces > 0 {
        findings.error(format!(
            "not strict Base64: {spaces} whitespace characters (a line break or a space from copying?)"
        ));
    }
    let mut text: String = signature
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if text.contains(['-', '_']) {
        findings.error(
            "not strict Base64: the URL-safe alphabet ('-', '_'); VOD expects the standard one ('+', '/')"
                .to_owned(),
        );
        text = text.replace('-', "+").replace('_', "/");
    }
    if let Some((at, c)) = text
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')))
    {
        findings.error(format!(
            "not Base64: {c:?} at position {at}; nothing more can be read"
        ));
        return None;
    }
    let unpadded = text.trim_end_matches('=');
    if text.len() % 4 != 0 && unpadded.len() == text.len() {
        findings.error("not strict Base64: the '=' padding is missing".to_owned());
    }
    let lenient = GeneralPurpose::new(
        &STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    match lenient.decode(unpadded) {
        Ok(payload) => {
            let strict = base64::engine::general_purpose::STANDARD;
            if strict.encode(&payload) != text && text.len() % 4 == 0 {
                findings.error(
                    "not strict Base64: padding or trailing bits that no encoder writes".to_owned(),
                );
            }
            Some(payload)
        }
        Err(error) => {
            findings.error(format!("not Base64 ({error}); nothing more can be read"));
            None
        }
    }
}

/// What the plaintext says, as far as it can be read.
#[derive(Default)]
struct Claimed {
    secret_id: Option<String>,
    current_time_stamp: Option<u64>,
    expire_time: Option<u64>,
}

fn plaintext_layer(text: &str, findings: &mut Findings) -> Claimed {
    let mut claimed = Claimed::default();
    let mut seen = HashSet::new();
    let mut raw = Vec::new();
    for (index, segment) in text.split('&').enumerate() {
        let number = index + 1;
        let Some((raw_key, raw_value)) = segment.split_once('=') else {
            findings.error(if segment.is_empty() {
                format!("segment {number} is empty (a stray '&')")
            } else {
                format!("segment {number} ({segment:?}) has no '='")
            });
            continue;
        };
        let (Some(key), Some(value)) = (percent_decode(raw_key), percent_decode(raw_value)) else {
            findings.error(format!(
                "segment {number} ({segment:?}): '%' not followed by two hex digits, or not UTF-8 once decoded"
            ));
            continue;
        };
        if key.is_empty() {
            findings.error(format!("segment {number} has an empty key"));
            continue;
        }
        if !seen.insert(key.clone()) {
            findings.error(format!("{key} is given more than once"));
            continue;
        }
        for (part, what) in [(raw_key, "key"), (raw_value, "value")] {
            if let Some(c) = part.chars().find(|&c| needs_encoding(c)) {
                raw.push(format!("{what} of {key} has a raw {c:?}"));
            }
        }
        value_checks(&key, &value, &mut claimed, findings);
    }
    if !raw.is_empty() {
        findings.warning(format!(
            "the plaintext is not URL-encoded ({}); the documents say values must be",
            raw.join(", ")
        ));
    }
    for name in &PARAMETER_NAMES[..4] {
        if !seen.contains(*name) {
            findings.error(format!("required parameter {name} is missing"));
        }
    }
    claimed
}

/// A character that every real encoder escapes (or writes as `+`).
fn needs_encoding(c: char) -> bool {
    !(c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '.' | '_' | '~' | '!' | '\'' | '(' | ')' | '*' | '%' | '+'
        ))
}

/// `+` and `%XX` decoded; `None` for a bad escape or invalid UTF-8.
fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |at: usize| char::from(*bytes.get(at)?).to_digit(16);
                let value = hex(at + 1)? << 4 | hex(at + 2)?;
                out.push(u8::try_from(value).ok()?);
                at += 2;
            }
            other => out.push(other),
        }
        at += 1;
    }
    String::from_utf8(out).ok()
}

/// Reads a number leniently: the problems of its spelling, and its value when one can be read.
fn number(name: &str, value: &str, findings: &mut Findings) -> Option<u64> {
    let (sign, digits) = match value.strip_prefix(['+', '-']) {
        Some(rest) => (value.chars().next(), rest),
        None => (None, value),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        findings.error(format!(
            "{name} is {value:?}, not an unsigned integer in plain ASCII digits"
        ));
        return None;
    }
    if let Some(sign) = sign {
        findings.error(format!(
            "{name} is {value:?}: signed ({sign:?}); VOD takes plain digits"
        ));
    }
    if fraction.is_some() {
        findings.error(format!(
            "{name} is {value:?}: fractional (JavaScript's Date.now()/1000 without rounding?); VOD rejects it, although Tencent's online checker accepts it"
        ));
    }
    match whole.parse::<u64>() {
        Ok(number) if sign == Some('-') && number != 0 => None,
        Ok(number) => Some(number),
        Err(_) => {
            findings.error(format!("{name} is {value:?}, beyond 18446744073709551615"));
            None
        }
    }
}

fn value_checks(key: &str, value: &str, claimed: &mut Claimed, findings: &mut Findings) {
    match key {
        "secretId" => claimed.secret_id = Some(value.to_owned()),
        "currentTimeStamp" => claimed.current_time_stamp = number(key, value, findings),
        "expireTime" => claimed.expire_time = number(key, value, findings),
        "random" => {
            if number(key, value, findings).is_some_and(|random| random > u64::from(u32::MAX)) {
                findings.error(format!("random is {value}, above the maximum 4294967295"));
            }
        }
        "classId" | "vodSubAppId" => {
            number(key, value, findings);
        }
        "taskPriority" => {
            let digits = value.strip_prefix('-').unwrap_or(value);
            let plain = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
            let in_range = plain
                && value.parse::<i64>().is_ok_and(|priority| {
                    (i64::from(MIN_TASK_PRIORITY)..=i64::from(MAX_TASK_PRIORITY))
                        .contains(&priority)
                });
            if !in_range {
                findings.error(format!(
                    "taskPriority is {value:?}, it must be an integer within {MIN_TASK_PRIORITY}..={MAX_TASK_PRIORITY}"
                ));
            }
        }
        "taskNotifyMode" => {
            if !matches!(value, "Finish" | "Change" | "None") {
                findings.error(format!(
                    "taskNotifyMode is {value:?}, expected Finish, Change or None (case-sensitive)"
                ));
            }
        }
        "oneTimeValid" => {
            if !matches!(value, "0" | "1") {
                findings.error(format!("oneTimeValid is {value:?}, expected 0 or 1"));
            }
        }
        "sourceContext" | "sessionContext" => {
            let max = if key == "sourceContext" {
                MAX_SOURCE_CONTEXT_CHARS
            } else {
                MAX_SESSION_CONTEXT_CHARS
            };
            let chars = value.chars().count();
            if chars > max {
                findings.error(format!(
                    "{key} is {chars} characters long, at most {max} are allowed"
                ));
            }
        }
        // The crate's other names (text without a limit); anything else is unknown.
        _ if PARAMETER_NAMES.contains(&key) => {}
        _ => findings.warning(format!(
            "{key} is not a parameter of Tencent's documentation (kept, and signed, as it is)"
        )),
    }
}

fn time_layer(claimed: &Claimed, context: &Context<'_>, findings: &mut Findings) {
    let (Some(current), Some(expire)) = (claimed.current_time_stamp, claimed.expire_time) else {
        return;
    };
    match expire.checked_sub(current) {
        None | Some(0) => findings.error(format!(
            "expireTime {expire} is not after currentTimeStamp {current}"
        )),
        Some(validity) if validity > MAX_VALIDITY_SECS => findings.error(format!(
            "the validity is {validity} s ({} days), over the maximum of {MAX_VALIDITY_SECS} s (90 days)",
            validity / 86_400
        )),
        Some(_) => {}
    }
    let now = context.now;
    if now > expire.saturating_add(context.leeway) {
        findings.error(format!(
            "expired: expireTime {expire} is {} s before now ({now})",
            now - expire
        ));
    }
    if current > now.saturating_add(context.leeway) {
        findings.error(format!(
            "not yet valid: currentTimeStamp {current} is {} s after now ({now}); is a clock wrong?",
            current - now
        ));
    }
}

fn key_layer(
    mac: &[u8],
    plaintext: &[u8],
    claimed: &Claimed,
    secret_id: &str,
    secret_key: &str,
    findings: &mut Findings,
) {
    if let Some(found) = &claimed.secret_id {
        if found != secret_id {
            findings.error(format!(
                "secretId {found:?} is not TENCENTCLOUD_SECRET_ID ({secret_id:?})"
            ));
        }
    }
    let mut expected =
        Hmac::<sha1::Sha1>::new_from_slice(secret_key.as_bytes()).expect("HMAC takes any key");
    expected.update(plaintext);
    // `verify_slice` compares in constant time.
    if expected.verify_slice(mac).is_err() {
        findings.error(
            "the MAC does not match the plaintext under TENCENTCLOUD_SECRET_KEY (another key, or an altered signature)"
                .to_owned(),
        );
    }
}
