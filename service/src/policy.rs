//! What every signature the service hands out allows: the service's configuration, read once
//! at start, never the caller's choice. It becomes the template of the library's
//! [`Signer`], built once, which signs every request.

use tencent_vod_signature::{Credentials, Signer, UploadSignature};

use crate::config::Config;

/// The parameters every signature carries besides the user's `sourceContext`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `expireTime - currentTimeStamp`, in seconds (`VOD_SIGNATURE_VALIDITY_SECS`).
    pub validity_secs: u64,
    /// `oneTimeValid`, when set (`VOD_ONE_TIME_VALID`).
    pub one_time_valid: Option<bool>,
    /// `procedure`, when set (`VOD_PROCEDURE`).
    pub procedure: Option<String>,
    /// `classId`, when set (`VOD_CLASS_ID`).
    pub class_id: Option<u64>,
    /// `vodSubAppId`, when set (`VOD_SUB_APP_ID`).
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
    /// The policy the configuration names.
    #[must_use]
    pub fn from_config(config: &Config) -> Self {
        Self {
            validity_secs: config.signature_validity_secs,
            one_time_valid: config.one_time_valid.as_deref().map(|value| value == "1"),
            procedure: config.procedure.clone().filter(|value| !value.is_empty()),
            class_id: config.class_id,
            sub_app_id: config.sub_app_id,
        }
    }

    /// The signer of this policy: `credentials` and the policy as its template. Each request
    /// adds `{"userId": user}` as the `sourceContext` that VOD echoes back in the upload's
    /// event.
    ///
    /// # Errors
    ///
    /// A message naming the parameter or the validity that breaks its limit: a policy that
    /// could never sign is refused at start.
    pub fn signer(&self, credentials: Credentials) -> Result<Signer, String> {
        let mut template = UploadSignature::new().validity_secs(self.validity_secs);
        if let Some(one_time) = self.one_time_valid {
            template = template.one_time_valid(one_time);
        }
        if let Some(procedure) = &self.procedure {
            template = template.procedure(procedure.clone());
        }
        if let Some(class_id) = self.class_id {
            template = template.class_id(class_id);
        }
        if let Some(sub_app_id) = self.sub_app_id {
            template = template.vod_sub_app_id(sub_app_id);
        }
        Signer::new(credentials, template).map_err(|error| {
            format!("the signature policy (VOD_SIGNATURE_VALIDITY_SECS, VOD_PROCEDURE, …): {error}")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> Credentials {
        Credentials::new(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        )
        .expect("credentials")
    }

    #[test]
    fn a_policy_that_could_never_sign_is_refused_naming_the_limit() {
        assert!(Policy::default().signer(credentials()).is_ok());
        for validity in [0, 7_776_001] {
            let policy = Policy {
                validity_secs: validity,
                ..Policy::default()
            };
            let error = policy.signer(credentials()).expect_err("out of limit");
            assert!(error.contains("VOD_SIGNATURE_VALIDITY_SECS"), "{error}");
        }
    }
}
