//! Local passwords: Argon2id hashes (PHC strings in `people.password_hash`), the rules a new
//! password must meet, and changing or resetting one (which ends the person's other sessions).

use super::AuthConfig;
use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use keel_domain::{Person, PersonId};
use keel_store::Store;
use keel_store::{Accounts, People};
use std::sync::LazyLock;

/// Hashes with Argon2id (the crate's default parameters), off the async threads.
pub async fn hash(password: &str) -> ApiResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(format!("cannot hash a password: {e}")))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// A hash no password matches quickly: verified against when the email is unknown, so a wrong
/// email takes as long as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(super::random_token().as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Whether `password` matches the stored hash (`None`: no password set, which never matches but
/// costs the same time).
pub async fn verify(password: &str, stored: Option<String>) -> bool {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
    .unwrap_or(false)
}

/// The rules for a new password, reported on `field`.
pub fn check_new(auth: &AuthConfig, field: &str, password: &str) -> ApiResult<()> {
    let n = password.chars().count();
    if n < auth.min_password_length {
        return Err(ApiError::invalid(
            field,
            format!(
                "must be at least {} characters long (a few unrelated words make a good one)",
                auth.min_password_length
            ),
        ));
    }
    if n > 1024 {
        return Err(ApiError::invalid(field, "must be at most 1024 characters"));
    }
    if password.trim().is_empty() {
        return Err(ApiError::invalid(field, "must not be only spaces"));
    }
    Ok(())
}

/// A random password for an administrator to hand over: 20 letters and digits (no look-alikes).
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A person changes their own password: the current one is required. Every other session of
/// theirs ends (the one making the change, `keep_session`, stays).
pub async fn change_own(
    store: &dyn Store,
    auth: &AuthConfig,
    caller: &Caller,
    current: &str,
    new: &str,
) -> ApiResult<()> {
    if current.is_empty() {
        return Err(ApiError::invalid("current_password", "is required"));
    }
    let stored = store.password_hash(&caller.person.id).await?;
    if !verify(current, stored).await {
        return Err(ApiError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    check_new(auth, "new_password", new)?;
    if new == current {
        return Err(ApiError::invalid(
            "new_password",
            "must differ from the current password",
        ));
    }
    store
        .set_password_hash(&caller.write_ctx(), &caller.person.id, &hash(new).await?)
        .await?;
    let keep = caller.session.as_ref().map(|s| s.id_hash.as_str());
    store.delete_sessions_of(&caller.person.id, keep).await?;
    Ok(())
}

/// What an administrator's reset did.
pub struct Reset {
    pub person: Person,
    /// The generated password, when the administrator did not choose one.
    pub generated: Option<String>,
    pub sessions_ended: u64,
}

/// An administrator sets a temporary password for someone (or has one generated); all of that
/// person's sessions end and any sign-in lockout on their email is lifted.
pub async fn admin_reset(
    store: &dyn Store,
    auth: &AuthConfig,
    caller: &Caller,
    id: &PersonId,
    chosen: Option<&str>,
) -> ApiResult<Reset> {
    access::reset_password(&caller.person)?;
    let person = store
        .person(id)
        .await?
        .ok_or(ApiError::NotFound("person"))?;
    let (password, generated) = match chosen.filter(|p| !p.is_empty()) {
        Some(p) => {
            check_new(auth, "password", p)?;
            (p.to_string(), None)
        }
        None => {
            let p = generate();
            (p.clone(), Some(p))
        }
    };
    store
        .set_password_hash(&caller.write_ctx(), &person.id, &hash(&password).await?)
        .await?;
    let keep = caller
        .session
        .as_ref()
        .filter(|_| caller.person.id == person.id)
        .map(|s| s.id_hash.as_str());
    let sessions_ended = store.delete_sessions_of(&person.id, keep).await?;
    store
        .clear_sign_in_failures(&super::throttle::key_for(person.email.as_str()))
        .await?;
    Ok(Reset {
        person,
        generated,
        sessions_ended,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify() {
        let h = hash("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(h.clone())).await);
        assert!(!verify("wrong horse battery", Some(h)).await);
        assert!(!verify("anything", None).await);
        assert!(!verify("x", Some("not a phc string".into())).await);
    }

    #[test]
    fn rules() {
        let auth = AuthConfig::default();
        assert!(check_new(&auth, "p", "short").is_err());
        assert!(check_new(&auth, "p", &" ".repeat(20)).is_err());
        assert!(check_new(&auth, "p", "long enough password").is_ok());
        let g = generate();
        assert_eq!(g.len(), 20);
        assert!(check_new(&auth, "p", &g).is_ok());
    }
}
