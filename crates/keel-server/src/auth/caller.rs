//! Who is calling: the authenticated person behind a request and how they proved it (an API
//! token or a browser session), and the secret helpers both ways share. Kept apart from the HTTP
//! extractors in `extract.rs` so that services and jobs can name a `Caller` without depending on
//! request parsing.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, Method};
use keel_domain::{ApiToken, Person, Source, TokenScope};
use keel_store::{Accounts, Session, WriteCtx};
use sha2::{Digest, Sha256};

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
