//! Writing helpers shared by every area: multi-row INSERTs, junction rows, the audit event
//! recorded in the same transaction as every write, and stale-version detection.

use crate::db::{args, placeholders, Arg, Tx};
use crate::sql::*;
use serde_json::Value;

/// `INSERT INTO table (cols) VALUES (…), (…)`: rows in as few statements as the backend makes
/// cheapest. On PostgreSQL, as many rows per statement as its parameter limit allows (each
/// statement is a round trip). On SQLite, whose statements run in place, parsing is the cost: rows
/// go `SQLITE_CHUNK` at a time and the rest one at a time, so every statement is one of two texts
/// per table, prepared once per connection and reused (a load of 4 million check-ins parsed
/// thousands of 30,000-parameter statements before). Rows are built as they are inserted, never
/// all held at once.
pub(crate) async fn insert_rows(
    tx: &mut Tx,
    max_params: usize,
    table: &str,
    cols: &[&str],
    rows: impl IntoIterator<Item = Vec<Arg>>,
) -> StoreResult<()> {
    upsert_rows(tx, max_params, table, cols, "", rows).await
}

/// `insert_rows` with `conflict` after each statement's rows (`ON CONFLICT … DO …`): rows that
/// replace or skip those already there. One statement may not change a row twice (PostgreSQL
/// refuses it), so the rows' keys must be distinct.
pub(crate) async fn upsert_rows(
    tx: &mut Tx,
    max_params: usize,
    table: &str,
    cols: &[&str],
    conflict: &str,
    rows: impl IntoIterator<Item = Vec<Arg>>,
) -> StoreResult<()> {
    let n = cols.len();
    let sqlite = tx.is_sqlite();
    let per = if sqlite {
        SQLITE_CHUNK.min(max_params / n).max(1)
    } else {
        (max_params / n).clamp(1, 5000)
    };
    let head = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let mut rows = rows.into_iter().peekable();
    let mut first = true;
    while rows.peek().is_some() {
        let batch: Vec<Vec<Arg>> = rows.by_ref().take(per).collect();
        let single = first && rows.peek().is_none() && batch.len() == 1;
        first = false;
        if sqlite && batch.len() < per {
            // The rest, one at a time through the one-row statement.
            let sql = values_sql(&head, 1, n, conflict);
            for row in batch {
                debug_assert_eq!(row.len(), n, "{table}");
                tx.execute(&sql, row).await?;
            }
            continue;
        }
        let sql = values_sql(&head, batch.len(), n, conflict);
        let args: Vec<Arg> = batch
            .into_iter()
            .inspect(|row| debug_assert_eq!(row.len(), n, "{table}"))
            .flatten()
            .collect();
        // One-row statements, and SQLite's chunks, are always the same text: prepared once per
        // connection. PostgreSQL's long statements vary with the rows left: prepared once.
        if single || per == 1 || sqlite {
            tx.execute(&sql, args).await?;
        } else {
            tx.execute_once(&sql, args).await?;
        }
    }
    Ok(())
}

/// Rows per multi-row INSERT on SQLite (see [`insert_rows`]).
const SQLITE_CHUNK: usize = 64;

/// `head` followed by `rows` groups of `n` numbered placeholders, then `conflict`.
fn values_sql(head: &str, rows: usize, n: usize, conflict: &str) -> String {
    let mut sql = String::with_capacity(head.len() + rows * n * 6);
    sql.push_str(head);
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        sql.push_str(&placeholders(i * n + 1, n));
        sql.push(')');
    }
    if !conflict.is_empty() {
        sql.push(' ');
        sql.push_str(conflict);
    }
    sql
}

/// Junction rows `(owner, item, position)` for one owner.
pub(crate) fn junction_rows(owner: &str, items: &[String]) -> Vec<Vec<Arg>> {
    items
        .iter()
        .enumerate()
        .map(|(i, it)| args![owner, it.as_str(), i as i64])
        .collect()
}

pub(crate) struct AuditRec<'a> {
    pub(crate) kind: &'static str,
    pub(crate) verb: &'static str,
    pub(crate) object_id: &'a str,
    pub(crate) objective_id: Option<&'a str>,
    pub(crate) key_result_id: Option<&'a str>,
    pub(crate) before: Option<Value>,
    pub(crate) after: Option<Value>,
}

pub(crate) async fn audit(tx: &mut Tx, ctx: &WriteCtx, a: AuditRec<'_>) -> StoreResult<()> {
    let row = audit_row(ctx, a);
    insert_rows(tx, usize::MAX, "audit_events", AUDIT_INSERT, vec![row]).await
}

pub(crate) fn audit_row(ctx: &WriteCtx, a: AuditRec<'_>) -> Vec<Arg> {
    args![
        AuditEventId::generate().to_string(),
        ts(&now()),
        ctx.actor_id.as_ref().map(|x| x.as_str()),
        format!("{}.{}", a.kind, a.verb),
        a.kind,
        a.object_id,
        a.objective_id,
        a.key_result_id,
        a.before.map(|v| v.to_string()),
        a.after.map(|v| v.to_string()),
        ctx.source.as_str(),
        ctx.request_id.clone(),
    ]
}

/// After an update touched no row: `NotFound` if the record is gone, else `StaleVersion`.
pub(crate) async fn stale_or_missing(tx: &mut Tx, table: &str, id: &str, live: &str) -> StoreError {
    let sql = format!("SELECT id FROM {table} WHERE id = $1 {live}");
    match tx.fetch_optional(&sql, args![id]).await {
        Ok(Some(_)) => StoreError::StaleVersion,
        Ok(None) => StoreError::NotFound,
        Err(e) => e,
    }
}

pub(crate) async fn objective_of_kr(tx: &mut Tx, kr: &str) -> StoreResult<Option<String>> {
    tx.fetch_optional(
        "SELECT objective_id FROM key_results WHERE id = $1",
        args![kr],
    )
    .await?
    .map(|r| r.text("objective_id"))
    .transpose()
}

pub(crate) async fn replace_junction(
    tx: &mut Tx,
    table: &str,
    owner_col: &str,
    item_col: &str,
    owner: &str,
    items: &[String],
) -> StoreResult<()> {
    tx.execute(
        &format!("DELETE FROM {table} WHERE {owner_col} = $1"),
        args![owner],
    )
    .await?;
    insert_rows(
        tx,
        usize::MAX,
        table,
        &[owner_col, item_col, "position"],
        junction_rows(owner, items),
    )
    .await
}
