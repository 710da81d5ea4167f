//! Pulled sources with real parts: a real HTTP server on loopback (axum, in the test) answers
//! JSON behind a bearer header, and a real PostgreSQL database is registered as an SQL source.
//! A source is tried before it is saved (a redirect, HTML, a timeout, a pointer that finds a
//! string, SQL that is not one read-only SELECT, no row, a non-number: 422 naming the field,
//! nothing written); its values are check-ins (or KPI readings) by "Source: <name>" that leave
//! the owner's confidence alone; the job runs due sources once each (claimed), records
//! failures in words and tells the owner on the first failure only; secrets never come back.
//! Keel itself on SQLite and on PostgreSQL.

use crate::helpers::*;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::response::IntoResponse;
use keel_server::mail::MailConfig;
use keel_server::outbound::OutboundPolicy;
use keel_server::secrets::KeySource;
use keel_store::PullSources;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The secret the JSON server wants in `Authorization`.
const SECRET: &str = "Bearer s3cret-token-value";

/// A JSON server on loopback; `/metrics` answers 401 while `down` is set.
#[derive(Clone)]
struct JsonServer {
    base: String,
    down: Arc<AtomicBool>,
}

impl JsonServer {
    async fn start() -> JsonServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let down = Arc::new(AtomicBool::new(false));
        let flag = down.clone();
        let redirect_to = format!("{base}/metrics");
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap| {
            let (flag, redirect_to) = (flag.clone(), redirect_to.clone());
            async move { answer(uri.path(), &headers, &flag, &redirect_to).await }
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        JsonServer { base, down }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn answer(
    path: &str,
    headers: &HeaderMap,
    down: &AtomicBool,
    redirect_to: &str,
) -> axum::response::Response {
    let authorized = headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(SECRET);
    match path {
        "/metrics" if !authorized || down.load(Ordering::SeqCst) => {
            (AxumStatus::UNAUTHORIZED, "no").into_response()
        }
        "/metrics" => {
            axum::Json(json!({"data": {"total": 1234, "label": "revenue"}})).into_response()
        }
        "/redirect" => (
            AxumStatus::FOUND,
            [("location", redirect_to.to_string())],
            "moved",
        )
            .into_response(),
        "/html" => ([("content-type", "text/html")], "<html>login</html>").into_response(),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(12)).await;
            axum::Json(json!({"n": 1})).into_response()
        }
        _ => (AxumStatus::NOT_FOUND, "none").into_response(),
    }
}

fn config() -> MailConfig {
    MailConfig {
        keys: KeySource {
            env: Some("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into()),
            file: None,
        },
        outbound: OutboundPolicy {
            allow_private: true,
        },
        ..Default::default()
    }
}

async fn app_on(db: Db) -> (TestApp, MailConfig) {
    let mail = config();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = spawn_app_with_mail(db, listener, Default::default(), mail.clone()).await;
    (app, mail)
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

/// An active objective with one key result, both created (and so owned) by `token`'s person.
async fn own_key_result(app: &TestApp, token: &str, cycle: &str) -> String {
    let o = send(
        app,
        token,
        Method::POST,
        "/api/v1/objectives",
        Some(json!({"title": "Grow revenue", "cycle_id": cycle})),
    )
    .await;
    assert_eq!(o.status(), StatusCode::CREATED);
    let o = o.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let k = send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/objectives/{o}/key-results"),
        Some(json!({"title": "Monthly revenue", "kind": "increase", "start": 0, "target": 5000})),
    )
    .await;
    assert_eq!(k.status(), StatusCode::CREATED);
    let k = k.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        app,
        token,
        Method::PATCH,
        &format!("/api/v1/objectives/{o}"),
        Some(json!({"state": "active"})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    k
}

fn http_source(server: &JsonServer, path: &str, pointer: &str) -> Value {
    json!({"name": "Revenue API", "kind": "http", "url": server.url(path), "json_pointer": pointer,
           "headers": [{"name": "Authorization", "value": SECRET}], "schedule": "hourly"})
}

/// Runs the job runner's round at `now`.
async fn tick(app: &TestApp, mail: &MailConfig, now: chrono::DateTime<chrono::Utc>) {
    keel_server::jobs::tick_with(app.store.as_ref(), "pull-test", now, mail)
        .await
        .unwrap();
}

async fn notes_of_kind(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let r = send(app, token, Method::GET, "/api/v1/me/notifications", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .cloned()
        .collect()
}

/// The story of an HTTP source on a key result its member owns.
async fn http_source_feeds_a_key_result(db: Db) {
    let server = JsonServer::start().await;
    let (app, mail) = app_on(db).await;
    let cycle = app.cycle("2026 Q4").await;
    let (_, bob) = app.member("Bob Owner").await;
    let (_, carol) = app.member("Carol Colleague").await;
    let kr = own_key_result(&app, &bob, &cycle).await;
    let source = format!("/api/v1/key-results/{kr}/source");
    // Bob's own word first: confidence 8.
    let r = send(
        &app,
        &bob,
        Method::POST,
        &format!("/api/v1/key-results/{kr}/check-ins"),
        Some(json!({"value": 100, "confidence": 8})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    // Set: tried, saved, its first value recorded; the header value never comes back.
    let r = send(
        &app,
        &bob,
        Method::POST,
        &source,
        Some(http_source(&server, "/metrics", "/data/total")),
    )
    .await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    assert!(!text.contains("s3cret"), "{text}");
    let created: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(created["header_names"], json!(["Authorization"]));
    assert_eq!(created["state"]["last_value"], 1234.0);
    assert!(created["state"]["failing_since"].is_null());
    let stored = app
        .store
        .pull_source_headers(&keel_domain::PullSourceId::from_string(
            created["id"].as_str().unwrap(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.starts_with("v1:") && !stored.contains("s3cret"),
        "sealed at rest"
    );
    // A second source on the same key result: 409.
    let r = send(
        &app,
        &bob,
        Method::POST,
        &source,
        Some(http_source(&server, "/metrics", "/data/total")),
    )
    .await;
    assert_problem(r, StatusCode::CONFLICT, Some("source")).await;

    // The check-in names the source and keeps Bob's confidence.
    let list = json_of(&app, &format!("/api/v1/key-results/{kr}/check-ins")).await;
    let latest = &list["items"][0];
    assert_eq!(latest["value"], 1234.0);
    assert_eq!(latest["source"]["kind"], "pull");
    assert_eq!(latest["source"]["name"], "Revenue API");
    assert!(latest["author_id"].is_null());
    assert_eq!(latest["confidence"], 8, "{latest}");

    // Carol, who does not own it, may neither read nor change nor run it; the admin may read.
    for (m, p, b) in [
        (Method::GET, source.clone(), None),
        (
            Method::PATCH,
            source.clone(),
            Some(json!({"schedule": "daily"})),
        ),
        (Method::DELETE, source.clone(), None),
        (Method::POST, format!("{source}/run"), None),
        (Method::GET, format!("{source}/runs"), None),
    ] {
        let r = send(&app, &carol, m.clone(), &p, b).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{m} {p}");
    }
    let seen = json_of(&app, &source).await;
    assert!(!seen.to_string().contains("s3cret"));

    // Due in an hour: the job runs it once, however many servers claim it.
    let later = chrono::Utc::now() + chrono::Duration::hours(2);
    server.down.store(true, Ordering::SeqCst);
    tick(&app, &mail, later).await;
    let failing = json_of(&app, &source).await;
    assert!(failing["state"]["failing_since"].is_string(), "{failing}");
    assert_eq!(failing["state"]["last_error"], "the server answered 401");
    assert_eq!(failing["state"]["last_value"], 1234.0);
    let told = notes_of_kind(&app, &bob, "source_failing").await;
    assert_eq!(told.len(), 1, "{told:?}");
    // Still failing an hour later: recorded, but Bob is not told again.
    tick(&app, &mail, later + chrono::Duration::hours(2)).await;
    assert_eq!(notes_of_kind(&app, &bob, "source_failing").await.len(), 1);
    let runs = json_of(&app, &format!("{source}/runs?limit=2")).await;
    assert_eq!(runs["items"].as_array().unwrap().len(), 2);
    assert_eq!(runs["items"][0]["error"], "the server answered 401");
    let next = runs["next_cursor"]
        .as_str()
        .expect("a third run on the next page");
    let rest = json_of(&app, &format!("{source}/runs?limit=2&cursor={next}")).await;
    assert_eq!(rest["items"][0]["value"], 1234.0);

    // Claimed once: a due source is handed to one caller only.
    let far = chrono::Utc::now() + chrono::Duration::days(30);
    let first = app
        .store
        .claim_due_pull_sources(far, chrono::Duration::minutes(5), 10)
        .await
        .unwrap();
    let second = app
        .store
        .claim_due_pull_sources(far, chrono::Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!((first.len(), second.len()), (1, 0));

    // Back up, run now: working again.
    server.down.store(false, Ordering::SeqCst);
    let r = send(&app, &bob, Method::POST, &format!("{source}/run"), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let ran: Value = r.json().await.unwrap();
    assert_eq!(ran["run"]["value"], 1234.0);
    assert!(ran["source"]["state"]["failing_since"].is_null());

    // Removed: gone, its values stay.
    let r = send(&app, &bob, Method::DELETE, &source, None).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        send(&app, &bob, Method::GET, &source, None).await.status(),
        StatusCode::NOT_FOUND
    );
    let list = json_of(&app, &format!("/api/v1/key-results/{kr}/check-ins")).await;
    assert_eq!(list["items"][0]["source"]["kind"], "pull");
}

#[tokio::test]
async fn an_http_source_feeds_a_key_result_on_sqlite() {
    http_source_feeds_a_key_result(Db::Sqlite).await;
}

#[tokio::test]
async fn an_http_source_feeds_a_key_result_on_postgres() {
    if !postgres_configured() {
        return;
    }
    http_source_feeds_a_key_result(Db::Postgres).await;
}

/// Every bad HTTP source is refused naming its field, and nothing is written.
async fn bad_http_input(db: Db, with_timeout: bool) {
    let server = JsonServer::start().await;
    let (app, _) = app_on(db).await;
    let cycle = app.cycle("2026 Q4").await;
    let (_, bob) = app.member("Bob Owner").await;
    let kr = own_key_result(&app, &bob, &cycle).await;
    let source = format!("/api/v1/key-results/{kr}/source");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = http_source(&server, "/metrics", "/data/total");
        f(&mut v);
        v
    };
    let mut cases = vec![
        (
            with(&|v| v["url"] = json!(server.url("/redirect"))),
            "url",
            "redirect",
        ),
        (
            with(&|v| v["url"] = json!(server.url("/html"))),
            "url",
            "not JSON",
        ),
        (
            with(&|v| v["url"] = json!("ftp://example.com/x")),
            "url",
            "http",
        ),
        (
            with(&|v| v["url"] = json!("http://192.0.2.1/latest")),
            "url",
            "documentation",
        ),
        (
            with(&|v| v["json_pointer"] = json!("/data/label")),
            "json_pointer",
            "a string",
        ),
        (
            with(&|v| v["json_pointer"] = json!("/data/none")),
            "json_pointer",
            "nothing",
        ),
        (
            with(&|v| v["json_pointer"] = json!("data")),
            "json_pointer",
            "starts with /",
        ),
        (
            with(&|v| v["headers"] = json!([{"name": "Bad Name", "value": "x"}])),
            "headers",
            "header name",
        ),
        (with(&|v| v["headers"] = json!([])), "url", "401"),
        (
            with(&|v| v["schedule"] = json!("often")),
            "schedule",
            "hourly",
        ),
        (with(&|v| v["name"] = json!(" ")), "name", ""),
    ];
    if with_timeout {
        cases.push((
            with(&|v| v["url"] = json!(server.url("/slow"))),
            "url",
            "seconds",
        ));
    }
    for (body, field, words) in cases {
        let r = send(&app, &bob, Method::POST, &source, Some(body.clone())).await;
        let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
        assert!(p["detail"].as_str().unwrap().contains(words), "{body}: {p}");
    }
    // Nothing half-written: no source, no check-in, no run.
    assert_eq!(
        send(&app, &bob, Method::GET, &source, None).await.status(),
        StatusCode::NOT_FOUND
    );
    let list = json_of(&app, &format!("/api/v1/key-results/{kr}/check-ins")).await;
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn bad_http_sources_name_their_field_on_sqlite() {
    bad_http_input(Db::Sqlite, true).await;
}

#[tokio::test]
async fn bad_http_sources_name_their_field_on_postgres() {
    if !postgres_configured() {
        return;
    }
    bad_http_input(Db::Postgres, false).await;
}

/// A KPI fed by a query against a registered PostgreSQL database (a real one, made for the
/// test), and every bad query refused naming `query`.
async fn sql_source_feeds_a_kpi(db: Db) {
    let Some(warehouse) = postgres_database().await else {
        return;
    };
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(warehouse.url()).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE sales (amount NUMERIC(12, 2) NOT NULL, label TEXT NOT NULL); \
             INSERT INTO sales VALUES (100.25, 'a'), (200.50, 'b');",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.ok();
    }
    let (app, _) = app_on(db).await;
    let (_, bob) = app.member("Bob Owner").await;

    // Registering: administrators only; a URL that is not PostgreSQL or does not answer: 422.
    let r = send(
        &app,
        &bob,
        Method::POST,
        "/api/v1/source-databases",
        Some(json!({"name": "Mine", "url": warehouse.url()})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    for url in [
        "mysql://x@localhost/db",
        "postgres://nobody@127.0.0.1:1/none",
    ] {
        let r = app
            .post(
                "/api/v1/source-databases",
                json!({"name": "Bad", "url": url}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("url")).await;
    }
    let registered = app
        .create(
            "/api/v1/source-databases",
            json!({"name": "Warehouse", "url": warehouse.url()}),
        )
        .await;
    assert!(
        !registered.to_string().contains("postgres://"),
        "{registered}"
    );
    let db_id = registered["id"].as_str().unwrap().to_string();
    let listed = send(&app, &bob, Method::GET, "/api/v1/source-databases", None).await;
    let listed: Value = listed.json().await.unwrap();
    assert_eq!(listed["items"][0]["name"], "Warehouse");

    let kpi = send(
        &app,
        &bob,
        Method::POST,
        "/api/v1/kpis",
        Some(json!({"name": "Sales", "unit": "€"})),
    )
    .await;
    assert_eq!(kpi.status(), StatusCode::CREATED);
    let kpi = kpi.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let source = format!("/api/v1/kpis/{kpi}/source");
    let sql =
        |q: &str| json!({"name": "Sales total", "kind": "sql", "database_id": db_id, "query": q});
    for (q, words) in [
        ("DELETE FROM sales", "SELECT"),
        ("SELECT 1; DROP TABLE sales", "single statement"),
        (
            "WITH gone AS (DELETE FROM sales RETURNING amount) SELECT sum(amount) FROM gone",
            "refused",
        ),
        ("SELECT amount FROM sales WHERE false", "no row"),
        ("SELECT amount FROM sales", "more than one row"),
        ("SELECT label FROM sales LIMIT 1", "text"),
        ("SELECT 1 AS a, 2 AS b", "one column"),
        ("SELECT nonsense FROM nowhere", "refused"),
    ] {
        let r = send(&app, &bob, Method::POST, &source, Some(sql(q))).await;
        let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("query")).await;
        assert!(p["detail"].as_str().unwrap().contains(words), "{q}: {p}");
    }
    let r = send(
        &app,
        &bob,
        Method::POST,
        &source,
        Some(json!({"name": "x", "kind": "sql", "database_id": "nope", "query": "SELECT 1"})),
    )
    .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("database_id")).await;
    assert_eq!(
        send(&app, &bob, Method::GET, &source, None).await.status(),
        StatusCode::NOT_FOUND
    );

    let r = send(
        &app,
        &bob,
        Method::POST,
        &source,
        Some(sql("SELECT sum(amount) FROM sales;")),
    )
    .await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["state"]["last_value"], 300.75);
    let values = json_of(&app, &format!("/api/v1/kpis/{kpi}/values")).await;
    assert_eq!(values["items"][0]["value"], 300.75);
    assert_eq!(values["items"][0]["source"]["kind"], "pull");
    assert_eq!(values["items"][0]["source"]["name"], "Sales total");
    // The refused writes wrote nothing; a database in use cannot be removed.
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(warehouse.url()).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sales")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, 2);
        conn.close().await.ok();
    }
    let r = app
        .req(Method::DELETE, &format!("/api/v1/source-databases/{db_id}"))
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::CONFLICT, Some("database_id")).await;
}

#[tokio::test]
async fn an_sql_source_feeds_a_kpi_with_keel_on_sqlite() {
    if !postgres_configured() {
        return;
    }
    sql_source_feeds_a_kpi(Db::Sqlite).await;
}

#[tokio::test]
async fn an_sql_source_feeds_a_kpi_with_keel_on_postgres() {
    if !postgres_configured() {
        return;
    }
    sql_source_feeds_a_kpi(Db::Postgres).await;
}

/// The key result's page, as its owner and a colleague see it: the owner sets the source with
/// the form (a bad URL shown again with the reason in words, the header value not echoed), the
/// state reads "Last synced …: 1,234" for everyone who sees it, "Run now" records a failure in
/// words ("Failing since … the server answered 401"); the colleague gets no form and may not
/// post one.
#[tokio::test]
async fn the_key_result_page_sets_runs_and_shows_its_source() {
    let server = JsonServer::start().await;
    let (app, _) = app_on(Db::Sqlite).await;
    let cycle = app.cycle("2026 Q4").await;
    let (bob_id, bob) = app.member("Bob Owner").await;
    let (carol_id, _) = app.member("Carol Colleague").await;
    let kr = own_key_result(&app, &bob, &cycle).await;
    let page = format!("/key-results/{kr}");
    let form = format!("/key-results/{kr}/source");
    let b = Browser::signed_in(&app, &bob_id, "bob.owner@keel.test").await;
    let url = server.url("/metrics");
    let html = b
        .refused(
            &form,
            &[
                ("name", "Revenue API"),
                ("kind", "http"),
                ("url", &server.url("/html")),
                ("json_pointer", "/data/total"),
                ("header_name", "Authorization"),
                ("header_value", SECRET),
                ("schedule", "hourly"),
            ],
        )
        .await;
    let refused = Page::parse(&html);
    assert!(
        refused
            .text(".notice.error")
            .contains("URL: the answer is not JSON"),
        "{html}"
    );
    assert!(
        !html.contains("s3cret"),
        "the header value is not shown again"
    );
    b.done(
        &form,
        &[
            ("name", "Revenue API"),
            ("kind", "http"),
            ("url", &url),
            ("json_pointer", "/data/total"),
            ("header_name", "Authorization"),
            ("header_value", SECRET),
            ("schedule", "hourly"),
        ],
    )
    .await;
    let mine = b.page(&page).await;
    assert_eq!(mine.text("#kr-source-state"), "Last synced just now: 1234");
    assert!(mine.text("#kr-source").contains("Revenue API, every hour"));
    assert!(!mine.html().contains("s3cret"));

    server.down.store(true, Ordering::SeqCst);
    b.done(&format!("{form}/run"), &[]).await;
    let failing = b.page(&page).await;
    assert_eq!(
        failing.text("#kr-source-state"),
        "Failing since just now: the server answered 401"
    );

    let c = Browser::signed_in(&app, &carol_id, "carol.colleague@keel.test").await;
    let theirs = c.page(&page).await;
    assert!(
        theirs.has("#kr-source-state"),
        "the state is shown to whoever sees the key result"
    );
    assert!(!theirs.has("form.source-form"));
    let r = c.submit(&format!("{form}/run"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c.submit(&format!("{form}/remove"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    b.done(&format!("{form}/remove"), &[]).await;
    assert!(!b.page(&page).await.has("#kr-source"));
}

/// The fields of the source form for an HTTP source.
fn http_form<'a>(url: &'a str, pointer: &'a str, header_value: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Revenue API"),
        ("kind", "http"),
        ("url", url),
        ("json_pointer", pointer),
        ("header_name", "Authorization"),
        ("header_value", header_value),
        ("schedule", "hourly"),
    ]
}

/// The KPI page's source form, the key result's own: its owner sets the source (refused with
/// each reason next to its field, nothing saved, the header value never shown again), changes
/// it (an empty header value keeps the saved one) and removes it; a colleague sees the state
/// but no form, and may not post one.
async fn kpi_page_source_story(db: Db) {
    let server = JsonServer::start().await;
    let (app, _) = app_on(db).await;
    let (bob_id, bob) = app.member("Bob Owner").await;
    let (carol_id, _) = app.member("Carol Colleague").await;
    let kpi = send(
        &app,
        &bob,
        Method::POST,
        "/api/v1/kpis",
        Some(json!({"name": "Revenue", "unit": "€"})),
    )
    .await;
    assert_eq!(kpi.status(), StatusCode::CREATED);
    let kpi = kpi.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = format!("/kpis/{kpi}");
    let form = format!("/kpis/{kpi}/source");
    let api = format!("/api/v1/kpis/{kpi}/source");
    let url = server.url("/metrics");
    let b = Browser::signed_in(&app, &bob_id, "bob.owner@keel.test").await;
    let blank = b.page(&page).await;
    assert_eq!(
        blank.text("form.source-form button[type=submit]"),
        "Set a data source"
    );

    let html_url = server.url("/html");
    let html = b
        .refused(&form, &http_form(&html_url, "/data/total", SECRET))
        .await;
    let refused = Page::parse(&html);
    assert!(
        refused.text("#source-url-error").contains("not JSON"),
        "{html}"
    );
    assert_eq!(refused.attr("#source-url", "value"), Some(html_url.clone()));
    assert!(
        !html.contains("s3cret"),
        "the header value is not shown again"
    );
    let html = b
        .refused(&form, &http_form(&url, "/data/label", SECRET))
        .await;
    let refused = Page::parse(&html);
    assert!(
        !refused.text("#source-json_pointer-error").is_empty(),
        "{html}"
    );
    assert!(!refused.has("#source-url-error"));
    let html = b.refused(&form, &http_form(&url, "/data/total", "")).await;
    assert!(
        Page::parse(&html)
            .text("#source-header_name-error")
            .contains("value of Authorization"),
        "{html}"
    );
    assert_eq!(
        send(&app, &bob, Method::GET, &api, None).await.status(),
        StatusCode::NOT_FOUND,
        "nothing saved"
    );

    let to = b.done(&form, &http_form(&url, "/data/total", SECRET)).await;
    assert_eq!(to, format!("{page}?done=source-saved#source-h"));
    let saved = b.page(&page).await;
    assert_eq!(
        saved.text("#kpi-source-state"),
        "Last synced just now: 1234"
    );
    assert_eq!(saved.attr("#source-url", "value"), Some(url.clone()));
    assert_eq!(
        saved.text("form.source-form button[type=submit]"),
        "Save the data source"
    );
    assert!(!saved.html().contains("s3cret"));

    let mut weekly = http_form(&url, "/data/total", "");
    weekly.retain(|(k, _)| *k != "schedule");
    weekly.push(("schedule", "weekly"));
    b.done(&form, &weekly).await;
    let stored: Value = send(&app, &bob, Method::GET, &api, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["schedule"], "weekly");
    assert_eq!(stored["header_names"], json!(["Authorization"]));
    b.done(&format!("{form}/run"), &[]).await;
    assert_eq!(
        b.page(&page).await.text("#kpi-source-state"),
        "Last synced just now: 1234",
        "the saved header still authorizes"
    );

    let c = Browser::signed_in(&app, &carol_id, "carol.colleague@keel.test").await;
    let theirs = c.page(&page).await;
    assert!(theirs.has("#kpi-source-state"));
    assert!(!theirs.has("form.source-form"));
    for path in [
        form.clone(),
        format!("{form}/run"),
        format!("{form}/remove"),
    ] {
        let r = c
            .submit(&path, &http_form(&url, "/data/total", SECRET))
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    b.done(&format!("{form}/remove"), &[]).await;
    assert!(!b.page(&page).await.has("#kpi-source"));
    assert_eq!(
        send(&app, &bob, Method::GET, &api, None).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_kpi_page_sets_changes_and_removes_its_source_on_sqlite() {
    kpi_page_source_story(Db::Sqlite).await;
}

#[tokio::test]
async fn the_kpi_page_sets_changes_and_removes_its_source_on_postgres() {
    if !postgres_configured() {
        return;
    }
    kpi_page_source_story(Db::Postgres).await;
}

/// The databases page: administrators only; a bad name or URL shown again next to its field
/// (the URL, which holds a password, never typed back); a database registered with the form
/// (tried first) listed with what it connects to without its password, who registered it and,
/// once a KPI's source queries it (set with the KPI page's form), that source; its removal
/// refused while the source uses it, then done.
async fn databases_page_story(db: Db) {
    let Some(warehouse) = postgres_database().await else {
        return;
    };
    let (app, _) = app_on(db).await;
    let (bob_id, bob) = app.member("Bob Owner").await;
    let admin = Browser::admin(&app).await;
    let member = Browser::signed_in(&app, &bob_id, "bob.owner@keel.test").await;
    let list = "/admin/source-databases";
    assert_eq!(member.get(list).await.status(), StatusCode::FORBIDDEN);
    let r = member
        .submit(list, &[("name", "Mine"), ("url", warehouse.url())])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let empty = admin.page(list).await;
    assert_eq!(empty.text("p.empty"), "No database is registered.");
    assert!(empty.texts(".sub-nav a").contains(&"Databases".to_string()));

    let secret_url = "mysql://reader:pa55word@db.example.com/sales";
    let html = admin
        .refused(list, &[("name", ""), ("url", secret_url)])
        .await;
    let p = Page::parse(&html);
    assert!(!p.text("#f-name-error").is_empty(), "{html}");
    assert!(p.text("#f-url-error").contains("PostgreSQL"), "{html}");
    assert!(!html.contains("pa55word"), "the URL is never typed back");
    let html = admin
        .refused(
            list,
            &[
                ("name", "Nowhere"),
                ("url", "postgres://nobody:pa55word@127.0.0.1:1/none"),
            ],
        )
        .await;
    let p = Page::parse(&html);
    assert!(!p.text("#f-url-error").is_empty(), "{html}");
    assert_eq!(p.attr("#f-name", "value").as_deref(), Some("Nowhere"));
    assert_eq!(
        Page::parse(&admin.html(list).await).text("p.empty"),
        "No database is registered."
    );

    let to = admin
        .done(list, &[("name", "Warehouse"), ("url", warehouse.url())])
        .await;
    assert_eq!(to, format!("{list}?done=registered"));
    let page = admin.page(list).await;
    let row = page.text("table.source-databases tbody tr");
    let host = reqwest::Url::parse(warehouse.url()).unwrap();
    assert!(
        row.contains("Warehouse")
            && row.contains(&format!("the database {}", warehouse.name()))
            && row.contains(host.host_str().unwrap())
            && row.contains("by Ada Admin")
            && row.contains("No source"),
        "{row}"
    );
    if let Some(pw) = host.password() {
        assert!(!page.html().contains(pw), "never the password");
    }
    let listed = json_of(&app, "/api/v1/source-databases").await;
    let db_id = listed["items"][0]["id"].as_str().unwrap().to_string();

    // A KPI's SQL source, set with the KPI page's form.
    let kpi = send(
        &app,
        &bob,
        Method::POST,
        "/api/v1/kpis",
        Some(json!({"name": "Databases", "unit": ""})),
    )
    .await;
    let kpi = kpi.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sql = |q: &'static str| {
        vec![
            ("name", "Database count"),
            ("kind", "sql"),
            ("database_id", db_id.as_str()),
            ("query", q),
            ("schedule", "daily"),
        ]
    };
    let form = format!("/kpis/{kpi}/source");
    let html = member.refused(&form, &sql("DELETE FROM pg_class")).await;
    assert!(
        Page::parse(&html)
            .text("#source-query-error")
            .contains("SELECT"),
        "{html}"
    );
    member.done(&form, &sql("SELECT 42")).await;
    let page = admin.page(list).await;
    let row = page.text("table.source-databases tbody tr");
    assert!(row.contains("Database count (on a KPI)"), "{row}");
    assert_eq!(
        page.attr("table.source-databases tbody a", "href"),
        Some(format!("/kpis/{kpi}"))
    );

    let remove = format!("{list}/{db_id}/delete");
    let r = admin.submit(&remove, &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(
        Page::parse(&html)
            .text(".notice.error")
            .contains("a source still queries this database"),
        "{html}"
    );
    assert_eq!(
        member.submit(&remove, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    member.done(&format!("{form}/remove"), &[]).await;
    assert_eq!(
        admin.done(&remove, &[]).await,
        format!("{list}?done=removed")
    );
    assert_eq!(
        admin.page(list).await.text("p.empty"),
        "No database is registered."
    );
}

#[tokio::test]
async fn the_databases_page_registers_lists_and_removes_on_sqlite() {
    if !postgres_configured() {
        return;
    }
    databases_page_story(Db::Sqlite).await;
}

#[tokio::test]
async fn the_databases_page_registers_lists_and_removes_on_postgres() {
    if !postgres_configured() {
        return;
    }
    databases_page_story(Db::Postgres).await;
}
