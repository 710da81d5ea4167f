//! The audit log: reading the events every write records (each write records its own event in
//! its transaction, see `sql::write::audit`).

use crate::sql::*;
use crate::*;
use async_trait::async_trait;

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
