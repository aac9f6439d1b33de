//! Decoding and verifying every vector, rejecting every negative one with the right error,
//! and tampering.

use crate::common::{
    builder_from_pairs, claimed, extra_vectors, negative_vectors, sign_vectors, ts,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tencent_vod_signature::{Credentials, Error, UnverifiedSignature};

#[test]
fn every_vector_of_every_encoder_decodes_to_its_parameters_and_verifies() {
    let vectors: Vec<_> = sign_vectors().into_iter().chain(extra_vectors()).collect();
    assert_eq!(vectors.len(), 55 + 5);
    for vector in vectors {
        let expected = builder_from_pairs(&vector.params);
        let decoded = UnverifiedSignature::decode(&vector.signature).expect(&vector.id);
        let claims = decoded.untrusted_fields();
        assert_eq!(claims.original(), vector.original, "{}", vector.id);
        assert_eq!(claims.secret_id(), vector.secret_id, "{}", vector.id);
        assert_eq!(claims.current_time_stamp(), vector.current_time_stamp);
        assert_eq!(claims.expire_time(), vector.expire_time);
        assert_eq!(claims.random(), vector.random, "{}", vector.id);

        let verified = vector
            .credentials()
            .verify_at(&vector.signature, ts(vector.current_time_stamp + 60))
            .expect(&vector.id);
        assert_eq!(verified.fields(), claims, "{}", vector.id);
        assert_eq!(
            &verified.fields().to_params(),
            expected.params(),
            "{}",
            vector.id
        );
    }
}

#[test]
fn unknown_parameters_are_kept_in_order() {
    let vector = extra_vectors()
        .into_iter()
        .find(|v| v.id.starts_with("unknown_param"))
        .expect("vector present");
    let decoded = UnverifiedSignature::decode(&vector.signature).expect("decodes");
    let extra: Vec<(&str, &str)> = decoded.untrusted_fields().extra().collect();
    assert_eq!(extra, [("isTranscode", "1"), ("x y", "a b")]);
    let keys: Vec<String> = decoded
        .untrusted_fields()
        .pairs()
        .map(|(k, _)| k.into_owned())
        .collect();
    assert_eq!(
        keys,
        [
            "secretId",
            "currentTimeStamp",
            "expireTime",
            "random",
            "procedure",
            "isTranscode",
            "x y"
        ]
    );
}

/// Maps the vectors' `expect` names to the crate's variants.
fn matches_expectation(expect: &str, error: &Error) -> bool {
    let (kind, name) = expect.split_once(':').unwrap_or((expect, ""));
    match (kind, error) {
        ("bad_base64", Error::BadBase64) => true,
        ("too_short", Error::TooShort { .. }) => true,
        ("bad_utf8", Error::BadUtf8 { .. }) => true,
        ("bad_querystring", Error::MalformedQuerystring { .. }) => true,
        ("missing_field", Error::MissingParameter { name: found }) => *found == name,
        ("duplicate_field", Error::DuplicateParameter { name: found }) => found == name,
        ("bad_number", Error::InvalidNumber { parameter, .. }) => *parameter == name,
        ("mac_mismatch", Error::MacMismatch) => true,
        ("secret_id_mismatch", Error::SecretIdMismatch { .. }) => true,
        ("expired", Error::Expired { .. }) => true,
        ("not_yet_valid", Error::NotYetValid { .. }) => true,
        _ => false,
    }
}

#[test]
fn every_negative_vector_is_rejected_with_its_error() {
    let vectors = negative_vectors();
    assert_eq!(vectors.len(), 18);
    let decode_only = [
        "bad_base64",
        "too_short",
        "bad_utf8",
        "bad_querystring",
        "missing_field",
        "duplicate_field",
        "bad_number",
    ];
    for vector in vectors {
        let credentials = Credentials::new(vector.secret_id.clone(), vector.secret_key.clone())
            .expect("credentials");
        for leeway in [0, 300] {
            let error = credentials
                .verifier()
                .leeway_secs(leeway)
                .verify_at(&vector.signature, ts(vector.now))
                .expect_err(&vector.id);
            assert!(
                matches_expectation(&vector.expect, &error),
                "{}: expected {}, got {error:?}",
                vector.id,
                vector.expect
            );
        }
        let kind = vector.expect.split(':').next().unwrap_or_default();
        let decoded = UnverifiedSignature::decode(&vector.signature);
        if decode_only.contains(&kind) {
            let error = decoded.expect_err(&vector.id);
            assert!(
                matches_expectation(&vector.expect, &error),
                "{}: decode gave {error:?}",
                vector.id
            );
        } else {
            assert!(
                decoded.is_ok(),
                "{}: a keyless decode does not check {kind}",
                vector.id
            );
        }
    }
}

fn typical() -> (Credentials, String) {
    let vector = sign_vectors()
        .into_iter()
        .find(|v| v.id == "all_optional/java-urlencoder")
        .expect("vector present");
    (vector.credentials(), vector.signature)
}

const NOW: u64 = 1_700_000_060;

fn reseal(payload: &[u8]) -> String {
    STANDARD.encode(payload)
}

#[test]
fn flipping_any_bit_of_any_mac_byte_is_a_mismatch() {
    let (credentials, signature) = typical();
    let payload = STANDARD.decode(&signature).expect("base64");
    for index in 0..20 {
        for bit in 0..8 {
            let mut tampered = payload.clone();
            tampered[index] ^= 1 << bit;
            assert_eq!(
                credentials.verify_at(&reseal(&tampered), ts(NOW)),
                Err(Error::MacMismatch),
                "byte {index} bit {bit}"
            );
        }
    }
}

#[test]
fn flipping_a_plaintext_byte_is_a_mismatch() {
    let (credentials, signature) = typical();
    let payload = STANDARD.decode(&signature).expect("base64");
    for index in 20..payload.len() {
        let mut tampered = payload.clone();
        tampered[index] ^= 0x01;
        assert_eq!(
            credentials.verify_at(&reseal(&tampered), ts(NOW)),
            Err(Error::MacMismatch),
            "byte {index}"
        );
    }
}

#[test]
fn reordering_or_recasing_the_plaintext_is_a_mismatch() {
    let credentials = Credentials::new(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    )
    .expect("credentials");
    let vector = sign_vectors()
        .into_iter()
        .find(|v| v.id == "reserved_chars/java-urlencoder")
        .expect("vector present");
    assert!(credentials.verify_at(&vector.signature, ts(NOW)).is_ok());
    let payload = STANDARD.decode(&vector.signature).expect("base64");
    let (mac, original) = payload.split_at(20);
    let original = std::str::from_utf8(original).expect("utf-8");

    // Swap two parameters: same set, other bytes.
    let mut parts: Vec<&str> = original.split('&').collect();
    parts.swap(4, 5);
    let swapped = parts.join("&");
    // `%2F` to `%2f`: decodes to the same text, but the MAC is over the bytes.
    let recased = original.replacen("%2F", "%2f", 1);
    for edited in [swapped, recased] {
        assert_ne!(edited, original);
        let resealed = reseal(&[mac, edited.as_bytes()].concat());
        let claims = UnverifiedSignature::decode(&resealed).expect("still decodes");
        let genuine = UnverifiedSignature::decode(&vector.signature).expect("decodes");
        assert_eq!(
            claimed(claims.untrusted_fields()),
            claimed(genuine.untrusted_fields())
        );
        assert_eq!(
            credentials.verify_at(&resealed, ts(NOW)),
            Err(Error::MacMismatch)
        );
    }
}

/// A signature over any plaintext, made with the `hmac` crate directly (not the crate's signer,
/// which refuses to produce out-of-limit plaintexts).
fn forge(plaintext: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")
        .expect("any key length");
    mac.update(plaintext.as_bytes());
    let tag = mac.finalize().into_bytes();
    reseal(&[tag.as_slice(), plaintext.as_bytes()].concat())
}

#[test]
fn validity_edges_when_verifying() {
    let credentials = crate::common::example_credentials();
    let with_expiry = |expire_time: u64| {
        forge(&format!(
            "secretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&currentTimeStamp=1700000000&expireTime={expire_time}&random=1"
        ))
    };
    let at = |expire_time| {
        credentials
            .verify_at(&with_expiry(expire_time), ts(1_700_000_000))
            .map(|v| v.fields().expire_time())
    };
    assert_eq!(at(1_700_000_001), Ok(1_700_000_001));
    assert_eq!(at(1_707_776_000), Ok(1_707_776_000), "exactly 90 days");
    assert_eq!(
        at(1_707_776_001),
        Err(Error::InvalidValidity { seconds: 7_776_001 })
    );
    assert_eq!(
        at(1_700_000_000),
        Err(Error::InvalidValidity { seconds: 0 })
    );
    assert_eq!(
        at(1_699_999_999),
        Err(Error::Expired {
            expire_time: 1_699_999_999,
            now: 1_700_000_000
        }),
        "expireTime before currentTimeStamp"
    );
}

#[test]
fn leeway_edges_when_verifying() {
    let credentials = crate::common::example_credentials();
    let signature = forge(
        "secretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&currentTimeStamp=1700000000&expireTime=1700000100&random=1",
    );
    let verifier = credentials.verifier().leeway_secs(10);
    assert!(
        verifier.verify_at(&signature, ts(1_700_000_110)).is_ok(),
        "expireTime + leeway"
    );
    assert_eq!(
        verifier.verify_at(&signature, ts(1_700_000_111)).err(),
        Some(Error::Expired {
            expire_time: 1_700_000_100,
            now: 1_700_000_111
        })
    );
    assert!(
        verifier.verify_at(&signature, ts(1_699_999_990)).is_ok(),
        "currentTimeStamp - leeway"
    );
    assert_eq!(
        verifier.verify_at(&signature, ts(1_699_999_989)).err(),
        Some(Error::NotYetValid {
            current_time_stamp: 1_700_000_000,
            now: 1_699_999_989
        })
    );
    // The default leeway is 300 s on both edges.
    assert!(credentials.verify_at(&signature, ts(1_700_000_400)).is_ok());
    assert!(
        credentials
            .verify_at(&signature, ts(1_700_000_401))
            .is_err()
    );
    assert!(credentials.verify_at(&signature, ts(1_699_999_700)).is_ok());
    assert!(
        credentials
            .verify_at(&signature, ts(1_699_999_699))
            .is_err()
    );
}

#[test]
fn limits_and_closed_sets_are_checked_when_decoding() {
    let base = "secretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&currentTimeStamp=1700000000&expireTime=1700086400&random=1";
    let decode = |tail: &str| UnverifiedSignature::decode(&forge(&format!("{base}&{tail}"))).err();
    assert_eq!(
        decode("taskPriority=11"),
        Some(Error::InvalidTaskPriority {
            value: "11".to_owned()
        })
    );
    assert!(matches!(
        decode("oneTimeValid=2"),
        Some(Error::InvalidValue {
            parameter: "oneTimeValid",
            ..
        })
    ));
    assert!(matches!(
        decode("taskNotifyMode=finish"),
        Some(Error::InvalidValue {
            parameter: "taskNotifyMode",
            ..
        })
    ));
    assert!(matches!(
        decode("currentTimeStamp=1"),
        Some(Error::DuplicateParameter { .. })
    ));
    assert!(matches!(
        decode("classId=1&classId=1"),
        Some(Error::DuplicateParameter { .. })
    ));
    assert!(matches!(
        decode("x=1&x=2"),
        Some(Error::DuplicateParameter { .. })
    ));
    assert_eq!(
        decode(&format!("sourceContext={}", "x".repeat(251))),
        Some(Error::TextTooLong {
            parameter: "sourceContext",
            max_chars: 250,
            chars: 251
        })
    );
    assert_eq!(
        decode(&format!("sessionContext={}", "x".repeat(1001))),
        Some(Error::TextTooLong {
            parameter: "sessionContext",
            max_chars: 1000,
            chars: 1001
        })
    );
    assert_eq!(
        decode("a=1").map(|_| ()),
        None,
        "an unknown parameter is kept, not rejected"
    );
    assert_eq!(
        UnverifiedSignature::decode(&forge(
            "secretId=x&currentTimeStamp=1&expireTime=2&random=1.5"
        ))
        .err(),
        Some(Error::InvalidNumber {
            parameter: "random",
            value: "1.5".to_owned(),
            expected: "an integer within 0..=4294967295 in plain ASCII digits"
        })
    );
    // A decimal currentTimeStamp, the mistake that makes VOD reject real uploads.
    assert!(matches!(
        UnverifiedSignature::decode(&forge(
            "secretId=x&currentTimeStamp=1700000000.5&expireTime=2&random=1"
        ))
        .err(),
        Some(Error::InvalidNumber {
            parameter: "currentTimeStamp",
            ..
        })
    ));
}
