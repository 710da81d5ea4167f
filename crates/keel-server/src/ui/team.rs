//! The team page (`/teams/{id}`): the OKRs the team owns or shares in a cycle (each once, with
//! one progress, never copied), its people and sub-teams, the health findings about its OKRs,
//! and its reviews by date (with a button to start one, for those who may run it), and its
//! check-in cadence: the team's own or the organisation's, with a form to set or clear it for
//! those `services::rhythm::authorize_team_cadence` allows (the API's rule, asked before the
//! form is read, so a stranger learns nothing from a bad value).

use super::company::{cycle_choices, person_href, Choice, OkrLine};
use super::forms::{Field, Form};
use super::health::FindingLine;
use super::reviews::ReviewLine;
use super::{render, Layout, SignedIn, UiError};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::read::{reviews as team_reviews, team_page};
use crate::services::rhythm::{self, SetTeamCadence};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form as PostedForm, Router};
use keel_domain::TeamId;
use keel_store::Settings;
use serde::Deserialize;

/// The team page and its cadence form.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/teams/{id}", get(team))
        .route("/teams/{id}/cadence", post(set_cadence))
}

/// The team's check-in cadence as the page shows it, and its form.
pub struct CadenceBox {
    /// What applies: the team's own, else the organisation's.
    pub days: u32,
    /// Whether it is the team's own.
    pub own: bool,
    /// The organisation's, for "follow the organisation".
    pub organisation_days: u32,
    /// Whether the reader may set it (the form is shown only then).
    pub can_set: bool,
    /// The form: `cadence_days` as saved or as typed, with its error.
    pub form: Form,
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
    /// The cycle shown, for the link to the dependency map.
    cycle_id: String,
    objectives: Vec<OkrLine>,
    shared: Vec<SharedLine>,
    findings: Vec<FindingLine>,
    /// When the health check that found them ran (empty before its first run).
    findings_as_of: String,
    reviews: Vec<ReviewLine>,
    can_run_review: bool,
    cadence: CadenceBox,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TeamQuery {
    cycle_id: Option<String>,
    done: Option<String>,
}

/// `GET /teams/{id}`.
pub async fn team(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<TeamQuery>,
) -> Result<Response, UiError> {
    let notice = match q.done.as_deref() {
        Some("cadence") => Some("Check-in cadence saved.".to_string()),
        _ => None,
    };
    let page = page(
        &state,
        &caller,
        &TeamId::from_string(id),
        q.cycle_id.as_deref(),
        None,
        notice,
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

/// The cadence form's field, holding `value`.
fn cadence_field(value: String) -> Field {
    Field::new("cadence_days", "Days between check-ins", "number")
        .value(value)
        .hint("A whole number of days, from 1 to 90. Check-ins fall due on the organisation's check-in day.")
}

/// Whether the caller may set the team's cadence: a refusal is an answer, not an error.
async fn may_set_cadence(state: &AppState, caller: &Caller, team: &TeamId) -> ApiResult<bool> {
    match rhythm::authorize_team_cadence(state.store(), caller, team).await {
        Ok(_) => Ok(true),
        Err(ApiError::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

async fn page(
    state: &AppState,
    caller: &Caller,
    id: &TeamId,
    cycle_id: Option<&str>,
    kept: Option<Form>,
    notice: Option<String>,
) -> Result<TeamPage, UiError> {
    let t = team_page::team_overview(state.store(), caller, id, cycle_id).await?;
    let cadence = rhythm::team_cadence(state.store(), &t.team.id).await?;
    let can_set = may_set_cadence(state, caller, &t.team.id).await?;
    let organisation_days = state.store().settings().await?.rhythm.cadence_days;
    let form = kept.unwrap_or_else(|| {
        Form::new(
            &Layout::signed_in(caller, "").csrf_token,
            vec![cadence_field(
                cadence
                    .own_cadence_days
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            )],
        )
    });
    let reviews = team_reviews::team_reviews(state.store(), caller, &t.team.id).await?;
    let cycle = t.cycle.as_ref();
    let person = |p: &keel_domain::Person| Link {
        href: person_href(p.id.as_str(), cycle),
        label: p.name.clone(),
        detail: p.title.clone(),
    };
    let here = Some(&t.team.id);
    let page = TeamPage {
        layout: Layout::signed_in(caller, ""),
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
        cycle_id: cycle.map(|c| c.id.to_string()).unwrap_or_default(),
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
        findings_as_of: t
            .findings_as_of
            .map(super::format::when)
            .unwrap_or_default(),
        reviews: reviews.reviews.iter().map(ReviewLine::new).collect(),
        can_run_review: reviews.can_run,
        cadence: CadenceBox {
            days: cadence.cadence_days,
            own: cadence.own_cadence_days.is_some(),
            organisation_days,
            can_set,
            form,
        },
        notice,
    };
    Ok(page)
}

#[derive(Debug, Deserialize)]
pub struct CadenceInput {
    #[serde(default)]
    cadence_days: String,
    /// Present when "follow the organisation" was pressed: clears the team's own cadence.
    follow: Option<String>,
}

/// The days typed, for `services::rhythm::set_team_cadence` to judge: a negative or huge number
/// goes through as 0 so the service's range rule (written once, in the domain) answers it.
fn days_typed(raw: &str) -> ApiResult<u32> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ApiError::invalid(
            "cadence_days",
            "enter the number of days between check-ins, or follow the organisation",
        ));
    }
    raw.parse::<i64>()
        .map(|n| u32::try_from(n).unwrap_or(0))
        .map_err(|_| ApiError::invalid("cadence_days", "must be a whole number of days, like 14"))
}

/// `POST /teams/{id}/cadence`: set the team's own cadence, or (`follow`) clear it to follow the
/// organisation's. Permission first: whoever may not set it gets 403 whatever they typed.
pub async fn set_cadence(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<CadenceInput>,
) -> Result<Response, UiError> {
    let team_id = TeamId::from_string(id);
    rhythm::authorize_team_cadence(state.store(), &caller, &team_id).await?;
    let days = match input.follow {
        Some(_) => Ok(None),
        None => days_typed(&input.cadence_days).map(Some),
    };
    let result = match days {
        Ok(cadence_days) => rhythm::set_team_cadence(
            state.store(),
            &caller,
            &team_id,
            SetTeamCadence { cadence_days },
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    let err = match result {
        Ok(()) => {
            return Ok(
                Redirect::to(&format!("/teams/{team_id}?done=cadence#cadence")).into_response(),
            )
        }
        Err(e) => e,
    };
    let mut form = Form::new(
        &Layout::signed_in(&caller, "").csrf_token,
        vec![cadence_field(input.cadence_days)],
    );
    form.show(err)?;
    if form.error.is_none() {
        form.error = Some("The cadence was not changed: see the message next to the field.".into());
    }
    let page = page(&state, &caller, &team_id, None, Some(form), None).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
