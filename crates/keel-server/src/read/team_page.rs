//! The team page: the team's OKRs in one cycle (`team_okrs`, the API's read model), its people,
//! sub-teams and the health findings about those OKRs (as the evaluator last found them: the
//! stored findings of the page's objectives, not a check of the whole cycle per request).

use super::health::{self, link_findings, LinkedFinding};
use super::lists::{cycles, pick_cycle};
use super::team_okrs::{team_okrs, SharedKeyResult, TeamOkrs};
use super::views::ObjectiveView;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::directory;
use crate::services::visibility::Viewer;
use keel_domain::health::Finding;
use keel_domain::*;
use keel_store::{Dashboards, HealthFindings, People, Settings, Store, TeamFilter, Teams};
use std::collections::HashMap;

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
    /// Health findings about the OKRs above, as the evaluator last found them.
    pub findings: Vec<LinkedFinding>,
    /// When the evaluator last finished a round (`None` before its first).
    pub findings_as_of: Option<chrono::DateTime<chrono::Utc>>,
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
    let cycle = pick_cycle(&cycles, cycle_id, crate::services::today(store).await?)?;
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
    let filter = &TeamFilter {
        parent_id: Some(team.id.clone()),
        ..TeamFilter::default()
    };
    let mut sub_teams =
        keel_store::every_page(|page| async move { store.list_teams(filter, &page).await }).await?;
    sub_teams.sort_by(|a, b| a.name.cmp(&b.name));
    let (okrs, findings) = match &cycle {
        Some(c) => {
            let okrs = team_okrs(store, &viewer, &team.id, Some(&c.id)).await?;
            let findings = findings_about(store, &okrs).await?;
            (okrs, findings)
        }
        None => (TeamOkrs::default(), (vec![], None)),
    };
    Ok(TeamOverview {
        team,
        parent,
        sub_teams,
        lead,
        members,
        cycles,
        cycle,
        objectives: okrs.objectives,
        shared_key_results: okrs.shared_key_results,
        findings_as_of: findings
            .1
            .max(store.last_finished(crate::jobs::EVALUATE).await?),
        findings: findings.0,
    })
}

/// The health findings about the team's OKRs as the evaluator last found them (stored, read
/// by the page's objectives: not a check of the whole cycle), each linked to its objective. An
/// owner's overload, counted across the cycle, is on the health page, not here. With when the
/// latest of them was found.
async fn findings_about(
    store: &dyn Store,
    okrs: &TeamOkrs,
) -> ApiResult<(Vec<LinkedFinding>, Option<chrono::DateTime<chrono::Utc>>)> {
    // Each OKR id on the page, with the objective page that shows it.
    let mut objective_of: HashMap<String, ObjectiveId> = HashMap::new();
    for o in &okrs.objectives {
        objective_of.insert(o.id.to_string(), o.id.clone());
        for k in &o.key_results {
            objective_of.insert(k.id.to_string(), o.id.clone());
        }
    }
    for s in &okrs.shared_key_results {
        objective_of.insert(s.key_result.id.to_string(), s.objective.id.clone());
    }
    let mut objectives: Vec<ObjectiveId> = objective_of.values().cloned().collect();
    objectives.sort();
    objectives.dedup();
    let overload = store.settings().await?.health.owner_overload;
    let stored = store.health_findings_about(&objectives).await?;
    let found_at = stored.iter().filter_map(|f| f.evaluated_at).max();
    let findings: Vec<Finding> = stored
        .into_iter()
        .filter(|f| objective_of.contains_key(f.okr.id()))
        .filter_map(|f| health::finding_of(f, overload))
        .collect();
    let linked = link_findings(store, findings, |id| {
        objective_of.get(id).map(|o| (o.clone(), vec![]))
    })
    .await?;
    Ok((linked, found_at))
}
