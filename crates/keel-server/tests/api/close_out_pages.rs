//! The end of a cycle from the browser ("Scoring and retrospective"): scoring key results, the
//! retrospective that carries an objective over, closing and reopening a cycle after a
//! confirmation, and the calibration report for the roles allowed.

use crate::helpers::*;
use crate::rhythm::active_objective;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn close_out_scores_key_results_and_carries_the_objective_over() {
    close_out(spawn_app().await).await;
}

#[tokio::test]
async fn close_out_scores_key_results_and_carries_the_objective_over_on_postgres() {
    if postgres_configured() {
        close_out(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn close_out(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Signups"]).await;
    app.create(
        &format!("/api/v1/key-results/{}/check-ins", krs[0]),
        serde_json::json!({"value": 70, "confidence": 7}),
    )
    .await;
    let ada = Browser::admin(&app).await;
    let page = format!("/objectives/{o}/close-out");
    let shown = ada.page(&page).await;
    assert!(
        shown
            .texts(".meta")
            .iter()
            .any(|m| m.contains("suggested score 0.70")),
        "{}",
        shown.html()
    );
    assert!(shown.texts(".meta strong").contains(&"0.70".to_string()));
    let owner = json_of(&app, &format!("/api/v1/key-results/{}", krs[0])).await["owner_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        shown.links_to(&format!("/people/{owner}")),
        "the owner's page"
    );
    assert!(shown
        .body()
        .contains("Scored once every key result has its score"));

    // Bad scores: next to the field, kept, nothing written.
    let (score, reason) = (format!("score.{}", krs[0]), format!("reason.{}", krs[0]));
    for (bad, message) in [("lots", "number"), ("1.5", "0.0 to 1.0"), ("", "enter")] {
        let html = ada
            .refused(&page, &[(&score, bad), (&reason, "shipped late")])
            .await;
        let shown = Page::parse(&html);
        let error = shown.text(&format!("[id=\"score-{}-error\"]", krs[0]));
        assert!(error.contains(message), "{error}");
        assert_eq!(
            shown
                .attr(&format!("[id=\"reason-{}\"]", krs[0]), "value")
                .as_deref(),
            Some("shipped late"),
            "kept"
        );
    }
    let kr = json_of(&app, &format!("/api/v1/key-results/{}", krs[0])).await;
    assert!(kr["score"].is_null());
    let to = ada
        .done(&page, &[(&score, "0.7"), (&reason, "shipped late")])
        .await;
    assert!(to.starts_with(&format!("{page}?done=saved")), "{to}");
    // A page opened before that save (it showed no score) changes the same score: told, the
    // saved score shown, what was typed kept, nothing overwritten.
    let resp = ada
        .submit(&page, &[(&score, "0.2"), (&reason, "too late")])
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let told = Page::parse(&resp.text().await.unwrap());
    assert!(told
        .text(&format!("[id=\"score-{}-theirs\"]", krs[0]))
        .contains("0.70"));
    assert_eq!(told.field(&score).as_deref(), Some("0.2"));
    let kr = json_of(&app, &format!("/api/v1/key-results/{}", krs[0])).await;
    assert_eq!(kr["score"], 0.7);
    let shown = ada.page(&page).await;
    assert!(shown.has(".band.band-green"), "{}", shown.html());
    // The band is the colour (its name only for screen readers), not "(green)" as text.
    assert!(!shown.has(".big .meta"), "{}", shown.html());
    assert_eq!(shown.text(".band .visually-hidden"), "(green band)");
    // Committed (the default): 0.7 is green but not a success.
    assert!(
        shown
            .body()
            .contains("Not a success for a committed objective"),
        "{}",
        shown.html()
    );

    // The retrospective: carrying over needs a next cycle (409 shown next to the box).
    let retro = page.clone();
    let html = ada
        .refused(
            &retro,
            &[
                ("worked", "pairing"),
                ("did_not", "estimates"),
                ("carry_over", "on"),
            ],
        )
        .await;
    assert!(
        field_error(&html, "carry_over")
            .unwrap()
            .contains("no open cycle"),
        "{html}"
    );
    assert_eq!(
        Page::parse(&html).text("textarea[name=\"worked\"]"),
        "pairing",
        "kept"
    );
    let long = "w".repeat(10_001);
    let html = ada.refused(&retro, &[("worked", &long)]).await;
    assert!(field_error(&html, "worked").is_some(), "{html}");
    let resp = app
        .get(&format!("/api/v1/objectives/{o}/retrospective"))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND, "nothing written");
    app.create(
        "/api/v1/cycles",
        serde_json::json!({"name": "2027 Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}),
    )
    .await;
    ada.done(
        &retro,
        &[
            ("worked", "pairing"),
            ("did_not", "estimates"),
            ("carry_over", "on"),
        ],
    )
    .await;
    let r = json_of(&app, &format!("/api/v1/objectives/{o}/retrospective")).await;
    let draft = r["carried_over_to"].as_str().unwrap();
    let shown = ada.page(&page).await;
    assert!(
        shown.links_to(&format!("/objectives/{draft}")),
        "{:?}",
        shown.links()
    );
    let d = json_of(&app, &format!("/api/v1/objectives/{draft}")).await;
    assert_eq!(d["state"], "draft");

    // A member who neither owns nor champions: a 403 page, and no link on the objective page.
    let (mia, _) = app.member("Mia Member").await;
    let mia = Browser::signed_in(&app, &mia, "mia.member@keel.test").await;
    mia.html_with(&page, StatusCode::FORBIDDEN).await;
    let resp = mia.submit(&page, &[(&score, "0.1"), (&reason, "")]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

async fn cycle_state(app: &TestApp, cycle: &str) -> Value {
    json_of(app, &format!("/api/v1/cycles/{cycle}")).await["state"].clone()
}

#[tokio::test]
async fn cycles_are_closed_and_reopened_after_a_confirmation() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (champ, _) = app.person_with_roles("Cam Champion", &["champion"]).await;
    let cam = Browser::signed_in(&app, &champ, "cam.champion@keel.test").await;
    let ada = Browser::admin(&app).await;

    // A champion closes, after a confirmation page.
    let shown = cam.page("/admin/cycles").await;
    let close = format!("/admin/cycles/{cycle}/close");
    assert!(shown.links_to(&close), "{:?}", shown.links());
    assert!(cam.page(&close).await.body().contains("locks every OKR"));
    assert_eq!(
        cycle_state(&app, &cycle).await,
        "active",
        "the confirmation writes nothing"
    );
    let to = cam.done(&close, &[]).await;
    assert_eq!(to, format!("/admin/cycles?done=closed#cycle-{cycle}"));
    assert_eq!(cycle_state(&app, &cycle).await, "closed");
    // Closing again: a readable 409 page.
    let resp = cam.submit(&close, &[]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let shown = Page::parse(&resp.text().await.unwrap());
    assert!(shown.body().contains("already closed"), "{}", shown.html());
    assert_eq!(shown.text("h1#cycles"), "Cycles", "the cycles page");

    // Reopening is for administrators only.
    let reopen = format!("/admin/cycles/{cycle}/reopen");
    assert!(!cam.page("/admin/cycles").await.mentions(&reopen));
    cam.html_with(&reopen, StatusCode::FORBIDDEN).await;
    let resp = cam.submit(&reopen, &[]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(cycle_state(&app, &cycle).await, "closed");
    assert!(ada.page("/admin/cycles").await.links_to(&reopen));
    ada.html(&reopen).await;
    ada.done(&reopen, &[]).await;
    assert_eq!(cycle_state(&app, &cycle).await, "active");
    let resp = ada.submit(&reopen, &[]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);

    // A member: 403 pages.
    let (mia, _) = app.member("Mia Member").await;
    let mia = Browser::signed_in(&app, &mia, "mia.member@keel.test").await;
    mia.html_with(&close, StatusCode::FORBIDDEN).await;
    assert_eq!(
        mia.submit(&close, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(cycle_state(&app, &cycle).await, "active");
}

#[tokio::test]
async fn calibration_report_is_for_the_roles_allowed_and_needs_a_closed_cycle() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Signups"]).await;
    app.create(
        &format!("/api/v1/key-results/{}/check-ins", krs[0]),
        serde_json::json!({"value": 40, "confidence": 9}),
    )
    .await;
    let ada = Browser::admin(&app).await;
    ada.done(
        &format!("/objectives/{o}/close-out"),
        &[
            (&format!("score.{}", krs[0]), "0.4"),
            (&format!("reason.{}", krs[0]), "half way"),
        ],
    )
    .await;
    let page = format!("/reports/calibration?cycle_id={cycle}");
    // Not closed yet: said next to the cycle field.
    let html = ada.html_with(&page, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        field_error(&html, "cycle_id")
            .unwrap()
            .contains("not closed"),
        "{html}"
    );
    let html = ada
        .html_with(
            "/reports/calibration?cycle_id=nope",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(field_error(&html, "cycle_id").is_some());
    ada.done(&format!("/admin/cycles/{cycle}/close"), &[]).await;
    // The report's rows: name, key results, confidence, score, gap, calibration.
    let calibrated = |shown: &Page| -> Vec<Vec<String>> {
        shown
            .rows("table")
            .into_iter()
            .filter(|r| r.len() == 6 && r[0] != "Name")
            .collect()
    };
    let rows = calibrated(&ada.page(&page).await);
    assert!(
        rows.iter()
            .any(|r| r[0] == "Ada Admin" && r[5].contains("over-confident")),
        "{rows:?}"
    );
    // An analyst may read it; a member gets the 403 page.
    let (an, _) = app.person_with_roles("Ann Analyst", &["analyst"]).await;
    let ann = Browser::signed_in(&app, &an, "ann.analyst@keel.test").await;
    assert!(calibrated(&ann.page(&page).await)
        .iter()
        .any(|r| r[5].contains("over-confident")));
    let (mia, _) = app.member("Mia Member").await;
    let mia = Browser::signed_in(&app, &mia, "mia.member@keel.test").await;
    mia.html_with(&page, StatusCode::FORBIDDEN).await;
}
