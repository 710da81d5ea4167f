//! The end-of-cycle reminder to score and write the retrospective (issue 15, item 5): from the
//! day after a cycle's last day (the organisation's calendar) and for
//! [`keel_domain::reminders::SCORE_REMINDER_DAYS`] days, each owner of an objective or key result of that cycle that
//! is not yet scored (key results) or has no retrospective (objectives) is reminded once per
//! cycle, with a link to each objective's close-out page. Owners who have done it all are not.
//!
//! Why two jobs: as for the ownership reminders, the hourly round ([`ROUND`]) queues one
//! [`REMIND`] job per (person, cycle), its unique key making it once on any number of servers;
//! the job reads what is still open when it runs (someone may have scored since), writes one
//! bell notification per objective and queues one email listing them all, following the
//! person's "Check-in reminders" choice (the rhythm's reminders share one switch).

use super::reminder_mail::{self, Item, Waiting};
use crate::digest::{preferences::Choices, Outcome, Round};
use crate::error::{ApiError, ApiResult};
use crate::services::visibility::Viewer;
use keel_domain::notification::{Notification, NotificationKind};
use keel_domain::preferences::Topic;
use keel_domain::reminders::score_reminder_due;
use keel_domain::*;
use keel_store::{
    every_page, CycleFilter, Cycles, Job, KeyResults, Notifications, ObjectiveFilter, Objectives,
    People, Reader, Rhythm, Settings, Store,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// The job kind of the hourly round that finds the cycles just ended.
pub const ROUND: &str = "score_reminders";
/// The job kind of one person's reminder for one cycle.
pub const REMIND: &str = "score_reminder";

/// What a [`REMIND`] job carries.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    person_id: String,
    cycle_id: String,
    /// The public URL for the email's links; without it only the bell is written.
    base: Option<String>,
}

/// One objective of the cycle with what its owners still have to close.
#[derive(Debug, Clone)]
struct Open {
    objective_id: ObjectiveId,
    title: String,
    /// Its owner has not written the retrospective.
    retrospective: bool,
    /// Owner of each key result not scored yet.
    unscored: Vec<PersonId>,
    owner_id: PersonId,
}

impl Open {
    /// What `person` still has to do here: (key results to score, retrospective to write).
    fn for_person(&self, person: &PersonId) -> (usize, bool) {
        let krs = self.unscored.iter().filter(|p| *p == person).count();
        (krs, self.retrospective && &self.owner_id == person)
    }
}

/// The objectives of `cycle` (not drafts) with something left to close.
async fn open_in(store: &dyn Store, cycle: &CycleId) -> ApiResult<Vec<Open>> {
    let objectives = every_page(|page| async move {
        let filter = ObjectiveFilter {
            cycle_id: Some(cycle.clone()),
            ..ObjectiveFilter::new(Reader::Everyone)
        };
        store.list_objectives(&filter, &page).await
    })
    .await?;
    let objectives: Vec<Objective> = objectives
        .into_iter()
        .filter(|o| o.state != ObjectiveState::Draft)
        .collect();
    let ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
    let krs = store.key_results_of(&ids).await?;
    let kr_ids: Vec<KeyResultId> = krs.iter().map(|k| k.id.clone()).collect();
    let scored: HashSet<KeyResultId> = store
        .scores_of(&kr_ids)
        .await?
        .into_iter()
        .map(|s| s.key_result_id)
        .collect();
    let mut out = vec![];
    for o in objectives {
        let unscored = krs
            .iter()
            .filter(|k| k.objective_id == o.id && !scored.contains(&k.id))
            .filter(|k| k.ownership_state == OwnershipState::Accepted)
            .map(|k| k.owner_id.clone())
            .collect::<Vec<_>>();
        let retrospective = o.ownership_state == OwnershipState::Accepted
            && store.retrospective(&o.id).await?.is_none();
        if retrospective || !unscored.is_empty() {
            out.push(Open {
                objective_id: o.id,
                title: o.title,
                retrospective,
                unscored,
                owner_id: o.owner_id,
            });
        }
    }
    Ok(out)
}

/// "2 key results to score and the retrospective"
fn detail((krs, retrospective): (usize, bool)) -> String {
    let krs = match krs {
        0 => None,
        1 => Some("a key result to score".to_string()),
        n => Some(format!("{n} key results to score")),
    };
    match (krs, retrospective) {
        (Some(k), true) => format!("{k} and the retrospective to write"),
        (Some(k), false) => k,
        (None, _) => "the retrospective to write".into(),
    }
}

fn subject(cycle: &Cycle) -> String {
    format!(
        "{} has ended: time to score and write the retrospective",
        cycle.name
    )
}

/// The round: for each cycle that ended in the last [`keel_domain::reminders::SCORE_REMINDER_DAYS`] days, queues one
/// [`REMIND`] job per owner with something left to close (a scheduled round waits for the
/// person's local hour).
pub async fn round(store: &dyn Store, round: &Round) -> ApiResult<Vec<Outcome>> {
    let settings = store.settings().await?;
    let today = settings.local_date(round.now);
    let cycles =
        every_page(
            |page| async move { store.list_cycles(&CycleFilter { state: None }, &page).await },
        )
        .await?;
    let mut out = vec![];
    for c in cycles
        .iter()
        .filter(|c| score_reminder_due(c.ends_on, today))
    {
        let open = open_in(store, &c.id).await?;
        let mut people: Vec<PersonId> = open
            .iter()
            .flat_map(|o| o.unscored.iter().chain(std::iter::once(&o.owner_id)))
            .filter(|p| open.iter().any(|o| o.for_person(p) != (0, false)))
            .cloned()
            .collect();
        people.sort();
        people.dedup();
        for id in people {
            if round.person.as_ref().is_some_and(|only| only != &id) {
                continue;
            }
            let Some(person) = store.person(&id).await?.filter(|p| p.active) else {
                continue;
            };
            if round.on_schedule && !reminder_mail::local_hour_come(&settings, &person, round.now) {
                continue;
            }
            let key = format!("{REMIND}:{}:{}", person.id, c.id);
            let payload = serde_json::json!(Payload {
                person_id: person.id.to_string(),
                cycle_id: c.id.to_string(),
                base: round.public_url.clone(),
            });
            out.push(
                reminder_mail::queue(store, round, &person, REMIND, key, subject(c), payload)
                    .await?,
            );
        }
    }
    Ok(out)
}

/// Runs one [`REMIND`] job: reads what the person still has to close in the cycle (among what
/// they may see), writes a bell notification per objective and queues one email listing them.
pub async fn remind(store: &dyn Store, job: &Job) -> ApiResult<()> {
    let p: Payload = serde_json::from_value(job.payload.clone())
        .map_err(|e| ApiError::Internal(format!("a score reminder's payload: {e}")))?;
    let Some(cycle) = store.cycle(&CycleId::from_string(&p.cycle_id)).await? else {
        return Ok(());
    };
    let Some(person) = store
        .person(&PersonId::from_string(&p.person_id))
        .await?
        .filter(|p| p.active)
    else {
        return Ok(());
    };
    let mine: Vec<(Open, (usize, bool))> = open_in(store, &cycle.id)
        .await?
        .into_iter()
        .map(|o| {
            let todo = o.for_person(&person.id);
            (o, todo)
        })
        .filter(|(_, todo)| *todo != (0, false))
        .collect();
    let ids: Vec<ObjectiveId> = mine.iter().map(|(o, _)| o.objective_id.clone()).collect();
    let seen = Viewer::of(&person).visible(store, &ids).await?;
    let mine: BTreeMap<String, (Open, (usize, bool))> = mine
        .into_iter()
        .filter(|(o, _)| seen.contains(&o.objective_id))
        .map(|(o, todo)| (format!("{}:{}", o.title, o.objective_id), (o, todo)))
        .collect();
    if mine.is_empty() {
        return Ok(()); // all scored and written since the round
    }
    let now = crate::services::now();
    let bells = mine
        .values()
        .map(|(o, _)| {
            let mut n = Notification::new(
                person.id.clone(),
                NotificationKind::ScoreReminder,
                o.objective_id.as_str(),
            );
            n.objective_id = Some(o.objective_id.clone());
            n.created_at = now;
            n
        })
        .collect();
    store.record_key_result_signals(&[], bells).await?;
    let Some(base) = p.base else {
        return Ok(());
    };
    if !Choices::load(store)
        .await?
        .of(&person.id, Topic::CheckInReminders)
        .by_email()
    {
        return Ok(());
    }
    let items: Vec<Item> = mine
        .values()
        .map(|(o, todo)| Item {
            title: o.title.clone(),
            detail: detail(*todo),
            link: format!("{base}/objectives/{}/close-out", o.objective_id),
        })
        .collect();
    let w = Waiting {
        subject: subject(&cycle),
        name: person.name.clone(),
        intro: format!(
            "{} ended on {}. These wait for you to close them:",
            cycle.name,
            crate::ui::format::date(cycle.ends_on)
        ),
        link: items[0].link.clone(),
        items,
        action: "Score and write the retrospective on the close-out page".into(),
        unsubscribe: String::new(),
        stop: "Stop check-in and scoring reminders".into(),
    };
    let m = w
        .message(
            store,
            &person,
            "score_reminder",
            &base,
            Topic::CheckInReminders,
        )
        .await?;
    let key = job
        .unique_key
        .clone()
        .unwrap_or_else(|| format!("{REMIND}:{}", job.id));
    reminder_mail::send(store, &m, &key, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_left_reads_in_words() {
        assert_eq!(
            detail((2, true)),
            "2 key results to score and the retrospective to write"
        );
        assert_eq!(detail((1, false)), "a key result to score");
        assert_eq!(detail((0, true)), "the retrospective to write");
    }
}
