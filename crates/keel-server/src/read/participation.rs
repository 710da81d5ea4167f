//! The participation report, for HR and team leads (the OKR Body of Knowledge's "HR / People
//! Operations"): who owns, co-owns or contributes to nothing in a cycle, which key result owners
//! gave no check-in, and each person's ownership load against the overload threshold the
//! ownership map and the health check use. One read model for `GET /api/v1/reports/participation`,
//! its CSV and the page `/reports/participation`.
//!
//! Counted by the database (`keel_store::Participation`) so that it costs the same few queries at
//! 100,000 people: the list is a page of people, the summary one aggregate over the counts the
//! hourly evaluator stored (`counted_at` says when; the reader's own team and private OKRs are
//! added live). Only OKRs the reader
//! may see count, so a private OKR never makes someone a participant in a reader's eyes. Who may
//! read it at all is `access::read_participation`.

use super::lists::{cycles, pick_cycle};
use crate::access::{self, PeopleReach};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::visibility::Viewer;
use keel_domain::*;
use keel_store::{
    DynStore, Page, PageRequest, Participation, ParticipationGap, ParticipationQuery,
    ParticipationSummary, PersonParticipation, Settings, Store, Teams,
};
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

/// What to list: the cycle (the current one when absent), a team (its members and those of the
/// teams below it) and a gap, as the query string spells them.
#[derive(Debug, Clone, Default)]
pub struct ParticipationParams {
    pub cycle_id: Option<String>,
    pub team_id: Option<String>,
    pub gap: Option<String>,
}

/// The gaps a list can be narrowed to, as the API spells them.
pub const GAPS: [(&str, ParticipationGap); 3] = [
    ("without_okrs", ParticipationGap::WithoutOkrs),
    ("without_check_in", ParticipationGap::WithoutCheckIn),
    ("overloaded", ParticipationGap::Overloaded),
];

fn parse_gap(gap: Option<&str>) -> ApiResult<Option<ParticipationGap>> {
    match gap.map(str::trim).filter(|g| !g.is_empty()) {
        None => Ok(None),
        Some(g) => GAPS
            .iter()
            .find(|(name, _)| *name == g)
            .map(|(_, gap)| Some(*gap))
            .ok_or_else(|| {
                ApiError::invalid(
                    "gap",
                    "must be without_okrs, without_check_in or overloaded",
                )
            }),
    }
}

/// One person's part in the cycle.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipationLine {
    pub person_id: PersonId,
    pub name: String,
    /// Their job title.
    pub title: String,
    pub owned_objectives: i64,
    pub owned_key_results: i64,
    /// Of those, the key results under way: accepted, their objective no longer a draft
    /// (check-ins are expected of them).
    pub owned_key_results_under_way: i64,
    /// Objectives and key results they co-own.
    pub co_owned: i64,
    /// Objectives and key results they contribute to.
    pub contributed: i64,
    /// Check-ins they gave on the cycle's key results (corrected or withdrawn ones aside).
    pub check_ins: i64,
    /// They own, co-own and contribute to nothing in the cycle.
    pub without_okrs: bool,
    /// They own a key result under way and gave no check-in this cycle.
    pub without_check_in: bool,
    /// They own more objectives and key results than the overload threshold.
    pub overloaded: bool,
}

impl ParticipationLine {
    /// The line of a person, with the gaps spelled as the store's filter decides them.
    pub fn of(p: PersonParticipation, overload: u32) -> Self {
        let owned = p.owned_objectives + p.owned_key_results;
        ParticipationLine {
            without_okrs: owned + p.co_owned + p.contributed == 0,
            without_check_in: p.owned_key_results_under_way > 0 && p.check_ins == 0,
            overloaded: owned > i64::from(overload),
            person_id: p.person_id,
            name: p.name,
            title: p.title,
            owned_objectives: p.owned_objectives,
            owned_key_results: p.owned_key_results,
            owned_key_results_under_way: p.owned_key_results_under_way,
            co_owned: p.co_owned,
            contributed: p.contributed,
            check_ins: p.check_ins,
        }
    }
}

/// The totals over everyone the report covers (whatever `gap` lists).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct ParticipationTotals {
    /// Active people covered (the team's, or the reader's reach).
    pub people: i64,
    pub without_okrs: i64,
    /// People owning at least one key result under way (accepted, its objective no longer a
    /// draft).
    pub key_result_owners: i64,
    /// Key result owners who gave no check-in this cycle.
    pub without_check_in: i64,
    pub overloaded: i64,
}

impl From<ParticipationSummary> for ParticipationTotals {
    fn from(s: ParticipationSummary) -> Self {
        ParticipationTotals {
            people: s.people,
            without_okrs: s.without_okrs,
            key_result_owners: s.key_result_owners,
            without_check_in: s.without_check_in,
            overloaded: s.overloaded,
        }
    }
}

/// A page of the participation report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationReport {
    pub cycle_id: CycleId,
    /// The team it is narrowed to, if any.
    pub team_id: Option<TeamId>,
    /// More owned objectives and key results than this is overloaded (the organisation's
    /// `health.owner_overload`).
    pub overload: u32,
    pub totals: ParticipationTotals,
    /// When the hourly evaluator counted the cycle's OKRs for these figures (the team and
    /// private OKRs only you may see are counted as of now); null until its first round, when
    /// everything is counted now.
    pub counted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// People by name.
    pub items: Vec<ParticipationLine>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The store query a reader's request stands for, once the request is checked: the cycle, the
/// team (422 when unknown, 403 when beyond a team lead's reach) and the gap.
pub struct Prepared {
    pub cycle: Cycle,
    pub cycles: Vec<Cycle>,
    pub team: Option<Team>,
    pub query: ParticipationQuery,
}

/// Checks who is asking and what, and builds the store query: `Ok(None)` when there is no
/// cycle at all yet.
pub async fn prepare(
    store: &dyn Store,
    caller: &Caller,
    params: &ParticipationParams,
) -> ApiResult<Option<Prepared>> {
    let reach = reach(store, caller).await?;
    let gap = parse_gap(params.gap.as_deref())?;
    let team = match params.team_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => {
            let id = TeamId::from_string(id.to_string());
            let team = store.team(&id).await?.ok_or_else(|| {
                ApiError::invalid("team_id", format!("no team has the id '{id}'"))
            })?;
            if !reach.covers(&team.id) {
                return Err(ApiError::forbidden(format!(
                    "you may not read the participation of '{}': you lead neither it nor a team above it",
                    team.name
                )));
            }
            Some(team)
        }
    };
    let cycles = cycles(store).await?;
    let today = crate::services::today(store).await?;
    let Some(cycle) = pick_cycle(&cycles, params.cycle_id.as_deref(), today)? else {
        return Ok(None);
    };
    let overload = store.settings().await?.health.owner_overload;
    let counted_at = store.participation_counted_at(&cycle.id).await?;
    let query = ParticipationQuery {
        reader: keel_store::Reader::of(Viewer::of(&caller.person).audience()),
        cycle_id: cycle.id.clone(),
        team_id: team.as_ref().map(|t| t.id.clone()),
        led_by: match reach {
            PeopleReach::Organisation => None,
            PeopleReach::LedTeams(_) => Some(caller.person.id.clone()),
        },
        gap,
        overload,
        counted_at,
    };
    Ok(Some(Prepared {
        cycle,
        cycles,
        team,
        query,
    }))
}

/// How far the caller's view of people reaches (403 when it reaches nobody): one query for
/// the teams they lead, asked only of those whose role does not already reach everyone.
pub async fn reach(store: &dyn Store, caller: &Caller) -> ApiResult<PeopleReach> {
    let led: HashSet<TeamId> = if access::reads_people_reports(&caller.person) {
        HashSet::new()
    } else {
        store
            .teams_led_by(&caller.person.id)
            .await?
            .into_iter()
            .collect()
    };
    access::read_participation(&caller.person, || led)
}

/// A page of people and the totals, for a prepared query: one query (the people in scope are
/// counted once for both).
pub async fn page(
    store: &dyn Store,
    prepared: &Prepared,
    page: &PageRequest,
) -> ApiResult<ParticipationReport> {
    let (Page { items, next_cursor }, totals) =
        store.participation_page(&prepared.query, page).await?;
    let overload = prepared.query.overload;
    Ok(ParticipationReport {
        cycle_id: prepared.cycle.id.clone(),
        team_id: prepared.team.as_ref().map(|t| t.id.clone()),
        overload,
        totals: totals.into(),
        counted_at: prepared.query.counted_at,
        items: items
            .into_iter()
            .map(|p| ParticipationLine::of(p, overload))
            .collect(),
        next_cursor,
    })
}

/// The report's CSV columns.
pub const CSV_HEADER: [&str; 11] = [
    "name",
    "title",
    "owned objectives",
    "owned key results",
    "co-owned",
    "contributed to",
    "check-ins",
    "without OKRs",
    "without a check-in",
    "overloaded",
    "person id",
];

/// One person as a CSV record (fields unquoted; `read::csv` quotes and defuses them).
pub fn csv_record(l: &ParticipationLine) -> Vec<String> {
    let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
    vec![
        l.name.clone(),
        l.title.clone(),
        l.owned_objectives.to_string(),
        l.owned_key_results.to_string(),
        l.co_owned.to_string(),
        l.contributed.to_string(),
        l.check_ins.to_string(),
        yes(l.without_okrs),
        yes(l.without_check_in),
        yes(l.overloaded),
        l.person_id.to_string(),
    ]
}

/// The whole selection of a participation query as CSV, streamed 500 people at a time (one
/// query a page): for the API's `format=csv` and the page's download alike.
pub fn csv_export(store: DynStore, query: ParticipationQuery) -> axum::response::Response {
    let query = std::sync::Arc::new(query);
    super::csv::stream("participation.csv", &CSV_HEADER, move |cursor| {
        let (store, query) = (store.clone(), query.clone());
        async move {
            let page = store
                .participation(&query, &PageRequest { limit: 500, cursor })
                .await?;
            let records: Vec<Vec<String>> = page
                .items
                .into_iter()
                .map(|p| csv_record(&ParticipationLine::of(p, query.overload)))
                .collect();
            Ok::<_, ApiError>((records, page.next_cursor))
        }
    })
}
