//! The company page: the goal tree of one cycle, filtered by team, owner and status, from the
//! objectives the reader may see.

use super::lists::{all_objectives, all_teams, cycles, pick_cycle};
use super::views::{self, ObjectiveView};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::visibility::Viewer;
use keel_domain::rhythm::Status;
use keel_domain::*;
use keel_store::{ObjectiveFilter, People, Store};

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
    /// The active people who own the cycle's objectives shown, for the person nodes (never
    /// the whole directory: at 100,000 people that would be megabytes).
    pub people: Vec<Person>,
    /// The owner filtered by, for the owner picker's choice.
    pub owner: Option<Person>,
    pub objectives: Vec<ObjectiveView>,
    pub status_filter: Option<Status>,
    pub team_filter: Option<TeamId>,
    pub owner_filter: Option<PersonId>,
}

/// The company page's data: a dozen queries or so, whatever the organisation's size.
pub async fn company(
    store: &dyn Store,
    caller: &Caller,
    filter: &CompanyFilter,
) -> ApiResult<CompanyData> {
    let viewer = Viewer::of(&caller.person);
    let cycles = cycles(store).await?;
    let cycle = pick_cycle(
        &cycles,
        filter.cycle_id.as_deref(),
        crate::services::today(store).await?,
    )?;
    let teams = all_teams(store).await?;
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
    let owner = match filter.owner_id.as_deref().filter(|t| !t.is_empty()) {
        Some(o) => Some(
            store
                .person(&PersonId::from_string(o.to_string()))
                .await?
                .ok_or_else(|| {
                    ApiError::invalid("owner_id", format!("no person has the id '{o}'"))
                })?,
        ),
        None => None,
    };
    let owner_filter = owner.as_ref().map(|p| p.id.clone());
    let status_filter = match filter.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "status",
                "must be on_track, at_risk, off_track, stale, not_started, awaiting_owner, draft or closed",
            )
        })?),
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
    let mut owners: Vec<PersonId> = objectives.iter().map(|o| o.owner_id.clone()).collect();
    owners.sort();
    owners.dedup();
    let mut people: Vec<Person> = store
        .people_by_ids(&owners)
        .await?
        .into_iter()
        .filter(|p| p.active)
        .collect();
    people.sort_by_key(|p| p.name.to_lowercase());
    Ok(CompanyData {
        cycles,
        cycle,
        teams,
        people,
        owner,
        objectives,
        status_filter,
        team_filter,
        owner_filter,
    })
}
