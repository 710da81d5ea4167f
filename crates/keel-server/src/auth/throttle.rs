//! Sign-in rate limiting: after `max_failures` failed sign-ins for one email address within the
//! window, that address is locked for a while, whatever the password. The count is kept per
//! address whether or not anyone has it, so the answer never tells which addresses exist.

use super::AuthConfig;
use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use keel_store::Accounts;
use keel_store::Store;

/// The throttle key for an email address as typed.
pub fn key_for(email: &str) -> String {
    format!("email:{}", email.trim().to_lowercase())
}

/// When sign-in under `key` is locked, until when.
pub async fn locked_until(
    store: &dyn Store,
    auth: &AuthConfig,
    key: &str,
) -> ApiResult<Option<DateTime<Utc>>> {
    let now = auth.now();
    Ok(store
        .sign_in_throttle(key)
        .await?
        .and_then(|t| t.locked_until)
        .filter(|until| *until > now))
}

/// Counts a failure; locks the key when it reaches the limit. Returns the lock's end if locked.
pub async fn failed(
    store: &dyn Store,
    auth: &AuthConfig,
    key: &str,
) -> ApiResult<Option<DateTime<Utc>>> {
    let now = auth.now();
    let policy = &auth.lockout;
    let failures = store
        .record_sign_in_failure(key, now, now - policy.window)
        .await?;
    if failures >= policy.max_failures {
        let until = now + policy.lock_for;
        store.lock_sign_in(key, until).await?;
        tracing::warn!(failures, "sign-in locked after repeated failures");
        return Ok(Some(until));
    }
    Ok(None)
}

/// Forgets the failures after a successful sign-in.
pub async fn succeeded(store: &dyn Store, key: &str) -> ApiResult<()> {
    Ok(store.clear_sign_in_failures(key).await?)
}
