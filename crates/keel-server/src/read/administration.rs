//! What the administration pages list and edit: people, teams, cycles and settings, each behind
//! the rule its page checks first (`access`), so a page and its navigation link agree.
//!
//! People and teams may be many (100,000 people, 12,500 teams): the team list is read a
//! numbered page at a time, and the forms name only the people and teams already chosen; the
//! others are found with the pickers (`read::pickers`), as in the OKR forms.

use super::lists::{cycles, names};
use super::pickers;
use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::directory;
use keel_domain::*;
use keel_store::{PageRequest, People, PeopleFilter, Settings, Store, TeamFilter, Teams};
use std::collections::HashMap;

/// A page of people for the administrators' list (administrators only).
pub async fn admin_people(
    store: &dyn Store,
    caller: &Caller,
    query: Option<String>,
    cursor: Option<String>,
) -> ApiResult<keel_store::Page<Person>> {
    access::manage_people(&caller.person)?;
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

/// One person to edit (administrators only).
pub async fn admin_person(store: &dyn Store, caller: &Caller, id: &PersonId) -> ApiResult<Person> {
    access::manage_people(&caller.person)?;
    directory::get_person(store, id).await
}

/// The people a form has chosen (a manager, a lead, members), named: one query, however many
/// people there are; the others are found with the people picker.
pub async fn chosen_people(store: &dyn Store, ids: &[PersonId]) -> ApiResult<Vec<Person>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(store.people_by_ids(ids).await?)
}

/// How many teams a page of the team list shows.
pub const TEAMS_PER_PAGE: u32 = 100;

/// A numbered page of the team list, by name: the teams with the names of their parents and
/// leads, and how many teams match in all (never a silent cut).
#[derive(Debug, Clone, Default)]
pub struct TeamList {
    pub teams: Vec<Team>,
    pub parents: HashMap<TeamId, String>,
    pub leads: HashMap<PersonId, String>,
    /// Teams matching the filter, on every page.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u64,
}

impl TeamList {
    /// How many pages the matching teams fill (at least one).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(u64::from(TEAMS_PER_PAGE)).max(1)
    }
}

/// Page `page` (from 1) of the teams whose name contains `name`, for the team administration
/// list (administrators and champions). Five queries, however many teams there are.
pub async fn admin_teams(
    store: &dyn Store,
    caller: &Caller,
    name: &str,
    page: u64,
) -> ApiResult<TeamList> {
    may_list_teams(&caller.person)?;
    let page = page.max(1);
    let filter = TeamFilter {
        name_contains: Some(name.trim().to_string()).filter(|n| !n.is_empty()),
        ..TeamFilter::default()
    };
    let offset = (page - 1).saturating_mul(u64::from(TEAMS_PER_PAGE));
    let (teams, total) = store.teams_by_name(&filter, offset, TEAMS_PER_PAGE).await?;
    let parent_ids: Vec<TeamId> = teams.iter().filter_map(|t| t.parent_id.clone()).collect();
    let lead_ids: Vec<PersonId> = teams.iter().filter_map(|t| t.lead_id.clone()).collect();
    Ok(TeamList {
        parents: chosen_teams(store, &parent_ids)
            .await?
            .into_iter()
            .collect(),
        leads: names(store, &lead_ids).await?,
        teams,
        total,
        page,
    })
}

/// The teams a form has chosen (a parent), as `(id, name)`: one query; the others are found
/// with the team picker.
pub async fn chosen_teams(store: &dyn Store, ids: &[TeamId]) -> ApiResult<Vec<(TeamId, String)>> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    Ok(store.team_names(&ids).await?)
}

/// The list of teams (and creating one) is for whoever may manage a team without leading it;
/// a lead edits their own team from its page.
pub fn may_list_teams(person: &Person) -> ApiResult<()> {
    let actor = access::Actor {
        person: person.clone(),
        led_teams: Default::default(),
        handing_over: Default::default(),
    };
    access::manage_team(&actor, None)
}

/// One team to edit (administrators, champions and the team's lead).
pub async fn admin_team(store: &dyn Store, caller: &Caller, id: &TeamId) -> ApiResult<Team> {
    let team = directory::get_team(store, id).await?;
    access::manage_team(
        &access::Actor::load(store, &caller.person).await?,
        Some(&team),
    )?;
    Ok(team)
}

/// The person a single-choice people picker names: what was typed in its find field when the
/// form was sent without JavaScript (an email, an id or words of a name, exactly one person,
/// else a 422 naming `field`), unless the choice posted with it is among what it matches (a
/// suggestion picked as the reader typed); else the choice posted, if any.
pub async fn picked_person(
    store: &dyn Store,
    field: &str,
    chosen: &str,
    typed: &str,
) -> ApiResult<Option<PersonId>> {
    let mut chosen: Vec<PersonId> = Some(chosen.trim())
        .filter(|c| !c.is_empty())
        .map(|c| PersonId::from_string(c.to_string()))
        .into_iter()
        .collect();
    let mut found = pickers::resolve_people(store, field, typed, &chosen).await?;
    match found.len() {
        0 => Ok(chosen.pop()),
        1 => Ok(found.pop()),
        _ => Err(ApiError::invalid(field, "name one person here")),
    }
}

/// [`picked_person`] for a single-choice team picker: a team's id, words of its name or its
/// whole name, else the choice posted (422 naming `field` when no team has that id).
pub async fn picked_team(
    store: &dyn Store,
    field: &str,
    chosen: &str,
    typed: &str,
) -> ApiResult<Option<TeamId>> {
    let (chosen, typed) = (chosen.trim(), typed.trim());
    if !typed.is_empty() {
        let found = pickers::search_teams(store, typed).await?;
        if chosen.is_empty() || !found.items.iter().any(|t| t.id.as_str() == chosen) {
            let team = pickers::resolve_team(store, field, None, Some(typed)).await?;
            return Ok(team.map(|t| t.id));
        }
    }
    Ok(pickers::resolve_team(store, field, Some(chosen), None)
        .await?
        .map(|t| t.id))
}

/// Every cycle, for the cycle administration pages (administrators and champions).
pub async fn admin_cycles(store: &dyn Store, caller: &Caller) -> ApiResult<Vec<Cycle>> {
    access::manage_cycles(&caller.person)?;
    cycles(store).await
}

/// The organisation settings, for their form (administrators and champions).
pub async fn admin_settings(store: &dyn Store, caller: &Caller) -> ApiResult<OrgSettings> {
    access::manage_settings(&caller.person)?;
    Ok(store.settings().await?)
}
