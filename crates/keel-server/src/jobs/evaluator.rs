//! The periodic evaluator: changes that come from time passing (a check-in falling due, a key
//! result turning stale or off track) have no write to ride on, so this job compares each active
//! key result's status now (the one rule, `keel_domain::rhythm`, through the `Assessor` every
//! page uses) with its last known status, and records the transitions with their notifications
//! in one transaction.
//!
//! Each round also runs the ownership health check a batch of objectives at a time and stores
//! its findings (`health_findings`), which the health page reads instead of checking the whole
//! cycle on each request, and counts the stored figures (`stored_figures`).
//!
//! After the batches it counts the dashboards' figures per cycle (`dashboard_figures`). Check-in
//! compliance by team and week (`compliance_figures`) is tallied from each batch as it is
//! assessed and stored after the last one.
//!
//! Each round logs how long each of its steps took and the process's memory after each
//! (`steps`): at 100,000 people a round takes minutes, and which step to make faster or leaner
//! is a measurement, not a guess. Nothing is held for the whole round but counts: each key
//! result's last signal and the pending ownership requests are read with its batch.
//!
//! A key result seen for the first time is recorded silently (no flood of news on the first run,
//! or for work that was already late when Keel started watching). Running it twice in a row
//! records nothing the second time: the job is idempotent, so a retry is harmless.

use crate::error::ApiResult;
use crate::read::{objectives_list, views};
use crate::services::rhythm::{Assessor, KeyResultAssessment};
use keel_domain::notification::{Notification, NotificationKind as Kind};
use keel_domain::rhythm::Status;
use keel_domain::*;
use keel_store::{
    HealthFindings, KeyResultSignal, KeyResults, Notifications, ObjectiveFilter, ObjectiveSignal,
    Objectives, Ownership, PageRequest, Reader, Settings, Store, StoredFinding,
};
use std::collections::HashMap;

mod compliance_figures;
mod dashboard_figures;
mod steps;

use steps::{timed, Steps};

/// What one evaluation did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Evaluation {
    /// Active key results looked at.
    pub key_results: usize,
    /// Whose status or due state changed since the last evaluation (first sights included).
    pub changed: usize,
    /// Notifications recorded.
    pub notifications: usize,
}

/// How many objectives are assessed together (their key results' check-ins are in memory at
/// once): bounds the evaluator's and the digest's memory whatever the organisation's size.
pub(crate) const BATCH: u32 = 500;

/// The organisation's active objectives, `BATCH` at a time: the walk the evaluator and the weekly
/// digest share.
pub(crate) struct ActiveBatches {
    page: PageRequest,
    done: bool,
}

impl ActiveBatches {
    pub(crate) fn new() -> Self {
        Self {
            page: PageRequest {
                limit: BATCH,
                cursor: None,
            },
            done: false,
        }
    }

    /// The next batch of active objectives; `None` once every page was read.
    pub(crate) async fn next(&mut self, store: &dyn Store) -> ApiResult<Option<Vec<Objective>>> {
        Ok(self.next_of_any_state(store).await?.map(|batch| {
            batch
                .into_iter()
                .filter(|o| o.state == ObjectiveState::Active)
                .collect()
        }))
    }

    /// The next batch of objectives, drafts and closed ones included; `None` once every page
    /// was read.
    async fn next_of_any_state(&mut self, store: &dyn Store) -> ApiResult<Option<Vec<Objective>>> {
        if self.done {
            return Ok(None);
        }
        let got = store
            .list_objectives(&ObjectiveFilter::new(Reader::Everyone), &self.page)
            .await?;
        match got.next_cursor {
            Some(c) => self.page.cursor = Some(c),
            None => self.done = true,
        }
        Ok(Some(got.items))
    }
}

/// Evaluates every active key result now and records what changed, a page of objectives at a
/// time (each page's changes in one transaction), then counts the stored figures; logs each
/// step's time and the memory after it.
pub async fn evaluate(
    store: &dyn Store,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Evaluation> {
    let mut steps = Steps::start();
    let settings = store.settings().await?;
    let thresholds = settings.health;
    let mut tally = compliance_figures::ComplianceTally::new(store, &settings, now).await?;
    let mut result = Evaluation::default();
    let mut batches = ActiveBatches::new();
    loop {
        let mut read = std::time::Duration::ZERO;
        let batch = timed(&mut read, batches.next_of_any_state(store)).await?;
        steps.read += read;
        let Some(batch) = batch else { break };
        let round = BatchRound {
            thresholds,
            tally: &mut tally,
            steps: &mut steps,
        };
        evaluate_batch(store, now, round, &batch, &mut result).await?;
        steps.after_batch();
    }
    steps.end("batches");
    tally.store(store).await?;
    steps.end("compliance");
    store.count_health_findings(now).await?;
    steps.end("health");
    dashboard_figures::record(store, now).await?;
    steps.end("dashboards");
    let cycles = super::stored_figures::cycles_to_count(store).await?;
    super::stored_figures::count_participation(store, &cycles, now).await?;
    steps.end("participation");
    super::stored_figures::count_company(store, &cycles, now).await?;
    steps.end("company");
    super::stored_figures::count_calibration(store, now).await?;
    steps.end("calibration");
    if rewrote_most(&result) {
        keel_store::Backend::refresh_statistics(store).await?;
        steps.end("statistics");
    }
    log_steps(&result, &steps);
    Ok(result)
}

/// Whether the round changed the stored signals of most key results (the first round over a
/// loaded organisation, or after a long pause): the planner's statistics are then refreshed,
/// since the stored tables it plans from changed size or shape.
fn rewrote_most(result: &Evaluation) -> bool {
    result.changed > 0 && result.changed * 2 >= result.key_results
}

/// Logs the round's steps: each one's time and the memory after it.
fn log_steps(result: &Evaluation, steps: &Steps) {
    let ms = |d: std::time::Duration| d.as_millis() as u64;
    tracing::info!(
        key_results = result.key_results,
        changed = result.changed,
        batches = steps.batches,
        batches_ms = ms(steps.took("batches")),
        read_ms = ms(steps.read),
        assess_ms = ms(steps.assess),
        health_ms = ms(steps.health + steps.took("health")),
        compliance_ms = ms(steps.compliance + steps.took("compliance")),
        dashboards_ms = ms(steps.took("dashboards")),
        participation_ms = ms(steps.took("participation")),
        company_ms = ms(steps.took("company")),
        calibration_ms = ms(steps.took("calibration")),
        statistics_ms = ms(steps.took("statistics")),
        figures_ms = ms(steps.took("participation") + steps.took("company")),
        batch_rss_mb = steps.batch_rss_mb,
        hwm_mb = steps.hwm_mb(),
        memory_mb = %steps.memory_line(),
        "the evaluator's round, step by step"
    );
}

/// What each batch of a round shares: the health check's thresholds, the compliance tally and
/// the steps' times. What was known of each key result before the round and the pending
/// ownership requests are read batch by batch (their key results' and objectives' only), so the
/// round's memory does not grow with the organisation.
struct BatchRound<'a> {
    thresholds: HealthThresholds,
    tally: &'a mut compliance_figures::ComplianceTally,
    steps: &'a mut Steps,
}

/// Runs the ownership health check over a batch of objectives (every state, as the check of a
/// cycle does) and their key results, and stores its findings in their place (the health
/// page's): every pitfall but owners' overload, which spans batches and is counted by the page.
async fn record_health_findings(
    store: &dyn Store,
    now: chrono::DateTime<chrono::Utc>,
    thresholds: HealthThresholds,
    assessor: &Assessor,
    objectives: &[Objective],
    key_results: &[KeyResult],
) -> ApiResult<()> {
    let objective_of: HashMap<&str, &ObjectiveId> = objectives
        .iter()
        .map(|o| (o.id.as_str(), &o.id))
        .chain(key_results.iter().map(|k| (k.id.as_str(), &k.objective_id)))
        .collect();
    let ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
    let requests: Vec<OwnershipRequest> = store
        .pending_requests_on(&ids)
        .await?
        .into_iter()
        .filter(|r| objective_of.contains_key(r.okr.id()))
        .collect();
    let stale = crate::read::health::stale_of(assessor, objectives, key_results);
    let findings = crate::read::health::check_okrs(
        store,
        thresholds,
        objectives,
        key_results,
        &requests,
        &stale,
    )
    .await?;
    let stored: Vec<StoredFinding> = findings
        .into_iter()
        .filter(|f| f.code != keel_store::OWNER_OVERLOAD)
        .map(|f| StoredFinding {
            objective_id: objective_of.get(f.okr.id()).map(|o| (*o).clone()),
            code: f.code.to_string(),
            severity: f.severity,
            okr_title: f.okr_title,
            person_id: f.person_id,
            message: f.message,
            fix: f.fix,
            evaluated_at: Some(now),
            person_name: None,
            owned: 0,
            okr: f.okr,
        })
        .collect();
    store.replace_health_findings(&ids, &stored).await?;
    Ok(())
}

/// Evaluates the key results of the active objectives of `objectives` against what was known
/// of them (their stored signals, read for the batch) and records changes, and stores every objective's status and progress where they
/// changed (the objectives list's order).
async fn evaluate_batch(
    store: &dyn Store,
    now: chrono::DateTime<chrono::Utc>,
    round: BatchRound<'_>,
    objectives: &[Objective],
    result: &mut Evaluation,
) -> ApiResult<()> {
    if objectives.is_empty() {
        return Ok(());
    }
    let BatchRound {
        thresholds,
        tally,
        steps,
    } = round;
    let ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
    let (key_results, assessor, known) = timed(&mut steps.read, async {
        let key_results = store.key_results_of(&ids).await?;
        let assessor = Assessor::load(store, objectives, &key_results).await?;
        let known = known_signals(store, objectives, &key_results).await?;
        ApiResult::Ok((key_results, assessor, known))
    })
    .await?;
    let started = std::time::Instant::now();
    let by_id: HashMap<&ObjectiveId, &Objective> = objectives.iter().map(|o| (&o.id, o)).collect();
    let mut changed = vec![];
    let mut told = vec![];
    let mut assessed: HashMap<&ObjectiveId, Vec<(f64, KeyResultAssessment)>> = HashMap::new();
    for kr in &key_results {
        let Some(o) = by_id.get(&kr.objective_id) else {
            continue;
        };
        let a = assessor.key_result(kr, o);
        if o.state == ObjectiveState::Active {
            result.key_results += 1;
            changed.extend(key_result_change(&known, now, &a, kr, o, &mut told));
        }
        assessed.entry(&o.id).or_default().push((kr.weight, a));
    }
    result.changed += changed.len();
    result.notifications += told.len();
    if !changed.is_empty() {
        store.record_key_result_signals(&changed, told).await?;
    }
    let standings = objective_signals(store, now, &assessor, objectives, &key_results, assessed);
    record_changed_objective_signals(store, &ids, standings.await?).await?;
    steps.assess += started.elapsed();
    timed(
        &mut steps.health,
        record_health_findings(store, now, thresholds, &assessor, objectives, &key_results),
    )
    .await?;
    timed(
        &mut steps.compliance,
        tally.add_batch(store, &assessor, objectives, &key_results),
    )
    .await
}

/// What was known of the batch's key results of active objectives before this round: their
/// stored signals (none for a key result never seen).
async fn known_signals(
    store: &dyn Store,
    objectives: &[Objective],
    key_results: &[KeyResult],
) -> ApiResult<HashMap<KeyResultId, KeyResultSignal>> {
    let active: std::collections::HashSet<&ObjectiveId> = objectives
        .iter()
        .filter(|o| o.state == ObjectiveState::Active)
        .map(|o| &o.id)
        .collect();
    let ids: Vec<KeyResultId> = key_results
        .iter()
        .filter(|k| active.contains(&k.objective_id))
        .map(|k| k.id.clone())
        .collect();
    Ok(store
        .key_result_signals_of(&ids)
        .await?
        .into_iter()
        .map(|s| (s.key_result_id.clone(), s))
        .collect())
}

/// The signal to record for an active key result assessed `a` now, when it changed from what
/// was `known` (or was never seen), with the notifications of its transition added to `told`.
fn key_result_change(
    known: &HashMap<KeyResultId, KeyResultSignal>,
    now: chrono::DateTime<chrono::Utc>,
    a: &KeyResultAssessment,
    kr: &KeyResult,
    o: &Objective,
    told: &mut Vec<Notification>,
) -> Option<KeyResultSignal> {
    let now_signal = KeyResultSignal {
        key_result_id: kr.id.clone(),
        status: a.status,
        due: a.due,
        evaluated_at: now,
    };
    match known.get(&kr.id) {
        Some(before) if before.status == a.status && before.due == a.due => return None,
        Some(before) => told.extend(transitions(before, &now_signal, kr, o)),
        None => {}
    }
    Some(now_signal)
}

/// Each objective's status and progress now, computed as every view of it computes them
/// (`views::standing`).
async fn objective_signals(
    store: &dyn Store,
    now: chrono::DateTime<chrono::Utc>,
    assessor: &Assessor,
    objectives: &[Objective],
    key_results: &[KeyResult],
    mut assessed: HashMap<&ObjectiveId, Vec<(f64, KeyResultAssessment)>>,
) -> ApiResult<Vec<ObjectiveSignal>> {
    let mut children = crate::services::rollup::children(store, objectives, key_results).await?;
    Ok(objectives
        .iter()
        .map(|o| {
            let mine = assessed.remove(&o.id).unwrap_or_default();
            let pairs: Vec<(f64, &KeyResultAssessment)> =
                mine.iter().map(|(w, a)| (*w, a)).collect();
            let rolled_up = children.remove(&o.id);
            let (oa, progress) = views::standing(assessor, o, &pairs, rolled_up.as_deref());
            ObjectiveSignal {
                objective_id: o.id.clone(),
                status: oa.status,
                status_rank: objectives_list::status_rank(oa.status),
                progress_milli: objectives_list::progress_milli(progress),
                evaluated_at: now,
                cycle_id: o.cycle_id.clone(),
            }
        })
        .collect())
}

/// Stores the signals of `now` that differ from what was stored for the objectives of `ids`
/// (an unchanged objective costs no write; one moved to another cycle is written again, for
/// the list orders a cycle's objectives by the signals of that cycle).
async fn record_changed_objective_signals(
    store: &dyn Store,
    ids: &[ObjectiveId],
    now: Vec<ObjectiveSignal>,
) -> ApiResult<()> {
    let before: HashMap<ObjectiveId, ObjectiveSignal> = store
        .objective_signals(ids)
        .await?
        .into_iter()
        .map(|s| (s.objective_id.clone(), s))
        .collect();
    let changed: Vec<ObjectiveSignal> = now
        .into_iter()
        .filter(|s| {
            before.get(&s.objective_id).is_none_or(|b| {
                (b.status, b.status_rank, b.progress_milli, &b.cycle_id)
                    != (s.status, s.status_rank, s.progress_milli, &s.cycle_id)
            })
        })
        .collect();
    if !changed.is_empty() {
        store.record_objective_signals(&changed).await?;
    }
    Ok(())
}

/// The notifications of one key result's change: stale tells its owner the check-in is
/// overdue and its sponsors it turned stale; off track tells its owner and sponsors; falling
/// due (and not stale) tells its owner.
fn transitions(
    before: &KeyResultSignal,
    now: &KeyResultSignal,
    kr: &KeyResult,
    o: &Objective,
) -> Vec<Notification> {
    let about = |to: &PersonId, kind: Kind| Notification {
        objective_id: Some(o.id.clone()),
        key_result_id: Some(kr.id.clone()),
        ..Notification::new(to.clone(), kind, kr.id.as_str())
    };
    let mut sponsors: Vec<&PersonId> = kr
        .sponsor_id
        .iter()
        .chain(o.sponsor_id.iter())
        .filter(|s| **s != kr.owner_id)
        .collect();
    sponsors.dedup();
    let mut out = vec![];
    let turned = |s: Status| now.status == s && before.status != s;
    if turned(Status::Stale) {
        out.push(about(&kr.owner_id, Kind::CheckInOverdue));
        out.extend(sponsors.iter().map(|s| about(s, Kind::TurnedStale)));
    } else if now.due && !before.due {
        out.push(about(&kr.owner_id, Kind::CheckInDue));
    }
    if turned(Status::OffTrack) {
        out.push(about(&kr.owner_id, Kind::TurnedOffTrack));
        out.extend(sponsors.iter().map(|s| about(s, Kind::TurnedOffTrack)));
    }
    out
}
