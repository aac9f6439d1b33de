//! `GET /uploads` and `GET /uploads/{fileId}`: the caller's upload records, for the app.
//!
//! Bearer-authorized like `/upload-signature`. The list is newest first, `?limit=` (1 to
//! [`MAX_LIMIT`], default [`DEFAULT_LIMIT`]) at a time; `data.next` is the `?cursor=` of the
//! next page, `null` on the last.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::App;
use crate::record::check_file_id;
use crate::reply::reply;
use crate::store::{After, StoreError};
use crate::telemetry::store_timed;

/// Uploads per page unless `?limit=` says otherwise.
pub const DEFAULT_LIMIT: u32 = 20;

/// The most uploads one page holds.
pub const MAX_LIMIT: u32 = 100;

/// The caller's uploads, a page at a time.
pub async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(user) = caller(&app, &headers) else {
        return unauthorized();
    };
    let (limit, after) = match page(query.as_deref().unwrap_or_default()) {
        Ok(page) => page,
        Err(message) => return reply(StatusCode::BAD_REQUEST, 4002, &message, Value::Null),
    };
    // One more than asked tells whether there is a next page.
    match store_timed(
        "uploads",
        app.store.uploads(&user, limit + 1, after.as_ref()),
    )
    .await
    {
        Ok(mut uploads) => {
            let next = if uploads.len() > limit as usize {
                uploads.truncate(limit as usize);
                uploads.last().map(|last| {
                    cursor(&After {
                        uploaded_at: last.uploaded_at.expect(
                            "a listed upload has its upload time: the upload event sets it with the user",
                        ),
                        file_id: last.file_id.clone(),
                    })
                })
            } else {
                None
            };
            reply(
                StatusCode::OK,
                0,
                "ok",
                json!({ "uploads": uploads, "next": next }),
            )
        }
        Err(error) => store_failed(&error),
    }
}

/// One of the caller's uploads; 404 when it is not the caller's (or not known).
pub async fn one(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(file_id): Path<String>,
) -> Response {
    let Some(user) = caller(&app, &headers) else {
        return unauthorized();
    };
    if check_file_id(&file_id).is_err() {
        return not_found();
    }
    match store_timed("upload", app.store.upload(&user, &file_id)).await {
        Ok(Some(upload)) => reply(StatusCode::OK, 0, "ok", upload),
        Ok(None) => not_found(),
        Err(error) => store_failed(&error),
    }
}

/// `limit` and `cursor` from the query string; other parameters are ignored.
fn page(query: &str) -> Result<(u32, Option<After>), String> {
    let mut limit = DEFAULT_LIMIT;
    let mut after = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*name {
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                    .ok_or_else(|| {
                        format!("limit {value:?} is not a whole number from 1 to {MAX_LIMIT}")
                    })?;
            }
            "cursor" => {
                after = Some(
                    parse_cursor(&value)
                        .ok_or("cursor is not one this service gave (take data.next as it is)")?,
                );
            }
            _ => {}
        }
    }
    Ok((limit, after))
}

/// A cursor: the last listed upload's time and FileId, `UPLOADEDAT.FILEID`. Opaque to
/// callers; only its shape is checked, since it is only a position.
fn cursor(after: &After) -> String {
    format!("{}.{}", after.uploaded_at, after.file_id)
}

fn parse_cursor(text: &str) -> Option<After> {
    let (uploaded_at, file_id) = text.split_once('.')?;
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    if !digits(uploaded_at) {
        return None;
    }
    Some(After {
        uploaded_at: uploaded_at.parse().ok()?,
        file_id: check_file_id(file_id).ok()?.to_owned(),
    })
}

/// The caller's user; `None` for a refused caller (the log says why, never the token).
fn caller(app: &App, headers: &HeaderMap) -> Option<String> {
    app.auth
        .authorize(headers)
        .map_err(|refusal| tracing::info!(reason = %refusal, "uploads: refused"))
        .ok()
}

fn unauthorized() -> Response {
    reply(
        StatusCode::UNAUTHORIZED,
        4001,
        "missing or unknown bearer token",
        Value::Null,
    )
}

fn not_found() -> Response {
    reply(StatusCode::NOT_FOUND, 4004, "no such upload", Value::Null)
}

fn store_failed(error: &StoreError) -> Response {
    tracing::error!(%error, "uploads: store failed");
    reply(
        StatusCode::SERVICE_UNAVAILABLE,
        5030,
        "the store is unavailable; try again",
        Value::Null,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_take_a_limit_in_range_and_a_cursor_of_ours() {
        assert_eq!(page(""), Ok((DEFAULT_LIMIT, None)));
        assert_eq!(page("limit=1&other=x"), Ok((1, None)));
        assert_eq!(page("limit=100"), Ok((100, None)));
        let after = After {
            uploaded_at: 1_700_000_000,
            file_id: "5285890784246869930".to_owned(),
        };
        assert_eq!(
            page(&format!("cursor={}", cursor(&after))),
            Ok((DEFAULT_LIMIT, Some(after)))
        );
        for bad in ["limit=0", "limit=101", "limit=ten", "limit=", "limit=-1"] {
            assert!(page(bad).expect_err(bad).starts_with("limit"), "{bad}");
        }
        for bad in [
            "cursor=",
            "cursor=abc",
            "cursor=1.",
            "cursor=.1",
            "cursor=1.2.3",
            "cursor=x.1",
        ] {
            assert!(page(bad).expect_err(bad).starts_with("cursor"), "{bad}");
        }
    }
}
