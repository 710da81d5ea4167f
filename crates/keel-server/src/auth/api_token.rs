//! Authenticating an API token (`Authorization: Bearer …`), apart from HTTP: given the store and
//! the secret a request presented, find the token, check it is live and its person active,
//! check its scope against what the request does, and record its use. The axum extractor
//! (`auth::extractor`) only reads the header and calls [`authenticate`].

use super::{hash_secret, Caller};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use keel_domain::TokenScope;
use keel_store::{Accounts, Store};

/// The answer for a secret that names no usable token: the same whether it is unknown, revoked
/// or expired, or its person deactivated, so that the answer tells an attacker nothing.
const UNUSABLE: &str = "the API token is unknown, revoked or expired";

/// The caller behind an API token's `secret`, for a request that `writes` (any method but GET,
/// HEAD and OPTIONS) or only reads, at `now`.
///
/// 401 when the token is unknown, revoked, past its last day (in the organisation's time zone)
/// or its person deactivated; 403 when a
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
    // The last day ends when it ends where the organisation is (the one clock).
    let today = keel_store::Settings::settings(store).await?.local_date(now);
    if !token.is_live(today) || !person.active {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::{directory, tokens};
    use keel_domain::Source;
    use keel_store::WriteCtx;

    /// A store with one person holding a read token and a write token; returns their secrets.
    async fn store_with_tokens() -> (keel_store::DynStore, String, String, keel_domain::TokenId) {
        let store = keel_store::open("sqlite::memory:").await.unwrap();
        let ctx = WriteCtx::system(Source::Cli);
        let input = directory::NewPerson {
            name: "Rosa Reader".into(),
            email: "rosa@example.com".into(),
            title: String::new(),
            manager_id: None,
            roles: vec![],
        };
        let rosa = directory::insert_person(store.as_ref(), &ctx, input)
            .await
            .unwrap();
        let issue = |scope| tokens::issue(store.as_ref(), &ctx, &rosa, "t", scope, None);
        let (_, read) = issue(TokenScope::Read).await.unwrap();
        let (write_token, write) = issue(TokenScope::Write).await.unwrap();
        (store, read, write, write_token.id)
    }

    #[tokio::test]
    async fn tokens_authenticate_by_scope_and_stop_when_revoked() {
        let (store, read, write, write_id) = store_with_tokens().await;
        let store = store.as_ref();
        let now = Utc::now();
        let caller = authenticate(store, &read, false, now).await.unwrap();
        assert_eq!(caller.person.name, "Rosa Reader");
        assert!(caller.token.is_some() && caller.session.is_none());
        assert!(matches!(
            authenticate(store, &read, true, now).await,
            Err(ApiError::Forbidden(_))
        ));
        assert!(authenticate(store, &write, true, now).await.is_ok());
        // Last use is recorded.
        let listed = store.list_tokens(&caller.person.id).await.unwrap();
        assert!(listed.iter().all(|t| t.last_used_at.is_some()));
        assert!(matches!(
            authenticate(store, "keel_unknown", false, now).await,
            Err(ApiError::Unauthorized(_))
        ));
        store
            .revoke_token(&WriteCtx::system(Source::Cli), &write_id)
            .await
            .unwrap();
        assert!(matches!(
            authenticate(store, &write, false, now).await,
            Err(ApiError::Unauthorized(_))
        ));
    }
}
