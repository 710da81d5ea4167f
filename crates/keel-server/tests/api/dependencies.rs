//! Key-result dependencies, negotiated: asked by whoever may edit the dependent key result,
//! accepted or declined (with a reason) by the other key result's owner, listed both ways,
//! removable; self, loops, duplicates, unknown and invisible key results refused naming
//! `depends_on`; an accepted dependency that turns off track puts its dependent at risk with a
//! reason naming it and its owner; a private key result never named to outsiders. On SQLite and
//! PostgreSQL.

use crate::helpers::*;
use crate::rhythm::active_objective;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

struct World {
    app: TestApp,
    /// The admin's key results (the dependent ones).
    mine: String,
    mine2: String,
    /// Bo's key result, in Bo's own active objective.
    bos: String,
    bo: (String, String),
    /// A private key result Sam is outside of, and Sam.
    private_kr: String,
    sam: (String, String),
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

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

async fn world(app: TestApp) -> World {
    let cycle = app.cycle("2026 Q4").await;
    let (_, krs) = active_objective(
        &app,
        &cycle,
        None,
        &["Ship the mobile app", "Launch in Spain"],
    )
    .await;
    let bo = app.member("Bo Platform").await;
    let sam = app.member("Sam Outsider").await;
    let o = send(&app, &bo.1, Method::POST, "/api/v1/objectives",
        Some(json!({"title": "A platform teams can build on", "cycle_id": cycle, "visibility": "public"}))).await;
    assert_eq!(o.status(), StatusCode::CREATED);
    let o = id(&o.json::<Value>().await.unwrap());
    let k = send(&app, &bo.1, Method::POST, &format!("/api/v1/objectives/{o}/key-results"),
        Some(json!({"title": "Public API v2 released", "kind": "increase", "start": 0, "target": 100}))).await;
    assert_eq!(k.status(), StatusCode::CREATED);
    let bos = id(&k.json::<Value>().await.unwrap());
    let r = send(
        &app,
        &bo.1,
        Method::PATCH,
        &format!("/api/v1/objectives/{o}"),
        Some(json!({"state": "active"})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let private_o = id(&app
        .create(
            "/api/v1/objectives",
            json!({"title": "Acquire Initech quietly", "cycle_id": cycle, "visibility": "private"}),
        )
        .await);
    let private_kr = id(&app
        .create(
            &format!("/api/v1/objectives/{private_o}/key-results"),
            json!({"title": "Term sheet signed", "kind": "boolean"}),
        )
        .await);
    World {
        app,
        mine: krs[0].clone(),
        mine2: krs[1].clone(),
        bos,
        bo,
        private_kr,
        sam,
    }
}

fn deps_path(kr: &str) -> String {
    format!("/api/v1/key-results/{kr}/dependencies")
}

async fn list(app: &TestApp, token: &str, kr: &str) -> Value {
    let r = send(app, token, Method::GET, &deps_path(kr), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn negotiated_and_refused(w: World) {
    let app = &w.app;
    // Bad input, each naming the field.
    for (body, field, status) in [
        (
            json!({"depends_on": w.mine}),
            "depends_on",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"depends_on": ""}),
            "depends_on",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"depends_on": "no-such-key-result"}),
            "depends_on",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"note": "no target"}),
            "depends_on",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"depends_on": w.bos, "note": "x".repeat(2001)}),
            "note",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        assert_problem(
            app.post(&deps_path(&w.mine), body).await,
            status,
            Some(field),
        )
        .await;
    }
    answered_listed_removed(w).await;
}

async fn answered_listed_removed(w: World) {
    let app = &w.app;
    // Asked: Bo is notified.
    let d = app
        .create(
            &deps_path(&w.mine),
            json!({"depends_on": w.bos, "note": "we need the v2 endpoints"}),
        )
        .await;
    assert_eq!(d["state"], "proposed");
    let dep = id(&d);
    let told = send(app, &w.bo.1, Method::GET, "/api/v1/me/notifications", None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert!(
        told["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "dependency_proposed"),
        "{told}"
    );
    // A second time: 409; the reverse (a loop): 422 naming depends_on; a longer loop too.
    assert_problem(
        app.post(&deps_path(&w.mine), json!({"depends_on": w.bos}))
            .await,
        StatusCode::CONFLICT,
        Some("depends_on"),
    )
    .await;
    app.create(&deps_path(&w.mine2), json!({"depends_on": w.mine}))
        .await;
    let r = send(
        app,
        &w.bo.1,
        Method::POST,
        &deps_path(&w.bos),
        Some(json!({"depends_on": w.mine2})),
    )
    .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("depends_on")).await;
    // Invisible to the asker: Bo cannot see the private key result, so it names nothing.
    let r = send(
        app,
        &w.bo.1,
        Method::POST,
        &deps_path(&w.bos),
        Some(json!({"depends_on": w.private_kr})),
    )
    .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("depends_on")).await;
    // Only whoever may edit the dependent key result asks; only Bo answers.
    let r = send(
        app,
        &w.sam.1,
        Method::POST,
        &deps_path(&w.mine),
        Some(json!({"depends_on": w.bos})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = send(
        app,
        &w.sam.1,
        Method::POST,
        &format!("/api/v1/dependencies/{dep}/accept"),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post(&format!("/api/v1/dependencies/{dep}/accept"), json!({}))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "the admin does not own Bo's key result"
    );
    // Declining needs a reason.
    let r = send(
        app,
        &w.bo.1,
        Method::POST,
        &format!("/api/v1/dependencies/{dep}/decline"),
        Some(json!({"reason": " "})),
    )
    .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("reason")).await;
    let r = send(
        app,
        &w.bo.1,
        Method::POST,
        &format!("/api/v1/dependencies/{dep}/decline"),
        Some(json!({"reason": "v2 is next quarter"})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let got = r.json::<Value>().await.unwrap();
    assert_eq!(got["state"], "declined");
    assert_eq!(got["decline_reason"], "v2 is next quarter");
    // Answered once.
    let r = send(
        app,
        &w.bo.1,
        Method::POST,
        &format!("/api/v1/dependencies/{dep}/accept"),
        None,
    )
    .await;
    assert_problem(r, StatusCode::CONFLICT, Some("state")).await;
    // Listed both ways, each with the other key result in words.
    let mine = list(app, &admin_token(app), &w.mine).await;
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{mine}");
    let on_bo = items
        .iter()
        .find(|i| i["direction"] == "depends_on")
        .unwrap();
    assert_eq!(on_bo["other"]["title"], "Public API v2 released");
    assert_eq!(on_bo["other"]["owner"]["name"], "Bo Platform");
    assert_eq!(on_bo["decline_reason"], "v2 is next quarter");
    let by = items
        .iter()
        .find(|i| i["direction"] == "depended_on_by")
        .unwrap();
    assert_eq!(by["other"]["title"], "Launch in Spain");
    // Paginated.
    let first = json_of(app, &format!("{}?limit=1", deps_path(&w.mine))).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert!(first["next_cursor"].is_string());
    // Removed (by whoever may edit the dependent key result; Bo may not), then asked again.
    let del = format!("{}/{dep}", deps_path(&w.mine));
    let r = send(app, &w.bo.1, Method::DELETE, &del, None).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app.req(Method::DELETE, &del).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app.req(Method::DELETE, &del).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    app.create(&deps_path(&w.mine), json!({"depends_on": w.bos}))
        .await;
}

/// The test app's own administrator token.
fn admin_token(app: &TestApp) -> String {
    app.token.clone()
}

async fn at_risk_through_a_dependency(w: World) {
    let app = &w.app;
    let dep = id(&app
        .create(&deps_path(&w.mine), json!({"depends_on": w.bos}))
        .await);
    let r = send(
        app,
        &w.bo.1,
        Method::POST,
        &format!("/api/v1/dependencies/{dep}/accept"),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let kr = json_of(app, &format!("/api/v1/key-results/{}", w.mine)).await;
    assert_eq!(kr["blocked_by"], json!([]), "{kr}");
    // Bo loses confidence: his key result turns off track.
    let r = send(
        app,
        &w.bo.1,
        Method::POST,
        &format!("/api/v1/key-results/{}/check-ins", w.bos),
        Some(json!({"value": 5, "confidence": 1, "note": "the team moved to incidents"})),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let theirs = json_of(app, &format!("/api/v1/key-results/{}", w.bos)).await;
    assert_eq!(theirs["status"], "off_track", "{theirs}");
    let kr = json_of(app, &format!("/api/v1/key-results/{}", w.mine)).await;
    let blocked = kr["blocked_by"].as_array().unwrap();
    assert_eq!(blocked.len(), 1, "{kr}");
    let reason = blocked[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("Public API v2 released")
            && reason.contains("Bo Platform")
            && reason.contains("off track"),
        "{reason}"
    );
    assert_ne!(kr["status"], "off_track", "its own status is its own");
    // A private key result is never named to outsiders: Sam sees "a key result you cannot see".
    let dep = id(&app
        .create(&deps_path(&w.mine2), json!({"depends_on": w.private_kr}))
        .await);
    let seen = list(app, &w.sam.1, &w.mine2).await;
    let hidden = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == dep.as_str())
        .unwrap()
        .clone();
    assert!(hidden["other"].is_null(), "{hidden}");
    assert!(
        !seen.to_string().contains("Term sheet signed")
            && !seen.to_string().contains(&w.private_kr),
        "{seen}"
    );
    // Nor can Sam list the private key result's own dependencies.
    let r = send(app, &w.sam.1, Method::GET, &deps_path(&w.private_kr), None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    the_page_says_it(&w).await;
}

/// The key result page's "Depends on" section: the risk in words, the other key result named
/// with its owner; to Sam, the private one is "a key result you cannot see".
async fn the_page_says_it(w: &World) {
    let app = &w.app;
    let admin = Browser::admin(app).await;
    let page = admin.page(&format!("/key-results/{}", w.mine)).await;
    let section = page.text(".depends-on");
    assert!(section.contains("Public API v2 released"), "{section}");
    assert!(section.contains("owned by Bo Platform"), "{section}");
    assert!(section.contains("Off track"), "{section}");
    assert!(section.contains("which is off track"), "{section}");
    let sam = Browser::signed_in(app, &w.sam.0, "sam.outsider@keel.test").await;
    let page = sam.page(&format!("/key-results/{}", w.mine2)).await;
    let section = page.text(".depends-on");
    assert!(section.contains("a key result you cannot see"), "{section}");
    assert!(!page.html().contains("Term sheet signed"), "never named");
}

#[tokio::test]
async fn dependencies_negotiated_on_sqlite() {
    negotiated_and_refused(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn dependencies_negotiated_on_postgres() {
    if !postgres_configured() {
        return;
    }
    negotiated_and_refused(world(spawn_app_on(Db::Postgres).await).await).await;
}

#[tokio::test]
async fn dependency_at_risk_on_sqlite() {
    at_risk_through_a_dependency(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn dependency_at_risk_on_postgres() {
    if !postgres_configured() {
        return;
    }
    at_risk_through_a_dependency(world(spawn_app_on(Db::Postgres).await).await).await;
}
