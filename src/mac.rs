//! HMAC-SHA1 from precomputed states: the key's, and the key's after the plaintext's first
//! block when that block is the same for every signature.
//!
//! Every plaintext starts with `secretId=<SecretId>&currentTimeStamp=` ([`plaintext::prefix`]),
//! 63 bytes for Tencent's 36-character SecretIds; with the timestamp's first digit that is one
//! whole 64-byte SHA-1 block. Its compression is done once per credentials value and leading
//! digit (nine states), and a message that starts with such a block resumes from its state.
//! The result is the same HMAC, bit for bit; a message with any other start (a shorter
//! SecretId, a foreign signature) is hashed from the key's state.
//!
//! Hashing goes through `hmac`'s block-level API: whole blocks are compressed where they lie
//! and only the tail passes through a block buffer.
//!
//! [`plaintext::prefix`]: crate::plaintext::prefix

use hmac::KeyInit;
use hmac::block_api::HmacCore;
use hmac::digest::array::Array;
use hmac::digest::block_api::{Buffer, FixedOutputCore, UpdateCore};
use hmac::digest::{CtOutput, Output};
use sha1::Sha1;

use crate::limits::MAC_LEN;

/// SHA-1's block size.
const BLOCK_LEN: usize = 64;

type Core = HmacCore<Sha1>;

/// The key schedule, and the states after the constant first block(s) of every plaintext.
#[derive(Clone)]
pub(crate) struct MacKey {
    key: Core,
    resume: Option<Resume>,
}

/// States after the first `len` bytes of the plaintext, a whole number of blocks.
#[derive(Clone)]
struct Resume {
    /// The bytes those states have absorbed, up to the timestamp's first digit if `len`
    /// reaches it.
    prefix: Vec<u8>,
    /// A multiple of [`BLOCK_LEN`], at least one block.
    len: usize,
    /// One state when `len` stops within `prefix`; otherwise one per leading digit `1..=9`.
    states: Vec<Core>,
}

impl MacKey {
    /// The key schedule of a non-empty `secret_key`, and the resume states for plaintexts
    /// that start with `prefix`.
    pub(crate) fn new(secret_key: &[u8], prefix: &str) -> Option<Self> {
        if secret_key.is_empty() {
            return None;
        }
        // HMAC accepts keys of any length; the error case cannot occur.
        let key = Core::new_from_slice(secret_key).ok()?;
        let resume = Resume::new(&key, prefix.as_bytes());
        Some(Self { key, resume })
    }

    /// HMAC-SHA1 of `message`.
    pub(crate) fn mac(&self, message: &[u8]) -> [u8; MAC_LEN] {
        self.output(message).into()
    }

    /// Whether `tag` is HMAC-SHA1 of `message`, compared in constant time.
    pub(crate) fn matches(&self, message: &[u8], tag: &[u8; MAC_LEN]) -> bool {
        let expected = CtOutput::<Core>::from(self.output(message));
        let found = CtOutput::<Core>::from(Output::<Core>::from(*tag));
        // `CtOutput`'s equality compares in constant time.
        expected == found
    }

    fn output(&self, message: &[u8]) -> Output<Core> {
        let (start, rest) = self
            .resume
            .as_ref()
            .and_then(|resume| resume.state_for(message))
            .unwrap_or((&self.key, message));
        let mut core = start.clone();
        let (blocks, tail) = Array::slice_as_chunks(rest);
        core.update_blocks(blocks);
        let mut buffer = Buffer::<Core>::new(tail);
        let mut out = Output::<Core>::default();
        core.finalize_fixed_core(&mut buffer, &mut out);
        out
    }
}

impl Resume {
    fn new(key: &Core, prefix: &[u8]) -> Option<Self> {
        // With one more byte (the timestamp's first digit), how many whole blocks?
        let len = (prefix.len() + 1) / BLOCK_LEN * BLOCK_LEN;
        if len == 0 {
            return None;
        }
        let absorb = |head: &[u8]| {
            let mut core = key.clone();
            core.update_blocks(Array::slice_as_chunks(head).0);
            core
        };
        let states = if len <= prefix.len() {
            vec![absorb(&prefix[..len])]
        } else {
            (b'1'..=b'9')
                .map(|digit| absorb(&[&prefix[..len - 1], &[digit]].concat()))
                .collect()
        };
        Some(Self {
            prefix: prefix[..len.min(prefix.len())].to_vec(),
            len,
            states,
        })
    }

    /// The state to resume from for `message`, and the part of `message` still to hash.
    fn state_for<'m>(&self, message: &'m [u8]) -> Option<(&Core, &'m [u8])> {
        let (head, rest) = message.split_at_checked(self.len)?;
        let after_prefix = head.strip_prefix(self.prefix.as_slice())?;
        let state = match after_prefix {
            [] => self.states.first(),
            [digit] => self.states.get(usize::from(digit.checked_sub(b'1')?)),
            _ => None,
        }?;
        Some((state, rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};

    fn reference(key: &[u8], message: &[u8]) -> [u8; MAC_LEN] {
        let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("any key length");
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Every prefix length around the block edge, every leading character, every message
    /// length around the next edges: the same MAC as the `hmac` crate's one-shot API.
    #[test]
    fn resuming_gives_the_same_mac_as_hashing_from_the_key() {
        let key = b"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
        for id_len in [1, 35, 36, 37, 99, 100, 101] {
            let prefix = crate::plaintext::prefix(&"A".repeat(id_len));
            let mac_key = MacKey::new(key, &prefix).expect("a key");
            for lead in [b'0', b'1', b'5', b'9', b'a', b'&'] {
                for extra in [0, 1, 2, 50, 63, 64, 65, 130] {
                    let mut message = prefix.clone().into_bytes();
                    message.push(lead);
                    message.extend(std::iter::repeat_n(b'7', extra));
                    assert_eq!(
                        mac_key.mac(&message),
                        reference(key, &message),
                        "id {id_len}, lead {lead}, {extra} more"
                    );
                    for cut in [0, 1, 63, 64, 65] {
                        let short = &message[..cut.min(message.len())];
                        assert_eq!(mac_key.mac(short), reference(key, short));
                    }
                }
            }
        }
    }

    /// A 36-character SecretId needs the timestamp's first digit to fill the block (nine
    /// states); one character longer, the prefix alone fills it (one state).
    #[test]
    fn the_first_block_is_resumed_after_and_the_rest_hashed() {
        for (secret_id, states, rest) in [
            (
                "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                9,
                "700000000&expireTime=1",
            ),
            (
                "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE7",
                1,
                "1700000000&expireTime=1",
            ),
        ] {
            let prefix = crate::plaintext::prefix(secret_id);
            let mac_key = MacKey::new(b"key", &prefix).expect("a key");
            let resume = mac_key.resume.as_ref().expect("one block to resume after");
            assert_eq!(
                (resume.len, resume.states.len()),
                (64, states),
                "{secret_id}"
            );
            let message = format!("{prefix}1700000000&expireTime=1");
            let (_, still_to_hash) = resume
                .state_for(message.as_bytes())
                .expect("starts with the prefix");
            assert_eq!(still_to_hash, rest.as_bytes(), "{secret_id}");
            assert!(resume.state_for(b"secretId=other").is_none());
        }
    }

    #[test]
    fn matches_only_the_right_tag() {
        let mac_key = MacKey::new(b"key", "secretId=a&currentTimeStamp=").expect("a key");
        let tag = mac_key.mac(b"message");
        assert!(mac_key.matches(b"message", &tag));
        for bit in 0..MAC_LEN * 8 {
            let mut flipped = tag;
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(!mac_key.matches(b"message", &flipped));
        }
        assert!(MacKey::new(b"", "p").is_none());
    }
}
