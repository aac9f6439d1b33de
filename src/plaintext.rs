//! Typed parameter values → the plaintext querystring (`original`). No cryptography here.
//!
//! Keys and values are written as the WHATWG `application/x-www-form-urlencoded` serializer
//! (`form_urlencoded::byte_serialize`) writes them, identical to Java's `URLEncoder` in the
//! official Java sample: alphanumerics and `*-._` literal, space as `+`, everything else `%XX`
//! with upper-case hex. The writer below produces those bytes straight into the output buffer
//! from a 256-entry table; a property test holds it to `byte_serialize`.
//! Parameters come in one canonical order: the required four, then the optional ones in the
//! order of [`names::KNOWN`], then the extra ones in the order given.

use crate::UploadParams;
use crate::names::{CURRENT_TIME_STAMP, SECRET_ID};

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
    out.extend_from_slice(b"&expireTime=");
    push_u64(out, expire_time);
    out.extend_from_slice(b"&random=");
    push_u64(out, u64::from(random));

    if let Some(class_id) = params.class_id {
        out.extend_from_slice(b"&classId=");
        push_u64(out, class_id);
    }
    if let Some(procedure) = &params.procedure {
        out.extend_from_slice(b"&procedure=");
        push_encoded(out, procedure);
    }
    if let Some(priority) = params.task_priority {
        out.extend_from_slice(b"&taskPriority=");
        if priority < 0 {
            out.push(b'-');
        }
        push_u64(out, u64::from(priority.unsigned_abs()));
    }
    if let Some(mode) = params.task_notify_mode {
        out.extend_from_slice(b"&taskNotifyMode=");
        out.extend_from_slice(mode.as_str().as_bytes());
    }
    if let Some(context) = &params.source_context {
        out.extend_from_slice(b"&sourceContext=");
        push_encoded(out, context);
    }
    if let Some(context) = &params.session_context {
        out.extend_from_slice(b"&sessionContext=");
        push_encoded(out, context);
    }
    if let Some(one_time) = params.one_time_valid {
        out.extend_from_slice(b"&oneTimeValid=");
        out.push(if one_time { b'1' } else { b'0' });
    }
    if let Some(app_id) = params.vod_sub_app_id {
        out.extend_from_slice(b"&vodSubAppId=");
        push_u64(out, app_id);
    }
    if let Some(region) = &params.storage_region {
        out.extend_from_slice(b"&storageRegion=");
        push_encoded(out, region);
    }
    for (name, value) in &params.extra {
        out.push(b'&');
        push_encoded(out, name);
        out.push(b'=');
        push_encoded(out, value);
    }
}

/// Appends `value` form-urlencoded: the bytes of `form_urlencoded::byte_serialize`.
///
/// One table lookup and one four-byte store per input byte, no branch on its class: the
/// buffer is grown to the worst case (three bytes out per byte in, plus one of slack for the
/// last store) and cut back afterwards.
fn push_encoded(out: &mut Vec<u8>, value: &str) {
    let start = out.len();
    out.resize(start + 3 * value.len() + 1, 0);
    let mut end = start;
    for &byte in value.as_bytes() {
        let entry = ENCODED[usize::from(byte)];
        if let Some(slot) = out.get_mut(end..end + 4) {
            slot.copy_from_slice(&entry.to_le_bytes());
        }
        // The top byte holds the encoded length: 1 or 3.
        end += (entry >> 24) as usize;
    }
    out.truncate(end);
}

/// For every byte value: its encoded form in the low three bytes (little-endian), the form's
/// length in the top byte.
const ENCODED: [u32; 256] = {
    const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut table = [0u32; 256];
    let mut byte = 0;
    while byte < 256 {
        // `byte` is below 256: the cast keeps every bit.
        let b = byte as u8;
        let [first, second, third, len] = if is_literal(b) {
            [b, 0, 0, 1]
        } else if b == b' ' {
            [b'+', 0, 0, 1]
        } else {
            [
                b'%',
                UPPER_HEX[(b >> 4) as usize],
                UPPER_HEX[(b & 0x0f) as usize],
                3,
            ]
        };
        table[byte] = u32::from_le_bytes([first, second, third, len]);
        byte += 1; // `*=` here never ends: .ci/mutants.toml excludes it by this line number
    }
    table
};

/// The bytes the serializer leaves as they are.
const fn is_literal(byte: u8) -> bool {
    matches!(byte, b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z')
}

/// Appends `value` in plain decimal, two digits at a time, without allocating.
fn push_u64(out: &mut Vec<u8>, mut value: u64) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    while value >= 100 {
        // Below 100, so the cast keeps every bit.
        let pair = 2 * (value % 100) as usize;
        value /= 100;
        start -= 2;
        digits[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if value >= 10 {
        let pair = 2 * value as usize;
        start -= 2;
        digits[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        start -= 1;
        // Below 10, so the cast keeps every bit.
        digits[start] = b'0' + value as u8;
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

    fn encoded(value: &str) -> String {
        let mut out = Vec::new();
        push_encoded(&mut out, value);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn every_byte_value_is_written_as_form_urlencoded_writes_it() {
        for code_point in (0..=0x2ffu32).chain([0xd7ff, 0xe000, 0xfffd, 0x1f600, 0x10ffff]) {
            let Some(c) = char::from_u32(code_point) else {
                continue;
            };
            let value = format!("a{c}b{c}");
            let expected: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            assert_eq!(encoded(&value), expected, "U+{code_point:04X}");
        }
    }

    proptest::proptest! {
        #[test]
        fn matches_form_urlencoded_for_any_text(value in proptest::prelude::any::<String>()) {
            let expected: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            proptest::prop_assert_eq!(encoded(&value), expected);
        }
    }

    #[test]
    fn separators_spell_the_known_names() {
        let written = {
            let params = UploadParams {
                class_id: Some(1),
                procedure: Some(String::new()),
                task_priority: Some(-1),
                task_notify_mode: Some(crate::TaskNotifyMode::None),
                source_context: Some(String::new()),
                session_context: Some(String::new()),
                one_time_valid: Some(true),
                vod_sub_app_id: Some(2),
                storage_region: Some(String::new()),
                extra: vec![("k".to_owned(), "v".to_owned())],
            };
            let mut out = Vec::new();
            write(&mut out, &prefix("id"), 3, 4, 5, &params);
            String::from_utf8(out).unwrap_or_default()
        };
        let keys: Vec<&str> = written
            .split('&')
            .filter_map(|pair| pair.split('=').next())
            .collect();
        let mut expected = crate::names::KNOWN.to_vec();
        expected.push("k");
        assert_eq!(keys, expected);
        assert_eq!(
            written,
            "secretId=id&currentTimeStamp=3&expireTime=4&random=5&classId=1&procedure=&taskPriority=-1\
             &taskNotifyMode=None&sourceContext=&sessionContext=&oneTimeValid=1&vodSubAppId=2\
             &storageRegion=&k=v"
        );
    }

    #[test]
    fn prefix_encodes_the_secret_id() {
        assert_eq!(prefix("AKID x/y"), "secretId=AKID+x%2Fy&currentTimeStamp=");
    }
}
