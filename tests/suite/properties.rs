//! Properties over arbitrary inputs: decode(sign(p)) == p, verify(sign(p)) succeeds, and
//! decoding or verifying anything never panics.

use crate::common::{KNOWN_NAMES, claimed, ts};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use tencent_vod_signature::{
    Credentials, TaskNotifyMode, UnverifiedSignature, UploadParams, UploadSignature,
};

fn text(max_chars: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..=max_chars).prop_map(String::from_iter)
}

fn extras() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((text(12), text(40)), 0..4).prop_map(|pairs| {
        let mut unique: Vec<(String, String)> = Vec::new();
        for (name, value) in pairs {
            if !name.is_empty()
                && !KNOWN_NAMES.contains(&name.as_str())
                && !unique.iter().any(|(n, _)| *n == name)
            {
                unique.push((name, value));
            }
        }
        unique
    })
}

prop_compose! {
    fn builders()(
        class_id in prop::option::of(any::<u64>()),
        procedure in prop::option::of(text(60)),
        task_priority in prop::option::of(-10i8..=10),
        mode in prop::option::of(prop_oneof![
            Just(TaskNotifyMode::Finish), Just(TaskNotifyMode::Change), Just(TaskNotifyMode::Silent)
        ]),
        source_context in prop::option::of(text(250)),
        session_context in prop::option::of(text(1000)),
        one_time_valid in prop::option::of(any::<bool>()),
        vod_sub_app_id in prop::option::of(any::<u64>()),
        storage_region in prop::option::of(text(30)),
        extra in extras(),
        validity in 1u64..=7_776_000,
    ) -> UploadSignature {
        let mut builder = UploadSignature::new().validity_secs(validity);
        if let Some(v) = class_id { builder = builder.class_id(v); }
        if let Some(v) = procedure { builder = builder.procedure(v); }
        if let Some(v) = task_priority { builder = builder.task_priority(v); }
        if let Some(v) = mode { builder = builder.task_notify_mode(v); }
        if let Some(v) = source_context { builder = builder.source_context(v); }
        if let Some(v) = session_context { builder = builder.session_context(v); }
        if let Some(v) = one_time_valid { builder = builder.one_time_valid(v); }
        if let Some(v) = vod_sub_app_id { builder = builder.vod_sub_app_id(v); }
        if let Some(v) = storage_region { builder = builder.storage_region(v); }
        for (name, value) in extra { builder = builder.param(name, value); }
        builder
    }
}

fn credentials(secret_id: &str) -> Credentials {
    Credentials::new(secret_id, "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE").expect("non-empty")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decode_of_sign_gives_back_the_parameters_and_verifies(
        builder in builders(),
        secret_id in text(40).prop_filter("non-empty", |s| !s.is_empty()),
        now in 0u64..=u64::MAX - 7_776_000,
        random in any::<u32>(),
    ) {
        let credentials = credentials(&secret_id);
        let signed = builder.sign_at(&credentials, ts(now), random).expect("within every limit");
        let decoded = UnverifiedSignature::decode(signed.as_str()).expect("decodes");
        let claims = decoded.untrusted_fields();
        prop_assert_eq!(claims.secret_id(), secret_id.as_str());
        prop_assert_eq!(claims.current_time_stamp(), now);
        prop_assert_eq!(claims.expire_time(), signed.expire_time());
        prop_assert_eq!(claims.random(), random);

        let strict = credentials.verifier().leeway_secs(0);
        let verified = strict.verify_at(signed.as_str(), ts(now)).expect("verifies at signing time");
        prop_assert_eq!(verified.fields(), claims);
        prop_assert_eq!(&verified.fields().to_params(), builder.params());
        // What the keyless decode claims is what was signed, too.
        let signed_params = UploadSignature::from(builder.params().clone())
            .sign_at(&credentials, ts(now), random)
            .expect("the same parameters sign again");
        let decoded_again = UnverifiedSignature::decode(signed_params.as_str()).expect("decodes");
        prop_assert_eq!(claimed(decoded_again.untrusted_fields()), claimed(claims));
        prop_assert_eq!(claims.pairs().count(), claims.original().split('&').count());
        prop_assert!(strict.verify_at(signed.as_str(), ts(signed.expire_time())).is_ok());
        prop_assert!(strict.verify_at(signed.as_str(), ts(signed.expire_time() + 1)).is_err());
    }

    #[test]
    fn sign_into_appends_exactly_what_sign_at_returns(
        builder in builders(),
        prefix in text(10),
        random in any::<u32>(),
    ) {
        let credentials = credentials("AKIDexample");
        let signed = builder.sign_at(&credentials, ts(1_700_000_000), random).expect("signs");
        let mut buffer = prefix.clone();
        let expire_time = builder.sign_into(&credentials, ts(1_700_000_000), random, &mut buffer).expect("signs");
        prop_assert_eq!(expire_time, signed.expire_time());
        prop_assert_eq!(buffer, format!("{prefix}{signed}"));
    }

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        let _ = UnverifiedSignature::decode(&input);
        let _ = credentials("AKIDexample").verify_at(&input, ts(1_700_000_000));
    }

    #[test]
    fn arbitrary_bytes_in_valid_base64_never_panic(payload in prop::collection::vec(any::<u8>(), 0..400)) {
        let signature = STANDARD.encode(&payload);
        let decoded = UnverifiedSignature::decode(&signature);
        if let Ok(decoded) = &decoded {
            prop_assert!(decoded.untrusted_fields().pairs().count() >= 4);
        }
        let _ = credentials("AKIDexample").verify_at(&signature, ts(1_700_000_000));
        if payload.len() < 21 {
            prop_assert!(decoded.is_err());
        }
    }

    #[test]
    fn querystring_shaped_plaintexts_never_panic(
        mac in prop::collection::vec(any::<u8>(), 20),
        body in "(secretId|currentTimeStamp|expireTime|random|taskPriority|oneTimeValid|taskNotifyMode|x|%|=|&|\\+|-|[0-9]|%[0-9a-fA-FzZ]{0,2}|[ -~]|视){0,60}",
    ) {
        let signature = STANDARD.encode([mac.as_slice(), body.as_bytes()].concat());
        if let Ok(decoded) = UnverifiedSignature::decode(&signature) {
            // What decodes re-reads as the same number of pairs.
            let fields = decoded.untrusted_fields();
            prop_assert_eq!(fields.pairs().count(), fields.original().split('&').count());
        }
        let _ = credentials("AKIDexample").verify_at(&signature, ts(1_700_000_000));
    }
}

#[test]
fn the_default_parameter_set_is_empty() {
    assert_eq!(UploadSignature::new().params(), &UploadParams::default());
}
