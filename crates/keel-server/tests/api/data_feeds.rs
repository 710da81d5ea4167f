//! Data in, through HTTP: ingest tokens pushing values to one key result (the value lands as a
//! check-in by "Data: <token name>", never the owner's word; another key result's token, a
//! revoked or unknown token, a bad value and a closed cycle refused), and KPIs (created,
//! corridors checked, readings paginated, health in words of state, a key result fed by a
//! KPI's readings in the same transaction). On SQLite and PostgreSQL.

use crate::helpers::*;
use crate::rhythm::active_objective;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut r = app.req_as(token, method, path);
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await.unwrap()
}

fn values_of(kr: &str) -> String {
    format!("/api/v1/key-results/{kr}/values")
}

fn tokens_of(kr: &str) -> String {
    format!("/api/v1/key-results/{kr}/ingest-tokens")
}

/// The latest check-in of a key result, as the API lists it.
async fn latest_check_in(app: &TestApp, kr: &str) -> Value {
    let list = json_of(app, &format!("/api/v1/key-results/{kr}/check-ins")).await;
    list["items"][0].clone()
}

async fn pushed_values(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["Weekly active users", "NPS"]).await;
    let (kr, other) = (&krs[0], &krs[1]);
    let (_, sam) = app.member("Sam Outsider").await;

    // The owner (here the admin who created it) creates a token; the secret is shown once.
    let created = app
        .create(&tokens_of(kr), json!({"name": "nightly build"}))
        .await;
    let secret = created["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("keel_ingest_"), "{created}");
    let token_id = created["id"].as_str().unwrap().to_string();
    let listed = json_of(&app, &tokens_of(kr)).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(
        listed["items"][0].get("token").is_none(),
        "never the secret"
    );
    assert_eq!(listed["items"][0]["name"], "nightly build");
    assert_problem(
        app.post(&tokens_of(kr), json!({"name": "  "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("name"),
    )
    .await;
    // Someone who does not own it may neither create nor list its tokens.
    let r = send(
        &app,
        &sam,
        Method::POST,
        &tokens_of(kr),
        Some(json!({"name": "mine"})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = send(&app, &sam, Method::GET, &tokens_of(kr), None).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A push with the token: the value lands, the author names the source, the confidence it
    // sent is not the owner's word.
    let r = send(
        &app,
        &secret,
        Method::POST,
        &values_of(kr),
        Some(json!({"value": 42, "note": "from CI", "confidence": 9})),
    )
    .await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["check_in"]["value"], 42.0);
    assert_eq!(body["check_in"]["source"]["kind"], "ingest_token");
    assert_eq!(body["check_in"]["source"]["name"], "nightly build");
    assert!(body["check_in"]["author_id"].is_null());
    assert_eq!(body["key_result"]["current"], 42.0);
    assert!(body["key_result"]["confidence"].is_null(), "{body}");
    let latest = latest_check_in(&app, kr).await;
    assert_eq!(latest["source"]["name"], "nightly build");
    assert_eq!(latest["note"], "from CI");
    let kr_now = json_of(&app, &format!("/api/v1/key-results/{kr}")).await;
    assert_eq!(kr_now["current"], 42.0);
    // Not the owner's check-in: the owner's rhythm (stale, due) still waits for their word.
    assert!(kr_now["last_check_in_at"].is_null(), "{kr_now}");
    // The audit log records it in the same transaction, naming the source.
    let audit = json_of(&app, &format!("/api/v1/audit?key_result_id={kr}")).await;
    assert!(
        audit["items"].as_array().unwrap().iter().any(|e| {
            e["action"] == "check_in.create" && e["after"]["source"]["name"] == "nightly build"
        }),
        "{audit}"
    );

    // This token feeds this key result only.
    assert_problem(
        send(
            &app,
            &secret,
            Method::POST,
            &values_of(other),
            Some(json!({"value": 1})),
        )
        .await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;
    // Bad values, each naming `value`; nothing is recorded.
    for bad in [
        json!({"value": "abc"}),
        json!({"value": "NaN"}),
        json!({}),
        json!({"value": null}),
    ] {
        assert_problem(
            send(&app, &secret, Method::POST, &values_of(kr), Some(bad)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("value"),
        )
        .await;
    }
    assert_problem(
        send(
            &app,
            &secret,
            Method::POST,
            &values_of(kr),
            Some(json!({"value": 1, "confidence": 99})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("confidence"),
    )
    .await;
    let list = json_of(&app, &format!("/api/v1/key-results/{kr}/check-ins")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // A person who may not check in on it is refused; its owner's own push is their word.
    let r = send(
        &app,
        &sam,
        Method::POST,
        &values_of(kr),
        Some(json!({"value": 50})),
    )
    .await;
    assert!(
        r.status() == StatusCode::FORBIDDEN || r.status() == StatusCode::NOT_FOUND,
        "{}",
        r.status()
    );
    let r = app
        .post(&values_of(kr), json!({"value": 55, "confidence": 7}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    assert!(body["check_in"].get("source").is_none(), "{body}");
    assert_eq!(body["key_result"]["confidence"], 7);

    refused_tokens(&app, &cycle, kr, &token_id, &secret, &sam).await;
}

/// Unknown and revoked tokens are refused at once; a closed cycle takes no more values.
async fn refused_tokens(
    app: &TestApp,
    cycle: &str,
    kr: &str,
    token_id: &str,
    secret: &str,
    sam: &str,
) {
    // Unknown and revoked tokens are refused at once.
    assert_problem(
        send(
            app,
            "keel_ingest_0000",
            Method::POST,
            &values_of(kr),
            Some(json!({"value": 1})),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        None,
    )
    .await;
    let r = send(
        app,
        sam,
        Method::DELETE,
        &format!("{}/{token_id}", tokens_of(kr)),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .req(Method::DELETE, &format!("{}/{token_id}", tokens_of(kr)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(
        send(
            app,
            secret,
            Method::POST,
            &values_of(kr),
            Some(json!({"value": 60})),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        None,
    )
    .await;
    let listed = json_of(app, &tokens_of(kr)).await;
    assert!(listed["items"][0]["revoked_at"].is_string());

    // A closed cycle takes no more values.
    let fresh = app
        .create(&tokens_of(kr), json!({"name": "Looker export"}))
        .await;
    let fresh = fresh["token"].as_str().unwrap().to_string();
    let r = app
        .post(&format!("/api/v1/cycles/{cycle}/close"), json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_problem(
        send(
            app,
            &fresh,
            Method::POST,
            &values_of(kr),
            Some(json!({"value": 70})),
        )
        .await,
        StatusCode::CONFLICT,
        None,
    )
    .await;
    assert_eq!(
        json_of(app, &format!("/api/v1/key-results/{kr}")).await["current"],
        55.0
    );
}

/// Bad KPI input is refused, each answer naming the field.
async fn kpi_bad_input_names_the_field(app: &TestApp) {
    for (body, field) in [
        (
            json!({"name": "Latency", "corridor_min": 10, "corridor_max": 5}),
            "corridor_min",
        ),
        (json!({"name": ""}), "name"),
        (
            json!({"name": "Latency", "corridor_min": "low"}),
            "corridor_min",
        ),
        (json!({"name": "Latency", "owner_id": "nobody"}), "owner_id"),
    ] {
        assert_problem(
            app.post("/api/v1/kpis", body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
}

async fn kpis_and_fed_key_results(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Grow usage"]).await;
    let (maya, maya_token) = app.member("Maya Analyst").await;

    kpi_bad_input_names_the_field(&app).await;
    // Maya creates a KPI she owns; she may not name someone else.
    let r = send(
        &app,
        &maya_token,
        Method::POST,
        "/api/v1/kpis",
        Some(json!({"name": "Weekly active users", "owner_id": app.admin_id})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = send(
        &app,
        &maya_token,
        Method::POST,
        "/api/v1/kpis",
        Some(json!({"name": "Weekly active users", "unit": "users", "corridor_min": 1000})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let kpi: Value = r.json().await.unwrap();
    let kpi_id = kpi["id"].as_str().unwrap().to_string();
    assert_eq!(kpi["owner_id"], maya);
    assert_eq!(kpi["health"]["state"], "no_readings");
    let values = format!("/api/v1/kpis/{kpi_id}/values");

    // A key result takes the KPI as its data source; a wrong one is refused naming `kpi_id`.
    let krs_path = format!("/api/v1/objectives/{o}/key-results");
    assert_problem(
        app.post(
            &krs_path,
            json!({"title": "Shipped", "kind": "boolean", "kpi_id": kpi_id}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("kpi_id"),
    )
    .await;
    assert_problem(
        app.post(
            &krs_path,
            json!({"title": "Users", "kind": "increase", "target": 5000, "kpi_id": "nope"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("kpi_id"),
    )
    .await;
    let fed = app
        .create(&krs_path, json!({"title": "5,000 weekly users", "kind": "increase", "start": 0, "target": 5000, "kpi_id": kpi_id}))
        .await;
    let fed = fed["id"].as_str().unwrap().to_string();
    let r = app
        .patch(
            &format!("/api/v1/key-results/{}", krs[0]),
            json!({"kpi_id": kpi_id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

    // Readings: by the owner only (or an admin), healthy then outside since the first bad one.
    let r = send(
        &app,
        &app.token,
        Method::POST,
        &values,
        Some(json!({"value": 1200})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED, "admins may record");
    let (_, sam) = app.member("Sam Outsider").await;
    let r = send(&app, &sam, Method::POST, &values, Some(json!({"value": 1}))).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_problem(
        send(
            &app,
            &maya_token,
            Method::POST,
            &values,
            Some(json!({"value": "lots"})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("value"),
    )
    .await;
    let got = json_of(&app, &format!("/api/v1/kpis/{kpi_id}")).await;
    assert_eq!(got["health"]["state"], "healthy");
    let r = send(
        &app,
        &maya_token,
        Method::POST,
        &values,
        Some(json!({"value": 900})),
    )
    .await;
    let first_bad: Value = r.json().await.unwrap();
    let r = send(
        &app,
        &maya_token,
        Method::POST,
        &values,
        Some(json!({"value": 800, "note": "holiday"})),
    )
    .await;
    let recorded: Value = r.json().await.unwrap();
    let moved: Vec<&str> = recorded["key_result_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        moved.contains(&fed.as_str()) && moved.contains(&krs[0].as_str()),
        "{recorded}"
    );
    let got = json_of(&app, &format!("/api/v1/kpis/{kpi_id}")).await;
    assert_eq!(got["health"]["state"], "outside", "{got}");
    assert_eq!(got["health"]["since"], first_bad["value"]["at"]);
    assert_eq!(got["latest"]["value"], 800.0);

    // The key result fed by it moved, in the same transaction, by "KPI: <name>".
    let kr_now = json_of(&app, &format!("/api/v1/key-results/{fed}")).await;
    assert_eq!(kr_now["current"], 800.0);
    let latest = latest_check_in(&app, &fed).await;
    assert_eq!(latest["source"]["kind"], "kpi");
    assert_eq!(latest["source"]["name"], "Weekly active users");
    assert_eq!(latest["note"], "holiday");
    assert_eq!(
        json_of(&app, &format!("/api/v1/key-results/{fed}/check-ins")).await["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    history_tokens_and_deletion(&app, &kpi_id, &fed, &maya_token).await;
}

/// A KPI's readings a page at a time, its own ingest token, corridor changes, its deletion.
async fn history_tokens_and_deletion(app: &TestApp, kpi_id: &str, fed: &str, maya_token: &str) {
    let values = format!("/api/v1/kpis/{kpi_id}/values");
    let (_, sam) = app.member("Sam Deleter").await;
    // The history, newest first, a page at a time.
    let page = json_of(app, &format!("{values}?limit=2")).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["value"], 800.0);
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = json_of(app, &format!("{values}?limit=2&cursor={cursor}")).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["items"][0]["value"], 1200.0);
    assert!(rest["next_cursor"].is_null());

    // A KPI ingest token pushes to its KPI only.
    let t = send(
        app,
        maya_token,
        Method::POST,
        &format!("/api/v1/kpis/{kpi_id}/ingest-tokens"),
        Some(json!({"name": "warehouse"})),
    )
    .await;
    assert_eq!(t.status(), StatusCode::CREATED);
    let t: Value = t.json().await.unwrap();
    let secret = t["token"].as_str().unwrap();
    let r = send(
        app,
        secret,
        Method::POST,
        &values,
        Some(json!({"value": 1500})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["value"]["source"]["name"], "warehouse");
    assert_eq!(
        json_of(app, &format!("/api/v1/kpis/{kpi_id}")).await["health"]["state"],
        "healthy"
    );
    assert_problem(
        send(
            app,
            secret,
            Method::POST,
            &values_of(fed),
            Some(json!({"value": 1})),
        )
        .await,
        StatusCode::FORBIDDEN,
        None,
    )
    .await;

    // Corridor changes are checked too; a list shows every KPI.
    assert_problem(
        send(
            app,
            maya_token,
            Method::PATCH,
            &format!("/api/v1/kpis/{kpi_id}"),
            Some(json!({"corridor_max": 500})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("corridor_min"),
    )
    .await;
    let r = send(
        app,
        maya_token,
        Method::PATCH,
        &format!("/api/v1/kpis/{kpi_id}"),
        Some(json!({"corridor_min": null, "corridor_max": 2000})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let list = json_of(app, "/api/v1/kpis").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["corridor"]["max"], 2000.0);

    // Deleted: gone, its token stops, the key result keeps its history.
    let r = send(
        app,
        &sam,
        Method::DELETE,
        &format!("/api/v1/kpis/{kpi_id}"),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = send(
        app,
        maya_token,
        Method::DELETE,
        &format!("/api/v1/kpis/{kpi_id}"),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/api/v1/kpis/{kpi_id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = send(
        app,
        secret,
        Method::POST,
        &values,
        Some(json!({"value": 1})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_of(app, &format!("/api/v1/key-results/{fed}")).await["current"],
        1500.0
    );
}

#[tokio::test]
async fn pushed_values_on_sqlite() {
    pushed_values(spawn_app().await).await;
}

#[tokio::test]
async fn pushed_values_on_postgres() {
    if !postgres_configured() {
        return;
    }
    pushed_values(spawn_app_on(Db::Postgres).await).await;
}

#[tokio::test]
async fn kpis_feed_key_results_on_sqlite() {
    kpis_and_fed_key_results(spawn_app().await).await;
}

#[tokio::test]
async fn kpis_feed_key_results_on_postgres() {
    if !postgres_configured() {
        return;
    }
    kpis_and_fed_key_results(spawn_app_on(Db::Postgres).await).await;
}
