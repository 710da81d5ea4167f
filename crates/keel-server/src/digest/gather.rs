//! What the digest and the reminders say, gathered once for the whole organisation: a walk over
//! the active objectives a page at a time (as the evaluator walks them), deriving each key
//! result's status now and as of a week ago with the one rule (`Assessor`, `as_of`), and
//! indexing the results by the people they concern. Building one person's digest then reads
//! memory only, so 10,000 digests cost a few hundred queries, not 10,000 times a dozen.

use crate::error::ApiResult;
use crate::jobs::evaluator::{ActiveBatches, BATCH};
use crate::services::rhythm::Assessor;
use keel_domain::rhythm::Status;
use keel_domain::*;
use keel_store::{
    every_page, KeyResults, ObjectiveFilter, Objectives, Ownership, OwnershipRequestFilter, Reader,
    Store, Teams,
};
use std::collections::HashMap;
use std::sync::Arc;

/// One active key result, as the digest speaks of it. What it shares with the other key results
/// of its objective (id, title, visibility) is held once, behind an `Arc`: the lines of the
/// whole organisation stay in memory for the round.
#[derive(Debug, Clone)]
pub struct Line {
    pub key_result_id: KeyResultId,
    pub key_result_title: String,
    pub objective: Arc<LineObjective>,
    pub status: Status,
    /// Its status as of a week ago (the same rule, on the record and check-ins up to then).
    pub last_week: Status,
    /// Its check-in is due (never for drafts, work awaiting its owner, or closed work).
    pub due: bool,
    pub due_on: chrono::NaiveDate,
}

/// The objective of lines, as the digest speaks of it.
#[derive(Debug)]
pub struct LineObjective {
    pub id: ObjectiveId,
    pub title: String,
    /// Whether everybody may read it (public objective): others' lines are checked per reader.
    pub public: bool,
}

impl Line {
    /// Turned off track this week: off track now and not a week ago.
    pub fn newly_off_track(&self) -> bool {
        self.status == Status::OffTrack && self.last_week != Status::OffTrack
    }

    /// Its status changed since last week.
    pub fn moved(&self) -> bool {
        self.status != self.last_week
    }
}

/// The positions of lines in [`Facts::lines`] (`u32`: an index per line and person, for every
/// person of the organisation, is most of what the round holds).
pub type LineIndexes = Vec<u32>;

/// Everything the week's messages say, indexed by person.
#[derive(Debug, Default)]
pub struct Facts {
    pub lines: Vec<Line>,
    /// The lines each person owns.
    pub owned: HashMap<PersonId, LineIndexes>,
    /// The lines of OKRs each person sponsors or contributes to (or owns the objective of)
    /// without owning the key result.
    pub involved: HashMap<PersonId, LineIndexes>,
    /// The lines of each team lead's teams' OKRs.
    pub led: HashMap<PersonId, LineIndexes>,
    /// Ownership requests waiting for each person's answer.
    pub requests: HashMap<PersonId, usize>,
}

/// Gathers the facts as of `now`, compared with `now - 7 days`.
pub async fn gather(store: &dyn Store, now: Timestamp) -> ApiResult<Facts> {
    let mut facts = Facts::default();
    let leads = team_leads(store).await?;
    let mut batches = ActiveBatches::new();
    while let Some(active) = batches.next(store).await? {
        gather_batch(store, now, &active, &leads, &mut facts).await?;
    }
    count_requests(store, None, &mut facts).await?;
    Ok(facts)
}

/// The facts one person's digest needs (the preview page): the OKRs they take part in and
/// their teams' OKRs only.
pub async fn gather_for(store: &dyn Store, person: &PersonId, now: Timestamp) -> ApiResult<Facts> {
    let mut facts = Facts::default();
    let leads = team_leads(store).await?;
    let involvement = store.okrs_involving(person).await?;
    let mut ids: Vec<ObjectiveId> = involvement
        .objectives
        .iter()
        .map(|o| o.id.clone())
        .chain(
            involvement
                .key_results
                .iter()
                .map(|k| k.objective_id.clone()),
        )
        .collect();
    for team in store.teams_led_by(person).await? {
        let team = &team;
        let led = every_page(|page| async move {
            let filter = ObjectiveFilter {
                team_id: Some(team.clone()),
                ..ObjectiveFilter::new(Reader::Everyone)
            };
            store.list_objectives(&filter, &page).await
        })
        .await?;
        ids.extend(led.into_iter().map(|o| o.id));
    }
    ids.sort();
    ids.dedup();
    for chunk in ids.chunks(BATCH as usize) {
        let active: Vec<Objective> = store
            .objectives_by_ids(chunk)
            .await?
            .into_iter()
            .filter(|o| o.state == ObjectiveState::Active)
            .collect();
        gather_batch(store, now, &active, &leads, &mut facts).await?;
    }
    count_requests(store, Some(person), &mut facts).await?;
    Ok(facts)
}

/// Counts the ownership requests waiting for each person (or for `only`).
async fn count_requests(
    store: &dyn Store,
    only: Option<&PersonId>,
    facts: &mut Facts,
) -> ApiResult<()> {
    let pending = every_page(|page| async move {
        store
            .list_ownership_requests(
                &OwnershipRequestFilter {
                    state: Some(RequestState::Pending),
                    proposed_owner_id: only.cloned(),
                    ..OwnershipRequestFilter::new(Reader::Everyone)
                },
                &page,
            )
            .await
    })
    .await?;
    for r in pending {
        *facts.requests.entry(r.proposed_owner_id).or_default() += 1;
    }
    Ok(())
}

/// Each team's lead.
async fn team_leads(store: &dyn Store) -> ApiResult<HashMap<TeamId, PersonId>> {
    let teams = every_page(|page| async move {
        store
            .list_teams(&keel_store::TeamFilter::default(), &page)
            .await
    })
    .await?;
    Ok(teams
        .into_iter()
        .filter_map(|t| t.lead_id.map(|l| (t.id, l)))
        .collect())
}

async fn gather_batch(
    store: &dyn Store,
    now: Timestamp,
    objectives: &[Objective],
    leads: &HashMap<TeamId, PersonId>,
    facts: &mut Facts,
) -> ApiResult<()> {
    if objectives.is_empty() {
        return Ok(());
    }
    let ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
    let key_results = store.key_results_of(&ids).await?;
    let today = Assessor::load(store, objectives, &key_results).await?;
    // A week ago: the same records, cut at that moment (no second load).
    let last_week = today
        .clone()
        .as_of(store, &ids, now - chrono::Duration::days(7))
        .await?;
    let by_id: HashMap<&ObjectiveId, (&Objective, Arc<LineObjective>)> = objectives
        .iter()
        .map(|o| {
            let shared = Arc::new(LineObjective {
                id: o.id.clone(),
                title: o.title.clone(),
                public: o.visibility == Visibility::Public,
            });
            (&o.id, (o, shared))
        })
        .collect();
    for kr in &key_results {
        let Some((o, shared)) = by_id.get(&kr.objective_id) else {
            continue;
        };
        let a = today.key_result(kr, o);
        if matches!(
            a.status,
            Status::Draft | Status::AwaitingOwner | Status::Closed
        ) {
            continue;
        }
        let index = u32::try_from(facts.lines.len())
            .map_err(|_| crate::error::ApiError::Internal("too many key results".into()))?;
        facts.lines.push(Line {
            key_result_id: kr.id.clone(),
            key_result_title: kr.title.clone(),
            objective: Arc::clone(shared),
            status: a.status,
            last_week: last_week.key_result(kr, o).status,
            due: a.due,
            due_on: a.due_on,
        });
        index_line(facts, index, kr, o, leads);
    }
    Ok(())
}

/// Files line `index` under the people it concerns.
fn index_line(
    facts: &mut Facts,
    index: u32,
    kr: &KeyResult,
    o: &Objective,
    leads: &HashMap<TeamId, PersonId>,
) {
    facts
        .owned
        .entry(kr.owner_id.clone())
        .or_default()
        .push(index);
    let mut involved: Vec<&PersonId> = kr
        .sponsor_id
        .iter()
        .chain(o.sponsor_id.iter())
        .chain(std::iter::once(&o.owner_id))
        .chain(kr.contributor_ids.iter())
        .chain(kr.co_owner_ids.iter())
        .filter(|p| **p != kr.owner_id)
        .collect();
    involved.sort();
    involved.dedup();
    for p in involved {
        facts.involved.entry(p.clone()).or_default().push(index);
    }
    let mut led: Vec<&PersonId> = o
        .team_ids
        .iter()
        .chain(kr.team_ids.iter())
        .filter_map(|t| leads.get(t))
        .filter(|p| **p != kr.owner_id)
        .collect();
    led.sort();
    led.dedup();
    for p in led {
        facts.led.entry(p.clone()).or_default().push(index);
    }
}
