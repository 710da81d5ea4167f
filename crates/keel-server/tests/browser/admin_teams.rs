//! The team form in a real browser: nobody is listed until looked for; the lead and the parent
//! are found as the reader types (the first suggestion chosen), members found and ticked; the
//! team is created with them; no console error or CSP violation. Screenshot:
//! target/screenshots/browser-admin-team-form.png (the suggestions shown).

use super::*;

/// Waits until the text of `css` satisfies `ok`, or fails after ten seconds.
async fn wait_for_text(b: &Browser, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = b.text(css).await;
        if ok(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "{css}: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn team_form_pickers_in_a_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let (pia, _) = app.member("Pia Platform").await;
    let (sam, _) = app.member("Sam Sales").await;
    app.member("Zed Zebra").await;
    let engineering = app.team("Engineering").await;
    app.team("Sales").await;

    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    b.sign_in(&app.base, "ada@keel.test", pw).await;
    b.set_window_size(1280, 1100).await;
    b.go(&format!("{}/admin/teams/new", app.base)).await;
    // Nobody and no team is listed until looked for.
    let source = b.source().await;
    assert!(!source.contains("Zed Zebra") && !source.contains("Engineering"));

    b.type_into("input[name=name]", "Data").await;
    b.type_into("input[name='parent_id.find']", "engin").await;
    wait_for_text(&b, "select[name=parent_id]", |t| t.contains("Engineering")).await;
    b.type_into("input[name='lead_id.find']", "pia").await;
    wait_for_text(&b, "select[name=lead_id]", |t| t.contains("Pia Platform")).await;
    b.type_into("input[name='member_ids.find']", "sam").await;
    wait_for_text(&b, "#f-member_ids-found", |t| t.contains("Sam Sales")).await;
    b.click(&format!("#f-member_ids-found input[value='{sam}']"))
        .await;
    b.screenshot("browser-admin-team-form").await;
    b.click("form[action='/admin/teams/new'] button[type=submit]")
        .await;
    let at = b.wait_for_url(|u| u.contains("created=1")).await;
    let id = at
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches("?created=1")
        .to_string();
    let team: Value = app
        .get(&format!("/api/v1/teams/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(team["parent_id"], engineering.as_str(), "{team}");
    assert_eq!(team["lead_id"], pia.as_str(), "{team}");
    assert_eq!(team["member_ids"], json!([sam]), "{team}");
    // The edit form names them: the member ticked, removable.
    let main = b.text("main").await;
    assert!(main.contains("Sam Sales (sam.sales@keel.test)"), "{main}");
    b.screenshot("browser-admin-team-edit").await;
    b.assert_no_console_errors().await;
    b.close().await;
}
