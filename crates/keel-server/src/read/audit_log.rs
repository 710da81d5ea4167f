//! The audit log as a reader sees it: the organisation's log filtered by object, actor and time
//! (administrators and champions), and one objective's history (whoever may see the objective).
//! Events on objectives the reader may not see are left out (the doctrine's "Visibility").
//!
//! One read model for `GET /api/v1/audit`, `GET /api/v1/objectives/{id}/history`, the audit page
//! and the objective page's latest changes: the filters are parsed and checked by the same rules
//! (the same 422s naming the same fields) wherever they are typed.

use super::lists::names;
use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::visibility::Viewer;
use chrono::{DateTime, NaiveDate, Utc};
use keel_domain::audit::AuditEvent;
use keel_domain::*;
use keel_store::{AuditFilter, AuditLog, Page, PageRequest, People, Store};
use std::collections::{HashMap, HashSet};

/// The organisation log's filters as typed (empty or absent: no filter).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AuditFilters {
    /// Events on this object and on its children.
    #[serde(default)]
    pub object_id: String,
    /// Events by this person.
    #[serde(default)]
    pub actor_id: String,
    /// From this time (RFC 3339, or a date meaning its start in UTC), inclusive.
    #[serde(default)]
    pub since: String,
    /// Up to this time (RFC 3339, or a date meaning its end in UTC), inclusive.
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub cursor: String,
}

/// Parses a time bound: RFC 3339, or a date (its first or last microsecond, UTC).
pub fn parse_time(field: &str, v: &str, end_of_day: bool) -> ApiResult<Option<DateTime<Utc>>> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        let t = if end_of_day {
            d.and_hms_micro_opt(23, 59, 59, 999_999)
        } else {
            d.and_hms_opt(0, 0, 0)
        };
        if let Some(t) = t {
            return Ok(Some(t.and_utc()));
        }
    }
    Err(ApiError::invalid(
        field,
        format!("'{v}' is not a time: use RFC 3339 (2026-11-23T09:00:00Z) or a date (2026-11-23)"),
    ))
}

/// The store's filter for what the caller typed: administrators and champions only (403), bad
/// bounds or an unknown actor are 422s naming the field.
pub async fn audit_filter(
    store: &dyn Store,
    caller: &Caller,
    f: &AuditFilters,
) -> ApiResult<AuditFilter> {
    access::read_audit(&caller.person)?;
    let since = parse_time("since", &f.since, false)?;
    let until = parse_time("until", &f.until, true)?;
    if let (Some(a), Some(b)) = (since, until) {
        if b < a {
            return Err(ApiError::invalid("until", "must not be before since"));
        }
    }
    let actor_id = match f.actor_id.trim() {
        "" => None,
        a => {
            let id = PersonId::from_string(a.to_string());
            if store.person(&id).await?.is_none() {
                return Err(ApiError::invalid(
                    "actor_id",
                    format!("no person has the id '{a}'"),
                ));
            }
            Some(id)
        }
    };
    Ok(AuditFilter {
        reader: keel_store::Reader::of(Viewer::of(&caller.person).audience()),
        object_id: Some(f.object_id.trim().to_string()).filter(|o| !o.is_empty()),
        actor_id,
        from: since,
        to: until,
    })
}

/// A page of the organisation's log, newest first.
pub async fn audit_log(
    store: &dyn Store,
    caller: &Caller,
    f: &AuditFilters,
    page: &PageRequest,
) -> ApiResult<Page<AuditEvent>> {
    let filter = audit_filter(store, caller, f).await?;
    let page = store.list_audit(&filter, page).await?;
    hide_okrs(store, &Viewer::of(&caller.person), page).await
}

/// Keys under which an audit record names other OKRs by id.
const OKR_LISTS: [&str; 3] = ["parents", "parent_ids", "okr_ids"];
const OKR_FIELDS: [&str; 2] = ["okr_id", "objective_id"];

/// The OKR ids an audit record mentions (see [`scrub`]).
fn mentioned(v: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            for (k, item) in map {
                match item {
                    Value::String(s) if OKR_FIELDS.contains(&k.as_str()) => out.push(s.clone()),
                    Value::Array(items) if OKR_LISTS.contains(&k.as_str()) => {
                        out.extend(items.iter().filter_map(okr_of).map(str::to_string));
                    }
                    _ => {}
                }
                mentioned(item, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| mentioned(i, out)),
        _ => {}
    }
}

/// An entry of an OKR list: an id, or a parent (`{"kind": …, "id": …}`).
fn okr_of(v: &serde_json::Value) -> Option<&str> {
    v.as_str().or_else(|| v.get("id")?.as_str())
}

/// Removes from an audit record the OKRs the reader may not see: entries of its lists of OKRs
/// (parents, a 1:1's OKRs), items about one (a review's agenda), and single references (set to
/// null).
fn scrub(v: &mut serde_json::Value, seen: &HashSet<String>) {
    use serde_json::Value;
    let visible = |id: &str| seen.contains(id);
    match v {
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                match item {
                    Value::String(s) if OKR_FIELDS.contains(&k.as_str()) && !visible(s) => {
                        *item = Value::Null;
                    }
                    Value::Array(items) if OKR_LISTS.contains(&k.as_str()) => {
                        items.retain(|i| okr_of(i).is_none_or(visible));
                    }
                    Value::Array(items) => items.retain(|i| {
                        i.get("objective_id")
                            .and_then(Value::as_str)
                            .is_none_or(visible)
                    }),
                    _ => {}
                }
                scrub(item, seen);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| scrub(i, seen)),
        _ => {}
    }
}

/// The events with what their records say about OKRs the reader may not see left out (issue
/// 13: a public child's parents, a review's agenda, a 1:1's OKRs). Three queries at most.
async fn hide_okrs(
    store: &dyn Store,
    viewer: &Viewer,
    mut page: Page<AuditEvent>,
) -> ApiResult<Page<AuditEvent>> {
    let mut ids = Vec::new();
    for e in &page.items {
        for r in [&e.before, &e.after].into_iter().flatten() {
            mentioned(r, &mut ids);
        }
    }
    ids.sort();
    ids.dedup();
    let seen = viewer.visible_okrs(store, &ids).await?;
    if seen.len() == ids.len() {
        return Ok(page);
    }
    for e in &mut page.items {
        for r in [&mut e.before, &mut e.after].into_iter().flatten() {
            scrub(r, &seen);
        }
    }
    Ok(page)
}

/// A page of the audit log (50 events) with the names of its actors, for the audit page.
/// Three queries.
pub async fn audit_page(
    store: &dyn Store,
    caller: &Caller,
    f: &AuditFilters,
) -> ApiResult<(Page<AuditEvent>, HashMap<PersonId, String>)> {
    let request = crate::extract::page_request(
        Some("50"),
        Some(f.cursor.as_str()).filter(|c| !c.is_empty()),
    )?;
    let page = audit_log(store, caller, f, &request).await?;
    let actors: Vec<PersonId> = page
        .items
        .iter()
        .filter_map(|e| e.actor_id.clone())
        .collect();
    let names = names(store, &actors).await?;
    Ok((page, names))
}

/// Who changed what on an objective `viewer` may see (404 otherwise) and on everything under
/// it, newest first.
pub async fn objective_history(
    store: &dyn Store,
    viewer: &Viewer,
    id: &ObjectiveId,
    page: &PageRequest,
) -> ApiResult<Page<AuditEvent>> {
    let o = viewer.objective(store, id).await?;
    let page = objective_changes(store, &o, page).await?;
    hide_okrs(store, viewer, page).await
}

/// The changes to an objective already checked visible, newest first.
pub async fn objective_changes(
    store: &dyn Store,
    o: &Objective,
    page: &PageRequest,
) -> ApiResult<Page<AuditEvent>> {
    Ok(store
        .list_audit(
            &AuditFilter {
                object_id: Some(o.id.to_string()),
                // The objective was checked visible by the caller.
                ..AuditFilter::new(keel_store::Reader::Everyone)
            },
            page,
        )
        .await?)
}
