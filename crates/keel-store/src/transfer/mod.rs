//! Backups, restores and moving an organisation between SQLite and PostgreSQL.
//!
//! Why one module for the three: each is the same pipeline. A *source* (a live SQLite file, a
//! PostgreSQL database, or a backup file) reads every table inside one consistent snapshot and
//! streams its rows; a *sink* (a database, or a backup file) writes them, all or nothing. The
//! tables come from the database's own catalogue (`schema`), so a table added by a later
//! migration travels without anyone listing it; the rows are hashed on both sides (`value`) so a
//! copy is checked against what was read, not trusted.
//!
//! Backup files are either a SQLite database (a SQLite backup: `VACUUM INTO`, openable as is) or
//! the portable export (`file`): a header naming the Keel and schema versions and every table's
//! columns, then each table's rows as JSON lines with a row count and checksum. Both restore into
//! either backend.

mod file;
mod postgres;
mod schema;
mod sqlite;
mod value;

pub use value::Tally;

use crate::sql::{parse_url, Target};
use crate::StoreError;
use schema::TableInfo;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;
use value::Row;

/// Why a backup, restore or copy did not happen. Nothing is left half-written.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The operation was refused before anything was written (a non-empty destination, a backup
    /// from a newer Keel …); the message says why and what to do.
    #[error("{0}")]
    Refused(String),
    /// The backup file is not a Keel backup, or is damaged or incomplete.
    #[error("{path} {message}")]
    BadBackup { path: String, message: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A source stopped because its sink failed first (the sink's error is the one to tell).
    #[error("the destination stopped accepting rows")]
    Stopped,
}

impl From<rusqlite::Error> for TransferError {
    fn from(e: rusqlite::Error) -> Self {
        TransferError::Store(StoreError::Sqlite(e))
    }
}

impl From<sqlx::Error> for TransferError {
    fn from(e: sqlx::Error) -> Self {
        TransferError::Store(StoreError::Database(e))
    }
}

pub(crate) type TResult<T> = Result<T, TransferError>;

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> TransferError {
    let context = context.into();
    move |source| TransferError::Io { context, source }
}

/// What a source says before its rows: where they come from and every table's columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Header {
    /// Always `keel-backup` in a portable file.
    pub(crate) format: String,
    pub(crate) format_version: u32,
    /// The Keel that wrote it.
    pub(crate) keel_version: String,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub(crate) created_at: String,
    /// `sqlite` or `postgres`: the database the rows were read from.
    pub(crate) backend: String,
    /// The newest migration applied to that database.
    pub(crate) schema_version: i64,
    /// Every table but `schema_migrations`, referenced tables first.
    pub(crate) tables: Vec<TableInfo>,
}

impl Header {
    fn new(backend: &str, schema_version: i64, tables: Vec<TableInfo>) -> Self {
        Header {
            format: file::FORMAT.into(),
            format_version: file::FORMAT_VERSION,
            keel_version: env!("CARGO_PKG_VERSION").into(),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            backend: backend.into(),
            schema_version,
            tables: schema::fk_order(tables),
        }
    }
}

/// What flows from a source to a sink.
pub(crate) enum Item {
    /// First, once.
    Header(Header),
    /// Rows of the header's table at this index (tables arrive in header order).
    Rows(usize, Vec<Row>),
    /// Last, once: every row was read. A sink commits only after it.
    Done,
}

/// Rows per batch sent from a source to a sink.
pub(crate) const BATCH: usize = 1000;

pub(crate) type Tx = mpsc::Sender<Item>;
pub(crate) type Rx = mpsc::Receiver<Item>;

/// A source stopped sending (the sink failed first): stop reading quietly.
pub(crate) fn sent(r: Result<(), mpsc::error::SendError<Item>>) -> TResult<()> {
    r.map_err(|_| TransferError::Stopped)
}

/// A database or a backup file to read from or write to.
#[derive(Debug, Clone)]
pub(crate) enum Endpoint {
    Sqlite(PathBuf),
    Postgres(String),
    Portable(PathBuf),
}

impl Endpoint {
    /// A database from its URL (no in-memory databases: nothing would be left to copy).
    fn database(url: &str) -> TResult<Endpoint> {
        match parse_url(url)? {
            Target::File(p) => Ok(Endpoint::Sqlite(p)),
            Target::Postgres(u) => Ok(Endpoint::Postgres(u)),
            Target::Memory => Err(TransferError::Refused(
                "an in-memory database cannot be backed up, restored or copied: use a file".into(),
            )),
        }
    }

    /// Starts reading: the source runs on its own task and streams into `tx`.
    fn spawn_source(&self, tx: Tx) -> tokio::task::JoinHandle<TResult<()>> {
        match self.clone() {
            Endpoint::Sqlite(p) => tokio::task::spawn_blocking(move || sqlite::read(&p, &tx)),
            Endpoint::Portable(p) => tokio::task::spawn_blocking(move || file::read(&p, &tx)),
            Endpoint::Postgres(u) => tokio::spawn(postgres::read_spawnable(u, tx)),
        }
    }
}

/// One table compared after a restore or a copy.
#[derive(Debug, Clone)]
pub struct TableCheck {
    pub table: String,
    /// What was read from the source.
    pub source: Tally,
    /// What the destination holds, read back after the commit.
    pub destination: Tally,
}

impl TableCheck {
    /// Same row count and checksum on both sides.
    pub fn matches(&self) -> bool {
        self.source == self.destination
    }
}

/// What a restore or a copy did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The schema version the rows were written at.
    pub schema_version: i64,
    /// The schema version the destination was migrated to afterwards.
    pub migrated_to: i64,
    /// Every table, referenced tables first.
    pub tables: Vec<TableCheck>,
}

impl Report {
    /// Every table matches.
    pub fn verified(&self) -> bool {
        self.tables.iter().all(TableCheck::matches)
    }
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// `SQLite database` or `portable export`.
    pub format: &'static str,
    pub schema_version: i64,
    /// Rows per table.
    pub tables: Vec<(String, u64)>,
    /// The file's size.
    pub bytes: u64,
}

/// Takes a consistent copy of the database at `url` into the file `to` while it may be in use:
/// a SQLite database becomes a SQLite file (`VACUUM INTO`, one read transaction); a PostgreSQL
/// database the portable export (one `REPEATABLE READ` snapshot). The file appears whole or not
/// at all (written beside it, then renamed), readable by its owner only. `portable` (or a file
/// name ending in `.gz`, for a gzipped export) writes the portable export from SQLite too.
pub async fn backup(url: &str, to: &Path, portable: bool) -> TResult<BackupReport> {
    let source = Endpoint::database(url)?;
    let portable = portable || to.extension().is_some_and(|e| e == "gz");
    if let Endpoint::Sqlite(path) = &source {
        if same_file(path, to) {
            return Err(TransferError::Refused(
                "--to names the database itself: back up to another file".into(),
            ));
        }
    }
    match &source {
        Endpoint::Sqlite(path) if !portable => {
            let (path, to) = (path.clone(), to.to_path_buf());
            tokio::task::spawn_blocking(move || sqlite::backup(&path, &to))
                .await
                .map_err(|e| TransferError::Refused(format!("the backup stopped: {e}")))?
        }
        _ => {
            let (tx, rx) = mpsc::channel(4);
            let reading = source.spawn_source(tx);
            let to = to.to_path_buf();
            let writing = tokio::task::spawn_blocking(move || file::write(&to, rx));
            let written = joined(writing).await;
            match joined(reading).await {
                Ok(()) | Err(TransferError::Stopped) => written,
                Err(e) => Err(e),
            }
        }
    }
}

/// Awaits a task, turning a panic into an error.
async fn joined<T>(task: tokio::task::JoinHandle<TResult<T>>) -> TResult<T> {
    task.await
        .map_err(|e| TransferError::Refused(format!("the transfer stopped: {e}")))?
}

/// Restores the backup file `from` into the empty database at `url`, then migrates it to this
/// Keel's schema; refuses a non-empty database and a backup from a newer Keel.
pub async fn restore(from: &Path, url: &str) -> TResult<Report> {
    let destination = Endpoint::database(url)?;
    let from = from.to_path_buf();
    let source = joined(tokio::task::spawn_blocking(move || {
        file::open_backup(&from)
    }))
    .await?;
    transfer(source, destination).await
}

/// Copies every table of the database at `from` into the empty database at `to` (SQLite to
/// PostgreSQL or back), then compares the two table by table.
pub async fn copy(from: &str, to: &str) -> TResult<Report> {
    let source = Endpoint::database(from)?;
    let destination = Endpoint::database(to)?;
    if same_database(&source, &destination) {
        return Err(TransferError::Refused(
            "--from and --to name the same database".into(),
        ));
    }
    transfer(source, destination).await
}

fn same_database(a: &Endpoint, b: &Endpoint) -> bool {
    match (a, b) {
        (Endpoint::Sqlite(x), Endpoint::Sqlite(y)) => same_file(x, y),
        (Endpoint::Postgres(x), Endpoint::Postgres(y)) => x == y,
        _ => false,
    }
}

/// Whether two paths name one file (or would, once created).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// A restore or a copy: straight into the destination, or through a scratch file when the
/// destination's (empty) schema is newer than the rows.
async fn transfer(source: Endpoint, destination: Endpoint) -> TResult<Report> {
    match transfer_once(&source, &destination).await? {
        Some(report) => Ok(report),
        None => staged(&source, &destination).await,
    }
}

/// The destination was migrated by this Keel (or an older one) past the rows' schema, and is
/// empty: the rows are loaded into a scratch SQLite file at their own version, migrated up there,
/// and that is copied into the destination.
async fn staged(source: &Endpoint, destination: &Endpoint) -> TResult<Report> {
    let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
    let scratch =
        std::env::temp_dir().join(format!("keel-restore-{}-{nanos}.db", std::process::id()));
    let staging = Endpoint::Sqlite(scratch);
    let outcome: TResult<Report> = async {
        let first = transfer_once(source, &staging)
            .await?
            .ok_or_else(unstageable)?;
        if !first.verified() {
            return Err(TransferError::Refused(
                "the rows differ after loading them into a scratch database".into(),
            ));
        }
        let mut second = transfer_once(&staging, destination)
            .await?
            .ok_or_else(unstageable)?;
        second.schema_version = first.schema_version;
        Ok(second)
    }
    .await;
    forget(&staging);
    outcome
}

fn unstageable() -> TransferError {
    TransferError::Refused("the destination's schema is newer than this Keel's".into())
}

/// The pipeline of a restore and a copy: check the destination is empty and old enough, create
/// its schema at the source's version, load every row in one transaction, compare, migrate up.
/// None (nothing written) when the empty destination's schema is newer than the rows'.
async fn transfer_once(source: &Endpoint, destination: &Endpoint) -> TResult<Option<Report>> {
    let (tx, mut rx) = mpsc::channel(4);
    let reading = source.spawn_source(tx);
    let header = match rx.recv().await {
        Some(Item::Header(h)) => h,
        _ => {
            joined(reading).await?;
            return Err(TransferError::Refused("the source sent no header".into()));
        }
    };
    let latest = crate::migrate::latest();
    if header.schema_version > latest {
        reading.abort();
        return Err(TransferError::Refused(format!(
            "the {} is at schema version {}, newer than this Keel's ({latest}): use a Keel at \
             least as new as the one that wrote it",
            source_words(source),
            header.schema_version,
        )));
    }
    let created = match prepare_destination(destination, header.schema_version, latest).await {
        Ok(Some(created)) => created,
        Ok(None) => {
            reading.abort();
            return Ok(None);
        }
        Err(e) => {
            reading.abort();
            return Err(e);
        }
    };
    let loaded = load(destination, header, rx).await;
    let read = joined(reading).await;
    let outcome = match (loaded, read) {
        (Ok(done), Ok(())) => finish(destination, done, latest).await,
        (Err(e), Ok(()) | Err(TransferError::Stopped)) | (Ok(_), Err(e)) => Err(e),
        // The source failed first: its error says why.
        (Err(_), Err(e)) => Err(e),
    };
    if outcome.is_err() && created {
        forget(destination);
    }
    outcome.map(Some)
}

/// How a source is named in a refusal.
fn source_words(source: &Endpoint) -> &'static str {
    match source {
        Endpoint::Portable(_) => "backup",
        Endpoint::Sqlite(_) | Endpoint::Postgres(_) => "source database",
    }
}

/// Loads the streamed rows into the destination in one transaction; the header and what was
/// sent per table (for the comparison).
async fn load(destination: &Endpoint, header: Header, rx: Rx) -> TResult<Loaded> {
    match destination {
        Endpoint::Sqlite(p) => {
            let p = p.clone();
            joined(tokio::task::spawn_blocking(move || {
                sqlite::write(&p, header, rx)
            }))
            .await
        }
        Endpoint::Postgres(u) => postgres::write(u, header, rx).await,
        Endpoint::Portable(_) => Err(TransferError::Refused(
            "a backup file is written by keel backup".into(),
        )),
    }
}

/// What a sink loaded: the source's header and, per table, what it was sent.
pub(crate) struct Loaded {
    pub(crate) header: Header,
    pub(crate) sent: BTreeMap<String, Tally>,
}

/// Reads the destination back and compares it with what was sent, then migrates it up.
async fn finish(destination: &Endpoint, loaded: Loaded, latest: i64) -> TResult<Report> {
    let found = read_back(destination, &loaded.header).await?;
    let tables = loaded
        .header
        .tables
        .iter()
        .map(|t| TableCheck {
            table: t.name.clone(),
            source: loaded.sent.get(&t.name).copied().unwrap_or_default(),
            destination: found.get(&t.name).copied().unwrap_or_default(),
        })
        .collect();
    migrate_to(destination, latest).await?;
    Ok(Report {
        schema_version: loaded.header.schema_version,
        migrated_to: latest,
        tables,
    })
}

/// Every table of `endpoint` tallied as `header`'s tables are (columns by name, JSON as JSON).
async fn read_back(endpoint: &Endpoint, header: &Header) -> TResult<BTreeMap<String, Tally>> {
    let (tx, mut rx) = mpsc::channel(4);
    let reading = endpoint.spawn_source(tx);
    let mut tallies = BTreeMap::new();
    let mut plans = Vec::new();
    let mut own = Vec::new();
    while let Some(item) = rx.recv().await {
        match item {
            Item::Header(h) => {
                plans = h
                    .tables
                    .iter()
                    .map(|t| t.canon(header.tables.iter().find(|o| o.name == t.name)))
                    .collect();
                own = h.tables;
            }
            Item::Rows(i, rows) => {
                let tally: &mut Tally = tallies.entry(own[i].name.clone()).or_default();
                for r in &rows {
                    tally.add(r, &plans[i]);
                }
            }
            Item::Done => {}
        }
    }
    joined(reading).await?;
    Ok(tallies)
}

/// Creates the destination's schema at `version` after checking it holds nothing; true when
/// the destination did not exist before (so a failure removes it again); None, with nothing
/// done, when its empty schema is already past `version`.
async fn prepare_destination(
    destination: &Endpoint,
    version: i64,
    latest: i64,
) -> TResult<Option<bool>> {
    let (existed, found) = match destination {
        Endpoint::Sqlite(p) => {
            let p = p.clone();
            joined(tokio::task::spawn_blocking(move || sqlite::inspect(&p))).await?
        }
        Endpoint::Postgres(u) => (true, postgres::inspect(u).await?),
        Endpoint::Portable(_) => unreachable!("backup files are never a destination"),
    };
    found.refuse_unless_empty(latest)?;
    if found.schema_version.is_some_and(|v| v > version) {
        return Ok(None);
    }
    migrate_to(destination, version).await?;
    Ok(Some(!existed))
}

/// Applies this Keel's migrations to the destination up to `version`.
async fn migrate_to(destination: &Endpoint, version: i64) -> TResult<()> {
    let db = match destination {
        Endpoint::Sqlite(p) => {
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(io(format!("cannot create {}", dir.display())))?;
            }
            // A restore or copy is one long write: syncing each commit costs little here.
            crate::db::Db::sqlite_file(p, crate::db::SqliteSynchronous::Full)?
        }
        Endpoint::Postgres(u) => crate::db::Db::Postgres(postgres::pool(u).await?),
        Endpoint::Portable(_) => unreachable!("backup files are never migrated"),
    };
    crate::migrate::run_to(&db, version).await?;
    if let crate::db::Db::Postgres(p) = db {
        p.close().await;
    }
    Ok(())
}

/// Removes a SQLite file this restore or copy created and could not finish.
fn forget(destination: &Endpoint) {
    if let Endpoint::Sqlite(p) = destination {
        for suffix in ["", "-wal", "-shm"] {
            let mut f = p.clone().into_os_string();
            f.push(suffix);
            let _ = std::fs::remove_file(f);
        }
    }
}

/// The destination's table of the same name as the source's; every source column must be there.
pub(crate) fn matching<'a>(
    source: &TableInfo,
    destination: &'a [TableInfo],
) -> TResult<&'a TableInfo> {
    let d = destination
        .iter()
        .find(|d| d.name == source.name)
        .ok_or_else(|| {
            TransferError::Refused(format!(
                "the table {} is not in the destination's schema: this Keel does not know it",
                source.name
            ))
        })?;
    if let Some(c) = source.columns.iter().find(|c| d.column(&c.name).is_none()) {
        return Err(TransferError::Refused(format!(
            "the column {}.{} is not in the destination's schema: this Keel does not know it",
            source.name, c.name
        )));
    }
    Ok(d)
}

/// What a destination holds before a restore or copy.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// The newest migration applied, when it has Keel's schema.
    pub(crate) schema_version: Option<i64>,
    /// Tables and their row counts (`schema_migrations` left out).
    pub(crate) tables: Vec<(String, u64)>,
}

impl Found {
    /// Refuses a destination with rows, with tables not Keel's, or with a newer schema than
    /// this Keel's (`latest`).
    fn refuse_unless_empty(&self, latest: i64) -> TResult<()> {
        let mut full: Vec<&(String, u64)> = self.tables.iter().filter(|(_, n)| *n > 0).collect();
        if !full.is_empty() {
            // The largest tables name what is there; the rest are counted.
            full.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut named: Vec<String> = full
                .iter()
                .take(4)
                .map(|(t, n)| format!("{n} {} {t}", if *n == 1 { "row in" } else { "rows in" }))
                .collect();
            if full.len() > 4 {
                named.push(format!("rows in {} more tables", full.len() - 4));
            }
            return Err(TransferError::Refused(format!(
                "the destination database is not empty (it holds {}): restore or copy only into an \
                 empty database",
                named.join(", ")
            )));
        }
        match self.schema_version {
            None if !self.tables.is_empty() => Err(TransferError::Refused(format!(
                "the destination database holds tables that are not Keel's ({}): use an empty database",
                self.tables
                    .iter()
                    .map(|(t, _)| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            Some(v) if v > latest => Err(TransferError::Refused(format!(
                "the destination database has Keel's schema version {v}, newer than this Keel's \
                 ({latest}): use a new, empty database"
            ))),
            _ => Ok(()),
        }
    }
}
