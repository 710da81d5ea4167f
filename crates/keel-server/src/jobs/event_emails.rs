//! Event emails: a notification whose person takes its topic by `email` reaches them by email
//! as well as on the bell (docs/notifications.md, "Event emails").
//!
//! Why a frequent job rather than the change's own transaction: the message says who did what
//! on which OKR in the reader's words, which needs names, titles and the visibility rule (the
//! server's read model), none of which the store's write path has. The notification itself is
//! written in the change's transaction with its delivery decided there, so nothing is lost: this
//! job picks the notifications not yet emailed, checks again that each reader may still see the
//! OKR it is about (a reader removed from a private objective's circle meanwhile gets nothing
//! about it), and queues one message per person and topic through the outbox (`send_email`
//! jobs), so several notifications within a minute become one message. Its unique key names the
//! notifications it carries, so a retry after a crash between queuing and marking queues nothing
//! twice (a duplicate can only follow such a crash if more arrived meanwhile).

use crate::digest::unsubscribe;
use crate::error::{ApiError, ApiResult};
use crate::mail::{EmailMessage, Recipient};
use crate::read::notifications::{views, NotificationView};
use crate::services::visibility::Viewer;
use askama::Template;
use keel_domain::notification::Notification;
use keel_domain::preferences::Topic;
use keel_domain::*;
use keel_store::{Jobs, Notifications, People, Settings, Store};
use std::collections::{BTreeMap, HashSet};

/// The job kind of the round that emails notifications.
pub const NOTIFICATION_EMAILS: &str = "notification_emails";

/// How many pending notifications one round takes (the next round takes the rest).
const BATCH: u32 = 500;

/// A notification older than this when first picked (email was off, or the public URL unset)
/// is no longer news: it stays on the bell and is not emailed.
const STALE_AFTER: chrono::Duration = chrono::Duration::hours(24);

/// One line of an event email.
#[derive(Debug, Clone)]
pub struct EventLine {
    /// "Ada Lovelace proposed you as the owner of “Ship the beta”"
    pub text: String,
    /// Opens it (and marks it read): `<public URL>/notifications/<id>/open`.
    pub link: String,
}

/// The text part of an event email.
#[derive(Debug, Clone, Template)]
#[template(path = "notification_email.txt")]
pub struct EventEmail {
    pub organisation: String,
    pub name: String,
    pub base: String,
    pub lines: Vec<EventLine>,
    /// What the unsubscribe link stops ("Ownership requests and answers").
    pub topic: String,
    pub unsubscribe: String,
}

/// The HTML part of an event email.
#[derive(Template)]
#[template(path = "notification_email.html")]
pub struct EventEmailHtml<'a> {
    pub e: &'a EventEmail,
}

impl EventEmail {
    /// The subject: the one notification's sentence, or how many there are.
    pub fn subject(&self) -> String {
        match self.lines.as_slice() {
            [one] => one.text.clone(),
            lines => format!("{} new notifications in {}", lines.len(), self.organisation),
        }
    }
}

/// One round: queues the pending notification emails; returns how many messages were queued.
/// Without a public URL nothing is queued (the notifications wait, up to [`STALE_AFTER`]).
pub async fn notification_emails(
    store: &dyn Store,
    now: Timestamp,
    public_url: Option<&str>,
) -> ApiResult<usize> {
    let pending = store.notifications_to_email(BATCH).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let (fresh, stale): (Vec<Notification>, Vec<Notification>) = pending
        .into_iter()
        .partition(|n| now - n.created_at < STALE_AFTER);
    done(store, &stale, now).await?;
    let Some(base) = public_url else {
        return Ok(0);
    };
    let mut by_person: BTreeMap<PersonId, Vec<Notification>> = BTreeMap::new();
    for n in fresh {
        by_person.entry(n.recipient_id.clone()).or_default().push(n);
    }
    let ctx = Ctx {
        store,
        now,
        base,
        organisation: store.settings().await?.name,
        key: unsubscribe::key(store).await?,
    };
    let mut queued = 0;
    for (person, items) in by_person {
        queued += one_person(&ctx, &person, &items).await?;
        done(store, &items, now).await?;
    }
    Ok(queued)
}

/// What every person's messages share.
struct Ctx<'a> {
    store: &'a dyn Store,
    now: Timestamp,
    base: &'a str,
    organisation: String,
    key: Vec<u8>,
}

/// Records the notifications as handled (emailed, or not to be).
async fn done(store: &dyn Store, items: &[Notification], now: Timestamp) -> ApiResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let ids: Vec<NotificationId> = items.iter().map(|n| n.id.clone()).collect();
    store.mark_notifications_emailed(&ids, now).await?;
    Ok(())
}

/// Queues `person`'s messages, one per topic, of the notifications they may still see.
async fn one_person(c: &Ctx<'_>, person: &PersonId, items: &[Notification]) -> ApiResult<usize> {
    let Some(p) = c.store.person(person).await? else {
        return Ok(0);
    };
    if !p.active {
        return Ok(0);
    }
    let about: Vec<ObjectiveId> = items
        .iter()
        .filter_map(|n| n.objective_id.clone())
        .collect();
    let seen: HashSet<ObjectiveId> = Viewer::of(&p).visible(c.store, &about).await?;
    let mut by_topic: BTreeMap<Topic, Vec<Notification>> = BTreeMap::new();
    for n in items {
        let visible = n.objective_id.as_ref().is_none_or(|o| seen.contains(o));
        if let (true, Some(topic)) = (visible, Topic::of(n.kind)) {
            by_topic.entry(topic).or_default().push(n.clone());
        }
    }
    let mut queued = 0;
    for (topic, ns) in by_topic {
        let key = unique_key(&ns);
        let shown = views(c.store, ns).await?;
        let m = message(c, &p, topic, shown)?;
        if c.store.enqueue_job(&m.job(Some(key), c.now)).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// `email:notification:<id>` for one; `email:notification:<first>..<last>` for several.
fn unique_key(ns: &[Notification]) -> String {
    match (ns.first(), ns.last()) {
        (Some(a), Some(b)) if a.id != b.id => format!("email:notification:{}..{}", a.id, b.id),
        (Some(a), _) => format!("email:notification:{}", a.id),
        _ => "email:notification:none".into(),
    }
}

fn message(
    c: &Ctx<'_>,
    p: &Person,
    topic: Topic,
    shown: Vec<NotificationView>,
) -> ApiResult<EmailMessage> {
    let unsubscribe = format!(
        "{}/unsubscribe/{}",
        c.base,
        unsubscribe::token(&c.key, &p.id, topic)
    );
    let e = EventEmail {
        organisation: c.organisation.clone(),
        name: p.name.clone(),
        base: c.base.to_string(),
        lines: shown
            .into_iter()
            .map(|v| EventLine {
                link: format!("{}/notifications/{}/open", c.base, v.id),
                text: v.text,
            })
            .collect(),
        topic: topic.label().to_string(),
        unsubscribe: unsubscribe.clone(),
    };
    let render = |e: askama::Error| ApiError::Internal(format!("template: {e}"));
    Ok(EmailMessage {
        to: Recipient::Person(p.id.to_string()),
        purpose: "notification".into(),
        subject: e.subject(),
        text: e.render().map_err(render)?,
        html: EventEmailHtml { e: &e }.render().map_err(render)?,
        unsubscribe_url: Some(unsubscribe),
    })
}
