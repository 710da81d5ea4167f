//! The organisation's OKRs as one document over HTTP: `GET /export` streams it (JSON or YAML,
//! every cycle or one), `POST /import` takes it back (a dry run first, then for real), and
//! `GET /export/{list}.csv` gives the people, objectives and key results lists as CSV.
//! Administrators only: the document holds every OKR, private ones included.

use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem, Refusals};
use crate::extract::{page_request, ApiQuery};
use crate::services::okr_file::{self, export, import, OkrFile, Syntax};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use keel_domain::FieldError;
use serde::Deserialize;
use tokio::io::AsyncReadExt;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_okrs))
        .routes(routes!(import_okrs))
        .routes(routes!(export_list))
}

/// The document's two syntaxes (the values of `format`; the handler reads the text itself so
/// that a wrong value is a 422 naming the field).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum DocumentFormat {
    Json,
    Yaml,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default) or `yaml`.
    #[param(value_type = Option<DocumentFormat>, inline)]
    format: Option<String>,
    /// One cycle's objectives, by the cycle's name (every cycle's when absent).
    cycle: Option<String>,
}

fn syntax(format: Option<&str>) -> ApiResult<Syntax> {
    match format.map(str::trim).filter(|f| !f.is_empty()) {
        None => Ok(Syntax::Json),
        Some(f) => Ok(Syntax::parse("format", f)?),
    }
}

impl From<export::ExportError> for ApiError {
    fn from(e: export::ExportError) -> Self {
        match e {
            export::ExportError::Invalid(f) => ApiError::Invalid(f),
            export::ExportError::Store(s) => s.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// The organisation's OKRs as one document ("OKRs as code", docs/export-format.md): people by
/// email, teams and cycles by name, objectives with their key results, check-ins, initiatives,
/// dependencies, scores and retrospectives. Streamed as it is read. Administrators only.
#[utoipa::path(get, path = "/export", tag = "transfer", params(ExportQuery),
    responses((status = 200, description = "The document, in JSON or YAML",
            content((OkrFile = "application/json"), (OkrFile = "application/yaml"))),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn export_okrs(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    access::transfer_okrs(&caller.person)?;
    let syntax = syntax(q.format.as_deref())?;
    let cycle = q.cycle.filter(|c| !c.trim().is_empty());
    let store = s.store.clone();
    let prepared =
        export::prepare(store.as_ref(), &export::ExportRequest { syntax, cycle }).await?;
    let (mut writer, reader) = tokio::io::duplex(64 << 10);
    let (failed_tx, failed_rx) = tokio::sync::oneshot::channel::<String>();
    tokio::spawn(async move {
        if let Err(e) = export::write(store.as_ref(), &prepared, &mut writer).await {
            tracing::error!(error = %e, "the export stopped");
            let _ = failed_tx.send(e.to_string());
        }
    });
    // Read what the writer wrote; when it stopped on an error, end the body with an error so
    // the client sees a failed transfer, never a short document that looks whole.
    let stream = futures_util::StreamExt::fuse(futures_util::stream::unfold(
        (reader, Some(failed_rx)),
        |(mut reader, failed)| async move {
            let mut buf = vec![0u8; 16 << 10];
            match reader.read(&mut buf).await {
                Ok(0) => match failed?.await {
                    Ok(message) => Some((Err(std::io::Error::other(message)), (reader, None))),
                    Err(_) => None,
                },
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(Bytes::from(buf)), (reader, failed)))
                }
                Err(e) => Some((Err(e), (reader, None))),
            }
        },
    ));
    // (Fused: a body may be polled once more after it ended, after an error item say; a fused
    // stream answers "ended" again instead of panicking mid-response.)
    let name = match syntax {
        Syntax::Json => "okrs.json",
        Syntax::Yaml => "okrs.yaml",
    };
    Ok((
        [
            (header::CONTENT_TYPE, syntax.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true`: check the document and report what it would create or match, writing nothing.
    #[param(value_type = Option<bool>)]
    dry_run: Option<String>,
}

/// The problem document for refused records: one entry per record and field.
pub fn refusals(e: import::ImportError) -> Response {
    match e {
        import::ImportError::Invalid(errors) => Refusals(
            errors
                .into_iter()
                .map(|f: FieldError| ApiError::Invalid(f))
                .collect(),
        )
        .into_response(),
        import::ImportError::Store(s) => ApiError::from(s).into_response(),
    }
}

/// Imports a document (JSON, or YAML with `Content-Type: application/yaml`), all or nothing.
/// Into an empty database it restores it as it was; into an organisation it matches people by
/// email, teams and cycles by name, leaves OKRs already present alone, and proposes every owner
/// it names (pending ownership requests). `?dry_run=true` reports without writing. Every
/// refusal names its record and field (`objectives[3].owner`). Administrators only.
#[utoipa::path(post, path = "/import", tag = "transfer", params(ImportQuery),
    request_body(content((OkrFile = "application/json"), (OkrFile = "application/yaml"))),
    responses((status = 200, body = import::ImportReport),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem),
        (status = 422, body = Problem)))]
async fn import_okrs(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Json<import::ImportReport>, Response> {
    access::transfer_okrs(&caller.person).map_err(IntoResponse::into_response)?;
    let dry_run = match q.dry_run.as_deref().map(str::trim) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::invalid("dry_run", "must be true or false").into_response())
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let syntax = if content_type.contains("yaml") {
        Syntax::Yaml
    } else if content_type.starts_with("application/json") || content_type.contains("+json") {
        Syntax::Json
    } else {
        return Err(ApiError::BadRequest(
            "send the document with Content-Type: application/json or application/yaml".into(),
        )
        .into_response());
    };
    import::import(s.store(), &caller.write_ctx(), &body, syntax, dry_run)
        .await
        .map(Json)
        .map_err(refusals)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many records per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The cursor of the previous page (its `x-next-cursor` header).
    cursor: Option<String>,
}

/// A list as CSV for a spreadsheet: `people`, `objectives` or `key-results` (those of the
/// objectives you may see), a page at a time (the next page's cursor in `x-next-cursor`).
/// People by email, cycles and teams by name; a cell a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@`, tab, carriage return first) is written with a leading `'`.
#[utoipa::path(get, path = "/export/{list}", tag = "transfer",
    params(("list" = String, Path, description = "people, objectives or key-results"), ListQuery),
    responses((status = 200, description = "One page of the list as CSV", content_type = "text/csv", body = String,
            headers(("x-next-cursor" = String, description = "The cursor of the next page, when there is one"))),
        (status = 422, body = Problem)))]
async fn export_list(
    State(s): State<AppState>,
    caller: Caller,
    Path(list): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let list = okr_file::lists::List::parse("list", &list)?;
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let reader =
        keel_store::Reader::of(crate::services::visibility::Viewer::of(&caller.person).audience());
    let (csv, next) = okr_file::lists::page(s.store(), list, reader, &page).await?;
    let mut resp = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response();
    if let Some(c) = next.and_then(|c| HeaderValue::from_str(&c).ok()) {
        resp.headers_mut().insert("x-next-cursor", c);
    }
    Ok(resp)
}
