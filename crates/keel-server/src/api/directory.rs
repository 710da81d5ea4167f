//! Routes for people, teams, cycles and settings.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::{etag, page_request, ApiJson, ApiQuery, IfMatch};
use crate::read::views::ListOf;
use crate::services::directory::{self as svc, *};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use keel_domain::*;
use keel_store::{CycleFilter, Cycles, People, PeopleFilter, Settings, TeamFilter, Teams};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_person, list_people))
        .routes(routes!(get_person, patch_person))
        .routes(routes!(create_team, list_teams))
        .routes(routes!(get_team, patch_team))
        .routes(routes!(create_cycle, list_cycles))
        .routes(routes!(get_cycle, patch_cycle))
        .routes(routes!(get_settings, patch_settings))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Case-insensitive part of a name or email.
    q: Option<String>,
    manager_id: Option<String>,
    /// Only active (`true`) or only deactivated (`false`) people; both when absent.
    #[param(value_type = Option<bool>)]
    active: Option<String>,
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

fn parse_bool(field: &str, v: Option<&str>) -> ApiResult<Option<bool>> {
    match v {
        None | Some("") => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(crate::error::ApiError::invalid(
            field,
            "must be true or false",
        )),
    }
}

/// Add a person (administrators).
#[utoipa::path(post, path = "/people", tag = "people", request_body = NewPerson,
    responses((status = 201, body = Person, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 409, body = Problem, description = "email taken"), (status = 422, body = Problem)))]
async fn create_person(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NewPerson>,
) -> ApiResult<impl IntoResponse> {
    let p = svc::create_person(s.store(), &caller, input).await?;
    Ok((StatusCode::CREATED, etag(p.version), Json(p)))
}

/// List people.
#[utoipa::path(get, path = "/people", tag = "people", params(PeopleQuery), responses((status = 200, body = ListOf<Person>)))]
async fn list_people(
    State(s): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> ApiResult<Json<ListOf<Person>>> {
    let filter = PeopleFilter {
        query: q.q.filter(|x| !x.trim().is_empty()),
        manager_id: q
            .manager_id
            .filter(|v| !v.is_empty())
            .map(PersonId::from_string),
        active: parse_bool("active", q.active.as_deref())?,
    };
    let page = s
        .store()
        .list_people(
            &filter,
            &page_request(q.limit.as_deref(), q.cursor.as_deref())?,
        )
        .await?;
    Ok(Json(ListOf {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// One person.
#[utoipa::path(get, path = "/people/{id}", tag = "people", params(("id" = String, Path)),
    responses((status = 200, body = Person, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 404, body = Problem)))]
async fn get_person(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let p = svc::get_person(s.store(), &PersonId::from_string(id)).await?;
    Ok((etag(p.version), Json(p)))
}

/// Change a person: name, email, title, manager, roles, active (administrators).
#[utoipa::path(patch, path = "/people/{id}", tag = "people", params(("id" = String, Path), IfMatch), request_body = PersonPatch,
    responses((status = 200, body = Person, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn patch_person(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(patch): ApiJson<PersonPatch>,
) -> ApiResult<impl IntoResponse> {
    let p = svc::patch_person(
        s.store(),
        &caller,
        &PersonId::from_string(id),
        if_match,
        patch,
    )
    .await?;
    Ok((etag(p.version), Json(p)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamsQuery {
    parent_id: Option<String>,
    member_id: Option<String>,
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Add a team (administrators and champions).
#[utoipa::path(post, path = "/teams", tag = "teams", request_body = NewTeam,
    responses((status = 201, body = Team, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 422, body = Problem)))]
async fn create_team(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NewTeam>,
) -> ApiResult<impl IntoResponse> {
    let t = svc::create_team(s.store(), &caller, input).await?;
    Ok((StatusCode::CREATED, etag(t.version), Json(t)))
}

/// List teams.
#[utoipa::path(get, path = "/teams", tag = "teams", params(TeamsQuery), responses((status = 200, body = ListOf<Team>)))]
async fn list_teams(
    State(s): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<TeamsQuery>,
) -> ApiResult<Json<ListOf<Team>>> {
    let filter = TeamFilter {
        parent_id: q
            .parent_id
            .filter(|v| !v.is_empty())
            .map(TeamId::from_string),
        member_id: q
            .member_id
            .filter(|v| !v.is_empty())
            .map(PersonId::from_string),
        ..TeamFilter::default()
    };
    let page = s
        .store()
        .list_teams(
            &filter,
            &page_request(q.limit.as_deref(), q.cursor.as_deref())?,
        )
        .await?;
    Ok(Json(ListOf {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// One team.
#[utoipa::path(get, path = "/teams/{id}", tag = "teams", params(("id" = String, Path)),
    responses((status = 200, body = Team, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 404, body = Problem)))]
async fn get_team(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let t = svc::get_team(s.store(), &TeamId::from_string(id)).await?;
    Ok((etag(t.version), Json(t)))
}

/// Change a team: name, parent, lead, members (administrators, champions, the team's lead).
#[utoipa::path(patch, path = "/teams/{id}", tag = "teams", params(("id" = String, Path), IfMatch), request_body = TeamPatch,
    responses((status = 200, body = Team, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn patch_team(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(patch): ApiJson<TeamPatch>,
) -> ApiResult<impl IntoResponse> {
    let t = svc::patch_team(
        s.store(),
        &caller,
        &TeamId::from_string(id),
        if_match,
        patch,
    )
    .await?;
    Ok((etag(t.version), Json(t)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CyclesQuery {
    /// Only cycles in this state.
    #[param(value_type = Option<CycleState>, inline)]
    state: Option<String>,
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Add a cycle (administrators and champions).
#[utoipa::path(post, path = "/cycles", tag = "cycles", request_body = NewCycle,
    responses((status = 201, body = Cycle, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 409, body = Problem, description = "name taken"), (status = 422, body = Problem)))]
async fn create_cycle(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NewCycle>,
) -> ApiResult<impl IntoResponse> {
    let c = svc::create_cycle(s.store(), &caller, input).await?;
    Ok((StatusCode::CREATED, etag(c.version), Json(c)))
}

/// List cycles.
#[utoipa::path(get, path = "/cycles", tag = "cycles", params(CyclesQuery), responses((status = 200, body = ListOf<Cycle>)))]
async fn list_cycles(
    State(s): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<CyclesQuery>,
) -> ApiResult<Json<ListOf<Cycle>>> {
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(v) => Some(
            serde_json::from_value::<CycleState>(serde_json::Value::String(v.into())).map_err(
                |_| crate::error::ApiError::invalid("state", "must be planning, active or closed"),
            )?,
        ),
    };
    let page = s
        .store()
        .list_cycles(
            &CycleFilter { state },
            &page_request(q.limit.as_deref(), q.cursor.as_deref())?,
        )
        .await?;
    Ok(Json(ListOf {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// One cycle.
#[utoipa::path(get, path = "/cycles/{id}", tag = "cycles", params(("id" = String, Path)),
    responses((status = 200, body = Cycle, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 404, body = Problem)))]
async fn get_cycle(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let c = svc::get_cycle(s.store(), &CycleId::from_string(id)).await?;
    Ok((etag(c.version), Json(c)))
}

/// Change a cycle (administrators and champions).
#[utoipa::path(patch, path = "/cycles/{id}", tag = "cycles", params(("id" = String, Path), IfMatch), request_body = CyclePatch,
    responses((status = 200, body = Cycle, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn patch_cycle(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(patch): ApiJson<CyclePatch>,
) -> ApiResult<impl IntoResponse> {
    let c = svc::patch_cycle(
        s.store(),
        &caller,
        &CycleId::from_string(id),
        if_match,
        patch,
    )
    .await?;
    Ok((etag(c.version), Json(c)))
}

/// The organisation's settings.
#[utoipa::path(get, path = "/settings", tag = "settings", responses((status = 200, body = OrgSettings)))]
async fn get_settings(State(s): State<AppState>, _caller: Caller) -> ApiResult<Json<OrgSettings>> {
    Ok(Json(s.store().settings().await?))
}

/// Change the organisation's settings (administrators and champions).
#[utoipa::path(patch, path = "/settings", tag = "settings", request_body = SettingsPatch,
    responses((status = 200, body = OrgSettings), (status = 422, body = Problem)))]
async fn patch_settings(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(patch): ApiJson<SettingsPatch>,
) -> ApiResult<Json<OrgSettings>> {
    Ok(Json(svc::patch_settings(s.store(), &caller, patch).await?))
}
