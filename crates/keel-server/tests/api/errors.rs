//! Authentication, error shapes and the edges of every request.

use crate::helpers::*;
use keel_store::People;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn health_and_openapi_need_no_token_everything_else_does() {
    let app = spawn_app().await;
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let doc = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(doc.status(), StatusCode::OK);
    for path in [
        "/api/v1/people",
        "/api/v1/objectives",
        "/api/v1/cycles",
        "/api/v1/teams",
        "/api/v1/settings",
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert!(r.headers().get("www-authenticate").is_some());
        assert_problem(r, StatusCode::UNAUTHORIZED, None).await;
        let r = app
            .client
            .get(app.url(path))
            .bearer_auth("keel_0000000000000000000000000000000000000000000000000000000000000000")
            .send()
            .await
            .unwrap();
        assert_problem(r, StatusCode::UNAUTHORIZED, None).await;
        let r = app
            .client
            .get(app.url(path))
            .header("Authorization", "Basic YTpi")
            .send()
            .await
            .unwrap();
        assert_problem(r, StatusCode::UNAUTHORIZED, None).await;
    }
}

#[tokio::test]
async fn deactivated_people_and_expired_or_revoked_tokens_are_refused() {
    let app = spawn_app().await;
    let (id, token) = app.member("Temp Worker").await;
    assert_eq!(
        app.req_as(&token, Method::GET, "/api/v1/people")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    app.patch(&format!("/api/v1/people/{id}"), json!({"active": false}))
        .await;
    let r = app
        .req_as(&token, Method::GET, "/api/v1/people")
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::UNAUTHORIZED, None).await;
}

#[tokio::test]
async fn a_read_token_cannot_write() {
    let app = spawn_app().await;
    let admin = app
        .store
        .person(&keel_domain::PersonId::from_string(app.admin_id.clone()))
        .await
        .unwrap()
        .unwrap();
    let (_, read) = keel_server::services::tokens::issue(
        app.store.as_ref(),
        &keel_store::WriteCtx::default(),
        &admin,
        "reader",
        keel_domain::TokenScope::Read,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        app.req_as(&read, Method::GET, "/api/v1/people")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let r = app
        .req_as(&read, Method::POST, "/api/v1/people")
        .json(&json!({"name": "X", "email": "x@x.io"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
}

#[tokio::test]
async fn malformed_requests_get_problem_documents() {
    let app = spawn_app().await;
    let r = app
        .req(Method::POST, "/api/v1/people")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::BAD_REQUEST, None).await;
    let r = app
        .req(Method::POST, "/api/v1/people")
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::BAD_REQUEST, None).await;
    assert_problem(
        app.get("/api/v1/objectives/does-not-exist").await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    assert_problem(
        app.get("/api/v1/no-such-route").await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    assert_problem(
        app.get("/api/v1/people?limit=0").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("limit"),
    )
    .await;
    assert_problem(
        app.get("/api/v1/people?limit=lots").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("limit"),
    )
    .await;
    assert_problem(
        app.get("/api/v1/people?cursor=%%%garbage").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("cursor"),
    )
    .await;
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_problems_repeat_it() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/objectives/missing").await;
    let header = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["request_id"], header.as_str());
    let r = app
        .req(Method::GET, "/api/v1/people")
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-abc-123");
}

#[tokio::test]
async fn tokens_are_shown_once_listed_without_secrets_and_revoked() {
    let app = spawn_app().await;
    let created: Value = app
        .create(
            "/api/v1/tokens",
            json!({"name": "laptop", "scope": "read", "expires_on": "2099-12-31"}),
        )
        .await;
    let secret = created["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("keel_"));
    assert_eq!(created["scope"], "read");
    let id = created["id"].as_str().unwrap().to_string();
    let r = app
        .req_as(&secret, Method::GET, "/api/v1/people")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let list: Value = app.get("/api/v1/tokens").await.json().await.unwrap();
    let text = list.to_string();
    assert!(!text.contains(&secret), "secrets never listed");
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(
        listed["last_used_at"].is_string(),
        "last use shown: {listed}"
    );
    assert!(listed.get("token").is_none());

    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "x", "scope": "admin"}), "scope"),
        (
            json!({"name": "x", "expires_on": "2000-01-01"}),
            "expires_on",
        ),
    ] {
        assert_problem(
            app.post("/api/v1/tokens", body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
    let (_, other) = app.member("Other").await;
    let r = app
        .req_as(&other, Method::DELETE, &format!("/api/v1/tokens/{id}"))
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::NOT_FOUND, None).await;
    let r = app
        .req(Method::DELETE, &format!("/api/v1/tokens/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .req_as(&secret, Method::GET, "/api/v1/people")
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::UNAUTHORIZED, None).await;
}
