//! Configuration: command-line flags, then `KEEL_*` environment variables (both through clap),
//! then an optional `keel.toml`, then defaults that work with no configuration at all.

use anyhow::{bail, Context};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The keys `keel.toml` may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub public_url: Option<String>,
    pub oidc_issuer: Option<String>,
    pub oidc_client_id: Option<String>,
    pub oidc_client_secret: Option<Secret>,
    pub oidc_roles_claim: Option<String>,
    pub oidc_role_map: Option<String>,
    pub log_format: Option<String>,
    pub metrics_bind: Option<String>,
    pub metrics_token: Option<Secret>,
    pub sqlite_synchronous: Option<String>,
    pub drain_seconds: Option<u64>,
    pub smtp_url: Option<Secret>,
    pub mail_from: Option<String>,
}

/// A secret setting: never shown by `Debug` (so never in logs or error messages).
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

/// Sign-in settings of `keel serve`: the public URL and single sign-on.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AuthArgs {
    /// The address people reach Keel at, e.g. https://okr.example.com. Cookies are Secure when
    /// it is https; single sign-on's redirect URI is <public URL>/sign-in/sso/callback.
    #[arg(long, env = "KEEL_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// OpenID Connect issuer URL (turns on "Sign in with SSO").
    #[arg(long, env = "KEEL_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    #[arg(long, env = "KEEL_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// Prefer the environment variable to the flag (flags show in process lists).
    #[arg(long, env = "KEEL_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<Secret>,
    /// The ID-token claim listing the person's groups. Default: groups
    #[arg(long, env = "KEEL_OIDC_ROLES_CLAIM")]
    pub oidc_roles_claim: Option<String>,
    /// Groups mapped to Keel roles, e.g. "okr-admins=admin,okr-coaches=champion".
    #[arg(long, env = "KEEL_OIDC_ROLE_MAP")]
    pub oidc_role_map: Option<String>,
}

impl AuthArgs {
    /// The server's sign-in settings after flags, environment and file; a one-line error for
    /// anything inconsistent.
    pub fn auth_config(&self, file: &FileConfig) -> anyhow::Result<keel_server::auth::AuthConfig> {
        let public_url = self.public_url.clone().or_else(|| file.public_url.clone());
        if let Some(u) = &public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) || u.len() < 10 {
                bail!("invalid public URL '{u}': use e.g. https://okr.example.com");
            }
        }
        let issuer = self
            .oidc_issuer
            .clone()
            .or_else(|| file.oidc_issuer.clone());
        let oidc = match issuer {
            None => None,
            Some(issuer) => {
                let Some(public_url) = &public_url else {
                    bail!("single sign-on needs the public URL (KEEL_PUBLIC_URL) for its redirect URI");
                };
                let client_id = self
                    .oidc_client_id
                    .clone()
                    .or_else(|| file.oidc_client_id.clone())
                    .context("single sign-on needs KEEL_OIDC_CLIENT_ID")?;
                let secret = self
                    .oidc_client_secret
                    .clone()
                    .or_else(|| file.oidc_client_secret.clone())
                    .map(|s| s.0);
                let role_map = self
                    .oidc_role_map
                    .clone()
                    .or_else(|| file.oidc_role_map.clone())
                    .unwrap_or_default();
                let role_map = keel_server::auth::oidc::parse_role_map(&role_map)
                    .map_err(|e| anyhow::anyhow!("invalid KEEL_OIDC_ROLE_MAP: {e}"))?;
                Some(keel_server::auth::oidc::OidcConfig::new(
                    &issuer,
                    &client_id,
                    secret,
                    public_url,
                    self.oidc_roles_claim
                        .clone()
                        .or_else(|| file.oidc_roles_claim.clone()),
                    role_map,
                ))
            }
        };
        Ok(keel_server::auth::AuthConfig {
            public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
            oidc,
            ..Default::default()
        })
    }
}

impl FileConfig {
    /// Reads `path` if given (it must exist), else `./keel.toml` if present.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("keel.toml"), false),
        };
        if !path.exists() {
            if required {
                bail!("config file {} does not exist", path.display());
            }
            return Ok(Self::default());
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {}",
                path.display(),
                e.message().lines().next().unwrap_or("invalid TOML")
            )
        })
    }
}

/// The database settings shared by every command.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// Database URL: sqlite://path/to/keel.db or postgres://user@host/db. Default: a SQLite file
    /// in the data directory.
    #[arg(long, env = "KEEL_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Where Keel keeps its SQLite database. Default: ./keel-data
    #[arg(long, env = "KEEL_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// A keel.toml to read (default: ./keel.toml when present).
    #[arg(long, env = "KEEL_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// SQLite only: normal (the default; a power loss may roll back the last commits) or full
    /// (every answered commit survives a power loss; slower commits).
    #[arg(long, env = "KEEL_SQLITE_SYNCHRONOUS", global = true)]
    pub sqlite_synchronous: Option<String>,
}

impl DbArgs {
    /// The database URL after flags, environment, file and defaults.
    pub fn database_url(&self, file: &FileConfig) -> anyhow::Result<String> {
        if let Some(url) = self
            .database_url
            .clone()
            .or_else(|| file.database_url.clone())
        {
            let ok = ["sqlite:", "postgres://", "postgresql://"]
                .iter()
                .any(|p| url.starts_with(p));
            if !ok {
                bail!(
                    "invalid database URL '{}': use sqlite://path/to/keel.db or postgres://user@host/database",
                    redact(&url)
                );
            }
            return Ok(url);
        }
        let dir = self.data_directory(file);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        Ok(format!("sqlite://{}", dir.join("keel.db").display()))
    }
}

/// How log lines are written (every command): `text` for people, `json` for a log collector.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LogArgs {
    /// Log lines as text (default) or json (one JSON object per line, for a log collector).
    #[arg(long, env = "KEEL_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,
}

/// The format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogArgs {
    /// The format after flag, environment and file; a one-line error naming the setting.
    pub fn format(&self, file: &FileConfig) -> anyhow::Result<LogFormat> {
        match self.log_format.as_deref().or(file.log_format.as_deref()) {
            None | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => bail!("invalid KEEL_LOG_FORMAT '{other}': use text or json"),
        }
    }
}

/// How `keel serve` sends email (docs in README, "Email"). Off unless `KEEL_SMTP_URL` is set.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MailArgs {
    /// The mail server, e.g. smtp://user:password@mail.example.com:587 (STARTTLS),
    /// smtps://…:465, smtp://127.0.0.1:2525?tls=none. Prefer the environment variable.
    #[arg(long, env = "KEEL_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret>,
    /// The sender's address, e.g. okr@example.com (the organisation's name is shown with it).
    #[arg(long, env = "KEEL_MAIL_FROM")]
    pub mail_from: Option<String>,
}

impl MailArgs {
    /// The mail settings after flags, environment and file; a one-line error naming the
    /// setting that is wrong.
    pub fn mail_config(
        &self,
        file: &FileConfig,
        public_url: Option<String>,
    ) -> anyhow::Result<keel_server::mail::MailConfig> {
        let url = self.smtp_url.clone().or_else(|| file.smtp_url.clone());
        let smtp = match url {
            None => None,
            Some(u) => Some(
                keel_server::mail::smtp::SmtpSettings::parse(&u.0)
                    .map_err(|e| anyhow::anyhow!("invalid KEEL_SMTP_URL: {e}"))?,
            ),
        };
        let from = self.mail_from.clone().or_else(|| file.mail_from.clone());
        if let Some(f) = &from {
            if !keel_server::mail::smtp::is_address(f) {
                bail!("invalid KEEL_MAIL_FROM '{f}': use an address such as okr@example.com");
            }
        }
        if smtp.is_some() && from.is_none() {
            bail!("email (KEEL_SMTP_URL) needs the sender's address: set KEEL_MAIL_FROM");
        }
        Ok(keel_server::mail::MailConfig {
            smtp,
            from,
            public_url,
            ..Default::default()
        })
    }
}

/// Where `keel serve` exposes Prometheus metrics. Off unless one of these is set.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MetricsArgs {
    /// Serve /metrics on a separate listener at this address only, e.g. 127.0.0.1:9090 (no
    /// token there: bind it where only the scraper reaches).
    #[arg(long, env = "KEEL_METRICS_BIND")]
    pub metrics_bind: Option<String>,
    /// Serve /metrics on the main port too, to requests bearing this token (at least 16
    /// characters). Prefer the environment variable to the flag.
    #[arg(long, env = "KEEL_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret>,
}

/// The metrics settings after flags, environment and file.
#[derive(Debug, Clone, Default)]
pub struct MetricsSettings {
    pub bind: Option<std::net::SocketAddr>,
    pub token: Option<Secret>,
}

impl MetricsSettings {
    /// Whether metrics are recorded and served at all.
    pub fn enabled(&self) -> bool {
        self.bind.is_some() || self.token.is_some()
    }
}

/// The shortest metrics token accepted: long enough not to be guessed.
const MIN_METRICS_TOKEN: usize = 16;

impl MetricsArgs {
    /// The settings; a one-line error naming the setting for a bad address or a short token.
    pub fn settings(&self, file: &FileConfig) -> anyhow::Result<MetricsSettings> {
        let bind = match self.metrics_bind.clone().or(file.metrics_bind.clone()) {
            None => None,
            Some(b) => Some(b.parse().map_err(|_| {
                anyhow::anyhow!(
                    "invalid KEEL_METRICS_BIND '{b}': expected an address like 127.0.0.1:9090"
                )
            })?),
        };
        let token = self
            .metrics_token
            .clone()
            .or_else(|| file.metrics_token.clone());
        if let Some(t) = &token {
            if t.0.trim().chars().count() < MIN_METRICS_TOKEN {
                bail!(
                    "KEEL_METRICS_TOKEN is too short: use at least {MIN_METRICS_TOKEN} characters \
                     (e.g. openssl rand -hex 16)"
                );
            }
        }
        Ok(MetricsSettings { bind, token })
    }
}

impl DbArgs {
    /// How to open the store after flags, environment and file: a one-line error naming the
    /// setting for a value it does not take.
    pub fn open_options(&self, file: &FileConfig) -> anyhow::Result<keel_store::OpenOptions> {
        let synchronous = match self
            .sqlite_synchronous
            .as_deref()
            .or(file.sqlite_synchronous.as_deref())
        {
            None => keel_store::SqliteSynchronous::default(),
            Some(v) => v.parse().map_err(|e| {
                anyhow::anyhow!("invalid KEEL_SQLITE_SYNCHRONOUS (sqlite_synchronous): {e}")
            })?,
        };
        Ok(keel_store::OpenOptions {
            sqlite_synchronous: synchronous,
        })
    }
}

/// How long `keel serve` lets requests in flight finish after SIGTERM or Ctrl-C, unless set.
pub const DEFAULT_DRAIN_SECONDS: u64 = 30;

/// The drain time after flag, environment and file: at most an hour.
pub fn drain_time(flag: Option<u64>, file: &FileConfig) -> anyhow::Result<std::time::Duration> {
    let seconds = flag.or(file.drain_seconds).unwrap_or(DEFAULT_DRAIN_SECONDS);
    if seconds > 3600 {
        bail!("invalid KEEL_DRAIN_SECONDS (drain_seconds) {seconds}: use at most 3600 seconds");
    }
    Ok(std::time::Duration::from_secs(seconds))
}

impl DbArgs {
    /// The data directory after flags, environment, file and defaults (`./keel-data`), used
    /// whatever the database: it holds the SQLite file, and the first-run setup token.
    pub fn data_directory(&self, file: &FileConfig) -> PathBuf {
        self.data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("keel-data"))
    }
}

/// A URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((userinfo, host)) = rest.split_once('@') {
            if let Some((user, _)) = userinfo.split_once(':') {
                return format!("{scheme}://{user}:***@{host}");
            }
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_shown() {
        assert_eq!(
            redact("postgres://keel:s3cret@db/keel"),
            "postgres://keel:***@db/keel"
        );
        assert_eq!(redact("postgres://keel@db/keel"), "postgres://keel@db/keel");
    }

    #[test]
    fn bad_urls_are_refused() {
        let args = DbArgs {
            database_url: Some("mysql://x:pw@h/db".into()),
            data_dir: None,
            config: None,
            sqlite_synchronous: None,
        };
        let err = args
            .database_url(&FileConfig::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("invalid database URL") && !err.contains("pw"),
            "{err}"
        );
    }
}

#[cfg(test)]
mod durability_tests {
    use super::*;

    fn args(sync: Option<&str>) -> DbArgs {
        DbArgs {
            database_url: None,
            data_dir: None,
            config: None,
            sqlite_synchronous: sync.map(str::to_string),
        }
    }

    #[test]
    fn sqlite_synchronous_from_flag_file_or_default() {
        let none = FileConfig::default();
        let full = |a: &DbArgs, f: &FileConfig| a.open_options(f).unwrap().sqlite_synchronous;
        assert_eq!(
            full(&args(None), &none),
            keel_store::SqliteSynchronous::Normal
        );
        assert_eq!(
            full(&args(Some("FULL")), &none),
            keel_store::SqliteSynchronous::Full
        );
        let file: FileConfig = toml::from_str("sqlite_synchronous = \"full\"").unwrap();
        assert_eq!(
            full(&args(None), &file),
            keel_store::SqliteSynchronous::Full
        );
        // The flag (or environment) wins over the file.
        assert_eq!(
            full(&args(Some("normal")), &file),
            keel_store::SqliteSynchronous::Normal
        );
        for bad in ["off", "2", "", "fulll"] {
            let err = args(Some(bad)).open_options(&none).unwrap_err().to_string();
            assert!(err.contains("KEEL_SQLITE_SYNCHRONOUS"), "{err}");
            assert!(
                err.contains("full or normal") && !err.contains('\n'),
                "{err}"
            );
        }
    }

    #[test]
    fn drain_time_defaults_and_bounds() {
        let none = FileConfig::default();
        assert_eq!(
            drain_time(None, &none).unwrap().as_secs(),
            DEFAULT_DRAIN_SECONDS
        );
        let file: FileConfig = toml::from_str("drain_seconds = 5").unwrap();
        assert_eq!(drain_time(None, &file).unwrap().as_secs(), 5);
        assert_eq!(drain_time(Some(0), &file).unwrap().as_secs(), 0);
        let err = drain_time(Some(86_400), &none).unwrap_err().to_string();
        assert!(err.contains("KEEL_DRAIN_SECONDS"), "{err}");
    }
}

#[cfg(test)]
mod auth_tests {
    use super::*;

    #[test]
    fn secrets_are_not_debug_printed() {
        let args = AuthArgs {
            oidc_client_secret: Some(Secret("hunter2".into())),
            ..Default::default()
        };
        assert!(!format!("{args:?}").contains("hunter2"));
        let file: FileConfig = toml::from_str("oidc_client_secret = \"hunter2\"").unwrap();
        assert!(!format!("{file:?}").contains("hunter2"));
    }

    #[test]
    fn sso_settings_are_checked() {
        let file = FileConfig::default();
        let sso = |public: Option<&str>, map: &str| AuthArgs {
            public_url: public.map(str::to_string),
            oidc_issuer: Some("https://idp.example.com".into()),
            oidc_client_id: Some("keel".into()),
            oidc_role_map: Some(map.into()),
            ..Default::default()
        };
        let err = sso(None, "").auth_config(&file).unwrap_err().to_string();
        assert!(err.contains("KEEL_PUBLIC_URL"), "{err}");
        let err = sso(Some("https://okr.example.com"), "admins=emperor")
            .auth_config(&file)
            .unwrap_err()
            .to_string();
        assert!(err.contains("emperor"), "{err}");
        let ok = sso(Some("https://okr.example.com/"), "okr-admins=admin")
            .auth_config(&file)
            .unwrap();
        assert!(ok.secure_cookies());
        assert_eq!(
            ok.oidc.unwrap().redirect_uri,
            "https://okr.example.com/sign-in/sso/callback"
        );
        let file: FileConfig = toml::from_str("public_url = \"okr.example.com\"").unwrap();
        assert!(AuthArgs::default().auth_config(&file).is_err());
    }
}

#[cfg(test)]
mod observe_tests {
    use super::*;

    #[test]
    fn log_format_is_text_or_json() {
        let file = FileConfig::default();
        let args = |f: &str| LogArgs {
            log_format: Some(f.into()),
        };
        assert_eq!(LogArgs::default().format(&file).unwrap(), LogFormat::Text);
        assert_eq!(args("json").format(&file).unwrap(), LogFormat::Json);
        let err = args("xml").format(&file).unwrap_err().to_string();
        assert!(
            err.contains("KEEL_LOG_FORMAT") && err.contains("xml"),
            "{err}"
        );
        let file: FileConfig = toml::from_str("log_format = \"json\"").unwrap();
        assert_eq!(LogArgs::default().format(&file).unwrap(), LogFormat::Json);
    }

    #[test]
    fn metrics_are_off_unless_set_and_checked_when_set() {
        let file = FileConfig::default();
        assert!(!MetricsArgs::default().settings(&file).unwrap().enabled());
        let bad = MetricsArgs {
            metrics_bind: Some("localhost".into()),
            ..Default::default()
        };
        let err = bad.settings(&file).unwrap_err().to_string();
        assert!(err.contains("KEEL_METRICS_BIND"), "{err}");
        let short = MetricsArgs {
            metrics_token: Some(Secret("abc".into())),
            ..Default::default()
        };
        let err = short.settings(&file).unwrap_err().to_string();
        assert!(
            err.contains("KEEL_METRICS_TOKEN") && !err.contains("abc"),
            "{err}"
        );
        let file: FileConfig = toml::from_str(
            "metrics_bind = \"127.0.0.1:9090\"\nmetrics_token = \"0123456789abcdef\"",
        )
        .unwrap();
        let s = MetricsArgs::default().settings(&file).unwrap();
        assert_eq!(s.bind.unwrap().port(), 9090);
        assert!(!format!("{s:?}").contains("0123456789abcdef"));
    }
}
