//! The kinds of value a parameter can hold, one module each: how such a value is kept by
//! [`UploadParams`](crate::params::UploadParams) and by the decoded fields, how it is written
//! into a plaintext and how long that can be, and how it is read back from one.
//!
//! Each row of the parameter table ([`for_each_param!`](crate::params::for_each_param)) names
//! one of these modules; every module has the same items, so the code generated from the
//! table is the same for every row.
//!
//! Numbers are read as plain ASCII digits only: no sign (but `taskPriority`'s `-`), no
//! fraction, no spaces, no overflow.

use crate::error::Error;
use crate::limits::check_task_priority;

/// Text, form-urlencoded on the wire; kept by the decoded fields as a span of their text.
pub(crate) mod text {
    use crate::codec::plaintext::Cursor;
    use crate::error::Error;
    use crate::fields::Span;

    pub(crate) type Owned = String;
    pub(crate) type Kept = Span;
    pub(crate) type Ref<'a> = &'a str;

    pub(crate) fn borrow(value: &Owned) -> Ref<'_> {
        value
    }
    pub(crate) fn view(kept: Kept, text: &str) -> Ref<'_> {
        kept.of(text)
    }
    pub(crate) fn to_owned(value: Ref<'_>) -> Owned {
        value.to_owned()
    }
    /// Every byte escaped.
    pub(crate) fn max_len(value: &Owned) -> usize {
        3 * value.len()
    }
    pub(crate) fn len(value: &Owned) -> usize {
        crate::codec::plaintext::encoded_len(value)
    }
    pub(crate) fn write(out: &mut Cursor<'_>, value: &Owned) {
        out.put_encoded(value);
    }
    #[allow(clippy::unnecessary_wraps)] // Every kind reads the same way.
    pub(crate) fn read(
        _parameter: &'static str,
        _decoded: &str,
        span: Span,
    ) -> Result<Kept, Error> {
        Ok(span)
    }
}

/// Define the items of a kind whose value is a small `Copy` type kept as it is.
macro_rules! copy_kind {
    ($kind:ident, $type:ty, $max_len:expr, $len:expr, $write:expr, $read:expr) => {
        pub(crate) mod $kind {
            use crate::codec::plaintext::Cursor;
            use crate::error::Error;
            use crate::fields::Span;

            pub(crate) type Owned = $type;
            pub(crate) type Kept = $type;
            pub(crate) type Ref<'a> = $type;

            pub(crate) fn borrow(value: &Owned) -> Ref<'_> {
                *value
            }
            pub(crate) fn view(kept: Kept, _text: &str) -> Ref<'_> {
                kept
            }
            pub(crate) fn to_owned(value: Ref<'_>) -> Owned {
                value
            }
            pub(crate) fn max_len(_value: &Owned) -> usize {
                $max_len
            }
            pub(crate) fn len(value: &Owned) -> usize {
                ($len)(*value)
            }
            pub(crate) fn write(out: &mut Cursor<'_>, value: &Owned) {
                ($write)(out, *value)
            }
            pub(crate) fn read(
                parameter: &'static str,
                decoded: &str,
                _span: Span,
            ) -> Result<Kept, Error> {
                ($read)(parameter, decoded)
            }
        }
    };
}

copy_kind!(
    number,
    u64,
    super::U64_DIGITS,
    super::digits,
    |out: &mut Cursor<'_>, value| out.put_u64(value),
    super::parse_u64
);
copy_kind!(
    priority,
    i8,
    "-10".len(),
    |value: i8| usize::from(value < 0) + super::digits(u64::from(value.unsigned_abs())),
    |out: &mut Cursor<'_>, value: i8| {
        if value < 0 {
            out.put(b"-");
        }
        out.put_u64(u64::from(value.unsigned_abs()));
    },
    |_, decoded| super::parse_task_priority(decoded)
);
copy_kind!(
    mode,
    crate::task_notify_mode::TaskNotifyMode,
    "Finish".len(),
    |value: crate::task_notify_mode::TaskNotifyMode| value.as_str().len(),
    |out: &mut Cursor<'_>, value: crate::task_notify_mode::TaskNotifyMode| out
        .put(value.as_str().as_bytes()),
    |_, decoded: &str| decoded.parse()
);
copy_kind!(
    flag,
    bool,
    1,
    |_| 1,
    |out: &mut Cursor<'_>, value| out.put(if value { b"1" } else { b"0" }),
    super::parse_flag
);

/// How many decimal digits `value` has.
pub(crate) fn digits(value: u64) -> usize {
    // `ilog10` of a u64 is at most 19: the cast keeps every bit.
    value.checked_ilog10().map_or(1, |log| log as usize + 1)
}

/// The most digits a `u64` has.
pub(crate) const U64_DIGITS: usize = 20;

/// The most digits a `u32` has.
pub(crate) const U32_DIGITS: usize = 10;

const DIGITS: &str = "an unsigned integer in plain ASCII digits";

const TASK_PRIORITY: &str = crate::params::Name::TaskPriority.as_str();
/// Plain ASCII digits only: no sign, no fraction, no spaces, no overflow.
pub(crate) fn parse_u64(parameter: &'static str, value: &str) -> Result<u64, Error> {
    let invalid = || Error::InvalidNumber {
        parameter,
        value: value.to_owned(),
        expected: DIGITS,
    };
    digits_value(value.as_bytes()).ok_or_else(invalid)
}

/// The number that one or more ASCII digits spell, unless it exceeds `u64`.
fn digits_value(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |number, &byte| {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        number.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

pub(crate) fn parse_u32(parameter: &'static str, value: &str) -> Result<u32, Error> {
    let invalid = || Error::InvalidNumber {
        parameter,
        value: value.to_owned(),
        expected: "an integer within 0..=4294967295 in plain ASCII digits",
    };
    let number = parse_u64(parameter, value).map_err(|_| invalid())?;
    u32::try_from(number).map_err(|_| invalid())
}

/// An optional `-` then plain digits, within `-10..=10`.
///
/// An integer of any size outside the range is [`Error::InvalidTaskPriority`]; anything else
/// that is not an integer is [`Error::InvalidNumber`].
pub(crate) fn parse_task_priority(value: &str) -> Result<i8, Error> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(Error::InvalidNumber {
            parameter: TASK_PRIORITY,
            value: value.to_owned(),
            expected: "an integer within -10..=10 in plain ASCII digits",
        });
    }
    // Plain digits with an optional '-': `i8`'s own parser reads exactly these.
    value
        .parse::<i8>()
        .ok()
        .and_then(|priority| check_task_priority(priority).ok())
        .ok_or_else(|| Error::InvalidTaskPriority {
            value: value.to_owned(),
        })
}

pub(crate) fn parse_flag(parameter: &'static str, value: &str) -> Result<bool, Error> {
    match value {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(Error::InvalidValue {
            parameter,
            value: value.to_owned(),
            expected: "0 or 1",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain_ascii_digits() {
        assert_eq!(parse_u64("classId", "0"), Ok(0));
        assert_eq!(parse_u64("classId", "007"), Ok(7));
        assert_eq!(parse_u64("classId", "18446744073709551615"), Ok(u64::MAX));
        // Nineteen digits (the unchecked path) and twenty with leading zeros (the checked).
        assert_eq!(
            parse_u64("classId", "9999999999999999999"),
            Ok(9_999_999_999_999_999_999)
        );
        assert_eq!(parse_u64("classId", "00000000000000000042"), Ok(42));
        assert_eq!(
            parse_u64("classId", "000000000018446744073709551615"),
            Ok(u64::MAX)
        );
        for bad in [
            "",
            "-1",
            "+1",
            "1.5",
            " 1",
            "1 ",
            "1e3",
            "0x10",
            "１",
            "18446744073709551616",
            "99999999999999999999",
            "1234567890123456789a",
            "123456789012345678a",
        ] {
            assert!(
                matches!(
                    parse_u64("classId", bad),
                    Err(Error::InvalidNumber {
                        parameter: "classId",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn random_is_a_u32() {
        assert_eq!(parse_u32("random", "4294967295"), Ok(u32::MAX));
        assert!(matches!(
            parse_u32("random", "4294967296"),
            Err(Error::InvalidNumber {
                parameter: "random",
                ..
            })
        ));
    }

    #[test]
    fn task_priority_takes_a_minus_sign_only() {
        assert_eq!(parse_task_priority("-10"), Ok(-10));
        assert_eq!(parse_task_priority("10"), Ok(10));
        assert_eq!(parse_task_priority("-0"), Ok(0));
        // Every integer outside the range, however large, is the same error.
        for out_of_range in [
            "11",
            "-11",
            "128",
            "99999",
            "99999999999999999999",
            "-9223372036854775809",
            "0000000000000000000000011",
        ] {
            assert_eq!(
                parse_task_priority(out_of_range),
                Err(Error::InvalidTaskPriority {
                    value: out_of_range.to_owned()
                }),
                "{out_of_range}"
            );
        }
        assert_eq!(parse_task_priority("007"), Ok(7), "leading zeros");
        for bad in ["+1", "--1", "-", "", "1-", "1.5", " 1", "１"] {
            assert!(
                matches!(
                    parse_task_priority(bad),
                    Err(Error::InvalidNumber {
                        parameter: "taskPriority",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn one_time_valid_is_zero_or_one() {
        assert_eq!(parse_flag("oneTimeValid", "0"), Ok(false));
        assert_eq!(parse_flag("oneTimeValid", "1"), Ok(true));
        for bad in ["2", "true", "", "01"] {
            assert!(matches!(
                parse_flag("oneTimeValid", bad),
                Err(Error::InvalidValue { .. })
            ));
        }
    }
}
