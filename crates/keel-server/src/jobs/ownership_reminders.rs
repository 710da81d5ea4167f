//! Ownership requests nobody has answered (issue 15, item 5): the proposed owner is reminded
//! after [`REMIND_PROPOSED_OWNER_AFTER_DAYS`] days, and the proposer is told it still waits
//! (who, since when, and the page to propose someone else or change the owner) after
//! [`TELL_PROPOSER_AFTER_DAYS`]; each repeated weekly while the request waits.
//!
//! Why two jobs: the hourly round ([`ROUND`]) only finds what is due and queues one
//! [`REMIND`] job per (request, whom, period), whose unique key makes it once on any number of
//! servers; that job checks again when it runs (the request may have been answered or
//! withdrawn since, the reader may have lost sight of a private OKR) and then writes the bell
//! notification and queues the email (`email:` + its key) if the person wants ownership news
//! by email. Nothing is ever said about a private OKR to someone who may not see it.

use super::reminder_mail::{self, Item, Waiting};
use crate::digest::{preferences::Choices, Outcome, Round};
use crate::error::{ApiError, ApiResult};
use crate::services::visibility::visible_to_each;
use crate::services::visibility::Viewer;
use keel_domain::notification::{Notification, NotificationKind};
use keel_domain::preferences::Topic;
use keel_domain::reminders::{
    waiting_period, REMIND_PROPOSED_OWNER_AFTER_DAYS, TELL_PROPOSER_AFTER_DAYS,
};
use keel_domain::*;
use keel_store::{
    Job, Jobs, KeyResults, Notifications, Objectives, Ownership, OwnershipRequestFilter,
    PageRequest, People, Reader, Settings, Store,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The job kind of the hourly round that finds the requests waiting too long.
pub const ROUND: &str = "ownership_reminders";
/// The job kind of one reminder about one request.
pub const REMIND: &str = "ownership_reminder";

/// Who is reminded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Whom {
    /// The person proposed, who has not answered.
    ProposedOwner,
    /// Whoever proposed them.
    Proposer,
}

impl Whom {
    fn as_str(self) -> &'static str {
        match self {
            Whom::ProposedOwner => "proposed_owner",
            Whom::Proposer => "proposer",
        }
    }
}

/// What a [`REMIND`] job carries.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    request_id: String,
    whom: Whom,
    /// The public URL for the email's links; without it only the bell is written.
    base: Option<String>,
}

/// The OKR a request is about, as the reminded person may see it.
struct About {
    objective_id: ObjectiveId,
    key_result_id: Option<KeyResultId>,
    title: String,
    /// The OKR's page, relative to Keel.
    path: String,
}

/// Who is reminded about `r` by `whom`, if anybody.
fn recipient(r: &OwnershipRequest, whom: Whom) -> Option<PersonId> {
    match whom {
        Whom::ProposedOwner => Some(r.proposed_owner_id.clone()),
        // Nobody is told that they themselves have not answered.
        Whom::Proposer => r.proposed_by.clone().filter(|p| p != &r.proposed_owner_id),
    }
}

/// The OKR of `r`, if it still exists and `reader` may see it.
async fn about(
    store: &dyn Store,
    r: &OwnershipRequest,
    reader: &Person,
) -> ApiResult<Option<About>> {
    let (objective_id, kr) = match &r.okr {
        OkrRef::Objective(o) => (o.clone(), None),
        OkrRef::KeyResult(k) => match store.key_result(k).await? {
            Some(kr) => (kr.objective_id.clone(), Some(kr)),
            None => return Ok(None),
        },
    };
    let Some(o) = store.objective(&objective_id).await? else {
        return Ok(None);
    };
    let seen = Viewer::of(reader)
        .visible(store, std::slice::from_ref(&objective_id))
        .await?;
    if !seen.contains(&objective_id) {
        return Ok(None);
    }
    Ok(Some(match kr {
        Some(kr) => About {
            objective_id,
            path: format!("/key-results/{}", kr.id),
            key_result_id: Some(kr.id),
            title: kr.title,
        },
        None => About {
            path: format!("/objectives/{}", o.id),
            objective_id,
            key_result_id: None,
            title: o.title,
        },
    }))
}

/// The subject line of a reminder (the round prints it; the email carries it).
fn subject(whom: Whom, title: &str, other: &str) -> String {
    match whom {
        Whom::ProposedOwner => {
            format!("{other} is waiting for your answer: will you own “{title}”?")
        }
        Whom::Proposer => format!("{other} has not answered yet: owning “{title}”"),
    }
}

/// A person's name, or "Someone" for a record that is gone.
async fn name_of(store: &dyn Store, id: Option<&PersonId>) -> ApiResult<String> {
    Ok(match id {
        Some(id) => store.person(id).await?.map(|p| p.name),
        None => None,
    }
    .unwrap_or_else(|| "Someone".into()))
}

/// The other side of the request, for `whom`'s words.
fn other_side(r: &OwnershipRequest, whom: Whom) -> Option<&PersonId> {
    match whom {
        Whom::ProposedOwner => r.proposed_by.as_ref(),
        Whom::Proposer => Some(&r.proposed_owner_id),
    }
}

/// The round: queues a [`REMIND`] job for each request waiting past its days, per person
/// reminded and period (a scheduled round waits for the person's local hour). A page of
/// requests at a time, each page in a constant number of queries (its people, OKRs and what
/// each person may see read together, its jobs queued in one transaction): at 100,000 people
/// tens of thousands of requests wait, and a query per request kept a server busy for minutes
/// every hour.
pub async fn round(store: &dyn Store, round: &Round) -> ApiResult<Vec<Outcome>> {
    let settings = store.settings().await?;
    let filter = OwnershipRequestFilter {
        state: Some(RequestState::Pending),
        ..OwnershipRequestFilter::new(Reader::Everyone)
    };
    let mut page = PageRequest {
        limit: 500,
        cursor: None,
    };
    let mut out = vec![];
    loop {
        let waiting = store.list_ownership_requests(&filter, &page).await?;
        out.extend(round_page(store, round, &settings, &waiting.items).await?);
        match waiting.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// A reminder due in this round: the request, whom, the period and who is reminded.
struct Due<'a> {
    request: &'a OwnershipRequest,
    whom: Whom,
    period: String,
    person: PersonId,
}

/// The reminders due among `waiting` (before reading anything).
fn due<'a>(round: &Round, waiting: &'a [OwnershipRequest]) -> Vec<Due<'a>> {
    let mut out = vec![];
    for r in waiting {
        for (whom, days) in [
            (Whom::ProposedOwner, REMIND_PROPOSED_OWNER_AFTER_DAYS),
            (Whom::Proposer, TELL_PROPOSER_AFTER_DAYS),
        ] {
            let Some(period) = waiting_period(r.created_at, round.now, days) else {
                continue;
            };
            let Some(person) = recipient(r, whom) else {
                continue;
            };
            if round.person.as_ref().is_some_and(|only| only != &person) {
                continue;
            }
            out.push(Due {
                request: r,
                whom,
                period: period.to_string(),
                person,
            });
        }
    }
    out
}

/// What a page of requests is about: the people on both sides, the key results and
/// objectives, read by id (three queries).
struct PageFacts {
    people: HashMap<PersonId, Person>,
    key_results: HashMap<KeyResultId, KeyResult>,
    objectives: HashMap<ObjectiveId, Objective>,
}

impl PageFacts {
    async fn read(store: &dyn Store, due: &[Due<'_>]) -> ApiResult<PageFacts> {
        let mut people: HashSet<PersonId> = HashSet::new();
        let mut krs: HashSet<KeyResultId> = HashSet::new();
        let mut objectives: HashSet<ObjectiveId> = HashSet::new();
        for d in due {
            people.insert(d.person.clone());
            people.extend(other_side(d.request, d.whom).cloned());
            match &d.request.okr {
                OkrRef::Objective(o) => objectives.insert(o.clone()),
                OkrRef::KeyResult(k) => krs.insert(k.clone()),
            };
        }
        let krs: Vec<KeyResultId> = krs.into_iter().collect();
        let key_results: HashMap<KeyResultId, KeyResult> = store
            .key_results_by_ids(&krs)
            .await?
            .into_iter()
            .map(|k| (k.id.clone(), k))
            .collect();
        objectives.extend(key_results.values().map(|k| k.objective_id.clone()));
        let objectives: Vec<ObjectiveId> = objectives.into_iter().collect();
        let people: Vec<PersonId> = people.into_iter().collect();
        Ok(PageFacts {
            people: store
                .people_by_ids(&people)
                .await?
                .into_iter()
                .map(|p| (p.id.clone(), p))
                .collect(),
            objectives: store
                .objectives_by_ids(&objectives)
                .await?
                .into_iter()
                .map(|o| (o.id.clone(), o))
                .collect(),
            key_results,
        })
    }

    /// The OKR of `r` if it still exists (as [`about`] words it, visibility aside).
    fn about(&self, r: &OwnershipRequest) -> Option<About> {
        match &r.okr {
            OkrRef::Objective(o) => {
                let o = self.objectives.get(o)?;
                Some(About {
                    objective_id: o.id.clone(),
                    key_result_id: None,
                    title: o.title.clone(),
                    path: format!("/objectives/{}", o.id),
                })
            }
            OkrRef::KeyResult(k) => {
                let kr = self.key_results.get(k)?;
                let o = self.objectives.get(&kr.objective_id)?;
                Some(About {
                    objective_id: o.id.clone(),
                    key_result_id: Some(kr.id.clone()),
                    title: kr.title.clone(),
                    path: format!("/key-results/{}", kr.id),
                })
            }
        }
    }

    /// A person's name, or "Someone" for a record that is gone.
    fn name_of(&self, id: Option<&PersonId>) -> String {
        id.and_then(|id| self.people.get(id))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "Someone".into())
    }
}

/// The round over one page of waiting requests: the reminders due to active people whose
/// local hour has come, about OKRs they may still see, queued together.
async fn round_page(
    store: &dyn Store,
    round: &Round,
    settings: &OrgSettings,
    waiting: &[OwnershipRequest],
) -> ApiResult<Vec<Outcome>> {
    let due = due(round, waiting);
    if due.is_empty() {
        return Ok(vec![]);
    }
    let facts = PageFacts::read(store, &due).await?;
    let mut told: Vec<(&Due<'_>, &Person, About)> = vec![];
    for d in &due {
        let Some(person) = facts.people.get(&d.person).filter(|p| p.active) else {
            continue;
        };
        if round.on_schedule && !reminder_mail::local_hour_come(settings, person, round.now) {
            continue;
        }
        if let Some(a) = facts.about(d.request) {
            told.push((d, person, a));
        }
    }
    // Nothing is said about an OKR its reader may not see: each reader's objectives at once.
    let mut asks: HashMap<&PersonId, (&Person, Vec<ObjectiveId>)> = HashMap::new();
    for (_, person, a) in &told {
        asks.entry(&person.id)
            .or_insert_with(|| (*person, vec![]))
            .1
            .push(a.objective_id.clone());
    }
    let seen = visible_to_each(store, asks.into_values().collect()).await?;
    let mut jobs = vec![];
    let mut out = vec![];
    for (d, person, a) in told {
        if !seen
            .get(&person.id)
            .is_some_and(|s| s.contains(&a.objective_id))
        {
            continue;
        }
        let other = facts.name_of(other_side(d.request, d.whom));
        let key = format!("{REMIND}:{}:{}:{}", d.request.id, d.whom.as_str(), d.period);
        let payload = serde_json::json!(Payload {
            request_id: d.request.id.to_string(),
            whom: d.whom,
            base: round.public_url.clone(),
        });
        jobs.push(reminder_mail::job(REMIND, key.clone(), payload, round.now));
        out.push(Outcome {
            person_id: person.id.clone(),
            email: person.email.as_str().to_string(),
            subject: subject(d.whom, &a.title, &other),
            unique_key: key,
            queued: false,
        });
    }
    if !round.dry_run && !jobs.is_empty() {
        for (o, queued) in out.iter_mut().zip(store.enqueue_jobs(&jobs).await?) {
            o.queued = queued;
        }
    }
    Ok(out)
}

/// Runs one [`REMIND`] job: checks the request still waits and the person may still see its
/// OKR, then writes the bell notification and, if they want ownership news by email, queues
/// the email once.
pub async fn remind(store: &dyn Store, job: &Job) -> ApiResult<()> {
    let p: Payload = serde_json::from_value(job.payload.clone())
        .map_err(|e| ApiError::Internal(format!("an ownership reminder's payload: {e}")))?;
    let id = OwnershipRequestId::from_string(&p.request_id);
    let Some(r) = store.ownership_request(&id).await? else {
        return Ok(());
    };
    if r.state != RequestState::Pending {
        return Ok(()); // answered, or replaced by another proposal, since the round
    }
    let Some(who) = recipient(&r, p.whom) else {
        return Ok(());
    };
    let Some(person) = store.person(&who).await?.filter(|p| p.active) else {
        return Ok(());
    };
    let Some(a) = about(store, &r, &person).await? else {
        return Ok(());
    };
    let kind = match p.whom {
        Whom::ProposedOwner => NotificationKind::OwnershipReminder,
        Whom::Proposer => NotificationKind::OwnershipStillWaiting,
    };
    let mut n = Notification::new(person.id.clone(), kind, r.id.as_str());
    n.actor_id = other_side(&r, p.whom).cloned();
    n.objective_id = Some(a.objective_id.clone());
    n.key_result_id = a.key_result_id.clone();
    n.created_at = crate::services::now();
    store.record_key_result_signals(&[], vec![n]).await?;
    let Some(base) = p.base else {
        return Ok(());
    };
    let choices = Choices::load(store).await?;
    if !choices.of(&person.id, Topic::Ownership).by_email() {
        return Ok(());
    }
    let settings = store.settings().await?;
    let other = name_of(store, other_side(&r, p.whom)).await?;
    let since = crate::ui::format::date(settings.local_date(r.created_at));
    let link = format!("{base}{}", a.path);
    let (intro, action, stop) = match p.whom {
        Whom::ProposedOwner => (
            format!("{other} proposed you as the owner of this, and is waiting for your answer:"),
            "Accept or decline on its page".to_string(),
            "Stop ownership emails",
        ),
        Whom::Proposer => (
            format!("You proposed {other} as the owner of this; they have not answered yet:"),
            "Propose someone else, or change the owner, on its page".to_string(),
            "Stop ownership emails",
        ),
    };
    let w = Waiting {
        subject: subject(p.whom, &a.title, &other),
        name: person.name.clone(),
        intro,
        items: vec![Item {
            title: a.title.clone(),
            detail: format!("waiting since {since}"),
            link: link.clone(),
        }],
        action,
        link,
        unsubscribe: String::new(),
        stop: stop.into(),
    };
    let m = w
        .message(
            store,
            &person,
            "ownership_reminder",
            &base,
            Topic::Ownership,
        )
        .await?;
    let key = job
        .unique_key
        .clone()
        .unwrap_or_else(|| format!("{REMIND}:{}", job.id));
    reminder_mail::send(store, &m, &key, crate::services::now()).await
}
