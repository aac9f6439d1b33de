//! The store: where accepted events and upload records are kept. This module is its one face;
//! a backend that copies the service adds its own tables in `migrations/` and its own queries
//! here.
//!
//! Two engines, one schema: SQLite, embedded, for one process (the default; WAL, every commit
//! synced), and PostgreSQL for a fleet of replicas. The migrations in `service/migrations/`
//! are embedded in the binary and run at start ([`Store::open`]).
//!
//! **Exactly once, by the database:** an event's key is the primary key of `events`, and
//! recording the event and its effect on the upload record is one transaction
//! ([`Store::record`]). Of two replicas recording the same event at once, PostgreSQL makes the
//! second wait for the first and then finds the key taken: it answers
//! [`Outcome::Repeated`]. The upload record is merged in one statement, so events may arrive
//! in any order: the status only moves forward, and a task flow's facts come from its
//! furthest-along event.

mod database_url;
mod migrations;

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use crate::store::database_url::{DATABASE_URL_VARIABLE, DEFAULT_DATABASE_URL, DatabaseUrl};

use crate::record::EventRecord;

/// How long a query waits for a connection, or SQLite for its write lock.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections per replica to PostgreSQL.
const POSTGRES_CONNECTIONS: u32 = 16;

/// Connections to SQLite: one writes at a time (WAL), the others read meanwhile.
const SQLITE_CONNECTIONS: u32 = 4;

/// The store, over one engine's pool.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.pool {
            Pool::Sqlite(_) => "Store(SQLite)",
            Pool::Postgres(_) => "Store(PostgreSQL)",
        })
    }
}

/// Runs `$body` with `$pool` bound to the engine's pool and `$begin` to the statement that
/// opens a writing transaction (SQLite takes its write lock at once, so that a transaction
/// never has to upgrade a read lock and fail with `SQLITE_BUSY`). The same code serves both
/// engines: the SQL is written for both.
macro_rules! on_pool {
    ($store:expr, |$pool:ident, $begin:ident| $body:expr) => {
        match &$store.pool {
            Pool::Sqlite($pool) => {
                let $begin = "BEGIN IMMEDIATE";
                $body
            }
            Pool::Postgres($pool) => {
                let $begin = "BEGIN";
                $body
            }
        }
    };
}

/// A store operation failed: the database is unreachable, or refused the statement.
#[derive(Debug)]
pub struct StoreError(sqlx::Error);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store: {}", self.0)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        Self(error)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        Self(sqlx::Error::Migrate(Box::new(error)))
    }
}

/// What recording an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The event is new; it and its effect are committed.
    Recorded,
    /// The event was recorded before (by this replica or another); nothing changed.
    Repeated,
}

/// An upload record, as `GET /uploads` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Upload {
    /// The media's FileId.
    pub file_id: String,
    /// The user from the signature's `sourceContext`.
    pub user_id: Option<String>,
    /// `uploaded`, `processing`, `finished` or `failed`.
    pub status: String,
    /// The media's name.
    pub name: Option<String>,
    /// Where to play it.
    pub media_url: Option<String>,
    /// Its cover.
    pub cover_url: Option<String>,
    /// Bytes.
    pub size: Option<i64>,
    /// Seconds.
    pub duration: Option<f64>,
    /// When the upload event arrived, Unix seconds.
    pub uploaded_at: Option<i64>,
    /// When an event last changed the record, Unix seconds.
    pub updated_at: i64,
    /// The task flow's TaskId.
    pub procedure_task_id: Option<String>,
    /// The task flow's `Status` as VOD sent it.
    pub task_status: Option<String>,
    /// The task flow's `ErrCode`.
    pub err_code: Option<i64>,
    /// The task flow's `Message`.
    pub message: Option<String>,
    /// The content review's verdict: `pass`, `review` or `block`.
    pub review_suggestion: Option<String>,
}

/// Where a page of uploads starts: after this upload time and FileId (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    /// The last listed upload's `uploadedAt`.
    pub uploaded_at: i64,
    /// The last listed upload's FileId.
    pub file_id: String,
}

const INSERT_EVENT: &str = "INSERT INTO events (event_key, event_type, file_id, raw, received_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_key) DO NOTHING";

/// The statuses in their order; finished and failed are both final.
fn rank(status: &str) -> String {
    format!("(CASE {status} WHEN 'uploaded' THEN 1 WHEN 'processing' THEN 2 ELSE 3 END)")
}

/// Merges one event's change into the upload record: media facts from the newest event that
/// has them, the user and upload time from the upload event, the status forward only, and
/// the task flow's facts only from an event at least as far along as the record.
fn merge_upload_sql() -> String {
    let advances = format!(
        "(excluded.task_status IS NOT NULL AND {} >= {})",
        rank("excluded.status"),
        rank("uploads.status")
    );
    let task = |column: &str| {
        format!("{column} = CASE WHEN {advances} THEN excluded.{column} ELSE uploads.{column} END")
    };
    format!(
        "INSERT INTO uploads (file_id, user_id, status, name, media_url, cover_url, size, duration, \
             uploaded_at, updated_at, procedure_task_id, task_status, err_code, message, review_suggestion) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (file_id) DO UPDATE SET \
             user_id = COALESCE(uploads.user_id, excluded.user_id), \
             status = CASE WHEN {new} > {old} THEN excluded.status ELSE uploads.status END, \
             name = COALESCE(excluded.name, uploads.name), \
             media_url = COALESCE(excluded.media_url, uploads.media_url), \
             cover_url = COALESCE(excluded.cover_url, uploads.cover_url), \
             size = COALESCE(excluded.size, uploads.size), \
             duration = COALESCE(excluded.duration, uploads.duration), \
             uploaded_at = COALESCE(uploads.uploaded_at, excluded.uploaded_at), \
             updated_at = excluded.updated_at, \
             procedure_task_id = COALESCE(excluded.procedure_task_id, uploads.procedure_task_id), \
             {task_status}, {err_code}, {message}, \
             review_suggestion = CASE WHEN {advances} \
                 THEN COALESCE(excluded.review_suggestion, uploads.review_suggestion) \
                 ELSE uploads.review_suggestion END",
        new = rank("excluded.status"),
        old = rank("uploads.status"),
        task_status = task("task_status"),
        err_code = task("err_code"),
        message = task("message"),
    )
}

const UPLOAD_COLUMNS: &str = "file_id, user_id, status, name, media_url, cover_url, size, \
     duration, uploaded_at, updated_at, procedure_task_id, task_status, err_code, message, \
     review_suggestion";

impl Store {
    /// Connects to the database `url` names, creating an SQLite file if there is none, and
    /// runs the migrations it has not run yet.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database cannot be reached or created, or a migration fails.
    pub async fn open(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let pool = match url {
            DatabaseUrl::Sqlite(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // Every commit reaches the disk before the event is acknowledged.
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(ACQUIRE_TIMEOUT);
                Pool::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(SQLITE_CONNECTIONS)
                        .acquire_timeout(ACQUIRE_TIMEOUT)
                        .connect_with(options)
                        .await?,
                )
            }
            DatabaseUrl::Postgres(url) => Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(POSTGRES_CONNECTIONS)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect(url)
                    .await?,
            ),
        };
        let store = Self { pool };
        let migrator = migrations::migrator().await?;
        on_pool!(store, |pool, _begin| migrator.run(pool).await)?;
        Ok(store)
    }

    /// Records `event`, received at `now` (Unix seconds), and its effect on its upload record,
    /// in one transaction: when this returns [`Outcome::Recorded`], both are committed (and,
    /// on SQLite, synced to disk).
    ///
    /// # Errors
    ///
    /// [`StoreError`]; nothing of the event is then written.
    pub async fn record(&self, event: &EventRecord, now: i64) -> Result<Outcome, StoreError> {
        on_pool!(self, |pool, begin| {
            let mut transaction = pool.begin_with(begin).await?;
            let inserted = sqlx::query(INSERT_EVENT)
                .bind(&event.key)
                .bind(&event.event_type)
                .bind(event.file_id())
                .bind(&event.raw)
                .bind(now)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
            if inserted == 0 {
                transaction.rollback().await?;
                return Ok(Outcome::Repeated);
            }
            if let Some(change) = &event.upload {
                sqlx::query(merge_sql())
                    .bind(&change.file_id)
                    .bind(&change.user_id)
                    .bind(change.status.as_str())
                    .bind(&change.name)
                    .bind(&change.media_url)
                    .bind(&change.cover_url)
                    .bind(change.size)
                    .bind(change.duration)
                    .bind(change.uploaded.then_some(now))
                    .bind(now)
                    .bind(&change.procedure_task_id)
                    .bind(&change.task_status)
                    .bind(change.err_code)
                    .bind(&change.message)
                    .bind(change.review_suggestion.map(|verdict| verdict.as_str()))
                    .execute(&mut *transaction)
                    .await?;
            }
            transaction.commit().await?;
            Ok(Outcome::Recorded)
        })
    }

    /// `user`'s uploads, newest first, at most `limit`, starting after `after`.
    ///
    /// # Errors
    ///
    /// [`StoreError`].
    pub async fn uploads(
        &self,
        user: &str,
        limit: u32,
        after: Option<&After>,
    ) -> Result<Vec<Upload>, StoreError> {
        // Every listed upload has its upload time: the upload event sets it with the user.
        let (uploaded_at, file_id) =
            after.map_or((i64::MAX, ""), |after| (after.uploaded_at, &after.file_id));
        let sql = format!(
            "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE user_id = $1 \
             AND (uploaded_at < $2 OR (uploaded_at = $2 AND file_id < $3) OR $4) \
             ORDER BY uploaded_at DESC, file_id DESC LIMIT $5"
        );
        on_pool!(self, |pool, _begin| {
            sqlx::query(&sql)
                .bind(user)
                .bind(uploaded_at)
                .bind(file_id)
                .bind(after.is_none())
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
                .iter()
                .map(upload_from)
                .collect()
        })
    }

    /// The upload `file_id`, if it is `user`'s.
    ///
    /// # Errors
    ///
    /// [`StoreError`].
    pub async fn upload(&self, user: &str, file_id: &str) -> Result<Option<Upload>, StoreError> {
        let sql =
            format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE user_id = $1 AND file_id = $2");
        on_pool!(self, |pool, _begin| {
            sqlx::query(&sql)
                .bind(user)
                .bind(file_id)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(upload_from)
                .transpose()
        })
    }

    /// Deletes the raw events received before `before` (Unix seconds); upload records stay.
    /// Returns how many were deleted.
    ///
    /// # Errors
    ///
    /// [`StoreError`].
    pub async fn prune_events(&self, before: i64) -> Result<u64, StoreError> {
        on_pool!(self, |pool, _begin| {
            Ok(sqlx::query("DELETE FROM events WHERE received_at < $1")
                .bind(before)
                .execute(pool)
                .await?
                .rows_affected())
        })
    }

    /// Keeps `raw`, an event from `source` that could not be recorded because of `error`,
    /// once (by its digest): a dead letter, for a person to read.
    ///
    /// # Errors
    ///
    /// [`StoreError`]; nothing was written.
    pub async fn dead_letter(
        &self,
        raw: &str,
        error: &str,
        source: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let digest: String = Sha256::digest(raw.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        on_pool!(self, |pool, _begin| {
            sqlx::query(
                "INSERT INTO dead_letters (raw_digest, source, raw, error, received_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (raw_digest) DO NOTHING",
            )
            .bind(&digest)
            .bind(source)
            .bind(raw)
            .bind(error)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// How many dead letters are kept.
    ///
    /// # Errors
    ///
    /// [`StoreError`].
    pub async fn dead_letters(&self) -> Result<i64, StoreError> {
        on_pool!(self, |pool, _begin| {
            Ok(sqlx::query("SELECT COUNT(*) AS n FROM dead_letters")
                .fetch_one(pool)
                .await?
                .try_get("n")?)
        })
    }

    /// Whether an event with `key` is kept.
    ///
    /// # Errors
    ///
    /// [`StoreError`].
    pub async fn has_event(&self, key: &str) -> Result<bool, StoreError> {
        on_pool!(self, |pool, _begin| {
            Ok(sqlx::query("SELECT 1 FROM events WHERE event_key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
                .is_some())
        })
    }

    /// Whether the database answers.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, |pool, _begin| {
            sqlx::query("SELECT 1").execute(pool).await?;
            Ok(())
        })
    }

    /// Closes every connection; later operations fail.
    pub async fn close(&self) {
        on_pool!(self, |pool, _begin| pool.close().await);
    }
}

/// The merge statement, built once.
fn merge_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(merge_upload_sql)
}

fn upload_from<R>(row: &R) -> Result<Upload, StoreError>
where
    R: sqlx::Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    f64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Upload {
        file_id: row.try_get("file_id")?,
        user_id: row.try_get("user_id")?,
        status: row.try_get("status")?,
        name: row.try_get("name")?,
        media_url: row.try_get("media_url")?,
        cover_url: row.try_get("cover_url")?,
        size: row.try_get("size")?,
        duration: row.try_get("duration")?,
        uploaded_at: row.try_get("uploaded_at")?,
        updated_at: row.try_get("updated_at")?,
        procedure_task_id: row.try_get("procedure_task_id")?,
        task_status: row.try_get("task_status")?,
        err_code: row.try_get("err_code")?,
        message: row.try_get("message")?,
        review_suggestion: row.try_get("review_suggestion")?,
    })
}
