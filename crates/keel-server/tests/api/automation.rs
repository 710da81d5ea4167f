//! Automation rules (`/api/v1/automation-rules`): each trigger fires once per occurrence
//! (a status change the evaluator recorded, a check-in overdue by its days, a KPI reading
//! leaving its corridor), however often the round runs; each action reaches its people (only
//! those who may see the OKR) or a real loopback receiver, signed; a private OKR never reaches
//! a webhook; bad input names its field; members are refused; the dry run says in words what a
//! rule would have done over the last week. Time is driven as the evaluator's tests drive it:
//! the evaluator's rounds are run at chosen moments, then the rules' round.

use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use crate::webhooks::{app_with, run_jobs, verify, Receiver};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn days_ago(d: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::days(d)
}

/// One round of the evaluator, its changes recorded as made at `at`.
async fn evaluate(app: &TestApp, at: chrono::DateTime<chrono::Utc>) {
    keel_server::jobs::evaluator::evaluate(app.store.as_ref(), at)
        .await
        .unwrap();
}

/// One round of the rules at `at`; how many firings were new.
async fn rules_round(app: &TestApp, at: chrono::DateTime<chrono::Utc>) -> usize {
    keel_server::automation::round::run(app.store.as_ref(), at)
        .await
        .unwrap()
}

async fn check_in(app: &TestApp, kr: &str, confidence: i64) {
    app.create(
        &format!("/api/v1/key-results/{kr}/check-ins"),
        json!({"value": 10, "confidence": confidence}),
    )
    .await;
}

async fn sponsor(app: &TestApp, kr: &str, person: &str) {
    let r = app
        .patch(
            &format!("/api/v1/key-results/{kr}"),
            json!({"sponsor_id": person}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// An active objective of `visibility` with one key result `title`; the key result's id.
async fn okr(app: &TestApp, cycle: &str, visibility: &str, title: &str) -> String {
    let o = id(&app
        .create(
            "/api/v1/objectives",
            json!({"title": format!("{title} objective"), "cycle_id": cycle, "visibility": visibility}),
        )
        .await);
    let k = id(&app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": title, "kind": "increase", "start": 0, "target": 100}),
        )
        .await);
    let r = app
        .patch(
            &format!("/api/v1/objectives/{o}"),
            json!({"state": "active"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    k
}

async fn rule(app: &TestApp, body: Value) -> String {
    id(&app.create("/api/v1/automation-rules", body).await)
}

/// The texts of a person's notifications from automation rules.
async fn rule_notes(app: &TestApp, token: &str) -> Vec<String> {
    let r = app
        .req_as(token, Method::GET, "/api/v1/me/notifications")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "automation_rule")
        .map(|n| n["text"].as_str().unwrap().to_string())
        .collect()
}

async fn status_rule_story(app: TestApp) {
    check_in_day_tomorrow(&app).await;
    let (ana, ana_token) = app.member("Ana Ruiz").await;
    let (mo, mo_token) = app.member("Mo Outsider").await;
    let cycle = app.cycle("2026 Q4").await;
    let nps = okr(&app, &cycle, "public", "NPS").await;
    let secret = okr(&app, &cycle, "private", "Secret deal").await;
    sponsor(&app, &nps, &ana).await;
    rule(
        &app,
        json!({"name": "Off track → sponsor",
               "trigger": {"kind": "status_becomes", "status": "off_track"},
               "action": {"kind": "notify_role", "role": "sponsor"}}),
    )
    .await;
    // A named person is told only of what they may see: NPS, not the private deal.
    rule(
        &app,
        json!({"name": "Off track → Mo",
               "trigger": {"kind": "status_becomes", "status": "off_track"},
               "action": {"kind": "notify_person", "person_id": mo}}),
    )
    .await;
    // A disabled rule does nothing.
    rule(
        &app,
        json!({"name": "Off", "enabled": false,
               "trigger": {"kind": "status_becomes", "status": "off_track"},
               "action": {"kind": "notify_person", "person_id": ana}}),
    )
    .await;
    let now = chrono::Utc::now();
    evaluate(&app, now - chrono::Duration::minutes(1)).await;
    assert_eq!(rules_round(&app, now).await, 0, "nothing happened yet");
    check_in(&app, &nps, 2).await;
    check_in(&app, &secret, 2).await;
    evaluate(&app, now).await;
    // Two rules, two key results turned off track.
    assert_eq!(rules_round(&app, now).await, 4);
    let want = "“NPS” turned off track (automation rule “Off track → sponsor”)";
    assert_eq!(rule_notes(&app, &ana_token).await, [want]);
    assert_eq!(
        rule_notes(&app, &mo_token).await,
        ["“NPS” turned off track (automation rule “Off track → Mo”)"]
    );
    // Again, an hour on, and as a second server would: nothing new.
    assert_eq!(rules_round(&app, now + chrono::Duration::hours(1)).await, 0);
    assert_eq!(rules_round(&app, now).await, 0);
    assert_eq!(rule_notes(&app, &ana_token).await.len(), 1);
    assert_eq!(rule_notes(&app, &mo_token).await.len(), 1);
}

#[tokio::test]
async fn a_status_rule_tells_the_sponsor_once_on_sqlite() {
    status_rule_story(spawn_app().await).await;
}

#[tokio::test]
async fn a_status_rule_tells_the_sponsor_once_on_postgres() {
    if !postgres_configured() {
        return;
    }
    status_rule_story(spawn_app_on(Db::Postgres).await).await;
}

async fn overdue_rule_story(app: TestApp) {
    check_in_day_tomorrow(&app).await;
    let (lee, lee_token) = app.member("Lee Lead").await;
    let team = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": "Support", "lead_id": lee, "member_ids": [lee]}),
        )
        .await);
    let cycle = app.cycle("2026 Q4").await;
    let (_, krs) = active_objective(&app, &cycle, Some(&team), &["First reply"]).await;
    let at = days_ago(10).to_rfc3339();
    app.create(
        &format!("/api/v1/key-results/{}/check-ins", krs[0]),
        json!({"value": 10, "confidence": 8, "at": at}),
    )
    .await;
    let kr = json_of(&app, &format!("/api/v1/key-results/{}", krs[0])).await;
    let due_on: chrono::NaiveDate = kr["check_in_due_on"].as_str().unwrap().parse().unwrap();
    let days = (chrono::Utc::now().date_naive() - due_on).num_days();
    assert!(days >= 1, "due {due_on}");
    for (name, d) in [("Not yet", days + 1), ("A week late", days)] {
        rule(
            &app,
            json!({"name": name,
                   "trigger": {"kind": "check_in_overdue", "days": d},
                   "conditions": {"team_id": team},
                   "action": {"kind": "notify_role", "role": "team_lead"}}),
        )
        .await;
    }
    let now = chrono::Utc::now();
    assert_eq!(rules_round(&app, now).await, 1);
    assert_eq!(
        rule_notes(&app, &lee_token).await,
        [format!(
            "“First reply” was {days} days overdue for its check-in (automation rule “A week late”)"
        )]
    );
    assert_eq!(rules_round(&app, now + chrono::Duration::hours(1)).await, 0);
    assert_eq!(rule_notes(&app, &lee_token).await.len(), 1);
}

#[tokio::test]
async fn an_overdue_rule_tells_the_team_lead_once_on_sqlite() {
    overdue_rule_story(spawn_app().await).await;
}

#[tokio::test]
async fn an_overdue_rule_tells_the_team_lead_once_on_postgres() {
    if !postgres_configured() {
        return;
    }
    overdue_rule_story(spawn_app_on(Db::Postgres).await).await;
}

/// A KPI leaving its corridor and a public key result turning off track reach a real receiver,
/// signed; the private key result turning off track does not.
async fn webhook_story(db: Db) {
    let receiver = Receiver::start(&[]).await;
    let (app, mail) = app_with(db, true).await;
    check_in_day_tomorrow(&app).await;
    let hook = id(&app
        .create(
            "/api/v1/webhooks",
            json!({"url": receiver.url("/rules"), "events": ["cycle.closed"],
                   "secret": "a-chosen-secret-of-some-length"}),
        )
        .await);
    let kpi = id(&app
        .create(
            "/api/v1/kpis",
            json!({"name": "Uptime", "unit": "%", "corridor_min": 99}),
        )
        .await);
    let cycle = app.cycle("2026 Q4").await;
    let nps = okr(&app, &cycle, "public", "NPS").await;
    let secret = okr(&app, &cycle, "private", "Secret deal").await;
    for trigger in [
        json!({"kind": "kpi_leaves_corridor", "kpi_id": kpi}),
        json!({"kind": "status_becomes", "status": "off_track"}),
    ] {
        rule(
            &app,
            json!({"name": "To the channel", "trigger": trigger,
                   "action": {"kind": "webhook", "endpoint_id": hook}}),
        )
        .await;
    }
    let values = format!("/api/v1/kpis/{kpi}/values");
    for v in [99.5, 97.0, 96.0] {
        app.create(&values, json!({"value": v})).await;
    }
    let now = chrono::Utc::now();
    evaluate(&app, now - chrono::Duration::minutes(1)).await;
    check_in(&app, &nps, 2).await;
    check_in(&app, &secret, 2).await;
    evaluate(&app, now).await;
    // The KPI left once (96 is still outside), two key results turned off track.
    assert_eq!(rules_round(&app, now).await, 3);
    run_jobs(&app, &mail, 1).await;
    let got = receiver.received("/rules");
    assert_eq!(got.len(), 2, "the private key result is not sent");
    let mut texts = vec![];
    for r in &got {
        verify("a-chosen-secret-of-some-length", r);
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["event"], "automation.rule_fired");
        assert_eq!(body["data"]["rule"]["name"], "To the channel");
        texts.push(body["data"]["text"].as_str().unwrap().to_string());
    }
    texts.sort();
    assert_eq!(
        texts,
        [
            "“NPS” turned off track",
            "“Uptime” left its corridor at 97 % (stay above 99 %)"
        ]
    );
    assert!(!got
        .iter()
        .any(|r| String::from_utf8_lossy(&r.body).contains("Secret")));
    // Another round sends nothing more.
    assert_eq!(rules_round(&app, now + chrono::Duration::hours(1)).await, 0);
    run_jobs(&app, &mail, 1).await;
    assert_eq!(receiver.received("/rules").len(), 2);
}

#[tokio::test]
async fn webhook_actions_are_signed_and_never_private_on_sqlite() {
    webhook_story(Db::Sqlite).await;
}

#[tokio::test]
async fn webhook_actions_are_signed_and_never_private_on_postgres() {
    if !postgres_configured() {
        return;
    }
    webhook_story(Db::Postgres).await;
}

#[tokio::test]
async fn bad_rules_name_their_field_and_members_are_refused() {
    let app = spawn_app().await;
    let (_, member) = app.member("Max Member").await;
    let ok = json!({"name": "x", "trigger": {"kind": "status_becomes", "status": "at_risk"},
                    "action": {"kind": "notify_role", "role": "owner"}});
    for (body, field) in [
        (
            json!({"trigger": ok["trigger"], "action": ok["action"]}),
            "name",
        ),
        (
            json!({"name": "x", "trigger": {"kind": "check_in_overdue", "days": 0}, "action": ok["action"]}),
            "trigger.days",
        ),
        (
            json!({"name": "x", "trigger": {"kind": "status_becomes", "status": "closed"}, "action": ok["action"]}),
            "trigger.status",
        ),
        (
            json!({"name": "x", "trigger": ok["trigger"], "action": {"kind": "notify_role", "role": "boss"}}),
            "action.role",
        ),
        (
            json!({"name": "x", "trigger": ok["trigger"], "action": {"kind": "notify_person", "person_id": "nobody"}}),
            "action.person_id",
        ),
        (
            json!({"name": "x", "trigger": ok["trigger"], "action": {"kind": "webhook", "endpoint_id": "gone"}}),
            "action.endpoint_id",
        ),
        (
            json!({"name": "x", "trigger": ok["trigger"], "conditions": {"visibility": "secret"}, "action": ok["action"]}),
            "conditions.visibility",
        ),
        (
            json!({"name": "x", "trigger": {"kind": "kpi_leaves_corridor"}, "action": {"kind": "notify_role", "role": "sponsor"}}),
            "action.role",
        ),
    ] {
        assert_problem(
            app.post("/api/v1/automation-rules", body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
        assert_problem(
            app.post("/api/v1/automation-rules/dry-run", body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
    let listed = json_of(&app, "/api/v1/automation-rules").await;
    assert!(
        listed["items"].as_array().unwrap().is_empty(),
        "nothing half-written"
    );

    let rule_id = rule(&app, ok.clone()).await;
    let path = format!("/api/v1/automation-rules/{rule_id}");
    assert_problem(
        app.patch(&path, json!({"trigger": {"kind": "check_in_overdue"}}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("trigger.days"),
    )
    .await;
    let r = app.patch(&path, json!({"enabled": false})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r: Value = r.json().await.unwrap();
    assert_eq!(r["enabled"], false);
    assert_eq!(r["trigger"]["status"], "at_risk", "what is left out stays");

    for (method, p, body) in [
        (Method::GET, "/api/v1/automation-rules".to_string(), None),
        (
            Method::POST,
            "/api/v1/automation-rules".to_string(),
            Some(ok.clone()),
        ),
        (
            Method::POST,
            "/api/v1/automation-rules/dry-run".to_string(),
            Some(ok.clone()),
        ),
        (Method::GET, path.clone(), None),
        (Method::PATCH, path.clone(), Some(json!({"enabled": true}))),
        (Method::DELETE, path.clone(), None),
        (Method::POST, format!("{path}/dry-run"), None),
    ] {
        let mut req = app.req_as(&member, method.clone(), &p);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{method} {p}");
    }
    // Every change is audited.
    let log = json_of(&app, &format!("/api/v1/audit?object_id={rule_id}")).await;
    let mut actions: Vec<String> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    actions.sort();
    assert_eq!(
        actions,
        ["automation_rule.create", "automation_rule.update"]
    );
    let r = app.req(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND);
}

async fn dry_run_story(app: TestApp) {
    use chrono::Datelike;
    check_in_day_tomorrow(&app).await;
    let (ana, ana_token) = app.member("Ana Ruiz").await;
    let cycle = app.cycle("2026 Q4").await;
    let nps = okr(&app, &cycle, "public", "NPS").await;
    sponsor(&app, &nps, &ana).await;
    // Off track twelve days ago (outside the week), on track, then off track two days ago.
    evaluate(&app, days_ago(13)).await;
    check_in(&app, &nps, 2).await;
    evaluate(&app, days_ago(12)).await;
    check_in(&app, &nps, 8).await;
    evaluate(&app, days_ago(5)).await;
    check_in(&app, &nps, 2).await;
    evaluate(&app, days_ago(2)).await;
    let body = json!({"name": "Off track → sponsor",
                      "trigger": {"kind": "status_becomes", "status": "off_track"},
                      "action": {"kind": "notify_role", "role": "sponsor"}});
    let weekday = match days_ago(2).weekday() {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    };
    let want =
        format!("Would have notified Ana Ruiz (sponsor) that “NPS” turned off track on {weekday}");
    let r = app
        .post("/api/v1/automation-rules/dry-run", body.clone())
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let unsaved: Value = r.json().await.unwrap();
    let texts = |v: &Value| -> Vec<String> {
        v["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(texts(&unsaved), std::slice::from_ref(&want));
    assert!(json_of(&app, "/api/v1/automation-rules").await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let saved = rule(&app, body).await;
    let r = app
        .post(
            &format!("/api/v1/automation-rules/{saved}/dry-run"),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(texts(&r.json().await.unwrap()), [want]);
    // The dry run sent nothing, and the saved rule does not fire for news older than itself.
    assert_eq!(rules_round(&app, chrono::Utc::now()).await, 0);
    assert!(rule_notes(&app, &ana_token).await.is_empty());
}

#[tokio::test]
async fn the_dry_run_lists_last_weeks_occurrences_on_sqlite() {
    dry_run_story(spawn_app().await).await;
}

#[tokio::test]
async fn the_dry_run_lists_last_weeks_occurrences_on_postgres() {
    if !postgres_configured() {
        return;
    }
    dry_run_story(spawn_app_on(Db::Postgres).await).await;
}
