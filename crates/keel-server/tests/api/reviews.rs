//! Team reviews: the agenda, progress change since the last review, notes and decisions, who may
//! run them.

use crate::helpers::*;
use crate::rhythm::active_objective;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn a_review_tracks_progress_between_reviews_and_records_notes() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let team = app.team("Growth").await;
    let (o, krs) = active_objective(&app, &cycle, Some(&team), &["A"]).await;
    let path = format!("/api/v1/teams/{team}/reviews");

    let (_, member) = app.member("Max Member").await;
    let resp = app
        .req_as(&member, Method::POST, &path)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;
    let resp = app.post(&path, json!({"held_on": "2099-01-01"})).await;
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("held_on")).await;

    let first = app.create(&path, json!({"held_on": "2026-11-01"})).await;
    let item = &first["items"][0];
    assert_eq!(item["objective_id"], o.as_str());
    assert_eq!(item["owner_name"], "Ada Admin");
    assert!(item["progress_change"].is_null(), "a first review");
    assert_eq!(item["confidence_trend"], "unknown");

    for (v, c) in [(20, 8), (50, 5)] {
        app.create(
            &format!("/api/v1/key-results/{}/check-ins", krs[0]),
            json!({"value": v, "confidence": c}),
        )
        .await;
    }
    let second = app.create(&path, json!({})).await;
    let item = &second["items"][0];
    assert!(
        (item["progress_change"].as_f64().unwrap() - 0.5).abs() < 1e-9,
        "{item}"
    );
    assert_eq!(item["confidence_trend"], "falling");
    assert_eq!(item["status"], "at_risk");
    assert!(!item["flags"].as_array().unwrap().is_empty());

    let list: Value = app.get(&path).await.json().await.unwrap();
    let ids: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(ids, vec![&second["id"], &first["id"]], "latest first");

    let item_path = format!(
        "/api/v1/reviews/{}/items/{o}",
        second["id"].as_str().unwrap()
    );
    let resp = app
        .req(Method::PUT, &item_path)
        .json(&json!({"notes": "x".repeat(10_001)}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("notes")).await;
    let resp = app
        .req_as(&member, Method::PUT, &item_path)
        .json(&json!({"notes": "not mine"}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;
    let resp = app
        .req(Method::PUT, &item_path)
        .json(&json!({"notes": "hiring slipped", "decisions": "move budget to onboarding"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let got: Value = app
        .get(&format!(
            "/api/v1/reviews/{}",
            second["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["items"][0]["notes"], "hiring slipped");
    assert_eq!(got["items"][0]["decisions"], "move budget to onboarding");
    assert_eq!(got["version"], 2);
    let resp = app
        .req(
            Method::PUT,
            &format!(
                "/api/v1/reviews/{}/items/unknown",
                second["id"].as_str().unwrap()
            ),
        )
        .json(&json!({"notes": "n"}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::NOT_FOUND, None).await;
}
