//! The outer layer: `Base64(mac || plaintext)`, standard alphabet, padding required.

use crate::Error;
use crate::limits::{MAC_LEN, MAX_SIGNATURE_LEN};

/// Standard alphabet with padding. `base64-simd` decodes only canonical input (padding
/// present, no whitespace, trailing bits zero), which is what every real producer emits.
const STANDARD: base64_simd::Base64 = base64_simd::STANDARD;

/// The length of the Base64 text of `payload_len` bytes (with padding).
pub(crate) const fn encoded_len(payload_len: usize) -> usize {
    payload_len.div_ceil(3) * 4
}

/// Appends the Base64 text of `payload` (the MAC followed by the plaintext) to `out`.
///
/// # Errors
///
/// [`Error::SignatureTooLong`] when the text would exceed [`MAX_SIGNATURE_LEN`]; `out` is then
/// left as it was.
pub(crate) fn seal(payload: &[u8], out: &mut String) -> Result<(), Error> {
    let len = encoded_len(payload.len());
    if len > MAX_SIGNATURE_LEN {
        return Err(Error::SignatureTooLong {
            len,
            max: MAX_SIGNATURE_LEN,
        });
    }
    out.reserve(len);
    STANDARD.encode_append(payload, out);
    Ok(())
}

/// Splits a signature into its MAC and its plaintext bytes.
///
/// The plaintext comes with spare capacity for its own length, the room
/// [`parse`](crate::parse::parse) needs for decoded values: one allocation per signature.
///
/// # Errors
///
/// [`Error::SignatureTooLong`] (checked first, before any decoding), [`Error::BadBase64`],
/// [`Error::TooShort`] below 21 bytes.
pub(crate) fn open(signature: &str) -> Result<([u8; MAC_LEN], Vec<u8>), Error> {
    if signature.len() > MAX_SIGNATURE_LEN {
        return Err(Error::SignatureTooLong {
            len: signature.len(),
            max: MAX_SIGNATURE_LEN,
        });
    }
    let payload_len = STANDARD
        .decoded_length(signature.as_bytes())
        .map_err(|_| Error::BadBase64)?;
    let mut payload = Vec::with_capacity(2 * payload_len.saturating_sub(MAC_LEN) + MAC_LEN);
    STANDARD
        .decode_append(signature, &mut payload)
        .map_err(|_| Error::BadBase64)?;
    let Some((mac, plaintext)) = payload.split_first_chunk::<MAC_LEN>() else {
        return Err(Error::TooShort { len: payload.len() });
    };
    if plaintext.is_empty() {
        return Err(Error::TooShort { len: payload.len() });
    }
    let mac = *mac;
    payload.drain(..MAC_LEN);
    Ok((mac, payload))
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
    fn twenty_one_bytes_is_the_shortest_signature() {
        let mut text = String::new();
        seal(&[1u8; 21], &mut text).unwrap_or_default();
        assert_eq!(open(&text).map(|(_, p)| p), Ok(vec![1u8]));
        let mut text = String::new();
        seal(&[1u8; 20], &mut text).unwrap_or_default();
        assert_eq!(open(&text), Err(Error::TooShort { len: 20 }));
    }

    #[test]
    fn oversized_input_is_refused_before_decoding() {
        // Not Base64 at all: only the length check can produce this error.
        let huge = "!".repeat(MAX_SIGNATURE_LEN + 1);
        assert_eq!(
            open(&huge),
            Err(Error::SignatureTooLong {
                len: MAX_SIGNATURE_LEN + 1,
                max: MAX_SIGNATURE_LEN
            })
        );
        assert_eq!(open(&"!".repeat(MAX_SIGNATURE_LEN)), Err(Error::BadBase64));
    }
}
