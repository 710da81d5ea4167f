//! The calibration report of a closed cycle: how well each person's confidence foretold the
//! outcome, and each team's (the doctrine's "Scoring and retrospective"; the rule is
//! `keel_domain::calibration`). Each person is credited with their own readings (the check-in's
//! author, not whoever owns the key result at the end): their last confidence before the close,
//! as a probability of success, against whether the key result succeeded (committed at 1.0,
//! aspirational at 0.7), scored with the Brier score. For `GET /api/v1/cycles/{id}/calibration`
//! and the report page alike.

use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use keel_domain::calibration::Tally;
use keel_domain::rhythm::{self, Calibration};
use keel_domain::*;
use keel_store::{
    CheckIns, Cycles, KeyResults, ObjectiveFilter, Objectives, PageRequest, People, Rhythm,
    Settings, Store, Teams,
};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// One person's or team's confidence against the outcomes.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalibrationLine {
    /// The person or team.
    pub id: String,
    pub name: String,
    /// Scored key results they gave a confidence on (for a team: its key results).
    pub key_results: usize,
    /// Mean of their last confidence before the close, as a probability of success (0–1).
    pub mean_confidence: f64,
    /// Share of those key results that succeeded (committed: scored 1.0; aspirational: 0.7).
    pub success_rate: f64,
    pub mean_score: f64,
    /// Mean Brier score of their confidence against success: 0 is perfect, 0.25 a coin toss,
    /// 1 the surest wrong forecast. Lower is better.
    pub brier: f64,
    /// mean_confidence − success_rate: positive when over-confident.
    pub gap: f64,
    pub calibration: Calibration,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalibrationReport {
    pub cycle: Cycle,
    /// People, each credited with the readings they gave (check-in authors).
    pub owners: Vec<CalibrationLine>,
    pub teams: Vec<CalibrationLine>,
}

fn lines(acc: HashMap<String, Tally>, names: &HashMap<String, String>) -> Vec<CalibrationLine> {
    let mut out: Vec<CalibrationLine> = acc
        .into_iter()
        .map(|(id, t)| CalibrationLine {
            name: names.get(&id).cloned().unwrap_or_default(),
            id,
            key_results: t.n,
            mean_confidence: t.mean_confidence(),
            success_rate: t.success_rate(),
            mean_score: t.mean_score(),
            brier: t.brier(),
            gap: t.gap(),
            calibration: t.calibration(),
        })
        .collect();
    out.sort_by(|a, b| b.brier.total_cmp(&a.brier).then(a.name.cmp(&b.name)));
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
    let settings = store.settings().await?;
    let scores: HashMap<KeyResultId, f64> = store
        .scores_of(&kr_ids)
        .await?
        .into_iter()
        .map(|s| (s.key_result_id, s.score))
        .collect();
    // Each author's last reading of each key result before the close, oldest first so the
    // last one seen wins; and the key result's last reading of anyone, for its teams.
    let mut by_author: HashMap<(KeyResultId, PersonId), f64> = HashMap::new();
    let mut latest: HashMap<KeyResultId, f64> = HashMap::new();
    let mut check_ins = store.check_ins_of(&kr_ids).await?;
    check_ins.sort_by_key(|c| c.at);
    for c in check_ins {
        if settings.local_date(c.at) > cycle.ends_on {
            continue;
        }
        let p = rhythm::confidence_share(c.scale, c.confidence.value());
        if let Some(author) = c.author_id {
            by_author.insert((c.key_result_id.clone(), author), p);
        }
        latest.insert(c.key_result_id, p);
    }
    let objective_of: HashMap<&ObjectiveId, &Objective> =
        objectives.iter().map(|o| (&o.id, o)).collect();
    let krs_by_id: HashMap<&KeyResultId, &KeyResult> = krs.iter().map(|k| (&k.id, k)).collect();
    let outcome = |kr: &KeyResult| -> Option<(f64, bool)> {
        let score = *scores.get(&kr.id)?;
        let o = objective_of.get(&kr.objective_id)?;
        Some((
            score,
            rhythm::is_success(score, o.kind == ObjectiveKind::Aspirational),
        ))
    };
    let (mut owners, mut teams): (HashMap<String, Tally>, HashMap<String, Tally>) =
        Default::default();
    let mut person_ids = vec![];
    let mut team_ids = vec![];
    for ((kr_id, author), p) in by_author {
        let Some((score, ok)) = krs_by_id.get(&kr_id).and_then(|k| outcome(k)) else {
            continue;
        };
        owners
            .entry(author.to_string())
            .or_default()
            .add(p, score, ok);
        person_ids.push(author);
    }
    for kr in &krs {
        let (Some((score, ok)), Some(p)) = (outcome(kr), latest.get(&kr.id)) else {
            continue;
        };
        let ts = if kr.team_ids.is_empty() {
            objective_of
                .get(&kr.objective_id)
                .map(|o| o.team_ids.as_slice())
                .unwrap_or(&[])
        } else {
            &kr.team_ids
        };
        for t in ts {
            teams.entry(t.to_string()).or_default().add(*p, score, ok);
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
