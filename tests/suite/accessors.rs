//! Every public accessor returns what was set or signed, and the convenience path uses the
//! real clock.

use crate::common::{example_credentials, ts};

use tencent_vod_signature::{TaskNotifyMode, UnverifiedSignature, UploadSignature};

#[test]
fn parameter_getters_return_what_was_set() {
    let builder = UploadSignature::new()
        .class_id(11)
        .procedure("P")
        .task_priority(-4)
        .source_context("src")
        .session_context("sess")
        .param("isTranscode", "1")
        .task_notify_mode(TaskNotifyMode::Silent)
        .one_time_valid(false)
        .vod_sub_app_id(1_500_012_345)
        .storage_region("ap-chongqing");
    let params = builder.params();
    assert_eq!(params.class_id(), Some(11));
    assert_eq!(params.procedure(), Some("P"));
    assert_eq!(params.task_priority(), Some(-4));
    assert_eq!(params.task_notify_mode(), Some(TaskNotifyMode::Silent));
    assert_eq!(params.source_context(), Some("src"));
    assert_eq!(params.session_context(), Some("sess"));
    assert_eq!(params.one_time_valid(), Some(false));
    assert_eq!(params.vod_sub_app_id(), Some(1_500_012_345));
    assert_eq!(params.storage_region(), Some("ap-chongqing"));
    assert_eq!(params.extra(), [("isTranscode".to_owned(), "1".to_owned())]);

    let empty = UploadSignature::default();
    let params = empty.params();
    assert_eq!(
        (
            params.class_id(),
            params.procedure(),
            params.task_priority(),
            params.task_notify_mode()
        ),
        (None, None, None, None)
    );
    assert_eq!(
        (
            params.source_context(),
            params.session_context(),
            params.one_time_valid()
        ),
        (None, None, None)
    );
    assert_eq!(
        (params.vod_sub_app_id(), params.storage_region()),
        (None, None)
    );
    assert!(params.extra().is_empty());
}

#[test]
fn the_signed_value_exposes_its_inputs() {
    let signed = UploadSignature::new()
        .sign_at(&example_credentials(), ts(1_700_000_000), 77)
        .expect("signs");
    assert_eq!(signed.current_time_stamp(), 1_700_000_000);
    assert_eq!(signed.expire_time(), 1_700_086_400);
    assert_eq!(signed.random(), 77);
    assert_eq!(signed.to_string(), signed.as_str());
    assert_eq!(AsRef::<str>::as_ref(&signed), signed.as_str());
    let text = signed.as_str().to_owned();
    assert_eq!(signed.into_string(), text);
}

#[test]
fn task_priority_zero_is_written_without_a_sign() {
    for (priority, written) in [
        (0, "taskPriority=0"),
        (-10, "taskPriority=-10"),
        (10, "taskPriority=10"),
    ] {
        let signed = UploadSignature::new()
            .task_priority(priority)
            .sign_at(&example_credentials(), ts(1_700_000_000), 1)
            .expect("signs");
        let decoded = UnverifiedSignature::decode(signed.as_str()).expect("decodes");
        assert!(
            decoded.untrusted_fields().original().ends_with(written),
            "{priority}"
        );
    }
}

#[test]
fn task_notify_mode_display_and_parse_agree() {
    for mode in [
        TaskNotifyMode::Finish,
        TaskNotifyMode::Change,
        TaskNotifyMode::Silent,
    ] {
        assert_eq!(mode.to_string(), mode.as_str());
        assert_eq!(mode.as_str().parse::<TaskNotifyMode>(), Ok(mode));
    }
    assert_eq!(TaskNotifyMode::default(), TaskNotifyMode::Finish);
    assert_eq!(
        ["Finish", "Change", "None"],
        [
            TaskNotifyMode::Finish.as_str(),
            TaskNotifyMode::Change.as_str(),
            TaskNotifyMode::Silent.as_str()
        ]
    );
}

#[test]
fn decoded_signatures_expose_their_mac_and_fields() {
    let credentials = example_credentials();
    let signed = UploadSignature::new()
        .sign_at(&credentials, ts(1_700_000_000), 5)
        .expect("signs");
    let decoded = UnverifiedSignature::decode(signed.as_str()).expect("decodes");
    let verified = credentials
        .verify_at(signed.as_str(), ts(1_700_000_000))
        .expect("verifies");
    assert_eq!(verified.fields(), decoded.untrusted_fields());
    assert_eq!(decoded.untrusted_fields(), verified.fields());
    assert_eq!(&verified.clone().into_fields(), verified.fields());
    // The MAC is the first 20 bytes of the Base64 payload.
    let other = UploadSignature::new()
        .sign_at(&credentials, ts(1_700_000_000), 6)
        .expect("signs");
    assert_ne!(
        decoded.mac(),
        UnverifiedSignature::decode(other.as_str())
            .expect("decodes")
            .mac()
    );
}

#[cfg(feature = "system")]
#[test]
fn the_convenience_paths_read_the_real_clock() {
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
    };
    let credentials = example_credentials();
    let before = now();
    let signed = UploadSignature::new()
        .validity_secs(60)
        .sign(&credentials)
        .expect("signs");
    let after = now();
    // On Linux the crate reads the coarse clock, which may trail this one by a timer tick
    // (milliseconds) and so, at a second's edge, by one whole second.
    assert!((before - 1..=after).contains(&signed.current_time_stamp()));
    // The crate's clock, by itself: the same coarse reading.
    let crate_now = tencent_vod_signature::Timestamp::now()
        .expect("a clock after 1970")
        .as_secs();
    assert!((before - 1..=now()).contains(&crate_now));
    assert!(credentials.verify(signed.as_str()).is_ok());
    // Signed an hour ago with a one-minute validity: expired by the real clock.
    let old = UploadSignature::new()
        .validity_secs(60)
        .sign_at(&credentials, ts(before - 3600), 1)
        .expect("signs");
    assert!(credentials.verify(old.as_str()).is_err());
    assert!(credentials.verifier().verify(old.as_str()).is_err());
}

#[cfg(feature = "system")]
#[test]
fn from_env_names_the_missing_variable() {
    // Only this test touches these variables, and it restores nothing it did not set.
    let id = std::env::var_os("TENCENTCLOUD_SECRET_ID");
    let key = std::env::var_os("TENCENTCLOUD_SECRET_KEY");
    if id.is_some() || key.is_some() {
        return; // A developer's real credentials are in the environment: leave them alone.
    }
    assert_eq!(
        tencent_vod_signature::Credentials::from_env().err(),
        Some(tencent_vod_signature::Error::MissingEnvironmentVariable {
            variable: "TENCENTCLOUD_SECRET_ID"
        })
    );
}
