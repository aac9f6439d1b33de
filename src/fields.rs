//! Decoded pairs → typed fields: the four required values and the [`UploadParams`].

use std::borrow::Cow;

use crate::names::{
    CLASS_ID, CURRENT_TIME_STAMP, EXPIRE_TIME, ONE_TIME_VALID, PROCEDURE, RANDOM, SECRET_ID,
    SESSION_CONTEXT, SOURCE_CONTEXT, STORAGE_REGION, TASK_NOTIFY_MODE, TASK_PRIORITY,
    VOD_SUB_APP_ID,
};
use crate::params::{check_session_context, check_source_context, check_task_priority};
use crate::{Error, UploadParams, querystring};

/// Everything a signature's plaintext says: the four required values, the optional
/// parameters, and the plaintext itself.
///
/// Whether these fields can be trusted depends on where they came from: from
/// [`UnverifiedSignature`](crate::UnverifiedSignature) they are claims anyone could have
/// written; from [`VerifiedSignature`](crate::VerifiedSignature) the MAC, the SecretId and the
/// time window have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct SignatureFields {
    secret_id: String,
    current_time_stamp: u64,
    expire_time: u64,
    random: u32,
    #[cfg_attr(feature = "serde", serde(flatten))]
    params: UploadParams,
    #[cfg_attr(feature = "serde", serde(skip))]
    original: String,
}

impl SignatureFields {
    /// `secretId`: who signed.
    #[must_use]
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// `currentTimeStamp`: when it was signed (Unix seconds).
    #[must_use]
    pub fn current_time_stamp(&self) -> u64 {
        self.current_time_stamp
    }

    /// `expireTime`: when it stops being valid (Unix seconds).
    #[must_use]
    pub fn expire_time(&self) -> u64 {
        self.expire_time
    }

    /// `random`.
    #[must_use]
    pub fn random(&self) -> u32 {
        self.random
    }

    /// The optional parameters, including unknown ones in [`UploadParams::extra`].
    #[must_use]
    pub fn params(&self) -> &UploadParams {
        &self.params
    }

    /// The plaintext exactly as signed (still URL-encoded as its producer wrote it).
    #[must_use]
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The percent-decoded `(key, value)` pairs in the order the plaintext lists them.
    pub fn pairs(&self) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
        // The plaintext parsed without error when these fields were made, so no pair is lost.
        querystring::pairs(&self.original).filter_map(Result::ok)
    }

    /// Parses a plaintext into typed fields.
    pub(crate) fn parse(original: String) -> Result<Self, Error> {
        let mut secret_id = None;
        let mut current_time_stamp = None;
        let mut expire_time = None;
        let mut random = None;
        let mut params = UploadParams::default();

        for pair in querystring::pairs(&original) {
            let (key, value) = pair?;
            match key.as_ref() {
                SECRET_ID => set_once(&mut secret_id, SECRET_ID, || Ok(value.into_owned()))?,
                CURRENT_TIME_STAMP => {
                    set_once(&mut current_time_stamp, CURRENT_TIME_STAMP, || {
                        parse_u64(CURRENT_TIME_STAMP, &value)
                    })?
                }
                EXPIRE_TIME => set_once(&mut expire_time, EXPIRE_TIME, || {
                    parse_u64(EXPIRE_TIME, &value)
                })?,
                RANDOM => set_once(&mut random, RANDOM, || parse_u32(RANDOM, &value))?,
                CLASS_ID => set_once(&mut params.class_id, CLASS_ID, || {
                    parse_u64(CLASS_ID, &value)
                })?,
                PROCEDURE => set_once(&mut params.procedure, PROCEDURE, || Ok(value.into_owned()))?,
                TASK_PRIORITY => set_once(&mut params.task_priority, TASK_PRIORITY, || {
                    parse_task_priority(&value)
                })?,
                TASK_NOTIFY_MODE => {
                    set_once(&mut params.task_notify_mode, TASK_NOTIFY_MODE, || {
                        value.parse()
                    })?
                }
                SOURCE_CONTEXT => set_once(&mut params.source_context, SOURCE_CONTEXT, || {
                    check_source_context(&value).map(|()| value.into_owned())
                })?,
                SESSION_CONTEXT => set_once(&mut params.session_context, SESSION_CONTEXT, || {
                    check_session_context(&value).map(|()| value.into_owned())
                })?,
                ONE_TIME_VALID => set_once(&mut params.one_time_valid, ONE_TIME_VALID, || {
                    parse_flag(ONE_TIME_VALID, &value)
                })?,
                VOD_SUB_APP_ID => set_once(&mut params.vod_sub_app_id, VOD_SUB_APP_ID, || {
                    parse_u64(VOD_SUB_APP_ID, &value)
                })?,
                STORAGE_REGION => set_once(&mut params.storage_region, STORAGE_REGION, || {
                    Ok(value.into_owned())
                })?,
                _ => params.push_extra(key.into_owned(), value.into_owned())?,
            }
        }

        let missing = |name| Error::MissingParameter { name };
        Ok(Self {
            secret_id: secret_id.ok_or(missing(SECRET_ID))?,
            current_time_stamp: current_time_stamp.ok_or(missing(CURRENT_TIME_STAMP))?,
            expire_time: expire_time.ok_or(missing(EXPIRE_TIME))?,
            random: random.ok_or(missing(RANDOM))?,
            params,
            original,
        })
    }
}

/// Fills `slot` with the parsed value, refusing a parameter given twice before parsing it.
fn set_once<T>(
    slot: &mut Option<T>,
    name: &'static str,
    parse: impl FnOnce() -> Result<T, Error>,
) -> Result<(), Error> {
    if slot.is_some() {
        return Err(Error::DuplicateParameter {
            name: name.to_owned(),
        });
    }
    *slot = Some(parse()?);
    Ok(())
}

const DIGITS: &str = "an unsigned integer in plain ASCII digits";

/// Plain ASCII digits only: no sign, no fraction, no spaces, no overflow.
fn parse_u64(parameter: &'static str, value: &str) -> Result<u64, Error> {
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

fn parse_u32(parameter: &'static str, value: &str) -> Result<u32, Error> {
    let invalid = || Error::InvalidNumber {
        parameter,
        value: value.to_owned(),
        expected: "an integer within 0..=4294967295 in plain ASCII digits",
    };
    let number = parse_u64(parameter, value).map_err(|_| invalid())?;
    u32::try_from(number).map_err(|_| invalid())
}

/// An optional `-` then plain digits, within `-10..=10`.
fn parse_task_priority(value: &str) -> Result<i8, Error> {
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

fn parse_flag(parameter: &'static str, value: &str) -> Result<bool, Error> {
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
