//! Automation rules at their edges: an overdue check-in counted in the organisation's days (a
//! time zone where today is not UTC's today), and a rule naming a person: refused on save
//! unless they exist and are active (422 naming `action.person_id`), and, once they are
//! deactivated, told nothing, the dry run saying why. Both backends.

use crate::helpers::*;
use crate::rhythm::active_objective;
use keel_domain::PersonId;
use keel_store::{Notifications, PageRequest, Reader};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn rules_round(app: &TestApp, at: chrono::DateTime<chrono::Utc>) -> usize {
    keel_server::automation::round::run(app.store.as_ref(), at)
        .await
        .unwrap()
}

/// The dry run's lines of a saved rule.
async fn dry_run(app: &TestApp, rule: &str) -> Vec<String> {
    let r = app
        .post(
            &format!("/api/v1/automation-rules/{rule}/dry-run"),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    body["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["text"].as_str().unwrap().to_string())
        .collect()
}

/// The texts of a person's automation notifications, read from the store (a deactivated person
/// has no token to read them with).
async fn rule_notes(app: &TestApp, person: &str) -> Vec<String> {
    let page = app
        .store
        .list_notifications(
            &PersonId::from_string(person.to_string()),
            &Reader::Everyone,
            &PageRequest {
                limit: 100,
                cursor: None,
            },
        )
        .await
        .unwrap();
    page.items
        .into_iter()
        .filter(|n| n.kind == keel_domain::notification::NotificationKind::AutomationRule)
        .map(|n| n.detail.unwrap_or_default())
        .collect()
}

/// An organisation whose today is not UTC's today (14 hours ahead, or 12 behind: whichever
/// puts it on another day now), a key result of a team checked in ten days ago; the key result,
/// the team, its lead and the organisation's today.
async fn overdue_world(app: &TestApp) -> (String, String, String, chrono::NaiveDate) {
    use chrono::Timelike;
    let now = chrono::Utc::now();
    let (zone, offset) = if now.hour() >= 10 {
        ("Etc/GMT-14", 14)
    } else {
        ("Etc/GMT+12", -12)
    };
    let today = (now + chrono::Duration::hours(offset)).date_naive();
    assert_ne!(
        today,
        now.date_naive(),
        "the organisation is on another day"
    );
    let r = app
        .patch("/api/v1/settings", json!({"time_zone": zone}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (lee, _) = app.member("Lee Lead").await;
    let team = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": "Support", "lead_id": lee, "member_ids": [lee]}),
        )
        .await);
    let cycle = app.cycle("2026 Q4").await;
    let (_, krs) = active_objective(app, &cycle, Some(&team), &["First reply"]).await;
    let at = (now - chrono::Duration::days(10)).to_rfc3339();
    app.create(
        &format!("/api/v1/key-results/{}/check-ins", krs[0]),
        json!({"value": 10, "confidence": 8, "at": at}),
    )
    .await;
    (krs[0].clone(), team, lee, today)
}

/// The overdue trigger counts days where the organisation is: a rule for "N days overdue"
/// fires on the organisation's N-th day, not UTC's, and its dry run says "today".
async fn overdue_in_the_organisations_days(app: TestApp) {
    let (kr, team, lee, today) = overdue_world(&app).await;
    let kr = json_of(&app, &format!("/api/v1/key-results/{kr}")).await;
    let due_on: chrono::NaiveDate = kr["check_in_due_on"].as_str().unwrap().parse().unwrap();
    let days = (today - due_on).num_days();
    assert!(days >= 1, "due {due_on}, today {today}");
    let mut rules = vec![];
    for (name, d) in [("Not yet", days + 1), ("Late", days)] {
        rules.push(id(&app
            .create(
                "/api/v1/automation-rules",
                json!({"name": name,
                       "trigger": {"kind": "check_in_overdue", "days": d},
                       "conditions": {"team_id": team},
                       "action": {"kind": "notify_role", "role": "team_lead"}}),
            )
            .await));
    }
    assert!(dry_run(&app, &rules[0]).await.is_empty());
    let late = dry_run(&app, &rules[1]).await;
    assert_eq!(
        late,
        [format!(
            "Would have notified Lee Lead (team lead) that “First reply” was {days} days overdue for its check-in today"
        )]
    );
    assert_eq!(rules_round(&app, chrono::Utc::now()).await, 1);
    assert_eq!(
        rule_notes(&app, &lee).await,
        [format!(
            "“First reply” was {days} days overdue for its check-in (automation rule “Late”)"
        )]
    );
}

#[tokio::test]
async fn an_overdue_rule_counts_the_organisations_days_on_sqlite() {
    overdue_in_the_organisations_days(spawn_app().await).await;
}

#[tokio::test]
async fn an_overdue_rule_counts_the_organisations_days_on_postgres() {
    if !postgres_configured() {
        return;
    }
    overdue_in_the_organisations_days(spawn_app_on(Db::Postgres).await).await;
}

/// A rule names a person who exists and is active, else 422 naming `action.person_id` (saved
/// or dry run, nothing written); deactivated after, they are told nothing and the dry run
/// says why.
async fn a_rule_names_an_active_person(app: TestApp) {
    let (kr, team, _, _) = overdue_world(&app).await;
    let (ana, _) = app.member("Ana Ruiz").await;
    let (gone, _) = app.member("Gus Gone").await;
    let r = app
        .patch(&format!("/api/v1/people/{gone}"), json!({"active": false}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let kr = json_of(&app, &format!("/api/v1/key-results/{kr}")).await;
    let due_on: chrono::NaiveDate = kr["check_in_due_on"].as_str().unwrap().parse().unwrap();
    let body = |person: &str| {
        json!({"name": "Late → Ana",
               "trigger": {"kind": "check_in_overdue", "days": 1},
               "conditions": {"team_id": team},
               "action": {"kind": "notify_person", "person_id": person}})
    };
    for (person, words) in [
        ("nobody-at-all", "nobody-at-all"),
        (gone.as_str(), "deactivated"),
    ] {
        for path in [
            "/api/v1/automation-rules",
            "/api/v1/automation-rules/dry-run",
        ] {
            let p = assert_problem(
                app.post(path, body(person)).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("action.person_id"),
            )
            .await;
            assert!(p["detail"].as_str().unwrap().contains(words), "{p}");
        }
    }
    assert!(json_of(&app, "/api/v1/automation-rules").await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let rule = id(&app.create("/api/v1/automation-rules", body(&ana)).await);
    let day = due_on + chrono::Days::new(1);
    assert!(dry_run(&app, &rule).await[0].starts_with("Would have notified Ana Ruiz that"));
    let r = app
        .patch(&format!("/api/v1/people/{ana}"), json!({"active": false}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let lines = dry_run(&app, &rule).await;
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("Would not have notified Ana Ruiz ")
            && lines[0].ends_with(": they are deactivated"),
        "{lines:?} ({day})"
    );
    rules_round(&app, chrono::Utc::now()).await;
    assert!(rule_notes(&app, &ana).await.is_empty());
}

#[tokio::test]
async fn a_rule_names_an_active_person_on_sqlite() {
    a_rule_names_an_active_person(spawn_app().await).await;
}

#[tokio::test]
async fn a_rule_names_an_active_person_on_postgres() {
    if !postgres_configured() {
        return;
    }
    a_rule_names_an_active_person(spawn_app_on(Db::Postgres).await).await;
}

/// The text of the element with this id (ids of the administration forms hold dots).
fn by_id(page: &Page, id: &str) -> String {
    page.text(&format!("[id='{id}']"))
}

/// The automation page's form without JavaScript: administrators only; the team and the person
/// are found by what was typed in the pickers' find fields (none or several matching, or a
/// deactivated person: a 422 naming the field, nothing saved); the page lists no team; a rule
/// saved names them in words, and says so once its person is deactivated.
async fn the_automation_form_finds_teams_and_people(app: TestApp) {
    let support = app.team("Support").await;
    app.team("Supply").await;
    let zebra = app.team("Zebra squad").await;
    let (ana, _) = app.member("Ana Ruiz").await;
    let (gus, _) = app.member("Gus Gone").await;
    let r = app
        .patch(&format!("/api/v1/people/{gus}"), json!({"active": false}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let path = "/admin/automation";
    let member = Browser::signed_in(&app, &ana, "ana.ruiz@keel.test").await;
    assert_eq!(member.get(path).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        member.submit(path, &[("name", "x")]).await.status(),
        StatusCode::FORBIDDEN
    );
    let admin = Browser::admin(&app).await;
    assert!(!admin.html(path).await.contains("Zebra squad"));
    let form = |team: &'static str, person: &'static str| {
        vec![
            ("name", "Late → someone"),
            ("trigger.kind", "check_in_overdue"),
            ("trigger.days", "3"),
            ("conditions.team_id", ""),
            ("conditions.team_id.find", team),
            ("action.kind", "notify_person"),
            ("action.person_id", ""),
            ("action.person_id.find", person),
        ]
    };
    for (team, person, id, words) in [
        (
            "Sup",
            "ana.ruiz@keel.test",
            "f-conditions.team_id-error",
            "2 match",
        ),
        (
            "Nothing like it",
            "ana.ruiz@keel.test",
            "f-conditions.team_id-error",
            "no team matches",
        ),
        (
            "Support",
            "gus.gone@keel.test",
            "f-action.person_id-error",
            "deactivated",
        ),
        (
            "Support",
            "Nobody at all",
            "f-action.person_id-error",
            "no person matches",
        ),
    ] {
        let html = admin.refused(path, &form(team, person)).await;
        let page = Page::parse(&html);
        assert!(
            by_id(&page, id).contains(words),
            "{team} / {person}: {html}"
        );
        assert_eq!(
            page.attr("[id='f-conditions-team_id-find']", "value")
                .as_deref(),
            Some(team),
            "what was typed is kept"
        );
    }
    assert!(json_of(&app, "/api/v1/automation-rules").await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        admin
            .done(path, &form("Support", "ana.ruiz@keel.test"))
            .await,
        "/admin/automation?saved=1"
    );
    let saved = json_of(&app, "/api/v1/automation-rules").await;
    assert_eq!(saved["items"][0]["conditions"]["team_id"], support.as_str());
    assert_eq!(saved["items"][0]["action"]["person_id"], ana.as_str());
    // A choice left from an earlier suggestion and a name typed over it: what was typed wins,
    // as in the team and person forms (the choice is not among what "Zebra" matches).
    let mut typed_over = form("Zebra squad", "ana.ruiz@keel.test");
    typed_over.retain(|(k, _)| *k != "conditions.team_id");
    typed_over.push(("conditions.team_id", support.as_str()));
    assert_eq!(
        admin.done(path, &typed_over).await,
        "/admin/automation?saved=1"
    );
    let saved = json_of(&app, "/api/v1/automation-rules").await;
    let teams: Vec<&str> = saved["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["conditions"]["team_id"].as_str().unwrap())
        .collect();
    assert!(teams.contains(&zebra.as_str()), "{saved}");
    let row = admin.page(path).await.text("main table tbody tr");
    assert!(
        row.contains("shared with Support") && row.contains("Notify Ana Ruiz"),
        "{row}"
    );
    let r = app
        .patch(&format!("/api/v1/people/{ana}"), json!({"active": false}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let row = admin.page(path).await.text("main table tbody tr");
    assert!(
        row.contains("Notify Ana Ruiz, who is deactivated: nobody is notified"),
        "{row}"
    );
}

#[tokio::test]
async fn the_automation_form_finds_teams_and_people_on_sqlite() {
    the_automation_form_finds_teams_and_people(spawn_app().await).await;
}

#[tokio::test]
async fn the_automation_form_finds_teams_and_people_on_postgres() {
    if !postgres_configured() {
        return;
    }
    the_automation_form_finds_teams_and_people(spawn_app_on(Db::Postgres).await).await;
}
