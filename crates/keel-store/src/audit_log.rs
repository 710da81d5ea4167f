//! The audit log: reading the events every write records (each write records its own event in
//! its transaction, see `sql::write::audit`).

use crate::db::Row;
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use serde_json::Value;

pub(crate) const AUDIT_COLS: Select = Select(&AUDIT_EVENT);

/// The `audit_events` table.
pub(crate) const AUDIT_EVENT: Table = Table {
    name: "audit_events",
    columns: &[
        "id",
        "at",
        "actor_id",
        "action",
        "object_kind",
        "object_id",
        "objective_id",
        "key_result_id",
        "before",
        "after",
        "source",
        "request_id",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const AUDIT_INSERT: &[&str] = AUDIT_EVENT.columns;

pub(crate) fn audit_from(r: &Row) -> StoreResult<AuditEvent> {
    let parse = |col: &str| -> StoreResult<Option<Value>> {
        r.opt_text(col)?.map(|s| from_json(col, &s)).transpose()
    };
    let source = r.text("source")?;
    Ok(AuditEvent {
        id: AuditEventId::from_string(r.text("id")?),
        at: to_ts("at", r.int("at")?)?,
        actor_id: r.opt_text("actor_id")?.map(PersonId::from_string),
        action: r.text("action")?,
        object_kind: r.text("object_kind")?,
        object_id: r.text("object_id")?,
        objective_id: r.opt_text("objective_id")?,
        key_result_id: r.opt_text("key_result_id")?,
        before: parse("before")?,
        after: parse("after")?,
        source: Source::parse(&source).ok_or_else(|| corrupt("source", source.clone()))?,
        request_id: r.opt_text("request_id")?,
    })
}

/// Reading the audit log.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Newest first.
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>>;
}

/// The AuditLog area through the shared handle: a caller holding a `DynStore` calls it with
/// `AuditLog` in scope.
#[async_trait]
impl AuditLog for dyn Store {
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>> {
        self.as_audit_log().list_audit(filter, page).await
    }
}

#[async_trait]
impl AuditLog for SqlStore {
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        if let Some(o) = &filter.object_id {
            let p = w.arg(o.as_str());
            w.add(format!(
                "(object_id = {p} OR objective_id = {p} OR key_result_id = {p})"
            ));
        }
        if let Some(a) = &filter.actor_id {
            let p = w.arg(a.as_str());
            w.add(format!("actor_id = {p}"));
        }
        if let Reader::Audience(a) = &filter.reader {
            let v = visible_objective(&mut w, a, "objective_id");
            w.add(format!("(objective_id IS NULL OR {v})"));
        }
        if let Some(from) = &filter.from {
            let p = w.arg(ts(from));
            w.add(format!("at >= {p}"));
        }
        if let Some(to) = &filter.to {
            let p = w.arg(ts(to));
            w.add(format!("at <= {p}"));
        }
        if let Some((at, id)) = time_cursor(page)? {
            let a = w.arg(at);
            let i = w.arg(id);
            w.add(format!("(at < {a} OR (at = {a} AND id < {i}))"));
        }
        let sql = format!(
            "SELECT {AUDIT_COLS} FROM audit_events {} ORDER BY at DESC, id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(audit_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |e| {
            format!("t:{}:{}", ts(&e.at), e.id)
        }))
    }
}
