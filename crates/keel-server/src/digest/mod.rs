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
use crate::services::visibility::visible_to_each;
use chrono::{Datelike, Timelike};
use keel_domain::preferences::Topic;
use keel_domain::*;
use keel_store::{every_page, Jobs, Notifications, People, PeopleFilter, Settings, Store};
use std::collections::HashSet;

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
/// messages held in memory at once, whatever the size of the organisation. Also the page of
/// people read at once (the store's largest page).
const CHUNK: usize = 500;

/// The weekly digest round: each person's digest, skipped when empty, queued once per ISO week.
pub async fn digests(store: &dyn Store, round: &Round) -> ApiResult<Vec<Outcome>> {
    let mut out = Vec::new();
    digests_each(store, round, &mut |o| out.push(o)).await?;
    Ok(out)
}

/// The weekly digest round, each message reported to `report` as its chunk is queued: the
/// people are read a page at a time and nothing of a chunk is kept after it, so what the round
/// holds is the week's facts, whatever the number of people.
pub async fn digests_each(
    store: &dyn Store,
    round: &Round,
    report: &mut (dyn FnMut(Outcome) + Send),
) -> ApiResult<()> {
    let Some(base) = round.public_url.as_deref() else {
        no_public_url();
        return Ok(());
    };
    let settings = store.settings().await?;
    let choices = preferences::Choices::load(store).await?;
    let days: std::collections::HashMap<PersonId, Weekday> = store
        .as_preferences()
        .digest_days()
        .await?
        .into_iter()
        .collect();
    let key = unsubscribe::key(store).await?;
    let started = std::time::Instant::now();
    // Gathered when the first person whose digest is due is found: an hourly round for nobody
    // costs no walk over the organisation.
    let mut facts: Option<(gather::Facts, HashSet<PersonId>)> = None;
    let (mut people, mut digests) = (0, 0);
    let mut split = Split::default();
    let mut page = keel_store::PageRequest {
        limit: CHUNK as u32,
        cursor: None,
    };
    loop {
        let at = std::time::Instant::now();
        let (batch, next) = recipients_page(store, round.person.as_ref(), &page).await?;
        split.people += at.elapsed();
        let due: Vec<Person> = batch
            .into_iter()
            .filter(|p| choices.of(&p.id, Topic::Digest).by_email())
            .filter(|p| !round.on_schedule || digest_time(&settings, p, days.get(&p.id), round.now))
            .collect();
        if !due.is_empty() {
            if facts.is_none() {
                facts = Some(gathered(store, round.now, started).await?);
            }
            let Some((facts, news)) = facts.as_ref() else {
                unreachable!("gathered above")
            };
            let ctx = Ctx {
                store,
                facts,
                news,
                key: &key,
                settings: &settings,
                round,
                base,
            };
            people += due.len();
            let composed = digest_chunk(&ctx, &due, &mut split).await?;
            let at = std::time::Instant::now();
            let queued = queue(store, round, composed).await?;
            split.queue += at.elapsed();
            for o in queued {
                digests += 1;
                report(o);
            }
        }
        match next {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    if facts.is_some() {
        tracing::info!(
            people,
            digests,
            seconds = started.elapsed().as_secs_f64(),
            reading_people = split.people.as_secs_f64(),
            visibility = split.visibility.as_secs_f64(),
            composing = split.composing.as_secs_f64(),
            queueing = split.queue.as_secs_f64(),
            "weekly digest: composed and queued"
        );
    }
    Ok(())
}

/// The week's facts, and the people with news kept for their digest.
async fn gathered(
    store: &dyn Store,
    now: Timestamp,
    started: std::time::Instant,
) -> ApiResult<(gather::Facts, HashSet<PersonId>)> {
    let facts = gather::gather(store, now).await?;
    let news = store
        .digest_news_recipients(now - chrono::Duration::days(7))
        .await?
        .into_iter()
        .collect();
    tracing::info!(
        key_results = facts.lines.len(),
        seconds = started.elapsed().as_secs_f64(),
        "weekly digest: facts gathered"
    );
    Ok((facts, news))
}

/// One page of the people a round is for (one person, or the active people), and the cursor
/// of the next page.
async fn recipients_page(
    store: &dyn Store,
    only: Option<&PersonId>,
    page: &keel_store::PageRequest,
) -> ApiResult<(Vec<Person>, Option<String>)> {
    if only.is_some() {
        return Ok((recipients(store, only).await?, None));
    }
    let filter = PeopleFilter {
        active: Some(true),
        ..PeopleFilter::default()
    };
    let got = store.list_people(&filter, page).await?;
    Ok((got.items, got.next_cursor))
}

/// What composing one person's message needs.
struct Ctx<'a> {
    store: &'a dyn Store,
    facts: &'a gather::Facts,
    /// The people with news kept for their digest this week.
    news: &'a HashSet<PersonId>,
    key: &'a [u8],
    settings: &'a OrgSettings,
    round: &'a Round,
    base: &'a str,
}

/// Composes the digests of a chunk of people, the empty ones left out: what each may see of
/// others' OKRs is decided for the whole chunk at once, and only those with news kept for the
/// digest have it read.
async fn digest_chunk(
    c: &Ctx<'_>,
    people: &[Person],
    split: &mut Split,
) -> ApiResult<Vec<Composed>> {
    let at = std::time::Instant::now();
    let asks = people
        .iter()
        .map(|p| (p, compose::to_check(c.facts, &p.id)))
        .collect();
    let mut seen = visible_to_each(c.store, asks).await?;
    split.visibility += at.elapsed();
    let at = std::time::Instant::now();
    let mut out = Vec::new();
    for p in people {
        let since = if c.news.contains(&p.id) {
            since::since_last_week(c.store, p, crate::services::now(), c.base).await?
        } else {
            vec![]
        };
        let seen = seen.remove(&p.id);
        let d = compose::digest(c.facts, p, seen.as_ref(), since, &c.settings.name, c.base);
        if let Some(m) = one_digest(c, p, d)? {
            out.push(m);
        }
    }
    split.composing += at.elapsed();
    Ok(out)
}

/// Where a digest round's time goes after gathering (the log's per-phase split).
#[derive(Default)]
struct Split {
    /// Reading the people, a page at a time.
    people: std::time::Duration,
    /// Deciding what each reader may see of others' OKRs.
    visibility: std::time::Duration,
    /// Composing and rendering the messages (and reading news kept for the digest).
    composing: std::time::Duration,
    /// Queueing the messages, a chunk per transaction.
    queue: std::time::Duration,
}

/// `p`'s digest as a message to queue; `None` when it would be empty.
fn one_digest(c: &Ctx<'_>, p: &Person, mut d: compose::Digest) -> ApiResult<Option<Composed>> {
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
    compose::digest_of(store, &facts, person, &settings.name, &base).await
}
