//! Heap allocations per call, counted by a global allocator (`allocation-counter`) on this
//! thread: signing allocates only the returned `String`, and nothing at all into a buffer
//! with room.

use allocation_counter::measure;
use tencent_vod_signature::{Credentials, UploadSignature};

#[test]
fn signing_allocates_only_its_output() {
    let credentials = Credentials::new(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    )
    .expect("credentials");
    let typical = UploadSignature::new()
        .procedure("QCVB_SimpleProcessFile(1, 1, 10, 10)")
        .class_id(1024)
        .one_time_valid(true)
        .source_context("user-42/upload?from=app")
        .expect("within limits");
    // Warm-up: the first call on a thread sizes its scratch buffer (and `sign` seeds the
    // random sequence from the OS).
    let _ = typical.sign_at(&credentials, 1_700_000_000, 1);
    #[cfg(feature = "system")]
    let _ = typical.sign(&credentials);

    let mut signed = None;
    let counted = measure(|| signed = Some(typical.sign_at(&credentials, 1_700_000_000, 2)));
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
        let _ = typical.sign_into(&credentials, 1_700_000_000, 3, &mut buffer);
    });
    assert_eq!(counted.count_total, 0, "sign_into a buffer with room");
    assert_eq!(buffer.len(), signed.as_str().len());
}
