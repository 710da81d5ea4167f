//! The reports hub, the participation, financial and calibration reports in a real browser, as an
//! administrator: no console error or CSP violation. Screenshots:
//! target/screenshots/browser-reports-hub.png, browser-reports-participation.png,
//! browser-reports-financial.png and browser-reports-calibration.png.

use super::*;

#[tokio::test]
async fn the_reports_open_without_console_errors() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let id = |v: Value| v["id"].as_str().unwrap().to_string();
    let cycle = app.cycle("2026 Q4").await;
    let nia = id(app
        .create(
            "/api/v1/people",
            json!({"name": "Nia Newcomer", "email": "nia@keel.test"}),
        )
        .await);
    let team = id(app
        .create(
            "/api/v1/teams",
            json!({"name": "Sales", "lead_id": app.admin_id, "member_ids": [app.admin_id, nia]}),
        )
        .await);
    let o = id(app
        .create(
            "/api/v1/objectives",
            json!({"title": "Grow revenue in Spain", "cycle_id": cycle, "state": "active", "team_ids": [team]}),
        )
        .await);
    let kr = id(app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Bookings to 120k", "kind": "increase", "start": 0, "target": 120000, "current": 30000, "unit": "EUR", "financial": true}),
        )
        .await);
    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    b.sign_in(&app.base, "ada@keel.test", pw).await;
    b.set_window_size(1280, 900).await;
    b.go(&format!("{}/reports", app.base)).await;
    let text = b.text(".report-list").await;
    assert!(
        text.contains("Participation") && text.contains("Financial key results"),
        "{text}"
    );
    b.screenshot("browser-reports-hub").await;
    b.assert_no_console_errors().await;
    b.click("a[href='/reports/participation']").await;
    let text = b.text("table.participation").await;
    assert!(
        text.contains("Nia Newcomer") && text.contains("no OKRs"),
        "{text}"
    );
    b.screenshot("browser-reports-participation").await;
    b.assert_no_console_errors().await;
    b.go(&format!("{}/reports/financial", app.base)).await;
    let text = b.text("table.financial-totals").await;
    assert!(text.contains("Sales") && text.contains("EUR"), "{text}");
    b.screenshot("browser-reports-financial").await;
    b.assert_no_console_errors().await;
    // Calibration, once the cycle is scored and closed: the teams' table and its download.
    app.create(
        &format!("/api/v1/key-results/{kr}/check-ins"),
        json!({"value": 60000, "confidence": 8}),
    )
    .await;
    app.post(
        &format!("/api/v1/key-results/{kr}/score"),
        json!({"score": 0.5}),
    )
    .await;
    app.post(&format!("/api/v1/cycles/{cycle}/close"), json!({}))
        .await;
    b.go(&format!(
        "{}/reports/calibration?cycle_id={cycle}",
        app.base
    ))
    .await;
    let text = b.text("table[data-section=Teams]").await;
    assert!(
        text.contains("Sales") && text.contains("over-confident"),
        "{text}"
    );
    b.screenshot("browser-reports-calibration").await;
    b.assert_no_console_errors().await;
    b.close().await;
}
