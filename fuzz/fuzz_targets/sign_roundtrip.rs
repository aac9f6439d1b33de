//! Building and signing arbitrary parameter sets: whatever passes the signer's checks signs,
//! decodes back to the same set and verifies; what fails them fails with a limit's error.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tencent_vod_signature::{
    Credentials, Error, TaskNotifyMode, Timestamp, UnverifiedSignature, UploadSignature,
};

#[derive(Arbitrary, Debug)]
struct Input {
    secret_id: String,
    secret_key: String,
    class_id: Option<u64>,
    procedure: Option<String>,
    task_priority: Option<i8>,
    task_notify_mode: Option<u8>,
    source_context: Option<String>,
    session_context: Option<String>,
    one_time_valid: Option<bool>,
    vod_sub_app_id: Option<u64>,
    storage_region: Option<String>,
    extra: Vec<(String, String)>,
    validity: Option<u64>,
    expire_time: Option<u64>,
    now: u64,
    random: u32,
}

fn build(input: &Input) -> UploadSignature {
    let mut builder = UploadSignature::new();
    if let Some(value) = input.class_id {
        builder = builder.class_id(value);
    }
    if let Some(value) = &input.procedure {
        builder = builder.procedure(value.clone());
    }
    if let Some(value) = input.task_priority {
        builder = builder.task_priority(value);
    }
    if let Some(value) = input.task_notify_mode {
        builder = builder.task_notify_mode(match value % 3 {
            0 => TaskNotifyMode::Finish,
            1 => TaskNotifyMode::Change,
            _ => TaskNotifyMode::Silent,
        });
    }
    if let Some(value) = &input.source_context {
        builder = builder.source_context(value.clone());
    }
    if let Some(value) = &input.session_context {
        builder = builder.session_context(value.clone());
    }
    if let Some(value) = input.one_time_valid {
        builder = builder.one_time_valid(value);
    }
    if let Some(value) = input.vod_sub_app_id {
        builder = builder.vod_sub_app_id(value);
    }
    if let Some(value) = &input.storage_region {
        builder = builder.storage_region(value.clone());
    }
    for (name, value) in &input.extra {
        builder = builder.param(name.clone(), value.clone());
    }
    if let Some(seconds) = input.validity {
        builder = builder.validity_secs(seconds);
    }
    if let Some(expire_time) = input.expire_time {
        builder = builder.expire_time(Timestamp::from_secs(expire_time));
    }
    builder
}

fuzz_target!(|input: Input| {
    let Ok(credentials) = Credentials::new(input.secret_id.clone(), input.secret_key.clone())
    else {
        assert!(input.secret_id.is_empty() || input.secret_key.is_empty());
        return;
    };
    let builder = build(&input);
    let now = Timestamp::from_secs(input.now);
    let signed = match builder.sign_at(&credentials, now, input.random) {
        Ok(signed) => signed,
        Err(
            Error::SignatureTooLong { .. }
            | Error::TimeOverflow { .. }
            | Error::ExpireTimeNotAfterNow { .. }
            | Error::ExpireTimeTooLate { .. }
            | Error::InvalidValidity { .. }
            | Error::TextTooLong { .. }
            | Error::InvalidTaskPriority { .. }
            | Error::EmptyParameterName
            | Error::ReservedParameter { .. }
            | Error::DuplicateParameter { .. },
        ) => return,
        Err(other) => panic!("unexpected signing error {other:?}"),
    };
    let decoded = UnverifiedSignature::decode(signed.as_str()).expect("a signature decodes");
    let fields = decoded.untrusted_fields();
    assert_eq!(fields.secret_id(), credentials.secret_id());
    assert_eq!(fields.current_time_stamp(), input.now);
    assert_eq!(fields.expire_time(), signed.expire_time());
    assert_eq!(fields.random(), input.random);
    let verified = credentials
        .verifier()
        .leeway_secs(0)
        .verify_at(signed.as_str(), now)
        .expect("a fresh signature verifies");
    assert_eq!(verified.fields(), fields);
    assert_eq!(&verified.fields().to_params(), builder.params());
});
