//! The bodies a webhook endpoint receives: Keel's own JSON event as stored, or the same event
//! in words for a Slack incoming webhook (`text` and `blocks`) or a Microsoft Teams Workflows
//! webhook (a `message` with one Adaptive Card attachment; the retired Office 365 connectors'
//! `MessageCard` is not used). The schemas the tests check these against are kept in
//! `crates/keel-server/tests/schemas/`.
//!
//! Why rendered at sending time from the stored event: the store writes one neutral event per
//! delivery inside the change's transaction; how it reads in a chat tool is the server's concern.

use keel_domain::rhythm::Status;
use keel_domain::webhook::{WebhookEvent, WebhookFormat};
use serde_json::{json, Value};

/// The body of `payload` (a stored Keel event) in `format`.
pub fn render(format: WebhookFormat, payload: &Value) -> Value {
    match format {
        WebhookFormat::Keel => payload.clone(),
        WebhookFormat::Slack => slack(payload),
        WebhookFormat::Teams => teams(payload),
    }
}

fn text<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn number(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_f64)
}

/// A number as people write it: no trailing `.0`.
fn figure(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn status_words(stored: &str) -> String {
    serde_json::from_value::<Status>(json!(stored))
        .map(|s| s.label().to_lowercase())
        .unwrap_or_else(|_| stored.replace('_', " "))
}

/// The OKR an event is about, by title: the key result's when there is one.
fn okr_title(d: &Value) -> &str {
    let kr = text(d, &["key_result", "title"]);
    if kr.is_empty() {
        text(d, &["objective", "title"])
    } else {
        kr
    }
}

/// What happened, in one or two sentences (plain text; no markup from titles is interpreted).
pub fn summary(payload: &Value) -> (String, String) {
    let event = WebhookEvent::parse(text(payload, &["event"]));
    let d = &payload["data"];
    let title = okr_title(d);
    match event {
        Some(WebhookEvent::CheckInRecorded) => {
            let unit = text(d, &["key_result", "unit"]);
            let value = number(d, &["check_in", "value"])
                .map(figure)
                .unwrap_or_default();
            let target = number(d, &["key_result", "target"])
                .map(|t| format!(" (target {} {unit})", figure(t)).replace(" )", ")"))
                .unwrap_or_default();
            let confidence = number(d, &["check_in", "confidence"])
                .map(|c| format!(", confidence {}", figure(c)))
                .unwrap_or_default();
            let who = text(d, &["author", "name"]);
            let who = if who.is_empty() { "Someone" } else { who };
            (
                "Check-in".into(),
                format!("{who} checked in on “{title}”: {value} {unit}{target}{confidence}.")
                    .replace(" :", ":")
                    .replace("  ", " "),
            )
        }
        Some(WebhookEvent::KeyResultStatusChanged) => (
            "Status changed".into(),
            format!(
                "“{title}” is now {} (it was {}).",
                status_words(text(d, &["status"])),
                status_words(text(d, &["previous_status"]))
            ),
        ),
        Some(WebhookEvent::OwnershipRequested) => {
            let by = text(d, &["proposed_by", "name"]);
            let to = text(d, &["proposed_owner", "name"]);
            let head = if by.is_empty() {
                format!("{to} is asked")
            } else {
                format!("{by} asked {to}")
            };
            (
                "Ownership requested".into(),
                format!("{head} to own “{title}”."),
            )
        }
        Some(WebhookEvent::OwnershipAnswered) => {
            let who = text(d, &["proposed_owner", "name"]);
            let s = if text(d, &["answer"]) == "accepted" {
                format!("{who} accepted ownership of “{title}”.")
            } else {
                let reason = text(d, &["decline_reason"]);
                let reason = if reason.is_empty() {
                    String::new()
                } else {
                    format!(" Reason: {reason}")
                };
                format!("{who} declined ownership of “{title}”.{reason}")
            };
            ("Ownership answered".into(), s)
        }
        Some(WebhookEvent::CycleClosed) => (
            "Cycle closed".into(),
            format!("The cycle {} was closed.", text(d, &["cycle", "name"])),
        ),
        Some(WebhookEvent::AutomationRuleFired) => (
            format!("Automation rule: {}", text(d, &["rule", "name"])),
            format!("{}.", text(d, &["text"])),
        ),
        Some(WebhookEvent::Test) | None => (
            "Test event".into(),
            format!(
                "A test event from Keel, sent by {}.",
                text(d, &["sent_by", "name"])
            ),
        ),
    }
}

/// Slack's `mrkdwn` treats `&`, `<` and `>` as control characters.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A Slack incoming webhook message: `text` (the notification's fallback) and `blocks`.
fn slack(payload: &Value) -> Value {
    let (head, words) = summary(payload);
    json!({
        "text": format!("{head}: {words}"),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": format!("*{}*\n{}", slack_escape(&head), slack_escape(&words))}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": format!("Keel · {}", slack_escape(text(payload, &["event"])))}]}
        ]
    })
}

/// A Teams Workflows webhook message: one Adaptive Card (1.4) attachment.
fn teams(payload: &Value) -> Value {
    let (head, words) = summary(payload);
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {"type": "TextBlock", "text": head, "weight": "Bolder", "size": "Medium", "wrap": true},
                    {"type": "TextBlock", "text": words, "wrap": true},
                    {"type": "TextBlock", "text": format!("Keel · {}", text(payload, &["event"])), "isSubtle": true, "size": "Small", "wrap": true}
                ]
            }
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_in() -> Value {
        json!({
            "id": "d1", "event": "check_in.recorded", "occurred_at": "2026-12-05T10:00:00Z",
            "data": {
                "author": {"id": "p", "name": "Ada <Admin>"},
                "check_in": {"value": 42.0, "confidence": 7},
                "key_result": {"id": "k", "title": "Ship & measure", "target": 100.0, "unit": "%"}
            }
        })
    }

    #[test]
    fn a_check_in_reads_as_a_sentence() {
        let (head, words) = summary(&check_in());
        assert_eq!(head, "Check-in");
        assert_eq!(
            words,
            "Ada <Admin> checked in on “Ship & measure”: 42 % (target 100 %), confidence 7."
        );
    }

    #[test]
    fn slack_escapes_its_control_characters() {
        let s = render(WebhookFormat::Slack, &check_in());
        let block = s["blocks"][0]["text"]["text"].as_str().unwrap();
        assert!(block.contains("Ada &lt;Admin&gt;"), "{block}");
        assert!(block.contains("Ship &amp; measure"), "{block}");
    }

    #[test]
    fn a_status_change_names_both_statuses_in_words() {
        let p = json!({"event": "key_result.status_changed",
            "data": {"status": "off_track", "previous_status": "on_track", "key_result": {"title": "NPS"}}});
        assert_eq!(summary(&p).1, "“NPS” is now off track (it was on track).");
    }
}
