//! The calibration report of a closed cycle: how well each person's confidence foretold the
//! outcome, and each team's (the doctrine's "Scoring and retrospective"; the rule is
//! `keel_domain::calibration`). Each person is credited with their own readings (the check-in's
//! author, not whoever owns the key result at the end): their last confidence before the close,
//! as a probability of success, against whether the key result succeeded (committed at 1.0,
//! aspirational at 0.7), scored with the Brier score. For `GET /api/v1/cycles/{id}/calibration`
//! and the report page alike.
//!
//! Tallied by the database (`keel_store::CalibrationTallies`: one query per page of lines, the
//! total riding along), so a page of 50 teams or people costs the same at 100,000 people. Once
//! the hourly evaluator has counted a closed cycle (`jobs::stored_figures`), the lines are its
//! stored sums plus the reader's narrower OKRs tallied now, and the report says when they were
//! counted (`counted_at`; once after the close: a closed cycle's OKRs are locked, and
//! re-opening it forgets the sums).

use crate::access::{self, PeopleReach};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use keel_domain::calibration::Tally;
use keel_domain::rhythm::{self, Calibration};
use keel_domain::*;
use keel_store::{
    CalibrationBy, CalibrationQuery, CalibrationSums, CalibrationTallies, Cycles, DynStore,
    PageRequest, Settings, Store, Teams,
};
use serde::Serialize;
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
    /// When the evaluator counted the figures, at its first round after the cycle closed (the
    /// OKRs only the reader may see are tallied at the request); null when everything was
    /// tallied at the request.
    pub counted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The line of one person's or team's sums (the domain's `Tally` reads them).
fn line(s: CalibrationSums) -> CalibrationLine {
    let t = Tally::from_sums(
        usize::try_from(s.key_results).unwrap_or(0),
        s.confidence,
        s.successes,
        s.score,
        s.brier,
    );
    CalibrationLine {
        id: s.id,
        name: s.name,
        key_results: t.n,
        mean_confidence: t.mean_confidence(),
        success_rate: t.success_rate(),
        mean_score: t.mean_score(),
        brier: t.brier(),
        gap: t.gap(),
        calibration: t.calibration(),
    }
}

/// For a closed cycle: each owner's and team's mean confidence along the way against their key
/// results' final scores. Two queries after the checks (every line of each, tallied by the
/// database).
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
    let mut query = tally_query(store, caller, &cycle, CalibrationBy::Person).await?;
    let owners = store.calibration_lines(&query, 0, None).await?;
    query.by = CalibrationBy::Team;
    let teams = store.calibration_lines(&query, 0, None).await?;
    let mut teams: Vec<CalibrationLine> = teams.rows.into_iter().map(line).collect();
    teams.sort_by(|a, b| b.brier.total_cmp(&a.brier).then(a.name.cmp(&b.name)));
    Ok(CalibrationReport {
        cycle,
        owners: owners.rows.into_iter().map(line).collect(),
        teams,
        counted_at: query.counted_at,
    })
}

fn not_closed(cycle: &Cycle) -> String {
    format!(
        "the cycle '{}' is not closed yet: calibration compares confidence with final scores",
        cycle.name
    )
}

/// The store query of a closed cycle's lines, read with the caller's eyes: readings up to the
/// end of the cycle's last day where the organisation is, from the evaluator's sums once it has
/// counted the cycle.
async fn tally_query(
    store: &dyn Store,
    caller: &Caller,
    cycle: &Cycle,
    by: CalibrationBy,
) -> ApiResult<CalibrationQuery> {
    let (settings, counted_at) =
        tokio::try_join!(store.settings(), store.calibration_counted_at(&cycle.id))?;
    Ok(CalibrationQuery {
        reader: keel_store::Reader::of(
            crate::services::visibility::Viewer::of(&caller.person).audience(),
        ),
        cycle_id: cycle.id.clone(),
        until: readings_until(&settings, cycle),
        by,
        team_id: None,
        led_by: None,
        counted_at,
    })
}

/// Readings given up to this moment count: the end of the cycle's last day, where the
/// organisation is.
pub fn readings_until(settings: &OrgSettings, cycle: &Cycle) -> Timestamp {
    rhythm::end_of_day(settings, cycle.ends_on)
}

/// What the by-team report is asked for, as the query string spells it: the closed cycle (the
/// last closed one when absent) and a team.
#[derive(Debug, Clone, Default)]
pub struct TeamCalibrationParams {
    pub cycle_id: Option<String>,
    pub team_id: Option<String>,
}

/// A page of the calibration report by team (or, `by=person`, by person).
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamCalibrationReport {
    pub cycle_id: CycleId,
    /// The team it is narrowed to, if any.
    pub team_id: Option<TeamId>,
    /// Lines in the whole report (every page), within the reader's reach: teams (or people).
    pub teams: usize,
    /// Teams by name: each team's key results (or, when a key result names no team, its
    /// objective's), their last confidence before the close against success. By person: the
    /// readings each person gave, the worst calibrated (highest Brier score) first.
    pub items: Vec<CalibrationLine>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// When the evaluator counted the figures, at its first round after the cycle closed (the
    /// OKRs only the reader may see are tallied at the request); null when everything was
    /// tallied at the request.
    pub counted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The by-team report, checked: the cycle and the store query its pages, CSV and people's
/// section are read with.
pub struct TeamCalibration {
    pub cycle: Cycle,
    /// The closed cycles, newest first (for the page's choice).
    pub cycles: Vec<Cycle>,
    pub team: Option<Team>,
    /// The teams' lines, within the reader's reach.
    pub query: CalibrationQuery,
    /// Whether the reader may read people's lines (`access::read_calibration`).
    pub reads_people: bool,
}

impl TeamCalibration {
    /// The query of the people's lines (whatever the team asked for: a person's readings are
    /// theirs, not a team's), for a reader who `reads_people`.
    pub fn people_query(&self) -> CalibrationQuery {
        CalibrationQuery {
            by: CalibrationBy::Person,
            team_id: None,
            led_by: None,
            ..self.query.clone()
        }
    }
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
    let mut query = tally_query(store, caller, &cycle, CalibrationBy::Team).await?;
    query.team_id = team.as_ref().map(|t| t.id.clone());
    if let PeopleReach::LedTeams(_) = reach {
        query.led_by = Some(caller.person.id.clone());
    }
    Ok(Some(TeamCalibration {
        cycle,
        cycles,
        team,
        query,
        reads_people: access::read_calibration(&caller.person).is_ok(),
    }))
}

/// Where a page starts, from its cursor (`o:N`, how many lines came before).
pub fn offset_of(page: &PageRequest) -> ApiResult<u64> {
    match page.cursor.as_deref() {
        None => Ok(0),
        Some(c) => c
            .strip_prefix("o:")
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| {
                ApiError::invalid("cursor", "not a cursor from a previous page of this list")
            }),
    }
}

/// A page of the lines of `query` (one query), with how many there are in all.
pub async fn lines_page(
    store: &dyn Store,
    query: &CalibrationQuery,
    page: &PageRequest,
) -> ApiResult<(Vec<CalibrationLine>, usize, Option<String>)> {
    let skip = offset_of(page)?;
    let found = store
        .calibration_lines(query, skip, Some(page.limit))
        .await?;
    let total = usize::try_from(found.total).unwrap_or(0);
    let items: Vec<CalibrationLine> = found.rows.into_iter().map(line).collect();
    let next = skip + items.len() as u64;
    let more = !items.is_empty() && next < found.total as u64;
    Ok((items, total, more.then(|| format!("o:{next}"))))
}

/// A page of the report's lines: the teams', or the people's for `people`.
pub async fn team_page(
    store: &dyn Store,
    report: &TeamCalibration,
    people: bool,
    page: &PageRequest,
) -> ApiResult<TeamCalibrationReport> {
    let query = if people {
        report.people_query()
    } else {
        report.query.clone()
    };
    let (items, teams, next_cursor) = lines_page(store, &query, page).await?;
    Ok(TeamCalibrationReport {
        cycle_id: report.cycle.id.clone(),
        team_id: report.team.as_ref().map(|t| t.id.clone()),
        teams,
        items,
        next_cursor,
        counted_at: report.query.counted_at,
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

/// One line as a CSV record (fields unquoted; `read::csv` quotes and defuses them).
fn csv_record(l: &CalibrationLine) -> Vec<String> {
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
}

/// Every line of `query` as CSV, streamed 500 lines at a time (one query a page); `None`
/// writes only the header (no cycle is closed yet: nothing is scored).
pub fn csv_export(store: DynStore, query: Option<CalibrationQuery>) -> axum::response::Response {
    let query = query.map(std::sync::Arc::new);
    super::csv::stream("calibration-by-team.csv", &CSV_HEADER, move |cursor| {
        let (store, query) = (store.clone(), query.clone());
        async move {
            let Some(query) = query else {
                return Ok((vec![], None));
            };
            let page = PageRequest { limit: 500, cursor };
            let (items, _, next) = lines_page(store.as_ref(), &query, &page).await?;
            Ok::<_, ApiError>((items.iter().map(csv_record).collect(), next))
        }
    })
}
