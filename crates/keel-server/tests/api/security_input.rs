//! Issue 13, item 4: a NUL or another control character answers the same on SQLite and
//! PostgreSQL, never 500: 422 naming the field or query parameter, 404 for a path id (no id can
//! hold one). Before sign-in too.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn control_characters_are_refused_naming_the_field() {
    control_characters(spawn_app().await).await;
}

#[tokio::test]
async fn control_characters_are_refused_naming_the_field_on_postgres() {
    if postgres_configured() {
        control_characters(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn control_characters(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) =
        crate::rhythm::active_objective(&app, &cycle, None, &["Weekly active teams"]).await;
    let kr = &krs[0];

    // JSON bodies: domain text, ids and nested fields alike.
    let bodies = [
        (
            Method::POST,
            format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": 3, "confidence": 6, "note": "a\u{0}b"}),
            "note",
        ),
        (
            Method::PATCH,
            format!("/api/v1/objectives/{o}"),
            json!({"description": "a\u{0}b"}),
            "description",
        ),
        (
            Method::POST,
            "/api/v1/objectives".to_string(),
            json!({"title": "Grow", "cycle_id": cycle, "owner_id": "a\u{0}b"}),
            "owner_id",
        ),
        (
            Method::POST,
            "/api/v1/objectives".to_string(),
            json!({"title": "Grow", "cycle_id": format!("{cycle}\u{0}")}),
            "cycle_id",
        ),
        (
            Method::POST,
            "/api/v1/people".to_string(),
            json!({"name": "Nul", "email": "a\u{0}b@keel.test"}),
            "email",
        ),
        (
            Method::POST,
            "/api/v1/objectives".to_string(),
            json!({"title": "Grow", "cycle_id": cycle, "team_ids": ["t\u{1b}"]}),
            "team_ids[0]",
        ),
    ];
    for (m, path, body, field) in bodies {
        let resp = app.req(m.clone(), &path).json(&body).send().await.unwrap();
        assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
    }
    // Query parameters.
    for (path, field) in [
        ("/api/v1/people?q=a%00b", "q"),
        ("/api/v1/objectives?owner_id=a%00b", "owner_id"),
        ("/api/v1/audit?actor_id=%01", "actor_id"),
        (
            &*format!("/api/v1/people/{}/recognitions?given=tr%00ue", app.admin_id),
            "given",
        ),
    ] {
        assert_problem(
            app.get(path).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
    // Path ids.
    for path in [
        "/api/v1/objectives/a%00b".to_string(),
        format!("/api/v1/key-results/{kr}%00"),
        "/api/v1/people/%7F".to_string(),
    ] {
        assert_problem(app.get(&path).await, StatusCode::NOT_FOUND, None).await;
    }
    let resp = app
        .req(
            Method::POST,
            &format!("/api/v1/key-results/{kr}%00/check-ins"),
        )
        .json(&json!({"value": 3, "confidence": 6}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::NOT_FOUND, None).await;
    // Nothing was written by any of them.
    let check_ins = json_of(&app, &format!("/api/v1/key-results/{kr}/check-ins")).await;
    assert_eq!(
        check_ins["items"].as_array().unwrap().len(),
        0,
        "{check_ins}"
    );

    // The pages: the sign-in form before anyone signs in, a search, an address.
    let anonymous = Browser::new(&app);
    let token = anonymous.csrf("/sign-in").await;
    let resp = anonymous
        .post_form(
            "/sign-in",
            &[
                ("csrf_token", token.as_str()),
                ("email", "a\u{0}b"),
                ("password", "secret"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("email"), "names the field: {html}");
    let ada = Browser::admin(&app).await;
    let html = ada
        .html_with("/admin/people?q=a%00b", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(
        html.contains("q: must not contain control characters"),
        "{html}"
    );
    ada.html_with(&format!("/objectives/{o}%00"), StatusCode::NOT_FOUND)
        .await;
    let resp = ada
        .submit(
            &format!("/objectives/{o}/edit"),
            &[("title", "Grow\u{0}"), ("description", "")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Line breaks and tabs stay welcome in long text.
    let resp = app
        .req(Method::POST, &format!("/api/v1/key-results/{kr}/check-ins"))
        .json(&json!({"value": 3, "confidence": 6, "note": "two\r\nlines\tand a tab"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
}
