//! What the OKR forms offer to choose from, filtered by what the reader may see (the doctrine's
//! "Visibility": a form never lists the title of an objective its reader could not open).
//!
//! Cycles are few and listed whole. People, objectives and teams may be many (100,000 people in
//! a large organisation, thousands of teams): the forms list only those already chosen, with a
//! find field that accepts an email, an id or words of a name or title (resolved here when the
//! form is sent without JavaScript), and that suggests matches as the reader types
//! (`GET /pickers/people?q=`, `GET /pickers/objectives?q=`, `GET /pickers/teams?q=`), a few at a
//! time with an explicit "refine your search" when more match, never a silent cut.

use crate::error::{ApiError, ApiResult};
use crate::services::guards;
use crate::services::visibility::Viewer;
use keel_domain::*;
use keel_store::{
    every_page, CycleFilter, Cycles, ObjectiveFilter, Objectives, PageRequest, People,
    PeopleFilter, Store, TeamFilter, Teams,
};

/// The choices the OKR forms offer: open cycles (listed whole), and the people, teams and OKRs
/// already chosen, named (others are found with the pickers).
#[derive(Debug, Clone, Default)]
pub struct FormOptions {
    pub cycles: Vec<Cycle>,
    /// The teams already chosen.
    pub teams: Vec<Team>,
    /// The people already chosen (owner, sponsor, contributors).
    pub people: Vec<Person>,
    /// The OKRs already chosen to contribute to that the reader may see, as `(id, title)`.
    pub objectives: Vec<(String, String)>,
}

/// How many objectives a picker's search reads at a time.
const SEARCH_PAGE: u32 = 500;

/// How many suggestions a picker shows at most; when more match it says so.
pub const SUGGESTIONS: usize = 20;

/// The open cycles, and the people, teams and OKRs already chosen (`people`, `teams`, `okrs`:
/// ids as typed), for the OKR forms. A chosen OKR `viewer` may not see is left out: its title
/// is never shown. Six queries, and one more per further page of cycles.
pub async fn form_options(
    store: &dyn Store,
    viewer: &Viewer,
    people: &[PersonId],
    teams: &[TeamId],
    okrs: &[String],
) -> ApiResult<FormOptions> {
    let cycles =
        every_page(|page| async move { store.list_cycles(&CycleFilter::default(), &page).await })
            .await?
            .into_iter()
            .filter(|c| c.state != CycleState::Closed)
            .collect();
    let teams = store.teams_by_ids(teams).await?;
    let people = store.people_by_ids(people).await?;
    let named = guards::okrs_by_ids(store, okrs).await?;
    let objective_ids: Vec<ObjectiveId> = named.values().map(|(_, o)| o.clone()).collect();
    let visible = viewer.visible(store, &objective_ids).await?;
    let objectives = okrs
        .iter()
        .filter_map(|id| {
            let (title, o) = named.get(id)?;
            visible.contains(o).then(|| (id.clone(), title.clone()))
        })
        .collect();
    Ok(FormOptions {
        cycles,
        teams,
        people,
        objectives,
    })
}

/// Suggestions for what was typed: at most [`SUGGESTIONS`], and whether more match.
#[derive(Debug, Clone)]
pub struct Suggestions<T> {
    pub items: Vec<T>,
    /// More match than are shown: the reader should type more.
    pub more: bool,
}

impl<T> Suggestions<T> {
    fn of(mut items: Vec<T>) -> Self {
        let more = items.len() > SUGGESTIONS;
        items.truncate(SUGGESTIONS);
        Self { items, more }
    }
}

/// Active people whose name or email contains `q` (case-insensitive), by name. One query; an
/// empty `q` suggests nothing.
pub async fn search_people(store: &dyn Store, q: &str) -> ApiResult<Suggestions<Person>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Suggestions::of(vec![]));
    }
    let found = store
        .list_people(
            &PeopleFilter {
                query: Some(q.to_string()),
                active: Some(true),
                ..Default::default()
            },
            &PageRequest {
                limit: SUGGESTIONS as u32 + 1,
                cursor: None,
            },
        )
        .await?
        .items;
    Ok(Suggestions::of(found))
}

/// Open objectives `viewer` may see whose title contains `q` (case-insensitive), or whose id is
/// `q`. Reads the visible objectives page by page and stops once more than [`SUGGESTIONS`]
/// match; an empty `q` suggests nothing.
pub async fn search_objectives(
    store: &dyn Store,
    viewer: &Viewer,
    q: &str,
) -> ApiResult<Suggestions<Objective>> {
    let q = q.trim().to_lowercase();
    if q.is_empty() {
        return Ok(Suggestions::of(vec![]));
    }
    let filter = ObjectiveFilter {
        ..ObjectiveFilter::new(keel_store::Reader::of(viewer.audience()))
    };
    let mut page = PageRequest {
        limit: SEARCH_PAGE,
        cursor: None,
    };
    let mut found = Vec::new();
    loop {
        let p = store.list_objectives(&filter, &page).await?;
        found.extend(p.items.into_iter().filter(|o| {
            o.state != ObjectiveState::Closed
                && (o.title.to_lowercase().contains(&q) || o.id.as_str() == q)
        }));
        match p.next_cursor {
            Some(c) if found.len() <= SUGGESTIONS => page.cursor = Some(c),
            _ => break,
        }
    }
    found.sort_by_key(|o| o.title.to_lowercase());
    Ok(Suggestions::of(found))
}

/// What a picker's find field names, for a form sent with or without JavaScript: each
/// comma-separated part is an email, an id, or words of a name (a title for OKRs). A part
/// already answered by a choice posted with it (`already`: the reader picked a suggestion) adds
/// nothing; otherwise it must name exactly one, else a 422 naming `field` says why.
pub async fn resolve_people(
    store: &dyn Store,
    field: &str,
    typed: &str,
    already: &[PersonId],
) -> ApiResult<Vec<PersonId>> {
    let mut out: Vec<PersonId> = Vec::new();
    for part in typed.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let exact = if part.contains('@') {
            store.person_by_email(&part.to_lowercase()).await?
        } else {
            store
                .person(&PersonId::from_string(part.to_string()))
                .await?
        };
        if let Some(p) = exact {
            out.push(p.id);
            continue;
        }
        let found = search_people(store, part).await?;
        let ids: Vec<PersonId> = found.items.into_iter().map(|p| p.id).collect();
        if ids.iter().any(|id| already.contains(id)) {
            continue;
        }
        out.push(only_one(field, part, ids, found.more, "person")?);
    }
    Ok(out)
}

/// [`resolve_people`] for OKRs to contribute to: ids or words of a title, among those `viewer`
/// may see.
pub async fn resolve_objectives(
    store: &dyn Store,
    viewer: &Viewer,
    field: &str,
    typed: &str,
    already: &[String],
) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for part in typed.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if guards::resolve_okr(store, viewer, field, part)
            .await
            .is_ok()
        {
            out.push(part.to_string());
            continue;
        }
        let found = search_objectives(store, viewer, part).await?;
        let ids: Vec<String> = found.items.into_iter().map(|o| o.id.to_string()).collect();
        if ids.iter().any(|id| already.contains(id)) {
            continue;
        }
        out.push(only_one(field, part, ids, found.more, "objective")?);
    }
    Ok(out)
}

/// Teams whose name contains `q` (case-insensitive), by name: one query, however many teams
/// there are; an empty `q` suggests nothing.
pub async fn search_teams(store: &dyn Store, q: &str) -> ApiResult<Suggestions<Team>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Suggestions::of(vec![]));
    }
    let mut found = store
        .list_teams(
            &TeamFilter {
                name_contains: Some(q.to_string()),
                ..TeamFilter::default()
            },
            &PageRequest {
                limit: SUGGESTIONS as u32 + 1,
                cursor: None,
            },
        )
        .await?
        .items;
    found.sort_by_key(|t| t.name.to_lowercase());
    Ok(Suggestions::of(found))
}

/// The team a filter's team picker names: the choice posted (`chosen`, an id: 422 naming
/// `field` when no team has it), else what was typed in its find field (an id or words of a
/// name that must match exactly one team, or one team's whole name), else none. One or two
/// queries, however many teams there are.
pub async fn resolve_team(
    store: &dyn Store,
    field: &str,
    chosen: Option<&str>,
    typed: Option<&str>,
) -> ApiResult<Option<Team>> {
    if let Some(id) = chosen.map(str::trim).filter(|c| !c.is_empty()) {
        return store
            .team(&TeamId::from_string(id.to_string()))
            .await?
            .map(Some)
            .ok_or_else(|| ApiError::invalid(field, format!("no team has the id '{id}'")));
    }
    let Some(part) = typed.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Some(t) = store.team(&TeamId::from_string(part.to_string())).await? {
        return Ok(Some(t));
    }
    let found = search_teams(store, part).await?;
    let mut whole: Vec<Team> = found
        .items
        .iter()
        .filter(|t| t.name.eq_ignore_ascii_case(part))
        .cloned()
        .collect();
    if whole.len() == 1 {
        return Ok(whole.pop());
    }
    only_one(field, part, found.items, found.more, "team").map(Some)
}

/// [`resolve_people`] for teams: each comma-separated part of what was typed is a team's id or
/// words of its name (or its whole name) naming exactly one team.
pub async fn resolve_teams(
    store: &dyn Store,
    field: &str,
    typed: &str,
    already: &[String],
) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for part in typed.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let found = search_teams(store, part).await?;
        if found
            .items
            .iter()
            .any(|t| already.contains(&t.id.to_string()))
        {
            continue;
        }
        if let Some(t) = resolve_team(store, field, None, Some(part)).await? {
            out.push(t.id.to_string());
        }
    }
    Ok(out)
}

/// The one match of `part`, or why there is not one.
fn only_one<T>(field: &str, part: &str, mut ids: Vec<T>, more: bool, what: &str) -> ApiResult<T> {
    match ids.len() {
        1 => Ok(ids.remove(0)),
        0 => Err(ApiError::invalid(
            field,
            format!("no {what} matches '{part}'"),
        )),
        n => Err(ApiError::invalid(
            field,
            format!(
                "{}{n} match '{part}': type more, or pick one in the list",
                if more { "more than " } else { "" }
            ),
        )),
    }
}

/// Ids in one or more comma-separated values, each once, in order.
pub fn split_ids(typed: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in typed.iter().flat_map(|t| t.split(',')) {
        let part = part.trim();
        if !part.is_empty() && !out.iter().any(|o| o == part) {
            out.push(part.to_string());
        }
    }
    out
}
