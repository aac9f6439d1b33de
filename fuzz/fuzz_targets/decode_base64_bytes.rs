//! Arbitrary bytes wrapped in valid Base64, so that the fuzzer reaches the querystring parser
//! and the typed fields; decoding and verifying never panic.
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use tencent_vod_signature::{Credentials, UnverifiedSignature};

static CREDENTIALS: LazyLock<Credentials> = LazyLock::new(|| {
    Credentials::new(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    )
    .expect("valid credentials")
});

fuzz_target!(|payload: &[u8]| {
    let signature = STANDARD.encode(payload);
    let decoded = UnverifiedSignature::decode(&signature);
    if payload.len() < 21 {
        assert!(decoded.is_err());
    }
    let _ = CREDENTIALS.verify_at(
        &signature,
        tencent_vod_signature::Timestamp::from_secs(1_700_000_060),
    );
});
