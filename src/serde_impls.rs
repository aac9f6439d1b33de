//! `serde` support (feature `serde`): the parameter set both ways, with the signer's checks
//! on the way in; decoded and verified signatures out. The key never serializes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codec::values;
use crate::decode::UnverifiedSignature;
use crate::fields::Fields;
use crate::params::{UploadParams, for_each_param};
use crate::verify::{SignatureFields, VerifiedSignature};

/// Defines [`ParamsRepr`], the wire names of the parameter table, and its conversions.
macro_rules! define_repr {
    (
        required: $required:tt,
        optional: [$((
            $variant:ident, $wire:literal, $field:ident, $kind:ident, $argument:ty,
            $rule:expr, $meaning:literal
        )),* $(,)?],
    ) => {
        /// The optional parameters under their wire names, as in the signature's plaintext.
        #[derive(Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct ParamsRepr {
            $(
                #[serde(rename = $wire, default, skip_serializing_if = "Option::is_none")]
                $field: Option<values::$kind::Owned>,
            )*
            /// Extra parameters as `[name, value]` pairs, in order.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            extra: Vec<(String, String)>,
        }

        impl From<UploadParams> for ParamsRepr {
            fn from(params: UploadParams) -> Self {
                Self {
                    $($field: params.$field,)*
                    extra: params.extra,
                }
            }
        }

        impl From<ParamsRepr> for UploadParams {
            fn from(repr: ParamsRepr) -> Self {
                Self {
                    $($field: repr.$field,)*
                    extra: repr.extra,
                }
            }
        }
    };
}

for_each_param!(define_repr);

impl Serialize for UploadParams {
    /// A map with the parameters' wire names (`classId`, `sourceContext`, ...); parameters
    /// that are not set are left out; extra ones go in `extra` as `[name, value]` pairs.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ParamsRepr::from(self.clone()).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for UploadParams {
    /// The inverse of `Serialize`, then [`UploadParams::validate`]: a value outside its
    /// limit, an unknown field or a reserved or repeated extra name is an error naming it.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let params = Self::from(ParamsRepr::deserialize(deserializer)?);
        params.validate().map_err(serde::de::Error::custom)?;
        Ok(params)
    }
}

/// `secretId`, `currentTimeStamp`, `expireTime` and `random`, then the optional parameters
/// as [`UploadParams`] serializes them, in one map; the plaintext itself is left out.
fn serialize_fields<S: Serializer>(fields: &Fields, serializer: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Repr<'a> {
        secret_id: &'a str,
        current_time_stamp: u64,
        expire_time: u64,
        random: u32,
        #[serde(flatten)]
        params: ParamsRepr,
    }
    Repr {
        secret_id: fields.secret_id.of(&fields.text),
        current_time_stamp: fields.current_time_stamp,
        expire_time: fields.expire_time,
        random: fields.random,
        params: ParamsRepr::from(fields.params()),
    }
    .serialize(serializer)
}

impl Serialize for SignatureFields {
    /// The verified fields as one map: see [`UploadParams`] for the optional ones.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_fields(&self.0, serializer)
    }
}

impl Serialize for VerifiedSignature {
    /// The verified fields, as [`SignatureFields`] serializes them.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.fields().serialize(serializer)
    }
}

impl Serialize for UnverifiedSignature {
    /// `{"verified": false, "fields": {...}}`: the claims, marked as unverified.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Claims<'a>(&'a Fields);
        impl Serialize for Claims<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serialize_fields(self.0, serializer)
            }
        }
        #[derive(Serialize)]
        struct Repr<'a> {
            verified: bool,
            fields: Claims<'a>,
        }
        Repr {
            verified: false,
            fields: Claims(&self.untrusted_fields().0),
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::sign::UploadSignature;
    use crate::task_notify_mode::TaskNotifyMode;

    #[test]
    fn parameters_round_trip_through_json() {
        let params = UploadSignature::new()
            .class_id(7)
            .procedure("P")
            .task_priority(-3)
            .source_context("视频")
            .param("isTranscode", "1")
            .task_notify_mode(TaskNotifyMode::Change)
            .one_time_valid(true)
            .params()
            .clone();
        let json = serde_json::to_string(&params).expect("serializes");
        assert_eq!(
            json,
            r#"{"classId":7,"procedure":"P","taskPriority":-3,"taskNotifyMode":"Change","sourceContext":"视频","oneTimeValid":true,"extra":[["isTranscode","1"]]}"#
        );
        let back: UploadParams = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, params);
        assert_eq!(
            serde_json::to_string(&TaskNotifyMode::Silent)
                .ok()
                .as_deref(),
            Some(r#""None""#),
            "written as on the wire"
        );
        assert_eq!(
            serde_json::to_string(&UploadParams::default())
                .ok()
                .as_deref(),
            Some("{}")
        );
    }

    #[test]
    fn deserializing_applies_the_builders_limits() {
        let long = format!(r#"{{"sourceContext":"{}"}}"#, "x".repeat(251));
        let error = serde_json::from_str::<UploadParams>(&long).expect_err("too long");
        let expected = Error::TextTooLong {
            parameter: "sourceContext",
            max_chars: 250,
            chars: 251,
        };
        assert!(error.to_string().contains(&expected.to_string()), "{error}");
        for (json, needle) in [
            (r#"{"taskPriority":11}"#, "taskPriority"),
            (r#"{"taskNotifyMode":"finish"}"#, "finish"),
            (r#"{"extra":[["classId","1"]]}"#, "classId"),
            (r#"{"extra":[["a","1"],["a","2"]]}"#, "\"a\""),
            (r#"{"bogus":1}"#, "bogus"),
        ] {
            let error = serde_json::from_str::<UploadParams>(json).expect_err(json);
            assert!(error.to_string().contains(needle), "{json}: {error}");
        }
    }

    #[test]
    fn a_keyless_decode_serializes_marked_as_unverified_and_unlike_verified_fields() {
        let credentials = crate::credentials::Credentials::new(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        )
        .expect("credentials");
        let now = crate::time::Timestamp::from_secs(1_700_000_000);
        let signed = UploadSignature::new()
            .class_id(7)
            .source_context("u")
            .sign_at(&credentials, now, 42)
            .expect("signs");
        let fields = r#"{"secretId":"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE","currentTimeStamp":1700000000,"expireTime":1700086400,"random":42,"classId":7,"sourceContext":"u"}"#;
        let verified = credentials
            .verify_at(signed.as_str(), now)
            .expect("verifies");
        assert_eq!(
            serde_json::to_string(&verified).ok().as_deref(),
            Some(fields)
        );
        assert_eq!(
            serde_json::to_string(verified.fields()).ok().as_deref(),
            Some(fields)
        );
        let decoded = UnverifiedSignature::decode(signed.as_str()).expect("decodes");
        assert_eq!(
            serde_json::to_string(&decoded).ok(),
            Some(format!(r#"{{"verified":false,"fields":{fields}}}"#))
        );
    }
}
