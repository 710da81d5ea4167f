//! Checking in: a key result's new value, the owner's confidence and a note (the doctrine's
//! "The weekly rhythm"). One rule for every way in: `POST /api/v1/key-results/{id}/check-ins`
//! records one, the weekly check-in page records several in one transaction, and both judge each
//! check-in with [`validate`] (visibility, permission, lock, confidence scale, value), so they
//! cannot disagree about what may be recorded.

use super::guards::{self, get_key_result};
use super::now;
use super::visibility::Viewer;
use crate::access::{self, Actor};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use keel_domain::*;
use keel_store::{CheckIns, Cycles, KeyResults, Objectives, Settings, Store};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCheckIn {
    /// The key result's new value (for a milestone key result: how many milestones are done).
    pub value: f64,
    /// On the organisation's confidence scale (0–10 by default).
    pub confidence: i64,
    #[serde(default)]
    pub note: String,
    /// When the reading was true, to record history; defaults to now; never in the future.
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Judges one check-in on `kr` (of `o`, in `cycle`) by the caller: 403 when they may not check
/// in on it, 409 when it or its cycle is closed, 422 naming the field for a confidence off the
/// scale or a value the key result cannot take. Returns the check-in and the key result as it
/// will be once recorded. No query: the callers load what it needs, once for many.
pub fn validate(
    caller: &Actor,
    kr: &KeyResult,
    o: &Objective,
    cycle: Option<&Cycle>,
    scale: ConfidenceScale,
    t: chrono::DateTime<chrono::Utc>,
    input: NewCheckIn,
) -> ApiResult<(CheckIn, KeyResult)> {
    access::check_in(caller, kr, o)?;
    guards::unlocked(o, cycle)?;
    let check_in = CheckIn {
        id: CheckInId::generate(),
        key_result_id: kr.id.clone(),
        value: input.value,
        confidence: Confidence::new(input.confidence, scale)?,
        note: input.note,
        author_id: Some(caller.id.clone()),
        // Microseconds, the precision of both databases.
        at: input
            .at
            .map(|a| chrono::DateTime::from_timestamp_micros(a.timestamp_micros()).unwrap_or(a))
            .unwrap_or(t),
        created_at: t,
        scale,
    }
    .validated()?;
    let mut applied = kr.clone();
    applied.apply_value(check_in.value)?;
    applied.confidence = Some(check_in.confidence.value());
    applied.last_check_in_at = Some(check_in.at);
    Ok((check_in, applied))
}

/// One check-in on a key result the caller may see (404 otherwise). Returns the check-in, the
/// key result as stored, its objective and cycle.
pub async fn check_in(
    store: &dyn Store,
    caller: &Caller,
    key_result_id: &KeyResultId,
    input: NewCheckIn,
) -> ApiResult<(CheckIn, KeyResult, Objective, Option<Cycle>)> {
    let (kr, objective) = get_key_result(store, &Viewer::of(&caller.person), key_result_id).await?;
    let cycle = store.cycle(&objective.cycle_id).await?;
    let settings = store.settings().await?;
    let (check_in, applied) = validate(
        &Actor::load(store, &caller.person).await?,
        &kr,
        &objective,
        cycle.as_ref(),
        settings.confidence_scale,
        now(),
        input,
    )?;
    let stored = store
        .record_check_in(&caller.write_ctx(), &check_in, &applied)
        .await?;
    Ok((check_in, stored, objective, cycle))
}

/// One row of the weekly check-in that failed, by its position in the submission.
#[derive(Debug)]
pub struct RowError {
    pub row: usize,
    pub error: ApiError,
}

/// The weekly check-in: one check-in per row, all or nothing. Every row is judged first by
/// [`validate`], as `POST …/check-ins` judges one (a key result the caller may not see is 404,
/// like an unknown one); if any fails, nothing is written and every row's error is returned
/// (`Ok(Err(..))`). Otherwise all are recorded in one transaction. A constant number of queries
/// whatever the number of rows.
pub async fn weekly_check_in(
    store: &dyn Store,
    caller: &Caller,
    rows: Vec<(KeyResultId, NewCheckIn)>,
) -> ApiResult<Result<Vec<KeyResult>, Vec<RowError>>> {
    let viewer = Viewer::of(&caller.person);
    let ids: Vec<KeyResultId> = rows.iter().map(|(id, _)| id.clone()).collect();
    let key_results: HashMap<KeyResultId, KeyResult> = store
        .key_results_by_ids(&ids)
        .await?
        .into_iter()
        .map(|k| (k.id.clone(), k))
        .collect();
    let mut objective_ids: Vec<ObjectiveId> = key_results
        .values()
        .map(|k| k.objective_id.clone())
        .collect();
    objective_ids.sort();
    objective_ids.dedup();
    let objectives = store.objectives_by_ids(&objective_ids).await?;
    let objectives: HashMap<ObjectiveId, Objective> = viewer
        .retain(store, objectives, |o| &o.id)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let mut cycle_ids: Vec<CycleId> = objectives.values().map(|o| o.cycle_id.clone()).collect();
    cycle_ids.sort();
    cycle_ids.dedup();
    let cycles: HashMap<CycleId, Cycle> = store
        .cycles_by_ids(&cycle_ids)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let scale = store.settings().await?.confidence_scale;
    let actor = Actor::load(store, &caller.person).await?;
    let t = now();
    let mut errors = Vec::new();
    let mut ready = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    for (row, (id, input)) in rows.into_iter().enumerate() {
        let judged = match key_results
            .get(&id)
            .and_then(|k| Some((k, objectives.get(&k.objective_id)?)))
        {
            Some((kr, o)) => validate(&actor, kr, o, cycles.get(&o.cycle_id), scale, t, input),
            None => Err(ApiError::NotFound("key result")),
        };
        match judged {
            Ok(_) if !seen.insert(id.clone()) => errors.push(RowError {
                row,
                error: ApiError::invalid("key_result_id", "this key result appears twice"),
            }),
            Ok(pair) => ready.push(pair),
            Err(error) => errors.push(RowError { row, error }),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(store
        .record_check_ins(&caller.write_ctx(), &ready)
        .await?))
}
