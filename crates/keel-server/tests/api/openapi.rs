//! The OpenAPI document and its reference page describe every route.

use crate::helpers::*;
use serde_json::Value;

const REQUIRED: &[(&str, &str)] = &[
    ("post", "/people"),
    ("get", "/people"),
    ("get", "/people/{id}"),
    ("patch", "/people/{id}"),
    ("post", "/teams"),
    ("get", "/teams"),
    ("get", "/teams/{id}"),
    ("patch", "/teams/{id}"),
    ("post", "/cycles"),
    ("get", "/cycles"),
    ("get", "/cycles/{id}"),
    ("patch", "/cycles/{id}"),
    ("post", "/objectives"),
    ("get", "/objectives"),
    ("get", "/objectives/{id}"),
    ("patch", "/objectives/{id}"),
    ("delete", "/objectives/{id}"),
    ("post", "/objectives/{id}/key-results"),
    ("get", "/key-results/{id}"),
    ("patch", "/key-results/{id}"),
    ("delete", "/key-results/{id}"),
    ("post", "/key-results/{id}/check-ins"),
    ("get", "/key-results/{id}/check-ins"),
    ("post", "/key-results/{id}/initiatives"),
    ("get", "/key-results/{id}/initiatives"),
    ("patch", "/initiatives/{id}"),
    ("get", "/people/{id}/due"),
    ("put", "/objectives/{id}/status"),
    ("delete", "/objectives/{id}/status"),
    ("get", "/teams/{id}/cadence"),
    ("put", "/teams/{id}/cadence"),
    ("post", "/key-results/{id}/score"),
    ("get", "/objectives/{id}/retrospective"),
    ("put", "/objectives/{id}/retrospective"),
    ("post", "/cycles/{id}/close"),
    ("post", "/cycles/{id}/reopen"),
    ("get", "/cycles/{id}/calibration"),
    ("post", "/teams/{id}/reviews"),
    ("get", "/teams/{id}/reviews"),
    ("get", "/reviews/{id}"),
    ("put", "/reviews/{id}/items/{objective_id}"),
    ("post", "/conversations"),
    ("get", "/conversations"),
    ("get", "/conversations/{id}"),
    ("post", "/feedback-requests"),
    ("get", "/feedback-requests"),
    ("get", "/feedback-requests/{id}"),
    ("put", "/feedback-requests/{id}/answer"),
    ("post", "/recognitions"),
    ("get", "/okrs/{id}/recognitions"),
];

#[tokio::test]
async fn the_document_lists_every_required_route_with_bearer_security() {
    let app = spawn_app().await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["security"].as_array().is_some_and(|s| !s.is_empty()));
    for (method, path) in REQUIRED {
        let op = &doc["paths"][path][method];
        assert!(
            op.is_object(),
            "{method} {path} missing from the OpenAPI document"
        );
        assert!(op["responses"].is_object());
    }
    // Every documented route answers (not 404 "route"): a request without a token gets 401.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let url = app.url(&format!("/api/v1{}", path.replace("{id}", "x")));
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app.client.request(m, url).send().await.unwrap();
            assert_eq!(r.status(), 401, "{method} {path}");
        }
    }
    // Field names are snake_case as documented.
    let obj = &doc["components"]["schemas"]["ObjectiveView"]["properties"];
    for f in [
        "progress",
        "owner",
        "ownership_state",
        "key_results",
        "cycle_id",
        "team_ids",
        "parent_ids",
    ] {
        assert!(obj[f].is_object(), "ObjectiveView.{f}");
    }
    let kr = &doc["components"]["schemas"]["KeyResultView"]["properties"];
    for f in [
        "progress",
        "attainment",
        "current",
        "confidence",
        "owner",
        "ownership_state",
    ] {
        assert!(kr[f].is_object(), "KeyResultView.{f}");
    }
}

#[tokio::test]
async fn the_reference_page_is_served_from_the_binary() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/api/v1/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("/objectives/{id}/key-results"));
    assert!(html.contains("ObjectiveView"));
    assert!(!html.contains("<script"), "no scripts, no CDN");
    assert!(
        !html.contains("src=\"http"),
        "nothing loaded from elsewhere"
    );
}
