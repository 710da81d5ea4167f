//! The owner's rhythm through the API: statuses derived in order (closed, stale, confidence,
//! pace), forecasts, the owner's override, team cadences and what is due.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn days_ago(d: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339()
}

/// An active objective (owned by the admin) with one key result per entry of `krs`, shared with
/// `team`; returns the objective id and the key result ids.
pub async fn active_objective(
    app: &TestApp,
    cycle: &str,
    team: Option<&str>,
    krs: &[&str],
) -> (String, Vec<String>) {
    let teams: Vec<&str> = team.into_iter().collect();
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Delight customers", "cycle_id": cycle, "team_ids": teams}),
        )
        .await;
    let o_id = o["id"].as_str().unwrap().to_string();
    let mut ids = vec![];
    for title in krs {
        let k = app
            .create(
                &format!("/api/v1/objectives/{o_id}/key-results"),
                json!({"title": title, "kind": "increase", "start": 0, "target": 100}),
            )
            .await;
        ids.push(k["id"].as_str().unwrap().to_string());
    }
    let resp = app
        .patch(
            &format!("/api/v1/objectives/{o_id}"),
            json!({"state": "active"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    (o_id, ids)
}

/// The lower-case name of the weekday `days` from today (UTC, the tests' organisation time zone).
pub fn weekday_in(days: i64) -> &'static str {
    use chrono::Datelike;
    match (chrono::Utc::now() + chrono::Duration::days(days)).weekday() {
        chrono::Weekday::Mon => "monday",
        chrono::Weekday::Tue => "tuesday",
        chrono::Weekday::Wed => "wednesday",
        chrono::Weekday::Thu => "thursday",
        chrono::Weekday::Fri => "friday",
        chrono::Weekday::Sat => "saturday",
        chrono::Weekday::Sun => "sunday",
    }
}

/// Sets the organisation's check-in day to tomorrow's, so that what is due does not depend on
/// the day of the week the tests run: a key result checked in yesterday is not due yet, one
/// silent for more than a week is.
pub async fn check_in_day_tomorrow(app: &TestApp) {
    let resp = app
        .patch(
            "/api/v1/settings",
            json!({"check_in_weekday": weekday_in(1)}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn check_in(app: &TestApp, kr: &str, value: f64, confidence: i64, at: &str) {
    app.create(
        &format!("/api/v1/key-results/{kr}/check-ins"),
        json!({"value": value, "confidence": confidence, "at": at}),
    )
    .await;
}

async fn json_of(app: &TestApp, path: &str) -> Value {
    let resp = app.get(path).await;
    assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn statuses_forecasts_and_the_owners_override() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Fresh", "Silent", "Trend"]).await;
    check_in(&app, &krs[0], 40.0, 8, &days_ago(1)).await;
    check_in(&app, &krs[1], 40.0, 9, &days_ago(20)).await;
    check_in(&app, &krs[2], 10.0, 5, &days_ago(28)).await;
    check_in(&app, &krs[2], 20.0, 5, &days_ago(14)).await;
    check_in(&app, &krs[2], 30.0, 5, &days_ago(0)).await;

    let view = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    let kr = |i: usize| view["key_results"][i].clone();
    assert_eq!(kr(0)["status"], "on_track", "{}", kr(0));
    assert!(kr(0)["status_reason"]
        .as_str()
        .unwrap()
        .contains("confidence is 8"));
    assert_eq!(
        kr(1)["status"],
        "stale",
        "silence is never green, even at 9"
    );
    assert!(kr(1)["status_reason"].as_str().unwrap().contains("20 days"));
    assert_eq!(kr(1)["check_in_due"], true);
    assert_eq!(kr(0)["check_in_due"], false);
    assert_eq!(kr(2)["status"], "at_risk");
    // 10 → 20 → 30 over four weeks: the trend projects well past today's 0.3 by the end of the cycle.
    let forecast = kr(2)["forecast"].as_f64().unwrap();
    assert!(forecast > 0.4, "forecast {forecast}");
    assert_eq!(kr(0)["suggested_score"], 0.4);
    assert_eq!(view["status"], "stale", "the worst of its key results");
    assert!(view["status_reason"].as_str().unwrap().contains("worst"));

    // The owner overrides, with a reason; the reason is required and only track statuses may be set.
    let path = format!("/api/v1/objectives/{o}/status");
    let resp = app
        .req(Method::PUT, &path)
        .json(&json!({"status": "on_track", "reason": " "}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("reason")).await;
    let resp = app
        .req(Method::PUT, &path)
        .json(&json!({"status": "stale", "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("status")).await;
    let (_, member) = app.member("Max Member").await;
    let resp = app
        .req_as(&member, Method::PUT, &path)
        .json(&json!({"status": "off_track", "reason": "mine to say?"}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;
    let resp = app
        .req(Method::PUT, &path)
        .json(&json!({"status": "at_risk", "reason": "the silent KR is on hold until January"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let view: Value = resp.json().await.unwrap();
    // Recorded, but an override never outranks stale: silence shows through it (issue 12).
    assert_eq!(view["status"], "stale", "{view}");
    assert_eq!(
        view["status_override"]["reason"],
        "the silent KR is on hold until January"
    );
    let listed = json_of(&app, &format!("/api/v1/objectives?cycle_id={cycle}")).await;
    assert_eq!(listed["items"][0]["status"], "stale");

    let resp = app.req(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let view: Value = resp.json().await.unwrap();
    assert_eq!(view["status"], "stale");
    assert!(view["status_override"].is_null());
}

#[tokio::test]
async fn pace_decides_without_confidence_and_drafts_are_never_stale() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Draft", "cycle_id": cycle}),
        )
        .await;
    let o_id = o["id"].as_str().unwrap();
    let k = app
        .create(
            &format!("/api/v1/objectives/{o_id}/key-results"),
            json!({"title": "Untouched", "kind": "increase", "start": 0, "target": 10}),
        )
        .await;
    // Created today in a cycle more than half gone, never checked in, in a draft: a draft, never
    // stale and never red (issue 12: drafts are their own state).
    assert_eq!(k["status"], "draft", "{k}");
    assert!(k["status_reason"].as_str().unwrap().contains("draft"));
    assert_eq!(k["check_in_due"], false);
    assert!(k["forecast"].is_null());
}

#[tokio::test]
async fn team_cadence_decides_what_is_due() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let team = app.team("Growth").await;
    let (_, krs) = active_objective(&app, &cycle, Some(&team), &["Weekly", "Fresh"]).await;
    check_in(&app, &krs[0], 10.0, 7, &days_ago(9)).await;
    check_in(&app, &krs[1], 10.0, 7, &days_ago(1)).await;

    let due = json_of(&app, &format!("/api/v1/people/{}/due", app.admin_id)).await;
    let ids: Vec<&str> = due["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key_result_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![krs[0].as_str()]);
    assert_eq!(due["items"][0]["days_since_check_in"], 9);
    assert_eq!(due["items"][0]["cadence_days"], 7);

    // Bad cadences name the field; nothing is written.
    let path = format!("/api/v1/teams/{team}/cadence");
    for bad in [json!({"cadence_days": 0}), json!({"cadence_days": 400})] {
        let resp = app.req(Method::PUT, &path).json(&bad).send().await.unwrap();
        assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("cadence_days")).await;
    }
    assert!(json_of(&app, &path).await["own_cadence_days"].is_null());
    let (_, member) = app.member("Max Member").await;
    let resp = app
        .req_as(&member, Method::PUT, &path)
        .json(&json!({"cadence_days": 14}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;

    // A fortnightly team: nine days of silence are no longer due.
    let resp = app
        .req(Method::PUT, &path)
        .json(&json!({"cadence_days": 14}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let c: Value = resp.json().await.unwrap();
    assert_eq!(c["own_cadence_days"], 14);
    assert_eq!(c["cadence_days"], 14);
    let due = json_of(&app, &format!("/api/v1/people/{}/due", app.admin_id)).await;
    assert!(due["items"].as_array().unwrap().is_empty(), "{due}");
    let kr = json_of(&app, &format!("/api/v1/key-results/{}", krs[0])).await;
    assert_eq!(kr["cadence_days"], 14);
    assert_eq!(kr["status"], "on_track");

    let resp = app.get("/api/v1/people/nobody/due").await;
    assert_problem(resp, StatusCode::NOT_FOUND, None).await;
}

#[tokio::test]
async fn check_ins_in_the_future_are_refused() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["K"]).await;
    let future = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let resp = app
        .post(
            &format!("/api/v1/key-results/{}/check-ins", krs[0]),
            json!({"value": 1, "confidence": 5, "at": future}),
        )
        .await;
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("at")).await;
    let history = json_of(&app, &format!("/api/v1/key-results/{}/check-ins", krs[0])).await;
    assert!(history["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_organisations_cadence_and_check_in_day_decide_what_is_due() {
    let app = spawn_app().await;
    // Bad cadences name the field and change nothing; only admins and champions set them.
    for (bad, field) in [
        (
            json!({"rhythm": {"cadence_days": 0}}),
            "rhythm.cadence_days",
        ),
        (
            json!({"rhythm": {"cadence_days": 91}}),
            "rhythm.cadence_days",
        ),
        (json!({"rhythm": {"grace_days": 91}}), "rhythm.grace_days"),
        (
            json!({"rhythm": {"cadence_days": -1}}),
            "rhythm.cadence_days",
        ),
        (json!({"rhythm": {"weekly": true}}), "rhythm.weekly"),
    ] {
        let resp = app.patch("/api/v1/settings", bad).await;
        assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
    }
    let settings = json_of(&app, "/api/v1/settings").await;
    assert_eq!(
        settings["rhythm"],
        json!({"cadence_days": 7, "grace_days": 3})
    );
    let (_, member) = app.member("Max Member").await;
    let resp = app
        .req_as(&member, Method::PATCH, "/api/v1/settings")
        .json(&json!({"rhythm": {"cadence_days": 14}}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;

    let cycle = app.cycle("2026 Q4").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["Three days ago"]).await;
    check_in(&app, &krs[0], 10.0, 7, &days_ago(3)).await;
    let kr_path = format!("/api/v1/key-results/{}", krs[0]);
    let due_path = format!("/api/v1/people/{}/due", app.admin_id);
    let today = chrono::Utc::now().date_naive().to_string();
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .date_naive()
        .to_string();

    // Weekly, on today's weekday: a new week began today, so it is due although only three days
    // have passed.
    let resp = app
        .patch(
            "/api/v1/settings",
            json!({"check_in_weekday": weekday_in(0)}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let kr = json_of(&app, &kr_path).await;
    assert_eq!(kr["check_in_due"], true, "{kr}");
    assert_eq!(kr["check_in_due_on"], today);
    let due = json_of(&app, &due_path).await;
    assert_eq!(due["items"][0]["due_on"], today);

    // On tomorrow's weekday: not yet.
    let resp = app
        .patch(
            "/api/v1/settings",
            json!({"check_in_weekday": weekday_in(1)}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let kr = json_of(&app, &kr_path).await;
    assert_eq!(kr["check_in_due"], false, "{kr}");
    assert_eq!(kr["check_in_due_on"], tomorrow);
    assert!(json_of(&app, &due_path).await["items"]
        .as_array()
        .unwrap()
        .is_empty());

    // A three-day cadence ignores the weekday: due after three days; with no grace it turns
    // stale the day after.
    let resp = app
        .patch("/api/v1/settings", json!({"rhythm": {"cadence_days": 3}}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let s: Value = resp.json().await.unwrap();
    assert_eq!(s["rhythm"], json!({"cadence_days": 3, "grace_days": 3}));
    let kr = json_of(&app, &kr_path).await;
    assert_eq!(kr["check_in_due"], true);
    assert_eq!(kr["cadence_days"], 3);
    assert_eq!(kr["status"], "on_track");
    let resp = app
        .patch(
            "/api/v1/settings",
            json!({"rhythm": {"cadence_days": 2, "grace_days": 0}}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(json_of(&app, &kr_path).await["status"], "stale");
}

#[tokio::test]
async fn initiatives_show_how_long_they_ran_and_whether_the_key_result_moved() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["Activation"]).await;
    let kr = &krs[0];
    check_in(&app, kr, 10.0, 6, &days_ago(3)).await;
    let running = app
        .create(
            &format!("/api/v1/key-results/{kr}/initiatives"),
            json!({"title": "Onboarding emails", "state": "active"}),
        )
        .await;
    assert_eq!(running["value_at_activation"], 10.0);
    assert!(running["active_since"].is_string());
    assert_eq!(running["active_days"], 0);
    assert_eq!(running["key_result_moved"], false);
    let idea = app
        .create(
            &format!("/api/v1/key-results/{kr}/initiatives"),
            json!({"title": "Referral programme"}),
        )
        .await;
    assert!(idea["active_since"].is_null());
    assert!(idea["key_result_moved"].is_null());

    check_in(&app, kr, 25.0, 7, &days_ago(0)).await;
    let list = json_of(&app, &format!("/api/v1/key-results/{kr}/initiatives")).await;
    let by_title = |t: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["title"] == t)
            .unwrap()
            .clone()
    };
    let r = by_title("Onboarding emails");
    assert_eq!(r["key_result_moved"], true, "{r}");
    assert_eq!(r["key_result_change"], 15.0);

    // Activating the idea later records that moment and the value then.
    let id = idea["id"].as_str().unwrap();
    let resp = app
        .patch(
            &format!("/api/v1/initiatives/{id}"),
            json!({"state": "active"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let i: Value = resp.json().await.unwrap();
    assert_eq!(i["value_at_activation"], 25.0);
    assert_eq!(i["key_result_moved"], false);
    // Dropping needs a reason (422 naming it); done keeps the record of when it was active.
    let resp = app
        .patch(
            &format!("/api/v1/initiatives/{id}"),
            json!({"state": "dropped"}),
        )
        .await;
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("reason")).await;
    let resp = app
        .patch(
            &format!("/api/v1/initiatives/{id}"),
            json!({"state": "done"}),
        )
        .await;
    let i: Value = resp.json().await.unwrap();
    assert_eq!(i["value_at_activation"], 25.0);
    assert!(i["active_days"].is_null());
}
