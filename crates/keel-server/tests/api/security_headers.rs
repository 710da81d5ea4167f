//! Issue 13, item 6: the API's responses and its reference page forbid sniffing and framing and
//! carry a content security policy; a body over the limit answers 413 (a problem document); a
//! request refused before its body is read says `Connection: close`, and one refused after
//! leaves the keep-alive connection usable for the next request.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn api_responses_forbid_sniffing_and_framing() {
    let app = spawn_app().await;
    let anonymous = reqwest::Client::new();
    let responses = [
        app.get("/api/v1/objectives").await,
        app.get("/api/v1/docs").await,
        app.get("/api/v1/openapi.json").await,
        app.get("/api/v1/objectives/nothing-here").await,
        anonymous
            .get(app.url("/api/v1/objectives"))
            .send()
            .await
            .unwrap(),
        anonymous.get(app.url("/healthz")).send().await.unwrap(),
    ];
    for resp in responses {
        let h = resp.headers();
        let at = resp.url().path().to_string();
        assert_eq!(h["x-content-type-options"], "nosniff", "{at}");
        assert_eq!(h["x-frame-options"], "DENY", "{at}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{at}: {csp}");
        assert!(
            csp.contains("default-src 'none'") || csp.contains("default-src 'self'"),
            "{at}: {csp}"
        );
    }
    // The pages keep their own, stricter policy.
    let page = anonymous.get(app.url("/sign-in")).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
}

#[tokio::test]
async fn a_body_over_the_limit_answers_413() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let big = "x".repeat(3 << 20);
    let resp = app
        .req(Method::POST, "/api/v1/objectives")
        .json(&serde_json::json!({"title": "Grow", "cycle_id": cycle, "description": big}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["connection"], "close");
    assert_problem(resp, StatusCode::PAYLOAD_TOO_LARGE, None).await;
    // The same client goes on working.
    assert_eq!(app.get("/api/v1/objectives").await.status(), StatusCode::OK);
}

/// One HTTP/1.1 response read off a raw connection: status, headers (lower-cased) and body.
async fn read_response(s: &mut TcpStream) -> (u16, String, String) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).await.unwrap();
        assert_eq!(
            n,
            1,
            "connection closed mid-response: {}",
            String::from_utf8_lossy(&buf)
        );
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap().to_lowercase();
    let status: u16 = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .expect("a content-length");
    let mut body = vec![0u8; length];
    s.read_exact(&mut body).await.unwrap();
    (status, head, String::from_utf8_lossy(&body).into_owned())
}

fn host(app: &TestApp) -> String {
    app.base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

#[tokio::test]
async fn a_refused_request_leaves_a_keep_alive_connection_usable() {
    let app = spawn_app().await;
    let mut s = TcpStream::connect(host(&app)).await.unwrap();
    // Refused for want of a token, with a body the route never reads.
    let body = format!("{{\"title\": \"{}\"}}", "x".repeat(200_000));
    let request = format!(
        "POST /api/v1/objectives HTTP/1.1\r\nHost: keel\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).await.unwrap();
    let (status, head, _) = read_response(&mut s).await;
    assert_eq!(status, 401);
    assert!(!head.contains("connection: close"), "{head}");
    // The next request on the same connection is answered.
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: keel\r\n\r\n")
        .await
        .unwrap();
    let (status, _, body) = read_response(&mut s).await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));

    // A body refused before it is read: the server says it closes the connection.
    let mut s = TcpStream::connect(host(&app)).await.unwrap();
    s.write_all(
        b"POST /api/v1/objectives HTTP/1.1\r\nHost: keel\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{\"title\"",
    )
    .await
    .unwrap();
    let (status, head, body) = read_response(&mut s).await;
    assert_eq!(status, 413, "{body}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
}
