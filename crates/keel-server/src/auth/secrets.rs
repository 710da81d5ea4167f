//! The secret helpers every way of signing in shares, kept together so that how Keel makes,
//! stores and compares a secret is decided in one place: random secrets from the operating
//! system, only their SHA-256 kept in the database, and comparisons that take the same time
//! wherever two secrets differ.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes as hex: session secrets, CSRF tokens, OIDC state and nonce.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A new API token's secret: `keel_` and 32 random bytes as hex (the prefix lets secret
/// scanners and people recognise a Keel token).
pub fn new_api_token_secret() -> String {
    format!("keel_{}", random_token())
}

/// SHA-256 hex of a secret: what the store keeps of API tokens, sessions and SSO states.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        let t = new_api_token_secret();
        assert!(t.starts_with("keel_") && t.len() == 69);
        assert_eq!(hash_secret("abc").len(), 64);
        assert_eq!(hash_secret("abc"), hash_secret("abc"));
    }
}
