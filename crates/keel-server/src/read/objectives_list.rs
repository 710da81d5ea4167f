//! The objectives list's filters and order (`GET /objectives` in the API and the `/objectives`
//! page), read from their query spellings once here so both refuse the same bad input naming the
//! same field, and its pages in every order: by creation, title or owner's name the store pages
//! (its cursor carries the sort key and the id); by status or progress, which are computed from
//! check-ins and not stored, the list matching the filters is ordered here and cut into pages
//! with a cursor of the same shape, so paging stays stable (nothing repeated or skipped) while
//! nothing moves.

use super::lists::all_objectives;
use super::views::{self, ObjectiveView};
use crate::error::{ApiError, ApiResult};
use keel_domain::rhythm::Status;
use keel_domain::{ObjectiveKind, ObjectiveState};
use keel_store::{ObjectiveFilter, ObjectiveOrder, Objectives, Page, PageRequest, Store};

fn pick<T: Copy>(field: &str, v: Option<&str>, choices: &[(&str, T)]) -> ApiResult<Option<T>> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => choices
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, t)| Some(*t))
            .ok_or_else(|| {
                let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                ApiError::invalid(field, format!("must be one of {}", names.join(", ")))
            }),
    }
}

/// `kind=`: committed or aspirational; 422 naming `kind` otherwise.
pub fn kind(v: Option<&str>) -> ApiResult<Option<ObjectiveKind>> {
    pick(
        "kind",
        v,
        &[
            ("committed", ObjectiveKind::Committed),
            ("aspirational", ObjectiveKind::Aspirational),
        ],
    )
}

/// `state=`: draft, active or closed; 422 naming `state` otherwise.
pub fn state(v: Option<&str>) -> ApiResult<Option<ObjectiveState>> {
    pick(
        "state",
        v,
        &[
            ("draft", ObjectiveState::Draft),
            ("active", ObjectiveState::Active),
            ("closed", ObjectiveState::Closed),
        ],
    )
}

/// How the list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    /// By what the store keeps (creation, title, owner's name): the store pages it.
    Stored(ObjectiveOrder),
    /// By status, the worst first (off track, at risk, stale, then on track and the rest).
    Status,
    /// By progress, the least first.
    Progress,
}

/// `sort=`: created (the default), title, owner, status or progress; 422 naming `sort`
/// otherwise.
pub fn order(v: Option<&str>) -> ApiResult<ListOrder> {
    Ok(pick(
        "sort",
        v,
        &[
            ("created", ListOrder::Stored(ObjectiveOrder::Id)),
            ("title", ListOrder::Stored(ObjectiveOrder::Title)),
            ("owner", ListOrder::Stored(ObjectiveOrder::Owner)),
            ("status", ListOrder::Status),
            ("progress", ListOrder::Progress),
        ],
    )?
    .unwrap_or(ListOrder::Stored(ObjectiveOrder::Id)))
}

/// Where a status sorts: the worst first.
fn status_rank(s: Status) -> i64 {
    match s {
        Status::OffTrack => 0,
        Status::AtRisk => 1,
        Status::Stale => 2,
        Status::OnTrack => 3,
        Status::NotStarted => 4,
        Status::AwaitingOwner => 5,
        Status::Draft => 6,
        Status::Closed => 7,
    }
}

/// The computed sort key of an objective: its status's rank, or its progress in tenths of a
/// percent.
fn computed_key(order: ListOrder, o: &ObjectiveView) -> i64 {
    match order {
        ListOrder::Status => status_rank(o.status),
        _ => (o.progress * 1000.0).round() as i64,
    }
}

/// A computed order's cursor, `c:KEY:ID`.
fn computed_cursor(c: &str) -> ApiResult<(i64, String)> {
    let bad = || ApiError::invalid("cursor", "not a cursor from a previous page of this list");
    let rest = c.strip_prefix("c:").ok_or_else(bad)?;
    let (key, id) = rest.split_once(':').ok_or_else(bad)?;
    let key = key.parse().map_err(|_| bad())?;
    if id.is_empty() {
        return Err(bad());
    }
    Ok((key, id.to_string()))
}

/// One page of the objectives matching `filter` in `order`, as views (as they stood at `at`
/// when given). By status or progress the matching objectives are all read and ordered (a
/// constant number of queries per 500 of them): those orders are computed, not stored.
pub async fn page(
    store: &dyn Store,
    filter: ObjectiveFilter,
    order: ListOrder,
    page: &PageRequest,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<Page<ObjectiveView>> {
    let stored = match order {
        ListOrder::Stored(o) => Some(o),
        _ => None,
    };
    if let Some(o) = stored {
        let found = store
            .list_objectives(&ObjectiveFilter { order: o, ..filter }, page)
            .await?;
        return Ok(Page {
            items: views::objectives_as_of(store, found.items, at).await?,
            next_cursor: found.next_cursor,
        });
    }
    let after = page.cursor.as_deref().map(computed_cursor).transpose()?;
    let all = all_objectives(
        store,
        &ObjectiveFilter {
            order: ObjectiveOrder::Id,
            ..filter
        },
    )
    .await?;
    let mut keyed: Vec<(i64, ObjectiveView)> = views::objectives_as_of(store, all, at)
        .await?
        .into_iter()
        .map(|v| (computed_key(order, &v), v))
        .collect();
    keyed.sort_by(|(ka, a), (kb, b)| (ka, a.id.as_str()).cmp(&(kb, b.id.as_str())));
    let limit = page.limit.clamp(1, 500) as usize;
    let mut rest: Vec<(i64, ObjectiveView)> = keyed
        .into_iter()
        .filter(|(k, v)| match &after {
            Some((ak, aid)) => (k, v.id.as_str()) > (ak, aid.as_str()),
            None => true,
        })
        .take(limit + 1)
        .collect();
    let more = rest.len() > limit;
    rest.truncate(limit);
    let next_cursor = if more {
        rest.last().map(|(k, v)| format!("c:{k}:{}", v.id))
    } else {
        None
    };
    Ok(Page {
        items: rest.into_iter().map(|(_, v)| v).collect(),
        next_cursor,
    })
}
