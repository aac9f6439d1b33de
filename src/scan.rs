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
    let masks = masks(needles);
    let mut offset = 0;
    while offset < bytes.len() {
        let found = matching_bytes(load_word(bytes, offset), masks);
        if found != 0 {
            return offset + first_index(found);
        }
        offset += 8;
    }
    bytes.len()
}

/// Each needle repeated over a word, for [`matching_bytes`].
pub(crate) fn masks(needles: [u8; 3]) -> [u64; 3] {
    needles.map(|needle| u64::from_ne_bytes([needle; 8]))
}

/// The eight bytes of `bytes` from `offset` as a little-endian word, padded with zero bytes
/// past the end (no needle is zero, so padding never matches).
pub(crate) fn load_word(bytes: &[u8], offset: usize) -> u64 {
    let rest = bytes.get(offset..).unwrap_or_default();
    if let Some(word) = rest.first_chunk::<8>() {
        return u64::from_le_bytes(*word);
    }
    rest.iter()
        .rev()
        .fold(0, |word, &byte| word << 8 | u64::from(byte))
}

/// The high bit of every byte of `word` that equals one of the needles the masks repeat.
pub(crate) fn matching_bytes(word: u64, masks: [u64; 3]) -> u64 {
    zero_bytes(word ^ masks[0]) | zero_bytes(word ^ masks[1]) | zero_bytes(word ^ masks[2])
}

/// The high bit of every byte of `word` that is zero, and of no other byte (exact, unlike
/// the shorter `(x - 0x01..) & !x & 0x80..`, whose borrows mark bytes after a zero).
fn zero_bytes(word: u64) -> u64 {
    !(((word & LOW_SEVEN_BITS) + LOW_SEVEN_BITS) | word) & HIGH_BITS
}

/// The index, in a little-endian word, of the lowest byte whose high bit `found` sets.
pub(crate) fn first_index(found: u64) -> usize {
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
    fn short_words_are_padded_with_zeros() {
        assert_eq!(load_word(b"abcdefghi", 0), u64::from_le_bytes(*b"abcdefgh"));
        assert_eq!(
            load_word(b"abcdefghi", 6),
            u64::from_le_bytes(*b"ghi\0\0\0\0\0")
        );
        assert_eq!(load_word(b"abc", 3), 0);
        assert_eq!(load_word(b"abc", 9), 0);
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
