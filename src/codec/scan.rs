//! Where the bytes that end or escape a querystring component are, 64 bytes at a time.
//!
//! A window of 64 bytes is compared with the needles as a plain array expression, which the
//! compiler turns into vector compares (SSE2 on x86-64, NEON on AArch64; no `unsafe`, no
//! intrinsics), and packed into a 64-bit mask. The parser walks one [`Specials`] cursor
//! over the plaintext, so every window's mask is computed once, whatever the number of
//! segments and escapes in it.

/// The bytes one mask covers.
pub(crate) const WINDOW: usize = 64;

/// `&`, `%` and `+`: where a value ends or stops standing for itself.
pub(crate) const VALUE_SPECIALS: [u8; 3] = [b'&', b'%', b'+'];

/// `&` alone: where a segment ends.
pub(crate) const SEGMENT_END: [u8; 3] = [b'&'; 3];

/// Bit `i` is set when `bytes[at + i]` is one of `needles`, for the (up to) 64 bytes of
/// `bytes` from `at`.
#[inline(always)]
fn mask_at(bytes: &[u8], at: usize, needles: [u8; 3]) -> u64 {
    let rest = bytes
        .get(at..)
        .expect("windows start within the bytes (at or before their end)");
    match rest.first_chunk::<WINDOW>() {
        Some(window) => matching(window, needles),
        None => mask_of_short(rest, needles),
    }
}

/// [`mask_at`] for fewer than 64 bytes: copied into a window of zeros, which never match
/// (no needle is a zero byte).
#[cold]
#[inline(never)]
fn mask_of_short(rest: &[u8], needles: [u8; 3]) -> u64 {
    let mut window = [0u8; WINDOW];
    window[..rest.len()].copy_from_slice(rest);
    matching(&window, needles)
}

/// The index of the first byte of `bytes` that is one of `needles`, or `bytes.len()`.
pub(crate) fn first_of(bytes: &[u8], needles: [u8; 3]) -> usize {
    let mut at = 0;
    while at < bytes.len() {
        let found = mask_at(bytes, at, needles);
        if found != 0 {
            return at + found.trailing_zeros() as usize;
        }
        at += WINDOW;
    }
    bytes.len()
}

/// Bit `i` set when `window[i]` is one of `needles`.
#[inline(always)]
fn matching(window: &[u8; WINDOW], needles: [u8; 3]) -> u64 {
    // One byte per position, 0 or 1: vector compares, then eight bytes at a time gathered
    // into eight bits by a multiplication (bit `i` of the top byte comes from byte `i`).
    let [first, second, third] = needles;
    let flags: [u8; WINDOW] = std::array::from_fn(|i| {
        let byte = window[i];
        u8::from((byte == first) | (byte == second) | (byte == third))
    });
    let mut mask = 0;
    for (index, eight) in flags.chunks_exact(8).enumerate() {
        let eight = u64::from_le_bytes(eight.try_into().expect("chunks of exactly eight"));
        mask |= (eight.wrapping_mul(GATHER) >> 56) << (8 * index);
    }
    mask
}

/// Multiplying eight bytes of 0 or 1 by this puts byte `i`'s value at bit `56 + i`, with no
/// carries (every partial product lands on a distinct bit).
const GATHER: u64 = 0x0102_0408_1020_4080;

/// The mask of the `len` lowest bits (all of them from 64 on).
fn low_bits(len: usize) -> u64 {
    if len >= WINDOW {
        u64::MAX
    } else {
        (1 << len) - 1
    }
}

/// Hands out the positions of the `&`, `%` and `+` of `bytes[..end]` in order, each once.
///
/// `bytes` may run past `end`: a plaintext followed by at least [`WINDOW`] bytes of anything
/// is read a whole window at a time, with no copy at its end. Whatever is past `end` is never
/// reported.
///
/// The next position comes from clearing the lowest bit of a mask, not from searching after
/// the last one: a parser that walks from special to special does not wait for each search
/// to finish before the next can start.
pub(crate) struct Specials<'a> {
    bytes: &'a [u8],
    end: usize,
    /// Where the current window starts.
    window: usize,
    /// The specials of the current window, below `end`, not handed out yet.
    mask: u64,
}

impl<'a> Specials<'a> {
    /// A cursor over `bytes[..end]` whose first window starts at `start`: it never hands out
    /// a special before `start`.
    pub(crate) fn new(bytes: &'a [u8], start: usize, end: usize) -> Self {
        let end = end.min(bytes.len());
        let start = start.min(end);
        let mut specials = Self {
            bytes,
            end,
            window: start,
            mask: 0,
        };
        specials.load(start);
        specials
    }

    /// The bytes the cursor reads, `end` and all that follows it.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Where the cursor stops.
    pub(crate) fn end(&self) -> usize {
        self.end
    }

    /// Hands out the first special at or after `from`, or returns `end` when there is none.
    /// Specials before `from` are passed over for good: a later call never returns them.
    #[inline(always)]
    pub(crate) fn next_from(&mut self, from: usize) -> usize {
        while self.mask != 0 {
            let at = self.window + self.mask.trailing_zeros() as usize;
            self.mask &= self.mask - 1;
            if at >= from {
                return at;
            }
        }
        self.next_in_later_windows(from)
    }

    /// [`next_from`](Self::next_from) once the current window is used up: the windows from
    /// the next one (or from `from`, if that is further) loaded one after another.
    #[inline(never)]
    fn next_in_later_windows(&mut self, from: usize) -> usize {
        loop {
            let window = (self.window + WINDOW).max(from);
            if window >= self.end {
                return self.end;
            }
            self.load(window);
            if self.mask != 0 {
                // The window starts at or after `from`, so its first special is the one.
                let at = window + self.mask.trailing_zeros() as usize;
                self.mask &= self.mask - 1;
                return at;
            }
        }
    }

    fn load(&mut self, window: usize) {
        self.window = window;
        self.mask =
            mask_at(self.bytes, window, VALUE_SPECIALS) & low_bits(self.end.saturating_sub(window));
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn naive(bytes: &[u8], needles: [u8; 3]) -> usize {
        bytes
            .iter()
            .position(|byte| needles.contains(byte))
            .unwrap_or(bytes.len())
    }

    #[test]
    fn agrees_with_a_byte_at_a_time_search_at_every_position_and_byte() {
        // Every byte value at every position, over backgrounds of bytes next to the needles
        // (0x24, 0x27, 0x2a, 0x2c), of high bytes and zeros, across two window edges.
        let background = [0x24u8, 0x27, 0x2a, 0x2c, 0xa6, 0xff, 0x00, b'a'];
        for len in (0..=24).chain([63, 64, 65, 127, 128, 129]) {
            let base: Vec<u8> = (0..len).map(|i| background[i % background.len()]).collect();
            assert_eq!(
                first_of(&base, VALUE_SPECIALS),
                naive(&base, VALUE_SPECIALS)
            );
            for position in 0..len {
                for byte in 0..=255u8 {
                    let mut bytes = base.clone();
                    bytes[position] = byte;
                    for needles in [VALUE_SPECIALS, SEGMENT_END] {
                        assert_eq!(
                            first_of(&bytes, needles),
                            naive(&bytes, needles),
                            "{bytes:?} {needles:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_bit_of_a_mask_is_its_own_byte() {
        for position in 0..WINDOW {
            let mut window = [b'a'; WINDOW];
            window[position] = b'%';
            assert_eq!(mask_at(&window, 0, VALUE_SPECIALS), 1 << position);
            // The same window from an offset, with the padding past the end.
            assert_eq!(
                mask_at(&window, position, VALUE_SPECIALS),
                1,
                "from {position}"
            );
        }
        assert_eq!(mask_at(&[b'&'; WINDOW], 0, VALUE_SPECIALS), u64::MAX);
        assert_eq!(mask_at(b"+&", 2, VALUE_SPECIALS), 0, "nothing at the end");
    }

    #[test]
    fn finds_the_first_of_several() {
        assert_eq!(first_of(b"abcdefgh+jk&m%", VALUE_SPECIALS), 8);
        assert_eq!(first_of(b"abcdefgh+jk&m%", SEGMENT_END), 11);
        assert_eq!(first_of(b"%%%%%%%%%%", VALUE_SPECIALS), 0);
        assert_eq!(first_of(b"", VALUE_SPECIALS), 0);
        assert_eq!(first_of(b"plain", VALUE_SPECIALS), 5);
    }

    #[test]
    fn the_cursor_never_reports_what_lies_past_its_end() {
        let bytes = b"ab&cd%ef++";
        let mut specials = Specials::new(bytes, 0, 5);
        assert_eq!(specials.next_from(0), 2);
        assert_eq!(
            specials.next_from(3),
            5,
            "'%' at 5 is the end, not a special"
        );
        assert_eq!(specials.next_from(9), 5);
        assert_eq!(Specials::new(bytes, 0, 99).end(), bytes.len());
    }

    #[test]
    fn the_cursor_hands_each_special_out_once() {
        let mut specials = Specials::new(b"a&&b", 0, 4);
        assert_eq!(specials.next_from(0), 1);
        assert_eq!(specials.next_from(0), 2, "1 was handed out");
        assert_eq!(specials.next_from(0), 4);
        let mut from_two = Specials::new(b"a&&b", 2, 4);
        assert_eq!(from_two.next_from(0), 2, "nothing before its start");
        assert_eq!(from_two.next_from(0), 4);
    }

    proptest! {
        /// Called from positions after the last one handed out, as the parser calls it, the
        /// cursor agrees with a byte-at-a-time search of `bytes[..end]`, across windows and
        /// with jumps of more than a window.
        #[test]
        fn the_cursor_agrees_with_a_byte_at_a_time_search(
            bytes in proptest::collection::vec(
                prop_oneof![4 => Just(b'a'), 1 => Just(b'&'), 1 => Just(b'%'), 1 => Just(b'+')],
                0..400,
            ),
            cut in 0usize..400,
            steps in proptest::collection::vec(
                prop_oneof![3 => 0usize..4, 1 => 0usize..150],
                1..60,
            ),
        ) {
            let end = cut.min(bytes.len());
            let expected = |from: usize| {
                let from = from.min(end);
                from + naive(&bytes[from..end], VALUE_SPECIALS)
            };
            let mut specials = Specials::new(&bytes, 0, end);
            let mut from = 0;
            for step in steps {
                let found = specials.next_from(from);
                prop_assert_eq!(found, expected(from), "from {}", from);
                from = found + 1 + step;
            }
        }
    }
}
