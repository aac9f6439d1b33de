//! The schema's migrations, embedded in the binary: `service/migrations/NNNN_name.sql`, run
//! in order at start, each once (sqlx records them in `_sqlx_migrations`).
//!
//! To change the schema, add a file and a row below; never edit one that has shipped (its
//! checksum is checked at start).

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// Version, description and SQL of every migration, oldest first.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "events and uploads",
    include_str!("../../migrations/0001_events_and_uploads.sql"),
)];

/// The migrations above, as sqlx reads a source.
#[derive(Debug)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send>> {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// The migrator over the embedded migrations.
pub(super) async fn migrator() -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded).await
}
