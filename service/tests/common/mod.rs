//! What the service's test binaries share: stores on a real SQLite file and, when
//! `VOD_TEST_DATABASE_URL` names one, on a real PostgreSQL database.
#![allow(dead_code)] // each test binary uses its own part

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use vod_upload_service::store::{DatabaseUrl, Store};

/// The PostgreSQL database the tests may use (`.ci/run` starts one and sets it).
pub const TEST_DATABASE_VARIABLE: &str = "VOD_TEST_DATABASE_URL";

/// A fresh SQLite file under cargo's temporary directory for tests.
pub fn sqlite_url() -> DatabaseUrl {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "store-{}-{}-{}.db",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_nanos(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    DatabaseUrl::Sqlite(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name))
}

/// A store on a fresh SQLite file.
pub async fn sqlite_store() -> Store {
    Store::open(&sqlite_url()).await.expect("an SQLite store")
}

/// The PostgreSQL database named by `VOD_TEST_DATABASE_URL`; `None` when it is unset, which
/// fails under CI (`CI=true`): CI must run the PostgreSQL tests, never skip them.
pub fn postgres_url() -> Option<DatabaseUrl> {
    match std::env::var(TEST_DATABASE_VARIABLE) {
        Ok(url) => Some(
            url.parse()
                .expect("VOD_TEST_DATABASE_URL is a postgres:// URL"),
        ),
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{TEST_DATABASE_VARIABLE} is not set under CI: the PostgreSQL tests would be skipped"
            );
            eprintln!("{TEST_DATABASE_VARIABLE} is not set: skipping the PostgreSQL part");
            None
        }
    }
}

/// A name no other test run has used, for users and FileIds in a shared database.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}{}{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_micros()
            % 1_000_000_000,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
