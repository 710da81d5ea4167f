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
        return Err(ApiError::conflict("cycle_id", not_closed(&cycle)));
    }
    compute(store, caller, cycle).await
}

fn not_closed(cycle: &Cycle) -> String {
    format!(
        "the cycle '{}' is not closed yet: calibration compares confidence with final scores",
        cycle.name
    )
}

/// The report of a closed cycle, permission already checked.
async fn compute(store: &dyn Store, caller: &Caller, cycle: Cycle) -> ApiResult<CalibrationReport> {
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

/// What the by-team report is asked for, as the query string spells it: the closed cycle (the
/// last closed one when absent) and a team.
#[derive(Debug, Clone, Default)]
pub struct TeamCalibrationParams {
    pub cycle_id: Option<String>,
    pub team_id: Option<String>,
}

/// A page of the calibration report by team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamCalibrationReport {
    pub cycle_id: CycleId,
    /// The team it is narrowed to, if any.
    pub team_id: Option<TeamId>,
    /// Teams with a line in the whole report (every page), within the reader's reach.
    pub teams: usize,
    /// Teams by name: each team's key results (or, when a key result names no team, its
    /// objective's), their last confidence before the close against success.
    pub items: Vec<CalibrationLine>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The by-team report, checked and computed whole (every line the reader may see, by name):
/// the page, the API and the CSV cut it.
pub struct TeamCalibration {
    pub cycle: Cycle,
    /// The closed cycles, newest first (for the page's choice).
    pub cycles: Vec<Cycle>,
    pub team: Option<Team>,
    pub lines: Vec<CalibrationLine>,
    /// The people's lines, for the page of a reader who may read them
    /// (`access::read_calibration`; empty for anyone else).
    pub owners: Vec<CalibrationLine>,
}

/// The calibration of each team in a closed cycle, for the same readers as the participation
/// report (`access::read_participation`): administrators, champions, analysts and HR read every
/// team, a team lead the teams they lead and those below them; anyone else is refused (403,
/// before any input is judged). `Ok(None)` when no cycle is closed yet and none was asked for.
pub async fn by_team(
    store: &dyn Store,
    caller: &Caller,
    params: &TeamCalibrationParams,
) -> ApiResult<Option<TeamCalibration>> {
    let reach = super::participation::reach(store, caller).await?;
    let team = match params.team_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => {
            let id = TeamId::from_string(id.to_string());
            let team = store.team(&id).await?.ok_or_else(|| {
                ApiError::invalid("team_id", format!("no team has the id '{id}'"))
            })?;
            if !reach.covers(&team.id) {
                return Err(ApiError::forbidden(format!(
                    "you may not read the calibration of '{}': you lead neither it nor a team above it",
                    team.name
                )));
            }
            Some(team)
        }
    };
    let mut cycles: Vec<Cycle> = super::lists::cycles(store)
        .await?
        .into_iter()
        .filter(|c| c.state == CycleState::Closed)
        .collect();
    cycles.sort_by(|a, b| b.ends_on.cmp(&a.ends_on).then(a.name.cmp(&b.name)));
    let cycle = match params.cycle_id.as_deref().map(str::trim) {
        None | Some("") => match cycles.first() {
            Some(c) => c.clone(),
            None => return Ok(None),
        },
        Some(id) => {
            let cycle = store
                .cycle(&CycleId::from_string(id.to_string()))
                .await?
                .ok_or_else(|| {
                    ApiError::invalid("cycle_id", format!("no cycle has the id '{id}'"))
                })?;
            if cycle.state != CycleState::Closed {
                return Err(ApiError::invalid("cycle_id", not_closed(&cycle)));
            }
            cycle
        }
    };
    let report = compute(store, caller, cycle).await?;
    let mut lines: Vec<CalibrationLine> = report
        .teams
        .into_iter()
        .filter(|l| {
            let id = TeamId::from_string(l.id.clone());
            reach.covers(&id) && team.as_ref().is_none_or(|t| t.id == id)
        })
        .collect();
    lines.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let owners = if access::read_calibration(&caller.person).is_ok() {
        report.owners
    } else {
        vec![]
    };
    Ok(Some(TeamCalibration {
        cycle: report.cycle,
        cycles,
        team,
        lines,
        owners,
    }))
}

/// A page of the lines (by name), the cursor being how many came before: `o:N`.
pub fn team_page(report: TeamCalibration, page: &PageRequest) -> ApiResult<TeamCalibrationReport> {
    let skip = match page.cursor.as_deref() {
        None => 0,
        Some(c) => c
            .strip_prefix("o:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= report.lines.len())
            .ok_or_else(|| {
                ApiError::invalid("cursor", "not a cursor from a previous page of this list")
            })?,
    };
    let teams = report.lines.len();
    let limit = page.limit as usize;
    let items: Vec<CalibrationLine> = report.lines.into_iter().skip(skip).take(limit).collect();
    let next = skip + items.len();
    Ok(TeamCalibrationReport {
        cycle_id: report.cycle.id,
        team_id: report.team.map(|t| t.id),
        teams,
        items,
        next_cursor: (next < teams).then(|| format!("o:{next}")),
    })
}

/// The by-team report's CSV columns.
pub const CSV_HEADER: [&str; 8] = [
    "team",
    "key results",
    "mean confidence",
    "success rate",
    "mean score",
    "brier score",
    "calibration",
    "team id",
];

/// The by-team report's lines as CSV (every line the reader may see; one line per team, so it
/// is written in one piece).
pub fn csv_export(lines: &[CalibrationLine]) -> axum::response::Response {
    let records: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.name.clone(),
                l.key_results.to_string(),
                format!("{:.4}", l.mean_confidence),
                format!("{:.4}", l.success_rate),
                format!("{:.4}", l.mean_score),
                format!("{:.4}", l.brier),
                match l.calibration {
                    Calibration::OverConfident => "over-confident",
                    Calibration::Calibrated => "calibrated",
                    Calibration::UnderConfident => "under-confident",
                }
                .to_string(),
                l.id.clone(),
            ]
        })
        .collect();
    let mut records = Some(records);
    super::csv::stream("calibration-by-team.csv", &CSV_HEADER, move |_| {
        let page = records.take().unwrap_or_default();
        async move { Ok((page, None)) }
    })
}
