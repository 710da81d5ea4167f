//! WAL checkpoints of a SQLite file database, off the writers' path.
//!
//! Why: in WAL mode every commit appends pages to the `-wal` file, and a checkpoint copies them
//! back into the database file. SQLite's automatic checkpoint runs inside the commit that
//! crosses the threshold, on the writer connection: every check-in of the next group waited
//! while tens of megabytes were copied and synced, which was the check-in path's p99 (over
//! 100 ms against a p50 of 10 ms). Here the writer connection never checkpoints
//! (`wal_autocheckpoint=0`); a thread of its own with a connection of its own does, every
//! [`TICK`], with a PASSIVE checkpoint that runs beside the writer and readers (it copies what
//! no reader still needs and waits for nobody).
//!
//! A passive checkpoint alone never lets the WAL start over while writes continue: the writer
//! restarts the log only when it begins a transaction with every frame copied back, and new
//! frames arrive while the copy runs. So once the WAL holds [`RESTART_FRAMES`] frames, the
//! thread catches up with a few more passes beside the writer (each copies what arrived during
//! the one before, fewer each time), then takes the writer's lock for a last, short pass that
//! copies the frames added during the one before; the next write then starts the log over.
//! Every pass syncs what it copies, and a sync takes as long as the pages it flushes: the
//! catch-up keeps the pass under the lock to a few hundred frames (after one pass alone it had
//! a second's worth, 20–40 ms under the lock, the check-in path's p99). The WAL stays around
//! `RESTART_FRAMES` pages, and `journal_size_limit` trims the file when it restarts after a
//! bigger burst (a bulk load).
//!
//! Durability is unchanged: commits are acknowledged exactly as before (the connections keep
//! their `synchronous` setting, and a checkpoint syncs the WAL before copying it and the
//! database after, as SQLite's own does). A crash between checkpoints loses nothing: the WAL is
//! read back on the next open.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

use crate::db::SqliteSynchronous;
use crate::StoreResult;

/// How often the thread checkpoints.
pub(crate) const TICK: Duration = Duration::from_millis(100);
/// WAL frames (pages, about 80 MB) after which the thread makes the log start over. Its pass
/// under the writer's lock copies few frames but syncs the WAL and the database (two `fsync`s,
/// tens of milliseconds on a busy disk): rare enough that they stay out of the p99 (with 4,000
/// frames, once a second under the check-in load, p99 stayed above 100 ms).
pub(crate) const RESTART_FRAMES: i64 = 20_000;
/// The most unlocked passes a round makes after its first before it takes the writer's lock.
pub(crate) const CATCH_UP_PASSES: usize = 6;
/// Frames written during a pass few enough to copy under the writer's lock (256 KB).
pub(crate) const CAUGHT_UP_FRAMES: i64 = 64;
/// The most bytes a WAL file keeps once it has started over (SQLite's `journal_size_limit`).
pub(crate) const WAL_SIZE_LIMIT: i64 = 128 * 1024 * 1024;

/// The checkpointing thread of one database; stopped (and waited for) when dropped, so that
/// its connection is closed when the database's are.
pub(crate) struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What one `PRAGMA wal_checkpoint` reported: frames in the WAL, and how many of them are
/// copied back into the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pass {
    pub(crate) log: i64,
    pub(crate) copied: i64,
}

/// A passive checkpoint on `conn`: copies what it can without waiting for anyone.
pub(crate) fn passive(conn: &rusqlite::Connection) -> rusqlite::Result<Pass> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok(Pass {
            log: r.get(1)?,
            copied: r.get(2)?,
        })
    })
}

/// The rounds of one database's checkpoints.
pub(crate) struct Rounds {
    /// WAL frames from which a round makes the log start over.
    restart_at: i64,
    /// The WAL's frames when the last pass under the writer's lock copied them all: while a
    /// pass still finds that many, nothing was written since and the lock is not taken again.
    settled: Option<i64>,
    /// Catch-up passes made so far (beside the writer, before a pass under its lock).
    pub(crate) catch_up_passes: u64,
}

impl Rounds {
    pub(crate) fn new(restart_at: i64) -> Self {
        Rounds {
            restart_at,
            settled: None,
            catch_up_passes: 0,
        }
    }

    /// A passive checkpoint beside the writer; then, when the WAL holds `restart_at` frames or
    /// more, up to [`CATCH_UP_PASSES`] more beside it until one finds at most
    /// [`CAUGHT_UP_FRAMES`] new frames, and a last pass holding the writer's lock, which copies
    /// the frames written during the one before (a pass reports the frames it found when it
    /// began). Returns the last pass.
    pub(crate) fn round(
        &mut self,
        conn: &rusqlite::Connection,
        writer: &Mutex<rusqlite::Connection>,
    ) -> rusqlite::Result<Pass> {
        let mut pass = passive(conn)?;
        if pass.log < self.restart_at || self.settled == Some(pass.log) {
            return Ok(pass);
        }
        // Catch up without the lock first: each pass copies what was written during the one
        // before, so the pass under the lock has only the last few frames to sync and copy (a
        // pass's two `fsync`s take as long as the pages they flush: 20–40 ms under the lock
        // after one pass, each of them a stall of every check-in).
        for _ in 0..CATCH_UP_PASSES {
            let next = passive(conn)?;
            self.catch_up_passes += 1;
            let written = next.log - pass.log;
            pass = next;
            // Fewer than none: the log started over meanwhile.
            if written <= CAUGHT_UP_FRAMES {
                break;
            }
        }
        if pass.log < self.restart_at {
            return Ok(pass);
        }
        // No write starts while this is held: the pass copies the last frames, and the next
        // write begins with all of them in the database, so it starts the log over.
        let _writes = writer.blocking_lock();
        let last = passive(conn)?;
        self.settled = (last.copied >= last.log).then_some(last.log);
        Ok(last)
    }
}

impl Checkpointer {
    /// Starts checkpointing the database at `path`, whose writes all go through `writer`.
    pub(crate) fn start(
        path: &Path,
        synchronous: SqliteSynchronous,
        writer: Arc<Mutex<rusqlite::Connection>>,
    ) -> StoreResult<Checkpointer> {
        let conn = crate::db::sqlite_connection(Some(path), synchronous)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // Opens the WAL on this connection (a checkpoint on a connection that never read the
        // file does nothing).
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("keel-checkpoint".into())
            .spawn(move || {
                let mut rounds = Rounds::new(RESTART_FRAMES);
                // Until stopped (or the database dropped), a round every `TICK`.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
                    if let Err(e) = rounds.round(&conn, &writer) {
                        tracing::warn!(error = %e, "a WAL checkpoint failed; retrying");
                    }
                }
            })
            .map_err(|e| crate::StoreError::Unavailable(format!("no checkpoint thread: {e}")))?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    struct Dir(std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A WAL database with automatic checkpoints off: a connection to checkpoint with, and the
    /// writer behind its lock, as `Db` has it.
    fn wal_db() -> (Dir, rusqlite::Connection, Arc<Mutex<rusqlite::Connection>>) {
        let dir = Dir(std::env::temp_dir().join(format!("keel-ckpt-{}", uuid::Uuid::now_v7())));
        std::fs::create_dir_all(&dir.0).unwrap();
        let path = dir.0.join("wal.db");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        writer.pragma_update(None, "synchronous", "NORMAL").unwrap();
        writer
            .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
            .unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        (dir, conn, Arc::new(Mutex::new(writer)))
    }

    fn write(writer: &Mutex<rusqlite::Connection>) {
        writer
            .blocking_lock()
            .execute("INSERT INTO t (v) VALUES (zeroblob(3000))", [])
            .unwrap();
    }

    /// With a writer committing all the time, rounds start the WAL over: the log falls back
    /// below where it was, again and again.
    #[test]
    fn rounds_start_the_wal_over_while_writes_go_on() {
        let (_dir, conn, writer) = wal_db();
        let mut rounds = Rounds::new(200);
        let stop = Arc::new(AtomicBool::new(false));
        let writing = {
            let (writer, stop) = (writer.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    write(&writer);
                }
            })
        };
        let (mut last, mut highest, mut falls) = (0, 0, 0);
        for _ in 0..100 {
            std::thread::sleep(Duration::from_millis(5));
            let pass = rounds.round(&conn, &writer).unwrap();
            falls += usize::from(pass.log < last);
            (last, highest) = (pass.log, highest.max(pass.log));
        }
        stop.store(true, Ordering::Relaxed);
        writing.join().unwrap();
        assert!(highest >= 200, "the writer wrote: {highest} frames at most");
        assert!(
            rounds.catch_up_passes > 0,
            "the rounds caught up beside the writer before taking its lock"
        );
        assert!(
            falls >= 2,
            "the log started over {falls} times, highest {highest}"
        );
    }

    /// Once the writes stop, a round copies every frame back.
    #[test]
    fn a_round_copies_everything_once_writes_stop() {
        let (_dir, conn, writer) = wal_db();
        for _ in 0..50 {
            write(&writer);
        }
        let pass = Rounds::new(RESTART_FRAMES).round(&conn, &writer).unwrap();
        assert!(pass.log >= 50, "{pass:?}");
        assert_eq!(pass.copied, pass.log);
    }
}
