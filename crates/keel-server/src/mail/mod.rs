//! Email: messages wait in the store's durable job queue (the outbox) and are sent by the job
//! runner, so sending never blocks a request and a message queued in the same transaction as its
//! cause is never lost nor sent for a change that rolled back (docs/notifications.md).
//!
//! Everything that sends mail (invitations, password resets, the weekly digest, check-in
//! reminders, the settings page's test message) builds an [`EmailMessage`] and queues it with
//! [`EmailMessage::job`]; the runner hands `send_email` jobs to the sender.

pub mod send;
pub mod smtp;

pub use send::{deliver, Delivery, LastSend, MailConfig};

use keel_domain::Timestamp;
use keel_store::NewJob;
use serde::{Deserialize, Serialize};

/// The job kind of a queued email.
pub const SEND_EMAIL: &str = "send_email";

/// Attempts before an email is given up (the backoff doubles from 30 s to an hour, so about a
/// day of retries: a mail server down overnight loses nothing).
pub const EMAIL_ATTEMPTS: u32 = 30;

/// Who an email goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Recipient {
    /// A person: their address is read when the message is sent (it may have changed), and
    /// nothing is sent to a deactivated person.
    Person(String),
    /// An address typed by an administrator (the settings page's test message).
    Address(String),
}

/// One email, as queued: the text and HTML bodies are rendered when it is queued, so the
/// message sent is the one the reader's permissions allowed at that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailMessage {
    pub to: Recipient,
    /// Why it is sent: `digest`, `reminder`, `invitation`, `password_reset`, `test` … (the
    /// person's preferences and the unsubscribe link are per purpose).
    pub purpose: String,
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// The one-click unsubscribe link (RFC 8058: sent as `List-Unsubscribe` with
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`), for messages a person may turn off.
    pub unsubscribe_url: Option<String>,
}

impl EmailMessage {
    /// The job that sends this message. `unique_key` makes it once per period, e.g.
    /// `email:digest:<person id>:2026-W49`: a second message with the same key is not queued.
    pub fn job(&self, unique_key: Option<String>, now: Timestamp) -> NewJob {
        NewJob {
            kind: SEND_EMAIL.to_string(),
            unique_key,
            payload: serde_json::to_value(self).expect("an email serialises"),
            run_at: now,
            max_attempts: EMAIL_ATTEMPTS,
        }
    }

    /// The message a `send_email` job carries.
    pub fn from_job(payload: &serde_json::Value) -> Result<EmailMessage, String> {
        serde_json::from_value(payload.clone()).map_err(|e| format!("not an email: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queued_email_reads_back_as_it_was() {
        let m = EmailMessage {
            to: Recipient::Person("0190a0a0-0000-7000-8000-000000000001".into()),
            purpose: "digest".into(),
            subject: "Your week".into(),
            text: "text".into(),
            html: "<p>html</p>".into(),
            unsubscribe_url: Some("https://keel.example/unsubscribe/x".into()),
        };
        let job = m.job(Some("email:digest:p:2026-W49".into()), chrono::Utc::now());
        assert_eq!(job.kind, SEND_EMAIL);
        assert_eq!(EmailMessage::from_job(&job.payload).unwrap(), m);
        assert!(EmailMessage::from_job(&serde_json::json!({"to": 1})).is_err());
    }
}
