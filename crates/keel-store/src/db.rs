//! The thin layer that lets the store's SQL be written once for SQLite and PostgreSQL: typed
//! arguments bound in order to `$1, $2 …` placeholders, rows with typed accessors, and the few
//! dialect differences. PostgreSQL runs on sqlx; SQLite on rusqlite, called synchronously from
//! the async functions (a statement takes microseconds; a thread hop per statement costs more).

use crate::{StoreError, StoreResult};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use sqlx::postgres::{PgPool, PgRow, Postgres};
use sqlx::{Row as _, Transaction};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Every read this process has sent to a database (see `testing::reads`): what the tests that
/// hold a page's query count constant, whatever its number of rows, count.
pub(crate) static READS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn counted() {
    READS.fetch_add(1, Ordering::Relaxed);
}

/// The connections of one store.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(Arc<SqliteDb>),
    Postgres(PgPool),
}

/// SQLite connections. All writes go through `writer` (one connection: our own writers never
/// see SQLITE_BUSY); reads outside transactions through `readers`. For `sqlite::memory:` there
/// are no readers: everything uses the one connection, which holds the database.
pub struct SqliteDb {
    writer: Arc<Mutex<rusqlite::Connection>>,
    readers: Vec<Mutex<rusqlite::Connection>>,
    next: AtomicUsize,
    /// The database file (none in memory): a readiness check fails once it is gone.
    path: Option<std::path::PathBuf>,
    /// Checkpoints the WAL off the writers' path (file databases only).
    _checkpointer: Option<crate::checkpointer::Checkpointer>,
}

impl std::fmt::Debug for SqliteDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDb")
            .field("readers", &self.readers.len())
            .finish_non_exhaustive()
    }
}

/// How many prepared statements each SQLite connection keeps.
const STATEMENT_CACHE: usize = 400;
/// Reader connections of a file database.
const READERS: usize = 4;

/// How hard SQLite pushes each commit to the disk (`PRAGMA synchronous`, in WAL mode). `Normal`
/// (the default) syncs at checkpoints only: a power loss or an OS crash may roll back the last
/// transactions, never corrupt the database; a crash of Keel alone loses nothing. `Full` syncs
/// the WAL at every commit: a commit that was answered survives a power loss too, for a slower
/// commit. See the README's "Durability".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SqliteSynchronous {
    #[default]
    Normal,
    Full,
}

impl SqliteSynchronous {
    /// The pragma's value.
    fn pragma(self) -> &'static str {
        match self {
            SqliteSynchronous::Normal => "NORMAL",
            SqliteSynchronous::Full => "FULL",
        }
    }
}

impl std::str::FromStr for SqliteSynchronous {
    type Err = String;
    /// `normal` or `full`, in any case.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "normal" => Ok(SqliteSynchronous::Normal),
            "full" => Ok(SqliteSynchronous::Full),
            _ => Err(format!(
                "'{}' is not a synchronous mode: use full or normal",
                s.trim()
            )),
        }
    }
}

/// SQLite's own heap in bytes, every connection's together (page caches, sorts, temporary
/// b-trees): in use now, and the most in use since the last call (each call starts the next
/// measure). How the evaluator's step log tells SQLite's part of the process's memory.
pub fn sqlite_heap() -> (u64, u64) {
    // SAFETY: both only read (and the second resets) SQLite's global memory statistics, which
    // SQLite guards with its own mutex.
    let (used, peak) = unsafe {
        (
            rusqlite::ffi::sqlite3_memory_used(),
            rusqlite::ffi::sqlite3_memory_highwater(1),
        )
    };
    (used.max(0) as u64, peak.max(0) as u64)
}

pub(crate) fn sqlite_connection(
    path: Option<&std::path::Path>,
    synchronous: SqliteSynchronous,
) -> StoreResult<rusqlite::Connection> {
    let conn = match path {
        None => rusqlite::Connection::open_in_memory()?,
        Some(p) => rusqlite::Connection::open(p)?,
    };
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    if path.is_some() {
        conn.pragma_update(None, "synchronous", synchronous.pragma())?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Sorts and statement journals in memory: no temporary files opened and unlinked per
    // statement.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

impl Db {
    /// One in-memory database on one connection.
    pub fn sqlite_memory() -> StoreResult<Db> {
        Ok(Db::Sqlite(Arc::new(SqliteDb {
            writer: Arc::new(Mutex::new(sqlite_connection(
                None,
                SqliteSynchronous::default(),
            )?)),
            readers: Vec::new(),
            next: AtomicUsize::new(0),
            path: None,
            _checkpointer: None,
        })))
    }

    /// A database file (created if missing) in WAL mode: one writer, a few readers, each
    /// syncing as `synchronous` says.
    pub fn sqlite_file(path: &std::path::Path, synchronous: SqliteSynchronous) -> StoreResult<Db> {
        let writer = sqlite_connection(Some(path), synchronous)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // No commit checkpoints: a thread of its own does (`checkpointer`), so that no writer
        // waits for one; the WAL file is trimmed back to this size when it starts over.
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        writer.pragma_update(
            None,
            "journal_size_limit",
            crate::checkpointer::WAL_SIZE_LIMIT,
        )?;
        let readers = (0..READERS)
            .map(|_| {
                let r = sqlite_connection(Some(path), synchronous)?;
                r.pragma_update(None, "wal_autocheckpoint", 0)?;
                Ok(Mutex::new(r))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let writer = Arc::new(Mutex::new(writer));
        let checkpointer =
            crate::checkpointer::Checkpointer::start(path, synchronous, writer.clone())?;
        Ok(Db::Sqlite(Arc::new(SqliteDb {
            writer,
            readers,
            next: AtomicUsize::new(0),
            path: Some(path.to_path_buf()),
            _checkpointer: Some(checkpointer),
        })))
    }
}

impl SqliteDb {
    /// `PRAGMA synchronous` as each connection has it (the writer first): 1 NORMAL, 2 FULL.
    pub(crate) async fn synchronous(&self) -> StoreResult<Vec<i64>> {
        let read =
            |c: &rusqlite::Connection| c.pragma_query_value(None, "synchronous", |r| r.get(0));
        let mut all = vec![read(&*self.writer.lock().await)?];
        for r in &self.readers {
            all.push(read(&*r.lock().await)?);
        }
        Ok(all)
    }

    /// Runs `f` on a reader connection: the first free one from a rotating start, else waits
    /// for the one at the start.
    async fn read<R>(&self, f: impl FnOnce(&rusqlite::Connection) -> R) -> R {
        if self.readers.is_empty() {
            return f(&*self.writer.lock().await);
        }
        // The writer first, if free: its page cache is never invalidated by another
        // connection's commit, while a reader's is after every write.
        if let Ok(conn) = self.writer.try_lock() {
            return f(&conn);
        }
        let n = self.readers.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        for i in 0..n {
            if let Ok(conn) = self.readers[(start + i) % n].try_lock() {
                return f(&conn);
            }
        }
        f(&*self.readers[start].lock().await)
    }
}

/// A bound argument. Nulls are typed so that PostgreSQL knows the parameter's type.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_string))
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Arg::Real(Some(v))
    }
}
impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Self {
        Arg::Real(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Int(Some(i64::from(v)))
    }
}

/// Builds an argument list: `args![a, b, c]`.
macro_rules! args {
    ($($e:expr),* $(,)?) => { vec![$($crate::db::Arg::from($e)),*] };
}
pub(crate) use args;

/// `$start, $start+1, …` for `n` arguments (IN-lists, multi-row VALUES).
pub fn placeholders(start: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 4);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('$');
        s.push_str(&(start + i).to_string());
    }
    s
}

type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// SQLite resolves each `$N` by a linear search of the names seen so far, and sqlx looks each
/// named parameter's name up again when binding: quadratic in the number of parameters (minutes
/// for a 30,000-parameter bulk insert). So `$N` is rewritten: to a plain `?` when the placeholders
/// are exactly `$1, $2, …` in order (bulk inserts: constant time), else to `?N`. Our SQL never
/// has `$` followed by a digit inside a literal.
fn sqlite_sql(sql: &str) -> std::borrow::Cow<'_, str> {
    // Called for every statement, cached or not: jump from '$' to '$' (memchr) rather than
    // walking the text byte by byte.
    let placeholders = || {
        sql.match_indices('$').filter_map(|(i, _)| {
            let digits = sql[i + 1..].bytes().take_while(u8::is_ascii_digit).count();
            (digits > 0).then(|| (i, i + 1 + digits))
        })
    };
    let mut count = 0u64;
    let mut sequential = true;
    for (start, end) in placeholders() {
        count += 1;
        if sql[start + 1..end].parse::<u64>().ok() != Some(count) {
            sequential = false;
            break;
        }
    }
    if count == 0 {
        return std::borrow::Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0;
    for (start, end) in placeholders() {
        out.push_str(&sql[copied..start]);
        if sequential {
            out.push('?');
        } else {
            out.push('?');
            out.push_str(&sql[start + 1..end]);
        }
        copied = end;
    }
    out.push_str(&sql[copied..]);
    std::borrow::Cow::Owned(out)
}

impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Arg::Text(Some(v)) => ValueRef::Text(v.as_bytes()),
            Arg::Int(Some(v)) => ValueRef::Integer(*v),
            Arg::Real(Some(v)) => ValueRef::Real(*v),
            Arg::Text(None) | Arg::Int(None) | Arg::Real(None) => ValueRef::Null,
        }))
    }
}

/// Prepares `sql` (from the connection's statement cache if `cached`), binds `args` and runs `f`.
fn sqlite_run<R>(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg],
    cached: bool,
    f: impl FnOnce(&mut rusqlite::Statement<'_>) -> rusqlite::Result<R>,
) -> rusqlite::Result<R> {
    let sql = sqlite_sql(sql);
    let bind = |st: &mut rusqlite::Statement<'_>| -> rusqlite::Result<()> {
        for (i, a) in args.iter().enumerate() {
            st.raw_bind_parameter(i + 1, a)?;
        }
        Ok(())
    };
    if cached {
        let mut st = conn.prepare_cached(&sql)?;
        bind(&mut st)?;
        f(&mut st)
    } else {
        let mut st = conn.prepare(&sql)?;
        bind(&mut st)?;
        f(&mut st)
    }
}

/// A statement without arguments or rows (`BEGIN IMMEDIATE`, `COMMIT`), prepared once per
/// connection: `execute_batch` parses its text again at every call, twice per transaction.
fn sqlite_cached(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// Runs a statement to completion (rows, e.g. of `RETURNING`, are discarded); the rows changed.
fn sqlite_execute(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg],
    cached: bool,
) -> StoreResult<u64> {
    sqlite_run(conn, sql, args, cached, |st| {
        let mut rows = st.raw_query();
        while rows.next()?.is_some() {}
        Ok(())
    })?;
    Ok(conn.changes())
}

/// The result rows of a query, materialised (at most one if `one`).
/// Reads taking longer than this are logged as slow (a warning naming the statement).
const SLOW_READ: std::time::Duration = std::time::Duration::from_millis(500);

fn sqlite_fetch(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg],
    one: bool,
) -> StoreResult<Vec<Row>> {
    // Each read's time (`KEEL_LOG=keel_store::read=debug`), and the slow ones always: how a
    // page's time is found query by query on a large organisation.
    let started = std::time::Instant::now();
    let rows = sqlite_fetch_rows(conn, sql, args, one);
    let took = started.elapsed();
    let statement = || sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if took >= SLOW_READ {
        tracing::warn!(target: "keel_store::read", ms = took.as_millis() as u64, sql = %statement(), "slow read");
    } else if tracing::enabled!(target: "keel_store::read", tracing::Level::DEBUG) {
        tracing::debug!(target: "keel_store::read", ms = took.as_millis() as u64, sql = %statement(), "read");
    }
    rows
}

fn sqlite_fetch_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg],
    one: bool,
) -> StoreResult<Vec<Row>> {
    Ok(sqlite_run(conn, sql, args, true, |st| {
        let cols = Arc::new(Columns::of(st));
        let n = cols.len();
        let mut out = Vec::new();
        let mut rows = st.raw_query();
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                vals.push(Value::from(r.get_ref(i)?));
            }
            out.push(Row::Sqlite(SqliteRow {
                cols: cols.clone(),
                vals,
                next: AtomicUsize::new(0),
            }));
            if one {
                break;
            }
        }
        Ok(out)
    })?)
}

use crate::planner_hints::pg_sql;

fn pg_query(sql: &str, args: Vec<Arg>) -> PgQuery<'_> {
    let mut q = sqlx::query::<Postgres>(sql);
    for a in args {
        q = match a {
            Arg::Text(v) => q.bind(v),
            Arg::Int(v) => q.bind(v),
            Arg::Real(v) => q.bind(v),
        };
    }
    q
}

/// A result row of either backend.
pub enum Row {
    Sqlite(SqliteRow),
    Pg(PgRow),
}

/// The column names of a result, shared by its rows: one buffer rather than a `String` each
/// (this runs for every statement).
struct Columns {
    names: String,
    ends: Vec<usize>,
}

impl Columns {
    fn of(st: &rusqlite::Statement<'_>) -> Self {
        let n = st.column_count();
        let mut names = String::with_capacity(n * 12);
        let mut ends = Vec::with_capacity(n);
        for i in 0..n {
            names.push_str(st.column_name(i).unwrap_or(""));
            ends.push(names.len());
        }
        Columns { names, ends }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn name(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.names[start..self.ends[i]]
    }

    /// The position of the column named `{prefix}{col}`, without building the name, looked
    /// for from `from` on, then from the start: the row decoders read a row's columns in about
    /// the order they are selected, so the search mostly ends at its first comparison instead
    /// of walking a wide joined row from its start for every column. A name selected twice is
    /// not read by name on either backend (sqlx reads the last of them, this the one nearest
    /// `from`), so the store never selects one twice.
    fn position_as(&self, prefix: &str, col: &str, from: usize) -> Option<usize> {
        let n = self.len();
        let from = from.min(n);
        let wanted = prefix.len() + col.len();
        (from..n).chain(0..from).find(|&i| {
            let name = self.name(i);
            name.len() == wanted && name.starts_with(prefix) && name.ends_with(col)
        })
    }
}

/// A SQLite result row, read out of the statement.
pub struct SqliteRow {
    cols: Arc<Columns>,
    vals: Vec<Value>,
    /// Where the next column read is likely to be: just after the last one read.
    next: AtomicUsize,
}

impl SqliteRow {
    fn get(&self, col: &str) -> StoreResult<&Value> {
        self.get_as("", col)
    }

    fn get_as(&self, prefix: &str, col: &str) -> StoreResult<&Value> {
        let from = self.next.load(Ordering::Relaxed);
        self.cols
            .position_as(prefix, col, from)
            .map(|i| {
                self.next.store(i + 1, Ordering::Relaxed);
                &self.vals[i]
            })
            .ok_or_else(|| StoreError::Corrupt {
                column: format!("{prefix}{col}"),
                message: "no such column in the result".into(),
            })
    }
}

fn mismatch(col: &str, want: &str, got: &Value) -> StoreError {
    StoreError::Corrupt {
        column: col.to_string(),
        message: format!("expected {want}, found {:?}", got.data_type()),
    }
}

fn sqlite_opt_text(col: &str, v: &Value) -> StoreResult<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::Text(s) => Ok(Some(s.clone())),
        Value::Blob(b) => String::from_utf8(b.clone())
            .map(Some)
            .map_err(|_| mismatch(col, "text", v)),
        _ => Err(mismatch(col, "text", v)),
    }
}

fn sqlite_opt_int(col: &str, v: &Value) -> StoreResult<Option<i64>> {
    match v {
        Value::Null => Ok(None),
        Value::Integer(i) => Ok(Some(*i)),
        _ => Err(mismatch(col, "integer", v)),
    }
}

/// A REAL column holding a whole number may come back as an integer.
fn sqlite_opt_real(col: &str, v: &Value) -> StoreResult<Option<f64>> {
    match v {
        Value::Null => Ok(None),
        Value::Real(f) => Ok(Some(*f)),
        Value::Integer(i) => Ok(Some(*i as f64)),
        _ => Err(mismatch(col, "real", v)),
    }
}

fn required<T>(col: &str, v: Option<T>) -> StoreResult<T> {
    v.ok_or_else(|| StoreError::Corrupt {
        column: col.to_string(),
        message: "unexpected NULL".into(),
    })
}

macro_rules! get {
    ($self:ident, $col:ident, $t:ty, $sqlite:expr) => {
        match $self {
            Row::Sqlite(r) => $sqlite($col, r.get($col)?),
            Row::Pg(r) => r.try_get::<$t, _>($col).map_err(StoreError::from),
        }
    };
}

impl Row {
    pub fn text(&self, col: &str) -> StoreResult<String> {
        get!(self, col, String, |c, v| required(
            c,
            sqlite_opt_text(c, v)?
        ))
    }
    pub fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        get!(self, col, Option<String>, sqlite_opt_text)
    }
    pub fn int(&self, col: &str) -> StoreResult<i64> {
        get!(self, col, i64, |c, v| required(c, sqlite_opt_int(c, v)?))
    }
    pub fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        get!(self, col, Option<i64>, sqlite_opt_int)
    }
    pub fn real(&self, col: &str) -> StoreResult<f64> {
        get!(self, col, f64, |c, v| required(c, sqlite_opt_real(c, v)?))
    }
    #[allow(dead_code)]
    pub fn opt_real(&self, col: &str) -> StoreResult<Option<f64>> {
        get!(self, col, Option<f64>, sqlite_opt_real)
    }
}

/// Typed reads of a row's columns by name, for the row decoders that read a table either from
/// a row of its own ([`Row`]) or from its share of a joined row ([`Prefixed`]).
pub trait Fields {
    fn text(&self, col: &str) -> StoreResult<String>;
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>>;
    fn int(&self, col: &str) -> StoreResult<i64>;
    fn real(&self, col: &str) -> StoreResult<f64>;
}

impl Fields for Row {
    fn text(&self, col: &str) -> StoreResult<String> {
        Row::text(self, col)
    }
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        Row::opt_text(self, col)
    }
    fn int(&self, col: &str) -> StoreResult<i64> {
        Row::int(self, col)
    }
    fn real(&self, col: &str) -> StoreResult<f64> {
        Row::real(self, col)
    }
}

/// One table's columns of a joined row, selected as `{prefix}{column}` (see
/// `sql::table::SelectAs`), read by their own names: a joined row decoded by the same function
/// as a row of the table alone.
pub struct Prefixed<'r> {
    row: &'r Row,
    prefix: &'static str,
}

impl Row {
    /// The columns named `{prefix}…` of this row, read without the prefix.
    pub fn prefixed(&self, prefix: &'static str) -> Prefixed<'_> {
        Prefixed { row: self, prefix }
    }
}

macro_rules! get_as {
    ($self:ident, $col:ident, $t:ty, $sqlite:expr) => {
        match $self.row {
            Row::Sqlite(r) => $sqlite($col, r.get_as($self.prefix, $col)?),
            Row::Pg(r) => r
                .try_get::<$t, _>(format!("{}{}", $self.prefix, $col).as_str())
                .map_err(StoreError::from),
        }
    };
}

impl Fields for Prefixed<'_> {
    fn text(&self, col: &str) -> StoreResult<String> {
        get_as!(self, col, String, |c, v| required(
            c,
            sqlite_opt_text(c, v)?
        ))
    }
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        get_as!(self, col, Option<String>, sqlite_opt_text)
    }
    fn int(&self, col: &str) -> StoreResult<i64> {
        get_as!(self, col, i64, |c, v| required(c, sqlite_opt_int(c, v)?))
    }
    fn real(&self, col: &str) -> StoreResult<f64> {
        get_as!(self, col, f64, |c, v| required(c, sqlite_opt_real(c, v)?))
    }
}

/// An open write transaction.
pub enum Tx {
    Sqlite(SqliteTx),
    Pg(Transaction<'static, Postgres>),
}

/// A SQLite transaction on the writer connection, which it holds until dropped. Dropped while
/// still open (an error, a cancelled future), it rolls back, so the writer is never left inside
/// a transaction.
pub struct SqliteTx {
    conn: OwnedMutexGuard<rusqlite::Connection>,
    /// A bulk load raised the connection's page cache ([`Tx::bulk_load`]): put back when done.
    bulk: bool,
}

/// The writer's page cache during a bulk load, in KiB (SQLite's negative `cache_size`): a
/// whole organisation's indexes are written in one transaction, and with SQLite's default of
/// 2 MiB the dirty pages spill to the WAL and are re-read while the load goes on.
const BULK_LOAD_CACHE_KIB: i64 = 256 * 1024;

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            if let Err(e) = self.conn.execute_batch("ROLLBACK") {
                tracing::error!(error = %e, "rolling back a SQLite transaction failed");
            }
        }
        if self.bulk {
            // SQLite's default page cache, as every other connection has it.
            if let Err(e) = self.conn.execute_batch("PRAGMA cache_size = -2000") {
                tracing::error!(error = %e, "restoring the writer's page cache failed");
            }
        }
    }
}

impl Db {
    /// Connections in use and idle. A SQLite connection is in use while its lock is held.
    pub fn pool_stats(&self) -> crate::PoolStats {
        match self {
            Db::Sqlite(s) => {
                let max = 1 + s.readers.len();
                let idle = usize::from(s.writer.try_lock().is_ok())
                    + s.readers.iter().filter(|r| r.try_lock().is_ok()).count();
                crate::PoolStats {
                    in_use: max - idle,
                    idle,
                    max,
                }
            }
            Db::Postgres(pool) => {
                let idle = pool.num_idle();
                crate::PoolStats {
                    in_use: (pool.size() as usize).saturating_sub(idle),
                    idle,
                    max: pool.options().get_max_connections() as usize,
                }
            }
        }
    }

    /// A trivial query on a connection of the pool. For SQLite, the file must also still be
    /// where it was opened: open connections keep reading a deleted file, whose writes no
    /// backup or restart would ever see.
    pub async fn ping(&self) -> StoreResult<()> {
        match self {
            Db::Sqlite(s) => {
                if let Some(path) = &s.path {
                    if !path.exists() {
                        return Err(StoreError::Unavailable(format!(
                            "the file {} is gone",
                            path.display()
                        )));
                    }
                }
                s.read(|c| c.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())))
                    .await?;
                Ok(())
            }
            Db::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
                Ok(())
            }
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// `PRAGMA synchronous` of each SQLite file connection; empty otherwise.
    pub async fn sqlite_synchronous(&self) -> StoreResult<Vec<i64>> {
        match self {
            Db::Sqlite(s) if !s.readers.is_empty() => s.synchronous().await,
            _ => Ok(Vec::new()),
        }
    }

    /// `SHOW synchronous_commit` on a pooled PostgreSQL connection; None for SQLite.
    pub async fn postgres_synchronous_commit(&self) -> StoreResult<Option<String>> {
        match self {
            Db::Postgres(pool) => {
                let (mode,): (String,) = sqlx::query_as("SHOW synchronous_commit")
                    .fetch_one(pool)
                    .await?;
                Ok(Some(mode))
            }
            Db::Sqlite(_) => Ok(None),
        }
    }

    /// Closes PostgreSQL's pool (its connections end cleanly); SQLite's connections close when
    /// the last handle is dropped.
    pub async fn close(&self) {
        if let Db::Postgres(p) = self {
            p.close().await;
        }
    }

    /// The most bound parameters one statement may carry.
    pub fn max_params(&self) -> usize {
        match self {
            Db::Sqlite(_) => 32_766,
            Db::Postgres(_) => 65_535,
        }
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so a transaction that reads before writing can never fail to upgrade.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite(s) => {
                let conn = s.writer.clone().lock_owned().await;
                if !conn.is_autocommit() {
                    // Cannot happen (`SqliteTx` rolls back on drop); never build on it.
                    conn.execute_batch("ROLLBACK")?;
                }
                sqlite_cached(&conn, "BEGIN IMMEDIATE")?;
                Tx::Sqlite(SqliteTx { conn, bulk: false })
            }
            Db::Postgres(p) => Tx::Pg(p.begin().await?),
        })
    }

    pub async fn fetch_all(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<Row>> {
        counted();
        Ok(match self {
            Db::Sqlite(s) => s.read(|c| sqlite_fetch(c, sql, &args, false)).await?,
            Db::Postgres(p) => pg_query(&pg_sql(sql), args)
                .fetch_all(p)
                .await?
                .into_iter()
                .map(Row::Pg)
                .collect(),
        })
    }

    /// `fetch_all` for a count over a whole cycle (the evaluator's figures): on SQLite its sorts
    /// and temporary b-trees spill to a temporary file past the page cache (`temp_store =
    /// FILE`) instead of being held in memory whole, as every other statement's are
    /// (`temp_store = MEMORY`, cheaper for small ones): at 100,000 people such a sort holds
    /// millions of rows. PostgreSQL spills past `work_mem` by itself.
    pub async fn fetch_all_spilling(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<Row>> {
        let Db::Sqlite(s) = self else {
            return self.fetch_all(sql, args).await;
        };
        counted();
        s.read(|c| {
            c.execute_batch("PRAGMA temp_store = FILE")?;
            let rows = sqlite_fetch(c, sql, &args, false);
            c.execute_batch("PRAGMA temp_store = MEMORY")?;
            rows
        })
        .await
    }

    pub async fn fetch_optional(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Option<Row>> {
        counted();
        Ok(match self {
            Db::Sqlite(s) => s.read(|c| sqlite_fetch(c, sql, &args, true)).await?.pop(),
            Db::Postgres(p) => pg_query(&pg_sql(sql), args)
                .fetch_optional(p)
                .await?
                .map(Row::Pg),
        })
    }

    /// A write outside any transaction (not audited, e.g. recording a token's use).
    pub async fn execute(&self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        Ok(match self {
            Db::Sqlite(s) => sqlite_execute(&*s.writer.lock().await, sql, &args, true)?,
            Db::Postgres(p) => pg_query(&pg_sql(sql), args)
                .execute(p)
                .await?
                .rows_affected(),
        })
    }
}

impl Tx {
    pub async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        Ok(match self {
            Tx::Sqlite(t) => sqlite_execute(&t.conn, sql, &args, true)?,
            Tx::Pg(t) => pg_query(&pg_sql(sql), args)
                .execute(&mut **t)
                .await?
                .rows_affected(),
        })
    }

    /// Like `execute`, without caching the prepared statement (one-off bulk statements).
    pub async fn execute_once(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        Ok(match self {
            Tx::Sqlite(t) => sqlite_execute(&t.conn, sql, &args, false)?,
            Tx::Pg(t) => pg_query(&pg_sql(sql), args)
                .persistent(false)
                .execute(&mut **t)
                .await?
                .rows_affected(),
        })
    }

    pub async fn fetch_all(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<Row>> {
        counted();
        Ok(match self {
            Tx::Sqlite(t) => sqlite_fetch(&t.conn, sql, &args, false)?,
            Tx::Pg(t) => pg_query(&pg_sql(sql), args)
                .fetch_all(&mut **t)
                .await?
                .into_iter()
                .map(Row::Pg)
                .collect(),
        })
    }

    pub async fn fetch_optional(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<Option<Row>> {
        counted();
        Ok(match self {
            Tx::Sqlite(t) => sqlite_fetch(&t.conn, sql, &args, true)?.pop(),
            Tx::Pg(t) => pg_query(&pg_sql(sql), args)
                .fetch_optional(&mut **t)
                .await?
                .map(Row::Pg),
        })
    }

    /// Runs a statement that takes no arguments and returns no rows (`SAVEPOINT` …) as plain
    /// text, unprepared.
    pub async fn batch(&mut self, sql: &'static str) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.conn.execute_batch(sql)?,
            Tx::Pg(t) => {
                sqlx::query(sql).persistent(false).execute(&mut **t).await?;
            }
        }
        Ok(())
    }

    /// Runs a whole script of statements (a migration) as it is written: SQLite parses it
    /// statement by statement itself; PostgreSQL receives it in one message of the simple query
    /// protocol (a query without arguments). Never split on `;`, so trigger bodies and strings
    /// holding one survive.
    pub async fn script(&mut self, sql: &str) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.conn.execute_batch(sql)?,
            Tx::Pg(t) => {
                use sqlx::Executor;
                (&mut **t).execute(sql).await?;
            }
        }
        Ok(())
    }

    /// Defers foreign-key checks to commit (bulk loads in any order).
    /// Prepares this transaction for loading a whole organisation (demo data, imports): on
    /// SQLite a page cache large enough to hold the indexes being written (put back when the
    /// transaction ends); nothing on PostgreSQL.
    pub fn bulk_load(&mut self) -> StoreResult<()> {
        if let Tx::Sqlite(t) = self {
            t.conn
                .execute_batch(&format!("PRAGMA cache_size = -{BULK_LOAD_CACHE_KIB}"))?;
            t.bulk = true;
        }
        Ok(())
    }

    /// Whether this is a SQLite transaction (whose statements run in place, so a prepared
    /// statement reused is cheaper than a longer one parsed each time).
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Tx::Sqlite(_))
    }

    pub async fn defer_foreign_keys(&mut self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.conn.execute_batch("PRAGMA defer_foreign_keys = ON")?,
            Tx::Pg(t) => {
                sqlx::query("SET CONSTRAINTS ALL DEFERRED")
                    .execute(&mut **t)
                    .await?;
            }
        }
        Ok(())
    }

    /// Rolls back now (rather than when dropped: on PostgreSQL a dropped transaction's
    /// rollback is only queued, its locks held meanwhile).
    pub async fn rollback(self) -> StoreResult<()> {
        match self {
            // Dropping `SqliteTx` rolls back if still open (some errors end it themselves).
            Tx::Sqlite(t) => drop(t),
            Tx::Pg(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// Commits. On SQLite a failed `COMMIT` (e.g. a deferred foreign key) leaves the transaction
    /// open; dropping `SqliteTx` then rolls it back.
    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => sqlite_cached(&t.conn, "COMMIT")?,
            Tx::Pg(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Reads either from the pools or inside an open transaction, so that read helpers are written
/// once and used both ways.
pub enum Exec<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

impl Exec<'_> {
    /// Whether the statements run on SQLite, in this process (no round trip to save).
    pub fn is_sqlite(&self) -> bool {
        match self {
            Exec::Db(d) => matches!(d, Db::Sqlite(_)),
            Exec::Tx(t) => t.is_sqlite(),
        }
    }

    pub async fn fetch_all(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<Row>> {
        match self {
            Exec::Db(d) => d.fetch_all(sql, args).await,
            Exec::Tx(t) => t.fetch_all(sql, args).await,
        }
    }
}

enum Violation {
    Unique,
    ForeignKey,
}

/// The kind of constraint violation, the constraint's name (PostgreSQL only) and the message.
fn violation(e: &StoreError) -> Option<(Violation, String, String)> {
    match e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, msg)) => {
            let kind = match f.extended_code {
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => Violation::Unique,
                rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Violation::ForeignKey,
                _ => return None,
            };
            Some((kind, String::new(), msg.clone().unwrap_or_default()))
        }
        StoreError::Database(err) => {
            let dbe = err.as_database_error()?;
            let kind = match dbe.kind() {
                sqlx::error::ErrorKind::UniqueViolation => Violation::Unique,
                sqlx::error::ErrorKind::ForeignKeyViolation => Violation::ForeignKey,
                _ => return None,
            };
            Some((
                kind,
                dbe.constraint().unwrap_or("").to_string(),
                dbe.message().to_string(),
            ))
        }
        _ => None,
    }
}

/// Maps a database error to the store's error, naming the API field a constraint concerns.
pub fn map_err(e: StoreError) -> StoreError {
    let Some((kind, constraint, message)) = violation(&e) else {
        return e;
    };
    match kind {
        Violation::Unique => {
            if constraint == "people_email_key" || message.contains("people.email_key") {
                StoreError::Conflict {
                    field: "email".into(),
                    message: "a person with this email already exists".into(),
                }
            } else if constraint == "api_tokens_secret_hash_key"
                || message.contains("api_tokens.secret_hash")
            {
                StoreError::Conflict {
                    field: "secret_hash".into(),
                    message: "a token with this secret already exists".into(),
                }
            } else if constraint.ends_with("_pkey") || message.contains(".id") {
                StoreError::Conflict {
                    field: "id".into(),
                    message: "a record with this id already exists".into(),
                }
            } else {
                StoreError::Conflict {
                    field: "id".into(),
                    message: format!("duplicate: {message}"),
                }
            }
        }
        Violation::ForeignKey => {
            let field = fk_field(&constraint);
            StoreError::Conflict {
                message: if field == "reference" {
                    "a referenced record does not exist".into()
                } else {
                    format!("{field}: a referenced record does not exist")
                },
                field: field.into(),
            }
        }
    }
}

/// The API field a named foreign key concerns (PostgreSQL names the constraint; SQLite does
/// not, hence `reference`).
fn fk_field(constraint: &str) -> &'static str {
    match constraint {
        "people_manager_id_fkey" => "manager_id",
        "teams_parent_id_fkey" | "cycles_parent_id_fkey" => "parent_id",
        "teams_lead_id_fkey" => "lead_id",
        "team_members_person_id_fkey" => "member_ids",
        "objectives_cycle_id_fkey" => "cycle_id",
        "objectives_owner_id_fkey" | "key_results_owner_id_fkey" | "initiatives_owner_id_fkey" => {
            "owner_id"
        }
        "objectives_sponsor_id_fkey" | "key_results_sponsor_id_fkey" => "sponsor_id",
        "objective_teams_team_id_fkey" | "key_result_teams_team_id_fkey" => "team_ids",
        "objective_contributors_person_id_fkey" | "key_result_contributors_person_id_fkey" => {
            "contributor_ids"
        }
        "objective_co_owners_person_id_fkey" | "key_result_co_owners_person_id_fkey" => {
            "co_owner_ids"
        }
        "ownership_requests_proposed_owner_id_fkey" => "proposed_owner_id",
        "ownership_requests_proposed_by_fkey" => "proposed_by",
        "ownership_requests_previous_owner_id_fkey" => "previous_owner_id",
        "ownership_requests_objective_id_fkey" | "ownership_requests_key_result_id_fkey" => "okr",
        "objective_parents_parent_objective_id_fkey"
        | "objective_parents_parent_key_result_id_fkey"
        | "key_result_parents_parent_objective_id_fkey"
        | "key_result_parents_parent_key_result_id_fkey" => "parent_ids",
        "key_results_objective_id_fkey" => "objective_id",
        "check_ins_key_result_id_fkey" | "initiatives_key_result_id_fkey" => "key_result_id",
        "check_ins_author_id_fkey" => "author_id",
        "api_tokens_person_id_fkey" => "person_id",
        _ => "reference",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_for_sqlite() {
        assert_eq!(super::sqlite_sql("a = $1 AND b = $2"), "a = ? AND b = ?");
        assert_eq!(super::sqlite_sql("a = $1 OR b = $1"), "a = ?1 OR b = ?1");
        assert_eq!(
            super::sqlite_sql("x < $2 AND y = $1 AND 'é$'"),
            "x < ?2 AND y = ?1 AND 'é$'"
        );
        assert_eq!(super::sqlite_sql("no params"), "no params");
        assert_eq!(super::sqlite_sql("a = $1, b = $3"), "a = ?1, b = ?3");
        assert_eq!(super::sqlite_sql("$ and $1 $x $2$3"), "$ and ? $x ??");
        assert_eq!(
            super::sqlite_sql("a = $99999999999999999999999"),
            "a = ?99999999999999999999999"
        );
    }

    /// Columns are found by name whatever order they are read in: in the order selected (each
    /// found at the first look), backwards, with a prefix, or not at all.
    #[test]
    fn a_rows_columns_are_found_in_any_order() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let rows = super::sqlite_fetch(
            &conn,
            "SELECT 1 AS id, 'a' AS title, 2 AS o_id, 'b' AS o_title, NULL AS note",
            &[],
            false,
        )
        .unwrap();
        let r = &rows[0];
        let o = r.prefixed("o_");
        use super::Fields as _;
        for _ in 0..2 {
            assert_eq!(r.int("id").unwrap(), 1);
            assert_eq!(r.text("title").unwrap(), "a");
            assert_eq!(o.int("id").unwrap(), 2);
            assert_eq!(o.text("title").unwrap(), "b");
            assert_eq!(r.opt_text("note").unwrap(), None);
        }
        assert_eq!(o.text("title").unwrap(), "b");
        assert_eq!(r.int("id").unwrap(), 1);
        assert_eq!(r.text("o_title").unwrap(), "b");
        assert_eq!(r.text("title").unwrap(), "a");
        assert!(r.text("missing").is_err());
        assert!(o.text("note").is_err());
        assert_eq!(r.int("id").unwrap(), 1);
    }
}
