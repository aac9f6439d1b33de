//! Typed parameter values → the plaintext querystring (`original`). No cryptography here.
//!
//! Keys and values are written as the WHATWG `application/x-www-form-urlencoded` serializer
//! (`form_urlencoded::byte_serialize`) writes them, identical to Java's `URLEncoder` in the
//! official Java sample: alphanumerics and `*-._` literal, space as `+`, everything else `%XX`
//! with upper-case hex. The writer below produces those bytes straight into the output buffer
//! from a 256-entry table; a property test holds it to `byte_serialize`.
//! Parameters come in one canonical order: the required four, then the optional ones in the
//! order of the parameter table, then the extra ones in the order given.

use crate::codec::Stamp;
use crate::codec::values::{self, U32_DIGITS, U64_DIGITS, digits};
use crate::params::{Name, UploadParams, for_each_param};

/// `secretId=<encoded id>&currentTimeStamp=`: the part of every plaintext that depends only on
/// the credentials, so it is encoded once per credentials value.
pub(crate) fn prefix(secret_id: &str) -> String {
    let mut out = String::with_capacity(secret_id.len() + 32);
    out.push_str(Name::SecretId.as_str());
    out.push('=');
    out.extend(form_urlencoded::byte_serialize(secret_id.as_bytes()));
    out.push('&');
    out.push_str(Name::CurrentTimeStamp.as_str());
    out.push('=');
    out
}

/// Defines [`max_len`] and [`write`], whose optional arms come from the parameter table.
macro_rules! define_writer {
    (
        required: $required:tt,
        optional: [$((
            $variant:ident, $wire:literal, $field:ident, $kind:ident, $argument:ty,
            $rule:expr, $meaning:literal
        )),* $(,)?],
    ) => {
        /// The length of the longest plaintext `params` can give with this prefix (every
        /// number at its most digits, every text byte escaped), plus the encoder's store
        /// slack: the buffer is sized once, to this.
        pub(crate) fn max_len(prefix: &str, params: &UploadParams) -> usize {
            let mut len = prefix.len()
                + U64_DIGITS
                + "&expireTime=".len()
                + U64_DIGITS
                + "&random=".len()
                + U32_DIGITS;
            $(
                if let Some(value) = &params.$field {
                    len += "&=".len() + $wire.len() + values::$kind::max_len(value);
                }
            )*
            for (name, value) in &params.extra {
                len += "&=".len() + 3 * name.len() + 3 * value.len();
            }
            len + STORE_WIDTH
        }

        /// The exact length of the plaintext [`write`] would write: counted, not written, so
        /// that a signature too long to be signed is refused before anything large is
        /// allocated or encoded.
        pub(crate) fn len(prefix: &str, stamp: Stamp, params: &UploadParams) -> usize {
            let mut len = prefix.len()
                + digits(stamp.current_time_stamp)
                + "&expireTime=".len()
                + digits(stamp.expire_time)
                + "&random=".len()
                + digits(u64::from(stamp.random));
            $(
                if let Some(value) = &params.$field {
                    len += "&=".len() + $wire.len() + values::$kind::len(value);
                }
            )*
            for (name, value) in &params.extra {
                len += "&=".len() + encoded_len(name) + encoded_len(value);
            }
            len
        }

        /// Writes the whole plaintext at the start of `buffer` and returns its length,
        /// `prefix` being [`prefix`] of the SecretId: the required four, then the optional
        /// ones in table order, then the extra ones in the order given.
        ///
        /// # Panics
        ///
        /// When `buffer` is shorter than [`max_len`]; the signer always sizes it so.
        pub(crate) fn write(
            buffer: &mut [u8],
            prefix: &str,
            stamp: Stamp,
            params: &UploadParams,
        ) -> usize {
            let mut out = Cursor { buffer, len: 0 };
            out.put(prefix.as_bytes());
            out.put_u64(stamp.current_time_stamp);
            out.put(b"&expireTime=");
            out.put_u64(stamp.expire_time);
            out.put(b"&random=");
            out.put_u64(u64::from(stamp.random));
            $(
                if let Some(value) = &params.$field {
                    out.put(concat!("&", $wire, "=").as_bytes());
                    values::$kind::write(&mut out, value);
                }
            )*
            for (name, value) in &params.extra {
                out.put(b"&");
                out.put_encoded(name);
                out.put(b"=");
                out.put_encoded(value);
            }
            out.len
        }
    };
}

for_each_param!(define_writer);

/// The length of `value` form-urlencoded, as [`Cursor::put_encoded`] writes it.
pub(crate) fn encoded_len(value: &str) -> usize {
    value
        .bytes()
        // The top byte of an entry holds the encoded length: 1 or 3.
        .map(|byte| (ENCODED[usize::from(byte)] >> 24) as usize)
        .sum()
}

/// How many bytes [`Cursor::put_encoded`] stores per input byte (it keeps 1 or 3 of them).
const STORE_WIDTH: usize = 4;

/// Writes forward through a buffer that [`max_len`] sized: fixed-size stores, no length
/// bookkeeping of a `Vec`, no zero-filling per signature.
pub(crate) struct Cursor<'a> {
    buffer: &'a mut [u8],
    len: usize,
}

impl Cursor<'_> {
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        self.buffer[self.len..end].copy_from_slice(bytes);
        self.len = end;
    }

    /// Writes `value` form-urlencoded: the bytes of `form_urlencoded::byte_serialize`.
    ///
    /// One table lookup and one four-byte store per input byte, no branch on its class.
    pub(crate) fn put_encoded(&mut self, value: &str) {
        for &byte in value.as_bytes() {
            let entry = ENCODED[usize::from(byte)];
            self.buffer[self.len..self.len + STORE_WIDTH].copy_from_slice(&entry.to_le_bytes());
            // The top byte holds the encoded length: 1 or 3.
            self.len += (entry >> 24) as usize;
        }
    }

    /// Writes `value` in plain decimal.
    pub(crate) fn put_u64(&mut self, value: u64) {
        self.put(itoa::Buffer::new().format(value).as_bytes());
    }
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
        byte += 1; // `*=` here never ends: .ci/mutants.toml excludes that mutant
    }
    table
};

/// The bytes the serializer leaves as they are.
const fn is_literal(byte: u8) -> bool {
    matches!(byte, b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `write_with` writes into a buffer of exactly `size` bytes.
    fn with_cursor(size: usize, write_with: impl FnOnce(&mut Cursor<'_>)) -> String {
        let mut buffer = vec![0; size];
        let mut cursor = Cursor {
            buffer: &mut buffer,
            len: 0,
        };
        write_with(&mut cursor);
        let len = cursor.len;
        buffer.truncate(len);
        String::from_utf8(buffer).expect("the writer writes ASCII")
    }

    fn decimal(value: u64) -> String {
        with_cursor(20, |out| out.put_u64(value))
    }

    #[test]
    fn decimal_matches_std_at_the_edges() {
        for value in [0, 1, 9, 10, 99, 100, 4_294_967_295, u64::MAX - 1, u64::MAX] {
            assert_eq!(decimal(value), value.to_string());
        }
    }

    fn encoded(value: &str) -> String {
        with_cursor(3 * value.len() + STORE_WIDTH, |out| out.put_encoded(value))
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
                task_notify_mode: Some(crate::task_notify_mode::TaskNotifyMode::Silent),
                source_context: Some(String::new()),
                session_context: Some(String::new()),
                one_time_valid: Some(true),
                vod_sub_app_id: Some(2),
                storage_region: Some(String::new()),
                extra: vec![("k".to_owned(), "v".to_owned())],
            };
            let prefix = prefix("id");
            let mut buffer = vec![0; max_len(&prefix, &params)];
            let stamp = Stamp {
                current_time_stamp: 3,
                expire_time: 4,
                random: 5,
            };
            let len = write(&mut buffer, &prefix, stamp, &params);
            buffer.truncate(len);
            String::from_utf8(buffer).expect("the writer writes ASCII")
        };
        let keys: Vec<&str> = written
            .split('&')
            .filter_map(|pair| pair.split('=').next())
            .collect();
        let mut expected: Vec<&str> = Name::ALL.iter().map(|name| name.as_str()).collect();
        expected.push("k");
        assert_eq!(keys, expected);
        assert_eq!(
            written,
            "secretId=id&currentTimeStamp=3&expireTime=4&random=5&classId=1&procedure=&taskPriority=-1\
             &taskNotifyMode=None&sourceContext=&sessionContext=&oneTimeValid=1&vodSubAppId=2\
             &storageRegion=&k=v"
        );
    }

    /// Every number at its most digits and every text byte escaped: the plaintext is exactly
    /// as long as `max_len` allows, so the bound is neither short (the writer would panic)
    /// nor loose.
    #[test]
    fn max_len_is_the_longest_plaintext() {
        let worst = "视\u{7f}";
        let all = UploadParams {
            class_id: Some(u64::MAX),
            procedure: Some(worst.to_owned()),
            task_priority: Some(-10),
            task_notify_mode: Some(crate::task_notify_mode::TaskNotifyMode::Finish),
            source_context: Some(worst.to_owned()),
            session_context: Some(worst.repeat(2)),
            one_time_valid: Some(true),
            vod_sub_app_id: Some(u64::MAX),
            storage_region: Some(worst.repeat(3)),
            extra: vec![
                (worst.to_owned(), worst.repeat(4)),
                ("é".to_owned(), String::new()),
            ],
        };
        let prefix = prefix("AKID");
        for params in [all, UploadParams::default()] {
            let max = max_len(&prefix, &params);
            let mut buffer = vec![0; max];
            let stamp = Stamp {
                current_time_stamp: u64::MAX,
                expire_time: u64::MAX,
                random: u32::MAX,
            };
            assert_eq!(
                len(&prefix, stamp, &params) + STORE_WIDTH,
                max,
                "counted as written"
            );
            let stamp = Stamp {
                current_time_stamp: u64::MAX,
                expire_time: u64::MAX,
                random: u32::MAX,
            };
            let len = write(&mut buffer, &prefix, stamp, &params);
            assert_eq!(len + STORE_WIDTH, max);
        }
    }

    proptest::proptest! {
        /// The counted length is the written length, for any text and any numbers.
        #[test]
        fn len_counts_what_write_writes(
            procedure in proptest::prelude::any::<String>(),
            name in "[a-z]{1,3}",
            value in proptest::prelude::any::<String>(),
            numbers in proptest::prelude::any::<(u64, u64, u32, u64, i8)>(),
        ) {
            let (current_time_stamp, expire_time, random, class_id, priority) = numbers;
            let params = UploadParams {
                class_id: Some(class_id),
                procedure: Some(procedure),
                task_priority: Some(priority),
                extra: vec![(name, value)],
                ..UploadParams::default()
            };
            let stamp = Stamp { current_time_stamp, expire_time, random };
            let prefix = prefix("AKID x");
            let mut buffer = vec![0; max_len(&prefix, &params)];
            let written = write(&mut buffer, &prefix, stamp, &params);
            proptest::prop_assert_eq!(len(&prefix, stamp, &params), written);
        }
    }

    #[test]
    fn prefix_encodes_the_secret_id() {
        assert_eq!(prefix("AKID x/y"), "secretId=AKID+x%2Fy&currentTimeStamp=");
    }
}
