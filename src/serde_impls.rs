//! `serde` support (feature `serde`): the parameter set both ways, with the builder's
//! validation on the way in; decoded and verified signatures out. The key never serializes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{SignatureFields, TaskNotifyMode, UnverifiedSignature, UploadParams, UploadSignature};

/// The wire names, as in the signature's plaintext.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ParamsRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    class_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    procedure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    task_priority: Option<i8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    task_notify_mode: Option<TaskNotifyMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    one_time_valid: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vod_sub_app_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    storage_region: Option<String>,
    /// Extra parameters as `[name, value]` pairs, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    extra: Vec<(String, String)>,
}

impl Serialize for UploadParams {
    /// A map with the parameters' wire names (`classId`, `sourceContext`, ...); parameters
    /// that are not set are left out; extra ones go in `extra` as `[name, value]` pairs.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ParamsRepr {
            class_id: self.class_id,
            procedure: self.procedure.clone(),
            task_priority: self.task_priority,
            task_notify_mode: self.task_notify_mode,
            source_context: self.source_context.clone(),
            session_context: self.session_context.clone(),
            one_time_valid: self.one_time_valid,
            vod_sub_app_id: self.vod_sub_app_id,
            storage_region: self.storage_region.clone(),
            extra: self.extra.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for UploadParams {
    /// The inverse of `Serialize`, through the builder's setters: a value outside its limit,
    /// an unknown field or a reserved or repeated extra name is an error naming it.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = ParamsRepr::deserialize(deserializer)?;
        build(repr)
            .map(|builder| builder.params().clone())
            .map_err(serde::de::Error::custom)
    }
}

fn build(repr: ParamsRepr) -> Result<UploadSignature, crate::Error> {
    let mut builder = UploadSignature::new();
    if let Some(value) = repr.class_id {
        builder = builder.class_id(value);
    }
    if let Some(value) = repr.procedure {
        builder = builder.procedure(value);
    }
    if let Some(value) = repr.task_priority {
        builder = builder.task_priority(value)?;
    }
    if let Some(value) = repr.task_notify_mode {
        builder = builder.task_notify_mode(value);
    }
    if let Some(value) = repr.source_context {
        builder = builder.source_context(value)?;
    }
    if let Some(value) = repr.session_context {
        builder = builder.session_context(value)?;
    }
    if let Some(value) = repr.one_time_valid {
        builder = builder.one_time_valid(value);
    }
    if let Some(value) = repr.vod_sub_app_id {
        builder = builder.vod_sub_app_id(value);
    }
    if let Some(value) = repr.storage_region {
        builder = builder.storage_region(value);
    }
    for (name, value) in repr.extra {
        builder = builder.param(name, value)?;
    }
    Ok(builder)
}

impl Serialize for SignatureFields {
    /// `secretId`, `currentTimeStamp`, `expireTime` and `random`, then the optional parameters
    /// as [`UploadParams`] serializes them, in one map; the plaintext itself is left out.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Repr<'a> {
            secret_id: &'a str,
            current_time_stamp: u64,
            expire_time: u64,
            random: u32,
            #[serde(flatten)]
            params: UploadParams,
        }
        Repr {
            secret_id: self.secret_id(),
            current_time_stamp: self.current_time_stamp(),
            expire_time: self.expire_time(),
            random: self.random(),
            params: self.to_params(),
        }
        .serialize(serializer)
    }
}

impl Serialize for UnverifiedSignature {
    /// `{"verified": false, "fields": {...}}`: the claims, marked as unverified.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Repr<'a> {
            verified: bool,
            fields: &'a crate::SignatureFields,
        }
        Repr {
            verified: false,
            fields: self.untrusted_fields(),
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn parameters_round_trip_through_json() {
        let params = UploadSignature::new()
            .class_id(7)
            .procedure("P")
            .task_priority(-3)
            .and_then(|b| b.source_context("视频"))
            .and_then(|b| b.param("isTranscode", "1"))
            .map(|b| {
                b.task_notify_mode(TaskNotifyMode::Change)
                    .one_time_valid(true)
            })
            .map(|b| b.params().clone())
            .expect("valid");
        let json = serde_json::to_string(&params).expect("serializes");
        assert_eq!(
            json,
            r#"{"classId":7,"procedure":"P","taskPriority":-3,"taskNotifyMode":"Change","sourceContext":"视频","oneTimeValid":true,"extra":[["isTranscode","1"]]}"#
        );
        let back: UploadParams = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, params);
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
}
