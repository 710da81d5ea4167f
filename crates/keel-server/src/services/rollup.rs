//! The progress roll-up of aligned children (docs/method.md, "Progress roll-up"): which
//! objectives and key results count towards an objective's progress beside its own key results,
//! and with what weight and progress, for a whole page of objectives in a fixed number of
//! queries. The figure itself is `keel_domain::progress::rolled_up`, the one rule.
//!
//! Why only public children, for every reader: a figure that moved with a private child would
//! tell a reader outside it how that child is doing. Counting public children only keeps the
//! figure the same for everyone (an administrator and a member read the same number, in the API,
//! on the page and in exports) and reveals nothing; team-only and private children are left
//! out, as are drafts, work awaiting its owner and the objective's own key results (they count
//! already).

use crate::error::ApiResult;
use keel_domain::progress::CHILD_OBJECTIVE_WEIGHT;
use keel_domain::*;
use keel_store::{Alignment, KeyResults, Objectives, Reader, Settings, Store};
use std::collections::{HashMap, HashSet};

/// The children counted in each objective's roll-up, as `(weight, progress)`, for the
/// objectives of `objectives` the roll-up applies to (the objective's own choice, else the
/// organisation's setting); those it does not apply to are absent. `key_results` are the
/// objectives' own key results. Nothing is read when it applies to none (the default);
/// otherwise five queries, whatever the number of objectives.
pub async fn children(
    store: &dyn Store,
    objectives: &[Objective],
    key_results: &[KeyResult],
) -> ApiResult<HashMap<ObjectiveId, Vec<(f64, f64)>>> {
    let organisation = store.settings().await?.progress_rollup;
    let applying: HashSet<&ObjectiveId> = objectives
        .iter()
        .filter(|o| o.progress_rollup.applies(organisation))
        .map(|o| &o.id)
        .collect();
    let mut out: HashMap<ObjectiveId, Vec<(f64, f64)>> = applying
        .iter()
        .map(|id| ((*id).clone(), Vec::new()))
        .collect();
    if applying.is_empty() {
        return Ok(out);
    }
    // Each node aligned to: the objective itself and its key results, mapped to the objective.
    let mut owner_of: HashMap<String, ObjectiveId> = HashMap::new();
    let mut nodes: Vec<ParentRef> = Vec::new();
    for id in &applying {
        owner_of.insert(id.to_string(), (*id).clone());
        nodes.push(ParentRef::Objective((*id).clone()));
    }
    for k in key_results
        .iter()
        .filter(|k| applying.contains(&k.objective_id))
    {
        owner_of.insert(k.id.to_string(), k.objective_id.clone());
        nodes.push(ParentRef::KeyResult(k.id.clone()));
    }
    // Everything aligned, then filtered here to what counts (public, running): the same for
    // every reader.
    let edges = store.alignment_children(&Reader::Everyone, &nodes).await?;
    let (mut child_os, mut child_ks) = (HashSet::new(), HashSet::new());
    for (_, c) in &edges {
        match c {
            ParentRef::Objective(o) => child_os.insert(o.clone()),
            ParentRef::KeyResult(k) => child_ks.insert(k.clone()),
        };
    }
    let child_os: Vec<ObjectiveId> = child_os.into_iter().collect();
    let child_ks: Vec<KeyResultId> = child_ks.into_iter().collect();
    let (mut objectives_by_id, krs) = tokio::try_join!(
        async { Ok::<_, crate::error::ApiError>(by_id(store.objectives_by_ids(&child_os).await?)) },
        async { Ok(store.key_results_by_ids(&child_ks).await?) }
    )?;
    // The objectives of the child key results (to know whether they are public and running),
    // and the key results of the child objectives (their own progress).
    let missing: Vec<ObjectiveId> = krs
        .iter()
        .map(|k| k.objective_id.clone())
        .filter(|o| !objectives_by_id.contains_key(o))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let (more, of_children) = tokio::try_join!(
        async {
            Ok::<_, crate::error::ApiError>(if missing.is_empty() {
                vec![]
            } else {
                store.objectives_by_ids(&missing).await?
            })
        },
        async {
            Ok(if child_os.is_empty() {
                vec![]
            } else {
                store.key_results_of(&child_os).await?
            })
        }
    )?;
    objectives_by_id.extend(by_id(more));
    let mut child_progress: HashMap<&ObjectiveId, Vec<(f64, f64)>> = HashMap::new();
    for k in &of_children {
        child_progress
            .entry(&k.objective_id)
            .or_default()
            .push((k.weight, k.progress().progress));
    }
    let krs: HashMap<&str, &KeyResult> = krs.iter().map(|k| (k.id.as_str(), k)).collect();
    let mut counted: HashSet<(ObjectiveId, String)> = HashSet::new();
    for (parent, child) in &edges {
        let Some(target) = owner_of.get(parent.id()) else {
            continue;
        };
        let figure = match child {
            ParentRef::Objective(id) => objectives_by_id
                .get(id)
                .filter(|o| counts(o) && &o.id != target)
                .map(|o| {
                    let own = child_progress.get(&o.id).cloned().unwrap_or_default();
                    (CHILD_OBJECTIVE_WEIGHT, progress::objective(own))
                }),
            ParentRef::KeyResult(id) => krs
                .get(id.as_str())
                .filter(|k| {
                    &k.objective_id != target
                        && k.ownership_state == OwnershipState::Accepted
                        && objectives_by_id.get(&k.objective_id).is_some_and(counts)
                })
                .map(|k| (k.weight, k.progress().progress)),
        };
        if let Some(f) = figure {
            if counted.insert((target.clone(), child.id().to_string())) {
                out.entry(target.clone()).or_default().push(f);
            }
        }
    }
    Ok(out)
}

/// Whether an objective (a child, or a child key result's) counts in a roll-up: public, out of
/// draft, its owner accepted (docs/method.md, "Roll-ups": drafts and work awaiting an owner do
/// not count as if running).
fn counts(o: &Objective) -> bool {
    o.visibility == Visibility::Public
        && o.state != ObjectiveState::Draft
        && o.ownership_state == OwnershipState::Accepted
}

fn by_id(objectives: Vec<Objective>) -> HashMap<ObjectiveId, Objective> {
    objectives.into_iter().map(|o| (o.id.clone(), o)).collect()
}
