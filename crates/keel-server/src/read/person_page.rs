//! A person's page (`/people/{id}`) and `GET /people/{id}/okrs`: what they own, co-own, sponsor
//! and contribute to in a cycle, with status and progress; their check-in rhythm; their teams and
//! manager. Built in a constant number of queries, and only from OKRs the reader may see (so a
//! private objective shows neither in the lists nor in the counts).

use super::lists::{cycles, pick_cycle};
use super::my_week::Involvement;
use super::views::{self, KeyResultView, ObjectiveView};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::visibility::Viewer;
use keel_domain::*;
use keel_store::{Objectives, People, Store, TeamFilter, Teams};

/// One of the person's OKRs in the cycle.
#[derive(Debug, Clone)]
pub enum PersonOkr {
    Objective(ObjectiveView, Involvement),
    /// The key result and its objective's title.
    KeyResult(KeyResultView, String, Involvement),
}

impl PersonOkr {
    pub fn involvement(&self) -> Involvement {
        match self {
            PersonOkr::Objective(_, i) | PersonOkr::KeyResult(_, _, i) => *i,
        }
    }
}

/// How the person keeps up with their check-ins on the key results they own.
#[derive(Debug, Clone, Default)]
pub struct CheckInRhythm {
    pub last_check_in_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Key results they own whose check-in is due now.
    pub due: usize,
    /// Of those, the ones past their due day.
    pub overdue: usize,
}

/// Everything on a person's page.
#[derive(Debug, Clone)]
pub struct PersonPage {
    pub person: Person,
    pub manager: Option<Person>,
    pub teams: Vec<Team>,
    pub cycles: Vec<Cycle>,
    pub cycle: Option<Cycle>,
    /// Objectives first, then key results; owned first within each.
    pub okrs: Vec<PersonOkr>,
    pub rhythm: CheckInRhythm,
}

fn role(
    me: &PersonId,
    owner: &PersonId,
    co: &[PersonId],
    sponsor: Option<&PersonId>,
    contributors: &[PersonId],
) -> Option<Involvement> {
    if owner == me {
        Some(Involvement::Owner)
    } else if co.contains(me) {
        Some(Involvement::CoOwner)
    } else if sponsor == Some(me) {
        Some(Involvement::Sponsor)
    } else if contributors.contains(me) {
        Some(Involvement::Contributor)
    } else {
        None
    }
}

/// The objectives (visible, in the cycle) that the person takes part in or whose key results
/// they take part in, as views: a constant number of queries.
async fn visible_views(
    store: &dyn Store,
    caller: &Caller,
    person: &PersonId,
    cycle: &CycleId,
) -> ApiResult<Vec<ObjectiveView>> {
    let involved = store.okrs_involving(person).await?;
    let mut ids: Vec<ObjectiveId> = involved.objectives.iter().map(|o| o.id.clone()).collect();
    ids.extend(involved.key_results.iter().map(|k| k.objective_id.clone()));
    ids.sort();
    ids.dedup();
    let visible = Viewer::of(&caller.person).visible(store, &ids).await?;
    let ids: Vec<ObjectiveId> = ids.into_iter().filter(|i| visible.contains(i)).collect();
    let mut objectives: Vec<Objective> = store
        .objectives_by_ids(&ids)
        .await?
        .into_iter()
        .filter(|o| &o.cycle_id == cycle)
        .collect();
    objectives.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    views::objectives(store, objectives).await
}

/// The person's OKRs among `views`, objectives then key results, owned first.
fn okrs_of(me: &PersonId, views: Vec<ObjectiveView>) -> Vec<PersonOkr> {
    let mut objectives = Vec::new();
    let mut key_results = Vec::new();
    for o in views {
        for k in &o.key_results {
            if let Some(r) = role(
                me,
                &k.owner_id,
                &k.co_owner_ids,
                k.sponsor_id.as_ref(),
                &k.contributor_ids,
            ) {
                key_results.push(PersonOkr::KeyResult(k.clone(), o.title.clone(), r));
            }
        }
        if let Some(r) = role(
            me,
            &o.owner_id,
            &o.co_owner_ids,
            o.sponsor_id.as_ref(),
            &o.contributor_ids,
        ) {
            objectives.push(PersonOkr::Objective(o, r));
        }
    }
    objectives.sort_by_key(|x| x.involvement() as u8);
    key_results.sort_by_key(|x| x.involvement() as u8);
    objectives.extend(key_results);
    objectives
}

fn rhythm_of(okrs: &[PersonOkr], today: chrono::NaiveDate) -> CheckInRhythm {
    let mut r = CheckInRhythm::default();
    for okr in okrs {
        if let PersonOkr::KeyResult(k, _, Involvement::Owner) = okr {
            r.last_check_in_at = r.last_check_in_at.max(k.last_check_in_at);
            if k.check_in_due {
                r.due += 1;
                if k.check_in_due_on < today {
                    r.overdue += 1;
                }
            }
        }
    }
    r
}

/// The person's OKRs in the cycle `cycle_id` (else the current one) that `caller` may see.
pub async fn person_okrs(
    store: &dyn Store,
    caller: &Caller,
    person: &Person,
    cycle_id: Option<&str>,
) -> ApiResult<(Vec<Cycle>, Option<Cycle>, Vec<PersonOkr>)> {
    let all = cycles(store).await?;
    let today = crate::services::today(store).await?;
    let cycle = pick_cycle(&all, cycle_id, today)?;
    let okrs = match &cycle {
        Some(c) => okrs_of(
            &person.id,
            visible_views(store, caller, &person.id, &c.id).await?,
        ),
        None => vec![],
    };
    Ok((all, cycle, okrs))
}

/// The person with this id, or 404.
pub async fn person(store: &dyn Store, id: &str) -> ApiResult<Person> {
    store
        .person(&PersonId::from_string(id.to_string()))
        .await?
        .ok_or(ApiError::NotFound("person"))
}

/// A person's page as `caller` may see it.
pub async fn person_page(
    store: &dyn Store,
    caller: &Caller,
    id: &str,
    cycle_id: Option<&str>,
) -> ApiResult<PersonPage> {
    let person = person(store, id).await?;
    let (cycles, cycle, okrs) = person_okrs(store, caller, &person, cycle_id).await?;
    let today = crate::services::today(store).await?;
    let manager = match &person.manager_id {
        Some(m) => store.person(m).await?,
        None => None,
    };
    let teams = store
        .list_teams(
            &TeamFilter {
                member_id: Some(person.id.clone()),
                ..TeamFilter::default()
            },
            &keel_store::PageRequest {
                limit: 500,
                cursor: None,
            },
        )
        .await?
        .items;
    Ok(PersonPage {
        rhythm: rhythm_of(&okrs, today),
        person,
        manager,
        teams,
        cycles,
        cycle,
        okrs,
    })
}
