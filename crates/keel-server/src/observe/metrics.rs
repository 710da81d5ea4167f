//! The metrics registry and its Prometheus text rendering: requests by route and status,
//! latency per route, the database connections, the check-in commit queue, and whatever other
//! parts of Keel register (the job runner: see [`Metrics::register`]).

use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use keel_store::{Backend, DynStore};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    prometheus_text, DescriptorEncoder, EncodeLabelSet, EncodeMetric, NoLabelSet,
};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::{Metric, Registry};
use std::sync::{Arc, Mutex};

/// Request latency buckets, in seconds: a page or a check-in takes a few milliseconds; the
/// slowest reports take a second or more.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A request as counted: method, route template and status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

/// A route as timed: method and route template.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// Keel's metrics: one per server, shared by the request layer, the store's collector and
/// anything else that registers. Every name starts with `keel_`.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// The registry with the request metrics and the store's connections and commit queue.
    pub fn new(store: DynStore) -> Self {
        let mut registry = Registry::with_prefix("keel");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route template and status",
            requests.clone(),
        );
        let latency: LatencyFamily =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            latency.clone(),
        );
        registry.register_collector(Box::new(StoreCollector(store)));
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
        }
    }

    /// Adds a metric kept by another part of Keel, e.g. the job runner's runs by job and
    /// outcome. `name` gets the `keel_` prefix (and `_total` for a counter); keep labels to a
    /// small fixed set of values.
    ///
    /// ```
    /// # use prometheus_client::metrics::{counter::Counter, family::Family};
    /// # fn f(metrics: &keel_server::observe::Metrics) {
    /// let runs = Family::<[(&'static str, &'static str); 2], Counter>::default();
    /// metrics.register("job_runs", "Job runs by job and outcome", runs.clone());
    /// runs.get_or_create(&[("job", "reminders"), ("outcome", "ok")]).inc();
    /// # }
    /// ```
    pub fn register(&self, name: &str, help: &str, metric: impl Metric) {
        self.lock().register(name, help, metric);
    }

    /// One answered request: counted by status, timed by route.
    pub(crate) fn observe_request(
        &self,
        method: &'static str,
        route: &str,
        status: u16,
        seconds: f64,
    ) {
        let route = route.to_string();
        self.latency
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .inc();
    }

    /// Everything registered, in the Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_text::encode(&mut out, &self.lock()).expect("writing to a String succeeds");
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The store's figures, read at each scrape (nothing is recorded on the request path).
#[derive(Clone)]
struct StoreCollector(DynStore);

impl std::fmt::Debug for StoreCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreCollector")
    }
}

impl Collector for StoreCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let pool = self.0.pool_stats();
        let mut conns = encoder.encode_descriptor(
            "db_connections",
            "Database connections by state (in use or idle)",
            None,
            MetricType::Gauge,
        )?;
        for (state, n) in [("in_use", pool.in_use), ("idle", pool.idle)] {
            ConstGauge::new(n as i64).encode(conns.encode_family(&[("state", state)])?)?;
        }
        gauge(
            &mut encoder,
            "db_connections_max",
            "The most database connections Keel opens",
            pool.max,
        )?;
        let q = self.0.commit_queue_stats();
        gauge(
            &mut encoder,
            "check_in_queue_depth",
            "Check-ins waiting for the next group commit",
            q.queued,
        )?;
        counter(
            &mut encoder,
            "check_in_commits",
            "Group commits of check-ins (one transaction each)",
            q.groups,
        )?;
        counter(
            &mut encoder,
            "check_in_commit_retries",
            "Group commits redone one check-in at a time after a statement failed",
            q.retried_groups,
        )?;
        let reads = self.0.context_read_stats();
        counter(
            &mut encoder,
            "check_in_context_reads",
            "Key results read in context for a check-in, concurrent ones together on PostgreSQL",
            reads.reads,
        )?;
        counter(
            &mut encoder,
            "check_in_context_read_groups",
            "Statements that read key results in context for check-ins (one per group of reads)",
            reads.groups,
        )?;
        encoder
            .encode_descriptor(
                "check_in_commit_size",
                "Check-ins per group commit",
                None,
                MetricType::Histogram,
            )?
            .encode_histogram::<NoLabelSet>(q.check_ins as f64, q.groups, &q.group_sizes, None)
    }
}

fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: usize,
) -> Result<(), std::fmt::Error> {
    let g = ConstGauge::new(value as i64);
    g.encode(encoder.encode_descriptor(name, help, None, ConstGauge::<i64>::TYPE)?)
}

fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: u64,
) -> Result<(), std::fmt::Error> {
    let c = ConstCounter::new(value);
    c.encode(encoder.encode_descriptor(name, help, None, ConstCounter::<u64>::TYPE)?)
}

fn exposition(metrics: &Metrics) -> Response {
    (
        [(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)],
        metrics.render(),
    )
        .into_response()
}

/// `GET /metrics` on the main port: only with the metrics bearer token (401 otherwise). The
/// route exists only when a token is configured (see `crate::app`).
pub(crate) async fn on_main_port(State(state): State<AppState>, headers: HeaderMap) -> Response {
    // The scheme is case-insensitive (RFC 9110).
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map_or("", |(_, token)| token);
    match &state.observe.metrics {
        Some(m) if state.observe.token_matches(presented.trim()) => exposition(m),
        _ => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"keel-metrics\"")],
            "the metrics need the bearer token set by KEEL_METRICS_TOKEN\n",
        )
            .into_response(),
    }
}

/// The separate metrics listener (`KEEL_METRICS_BIND`): `/metrics` and nothing else, without a
/// token (the address is the protection: bind it where only the scraper reaches).
pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let metrics = metrics.clone();
            async move { exposition(&metrics) }
        }),
    )
}

/// Serves [`router`] on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(metrics))
        .with_graceful_shutdown(shutdown)
        .await
}
