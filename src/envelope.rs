//! The outer layer: `Base64(mac || plaintext)`, standard alphabet, padding required.

use base64_simd::Out;

use crate::Error;
use crate::limits::{MAC_LEN, MAX_SIGNATURE_LEN};
use crate::querystring::DECODE_SLACK;
use crate::scan::WINDOW;
use crate::scratch::with_scratch;

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

/// What [`open`] hands its work: the plaintext, and room for decoding its values.
pub(crate) struct Opened<'a> {
    /// The plaintext, then [`WINDOW`] bytes of whatever the buffer held, for
    /// [`parse`](crate::parse::parse) to read whole windows.
    pub(crate) padded: &'a [u8],
    /// The plaintext's length.
    pub(crate) len: usize,
    /// Room for the plaintext's decoded values: its length plus [`DECODE_SLACK`].
    pub(crate) decode_area: &'a mut [u8],
}

impl Opened<'_> {
    /// The plaintext exactly as it was signed.
    pub(crate) fn plaintext(&self) -> &[u8] {
        &self.padded[..self.len]
    }
}

/// Opens `signature` in the thread's scratch buffer and runs `work` on its MAC and the
/// plaintext with room to parse it (see [`open_into`]).
///
/// # Errors
///
/// Those of [`open_into`], then those of `work`.
#[inline(always)] // See `with_scratch`.
pub(crate) fn open<T>(
    signature: &str,
    work: impl FnOnce([u8; MAC_LEN], Opened<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    with_scratch(|scratch| {
        let (mac, len) = open_into(signature, scratch)?;
        let (padded, decode_area) = scratch[MAC_LEN..].split_at_mut(len + WINDOW);
        let opened = Opened {
            padded,
            len,
            decode_area,
        };
        work(mac, opened)
    })
}

/// Decodes a signature into the start of `scratch`: the MAC, then the plaintext, then
/// [`WINDOW`] bytes of padding and room for the plaintext's decoded values (its length plus
/// [`DECODE_SLACK`]), growing `scratch` if needed. Returns the MAC and the plaintext's length.
///
/// # Errors
///
/// [`Error::SignatureTooLong`] (checked first, before any decoding), [`Error::BadBase64`],
/// [`Error::TooShort`] below 21 bytes.
fn open_into(signature: &str, scratch: &mut Vec<u8>) -> Result<([u8; MAC_LEN], usize), Error> {
    if signature.len() > MAX_SIGNATURE_LEN {
        return Err(Error::SignatureTooLong {
            len: signature.len(),
            max: MAX_SIGNATURE_LEN,
        });
    }
    let payload_len = STANDARD
        .decoded_length(signature.as_bytes())
        .map_err(|_| Error::BadBase64)?;
    let needed = 2 * payload_len + WINDOW + DECODE_SLACK;
    if scratch.len() < needed {
        scratch.resize(needed, 0);
    }
    STANDARD
        .decode(
            signature.as_bytes(),
            Out::from_slice(&mut scratch[..payload_len]),
        )
        .map_err(|_| Error::BadBase64)?;
    match scratch[..payload_len].split_first_chunk::<MAC_LEN>() {
        Some((mac, plaintext)) if !plaintext.is_empty() => Ok((*mac, plaintext.len())),
        _ => Err(Error::TooShort { len: payload_len }),
    }
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
        let mut scratch = Vec::new();
        assert_eq!(open_into(&text, &mut scratch), Ok(([1u8; 20], 1)));
        assert_eq!(scratch[20], 1);
        let mut text = String::new();
        seal(&[1u8; 20], &mut text).unwrap_or_default();
        assert_eq!(
            open_into(&text, &mut scratch),
            Err(Error::TooShort { len: 20 })
        );
    }

    #[test]
    fn oversized_input_is_refused_before_decoding() {
        // Not Base64 at all: only the length check can produce this error.
        let huge = "!".repeat(MAX_SIGNATURE_LEN + 1);
        assert_eq!(
            open_into(&huge, &mut Vec::new()),
            Err(Error::SignatureTooLong {
                len: MAX_SIGNATURE_LEN + 1,
                max: MAX_SIGNATURE_LEN
            })
        );
        assert_eq!(
            open_into(&"!".repeat(MAX_SIGNATURE_LEN), &mut Vec::new()),
            Err(Error::BadBase64)
        );
    }
}
