//! The first run: an organisation with no administrator is set up from the browser (its name,
//! time zone and first administrator) in one transaction.
//!
//! Why a store area of its own: the rule "only while nobody administers the organisation" must
//! hold when two people submit the setup page at the same moment, so the check is made inside
//! the write transaction, after taking a lock every other setup must wait for. The settings row
//! is written first: on SQLite the transaction already holds the write lock (`BEGIN
//! IMMEDIATE`); on PostgreSQL the upsert of the one settings row locks that row, so a second
//! setup waits there until the first commits and then counts the administrator it created.

use crate::db::{args, map_err};
use crate::settings::SAVE_SETTINGS;
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// The first run of an organisation.
#[async_trait]
pub trait FirstRun: Send + Sync {
    /// Whether some active person holds the admin role (when none does, the organisation can
    /// be set up from the browser).
    async fn has_administrator(&self) -> StoreResult<bool>;
    /// Saves the organisation's settings, creates `admin` (who must hold the admin role) with
    /// this Argon2id password hash, and records a `setup.complete` audit event, all in one
    /// transaction; only while no active administrator exists, else `Conflict` on `setup` and
    /// nothing is written. `Conflict` on `email` when the address is taken. Audited.
    async fn complete_first_run(
        &self,
        ctx: &WriteCtx,
        settings: &OrgSettings,
        admin: &Person,
        password_hash: &str,
    ) -> StoreResult<()>;
}

/// The FirstRun area through the shared handle: a caller holding a `DynStore` calls it with
/// `FirstRun` in scope.
#[async_trait]
impl FirstRun for dyn Store {
    async fn has_administrator(&self) -> StoreResult<bool> {
        self.as_first_run().has_administrator().await
    }

    async fn complete_first_run(
        &self,
        ctx: &WriteCtx,
        settings: &OrgSettings,
        admin: &Person,
        password_hash: &str,
    ) -> StoreResult<()> {
        self.as_first_run()
            .complete_first_run(ctx, settings, admin, password_hash)
            .await
    }
}

/// Counts active administrators (roles are a JSON array of names: `["admin","member"]`).
const COUNT_ADMINS: &str =
    "SELECT COUNT(*) AS n FROM people WHERE active = 1 AND roles LIKE '%\"admin\"%'";

/// The refusal when someone administers the organisation already.
fn already_set_up() -> StoreError {
    StoreError::Conflict {
        field: "setup".into(),
        message: "this organisation is already set up: sign in instead".into(),
    }
}

impl SqlStore {
    async fn do_complete_first_run(
        &self,
        ctx: &WriteCtx,
        settings: &OrgSettings,
        admin: &Person,
        password_hash: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // First the lock (see the module comment), then the check.
        tx.execute(&SAVE_SETTINGS, args![json(settings), ts(&now())])
            .await?;
        let admins = tx
            .fetch_optional(COUNT_ADMINS, vec![])
            .await?
            .map(|r| r.int("n"))
            .transpose()?
            .unwrap_or(0);
        if admins > 0 {
            tx.rollback().await?;
            return Err(already_set_up());
        }
        insert_rows(
            &mut tx,
            usize::MAX,
            "people",
            PERSON_INSERT,
            vec![person_row(admin)],
        )
        .await?;
        tx.execute(
            "UPDATE people SET password_hash = $1 WHERE id = $2",
            args![password_hash, admin.id.as_str()],
        )
        .await?;
        for (kind, verb, object_id, after) in [
            ("settings", "update", "settings", value(settings)),
            ("person", "create", admin.id.as_str(), value(admin)),
            (
                "setup",
                "complete",
                "setup",
                Some(serde_json::json!({ "administrator_id": admin.id })),
            ),
        ] {
            let rec = AuditRec {
                kind,
                verb,
                object_id,
                objective_id: None,
                key_result_id: None,
                before: None,
                after,
            };
            audit(&mut tx, ctx, rec).await?;
        }
        tx.commit().await
    }
}

#[async_trait]
impl FirstRun for SqlStore {
    async fn has_administrator(&self) -> StoreResult<bool> {
        let row = self.db.fetch_optional(COUNT_ADMINS, vec![]).await?;
        Ok(row.map(|r| r.int("n")).transpose()?.unwrap_or(0) > 0)
    }

    async fn complete_first_run(
        &self,
        ctx: &WriteCtx,
        settings: &OrgSettings,
        admin: &Person,
        password_hash: &str,
    ) -> StoreResult<()> {
        let done = self
            .do_complete_first_run(ctx, settings, admin, password_hash)
            .await
            .map_err(map_err);
        self.settings.invalidate();
        done
    }
}
