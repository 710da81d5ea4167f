//! The key result page's "Depends on" section in a real browser: what it waits on, named with
//! its owner; a dependency asked through the form with the picker (typed words, htmx fills the
//! choice), answered from My week, and the team's dependency map; no console error or CSP
//! violation. Screenshots: target/screenshots/browser-key-result-depends-on.png,
//! browser-dependency-form.png, browser-my-week-dependencies.png,
//! browser-team-dependency-map.png.

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

#[tokio::test]
async fn a_dependency_is_asked_answered_and_mapped_in_a_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let id = |v: Value| v["id"].as_str().unwrap().to_string();
    let cycle = app.cycle("2026 Q4").await;
    let team = app.team("Checkout").await;
    let o = id(app
        .create(
            "/api/v1/objectives",
            json!({"title": "Launch in Spain", "cycle_id": cycle, "team_ids": [team]}),
        )
        .await);
    let other = id(app
        .create(
            "/api/v1/objectives",
            json!({"title": "Payments everywhere", "cycle_id": cycle}),
        )
        .await);
    let kr = |o: &str, title: &str| {
        let app = &app;
        let path = format!("/api/v1/objectives/{o}/key-results");
        let title = title.to_string();
        async move {
            app.create(&path, json!({"title": title, "kind": "boolean"}))
                .await
        }
    };
    let mine = id(kr(&o, "Spanish checkout live").await);
    let theirs = id(kr(&other, "Payments in euros").await);
    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    b.sign_in(&app.base, "ada@keel.test", pw).await;
    b.set_window_size(1280, 1000).await;
    b.go(&format!("{}/key-results/{mine}", app.base)).await;
    b.click("details.dependency-form summary").await;
    b.type_into("#f-depends_on-find", "euros").await;
    // htmx asks the picker and puts the match in the choice.
    b.find(&format!("#f-depends_on option[value='{theirs}']"))
        .await;
    b.type_into("#f-dependency-note", "we cannot sell without it")
        .await;
    b.execute(
        "document.querySelector('#depends-h').scrollIntoView()",
        json!([]),
    )
    .await;
    b.screenshot("browser-dependency-form").await;
    b.click("details.dependency-form button[type=submit]").await;
    b.wait_for_url(|u| u.contains("done=dependency-asked"))
        .await;
    let text = b.text(".depends-on").await;
    assert!(
        text.contains("Payments in euros") && text.contains("Waiting for an answer"),
        "{text}"
    );
    // The administrator owns the other key result too: My week asks for the answer.
    b.go(&format!("{}/my-week", app.base)).await;
    let waiting = b.text("#dependencies").await;
    assert!(waiting.contains("Spanish checkout live"), "{waiting}");
    b.execute(
        "document.querySelector('#dependencies').scrollIntoView()",
        json!([]),
    )
    .await;
    b.screenshot("browser-my-week-dependencies").await;
    b.click("#dependencies form[action$='/accept'] button")
        .await;
    b.wait_for_url(|u| u.contains("done=dependency-accepted"))
        .await;
    b.go(&format!("{}/teams/{team}/dependencies", app.base))
        .await;
    let map = b.text("#waits-on").await;
    assert!(
        map.contains("Payments in euros") && map.contains("Accepted"),
        "{map}"
    );
    b.screenshot("browser-team-dependency-map").await;
    b.assert_no_console_errors().await;
    b.close().await;
}
