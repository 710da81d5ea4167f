//! Aligning OKRs: what an objective or a key result contributes to. Why here: objectives and
//! key results share one alignment graph, so the walk that feeds the domain's loop rule
//! (`keel_domain::alignment::refuse_alignment_loop`) is written once for both, and a key
//! result's parents are resolved, checked and kept (those the writer cannot see) like an
//! objective's.

use super::guards::resolve_okr;
use super::okrs::authorize_edit_key_result;
use super::visibility::Viewer;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::IfMatch;
use keel_domain::alignment::refuse_alignment_loop;
use keel_domain::*;
use keel_store::{Alignment, Store};
use std::collections::{HashMap, HashSet};

/// How many levels the walk upwards follows at most (far deeper than any real tree).
const MAX_LEVELS: usize = 64;

/// Refuses aligning `node` to `parents` when it would then contribute to itself: walks the graph
/// upwards from the new parents, one level (three queries) at a time, then asks the domain.
pub async fn refuse_loops(
    store: &dyn Store,
    node: &ParentRef,
    parents: &[ParentRef],
) -> ApiResult<()> {
    let mut graph: HashMap<ParentRef, Vec<ParentRef>> = HashMap::new();
    let mut frontier: Vec<ParentRef> = parents.to_vec();
    for _ in 0..MAX_LEVELS {
        let level: Vec<ParentRef> = frontier
            .drain(..)
            .filter(|n| n != node && !graph.contains_key(n))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if level.is_empty() {
            break;
        }
        for n in &level {
            graph.insert(n.clone(), vec![]);
        }
        for (child, parent) in store.alignment_parents(&level).await? {
            if !graph.contains_key(&parent) {
                frontier.push(parent.clone());
            }
            graph.entry(child).or_default().push(parent);
        }
    }
    refuse_alignment_loop(node, parents, |n| graph.get(n).cloned().unwrap_or_default())?;
    Ok(())
}

/// Resolves what `node` should contribute to (ids of objectives or key results, each once):
/// 422 naming `parent_ids` for an id that names nothing the viewer may see, or for a loop.
pub async fn resolve_parents(
    store: &dyn Store,
    viewer: &Viewer,
    node: &ParentRef,
    ids: &[String],
) -> ApiResult<Vec<ParentRef>> {
    let mut parents: Vec<ParentRef> = Vec::with_capacity(ids.len());
    for id in ids {
        let p = match resolve_okr(store, viewer, "parent_ids", id).await?.0 {
            OkrRef::Objective(o) => ParentRef::Objective(o),
            OkrRef::KeyResult(k) => ParentRef::KeyResult(k),
        };
        if !parents.contains(&p) {
            parents.push(p);
        }
    }
    refuse_loops(store, node, &parents).await?;
    Ok(parents)
}

/// What the key result contributes to, as `viewer` may read it: parents they may not see are
/// left out, so a private objective's id never shows through a key result they can see.
pub async fn key_result_parents(
    store: &dyn Store,
    viewer: &Viewer,
    id: &KeyResultId,
) -> ApiResult<Vec<ParentRef>> {
    let parents: Vec<ParentRef> = store
        .key_result_parents(std::slice::from_ref(id))
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let ids: Vec<String> = parents.iter().map(|p| p.id().to_string()).collect();
    let seen = viewer.visible_okrs(store, &ids).await?;
    Ok(parents
        .into_iter()
        .filter(|p| seen.contains(p.id()))
        .collect())
}

/// Sets what a key result contributes to (`ids`: objectives or key results), for whoever may
/// edit it. Parents the caller cannot see stay: the list they send cannot name them, so
/// without this an edit by someone outside a private objective would silently cut the link.
pub async fn align_key_result(
    store: &dyn Store,
    caller: &Caller,
    id: &KeyResultId,
    if_match: IfMatch,
    ids: &[String],
) -> ApiResult<KeyResult> {
    let (before, objective) = authorize_edit_key_result(store, caller, id).await?;
    if_match.check(before.version)?;
    super::guards::require_unlocked(store, &objective).await?;
    set_parents(store, caller, before, ids).await
}

/// [`align_key_result`] once the caller's right to edit `kr` is checked (the key result create
/// and update paths call it after their own checks).
pub async fn set_parents(
    store: &dyn Store,
    caller: &Caller,
    kr: KeyResult,
    ids: &[String],
) -> ApiResult<KeyResult> {
    let viewer = Viewer::of(&caller.person);
    let node = ParentRef::KeyResult(kr.id.clone());
    let mut parents = resolve_parents(store, &viewer, &node, ids).await?;
    let all: Vec<ParentRef> = store
        .key_result_parents(std::slice::from_ref(&kr.id))
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let ids: Vec<String> = all.iter().map(|p| p.id().to_string()).collect();
    let seen = viewer.visible_okrs(store, &ids).await?;
    parents.extend(all.into_iter().filter(|p| !seen.contains(p.id())));
    Ok(store
        .align_key_result(&caller.write_ctx(), &kr, &parents)
        .await?)
}
