//! Writing helpers shared by every area: multi-row INSERTs, junction rows, the audit event
//! recorded in the same transaction as every write, and stale-version detection.

use crate::db::{args, placeholders, Arg, Tx};
use crate::sql::*;
use serde_json::Value;

/// `INSERT INTO table (cols) VALUES (…), (…)` in as few statements as the backend allows.
pub(crate) async fn insert_rows(
    tx: &mut Tx,
    max_params: usize,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<Arg>>,
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let n = cols.len();
    let per = (max_params / n).clamp(1, 5000);
    let head = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let single = rows.len() == 1;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<Vec<Arg>> = rows.by_ref().take(per).collect();
        let mut sql = String::with_capacity(head.len() + batch.len() * n * 6);
        sql.push_str(&head);
        let mut args = Vec::with_capacity(batch.len() * n);
        for (i, row) in batch.into_iter().enumerate() {
            debug_assert_eq!(row.len(), n, "{table}");
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&placeholders(args.len() + 1, n));
            sql.push(')');
            args.extend(row);
        }
        // One-row statements are always the same text: prepared once per connection.
        if single || per == 1 {
            tx.execute(&sql, args).await?;
        } else {
            tx.execute_once(&sql, args).await?;
        }
    }
    Ok(())
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
