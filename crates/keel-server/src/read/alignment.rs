//! The alignment tree (`/alignment`, `GET /api/v1/alignment`): objectives and key results under
//! what they contribute to, across cycles (a year's objectives above its quarters'), read one
//! level at a time. Why a level at a time: at 100,000 people the whole tree is far too large for
//! one page, so the roots come a page at a time and a node's children only when it is opened;
//! each level costs the same few queries however many rows it holds. Status is the one rule
//! (the `Assessor`, through `views`); only what the reader may see is listed, and a root whose
//! parent they may not see says so without naming it.

use super::lists::{cycles, pick_cycle};
use super::views;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::guards::resolve_okr;
use crate::services::visibility::Viewer;
use keel_domain::rhythm::Status;
use keel_domain::*;
use keel_store::{
    Alignment, AlignmentFilter, KeyResults, Objectives, PageRequest, People, Reader, Store, Teams,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// The tree's filters, as typed (empty means any; no cycle means the current one).
#[derive(Debug, Default, Clone)]
pub struct TreeFilter {
    pub cycle_id: Option<String>,
    pub team_id: Option<String>,
    pub owner_id: Option<String>,
    pub status: Option<String>,
}

/// The filters once checked.
#[derive(Debug, Clone)]
pub struct Filters {
    /// Every cycle, newest first (for the chooser and the nodes' cycle names).
    pub cycles: Vec<Cycle>,
    /// The cycle chosen (the current one by default).
    pub cycle: Option<Cycle>,
    pub team: Option<Team>,
    pub owner: Option<Person>,
    pub status: Option<Status>,
}

/// One node of the tree: an objective or a key result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlignmentNode {
    /// `objective` or `key_result`.
    pub kind: &'static str,
    pub id: String,
    pub title: String,
    /// The objective it is, or the one it belongs to (a key result's).
    pub objective_id: ObjectiveId,
    pub cycle_id: CycleId,
    /// Its cycle's name.
    pub cycle: String,
    pub owner_id: PersonId,
    /// Its owner's name.
    pub owner: String,
    /// In [0, 1].
    pub progress: f64,
    pub status: Status,
    /// The status in words.
    pub status_reason: String,
    /// How many children the reader may see: an objective's key results, and the objectives
    /// and key results aligned to it. Ask `?parent={id}` for them.
    pub children: usize,
    /// A root that is aligned to an objective or key result the reader may not see.
    pub aligned_to_hidden: bool,
}

/// One level of the tree: the roots (a page of them), or a node's children (a page of them).
#[derive(Debug, Clone)]
pub struct Level {
    /// The node whose children these are; `None` for the roots.
    pub parent: Option<AlignmentNode>,
    pub nodes: Vec<AlignmentNode>,
    pub next_cursor: Option<String>,
}

/// Checks the filters: 422 naming `cycle_id`, `team_id`, `owner_id` or `status`.
pub async fn filters(store: &dyn Store, f: &TreeFilter) -> ApiResult<Filters> {
    let cycles = cycles(store).await?;
    let cycle = pick_cycle(
        &cycles,
        f.cycle_id.as_deref(),
        crate::services::today(store).await?,
    )?;
    let team = match f.team_id.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => Some(
            store
                .team(&TeamId::from_string(t.to_string()))
                .await?
                .ok_or_else(|| ApiError::invalid("team_id", format!("no team has the id '{t}'")))?,
        ),
        None => None,
    };
    let owner = match f.owner_id.as_deref().filter(|o| !o.is_empty()) {
        Some(o) => Some(
            store
                .person(&PersonId::from_string(o.to_string()))
                .await?
                .ok_or_else(|| {
                    ApiError::invalid("owner_id", format!("no person has the id '{o}'"))
                })?,
        ),
        None => None,
    };
    let status = match f.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "status",
                "must be on_track, at_risk, off_track, stale, not_started, awaiting_owner, draft or closed",
            )
        })?),
        None => None,
    };
    Ok(Filters {
        cycles,
        cycle,
        team,
        owner,
        status,
    })
}

/// The chosen cycle with the cycles above it (its year) and below it (a year's quarters): the
/// tree runs across them.
fn related_cycles(all: &[Cycle], chosen: &Cycle) -> Vec<CycleId> {
    let parent: HashMap<&CycleId, Option<&CycleId>> =
        all.iter().map(|c| (&c.id, c.parent_id.as_ref())).collect();
    let ancestors = |c: &CycleId| {
        let mut out = vec![];
        let mut at = parent.get(c).copied().flatten();
        while let Some(p) = at {
            if out.contains(&p) {
                break;
            }
            out.push(p);
            at = parent.get(p).copied().flatten();
        }
        out
    };
    let mut ids: Vec<CycleId> = vec![chosen.id.clone()];
    ids.extend(ancestors(&chosen.id).into_iter().cloned());
    for c in all {
        if ancestors(&c.id).contains(&&chosen.id) {
            ids.push(c.id.clone());
        }
    }
    ids
}

/// The roots (`parent` absent) or a node's children, a page at a time, as `caller` may see them.
/// A root is an objective of the chosen cycles (filtered by team and owner) with no parent the
/// reader may see; the status filter applies to the roots of each page, so a page may hold fewer
/// than `limit` (follow `next_cursor`). Children are not filtered: a node's whole subtree shows.
pub async fn level(
    store: &dyn Store,
    caller: &Caller,
    f: &Filters,
    parent: Option<&str>,
    page: &PageRequest,
) -> ApiResult<Level> {
    let viewer = Viewer::of(&caller.person);
    let reader = Reader::of(viewer.audience());
    let names: HashMap<CycleId, String> = f
        .cycles
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    let Some(parent) = parent.filter(|p| !p.is_empty()) else {
        let roots = store
            .alignment_roots(
                &AlignmentFilter {
                    reader: reader.clone(),
                    cycle_ids: f
                        .cycle
                        .as_ref()
                        .map(|c| related_cycles(&f.cycles, c))
                        .unwrap_or_default(),
                    team_id: f.team.as_ref().map(|t| t.id.clone()),
                    owner_id: f.owner.as_ref().map(|p| p.id.clone()),
                },
                page,
            )
            .await?;
        let hidden: HashSet<ObjectiveId> = roots
            .items
            .iter()
            .filter(|r| r.aligned_to_hidden)
            .map(|r| r.objective.id.clone())
            .collect();
        let objectives: Vec<Objective> = roots.items.into_iter().map(|r| r.objective).collect();
        let wanted: Vec<ParentRef> = objectives
            .iter()
            .map(|o| ParentRef::Objective(o.id.clone()))
            .collect();
        let mut nodes = nodes_of(store, &reader, &names, objectives, vec![], &wanted).await?;
        for n in &mut nodes {
            n.aligned_to_hidden = hidden.contains(&n.objective_id);
        }
        nodes.retain(|n| f.status.is_none_or(|s| n.status == s));
        return Ok(Level {
            parent: None,
            nodes,
            next_cursor: roots.next_cursor,
        });
    };
    let node = match resolve_okr(store, &viewer, "parent", parent).await?.0 {
        OkrRef::Objective(o) => ParentRef::Objective(o),
        OkrRef::KeyResult(k) => ParentRef::KeyResult(k),
    };
    // Every child's id (ids only: cheap), then the page of them loaded whole.
    let mut children: Vec<ParentRef> = Vec::new();
    for (_, c) in store
        .alignment_children(&reader, std::slice::from_ref(&node))
        .await?
    {
        if !children.contains(&c) {
            children.push(c);
        }
    }
    let start = match page.cursor.as_deref() {
        None => 0,
        Some(c) => c
            .strip_prefix("n:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= children.len())
            .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this list gave"))?,
    };
    let end = (start + page.limit as usize).min(children.len());
    let mut wanted: Vec<ParentRef> = children[start..end].to_vec();
    wanted.push(node.clone());
    let (o_ids, k_ids) = split(&wanted);
    let (objectives, krs) = tokio::try_join!(
        store.objectives_by_ids(&o_ids),
        store.key_results_by_ids(&k_ids)
    )?;
    let mut nodes = nodes_of(store, &reader, &names, objectives, krs, &wanted).await?;
    let parent_node = nodes
        .iter()
        .position(|n| n.id == node.id())
        .map(|i| nodes.remove(i));
    Ok(Level {
        parent: parent_node,
        nodes,
        next_cursor: (end < children.len()).then(|| format!("n:{end}")),
    })
}

fn split(nodes: &[ParentRef]) -> (Vec<ObjectiveId>, Vec<KeyResultId>) {
    let (mut os, mut ks) = (vec![], vec![]);
    for n in nodes {
        match n {
            ParentRef::Objective(o) => os.push(o.clone()),
            ParentRef::KeyResult(k) => ks.push(k.clone()),
        }
    }
    (os, ks)
}

/// The nodes for `wanted` (in its order; those not found are left out) from the objectives and
/// key results loaded for them, with progress and status (the one rule) and how many children
/// each has: a fixed number of queries.
async fn nodes_of(
    store: &dyn Store,
    reader: &Reader,
    cycle_names: &HashMap<CycleId, String>,
    mut objectives: Vec<Objective>,
    krs: Vec<KeyResult>,
    wanted: &[ParentRef],
) -> ApiResult<Vec<AlignmentNode>> {
    // A key result is assessed with its objective.
    let have: HashSet<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
    let missing: Vec<ObjectiveId> = krs
        .iter()
        .map(|k| k.objective_id.clone())
        .filter(|o| !have.contains(o))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if !missing.is_empty() {
        objectives.extend(store.objectives_by_ids(&missing).await?);
    }
    let kr_ids: HashSet<KeyResultId> = krs.into_iter().map(|k| k.id).collect();
    let (viewed, edges) = tokio::try_join!(views::objectives(store, objectives), async {
        Ok(store.alignment_children(reader, wanted).await?)
    })?;
    let mut counts: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (p, c) in &edges {
        counts.entry(p.id()).or_default().insert(c.id());
    }
    let count = |id: &str| counts.get(id).map_or(0, |s| s.len());
    let mut by_id: HashMap<String, AlignmentNode> = HashMap::new();
    for o in &viewed {
        let cycle = cycle_names.get(&o.cycle_id).cloned().unwrap_or_default();
        by_id.insert(
            o.id.to_string(),
            AlignmentNode {
                kind: "objective",
                id: o.id.to_string(),
                title: o.title.clone(),
                objective_id: o.id.clone(),
                cycle_id: o.cycle_id.clone(),
                cycle: cycle.clone(),
                owner_id: o.owner_id.clone(),
                owner: o.owner.name.clone(),
                progress: o.progress,
                status: o.status,
                status_reason: o.status_reason.clone(),
                children: count(o.id.as_str()),
                aligned_to_hidden: false,
            },
        );
        for k in o.key_results.iter().filter(|k| kr_ids.contains(&k.id)) {
            by_id.insert(
                k.id.to_string(),
                AlignmentNode {
                    kind: "key_result",
                    id: k.id.to_string(),
                    title: k.title.clone(),
                    objective_id: o.id.clone(),
                    cycle_id: o.cycle_id.clone(),
                    cycle: cycle.clone(),
                    owner_id: k.owner_id.clone(),
                    owner: k.owner.name.clone(),
                    progress: k.progress,
                    status: k.status,
                    status_reason: k.status_reason.clone(),
                    children: count(k.id.as_str()),
                    aligned_to_hidden: false,
                },
            );
        }
    }
    Ok(wanted
        .iter()
        .filter_map(|w| by_id.get(w.id()).cloned())
        .collect())
}
