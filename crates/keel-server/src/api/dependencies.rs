//! Routes for key-result dependencies: ask that a key result depend on another, list both ways,
//! remove, and the other key result's owner accepts or declines.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::{page_request, ApiJson, ApiQuery};
use crate::read::dependencies::{self as read, DependencyView};
use crate::read::views::ListOf;
use crate::services::dependencies::{self as svc, DeclineDependency, ProposeDependency};
use crate::services::guards;
use crate::services::visibility::Viewer;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use keel_domain::dependency::Dependency;
use keel_domain::*;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(propose_dependency, list_dependencies))
        .routes(routes!(remove_dependency))
        .routes(routes!(accept_dependency))
        .routes(routes!(decline_dependency))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DependencyParams {
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Ask that this key result depend on another (`depends_on`, a key result you may see). The
/// other key result's owner is asked and accepts or declines. Refused: itself, a loop (it would
/// then depend on itself through others), an unknown or invisible key result (422 naming
/// `depends_on`); a second dependency on the same key result (409).
#[utoipa::path(post, path = "/key-results/{id}/dependencies", tag = "dependencies", params(("id" = String, Path)), request_body = ProposeDependency,
    responses((status = 201, body = Dependency), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem, description = "depends_on: itself, a loop, unknown or not visible")))]
async fn propose_dependency(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ProposeDependency>,
) -> ApiResult<impl IntoResponse> {
    let d = svc::propose(s.store(), &caller, &KeyResultId::from_string(id), input).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// The key result's dependencies both ways: what it depends on and what depends on it, each
/// with the other key result's title, owner and status (null when you may not see it).
#[utoipa::path(get, path = "/key-results/{id}/dependencies", tag = "dependencies", params(("id" = String, Path), DependencyParams),
    responses((status = 200, body = ListOf<DependencyView>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn list_dependencies(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DependencyParams>,
) -> ApiResult<Json<ListOf<DependencyView>>> {
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let viewer = Viewer::of(&caller.person);
    let (kr, _) = guards::get_key_result(s.store(), &viewer, &KeyResultId::from_string(id)).await?;
    let got = read::list(s.store(), &viewer, &caller.person.id, &kr, &page).await?;
    Ok(Json(ListOf {
        items: got.items,
        next_cursor: got.next_cursor,
    }))
}

/// Remove one of this key result's dependencies (whoever may edit the key result).
#[utoipa::path(delete, path = "/key-results/{id}/dependencies/{dep_id}", tag = "dependencies",
    params(("id" = String, Path), ("dep_id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn remove_dependency(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, dep_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    svc::remove(
        s.store(),
        &caller,
        &KeyResultId::from_string(id),
        &DependencyId::from_string(dep_id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accept being depended on (only the owner of the key result depended on). The person who
/// asked is told.
#[utoipa::path(post, path = "/dependencies/{id}/accept", tag = "dependencies", params(("id" = String, Path)),
    responses((status = 200, body = Dependency), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn accept_dependency(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Dependency>> {
    Ok(Json(
        svc::accept(s.store(), &caller, &DependencyId::from_string(id)).await?,
    ))
}

/// Decline being depended on, with a reason (only the owner of the key result depended on). The
/// person who asked is told, with the reason.
#[utoipa::path(post, path = "/dependencies/{id}/decline", tag = "dependencies", params(("id" = String, Path)), request_body = DeclineDependency,
    responses((status = 200, body = Dependency), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem, description = "reason: missing")))]
async fn decline_dependency(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DeclineDependency>,
) -> ApiResult<Json<Dependency>> {
    Ok(Json(
        svc::decline(s.store(), &caller, &DependencyId::from_string(id), input).await?,
    ))
}
