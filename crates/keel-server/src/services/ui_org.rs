//! Read models for the organisation pages of the web UI: a team, the company's goal tree, the
//! ownership map, the health findings and the administration lists.
//!
//! Each function assembles one page with a constant number of queries, from the same views the
//! JSON API returns (`views::objectives`), and makes the permission decisions through `authz`.
//! They live here rather than in the UI handlers so that the rules landing later (visibility:
//! which OKRs a caller may see; the rhythm: derived statuses) change one file, not every page.

use super::visibility::Viewer;
use crate::auth::Caller;
use crate::authz;
use crate::error::{ApiError, ApiResult};
use crate::services::{directory, health, ownership};
use crate::views::{self, KeyResultView, ObjectiveView};
use keel_domain::health::Finding;
use keel_domain::rhythm::Status;
use keel_domain::*;
use keel_store::{
    Accounts, CycleFilter, Cycles, KeyResults, ObjectiveFilter, Objectives, PageRequest, People,
    PeopleFilter, Settings, Store, TeamFilter, Teams,
};
use std::collections::{HashMap, HashSet};

/// Largest page the store serves; lists are read to the end in pages of this size.
const PAGE: u32 = 500;

fn first_page() -> PageRequest {
    PageRequest {
        limit: PAGE,
        cursor: None,
    }
}

/// Every cycle, newest first.
pub async fn cycles(store: &dyn Store) -> ApiResult<Vec<Cycle>> {
    let mut out = vec![];
    let mut page = first_page();
    loop {
        let p = store.list_cycles(&CycleFilter::default(), &page).await?;
        out.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    out.sort_by(|a, b| b.starts_on.cmp(&a.starts_on).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// The cycle a page shows when none is asked for: the shortest active cycle running today (a
/// quarter rather than its year), else any active one, else the most recent.
pub fn current_cycle(cycles: &[Cycle], today: chrono::NaiveDate) -> Option<&Cycle> {
    let running = cycles
        .iter()
        .filter(|c| c.state == CycleState::Active && c.starts_on <= today && today <= c.ends_on)
        .min_by_key(|c| c.ends_on - c.starts_on);
    running
        .or_else(|| cycles.iter().find(|c| c.state == CycleState::Active))
        .or_else(|| cycles.first())
}

/// The cycle named by `requested` (422 on `cycle_id` when unknown), else the current one.
pub fn pick_cycle(cycles: &[Cycle], requested: Option<&str>) -> ApiResult<Option<Cycle>> {
    match requested.filter(|r| !r.is_empty()) {
        Some(id) => cycles
            .iter()
            .find(|c| c.id.as_str() == id)
            .cloned()
            .map(Some)
            .ok_or_else(|| ApiError::invalid("cycle_id", format!("no cycle has the id '{id}'"))),
        None => Ok(current_cycle(cycles, chrono::Utc::now().date_naive()).cloned()),
    }
}

/// Every objective matching `filter`, read to the end.
async fn all_objectives(store: &dyn Store, filter: &ObjectiveFilter) -> ApiResult<Vec<Objective>> {
    let mut out = vec![];
    let mut page = first_page();
    loop {
        let p = store.list_objectives(filter, &page).await?;
        out.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    Ok(out)
}

/// Every team, read to the end, by name.
pub async fn all_teams(store: &dyn Store) -> ApiResult<Vec<Team>> {
    let mut out = vec![];
    let mut page = first_page();
    loop {
        let p = store.list_teams(&TeamFilter::default(), &page).await?;
        out.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    out.sort_by_key(|a| a.name.to_lowercase());
    Ok(out)
}

/// Every person, read to the end, by name.
pub async fn all_people(store: &dyn Store) -> ApiResult<Vec<Person>> {
    let mut out = vec![];
    let mut page = first_page();
    loop {
        let p = store.list_people(&PeopleFilter::default(), &page).await?;
        out.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    out.sort_by_key(|a| a.name.to_lowercase());
    Ok(out)
}

// ---------------------------------------------------------------- status

/// The word for a status, as the API spells it.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::OnTrack => "on_track",
        Status::AtRisk => "at_risk",
        Status::OffTrack => "off_track",
        Status::Stale => "stale",
        Status::Closed => "closed",
    }
}

/// Parses a status as the API spells it.
pub fn parse_status(field: &str, v: &str) -> ApiResult<Status> {
    [
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::Stale,
        Status::Closed,
    ]
    .into_iter()
    .find(|s| status_word(*s) == v)
    .ok_or_else(|| {
        ApiError::invalid(
            field,
            "must be on_track, at_risk, off_track, stale or closed",
        )
    })
}

// ---------------------------------------------------------------- team

/// A key result shared with a team whose objective is not.
pub struct SharedKeyResult {
    pub key_result: KeyResultView,
    pub objective: ObjectiveView,
}

/// Everything the team page shows.
pub struct TeamOverview {
    pub team: Team,
    pub parent: Option<Team>,
    pub sub_teams: Vec<Team>,
    pub lead: Option<Person>,
    pub members: Vec<Person>,
    pub cycles: Vec<Cycle>,
    pub cycle: Option<Cycle>,
    /// Objectives the team owns or shares in the cycle, each once.
    pub objectives: Vec<ObjectiveView>,
    /// Key results shared with the team under objectives that are not.
    pub shared_key_results: Vec<SharedKeyResult>,
    /// Health findings about the OKRs above.
    pub findings: Vec<LinkedFinding>,
}

/// The team page: its OKRs in one cycle (each once, with one progress), people, sub-teams and
/// health findings. About a dozen queries whatever the team's size.
pub async fn team_overview(
    store: &dyn Store,
    caller: &Caller,
    id: &TeamId,
    cycle_id: Option<&str>,
) -> ApiResult<TeamOverview> {
    let viewer = Viewer::of(&caller.person);
    let team = directory::get_team(store, id).await?;
    let cycles = cycles(store).await?;
    let cycle = pick_cycle(&cycles, cycle_id)?;
    let mut ids: Vec<PersonId> = team.member_ids.clone();
    ids.extend(team.lead_id.iter().cloned());
    let mut people = store.people_by_ids(&ids).await?;
    people.sort_by_key(|a| a.name.to_lowercase());
    let lead = team
        .lead_id
        .as_ref()
        .and_then(|l| people.iter().find(|p| &p.id == l).cloned());
    let members = people
        .into_iter()
        .filter(|p| team.member_ids.contains(&p.id))
        .collect();
    let parent = match &team.parent_id {
        Some(p) => store.team(p).await?,
        None => None,
    };
    let mut sub_teams = store
        .list_teams(
            &TeamFilter {
                parent_id: Some(team.id.clone()),
                member_id: None,
            },
            &first_page(),
        )
        .await?
        .items;
    sub_teams.sort_by(|a, b| a.name.cmp(&b.name));

    let (objectives, shared_key_results, findings) = match &cycle {
        Some(c) => {
            let owned = all_objectives(
                store,
                &ObjectiveFilter {
                    cycle_id: Some(c.id.clone()),
                    team_id: Some(team.id.clone()),
                    ..ObjectiveFilter::new(keel_store::Reader::of(viewer.audience()))
                },
            )
            .await?;
            let shown: HashSet<ObjectiveId> = owned.iter().map(|o| o.id.clone()).collect();
            let shared_with = viewer
                .retain(store, store.key_results_shared_with(&team.id).await?, |k| {
                    &k.objective_id
                })
                .await?;
            let extra: Vec<KeyResult> = shared_with
                .into_iter()
                .filter(|k| !shown.contains(&k.objective_id))
                .collect();
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
                .filter(|o| o.cycle_id == c.id)
                .collect();
            let parents = views::objectives(store, parents).await?;
            let mut shared = vec![];
            for k in &extra {
                if let Some(p) = parents.iter().find(|p| p.id == k.objective_id) {
                    if let Some(view) = p.key_results.iter().find(|v| v.id == k.id) {
                        shared.push(SharedKeyResult {
                            key_result: view.clone(),
                            objective: p.clone(),
                        });
                    }
                }
            }
            let objectives = views::objectives(store, owned).await?;
            let mut okr_ids: HashSet<String> = HashSet::new();
            for o in &objectives {
                okr_ids.insert(o.id.to_string());
                okr_ids.extend(o.key_results.iter().map(|k| k.id.to_string()));
            }
            okr_ids.extend(shared.iter().map(|s| s.key_result.id.to_string()));
            let findings: Vec<Finding> = health::for_cycle(store, &viewer, &c.id)
                .await?
                .findings
                .into_iter()
                .filter(|f| okr_ids.contains(f.okr.id()))
                .collect();
            let mut objective_of: HashMap<String, ObjectiveId> = HashMap::new();
            for o in &objectives {
                objective_of.insert(o.id.to_string(), o.id.clone());
                for k in &o.key_results {
                    objective_of.insert(k.id.to_string(), o.id.clone());
                }
            }
            for s in &shared {
                objective_of.insert(s.key_result.id.to_string(), s.objective.id.clone());
            }
            let findings = link_findings(store, findings, |id| {
                objective_of.get(id).map(|o| (o.clone(), vec![]))
            })
            .await?;
            (objectives, shared, findings)
        }
        None => (vec![], vec![], vec![]),
    };
    Ok(TeamOverview {
        team,
        parent,
        sub_teams,
        lead,
        members,
        cycles,
        cycle,
        objectives,
        shared_key_results,
        findings,
    })
}

// ---------------------------------------------------------------- company

/// The company page's filters, from its query string (empty means any).
#[derive(Debug, Default, Clone)]
pub struct CompanyFilter {
    pub cycle_id: Option<String>,
    pub team_id: Option<String>,
    pub owner_id: Option<String>,
    pub status: Option<String>,
}

/// What the goal tree is built from: the teams, the cycle's objectives (filtered by owner and
/// status), and the people who own them.
pub struct CompanyData {
    pub cycles: Vec<Cycle>,
    pub cycle: Option<Cycle>,
    pub teams: Vec<Team>,
    /// Active people, for the owner filter and the person nodes.
    pub people: Vec<Person>,
    pub objectives: Vec<ObjectiveView>,
    pub status_filter: Option<Status>,
    pub team_filter: Option<TeamId>,
    pub owner_filter: Option<PersonId>,
}

/// The company page's data: six queries or so, whatever the organisation's size.
pub async fn company(
    store: &dyn Store,
    caller: &Caller,
    filter: &CompanyFilter,
) -> ApiResult<CompanyData> {
    let viewer = Viewer::of(&caller.person);
    let cycles = cycles(store).await?;
    let cycle = pick_cycle(&cycles, filter.cycle_id.as_deref())?;
    let teams = all_teams(store).await?;
    let people = all_people(store).await?;
    let team_filter = match filter.team_id.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => Some(
            teams
                .iter()
                .find(|x| x.id.as_str() == t)
                .map(|x| x.id.clone())
                .ok_or_else(|| ApiError::invalid("team_id", format!("no team has the id '{t}'")))?,
        ),
        None => None,
    };
    let owner_filter = match filter.owner_id.as_deref().filter(|t| !t.is_empty()) {
        Some(o) => Some(
            people
                .iter()
                .find(|x| x.id.as_str() == o)
                .map(|x| x.id.clone())
                .ok_or_else(|| {
                    ApiError::invalid("owner_id", format!("no person has the id '{o}'"))
                })?,
        ),
        None => None,
    };
    let status_filter = match filter.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(parse_status("status", s)?),
        None => None,
    };
    let objectives = match &cycle {
        Some(c) => {
            let found = all_objectives(
                store,
                &ObjectiveFilter {
                    cycle_id: Some(c.id.clone()),
                    ..ObjectiveFilter::new(keel_store::Reader::of(viewer.audience()))
                },
            )
            .await?;
            views::objectives(store, found)
                .await?
                .into_iter()
                .filter(|o| {
                    owner_filter.as_ref().is_none_or(|p| {
                        &o.owner_id == p || o.key_results.iter().any(|k| &k.owner_id == p)
                    })
                })
                .filter(|o| status_filter.is_none_or(|s| o.status == s))
                .collect()
        }
        None => vec![],
    };
    Ok(CompanyData {
        cycles,
        cycle,
        teams,
        people: people.into_iter().filter(|p| p.active).collect(),
        objectives,
        status_filter,
        team_filter,
        owner_filter,
    })
}

// ---------------------------------------------------------------- ownership map

/// One OKR in the ownership map.
pub struct OwnedOkr {
    pub okr: OkrRef,
    pub objective_id: ObjectiveId,
    pub title: String,
    pub progress: f64,
    pub ownership_state: OwnershipState,
}

/// One person's load in a cycle.
pub struct OwnerLoad {
    pub person: Person,
    pub owns: Vec<OwnedOkr>,
    pub co_owns: usize,
    pub sponsors: usize,
    pub contributes: usize,
    /// Above the organisation's `owner_overload` threshold.
    pub overloaded: bool,
}

/// A pending ownership request, with names.
pub struct PendingRequest {
    pub request: OwnershipRequest,
    pub objective_id: ObjectiveId,
    pub title: String,
    pub proposed_owner: Option<Person>,
    pub proposed_by: Option<Person>,
}

pub struct OwnershipMap {
    pub cycles: Vec<Cycle>,
    pub cycle: Option<Cycle>,
    pub threshold: u32,
    /// Everyone who owns, co-owns, sponsors or contributes to something in the cycle; most
    /// owned first.
    pub owners: Vec<OwnerLoad>,
    /// Pending requests about the cycle's OKRs that the caller may see, oldest first.
    pub pending: Vec<PendingRequest>,
}

/// Who owns what in a cycle, overload against the health threshold, and pending requests.
pub async fn ownership_map(
    store: &dyn Store,
    caller: &Caller,
    cycle_id: Option<&str>,
) -> ApiResult<OwnershipMap> {
    let cycles = cycles(store).await?;
    let cycle = pick_cycle(&cycles, cycle_id)?;
    let threshold = store.settings().await?.health.owner_overload;
    let Some(c) = &cycle else {
        return Ok(OwnershipMap {
            cycles,
            cycle,
            threshold,
            owners: vec![],
            pending: vec![],
        });
    };
    let objectives = views::objectives(
        store,
        all_objectives(
            store,
            &ObjectiveFilter {
                cycle_id: Some(c.id.clone()),
                ..ObjectiveFilter::new(keel_store::Reader::of(
                    Viewer::of(&caller.person).audience(),
                ))
            },
        )
        .await?,
    )
    .await?;
    #[derive(Default)]
    struct Load {
        owns: Vec<OwnedOkr>,
        co_owns: usize,
        sponsors: usize,
        contributes: usize,
    }
    let mut loads: HashMap<PersonId, Load> = HashMap::new();
    let mut titles: HashMap<String, (ObjectiveId, String)> = HashMap::new();
    // One OKR's circle counted into the loads: its owner owns it; co-owners, sponsor and
    // contributors each add one to their count.
    let mut count = |owned: OwnedOkr,
                     owner: &PersonId,
                     co_owners: &[PersonId],
                     sponsor: &Option<PersonId>,
                     contributors: &[PersonId]| {
        loads.entry(owner.clone()).or_default().owns.push(owned);
        for p in co_owners {
            loads.entry(p.clone()).or_default().co_owns += 1;
        }
        if let Some(p) = sponsor {
            loads.entry(p.clone()).or_default().sponsors += 1;
        }
        for p in contributors {
            loads.entry(p.clone()).or_default().contributes += 1;
        }
    };
    for o in &objectives {
        titles.insert(o.id.to_string(), (o.id.clone(), o.title.clone()));
        count(
            OwnedOkr {
                okr: OkrRef::Objective(o.id.clone()),
                objective_id: o.id.clone(),
                title: o.title.clone(),
                progress: o.progress,
                ownership_state: o.ownership_state,
            },
            &o.owner_id,
            &o.co_owner_ids,
            &o.sponsor_id,
            &o.contributor_ids,
        );
        for k in &o.key_results {
            titles.insert(k.id.to_string(), (o.id.clone(), k.title.clone()));
            count(
                OwnedOkr {
                    okr: OkrRef::KeyResult(k.id.clone()),
                    objective_id: o.id.clone(),
                    title: k.title.clone(),
                    progress: k.progress,
                    ownership_state: k.ownership_state,
                },
                &k.owner_id,
                &k.co_owner_ids,
                &k.sponsor_id,
                &k.contributor_ids,
            );
        }
    }
    let requests =
        ownership::list_requests(store, caller, Some(RequestState::Pending), &first_page())
            .await?
            .items;
    let requests: Vec<OwnershipRequest> = requests
        .into_iter()
        .filter(|r| titles.contains_key(r.okr.id()))
        .collect();
    let mut ids: HashSet<PersonId> = loads.keys().cloned().collect();
    for r in &requests {
        ids.insert(r.proposed_owner_id.clone());
        ids.extend(r.proposed_by.iter().cloned());
    }
    let people: HashMap<PersonId, Person> = store
        .people_by_ids(&ids.into_iter().collect::<Vec<_>>())
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut owners: Vec<OwnerLoad> = loads
        .into_iter()
        .filter_map(|(id, l)| {
            let person = people.get(&id)?.clone();
            Some(OwnerLoad {
                overloaded: l.owns.len() > threshold as usize,
                person,
                owns: l.owns,
                co_owns: l.co_owns,
                sponsors: l.sponsors,
                contributes: l.contributes,
            })
        })
        .collect();
    owners.sort_by(|a, b| {
        b.owns
            .len()
            .cmp(&a.owns.len())
            .then(a.person.name.cmp(&b.person.name))
    });
    let mut pending: Vec<PendingRequest> = requests
        .into_iter()
        .filter_map(|r| {
            let (objective_id, title) = titles.get(r.okr.id())?.clone();
            Some(PendingRequest {
                objective_id,
                title,
                proposed_owner: people.get(&r.proposed_owner_id).cloned(),
                proposed_by: r.proposed_by.as_ref().and_then(|p| people.get(p)).cloned(),
                request: r,
            })
        })
        .collect();
    pending.sort_by_key(|p| p.request.created_at);
    Ok(OwnershipMap {
        cycles,
        cycle,
        threshold,
        owners,
        pending,
    })
}

// ---------------------------------------------------------------- health

/// A finding with what it takes to link it to where it is fixed.
pub struct LinkedFinding {
    pub finding: Finding,
    /// The objective page that fixes it (the key result's objective for a key result).
    pub objective_id: Option<ObjectiveId>,
    pub person: Option<Person>,
    /// The teams the OKR is shared with.
    pub teams: Vec<(TeamId, String)>,
}

/// Names the person of each finding (one query) and finds its objective and teams with `place`.
async fn link_findings(
    store: &dyn Store,
    findings: Vec<Finding>,
    place: impl Fn(&str) -> Option<(ObjectiveId, Vec<(TeamId, String)>)>,
) -> ApiResult<Vec<LinkedFinding>> {
    let person_ids: Vec<PersonId> = findings
        .iter()
        .filter_map(|f| f.person_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let people: HashMap<PersonId, Person> = store
        .people_by_ids(&person_ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    Ok(findings
        .into_iter()
        .map(|f| {
            let (objective_id, teams) = match place(f.okr.id()) {
                Some((o, t)) => (Some(o), t),
                None => (None, vec![]),
            };
            LinkedFinding {
                objective_id,
                person: f.person_id.as_ref().and_then(|p| people.get(p)).cloned(),
                teams,
                finding: f,
            }
        })
        .collect())
}

pub struct HealthPage {
    pub cycles: Vec<Cycle>,
    pub cycle: Option<Cycle>,
    pub findings: Vec<LinkedFinding>,
}

/// The health findings of a cycle, each with its objective, person and teams.
pub async fn health_page(
    store: &dyn Store,
    caller: &Caller,
    cycle_id: Option<&str>,
) -> ApiResult<HealthPage> {
    authz::read_reports(&caller.person)?;
    let viewer = Viewer::of(&caller.person);
    let cycles = cycles(store).await?;
    let cycle = pick_cycle(&cycles, cycle_id)?;
    let Some(c) = &cycle else {
        return Ok(HealthPage {
            cycles,
            cycle,
            findings: vec![],
        });
    };
    let report = health::for_cycle(store, &viewer, &c.id).await?;
    let objectives = all_objectives(
        store,
        &ObjectiveFilter {
            cycle_id: Some(c.id.clone()),
            ..ObjectiveFilter::new(keel_store::Reader::of(viewer.audience()))
        },
    )
    .await?;
    let ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
    let krs = if ids.is_empty() {
        vec![]
    } else {
        store.key_results_of(&ids).await?
    };
    let mut objective_of: HashMap<String, (ObjectiveId, Vec<TeamId>)> = HashMap::new();
    for o in &objectives {
        objective_of.insert(o.id.to_string(), (o.id.clone(), o.team_ids.clone()));
    }
    for k in &krs {
        objective_of.insert(
            k.id.to_string(),
            (k.objective_id.clone(), k.team_ids.clone()),
        );
    }
    let team_ids: Vec<TeamId> = objective_of
        .values()
        .flat_map(|(_, t)| t.iter().cloned())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let teams: HashMap<TeamId, String> = store
        .teams_by_ids(&team_ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let findings = link_findings(store, report.findings, |id| {
        objective_of.get(id).map(|(o, ts)| {
            (
                o.clone(),
                ts.iter()
                    .filter_map(|t| teams.get(t).map(|n| (t.clone(), n.clone())))
                    .collect(),
            )
        })
    })
    .await?;
    Ok(HealthPage {
        cycles,
        cycle,
        findings,
    })
}

// ---------------------------------------------------------------- administration

/// A page of people for the administrators' list (administrators only).
pub async fn admin_people(
    store: &dyn Store,
    caller: &Caller,
    query: Option<String>,
    cursor: Option<String>,
) -> ApiResult<keel_store::Page<Person>> {
    authz::manage_people(&caller.person)?;
    Ok(store
        .list_people(
            &PeopleFilter {
                query: query.filter(|q| !q.trim().is_empty()),
                ..Default::default()
            },
            &PageRequest {
                limit: 100,
                cursor: cursor.filter(|c| !c.is_empty()),
            },
        )
        .await?)
}

/// One person to edit, with everyone (for the manager choice). Administrators only.
pub async fn admin_person(
    store: &dyn Store,
    caller: &Caller,
    id: &PersonId,
) -> ApiResult<(Person, Vec<Person>)> {
    authz::manage_people(&caller.person)?;
    let person = directory::get_person(store, id).await?;
    Ok((person, all_people(store).await?))
}

/// Everyone, for choosing a manager, a lead or members (the people-admin and team forms).
pub async fn people_to_choose(store: &dyn Store, _caller: &Caller) -> ApiResult<Vec<Person>> {
    all_people(store).await
}

/// Teams and people for the team administration pages (administrators and champions).
pub async fn admin_teams(
    store: &dyn Store,
    caller: &Caller,
) -> ApiResult<(Vec<Team>, Vec<Person>)> {
    may_list_teams(&caller.person)?;
    Ok((all_teams(store).await?, all_people(store).await?))
}

/// The list of teams (and creating one) is for whoever may manage a team without leading it;
/// a lead edits their own team from its page.
pub fn may_list_teams(person: &Person) -> ApiResult<()> {
    let actor = authz::Actor {
        person: person.clone(),
        led_teams: Default::default(),
    };
    authz::manage_team(&actor, None)
}

/// One team to edit, with every team and person to choose from (administrators, champions and
/// the team's lead).
pub async fn admin_team(
    store: &dyn Store,
    caller: &Caller,
    id: &TeamId,
) -> ApiResult<(Team, Vec<Team>, Vec<Person>)> {
    let team = directory::get_team(store, id).await?;
    authz::manage_team(
        &authz::Actor::load(store, &caller.person).await?,
        Some(&team),
    )?;
    Ok((team, all_teams(store).await?, all_people(store).await?))
}

/// Every cycle, for the cycle administration pages (administrators and champions).
pub async fn admin_cycles(store: &dyn Store, caller: &Caller) -> ApiResult<Vec<Cycle>> {
    authz::manage_cycles(&caller.person)?;
    cycles(store).await
}

/// The organisation settings, for their form (administrators and champions).
pub async fn admin_settings(store: &dyn Store, caller: &Caller) -> ApiResult<OrgSettings> {
    authz::manage_settings(&caller.person)?;
    Ok(store.settings().await?)
}

/// Single sign-on's configuration: `authz::configure_sso`.
pub fn may_read_sso(caller: &Caller) -> ApiResult<()> {
    authz::configure_sso(&caller.person)
}

/// The caller's own API tokens, newest first.
pub async fn own_tokens(store: &dyn Store, caller: &Caller) -> ApiResult<Vec<ApiToken>> {
    let mut tokens = store.list_tokens(&caller.person.id).await?;
    tokens.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    Ok(tokens)
}

/// Revokes one of the caller's own tokens; someone else's token id is 404, like an unknown one.
pub async fn revoke_own_token(store: &dyn Store, caller: &Caller, id: &TokenId) -> ApiResult<()> {
    let mine = store.list_tokens(&caller.person.id).await?;
    if !mine.iter().any(|t| &t.id == id && t.revoked_at.is_none()) {
        return Err(ApiError::NotFound("token"));
    }
    store.revoke_token(&caller.write_ctx(), id).await?;
    Ok(())
}
