//! The owner's pages in one call each: My week, the one-screen weekly check-in and the objective
//! page. Why a service and not queries in the page handlers: the pages must see exactly what the
//! API lets the caller see and do, so reads go through `okrs::get_objective` and `views`, and
//! every permission is asked of `authz` (the one place for rules). Each function costs a
//! constant number of queries, whatever the number of OKRs on the page.

use crate::auth::Caller;
use crate::authz;
use crate::error::{ApiError, ApiResult};
use crate::services::now;
use crate::services::okrs::{get_objective, NewCheckIn};
use crate::views::{self, KeyResultView, ObjectiveView, PersonSummary};
use keel_domain::*;
use keel_store::{
    AuditLog, Cfrs, CheckIns, CycleFilter, Cycles, Initiatives, KeyResults, Objectives, Ownership,
    OwnershipRequestFilter, PageRequest, People, Settings, Store, Teams,
};
use std::collections::{HashMap, HashSet};

/// How a person is involved in an OKR, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Involvement {
    Owner,
    CoOwner,
    Sponsor,
    Contributor,
    /// Owns the objective the key result belongs to.
    ObjectiveOwner,
}

impl Involvement {
    pub fn word(self) -> &'static str {
        match self {
            Involvement::Owner => "owner",
            Involvement::CoOwner => "co-owner",
            Involvement::Sponsor => "sponsor",
            Involvement::Contributor => "contributor",
            Involvement::ObjectiveOwner => "objective owner",
        }
    }
}

fn involvement(
    me: &PersonId,
    owner: &PersonId,
    co_owners: &[PersonId],
    sponsor: Option<&PersonId>,
) -> Involvement {
    if owner == me {
        Involvement::Owner
    } else if co_owners.contains(me) {
        Involvement::CoOwner
    } else if sponsor == Some(me) {
        Involvement::Sponsor
    } else {
        Involvement::Contributor
    }
}

/// A key result on My week.
#[derive(Debug, Clone)]
pub struct MyKeyResult {
    pub key_result: KeyResultView,
    pub objective_title: String,
    pub involvement: Involvement,
    /// The caller may check in on it now (permitted, and neither it nor its cycle is closed).
    pub can_check_in: bool,
    /// Its check-in is due by the rhythm's own rule (`views::KeyResultView::check_in_due`: the
    /// team's or organisation's cadence and check-in day), and the caller may check in.
    pub due: bool,
}

/// An ownership request waiting for the caller's answer.
#[derive(Debug, Clone)]
pub struct WaitingRequest {
    pub request: OwnershipRequest,
    /// The objective or key result's title.
    pub title: String,
    /// The objective to link to (the key result's, for a key result).
    pub objective_id: ObjectiveId,
    pub proposed_by: Option<PersonSummary>,
}

/// Everything on My week.
#[derive(Debug, Clone)]
pub struct MyWeek {
    /// Objectives the caller owns, co-owns, sponsors or contributes to.
    pub objectives: Vec<(ObjectiveView, Involvement)>,
    /// Key results the caller is involved in, and those of the objectives they own.
    pub key_results: Vec<MyKeyResult>,
    pub requests: Vec<WaitingRequest>,
    pub confidence_scale: ConfidenceScale,
}

/// The caller's OKRs with the objectives and cycles around them: six queries.
struct Mine {
    involved: keel_store::Involvement,
    objectives: HashMap<ObjectiveId, Objective>,
    key_results: Vec<KeyResult>,
    closed_cycles: HashSet<CycleId>,
}

async fn mine(store: &dyn Store, caller: &Caller) -> ApiResult<Mine> {
    let me = &caller.person.id;
    let involved = store.okrs_involving(me).await?;
    let mut ids: Vec<ObjectiveId> = involved.objectives.iter().map(|o| o.id.clone()).collect();
    for k in &involved.key_results {
        if !ids.contains(&k.objective_id) {
            ids.push(k.objective_id.clone());
        }
    }
    let objectives: HashMap<ObjectiveId, Objective> = store
        .objectives_by_ids(&ids)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    // My key results, and every key result of an objective I own (I may check in on those).
    let owned: Vec<ObjectiveId> = objectives
        .values()
        .filter(|o| &o.owner_id == me)
        .map(|o| o.id.clone())
        .collect();
    let mut key_results = involved.key_results.clone();
    if !owned.is_empty() {
        for k in store.key_results_of(&owned).await? {
            if !key_results.iter().any(|m| m.id == k.id) {
                key_results.push(k);
            }
        }
    }
    let closed_cycles = store
        .list_cycles(
            &CycleFilter {
                state: Some(CycleState::Closed),
            },
            &PageRequest {
                limit: 500,
                cursor: None,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|c| c.id)
        .collect();
    Ok(Mine {
        involved,
        objectives,
        key_results,
        closed_cycles,
    })
}

impl Mine {
    fn locked(&self, o: &Objective) -> bool {
        o.state == ObjectiveState::Closed || self.closed_cycles.contains(&o.cycle_id)
    }
}

/// My week for the caller.
pub async fn my_week(store: &dyn Store, caller: &Caller) -> ApiResult<MyWeek> {
    let me = &caller.person.id;
    let mine = mine(store, caller).await?;
    let settings = store.settings().await?;
    // Views of every objective on the page (with their key results and names): four queries.
    let mut all: Vec<Objective> = mine.objectives.values().cloned().collect();
    all.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
    let views = views::objectives(store, all).await?;
    let by_id: HashMap<ObjectiveId, &ObjectiveView> =
        views.iter().map(|v| (v.id.clone(), v)).collect();
    let objectives = mine
        .involved
        .objectives
        .iter()
        .filter_map(|o| by_id.get(&o.id).map(|v| ((*v).clone(), o)))
        .map(|(v, o)| {
            let inv = involvement(me, &o.owner_id, &o.co_owner_ids, o.sponsor_id.as_ref());
            (v, inv)
        })
        .collect();
    let mut key_results = Vec::new();
    for k in &mine.key_results {
        let Some(o) = mine.objectives.get(&k.objective_id) else {
            continue;
        };
        let Some(view) = by_id
            .get(&o.id)
            .and_then(|v| v.key_results.iter().find(|kv| kv.id == k.id))
        else {
            continue;
        };
        let inv = if mine.involved.key_results.iter().any(|m| m.id == k.id) {
            involvement(me, &k.owner_id, &k.co_owner_ids, k.sponsor_id.as_ref())
        } else {
            Involvement::ObjectiveOwner
        };
        let can_check_in = authz::check_in(&caller.person, k, o).is_ok() && !mine.locked(o);
        key_results.push(MyKeyResult {
            key_result: view.clone(),
            objective_title: o.title.clone(),
            involvement: inv,
            due: can_check_in && view.check_in_due,
            can_check_in,
        });
    }
    // Requests waiting for me: the OKRs are mine (I am their proposed owner), so their titles
    // are already loaded; one query for the requests and one for the proposers' names.
    let requests = store
        .list_ownership_requests(
            &OwnershipRequestFilter {
                state: Some(RequestState::Pending),
                proposed_owner_id: Some(me.clone()),
                ..OwnershipRequestFilter::new(keel_store::Reader::Everyone)
            },
            &PageRequest {
                limit: 100,
                cursor: None,
            },
        )
        .await?
        .items;
    let proposers: Vec<PersonId> = requests
        .iter()
        .filter_map(|r| r.proposed_by.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let names: HashMap<PersonId, PersonSummary> = store
        .people_by_ids(&proposers)
        .await?
        .iter()
        .map(|p| (p.id.clone(), PersonSummary::from(p)))
        .collect();
    let requests = requests
        .into_iter()
        .filter_map(|r| {
            let (title, objective_id) = match &r.okr {
                OkrRef::Objective(id) => (mine.objectives.get(id)?.title.clone(), id.clone()),
                OkrRef::KeyResult(id) => {
                    let k = mine.key_results.iter().find(|k| &k.id == id)?;
                    (k.title.clone(), k.objective_id.clone())
                }
            };
            Some(WaitingRequest {
                proposed_by: r.proposed_by.as_ref().and_then(|p| names.get(p).cloned()),
                request: r,
                title,
                objective_id,
            })
        })
        .collect();
    Ok(MyWeek {
        objectives,
        key_results,
        requests,
        confidence_scale: settings.confidence_scale,
    })
}

/// One row of the weekly check-in that failed, by its position in the submission.
#[derive(Debug)]
pub struct RowError {
    pub row: usize,
    pub error: ApiError,
}

/// The weekly check-in: one check-in per row, all or nothing. Every row is checked first
/// (permission, lock, confidence scale, value); if any fails, nothing is written and every
/// row's error is returned (`Ok(Err(..))`). Otherwise all are recorded in one transaction.
/// A constant number of queries whatever the number of rows.
pub async fn weekly_check_in(
    store: &dyn Store,
    caller: &Caller,
    rows: Vec<(KeyResultId, NewCheckIn)>,
) -> ApiResult<Result<Vec<KeyResult>, Vec<RowError>>> {
    let mine = mine(store, caller).await?;
    let settings = store.settings().await?;
    let t = now();
    let mut errors = Vec::new();
    let mut ready = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    for (row, (id, input)) in rows.into_iter().enumerate() {
        match prepare(&mine, caller, settings.confidence_scale, t, &id, input) {
            Ok(_) if !seen.insert(id.clone()) => errors.push(RowError {
                row,
                error: ApiError::invalid("key_result_id", "this key result appears twice"),
            }),
            Ok(pair) => ready.push(pair),
            Err(error) => errors.push(RowError { row, error }),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(store
        .record_check_ins(&caller.write_ctx(), &ready)
        .await?))
}

/// One row checked as `okrs::check_in` checks a single check-in.
fn prepare(
    mine: &Mine,
    caller: &Caller,
    scale: ConfidenceScale,
    t: chrono::DateTime<chrono::Utc>,
    id: &KeyResultId,
    input: NewCheckIn,
) -> ApiResult<(CheckIn, KeyResult)> {
    let kr = mine
        .key_results
        .iter()
        .find(|k| &k.id == id)
        .ok_or(ApiError::NotFound("key result"))?;
    let o = mine
        .objectives
        .get(&kr.objective_id)
        .ok_or(ApiError::NotFound("objective"))?;
    authz::check_in(&caller.person, kr, o)?;
    if mine.locked(o) {
        return Err(ApiError::Conflict {
            field: None,
            message: "this OKR is closed: it can no longer be checked in on".into(),
        });
    }
    let check_in = CheckIn {
        id: CheckInId::generate(),
        key_result_id: kr.id.clone(),
        value: input.value,
        confidence: Confidence::new(input.confidence, scale)?,
        note: input.note,
        author_id: Some(caller.person.id.clone()),
        // As `okrs::check_in` stores it: microseconds, the precision of both databases.
        at: input
            .at
            .map(|a| chrono::DateTime::from_timestamp_micros(a.timestamp_micros()).unwrap_or(a))
            .unwrap_or(t),
        created_at: t,
    }
    .validated()?;
    let mut applied = kr.clone();
    applied.apply_value(check_in.value)?;
    applied.confidence = Some(check_in.confidence.value());
    applied.last_check_in_at = Some(check_in.at);
    Ok((check_in, applied))
}

/// A parent of an objective, named.
#[derive(Debug, Clone)]
pub struct ParentLink {
    /// The objective to link to (a key result's objective for a key result).
    pub objective_id: ObjectiveId,
    pub title: String,
    /// `objective` or `key result`.
    pub kind: &'static str,
}

/// What the caller may do on an objective page.
#[derive(Debug, Clone, Default)]
pub struct Abilities {
    pub edit_objective: bool,
    /// Per key result id.
    pub edit_key_result: HashSet<KeyResultId>,
    pub check_in: HashSet<KeyResultId>,
    pub manage_initiatives: HashSet<KeyResultId>,
    /// May override the objective's derived status (its owner or an administrator).
    pub override_status: bool,
    /// May open the close-out page: score a key result or write the retrospective.
    pub close_out: bool,
    /// The objective or its cycle is closed: nothing changes.
    pub locked: bool,
    /// May recognise someone's check-in (everyone but viewers: `authz::give_feedback`).
    pub recognise: bool,
}

/// Everything on an objective page.
#[derive(Debug, Clone)]
pub struct ObjectivePage {
    pub objective: ObjectiveView,
    pub cycle: Option<Cycle>,
    /// Per key result, oldest first.
    pub check_ins: HashMap<KeyResultId, Vec<CheckIn>>,
    /// Per key result, oldest first.
    pub initiatives: HashMap<KeyResultId, Vec<Initiative>>,
    pub parents: Vec<ParentLink>,
    pub children: Vec<Objective>,
    /// Every ownership request on the objective and its key results, oldest first.
    pub ownership_history: Vec<OwnershipRequest>,
    /// The latest changes to the objective and everything under it (the audit log, as
    /// `GET /objectives/{id}/history` shows it), newest first.
    pub changes: Vec<keel_domain::audit::AuditEvent>,
    /// Names of everyone the page mentions beyond the views (initiative owners, authors,
    /// proposers).
    pub people: HashMap<PersonId, PersonSummary>,
    pub can: Abilities,
    /// The key results as stored (for replaying the check-in history).
    pub key_results: Vec<KeyResult>,
    /// Recognition on the objective and its key results (their check-ins included), newest
    /// first.
    pub recognitions: Vec<keel_domain::cfr::Recognition>,
}

/// How many of the latest changes the objective page lists (the API pages through the rest).
pub const HISTORY_LIMIT: u32 = 50;

/// The objective page: the objective as the API shows it, its cycle, check-in history,
/// initiatives, parents, children and ownership history, in a constant number of queries (one
/// more per parent key result, of which an objective has at most a few).
pub async fn objective_page(
    store: &dyn Store,
    caller: &Caller,
    id: &ObjectiveId,
) -> ApiResult<ObjectivePage> {
    let viewer = super::visibility::Viewer::of(&caller.person);
    let o = get_objective(store, &viewer, id).await?;
    let view = views::objective(store, o.clone()).await?;
    let cycle = store.cycle(&o.cycle_id).await?;
    let kr_ids: Vec<KeyResultId> = view.key_results.iter().map(|k| k.id.clone()).collect();
    let mut check_ins: HashMap<KeyResultId, Vec<CheckIn>> = HashMap::new();
    for c in store.check_ins_of(&kr_ids).await? {
        check_ins
            .entry(c.key_result_id.clone())
            .or_default()
            .push(c);
    }
    let mut initiatives: HashMap<KeyResultId, Vec<Initiative>> = HashMap::new();
    for i in store.initiatives_of(&kr_ids).await? {
        initiatives
            .entry(i.key_result_id.clone())
            .or_default()
            .push(i);
    }
    let parent_objective_ids: Vec<ObjectiveId> = o
        .parents
        .iter()
        .filter_map(|p| match p {
            ParentRef::Objective(id) => Some(id.clone()),
            ParentRef::KeyResult(_) => None,
        })
        .collect();
    let parent_objectives: HashMap<ObjectiveId, Objective> = viewer
        .retain(
            store,
            store.objectives_by_ids(&parent_objective_ids).await?,
            |p| &p.id,
        )
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut parents = Vec::new();
    for p in &o.parents {
        match p {
            ParentRef::Objective(pid) => {
                if let Some(po) = parent_objectives.get(pid) {
                    parents.push(ParentLink {
                        objective_id: po.id.clone(),
                        title: po.title.clone(),
                        kind: "objective",
                    });
                }
            }
            ParentRef::KeyResult(kid) => {
                let visible = match store.key_result(kid).await? {
                    Some(k)
                        if viewer
                            .visible(store, std::slice::from_ref(&k.objective_id))
                            .await?
                            .contains(&k.objective_id) =>
                    {
                        Some(k)
                    }
                    _ => None,
                };
                if let Some(k) = visible {
                    parents.push(ParentLink {
                        objective_id: k.objective_id.clone(),
                        title: k.title.clone(),
                        kind: "key result",
                    });
                }
            }
        }
    }
    // Children: objectives aligned to this objective or to any of its key results.
    let children = viewer
        .retain(store, store.children_of_objective(&o.id).await?, |c| &c.id)
        .await?;
    let ownership_history = store.ownership_requests_of_objective(&o.id).await?;
    let changes = store
        .list_audit(
            &keel_store::AuditFilter {
                object_id: Some(o.id.to_string()),
                ..keel_store::AuditFilter::new(keel_store::Reader::Everyone)
            },
            &PageRequest {
                limit: HISTORY_LIMIT,
                cursor: None,
            },
        )
        .await?
        .items;
    let okr_ids: Vec<String> = std::iter::once(o.id.to_string())
        .chain(kr_ids.iter().map(|k| k.to_string()))
        .collect();
    let recognitions = keel_store::every_page(|page| {
        let okr_ids = &okr_ids;
        async move { store.recognitions_on_okrs(okr_ids, &page).await }
    })
    .await?;
    let mut wanted: HashSet<PersonId> = HashSet::new();
    wanted.extend(changes.iter().filter_map(|e| e.actor_id.clone()));
    for r in &recognitions {
        wanted.insert(r.from_id.clone());
        wanted.insert(r.to_id.clone());
    }
    for r in &ownership_history {
        wanted.insert(r.proposed_owner_id.clone());
        wanted.extend(r.proposed_by.iter().cloned());
        wanted.extend(r.previous_owner_id.iter().cloned());
    }
    for list in initiatives.values() {
        wanted.extend(list.iter().map(|i| i.owner_id.clone()));
    }
    for list in check_ins.values() {
        wanted.extend(list.iter().filter_map(|c| c.author_id.clone()));
    }
    let wanted: Vec<PersonId> = wanted.into_iter().collect();
    let people = store
        .people_by_ids(&wanted)
        .await?
        .iter()
        .map(|p| (p.id.clone(), PersonSummary::from(p)))
        .collect();
    let closed_cycle = cycle
        .as_ref()
        .is_some_and(|c| c.state == CycleState::Closed);
    let locked = closed_cycle || o.state == ObjectiveState::Closed;
    let krs = store.key_results_of(std::slice::from_ref(&o.id)).await?;
    let actor = authz::Actor::load(store, &caller.person).await?;
    let mut can = Abilities {
        edit_objective: authz::edit_objective(&actor, &o).is_ok(),
        override_status: authz::override_status(&caller.person, &o).is_ok(),
        close_out: authz::write_retrospective(&caller.person, &o).is_ok()
            || krs
                .iter()
                .any(|k| authz::score_key_result(&caller.person, k, &o).is_ok()),
        locked,
        recognise: authz::give_feedback(&caller.person).is_ok(),
        ..Default::default()
    };
    for k in &krs {
        if authz::edit_key_result(&actor, k, &o).is_ok() {
            can.edit_key_result.insert(k.id.clone());
        }
        if authz::check_in(&caller.person, k, &o).is_ok() {
            can.check_in.insert(k.id.clone());
        }
        if authz::manage_initiatives(&actor, k, &o).is_ok() {
            can.manage_initiatives.insert(k.id.clone());
        }
    }
    Ok(ObjectivePage {
        objective: view,
        cycle,
        check_ins,
        initiatives,
        parents,
        children,
        ownership_history,
        changes,
        people,
        can,
        key_results: krs,
        recognitions,
    })
}

/// One initiative (404 when unknown).
pub async fn initiative(store: &dyn Store, id: &InitiativeId) -> ApiResult<Initiative> {
    store
        .initiative(id)
        .await?
        .ok_or(ApiError::NotFound("initiative"))
}

/// The choices the OKR forms offer: open cycles, active people, teams, and objectives to align
/// to. Four queries.
#[derive(Debug, Clone, Default)]
pub struct FormOptions {
    pub cycles: Vec<Cycle>,
    pub people: Vec<Person>,
    pub teams: Vec<Team>,
    pub objectives: Vec<Objective>,
}

/// How many of each the forms offer (a select beyond this would not be usable anyway).
const OPTIONS_LIMIT: u32 = 500;

pub async fn form_options(store: &dyn Store) -> ApiResult<FormOptions> {
    let page = || PageRequest {
        limit: OPTIONS_LIMIT,
        cursor: None,
    };
    let cycles = store
        .list_cycles(&CycleFilter::default(), &page())
        .await?
        .items
        .into_iter()
        .filter(|c| c.state != CycleState::Closed)
        .collect();
    let people = store
        .list_people(
            &keel_store::PeopleFilter {
                active: Some(true),
                ..Default::default()
            },
            &page(),
        )
        .await?
        .items;
    let teams = store
        .list_teams(&keel_store::TeamFilter::default(), &page())
        .await?
        .items;
    let objectives = store
        .list_objectives(
            &keel_store::ObjectiveFilter::new(keel_store::Reader::Everyone),
            &page(),
        )
        .await?
        .items
        .into_iter()
        .filter(|o| o.state != ObjectiveState::Closed)
        .collect();
    Ok(FormOptions {
        cycles,
        people,
        teams,
        objectives,
    })
}

/// Active people, by name, for choosing a new owner (one query).
pub async fn active_people(store: &dyn Store) -> ApiResult<Vec<Person>> {
    Ok(store
        .list_people(
            &keel_store::PeopleFilter {
                active: Some(true),
                ..Default::default()
            },
            &PageRequest {
                limit: OPTIONS_LIMIT,
                cursor: None,
            },
        )
        .await?
        .items)
}
