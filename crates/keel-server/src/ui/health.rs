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

/// One pitfall of the summary: how many findings, and the link listing only them.
pub struct PitfallLine {
    pub severity: &'static str,
    pub headline: String,
    pub count: usize,
    pub href: String,
    /// The list shows only this pitfall.
    pub chosen: bool,
}

#[derive(Template)]
#[template(path = "health.html")]
struct HealthPage {
    layout: Layout,
    cycles: Vec<Choice>,
    cycle_name: String,
    error: Option<String>,
    /// A pitfall or page number that is not one, and its field.
    list_error: Option<(&'static str, String)>,
    findings: Vec<FindingLine>,
    pitfalls: Vec<PitfallLine>,
    /// "Findings 51 to 100 of 1,204", and the pages around it.
    showing: String,
    all_href: Option<String>,
    previous_href: Option<String>,
    next_href: Option<String>,
    /// Findings about people: (message, fix, link to the people).
    people: Vec<(String, String, String)>,
    errors: usize,
    warnings: usize,
    infos: usize,
    /// Whether the reader may open the calibration report (linked from here: no other page
    /// leads to it).
    calibration: bool,
    /// When the findings were found, in words (the evaluator's hourly round).
    freshness: String,
}

impl HealthPage {
    fn list_error_for(&self, field: &str) -> Option<&str> {
        self.list_error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Debug, Deserialize)]
pub struct HealthQuery {
    cycle_id: Option<String>,
    /// Only the findings of this pitfall (its code).
    pitfall: Option<String>,
    page: Option<String>,
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// Where the health page lists `pitfall`'s findings (all with `None`), page `page`.
fn listing_href(cycle: Option<&Cycle>, pitfall: Option<&str>, page: usize) -> String {
    let mut pairs: Vec<(&str, String)> = vec![];
    if let Some(c) = cycle {
        pairs.push(("cycle_id", c.id.to_string()));
    }
    if let Some(p) = pitfall {
        pairs.push(("pitfall", p.to_string()));
    }
    if page > 1 {
        pairs.push(("page", page.to_string()));
    }
    format!(
        "/health?{}#list",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

/// The listing the query asks for, or the field at fault.
fn listing(q: &HealthQuery) -> Result<health::HealthListing, (&'static str, String)> {
    let page = match crate::read::ownership_map::parse_page(q.page.as_deref()) {
        Ok(p) => p as usize,
        Err(ApiError::Invalid(e)) => return Err(("page", e.message)),
        Err(e) => return Err(("page", e.to_string())),
    };
    Ok(health::HealthListing {
        pitfall: q.pitfall.clone().filter(|p| !p.trim().is_empty()),
        page,
    })
}

/// When the findings listed were found, in words: the check runs every hour, not on each view.
fn freshness(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    match at {
        Some(at) => format!(
            "Found as of {} (the check runs every hour; owners' overload is counted from the hourly \
             count of what each person owns). \
             A fix shows here after the next run.",
            super::format::when(at)
        ),
        None => "The check runs every hour and has not run yet: its findings show here after \
                 its first run."
            .into(),
    }
}

/// `GET /health`.
pub async fn health(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<HealthQuery>,
) -> Result<Response, UiError> {
    let store = state.store();
    let (asked, mut list_error) = match listing(&q) {
        Ok(l) => (l, None),
        Err(e) => (health::HealthListing::default(), Some(e)),
    };
    let (report, error) = match health::health_page(store, &caller, q.cycle_id.as_deref(), &asked)
        .await
    {
        Ok(r) => (r, None),
        Err(ApiError::Invalid(e)) if e.field == "pitfall" => {
            list_error = Some(("pitfall", e.message.clone()));
            let all = health::HealthListing::default();
            let r = health::health_page(store, &caller, q.cycle_id.as_deref(), &all).await?;
            (r, None)
        }
        Err(ApiError::Invalid(e)) => (
            health::health_page(store, &caller, None, &health::HealthListing::default()).await?,
            Some(e.message),
        ),
        Err(e) => return Err(e.into()),
    };
    if error.is_none() && list_error.is_none() && report.page > 1 && report.findings.is_empty() {
        list_error = Some((
            "page",
            format!("There is no page {} of findings.", report.page),
        ));
    }
    let cycle = if error.is_some() {
        None
    } else {
        report.cycle.as_ref()
    };
    let listed = error.is_none() && list_error.is_none();
    let findings: Vec<FindingLine> = if listed {
        report
            .findings
            .iter()
            .map(|f| FindingLine::new(f, cycle))
            .collect()
    } else {
        vec![]
    };
    let chosen = asked.pitfall.as_deref().filter(|_| listed);
    let pitfalls = report
        .pitfalls
        .iter()
        .map(|p| PitfallLine {
            severity: severity_word(p.severity),
            headline: headline(p.code),
            count: p.count,
            href: listing_href(cycle, Some(p.code), 1),
            chosen: chosen == Some(p.code),
        })
        .collect();
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
    let per = health::FINDINGS_PER_PAGE;
    let first = (report.page - 1) * per + 1;
    let of = match chosen {
        Some(code) => report
            .pitfalls
            .iter()
            .find(|p| p.code == code)
            .map_or(0, |p| p.count),
        None => report.counts.error + report.counts.warning + report.counts.info,
    };
    let page = HealthPage {
        layout: Layout::signed_in(&caller, "/health"),
        cycles: cycle_choices(&report.cycles, cycle),
        cycle_name: cycle.map(|c| c.name.clone()).unwrap_or_default(),
        errors: report.counts.error,
        // Every finding about people is a warning.
        warnings: report.counts.warning + people.len(),
        infos: report.counts.info,
        people,
        calibration: crate::access::read_calibration(&caller.person).is_ok(),
        freshness: freshness(report.evaluated_at),
        showing: if findings.is_empty() || of <= per {
            String::new()
        } else {
            format!(
                "Findings {} to {} of {}.",
                super::format::num(first as f64),
                super::format::num((first + findings.len() - 1) as f64),
                super::format::num(of as f64)
            )
        },
        all_href: chosen.map(|_| listing_href(cycle, None, 1)),
        previous_href: (listed && report.page > 1)
            .then(|| listing_href(cycle, chosen, report.page - 1)),
        next_href: (listed && report.more).then(|| listing_href(cycle, chosen, report.page + 1)),
        pitfalls,
        findings,
        list_error,
        error,
    };
    let status = if page.error.is_some() || page.list_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(status, &page))
}
