//! Check-ins and initiatives.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn objective_with_kr(app: &TestApp, kr: Value) -> (String, String) {
    let cycle = app.cycle("2026 Q4").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "O", "cycle_id": cycle}),
        )
        .await;
    let o_id = o["id"].as_str().unwrap().to_string();
    let k = app
        .create(&format!("/api/v1/objectives/{o_id}/key-results"), kr)
        .await;
    (o_id, k["id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn check_ins_move_the_key_result_and_keep_history() {
    let app = spawn_app().await;
    let (_, kr) = objective_with_kr(
        &app,
        json!({"title": "NPS", "kind": "increase", "start": 20, "target": 40}),
    )
    .await;
    let path = format!("/api/v1/key-results/{kr}/check-ins");
    let first = app
        .create(&path, json!({"value": 25, "confidence": 6, "note": "slow start", "at": "2026-10-05T09:00:00Z"}))
        .await;
    assert_eq!(first["key_result"]["current"], 25.0);
    assert_eq!(first["check_in"]["at"], "2026-10-05T09:00:00Z");
    let second = app
        .create(&path, json!({"value": 30, "confidence": 8}))
        .await;
    assert_eq!(second["key_result"]["progress"], 0.5);
    assert_eq!(second["key_result"]["confidence"], 8);

    // A back-dated reading joins the history without overwriting the newer value.
    app.create(
        &path,
        json!({"value": 22, "confidence": 5, "at": "2026-10-12T09:00:00Z"}),
    )
    .await;
    let k: Value = app
        .get(&format!("/api/v1/key-results/{kr}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(k["current"], 30.0);
    assert_eq!(k["confidence"], 8);

    let history: Value = app.get(&path).await.json().await.unwrap();
    let values: Vec<f64> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, vec![30.0, 22.0, 25.0], "newest first");
}

#[tokio::test]
async fn bad_check_ins_name_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let (_, kr) = objective_with_kr(
        &app,
        json!({"title": "NPS", "kind": "increase", "start": 20, "target": 40}),
    )
    .await;
    let path = format!("/api/v1/key-results/{kr}/check-ins");
    for (body, field) in [
        (json!({"value": 25, "confidence": 11}), "confidence"),
        (json!({"value": 25, "confidence": -1}), "confidence"),
        (json!({"value": 25}), "confidence"),
        (json!({"confidence": 5}), "value"),
        (json!({"value": "lots", "confidence": 5}), "value"),
        (
            json!({"value": 25, "confidence": 5, "at": "2999-01-01T00:00:00Z"}),
            "at",
        ),
        (
            json!({"value": 25, "confidence": 5, "at": "yesterday"}),
            "at",
        ),
    ] {
        let r = app.post(&path, body).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
    }
    let history: Value = app.get(&path).await.json().await.unwrap();
    assert!(history["items"].as_array().unwrap().is_empty());
    let k: Value = app
        .get(&format!("/api/v1/key-results/{kr}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(k["current"], 20.0);
    assert_problem(
        app.post(
            "/api/v1/key-results/nope/check-ins",
            json!({"value": 1, "confidence": 1}),
        )
        .await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
}

#[tokio::test]
async fn concurrent_check_ins_all_land() {
    let app = spawn_app().await;
    let (_, kr) = objective_with_kr(
        &app,
        json!({"title": "Calls", "kind": "increase", "target": 100}),
    )
    .await;
    let path = format!("/api/v1/key-results/{kr}/check-ins");
    let mut tasks = vec![];
    for i in 0..20 {
        let req = app
            .req(Method::POST, &path)
            .json(&json!({"value": i, "confidence": 5}));
        tasks.push(tokio::spawn(
            async move { req.send().await.unwrap().status() },
        ));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::CREATED);
    }
    let history: Value = app
        .get(&format!("{path}?limit=500"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["items"].as_array().unwrap().len(), 20);
    let latest = history["items"][0]["value"].clone();
    let k: Value = app
        .get(&format!("/api/v1/key-results/{kr}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        k["current"], latest,
        "the key result ends on the latest check-in"
    );
}

#[tokio::test]
async fn who_may_check_in() {
    let app = spawn_app().await;
    let (owner, owner_token) = app.member("Kira Owner").await;
    let (helper, helper_token) = app.member("Hugo Helper").await;
    let (_, stranger_token) = app.member("Sam Stranger").await;
    let (_, kr) = objective_with_kr(
        &app,
        json!({"title": "Leads", "kind": "increase", "target": 10, "owner_id": owner, "contributor_ids": [helper]}),
    )
    .await;
    let path = format!("/api/v1/key-results/{kr}/check-ins");
    // The owner checks in once she has accepted (until then she may only read, accept or
    // decline: issue 13).
    let check_in = json!({"value": 1, "confidence": 5});
    let r = app
        .req_as(&owner_token, Method::POST, &path)
        .json(&check_in)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let accept = format!("/api/v1/key-results/{kr}/ownership/accept");
    let r = app
        .req_as(&owner_token, Method::POST, &accept)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    for (token, status) in [
        (&owner_token, 201),
        (&helper_token, 201),
        (&stranger_token, 403),
    ] {
        let r = app
            .req_as(token, Method::POST, &path)
            .json(&json!({"value": 1, "confidence": 5}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status);
    }
}

#[tokio::test]
async fn milestone_and_boolean_check_ins() {
    let app = spawn_app().await;
    let (o, kr) = objective_with_kr(
        &app,
        json!({"title": "Ship v2", "kind": "milestone", "milestones": [{"title": "Design"}, {"title": "Build"}, {"title": "Beta"}, {"title": "GA"}]}),
    )
    .await;
    let r = app
        .create(
            &format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": 3, "confidence": 7}),
        )
        .await;
    assert_eq!(r["key_result"]["progress"], 0.75);
    assert_eq!(r["key_result"]["milestones"][2]["done"], true);
    assert_eq!(r["key_result"]["milestones"][3]["done"], false);
    let bad = app
        .post(
            &format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": 2.5, "confidence": 7}),
        )
        .await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, Some("value")).await;

    let b = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "SOC2", "kind": "boolean"}),
        )
        .await;
    let path = format!(
        "/api/v1/key-results/{}/check-ins",
        b["id"].as_str().unwrap()
    );
    assert_problem(
        app.post(&path, json!({"value": 2, "confidence": 3})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("value"),
    )
    .await;
    let r = app
        .create(&path, json!({"value": 1, "confidence": 10}))
        .await;
    assert_eq!(r["key_result"]["progress"], 1.0);
}

#[tokio::test]
async fn initiatives_are_proposed_dropped_with_a_reason_and_done() {
    let app = spawn_app().await;
    let (_, kr) = objective_with_kr(
        &app,
        json!({"title": "Activation", "kind": "increase", "start": 32, "target": 55}),
    )
    .await;
    let path = format!("/api/v1/key-results/{kr}/initiatives");
    let i = app
        .create(
            &path,
            json!({"title": "Onboarding email sequence", "link": "https://tracker.example/ONB-12"}),
        )
        .await;
    assert_eq!(i["state"], "proposed");
    assert_eq!(i["owner_id"], app.admin_id.as_str());
    let i_path = format!("/api/v1/initiatives/{}", i["id"].as_str().unwrap());

    let r = app.patch(&i_path, json!({"state": "dropped"})).await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("reason")).await;
    let r = app
        .patch(&i_path, json!({"link": "javascript:alert(1)"}))
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("link")).await;
    let dropped: Value = app
        .patch(
            &i_path,
            json!({"state": "dropped", "reason": "No effect on day-7 activation after 3 weeks"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dropped["state"], "dropped");
    assert_eq!(dropped["version"], 2);

    let other = app
        .create(
            &path,
            json!({"title": "In-app checklist", "state": "active"}),
        )
        .await;
    let done: Value = app
        .patch(
            &format!("/api/v1/initiatives/{}", other["id"].as_str().unwrap()),
            json!({"state": "done"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["state"], "done");
    let list: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let r = app
        .post(&path, json!({"title": "Bad", "state": "dropped"}))
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("reason")).await;
}

/// A check-in's answer carries the key result as a read right after it does (status, reason,
/// forecast and the rest): with back-dated readings, two at the same moment and an owner's
/// first confidence, on both backends (PostgreSQL reads the history with the key result's
/// context and adds the new check-in to it; SQLite reads it after the write).
async fn a_check_ins_answer_reads_as_the_key_result_does(app: TestApp) {
    // A circle with every kind of name the answer shows (PostgreSQL reads them with the key
    // result's context): a sponsor, contributors (one who has left), teams; names JSON must
    // carry as they are.
    let (sponsor, _) = app.member("Zoë \"Z\" O'Neil \\ ✓").await;
    let (helper, _) = app.member("Ada, the helper").await;
    let (gone, _) = app.member("Gone Person").await;
    let team = app.team("Growth \"north\" & <co>").await;
    let (_, kr) = objective_with_kr(
        &app,
        json!({"title": "NPS", "kind": "increase", "start": 20, "target": 40,
               "sponsor_id": sponsor, "contributor_ids": [helper, gone], "team_ids": [team]}),
    )
    .await;
    let left = app
        .patch(&format!("/api/v1/people/{gone}"), json!({"active": false}))
        .await;
    assert!(left.status().is_success(), "{}", left.status());
    let path = format!("/api/v1/key-results/{kr}/check-ins");
    for reading in [
        json!({"value": 25, "confidence": 6, "at": "2026-10-05T09:00:00Z"}),
        json!({"value": 24, "confidence": 4, "at": "2026-10-05T09:00:00Z"}),
        json!({"value": 31.5, "confidence": 8}),
        json!({"value": 22, "confidence": 5, "at": "2026-10-12T09:00:00Z"}),
        json!({"value": 38, "confidence": 9}),
    ] {
        let answer = app.create(&path, reading.clone()).await;
        let read: Value = app
            .get(&format!("/api/v1/key-results/{kr}"))
            .await
            .json()
            .await
            .unwrap();
        let answered = answer["key_result"].as_object().unwrap();
        let mut compared = 0;
        // What the answer leaves to a read of the key result: its dependencies and parents.
        let read_only = ["blocked_by", "parent_ids", "parents"];
        for (key, value) in answered
            .iter()
            .filter(|(k, _)| !read_only.contains(&k.as_str()))
        {
            if let Some(r) = read.get(key) {
                assert_eq!(value, r, "{key} after {reading}");
                compared += 1;
            }
        }
        assert!(compared > 10, "{answered:?}");
        assert_eq!(answered["sponsor"]["name"], "Zoë \"Z\" O'Neil \\ ✓");
        assert_eq!(answered["contributors"][1]["active"], false);
        assert_eq!(answered["teams"][0]["name"], "Growth \"north\" & <co>");
        for key in [
            "status",
            "progress",
            "current",
            "confidence",
            "sponsor",
            "teams",
        ] {
            assert!(answered.contains_key(key), "{key}");
        }
    }
}

#[tokio::test]
async fn a_check_ins_answer_reads_as_the_key_result_does_on_sqlite() {
    a_check_ins_answer_reads_as_the_key_result_does(spawn_app().await).await;
}

#[tokio::test]
async fn a_check_ins_answer_reads_as_the_key_result_does_on_postgres() {
    if postgres_configured() {
        a_check_ins_answer_reads_as_the_key_result_does(spawn_app_on(Db::Postgres).await).await;
    }
}
