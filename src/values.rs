//! A decoded value's text → its typed value: plain ASCII digits, `taskPriority`, flags.

use crate::Error;
use crate::names::TASK_PRIORITY;
use crate::params::check_task_priority;

const DIGITS: &str = "an unsigned integer in plain ASCII digits";

/// Plain ASCII digits only: no sign, no fraction, no spaces, no overflow.
pub(crate) fn parse_u64(parameter: &'static str, value: &str) -> Result<u64, Error> {
    let invalid = || Error::InvalidNumber {
        parameter,
        value: value.to_owned(),
        expected: DIGITS,
    };
    if value.is_empty() {
        return Err(invalid());
    }
    let mut number = 0u64;
    for byte in value.bytes() {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return Err(invalid());
        }
        number = number
            .checked_mul(10)
            .and_then(|number| number.checked_add(u64::from(digit)))
            .ok_or_else(invalid)?;
    }
    Ok(number)
}

/// The number in the plain ASCII digits at the start of `bytes` and how many digits there
/// are, when one to nineteen digits run up to an `&` or the end of `bytes` (nineteen digits
/// cannot overflow a `u64`). `None` for anything else, which [`parse_u64`] then decides with
/// the exact error or value.
pub(crate) fn leading_number(bytes: &[u8]) -> Option<(u64, usize)> {
    const MAX_DIGITS: usize = 19;
    let mut number = 0u64;
    for (count, &byte) in bytes.iter().enumerate().take(MAX_DIGITS + 1) {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return (byte == b'&' && count > 0).then_some((number, count));
        }
        if count == MAX_DIGITS {
            return None;
        }
        number = number * 10 + u64::from(digit);
    }
    // All of `bytes` were digits, and there were at most nineteen of them.
    (!bytes.is_empty()).then_some((number, bytes.len()))
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
pub(crate) fn parse_task_priority(value: &str) -> Result<i8, Error> {
    let (negative, digits) = match value.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, value),
    };
    let invalid = || Error::InvalidNumber {
        parameter: TASK_PRIORITY,
        value: value.to_owned(),
        expected: "an integer within -10..=10 in plain ASCII digits",
    };
    let magnitude = parse_u64(TASK_PRIORITY, digits).map_err(|_| invalid())?;
    let magnitude = i64::try_from(magnitude).map_err(|_| invalid())?;
    check_task_priority(if negative { -magnitude } else { magnitude })
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
    fn leading_numbers_agree_with_parse_u64_or_defer_to_it() {
        assert_eq!(
            leading_number(b"1700000000&expireTime=1"),
            Some((1_700_000_000, 10))
        );
        assert_eq!(leading_number(b"0"), Some((0, 1)));
        assert_eq!(leading_number(b"007&"), Some((7, 3)));
        assert_eq!(
            leading_number(b"9999999999999999999"),
            Some((9_999_999_999_999_999_999, 19))
        );
        // Deferred: twenty digits, nothing, a stray byte, an escaped digit, a sign.
        for deferred in [
            &b"18446744073709551615"[..],
            b"10000000000000000000&",
            b"",
            b"&",
            b"12a&",
            b"12 ",
            b"%31",
            b"-1",
            b"1+",
        ] {
            assert_eq!(leading_number(deferred), None, "{deferred:?}");
        }
    }

    #[test]
    fn numbers_are_plain_ascii_digits() {
        assert_eq!(parse_u64("classId", "0"), Ok(0));
        assert_eq!(parse_u64("classId", "007"), Ok(7));
        assert_eq!(parse_u64("classId", "18446744073709551615"), Ok(u64::MAX));
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
        assert_eq!(
            parse_task_priority("11"),
            Err(Error::InvalidTaskPriority { value: 11 })
        );
        assert_eq!(
            parse_task_priority("-11"),
            Err(Error::InvalidTaskPriority { value: -11 })
        );
        for bad in [
            "+1",
            "--1",
            "-",
            "",
            "1-",
            "99999999999999999999",
            "-9223372036854775808",
        ] {
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
