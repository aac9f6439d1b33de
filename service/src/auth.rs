//! Who may upload: the one function to replace with your own permission check.

use std::collections::HashMap;

use axum::http::{HeaderMap, header};

use crate::App;

/// Where the example's permission check reads its `TOKEN:USER` pairs.
pub const TOKENS_VARIABLE: &str = "VOD_UPLOAD_TOKENS";

/// The permission check: which user, if any, may upload. Replace this with your own (a
/// session lookup, your identity provider).
pub fn authorize<'a>(app: &'a App, headers: &HeaderMap) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?;
    app.tokens.get(token).map(String::as_str)
}

/// `TOKEN:USER,TOKEN:USER` → a map.
///
/// # Errors
///
/// A message naming the first entry that is not `TOKEN:USER`; nothing is skipped silently.
pub fn parse_tokens(spec: &str) -> Result<HashMap<String, String>, String> {
    spec.split(',')
        .filter(|entry| !entry.trim().is_empty())
        .map(|entry| match entry.trim().split_once(':') {
            Some((token, user)) if !token.is_empty() && !user.is_empty() => {
                Ok((token.to_owned(), user.to_owned()))
            }
            _ => Err(format!("{TOKENS_VARIABLE}: {entry:?} is not TOKEN:USER")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lists_are_parsed_or_refused() {
        let tokens = parse_tokens(" a:alice , b:bob ,").expect("valid");
        assert_eq!(tokens.get("a").map(String::as_str), Some("alice"));
        assert_eq!(tokens.len(), 2);
        assert!(parse_tokens("a").is_err());
        assert!(parse_tokens(":alice").is_err());
        assert!(parse_tokens("").expect("empty is fine").is_empty());
    }
}
