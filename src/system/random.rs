//! Where [`UploadSignature::sign`](crate::sign::UploadSignature::sign) gets `random` from.
//!
//! One system call per credentials value, not per signature: 12 bytes from the OS seed a
//! 32-bit counter (start value) and a 64-bit key. Each draw takes a counter value and passes
//! it through a keyed bijection of the 32-bit integers. Because the counter hands out every
//! 32-bit value once before it repeats and a bijection keeps distinct inputs distinct, two
//! draws give the same `random` only if 2^32 counter values were handed out between them.
//! Different processes (and clones) start from different OS seeds, so their values are not
//! predictable from each other.
//!
//! Signing threads do not touch the shared counter per signature (its cache line would
//! bounce between cores on every one): each thread reserves a block of [`BLOCK_LEN`]
//! consecutive counter values for one second of `currentTimeStamp` and draws from it. Blocks
//! are disjoint, so within one second no two signatures of one sequence share a `random`, for
//! up to 2^32 - 256 x (number of threads) signatures in that second.
//!
//! The bijection is a mixing function, not a cipher: `random` only has to be unique and
//! unguessable in advance; the signature's security rests on the HMAC.

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::error::Error;

/// How many counter values a thread reserves at once for one second of signatures.
pub(crate) const BLOCK_LEN: u32 = 256;

/// Identifies sequences within the process, so a thread's block is used for its own sequence.
static NEXT_SEQUENCE_ID: AtomicU64 = AtomicU64::new(1);

/// The calling thread's block: counter values reserved from one sequence for one second.
#[derive(Clone, Copy)]
struct Block {
    sequence_id: u64,
    second: u64,
    next: u32,
    remaining: u32,
}

thread_local! {
    static BLOCK: Cell<Block> = const {
        Cell::new(Block { sequence_id: 0, second: 0, next: 0, remaining: 0 })
    };
}

/// A per-credentials source of distinct `random` values.
pub(crate) struct RandomSequence {
    counter: AtomicU32,
    key: [u32; 2],
    id: u64,
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
            id: NEXT_SEQUENCE_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The next value straight from the shared counter: distinct from every other value this
    /// sequence hands out until 2^32 more counter values have been handed out.
    pub(crate) fn next(&self) -> u32 {
        // Relaxed: only the atomicity of the increment matters, not ordering with other memory.
        let index = self.counter.fetch_add(1, Ordering::Relaxed);
        permute(index, self.key)
    }

    /// A value for a signature stamped `second`, from this thread's block for that second
    /// (reserving a new block when it has none, or its block is for another sequence or
    /// second, or used up).
    pub(crate) fn next_for_second(&self, second: u64) -> u32 {
        BLOCK
            .try_with(|cell| {
                let mut block = cell.get();
                if block.sequence_id != self.id || block.second != second || block.remaining == 0 {
                    block = Block {
                        sequence_id: self.id,
                        second,
                        next: self.counter.fetch_add(BLOCK_LEN, Ordering::Relaxed),
                        remaining: BLOCK_LEN,
                    };
                }
                let index = block.next;
                block.next = index.wrapping_add(1);
                block.remaining -= 1;
                cell.set(block);
                permute(index, self.key)
            })
            // During thread teardown, without thread-locals: take one value directly.
            .unwrap_or_else(|_| self.next())
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
    fn blocks_are_per_second_and_disjoint_from_direct_draws() {
        let key = [5, 6];
        let sequence = RandomSequence::from_seed(1000, key);
        let values: Vec<u32> = (0..3).map(|_| sequence.next_for_second(7)).collect();
        assert_eq!(values, [1000, 1001, 1002].map(|i| permute(i, key)));
        // A direct draw takes the first value after the block.
        assert_eq!(sequence.next(), permute(1000 + BLOCK_LEN, key));
        // A new second starts a new block, after that.
        assert_eq!(sequence.next_for_second(8), permute(1001 + BLOCK_LEN, key));
        // Back to the old second: a fresh block again, never the old block's leftovers.
        assert_eq!(
            sequence.next_for_second(7),
            permute(1001 + 2 * BLOCK_LEN, key)
        );
    }

    #[test]
    fn a_block_is_used_up_before_the_next_is_reserved() {
        let key = [9, 9];
        let sequence = RandomSequence::from_seed(0, key);
        for index in 0..BLOCK_LEN + 2 {
            assert_eq!(
                sequence.next_for_second(1),
                permute(index, key),
                "draw {index}"
            );
        }
    }

    #[test]
    fn threads_get_disjoint_blocks() {
        let sequence = RandomSequence::from_seed(0, [1, 2]);
        let drawn: Vec<u32> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        (0..1000)
                            .map(|_| sequence.next_for_second(3))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut unique = drawn.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(drawn.len(), 4000);
        assert_eq!(unique.len(), 4000);
    }

    #[test]
    fn sequences_do_not_share_a_threads_block() {
        let a = RandomSequence::from_seed(0, [1, 1]);
        let b = RandomSequence::from_seed(0, [1, 1]);
        assert_eq!(a.next_for_second(1), permute(0, [1, 1]));
        // Same seed, same second, same thread: b reserves its own block from its own counter.
        assert_eq!(b.next_for_second(1), permute(0, [1, 1]));
        // The thread keeps one block: back on a, it reserves a fresh one rather than reuse.
        assert_eq!(a.next_for_second(1), permute(BLOCK_LEN, [1, 1]));
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
