//! Every documented limit at and one past its edge, and the key's absence from every output.

use crate::common::{KNOWN_NAMES, example_credentials, ts};

use tencent_vod_signature::{
    Credentials, Error, UnverifiedSignature, UploadSignature, limits::MAX_SIGNATURE_LEN,
};

const NOW: u64 = 1_700_000_000;

#[test]
fn empty_credentials_are_refused() {
    assert_eq!(
        Credentials::new("", "key").err(),
        Some(Error::EmptySecretId)
    );
    assert_eq!(
        Credentials::new("id", "").err(),
        Some(Error::EmptySecretKey)
    );
}

#[test]
fn validity_edges() {
    let c = example_credentials();
    for (seconds, ok) in [
        (0, false),
        (1, true),
        (86_400, true),
        (7_776_000, true),
        (7_776_001, false),
    ] {
        let builder = UploadSignature::new().validity_secs(seconds);
        let signed = builder.sign_at(&c, ts(NOW), 1).map(|s| s.expire_time());
        let expected = if ok {
            Ok(NOW + seconds)
        } else {
            Err(Error::InvalidValidity { seconds })
        };
        assert_eq!(signed, expected, "{seconds}");
        assert_eq!(builder.expire_time_at(ts(NOW)), expected, "{seconds}");
    }
    assert_eq!(
        UploadSignature::new()
            .sign_at(&c, ts(NOW), 1)
            .map(|s| s.expire_time()),
        Ok(NOW + 86_400),
        "default validity is one day"
    );
}

#[test]
fn absolute_expire_time_edges() {
    let c = example_credentials();
    let at = |expire_time| {
        UploadSignature::new()
            .expire_time(ts(expire_time))
            .sign_at(&c, ts(NOW), 1)
            .map(|s| s.expire_time())
    };
    assert_eq!(at(NOW + 1), Ok(NOW + 1));
    assert_eq!(at(NOW + 7_776_000), Ok(NOW + 7_776_000));
    assert_eq!(
        at(NOW + 7_776_001),
        Err(Error::ExpireTimeTooLate {
            expire_time: NOW + 7_776_001,
            now: NOW,
            seconds: 7_776_001
        })
    );
    assert_eq!(
        at(NOW),
        Err(Error::ExpireTimeNotAfterNow {
            expire_time: NOW,
            now: NOW
        })
    );
    assert_eq!(
        at(NOW - 1),
        Err(Error::ExpireTimeNotAfterNow {
            expire_time: NOW - 1,
            now: NOW
        })
    );
}

#[test]
fn time_overflow_is_an_error_not_a_wrap() {
    let c = example_credentials();
    assert_eq!(
        UploadSignature::new().sign_at(&c, ts(u64::MAX), 1).err(),
        Some(Error::TimeOverflow { now: u64::MAX })
    );
    let edge = u64::MAX - 86_400;
    assert_eq!(
        UploadSignature::new()
            .sign_at(&c, ts(edge), 1)
            .map(|s| s.expire_time()),
        Ok(u64::MAX)
    );
}

#[test]
fn context_edges_count_characters() {
    let c = example_credentials();
    for (make, max, name) in [
        (
            UploadSignature::source_context as fn(UploadSignature, String) -> UploadSignature,
            250,
            "sourceContext",
        ),
        (UploadSignature::session_context, 1000, "sessionContext"),
    ] {
        for unit in ["a", "视", "😀"] {
            assert!(
                make(UploadSignature::new(), unit.repeat(max))
                    .sign_at(&c, ts(NOW), 1)
                    .is_ok(),
                "{name} {unit} at {max}"
            );
            assert_eq!(
                make(UploadSignature::new(), unit.repeat(max + 1))
                    .sign_at(&c, ts(NOW), 1)
                    .err(),
                Some(Error::TextTooLong {
                    parameter: name,
                    max_chars: max,
                    chars: max + 1
                }),
            );
        }
    }
}

#[test]
fn task_priority_edges() {
    let c = example_credentials();
    let sign = |priority| {
        UploadSignature::new()
            .task_priority(priority)
            .sign_at(&c, ts(NOW), 1)
    };
    for priority in [-10, 0, 10] {
        assert!(sign(priority).is_ok());
    }
    for priority in [-128, -11, 11, 127] {
        assert_eq!(
            sign(priority).err(),
            Some(Error::InvalidTaskPriority {
                value: priority.to_string()
            })
        );
    }
}

#[test]
fn extra_parameter_names_are_checked() {
    let c = example_credentials();
    let sign = |builder: UploadSignature| builder.sign_at(&c, ts(NOW), 1);
    assert_eq!(
        sign(UploadSignature::new().param("", "x")).err(),
        Some(Error::EmptyParameterName)
    );
    for reserved in KNOWN_NAMES {
        assert_eq!(
            sign(UploadSignature::new().param(reserved, "x")).err(),
            Some(Error::ReservedParameter {
                name: reserved.to_owned()
            })
        );
    }
    assert!(
        sign(UploadSignature::new().param("ClassId", "x")).is_ok(),
        "names are case-sensitive"
    );
    assert_eq!(
        sign(
            UploadSignature::new()
                .param("isTranscode", "1")
                .param("isTranscode", "0")
        )
        .err(),
        Some(Error::DuplicateParameter {
            name: "isTranscode".to_owned()
        })
    );
}

#[test]
fn the_largest_documented_signature_fits_and_a_larger_one_is_refused() {
    let c = example_credentials();
    let largest = UploadSignature::new()
        .source_context("😀".repeat(250))
        .session_context("😀".repeat(1000))
        .procedure("p".repeat(200))
        .storage_region("ap-chongqing")
        .class_id(u64::MAX);
    let signed = largest.sign_at(&c, ts(NOW), u32::MAX).expect("fits");
    assert!(signed.as_str().len() <= MAX_SIGNATURE_LEN);
    assert!(c.verify_at(signed.as_str(), ts(NOW)).is_ok());

    let too_large = UploadSignature::new().procedure("p".repeat(MAX_SIGNATURE_LEN));
    assert!(matches!(
        too_large.sign_at(&c, ts(NOW), 1),
        Err(Error::SignatureTooLong {
            max: MAX_SIGNATURE_LEN,
            ..
        })
    ));
    let mut buffer = String::from("kept");
    assert!(too_large.sign_into(&c, ts(NOW), 1, &mut buffer).is_err());
    assert_eq!(
        buffer, "kept",
        "a failed sign_into leaves the buffer as it was"
    );
}

#[test]
fn oversized_input_is_refused_by_length() {
    let huge = "A".repeat(4 * 1024 * 1024);
    assert_eq!(
        UnverifiedSignature::decode(&huge).err(),
        Some(Error::SignatureTooLong {
            len: huge.len(),
            max: MAX_SIGNATURE_LEN
        })
    );
    assert_eq!(
        example_credentials().verify_at(&huge, ts(NOW)).err(),
        Some(Error::SignatureTooLong {
            len: huge.len(),
            max: MAX_SIGNATURE_LEN
        })
    );
}

const KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

#[test]
fn debug_of_credentials_is_pinned_and_redacted() {
    let c = example_credentials();
    assert_eq!(
        format!("{c:?}"),
        r#"Credentials { secret_id: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secret_key: "<redacted>" }"#
    );
    assert_eq!(format!("{:?}", c.clone()), format!("{c:?}"));
    assert_eq!(
        format!("{:?}", c.verifier()),
        r#"Verifier { credentials: Credentials { secret_id: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secret_key: "<redacted>" }, leeway_secs: 300 }"#
    );
    let pretty = format!("{c:#?}");
    assert!(!pretty.contains(KEY) && pretty.contains("<redacted>"));
}

#[test]
fn the_key_is_in_no_error_message() {
    let c = example_credentials();
    let wrong = Credentials::new("AKIDother", KEY).expect("credentials");
    let signed = UploadSignature::new()
        .sign_at(&c, ts(NOW), 1)
        .expect("signs");
    let errors = [
        wrong
            .verify_at(signed.as_str(), ts(NOW))
            .expect_err("secretId mismatch"),
        Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "other")
            .expect("c")
            .verify_at(signed.as_str(), ts(NOW))
            .expect_err("mac"),
        c.verify_at(signed.as_str(), ts(NOW + 10_000_000))
            .expect_err("expired"),
        Credentials::new("", KEY).expect_err("empty id"),
    ];
    for error in errors {
        assert!(!error.to_string().contains(KEY), "{error}");
        assert!(!format!("{error:?}").contains(KEY), "{error:?}");
    }
}

#[test]
fn a_signature_of_exactly_the_maximum_length_is_signed_and_decoded() {
    let c = example_credentials();
    let sign = |procedure_len: usize| {
        UploadSignature::new()
            .procedure("p".repeat(procedure_len))
            .sign_at(&c, ts(NOW), 1)
    };
    let empty = sign(0).expect("signs");
    let base_len = UnverifiedSignature::decode(empty.as_str())
        .expect("decodes")
        .untrusted_fields()
        .original()
        .len();
    // 24576 Base64 characters hold exactly 18432 bytes: 20 of MAC, the rest plaintext.
    let fill = MAX_SIGNATURE_LEN / 4 * 3 - 20 - base_len;
    let largest = sign(fill).expect("exactly at the limit");
    assert_eq!(largest.as_str().len(), MAX_SIGNATURE_LEN);
    assert!(UnverifiedSignature::decode(largest.as_str()).is_ok());
    assert!(c.verify_at(largest.as_str(), ts(NOW)).is_ok());
    assert_eq!(
        sign(fill + 1).err(),
        Some(Error::SignatureTooLong {
            len: MAX_SIGNATURE_LEN + 4,
            max: MAX_SIGNATURE_LEN
        })
    );
}

#[test]
fn the_crate_knows_the_thirteen_documented_names_in_signing_order() {
    assert_eq!(KNOWN_NAMES, tencent_vod_signature::PARAMETER_NAMES);
}
