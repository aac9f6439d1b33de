//! Signing against the known-answer vectors of other languages' real encoders.

use crate::common::{java_vectors, segments, sign_vectors, ts};
use tencent_vod_signature::{Credentials, Error, UnverifiedSignature, UploadSignature};

/// The crate emits the Java sample's `URLEncoder` bytes: every Java-encoder vector is
/// reproduced segment for segment, with the optional parameters in canonical order.
#[test]
fn every_java_vector_is_reproduced_segment_for_segment() {
    let java = java_vectors();
    assert_eq!(java.len(), 8, "all Java vectors present");
    for vector in java {
        let signed = vector.sign_with_crate();
        assert_eq!(signed.expire_time(), vector.expire_time, "{}", vector.id);

        let ours = UnverifiedSignature::decode(signed.as_str()).expect(&vector.id);
        let our_original = ours.untrusted_fields().original();
        let mut expected = segments(&vector.original);
        let mut actual = segments(our_original);
        // The required four come first, in the documented order, in both.
        assert_eq!(actual[..4], expected[..4], "{}", vector.id);
        expected.sort_unstable();
        actual.sort_unstable();
        assert_eq!(
            actual, expected,
            "{}: same segments, byte for byte",
            vector.id
        );
    }
}

/// Where the vector's parameter order is already the canonical one, the whole signature
/// matches byte for byte.
#[test]
fn canonical_order_vectors_match_the_whole_signature() {
    let mut matched = 0;
    for vector in java_vectors() {
        let signed = vector.sign_with_crate();
        let decoded = UnverifiedSignature::decode(signed.as_str()).expect(&vector.id);
        if decoded.untrusted_fields().original() == vector.original {
            assert_eq!(signed.as_str(), vector.signature, "{}", vector.id);
            matched += 1;
        }
    }
    // required_only, random_max, spaces, unicode_cjk_emoji, reserved_chars are canonical.
    assert_eq!(matched, 5, "vectors in canonical order");
}

/// The intermediate values of the pipeline for the simplest vector: plaintext, then MAC,
/// then signature.
#[test]
fn required_only_intermediates() {
    let vector = sign_vectors()
        .into_iter()
        .find(|v| v.id == "required_only/java-urlencoder")
        .expect("vector present");
    let signed = UploadSignature::new()
        .sign_at(
            &vector.credentials(),
            ts(vector.current_time_stamp),
            vector.random,
        )
        .expect("signs");
    let decoded = UnverifiedSignature::decode(signed.as_str()).expect("decodes");
    assert_eq!(decoded.untrusted_fields().original(), vector.original);
    let expected = UnverifiedSignature::decode(&vector.signature).expect("vector decodes");
    assert_eq!(decoded.mac(), expected.mac());
    assert_eq!(signed.as_str(), vector.signature);
}

/// The one input printed in Tencent's own sample page (266/10638), as quoted in the spec.
const DOC_SAMPLE: &str = "aG6ZX3aZf+6tg/yRDZdRSNtM39lzZWNyZXRJZD1JYW1TZWNyZXRJZCZjdXJyZW50VGltZVN0YW1wPTE1NzEyMTUwOTUmZXhwaXJlVGltZT0xODg2NTc1MDk1JnJhbmRvbT0yMjA2MjU=";

#[test]
fn doc_sample_decodes_and_its_mac_checks_out_but_it_is_refused() {
    let credentials = Credentials::new("IamSecretId", "IamSecretKey").expect("credentials");
    let decoded = UnverifiedSignature::decode(DOC_SAMPLE).expect("decodes");
    let fields = decoded.untrusted_fields();
    assert_eq!(
        fields.original(),
        "secretId=IamSecretId&currentTimeStamp=1571215095&expireTime=1886575095&random=220625"
    );
    assert_eq!(
        decoded.mac(),
        [
            0x68, 0x6e, 0x99, 0x5f, 0x76, 0x99, 0x7f, 0xee, 0xad, 0x83, 0xfc, 0x91, 0x0d, 0x97,
            0x51, 0x48, 0xdb, 0x4c, 0xdf, 0xd9
        ]
    );
    // The MAC is right (a wrong key fails differently) but the 10-year validity is refused.
    assert_eq!(
        credentials.verify_at(DOC_SAMPLE, ts(1_571_215_095)),
        Err(Error::InvalidValidity {
            seconds: 315_360_000
        })
    );
    let other = Credentials::new("IamSecretId", "NotTheKey").expect("credentials");
    assert_eq!(
        other.verify_at(DOC_SAMPLE, ts(1_571_215_095)),
        Err(Error::MacMismatch)
    );

    // And the signer refuses to produce it.
    let refused = UploadSignature::new()
        .expire_time(ts(1_886_575_095))
        .sign_at(&credentials, ts(1_571_215_095), 220_625);
    assert_eq!(
        refused,
        Err(Error::ExpireTimeTooLate {
            expire_time: 1_886_575_095,
            now: 1_571_215_095,
            seconds: 315_360_000
        })
    );
    assert_eq!(
        UploadSignature::new().validity_secs(315_360_000).sign_at(
            &credentials,
            ts(1_571_215_095),
            220_625
        ),
        Err(Error::InvalidValidity {
            seconds: 315_360_000
        })
    );
}

/// The signature depends on the parameter set, never on the order the setters were called.
#[test]
fn setter_order_does_not_matter() {
    let credentials = Credentials::new("AKIDexample", "key").expect("credentials");
    let a = UploadSignature::new()
        .procedure("P")
        .class_id(3)
        .one_time_valid(false)
        .storage_region("ap-chongqing");
    let b = UploadSignature::new()
        .storage_region("ap-chongqing")
        .one_time_valid(false)
        .class_id(3)
        .procedure("P");
    assert_eq!(a, b);
    assert_eq!(
        a.sign_at(&credentials, ts(1_700_000_000), 1)
            .map(|s| s.into_string()),
        b.sign_at(&credentials, ts(1_700_000_000), 1)
            .map(|s| s.into_string())
    );
}
