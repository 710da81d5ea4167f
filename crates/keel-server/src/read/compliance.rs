//! Check-in compliance by team over weeks, for HR, team leads and analysts (the doctrine's "The
//! weekly rhythm"): for each team, each check-in week of a cycle, how many of its key results
//! owed their owner's check-in and how many got it. One read model for
//! `GET /api/v1/reports/compliance`, its CSV, the page `/reports/compliance` and the team
//! dashboard's check-in figure, so they can never disagree.
//!
//! Why not counted in SQL: whether a check-in was due is the rhythm's rule
//! (`keel_domain::rhythm::week_check_in`, built on `due_on`), which honours each key result's
//! team cadence (a fortnightly key result owes one check-in every other week), the day it became
//! active and when it closed. So the report reads the scope's key results and their check-in
//! history in a constant number of queries and applies the rule in memory.
//!
//! Whose key results: those the reader may see (a private OKR never counts for someone outside
//! it), in the cycle; a key result counts for the teams it is shared with (else its
//! objective's). Who may read it is `access::read_participation`'s rule: administrators,
//! champions, analysts and HR read every team, a team lead the teams they lead and those below.

use super::lists::{cycles, pick_cycle};
use crate::access::PeopleReach;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::rhythm::Assessor;
use crate::services::visibility::Viewer;
use keel_domain::rhythm::{self, WeekCheckIn};
use keel_domain::*;
use keel_store::{
    DashboardScope, Dashboards, KeyResults, Objectives, PageRequest, Reader, Rhythm, Settings,
    Store, Teams,
};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// The most weeks one report shows.
pub const MAX_WEEKS: u32 = 52;

/// The weeks shown when none are asked for: a quarter.
pub const DEFAULT_WEEKS: u32 = 13;

/// What the report is asked for, as the query string spells it.
#[derive(Debug, Clone, Default)]
pub struct ComplianceParams {
    /// The cycle (the current one when absent).
    pub cycle_id: Option<String>,
    /// A team or department: it and the teams below it.
    pub team_id: Option<String>,
    /// How many weeks, ending with the cycle's last week so far (1–52).
    pub weeks: Option<String>,
}

/// One week's check-ins: how many were due, how many were done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ToSchema)]
pub struct WeekFigure {
    /// The week's first day (the organisation's check-in day).
    pub starts_on: chrono::NaiveDate,
    /// Key results that owed their owner's check-in that week.
    pub due: u64,
    /// Of those, the ones whose owner checked in that week.
    pub done: u64,
}

impl WeekFigure {
    fn add(&mut self, owed: WeekCheckIn) {
        match owed {
            WeekCheckIn::NotDue => {}
            WeekCheckIn::Done => {
                self.due += 1;
                self.done += 1;
            }
            WeekCheckIn::Missed => self.due += 1,
        }
    }
}

/// One team's line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamCompliance {
    pub team_id: TeamId,
    pub name: String,
    /// Its department (the team at the top of its branch; itself for a department).
    pub department_id: TeamId,
    pub department: String,
    /// Each week shown, oldest first.
    pub weeks: Vec<WeekFigure>,
    /// Over the weeks shown.
    pub due: u64,
    pub done: u64,
}

/// The figures over every team of the report (every page): the sums of the teams' lines (a key
/// result shared with two teams counts in each).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplianceTotals {
    pub teams: u64,
    pub weeks: Vec<WeekFigure>,
    pub due: u64,
    pub done: u64,
}

/// A page of the compliance report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceReport {
    pub cycle_id: CycleId,
    /// The team it is narrowed to (with the teams below it), if any.
    pub team_id: Option<TeamId>,
    /// The first day of each week shown, oldest first.
    pub weeks: Vec<chrono::NaiveDate>,
    pub totals: ComplianceTotals,
    /// Teams by department, then name.
    pub items: Vec<TeamCompliance>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The report computed whole (every team the reader may read): the page, the API and the CSV
/// cut it.
pub struct Compliance {
    pub cycle: Cycle,
    pub cycles: Vec<Cycle>,
    pub team: Option<Team>,
    pub weeks: Vec<chrono::NaiveDate>,
    pub lines: Vec<TeamCompliance>,
    pub totals: ComplianceTotals,
}

fn parse_weeks(weeks: Option<&str>) -> ApiResult<u32> {
    match weeks.map(str::trim).filter(|w| !w.is_empty()) {
        None => Ok(DEFAULT_WEEKS),
        Some(w) => w
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_WEEKS).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    "weeks",
                    format!("must be a whole number of weeks from 1 to {MAX_WEEKS}"),
                )
            }),
    }
}

/// The check-in weeks of `cycle` up to `today`, the last `wanted` of them, oldest first (none
/// before the cycle starts).
pub fn cycle_weeks(
    cycle: &Cycle,
    today: chrono::NaiveDate,
    wanted: u32,
    check_in_day: chrono::Weekday,
) -> Vec<chrono::NaiveDate> {
    let last_day = today.min(cycle.ends_on);
    if last_day < cycle.starts_on {
        return vec![];
    }
    let first = rhythm::check_in_weeks(cycle.starts_on, 1, check_in_day)[0];
    let last = rhythm::check_in_weeks(last_day, 1, check_in_day)[0];
    let available = ((last - first).num_days() / 7 + 1) as u32;
    rhythm::check_in_weeks(last_day, wanted.min(available), check_in_day)
}

/// The key results of a scope and what each owed each week: a constant number of queries
/// (the scope's key results, their objectives, the rhythm's facts, when they closed).
pub struct Owed {
    /// Each key result, its objective's teams or its own, and what it owed each week.
    pub key_results: Vec<(KeyResult, Vec<TeamId>, Vec<WeekCheckIn>)>,
}

/// What each key result of `scope` owed in each of `weeks`.
pub async fn owed(
    store: &dyn Store,
    scope: &DashboardScope,
    weeks: &[chrono::NaiveDate],
) -> ApiResult<Owed> {
    let pairs = store.scope_key_results(scope).await?;
    if pairs.is_empty() || weeks.is_empty() {
        return Ok(Owed {
            key_results: vec![],
        });
    }
    let kr_ids: Vec<KeyResultId> = pairs.iter().map(|(k, _)| k.clone()).collect();
    let mut o_ids: Vec<ObjectiveId> = pairs.into_iter().map(|(_, o)| o).collect();
    o_ids.sort();
    o_ids.dedup();
    let (objectives, key_results, closed) = tokio::try_join!(
        store.objectives_by_ids(&o_ids),
        store.key_results_by_ids(&kr_ids),
        store.closed_since(&o_ids),
    )?;
    let assessor = Assessor::load(store, &objectives, &key_results).await?;
    let closed: HashMap<ObjectiveId, chrono::DateTime<chrono::Utc>> = closed.into_iter().collect();
    let by_id: HashMap<&ObjectiveId, &Objective> = objectives.iter().map(|o| (&o.id, o)).collect();
    let key_results = key_results
        .into_iter()
        .filter_map(|kr| {
            let o = by_id.get(&kr.objective_id)?;
            let owed = assessor.week_check_ins(&kr, o, closed.get(&o.id).copied(), weeks);
            let teams = if kr.team_ids.is_empty() {
                o.team_ids.clone()
            } else {
                kr.team_ids.clone()
            };
            Some((kr, teams, owed))
        })
        .collect();
    Ok(Owed { key_results })
}

/// Each week's figure over every key result of `owed`, each counted once (a team dashboard).
pub fn weekly(owed: &Owed, weeks: &[chrono::NaiveDate]) -> Vec<WeekFigure> {
    let mut out: Vec<WeekFigure> = weeks
        .iter()
        .map(|w| WeekFigure {
            starts_on: *w,
            ..WeekFigure::default()
        })
        .collect();
    for (_, _, owed) in &owed.key_results {
        for (f, o) in out.iter_mut().zip(owed) {
            f.add(*o);
        }
    }
    out
}

/// The team asked for: 422 naming `team_id` when unknown, 403 when beyond the reader's reach.
async fn asked_team(
    store: &dyn Store,
    reach: &PeopleReach,
    team_id: Option<&str>,
) -> ApiResult<Option<Team>> {
    let Some(id) = team_id.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let id = TeamId::from_string(id.to_string());
    let team = store
        .team(&id)
        .await?
        .ok_or_else(|| ApiError::invalid("team_id", format!("no team has the id '{id}'")))?;
    if !reach.covers(&team.id) {
        return Err(ApiError::forbidden(format!(
            "you may not read the check-in compliance of '{}': you lead neither it nor a team above it",
            team.name
        )));
    }
    Ok(Some(team))
}

/// The whole report for `caller` (403 before any input is judged for a reader it is not for;
/// 422 naming `cycle_id`, `team_id` or `weeks`): `Ok(None)` when there is no cycle yet.
pub async fn compute(
    store: &dyn Store,
    caller: &Caller,
    params: &ComplianceParams,
) -> ApiResult<Option<Compliance>> {
    let reach = super::participation::reach(store, caller).await?;
    let wanted = parse_weeks(params.weeks.as_deref())?;
    let team = asked_team(store, &reach, params.team_id.as_deref()).await?;
    let all = cycles(store).await?;
    let settings = store.settings().await?;
    let today = settings.local_date(crate::services::now());
    let Some(cycle) = pick_cycle(&all, params.cycle_id.as_deref(), today)? else {
        return Ok(None);
    };
    let weeks = cycle_weeks(&cycle, today, wanted, settings.check_in_weekday.to_chrono());
    let scope = DashboardScope {
        reader: Reader::of(Viewer::of(&caller.person).audience()),
        cycle_id: cycle.id.clone(),
        team_id: team.as_ref().map(|t| t.id.clone()),
        live_only: false,
    };
    let owed = owed(store, &scope, &weeks).await?;
    let lines = by_team(store, &reach, team.as_ref(), &owed, &weeks).await?;
    let totals = totals(&lines, &weeks);
    Ok(Some(Compliance {
        cycle,
        cycles: all,
        team,
        weeks,
        lines,
        totals,
    }))
}

/// Each team's line (those within reach and, when a team is asked for, in its branch), by
/// department then name: one query (the teams above them, named).
async fn by_team(
    store: &dyn Store,
    reach: &PeopleReach,
    asked: Option<&Team>,
    owed: &Owed,
    weeks: &[chrono::NaiveDate],
) -> ApiResult<Vec<TeamCompliance>> {
    let mut per_team: HashMap<&TeamId, Vec<WeekFigure>> = HashMap::new();
    for (_, teams, owed) in &owed.key_results {
        for t in teams {
            let line = per_team.entry(t).or_insert_with(|| {
                weeks
                    .iter()
                    .map(|w| WeekFigure {
                        starts_on: *w,
                        ..WeekFigure::default()
                    })
                    .collect()
            });
            for (f, o) in line.iter_mut().zip(owed) {
                f.add(*o);
            }
        }
    }
    let ids: Vec<TeamId> = per_team.keys().map(|t| (*t).clone()).collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut above: HashMap<TeamId, Vec<TeamId>> = HashMap::new();
    let mut names: HashMap<TeamId, String> = HashMap::new();
    for (t, a, name) in store.team_ancestors(&ids).await? {
        above.entry(t).or_default().push(a.clone());
        names.insert(a, name);
    }
    let name = |t: &TeamId| names.get(t).cloned().unwrap_or_default();
    let mut lines: Vec<TeamCompliance> = per_team
        .into_iter()
        .filter(|(t, _)| reach.covers(t))
        .filter_map(|(t, weeks)| {
            let up = above.get(t)?;
            if asked.is_some_and(|a| !up.contains(&a.id)) {
                return None;
            }
            let department_id = up.last()?.clone();
            Some(TeamCompliance {
                team_id: t.clone(),
                name: name(t),
                department: name(&department_id),
                department_id,
                due: weeks.iter().map(|w| w.due).sum(),
                done: weeks.iter().map(|w| w.done).sum(),
                weeks,
            })
        })
        .collect();
    lines.sort_by(|a, b| {
        let key = |l: &TeamCompliance| {
            (
                l.department.to_lowercase(),
                l.department_id.clone(),
                l.team_id != l.department_id,
                l.name.to_lowercase(),
            )
        };
        key(a).cmp(&key(b)).then(a.team_id.cmp(&b.team_id))
    });
    Ok(lines)
}

/// The sums over every line.
fn totals(lines: &[TeamCompliance], weeks: &[chrono::NaiveDate]) -> ComplianceTotals {
    let mut sums: Vec<WeekFigure> = weeks
        .iter()
        .map(|w| WeekFigure {
            starts_on: *w,
            ..WeekFigure::default()
        })
        .collect();
    for l in lines {
        for (s, w) in sums.iter_mut().zip(&l.weeks) {
            s.due += w.due;
            s.done += w.done;
        }
    }
    ComplianceTotals {
        teams: lines.len() as u64,
        due: sums.iter().map(|w| w.due).sum(),
        done: sums.iter().map(|w| w.done).sum(),
        weeks: sums,
    }
}

/// A page of the lines, the cursor being how many came before: `o:N`.
pub fn page(report: Compliance, page: &PageRequest) -> ApiResult<ComplianceReport> {
    let skip = match page.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c
            .strip_prefix("o:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= report.lines.len())
            .ok_or_else(|| {
                ApiError::invalid("cursor", "not a cursor from a previous page of this list")
            })?,
    };
    let total = report.lines.len();
    let items: Vec<TeamCompliance> = report
        .lines
        .into_iter()
        .skip(skip)
        .take(page.limit as usize)
        .collect();
    let next = skip + items.len();
    Ok(ComplianceReport {
        cycle_id: report.cycle.id,
        team_id: report.team.map(|t| t.id),
        weeks: report.weeks,
        totals: report.totals,
        items,
        next_cursor: (next < total).then(|| format!("o:{next}")),
    })
}

/// A share of check-ins done, in whole percent (none when nothing was due).
pub fn percent(f: &WeekFigure) -> Option<u64> {
    (f.due > 0).then(|| (f.done * 100 + f.due / 2) / f.due)
}

/// The report's CSV columns: one record per team and week.
pub const CSV_HEADER: [&str; 8] = [
    "department",
    "team",
    "week starting",
    "check-ins due",
    "check-ins done",
    "percent done",
    "team id",
    "department id",
];

/// Every line as CSV, a record per team and week (formula-safe through `read::csv`).
pub fn csv_export(lines: &[TeamCompliance]) -> axum::response::Response {
    let records: Vec<Vec<String>> = lines
        .iter()
        .flat_map(|l| {
            l.weeks.iter().map(move |w| {
                vec![
                    l.department.clone(),
                    l.name.clone(),
                    w.starts_on.to_string(),
                    w.due.to_string(),
                    w.done.to_string(),
                    percent(w).map(|p| p.to_string()).unwrap_or_default(),
                    l.team_id.to_string(),
                    l.department_id.to_string(),
                ]
            })
        })
        .collect();
    let mut records = Some(records);
    super::csv::stream("check-in-compliance.csv", &CSV_HEADER, move |_| {
        let page = records.take().unwrap_or_default();
        async move { Ok((page, None)) }
    })
}
