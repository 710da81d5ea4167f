//! Browser sessions: a random secret in an HttpOnly, SameSite=Lax cookie (`Secure` behind
//! https); the database keeps only its SHA-256, with the person, a CSRF token and two expiries
//! (idle and absolute). A deactivated person's sessions end on their next request.
//!
//! Finding the session behind a secret ([`lookup`]) and authenticating a JSON API request by
//! session ([`authenticate`]) take the store and the credentials, not a request; the cookie
//! helpers are the only part that speaks HTTP.

use super::{hash_secret, random_token, same_secret, AuthConfig, Caller};
use crate::error::{ApiError, ApiResult};
use axum::http::{header, HeaderMap, HeaderValue};
use keel_domain::Person;
use keel_store::{Accounts, Session, Store};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "keel_session";
/// Before signing in, forms carry a token matching this cookie (double submit), so that another
/// site cannot sign a browser in to an account of its choosing.
pub const PRESESSION_COOKIE: &str = "keel_presession";

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value with Keel's flags. `max_age` in seconds; 0 deletes the cookie.
pub fn set_cookie(auth: &AuthConfig, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if auth.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("cookie values are hex")
}

/// Starts a session for `person` and returns the cookie to set.
pub async fn start(
    store: &dyn Store,
    auth: &AuthConfig,
    person: &Person,
    method: &str,
) -> ApiResult<HeaderValue> {
    let secret = random_token();
    let now = auth.now();
    store
        .insert_session(&Session {
            id_hash: hash_secret(&secret),
            person_id: person.id.clone(),
            csrf_token: random_token(),
            method: method.to_string(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + auth.session_absolute,
        })
        .await?;
    Ok(set_cookie(
        auth,
        SESSION_COOKIE,
        &secret,
        auth.session_absolute.num_seconds(),
    ))
}

/// The live session named by the request's cookie, and its person (see [`lookup`]).
pub async fn current(
    store: &dyn Store,
    auth: &AuthConfig,
    headers: &HeaderMap,
) -> ApiResult<Option<(Session, Person)>> {
    match cookie(headers, SESSION_COOKIE) {
        Some(secret) => lookup(store, auth, secret).await,
        None => Ok(None),
    }
}

/// The live session whose secret is `secret`, and its person. Expired sessions, and every
/// session of a deactivated person, are deleted and answer `None`; a live one's idle expiry
/// moves forward (at most once a minute).
pub async fn lookup(
    store: &dyn Store,
    auth: &AuthConfig,
    secret: &str,
) -> ApiResult<Option<(Session, Person)>> {
    let hash = hash_secret(secret);
    let Some((session, person)) = store.session_by_hash(&hash).await? else {
        return Ok(None);
    };
    let now = auth.now();
    if !person.active {
        store.delete_sessions_of(&person.id, None).await?;
        return Ok(None);
    }
    if now >= session.expires_at || now - session.last_seen_at >= auth.session_idle {
        store.delete_session(&hash).await?;
        return Ok(None);
    }
    // A minute's precision on the idle expiry spares a write per request.
    if now - session.last_seen_at > chrono::Duration::seconds(60) {
        store.touch_session(&hash, now).await?;
    }
    Ok(Some((session, person)))
}

/// The caller of a JSON API request that carried no API token: the live session behind
/// `secret` (the session cookie's value, if any). A write must send the session's CSRF token:
/// `csrf` is what the request sent for a write (`""` when nothing), `None` for a read.
///
/// 401 without a live session; 403 for a write whose CSRF token is missing or wrong.
pub async fn authenticate(
    store: &dyn Store,
    auth: &AuthConfig,
    secret: Option<&str>,
    csrf: Option<&str>,
) -> ApiResult<Caller> {
    let found = match secret {
        Some(secret) => lookup(store, auth, secret).await?,
        None => None,
    };
    let Some((session, person)) = found else {
        return Err(ApiError::Unauthorized(
            "an API token is required: Authorization: Bearer <token>",
        ));
    };
    if let Some(sent) = csrf {
        if !same_secret(sent, &session.csrf_token) {
            return Err(ApiError::forbidden(
                "a write with a session cookie must carry the session's CSRF token in x-csrf-token",
            ));
        }
    }
    Ok(Caller::from_session(session, person))
}

/// Ends the request's session (if any) and returns the cookie that clears it.
pub async fn end(
    store: &dyn Store,
    auth: &AuthConfig,
    headers: &HeaderMap,
) -> ApiResult<HeaderValue> {
    if let Some(secret) = cookie(headers, SESSION_COOKIE) {
        store.delete_session(&hash_secret(secret)).await?;
    }
    Ok(set_cookie(auth, SESSION_COOKIE, "", 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_parse_and_carry_flags() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; keel_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        let auth = AuthConfig {
            public_url: Some("https://okr.example.com".into()),
            ..Default::default()
        };
        let v = set_cookie(&auth, SESSION_COOKIE, "abc", 60);
        let v = v.to_str().unwrap();
        assert!(v.contains("HttpOnly") && v.contains("SameSite=Lax") && v.contains("Secure"));
        let plain = set_cookie(&AuthConfig::default(), SESSION_COOKIE, "abc", 60);
        assert!(!plain.to_str().unwrap().contains("Secure"));
    }

    #[tokio::test]
    async fn a_session_authenticates_reads_and_writes_only_with_its_csrf_token() {
        let store = keel_store::open("sqlite::memory:").await.unwrap();
        let store = store.as_ref();
        let auth = AuthConfig::default();
        let input = crate::services::directory::NewPerson {
            name: "Sam Session".into(),
            email: "sam@example.com".into(),
            title: String::new(),
            manager_id: None,
            roles: vec![],
        };
        let ctx = keel_store::WriteCtx::system(keel_domain::Source::Cli);
        let sam = crate::services::directory::insert_person(store, &ctx, input)
            .await
            .unwrap();
        let set = start(store, &auth, &sam, "password").await.unwrap();
        let secret = set.to_str().unwrap()["keel_session=".len()..]
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let read = authenticate(store, &auth, Some(&secret), None)
            .await
            .unwrap();
        assert_eq!(read.person.id, sam.id);
        let csrf = read.session.as_ref().unwrap().csrf_token.clone();
        assert!(authenticate(store, &auth, Some(&secret), Some(&csrf))
            .await
            .is_ok());
        for wrong in ["", "not-the-token"] {
            assert!(matches!(
                authenticate(store, &auth, Some(&secret), Some(wrong)).await,
                Err(ApiError::Forbidden(_))
            ));
        }
        for missing in [None, Some("unknown")] {
            assert!(matches!(
                authenticate(store, &auth, missing, None).await,
                Err(ApiError::Unauthorized(_))
            ));
        }
        // Past the idle expiry the session is gone.
        auth.clock.advance(auth.session_idle);
        assert!(lookup(store, &auth, &secret).await.unwrap().is_none());
    }
}
