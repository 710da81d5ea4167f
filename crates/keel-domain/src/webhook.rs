//! Outbound webhooks: which changes an administrator may subscribe an endpoint to, in which
//! payload format it is sent, and how an endpoint's settings are checked.
//!
//! Why here: the API, the admin page and the store must agree on the event names a receiver
//! sees and on what a valid endpoint is; the address rules of the outbound client (which hosts
//! may be reached at all) live with that client in the server.

use crate::error::{FieldError, FieldErrors};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A change a webhook endpoint can subscribe to. The spelling is the `event` a receiver sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum WebhookEvent {
    /// A check-in was recorded on a key result.
    #[serde(rename = "check_in.recorded")]
    CheckInRecorded,
    /// A key result's status changed (on track, at risk, off track, stale …).
    #[serde(rename = "key_result.status_changed")]
    KeyResultStatusChanged,
    /// Someone was asked to own an objective or key result.
    #[serde(rename = "ownership.requested")]
    OwnershipRequested,
    /// A proposed owner accepted or declined.
    #[serde(rename = "ownership.answered")]
    OwnershipAnswered,
    /// A cycle was closed.
    #[serde(rename = "cycle.closed")]
    CycleClosed,
    /// The "send test event" button (never subscribed to: sent to one endpoint on request).
    #[serde(rename = "webhook.test")]
    Test,
    /// An automation rule whose action is this endpoint fired (never subscribed to: the rule
    /// names its endpoint).
    #[serde(rename = "automation.rule_fired")]
    AutomationRuleFired,
}

impl WebhookEvent {
    /// The events an endpoint may subscribe to.
    pub const SUBSCRIBABLE: [WebhookEvent; 5] = [
        WebhookEvent::CheckInRecorded,
        WebhookEvent::KeyResultStatusChanged,
        WebhookEvent::OwnershipRequested,
        WebhookEvent::OwnershipAnswered,
        WebhookEvent::CycleClosed,
    ];

    /// The name a receiver sees (and the stored spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::CheckInRecorded => "check_in.recorded",
            WebhookEvent::KeyResultStatusChanged => "key_result.status_changed",
            WebhookEvent::OwnershipRequested => "ownership.requested",
            WebhookEvent::OwnershipAnswered => "ownership.answered",
            WebhookEvent::CycleClosed => "cycle.closed",
            WebhookEvent::Test => "webhook.test",
            WebhookEvent::AutomationRuleFired => "automation.rule_fired",
        }
    }

    /// The event named `s`.
    pub fn parse(s: &str) -> Option<WebhookEvent> {
        Self::SUBSCRIBABLE
            .into_iter()
            .chain([WebhookEvent::Test, WebhookEvent::AutomationRuleFired])
            .find(|e| e.as_str() == s)
    }

    /// What an administrator reads on the admin page.
    pub fn label(self) -> &'static str {
        match self {
            WebhookEvent::CheckInRecorded => "A check-in is recorded",
            WebhookEvent::KeyResultStatusChanged => "A key result's status changes",
            WebhookEvent::OwnershipRequested => "Someone is asked to own an OKR",
            WebhookEvent::OwnershipAnswered => "A proposed owner answers",
            WebhookEvent::CycleClosed => "A cycle is closed",
            WebhookEvent::Test => "Test event",
            WebhookEvent::AutomationRuleFired => "An automation rule fires",
        }
    }
}

/// The shape of the body sent to an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// Keel's own JSON event (`{id, event, occurred_at, data}`).
    #[default]
    Keel,
    /// A Slack incoming webhook message (`text` and `blocks`).
    Slack,
    /// A Microsoft Teams Workflows webhook message with an Adaptive Card attachment.
    Teams,
}

impl WebhookFormat {
    pub const ALL: [WebhookFormat; 3] = [
        WebhookFormat::Keel,
        WebhookFormat::Slack,
        WebhookFormat::Teams,
    ];

    /// The stored (and API) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Keel => "keel",
            WebhookFormat::Slack => "slack",
            WebhookFormat::Teams => "teams",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookFormat> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// What an administrator reads.
    pub fn label(self) -> &'static str {
        match self {
            WebhookFormat::Keel => "Keel JSON (signed)",
            WebhookFormat::Slack => "Slack incoming webhook",
            WebhookFormat::Teams => "Microsoft Teams workflow",
        }
    }
}

/// The shortest secret an administrator may choose (a generated one is longer).
pub const MIN_SECRET_LEN: usize = 16;
/// The longest URL accepted.
pub const MAX_URL_LEN: usize = 2000;

/// The subscribed events, named: each known and subscribable, at least one, no repeats kept.
pub fn parse_events(names: &[String]) -> Result<Vec<WebhookEvent>, FieldError> {
    if names.is_empty() {
        return Err(FieldError::new("events", "choose at least one event"));
    }
    let mut out: Vec<WebhookEvent> = vec![];
    for (i, n) in names.iter().enumerate() {
        let e = WebhookEvent::parse(n.trim())
            .filter(|e| WebhookEvent::SUBSCRIBABLE.contains(e))
            .ok_or_else(|| {
                FieldError::new(
                    format!("events[{i}]"),
                    format!(
                        "unknown event '{n}': one of {}",
                        WebhookEvent::SUBSCRIBABLE.map(|e| e.as_str()).join(", ")
                    ),
                )
            })?;
        if !out.contains(&e) {
            out.push(e);
        }
    }
    Ok(out)
}

/// A chosen signing secret: present and long enough to resist guessing.
pub fn check_secret(secret: &str) -> Result<(), FieldError> {
    if secret.trim().is_empty() {
        return Err(FieldError::new(
            "secret",
            "must not be empty (leave it out to have one generated)",
        ));
    }
    if secret.chars().count() < MIN_SECRET_LEN {
        return Err(FieldError::new(
            "secret",
            format!("must be at least {MIN_SECRET_LEN} characters"),
        ));
    }
    if secret.len() > 200 {
        return Err(FieldError::new("secret", "must be at most 200 characters"));
    }
    Ok(())
}

/// The format named `s`.
pub fn parse_format(s: &str) -> Result<WebhookFormat, FieldError> {
    WebhookFormat::parse(s.trim()).ok_or_else(|| {
        FieldError::new(
            "format",
            format!("unknown format '{s}': one of keel, slack, teams"),
        )
    })
}

/// Every refusal of an endpoint's events and secret at once (the URL is checked by the
/// outbound client's rules).
pub fn check_endpoint(
    events: &[String],
    secret: Option<&str>,
    format: &str,
) -> Result<(Vec<WebhookEvent>, WebhookFormat), Vec<FieldError>> {
    let mut errors = FieldErrors::default();
    let events = errors.keep(parse_events(events));
    if let Some(s) = secret {
        errors.keep(check_secret(s));
    }
    let format = errors.keep(parse_format(format));
    match (events, format) {
        (Some(e), Some(f)) => errors.or((e, f)),
        _ => Err(errors.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_named_as_receivers_see_them_and_parse_back() {
        for e in WebhookEvent::SUBSCRIBABLE
            .into_iter()
            .chain([WebhookEvent::Test, WebhookEvent::AutomationRuleFired])
        {
            assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
            assert_eq!(WebhookEvent::parse(e.as_str()), Some(e));
        }
    }

    #[test]
    fn unknown_or_test_or_no_events_are_refused_naming_the_field() {
        let e = parse_events(&["check_in.recorded".into(), "nope".into()]).unwrap_err();
        assert_eq!(e.field, "events[1]");
        assert_eq!(
            parse_events(&["webhook.test".into()]).unwrap_err().field,
            "events[0]"
        );
        assert_eq!(parse_events(&[]).unwrap_err().field, "events");
        let twice = ["cycle.closed".to_string(), "cycle.closed".into()];
        assert_eq!(
            parse_events(&twice).unwrap(),
            vec![WebhookEvent::CycleClosed]
        );
    }

    #[test]
    fn secrets_must_be_present_and_long() {
        assert_eq!(check_secret("").unwrap_err().field, "secret");
        assert!(check_secret("short").is_err());
        assert!(check_secret("a-long-enough-secret").is_ok());
        assert_eq!(parse_format("xml").unwrap_err().field, "format");
        let errs = check_endpoint(&[], Some(""), "xml").unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["events", "secret", "format"]);
    }
}
