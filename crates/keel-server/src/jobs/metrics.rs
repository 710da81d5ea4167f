//! What the job runner tells an operator's metrics: runs by job kind and outcome, and how long
//! they took (`keel_job_runs_total`, `keel_job_duration_seconds`). Registered only when metrics
//! are on; the runner records nothing otherwise.

use crate::observe::Metrics;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

/// Job durations, in seconds: an email takes well under a second, an evaluation of a large
/// organisation a minute or more.
const DURATION_BUCKETS: [f64; 10] = [0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0];

/// A run as counted: the job's kind and how it ended (`done`, `retry`, `dead`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    kind: String,
    outcome: &'static str,
}

/// A run as timed: the job's kind.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

type DurationFamily = Family<KindLabels, Histogram, fn() -> Histogram>;

/// The runner's metrics, registered once with the server's [`Metrics`].
#[derive(Clone)]
pub struct JobMetrics {
    runs: Family<RunLabels, Counter>,
    duration: DurationFamily,
}

impl JobMetrics {
    /// Registers the runner's metrics with `metrics`.
    pub fn register(metrics: &Metrics) -> JobMetrics {
        let runs = Family::<RunLabels, Counter>::default();
        metrics.register(
            "job_runs",
            "Background job runs by job kind and outcome (done, retry, dead)",
            runs.clone(),
        );
        let duration: DurationFamily =
            Family::new_with_constructor(|| Histogram::new(DURATION_BUCKETS));
        metrics.register(
            "job_duration_seconds",
            "Time a background job run took, by job kind",
            duration.clone(),
        );
        JobMetrics { runs, duration }
    }

    /// One run of a job of `kind` that ended as `outcome` after `seconds`.
    pub(crate) fn observe(&self, kind: &str, outcome: &'static str, seconds: f64) {
        let kind = kind.to_string();
        self.duration
            .get_or_create(&KindLabels { kind: kind.clone() })
            .observe(seconds);
        self.runs.get_or_create(&RunLabels { kind, outcome }).inc();
    }
}
