//! Reminders about waiting work: a proposed owner who has not answered is reminded after three
//! days (once a week, however often the round runs), the proposer is told after seven; nothing
//! for an answered request, even one answered after the round queued its reminder. At a cycle's
//! end each owner with key results to score or a retrospective to write is reminded once, with
//! the close-out page; owners who did it all are not, and an old cycle is not brought up again.

use crate::digest::{queued, round, to, PUBLIC};
use crate::helpers::*;
use crate::rhythm::active_objective;
use keel_server::digest::{Outcome, Round};
use keel_server::jobs::{ownership_reminders, score_reminders};
use keel_store::Jobs;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A round `days` from now.
fn after(days: i64) -> Round {
    Round {
        now: chrono::Utc::now() + chrono::Duration::days(days),
        ..round()
    }
}

/// A round at noon UTC of `day`.
fn on(day: &str) -> Round {
    Round {
        now: format!("{day}T12:00:00Z").parse().unwrap(),
        ..round()
    }
}

/// Runs the reminder jobs queued so far (those of rounds up to a year ahead), as the job runner
/// would; returns how many ran. Email jobs claimed on the way are handed back (as a failed
/// attempt, due again at once for `queued`).
async fn run_reminders(app: &TestApp) -> usize {
    let when = chrono::Utc::now() + chrono::Duration::days(365);
    let jobs = app
        .store
        .claim_jobs("test-reminders", when, chrono::Duration::minutes(1), 10_000)
        .await
        .unwrap();
    let mut ran = 0;
    for j in &jobs {
        let store = app.store.as_ref();
        match j.kind.as_str() {
            ownership_reminders::REMIND => ownership_reminders::remind(store, j).await.unwrap(),
            score_reminders::REMIND => score_reminders::remind(store, j).await.unwrap(),
            _ => {
                let now = chrono::Utc::now();
                store
                    .fail_job(j, "handed back by the test", now)
                    .await
                    .unwrap();
                continue;
            }
        }
        store.complete_job(j, when).await.unwrap();
        ran += 1;
    }
    ran
}

fn newly(out: &[Outcome]) -> Vec<&Outcome> {
    out.iter().filter(|o| o.queued).collect()
}

async fn notifications(app: &TestApp, token: &str) -> Vec<Value> {
    let resp = app
        .req_as(token, Method::GET, "/api/v1/me/notifications")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

/// Ada (the administrator) proposes Bob as the owner of "Ship the beta"; returns (bob, his
/// token, the key result).
async fn proposed_to_bob(app: &TestApp) -> (String, String, String) {
    let cycle = app.cycle("2026 Q4").await;
    let (bob, token) = app.member("Bob Builder").await;
    let (o, _) = active_objective(app, &cycle, None, &["Ours"]).await;
    let kr = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Ship the beta", "kind": "boolean", "owner_id": bob}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    (bob, token, kr)
}

async fn an_unanswered_proposal_reminds_its_owner_once_a_week_and_tells_the_proposer(db: Db) {
    let app = spawn_app_on(db).await;
    let (bob, token, kr) = proposed_to_bob(&app).await;
    let store = app.store.as_ref();
    assert!(ownership_reminders::round(store, &after(2))
        .await
        .unwrap()
        .is_empty());

    let out = ownership_reminders::round(store, &after(4)).await.unwrap();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].person_id.as_str(), bob);
    assert!(out[0].queued);
    assert!(
        out[0].subject.contains("“Ship the beta”"),
        "{}",
        out[0].subject
    );
    // The round runs every hour: the same week's reminder is queued once.
    for days in [4, 5, 6] {
        let again = ownership_reminders::round(store, &after(days))
            .await
            .unwrap();
        assert!(newly(&again).is_empty(), "{again:?}");
    }
    assert_eq!(run_reminders(&app).await, 1);
    let mails = queued(&app.store).await;
    assert_eq!(mails.len(), 1);
    let m = to(&mails, &bob).expect("Bob's reminder");
    assert_eq!(m.purpose, "ownership_reminder");
    assert!(m
        .subject
        .ends_with("is waiting for your answer: will you own “Ship the beta”?"));
    let link = format!("{PUBLIC}/key-results/{kr}");
    assert!(m.text.contains(&link), "{}", m.text);
    assert!(m.text.contains("waiting since "), "{}", m.text);
    assert!(m.html.contains(&format!("href=\"{link}\"")), "{}", m.html);
    assert!(m.unsubscribe_url.is_some());
    let bell = notifications(&app, &token).await;
    assert_eq!(bell[0]["kind"], "ownership_reminder", "{bell:?}");
    assert_eq!(bell[0]["link"], format!("/key-results/{kr}"));
    let text = bell[0]["text"].as_str().unwrap();
    assert!(
        text.ends_with("is waiting for your answer on owning “Ship the beta”"),
        "{text}"
    );

    // A week on, the proposer is told who has not answered, and since when.
    let out = ownership_reminders::round(store, &after(8)).await.unwrap();
    let told = newly(&out);
    assert_eq!(told.len(), 1, "{out:?}");
    assert_eq!(told[0].person_id.as_str(), app.admin_id);
    assert_eq!(run_reminders(&app).await, 1);
    let mails = queued(&app.store).await;
    let m = to(&mails, &app.admin_id).expect("the proposer's message");
    assert_eq!(
        m.subject,
        "Bob Builder has not answered yet: owning “Ship the beta”"
    );
    assert!(m.text.contains("You proposed Bob Builder"), "{}", m.text);
    assert!(m.text.contains(&link), "{}", m.text);
    let bell = notifications(&app, &app.token).await;
    assert_eq!(bell[0]["kind"], "ownership_still_waiting", "{bell:?}");
    assert_eq!(
        bell[0]["text"],
        "Bob Builder has not yet answered your proposal to own “Ship the beta”"
    );

    // Still waiting the next week: Bob is reminded again.
    let out = ownership_reminders::round(store, &after(11)).await.unwrap();
    assert_eq!(newly(&out).len(), 1, "{out:?}");
    assert_eq!(newly(&out)[0].person_id.as_str(), bob);
}

#[tokio::test]
async fn an_unanswered_proposal_reminds_its_owner_once_a_week_and_tells_the_proposer_on_sqlite() {
    an_unanswered_proposal_reminds_its_owner_once_a_week_and_tells_the_proposer(Db::Sqlite).await;
}

#[tokio::test]
async fn an_unanswered_proposal_reminds_its_owner_once_a_week_and_tells_the_proposer_on_postgres() {
    if !postgres_configured() {
        return;
    }
    an_unanswered_proposal_reminds_its_owner_once_a_week_and_tells_the_proposer(Db::Postgres).await;
}

async fn an_answered_proposal_is_not_reminded_even_when_answered_after_the_round(db: Db) {
    let app = spawn_app_on(db).await;
    let (_, token, kr) = proposed_to_bob(&app).await;
    let store = app.store.as_ref();
    let out = ownership_reminders::round(store, &after(8)).await.unwrap();
    assert_eq!(newly(&out).len(), 2, "{out:?}");
    let resp = app
        .req_as(
            &token,
            Method::POST,
            &format!("/api/v1/key-results/{kr}/ownership/accept"),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    // The jobs run, find the request answered, and say nothing.
    assert_eq!(run_reminders(&app).await, 2);
    assert!(queued(&app.store).await.is_empty());
    let bell = notifications(&app, &token).await;
    assert!(
        bell.iter().all(|n| n["kind"] != "ownership_reminder"),
        "{bell:?}"
    );
    // Answered: no later round brings it up.
    let out = ownership_reminders::round(store, &after(15)).await.unwrap();
    assert!(out.is_empty(), "{out:?}");
}

#[tokio::test]
async fn an_answered_proposal_is_not_reminded_even_when_answered_after_the_round_on_sqlite() {
    an_answered_proposal_is_not_reminded_even_when_answered_after_the_round(Db::Sqlite).await;
}

#[tokio::test]
async fn an_answered_proposal_is_not_reminded_even_when_answered_after_the_round_on_postgres() {
    if !postgres_configured() {
        return;
    }
    an_answered_proposal_is_not_reminded_even_when_answered_after_the_round(Db::Postgres).await;
}

#[tokio::test]
async fn a_dry_run_and_a_round_without_the_public_url_send_no_email() {
    let app = spawn_app().await;
    let (bob, token, _) = proposed_to_bob(&app).await;
    let store = app.store.as_ref();
    let dry = Round {
        dry_run: true,
        ..after(4)
    };
    let out = ownership_reminders::round(store, &dry).await.unwrap();
    assert_eq!(out.len(), 1);
    assert!(!out[0].queued);
    assert_eq!(run_reminders(&app).await, 0);
    // Without the public URL the bell still rings; no email (its links would not work).
    let bare = Round {
        public_url: None,
        ..after(4)
    };
    let out = ownership_reminders::round(store, &bare).await.unwrap();
    assert_eq!(newly(&out).len(), 1);
    assert_eq!(run_reminders(&app).await, 1);
    assert!(to(&queued(&app.store).await, &bob).is_none());
    assert_eq!(
        notifications(&app, &token).await[0]["kind"],
        "ownership_reminder"
    );
}

async fn owners_of_an_ended_cycle_are_reminded_to_score_once_and_those_done_are_not(db: Db) {
    let app = spawn_app_on(db).await;
    let cycle = app.cycle("2026 Q4").await; // ends on 31 Dec 2026
    let (bob, token) = app.member("Bob Builder").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Scored", "Unscored"]).await;
    let bobs = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Bob's part", "kind": "boolean", "owner_id": bob}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = app
        .req_as(
            &token,
            Method::POST,
            &format!("/api/v1/key-results/{bobs}/ownership/accept"),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let score = |kr: String, token: String| {
        let app = &app;
        async move {
            let resp = app
                .req_as(
                    &token,
                    Method::POST,
                    &format!("/api/v1/key-results/{kr}/score"),
                )
                .json(&json!({"score": 0.7, "reason": "most of it"}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
        }
    };
    score(krs[0].clone(), app.token.clone()).await;
    score(bobs.clone(), token.clone()).await;
    let store = app.store.as_ref();

    // Not before the cycle's last day has passed.
    assert!(score_reminders::round(store, &on("2026-12-31"))
        .await
        .unwrap()
        .is_empty());
    let out = score_reminders::round(store, &on("2027-01-02"))
        .await
        .unwrap();
    assert_eq!(out.len(), 1, "Bob scored his: {out:?}");
    assert_eq!(out[0].person_id.as_str(), app.admin_id);
    assert_eq!(
        out[0].subject,
        "2026 Q4 has ended: time to score and write the retrospective"
    );
    let again = score_reminders::round(store, &on("2027-01-03"))
        .await
        .unwrap();
    assert!(newly(&again).is_empty(), "once per cycle: {again:?}");
    assert_eq!(run_reminders(&app).await, 1);
    let mails = queued(&app.store).await;
    assert_eq!(mails.len(), 1);
    assert!(to(&mails, &bob).is_none());
    let m = to(&mails, &app.admin_id).unwrap();
    assert_eq!(m.purpose, "score_reminder");
    let close_out = format!("{PUBLIC}/objectives/{o}/close-out");
    assert!(
        m.text
            .contains("Delight customers: a key result to score and the retrospective to write"),
        "{}",
        m.text
    );
    assert!(m.text.contains(&close_out), "{}", m.text);
    assert!(
        m.html.contains(&format!("href=\"{close_out}\"")),
        "{}",
        m.html
    );
    let bell = notifications(&app, &app.token).await;
    assert_eq!(bell[0]["kind"], "score_reminder", "{bell:?}");
    assert_eq!(bell[0]["link"], format!("/objectives/{o}/close-out"));
    assert!(notifications(&app, &token)
        .await
        .iter()
        .all(|n| n["kind"] != "score_reminder"));

    // A cycle that ended weeks ago is not brought up again.
    assert!(score_reminders::round(store, &on("2027-01-20"))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn owners_of_an_ended_cycle_are_reminded_to_score_once_and_those_done_are_not_on_sqlite() {
    owners_of_an_ended_cycle_are_reminded_to_score_once_and_those_done_are_not(Db::Sqlite).await;
}

#[tokio::test]
async fn owners_of_an_ended_cycle_are_reminded_to_score_once_and_those_done_are_not_on_postgres() {
    if !postgres_configured() {
        return;
    }
    owners_of_an_ended_cycle_are_reminded_to_score_once_and_those_done_are_not(Db::Postgres).await;
}

/// Through the job runner to a real SMTP server: the round's reminder job writes the bell and
/// queues the email, the runner sends it, with the one-click unsubscribe headers; running the
/// round again sends nothing more.
async fn the_reminder_reaches_the_proposed_owner_by_real_smtp_once(db: Db) {
    use crate::email::{free_port, mail_config, smtp_available, start_smtp};
    if !smtp_available() {
        return;
    }
    let app = spawn_app_on(db).await;
    let (_, token, _) = proposed_to_bob(&app).await;
    let smtp = start_smtp(free_port(), None);
    let mail = mail_config(smtp.port, None);
    let store = app.store.as_ref();
    for _ in 0..2 {
        ownership_reminders::round(store, &after(4)).await.unwrap();
        let at = chrono::Utc::now() + chrono::Duration::days(4) + chrono::Duration::hours(1);
        for _ in 0..4 {
            keel_server::jobs::tick_with(store, "test", at, &mail)
                .await
                .unwrap();
        }
    }
    // The proposal itself reached Bob by email when it was made (his ownership news is by
    // email); the reminder is the one message saying he is awaited.
    let got: Vec<String> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.contains("is waiting for your answer"))
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
    let raw = &got[0];
    let header = |name: &str| {
        raw.lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(header("To").contains("bob.builder@keel.test"), "{raw}");
    assert!(
        header("List-Unsubscribe").contains(&format!("{PUBLIC}/unsubscribe/")),
        "{raw}"
    );
    assert_eq!(
        header("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    let bell = notifications(&app, &token).await;
    assert_eq!(
        bell.iter()
            .filter(|n| n["kind"] == "ownership_reminder")
            .count(),
        1,
        "{bell:?}"
    );
}

#[tokio::test]
async fn the_reminder_reaches_the_proposed_owner_by_real_smtp_once_on_sqlite() {
    the_reminder_reaches_the_proposed_owner_by_real_smtp_once(Db::Sqlite).await;
}

#[tokio::test]
async fn the_reminder_reaches_the_proposed_owner_by_real_smtp_once_on_postgres() {
    if !postgres_configured() {
        return;
    }
    the_reminder_reaches_the_proposed_owner_by_real_smtp_once(Db::Postgres).await;
}

/// Carl owns "Quiet acquisition" and proposes Bob as the owner of one of its key results; he
/// then hands the objective to Dan, who makes it private: Carl is outside its circle (404 on
/// it). The round reminds Bob (who may see it) and writes no "still waiting" note for Carl, in
/// the bell or by email.
async fn no_reminder_names_a_private_okr_to_someone_outside_its_circle(db: Db) {
    let app = spawn_app_on(db).await;
    let cycle = app.cycle("2026 Q4").await;
    let (carl, carl_token) = app.member("Carl Circle").await;
    let (dan, dan_token) = app.member("Dan Director").await;
    let (bob, bob_token) = app.member("Bob Builder").await;
    let send = |token: String, method: Method, path: String, body: Option<Value>| {
        let app = &app;
        async move {
            let mut req = app.req_as(&token, method, &path);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status();
            let text = resp.text().await.unwrap();
            (
                status,
                serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
            )
        }
    };
    let (status, o) = send(
        carl_token.clone(),
        Method::POST,
        "/api/v1/objectives".into(),
        Some(json!({"title": "Quiet acquisition", "cycle_id": cycle})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{o}");
    let quiet = o["id"].as_str().unwrap().to_string();
    let (status, kr) = send(
        carl_token.clone(),
        Method::POST,
        format!("/api/v1/objectives/{quiet}/key-results"),
        Some(json!({"title": "Sign the quiet target", "kind": "boolean", "owner_id": bob})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "Carl proposes Bob: {kr}");
    let (status, h) = send(
        carl_token.clone(),
        Method::POST,
        format!("/api/v1/objectives/{quiet}/ownership"),
        Some(json!({"owner_id": dan, "note": "yours now"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{h}");
    let accept = format!("/api/v1/objectives/{quiet}/ownership/accept");
    let (status, a) = send(dan_token.clone(), Method::POST, accept, None).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let (status, p) = send(
        dan_token.clone(),
        Method::PATCH,
        format!("/api/v1/objectives/{quiet}"),
        Some(json!({"visibility": "private", "contributor_ids": [], "sponsor_id": null})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let path = format!("/api/v1/objectives/{quiet}");
    let (status, _) = send(carl_token.clone(), Method::GET, path.clone(), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "Carl is outside the circle");
    let (status, _) = send(bob_token.clone(), Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "Bob, proposed, may see it");

    let store = app.store.as_ref();
    let out = ownership_reminders::round(store, &after(8)).await.unwrap();
    assert!(
        out.iter().any(|o| o.person_id.as_str() == bob),
        "Bob is reminded: {out:?}"
    );
    assert!(
        out.iter().all(|o| o.person_id.as_str() != carl),
        "nothing for Carl: {out:?}"
    );
    run_reminders(&app).await;
    let mails = queued(&app.store).await;
    assert!(to(&mails, &bob).is_some(), "Bob's reminder is queued");
    assert!(to(&mails, &carl).is_none(), "no email to Carl");
    let bell = notifications(&app, &carl_token).await;
    assert!(
        bell.iter()
            .all(|n| !n.to_string().contains("quiet target")
                && n["kind"] != "ownership_still_waiting"),
        "{bell:?}"
    );
}

#[tokio::test]
async fn no_reminder_names_a_private_okr_to_someone_outside_its_circle_on_sqlite() {
    no_reminder_names_a_private_okr_to_someone_outside_its_circle(Db::Sqlite).await;
}

#[tokio::test]
async fn no_reminder_names_a_private_okr_to_someone_outside_its_circle_on_postgres() {
    if !postgres_configured() {
        return;
    }
    no_reminder_names_a_private_okr_to_someone_outside_its_circle(Db::Postgres).await;
}

/// At the cycle's end, through the job runner to a real SMTP server: the owner's scoring
/// reminder arrives once (the round run again sends nothing more), with the one-click
/// unsubscribe headers and a link to the close-out page that opens when followed.
async fn the_scoring_reminder_reaches_the_owner_by_real_smtp_once(db: Db) {
    use crate::email::{free_port, header, mail_config, smtp_available, start_smtp};
    if !smtp_available() {
        return;
    }
    let app = spawn_app_on(db).await;
    let cycle = app.cycle("2026 Q4").await; // ends on 31 Dec 2026
    let (o, _) = active_objective(&app, &cycle, None, &["Unscored"]).await;
    let smtp = start_smtp(free_port(), None);
    let mail = mail_config(smtp.port, None);
    let store = app.store.as_ref();
    let at: chrono::DateTime<chrono::Utc> = "2027-01-02T13:00:00Z".parse().unwrap();
    for _ in 0..2 {
        score_reminders::round(store, &on("2027-01-02"))
            .await
            .unwrap();
        for _ in 0..4 {
            keel_server::jobs::tick_with(store, "test", at, &mail)
                .await
                .unwrap();
        }
    }
    let got: Vec<String> = smtp
        .messages()
        .into_iter()
        .filter(|m| header(m, "Subject").is_some_and(|s| s.contains("time to score")))
        .collect();
    assert_eq!(got.len(), 1, "{:?}", smtp.messages());
    let raw = &got[0];
    assert_eq!(header(raw, "To"), Some("ada@keel.test"), "{raw}");
    assert_eq!(
        header(raw, "Subject"),
        Some("2026 Q4 has ended: time to score and write the retrospective")
    );
    assert!(
        header(raw, "List-Unsubscribe")
            .unwrap_or_default()
            .contains(&format!("{PUBLIC}/unsubscribe/")),
        "{raw}"
    );
    assert_eq!(
        header(raw, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let path = format!("/objectives/{o}/close-out");
    let body = raw.replace("=\r\n", "").replace("=\n", "");
    assert!(body.contains(&format!("{PUBLIC}{path}")), "{raw}");
    let page = Browser::admin(&app).await.html(&path).await;
    assert!(page.contains("Delight customers"), "{page}");
}

#[tokio::test]
async fn the_scoring_reminder_reaches_the_owner_by_real_smtp_once_on_sqlite() {
    the_scoring_reminder_reaches_the_owner_by_real_smtp_once(Db::Sqlite).await;
}

#[tokio::test]
async fn the_scoring_reminder_reaches_the_owner_by_real_smtp_once_on_postgres() {
    if !postgres_configured() {
        return;
    }
    the_scoring_reminder_reaches_the_owner_by_real_smtp_once(Db::Postgres).await;
}
