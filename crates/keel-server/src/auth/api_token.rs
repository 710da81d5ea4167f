//! Authenticating an API token (`Authorization: Bearer …`), apart from HTTP: given the store and
//! the secret a request presented, find the token, check it is live and its person active,
//! check its scope against what the request does, and record its use. The axum extractor
//! (`auth::extractor`) only reads the header and calls [`authenticate`].

use super::{hash_secret, Caller};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use keel_domain::TokenScope;
use keel_store::Store;

/// The answer for a secret that names no usable token: the same whether it is unknown, revoked
/// or expired, or its person deactivated, so that the answer tells an attacker nothing.
const UNUSABLE: &str = "the API token is unknown, revoked or expired";

/// The caller behind an API token's `secret`, for a request that `writes` (any method but GET,
/// HEAD and OPTIONS) or only reads, at `now`.
///
/// 401 when the token is unknown, revoked, expired or its person deactivated; 403 when a
/// read-scoped token tries to write. Last use is recorded at most once a minute.
pub async fn authenticate(
    store: &dyn Store,
    secret: &str,
    writes: bool,
    now: DateTime<Utc>,
) -> ApiResult<Caller> {
    let (token, person) = store
        .token_by_hash(&hash_secret(secret))
        .await?
        .ok_or(ApiError::Unauthorized(UNUSABLE))?;
    if !token.is_live(now) || !person.active {
        return Err(ApiError::Unauthorized(UNUSABLE));
    }
    if token.scope == TokenScope::Read && writes {
        return Err(ApiError::forbidden(
            "this token has the read scope; writing needs a write token",
        ));
    }
    // Last use is shown to the token's owner; a minute's precision spares a write per request.
    if token
        .last_used_at
        .is_none_or(|t| now - t > chrono::Duration::seconds(60))
    {
        store.touch_token(&token.id, now).await?;
    }
    Ok(Caller::from_token(token, person))
}
