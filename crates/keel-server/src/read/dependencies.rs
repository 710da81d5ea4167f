//! A key result's dependencies as its reader sees them: what it depends on and what depends on
//! it, each with the other key result's title, owner and status, and which accepted ones put
//! it at risk ("at risk because it depends on X (owner Y), which is off track"). Why a read
//! model: the API and the key result page show the same list, and a key result the reader may
//! not see is never named (only "a key result you cannot see").

use super::views::{self, KeyResultView, PersonSummary};
use crate::error::ApiResult;
use crate::services::visibility::Viewer;
use keel_domain::dependency::{self, Dependency, DependencyState};
use keel_domain::*;
use keel_store::{Dependencies, KeyResults, Objectives, Page, PageRequest, People, Store};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// Which way a dependency points from the key result listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// This key result depends on the other.
    DependsOn,
    /// The other key result depends on this one.
    DependedOnBy,
}

/// The key result at the other end, as its reader may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OtherKeyResult {
    pub id: KeyResultId,
    pub objective_id: ObjectiveId,
    pub title: String,
    pub owner: PersonSummary,
    pub status: rhythm::Status,
    pub status_reason: String,
}

/// One dependency of a key result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DependencyView {
    pub id: DependencyId,
    pub direction: Direction,
    /// The key result at the other end; null when the reader may not see it ("a key result
    /// you cannot see").
    pub other: Option<OtherKeyResult>,
    pub note: String,
    /// proposed, accepted or declined.
    pub state: DependencyState,
    pub asked_by: Option<PersonSummary>,
    pub answered_by: Option<PersonSummary>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decline_reason: Option<String>,
    /// The reader owns the key result depended on and it waits for their answer.
    pub can_answer: bool,
}

/// An accepted dependency that puts a key result at risk (off track or stale). Its own status
/// is not changed: this is said beside it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BlockedBy {
    pub dependency_id: DependencyId,
    /// Null when the reader may not see the key result depended on.
    pub key_result_id: Option<KeyResultId>,
    pub status: rhythm::Status,
    /// "At risk because it depends on “X” (owner Y), which is off track."
    pub reason: String,
}

/// Key results at the other ends of dependencies, with their views, those the reader may see
/// and the statuses of all: a constant number of queries.
pub(crate) struct Others {
    pub(crate) views: HashMap<KeyResultId, KeyResultView>,
    pub(crate) seen: HashSet<KeyResultId>,
}

impl Others {
    /// The key result as its reader may see it (none when hidden or gone).
    pub(crate) fn seen(&self, id: &KeyResultId) -> Option<OtherKeyResult> {
        self.views
            .get(id)
            .filter(|_| self.seen.contains(id))
            .map(|v| OtherKeyResult {
                id: v.id.clone(),
                objective_id: v.objective_id.clone(),
                title: v.title.clone(),
                owner: v.owner.clone(),
                status: v.status,
                status_reason: v.status_reason.clone(),
            })
    }

    /// Why an accepted dependency on `on` puts its dependent at risk, in words naming the key
    /// result and its owner when the reader may see it; none when it does not.
    pub(crate) fn risk(&self, d: &Dependency) -> Option<(rhythm::Status, String)> {
        let v = self.views.get(&d.depends_on_id)?;
        let why = dependency::blocks(d.state, v.status)?;
        let reason = if self.seen.contains(&d.depends_on_id) {
            format!(
                "At risk because it depends on “{}” (owner {}), which is {why}.",
                v.title, v.owner.name
            )
        } else {
            format!("At risk because it depends on a key result you cannot see, which is {why}.")
        };
        Some((v.status, reason))
    }
}

fn other_of(kr: &KeyResultId, d: &Dependency) -> KeyResultId {
    if &d.key_result_id == kr {
        d.depends_on_id.clone()
    } else {
        d.key_result_id.clone()
    }
}

/// The views of key results `ids` and which of them the reader may see.
pub(crate) async fn others(
    store: &dyn Store,
    viewer: &Viewer,
    mut ids: Vec<KeyResultId>,
) -> ApiResult<Others> {
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Others {
            views: HashMap::new(),
            seen: HashSet::new(),
        });
    }
    let krs = store.key_results_by_ids(&ids).await?;
    let mut oids: Vec<ObjectiveId> = krs.iter().map(|k| k.objective_id.clone()).collect();
    oids.sort();
    oids.dedup();
    let visible = viewer.visible(store, &oids).await?;
    let seen = krs
        .iter()
        .filter(|k| visible.contains(&k.objective_id))
        .map(|k| k.id.clone())
        .collect();
    let wanted: HashSet<&KeyResultId> = ids.iter().collect();
    let objectives = store.objectives_by_ids(&oids).await?;
    let views = views::objectives(store, objectives)
        .await?
        .into_iter()
        .flat_map(|o| o.key_results)
        .filter(|k| wanted.contains(&k.id))
        .map(|k| (k.id.clone(), k))
        .collect();
    Ok(Others { views, seen })
}

/// The dependencies of `listed` (both ways), a page at a time, as `viewer` (person `me`) sees
/// them.
pub async fn list(
    store: &dyn Store,
    viewer: &Viewer,
    me: &PersonId,
    listed: &KeyResult,
    page: &PageRequest,
) -> ApiResult<Page<DependencyView>> {
    let kr = &listed.id;
    let deps = store.dependencies_of(kr, page).await?;
    let ids = deps.items.iter().map(|d| other_of(kr, d)).collect();
    let o = others(store, viewer, ids).await?;
    let mut pids: Vec<PersonId> = deps
        .items
        .iter()
        .flat_map(|d| d.asked_by.iter().chain(d.answered_by.iter()).cloned())
        .collect();
    pids.sort();
    pids.dedup();
    let people: HashMap<PersonId, PersonSummary> = store
        .people_by_ids(&pids)
        .await?
        .iter()
        .map(|p| (p.id.clone(), PersonSummary::from(p)))
        .collect();
    let items = deps
        .items
        .into_iter()
        .map(|d| {
            let other_id = other_of(kr, &d);
            let direction = if &d.key_result_id == kr {
                Direction::DependsOn
            } else {
                Direction::DependedOnBy
            };
            let other = o.seen(&other_id);
            // Seen from the key result depended on, the reader answers when they own it.
            let can_answer = direction == Direction::DependedOnBy
                && d.state == DependencyState::Proposed
                && &listed.owner_id == me;
            DependencyView {
                id: d.id,
                direction,
                other,
                note: d.note,
                state: d.state,
                asked_by: d.asked_by.as_ref().and_then(|p| people.get(p).cloned()),
                answered_by: d.answered_by.as_ref().and_then(|p| people.get(p).cloned()),
                created_at: d.created_at,
                answered_at: d.answered_at,
                decline_reason: d.decline_reason,
                can_answer,
            }
        })
        .collect();
    Ok(Page {
        items,
        next_cursor: deps.next_cursor,
    })
}

/// What puts `kr` at risk: its accepted dependencies whose key results are off track or stale,
/// each with the reason in words (naming the key result and its owner when the reader may see
/// it).
pub async fn blocked_by(
    store: &dyn Store,
    viewer: &Viewer,
    kr: &KeyResultId,
) -> ApiResult<Vec<BlockedBy>> {
    let deps: Vec<Dependency> = store
        .dependencies_from(std::slice::from_ref(kr))
        .await?
        .into_iter()
        .filter(|d| d.state == DependencyState::Accepted)
        .collect();
    let ids = deps.iter().map(|d| d.depends_on_id.clone()).collect();
    let o = others(store, viewer, ids).await?;
    Ok(deps
        .into_iter()
        .filter_map(|d| {
            let (status, reason) = o.risk(&d)?;
            Some(BlockedBy {
                key_result_id: o
                    .seen
                    .contains(&d.depends_on_id)
                    .then(|| d.depends_on_id.clone()),
                dependency_id: d.id,
                status,
                reason,
            })
        })
        .collect())
}

/// A dependency waiting for its answerer: they own the key result depended on.
#[derive(Debug, Clone)]
pub struct WaitingDependency {
    pub id: DependencyId,
    /// The answerer's key result, asked to be depended on: its id and title.
    pub theirs: (KeyResultId, String),
    /// The key result that would depend on it (id and title), when the reader may see it.
    pub dependent: Option<(KeyResultId, String)>,
    pub asked_by: Option<PersonSummary>,
    pub note: String,
}

/// The dependencies asked of key results `owned` (the reader's own) and not answered yet, oldest
/// first: a constant number of queries (one per 500 key results for the dependencies).
pub async fn waiting_for(
    store: &dyn Store,
    viewer: &Viewer,
    owned: &[KeyResult],
) -> ApiResult<Vec<WaitingDependency>> {
    let ids: Vec<KeyResultId> = owned.iter().map(|k| k.id.clone()).collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut deps: Vec<Dependency> = store
        .dependencies_to(&ids)
        .await?
        .into_iter()
        .filter(|d| d.state == DependencyState::Proposed)
        .collect();
    if deps.is_empty() {
        return Ok(vec![]);
    }
    deps.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
    let dependents: Vec<KeyResultId> = deps.iter().map(|d| d.key_result_id.clone()).collect();
    let krs = store.key_results_by_ids(&dependents).await?;
    let mut oids: Vec<ObjectiveId> = krs.iter().map(|k| k.objective_id.clone()).collect();
    oids.sort();
    oids.dedup();
    let visible = viewer.visible(store, &oids).await?;
    let seen: HashMap<KeyResultId, String> = krs
        .into_iter()
        .filter(|k| visible.contains(&k.objective_id))
        .map(|k| (k.id, k.title))
        .collect();
    let mut pids: Vec<PersonId> = deps.iter().filter_map(|d| d.asked_by.clone()).collect();
    pids.sort();
    pids.dedup();
    let people: HashMap<PersonId, PersonSummary> = store
        .people_by_ids(&pids)
        .await?
        .iter()
        .map(|p| (p.id.clone(), PersonSummary::from(p)))
        .collect();
    let titles: HashMap<&KeyResultId, &str> =
        owned.iter().map(|k| (&k.id, k.title.as_str())).collect();
    Ok(deps
        .into_iter()
        .map(|d| WaitingDependency {
            theirs: (
                d.depends_on_id.clone(),
                titles
                    .get(&d.depends_on_id)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            ),
            dependent: seen
                .get(&d.key_result_id)
                .map(|t| (d.key_result_id.clone(), t.clone())),
            asked_by: d.asked_by.as_ref().and_then(|p| people.get(p).cloned()),
            note: d.note,
            id: d.id,
        })
        .collect())
}
