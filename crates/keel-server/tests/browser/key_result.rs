//! The key result page in a real browser (issue 12): the author opens their key result from the
//! objective page, corrects a mistyped check-in with the page's form, and the page shows the
//! correction and the original marked, with no console error or CSP violation. Screenshot:
//! target/screenshots/browser-key-result.png.

use super::*;

#[tokio::test]
async fn correcting_a_check_in_on_the_key_result_page() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let cycle = app.cycle("Q4 2026").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Onboarding is effortless", "cycle_id": cycle}),
        )
        .await;
    let o = o["id"].as_str().unwrap().to_string();
    let k = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Day-7 activation at 60%", "kind": "increase", "start": 20, "target": 60, "unit": "%"}),
        )
        .await;
    let kr = k["id"].as_str().unwrap().to_string();
    app.patch(
        &format!("/api/v1/objectives/{o}"),
        json!({"state": "active"}),
    )
    .await;
    let days_ago = |d: i64| (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339();
    let path = format!("/api/v1/key-results/{kr}/check-ins");
    for (value, confidence, note, d) in [
        (24, 6, "first cohort in", 40),
        (29, 7, "emails help", 25),
        (3, 7, "typo", 10),
    ] {
        app.create(
            &path,
            json!({"value": value, "confidence": confidence, "note": note, "at": days_ago(d)}),
        )
        .await;
    }
    let typo = app.get(&path).await.json::<Value>().await.unwrap()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    b.sign_in(&app.base, "ada@keel.test", pw).await;
    b.go(&format!("{}/objectives/{o}", app.base)).await;
    b.click(&format!("a[href='/key-results/{kr}']")).await;
    b.wait_for_url(|u| u.ends_with(&format!("/key-results/{kr}")))
        .await;
    assert!(b.source().await.contains("progress-chart"));
    b.click(&format!("#check-in-{typo} details.correct summary"))
        .await;
    b.execute(
        "document.querySelector(arguments[0]).value = ''",
        json!([format!("[id='value-{typo}']")]),
    )
    .await;
    b.type_into(&format!("[id='value-{typo}']"), "33").await;
    b.click(&format!(
        "#check-in-{typo} form[action$='/correct'] button[type=submit]"
    ))
    .await;
    b.wait_for_url(|u| u.contains("done=corrected")).await;
    let figures = b.text("#kr-figures").await;
    assert!(figures.contains("33"), "{figures}");
    assert!(b
        .text(&format!("#check-in-{typo}"))
        .await
        .contains("Corrected by"));
    b.screenshot("browser-key-result").await;
    b.execute(
        "document.querySelectorAll('details').forEach(d => d.open = true); document.querySelector('#check-ins-h').scrollIntoView();",
        json!([]),
    )
    .await;
    b.screenshot("browser-key-result-history").await;
    b.assert_no_console_errors().await;
    b.close().await;
}
