//! API tokens, the same for the JSON API and the account pages: issued with a secret shown
//! once, stored hashed, listed without secrets, revoked by their person.

use crate::auth::secrets::{hash_secret, new_api_token_secret};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use keel_domain::*;
use keel_store::{Accounts, Store, WriteCtx};

/// Issues a token for `person` and returns it with its secret (the only time the secret exists
/// outside the caller's hands). Its last day may be today or later, today being the
/// organisation's calendar day (`services::today`): east of UTC, a token created in the morning
/// may end today.
pub async fn issue(
    store: &dyn Store,
    ctx: &WriteCtx,
    person: &Person,
    name: &str,
    scope: TokenScope,
    expires_on: Option<chrono::NaiveDate>,
) -> ApiResult<(ApiToken, String)> {
    let (now, today) = (super::now(), super::today(store).await?);
    let token = ApiToken {
        id: TokenId::generate(),
        person_id: person.id.clone(),
        name: name.to_string(),
        scope,
        created_at: now,
        expires_on,
        last_used_at: None,
        revoked_at: None,
    }
    .validated(today)?;
    let secret = new_api_token_secret();
    store
        .insert_token(ctx, &token, &hash_secret(&secret))
        .await?;
    Ok((token, secret))
}

/// The caller's own tokens, newest first.
pub async fn own(store: &dyn Store, caller: &Caller) -> ApiResult<Vec<ApiToken>> {
    let mut tokens = store.list_tokens(&caller.person.id).await?;
    tokens.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    Ok(tokens)
}

/// Revokes one of the caller's own tokens: it answers 401 from then on. Someone else's token id
/// is 404, like an unknown one. Revoking a token already revoked succeeds and changes nothing
/// (the request's goal, a token that no longer works, holds).
pub async fn revoke_own(store: &dyn Store, caller: &Caller, id: &TokenId) -> ApiResult<()> {
    let mine = store.list_tokens(&caller.person.id).await?;
    if !mine.iter().any(|t| &t.id == id) {
        return Err(ApiError::NotFound("token"));
    }
    store.revoke_token(&caller.write_ctx(), id).await?;
    Ok(())
}
