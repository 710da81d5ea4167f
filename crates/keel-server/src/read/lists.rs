//! Whole lists read to the end (cycles, objectives) and the cycle a page shows
//! when none is asked for: what several read models start from, written once.

use crate::error::{ApiError, ApiResult};
use keel_domain::*;
use keel_store::{CycleFilter, Cycles, ObjectiveFilter, Objectives, PageRequest, People, Store};
use std::collections::HashMap;

/// Largest page the store serves; lists are read to the end in pages of this size.
const PAGE: u32 = 500;

/// The first page of the largest size the store serves.
pub fn first_page() -> PageRequest {
    PageRequest {
        limit: PAGE,
        cursor: None,
    }
}

/// Every cycle, newest first.
pub async fn cycles(store: &dyn Store) -> ApiResult<Vec<Cycle>> {
    let mut out = vec![];
    let mut page = first_page();
    loop {
        let p = store.list_cycles(&CycleFilter::default(), &page).await?;
        out.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    out.sort_by(|a, b| b.starts_on.cmp(&a.starts_on).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// The cycle a page shows when none is asked for: the shortest active cycle running today (a
/// quarter rather than its year), else any active one, else the most recent.
pub fn current_cycle(cycles: &[Cycle], today: chrono::NaiveDate) -> Option<&Cycle> {
    let running = cycles
        .iter()
        .filter(|c| c.state == CycleState::Active && c.starts_on <= today && today <= c.ends_on)
        .min_by_key(|c| c.ends_on - c.starts_on);
    running
        .or_else(|| cycles.iter().find(|c| c.state == CycleState::Active))
        .or_else(|| cycles.first())
}

/// The cycle named by `requested` (422 on `cycle_id` when unknown), else the one current on
/// `today` (the organisation's day, `services::today`).
pub fn pick_cycle(
    cycles: &[Cycle],
    requested: Option<&str>,
    today: chrono::NaiveDate,
) -> ApiResult<Option<Cycle>> {
    match requested.filter(|r| !r.is_empty()) {
        Some(id) => cycles
            .iter()
            .find(|c| c.id.as_str() == id)
            .cloned()
            .map(Some)
            .ok_or_else(|| ApiError::invalid("cycle_id", format!("no cycle has the id '{id}'"))),
        None => Ok(current_cycle(cycles, today).cloned()),
    }
}

/// Every objective matching `filter`, read to the end.
pub async fn all_objectives(
    store: &dyn Store,
    filter: &ObjectiveFilter,
) -> ApiResult<Vec<Objective>> {
    let mut out = vec![];
    let mut page = first_page();
    loop {
        let p = store.list_objectives(filter, &page).await?;
        out.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    Ok(out)
}

/// Names for people, by id (one query).
pub async fn names(store: &dyn Store, ids: &[PersonId]) -> ApiResult<HashMap<PersonId, String>> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    Ok(store
        .people_by_ids(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}
