//! Objectives: one owner each (docs/method.md, "One owner"), shared with teams, aligned to
//! parents; soft-deleted so their history stays.

use crate::db::{args, map_err, Arg, Exec, Fields, Tx};
use crate::ownership_requests::{insert_request, request_on};
use crate::sql::table::{Select, SelectIn, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

pub(crate) fn parent_rows(objective: &Objective) -> Vec<Vec<Arg>> {
    objective
        .parents
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (o, k) = match p {
                ParentRef::Objective(id) => (Some(id.as_str()), None),
                ParentRef::KeyResult(id) => (None, Some(id.as_str())),
            };
            args![objective.id.as_str(), i as i64, o, k]
        })
        .collect()
}

/// The `objective_parents` table.
pub(crate) const OBJECTIVE_PARENT: Table = Table {
    name: "objective_parents",
    columns: &[
        "objective_id",
        "position",
        "parent_objective_id",
        "parent_key_result_id",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const PARENT_INSERT: &[&str] = OBJECTIVE_PARENT.columns;

pub(crate) const OBJECTIVE_COLS: Select = Select(&OBJECTIVE);

/// The `objectives` table.
pub(crate) const OBJECTIVE: Table = Table {
    name: "objectives",
    columns: &[
        "id",
        "title",
        "description",
        "cycle_id",
        "owner_id",
        "ownership_state",
        "sponsor_id",
        "kind",
        "state",
        "visibility",
        "progress_rollup",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &["deleted_at", "activated_at", "closed_at"],
};

pub(crate) const OBJECTIVE_INSERT: &[&str] = OBJECTIVE.columns;

pub(crate) fn objective_row(o: &Objective) -> Vec<Arg> {
    args![
        o.id.as_str(),
        o.title.as_str(),
        o.description.as_str(),
        o.cycle_id.as_str(),
        o.owner_id.as_str(),
        o.ownership_state.stored(),
        o.sponsor_id.as_ref().map(|x| x.as_str()),
        o.kind.stored(),
        o.state.stored(),
        o.visibility.stored(),
        o.progress_rollup.stored(),
        ts(&o.created_at),
        ts(&o.updated_at),
        o.version,
    ]
}

pub(crate) fn objective_from(r: &impl Fields) -> StoreResult<Objective> {
    Ok(Objective {
        id: ObjectiveId::from_string(r.text("id")?),
        title: r.text("title")?,
        description: r.text("description")?,
        cycle_id: CycleId::from_string(r.text("cycle_id")?),
        owner_id: PersonId::from_string(r.text("owner_id")?),
        ownership_state: Stored::from_stored("ownership_state", &r.text("ownership_state")?)?,
        co_owner_ids: vec![],
        sponsor_id: r.opt_text("sponsor_id")?.map(PersonId::from_string),
        contributor_ids: vec![],
        team_ids: vec![],
        parents: vec![],
        kind: Stored::from_stored("kind", &r.text("kind")?)?,
        state: Stored::from_stored("state", &r.text("state")?)?,
        visibility: Stored::from_stored("visibility", &r.text("visibility")?)?,
        progress_rollup: Stored::from_stored("progress_rollup", &r.text("progress_rollup")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

/// The `objective_teams` table: the teams an objective is shared with, in order.
pub(crate) const OBJECTIVE_TEAM: Table = Table {
    name: "objective_teams",
    columns: &["objective_id", "team_id", "position"],
    not_selected: &[],
    later: &[],
};

/// The `objective_contributors` table: an objective's contributors, in order.
pub(crate) const OBJECTIVE_CONTRIBUTOR: Table = Table {
    name: "objective_contributors",
    columns: &["objective_id", "person_id", "position"],
    not_selected: &[],
    later: &[],
};

/// The `objective_co_owners` table: an objective's co-owners, in order.
pub(crate) const OBJECTIVE_CO_OWNER: Table = Table {
    name: "objective_co_owners",
    columns: &["objective_id", "person_id", "position"],
    not_selected: &[],
    later: &[],
};

/// Objectives (and who they involve, and who may see them).
#[async_trait]
pub trait Objectives: Send + Sync {
    /// Inserts the objective and, in the same transaction, the ownership request that names its
    /// owner (if any).
    async fn insert_objective(
        &self,
        ctx: &WriteCtx,
        objective: &Objective,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()>;
    /// Inserts a new objective with its key results and the ownership requests naming their
    /// owners, in one transaction: all or nothing (the one-page creation form and the API's
    /// `key_results`).
    async fn insert_objective_with_key_results(
        &self,
        ctx: &WriteCtx,
        objective: &Objective,
        request: Option<&OwnershipRequest>,
        key_results: &[(KeyResult, Option<OwnershipRequest>)],
    ) -> StoreResult<()>;
    /// The objective with this id (not deleted).
    async fn objective(&self, id: &ObjectiveId) -> StoreResult<Option<Objective>>;
    /// The objectives (not deleted) among `ids`, in no particular order, in one query.
    async fn objectives_by_ids(&self, ids: &[ObjectiveId]) -> StoreResult<Vec<Objective>>;
    /// Objectives (not deleted) by id, a page at a time, that the filter's reader may see,
    /// filtered by cycle, team and owner.
    async fn list_objectives(
        &self,
        filter: &ObjectiveFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Objective>>;
    /// Updates an objective with its teams, parents, contributors and co-owners. Audited.
    async fn update_objective(
        &self,
        ctx: &WriteCtx,
        before: &Objective,
        after: &Objective,
    ) -> StoreResult<Objective>;
    /// Soft delete: the objective and its key results disappear from reads; history stays.
    async fn delete_objective(&self, ctx: &WriteCtx, objective: &Objective) -> StoreResult<()>;
    /// Objectives that list `parent` (an objective or key result id) among their parents.
    async fn children_of(&self, parent_id: &str) -> StoreResult<Vec<Objective>>;
    /// Objectives aligned to this objective or to any of its key results (not deleted), in one
    /// query: the children shown on an objective's page.
    async fn children_of_objective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Vec<Objective>>;
    /// Every objective and key result (not deleted) the person owns, co-owns, sponsors or
    /// contributes to.
    async fn okrs_involving(&self, person_id: &PersonId) -> StoreResult<Involvement>;
    /// The objectives among `ids` (deleted or not) that `audience` may see, in no particular
    /// order: one query, for filtering lists that are not paginated in SQL.
    async fn visible_objective_ids(
        &self,
        audience: &Audience,
        ids: &[ObjectiveId],
    ) -> StoreResult<Vec<ObjectiveId>>;
    /// For many readers at once, which of the objectives asked about for each they may see, as
    /// (reader, objective) pairs in no particular order: the rule of `visible_objective_ids`,
    /// read as sets for all the readers of a query, so a round over the whole organisation (the
    /// weekly digest) costs a query per team scope and 5,000 pairs, not one per reader.
    async fn visible_to_each(
        &self,
        asks: &[(Audience, Vec<ObjectiveId>)],
    ) -> StoreResult<Vec<(PersonId, ObjectiveId)>>;
}

/// The Objectives area through the shared handle: a caller holding a `DynStore` calls it with
/// `Objectives` in scope.
#[async_trait]
impl Objectives for dyn Store {
    async fn insert_objective(
        &self,
        ctx: &WriteCtx,
        objective: &Objective,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        self.as_objectives()
            .insert_objective(ctx, objective, request)
            .await
    }

    async fn insert_objective_with_key_results(
        &self,
        ctx: &WriteCtx,
        objective: &Objective,
        request: Option<&OwnershipRequest>,
        key_results: &[(KeyResult, Option<OwnershipRequest>)],
    ) -> StoreResult<()> {
        self.as_objectives()
            .insert_objective_with_key_results(ctx, objective, request, key_results)
            .await
    }

    async fn objective(&self, id: &ObjectiveId) -> StoreResult<Option<Objective>> {
        self.as_objectives().objective(id).await
    }

    async fn objectives_by_ids(&self, ids: &[ObjectiveId]) -> StoreResult<Vec<Objective>> {
        self.as_objectives().objectives_by_ids(ids).await
    }

    async fn list_objectives(
        &self,
        filter: &ObjectiveFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Objective>> {
        self.as_objectives().list_objectives(filter, page).await
    }

    async fn update_objective(
        &self,
        ctx: &WriteCtx,
        before: &Objective,
        after: &Objective,
    ) -> StoreResult<Objective> {
        self.as_objectives()
            .update_objective(ctx, before, after)
            .await
    }

    async fn delete_objective(&self, ctx: &WriteCtx, objective: &Objective) -> StoreResult<()> {
        self.as_objectives().delete_objective(ctx, objective).await
    }

    async fn children_of(&self, parent_id: &str) -> StoreResult<Vec<Objective>> {
        self.as_objectives().children_of(parent_id).await
    }

    async fn children_of_objective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Vec<Objective>> {
        self.as_objectives()
            .children_of_objective(objective_id)
            .await
    }

    async fn okrs_involving(&self, person_id: &PersonId) -> StoreResult<Involvement> {
        self.as_objectives().okrs_involving(person_id).await
    }

    async fn visible_objective_ids(
        &self,
        audience: &Audience,
        ids: &[ObjectiveId],
    ) -> StoreResult<Vec<ObjectiveId>> {
        self.as_objectives()
            .visible_objective_ids(audience, ids)
            .await
    }

    async fn visible_to_each(
        &self,
        asks: &[(Audience, Vec<ObjectiveId>)],
    ) -> StoreResult<Vec<(PersonId, ObjectiveId)>> {
        self.as_objectives().visible_to_each(asks).await
    }
}

/// The sort key of a list of objectives as an SQL expression over the objectives of `table`
/// (none: by id alone).
fn order_key(order: ObjectiveOrder, table: &str) -> Option<String> {
    match order {
        ObjectiveOrder::Id => None,
        ObjectiveOrder::Title => Some(format!("{table}.title")),
        ObjectiveOrder::Owner => Some(format!(
            "(SELECT p.name FROM people p WHERE p.id = {table}.owner_id)"
        )),
        ObjectiveOrder::Status | ObjectiveOrder::Progress => {
            Some(signal_key(signal_column(order), table))
        }
    }
}

/// The `objective_signals` column a stored order sorts by (none for the others).
fn signal_column(order: ObjectiveOrder) -> &'static str {
    match order {
        ObjectiveOrder::Progress => "progress_milli",
        _ => "status_rank",
    }
}

/// Beyond every stored status rank and progress: objectives the evaluator has not seen sort
/// last.
const UNSEEN: i64 = 1_000_000_000;

/// The condition that the signal `s` is the current word on the objective `o`: the evaluator's,
/// for the cycle the objective is still in (one moved since sorts as not seen, until the next
/// round evaluates it in its new cycle).
fn signal_of(s: &str, o: &str) -> String {
    format!("{s}.objective_id = {o}.id AND {s}.cycle_id = {o}.cycle_id")
}

/// An `objective_signals` column of the objectives of `table` as a sort key.
fn signal_key(column: &str, table: &str) -> String {
    format!(
        "COALESCE((SELECT s.{column} FROM objective_signals s WHERE {}), {UNSEEN})",
        signal_of("s", table)
    )
}

/// A list's cursor: `i:ID` (the key read from that objective, as older cursors were) or
/// `k:ID:KEY` (the sort key carried, so the next page starts after it even when that objective
/// has changed since).
fn keyed_cursor(
    page: &PageRequest,
    order: ObjectiveOrder,
) -> StoreResult<Option<(String, Option<String>)>> {
    let Some(c) = &page.cursor else {
        return Ok(None);
    };
    if let Some(rest) = c.strip_prefix("k:") {
        return match rest.split_once(':') {
            Some((_, key)) if order.numeric() && key.parse::<i64>().is_err() => {
                Err(StoreError::BadCursor)
            }
            Some((id, key)) if !id.is_empty() => Ok(Some((id.to_string(), Some(key.to_string())))),
            _ => Err(StoreError::BadCursor),
        };
    }
    Ok(id_cursor(page)?.map(|id| (id, None)))
}

/// The ORDER BY of a list of objectives, and the condition that starts it after the cursor's
/// objective (after its sort key, then its id).
fn list_order(
    w: &mut Where,
    order: ObjectiveOrder,
    cursor: Option<(String, Option<String>)>,
) -> String {
    let key = order_key(order, "objectives");
    if let Some((id, carried)) = cursor {
        let p = w.arg(id);
        match &key {
            None => w.add(format!("objectives.id > {p}")),
            Some(k) => {
                let after = match carried {
                    Some(v) => w.arg(v),
                    None => format!(
                        "(SELECT {} FROM objectives c WHERE c.id = {p})",
                        order_key(order, "c").unwrap_or_default()
                    ),
                };
                // A row value: SQLite and PostgreSQL start an index walk there (title).
                w.add(format!("({k}, objectives.id) > ({after}, {p})"));
            }
        }
    }
    match key {
        None => "objectives.id".into(),
        Some(k) => format!("{k}, objectives.id"),
    }
}

/// The filter's conditions on the objective row aliased `t`: not deleted, visible to its
/// reader, and of its cycle, owner, team, kind and state.
fn filter_sql(w: &mut Where, filter: &ObjectiveFilter, t: &str) {
    w.add(format!("{t}.deleted_at IS NULL"));
    if let Reader::Audience(a) = &filter.reader {
        let v = visible_join(w, a, t);
        w.add(v);
    }
    if let Some(c) = &filter.cycle_id {
        let p = w.arg(c.as_str());
        w.add(format!("{t}.cycle_id = {p}"));
    }
    if let Some(o) = &filter.owner_id {
        let p = w.arg(o.as_str());
        w.add(format!("{t}.owner_id = {p}"));
    }
    if let Some(team) = &filter.team_id {
        let p = w.arg(team.as_str());
        w.add(format!(
            "{t}.id IN (SELECT objective_id FROM objective_teams WHERE team_id = {p})"
        ));
    }
    if let Some(k) = &filter.kind {
        let p = w.arg(k.stored());
        w.add(format!("{t}.kind = {p}"));
    }
    if let Some(st) = &filter.state {
        let p = w.arg(st.stored());
        w.add(format!("{t}.state = {p}"));
    }
}

/// A page of objectives, its cursor carrying the last one's sort key when it has one.
fn keyed_page(items: Vec<Objective>, more: bool, last_key: Option<String>) -> Page<Objective> {
    let next_cursor = if more {
        items.last().map(|o| match &last_key {
            Some(k) => format!("k:{}:{k}", o.id),
            None => format!("i:{}", o.id),
        })
    } else {
        None
    };
    Page { items, next_cursor }
}

impl SqlStore {
    /// The list in a stored order (status or progress), in two parts each walked from an index
    /// and stopped at the page's end: the objectives the evaluator has seen in their cycle, from
    /// the signals of that cycle in order (`objective_signals_cycle_*_idx`, or the whole order's
    /// index when no cycle is asked), then those it has not (`UNSEEN`), by id: two queries
    /// (three for an older `i:` cursor, whose key is read first); sorting every objective of
    /// the cycle by a looked-up key took 0.1-0.15 s at 100,000 people.
    async fn list_objectives_by_signal(
        &self,
        filter: &ObjectiveFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Objective>> {
        let limit = clamp(page.limit);
        let column = signal_column(filter.order);
        let mut ex = self.ex();
        let start: Option<(i64, String)> = match keyed_cursor(page, filter.order)? {
            None => None,
            Some((id, Some(key))) => Some((key.parse().map_err(|_| StoreError::BadCursor)?, id)),
            Some((id, None)) => {
                let sql = format!(
                    "SELECT {} AS sort_key FROM objectives c WHERE c.id = $1",
                    signal_key(column, "c")
                );
                let found = ex.fetch_all(&sql, args![id.as_str()]).await?;
                let key = found
                    .first()
                    .ok_or(StoreError::BadCursor)?
                    .int("sort_key")?;
                Some((key, id))
            }
        };
        let cols = SelectIn(&OBJECTIVE, "o");
        // Both parts are always sent, the one with nothing to find with `LIMIT 0` (answered
        // without reading a row): the same reads whatever the number of objectives seen.
        let seen_limit = match &start {
            Some((key, _)) if *key >= UNSEEN => 0,
            _ => limit + 1,
        };
        let mut rows = {
            let mut w = Where::default();
            if let Some(c) = &filter.cycle_id {
                let p = w.arg(c.as_str());
                w.add(format!("s.cycle_id = {p}"));
            }
            if let Some((key, id)) = &start {
                let (k, i) = (w.arg(*key), w.arg(id.as_str()));
                w.add(format!("(s.{column}, s.objective_id) > ({k}, {i})"));
            }
            w.add(signal_of("s", "o"));
            // An owner's or a team's objectives are few: the planner starts from them (as an id
            // list) and sorts them. Otherwise `CROSS JOIN` keeps the signals' index outside: left
            // to itself, SQLite read every objective of the cycle and sorted them.
            let narrow = filter.owner_id.is_some() || filter.team_id.is_some();
            filter_sql(
                &mut w,
                &ObjectiveFilter {
                    owner_id: None,
                    ..filter.clone()
                },
                "o",
            );
            if let Some(owner) = &filter.owner_id {
                let p = w.arg(owner.as_str());
                w.add(format!(
                    "o.id IN (SELECT x.id FROM objectives x WHERE x.owner_id = {p})"
                ));
            }
            let sql = format!(
                "SELECT {cols}, s.{column} AS sort_key FROM objective_signals s{}objectives o \
                 {} ORDER BY s.{column}, s.objective_id LIMIT {}",
                if narrow { ", " } else { " CROSS JOIN " },
                w.sql(),
                seen_limit
            );
            ex.fetch_all(&sql, w.args).await?
        };
        let (after, unseen_limit) = match &start {
            Some((key, _)) if *key > UNSEEN => (None, 0),
            Some((key, id)) if *key == UNSEEN => (Some(id.as_str()), limit + 1),
            _ => (None, limit + 1 - rows.len()),
        };
        {
            let mut w = Where::default();
            w.add(format!(
                "NOT EXISTS (SELECT 1 FROM objective_signals s WHERE {})",
                signal_of("s", "o")
            ));
            if let Some(id) = after {
                let p = w.arg(id);
                w.add(format!("o.id > {p}"));
            }
            filter_sql(&mut w, filter, "o");
            let sql = format!(
                "SELECT {cols}, CAST({UNSEEN} AS BIGINT) AS sort_key FROM objectives o {} \
                 ORDER BY o.id LIMIT {unseen_limit}",
                w.sql()
            );
            rows.extend(ex.fetch_all(&sql, w.args).await?);
        }
        let more = rows.len() > limit;
        rows.truncate(limit);
        let last_key = match rows.last() {
            Some(r) if more => Some(r.int("sort_key")?.to_string()),
            _ => None,
        };
        let items = fill_objectives(&mut ex, rows).await?;
        Ok(keyed_page(items, more, last_key))
    }

    pub(crate) async fn write_objective_junctions(
        tx: &mut Tx,
        o: &Objective,
        replace: bool,
    ) -> StoreResult<()> {
        let id = o.id.as_str();
        if replace {
            for table in [
                OBJECTIVE_TEAM.name,
                OBJECTIVE_CONTRIBUTOR.name,
                OBJECTIVE_CO_OWNER.name,
                "objective_parents",
            ] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE objective_id = $1"),
                    args![id],
                )
                .await?;
            }
        }
        insert_rows(
            tx,
            usize::MAX,
            OBJECTIVE_TEAM.name,
            OBJECTIVE_TEAM.columns,
            junction_rows(id, &id_strings(&o.team_ids)),
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            OBJECTIVE_CONTRIBUTOR.name,
            OBJECTIVE_CONTRIBUTOR.columns,
            junction_rows(id, &id_strings(&o.contributor_ids)),
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            OBJECTIVE_CO_OWNER.name,
            OBJECTIVE_CO_OWNER.columns,
            junction_rows(id, &id_strings(&o.co_owner_ids)),
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            "objective_parents",
            PARENT_INSERT,
            parent_rows(o),
        )
        .await
    }

    pub(crate) async fn do_insert_objective(
        &self,
        ctx: &WriteCtx,
        o: &Objective,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        if let Some(r) = request {
            request_on(r, &OkrRef::Objective(o.id.clone()))?;
        }
        let mut tx = self.begin().await?;
        Self::insert_objective_in(&mut tx, ctx, o, request).await?;
        tx.commit().await
    }

    pub(crate) async fn do_insert_objective_with_key_results(
        &self,
        ctx: &WriteCtx,
        o: &Objective,
        request: Option<&OwnershipRequest>,
        key_results: &[(KeyResult, Option<OwnershipRequest>)],
    ) -> StoreResult<()> {
        if let Some(r) = request {
            request_on(r, &OkrRef::Objective(o.id.clone()))?;
        }
        for (k, r) in key_results {
            if let Some(r) = r {
                request_on(r, &OkrRef::KeyResult(k.id.clone()))?;
            }
            if k.objective_id != o.id {
                return Err(StoreError::Conflict {
                    field: "objective_id".into(),
                    message: "a new objective's key results belong to it".into(),
                });
            }
        }
        let mut tx = self.begin().await?;
        Self::insert_objective_in(&mut tx, ctx, o, request).await?;
        for (k, r) in key_results {
            Self::insert_key_result_in(&mut tx, ctx, k, r.as_ref()).await?;
        }
        tx.commit().await
    }

    /// An objective, its junctions, its audit event and its ownership request, inside `tx`.
    pub(crate) async fn insert_objective_in(
        tx: &mut Tx,
        ctx: &WriteCtx,
        o: &Objective,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        insert_rows(
            tx,
            usize::MAX,
            "objectives",
            OBJECTIVE_INSERT,
            vec![objective_row(o)],
        )
        .await?;
        crate::owner_rhythm::stamp_activation(tx, o.id.as_str(), &o.created_at).await?;
        Self::write_objective_junctions(tx, o, false).await?;
        audit(
            tx,
            ctx,
            AuditRec {
                kind: "objective",
                verb: "create",
                object_id: o.id.as_str(),
                objective_id: Some(o.id.as_str()),
                key_result_id: None,
                before: None,
                after: value(o),
            },
        )
        .await?;
        if let Some(r) = request {
            insert_request(tx, ctx, r, o.id.as_str()).await?;
        }
        Ok(())
    }

    pub(crate) async fn do_update_objective(
        &self,
        ctx: &WriteCtx,
        before: &Objective,
        after: &Objective,
    ) -> StoreResult<Objective> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE objectives SET title = $1, description = $2, cycle_id = $3, \
                 owner_id = $4, ownership_state = $5, sponsor_id = $6, kind = $7, state = $8, \
                 visibility = $9, updated_at = $10, version = version + 1, \
                 closed_at = CASE WHEN $8 = 'closed' THEN COALESCE(closed_at, $10) END, \
                 progress_rollup = $13 \
                 WHERE id = $11 AND version = $12 AND deleted_at IS NULL",
                args![
                    after.title.as_str(),
                    after.description.as_str(),
                    after.cycle_id.as_str(),
                    after.owner_id.as_str(),
                    after.ownership_state.stored(),
                    after.sponsor_id.as_ref().map(|x| x.as_str()),
                    after.kind.stored(),
                    after.state.stored(),
                    after.visibility.stored(),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                    after.progress_rollup.stored(),
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(
                &mut tx,
                "objectives",
                before.id.as_str(),
                "AND deleted_at IS NULL",
            )
            .await);
        }
        let mut o = after.clone();
        o.id = before.id.clone();
        crate::owner_rhythm::stamp_activation(&mut tx, o.id.as_str(), &now()).await?;
        Self::write_objective_junctions(&mut tx, &o, true).await?;
        let stored = objective_in(&mut Exec::Tx(&mut tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "objective",
                verb: "update",
                object_id: before.id.as_str(),
                objective_id: Some(before.id.as_str()),
                key_result_id: None,
                before: value(before),
                after: value(&stored),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    pub(crate) async fn do_delete_objective(
        &self,
        ctx: &WriteCtx,
        o: &Objective,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let at = ts(&now());
        let n = tx
            .execute(
                "UPDATE objectives SET deleted_at = $1, updated_at = $1, version = version + 1 \
                 WHERE id = $2 AND version = $3 AND deleted_at IS NULL",
                args![at, o.id.as_str(), o.version],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(
                &mut tx,
                "objectives",
                o.id.as_str(),
                "AND deleted_at IS NULL",
            )
            .await);
        }
        tx.execute(
            "UPDATE key_results SET deleted_at = $1 WHERE objective_id = $2 AND deleted_at IS NULL",
            args![at, o.id.as_str()],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "objective",
                verb: "delete",
                object_id: o.id.as_str(),
                objective_id: Some(o.id.as_str()),
                key_result_id: None,
                before: value(o),
                after: None,
            },
        )
        .await?;
        tx.commit().await
    }
}

#[async_trait]
impl Objectives for SqlStore {
    /// Each tie read through its own index (a `UNION` of ids): PostgreSQL cannot use an index
    /// for `owner_id = $1 OR … OR id IN (…)` and read every key result (0.3–0.5 s at 100,000
    /// people, on My week and every person's page); SQLite reads the same indexes either way.
    async fn okrs_involving(&self, person_id: &PersonId) -> StoreResult<crate::Involvement> {
        let p = person_id.as_str();
        let mut ex = self.ex();
        let sql = format!(
            "SELECT {OBJECTIVE_COLS} FROM objectives WHERE deleted_at IS NULL AND id IN (\
             SELECT id FROM objectives WHERE owner_id = $1 \
             UNION SELECT id FROM objectives WHERE sponsor_id = $1 \
             UNION SELECT objective_id FROM objective_co_owners WHERE person_id = $1 \
             UNION SELECT objective_id FROM objective_contributors WHERE person_id = $1) \
             ORDER BY id"
        );
        let rows = ex.fetch_all(&sql, args![p]).await?;
        let objectives = fill_objectives(&mut ex, rows).await?;
        let sql = format!(
            "SELECT {KR_COLS} FROM key_results WHERE deleted_at IS NULL \
             AND EXISTS (SELECT 1 FROM objectives o WHERE o.id = key_results.objective_id \
               AND o.deleted_at IS NULL) AND \
             id IN (SELECT id FROM key_results WHERE owner_id = $1 \
             UNION SELECT id FROM key_results WHERE sponsor_id = $1 \
             UNION SELECT key_result_id FROM key_result_co_owners WHERE person_id = $1 \
             UNION SELECT key_result_id FROM key_result_contributors WHERE person_id = $1) \
             ORDER BY objective_id, created_at, id"
        );
        let rows = ex.fetch_all(&sql, args![p]).await?;
        let key_results = fill_key_results(&mut ex, rows).await?;
        Ok(crate::Involvement {
            objectives,
            key_results,
        })
    }

    async fn insert_objective(
        &self,
        ctx: &WriteCtx,
        objective: &Objective,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        self.do_insert_objective(ctx, objective, request)
            .await
            .map_err(map_err)
    }

    async fn insert_objective_with_key_results(
        &self,
        ctx: &WriteCtx,
        objective: &Objective,
        request: Option<&OwnershipRequest>,
        key_results: &[(KeyResult, Option<OwnershipRequest>)],
    ) -> StoreResult<()> {
        self.do_insert_objective_with_key_results(ctx, objective, request, key_results)
            .await
            .map_err(map_err)
    }

    async fn objective(&self, id: &ObjectiveId) -> StoreResult<Option<Objective>> {
        objective_in(&mut self.ex(), id.as_str()).await
    }

    async fn objectives_by_ids(&self, ids: &[ObjectiveId]) -> StoreResult<Vec<Objective>> {
        let keys = id_strings(ids);
        let select =
            format!("SELECT {OBJECTIVE_COLS} FROM objectives WHERE deleted_at IS NULL AND id");
        let mut ex = self.ex();
        let rows = fetch_in(&mut ex, &select, "", &keys).await?;
        fill_objectives(&mut ex, rows).await
    }

    async fn list_objectives(
        &self,
        filter: &ObjectiveFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Objective>> {
        if filter.order.numeric() {
            return self.list_objectives_by_signal(filter, page).await;
        }
        let limit = clamp(page.limit);
        let mut w = Where::default();
        filter_sql(&mut w, filter, "objectives");
        let order = list_order(&mut w, filter.order, keyed_cursor(page, filter.order)?);
        let key = order_key(filter.order, "objectives")
            .map(|k| format!(", {k} AS sort_key"))
            .unwrap_or_default();
        let sql = format!(
            "SELECT {OBJECTIVE_COLS}{key} FROM objectives {} ORDER BY {order} LIMIT {}",
            w.sql(),
            limit + 1
        );
        let mut ex = self.ex();
        let mut rows = ex.fetch_all(&sql, w.args).await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let last_key = match rows.last() {
            Some(r) if more && order_key(filter.order, "").is_some() => r.opt_text("sort_key")?,
            _ => None,
        };
        let items = fill_objectives(&mut ex, rows).await?;
        Ok(keyed_page(items, more, last_key))
    }

    async fn update_objective(
        &self,
        ctx: &WriteCtx,
        before: &Objective,
        after: &Objective,
    ) -> StoreResult<Objective> {
        self.do_update_objective(ctx, before, after)
            .await
            .map_err(map_err)
    }

    async fn delete_objective(&self, ctx: &WriteCtx, objective: &Objective) -> StoreResult<()> {
        self.do_delete_objective(ctx, objective)
            .await
            .map_err(map_err)
    }

    async fn children_of_objective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Vec<Objective>> {
        let sql = format!(
            "SELECT {OBJECTIVE_COLS} FROM objectives WHERE deleted_at IS NULL AND id IN \
             (SELECT objective_id FROM objective_parents WHERE parent_objective_id = $1 \
              OR parent_key_result_id IN \
              (SELECT id FROM key_results WHERE objective_id = $1 AND deleted_at IS NULL)) \
             ORDER BY id"
        );
        let mut ex = self.ex();
        let rows = ex.fetch_all(&sql, args![objective_id.as_str()]).await?;
        fill_objectives(&mut ex, rows).await
    }

    async fn children_of(&self, parent_id: &str) -> StoreResult<Vec<Objective>> {
        let sql = format!(
            "SELECT {OBJECTIVE_COLS} FROM objectives WHERE deleted_at IS NULL AND id IN \
             (SELECT objective_id FROM objective_parents \
              WHERE parent_objective_id = $1 OR parent_key_result_id = $1) ORDER BY id"
        );
        let mut ex = self.ex();
        let rows = ex.fetch_all(&sql, args![parent_id]).await?;
        fill_objectives(&mut ex, rows).await
    }

    async fn visible_objective_ids(
        &self,
        audience: &Audience,
        ids: &[ObjectiveId],
    ) -> StoreResult<Vec<ObjectiveId>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let mut w = Where::default();
            let list: Vec<String> = chunk.iter().map(|id| w.arg(id.as_str())).collect();
            w.add(format!("id IN ({})", list.join(", ")));
            let v = visible_sql(&mut w, audience, "objectives");
            w.add(v);
            let sql = format!("SELECT id FROM objectives {}", w.sql());
            for r in self.db.fetch_all(&sql, w.args).await? {
                out.push(ObjectiveId::from_string(r.text("id")?));
            }
        }
        Ok(out)
    }

    async fn visible_to_each(
        &self,
        asks: &[(Audience, Vec<ObjectiveId>)],
    ) -> StoreResult<Vec<(PersonId, ObjectiveId)>> {
        // Pairs asked in one query (two parameters each, well under both backends' limits): a
        // digest chunk's readers at once, so an objective many of them ask about is read once.
        const PAIRS_PER_QUERY: usize = 5_000;
        let mut out = Vec::new();
        for scope in [TeamScope::None, TeamScope::Reach, TeamScope::All] {
            let mut pairs: Vec<(&PersonId, &ObjectiveId)> = asks
                .iter()
                .filter(|(a, _)| a.teams == scope)
                .flat_map(|(a, ids)| ids.iter().map(move |id| (&a.person_id, id)))
                .collect();
            pairs.sort();
            pairs.dedup();
            for chunk in pairs.chunks(PAIRS_PER_QUERY) {
                let mut w = Where::default();
                let rows: Vec<String> = chunk
                    .iter()
                    .map(|(p, o)| format!("({}, {})", w.arg(p.as_str()), w.arg(o.as_str())))
                    .collect();
                // Each pair's visibility read by the objective's key (as a join, PostgreSQL
                // hashed the whole objectives table for each query).
                let sql = format!(
                    "WITH r(person_id, objective_id) AS (VALUES {}), \
                     rv(person_id, objective_id, visibility) AS (\
                         SELECT person_id, objective_id, \
                         (SELECT vo.visibility FROM objectives vo WHERE vo.id = r.objective_id) \
                         FROM r) \
                     {}",
                    rows.join(", "),
                    visible_pairs(scope)
                );
                for r in self.db.fetch_all(&sql, w.args).await? {
                    out.push((
                        PersonId::from_string(r.text("person_id")?),
                        ObjectiveId::from_string(r.text("objective_id")?),
                    ));
                }
            }
        }
        Ok(out)
    }
}
