//! `/healthz` (liveness: the process answers; no database) and `/readyz` (readiness: the
//! database answers a trivial query within a short time), at the server's root for probes and
//! under `/api/v1` as the API document lists them. Both open to anyone, and neither says more
//! than a status: no version, no path, no database error text (that goes to the log).

use crate::error::{current_request_id, Problem};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use keel_store::Backend;
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

/// How long `/readyz` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// A probe's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` (alive) or `ready` (the database answers).
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health))
)]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: the database answers a trivial query within two seconds.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready: the database answers", body = Health),
        (status = 503, description = "Not ready: the database did not answer in time or refused",
         body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let store = state.store.clone();
    let answer = tokio::time::timeout(READY_TIMEOUT, async move { store.ping().await }).await;
    let why = match answer {
        Ok(Ok(())) => return Json(Health { status: "ready" }).into_response(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer within {} s", READY_TIMEOUT.as_secs()),
    };
    tracing::warn!(error = %why, "readiness check failed: the database does not answer");
    not_ready()
}

fn not_ready() -> Response {
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let problem = Problem {
        kind: "https://keel.invalid/problems/not-ready".into(),
        title: "Service Unavailable".into(),
        status: status.as_u16(),
        detail: "the database does not answer; see the server's log".into(),
        field: None,
        request_id: current_request_id(),
        errors: vec![],
    };
    let mut resp = (status, Json(problem)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    resp
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(healthz, readyz),
    components(schemas(Health)),
    tags((name = "operations", description = "Health checks for load balancers and orchestrators: open to anyone, also at the server's root (`/healthz`, `/readyz`)"))
)]
struct HealthDoc;

/// Adds the probes to the API document, open to anyone (`security: []`). Added after the API
/// contract's rules, which describe token-protected routes (401 and the like).
pub fn document(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::OpenApi;
    let mut health = HealthDoc::openapi();
    for item in health.paths.paths.values_mut() {
        if let Some(op) = item.get.as_mut() {
            op.security = Some(Vec::new());
        }
    }
    doc.merge(health);
}
