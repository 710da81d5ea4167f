//! The sender the job runner hands `send_email` jobs to: it reads the mail settings in effect,
//! resolves a person to their current address (nothing to a deactivated person), builds the
//! message and sends it, and remembers the last outcome for the settings page.
//!
//! The mail server in effect is `KEEL_SMTP_URL` when set (the operator's word wins), else the
//! one saved on the email settings page, its password opened with the server's secret key
//! ([`crate::secrets`]); it is read at each attempt, so a change on the page needs no restart.
//!
//! Why a separate step from queuing: the queue makes sending durable (a failure is retried with
//! the queue's backoff, nothing is lost); this module only decides, per attempt, whether the
//! message went, must wait, or can never go.

use super::smtp::Security;
use super::smtp::{self, SendFailure, SmtpSettings};
use super::{EmailMessage, Recipient};
use crate::secrets::KeySource;
use keel_domain::PersonId;
use keel_store::{MailServer, People, Settings, Store, StoredMailSettings};
use std::sync::{Arc, Mutex};

/// The mail settings of this server: the SMTP server, the sender address and the public URL
/// that links in messages need. Cloned cheaply (the last outcome is shared).
#[derive(Debug, Clone, Default)]
pub struct MailConfig {
    /// `KEEL_SMTP_URL`; none: email is off and Keel works as without it.
    pub smtp: Option<SmtpSettings>,
    /// `KEEL_MAIL_FROM`: the sender's address (the organisation's name is its display name).
    pub from: Option<String>,
    /// `KEEL_PUBLIC_URL`: links in messages point there; email needs it.
    pub public_url: Option<String>,
    /// The sender's last outcome, for the settings page.
    pub last: Arc<Mutex<Option<LastSend>>>,
    /// The key that seals the password saved on the email settings page (`KEEL_SECRET_KEY` or
    /// `<data dir>/secret.key`).
    pub keys: KeySource,
    /// Which addresses outbound requests (webhook deliveries) may reach
    /// (`KEEL_WEBHOOK_ALLOW_PRIVATE`). Here because this is the configuration the job runner
    /// and the pages share.
    pub outbound: crate::outbound::OutboundPolicy,
}

/// Where the mail server in effect comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailSource {
    /// `KEEL_SMTP_URL` (and `KEEL_MAIL_FROM`): it wins over the page.
    Environment,
    /// The email settings page.
    Page,
    /// Neither: Keel sends no email.
    Nowhere,
}

/// The mail server in effect at one moment.
#[derive(Debug, Clone)]
pub struct InEffect {
    pub smtp: Option<SmtpSettings>,
    pub from: Option<String>,
    pub source: MailSource,
    /// Why the saved mail server cannot be used (its password cannot be opened), in words.
    pub problem: Option<String>,
}

impl InEffect {
    /// The SMTP server and sender address, or why email cannot be sent yet (in words).
    pub fn ready(&self, public_url: Option<&str>) -> Result<(&SmtpSettings, &str), String> {
        if let Some(problem) = &self.problem {
            return Err(problem.clone());
        }
        let smtp = self.smtp.as_ref().ok_or(
            "email is not configured (KEEL_SMTP_URL, or the mail server on the email settings page)",
        )?;
        let from = self
            .from
            .as_deref()
            .ok_or("the sender address is not configured (KEEL_MAIL_FROM)")?;
        if public_url.is_none() {
            return Err(
                "sending email needs the public URL (KEEL_PUBLIC_URL) for its links".into(),
            );
        }
        Ok((smtp, from))
    }
}

/// The SMTP settings a saved row stands for, its password opened with `keys`.
pub fn from_saved(saved: &StoredMailSettings, keys: &KeySource) -> Result<SmtpSettings, String> {
    let security = Security::parse(&saved.security)
        .ok_or_else(|| format!("the saved security '{}' is unknown", saved.security))?;
    let password = match &saved.password_sealed {
        None => None,
        Some(sealed) => Some(
            keys.key()
                .and_then(|k| k.open(sealed))
                .map_err(|e| format!("the saved mail server's password cannot be used: {e}"))?,
        ),
    };
    Ok(SmtpSettings {
        host: saved.host.clone(),
        port: saved.port,
        security,
        user: saved.username.clone(),
        password,
    })
}

/// What happened to the last message this server tried to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastSend {
    pub at: keel_domain::Timestamp,
    /// `Ok` with who it went to, or the error in words.
    pub outcome: Result<String, String>,
}

/// How a message's attempt ended when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Not sent, and never will be (a deactivated or erased person): the job is done.
    Skipped(&'static str),
}

impl MailConfig {
    /// The mail server in effect: the environment's, else the one saved on the settings page.
    pub async fn in_effect(&self, store: &dyn Store) -> InEffect {
        if let Some(smtp) = &self.smtp {
            return InEffect {
                smtp: Some(smtp.clone()),
                from: self.from.clone(),
                source: MailSource::Environment,
                problem: None,
            };
        }
        match store.mail_settings().await {
            Ok(None) => InEffect {
                smtp: None,
                from: self.from.clone(),
                source: MailSource::Nowhere,
                problem: None,
            },
            Ok(Some(saved)) => {
                let opened = from_saved(&saved, &self.keys);
                InEffect {
                    problem: opened.as_ref().err().cloned(),
                    smtp: opened.ok(),
                    from: Some(saved.sender),
                    source: MailSource::Page,
                }
            }
            Err(e) => InEffect {
                smtp: None,
                from: None,
                source: MailSource::Page,
                problem: Some(format!("the saved mail server cannot be read: {e}")),
            },
        }
    }

    /// Whether email can be sent now (the server in effect, the public URL), or why not.
    pub async fn ready_in(&self, store: &dyn Store) -> Result<(), String> {
        self.in_effect(store)
            .await
            .ready(self.public_url.as_deref())
            .map(|_| ())
    }

    /// The SMTP server and sender address, or why email cannot be sent yet (in words).
    pub fn ready(&self) -> Result<(&SmtpSettings, &str), String> {
        let smtp = self
            .smtp
            .as_ref()
            .ok_or("email is not configured (KEEL_SMTP_URL)")?;
        let from = self
            .from
            .as_deref()
            .ok_or("the sender address is not configured (KEEL_MAIL_FROM)")?;
        if self.public_url.is_none() {
            return Err(
                "sending email needs the public URL (KEEL_PUBLIC_URL) for its links".into(),
            );
        }
        Ok((smtp, from))
    }

    /// The last outcome of this server's sender.
    pub fn last(&self) -> Option<LastSend> {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn remember(&self, outcome: Result<String, String>) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(LastSend {
            at: crate::services::now(),
            outcome,
        });
    }
}

/// Sends the message a `send_email` job carries.
pub async fn deliver(
    store: &dyn Store,
    config: &MailConfig,
    payload: &serde_json::Value,
) -> Result<Delivery, SendFailure> {
    let message = EmailMessage::from_job(payload).map_err(SendFailure::Permanent)?;
    let result = attempt(store, config, &message).await;
    match &result {
        Ok(Delivery::Sent) => config.remember(Ok(message.purpose.clone())),
        Ok(Delivery::Skipped(_)) => {}
        Err(SendFailure::Retry(e) | SendFailure::Permanent(e)) => config.remember(Err(e.clone())),
    }
    result
}

async fn attempt(
    store: &dyn Store,
    config: &MailConfig,
    message: &EmailMessage,
) -> Result<Delivery, SendFailure> {
    let effect = config.in_effect(store).await;
    let (smtp_settings, from) = effect
        .ready(config.public_url.as_deref())
        .map_err(SendFailure::Retry)?;
    let to = match &message.to {
        Recipient::Address(address) => address.clone(),
        Recipient::Person(id) => {
            let person = store
                .person(&PersonId::from_string(id.as_str()))
                .await
                .map_err(|e| SendFailure::Retry(e.to_string()))?;
            match person {
                Some(p) if p.active => p.email.as_str().to_string(),
                Some(_) => return Ok(Delivery::Skipped("the person is deactivated")),
                None => return Ok(Delivery::Skipped("the person no longer exists")),
            }
        }
    };
    if to.parse::<lettre::Address>().is_err() {
        return Err(SendFailure::Permanent(
            "the recipient's address is not a valid address".into(),
        ));
    }
    let organisation = store
        .settings()
        .await
        .map_err(|e| SendFailure::Retry(e.to_string()))?
        .name;
    let wire = smtp::build(message, &organisation, from, &to).map_err(SendFailure::Retry)?;
    smtp::send(smtp_settings, wire).await?;
    Ok(Delivery::Sent)
}

/// Purposes whose message carries a one-time link (a credential until it is used or expires).
const CARRIES_A_LINK: [&str; 2] = ["invitation", "password_reset"];

/// What a finished `send_email` job keeps of its message: for an invitation or a password
/// reset, the message without its bodies (the link in them must not stay readable in the
/// outbox once the message was sent or given up); `None` for other messages (kept as sent).
pub fn redacted(payload: &serde_json::Value) -> Option<serde_json::Value> {
    let message = EmailMessage::from_job(payload).ok()?;
    if !CARRIES_A_LINK.contains(&message.purpose.as_str()) {
        return None;
    }
    let cleared = "(cleared once sent: it carried a one-time link)".to_string();
    let kept = EmailMessage {
        text: cleared.clone(),
        html: cleared,
        ..message
    };
    serde_json::to_value(kept).ok()
}
