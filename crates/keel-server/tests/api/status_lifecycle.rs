//! Issue 12, a signal people can trust: new work is neither green nor red, drafts and work
//! awaiting an owner stay out of what is due and of roll-ups, only the owner's check-in is the
//! owner's word, an override lapses and never hides silence, one definition of stale, and a
//! contributor can be handed a key result in one step. Through the API and the pages.

use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn days_ago(d: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339()
}

async fn kr_json(app: &TestApp, kr: &str) -> Value {
    json_of(app, &format!("/api/v1/key-results/{kr}")).await
}

async fn check_in_as(app: &TestApp, token: &str, kr: &str, value: f64, confidence: i64, at: &str) {
    let resp = app
        .req_as(
            token,
            Method::POST,
            &format!("/api/v1/key-results/{kr}/check-ins"),
        )
        .json(&json!({"value": value, "confidence": confidence, "at": at}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn new_work_is_not_started_drafts_are_drafts_and_neither_is_due_or_red() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    // A draft objective with a key result: both read "draft", never red, never due.
    let draft = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Still drafting", "cycle_id": cycle}),
        )
        .await;
    let draft_id = draft["id"].as_str().unwrap();
    let k = app
        .create(
            &format!("/api/v1/objectives/{draft_id}/key-results"),
            json!({"title": "Drafted", "kind": "increase", "start": 0, "target": 10}),
        )
        .await;
    assert_eq!(k["status"], "draft", "{k}");
    assert_eq!(k["check_in_due"], false);
    let empty = app
        .create(
            "/api/v1/objectives",
            json!({"title": "A draft without key results", "cycle_id": cycle}),
        )
        .await;
    assert_eq!(
        json_of(
            &app,
            &format!("/api/v1/objectives/{}", empty["id"].as_str().unwrap())
        )
        .await["status"],
        "draft",
        "a draft with no key results is not On track"
    );

    // Activated today, more than two thirds into the cycle: not started, not off track.
    let (o, krs) = active_objective(&app, &cycle, None, &["Brand new"]).await;
    let new = kr_json(&app, &krs[0]).await;
    assert_eq!(new["status"], "not_started", "{new}");
    assert!(
        !new["status_reason"].as_str().unwrap().contains("% done"),
        "{new}"
    );
    assert_eq!(new["check_in_due"], false);
    let view = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    assert_eq!(view["status"], "not_started", "{view}");

    // The objective page says it in words.
    let b = Browser::admin(&app).await;
    let page = b.page(&format!("/objectives/{o}")).await;
    assert!(page.has(".status.status-not_started"), "{}", page.html());
    assert!(page.mentions("Not started"));
    assert!(!page.has(".status.status-off_track"), "{}", page.html());
    let page = b.page(&format!("/objectives/{draft_id}")).await;
    assert!(page.has(".status.status-draft"), "{}", page.html());
}

#[tokio::test]
async fn work_awaiting_its_owner_is_not_stale_and_not_due_for_the_person_asked() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (member, member_token) = app.member("Max Member").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["Handed over"]).await;
    // Silent for 65 days under the admin, then handed to Max, who has not accepted yet.
    check_in_as(&app, &app.token, &krs[0], 5.0, 7, &days_ago(65)).await;
    assert_eq!(kr_json(&app, &krs[0]).await["status"], "stale");
    let resp = app
        .post(
            &format!("/api/v1/key-results/{}/ownership", krs[0]),
            json!({"owner_id": member}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let k = kr_json(&app, &krs[0]).await;
    assert_eq!(k["status"], "awaiting_owner", "{k}");
    assert_eq!(k["check_in_due"], false);
    let due = json_of(&app, &format!("/api/v1/people/{member}/due")).await;
    assert_eq!(
        due["items"],
        json!([]),
        "not due for the person merely asked"
    );

    // Once Max accepts, it starts afresh: not started, not stale from the old owner's silence.
    let resp = app
        .req_as(
            &member_token,
            Method::POST,
            &format!("/api/v1/key-results/{}/ownership/accept", krs[0]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let k = kr_json(&app, &krs[0]).await;
    assert_eq!(k["status"], "not_started", "{k}");
}

#[tokio::test]
async fn only_the_owners_check_in_is_the_owners_word() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (member, member_token) = app.member("Cora Contributor").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["Shared work"]).await;
    let resp = app
        .patch(
            &format!("/api/v1/key-results/{}", krs[0]),
            json!({"contributor_ids": [member]}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);

    // A contributor's reading records a value, but neither ends the owner's silence nor speaks
    // for them.
    check_in_as(&app, &member_token, &krs[0], 20.0, 2, &days_ago(0)).await;
    let k = kr_json(&app, &krs[0]).await;
    assert_eq!(k["current"], 20.0);
    assert_eq!(k["status"], "not_started", "{k}");
    assert!(!k["status_reason"].as_str().unwrap().contains("confidence"));

    // The owner's own check-in carries the confidence…
    check_in_as(&app, &app.token, &krs[0], 25.0, 8, &days_ago(0)).await;
    let k = kr_json(&app, &krs[0]).await;
    assert_eq!(k["status"], "on_track", "{k}");
    assert!(k["status_reason"]
        .as_str()
        .unwrap()
        .contains("the owner's latest confidence is 8 of 10"));
    // …and a contributor's later 2 does not replace it.
    check_in_as(&app, &member_token, &krs[0], 26.0, 2, &days_ago(0)).await;
    let k = kr_json(&app, &krs[0]).await;
    assert_eq!(k["status"], "on_track", "{k}");
    assert!(k["status_reason"]
        .as_str()
        .unwrap()
        .contains("confidence is 8 of 10"));

    // The owner's silence is counted from the owner's own check-ins: 20 days ago, whatever a
    // contributor wrote today.
    let (_, krs) = active_objective(&app, &cycle, None, &["Quiet owner"]).await;
    app.patch(
        &format!("/api/v1/key-results/{}", krs[0]),
        json!({"contributor_ids": [member]}),
    )
    .await;
    check_in_as(&app, &app.token, &krs[0], 10.0, 9, &days_ago(20)).await;
    check_in_as(&app, &member_token, &krs[0], 30.0, 9, &days_ago(0)).await;
    let k = kr_json(&app, &krs[0]).await;
    assert_eq!(k["status"], "stale", "{k}");
}

#[tokio::test]
async fn an_override_may_last_until_a_day_and_never_hides_silence() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Behind"]).await;
    check_in_as(&app, &app.token, &krs[0], 5.0, 2, &days_ago(1)).await;
    assert_eq!(
        json_of(&app, &format!("/api/v1/objectives/{o}")).await["status"],
        "off_track"
    );
    let path = format!("/api/v1/objectives/{o}/status");
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive();
    let resp = app
        .req(Method::PUT, &path)
        .json(&json!({"status": "on_track", "reason": "a partner deal lands Friday", "until": yesterday}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("until")).await;
    let in_a_week = (chrono::Utc::now() + chrono::Duration::days(7)).date_naive();
    let resp = app
        .req(Method::PUT, &path)
        .json(&json!({"status": "on_track", "reason": "a partner deal lands Friday", "until": in_a_week}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let view: Value = resp.json().await.unwrap();
    assert_eq!(view["status"], "on_track", "{view}");
    assert_eq!(view["status_override"]["until"], json!(in_a_week));
    assert!(view["status_reason"].as_str().unwrap().contains("until"));

    // The page's form takes the day too, and refuses one that is not a day.
    let b = Browser::admin(&app).await;
    let html = b
        .refused(
            &format!("/objectives/{o}/status"),
            &[
                ("status", "at_risk"),
                ("reason", "hiring"),
                ("until", "next week"),
            ],
        )
        .await;
    assert!(field_error(&html, "until").is_some(), "{html}");

    // Silence shows through an override: the key result goes stale, so does the objective.
    let (o2, krs2) = active_objective(&app, &cycle, None, &["Forgotten"]).await;
    check_in_as(&app, &app.token, &krs2[0], 5.0, 9, &days_ago(30)).await;
    let resp = app
        .req(Method::PUT, &format!("/api/v1/objectives/{o2}/status"))
        .json(&json!({"status": "on_track", "reason": "trust me", "until": in_a_week}))
        .send()
        .await
        .unwrap();
    let view: Value = resp.json().await.unwrap();
    assert_eq!(view["status"], "stale", "{view}");
    let page = b.page("/company").await;
    assert!(
        page.has(".okr-meta .status.status-stale"),
        "the company tree shows it stale, not green"
    );
}

/// An override without a day of its own lapses when the next check-in falls due after it was
/// set: the key results' status shows again.
#[tokio::test]
async fn an_override_without_a_day_lapses_at_the_next_due_check_in() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Behind"]).await;
    check_in_as(&app, &app.token, &krs[0], 5.0, 2, &days_ago(1)).await;
    let path = format!("/api/v1/objectives/{o}");
    let resp = app
        .req(Method::PUT, &format!("{path}/status"))
        .json(&json!({"status": "on_track", "reason": "a partner deal lands Friday"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        json_of(&app, &path).await["status"],
        "on_track",
        "it stands"
    );
    // Set ten days ago, with a weekly rhythm: the next check-in has fallen due since.
    app.backdate_status_override(&o, 10).await;
    let view = json_of(&app, &path).await;
    assert_eq!(view["status"], "off_track", "{view}");
    assert!(
        !view["status_reason"]
            .as_str()
            .unwrap()
            .contains("set by its owner"),
        "{view}"
    );
    let page = Browser::admin(&app)
        .await
        .page(&format!("/objectives/{o}"))
        .await;
    assert!(page.body().contains("Off track"), "{}", page.body());
}

#[tokio::test]
async fn the_health_check_and_the_status_agree_on_stale() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["Nine days", "Twenty days"]).await;
    // Weekly with 3 days' grace: 9 days silent is due but not stale; 20 days is stale.
    check_in_as(&app, &app.token, &krs[0], 5.0, 8, &days_ago(9)).await;
    check_in_as(&app, &app.token, &krs[1], 5.0, 8, &days_ago(20)).await;
    assert_ne!(kr_json(&app, &krs[0]).await["status"], "stale");
    assert_eq!(kr_json(&app, &krs[1]).await["status"], "stale");
    app.evaluate_now().await;
    let report = json_of(&app, &format!("/api/v1/health?cycle_id={cycle}")).await;
    let stale_for: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "stale_confidence")
        .map(|f| f["okr"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(stale_for, vec![krs[1].clone()], "{report}");
}

#[tokio::test]
async fn a_contributor_is_handed_a_key_result_on_the_page() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (pm, pm_token) = app.member("Maya PM").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["Activation rate"]).await;
    app.patch(
        &format!("/api/v1/key-results/{}", krs[0]),
        json!({"contributor_ids": [pm]}),
    )
    .await;
    let k = kr_json(&app, &krs[0]).await;
    let o = k["objective_id"].as_str().unwrap().to_string();
    let b = Browser::admin(&app).await;
    let page = b.page(&format!("/objectives/{o}")).await;
    let action = page
        .attrs("form", "action")
        .into_iter()
        .find(|a| a.contains(&krs[0]) && a.ends_with("/ownership"))
        .unwrap_or_else(|| panic!("a handover form for the key result: {}", page.html()));
    let resp = b
        .submit(
            &action,
            &[
                ("owner_id", pm.as_str()),
                ("note", "You watch the funnel daily"),
                ("previous_owner_stays_as", "sponsor"),
            ],
        )
        .await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let k = kr_json(&app, &krs[0]).await;
    assert_eq!(k["owner_id"], pm.as_str(), "{k}");
    assert_eq!(k["ownership_state"], "pending");
    assert_eq!(
        k["sponsor_id"],
        app.admin_id.as_str(),
        "the old owner stays on as sponsor"
    );
    // While it waits, the page says who answers for it now and who is asked.
    let page = b.page(&format!("/objectives/{o}")).await;
    let waiting = page.text(&format!("#kr-{} .handover-waiting", krs[0]));
    assert!(
        waiting.contains("answers for it until Maya PM accepts"),
        "{}",
        page.html()
    );
    // Through the API, a role the old owner could keep is checked.
    let resp = app
        .post(
            &format!("/api/v1/key-results/{}/ownership", krs[0]),
            json!({"owner_id": pm, "previous_owner_stays_as": "godparent"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = app
        .req_as(
            &pm_token,
            Method::POST,
            &format!("/api/v1/key-results/{}/ownership/accept", krs[0]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let k = kr_json(&app, &krs[0]).await;
    assert_eq!(k["ownership_state"], "accepted");
    assert_eq!(k["contributor_ids"], json!([]), "{k}");
    assert_eq!(k["sponsor_id"], app.admin_id.as_str());
    let page = b.page(&format!("/objectives/{o}")).await;
    assert!(
        !page.has(".handover-waiting"),
        "nothing waits once accepted"
    );
}

#[tokio::test]
async fn my_week_separates_what_i_own_from_what_i_contribute_to_and_only_open_work() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (member, _) = app.member("Cora Contributor").await;
    let (_, mine) = active_objective(&app, &cycle, None, &["Mine to report"]).await;
    let (_, theirs) = active_objective(&app, &cycle, None, &["Theirs to report"]).await;
    // Cora owns "Theirs to report" (she names herself through the admin's proposal and
    // accepts); the admin contributes to it. Both key results are silent for 20 days.
    check_in_as(&app, &app.token, &mine[0], 5.0, 8, &days_ago(20)).await;
    let resp = app
        .patch(
            &format!("/api/v1/key-results/{}", theirs[0]),
            json!({"contributor_ids": [member]}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    check_in_as(&app, &app.token, &theirs[0], 5.0, 8, &days_ago(20)).await;
    let resp = app
        .post(
            &format!("/api/v1/key-results/{}/ownership", theirs[0]),
            json!({"owner_id": member}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = app
        .patch(
            &format!("/api/v1/key-results/{}", theirs[0]),
            json!({"contributor_ids": [app.admin_id]}),
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "{}",
        resp.text().await.unwrap()
    );
    // A closed quarter's key result asks for nothing.
    let old = app
        .create(
            "/api/v1/cycles",
            json!({"name": "2026 Q3", "starts_on": "2026-07-01", "ends_on": "2026-09-30", "state": "active"}),
        )
        .await;
    let old_id = old["id"].as_str().unwrap().to_string();
    let (_, closed) = active_objective(&app, &old_id, None, &["Last quarter's"]).await;
    let resp = app
        .patch(
            &format!("/api/v1/cycles/{old_id}"),
            json!({"state": "closed"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);

    let b = Browser::admin(&app).await;
    let page = b.page("/my-week").await;
    let own = page.text("#krs-own");
    let contribute = page.text("#krs-contribute");
    assert!(own.contains("Mine to report"), "{own}");
    assert!(!own.contains("Theirs to report"), "{own}");
    assert!(contribute.contains("Theirs to report"), "{contribute}");
    assert!(
        !contribute.contains("check-in due"),
        "only the owner is asked for a check-in: {contribute}"
    );
    assert!(own.contains("check-in due"), "{own}");
    assert!(
        !page.mentions("Last quarter's"),
        "closed cycles ask nothing"
    );
    let due = json_of(&app, &format!("/api/v1/people/{}/due", app.admin_id)).await;
    let due_ids: Vec<&str> = due["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key_result_id"].as_str().unwrap())
        .collect();
    assert_eq!(due_ids, vec![mine[0].as_str()], "{due}");
    assert!(!due_ids.contains(&closed[0].as_str()));
}

#[tokio::test]
async fn a_finished_yes_no_key_result_asks_for_no_check_in() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &[]).await;
    let done = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Lease signed", "kind": "boolean"}),
        )
        .await;
    let open = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Office opened", "kind": "boolean"}),
        )
        .await;
    let (done, open) = (done["id"].as_str().unwrap(), open["id"].as_str().unwrap());
    check_in_as(&app, &app.token, done, 1.0, 9, &days_ago(20)).await;
    check_in_as(&app, &app.token, open, 0.0, 9, &days_ago(20)).await;
    assert_eq!(kr_json(&app, done).await["check_in_due"], false, "finished");
    assert_eq!(kr_json(&app, open).await["check_in_due"], true);
    let due = json_of(&app, &format!("/api/v1/people/{}/due", app.admin_id)).await;
    let ids: Vec<&str> = due["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key_result_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![open], "{due}");
}
