//! API tokens: issued with a secret shown once, stored hashed.

use crate::auth::hash_secret;
use crate::error::ApiResult;
use keel_domain::*;
use keel_store::{Accounts, Store, WriteCtx};
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
