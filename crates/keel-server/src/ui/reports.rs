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
    if crate::read::participation::reach(state.store(), &caller)
        .await
        .is_ok()
    {
        reports.push(ReportLink {
            href: "/reports/participation",
            title: "Participation",
            about: "Who owns, co-owns or contributes to nothing, key result owners without a check-in, and each person's ownership load; by cycle and team, with a CSV download.",
        });
    }
    if crate::access::read_calibration(&caller.person).is_ok() {
        reports.push(ReportLink {
            href: "/reports/calibration",
            title: "Confidence calibration",
            about: "For a closed cycle: how well each person's and each team's confidence foretold the outcome.",
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

#[derive(Template)]
#[template(path = "calibration.html")]
struct CalibrationPage {
    layout: Layout,
    cycles: Vec<Choice>,
    cycle_error: Option<String>,
    cycle_name: String,
    /// ("Owners", lines) and ("Teams", lines).
    sections: Vec<(&'static str, Vec<Line>)>,
}

#[derive(Deserialize)]
pub struct CalibrationQuery {
    cycle_id: Option<String>,
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

/// `GET /reports/calibration`.
pub async fn calibration(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<CalibrationQuery>,
) -> Result<Response, UiError> {
    crate::access::read_calibration(&caller.person)?;
    let cycles: Vec<Cycle> = lists::cycles(state.store())
        .await?
        .into_iter()
        .filter(|c| c.state == CycleState::Closed)
        .collect();
    let wanted = q.cycle_id.unwrap_or_default();
    let mut page = CalibrationPage {
        layout: Layout::signed_in(&caller, "/reports"),
        cycles: cycles
            .iter()
            .map(|c| Choice {
                value: c.id.to_string(),
                label: format!("{} ({} to {})", c.name, c.starts_on, c.ends_on),
                selected: c.id.as_str() == wanted,
            })
            .collect(),
        cycle_error: None,
        cycle_name: String::new(),
        sections: vec![],
    };
    let mut status = StatusCode::OK;
    if !wanted.is_empty() {
        match calibration::calibration(state.store(), &caller, &CycleId::from_string(wanted)).await
        {
            Ok(r) => {
                page.cycle_name = r.cycle.name.clone();
                page.sections = vec![("Owners", lines(&r.owners)), ("Teams", lines(&r.teams))];
            }
            Err(ApiError::NotFound(_)) => {
                page.cycle_error = Some("no such cycle: choose a closed one".into());
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Err(ApiError::Conflict { message, .. }) => {
                page.cycle_error = Some(message);
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Err(e) => return Err(UiError(e)),
        }
    }
    Ok(render(status, &page))
}
