//! `VOD_DATABASE_URL`: which engine, and where.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The variable that names the database.
pub const DATABASE_URL_VARIABLE: &str = "VOD_DATABASE_URL";

/// Unset, the service keeps its records here, relative to the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://vod-uploads.db";

/// Where the store lives.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file (`sqlite://RELATIVE/PATH`, `sqlite:///ABSOLUTE/PATH`), created at start.
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://USER:PASS@HOST:PORT/DB`, or `postgresql://`), as
    /// given; it may carry a password, so it is never shown.
    Postgres(String),
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Self::Postgres(_) => f.write_str("Postgres(<redacted>)"),
        }
    }
}

impl fmt::Display for DatabaseUrl {
    /// The engine and the SQLite path; a PostgreSQL URL is shown without its user and
    /// password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "SQLite at {}", path.display()),
            Self::Postgres(url) => {
                let rest = url.split_once("://").map_or("", |(_, rest)| rest);
                let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
                let host = host.split('?').next().unwrap_or(host);
                write!(f, "PostgreSQL at {host}")
            }
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path == "/" {
                return Err(format!(
                    "{DATABASE_URL_VARIABLE}: sqlite:// names no file; expected sqlite://RELATIVE/PATH or sqlite:///ABSOLUTE/PATH"
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        // Only the scheme is repeated: the rest may hold a password.
        let scheme = url.split_once("://").map_or("(none)", |(scheme, _)| scheme);
        Err(format!(
            "{DATABASE_URL_VARIABLE}: scheme {scheme:?} is not sqlite:// or postgres:// (postgresql://)"
        ))
    }
}

impl DatabaseUrl {
    /// From the environment, or [`DEFAULT_DATABASE_URL`].
    ///
    /// # Errors
    ///
    /// A message naming the variable when its value is not one of the forms above.
    pub fn from_env() -> Result<Self, String> {
        std::env::var(DATABASE_URL_VARIABLE)
            .unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned())
            .parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_and_the_refusals() {
        assert_eq!(
            DEFAULT_DATABASE_URL.parse(),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("vod-uploads.db")))
        );
        assert_eq!(
            "sqlite://data/vod.db".parse(),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("data/vod.db")))
        );
        assert_eq!(
            "sqlite:///var/lib/vod.db".parse(),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("/var/lib/vod.db")))
        );
        for url in ["postgres://u:p@h:5432/d", "postgresql://u:p@h/d"] {
            assert_eq!(url.parse(), Ok(DatabaseUrl::Postgres(url.to_owned())));
        }
        for bad in ["sqlite://", "mysql://u:secret@h/d", "vod.db", ""] {
            let error = bad.parse::<DatabaseUrl>().expect_err(bad);
            assert!(error.starts_with(DATABASE_URL_VARIABLE), "{error}");
            assert!(!error.contains("secret"), "{error}");
        }
    }

    #[test]
    fn a_postgres_password_is_never_shown() {
        let url: DatabaseUrl = "postgres://vod:hunter2@db.internal:5432/vod?sslmode=require"
            .parse()
            .expect("valid");
        assert_eq!(url.to_string(), "PostgreSQL at db.internal:5432/vod");
        assert_eq!(format!("{url:?}"), "Postgres(<redacted>)");
    }
}
