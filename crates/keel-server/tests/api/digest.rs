//! The weekly progress digest: what an owner reads (status, newly off track versus already off
//! track, what is due), what a team lead reads of their teams' movers (nothing private they may
//! not see), skipped when there is nothing to say, queued once per person and week (twice run,
//! or two servers on one PostgreSQL), nothing without the public URL or on a dry run; the
//! preview page; people's preferences (page, API, organisation default) and the one-click
//! unsubscribe that works without signing in.

use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use keel_server::digest::{self, Round};
use keel_server::mail::{EmailMessage, Recipient, SEND_EMAIL};
use keel_store::Jobs;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const PUBLIC: &str = "https://keel.example";

/// A round now, sending to everyone whatever the day.
pub fn round() -> Round {
    Round {
        now: chrono::Utc::now(),
        public_url: Some(PUBLIC.into()),
        person: None,
        dry_run: false,
        on_schedule: false,
    }
}

/// The emails queued so far (claimed, so each is returned once), with their unique keys.
pub async fn queued(store: &keel_store::DynStore) -> Vec<(String, EmailMessage)> {
    let far = chrono::Utc::now() + chrono::Duration::days(30);
    let jobs = store
        .claim_jobs("test-reader", far, chrono::Duration::minutes(1), 10_000)
        .await
        .unwrap();
    jobs.into_iter()
        .filter(|j| j.kind == SEND_EMAIL)
        .map(|j| {
            (
                j.unique_key.clone().unwrap(),
                EmailMessage::from_job(&j.payload).unwrap(),
            )
        })
        .collect()
}

/// The message queued for `person`, if any.
pub fn to<'a>(all: &'a [(String, EmailMessage)], person: &str) -> Option<&'a EmailMessage> {
    all.iter()
        .find(|(_, m)| m.to == Recipient::Person(person.to_string()))
        .map(|(_, m)| m)
}

pub async fn check_in(app: &TestApp, kr: &str, confidence: i64, days_ago: i64) {
    let at = (chrono::Utc::now() - chrono::Duration::days(days_ago)).to_rfc3339();
    app.create(
        &format!("/api/v1/key-results/{kr}/check-ins"),
        json!({"value": 10, "confidence": confidence, "at": at}),
    )
    .await;
}

/// Ada owns "Newly red" (on track a week ago, off track now), "Still red" (off track then and
/// now, and due) and "Fine"; Lea leads Growth, whose public, team-visible and private OKRs
/// (Ada's too) all turned off track this week.
struct World {
    app: TestApp,
    krs: Vec<String>,
    lea: String,
    olga: String,
    public_mover: String,
}

async fn world_on(db: Db) -> World {
    let app = spawn_app_on(db).await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (lea, _) = app.member("Lea Lead").await;
    let (olga, _) = app.member("Olga Outsider").await;
    let team = app
        .create("/api/v1/teams", json!({"name": "Growth", "lead_id": lea}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (o, krs) = active_objective(&app, &cycle, None, &["Newly red", "Still red", "Fine"]).await;
    app.backdate_objective(&o, 20).await;
    check_in(&app, &krs[0], 8, 8).await;
    check_in(&app, &krs[0], 2, 0).await;
    check_in(&app, &krs[1], 2, 8).await;
    check_in(&app, &krs[2], 8, 0).await;
    let (public, public_krs) = active_objective(&app, &cycle, Some(&team), &["Open mover"]).await;
    let (private, private_krs) =
        active_objective(&app, &cycle, Some(&team), &["Secret mover"]).await;
    let (shared, shared_krs) = active_objective(&app, &cycle, Some(&team), &["Team mover"]).await;
    for (o, visibility) in [(&private, "private"), (&shared, "team")] {
        let resp = app
            .patch(
                &format!("/api/v1/objectives/{o}"),
                json!({"visibility": visibility}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    for (o, kr) in [
        (&public, &public_krs[0]),
        (&private, &private_krs[0]),
        (&shared, &shared_krs[0]),
    ] {
        app.backdate_objective(o, 20).await;
        check_in(&app, kr, 8, 8).await;
        check_in(&app, kr, 2, 0).await;
    }
    World {
        app,
        krs,
        lea,
        olga,
        public_mover: public_krs[0].clone(),
    }
}

async fn world() -> World {
    world_on(Db::Sqlite).await
}

#[tokio::test]
async fn an_owner_reads_status_change_and_what_is_due_once_a_week_on_sqlite() {
    an_owner_reads_status_change_and_what_is_due_once_a_week(Db::Sqlite).await;
}

#[tokio::test]
async fn an_owner_reads_status_change_and_what_is_due_once_a_week_on_postgres() {
    if !postgres_configured() {
        return;
    }
    an_owner_reads_status_change_and_what_is_due_once_a_week(Db::Postgres).await;
}

async fn an_owner_reads_status_change_and_what_is_due_once_a_week(db: Db) {
    let w = world_on(db).await;
    let app = &w.app;
    let out = digest::digests(app.store.as_ref(), &round()).await.unwrap();
    assert!(out.iter().all(|o| o.queued));
    let all = queued(&app.store).await;
    assert_eq!(all.len(), out.len());
    let ada = to(&all, &app.admin_id).expect("Ada's digest");
    assert_eq!(ada.purpose, "digest");
    assert_eq!(
        ada.subject,
        "Your week in My organisation: 4 newly off track, 1 due for a check-in"
    );
    let line = |title: &str| {
        ada.text
            .lines()
            .find(|l| l.starts_with(&format!("- {title} (")))
            .unwrap_or_else(|| panic!("{title} in {}", ada.text))
            .to_string()
    };
    assert!(
        line("Newly red").ends_with("Off track, newly off track"),
        "{}",
        ada.text
    );
    let still = line("Still red");
    assert!(still.contains("Off track; check-in due since"), "{still}");
    assert!(
        !still.contains("newly"),
        "already off track last week: {still}"
    );
    // Silent for weeks until today's check-in: stale then, on track now.
    assert!(
        line("Fine").ends_with(": On track, was stale last week"),
        "{}",
        ada.text
    );
    assert!(ada
        .text
        .contains(&format!("{PUBLIC}/key-results/{}", w.krs[0])));
    assert!(ada.text.contains(&format!("{PUBLIC}/my-week")));
    assert!(ada
        .html
        .contains("<strong>Off track</strong>, newly off track"));
    let week = digest::iso_week(chrono::Utc::now().date_naive());
    let (key, _) = all.iter().find(|(_, m)| m.to == ada.to).unwrap();
    assert_eq!(key, &format!("email:digest:{}:{week}", app.admin_id));
    let unsubscribe = ada.unsubscribe_url.as_deref().unwrap();
    assert!(unsubscribe.starts_with(&format!("{PUBLIC}/unsubscribe/")));
    assert!(ada.text.contains(unsubscribe) && ada.html.contains(unsubscribe));

    // Lea leads Growth: she reads its public mover and the one shared with her team, never
    // its private one (decided for every reader of the round at once).
    let lea = to(&all, &w.lea).expect("Lea's digest");
    assert!(lea.text.contains("YOUR TEAMS' MOVERS"), "{}", lea.text);
    assert!(lea.text.contains("Open mover"), "{}", lea.text);
    assert!(lea.text.contains("Team mover"), "{}", lea.text);
    assert!(lea
        .text
        .contains(&format!("/key-results/{}", w.public_mover)));
    assert!(!lea.text.contains("Secret mover") && !lea.html.contains("Secret mover"));
    // Olga has nothing to hear about: no digest.
    assert!(to(&all, &w.olga).is_none());

    // Run again (a second server, a retry): nothing new is queued this week.
    let again = digest::digests(app.store.as_ref(), &round()).await.unwrap();
    assert_eq!(again.len(), out.len());
    assert!(again.iter().all(|o| !o.queued));
    assert!(queued(&app.store).await.is_empty());
}

#[tokio::test]
async fn nothing_is_queued_without_the_public_url_or_on_a_dry_run() {
    let w = world().await;
    let store = w.app.store.as_ref();
    let no_url = Round {
        public_url: None,
        ..round()
    };
    assert!(digest::digests(store, &no_url).await.unwrap().is_empty());
    let dry = Round {
        dry_run: true,
        ..round()
    };
    let said = digest::digests(store, &dry).await.unwrap();
    assert!(said.iter().any(|o| o.person_id.as_str() == w.app.admin_id));
    assert!(said.iter().all(|o| !o.queued));
    assert!(queued(&w.app.store).await.is_empty());
    // The scheduled round waits for the check-in day (tomorrow here).
    let scheduled = Round {
        on_schedule: true,
        ..round()
    };
    assert!(digest::digests(store, &scheduled).await.unwrap().is_empty());
    assert!(queued(&w.app.store).await.is_empty());
}

#[tokio::test]
async fn the_preview_shows_my_own_digest() {
    let w = world().await;
    let b = Browser::admin(&w.app).await;
    let html = b.html("/account/digest").await;
    assert!(html.contains("What your weekly digest will look like"));
    assert!(html.contains("Newly red"), "{html}");
    assert!(html.contains("newly off track"));
    assert!(b
        .html("/account/password")
        .await
        .contains("/account/digest"));
    let olga = Browser::signed_in(&w.app, &w.olga, "olga.outsider@keel.test").await;
    let html = olga.html("/account/digest").await;
    assert!(html.contains("no digest would be sent"), "{html}");
    assert!(!html.contains("Secret mover"));
}

async fn unsubscribe_link(app: &TestApp) -> String {
    digest::digests(app.store.as_ref(), &round()).await.unwrap();
    let all = queued(&app.store).await;
    let url = to(&all, &app.admin_id)
        .unwrap()
        .unsubscribe_url
        .clone()
        .unwrap();
    url.strip_prefix(PUBLIC).unwrap().to_string()
}

#[tokio::test]
async fn one_click_unsubscribe_works_without_signing_in_and_stops_the_next_digest() {
    let w = world().await;
    let app = &w.app;
    let path = unsubscribe_link(app).await;
    let anonymous = reqwest::Client::new();
    // A bad or tampered token changes nothing.
    let mut tampered = path.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    for (bad, status) in [
        (tampered.as_str(), StatusCode::NOT_FOUND),
        ("/unsubscribe/not-a-token", StatusCode::BAD_REQUEST),
        ("/unsubscribe/a.digest.zz", StatusCode::BAD_REQUEST),
    ] {
        let resp = anonymous.post(app.url(bad)).send().await.unwrap();
        assert_eq!(resp.status(), status, "{bad}");
    }
    let prefs = json_of(app, "/api/v1/me/notification-preferences").await;
    assert_eq!(prefs["digest"], "email");
    // The link shows a confirm page, then one POST (RFC 8058: no session, no CSRF token).
    let page = anonymous.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("weekly progress digest"));
    assert_eq!(
        json_of(app, "/api/v1/me/notification-preferences").await["digest"],
        "email"
    );
    let next_week = Round {
        now: chrono::Utc::now() + chrono::Duration::days(7),
        dry_run: true,
        ..round()
    };
    let ada_in = |out: &[digest::Outcome]| out.iter().any(|o| o.person_id.as_str() == app.admin_id);
    let before = digest::digests(app.store.as_ref(), &next_week)
        .await
        .unwrap();
    assert!(ada_in(&before), "{before:?}");
    let resp = anonymous
        .post(app.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("You are unsubscribed"));
    assert_eq!(
        json_of(app, "/api/v1/me/notification-preferences").await["digest"],
        "off"
    );
    // Next week: no digest for Ada.
    let after = digest::digests(app.store.as_ref(), &next_week)
        .await
        .unwrap();
    assert!(!ada_in(&after), "{after:?}");
}

#[tokio::test]
async fn preferences_are_read_and_set_and_bad_input_names_the_field() {
    let app = spawn_app().await;
    let (_, token) = app.member("Max Member").await;
    let put = |body: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            app.req_as(&token, Method::PUT, "/api/v1/me/notification-preferences")
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    for (body, field) in [
        (json!({"digest": "in_app"}), "digest"),
        (json!({"check_in_reminders": "off"}), "check_in_reminders"),
        (json!({"ownership": "carrier pigeon"}), "ownership"),
        (json!({"nonsense": "email"}), "nonsense"),
    ] {
        assert_problem(
            put(body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
    let resp = put(json!({"digest": "off", "check_in_reminders": "in_app"})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let got = app
        .req_as(&token, Method::GET, "/api/v1/me/notification-preferences")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        got,
        json!({"digest": "off", "check_in_reminders": "in_app", "ownership": "email",
               "feedback": "email", "status_changes": "email"})
    );
    // A half-bad change saves nothing.
    let resp = put(json!({"digest": "email", "feedback": "off"})).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = app
        .req_as(&token, Method::GET, "/api/v1/me/notification-preferences")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(again, got);
}

#[tokio::test]
async fn the_pages_set_a_persons_choice_and_the_organisations_default() {
    let w = world().await;
    let app = &w.app;
    let b = Browser::admin(app).await;
    let html = b.html("/account/notifications").await;
    assert!(html.contains("Check-in reminders"));
    let html = b
        .refused("/account/notifications", &[("digest", "in_app")])
        .await;
    assert!(html.contains("has-error"), "{html}");
    assert_eq!(
        b.done(
            "/account/notifications",
            &[("check_in_reminders", "in_app")]
        )
        .await,
        "/account/notifications?saved=1"
    );
    // The organisation's default: the digest off for whoever has not chosen.
    let lea = Browser::signed_in(app, &w.lea, "lea.lead@keel.test").await;
    assert_eq!(
        lea.get("/admin/notifications").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.done("/admin/notifications", &[("digest", "off")]).await,
        "/admin/notifications?saved=1"
    );
    let out = digest::digests(app.store.as_ref(), &round()).await.unwrap();
    assert!(out.is_empty(), "{out:?}");
    // Ada chooses the digest for herself: hers comes again.
    b.done("/account/notifications", &[("digest", "email")])
        .await;
    let out = digest::digests(app.store.as_ref(), &round()).await.unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].person_id.as_str(), app.admin_id);
}

/// Two Keel servers (two stores on one PostgreSQL) run the digest round at once: each
/// person's digest is queued once.
#[tokio::test]
async fn two_servers_queue_each_digest_once_on_postgres() {
    if !postgres_configured() {
        return;
    }
    let app = spawn_app_on(Db::Postgres).await;
    let cycle = app.cycle("2026 Q4").await;
    active_objective(&app, &cycle, None, &["Ship it"]).await;
    let url = app.postgres_url().unwrap().to_string();
    let (a, b) = (
        keel_store::open(&url).await.unwrap(),
        keel_store::open(&url).await.unwrap(),
    );
    let r = round();
    let (ra, rb) = tokio::join!(
        digest::digests(a.as_ref(), &r),
        digest::digests(b.as_ref(), &r)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let queued_now = ra.iter().chain(&rb).filter(|o| o.queued).count();
    assert_eq!(queued_now, 1, "{ra:?} {rb:?}");
    let all = queued(&app.store).await;
    assert_eq!(all.len(), 1);
    assert!(to(&all, &app.admin_id).is_some());
}
