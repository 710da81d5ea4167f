//! The organisation's settings: read on nearly every request, so served from a short-lived
//! cache that every write through this store invalidates.

use crate::db::{args, map_err};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;
use std::sync::Mutex as StdMutex;

/// The `settings` table: one row (`id` 1), the organisation's settings as JSON.
pub(crate) const SETTINGS: Table = Table {
    name: "settings",
    columns: &["id", "body", "updated_at", "version"],
    not_selected: &[],
    later: &[],
};

/// Writes the one settings row (`body`, `updated_at`), creating it at version 1 or moving its
/// version forward.
pub(crate) static SAVE_SETTINGS: LazyLock<String> = LazyLock::new(|| {
    let cols = SETTINGS.columns.join(", ");
    format!(
        "INSERT INTO settings ({cols}) VALUES (1, $1, $2, 1) \
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, \
         updated_at = excluded.updated_at, version = settings.version + 1"
    )
});

/// Reads the one settings row.
static READ_SETTINGS: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM settings WHERE id = 1", Select(&SETTINGS)));

/// How long settings read from the database are served from memory. Writes through this store
/// take effect at once; another server (or a CLI) sharing the database is seen within this time.
pub(crate) const SETTINGS_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The organisation's settings as last read: nearly every request reads them (confidence scale,
/// cadence, time zone), and they change a few times a year.
#[derive(Debug, Default)]
pub(crate) struct SettingsCache {
    /// Bumped by every write through this store, so that a read that began before a write never
    /// caches what it read.
    pub(crate) generation: AtomicU64,
    pub(crate) cached: StdMutex<Option<(std::time::Instant, OrgSettings)>>,
}

impl SettingsCache {
    pub(crate) fn slot(
        &self,
    ) -> std::sync::MutexGuard<'_, Option<(std::time::Instant, OrgSettings)>> {
        self.cached.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn fresh(&self) -> Option<OrgSettings> {
        if crate::token_cache::NO_CACHE.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        match &*self.slot() {
            Some((at, s)) if at.elapsed() < SETTINGS_TTL => Some(s.clone()),
            _ => None,
        }
    }

    pub(crate) fn keep(
        &self,
        generation: u64,
        read_at: std::time::Instant,
        settings: &OrgSettings,
    ) {
        let mut slot = self.slot();
        if self.generation.load(Ordering::SeqCst) == generation {
            *slot = Some((read_at, settings.clone()));
        }
    }

    pub(crate) fn invalidate(&self) {
        let mut slot = self.slot();
        self.generation.fetch_add(1, Ordering::SeqCst);
        *slot = None;
    }
}

/// The organisation's settings.
#[async_trait]
pub trait Settings: Send + Sync {
    /// The settings, or the defaults when none were saved.
    async fn settings(&self) -> StoreResult<OrgSettings>;
    /// Saves the settings (and serves them at once from this store). Audited.
    async fn save_settings(&self, ctx: &WriteCtx, settings: &OrgSettings) -> StoreResult<()>;
}

/// The Settings area through the shared handle: a caller holding a `DynStore` calls it with
/// `Settings` in scope.
#[async_trait]
impl Settings for dyn Store {
    async fn settings(&self) -> StoreResult<OrgSettings> {
        self.as_settings().settings().await
    }

    async fn save_settings(&self, ctx: &WriteCtx, settings: &OrgSettings) -> StoreResult<()> {
        self.as_settings().save_settings(ctx, settings).await
    }
}

impl SqlStore {
    pub(crate) async fn do_save_settings(
        &self,
        ctx: &WriteCtx,
        settings: &OrgSettings,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let before = tx
            .fetch_optional(&READ_SETTINGS, vec![])
            .await?
            .map(|r| r.text("body"))
            .transpose()?
            .and_then(|b| serde_json::from_str::<Value>(&b).ok());
        tx.execute(&SAVE_SETTINGS, args![json(settings), ts(&now())])
            .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "settings",
                verb: "update",
                object_id: "settings",
                objective_id: None,
                key_result_id: None,
                before,
                after: value(settings),
            },
        )
        .await?;
        tx.commit().await
    }
}

#[async_trait]
impl Settings for SqlStore {
    async fn settings(&self) -> StoreResult<OrgSettings> {
        if let Some(s) = self.settings.fresh() {
            return Ok(s);
        }
        let generation = self.settings.generation.load(Ordering::SeqCst);
        let read_at = std::time::Instant::now();
        let row = self
            .db
            .fetch_optional(&READ_SETTINGS, vec![])
            .await
            .map_err(map_err)?;
        let settings = match row {
            None => OrgSettings::default(),
            Some(r) => from_json("settings.body", &r.text("body")?)?,
        };
        self.settings.keep(generation, read_at, &settings);
        Ok(settings)
    }

    async fn save_settings(&self, ctx: &WriteCtx, settings: &OrgSettings) -> StoreResult<()> {
        let saved = self.do_save_settings(ctx, settings).await.map_err(map_err);
        self.settings.invalidate();
        saved
    }
}
