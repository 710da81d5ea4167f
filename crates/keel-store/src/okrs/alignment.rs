//! Alignment: what key results contribute to (objectives or other key results, several at
//! once, in `key_result_parents`; objectives keep theirs in `objective_parents`), and the
//! alignment tree read a level at a time. Why its own area: the tree is one graph over
//! objectives and key results, read by pages that must stay small at 100,000 people, so every
//! read here takes a whole level (many nodes) in a fixed number of queries.

use crate::db::{args, map_err, Arg, Exec, Row, Tx};
use crate::sql::table::Table;
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use std::collections::HashMap;

/// The `key_result_parents` table: what a key result contributes to, in order.
pub(crate) const KEY_RESULT_PARENT: Table = Table {
    name: "key_result_parents",
    columns: &[
        "key_result_id",
        "position",
        "parent_objective_id",
        "parent_key_result_id",
    ],
    not_selected: &[],
    later: &[],
};

/// What the tree's roots are filtered by.
#[derive(Debug, Clone)]
pub struct AlignmentFilter {
    /// Only objectives this reader may see (and a root is one with no parent they may see).
    pub reader: Reader,
    /// Objectives of these cycles; any cycle when empty.
    pub cycle_ids: Vec<CycleId>,
    /// Objectives shared with this team.
    pub team_id: Option<TeamId>,
    pub owner_id: Option<PersonId>,
}

/// A root of the tree: an objective with no parent its reader may see.
#[derive(Debug, Clone)]
pub struct AlignmentRoot {
    pub objective: Objective,
    /// It is aligned to an objective or key result the reader may not see.
    pub aligned_to_hidden: bool,
}

/// The alignment graph, read a level at a time.
#[async_trait]
pub trait Alignment: Send + Sync {
    /// What each of these key results contributes to, in order: one query.
    async fn key_result_parents(
        &self,
        ids: &[KeyResultId],
    ) -> StoreResult<Vec<(KeyResultId, ParentRef)>>;
    /// Replaces what the key result contributes to, bumping its version (409 on a stale one)
    /// and recording an audit event, in one transaction. Returns the stored key result.
    async fn align_key_result(
        &self,
        ctx: &WriteCtx,
        before: &KeyResult,
        parents: &[ParentRef],
    ) -> StoreResult<KeyResult>;
    /// Each node's parents, as `(node, parent)`: an objective's, and a key result's together
    /// with its own objective (it contributes to it). For the loop check: three queries.
    async fn alignment_parents(
        &self,
        nodes: &[ParentRef],
    ) -> StoreResult<Vec<(ParentRef, ParentRef)>>;
    /// Objectives (not deleted) with no parent the filter's reader may see, by id, a page at a
    /// time: the roots of the tree.
    async fn alignment_roots(
        &self,
        filter: &AlignmentFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AlignmentRoot>>;
    /// The children `reader` may see of each node, as `(node, child)`: an objective's own key
    /// results, then the objectives and key results aligned to the node. Three queries.
    async fn alignment_children(
        &self,
        reader: &Reader,
        nodes: &[ParentRef],
    ) -> StoreResult<Vec<(ParentRef, ParentRef)>>;
}

/// The Alignment area through the shared handle.
#[async_trait]
impl Alignment for dyn Store {
    async fn key_result_parents(
        &self,
        ids: &[KeyResultId],
    ) -> StoreResult<Vec<(KeyResultId, ParentRef)>> {
        self.as_alignment().key_result_parents(ids).await
    }

    async fn align_key_result(
        &self,
        ctx: &WriteCtx,
        before: &KeyResult,
        parents: &[ParentRef],
    ) -> StoreResult<KeyResult> {
        self.as_alignment()
            .align_key_result(ctx, before, parents)
            .await
    }

    async fn alignment_parents(
        &self,
        nodes: &[ParentRef],
    ) -> StoreResult<Vec<(ParentRef, ParentRef)>> {
        self.as_alignment().alignment_parents(nodes).await
    }

    async fn alignment_roots(
        &self,
        filter: &AlignmentFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AlignmentRoot>> {
        self.as_alignment().alignment_roots(filter, page).await
    }

    async fn alignment_children(
        &self,
        reader: &Reader,
        nodes: &[ParentRef],
    ) -> StoreResult<Vec<(ParentRef, ParentRef)>> {
        self.as_alignment().alignment_children(reader, nodes).await
    }
}

/// The parent a `(parent_objective_id, parent_key_result_id)` pair names.
fn parent_of(r: &Row, table: &str) -> StoreResult<ParentRef> {
    match (
        r.opt_text("parent_objective_id")?,
        r.opt_text("parent_key_result_id")?,
    ) {
        (Some(o), _) => Ok(ParentRef::Objective(ObjectiveId::from_string(o))),
        (None, Some(k)) => Ok(ParentRef::KeyResult(KeyResultId::from_string(k))),
        (None, None) => Err(corrupt(table, "no parent")),
    }
}

/// The objective ids and the key result ids among `nodes`.
fn split(nodes: &[ParentRef]) -> (Vec<String>, Vec<String>) {
    let (mut os, mut ks) = (vec![], vec![]);
    for n in nodes {
        match n {
            ParentRef::Objective(o) => os.push(o.to_string()),
            ParentRef::KeyResult(k) => ks.push(k.to_string()),
        }
    }
    (os, ks)
}

/// `col IN (…)` over `ids` as arguments of `w`; false for none.
fn in_list(w: &mut Where, col: &str, ids: &[String]) -> String {
    if ids.is_empty() {
        return "1 = 0".into();
    }
    let ps: Vec<String> = ids.iter().map(|i| w.arg(i.as_str())).collect();
    format!("{col} IN ({})", ps.join(", "))
}

/// Rows of `(parent pair, child)` from `table` for parents among `os`/`ks`, children live and
/// visible to `reader`.
async fn aligned_to(
    ex: &mut Exec<'_>,
    reader: &Reader,
    table: &str,
    child_col: &str,
    (os, ks): (&[String], &[String]),
) -> StoreResult<Vec<(ParentRef, String)>> {
    if os.is_empty() && ks.is_empty() {
        return Ok(vec![]);
    }
    let mut w = Where::default();
    let a = in_list(&mut w, "p.parent_objective_id", os);
    let b = in_list(&mut w, "p.parent_key_result_id", ks);
    w.add(format!("({a} OR {b})"));
    // The child's objective: the child itself (`c`), or a key result's objective (`co`).
    let (joined, objective) = if child_col == "objective_id" {
        w.add("c.deleted_at IS NULL".into());
        (format!("objectives c ON c.id = p.{child_col}"), "c")
    } else {
        w.add("c.deleted_at IS NULL AND co.deleted_at IS NULL".into());
        (
            format!("key_results c ON c.id = p.{child_col} JOIN objectives co ON co.id = c.objective_id"),
            "co",
        )
    };
    if let Reader::Audience(aud) = reader {
        let v = visible_join(&mut w, aud, objective);
        w.add(v);
    }
    let sql = format!(
        "SELECT p.{child_col} AS child, p.parent_objective_id, p.parent_key_result_id \
         FROM {table} p JOIN {joined} {} ORDER BY p.{child_col}",
        w.sql()
    );
    let rows = ex.fetch_all(&sql, w.args).await?;
    rows.iter()
        .map(|r| Ok((parent_of(r, table)?, r.text("child")?)))
        .collect()
}

impl SqlStore {
    async fn do_align_key_result(
        &self,
        ctx: &WriteCtx,
        before: &KeyResult,
        parents: &[ParentRef],
    ) -> StoreResult<KeyResult> {
        let mut tx = self.begin().await?;
        let id = before.id.as_str();
        let n = tx
            .execute(
                "UPDATE key_results SET updated_at = $1, version = version + 1 \
                 WHERE id = $2 AND version = $3 AND deleted_at IS NULL",
                args![ts(&now()), id, before.version],
            )
            .await?;
        if n == 0 {
            return Err(
                stale_or_missing(&mut tx, "key_results", id, "AND deleted_at IS NULL").await,
            );
        }
        let was = parents_in(&mut tx, id).await?;
        tx.execute(
            "DELETE FROM key_result_parents WHERE key_result_id = $1",
            args![id],
        )
        .await?;
        let rows: Vec<Vec<Arg>> = parents
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (o, k) = match p {
                    ParentRef::Objective(x) => (Some(x.as_str()), None),
                    ParentRef::KeyResult(x) => (None, Some(x.as_str())),
                };
                args![id, i as i64, o, k]
            })
            .collect();
        insert_rows(
            &mut tx,
            usize::MAX,
            KEY_RESULT_PARENT.name,
            KEY_RESULT_PARENT.columns,
            rows,
        )
        .await?;
        let stored = key_result_in(&mut Exec::Tx(&mut tx), id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "key_result",
                verb: "update",
                object_id: id,
                objective_id: Some(stored.objective_id.as_str()),
                key_result_id: Some(id),
                before: Some(serde_json::json!({ "parent_ids": ids_of(&was) })),
                after: Some(serde_json::json!({ "parent_ids": ids_of(parents) })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }
}

fn ids_of(parents: &[ParentRef]) -> Vec<String> {
    parents.iter().map(|p| p.id().to_string()).collect()
}

/// A key result's parents, inside `tx`.
async fn parents_in(tx: &mut Tx, id: &str) -> StoreResult<Vec<ParentRef>> {
    let rows = tx
        .fetch_all(
            "SELECT parent_objective_id, parent_key_result_id FROM key_result_parents \
             WHERE key_result_id = $1 ORDER BY position",
            args![id],
        )
        .await?;
    rows.iter()
        .map(|r| parent_of(r, "key_result_parents"))
        .collect()
}

#[async_trait]
impl Alignment for SqlStore {
    async fn key_result_parents(
        &self,
        ids: &[KeyResultId],
    ) -> StoreResult<Vec<(KeyResultId, ParentRef)>> {
        let keys = id_strings(ids);
        let rows = fetch_in(
            &mut self.ex(),
            "SELECT key_result_id, parent_objective_id, parent_key_result_id \
             FROM key_result_parents WHERE key_result_id",
            "ORDER BY key_result_id, position",
            &keys,
        )
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    KeyResultId::from_string(r.text("key_result_id")?),
                    parent_of(r, "key_result_parents")?,
                ))
            })
            .collect()
    }

    async fn align_key_result(
        &self,
        ctx: &WriteCtx,
        before: &KeyResult,
        parents: &[ParentRef],
    ) -> StoreResult<KeyResult> {
        self.do_align_key_result(ctx, before, parents)
            .await
            .map_err(map_err)
    }

    async fn alignment_parents(
        &self,
        nodes: &[ParentRef],
    ) -> StoreResult<Vec<(ParentRef, ParentRef)>> {
        let (os, ks) = split(nodes);
        let mut ex = self.ex();
        let mut out = Vec::new();
        for r in fetch_in(
            &mut ex,
            "SELECT objective_id, parent_objective_id, parent_key_result_id \
             FROM objective_parents WHERE objective_id",
            "",
            &os,
        )
        .await?
        {
            out.push((
                ParentRef::Objective(ObjectiveId::from_string(r.text("objective_id")?)),
                parent_of(&r, "objective_parents")?,
            ));
        }
        for r in fetch_in(
            &mut ex,
            "SELECT key_result_id, parent_objective_id, parent_key_result_id \
             FROM key_result_parents WHERE key_result_id",
            "",
            &ks,
        )
        .await?
        {
            out.push((
                ParentRef::KeyResult(KeyResultId::from_string(r.text("key_result_id")?)),
                parent_of(&r, "key_result_parents")?,
            ));
        }
        for r in fetch_in(
            &mut ex,
            "SELECT id, objective_id FROM key_results WHERE id",
            "",
            &ks,
        )
        .await?
        {
            out.push((
                ParentRef::KeyResult(KeyResultId::from_string(r.text("id")?)),
                ParentRef::Objective(ObjectiveId::from_string(r.text("objective_id")?)),
            ));
        }
        Ok(out)
    }

    async fn alignment_roots(
        &self,
        filter: &AlignmentFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AlignmentRoot>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        w.add("objectives.deleted_at IS NULL".into());
        // A parent that still stands: a live objective, or a live key result of a live one.
        let parents = "FROM objective_parents p \
             LEFT JOIN key_results pk ON pk.id = p.parent_key_result_id AND pk.deleted_at IS NULL \
             JOIN objectives po ON po.id = COALESCE(p.parent_objective_id, pk.objective_id)";
        let stands = "p.objective_id = objectives.id AND po.deleted_at IS NULL";
        let standing = format!("{parents} WHERE {stands}");
        let seen_parent = match &filter.reader {
            Reader::Audience(a) => {
                let v = visible_join(&mut w, a, "objectives");
                w.add(v);
                let (join, pv) = reach_join(&mut w, a, "po");
                format!("SELECT 1 {parents} {join} WHERE {stands} AND {pv}")
            }
            Reader::Everyone => format!("SELECT 1 {standing}"),
        };
        w.add(format!("NOT EXISTS ({seen_parent})"));
        if !filter.cycle_ids.is_empty() {
            let ids = id_strings(&filter.cycle_ids);
            let c = in_list(&mut w, "objectives.cycle_id", &ids);
            w.add(c);
        }
        if let Some(o) = &filter.owner_id {
            let p = w.arg(o.as_str());
            w.add(format!("objectives.owner_id = {p}"));
        }
        if let Some(t) = &filter.team_id {
            let p = w.arg(t.as_str());
            w.add(format!(
                "objectives.id IN (SELECT objective_id FROM objective_teams WHERE team_id = {p})"
            ));
        }
        if let Some(c) = id_cursor(page)? {
            let p = w.arg(c);
            w.add(format!("objectives.id > {p}"));
        }
        // Whether each root of the page is aligned to a parent the reader may not see, asked
        // of the page's rows only: asked in the same `SELECT` as the walk, PostgreSQL joined
        // every objective's parents once, as a hashed sub-plan (0.16 s at 100,000 people).
        let sql = format!(
            "SELECT {OBJECTIVE_COLS}, CAST(CASE WHEN EXISTS (SELECT 1 {standing}) \
             THEN 1 ELSE 0 END AS BIGINT) AS aligned \
             FROM (SELECT {OBJECTIVE_COLS} FROM objectives {} ORDER BY objectives.id LIMIT {}) \
             objectives ORDER BY objectives.id",
            w.sql(),
            limit + 1
        );
        let mut ex = self.ex();
        let mut rows = ex.fetch_all(&sql, w.args).await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let aligned: HashMap<String, bool> = rows
            .iter()
            .map(|r| Ok((r.text("id")?, r.int("aligned")? == 1)))
            .collect::<StoreResult<_>>()?;
        let objectives = fill_objectives(&mut ex, rows).await?;
        let next_cursor = if more {
            objectives.last().map(|o| format!("i:{}", o.id))
        } else {
            None
        };
        Ok(Page {
            items: objectives
                .into_iter()
                .map(|o| AlignmentRoot {
                    aligned_to_hidden: aligned.get(o.id.as_str()).copied().unwrap_or(false),
                    objective: o,
                })
                .collect(),
            next_cursor,
        })
    }

    async fn alignment_children(
        &self,
        reader: &Reader,
        nodes: &[ParentRef],
    ) -> StoreResult<Vec<(ParentRef, ParentRef)>> {
        let (os, ks) = split(nodes);
        let mut ex = self.ex();
        let mut out = Vec::new();
        if !os.is_empty() {
            let mut w = Where::default();
            w.add("k.deleted_at IS NULL".into());
            let c = in_list(&mut w, "k.objective_id", &os);
            w.add(c);
            if let Reader::Audience(a) = reader {
                let v = visible_join(&mut w, a, "o");
                w.add(v);
            }
            let sql = format!(
                "SELECT k.id, k.objective_id FROM key_results k \
                 JOIN objectives o ON o.id = k.objective_id {} \
                 ORDER BY k.objective_id, k.created_at, k.id",
                w.sql()
            );
            for r in ex.fetch_all(&sql, w.args).await? {
                out.push((
                    ParentRef::Objective(ObjectiveId::from_string(r.text("objective_id")?)),
                    ParentRef::KeyResult(KeyResultId::from_string(r.text("id")?)),
                ));
            }
        }
        for (parent, child) in aligned_to(
            &mut ex,
            reader,
            "objective_parents",
            "objective_id",
            (&os, &ks),
        )
        .await?
        {
            out.push((
                parent,
                ParentRef::Objective(ObjectiveId::from_string(child)),
            ));
        }
        for (parent, child) in aligned_to(
            &mut ex,
            reader,
            "key_result_parents",
            "key_result_id",
            (&os, &ks),
        )
        .await?
        {
            out.push((
                parent,
                ParentRef::KeyResult(KeyResultId::from_string(child)),
            ));
        }
        Ok(out)
    }
}
