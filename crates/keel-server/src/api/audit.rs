//! The audit log over HTTP: an objective's history (for whoever can see the objective) and the
//! organisation's log with filters, as JSON or CSV (administrators and champions).
//!
//! Why here and read-only: every write already records its event in the same transaction
//! (keel-store); this module only reads. No route updates or deletes an audit event.

use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{page_request, ApiQuery};
use crate::read::audit_log::{self, AuditFilters};
use crate::read::views::ListOf;
use crate::services::visibility::Viewer;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use keel_domain::*;
use keel_store::Page;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(objective_history))
        .routes(routes!(list_audit))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Who changed what on an objective and on its key results, check-ins, initiatives and
/// ownership, newest first. Readable by whoever can see the objective.
#[utoipa::path(get, path = "/objectives/{id}/history", tag = "audit", params(("id" = String, Path), HistoryQuery),
    responses((status = 200, body = ListOf<AuditEvent>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn objective_history(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<ListOf<AuditEvent>>> {
    let page = audit_log::objective_history(
        s.store(),
        &Viewer::of(&caller.person),
        &ObjectiveId::from_string(id),
        &page_request(q.limit.as_deref(), q.cursor.as_deref())?,
    )
    .await?;
    Ok(Json(ListOf {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// The audit log's two formats (the values of `format`; the handler reads the text itself so
/// that a wrong value is a 422 naming the field).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ExportFormat {
    Json,
    Csv,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Events on this object and on its children (an objective's key results, check-ins and
    /// initiatives; a key result's check-ins and initiatives).
    object_id: Option<String>,
    /// Events by this person.
    actor_id: Option<String>,
    /// From this time (RFC 3339, or a date meaning its start in UTC), inclusive.
    since: Option<String>,
    /// Up to this time (RFC 3339, or a date meaning its end in UTC), inclusive.
    until: Option<String>,
    /// `json` (default) or `csv`; `Accept: text/csv` also selects CSV.
    #[param(value_type = Option<ExportFormat>, inline)]
    format: Option<String>,
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The organisation's audit log, newest first, filtered and paginated; JSON or CSV
/// (`?format=csv` or `Accept: text/csv`; the next page's cursor is then in `x-next-cursor`).
/// Administrators and champions only; events on objectives you may not see are left out.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "The events as JSON, or as CSV (one event a line; the next page's cursor in `x-next-cursor`)",
            content((ListOf<AuditEvent> = "application/json"), (String = "text/csv")),
            headers(("x-next-cursor" = String, description = "CSV only: the cursor of the next page, when there is one"))),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_audit(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Response> {
    // Permission before the format: a refused reader learns nothing from a 422.
    access::read_audit(&caller.person)?;
    let csv = match q.format.as_deref().map(str::trim) {
        Some("csv") => true,
        Some("json") => false,
        None | Some("") => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv")),
        Some(_) => return Err(ApiError::invalid("format", "must be json or csv")),
    };
    let filters = AuditFilters {
        object_id: q.object_id.unwrap_or_default(),
        actor_id: q.actor_id.unwrap_or_default(),
        since: q.since.unwrap_or_default(),
        until: q.until.unwrap_or_default(),
        cursor: String::new(),
    };
    let page = audit_log::audit_log(
        s.store(),
        &caller,
        &filters,
        &page_request(q.limit.as_deref(), q.cursor.as_deref())?,
    )
    .await?;
    if csv {
        Ok(csv_response(page))
    } else {
        Ok(Json(ListOf {
            items: page.items,
            next_cursor: page.next_cursor,
        })
        .into_response())
    }
}

const CSV_HEADER: [&str; 12] = [
    "id",
    "at",
    "actor_id",
    "action",
    "object_kind",
    "object_id",
    "objective_id",
    "key_result_id",
    "source",
    "request_id",
    "before",
    "after",
];

/// The page as `text/csv`, one event a line, `before`/`after` as JSON text.
pub fn to_csv(events: &[AuditEvent]) -> String {
    let mut out = crate::csv::Writer::with_header(&CSV_HEADER);
    for e in events {
        let json =
            |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
        let fields = [
            e.id.to_string(),
            e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            e.actor_id
                .as_ref()
                .map(|a| a.to_string())
                .unwrap_or_default(),
            e.action.clone(),
            e.object_kind.clone(),
            e.object_id.clone(),
            e.objective_id.clone().unwrap_or_default(),
            e.key_result_id.clone().unwrap_or_default(),
            e.source.as_str().to_string(),
            e.request_id.clone().unwrap_or_default(),
            json(&e.before),
            json(&e.after),
        ];
        out.row(fields.iter().map(String::as_str));
    }
    out.finish()
}

fn csv_response(page: Page<AuditEvent>) -> Response {
    let mut resp = (
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        to_csv(&page.items),
    )
        .into_response();
    if let Some(c) = page
        .next_cursor
        .and_then(|c| HeaderValue::from_str(&c).ok())
    {
        resp.headers_mut().insert("x-next-cursor", c);
    }
    resp
}
