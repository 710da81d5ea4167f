//! The people, objectives and key results lists as CSV pages, for a spreadsheet: natural keys
//! (emails, team and cycle names) rather than ids where a person reads them, every cell written
//! by `crate::csv` (so a cell a spreadsheet would run as a formula is defused). A page at a time
//! with the list's cursor, as every list of the API; a page costs a fixed number of reads.

use keel_domain::*;
use keel_store::{
    Cycles, KeyResults, ObjectiveFilter, Objectives, Page, PageRequest, People, PeopleFilter,
    Reader, Store, StoreResult, Teams,
};
use std::collections::HashMap;

/// The lists offered as CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    People,
    Objectives,
    KeyResults,
}

impl List {
    /// `people`, `objectives` or `key-results`, naming `field` otherwise.
    pub fn parse(field: &str, s: &str) -> FieldResult<List> {
        match s {
            "people" => Ok(List::People),
            "objectives" => Ok(List::Objectives),
            "key-results" => Ok(List::KeyResults),
            _ => Err(FieldError::new(
                field,
                "must be people, objectives or key-results",
            )),
        }
    }
}

/// A page of the list as CSV text and the cursor of the next page. Objectives and key results
/// are those `reader` may see.
pub async fn page(
    store: &dyn Store,
    list: List,
    reader: Reader,
    page: &PageRequest,
) -> StoreResult<(String, Option<String>)> {
    match list {
        List::People => people(store, page).await,
        List::Objectives | List::KeyResults => okrs(store, list, reader, page).await,
    }
}

fn role_names(roles: &[Role]) -> String {
    roles
        .iter()
        .filter_map(|r| serde_json::to_value(r).ok())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect::<Vec<_>>()
        .join(";")
}

async fn emails(store: &dyn Store, ids: Vec<PersonId>) -> StoreResult<HashMap<PersonId, String>> {
    Ok(store
        .people_by_ids(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.email.as_str().to_string()))
        .collect())
}

async fn people(store: &dyn Store, page: &PageRequest) -> StoreResult<(String, Option<String>)> {
    let Page { items, next_cursor } = store.list_people(&PeopleFilter::default(), page).await?;
    let managers = emails(
        store,
        items.iter().filter_map(|p| p.manager_id.clone()).collect(),
    )
    .await?;
    let mut w = crate::csv::Writer::with_header(&[
        "email",
        "name",
        "title",
        "manager_email",
        "roles",
        "active",
    ]);
    for p in &items {
        let manager = p
            .manager_id
            .as_ref()
            .and_then(|m| managers.get(m))
            .map_or("", String::as_str);
        w.row([
            p.email.as_str(),
            p.name.as_str(),
            p.title.as_str(),
            manager,
            role_names(&p.roles).as_str(),
            if p.active { "yes" } else { "no" },
        ]);
    }
    Ok((w.finish(), next_cursor))
}

fn spelled<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

async fn okrs(
    store: &dyn Store,
    list: List,
    reader: Reader,
    page: &PageRequest,
) -> StoreResult<(String, Option<String>)> {
    let Page { items, next_cursor } = store
        .list_objectives(&ObjectiveFilter::new(reader), page)
        .await?;
    let ids: Vec<ObjectiveId> = items.iter().map(|o| o.id.clone()).collect();
    let key_results = if list == List::KeyResults {
        store.key_results_of(&ids).await?
    } else {
        vec![]
    };
    let mut people: Vec<PersonId> = items.iter().map(|o| o.owner_id.clone()).collect();
    people.extend(key_results.iter().map(|k| k.owner_id.clone()));
    let emails = emails(store, people).await?;
    let mut cycle_ids: Vec<CycleId> = items.iter().map(|o| o.cycle_id.clone()).collect();
    cycle_ids.sort();
    cycle_ids.dedup();
    let cycles: HashMap<CycleId, String> = store
        .cycles_by_ids(&cycle_ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let team_ids: Vec<TeamId> = items
        .iter()
        .flat_map(|o| o.team_ids.iter().cloned())
        .collect();
    let teams: HashMap<TeamId, String> = store.team_names(&team_ids).await?.into_iter().collect();
    let email = |id: &PersonId| emails.get(id).cloned().unwrap_or_default();
    let objectives: HashMap<&ObjectiveId, &Objective> = items.iter().map(|o| (&o.id, o)).collect();
    let w = match list {
        List::Objectives => {
            let mut w = crate::csv::Writer::with_header(&[
                "id",
                "cycle",
                "title",
                "owner_email",
                "ownership",
                "state",
                "visibility",
                "teams",
            ]);
            for o in &items {
                let team_names: Vec<&str> = o
                    .team_ids
                    .iter()
                    .filter_map(|t| teams.get(t))
                    .map(String::as_str)
                    .collect();
                w.row([
                    o.id.as_str(),
                    cycles.get(&o.cycle_id).map_or("", String::as_str),
                    o.title.as_str(),
                    email(&o.owner_id).as_str(),
                    spelled(&o.ownership_state).as_str(),
                    spelled(&o.state).as_str(),
                    spelled(&o.visibility).as_str(),
                    team_names.join(";").as_str(),
                ]);
            }
            w
        }
        _ => {
            let mut w = crate::csv::Writer::with_header(&[
                "id",
                "objective_id",
                "cycle",
                "objective",
                "title",
                "owner_email",
                "ownership",
                "metric",
                "start",
                "target",
                "current",
                "unit",
                "confidence",
            ]);
            for k in &key_results {
                let o = objectives.get(&k.objective_id);
                w.row([
                    k.id.as_str(),
                    k.objective_id.as_str(),
                    o.and_then(|o| cycles.get(&o.cycle_id))
                        .map_or("", String::as_str),
                    o.map_or("", |o| o.title.as_str()),
                    k.title.as_str(),
                    email(&k.owner_id).as_str(),
                    spelled(&k.ownership_state).as_str(),
                    spelled(&k.metric_kind).as_str(),
                    k.start.to_string().as_str(),
                    k.target.to_string().as_str(),
                    k.current.to_string().as_str(),
                    k.unit.as_str(),
                    k.confidence
                        .map(|c| c.to_string())
                        .unwrap_or_default()
                        .as_str(),
                ]);
            }
            w
        }
    };
    Ok((w.finish(), next_cursor))
}
