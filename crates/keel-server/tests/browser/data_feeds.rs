//! The KPI pages and the key result page's "Data" section in a real browser: KPI tiles with
//! their small line and health in words, a KPI's page with its history chart, a reading
//! recorded through its form, and a key result showing the value an ingest token pushed; no
//! console error or CSP violation. Screenshots: target/screenshots/browser-kpis.png,
//! browser-kpi.png and browser-key-result-data.png.

use super::*;

#[tokio::test]
async fn kpi_pages_and_pushed_values_in_a_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    let kpi = app
        .create(
            "/api/v1/kpis",
            json!({"name": "Weekly active users", "unit": "users", "corridor_min": 1000}),
        )
        .await;
    let kpi = id(&kpi);
    app.create(
        "/api/v1/kpis",
        json!({"name": "API latency p95", "unit": "ms", "corridor_max": 250}),
    )
    .await;
    for v in [1200, 1350, 1100, 950] {
        app.create(&format!("/api/v1/kpis/{kpi}/values"), json!({"value": v}))
            .await;
    }
    let cycle = app.cycle("2026 Q4").await;
    let o = id(&app
        .create(
            "/api/v1/objectives",
            json!({"title": "Grow usage", "cycle_id": cycle}),
        )
        .await);
    let kr = id(&app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Builds green on main", "kind": "increase", "start": 0, "target": 100, "unit": "%"}),
        )
        .await);
    let token = app
        .create(
            &format!("/api/v1/key-results/{kr}/ingest-tokens"),
            json!({"name": "nightly build"}),
        )
        .await;
    let secret = token["token"].as_str().unwrap();
    let r = app
        .req_as(
            secret,
            reqwest::Method::POST,
            &format!("/api/v1/key-results/{kr}/values"),
        )
        .json(&json!({"value": 87}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);

    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    b.sign_in(&app.base, "ada@keel.test", pw).await;
    b.set_window_size(1280, 900).await;
    b.go(&format!("{}/kpis", app.base)).await;
    let tiles = b.text(".kpi-tiles").await;
    assert!(
        tiles.contains("Weekly active users") && tiles.contains("950 users"),
        "{tiles}"
    );
    assert!(tiles.contains("Outside its corridor since"), "{tiles}");
    assert!(tiles.contains("No readings yet"), "{tiles}");
    b.screenshot("browser-kpis").await;

    // Record a reading through the KPI page's form.
    b.go(&format!("{}/kpis/{kpi}", app.base)).await;
    b.type_into("#kpi-value", "1400").await;
    b.click("form[action$='/values'] button[type=submit]").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let health = b.text("#kpi-health").await;
    assert!(health.starts_with("Healthy"), "{health}");
    let readings = b.text(".kpi-readings").await;
    assert!(readings.contains("1400 users"), "{readings}");
    b.screenshot("browser-kpi").await;

    b.go(&format!("{}/key-results/{kr}", app.base)).await;
    let data = b.text(".data-feeds").await;
    assert!(
        data.contains("Last value pushed just now by Data: nightly build"),
        "{data}"
    );
    assert!(b
        .text(".check-in-history")
        .await
        .contains("Data: nightly build"));
    b.execute(
        "document.querySelector('#data-h').scrollIntoView()",
        json!([]),
    )
    .await;
    b.screenshot("browser-key-result-data").await;
    b.assert_no_console_errors().await;
    b.close().await;
}
