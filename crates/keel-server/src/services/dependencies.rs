//! Key-result dependencies, negotiated: whoever may edit a key result asks that it depend on
//! another (one they may see); the other key result's owner accepts or declines with a reason.
//! Why here: the checks that a store write cannot make (who may ask, who may answer, what the
//! asker may see, loops through the whole graph) are made once for the API and the pages.

use super::okrs::authorize_edit_key_result;
use super::visibility::Viewer;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use keel_domain::dependency::{self, Dependency};
use keel_domain::*;
use keel_store::{Dependencies, DependencyAnswer, Store};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// How many levels the loop walk follows at most (far deeper than any real chain).
const MAX_LEVELS: usize = 64;

/// Asking that a key result depend on another.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeDependency {
    /// The id of the key result this one depends on (another team's, usually).
    #[serde(default)]
    pub depends_on: String,
    /// What is needed from it, for its owner to read.
    #[serde(default)]
    pub note: String,
}

/// Declining a dependency asked of you.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineDependency {
    /// Why, for the person who asked.
    #[serde(default)]
    pub reason: String,
}

/// Asks that key result `id` depend on `input.depends_on`, for whoever may edit it: 422 naming
/// `depends_on` for an unknown or invisible key result, itself, or a loop; 409 for a second
/// dependency on the same key result. Its owner is asked (notified).
pub async fn propose(
    store: &dyn Store,
    caller: &Caller,
    id: &KeyResultId,
    input: ProposeDependency,
) -> ApiResult<Dependency> {
    let (kr, _) = authorize_edit_key_result(store, caller, id).await?;
    let other = input.depends_on.trim();
    if other.is_empty() {
        return Err(ApiError::invalid(
            "depends_on",
            "choose the key result this one depends on",
        ));
    }
    let other = KeyResultId::from_string(other.to_string());
    let viewer = Viewer::of(&caller.person);
    match viewer.key_result(store, &other).await {
        Ok(_) => {}
        Err(ApiError::NotFound(_)) => {
            return Err(ApiError::invalid(
                "depends_on",
                "no key result you may see has this id",
            ))
        }
        Err(e) => return Err(e),
    }
    let d = dependency::propose(kr.id, other, &input.note, caller.person.id.clone())?;
    refuse_loops(store, &d.key_result_id, &d.depends_on_id).await?;
    store.propose_dependency(&caller.write_ctx(), &d).await?;
    Ok(d)
}

/// Refuses `from` depending on `to` when `to` already depends, through dependencies that stand
/// (asked or accepted), on `from`: walks the graph one level (one query) at a time.
async fn refuse_loops(store: &dyn Store, from: &KeyResultId, to: &KeyResultId) -> ApiResult<()> {
    let mut graph: HashMap<KeyResultId, Vec<KeyResultId>> = HashMap::new();
    let mut frontier = vec![to.clone()];
    for _ in 0..MAX_LEVELS {
        let level: Vec<KeyResultId> = frontier
            .drain(..)
            .filter(|k| k != from && !graph.contains_key(k))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if level.is_empty() {
            break;
        }
        for k in &level {
            graph.insert(k.clone(), vec![]);
        }
        for d in store.dependencies_from(&level).await? {
            if d.state.stands() {
                frontier.push(d.depends_on_id.clone());
                graph
                    .entry(d.key_result_id)
                    .or_default()
                    .push(d.depends_on_id);
            }
        }
    }
    dependency::refuse_dependency_loop(from, to, |k| graph.get(k).cloned().unwrap_or_default())?;
    Ok(())
}

/// A dependency the caller may see: 404 when it does not exist or they may see neither key
/// result (a dependency is seen from either end).
pub async fn visible_dependency(
    store: &dyn Store,
    caller: &Caller,
    id: &DependencyId,
) -> ApiResult<Dependency> {
    let d = store
        .dependency(id)
        .await?
        .ok_or(ApiError::NotFound("dependency"))?;
    let viewer = Viewer::of(&caller.person);
    let ids = [d.key_result_id.to_string(), d.depends_on_id.to_string()];
    if viewer.visible_okrs(store, &ids).await?.is_empty() {
        return Err(ApiError::NotFound("dependency"));
    }
    Ok(d)
}

/// The dependency, for its answerer: the owner of the key result depended on (403 otherwise).
async fn for_answer(
    store: &dyn Store,
    caller: &Caller,
    id: &DependencyId,
) -> ApiResult<Dependency> {
    let d = visible_dependency(store, caller, id).await?;
    let (other, _) = Viewer::of(&caller.person)
        .key_result(store, &d.depends_on_id)
        .await
        .map_err(|_| ApiError::NotFound("dependency"))?;
    if other.owner_id != caller.person.id {
        return Err(ApiError::forbidden(
            "only the owner of the key result depended on may accept or decline",
        ));
    }
    Ok(d)
}

/// Accepts a dependency asked of the caller; the asker is told.
pub async fn accept(
    store: &dyn Store,
    caller: &Caller,
    id: &DependencyId,
) -> ApiResult<Dependency> {
    for_answer(store, caller, id).await?;
    Ok(store
        .answer_dependency(&caller.write_ctx(), id, &DependencyAnswer::Accept)
        .await?)
}

/// Declines a dependency asked of the caller, with a reason (422 naming `reason` without one);
/// the asker is told, with the reason.
pub async fn decline(
    store: &dyn Store,
    caller: &Caller,
    id: &DependencyId,
    input: DeclineDependency,
) -> ApiResult<Dependency> {
    for_answer(store, caller, id).await?;
    let reason = dependency::decline_reason(&input.reason)?;
    Ok(store
        .answer_dependency(&caller.write_ctx(), id, &DependencyAnswer::Decline(reason))
        .await?)
}

/// Removes a dependency of key result `kr`, for whoever may edit it (404 when the dependency
/// is not one of `kr`'s).
pub async fn remove(
    store: &dyn Store,
    caller: &Caller,
    kr: &KeyResultId,
    id: &DependencyId,
) -> ApiResult<()> {
    authorize_edit_key_result(store, caller, kr).await?;
    let d = store
        .dependency(id)
        .await?
        .filter(|d| &d.key_result_id == kr)
        .ok_or(ApiError::NotFound("dependency"))?;
    store.delete_dependency(&caller.write_ctx(), &d.id).await?;
    Ok(())
}
