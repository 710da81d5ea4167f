//! Routes for data in: ingest tokens of key results and KPIs, values pushed to them, and the
//! KPIs themselves (`/kpis`). `POST …/values` takes an ingest token in `Authorization: Bearer`
//! (read by [`Pusher`]'s extractor here) or anything a normal route takes.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem, Refusals};
use crate::extract::{etag, page_request, ApiJson, ApiQuery, IfMatch};
use crate::read::kpis::{self as kpi_views, KpiView};
use crate::read::views::{self, KeyResultView, ListOf};
use crate::services::data_feeds::{
    self as feeds, CreatedIngestToken, NewIngestToken, PushedValue, Pusher, INGEST_PREFIX,
};
use crate::services::kpis::{self, KpiPatch, NewKpi};
use crate::AppState;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::{header, request::Parts, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use keel_domain::data_feed::IngestToken;
use keel_domain::kpi::KpiValue;
use keel_domain::*;
use keel_store::{Cycles, DataFeeds, Objectives};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_key_result_token, list_key_result_tokens))
        .routes(routes!(revoke_key_result_token))
        .routes(routes!(push_key_result_value))
        .routes(routes!(create_kpi, list_kpis))
        .routes(routes!(get_kpi, patch_kpi, delete_kpi))
        .routes(routes!(record_kpi_value, list_kpi_values))
        .routes(routes!(create_kpi_token, list_kpi_tokens))
        .routes(routes!(revoke_kpi_token))
}

impl FromRequestParts<AppState> for Pusher {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ingest = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|s| s.starts_with(INGEST_PREFIX));
        match ingest {
            Some(secret) => Ok(Pusher::Token(
                feeds::authenticate(state.store(), secret).await?,
            )),
            None => Ok(Pusher::Person(Box::new(
                Caller::from_request_parts(parts, state).await?,
            ))),
        }
    }
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

/// A key result's ingest token, created: its secret is in `token`, once.
#[utoipa::path(post, path = "/key-results/{id}/ingest-tokens", tag = "data", params(("id" = String, Path)),
    request_body = NewIngestToken,
    responses((status = 201, body = CreatedIngestToken), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_key_result_token(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewIngestToken>,
) -> ApiResult<impl IntoResponse> {
    let created =
        feeds::issue_for_key_result(s.store(), &caller, &KeyResultId::from_string(id), input)
            .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A key result's ingest tokens (its owner or an admin), revoked ones included, never their
/// secrets. A key result has few: one page holds them all.
#[utoipa::path(get, path = "/key-results/{id}/ingest-tokens", tag = "data", params(("id" = String, Path)),
    responses((status = 200, body = ListOf<IngestToken>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_key_result_tokens(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ListOf<IngestToken>>> {
    let items = feeds::key_result_tokens(s.store(), &caller, &KeyResultId::from_string(id)).await?;
    Ok(Json(ListOf {
        items,
        next_cursor: None,
    }))
}

/// Revoke one of a key result's ingest tokens: it answers 401 from then on.
#[utoipa::path(delete, path = "/key-results/{id}/ingest-tokens/{token_id}", tag = "data",
    params(("id" = String, Path), ("token_id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn revoke_key_result_token(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, token_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    feeds::revoke_for_key_result(
        s.store(),
        &caller,
        &KeyResultId::from_string(id),
        &IngestTokenId::from_string(token_id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A pushed value, recorded as a check-in, and the key result as it now stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValuePushed {
    /// Its `source` names the ingest token ("Data: <name>") when one pushed it.
    pub check_in: CheckIn,
    pub key_result: KeyResultView,
}

/// Push a value to a key result, with one of its ingest tokens (`Authorization: Bearer
/// keel_ingest_…`) or as a person who may check in on it. Recorded as a check-in whose author
/// is the token; a confidence counts as the owner's word only when its owner pushes it.
#[utoipa::path(post, path = "/key-results/{id}/values", tag = "data", params(("id" = String, Path)),
    request_body = PushedValue,
    responses((status = 201, body = ValuePushed), (status = 401, body = Problem, description = "unknown or revoked token"),
        (status = 403, body = Problem, description = "a token of another key result, or a person who may not check in"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "the key result or its cycle is closed"),
        (status = 422, body = Problem)))]
async fn push_key_result_value(
    State(s): State<AppState>,
    pusher: Pusher,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PushedValue>,
) -> ApiResult<impl IntoResponse> {
    let store = s.store();
    let (check_in, kr) =
        feeds::push_to_key_result(store, &pusher, &KeyResultId::from_string(id), input).await?;
    let objective = store
        .objective(&kr.objective_id)
        .await?
        .ok_or(ApiError::NotFound("key result"))?;
    let cycle = store.cycle(&objective.cycle_id).await?;
    let key_result = views::key_result_in_cycle(store, kr, &objective, cycle).await?;
    Ok((
        StatusCode::CREATED,
        Json(ValuePushed {
            check_in,
            key_result,
        }),
    ))
}

/// Create a KPI: you own it (an admin may name another owner). Its corridor: `corridor_min`
/// (stay above), `corridor_max` (stay below), or both (between).
#[utoipa::path(post, path = "/kpis", tag = "data", request_body = NewKpi,
    responses((status = 201, body = KpiView), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_kpi(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NewKpi>,
) -> Result<impl IntoResponse, Refusals> {
    let kpi = kpis::create(s.store(), &caller, input).await?;
    let view = kpi_views::view(s.store(), kpi).await?;
    Ok((StatusCode::CREATED, etag(view.kpi.version), Json(view)))
}

/// The organisation's KPIs with their health and latest reading.
#[utoipa::path(get, path = "/kpis", tag = "data", params(PageQuery),
    responses((status = 200, body = ListOf<KpiView>)))]
async fn list_kpis(
    State(s): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListOf<KpiView>>> {
    let page = s
        .store()
        .kpis(&page_request(q.limit.as_deref(), q.cursor.as_deref())?)
        .await?;
    Ok(Json(ListOf {
        items: kpi_views::views(s.store(), page.items).await?,
        next_cursor: page.next_cursor,
    }))
}

/// One KPI with its health and latest reading.
#[utoipa::path(get, path = "/kpis/{id}", tag = "data", params(("id" = String, Path)),
    responses((status = 200, body = KpiView, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))),
        (status = 404, body = Problem)))]
async fn get_kpi(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let kpi = kpis::get(s.store(), &KpiId::from_string(id)).await?;
    let view = kpi_views::view(s.store(), kpi).await?;
    Ok((etag(view.kpi.version), Json(view)))
}

/// Change a KPI: its owner or an admin (only an admin hands it to another owner).
#[utoipa::path(patch, path = "/kpis/{id}", tag = "data", params(("id" = String, Path), IfMatch), request_body = KpiPatch,
    responses((status = 200, body = KpiView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn patch_kpi(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<KpiPatch>,
) -> Result<impl IntoResponse, Refusals> {
    let kpi = kpis::patch(s.store(), &caller, &KpiId::from_string(id), if_match, input).await?;
    let view = kpi_views::view(s.store(), kpi).await?;
    Ok((etag(view.kpi.version), Json(view)))
}

/// Delete a KPI: its owner or an admin. Its ingest tokens stop working; the key results it fed
/// keep their history.
#[utoipa::path(delete, path = "/kpis/{id}", tag = "data", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_kpi(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    kpis::delete(s.store(), &caller, &KpiId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A KPI reading recorded, and the key results it moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct KpiValueRecorded {
    pub value: KpiValue,
    /// The key results fed by this KPI that recorded it as a check-in ("KPI: <name>"), as
    /// they now stand (by id: some may be private to you).
    pub key_result_ids: Vec<KeyResultId>,
}

/// Record a KPI reading: its owner or an admin, or one of its ingest tokens. Each open key
/// result fed by the KPI records it as a check-in, in the same transaction.
#[utoipa::path(post, path = "/kpis/{id}/values", tag = "data", params(("id" = String, Path)), request_body = PushedValue,
    responses((status = 201, body = KpiValueRecorded), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn record_kpi_value(
    State(s): State<AppState>,
    pusher: Pusher,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PushedValue>,
) -> ApiResult<impl IntoResponse> {
    let (value, moved) = kpis::record(s.store(), &pusher, &KpiId::from_string(id), input).await?;
    Ok((
        StatusCode::CREATED,
        Json(KpiValueRecorded {
            value,
            key_result_ids: moved.into_iter().map(|k| k.id).collect(),
        }),
    ))
}

/// A KPI's readings, newest first.
#[utoipa::path(get, path = "/kpis/{id}/values", tag = "data", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ListOf<KpiValue>), (status = 404, body = Problem)))]
async fn list_kpi_values(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListOf<KpiValue>>> {
    let page = kpis::values(
        s.store(),
        &KpiId::from_string(id),
        &page_request(q.limit.as_deref(), q.cursor.as_deref())?,
    )
    .await?;
    Ok(Json(ListOf {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// A KPI's ingest token, created: its secret is in `token`, once.
#[utoipa::path(post, path = "/kpis/{id}/ingest-tokens", tag = "data", params(("id" = String, Path)),
    request_body = NewIngestToken,
    responses((status = 201, body = CreatedIngestToken), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_kpi_token(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewIngestToken>,
) -> ApiResult<impl IntoResponse> {
    let created = feeds::issue_for_kpi(s.store(), &caller, &KpiId::from_string(id), input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A KPI's ingest tokens (its owner or an admin), never their secrets.
#[utoipa::path(get, path = "/kpis/{id}/ingest-tokens", tag = "data", params(("id" = String, Path)),
    responses((status = 200, body = ListOf<IngestToken>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_kpi_tokens(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ListOf<IngestToken>>> {
    let items = feeds::kpi_tokens(s.store(), &caller, &KpiId::from_string(id)).await?;
    Ok(Json(ListOf {
        items,
        next_cursor: None,
    }))
}

/// Revoke one of a KPI's ingest tokens.
#[utoipa::path(delete, path = "/kpis/{id}/ingest-tokens/{token_id}", tag = "data",
    params(("id" = String, Path), ("token_id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn revoke_kpi_token(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, token_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    feeds::revoke_for_kpi(
        s.store(),
        &caller,
        &KpiId::from_string(id),
        &IngestTokenId::from_string(token_id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
