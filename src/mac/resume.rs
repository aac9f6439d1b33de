//! The HMAC state after the plaintext's constant first block: the one piece of the MAC that
//! knows how Tencent's plaintexts start.
//!
//! Every plaintext the crate signs starts with `secretId=<SecretId>&currentTimeStamp=`, 63
//! bytes for Tencent's 36-character SecretIds; with the timestamp's first digit that is one
//! whole 64-byte SHA-1 block. Its compression is done once per credentials value and
//! leading digit (nine states), and a message that starts with such a block resumes from its
//! state. The result is the same HMAC, bit for bit; a message with any other start (a
//! shorter SecretId, a foreign signature) is hashed from the key's state.

use hmac::digest::block_api::UpdateCore;

use crate::mac::{Core, split_blocks};

/// SHA-1's block size.
const BLOCK_LEN: usize = 64;

/// Cores after the first `len` bytes of the plaintext, a whole number of blocks.
#[derive(Clone)]
pub(crate) struct Resume {
    /// The bytes those states have absorbed, up to the timestamp's first digit if `len`
    /// reaches it.
    prefix: Vec<u8>,
    /// A multiple of [`BLOCK_LEN`], at least one block.
    len: usize,
    /// One state when `len` stops within `prefix`; otherwise one per leading digit `1..=9`.
    states: Vec<Core>,
}

impl Resume {
    /// The states after the whole blocks of `prefix` and one more byte, a leading digit of
    /// the timestamp; `None` when those make no whole block.
    pub(crate) fn new(keyed: &Core, prefix: &[u8]) -> Option<Self> {
        let len = (prefix.len() + 1) / BLOCK_LEN * BLOCK_LEN;
        if len == 0 {
            return None;
        }
        let absorb = |head: &[u8]| {
            let mut core = keyed.clone();
            core.update_blocks(split_blocks(head).0);
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
    pub(crate) fn state_for<'m>(&self, message: &'m [u8]) -> Option<(&Core, &'m [u8])> {
        let (head, rest) = message.split_at_checked(self.len)?;
        let after_prefix = head.strip_prefix(self.prefix.as_slice())?;
        let state = match after_prefix {
            [] => self.states.first(),
            [digit] => self.states.get(usize::from(digit.checked_sub(b'1')?)),
            _ => None,
        }?;
        Some((state, rest))
    }

    /// How many bytes the states have absorbed, and how many states there are.
    #[cfg(test)]
    pub(crate) fn shape(&self) -> (usize, usize) {
        (self.len, self.states.len())
    }
}
