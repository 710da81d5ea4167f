//! The evaluator's round, step by step: how long each step took and how much memory the process
//! held after it (VmRSS) and at most so far (VmHWM), logged once a round at info ("the
//! evaluator's round, step by step"). At 100,000 people a round takes minutes and its peak
//! memory is what the server's budget is measured by: which step to make faster or leaner is a
//! measurement, not a guess. Memory is read from `/proc/self/status` (Linux; elsewhere those
//! fields are left out), with SQLite's own part (its page caches, sorts and temporary b-trees:
//! in use after the step and the most during it).

use std::time::{Duration, Instant};

/// The process's memory at one moment, in MB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Memory {
    /// Resident now (VmRSS).
    pub rss_mb: u64,
    /// The most resident so far (VmHWM): it only grows, so the step after which it grew is
    /// the one that peaked.
    pub hwm_mb: u64,
}

/// The process's memory now; `None` where `/proc/self/status` is not there to read.
pub(super) fn memory() -> Option<Memory> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    memory_of(&status)
}

/// VmRSS and VmHWM of a `/proc/<pid>/status` text (in kB there).
fn memory_of(status: &str) -> Option<Memory> {
    let mb = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        let kb: u64 = line[key.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kb / 1024)
    };
    Some(Memory {
        rss_mb: mb("VmRSS:")?,
        hwm_mb: mb("VmHWM:")?,
    })
}

/// One step done: its name, how long it took, the process's memory after it and SQLite's heap
/// (MB in use after it, the most during it).
pub(super) type Step = (&'static str, Duration, Option<Memory>, (u64, u64));

/// How long each step of a round took (the batches' steps summed over them) and the memory
/// after each.
#[derive(Debug, Default)]
pub(super) struct Steps {
    pub batches: u32,
    /// Reading a batch: its objectives, key results and their check-ins and facts, their last
    /// signals and pending ownership requests.
    pub read: Duration,
    /// Assessing the key results and recording their changes and the objectives' signals.
    pub assess: Duration,
    /// The ownership health check and storing its findings.
    pub health: Duration,
    /// Tallying check-in compliance.
    pub compliance: Duration,
    /// The most resident after any one batch.
    pub batch_rss_mb: u64,
    /// The round's steps in order, each with how long it took, the memory after it and
    /// SQLite's heap (MB in use after it, the most during it).
    pub done: Vec<Step>,
    /// When the step under way started.
    started: Option<Instant>,
}

impl Steps {
    /// A round starting now: the memory before it is its first entry.
    pub fn start() -> Self {
        let mut s = Steps::default();
        s.done
            .push(("start", Duration::ZERO, memory(), sqlite_mb()));
        s.started = Some(Instant::now());
        s
    }

    /// Ends the step under way (`name`), noting its time and the memory now; the next starts.
    pub fn end(&mut self, name: &'static str) -> Duration {
        let took = self.started.map(|s| s.elapsed()).unwrap_or_default();
        self.done.push((name, took, memory(), sqlite_mb()));
        self.started = Some(Instant::now());
        took
    }

    /// Notes the memory after a batch.
    pub fn after_batch(&mut self) {
        self.batches += 1;
        if let Some(m) = memory() {
            self.batch_rss_mb = self.batch_rss_mb.max(m.rss_mb);
        }
    }

    /// The time of the step `name` (zero if it did not run).
    pub fn took(&self, name: &str) -> Duration {
        self.done
            .iter()
            .filter(|(n, ..)| *n == name)
            .map(|(_, d, ..)| *d)
            .sum()
    }

    /// The memory after each step, as `name rss/hwm sqlite now/peak` in MB, in order (the
    /// process's part left out where it cannot be read).
    pub fn memory_line(&self) -> String {
        self.done
            .iter()
            .map(|(n, _, m, (now, peak))| {
                let process = m
                    .map(|m| format!(" {}/{}", m.rss_mb, m.hwm_mb))
                    .unwrap_or_default();
                format!("{n}{process} sqlite {now}/{peak}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The peak so far (VmHWM) after the last step, if it can be read.
    pub fn hwm_mb(&self) -> Option<u64> {
        self.done
            .last()
            .and_then(|(_, _, m, _)| m.map(|m| m.hwm_mb))
    }
}

/// SQLite's heap in MB: in use now, and the most since the last reading.
fn sqlite_mb() -> (u64, u64) {
    let (now, peak) = keel_store::sqlite_heap();
    (now >> 20, peak >> 20)
}

/// Times `f`, adding its duration to `into`.
pub(super) async fn timed<T>(into: &mut Duration, f: impl std::future::Future<Output = T>) -> T {
    let started = Instant::now();
    let out = f.await;
    *into += started.elapsed();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rss_and_peak_from_proc_status() {
        let status = "Name:\tkeel\nVmPeak:\t 900000 kB\nVmHWM:\t  614400 kB\nVmRSS:\t  204800 kB\n";
        assert_eq!(
            memory_of(status),
            Some(Memory {
                rss_mb: 200,
                hwm_mb: 600
            })
        );
        assert_eq!(memory_of("Name:\tkeel\n"), None);
    }

    #[test]
    fn each_step_is_noted_with_the_memory_after_it() {
        let mut steps = Steps::start();
        steps.end("batches");
        steps.end("figures");
        let names: Vec<&str> = steps.done.iter().map(|(n, ..)| *n).collect();
        assert_eq!(names, ["start", "batches", "figures"]);
        if cfg!(target_os = "linux") {
            assert!(steps.memory_line().starts_with("start "));
            assert!(steps.hwm_mb().is_some_and(|m| m > 0));
        }
    }
}
