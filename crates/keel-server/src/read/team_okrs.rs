//! A team's OKRs: the objectives it owns or shares, each once with one progress, and the key
//! results shared with it under objectives that are not (the doctrine's "Shared OKRs": an OKR
//! shared with several teams is shown on each, never copied).
//!
//! One read model for `GET /api/v1/teams/{id}/okrs` and the team page, so both list the same
//! OKRs by the same rules; the page narrows it to one cycle.

use super::lists::all_objectives;
use super::views::{self, KeyResultView, ObjectiveView};
use crate::error::ApiResult;
use crate::services::visibility::Viewer;
use keel_domain::*;
use keel_store::{KeyResults, ObjectiveFilter, Objectives, Store};
use std::collections::HashSet;

/// A key result shared with a team whose objective is not.
#[derive(Debug, Clone)]
pub struct SharedKeyResult {
    pub key_result: KeyResultView,
    /// The objective it belongs to (with its owner).
    pub objective: ObjectiveView,
}

/// What a team owns or shares, as `viewer` may see it.
#[derive(Debug, Clone, Default)]
pub struct TeamOkrs {
    /// Objectives the team owns or shares, each once, with their key results and owners.
    pub objectives: Vec<ObjectiveView>,
    /// Key results shared with the team under objectives that are not.
    pub shared_key_results: Vec<SharedKeyResult>,
}

/// The team's OKRs that `viewer` may see, in `cycle` when one is given (every cycle otherwise).
/// A constant number of queries whatever the team's size.
pub async fn team_okrs(
    store: &dyn Store,
    viewer: &Viewer,
    team: &TeamId,
    cycle: Option<&CycleId>,
) -> ApiResult<TeamOkrs> {
    let owned = all_objectives(
        store,
        &ObjectiveFilter {
            cycle_id: cycle.cloned(),
            team_id: Some(team.clone()),
            ..ObjectiveFilter::new(keel_store::Reader::of(viewer.audience()))
        },
    )
    .await?;
    let shown: HashSet<ObjectiveId> = owned.iter().map(|o| o.id.clone()).collect();
    let extra: Vec<KeyResult> = store
        .key_results_shared_with(team)
        .await?
        .into_iter()
        .filter(|k| !shown.contains(&k.objective_id))
        .collect();
    let extra = viewer.retain(store, extra, |k| &k.objective_id).await?;
    let parent_ids: Vec<ObjectiveId> = extra
        .iter()
        .map(|k| k.objective_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let parents: Vec<Objective> = store
        .objectives_by_ids(&parent_ids)
        .await?
        .into_iter()
        .filter(|o| cycle.is_none_or(|c| &o.cycle_id == c))
        .collect();
    let parents = views::objectives(store, parents).await?;
    let mut shared_key_results = vec![];
    for k in &extra {
        if let Some(p) = parents.iter().find(|p| p.id == k.objective_id) {
            if let Some(view) = p.key_results.iter().find(|v| v.id == k.id) {
                shared_key_results.push(SharedKeyResult {
                    key_result: view.clone(),
                    objective: p.clone(),
                });
            }
        }
    }
    Ok(TeamOkrs {
        objectives: views::objectives(store, owned).await?,
        shared_key_results,
    })
}
