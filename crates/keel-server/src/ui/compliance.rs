//! The check-in compliance report page (`/reports/compliance`) and its CSV download
//! (`/reports/compliance/export`): each team's check-ins done against those due, week by week,
//! grouped by department. The figures come from `read::compliance`, as the API's do; this
//! module only puts them in the reader's words (a cell says "3 of 4", its percentage, and a
//! band shown as a colour *and* a symbol with its word, so it reads without colour). The team
//! filter is a picker (`/pickers/teams`), so the page never lists every team.

use super::company::{cycle_choices, Choice};
use super::{format, render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::read::compliance::{self, ComplianceParams, TeamCompliance, WeekFigure};
use crate::read::{lists, pickers};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_store::PageRequest;
use serde::Deserialize;

/// Teams shown per page.
const PER_PAGE: u32 = 50;

/// The week counts the page offers.
const WEEK_CHOICES: [u32; 5] = [4, 8, 13, 26, 52];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/compliance", get(page))
        .route("/reports/compliance/export", get(export))
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    cycle_id: Option<String>,
    team_id: Option<String>,
    /// What was typed in the team picker's find field (a form sent without JavaScript).
    #[serde(rename = "team_id.find")]
    team_find: Option<String>,
    weeks: Option<String>,
    cursor: Option<String>,
}

/// One cell: check-ins done of those due, in words and as a band.
pub struct Cell {
    /// "3 of 4", or "none due".
    pub text: String,
    /// "75%", or empty when nothing was due.
    pub percent: String,
    /// The band's class (`band-green` …), empty when nothing was due.
    pub class: &'static str,
    /// The band's symbol and word, for readers who do not see the colour.
    pub symbol: &'static str,
    pub word: &'static str,
}

fn cell(f: &WeekFigure) -> Cell {
    match compliance::percent(f) {
        None => Cell {
            text: "none due".into(),
            percent: String::new(),
            class: "",
            symbol: "–",
            word: "nothing due",
        },
        Some(p) => {
            let (class, symbol, word) = match p {
                90.. => ("band-green", "✔", "on rhythm"),
                70..=89 => ("band-yellow", "◐", "slipping"),
                _ => ("band-red", "✖", "behind"),
            };
            Cell {
                text: format!("{} of {}", f.done, f.due),
                percent: format!("{p}%"),
                class,
                symbol,
                word,
            }
        }
    }
}

/// A team's row.
pub struct Row {
    pub name: String,
    pub href: String,
    pub cells: Vec<Cell>,
    pub total: Cell,
}

/// A department's teams (its heading shown when it has teams below it).
pub struct Group {
    pub department: String,
    pub heading: bool,
    pub rows: Vec<Row>,
}

fn total_of(due: u64, done: u64) -> Cell {
    cell(&WeekFigure {
        starts_on: chrono::NaiveDate::MIN,
        due,
        done,
    })
}

fn groups(lines: Vec<TeamCompliance>, cycle_id: &str) -> Vec<Group> {
    let mut out: Vec<Group> = vec![];
    let mut last_department = None;
    for l in lines {
        let row = Row {
            href: format!("/teams/{}/dashboard?cycle_id={cycle_id}", l.team_id),
            cells: l.weeks.iter().map(cell).collect(),
            total: total_of(l.due, l.done),
            name: l.name,
        };
        let below = l.team_id != l.department_id;
        match out.last_mut() {
            Some(g) if last_department.as_ref() == Some(&l.department_id) => {
                g.heading |= below;
                g.rows.push(row);
            }
            _ => out.push(Group {
                department: l.department,
                heading: below,
                rows: vec![row],
            }),
        }
        last_department = Some(l.department_id);
    }
    out
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct CompliancePage {
    layout: Layout,
    cycles: Vec<Choice>,
    weeks: Vec<Choice>,
    /// The team chosen, if any (the picker's one choice).
    teams: Vec<Choice>,
    team_find: String,
    cycle_error: Option<String>,
    team_error: Option<String>,
    weeks_error: Option<String>,
    error: Option<String>,
    cycle_name: String,
    /// The weeks' first days, in words.
    week_labels: Vec<String>,
    /// Over every team (every page).
    team_count: u64,
    totals: Vec<Cell>,
    total: Cell,
    groups: Vec<Group>,
    next_href: Option<String>,
    csv_href: String,
    /// When the figures were counted (`[data-freshness]`).
    freshness: String,
}

/// When the figures were counted, in words: the evaluator counts them every hour.
fn freshness(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    match at {
        Some(at) => format!(
            "Counted as of {} (every hour), weeks up to that day; team and private OKRs only \
             you may see are counted now.",
            format::when(at)
        ),
        None => {
            "Counted now: from the next hourly count on, the figures are as of that count.".into()
        }
    }
}

/// The readable message of a refused filter, and which field it belongs to.
fn readable(e: &keel_domain::FieldError) -> (&'static str, String) {
    match e.field.as_str() {
        "cycle_id" => (
            "cycle_id",
            "No such cycle: choose one from the list.".into(),
        ),
        "team_id" => ("team_id", super::company::team_error(e)),
        "weeks" => ("weeks", "Choose how many weeks from the list.".into()),
        "cursor" => (
            "",
            "That link to the next page has expired: start from the first page.".into(),
        ),
        _ => ("", e.message.clone()),
    }
}

fn link(path: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (*k, v)))
        .collect();
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

fn empty_page(caller: &crate::auth::Caller, q: &ReportQuery) -> CompliancePage {
    let asked: Option<u32> = match q.weeks.as_deref().map(str::trim) {
        None | Some("") => Some(compliance::DEFAULT_WEEKS),
        Some(w) => w.parse().ok(),
    };
    CompliancePage {
        layout: Layout::signed_in(caller, "/reports"),
        cycles: vec![],
        weeks: WEEK_CHOICES
            .iter()
            .map(|n| Choice {
                selected: asked == Some(*n),
                value: n.to_string(),
                label: format!("The last {n} weeks"),
            })
            .collect(),
        teams: vec![],
        team_find: q.team_find.clone().unwrap_or_default(),
        cycle_error: None,
        team_error: None,
        weeks_error: None,
        error: None,
        cycle_name: String::new(),
        week_labels: vec![],
        team_count: 0,
        totals: vec![],
        total: total_of(0, 0),
        groups: vec![],
        next_href: None,
        csv_href: String::new(),
        freshness: String::new(),
    }
}

/// `GET /reports/compliance`.
pub async fn page(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<ReportQuery>,
) -> Result<Response, UiError> {
    let store = state.store();
    crate::read::participation::reach(store, &caller).await?;
    let mut page = empty_page(&caller, &q);
    let found = async {
        let team = pickers::resolve_team(
            store,
            "team_id",
            q.team_id.as_deref(),
            q.team_find.as_deref(),
        )
        .await?;
        let params = ComplianceParams {
            cycle_id: q.cycle_id.clone(),
            team_id: team.as_ref().map(|t| t.id.to_string()),
            weeks: q.weeks.clone(),
        };
        let request = PageRequest {
            limit: PER_PAGE,
            cursor: q.cursor.clone(),
        };
        let cut = compliance::Cut::Page(&request);
        let Some(report) = compliance::compute(store, &caller, &params, cut).await? else {
            return Ok(None);
        };
        let cycles = report.cycles.clone();
        let cycle = report.cycle.clone();
        page.freshness = freshness(report.counted_at);
        let shown = compliance::page(report);
        Ok::<_, ApiError>(Some((cycles, cycle, team, shown)))
    }
    .await;
    let mut status = StatusCode::OK;
    match found {
        Ok(Some((cycles, cycle, team, shown))) => {
            let cycle_id = cycle.id.to_string();
            page.cycles = cycle_choices(&cycles, Some(&cycle));
            page.cycle_name = cycle.name.clone();
            page.teams = super::company::team_choice(team.as_ref());
            page.week_labels = shown.weeks.iter().map(|w| format::date(*w)).collect();
            page.team_count = shown.totals.teams;
            page.totals = shown.totals.weeks.iter().map(cell).collect();
            page.total = total_of(shown.totals.due, shown.totals.done);
            let team_id = team.as_ref().map(|t| t.id.to_string());
            let weeks = q.weeks.as_deref();
            let base = [
                ("cycle_id", Some(cycle_id.as_str())),
                ("team_id", team_id.as_deref()),
                ("weeks", weeks),
            ];
            page.next_href = shown.next_cursor.as_deref().map(|c| {
                let mut pairs = base.to_vec();
                pairs.push(("cursor", Some(c)));
                link("/reports/compliance", &pairs)
            });
            page.csv_href = link("/reports/compliance/export", &base);
            page.groups = groups(shown.items, &cycle_id);
        }
        Ok(None) => {}
        Err(ApiError::Invalid(e)) => {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            let (field, message) = readable(&e);
            match field {
                "cycle_id" => page.cycle_error = Some(message),
                "team_id" => page.team_error = Some(message),
                "weeks" => page.weeks_error = Some(message),
                _ => page.error = Some(message),
            }
            page.cycles = cycle_choices(&lists::cycles(store).await?, None);
        }
        Err(e) => return Err(UiError(e)),
    }
    Ok(render(status, &page))
}

/// `GET /reports/compliance/export`: every team and week as CSV.
pub async fn export(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<ReportQuery>,
) -> Result<Response, UiError> {
    let params = ComplianceParams {
        cycle_id: q.cycle_id,
        team_id: q.team_id,
        weeks: q.weeks,
    };
    let cut = compliance::Cut::Whole;
    let report = compliance::compute(state.store(), &caller, &params, cut).await?;
    Ok(compliance::csv_export(
        report
            .as_ref()
            .map(|r| r.lines.as_slice())
            .unwrap_or_default(),
    ))
}
