//! The OpenAPI document and its reference page describe every route.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

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
    // Every documented route answers (not 404 "route"): a request without a token gets 401,
    // but for the health checks, open to anyone (`security: []`).
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let url = app.url(&format!("/api/v1{}", path.replace("{id}", "x")));
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app.client.request(m, url).send().await.unwrap();
            let public = op["security"].as_array().is_some_and(|s| s.is_empty());
            let want = if public { 200 } else { 401 };
            assert_eq!(r.status(), want, "{method} {path}");
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

fn document() -> Value {
    keel_server::api::openapi_json()
}

/// Every operation of the document, as (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("responses").is_some() {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    out
}

fn param<'a>(op: &'a Value, name: &str) -> Option<&'a Value> {
    op["parameters"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
}

/// The document is kept in docs/openapi.json, so that a change to the API shows in review; this
/// fails when the file is stale (`KEEL_UPDATE_DOCS=1` rewrites it; so does
/// `keel openapi > docs/openapi.json`). The server serves the same document.
#[tokio::test]
async fn docs_openapi_json_is_the_served_document() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let want = format!("{}\n", serde_json::to_string_pretty(&document()).unwrap());
    if std::env::var("KEEL_UPDATE_DOCS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/openapi.json is stale: run KEEL_UPDATE_DOCS=1 cargo test -p keel-server --test api openapi"
    );
    let app = spawn_app().await;
    let served: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, serde_json::from_str::<Value>(&have).unwrap());
}

/// Path parameters are in the path; everything else a route reads from the query string is
/// declared `in: query`, typed, with `required` as the route has it.
#[test]
fn parameters_are_where_the_routes_read_them_and_typed() {
    let doc = document();
    let mut query = 0;
    for (method, path, op) in operations(&doc) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap();
            match p["in"].as_str().unwrap() {
                "path" => {
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: {name} is not in the path"
                    );
                    assert_eq!(p["required"], true);
                }
                "query" => query += 1,
                "header" => assert_eq!(name, "If-Match", "{method} {path}"),
                other => panic!("{method} {path}: {name} in {other}"),
            }
            if p["in"] == "query" && p["required"] == false {
                assert_eq!(p["allowEmptyValue"], true, "{method} {path}: {name}");
            }
            if name == "limit" {
                assert_eq!(p["schema"]["type"], "integer", "{method} {path}");
                assert_eq!(p["schema"]["minimum"], 1);
                assert_eq!(p["schema"]["maximum"], 500);
            }
        }
        for segment in path.split('/').filter(|s| s.starts_with('{')) {
            let name = segment.trim_matches(|c| c == '{' || c == '}');
            let p =
                param(&op, name).unwrap_or_else(|| panic!("{method} {path}: {name} undeclared"));
            assert_eq!(p["in"], "path");
        }
    }
    assert!(query >= 39, "only {query} query parameters");
    let health = &doc["paths"]["/health"]["get"];
    assert_eq!(param(health, "cycle_id").unwrap()["in"], "query");
    assert_eq!(param(health, "cycle_id").unwrap()["required"], true);
    let audit = &doc["paths"]["/audit"]["get"];
    assert_eq!(param(audit, "actor_id").unwrap()["in"], "query");
    assert_eq!(param(audit, "actor_id").unwrap()["required"], false);
    assert_eq!(
        param(audit, "format").unwrap()["schema"]["enum"],
        json!(["json", "csv"])
    );
    let people = &doc["paths"]["/people"]["get"];
    assert_eq!(
        param(people, "active").unwrap()["schema"]["type"],
        "boolean"
    );
    let given = param(&doc["paths"]["/people/{id}/recognitions"]["get"], "given").unwrap();
    assert_eq!(given["schema"]["type"], "boolean");
    let state = param(&doc["paths"]["/cycles"]["get"], "state").unwrap();
    assert_eq!(
        state["schema"]["enum"],
        json!(["planning", "active", "closed"])
    );
    let state = param(&doc["paths"]["/ownership-requests"]["get"], "state").unwrap();
    assert_eq!(
        state["schema"]["enum"],
        json!(["pending", "accepted", "declined", "superseded"])
    );
}

/// Errors are documented as they are sent: problem documents, with 401 on every operation and
/// the other statuses where they occur.
#[test]
fn errors_are_problem_documents_with_their_statuses() {
    let doc = document();
    for (method, path, op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        let has = |s: &str| responses.contains_key(s);
        // The health checks are open to anyone (`security: []`): no 401.
        let public = op["security"].as_array().is_some_and(|s| s.is_empty());
        assert!(public || has("401"), "{method} {path}: 401");
        for (status, r) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let content = r["content"].as_object().unwrap();
                assert_eq!(content.len(), 1, "{method} {path} {status}");
                assert_eq!(
                    content["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{method} {path} {status}"
                );
                assert!(!r["description"].as_str().unwrap().is_empty());
            }
        }
        if op.get("requestBody").is_some() {
            for s in ["400", "413", "422"] {
                assert!(has(s), "{method} {path}: {s}");
            }
        }
        if path.contains('{') {
            assert!(has("404"), "{method} {path}: 404");
        }
        if method != "get" {
            assert!(has("403"), "{method} {path}: 403 (a read-only token)");
        }
        if param(&op, "If-Match").is_some() {
            assert!(has("412"), "{method} {path}: 412");
        }
    }
    let retry = doc["info"]["description"].as_str().unwrap();
    assert!(retry.contains("409") && retry.contains("retry"), "{retry}");
}

/// Request bodies are objects in the document, and the server refuses an array in place of one
/// (serde would otherwise read it as the fields in order), naming the field.
#[tokio::test]
async fn bodies_are_objects_and_arrays_are_refused() {
    let doc = document();
    for (method, path, op) in operations(&doc) {
        let Some(body) = op.get("requestBody") else {
            continue;
        };
        let schema = &body["content"]["application/json"]["schema"];
        let name = schema["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
        assert_eq!(
            doc["components"]["schemas"][name]["type"], "object",
            "{method} {path}"
        );
    }
    let app = spawn_app().await;
    let before = json_of(&app, "/api/v1/settings").await;
    let r = app
        .patch("/api/v1/settings", json!({"rhythm": [1, 1]}))
        .await;
    let problem = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("rhythm")).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("an object"),
        "{problem}"
    );
    assert_eq!(json_of(&app, "/api/v1/settings").await, before);
    let r = app
        .post(
            "/api/v1/cycles",
            json!(["2027 Q1", "2027-01-01", "2027-03-31"]),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("body")).await;
    // Objects still work, nested ones included.
    let r = app
        .patch(
            "/api/v1/settings",
            json!({"rhythm": {"cadence_days": 14, "grace_days": 2}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// An optional query parameter sent empty counts as absent, as the document says.
#[tokio::test]
async fn an_empty_query_parameter_counts_as_absent() {
    let app = spawn_app().await;
    app.member("Ann Lee").await;
    let all = json_of(&app, "/api/v1/people").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    for path in [
        "/api/v1/people?limit=&cursor=&q=&active=&manager_id=",
        "/api/v1/people?manager_id=",
    ] {
        assert_eq!(json_of(&app, path).await, all, "{path}");
    }
    app.team("Platform").await;
    let teams = json_of(&app, "/api/v1/teams").await;
    assert_eq!(teams["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        json_of(&app, "/api/v1/teams?parent_id=&member_id=").await,
        teams
    );
}

/// A query parameter given twice is a problem document naming it (it was a plain-text 400).
#[tokio::test]
async fn a_repeated_query_parameter_is_refused_naming_it() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/people?limit=1&limit=2",
        "/api/v1/objectives?cycle_id=a&cycle_id=b",
        "/api/v1/audit?format=csv&format=json",
    ] {
        let field = path.split('?').nth(1).unwrap().split('=').next().unwrap();
        assert_problem(
            app.get(path).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
}

/// Single records answer with an `ETag` and the document says so; their writes take `If-Match`.
#[tokio::test]
async fn etags_and_if_match_are_documented_where_they_are_used() {
    let app = spawn_app().await;
    let doc = document();
    let cycle = app.cycle("2026 Q4").await;
    let team = app.team("Platform").await;
    let objective = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Ship it", "cycle_id": cycle}),
        )
        .await;
    let objective = objective["id"].as_str().unwrap().to_string();
    let kr = app
        .create(
            &format!("/api/v1/objectives/{objective}/key-results"),
            json!({"title": "Releases", "kind": "increase", "start": 0, "target": 10}),
        )
        .await;
    let kr = kr["id"].as_str().unwrap().to_string();
    for (path, id) in [
        ("/people/{id}", app.admin_id.clone()),
        ("/teams/{id}", team),
        ("/cycles/{id}", cycle),
        ("/objectives/{id}", objective),
        ("/key-results/{id}", kr),
    ] {
        let get = &doc["paths"][path]["get"];
        assert!(
            get["responses"]["200"]["headers"]["ETag"].is_object(),
            "GET {path}"
        );
        let r = app
            .get(&format!("/api/v1{}", path.replace("{id}", &id)))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers().get("etag").is_some(),
            "GET {path} sends an ETag"
        );
        let patch = &doc["paths"][path]["patch"];
        assert_eq!(
            param(patch, "If-Match").unwrap()["in"],
            "header",
            "PATCH {path}"
        );
        assert!(patch["responses"]["412"].is_object());
    }
    for path in ["/objectives/{id}", "/key-results/{id}"] {
        assert!(
            param(&doc["paths"][path]["delete"], "If-Match").is_some(),
            "DELETE {path}"
        );
    }
}
