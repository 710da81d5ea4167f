//! Routes for outbound webhooks (administrators): registering endpoints with the events they
//! receive and their format, the signing secret shown once, a test event, and each endpoint's
//! recent deliveries with every attempt's outcome.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, page_request, ApiJson, ApiQuery, IfMatch};
use crate::read::views::ListOf;
use crate::webhooks::{self as svc, WebhookInput};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use keel_domain::webhook::{WebhookEvent, WebhookFormat};
use keel_domain::*;
use keel_store::{DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint, Webhooks};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_webhook, list_webhooks))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
        .routes(routes!(test_webhook))
        .routes(routes!(list_deliveries))
}

/// A registered endpoint, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: WebhookId,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub format: WebhookFormat,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

impl From<WebhookEndpoint> for WebhookView {
    fn from(e: WebhookEndpoint) -> Self {
        WebhookView {
            id: e.id,
            url: e.url,
            events: e.events,
            format: e.format,
            created_at: e.created_at,
            updated_at: e.updated_at,
            version: e.version,
        }
    }
}

/// A new endpoint: the only answer that ever contains `secret`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The signing secret (given, or generated): shown once, stored sealed.
    pub secret: String,
}

/// Where a delivery stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStateView {
    Pending,
    Delivered,
    Failed,
}

/// One attempt to send a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub attempt: u32,
    pub at: chrono::DateTime<chrono::Utc>,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<u16>,
    pub duration_ms: u64,
    /// What went wrong, in words (never the receiver's body).
    pub error: Option<String>,
}

/// One event sent (or to be sent) to an endpoint, with its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Also the `id` of the event the receiver gets: use it to ignore a repeat.
    pub id: WebhookDeliveryId,
    pub event: WebhookEvent,
    pub state: DeliveryStateView,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    pub attempts: Vec<AttemptView>,
    /// The event as Keel's JSON.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// The deliveries with their attempts.
pub fn delivery_views(
    deliveries: Vec<WebhookDelivery>,
    attempts: Vec<WebhookAttempt>,
) -> Vec<DeliveryView> {
    let mut by: std::collections::HashMap<WebhookDeliveryId, Vec<AttemptView>> =
        std::collections::HashMap::new();
    for a in attempts {
        by.entry(a.delivery_id.clone())
            .or_default()
            .push(AttemptView {
                attempt: a.attempt,
                at: a.at,
                status_code: a.status_code,
                duration_ms: a.duration_ms,
                error: a.error,
            });
    }
    deliveries
        .into_iter()
        .map(|d| DeliveryView {
            attempts: by.remove(&d.id).unwrap_or_default(),
            id: d.id,
            event: d.event,
            state: match d.state {
                DeliveryState::Pending => DeliveryStateView::Pending,
                DeliveryState::Delivered => DeliveryStateView::Delivered,
                DeliveryState::Failed => DeliveryStateView::Failed,
            },
            created_at: d.created_at,
            finished_at: d.finished_at,
            payload: d.payload,
        })
        .collect()
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

/// A queued test event.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedTest {
    pub delivery_id: WebhookDeliveryId,
}

/// Register a webhook endpoint (administrators). Deliveries are signed with the secret
/// (`Keel-Signature`, see docs/webhooks.md); events about objectives that are not public are
/// never sent.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = WebhookInput,
    responses((status = 201, body = CreatedWebhook, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_webhook(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<impl IntoResponse> {
    let (endpoint, secret) =
        svc::create(s.store(), &s.mail.keys, s.mail.outbound, &caller, &input).await?;
    let version = endpoint.version;
    Ok((
        StatusCode::CREATED,
        etag(version),
        Json(CreatedWebhook {
            webhook: endpoint.into(),
            secret,
        }),
    ))
}

/// The webhook endpoints, oldest first (administrators).
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", params(PageQuery),
    responses((status = 200, body = ListOf<WebhookView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_webhooks(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListOf<WebhookView>>> {
    svc::may_manage(&caller)?;
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let got = s.store().list_webhooks(&page).await?;
    Ok(Json(ListOf {
        items: got.items.into_iter().map(Into::into).collect(),
        next_cursor: got.next_cursor,
    }))
}

async fn found(s: &AppState, caller: &Caller, id: &str) -> ApiResult<WebhookEndpoint> {
    svc::may_manage(caller)?;
    s.store()
        .webhook(&WebhookId::from_string(id))
        .await?
        .ok_or(ApiError::NotFound("webhook"))
}

/// One webhook endpoint, without its secret (administrators).
#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = WebhookView, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_webhook(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let e = found(&s, &caller, &id).await?;
    Ok((etag(e.version), Json(WebhookView::from(e))))
}

/// Change a webhook endpoint: what is left out stays; a `secret` replaces the old one at once
/// (administrators).
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path), IfMatch), request_body = WebhookInput,
    responses((status = 200, body = WebhookView, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update_webhook(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<impl IntoResponse> {
    let id = WebhookId::from_string(id);
    let e = svc::update(
        s.store(),
        &s.mail.keys,
        s.mail.outbound,
        &caller,
        &id,
        if_match.0,
        &input,
    )
    .await?;
    Ok((etag(e.version), Json(WebhookView::from(e))))
}

/// Remove a webhook endpoint with its deliveries (administrators).
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_webhook(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    svc::delete(s.store(), &caller, &WebhookId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a test event (`webhook.test`) to an endpoint, through the queue like any delivery
/// (administrators).
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 202, body = QueuedTest), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn test_webhook(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let delivery_id = svc::send_test(s.store(), &caller, &WebhookId::from_string(id)).await?;
    Ok((StatusCode::ACCEPTED, Json(QueuedTest { delivery_id })))
}

/// An endpoint's deliveries, newest first, each with its attempts (status code, duration and
/// error in words) (administrators).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ListOf<DeliveryView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn list_deliveries(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListOf<DeliveryView>>> {
    let e = found(&s, &caller, &id).await?;
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let got = s.store().list_webhook_deliveries(&e.id, &page).await?;
    let ids: Vec<WebhookDeliveryId> = got.items.iter().map(|d| d.id.clone()).collect();
    let attempts = s.store().webhook_attempts(&ids).await?;
    Ok(Json(ListOf {
        items: delivery_views(got.items, attempts),
        next_cursor: got.next_cursor,
    }))
}
