//! A person's data: an administrator exports everything about one person (and nothing of other
//! people's private 1:1s or answers), and erases a person who left, keeping the OKR history
//! readable. Through the API and the admin pages, on both backends.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Zoë's world: an objective of the administrator's with a key result Zoë owns and checked in
/// on, a 1:1 with her and one with Bo, feedback both answered, recognition both ways.
struct World {
    zoe: String,
    zoe_token: String,
    bo: String,
    bo_token: String,
    objective: String,
    kr: String,
}

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    let r = app
        .req_as(token, method, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {v}");
    v
}

async fn world(app: &TestApp) -> World {
    let (zoe, zoe_token) = app.member("Zoe Quill").await;
    let (bo, bo_token) = app.member("Bo Lind").await;
    let cycle = app.cycle("2026 Q4").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Delight customers", "cycle_id": cycle}),
        )
        .await;
    let objective = o["id"].as_str().unwrap().to_string();
    let k = app
        .create(
            &format!("/api/v1/objectives/{objective}/key-results"),
            json!({"title": "Activation to 55%", "kind": "increase", "start": 0, "target": 100, "owner_id": zoe}),
        )
        .await;
    let kr = k["id"].as_str().unwrap().to_string();
    let accept = format!("/api/v1/key-results/{kr}/ownership/accept");
    send(app, &zoe_token, Method::POST, &accept, json!({})).await;
    let activate = format!("/api/v1/objectives/{objective}");
    assert!(app
        .patch(&activate, json!({"state": "active"}))
        .await
        .status()
        .is_success());
    let check_in = format!("/api/v1/key-results/{kr}/check-ins");
    send(
        app,
        &zoe_token,
        Method::POST,
        &check_in,
        json!({"value": 20, "confidence": 7, "note": "a good week"}),
    )
    .await;
    for (with, notes) in [
        (&zoe, "Zoe Quill is thinking of leaving"),
        (&bo, "Bo's private worries"),
    ] {
        app.create(
            "/api/v1/conversations",
            json!({"with_id": with, "notes": notes}),
        )
        .await;
    }
    let f = app
        .create(
            "/api/v1/feedback-requests",
            json!({"okr_id": objective, "addressee_ids": [zoe, bo], "question": "On track?"}),
        )
        .await;
    let answer = format!(
        "/api/v1/feedback-requests/{}/answer",
        f["id"].as_str().unwrap()
    );
    send(
        app,
        &zoe_token,
        Method::PUT,
        &answer,
        json!({"answer": "Zoe says yes"}),
    )
    .await;
    send(
        app,
        &bo_token,
        Method::PUT,
        &answer,
        json!({"answer": "Bo's candid answer"}),
    )
    .await;
    send(
        app,
        &bo_token,
        Method::POST,
        "/api/v1/recognitions",
        json!({"to_id": zoe, "okr_id": kr, "message": "great week, Zoe Quill"}),
    )
    .await;
    send(
        app,
        &zoe_token,
        Method::POST,
        "/api/v1/recognitions",
        json!({"to_id": bo, "okr_id": kr, "message": "thanks Bo"}),
    )
    .await;
    World {
        zoe,
        zoe_token,
        bo,
        bo_token,
        objective,
        kr,
    }
}

async fn export_has_everything_and_nothing_of_others(app: &TestApp, w: &World) {
    let path = format!("/api/v1/people/{}/export", w.zoe);
    let e = json_of(app, &path).await;
    assert_eq!(e["person"]["email"], "zoe.quill@keel.test");
    assert_eq!(e["person"]["roles"], json!(["member"]));
    assert!(e["key_results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["id"] == w.kr.as_str()));
    assert_eq!(e["check_ins"][0]["note"], "a good week");
    assert_eq!(
        e["ownership_requests"][0]["proposed_owner_id"],
        w.zoe.as_str()
    );
    assert_eq!(e["conversations"].as_array().unwrap().len(), 1);
    assert_eq!(
        e["conversations"][0]["notes"],
        "Zoe Quill is thinking of leaving"
    );
    let answers = e["feedback_requests"][0]["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 1, "only her own answer");
    assert_eq!(answers[0]["answer"], "Zoe says yes");
    assert_eq!(
        e["recognition_received"][0]["message"],
        "great week, Zoe Quill"
    );
    assert_eq!(e["recognition_given"][0]["message"], "thanks Bo");
    let events = e["audit_events"].as_array().unwrap();
    assert!(!events.is_empty());
    assert!(events.iter().all(|ev| ev["actor_id"] == w.zoe.as_str()));
    let text = e.to_string();
    for others in ["Bo's private worries", "Bo's candid answer"] {
        assert!(!text.contains(others), "{others} is someone else's");
    }
    // Only administrators; an unknown person is 404.
    let r = app
        .req_as(&w.bo_token, Method::GET, &path)
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
    let r = app.get("/api/v1/people/nobody/export").await;
    assert_problem(r, StatusCode::NOT_FOUND, None).await;
}

async fn erase_path(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.req_as(token, Method::POST, &format!("/api/v1/people/{id}/erase"))
        .send()
        .await
        .unwrap()
}

async fn person_data_story(app: TestApp) {
    let w = world(&app).await;
    export_has_everything_and_nothing_of_others(&app, &w).await;

    // Refused: not an administrator; oneself; an owner of an open OKR (until handed over).
    let r = erase_path(&app, &w.bo_token, &w.zoe).await;
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
    let r = erase_path(&app, &app.token, &app.admin_id).await;
    assert_problem(r, StatusCode::CONFLICT, Some("id")).await;
    let r = erase_path(&app, &app.token, &w.zoe).await;
    let p = assert_problem(r, StatusCode::CONFLICT, Some("id")).await;
    assert!(
        p["detail"].as_str().unwrap().contains("Activation to 55%"),
        "{p}"
    );
    let r = erase_path(&app, &app.token, "nobody").await;
    assert_problem(r, StatusCode::NOT_FOUND, None).await;
    app.create(
        &format!("/api/v1/key-results/{}/ownership", w.kr),
        json!({"owner_id": w.bo, "note": "Zoe is leaving"}),
    )
    .await;
    let accept = format!("/api/v1/key-results/{}/ownership/accept", w.kr);
    send(&app, &w.bo_token, Method::POST, &accept, json!({})).await;

    let r = erase_path(&app, &app.token, &w.zoe).await;
    assert_eq!(r.status(), StatusCode::OK);
    let erased: Value = r.json().await.unwrap();
    let placeholder = erased["name"].as_str().unwrap().to_string();
    assert!(placeholder.starts_with("Former member "), "{placeholder}");
    assert_eq!(erased["active"], false);
    // Her token no longer works; erasing again changes nothing.
    let r = app
        .req_as(&w.zoe_token, Method::GET, "/api/v1/people")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let again: Value = erase_path(&app, &app.token, &w.zoe)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, erased);

    // Nothing personal is left where an administrator can read; the OKR history stays.
    let export = json_of(&app, &format!("/api/v1/people/{}/export", w.zoe)).await;
    let audit = app
        .get("/api/v1/audit?format=csv")
        .await
        .text()
        .await
        .unwrap();
    for text in [export.to_string(), audit] {
        for needle in [
            "Zoe Quill",
            "zoe.quill@keel.test",
            "thinking of leaving",
            "Zoe says yes",
        ] {
            assert!(!text.contains(needle), "{needle} is still there");
        }
    }
    assert_eq!(
        export["check_ins"][0]["note"], "a good week",
        "OKR history stays"
    );
    let o = json_of(&app, &format!("/api/v1/objectives/{}", w.objective)).await;
    assert_eq!(o["key_results"][0]["owner_id"], w.bo.as_str());
    let admin = Browser::admin(&app).await;
    for page in [
        format!("/objectives/{}", w.objective),
        format!("/key-results/{}", w.kr),
    ] {
        let p = admin.page(&page).await;
        assert!(!p.mentions("Zoe Quill"), "{page}");
    }
}

#[tokio::test]
async fn export_and_erase_on_sqlite() {
    person_data_story(spawn_app().await).await;
}

#[tokio::test]
async fn export_and_erase_on_postgres() {
    if !postgres_configured() {
        return;
    }
    person_data_story(spawn_app_on(Db::Postgres).await).await;
}

/// The admin pages: the people list links to both, the export opens as JSON, and erasing goes
/// through its "are you sure?" page (refused with the reason for oneself).
#[tokio::test]
async fn export_and_erase_from_the_admin_pages() {
    let app = spawn_app().await;
    let (id, _) = app.member("Lea Leaving").await;
    let admin = Browser::admin(&app).await;
    let list = admin.page("/admin").await;
    assert!(list.links_to(&format!("/admin/people/{id}/export")));
    assert!(list.links_to(&format!("/admin/people/{id}/erase")));
    let r = admin.get(&format!("/admin/people/{id}/export")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["person"]["name"], "Lea Leaving");

    let mine = format!("/admin/people/{}/erase", app.admin_id);
    let r = admin.submit(&mine, &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = Page::parse(&r.text().await.unwrap());
    assert!(page.text("[role=alert]").contains("cannot erase yourself"));

    let confirm = admin.page(&format!("/admin/people/{id}/erase")).await;
    assert!(confirm.mentions("cannot be undone"));
    let to = admin.done(&format!("/admin/people/{id}/erase"), &[]).await;
    assert_eq!(to, format!("/admin/people/{id}?saved=1"));
    let list = admin.page("/admin").await;
    assert!(!list.mentions("Lea Leaving"));
    assert!(list.mentions("Former member"));
    let audit = admin.page("/admin/audit").await.rows("tbody");
    assert!(
        audit
            .iter()
            .any(|r| r.contains(&"erased the personal data".to_string())
                && r.iter().any(|c| c.starts_with("Former member"))),
        "in words on the audit page: {audit:?}"
    );

    // Without the form's token, nothing happens.
    let (other, _) = app.member("Oli Other").await;
    let r = admin
        .post_form(&format!("/admin/people/{other}/erase"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(admin.page("/admin").await.mentions("Oli Other"));
}
