//! HMAC-SHA1 (RFC 2104) from precomputed states: the key's, and the key's after the
//! plaintext's first block when that block is the same for every signature.
//!
//! `HMAC(K, m) = SHA-1((K' ^ opad) || SHA-1((K' ^ ipad) || m))`, where `K'` is the key padded
//! with zeros to one block (hashed first when longer than a block). The two pad blocks are
//! compressed once per key. Each MAC then runs `sha1`'s compression function
//! ([`sha1::block_api::compress`]) on the message's blocks and on SHA-1's length padding,
//! built here: the last bytes, `0x80`, zeros and the length in bits, one or two blocks. The
//! compression itself is `sha1`'s (with the SHA extensions where the CPU has them); this
//! module only lays out blocks. Going through `hmac`'s buffered finalisation instead gives
//! the same bytes and costs about 40 ns more per MAC on the machine the README's bench table
//! comes from (174 against 135 ns for the typical plaintext). Unit tests hold every path to
//! `hmac`'s one-shot API.
//!
//! Every plaintext starts with `secretId=<SecretId>&currentTimeStamp=` ([`plaintext::prefix`]),
//! 63 bytes for Tencent's 36-character SecretIds; with the timestamp's first digit that is one
//! whole 64-byte SHA-1 block. Its compression is done once per credentials value and leading
//! digit (nine states), and a message that starts with such a block resumes from its state.
//! The result is the same HMAC, bit for bit; a message with any other start (a shorter
//! SecretId, a foreign signature) is hashed from the key's state.
//!
//! Every state here is derived from the key: they are zeroed when dropped, and so is each
//! MAC's working copy.
//!
//! [`plaintext::prefix`]: crate::plaintext::prefix

use hmac::digest::CtOutput;
use sha1::block_api::compress;
use sha1::digest::array::Array;
use sha1::digest::typenum::U64;
use sha1::{Digest, Sha1};
use zeroize::Zeroize;

use crate::limits::MAC_LEN;

/// SHA-1's block size.
const BLOCK_LEN: usize = 64;

/// SHA-1's chaining value: five 32-bit words.
type State = [u32; 5];

/// SHA-1's initial chaining value (FIPS 180-4, 5.3.1).
const INITIAL_STATE: State = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// The key schedule, and the states after the constant first block(s) of every plaintext.
#[derive(Clone)]
pub(crate) struct MacKey {
    /// After the block `K' ^ ipad`.
    inner: State,
    /// After the block `K' ^ opad`.
    outer: State,
    resume: Option<Resume>,
}

/// Inner states after the first `len` bytes of the plaintext, a whole number of blocks.
#[derive(Clone)]
struct Resume {
    /// The bytes those states have absorbed, up to the timestamp's first digit if `len`
    /// reaches it.
    prefix: Vec<u8>,
    /// A multiple of [`BLOCK_LEN`], at least one block.
    len: usize,
    /// One state when `len` stops within `prefix`; otherwise one per leading digit `1..=9`.
    states: Vec<State>,
}

impl MacKey {
    /// The key schedule of a non-empty `secret_key`, and the resume states for plaintexts
    /// that start with `prefix`.
    pub(crate) fn new(secret_key: &[u8], prefix: &str) -> Option<Self> {
        if secret_key.is_empty() {
            return None;
        }
        let mut key_block = [0u8; BLOCK_LEN];
        if secret_key.len() > BLOCK_LEN {
            let mut hashed: [u8; MAC_LEN] = Sha1::digest(secret_key).into();
            key_block[..MAC_LEN].copy_from_slice(&hashed);
            hashed.zeroize();
        } else {
            key_block[..secret_key.len()].copy_from_slice(secret_key);
        }
        let pad_state = |pad: u8| {
            let mut block = key_block.map(|byte| byte ^ pad);
            let mut state = INITIAL_STATE;
            compress(&mut state, &[block]);
            block.zeroize();
            state
        };
        let inner = pad_state(0x36);
        let outer = pad_state(0x5c);
        key_block.zeroize();
        let resume = Resume::new(&inner, prefix.as_bytes());
        Some(Self {
            inner,
            outer,
            resume,
        })
    }

    /// HMAC-SHA1 of `message`.
    pub(crate) fn mac(&self, message: &[u8]) -> [u8; MAC_LEN] {
        let (start, rest) = self
            .resume
            .as_ref()
            .and_then(|resume| resume.state_for(message))
            .unwrap_or((&self.inner, message));
        // Both hashes count the pad block before their message.
        let mut state = *start;
        compress_with_padding(&mut state, rest, BLOCK_LEN + message.len());
        let mut inner = state;
        state = self.outer;
        compress_outer_block(&mut state, &inner);
        let mac = digest(&state);
        state.zeroize();
        inner.zeroize();
        mac
    }

    /// Whether `tag` is HMAC-SHA1 of `message`, compared in constant time.
    pub(crate) fn matches(&self, message: &[u8], tag: &[u8; MAC_LEN]) -> bool {
        let expected = CtOutput::<Sha1>::new(self.mac(message).into());
        let found = CtOutput::<Sha1>::new((*tag).into());
        // `CtOutput`'s equality compares in constant time.
        expected == found
    }
}

impl Drop for MacKey {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// Compresses `rest`, the end of a message of `total_len` bytes, and SHA-1's length padding
/// into `state`.
fn compress_with_padding(state: &mut State, rest: &[u8], total_len: usize) {
    let (blocks, tail) = split_blocks(rest);
    // The tail, 0x80, zeros, then the length in bits as a big-endian u64 (SHA-1 counts it
    // modulo 2^64): one block, or two when fewer than nine bytes are left after the tail.
    let mut padding = [[0u8; BLOCK_LEN]; 2];
    let blocks_left = if tail.len() + 9 <= BLOCK_LEN { 1 } else { 2 };
    let padded = padding.as_flattened_mut();
    padded[..tail.len()].copy_from_slice(tail);
    padded[tail.len()] = 0x80;
    let bit_len = (total_len as u64).wrapping_mul(8);
    padded[blocks_left * BLOCK_LEN - 8..blocks_left * BLOCK_LEN]
        .copy_from_slice(&bit_len.to_be_bytes());
    // Laid out before the whole blocks are compressed, so that its stores have reached the
    // cache by the time the compression loads them.
    compress(state, blocks);
    compress(state, &padding[..blocks_left]);
}

/// The digest a final state stands for: its words, big-endian.
fn digest(state: &State) -> [u8; MAC_LEN] {
    let mut digest = [0u8; MAC_LEN];
    for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// Compresses HMAC's outer message after its pad block: the inner hash, given as the inner
/// hash's final state, and SHA-1's padding, one block. The block is built as 32-bit words and
/// copied out at once, so that the compression's 16-byte loads are served by whole stores
/// instead of waiting for byte stores to reach the cache (2 ns of 135 on the README's machine).
fn compress_outer_block(state: &mut State, inner: &State) {
    // The message is a pad block and the inner hash: 672 bits, so the length's high word
    // (word 14) stays zero.
    const BIT_LEN: u32 = ((BLOCK_LEN + MAC_LEN) * 8) as u32;
    let mut words = [0u32; BLOCK_LEN / 4];
    // Stored little-endian below: swapped, each word's bytes land big-endian.
    for (word, inner_word) in words.iter_mut().zip(inner) {
        *word = inner_word.swap_bytes();
    }
    words[MAC_LEN / 4] = 0x80;
    words[15] = BIT_LEN.swap_bytes();
    let block = words.map(u32::to_le_bytes);
    // Sixteen words are one block; the fallback is never taken.
    let block: [u8; BLOCK_LEN] = block.as_flattened().try_into().unwrap_or([0; BLOCK_LEN]);
    compress(state, &[block]);
}

/// `bytes` as whole blocks, and the bytes after them (`<[u8]>::as_chunks` is newer than the
/// crate's minimum Rust).
fn split_blocks(bytes: &[u8]) -> (&[[u8; BLOCK_LEN]], &[u8]) {
    let (blocks, tail) = Array::<u8, U64>::slice_as_chunks(bytes);
    (Array::cast_slice_to_core(blocks), tail)
}

impl Resume {
    fn new(key_state: &State, prefix: &[u8]) -> Option<Self> {
        // With one more byte (the timestamp's first digit), how many whole blocks?
        let len = (prefix.len() + 1) / BLOCK_LEN * BLOCK_LEN;
        if len == 0 {
            return None;
        }
        let absorb = |head: &[u8]| {
            let mut state = *key_state;
            compress(&mut state, split_blocks(head).0);
            state
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
    fn state_for<'m>(&self, message: &'m [u8]) -> Option<(&State, &'m [u8])> {
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

impl Drop for Resume {
    fn drop(&mut self) {
        self.states.iter_mut().for_each(Zeroize::zeroize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};

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

    /// Keys up to, at and over one block (hashed first), messages whose padding takes one
    /// block or two: the same MAC as the `hmac` crate's.
    #[test]
    fn every_key_length_and_padding_edge_gives_hmacs_mac() {
        let prefix = crate::plaintext::prefix("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE");
        for key_len in [1, 20, 32, 55, 56, 63, 64, 65, 100, 128, 200] {
            let key: Vec<u8> = (0..key_len).map(|i| (i * 7 + 3) as u8).collect();
            let mac_key = MacKey::new(&key, &prefix).expect("a key");
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
