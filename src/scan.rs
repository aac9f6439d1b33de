//! Word-at-a-time search for the bytes that end or escape a querystring component.
//!
//! Eight bytes are tested at once with plain integer arithmetic (no `unsafe`, no SIMD
//! intrinsics): a plaintext is a few hundred bytes, and a byte-at-a-time loop over it costs
//! more than a third of the HMAC.

/// `&`, `%` and `+`: where a value ends or stops standing for itself.
pub(crate) const VALUE_SPECIALS: [u8; 3] = [b'&', b'%', b'+'];

/// `&` alone: where a segment ends.
pub(crate) const SEGMENT_END: [u8; 3] = [b'&'; 3];

const LOW_SEVEN_BITS: u64 = u64::from_ne_bytes([0x7f; 8]);
const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The index of the first byte of `bytes` that is one of `needles`, or `bytes.len()`.
pub(crate) fn first_of(bytes: &[u8], needles: [u8; 3]) -> usize {
    let masks = needles.map(|needle| u64::from_ne_bytes([needle; 8]));
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let found = matching_bytes(u64::from_le_bytes(word.try_into().unwrap_or_default()), masks);
        if found != 0 {
            return offset + first_index(found);
        }
        offset += 8;
    }
    // The tail, padded with zero bytes, which no needle matches (none of them is zero).
    let tail = words.remainder();
    let mut padded = [0u8; 8];
    padded[..tail.len()].copy_from_slice(tail);
    let found = matching_bytes(u64::from_le_bytes(padded), masks);
    if found != 0 {
        offset + first_index(found)
    } else {
        bytes.len()
    }
}

/// The high bit of every byte of `word` that equals one of the needles the masks repeat.
fn matching_bytes(word: u64, masks: [u64; 3]) -> u64 {
    zero_bytes(word ^ masks[0]) | zero_bytes(word ^ masks[1]) | zero_bytes(word ^ masks[2])
}

/// The high bit of every byte of `word` that is zero, and of no other byte (exact, unlike
/// the shorter `(x - 0x01..) & !x & 0x80..`, whose borrows mark bytes after a zero).
fn zero_bytes(word: u64) -> u64 {
    !(((word & LOW_SEVEN_BITS) + LOW_SEVEN_BITS) | word) & HIGH_BITS
}

/// The index, in a little-endian word, of the lowest byte whose high bit `found` sets.
fn first_index(found: u64) -> usize {
    (found.trailing_zeros() / 8) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(bytes: &[u8], needles: [u8; 3]) -> usize {
        bytes
            .iter()
            .position(|byte| needles.contains(byte))
            .unwrap_or(bytes.len())
    }

    #[test]
    fn agrees_with_a_byte_at_a_time_search_at_every_position_and_byte() {
        // Every byte value at every position of inputs of 0..=24 bytes, over a background
        // of bytes chosen to sit next to the needles: 0x24, 0x27, 0x2a, 0x2c, 0xa6, 0xff.
        let background = [0x24u8, 0x27, 0x2a, 0x2c, 0xa6, 0xff, 0x00, b'a'];
        for len in 0..=24 {
            let base: Vec<u8> = (0..len).map(|i| background[i % background.len()]).collect();
            assert_eq!(first_of(&base, VALUE_SPECIALS), naive(&base, VALUE_SPECIALS));
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
    fn finds_the_first_of_several() {
        assert_eq!(first_of(b"abcdefgh+jk&m%", VALUE_SPECIALS), 8);
        assert_eq!(first_of(b"abcdefgh+jk&m%", SEGMENT_END), 11);
        assert_eq!(first_of(b"%%%%%%%%%%", VALUE_SPECIALS), 0);
        assert_eq!(first_of(b"", VALUE_SPECIALS), 0);
        assert_eq!(first_of(b"plain", VALUE_SPECIALS), 5);
    }
}
