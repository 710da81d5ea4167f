//! The owner's rhythm: team cadences, status overrides, end-of-cycle scores, retrospectives
//! and carrying an objective over (docs/method.md, "Status and pace", "Scoring and
//! retrospective").

use crate::db::{args, map_err, Arg, Fields, Row, Tx};
use crate::ownership_requests::request_on;
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// When objective `o` became active (`rhythm::active_since`'s first argument), as SQL: stored
/// when it was activated; else its creation, unless it is still a draft.
pub(crate) const OBJECTIVE_ACTIVATED_AT: &str =
    "COALESCE(o.activated_at, CASE WHEN o.state <> 'draft' THEN o.created_at END)";

/// When key result `k`'s owner accepted it (`rhythm::active_since`'s second argument), as SQL.
pub(crate) const KEY_RESULT_ACCEPTED_AT: &str =
    "COALESCE(k.owner_accepted_at, CASE WHEN k.ownership_state = 'accepted' THEN k.created_at END)";

pub(crate) fn score_from(r: &impl Fields) -> StoreResult<rhythm::KeyResultScore> {
    Ok(rhythm::KeyResultScore {
        key_result_id: KeyResultId::from_string(r.text("key_result_id")?),
        score: r.real("score")?,
        reason: r.text("reason")?,
        suggested_score: r.real("suggested_score")?,
        scored_by: r.opt_text("scored_by")?.map(PersonId::from_string),
        scored_at: to_ts("scored_at", r.int("scored_at")?)?,
    })
}

pub(crate) fn retrospective_from(r: &Row) -> StoreResult<rhythm::Retrospective> {
    Ok(rhythm::Retrospective {
        objective_id: ObjectiveId::from_string(r.text("objective_id")?),
        worked: r.text("worked")?,
        did_not: r.text("did_not")?,
        carry_over: r.int("carry_over")? != 0,
        carried_over_to: r.opt_text("carried_over_to")?.map(ObjectiveId::from_string),
        updated_by: r.opt_text("updated_by")?.map(PersonId::from_string),
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
    })
}

/// The `key_result_scores` table.
pub(crate) const KEY_RESULT_SCORE: Table = Table {
    name: "key_result_scores",
    columns: &[
        "key_result_id",
        "score",
        "reason",
        "suggested_score",
        "scored_by",
        "scored_at",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const SCORE_INSERT: &[&str] = KEY_RESULT_SCORE.columns;

pub(crate) fn score_row(x: &rhythm::KeyResultScore) -> Vec<Arg> {
    args![
        x.key_result_id.as_str(),
        x.score,
        x.reason.as_str(),
        x.suggested_score,
        x.scored_by.as_ref().map(|p| p.as_str()),
        ts(&x.scored_at),
    ]
}

/// The `retrospectives` table.
pub(crate) const RETROSPECTIVE: Table = Table {
    name: "retrospectives",
    columns: &[
        "objective_id",
        "worked",
        "did_not",
        "carry_over",
        "carried_over_to",
        "updated_by",
        "updated_at",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const RETROSPECTIVE_INSERT: &[&str] = RETROSPECTIVE.columns;

pub(crate) fn retrospective_row(r: &rhythm::Retrospective) -> Vec<Arg> {
    args![
        r.objective_id.as_str(),
        r.worked.as_str(),
        r.did_not.as_str(),
        r.carry_over,
        r.carried_over_to.as_ref().map(|x| x.as_str()),
        r.updated_by.as_ref().map(|x| x.as_str()),
        ts(&r.updated_at),
    ]
}

/// The `team_cadences` table: a team's check-in cadence.
pub(crate) const TEAM_CADENCE: Table = Table {
    name: "team_cadences",
    columns: &["team_id", "cadence_days", "updated_at"],
    not_selected: &[],
    later: &[],
};

/// The `status_overrides` table: an owner's status set by hand, with the reason.
pub(crate) const STATUS_OVERRIDE: Table = Table {
    name: "status_overrides",
    columns: &[
        "objective_id",
        "status",
        "reason",
        "set_by",
        "set_at",
        "until_on",
    ],
    not_selected: &[],
    later: &[],
};

/// Reads a status override by column name.
pub(crate) fn status_override_from(r: &Row) -> StoreResult<rhythm::StatusOverride> {
    Ok(rhythm::StatusOverride {
        objective_id: ObjectiveId::from_string(r.text("objective_id")?),
        status: Stored::from_stored("status", &r.text("status")?)?,
        reason: r.text("reason")?,
        set_by: r.opt_text("set_by")?.map(PersonId::from_string),
        set_at: to_ts("set_at", r.int("set_at")?)?,
        until: r
            .opt_text("until_on")?
            .map(|d| date_from("until_on", &d))
            .transpose()?,
    })
}

/// Stamps when an objective left draft (`activated_at`), once; cleared if it goes back to draft.
pub(crate) async fn stamp_activation(
    tx: &mut Tx,
    id: &str,
    at: &chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    tx.execute(
        "UPDATE objectives SET activated_at = CASE WHEN state = 'draft' THEN NULL \
         ELSE COALESCE(activated_at, $1) END WHERE id = $2",
        args![ts(at), id],
    )
    .await?;
    Ok(())
}

/// Stamps when a key result's owner accepted it (`owner_accepted_at`): cleared while nobody has
/// accepted it; restarted when the owner changes (`new_owner`).
pub(crate) async fn stamp_acceptance(
    tx: &mut Tx,
    id: &str,
    at: &chrono::DateTime<chrono::Utc>,
    new_owner: bool,
) -> StoreResult<()> {
    let kept = if new_owner {
        "$1"
    } else {
        "COALESCE(owner_accepted_at, $1)"
    };
    tx.execute(
        &format!(
            "UPDATE key_results SET owner_accepted_at = CASE WHEN ownership_state = 'accepted' \
             THEN {kept} ELSE NULL END WHERE id = $2"
        ),
        args![ts(at), id],
    )
    .await?;
    Ok(())
}

/// A new owner's word is not the previous owner's: the key result's cached confidence becomes
/// its new owner's (or co-owners') latest standing one, none if they never checked in
/// (`rhythm::is_owners_word`). Only on a change of owner, never on a check-in's path.
pub(crate) async fn recache_owners_confidence(tx: &mut Tx, id: &str) -> StoreResult<()> {
    tx.execute(
        "UPDATE key_results SET confidence = (SELECT c.confidence FROM check_ins c \
           WHERE c.key_result_id = $1 AND c.retracted IS NULL \
           AND (c.author_id = key_results.owner_id OR c.author_id IN \
             (SELECT person_id FROM key_result_co_owners WHERE key_result_id = $1)) \
           ORDER BY c.at DESC, c.id DESC LIMIT 1) \
         WHERE id = $1",
        args![id],
    )
    .await?;
    Ok(())
}

/// The owner's rhythm: cadences, status overrides, scores, retrospectives, carrying over.
#[async_trait]
pub trait Rhythm: Send + Sync {
    /// Sets (or, with `None`, clears) a team's own check-in cadence in days. Audited.
    async fn set_team_cadence(
        &self,
        ctx: &WriteCtx,
        team_id: &TeamId,
        cadence_days: Option<u32>,
    ) -> StoreResult<()>;
    /// The teams among `team_ids` with a cadence of their own, and that cadence.
    async fn team_cadences(&self, team_ids: &[TeamId]) -> StoreResult<Vec<(TeamId, u32)>>;
    /// Sets (or, with `None`, clears) the owner's override of an objective's status. Audited.
    async fn set_status_override(
        &self,
        ctx: &WriteCtx,
        objective_id: &ObjectiveId,
        status: Option<&rhythm::StatusOverride>,
    ) -> StoreResult<()>;
    /// The owners' status overrides of these objectives (those that have one).
    async fn status_overrides(
        &self,
        objective_ids: &[ObjectiveId],
    ) -> StoreResult<Vec<rhythm::StatusOverride>>;
    /// When each of these key results became active (`rhythm::active_since`): the later of its
    /// objective's activation and its owner's acceptance, `None` while either is missing. Rows
    /// written before these were stamped read as their creation.
    async fn active_since(
        &self,
        key_result_ids: &[KeyResultId],
    ) -> StoreResult<Vec<(KeyResultId, Option<chrono::DateTime<chrono::Utc>>)>>;
    /// When each of these objectives closed, for those closed: the earlier of its own close and
    /// its cycle's (status as of a day before it reads what it was then). Closes recorded
    /// before they were stamped read as the row's last change.
    async fn closed_since(
        &self,
        objective_ids: &[ObjectiveId],
    ) -> StoreResult<Vec<(ObjectiveId, chrono::DateTime<chrono::Utc>)>>;
    /// Records (or replaces) a key result's end-of-cycle score. Audited.
    async fn save_score(&self, ctx: &WriteCtx, score: &rhythm::KeyResultScore) -> StoreResult<()>;
    /// The end-of-cycle scores of these key results (those scored).
    async fn scores_of(
        &self,
        key_result_ids: &[KeyResultId],
    ) -> StoreResult<Vec<rhythm::KeyResultScore>>;
    /// Records (or replaces) an objective's retrospective. Audited.
    async fn save_retrospective(
        &self,
        ctx: &WriteCtx,
        retrospective: &rhythm::Retrospective,
    ) -> StoreResult<()>;
    /// Saves a retrospective that carries its objective over, together with the draft it
    /// creates (objective, key results, ownership requests), in one transaction: if any write
    /// fails, nothing is written. Every key result must belong to the draft objective.
    async fn carry_over(
        &self,
        ctx: &WriteCtx,
        retrospective: &rhythm::Retrospective,
        draft: &CarryOver,
    ) -> StoreResult<()>;
    /// Saves what a close-out page sends in one transaction: every score, then the
    /// retrospective (with the draft it carries over to, when `draft` is given). If any write
    /// fails, nothing is written. Audited like [`Rhythm::save_score`] and
    /// [`Rhythm::save_retrospective`].
    async fn save_close_out(
        &self,
        ctx: &WriteCtx,
        scores: &[rhythm::KeyResultScore],
        retrospective: Option<&rhythm::Retrospective>,
        draft: Option<&CarryOver>,
    ) -> StoreResult<()>;
    /// The retrospective of an objective, if one was written.
    async fn retrospective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Option<rhythm::Retrospective>>;
    /// The retrospectives of these objectives (those written), in one read.
    async fn retrospectives_of(
        &self,
        objective_ids: &[ObjectiveId],
    ) -> StoreResult<Vec<rhythm::Retrospective>>;
    /// `(draft, original)` for the drafts among `ids` that carry an objective over.
    async fn carried_over_from(
        &self,
        ids: &[ObjectiveId],
    ) -> StoreResult<Vec<(ObjectiveId, ObjectiveId)>>;
}

/// The Rhythm area through the shared handle: a caller holding a `DynStore` calls it with
/// `Rhythm` in scope.
#[async_trait]
impl Rhythm for dyn Store {
    async fn set_team_cadence(
        &self,
        ctx: &WriteCtx,
        team_id: &TeamId,
        cadence_days: Option<u32>,
    ) -> StoreResult<()> {
        self.as_rhythm()
            .set_team_cadence(ctx, team_id, cadence_days)
            .await
    }

    async fn team_cadences(&self, team_ids: &[TeamId]) -> StoreResult<Vec<(TeamId, u32)>> {
        self.as_rhythm().team_cadences(team_ids).await
    }

    async fn set_status_override(
        &self,
        ctx: &WriteCtx,
        objective_id: &ObjectiveId,
        status: Option<&rhythm::StatusOverride>,
    ) -> StoreResult<()> {
        self.as_rhythm()
            .set_status_override(ctx, objective_id, status)
            .await
    }

    async fn status_overrides(
        &self,
        objective_ids: &[ObjectiveId],
    ) -> StoreResult<Vec<rhythm::StatusOverride>> {
        self.as_rhythm().status_overrides(objective_ids).await
    }

    async fn active_since(
        &self,
        key_result_ids: &[KeyResultId],
    ) -> StoreResult<Vec<(KeyResultId, Option<chrono::DateTime<chrono::Utc>>)>> {
        self.as_rhythm().active_since(key_result_ids).await
    }

    async fn closed_since(
        &self,
        objective_ids: &[ObjectiveId],
    ) -> StoreResult<Vec<(ObjectiveId, chrono::DateTime<chrono::Utc>)>> {
        self.as_rhythm().closed_since(objective_ids).await
    }

    async fn save_score(&self, ctx: &WriteCtx, score: &rhythm::KeyResultScore) -> StoreResult<()> {
        self.as_rhythm().save_score(ctx, score).await
    }

    async fn scores_of(
        &self,
        key_result_ids: &[KeyResultId],
    ) -> StoreResult<Vec<rhythm::KeyResultScore>> {
        self.as_rhythm().scores_of(key_result_ids).await
    }

    async fn save_retrospective(
        &self,
        ctx: &WriteCtx,
        retrospective: &rhythm::Retrospective,
    ) -> StoreResult<()> {
        self.as_rhythm()
            .save_retrospective(ctx, retrospective)
            .await
    }

    async fn carry_over(
        &self,
        ctx: &WriteCtx,
        retrospective: &rhythm::Retrospective,
        draft: &CarryOver,
    ) -> StoreResult<()> {
        self.as_rhythm().carry_over(ctx, retrospective, draft).await
    }

    async fn save_close_out(
        &self,
        ctx: &WriteCtx,
        scores: &[rhythm::KeyResultScore],
        retrospective: Option<&rhythm::Retrospective>,
        draft: Option<&CarryOver>,
    ) -> StoreResult<()> {
        self.as_rhythm()
            .save_close_out(ctx, scores, retrospective, draft)
            .await
    }

    async fn retrospective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Option<rhythm::Retrospective>> {
        self.as_rhythm().retrospective(objective_id).await
    }

    async fn retrospectives_of(
        &self,
        objective_ids: &[ObjectiveId],
    ) -> StoreResult<Vec<rhythm::Retrospective>> {
        self.as_rhythm().retrospectives_of(objective_ids).await
    }

    async fn carried_over_from(
        &self,
        ids: &[ObjectiveId],
    ) -> StoreResult<Vec<(ObjectiveId, ObjectiveId)>> {
        self.as_rhythm().carried_over_from(ids).await
    }
}

impl SqlStore {
    /// An objective's retrospective (replacing any earlier one) and its audit event, inside `tx`.
    pub(crate) async fn save_retrospective_in(
        tx: &mut Tx,
        ctx: &WriteCtx,
        r: &rhythm::Retrospective,
    ) -> StoreResult<()> {
        tx.execute(
            "DELETE FROM retrospectives WHERE objective_id = $1",
            args![r.objective_id.as_str()],
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            "retrospectives",
            RETROSPECTIVE_INSERT,
            vec![retrospective_row(r)],
        )
        .await?;
        audit(
            tx,
            ctx,
            AuditRec {
                kind: "objective",
                verb: "retrospective",
                object_id: r.objective_id.as_str(),
                objective_id: Some(r.objective_id.as_str()),
                key_result_id: None,
                before: None,
                after: value(r),
            },
        )
        .await?;
        Ok(())
    }

    /// Carrying an objective over: the retrospective, the draft objective, its key results and
    /// every ownership request, in one transaction (all or nothing).
    pub(crate) async fn do_carry_over(
        &self,
        ctx: &WriteCtx,
        retro: &rhythm::Retrospective,
        draft: &CarryOver,
    ) -> StoreResult<()> {
        check_carry_over(draft)?;
        let mut tx = self.begin().await?;
        Self::carry_over_in(&mut tx, ctx, retro, draft).await?;
        tx.commit().await
    }
}

/// What a carry-over's draft must hold before anything is written.
fn check_carry_over(draft: &CarryOver) -> StoreResult<()> {
    if let Some(r) = &draft.request {
        request_on(r, &OkrRef::Objective(draft.objective.id.clone()))?;
    }
    for (k, r) in &draft.key_results {
        if let Some(r) = r {
            request_on(r, &OkrRef::KeyResult(k.id.clone()))?;
        }
        if k.objective_id != draft.objective.id {
            return Err(StoreError::Conflict {
                field: "objective_id".into(),
                message: "a carried-over key result belongs to the draft objective".into(),
            });
        }
    }
    Ok(())
}

impl SqlStore {
    /// The draft objective, its key results and the retrospective, inside `tx`.
    async fn carry_over_in(
        tx: &mut Tx,
        ctx: &WriteCtx,
        retro: &rhythm::Retrospective,
        draft: &CarryOver,
    ) -> StoreResult<()> {
        Self::insert_objective_in(tx, ctx, &draft.objective, draft.request.as_ref()).await?;
        for (k, r) in &draft.key_results {
            Self::insert_key_result_in(tx, ctx, k, r.as_ref()).await?;
        }
        Self::save_retrospective_in(tx, ctx, retro).await
    }

    /// A key result's score (replacing any earlier one) and its audit event, inside `tx`.
    async fn save_score_in(
        tx: &mut Tx,
        ctx: &WriteCtx,
        s: &rhythm::KeyResultScore,
    ) -> StoreResult<()> {
        tx.execute(
            "DELETE FROM key_result_scores WHERE key_result_id = $1",
            args![s.key_result_id.as_str()],
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            "key_result_scores",
            SCORE_INSERT,
            vec![score_row(s)],
        )
        .await
        .map_err(map_err)?;
        let objective_id = objective_of_kr(tx, s.key_result_id.as_str()).await?;
        audit(
            tx,
            ctx,
            AuditRec {
                kind: "key_result",
                verb: "score",
                object_id: s.key_result_id.as_str(),
                objective_id: objective_id.as_deref(),
                key_result_id: Some(s.key_result_id.as_str()),
                before: None,
                after: value(s),
            },
        )
        .await
    }
}

#[async_trait]
impl Rhythm for SqlStore {
    async fn set_team_cadence(
        &self,
        ctx: &WriteCtx,
        team_id: &TeamId,
        cadence_days: Option<u32>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            "DELETE FROM team_cadences WHERE team_id = $1",
            args![team_id.as_str()],
        )
        .await?;
        if let Some(d) = cadence_days {
            insert_rows(
                &mut tx,
                usize::MAX,
                TEAM_CADENCE.name,
                TEAM_CADENCE.columns,
                vec![args![team_id.as_str(), i64::from(d), ts(&now())]],
            )
            .await
            .map_err(map_err)?;
        }
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "team",
                verb: "cadence",
                object_id: team_id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: Some(serde_json::json!({ "cadence_days": cadence_days })),
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn team_cadences(&self, team_ids: &[TeamId]) -> StoreResult<Vec<(TeamId, u32)>> {
        let keys = id_strings(team_ids);
        let cols = Select(&TEAM_CADENCE);
        fetch_in(
            &mut self.ex(),
            &format!("SELECT {cols} FROM team_cadences WHERE team_id"),
            "",
            &keys,
        )
        .await?
        .iter()
        .map(|r| {
            let d =
                u32::try_from(r.int("cadence_days")?).map_err(|e| corrupt("cadence_days", e))?;
            Ok((TeamId::from_string(r.text("team_id")?), d))
        })
        .collect()
    }

    async fn set_status_override(
        &self,
        ctx: &WriteCtx,
        objective_id: &ObjectiveId,
        status: Option<&rhythm::StatusOverride>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            "DELETE FROM status_overrides WHERE objective_id = $1",
            args![objective_id.as_str()],
        )
        .await?;
        if let Some(s) = status {
            insert_rows(
                &mut tx,
                usize::MAX,
                STATUS_OVERRIDE.name,
                STATUS_OVERRIDE.columns,
                vec![args![
                    objective_id.as_str(),
                    s.status.stored(),
                    s.reason.as_str(),
                    s.set_by.as_ref().map(|x| x.as_str()),
                    ts(&s.set_at),
                    s.until.map(|d| d.to_string()),
                ]],
            )
            .await
            .map_err(map_err)?;
        }
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "objective",
                verb: "status_override",
                object_id: objective_id.as_str(),
                objective_id: Some(objective_id.as_str()),
                key_result_id: None,
                before: None,
                after: status.and_then(value),
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn status_overrides(
        &self,
        objective_ids: &[ObjectiveId],
    ) -> StoreResult<Vec<rhythm::StatusOverride>> {
        let keys = id_strings(objective_ids);
        let cols = Select(&STATUS_OVERRIDE);
        fetch_in(
            &mut self.ex(),
            &format!("SELECT {cols} FROM status_overrides WHERE objective_id"),
            "",
            &keys,
        )
        .await?
        .iter()
        .map(status_override_from)
        .collect()
    }

    async fn active_since(
        &self,
        key_result_ids: &[KeyResultId],
    ) -> StoreResult<Vec<(KeyResultId, Option<chrono::DateTime<chrono::Utc>>)>> {
        // The objective's side read by its key, row by row: as a join, PostgreSQL hashed the
        // whole objectives table for each thousand key results (half of the digest's gathering
        // at 100,000 people).
        fetch_in(
            &mut self.ex(),
            &format!(
                "SELECT k.id AS id, \
                 (SELECT {OBJECTIVE_ACTIVATED_AT} FROM objectives o WHERE o.id = k.objective_id) \
                 AS activated, {KEY_RESULT_ACCEPTED_AT} AS accepted \
                 FROM key_results k WHERE k.id"
            ),
            "",
            &id_strings(key_result_ids),
        )
        .await?
        .iter()
        .map(|r| {
            let at = |c: &str| r.opt_int(c)?.map(|v| to_ts(c, v)).transpose();
            Ok((
                KeyResultId::from_string(r.text("id")?),
                rhythm::active_since(at("activated")?, at("accepted")?),
            ))
        })
        .collect()
    }

    async fn closed_since(
        &self,
        objective_ids: &[ObjectiveId],
    ) -> StoreResult<Vec<(ObjectiveId, chrono::DateTime<chrono::Utc>)>> {
        let rows = fetch_in(
            &mut self.ex(),
            "SELECT o.id AS id, \
             CASE WHEN o.state = 'closed' THEN COALESCE(o.closed_at, o.updated_at) END AS own, \
             CASE WHEN c.state = 'closed' THEN COALESCE(c.closed_at, c.updated_at) END AS cycle \
             FROM objectives o JOIN cycles c ON c.id = o.cycle_id WHERE o.id",
            "",
            &id_strings(objective_ids),
        )
        .await?;
        let mut closed = Vec::new();
        for r in &rows {
            let at = |c: &str| r.opt_int(c)?.map(|v| to_ts(c, v)).transpose();
            let first = match (at("own")?, at("cycle")?) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let Some(t) = first {
                closed.push((ObjectiveId::from_string(r.text("id")?), t));
            }
        }
        Ok(closed)
    }

    async fn save_score(&self, ctx: &WriteCtx, s: &rhythm::KeyResultScore) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        Self::save_score_in(&mut tx, ctx, s).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn save_close_out(
        &self,
        ctx: &WriteCtx,
        scores: &[rhythm::KeyResultScore],
        retrospective: Option<&rhythm::Retrospective>,
        draft: Option<&CarryOver>,
    ) -> StoreResult<()> {
        if let Some(d) = draft {
            check_carry_over(d)?;
        }
        let mut tx = self.begin().await?;
        for s in scores {
            Self::save_score_in(&mut tx, ctx, s).await?;
        }
        match (retrospective, draft) {
            (Some(r), Some(d)) => Self::carry_over_in(&mut tx, ctx, r, d).await?,
            (Some(r), None) => Self::save_retrospective_in(&mut tx, ctx, r).await?,
            (None, _) => {}
        }
        tx.commit().await.map_err(map_err)
    }

    async fn scores_of(
        &self,
        key_result_ids: &[KeyResultId],
    ) -> StoreResult<Vec<rhythm::KeyResultScore>> {
        let keys = id_strings(key_result_ids);
        fetch_in(
            &mut self.ex(),
            "SELECT key_result_id, score, reason, suggested_score, scored_by, scored_at \
             FROM key_result_scores WHERE key_result_id",
            "",
            &keys,
        )
        .await?
        .iter()
        .map(score_from)
        .collect()
    }

    async fn save_retrospective(
        &self,
        ctx: &WriteCtx,
        r: &rhythm::Retrospective,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        Self::save_retrospective_in(&mut tx, ctx, r)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn carry_over(
        &self,
        ctx: &WriteCtx,
        retro: &rhythm::Retrospective,
        draft: &CarryOver,
    ) -> StoreResult<()> {
        self.do_carry_over(ctx, retro, draft).await.map_err(map_err)
    }

    async fn retrospective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Option<rhythm::Retrospective>> {
        self.db
            .fetch_optional(
                "SELECT objective_id, worked, did_not, carry_over, carried_over_to, updated_by, \
                 updated_at FROM retrospectives WHERE objective_id = $1",
                args![objective_id.as_str()],
            )
            .await?
            .as_ref()
            .map(retrospective_from)
            .transpose()
    }

    async fn retrospectives_of(
        &self,
        objective_ids: &[ObjectiveId],
    ) -> StoreResult<Vec<rhythm::Retrospective>> {
        let keys = id_strings(objective_ids);
        fetch_in(
            &mut self.ex(),
            "SELECT objective_id, worked, did_not, carry_over, carried_over_to, updated_by, \
             updated_at FROM retrospectives WHERE objective_id",
            "ORDER BY objective_id",
            &keys,
        )
        .await?
        .iter()
        .map(retrospective_from)
        .collect()
    }

    async fn carried_over_from(
        &self,
        ids: &[ObjectiveId],
    ) -> StoreResult<Vec<(ObjectiveId, ObjectiveId)>> {
        let keys = id_strings(ids);
        fetch_in(
            &mut self.ex(),
            "SELECT objective_id, carried_over_to FROM retrospectives WHERE carried_over_to",
            "",
            &keys,
        )
        .await?
        .iter()
        .map(|r| {
            Ok((
                ObjectiveId::from_string(r.text("carried_over_to")?),
                ObjectiveId::from_string(r.text("objective_id")?),
            ))
        })
        .collect()
    }
}
