//! Typed parameter values → the plaintext querystring (`original`). No cryptography here.
//!
//! Keys and values are encoded with `form_urlencoded::byte_serialize`, the WHATWG
//! `application/x-www-form-urlencoded` bytes, identical to Java's `URLEncoder` in the official
//! Java sample: alphanumerics and `*-._` literal, space as `+`, everything else `%XX`.
//! Parameters come in one canonical order: the required four, then the optional ones in the
//! order of [`names::KNOWN`], then the extra ones in the order given.

use crate::UploadParams;
use crate::names::{
    CLASS_ID, CURRENT_TIME_STAMP, EXPIRE_TIME, ONE_TIME_VALID, PROCEDURE, RANDOM, SECRET_ID,
    SESSION_CONTEXT, SOURCE_CONTEXT, STORAGE_REGION, TASK_NOTIFY_MODE, TASK_PRIORITY,
    VOD_SUB_APP_ID,
};

/// `secretId=<encoded id>&currentTimeStamp=`: the part of every plaintext that depends only on
/// the credentials, so it is encoded once per credentials value.
pub(crate) fn prefix(secret_id: &str) -> String {
    let mut out = String::with_capacity(secret_id.len() + 32);
    out.push_str(SECRET_ID);
    out.push('=');
    out.extend(form_urlencoded::byte_serialize(secret_id.as_bytes()));
    out.push('&');
    out.push_str(CURRENT_TIME_STAMP);
    out.push('=');
    out
}

/// Appends the whole plaintext to `out`, `prefix` being [`prefix`] of the SecretId.
pub(crate) fn write(
    out: &mut Vec<u8>,
    prefix: &str,
    current_time_stamp: u64,
    expire_time: u64,
    random: u32,
    params: &UploadParams,
) {
    out.extend_from_slice(prefix.as_bytes());
    push_u64(out, current_time_stamp);
    push_separator_and_key(out, EXPIRE_TIME);
    push_u64(out, expire_time);
    push_separator_and_key(out, RANDOM);
    push_u64(out, u64::from(random));

    if let Some(class_id) = params.class_id {
        push_separator_and_key(out, CLASS_ID);
        push_u64(out, class_id);
    }
    if let Some(procedure) = &params.procedure {
        push_separator_and_key(out, PROCEDURE);
        push_encoded(out, procedure);
    }
    if let Some(priority) = params.task_priority {
        push_separator_and_key(out, TASK_PRIORITY);
        if priority < 0 {
            out.push(b'-');
        }
        push_u64(out, u64::from(priority.unsigned_abs()));
    }
    if let Some(mode) = params.task_notify_mode {
        push_separator_and_key(out, TASK_NOTIFY_MODE);
        out.extend_from_slice(mode.as_str().as_bytes());
    }
    if let Some(context) = &params.source_context {
        push_separator_and_key(out, SOURCE_CONTEXT);
        push_encoded(out, context);
    }
    if let Some(context) = &params.session_context {
        push_separator_and_key(out, SESSION_CONTEXT);
        push_encoded(out, context);
    }
    if let Some(one_time) = params.one_time_valid {
        push_separator_and_key(out, ONE_TIME_VALID);
        out.push(if one_time { b'1' } else { b'0' });
    }
    if let Some(app_id) = params.vod_sub_app_id {
        push_separator_and_key(out, VOD_SUB_APP_ID);
        push_u64(out, app_id);
    }
    if let Some(region) = &params.storage_region {
        push_separator_and_key(out, STORAGE_REGION);
        push_encoded(out, region);
    }
    for (name, value) in &params.extra {
        out.push(b'&');
        push_encoded(out, name);
        out.push(b'=');
        push_encoded(out, value);
    }
}

/// `&name=` for a known name (known names are plain ASCII letters, never escaped).
fn push_separator_and_key(out: &mut Vec<u8>, name: &str) {
    out.push(b'&');
    push_key(out, name);
}

fn push_key(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(name.as_bytes());
    out.push(b'=');
}

fn push_encoded(out: &mut Vec<u8>, value: &str) {
    for piece in form_urlencoded::byte_serialize(value.as_bytes()) {
        out.extend_from_slice(piece.as_bytes());
    }
}

/// Appends `value` in plain decimal, without allocating.
fn push_u64(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        // `value % 10` is below 10, so the cast keeps every bit.
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(value: u64) -> String {
        let mut out = Vec::new();
        push_u64(&mut out, value);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn decimal_matches_std_at_the_edges() {
        for value in [0, 1, 9, 10, 99, 100, 4_294_967_295, u64::MAX - 1, u64::MAX] {
            assert_eq!(decimal(value), value.to_string());
        }
    }

    #[test]
    fn prefix_encodes_the_secret_id() {
        assert_eq!(prefix("AKID x/y"), "secretId=AKID+x%2Fy&currentTimeStamp=");
    }
}
