//! A signer's template: where each request starts, and which value wins.

use crate::common::{example_credentials, ts};

use tencent_vod_signature::{Error, Signer, TaskNotifyMode, UploadSignature};

fn signer() -> Signer {
    Signer::new(
        example_credentials(),
        UploadSignature::new()
            .vod_sub_app_id(1_500_012_345)
            .storage_region("ap-chongqing")
            .procedure("LongVideoPreset")
            .one_time_valid(true)
            .validity_secs(600)
            .param("isTranscode", "1"),
    )
    .expect("a valid template")
}

#[test]
fn every_request_carries_the_template_and_its_own_values() {
    let signer = signer();
    let request = signer.request().source_context("user-42");
    let signed = signer
        .sign_at(&request, ts(1_700_000_000), 9)
        .expect("signs");
    let verified = signer
        .credentials()
        .verify_at(signed.as_str(), ts(1_700_000_000))
        .expect("verifies");
    let fields = verified.fields();
    assert_eq!(fields.vod_sub_app_id(), Some(1_500_012_345));
    assert_eq!(fields.storage_region(), Some("ap-chongqing"));
    assert_eq!(fields.procedure(), Some("LongVideoPreset"));
    assert_eq!(fields.one_time_valid(), Some(true));
    assert_eq!(fields.source_context(), Some("user-42"));
    assert_eq!(fields.extra().collect::<Vec<_>>(), [("isTranscode", "1")]);
    assert_eq!(signed.expire_time(), 1_700_000_600);
    // The template itself is untouched by a request.
    assert_eq!(signer.template().params().source_context(), None);
}

#[test]
fn the_request_wins_where_both_set_a_parameter() {
    let signer = signer();
    let request = signer
        .request()
        .storage_region("ap-guangzhou")
        .one_time_valid(false)
        .task_notify_mode(TaskNotifyMode::Change)
        .validity_secs(60);
    let signed = signer
        .sign_at(&request, ts(1_700_000_000), 9)
        .expect("signs");
    let verified = signer
        .credentials()
        .verify_at(signed.as_str(), ts(1_700_000_000))
        .expect("verifies");
    assert_eq!(verified.fields().storage_region(), Some("ap-guangzhou"));
    assert_eq!(verified.fields().one_time_valid(), Some(false));
    assert_eq!(signed.expire_time(), 1_700_000_060);
    // An extra parameter the template has is a repeat, refused when signing.
    assert_eq!(
        signer
            .sign_at(
                &signer.request().param("isTranscode", "0"),
                ts(1_700_000_000),
                9
            )
            .err(),
        Some(Error::DuplicateParameter {
            name: "isTranscode".to_owned()
        })
    );
}

#[test]
fn a_template_that_could_never_sign_is_refused_at_start() {
    for (template, expected) in [
        (
            UploadSignature::new().validity_secs(7_776_001),
            Error::InvalidValidity { seconds: 7_776_001 },
        ),
        (
            UploadSignature::new().task_priority(11),
            Error::InvalidTaskPriority {
                value: "11".to_owned(),
            },
        ),
        (
            UploadSignature::new().param("classId", "1"),
            Error::ReservedParameter {
                name: "classId".to_owned(),
            },
        ),
    ] {
        assert_eq!(
            Signer::new(example_credentials(), template).err(),
            Some(expected)
        );
    }
}
