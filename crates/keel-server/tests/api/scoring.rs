//! End of cycle: scores (suggested from attainment), the objective's weighted score, closing a
//! cycle (409 on further changes), re-opening (administrators only, audited), retrospectives
//! that carry an objective over, and calibration.

use crate::helpers::*;
use crate::rhythm::active_objective;
use keel_store::AuditFilter;
use keel_store::AuditLog;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn json_of(app: &TestApp, path: &str) -> Value {
    let resp = app.get(path).await;
    assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn scores_are_checked_suggested_and_weighted() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["A", "B"]).await;
    app.patch(
        &format!("/api/v1/key-results/{}", krs[1]),
        json!({"weight": 3}),
    )
    .await;
    app.create(
        &format!("/api/v1/key-results/{}/check-ins", krs[0]),
        json!({"value": 84, "confidence": 7}),
    )
    .await;
    let path = |i: usize| format!("/api/v1/key-results/{}/score", krs[i]);
    for bad in [1.5, -0.1] {
        let resp = app
            .post(&path(0), json!({"score": bad, "reason": "x"}))
            .await;
        assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("score")).await;
    }
    let kr = json_of(&app, &format!("/api/v1/key-results/{}", krs[0])).await;
    assert!(kr["score"].is_null(), "nothing half-written");
    assert_eq!(kr["suggested_score"], 0.8);

    let (_, member) = app.member("Max Member").await;
    let resp = app
        .req_as(&member, Method::POST, &path(0))
        .json(&json!({"score": 1.0}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;

    let resp = app
        .post(&path(0), json!({"score": 1.0, "reason": "shipped early"}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let kr: Value = resp.json().await.unwrap();
    assert_eq!(kr["score"], 1.0);
    assert_eq!(kr["score_reason"], "shipped early");
    let view = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    assert!(
        view["score"].is_null(),
        "not every key result is scored yet"
    );

    app.post(&path(1), json!({"score": 0.6})).await;
    let view = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    let score = view["score"].as_f64().unwrap();
    assert!((score - 0.7).abs() < 1e-9, "(1×1.0 + 3×0.6) / 4: {score}");
    assert_eq!(view["score_band"], "green");
    assert_eq!(view["success"], false, "a committed OKR expects 1.0");
}

#[tokio::test]
async fn closing_a_cycle_locks_its_okrs_and_only_admins_reopen() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["A"]).await;
    let (_, champion) = app.person_with_roles("Cleo Champion", &["champion"]).await;
    let (_, member) = app.member("Max Member").await;

    let resp = app
        .req_as(
            &member,
            Method::POST,
            &format!("/api/v1/cycles/{cycle}/close"),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;
    let resp = app
        .req_as(
            &champion,
            Method::POST,
            &format!("/api/v1/cycles/{cycle}/close"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let c: Value = resp.json().await.unwrap();
    assert_eq!(c["state"], "closed");

    let resp = app
        .post(
            &format!("/api/v1/key-results/{}/check-ins", krs[0]),
            json!({"value": 1, "confidence": 5}),
        )
        .await;
    assert_problem(resp, StatusCode::CONFLICT, None).await;
    let resp = app
        .patch(
            &format!("/api/v1/objectives/{o}"),
            json!({"title": "Renamed"}),
        )
        .await;
    assert_problem(resp, StatusCode::CONFLICT, None).await;
    let resp = app
        .post(
            &format!("/api/v1/key-results/{}/score", krs[0]),
            json!({"score": 0.5}),
        )
        .await;
    assert_problem(resp, StatusCode::CONFLICT, None).await;
    let view = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    assert_eq!(view["status"], "closed");
    assert_eq!(view["key_results"][0]["status"], "closed");
    let resp = app
        .post(&format!("/api/v1/cycles/{cycle}/close"), json!({}))
        .await;
    assert_problem(resp, StatusCode::CONFLICT, Some("state")).await;

    let resp = app
        .req_as(
            &champion,
            Method::POST,
            &format!("/api/v1/cycles/{cycle}/reopen"),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;
    let resp = app
        .post(&format!("/api/v1/cycles/{cycle}/reopen"), json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let events = app
        .store
        .list_audit(
            &AuditFilter {
                object_id: Some(cycle.clone()),
                ..AuditFilter::new(keel_store::Reader::Everyone)
            },
            &Default::default(),
        )
        .await
        .unwrap();
    let reopened = &events.items[0];
    assert_eq!(reopened.action, "cycle.update");
    assert_eq!(reopened.actor_id.as_ref().unwrap().as_str(), app.admin_id);
    assert_eq!(reopened.after.as_ref().unwrap()["state"], "active");
    app.create(
        &format!("/api/v1/key-results/{}/check-ins", krs[0]),
        json!({"value": 1, "confidence": 5}),
    )
    .await;
}

#[tokio::test]
async fn a_retrospective_carries_the_objective_over_once() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &["A", "B"]).await;
    let path = format!("/api/v1/objectives/{o}/retrospective");
    let resp = app.get(&path).await;
    assert_problem(resp, StatusCode::NOT_FOUND, None).await;
    let body = json!({"worked": "weekly demos", "did_not": "hiring", "carry_over": true});
    let resp = app
        .req(Method::PUT, &path)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::CONFLICT, Some("carry_over")).await;
    let resp = app.get(&path).await;
    assert_problem(resp, StatusCode::NOT_FOUND, None).await;
    let resp = app
        .req(Method::PUT, &path)
        .json(&json!({"worked": "x".repeat(10_001)}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("worked")).await;

    let next = app
        .create(
            "/api/v1/cycles",
            json!({"name": "2027 Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}),
        )
        .await;
    let resp = app
        .req(Method::PUT, &path)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let retro: Value = resp.json().await.unwrap();
    let draft = retro["carried_over_to"].as_str().unwrap().to_string();
    let d = json_of(&app, &format!("/api/v1/objectives/{draft}")).await;
    assert_eq!(d["state"], "draft");
    assert_eq!(d["cycle_id"], next["id"]);
    assert_eq!(d["carried_over_from"], o.as_str());
    assert_eq!(d["key_results"].as_array().unwrap().len(), 2);

    let resp = app
        .req(Method::PUT, &path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let again: Value = resp.json().await.unwrap();
    assert_eq!(
        again["carried_over_to"],
        draft.as_str(),
        "carried over once"
    );
    let drafts = json_of(
        &app,
        &format!(
            "/api/v1/objectives?cycle_id={}",
            next["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(drafts["items"].as_array().unwrap().len(), 1);
    assert_eq!(json_of(&app, &path).await["worked"], "weekly demos");
}

#[tokio::test]
async fn calibration_compares_confidence_with_final_scores() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let team = app.team("Growth").await;
    let (_, krs) = active_objective(&app, &cycle, Some(&team), &["Bold", "Modest"]).await;
    for (kr, conf, score) in [(&krs[0], 9, 0.3), (&krs[1], 3, 0.3)] {
        app.create(
            &format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": 10, "confidence": conf}),
        )
        .await;
        app.post(
            &format!("/api/v1/key-results/{kr}/score"),
            json!({"score": score}),
        )
        .await;
    }
    let path = format!("/api/v1/cycles/{cycle}/calibration");
    let resp = app.get(&path).await;
    assert_problem(resp, StatusCode::CONFLICT, Some("cycle_id")).await;
    app.post(&format!("/api/v1/cycles/{cycle}/close"), json!({}))
        .await;
    let (_, member) = app.member("Max Member").await;
    let resp = app
        .req_as(&member, Method::GET, &path)
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;

    let report = json_of(&app, &path).await;
    let owner = &report["owners"][0];
    assert_eq!(owner["id"], app.admin_id.as_str());
    assert_eq!(owner["key_results"], 2);
    assert!((owner["mean_confidence"].as_f64().unwrap() - 0.6).abs() < 1e-9);
    assert!((owner["mean_score"].as_f64().unwrap() - 0.3).abs() < 1e-9);
    assert_eq!(owner["calibration"], "over_confident");
    assert_eq!(report["teams"][0]["name"], "Growth");
}
