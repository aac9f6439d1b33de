//! HMAC-SHA1 (RFC 2104) on the `hmac` crate's block-level core, [`HmacCore`].
//!
//! `hmac` derives the key's inner and outer states once per key; each MAC clones them, feeds
//! the message's whole blocks to the core, and lets `hmac` and `sha1` finish the last
//! partial block, the padding and the outer hash. No pad or padding is laid out here.
//!
//! The one thing this module adds is the resume state of [`resume`]: the core after the
//! plaintext's constant first block, so that most signatures skip that block's compression.

mod resume;

use hmac::KeyInit;
use hmac::block_api::HmacCore;
use hmac::digest::CtOutput;
use hmac::digest::array::Array;
use hmac::digest::block_api::{Block, Buffer, FixedOutputCore, UpdateCore};
use sha1::Sha1;

use crate::error::Error;
use crate::limits::MAC_LEN;
use crate::mac::resume::Resume;

/// The HMAC-SHA1 core: the inner hash's state (with the blocks fed so far) and the outer one's.
pub(crate) type Core = HmacCore<Sha1>;

/// A SecretKey's HMAC state: the core after the key's pad blocks, and after the plaintext's
/// constant first block too where there is one. Every state is zeroed on drop (`sha1`'s
/// `zeroize` feature), and so is each MAC's working copy.
#[derive(Clone)]
pub(crate) struct MacKey {
    keyed: Core,
    resume: Option<Resume>,
}

impl MacKey {
    /// The key schedule of `secret_key`, and the resume state for plaintexts that start with
    /// `prefix`.
    pub(crate) fn new(secret_key: &[u8], prefix: &[u8]) -> Self {
        let keyed = Core::new_from_slice(secret_key).expect("HMAC accepts keys of any length");
        let resume = Resume::new(&keyed, prefix);
        Self { keyed, resume }
    }

    /// HMAC-SHA1 of `message`.
    pub(crate) fn mac(&self, message: &[u8]) -> [u8; MAC_LEN] {
        let (core, rest) = self
            .resume
            .as_ref()
            .and_then(|resume| resume.state_for(message))
            .unwrap_or((&self.keyed, message));
        finish(core.clone(), rest)
    }

    /// Checks `tag` against HMAC-SHA1 of `message`, in constant time.
    ///
    /// # Errors
    ///
    /// [`Error::MacMismatch`] when they differ.
    pub(crate) fn check(&self, message: &[u8], tag: &[u8; MAC_LEN]) -> Result<(), Error> {
        let expected = CtOutput::<Core>::new(self.mac(message).into());
        // `CtOutput`'s equality compares in constant time.
        if expected == CtOutput::new((*tag).into()) {
            Ok(())
        } else {
            Err(Error::MacMismatch)
        }
    }
}

/// Feeds `rest` to `core` and finishes the MAC.
fn finish(mut core: Core, rest: &[u8]) -> [u8; MAC_LEN] {
    let (blocks, tail) = split_blocks(rest);
    core.update_blocks(blocks);
    let mut buffer = Buffer::<Core>::new(tail);
    let mut mac = Default::default();
    core.finalize_fixed_core(&mut buffer, &mut mac);
    mac.into()
}

/// `bytes` as whole blocks, and the bytes after them.
fn split_blocks(bytes: &[u8]) -> (&[Block<Core>], &[u8]) {
    Array::slice_as_chunks(bytes)
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
            let prefix = crate::codec::plaintext::prefix(&"A".repeat(id_len));
            let mac_key = MacKey::new(key, prefix.as_bytes());
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

    /// Keys up to, at and over one block (hashed first), messages whose padding takes one
    /// block or two: the same MAC as the `hmac` crate's.
    #[test]
    fn every_key_length_and_padding_edge_gives_hmacs_mac() {
        let prefix = crate::codec::plaintext::prefix("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE");
        for key_len in [1, 20, 32, 55, 56, 63, 64, 65, 100, 128, 200] {
            let key: Vec<u8> = (0..key_len).map(|i| (i * 7 + 3) as u8).collect();
            let mac_key = MacKey::new(&key, prefix.as_bytes());
            for len in 0..=200 {
                let message: Vec<u8> = (0..len).map(|i| (i * 13 + 1) as u8).collect();
                assert_eq!(
                    mac_key.mac(&message),
                    reference(&key, &message),
                    "key {key_len}, message {len}"
                );
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
            let prefix = crate::codec::plaintext::prefix(secret_id);
            let mac_key = MacKey::new(b"key", prefix.as_bytes());
            let resume = mac_key.resume.as_ref().expect("one block to resume after");
            assert_eq!(resume.shape(), (64, states), "{secret_id}");
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
        let mac_key = MacKey::new(b"key", b"secretId=a&currentTimeStamp=");
        let tag = mac_key.mac(b"message");
        assert_eq!(mac_key.check(b"message", &tag), Ok(()));
        for bit in 0..MAC_LEN * 8 {
            let mut flipped = tag;
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(mac_key.check(b"message", &flipped), Err(Error::MacMismatch));
        }
    }
}
