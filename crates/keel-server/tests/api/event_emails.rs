//! Event emails and people's choices, through HTTP and a real SMTP server (aiosmtpd): an
//! ownership proposal reaches a proposed owner who takes ownership news by `email` as one
//! message with a working link (it opens the OKR and marks the notification read) and the
//! one-click unsubscribe headers; `in_app` puts it on the bell only; `digest_only` on neither,
//! and the weekly digest lists it. A notification about a private objective whose reader left
//! its circle before the message was built is in no message. Opening someone else's
//! notification answers 404.

use crate::digest::{queued, round as digest_round, to};
use crate::email::{free_port, mail_config, smtp_available, start_smtp, SmtpServer};
use crate::helpers::*;
use crate::rhythm::active_objective;
use keel_server::jobs::tick_with;
use keel_server::mail::MailConfig;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// One minute of the runner, `minute` minutes from now: the first round queues the minute's
/// notification emails, the second (a few seconds later: the messages are due from when they
/// were queued) sends them.
async fn deliver(app: &TestApp, mail: &MailConfig, minute: i64) {
    let at = chrono::Utc::now() + chrono::Duration::minutes(minute);
    for later in [0, 5] {
        let at = at + chrono::Duration::seconds(later);
        tick_with(app.store.as_ref(), "test", at, mail)
            .await
            .unwrap();
    }
}

/// A header's value in a raw message (the first one).
fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

/// The decoded text of every part of a raw message (base64 or quoted-printable bodies).
fn decoded(raw: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    let raw = raw.replace("\r\n", "\n");
    for part in raw.split("\n--") {
        let Some((head, body)) = part.split_once("\n\n") else {
            continue;
        };
        let body = body.split("\n--").next().unwrap_or("");
        if head.contains("Content-Transfer-Encoding: base64") {
            let joined: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(joined)
                .unwrap_or_default();
            out.push_str(&String::from_utf8_lossy(&bytes));
        } else if head.contains("Content-Transfer-Encoding: quoted-printable") {
            out.push_str(&unquote(body));
        } else {
            out.push_str(body);
        }
        out.push('\n');
    }
    out
}

/// Decodes quoted-printable text.
fn unquote(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let mut bytes = vec![];
    let b = joined.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 3 <= b.len() {
            if let Ok(v) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                bytes.push(v);
                i += 3;
                continue;
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The messages to `address`, decoded.
fn messages_to(smtp: &SmtpServer, address: &str) -> Vec<(String, String)> {
    smtp.messages()
        .into_iter()
        .filter(|raw| header(raw, "To") == Some(address))
        .map(|raw| {
            let text = decoded(&raw);
            (raw, text)
        })
        .collect()
}

async fn choose(app: &TestApp, token: &str, body: Value) {
    let resp = app
        .req_as(token, Method::PUT, "/api/v1/me/notification-preferences")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn notes(app: &TestApp, token: &str) -> Vec<Value> {
    let resp = app
        .req_as(token, Method::GET, "/api/v1/me/notifications")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn unread(app: &TestApp, token: &str) -> u64 {
    let resp = app
        .req_as(token, Method::GET, "/api/v1/me/notifications/unread-count")
        .send()
        .await
        .unwrap();
    resp.json::<Value>().await.unwrap()["unread"]
        .as_u64()
        .unwrap()
}

/// A key result named for `owner` on `objective`: its proposed owner is asked.
async fn propose(app: &TestApp, objective: &str, title: &str, owner: &str) -> String {
    app.create(
        &format!("/api/v1/objectives/{objective}/key-results"),
        json!({"title": title, "kind": "boolean", "owner_id": owner}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn a_proposal_reaches_each_person_as_they_chose(db: Db) {
    if !smtp_available() {
        return;
    }
    let smtp = start_smtp(free_port(), None);
    let app = spawn_app_on(db).await;
    let mail = mail_config(smtp.port, None);
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &[]).await;
    let (bob, bob_token) = app.member("Bob Email").await;
    let (cy, cy_token) = app.member("Cy Bell").await;
    let (dee, dee_token) = app.member("Dee Digest").await;
    choose(&app, &cy_token, json!({"ownership": "in_app"})).await;
    choose(&app, &dee_token, json!({"ownership": "digest_only"})).await;

    // Email: one message, with the sentence, a working link and the unsubscribe headers.
    let kr = propose(&app, &o, "Ship the beta", &bob).await;
    deliver(&app, &mail, 0).await;
    let got = messages_to(&smtp, "bob.email@keel.test");
    assert_eq!(got.len(), 1, "{got:?}");
    let (raw, text) = &got[0];
    assert!(
        text.contains("Ada Admin proposed you as the owner of “Ship the beta”"),
        "{text}"
    );
    let unsubscribe = header(raw, "List-Unsubscribe").expect("List-Unsubscribe");
    assert!(
        unsubscribe.starts_with("<http://keel.test/unsubscribe/"),
        "{raw}"
    );
    assert!(unsubscribe.contains(".ownership."), "{unsubscribe}");
    assert_eq!(
        header(raw, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(raw.contains("multipart/alternative"));
    let id = notes(&app, &bob_token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let link = format!("http://keel.test/notifications/{id}/open");
    assert!(text.contains(&link), "{text}");
    // Following it opens the key result and marks the notification read.
    assert_eq!(unread(&app, &bob_token).await, 1);
    let b = Browser::signed_in(&app, &bob, "bob.email@keel.test").await;
    let resp = b.get(link.strip_prefix("http://keel.test").unwrap()).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let target = format!("/key-results/{kr}");
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        target.as_str()
    );
    assert_eq!(b.get(&target).await.status(), StatusCode::OK);
    assert_eq!(unread(&app, &bob_token).await, 0);
    // Someone else's notification is unknown to them.
    let c = Browser::signed_in(&app, &cy, "cy.bell@keel.test").await;
    let resp = c.get(&format!("/notifications/{id}/open")).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // In Keel only: the bell, no message.
    propose(&app, &o, "Grow the list", &cy).await;
    deliver(&app, &mail, 1).await;
    assert!(messages_to(&smtp, "cy.bell@keel.test").is_empty());
    assert_eq!(unread(&app, &cy_token).await, 1);
    assert_eq!(notes(&app, &cy_token).await.len(), 1);

    // In the digest only: neither bell nor message; the digest lists it.
    propose(&app, &o, "Cut the churn", &dee).await;
    deliver(&app, &mail, 2).await;
    assert!(messages_to(&smtp, "dee.digest@keel.test").is_empty());
    assert_eq!(unread(&app, &dee_token).await, 0);
    assert!(notes(&app, &dee_token).await.is_empty());
    keel_server::digest::digests(app.store.as_ref(), &digest_round())
        .await
        .unwrap();
    let all = queued(&app.store).await;
    let digest = to(&all, &dee).expect("Dee's digest");
    assert!(digest.text.contains("SINCE LAST WEEK"), "{}", digest.text);
    assert!(
        digest
            .text
            .contains("Ada Admin proposed you as the owner of “Cut the churn”"),
        "{}",
        digest.text
    );
    assert!(digest.html.contains("Cut the churn"));
    assert!(
        !to(&all, &cy)
            .map(|m| m.text.contains("SINCE LAST WEEK"))
            .unwrap_or(false),
        "news on the bell is not repeated in the digest"
    );
    // Nothing more was sent to Bob: each notification is emailed once.
    assert_eq!(messages_to(&smtp, "bob.email@keel.test").len(), 1);
}

#[tokio::test]
async fn a_proposal_reaches_each_person_as_they_chose_on_sqlite() {
    a_proposal_reaches_each_person_as_they_chose(Db::Sqlite).await;
}

#[tokio::test]
async fn a_proposal_reaches_each_person_as_they_chose_on_postgres() {
    if !postgres_configured() {
        return;
    }
    a_proposal_reaches_each_person_as_they_chose(Db::Postgres).await;
}

async fn no_private_title_reaches_someone_who_left_its_circle_before_sending(db: Db) {
    if !smtp_available() {
        return;
    }
    let smtp = start_smtp(free_port(), None);
    let app = spawn_app_on(db).await;
    let mail = mail_config(smtp.port, None);
    let cycle = app.cycle("2026 Q4").await;
    let (bob, _) = app.member("Bob Builder").await;
    let (open, _) = active_objective(&app, &cycle, None, &[]).await;
    let quiet = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Quiet acquisition", "cycle_id": cycle, "visibility": "private",
                   "contributor_ids": [bob]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    for o in [&quiet, &open] {
        app.create(
            "/api/v1/recognitions",
            json!({"to_id": bob, "okr_id": o, "message": "great digging"}),
        )
        .await;
    }
    let resp = app
        .patch(
            &format!("/api/v1/objectives/{quiet}"),
            json!({"contributor_ids": []}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    deliver(&app, &mail, 0).await;
    let got = messages_to(&smtp, "bob.builder@keel.test");
    assert_eq!(got.len(), 1, "the open one is sent: {got:?}");
    let (raw, text) = &got[0];
    assert!(text.contains("“Delight customers”"), "{text}");
    assert!(!text.contains("Quiet acquisition"), "{text}");
    assert!(!raw.contains("Quiet acquisition"));
    for (raw, _) in messages_to(&smtp, "bob.builder@keel.test") {
        assert!(!decoded(&raw).contains("Quiet"));
    }
}

#[tokio::test]
async fn no_private_title_reaches_someone_who_left_its_circle_before_sending_on_sqlite() {
    no_private_title_reaches_someone_who_left_its_circle_before_sending(Db::Sqlite).await;
}

#[tokio::test]
async fn no_private_title_reaches_someone_who_left_its_circle_before_sending_on_postgres() {
    if !postgres_configured() {
        return;
    }
    no_private_title_reaches_someone_who_left_its_circle_before_sending(Db::Postgres).await;
}

#[tokio::test]
async fn the_digest_lists_only_what_its_reader_may_still_see() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (dee, dee_token) = app.member("Dee Digest").await;
    choose(&app, &dee_token, json!({"feedback": "digest_only"})).await;
    let (open, _) = active_objective(&app, &cycle, None, &[]).await;
    let quiet = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Quiet acquisition", "cycle_id": cycle, "visibility": "private",
                   "contributor_ids": [dee]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    for o in [&quiet, &open] {
        app.create(
            "/api/v1/recognitions",
            json!({"to_id": dee, "okr_id": o, "message": "great digging"}),
        )
        .await;
    }
    let resp = app
        .patch(
            &format!("/api/v1/objectives/{quiet}"),
            json!({"contributor_ids": []}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    keel_server::digest::digests(app.store.as_ref(), &digest_round())
        .await
        .unwrap();
    let all = queued(&app.store).await;
    let digest = to(&all, &dee).expect("Dee's digest");
    assert!(
        digest
            .text
            .contains("Ada Admin recognised your work on “Delight customers”"),
        "{}",
        digest.text
    );
    assert!(!digest.text.contains("Quiet"), "{}", digest.text);
    assert!(!digest.html.contains("Quiet"));
}

async fn several_notifications_in_a_minute_are_one_message(db: Db) {
    if !smtp_available() {
        return;
    }
    let smtp = start_smtp(free_port(), None);
    let app = spawn_app_on(db).await;
    let mail = mail_config(smtp.port, None);
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &[]).await;
    let (bob, _) = app.member("Bob Busy").await;
    for t in ["One", "Two", "Three"] {
        propose(&app, &o, t, &bob).await;
    }
    deliver(&app, &mail, 0).await;
    let got = messages_to(&smtp, "bob.busy@keel.test");
    assert_eq!(got.len(), 1, "{got:?}");
    for t in ["“One”", "“Two”", "“Three”"] {
        assert!(got[0].1.contains(t), "{}", got[0].1);
    }
}

#[tokio::test]
async fn several_notifications_in_a_minute_are_one_message_on_sqlite() {
    several_notifications_in_a_minute_are_one_message(Db::Sqlite).await;
}

#[tokio::test]
async fn several_notifications_in_a_minute_are_one_message_on_postgres() {
    if !postgres_configured() {
        return;
    }
    several_notifications_in_a_minute_are_one_message(Db::Postgres).await;
}
