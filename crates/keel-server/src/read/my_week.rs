//! My week: the caller's objectives and key results (owned, co-owned, sponsored, contributed
//! to, and every key result of an objective they own), which check-ins are due, and the
//! ownership requests waiting for their answer (the doctrine's "The weekly rhythm"). Also what
//! the CFR forms offer to link to: the same OKRs.

use super::views::{self, KeyResultView, ObjectiveView, PersonSummary};
use crate::access;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::guards;
use keel_domain::*;
use keel_store::{
    Cycles, KeyResults, Objectives, Ownership, OwnershipRequestFilter, People, Settings, Store,
};
use std::collections::{HashMap, HashSet};

/// How a person is involved in an OKR, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Involvement {
    Owner,
    CoOwner,
    Sponsor,
    Contributor,
    /// Owns the objective the key result belongs to.
    ObjectiveOwner,
}

impl Involvement {
    /// The caller answers for it: its owner or co-owner. Everything else they contribute to.
    pub fn owns(self) -> bool {
        matches!(self, Involvement::Owner | Involvement::CoOwner)
    }

    pub fn word(self) -> &'static str {
        match self {
            Involvement::Owner => "owner",
            Involvement::CoOwner => "co-owner",
            Involvement::Sponsor => "sponsor",
            Involvement::Contributor => "contributor",
            Involvement::ObjectiveOwner => "objective owner",
        }
    }
}

fn involvement(
    me: &PersonId,
    owner: &PersonId,
    co_owners: &[PersonId],
    sponsor: Option<&PersonId>,
) -> Involvement {
    if owner == me {
        Involvement::Owner
    } else if co_owners.contains(me) {
        Involvement::CoOwner
    } else if sponsor == Some(me) {
        Involvement::Sponsor
    } else {
        Involvement::Contributor
    }
}

/// A key result on My week.
#[derive(Debug, Clone)]
pub struct MyKeyResult {
    pub key_result: KeyResultView,
    pub objective_title: String,
    pub involvement: Involvement,
    /// The caller may check in on it now (permitted, and neither it nor its cycle is closed).
    pub can_check_in: bool,
    /// Its check-in is due by the rhythm's own rule (`views::KeyResultView::check_in_due`: the
    /// team's or organisation's cadence and check-in day), and the caller owns it: only the
    /// owner's check-in ends its silence, so nobody else is asked for one.
    pub due: bool,
}

/// An ownership request waiting for the caller's answer.
#[derive(Debug, Clone)]
pub struct WaitingRequest {
    pub request: OwnershipRequest,
    /// The objective or key result's title.
    pub title: String,
    /// The objective to link to (the key result's, for a key result).
    pub objective_id: ObjectiveId,
    pub proposed_by: Option<PersonSummary>,
}

/// Everything on My week.
#[derive(Debug, Clone)]
pub struct MyWeek {
    /// Objectives the caller owns, co-owns, sponsors or contributes to.
    pub objectives: Vec<(ObjectiveView, Involvement)>,
    /// Key results the caller is involved in, and those of the objectives they own.
    pub key_results: Vec<MyKeyResult>,
    pub requests: Vec<WaitingRequest>,
    /// Dependencies asked of the caller's key results, waiting for their answer.
    pub dependencies: Vec<super::dependencies::WaitingDependency>,
    pub confidence_scale: ConfidenceScale,
}

/// The caller's OKRs with the objectives and cycles around them: six queries.
struct Mine {
    involved: keel_store::Involvement,
    objectives: HashMap<ObjectiveId, Objective>,
    key_results: Vec<KeyResult>,
    cycles: HashMap<CycleId, Cycle>,
}

async fn mine(store: &dyn Store, caller: &Caller) -> ApiResult<Mine> {
    let me = &caller.person.id;
    let involved = store.okrs_involving(me).await?;
    let mut ids: Vec<ObjectiveId> = involved.objectives.iter().map(|o| o.id.clone()).collect();
    for k in &involved.key_results {
        if !ids.contains(&k.objective_id) {
            ids.push(k.objective_id.clone());
        }
    }
    let objectives: HashMap<ObjectiveId, Objective> = store
        .objectives_by_ids(&ids)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    // My key results, and every key result of an objective I own (I may check in on those).
    let owned: Vec<ObjectiveId> = objectives
        .values()
        .filter(|o| &o.owner_id == me)
        .map(|o| o.id.clone())
        .collect();
    let mut key_results = involved.key_results.clone();
    if !owned.is_empty() {
        for k in store.key_results_of(&owned).await? {
            if !key_results.iter().any(|m| m.id == k.id) {
                key_results.push(k);
            }
        }
    }
    let mut cycle_ids: Vec<CycleId> = objectives.values().map(|o| o.cycle_id.clone()).collect();
    cycle_ids.sort();
    cycle_ids.dedup();
    let cycles = store
        .cycles_by_ids(&cycle_ids)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    Ok(Mine {
        involved,
        objectives,
        key_results,
        cycles,
    })
}

impl Mine {
    /// The objective or its cycle is closed: no check-in (`guards::unlocked`, the API's rule).
    fn locked(&self, o: &Objective) -> bool {
        guards::unlocked(o, self.cycles.get(&o.cycle_id)).is_err()
    }
}

/// My week for the caller.
pub async fn my_week(store: &dyn Store, caller: &Caller) -> ApiResult<MyWeek> {
    let me = &caller.person.id;
    let mine = mine(store, caller).await?;
    let settings = store.settings().await?;
    // Views of every objective on the page (with their key results and names): four queries.
    let mut all: Vec<Objective> = mine.objectives.values().cloned().collect();
    all.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
    let views = views::objectives(store, all).await?;
    let by_id: HashMap<ObjectiveId, &ObjectiveView> =
        views.iter().map(|v| (v.id.clone(), v)).collect();
    let objectives = mine
        .involved
        .objectives
        .iter()
        // Only open work: a closed objective or cycle asks nothing of anyone this week.
        .filter(|o| !mine.locked(o))
        .filter_map(|o| by_id.get(&o.id).map(|v| ((*v).clone(), o)))
        .map(|(v, o)| {
            let inv = involvement(me, &o.owner_id, &o.co_owner_ids, o.sponsor_id.as_ref());
            (v, inv)
        })
        .collect();
    let mut key_results = Vec::new();
    let actor = access::Actor::load(store, &caller.person).await?;
    for k in &mine.key_results {
        let Some(o) = mine.objectives.get(&k.objective_id) else {
            continue;
        };
        if mine.locked(o) {
            continue;
        }
        let Some(view) = by_id
            .get(&o.id)
            .and_then(|v| v.key_results.iter().find(|kv| kv.id == k.id))
        else {
            continue;
        };
        let inv = if mine.involved.key_results.iter().any(|m| m.id == k.id) {
            involvement(me, &k.owner_id, &k.co_owner_ids, k.sponsor_id.as_ref())
        } else {
            Involvement::ObjectiveOwner
        };
        let can_check_in = access::check_in(&actor, k, o).is_ok() && !mine.locked(o);
        key_results.push(MyKeyResult {
            key_result: view.clone(),
            objective_title: o.title.clone(),
            involvement: inv,
            due: can_check_in && inv.owns() && view.check_in_due,
            can_check_in,
        });
    }
    // Requests waiting for me: the OKRs are mine (I am their proposed owner), so their titles
    // are already loaded; one query for the requests and one for the proposers' names.
    let filter = &OwnershipRequestFilter {
        state: Some(RequestState::Pending),
        proposed_owner_id: Some(me.clone()),
        // Requests proposing the reader: they may see the OKRs they are asked to own.
        ..OwnershipRequestFilter::new(keel_store::Reader::Everyone)
    };
    // All of them, page by page (one query unless there are more than a page).
    let requests =
        keel_store::every_page(
            |page| async move { store.list_ownership_requests(filter, &page).await },
        )
        .await?;
    let proposers: Vec<PersonId> = requests
        .iter()
        .filter_map(|r| r.proposed_by.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let names: HashMap<PersonId, PersonSummary> = store
        .people_by_ids(&proposers)
        .await?
        .iter()
        .map(|p| (p.id.clone(), PersonSummary::from(p)))
        .collect();
    let requests = requests
        .into_iter()
        .filter_map(|r| {
            let (title, objective_id) = match &r.okr {
                OkrRef::Objective(id) => (mine.objectives.get(id)?.title.clone(), id.clone()),
                OkrRef::KeyResult(id) => {
                    let k = mine.key_results.iter().find(|k| &k.id == id)?;
                    (k.title.clone(), k.objective_id.clone())
                }
            };
            Some(WaitingRequest {
                proposed_by: r.proposed_by.as_ref().and_then(|p| names.get(p).cloned()),
                request: r,
                title,
                objective_id,
            })
        })
        .collect();
    // Dependencies asked of key results I own (open ones), waiting for my answer.
    let owned: Vec<KeyResult> = mine
        .key_results
        .iter()
        .filter(|k| &k.owner_id == me)
        .filter(|k| {
            mine.objectives
                .get(&k.objective_id)
                .is_some_and(|o| !mine.locked(o))
        })
        .cloned()
        .collect();
    let viewer = crate::services::visibility::Viewer::of(&caller.person);
    let dependencies = super::dependencies::waiting_for(store, &viewer, &owned).await?;
    Ok(MyWeek {
        objectives,
        key_results,
        requests,
        dependencies,
        confidence_scale: settings.confidence_scale,
    })
}
