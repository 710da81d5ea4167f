//! The objectives list (`/objectives`): every objective the reader may see in a cycle (the
//! current one by default), filtered by team, owner, kind and state, by title or oldest first,
//! a page at a time with a link to the next (never a silent cut-off).

use super::company::{cycle_choices, percent, Choice, StatusBadge};
use super::{render, Layout, SignedIn, UiError};
use crate::error::{ApiError, ApiResult};
use crate::read::{lists, objectives_list, views};
use crate::services::visibility::Viewer;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_domain::*;
use keel_store::{ObjectiveFilter, PageRequest, Reader};
use serde::Deserialize;

/// Objectives per page.
const PER_PAGE: u32 = 50;

/// The list's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/objectives", get(list))
}

/// One objective in the list.
pub struct Row {
    pub href: String,
    pub title: String,
    pub owner_id: String,
    pub owner_name: String,
    pub percent: i64,
    pub status: StatusBadge,
    pub kind: &'static str,
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "objectives.html")]
struct ObjectivesPage {
    layout: Layout,
    cycles: Vec<Choice>,
    /// The team chosen, if any (the picker finds the others).
    teams: Vec<Choice>,
    team_find: String,
    kinds: Vec<Choice>,
    states: Vec<Choice>,
    sorts: Vec<Choice>,
    owner_id: String,
    /// No error for the selects (the page's one message is `error`).
    no_error: Option<String>,
    error: Option<String>,
    rows: Vec<Row>,
    next_href: Option<String>,
    /// Under the status and progress orders: when the order was computed.
    sorted_note: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    cycle_id: Option<String>,
    team_id: Option<String>,
    /// What was typed in the team picker's find field (a form sent without JavaScript).
    #[serde(rename = "team_id.find")]
    team_find: Option<String>,
    owner_id: Option<String>,
    kind: Option<String>,
    state: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
}

fn choices(options: &[(&str, &str)], chosen: Option<&str>) -> Vec<Choice> {
    options
        .iter()
        .map(|(value, label)| Choice {
            value: value.to_string(),
            label: label.to_string(),
            selected: chosen == Some(*value),
        })
        .collect()
}

fn row(o: views::ObjectiveView) -> Row {
    Row {
        href: format!("/objectives/{}", o.id),
        owner_id: o.owner_id.to_string(),
        owner_name: o.owner.name.clone(),
        percent: percent(o.progress),
        status: StatusBadge::new(o.status, o.status_reason.clone()),
        kind: match o.kind {
            ObjectiveKind::Committed => "committed",
            ObjectiveKind::Aspirational => "aspirational",
        },
        state: match o.state {
            ObjectiveState::Draft => "draft",
            ObjectiveState::Active => "active",
            ObjectiveState::Closed => "closed",
        },
        title: o.title,
    }
}

fn next_link(q: &ListQuery, cycle: &str, cursor: &str) -> String {
    let pairs: Vec<(&str, &str)> = [
        ("cycle_id", Some(cycle)),
        ("team_id", q.team_id.as_deref()),
        ("owner_id", q.owner_id.as_deref()),
        ("kind", q.kind.as_deref()),
        ("state", q.state.as_deref()),
        ("sort", q.sort.as_deref()),
        ("cursor", Some(cursor)),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect();
    format!(
        "/objectives?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

/// The page's rows and the link to the next page: three queries for the list and the views'
/// constant few, whatever the number of objectives.
async fn rows(
    state: &AppState,
    caller: &crate::auth::Caller,
    q: &ListQuery,
    cycle: Option<&Cycle>,
) -> ApiResult<(Vec<Row>, Option<String>)> {
    let Some(cycle) = cycle else {
        return Ok((vec![], None));
    };
    let some = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
    let filter = ObjectiveFilter {
        cycle_id: Some(cycle.id.clone()),
        team_id: some(&q.team_id).map(TeamId::from_string),
        owner_id: some(&q.owner_id).map(PersonId::from_string),
        kind: objectives_list::kind(q.kind.as_deref())?,
        state: objectives_list::state(q.state.as_deref())?,
        ..ObjectiveFilter::new(Reader::of(Viewer::of(&caller.person).audience()))
    };
    let order = objectives_list::order(q.sort.as_deref())?;
    let page = PageRequest {
        limit: PER_PAGE,
        cursor: some(&q.cursor),
    };
    let found = objectives_list::page(state.store(), filter, order, &page, None).await?;
    let next = found
        .next_cursor
        .as_deref()
        .map(|c| next_link(q, cycle.id.as_str(), c));
    Ok((found.items.into_iter().map(row).collect(), next))
}

fn readable(e: &FieldError) -> String {
    match e.field.as_str() {
        "cursor" => "That link to the next page has expired: start from the first page.".into(),
        "cycle_id" => "No such cycle: choose one from the list.".into(),
        "sort" => "Sort by creation, title, owner, status or progress.".into(),
        other => format!("Choose a {other} from the list."),
    }
}

/// What the status and progress orders are as of, in words: they come from the hourly
/// evaluation, not from this moment.
async fn sorted_note(store: &dyn keel_store::Store) -> ApiResult<String> {
    Ok(match objectives_list::sorted_as_of(store).await? {
        Some(at) => format!(
            "Ordered by status and progress as of {} (worked out every hour); each objective \
             shows its status now, and those created since are listed last.",
            super::format::when(at)
        ),
        None => "Status and progress are worked out every hour; until the first time, \
                 objectives are listed oldest first."
            .into(),
    })
}

/// `GET /objectives`.
pub async fn list(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(mut q): Query<ListQuery>,
) -> Result<Response, UiError> {
    let all_cycles = lists::cycles(state.store()).await?;
    let today = crate::services::today(state.store()).await?;
    let mut error = None;
    // The team filter is a picker: only the team chosen is read, never every team.
    let team = match crate::read::pickers::resolve_team(
        state.store(),
        "team_id",
        q.team_id.as_deref(),
        q.team_find.as_deref(),
    )
    .await
    {
        Ok(t) => t,
        Err(ApiError::Invalid(e)) => {
            error = Some(super::company::team_error(&e));
            q.team_id = None;
            None
        }
        Err(e) => return Err(UiError(e)),
    };
    if let Some(t) = &team {
        q.team_id = Some(t.id.to_string());
    }
    let cycle = match lists::pick_cycle(&all_cycles, q.cycle_id.as_deref(), today) {
        Ok(c) => c,
        Err(ApiError::Invalid(e)) => {
            error = Some(readable(&e));
            lists::current_cycle(&all_cycles, today).cloned()
        }
        Err(e) => return Err(UiError(e)),
    };
    let (rows, next_href) = match rows(&state, &caller, &q, cycle.as_ref()).await {
        Ok(found) => found,
        Err(ApiError::Invalid(e)) => {
            error = Some(readable(&e));
            (vec![], None)
        }
        Err(e) => return Err(UiError(e)),
    };
    let sorted_note = match objectives_list::order(q.sort.as_deref()) {
        Ok(o) if o.numeric() => Some(sorted_note(state.store()).await?),
        _ => None,
    };
    let page = ObjectivesPage {
        sorted_note,
        layout: Layout::signed_in(&caller, "/objectives"),
        cycles: cycle_choices(&all_cycles, cycle.as_ref()),
        teams: super::company::team_choice(team.as_ref()),
        team_find: q.team_find.clone().unwrap_or_default(),
        kinds: choices(
            &[("committed", "Committed"), ("aspirational", "Aspirational")],
            q.kind.as_deref(),
        ),
        states: choices(
            &[
                ("draft", "Draft"),
                ("active", "Active"),
                ("closed", "Closed"),
            ],
            q.state.as_deref(),
        ),
        sorts: choices(
            &[
                ("title", "Title"),
                ("owner", "Owner"),
                ("status", "Status (the worst first)"),
                ("progress", "Progress (the least first)"),
            ],
            q.sort.as_deref(),
        ),
        owner_id: q.owner_id.clone().unwrap_or_default(),
        no_error: None,
        error: error.clone(),
        rows,
        next_href,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(status, &page))
}
