//! The team page (`/teams/{id}`): the OKRs the team owns or shares in a cycle (each once, with
//! one progress, never copied), its people and sub-teams, the health findings about its OKRs,
//! and its reviews by date (with a button to start one, for those who may run it).

use super::company::{cycle_choices, person_href, Choice, OkrLine};
use super::health::FindingLine;
use super::reviews::ReviewLine;
use super::{render, Layout, SignedIn, UiError};
use crate::services::{ui_org, ui_rhythm};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_domain::TeamId;
use serde::Deserialize;

/// The team page's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/teams/{id}", get(team))
}

/// A person or team linked from the page.
pub struct Link {
    pub href: String,
    pub label: String,
    pub detail: String,
}

/// A key result shared with the team, under an objective that is not.
pub struct SharedLine {
    pub key_result: OkrLine,
    pub objective_title: String,
    pub objective_href: String,
    pub objective_owner: String,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    layout: Layout,
    id: String,
    name: String,
    parent: Option<Link>,
    lead: Option<Link>,
    members: Vec<Link>,
    sub_teams: Vec<Link>,
    cycles: Vec<Choice>,
    /// The cycle chooser never fails here (an unknown cycle is an error page).
    no_error: Option<String>,
    cycle_name: String,
    objectives: Vec<OkrLine>,
    shared: Vec<SharedLine>,
    findings: Vec<FindingLine>,
    reviews: Vec<ReviewLine>,
    can_run_review: bool,
}

#[derive(Debug, Deserialize)]
pub struct TeamQuery {
    cycle_id: Option<String>,
}

/// `GET /teams/{id}`.
pub async fn team(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<TeamQuery>,
) -> Result<Response, UiError> {
    let t = ui_org::team_overview(
        state.store(),
        &caller,
        &TeamId::from_string(id),
        q.cycle_id.as_deref(),
    )
    .await?;
    let reviews = ui_rhythm::team_reviews(state.store(), &caller, &t.team.id).await?;
    let cycle = t.cycle.as_ref();
    let person = |p: &keel_domain::Person| Link {
        href: person_href(p.id.as_str(), cycle),
        label: p.name.clone(),
        detail: p.title.clone(),
    };
    let here = Some(&t.team.id);
    let page = TeamPage {
        layout: Layout::signed_in(&caller, ""),
        id: t.team.id.to_string(),
        name: t.team.name.clone(),
        parent: t.parent.as_ref().map(|p| Link {
            href: format!("/teams/{}", p.id),
            label: p.name.clone(),
            detail: String::new(),
        }),
        lead: t.lead.as_ref().map(person),
        members: t.members.iter().map(person).collect(),
        sub_teams: t
            .sub_teams
            .iter()
            .map(|s| Link {
                href: format!("/teams/{}", s.id),
                label: s.name.clone(),
                detail: format!(
                    "{} member{}",
                    s.member_ids.len(),
                    if s.member_ids.len() == 1 { "" } else { "s" }
                ),
            })
            .collect(),
        cycles: cycle_choices(&t.cycles, cycle),
        no_error: None,
        cycle_name: cycle.map(|c| c.name.clone()).unwrap_or_default(),
        objectives: t
            .objectives
            .iter()
            .map(|o| OkrLine::objective(o, here))
            .collect(),
        shared: t
            .shared_key_results
            .iter()
            .map(|s| {
                let line = OkrLine::objective(&s.objective, here);
                let kr = line
                    .key_results
                    .into_iter()
                    .find(|k| k.id == s.key_result.id.as_str());
                (kr, s)
            })
            .filter_map(|(kr, s)| {
                Some(SharedLine {
                    key_result: kr?,
                    objective_title: s.objective.title.clone(),
                    objective_href: format!("/objectives/{}", s.objective.id),
                    objective_owner: s.objective.owner.name.clone(),
                })
            })
            .collect(),
        findings: t
            .findings
            .iter()
            .map(|f| FindingLine::new(f, cycle))
            .collect(),
        reviews: reviews.reviews.iter().map(ReviewLine::new).collect(),
        can_run_review: reviews.can_run,
    };
    Ok(render(StatusCode::OK, &page))
}
