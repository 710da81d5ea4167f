//! Team reviews: preparing the agenda of a team's OKRs (owner, progress change since the team's
//! last review, confidence trend, flags from status and the health check), recording each
//! owner's notes and the team's decisions, listing reviews by team and date.
//!
//! Visibility: the agenda is built from the OKRs the person preparing it may see, and frozen.
//! Whoever reads the review later sees only the items whose objective they may see (an OKR that
//! turned private, or one a reader never could see, is left out for that reader), and may
//! record notes only on those.

use super::now;
use super::rhythm::Assessor;
use super::visibility::Viewer;
use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::IfMatch;
use keel_domain::review::{self, Review, ReviewItem};
use keel_domain::rhythm::{self, Status};
use keel_domain::*;
use keel_store::{
    Cycles, KeyResults, ObjectiveFilter, Objectives, PageRequest, People, Reviews, Store, Teams,
};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    /// The day of the review; defaults to today; never in the future.
    pub held_on: Option<chrono::NaiveDate>,
    /// Restrict the agenda to this cycle (default: every cycle not closed).
    pub cycle_id: Option<CycleId>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewItemNotes {
    /// The owner's notes on the OKR.
    pub notes: Option<String>,
    /// What the team decided.
    pub decisions: Option<String>,
}

async fn team(store: &dyn Store, id: &TeamId) -> ApiResult<Team> {
    store.team(id).await?.ok_or(ApiError::NotFound("team"))
}

/// The team, once the caller may run its review: 404 for an unknown team, 403 for someone who
/// may not run it. Asked first by [`create_review`] and by the UI's forms, before what was typed
/// is read.
pub async fn authorize_review(
    store: &dyn Store,
    caller: &Caller,
    team_id: &TeamId,
) -> ApiResult<Team> {
    let team = team(store, team_id).await?;
    access::run_review(&access::Actor::load(store, &caller.person).await?, &team)?;
    Ok(team)
}

/// Prepares a review of the team's OKRs (active ones, in cycles not closed). A constant number of
/// queries.
pub async fn create_review(
    store: &dyn Store,
    caller: &Caller,
    team_id: &TeamId,
    input: NewReview,
) -> ApiResult<Review> {
    let team = authorize_review(store, caller, team_id).await?;
    let audience = Viewer::of(&caller.person).audience();
    let t = now();
    let today = super::today(store).await?;
    let held_on = review::check_held_on(input.held_on.unwrap_or(today), today)?;
    if let Some(c) = &input.cycle_id {
        store
            .cycle(c)
            .await?
            .ok_or_else(|| ApiError::invalid("cycle_id", format!("no cycle has the id '{c}'")))?;
    }
    let mut objectives = vec![];
    let mut page = PageRequest {
        limit: 500,
        cursor: None,
    };
    loop {
        let filter = ObjectiveFilter {
            team_id: Some(team.id.clone()),
            cycle_id: input.cycle_id.clone(),
            ..ObjectiveFilter::new(keel_store::Reader::of(audience.clone()))
        };
        let p = store.list_objectives(&filter, &page).await?;
        objectives.extend(
            p.items
                .into_iter()
                .filter(|o| o.state == ObjectiveState::Active),
        );
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    let ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
    let krs = if ids.is_empty() {
        vec![]
    } else {
        store.key_results_of(&ids).await?
    };
    let (assessor, mut children) = tokio::try_join!(
        Assessor::load(store, &objectives, &krs),
        super::rollup::children(store, &objectives, &krs)
    )?;
    let mut owners: Vec<PersonId> = objectives.iter().map(|o| o.owner_id.clone()).collect();
    owners.sort();
    owners.dedup();
    let names: HashMap<PersonId, String> = store
        .people_by_ids(&owners)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let previous: HashMap<ObjectiveId, f64> = store
        .list_reviews(
            &team.id,
            &PageRequest {
                limit: 1,
                cursor: None,
            },
        )
        .await?
        .items
        .into_iter()
        .flat_map(|r| r.items)
        .map(|i| (i.objective_id, i.progress))
        .collect();
    let mut by_objective: HashMap<&ObjectiveId, Vec<&KeyResult>> = HashMap::new();
    for k in &krs {
        by_objective.entry(&k.objective_id).or_default().push(k);
    }
    let items = objectives
        .iter()
        .map(|o| {
            let ks = by_objective.remove(&o.id).unwrap_or_default();
            let aligned = children.remove(&o.id).unwrap_or_default();
            agenda_item(o, (&ks, &aligned), &assessor, &names, &previous)
        })
        .collect();
    let review = Review {
        id: ReviewId::generate(),
        team_id: team.id,
        held_on,
        run_by: Some(caller.person.id.clone()),
        items,
        created_at: t,
        updated_at: t,
        version: 1,
    };
    store.insert_review(&caller.write_ctx(), &review).await?;
    Ok(review)
}

/// One objective on a review's agenda: its progress and the change since the last review, its
/// status, the trend of its owners' confidence, and what deserves the team's attention.
fn agenda_item(
    o: &Objective,
    (ks, aligned): (&[&KeyResult], &[(f64, f64)]),
    assessor: &Assessor,
    names: &HashMap<PersonId, String>,
    previous: &HashMap<ObjectiveId, f64>,
) -> ReviewItem {
    let assessed: Vec<_> = ks
        .iter()
        .map(|k| (k.weight, assessor.key_result(k, o)))
        .collect();
    let oa = assessor.objective(
        o,
        &assessed.iter().map(|(w, a)| (*w, a)).collect::<Vec<_>>(),
    );
    let progress = progress::rolled_up(
        ks.iter().map(|k| (k.weight, k.progress().progress)),
        aligned.iter().copied(),
    );
    // The trend of the owners' latest confidences: the sum of each key result's last move.
    let moves: i32 = assessed
        .iter()
        .map(|(_, a)| match rhythm::trend(&a.confidences) {
            rhythm::Trend::Rising => 1,
            rhythm::Trend::Falling => -1,
            _ => 0,
        })
        .sum();
    let confidence_trend = if assessed.iter().all(|(_, a)| a.confidences.len() < 2) {
        rhythm::Trend::Unknown
    } else if moves > 0 {
        rhythm::Trend::Rising
    } else if moves < 0 {
        rhythm::Trend::Falling
    } else {
        rhythm::Trend::Steady
    };
    let mut flags = vec![];
    if oa.status != Status::OnTrack {
        let name = oa.status.label().to_lowercase();
        flags.push(format!("{name}: {}", oa.status_reason));
    }
    for (k, (_, a)) in ks.iter().zip(&assessed) {
        if a.status == Status::Stale || a.status == Status::OffTrack {
            flags.push(format!("'{}': {}", k.title, a.status_reason));
        }
        // Only a trend can fall short by degrees; a yes/no or milestone one is said by status.
        let trend = matches!(k.metric_kind, MetricKind::Increase | MetricKind::Decrease);
        if let Some(f) = a.forecast.filter(|f| trend && f.expected < 0.7) {
            flags.push(format!(
                "'{}' is forecast to reach {} by the end of the cycle",
                k.title,
                keel_domain::forecast::in_words(k.metric_kind, &f)
            ));
        }
    }
    if ks.is_empty() {
        flags.push("no key results: nothing measures this objective".into());
    }
    ReviewItem {
        objective_id: o.id.clone(),
        title: o.title.clone(),
        owner_id: o.owner_id.clone(),
        owner_name: names.get(&o.owner_id).cloned().unwrap_or_default(),
        progress,
        progress_change: previous.get(&o.id).map(|p| progress - p),
        status: oa.status,
        status_reason: oa.status_reason,
        confidence_trend,
        flags,
        notes: String::new(),
        decisions: String::new(),
    }
}

async fn review_as_stored(store: &dyn Store, id: &ReviewId) -> ApiResult<Review> {
    store.review(id).await?.ok_or(ApiError::NotFound("review"))
}

/// One review, its agenda limited to the items `viewer` may see.
pub async fn get_review(store: &dyn Store, viewer: &Viewer, id: &ReviewId) -> ApiResult<Review> {
    let r = review_as_stored(store, id).await?;
    Ok(visible_items(store, viewer, vec![r]).await?.remove(0))
}

/// A team's reviews, latest first, each agenda limited to what `viewer` may see (one query for
/// the whole page).
pub async fn list_reviews(
    store: &dyn Store,
    viewer: &Viewer,
    team_id: &TeamId,
    page: &PageRequest,
) -> ApiResult<keel_store::Page<Review>> {
    let team = team(store, team_id).await?;
    let mut p = store.list_reviews(&team.id, page).await?;
    p.items = visible_items(store, viewer, p.items).await?;
    Ok(p)
}

/// Leaves out of each agenda the items whose objective `viewer` may not see.
async fn visible_items(
    store: &dyn Store,
    viewer: &Viewer,
    mut reviews: Vec<Review>,
) -> ApiResult<Vec<Review>> {
    let mut ids: Vec<ObjectiveId> = reviews
        .iter()
        .flat_map(|r| r.items.iter().map(|i| i.objective_id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    let seen = viewer.visible(store, &ids).await?;
    for r in &mut reviews {
        r.items.retain(|i| seen.contains(&i.objective_id));
    }
    Ok(reviews)
}

/// Records the owner's notes and the team's decisions on one agenda item.
pub async fn note_item(
    store: &dyn Store,
    caller: &Caller,
    id: &ReviewId,
    objective_id: &ObjectiveId,
    if_match: IfMatch,
    input: ReviewItemNotes,
) -> ApiResult<Review> {
    let before = review_as_stored(store, id).await?;
    let team = team(store, &before.team_id).await?;
    let idx = before
        .items
        .iter()
        .position(|i| &i.objective_id == objective_id)
        .ok_or(ApiError::NotFound("review item"))?;
    if viewer_cannot_see(store, caller, objective_id).await? {
        return Err(ApiError::NotFound("review item"));
    }
    access::note_review_item(
        &access::Actor::load(store, &caller.person).await?,
        &team,
        &before.items[idx].owner_id,
    )?;
    if_match.check(before.version)?;
    let mut after = before.clone();
    after.items[idx] = after.items[idx]
        .clone()
        .with_notes(input.notes, input.decisions)?;
    let after = store
        .update_review(&caller.write_ctx(), &before, &after)
        .await?;
    Ok(
        visible_items(store, &Viewer::of(&caller.person), vec![after])
            .await?
            .remove(0),
    )
}

async fn viewer_cannot_see(
    store: &dyn Store,
    caller: &Caller,
    objective_id: &ObjectiveId,
) -> ApiResult<bool> {
    Ok(Viewer::of(&caller.person)
        .visible(store, std::slice::from_ref(objective_id))
        .await?
        .is_empty())
}

// ---------------------------------------------------------------- the review page's one save

/// One text of an agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemText {
    Notes,
    Decisions,
}

impl ItemText {
    /// The field's name: `notes` or `decisions`.
    pub fn name(self) -> &'static str {
        match self {
            ItemText::Notes => "notes",
            ItemText::Decisions => "decisions",
        }
    }

    pub fn of(self, item: &ReviewItem) -> &str {
        match self {
            ItemText::Notes => &item.notes,
            ItemText::Decisions => &item.decisions,
        }
    }
}

/// One text of one agenda item as the review page sends it: what was typed, and the
/// fingerprint of the text the page showed (`super::edits::fingerprint`).
#[derive(Debug, Clone)]
pub struct ItemEdit {
    pub objective_id: ObjectiveId,
    pub text: ItemText,
    pub typed: String,
    pub seen: String,
}

/// A text someone else saved since the page was opened, while the reader changed it too.
#[derive(Debug, Clone)]
pub struct ItemConflict {
    pub objective_id: ObjectiveId,
    pub text: ItemText,
    /// What the other person saved.
    pub theirs: String,
}

/// What the review page's save did.
#[derive(Debug)]
pub enum NotesSaved {
    /// Written in one go (how many texts changed; 0 when nothing had).
    Saved(usize),
    /// Nothing written: these texts were changed by someone else meanwhile.
    Conflicts(Vec<ItemConflict>),
}

/// Records everything the review page's one form sends, in one write: each changed text over
/// the one the page showed. Texts left as they were are not written (someone else's save of
/// them stands), and if someone else changed a text the reader changed too, nothing is written
/// and the conflicts come back to be merged (`super::edits`). 403 for someone who may note no
/// item of the review; 404 for an item they may not see or note.
pub async fn save_notes(
    store: &dyn Store,
    caller: &Caller,
    id: &ReviewId,
    edits: &[ItemEdit],
) -> ApiResult<NotesSaved> {
    // Someone saving between our read and our write makes the write stale: read again, merge again.
    for _ in 0..3 {
        let before = review_as_stored(store, id).await?;
        let Some(after) = merged_notes(store, caller, &before, edits).await? else {
            return Ok(NotesSaved::Saved(0));
        };
        let after = match after {
            Ok(after) => after,
            Err(conflicts) => return Ok(NotesSaved::Conflicts(conflicts)),
        };
        let changed = before
            .items
            .iter()
            .zip(&after.items)
            .map(|(b, a)| usize::from(b.notes != a.notes) + usize::from(b.decisions != a.decisions))
            .sum();
        match store
            .update_review(&caller.write_ctx(), &before, &after)
            .await
        {
            Ok(_) => return Ok(NotesSaved::Saved(changed)),
            Err(keel_store::StoreError::StaleVersion) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::PreconditionFailed)
}

/// The review with `edits` merged into `before`: `None` when nothing changes, the conflicts
/// when someone else changed a text the reader changed too.
async fn merged_notes(
    store: &dyn Store,
    caller: &Caller,
    before: &Review,
    edits: &[ItemEdit],
) -> ApiResult<Option<Result<Review, Vec<ItemConflict>>>> {
    use super::edits::{merge, Merge};
    let team = team(store, &before.team_id).await?;
    let actor = access::Actor::load(store, &caller.person).await?;
    let ids: Vec<ObjectiveId> = before
        .items
        .iter()
        .map(|i| i.objective_id.clone())
        .collect();
    let seen = Viewer::of(&caller.person).visible(store, &ids).await?;
    let may_note = |i: &ReviewItem| {
        seen.contains(&i.objective_id)
            && access::note_review_item(&actor, &team, &i.owner_id).is_ok()
    };
    if !before.items.iter().any(may_note) {
        return Err(ApiError::forbidden(
            "only the owners of the OKRs on the agenda and whoever runs the review write on it",
        ));
    }
    let mut after = before.clone();
    let mut conflicts = vec![];
    for e in edits {
        let idx = before
            .items
            .iter()
            .position(|i| i.objective_id == e.objective_id && may_note(i))
            .ok_or(ApiError::NotFound("review item"))?;
        let stored = e.text.of(&before.items[idx]);
        match merge(&e.seen, &e.typed, stored) {
            Merge::Keep => {}
            Merge::Conflict => conflicts.push(ItemConflict {
                objective_id: e.objective_id.clone(),
                text: e.text,
                theirs: stored.to_string(),
            }),
            Merge::Write => {
                let typed = Some(e.typed.clone());
                let item = after.items[idx].clone();
                let item = match e.text {
                    ItemText::Notes => item.with_notes(typed, None),
                    ItemText::Decisions => item.with_notes(None, typed),
                };
                after.items[idx] = item.map_err(|f| {
                    ApiError::invalid(&format!("{}.{}", f.field, e.objective_id), f.message)
                })?;
            }
        }
    }
    if !conflicts.is_empty() {
        return Ok(Some(Err(conflicts)));
    }
    Ok((after != *before).then_some(Ok(after)))
}
