//! The world the owner's pages are tested in: admin Ada, member Bea signed in, an active cycle,
//! an objective Bea owns with two key results, and small readers of the API and of rows.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Admin Ada, member Bea (signed in), an active cycle, and an objective owned by Bea with two
/// key results she owns (created by the API as Bea herself, so accepted at once).
pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) bea: Browser,
    pub(crate) bea_id: String,
    pub(crate) bea_token: String,
    pub(crate) cycle: String,
    pub(crate) objective: String,
    pub(crate) kr1: String,
    pub(crate) kr2: String,
}

pub(crate) async fn world(app: TestApp) -> World {
    let (bea_id, bea_token) = app.member("Bea Owner").await;
    let cycle = app.cycle("Q4 2026").await;
    let o = post_as(
        &app,
        &bea_token,
        "/api/v1/objectives",
        json!({"title": "Customers love onboarding", "cycle_id": cycle}),
    )
    .await;
    let objective = o["id"].as_str().unwrap().to_string();
    let kr = |title: &str, target: f64| json!({"title": title, "kind": "increase", "start": 0, "target": target, "unit": "%"});
    let path = format!("/api/v1/objectives/{objective}/key-results");
    let kr1 = post_as(&app, &bea_token, &path, kr("Day-7 activation", 50.0)).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let kr2 = post_as(&app, &bea_token, &path, kr("NPS of new users", 40.0)).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.patch(
        &format!("/api/v1/objectives/{objective}"),
        json!({"state": "active"}),
    )
    .await;
    let bea = Browser::signed_in(&app, &bea_id, "bea.owner@keel.test").await;
    World {
        app,
        bea,
        bea_id,
        bea_token,
        cycle,
        objective,
        kr1,
        kr2,
    }
}

pub(crate) async fn post_as(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let resp = app
        .req_as(token, reqwest::Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "POST {path}: {body}");
    body
}

pub(crate) async fn check_ins_of(app: &TestApp, kr: &str) -> Vec<Value> {
    let v: Value = app
        .get(&format!("/api/v1/key-results/{kr}/check-ins"))
        .await
        .json()
        .await
        .unwrap();
    v["items"].as_array().unwrap().clone()
}

pub(crate) async fn listed(app: &TestApp, kr: String) -> Vec<Value> {
    let v: Value = app
        .get(&format!("/api/v1/key-results/{kr}/initiatives"))
        .await
        .json()
        .await
        .unwrap();
    v["items"].as_array().cloned().unwrap_or_default()
}

pub(crate) async fn count(app: &TestApp) -> usize {
    let v: Value = app
        .get("/api/v1/objectives?limit=500")
        .await
        .json()
        .await
        .unwrap();
    v["items"].as_array().unwrap().len()
}

pub(crate) async fn krs(app: &TestApp, objective: &str) -> usize {
    objective_json(app, objective).await["key_results"]
        .as_array()
        .unwrap()
        .len()
}

pub(crate) async fn objective_json(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/v1/objectives/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

/// The row index the weekly check-in form gives a key result.
pub(crate) fn row_of(html: &str, kr: &str) -> String {
    let marker = format!("value=\"{kr}\"");
    let at = html.find(&marker).expect("the key result's row");
    let before = &html[..at];
    let key = "name=\"key_result_id.";
    let start = before.rfind(key).unwrap() + key.len();
    before[start..].split('"').next().unwrap().to_string()
}
