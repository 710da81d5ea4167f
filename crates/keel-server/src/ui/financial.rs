//! The financial key results page (`/reports/financial`) and its CSV download
//! (`/reports/financial/export`), for finance: the figures come from `read::financial`, as the
//! API's do; the key results are a page of 100 with a link to the next (the totals cover all).

use super::company::{cycle_choices, Choice, StatusBadge};
use super::{format, render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::read::financial::{self, FinancialLine, FinancialParams};
use crate::read::lists;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_store::PageRequest;
use serde::Deserialize;

/// Key results shown per page.
const PER_PAGE: u32 = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/financial", get(page))
        .route("/reports/financial/export", get(export))
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    cycle_id: Option<String>,
    team_id: Option<String>,
    /// What was typed in the team picker's find field (a form sent without JavaScript).
    #[serde(rename = "team_id.find")]
    team_find: Option<String>,
    cursor: Option<String>,
}

impl ReportQuery {
    fn params(&self) -> FinancialParams {
        FinancialParams {
            cycle_id: self.cycle_id.clone(),
            team_id: self.team_id.clone(),
        }
    }

    fn link(&self, path: &str, cycle_id: &str, cursor: Option<&str>) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("cycle_id", Some(cycle_id)),
            ("team_id", self.team_id.as_deref()),
            ("cursor", cursor),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    }
}

/// One team's totals in one currency, in words.
pub struct TotalRow {
    pub team: String,
    pub team_href: Option<String>,
    pub unit: String,
    pub key_results: i64,
    pub start: String,
    pub target: String,
    pub current: String,
}

/// One key result's row.
pub struct Row {
    pub href: String,
    pub title: String,
    pub objective_href: String,
    pub objective_title: String,
    pub owner_id: String,
    pub owner_name: String,
    pub unit: String,
    pub start: String,
    pub target: String,
    pub current: String,
    pub percent: i64,
    pub status: StatusBadge,
}

fn row(l: FinancialLine) -> Row {
    Row {
        href: format!("/key-results/{}", l.key_result_id),
        title: l.title,
        objective_href: format!("/objectives/{}", l.objective_id),
        objective_title: l.objective_title,
        owner_id: l.owner_id.to_string(),
        owner_name: l.owner_name,
        unit: l.unit,
        start: format::num(l.start),
        target: format::num(l.target),
        current: format::num(l.current),
        percent: (l.progress * 100.0).round() as i64,
        status: StatusBadge::new(l.status, l.status_reason),
    }
}

#[derive(Template)]
#[template(path = "financial.html")]
struct FinancialPage {
    layout: Layout,
    cycles: Vec<Choice>,
    /// The team chosen, if any (the picker finds the others).
    teams: Vec<Choice>,
    team_find: String,
    cycle_error: Option<String>,
    team_error: Option<String>,
    error: Option<String>,
    cycle_name: String,
    totals: Vec<TotalRow>,
    rows: Vec<Row>,
    next_href: Option<String>,
    csv_href: String,
}

/// `GET /reports/financial`.
pub async fn page(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(mut q): Query<ReportQuery>,
) -> Result<Response, UiError> {
    let store = state.store();
    crate::access::read_financial_report(&caller.person)?;
    let team = crate::read::pickers::resolve_team(
        store,
        "team_id",
        q.team_id.as_deref(),
        q.team_find.as_deref(),
    )
    .await;
    if let Ok(Some(t)) = &team {
        q.team_id = Some(t.id.to_string());
    }
    let mut page = FinancialPage {
        layout: Layout::signed_in(&caller, "/reports"),
        cycles: vec![],
        teams: super::company::team_choice(team.as_ref().ok().and_then(Option::as_ref)),
        team_find: q.team_find.clone().unwrap_or_default(),
        cycle_error: None,
        team_error: None,
        error: None,
        cycle_name: String::new(),
        totals: vec![],
        rows: vec![],
        next_href: None,
        csv_href: String::new(),
    };
    let prepared = match team {
        Err(e) => Err(e),
        Ok(_) => financial::prepare(store, &caller, &q.params()).await,
    };
    let found = match prepared {
        Ok(Some(prepared)) => {
            let request = PageRequest {
                limit: PER_PAGE,
                cursor: q.cursor.clone().filter(|c| !c.is_empty()),
            };
            financial::page(store, &prepared, &request)
                .await
                .map(|r| Some((prepared, r)))
        }
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    };
    let mut status = StatusCode::OK;
    match found {
        Ok(Some((prepared, report))) => {
            let cycle_id = prepared.cycle.id.to_string();
            page.cycles = cycle_choices(&prepared.cycles, Some(&prepared.cycle));
            page.cycle_name = prepared.cycle.name.clone();
            page.totals = report
                .totals
                .into_iter()
                .map(|t| TotalRow {
                    team: t.team_name.unwrap_or_else(|| "No team".into()),
                    team_href: t.team_id.map(|id| format!("/teams/{id}")),
                    unit: if t.unit.is_empty() {
                        "no unit".into()
                    } else {
                        t.unit
                    },
                    key_results: t.key_results,
                    start: format::num(t.start),
                    target: format::num(t.target),
                    current: format::num(t.current),
                })
                .collect();
            page.next_href = report
                .next_cursor
                .as_deref()
                .map(|c| q.link("/reports/financial", &cycle_id, Some(c)));
            page.csv_href = q.link("/reports/financial/export", &cycle_id, None);
            page.rows = report.items.into_iter().map(row).collect();
        }
        Ok(None) => {}
        Err(ApiError::Invalid(e)) => {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            match e.field.as_str() {
                "cycle_id" => {
                    page.cycle_error = Some("No such cycle: choose one from the list.".into())
                }
                "team_id" => page.team_error = Some(super::company::team_error(&e)),
                "cursor" => {
                    page.error = Some(
                        "That link to the next page has expired: start from the first page.".into(),
                    )
                }
                _ => page.error = Some(e.message),
            }
            page.cycles = cycle_choices(&lists::cycles(store).await?, None);
        }
        Err(e) => return Err(UiError(e)),
    }
    Ok(render(status, &page))
}

/// `GET /reports/financial/export`: every financial key result of the selection as CSV.
pub async fn export(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<ReportQuery>,
) -> Result<Response, UiError> {
    let Some(prepared) = financial::prepare(state.store(), &caller, &q.params()).await? else {
        return Err(UiError(ApiError::invalid(
            "cycle_id",
            "there is no cycle yet: an administrator or champion creates one first",
        )));
    };
    Ok(financial::csv_export(state.store.clone(), prepared.query))
}
