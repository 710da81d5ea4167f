//! The ownership map: who owns, co-owns, sponsors and contributes to what in a cycle, each
//! person's load against the organisation's overload threshold, and the pending requests (the
//! doctrine's "One owner" and "The pitfalls": overload is one of them).
//!
//! Why it reads the way it does: at 100,000 people the cycle holds half a million OKRs, so the
//! loads are read from the counts the hourly evaluator stores (`participation_counts`, with the
//! OKRs they leave out for the reader counted live from the reader's ties), or counted in SQL
//! before the cycle's first count (`Participation::owner_loads`), and shown a page of people at
//! a time, most owned first, then by name (walked from an index, so a page costs a page and its
//! ties however many people are involved); only the OKRs of the people on the page are
//! read, as rows with their progress rather than as whole views (a page of 50 busy owners holds
//! hundreds of OKRs, whose check-ins the map does not show), and only the most recent page of
//! pending requests. A constant number of queries whatever the size.

use super::lists::{cycles, pick_cycle};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::ownership;
use crate::services::visibility::Viewer;
use keel_domain::*;
use keel_store::{
    KeyResults, Objectives, Ownership, PageRequest, Participation, ParticipationQuery, People,
    Settings, Store,
};
use std::collections::{HashMap, HashSet};

/// People on one page of the map.
pub const PEOPLE_PER_PAGE: u32 = 50;
/// Objectives and key results listed in a person's row, of each; their page has the rest.
pub const OWNED_SHOWN: u32 = 10;
/// Pending requests shown (the most recent); the map says when there are more.
pub const REQUESTS_SHOWN: u32 = 100;

/// One OKR in the ownership map.
pub struct OwnedOkr {
    pub okr: OkrRef,
    pub objective_id: ObjectiveId,
    pub title: String,
    pub progress: f64,
    pub ownership_state: OwnershipState,
}

/// One person's load in a cycle.
pub struct OwnerLoad {
    pub load: keel_store::OwnerLoad,
    /// What they own, objectives first.
    pub owns: Vec<OwnedOkr>,
    /// Above the organisation's `owner_overload` threshold.
    pub overloaded: bool,
}

/// A pending ownership request, with names.
pub struct PendingRequest {
    pub request: OwnershipRequest,
    pub objective_id: ObjectiveId,
    pub title: String,
    pub proposed_owner: Option<Person>,
    pub proposed_by: Option<Person>,
}

pub struct OwnershipMap {
    pub cycles: Vec<Cycle>,
    pub cycle: Option<Cycle>,
    pub threshold: u32,
    /// One page of the people who own, co-own, sponsor or contribute to something in the
    /// cycle; most owned first, then by name.
    pub owners: Vec<OwnerLoad>,
    /// The page shown, from 1.
    pub page: u64,
    /// How many people are involved, and how many of them are overloaded (all pages).
    pub people: i64,
    pub overloaded: i64,
    /// The most recent pending requests about the cycle's OKRs that the caller may see,
    /// oldest first.
    pub pending: Vec<PendingRequest>,
    /// More requests wait than are shown.
    pub more_pending: bool,
    /// When the evaluator last counted the cycle's loads (`None`: counted now, on this
    /// request).
    pub counted_at: Option<Timestamp>,
}

/// The page number of the query string: a whole number from 1 (none: the first page).
pub fn parse_page(page: Option<&str>) -> ApiResult<u64> {
    match page.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(1),
        Some(p) => p
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(|| ApiError::invalid("page", "The page must be a whole number from 1.")),
    }
}

/// Who owns what in a cycle (page `page` of the people), overload against the health
/// threshold, and pending requests.
pub async fn ownership_map(
    store: &dyn Store,
    caller: &Caller,
    cycle_id: Option<&str>,
    page: u64,
) -> ApiResult<OwnershipMap> {
    let cycles = cycles(store).await?;
    let cycle = pick_cycle(&cycles, cycle_id, crate::services::today(store).await?)?;
    let threshold = store.settings().await?.health.owner_overload;
    let mut map = OwnershipMap {
        cycles,
        cycle: None,
        threshold,
        owners: vec![],
        page,
        people: 0,
        overloaded: 0,
        pending: vec![],
        more_pending: false,
        counted_at: None,
    };
    let Some(c) = cycle else {
        return Ok(map);
    };
    let query = ParticipationQuery {
        reader: keel_store::Reader::of(Viewer::of(&caller.person).audience()),
        cycle_id: c.id.clone(),
        team_id: None,
        led_by: None,
        gap: None,
        overload: threshold,
        counted_at: store.participation_counted_at(&c.id).await?,
    };
    map.counted_at = query.counted_at;
    let offset = (page - 1) * u64::from(PEOPLE_PER_PAGE);
    let loads = store.owner_loads(&query, offset, PEOPLE_PER_PAGE).await?;
    map.people = loads.people;
    map.overloaded = loads.overloaded;
    let ids: Vec<PersonId> = loads.rows.iter().map(|l| l.person_id.clone()).collect();
    let mut owned = owned_okrs(store, &query, &ids).await?;
    map.owners = loads
        .rows
        .into_iter()
        .map(|load| OwnerLoad {
            overloaded: load.owned_objectives + load.owned_key_results > i64::from(threshold),
            owns: owned.remove(&load.person_id).unwrap_or_default(),
            load,
        })
        .collect();
    (map.pending, map.more_pending) = pending_requests(store, caller, &c).await?;
    map.cycle = Some(c);
    Ok(map)
}

/// What each of `people` owns among the query's OKRs, objectives first (the first
/// `OWNED_SHOWN` of each): one query for which, then those objectives and key results by id,
/// with their progress as every page computes it (`objective_progress`). Only progress is shown,
/// so the OKRs are not read as whole views (their check-ins, statuses and names).
async fn owned_okrs(
    store: &dyn Store,
    query: &ParticipationQuery,
    people: &[PersonId],
) -> ApiResult<HashMap<PersonId, Vec<OwnedOkr>>> {
    let (objective_ids, key_result_ids) = store.okrs_owned_by(query, people, OWNED_SHOWN).await?;
    let objectives = if objective_ids.is_empty() {
        vec![]
    } else {
        store.objectives_by_ids(&objective_ids).await?
    };
    let key_results = if key_result_ids.is_empty() {
        vec![]
    } else {
        store.key_results_by_ids(&key_result_ids).await?
    };
    let progress = objective_progress(store, &objectives).await?;
    let on_page: HashSet<&PersonId> = people.iter().collect();
    let mut owned: HashMap<PersonId, Vec<OwnedOkr>> = HashMap::new();
    let mut objectives = objectives;
    objectives.sort_by(|a, b| a.id.cmp(&b.id));
    for o in objectives.iter().filter(|o| on_page.contains(&o.owner_id)) {
        owned.entry(o.owner_id.clone()).or_default().push(OwnedOkr {
            okr: OkrRef::Objective(o.id.clone()),
            objective_id: o.id.clone(),
            title: o.title.clone(),
            progress: progress.get(&o.id).copied().unwrap_or_default(),
            ownership_state: o.ownership_state,
        });
    }
    let mut key_results = key_results;
    key_results.sort_by(|a, b| a.id.cmp(&b.id));
    for k in key_results.iter().filter(|k| on_page.contains(&k.owner_id)) {
        owned.entry(k.owner_id.clone()).or_default().push(OwnedOkr {
            okr: OkrRef::KeyResult(k.id.clone()),
            objective_id: k.objective_id.clone(),
            title: k.title.clone(),
            progress: k.progress().progress,
            ownership_state: k.ownership_state,
        });
    }
    Ok(owned)
}

/// Each objective's progress now, by the rule every view of an objective uses
/// (`views::standing`): its key results' progress, weighted, with the children it rolls up.
/// Reads the objectives' key results but none of their check-ins: one query, five more when a
/// roll-up applies.
async fn objective_progress(
    store: &dyn Store,
    objectives: &[Objective],
) -> ApiResult<HashMap<ObjectiveId, f64>> {
    if objectives.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
    let key_results = store.key_results_of(&ids).await?;
    let mut children = crate::services::rollup::children(store, objectives, &key_results).await?;
    let mut weighted: HashMap<&ObjectiveId, Vec<(f64, f64)>> = HashMap::new();
    for k in &key_results {
        weighted
            .entry(&k.objective_id)
            .or_default()
            .push((k.weight, k.progress().progress));
    }
    Ok(objectives
        .iter()
        .map(|o| {
            let progress = keel_domain::progress::rolled_up(
                weighted.remove(&o.id).unwrap_or_default(),
                children.remove(&o.id).unwrap_or_default(),
            );
            (o.id.clone(), progress)
        })
        .collect())
}

/// The most recent pending requests about the cycle's OKRs that `caller` may see (one page),
/// oldest first, with their OKRs' titles and people's names; and whether more wait.
async fn pending_requests(
    store: &dyn Store,
    caller: &Caller,
    cycle: &Cycle,
) -> ApiResult<(Vec<PendingRequest>, bool)> {
    let filter = keel_store::OwnershipRequestFilter {
        cycle_id: Some(cycle.id.clone()),
        ..ownership::requests_filter(caller, Some(RequestState::Pending))
    };
    let page = store
        .list_ownership_requests(
            &filter,
            &PageRequest {
                limit: REQUESTS_SHOWN,
                cursor: None,
            },
        )
        .await?;
    let requests = page.items;
    let (mut objective_ids, mut kr_ids, mut person_ids) = (vec![], vec![], HashSet::new());
    for r in &requests {
        match &r.okr {
            OkrRef::Objective(o) => objective_ids.push(o.clone()),
            OkrRef::KeyResult(k) => kr_ids.push(k.clone()),
        }
        person_ids.insert(r.proposed_owner_id.clone());
        person_ids.extend(r.proposed_by.iter().cloned());
    }
    let mut titles: HashMap<String, (ObjectiveId, String)> = HashMap::new();
    if !objective_ids.is_empty() {
        for o in store.objectives_by_ids(&objective_ids).await? {
            titles.insert(o.id.to_string(), (o.id.clone(), o.title));
        }
    }
    if !kr_ids.is_empty() {
        for k in store.key_results_by_ids(&kr_ids).await? {
            titles.insert(k.id.to_string(), (k.objective_id, k.title));
        }
    }
    let people: HashMap<PersonId, Person> = store
        .people_by_ids(&person_ids.into_iter().collect::<Vec<_>>())
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut pending: Vec<PendingRequest> = requests
        .into_iter()
        .filter_map(|r| {
            let (objective_id, title) = titles.get(r.okr.id())?.clone();
            Some(PendingRequest {
                objective_id,
                title,
                proposed_owner: people.get(&r.proposed_owner_id).cloned(),
                proposed_by: r.proposed_by.as_ref().and_then(|p| people.get(p)).cloned(),
                request: r,
            })
        })
        .collect();
    pending.sort_by_key(|p| p.request.created_at);
    Ok((pending, page.next_cursor.is_some()))
}
