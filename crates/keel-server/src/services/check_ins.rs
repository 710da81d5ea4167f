//! Checking in: a key result's new value, the owner's confidence and a note (the doctrine's
//! "The weekly rhythm"). One rule for every way in: `POST /api/v1/key-results/{id}/check-ins`
//! records one, the weekly check-in page records several in one transaction, and both judge each
//! check-in with [`validate`] (visibility, permission, lock, confidence scale, value), so they
//! cannot disagree about what may be recorded.

use super::guards;
use super::now;
use super::visibility::Viewer;
use crate::access::{self, Actor};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use keel_domain::*;
use keel_store::{CheckIns, Cycles, KeyResultContext, KeyResults, Objectives, Settings, Store};
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
    judge(
        kr,
        o,
        cycle,
        scale,
        t,
        Reading {
            value: input.value,
            confidence: Some(input.confidence),
            note: input.note,
            at: input.at,
            author: Author::Person(caller.id.clone()),
        },
    )
}

/// Who records a reading: a person, or a source (an ingest token, a KPI) that is nobody's word.
#[derive(Debug, Clone)]
pub enum Author {
    Person(PersonId),
    Source(keel_domain::data_feed::DataSource),
}

/// One reading of a key result, by whoever records it, before it is judged.
#[derive(Debug, Clone)]
pub struct Reading {
    pub value: f64,
    /// Optional only for values pushed without one (`POST …/values`): the check-in then keeps
    /// the key result's latest confidence, and only its owner's word ever counts.
    pub confidence: Option<i64>,
    pub note: String,
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    pub author: Author,
}

/// The one judgement of a reading of `kr`, whatever its author, once its author may record it:
/// 409 when the key result or its cycle is closed, 422 naming the field for a confidence off
/// the scale, a note too long, a value the key result cannot take or a time in the future. A
/// source's check-in is never the owner's word; an owner's reading without a confidence keeps
/// the one they gave last (422 naming `confidence` when they never gave one). Returns the
/// check-in and the key result as it will be once recorded.
pub fn judge(
    kr: &KeyResult,
    o: &Objective,
    cycle: Option<&Cycle>,
    scale: ConfidenceScale,
    t: chrono::DateTime<chrono::Utc>,
    reading: Reading,
) -> ApiResult<(CheckIn, KeyResult)> {
    guards::unlocked(o, cycle)?;
    let (author_id, source) = match reading.author {
        Author::Person(p) => (Some(p), None),
        Author::Source(s) => (None, Some(s)),
    };
    let owners_word = keel_domain::rhythm::is_owners_word(kr, author_id.as_ref());
    let confidence = match (reading.confidence, kr.confidence) {
        (Some(c), _) => c,
        (None, Some(last)) => i64::from(last),
        (None, None) if owners_word => {
            return Err(ApiError::invalid(
                "confidence",
                "your first check-in as the owner needs your confidence",
            ))
        }
        // Not anyone's word: the scale's lowest is only a placeholder that never counts.
        (None, None) => i64::from(scale.min()),
    };
    let check_in = CheckIn {
        id: CheckInId::generate(),
        key_result_id: kr.id.clone(),
        value: reading.value,
        confidence: Confidence::new(confidence, scale)?,
        note: reading.note,
        author_id,
        // Microseconds, the precision of both databases.
        at: reading
            .at
            .map(|a| chrono::DateTime::from_timestamp_micros(a.timestamp_micros()).unwrap_or(a))
            .unwrap_or(t),
        created_at: t,
        corrects: None,
        retracted: None,
        source,
        scale,
    }
    .validated()?;
    let mut applied = kr.clone();
    applied.apply_value(check_in.value)?;
    // The key result keeps its owner's latest confidence, never a contributor's or a source's.
    if owners_word {
        applied.confidence = Some(check_in.confidence.value());
    }
    applied.last_check_in_at = Some(check_in.at);
    Ok((check_in, applied))
}

/// One check-in on a key result the caller may see (404 otherwise). Returns the check-in and
/// the key result's context (`KeyResultContext`: objective, cycle, rhythm facts) with the key
/// result as stored after it.
pub async fn check_in(
    store: &dyn Store,
    caller: &Caller,
    key_result_id: &KeyResultId,
    input: NewCheckIn,
) -> ApiResult<(CheckIn, KeyResultContext)> {
    // The key result, its objective, cycle and rhythm facts in one query; settings are cached.
    let viewer = Viewer::of(&caller.person);
    let (mut context, settings) =
        tokio::try_join!(viewer.key_result_in_context(store, key_result_id), async {
            Ok::<_, ApiError>(store.settings().await?)
        },)?;
    let (kr, o) = (&context.key_result, &context.objective);
    let actor = Actor::load_for_check_in(store, &caller.person, [(kr, o)]).await?;
    let (check_in, applied) = validate(
        &actor,
        kr,
        o,
        context.cycle.as_ref(),
        settings.confidence_scale,
        now(),
        input,
    )?;
    context.key_result = store
        .record_check_in(&caller.write_ctx(), &check_in, &applied)
        .await?;
    // The history read with the context gains this check-in, for the answer's status.
    if let Some(history) = context.history.as_mut() {
        keel_store::CheckInPoint::from(&check_in).insert_into(history);
    }
    Ok((check_in, context))
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
    let actor = Actor::load_for_check_in(
        store,
        &caller.person,
        key_results
            .values()
            .filter_map(|k| Some((k, objectives.get(&k.objective_id)?))),
    )
    .await?;
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

/// A correction of a check-in: the fields to change (at least one); the rest stay as they were.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInCorrection {
    pub value: Option<f64>,
    pub confidence: Option<i64>,
    pub note: Option<String>,
}

/// Whether the caller may correct or withdraw this check-in now: the key result is one they may
/// see (404 otherwise, and for a check-in of another key result), they wrote the check-in
/// (403), its OKR and cycle are open (409) and it still stands (409). Returns the key result,
/// its objective and cycle, and the check-in.
pub async fn retractable(
    store: &dyn Store,
    caller: &Caller,
    key_result_id: &KeyResultId,
    check_in_id: &CheckInId,
) -> ApiResult<(KeyResult, Objective, Option<Cycle>, CheckIn)> {
    let KeyResultContext {
        key_result: kr,
        objective,
        cycle,
        ..
    } = Viewer::of(&caller.person)
        .key_result_in_context(store, key_result_id)
        .await?;
    let original = store
        .check_in(check_in_id)
        .await?
        .filter(|c| c.key_result_id == kr.id)
        .ok_or(ApiError::NotFound("check-in"))?;
    if original.author_id.as_ref() != Some(&caller.person.id) {
        return Err(ApiError::Forbidden(
            "only the person who recorded a check-in may correct or withdraw it".into(),
        ));
    }
    guards::unlocked(&objective, cycle.as_ref())?;
    if !original.stands() {
        return Err(ApiError::Conflict {
            field: Some("check_in".into()),
            message: "this check-in was already corrected or withdrawn".into(),
        });
    }
    Ok((kr, objective, cycle, original))
}

/// Corrects (`Some`) or withdraws (`None`) a check-in on a key result the caller may see (404
/// otherwise, and for a check-in of another key result). Only its author may (403); not on a
/// closed OKR or cycle (409); not twice (409); 412 when `if_match` is not the key result's
/// version. The original stays, marked; a correction keeps its `at`. The key result moves to
/// its latest standing check-in, so status and forecast follow. Returns the check-in as it
/// now reads (the correction, or the withdrawn original), the key result as stored, its
/// objective and cycle.
pub async fn retract(
    store: &dyn Store,
    caller: &Caller,
    key_result_id: &KeyResultId,
    check_in_id: &CheckInId,
    if_match: crate::extract::IfMatch,
    correction: Option<CheckInCorrection>,
) -> ApiResult<(CheckIn, KeyResult, Objective, Option<Cycle>)> {
    let (kr, objective, cycle, original) =
        retractable(store, caller, key_result_id, check_in_id).await?;
    if_match.check(kr.version)?;
    let t = now();
    let kind = match correction {
        Some(_) => RetractionKind::Corrected,
        None => RetractionKind::Withdrawn,
    };
    let retraction = Retraction {
        kind,
        by: Some(caller.person.id.clone()),
        at: t,
    };
    let corrected = match correction {
        Some(input) => Some(corrected(
            &original,
            input,
            store.settings().await?.confidence_scale,
            t,
        )?),
        None => None,
    };
    // The corrected value must suit the key result even when it is not the latest reading.
    if let Some(c) = &corrected {
        kr.clone().apply_value(c.value)?;
    }
    let mut standing: Vec<CheckIn> = store
        .check_ins_of(std::slice::from_ref(&kr.id))
        .await?
        .into_iter()
        .filter(|c| c.id != original.id)
        .collect();
    standing.extend(corrected.iter().cloned());
    let applied = as_check_ins_leave(&kr, &standing)?;
    let stored = store
        .retract_check_in(
            &caller.write_ctx(),
            &original,
            &retraction,
            corrected.as_ref(),
            &applied,
        )
        .await?;
    let shown = corrected.unwrap_or(CheckIn {
        retracted: Some(retraction),
        ..original
    });
    Ok((shown, stored, objective, cycle))
}

/// The correction of `original`: a new check-in at the same moment, by the same author, that
/// `corrects` it. 422 naming the field for an empty correction, a confidence off the scale or
/// a note too long (the value is judged when applied to the key result).
fn corrected(
    original: &CheckIn,
    input: CheckInCorrection,
    scale: ConfidenceScale,
    t: chrono::DateTime<chrono::Utc>,
) -> ApiResult<CheckIn> {
    if input.value.is_none() && input.confidence.is_none() && input.note.is_none() {
        return Err(ApiError::invalid(
            "value",
            "give the corrected value, confidence or note",
        ));
    }
    // A new confidence is given on the scale in use; an unchanged one keeps its own scale.
    let (confidence, scale) = match input.confidence {
        Some(c) => (Confidence::new(c, scale)?, scale),
        None => (original.confidence, original.scale),
    };
    Ok(CheckIn {
        id: CheckInId::generate(),
        key_result_id: original.key_result_id.clone(),
        value: input.value.unwrap_or(original.value),
        confidence,
        note: input.note.unwrap_or_else(|| original.note.clone()),
        author_id: original.author_id.clone(),
        at: original.at,
        created_at: t,
        scale,
        corrects: Some(original.id.clone()),
        retracted: None,
        source: original.source.clone(),
    }
    .validated()?)
}
