//! The key result page's "Depends on" section in a real browser: what it waits on, named with
//! its owner; no console error or CSP violation. Screenshot:
//! target/screenshots/browser-key-result-depends-on.png.

use super::*;

#[tokio::test]
async fn the_key_result_page_says_what_it_depends_on() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let id = |v: Value| v["id"].as_str().unwrap().to_string();
    let cycle = app.cycle("2026 Q4").await;
    let o = id(app
        .create(
            "/api/v1/objectives",
            json!({"title": "Launch in Spain", "cycle_id": cycle}),
        )
        .await);
    let kr = |title: &str| {
        let app = &app;
        let path = format!("/api/v1/objectives/{o}/key-results");
        let title = title.to_string();
        async move {
            app.create(&path, json!({"title": title, "kind": "boolean"}))
                .await
        }
    };
    let mine = id(kr("Spanish checkout live").await);
    let theirs = id(kr("Payments in euros").await);
    app.create(
        &format!("/api/v1/key-results/{mine}/dependencies"),
        json!({"depends_on": theirs, "note": "we cannot sell without it"}),
    )
    .await;
    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    b.sign_in(&app.base, "ada@keel.test", pw).await;
    b.set_window_size(1280, 900).await;
    b.go(&format!("{}/key-results/{mine}", app.base)).await;
    let text = b.text(".depends-on").await;
    assert!(
        text.contains("Payments in euros") && text.contains("Waiting for an answer"),
        "{text}"
    );
    b.execute(
        "document.querySelector('#depends-h').scrollIntoView()",
        json!([]),
    )
    .await;
    b.screenshot("browser-key-result-depends-on").await;
    b.assert_no_console_errors().await;
    b.close().await;
}
