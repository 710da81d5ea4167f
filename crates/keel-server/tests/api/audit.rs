//! The audit log: an objective's history, and `GET /api/v1/audit` with its filters,
//! pagination, CSV export and permission (administrators and champions only).

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn actions(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

async fn audit(app: TestApp) {
    let c = audited_writes(&app).await;
    objective_history_lists_every_write_under_it(&app, &c).await;
    the_log_filters_exports_and_names_bad_filters(&app, &c).await;
    only_administrators_and_champions_read_the_log(&app, &c).await;
}

/// What the steps of `audit` share.
struct Audited {
    member: String,
    member_token: String,
    o_id: String,
    kr_id: String,
}

/// Writes to audit: an objective and a key result, Mia's check-in with her request id, a token
/// and the settings.
async fn audited_writes(app: &TestApp) -> Audited {
    let cycle = app.cycle("2026 Q4").await;
    let (member, member_token) = app.member("Mia Member").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Ship the audit log", "cycle_id": cycle}),
        )
        .await;
    let o_id = o["id"].as_str().unwrap().to_string();
    let kr = app
        .create(
            &format!("/api/v1/objectives/{o_id}/key-results"),
            json!({"title": "Every write recorded", "kind": "boolean", "contributor_ids": [member]}),
        )
        .await;
    let kr_id = kr["id"].as_str().unwrap().to_string();
    // Mia checks in (a write by someone else, with the caller's request id).
    let r = app
        .req_as(
            &member_token,
            Method::POST,
            &format!("/api/v1/key-results/{kr_id}/check-ins"),
        )
        .header("x-request-id", "audit-test-check-in")
        .json(&json!({"value": 1, "confidence": 8}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    app.create(
        &format!("/api/v1/key-results/{kr_id}/initiatives"),
        json!({"title": "Audit every store write"}),
    )
    .await;
    let r = app
        .patch(
            &format!("/api/v1/objectives/{o_id}"),
            json!({"title": "Ship the audit log, append-only"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Writes outside OKRs are recorded too: tokens and settings.
    app.create("/api/v1/tokens", json!({"name": "ci"})).await;
    let r = app
        .patch("/api/v1/settings", json!({"name": "Audited Inc"}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    Audited {
        member,
        member_token,
        o_id,
        kr_id,
    }
}

/// The objective's history: itself and everything under it, newest first, for whoever can
/// see the objective; paginated.
async fn objective_history_lists_every_write_under_it(app: &TestApp, c: &Audited) {
    let Audited {
        member,
        member_token,
        o_id,
        ..
    } = c;
    // The objective's history: itself and everything under it, newest first, for whoever can
    // see the objective.
    let path = format!("/api/v1/objectives/{o_id}/history");
    let history: Value = app
        .req_as(member_token, Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let got = actions(&history);
    for a in [
        "objective.update",
        "initiative.create",
        "check_in.create",
        "key_result.create",
        "ownership_request.create",
        "objective.create",
    ] {
        assert!(got.contains(&a.to_string()), "{a} missing: {got:?}");
    }
    assert_eq!(got[0], "objective.update");
    assert!(!got
        .iter()
        .any(|a| a.starts_with("token") || a.starts_with("settings")));
    let update = &history["items"][0];
    assert_eq!(update["before"]["title"], "Ship the audit log");
    assert_eq!(update["after"]["title"], "Ship the audit log, append-only");
    assert_eq!(update["actor_id"], json!(app.admin_id));
    assert_eq!(update["source"], "api");
    let check_in = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "check_in.create")
        .unwrap();
    assert_eq!(check_in["actor_id"], json!(member));
    assert_eq!(check_in["request_id"], "audit-test-check-in");
    // Paginated.
    let page: Value = app
        .get(&format!("{path}?limit=2"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap();
    let next: Value = app
        .get(&format!("{path}?limit=2&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(next["items"][0]["id"], page["items"][0]["id"]);
    assert_problem(
        app.get(&format!("{path}?limit=0")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("limit"),
    )
    .await;
}

/// The organisation's log: filters, CSV by query or by Accept, bad filters named.
async fn the_log_filters_exports_and_names_bad_filters(app: &TestApp, c: &Audited) {
    let Audited { member, kr_id, .. } = c;
    // The organisation's log: filters.
    let log = |q: String| {
        let app = &app;
        async move {
            let r = app.get(&format!("/api/v1/audit{q}")).await;
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }
    };
    let on_kr = actions(&log(format!("?object_id={kr_id}")).await);
    assert!(on_kr.contains(&"check_in.create".to_string()));
    assert!(on_kr.contains(&"initiative.create".to_string()));
    assert!(on_kr.contains(&"key_result.create".to_string()));
    assert!(
        !on_kr.iter().any(|a| a.starts_with("objective.")),
        "{on_kr:?}"
    );
    let by_mia = actions(&log(format!("?actor_id={member}")).await);
    assert_eq!(by_mia, vec!["check_in.create"]);
    let all = actions(&log(String::new()).await);
    for a in [
        "token.create",
        "settings.update",
        "person.create",
        "cycle.create",
    ] {
        assert!(all.contains(&a.to_string()), "{a} missing: {all:?}");
    }
    assert!(actions(&log("?until=2000-01-01".into()).await).is_empty());
    assert!(actions(&log("?since=2999-01-01T00:00:00Z".into()).await).is_empty());
    assert_eq!(
        actions(&log("?since=2000-01-01&until=2999-12-31".into()).await).len(),
        all.len()
    );

    // CSV, by query or by Accept.
    for req in [
        app.req(
            Method::GET,
            &format!("/api/v1/audit?format=csv&object_id={kr_id}"),
        ),
        app.req(Method::GET, &format!("/api/v1/audit?object_id={kr_id}"))
            .header("accept", "text/csv"),
    ] {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let text = r.text().await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("id,at,actor_id,action,"), "{text}");
        assert_eq!(lines.len(), on_kr.len() + 1, "{text}");
        assert!(text.contains("check_in.create"));
    }
    let r = app
        .get(&format!(
            "/api/v1/audit?format=csv&limit=1&object_id={kr_id}"
        ))
        .await;
    assert!(r.headers().contains_key("x-next-cursor"));

    // Bad filters name their field.
    for (q, field) in [
        ("?since=yesterday", "since"),
        ("?until=2026-13-01", "until"),
        ("?since=2026-11-02&until=2026-11-01", "until"),
        ("?actor_id=nobody", "actor_id"),
        ("?format=xml", "format"),
        ("?limit=501", "limit"),
        ("?cursor=garbage", "cursor"),
    ] {
        assert_problem(
            app.get(&format!("/api/v1/audit{q}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
}

/// Administrators and champions only.
async fn only_administrators_and_champions_read_the_log(app: &TestApp, c: &Audited) {
    let Audited { member_token, .. } = c;
    // Administrators and champions only.
    let (_, champion) = app.person_with_roles("Cleo Champion", &["champion"]).await;
    let r = app
        .req_as(&champion, Method::GET, "/api/v1/audit")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    for roles in [
        &[][..],
        &["analyst"],
        &["reviewer"],
        &["hr"],
        &["finance"],
        &["viewer"],
    ] {
        let (_, token) = app
            .person_with_roles(&format!("Someone {}", roles.join(" ")), roles)
            .await;
        let r = app
            .req_as(&token, Method::GET, "/api/v1/audit")
            .send()
            .await
            .unwrap();
        assert_problem(r, StatusCode::FORBIDDEN, None).await;
    }
    let r = app
        .req_as(member_token, Method::GET, "/api/v1/audit?format=csv")
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
}

#[tokio::test]
async fn audit_on_sqlite() {
    audit(spawn_app().await).await;
}

#[tokio::test]
async fn audit_on_postgres() {
    if !postgres_configured() {
        return;
    }
    audit(spawn_app_on(Db::Postgres).await).await;
}
