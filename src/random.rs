//! Where [`UploadSignature::sign`](crate::UploadSignature::sign) gets `random` from.
//!
//! One system call per credentials value, not per signature: 12 bytes from the OS seed a
//! 32-bit counter (start value) and a 64-bit key. Each draw takes the next counter value
//! (one atomic increment) and passes it through a keyed bijection of the 32-bit integers.
//! Because the counter visits every 32-bit value once before it repeats and a bijection keeps
//! distinct inputs distinct, one sequence never yields the same `random` twice in 2^32
//! draws, whichever threads draw. Different processes (and clones) start from different OS
//! seeds, so their values are not predictable from each other.
//!
//! The bijection is a mixing function, not a cipher: `random` only has to be unique and
//! unguessable in advance; the signature's security rests on the HMAC.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::Error;

/// A per-credentials source of distinct `random` values.
pub(crate) struct RandomSequence {
    counter: AtomicU32,
    key: [u32; 2],
}

impl RandomSequence {
    /// Seeds a sequence from the operating system's random source (one system call).
    pub(crate) fn from_os() -> Result<Self, Error> {
        let mut seed = [0u8; 12];
        getrandom::fill(&mut seed).map_err(|error| Error::RandomUnavailable {
            raw_os_error: error.raw_os_error(),
        })?;
        let [a, b, c, d, e, f, g, h, i, j, k, l] = seed;
        Ok(Self::from_seed(
            u32::from_le_bytes([a, b, c, d]),
            [
                u32::from_le_bytes([e, f, g, h]),
                u32::from_le_bytes([i, j, k, l]),
            ],
        ))
    }

    pub(crate) fn from_seed(start: u32, key: [u32; 2]) -> Self {
        Self {
            counter: AtomicU32::new(start),
            key,
        }
    }

    /// The next value: distinct from the previous 2^32 - 1 draws of this sequence.
    pub(crate) fn next(&self) -> u32 {
        // Relaxed: only the atomicity of the increment matters, not ordering with other memory.
        let index = self.counter.fetch_add(1, Ordering::Relaxed);
        permute(index, self.key)
    }
}

/// A keyed bijection of `u32`: two rounds of key addition and MurmurHash3's `fmix32`, each
/// step invertible (xor with a constant, xor-shift, multiplication by an odd constant).
fn permute(value: u32, key: [u32; 2]) -> u32 {
    fmix32(fmix32(value ^ key[0]) ^ key[1])
}

fn fmix32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x85eb_ca6b);
    x ^= x >> 13;
    x = x.wrapping_mul(0xc2b2_ae35);
    x ^= x >> 16;
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permute_is_injective_on_a_large_window() {
        let key = [0x1234_5678, 0x9abc_def0];
        let mut seen = std::collections::HashSet::new();
        for value in 0u32..1 << 20 {
            assert!(seen.insert(permute(value, key)), "collision at {value}");
        }
    }

    #[test]
    fn the_counter_wraps_without_repeating() {
        let key = [7, 11];
        let sequence = RandomSequence::from_seed(u32::MAX - 2, key);
        let drawn: Vec<u32> = (0..6).map(|_| sequence.next()).collect();
        let expected: Vec<u32> = [u32::MAX - 2, u32::MAX - 1, u32::MAX, 0, 1, 2]
            .into_iter()
            .map(|index| permute(index, key))
            .collect();
        assert_eq!(drawn, expected);
    }

    #[test]
    fn fmix32_known_answers() {
        // Reference values of MurmurHash3's fmix32 finalizer.
        assert_eq!(fmix32(0), 0);
        assert_eq!(fmix32(1), 0x514e_28b7);
    }

    #[test]
    fn different_keys_give_different_sequences() {
        let a = RandomSequence::from_seed(0, [1, 2]);
        let b = RandomSequence::from_seed(0, [3, 4]);
        let a: Vec<u32> = (0..8).map(|_| a.next()).collect();
        let b: Vec<u32> = (0..8).map(|_| b.next()).collect();
        assert_ne!(a, b);
    }
}
