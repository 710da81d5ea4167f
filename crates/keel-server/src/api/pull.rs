//! Routes for pulled sources: the one source of a key result or KPI (set, read, change,
//! remove, run now, its runs) for its owner or an admin, and the databases SQL sources query
//! (registered and removed by administrators; their names listed for everyone choosing one).
//! Secrets go in and never come out: a source shows its header names only, a database its name.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem, Refusals};
use crate::extract::{etag, page_request, ApiJson, ApiQuery, IfMatch};
use crate::pull::{self as svc, DatabaseInput, SourceInput, Target};
use crate::read::views::ListOf;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use keel_domain::pull::{PullRun, PullSource, SourceDatabase};
use keel_domain::*;
use keel_store::PullSources;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            create_key_result_source,
            get_key_result_source,
            patch_key_result_source,
            delete_key_result_source
        ))
        .routes(routes!(run_key_result_source))
        .routes(routes!(key_result_source_runs))
        .routes(routes!(
            create_kpi_source,
            get_kpi_source,
            patch_kpi_source,
            delete_kpi_source
        ))
        .routes(routes!(run_kpi_source))
        .routes(routes!(kpi_source_runs))
        .routes(routes!(register_database, list_databases))
        .routes(routes!(delete_database))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A run made now, and the source as it now stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceRan {
    /// Its value, or its error in words (a failing source is recorded, not refused).
    pub run: PullRun,
    pub source: PullSource,
}

fn kr(id: String) -> Target {
    Target::KeyResult(KeyResultId::from_string(id))
}

fn kpi(id: String) -> Target {
    Target::Kpi(KpiId::from_string(id))
}

async fn create(
    s: &AppState,
    caller: &Caller,
    t: Target,
    input: &SourceInput,
) -> Result<impl IntoResponse, Refusals> {
    let source = svc::create(s.store(), &s.mail, caller, &t, input).await?;
    Ok((StatusCode::CREATED, etag(source.version), Json(source)))
}

async fn get(s: &AppState, caller: &Caller, t: Target) -> ApiResult<impl IntoResponse> {
    let source = svc::get(s.store(), caller, &t).await?;
    Ok((etag(source.version), Json(source)))
}

async fn patch(
    s: &AppState,
    caller: &Caller,
    t: Target,
    if_match: IfMatch,
    input: &SourceInput,
) -> Result<impl IntoResponse, Refusals> {
    let source = svc::update(s.store(), &s.mail, caller, &t, if_match.0, input).await?;
    Ok((etag(source.version), Json(source)))
}

async fn ran(s: &AppState, caller: &Caller, t: Target) -> ApiResult<Json<SourceRan>> {
    let (run, source) = svc::run_now(s.store(), &s.mail, caller, &t).await?;
    Ok(Json(SourceRan { run, source }))
}

async fn runs(
    s: &AppState,
    caller: &Caller,
    t: Target,
    q: PageQuery,
) -> ApiResult<Json<ListOf<PullRun>>> {
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let page = svc::runs(s.store(), caller, &t, &page).await?;
    Ok(Json(ListOf {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Set a key result's data source (its owner or an admin): an HTTP(S) URL answering JSON with a
/// JSON Pointer to the number, or a read-only query against a registered database, run hourly,
/// daily or weekly. It is tried first: a failure is a 422 naming the field (`url`,
/// `json_pointer`, `headers`, `database_id`, `query`) and nothing is saved; its first value is
/// recorded as a check-in by "Source: <name>". Header values are never shown again.
#[utoipa::path(post, path = "/key-results/{id}/source", tag = "data", params(("id" = String, Path)),
    request_body = SourceInput,
    responses((status = 201, body = PullSource), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "it has a source already"), (status = 422, body = Problem)))]
async fn create_key_result_source(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SourceInput>,
) -> Result<impl IntoResponse, Refusals> {
    create(&s, &caller, kr(id), &input).await
}

/// A key result's data source with its state ("last synced", "failing since"): its owner or an
/// admin. Never the header values.
#[utoipa::path(get, path = "/key-results/{id}/source", tag = "data", params(("id" = String, Path)),
    responses((status = 200, body = PullSource), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_key_result_source(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    get(&s, &caller, kr(id)).await
}

/// Change a key result's data source; a change to what it fetches is tried first like a new one.
#[utoipa::path(patch, path = "/key-results/{id}/source", tag = "data", params(("id" = String, Path), IfMatch),
    request_body = SourceInput,
    responses((status = 200, body = PullSource), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn patch_key_result_source(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<SourceInput>,
) -> Result<impl IntoResponse, Refusals> {
    patch(&s, &caller, kr(id), if_match, &input).await
}

/// Remove a key result's data source and its runs; the values it recorded stay in the history.
#[utoipa::path(delete, path = "/key-results/{id}/source", tag = "data", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_key_result_source(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    svc::delete(s.store(), &caller, &kr(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Run a key result's data source now; a failure is recorded on it (and answered here), not
/// refused.
#[utoipa::path(post, path = "/key-results/{id}/source/run", tag = "data", params(("id" = String, Path)),
    responses((status = 200, body = SourceRan), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn run_key_result_source(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<SourceRan>> {
    ran(&s, &caller, kr(id)).await
}

/// A key result's data source's runs, newest first: each value or error.
#[utoipa::path(get, path = "/key-results/{id}/source/runs", tag = "data", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ListOf<PullRun>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn key_result_source_runs(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListOf<PullRun>>> {
    runs(&s, &caller, kr(id), q).await
}

/// Set a KPI's data source (its owner or an admin), as for a key result: its values are
/// readings by "Source: <name>", and feed the key results that take the KPI's readings.
#[utoipa::path(post, path = "/kpis/{id}/source", tag = "data", params(("id" = String, Path)),
    request_body = SourceInput,
    responses((status = 201, body = PullSource), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_kpi_source(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SourceInput>,
) -> Result<impl IntoResponse, Refusals> {
    create(&s, &caller, kpi(id), &input).await
}

/// A KPI's data source with its state: its owner or an admin.
#[utoipa::path(get, path = "/kpis/{id}/source", tag = "data", params(("id" = String, Path)),
    responses((status = 200, body = PullSource), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_kpi_source(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    get(&s, &caller, kpi(id)).await
}

/// Change a KPI's data source.
#[utoipa::path(patch, path = "/kpis/{id}/source", tag = "data", params(("id" = String, Path), IfMatch),
    request_body = SourceInput,
    responses((status = 200, body = PullSource), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn patch_kpi_source(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<SourceInput>,
) -> Result<impl IntoResponse, Refusals> {
    patch(&s, &caller, kpi(id), if_match, &input).await
}

/// Remove a KPI's data source and its runs.
#[utoipa::path(delete, path = "/kpis/{id}/source", tag = "data", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_kpi_source(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    svc::delete(s.store(), &caller, &kpi(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Run a KPI's data source now.
#[utoipa::path(post, path = "/kpis/{id}/source/run", tag = "data", params(("id" = String, Path)),
    responses((status = 200, body = SourceRan), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn run_kpi_source(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<SourceRan>> {
    ran(&s, &caller, kpi(id)).await
}

/// A KPI's data source's runs, newest first.
#[utoipa::path(get, path = "/kpis/{id}/source/runs", tag = "data", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ListOf<PullRun>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn kpi_source_runs(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListOf<PullRun>>> {
    runs(&s, &caller, kpi(id), q).await
}

/// Register a database SQL sources may query (administrators): a PostgreSQL URL, tried with
/// `SELECT 1` (a failure is a 422 naming `url`), sealed, never shown again.
#[utoipa::path(post, path = "/source-databases", tag = "data", request_body = DatabaseInput,
    responses((status = 201, body = SourceDatabase), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn register_database(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<DatabaseInput>,
) -> Result<impl IntoResponse, Refusals> {
    let db = svc::register_database(s.store(), &s.mail, &caller, &input).await?;
    Ok((StatusCode::CREATED, Json(db)))
}

/// The registered databases, by name only: whoever sets an SQL source picks one.
#[utoipa::path(get, path = "/source-databases", tag = "data", params(PageQuery),
    responses((status = 200, body = ListOf<SourceDatabase>)))]
async fn list_databases(
    State(s): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListOf<SourceDatabase>>> {
    let page = s
        .store()
        .source_databases(&page_request(q.limit.as_deref(), q.cursor.as_deref())?)
        .await?;
    Ok(Json(ListOf {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Remove a registered database (administrators); 409 while a source queries it.
#[utoipa::path(delete, path = "/source-databases/{id}", tag = "data", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn delete_database(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    svc::delete_database(s.store(), &caller, &SourceDatabaseId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
