//! The checks several use cases share, written once: an objective or key result the caller may
//! see (404 otherwise, so a hidden OKR is indistinguishable from a missing one), an OKR id that
//! may name either, the lock of a closed objective or cycle, and the active people and teams an
//! OKR names (the doctrine's "One owner": a team is never an owner).
//!
//! Why a module of its own: every use case in `services` and every read model in `crate::read`
//! asks these same questions; keeping them apart from any one use case keeps the imports going
//! one way (read → services → domain and store).

use super::visibility::Viewer;
use crate::error::{ApiError, ApiResult};
use keel_domain::*;
use keel_store::{Cycles, Initiatives, KeyResults, Objectives, People, Store, Teams};
use std::collections::HashMap;

/// The objective, or 404 when it does not exist or `viewer` may not see it.
pub async fn get_objective(
    store: &dyn Store,
    viewer: &Viewer,
    id: &ObjectiveId,
) -> ApiResult<Objective> {
    viewer.objective(store, id).await
}

/// A key result and its objective, or 404 when it does not exist or `viewer` may not see it.
pub async fn get_key_result(
    store: &dyn Store,
    viewer: &Viewer,
    id: &KeyResultId,
) -> ApiResult<(KeyResult, Objective)> {
    viewer.key_result(store, id).await
}

/// One initiative (404 when unknown).
pub async fn initiative(store: &dyn Store, id: &InitiativeId) -> ApiResult<Initiative> {
    store
        .initiative(id)
        .await?
        .ok_or(ApiError::NotFound("initiative"))
}

/// An OKR id (in `field`) must name an objective or a key result `viewer` may see; one they may
/// not see is refused like one that does not exist (422 naming the field). Returns what it
/// names and the objective it belongs to.
pub async fn resolve_okr(
    store: &dyn Store,
    viewer: &Viewer,
    field: &str,
    id: &str,
) -> ApiResult<(OkrRef, ObjectiveId)> {
    match viewer.objective(store, &ObjectiveId::from_string(id)).await {
        Ok(o) => return Ok((OkrRef::Objective(o.id.clone()), o.id)),
        Err(ApiError::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    match viewer
        .key_result(store, &KeyResultId::from_string(id))
        .await
    {
        Ok((k, _)) => Ok((OkrRef::KeyResult(k.id), k.objective_id)),
        Err(ApiError::NotFound(_)) => Err(ApiError::invalid(
            field,
            format!("'{id}' is neither an objective nor a key result"),
        )),
        Err(e) => Err(e),
    }
}

/// Many OKR ids (objectives' or key results') at once, each with its title and the objective it
/// belongs to: two queries for any number of ids. Ids that name nothing are absent. No
/// visibility check: call it with ids already known visible, or only to map ids to objectives.
pub async fn okrs_by_ids(
    store: &dyn Store,
    ids: &[String],
) -> ApiResult<HashMap<String, (String, ObjectiveId)>> {
    let mut ids: Vec<String> = ids.to_vec();
    ids.sort();
    ids.dedup();
    let mut out: HashMap<String, (String, ObjectiveId)> = store
        .objectives_by_ids(
            &ids.iter()
                .cloned()
                .map(ObjectiveId::from_string)
                .collect::<Vec<_>>(),
        )
        .await?
        .into_iter()
        .map(|o| (o.id.to_string(), (o.title, o.id)))
        .collect();
    let rest: Vec<KeyResultId> = ids
        .iter()
        .filter(|i| !out.contains_key(*i))
        .cloned()
        .map(KeyResultId::from_string)
        .collect();
    if !rest.is_empty() {
        for k in store.key_results_by_ids(&rest).await? {
            out.insert(k.id.to_string(), (k.title, k.objective_id));
        }
    }
    Ok(out)
}

/// 409 when the objective is closed or its cycle is (`cycle`: the objective's, when known).
/// The one rule for "nothing changes any more", used by every write and by the pages deciding
/// whether to offer a form.
pub fn unlocked(o: &Objective, cycle: Option<&Cycle>) -> ApiResult<()> {
    open_cycle_of(cycle)?;
    if o.state == ObjectiveState::Closed {
        return Err(ApiError::Conflict {
            field: None,
            message: "this OKR is closed: it can no longer be changed (re-open it first)".into(),
        });
    }
    Ok(())
}

fn open_cycle_of(cycle: Option<&Cycle>) -> ApiResult<()> {
    if cycle.is_some_and(|c| c.state == CycleState::Closed) {
        return Err(ApiError::Conflict {
            field: None,
            message: "this OKR's cycle is closed: its OKRs can no longer be changed".into(),
        });
    }
    Ok(())
}

/// 409 when the objective or its cycle is closed; returns the cycle, which some callers go on
/// to use.
pub async fn require_unlocked(store: &dyn Store, o: &Objective) -> ApiResult<Option<Cycle>> {
    let cycle = store.cycle(&o.cycle_id).await?;
    unlocked(o, cycle.as_ref())?;
    Ok(cycle)
}

/// 409 when the objective's cycle is closed: nothing in it changes, re-opening included.
/// Returns the cycle, which some callers go on to use.
pub async fn require_open_cycle(store: &dyn Store, o: &Objective) -> ApiResult<Option<Cycle>> {
    let cycle = store.cycle(&o.cycle_id).await?;
    open_cycle_of(cycle.as_ref())?;
    Ok(cycle)
}

/// An owner, sponsor or contributor must be an active person. A team id gets an explanation:
/// a team is never an owner (the doctrine's "One owner").
pub async fn require_active_person(
    store: &dyn Store,
    field: &str,
    id: &PersonId,
) -> ApiResult<Person> {
    match store.person(id).await? {
        Some(p) if p.active => Ok(p),
        Some(p) => Err(ApiError::invalid(
            field,
            format!("{} is deactivated; name an active person", p.name),
        )),
        None => Err(not_a_person(store, field, id.as_str()).await),
    }
}

async fn not_a_person(store: &dyn Store, field: &str, id: &str) -> ApiError {
    let team = store.team(&TeamId::from_string(id)).await.ok().flatten();
    match team {
        Some(t) => ApiError::invalid(
            field,
            format!(
                "'{}' is a team, not a person: an OKR is owned by one named individual, never a team. \
                 Share the OKR with the team through team_ids and name the person accountable for it",
                t.name
            ),
        ),
        None => ApiError::invalid(field, format!("no person has the id '{id}'")),
    }
}

/// Every id must name an active person; returns them in order.
pub async fn require_active_people(
    store: &dyn Store,
    field: &str,
    ids: &[PersonId],
) -> ApiResult<Vec<Person>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let found: HashMap<PersonId, Person> = store
        .people_by_ids(ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match found.get(id) {
            Some(p) if p.active => out.push(p.clone()),
            Some(p) => {
                return Err(ApiError::invalid(
                    field,
                    format!("{} is deactivated; name active people", p.name),
                ));
            }
            None => return Err(not_a_person(store, field, id.as_str()).await),
        }
    }
    Ok(out)
}

pub async fn require_teams(store: &dyn Store, field: &str, ids: &[TeamId]) -> ApiResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = store.teams_by_ids(ids).await?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|t| &t.id == *id)) {
        return Err(ApiError::invalid(
            field,
            format!("no team has the id '{missing}'"),
        ));
    }
    Ok(())
}
