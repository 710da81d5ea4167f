//! People, teams, cycles and settings.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn people_are_created_read_and_unique_by_email_case_insensitively() {
    let app = spawn_app().await;
    let p = app
        .create(
            "/api/v1/people",
            json!({"name": "Elisa Martin", "email": "Elisa.Martin@Northwind.example", "title": "Associate", "manager_id": app.admin_id}),
        )
        .await;
    assert_eq!(p["name"], "Elisa Martin");
    assert_eq!(p["manager_id"], app.admin_id.as_str());
    assert_eq!(p["roles"], json!(["member"]));
    assert_eq!(p["active"], true);
    let id = p["id"].as_str().unwrap();

    let got = app.get(&format!("/api/v1/people/{id}")).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert!(got.headers().get("etag").is_some());
    let got: Value = got.json().await.unwrap();
    assert_eq!(got["email"], "Elisa.Martin@Northwind.example");

    let dup = app
        .post(
            "/api/v1/people",
            json!({"name": "Other", "email": "elisa.martin@northwind.EXAMPLE"}),
        )
        .await;
    assert_problem(dup, StatusCode::CONFLICT, Some("email")).await;
}

#[tokio::test]
async fn bad_people_input_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"email": "a@b.io"}), "name"),
        (json!({"name": " ", "email": "a@b.io"}), "name"),
        (json!({"name": "A", "email": "not-an-email"}), "email"),
        (
            json!({"name": "A", "email": "a@b.io", "manager_id": "nobody"}),
            "manager_id",
        ),
        (
            json!({"name": "A", "email": "a@b.io", "roles": ["emperor"]}),
            "roles[0]",
        ),
        (
            json!({"name": "A", "email": "a@b.io", "shoe_size": 42}),
            "shoe_size",
        ),
    ] {
        let resp = app.post("/api/v1/people", body.clone()).await;
        assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
    }
    let list: Value = app.get("/api/v1/people").await.json().await.unwrap();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "only the admin exists: {list}"
    );
}

#[tokio::test]
async fn people_list_pages_without_gaps_or_repeats() {
    let app = spawn_app().await;
    for i in 0..7 {
        app.create(
            "/api/v1/people",
            json!({"name": format!("P{i}"), "email": format!("p{i}@x.io")}),
        )
        .await;
    }
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/people?limit=3&cursor={c}"),
            None => "/api/v1/people?limit=3".to_string(),
        };
        let page: Value = app.get(&path).await.json().await.unwrap();
        pages += 1;
        for p in page["items"].as_array().unwrap() {
            seen.push(p["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), 8);
    assert_eq!(unique.len(), 8);

    let q: Value = app.get("/api/v1/people?q=p3").await.json().await.unwrap();
    assert_eq!(q["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn patch_honours_if_match_and_reporting_loops_are_refused() {
    let app = spawn_app().await;
    let (boss, _) = app.member("Boss").await;
    let (report, _) = app.member("Report").await;
    let path = format!("/api/v1/people/{report}");
    let etag = app.get(&path).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();

    let ok = app
        .req(Method::PATCH, &path)
        .header("If-Match", &etag)
        .json(&json!({"manager_id": boss, "title": "Engineer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let new_etag = ok.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(new_etag, etag);

    let stale = app
        .req(Method::PATCH, &path)
        .header("If-Match", &etag)
        .json(&json!({"title": "Lost update"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, None).await;
    let now: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(now["title"], "Engineer");

    // The boss cannot report to their own report.
    let r = app
        .patch(
            &format!("/api/v1/people/{boss}"),
            json!({"manager_id": report}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("manager_id")).await;
    // manager_id: null clears.
    let cleared: Value = app
        .patch(&path, json!({"manager_id": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["manager_id"], Value::Null);
}

#[tokio::test]
async fn only_administrators_manage_people() {
    let app = spawn_app().await;
    let (member, token) = app.member("Mia Member").await;
    let r = app
        .req_as(&token, Method::POST, "/api/v1/people")
        .json(&json!({"name": "X", "email": "x@x.io"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
    let r = app
        .req_as(&token, Method::PATCH, &format!("/api/v1/people/{member}"))
        .json(&json!({"roles": ["admin"]}))
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
}

#[tokio::test]
async fn teams_form_a_tree_with_leads_and_members() {
    let app = spawn_app().await;
    let (lead, lead_token) = app.member("Lena Lead").await;
    let (m1, _) = app.member("Max One").await;
    let company = app.team("Northwind").await;
    let eng = app
        .create("/api/v1/teams", json!({"name": "Engineering", "parent_id": company, "lead_id": lead, "member_ids": [m1]}))
        .await;
    let eng_id = eng["id"].as_str().unwrap();
    assert_eq!(eng["member_ids"], json!([m1]));
    assert_eq!(eng["parent_id"], company.as_str());

    // The lead may change their own team.
    let r = app
        .req_as(
            &lead_token,
            Method::PATCH,
            &format!("/api/v1/teams/{eng_id}"),
        )
        .json(&json!({"member_ids": [m1, lead]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["member_ids"].as_array().unwrap().len(), 2);

    // A team cannot sit under its own sub-team.
    let r = app
        .patch(
            &format!("/api/v1/teams/{company}"),
            json!({"parent_id": eng_id}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("parent_id")).await;
    let r = app
        .post(
            "/api/v1/teams",
            json!({"name": "X", "member_ids": ["ghost"]}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("member_ids")).await;

    let children: Value = app
        .get(&format!("/api/v1/teams?parent_id={company}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(children["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn cycles_validate_dates_names_and_nesting() {
    let app = spawn_app().await;
    let year = app
        .create(
            "/api/v1/cycles",
            json!({"name": "2026", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
        )
        .await;
    assert_eq!(year["state"], "planning");
    let q4 = app
        .create(
            "/api/v1/cycles",
            json!({"name": "2026 Q4", "starts_on": "2026-10-01", "ends_on": "2026-12-31", "parent_id": year["id"]}),
        )
        .await;
    assert_eq!(q4["parent_id"], year["id"]);
    for (body, status, field) in [
        (
            json!({"name": "Bad", "starts_on": "2026-10-01", "ends_on": "2026-09-30"}),
            422,
            "ends_on",
        ),
        (
            json!({"name": "Bad", "starts_on": "2026-13-01", "ends_on": "2026-12-31"}),
            422,
            "starts_on",
        ),
        (
            json!({"name": "2026 Q4", "starts_on": "2026-10-01", "ends_on": "2026-12-31"}),
            409,
            "name",
        ),
        (
            json!({"name": "Out", "starts_on": "2025-10-01", "ends_on": "2025-12-31", "parent_id": year["id"]}),
            422,
            "parent_id",
        ),
    ] {
        let r = app.post("/api/v1/cycles", body).await;
        assert_problem(r, StatusCode::from_u16(status).unwrap(), Some(field)).await;
    }
    let active: Value = app
        .get("/api/v1/cycles?state=planning")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(active["items"].as_array().unwrap().len(), 2);
    let r = app.get("/api/v1/cycles?state=sleeping").await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("state")).await;
}

#[tokio::test]
async fn settings_have_defaults_and_validate() {
    let app = spawn_app().await;
    let s: Value = app.get("/api/v1/settings").await.json().await.unwrap();
    assert_eq!(s["ownership_policy"], "single");
    assert_eq!(s["confidence_scale"], "zero_to_ten");
    assert_eq!(s["check_in_weekday"], "monday");
    let r = app
        .patch("/api/v1/settings", json!({"time_zone": "Mars/Olympus"}))
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("time_zone")).await;
    let r = app
        .patch("/api/v1/settings", json!({"ownership_policy": "anarchy"}))
        .await;
    assert_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("ownership_policy"),
    )
    .await;
    let s: Value = app
        .patch(
            "/api/v1/settings",
            json!({"name": "Northwind", "time_zone": "Europe/Paris", "check_in_weekday": "friday"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["time_zone"], "Europe/Paris");
    let again: Value = app.get("/api/v1/settings").await.json().await.unwrap();
    assert_eq!(again["check_in_weekday"], "friday");
    assert_eq!(again["health"]["max_key_results"], 5);
    let thresholds =
        json!({"pending_ownership_days": 3, "owner_overload": 4, "max_key_results": 4});
    let s: Value = app
        .patch("/api/v1/settings", json!({"health": thresholds}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["health"]["owner_overload"], 4);
    let r = app
        .patch("/api/v1/settings", json!({"health": {"pending_ownership_days": 0, "owner_overload": 4, "max_key_results": 4}}))
        .await;
    assert_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("health.pending_ownership_days"),
    )
    .await;
    let r = app
        .patch("/api/v1/settings", json!({"health": {"owner_overlord": 4}}))
        .await;
    assert_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("health.owner_overlord"),
    )
    .await;
    assert_eq!(again["name"], "Northwind");
}
