//! Cycles: the periods objectives belong to.

use crate::db::{args, map_err, Arg, Exec, Fields};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

pub(crate) const CYCLE_COLS: Select = Select(&CYCLE);

/// The `cycles` table.
pub(crate) const CYCLE: Table = Table {
    name: "cycles",
    columns: &[
        "id",
        "name",
        "starts_on",
        "ends_on",
        "parent_id",
        "state",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &["closed_at"],
};

pub(crate) const CYCLE_INSERT: &[&str] = CYCLE.columns;

pub(crate) fn cycle_row(c: &Cycle) -> Vec<Arg> {
    args![
        c.id.as_str(),
        c.name.as_str(),
        c.starts_on.to_string(),
        c.ends_on.to_string(),
        c.parent_id.as_ref().map(|x| x.as_str()),
        c.state.stored(),
        ts(&c.created_at),
        ts(&c.updated_at),
        c.version,
    ]
}

pub(crate) fn cycle_from(r: &impl Fields) -> StoreResult<Cycle> {
    Ok(Cycle {
        id: CycleId::from_string(r.text("id")?),
        name: r.text("name")?,
        starts_on: date_from("starts_on", &r.text("starts_on")?)?,
        ends_on: date_from("ends_on", &r.text("ends_on")?)?,
        parent_id: r.opt_text("parent_id")?.map(CycleId::from_string),
        state: Stored::from_stored("state", &r.text("state")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

/// Cycles.
#[async_trait]
pub trait Cycles: Send + Sync {
    /// Inserts a cycle. Audited.
    async fn insert_cycle(&self, ctx: &WriteCtx, cycle: &Cycle) -> StoreResult<()>;
    /// The cycle with this id.
    async fn cycle(&self, id: &CycleId) -> StoreResult<Option<Cycle>>;
    /// The cycle with this name (the oldest, should several share it).
    async fn cycle_by_name(&self, name: &str) -> StoreResult<Option<Cycle>>;
    /// Cycles by id, a page at a time, filtered by state.
    async fn list_cycles(
        &self,
        filter: &CycleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Cycle>>;
    /// Updates a cycle. Audited.
    async fn update_cycle(
        &self,
        ctx: &WriteCtx,
        before: &Cycle,
        after: &Cycle,
    ) -> StoreResult<Cycle>;
    /// The cycles among `ids` that exist, in no particular order.
    async fn cycles_by_ids(&self, ids: &[CycleId]) -> StoreResult<Vec<Cycle>>;
}

/// The Cycles area through the shared handle: a caller holding a `DynStore` calls it with
/// `Cycles` in scope.
#[async_trait]
impl Cycles for dyn Store {
    async fn insert_cycle(&self, ctx: &WriteCtx, cycle: &Cycle) -> StoreResult<()> {
        self.as_cycles().insert_cycle(ctx, cycle).await
    }

    async fn cycle(&self, id: &CycleId) -> StoreResult<Option<Cycle>> {
        self.as_cycles().cycle(id).await
    }

    async fn cycle_by_name(&self, name: &str) -> StoreResult<Option<Cycle>> {
        self.as_cycles().cycle_by_name(name).await
    }

    async fn list_cycles(
        &self,
        filter: &CycleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Cycle>> {
        self.as_cycles().list_cycles(filter, page).await
    }

    async fn update_cycle(
        &self,
        ctx: &WriteCtx,
        before: &Cycle,
        after: &Cycle,
    ) -> StoreResult<Cycle> {
        self.as_cycles().update_cycle(ctx, before, after).await
    }

    async fn cycles_by_ids(&self, ids: &[CycleId]) -> StoreResult<Vec<Cycle>> {
        self.as_cycles().cycles_by_ids(ids).await
    }
}

impl SqlStore {
    pub(crate) async fn do_insert_cycle(&self, ctx: &WriteCtx, c: &Cycle) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "cycles",
            CYCLE_INSERT,
            vec![cycle_row(c)],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "cycle",
                verb: "create",
                object_id: c.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(c),
            },
        )
        .await?;
        tx.commit().await
    }

    pub(crate) async fn do_update_cycle(
        &self,
        ctx: &WriteCtx,
        before: &Cycle,
        after: &Cycle,
    ) -> StoreResult<Cycle> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE cycles SET name = $1, starts_on = $2, ends_on = $3, parent_id = $4, \
                 state = $5, updated_at = $6, version = version + 1, \
                 closed_at = CASE WHEN $5 = 'closed' THEN COALESCE(closed_at, $6) END \
                 WHERE id = $7 AND version = $8",
                args![
                    after.name.as_str(),
                    after.starts_on.to_string(),
                    after.ends_on.to_string(),
                    after.parent_id.as_ref().map(|x| x.as_str()),
                    after.state.stored(),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(&mut tx, "cycles", before.id.as_str(), "").await);
        }
        let stored = cycle_in(&mut Exec::Tx(&mut tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        if before.state != CycleState::Closed && stored.state == CycleState::Closed {
            let hook = crate::webhooks::events::cycle_closed(&stored);
            crate::webhooks::emit(&mut tx, vec![hook]).await?;
        }
        if stored.state != CycleState::Closed {
            // Its OKRs may change again: the calibration counted when it closed is forgotten
            // (tallied live until the evaluator counts it once it is closed again).
            crate::calibration::forget_calibration(&mut tx, &stored.id).await?;
        }
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "cycle",
                verb: "update",
                object_id: before.id.as_str(),
                objective_id: None,
                key_result_id: None,
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
impl Cycles for SqlStore {
    async fn insert_cycle(&self, ctx: &WriteCtx, cycle: &Cycle) -> StoreResult<()> {
        self.do_insert_cycle(ctx, cycle).await.map_err(map_err)
    }

    async fn cycle(&self, id: &CycleId) -> StoreResult<Option<Cycle>> {
        cycle_in(&mut self.ex(), id.as_str()).await
    }

    async fn cycle_by_name(&self, name: &str) -> StoreResult<Option<Cycle>> {
        let sql = format!("SELECT {CYCLE_COLS} FROM cycles WHERE name = $1 ORDER BY id LIMIT 1");
        self.db
            .fetch_optional(&sql, args![name])
            .await?
            .as_ref()
            .map(cycle_from)
            .transpose()
    }

    async fn list_cycles(
        &self,
        filter: &CycleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Cycle>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        if let Some(s) = &filter.state {
            let p = w.arg(s.stored());
            w.add(format!("state = {p}"));
        }
        if let Some(c) = id_cursor(page)? {
            let p = w.arg(c);
            w.add(format!("id > {p}"));
        }
        let sql = format!(
            "SELECT {CYCLE_COLS} FROM cycles {} ORDER BY id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(cycle_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |c| format!("i:{}", c.id)))
    }

    async fn update_cycle(
        &self,
        ctx: &WriteCtx,
        before: &Cycle,
        after: &Cycle,
    ) -> StoreResult<Cycle> {
        self.do_update_cycle(ctx, before, after)
            .await
            .map_err(map_err)
    }

    async fn cycles_by_ids(&self, ids: &[CycleId]) -> StoreResult<Vec<Cycle>> {
        let keys = id_strings(ids);
        let select = format!("SELECT {CYCLE_COLS} FROM cycles WHERE id");
        fetch_in(&mut self.ex(), &select, "", &keys)
            .await?
            .iter()
            .map(cycle_from)
            .collect()
    }
}
