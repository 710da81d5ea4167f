//! What the administration pages list and edit: people, teams, cycles and settings, each behind
//! the rule its page checks first (`access`), so a page and its navigation link agree.

use super::lists::{all_people, all_teams, cycles};
use crate::access;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::directory;
use keel_domain::*;
use keel_store::{PageRequest, People, PeopleFilter, Settings, Store};

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

/// One person to edit, with everyone (for the manager choice). Administrators only.
pub async fn admin_person(
    store: &dyn Store,
    caller: &Caller,
    id: &PersonId,
) -> ApiResult<(Person, Vec<Person>)> {
    access::manage_people(&caller.person)?;
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
    let actor = access::Actor {
        person: person.clone(),
        led_teams: Default::default(),
        handing_over: Default::default(),
    };
    access::manage_team(&actor, None)
}

/// One team to edit, with every team and person to choose from (administrators, champions and
/// the team's lead).
pub async fn admin_team(
    store: &dyn Store,
    caller: &Caller,
    id: &TeamId,
) -> ApiResult<(Team, Vec<Team>, Vec<Person>)> {
    let team = directory::get_team(store, id).await?;
    access::manage_team(
        &access::Actor::load(store, &caller.person).await?,
        Some(&team),
    )?;
    Ok((team, all_teams(store).await?, all_people(store).await?))
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
