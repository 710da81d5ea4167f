//! The SQLite side of backups and copies: an online backup with `VACUUM INTO` (one read
//! transaction, so a consistent copy beside a running writer in WAL mode), reading every table
//! inside one read transaction, and loading rows in one write transaction.

use super::schema::{quoted, Column, Kind, TableInfo, MIGRATIONS_TABLE};
use super::value::{Row, Tally, Value};
use super::{
    file::AtomicFile, matching, sent, BackupReport, Found, Header, Item, Loaded, Rx, TResult,
    TransferError, Tx, BATCH,
};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::path::Path;

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// Opens an existing database file (never creating one) for reading.
fn open_existing(path: &Path) -> TResult<Connection> {
    if !path.is_file() {
        return Err(TransferError::Refused(format!(
            "the database {} does not exist",
            path.display()
        )));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    Ok(conn)
}

/// Every table's columns and references from the catalogue, and the newest migration applied
/// (None without `schema_migrations`).
fn schema(conn: &Connection) -> TResult<(Option<i64>, Vec<TableInfo>)> {
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut version = None;
    let mut tables = Vec::new();
    for name in names {
        if crate::is_search_index_table(&name) {
            continue;
        }
        if name == MIGRATIONS_TABLE {
            version = conn.query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
                r.get::<_, Option<i64>>(0)
            })?;
            continue;
        }
        let columns = conn
            .prepare(&format!("PRAGMA table_info({})", quoted(&name)))?
            .query_map([], |r| {
                let declared: String = r.get("type")?;
                Ok(Column {
                    name: r.get("name")?,
                    kind: Kind::of_sqlite(&declared),
                    sql_type: declared,
                    generated: false,
                })
            })?
            .collect::<Result<_, _>>()?;
        let references = conn
            .prepare(&format!("PRAGMA foreign_key_list({})", quoted(&name)))?
            .query_map([], |r| r.get::<_, String>("table"))?
            .collect::<Result<_, _>>()?;
        tables.push(TableInfo {
            name,
            columns,
            references,
        });
    }
    Ok((version, tables))
}

fn not_keel(path: &Path) -> TransferError {
    TransferError::Refused(format!(
        "{} is not a Keel database (it has no schema_migrations table)",
        path.display()
    ))
}

/// Streams every table of the database at `path`, all read inside one transaction.
pub(crate) fn read(path: &Path, tx: &Tx) -> TResult<()> {
    let conn = open_existing(path)?;
    conn.execute_batch("BEGIN")?;
    let (version, tables) = schema(&conn)?;
    let header = Header::new("sqlite", version.ok_or_else(|| not_keel(path))?, tables);
    sent(tx.blocking_send(Item::Header(header.clone())))?;
    for (i, table) in header.tables.iter().enumerate() {
        read_table(&conn, i, table, tx)?;
    }
    conn.execute_batch("COMMIT")?;
    sent(tx.blocking_send(Item::Done))
}

fn read_table(conn: &Connection, i: usize, table: &TableInfo, tx: &Tx) -> TResult<()> {
    let cols: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
    let mut st = conn.prepare(&format!(
        "SELECT {} FROM {}",
        cols.join(", "),
        quoted(&table.name)
    ))?;
    let n = cols.len();
    let mut rows = st.query([])?;
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(r) = rows.next()? {
        let mut row: Row = Vec::with_capacity(n);
        for c in 0..n {
            row.push(match r.get_ref(c)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(v) => Value::Int(v),
                ValueRef::Real(v) => Value::Real(v),
                ValueRef::Text(t) => Value::Text(String::from_utf8(t.to_vec()).map_err(|_| {
                    TransferError::Refused(format!(
                        "{}.{} holds text that is not UTF-8",
                        table.name, table.columns[c].name
                    ))
                })?),
                ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            });
        }
        batch.push(row);
        if batch.len() == BATCH {
            sent(tx.blocking_send(Item::Rows(i, std::mem::take(&mut batch))))?;
        }
    }
    if !batch.is_empty() {
        sent(tx.blocking_send(Item::Rows(i, batch)))?;
    }
    Ok(())
}

/// `keel backup` of a SQLite database: `VACUUM INTO` a new file beside `to` (a consistent copy
/// taken in one read transaction while the server keeps writing), switched out of WAL mode so it
/// is one self-contained file, its rows counted, then renamed into place.
pub(crate) fn backup(path: &Path, to: &Path) -> TResult<BackupReport> {
    let conn = open_existing(path)?;
    let (version, _) = schema(&conn)?;
    let version = version.ok_or_else(|| not_keel(path))?;
    let (atomic, file) = AtomicFile::create(to)?;
    drop(file);
    let temp = atomic.temp.to_string_lossy().to_string();
    conn.execute("VACUUM INTO ?1", [&temp])?;
    drop(conn);
    let out = Connection::open(&atomic.temp)?;
    out.pragma_update(None, "journal_mode", "DELETE")?;
    let (_, tables) = schema(&out)?;
    let mut counts = Vec::new();
    for t in super::schema::fk_order(tables) {
        let n: i64 = out.query_row(
            &format!("SELECT COUNT(*) FROM {}", quoted(&t.name)),
            [],
            |r| r.get(0),
        )?;
        counts.push((t.name, n as u64));
    }
    drop(out);
    let bytes = atomic.commit()?;
    Ok(BackupReport {
        format: "SQLite database",
        schema_version: version,
        tables: counts,
        bytes,
    })
}

/// A SQLite backup about to be restored: SQLite's own integrity check, and Keel's schema.
pub(crate) fn check_backup(path: &Path) -> TResult<()> {
    let damaged = |e: String| TransferError::BadBackup {
        path: path.display().to_string(),
        message: format!("is damaged: {e}"),
    };
    let conn = open_existing(path).map_err(|e| damaged(e.to_string()))?;
    let verdict: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| damaged(e.to_string()))?;
    if verdict != "ok" {
        return Err(damaged(verdict));
    }
    let (version, _) = schema(&conn).map_err(|e| damaged(e.to_string()))?;
    version.map(|_| ()).ok_or_else(|| TransferError::BadBackup {
        path: path.display().to_string(),
        message: "is a SQLite database but not a Keel backup".into(),
    })
}

/// Whether the file exists, and what it holds.
pub(crate) fn inspect(path: &Path) -> TResult<(bool, Found)> {
    if !path.exists() {
        return Ok((false, Found::default()));
    }
    let conn = open_existing(path)?;
    let (schema_version, tables) = schema(&conn)?;
    let mut found = Found {
        schema_version,
        tables: Vec::new(),
    };
    for t in tables {
        let n: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM {}", quoted(&t.name)),
            [],
            |r| r.get(0),
        )?;
        found.tables.push((t.name, n as u64));
    }
    Ok((true, found))
}

/// Loads the stream into the database at `path` (its schema already made) in one transaction,
/// foreign keys checked at commit.
pub(crate) fn write(path: &Path, header: Header, mut rx: Rx) -> TResult<Loaded> {
    let mut conn = open_existing(path)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let (_, destination) = schema(&conn)?;
    let mut inserts = Vec::new();
    let mut plans = Vec::new();
    for t in &header.tables {
        let d = matching(t, &destination)?;
        let cols: Vec<String> = t.columns.iter().map(|c| quoted(&c.name)).collect();
        let marks = vec!["?"; cols.len()].join(", ");
        inserts.push(format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            quoted(&t.name),
            cols.join(", ")
        ));
        plans.push(t.canon(Some(d)));
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    let mut sent_tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut done = false;
    while let Some(item) = rx.blocking_recv() {
        match item {
            Item::Rows(i, rows) => {
                let mut st = tx.prepare_cached(&inserts[i])?;
                let tally = sent_tallies
                    .entry(header.tables[i].name.clone())
                    .or_default();
                for row in &rows {
                    st.execute(rusqlite::params_from_iter(row.iter()))
                        .map_err(|e| row_error(&header.tables[i], e))?;
                    tally.add(row, &plans[i]);
                }
            }
            Item::Done => done = true,
            Item::Header(_) => {}
        }
    }
    if !done {
        return Err(TransferError::Stopped);
    }
    tx.commit().map_err(|e| {
        TransferError::Refused(format!(
            "the rows could not be committed ({e}): nothing was written"
        ))
    })?;
    conn.execute_batch("ANALYZE")?;
    Ok(Loaded {
        header,
        sent: sent_tallies,
    })
}

fn row_error(table: &TableInfo, e: rusqlite::Error) -> TransferError {
    TransferError::Refused(format!(
        "a row of {} could not be written ({e}): nothing was written",
        table.name
    ))
}
