//! The plaintext querystring → `(key, value)` pairs, accepting every real producer's encoding.
//!
//! `+` and `%20` both mean a space; `%XX` takes hex digits in either case; every other byte
//! (including `! ' ( ) * ~`, raw spaces and raw UTF-8) stands for itself. Strict where
//! producers agree: every segment is non-empty and has an `=` after a non-empty key.

use std::borrow::Cow;

use crate::codec::scan::{self, SEGMENT_END, Specials};
use crate::error::Error;

/// One `key=value` segment, percent-decoded.
pub(crate) type Pair<'a> = (Cow<'a, str>, Cow<'a, str>);

/// Iterates over the percent-decoded pairs of `original`, in order.
pub(crate) fn pairs(original: &str) -> impl Iterator<Item = Result<Pair<'_>, Error>> {
    original
        .split('&')
        .enumerate()
        .map(|(index, segment)| parse_segment(index + 1, segment))
}

fn parse_segment(segment_number: usize, segment: &str) -> Result<Pair<'_>, Error> {
    let (raw_key, raw_value) = segment.split_at(key_len(segment_number, segment.as_bytes())?);
    let raw_value = &raw_value[1..];
    let key =
        percent_decode(raw_key).map_err(|defect| defect.into_error(segment_number, raw_key))?;
    let value =
        percent_decode(raw_value).map_err(|defect| defect.into_error(segment_number, &key))?;
    Ok((key, value))
}

/// The length of the key of the segment at the start of `rest` (which runs to its first `&`
/// or its end): where its first `=` is.
///
/// # Errors
///
/// [`Error::MalformedQuerystring`] numbered `segment_number`: an empty segment, no `=`, an
/// empty key.
pub(crate) fn key_len(segment_number: usize, rest: &[u8]) -> Result<usize, Error> {
    let malformed = |reason| Error::MalformedQuerystring {
        segment: segment_number,
        reason,
    };
    let segment = &rest[..scan::first_of(rest, SEGMENT_END)];
    if segment.is_empty() {
        return Err(malformed("empty segment"));
    }
    match segment.iter().position(|&byte| byte == b'=') {
        None => Err(malformed("no '=' between key and value")),
        Some(0) => Err(malformed("empty key")),
        Some(len) => Ok(len),
    }
}

/// Why a component did not decode.
pub(crate) enum Defect {
    BadEscape,
    BadUtf8,
}

impl Defect {
    /// The error for a defect in segment `segment`, whose key is `parameter`.
    pub(crate) fn into_error(self, segment: usize, parameter: &str) -> Error {
        match self {
            Self::BadEscape => Error::MalformedQuerystring {
                segment,
                reason: "'%' not followed by two hex digits",
            },
            Self::BadUtf8 => Error::BadUtf8 {
                parameter: Some(parameter.to_owned()),
            },
        }
    }
}

/// Decodes `+` and `%XX`; borrows when there is nothing to decode.
fn percent_decode(raw: &str) -> Result<Cow<'_, str>, Defect> {
    let bytes = raw.as_bytes();
    let mut specials = Specials::new(bytes, 0, bytes.len());
    let first = specials.next_from(0);
    if first == bytes.len() {
        return Ok(Cow::Borrowed(raw));
    }
    let mut decoded = vec![0; bytes.len() + DECODE_SLACK];
    let (len, _) = decode_into(&mut specials, 0, first, &mut decoded)?;
    decoded.truncate(len);
    String::from_utf8(decoded)
        .map(Cow::Owned)
        .map_err(|_| Defect::BadUtf8)
}

/// The room [`decode_into`] needs in its output beyond the length of what it decodes.
pub(crate) const DECODE_SLACK: usize = COPY_LEN;

/// Plain runs are copied this many bytes at a time.
const COPY_LEN: usize = 16;

/// Decodes from `start` up to the first `&` (or the cursor's end) into the start of `out`,
/// which must be at least `end - start + DECODE_SLACK` bytes long; returns the decoded length
/// and where decoding stopped (at the `&` or the end). `first` is the first special at or
/// after `start`, already handed out by the cursor. The decoded bytes are not checked for
/// UTF-8.
///
/// The cursor hands over one special byte after another: the plain run before it is copied
/// as it is, the special decoded. Hex digits are never special, so the next special is always
/// past the escape just read.
pub(crate) fn decode_into(
    specials: &mut Specials<'_>,
    start: usize,
    first: usize,
    out: &mut [u8],
) -> Result<(usize, usize), Defect> {
    let bytes = specials.bytes();
    let raw = &bytes[..specials.end()];
    let (mut copied_to, mut written, mut at) = (start, 0, first);
    loop {
        let run = at - copied_to;
        copy_run(&bytes[copied_to..], run, &mut out[written..]);
        written += run;
        let (byte, read) = match raw.get(at) {
            Some(b'%') => (escaped_byte(raw, at)?, 3),
            Some(b'+') => (b' ', 1),
            // The `&` that ends the component, or its end.
            _ => return Ok((written, at)),
        };
        out[written] = byte;
        written += 1;
        copied_to = at + read;
        at = specials.next_from(copied_to);
    }
}

/// Copies the first `len` bytes of `from` to `to`, [`COPY_LEN`] bytes at a time while `from`
/// has them (`to` must have room for `len` rounded up to a whole copy); what lands past `len`
/// is overwritten by whatever comes next or never read.
fn copy_run(from: &[u8], len: usize, to: &mut [u8]) {
    let mut copied = 0;
    while copied < len {
        match from.get(copied..copied + COPY_LEN) {
            Some(chunk) => to[copied..copied + COPY_LEN].copy_from_slice(chunk),
            None => {
                to[copied..len].copy_from_slice(&from[copied..len]);
                return;
            }
        }
        copied += COPY_LEN;
    }
}

/// The byte that the `%` at `at` and the two hex digits after it stand for.
fn escaped_byte(raw: &[u8], at: usize) -> Result<u8, Defect> {
    let (Some(&high), Some(&low)) = (raw.get(at + 1), raw.get(at + 2)) else {
        return Err(Defect::BadEscape);
    };
    let hex = |digit: u8| char::from(digit).to_digit(16).ok_or(Defect::BadEscape);
    // Two digits below 16 make a value below 256: the cast keeps every bit.
    Ok((hex(high)? << 4 | hex(low)?) as u8)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Byte at a time, as the spec reads: the reference for [`decode_into`].
    fn reference_decode(raw: &[u8]) -> Result<(Vec<u8>, usize), ()> {
        let mut out = Vec::new();
        let mut read = 0;
        while let Some(&byte) = raw.get(read) {
            match byte {
                b'&' => break,
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = |at: usize| raw.get(at).copied().and_then(hex_value).ok_or(());
                    out.push(hex(read + 1)? << 4 | hex(read + 2)?);
                    read += 2;
                }
                other => out.push(other),
            }
            read += 1;
        }
        Ok((out, read))
    }

    /// The bytes the decoder's inputs are drawn from: its specials, hex digits of both
    /// cases, a non-digit, a UTF-8 lead byte and anything.
    fn querystring_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            Just(b'%'),
            Just(b'+'),
            Just(b'&'),
            Just(b'a'),
            Just(b'F'),
            Just(b'7'),
            Just(b'g'),
            Just(0xe8u8),
            any::<u8>()
        ]
    }

    proptest! {
        /// From any start, over several windows, with bytes past the end that would change
        /// the result if they were read (escapes cut short by the end, `&` right after it).
        #[test]
        fn decode_into_agrees_with_a_byte_at_a_time_decoder(
            raw in proptest::collection::vec(querystring_byte(), 0..300),
            past_end in proptest::collection::vec(querystring_byte(), 0..80),
            start in 0usize..300,
        ) {
            let start = start.min(raw.len());
            let padded = [&raw[..], &past_end].concat();
            let mut out = vec![0xaa; raw.len() - start + DECODE_SLACK];
            let mut specials = Specials::new(&padded, 0, raw.len());
            let first = specials.next_from(start);
            let fast = decode_into(&mut specials, start, first, &mut out)
                .map(|(len, read)| (out[..len].to_vec(), read))
                .map_err(|_| ());
            let expected = reference_decode(&raw[start..]).map(|(out, read)| (out, start + read));
            prop_assert_eq!(fast, expected);
        }
    }

    fn decoded(original: &str) -> Result<Vec<(String, String)>, Error> {
        pairs(original)
            .map(|pair| pair.map(|(k, v)| (k.into_owned(), v.into_owned())))
            .collect()
    }

    fn pair(key: &str, value: &str) -> (String, String) {
        (key.to_owned(), value.to_owned())
    }

    #[test]
    fn every_producers_spelling_of_a_space_and_of_punctuation() {
        for original in [
            "a=x+y!'()*~",
            "a=x%20y%21%27%28%29%2A%7E",
            "a=x%20y%21%27%28%29%2a%7e",
            "a=x y!'()*~",
        ] {
            assert_eq!(
                decoded(original),
                Ok(vec![pair("a", "x y!'()*~")]),
                "{original}"
            );
        }
    }

    #[test]
    fn raw_utf8_and_escaped_utf8_are_the_same() {
        assert_eq!(decoded("k=视频"), decoded("k=%E8%A7%86%E9%A2%91"));
        assert_eq!(decoded("k=视频"), Ok(vec![pair("k", "视频")]));
    }

    #[test]
    fn an_equals_sign_in_a_raw_value_belongs_to_the_value() {
        assert_eq!(
            decoded("k=a=b&e="),
            Ok(vec![pair("k", "a=b"), pair("e", "")])
        );
    }

    #[test]
    fn malformed_segments_name_their_position() {
        let reason = |original| match decoded(original) {
            Err(Error::MalformedQuerystring { segment, reason }) => Some((segment, reason)),
            _ => None,
        };
        assert_eq!(reason("a=1&&b=2"), Some((2, "empty segment")));
        assert_eq!(reason("a=1&"), Some((2, "empty segment")));
        assert_eq!(reason("a=1&b"), Some((2, "no '=' between key and value")));
        assert_eq!(reason("=1"), Some((1, "empty key")));
        for bad_escape in ["a=%", "a=%4", "a=%ZZ", "a=%4G", "a=%G4", "%zz=1"] {
            assert_eq!(
                reason(bad_escape),
                Some((1, "'%' not followed by two hex digits")),
                "{bad_escape}"
            );
        }
    }

    #[test]
    fn invalid_utf8_after_decoding_names_the_parameter() {
        assert_eq!(
            decoded("ok=1&name=%FF"),
            Err(Error::BadUtf8 {
                parameter: Some("name".to_owned())
            })
        );
    }

    /// A spelled-out reading of hex digits, for the reference decoder and the table.
    fn hex_value(digit: u8) -> Option<u8> {
        match digit {
            b'0'..=b'9' => Some(digit - b'0'),
            b'a'..=b'f' => Some(digit - b'a' + 10),
            b'A'..=b'F' => Some(digit - b'A' + 10),
            _ => None,
        }
    }

    #[test]
    fn an_escape_reads_every_pair_of_bytes_as_the_spelled_out_rule_does() {
        for high in 0..=255u8 {
            for low in 0..=255u8 {
                let expected = hex_value(high)
                    .zip(hex_value(low))
                    .map(|(high, low)| high << 4 | low);
                let found = escaped_byte(&[b'%', high, low], 0).ok();
                assert_eq!(found, expected, "%{high:02x}{low:02x}");
            }
        }
        assert!(escaped_byte(b"%4", 0).is_err(), "one digit");
        assert!(escaped_byte(b"%", 0).is_err(), "no digit");
    }

    #[test]
    fn hex_digits_of_every_case() {
        for (digit, value) in [
            (b'0', 0),
            (b'9', 9),
            (b'a', 10),
            (b'f', 15),
            (b'A', 10),
            (b'F', 15),
        ] {
            assert_eq!(hex_value(digit), Some(value));
            assert_eq!(escaped_byte(&[b'%', b'0', digit], 0).ok(), Some(value));
        }
        for digit in [b'g', b'G', b'/', b':', b'@', b'`'] {
            assert_eq!(hex_value(digit), None);
            assert!(escaped_byte(&[b'%', b'0', digit], 0).is_err());
        }
    }
}
