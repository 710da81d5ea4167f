//! Secrets at rest: the one key mechanism for what Keel must read back later (the SMTP password
//! set on the settings page now; webhook secrets and data-source credentials later).
//!
//! Why one place: a secret stored in the database is only as safe as the database's backups. Each
//! is sealed with XChaCha20-Poly1305 under a 32-byte key kept *beside* the database, never in it:
//! `KEEL_SECRET_KEY` (base64) or the key file `<data dir>/secret.key`, created with mode 0600 the
//! first time a secret is stored. A sealed value is `v1:` and the base64 of a version byte, a
//! 24-byte random nonce and the ciphertext; a new version byte leaves room for key rotation.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::path::{Path, PathBuf};

/// The version byte of values sealed by this code.
const VERSION: u8 = 1;
/// The length of XChaCha20's nonce.
const NONCE_LEN: usize = 24;
/// The prefix that marks a sealed value in the database.
const PREFIX: &str = "v1:";

/// Why a secret could not be sealed or opened, in words an administrator can act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("KEEL_SECRET_KEY is not a base64 key of 32 bytes")]
    BadKey,
    #[error("the key file {0} cannot be read or created: {1}")]
    KeyFile(PathBuf, String),
    #[error("the key file {0} does not hold a key of 32 bytes")]
    BadKeyFile(PathBuf),
    #[error(
        "a stored secret cannot be opened with this key (the key changed or was lost): enter it again"
    )]
    WrongKey,
    #[error("a stored secret is damaged or of an unknown version: enter it again")]
    Damaged,
}

/// The key that seals and opens stored secrets. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// Where the key comes from: the environment wins over the key file.
#[derive(Debug, Clone, Default)]
pub struct KeySource {
    /// `KEEL_SECRET_KEY`, base64.
    pub env: Option<String>,
    /// `<data dir>/secret.key`.
    pub file: Option<PathBuf>,
}

impl KeySource {
    /// The key file of a data directory.
    pub fn in_data_dir(env: Option<String>, data_dir: &Path) -> KeySource {
        KeySource {
            env,
            file: Some(data_dir.join("secret.key")),
        }
    }

    /// The key, creating the key file (mode 0600) when there is neither key nor file yet.
    pub fn key(&self) -> Result<SecretKey, SecretError> {
        if let Some(env) = &self.env {
            return SecretKey::from_base64(env).ok_or(SecretError::BadKey);
        }
        let Some(path) = &self.file else {
            return Err(SecretError::KeyFile(
                PathBuf::from("secret.key"),
                "no data directory is configured".into(),
            ));
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                SecretKey::from_base64(&text).ok_or_else(|| SecretError::BadKeyFile(path.clone()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(path),
            Err(e) => Err(SecretError::KeyFile(path.clone(), e.to_string())),
        }
    }
}

/// Writes a new random key to `path`, readable by its owner only.
fn create_key_file(path: &Path) -> Result<SecretKey, SecretError> {
    use std::io::Write;
    let fail = |e: std::io::Error| SecretError::KeyFile(path.to_path_buf(), e.to_string());
    let key = SecretKey(XChaCha20Poly1305::generate_key(&mut OsRng).into());
    // The data directory too, owner only, when nothing has made it yet (on PostgreSQL no
    // database file makes it).
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(fail)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(fail)?;
    file.write_all(B64.encode(key.0).as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    Ok(key)
}

impl SecretKey {
    /// A key from its base64 text (surrounding whitespace ignored).
    pub fn from_base64(text: &str) -> Option<SecretKey> {
        let bytes = B64.decode(text.trim()).ok()?;
        Some(SecretKey(bytes.try_into().ok()?))
    }

    /// Seals a secret for storage.
    pub fn seal(&self, secret: &str) -> String {
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, secret.as_bytes())
            .expect("XChaCha20-Poly1305 seals any message that fits in memory");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", B64.encode(out))
    }

    /// Opens a secret sealed by [`SecretKey::seal`].
    pub fn open(&self, stored: &str) -> Result<String, SecretError> {
        let bytes = stored
            .strip_prefix(PREFIX)
            .and_then(|b| B64.decode(b).ok())
            .ok_or(SecretError::Damaged)?;
        if bytes.len() < 1 + NONCE_LEN || bytes[0] != VERSION {
            return Err(SecretError::Damaged);
        }
        let nonce = XNonce::from_slice(&bytes[1..=NONCE_LEN]);
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        let plain = cipher
            .decrypt(nonce, &bytes[1 + NONCE_LEN..])
            .map_err(|_| SecretError::WrongKey)?;
        String::from_utf8(plain).map_err(|_| SecretError::Damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey([7; 32])
    }

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_hides_the_text() {
        let sealed = key().seal("hunter2-password");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("hunter2"));
        assert_ne!(
            sealed,
            key().seal("hunter2-password"),
            "a fresh nonce each time"
        );
        assert_eq!(key().open(&sealed).unwrap(), "hunter2-password");
    }

    #[test]
    fn another_key_or_damage_is_a_clear_error() {
        let sealed = key().seal("pw");
        assert_eq!(SecretKey([8; 32]).open(&sealed), Err(SecretError::WrongKey));
        assert_eq!(key().open("plain"), Err(SecretError::Damaged));
        assert_eq!(key().open("v1:AAAA"), Err(SecretError::Damaged));
        assert!(format!("{:?}", key()).contains("***"));
    }

    #[test]
    fn the_key_file_is_made_once_owner_only_and_the_environment_wins() {
        let dir = std::env::temp_dir().join(format!("keel-key-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let source = KeySource::in_data_dir(None, &dir);
        let first = source.key().unwrap();
        let sealed = first.seal("pw");
        assert_eq!(source.key().unwrap().open(&sealed).unwrap(), "pw");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let env = KeySource::in_data_dir(Some(B64.encode([9u8; 32])), &dir);
        assert_eq!(env.key().unwrap().open(&sealed), Err(SecretError::WrongKey));
        let bad = KeySource::in_data_dir(Some("short".into()), &dir);
        assert_eq!(bad.key().unwrap_err(), SecretError::BadKey);
        std::fs::write(dir.join("secret.key"), "nonsense").unwrap();
        assert!(matches!(source.key(), Err(SecretError::BadKeyFile(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A data directory nothing has made yet (a server on PostgreSQL writes no database file
    /// there) is made with the key file, owner only.
    #[test]
    fn the_key_file_makes_its_data_directory() {
        let root = std::env::temp_dir().join(format!("keel-key-{}", uuid::Uuid::now_v7().simple()));
        let dir = root.join("keel-data");
        let source = KeySource::in_data_dir(None, &dir);
        let key = source.key().unwrap();
        assert_eq!(source.key().unwrap().open(&key.seal("pw")).unwrap(), "pw");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        std::fs::remove_dir_all(&root).unwrap();
    }
}
