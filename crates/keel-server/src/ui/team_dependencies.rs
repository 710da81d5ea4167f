//! The team's dependency map (`/teams/{id}/dependencies`), linked from the team page: in one
//! cycle, what the team's key results wait on (other teams' key results, their owners and
//! status, the at-risk ones first with the reason naming the dependency and its owner) and who
//! waits on the team. Why its own page: the team page stays about the team's OKRs, and the map
//! reads `read::team_dependencies`, a constant number of queries whatever the number of
//! dependencies; a key result the reader may not see is "a key result you cannot see".

use super::company::{cycle_choices, person_href, Choice, StatusBadge};
use super::{render, Layout, SignedIn, UiError};
use crate::read::lists::{cycles, pick_cycle};
use crate::read::team_dependencies::{team_dependencies, MapLine};
use crate::services::directory;
use crate::services::visibility::Viewer;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_domain::dependency::DependencyState;
use keel_domain::*;
use serde::Deserialize;

/// The map's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/teams/{id}/dependencies", get(show))
}

/// One key result as a line of the map: a link and its owner's, or hidden.
pub struct End {
    pub title: String,
    pub href: Option<String>,
    pub owner: String,
    pub owner_href: Option<String>,
    pub status: Option<StatusBadge>,
}

/// One dependency of the map.
pub struct Line {
    pub ours: End,
    pub other: End,
    /// "Accepted", "Waiting for an answer".
    pub state: String,
    pub note: String,
    pub risk: Option<String>,
}

#[derive(Template)]
#[template(path = "team_dependencies.html")]
struct MapPage {
    layout: Layout,
    id: String,
    name: String,
    cycles: Vec<Choice>,
    cycle_name: String,
    cycle_query: String,
    no_error: Option<String>,
    waits_on: Vec<Line>,
    waited_on_by: Vec<Line>,
}

#[derive(Deserialize)]
pub struct MapQuery {
    cycle_id: Option<String>,
}

fn line(l: MapLine, cycle: Option<&Cycle>) -> Line {
    let ours = End {
        href: Some(format!("/key-results/{}", l.ours.id)),
        owner_href: Some(person_href(l.ours.owner_id.as_str(), cycle)),
        owner: l.ours.owner.name.clone(),
        status: Some(StatusBadge::new(l.ours.status, String::new())),
        title: l.ours.title,
    };
    let other = match l.other {
        Some(o) => End {
            href: Some(format!("/key-results/{}", o.id)),
            owner_href: Some(person_href(o.owner.id.as_str(), cycle)),
            owner: o.owner.name,
            status: Some(StatusBadge::new(o.status, String::new())),
            title: o.title,
        },
        None => End {
            title: "a key result you cannot see".into(),
            href: None,
            owner: String::new(),
            owner_href: None,
            status: None,
        },
    };
    let hidden = other.href.is_none();
    Line {
        ours,
        other,
        state: match l.state {
            DependencyState::Proposed => "Waiting for an answer".into(),
            s => s.label().to_string(),
        },
        // The note speaks of the other key result: not shown when it is hidden.
        note: if hidden { String::new() } else { l.note },
        risk: l.risk,
    }
}

/// `GET /teams/{id}/dependencies?cycle_id=`.
pub async fn show(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<MapQuery>,
) -> Result<Response, UiError> {
    let store = state.store();
    let team = directory::get_team(store, &TeamId::from_string(id)).await?;
    let all = cycles(store).await?;
    let today = crate::services::today(store).await?;
    let cycle = pick_cycle(&all, q.cycle_id.as_deref(), today)?;
    let map = team_dependencies(
        store,
        &Viewer::of(&caller.person),
        &team.id,
        cycle.as_ref().map(|c| &c.id),
    )
    .await?;
    let c = cycle.as_ref();
    let page = MapPage {
        layout: Layout::signed_in(&caller, "/company"),
        id: team.id.to_string(),
        name: team.name.clone(),
        cycles: cycle_choices(&all, c),
        cycle_name: c.map(|c| c.name.clone()).unwrap_or_default(),
        cycle_query: c.map(|c| format!("?cycle_id={}", c.id)).unwrap_or_default(),
        no_error: None,
        waits_on: map.waits_on.into_iter().map(|l| line(l, c)).collect(),
        waited_on_by: map.waited_on_by.into_iter().map(|l| line(l, c)).collect(),
    };
    Ok(render(StatusCode::OK, &page))
}
