//! What every signature the service hands out allows: the service's configuration, read once
//! at start, never the caller's choice.

use serde_json::json;
use tencent_vod_signature::{Timestamp, UploadSignature};

/// The validity of the signatures handed out, in seconds (default 3600).
pub const VALIDITY_VARIABLE: &str = "VOD_SIGNATURE_VALIDITY_SECS";
/// `1` to make every signature one-time (`oneTimeValid=1`), `0` to write `oneTimeValid=0`;
/// unset, the parameter is left out (VOD's default: reusable until it expires).
pub const ONE_TIME_VARIABLE: &str = "VOD_ONE_TIME_VALID";
/// The task flow VOD runs after each upload (`procedure`); unset, none.
pub const PROCEDURE_VARIABLE: &str = "VOD_PROCEDURE";
/// The category of the uploaded media (`classId`); unset, VOD's default.
pub const CLASS_ID_VARIABLE: &str = "VOD_CLASS_ID";
/// The VOD application to upload into (`vodSubAppId`), which accounts opened after
/// 2023-12-25 must name; unset, the primary application.
pub const SUB_APP_ID_VARIABLE: &str = "VOD_SUB_APP_ID";

/// The parameters every signature carries besides the user's `sourceContext`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `expireTime - currentTimeStamp`, in seconds.
    pub validity_secs: u64,
    /// `oneTimeValid`, when set.
    pub one_time_valid: Option<bool>,
    /// `procedure`, when set.
    pub procedure: Option<String>,
    /// `classId`, when set.
    pub class_id: Option<u64>,
    /// `vodSubAppId`, when set.
    pub sub_app_id: Option<u64>,
}

impl Default for Policy {
    /// One hour, nothing else set.
    fn default() -> Self {
        Self {
            validity_secs: 3600,
            one_time_valid: None,
            procedure: None,
            class_id: None,
            sub_app_id: None,
        }
    }
}

impl Policy {
    /// The policy from the environment (see the `*_VARIABLE` constants).
    ///
    /// # Errors
    ///
    /// A message naming the variable whose value is not valid, or the limit a value breaks.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The policy from `lookup`, which gives a variable's value when it is set.
    ///
    /// # Errors
    ///
    /// As [`from_env`](Self::from_env).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut policy = Self::default();
        if let Some(value) = lookup(VALIDITY_VARIABLE) {
            policy.validity_secs = value
                .parse()
                .map_err(|_| format!("{VALIDITY_VARIABLE} is {value:?}, expected seconds"))?;
        }
        if let Some(value) = lookup(ONE_TIME_VARIABLE) {
            policy.one_time_valid = Some(match value.as_str() {
                "0" => false,
                "1" => true,
                _ => return Err(format!("{ONE_TIME_VARIABLE} is {value:?}, expected 0 or 1")),
            });
        }
        policy.procedure = lookup(PROCEDURE_VARIABLE).filter(|value| !value.is_empty());
        if let Some(value) = lookup(CLASS_ID_VARIABLE) {
            policy.class_id = Some(value.parse().map_err(|_| {
                format!("{CLASS_ID_VARIABLE} is {value:?}, expected an unsigned integer")
            })?);
        }
        if let Some(value) = lookup(SUB_APP_ID_VARIABLE) {
            policy.sub_app_id = Some(value.parse().map_err(|_| {
                format!("{SUB_APP_ID_VARIABLE} is {value:?}, expected an unsigned integer")
            })?);
        }
        // Every limit the crate checks when signing, checked once here.
        let probe = policy.builder_for("");
        probe
            .expire_time_at(Timestamp::from_secs(0))
            .map_err(|error| format!("{VALIDITY_VARIABLE}: {error}"))?;
        probe
            .params()
            .validate()
            .map_err(|error| error.to_string())?;
        Ok(policy)
    }

    /// The builder of a signature for `user`: this policy, and `{"userId": user}` as the
    /// `sourceContext` that VOD echoes back in the upload's event.
    pub fn builder_for(&self, user: &str) -> UploadSignature {
        let mut builder = UploadSignature::new()
            .validity_secs(self.validity_secs)
            .source_context(json!({ "userId": user }).to_string());
        if let Some(one_time) = self.one_time_valid {
            builder = builder.one_time_valid(one_time);
        }
        if let Some(procedure) = &self.procedure {
            builder = builder.procedure(procedure.clone());
        }
        if let Some(class_id) = self.class_id {
            builder = builder.class_id(class_id);
        }
        if let Some(sub_app_id) = self.sub_app_id {
            builder = builder.vod_sub_app_id(sub_app_id);
        }
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<Policy, String> {
        Policy::from_lookup(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn the_policy_comes_from_the_environment_with_its_limits_checked() {
        assert_eq!(from(&[]), Ok(Policy::default()));
        let policy = from(&[
            (VALIDITY_VARIABLE, "600"),
            (ONE_TIME_VARIABLE, "1"),
            (PROCEDURE_VARIABLE, "LongVideoPreset"),
            (CLASS_ID_VARIABLE, "7"),
            (SUB_APP_ID_VARIABLE, "1500012345"),
        ])
        .expect("valid");
        assert_eq!(
            policy,
            Policy {
                validity_secs: 600,
                one_time_valid: Some(true),
                procedure: Some("LongVideoPreset".to_owned()),
                class_id: Some(7),
                sub_app_id: Some(1_500_012_345),
            }
        );
        for (name, value, needle) in [
            (VALIDITY_VARIABLE, "7776001", "7776001"),
            (VALIDITY_VARIABLE, "0", VALIDITY_VARIABLE),
            (VALIDITY_VARIABLE, "1h", VALIDITY_VARIABLE),
            (ONE_TIME_VARIABLE, "true", ONE_TIME_VARIABLE),
            (CLASS_ID_VARIABLE, "-1", CLASS_ID_VARIABLE),
            (SUB_APP_ID_VARIABLE, "app", SUB_APP_ID_VARIABLE),
        ] {
            let error = from(&[(name, value)]).expect_err(value);
            assert!(error.contains(needle), "{error}");
        }
    }
}
