//! One end-to-end story, run on SQLite and on PostgreSQL: an organisation sets up a cycle,
//! objectives owned by different people, check-ins over weeks, and reads it all back.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn story(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (vp, _) = app.member("Victor VP").await;
    let (manager, manager_token) = app.member("Marta Manager").await;
    let (elisa, elisa_token) = app.member("Elisa Associate").await;
    for (who, boss) in [(&manager, &vp), (&elisa, &manager)] {
        let r = app
            .patch(
                &format!("/api/v1/people/{who}"),
                json!({"manager_id": boss}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let teams: Vec<String> = {
        let mut v = vec![];
        for n in ["Web", "Mobile", "Data", "Support"] {
            v.push(app.team(n).await);
        }
        v
    };
    // "One owner": the associate owns the Objective; her supervisors own its key results.
    let o = app
        .req_as(&elisa_token, Method::POST, "/api/v1/objectives")
        .json(&json!({"title": "Make onboarding effortless", "cycle_id": cycle, "team_ids": teams, "sponsor_id": vp}))
        .send()
        .await
        .unwrap();
    assert_eq!(o.status(), StatusCode::CREATED);
    let o: Value = o.json().await.unwrap();
    let o_id = o["id"].as_str().unwrap().to_string();
    assert_eq!(o["ownership_state"], "accepted");
    let mut krs = vec![];
    for (title, owner, target) in [
        ("Activation to 55%", &manager, 55),
        ("Time to value under 2 days", &vp, 100),
    ] {
        let kr = app
            .req_as(&elisa_token, Method::POST, &format!("/api/v1/objectives/{o_id}/key-results"))
            .json(&json!({"title": title, "kind": "increase", "start": 0, "target": target, "owner_id": owner}))
            .send()
            .await
            .unwrap();
        assert_eq!(kr.status(), StatusCode::CREATED);
        krs.push(
            kr.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // The KR's owner accepts (until then she may only read, accept or decline: issue 13).
    let accepted = app
        .req_as(
            &manager_token,
            Method::POST,
            &format!("/api/v1/key-results/{}/ownership/accept", krs[0]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::OK);
    // Weeks of check-ins by the KR owner.
    for week in 1..=6 {
        let at = format!("2026-10-{:02}T09:00:00Z", week * 4);
        let r = app
            .req_as(
                &manager_token,
                Method::POST,
                &format!("/api/v1/key-results/{}/check-ins", krs[0]),
            )
            .json(&json!({"value": week * 5, "confidence": 4 + week % 4, "at": at}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let got: Value = app
        .get(&format!("/api/v1/objectives/{o_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["owner"]["name"], "Elisa Associate");
    assert_eq!(got["key_results"][0]["owner"]["name"], "Marta Manager");
    assert_eq!(got["key_results"][0]["current"], 30.0);
    let expected = (30.0 / 55.0) / 2.0;
    assert!((got["progress"].as_f64().unwrap() - expected).abs() < 1e-9);
    // The one objective appears once on each of the four teams' lists.
    for t in &teams {
        let list: Value = app
            .get(&format!("/api/v1/objectives?team_id={t}"))
            .await
            .json()
            .await
            .unwrap();
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["id"], o_id.as_str());
    }
    let history: Value = app
        .get(&format!("/api/v1/key-results/{}/check-ins?limit=4", krs[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["items"].as_array().unwrap().len(), 4);
    assert!(history["next_cursor"].is_string());
}

#[tokio::test]
async fn story_on_sqlite() {
    story(spawn_app().await).await;
}

#[tokio::test]
async fn story_on_postgres() {
    if !postgres_configured() {
        return;
    }
    story(spawn_app_on(Db::Postgres).await).await;
}
