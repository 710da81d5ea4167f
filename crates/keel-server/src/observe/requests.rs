//! One log line and the metrics for every request: request id, method, route template, status
//! and latency. The route is the template the router matched (`/api/v1/objectives/{id}`), never
//! the path itself nor its query string: bounded metric labels, and no ids or tokens in logs.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// The label of a request no route matched (404s, whatever their path).
const UNMATCHED: &str = "unmatched";

/// Routes probed every few seconds by a scraper or an orchestrator: logged at debug level only.
const PROBES: [&str; 5] = [
    "/healthz",
    "/readyz",
    "/api/v1/healthz",
    "/api/v1/readyz",
    "/metrics",
];

/// Times the request, then logs it and counts it.
pub(crate) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = route_label(req.extensions().get::<MatchedPath>());
    let resp = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    if let Some(m) = &state.observe.metrics {
        m.observe_request(method, &route, status, seconds);
    }
    log(method, &route, status, seconds);
    resp
}

fn log(method: &str, route: &str, status: u16, seconds: f64) {
    let request_id = crate::error::current_request_id();
    let request_id = request_id.as_deref().unwrap_or("-");
    let latency_ms = (seconds * 1e6).round() / 1e3;
    if PROBES.contains(&route) {
        tracing::debug!(target: "keel::request", request_id, method, route, status, latency_ms, "request");
    } else {
        tracing::info!(target: "keel::request", request_id, method, route, status, latency_ms, "request");
    }
}

/// The standard methods by name; any other (a client may send anything) as `OTHER`.
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// The matched route template; a fallback (axum names its catch-all with a private wildcard)
/// is "unmatched".
fn route_label(matched: Option<&MatchedPath>) -> String {
    match matched.map(MatchedPath::as_str) {
        Some(p) if !p.contains("__private__") && !p.contains("{*") => p.to_string(),
        _ => UNMATCHED.to_string(),
    }
}
