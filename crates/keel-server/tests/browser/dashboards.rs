//! The company dashboard and a team's in a real browser: the status mix bar, the heatmap, the
//! confidence trend; a heatmap cell opens the key results behind it; no console error or CSP
//! violation. Screenshots: target/screenshots/browser-dashboard.png,
//! browser-team-dashboard.png.

use super::*;

#[tokio::test]
async fn the_dashboards_show_the_figures_and_open_what_is_behind_them() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let id = |v: Value| v["id"].as_str().unwrap().to_string();
    let cycle = app.cycle("2026 Q4").await;
    let sales = app.team("Sales").await;
    let product = app.team("Product").await;
    let (mut krs, mut objectives) = (vec![], vec![]);
    for (title, team) in [
        ("Win the enterprise segment", &sales),
        ("Ship the widget", &product),
    ] {
        let o = id(app
            .create(
                "/api/v1/objectives",
                json!({"title": title, "cycle_id": cycle, "team_ids": [team]}),
            )
            .await);
        for kr in ["Ten new logos", "Pipeline at 2 million", "Renewals at 95%"] {
            krs.push(id(app
                .create(
                    &format!("/api/v1/objectives/{o}/key-results"),
                    json!({"title": format!("{kr} ({title})"), "kind": "increase", "start": 0, "target": 100}),
                )
                .await));
        }
        app.patch(
            &format!("/api/v1/objectives/{o}"),
            json!({"state": "active"}),
        )
        .await;
        objectives.push(o);
    }
    keel_server::jobs::tick(
        app.store.as_ref(),
        "test",
        chrono::Utc::now() - chrono::Duration::days(3),
    )
    .await
    .unwrap();
    for (i, kr) in krs.iter().enumerate() {
        let confidence = [8, 5, 2][i % 3];
        for days in [20, 13, 6, 0] {
            let at = chrono::Utc::now() - chrono::Duration::days(days) - chrono::Duration::hours(1);
            app.create(
                &format!("/api/v1/key-results/{kr}/check-ins"),
                json!({"value": 30 + i as i64 * 10, "confidence": (confidence + days / 7).min(10), "at": at.to_rfc3339()}),
            )
            .await;
        }
    }
    keel_server::jobs::tick(app.store.as_ref(), "test", chrono::Utc::now())
        .await
        .unwrap();
    // Under way for more than a week, so this week's check-ins are due (a key result that
    // became active this week owes its first check-in next week).
    for o in &objectives {
        app.backdate_objective(o, 8).await;
    }
    // History moved after the evaluator's rounds: the check-ins week by week are counted now
    // (the stored counts' own test is `compliance::reads_the_evaluators_counts`).
    app.forget_compliance_counts().await;
    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    b.sign_in(&app.base, "ada@keel.test", pw).await;
    b.set_window_size(1280, 1400).await;
    b.go(&format!("{}/dashboard", app.base)).await;
    assert!(b.text("h1").await.starts_with("Dashboard"));
    b.find("svg.mix-bar").await;
    b.find("svg.sparkline").await;
    let heat = b.text(".heatmap").await;
    assert!(heat.contains("Sales") && heat.contains("Product"), "{heat}");
    b.screenshot("browser-dashboard").await;
    b.assert_no_console_errors().await;
    b.click(".heatmap a.figure").await;
    b.wait_for_url(|u| u.contains("/dashboard/key-results"))
        .await;
    b.find(".cell-key-results li").await;
    b.assert_no_console_errors().await;
    b.go(&format!("{}/teams/{sales}/dashboard", app.base)).await;
    assert!(b.text(".check-in-weeks").await.contains("of 3"));
    b.screenshot("browser-team-dashboard").await;
    b.assert_no_console_errors().await;
    b.close().await;
}
