//! The health page (`/health`): the ownership health check of a cycle (services/health.rs, the
//! same findings as the API and `keel lint`), each linking to where it is fixed: the objective
//! page, the person's load on the ownership map, the teams the OKR is shared with.

use super::company::{cycle_choices, person_href, Choice};
use super::{render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::read::health::{self, LinkedFinding};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_domain::health::Severity;
use keel_domain::{Cycle, OkrRef};
use serde::Deserialize;

/// The health page's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

/// One finding, ready to show.
pub struct FindingLine {
    /// "error", "warning" or "info" (also the CSS class).
    pub severity: &'static str,
    /// "Error", "Warning" or "Note".
    pub severity_label: &'static str,
    /// The pitfall in a few words ("The owner has left"), never its code.
    pub headline: String,
    pub okr_kind: &'static str,
    pub okr_title: String,
    /// The page where it is fixed.
    pub href: Option<String>,
    pub message: String,
    pub fix: String,
    pub person: Option<(String, String)>,
    pub teams: Vec<(String, String)>,
}

impl FindingLine {
    pub fn new(f: &LinkedFinding, cycle: Option<&Cycle>) -> Self {
        let href = f.objective_id.as_ref().map(|o| match &f.finding.okr {
            OkrRef::Objective(_) => format!("/objectives/{o}"),
            OkrRef::KeyResult(k) => format!("/objectives/{o}#kr-{k}"),
        });
        Self {
            severity: match f.finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            },
            severity_label: match f.finding.severity {
                Severity::Error => "Error",
                Severity::Warning => "Warning",
                Severity::Info => "Note",
            },
            headline: headline(f.finding.code),
            okr_kind: match f.finding.okr {
                OkrRef::Objective(_) => "Objective",
                OkrRef::KeyResult(_) => "Key result",
            },
            okr_title: f.finding.okr_title.clone(),
            href,
            message: f.finding.message.clone(),
            fix: f.finding.fix.clone(),
            person: f
                .person
                .as_ref()
                .map(|p| (person_href(p.id.as_str(), cycle), p.name.clone())),
            teams: f
                .teams
                .iter()
                .map(|(id, name)| (format!("/teams/{id}"), name.clone()))
                .collect(),
        }
    }
}

/// A health check's pitfall in words: the page names the problem, not the code the API and
/// `keel lint` key it by.
pub fn headline(code: &str) -> String {
    let words = match code {
        "ownership_declined" => "The proposed owner declined",
        "owner_deactivated" => "The owner has left",
        "ownership_pending" => "Ownership not accepted yet",
        "objective_without_key_results" => "No key results yet",
        "too_many_key_results" => "Too many key results",
        "manager_by_default" => "Owned by the manager by default",
        "not_aligned" => "Not aligned with any higher objective",
        "split_ownership" => "Ownership split between people",
        "owner_far_from_outcome" => "The owner is far from the outcome",
        "unmeasurable_key_result" => "Nothing to measure",
        "stale_confidence" => "No recent check-in",
        "owner_overload" => "One person owns too much",
        other => {
            // A pitfall added later still reads as words.
            let s = other.replace('_', " ");
            let mut c = s.chars();
            return c
                .next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default();
        }
    };
    words.to_string()
}

#[derive(Template)]
#[template(path = "health.html")]
struct HealthPage {
    layout: Layout,
    cycles: Vec<Choice>,
    cycle_name: String,
    error: Option<String>,
    findings: Vec<FindingLine>,
    /// Findings about people: (message, fix, link to the people).
    people: Vec<(String, String, String)>,
    errors: usize,
    warnings: usize,
    infos: usize,
    /// Whether the reader may open the calibration report (linked from here: no other page
    /// leads to it).
    calibration: bool,
}

#[derive(Debug, Deserialize)]
pub struct HealthQuery {
    cycle_id: Option<String>,
}

/// `GET /health`.
pub async fn health(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<HealthQuery>,
) -> Result<Response, UiError> {
    let (report, error) =
        match health::health_page(state.store(), &caller, q.cycle_id.as_deref()).await {
            Ok(r) => (r, None),
            Err(ApiError::Invalid(e)) => (
                health::health_page(state.store(), &caller, None).await?,
                Some(e.message),
            ),
            Err(e) => return Err(e.into()),
        };
    let cycle = if error.is_some() {
        None
    } else {
        report.cycle.as_ref()
    };
    let findings: Vec<FindingLine> = if error.is_some() {
        vec![]
    } else {
        report
            .findings
            .iter()
            .map(|f| FindingLine::new(f, cycle))
            .collect()
    };
    let people: Vec<(String, String, String)> = match (cycle, &error) {
        (Some(c), None) => report
            .people
            .iter()
            .map(|p| {
                let href = format!("/reports/participation?cycle_id={}&gap=without_okrs", c.id);
                (p.message.clone(), p.fix.clone(), href)
            })
            .collect(),
        _ => vec![],
    };
    let count = |s: &str| findings.iter().filter(|f| f.severity == s).count();
    let page = HealthPage {
        layout: Layout::signed_in(&caller, "/health"),
        cycles: cycle_choices(&report.cycles, cycle),
        cycle_name: cycle.map(|c| c.name.clone()).unwrap_or_default(),
        errors: count("error"),
        // Every finding about people is a warning.
        warnings: count("warning") + people.len(),
        people,
        infos: count("info"),
        calibration: crate::access::read_calibration(&caller.person).is_ok(),
        findings,
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(status, &page))
}
