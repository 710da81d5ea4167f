//! A team's dependency map: in one cycle, what the team's key results wait on (with the other
//! key result's owner and status, and the risk an off-track or stale accepted one brings, in
//! words naming it and its owner) and which key results wait on the team's. Why a read model of
//! its own: the team sees its cross-team commitments in one place without opening every key
//! result, at a constant number of queries (the team's OKRs, the dependencies both ways, the
//! other ends with their views); a key result the reader may not see is never named.

use super::dependencies::{others, OtherKeyResult};
use super::team_okrs::team_okrs;
use super::views::KeyResultView;
use crate::error::ApiResult;
use crate::services::visibility::Viewer;
use keel_domain::dependency::{Dependency, DependencyState};
use keel_domain::*;
use keel_store::{Dependencies, Store};
use std::collections::HashMap;

/// One dependency of the map, seen from the team's key result.
#[derive(Debug, Clone)]
pub struct MapLine {
    pub id: DependencyId,
    /// The team's key result.
    pub ours: KeyResultView,
    /// The key result at the other end; none when the reader may not see it.
    pub other: Option<OtherKeyResult>,
    /// Proposed (waiting for an answer) or accepted; declined ones are not on the map.
    pub state: DependencyState,
    pub note: String,
    /// Why the key result that waits is at risk through it ("At risk because it depends on …"),
    /// for an accepted dependency that is off track or stale.
    pub risk: Option<String>,
}

/// The team's dependency map.
#[derive(Debug, Clone, Default)]
pub struct TeamDependencies {
    /// What the team's key results wait on, the at-risk ones first.
    pub waits_on: Vec<MapLine>,
    /// Key results that wait on the team's.
    pub waited_on_by: Vec<MapLine>,
}

/// The dependency map of `team` in `cycle` as `viewer` sees it: the dependencies that stand
/// (asked or accepted) of the team's key results it may see, both ways.
pub async fn team_dependencies(
    store: &dyn Store,
    viewer: &Viewer,
    team: &TeamId,
    cycle: Option<&CycleId>,
) -> ApiResult<TeamDependencies> {
    let okrs = team_okrs(store, viewer, team, cycle).await?;
    let ours: HashMap<KeyResultId, KeyResultView> = okrs
        .objectives
        .into_iter()
        .flat_map(|o| o.key_results)
        .chain(okrs.shared_key_results.into_iter().map(|s| s.key_result))
        .map(|k| (k.id.clone(), k))
        .collect();
    let mut ids: Vec<KeyResultId> = ours.keys().cloned().collect();
    ids.sort();
    if ids.is_empty() {
        return Ok(TeamDependencies::default());
    }
    let stands = |d: &Dependency| d.state.stands();
    let from: Vec<Dependency> = store
        .dependencies_from(&ids)
        .await?
        .into_iter()
        .filter(stands)
        .collect();
    let to: Vec<Dependency> = store
        .dependencies_to(&ids)
        .await?
        .into_iter()
        .filter(stands)
        .collect();
    let other_ids = from
        .iter()
        .map(|d| d.depends_on_id.clone())
        .chain(to.iter().map(|d| d.key_result_id.clone()))
        .collect();
    let o = others(store, viewer, other_ids).await?;
    let line = |d: Dependency, our: &KeyResultId, other: &KeyResultId, risk: Option<String>| {
        Some(MapLine {
            ours: ours.get(our)?.clone(),
            other: o.seen(other),
            state: d.state,
            note: d.note,
            id: d.id,
            risk,
        })
    };
    let mut waits_on: Vec<MapLine> = from
        .into_iter()
        .filter_map(|d| {
            let risk = o.risk(&d).map(|(_, r)| r);
            let (our, other) = (d.key_result_id.clone(), d.depends_on_id.clone());
            line(d, &our, &other, risk)
        })
        .collect();
    // The at-risk first, then by the team's key result and the other's title.
    waits_on.sort_by(|a, b| {
        (a.risk.is_none(), &a.ours.title, a.id.as_str()).cmp(&(
            b.risk.is_none(),
            &b.ours.title,
            b.id.as_str(),
        ))
    });
    let mut waited_on_by: Vec<MapLine> = to
        .into_iter()
        .filter_map(|d| {
            let (our, other) = (d.depends_on_id.clone(), d.key_result_id.clone());
            line(d, &our, &other, None)
        })
        .collect();
    waited_on_by
        .sort_by(|a, b| (&a.ours.title, a.id.as_str()).cmp(&(&b.ours.title, b.id.as_str())));
    Ok(TeamDependencies {
        waits_on,
        waited_on_by,
    })
}
