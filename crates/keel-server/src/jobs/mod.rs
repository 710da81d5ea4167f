//! The background job runner, started by `keel serve`: it schedules the periodic jobs, claims
//! due jobs from the store's durable queue and runs them, until the server shuts down.
//!
//! Why in the server and on the store's queue: every Keel server runs the same loop, and the
//! store makes it safe (docs/notifications.md): a periodic job's run for one period is queued
//! once whoever schedules it first (its unique key names the period), a claimed job is leased
//! to one worker, a failed job is retried with backoff, and a job whose worker died is claimed
//! again when its lease expires. Jobs are idempotent by design (the evaluator compares with the
//! last known status), so a retry after a crash mid-run does no harm.

pub mod cleanup;
pub mod evaluator;
pub mod event_emails;
mod metrics;
pub mod ownership_reminders;
pub mod pull_sources;
mod reminder_mail;
pub mod score_reminders;
pub mod stored_figures;

pub use metrics::JobMetrics;

use crate::mail::MailConfig;
use keel_domain::notification::retry_delay;
use keel_store::{DynStore, Job, Jobs, NewJob, Store};
use std::time::Duration;

/// The evaluator's job kind.
pub const EVALUATE: &str = "evaluate_key_results";

/// A job that runs once per period.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub kind: &'static str,
    /// The period's length.
    pub every: chrono::Duration,
}

/// Keel's periodic jobs: the evaluator, every hour (a check-in falls due by the day, and
/// statuses turn by the day; an hour keeps the news within the morning).
/// The digest and reminder rounds run hourly too: each person's message leaves at their local
/// hour, once per week (digest) or day (reminder), whatever the number of rounds.
/// Notification emails every minute (news within a minute, several in it batched); the
/// cleanup once a day; the pulled sources' round every minute (each source is due by its own
/// schedule).
pub const SCHEDULES: [Schedule; 8] = [
    Schedule {
        kind: EVALUATE,
        every: chrono::Duration::hours(1),
    },
    Schedule {
        kind: crate::digest::DIGEST,
        every: chrono::Duration::hours(1),
    },
    Schedule {
        kind: crate::digest::REMINDERS,
        every: chrono::Duration::hours(1),
    },
    Schedule {
        kind: event_emails::NOTIFICATION_EMAILS,
        every: chrono::Duration::minutes(1),
    },
    Schedule {
        kind: cleanup::CLEANUP,
        every: chrono::Duration::days(1),
    },
    Schedule {
        kind: ownership_reminders::ROUND,
        every: chrono::Duration::hours(1),
    },
    Schedule {
        kind: score_reminders::ROUND,
        every: chrono::Duration::hours(1),
    },
    Schedule {
        kind: pull_sources::PULL_SOURCES,
        every: chrono::Duration::minutes(1),
    },
];

/// How long a worker holds a claimed job before another may take it.
const LEASE: chrono::Duration = chrono::Duration::minutes(10);
/// How often the runner looks for work when none was waiting.
const TICK: Duration = Duration::from_secs(30);
/// How many due jobs a worker claims at a time. A tick that claimed this many is followed at
/// once by the next: a backlog (an hour's ownership reminders at 100,000 people: tens of
/// thousands of emails) drains at the jobs' own speed, not ten every thirty seconds while the
/// evaluator's round waits behind it.
const CLAIM: u32 = 10;
/// Attempts before a job is given up.
const MAX_ATTEMPTS: u32 = 5;

/// The start of the period of `schedule` that `now` falls in.
pub fn period_start(
    schedule: &Schedule,
    now: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    let every = schedule.every.num_seconds().max(1);
    let start = now.timestamp().div_euclid(every) * every;
    chrono::DateTime::from_timestamp(start, 0).unwrap_or(now)
}

/// Queues this period's run of each schedule (a no-op where another server did already).
pub async fn schedule(
    store: &dyn Store,
    schedules: &[Schedule],
    now: chrono::DateTime<chrono::Utc>,
) -> keel_store::StoreResult<()> {
    for s in schedules {
        let start = period_start(s, now);
        store
            .enqueue_job(&NewJob {
                kind: s.kind.to_string(),
                unique_key: Some(format!("{}:{}", s.kind, start.to_rfc3339())),
                payload: serde_json::json!({}),
                run_at: start,
                max_attempts: MAX_ATTEMPTS,
            })
            .await?;
    }
    Ok(())
}

/// How a job's attempt failed: retried with the queue's backoff, or given up at once.
enum Failure {
    Retry(String),
    Permanent(String),
}

/// Runs one job; the error is recorded on the job, which is retried.
async fn run(store: &dyn Store, job: &Job, mail: &MailConfig) -> Result<(), Failure> {
    match job.kind.as_str() {
        EVALUATE => {
            // The automation rules run in the evaluator's round, on the changes it just recorded.
            let now = crate::services::now();
            match evaluator::evaluate(store, now).await {
                Ok(_) => crate::automation::round::run(store, now).await.map(|_| ()),
                Err(e) => Err(e),
            }
            .map_err(|e| Failure::Retry(e.to_string()))
        }
        crate::digest::DIGEST => {
            // Each message is reported as queued and not kept: the round holds no list of them.
            crate::digest::digests_each(
                store,
                &crate::digest::Round::scheduled(job.run_at),
                &mut |_| {},
            )
            .await
            .map_err(|e| Failure::Retry(e.to_string()))
        }
        crate::digest::REMINDERS => {
            crate::digest::reminders(store, &crate::digest::Round::scheduled(job.run_at))
                .await
                .map(|_| ())
                .map_err(|e| Failure::Retry(e.to_string()))
        }
        event_emails::NOTIFICATION_EMAILS => {
            let base = mail
                .public_url
                .clone()
                .or_else(crate::digest::public_url_from_env);
            event_emails::notification_emails(store, crate::services::now(), base.as_deref())
                .await
                .map(|_| ())
                .map_err(|e| Failure::Retry(e.to_string()))
        }
        ownership_reminders::ROUND => {
            ownership_reminders::round(store, &crate::digest::Round::scheduled(job.run_at))
                .await
                .map(|_| ())
                .map_err(|e| Failure::Retry(e.to_string()))
        }
        cleanup::CLEANUP => cleanup::clean_up(store, crate::services::now())
            .await
            .map(|_| ())
            .map_err(|e| Failure::Retry(e.to_string())),
        ownership_reminders::REMIND => ownership_reminders::remind(store, job)
            .await
            .map_err(|e| Failure::Retry(e.to_string())),
        score_reminders::ROUND => {
            score_reminders::round(store, &crate::digest::Round::scheduled(job.run_at))
                .await
                .map(|_| ())
                .map_err(|e| Failure::Retry(e.to_string()))
        }
        score_reminders::REMIND => score_reminders::remind(store, job)
            .await
            .map_err(|e| Failure::Retry(e.to_string())),
        pull_sources::PULL_SOURCES => {
            crate::pull::run::run_due(store, mail, job.run_at.max(crate::services::now()))
                .await
                .map(|_| ())
                .map_err(|e| Failure::Retry(e.to_string()))
        }
        crate::mail::SEND_EMAIL => send_email(store, job, mail).await,
        keel_store::WEBHOOK_DELIVERY_JOB => crate::webhooks::deliver::run(store, job, mail)
            .await
            .map_err(Failure::Retry),
        crate::services::accounts::PASSWORD_RESET_REQUEST => {
            crate::services::accounts::send_reset(store, mail, &job.payload)
                .await
                .map_err(Failure::Retry)
        }
        other => Err(Failure::Retry(format!(
            "no runner knows the job kind '{other}'"
        ))),
    }
}

/// Sends a queued email (`mail::send`): a deactivated recipient is skipped (done), a
/// recipient refused for good ends the job at once, anything else is retried.
async fn send_email(store: &dyn Store, job: &Job, mail: &MailConfig) -> Result<(), Failure> {
    use crate::mail::smtp::SendFailure;
    match crate::mail::deliver(store, mail, &job.payload).await {
        Ok(delivery) => {
            tracing::info!(job = %job.id, ?delivery, "an email job finished");
            Ok(())
        }
        Err(SendFailure::Retry(e)) => Err(Failure::Retry(e)),
        Err(SendFailure::Permanent(e)) => Err(Failure::Permanent(e)),
    }
}

/// Once an email job is finished (sent or given up), clears the one-time link an invitation
/// or a password reset carried (`mail::send::redacted`), so the outbox keeps no credential.
async fn clear_link(store: &dyn Store, job: &Job) -> keel_store::StoreResult<()> {
    if job.kind != crate::mail::SEND_EMAIL {
        return Ok(());
    }
    if let Some(kept) = crate::mail::send::redacted(&job.payload) {
        store.redact_job_payload(&job.id, &kept).await?;
    }
    Ok(())
}

/// One round of the runner without email settings (email jobs wait): see [`tick_with`].
pub async fn tick(
    store: &dyn Store,
    worker: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> keel_store::StoreResult<usize> {
    tick_with(store, worker, now, &MailConfig::default()).await
}

/// One round of the runner: schedules this period's jobs, then claims the jobs due and runs
/// them, recording each outcome. Returns how many jobs ran.
pub async fn tick_with(
    store: &dyn Store,
    worker: &str,
    now: chrono::DateTime<chrono::Utc>,
    mail: &MailConfig,
) -> keel_store::StoreResult<usize> {
    tick_observed(store, worker, now, mail, None).await
}

/// [`tick_with`], recording each run in the runner's metrics when they are on.
pub async fn tick_observed(
    store: &dyn Store,
    worker: &str,
    now: chrono::DateTime<chrono::Utc>,
    mail: &MailConfig,
    metrics: Option<&JobMetrics>,
) -> keel_store::StoreResult<usize> {
    schedule(store, &SCHEDULES, now).await?;
    let jobs = store.claim_jobs(worker, now, LEASE, CLAIM).await?;
    for job in &jobs {
        let started = std::time::Instant::now();
        let outcome = run(store, job, mail).await;
        let seconds = started.elapsed().as_secs_f64();
        match outcome {
            Ok(()) => {
                store.complete_job(job, crate::services::now()).await?;
                clear_link(store, job).await?;
                if let Some(m) = metrics {
                    m.observe(&job.kind, "done", seconds);
                }
            }
            Err(failure) => {
                let (e, job) = match failure {
                    Failure::Retry(e) => (e, job.clone()),
                    // Given up now: recorded as the last attempt, so the job is dead.
                    Failure::Permanent(e) => (
                        e,
                        Job {
                            max_attempts: job.attempts,
                            ..job.clone()
                        },
                    ),
                };
                let job = &job;
                let state = store.fail_job(job, &e, crate::services::now()).await?;
                if matches!(state, keel_store::JobState::Dead) {
                    clear_link(store, job).await?;
                }
                if let Some(m) = metrics {
                    let dead = matches!(state, keel_store::JobState::Dead);
                    m.observe(&job.kind, if dead { "dead" } else { "retry" }, seconds);
                }
                tracing::warn!(
                    job = job.kind,
                    attempt = job.attempts,
                    ?state,
                    retry_in_seconds = retry_delay(job.attempts).num_seconds(),
                    error = %e,
                    "a background job failed"
                );
            }
        }
    }
    Ok(jobs.len())
}

/// The running runner: stop it with [`Runner::stop`].
pub struct Runner {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// Starts the runner on `store` as a tokio task, without email settings.
pub fn start(store: DynStore) -> Runner {
    start_with(store, MailConfig::default())
}

/// Starts the runner on `store` as a tokio task; `mail` sends the queued emails.
pub fn start_with(store: DynStore, mail: MailConfig) -> Runner {
    start_observed(store, mail, None)
}

/// [`start_with`], recording the runs in the runner's metrics when they are on.
pub fn start_observed(store: DynStore, mail: MailConfig, metrics: Option<JobMetrics>) -> Runner {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let worker = format!("{}-{}", std::process::id(), uuid::Uuid::now_v7().simple());
    let task = tokio::spawn(async move {
        loop {
            let now = crate::services::now();
            let ticked = tick_observed(store.as_ref(), &worker, now, &mail, metrics.as_ref());
            let more = match ticked.await {
                Ok(ran) => ran >= CLAIM as usize,
                Err(e) => {
                    tracing::error!(error = %e, "the background job runner could not reach the store");
                    false
                }
            };
            if more && !*stopped.borrow() {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(TICK) => {}
                _ = stopped.changed() => break,
            }
        }
    });
    Runner { stop, task }
}

impl Runner {
    /// Stops the runner, letting the job under way finish (its lease would hand it to another
    /// server otherwise).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the background job runner ended abnormally");
        }
    }
}
