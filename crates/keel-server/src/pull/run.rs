//! One run of a pulled source: fetch its number (an HTTP(S) answer's JSON Pointer through the
//! SSRF-safe client, or a registered database's read-only query), then record the run with
//! what it made, in one store transaction: a check-in on its key result (or a reading of its
//! KPI, with the check-ins that reading makes) whose author is the source, never the owner's
//! word (the owner's latest confidence stays); or, on failure, the error in words and, on the
//! first failure only, a notification to the owner.

use crate::mail::MailConfig;
use crate::outbound::{Limits, Outbound, OutboundError};
use crate::services::check_ins::{self, Author, Reading};
use crate::services::kpis;
use keel_domain::data_feed::FeedTarget;
use keel_domain::kpi::KpiValue;
use keel_domain::notification::{Notification, NotificationKind};
use keel_domain::pull::{self, PullKind, PullRun, PullSource};
use keel_domain::*;
use keel_store::{
    Cycles, DataFeeds, KeyResults, Objectives, PullOutcome, PullSources, Settings, Store, WriteCtx,
};
use std::time::{Duration, Instant};

/// How long a registered database may take to answer a source's query.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a fetch gave no number: the field of the source's settings it is about (a 422 names it
/// when the source is being saved) and the words the owner reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub field: &'static str,
    pub words: String,
}

impl Failed {
    fn new(field: &'static str, words: impl Into<String>) -> Self {
        Failed {
            field,
            words: words.into(),
        }
    }
}

/// An outbound failure in the owner's words ("the server answered 401").
fn http_words(e: &OutboundError) -> String {
    match e {
        OutboundError::Status(s) => format!("the server answered {s}"),
        OutboundError::Redirect(s) => {
            format!("the server answered with a redirect ({s}); redirects are not followed")
        }
        OutboundError::NotJson => "the answer is not JSON".into(),
        other => other.to_string().replace("the receiver", "the server"),
    }
}

/// What a source needs opened to run: its header values or its database's connection URL.
pub enum Secret {
    Headers(Vec<(String, String)>),
    DatabaseUrl(String),
}

/// Opens a source's secret with the server's key.
pub async fn secret_of(
    store: &dyn Store,
    mail: &MailConfig,
    s: &PullSource,
) -> Result<Secret, Failed> {
    let open = |sealed: &str, field: &'static str| {
        mail.keys
            .key()
            .and_then(|k| k.open(sealed))
            .map_err(|e| Failed::new(field, e.to_string()))
    };
    let store_err = |e: keel_store::StoreError| Failed::new("source", e.to_string());
    match s.kind {
        PullKind::Http => match store.pull_source_headers(&s.id).await.map_err(store_err)? {
            None => Ok(Secret::Headers(vec![])),
            Some(sealed) => {
                let text = open(&sealed, "headers")?;
                let headers = serde_json::from_str(&text)
                    .map_err(|_| Failed::new("headers", "the stored headers are damaged"))?;
                Ok(Secret::Headers(headers))
            }
        },
        PullKind::Sql => {
            let id = s
                .database_id
                .as_ref()
                .ok_or_else(|| Failed::new("database_id", "no database is chosen"))?;
            let sealed = store
                .source_database_url(id)
                .await
                .map_err(store_err)?
                .ok_or_else(|| {
                    Failed::new("database_id", "the database is no longer registered")
                })?;
            Ok(Secret::DatabaseUrl(open(&sealed, "database_id")?))
        }
    }
}

/// Fetches the number of a source with its secret opened.
pub async fn fetch(mail: &MailConfig, s: &PullSource, secret: &Secret) -> Result<f64, Failed> {
    match (s.kind, secret) {
        (PullKind::Http, Secret::Headers(headers)) => {
            let url = s.url.as_deref().unwrap_or_default();
            let pointer = s.json_pointer.as_deref().unwrap_or_default();
            let headers: Vec<(&str, String)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.clone()))
                .collect();
            let (answer, _) = Outbound::new(mail.outbound, Limits::default())
                .get_json(url, &headers)
                .await
                .map_err(|e| Failed::new("url", http_words(&e)))?;
            pull::number_at(&answer, pointer).map_err(|w| Failed::new("json_pointer", w))
        }
        (PullKind::Sql, Secret::DatabaseUrl(db)) => {
            use keel_store::external::{read_number, ExternalError};
            let query = s.query.as_deref().unwrap_or_default();
            read_number(db, query, QUERY_TIMEOUT)
                .await
                .map_err(|e| match e {
                    ExternalError::Url | ExternalError::Connect(_) => {
                        Failed::new("database_id", e.to_string())
                    }
                    _ => Failed::new("query", e.to_string()),
                })
        }
        _ => Err(Failed::new(
            "kind",
            "the source's settings do not match its kind",
        )),
    }
}

/// Fetches a source's number with its stored secret, timed.
pub async fn fetch_stored(
    store: &dyn Store,
    mail: &MailConfig,
    s: &PullSource,
) -> (Result<f64, Failed>, Duration) {
    let started = Instant::now();
    let outcome = match secret_of(store, mail, s).await {
        Ok(secret) => fetch(mail, s, &secret).await,
        Err(e) => Err(e),
    };
    (outcome, started.elapsed())
}

/// Runs a source now: fetches and records. Returns the run and the source as it now stands.
pub async fn run(
    store: &dyn Store,
    mail: &MailConfig,
    ctx: &WriteCtx,
    s: &PullSource,
) -> Result<(PullRun, PullSource), keel_store::StoreError> {
    let (fetched, took) = fetch_stored(store, mail, s).await;
    record(store, ctx, s, fetched.map_err(|f| f.words), took).await
}

/// Records a run whose number was fetched (or not) already.
pub async fn record(
    store: &dyn Store,
    ctx: &WriteCtx,
    s: &PullSource,
    fetched: Result<f64, String>,
    took: Duration,
) -> Result<(PullRun, PullSource), keel_store::StoreError> {
    let at = crate::services::now();
    let run = PullRun {
        id: PullRunId::generate(),
        source_id: s.id.clone(),
        at,
        value: fetched.as_ref().ok().copied(),
        error: fetched.as_ref().err().cloned(),
        duration_ms: i64::try_from(took.as_millis()).unwrap_or(i64::MAX),
    };
    let outcome = match &fetched {
        Ok(v) => made(store, s, *v, at).await?,
        Err(e) => PullOutcome::Failed {
            notify: failure_notice(store, s, e).await?,
        },
    };
    let next = pull::next_run(s.schedule, at);
    let stored = store.record_pull_run(ctx, &run, outcome, next).await?;
    tracing::info!(source = %s.id, ok = fetched.is_ok(), "a pulled source ran");
    Ok((run, stored))
}

/// What a value makes: a check-in on the key result, or a KPI reading and its check-ins.
async fn made(
    store: &dyn Store,
    s: &PullSource,
    value: f64,
    at: Timestamp,
) -> Result<PullOutcome, keel_store::StoreError> {
    let internal = |e: crate::error::ApiError| keel_store::StoreError::Unavailable(e.to_string());
    match &s.target {
        FeedTarget::KeyResult(id) => {
            let Some(kr) = store.key_result(id).await? else {
                return Ok(PullOutcome::Unrecorded);
            };
            let Some(o) = store.objective(&kr.objective_id).await? else {
                return Ok(PullOutcome::Unrecorded);
            };
            let cycle = store.cycle(&o.cycle_id).await?;
            let scale = store.settings().await?.confidence_scale;
            let reading = Reading {
                value,
                confidence: None,
                note: String::new(),
                at: None,
                author: Author::Source(s.source()),
            };
            match check_ins::judge(&kr, &o, cycle.as_ref(), scale, at, reading) {
                Ok((check_in, applied)) => Ok(PullOutcome::KeyResult {
                    check_in: Box::new(check_in),
                    applied: Box::new(applied),
                }),
                // Closed, or a value this key result cannot take: its history stays as it is.
                Err(_) => Ok(PullOutcome::Unrecorded),
            }
        }
        FeedTarget::Kpi(id) => {
            let Some(kpi) = store.kpi(id).await? else {
                return Ok(PullOutcome::Unrecorded);
            };
            let reading = KpiValue {
                id: KpiValueId::generate(),
                kpi_id: kpi.id.clone(),
                value,
                note: String::new(),
                author_id: None,
                source: Some(s.source()),
                at,
                created_at: at,
            };
            let fed = kpis::fed_check_ins(store, &kpi, &reading)
                .await
                .map_err(internal)?;
            Ok(PullOutcome::Kpi {
                value: reading,
                fed,
            })
        }
    }
}

/// The notification the owner gets when the source starts failing (the store records it only
/// on the first failure).
async fn failure_notice(
    store: &dyn Store,
    s: &PullSource,
    error: &str,
) -> Result<Option<Notification>, keel_store::StoreError> {
    let detail = Some(format!("{}: {error}", s.name));
    Ok(match &s.target {
        FeedTarget::KeyResult(id) => store.key_result(id).await?.map(|kr| Notification {
            objective_id: Some(kr.objective_id.clone()),
            key_result_id: Some(kr.id.clone()),
            detail,
            ..Notification::new(
                kr.owner_id.clone(),
                NotificationKind::SourceFailing,
                kr.id.as_str(),
            )
        }),
        FeedTarget::Kpi(id) => store.kpi(id).await?.map(|k| Notification {
            detail,
            ..Notification::new(
                k.owner_id.clone(),
                NotificationKind::SourceFailing,
                k.id.as_str(),
            )
        }),
    })
}

/// Runs the due sources (claimed for `lease`, so another server running the same job skips
/// them): the job's body. Returns how many ran.
pub async fn run_due(
    store: &dyn Store,
    mail: &MailConfig,
    now: Timestamp,
) -> Result<usize, keel_store::StoreError> {
    let lease = chrono::Duration::minutes(5);
    let due = store.claim_due_pull_sources(now, lease, 50).await?;
    let ctx = WriteCtx::system(Source::Job);
    let mut ran = 0;
    for s in &due {
        // One source's trouble (its key result deleted meanwhile) does not hold up the others;
        // its lease lapses and the next round tries it again.
        match run(store, mail, &ctx, s).await {
            Ok(_) => ran += 1,
            Err(e) => {
                tracing::warn!(source = %s.id, error = %e, "a pulled source could not be recorded")
            }
        }
    }
    Ok(ran)
}

/// A source's state in the owner's words: "Last synced 2 hours ago: 1,234", "Failing since
/// Monday: the server answered 401", "Not run yet".
pub fn state_words(s: &PullSource, now: Timestamp, num: impl Fn(f64) -> String) -> String {
    let st = &s.state;
    match (&st.failing_since, &st.last_error, st.last_success_at) {
        (Some(since), Some(e), _) => format!("Failing since {}: {e}", since_words(*since, now)),
        (_, _, Some(ok)) => format!(
            "Last synced {}: {}",
            crate::ui::data_feeds::ago(ok, now),
            st.last_value.map(num).unwrap_or_default()
        ),
        _ => "Not run yet".into(),
    }
}

/// When a failure began, in the reader's zone: "2 hours ago" within a day, the weekday within
/// a week ("Monday"), else the day ("30 Nov 2026").
fn since_words(t: Timestamp, now: Timestamp) -> String {
    let d = now - t;
    if d < chrono::Duration::days(1) {
        crate::ui::data_feeds::ago(t, now)
    } else if d < chrono::Duration::days(7) {
        t.with_timezone(&crate::ui::format::reader().zone)
            .format("%A")
            .to_string()
    } else {
        crate::ui::format::day(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_read_in_the_owners_words() {
        assert_eq!(
            http_words(&OutboundError::Status(401)),
            "the server answered 401"
        );
        assert!(http_words(&OutboundError::Redirect(302)).contains("redirect"));
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-09T12:00:00Z")
            .unwrap()
            .to_utc();
        // 2026-12-07 is a Monday.
        let monday = chrono::DateTime::parse_from_rfc3339("2026-12-07T09:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(since_words(monday, now), "Monday");
        assert_eq!(
            since_words(now - chrono::Duration::hours(2), now),
            "2 hours ago"
        );
    }
}
