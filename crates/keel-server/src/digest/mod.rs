//! The weekly progress digest and the check-in reminders: the email that keeps owners on their
//! weekly rhythm (issue 15, items 4 and 5).
//!
//! Why here and shaped so: both say what the pages say (status from the one rule, through the
//! `Assessor`; as of a week ago with `as_of`), for every person at once, so the facts are
//! gathered once for the organisation ([`gather`]) and each person's message is composed from
//! memory ([`compose`]). Messages are only queued, through the mail contract
//! ([`crate::mail::EmailMessage`]), with a unique key per person and period
//! (`email:digest:<person>:<YYYY-Www>`, `email:reminder:<person>:<YYYY-MM-DD>`): running the
//! job twice, or on two servers sharing one PostgreSQL, queues each message once. Links need the
//! public URL (`KEEL_PUBLIC_URL`): without it nothing is queued, and the log says so once.

pub mod compose;
pub mod gather;
pub mod preferences;
pub mod since;
pub mod unsubscribe;

use crate::error::{ApiError, ApiResult};
use crate::mail::{EmailMessage, Recipient};
use chrono::{Datelike, Timelike};
use keel_domain::preferences::Topic;
use keel_domain::*;
use keel_store::{every_page, Jobs, People, PeopleFilter, Settings, Store};

/// The job kind of the weekly digest round (hourly: each person's digest leaves at their local
/// hour on their check-in day).
pub const DIGEST: &str = "weekly_digest";
/// The job kind of the check-in reminder round (hourly: each person's reminder leaves at their
/// local hour, once a day at most).
pub const REMINDERS: &str = "check_in_reminders";
/// The local hour from which digests and reminders leave ("08:00").
pub const LOCAL_HOUR: u32 = 8;

/// How a round runs.
#[derive(Debug, Clone)]
pub struct Round {
    pub now: Timestamp,
    /// The public URL links start with (no trailing slash); `None`: nothing is queued.
    pub public_url: Option<String>,
    /// Only this person (the CLI's `--person`).
    pub person: Option<PersonId>,
    /// Compose and report, queue nothing.
    pub dry_run: bool,
    /// Only people whose local day and hour have come (the scheduled job); the CLI sends now.
    pub on_schedule: bool,
}

impl Round {
    /// The scheduled round at `now`, with the public URL from `KEEL_PUBLIC_URL`.
    pub fn scheduled(now: Timestamp) -> Round {
        Round {
            now,
            public_url: public_url_from_env(),
            person: None,
            dry_run: false,
            on_schedule: true,
        }
    }
}

/// The public URL from `KEEL_PUBLIC_URL` (trailing slash removed), if set.
pub fn public_url_from_env() -> Option<String> {
    std::env::var("KEEL_PUBLIC_URL")
        .ok()
        .map(|u| u.trim().trim_end_matches('/').to_string())
        .filter(|u| !u.is_empty())
}

/// One message of a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub person_id: PersonId,
    pub email: String,
    pub subject: String,
    pub unique_key: String,
    /// Queued now (false: a dry run, or already queued this period).
    pub queued: bool,
}

/// Says once per process that mail waits for the public URL.
fn no_public_url() {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        tracing::warn!(
            "digests and reminders are not queued: set KEEL_PUBLIC_URL so their links work"
        );
    });
}

/// The people a round is for: one, or every active person.
async fn recipients(store: &dyn Store, only: Option<&PersonId>) -> ApiResult<Vec<Person>> {
    if let Some(id) = only {
        let p = store
            .person(id)
            .await?
            .ok_or(ApiError::NotFound("person"))?;
        return Ok(vec![p].into_iter().filter(|p| p.active).collect());
    }
    Ok(every_page(|page| async move {
        let filter = PeopleFilter {
            active: Some(true),
            ..PeopleFilter::default()
        };
        store.list_people(&filter, &page).await
    })
    .await?)
}

/// The person's local time: their own zone, else the organisation's.
fn local_time(
    settings: &OrgSettings,
    person: &Person,
    now: Timestamp,
) -> chrono::DateTime<chrono_tz::Tz> {
    let zone = person
        .time_zone
        .as_deref()
        .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
        .unwrap_or_else(|| settings.zone());
    now.with_timezone(&zone)
}

/// The ISO week of a day, as the digest's key names it: `2026-W49`.
pub fn iso_week(day: chrono::NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// A composed message, waiting to be queued with the others of its chunk.
struct Composed {
    person: PersonId,
    email: String,
    message: EmailMessage,
    key: String,
}

/// Queues `composed` (unless dry) in one batch, each under its once-per-period key, and reports
/// each message.
async fn queue(
    store: &dyn Store,
    round: &Round,
    composed: Vec<Composed>,
) -> ApiResult<Vec<Outcome>> {
    let queued = if round.dry_run {
        vec![false; composed.len()]
    } else {
        let jobs: Vec<_> = composed
            .iter()
            .map(|c| c.message.job(Some(c.key.clone()), round.now))
            .collect();
        store.enqueue_jobs(&jobs).await?
    };
    Ok(composed
        .into_iter()
        .zip(queued)
        .map(|(c, queued)| Outcome {
            person_id: c.person,
            email: c.email,
            subject: c.message.subject,
            unique_key: c.key,
            queued,
        })
        .collect())
}

/// How many people's messages are composed, then queued in one batch (one transaction): the
/// messages held in memory at once, whatever the size of the organisation.
const CHUNK: usize = 500;

/// The weekly digest round: each person's digest, skipped when empty, queued once per ISO week.
pub async fn digests(store: &dyn Store, round: &Round) -> ApiResult<Vec<Outcome>> {
    let Some(base) = round.public_url.as_deref() else {
        no_public_url();
        return Ok(vec![]);
    };
    let settings = store.settings().await?;
    let choices = preferences::Choices::load(store).await?;
    let days: std::collections::HashMap<PersonId, Weekday> = store
        .as_preferences()
        .digest_days()
        .await?
        .into_iter()
        .collect();
    let people: Vec<Person> = recipients(store, round.person.as_ref())
        .await?
        .into_iter()
        .filter(|p| choices.of(&p.id, Topic::Digest).by_email())
        .filter(|p| !round.on_schedule || digest_time(&settings, p, days.get(&p.id), round.now))
        .collect();
    if people.is_empty() {
        return Ok(vec![]);
    }
    let started = std::time::Instant::now();
    let facts = gather::gather(store, round.now).await?;
    tracing::info!(
        people = people.len(),
        key_results = facts.lines.len(),
        seconds = started.elapsed().as_secs_f64(),
        "weekly digest: facts gathered"
    );
    let key = unsubscribe::key(store).await?;
    let ctx = Ctx {
        store,
        facts: &facts,
        key: &key,
        settings: &settings,
        round,
        base,
    };
    let mut out = Vec::with_capacity(people.len());
    for chunk in people.chunks(CHUNK) {
        // Collected first: a stream over a closure is not `Send` for the job runner's task.
        let each: Vec<_> = chunk.iter().map(|p| one_digest(&ctx, p)).collect();
        let composed = all_of(each).await?;
        out.extend(queue(store, round, composed).await?);
    }
    tracing::info!(
        digests = out.len(),
        seconds = started.elapsed().as_secs_f64(),
        "weekly digest: composed and queued"
    );
    Ok(out)
}

/// What composing one person's message needs.
struct Ctx<'a> {
    store: &'a dyn Store,
    facts: &'a gather::Facts,
    key: &'a [u8],
    settings: &'a OrgSettings,
    round: &'a Round,
    base: &'a str,
}

/// Composes `p`'s digest; `None` when it would be empty.
async fn one_digest(c: &Ctx<'_>, p: &Person) -> ApiResult<Option<Composed>> {
    let mut d = compose::digest(c.store, c.facts, p, &c.settings.name, c.base).await?;
    if d.is_empty() {
        return Ok(None);
    }
    d.unsubscribe = unsubscribe_url(c.base, c.key, p, Topic::Digest);
    let week = iso_week(local_time(c.settings, p, c.round.now).date_naive());
    let m = EmailMessage {
        to: Recipient::Person(p.id.to_string()),
        purpose: "digest".into(),
        subject: d.subject(),
        text: askama::Template::render(&d).map_err(render_error)?,
        html: d.html().map_err(render_error)?,
        unsubscribe_url: Some(d.unsubscribe.clone()),
    };
    Ok(Some(Composed {
        person: p.id.clone(),
        email: p.email.as_str().to_string(),
        message: m,
        key: format!("email:digest:{}:{week}", p.id),
    }))
}

/// How many people's messages are composed at once: each may wait on the store (a visibility
/// check), so a few in flight keep a PostgreSQL pool busy.
const IN_FLIGHT: usize = 8;

/// Runs `each` a few at a time, in order, keeping the messages to queue.
async fn all_of<F>(each: Vec<F>) -> ApiResult<Vec<Composed>>
where
    F: std::future::Future<Output = ApiResult<Option<Composed>>>,
{
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    let got: Vec<Option<Composed>> = stream::iter(each).buffered(IN_FLIGHT).try_collect().await?;
    Ok(got.into_iter().flatten().collect())
}

/// The check-in reminder round: each person with a due key result gets one message listing
/// all of them, once per local day.
pub async fn reminders(store: &dyn Store, round: &Round) -> ApiResult<Vec<Outcome>> {
    let Some(base) = round.public_url.as_deref() else {
        no_public_url();
        return Ok(vec![]);
    };
    let settings = store.settings().await?;
    let choices = preferences::Choices::load(store).await?;
    let people: Vec<Person> = recipients(store, round.person.as_ref())
        .await?
        .into_iter()
        .filter(|p| choices.of(&p.id, Topic::CheckInReminders).by_email())
        .filter(|p| !round.on_schedule || local_time(&settings, p, round.now).hour() >= LOCAL_HOUR)
        .collect();
    if people.is_empty() {
        return Ok(vec![]);
    }
    let facts = gather::gather(store, round.now).await?;
    let key = unsubscribe::key(store).await?;
    let mut out = Vec::new();
    for chunk in people.chunks(CHUNK) {
        let mut composed = vec![];
        for p in chunk {
            let mut r = compose::reminder(&facts, p, &settings.name, base);
            if r.due.is_empty() {
                continue;
            }
            r.unsubscribe = unsubscribe_url(base, &key, p, Topic::CheckInReminders);
            let day = local_time(&settings, p, round.now).date_naive();
            composed.push(Composed {
                person: p.id.clone(),
                email: p.email.as_str().to_string(),
                message: EmailMessage {
                    to: Recipient::Person(p.id.to_string()),
                    purpose: "reminder".into(),
                    subject: r.subject(),
                    text: askama::Template::render(&r).map_err(render_error)?,
                    html: r.html().map_err(render_error)?,
                    unsubscribe_url: Some(r.unsubscribe.clone()),
                },
                key: format!("email:reminder:{}:{}", p.id, day.format("%Y-%m-%d")),
            });
        }
        out.extend(queue(store, round, composed).await?);
    }
    Ok(out)
}

/// The digest leaves on the person's own digest day (`own`), else the organisation's check-in
/// day, from the local hour.
fn digest_time(
    settings: &OrgSettings,
    person: &Person,
    own: Option<&Weekday>,
    now: Timestamp,
) -> bool {
    let local = local_time(settings, person, now);
    let day = keel_domain::preferences::digest_weekday(own.copied(), settings.check_in_weekday);
    local.weekday() == day.to_chrono() && local.hour() >= LOCAL_HOUR
}

fn render_error(e: askama::Error) -> ApiError {
    ApiError::Internal(format!("template: {e}"))
}

/// The one-click unsubscribe link of `person` for `purpose`.
fn unsubscribe_url(base: &str, key: &[u8], person: &Person, topic: Topic) -> String {
    format!(
        "{base}/unsubscribe/{}",
        unsubscribe::token(key, &person.id, topic)
    )
}

/// `person`'s digest as it would be built now (the preview page): links relative to Keel when
/// no public URL is set.
pub async fn preview(store: &dyn Store, person: &Person) -> ApiResult<compose::Digest> {
    let settings = store.settings().await?;
    let now = crate::services::now();
    let facts = gather::gather_for(store, &person.id, now).await?;
    let base = public_url_from_env().unwrap_or_default();
    compose::digest(store, &facts, person, &settings.name, &base).await
}
