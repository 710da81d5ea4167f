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

/// A page of the audit log (50 events) with the names of the people it names (actors,
/// proposed owners) and the titles of the OKRs it is about, for the audit page. Five queries.
pub async fn audit_page(
    store: &dyn Store,
    caller: &Caller,
    f: &AuditFilters,
) -> ApiResult<(
    Page<AuditEvent>,
    HashMap<PersonId, String>,
    HashMap<String, String>,
)> {
    let request = crate::extract::page_request(
        Some("50"),
        Some(f.cursor.as_str()).filter(|c| !c.is_empty()),
    )?;
    let page = audit_log(store, caller, f, &request).await?;
    let people: Vec<PersonId> = page
        .items
        .iter()
        .flat_map(|e| e.actor_id.clone().into_iter().chain(people_named(e)))
        .chain(
            page.items
                .iter()
                .filter(|e| e.object_kind == "person")
                .map(|e| PersonId::from_string(e.object_id.clone())),
        )
        .collect();
    let names = names(store, &people).await?;
    let mut titles = titles(store, &page.items).await?;
    for e in page.items.iter().filter(|e| e.object_kind == "person") {
        if let Some(n) = names.get(&PersonId::from_string(e.object_id.clone())) {
            titles.insert(e.object_id.clone(), n.clone());
        }
    }
    Ok((page, names, titles))
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

// ---------------------------------------------------------------- in words

/// What an event did, in words for a page ("checked in", "proposed Ana as owner"), with the
/// word that joins it to its subject ("on", "of"; empty when the subject follows directly).
/// The API keeps `action` (`check_in.create`); pages never show it.
pub fn action_words(
    e: &AuditEvent,
    name_of: &dyn Fn(&PersonId) -> String,
) -> (String, &'static str) {
    let verb = e.action.rsplit('.').next().unwrap_or("");
    let after = e.after.as_ref();
    let field = |k: &str| {
        after
            .and_then(|a| a.get(k))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    let proposed = || {
        field("proposed_owner_id")
            .or_else(|| field("owner_id"))
            .map(|p| name_of(&PersonId::from_string(p)))
            .unwrap_or_else(|| "someone".into())
    };
    match (e.object_kind.as_str(), verb) {
        ("check_in", "create") => ("checked in".into(), "on"),
        ("check_in", "update") => ("corrected a check-in".into(), "on"),
        ("check_in", "delete") => ("withdrew a check-in".into(), "on"),
        ("check_in", "correct") => ("corrected a check-in".into(), "on"),
        ("check_in", "withdraw") => ("withdrew a check-in".into(), "on"),
        ("ownership_request", "create") | (_, "propose_owner") => {
            (format!("proposed {} as owner", proposed()), "of")
        }
        ("feedback_request", "create") => ("asked for feedback".into(), "on"),
        ("feedback_request", "answer") => ("answered a request for feedback".into(), "on"),
        ("recognition", "create") => ("recognised someone".into(), "for"),
        ("conversation", "create") => ("recorded a 1:1".into(), "about"),
        (_, "status_override") => ("set the status by hand".into(), "of"),
        (_, "score") => ("scored".into(), ""),
        (_, "retrospective") => ("wrote the retrospective".into(), "of"),
        (_, "cadence") => ("changed the check-in rhythm".into(), "of"),
        (_, "set_password") => ("set the password".into(), "of"),
        ("person", "erase") => ("erased the personal data".into(), "of"),
        ("setup", "complete") => ("set up".into(), ""),
        (_, "revoke") => ("revoked".into(), ""),
        (_, "load") => ("loaded".into(), ""),
        (_, "create") => ("created".into(), ""),
        (_, "update") => ("changed".into(), ""),
        (_, "delete") => ("deleted".into(), ""),
        (_, v) => (v.replace('_', " "), ""),
    }
}

/// How an event came in, in words: "on the web", "through the API".
pub fn source_words(s: Source) -> &'static str {
    match s {
        Source::Ui => "on the web",
        Source::Api => "through the API",
        Source::Cli => "from the command line",
        Source::Job => "by Keel on schedule",
        Source::Import => "by an import",
    }
}

/// What an event was about, by name: "key result “Activation 40 %”", "team Platform"; never
/// an id. `titles` holds the objectives and key results the reader may see.
pub fn object_words(e: &AuditEvent, titles: &HashMap<String, String>) -> String {
    let rec = e.after.as_ref().or(e.before.as_ref());
    let own = |k: &str| {
        rec.and_then(|r| r.get(k))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    let title_of = |id: Option<&String>| id.and_then(|i| titles.get(i)).cloned();
    let okr = || {
        title_of(e.key_result_id.as_ref())
            .map(|t| format!("key result “{t}”"))
            .or_else(|| title_of(e.objective_id.as_ref()).map(|t| format!("objective “{t}”")))
    };
    let named = |noun: &str, k: &str| match own(k) {
        Some(n) => format!("{noun} “{n}”"),
        None => format!("a {noun}"),
    };
    match e.object_kind.as_str() {
        "objective" => title_of(Some(&e.object_id))
            .or_else(|| own("title"))
            .map(|t| format!("objective “{t}”"))
            .unwrap_or_else(|| "an objective".into()),
        "key_result" => title_of(Some(&e.object_id))
            .or_else(|| own("title"))
            .map(|t| format!("key result “{t}”"))
            .unwrap_or_else(|| "a key result".into()),
        "check_in" | "ownership_request" | "recognition" | "feedback_request" => {
            okr().unwrap_or_else(|| "an OKR".into())
        }
        "initiative" => named("initiative", "title"),
        "person" => title_of(Some(&e.object_id))
            .or_else(|| own("name"))
            .unwrap_or_else(|| "a person".into()),
        "team" => named("team", "name"),
        "cycle" => named("cycle", "name"),
        "token" => named("API token", "name"),
        "settings" => "the organisation's settings".into(),
        "snapshot" => "the whole organisation".into(),
        "setup" => "the organisation".into(),
        "review" => "a review".into(),
        "conversation" => "a 1:1".into(),
        other => format!("a {}", other.replace('_', " ")),
    }
}

/// The titles of the objectives and key results `events` are about, by id: they were checked
/// visible (events on hidden objectives are left out). Two queries.
pub async fn titles(
    store: &dyn Store,
    events: &[AuditEvent],
) -> ApiResult<HashMap<String, String>> {
    use keel_store::{KeyResults, Objectives};
    let mut objectives: Vec<ObjectiveId> = events
        .iter()
        .filter_map(|e| e.objective_id.clone().map(ObjectiveId::from_string))
        .collect();
    objectives.sort();
    objectives.dedup();
    let mut krs: Vec<KeyResultId> = events
        .iter()
        .filter_map(|e| e.key_result_id.clone().map(KeyResultId::from_string))
        .collect();
    krs.sort();
    krs.dedup();
    let mut out: HashMap<String, String> = HashMap::new();
    for o in store.objectives_by_ids(&objectives).await? {
        out.insert(o.id.to_string(), o.title);
    }
    for k in store.key_results_by_ids(&krs).await? {
        out.insert(k.id.to_string(), k.title);
    }
    Ok(out)
}

/// The people an event names besides its actor (a proposed owner), for `action_words`.
pub fn people_named(e: &AuditEvent) -> Vec<PersonId> {
    let keys: &[&str] = if e.action.ends_with(".propose_owner") {
        &["proposed_owner_id", "owner_id"]
    } else {
        &["proposed_owner_id"]
    };
    keys.iter()
        .filter_map(|k| e.after.as_ref()?.get(*k)?.as_str())
        .map(|s| PersonId::from_string(s.to_string()))
        .collect()
}
