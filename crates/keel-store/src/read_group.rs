//! Read groups: concurrent reads of one kind answered by one statement. On PostgreSQL a
//! statement's fixed cost (the round trip, and the executor's start-up, which opens and locks
//! every table and index it names) is most of a small read's cost: the check-in's context
//! names twelve tables. Check-ins arrive in bursts (a group commit answers a dozen at once, and
//! their clients send the next together), so their reads are taken together, as their writes
//! are (`check_ins::group_commit`).
//!
//! Each call queues its key, then takes `leader` and, if its key is still queued, takes the
//! queue (up to [`READ_GROUP`] keys) and reads them in one statement on a task of its own that
//! holds `leader` until every call of the group is answered: calls queue meanwhile and the next
//! leader takes them together. A call alone is read at once, as before: a group costs no wait.
//! A call cancelled while queued takes its key out; once taken, its group is read regardless.

use crate::check_ins::group_commit::share;
use crate::{StoreError, StoreResult};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use tokio::sync::oneshot;

/// The most keys one group reads.
pub(crate) const READ_GROUP: usize = 256;

/// One call waiting for its group's read.
struct Waiting<V> {
    seq: u64,
    key: String,
    reply: oneshot::Sender<StoreResult<Option<V>>>,
}

/// Concurrent reads of one kind (values `V` by string key), answered a group at a time.
pub(crate) struct ReadGroup<V> {
    waiting: StdMutex<Vec<Waiting<V>>>,
    next_seq: AtomicU64,
    leader: Arc<tokio::sync::Mutex<()>>,
    /// Groups read and calls answered, for tests and the operator.
    groups: AtomicU64,
    reads: AtomicU64,
}

impl<V> Default for ReadGroup<V> {
    fn default() -> Self {
        Self {
            waiting: StdMutex::new(Vec::new()),
            next_seq: AtomicU64::new(0),
            leader: Arc::default(),
            groups: AtomicU64::new(0),
            reads: AtomicU64::new(0),
        }
    }
}

impl<V> std::fmt::Debug for ReadGroup<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadGroup")
            .field("groups", &self.groups.load(Ordering::Relaxed))
            .field("reads", &self.reads.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Takes a call's key out of the queue if the call is dropped while it is still queued.
struct Queued<'a, V> {
    group: &'a ReadGroup<V>,
    seq: u64,
}

impl<V> Drop for Queued<'_, V> {
    fn drop(&mut self) {
        self.group.waiting().retain(|w| w.seq != self.seq);
    }
}

impl<V> ReadGroup<V> {
    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiting<V>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<V: Clone + Send + 'static> ReadGroup<V> {
    /// The groups read and the calls answered so far.
    pub(crate) fn stats(&self) -> crate::ReadGroupStats {
        crate::ReadGroupStats {
            groups: self.groups.load(Ordering::Relaxed),
            reads: self.reads.load(Ordering::Relaxed),
        }
    }

    /// The value of `key` (`None`: there is none), read with every key queued beside it by
    /// `read`, which is given the group's distinct keys and returns the values it found. If
    /// that fails, each key of the group is read alone: one bad key fails only its own calls
    /// (as a failed group commit is redone one check-in at a time).
    pub(crate) async fn read<F, Fut>(&self, key: &str, read: F) -> StoreResult<Option<V>>
    where
        F: Fn(Vec<String>) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = StoreResult<HashMap<String, V>>> + Send + 'static,
    {
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let (reply, mut answer) = oneshot::channel();
        self.waiting().push(Waiting {
            seq,
            key: key.to_string(),
            reply,
        });
        let queued = Queued { group: self, seq };
        loop {
            let leader = tokio::select! {
                biased;
                a = &mut answer => return a.unwrap_or(Err(StoreError::Interrupted)),
                leader = self.leader.clone().lock_owned() => leader,
            };
            let (taken, left) = {
                let mut q = self.waiting();
                let n = q.len().min(READ_GROUP);
                let taken: Vec<Waiting<V>> = q.drain(..n).collect();
                (taken, q.iter().any(|w| w.seq == seq))
            };
            if !taken.is_empty() {
                self.groups.fetch_add(1, Ordering::Relaxed);
                self.reads.fetch_add(taken.len() as u64, Ordering::Relaxed);
                let mut keys: Vec<String> = taken.iter().map(|w| w.key.clone()).collect();
                keys.sort_unstable();
                keys.dedup();
                let values = read(keys.clone());
                let read = read.clone();
                // On a task of its own: the group is answered even if this call is cancelled.
                tokio::spawn(async move {
                    let (found, failed) = match values.await {
                        Ok(found) => (found, HashMap::new()),
                        Err(e) if keys.len() == 1 => {
                            let e: Shared = Arc::new(share(e));
                            (
                                HashMap::new(),
                                keys.into_iter().map(|k| (k, e.clone())).collect(),
                            )
                        }
                        Err(_) => {
                            let (mut found, mut failed) = (HashMap::new(), HashMap::new());
                            for k in keys {
                                match read(vec![k.clone()]).await {
                                    Ok(mut v) => {
                                        if let Some(v) = v.remove(&k) {
                                            found.insert(k, v);
                                        }
                                    }
                                    Err(e) => {
                                        let e: Shared = Arc::new(share(e));
                                        failed.insert(k, e);
                                    }
                                }
                            }
                            (found, failed)
                        }
                    };
                    answer_all(taken, found, failed);
                    drop(leader);
                });
            }
            if !left {
                break;
            }
        }
        drop(queued);
        answer.await.unwrap_or(Err(StoreError::Interrupted))
    }
}

/// One key's read error, for each of its calls.
type Shared = Arc<dyn Fn() -> StoreError + Send + Sync>;

/// Each call of a group its value (`found`; not there: `None`), or its key's error (`failed`).
fn answer_all<V: Clone>(
    taken: Vec<Waiting<V>>,
    mut found: HashMap<String, V>,
    failed: HashMap<String, Shared>,
) {
    let mut calls: HashMap<String, usize> = HashMap::new();
    for w in &taken {
        *calls.entry(w.key.clone()).or_default() += 1;
    }
    for w in taken {
        if let Some(e) = failed.get(&w.key) {
            let _ = w.reply.send(Err(e()));
            continue;
        }
        // The last call for a key takes the value; those before it a copy.
        let left = calls.get_mut(&w.key).map(|n| {
            *n -= 1;
            *n
        });
        let v = if left == Some(0) {
            found.remove(&w.key)
        } else {
            found.get(&w.key).cloned()
        };
        let _ = w.reply.send(Ok(v));
    }
}
