//! Verifying arbitrary strings with a fixed key: never panics, and anything that verifies
//! decodes to the same fields.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tencent_vod_signature::{Credentials, UnverifiedSignature};

static CREDENTIALS: LazyLock<Credentials> = LazyLock::new(|| {
    Credentials::new(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    )
    .expect("valid credentials")
});

fuzz_target!(|input: &str| {
    if let Ok(verified) = CREDENTIALS.verify_at(
        input,
        tencent_vod_signature::Timestamp::from_secs(1_700_000_060),
    ) {
        let decoded = UnverifiedSignature::decode(input).expect("a verified signature decodes");
        assert_eq!(decoded.untrusted_fields(), verified.fields());
    }
});
