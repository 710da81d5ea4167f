//! What the store tells an operator about itself: its connections, whether the database answers,
//! and the check-in group commit's queue. The server turns these into `/metrics` and `/readyz`;
//! the store stays free of any metrics library, so recording costs a few atomic additions.

use std::sync::atomic::{AtomicU64, Ordering};

/// The database connections of a store at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections running a statement or holding a transaction.
    pub in_use: usize,
    /// Open connections waiting for work.
    pub idle: usize,
    /// The most connections the store opens.
    pub max: usize,
}

/// The check-in group commit: how many check-ins wait, and what the commits so far took.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitQueueStats {
    /// Check-ins queued and not yet taken into a group.
    pub queued: usize,
    /// Groups committed (or failed) so far.
    pub groups: u64,
    /// Check-ins taken into those groups.
    pub check_ins: u64,
    /// Groups redone one check-in at a time because a statement failed.
    pub retried_groups: u64,
    /// Group sizes as a histogram: each bucket's upper bound and how many groups fell in it
    /// (not cumulative).
    pub group_sizes: Vec<(f64, u64)>,
}

/// Reads answered together (`read_group`): the check-in's key result in context on
/// PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadGroupStats {
    /// Statements run, one per group.
    pub groups: u64,
    /// Reads answered by them.
    pub reads: u64,
}

/// Upper bounds of the group-size buckets: powers of two up to the largest group.
const GROUP_BUCKETS: [u64; 9] = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/// The counters the group commit adds to as it commits.
#[derive(Debug, Default)]
pub(crate) struct GroupCounters {
    groups: AtomicU64,
    check_ins: AtomicU64,
    retried: AtomicU64,
    sizes: [AtomicU64; GROUP_BUCKETS.len()],
}

impl GroupCounters {
    /// One group of `size` check-ins was committed (`retried`: one job at a time, after a
    /// statement failed).
    pub(crate) fn record(&self, size: usize, retried: bool) {
        let size = size as u64;
        self.groups.fetch_add(1, Ordering::Relaxed);
        self.check_ins.fetch_add(size, Ordering::Relaxed);
        if retried {
            self.retried.fetch_add(1, Ordering::Relaxed);
        }
        let bucket = GROUP_BUCKETS
            .iter()
            .position(|&b| size <= b)
            .unwrap_or(GROUP_BUCKETS.len() - 1);
        self.sizes[bucket].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn stats(&self, queued: usize) -> CommitQueueStats {
        CommitQueueStats {
            queued,
            groups: self.groups.load(Ordering::Relaxed),
            check_ins: self.check_ins.load(Ordering::Relaxed),
            retried_groups: self.retried.load(Ordering::Relaxed),
            group_sizes: GROUP_BUCKETS
                .iter()
                .zip(&self.sizes)
                .map(|(&b, n)| (b as f64, n.load(Ordering::Relaxed)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_fall_in_the_bucket_of_their_size() {
        let c = GroupCounters::default();
        c.record(1, false);
        c.record(3, true);
        c.record(256, false);
        let s = c.stats(5);
        assert_eq!(
            (s.queued, s.groups, s.check_ins, s.retried_groups),
            (5, 3, 260, 1)
        );
        let counts: Vec<u64> = s.group_sizes.iter().map(|b| b.1).collect();
        assert_eq!(counts, [1, 0, 1, 0, 0, 0, 0, 0, 1]);
        assert_eq!(s.group_sizes[2].0, 4.0);
    }
}
