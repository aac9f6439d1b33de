//! The plaintext → [`SignatureFields`], in one pass.
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

use crate::Error;
use crate::fields::{OptionalFields, SignatureFields, Span};
use crate::names::{
    CLASS_ID, CURRENT_TIME_STAMP, EXPIRE_TIME, ONE_TIME_VALID, PROCEDURE, RANDOM, SECRET_ID,
    SESSION_CONTEXT, SOURCE_CONTEXT, STORAGE_REGION, TASK_NOTIFY_MODE, TASK_PRIORITY,
    VOD_SUB_APP_ID,
};
use crate::params::{check_session_context, check_source_context};
use crate::querystring::{self, Defect};
use crate::scan::Specials;
use crate::values::{parse_flag, parse_task_priority, parse_u32, parse_u64};

/// Parses the plaintext `bytes[..len]` into typed fields.
///
/// Whatever follows the plaintext in `bytes` is read but never used: with at least
/// [`WINDOW`](crate::scan::WINDOW) bytes there, the search for special bytes never copies
/// the plaintext's last window. `decode_area` is where values with escapes are decoded
/// before they are appended to the fields' text; it must be at least `len + DECODE_SLACK`
/// bytes long.
pub(crate) fn parse(
    bytes: &[u8],
    len: usize,
    decode_area: &mut [u8],
) -> Result<SignatureFields, Error> {
    let original = &bytes[..len];
    let Ok(original_text) = std::str::from_utf8(original) else {
        return Err(Error::BadUtf8 { parameter: None });
    };
    // Decoded values are never longer than the plaintext they come from.
    let mut text = String::with_capacity(2 * original.len());
    text.push_str(original_text);
    let mut parser = Parser {
        original,
        specials: Specials::new(bytes, 0, len),
        decode_area,
        text,
        found: Found::default(),
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

/// A key the crate has a typed field for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    SecretId,
    CurrentTimeStamp,
    ExpireTime,
    Random,
    ClassId,
    Procedure,
    TaskPriority,
    TaskNotifyMode,
    SourceContext,
    SessionContext,
    OneTimeValid,
    VodSubAppId,
    StorageRegion,
}

impl Known {
    /// In the order of [`KNOWN`].
    const ALL: [Self; 13] = [
        Self::SecretId,
        Self::CurrentTimeStamp,
        Self::ExpireTime,
        Self::Random,
        Self::ClassId,
        Self::Procedure,
        Self::TaskPriority,
        Self::TaskNotifyMode,
        Self::SourceContext,
        Self::SessionContext,
        Self::OneTimeValid,
        Self::VodSubAppId,
        Self::StorageRegion,
    ];

    /// This key's bit in [`Found`]'s record of the keys read.
    fn bit(self) -> u16 {
        1 << self as u16
    }

    fn name(self) -> &'static str {
        match self {
            Self::SecretId => SECRET_ID,
            Self::CurrentTimeStamp => CURRENT_TIME_STAMP,
            Self::ExpireTime => EXPIRE_TIME,
            Self::Random => RANDOM,
            Self::ClassId => CLASS_ID,
            Self::Procedure => PROCEDURE,
            Self::TaskPriority => TASK_PRIORITY,
            Self::TaskNotifyMode => TASK_NOTIFY_MODE,
            Self::SourceContext => SOURCE_CONTEXT,
            Self::SessionContext => SESSION_CONTEXT,
            Self::OneTimeValid => ONE_TIME_VALID,
            Self::VodSubAppId => VOD_SUB_APP_ID,
            Self::StorageRegion => STORAGE_REGION,
        }
    }

    /// The known key a decoded key names.
    fn named(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|known| known.name() == key)
    }

    /// The known key that `segment` starts with, spelled plainly and followed by `=`.
    fn at_start(segment: &[u8]) -> Option<Self> {
        // Chosen by the first byte, then compared with constant names (compiled inline).
        let is = |name| starts_with_key(segment, name);
        let known = match segment.first()? {
            b's' if is(SECRET_ID) => Self::SecretId,
            b's' if is(SOURCE_CONTEXT) => Self::SourceContext,
            b's' if is(SESSION_CONTEXT) => Self::SessionContext,
            b's' if is(STORAGE_REGION) => Self::StorageRegion,
            b'c' if is(CURRENT_TIME_STAMP) => Self::CurrentTimeStamp,
            b'c' if is(CLASS_ID) => Self::ClassId,
            b'e' if is(EXPIRE_TIME) => Self::ExpireTime,
            b'r' if is(RANDOM) => Self::Random,
            b'p' if is(PROCEDURE) => Self::Procedure,
            b't' if is(TASK_PRIORITY) => Self::TaskPriority,
            b't' if is(TASK_NOTIFY_MODE) => Self::TaskNotifyMode,
            b'o' if is(ONE_TIME_VALID) => Self::OneTimeValid,
            b'v' if is(VOD_SUB_APP_ID) => Self::VodSubAppId,
            _ => return None,
        };
        Some(known)
    }
}

/// `segment` starts with `name` followed by `=`.
#[inline(always)]
fn starts_with_key(segment: &[u8], name: &str) -> bool {
    let name = name.as_bytes();
    segment.len() > name.len() && segment[..name.len()] == *name && segment[name.len()] == b'='
}

/// What a segment's key turned out to be.
enum Key {
    Known(Known),
    /// A key without a typed field, as decoded.
    Extra(Span),
}

/// The values found so far. Bit [`Known::bit`] of `seen` is set once that key has been read;
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
    fn claim(&mut self, known: Known) -> Result<(), Error> {
        if self.seen & known.bit() != 0 {
            return Err(duplicate(known.name().to_owned()));
        }
        self.seen |= known.bit();
        Ok(())
    }

    /// The first of the four required keys that was not read.
    fn first_missing(&self) -> Option<&'static str> {
        [
            Known::SecretId,
            Known::CurrentTimeStamp,
            Known::ExpireTime,
            Known::Random,
        ]
        .into_iter()
        .find(|known| self.seen & known.bit() == 0)
        .map(Known::name)
    }
}

/// A parameter given twice. Out of line: building it is never the common path.
#[cold]
#[inline(never)]
fn duplicate(name: String) -> Error {
    Error::DuplicateParameter { name }
}

struct Parser<'a> {
    original: &'a [u8],
    /// The `&`, `%` and `+` of the plaintext, found one window at a time as the parser moves.
    specials: Specials<'a>,
    decode_area: &'a mut [u8],
    /// The plaintext, then every decoded key or value that had escapes.
    text: String,
    found: Found,
}

impl Parser<'_> {
    /// Parses the segment starting at `start` and returns where it ends (at its `&` or at
    /// the end of the plaintext).
    #[inline(always)]
    fn segment(&mut self, segment: usize, start: usize) -> Result<usize, Error> {
        // A segment that starts with no known key (an empty one too) is read by `key`.
        let (key, value_start) = match Known::at_start(&self.original[start..]) {
            Some(known) => (Key::Known(known), start + known.name().len() + 1),
            None => self.key(segment, start)?,
        };
        match key {
            Key::Known(known) => self.known_value(segment, known, value_start),
            Key::Extra(name) => self.extra_value(segment, name, value_start),
        }
    }

    /// Reads a key that is not a known one spelled plainly: the segment's shape, then the key
    /// decoded and looked up. Returns the key and where its value starts. Out of line: real
    /// producers spell known keys plainly, so this is the rare path.
    #[inline(never)]
    fn key(&mut self, segment: usize, start: usize) -> Result<(Key, usize), Error> {
        let key_len = querystring::key_len(segment, &self.original[start..])?;
        let key_end = start + key_len;
        let mut key_specials = Specials::new(self.specials.bytes(), start, key_end);
        let decoded = decode(&mut key_specials, start, self.decode_area, &mut self.text);
        let (span, _) = decoded.map_err(|defect| {
            let raw_key = String::from_utf8_lossy(&self.original[start..key_end]);
            defect.into_error(segment, &raw_key)
        })?;
        let key = match Known::named(span.of(&self.text)) {
            Some(known) => Key::Known(known),
            None => Key::Extra(span),
        };
        Ok((key, key_end + 1))
    }

    /// Reads and stores the value of a known key; returns where the segment ends.
    #[inline(always)]
    fn known_value(&mut self, segment: usize, known: Known, start: usize) -> Result<usize, Error> {
        let name = known.name();
        let (span, end) = decode(&mut self.specials, start, self.decode_area, &mut self.text)
            .map_err(|defect| defect.into_error(segment, name))?;
        self.found.claim(known)?;
        let text = span.of(&self.text);
        let found = &mut self.found;
        let optional = &mut found.optional;
        match known {
            Known::SecretId => found.secret_id = span,
            Known::CurrentTimeStamp => found.current_time_stamp = parse_u64(name, text)?,
            Known::ExpireTime => found.expire_time = parse_u64(name, text)?,
            Known::Random => found.random = parse_u32(name, text)?,
            Known::ClassId => optional.class_id = Some(parse_u64(name, text)?),
            Known::VodSubAppId => optional.vod_sub_app_id = Some(parse_u64(name, text)?),
            Known::Procedure => optional.procedure = Some(span),
            Known::StorageRegion => optional.storage_region = Some(span),
            Known::SourceContext => {
                check_source_context(text)?;
                optional.source_context = Some(span);
            }
            Known::SessionContext => {
                check_session_context(text)?;
                optional.session_context = Some(span);
            }
            Known::TaskPriority => optional.task_priority = Some(parse_task_priority(text)?),
            Known::TaskNotifyMode => optional.task_notify_mode = Some(text.parse()?),
            Known::OneTimeValid => optional.one_time_valid = Some(parse_flag(name, text)?),
        }
        Ok(end)
    }

    /// Reads an extra parameter's value and stores the pair; returns where the segment ends.
    #[inline(never)]
    fn extra_value(&mut self, segment: usize, name: Span, start: usize) -> Result<usize, Error> {
        let name_text = name.of(&self.text).to_owned();
        let (value, end) = decode(&mut self.specials, start, self.decode_area, &mut self.text)
            .map_err(|defect| defect.into_error(segment, &name_text))?;
        let extra = &self.found.optional.extra;
        if extra
            .iter()
            .any(|&(existing, _)| existing.of(&self.text) == name_text)
        {
            return Err(duplicate(name_text));
        }
        self.found.optional.extra.push((name, value));
        Ok(end)
    }

    /// The fields, once every segment is read and the four required values are there.
    fn finish(self) -> Result<SignatureFields, Error> {
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
        Ok(SignatureFields {
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
/// Always inlined: returned through memory, its result cost a stall per call.
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
    let (len, read) = querystring::decode_into(specials, start, at, decode_area)?;
    let decoded = std::str::from_utf8(&decode_area[..len]).map_err(|_| Defect::BadUtf8)?;
    let span_start = text.len();
    text.push_str(decoded);
    Ok((Span::new(span_start, text.len()), read))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::KNOWN;

    fn parse_text(plaintext: &str) -> Result<SignatureFields, Error> {
        let mut padded = plaintext.as_bytes().to_vec();
        padded.resize(plaintext.len() + crate::scan::WINDOW, 0);
        let mut decode_area = vec![0; plaintext.len() + querystring::DECODE_SLACK];
        parse(&padded, plaintext.len(), &mut decode_area)
    }

    #[test]
    fn the_first_missing_required_key_is_named_in_signing_order() {
        let missing = |plaintext| match parse_text(plaintext) {
            Err(Error::MissingParameter { name }) => name,
            other => panic!("{plaintext}: {other:?}"),
        };
        assert_eq!(
            missing("random=1&expireTime=2&currentTimeStamp=1"),
            SECRET_ID
        );
        assert_eq!(
            missing("random=1&expireTime=2&secretId=a"),
            CURRENT_TIME_STAMP
        );
        assert_eq!(
            missing("random=1&currentTimeStamp=1&secretId=a"),
            EXPIRE_TIME
        );
        assert_eq!(
            missing("expireTime=2&currentTimeStamp=1&secretId=a"),
            RANDOM
        );
        assert_eq!(missing("classId=1"), SECRET_ID);
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
                name: RANDOM.to_owned()
            })
        );
        // The same key spelled with an escape is the same key.
        assert_eq!(
            parse_text(&format!("{base}&r%61ndom=3")),
            Err(Error::DuplicateParameter {
                name: RANDOM.to_owned()
            })
        );
        assert_eq!(parse_text(base).map(|fields| fields.random()), Ok(3));
    }

    #[test]
    fn known_keys_are_listed_once_in_the_order_of_known() {
        assert_eq!(Known::ALL.map(Known::name), KNOWN);
    }

    #[test]
    fn every_known_key_is_recognised_in_place_and_nothing_else() {
        for known in Known::ALL {
            let name = known.name();
            assert_eq!(Known::at_start(format!("{name}=1").as_bytes()), Some(known));
            assert_eq!(Known::at_start(format!("{name}=").as_bytes()), Some(known));
            assert_eq!(Known::at_start(name.as_bytes()), None, "no '='");
            assert_eq!(Known::at_start(format!("{name}x=1").as_bytes()), None);
            assert_eq!(Known::at_start(format!("{name}&=1").as_bytes()), None);
            assert_eq!(Known::named(name), Some(known));
        }
        assert_eq!(Known::at_start(b"secretid=1"), None);
        assert_eq!(Known::at_start(b"secret%49d=1"), None);
        assert_eq!(Known::named("secretid"), None);
    }
}
