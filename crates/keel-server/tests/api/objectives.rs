//! Objectives and key results.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn an_objective_embeds_what_a_client_needs_to_render() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Delight new customers", "cycle_id": cycle, "kind": "aspirational"}),
        )
        .await;
    let id = o["id"].as_str().unwrap();
    assert_eq!(
        o["owner_id"],
        app.admin_id.as_str(),
        "the caller owns by default"
    );
    assert_eq!(o["owner"]["name"], "Ada Admin");
    assert_eq!(
        o["ownership_state"], "accepted",
        "naming yourself is accepted at once"
    );
    assert_eq!(o["state"], "draft");
    assert_eq!(o["visibility"], "public");
    assert_eq!(o["progress"], 0.0);

    let k1 = app
        .create(
            &format!("/api/v1/objectives/{id}/key-results"),
            json!({"title": "Day-7 activation", "kind": "increase", "start": 32, "target": 55, "unit": "%"}),
        )
        .await;
    app.create(
        &format!("/api/v1/objectives/{id}/key-results"),
        json!({"title": "Churn", "kind": "decrease", "start": 10, "target": 5, "current": 7.5, "weight": 3}),
    )
    .await;
    let k1_id = k1["id"].as_str().unwrap();
    app.create(
        &format!("/api/v1/key-results/{k1_id}/check-ins"),
        json!({"value": 43.5, "confidence": 7, "note": "onboarding emails helping"}),
    )
    .await;

    let got: Value = app
        .get(&format!("/api/v1/objectives/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let krs = got["key_results"].as_array().unwrap();
    assert_eq!(krs.len(), 2);
    let act = &krs[0];
    assert_eq!(act["current"], 43.5);
    assert_eq!(act["progress"], 0.5);
    assert_eq!(act["attainment"], 0.5);
    assert_eq!(act["confidence"], 7);
    assert_eq!(act["owner"]["name"], "Ada Admin");
    assert_eq!(act["ownership_state"], "accepted");
    assert_eq!(krs[1]["progress"], 0.5);
    assert_eq!(krs[1]["confidence"], Value::Null);
    // (0.5 * 1 + 0.5 * 3) / 4
    assert_eq!(got["progress"], 0.5);
}

#[tokio::test]
async fn naming_someone_else_as_owner_leaves_it_pending_and_four_krs_have_five_owners() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let mut owners = vec![];
    for n in ["Olivia", "Kai", "Kim", "Ken", "Kat"] {
        owners.push(app.member(n).await.0);
    }
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Win the mid-market", "cycle_id": cycle, "owner_id": owners[0]}),
        )
        .await;
    assert_eq!(o["ownership_state"], "pending");
    let id = o["id"].as_str().unwrap();
    for (i, owner) in owners[1..].iter().enumerate() {
        let kr = app
            .create(
                &format!("/api/v1/objectives/{id}/key-results"),
                json!({"title": format!("KR {i}"), "kind": "increase", "target": 10, "owner_id": owner}),
            )
            .await;
        assert_eq!(kr["ownership_state"], "pending");
    }
    let got: Value = app
        .get(&format!("/api/v1/objectives/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let mut distinct: Vec<&str> = got["key_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["owner_id"].as_str().unwrap())
        .collect();
    distinct.push(got["owner_id"].as_str().unwrap());
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 5);
}

#[tokio::test]
async fn an_owner_is_one_active_person_never_a_team_or_nobody() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let team = app.team("Growth").await;
    let r = app
        .post(
            "/api/v1/objectives",
            json!({"title": "Grow", "cycle_id": cycle, "owner_id": team}),
        )
        .await;
    let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("owner_id")).await;
    assert!(body["detail"].as_str().unwrap().contains("team"), "{body}");

    let r = app
        .post(
            "/api/v1/objectives",
            json!({"title": "Grow", "cycle_id": cycle, "owner_id": "no-such-person"}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("owner_id")).await;

    let (gone, _) = app.member("Gone Person").await;
    app.patch(&format!("/api/v1/people/{gone}"), json!({"active": false}))
        .await;
    let r = app
        .post(
            "/api/v1/objectives",
            json!({"title": "Grow", "cycle_id": cycle, "owner_id": gone}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("owner_id")).await;

    let r = app
        .post(
            "/api/v1/objectives",
            json!({"title": "Grow", "cycle_id": "nope"}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("cycle_id")).await;
    let list: Value = app.get("/api/v1/objectives").await.json().await.unwrap();
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing half-written"
    );
}

#[tokio::test]
async fn key_result_input_is_checked_field_by_field() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "O", "cycle_id": cycle}),
        )
        .await;
    let path = format!(
        "/api/v1/objectives/{}/key-results",
        o["id"].as_str().unwrap()
    );
    for (body, field) in [
        (
            json!({"title": "T", "kind": "increase", "start": 5, "target": 5}),
            "target",
        ),
        (
            json!({"title": "T", "kind": "increase", "start": 5, "target": 1}),
            "target",
        ),
        (json!({"title": "T", "kind": "increase"}), "target"),
        (
            json!({"title": "T", "kind": "sideways", "target": 1}),
            "kind",
        ),
        (
            json!({"title": "", "kind": "increase", "target": 1}),
            "title",
        ),
        (
            json!({"title": "T", "kind": "increase", "target": 1, "weight": 0}),
            "weight",
        ),
        (
            json!({"title": "T", "kind": "increase", "target": "ten"}),
            "target",
        ),
        (json!({"title": "T", "kind": "milestone"}), "milestones"),
        (
            json!({"title": "T", "kind": "milestone", "milestones": [{"title": "ok"}, {"title": " "}]}),
            "milestones[1].title",
        ),
        (
            json!({"title": "T", "kind": "boolean", "current": 2}),
            "current",
        ),
    ] {
        let r = app.post(&path, body.clone()).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
    }
    let kr = app
        .create(&path, json!({"title": "Ship", "kind": "milestone", "milestones": [{"title": "Beta"}, {"title": "GA", "done": false}]}))
        .await;
    assert_eq!(kr["target"], 2.0);
    let kr = app
        .create(
            &path,
            json!({"title": "SLA", "kind": "stay_above", "target": 99.9, "current": 99.95}),
        )
        .await;
    assert_eq!(kr["progress"], 1.0);
    let kr = app
        .create(&path, json!({"title": "Launch", "kind": "boolean"}))
        .await;
    assert_eq!(kr["progress"], 0.0);
}

#[tokio::test]
async fn filters_alignment_and_loops() {
    let app = spawn_app().await;
    let q4 = app.cycle("2026 Q4").await;
    let other = app
        .create(
            "/api/v1/cycles",
            json!({"name": "2027 Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let growth = app.team("Growth").await;
    let (pm, _) = app.member("Priya PM").await;
    let company = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Company", "cycle_id": q4}),
        )
        .await;
    let company_id = company["id"].as_str().unwrap();
    let kr = app
        .create(
            &format!("/api/v1/objectives/{company_id}/key-results"),
            json!({"title": "Revenue", "kind": "increase", "target": 100}),
        )
        .await;
    let team_o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Team", "cycle_id": q4, "team_ids": [growth], "owner_id": pm, "parent_ids": [kr["id"]]}),
        )
        .await;
    assert_eq!(
        team_o["parents"],
        json!([{"kind": "key_result", "id": kr["id"]}])
    );
    assert_eq!(team_o["parent_ids"], json!([kr["id"]]));
    app.create(
        "/api/v1/objectives",
        json!({"title": "Next", "cycle_id": other}),
    )
    .await;

    let count = |v: Value| v["items"].as_array().unwrap().len();
    assert_eq!(
        count(
            app.get(&format!("/api/v1/objectives?cycle_id={q4}"))
                .await
                .json()
                .await
                .unwrap()
        ),
        2
    );
    assert_eq!(
        count(
            app.get(&format!("/api/v1/objectives?team_id={growth}"))
                .await
                .json()
                .await
                .unwrap()
        ),
        1
    );
    assert_eq!(
        count(
            app.get(&format!("/api/v1/objectives?owner_id={pm}"))
                .await
                .json()
                .await
                .unwrap()
        ),
        1
    );
    assert_eq!(
        count(app.get("/api/v1/objectives").await.json().await.unwrap()),
        3
    );

    // The company objective cannot contribute to the team objective that contributes to it.
    let r = app
        .patch(
            &format!("/api/v1/objectives/{company_id}"),
            json!({"parent_ids": [team_o["id"]]}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("parent_ids")).await;
    let r = app
        .patch(
            &format!("/api/v1/objectives/{company_id}"),
            json!({"parent_ids": ["nothing"]}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("parent_ids")).await;
}

#[tokio::test]
async fn patch_delete_and_permissions() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (owner, owner_token) = app.member("Omar Owner").await;
    let (_, other_token) = app.member("Nina Nobody").await;
    let o = app
        .req_as(&owner_token, Method::POST, "/api/v1/objectives")
        .json(&json!({"title": "Mine", "cycle_id": cycle}))
        .send()
        .await
        .unwrap();
    assert_eq!(o.status(), StatusCode::CREATED);
    let o: Value = o.json().await.unwrap();
    assert_eq!(o["owner_id"], owner.as_str());
    let path = format!("/api/v1/objectives/{}", o["id"].as_str().unwrap());

    let r = app
        .req_as(&other_token, Method::PATCH, &path)
        .json(&json!({"title": "Hijacked"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::FORBIDDEN, None).await;

    let r = app
        .req_as(&owner_token, Method::PATCH, &path)
        .header("If-Match", "\"999\"")
        .json(&json!({"title": "Stale"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::PRECONDITION_FAILED, None).await;

    let r = app
        .req_as(&owner_token, Method::PATCH, &path)
        .header("If-Match", "\"1\"")
        .json(&json!({"title": "Mine, renamed", "state": "active", "visibility": "team"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["etag"], "\"2\"");

    // Now team-visible and shared with no team of Nina's: it does not exist for her (404, not
    // 403, so a write reveals nothing either).
    let r = app
        .req_as(&other_token, Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::NOT_FOUND, None).await;
    let r = app
        .req_as(&owner_token, Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path).await, StatusCode::NOT_FOUND, None).await;
    let list: Value = app.get("/api/v1/objectives").await.json().await.unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_closed_cycle_locks_its_okrs() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q3").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "O", "cycle_id": cycle}),
        )
        .await;
    let kr = app
        .create(
            &format!(
                "/api/v1/objectives/{}/key-results",
                o["id"].as_str().unwrap()
            ),
            json!({"title": "K", "kind": "increase", "target": 10}),
        )
        .await;
    app.patch(
        &format!("/api/v1/cycles/{cycle}"),
        json!({"state": "closed"}),
    )
    .await;
    let r = app
        .post(
            &format!(
                "/api/v1/key-results/{}/check-ins",
                kr["id"].as_str().unwrap()
            ),
            json!({"value": 5, "confidence": 5}),
        )
        .await;
    assert_problem(r, StatusCode::CONFLICT, None).await;
    let r = app
        .patch(
            &format!("/api/v1/objectives/{}", o["id"].as_str().unwrap()),
            json!({"title": "Edited"}),
        )
        .await;
    assert_problem(r, StatusCode::CONFLICT, None).await;
    let r = app
        .post(
            "/api/v1/objectives",
            json!({"title": "New", "cycle_id": cycle}),
        )
        .await;
    assert_problem(r, StatusCode::CONFLICT, Some("cycle_id")).await;
}

#[tokio::test]
async fn a_closed_objective_reopens_only_while_its_cycle_is_open() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "O", "cycle_id": cycle}),
        )
        .await;
    let path = format!("/api/v1/objectives/{}", o["id"].as_str().unwrap());
    app.patch(&path, json!({"state": "closed"})).await;
    let r = app
        .patch(&path, json!({"title": "Edited while closed"}))
        .await;
    assert_problem(r, StatusCode::CONFLICT, None).await;
    let reopened: Value = app
        .patch(&path, json!({"state": "draft", "title": "Reopened"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reopened["state"], "draft");
    app.patch(&path, json!({"state": "closed"})).await;
    app.patch(
        &format!("/api/v1/cycles/{cycle}"),
        json!({"state": "closed"}),
    )
    .await;
    // Re-opening cannot be used to slip an edit into a closed cycle.
    let r = app
        .patch(&path, json!({"state": "draft", "title": "Sneaked in"}))
        .await;
    assert_problem(r, StatusCode::CONFLICT, None).await;
    let now: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(now["title"], "Reopened");
    assert_eq!(now["state"], "closed");
}
