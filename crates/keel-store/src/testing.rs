//! Test support shared by the test suites of every crate (the store's conformance suite, the
//! server's API tests, the benchmarks); not part of Keel's API.
//!
//! Why here: each suite creates a PostgreSQL database per test, and a database a test leaves
//! behind stays on the server for good (one run of the suites used to leave 18, 170 MB). One
//! guard, written once, drops its database when it goes out of scope, a failing test's
//! included; a sweep at the start of each run drops the ones that runs killed outright left
//! behind. Test databases are named `keel_test_<UUIDv7>`: the UUID's first 48 bits are the
//! creation time in milliseconds since the Unix epoch, so the sweep can tell a stale database
//! from one a concurrent run is using.

use crate::db::Db;
pub use crate::migrate::Migration;
use crate::sql::{connect, OpenOptions};
use crate::StoreResult;
use sqlx::Connection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

/// What every test database's name starts with.
pub const PREFIX: &str = "keel_test_";
/// A test database older than this belongs to a run that is over (no test runs for an hour).
pub const STALE_AFTER: Duration = Duration::from_secs(3600);
/// Prefixes of earlier test databases (named before `PREFIX` was shared), swept too.
const LEGACY_PREFIXES: [&str; 1] = ["keel_api_"];

/// A fresh PostgreSQL database for one test, dropped (`WITH (FORCE)`, its connections ended)
/// when the guard is dropped, also while a failing test unwinds.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// Creates a database on the server `admin_url` names (a URL to an existing database, e.g.
    /// `postgres://postgres@127.0.0.1:5432/postgres`). The first call of a process sweeps stale
    /// test databases first. Panics when the server refuses: this is test support.
    pub async fn create(admin_url: &str) -> TestDatabase {
        static SWEPT: AtomicBool = AtomicBool::new(false);
        if !SWEPT.swap(true, Ordering::SeqCst) {
            match sweep_stale(admin_url).await {
                Ok(0) => {}
                Ok(n) => eprintln!("dropped {n} stale test database(s) of earlier runs"),
                Err(e) => eprintln!("could not sweep stale test databases: {e}"),
            }
        }
        let name = format!("{PREFIX}{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect to the PostgreSQL test server");
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create a test database");
        admin.close().await.ok();
        TestDatabase {
            url: with_database(admin_url, &name),
            admin_url: admin_url.to_string(),
            name,
        }
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // On a thread and runtime of its own: a drop cannot await, and the test's runtime may be
        // a single thread, busy dropping us, or already shutting down.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?
                .block_on(drop_database(&admin_url, &name))
                .map_err(|e| e.to_string())
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop the test database {}: {e}", self.name),
            Err(_) => eprintln!("could not drop the test database {}", self.name),
        }
    }
}

/// `url` with its database name replaced by `db` (query string kept).
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    format!("{}/{db}{query}", &base[..host_end])
}

async fn drop_database(admin_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    admin.close().await
}

/// When a test database was created, read from its name; `None` for a name that is not one.
pub fn created_at(name: &str) -> Option<SystemTime> {
    let hex = std::iter::once(PREFIX)
        .chain(LEGACY_PREFIXES)
        .find_map(|p| name.strip_prefix(p))?;
    let (secs, nanos) = uuid::Uuid::parse_str(hex).ok()?.get_timestamp()?.to_unix();
    Some(SystemTime::UNIX_EPOCH + Duration::new(secs, nanos))
}

/// Drops every test database created more than `STALE_AFTER` ago (runs that were killed never
/// dropped theirs); returns how many. Younger ones may belong to a run in progress and stay.
pub async fn sweep_stale(admin_url: &str) -> Result<usize, sqlx::Error> {
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    let names: Vec<(String,)> = sqlx::query_as("SELECT datname::text FROM pg_database")
        .fetch_all(&mut admin)
        .await?;
    admin.close().await.ok();
    let now = SystemTime::now();
    let mut dropped = 0;
    for (name,) in names {
        let stale = created_at(&name)
            .and_then(|at| now.duration_since(at).ok())
            .is_some_and(|age| age > STALE_AFTER);
        if stale {
            drop_database(admin_url, &name).await?;
            dropped += 1;
        }
    }
    Ok(dropped)
}

/// Applies `migrations` (in addition to those already applied) to the database at `url`, as
/// `open()` applies Keel's own: for tests of the migration runner.
pub async fn apply_migrations(url: &str, migrations: &[Migration]) -> StoreResult<()> {
    let db: Db = connect(url, OpenOptions::default()).await?;
    let applied = crate::migrate::run_list(&db, migrations, i64::MAX).await;
    db.close().await;
    applied
}

/// Creates the database at `url` with Keel's own migrations applied up to `version` only: a
/// database as an older Keel left it, for tests of upgrades and restores.
pub async fn migrate_to(url: &str, version: i64) -> StoreResult<()> {
    let db: Db = connect(url, OpenOptions::default()).await?;
    let applied = crate::migrate::run_to(&db, version).await;
    db.close().await;
    applied
}

/// The schema version this Keel migrates to (its newest migration).
pub fn latest_version() -> i64 {
    crate::migrate::latest()
}

/// How many reads (queries returning rows, in or out of a transaction) this process has sent to
/// any database so far. A test compares the difference around one request at 10 and at 1,000
/// rows: a page or list must cost a constant number of queries. Counted for every store of the
/// process, so such a test runs alone in its binary.
#[doc(hidden)]
pub fn reads() -> u64 {
    crate::db::READS.load(Ordering::Relaxed)
}

/// Whether API tokens and the organisation's settings may be served from the store's
/// one-second caches (yes, unless a test turned them off). The query-counting test turns them
/// off for its whole process: with a cache, a read is skipped when the previous request was
/// less than a second ago, so a request slower than that (1,000 rows in a debug build on a busy
/// machine) would cost a read more than a fast one for a reason that has nothing to do with
/// the rows.
#[doc(hidden)]
pub fn cache_for_a_second(on: bool) {
    crate::token_cache::NO_CACHE.store(!on, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_database_name_tells_its_age() {
        let name = format!("{PREFIX}{}", uuid::Uuid::now_v7().simple());
        let age = SystemTime::now()
            .duration_since(created_at(&name).unwrap())
            .unwrap();
        assert!(age < STALE_AFTER, "{age:?}");
        let legacy = format!("keel_api_{}", uuid::Uuid::now_v7().simple());
        assert!(created_at(&legacy).is_some());
        for other in [
            "postgres",
            "keel",
            "keel_test_",
            "keel_test_nothex",
            "template1",
        ] {
            assert_eq!(created_at(other), None, "{other}");
        }
        // An hour and a minute old: stale.
        let ts = uuid::Timestamp::from_unix(
            uuid::NoContext,
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                - 3660,
            0,
        );
        let old = format!("{PREFIX}{}", uuid::Uuid::new_v7(ts).simple());
        let age = SystemTime::now()
            .duration_since(created_at(&old).unwrap())
            .unwrap();
        assert!(age > STALE_AFTER, "{age:?}");
    }

    #[test]
    fn urls_name_the_test_database() {
        assert_eq!(
            with_database(
                "postgres://u@h:5432/postgres?sslmode=disable",
                "keel_test_x"
            ),
            "postgres://u@h:5432/keel_test_x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "d"), "postgres://u@h/d");
    }
}
