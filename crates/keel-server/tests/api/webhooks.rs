//! Outbound webhooks with real parts: a real HTTP receiver on loopback (axum, in the test) gets
//! the deliveries the job runner sends; its signatures are checked with an independent HMAC,
//! its answers script the retries (500, 500, then 200), and the SSRF rules are driven with
//! redirects, a slow receiver, an oversized answer and private addresses. Slack and Teams
//! bodies are checked against the schemas kept in `tests/schemas/`. Both backends.

use crate::helpers::*;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::response::IntoResponse;
use hmac::{Hmac, Mac};
use keel_server::mail::MailConfig;
use keel_server::outbound::{Limits, Outbound, OutboundError, OutboundPolicy};
use keel_server::secrets::KeySource;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// A real HTTP server on loopback that records what it receives and answers as scripted.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// Statuses `/hook` answers, in order; 200 once they run out.
    answers: Arc<Mutex<VecDeque<u16>>>,
    base: String,
}

impl Receiver {
    pub(crate) async fn start(answers: &[u16]) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let r = Receiver {
            answers: Arc::new(Mutex::new(answers.iter().copied().collect())),
            base,
            ..Default::default()
        };
        let state = r.clone();
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: axum::body::Bytes| {
                let state = state.clone();
                async move { state.answer(uri.path(), headers, body).await }
            },
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        r
    }

    async fn answer(
        &self,
        path: &str,
        headers: HeaderMap,
        body: axum::body::Bytes,
    ) -> axum::response::Response {
        self.got.lock().unwrap().push(Received {
            path: path.to_string(),
            headers,
            body: body.to_vec(),
        });
        match path {
            "/redirect" => (
                AxumStatus::FOUND,
                [("location", format!("{}/hook", self.base))],
                "moved",
            )
                .into_response(),
            "/slow" => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                "late".into_response()
            }
            "/big" => vec![b'x'; 300 * 1024].into_response(),
            "/json" => axum::Json(json!({"value": 42})).into_response(),
            "/html" => (
                [("content-type", "text/html")],
                "<html>internal admin console</html>",
            )
                .into_response(),
            _ => {
                let code = self.answers.lock().unwrap().pop_front().unwrap_or(200);
                (
                    AxumStatus::from_u16(code).unwrap(),
                    "internal-secret-body: do not echo",
                )
                    .into_response()
            }
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn received(&self, path: &str) -> Vec<Received> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

/// The mail configuration the app and its job runner share: a secret key, and private
/// addresses allowed or not.
fn config(allow_private: bool) -> MailConfig {
    MailConfig {
        keys: KeySource {
            env: Some("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into()),
            file: None,
        },
        outbound: OutboundPolicy { allow_private },
        ..Default::default()
    }
}

pub(crate) async fn app_with(db: Db, allow_private: bool) -> (TestApp, MailConfig) {
    let mail = config(allow_private);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = spawn_app_with_mail(db, listener, Default::default(), mail.clone()).await;
    (app, mail)
}

/// Runs the job runner's rounds until `done` holds, each an hour after the last (past any
/// retry's backoff); at most `rounds`.
pub(crate) async fn run_jobs(app: &TestApp, mail: &MailConfig, rounds: u32) {
    let mut now = keel_server::services::now();
    for _ in 0..rounds {
        keel_server::jobs::tick_with(app.store.as_ref(), "test-worker", now, mail)
            .await
            .unwrap();
        now += chrono::Duration::hours(1);
    }
}

/// An objective (public unless `visibility` says otherwise) with one key result; their ids.
async fn okr(app: &TestApp, cycle: &str, visibility: &str, title: &str) -> (String, String) {
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": format!("{title} objective"), "cycle_id": cycle, "visibility": visibility}),
        )
        .await;
    let o_id = o["id"].as_str().unwrap().to_string();
    let k = app
        .create(
            &format!("/api/v1/objectives/{o_id}/key-results"),
            json!({"title": title, "kind": "increase", "start": 0, "target": 100, "unit": "%"}),
        )
        .await;
    (o_id, k["id"].as_str().unwrap().to_string())
}

async fn check_in(app: &TestApp, kr: &str, value: f64) {
    app.create(
        &format!("/api/v1/key-results/{kr}/check-ins"),
        json!({"value": value, "confidence": 7, "note": "steady"}),
    )
    .await;
}

async fn register(app: &TestApp, url: &str, events: &[&str], format: &str) -> (String, String) {
    let w = app
        .create(
            "/api/v1/webhooks",
            json!({"url": url, "events": events, "format": format}),
        )
        .await;
    (
        w["id"].as_str().unwrap().to_string(),
        w["secret"].as_str().unwrap().to_string(),
    )
}

async fn deliveries(app: &TestApp, webhook: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/webhooks/{webhook}/deliveries"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    v["items"].as_array().unwrap().clone()
}

/// Checks a `Keel-Signature` header against the body, with an HMAC computed here.
pub(crate) fn verify(secret: &str, r: &Received) {
    let header = r.headers["keel-signature"].to_str().unwrap();
    let (t, v1) = header.split_once(',').unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let v1 = v1.strip_prefix("v1=").unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&r.body);
    mac.verify_slice(&hex::decode(v1).unwrap())
        .expect("the signature matches the body");
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap();
    assert!((0..600).contains(&age), "a fresh timestamp: {age}");
}

/// 500, 500, then 200: three attempts, each signed and logged, then delivered; the body of a
/// failed answer is never repeated.
async fn signed_retried_and_logged(db: Db) {
    let receiver = Receiver::start(&[500, 500]).await;
    let (app, mail) = app_with(db, true).await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, kr) = okr(&app, &cycle, "public", "NPS").await;
    let created = app
        .create(
            "/api/v1/webhooks",
            json!({"url": receiver.url("/hook"), "events": ["check_in.recorded"],
                   "secret": "a-chosen-secret-of-some-length"}),
        )
        .await;
    assert_eq!(created["secret"], "a-chosen-secret-of-some-length");
    assert_eq!(created["format"], "keel");
    let id = created["id"].as_str().unwrap().to_string();
    // The secret is never shown again, nor stored in clear.
    let shown: Value = app
        .get(&format!("/api/v1/webhooks/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(shown.get("secret").is_none(), "{shown}");
    let listed: Value = app.get("/api/v1/webhooks").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains("a-chosen-secret"));
    let stored = keel_store::Webhooks::webhook(
        app.store.as_ref(),
        &keel_domain::WebhookId::from_string(id.clone()),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(stored.secret_sealed.starts_with("v1:") && !stored.secret_sealed.contains("chosen"));

    check_in(&app, &kr, 25.0).await;
    run_jobs(&app, &mail, 1).await;
    let d = deliveries(&app, &id).await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["state"], "pending");
    let first = &d[0]["attempts"][0];
    assert_eq!(first["status_code"], 500);
    let error = first["error"].as_str().unwrap();
    assert_eq!(error, "the receiver answered 500");
    assert!(first["duration_ms"].as_u64().is_some());

    run_jobs(&app, &mail, 4).await;
    let d = deliveries(&app, &id).await;
    assert_eq!(d[0]["state"], "delivered", "{:#}", d[0]);
    let codes: Vec<u64> = d[0]["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_u64().unwrap())
        .collect();
    assert_eq!(codes, [500, 500, 200]);
    assert!(!d[0].to_string().contains("internal-secret-body"));

    let got = receiver.received("/hook");
    assert_eq!(got.len(), 3, "three attempts, then no more");
    for r in &got {
        verify("a-chosen-secret-of-some-length", r);
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(r.headers["keel-event"], "check_in.recorded");
    }
    let body: Value = serde_json::from_slice(&got[2].body).unwrap();
    assert_eq!(body["event"], "check_in.recorded");
    assert_eq!(
        body["id"], d[0]["id"],
        "the delivery id is the receiver's key"
    );
    assert_eq!(got[0].body, got[2].body, "a retry sends the same event");
    assert_eq!(
        got[0].headers["keel-delivery"],
        d[0]["id"].as_str().unwrap()
    );
    assert_eq!(body["data"]["key_result"]["title"], "NPS");
    assert_eq!(body["data"]["key_result"]["id"], kr.as_str());
    assert_eq!(body["data"]["objective"]["id"], o.as_str());
    assert_eq!(body["data"]["check_in"]["value"], 25.0);
    assert_eq!(body["data"]["author"]["name"], "Ada Admin");
    // A tampered body fails the check.
    let mut forged = got[2].clone();
    forged.body = br#"{"event":"forged"}"#.to_vec();
    let result = std::panic::catch_unwind(|| verify("a-chosen-secret-of-some-length", &forged));
    assert!(result.is_err(), "a forged body must not verify");
}

#[tokio::test]
async fn deliveries_are_signed_retried_and_logged_on_sqlite() {
    signed_retried_and_logged(Db::Sqlite).await;
}

#[tokio::test]
async fn deliveries_are_signed_retried_and_logged_on_postgres() {
    if !postgres_configured() {
        return;
    }
    signed_retried_and_logged(Db::Postgres).await;
}

/// Events about private or team objectives are never written, nor sent; a change that rolls
/// back leaves no delivery.
async fn private_okrs_never_sent(db: Db) {
    let receiver = Receiver::start(&[]).await;
    let (app, mail) = app_with(db, true).await;
    let cycle = app.cycle("2026 Q4").await;
    let (_, private_kr) = okr(&app, &cycle, "private", "Secret merger").await;
    let (_, team_kr) = okr(&app, &cycle, "team", "Team only").await;
    let (_, public_kr) = okr(&app, &cycle, "public", "Open goal").await;
    let (member, _) = app.member("Bea Member").await;
    let (id, _) = register(
        &app,
        &receiver.url("/hook"),
        &["check_in.recorded", "ownership.requested"],
        "keel",
    )
    .await;
    check_in(&app, &private_kr, 10.0).await;
    check_in(&app, &team_kr, 10.0).await;
    let r = app
        .post(
            &format!("/api/v1/key-results/{private_kr}/ownership"),
            json!({"owner_id": member}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert!(deliveries(&app, &id).await.is_empty());

    // A batch whose second check-in fails rolls back whole: no delivery for the first.
    let ctx = keel_store::WriteCtx::system(keel_domain::Source::Api);
    let kr = keel_store::KeyResults::key_result(
        app.store.as_ref(),
        &keel_domain::KeyResultId::from_string(public_kr.clone()),
    )
    .await
    .unwrap()
    .unwrap();
    let c = |k: &keel_domain::KeyResult| keel_domain::CheckIn {
        id: keel_domain::CheckInId::generate(),
        key_result_id: k.id.clone(),
        value: 50.0,
        confidence: keel_domain::Confidence::new(5, Default::default()).unwrap(),
        note: String::new(),
        author_id: None,
        at: chrono::Utc::now(),
        created_at: chrono::Utc::now(),
        scale: Default::default(),
        corrects: None,
        retracted: None,
        source: None,
    };
    let gone = keel_domain::KeyResult {
        id: keel_domain::KeyResultId::from_string("gone"),
        ..kr.clone()
    };
    let failed = keel_store::CheckIns::record_check_ins(
        app.store.as_ref(),
        &ctx,
        &[(c(&kr), kr.clone()), (c(&gone), gone.clone())],
    )
    .await;
    assert!(failed.is_err());
    assert!(deliveries(&app, &id).await.is_empty());

    check_in(&app, &public_kr, 30.0).await;
    run_jobs(&app, &mail, 1).await;
    let d = deliveries(&app, &id).await;
    assert_eq!(d.len(), 1, "only the public check-in");
    let got = receiver.received("/hook");
    assert_eq!(got.len(), 1);
    let text = String::from_utf8(got[0].body.clone()).unwrap();
    assert!(text.contains("Open goal"));
    assert!(!text.contains("Secret merger") && !text.contains("Team only"));
}

#[tokio::test]
async fn private_okrs_are_never_sent_on_sqlite() {
    private_okrs_never_sent(Db::Sqlite).await;
}

#[tokio::test]
async fn private_okrs_are_never_sent_on_postgres() {
    if !postgres_configured() {
        return;
    }
    private_okrs_never_sent(Db::Postgres).await;
}

/// Private addresses are refused without the setting (literal at saving, resolved at sending);
/// a redirect is refused and not followed.
async fn refused_addresses_and_redirects(db: Db) {
    let receiver = Receiver::start(&[]).await;
    let (closed, closed_mail) = app_with(db, false).await;
    let r = closed
        .post(
            "/api/v1/webhooks",
            json!({"url": receiver.url("/hook"), "events": ["cycle.closed"]}),
        )
        .await;
    let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("url")).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("loopback") && detail.contains("KEEL_WEBHOOK_ALLOW_PRIVATE"),
        "{detail}"
    );
    for url in [
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:10.0.0.1]/",
        "http://10.1.2.3/",
    ] {
        let r = closed
            .post(
                "/api/v1/webhooks",
                json!({"url": url, "events": ["cycle.closed"]}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("url")).await;
    }
    // A name is checked when it is resolved, at each delivery: localhost is refused then.
    let port = receiver.base.rsplit(':').next().unwrap();
    let (id, _) = register(
        &closed,
        &format!("http://localhost:{port}/hook"),
        &["cycle.closed"],
        "keel",
    )
    .await;
    let r = closed
        .post(&format!("/api/v1/webhooks/{id}/test"), json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    run_jobs(&closed, &closed_mail, 1).await;
    let d = deliveries(&closed, &id).await;
    let error = d[0]["attempts"][0]["error"].as_str().unwrap();
    assert!(error.contains("a loopback address"), "{error}");
    assert!(d[0]["attempts"][0]["status_code"].is_null());
    assert!(
        receiver.received("/hook").is_empty(),
        "nothing reached the receiver"
    );

    // With the setting, loopback is reached; a redirect is an error and is not followed.
    let (open, open_mail) = app_with(Db::Sqlite, true).await;
    let (id, _) = register(&open, &receiver.url("/redirect"), &["cycle.closed"], "keel").await;
    open.post(&format!("/api/v1/webhooks/{id}/test"), json!({}))
        .await;
    run_jobs(&open, &open_mail, 1).await;
    let d = deliveries(&open, &id).await;
    let attempt = &d[0]["attempts"][0];
    assert_eq!(attempt["status_code"], 302);
    assert_eq!(
        attempt["error"],
        "the receiver answered with a redirect (302); redirects are not followed"
    );
    assert_eq!(receiver.received("/redirect").len(), 1);
    assert!(
        receiver.received("/hook").is_empty(),
        "the redirect was not followed"
    );
}

#[tokio::test]
async fn private_addresses_and_redirects_are_refused_on_sqlite() {
    refused_addresses_and_redirects(Db::Sqlite).await;
}

#[tokio::test]
async fn private_addresses_and_redirects_are_refused_on_postgres() {
    if !postgres_configured() {
        return;
    }
    refused_addresses_and_redirects(Db::Postgres).await;
}

/// The outbound client's limits, against a real server: a timeout, an answer too large, an
/// answer that is not JSON, never echoing the body.
#[tokio::test]
async fn the_outbound_client_bounds_time_and_size() {
    let receiver = Receiver::start(&[503]).await;
    let limits = Limits {
        connect: Duration::from_secs(1),
        total: Duration::from_secs(1),
        max_response_bytes: 256 * 1024,
    };
    let open = Outbound::new(
        OutboundPolicy {
            allow_private: true,
        },
        limits,
    );
    let e = open
        .post_json(&receiver.url("/slow"), &[], b"{}".to_vec())
        .await
        .unwrap_err();
    assert_eq!(e, OutboundError::Timeout(1));
    let e = open.get_json(&receiver.url("/big"), &[]).await.unwrap_err();
    assert_eq!(e, OutboundError::TooLarge(256 * 1024));
    let e = open
        .get_json(&receiver.url("/html"), &[])
        .await
        .unwrap_err();
    assert_eq!(e, OutboundError::NotJson);
    assert!(!e.to_string().contains("admin console"));
    let e = open
        .get_json(&receiver.url("/hook"), &[])
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "the receiver answered 503");
    let (v, r) = open
        .get_json(
            &receiver.url("/json"),
            &[("authorization", "Bearer x".into())],
        )
        .await
        .unwrap();
    assert_eq!((v, r.status), (json!({"value": 42}), 200));
    let sent = receiver.received("/json");
    assert_eq!(sent[0].headers["authorization"], "Bearer x");
    let closed = Outbound::new(OutboundPolicy::default(), limits);
    let e = closed
        .post_json(&receiver.url("/hook"), &[], b"{}".to_vec())
        .await
        .unwrap_err();
    assert!(matches!(e, OutboundError::Refused { .. }), "{e:?}");
    assert!(matches!(
        closed.get_json("ftp://example.com/x", &[]).await,
        Err(OutboundError::Scheme(_))
    ));
}

/// Bad input names the field (422); people who are not administrators are refused.
async fn bad_input(db: Db) {
    let (app, _) = app_with(db, true).await;
    let cases = [
        (
            json!({"url": "not a url", "events": ["cycle.closed"]}),
            "url",
        ),
        (
            json!({"url": "ftp://example.com/hook", "events": ["cycle.closed"]}),
            "url",
        ),
        (json!({"events": ["cycle.closed"]}), "url"),
        (
            json!({"url": "https://example.com/h", "events": ["cycle.closed", "okr.eaten"]}),
            "events[1]",
        ),
        (
            json!({"url": "https://example.com/h", "events": []}),
            "events",
        ),
        (
            json!({"url": "https://example.com/h", "events": ["webhook.test"]}),
            "events[0]",
        ),
        (
            json!({"url": "https://example.com/h", "events": ["cycle.closed"], "secret": ""}),
            "secret",
        ),
        (
            json!({"url": "https://example.com/h", "events": ["cycle.closed"], "secret": "short"}),
            "secret",
        ),
        (
            json!({"url": "https://example.com/h", "events": ["cycle.closed"], "format": "xml"}),
            "format",
        ),
    ];
    for (body, field) in cases {
        let r = app.post("/api/v1/webhooks", body.clone()).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
    }
    let listed: Value = app.get("/api/v1/webhooks").await.json().await.unwrap();
    assert!(
        listed["items"].as_array().unwrap().is_empty(),
        "nothing written"
    );
    let (id, _) = register(&app, "https://example.com/h", &["cycle.closed"], "slack").await;
    let r = app
        .patch(
            &format!("/api/v1/webhooks/{id}"),
            json!({"url": "gopher://x"}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("url")).await;
    let r = app
        .patch(
            &format!("/api/v1/webhooks/{id}"),
            json!({"events": ["check_in.recorded"], "format": "teams"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["events"], json!(["check_in.recorded"]));
    assert_eq!(v["format"], "teams");
    assert_eq!(v["url"], "https://example.com/h");
    let (_, member) = app.member("Mo Member").await;
    let r = app
        .req_as(&member, Method::GET, "/api/v1/webhooks")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .req_as(&member, Method::POST, "/api/v1/webhooks")
        .json(&json!({"url": "https://example.com/h", "events": ["cycle.closed"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .req(Method::DELETE, &format!("/api/v1/webhooks/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app.get(&format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_webhook_input_names_the_field_on_sqlite() {
    bad_input(Db::Sqlite).await;
}

#[tokio::test]
async fn bad_webhook_input_names_the_field_on_postgres() {
    if !postgres_configured() {
        return;
    }
    bad_input(Db::Postgres).await;
}

/// Every event in Slack's and Teams' formats: each body matches the schema kept in the repo.
async fn chat_formats(db: Db) {
    let receiver = Receiver::start(&[]).await;
    let (app, mail) = app_with(db, true).await;
    let cycle = app.cycle("2026 Q4").await;
    let (_, kr) = okr(&app, &cycle, "public", "Churn <5% & falling").await;
    let (member, member_token) = app.member("Bea Member").await;
    let all = [
        "check_in.recorded",
        "key_result.status_changed",
        "ownership.requested",
        "ownership.answered",
        "cycle.closed",
    ];
    let (slack, _) = register(&app, &receiver.url("/slack"), &all, "slack").await;
    let (teams, _) = register(&app, &receiver.url("/teams"), &all, "teams").await;
    let (keel, _) = register(&app, &receiver.url("/keel"), &all, "keel").await;

    check_in(&app, &kr, 20.0).await;
    let r = app
        .post(
            &format!("/api/v1/key-results/{kr}/ownership"),
            json!({"owner_id": member}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let r = app
        .req_as(
            &member_token,
            Method::POST,
            &format!("/api/v1/key-results/{kr}/ownership/decline"),
        )
        .json(&json!({"reason": "not my area"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    // A status change, as the evaluator records it: first sight (silent), then a change.
    let signal = |status| keel_store::KeyResultSignal {
        key_result_id: keel_domain::KeyResultId::from_string(kr.clone()),
        status,
        due: false,
        evaluated_at: chrono::Utc::now(),
    };
    use keel_domain::rhythm::Status;
    use keel_store::Notifications;
    app.store
        .record_key_result_signals(&[signal(Status::OnTrack)], vec![])
        .await
        .unwrap();
    app.store
        .record_key_result_signals(&[signal(Status::OffTrack)], vec![])
        .await
        .unwrap();
    let r = app
        .post(&format!("/api/v1/cycles/{cycle}/close"), json!({}))
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    for id in [&slack, &teams] {
        app.post(&format!("/api/v1/webhooks/{id}/test"), json!({}))
            .await;
    }
    // Seventeen deliveries and the periodic jobs: a round claims ten jobs.
    run_jobs(&app, &mail, 5).await;

    let events = |path: &str| -> Vec<String> {
        receiver
            .received(path)
            .iter()
            .map(|r| r.headers["keel-event"].to_str().unwrap().to_string())
            .collect()
    };
    let mut seen = events("/keel");
    seen.sort();
    let logged = deliveries(&app, &keel).await;
    assert!(
        logged.iter().all(|d| d["state"] == "delivered"),
        "{logged:#?}"
    );
    assert_eq!(logged.len(), 5);
    assert_eq!(
        seen,
        [
            "check_in.recorded",
            "cycle.closed",
            "key_result.status_changed",
            "ownership.answered",
            "ownership.requested",
        ]
    );
    let slack_schema = schema("slack_incoming_webhook.json");
    let teams_schema = schema("teams_workflow_message.json");
    let got_slack = receiver.received("/slack");
    let got_teams = receiver.received("/teams");
    assert_eq!(got_slack.len(), 6, "five events and the test");
    assert_eq!(got_teams.len(), 6);
    for r in &got_slack {
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        let errors = validate(&slack_schema, &body, "$");
        assert!(errors.is_empty(), "{errors:?} in {body:#}");
    }
    for r in &got_teams {
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        let errors = validate(&teams_schema, &body, "$");
        assert!(errors.is_empty(), "{errors:?} in {body:#}");
    }
    let texts: Vec<String> = got_slack
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Ada Admin checked in on “Churn <5% & falling”: 20 %")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("is now off track (it was on track)")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Bea Member declined ownership") && t.contains("not my area")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("The cycle 2026 Q4 was closed.")),
        "{texts:?}"
    );
    // The schema check can fail: a body without its card is refused.
    let broken = json!({"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": {"type": "AdaptiveCard"}}]});
    assert!(!validate(&teams_schema, &broken, "$").is_empty());
    assert!(!validate(&slack_schema, &json!({"blocks": "no"}), "$").is_empty());
}

#[tokio::test]
async fn slack_and_teams_bodies_match_their_schemas_on_sqlite() {
    chat_formats(Db::Sqlite).await;
}

#[tokio::test]
async fn slack_and_teams_bodies_match_their_schemas_on_postgres() {
    if !postgres_configured() {
        return;
    }
    chat_formats(Db::Postgres).await;
}

/// The admin page: add a webhook (its secret shown once), a refused field shown next to it,
/// the test button, the deliveries listed in words.
#[tokio::test]
async fn the_admin_page_adds_tests_and_lists_deliveries() {
    let receiver = Receiver::start(&[500]).await;
    let (app, mail) = app_with(Db::Sqlite, true).await;
    let b = Browser::admin(&app).await;
    let page = b.page("/admin/webhooks").await;
    assert!(page.mentions("No webhook yet"));
    assert!(page.mentions("KEEL_WEBHOOK_ALLOW_PRIVATE=true"));
    let html = b
        .refused(
            "/admin/webhooks",
            &[("url", "ftp://example.com"), ("format", "keel")],
        )
        .await;
    let refused = Page::parse(&html);
    assert!(refused
        .field_error("url")
        .unwrap()
        .contains("http and https"));
    assert!(refused
        .field_error("events")
        .unwrap()
        .contains("at least one"));
    assert_eq!(refused.field("url").as_deref(), Some("ftp://example.com"));
    let resp = b
        .submit(
            "/admin/webhooks",
            &[
                ("url", &receiver.url("/hook")),
                ("events", "check_in.recorded"),
                ("events", "cycle.closed"),
                ("format", "slack"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created = Page::parse(&resp.text().await.unwrap());
    let secret = created.text("code.secret");
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    let listed: Value = app.get("/api/v1/webhooks").await.json().await.unwrap();
    let id = listed["items"][0]["id"].as_str().unwrap().to_string();
    let page = b.page(&format!("/admin/webhooks/{id}")).await;
    assert!(
        !page.html().contains(&secret),
        "the secret is shown once only"
    );
    assert_eq!(page.checked_values(), ["check_in.recorded", "cycle.closed"]);
    let to = b.done(&format!("/admin/webhooks/{id}/test"), &[]).await;
    assert!(to.starts_with(&format!("/admin/webhooks/{id}?test=1")));
    run_jobs(&app, &mail, 1).await;
    let page = b.page(&format!("/admin/webhooks/{id}")).await;
    assert!(
        page.mentions("Failed, will be tried again"),
        "{}",
        page.body()
    );
    assert!(page.mentions("the receiver answered 500"));
    assert!(!page.html().contains("internal-secret-body"));
    run_jobs(&app, &mail, 2).await;
    let page = b.page(&format!("/admin/webhooks/{id}")).await;
    assert!(
        page.mentions("Delivered") && page.mentions("answered 200"),
        "{}",
        page.body()
    );
    // Saving without a secret keeps it; the member is refused.
    let to = b
        .done(
            &format!("/admin/webhooks/{id}"),
            &[
                ("url", &receiver.url("/hook")),
                ("events", "cycle.closed"),
                ("format", "teams"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(to, format!("/admin/webhooks/{id}?saved=1"));
    let (member, _) = app.member("Mo Member").await;
    let mb = Browser::signed_in(&app, &member, "mo.member@keel.test").await;
    assert_eq!(
        mb.get("/admin/webhooks").await.status(),
        StatusCode::FORBIDDEN
    );
    let to = b.done(&format!("/admin/webhooks/{id}/delete"), &[]).await;
    assert!(to.starts_with("/admin/webhooks"));
    assert!(b.page("/admin/webhooks").await.mentions("No webhook yet"));
}

/// A schema kept in the repository (nothing is downloaded at test time).
fn schema(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/schemas")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The JSON Schema keywords the kept schemas use (`type`, `required`, `properties`,
/// `additionalProperties: false`, `items`, `enum`, `const`, `minItems`, `maxItems`,
/// `minLength`, `maxLength`): every violation, by path.
fn validate(schema: &Value, v: &Value, at: &str) -> Vec<String> {
    let mut out = vec![];
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "number" => v.is_number(),
            "integer" => v.is_i64() || v.is_u64(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            return vec![format!("{at}: not of type {t}")];
        }
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            out.push(format!("{at}: must be {c}"));
        }
    }
    if let Some(Value::Array(e)) = schema.get("enum") {
        if !e.contains(v) {
            out.push(format!(
                "{at}: {v} is not one of {}",
                Value::Array(e.clone())
            ));
        }
    }
    if let Some(s) = v.as_str() {
        let n = s.chars().count() as u64;
        if schema
            .get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| n < m)
        {
            out.push(format!("{at}: too short"));
        }
        if schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| n > m)
        {
            out.push(format!("{at}: too long"));
        }
    }
    if let Some(items) = v.as_array() {
        let n = items.len() as u64;
        if schema
            .get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| n < m)
        {
            out.push(format!("{at}: too few items"));
        }
        if schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| n > m)
        {
            out.push(format!("{at}: too many items"));
        }
        if let Some(s) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                out.extend(validate(s, item, &format!("{at}[{i}]")));
            }
        }
    }
    if let Some(obj) = v.as_object() {
        if let Some(Value::Array(req)) = schema.get("required") {
            for r in req.iter().filter_map(Value::as_str) {
                if !obj.contains_key(r) {
                    out.push(format!("{at}: {r} is required"));
                }
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => out.extend(validate(s, val, &format!("{at}.{k}"))),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    out.push(format!("{at}: {k} is not allowed"))
                }
                None => {}
            }
        }
    }
    out
}
