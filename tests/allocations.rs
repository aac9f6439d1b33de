//! Heap allocations per call, counted by a global allocator (`allocation-counter`) on this
//! thread: signing allocates only the returned `String`, and nothing at all into a buffer
//! with room; decoding and verifying allocate only the fields' text.

use allocation_counter::measure;
use tencent_vod_signature::{Credentials, Timestamp, UnverifiedSignature, UploadSignature};

fn ts(secs: u64) -> Timestamp {
    Timestamp::from_secs(secs)
}

/// The demo key pair of Tencent's documentation.
fn demo_credentials() -> Credentials {
    Credentials::new(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    )
    .expect("credentials")
}

#[test]
fn signing_allocates_only_its_output() {
    let credentials = demo_credentials();
    let typical = UploadSignature::new()
        .procedure("QCVB_SimpleProcessFile(1, 1, 10, 10)")
        .class_id(1024)
        .one_time_valid(true)
        .source_context("user-42/upload?from=app");
    // Warm-up: the first call on a thread sizes its scratch buffer (and `sign` seeds the
    // random sequence from the OS).
    let _ = typical.sign_at(&credentials, ts(1_700_000_000), 1);
    #[cfg(feature = "system")]
    let _ = typical.sign(&credentials);

    let mut signed = None;
    let counted = measure(|| signed = Some(typical.sign_at(&credentials, ts(1_700_000_000), 2)));
    assert_eq!(counted.count_total, 1, "sign_at: the returned String only");
    let signed = signed.and_then(Result::ok).expect("signs");
    assert_eq!(
        counted.bytes_total,
        signed.as_str().len() as u64,
        "sized exactly, no realloc"
    );

    #[cfg(feature = "system")]
    {
        let counted = measure(|| {
            let _ = typical.sign(&credentials);
        });
        assert_eq!(counted.count_total, 1, "sign: the returned String only");
    }

    let mut buffer = String::with_capacity(1024);
    let counted = measure(|| {
        let _ = typical.sign_into(&credentials, ts(1_700_000_000), 3, &mut buffer);
    });
    assert_eq!(counted.count_total, 0, "sign_into a buffer with room");
    assert_eq!(buffer.len(), signed.as_str().len());
}

#[test]
fn decoding_and_verifying_allocate_only_the_fields_text() {
    let credentials = demo_credentials();
    // Escapes in two values: their decoding goes into the same allocation.
    let signed = UploadSignature::new()
        .procedure("QCVB_SimpleProcessFile(1, 1, 10, 10)")
        .source_context("user-42/upload?from=app")
        .sign_at(&credentials, ts(1_700_000_000), 7)
        .expect("signs");
    // Warm-up: the first call on a thread sizes its scratch buffer.
    let _ = credentials.verify_at(signed.as_str(), ts(1_700_000_000));

    let mut verified = None;
    let counted =
        measure(|| verified = Some(credentials.verify_at(signed.as_str(), ts(1_700_000_000))));
    assert_eq!(counted.count_total, 1, "verify_at: the fields' text only");
    let verified = verified.and_then(Result::ok).expect("verifies");
    assert_eq!(
        verified.fields().procedure(),
        Some("QCVB_SimpleProcessFile(1, 1, 10, 10)")
    );
    assert_eq!(
        verified.fields().source_context(),
        Some("user-42/upload?from=app")
    );

    let counted = measure(|| {
        let _ = UnverifiedSignature::decode(signed.as_str());
    });
    assert_eq!(counted.count_total, 1, "decode: the fields' text only");
}

#[test]
fn an_oversized_parameter_is_refused_without_being_encoded() {
    let credentials = demo_credentials();
    let huge = UploadSignature::new().procedure("p".repeat(100 << 20));
    let mut result = None;
    let counted = measure(|| result = Some(huge.sign_at(&credentials, ts(1_700_000_000), 1)));
    assert!(matches!(
        result,
        Some(Err(tencent_vod_signature::Error::SignatureTooLong { .. }))
    ));
    // Before the check, the 100 MB value was encoded into a 300 MB buffer and MACed.
    assert_eq!(counted.bytes_total, 0, "refused before any allocation");
}
