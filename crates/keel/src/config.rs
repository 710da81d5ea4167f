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
        let dir = self
            .data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("keel-data"));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        Ok(format!("sqlite://{}", dir.join("keel.db").display()))
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
