//! One owner's whole rhythm, on SQLite and on PostgreSQL: back-dated check-ins, derived status
//! and forecast, a team review, scores, a retrospective carried over, closing the cycle (which
//! locks it), calibration, and an administrator reopening it.

use crate::helpers::*;
use crate::rhythm::check_in_day_tomorrow;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn days_ago(d: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339()
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app.req(method, path);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn ok(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Value {
    let (status, v) = call(app, method.clone(), path, body).await;
    assert!(status.is_success(), "{method} {path}: {status} {v}");
    v
}

async fn story(app: TestApp) {
    let c = growth_objective(&app).await;
    status_forecast_and_review_follow_the_history(&app, &c).await;
    scores_retrospective_close_and_calibration(&app, &c).await;
}

/// What the steps of `story` share.
struct Story {
    cycle: String,
    next: String,
    team: String,
    o: String,
    krs: Vec<String>,
}

/// Growth's objective in 2026 Q4 (with 2027 Q1 next), two key results and their check-in
/// history.
async fn growth_objective(app: &TestApp) -> Story {
    check_in_day_tomorrow(app).await;
    let cycle = app.cycle("2026 Q4").await;
    let next = app
        .create(
            "/api/v1/cycles",
            json!({"name": "2027 Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let team = app.team("Growth").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Grow the business", "cycle_id": cycle, "team_ids": [team]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut krs = vec![];
    for title in ["Revenue", "Churn"] {
        let k = app
            .create(
                &format!("/api/v1/objectives/{o}/key-results"),
                json!({"title": title, "kind": "increase", "start": 0, "target": 100}),
            )
            .await;
        krs.push(k["id"].as_str().unwrap().to_string());
    }
    ok(
        app,
        Method::PATCH,
        &format!("/api/v1/objectives/{o}"),
        Some(json!({"state": "active"})),
    )
    .await;
    for (kr, value, confidence, days) in [
        (&krs[0], 20.0, 8, 35),
        (&krs[0], 40.0, 8, 21),
        (&krs[0], 60.0, 9, 2),
        (&krs[1], 10.0, 4, 30),
        (&krs[1], 12.0, 3, 20),
    ] {
        ok(
            app,
            Method::POST,
            &format!("/api/v1/key-results/{kr}/check-ins"),
            Some(json!({"value": value, "confidence": confidence, "at": days_ago(days)})),
        )
        .await;
    }
    Story {
        cycle,
        next,
        team,
        o,
        krs,
    }
}

/// Status and forecast derived from the history; a team review flags the stale key result.
async fn status_forecast_and_review_follow_the_history(app: &TestApp, c: &Story) {
    let Story { team, o, .. } = c;
    // Status and forecast derived from the history.
    let view = ok(app, Method::GET, &format!("/api/v1/objectives/{o}"), None).await;
    let revenue = &view["key_results"][0];
    let churn = &view["key_results"][1];
    assert_eq!(revenue["status"], "on_track", "{revenue}");
    assert!(revenue["forecast"].as_f64().unwrap() > 0.6, "{revenue}");
    assert_eq!(churn["status"], "stale", "{churn}");
    assert_eq!(churn["check_in_due"], true);
    assert_eq!(view["status"], "stale");
    let due = ok(
        app,
        Method::GET,
        &format!("/api/v1/people/{}/due", app.admin_id),
        None,
    )
    .await;
    assert_eq!(due["items"].as_array().unwrap().len(), 1);

    // A team review flags the stale key result.
    let review = ok(
        app,
        Method::POST,
        &format!("/api/v1/teams/{team}/reviews"),
        Some(json!({})),
    )
    .await;
    let item = &review["items"][0];
    assert_eq!(item["objective_id"], o.as_str());
    assert!(
        item["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().contains("Churn")),
        "{item}"
    );
}

/// Scores (bounds, then the weighted mean), the retrospective that carries the objective over,
/// closing, calibration, reopening.
async fn scores_retrospective_close_and_calibration(app: &TestApp, c: &Story) {
    let Story {
        cycle,
        next,
        team,
        o,
        krs,
    } = c;
    // Scores: bounds, then the weighted mean.
    let (status, body) = call(
        app,
        Method::POST,
        &format!("/api/v1/key-results/{}/score", krs[0]),
        Some(json!({"score": 1.5})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "score");
    for (kr, score) in [(&krs[0], 0.3), (&krs[1], 0.1)] {
        ok(
            app,
            Method::POST,
            &format!("/api/v1/key-results/{kr}/score"),
            Some(json!({"score": score, "reason": "end of cycle"})),
        )
        .await;
    }
    let view = ok(app, Method::GET, &format!("/api/v1/objectives/{o}"), None).await;
    assert!(
        (view["score"].as_f64().unwrap() - 0.2).abs() < 1e-9,
        "{view}"
    );

    // The retrospective carries it over: a draft in the next cycle, with both key results.
    let retro = ok(app, Method::PUT, &format!("/api/v1/objectives/{o}/retrospective"),
        Some(json!({"worked": "weekly pipeline reviews", "did_not": "churn interviews", "carry_over": true}))).await;
    let draft = retro["carried_over_to"].as_str().unwrap().to_string();
    let d = ok(
        app,
        Method::GET,
        &format!("/api/v1/objectives/{draft}"),
        None,
    )
    .await;
    assert_eq!(d["state"], "draft");
    assert_eq!(d["cycle_id"], next.as_str());
    assert_eq!(d["carried_over_from"], o.as_str());
    assert_eq!(d["key_results"].as_array().unwrap().len(), 2);
    let again = ok(
        app,
        Method::PUT,
        &format!("/api/v1/objectives/{o}/retrospective"),
        Some(json!({"worked": "edited", "carry_over": true})),
    )
    .await;
    assert_eq!(
        again["carried_over_to"],
        draft.as_str(),
        "carried over once"
    );

    // Closing locks; calibration compares confidence with scores; an admin reopens.
    ok(
        app,
        Method::POST,
        &format!("/api/v1/cycles/{cycle}/close"),
        None,
    )
    .await;
    let (status, _) = call(
        app,
        Method::POST,
        &format!("/api/v1/key-results/{}/check-ins", krs[0]),
        Some(json!({"value": 70, "confidence": 9})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let view = ok(app, Method::GET, &format!("/api/v1/objectives/{o}"), None).await;
    assert_eq!(view["status"], "closed");
    let report = ok(
        app,
        Method::GET,
        &format!("/api/v1/cycles/{cycle}/calibration"),
        None,
    )
    .await;
    let line = &report["owners"][0];
    assert_eq!(line["key_results"], 2, "{report}");
    assert_eq!(line["calibration"], "over_confident", "{report}");
    assert_eq!(report["teams"][0]["id"], team.as_str());
    ok(
        app,
        Method::POST,
        &format!("/api/v1/cycles/{cycle}/reopen"),
        None,
    )
    .await;
    ok(
        app,
        Method::POST,
        &format!("/api/v1/key-results/{}/check-ins", krs[0]),
        Some(json!({"value": 70, "confidence": 9})),
    )
    .await;
}

#[tokio::test]
async fn the_owners_rhythm_on_sqlite() {
    story(spawn_app().await).await;
}

#[tokio::test]
async fn the_owners_rhythm_on_postgres() {
    if !postgres_configured() {
        return;
    }
    story(spawn_app_on(Db::Postgres).await).await;
}
