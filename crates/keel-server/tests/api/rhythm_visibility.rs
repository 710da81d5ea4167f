//! Visibility over the owner's rhythm ("Visibility" and "The weekly rhythm" together): an OKR a reader may not see
//! never shows up in what is due, in a review's agenda, in feedback requests, in recognition or
//! in the calibration report, and naming it answers like naming nothing.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn days_ago(d: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339()
}

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app.req_as(token, method, path);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn ok(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> Value {
    let (status, v) = send(app, token, method.clone(), path, body).await;
    assert!(status.is_success(), "{method} {path}: {status} {v}");
    v
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[key].as_str().unwrap().to_string())
        .collect()
}

/// Olga owns a public and a private objective, both shared with Platform (led by Lena), each with
/// a key result checked in three weeks ago. Sam is a member elsewhere, Hank holds `hr`.
#[tokio::test]
async fn rhythm_reads_leave_out_what_the_reader_may_not_see() {
    let app = spawn_app().await;
    let c = readers(&app).await;
    what_is_due_leaves_out_the_invisible(&app, &c).await;
    review_agendas_leave_out_the_invisible(&app, &c).await;
    feedback_leaves_out_the_invisible(&app, &c).await;
    recognition_leaves_out_the_invisible(&app, &c).await;
    calibration_leaves_out_the_invisible(&app, &c).await;
}

/// What the steps of `rhythm_reads_leave_out_what_the_reader_may_not_see` share.
struct Readers {
    admin: String,
    cycle: String,
    olga: String,
    olga_t: String,
    lena_t: String,
    mo: String,
    sam_t: String,
    hank_t: String,
    platform: String,
    public: String,
    public_kr: String,
    secret: String,
    secret_kr: String,
}

/// Olga's public and private objectives, shared with Platform, each with a key result checked in
/// three weeks ago; Lena leads Platform, Mo is a member, Sam a stranger, Hank holds `hr`.
async fn readers(app: &TestApp) -> Readers {
    let admin = app.token.clone();
    let cycle = app.cycle("2026 Q4").await;
    let (olga, olga_t) = app.member("Olga Owner").await;
    let (lena, lena_t) = app.member("Lena Lead").await;
    let (mo, _) = app.member("Mo Member").await;
    let (_, sam_t) = app.member("Sam Stranger").await;
    let (_, hank_t) = app.person_with_roles("Hank Hr", &["hr"]).await;
    let platform = app
        .create(
            "/api/v1/teams",
            json!({"name": "Platform", "lead_id": lena, "member_ids": [mo]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut okrs = vec![];
    for (title, visibility) in [("Public bet", "public"), ("Secret bet", "private")] {
        let o = ok(app, &olga_t, Method::POST, "/api/v1/objectives",
            Some(json!({"title": title, "cycle_id": cycle, "visibility": visibility, "team_ids": [platform]}))).await;
        let o = o["id"].as_str().unwrap().to_string();
        let k = ok(app, &olga_t, Method::POST, &format!("/api/v1/objectives/{o}/key-results"),
            Some(json!({"title": format!("{title} KR"), "kind": "increase", "start": 0, "target": 10}))).await;
        let k = k["id"].as_str().unwrap().to_string();
        ok(
            app,
            &olga_t,
            Method::PATCH,
            &format!("/api/v1/objectives/{o}"),
            Some(json!({"state": "active"})),
        )
        .await;
        ok(
            app,
            &olga_t,
            Method::POST,
            &format!("/api/v1/key-results/{k}/check-ins"),
            Some(json!({"value": 3, "confidence": 6, "at": days_ago(21)})),
        )
        .await;
        okrs.push((o, k));
    }
    let (public, public_kr) = okrs[0].clone();
    let (secret, secret_kr) = okrs[1].clone();
    Readers {
        admin,
        cycle,
        olga,
        olga_t,
        lena_t,
        mo,
        sam_t,
        hank_t,
        platform,
        public,
        public_kr,
        secret,
        secret_kr,
    }
}

/// What is due: the reader sees only what they may see; Olga and the admin see both.
async fn what_is_due_leaves_out_the_invisible(app: &TestApp, c: &Readers) {
    let Readers {
        admin,
        olga,
        olga_t,
        sam_t,
        public_kr,
        ..
    } = c;
    // What is due: the reader sees only what they may see; Olga and the admin see both.
    let due = |token: String| {
        let app = &app;
        let olga = olga.clone();
        async move {
            ids(
                &ok(
                    app,
                    &token,
                    Method::GET,
                    &format!("/api/v1/people/{olga}/due"),
                    None,
                )
                .await,
                "key_result_id",
            )
        }
    };
    assert_eq!(due(sam_t.clone()).await, vec![public_kr.clone()]);
    assert_eq!(due(olga_t.clone()).await.len(), 2);
    assert_eq!(due(admin.clone()).await.len(), 2);
}

/// Reviews: the lead's agenda holds only what the lead may see; the admin's holds both, and a
/// later reader sees only their share of it.
async fn review_agendas_leave_out_the_invisible(app: &TestApp, c: &Readers) {
    let Readers {
        admin,
        olga_t,
        lena_t,
        sam_t,
        platform,
        public,
        secret,
        ..
    } = c;
    // Reviews: the lead's agenda holds only what the lead may see; the admin's holds both, and a
    // later reader sees only their share of it.
    let by_lena = ok(
        app,
        lena_t,
        Method::POST,
        &format!("/api/v1/teams/{platform}/reviews"),
        Some(json!({})),
    )
    .await;
    let agenda = |r: &Value| -> Vec<String> {
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["objective_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(agenda(&by_lena), vec![public.clone()]);
    let by_admin = ok(
        app,
        admin,
        Method::POST,
        &format!("/api/v1/teams/{platform}/reviews"),
        Some(json!({})),
    )
    .await;
    assert_eq!(agenda(&by_admin).len(), 2);
    let review = by_admin["id"].as_str().unwrap().to_string();
    let as_sam = ok(
        app,
        sam_t,
        Method::GET,
        &format!("/api/v1/reviews/{review}"),
        None,
    )
    .await;
    assert_eq!(agenda(&as_sam), vec![public.clone()]);
    let as_olga = ok(
        app,
        olga_t,
        Method::GET,
        &format!("/api/v1/reviews/{review}"),
        None,
    )
    .await;
    assert_eq!(agenda(&as_olga).len(), 2);
    let listed = ok(
        app,
        sam_t,
        Method::GET,
        &format!("/api/v1/teams/{platform}/reviews"),
        None,
    )
    .await;
    for r in listed["items"].as_array().unwrap() {
        assert!(!agenda(r).contains(secret), "{r}");
    }
    let (status, _) = send(
        app,
        lena_t,
        Method::PUT,
        &format!("/api/v1/reviews/{review}/items/{secret}"),
        Some(json!({"decisions": "drop it"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the lead may not see the private item"
    );
    ok(
        app,
        olga_t,
        Method::PUT,
        &format!("/api/v1/reviews/{review}/items/{secret}"),
        Some(json!({"notes": "on track"})),
    )
    .await;
}

/// Feedback: asking about an OKR you may not see is asking about nothing; nobody is asked
/// about one they may not see; lists and reads leave them out.
async fn feedback_leaves_out_the_invisible(app: &TestApp, c: &Readers) {
    let Readers {
        admin,
        olga,
        olga_t,
        mo,
        sam_t,
        public,
        secret,
        secret_kr,
        ..
    } = c;
    // Feedback: asking about an OKR you may not see is asking about nothing; nobody is asked
    // about one they may not see; lists and reads leave them out.
    let (status, body) = send(
        app,
        sam_t,
        Method::POST,
        "/api/v1/feedback-requests",
        Some(json!({"okr_id": secret, "addressee_ids": [olga], "question": "How is it going?"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "okr_id");
    let (status, body) = send(
        app,
        olga_t,
        Method::POST,
        "/api/v1/feedback-requests",
        Some(json!({"okr_id": secret_kr, "addressee_ids": [mo], "question": "Thoughts?"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "addressee_ids");
    let on_secret = ok(
        app,
        olga_t,
        Method::POST,
        "/api/v1/feedback-requests",
        Some(
            json!({"okr_id": secret_kr, "addressee_ids": [app.admin_id], "question": "Thoughts?"}),
        ),
    )
    .await;
    let on_secret = on_secret["id"].as_str().unwrap().to_string();
    let on_public = ok(
        app,
        olga_t,
        Method::POST,
        "/api/v1/feedback-requests",
        Some(json!({"okr_id": public, "addressee_ids": [mo], "question": "Thoughts?"})),
    )
    .await;
    let on_public = on_public["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/feedback-requests?person_id={olga}");
    assert_eq!(
        ids(&ok(app, sam_t, Method::GET, &path, None).await, "id"),
        vec![on_public.clone()]
    );
    assert_eq!(
        ids(&ok(app, olga_t, Method::GET, &path, None).await, "id").len(),
        2
    );
    let by_okr = format!("/api/v1/feedback-requests?okr_id={secret_kr}");
    assert!(ids(&ok(app, sam_t, Method::GET, &by_okr, None).await, "id").is_empty());
    let (status, _) = send(
        app,
        sam_t,
        Method::GET,
        &format!("/api/v1/feedback-requests/{on_secret}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    ok(
        app,
        admin,
        Method::PUT,
        &format!("/api/v1/feedback-requests/{on_secret}/answer"),
        Some(json!({"answer": "keep going"})),
    )
    .await;
}

/// Recognition: 404 on the list, 422 naming the OKR when giving it.
async fn recognition_leaves_out_the_invisible(app: &TestApp, c: &Readers) {
    let Readers {
        admin,
        olga,
        olga_t,
        sam_t,
        secret,
        ..
    } = c;
    // Recognition: 404 on the list, 422 naming the OKR when giving it.
    ok(
        app,
        admin,
        Method::POST,
        "/api/v1/recognitions",
        Some(json!({"to_id": olga, "okr_id": secret, "message": "Great quiet work"})),
    )
    .await;
    let (status, _) = send(
        app,
        sam_t,
        Method::GET,
        &format!("/api/v1/okrs/{secret}/recognitions"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        ok(
            app,
            olga_t,
            Method::GET,
            &format!("/api/v1/okrs/{secret}/recognitions"),
            None
        )
        .await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (status, body) = send(
        app,
        sam_t,
        Method::POST,
        "/api/v1/recognitions",
        Some(json!({"to_id": olga, "okr_id": secret, "message": "Well done"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "okr_id");
}

/// Calibration: computed from the OKRs the reader may see.
async fn calibration_leaves_out_the_invisible(app: &TestApp, c: &Readers) {
    let Readers {
        admin,
        cycle,
        olga,
        sam_t,
        hank_t,
        public_kr,
        secret_kr,
        ..
    } = c;
    // Calibration: computed from the OKRs the reader may see.
    for k in [&public_kr, &secret_kr] {
        ok(
            app,
            admin,
            Method::POST,
            &format!("/api/v1/key-results/{k}/score"),
            Some(json!({"score": 0.3, "reason": "short"})),
        )
        .await;
    }
    ok(
        app,
        admin,
        Method::POST,
        &format!("/api/v1/cycles/{cycle}/close"),
        None,
    )
    .await;
    let line = |report: &Value| {
        report["owners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == olga.as_str())
            .map(|l| l["key_results"].as_u64().unwrap())
    };
    let path = format!("/api/v1/cycles/{cycle}/calibration");
    assert_eq!(
        line(&ok(app, admin, Method::GET, &path, None).await),
        Some(2)
    );
    assert_eq!(
        line(&ok(app, hank_t, Method::GET, &path, None).await),
        Some(1)
    );
    let (status, _) = send(app, sam_t, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
