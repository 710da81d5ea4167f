//! What an operator watches Keel by: Prometheus metrics (`/metrics`), one log line per request,
//! and the health checks a load balancer or orchestrator probes (`/healthz`, `/readyz`).
//!
//! Why apart from the routes: none of it is about OKRs, and all of it must stay cheap and safe.
//! Metrics are off unless an operator turns them on (a separate listener, or a bearer token on
//! the main port): with neither, `/metrics` does not exist. Labels are route templates, never
//! raw paths, so the number of series stays bounded whatever clients send; log lines carry the
//! route too, never the path's ids or the query string (which may hold a token).

pub mod health;
pub mod metrics;
pub(crate) mod requests;

pub use metrics::Metrics;

use sha2::{Digest, Sha256};
use std::sync::Arc;

/// How the running server exposes its metrics.
#[derive(Clone, Default)]
pub struct Observe {
    /// The metrics, when an operator turned them on; `None` records nothing.
    pub metrics: Option<Arc<Metrics>>,
    /// The SHA-256 of the bearer token `/metrics` needs on the main port; `None`: the main port
    /// has no `/metrics`.
    token_digest: Option<[u8; 32]>,
}

impl std::fmt::Debug for Observe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observe")
            .field("metrics", &self.metrics.is_some())
            .field("token", &self.token_digest.map(|_| "***"))
            .finish()
    }
}

impl Observe {
    /// Metrics recorded; served on the main port only if `token` is given (and then only to
    /// requests bearing it). A separate listener serves them with [`metrics::router`].
    pub fn with_metrics(metrics: Arc<Metrics>, token: Option<&str>) -> Self {
        Self {
            metrics: Some(metrics),
            token_digest: token.map(|t| Sha256::digest(t.as_bytes()).into()),
        }
    }

    /// Whether the main port serves `/metrics`.
    pub(crate) fn served_on_main_port(&self) -> bool {
        self.metrics.is_some() && self.token_digest.is_some()
    }

    /// Whether `presented` is the metrics token. Digests are compared, so the time taken says
    /// nothing about how much of the token matched.
    pub(crate) fn token_matches(&self, presented: &str) -> bool {
        let Some(want) = &self.token_digest else {
            return false;
        };
        let got: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        want.iter().zip(got).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}
