//! The HTTP edge of authentication for the JSON API: reads the credentials a request carries
//! (the `Authorization` header, or the session cookie and `x-csrf-token`) and hands them to
//! `api_token::authenticate` or `session::authenticate`. Nothing is decided here.

use super::{api_token, session, Caller, CSRF_HEADER};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderValue, Method};

/// Whether a request with this method changes anything (for token scopes and CSRF).
fn writes(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The secret of `Authorization: Bearer <secret>`.
fn bearer_secret(value: &HeaderValue) -> Result<&str, ApiError> {
    value
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
        ))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let writes = writes(&parts.method);
        match parts.headers.get(header::AUTHORIZATION) {
            Some(value) => {
                let secret = bearer_secret(value)?;
                api_token::authenticate(state.store(), secret, writes, chrono::Utc::now()).await
            }
            None => {
                let sent_csrf = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                session::authenticate(
                    state.store(),
                    &state.auth,
                    session::cookie(&parts.headers, session::SESSION_COOKIE),
                    writes.then_some(sent_csrf.unwrap_or("")),
                )
                .await
            }
        }
    }
}
