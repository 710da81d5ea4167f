//! The ownership health check over one cycle, for the API, `keel lint` and the web UI alike.

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
    pub counts: HealthCounts,
    /// Errors first, then warnings, then information.
    pub findings: Vec<Finding>,
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
    let findings = health::check(&HealthInput {
        now: chrono::Utc::now(),
        thresholds: settings.health,
        objectives: &objectives,
        key_results: &key_results,
        people: &people,
        teams: &teams,
        requests: &requests,
    });
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    Ok(HealthReport {
        counts: HealthCounts {
            error: count(Severity::Error),
            warning: count(Severity::Warning),
            info: count(Severity::Info),
        },
        cycle,
        findings,
    })
}
