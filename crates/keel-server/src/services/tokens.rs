//! API tokens: issued with a secret shown once, stored hashed.

use crate::auth::hash_secret;
use crate::error::ApiResult;
use keel_domain::*;
use keel_store::{Store, WriteCtx};
use rand::RngCore;

/// Issues a token for `person` and returns it with its secret (the only time the secret exists
/// outside the caller's hands).
pub async fn issue(
    store: &dyn Store,
    ctx: &WriteCtx,
    person: &Person,
    name: &str,
    scope: TokenScope,
    expires_on: Option<chrono::NaiveDate>,
) -> ApiResult<(ApiToken, String)> {
    let now = super::now();
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
    .validated(now.date_naive())?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = format!("keel_{}", hex::encode(bytes));
    store
        .insert_token(ctx, &token, &hash_secret(&secret))
        .await?;
    Ok((token, secret))
}

/// Revokes one of the caller's own tokens; someone else's token id is 404, like an unknown one.
pub async fn revoke_own_token(
    store: &dyn Store,
    caller: &crate::auth::Caller,
    id: &TokenId,
) -> ApiResult<()> {
    let mine = store.list_tokens(&caller.person.id).await?;
    if !mine.iter().any(|t| &t.id == id && t.revoked_at.is_none()) {
        return Err(crate::error::ApiError::NotFound("token"));
    }
    store.revoke_token(&caller.write_ctx(), id).await?;
    Ok(())
}
