//! Forecasts people can trust and status with a past, through the API and the pages: step-shaped
//! key results forecast as what they are, no trend from too few readings, a bounded range, and
//! status as of a day ("newly off track this week").

use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn days_ago(d: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339()
}

fn day_ago(d: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(d))
        .date_naive()
        .to_string()
}

async fn check_in(app: &TestApp, kr: &str, value: f64, confidence: i64, at: &str) {
    app.create(
        &format!("/api/v1/key-results/{kr}/check-ins"),
        json!({"value": value, "confidence": confidence, "at": at}),
    )
    .await;
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let resp = app.get(path).await;
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn forecasts_respect_the_kind_and_need_enough_readings() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Few", "Trend", "Typo"]).await;
    let yes_no = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Launch", "kind": "boolean", "start": 0, "target": 1}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Two readings a day apart: no forecast at all (it used to project thousands of percent).
    check_in(&app, &krs[0], 5.0, 7, &days_ago(1)).await;
    check_in(&app, &krs[0], 60.0, 7, &days_ago(0)).await;
    let (_, few) = get(&app, &format!("/api/v1/key-results/{}", krs[0])).await;
    for field in ["forecast", "forecast_low", "forecast_high"] {
        assert!(few[field].is_null(), "{field}: {few}");
    }

    // Three readings over four weeks: a range, bounded, around the trend.
    check_in(&app, &krs[1], 10.0, 7, &days_ago(28)).await;
    check_in(&app, &krs[1], 25.0, 7, &days_ago(14)).await;
    check_in(&app, &krs[1], 30.0, 7, &days_ago(0)).await;
    let (_, trend) = get(&app, &format!("/api/v1/key-results/{}", krs[1])).await;
    let (low, f, high) = (
        trend["forecast_low"].as_f64().unwrap(),
        trend["forecast"].as_f64().unwrap(),
        trend["forecast_high"].as_f64().unwrap(),
    );
    assert!(low <= f && f <= high && low < high, "{trend}");
    assert!(f > 0.3 && high <= 2.0, "{trend}");

    // One early typo (10,000 of a target of 100) does not blow the forecast up: it stays bounded.
    check_in(&app, &krs[2], 10_000.0, 7, &days_ago(21)).await;
    check_in(&app, &krs[2], 20.0, 7, &days_ago(14)).await;
    check_in(&app, &krs[2], 25.0, 7, &days_ago(7)).await;
    check_in(&app, &krs[2], 30.0, 7, &days_ago(0)).await;
    let (_, typo) = get(&app, &format!("/api/v1/key-results/{}", krs[2])).await;
    assert!(typo["forecast"].as_f64().unwrap() <= 2.0, "{typo}");

    // A finished yes/no key result is done: 100 %, not 142 %.
    check_in(&app, &yes_no, 0.0, 7, &days_ago(3)).await;
    check_in(&app, &yes_no, 1.0, 7, &days_ago(0)).await;
    let (_, done) = get(&app, &format!("/api/v1/key-results/{yes_no}")).await;
    assert_eq!(
        (
            &done["forecast"],
            &done["forecast_low"],
            &done["forecast_high"]
        ),
        (&json!(1.0), &json!(1.0), &json!(1.0)),
        "{done}"
    );

    // The objective page says it in words, as a range, and why there is none yet.
    let ada = Browser::admin(&app).await;
    let page = ada.page(&format!("/objectives/{o}")).await;
    let body = page.body();
    assert!(body.contains("forecast at the end: done"), "{body}");
    assert!(body.contains("forecast at the end: between "), "{body}");
    assert!(
        body.contains("no forecast yet: it needs 3 check-ins spanning 7 days"),
        "{body}"
    );
    assert!(!body.contains("142"), "{body}");
}

#[tokio::test]
async fn status_as_of_a_day_tells_newly_off_track_this_week() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Slipping", "Steady"]).await;
    app.backdate_objective(&o, 30).await;
    check_in(&app, &krs[0], 40.0, 8, &days_ago(9)).await;
    check_in(&app, &krs[1], 40.0, 8, &days_ago(9)).await;
    check_in(&app, &krs[1], 45.0, 8, &days_ago(2)).await;
    // This week the owner lost confidence and the value went back.
    check_in(&app, &krs[0], 20.0, 2, &days_ago(2)).await;

    let path = format!("/api/v1/key-results/{}", krs[0]);
    let (_, now) = get(&app, &path).await;
    assert_eq!(now["status"], "off_track", "{now}");
    assert_eq!(now["current"], 20.0);
    let (code, week_ago) = get(&app, &format!("{path}?as_of={}", day_ago(7))).await;
    assert_eq!(code, StatusCode::OK, "{week_ago}");
    assert_eq!(week_ago["status"], "on_track", "{week_ago}");
    assert_eq!(week_ago["current"], 40.0, "its value then");
    assert_eq!(week_ago["confidence"], 8, "the owner's word then");

    // Newly off track this week: off track now, not a week ago, told from the objective.
    let (_, o_now) = get(&app, &format!("/api/v1/objectives/{o}")).await;
    let (_, o_then) = get(
        &app,
        &format!("/api/v1/objectives/{o}?as_of={}", day_ago(7)),
    )
    .await;
    let newly: Vec<&Value> = o_now["key_results"]
        .as_array()
        .unwrap()
        .iter()
        .zip(o_then["key_results"].as_array().unwrap())
        .filter(|(n, t)| n["status"] == "off_track" && t["status"] != "off_track")
        .map(|(n, _)| &n["id"])
        .collect();
    assert_eq!(newly, vec![&json!(krs[0])]);
    assert_eq!(o_then["status"], "on_track", "{o_then}");
    assert_eq!(o_now["status"], "off_track");
    // The list reads the past too.
    let (_, list) = get(
        &app,
        &format!("/api/v1/objectives?cycle_id={cycle}&as_of={}", day_ago(7)),
    )
    .await;
    assert_eq!(list["items"][0]["status"], "on_track", "{list}");

    // Before the key result was active it was neither green nor red; today reads as now.
    let (_, before) = get(&app, &format!("{path}?as_of={}", day_ago(40))).await;
    let judged = ["on_track", "at_risk", "off_track", "stale"];
    assert!(
        !judged.contains(&before["status"].as_str().unwrap()),
        "{before}"
    );
    let (_, today) = get(&app, &format!("{path}?as_of={}", day_ago(0))).await;
    assert_eq!(today["status"], now["status"]);

    // A day to come, or not a day: 422 naming as_of.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    for bad in [tomorrow.as_str(), "last-week"] {
        let (code, problem) = get(&app, &format!("{path}?as_of={bad}")).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(problem.to_string().contains("as_of"), "{problem}");
    }
}

#[tokio::test]
async fn calibration_credits_each_reading_to_its_author_with_a_brier_score() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (max_id, max) = app.member("Max Member").await;
    let (o, _) = active_objective(&app, &cycle, None, &[]).await;
    let kr = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Bold", "kind": "increase", "start": 0, "target": 100,
                   "contributor_ids": [max_id]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The owner says 9 of 10; later the contributor says 2 of 10. The owner's number stays the
    // owner's: the contributor's reading shows under their own name.
    check_in(&app, &kr, 20.0, 9, &days_ago(5)).await;
    let resp = app
        .req_as(
            &max,
            reqwest::Method::POST,
            &format!("/api/v1/key-results/{kr}/check-ins"),
        )
        .json(&json!({"value": 25, "confidence": 2, "at": days_ago(1)}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let (_, view) = get(&app, &format!("/api/v1/key-results/{kr}")).await;
    assert_eq!(
        view["confidence"], 9,
        "the owner's latest, not the contributor's: {view}"
    );
    assert!(view["last_check_in_at"]
        .as_str()
        .unwrap()
        .starts_with(&days_ago(5)[..10]));
    assert_eq!(view["current"], 25.0, "the contributor's value is a fact");

    // Committed, scored 0.3: not a success.
    app.post(
        &format!("/api/v1/key-results/{kr}/score"),
        json!({"score": 0.3}),
    )
    .await;
    app.post(&format!("/api/v1/cycles/{cycle}/close"), json!({}))
        .await;
    let (code, report) = get(&app, &format!("/api/v1/cycles/{cycle}/calibration")).await;
    assert_eq!(code, StatusCode::OK, "{report}");
    let line = |id: &str| {
        report["owners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no line for {id}: {report}"))
    };
    let ada = line(&app.admin_id);
    assert!(
        (ada["brier"].as_f64().unwrap() - 0.81).abs() < 1e-9,
        "{ada}"
    );
    assert_eq!(ada["success_rate"], 0.0);
    assert_eq!(ada["calibration"], "over_confident");
    let max_line = line(&max_id);
    assert!(
        (max_line["brier"].as_f64().unwrap() - 0.04).abs() < 1e-9,
        "{max_line}"
    );
    assert_eq!(max_line["calibration"], "calibrated");

    // The report page says the same, in words.
    let page = Browser::admin(&app)
        .await
        .page(&format!("/reports/calibration?cycle_id={cycle}"))
        .await;
    let rows = page.rows("table");
    assert!(
        rows.iter()
            .any(|r| r[0] == "Max Member" && r[4] == "0.04" && r[5] == "calibrated"),
        "{rows:?}"
    );
    assert!(page.body().contains("Brier score"));
}

#[tokio::test]
async fn changing_the_confidence_scale_keeps_history_meaningful() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Reach"]).await;
    check_in(&app, &krs[0], 30.0, 8, &days_ago(1)).await;
    let resp = app
        .patch(
            "/api/v1/settings",
            json!({"confidence_scale": "three_level"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);

    // The owner's 8 of 0–10 reads 3 of 1–3 (80 % of the way): never "8 of 3".
    let (_, view) = get(&app, &format!("/api/v1/key-results/{}", krs[0])).await;
    assert_eq!(view["confidence"], 3, "{view}");
    let reason = view["status_reason"].as_str().unwrap();
    assert!(
        reason.contains("3 of 3") && !reason.contains("8 of 3"),
        "{reason}"
    );
    assert_eq!(view["status"], "on_track");
    // The record keeps what was said, on the scale it was said on.
    let (_, history) = get(&app, &format!("/api/v1/key-results/{}/check-ins", krs[0])).await;
    let first = &history["items"][0];
    assert_eq!(
        (&first["confidence"], &first["scale"]),
        (&json!(8), &json!("zero_to_ten")),
        "{history}"
    );
    // New readings are on the new scale.
    check_in(&app, &krs[0], 35.0, 2, &days_ago(0)).await;
    let (_, history) = get(&app, &format!("/api/v1/key-results/{}/check-ins", krs[0])).await;
    assert_eq!(history["items"][0]["scale"], "three_level", "{history}");

    // The page reads every reading on the scale in use.
    let page = Browser::admin(&app)
        .await
        .page(&format!("/objectives/{o}"))
        .await;
    let body = page.body();
    assert!(body.contains("confidence 2"), "{body}");
    assert!(!body.contains("8 of 3"), "{body}");
    let readings: Vec<String> = page
        .rows("table")
        .into_iter()
        .filter(|r| r.len() >= 3 && r[1] == "30")
        .map(|r| r[2].clone())
        .collect();
    assert_eq!(readings, vec!["3".to_string()], "the 8 of 0–10, on 1–3");
}
