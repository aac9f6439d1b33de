//! Decoding arbitrary strings: never panics; whatever decodes, its fields re-parse the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tencent_vod_signature::UnverifiedSignature;

fuzz_target!(|input: &str| {
    if let Ok(decoded) = UnverifiedSignature::decode(input) {
        let fields = decoded.untrusted_fields();
        // Every pair of a decoded plaintext parses (pairs() drops none).
        assert_eq!(fields.pairs().count(), fields.original().split('&').count());
    }
});
