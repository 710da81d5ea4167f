//! Group commit of check-ins: check-ins are the hottest write, so concurrent
//! `record_check_in` calls are committed together in one transaction.
//!
//! Each call queues its job, then takes the `leader` lock and, if its job is still queued, takes
//! the queue (up to `CHECK_IN_GROUP` jobs) and commits them in one transaction on a task of
//! their own that holds `leader` until it has answered them all (on PostgreSQL, until its
//! statements have run: the next group's run during its COMMIT): calls pile up in the queue
//! meanwhile, and the next leader takes them together. A group's statements are cached one-row
//! INSERTs; if any fails, the group is redone with a savepoint per job so that only the failing
//! job fails. A call cancelled while its job is queued takes its job out of the queue (nothing
//! recorded); once taken, its group is committed and answered regardless.

use super::{check_in_audit_row, check_in_one, check_in_updates};
use crate::db::{map_err, Tx};
use crate::sql::*;
use crate::webhooks::events::check_in_recorded;
use crate::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use tokio::sync::oneshot;

/// The most check-ins one group commit takes.
pub(crate) const CHECK_IN_GROUP: usize = 256;

/// One `record_check_in` call waiting for its group's commit.
pub(crate) struct CheckInJob {
    pub(crate) seq: u64,
    pub(crate) ctx: WriteCtx,
    pub(crate) check_in: CheckIn,
    pub(crate) applied: KeyResult,
    pub(crate) reply: oneshot::Sender<StoreResult<KeyResult>>,
}

/// Check-ins waiting to be committed, in arrival order. Each call queues its job, then takes
/// `leader` and, if its job is still queued, takes the queue (up to `CHECK_IN_GROUP` jobs) and
/// commits them in one transaction on a task of their own that holds `leader` until it has
/// answered them all: calls pile up in the queue meanwhile, and the next leader takes them
/// together.
#[derive(Default)]
pub(crate) struct CheckInQueue {
    pub(crate) jobs: StdMutex<Vec<CheckInJob>>,
    pub(crate) next_seq: AtomicU64,
    pub(crate) leader: Arc<tokio::sync::Mutex<()>>,
    /// Held (shared) by each group from before it lets `leader` go until it is answered: on
    /// PostgreSQL a group's COMMIT runs after the next leader started (see
    /// `SqlStore::check_in_group`), and shutdown waits for both.
    pub(crate) committing: Arc<tokio::sync::RwLock<()>>,
    /// What the commits so far took, for the operator's metrics.
    pub(crate) counters: crate::stats::GroupCounters,
}

impl std::fmt::Debug for CheckInQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckInQueue").finish_non_exhaustive()
    }
}

impl CheckInQueue {
    pub(crate) fn jobs(&self) -> std::sync::MutexGuard<'_, Vec<CheckInJob>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The queue and the commits so far, for the operator's metrics.
    pub(crate) fn stats(&self) -> CommitQueueStats {
        self.counters.stats(self.jobs().len())
    }

    /// The oldest jobs, up to `CHECK_IN_GROUP`, and whether job `seq` is still queued after.
    pub(crate) fn take(&self, seq: u64) -> (Vec<CheckInJob>, bool) {
        let mut q = self.jobs();
        let n = q.len().min(CHECK_IN_GROUP);
        let taken: Vec<CheckInJob> = q.drain(..n).collect();
        let left = q.iter().any(|j| j.seq == seq);
        (taken, left)
    }
}

/// Removes a call's job from the queue if the call is dropped while the job is still queued:
/// a cancelled call records nothing unless its group was already taken.
pub(crate) struct Queued<'a> {
    pub(crate) queue: &'a CheckInQueue,
    pub(crate) seq: u64,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.queue.jobs().retain(|j| j.seq != self.seq);
    }
}

/// The same error for every job of a failed group.
pub(crate) fn share(e: StoreError) -> impl Fn() -> StoreError {
    let e = Arc::new(e);
    move || match &*e {
        StoreError::NotFound => StoreError::NotFound,
        StoreError::StaleVersion => StoreError::StaleVersion,
        StoreError::Conflict { field, message } => StoreError::Conflict {
            field: field.clone(),
            message: message.clone(),
        },
        StoreError::Interrupted => StoreError::Interrupted,
        _ => StoreError::Group(e.clone()),
    }
}

/// The statements of a check-in group (see `SqlStore::check_in_group`).
pub(crate) async fn check_in_statements(
    tx: &mut Tx,
    jobs: &[CheckInJob],
    savepoints: bool,
) -> StoreResult<Vec<StoreResult<KeyResult>>> {
    let mut answers = Vec::with_capacity(jobs.len());
    let mut check_ins = Vec::new();
    let mut audits = Vec::new();
    let mut hooks = Vec::new();
    let mut updates = if savepoints {
        Vec::new()
    } else {
        check_in_updates(tx, jobs).await?
    }
    .into_iter();
    for job in jobs {
        if savepoints {
            tx.batch("SAVEPOINT check_in").await?;
            let a = check_in_one(tx, job).await;
            if a.is_err() {
                tx.batch("ROLLBACK TO SAVEPOINT check_in").await?;
            }
            tx.batch("RELEASE SAVEPOINT check_in").await?;
            if let Ok(stored) = &a {
                hooks.push(check_in_recorded(&job.check_in, stored));
            }
            answers.push(a);
        } else {
            match updates.next().ok_or(StoreError::NotFound)? {
                Ok((stored, objective_id)) => {
                    check_ins.push(check_in_row(&job.check_in));
                    audits.push(check_in_audit_row(job, &objective_id));
                    hooks.push(check_in_recorded(&job.check_in, &stored));
                    answers.push(Ok(stored));
                }
                Err(StoreError::NotFound) => answers.push(Err(StoreError::NotFound)),
                Err(e) => return Err(e),
            }
        }
    }
    // One multi-row INSERT saves PostgreSQL round trips; SQLite has none to save, and there
    // a cached one-row statement run per row beats preparing a new statement for each group
    // size.
    let (c, a) = match tx {
        Tx::Sqlite(_) => (CHECK_IN_INSERT.len(), AUDIT_INSERT.len()),
        Tx::Pg(_) => (usize::MAX, usize::MAX),
    };
    insert_rows(tx, c, "check_ins", CHECK_IN_INSERT, check_ins).await?;
    insert_rows(tx, a, "audit_events", AUDIT_INSERT, audits).await?;
    crate::webhooks::emit(tx, hooks).await?;
    Ok(answers)
}

impl SqlStore {
    /// Waits until no group commit is running: every check-in already taken into a group is
    /// committed and answered (at shutdown, before the connections close). Check-ins still
    /// queued belong to calls that lead their own group.
    pub(crate) async fn settle_check_ins(&self) {
        // A group that held the leader holds `committing` before it lets the leader go. No
        // writer is queued on `committing` (the lock is fair: a writer waiting would hold up
        // the next group, which holds the leader a failed COMMIT's retry waits for): it is
        // tried, and the leader taken again, until no group is committing.
        loop {
            drop(self.check_ins.leader.lock().await);
            if self.check_ins.committing.try_write().is_ok() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }

    /// Queues the check-in for the next group commit and waits for its answer (see
    /// `CheckInQueue`).
    pub(crate) async fn do_record_check_in(
        &self,
        ctx: &WriteCtx,
        c: &CheckIn,
        applied: &KeyResult,
    ) -> StoreResult<KeyResult> {
        let queue = &*self.check_ins;
        let seq = queue.next_seq.fetch_add(1, Ordering::Relaxed);
        let (reply, mut answer) = oneshot::channel();
        queue.jobs().push(CheckInJob {
            seq,
            ctx: ctx.clone(),
            check_in: c.clone(),
            applied: applied.clone(),
            reply,
        });
        let queued = Queued { queue, seq };
        loop {
            // Either a leader's group took this job and answers it, or this call becomes the
            // leader. A call whose job was taken stops queueing for `leader` at once: behind it,
            // it would hold up the calls after it by a whole commit each, and groups would
            // shrink to one or two check-ins.
            let leader = tokio::select! {
                biased;
                a = &mut answer => return a.unwrap_or(Err(StoreError::Interrupted)),
                leader = queue.leader.clone().lock_owned() => leader,
            };
            let (jobs, left) = queue.take(seq);
            if !jobs.is_empty() {
                // On a task of its own: the group is answered even if this call is cancelled.
                let store = self.clone();
                tokio::spawn(store.commit_check_ins_boxed(jobs, leader));
            }
            if !left {
                break;
            }
        }
        drop(queued);
        answer.await.unwrap_or(Err(StoreError::Interrupted))
    }

    /// `commit_check_ins`, then frees the leader. Boxed as `Send` here, where the lifetimes
    /// are concrete (rustc's higher-ranked Send check otherwise refuses it to `tokio::spawn`).
    pub(crate) fn commit_check_ins_boxed(
        self,
        jobs: Vec<CheckInJob>,
        leader: tokio::sync::OwnedMutexGuard<()>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(async move {
            let committing = self.check_ins.committing.clone().read_owned().await;
            self.commit_check_ins(jobs, leader).await;
            drop(committing);
        })
    }

    /// Commits a group of check-ins in one transaction and answers each. Fast path: every
    /// job's statements in a row, the check-ins and audit events inserted by multi-row INSERTs.
    /// If any statement fails (a duplicate id, a broken reference…), that transaction rolls
    /// back and the group is redone with each job inside a savepoint, so that a failing job is
    /// rolled back alone.
    pub(crate) async fn commit_check_ins(
        &self,
        jobs: Vec<CheckInJob>,
        leader: tokio::sync::OwnedMutexGuard<()>,
    ) {
        let mut retried = false;
        let mut leader = Some(leader);
        let mut answers = match self.check_in_group(&jobs, false, &mut leader).await {
            Err(_) if jobs.len() > 1 => {
                retried = true;
                // Under the leader again if the failed COMMIT had let it go: a retry beside the
                // next group's statements could wait on its row locks while it waits on ours.
                if leader.is_none() {
                    leader = Some(self.check_ins.leader.clone().lock_owned().await);
                }
                self.check_in_group(&jobs, true, &mut leader).await
            }
            r => r,
        };
        drop(leader);
        self.check_ins.counters.record(jobs.len(), retried);
        match answers {
            Ok(ref mut answers) => {
                for (job, a) in jobs.into_iter().zip(answers.drain(..)) {
                    let _ = job.reply.send(a.map_err(map_err));
                }
            }
            Err(e) => {
                let e = share(map_err(e));
                for job in jobs {
                    let _ = job.reply.send(Err(e()));
                }
            }
        }
    }

    /// One transaction for `jobs`: each job's answer, or the error that failed the whole
    /// transaction. With `savepoints`, each job runs in its own savepoint and a job's error is
    /// its answer; without, any error but `NotFound` (which writes nothing) fails the group.
    ///
    /// On PostgreSQL the `leader` is let go once the statements have run, before the COMMIT
    /// (a WAL flush, the longest statement of a group): the next group's statements run while
    /// this one's COMMIT waits for the disk, and their flushes may share one. It cannot
    /// deadlock: a committing transaction waits for no lock, and the next group waits at most
    /// for this one's row locks. Each group's check-ins are still answered only once committed.
    /// SQLite has one writer connection: its COMMIT stays under the leader.
    pub(crate) async fn check_in_group(
        &self,
        jobs: &[CheckInJob],
        savepoints: bool,
        leader: &mut Option<tokio::sync::OwnedMutexGuard<()>>,
    ) -> StoreResult<Vec<StoreResult<KeyResult>>> {
        let mut tx = self.begin_check_ins().await?;
        match check_in_statements(&mut tx, jobs, savepoints).await {
            Ok(answers) => {
                if !tx.is_sqlite() {
                    drop(leader.take());
                }
                tx.commit().await?;
                Ok(answers)
            }
            Err(e) => {
                // At once: the savepoint retry of this group would wait on its row locks.
                if let Err(r) = tx.rollback().await {
                    tracing::warn!(error = %r, "rolling back a check-in group failed");
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group that fails as a whole answers every member with the same error: kinds callers
    /// act on are kept, anything else is shared.
    #[test]
    fn a_failed_group_answers_every_member_with_its_error() {
        let e = share(StoreError::Migration("disk full".into()));
        let (a, b) = (e(), e());
        match (a, b) {
            (StoreError::Group(a), StoreError::Group(b)) => assert!(Arc::ptr_eq(&a, &b)),
            other => panic!("not shared: {other:?}"),
        }
        assert!(matches!(
            share(StoreError::NotFound)(),
            StoreError::NotFound
        ));
        assert!(matches!(
            share(StoreError::StaleVersion)(),
            StoreError::StaleVersion
        ));
        assert!(matches!(
            share(StoreError::Interrupted)(),
            StoreError::Interrupted
        ));
        let conflict = share(StoreError::Conflict {
            field: "id".into(),
            message: "taken".into(),
        });
        for _ in 0..2 {
            assert!(matches!(conflict(), StoreError::Conflict { field, .. } if field == "id"));
        }
    }
}
