//! Durable background work: a job queue in the database, safe with several Keel servers on one
//! database, and the notifications that changes leave for people (`notifications`).
//!
//! Why in the database rather than in memory: a job (a periodic evaluation today; emails and
//! digests next) must survive a restart, run once per period even when two servers schedule it,
//! and be retried when the worker running it dies. The shape follows the queues that do this on
//! PostgreSQL (River, Oban, good_job):
//!
//! - **One row per job run.** A scheduled job's run for one period carries a `unique_key` (its
//!   kind and period), so every server may schedule it: the second insert finds the key taken.
//! - **Leases.** A worker claims due jobs by setting `worker` and `lease_until` in one
//!   transaction; on PostgreSQL the claim reads with `FOR UPDATE SKIP LOCKED`, so two claimers
//!   never take the same row and never wait on each other; on SQLite the single writer's
//!   `BEGIN IMMEDIATE` serialises claims. A claim is identified by its worker and its attempt
//!   number, so a worker whose lease expired (and whose job another worker took) cannot finish
//!   or fail it.
//! - **Cleanup.** Done jobs are deleted after a while (`delete_done_jobs`, the daily cleanup);
//!   dead ones are kept for the operator.
//! - **Retries.** A failed attempt is queued again after `notification::retry_delay` (backoff);
//!   after `max_attempts` the job is `dead` and kept with its last error. A lease that expires
//!   (the worker crashed) makes the job claimable again, as a new attempt.

mod events;
mod notifications;

pub(crate) use events::*;
pub(crate) use notifications::{
    notify, KEY_RESULT_SIGNAL, KEY_RESULT_STATUS_CHANGE, NOTIFICATION, OBJECTIVE_SIGNAL,
};
pub use notifications::{KeyResultSignal, Notifications, ObjectiveSignal};

use crate::db::{args, Arg, Db, Row};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for `run_at` (a first run, or a retry after a failure).
    Queued,
    /// Claimed by a worker until its lease ends.
    Running,
    /// Finished.
    Done,
    /// Failed on every attempt: kept with its last error, never run again.
    Dead,
}

impl JobState {
    /// The state as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }

    fn parse(s: &str) -> StoreResult<JobState> {
        [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Dead,
        ]
        .into_iter()
        .find(|j| j.as_str() == s)
        .ok_or_else(|| corrupt("state", format!("unknown value '{s}'")))
    }
}

/// A job to queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// What to do (the runner's name for it: `evaluate_key_results` …).
    pub kind: String,
    /// Set for a scheduled job's run of one period (`evaluate_key_results:2026-12-05T17`): a
    /// second job with the same key is not queued.
    pub unique_key: Option<String>,
    /// The job's arguments.
    pub payload: serde_json::Value,
    /// Not before.
    pub run_at: Timestamp,
    /// Attempts before it is given up (`dead`); at least 1.
    pub max_attempts: u32,
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub unique_key: Option<String>,
    pub payload: serde_json::Value,
    pub state: JobState,
    pub run_at: Timestamp,
    /// Attempts so far, the running one included.
    pub attempts: u32,
    pub max_attempts: u32,
    /// The worker holding it (while running).
    pub worker: Option<String>,
    pub lease_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// The `jobs` table.
pub(crate) const JOB: Table = Table {
    name: "jobs",
    columns: &[
        "id",
        "kind",
        "unique_key",
        "payload",
        "state",
        "run_at",
        "attempts",
        "max_attempts",
        "worker",
        "lease_until",
        "last_error",
        "created_at",
        "finished_at",
    ],
    not_selected: &[],
    later: &[],
};

const JOB_COLS: Select = Select(&JOB);

/// The most jobs one `INSERT` of `enqueue_jobs` carries (a digest is a few kilobytes).
const ENQUEUE_ROWS: usize = 500;

fn job_row(id: &JobId, j: &NewJob, at: &Timestamp) -> Vec<Arg> {
    args![
        id.as_str(),
        j.kind.as_str(),
        j.unique_key.clone(),
        j.payload.to_string(),
        JobState::Queued.as_str(),
        ts(&j.run_at),
        0i64,
        i64::from(j.max_attempts.max(1)),
        None::<String>,
        None::<i64>,
        None::<String>,
        ts(at),
        None::<i64>,
    ]
}

fn job_from(r: &Row) -> StoreResult<Job> {
    let count =
        |col: &str| -> StoreResult<u32> { u32::try_from(r.int(col)?).map_err(|e| corrupt(col, e)) };
    Ok(Job {
        id: JobId::from_string(r.text("id")?),
        kind: r.text("kind")?,
        unique_key: r.opt_text("unique_key")?,
        payload: from_json("payload", &r.text("payload")?)?,
        state: JobState::parse(&r.text("state")?)?,
        run_at: to_ts("run_at", r.int("run_at")?)?,
        attempts: count("attempts")?,
        max_attempts: count("max_attempts")?,
        worker: r.opt_text("worker")?,
        lease_until: opt_ts("lease_until", r.opt_int("lease_until")?)?,
        last_error: r.opt_text("last_error")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        finished_at: opt_ts("finished_at", r.opt_int("finished_at")?)?,
    })
}

/// Queues `job` inside a transaction of another area (e.g. an invitation's email, written with
/// its link); `false` when its `unique_key` is taken.
pub(crate) async fn enqueue_in(tx: &mut crate::db::Tx, job: &NewJob) -> StoreResult<bool> {
    let cols = JOB.columns.join(", ");
    let sql = format!(
        "INSERT INTO jobs ({cols}) VALUES ({}) ON CONFLICT (unique_key) DO NOTHING",
        crate::db::placeholders(1, JOB.columns.len())
    );
    let row = job_row(&JobId::generate(), job, &now());
    Ok(tx.execute(&sql, row).await? == 1)
}

/// The job queue.
#[async_trait]
pub trait Jobs: Send + Sync {
    /// Queues a job; `false` (and nothing written) when a job with its `unique_key` exists
    /// already, whatever its state: a period's run is queued once, by whichever server is first.
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool>;
    /// Queues many jobs in one transaction (multi-row inserts), as `enqueue_job` would each:
    /// a job whose `unique_key` is taken (by a stored job, or by an earlier job of the same
    /// batch) is not queued. Returns, in the order of `jobs`, whether each was queued now. Two
    /// batches sharing keys, on two servers at once, queue each key once and never deadlock
    /// (rows are inserted in key order).
    async fn enqueue_jobs(&self, jobs: &[NewJob]) -> StoreResult<Vec<bool>>;
    /// Claims up to `limit` jobs due at `now` (queued with `run_at <= now`, or running with an
    /// expired lease) for `worker`, until `now + lease`, oldest first; each claim counts an
    /// attempt. Running jobs whose lease expired on their last attempt become `dead` instead. Two
    /// claimers never receive the same job.
    async fn claim_jobs(
        &self,
        worker: &str,
        now: Timestamp,
        lease: chrono::Duration,
        limit: u32,
    ) -> StoreResult<Vec<Job>>;
    /// Marks the claimed `job` done. `StaleVersion` when the claim is no longer this worker's
    /// (its lease expired and another worker took the job).
    async fn complete_job(&self, job: &Job, now: Timestamp) -> StoreResult<()>;
    /// Records a failed attempt of the claimed `job`: queued again after the backoff
    /// (`notification::retry_delay`), or `dead` after its last attempt. Returns the new state.
    /// `StaleVersion` when the claim is no longer this worker's.
    async fn fail_job(&self, job: &Job, error: &str, now: Timestamp) -> StoreResult<JobState>;
    /// The job with this id.
    async fn job(&self, id: &JobId) -> StoreResult<Option<Job>>;
    /// Deletes the done jobs that finished before `before` (dead jobs are kept for the
    /// operator; queued and running ones are work); how many.
    async fn delete_done_jobs(&self, before: Timestamp) -> StoreResult<u64>;
    /// Replaces the payload of the finished (done or dead) job `id` with `payload`: a message
    /// that carried a one-time link (an invitation, a password reset) must not stay readable in
    /// the outbox once it was sent or given up. `false` (nothing written) when the job is
    /// unknown or not finished (queued or running work keeps what it needs).
    async fn redact_job_payload(
        &self,
        id: &JobId,
        payload: &serde_json::Value,
    ) -> StoreResult<bool>;
}

/// The Jobs area through the shared handle: a caller holding a `DynStore` calls it with `Jobs`
/// in scope.
#[async_trait]
impl Jobs for dyn Store {
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool> {
        self.as_jobs().enqueue_job(job).await
    }
    async fn enqueue_jobs(&self, jobs: &[NewJob]) -> StoreResult<Vec<bool>> {
        self.as_jobs().enqueue_jobs(jobs).await
    }
    async fn claim_jobs(
        &self,
        worker: &str,
        now: Timestamp,
        lease: chrono::Duration,
        limit: u32,
    ) -> StoreResult<Vec<Job>> {
        self.as_jobs().claim_jobs(worker, now, lease, limit).await
    }
    async fn complete_job(&self, job: &Job, now: Timestamp) -> StoreResult<()> {
        self.as_jobs().complete_job(job, now).await
    }
    async fn fail_job(&self, job: &Job, error: &str, now: Timestamp) -> StoreResult<JobState> {
        self.as_jobs().fail_job(job, error, now).await
    }
    async fn job(&self, id: &JobId) -> StoreResult<Option<Job>> {
        self.as_jobs().job(id).await
    }
    async fn delete_done_jobs(&self, before: Timestamp) -> StoreResult<u64> {
        self.as_jobs().delete_done_jobs(before).await
    }
    async fn redact_job_payload(
        &self,
        id: &JobId,
        payload: &serde_json::Value,
    ) -> StoreResult<bool> {
        self.as_jobs().redact_job_payload(id, payload).await
    }
}

/// The row lock a claim takes: PostgreSQL skips rows another claimer holds; SQLite's single
/// writer has already serialised the claim.
fn claim_lock(db: &Db) -> &'static str {
    match db {
        Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        Db::Sqlite(_) => "",
    }
}

#[async_trait]
impl Jobs for SqlStore {
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool> {
        let cols = JOB.columns.join(", ");
        let sql = format!(
            "INSERT INTO jobs ({cols}) VALUES ({}) ON CONFLICT (unique_key) DO NOTHING",
            crate::db::placeholders(1, JOB.columns.len())
        );
        let row = job_row(&JobId::generate(), job, &now());
        Ok(self.db.execute(&sql, row).await? == 1)
    }

    async fn enqueue_jobs(&self, jobs: &[NewJob]) -> StoreResult<Vec<bool>> {
        if jobs.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<JobId> = jobs.iter().map(|_| JobId::generate()).collect();
        // Key order (jobs without a key last, they never conflict): two batches sharing keys
        // take their row locks in the same order, so on PostgreSQL one waits for the other
        // instead of deadlocking; within a batch the first job of a key wins.
        let mut order: Vec<usize> = (0..jobs.len()).collect();
        order.sort_by(|a, b| {
            let key = |i: &usize| (jobs[*i].unique_key.is_none(), jobs[*i].unique_key.clone());
            key(a).cmp(&key(b)).then(a.cmp(b))
        });
        let width = JOB.columns.len();
        let per_statement = (self.db.max_params() / width).min(ENQUEUE_ROWS);
        let cols = JOB.columns.join(", ");
        let at = now();
        let mut queued = std::collections::HashSet::new();
        let mut tx = self.begin().await?;
        for chunk in order.chunks(per_statement) {
            let values: Vec<String> = (0..chunk.len())
                .map(|r| format!("({})", crate::db::placeholders(1 + r * width, width)))
                .collect();
            let sql = format!(
                "INSERT INTO jobs ({cols}) VALUES {} ON CONFLICT (unique_key) DO NOTHING \
                 RETURNING id",
                values.join(", ")
            );
            let mut a = Vec::with_capacity(chunk.len() * width);
            for &i in chunk {
                a.extend(job_row(&ids[i], &jobs[i], &at));
            }
            for r in tx.fetch_all(&sql, a).await? {
                queued.insert(r.text("id")?);
            }
        }
        tx.commit().await?;
        Ok(ids.iter().map(|id| queued.contains(id.as_str())).collect())
    }

    async fn claim_jobs(
        &self,
        worker: &str,
        now: Timestamp,
        lease: chrono::Duration,
        limit: u32,
    ) -> StoreResult<Vec<Job>> {
        let lock = claim_lock(&self.db);
        let at = ts(&now);
        let mut tx = self.begin().await?;
        tx.execute(
            &format!(
                "UPDATE jobs SET state = 'dead', finished_at = $1, worker = NULL, \
                 lease_until = NULL, last_error = COALESCE(last_error, \
                 'its worker stopped before finishing it') \
                 WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_until <= $1 \
                 AND attempts >= max_attempts{lock})"
            ),
            args![at],
        )
        .await?;
        // Each kind of due job is read from the front of its index (`jobs_due_idx`: state,
        // run_at, id), a window at a time, instead of sorting the whole backlog for each claim.
        // The window leaves room for the rows other claimers hold (skipped on PostgreSQL); the
        // outer conditions are checked again on each row as it is locked, so a job another
        // server claimed meanwhile is never taken twice.
        let limit = limit.clamp(1, 500);
        let window = limit * 5;
        let due = tx
            .fetch_all(
                &format!(
                    "SELECT id FROM jobs WHERE id IN (\
                     SELECT id FROM (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $1 \
                     ORDER BY run_at, id LIMIT {window}) q \
                     UNION ALL SELECT id FROM (SELECT id FROM jobs WHERE state = 'running' \
                     AND lease_until <= $1 ORDER BY run_at, id LIMIT {window}) r) \
                     AND ((state = 'queued' AND run_at <= $1) \
                     OR (state = 'running' AND lease_until <= $1)) \
                     ORDER BY run_at, id LIMIT {limit}{lock}"
                ),
                args![at],
            )
            .await?
            .iter()
            .map(|r| r.text("id"))
            .collect::<StoreResult<Vec<_>>>()?;
        if due.is_empty() {
            tx.commit().await?;
            return Ok(vec![]);
        }
        let list = crate::db::placeholders(4, due.len());
        let mut a = args![worker, ts(&(now + lease)), JobState::Running.as_str()];
        a.extend(due.iter().map(Arg::from));
        tx.execute(
            &format!(
                "UPDATE jobs SET worker = $1, lease_until = $2, state = $3, \
                 attempts = attempts + 1 WHERE id IN ({list})"
            ),
            a,
        )
        .await?;
        let sql = format!(
            "SELECT {JOB_COLS} FROM jobs WHERE id IN ({}) ORDER BY run_at, id",
            crate::db::placeholders(1, due.len())
        );
        let jobs = tx
            .fetch_all(&sql, due.iter().map(Arg::from).collect())
            .await?
            .iter()
            .map(job_from)
            .collect::<StoreResult<Vec<_>>>()?;
        tx.commit().await?;
        Ok(jobs)
    }

    async fn complete_job(&self, job: &Job, now: Timestamp) -> StoreResult<()> {
        let n = self
            .db
            .execute(
                "UPDATE jobs SET state = 'done', finished_at = $1, worker = NULL, \
                 lease_until = NULL WHERE id = $2 AND state = 'running' AND worker = $3 \
                 AND attempts = $4",
                args![
                    ts(&now),
                    job.id.as_str(),
                    job.worker.clone(),
                    i64::from(job.attempts)
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::StaleVersion);
        }
        Ok(())
    }

    async fn fail_job(&self, job: &Job, error: &str, now: Timestamp) -> StoreResult<JobState> {
        let (state, finished) = if job.attempts >= job.max_attempts {
            (JobState::Dead, Some(ts(&now)))
        } else {
            (JobState::Queued, None)
        };
        let retry_at = now + notification::retry_delay(job.attempts);
        let n = self
            .db
            .execute(
                "UPDATE jobs SET state = $1, run_at = $2, last_error = $3, finished_at = $4, \
                 worker = NULL, lease_until = NULL \
                 WHERE id = $5 AND state = 'running' AND worker = $6 AND attempts = $7",
                args![
                    state.as_str(),
                    ts(&retry_at),
                    error,
                    finished,
                    job.id.as_str(),
                    job.worker.clone(),
                    i64::from(job.attempts)
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::StaleVersion);
        }
        Ok(state)
    }

    async fn job(&self, id: &JobId) -> StoreResult<Option<Job>> {
        let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1");
        self.db
            .fetch_optional(&sql, args![id.as_str()])
            .await?
            .as_ref()
            .map(job_from)
            .transpose()
    }

    async fn delete_done_jobs(&self, before: Timestamp) -> StoreResult<u64> {
        self.db
            .execute(
                "DELETE FROM jobs WHERE state = $1 AND finished_at < $2",
                args![JobState::Done.as_str(), ts(&before)],
            )
            .await
    }

    async fn redact_job_payload(
        &self,
        id: &JobId,
        payload: &serde_json::Value,
    ) -> StoreResult<bool> {
        let n = self
            .db
            .execute(
                "UPDATE jobs SET payload = $1 WHERE id = $2 AND state IN ($3, $4)",
                args![
                    payload.to_string(),
                    id.as_str(),
                    JobState::Done.as_str(),
                    JobState::Dead.as_str()
                ],
            )
            .await?;
        Ok(n == 1)
    }
}
