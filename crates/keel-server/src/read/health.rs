//! The ownership health check over one cycle (the doctrine's "The pitfalls", detected), for the
//! API, `keel lint` and the web UI alike; and the health page, which links each finding to the
//! objective page that fixes it.

use super::lists::{all_objectives, cycles, pick_cycle};
use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::visibility::Viewer;
use keel_domain::health::{self, Finding, HealthInput, Severity};
use keel_domain::*;
use keel_store::{
    Cycles, KeyResults, ObjectiveFilter, Objectives, Ownership, OwnershipRequestFilter,
    PageRequest, People, Settings, Store, Teams,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthCounts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthReport {
    pub cycle: Cycle,
    /// The findings' counts (the findings about people, `people`, aside).
    pub counts: HealthCounts,
    /// Errors first, then warnings, then information.
    pub findings: Vec<Finding>,
    /// Findings about people rather than one OKR (`people_without_okrs`), for readers who may
    /// read people's participation (`GET /api/v1/reports/participation`) and within their
    /// reach; empty for everyone else and when there is nothing to say.
    pub people: Vec<PeopleFinding>,
}

/// A finding about people rather than one OKR, with its fix.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeopleFinding {
    /// Stable identifier: `people_without_okrs`.
    pub code: &'static str,
    pub severity: Severity,
    /// How many people it is about.
    pub count: i64,
    pub message: String,
    /// One line saying how to fix it.
    pub fix: String,
}

/// "People without OKRs" (the doctrine's participation: everyone takes part in some OKR): the
/// active people within the reader's reach who own, co-own and contribute to nothing in the
/// cycle, counted as the participation report counts them (one summary query). Nothing for a
/// reader who may not read people's participation.
pub async fn people_findings(
    store: &dyn Store,
    caller: &Caller,
    cycle_id: &CycleId,
) -> ApiResult<Vec<PeopleFinding>> {
    use super::participation::{prepare, ParticipationParams};
    let params = ParticipationParams {
        cycle_id: Some(cycle_id.to_string()),
        ..Default::default()
    };
    let prepared = match prepare(store, caller, &params).await {
        Ok(Some(p)) => p,
        Ok(None) | Err(ApiError::Forbidden(_)) => return Ok(vec![]),
        Err(e) => return Err(e),
    };
    let totals = keel_store::Participation::participation_summary(store, &prepared.query).await?;
    if totals.without_okrs == 0 {
        return Ok(vec![]);
    }
    let n = totals.without_okrs;
    Ok(vec![PeopleFinding {
        code: "people_without_okrs",
        severity: Severity::Warning,
        count: n,
        message: format!(
            "{n} of {} {} own, co-own or contribute to nothing in {}",
            totals.people,
            if totals.people == 1 { "person" } else { "people" },
            prepared.cycle.name
        ),
        fix: "Invite each of them to contribute to a key result of their team, or to draft one of their own with their team lead; the participation report lists them".into(),
    }])
}

/// Runs the check over every objective and key result of the cycle that `viewer` may see (the
/// findings, and so the counts, never reveal an OKR the viewer could not open).
pub async fn for_cycle(
    store: &dyn Store,
    viewer: &Viewer,
    cycle_id: &CycleId,
) -> ApiResult<HealthReport> {
    let cycle = store.cycle(cycle_id).await?.ok_or_else(|| {
        ApiError::invalid("cycle_id", format!("no cycle has the id '{cycle_id}'"))
    })?;
    let settings = store.settings().await?;
    let mut objectives = vec![];
    let mut page = PageRequest {
        limit: 500,
        cursor: None,
    };
    loop {
        let p = store
            .list_objectives(
                &ObjectiveFilter {
                    cycle_id: Some(cycle_id.clone()),
                    ..ObjectiveFilter::new(keel_store::Reader::of(viewer.audience()))
                },
                &page,
            )
            .await?;
        objectives.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    let ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
    let key_results = if ids.is_empty() {
        vec![]
    } else {
        store.key_results_of(&ids).await?
    };

    let mut people_ids: HashSet<PersonId> = HashSet::new();
    let mut team_ids: HashSet<TeamId> = HashSet::new();
    for o in &objectives {
        people_ids.insert(o.owner_id.clone());
        people_ids.extend(o.contributor_ids.iter().cloned());
        team_ids.extend(o.team_ids.iter().cloned());
    }
    for k in &key_results {
        people_ids.insert(k.owner_id.clone());
        people_ids.extend(k.contributor_ids.iter().cloned());
        team_ids.extend(k.team_ids.iter().cloned());
    }
    let people_ids: Vec<PersonId> = people_ids.into_iter().collect();
    let people: HashMap<PersonId, Person> = store
        .people_by_ids(&people_ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let team_ids: Vec<TeamId> = team_ids.into_iter().collect();
    let teams = store.teams_by_ids(&team_ids).await?;

    let okr_ids: HashSet<&str> = objectives
        .iter()
        .map(|o| o.id.as_str())
        .chain(key_results.iter().map(|k| k.id.as_str()))
        .collect();
    let mut requests = vec![];
    let mut page = PageRequest {
        limit: 500,
        cursor: None,
    };
    loop {
        let p = store
            .list_ownership_requests(
                &OwnershipRequestFilter {
                    state: Some(RequestState::Pending),
                    ..OwnershipRequestFilter::new(keel_store::Reader::Everyone)
                },
                &page,
            )
            .await?;
        requests.extend(p.items.into_iter().filter(|r| okr_ids.contains(r.okr.id())));
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    // Stale is the status's own verdict (one definition, `rhythm::is_stale`).
    let assessor =
        crate::services::rhythm::Assessor::load(store, &objectives, &key_results).await?;
    let by_id: HashMap<&ObjectiveId, &Objective> = objectives.iter().map(|o| (&o.id, o)).collect();
    let stale: HashMap<KeyResultId, i64> = key_results
        .iter()
        .filter_map(|k| {
            let a = assessor.key_result(k, by_id.get(&k.objective_id)?);
            (a.status == keel_domain::rhythm::Status::Stale)
                .then(|| (k.id.clone(), a.days_since_check_in))
        })
        .collect();
    let findings = health::check(&HealthInput {
        now: chrono::Utc::now(),
        thresholds: settings.health,
        objectives: &objectives,
        key_results: &key_results,
        people: &people,
        teams: &teams,
        requests: &requests,
        stale: &stale,
    });
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    Ok(HealthReport {
        people: vec![],
        counts: HealthCounts {
            error: count(Severity::Error),
            warning: count(Severity::Warning),
            info: count(Severity::Info),
        },
        cycle,
        findings,
    })
}

// ---------------------------------------------------------------- the health page

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
pub async fn link_findings(
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
    /// Findings about people (`people_findings`).
    pub people: Vec<PeopleFinding>,
}

/// The health findings of a cycle, each with its objective, person and teams.
pub async fn health_page(
    store: &dyn Store,
    caller: &Caller,
    cycle_id: Option<&str>,
) -> ApiResult<HealthPage> {
    access::read_reports(&caller.person)?;
    let viewer = Viewer::of(&caller.person);
    let cycles = cycles(store).await?;
    let cycle = pick_cycle(&cycles, cycle_id, crate::services::today(store).await?)?;
    let Some(c) = &cycle else {
        return Ok(HealthPage {
            cycles,
            cycle,
            findings: vec![],
            people: vec![],
        });
    };
    let report = for_cycle(store, &viewer, &c.id).await?;
    let people = people_findings(store, caller, &c.id).await?;
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
        people,
    })
}
