//! Issue 12, "a mistyped check-in cannot be corrected": its author corrects or withdraws it
//! through the API; the original stays in the history, marked; the key result, its status and
//! forecast follow; others are refused; bad input names the field; audited. On both backends.

use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn days_ago(d: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339()
}

async fn check_in_as(app: &TestApp, token: &str, kr: &str, body: Value) -> Value {
    let resp = app
        .req_as(
            token,
            Method::POST,
            &format!("/api/v1/key-results/{kr}/check-ins"),
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json().await.unwrap()
}

async fn correct_as(
    app: &TestApp,
    token: &str,
    kr: &str,
    id: &str,
    body: Value,
) -> reqwest::Response {
    app.req_as(
        token,
        Method::PATCH,
        &format!("/api/v1/key-results/{kr}/check-ins/{id}"),
    )
    .json(&body)
    .send()
    .await
    .unwrap()
}

async fn withdraw_as(app: &TestApp, token: &str, kr: &str, id: &str) -> reqwest::Response {
    app.req_as(
        token,
        Method::POST,
        &format!("/api/v1/key-results/{kr}/check-ins/{id}/withdraw"),
    )
    .send()
    .await
    .unwrap()
}

/// A value the key result cannot take is refused even on an older reading (one that does not
/// decide the key result's value).
async fn an_older_reading_is_judged_too(app: &TestApp, kr: &str) {
    let o = json_of(app, &format!("/api/v1/key-results/{kr}")).await["objective_id"]
        .as_str()
        .unwrap()
        .to_string();
    let yes_no = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Launched", "kind": "boolean"}),
        )
        .await;
    let yes_no = yes_no["id"].as_str().unwrap();
    let older = check_in_as(
        app,
        &app.token,
        yes_no,
        json!({"value": 0, "confidence": 5, "at": days_ago(2)}),
    )
    .await;
    check_in_as(
        app,
        &app.token,
        yes_no,
        json!({"value": 1, "confidence": 9, "at": days_ago(1)}),
    )
    .await;
    let older = older["check_in"]["id"].as_str().unwrap();
    assert_problem(
        correct_as(app, &app.token, yes_no, older, json!({"value": 2})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("value"),
    )
    .await;
}

async fn corrections(app: TestApp) {
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["Activation"]).await;
    let kr = &krs[0];
    let first = check_in_as(
        &app,
        &app.token,
        kr,
        json!({"value": 40, "confidence": 8, "at": days_ago(2)}),
    )
    .await;
    let settled = first["key_result"].clone();
    // A typo: 4 instead of 40, confidence 1 instead of 8.
    let typo = check_in_as(
        &app,
        &app.token,
        kr,
        json!({"value": 4, "confidence": 1, "note": "oops", "at": days_ago(1)}),
    )
    .await;
    let typo_id = typo["check_in"]["id"].as_str().unwrap().to_string();
    assert_eq!(typo["key_result"]["current"], 4.0);
    assert_ne!(typo["key_result"]["status"], settled["status"], "{typo}");

    // Someone else who may see it may not correct or withdraw it.
    let (_, other) = app.member("Olga Other").await;
    assert_problem(
        correct_as(&app, &other, kr, &typo_id, json!({"value": 41})).await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;
    assert_problem(
        withdraw_as(&app, &other, kr, &typo_id).await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;
    // Bad input names the field and changes nothing.
    for (body, field) in [
        (json!({"confidence": 11}), "confidence"),
        (json!({"value": "lots"}), "value"),
        (json!({}), "value"),
        (json!({"note": "x".repeat(5_001)}), "note"),
        (json!({"at": days_ago(3)}), "at"),
    ] {
        assert_problem(
            correct_as(&app, &app.token, kr, &typo_id, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
    // An unknown check-in, or one of another key result: 404. A stale If-Match: 412.
    assert_problem(
        correct_as(&app, &app.token, kr, "nope", json!({"value": 41})).await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    let stale = app
        .req(
            Method::PATCH,
            &format!("/api/v1/key-results/{kr}/check-ins/{typo_id}"),
        )
        .header("If-Match", "\"1\"")
        .json(&json!({"value": 41}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, None).await;

    // The author corrects it: the key result, its status and forecast follow.
    let resp = correct_as(
        &app,
        &app.token,
        kr,
        &typo_id,
        json!({"value": 41, "confidence": 8}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get("etag").is_some());
    let fixed: Value = resp.json().await.unwrap();
    assert_eq!(fixed["check_in"]["corrects"], json!(typo_id));
    assert_eq!(fixed["check_in"]["note"], "oops", "unchanged fields stay");
    assert_eq!(fixed["key_result"]["current"], 41.0);
    assert_eq!(fixed["key_result"]["confidence"], 8);
    assert_eq!(fixed["key_result"]["status"], settled["status"], "{fixed}");
    let k = json_of(&app, &format!("/api/v1/key-results/{kr}")).await;
    assert_eq!(k["current"], 41.0);
    assert_eq!(k["status"], settled["status"]);
    // The history keeps both, the original marked with who and when.
    let history = json_of(&app, &format!("/api/v1/key-results/{kr}/check-ins")).await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{history}");
    let original = items.iter().find(|c| c["id"] == json!(typo_id)).unwrap();
    assert_eq!(original["value"], 4.0);
    assert_eq!(original["retracted"]["kind"], "corrected");
    assert_eq!(original["retracted"]["by"], json!(app.admin_id));
    // Not twice.
    assert_problem(
        correct_as(&app, &app.token, kr, &typo_id, json!({"value": 42})).await,
        StatusCode::CONFLICT,
        None,
    )
    .await;

    // Withdrawing the correction returns the key result to the first reading.
    let fixed_id = fixed["check_in"]["id"].as_str().unwrap();
    let resp = withdraw_as(&app, &app.token, kr, fixed_id).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let gone: Value = resp.json().await.unwrap();
    assert_eq!(gone["check_in"]["retracted"]["kind"], "withdrawn");
    assert_eq!(gone["key_result"]["current"], 40.0);
    assert_eq!(
        gone["key_result"]["last_check_in_at"],
        first["check_in"]["at"]
    );

    // Audited with before and after.
    let audit = json_of(&app, &format!("/api/v1/audit?object_id={typo_id}")).await;
    let correct = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "check_in.correct")
        .unwrap_or_else(|| panic!("no correction in {audit}"));
    assert_eq!(correct["before"]["value"], 4.0);
    assert_eq!(correct["after"]["correction"]["value"], 41.0);

    an_older_reading_is_judged_too(&app, kr).await;

    // A closed cycle refuses corrections.
    let first_id = first["check_in"]["id"].as_str().unwrap();
    let resp = app
        .patch(
            &format!("/api/v1/cycles/{cycle}"),
            json!({"state": "closed"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_problem(
        withdraw_as(&app, &app.token, kr, first_id).await,
        StatusCode::CONFLICT,
        None,
    )
    .await;
}

#[tokio::test]
async fn check_in_corrections_on_sqlite() {
    corrections(spawn_app().await).await;
}

#[tokio::test]
async fn check_in_corrections_on_postgres() {
    if !postgres_configured() {
        return;
    }
    corrections(spawn_app_on(Db::Postgres).await).await;
}
