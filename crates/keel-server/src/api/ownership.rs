//! Routes for ownership: propose, accept, decline, history; who owns what; team OKRs; health.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{page_request, ApiJson, ApiQuery};
use crate::read::health::{self, HealthReport};
use crate::read::team_okrs;
use crate::read::views::{KeyResultView, ListOf, ObjectiveView, PersonSummary};
use crate::services::directory;
use crate::services::ownership::{self as svc, DeclineOwnership, ProposeOwner};
use crate::services::visibility::Viewer;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use keel_domain::*;
use keel_store::{KeyResults, Objectives, Ownership, People};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(propose_objective_owner, objective_ownership))
        .routes(routes!(accept_objective_ownership))
        .routes(routes!(decline_objective_ownership))
        .routes(routes!(propose_key_result_owner, key_result_ownership))
        .routes(routes!(accept_key_result_ownership))
        .routes(routes!(decline_key_result_ownership))
        .routes(routes!(person_ownership))
        .routes(routes!(list_ownership_requests))
        .routes(routes!(team_okrs))
        .routes(routes!(health_check))
}

/// Who owns an OKR now, and every ownership request it has had (oldest first).
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnershipView {
    pub okr: OkrRef,
    pub owner: PersonSummary,
    pub ownership_state: OwnershipState,
    pub co_owners: Vec<PersonSummary>,
    /// The accepted requests are the handover history: who owned it, from when, with what note.
    pub history: Vec<OwnershipRequest>,
}

async fn ownership_view(s: &AppState, caller: &Caller, okr: OkrRef) -> ApiResult<OwnershipView> {
    let t = svc::target(s.store(), &Viewer::of(&caller.person), &okr).await?;
    let co = match &t.key_result {
        Some(k) => k.co_owner_ids.clone(),
        None => t.objective.co_owner_ids.clone(),
    };
    let mut ids = co.clone();
    ids.push(t.owner_id.clone());
    let people: HashMap<PersonId, Person> = s
        .store()
        .people_by_ids(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let summary = |id: &PersonId| people.get(id).map(PersonSummary::from);
    Ok(OwnershipView {
        owner: summary(&t.owner_id).ok_or(ApiError::NotFound("owner"))?,
        ownership_state: t.ownership_state,
        co_owners: co.iter().filter_map(summary).collect(),
        history: s.store().ownership_history(okr.id()).await?,
        okr,
    })
}

fn objective_ref(id: String) -> OkrRef {
    OkrRef::Objective(ObjectiveId::from_string(id))
}

fn key_result_ref(id: String) -> OkrRef {
    OkrRef::KeyResult(KeyResultId::from_string(id))
}

/// Propose an owner for an objective, or hand it over. The person named must accept (unless you
/// name yourself); until then the ownership is pending and the objective cannot become active.
#[utoipa::path(post, path = "/objectives/{id}/ownership", tag = "ownership", params(("id" = String, Path)), request_body = ProposeOwner,
    responses((status = 201, body = OwnershipRequest), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem, description = "e.g. owner_id names a team")))]
async fn propose_objective_owner(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ProposeOwner>,
) -> ApiResult<impl IntoResponse> {
    let r = svc::propose(s.store(), &caller, objective_ref(id), input).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// The objective's owner and ownership history.
#[utoipa::path(get, path = "/objectives/{id}/ownership", tag = "ownership", params(("id" = String, Path)),
    responses((status = 200, body = OwnershipView), (status = 404, body = Problem)))]
async fn objective_ownership(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OwnershipView>> {
    Ok(Json(ownership_view(&s, &caller, objective_ref(id)).await?))
}

/// Accept ownership of an objective (the proposed owner only).
#[utoipa::path(post, path = "/objectives/{id}/ownership/accept", tag = "ownership", params(("id" = String, Path)),
    responses((status = 200, body = OwnershipRequest), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn accept_objective_ownership(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OwnershipRequest>> {
    Ok(Json(
        svc::accept(s.store(), &caller, objective_ref(id)).await?,
    ))
}

/// Decline ownership of an objective, with a reason that goes back to whoever proposed you.
#[utoipa::path(post, path = "/objectives/{id}/ownership/decline", tag = "ownership", params(("id" = String, Path)), request_body = DeclineOwnership,
    responses((status = 200, body = OwnershipRequest), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn decline_objective_ownership(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DeclineOwnership>,
) -> ApiResult<Json<OwnershipRequest>> {
    Ok(Json(
        svc::decline(s.store(), &caller, objective_ref(id), input).await?,
    ))
}

/// Propose an owner for a key result, or hand it over.
#[utoipa::path(post, path = "/key-results/{id}/ownership", tag = "ownership", params(("id" = String, Path)), request_body = ProposeOwner,
    responses((status = 201, body = OwnershipRequest), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn propose_key_result_owner(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ProposeOwner>,
) -> ApiResult<impl IntoResponse> {
    let r = svc::propose(s.store(), &caller, key_result_ref(id), input).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// The key result's owner and ownership history.
#[utoipa::path(get, path = "/key-results/{id}/ownership", tag = "ownership", params(("id" = String, Path)),
    responses((status = 200, body = OwnershipView), (status = 404, body = Problem)))]
async fn key_result_ownership(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OwnershipView>> {
    Ok(Json(ownership_view(&s, &caller, key_result_ref(id)).await?))
}

/// Accept ownership of a key result (the proposed owner only).
#[utoipa::path(post, path = "/key-results/{id}/ownership/accept", tag = "ownership", params(("id" = String, Path)),
    responses((status = 200, body = OwnershipRequest), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn accept_key_result_ownership(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OwnershipRequest>> {
    Ok(Json(
        svc::accept(s.store(), &caller, key_result_ref(id)).await?,
    ))
}

/// Decline ownership of a key result, with a reason.
#[utoipa::path(post, path = "/key-results/{id}/ownership/decline", tag = "ownership", params(("id" = String, Path)), request_body = DeclineOwnership,
    responses((status = 200, body = OwnershipRequest), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn decline_key_result_ownership(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DeclineOwnership>,
) -> ApiResult<Json<OwnershipRequest>> {
    Ok(Json(
        svc::decline(s.store(), &caller, key_result_ref(id), input).await?,
    ))
}

/// An objective or key result in a person's or team's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OkrSummary {
    pub okr: OkrRef,
    pub title: String,
    pub objective_id: ObjectiveId,
    pub owner_id: PersonId,
    pub ownership_state: OwnershipState,
    pub progress: f64,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct PersonOwnership {
    pub owns: Vec<OkrSummary>,
    pub co_owns: Vec<OkrSummary>,
    pub sponsors: Vec<OkrSummary>,
    pub contributes_to: Vec<OkrSummary>,
    /// Pending requests asking this person to own something.
    pub requests_waiting: Vec<OwnershipRequest>,
    /// Pending requests this person made.
    pub requests_sent: Vec<OwnershipRequest>,
}

/// What a person owns, co-owns, sponsors and contributes to, and the ownership requests waiting
/// for them: only the OKRs you may see.
#[utoipa::path(get, path = "/people/{id}/ownership", tag = "ownership", params(("id" = String, Path)),
    responses((status = 200, body = PersonOwnership), (status = 404, body = Problem)))]
async fn person_ownership(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<PersonOwnership>> {
    let viewer = Viewer::of(&caller.person);
    let person = directory::get_person(s.store(), &PersonId::from_string(id)).await?;
    let mut inv = s.store().okrs_involving(&person.id).await?;
    let ids: Vec<ObjectiveId> = inv
        .objectives
        .iter()
        .map(|o| o.id.clone())
        .chain(inv.key_results.iter().map(|k| k.objective_id.clone()))
        .collect();
    let seen = viewer.visible(s.store(), &ids).await?;
    inv.objectives.retain(|o| seen.contains(&o.id));
    inv.key_results.retain(|k| seen.contains(&k.objective_id));
    let ids: Vec<ObjectiveId> = inv.objectives.iter().map(|o| o.id.clone()).collect();
    let all_krs = if ids.is_empty() {
        vec![]
    } else {
        s.store().key_results_of(&ids).await?
    };
    let mut children =
        crate::services::rollup::children(s.store(), &inv.objectives, &all_krs).await?;
    let mut out = PersonOwnership::default();
    for o in &inv.objectives {
        let progress = progress::rolled_up(
            all_krs
                .iter()
                .filter(|k| k.objective_id == o.id)
                .map(|k| (k.weight, k.progress().progress)),
            children.remove(&o.id).unwrap_or_default(),
        );
        let summary = || OkrSummary {
            okr: OkrRef::Objective(o.id.clone()),
            title: o.title.clone(),
            objective_id: o.id.clone(),
            owner_id: o.owner_id.clone(),
            ownership_state: o.ownership_state,
            progress,
        };
        classify(
            &mut out,
            &person.id,
            &o.owner_id,
            &o.co_owner_ids,
            &o.sponsor_id,
            &o.contributor_ids,
            summary,
        );
    }
    for k in &inv.key_results {
        let summary = || OkrSummary {
            okr: OkrRef::KeyResult(k.id.clone()),
            title: k.title.clone(),
            objective_id: k.objective_id.clone(),
            owner_id: k.owner_id.clone(),
            ownership_state: k.ownership_state,
            progress: k.progress().progress,
        };
        classify(
            &mut out,
            &person.id,
            &k.owner_id,
            &k.co_owner_ids,
            &k.sponsor_id,
            &k.contributor_ids,
            summary,
        );
    }
    let filter = keel_store::OwnershipRequestFilter {
        state: Some(RequestState::Pending),
        involving: Some(person.id.clone()),
        ..keel_store::OwnershipRequestFilter::new(keel_store::Reader::of(viewer.audience()))
    };
    let store = s.store();
    let filter = &filter;
    // Every pending request, page by page: none left out however many there are.
    let pending =
        keel_store::every_page(
            |page| async move { store.list_ownership_requests(filter, &page).await },
        )
        .await?;
    for r in pending {
        if r.proposed_owner_id == person.id {
            out.requests_waiting.push(r);
        } else {
            out.requests_sent.push(r);
        }
    }
    Ok(Json(out))
}

fn classify(
    out: &mut PersonOwnership,
    person: &PersonId,
    owner: &PersonId,
    co_owners: &[PersonId],
    sponsor: &Option<PersonId>,
    contributors: &[PersonId],
    summary: impl Fn() -> OkrSummary,
) {
    if owner == person {
        out.owns.push(summary());
    }
    if co_owners.contains(person) {
        out.co_owns.push(summary());
    }
    if sponsor.as_ref() == Some(person) {
        out.sponsors.push(summary());
    }
    if contributors.contains(person) {
        out.contributes_to.push(summary());
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// Only requests in this state.
    #[param(value_type = Option<RequestState>, inline)]
    state: Option<String>,
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Ownership requests you may see (administrators and champions: all; others: those they
/// proposed or are proposed for), newest first.
#[utoipa::path(get, path = "/ownership-requests", tag = "ownership", params(RequestsQuery),
    responses((status = 200, body = ListOf<OwnershipRequest>), (status = 422, body = Problem)))]
async fn list_ownership_requests(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RequestsQuery>,
) -> ApiResult<Json<ListOf<OwnershipRequest>>> {
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(v) => Some(RequestState::parse(v).ok_or_else(|| {
            ApiError::invalid("state", "must be pending, accepted, declined or superseded")
        })?),
    };
    let page = svc::list_requests(
        s.store(),
        &caller,
        state,
        &page_request(q.limit.as_deref(), q.cursor.as_deref())?,
    )
    .await?;
    Ok(Json(ListOf {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// A key result shared with a team whose objective is not, with that objective's title and owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedKeyResult {
    pub key_result: KeyResultView,
    pub objective_id: ObjectiveId,
    pub objective_title: String,
    pub objective_owner: PersonSummary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamOkrs {
    pub team: Team,
    /// Objectives the team owns or shares, each once, with their key results and owners.
    pub objectives: Vec<ObjectiveView>,
    /// Key results shared with the team under objectives that are not.
    pub key_results: Vec<SharedKeyResult>,
}

/// Every OKR the team owns or shares that you may see, each once, with one progress (never
/// copied).
#[utoipa::path(get, path = "/teams/{id}/okrs", tag = "ownership", params(("id" = String, Path)),
    responses((status = 200, body = TeamOkrs), (status = 404, body = Problem)))]
async fn team_okrs(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<TeamOkrs>> {
    let team = directory::get_team(s.store(), &TeamId::from_string(id)).await?;
    let okrs = team_okrs::team_okrs(s.store(), &Viewer::of(&caller.person), &team.id, None).await?;
    Ok(Json(TeamOkrs {
        team,
        objectives: super::okrs::for_reader(s.store(), &caller, okrs.objectives).await?,
        key_results: okrs
            .shared_key_results
            .into_iter()
            .map(|k| SharedKeyResult {
                objective_id: k.objective.id,
                objective_title: k.objective.title,
                objective_owner: k.objective.owner,
                key_result: k.key_result,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HealthQuery {
    /// The cycle to check (required).
    #[param(value_type = String, required = true)]
    cycle_id: Option<String>,
    /// How many findings per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The ownership health check over a cycle: the known pitfalls of OKR ownership, each with a stable code, a
/// severity, the OKR, the person and a one-line fix. It covers the OKRs you may see. The check
/// runs every hour: the findings are those of its last run (`evaluated_at`; owners' overload is
/// counted now), so a fix shows after the next run. Readers who
/// may read people's participation also get `people`: those who own, co-own or contribute to
/// nothing in the cycle (within a team lead's teams, for a team lead). The findings come a page
/// at a time (`limit`, `cursor`, `next_cursor`); `counts` cover them all.
#[utoipa::path(get, path = "/health", tag = "health", params(HealthQuery),
    responses((status = 200, body = HealthReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn health_check(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<HealthQuery>,
) -> ApiResult<Json<HealthReport>> {
    crate::access::read_reports(&caller.person)?;
    let cycle = q
        .cycle_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::invalid("cycle_id", "is required"))?;
    let page = crate::extract::page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let cycle = CycleId::from_string(cycle);
    Ok(Json(
        health::stored_report(s.store(), &caller, &cycle, &page).await?,
    ))
}
