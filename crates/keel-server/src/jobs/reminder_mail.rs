//! The email of a reminder about waiting work (an unanswered ownership request, a cycle to
//! score): a greeting, what waits with a link to each, where to act, and the one-click
//! unsubscribe of its topic. Shared by [`super::ownership_reminders`] and
//! [`super::score_reminders`], rendered from `waiting_email.txt` and `waiting_email.html`.
//!
//! Why one shape: these reminders say the same kind of thing ("this still waits for you"), so
//! one template keeps their words and their unsubscribe footer alike.

use crate::digest::{unsubscribe, Outcome, Round};
use crate::error::{ApiError, ApiResult};
use crate::mail::{EmailMessage, Recipient};
use askama::Template;
use chrono::Timelike;
use keel_domain::preferences::Topic;
use keel_domain::*;
use keel_store::{Jobs, NewJob, Store};

/// One thing that waits, with the page to act on it.
#[derive(Debug, Clone)]
pub struct Item {
    pub title: String,
    /// "waiting since 2 Dec 2026", "2 key results to score and the retrospective"
    pub detail: String,
    pub link: String,
}

/// A reminder's email.
#[derive(Debug, Clone, Template)]
#[template(path = "waiting_email.txt")]
pub struct Waiting {
    pub subject: String,
    pub name: String,
    /// The first paragraph.
    pub intro: String,
    pub items: Vec<Item>,
    /// What to do, as a sentence ending before the link: "Answer on its page".
    pub action: String,
    /// Where the reader acts (absolute).
    pub link: String,
    /// The one-click unsubscribe link of `topic`.
    pub unsubscribe: String,
    /// "Stop ownership emails"
    pub stop: String,
}

/// The HTML part.
#[derive(Template)]
#[template(path = "waiting_email.html")]
pub struct WaitingHtml<'a> {
    pub w: &'a Waiting,
}

impl Waiting {
    /// The message to `person` of `purpose`, with the unsubscribe link of `topic`.
    pub async fn message(
        mut self,
        store: &dyn Store,
        person: &Person,
        purpose: &str,
        base: &str,
        topic: Topic,
    ) -> ApiResult<EmailMessage> {
        let key = unsubscribe::key(store).await?;
        self.unsubscribe = format!(
            "{base}/unsubscribe/{}",
            unsubscribe::token(&key, &person.id, topic)
        );
        let text = self.render().map_err(render_error)?;
        let html = WaitingHtml { w: &self }.render().map_err(render_error)?;
        Ok(EmailMessage {
            to: Recipient::Person(person.id.to_string()),
            purpose: purpose.into(),
            subject: self.subject,
            text,
            html,
            unsubscribe_url: Some(self.unsubscribe),
        })
    }
}

fn render_error(e: askama::Error) -> ApiError {
    ApiError::Internal(format!("template: {e}"))
}

/// Whether the person's local hour has come (their own zone, else the organisation's): a
/// scheduled round reminds nobody at night.
pub fn local_hour_come(settings: &OrgSettings, person: &Person, now: Timestamp) -> bool {
    let zone = person
        .time_zone
        .as_deref()
        .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
        .unwrap_or_else(|| settings.zone());
    now.with_timezone(&zone).hour() >= crate::digest::LOCAL_HOUR
}

/// Queues one reminder job of `kind` under `key` (unless the round is dry), and reports it.
pub async fn queue(
    store: &dyn Store,
    round: &Round,
    person: &Person,
    kind: &str,
    key: String,
    subject: String,
    payload: serde_json::Value,
) -> ApiResult<Outcome> {
    let queued = if round.dry_run {
        false
    } else {
        store
            .enqueue_job(&job(kind, key.clone(), payload, round.now))
            .await?
    };
    Ok(Outcome {
        person_id: person.id.clone(),
        email: person.email.as_str().to_string(),
        subject,
        unique_key: key,
        queued,
    })
}

/// A reminder job of `kind` under `key`, due at `now` (retried up to five times).
pub fn job(kind: &str, key: String, payload: serde_json::Value, now: Timestamp) -> NewJob {
    NewJob {
        kind: kind.to_string(),
        unique_key: Some(key),
        payload,
        run_at: now,
        max_attempts: 5,
    }
}

/// Queues `m` to send once under `key` (the reminder job's own key, prefixed `email:`).
pub async fn send(store: &dyn Store, m: &EmailMessage, key: &str, now: Timestamp) -> ApiResult<()> {
    store
        .enqueue_job(&m.job(Some(format!("email:{key}")), now))
        .await?;
    Ok(())
}
