//! The participation report page (`/reports/participation`) and its CSV download
//! (`/reports/participation/export`): who takes part in a cycle's OKRs, for HR and team leads.
//! The figures and the list come from `read::participation`, as the API's do; a person list is
//! a page of 50 ("People 51 to 100 of 4,210") with links to the previous and next pages (the
//! totals cover everyone, counted by the database).

use super::company::{cycle_choices, Choice};
use super::{render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::read::participation::{self, ParticipationLine, ParticipationParams, GAPS};
use crate::read::{lists, participation::ParticipationTotals, pickers};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_domain::FieldError;
use keel_store::PageRequest;
use serde::Deserialize;

/// People shown per page.
const PER_PAGE: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/participation", get(page))
        .route("/reports/participation/export", get(export))
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    cycle_id: Option<String>,
    team_id: Option<String>,
    /// What was typed in the team picker's find field (a form sent without JavaScript).
    #[serde(rename = "team_id.find")]
    team_find: Option<String>,
    gap: Option<String>,
    /// The page of people (from 1).
    page: Option<String>,
}

impl ReportQuery {
    fn params(&self) -> ParticipationParams {
        ParticipationParams {
            cycle_id: self.cycle_id.clone(),
            team_id: self.team_id.clone(),
            gap: self.gap.clone(),
        }
    }

    /// The query string of the same selection, on page `page` (the first when `None`).
    fn link(&self, path: &str, cycle_id: &str, gap: Option<&str>, page: Option<u64>) -> String {
        let page = page.filter(|p| *p > 1).map(|p| p.to_string());
        let pairs: Vec<(&str, &str)> = [
            ("cycle_id", Some(cycle_id)),
            ("team_id", self.team_id.as_deref()),
            ("gap", gap),
            ("page", page.as_deref()),
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

/// One summary figure, linking to the people it counts.
pub struct Figure {
    /// The gap it counts, as the API spells it (`people` for everyone).
    pub key: &'static str,
    pub count: i64,
    pub label: String,
    pub href: String,
    pub warn: bool,
}

/// One person's row.
pub struct Row {
    pub person_id: String,
    pub name: String,
    pub title: String,
    pub owned: i64,
    pub co_owned: i64,
    pub contributed: i64,
    pub check_ins: i64,
    /// Short notes: "no OKRs", "no check-in", "overloaded".
    pub notes: Vec<(&'static str, &'static str)>,
}

fn row(l: ParticipationLine) -> Row {
    let mut notes = vec![];
    if l.without_okrs {
        notes.push(("overload", "no OKRs"));
    }
    if l.without_check_in {
        notes.push(("pending", "no check-in"));
    }
    if l.overloaded {
        notes.push(("overload", "overloaded"));
    }
    Row {
        person_id: l.person_id.to_string(),
        name: l.name,
        title: l.title,
        owned: l.owned_objectives + l.owned_key_results,
        co_owned: l.co_owned,
        contributed: l.contributed,
        check_ins: l.check_ins,
        notes,
    }
}

#[derive(Template)]
#[template(path = "participation.html")]
struct ParticipationPage {
    layout: Layout,
    cycles: Vec<Choice>,
    /// The team chosen, if any (the picker finds the others).
    teams: Vec<Choice>,
    team_find: String,
    gaps: Vec<Choice>,
    cycle_error: Option<String>,
    team_error: Option<String>,
    gap_error: Option<String>,
    error: Option<String>,
    /// The cycle shown, if any.
    cycle_name: String,
    overload: u32,
    /// When the figures were counted, in words.
    freshness: String,
    figures: Vec<Figure>,
    /// What the list shows, in words.
    listing: String,
    rows: Vec<Row>,
    /// "People 51 to 100 of 4,210."
    showing: String,
    previous_href: Option<String>,
    next_href: Option<String>,
    csv_href: String,
}

fn figures(q: &ReportQuery, cycle_id: &str, t: &ParticipationTotals, overload: u32) -> Vec<Figure> {
    let link = |gap: Option<&str>| q.link("/reports/participation", cycle_id, gap, None);
    vec![
        Figure {
            key: "people",
            count: t.people,
            label: "people".into(),
            href: link(None),
            warn: false,
        },
        Figure {
            key: "without_okrs",
            count: t.without_okrs,
            label: "own, co-own or contribute to nothing".into(),
            href: link(Some("without_okrs")),
            warn: t.without_okrs > 0,
        },
        Figure {
            key: "key_result_owners",
            count: t.key_result_owners,
            label: "own a key result under way".into(),
            href: link(None),
            warn: false,
        },
        Figure {
            key: "without_check_in",
            count: t.without_check_in,
            label: "of them without a check-in".into(),
            href: link(Some("without_check_in")),
            warn: t.without_check_in > 0,
        },
        Figure {
            key: "overloaded",
            count: t.overloaded,
            label: format!("own more than {overload}"),
            href: link(Some("overloaded")),
            warn: t.overloaded > 0,
        },
    ]
}

/// When the figures were counted, in words: the evaluator counts them every hour.
fn freshness(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    match at {
        Some(at) => format!(
            "Counted as of {} (every hour); team and private OKRs only you may see are \
             counted now.",
            super::format::when(at)
        ),
        None => {
            "Counted now: from the next hourly count on, the figures are as of that count.".into()
        }
    }
}

/// "People 51 to 100 of 4,210." (or where the list ends when the page is past it).
fn showing(page: u64, shown: usize, of: i64) -> String {
    let num = |n: u64| super::format::num(n as f64);
    let of = u64::try_from(of).unwrap_or(0);
    if shown == 0 {
        return if of == 0 {
            String::new()
        } else {
            format!("No one on this page: the list has {} people.", num(of))
        };
    }
    let first = (page - 1) * u64::from(PER_PAGE) + 1;
    let last = first + shown as u64 - 1;
    format!("People {} to {} of {}.", num(first), num(last), num(of))
}

/// The readable message of a refused filter, and which field it belongs to.
fn readable(e: &FieldError) -> (&'static str, String) {
    match e.field.as_str() {
        "cycle_id" => (
            "cycle_id",
            "No such cycle: choose one from the list.".into(),
        ),
        "team_id" => ("team_id", super::company::team_error(e)),
        "gap" => ("gap", "Choose whom to show from the list.".into()),
        "page" => ("", "The page must be a whole number from 1.".into()),
        _ => ("", e.message.clone()),
    }
}

/// `GET /reports/participation`.
pub async fn page(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(mut q): Query<ReportQuery>,
) -> Result<Response, UiError> {
    let store = state.store();
    participation::reach(store, &caller).await?;
    let team = pickers::resolve_team(
        store,
        "team_id",
        q.team_id.as_deref(),
        q.team_find.as_deref(),
    )
    .await;
    if let Ok(Some(t)) = &team {
        q.team_id = Some(t.id.to_string());
    }
    let mut page = ParticipationPage {
        layout: Layout::signed_in(&caller, "/reports"),
        cycles: vec![],
        teams: super::company::team_choice(team.as_ref().ok().and_then(Option::as_ref)),
        team_find: q.team_find.clone().unwrap_or_default(),
        gaps: GAPS
            .iter()
            .zip([
                "Own, co-own or contribute to nothing",
                "Own a key result, no check-in",
                "Overloaded",
            ])
            .map(|((value, _), label)| Choice {
                selected: q.gap.as_deref() == Some(*value),
                value: value.to_string(),
                label: label.to_string(),
            })
            .collect(),
        cycle_error: None,
        team_error: None,
        gap_error: None,
        error: None,
        cycle_name: String::new(),
        overload: 0,
        freshness: String::new(),
        figures: vec![],
        listing: String::new(),
        rows: vec![],
        showing: String::new(),
        previous_href: None,
        next_href: None,
        csv_href: String::new(),
    };
    let (number, page_error) = match crate::read::ownership_map::parse_page(q.page.as_deref()) {
        Ok(n) => (n, None),
        Err(e) => (1, Some(e)),
    };
    let prepared = match (team, page_error) {
        (Err(e), _) | (Ok(_), Some(e)) => Err(e),
        (Ok(_), None) => participation::prepare(store, &caller, &q.params()).await,
    };
    let found = match prepared {
        Ok(Some(prepared)) => {
            let request = PageRequest {
                limit: PER_PAGE,
                cursor: Some(format!("o:{}", (number - 1) * u64::from(PER_PAGE))),
            };
            participation::page(store, &prepared, &request)
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
            page.overload = report.overload;
            page.freshness = freshness(report.counted_at);
            page.figures = figures(&q, &cycle_id, &report.totals, report.overload);
            let gap = q.gap.as_deref().filter(|g| !g.is_empty());
            page.listing = match gap {
                Some("without_okrs") => "People who own, co-own or contribute to nothing",
                Some("without_check_in") => "Key result owners without a check-in",
                Some(_) => "People who own too much",
                None => "Everyone",
            }
            .to_string();
            let listed = match gap {
                Some("without_okrs") => report.totals.without_okrs,
                Some("without_check_in") => report.totals.without_check_in,
                Some(_) => report.totals.overloaded,
                None => report.totals.people,
            };
            page.showing = showing(number, report.items.len(), listed);
            page.previous_href = (number > 1)
                .then(|| q.link("/reports/participation", &cycle_id, gap, Some(number - 1)));
            page.next_href = report
                .next_cursor
                .as_deref()
                .map(|_| q.link("/reports/participation", &cycle_id, gap, Some(number + 1)));
            page.csv_href = q.link("/reports/participation/export", &cycle_id, gap, None);
            page.rows = report.items.into_iter().map(row).collect();
        }
        Ok(None) => {}
        Err(ApiError::Invalid(e)) => {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            let (field, message) = readable(&e);
            match field {
                "cycle_id" => page.cycle_error = Some(message),
                "team_id" => page.team_error = Some(message),
                "gap" => page.gap_error = Some(message),
                _ => page.error = Some(message),
            }
            let cycles = lists::cycles(store).await?;
            page.cycles = cycle_choices(&cycles, None);
        }
        Err(e) => return Err(UiError(e)),
    }
    Ok(render(status, &page))
}

/// `GET /reports/participation/export`: the whole selection as CSV, streamed.
pub async fn export(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<ReportQuery>,
) -> Result<Response, UiError> {
    let Some(prepared) = participation::prepare(state.store(), &caller, &q.params()).await? else {
        return Err(UiError(ApiError::invalid(
            "cycle_id",
            "there is no cycle yet: an administrator or champion creates one first",
        )));
    };
    Ok(participation::csv_export(
        state.store.clone(),
        prepared.query,
    ))
}
