//! Reviews and close-out in a real browser (issue 19, item 3): the page is one form with one
//! save, so editing two items and saving once keeps both; two people editing the same text at
//! once are told, shown the other's words beside their own, and nothing is overwritten. The
//! review's day is typed the organisation's way ("5 Dec 2026"), and a bad one is refused next to
//! its field. Screenshots: target/screenshots/browser-review*.png, browser-close-out*.png.

use super::*;

/// An active objective of the administrator's, in `team` when given, with key results.
async fn active(
    app: &TestApp,
    cycle: &str,
    team: Option<&str>,
    title: &str,
    krs: &[&str],
) -> (String, Vec<String>) {
    let teams: Vec<&str> = team.into_iter().collect();
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": title, "cycle_id": cycle, "team_ids": teams}),
        )
        .await;
    let o = o["id"].as_str().unwrap().to_string();
    let mut ids = vec![];
    for kr in krs {
        let k = app
            .create(
                &format!("/api/v1/objectives/{o}/key-results"),
                json!({"title": kr, "kind": "increase", "start": 0, "target": 100}),
            )
            .await;
        ids.push(k["id"].as_str().unwrap().to_string());
    }
    app.patch(
        &format!("/api/v1/objectives/{o}"),
        json!({"state": "active"}),
    )
    .await;
    (o, ids)
}

/// The browser's log has no error (console errors, CSP violations) besides the refusals the
/// test provoked (a 422 or 409 answer is logged as a failed load).
async fn no_console_errors(b: &Browser) {
    let severe: Vec<Value> = b
        .severe_entries()
        .await
        .into_iter()
        .filter(|e| {
            let m = e["message"].as_str().unwrap_or_default();
            !(e["source"] == "network"
                && (m.contains("status of 422") || m.contains("status of 409")))
        })
        .collect();
    assert!(severe.is_empty(), "{severe:?}");
}

/// Replaces the text of the field `css` with `text`, as a person selecting it and typing would.
async fn retype(b: &Browser, css: &str, text: &str) {
    b.execute(
        "document.querySelector(arguments[0]).value = ''",
        json!([css]),
    )
    .await;
    b.type_into(css, text).await;
}

/// The agenda item of objective `o` of the review as stored (through the API).
async fn stored_item(app: &TestApp, review: &str, o: &str) -> Value {
    let stored = app
        .get(&format!("/api/v1/reviews/{review}"))
        .await
        .json::<Value>()
        .await
        .unwrap();
    stored["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["objective_id"] == o)
        .unwrap()
        .clone()
}

async fn value_of(b: &Browser, css: &str) -> String {
    b.execute(
        "return document.querySelector(arguments[0]).value",
        json!([css]),
    )
    .await
    .as_str()
    .unwrap()
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_is_saved_once_and_two_people_are_told_not_overwritten() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let (leo_id, _) = app.member("Leo Lead").await;
    give_password(&app, &leo_id, pw).await;
    let cycle = app.cycle("Q4 2026").await;
    let team = app
        .create(
            "/api/v1/teams",
            json!({"name": "Growth", "lead_id": leo_id, "member_ids": [leo_id]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (o1, _) = active(
        &app,
        &cycle,
        Some(&team),
        "Signups double",
        &["Weekly signups"],
    )
    .await;
    let (o2, _) = active(
        &app,
        &cycle,
        Some(&team),
        "Churn halves",
        &["Monthly churn"],
    )
    .await;

    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let leo = Browser::open(&http, &driver).await;
    leo.sign_in(&app.base, "leo.lead@keel.test", pw).await;

    // The day of the review, typed the organisation's way; a bad one is refused next to it.
    leo.go(&format!("{}/teams/{team}/reviews/new", app.base))
        .await;
    assert!(leo.text("#f-held_on-hint").await.contains("e.g. "));
    leo.type_into("#f-held_on", "someday").await;
    leo.click("form[action$='/reviews'] button[type=submit]")
        .await;
    let error = leo.text("#f-held_on-error").await;
    assert!(error.contains("must be a date, like"), "{error}");
    assert_eq!(value_of(&leo, "#f-held_on").await, "someday", "kept");
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive();
    let typed = yesterday.format("%-d %b %Y").to_string();
    retype(&leo, "#f-held_on", &typed).await;
    leo.click("form[action$='/reviews'] button[type=submit]")
        .await;
    let url = leo
        .wait_for_url(|u| u.contains("/reviews/") && !u.ends_with("/new"))
        .await;
    let review = url.split("/reviews/").nth(1).unwrap().to_string();
    assert!(leo.text("h1").await.contains(&typed), "the day as typed");

    // Two items edited, one save: both kept.
    leo.type_into(&format!("[id='notes-{o1}']"), "signups are up")
        .await;
    leo.type_into(
        &format!("[id='decisions-{o2}']"),
        "call every churned customer",
    )
    .await;
    leo.click("#review-form button[type=submit]").await;
    leo.wait_for_url(|u| u.contains("done=notes")).await;
    assert_eq!(
        value_of(&leo, &format!("[id='notes-{o1}']")).await,
        "signups are up"
    );
    assert_eq!(
        value_of(&leo, &format!("[id='decisions-{o2}']")).await,
        "call every churned customer"
    );
    assert_eq!(
        stored_item(&app, &review, &o1).await["notes"],
        "signups are up"
    );
    assert_eq!(
        stored_item(&app, &review, &o2).await["decisions"],
        "call every churned customer"
    );

    // Ada opens the same review while Leo has it open; both change the same notes.
    let ada = Browser::open(&http, &driver).await;
    ada.sign_in(&app.base, "ada@keel.test", pw).await;
    ada.go(&format!("{}/reviews/{review}", app.base)).await;
    leo.go(&format!("{}/reviews/{review}", app.base)).await;
    retype(&ada, &format!("[id='notes-{o1}']"), "signups are up 40%").await;
    // Ada also writes on the other item: Leo's save must not undo it.
    ada.type_into(&format!("[id='notes-{o2}']"), "churn is seasonal")
        .await;
    ada.click("#review-form button[type=submit]").await;
    ada.wait_for_url(|u| u.contains("done=notes")).await;
    retype(
        &leo,
        &format!("[id='notes-{o1}']"),
        "signups are up, ads help",
    )
    .await;
    leo.click("#review-form button[type=submit]").await;
    // Leo is told: Ada's words beside his, his kept, nothing overwritten.
    let theirs = leo.text(&format!("[id='notes-{o1}-theirs']")).await;
    assert!(theirs.contains("signups are up 40%"), "{theirs}");
    assert_eq!(
        value_of(&leo, &format!("[id='notes-{o1}']")).await,
        "signups are up, ads help"
    );
    assert!(leo.text("[role=alert]").await.contains("Nothing was saved"));
    leo.screenshot("browser-review-conflict").await;
    assert_eq!(
        stored_item(&app, &review, &o1).await["notes"],
        "signups are up 40%"
    );
    assert_eq!(
        stored_item(&app, &review, &o2).await["notes"],
        "churn is seasonal"
    );
    // He merges and saves again: his merge is written, Ada's other note stands.
    retype(
        &leo,
        &format!("[id='notes-{o1}']"),
        "signups are up 40%, ads help",
    )
    .await;
    leo.click("#review-form button[type=submit]").await;
    leo.wait_for_url(|u| u.contains("done=notes")).await;
    assert_eq!(
        value_of(&leo, &format!("[id='notes-{o1}']")).await,
        "signups are up 40%, ads help"
    );
    assert_eq!(
        value_of(&leo, &format!("[id='notes-{o2}']")).await,
        "churn is seasonal"
    );
    leo.screenshot("browser-review").await;
    no_console_errors(&leo).await;
    leo.close().await;
    ada.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_close_out_is_saved_once_and_two_people_are_told_not_overwritten() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let cycle = app.cycle("Q4 2026").await;
    let (o, krs) = active(
        &app,
        &cycle,
        None,
        "Signups double",
        &["Weekly signups", "Trials"],
    )
    .await;
    let page = format!("{}/objectives/{o}/close-out", app.base);

    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let a = Browser::open(&http, &driver).await;
    a.sign_in(&app.base, "ada@keel.test", pw).await;
    a.go(&page).await;
    // Two scores and the retrospective, one save: all kept.
    a.type_into(&format!("[id='score-{}']", krs[0]), "0").await;
    a.type_into(&format!("[id='reason-{}']", krs[0]), "nothing shipped")
        .await;
    a.type_into(&format!("[id='score-{}']", krs[1]), "0").await;
    a.type_into("#f-worked", "pairing").await;
    a.click("#close-out-form button[type=submit]").await;
    a.wait_for_url(|u| u.contains("done=saved")).await;
    let score = |k: &str| {
        let app = &app;
        let k = k.to_string();
        async move {
            app.get(&format!("/api/v1/key-results/{k}"))
                .await
                .json::<Value>()
                .await
                .unwrap()["score"]
                .clone()
        }
    };
    assert_eq!(score(&krs[0]).await, json!(0.0));
    assert_eq!(score(&krs[1]).await, json!(0.0));
    // A score of zero reads 0.00, in the red band's colour: never "-0.00".
    assert!(a.text("#objective-score").await.starts_with("0.00"));
    assert!(!a.source().await.contains("-0.00"));
    let colour = a
        .execute(
            "return getComputedStyle(document.querySelector('#objective-score')).backgroundColor",
            json!([]),
        )
        .await;
    assert_ne!(colour, json!("rgba(0, 0, 0, 0)"), "the band is a colour");
    assert!(a.text("#f-worked").await.contains("pairing"));
    a.screenshot("browser-close-out").await;

    // Two people at once: B opens the page, A changes the first score and saves, B changes the
    // same score and the retrospective: B is told, nothing of B's is written.
    let b = Browser::open(&http, &driver).await;
    b.sign_in(&app.base, "ada@keel.test", pw).await;
    b.go(&page).await;
    a.go(&page).await;
    retype(&a, &format!("[id='score-{}']", krs[0]), "0.5").await;
    a.click("#close-out-form button[type=submit]").await;
    a.wait_for_url(|u| u.contains("done=saved")).await;
    retype(&b, &format!("[id='score-{}']", krs[0]), "0.9").await;
    retype(&b, "#f-did_not", "estimates").await;
    b.click("#close-out-form button[type=submit]").await;
    let theirs = b.text(&format!("[id='score-{}-theirs']", krs[0])).await;
    assert!(theirs.contains("0.50"), "{theirs}");
    assert_eq!(
        value_of(&b, &format!("[id='score-{}']", krs[0])).await,
        "0.9"
    );
    assert_eq!(value_of(&b, "#f-did_not").await, "estimates", "kept");
    b.screenshot("browser-close-out-conflict").await;
    assert_eq!(score(&krs[0]).await, json!(0.5));
    let retro = app
        .get(&format!("/api/v1/objectives/{o}/retrospective"))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(retro["did_not"], "", "nothing half-written");
    // B keeps their score and saves again: written, with the retrospective.
    b.click("#close-out-form button[type=submit]").await;
    b.wait_for_url(|u| u.contains("done=saved")).await;
    assert_eq!(score(&krs[0]).await, json!(0.9));
    let retro = app
        .get(&format!("/api/v1/objectives/{o}/retrospective"))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        (retro["worked"].clone(), retro["did_not"].clone()),
        (json!("pairing"), json!("estimates"))
    );
    no_console_errors(&b).await;
    a.close().await;
    b.close().await;
}
