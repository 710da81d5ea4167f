//! A person's page (`/people/{id}`): what they own, co-own, sponsor and contribute to in a cycle,
//! with status and progress, their check-in rhythm, their teams and manager. Every person's name
//! on the pages links here (`company_macros.html`'s `person` macro).

use super::company::{cycle_choices, percent, Choice, StatusBadge};
use super::{format, render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::read::person_page::{self, PersonOkr};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_domain::Person;
use serde::Deserialize;

/// The person page's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/people/{id}", get(show))
}

/// One OKR line on the page.
pub struct Line {
    pub kind: &'static str,
    pub title: String,
    pub href: String,
    /// For a key result: its objective's title.
    pub under: String,
    pub role: &'static str,
    pub percent: i64,
    pub status: StatusBadge,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPageView {
    layout: Layout,
    person: Person,
    manager: Option<Person>,
    /// (href, name).
    teams: Vec<(String, String)>,
    cycles: Vec<Choice>,
    cycle_error: Option<String>,
    cycle_name: String,
    objectives: Vec<Line>,
    key_results: Vec<Line>,
    last_check_in: String,
    due: usize,
    overdue: usize,
}

#[derive(Deserialize)]
pub struct PersonQuery {
    cycle_id: Option<String>,
}

fn line(okr: PersonOkr) -> Line {
    let role = okr.involvement().word();
    match okr {
        PersonOkr::Objective(o, _) => Line {
            kind: "objective",
            href: format!("/objectives/{}", o.id),
            title: o.title,
            under: String::new(),
            role,
            percent: percent(o.progress),
            status: StatusBadge::new(o.status, o.status_reason),
        },
        PersonOkr::KeyResult(k, under, _) => Line {
            kind: "key_result",
            href: format!("/objectives/{}#kr-{}", k.objective_id, k.id),
            title: k.title,
            under,
            role,
            percent: percent(k.progress),
            status: StatusBadge::new(k.status, k.status_reason),
        },
    }
}

/// `GET /people/{id}`; an unknown cycle shows the current one with a readable message (422).
pub async fn show(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<PersonQuery>,
) -> Result<Response, UiError> {
    let (status, cycle_error, page) =
        match person_page::person_page(state.store(), &caller, &id, q.cycle_id.as_deref()).await {
            Err(ApiError::Invalid(e)) if e.field == "cycle_id" => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("No such cycle: here is the current one.".to_string()),
                person_page::person_page(state.store(), &caller, &id, None).await?,
            ),
            other => (StatusCode::OK, None, other?),
        };
    let (objectives, key_results): (Vec<Line>, Vec<Line>) = page
        .okrs
        .into_iter()
        .map(line)
        .partition(|l| l.kind == "objective");
    let view = PersonPageView {
        layout: Layout::signed_in(&caller, ""),
        manager: page.manager,
        teams: page
            .teams
            .into_iter()
            .map(|t| (format!("/teams/{}", t.id), t.name))
            .collect(),
        cycles: cycle_choices(&page.cycles, page.cycle.as_ref()),
        cycle_error,
        cycle_name: page
            .cycle
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        objectives,
        key_results,
        last_check_in: page
            .rhythm
            .last_check_in_at
            .map(format::when)
            .unwrap_or_default(),
        due: page.rhythm.due,
        overdue: page.rhythm.overdue,
        person: page.person,
    };
    Ok(render(status, &view))
}
