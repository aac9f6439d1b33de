//! Parsing arbitrary bytes as a VOD event and checking its Sign: never panics; whatever parses
//! keeps its raw JSON and type.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tencent_vod_signature::{Event, EventKind, SignKey, Timestamp};

fuzz_target!(|body: &[u8]| {
    let Ok(event) = Event::parse(body) else {
        return;
    };
    assert_eq!(event.raw()["EventType"].as_str(), Some(event.event_type()));
    if let EventKind::NewFileUpload(upload) = event.kind() {
        assert!(event.raw()["FileUploadEvent"]["FileId"].as_str() == Some(upload.file_id()));
    }
    let key = SignKey::new("FuzzKey123").expect("a valid key");
    let _ = event.check_sign(&key, Timestamp::from_secs(1_700_000_000), 300);
});
