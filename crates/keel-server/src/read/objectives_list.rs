//! The objectives list's filters and order (`GET /objectives` in the API and the `/objectives`
//! page), read from their query spellings once here so both refuse the same bad input naming the
//! same field, and its pages in every order, all paged by the store (its cursor carries the sort
//! key and the id). Status and progress are computed from check-ins; computing them for every
//! objective on each request does not scale (100,000 people: 120,000 objectives), so the list
//! sorts by what the hourly evaluator stored (`objective_signals`) and says when that was.

use super::views::{self, ObjectiveView};
use crate::error::{ApiError, ApiResult};
use keel_domain::rhythm::Status;
use keel_domain::{ObjectiveKind, ObjectiveState};
use keel_store::{
    Dashboards, ObjectiveFilter, ObjectiveOrder, Objectives, Page, PageRequest, Store,
};

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

/// `sort=`: created (the default), title, owner, status or progress; 422 naming `sort`
/// otherwise. Status and progress sort by what the periodic evaluator last stored
/// ([`sorted_as_of`] says when).
pub fn order(v: Option<&str>) -> ApiResult<ObjectiveOrder> {
    Ok(pick(
        "sort",
        v,
        &[
            ("created", ObjectiveOrder::Id),
            ("title", ObjectiveOrder::Title),
            ("owner", ObjectiveOrder::Owner),
            ("status", ObjectiveOrder::Status),
            ("progress", ObjectiveOrder::Progress),
        ],
    )?
    .unwrap_or(ObjectiveOrder::Id))
}

/// Where a status sorts: the worst first (off track, at risk, stale, then on track and the
/// rest). The evaluator stores it with each objective's status.
pub fn status_rank(s: Status) -> i64 {
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

/// A progress in [0, 1] as the evaluator stores it: thousandths.
pub fn progress_milli(progress: f64) -> i64 {
    (progress.clamp(0.0, 1.0) * 1000.0).round() as i64
}

/// When the status and progress the list sorts by were computed: the periodic evaluator's last
/// finished round (`None` before its first). The page says it next to those orders.
pub async fn sorted_as_of(store: &dyn Store) -> ApiResult<Option<chrono::DateTime<chrono::Utc>>> {
    Ok(store.last_finished(crate::jobs::EVALUATE).await?)
}

/// One page of the objectives matching `filter` in `order`, as views (as they stood at `at`
/// when given): the store pages every order (its cursor carries the sort key and the id), by
/// status and progress from what the evaluator stored, so a page costs the same few queries
/// whatever the organisation's size. Those stored orders are of now: with `at` they are refused
/// (422 naming `sort`).
pub async fn page(
    store: &dyn Store,
    filter: ObjectiveFilter,
    order: ObjectiveOrder,
    page: &PageRequest,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<Page<ObjectiveView>> {
    if at.is_some() && order.numeric() {
        return Err(ApiError::invalid(
            "sort",
            "status and progress orders are those of the latest hourly evaluation: \
             not available with as_of",
        ));
    }
    let found = store
        .list_objectives(&ObjectiveFilter { order, ..filter }, page)
        .await?;
    Ok(Page {
        items: views::objectives_as_of(store, found.items, at).await?,
        next_cursor: found.next_cursor,
    })
}
