//! Keel's HTTP server: the JSON API v1 (with its OpenAPI document and reference page), the web
//! UI (server-rendered, with sign-in), health checks, metrics, request logs and request ids.
//! Routes are thin: they parse, then call `services` (the use cases, for writes) or `read` (the
//! read models both the API and the pages show).

pub mod access;
pub mod api;
pub mod auth;
pub mod automation;
pub mod csv;
pub mod digest;
pub mod edge;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod mail;
pub mod observe;
pub mod outbound;
pub mod pull;
pub mod read;
pub mod secrets;
pub mod services;
pub mod ui;
pub mod webhooks;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_store::{Backend, DynStore, Store};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    /// Sign-in settings: public URL, session lifetimes, lockout, clock, single sign-on.
    pub auth: std::sync::Arc<auth::AuthConfig>,
    /// Metrics and how they are served (off unless configured).
    pub observe: observe::Observe,
    /// Whether the organisation waits for its first administrator (`/setup`).
    pub setup: std::sync::Arc<services::setup::SetupGate>,
    /// How email is sent (none configured: Keel sends nothing); shared with the job runner.
    pub mail: mail::MailConfig,
}

impl AppState {
    /// The state with default sign-in settings (no public URL, no single sign-on).
    pub fn new(store: DynStore) -> Self {
        Self::with_auth(store, auth::AuthConfig::default())
    }
    pub fn with_auth(store: DynStore, auth: auth::AuthConfig) -> Self {
        Self {
            store,
            auth: std::sync::Arc::new(auth),
            observe: observe::Observe::default(),
            setup: std::sync::Arc::default(),
            mail: mail::MailConfig::default(),
        }
    }
    /// The state with metrics turned on (see [`observe::Observe::with_metrics`]).
    pub fn with_observe(mut self, observe: observe::Observe) -> Self {
        self.observe = observe;
        self
    }
    /// The state with the first-run gate `keel serve` prepared (`services::setup::prepare`).
    pub fn with_setup(mut self, gate: services::setup::SetupGate) -> Self {
        self.setup = std::sync::Arc::new(gate);
        self
    }
    /// The state with email settings (pass the same to `jobs::start_with`).
    pub fn with_mail(mut self, mail: mail::MailConfig) -> Self {
        self.mail = mail;
        self
    }
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Gives every request an id (or keeps the caller's), returns it in `x-request-id`, and makes it
/// available to error rendering and logs.
async fn request_id(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    let mut resp = error::REQUEST_ID.scope(id.clone(), next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    resp
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(observe::health::healthz))
        .route("/readyz", get(observe::health::readyz));
    if state.observe.served_on_main_port() {
        router = router.route("/metrics", get(observe::metrics::on_main_port));
    }
    router
        .nest("/api/v1", api::v1())
        .merge(ui::routes(state.clone()))
        .fallback(ui::not_found)
        .layer(axum::middleware::from_fn(edge::guard))
        .layer(axum::middleware::from_fn(edge::security_headers))
        // Pages, assets and JSON are gzipped for clients that ask (`Accept-Encoding: gzip`):
        // a first visit to the largest page with its CSS and htmx stays well under 100 KB.
        .layer(tower_http::compression::CompressionLayer::new())
        // Inside `request_id`, so that each request's log line carries its id.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::requests::track,
        ))
        .layer(axum::middleware::from_fn(request_id))
        .with_state(state)
}

/// Serves the app on `listener` until `shutdown` resolves, then as `serve_draining` does with
/// `DEFAULT_DRAIN`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_draining(listener, state, shutdown, DEFAULT_DRAIN).await
}

/// How long requests in flight may take to finish after shutdown begins, unless configured.
pub const DEFAULT_DRAIN: std::time::Duration = std::time::Duration::from_secs(30);

/// How long closing the store may take after the drain (the last group commit).
const CLOSE_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves the app on `listener` until `shutdown` resolves; then stops accepting connections,
/// lets the requests in flight finish (each answered only after its writes are committed) for
/// up to `drain`, and closes the store: check-ins already taken into a group commit are
/// committed and answered first. Requests still running when `drain` runs out are cut off
/// unanswered (their transactions roll back, unless already committing).
pub async fn serve_draining(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    drain: std::time::Duration,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let (began, shutting_down) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app(state)).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!(
            drain_seconds = drain.as_secs(),
            "shutting down: finishing requests in flight"
        );
        let _ = began.send(());
    });
    let drained = async move {
        // A server that stopped without a shutdown never started draining.
        if shutting_down.await.is_ok() {
            tokio::time::sleep(drain).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        served = server => served?,
        () = drained => tracing::warn!(
            drain_seconds = drain.as_secs(),
            "the drain time ran out: requests still in flight were cut off unanswered"
        ),
    }
    // Bounded too: a database that stopped answering must not keep the process alive.
    if tokio::time::timeout(CLOSE_TIME, store.close())
        .await
        .is_err()
    {
        tracing::warn!("the database did not finish its last commits in time");
    }
    tracing::info!("stopped");
    Ok(())
}
