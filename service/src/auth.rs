//! Who may upload: a caller's bearer token is a listed demo token (`VOD_UPLOAD_TOKENS`), or a
//! JSON Web Token that your login issued (`VOD_AUTH_JWT_SECRET`, `VOD_AUTH_JWT_PUBLIC_KEY` or
//! `VOD_AUTH_JWKS`), whose `sub` is the user. [`Auth::authorize`] is the one function to
//! replace with your own check.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use axum::http::{HeaderMap, header};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;

/// Where the example's permission check reads its `TOKEN:USER` pairs.
pub const TOKENS_VARIABLE: &str = "VOD_UPLOAD_TOKENS";

/// The clock skew tolerated on `exp` and `nbf`, in seconds.
pub const JWT_LEEWAY_SECS: u64 = 30;

/// The callers: demo tokens and, when configured, JWTs.
pub struct Auth {
    tokens: HashMap<String, String>,
    jwt: Option<Jwt>,
}

/// How JWTs are checked.
struct Jwt {
    keys: Keys,
    validation: Validation,
}

/// The keys JWTs may be signed with.
enum Keys {
    /// One key, of one algorithm.
    One(DecodingKey),
    /// A JWKS: the key is the one whose `kid` the token names.
    Set(JwkSet),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("tokens", &self.tokens.len())
            .field("jwt", &self.jwt.is_some())
            .finish()
    }
}

/// Why a caller was refused. Its text says why (expired, bad signature, wrong audience), never
/// the token; the caller only sees a generic 401.
#[derive(Debug)]
pub enum Refusal {
    /// No `Authorization: Bearer …` header.
    NoBearer,
    /// Not a listed token, and no JWT is configured.
    UnknownToken,
    /// A JWT that does not pass.
    Jwt(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoBearer => f.write_str("no bearer token"),
            Self::UnknownToken => f.write_str("unknown token"),
            Self::Jwt(reason) => write!(f, "JWT refused: {reason}"),
        }
    }
}

/// The JWT claims the service reads: the user is `sub`.
#[derive(Deserialize)]
struct Claims {
    sub: String,
}

/// Where JWT keys come from, as configured.
#[derive(Debug, Default, Clone)]
pub struct JwtSettings<'a> {
    /// `VOD_AUTH_JWT_SECRET`: an HS256 key.
    pub secret: Option<&'a str>,
    /// `VOD_AUTH_JWT_PUBLIC_KEY`: a PEM file, RS256 or ES256.
    pub public_key: Option<&'a Path>,
    /// `VOD_AUTH_JWKS`: a JWKS file.
    pub jwks: Option<&'a Path>,
    /// `VOD_AUTH_JWT_ISSUER`.
    pub issuer: Option<&'a str>,
    /// `VOD_AUTH_JWT_AUDIENCE`.
    pub audience: Option<&'a str>,
}

impl Auth {
    /// Demo tokens (`TOKEN:USER,…`) and, when `jwt` names a key source, JWTs.
    ///
    /// # Errors
    ///
    /// A message naming the variable: a token list that is not `TOKEN:USER`, more than one
    /// key source, a key file that cannot be read or is not a key.
    pub fn new(tokens: &str, jwt: &JwtSettings<'_>) -> Result<Self, String> {
        Ok(Self {
            tokens: parse_tokens(tokens)?,
            jwt: Jwt::new(jwt)?,
        })
    }

    /// Whether any caller can be accepted.
    #[must_use]
    pub fn accepts_anyone(&self) -> bool {
        !self.tokens.is_empty() || self.jwt.is_some()
    }

    /// Whether JWTs are accepted.
    #[must_use]
    pub fn uses_jwt(&self) -> bool {
        self.jwt.is_some()
    }

    /// The permission check: which user the caller is. The scheme `Bearer` matches in any
    /// case (RFC 7235); a listed token is its user; any other is checked as a JWT.
    ///
    /// # Errors
    ///
    /// [`Refusal`], saying why.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<String, Refusal> {
        let value = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or(Refusal::NoBearer)?;
        let (scheme, token) = value.trim().split_once(' ').ok_or(Refusal::NoBearer)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(Refusal::NoBearer);
        }
        let token = token.trim();
        if let Some(user) = self.tokens.get(token) {
            return Ok(user.clone());
        }
        self.jwt
            .as_ref()
            .ok_or(Refusal::UnknownToken)?
            .user(token)
            .map_err(Refusal::Jwt)
    }
}

impl Jwt {
    fn new(settings: &JwtSettings<'_>) -> Result<Option<Self>, String> {
        let sources = [
            settings.secret.is_some(),
            settings.public_key.is_some(),
            settings.jwks.is_some(),
        ];
        let (keys, algorithms) = match sources {
            [false, false, false] => return Ok(None),
            [true, false, false] => (
                Keys::One(DecodingKey::from_secret(
                    settings.secret.unwrap_or_default().as_bytes(),
                )),
                vec![Algorithm::HS256],
            ),
            [false, true, false] => {
                let path = settings.public_key.expect("matched as set");
                let pem = read("VOD_AUTH_JWT_PUBLIC_KEY", path)?;
                if let Ok(key) = DecodingKey::from_rsa_pem(pem.as_bytes()) {
                    (Keys::One(key), vec![Algorithm::RS256])
                } else if let Ok(key) = DecodingKey::from_ec_pem(pem.as_bytes()) {
                    (Keys::One(key), vec![Algorithm::ES256])
                } else {
                    return Err(format!(
                        "VOD_AUTH_JWT_PUBLIC_KEY: {} is not a PEM RSA or EC public key",
                        path.display()
                    ));
                }
            }
            [false, false, true] => {
                let path = settings.jwks.expect("matched as set");
                let set: JwkSet =
                    serde_json::from_str(&read("VOD_AUTH_JWKS", path)?).map_err(|error| {
                        format!("VOD_AUTH_JWKS: {} is not a JWKS: {error}", path.display())
                    })?;
                (Keys::Set(set), vec![Algorithm::RS256, Algorithm::ES256])
            }
            _ => {
                return Err(
                    "VOD_AUTH_JWT_SECRET, VOD_AUTH_JWT_PUBLIC_KEY and VOD_AUTH_JWKS: set one of them, not several"
                        .to_owned(),
                );
            }
        };
        let mut validation = Validation::new(algorithms[0]);
        validation.algorithms = algorithms;
        validation.leeway = JWT_LEEWAY_SECS;
        validation.set_required_spec_claims(&["exp", "sub"]);
        if let Some(issuer) = settings.issuer {
            validation.set_issuer(&[issuer]);
        }
        match settings.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        Ok(Some(Self { keys, validation }))
    }

    fn user(&self, token: &str) -> Result<String, String> {
        let key = match &self.keys {
            Keys::One(key) => key.clone(),
            Keys::Set(set) => {
                let kid = decode_header(token)
                    .map_err(|error| error.to_string())?
                    .kid
                    .ok_or("no kid in the header")?;
                let jwk = set
                    .find(&kid)
                    .ok_or_else(|| format!("no key with kid {kid:?}"))?;
                DecodingKey::from_jwk(jwk).map_err(|error| error.to_string())?
            }
        };
        let claims = decode::<Claims>(token, &key, &self.validation)
            .map_err(|error| error.to_string())?
            .claims;
        if claims.sub.is_empty() {
            return Err("empty sub".to_owned());
        }
        Ok(claims.sub)
    }
}

fn read(variable: &str, path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|error| format!("{variable}: cannot read {}: {error}", path.display()))
}

/// `TOKEN:USER,TOKEN:USER` → a map.
///
/// # Errors
///
/// A message naming the first entry that is not `TOKEN:USER`; nothing is skipped silently.
/// The entry's token is not repeated.
pub fn parse_tokens(spec: &str) -> Result<HashMap<String, String>, String> {
    spec.split(',')
        .enumerate()
        .filter(|(_, entry)| !entry.trim().is_empty())
        .map(|(index, entry)| match entry.trim().split_once(':') {
            Some((token, user)) if !token.is_empty() && !user.is_empty() => {
                Ok((token.to_owned(), user.to_owned()))
            }
            _ => Err(format!(
                "{TOKENS_VARIABLE}: entry {} is not TOKEN:USER",
                index + 1
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lists_are_parsed_or_refused_without_repeating_the_token() {
        let tokens = parse_tokens(" a:alice , b:bob ,").expect("valid");
        assert_eq!(tokens.get("a").map(String::as_str), Some("alice"));
        assert_eq!(tokens.len(), 2);
        assert_eq!(
            parse_tokens("a:alice,secret-token").expect_err("no user"),
            "VOD_UPLOAD_TOKENS: entry 2 is not TOKEN:USER"
        );
        assert!(parse_tokens(":alice").is_err());
        assert!(parse_tokens("").expect("empty is fine").is_empty());
    }

    #[test]
    fn the_scheme_matches_in_any_case_and_only_bearer() {
        let auth = Auth::new("t:alice", &JwtSettings::default()).expect("valid");
        for value in ["Bearer t", "bearer t", "BEARER  t", " Bearer t "] {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().expect("a header"));
            assert_eq!(
                auth.authorize(&headers).ok().as_deref(),
                Some("alice"),
                "{value:?}"
            );
        }
        for value in ["Basic t", "t", "Bearer u", "Bearer"] {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().expect("a header"));
            assert!(auth.authorize(&headers).is_err(), "{value:?}");
        }
    }

    #[test]
    fn one_key_source_at_most() {
        let error = Auth::new(
            "",
            &JwtSettings {
                secret: Some("s"),
                jwks: Some(Path::new("/nonexistent")),
                ..JwtSettings::default()
            },
        )
        .expect_err("two sources");
        assert!(error.contains("not several"), "{error}");
    }
}
