//! The ownership map: who owns, co-owns, sponsors and contributes to what in a cycle, each
//! person's load against the organisation's overload threshold, and the pending requests (the
//! doctrine's "One owner" and "The pitfalls": overload is one of them).

use super::lists::{all_objectives, cycles, first_page, pick_cycle};
use super::views;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::ownership;
use crate::services::visibility::Viewer;
use keel_domain::*;
use keel_store::{ObjectiveFilter, People, Settings, Store};
use std::collections::{HashMap, HashSet};

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
    pub person: Person,
    pub owns: Vec<OwnedOkr>,
    pub co_owns: usize,
    pub sponsors: usize,
    pub contributes: usize,
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
    /// Everyone who owns, co-owns, sponsors or contributes to something in the cycle; most
    /// owned first.
    pub owners: Vec<OwnerLoad>,
    /// Pending requests about the cycle's OKRs that the caller may see, oldest first.
    pub pending: Vec<PendingRequest>,
}

/// Who owns what in a cycle, overload against the health threshold, and pending requests.
pub async fn ownership_map(
    store: &dyn Store,
    caller: &Caller,
    cycle_id: Option<&str>,
) -> ApiResult<OwnershipMap> {
    let cycles = cycles(store).await?;
    let cycle = pick_cycle(&cycles, cycle_id, crate::services::today(store).await?)?;
    let threshold = store.settings().await?.health.owner_overload;
    let Some(c) = &cycle else {
        return Ok(OwnershipMap {
            cycles,
            cycle,
            threshold,
            owners: vec![],
            pending: vec![],
        });
    };
    let objectives = views::objectives(
        store,
        all_objectives(
            store,
            &ObjectiveFilter {
                cycle_id: Some(c.id.clone()),
                ..ObjectiveFilter::new(keel_store::Reader::of(
                    Viewer::of(&caller.person).audience(),
                ))
            },
        )
        .await?,
    )
    .await?;
    #[derive(Default)]
    struct Load {
        owns: Vec<OwnedOkr>,
        co_owns: usize,
        sponsors: usize,
        contributes: usize,
    }
    let mut loads: HashMap<PersonId, Load> = HashMap::new();
    let mut titles: HashMap<String, (ObjectiveId, String)> = HashMap::new();
    // One OKR's circle counted into the loads: its owner owns it; co-owners, sponsor and
    // contributors each add one to their count.
    let mut count = |owned: OwnedOkr,
                     owner: &PersonId,
                     co_owners: &[PersonId],
                     sponsor: &Option<PersonId>,
                     contributors: &[PersonId]| {
        loads.entry(owner.clone()).or_default().owns.push(owned);
        for p in co_owners {
            loads.entry(p.clone()).or_default().co_owns += 1;
        }
        if let Some(p) = sponsor {
            loads.entry(p.clone()).or_default().sponsors += 1;
        }
        for p in contributors {
            loads.entry(p.clone()).or_default().contributes += 1;
        }
    };
    for o in &objectives {
        titles.insert(o.id.to_string(), (o.id.clone(), o.title.clone()));
        count(
            OwnedOkr {
                okr: OkrRef::Objective(o.id.clone()),
                objective_id: o.id.clone(),
                title: o.title.clone(),
                progress: o.progress,
                ownership_state: o.ownership_state,
            },
            &o.owner_id,
            &o.co_owner_ids,
            &o.sponsor_id,
            &o.contributor_ids,
        );
        for k in &o.key_results {
            titles.insert(k.id.to_string(), (o.id.clone(), k.title.clone()));
            count(
                OwnedOkr {
                    okr: OkrRef::KeyResult(k.id.clone()),
                    objective_id: o.id.clone(),
                    title: k.title.clone(),
                    progress: k.progress,
                    ownership_state: k.ownership_state,
                },
                &k.owner_id,
                &k.co_owner_ids,
                &k.sponsor_id,
                &k.contributor_ids,
            );
        }
    }
    let requests = pending_requests(store, caller).await?;
    let requests: Vec<OwnershipRequest> = requests
        .into_iter()
        .filter(|r| titles.contains_key(r.okr.id()))
        .collect();
    let mut ids: HashSet<PersonId> = loads.keys().cloned().collect();
    for r in &requests {
        ids.insert(r.proposed_owner_id.clone());
        ids.extend(r.proposed_by.iter().cloned());
    }
    let people: HashMap<PersonId, Person> = store
        .people_by_ids(&ids.into_iter().collect::<Vec<_>>())
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut owners: Vec<OwnerLoad> = loads
        .into_iter()
        .filter_map(|(id, l)| {
            let person = people.get(&id)?.clone();
            Some(OwnerLoad {
                overloaded: l.owns.len() > threshold as usize,
                person,
                owns: l.owns,
                co_owns: l.co_owns,
                sponsors: l.sponsors,
                contributes: l.contributes,
            })
        })
        .collect();
    owners.sort_by(|a, b| {
        b.owns
            .len()
            .cmp(&a.owns.len())
            .then(a.person.name.cmp(&b.person.name))
    });
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
    Ok(OwnershipMap {
        cycles,
        cycle,
        threshold,
        owners,
        pending,
    })
}

/// Every pending ownership request `caller` may see, page by page: none left out.
async fn pending_requests(store: &dyn Store, caller: &Caller) -> ApiResult<Vec<OwnershipRequest>> {
    let mut requests = Vec::new();
    let mut page = first_page();
    loop {
        let p = ownership::list_requests(store, caller, Some(RequestState::Pending), &page).await?;
        requests.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => return Ok(requests),
        }
    }
}
