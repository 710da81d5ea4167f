//! What an operator watches: `/metrics` (off unless configured; behind its own token on the main
//! port, or alone on a separate listener), `/healthz` and `/readyz` (200, and 503 once the
//! database is gone), on SQLite and PostgreSQL.

use crate::helpers::*;
use keel_server::observe::{metrics, Metrics, Observe};
use keel_server::AppState;
use keel_store::Backend;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

const METRICS_TOKEN: &str = "scrape-0123456789abcdef";

/// A second server on the test app's store, with metrics on: served on the main port behind
/// `token` (if any). Returns its base URL and the metrics.
async fn observed(app: &TestApp, token: Option<&str>) -> (String, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::new(app.store.clone()));
    let state = AppState::new(app.store.clone())
        .with_observe(Observe::with_metrics(metrics.clone(), token));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(keel_server::serve(listener, state, std::future::pending()));
    (base, metrics)
}

async fn scrape(app: &TestApp, base: &str) -> String {
    let resp = app
        .client
        .get(format!("{base}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    resp.text().await.unwrap()
}

/// The value of the sample `series` (name and labels exactly as exposed).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_are_absent_unless_configured() {
    let app = spawn_app().await;
    for auth in [None, Some(app.token.as_str()), Some(METRICS_TOKEN)] {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        assert_eq!(req.send().await.unwrap().status(), StatusCode::NOT_FOUND);
    }
    // Metrics on, but only on a separate listener: still nothing on the main port.
    let (base, _) = observed(&app, None).await;
    let resp = app
        .client
        .get(format!("{base}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_main_port_serves_metrics_only_with_the_metrics_token() {
    let app = spawn_app().await;
    let (base, _) = observed(&app, Some(METRICS_TOKEN)).await;
    let url = format!("{base}/metrics");
    let without = app.client.get(&url).send().await.unwrap();
    assert_eq!(without.status(), StatusCode::UNAUTHORIZED);
    assert!(without.headers().contains_key("www-authenticate"));
    for wrong in [app.token.as_str(), "scrape-0123456789abcdeX", ""] {
        let resp = app
            .client
            .get(&url)
            .bearer_auth(wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{wrong}");
        assert!(!resp.text().await.unwrap().contains("keel_http"));
    }
    let text = scrape(&app, &base).await;
    assert!(
        text.contains("# TYPE keel_http_requests_total counter"),
        "{text}"
    );
    // The scheme is case-insensitive.
    let lower = app
        .client
        .get(&url)
        .header("authorization", format!("bearer {METRICS_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(lower.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_separate_listener_serves_metrics_and_nothing_else() {
    let app = spawn_app().await;
    let m = Arc::new(Metrics::new(app.store.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(metrics::serve(listener, m, std::future::pending()));
    let resp = app
        .client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("keel_db_connections"));
    for path in ["/healthz", "/api/v1/people", "/"] {
        let resp = app
            .client
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

async fn requests_are_counted_by_route_template(db: Db) {
    let app = spawn_app_on(db).await;
    let (base, _) = observed(&app, Some(METRICS_TOKEN)).await;
    let get = |path: &str| {
        app.client
            .get(format!("{base}{path}"))
            .bearer_auth(&app.token)
            .send()
    };
    let ids = [
        "0190a1b2c3d4e5f6a7b8c9d0e1f2a3b4",
        "0190a1b2c3d4e5f6a7b8c9d0e1f2a3b5",
    ];
    for id in ids {
        let resp = get(&format!("/api/v1/objectives/{id}")).await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(
        get("/api/v1/objectives").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        get("/no/such/page?token=abc").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let text = scrape(&app, &base).await;
    let by_id =
        r#"keel_http_requests_total{method="GET",route="/api/v1/objectives/{id}",status="404"}"#;
    assert_eq!(sample(&text, by_id), Some(2.0), "{text}");
    let list = r#"keel_http_requests_total{method="GET",route="/api/v1/objectives",status="200"}"#;
    assert_eq!(sample(&text, list), Some(1.0), "{text}");
    let unmatched = r#"keel_http_requests_total{method="GET",route="unmatched",status="404"}"#;
    assert_eq!(sample(&text, unmatched), Some(1.0), "{text}");
    // Route templates only: no id, path or query string becomes a label.
    for raw in [ids[0], "/no/such", "token"] {
        assert!(!text.contains(raw), "{raw} in {text}");
    }
    let hist = r#"keel_http_request_duration_seconds_bucket{method="GET",route="/api/v1/objectives/{id}",le="+Inf"}"#;
    assert_eq!(sample(&text, hist), Some(2.0), "{text}");
    let small = r#"keel_http_request_duration_seconds_bucket{method="GET",route="/api/v1/objectives/{id}",le="0.0005"}"#;
    assert!(sample(&text, small).is_some(), "{text}");
    let count =
        r#"keel_http_request_duration_seconds_count{method="GET",route="/api/v1/objectives/{id}"}"#;
    assert_eq!(sample(&text, count), Some(2.0), "{text}");
    let (in_use, idle, max) = (
        sample(&text, r#"keel_db_connections{state="in_use"}"#).unwrap(),
        sample(&text, r#"keel_db_connections{state="idle"}"#).unwrap(),
        sample(&text, "keel_db_connections_max").unwrap(),
    );
    assert!(idle >= 1.0 && in_use + idle <= max, "{text}");
    assert_eq!(
        max,
        if app.store.backend() == "sqlite" {
            5.0
        } else {
            16.0
        }
    );
}

#[tokio::test]
async fn requests_are_counted_by_route_template_on_sqlite() {
    requests_are_counted_by_route_template(Db::Sqlite).await;
}

#[tokio::test]
async fn requests_are_counted_by_route_template_on_postgres() {
    if postgres_configured() {
        requests_are_counted_by_route_template(Db::Postgres).await;
    }
}

async fn check_in_commits_are_counted(db: Db) {
    let app = spawn_app_on(db).await;
    let (base, _) = observed(&app, Some(METRICS_TOKEN)).await;
    let before = scrape(&app, &base).await;
    assert_eq!(
        sample(&before, "keel_check_in_commits_total"),
        Some(0.0),
        "{before}"
    );
    assert_eq!(sample(&before, "keel_check_in_queue_depth"), Some(0.0));
    let cycle = app.cycle("2026 Q4").await;
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
            json!({"title": "NPS", "kind": "increase", "start": 20, "target": 40}),
        )
        .await;
    let path = format!(
        "/api/v1/key-results/{}/check-ins",
        kr["id"].as_str().unwrap()
    );
    for v in [25, 30] {
        app.create(&path, json!({"value": v, "confidence": 6}))
            .await;
    }
    let text = scrape(&app, &base).await;
    assert_eq!(
        sample(&text, "keel_check_in_commits_total"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "keel_check_in_commit_retries_total"),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, r#"keel_check_in_commit_size_bucket{le="1"}"#),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, r#"keel_check_in_commit_size_bucket{le="+Inf"}"#),
        Some(2.0)
    );
    assert_eq!(sample(&text, "keel_check_in_commit_size_sum"), Some(2.0));
    assert_eq!(sample(&text, "keel_check_in_queue_depth"), Some(0.0));
    // Each check-in's key result in context: read in groups on PostgreSQL (one each here,
    // one at a time), not counted on SQLite, which reads each alone.
    let read = if app.store.backend() == "postgres" {
        2.0
    } else {
        0.0
    };
    assert_eq!(
        sample(&text, "keel_check_in_context_reads_total"),
        Some(read)
    );
    assert_eq!(
        sample(&text, "keel_check_in_context_read_groups_total"),
        Some(read)
    );
    let posted = r#"keel_http_requests_total{method="POST",route="/api/v1/key-results/{id}/check-ins",status="201"}"#;
    // The check-ins went to the test app's own server, not this one: only its scrapes count.
    assert_eq!(sample(&text, posted), None);
}

#[tokio::test]
async fn check_in_commits_are_counted_on_sqlite() {
    check_in_commits_are_counted(Db::Sqlite).await;
}

#[tokio::test]
async fn check_in_commits_are_counted_on_postgres() {
    if postgres_configured() {
        check_in_commits_are_counted(Db::Postgres).await;
    }
}

#[tokio::test]
async fn the_job_runner_counts_its_runs_by_kind_and_outcome() {
    use keel_server::jobs::{tick_observed, JobMetrics};
    use keel_store::{Jobs, NewJob};
    let app = spawn_app().await;
    let (base, m) = observed(&app, Some(METRICS_TOKEN)).await;
    let jobs = JobMetrics::register(&m);
    let now = chrono::Utc::now();
    // A job no runner knows fails, and is queued again for a retry.
    let unknown = NewJob {
        kind: "no_such_job".into(),
        unique_key: None,
        payload: json!({}),
        run_at: now,
        max_attempts: 3,
    };
    app.store.enqueue_job(&unknown).await.unwrap();
    let mail = keel_server::mail::MailConfig::default();
    let ran = tick_observed(app.store.as_ref(), "metrics-test", now, &mail, Some(&jobs))
        .await
        .unwrap();
    assert_eq!(
        ran,
        keel_server::jobs::SCHEDULES.len() + 1,
        "this hour's round of every periodic job, and the unknown job"
    );
    let text = scrape(&app, &base).await;
    let done = r#"keel_job_runs_total{kind="evaluate_key_results",outcome="done"}"#;
    assert_eq!(sample(&text, done), Some(1.0), "{text}");
    let retry = r#"keel_job_runs_total{kind="no_such_job",outcome="retry"}"#;
    assert_eq!(sample(&text, retry), Some(1.0), "{text}");
    let timed = r#"keel_job_duration_seconds_count{kind="evaluate_key_results"}"#;
    assert_eq!(sample(&text, timed), Some(1.0), "{text}");
}

async fn probes_answer(db: Db) {
    let app = spawn_app_on(db).await;
    let anonymous = reqwest::Client::new();
    // At the root for probes, under /api/v1 as the API document lists them; with or without a
    // token (a person's token is not needed, and not refused).
    for prefix in ["", "/api/v1"] {
        for token in [None, Some(app.token.as_str())] {
            let get = |path: &str| {
                let req = anonymous.get(app.url(&format!("{prefix}{path}")));
                match token {
                    Some(t) => req.bearer_auth(t),
                    None => req,
                }
                .send()
            };
            let live = get("/healthz").await.unwrap();
            assert_eq!(live.status(), StatusCode::OK);
            assert_eq!(live.json::<Value>().await.unwrap(), json!({"status": "ok"}));
            let ready = get("/readyz").await.unwrap();
            assert_eq!(ready.status(), StatusCode::OK);
            assert_eq!(
                ready.json::<Value>().await.unwrap(),
                json!({"status": "ready"})
            );
        }
    }
}

#[tokio::test]
async fn probes_answer_on_sqlite() {
    probes_answer(Db::Sqlite).await;
}

#[tokio::test]
async fn probes_answer_on_postgres() {
    if postgres_configured() {
        probes_answer(Db::Postgres).await;
    }
}

/// A server on a database of its own (no one in it): its base URL.
async fn bare_app(url: &str) -> String {
    let store = keel_store::open(url).await.expect("open the store");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(keel_server::serve(
        listener,
        AppState::new(store),
        std::future::pending(),
    ));
    base
}

/// 503, a problem document that names nothing of the server (no path, no database error),
/// while `/healthz` (liveness) still answers.
async fn assert_not_ready(base: &str, secrets: &[&str]) {
    let client = reqwest::Client::new();
    for path in ["/readyz", "/api/v1/readyz"] {
        let resp = client.get(format!("{base}{path}")).send().await.unwrap();
        let body = assert_problem(resp, StatusCode::SERVICE_UNAVAILABLE, None).await;
        let text = body.to_string();
        for s in secrets {
            assert!(!text.contains(s), "{s} in {text}");
        }
    }
    let live = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(live.status(), StatusCode::OK);
}

async fn assert_ready(base: &str) {
    let resp = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn readyz_is_503_once_the_sqlite_file_is_gone() {
    let dir =
        TempDir(std::env::temp_dir().join(format!("keel-ready-{}", uuid::Uuid::now_v7().simple())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let base = bare_app(&format!("sqlite://{}", dir.0.join("keel.db").display())).await;
    assert_ready(&base).await;
    for f in ["keel.db", "keel.db-wal", "keel.db-shm"] {
        let _ = std::fs::remove_file(dir.0.join(f));
    }
    assert_not_ready(&base, &["keel.db", "keel-ready"]).await;
}

#[tokio::test]
async fn readyz_is_503_once_postgres_refuses_the_database() {
    if !postgres_configured() {
        return;
    }
    // Dropped (WITH FORCE) when the test ends, also when it fails.
    let pg = postgres_database().await.unwrap();
    let url = pg.url().to_string();
    let name = pg.name().to_string();
    let base = bare_app(&url).await;
    assert_ready(&base).await;
    use sqlx::Connection;
    let admin_url = std::env::var("KEEL_TEST_POSTGRES_URL").unwrap();
    let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    // The database stops taking connections and drops those it has: as if it went away.
    for sql in [
        format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
        format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"),
    ] {
        sqlx::query(&sql).execute(&mut conn).await.unwrap();
    }
    assert_not_ready(&base, &[&name, "postgres", "127.0.0.1"]).await;
}
