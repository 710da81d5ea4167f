//! The mail server an administrator set on the email settings page (`mail_settings`, one row).
//!
//! Why a table of its own and not the organisation's settings: those are read by every page and
//! shown whole through the API; this row holds a sealed password that only the sender opens.
//! The store never sees the password in clear: the server seals it (`secrets.rs`) before saving.

use crate::db::args;
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use std::sync::LazyLock;

/// The `mail_settings` table.
pub(crate) const MAIL_SETTINGS: Table = Table {
    name: "mail_settings",
    columns: &[
        "id",
        "host",
        "port",
        "security",
        "username",
        "password_sealed",
        "sender",
        "updated_at",
    ],
    not_selected: &[],
    later: &[],
};

/// The mail server as saved from the settings page.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredMailSettings {
    pub host: String,
    pub port: u16,
    /// `starttls`, `tls` or `none`.
    pub security: String,
    pub username: Option<String>,
    /// The password sealed with the server's secret key (`v1:…`), never the password itself.
    pub password_sealed: Option<String>,
    /// The sender's address.
    pub sender: String,
    pub updated_at: Timestamp,
}

impl std::fmt::Debug for StoredMailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredMailSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field(
                "password_sealed",
                &self.password_sealed.as_ref().map(|_| "***"),
            )
            .field("sender", &self.sender)
            .finish()
    }
}

/// The mail server set from the settings page.
#[async_trait]
pub trait MailServer: Send + Sync {
    /// The saved mail server, if an administrator set one.
    async fn mail_settings(&self) -> StoreResult<Option<StoredMailSettings>>;
    /// Saves the mail server (audited without the password: only whether it changed).
    async fn save_mail_settings(
        &self,
        ctx: &WriteCtx,
        settings: &StoredMailSettings,
    ) -> StoreResult<()>;
}

#[async_trait]
impl MailServer for dyn Store {
    async fn mail_settings(&self) -> StoreResult<Option<StoredMailSettings>> {
        self.as_mail_server().mail_settings().await
    }
    async fn save_mail_settings(
        &self,
        ctx: &WriteCtx,
        settings: &StoredMailSettings,
    ) -> StoreResult<()> {
        self.as_mail_server()
            .save_mail_settings(ctx, settings)
            .await
    }
}

static READ: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM mail_settings WHERE id = 1",
        Select(&MAIL_SETTINGS)
    )
});

fn settings_from(r: &crate::db::Row) -> StoreResult<StoredMailSettings> {
    Ok(StoredMailSettings {
        host: r.text("host")?,
        port: u16::try_from(r.int("port")?).map_err(|e| corrupt("port", e))?,
        security: r.text("security")?,
        username: r.opt_text("username")?,
        password_sealed: r.opt_text("password_sealed")?,
        sender: r.text("sender")?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
    })
}

/// What the audit log keeps of the settings: everything but the password.
fn audited(s: &StoredMailSettings, password_changed: bool) -> serde_json::Value {
    serde_json::json!({
        "host": s.host,
        "port": s.port,
        "security": s.security,
        "username": s.username,
        "sender": s.sender,
        "password": if s.password_sealed.is_none() { "none" } else if password_changed { "changed" } else { "kept" },
    })
}

#[async_trait]
impl MailServer for SqlStore {
    async fn mail_settings(&self) -> StoreResult<Option<StoredMailSettings>> {
        self.db
            .fetch_optional(&READ, args![])
            .await?
            .as_ref()
            .map(settings_from)
            .transpose()
    }

    async fn save_mail_settings(&self, ctx: &WriteCtx, s: &StoredMailSettings) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let before = tx
            .fetch_optional(&READ, args![])
            .await?
            .as_ref()
            .map(settings_from)
            .transpose()?;
        let changed = before.as_ref().map(|b| &b.password_sealed) != Some(&s.password_sealed);
        let cols = MAIL_SETTINGS.columns.join(", ");
        tx.execute(
            &format!(
                "INSERT INTO mail_settings ({cols}) VALUES (1, $1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port, \
                 security = excluded.security, username = excluded.username, \
                 password_sealed = excluded.password_sealed, sender = excluded.sender, \
                 updated_at = excluded.updated_at"
            ),
            args![
                s.host.as_str(),
                i64::from(s.port),
                s.security.as_str(),
                s.username.clone(),
                s.password_sealed.clone(),
                s.sender.as_str(),
                ts(&s.updated_at),
            ],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "mail_settings",
                verb: "update",
                object_id: "mail_settings",
                objective_id: None,
                key_result_id: None,
                before: before.as_ref().map(|b| audited(b, false)),
                after: Some(audited(s, changed)),
            },
        )
        .await?;
        tx.commit().await
    }
}
