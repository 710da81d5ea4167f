//! Key results: the measurable results an objective is judged by, each with its own owner.

use crate::db::{args, map_err, Arg, Exec, Row, Tx};
use crate::ownership_requests::{insert_request, request_on};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use std::collections::HashMap;

pub(crate) const KR_COLS: Select = Select(&KEY_RESULT);

/// The `key_results` table.
pub(crate) const KEY_RESULT: Table = Table {
    name: "key_results",
    columns: &[
        "id",
        "objective_id",
        "title",
        "description",
        "owner_id",
        "ownership_state",
        "sponsor_id",
        "metric_kind",
        "start_value",
        "target_value",
        "current_value",
        "unit",
        "weight",
        "milestones",
        "confidence",
        "last_check_in_at",
        "created_at",
        "updated_at",
        "version",
        "financial",
        "starts_on",
        "ends_on",
    ],
    not_selected: &[],
    later: &["deleted_at", "owner_accepted_at", "kpi_id"],
};

pub(crate) const KR_INSERT: &[&str] = KEY_RESULT.columns;

pub(crate) fn kr_row(k: &KeyResult) -> Vec<Arg> {
    args![
        k.id.as_str(),
        k.objective_id.as_str(),
        k.title.as_str(),
        k.description.as_str(),
        k.owner_id.as_str(),
        k.ownership_state.stored(),
        k.sponsor_id.as_ref().map(|x| x.as_str()),
        k.metric_kind.stored(),
        k.start,
        k.target,
        k.current,
        k.unit.as_str(),
        k.weight,
        json(&k.milestones),
        k.confidence.map(i64::from),
        k.last_check_in_at.as_ref().map(ts),
        ts(&k.created_at),
        ts(&k.updated_at),
        k.version,
        k.financial,
        k.starts_on.map(|d| d.to_string()),
        k.ends_on.map(|d| d.to_string()),
    ]
}

/// An optional day, stored as `YYYY-MM-DD` text like the cycles' days.
fn opt_date(r: &Row, col: &str) -> StoreResult<Option<chrono::NaiveDate>> {
    r.opt_text(col)?.map(|s| date_from(col, &s)).transpose()
}

pub(crate) fn kr_from(r: &Row) -> StoreResult<KeyResult> {
    Ok(KeyResult {
        id: KeyResultId::from_string(r.text("id")?),
        objective_id: ObjectiveId::from_string(r.text("objective_id")?),
        title: r.text("title")?,
        description: r.text("description")?,
        owner_id: PersonId::from_string(r.text("owner_id")?),
        ownership_state: Stored::from_stored("ownership_state", &r.text("ownership_state")?)?,
        co_owner_ids: vec![],
        sponsor_id: r.opt_text("sponsor_id")?.map(PersonId::from_string),
        contributor_ids: vec![],
        team_ids: vec![],
        metric_kind: Stored::from_stored("metric_kind", &r.text("metric_kind")?)?,
        start: r.real("start_value")?,
        target: r.real("target_value")?,
        current: r.real("current_value")?,
        unit: r.text("unit")?,
        weight: r.real("weight")?,
        milestones: from_json("milestones", &r.text("milestones")?)?,
        financial: r.int("financial")? != 0,
        starts_on: opt_date(r, "starts_on")?,
        ends_on: opt_date(r, "ends_on")?,
        confidence: r
            .opt_int("confidence")?
            .map(|c| u8::try_from(c).map_err(|e| corrupt("confidence", e)))
            .transpose()?,
        last_check_in_at: opt_ts("last_check_in_at", r.opt_int("last_check_in_at")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

/// The `key_result_teams` table: the teams a key result is shared with, in order.
pub(crate) const KEY_RESULT_TEAM: Table = Table {
    name: "key_result_teams",
    columns: &["key_result_id", "team_id", "position"],
    not_selected: &[],
    later: &[],
};

/// The `key_result_contributors` table: a key result's contributors, in order.
pub(crate) const KEY_RESULT_CONTRIBUTOR: Table = Table {
    name: "key_result_contributors",
    columns: &["key_result_id", "person_id", "position"],
    not_selected: &[],
    later: &[],
};

/// The `key_result_co_owners` table: a key result's co-owners, in order.
pub(crate) const KEY_RESULT_CO_OWNER: Table = Table {
    name: "key_result_co_owners",
    columns: &["key_result_id", "person_id", "position"],
    not_selected: &[],
    later: &[],
};

/// A key result with everything a check-in on it is judged on (its objective, the objective's
/// cycle) and answered with (the rhythm's facts about it that a check-in does not change), read
/// in ONE query: each statement is a network round trip on PostgreSQL and a statement run on
/// SQLite, and separate reads cost eight.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyResultContext {
    pub key_result: KeyResult,
    pub objective: Objective,
    pub cycle: Option<Cycle>,
    /// When it became active, as `Rhythm::active_since` reads it.
    pub active_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Its score, as `Rhythm::scores_of` reads it.
    pub score: Option<rhythm::KeyResultScore>,
    /// The cadences set for the teams of the objective and the key result, as
    /// `Rhythm::team_cadences` reads them.
    pub cadences: Vec<(TeamId, u32)>,
    /// Its standing check-ins, oldest first, as `check_in_points` reads them, where the
    /// backend reads them in the same statement (PostgreSQL: one statement fewer for a
    /// check-in's answer); `None` where they are read apart (SQLite, where a statement costs no
    /// round trip). As of the read: a caller that records a check-in after it adds the new one
    /// (`CheckInPoint::insert_into`).
    pub history: Option<Vec<CheckInPoint>>,
    /// The names of its circle (owner, sponsor, co-owners, contributors) and of its teams, as
    /// `person_names` and `team_names` read them, in no order, where the backend reads them in
    /// the same statement (PostgreSQL); `None` where they are read apart.
    pub names: Option<CircleNames>,
}

/// The names a key result's answer shows: its people's and its teams'.
#[derive(Debug, Clone, PartialEq)]
pub struct CircleNames {
    pub people: Vec<PersonName>,
    pub teams: Vec<(TeamId, String)>,
}

/// Key results.
#[async_trait]
pub trait KeyResults: Send + Sync {
    /// Inserts the key result and, in the same transaction, the ownership request that names its
    /// owner (if any).
    async fn insert_key_result(
        &self,
        ctx: &WriteCtx,
        key_result: &KeyResult,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()>;
    /// Key results (not deleted, in objectives not deleted) whose `team_ids` include this team.
    async fn key_results_shared_with(&self, team_id: &TeamId) -> StoreResult<Vec<KeyResult>>;
    /// The key result with this id (not deleted).
    async fn key_result(&self, id: &KeyResultId) -> StoreResult<Option<KeyResult>>;
    /// The key result with its objective, cycle and rhythm facts ([`KeyResultContext`]), each
    /// as its own read returns it, in one query (`None` when the key result or its objective is
    /// deleted or unknown): what a check-in is judged on and answered with.
    async fn key_result_in_context(
        &self,
        id: &KeyResultId,
    ) -> StoreResult<Option<KeyResultContext>>;
    /// The key results (not deleted) with these ids, in no particular order; one query whatever
    /// the number.
    async fn key_results_by_ids(&self, ids: &[KeyResultId]) -> StoreResult<Vec<KeyResult>>;
    /// The key results of these objectives, ordered by objective then creation.
    async fn key_results_of(&self, objective_ids: &[ObjectiveId]) -> StoreResult<Vec<KeyResult>>;
    /// Updates a key result with its teams, contributors and co-owners. Audited.
    async fn update_key_result(
        &self,
        ctx: &WriteCtx,
        before: &KeyResult,
        after: &KeyResult,
    ) -> StoreResult<KeyResult>;
    /// Soft delete: the key result disappears from reads; history stays. Audited.
    async fn delete_key_result(&self, ctx: &WriteCtx, key_result: &KeyResult) -> StoreResult<()>;
}

/// The KeyResults area through the shared handle: a caller holding a `DynStore` calls it with
/// `KeyResults` in scope.
#[async_trait]
impl KeyResults for dyn Store {
    async fn insert_key_result(
        &self,
        ctx: &WriteCtx,
        key_result: &KeyResult,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        self.as_key_results()
            .insert_key_result(ctx, key_result, request)
            .await
    }

    async fn key_results_shared_with(&self, team_id: &TeamId) -> StoreResult<Vec<KeyResult>> {
        self.as_key_results().key_results_shared_with(team_id).await
    }

    async fn key_result(&self, id: &KeyResultId) -> StoreResult<Option<KeyResult>> {
        self.as_key_results().key_result(id).await
    }

    async fn key_result_in_context(
        &self,
        id: &KeyResultId,
    ) -> StoreResult<Option<KeyResultContext>> {
        self.as_key_results().key_result_in_context(id).await
    }

    async fn key_results_by_ids(&self, ids: &[KeyResultId]) -> StoreResult<Vec<KeyResult>> {
        self.as_key_results().key_results_by_ids(ids).await
    }

    async fn key_results_of(&self, objective_ids: &[ObjectiveId]) -> StoreResult<Vec<KeyResult>> {
        self.as_key_results().key_results_of(objective_ids).await
    }

    async fn update_key_result(
        &self,
        ctx: &WriteCtx,
        before: &KeyResult,
        after: &KeyResult,
    ) -> StoreResult<KeyResult> {
        self.as_key_results()
            .update_key_result(ctx, before, after)
            .await
    }

    async fn delete_key_result(&self, ctx: &WriteCtx, key_result: &KeyResult) -> StoreResult<()> {
        self.as_key_results()
            .delete_key_result(ctx, key_result)
            .await
    }
}

impl SqlStore {
    pub(crate) async fn write_kr_junctions(
        tx: &mut Tx,
        k: &KeyResult,
        replace: bool,
    ) -> StoreResult<()> {
        let id = k.id.as_str();
        if replace {
            for table in [
                KEY_RESULT_TEAM.name,
                KEY_RESULT_CONTRIBUTOR.name,
                KEY_RESULT_CO_OWNER.name,
            ] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE key_result_id = $1"),
                    args![id],
                )
                .await?;
            }
        }
        insert_rows(
            tx,
            usize::MAX,
            KEY_RESULT_TEAM.name,
            KEY_RESULT_TEAM.columns,
            junction_rows(id, &id_strings(&k.team_ids)),
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            KEY_RESULT_CONTRIBUTOR.name,
            KEY_RESULT_CONTRIBUTOR.columns,
            junction_rows(id, &id_strings(&k.contributor_ids)),
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            KEY_RESULT_CO_OWNER.name,
            KEY_RESULT_CO_OWNER.columns,
            junction_rows(id, &id_strings(&k.co_owner_ids)),
        )
        .await
    }

    pub(crate) async fn do_insert_key_result(
        &self,
        ctx: &WriteCtx,
        k: &KeyResult,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        if let Some(r) = request {
            request_on(r, &OkrRef::KeyResult(k.id.clone()))?;
        }
        let mut tx = self.begin().await?;
        Self::insert_key_result_in(&mut tx, ctx, k, request).await?;
        tx.commit().await
    }

    /// A key result (of a live objective), its junctions, audit event and ownership request,
    /// inside `tx`.
    pub(crate) async fn insert_key_result_in(
        tx: &mut Tx,
        ctx: &WriteCtx,
        k: &KeyResult,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        // A key result can only be added to a live objective.
        if tx
            .fetch_optional(
                "SELECT id FROM objectives WHERE id = $1 AND deleted_at IS NULL",
                args![k.objective_id.as_str()],
            )
            .await?
            .is_none()
        {
            return Err(StoreError::Conflict {
                field: "objective_id".into(),
                message: "no such objective".into(),
            });
        }
        insert_rows(tx, usize::MAX, "key_results", KR_INSERT, vec![kr_row(k)]).await?;
        crate::owner_rhythm::stamp_acceptance(tx, k.id.as_str(), &k.created_at, true).await?;
        Self::write_kr_junctions(tx, k, false).await?;
        audit(
            tx,
            ctx,
            AuditRec {
                kind: "key_result",
                verb: "create",
                object_id: k.id.as_str(),
                objective_id: Some(k.objective_id.as_str()),
                key_result_id: Some(k.id.as_str()),
                before: None,
                after: value(k),
            },
        )
        .await?;
        if let Some(r) = request {
            insert_request(tx, ctx, r, k.objective_id.as_str()).await?;
        }
        Ok(())
    }

    pub(crate) async fn do_update_key_result(
        &self,
        ctx: &WriteCtx,
        before: &KeyResult,
        after: &KeyResult,
    ) -> StoreResult<KeyResult> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE key_results SET title = $1, description = $2, owner_id = $3, \
                 ownership_state = $4, sponsor_id = $5, metric_kind = $6, start_value = $7, \
                 target_value = $8, current_value = $9, unit = $10, weight = $11, \
                 milestones = $12, confidence = $13, last_check_in_at = $14, updated_at = $15, \
                 financial = $18, starts_on = $19, ends_on = $20, version = version + 1 \
                 WHERE id = $16 AND version = $17 AND deleted_at IS NULL",
                args![
                    after.title.as_str(),
                    after.description.as_str(),
                    after.owner_id.as_str(),
                    after.ownership_state.stored(),
                    after.sponsor_id.as_ref().map(|x| x.as_str()),
                    after.metric_kind.stored(),
                    after.start,
                    after.target,
                    after.current,
                    after.unit.as_str(),
                    after.weight,
                    json(&after.milestones),
                    after.confidence.map(i64::from),
                    after.last_check_in_at.as_ref().map(ts),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                    after.financial,
                    after.starts_on.map(|d| d.to_string()),
                    after.ends_on.map(|d| d.to_string()),
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(
                &mut tx,
                "key_results",
                before.id.as_str(),
                "AND deleted_at IS NULL",
            )
            .await);
        }
        let mut k = after.clone();
        k.id = before.id.clone();
        crate::owner_rhythm::stamp_acceptance(
            &mut tx,
            k.id.as_str(),
            &now(),
            before.owner_id != after.owner_id,
        )
        .await?;
        Self::write_kr_junctions(&mut tx, &k, true).await?;
        if before.owner_id != after.owner_id || before.co_owner_ids != after.co_owner_ids {
            crate::owner_rhythm::recache_owners_confidence(&mut tx, k.id.as_str()).await?;
        }
        let stored = key_result_in(&mut Exec::Tx(&mut tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "key_result",
                verb: "update",
                object_id: before.id.as_str(),
                objective_id: Some(stored.objective_id.as_str()),
                key_result_id: Some(before.id.as_str()),
                before: value(before),
                after: value(&stored),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    pub(crate) async fn do_delete_key_result(
        &self,
        ctx: &WriteCtx,
        k: &KeyResult,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let at = ts(&now());
        let n = tx
            .execute(
                "UPDATE key_results SET deleted_at = $1, updated_at = $1, version = version + 1 \
                 WHERE id = $2 AND version = $3 AND deleted_at IS NULL",
                args![at, k.id.as_str(), k.version],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(
                &mut tx,
                "key_results",
                k.id.as_str(),
                "AND deleted_at IS NULL",
            )
            .await);
        }
        let objective_id = objective_of_kr(&mut tx, k.id.as_str()).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "key_result",
                verb: "delete",
                object_id: k.id.as_str(),
                objective_id: objective_id.as_deref(),
                key_result_id: Some(k.id.as_str()),
                before: value(k),
                after: None,
            },
        )
        .await?;
        tx.commit().await
    }
}

#[async_trait]
impl KeyResults for SqlStore {
    async fn key_results_shared_with(&self, team_id: &TeamId) -> StoreResult<Vec<KeyResult>> {
        let sql = format!(
            "SELECT {KR_COLS} FROM key_results WHERE deleted_at IS NULL \
             AND id IN (SELECT key_result_id FROM key_result_teams WHERE team_id = $1) \
             AND objective_id IN (SELECT id FROM objectives WHERE deleted_at IS NULL) \
             ORDER BY created_at, id"
        );
        let mut ex = self.ex();
        let rows = ex.fetch_all(&sql, args![team_id.as_str()]).await?;
        fill_key_results(&mut ex, rows).await
    }

    async fn insert_key_result(
        &self,
        ctx: &WriteCtx,
        key_result: &KeyResult,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        self.do_insert_key_result(ctx, key_result, request)
            .await
            .map_err(map_err)
    }

    async fn key_result(&self, id: &KeyResultId) -> StoreResult<Option<KeyResult>> {
        key_result_in(&mut self.ex(), id.as_str()).await
    }

    async fn key_result_in_context(
        &self,
        id: &KeyResultId,
    ) -> StoreResult<Option<KeyResultContext>> {
        if self.ex().is_sqlite() {
            return key_result_in_context_in(&mut self.ex(), id.as_str()).await;
        }
        if id.as_str().contains(LIST_SEPARATOR) {
            return Ok(None); // no id holds it; the group's statement would split it
        }
        // PostgreSQL: concurrent check-ins' contexts in one statement (`read_group`).
        let store = self.clone();
        self.contexts
            .read(id.as_str(), move |ids| {
                let store = store.clone();
                async move { key_results_in_context_in(&mut store.ex(), ids).await }
            })
            .await
    }

    async fn key_results_by_ids(&self, ids: &[KeyResultId]) -> StoreResult<Vec<KeyResult>> {
        let keys = id_strings(ids);
        let select = format!("SELECT {KR_COLS} FROM key_results WHERE deleted_at IS NULL AND id");
        let mut ex = self.ex();
        let rows = fetch_in(&mut ex, &select, "", &keys).await?;
        fill_key_results(&mut ex, rows).await
    }

    async fn key_results_of(&self, objective_ids: &[ObjectiveId]) -> StoreResult<Vec<KeyResult>> {
        let keys = id_strings(objective_ids);
        let select =
            format!("SELECT {KR_COLS} FROM key_results WHERE deleted_at IS NULL AND objective_id");
        let mut ex = self.ex();
        let rows = fetch_in(&mut ex, &select, "ORDER BY created_at, id", &keys).await?;
        let mut krs = fill_key_results(&mut ex, rows).await?;
        let order: HashMap<&str, usize> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        krs.sort_by_key(|k| {
            (
                order
                    .get(k.objective_id.as_str())
                    .copied()
                    .unwrap_or(usize::MAX),
                k.created_at,
                k.id.clone(),
            )
        });
        Ok(krs)
    }

    async fn update_key_result(
        &self,
        ctx: &WriteCtx,
        before: &KeyResult,
        after: &KeyResult,
    ) -> StoreResult<KeyResult> {
        self.do_update_key_result(ctx, before, after)
            .await
            .map_err(map_err)
    }

    async fn delete_key_result(&self, ctx: &WriteCtx, key_result: &KeyResult) -> StoreResult<()> {
        self.do_delete_key_result(ctx, key_result)
            .await
            .map_err(map_err)
    }
}
