//! The wire format, one step per file, and the two pipelines that run the steps in order.
//!
//! Signing, [`seal`]: typed values → [`plaintext`] → [MAC](crate::mac) → [`base64`], after
//! a length check that refuses an oversized signature before any of it is written.
//! Opening, [`open`]: [`base64`] → MAC check → [`parse`] (over [`urlencoded`] and [`scan`])
//! → typed fields. The time check comes after, in [`verify`](crate::verify).
//!
//! Both work in one reusable buffer per thread, so that signing allocates only its output
//! and opening only the fields' text.

pub(crate) mod base64;
pub(crate) mod parse;
pub(crate) mod plaintext;
pub(crate) mod scan;
pub(crate) mod urlencoded;
pub(crate) mod values;

use std::cell::Cell;

use crate::error::Error;
use crate::fields::Fields;
use crate::limits::{MAC_LEN, MAX_SIGNATURE_LEN};
use crate::mac::MacKey;
use crate::params::UploadParams;

/// The required values a signer chooses: `currentTimeStamp`, `expireTime`, `random`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stamp {
    pub(crate) current_time_stamp: u64,
    pub(crate) expire_time: u64,
    pub(crate) random: u32,
}

/// Signs: appends `Base64(HMAC-SHA1(key, plaintext) || plaintext)` to `out`, the plaintext
/// starting with `prefix` (`secretId=<id>&currentTimeStamp=`).
///
/// # Errors
///
/// [`Error::SignatureTooLong`]; `out` is then left as it was.
pub(crate) fn seal(
    key: &MacKey,
    prefix: &str,
    stamp: Stamp,
    params: &UploadParams,
    out: &mut String,
) -> Result<(), Error> {
    // Step 1: refuse a signature that cannot fit before any of it is written. The bound
    // (every text byte escaped) is cheap; only a signature it does not clear is counted.
    let bound = plaintext::max_len(prefix, params);
    if base64::encoded_len(MAC_LEN + bound) > MAX_SIGNATURE_LEN {
        base64::check_len(MAC_LEN + plaintext::len(prefix, stamp, params))?;
    }
    with_scratch(|payload| {
        // Step 2: room for the MAC and the longest plaintext these values can give.
        let needed = MAC_LEN + bound;
        if payload.len() < needed {
            payload.resize(needed, 0);
        }
        let (mac, rest) = payload.split_at_mut(MAC_LEN);
        // Step 3: the plaintext, after the MAC's room.
        let len = plaintext::write(rest, prefix, stamp, params);
        // Step 4: the MAC of the plaintext, in front of it.
        mac.copy_from_slice(&key.mac(&rest[..len]));
        // Step 5: Base64 of both.
        base64::encode_append(&payload[..MAC_LEN + len], out)
    })
}

/// Opens a signature: its MAC and its parsed plaintext, after `check_mac` has accepted the
/// MAC for the plaintext's bytes (verification checks it; decoding accepts any).
///
/// # Errors
///
/// Those of [`base64::decode`], [`Error::TooShort`] below 21 bytes, then those of
/// `check_mac`, then those of [`parse::parse`].
#[inline(always)] // With `with_scratch`: the fields are built where the caller keeps them.
pub(crate) fn open(
    signature: &str,
    check_mac: impl FnOnce(&[u8; MAC_LEN], &[u8]) -> Result<(), Error>,
) -> Result<([u8; MAC_LEN], Fields), Error> {
    with_scratch(|scratch| {
        // Step 1: Base64 → MAC || plaintext, at the start of the buffer, with the room the
        // parser needs after the plaintext.
        let payload_len = base64::decoded_len(signature)?;
        let needed = payload_len + parse::room_after(payload_len);
        if scratch.len() < needed {
            scratch.resize(needed, 0);
        }
        base64::decode(signature, &mut scratch[..payload_len])?;
        let (mac, rest) = scratch
            .split_first_chunk_mut::<MAC_LEN>()
            .expect("the buffer holds the payload and more");
        let plaintext_len = payload_len - MAC_LEN.min(payload_len);
        if plaintext_len == 0 {
            return Err(Error::TooShort { len: payload_len });
        }
        // Step 2: the MAC, before anything in the plaintext is read.
        check_mac(mac, &rest[..plaintext_len])?;
        // Step 3: the plaintext → typed fields.
        let fields = parse::parse(rest, plaintext_len)?;
        Ok((*mac, fields))
    })
}

thread_local! {
    /// Reused per thread for MAC || plaintext (and the parser's room), so signing and
    /// opening allocate only their output.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The largest scratch buffer a thread keeps between calls; a larger one (for an
/// oversized parameter or signature) is freed after use.
const SCRATCH_KEPT_BYTES: usize = 64 * 1024;

/// Runs `work` on the thread's reusable buffer (a fresh one during thread teardown, when
/// thread-locals are gone), put back afterwards. The buffer keeps its length between calls,
/// so it is zero-filled only when it grows; `work` writes before it reads.
#[inline(always)]
fn with_scratch<T>(work: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    let mut buffer = SCRATCH.try_with(Cell::take).unwrap_or_default();
    let result = work(&mut buffer);
    if buffer.capacity() <= SCRATCH_KEPT_BYTES {
        // Fails only during thread teardown; the buffer is then simply dropped.
        let _ = SCRATCH.try_with(|cell| cell.set(buffer));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(payload: &[u8]) -> String {
        let mut text = String::new();
        base64::encode_append(payload, &mut text).expect("short enough");
        text
    }

    #[test]
    fn twenty_one_bytes_is_the_shortest_signature() {
        // One byte of plaintext: a malformed querystring, but past the length check.
        assert!(matches!(
            open(&sealed(&[b'a'; 21]), |_, _| Ok(())),
            Err(Error::MalformedQuerystring { .. })
        ));
        for len in [0, 1, 20] {
            assert_eq!(
                open(&sealed(&vec![b'a'; len]), |_, _| Ok(())).err(),
                Some(Error::TooShort { len }),
                "{len} bytes"
            );
        }
    }

    #[test]
    fn the_mac_check_sees_the_mac_and_the_plaintext_before_parsing() {
        let plaintext = b"not even a querystring";
        let payload = [[7u8; MAC_LEN].as_slice(), plaintext].concat();
        let mut seen = None;
        let refused = open(&sealed(&payload), |mac, text| {
            seen = Some((*mac, text.to_vec()));
            Err(Error::MacMismatch)
        });
        assert_eq!(refused.err(), Some(Error::MacMismatch));
        assert_eq!(seen, Some(([7u8; MAC_LEN], plaintext.to_vec())));
    }
}
