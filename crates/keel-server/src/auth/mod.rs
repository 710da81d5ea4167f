//! Accounts and sign-in for people using a browser: local passwords (Argon2id), database-backed
//! session cookies, CSRF tokens, sign-in throttling with temporary lockout, and single sign-on
//! through OpenID Connect.
//!
//! Why in the database: sessions, lockouts and pending SSO logins are shared by every Keel server
//! on one database, so servers stay stateless and a lockout holds whichever server is asked.
//! API tokens (bearer) and sessions both end in the same `Caller` (`caller.rs`).
//!
//! Apart from HTTP: the authentication rules (`api_token`, `session`, `password`, `oidc`) take
//! the store and the credentials and answer a `Caller`, a person or a refusal; the axum
//! extractor (`extractor`) and the sign-in pages (`ui::account`) only carry credentials in and
//! answers out. Creating people on a first single sign-on is the directory's business
//! (`services::provisioning`), not this module's, so nothing here depends on the services.

pub mod api_token;
pub mod caller;
pub mod extractor;
pub mod oidc;
pub mod password;
pub mod secrets;
pub mod session;
pub mod throttle;

pub use caller::{Caller, CSRF_HEADER};
pub use secrets::{hash_secret, random_token, same_secret};

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The time as the sign-in rules see it. Production reads the system clock; tests move it
/// forward to see a lockout or a session expire without sleeping.
#[derive(Debug, Default)]
pub struct Clock {
    offset_micros: AtomicI64,
}

impl Clock {
    /// The system time to the microsecond (what the database keeps), moved by the offset.
    pub fn now(&self) -> DateTime<Utc> {
        let t = Utc::now();
        let t = DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t);
        t + Duration::microseconds(self.offset_micros.load(Ordering::Relaxed))
    }

    /// Moves this clock forward (tests).
    pub fn advance(&self, by: Duration) {
        self.offset_micros
            .fetch_add(by.num_microseconds().unwrap_or(0), Ordering::Relaxed);
    }
}

/// How many failed sign-ins lock an email address, and for how long.
#[derive(Debug, Clone)]
pub struct LockoutPolicy {
    /// Failures within `window` that lock sign-in.
    pub max_failures: i64,
    pub window: Duration,
    pub lock_for: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: Duration::minutes(15),
            lock_for: Duration::minutes(15),
        }
    }
}

/// Everything sign-in needs to know about this installation.
#[derive(Debug)]
pub struct AuthConfig {
    /// The address people reach Keel at (e.g. `https://okr.example.com`); cookies are `Secure`
    /// when it is https, and SSO's redirect URI is built from it.
    pub public_url: Option<String>,
    /// A session ends after this long without use…
    pub session_idle: Duration,
    /// …and after this long in any case.
    pub session_absolute: Duration,
    pub lockout: LockoutPolicy,
    /// Shortest password accepted when one is set or changed.
    pub min_password_length: usize,
    pub clock: Arc<Clock>,
    /// Single sign-on, when configured.
    pub oidc: Option<oidc::OidcConfig>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            public_url: None,
            session_idle: Duration::hours(12),
            session_absolute: Duration::days(7),
            lockout: LockoutPolicy::default(),
            min_password_length: 12,
            clock: Arc::new(Clock::default()),
            oidc: None,
        }
    }
}

impl AuthConfig {
    /// Cookies carry `Secure` when Keel is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// A `return_to` that stays on this site: a local absolute path, never `//host`, `/\host` or a
/// URL with a scheme. Anything else becomes `/my-week`.
pub fn safe_return_to(raw: Option<&str>) -> String {
    const HOME: &str = "/my-week";
    let Some(path) = raw.map(str::trim).filter(|p| !p.is_empty()) else {
        return HOME.into();
    };
    let local = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control() || c == '\\')
        && path.len() <= 2000;
    if local && !path.starts_with("/sign-in") && !path.starts_with("/sign-out") {
        path.to_string()
    } else {
        HOME.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_never_leaves_the_site() {
        assert_eq!(
            safe_return_to(Some("/objectives/1?x=2")),
            "/objectives/1?x=2"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "/\tevil",
            "evil.example",
            "javascript:alert(1)",
            "/sign-in?return_to=//evil",
            "",
        ] {
            assert_eq!(safe_return_to(Some(bad)), "/my-week", "{bad}");
        }
        assert_eq!(safe_return_to(None), "/my-week");
    }

    #[test]
    fn clock_moves() {
        let c = Clock::default();
        let before = c.now();
        c.advance(Duration::minutes(16));
        assert!(c.now() - before >= Duration::minutes(16));
    }
}
