//! Loading a whole organisation in one transaction (demo data, imports), record kind by record
//! kind, with a single audit event.

use crate::db::{args, map_err, Exec, Tx};
use crate::okrs::key_results::{KEY_RESULT_CONTRIBUTOR, KEY_RESULT_CO_OWNER, KEY_RESULT_TEAM};
use crate::okrs::objectives::{OBJECTIVE_CONTRIBUTOR, OBJECTIVE_CO_OWNER, OBJECTIVE_TEAM};
use crate::sql::*;
use crate::teams::TEAM_MEMBER;
use crate::*;
use async_trait::async_trait;
use std::collections::HashMap;

/// Whole-organisation loads (demo data, imports).
#[async_trait]
pub trait Snapshots: Send + Sync {
    /// True when no person exists yet (a fresh database).
    async fn is_empty(&self) -> StoreResult<bool>;
    /// Loads a whole organisation in one transaction with a single audit event; all or nothing.
    async fn load_snapshot(&self, ctx: &WriteCtx, snapshot: &Snapshot) -> StoreResult<()>;
}

/// The Snapshots area through the shared handle: a caller holding a `DynStore` calls it with
/// `Snapshots` in scope.
#[async_trait]
impl Snapshots for dyn Store {
    async fn is_empty(&self) -> StoreResult<bool> {
        self.as_snapshots().is_empty().await
    }

    async fn load_snapshot(&self, ctx: &WriteCtx, snapshot: &Snapshot) -> StoreResult<()> {
        self.as_snapshots().load_snapshot(ctx, snapshot).await
    }
}

impl SqlStore {
    pub(crate) async fn do_load_snapshot(&self, ctx: &WriteCtx, s: &Snapshot) -> StoreResult<()> {
        let max = self.db.max_params();
        let mut tx = self.begin().await?;
        tx.bulk_load()?;
        tx.defer_foreign_keys().await?;
        let indexing = crate::search::BulkIndexing::pause(&mut tx).await?;
        load_settings(&mut tx, s).await?;
        load_directory(&mut tx, max, s).await?;
        load_okrs(&mut tx, max, s).await?;
        load_ownership_requests(&mut tx, max, s).await?;
        load_progress(&mut tx, max, s).await?;
        load_kpis(&mut tx, max, s).await?;
        load_rhythm_and_cfrs(&mut tx, max, s).await?;
        if let Some(indexing) = indexing {
            indexing.resume(&mut tx).await?;
        }
        let counts = snapshot_counts(s);
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "snapshot",
                verb: "load",
                object_id: "snapshot",
                objective_id: None,
                key_result_id: None,
                before: None,
                after: Some(counts),
            },
        )
        .await?;
        tx.commit().await
    }
}

#[async_trait]
impl Snapshots for SqlStore {
    async fn is_empty(&self) -> StoreResult<bool> {
        Ok(self
            .db
            .fetch_optional("SELECT id FROM people LIMIT 1", vec![])
            .await?
            .is_none())
    }

    async fn load_snapshot(&self, ctx: &WriteCtx, snapshot: &Snapshot) -> StoreResult<()> {
        let loaded = self.do_load_snapshot(ctx, snapshot).await.map_err(map_err);
        self.settings.invalidate();
        loaded?;
        // Fresh statistics after a bulk load, so the planner does not guess until autovacuum
        // gets round to it (SQLite's planner works from its indexes without them).
        self.refresh_statistics().await
    }
}

/// The organisation's settings, when the snapshot has them.
async fn load_settings(tx: &mut Tx, s: &Snapshot) -> StoreResult<()> {
    if let Some(settings) = &s.settings {
        tx.execute(
            &crate::settings::SAVE_SETTINGS,
            args![json(settings), ts(&now())],
        )
        .await?;
    }
    Ok(())
}

/// People, teams with their members, and cycles.
async fn load_directory(tx: &mut Tx, max: usize, s: &Snapshot) -> StoreResult<()> {
    insert_rows(
        &mut *tx,
        max,
        "people",
        PERSON_INSERT,
        s.people.iter().map(person_row),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        "teams",
        TEAM_INSERT,
        s.teams.iter().map(team_row).collect::<Vec<_>>(),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        TEAM_MEMBER.name,
        TEAM_MEMBER.columns,
        s.teams
            .iter()
            .flat_map(|t| junction_rows(t.id.as_str(), &id_strings(&t.member_ids)))
            .collect::<Vec<_>>(),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        "cycles",
        CYCLE_INSERT,
        s.cycles.iter().map(cycle_row).collect::<Vec<_>>(),
    )
    .await?;
    Ok(())
}

/// Objectives and key results with their teams, contributors, co-owners and parents.
async fn load_okrs(tx: &mut Tx, max: usize, s: &Snapshot) -> StoreResult<()> {
    insert_rows(
        &mut *tx,
        max,
        "objectives",
        OBJECTIVE_INSERT,
        s.objectives.iter().map(objective_row),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        OBJECTIVE_TEAM.name,
        OBJECTIVE_TEAM.columns,
        s.objectives
            .iter()
            .flat_map(|o| junction_rows(o.id.as_str(), &id_strings(&o.team_ids)))
            .collect::<Vec<_>>(),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        OBJECTIVE_CONTRIBUTOR.name,
        OBJECTIVE_CONTRIBUTOR.columns,
        s.objectives
            .iter()
            .flat_map(|o| junction_rows(o.id.as_str(), &id_strings(&o.contributor_ids)))
            .collect::<Vec<_>>(),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        "key_results",
        KR_INSERT,
        s.key_results.iter().map(kr_row),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        KEY_RESULT_TEAM.name,
        KEY_RESULT_TEAM.columns,
        s.key_results
            .iter()
            .flat_map(|k| junction_rows(k.id.as_str(), &id_strings(&k.team_ids)))
            .collect::<Vec<_>>(),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        KEY_RESULT_CONTRIBUTOR.name,
        KEY_RESULT_CONTRIBUTOR.columns,
        s.key_results
            .iter()
            .flat_map(|k| junction_rows(k.id.as_str(), &id_strings(&k.contributor_ids)))
            .collect::<Vec<_>>(),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        OBJECTIVE_CO_OWNER.name,
        OBJECTIVE_CO_OWNER.columns,
        s.objectives
            .iter()
            .flat_map(|o| junction_rows(o.id.as_str(), &id_strings(&o.co_owner_ids)))
            .collect::<Vec<_>>(),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        KEY_RESULT_CO_OWNER.name,
        KEY_RESULT_CO_OWNER.columns,
        s.key_results
            .iter()
            .flat_map(|k| junction_rows(k.id.as_str(), &id_strings(&k.co_owner_ids)))
            .collect::<Vec<_>>(),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        "objective_parents",
        PARENT_INSERT,
        s.objectives
            .iter()
            .flat_map(parent_rows)
            .collect::<Vec<_>>(),
    )
    .await?;
    load_key_result_links(tx, max, s).await
}

/// What key results contribute to, and the dependencies between them.
async fn load_key_result_links(tx: &mut Tx, max: usize, s: &Snapshot) -> StoreResult<()> {
    use crate::okrs::alignment::KEY_RESULT_PARENT;
    use crate::okrs::dependencies::KEY_RESULT_DEPENDENCY;
    let parents = s
        .key_result_parents
        .iter()
        .flat_map(|(k, ps)| {
            ps.iter().enumerate().map(move |(i, p)| {
                let (o, kr) = match p {
                    ParentRef::Objective(x) => (Some(x.as_str()), None),
                    ParentRef::KeyResult(x) => (None, Some(x.as_str())),
                };
                args![k.as_str(), i as i64, o, kr]
            })
        })
        .collect::<Vec<_>>();
    insert_rows(
        &mut *tx,
        max,
        KEY_RESULT_PARENT.name,
        KEY_RESULT_PARENT.columns,
        parents,
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        KEY_RESULT_DEPENDENCY.name,
        KEY_RESULT_DEPENDENCY.columns,
        s.dependencies
            .iter()
            .map(crate::okrs::dependencies::row_of)
            .collect::<Vec<_>>(),
    )
    .await
}

/// Ownership requests, each stored with its OKR's objective.
async fn load_ownership_requests(tx: &mut Tx, max: usize, s: &Snapshot) -> StoreResult<()> {
    // A key result request is stored with its key result's objective: from the snapshot,
    // or (a request on a key result already stored) from the database, in one batch.
    let mut kr_objective: HashMap<String, String> = s
        .key_results
        .iter()
        .map(|k| (k.id.to_string(), k.objective_id.to_string()))
        .collect();
    let missing: Vec<String> = s
        .ownership_requests
        .iter()
        .filter_map(|r| match &r.okr {
            OkrRef::KeyResult(k) if !kr_objective.contains_key(k.as_str()) => Some(k.to_string()),
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        for r in fetch_in(
            &mut Exec::Tx(&mut *tx),
            "SELECT id, objective_id FROM key_results WHERE id",
            "",
            &missing,
        )
        .await?
        {
            kr_objective.insert(r.text("id")?, r.text("objective_id")?);
        }
    }
    let mut request_rows = Vec::with_capacity(s.ownership_requests.len());
    for r in &s.ownership_requests {
        let objective_id =
            match &r.okr {
                OkrRef::Objective(o) => o.as_str(),
                OkrRef::KeyResult(k) => kr_objective.get(k.as_str()).map(String::as_str).ok_or(
                    StoreError::Conflict {
                        field: "okr".into(),
                        message: "an ownership request names a key result that does not exist"
                            .into(),
                    },
                )?,
            };
        request_rows.push(request_row(r, Some(objective_id)));
    }
    insert_rows(
        &mut *tx,
        max,
        "ownership_requests",
        REQUEST_INSERT,
        request_rows,
    )
    .await?;
    Ok(())
}

/// Check-ins and initiatives.
async fn load_progress(tx: &mut Tx, max: usize, s: &Snapshot) -> StoreResult<()> {
    insert_rows(
        &mut *tx,
        max,
        "check_ins",
        CHECK_IN_INSERT,
        s.check_ins.iter().map(check_in_row),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        "initiatives",
        INITIATIVE_INSERT,
        s.initiatives.iter().map(initiative_row),
    )
    .await?;
    Ok(())
}

/// KPIs with their readings, and the KPI feeding each key result that names one (a column
/// written after the key results, as `set_key_result_kpi` does: few key results have one).
async fn load_kpis(tx: &mut Tx, max: usize, s: &Snapshot) -> StoreResult<()> {
    use crate::data_feeds::{kpi_row, value_row, KPI, KPI_VALUE};
    insert_rows(
        &mut *tx,
        max,
        KPI.name,
        KPI.columns,
        s.kpis.iter().map(kpi_row).collect::<Vec<_>>(),
    )
    .await?;
    insert_rows(
        &mut *tx,
        max,
        KPI_VALUE.name,
        KPI_VALUE.columns,
        s.kpi_values.iter().map(value_row),
    )
    .await?;
    for (kr, kpi) in &s.key_result_kpis {
        tx.execute(
            "UPDATE key_results SET kpi_id = $1 WHERE id = $2",
            args![kpi.as_str(), kr.as_str()],
        )
        .await?;
    }
    Ok(())
}

/// Scores, retrospectives, reviews, conversations, feedback and recognition.
async fn load_rhythm_and_cfrs(tx: &mut Tx, max: usize, s: &Snapshot) -> StoreResult<()> {
    for (table, cols, rows) in [
        (
            "key_result_scores",
            SCORE_INSERT,
            s.scores.iter().map(score_row).collect::<Vec<_>>(),
        ),
        (
            "retrospectives",
            RETROSPECTIVE_INSERT,
            s.retrospectives
                .iter()
                .map(retrospective_row)
                .collect::<Vec<_>>(),
        ),
        (
            "reviews",
            REVIEW_INSERT,
            s.reviews.iter().map(review_row).collect::<Vec<_>>(),
        ),
        (
            "conversations",
            CONVERSATION_INSERT,
            s.conversations
                .iter()
                .map(conversation_row)
                .collect::<Vec<_>>(),
        ),
        (
            "feedback_requests",
            FEEDBACK_REQUEST_INSERT,
            s.feedback_requests
                .iter()
                .map(feedback_request_row)
                .collect::<Vec<_>>(),
        ),
        (
            "feedback_answers",
            FEEDBACK_ANSWER_INSERT,
            s.feedback_requests
                .iter()
                .flat_map(feedback_answer_rows)
                .collect::<Vec<_>>(),
        ),
        (
            "recognitions",
            RECOGNITION_INSERT,
            s.recognitions
                .iter()
                .map(recognition_row)
                .collect::<Vec<_>>(),
        ),
    ] {
        insert_rows(&mut *tx, max, table, cols, rows).await?;
    }
    Ok(())
}

/// How many of each record the snapshot held: the audit event of the load.
fn snapshot_counts(s: &Snapshot) -> serde_json::Value {
    serde_json::json!({
        "settings": s.settings.is_some(),
        "people": s.people.len(),
        "teams": s.teams.len(),
        "cycles": s.cycles.len(),
        "objectives": s.objectives.len(),
        "key_results": s.key_results.len(),
        "check_ins": s.check_ins.len(),
        "initiatives": s.initiatives.len(),
        "ownership_requests": s.ownership_requests.len(),
        "scores": s.scores.len(),
        "retrospectives": s.retrospectives.len(),
        "reviews": s.reviews.len(),
        "conversations": s.conversations.len(),
        "feedback_requests": s.feedback_requests.len(),
        "recognitions": s.recognitions.len(),
        "key_result_parents": s.key_result_parents.iter().map(|(_, p)| p.len()).sum::<usize>(),
        "dependencies": s.dependencies.len(),
        "kpis": s.kpis.len(),
        "kpi_values": s.kpi_values.len(),
        "co_owners": s.objectives.iter().map(|o| o.co_owner_ids.len()).sum::<usize>()
            + s.key_results.iter().map(|k| k.co_owner_ids.len()).sum::<usize>(),
    })
}
