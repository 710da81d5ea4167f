//! Request extractors that turn every kind of bad input into a problem document naming the
//! field: JSON bodies, query strings, `If-Match`, and the bearer token.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts, Method};
use keel_domain::{ApiToken, Person, Source, TokenScope};
use keel_store::{PageRequest, Session, WriteCtx};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// A JSON body whose errors name the offending field (`title`, `key_results[1].target`, …).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json") || ct.contains("+json"));
        if !is_json {
            return Err(ApiError::BadRequest(
                "the request body must be JSON with Content-Type: application/json".into(),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("could not read the request body: {e}")))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON, naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::BadRequest(format!("the body is not valid JSON: {inner}"));
        }
        let message = inner.to_string();
        // serde reports a missing field at the parent's path; name the field itself. (An unknown
        // field's path already ends with its name.)
        let field = if let Some(name) = backticked(&message, "missing field `") {
            join_path(&path, &name)
        } else if path == "." {
            "body".to_string()
        } else {
            path
        };
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        ApiError::invalid(&field, message)
    })
}

fn backticked(message: &str, prefix: &str) -> Option<String> {
    let rest = message.split_once(prefix)?.1;
    Some(rest.split('`').next()?.to_string())
}

fn join_path(path: &str, name: &str) -> String {
    if path == "." || path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// `limit` and `cursor` query parameters, checked.
pub fn page_request(limit: Option<&str>, cursor: Option<&str>) -> ApiResult<PageRequest> {
    let limit = match limit {
        None | Some("") => 50,
        Some(l) => match l.parse::<u32>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid(
                    "limit",
                    "must be a whole number from 1 to 500",
                ))
            }
        },
    };
    Ok(PageRequest {
        limit,
        cursor: cursor.filter(|c| !c.is_empty()).map(str::to_string),
    })
}

/// The version a client expects (`If-Match: "3"`), if it sent one.
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = value.to_str().unwrap_or("").trim();
        if text == "*" {
            return Ok(IfMatch(None));
        }
        let version = text
            .trim_start_matches("W/")
            .trim_matches('"')
            .parse::<i64>()
            // An ETag we never issued cannot match the current version.
            .unwrap_or(-1);
        Ok(IfMatch(Some(version)))
    }
}

impl IfMatch {
    /// 412 when the client's version is not the current one.
    pub fn check(&self, current: i64) -> ApiResult<()> {
        match self.0 {
            Some(v) if v != current => Err(ApiError::PreconditionFailed),
            _ => Ok(()),
        }
    }
}

/// The ETag of a record version.
pub fn etag(version: i64) -> [(header::HeaderName, String); 1] {
    [(header::ETAG, format!("\"{version}\""))]
}

/// The authenticated person behind a request, and how they authenticated: an API token
/// (`Authorization: Bearer …`) or a browser session cookie.
///
/// `/api/v1` accepts both. A session-authenticated write must carry the session's CSRF token in
/// `x-csrf-token` (403 otherwise), so the browser UI (htmx included) can call the JSON API while
/// another site cannot make a signed-in browser write. Web UI routes authenticate by session only
/// (see `ui::SignedIn`).
#[derive(Debug, Clone)]
pub struct Caller {
    pub person: Person,
    /// The API token, when the request carried one.
    pub token: Option<ApiToken>,
    /// The browser session, when the request came with a session cookie.
    pub session: Option<Session>,
    pub request_id: Option<String>,
}

impl Caller {
    /// A caller signed in through a browser session.
    pub fn from_session(session: Session, person: Person) -> Self {
        Caller {
            person,
            token: None,
            session: Some(session),
            request_id: crate::error::current_request_id(),
        }
    }

    /// The audit context for writes made by this caller: source `ui` for a browser session,
    /// `api` for a token.
    pub fn write_ctx(&self) -> WriteCtx {
        WriteCtx {
            actor_id: Some(self.person.id.clone()),
            source: if self.session.is_some() {
                Source::Ui
            } else {
                Source::Api
            },
            request_id: self.request_id.clone(),
        }
    }
}

/// SHA-256 hex of a token secret: what the store keeps.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The header carrying the CSRF token on session-authenticated writes (htmx sends it too).
pub const CSRF_HEADER: &str = "x-csrf-token";

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(header::AUTHORIZATION) else {
            return session_caller(parts, state).await;
        };
        let secret = header
            .to_str()
            .ok()
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::Unauthorized(
                "the Authorization header must be: Bearer <token>",
            ))?;
        let bad = ApiError::Unauthorized("the API token is unknown, revoked or expired");
        let (token, person) = state
            .store
            .token_by_hash(&hash_secret(secret))
            .await?
            .ok_or(bad)?;
        let now = chrono::Utc::now();
        if !token.is_live(now) || !person.active {
            return Err(ApiError::Unauthorized(
                "the API token is unknown, revoked or expired",
            ));
        }
        if token.scope == TokenScope::Read && !is_safe(&parts.method) {
            return Err(ApiError::forbidden(
                "this token has the read scope; writing needs a write token",
            ));
        }
        // Last use is shown to the token's owner; a minute's precision spares a write per request.
        if token
            .last_used_at
            .is_none_or(|t| now - t > chrono::Duration::seconds(60))
        {
            state.store.touch_token(&token.id, now).await?;
        }
        Ok(Caller {
            person,
            token: Some(token),
            session: None,
            request_id: crate::error::current_request_id(),
        })
    }
}

/// No bearer token: a browser session, whose writes must carry the CSRF header.
async fn session_caller(parts: &Parts, state: &AppState) -> ApiResult<Caller> {
    let Some((session, person)) =
        crate::auth::session::current(state.store(), &state.auth, &parts.headers).await?
    else {
        return Err(ApiError::Unauthorized(
            "an API token is required: Authorization: Bearer <token>",
        ));
    };
    if !is_safe(&parts.method) {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !crate::auth::same_secret(sent, &session.csrf_token) {
            return Err(ApiError::forbidden(
                "a write with a session cookie must carry the session's CSRF token in x-csrf-token",
            ));
        }
    }
    Ok(Caller::from_session(session, person))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        items: Vec<Item>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        target: f64,
    }

    fn field(json: &str) -> String {
        match parse_json::<Body>(json.as_bytes()).unwrap_err() {
            ApiError::Invalid(e) => e.field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_errors_name_the_field() {
        assert_eq!(field(r#"{"items": []}"#), "title");
        assert_eq!(field(r#"{"title": 3, "items": []}"#), "title");
        assert_eq!(
            field(r#"{"title": "x", "items": [{"target": 1}, {"target": "a"}]}"#),
            "items[1].target"
        );
        assert_eq!(
            field(r#"{"title": "x", "items": [], "colour": 1}"#),
            "colour"
        );
        assert!(matches!(
            parse_json::<Body>(b"{"),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn limits() {
        assert_eq!(page_request(None, None).unwrap().limit, 50);
        assert!(page_request(Some("0"), None).is_err());
        assert!(page_request(Some("x"), None).is_err());
        assert_eq!(
            page_request(Some("500"), Some("c"))
                .unwrap()
                .cursor
                .as_deref(),
            Some("c")
        );
    }
}
