//! The company dashboard and a team's (`GET /dashboard`, `GET /teams/{id}/dashboard`, and the
//! pages `/dashboard` and `/teams/{id}/dashboard`): the few objectives at the top of the goal
//! tree, key results by status (and by department × status, the heatmap), what moved since last
//! week, the owners' confidence week by week, and for a team its owner check-ins week by week.
//!
//! Why one read model: the page and the API must show the same figures (a test compares them),
//! and at 100,000 people a dashboard cannot read every objective. Each figure is one aggregate
//! query in `keel_store::Dashboards` (a constant number of queries whatever the organisation's
//! size), filtered by what the reader may see, except a team's check-ins week by week: they
//! follow each key result's cadence, so they are the compliance report's figures
//! (`read::compliance::branch_weekly`, counted by the evaluator with the report's rule);
//! statuses are the periodic evaluator's (the same
//! rule every page uses, stored each round), so the dashboard says when they were last
//! evaluated.

use super::compliance;
use super::lists::{cycles, names, pick_cycle};
use super::views::{self, ObjectiveView};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::visibility::Viewer;
use keel_domain::rhythm::Status;
use keel_domain::*;
use keel_store::{
    stored_visibilities, DashboardFigures, DashboardKeyResult, DashboardScope, Dashboards, Figure,
    KeyResultCell, Page, PageRequest, Reader, Settings, Store, StoredFigure, Teams,
};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// How many top objectives a dashboard names (the rest are counted, and one link away).
pub const TOP_OBJECTIVES: u32 = 8;

/// How many weeks of check-ins a team dashboard shows.
pub const CHECK_IN_WEEKS: usize = 6;

/// The statuses a dashboard counts, in the order it shows them (closed last: only a closed
/// cycle's dashboard has any).
pub const STATUSES: [Status; 8] = Status::ALL;

/// How many key results have one status (`status` null: not assessed yet, the evaluator has not
/// seen them).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusFigure {
    pub status: Option<Status>,
    pub key_results: u64,
}

/// Key results by status: every status of `STATUSES`, then those not assessed yet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusMix {
    pub total: u64,
    pub statuses: Vec<StatusFigure>,
}

impl StatusMix {
    fn of(counts: &[(Option<Status>, u64)]) -> StatusMix {
        let get = |s: Option<Status>| {
            counts
                .iter()
                .filter(|(x, _)| *x == s)
                .map(|(_, n)| n)
                .sum::<u64>()
        };
        let statuses: Vec<StatusFigure> = STATUSES
            .iter()
            .map(|s| Some(*s))
            .chain([None])
            .map(|s| StatusFigure {
                status: s,
                key_results: get(s),
            })
            .collect();
        StatusMix {
            total: statuses.iter().map(|f| f.key_results).sum(),
            statuses,
        }
    }

    /// The count of `status`.
    pub fn count(&self, status: Option<Status>) -> u64 {
        self.statuses
            .iter()
            .find(|f| f.status == status)
            .map_or(0, |f| f.key_results)
    }
}

/// One department's row of the heatmap: its key results by status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentRow {
    pub team_id: TeamId,
    pub name: String,
    pub mix: StatusMix,
}

/// Key results whose status changed since a week ago, from one status to another.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Mover {
    /// Their status a week ago.
    pub before: Status,
    /// Their status now.
    pub now: Status,
    pub key_results: u64,
}

/// One week's owner confidence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConfidenceWeek {
    /// The week's first day.
    pub starts_on: chrono::NaiveDate,
    /// The median confidence of the owners' check-ins that week (the lower middle one); null
    /// with no check-in.
    pub median: Option<u8>,
    pub check_ins: u64,
}

/// One week's owner check-ins.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckInWeekView {
    /// The week's first day: weeks start on the organisation's check-in day; the last one holds
    /// today (or the cycle's last day), none comes before the cycle's first week.
    pub starts_on: chrono::NaiveDate,
    /// Key results that owed their owner's check-in that week, by their team's cadence (the
    /// rule of the compliance report, `read::compliance`: a fortnightly key result owes one
    /// every other week; drafts, owners yet to accept and closed or scored key results owe none).
    pub due: u64,
    /// Of those, the ones their owner checked in that week.
    pub done: u64,
}

/// A dashboard: the company's, or a team's (`team` set).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    /// The cycle shown (the current one unless asked); null when there is no cycle.
    pub cycle: Option<CycleRef>,
    /// The team shown; null for the company.
    pub team: Option<views::TeamSummary>,
    /// When the periodic evaluator last finished a round: statuses are as of then. Null before
    /// its first round.
    pub statuses_evaluated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the periodic evaluator counted the figures (key results by status and department,
    /// movers, top objectives, confidence): they are as of then, but for the OKRs the reader is
    /// in that not everyone may see, counted now. Null when everything was counted now (before
    /// the evaluator's first count of the cycle).
    pub figures_as_of: Option<chrono::DateTime<chrono::Utc>>,
    /// When the figures counted now (check-ins, a team's confidence) were read: now.
    pub read_at: chrono::DateTime<chrono::Utc>,
    /// Objectives aligned to nothing (the top of the goal tree), the first `TOP_OBJECTIVES`.
    pub top_objectives: Vec<TopObjective>,
    /// How many objectives are at the top in all.
    pub top_objectives_total: u64,
    /// Key results by status.
    pub status_mix: StatusMix,
    /// Key results by status per department (top-level team) with key results in the cycle;
    /// empty on a team dashboard.
    pub departments: Vec<DepartmentRow>,
    /// The moment "since last week" starts.
    pub movers_since: chrono::DateTime<chrono::Utc>,
    pub movers: Vec<Mover>,
    /// The median owner confidence per week of the cycle so far.
    pub confidence: Vec<ConfidenceWeek>,
    /// The confidence scale's highest value (10, or 3 on the three-level scale).
    pub confidence_max: u8,
    /// Owner check-ins per week, the last `CHECK_IN_WEEKS` weeks; empty on the company
    /// dashboard.
    pub check_ins: Vec<CheckInWeekView>,
}

/// A cycle, named.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CycleRef {
    pub id: CycleId,
    pub name: String,
}

/// One of the top objectives.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopObjective {
    pub id: ObjectiveId,
    pub title: String,
    pub owner: views::PersonSummary,
    /// In [0, 1].
    pub progress: f64,
    pub status: Status,
    pub status_reason: String,
}

impl From<ObjectiveView> for TopObjective {
    fn from(o: ObjectiveView) -> Self {
        TopObjective {
            id: o.id,
            title: o.title,
            owner: o.owner,
            progress: o.progress,
            status: o.status,
            status_reason: o.status_reason,
        }
    }
}

/// The median of a histogram of readings (the lower middle one).
fn median(counts: &[(u8, u64)]) -> Option<u8> {
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let mut sorted = counts.to_vec();
    sorted.sort();
    let middle = total.div_ceil(2);
    let mut seen = 0;
    for (v, n) in sorted {
        seen += n;
        if seen >= middle {
            return Some(v);
        }
    }
    None
}

pub(crate) fn day_start(d: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

/// The scope of a dashboard: the cycle asked (or the current one), the team if any.
pub struct Scoped {
    pub cycles: Vec<Cycle>,
    pub cycle: Option<Cycle>,
    pub team: Option<Team>,
    pub scope: Option<DashboardScope>,
}

/// The cycle (422 naming `cycle_id` when unknown) and the team (404 when unknown) a dashboard
/// reads, as `caller` sees them.
pub async fn scoped(
    store: &dyn Store,
    caller: &Caller,
    cycle_id: Option<&str>,
    team_id: Option<&str>,
) -> ApiResult<Scoped> {
    let team = match team_id {
        Some(t) => Some(
            store
                .team(&TeamId::from_string(t.to_string()))
                .await?
                .ok_or(ApiError::NotFound("team"))?,
        ),
        None => None,
    };
    let all = cycles(store).await?;
    let today = crate::services::today(store).await?;
    let cycle = pick_cycle(&all, cycle_id, today)?;
    let scope = cycle.as_ref().map(|c| DashboardScope {
        reader: Reader::of(Viewer::of(&caller.person).audience()),
        cycle_id: c.id.clone(),
        team_id: team.as_ref().map(|t| t.id.clone()),
        live_only: false,
    });
    Ok(Scoped {
        cycles: all,
        cycle,
        team,
        scope,
    })
}

/// How far back "since last week" looks.
pub const MOVERS_WINDOW_DAYS: i64 = 7;

/// The span owner confidence is counted over: from the cycle's first day to the end of its last.
pub fn cycle_span(cycle: &Cycle) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    (
        day_start(cycle.starts_on),
        day_start(cycle.ends_on + chrono::Duration::days(1)),
    )
}

/// The figures a dashboard adds up, whichever way they were counted.
#[derive(Default)]
struct Counts {
    statuses: Vec<keel_store::StatusCount>,
    moves: Vec<keel_store::StatusMove>,
    confidence: Vec<keel_store::ConfidenceCount>,
    top: Vec<ObjectiveId>,
    top_total: u64,
}

/// The dashboard of `s` (the company's, or its team's): a constant number of queries. The
/// figures are the evaluator's stored counts of the visibilities the reader sees wholesale plus
/// the non-public OKRs the reader is in, counted now; before the evaluator's first count of the
/// cycle, everything is counted now.
pub async fn dashboard(store: &dyn Store, s: &Scoped) -> ApiResult<Dashboard> {
    let now = crate::services::now();
    let settings = store.settings().await?;
    let confidence_max = settings.confidence_scale.max();
    let mut d = Dashboard {
        cycle: s.cycle.as_ref().map(|c| CycleRef {
            id: c.id.clone(),
            name: c.name.clone(),
        }),
        team: s.team.as_ref().map(|t| views::TeamSummary {
            id: t.id.clone(),
            name: t.name.clone(),
        }),
        statuses_evaluated_at: store.last_finished(crate::jobs::EVALUATE).await?,
        figures_as_of: None,
        read_at: now,
        top_objectives: vec![],
        top_objectives_total: 0,
        status_mix: StatusMix::of(&[]),
        departments: vec![],
        movers_since: now - chrono::Duration::days(MOVERS_WINDOW_DAYS),
        movers: vec![],
        confidence: vec![],
        confidence_max,
        check_ins: vec![],
    };
    let (Some(scope), Some(cycle)) = (&s.scope, &s.cycle) else {
        return Ok(d);
    };
    let company = s.team.is_none();
    // Confidence per week is stored for the company and its departments only.
    let confidence_stored = s.team.as_ref().is_none_or(|t| t.parent_id.is_none());
    let (start, _) = cycle_span(cycle);
    let end = now.min(cycle_span(cycle).1);
    let stored = store
        .stored_dashboard_figures(
            &cycle.id,
            scope.team_id.as_ref(),
            stored_visibilities(&scope.reader),
        )
        .await?;
    let mut counts = Counts::default();
    match &stored {
        Some((round, figures)) => {
            d.figures_as_of = Some(round.evaluated_at);
            d.movers_since = round.movers_since;
            counts.add_stored(figures, scope.team_id.as_ref());
            let live = DashboardScope {
                live_only: true,
                ..scope.clone()
            };
            if scope.reader != Reader::Everyone {
                counts
                    .add_live(store, &live, company, d.movers_since, (start, end))
                    .await?;
            }
            if !confidence_stored {
                counts.confidence = store.confidence_counts(scope, start, end).await?;
            }
        }
        None => {
            counts
                .add_live(store, scope, company, d.movers_since, (start, end))
                .await?;
        }
    }
    if company {
        // The first top objectives among those counted, read again with the reader's eyes (a
        // stored one may have moved or gone since the count).
        counts.top.sort();
        counts.top.dedup();
        let top = store
            .top_objectives(scope, Some(counts.top.as_slice()), TOP_OBJECTIVES)
            .await?;
        d.top_objectives = views::objectives(store, top)
            .await?
            .into_iter()
            .map(TopObjective::from)
            .collect();
        d.top_objectives_total = counts.top_total;
    }
    let totals: Vec<(Option<Status>, u64)> = counts
        .statuses
        .iter()
        .filter(|c| c.department_id.is_none())
        .map(|c| (c.status, c.key_results))
        .collect();
    d.status_mix = StatusMix::of(&totals);
    if company {
        d.departments = departments(store, &counts.statuses).await?;
    }
    let mut movers: std::collections::BTreeMap<(Status, Status), u64> = Default::default();
    for m in &counts.moves {
        *movers.entry((m.before, m.now)).or_default() += m.key_results;
    }
    let mut movers: Vec<Mover> = movers
        .into_iter()
        .map(|((before, now), key_results)| Mover {
            before,
            now,
            key_results,
        })
        .collect();
    let rank = |s: Status| STATUSES.iter().position(|x| *x == s);
    movers.sort_by_key(|m| (rank(m.now), rank(m.before)));
    d.movers = movers;
    d.confidence = confidence_weeks(&counts.confidence, start, end);
    if !company {
        d.check_ins = compliance::branch_weekly(store, scope, cycle, CHECK_IN_WEEKS as u32)
            .await?
            .into_iter()
            .map(|w| CheckInWeekView {
                starts_on: w.starts_on,
                due: w.due,
                done: w.done,
            })
            .collect();
    }
    Ok(d)
}

impl Counts {
    /// Adds the evaluator's rows: those of `team`'s subtree (the whole cycle's when `None`) as
    /// the scope's figures, the departments' status rows as theirs.
    fn add_stored(&mut self, figures: &[StoredFigure], team: Option<&TeamId>) {
        for f in figures {
            let whole = f.team_id.as_ref() == team;
            match (&f.figure, whole) {
                (Figure::Status(s), _) => self.statuses.push(keel_store::StatusCount {
                    department_id: if whole { None } else { f.team_id.clone() },
                    status: *s,
                    key_results: f.n,
                }),
                (Figure::Move { before, now }, true) => self.moves.push(keel_store::StatusMove {
                    before: *before,
                    now: *now,
                    key_results: f.n,
                }),
                (Figure::Confidence { week, confidence }, true) => {
                    self.confidence.push(keel_store::ConfidenceCount {
                        week: *week,
                        confidence: *confidence,
                        check_ins: f.n,
                    })
                }
                (Figure::Top, true) => self.top_total += f.n,
                (Figure::FirstTop(id), true) => self.top.push(id.clone()),
                _ => {}
            }
        }
    }

    /// Adds the figures of `scope` counted now.
    async fn add_live(
        &mut self,
        store: &dyn Store,
        scope: &DashboardScope,
        company: bool,
        movers_since: chrono::DateTime<chrono::Utc>,
        (start, end): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
    ) -> ApiResult<()> {
        self.statuses
            .extend(store.status_counts(scope, company).await?);
        self.moves
            .extend(store.status_moves(scope, movers_since).await?);
        if end > start {
            self.confidence
                .extend(store.confidence_counts(scope, start, end).await?);
        }
        if company {
            self.top.extend(
                store
                    .top_objectives(scope, None, TOP_OBJECTIVES)
                    .await?
                    .into_iter()
                    .map(|o| o.id),
            );
            self.top_total += store.count_top_objectives(scope).await?;
        }
        Ok(())
    }
}

/// The heatmap's rows: each department with key results, by name.
async fn departments(
    store: &dyn Store,
    counts: &[keel_store::StatusCount],
) -> ApiResult<Vec<DepartmentRow>> {
    let mut by: HashMap<TeamId, Vec<(Option<Status>, u64)>> = HashMap::new();
    for c in counts {
        if let Some(t) = &c.department_id {
            by.entry(t.clone())
                .or_default()
                .push((c.status, c.key_results));
            // (Stored and live rows of one status add up in `StatusMix::of`.)
        }
    }
    let ids: Vec<TeamId> = by.keys().cloned().collect();
    let mut rows: Vec<DepartmentRow> = store
        .team_names(&ids)
        .await?
        .into_iter()
        .map(|(id, name)| DepartmentRow {
            mix: StatusMix::of(by.get(&id).map(Vec::as_slice).unwrap_or(&[])),
            team_id: id,
            name,
        })
        .collect();
    rows.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.team_id.cmp(&b.team_id))
    });
    Ok(rows)
}

/// The median owner confidence in each week from `start` to `end`.
fn confidence_weeks(
    counts: &[keel_store::ConfidenceCount],
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> Vec<ConfidenceWeek> {
    if end <= start {
        return vec![];
    }
    let weeks = ((end - start).num_days() + 6) / 7;
    (0..weeks.max(0) as usize)
        .map(|w| {
            let mut week: HashMap<u8, u64> = HashMap::new();
            for c in counts.iter().filter(|c| c.week == w) {
                *week.entry(c.confidence).or_default() += c.check_ins;
            }
            let week: Vec<(u8, u64)> = week.into_iter().collect();
            ConfidenceWeek {
                starts_on: (start + chrono::Duration::days(7 * w as i64)).date_naive(),
                median: median(&week),
                check_ins: week.iter().map(|(_, n)| n).sum(),
            }
        })
        .collect()
}

/// A key result behind a dashboard figure.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CellKeyResult {
    pub id: KeyResultId,
    pub objective_id: ObjectiveId,
    pub title: String,
    pub owner_id: PersonId,
    /// Its owner's name.
    pub owner: String,
    /// Null: not assessed yet.
    pub status: Option<Status>,
}

/// The moment "since last week" starts for `s`'s figures: a week before the evaluator counted
/// them (seven days ago before its first count), so a cell lists what its figure counted.
pub async fn movers_since(
    store: &dyn Store,
    s: &Scoped,
) -> ApiResult<chrono::DateTime<chrono::Utc>> {
    if let Some(c) = &s.cycle {
        if let Some((round, _)) = store.stored_dashboard_figures(&c.id, None, &[]).await? {
            return Ok(round.movers_since);
        }
    }
    Ok(crate::services::now() - chrono::Duration::days(MOVERS_WINDOW_DAYS))
}

/// A dashboard cell's key results (a department, a status, moved since last week), a page at a
/// time; the count the dashboard shows for the cell is the length of this list read to the end.
/// Two queries.
pub async fn cell(
    store: &dyn Store,
    s: &Scoped,
    cell: &KeyResultCell,
    page: &PageRequest,
) -> ApiResult<Page<CellKeyResult>> {
    let Some(scope) = &s.scope else {
        return Ok(Page {
            items: vec![],
            next_cursor: None,
        });
    };
    let found = store.cell_key_results(scope, cell, page).await?;
    let owners: Vec<PersonId> = found.items.iter().map(|k| k.owner_id.clone()).collect();
    let owner_names = names(store, &owners).await?;
    Ok(Page {
        items: found
            .items
            .into_iter()
            .map(|k: DashboardKeyResult| CellKeyResult {
                owner: owner_names.get(&k.owner_id).cloned().unwrap_or_default(),
                id: k.id,
                objective_id: k.objective_id,
                title: k.title,
                owner_id: k.owner_id,
                status: k.status,
            })
            .collect(),
        next_cursor: found.next_cursor,
    })
}

/// `status=` of a cell: one of the statuses' API spellings; 422 naming `status` otherwise.
pub fn parse_status(v: Option<&str>) -> ApiResult<Option<Status>> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(s) => Status::parse(s).map(Some).ok_or_else(|| {
            ApiError::invalid(
                "status",
                "must be on_track, at_risk, off_track, stale, not_started, awaiting_owner, draft or closed",
            )
        }),
    }
}

/// `moved=`: true or false; 422 naming `moved` otherwise.
pub fn parse_moved(v: Option<&str>) -> ApiResult<bool> {
    match v.map(str::trim) {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::invalid("moved", "must be true or false")),
    }
}

/// `department_id=` of a cell: a top-level team's id; 422 naming `department_id` otherwise.
pub async fn parse_department(store: &dyn Store, v: Option<&str>) -> ApiResult<Option<Team>> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(id) => match store.team(&TeamId::from_string(id.to_string())).await? {
            Some(t) if t.parent_id.is_none() => Ok(Some(t)),
            _ => Err(ApiError::invalid(
                "department_id",
                format!("no department (top-level team) has the id '{id}'"),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn the_median_is_the_lower_middle_reading() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[(7, 1)]), Some(7));
        assert_eq!(median(&[(3, 1), (8, 1)]), Some(3));
        assert_eq!(median(&[(9, 2), (2, 1)]), Some(9));
        assert_eq!(median(&[(5, 0), (6, 3), (1, 3)]), Some(1));
    }
}
