//! The objective page: the objective as the API shows it (`views::objective`), its cycle,
//! check-in history, initiatives, parents and children the reader may see, ownership history,
//! latest changes, recognition, and what the reader may do there (asked of `access`). Read as
//! of a past day, the objective and its key results are as they stood then (status, progress,
//! the check-ins recorded by then) and the reader may do nothing there.

use super::views::{self, ObjectiveView, PersonSummary};
use crate::access;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::guards::{self, get_objective};
use crate::services::visibility::Viewer;
use keel_domain::*;
use keel_store::{
    Cfrs, CheckIns, Cycles, Initiatives, KeyResults, Objectives, Ownership, PageRequest, People,
    Store,
};
use std::collections::{HashMap, HashSet};

/// A parent of an objective, named.
#[derive(Debug, Clone)]
pub struct ParentLink {
    /// The objective to link to (a key result's objective for a key result).
    pub objective_id: ObjectiveId,
    pub title: String,
    /// `objective` or `key result`.
    pub kind: &'static str,
}

/// What the caller may do on an objective page.
#[derive(Debug, Clone, Default)]
pub struct Abilities {
    pub edit_objective: bool,
    /// Per key result id.
    pub edit_key_result: HashSet<KeyResultId>,
    pub check_in: HashSet<KeyResultId>,
    pub manage_initiatives: HashSet<KeyResultId>,
    /// May override the objective's derived status (its owner or an administrator).
    pub override_status: bool,
    /// May open the close-out page: score a key result or write the retrospective.
    pub close_out: bool,
    /// The objective or its cycle is closed: nothing changes.
    pub locked: bool,
    /// May recognise someone's check-in (everyone but viewers: `access::give_feedback`).
    pub recognise: bool,
    /// The page is read as of a past day: nothing is offered, not even to answer a request.
    pub reading_past: bool,
}

/// Everything on an objective page.
#[derive(Debug, Clone)]
pub struct ObjectivePage {
    pub objective: ObjectiveView,
    pub cycle: Option<Cycle>,
    /// Per key result, oldest first.
    pub check_ins: HashMap<KeyResultId, Vec<CheckIn>>,
    /// Per key result, oldest first.
    pub initiatives: HashMap<KeyResultId, Vec<Initiative>>,
    pub parents: Vec<ParentLink>,
    pub children: Vec<Objective>,
    /// Every ownership request on the objective and its key results, oldest first.
    pub ownership_history: Vec<OwnershipRequest>,
    /// The latest changes to the objective and everything under it (the audit log, as
    /// `GET /objectives/{id}/history` shows it), newest first.
    pub changes: Vec<keel_domain::audit::AuditEvent>,
    /// Names of everyone the page mentions beyond the views (initiative owners, authors,
    /// proposers).
    pub people: HashMap<PersonId, PersonSummary>,
    pub can: Abilities,
    /// The key results as stored (for replaying the check-in history).
    pub key_results: Vec<KeyResult>,
    /// Recognition on the objective and its key results (their check-ins included), newest
    /// first.
    pub recognitions: Vec<keel_domain::cfr::Recognition>,
}

/// How many of the latest changes the objective page lists (the API pages through the rest).
pub const HISTORY_LIMIT: u32 = 50;

/// The objective page: the objective as the API shows it, its cycle, check-in history,
/// initiatives, parents, children and ownership history, in a constant number of queries (one
/// more per parent key result, of which an objective has at most a few).
///
/// With `as_of`, as it stood then: the view and check-ins up to that moment, and no abilities.
pub async fn objective_page(
    store: &dyn Store,
    caller: &Caller,
    id: &ObjectiveId,
    as_of: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<ObjectivePage> {
    let viewer = Viewer::of(&caller.person);
    let o = get_objective(store, &viewer, id).await?;
    let view = views::objective_as_of(store, o.clone(), as_of).await?;
    let cycle = store.cycle(&o.cycle_id).await?;
    let kr_ids: Vec<KeyResultId> = view.key_results.iter().map(|k| k.id.clone()).collect();
    let mut check_ins: HashMap<KeyResultId, Vec<CheckIn>> = HashMap::new();
    for c in store.check_ins_of(&kr_ids).await? {
        if as_of.is_some_and(|at| c.at > at) {
            continue;
        }
        check_ins
            .entry(c.key_result_id.clone())
            .or_default()
            .push(c);
    }
    let mut initiatives: HashMap<KeyResultId, Vec<Initiative>> = HashMap::new();
    for i in store.initiatives_of(&kr_ids).await? {
        initiatives
            .entry(i.key_result_id.clone())
            .or_default()
            .push(i);
    }
    let parents = parents(store, &viewer, &o).await?;
    // Children: objectives aligned to this objective or to any of its key results.
    let children = viewer
        .retain(store, store.children_of_objective(&o.id).await?, |c| &c.id)
        .await?;
    let ownership_history = store.ownership_requests_of_objective(&o.id).await?;
    let changes = super::audit_log::objective_changes(
        store,
        &o,
        &PageRequest {
            limit: HISTORY_LIMIT,
            cursor: None,
        },
    )
    .await?
    .items;
    let okr_ids: Vec<String> = std::iter::once(o.id.to_string())
        .chain(kr_ids.iter().map(|k| k.to_string()))
        .collect();
    let recognitions = keel_store::every_page(|page| {
        let okr_ids = &okr_ids;
        async move { store.recognitions_on_okrs(okr_ids, &page).await }
    })
    .await?;
    let people = named(
        store,
        &changes,
        &recognitions,
        &ownership_history,
        &initiatives,
        &check_ins,
    )
    .await?;
    let locked = guards::unlocked(&o, cycle.as_ref()).is_err();
    let krs = store.key_results_of(std::slice::from_ref(&o.id)).await?;
    let can = match as_of {
        Some(_) => Abilities {
            locked: true,
            reading_past: true,
            ..Default::default()
        },
        None => abilities(store, caller, &o, &krs, locked).await?,
    };
    Ok(ObjectivePage {
        objective: view,
        cycle,
        check_ins,
        initiatives,
        parents,
        children,
        ownership_history,
        changes,
        people,
        can,
        key_results: krs,
        recognitions,
    })
}

/// The objective's parents the reader may see, named (one query, and one per parent key
/// result).
async fn parents(store: &dyn Store, viewer: &Viewer, o: &Objective) -> ApiResult<Vec<ParentLink>> {
    let parent_objective_ids: Vec<ObjectiveId> = o
        .parents
        .iter()
        .filter_map(|p| match p {
            ParentRef::Objective(id) => Some(id.clone()),
            ParentRef::KeyResult(_) => None,
        })
        .collect();
    let parent_objectives: HashMap<ObjectiveId, Objective> = viewer
        .retain(
            store,
            store.objectives_by_ids(&parent_objective_ids).await?,
            |p| &p.id,
        )
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut parents = Vec::new();
    for p in &o.parents {
        match p {
            ParentRef::Objective(pid) => {
                if let Some(po) = parent_objectives.get(pid) {
                    parents.push(ParentLink {
                        objective_id: po.id.clone(),
                        title: po.title.clone(),
                        kind: "objective",
                    });
                }
            }
            ParentRef::KeyResult(kid) => {
                let visible = match store.key_result(kid).await? {
                    Some(k)
                        if viewer
                            .visible(store, std::slice::from_ref(&k.objective_id))
                            .await?
                            .contains(&k.objective_id) =>
                    {
                        Some(k)
                    }
                    _ => None,
                };
                if let Some(k) = visible {
                    parents.push(ParentLink {
                        objective_id: k.objective_id.clone(),
                        title: k.title.clone(),
                        kind: "key result",
                    });
                }
            }
        }
    }
    Ok(parents)
}

/// Names of everyone the page mentions beyond the views: authors, recognisers, proposers,
/// initiative owners (one query).
async fn named(
    store: &dyn Store,
    changes: &[keel_domain::audit::AuditEvent],
    recognitions: &[keel_domain::cfr::Recognition],
    ownership_history: &[OwnershipRequest],
    initiatives: &HashMap<KeyResultId, Vec<Initiative>>,
    check_ins: &HashMap<KeyResultId, Vec<CheckIn>>,
) -> ApiResult<HashMap<PersonId, PersonSummary>> {
    let mut wanted: HashSet<PersonId> = HashSet::new();
    wanted.extend(changes.iter().filter_map(|e| e.actor_id.clone()));
    for r in recognitions {
        wanted.insert(r.from_id.clone());
        wanted.insert(r.to_id.clone());
    }
    for r in ownership_history {
        wanted.insert(r.proposed_owner_id.clone());
        wanted.extend(r.proposed_by.iter().cloned());
        wanted.extend(r.previous_owner_id.iter().cloned());
    }
    for list in initiatives.values() {
        wanted.extend(list.iter().map(|i| i.owner_id.clone()));
    }
    for list in check_ins.values() {
        wanted.extend(list.iter().filter_map(|c| c.author_id.clone()));
    }
    let wanted: Vec<PersonId> = wanted.into_iter().collect();
    Ok(store
        .people_by_ids(&wanted)
        .await?
        .iter()
        .map(|p| (p.id.clone(), PersonSummary::from(p)))
        .collect())
}

/// What the caller may do on the page, asked of `access` (the API's rules).
async fn abilities(
    store: &dyn Store,
    caller: &Caller,
    o: &Objective,
    krs: &[KeyResult],
    locked: bool,
) -> ApiResult<Abilities> {
    let actor = access::Actor::load(store, &caller.person).await?;
    let mut can = Abilities {
        edit_objective: access::edit_objective(&actor, o).is_ok(),
        override_status: access::override_status(&actor, o).is_ok(),
        close_out: access::write_retrospective(&actor, o).is_ok()
            || krs
                .iter()
                .any(|k| access::score_key_result(&actor, k, o).is_ok()),
        locked,
        recognise: access::give_feedback(&caller.person).is_ok(),
        ..Default::default()
    };
    for k in krs {
        if access::edit_key_result(&actor, k, o).is_ok() {
            can.edit_key_result.insert(k.id.clone());
        }
        if access::check_in(&actor, k, o).is_ok() {
            can.check_in.insert(k.id.clone());
        }
        if access::manage_initiatives(&actor, k, o).is_ok() {
            can.manage_initiatives.insert(k.id.clone());
        }
    }
    Ok(can)
}
