//! The notification centre: each kind of event reaches the people it concerns and nobody else,
//! with a link that works; the unread count; marking read; a notification about a private OKR
//! hidden once its reader lost access; the bell on every page; bad input. The periodic
//! evaluator's notifications come from the job runner's round (`keel_server::jobs::tick`).

use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The periodic jobs one runner round runs per period (the evaluator, the digest, reminders,
/// notification emails, the cleanup).
const ROUNDS: usize = keel_server::jobs::SCHEDULES.len();

/// How many periodic jobs a round at `b` runs after one at `a`: those whose period changed.
fn rounds_between(a: chrono::DateTime<chrono::Utc>, b: chrono::DateTime<chrono::Utc>) -> usize {
    keel_server::jobs::SCHEDULES
        .iter()
        .filter(|s| keel_server::jobs::period_start(s, a) != keel_server::jobs::period_start(s, b))
        .count()
}

/// A person's notifications over the API, newest first.
async fn notes(app: &TestApp, token: &str) -> Vec<Value> {
    let resp = app
        .req_as(token, Method::GET, "/api/v1/me/notifications")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

fn kinds(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn unread(app: &TestApp, token: &str) -> u64 {
    let resp = app
        .req_as(token, Method::GET, "/api/v1/me/notifications/unread-count")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json::<Value>().await.unwrap()["unread"]
        .as_u64()
        .unwrap()
}

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    let resp = app
        .req_as(token, method, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

#[tokio::test]
async fn ownership_and_cfr_events_reach_the_right_people_on_sqlite() {
    ownership_and_cfr_events(spawn_app().await).await;
}

#[tokio::test]
async fn ownership_and_cfr_events_reach_the_right_people_on_postgres() {
    if !postgres_configured() {
        return;
    }
    ownership_and_cfr_events(spawn_app_on(Db::Postgres).await).await;
}

async fn ownership_and_cfr_events(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (bob, bob_token) = app.member("Bob Builder").await;
    let (cy, cy_token) = app.member("Cy Coder").await;
    let (pia, pia_token) = app.member("Pia Peer").await;
    let (_, olga_token) = app.member("Olga Other").await;
    let team = app
        .create(
            "/api/v1/teams",
            json!({"name": "Growth", "member_ids": [pia, cy]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (o, _) = active_objective(&app, &cycle, Some(&team), &[]).await;

    // A key result created for Bob asks him; he declines with a reason, which Ada reads.
    let kr = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Ship the beta", "kind": "boolean", "owner_id": bob}),
        )
        .await;
    let kr = kr["id"].as_str().unwrap().to_string();
    let bobs = notes(&app, &bob_token).await;
    assert_eq!(kinds(&bobs), ["ownership_proposed"]);
    assert_eq!(bobs[0]["link"], format!("/key-results/{kr}"));
    assert_eq!(bobs[0]["actor_name"], "Ada Admin");
    assert_eq!(
        bobs[0]["text"],
        "Ada Admin proposed you as the owner of “Ship the beta”"
    );
    assert!(
        notes(&app, &app.token).await.is_empty(),
        "nobody is told of their own doing"
    );
    send(
        &app,
        &bob_token,
        Method::POST,
        &format!("/api/v1/key-results/{kr}/ownership/decline"),
        json!({"reason": "I am on leave in March"}),
    )
    .await;
    let adas = notes(&app, &app.token).await;
    assert_eq!(kinds(&adas), ["ownership_declined"]);
    assert!(
        adas[0]["text"]
            .as_str()
            .unwrap()
            .ends_with("declined owning “Ship the beta”: “I am on leave in March”"),
        "{}",
        adas[0]
    );
    assert_eq!(adas[0]["detail"], "I am on leave in March");

    // Proposed to Cy instead, who accepts: Ada is told; Bob (who had it) hears of the handover.
    send(
        &app,
        &app.token,
        Method::POST,
        &format!("/api/v1/key-results/{kr}/ownership"),
        json!({"owner_id": cy}),
    )
    .await;
    assert_eq!(kinds(&notes(&app, &cy_token).await), ["ownership_proposed"]);
    assert_eq!(
        kinds(&notes(&app, &bob_token).await),
        ["ownership_handed_over", "ownership_proposed"]
    );
    send(
        &app,
        &cy_token,
        Method::POST,
        &format!("/api/v1/key-results/{kr}/ownership/accept"),
        json!({}),
    )
    .await;
    assert_eq!(
        kinds(&notes(&app, &app.token).await),
        ["ownership_accepted", "ownership_declined"]
    );
    cfr_events(
        &app,
        &o,
        &team,
        (&pia, &pia_token),
        (&cy, &cy_token),
        &olga_token,
    )
    .await;
}

/// Feedback asked of Pia and answered; recognition; a 1:1 note; a review of Pia's team.
async fn cfr_events(
    app: &TestApp,
    o: &str,
    team: &str,
    (pia, pia_token): (&str, &str),
    (cy, cy_token): (&str, &str),
    olga_token: &str,
) {
    let f = app
        .create(
            "/api/v1/feedback-requests",
            json!({"okr_id": o, "addressee_ids": [pia], "question": "Is the pace right?"}),
        )
        .await;
    send(
        app,
        pia_token,
        Method::PUT,
        &format!(
            "/api/v1/feedback-requests/{}/answer",
            f["id"].as_str().unwrap()
        ),
        json!({"answer": "a little slow"}),
    )
    .await;
    assert_eq!(kinds(&notes(app, &app.token).await)[0], "feedback_answered");
    app.create(
        "/api/v1/recognitions",
        json!({"to_id": pia, "okr_id": o, "message": "thank you"}),
    )
    .await;
    let c = send(
        app,
        pia_token,
        Method::POST,
        "/api/v1/conversations",
        json!({"with_id": cy, "notes": "next steps"}),
    )
    .await;
    app.create(
        &format!("/api/v1/teams/{team}/reviews"),
        json!({"held_on": "2026-11-02"}),
    )
    .await;
    let pias = notes(app, pia_token).await;
    assert_eq!(
        kinds(&pias),
        [
            "review_scheduled",
            "recognition_received",
            "feedback_requested"
        ]
    );
    assert_eq!(
        pias[0]["text"],
        "Ada Admin scheduled the review of Growth on 2 November 2026"
    );
    let cys = notes(app, cy_token).await;
    assert_eq!(
        kinds(&cys),
        [
            "review_scheduled",
            "conversation_note",
            "ownership_proposed"
        ]
    );
    let note_link = format!("/conversations/{}", c["id"].as_str().unwrap());
    assert_eq!(cys[1]["link"], note_link.as_str());
    assert_eq!(cys[1]["text"], "Pia Peer wrote a note of your 1:1");
    // Olga is in none of it.
    assert!(notes(app, olga_token).await.is_empty());
    assert_eq!(unread(app, olga_token).await, 0);

    // Every link opens for its reader.
    let browser = Browser::signed_in(app, cy, "cy.coder@keel.test").await;
    for n in &cys {
        let link = n["link"].as_str().unwrap();
        let resp = browser.get(link).await;
        assert_eq!(resp.status(), StatusCode::OK, "{link}");
    }
}

#[tokio::test]
async fn unread_count_and_marking_read() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &[]).await;
    let (pia, pia_token) = app.member("Pia Peer").await;
    let (_, olga_token) = app.member("Olga Other").await;
    for n in 0..3 {
        app.create(
            "/api/v1/recognitions",
            json!({"to_id": pia, "okr_id": o, "message": format!("thanks {n}")}),
        )
        .await;
    }
    assert_eq!(unread(&app, &pia_token).await, 3);
    let items = notes(&app, &pia_token).await;
    let first = items[0]["id"].as_str().unwrap();
    assert!(items[0]["read_at"].is_null());
    let read = send(
        &app,
        &pia_token,
        Method::POST,
        &format!("/api/v1/me/notifications/{first}/read"),
        json!({}),
    )
    .await;
    assert!(read["read_at"].is_string());
    assert_eq!(read["kind"], "recognition_received");
    assert_eq!(unread(&app, &pia_token).await, 2);
    // Someone else's notification, or an unknown id: 404, and nothing changes.
    for (token, id) in [(&olga_token, first), (&pia_token, "no-such-notification")] {
        let resp = app
            .req_as(
                token,
                Method::POST,
                &format!("/api/v1/me/notifications/{id}/read"),
            )
            .send()
            .await
            .unwrap();
        assert_problem(resp, StatusCode::NOT_FOUND, None).await;
    }
    // Pages: two at a time, then a cursor that is not one.
    let page: Value = app
        .req_as(&pia_token, Method::GET, "/api/v1/me/notifications?limit=2")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest: Value = app
        .req_as(
            &pia_token,
            Method::GET,
            &format!("/api/v1/me/notifications?limit=2&cursor={cursor}"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    for bad in ["?cursor=nonsense", "?limit=0", "?limit=many"] {
        let resp = app
            .req_as(
                &pia_token,
                Method::GET,
                &format!("/api/v1/me/notifications{bad}"),
            )
            .send()
            .await
            .unwrap();
        let field = if bad.contains("cursor") {
            "cursor"
        } else {
            "limit"
        };
        assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
    }
    let all = send(
        &app,
        &pia_token,
        Method::POST,
        "/api/v1/me/notifications/read-all",
        json!({}),
    )
    .await;
    assert_eq!(all["unread"], 0);
    assert_eq!(unread(&app, &pia_token).await, 0);
    // A read-only token may read its notifications but not mark them.
    let person = keel_store::People::person(
        app.store.as_ref(),
        &keel_domain::PersonId::from_string(pia.clone()),
    )
    .await
    .unwrap()
    .unwrap();
    let (_, read_only) = keel_server::services::tokens::issue(
        app.store.as_ref(),
        &keel_store::WriteCtx::system(keel_domain::Source::Cli),
        &person,
        "reader",
        keel_domain::TokenScope::Read,
        None,
    )
    .await
    .unwrap();
    assert_eq!(unread(&app, &read_only).await, 0);
    let resp = app
        .req_as(
            &read_only,
            Method::POST,
            "/api/v1/me/notifications/read-all",
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;
    let resp = app
        .client
        .get(app.url("/api/v1/me/notifications"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::UNAUTHORIZED, None).await;
}

#[tokio::test]
async fn a_private_okr_is_hidden_once_its_reader_lost_access() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (bob, bob_token) = app.member("Bob Builder").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Quiet acquisition", "cycle_id": cycle, "visibility": "private",
                   "contributor_ids": [bob]}),
        )
        .await;
    let o = o["id"].as_str().unwrap().to_string();
    app.create(
        "/api/v1/recognitions",
        json!({"to_id": bob, "okr_id": o, "message": "great digging"}),
    )
    .await;
    let items = notes(&app, &bob_token).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["okr_title"], "Quiet acquisition");
    let id = items[0]["id"].as_str().unwrap().to_string();
    assert_eq!(unread(&app, &bob_token).await, 1);
    // Bob leaves the objective: it is private, so he may no longer read about it.
    let resp = app
        .patch(
            &format!("/api/v1/objectives/{o}"),
            json!({"contributor_ids": []}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(notes(&app, &bob_token).await.is_empty());
    assert_eq!(unread(&app, &bob_token).await, 0);
    let resp = app
        .req_as(
            &bob_token,
            Method::POST,
            &format!("/api/v1/me/notifications/{id}/read"),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::NOT_FOUND, None).await;
    let browser = Browser::signed_in(&app, &bob, "bob.builder@keel.test").await;
    let page = browser.page("/notifications").await;
    assert!(!page.mentions("Quiet acquisition"));
    assert!(!page.has(".bell-count"));
    // Back on it, he reads it again, still unread.
    let resp = app
        .patch(
            &format!("/api/v1/objectives/{o}"),
            json!({"contributor_ids": [bob]}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(unread(&app, &bob_token).await, 1);
}

#[tokio::test]
async fn the_bell_and_the_page() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &[]).await;
    let (pia, pia_token) = app.member("Pia Peer").await;
    let (olga, _) = app.member("Olga Other").await;
    for n in 0..2 {
        app.create(
            "/api/v1/recognitions",
            json!({"to_id": pia, "okr_id": o, "message": format!("thanks {n}")}),
        )
        .await;
    }
    let b = Browser::signed_in(&app, &pia, "pia.peer@keel.test").await;
    for path in ["/my-week", "/company", "/feedback", "/account/time-zone"] {
        let page = b.page(path).await;
        assert_eq!(
            page.attr("a.bell", "href").as_deref(),
            Some("/notifications")
        );
        assert_eq!(page.text(".bell-count"), "2", "{path}");
    }
    let page = b.page("/notifications").await;
    let lines = page.texts(".notification-list li a");
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("Ada Admin recognised your work on “Delight customers”"));
    let ids: Vec<String> = notes(&app, &pia_token)
        .await
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    let opens: Vec<String> = ids
        .iter()
        .map(|id| format!("/notifications/{id}/open"))
        .collect();
    assert_eq!(page.attrs(".notification-list li a", "href"), opens);
    assert_eq!(b.get("/feedback").await.status(), StatusCode::OK);
    assert!(
        !page.mentions("recognition_received"),
        "people's words, not kinds"
    );
    // One read through its form, back on the page; the bell counts one.
    let to = b
        .done(
            &format!("/notifications/{}/read", ids[0]),
            &[("cursor", "")],
        )
        .await;
    assert_eq!(to, "/notifications");
    let page = b.page("/notifications").await;
    assert_eq!(page.text(".bell-count"), "1");
    assert_eq!(page.texts(".notification-list li.unread a").len(), 1);
    // Without the form's security token: refused, nothing marked.
    let resp = b
        .post_form(
            &format!("/notifications/{}/read", ids[1]),
            &[("cursor", "")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Someone else cannot mark Pia's.
    let other = Browser::signed_in(&app, &olga, "olga.other@keel.test").await;
    let resp = other
        .submit(&format!("/notifications/{}/read", ids[1]), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let empty = other.page("/notifications").await;
    assert!(empty.has(".empty"));
    assert!(!empty.has(".bell-count"));
    // All read.
    assert_eq!(
        b.done("/notifications/read-all", &[]).await,
        "/notifications"
    );
    let page: Page = b.page("/notifications").await;
    assert!(!page.has(".bell-count"));
    assert!(page.texts(".notification-list li.unread a").is_empty());
    assert_eq!(unread(&app, &pia_token).await, 0);
    let resp = b.get("/notifications?cursor=nonsense").await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

/// The runner's daily cleanup deletes a done job of long ago and keeps a dead one.
#[tokio::test]
async fn the_daily_cleanup_runs_with_the_runner() {
    use keel_store::{JobState, Jobs, NewJob};
    let app = spawn_app().await;
    let long_ago = chrono::Utc::now() - chrono::Duration::days(30);
    for kind in ["finished", "broken"] {
        app.store
            .enqueue_job(&NewJob {
                kind: kind.into(),
                unique_key: None,
                payload: json!({}),
                run_at: long_ago,
                max_attempts: 1,
            })
            .await
            .unwrap();
    }
    let lease = chrono::Duration::minutes(5);
    let jobs = app
        .store
        .claim_jobs("w", long_ago, lease, 10)
        .await
        .unwrap();
    for j in &jobs {
        if j.kind == "finished" {
            app.store.complete_job(j, long_ago).await.unwrap();
        } else {
            let state = app.store.fail_job(j, "broken", long_ago).await.unwrap();
            assert_eq!(state, JobState::Dead);
        }
    }
    keel_server::jobs::tick(app.store.as_ref(), "test", chrono::Utc::now())
        .await
        .unwrap();
    for j in &jobs {
        let kept = app.store.job(&j.id).await.unwrap();
        assert_eq!(kept.is_some(), j.kind == "broken", "{}", j.kind);
    }
}

#[tokio::test]
async fn opening_a_notification_marks_it_read_and_lands_where_you_act() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &[]).await;
    let (pia, pia_token) = app.member("Pia Peer").await;
    let (olga, _) = app.member("Olga Other").await;
    app.create(
        "/api/v1/recognitions",
        json!({"to_id": pia, "okr_id": o, "message": "thanks"}),
    )
    .await;
    let b = Browser::signed_in(&app, &pia, "pia.peer@keel.test").await;
    let page = b.page("/notifications").await;
    let href = page.attrs(".notification-list li a", "href").remove(0);
    // Someone else's is unknown to them, and nothing is marked.
    let other = Browser::signed_in(&app, &olga, "olga.other@keel.test").await;
    assert_eq!(other.get(&href).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(unread(&app, &pia_token).await, 1);
    // Pia's click marks it read and lands on the feedback page.
    let resp = b.get(&href).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/feedback");
    assert_eq!(unread(&app, &pia_token).await, 0);
    assert!(!b.page("/feedback").await.has(".bell-count"));
    // Opening it again still lands there; an unknown id is 404.
    assert_eq!(b.get(&href).await.status(), StatusCode::SEE_OTHER);
    let resp = b.get("/notifications/nonsense/open").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_evaluator_tells_owners_and_sponsors_of_transitions_on_sqlite() {
    evaluator_story(spawn_app().await).await;
}

#[tokio::test]
async fn the_evaluator_tells_owners_and_sponsors_of_transitions_on_postgres() {
    if !postgres_configured() {
        return;
    }
    evaluator_story(spawn_app_on(Db::Postgres).await).await;
}

/// The first round over an organisation writes a stored signal for every key result. PostgreSQL
/// plans from statistics that said those tables were empty until autovacuum got round to them
/// (this machine's server runs without it), and then hash-joined whole tables for a page: the
/// round refreshes them.
#[tokio::test]
async fn the_first_round_refreshes_the_planners_statistics_on_postgres() {
    if !postgres_configured() {
        return;
    }
    use sqlx::Connection;
    let app = spawn_app_on(Db::Postgres).await;
    let cycle = app.cycle("2026 Q4").await;
    active_objective(&app, &cycle, None, &["One", "Two", "Three"]).await;
    let mut pg = sqlx::PgConnection::connect(app.postgres_url().unwrap())
        .await
        .unwrap();
    let planned_rows = |table: &'static str| {
        sqlx::query_scalar::<_, f32>("SELECT reltuples FROM pg_class WHERE relname = $1")
            .bind(table)
    };
    for table in ["key_result_signals", "objective_signals"] {
        let before: f32 = planned_rows(table).fetch_one(&mut pg).await.unwrap();
        assert!(before <= 0.0, "{table}: {before} before any round");
    }
    let round = keel_server::jobs::evaluator::evaluate(app.store.as_ref(), chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!((round.key_results, round.changed), (3, 3));
    assert_eq!(
        planned_rows("key_result_signals")
            .fetch_one(&mut pg)
            .await
            .unwrap(),
        3.0
    );
    assert_eq!(
        planned_rows("objective_signals")
            .fetch_one(&mut pg)
            .await
            .unwrap(),
        1.0
    );
}

async fn evaluator_story(app: TestApp) {
    use keel_server::jobs::tick;
    check_in_day_tomorrow(&app).await;
    let (sam, sam_token) = app.member("Sam Sponsor").await;
    let (_, max_token) = app.member("Max Member").await;
    let cycle = app.cycle("2026 Q4").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["Due", "Late", "Red"]).await;
    for kr in &krs {
        let resp = app
            .patch(
                &format!("/api/v1/key-results/{kr}"),
                json!({"sponsor_id": sam}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let now = chrono::Utc::now();
    // The first round records what it sees, silently.
    assert_eq!(tick(app.store.as_ref(), "test", now).await.unwrap(), ROUNDS);
    assert!(notes(&app, &app.token).await.is_empty());
    // A round in the same hour finds the period's run done.
    assert_eq!(tick(app.store.as_ref(), "test", now).await.unwrap(), 0);
    let check_in = |kr: String, confidence: i64, days: i64| {
        let app = &app;
        async move {
            let at = (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339();
            app.create(
                &format!("/api/v1/key-results/{kr}/check-ins"),
                json!({"value": 10, "confidence": confidence, "at": at}),
            )
            .await;
        }
    };
    check_in(krs[0].clone(), 8, 7).await;
    check_in(krs[1].clone(), 8, 20).await;
    check_in(krs[2].clone(), 2, 0).await;
    let next_hour = now + chrono::Duration::hours(1);
    assert_eq!(
        tick(app.store.as_ref(), "test", next_hour).await.unwrap(),
        rounds_between(now, next_hour)
    );
    let adas = notes(&app, &app.token).await;
    let mut got = kinds(&adas);
    got.sort();
    assert_eq!(
        got,
        ["check_in_due", "check_in_overdue", "turned_off_track"],
        "{adas:?}"
    );
    for n in &adas {
        let (kind, link) = (n["kind"].as_str().unwrap(), n["link"].as_str().unwrap());
        match kind {
            "check_in_due" | "check_in_overdue" => assert_eq!(link, "/my-week"),
            _ => assert_eq!(link, format!("/key-results/{}", krs[2])),
        }
        assert!(n["actor_id"].is_null(), "time did it");
    }
    let due = adas.iter().find(|n| n["kind"] == "check_in_due").unwrap();
    assert_eq!(due["text"], "A check-in is due on “Due”");
    let mut sams = kinds(&notes(&app, &sam_token).await);
    sams.sort();
    assert_eq!(sams, ["turned_off_track", "turned_stale"]);
    assert!(notes(&app, &max_token).await.is_empty());
    // Nothing changed since: the next round tells nobody again.
    let later = next_hour + chrono::Duration::hours(1);
    assert_eq!(
        tick(app.store.as_ref(), "test", later).await.unwrap(),
        rounds_between(next_hour, later)
    );
    assert_eq!(notes(&app, &app.token).await.len(), 3);
    let again = keel_server::jobs::evaluator::evaluate(app.store.as_ref(), later)
        .await
        .unwrap();
    assert_eq!(
        again,
        keel_server::jobs::evaluator::Evaluation {
            key_results: 3,
            changed: 0,
            notifications: 0
        }
    );
    // The links work for their reader.
    let b = Browser::admin(&app).await;
    for n in &adas {
        let link = n["link"].as_str().unwrap();
        assert_eq!(b.get(link).await.status(), StatusCode::OK, "{link}");
    }
}

/// Two Keel servers (two stores on one database) run their rounds at the same moment: the
/// period's evaluation runs once, on one of them.
async fn two_servers_evaluate_once_per_period(url: String) {
    use keel_server::jobs::tick;
    let (a, b) = (
        keel_store::open(&url).await.unwrap(),
        keel_store::open(&url).await.unwrap(),
    );
    let now = chrono::Utc::now();
    let (ran_a, ran_b) = tokio::join!(
        tick(a.as_ref(), "server-a", now),
        tick(b.as_ref(), "server-b", now)
    );
    assert_eq!(ran_a.unwrap() + ran_b.unwrap(), ROUNDS);
    let (ran_a, ran_b) = tokio::join!(
        tick(a.as_ref(), "server-a", now),
        tick(b.as_ref(), "server-b", now)
    );
    assert_eq!(
        ran_a.unwrap() + ran_b.unwrap(),
        0,
        "the period's run is done"
    );
}

#[tokio::test]
async fn two_servers_on_one_postgres_evaluate_once_per_period() {
    if !postgres_configured() {
        return;
    }
    // Dropped when the test ends, also when it fails.
    let pg = postgres_database().await.unwrap();
    two_servers_evaluate_once_per_period(pg.url().to_string()).await;
}

#[tokio::test]
async fn two_servers_on_one_sqlite_file_evaluate_once_per_period() {
    let dir = std::env::temp_dir().join(format!("keel-jobs-{}", uuid::Uuid::now_v7().simple()));
    let _cleanup = TempDir(dir.clone());
    two_servers_evaluate_once_per_period(format!("sqlite://{}", dir.join("keel.db").display()))
        .await;
}

/// The runner `keel serve` starts: its first round evaluates at once (what it sees is recorded),
/// and stopping it waits for the round under way.
#[tokio::test]
async fn the_runner_evaluates_and_stops_with_the_server() {
    use keel_store::{Jobs, Notifications};
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["A", "B"]).await;
    let before = chrono::Utc::now();
    let runner = keel_server::jobs::start(app.store.clone());
    runner.stop().await;
    let seen = app.store.key_result_signals().await.unwrap();
    assert_eq!(seen.len(), krs.len(), "{seen:?}");
    // This period's run is done: scheduling it again queues nothing, nothing is left to claim
    // (unless the hour turned meanwhile: then a new period's run is rightly due).
    let now = chrono::Utc::now();
    let evaluate = &keel_server::jobs::SCHEDULES[0];
    if keel_server::jobs::period_start(evaluate, before)
        != keel_server::jobs::period_start(evaluate, now)
    {
        return;
    }
    keel_server::jobs::schedule(app.store.as_ref(), &keel_server::jobs::SCHEDULES, now)
        .await
        .unwrap();
    let left = app
        .store
        .claim_jobs("test", now, chrono::Duration::minutes(1), 10)
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
}

/// A backlog of due jobs is worked through one claim after another, not ten a tick (every 30
/// s): 25 queued jobs and this period's scheduled ones are all done within seconds of the
/// runner's start.
#[tokio::test]
async fn the_runner_works_through_a_backlog_without_waiting_for_its_next_tick() {
    use keel_store::Jobs;
    let app = spawn_app().await;
    let now = chrono::Utc::now();
    let backlog: Vec<keel_store::NewJob> = (0..25)
        .map(|n| keel_store::NewJob {
            kind: "clean_up".into(),
            unique_key: Some(format!("backlog:{n}")),
            payload: json!({}),
            run_at: now - chrono::Duration::minutes(1),
            max_attempts: 3,
        })
        .collect();
    app.store.enqueue_jobs(&backlog).await.unwrap();
    let runner = keel_server::jobs::start(app.store.clone());
    // Ten a tick would leave at least 15 of them for the second tick, 30 s after the first.
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    runner.stop().await;
    let left = app
        .store
        .claim_jobs("test", now, chrono::Duration::minutes(1), 100)
        .await
        .unwrap();
    let left: Vec<&str> = left.iter().map(|j| j.kind.as_str()).collect();
    assert!(left.is_empty(), "still queued: {left:?}");
}
