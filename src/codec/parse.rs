//! The plaintext → typed [`Fields`], in one pass.
//!
//! The fields' text starts as a copy of the plaintext: a value with nothing to decode is a
//! range of it; one with `%XX` or `+` is decoded once and appended. Keys the crate knows are recognised
//! in place (`classId=` at the start of a segment); anything else, including a known key
//! spelled with escapes, is decoded first and then looked up, so both spellings mean the same.
//! One [`Specials`] cursor finds the `&`, `%` and `+` of the whole plaintext as the parser
//! moves through it, so a value's end and whether it needs decoding cost a few instructions.
//!
//! Errors come in the order a segment is read: its shape, then the decoding of its key and
//! value, then a repeated key, then the value's own limits; segments are numbered from 1.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::codec::scan::{Specials, WINDOW};
use crate::codec::urlencoded::{self, DECODE_SLACK, Defect};
use crate::codec::values::{self, parse_u32, parse_u64};
use crate::error::Error;
use crate::fields::{Fields, OptionalFields, Span};
use crate::limits::{MAX_SESSION_CONTEXT_CHARS, MAX_SOURCE_CONTEXT_CHARS};
use crate::params::{Name, for_each_param, rule};

/// The room [`parse`] needs after a plaintext of `len` bytes: a window the scanner may read
/// past its end, and room to decode its values.
pub(crate) fn room_after(len: usize) -> usize {
    WINDOW + len + DECODE_SLACK
}

/// Parses the plaintext `buffer[..len]` into typed fields, using the rest of `buffer` (at
/// least [`room_after`]`(len)` bytes, whatever they hold) as working room.
///
/// # Errors
///
/// [`Error::BadUtf8`], [`Error::MalformedQuerystring`], [`Error::MissingParameter`],
/// [`Error::DuplicateParameter`], [`Error::InvalidNumber`], [`Error::InvalidValue`],
/// [`Error::InvalidTaskPriority`], [`Error::TextTooLong`].
pub(crate) fn parse(buffer: &mut [u8], len: usize) -> Result<Fields, Error> {
    // The scanner reads whole windows: the plaintext, then a window of whatever follows.
    let (padded, decode_area) = buffer.split_at_mut(len + WINDOW);
    let padded: &[u8] = padded;
    let original = &padded[..len];
    let Ok(original_text) = std::str::from_utf8(original) else {
        return Err(Error::BadUtf8 { parameter: None });
    };
    // Decoded values are never longer than the plaintext they come from.
    let mut text = String::with_capacity(2 * original.len());
    text.push_str(original_text);
    let mut parser = Parser {
        original,
        original_text,
        specials: Specials::new(padded, 0, len),
        decode_area,
        text,
        found: Found::default(),
        extra_names: None,
    };
    let mut start = 0;
    for segment in 1.. {
        let end = parser.segment(segment, start)?;
        if end == original.len() {
            break;
        }
        start = end + 1;
    }
    parser.finish()
}

/// Defines [`Name::at_start`] and [`Parser::known_value`] from the parameter table.
macro_rules! define_key_reader {
    (
        required: [$(($required:ident, $required_wire:literal)),* $(,)?],
        optional: [$((
            $variant:ident, $wire:literal, $field:ident, $kind:ident, $argument:ty,
            $rule:expr, $meaning:literal
        )),* $(,)?],
    ) => {
        impl Name {
            /// The name that `segment` starts with, spelled plainly and followed by `=`.
            fn at_start(segment: &[u8]) -> Option<Self> {
                // The first byte rules out most names before the rest is compared.
                let first = *segment.first()?;
                $(
                    if first == $required_wire.as_bytes()[0]
                        && starts_with_key(segment, $required_wire)
                    {
                        return Some(Self::$required);
                    }
                )*
                $(
                    if first == $wire.as_bytes()[0] && starts_with_key(segment, $wire) {
                        return Some(Self::$variant);
                    }
                )*
                None
            }
        }

        impl Parser<'_> {
            /// Reads and stores the value of a known key, checked against its kind and rule;
            /// returns where the segment ends.
            fn known_value(
                &mut self,
                segment: usize,
                name: Name,
                start: usize,
            ) -> Result<usize, Error> {
                let wire = name.as_str();
                let (span, end) =
                    decode(&mut self.specials, start, self.decode_area, &mut self.text)
                        .map_err(|defect| defect.into_error(segment, wire))?;
                self.found.claim(name)?;
                let text = self.text.as_str();
                let decoded = span.of(text);
                let found = &mut self.found;
                match name {
                    Name::SecretId => found.secret_id = span,
                    Name::CurrentTimeStamp => {
                        found.current_time_stamp = parse_u64(wire, decoded)?;
                    }
                    Name::ExpireTime => found.expire_time = parse_u64(wire, decoded)?,
                    Name::Random => found.random = parse_u32(wire, decoded)?,
                    $(
                        Name::$variant => {
                            let kept = values::$kind::read($wire, decoded, span)?;
                            ($rule)($wire, values::$kind::view(kept, text))?;
                            found.optional.$field = Some(kept);
                        }
                    )*
                }
                Ok(end)
            }
        }
    };
}

for_each_param!(define_key_reader);

/// `segment` starts with `name` followed by `=`.
fn starts_with_key(segment: &[u8], name: &str) -> bool {
    let name = name.as_bytes();
    segment.len() > name.len() && segment[..name.len()] == *name && segment[name.len()] == b'='
}

/// What a segment's key turned out to be.
enum Key {
    Known(Name),
    /// A key without a typed field, as decoded.
    Extra(Span),
}

/// The values found so far. Bit [`bit`] of `seen` is set once that key has been read;
/// a required value means something only when its bit is set.
#[derive(Default)]
struct Found {
    seen: u16,
    secret_id: Span,
    current_time_stamp: u64,
    expire_time: u64,
    random: u32,
    optional: OptionalFields,
}

impl Found {
    /// Marks `known` as read, refusing it the second time.
    fn claim(&mut self, name: Name) -> Result<(), Error> {
        if self.seen & bit(name) != 0 {
            return Err(duplicate(name.as_str().to_owned()));
        }
        self.seen |= bit(name);
        Ok(())
    }

    /// The first of the four required keys that was not read.
    fn first_missing(&self) -> Option<&'static str> {
        Name::REQUIRED
            .iter()
            .find(|&&name| self.seen & bit(name) == 0)
            .map(|name| name.as_str())
    }
}

/// `name`'s bit in [`Found`]'s record of the keys read.
fn bit(name: Name) -> u16 {
    1 << name as u16
}

// Every name has a bit of its own.
const _: () = assert!(Name::ALL.len() <= u16::BITS as usize);

/// A parameter given twice.
fn duplicate(name: String) -> Error {
    Error::DuplicateParameter { name }
}

struct Parser<'a> {
    original: &'a [u8],
    /// The same bytes, known to be UTF-8.
    original_text: &'a str,
    /// The `&`, `%` and `+` of the plaintext, found one window at a time as the parser moves.
    specials: Specials<'a>,
    decode_area: &'a mut [u8],
    /// The plaintext, then every decoded key or value that had escapes.
    text: String,
    found: Found,
    /// The names of the extra parameters read so far, once there is one.
    extra_names: Option<HashSet<Cow<'a, str>>>,
}

impl<'a> Parser<'a> {
    /// Parses the segment starting at `start` and returns where it ends (at its `&` or at
    /// the end of the plaintext).
    fn segment(&mut self, segment: usize, start: usize) -> Result<usize, Error> {
        // A segment that starts with no known key (an empty one too) is read by `key`.
        let (key, value_start) = match Name::at_start(&self.original[start..]) {
            Some(name) => (Key::Known(name), start + name.as_str().len() + 1),
            None => self.key(segment, start)?,
        };
        match key {
            Key::Known(known) => self.known_value(segment, known, value_start),
            Key::Extra(name) => self.extra_value(segment, name, value_start),
        }
    }

    /// Reads a key that is not a known one spelled plainly: the segment's shape, then the key
    /// decoded and looked up. Returns the key and where its value starts.
    fn key(&mut self, segment: usize, start: usize) -> Result<(Key, usize), Error> {
        let key_len = urlencoded::key_len(segment, &self.original[start..])?;
        let key_end = start + key_len;
        let mut key_specials = Specials::new(self.specials.bytes(), start, key_end);
        let decoded = decode(&mut key_specials, start, self.decode_area, &mut self.text);
        let (span, _) = decoded.map_err(|defect| {
            let raw_key = String::from_utf8_lossy(&self.original[start..key_end]);
            defect.into_error(segment, &raw_key)
        })?;
        let key = match Name::from_wire(span.of(&self.text)) {
            Some(name) => Key::Known(name),
            None => Key::Extra(span),
        };
        Ok((key, key_end + 1))
    }

    /// Reads an extra parameter's value and stores the pair; returns where the segment ends.
    fn extra_value(&mut self, segment: usize, name: Span, start: usize) -> Result<usize, Error> {
        // A name spelled plainly is a span of the plaintext, which outlives the parse
        // (decoded names are appended after it): borrowed, not copied.
        let name_text: Cow<'a, str> = if name.end() <= self.original_text.len() {
            Cow::Borrowed(name.of(self.original_text))
        } else {
            Cow::Owned(name.of(&self.text).to_owned())
        };
        let (value, end) = decode(&mut self.specials, start, self.decode_area, &mut self.text)
            .map_err(|defect| defect.into_error(segment, &name_text))?;
        // A set, not a scan of the names before: linear in the number of extra parameters.
        // Sized once for every segment left, so that no key is hashed twice.
        let names = self.extra_names.get_or_insert_with(|| {
            let segments_left = self.original[start..]
                .iter()
                .filter(|&&b| b == b'&')
                .count();
            HashSet::with_capacity(segments_left + 1)
        });
        if !names.insert(name_text) {
            return Err(duplicate(name.of(&self.text).to_owned()));
        }
        self.found.optional.extra.push((name, value));
        Ok(end)
    }

    /// The fields, once every segment is read and the four required values are there.
    fn finish(self) -> Result<Fields, Error> {
        if let Some(name) = self.found.first_missing() {
            return Err(Error::MissingParameter { name });
        }
        let Found {
            secret_id,
            current_time_stamp,
            expire_time,
            random,
            optional,
            ..
        } = self.found;
        Ok(Fields {
            text: self.text,
            original_len: self.original.len(),
            secret_id,
            current_time_stamp,
            expire_time,
            random,
            optional,
        })
    }
}

/// Decodes from `start` up to the first `&` or the end of `specials`: a span of the plaintext
/// itself when there is nothing to decode, else of the decoding appended to `text`. Returns
/// the span and where decoding stopped.
///
/// Always inlined (HACKING.md, "Fast paths"): called for every value, and returned through
/// memory its result costs a store and a load per call.
#[inline(always)]
fn decode(
    specials: &mut Specials<'_>,
    start: usize,
    decode_area: &mut [u8],
    text: &mut String,
) -> Result<(Span, usize), Defect> {
    let at = specials.next_from(start);
    if at == specials.end() || specials.bytes()[at] == b'&' {
        return Ok((Span::new(start, at), at));
    }
    let (len, read) = urlencoded::decode_into(specials, start, at, decode_area)?;
    let decoded = std::str::from_utf8(&decode_area[..len]).map_err(|_| Defect::BadUtf8)?;
    let span_start = text.len();
    text.push_str(decoded);
    Ok((Span::new(span_start, text.len()), read))
}

#[cfg(test)]
mod tests {
    use super::*;
    fn parse_text(plaintext: &str) -> Result<Fields, Error> {
        let mut buffer = plaintext.as_bytes().to_vec();
        buffer.resize(plaintext.len() + room_after(plaintext.len()), 0);
        parse(&mut buffer, plaintext.len())
    }

    #[test]
    fn the_first_missing_required_key_is_named_in_signing_order() {
        let missing = |plaintext| match parse_text(plaintext) {
            Err(Error::MissingParameter { name }) => name,
            other => panic!("{plaintext}: {other:?}"),
        };
        assert_eq!(
            missing("random=1&expireTime=2&currentTimeStamp=1"),
            "secretId"
        );
        assert_eq!(
            missing("random=1&expireTime=2&secretId=a"),
            "currentTimeStamp"
        );
        assert_eq!(
            missing("random=1&currentTimeStamp=1&secretId=a"),
            "expireTime"
        );
        assert_eq!(
            missing("expireTime=2&currentTimeStamp=1&secretId=a"),
            "random"
        );
        assert_eq!(missing("classId=1"), "secretId");
    }

    #[test]
    fn a_repeated_key_is_refused_after_its_value_is_decoded_and_before_it_is_read() {
        let base = "secretId=a&currentTimeStamp=1&expireTime=2&random=3";
        // A bad escape in the repeated value is reported, not the repetition.
        assert!(matches!(
            parse_text(&format!("{base}&random=%zz")),
            Err(Error::MalformedQuerystring { segment: 5, .. })
        ));
        // A repeated value that would not parse is still reported as repeated.
        assert_eq!(
            parse_text(&format!("{base}&random=x")),
            Err(Error::DuplicateParameter {
                name: "random".to_owned()
            })
        );
        // The same key spelled with an escape is the same key.
        assert_eq!(
            parse_text(&format!("{base}&r%61ndom=3")),
            Err(Error::DuplicateParameter {
                name: "random".to_owned()
            })
        );
        assert_eq!(parse_text(base).map(|fields| fields.random), Ok(3));
    }

    #[test]
    fn a_repeated_extra_name_is_found_among_many_however_it_is_spelled() {
        let base = "secretId=a&currentTimeStamp=1&expireTime=2&random=3";
        let many: String = (0..3000).map(|i| format!("&k{i}=")).collect();
        let fields = parse_text(&format!("{base}{many}")).expect("distinct names");
        assert_eq!(fields.optional.extra.len(), 3000);
        for (repeat, name) in [
            ("&k1234=again", "k1234"),
            // Spelled with escapes: decoded first, then the same name.
            ("&%6B7=x", "k7"),
            ("&k%31%32=x", "k12"),
        ] {
            assert_eq!(
                parse_text(&format!("{base}{many}{repeat}")).err(),
                Some(Error::DuplicateParameter {
                    name: name.to_owned()
                }),
                "{repeat}"
            );
        }
        // The first spelling escaped, the repeat plain.
        assert_eq!(
            parse_text(&format!("{base}&%78y=1&xy=2")).err(),
            Some(Error::DuplicateParameter {
                name: "xy".to_owned()
            })
        );
    }

    #[test]
    fn every_known_key_is_recognised_in_place_and_nothing_else() {
        for &name in Name::ALL {
            let wire = name.as_str();
            assert_eq!(Name::at_start(format!("{wire}=1").as_bytes()), Some(name));
            assert_eq!(Name::at_start(format!("{wire}=").as_bytes()), Some(name));
            assert_eq!(Name::at_start(wire.as_bytes()), None, "no '='");
            assert_eq!(Name::at_start(format!("{wire}x=1").as_bytes()), None);
            assert_eq!(Name::at_start(format!("{wire}&=1").as_bytes()), None);
        }
        assert_eq!(Name::at_start(b"secretid=1"), None);
        assert_eq!(Name::at_start(b"secret%49d=1"), None);
    }
}
