//! The PostgreSQL side of backups and copies: every table read inside one `REPEATABLE READ, READ
//! ONLY` transaction (one snapshot, as `pg_dump` takes, without blocking writers), and rows loaded
//! in one transaction with foreign keys checked at commit and sequences moved past the loaded
//! rows.

use super::schema::{quoted, Column, Kind, TableInfo, MIGRATIONS_TABLE};
use super::value::{Row, Tally, Value};
use super::{matching, sent, Found, Header, Item, Loaded, Rx, TResult, TransferError, Tx, BATCH};
use crate::StoreError;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions, PgRow, Postgres};
use sqlx::{Connection, PgConnection, Row as _};
use std::collections::BTreeMap;
use std::str::FromStr;

type PgQuery<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

/// The most parameters in one INSERT (PostgreSQL allows 65,535).
const MAX_PARAMS: usize = 30_000;

fn options(url: &str) -> TResult<PgConnectOptions> {
    // The URL may hold a password: never echo it.
    PgConnectOptions::from_str(url).map_err(|e| {
        TransferError::Store(StoreError::BadUrl(format!(
            "not a valid PostgreSQL URL ({e})"
        )))
    })
}

/// A small pool for the migrations of a destination.
pub(crate) async fn pool(url: &str) -> TResult<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options(url)?)
        .await?)
}

async fn connect(url: &str) -> TResult<PgConnection> {
    Ok(PgConnection::connect_with(&options(url)?).await?)
}

/// Runs a statement without rows or arguments, unprepared.
async fn once(conn: &mut PgConnection, sql: &str) -> TResult<()> {
    sqlx::query(sql).persistent(false).execute(conn).await?;
    Ok(())
}

/// Every table of the current schema with its columns and references, and the newest migration
/// applied (None without `schema_migrations`).
async fn schema(conn: &mut PgConnection) -> TResult<(Option<i64>, Vec<TableInfo>)> {
    let rows = sqlx::query(
        "SELECT c.table_name::text AS t, c.column_name::text AS c, c.udt_name::text AS udt,
                (COALESCE(c.column_default, '') LIKE 'nextval(%' OR c.is_identity = 'YES') AS generated
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tables: BTreeMap<String, TableInfo> = BTreeMap::new();
    for r in rows {
        let name: String = r.try_get("t")?;
        let udt: String = r.try_get("udt")?;
        let entry = tables.entry(name.clone()).or_insert_with(|| TableInfo {
            name,
            columns: Vec::new(),
            references: Vec::new(),
        });
        entry.columns.push(Column {
            name: r.try_get("c")?,
            kind: Kind::of_postgres(&udt),
            sql_type: udt,
            generated: r.try_get("generated")?,
        });
    }
    let refs = sqlx::query(
        "SELECT cl.relname::text AS t, rf.relname::text AS r
         FROM pg_constraint co
         JOIN pg_class cl ON cl.oid = co.conrelid
         JOIN pg_class rf ON rf.oid = co.confrelid
         JOIN pg_namespace n ON n.oid = cl.relnamespace
         WHERE co.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in refs {
        let t: String = r.try_get("t")?;
        if let Some(table) = tables.get_mut(&t) {
            table.references.push(r.try_get("r")?);
        }
    }
    let version = match tables.remove(MIGRATIONS_TABLE) {
        None => None,
        Some(_) => {
            sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM schema_migrations")
                .fetch_one(&mut *conn)
                .await?
        }
    };
    Ok((version, tables.into_values().collect()))
}

/// `read` as a boxed `Send` future, so it can be spawned (boxed here, where the lifetimes are
/// concrete; sqlx's executor futures otherwise trip rustc's higher-ranked `Send` check).
pub(crate) fn read_spawnable(
    url: String,
    tx: Tx,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = TResult<()>> + Send>> {
    Box::pin(async move { read(&url, &tx).await })
}

/// Streams every table, all read in one snapshot.
async fn read(url: &str, tx: &Tx) -> TResult<()> {
    let mut conn = connect(url).await?;
    for sql in [
        "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        "SET LOCAL TIME ZONE 'UTC'",
        "SET LOCAL DateStyle = 'ISO'",
        "SET LOCAL extra_float_digits = 3",
    ] {
        once(&mut conn, sql).await?;
    }
    let (version, tables) = schema(&mut conn).await?;
    let version = version.ok_or_else(|| {
        TransferError::Refused(
            "the PostgreSQL database is not a Keel database (it has no schema_migrations table)"
                .into(),
        )
    })?;
    let header = Header::new("postgres", version, tables);
    sent(tx.send(Item::Header(header.clone())).await)?;
    for (i, table) in header.tables.iter().enumerate() {
        read_table(&mut conn, i, table, tx).await?;
    }
    once(&mut conn, "COMMIT").await?;
    conn.close().await.ok();
    sent(tx.send(Item::Done).await)
}

/// Reads a table through a cursor, a batch at a time.
async fn read_table(conn: &mut PgConnection, i: usize, table: &TableInfo, tx: &Tx) -> TResult<()> {
    let cols: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            let q = quoted(&c.name);
            match c.kind {
                Kind::Int => format!("{q}::int8"),
                Kind::Real => format!("{q}::float8"),
                Kind::Bool | Kind::Blob => q,
                Kind::Text | Kind::Json | Kind::Other => format!("{q}::text"),
            }
        })
        .collect();
    // A cursor of its own per table: the FETCH's text, by which its prepared statement and
    // result columns are cached, differs from table to table.
    let cursor = format!("keel_backup_{i}");
    let declare = format!(
        "DECLARE {cursor} NO SCROLL CURSOR FOR SELECT {} FROM {}",
        cols.join(", "),
        quoted(&table.name)
    );
    once(conn, &declare).await?;
    let fetch = format!("FETCH {BATCH} FROM {cursor}");
    loop {
        let rows = sqlx::query(&fetch).fetch_all(&mut *conn).await?;
        if rows.is_empty() {
            break;
        }
        let batch = rows
            .iter()
            .map(|r| decode(r, table))
            .collect::<TResult<Vec<Row>>>()?;
        sent(tx.send(Item::Rows(i, batch)).await)?;
    }
    once(conn, &format!("CLOSE {cursor}")).await?;
    Ok(())
}

fn decode(r: &PgRow, table: &TableInfo) -> TResult<Row> {
    let mut row = Vec::with_capacity(table.columns.len());
    for (i, c) in table.columns.iter().enumerate() {
        row.push(match c.kind {
            Kind::Int => r
                .try_get::<Option<i64>, _>(i)?
                .map_or(Value::Null, Value::Int),
            Kind::Real => r
                .try_get::<Option<f64>, _>(i)?
                .map_or(Value::Null, Value::Real),
            Kind::Bool => r
                .try_get::<Option<bool>, _>(i)?
                .map_or(Value::Null, |b| Value::Int(i64::from(b))),
            Kind::Blob => r
                .try_get::<Option<Vec<u8>>, _>(i)?
                .map_or(Value::Null, Value::Blob),
            Kind::Text | Kind::Json | Kind::Other => r
                .try_get::<Option<String>, _>(i)?
                .map_or(Value::Null, Value::Text),
        });
    }
    Ok(row)
}

/// What the database holds, for the empty-destination check.
pub(crate) async fn inspect(url: &str) -> TResult<Found> {
    let mut conn = connect(url).await?;
    let (schema_version, tables) = schema(&mut conn).await?;
    let mut found = Found {
        schema_version,
        tables: Vec::new(),
    };
    for t in tables {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quoted(&t.name)))
            .fetch_one(&mut conn)
            .await?;
        found.tables.push((t.name, n as u64));
    }
    conn.close().await.ok();
    Ok(found)
}

/// One table's INSERT at the destination: the source's columns, each cast to the destination
/// column's type.
struct Insert {
    columns: Vec<Column>,
    prefix: String,
    per_statement: usize,
}

impl Insert {
    fn new(source: &TableInfo, destination: &TableInfo) -> TResult<Insert> {
        let columns = source
            .columns
            .iter()
            .map(|c| {
                destination.column(&c.name).cloned().ok_or_else(|| {
                    TransferError::Refused(format!(
                        "the destination's table {} has no column {}",
                        source.name, c.name
                    ))
                })
            })
            .collect::<TResult<Vec<_>>>()?;
        let names: Vec<String> = columns.iter().map(|c| quoted(&c.name)).collect();
        let overriding = if destination.columns.iter().any(|c| c.generated) {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        Ok(Insert {
            prefix: format!(
                "INSERT INTO {} ({}){overriding} VALUES ",
                quoted(&source.name),
                names.join(", ")
            ),
            per_statement: (MAX_PARAMS / columns.len().max(1)).clamp(1, BATCH),
            columns,
        })
    }

    fn sql(&self, rows: usize) -> String {
        let n = self.columns.len();
        let mut sql = self.prefix.clone();
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for (c, col) in self.columns.iter().enumerate() {
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("CAST(${} AS {})", r * n + c + 1, col.sql_type));
            }
            sql.push(')');
        }
        sql
    }
}

/// Loads the stream (the schema already made) in one transaction, foreign keys checked at
/// commit; then moves every sequence past the loaded rows.
pub(crate) async fn write(url: &str, header: Header, mut rx: Rx) -> TResult<Loaded> {
    let mut conn = connect(url).await?;
    let (_, destination) = schema(&mut conn).await?;
    let mut inserts = Vec::new();
    let mut plans = Vec::new();
    for t in &header.tables {
        let d = matching(t, &destination)?;
        inserts.push(Insert::new(t, d)?);
        plans.push(t.canon(Some(d)));
    }
    let mut tx = conn.begin().await?;
    sqlx::query("SET CONSTRAINTS ALL DEFERRED")
        .execute(&mut *tx)
        .await?;
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut done = false;
    while let Some(item) = rx.recv().await {
        match item {
            Item::Rows(i, rows) => {
                let (table, insert) = (&header.tables[i], &inserts[i]);
                for chunk in rows.chunks(insert.per_statement) {
                    let sql = insert.sql(chunk.len());
                    let mut q = sqlx::query(&sql);
                    for row in chunk {
                        for (v, col) in row.iter().zip(&insert.columns) {
                            q = bind(q, v, col).map_err(|m| {
                                TransferError::Refused(format!("{}.{}: {m}", table.name, col.name))
                            })?;
                        }
                    }
                    q.execute(&mut *tx).await.map_err(|e| row_error(table, e))?;
                }
                let tally = tallies.entry(table.name.clone()).or_default();
                for row in &rows {
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
    reset_sequences(&mut tx, &destination).await?;
    tx.commit().await.map_err(|e| {
        TransferError::Refused(format!(
            "the rows could not be committed ({e}): nothing was written"
        ))
    })?;
    sqlx::query("ANALYZE").execute(&mut conn).await?;
    conn.close().await.ok();
    Ok(Loaded {
        header,
        sent: tallies,
    })
}

fn row_error(table: &TableInfo, e: sqlx::Error) -> TransferError {
    TransferError::Refused(format!(
        "rows of {} could not be written ({e}): nothing was written",
        table.name
    ))
}

/// Binds `v` for a column of `col`'s type; why not, when it cannot be stored there.
fn bind<'q>(q: PgQuery<'q>, v: &Value, col: &Column) -> Result<PgQuery<'q>, String> {
    let refuse = || format!("cannot store {} in a {} column", v.kind(), col.sql_type);
    Ok(match (col.kind, v) {
        (Kind::Int, Value::Null) => q.bind(None::<i64>),
        (Kind::Int, Value::Int(i)) => q.bind(*i),
        (Kind::Int, Value::Real(f)) if f.fract() == 0.0 => q.bind(*f as i64),
        (Kind::Int, Value::Text(s)) => q.bind(s.trim().parse::<i64>().map_err(|_| refuse())?),
        (Kind::Real, Value::Null) => q.bind(None::<f64>),
        (Kind::Real, Value::Int(i)) => q.bind(*i as f64),
        (Kind::Real, Value::Real(f)) => q.bind(*f),
        (Kind::Real, Value::Text(s)) => q.bind(s.trim().parse::<f64>().map_err(|_| refuse())?),
        (Kind::Bool, Value::Null) => q.bind(None::<bool>),
        (Kind::Bool, Value::Int(i)) => q.bind(*i != 0),
        (Kind::Bool, Value::Text(s)) => q.bind(match s.as_str() {
            "t" | "true" | "1" => true,
            "f" | "false" | "0" => false,
            _ => return Err(refuse()),
        }),
        (Kind::Blob, Value::Null) => q.bind(None::<Vec<u8>>),
        (Kind::Blob, Value::Blob(b)) => q.bind(b.clone()),
        (Kind::Blob, Value::Text(s)) => q.bind(s.as_bytes().to_vec()),
        (_, Value::Null) => q.bind(None::<String>),
        (Kind::Text | Kind::Json | Kind::Other, Value::Text(s)) => q.bind(s.clone()),
        (Kind::Text | Kind::Json | Kind::Other, Value::Int(i)) => q.bind(i.to_string()),
        (Kind::Text | Kind::Json | Kind::Other, Value::Real(f)) => q.bind(f.to_string()),
        _ => return Err(refuse()),
    })
}

/// Moves each sequence (serial and identity columns) past the largest value loaded, so the
/// next row the server inserts does not collide with a copied one.
async fn reset_sequences(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    tables: &[TableInfo],
) -> TResult<()> {
    for t in tables {
        for c in t.columns.iter().filter(|c| c.generated) {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)",
                quoted(&c.name),
                quoted(&t.name)
            );
            sqlx::query(&sql)
                .bind(quoted(&t.name))
                .bind(c.name.clone())
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}
