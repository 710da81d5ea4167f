//! The calibration report of a closed cycle: each owner's and team's confidence along the way
//! against the final scores, over- or under-confident (the doctrine's "Scoring and
//! retrospective"). For `GET /api/v1/cycles/{id}/calibration` and the report page alike.

use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use keel_domain::rhythm::{self, Calibration};
use keel_domain::*;
use keel_store::{
    CheckIns, Cycles, KeyResults, ObjectiveFilter, Objectives, PageRequest, People, Rhythm,
    Settings, Store, Teams,
};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// One owner's or team's confidence along the way against the final scores.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalibrationLine {
    /// The person or team.
    pub id: String,
    pub name: String,
    /// Scored key results with at least one check-in.
    pub key_results: usize,
    /// Mean confidence along the way, as a share of the scale (0–1).
    pub mean_confidence: f64,
    pub mean_score: f64,
    /// mean_confidence − mean_score: positive when over-confident.
    pub gap: f64,
    pub calibration: Calibration,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalibrationReport {
    pub cycle: Cycle,
    pub owners: Vec<CalibrationLine>,
    pub teams: Vec<CalibrationLine>,
}

#[derive(Default)]
struct Acc {
    n: usize,
    confidence: f64,
    score: f64,
}

fn lines(acc: HashMap<String, Acc>, names: &HashMap<String, String>) -> Vec<CalibrationLine> {
    let mut out: Vec<CalibrationLine> = acc
        .into_iter()
        .map(|(id, a)| {
            let (c, s) = (a.confidence / a.n as f64, a.score / a.n as f64);
            CalibrationLine {
                name: names.get(&id).cloned().unwrap_or_default(),
                id,
                key_results: a.n,
                mean_confidence: c,
                mean_score: s,
                gap: c - s,
                calibration: rhythm::calibration(c, s),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.gap
            .abs()
            .total_cmp(&a.gap.abs())
            .then(a.name.cmp(&b.name))
    });
    out
}

/// For a closed cycle: each owner's and team's mean confidence along the way against their key
/// results' final scores. A constant number of queries (plus one per 500 objectives).
///
/// Visibility: the aggregates are computed only from the OKRs the reader may see, so a private
/// OKR never moves an owner's or a team's line for someone who may not read it (administrators
/// see every OKR, so their report is the whole organisation's; a champion's or an analyst's
/// leaves out private OKRs they take no part in; HR's covers what HR may read).
pub async fn calibration(
    store: &dyn Store,
    caller: &Caller,
    id: &CycleId,
) -> ApiResult<CalibrationReport> {
    access::read_calibration(&caller.person)?;
    let cycle = store.cycle(id).await?.ok_or(ApiError::NotFound("cycle"))?;
    if cycle.state != CycleState::Closed {
        return Err(ApiError::conflict(
            "cycle_id",
            format!(
                "the cycle '{}' is not closed yet: calibration compares confidence with final scores",
                cycle.name
            ),
        ));
    }
    let mut objectives = vec![];
    let mut page = PageRequest {
        limit: 500,
        cursor: None,
    };
    loop {
        let filter = ObjectiveFilter {
            cycle_id: Some(cycle.id.clone()),
            ..ObjectiveFilter::new(keel_store::Reader::of(
                crate::services::visibility::Viewer::of(&caller.person).audience(),
            ))
        };
        let p = store.list_objectives(&filter, &page).await?;
        objectives.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    let o_ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
    let krs = if o_ids.is_empty() {
        vec![]
    } else {
        store.key_results_of(&o_ids).await?
    };
    let kr_ids: Vec<KeyResultId> = krs.iter().map(|k| k.id.clone()).collect();
    let scale = store.settings().await?.confidence_scale;
    let scores: HashMap<KeyResultId, f64> = store
        .scores_of(&kr_ids)
        .await?
        .into_iter()
        .map(|s| (s.key_result_id, s.score))
        .collect();
    let mut confidences: HashMap<KeyResultId, Vec<f64>> = HashMap::new();
    for c in store.check_ins_of(&kr_ids).await? {
        confidences
            .entry(c.key_result_id)
            .or_default()
            .push(rhythm::confidence_share(scale, c.confidence.value()));
    }
    let team_of: HashMap<&ObjectiveId, &Vec<TeamId>> =
        objectives.iter().map(|o| (&o.id, &o.team_ids)).collect();
    let (mut owners, mut teams): (HashMap<String, Acc>, HashMap<String, Acc>) = Default::default();
    let mut person_ids = vec![];
    let mut team_ids = vec![];
    for kr in &krs {
        let (Some(score), Some(cs)) = (scores.get(&kr.id), confidences.get(&kr.id)) else {
            continue;
        };
        let mean = cs.iter().sum::<f64>() / cs.len() as f64;
        let a = owners.entry(kr.owner_id.to_string()).or_default();
        a.n += 1;
        a.confidence += mean;
        a.score += score;
        person_ids.push(kr.owner_id.clone());
        let ts = if kr.team_ids.is_empty() {
            team_of
                .get(&kr.objective_id)
                .map(|t| t.as_slice())
                .unwrap_or(&[])
        } else {
            &kr.team_ids
        };
        for t in ts {
            let a = teams.entry(t.to_string()).or_default();
            a.n += 1;
            a.confidence += mean;
            a.score += score;
            team_ids.push(t.clone());
        }
    }
    person_ids.sort();
    person_ids.dedup();
    team_ids.sort();
    team_ids.dedup();
    let mut names: HashMap<String, String> = HashMap::new();
    for p in store.people_by_ids(&person_ids).await? {
        names.insert(p.id.to_string(), p.name);
    }
    for t in store.teams_by_ids(&team_ids).await? {
        names.insert(t.id.to_string(), t.name);
    }
    Ok(CalibrationReport {
        cycle,
        owners: lines(owners, &names),
        teams: lines(teams, &names),
    })
}
