//! The key result keeps its owner's latest confidence as its own (*The owner's word* in
//! docs/method.md): driven through the API's check-ins, corrections and withdrawals, and read
//! where integrations and exports read the record (the store's key result), on both backends.

use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use keel_domain::KeyResultId;
use keel_store::KeyResults;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn days_ago(d: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::hours(d * 24 + 1)).to_rfc3339()
}

async fn check_in_as(
    app: &TestApp,
    token: &str,
    kr: &str,
    value: f64,
    confidence: i64,
    at: &str,
) -> String {
    let resp = app
        .req_as(
            token,
            Method::POST,
            &format!("/api/v1/key-results/{kr}/check-ins"),
        )
        .json(&json!({"value": value, "confidence": confidence, "at": at}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    body["check_in"]["id"].as_str().unwrap().to_string()
}

/// The key result as stored: its value and cached confidence.
async fn stored(app: &TestApp, kr: &str) -> (f64, Option<u8>) {
    let k = app
        .store
        .key_result(&KeyResultId::from_string(kr.to_string()))
        .await
        .unwrap()
        .unwrap();
    (k.current, k.confidence)
}

#[tokio::test]
async fn the_key_result_keeps_its_owners_confidence() {
    owners_confidence(spawn_app().await).await;
}

#[tokio::test]
async fn the_key_result_keeps_its_owners_confidence_on_postgres() {
    if !postgres_configured() {
        return;
    }
    owners_confidence(spawn_app_on(Db::Postgres).await).await;
}

async fn owners_confidence(app: TestApp) {
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (cora, cora_token) = app.member("Cora Contributor").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["Shared work"]).await;
    let kr = &krs[0];
    let r = app
        .patch(
            &format!("/api/v1/key-results/{kr}"),
            json!({"contributor_ids": [cora]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let mine = check_in_as(&app, &app.token, kr, 20.0, 8, &days_ago(2)).await;
    assert_eq!(stored(&app, kr).await, (20.0, Some(8)));
    // Cora's later reading moves the value, not the owner's confidence.
    let hers = check_in_as(&app, &cora_token, kr, 30.0, 2, &days_ago(1)).await;
    assert_eq!(stored(&app, kr).await, (30.0, Some(8)));
    let api: Value = json_of(&app, &format!("/api/v1/key-results/{kr}")).await;
    assert_eq!(
        (&api["current"], &api["confidence"]),
        (&json!(30.0), &json!(8))
    );

    // Cora corrects hers: still the owner's 8.
    let r = app
        .req_as(
            &cora_token,
            Method::PATCH,
            &format!("/api/v1/key-results/{kr}/check-ins/{hers}"),
        )
        .json(&json!({"value": 32, "confidence": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(stored(&app, kr).await, (32.0, Some(8)));
    // The owner corrects theirs: the owner's corrected word.
    let r = app
        .patch(
            &format!("/api/v1/key-results/{kr}/check-ins/{mine}"),
            json!({"confidence": 6}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let corrected: Value = r.json().await.unwrap();
    let correction = corrected["check_in"]["id"].as_str().unwrap().to_string();
    assert_eq!(stored(&app, kr).await, (32.0, Some(6)));
    // The owner's only reading withdrawn: no owner's word is left, whatever Cora said.
    let r = app
        .post(
            &format!("/api/v1/key-results/{kr}/check-ins/{correction}/withdraw"),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(stored(&app, kr).await, (32.0, None));
}
