//! Who may see which OKR, built once per request and used by every read.
//!
//! Why one thing: visibility (`public`, `team`, `private` on objectives) must hold on single
//! reads, lists, reports, counts, histories and every later feature (reviews, CFRs, exports,
//! the web UI, notifications). A [`Viewer`] answers "may this person see this objective?" for a
//! record in hand ([`Viewer::can_see`], [`Viewer::objective`], [`Viewer::key_result`]) and gives
//! the store its SQL form ([`Viewer::audience`], set on `ObjectiveFilter`,
//! `OwnershipRequestFilter` and `AuditFilter`), so paginated lists are filtered in the query
//! and never return short pages. The rule itself is written once, as SQL, in keel-store (see
//! `keel_store::Audience`); the role-dependent scope comes from `access::read_scope`.
//!
//! Key results, check-ins, initiatives, ownership requests and audit events have no visibility
//! of their own: they are visible exactly when their objective is. Taking part in a key result
//! (owner, co-owner, sponsor, contributor) makes its objective visible, so nobody is asked to own
//! or work on something they cannot read. Something you may not see answers 404, never 403.

use crate::access::{self, ReadScope};
use crate::error::{ApiError, ApiResult};
use keel_domain::*;
use keel_store::{Audience, KeyResultContext, KeyResults, Objectives, Store};
use std::collections::{HashMap, HashSet};

/// The reader of a request: a person (with their read scope), or the system (CLI, jobs), which
/// sees everything.
#[derive(Debug, Clone)]
pub struct Viewer {
    person_id: Option<PersonId>,
    audience: Option<Audience>,
}

impl Viewer {
    /// The viewer for a person; costs no query.
    pub fn of(person: &Person) -> Viewer {
        let audience = match access::read_scope(person) {
            ReadScope::Everything => None,
            ReadScope::Limited(teams) => Some(Audience {
                person_id: person.id.clone(),
                teams,
            }),
        };
        Viewer {
            person_id: Some(person.id.clone()),
            audience,
        }
    }

    /// The system itself (CLI commands, background jobs): sees everything.
    pub fn system() -> Viewer {
        Viewer {
            person_id: None,
            audience: None,
        }
    }

    /// The store filter form: `None` when this viewer sees everything.
    pub fn audience(&self) -> Option<Audience> {
        self.audience.clone()
    }

    /// Whether this viewer may see `o`. Public objectives and those the viewer takes part in
    /// are decided here; anything else asks the store (one query).
    pub async fn can_see(&self, store: &dyn Store, o: &Objective) -> ApiResult<bool> {
        let Some(audience) = &self.audience else {
            return Ok(true);
        };
        if o.visibility == Visibility::Public {
            return Ok(true);
        }
        if let Some(me) = &self.person_id {
            if &o.owner_id == me
                || o.sponsor_id.as_ref() == Some(me)
                || o.co_owner_ids.contains(me)
                || o.contributor_ids.contains(me)
            {
                return Ok(true);
            }
        }
        Ok(!store
            .visible_objective_ids(audience, std::slice::from_ref(&o.id))
            .await?
            .is_empty())
    }

    /// The objective, or 404 when it does not exist or this viewer may not see it.
    pub async fn objective(&self, store: &dyn Store, id: &ObjectiveId) -> ApiResult<Objective> {
        let o = store
            .objective(id)
            .await?
            .ok_or(ApiError::NotFound("objective"))?;
        if self.can_see(store, &o).await? {
            Ok(o)
        } else {
            Err(ApiError::NotFound("objective"))
        }
    }

    /// A key result and its objective, or 404 when either does not exist or this viewer may not
    /// see the objective.
    pub async fn key_result(
        &self,
        store: &dyn Store,
        id: &KeyResultId,
    ) -> ApiResult<(KeyResult, Objective)> {
        let kr = store
            .key_result(id)
            .await?
            .ok_or(ApiError::NotFound("key result"))?;
        let o = store
            .objective(&kr.objective_id)
            .await?
            .ok_or(ApiError::NotFound("key result"))?;
        if self.can_see(store, &o).await? {
            Ok((kr, o))
        } else {
            Err(ApiError::NotFound("key result"))
        }
    }

    /// A key result with its objective, cycle and rhythm facts (`KeyResultContext`), or 404
    /// when the key result or its objective does not exist or this viewer may not see the
    /// objective: what a check-in is judged on and answered with, in one query (plus the
    /// visibility query [`Viewer::can_see`] may ask).
    pub async fn key_result_in_context(
        &self,
        store: &dyn Store,
        id: &KeyResultId,
    ) -> ApiResult<KeyResultContext> {
        let context = store
            .key_result_in_context(id)
            .await?
            .ok_or(ApiError::NotFound("key result"))?;
        if self.can_see(store, &context.objective).await? {
            Ok(context)
        } else {
            Err(ApiError::NotFound("key result"))
        }
    }

    /// Which of these objectives this viewer may see (one query, none for administrators).
    pub async fn visible(
        &self,
        store: &dyn Store,
        ids: &[ObjectiveId],
    ) -> ApiResult<HashSet<ObjectiveId>> {
        match &self.audience {
            None => Ok(ids.iter().cloned().collect()),
            Some(_) if ids.is_empty() => Ok(HashSet::new()),
            Some(a) => Ok(store
                .visible_objective_ids(a, ids)
                .await?
                .into_iter()
                .collect()),
        }
    }

    /// Which of these OKR ids (objectives' or key results') this viewer may see, a key result
    /// being visible with its objective. Ids that name nothing are left out (all are kept for
    /// administrators, with no query). For the ids a visible record mentions: its parents, a
    /// 1:1's OKRs, an audit entry's records; so that a private objective's id never shows
    /// through something else the reader may see.
    pub async fn visible_okrs(
        &self,
        store: &dyn Store,
        ids: &[String],
    ) -> ApiResult<HashSet<String>> {
        if self.audience.is_none() {
            return Ok(ids.iter().cloned().collect());
        }
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let found = super::guards::okrs_by_ids(store, ids).await?;
        let objectives: Vec<ObjectiveId> = found.values().map(|(_, o)| o.clone()).collect();
        let seen = self.visible(store, &objectives).await?;
        Ok(found
            .into_iter()
            .filter(|(_, (_, o))| seen.contains(o))
            .map(|(id, _)| id)
            .collect())
    }

    /// Leaves out of each list of parents those this viewer may not see (`parent_ids` and
    /// `parents` of objective views, kept in step).
    pub async fn retain_parents(
        &self,
        store: &dyn Store,
        mut lists: Vec<(&mut Vec<String>, &mut Vec<ParentRef>)>,
    ) -> ApiResult<()> {
        if self.audience.is_none() {
            return Ok(());
        }
        let ids: Vec<String> = lists
            .iter()
            .flat_map(|(ids, parents)| {
                ids.iter()
                    .cloned()
                    .chain(parents.iter().map(|p| p.id().to_string()))
            })
            .collect();
        let seen = self.visible_okrs(store, &ids).await?;
        for (ids, parents) in lists.iter_mut() {
            ids.retain(|i| seen.contains(i));
            parents.retain(|p| seen.contains(p.id()));
        }
        Ok(())
    }

    /// Keeps the items whose objective this viewer may see, in order: for lists that are built
    /// in memory (never for paginated ones, which filter in SQL).
    pub async fn retain<T>(
        &self,
        store: &dyn Store,
        items: Vec<T>,
        objective_of: impl Fn(&T) -> &ObjectiveId,
    ) -> ApiResult<Vec<T>> {
        if self.audience.is_none() {
            return Ok(items);
        }
        let ids: Vec<ObjectiveId> = items
            .iter()
            .map(&objective_of)
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let seen = self.visible(store, &ids).await?;
        Ok(items
            .into_iter()
            .filter(|i| seen.contains(objective_of(i)))
            .collect())
    }
}

/// Which objectives each reader may see among those asked about for them: many readers at once
/// (the weekly digest, for a chunk of the organisation), in a few queries (`visible_to_each`,
/// the store's rule read as sets for all the chunk's readers) instead of one per reader. Readers who see
/// everything (administrators) are answered without a query.
pub async fn visible_to_each(
    store: &dyn Store,
    asks: Vec<(&Person, Vec<ObjectiveId>)>,
) -> ApiResult<HashMap<PersonId, HashSet<ObjectiveId>>> {
    let mut seen: HashMap<PersonId, HashSet<ObjectiveId>> = HashMap::new();
    let mut limited = Vec::new();
    for (person, ids) in asks {
        if ids.is_empty() {
            continue;
        }
        match Viewer::of(person).audience {
            None => seen.entry(person.id.clone()).or_default().extend(ids),
            Some(a) => limited.push((a, ids)),
        }
    }
    for (person, objective) in store.visible_to_each(&limited).await? {
        seen.entry(person).or_default().insert(objective);
    }
    Ok(seen)
}
