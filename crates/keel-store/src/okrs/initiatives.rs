//! Initiatives: the work that serves a key result.

use crate::db::{args, map_err, Arg, Exec, Row};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

pub(crate) const INITIATIVE_COLS: Select = Select(&INITIATIVE);

/// The `initiatives` table.
pub(crate) const INITIATIVE: Table = Table {
    name: "initiatives",
    columns: &[
        "id",
        "key_result_id",
        "title",
        "owner_id",
        "state",
        "link",
        "reason",
        "created_at",
        "updated_at",
        "version",
        "active_since",
        "value_at_activation",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const INITIATIVE_INSERT: &[&str] = INITIATIVE.columns;

pub(crate) fn initiative_row(i: &Initiative) -> Vec<Arg> {
    args![
        i.id.as_str(),
        i.key_result_id.as_str(),
        i.title.as_str(),
        i.owner_id.as_str(),
        i.state.stored(),
        i.link.clone(),
        i.reason.clone(),
        ts(&i.created_at),
        ts(&i.updated_at),
        i.version,
        i.active_since.as_ref().map(ts),
        i.value_at_activation,
    ]
}

pub(crate) fn initiative_from(r: &Row) -> StoreResult<Initiative> {
    Ok(Initiative {
        id: InitiativeId::from_string(r.text("id")?),
        key_result_id: KeyResultId::from_string(r.text("key_result_id")?),
        title: r.text("title")?,
        owner_id: PersonId::from_string(r.text("owner_id")?),
        state: Stored::from_stored("state", &r.text("state")?)?,
        link: r.opt_text("link")?,
        reason: r.opt_text("reason")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
        active_since: opt_ts("active_since", r.opt_int("active_since")?)?,
        value_at_activation: r.opt_real("value_at_activation")?,
    })
}

/// Initiatives on key results.
#[async_trait]
pub trait Initiatives: Send + Sync {
    /// Inserts an initiative on a key result. Audited.
    async fn insert_initiative(&self, ctx: &WriteCtx, initiative: &Initiative) -> StoreResult<()>;
    /// The initiative with this id.
    async fn initiative(&self, id: &InitiativeId) -> StoreResult<Option<Initiative>>;
    /// The initiatives of one key result, by id.
    async fn list_initiatives(&self, key_result_id: &KeyResultId) -> StoreResult<Vec<Initiative>>;
    /// The initiatives of these key results, ordered by key result, then creation, in one
    /// query (an objective page shows every key result's initiatives).
    async fn initiatives_of(&self, key_result_ids: &[KeyResultId]) -> StoreResult<Vec<Initiative>>;
    /// Updates an initiative. Audited.
    async fn update_initiative(
        &self,
        ctx: &WriteCtx,
        before: &Initiative,
        after: &Initiative,
    ) -> StoreResult<Initiative>;
}

/// The Initiatives area through the shared handle: a caller holding a `DynStore` calls it with
/// `Initiatives` in scope.
#[async_trait]
impl Initiatives for dyn Store {
    async fn insert_initiative(&self, ctx: &WriteCtx, initiative: &Initiative) -> StoreResult<()> {
        self.as_initiatives()
            .insert_initiative(ctx, initiative)
            .await
    }

    async fn initiative(&self, id: &InitiativeId) -> StoreResult<Option<Initiative>> {
        self.as_initiatives().initiative(id).await
    }

    async fn list_initiatives(&self, key_result_id: &KeyResultId) -> StoreResult<Vec<Initiative>> {
        self.as_initiatives().list_initiatives(key_result_id).await
    }

    async fn initiatives_of(&self, key_result_ids: &[KeyResultId]) -> StoreResult<Vec<Initiative>> {
        self.as_initiatives().initiatives_of(key_result_ids).await
    }

    async fn update_initiative(
        &self,
        ctx: &WriteCtx,
        before: &Initiative,
        after: &Initiative,
    ) -> StoreResult<Initiative> {
        self.as_initiatives()
            .update_initiative(ctx, before, after)
            .await
    }
}

impl SqlStore {
    pub(crate) async fn do_insert_initiative(
        &self,
        ctx: &WriteCtx,
        i: &Initiative,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let objective_id = objective_of_kr(&mut tx, i.key_result_id.as_str()).await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "initiatives",
            INITIATIVE_INSERT,
            vec![initiative_row(i)],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "initiative",
                verb: "create",
                object_id: i.id.as_str(),
                objective_id: objective_id.as_deref(),
                key_result_id: Some(i.key_result_id.as_str()),
                before: None,
                after: value(i),
            },
        )
        .await?;
        tx.commit().await
    }

    pub(crate) async fn do_update_initiative(
        &self,
        ctx: &WriteCtx,
        before: &Initiative,
        after: &Initiative,
    ) -> StoreResult<Initiative> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE initiatives SET title = $1, owner_id = $2, state = $3, link = $4, \
                 reason = $5, updated_at = $6, version = version + 1, active_since = $9, \
                 value_at_activation = $10 \
                 WHERE id = $7 AND version = $8",
                args![
                    after.title.as_str(),
                    after.owner_id.as_str(),
                    after.state.stored(),
                    after.link.clone(),
                    after.reason.clone(),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                    after.active_since.as_ref().map(ts),
                    after.value_at_activation,
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(&mut tx, "initiatives", before.id.as_str(), "").await);
        }
        let stored = initiative_in(&mut Exec::Tx(&mut tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        let objective_id = objective_of_kr(&mut tx, stored.key_result_id.as_str()).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "initiative",
                verb: "update",
                object_id: before.id.as_str(),
                objective_id: objective_id.as_deref(),
                key_result_id: Some(stored.key_result_id.as_str()),
                before: value(before),
                after: value(&stored),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }
}

#[async_trait]
impl Initiatives for SqlStore {
    async fn insert_initiative(&self, ctx: &WriteCtx, initiative: &Initiative) -> StoreResult<()> {
        self.do_insert_initiative(ctx, initiative)
            .await
            .map_err(map_err)
    }

    async fn initiative(&self, id: &InitiativeId) -> StoreResult<Option<Initiative>> {
        initiative_in(&mut self.ex(), id.as_str()).await
    }

    async fn initiatives_of(&self, key_result_ids: &[KeyResultId]) -> StoreResult<Vec<Initiative>> {
        let keys = id_strings(key_result_ids);
        let select = format!("SELECT {INITIATIVE_COLS} FROM initiatives WHERE key_result_id");
        let mut out = fetch_in(&mut self.ex(), &select, "", &keys)
            .await?
            .iter()
            .map(initiative_from)
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by(|a, b| {
            (a.key_result_id.as_str(), a.created_at, a.id.as_str()).cmp(&(
                b.key_result_id.as_str(),
                b.created_at,
                b.id.as_str(),
            ))
        });
        Ok(out)
    }

    async fn list_initiatives(&self, key_result_id: &KeyResultId) -> StoreResult<Vec<Initiative>> {
        let sql = format!(
            "SELECT {INITIATIVE_COLS} FROM initiatives WHERE key_result_id = $1 ORDER BY id"
        );
        self.db
            .fetch_all(&sql, args![key_result_id.as_str()])
            .await?
            .iter()
            .map(initiative_from)
            .collect()
    }

    async fn update_initiative(
        &self,
        ctx: &WriteCtx,
        before: &Initiative,
        after: &Initiative,
    ) -> StoreResult<Initiative> {
        self.do_update_initiative(ctx, before, after)
            .await
            .map_err(map_err)
    }
}
