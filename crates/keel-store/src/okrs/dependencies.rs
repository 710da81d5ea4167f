//! Dependencies between key results (`key_result_dependencies`): one key result waits on
//! another, asked of the other key result's owner, who accepts or declines with a reason. Why
//! its own area: the negotiation writes the dependency, its audit event and the notification
//! of the person who must answer (or of the one who asked) in one transaction, and the loop
//! check and the "at risk through a dependency" read take a whole level of the graph at once.

use crate::db::{args, map_err, Arg, Row, Tx};
use crate::sql::table::Table;
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use keel_domain::dependency::{Dependency, DependencyState};
use keel_domain::notification::{Notification, NotificationKind};

/// The `key_result_dependencies` table.
pub(crate) const KEY_RESULT_DEPENDENCY: Table = Table {
    name: "key_result_dependencies",
    columns: &[
        "id",
        "key_result_id",
        "depends_on_id",
        "note",
        "state",
        "asked_by",
        "answered_by",
        "created_at",
        "answered_at",
        "decline_reason",
    ],
    not_selected: &[],
    later: &[],
};

const COLS: &str = "id, key_result_id, depends_on_id, note, state, asked_by, answered_by, \
                    created_at, answered_at, decline_reason";

/// An answer to a dependency asked of you.
#[derive(Debug, Clone)]
pub enum DependencyAnswer {
    Accept,
    /// Declined, with the reason the person who asked reads.
    Decline(String),
}

/// Dependencies between key results.
#[async_trait]
pub trait Dependencies: Send + Sync {
    /// Records a proposed dependency, tells the other key result's owner, audits it: one
    /// transaction. A second dependency of the same pair is a conflict naming `depends_on`.
    async fn propose_dependency(&self, ctx: &WriteCtx, d: &Dependency) -> StoreResult<()>;
    /// One dependency.
    async fn dependency(&self, id: &DependencyId) -> StoreResult<Option<Dependency>>;
    /// The dependencies of a key result in both directions (what it depends on and what
    /// depends on it), by id, a page at a time. Callers hide the other key result when its
    /// reader may not see it.
    async fn dependencies_of(
        &self,
        id: &KeyResultId,
        page: &PageRequest,
    ) -> StoreResult<Page<Dependency>>;
    /// What each of these key results depends on (every state): one query per 500 ids.
    async fn dependencies_from(&self, ids: &[KeyResultId]) -> StoreResult<Vec<Dependency>>;
    /// What depends on each of these key results (every state): one query per 500 ids. For
    /// the answers waiting on an owner and a team's "who waits on us".
    async fn dependencies_to(&self, ids: &[KeyResultId]) -> StoreResult<Vec<Dependency>>;
    /// Accepts or declines a proposed dependency (a conflict naming `state` when it was
    /// already answered), tells the person who asked, audits it: one transaction.
    async fn answer_dependency(
        &self,
        ctx: &WriteCtx,
        id: &DependencyId,
        answer: &DependencyAnswer,
    ) -> StoreResult<Dependency>;
    /// Removes a dependency, audited.
    async fn delete_dependency(&self, ctx: &WriteCtx, id: &DependencyId) -> StoreResult<()>;
}

/// The Dependencies area through the shared handle.
#[async_trait]
impl Dependencies for dyn Store {
    async fn propose_dependency(&self, ctx: &WriteCtx, d: &Dependency) -> StoreResult<()> {
        self.as_dependencies().propose_dependency(ctx, d).await
    }
    async fn dependency(&self, id: &DependencyId) -> StoreResult<Option<Dependency>> {
        self.as_dependencies().dependency(id).await
    }
    async fn dependencies_of(
        &self,
        id: &KeyResultId,
        page: &PageRequest,
    ) -> StoreResult<Page<Dependency>> {
        self.as_dependencies().dependencies_of(id, page).await
    }
    async fn dependencies_from(&self, ids: &[KeyResultId]) -> StoreResult<Vec<Dependency>> {
        self.as_dependencies().dependencies_from(ids).await
    }
    async fn dependencies_to(&self, ids: &[KeyResultId]) -> StoreResult<Vec<Dependency>> {
        self.as_dependencies().dependencies_to(ids).await
    }
    async fn answer_dependency(
        &self,
        ctx: &WriteCtx,
        id: &DependencyId,
        answer: &DependencyAnswer,
    ) -> StoreResult<Dependency> {
        self.as_dependencies()
            .answer_dependency(ctx, id, answer)
            .await
    }
    async fn delete_dependency(&self, ctx: &WriteCtx, id: &DependencyId) -> StoreResult<()> {
        self.as_dependencies().delete_dependency(ctx, id).await
    }
}

/// A dependency's row, in `KEY_RESULT_DEPENDENCY`'s column order (also for snapshot loads).
pub(crate) fn row_of(d: &Dependency) -> Vec<Arg> {
    args![
        d.id.as_str(),
        d.key_result_id.as_str(),
        d.depends_on_id.as_str(),
        d.note.as_str(),
        d.state.as_str(),
        d.asked_by.as_ref().map(|x| x.as_str()),
        d.answered_by.as_ref().map(|x| x.as_str()),
        ts(&d.created_at),
        d.answered_at.as_ref().map(ts),
        d.decline_reason.clone(),
    ]
}

fn from_row(r: &Row) -> StoreResult<Dependency> {
    let state = r.text("state")?;
    Ok(Dependency {
        id: DependencyId::from_string(r.text("id")?),
        key_result_id: KeyResultId::from_string(r.text("key_result_id")?),
        depends_on_id: KeyResultId::from_string(r.text("depends_on_id")?),
        note: r.text("note")?,
        state: DependencyState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        asked_by: r.opt_text("asked_by")?.map(PersonId::from_string),
        answered_by: r.opt_text("answered_by")?.map(PersonId::from_string),
        created_at: to_ts("created_at", r.int("created_at")?)?,
        answered_at: opt_ts("answered_at", r.opt_int("answered_at")?)?,
        decline_reason: r.opt_text("decline_reason")?,
    })
}

/// A key result's owner and objective, inside `tx`.
async fn owner_of(tx: &mut Tx, id: &KeyResultId) -> StoreResult<(String, String)> {
    let r = tx
        .fetch_optional(
            "SELECT owner_id, objective_id FROM key_results WHERE id = $1 AND deleted_at IS NULL",
            args![id.as_str()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((r.text("owner_id")?, r.text("objective_id")?))
}

async fn dependency_in(tx: &mut Tx, id: &DependencyId) -> StoreResult<Option<Dependency>> {
    tx.fetch_optional(
        &format!("SELECT {COLS} FROM key_result_dependencies WHERE id = $1"),
        args![id.as_str()],
    )
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// The audit record of a write to `d`, scoped to its dependent key result.
fn audit_of<'a>(
    d: &'a Dependency,
    objective_id: &'a str,
    verb: &'static str,
    before: Option<&Dependency>,
    after: Option<&Dependency>,
) -> AuditRec<'a> {
    AuditRec {
        kind: "dependency",
        verb,
        object_id: d.id.as_str(),
        objective_id: Some(objective_id),
        key_result_id: Some(d.key_result_id.as_str()),
        before: before.and_then(value),
        after: after.and_then(value),
    }
}

impl SqlStore {
    async fn do_propose_dependency(&self, ctx: &WriteCtx, d: &Dependency) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let (_, objective_id) = owner_of(&mut tx, &d.key_result_id).await?;
        let (owner, other_objective) = owner_of(&mut tx, &d.depends_on_id).await?;
        let dup = tx
            .fetch_optional(
                "SELECT id FROM key_result_dependencies WHERE key_result_id = $1 AND depends_on_id = $2",
                args![d.key_result_id.as_str(), d.depends_on_id.as_str()],
            )
            .await?;
        if dup.is_some() {
            return Err(StoreError::Conflict {
                field: "depends_on".into(),
                message: "this key result already depends on that one".into(),
            });
        }
        insert_rows(
            &mut tx,
            usize::MAX,
            KEY_RESULT_DEPENDENCY.name,
            KEY_RESULT_DEPENDENCY.columns,
            vec![row_of(d)],
        )
        .await?;
        let told = Notification {
            actor_id: d.asked_by.clone(),
            objective_id: Some(ObjectiveId::from_string(other_objective)),
            key_result_id: Some(d.depends_on_id.clone()),
            detail: (!d.note.is_empty()).then(|| d.note.clone()),
            ..Notification::new(
                PersonId::from_string(owner),
                NotificationKind::DependencyProposed,
                d.id.as_str(),
            )
        };
        crate::jobs::notify(&mut tx, ctx, vec![told]).await?;
        audit(
            &mut tx,
            ctx,
            audit_of(d, &objective_id, "create", None, Some(d)),
        )
        .await?;
        tx.commit().await
    }

    async fn do_answer_dependency(
        &self,
        ctx: &WriteCtx,
        id: &DependencyId,
        answer: &DependencyAnswer,
    ) -> StoreResult<Dependency> {
        let mut tx = self.begin().await?;
        let before = dependency_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if before.state != DependencyState::Proposed {
            return Err(StoreError::Conflict {
                field: "state".into(),
                message: format!(
                    "this dependency was already answered ({})",
                    before.state.label().to_lowercase()
                ),
            });
        }
        let (state, reason, kind) = match answer {
            DependencyAnswer::Accept => (
                DependencyState::Accepted,
                None,
                NotificationKind::DependencyAccepted,
            ),
            DependencyAnswer::Decline(r) => (
                DependencyState::Declined,
                Some(r.clone()),
                NotificationKind::DependencyDeclined,
            ),
        };
        let at = now();
        let n = tx
            .execute(
                "UPDATE key_result_dependencies SET state = $1, answered_by = $2, answered_at = $3, \
                 decline_reason = $4 WHERE id = $5 AND state = 'proposed'",
                args![
                    state.as_str(),
                    ctx.actor_id.as_ref().map(|x| x.as_str()),
                    ts(&at),
                    reason.clone(),
                    id.as_str()
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::StaleVersion);
        }
        let after = dependency_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (_, objective_id) = owner_of(&mut tx, &before.key_result_id).await?;
        if let Some(asker) = &before.asked_by {
            let told = Notification {
                actor_id: ctx.actor_id.clone(),
                objective_id: Some(ObjectiveId::from_string(objective_id.clone())),
                key_result_id: Some(before.key_result_id.clone()),
                detail: reason,
                ..Notification::new(asker.clone(), kind, id.as_str())
            };
            crate::jobs::notify(&mut tx, ctx, vec![told]).await?;
        }
        let verb = if state == DependencyState::Accepted {
            "accept"
        } else {
            "decline"
        };
        audit(
            &mut tx,
            ctx,
            audit_of(&before, &objective_id, verb, Some(&before), Some(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn do_delete_dependency(&self, ctx: &WriteCtx, id: &DependencyId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let before = dependency_in(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.execute(
            "DELETE FROM key_result_dependencies WHERE id = $1",
            args![id.as_str()],
        )
        .await?;
        let (_, objective_id) = owner_of(&mut tx, &before.key_result_id).await?;
        audit(
            &mut tx,
            ctx,
            audit_of(&before, &objective_id, "delete", Some(&before), None),
        )
        .await?;
        tx.commit().await
    }
}

#[async_trait]
impl Dependencies for SqlStore {
    async fn propose_dependency(&self, ctx: &WriteCtx, d: &Dependency) -> StoreResult<()> {
        self.do_propose_dependency(ctx, d).await.map_err(map_err)
    }

    async fn dependency(&self, id: &DependencyId) -> StoreResult<Option<Dependency>> {
        let rows = self
            .ex()
            .fetch_all(
                &format!("SELECT {COLS} FROM key_result_dependencies WHERE id = $1"),
                args![id.as_str()],
            )
            .await?;
        rows.first().map(from_row).transpose()
    }

    async fn dependencies_of(
        &self,
        id: &KeyResultId,
        page: &PageRequest,
    ) -> StoreResult<Page<Dependency>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let p = w.arg(id.as_str());
        w.add(format!("(key_result_id = {p} OR depends_on_id = {p})"));
        if let Some(c) = id_cursor(page)? {
            let p = w.arg(c);
            w.add(format!("id > {p}"));
        }
        let sql = format!(
            "SELECT {COLS} FROM key_result_dependencies {} ORDER BY id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let rows = self.ex().fetch_all(&sql, w.args).await?;
        let mut items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = if more {
            items.last().map(|d| format!("i:{}", d.id))
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    async fn dependencies_from(&self, ids: &[KeyResultId]) -> StoreResult<Vec<Dependency>> {
        let keys = id_strings(ids);
        let rows = fetch_in(
            &mut self.ex(),
            &format!("SELECT {COLS} FROM key_result_dependencies WHERE key_result_id"),
            "ORDER BY key_result_id, id",
            &keys,
        )
        .await?;
        rows.iter().map(from_row).collect()
    }

    async fn dependencies_to(&self, ids: &[KeyResultId]) -> StoreResult<Vec<Dependency>> {
        let keys = id_strings(ids);
        let rows = fetch_in(
            &mut self.ex(),
            &format!("SELECT {COLS} FROM key_result_dependencies WHERE depends_on_id"),
            "ORDER BY depends_on_id, id",
            &keys,
        )
        .await?;
        rows.iter().map(from_row).collect()
    }

    async fn answer_dependency(
        &self,
        ctx: &WriteCtx,
        id: &DependencyId,
        answer: &DependencyAnswer,
    ) -> StoreResult<Dependency> {
        self.do_answer_dependency(ctx, id, answer)
            .await
            .map_err(map_err)
    }

    async fn delete_dependency(&self, ctx: &WriteCtx, id: &DependencyId) -> StoreResult<()> {
        self.do_delete_dependency(ctx, id).await.map_err(map_err)
    }
}
