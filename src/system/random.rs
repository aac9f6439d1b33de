//! Where [`UploadSignature::sign`](crate::sign::UploadSignature::sign) gets `random` from.
//!
//! A [`RandomSequence`] is a 32-bit counter, started at a random point, each value passed
//! through a keyed bijection; both the start and the key come from the OS on the first draw.
//! A bijection keeps distinct inputs distinct, so two draws of one sequence give the same
//! value only if the counter wrapped between them. The sequence is shared by every clone of
//! the [`Credentials`](crate::credentials::Credentials) it belongs to.
//!
//! - **Threads** take blocks of [`BLOCK_LEN`] consecutive counter values, one for each second
//!   of `currentTimeStamp`, so that signing threads do not write a shared cache line per
//!   signature. A thread keeps the blocks of its last [`BLOCKS_PER_THREAD`] sequences, so that
//!   alternating between a few `Credentials` values does not waste a block on every switch.
//! - **A fleet** of N signers, told their [`Instance`], put the instance's index in the top
//!   `k = ceil(log2 N)` bits of `random` and the sequence's value in the other `32 - k`: no two
//!   instances ever produce the same `random`.
//! - **A fork** is noticed by the process id, checked when a block is reserved and, for a block
//!   in use, once per tick of the coarse clock (a few milliseconds): the child reseeds from
//!   the OS instead of replaying the parent's values. Only a draw in the child within the same
//!   tick as the parent's last check of that thread could still take a value the parent takes
//!   too; nothing cheaper than a system call per signature can see a fork sooner without
//!   `unsafe` code.
//!
//! The bijection is a mixing function, not a cipher: `random` is unique within the bounds
//! above, not unpredictable (from a few observed values the next can be computed). It needs
//! no secrecy: the signature's security rests on the HMAC.

use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::error::Error;
use crate::limits::MAX_INSTANCES;

/// How many counter values a thread reserves at once for one second of signatures.
pub(crate) const BLOCK_LEN: u32 = 256;

/// How many sequences' blocks a thread keeps at once.
pub(crate) const BLOCKS_PER_THREAD: usize = 4;

/// Identifies sequences within the process, so that a thread's block is used for its own
/// sequence only.
static NEXT_SEQUENCE_ID: AtomicU64 = AtomicU64::new(1);

/// A signer's place in a fleet of signers that share a SecretId: its index in `0..count`,
/// such as a StatefulSet ordinal.
///
/// ```
/// use tencent_vod_signature::Instance;
///
/// let third: Instance = "2/6".parse()?;
/// assert_eq!((third.index(), third.count()), (2, 6));
/// assert!("6/6".parse::<Instance>().is_err());
/// # Ok::<(), tencent_vod_signature::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instance {
    index: u32,
    count: u32,
}

impl Instance {
    /// The only signer: no bit of `random` is set aside.
    pub const SOLE: Self = Self { index: 0, count: 1 };

    /// Instance `index` of a fleet of `count`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInstance`] when `count` is 0 or over [`MAX_INSTANCES`](crate::limits::MAX_INSTANCES), or `index` is
    /// not below `count`.
    pub fn new(index: u32, count: u32) -> Result<Self, Error> {
        let reason = if count == 0 {
            "a fleet has at least one instance"
        } else if count > MAX_INSTANCES {
            "a fleet has at most 65536 instances"
        } else if index >= count {
            "the index must be below the count (instances are numbered from 0)"
        } else {
            return Ok(Self { index, count });
        };
        Err(Error::InvalidInstance {
            instance: format!("{index}/{count}"),
            reason,
        })
    }

    /// The index, in `0..count`.
    #[must_use]
    pub const fn index(self) -> u32 {
        self.index
    }

    /// How many instances the fleet has.
    #[must_use]
    pub const fn count(self) -> u32 {
        self.count
    }

    /// How many top bits of `random` carry the index: `ceil(log2 count)`.
    #[must_use]
    pub const fn index_bits(self) -> u32 {
        self.count.next_power_of_two().trailing_zeros()
    }

    /// How many distinct `random` values one instance has: `2^(32 - index_bits)`.
    #[must_use]
    pub const fn values(self) -> u64 {
        1 << (32 - self.index_bits())
    }

    /// `value` (below [`values`](Self::values)) in the low bits, the index above it.
    fn compose(self, value: u32) -> u32 {
        let shifted = u64::from(self.index) << (32 - self.index_bits());
        // The index is below 2^index_bits, so the shifted index fits in 32 bits.
        u32::try_from(shifted).expect("the index fits its bits") | value
    }
}

impl Default for Instance {
    fn default() -> Self {
        Self::SOLE
    }
}

impl fmt::Display for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Instance {
    type Err = Error;

    /// `I/N`, as `2/6`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInstance`] naming the text.
    fn from_str(text: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidInstance {
            instance: text.to_owned(),
            reason: "expected INDEX/COUNT in decimal, e.g. 0/3",
        };
        let (index, count) = text.split_once('/').ok_or_else(invalid)?;
        let number = |digits: &str| {
            digits
                .bytes()
                .all(|byte| byte.is_ascii_digit())
                .then(|| digits.parse::<u32>().ok())
                .flatten()
                .ok_or_else(invalid)
        };
        Self::new(number(index)?, number(count)?)
    }
}

/// The calling thread's block: counter values reserved from one sequence for one second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    sequence_id: u64,
    /// The sequence's seeding this block was cut from.
    generation: u64,
    second: u64,
    /// The process that reserved it, and the coarse millisecond it was last confirmed in.
    pid: u32,
    checked_ms: u64,
    /// The key of that seeding (`random` is not secret: see the module's docs).
    key: [u32; 2],
    next: u32,
    remaining: u32,
}

impl Block {
    const EMPTY: Self = Self {
        sequence_id: 0,
        generation: 0,
        second: 0,
        pid: 0,
        checked_ms: 0,
        key: [0; 2],
        next: 0,
        remaining: 0,
    };
}

thread_local! {
    /// The most recently used first.
    static BLOCKS: RefCell<[Block; BLOCKS_PER_THREAD]> =
        const { RefCell::new([Block::EMPTY; BLOCKS_PER_THREAD]) };
}

/// The seeded part of a sequence, made on the first draw and again in a forked child.
struct Seeded {
    /// The process that seeded it, and the coarse millisecond that was last confirmed in.
    pid: u32,
    checked_ms: u64,
    counter: u32,
    key: [u32; 2],
}

/// A source of distinct `random` values, shared by a `Credentials` value and its clones.
pub(crate) struct RandomSequence {
    id: u64,
    instance: Instance,
    /// The instance's index in the top bits, and the mixing of the other bits.
    high: u32,
    mix: Mix,
    /// Bumped at every seeding: a block of an older generation is never used again.
    generation: AtomicU64,
    seeded: Mutex<Option<Seeded>>,
    /// The seed to use instead of the OS's (tests).
    fixed_seed: Option<(u32, [u32; 2])>,
}

impl RandomSequence {
    /// A sequence for `instance`, seeded from the OS on its first draw.
    pub(crate) fn new(instance: Instance) -> Self {
        Self {
            id: NEXT_SEQUENCE_ID.fetch_add(1, Ordering::Relaxed),
            instance,
            high: instance.compose(0),
            mix: Mix::new(32 - instance.index_bits()),
            generation: AtomicU64::new(0),
            seeded: Mutex::new(None),
            fixed_seed: None,
        }
    }

    /// A sequence that starts its counter at `start` with `key`, instead of the OS's seed.
    #[cfg(test)]
    pub(crate) fn from_seed(start: u32, key: [u32; 2], instance: Instance) -> Self {
        Self {
            fixed_seed: Some((start, key)),
            ..Self::new(instance)
        }
    }

    /// The instance whose index this sequence's values carry.
    pub(crate) fn instance(&self) -> Instance {
        self.instance
    }

    /// The next value straight from the shared counter: distinct from every other value this
    /// sequence hands out until its counter wraps.
    pub(crate) fn next(&self, now_ms: u64) -> Result<u32, Error> {
        let (index, key, _, _) = self.reserve(1, now_ms)?;
        Ok(self.value(index, key))
    }

    /// A value for a signature stamped `second`, read at coarse millisecond `now_ms`, from
    /// this thread's block for that second (reserving a new one when it has none, or its
    /// block is used up, older than the sequence's seeding, or from another process).
    pub(crate) fn next_for_second(&self, second: u64, now_ms: u64) -> Result<u32, Error> {
        // Borrowed only here, and `draw` calls nothing that draws: never borrowed twice.
        match BLOCKS.try_with(|blocks| self.draw(&mut blocks.borrow_mut(), second, now_ms)) {
            Ok(drawn) => drawn,
            // During thread teardown, without thread-locals: take one value directly.
            Err(_) => self.next(now_ms),
        }
    }

    fn draw(
        &self,
        blocks: &mut [Block; BLOCKS_PER_THREAD],
        second: u64,
        now_ms: u64,
    ) -> Result<u32, Error> {
        let generation = self.generation.load(Ordering::Acquire);
        // Ours, or else the least recently used: the last.
        let slot = blocks
            .iter()
            .position(|block| block.sequence_id == self.id)
            .unwrap_or(BLOCKS_PER_THREAD - 1);
        let block = &mut blocks[slot];
        let usable = block.sequence_id == self.id
            && block.generation == generation
            && block.second == second
            && block.remaining > 0
            && (block.checked_ms == now_ms || std::process::id() == block.pid);
        if usable {
            block.checked_ms = now_ms;
        } else {
            let (next, key, pid, generation) = self.reserve(BLOCK_LEN, now_ms)?;
            *block = Block {
                sequence_id: self.id,
                generation,
                second,
                pid,
                checked_ms: now_ms,
                key,
                next,
                remaining: BLOCK_LEN,
            };
        }
        let (index, key) = (block.next, block.key);
        block.next = index.wrapping_add(1);
        block.remaining -= 1;
        if slot > 0 {
            // Most recently used first.
            blocks[..=slot].rotate_right(1);
        }
        Ok(self.value(index, key))
    }

    /// Takes `len` counter values at coarse millisecond `now_ms`: their first, the key, the
    /// process and the generation, seeding (or, in a forked child, reseeding) first when
    /// needed. The process is confirmed once per millisecond of the coarse clock.
    fn reserve(&self, len: u32, now_ms: u64) -> Result<(u32, [u32; 2], u32, u64), Error> {
        let mut seeded = self.seeded.lock().unwrap_or_else(PoisonError::into_inner);
        let pid = match seeded.as_ref() {
            Some(state) if state.checked_ms == now_ms => state.pid,
            _ => std::process::id(),
        };
        // Unseeded, or seeded by another process (the parent of a fork).
        if seeded.as_ref().is_none_or(|state| state.pid != pid) {
            let (counter, key) = match self.fixed_seed {
                Some(seed) => seed,
                None => seed_from_os()?,
            };
            *seeded = Some(Seeded {
                pid,
                checked_ms: now_ms,
                counter,
                key,
            });
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        let state = seeded.as_mut().expect("seeded just above");
        state.checked_ms = now_ms;
        let first = state.counter;
        state.counter = state.counter.wrapping_add(len);
        Ok((
            first,
            state.key,
            pid,
            self.generation.load(Ordering::Acquire),
        ))
    }

    /// The `random` for counter value `index`.
    fn value(&self, index: u32, key: [u32; 2]) -> u32 {
        self.high | self.mix.permute(index, key)
    }
}

/// A start for the counter and a key, from the operating system (one system call).
fn seed_from_os() -> Result<(u32, [u32; 2]), Error> {
    let mut seed = [0u8; 12];
    getrandom::fill(&mut seed).map_err(|error| Error::RandomUnavailable {
        raw_os_error: error.raw_os_error(),
    })?;
    let [a, b, c, d, e, f, g, h, i, j, k, l] = seed;
    Ok((
        u32::from_le_bytes([a, b, c, d]),
        [
            u32::from_le_bytes([e, f, g, h]),
            u32::from_le_bytes([i, j, k, l]),
        ],
    ))
}

/// A keyed bijection of the `bits`-bit integers, its widths computed once.
#[derive(Debug, Clone, Copy)]
struct Mix {
    mask: u32,
    first: u32,
    second: u32,
}

impl Mix {
    fn new(bits: u32) -> Self {
        Self {
            mask: u32::MAX >> (32 - bits),
            first: bits.div_ceil(2),
            second: (bits * 13 / 32).max(1),
        }
    }

    /// Two rounds of key addition and MurmurHash3's `fmix32` narrowed to the width, each step
    /// invertible (xor with a constant, xor-shift right, multiplication by an odd constant
    /// modulo 2^bits): distinct inputs below 2^bits give distinct outputs below 2^bits.
    fn permute(self, value: u32, key: [u32; 2]) -> u32 {
        let round = self.fmix((value ^ key[0]) & self.mask) ^ (key[1] & self.mask);
        self.fmix(round)
    }

    /// MurmurHash3's `fmix32` on values of the width (exactly `fmix32` for 32 bits).
    fn fmix(self, mut x: u32) -> u32 {
        x ^= x >> self.first;
        x = x.wrapping_mul(0x85eb_ca6b) & self.mask;
        x ^= x >> self.second;
        x = x.wrapping_mul(0xc2b2_ae35) & self.mask;
        x ^= x >> self.first;
        x
    }
}

/// [`Mix::permute`] at `bits` bits.
#[cfg(test)]
fn permute(value: u32, key: [u32; 2], bits: u32) -> u32 {
    Mix::new(bits).permute(value, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw_all(sequence: &RandomSequence, second: u64, n: u32) -> Vec<u32> {
        (0..n)
            .map(|_| sequence.next_for_second(second, 0).expect("seeded"))
            .collect()
    }

    #[test]
    fn permute_is_a_bijection_at_every_width() {
        let key = [0x1234_5678, 0x9abc_def0];
        for bits in 1..=20 {
            let mut seen = std::collections::HashSet::new();
            for value in 0u32..1 << bits {
                let permuted = permute(value, key, bits);
                assert!(permuted < 1 << bits, "{bits} bits: {permuted}");
                assert!(seen.insert(permuted), "{bits} bits: collision at {value}");
            }
        }
        let mut seen = std::collections::HashSet::new();
        for value in 0u32..1 << 20 {
            assert!(seen.insert(permute(value, key, 32)), "collision at {value}");
        }
    }

    #[test]
    fn fmix_is_murmurs_fmix32_at_32_bits() {
        // Reference values of MurmurHash3's fmix32 finalizer.
        assert_eq!(Mix::new(32).fmix(0), 0);
        assert_eq!(Mix::new(32).fmix(1), 0x514e_28b7);
    }

    #[test]
    fn the_counter_wraps_without_repeating() {
        let key = [7, 11];
        let sequence = RandomSequence::from_seed(u32::MAX - 2, key, Instance::SOLE);
        let drawn: Vec<u32> = (0..6).map(|_| sequence.next(0).expect("seeded")).collect();
        let expected: Vec<u32> = [u32::MAX - 2, u32::MAX - 1, u32::MAX, 0, 1, 2]
            .into_iter()
            .map(|index| permute(index, key, 32))
            .collect();
        assert_eq!(drawn, expected);
    }

    #[test]
    fn blocks_are_per_second_and_disjoint_from_direct_draws() {
        let key = [5, 6];
        let sequence = RandomSequence::from_seed(1000, key, Instance::SOLE);
        let value = |index| permute(index, key, 32);
        assert_eq!(draw_all(&sequence, 7, 3), [1000, 1001, 1002].map(value));
        // A direct draw takes the first value after the block.
        assert_eq!(sequence.next(0), Ok(value(1000 + BLOCK_LEN)));
        // A new second starts a new block, after that.
        assert_eq!(sequence.next_for_second(8, 0), Ok(value(1001 + BLOCK_LEN)));
        // Back to the old second: a fresh block again, never the old block's leftovers.
        assert_eq!(
            sequence.next_for_second(7, 0),
            Ok(value(1001 + 2 * BLOCK_LEN))
        );
    }

    #[test]
    fn a_block_is_used_up_before_the_next_is_reserved() {
        let key = [9, 9];
        let sequence = RandomSequence::from_seed(0, key, Instance::SOLE);
        let drawn = draw_all(&sequence, 1, BLOCK_LEN + 2);
        let expected: Vec<u32> = (0..BLOCK_LEN + 2).map(|i| permute(i, key, 32)).collect();
        assert_eq!(drawn, expected);
    }

    #[test]
    fn threads_get_disjoint_blocks() {
        let sequence = RandomSequence::from_seed(0, [1, 2], Instance::SOLE);
        let drawn: Vec<u32> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| draw_all(&sequence, 3, 1000)))
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| handle.join().expect("no panic"))
                .collect()
        });
        let mut unique = drawn.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(drawn.len(), 4000);
        assert_eq!(unique.len(), 4000);
    }

    /// Alternating between sequences keeps each one's block: the counters advance by about
    /// the draws, not by a block per switch (which the one-block thread-local did).
    #[test]
    fn alternating_between_sequences_keeps_their_blocks() {
        let sequences = [
            RandomSequence::from_seed(0, [1, 2], Instance::SOLE),
            RandomSequence::from_seed(0, [3, 4], Instance::SOLE),
        ];
        for _ in 0..1000 {
            for sequence in &sequences {
                sequence.next_for_second(5, 0).expect("seeded");
            }
        }
        for sequence in &sequences {
            let seeded = sequence.seeded.lock().expect("not poisoned");
            let used = seeded.as_ref().expect("seeded").counter;
            // 1000 draws: four blocks of 256.
            assert_eq!(used, 4 * BLOCK_LEN, "{used} counter values for 1000 draws");
        }
    }

    #[test]
    fn an_instance_owns_the_top_bits_and_its_values_stay_distinct() {
        let instance = Instance::new(5, 6).expect("in range");
        assert_eq!(instance.index_bits(), 3);
        assert_eq!(instance.values(), 1 << 29);
        let sequence = RandomSequence::from_seed(0, [3, 4], instance);
        let drawn = draw_all(&sequence, 1, 5000);
        assert!(drawn.iter().all(|&random| random >> 29 == 5), "top bits");
        let mut unique = drawn.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), drawn.len());
        // The sole instance uses all 32 bits.
        assert_eq!(Instance::SOLE.index_bits(), 0);
        assert_eq!(Instance::SOLE.values(), 1 << 32);
        assert_eq!(Instance::new(0, 1).map(Instance::index_bits), Ok(0));
        assert_eq!(Instance::new(1, 2).map(Instance::index_bits), Ok(1));
        assert_eq!(
            Instance::new(0, MAX_INSTANCES).map(Instance::index_bits),
            Ok(16)
        );
    }

    #[test]
    fn instances_out_of_range_are_refused_naming_the_instance() {
        for (text, reason) in [
            ("6/6", "below the count"),
            ("0/0", "at least one"),
            ("0/65537", "at most 65536"),
            ("a/6", "INDEX/COUNT"),
            ("1", "INDEX/COUNT"),
            ("+1/6", "INDEX/COUNT"),
            ("1/6/7", "INDEX/COUNT"),
        ] {
            match text.parse::<Instance>() {
                Err(Error::InvalidInstance {
                    instance,
                    reason: why,
                }) => {
                    assert_eq!(instance, text);
                    assert!(why.contains(reason), "{text}: {why}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        assert_eq!(
            "2/6"
                .parse::<Instance>()
                .map(|i| i.to_string())
                .ok()
                .as_deref(),
            Some("2/6")
        );
    }
}
