//! Check-in compliance by team over weeks, for HR, team leads and analysts (the doctrine's "The
//! weekly rhythm"): for each team, each check-in week of a cycle, how many of its key results
//! owed their owner's check-in and how many got it. One read model for
//! `GET /api/v1/reports/compliance`, its CSV, the page `/reports/compliance` and the team
//! dashboard's check-in figure, so they can never disagree.
//!
//! Why not counted in SQL: whether a check-in was due is the rhythm's rule
//! (`keel_domain::rhythm::week_check_in`, built on `due_on`), which honours each key result's
//! team cadence (a fortnightly key result owes one check-in every other week), the day it became
//! active and when it closed. The hourly evaluator applies it a batch of key results at a time
//! and stores each team's weeks per visibility (`keel_store::ComplianceFigures`); the report
//! reads those rows for the visibilities its reader sees wholesale and applies the rule now only
//! to the non-public OKRs the reader is in (a few: `DashboardScope::live_only`), so at 100,000
//! people it reads the rows of a page of teams, not every key result with its check-ins: the
//! database orders the teams and pages them, and the totals are the stored sums of the highest
//! teams in reach (each team's subtree), not the sum of every team's line on each request. The
//! weeks are those up to the day of the count, and the report says when it was. A cycle not
//! counted yet is counted whole, now.
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
    stored_visibilities, ComplianceFigures, ComplianceRound, ComplianceTeams, DashboardScope,
    Dashboards, KeyResults, Objectives, PageRequest, Reader, Rhythm, Settings, Store, Teams,
    WeekCount,
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
    /// When the hourly evaluator counted the figures (the weeks are those up to that day; the
    /// team and private OKRs only the reader may see are counted at the request); null when
    /// the cycle was not counted yet and everything was counted at the request.
    pub counted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The report as asked for: a page of its lines (or every line, for the CSV) with the totals
/// over every team the reader may read.
pub struct Compliance {
    pub cycle: Cycle,
    pub cycles: Vec<Cycle>,
    pub team: Option<Team>,
    pub weeks: Vec<chrono::NaiveDate>,
    /// The lines asked for, in the report's order.
    pub lines: Vec<TeamCompliance>,
    pub totals: ComplianceTotals,
    /// The cursor of the page after these lines (`None`: the last, or every line).
    pub next_cursor: Option<String>,
    /// When the evaluator counted the figures read (`None`: all counted now).
    pub counted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Which lines of the report to read.
#[derive(Debug, Clone, Copy)]
pub enum Cut<'a> {
    /// A page (the cursor being how many lines came before: `o:N`).
    Page(&'a PageRequest),
    /// Every line (the CSV).
    Whole,
}

impl Cut<'_> {
    /// How many lines come before the cut, and how many it takes (all when `None`).
    fn bounds(self) -> ApiResult<(u64, Option<u32>)> {
        match self {
            Cut::Whole => Ok((0, None)),
            Cut::Page(page) => {
                let skip = match page.cursor.as_deref().filter(|c| !c.is_empty()) {
                    None => 0,
                    Some(c) => c
                        .strip_prefix("o:")
                        .and_then(|n| n.parse::<u64>().ok())
                        .ok_or_else(bad_cursor)?,
                };
                Ok((skip, Some(page.limit)))
            }
        }
    }
}

fn bad_cursor() -> ApiError {
    ApiError::invalid("cursor", "not a cursor from a previous page of this list")
}

/// The cursor of the page after `shown` lines from `skip`, of `total`.
fn next_cursor(skip: u64, shown: usize, total: u64, cut: Cut) -> Option<String> {
    let next = skip + shown as u64;
    (matches!(cut, Cut::Page(_)) && next < total).then(|| format!("o:{next}"))
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

/// The report for `caller`, the lines `cut` asks for (403 before any input is judged for a
/// reader it is not for; 422 naming `cycle_id`, `team_id`, `weeks` or `cursor`): `Ok(None)`
/// when there is no cycle yet.
///
/// Once the evaluator has counted the cycle, a constant number of queries whatever the number
/// of teams: the page's teams in the report's order and how many there are (one query, the
/// teams of the reader's narrower OKRs counted now among them), their stored lines, and the
/// totals from the stored sums of the highest teams in reach (`ComplianceKind::Subtree`).
pub async fn compute(
    store: &dyn Store,
    caller: &Caller,
    params: &ComplianceParams,
    cut: Cut<'_>,
) -> ApiResult<Option<Compliance>> {
    let reach = super::participation::reach(store, caller).await?;
    let wanted = parse_weeks(params.weeks.as_deref())?;
    let (skip, limit) = cut.bounds()?;
    let team = asked_team(store, &reach, params.team_id.as_deref()).await?;
    let all = cycles(store).await?;
    let settings = store.settings().await?;
    let today = settings.local_date(crate::services::now());
    let Some(cycle) = pick_cycle(&all, params.cycle_id.as_deref(), today)? else {
        return Ok(None);
    };
    let round = store.compliance_round(&cycle.id).await?;
    let as_of = round
        .as_ref()
        .map_or(today, |r| settings.local_date(r.counted_at));
    let weeks = cycle_weeks(&cycle, as_of, wanted, settings.check_in_weekday.to_chrono());
    let scope = DashboardScope {
        reader: Reader::of(Viewer::of(&caller.person).audience()),
        cycle_id: cycle.id.clone(),
        team_id: team.as_ref().map(|t| t.id.clone()),
        live_only: round.is_some(),
    };
    let live = if round.is_none() || scope.reader != Reader::Everyone {
        let owed = owed(store, &scope, &weeks).await?;
        by_team(store, &reach, team.as_ref(), &owed, &weeks).await?
    } else {
        vec![]
    };
    let (lines, totals, next) = match &round {
        // Not counted yet: every line counted now, cut here.
        None => {
            let total = live.len() as u64;
            if skip > total {
                return Err(bad_cursor());
            }
            let totals = totals(&live, &weeks);
            let lines: Vec<TeamCompliance> = live
                .into_iter()
                .skip(skip as usize)
                .take(limit.map_or(usize::MAX, |l| l as usize))
                .collect();
            let next = next_cursor(skip, lines.len(), total, cut);
            (lines, totals, next)
        }
        Some(r) => {
            let teams = ComplianceTeams {
                under: team.as_ref().map(|t| &t.id),
                led_by: match &reach {
                    PeopleReach::LedTeams(_) => Some(&caller.person.id),
                    PeopleReach::Organisation => None,
                },
            };
            stored_page(store, r, &scope, teams, live, &weeks, (skip, limit), cut).await?
        }
    };
    Ok(Some(Compliance {
        cycle,
        cycles: all,
        team,
        weeks,
        lines,
        totals,
        next_cursor: next,
        counted_at: round.map(|r| r.counted_at),
    }))
}

/// Weeks with nothing counted yet.
fn empty_weeks(weeks: &[chrono::NaiveDate]) -> Vec<WeekFigure> {
    weeks
        .iter()
        .map(|w| WeekFigure {
            starts_on: *w,
            ..WeekFigure::default()
        })
        .collect()
}

/// The stored `weeks` counts as the `weeks` asked for.
fn shown_weeks(
    round: &ComplianceRound,
    stored: &[WeekCount],
    weeks: &[chrono::NaiveDate],
) -> Vec<WeekFigure> {
    let mut out = empty_weeks(weeks);
    for (f, w) in out.iter_mut().zip(weeks) {
        if let Some((due, done)) = round.week_index(*w).and_then(|i| stored.get(i)) {
            f.due += due;
            f.done += done;
        }
    }
    out
}

/// The lines of a counted cycle `cut` asks for, from the evaluator's lines of `round` for the
/// visibilities the scope's reader sees wholesale, within `teams`, and the `live` lines (the
/// reader's narrower OKRs, counted now), with the totals over every line: three queries (a page
/// reads its teams' lines alone).
#[allow(clippy::too_many_arguments)]
async fn stored_page(
    store: &dyn Store,
    round: &ComplianceRound,
    scope: &DashboardScope,
    teams: ComplianceTeams<'_>,
    live: Vec<TeamCompliance>,
    weeks: &[chrono::NaiveDate],
    (skip, limit): (u64, Option<u32>),
    cut: Cut<'_>,
) -> ApiResult<(Vec<TeamCompliance>, ComplianceTotals, Option<String>)> {
    let visibilities = stored_visibilities(&scope.reader);
    let extra: Vec<(TeamId, TeamId)> = live
        .iter()
        .map(|l| (l.team_id.clone(), l.department_id.clone()))
        .collect();
    let (order, subtrees) = tokio::try_join!(
        store.compliance_order(&round.cycle_id, visibilities, teams, &extra, skip, limit),
        store.compliance_subtrees(&round.cycle_id, visibilities, teams),
    )?;
    if skip > order.total {
        return Err(bad_cursor());
    }
    // A page's teams by id; every line (the CSV) by the one condition (the lines of teams out
    // of reach are not in the order, so not read out).
    let rows = match limit {
        Some(_) => {
            store
                .compliance_lines_of(&round.cycle_id, visibilities, &order.team_ids)
                .await?
        }
        None => {
            store
                .compliance_lines(&round.cycle_id, visibilities, teams.under)
                .await?
        }
    };
    // The totals: the stored sums and the live lines'.
    let mut sums = shown_weeks(round, &subtrees, weeks);
    for l in &live {
        for (s, w) in sums.iter_mut().zip(&l.weeks) {
            s.due += w.due;
            s.done += w.done;
        }
    }
    let totals = ComplianceTotals {
        teams: order.total,
        due: sums.iter().map(|w| w.due).sum(),
        done: sums.iter().map(|w| w.done).sum(),
        weeks: sums,
    };
    let mut lines: HashMap<TeamId, TeamCompliance> = HashMap::new();
    for r in rows {
        let line = lines
            .entry(r.team_id.clone())
            .or_insert_with(|| TeamCompliance {
                team_id: r.team_id.clone(),
                name: r.name.clone(),
                department_id: r.department_id.clone(),
                department: r.department.clone(),
                weeks: empty_weeks(weeks),
                due: 0,
                done: 0,
            });
        for (f, w) in line
            .weeks
            .iter_mut()
            .zip(shown_weeks(round, &r.weeks, weeks))
        {
            f.due += w.due;
            f.done += w.done;
        }
    }
    for l in live {
        match lines.get_mut(&l.team_id) {
            Some(line) => {
                for (a, b) in line.weeks.iter_mut().zip(&l.weeks) {
                    a.due += b.due;
                    a.done += b.done;
                }
            }
            None => {
                lines.insert(l.team_id.clone(), l);
            }
        }
    }
    let page: Vec<TeamCompliance> = order
        .team_ids
        .iter()
        .filter_map(|t| lines.remove(t))
        .map(|mut l| {
            l.due = l.weeks.iter().map(|w| w.due).sum();
            l.done = l.weeks.iter().map(|w| w.done).sum();
            l
        })
        .collect();
    let next = next_cursor(skip, order.team_ids.len(), order.total, cut);
    Ok((page, totals, next))
}

/// By department, then the department's own line, then name.
fn sort_lines(lines: &mut [TeamCompliance]) {
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
}

/// The team dashboard's check-ins week by week: each key result of the scope's team and the
/// teams below it counted once. From the evaluator's branch row (the visibilities the reader
/// sees wholesale) and the reader's narrower OKRs counted now when the cycle was counted
/// (`round`); all counted now before. The weeks are the last `wanted` up to the count's day.
pub async fn branch_weekly(
    store: &dyn Store,
    scope: &DashboardScope,
    cycle: &Cycle,
    wanted: u32,
) -> ApiResult<Vec<WeekFigure>> {
    let settings = store.settings().await?;
    let round = store.compliance_round(&cycle.id).await?;
    let as_of = settings.local_date(
        round
            .as_ref()
            .map_or(crate::services::now(), |r| r.counted_at),
    );
    let weeks = cycle_weeks(cycle, as_of, wanted, settings.check_in_weekday.to_chrono());
    let (Some(round), Some(team)) = (&round, &scope.team_id) else {
        let owed = owed(store, scope, &weeks).await?;
        return Ok(weekly(&owed, &weeks));
    };
    let stored = store
        .compliance_branch(&cycle.id, team, stored_visibilities(&scope.reader))
        .await?;
    let mut out = shown_weeks(round, &stored, &weeks);
    if scope.reader != Reader::Everyone {
        let live = DashboardScope {
            live_only: true,
            ..scope.clone()
        };
        let owed = owed(store, &live, &weeks).await?;
        for (f, l) in out.iter_mut().zip(weekly(&owed, &weeks)) {
            f.due += l.due;
            f.done += l.done;
        }
    }
    Ok(out)
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
    sort_lines(&mut lines);
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

/// The report as the API shows it.
pub fn page(report: Compliance) -> ComplianceReport {
    ComplianceReport {
        counted_at: report.counted_at,
        cycle_id: report.cycle.id,
        team_id: report.team.map(|t| t.id),
        weeks: report.weeks,
        totals: report.totals,
        items: report.lines,
        next_cursor: report.next_cursor,
    }
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
