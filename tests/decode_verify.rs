//! Decoding and verifying every vector, rejecting every negative one with the right error,
//! and tampering.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{builder_from_pairs, extra_vectors, negative_vectors, sign_vectors};
use tencent_vod_signature::{Credentials, Error, UnverifiedSignature};

#[test]
fn every_vector_of_every_encoder_decodes_to_its_parameters_and_verifies() {
    let vectors: Vec<_> = sign_vectors().into_iter().chain(extra_vectors()).collect();
    assert_eq!(vectors.len(), 55 + 5);
    for vector in vectors {
        let expected = builder_from_pairs(&vector.params).expect(&vector.id);
        let decoded = UnverifiedSignature::decode(&vector.signature).expect(&vector.id);
        let claims = decoded.untrusted_fields();
        assert_eq!(claims.original(), vector.original, "{}", vector.id);
        assert_eq!(claims.params(), expected.params(), "{}", vector.id);
        assert_eq!(claims.secret_id(), vector.secret_id, "{}", vector.id);
        assert_eq!(claims.current_time_stamp(), vector.current_time_stamp);
        assert_eq!(claims.expire_time(), vector.expire_time);
        assert_eq!(claims.random(), vector.random, "{}", vector.id);

        let verified = vector
            .credentials()
            .verify_at(&vector.signature, vector.current_time_stamp + 60)
            .expect(&vector.id);
        assert_eq!(verified.fields(), claims, "{}", vector.id);
    }
}

#[test]
fn unknown_parameters_are_kept_in_order() {
    let vector = extra_vectors()
        .into_iter()
        .find(|v| v.id.starts_with("unknown_param"))
        .expect("vector present");
    let decoded = UnverifiedSignature::decode(&vector.signature).expect("decodes");
    let extra = decoded.untrusted_fields().params().extra();
    assert_eq!(
        extra,
        [
            ("isTranscode".to_owned(), "1".to_owned()),
            ("x y".to_owned(), "a b".to_owned())
        ]
    );
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
                .verify_at(&vector.signature, vector.now)
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
                credentials.verify_at(&reseal(&tampered), NOW),
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
            credentials.verify_at(&reseal(&tampered), NOW),
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
    assert!(credentials.verify_at(&vector.signature, NOW).is_ok());
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
            claims.untrusted_fields().params(),
            genuine.untrusted_fields().params()
        );
        assert_eq!(
            credentials.verify_at(&resealed, NOW),
            Err(Error::MacMismatch)
        );
    }
}
