//! The SQL plumbing every area is written with: the `SqlStore` handle, opening a database,
//! and the shared helpers (value conversions, pagination, visibility SQL, loading, writing,
//! and the areas' row mappings re-exported) that each area module imports with `use crate::sql::*`.

use crate::check_ins::CheckInQueue;
use crate::db::{Db, Exec, Tx};
use crate::settings::SettingsCache;
use crate::*;
use async_trait::async_trait;
use std::sync::Arc;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

mod load;
mod paging;
mod stored;
pub(crate) mod table;
mod values;
mod visibility;
mod write;

pub(crate) use load::*;
pub(crate) use paging::*;
pub(crate) use stored::Stored;
pub(crate) use values::*;
pub(crate) use visibility::*;
pub(crate) use write::*;

// Each table's declaration, row writer and reader live in the area module that owns the table;
// re-exported here for the areas that also read or write it (loading, snapshots, joins).
pub(crate) use crate::audit_log::{AUDIT_EVENT, AUDIT_INSERT};
pub(crate) use crate::cfrs::{
    conversation_row, feedback_answer_rows, feedback_request_row, recognition_row, CONVERSATION,
    CONVERSATION_INSERT, FEEDBACK_ANSWER, FEEDBACK_ANSWER_INSERT, FEEDBACK_REQUEST,
    FEEDBACK_REQUEST_INSERT, RECOGNITION, RECOGNITION_INSERT,
};
pub(crate) use crate::check_ins::{check_in_row, CHECK_IN, CHECK_IN_INSERT};
pub(crate) use crate::cycles::{cycle_from, cycle_row, CYCLE, CYCLE_COLS, CYCLE_INSERT};
pub(crate) use crate::okrs::initiatives::{
    initiative_from, initiative_row, INITIATIVE, INITIATIVE_COLS, INITIATIVE_INSERT,
};
pub(crate) use crate::okrs::key_results::{kr_from, kr_row, KEY_RESULT, KR_COLS, KR_INSERT};
pub(crate) use crate::okrs::objectives::{
    objective_from, objective_row, parent_rows, OBJECTIVE, OBJECTIVE_COLS, OBJECTIVE_INSERT,
    OBJECTIVE_PARENT, PARENT_INSERT,
};
pub(crate) use crate::owner_rhythm::{
    retrospective_row, score_row, KEY_RESULT_SCORE, RETROSPECTIVE, RETROSPECTIVE_INSERT,
    SCORE_INSERT,
};
pub(crate) use crate::ownership_requests::{request_row, OWNERSHIP_REQUEST, REQUEST_INSERT};
pub(crate) use crate::people::{
    person_cols_of, person_from, person_row, PERSON, PERSON_COLS, PERSON_INSERT,
};
pub(crate) use crate::reviews::{review_row, REVIEW, REVIEW_INSERT};
pub(crate) use crate::teams::{team_from, team_row, TEAM, TEAM_COLS, TEAM_INSERT};

/// The most ids in one IN-list (well under both backends' parameter limits).
pub(crate) const IN_CHUNK: usize = 1000;

/// Keel's store over SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) db: Db,
    pub(crate) check_ins: Arc<CheckInQueue>,
    pub(crate) settings: Arc<SettingsCache>,
    pub(crate) tokens: Arc<crate::token_cache::TokenCache>,
    /// Concurrent reads of key results in context (a check-in's first read), on PostgreSQL
    /// answered together (`read_group`).
    pub(crate) contexts: Arc<crate::read_group::ReadGroup<KeyResultContext>>,
}

pub(crate) enum Target {
    Memory,
    File(std::path::PathBuf),
    Postgres(String),
}

pub(crate) fn parse_url(url: &str) -> StoreResult<Target> {
    let url = url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target::Postgres(url.to_string()));
    }
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or("");
        if path == ":memory:" {
            return Ok(Target::Memory);
        }
        if path.is_empty() {
            return Err(StoreError::BadUrl(format!(
                "'{url}' names no file: use sqlite://path/to/keel.db or sqlite::memory:"
            )));
        }
        return Ok(Target::File(path.into()));
    }
    // Not echoed: the URL may hold a password.
    let scheme = url.split(':').next().unwrap_or("");
    Err(StoreError::BadUrl(format!(
        "'{scheme}:' is not a supported database: use sqlite://path/to/keel.db, sqlite::memory: \
         or postgres://user@host/database"
    )))
}

/// How to open a store, beyond its URL.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// How hard SQLite syncs each commit (a file database only; PostgreSQL has its own settings).
    pub sqlite_synchronous: crate::db::SqliteSynchronous,
}

impl SqlStore {
    /// Opens the database named by `url` and applies pending migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        Self::open_with(url, OpenOptions::default()).await
    }

    /// Opens the database named by `url` with `options` and applies pending migrations.
    pub async fn open_with(url: &str, options: OpenOptions) -> StoreResult<Self> {
        // Boxed as `Send` here, where the lifetimes are concrete, so that callers may spawn
        // `open()` (sqlx's executor futures otherwise trip rustc's higher-ranked Send check).
        Self::open_boxed(url.to_string(), options).await
    }

    fn open_boxed(
        url: String,
        options: OpenOptions,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = StoreResult<Self>> + Send>> {
        Box::pin(async move {
            let db = connect(&url, options).await?;
            crate::migrate::run(&db).await?;
            Ok(Self {
                db,
                check_ins: Arc::default(),
                settings: Arc::default(),
                tokens: Arc::default(),
                contexts: Arc::default(),
            })
        })
    }
}

/// What PostgreSQL's planner is told a random page read costs (against 1 for a sequential one):
/// Keel's statements walk indexes and stop at a page's end, over data that is in memory or on
/// an SSD. The server's default (4) is for spinning disks: with it, PostgreSQL hash-joined whole
/// tables where an index walk reads a few rows (a member's unread count on the bell 172 → 2 ms,
/// a visibility check of one objective 65 → 1 ms at 100,000 people). 1.1 is the usual setting
/// for SSDs; it applies to Keel's connections only.
const RANDOM_PAGE_COST: &str = "1.1";

/// Connects to the database named by `url`, without migrating it.
pub(crate) async fn connect(url: &str, options: OpenOptions) -> StoreResult<Db> {
    Ok(match parse_url(url)? {
        // One shared in-memory database: one connection that never closes.
        Target::Memory => Db::sqlite_memory()?,
        Target::File(path) => {
            if let Some(dir) = path.parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::BadUrl(format!(
                            "cannot create the directory {}: {e}",
                            dir.display()
                        ))
                    })?;
                }
            }
            Db::sqlite_file(&path, options.sqlite_synchronous)?
        }
        Target::Postgres(url) => {
            // The URL may hold a password: never echo it.
            let opts = PgConnectOptions::from_str(&url)
                .map_err(|e| StoreError::BadUrl(format!("not a valid PostgreSQL URL ({e})")))?
                // No JIT compilation: Keel's queries are short, and when the planner
                // overestimates one (a recursive team walk) JIT spent seconds compiling a query
                // that runs in milliseconds (15 s of 16 s for one visibility query of the
                // weekly digest at 100,000 people).
                .options([("jit", "off"), ("random_page_cost", RANDOM_PAGE_COST)]);
            // Fail fast with the server's own answer instead of retrying until a timeout.
            {
                use sqlx::Connection;
                let conn = sqlx::PgConnection::connect_with(&opts).await?;
                conn.close().await?;
            }
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await?;
            Db::Postgres(pool)
        }
    })
}

/// Which database this store runs on.
#[async_trait]
pub trait Backend: Send + Sync {
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    /// The database connections now: in use, idle, and the most the store opens.
    fn pool_stats(&self) -> PoolStats;
    /// The check-in group commit's queue and what its commits so far took.
    fn commit_queue_stats(&self) -> CommitQueueStats;
    /// The check-in contexts read so far, and in how many statements (PostgreSQL reads
    /// concurrent ones together; SQLite one at a time, not counted).
    fn context_read_stats(&self) -> ReadGroupStats;
    /// Runs a trivial query, to tell whether the database answers (for readiness checks).
    async fn ping(&self) -> StoreResult<()>;
    /// `PRAGMA synchronous` as each SQLite file connection has it (1 NORMAL, 2 FULL); empty for
    /// PostgreSQL and an in-memory database.
    async fn sqlite_synchronous(&self) -> StoreResult<Vec<i64>>;
    /// `synchronous_commit` as a PostgreSQL connection of the pool has it (`on` unless someone
    /// changed it); None for SQLite.
    async fn postgres_synchronous_commit(&self) -> StoreResult<Option<String>>;
    /// Refreshes the planner's statistics after a bulk write (the evaluator's first round over
    /// a loaded organisation writes a stored row for every key result): PostgreSQL plans from
    /// them, and until autovacuum gets round to it (if it runs at all) it plans for the empty
    /// tables it last saw. Nothing on SQLite, whose planner works from its indexes and Keel's
    /// hints.
    async fn refresh_statistics(&self) -> StoreResult<()>;
    /// Ends the store's work at shutdown: waits for the check-ins already taken into a group
    /// commit to be committed and answered, then closes PostgreSQL's connections (SQLite's close
    /// when the store is dropped). Nothing may use the store after.
    async fn close(&self);
}

/// The Backend area through the shared handle: a caller holding a `DynStore` calls it with
/// `Backend` in scope.
#[async_trait]
impl Backend for dyn Store {
    fn backend(&self) -> &'static str {
        self.as_backend().backend()
    }
    fn pool_stats(&self) -> PoolStats {
        self.as_backend().pool_stats()
    }
    fn commit_queue_stats(&self) -> CommitQueueStats {
        self.as_backend().commit_queue_stats()
    }
    fn context_read_stats(&self) -> ReadGroupStats {
        self.as_backend().context_read_stats()
    }
    async fn ping(&self) -> StoreResult<()> {
        self.as_backend().ping().await
    }
    async fn sqlite_synchronous(&self) -> StoreResult<Vec<i64>> {
        self.as_backend().sqlite_synchronous().await
    }
    async fn postgres_synchronous_commit(&self) -> StoreResult<Option<String>> {
        self.as_backend().postgres_synchronous_commit().await
    }
    async fn refresh_statistics(&self) -> StoreResult<()> {
        self.as_backend().refresh_statistics().await
    }
    async fn close(&self) {
        self.as_backend().close().await
    }
}

impl SqlStore {
    /// A write transaction. It may change a token or a person, so the token cache forgets
    /// them all (check-in groups, which change neither, use `begin_check_ins`).
    pub(crate) async fn begin(&self) -> StoreResult<Tx> {
        self.tokens.invalidate();
        self.db.begin().await
    }

    /// A check-in group's transaction: it writes check-ins, key results, audit events and
    /// webhook deliveries only, so cached tokens stay.
    pub(crate) async fn begin_check_ins(&self) -> StoreResult<Tx> {
        self.db.begin().await
    }

    pub(crate) fn ex(&self) -> Exec<'_> {
        Exec::Db(&self.db)
    }
}

#[async_trait]
impl Backend for SqlStore {
    fn backend(&self) -> &'static str {
        self.db.backend()
    }
    fn pool_stats(&self) -> PoolStats {
        self.db.pool_stats()
    }
    fn commit_queue_stats(&self) -> CommitQueueStats {
        self.check_ins.stats()
    }
    fn context_read_stats(&self) -> ReadGroupStats {
        self.contexts.stats()
    }
    async fn ping(&self) -> StoreResult<()> {
        self.db.ping().await
    }
    async fn sqlite_synchronous(&self) -> StoreResult<Vec<i64>> {
        self.db.sqlite_synchronous().await
    }
    async fn postgres_synchronous_commit(&self) -> StoreResult<Option<String>> {
        self.db.postgres_synchronous_commit().await
    }
    async fn refresh_statistics(&self) -> StoreResult<()> {
        if self.db.backend() == "postgres" {
            self.db.execute("ANALYZE", vec![]).await?;
        }
        Ok(())
    }
    async fn close(&self) {
        self.settle_check_ins().await;
        self.db.close().await;
    }
}
