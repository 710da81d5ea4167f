//! The reports hub (`/reports`), listing only the reports the reader may open, and the
//! calibration report (`/reports/calibration?cycle_id=`): for a closed cycle, each owner's
//! and team's confidence along the way against their key results' final scores, to learn who
//! tends to be over- or under-confident. For administrators, champions, analysts and HR (the
//! API's rule, `read::calibration`); anyone else gets the 403 page.

use super::company::Choice;
use super::{render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::read::{calibration, lists};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_domain::rhythm::Calibration;
use keel_domain::*;
use serde::Deserialize;

/// The report's route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(hub))
        .route("/reports/calibration", get(calibration))
        .route("/reports/calibration/export", get(calibration_export))
}

/// A report the hub links to.
pub struct ReportLink {
    pub href: &'static str,
    pub title: &'static str,
    pub about: &'static str,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct HubPage {
    layout: Layout,
    reports: Vec<ReportLink>,
}

/// Whether the navigation shows "Reports" to this person: a role that opens one of them (a
/// team lead who holds none of those roles finds the hub from its address and their team's).
pub fn in_nav(p: &keel_domain::Person) -> bool {
    crate::access::reads_people_reports(p)
        || crate::access::read_calibration(p).is_ok()
        || crate::access::read_financial_report(p).is_ok()
}

/// `GET /reports`: the reports the reader may open (403 when none).
pub async fn hub(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    let mut reports = vec![];
    let people_reports = crate::read::participation::reach(state.store(), &caller)
        .await
        .is_ok();
    if people_reports {
        reports.push(ReportLink {
            href: "/reports/participation",
            title: "Participation",
            about: "Who owns, co-owns or contributes to nothing, key result owners without a check-in, and each person's ownership load; by cycle and team, with a CSV download.",
        });
    }
    if people_reports {
        reports.push(ReportLink {
            href: "/reports/compliance",
            title: "Check-in compliance",
            about: "Each team's check-ins done against those due, week by week, by each key result's team cadence (a team lead sees their teams); by cycle and team, with a CSV download.",
        });
    }
    if people_reports {
        reports.push(ReportLink {
            href: "/reports/calibration",
            title: "Confidence calibration",
            about: "For a closed cycle: how well each person's and each team's confidence foretold the outcome (a team lead sees their teams), with a CSV download of the teams.",
        });
    }
    if crate::access::read_financial_report(&caller.person).is_ok() {
        reports.push(ReportLink {
            href: "/reports/financial",
            title: "Financial key results",
            about: "Key results tagged financial: start, target, current value, progress and status, with totals per team and currency, and a CSV download.",
        });
    }
    if reports.is_empty() {
        return Err(UiError(ApiError::forbidden(
            "you may not open any report: they need the admin, champion, analyst, hr or finance role, or leading a team",
        )));
    }
    Ok(render(
        StatusCode::OK,
        &HubPage {
            layout: Layout::signed_in(&caller, "/reports"),
            reports,
        },
    ))
}

pub struct Line {
    pub name: String,
    pub key_results: usize,
    pub confidence: i64,
    pub succeeded: i64,
    pub brier: String,
    pub calibration: &'static str,
}

/// Lines shown per page, in each section.
const LINES_PER_PAGE: u32 = 50;

/// One section of the report (people or teams): a page of its lines.
pub struct Section {
    pub title: &'static str,
    pub lines: Vec<Line>,
    /// "Teams 51 to 100 of 1,573."
    pub showing: String,
    pub previous_href: Option<String>,
    pub next_href: Option<String>,
}

#[derive(Template)]
#[template(path = "calibration.html")]
struct CalibrationPage {
    layout: Layout,
    cycles: Vec<Choice>,
    cycle_error: Option<String>,
    /// A refused page number.
    error: Option<String>,
    cycle_name: String,
    /// People (for those who may read them), then teams.
    sections: Vec<Section>,
    /// The teams' CSV download, once a cycle is shown.
    csv_href: String,
    /// When the figures were counted (`[data-freshness]`).
    freshness: String,
}

/// When a closed cycle's figures were counted, in words: the evaluator counts them at its
/// first round after the close.
fn calibration_freshness(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    match at {
        Some(at) => format!(
            "Counted as of {}, after the cycle closed (re-opening it counts again); team and \
             private OKRs only you may see are counted now.",
            super::format::when(at)
        ),
        None => "Counted now: the hourly count after the close stores them.".into(),
    }
}

#[derive(Deserialize)]
pub struct CalibrationQuery {
    cycle_id: Option<String>,
    team_id: Option<String>,
    /// The page of people, and of teams (from 1).
    people_page: Option<String>,
    teams_page: Option<String>,
}

impl CalibrationQuery {
    fn params(&self) -> calibration::TeamCalibrationParams {
        calibration::TeamCalibrationParams {
            cycle_id: self.cycle_id.clone(),
            team_id: self.team_id.clone(),
        }
    }
}

/// A page of one section's lines: `people` or teams, page `number` (from 1), with links to
/// the pages around it that keep the other section's page (`link(number)`).
async fn section(
    store: &dyn keel_store::Store,
    report: &calibration::TeamCalibration,
    people: bool,
    number: u64,
    link: impl Fn(u64) -> String,
) -> Result<Section, ApiError> {
    let request = keel_store::PageRequest {
        limit: LINES_PER_PAGE,
        cursor: Some(format!("o:{}", (number - 1) * u64::from(LINES_PER_PAGE))),
    };
    let found = calibration::team_page(store, report, people, &request).await?;
    let (title, noun) = if people {
        ("Owners", "People")
    } else {
        ("Teams", "Teams")
    };
    let num = |n: u64| super::format::num(n as f64);
    let first = (number - 1) * u64::from(LINES_PER_PAGE) + 1;
    let showing = if found.items.is_empty() {
        String::new()
    } else {
        let last = first + found.items.len() as u64 - 1;
        format!(
            "{noun} {} to {} of {}.",
            num(first),
            num(last),
            num(found.teams as u64)
        )
    };
    Ok(Section {
        title,
        lines: lines(&found.items),
        showing,
        previous_href: (number > 1).then(|| link(number - 1)),
        next_href: found.next_cursor.as_ref().map(|_| link(number + 1)),
    })
}

fn lines(v: &[calibration::CalibrationLine]) -> Vec<Line> {
    v.iter()
        .map(|l| Line {
            name: l.name.clone(),
            key_results: l.key_results,
            confidence: (l.mean_confidence * 100.0).round() as i64,
            succeeded: (l.success_rate * 100.0).round() as i64,
            brier: super::format::two_decimals(l.brier),
            calibration: match l.calibration {
                Calibration::OverConfident => "over-confident",
                Calibration::Calibrated => "calibrated",
                Calibration::UnderConfident => "under-confident",
            },
        })
        .collect()
}

/// `GET /reports/calibration`: the people's section for those who may read it, the teams'
/// for them and for team leads (their teams only), as `GET /api/v1/reports/calibration`.
pub async fn calibration(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<CalibrationQuery>,
) -> Result<Response, UiError> {
    crate::read::participation::reach(state.store(), &caller).await?;
    let mut page = CalibrationPage {
        layout: Layout::signed_in(&caller, "/reports"),
        cycles: vec![],
        cycle_error: None,
        error: None,
        cycle_name: String::new(),
        sections: vec![],
        csv_href: String::new(),
        freshness: String::new(),
    };
    let mut status = StatusCode::OK;
    let mut shown = q.cycle_id.clone().unwrap_or_default();
    // The cycle that ended last when none is asked for.
    let pages = match (
        parse_page("people_page", q.people_page.as_deref()),
        parse_page("teams_page", q.teams_page.as_deref()),
    ) {
        (Ok(p), Ok(t)) => Some((p, t)),
        (Err(e), _) | (_, Err(e)) => {
            page.error = Some(e);
            status = StatusCode::UNPROCESSABLE_ENTITY;
            None
        }
    };
    let found = match pages {
        Some(_) => calibration::by_team(state.store(), &caller, &q.params()).await,
        None => Ok(None),
    };
    match found {
        Ok(Some(r)) => {
            let (people_page, teams_page) = pages.unwrap_or((1, 1));
            page.cycle_name = r.cycle.name.clone();
            page.freshness = calibration_freshness(r.query.counted_at);
            let link = |people: u64, teams: u64| {
                let (people, teams) = (people.to_string(), teams.to_string());
                let pairs: Vec<(&str, &str)> = [
                    ("cycle_id", Some(r.cycle.id.as_str())),
                    ("team_id", r.team.as_ref().map(|t| t.id.as_str())),
                    ("people_page", Some(people.as_str()).filter(|p| *p != "1")),
                    ("teams_page", Some(teams.as_str()).filter(|t| *t != "1")),
                ]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect();
                format!(
                    "/reports/calibration?{}",
                    serde_urlencoded::to_string(pairs).unwrap_or_default()
                )
            };
            let store = state.store();
            if r.reads_people {
                let s = section(store, &r, true, people_page, |n| {
                    format!("{}#cal-owners", link(n, teams_page))
                });
                page.sections.push(s.await?);
            }
            let s = section(store, &r, false, teams_page, |n| {
                format!("{}#cal-teams", link(people_page, n))
            });
            page.sections.push(s.await?);
            let pairs: Vec<(&str, &str)> = [
                ("cycle_id", Some(r.cycle.id.as_str())),
                ("team_id", r.team.as_ref().map(|t| t.id.as_str())),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
            page.csv_href = format!(
                "/reports/calibration/export?{}",
                serde_urlencoded::to_string(pairs).unwrap_or_default()
            );
            shown = r.cycle.id.to_string();
        }
        Ok(None) => {}
        Err(ApiError::Invalid(e)) if e.field == "cycle_id" => {
            page.cycle_error = Some(e.message);
            status = StatusCode::UNPROCESSABLE_ENTITY;
        }
        Err(e) => return Err(UiError(e)),
    }
    page.cycles = lists::cycles(state.store())
        .await?
        .into_iter()
        .filter(|c| c.state == CycleState::Closed)
        .map(|c| Choice {
            selected: c.id.as_str() == shown,
            value: c.id.to_string(),
            label: format!("{} ({} to {})", c.name, c.starts_on, c.ends_on),
        })
        .collect();
    Ok(render(status, &page))
}

/// `GET /reports/calibration/export?cycle_id=`: the teams' lines as CSV (only the header while
/// no cycle is closed: nothing is scored yet).
pub async fn calibration_export(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<CalibrationQuery>,
) -> Result<Response, UiError> {
    let report = calibration::by_team(state.store(), &caller, &q.params()).await?;
    Ok(calibration::csv_export(
        state.store.clone(),
        report.map(|r| r.query),
    ))
}

/// A page number from the query string (from 1), or the message to show beside the list.
fn parse_page(field: &str, page: Option<&str>) -> Result<u64, String> {
    match page.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(1),
        Some(p) => p
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(|| {
                let which = if field == "people_page" {
                    "people"
                } else {
                    "teams"
                };
                format!("The page of {which} must be a whole number from 1.")
            }),
    }
}
