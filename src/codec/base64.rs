//! The outer layer: standard Base64 with padding, strict both ways.
//!
//! `base64-simd` decodes only canonical input (padding present, no whitespace, trailing bits
//! zero, the standard alphabet), which is what every real producer emits.

use base64_simd::Out;

use crate::error::Error;
use crate::limits::MAX_SIGNATURE_LEN;

const STANDARD: base64_simd::Base64 = base64_simd::STANDARD;

/// The length of the Base64 text of `payload_len` bytes (with padding).
pub(crate) const fn encoded_len(payload_len: usize) -> usize {
    payload_len.div_ceil(3) * 4
}

/// Appends the Base64 text of `payload` to `out`.
///
/// # Errors
///
/// [`Error::SignatureTooLong`] when the text would exceed [`MAX_SIGNATURE_LEN`]; `out` is then
/// left as it was.
pub(crate) fn encode_append(payload: &[u8], out: &mut String) -> Result<(), Error> {
    let len = check_len(payload.len())?;
    out.reserve(len);
    STANDARD.encode_append(payload, out);
    Ok(())
}

/// The length of the Base64 text of `payload_len` bytes, if it is within
/// [`MAX_SIGNATURE_LEN`].
///
/// # Errors
///
/// [`Error::SignatureTooLong`] naming that length.
pub(crate) fn check_len(payload_len: usize) -> Result<usize, Error> {
    let len = encoded_len(payload_len);
    if len > MAX_SIGNATURE_LEN {
        return Err(Error::SignatureTooLong {
            len,
            max: MAX_SIGNATURE_LEN,
        });
    }
    Ok(len)
}

/// How many bytes `signature` decodes to, judged by its length and padding alone.
///
/// # Errors
///
/// [`Error::SignatureTooLong`] over [`MAX_SIGNATURE_LEN`], checked before anything else;
/// [`Error::BadBase64`] for a length or padding no Base64 text has.
pub(crate) fn decoded_len(signature: &str) -> Result<usize, Error> {
    if signature.len() > MAX_SIGNATURE_LEN {
        return Err(Error::SignatureTooLong {
            len: signature.len(),
            max: MAX_SIGNATURE_LEN,
        });
    }
    STANDARD
        .decoded_length(signature.as_bytes())
        .map_err(|_| Error::BadBase64)
}

/// Decodes `signature` into `out`, exactly [`decoded_len`] bytes long.
///
/// # Errors
///
/// [`Error::BadBase64`].
pub(crate) fn decode(signature: &str, out: &mut [u8]) -> Result<(), Error> {
    STANDARD
        .decode(signature.as_bytes(), Out::from_slice(out))
        .map(|_| ())
        .map_err(|_| Error::BadBase64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_len_matches_the_engine() {
        for len in 0..64 {
            let mut out = String::new();
            STANDARD.encode_append(vec![7u8; len], &mut out);
            assert_eq!(encoded_len(len), out.len(), "payload of {len} bytes");
        }
    }

    #[test]
    fn oversized_input_is_refused_before_decoding() {
        // Not Base64 at all: only the length check can produce this error.
        let huge = "!".repeat(MAX_SIGNATURE_LEN + 1);
        assert_eq!(
            decoded_len(&huge),
            Err(Error::SignatureTooLong {
                len: MAX_SIGNATURE_LEN + 1,
                max: MAX_SIGNATURE_LEN
            })
        );
        let at_limit = "!".repeat(MAX_SIGNATURE_LEN);
        let len = decoded_len(&at_limit).expect("a length Base64 can have");
        assert_eq!(decode(&at_limit, &mut vec![0; len]), Err(Error::BadBase64));
    }

    #[test]
    fn decoding_gives_back_what_was_encoded() {
        let payload: Vec<u8> = (0..=255).collect();
        let mut text = String::from("kept:");
        encode_append(&payload, &mut text).expect("short enough");
        let text = &text["kept:".len()..];
        let mut back = vec![0; decoded_len(text).expect("valid")];
        decode(text, &mut back).expect("valid");
        assert_eq!(back, payload);
    }
}
