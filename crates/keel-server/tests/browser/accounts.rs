//! Accounts by email in a real browser (issue 15, item 7): without email, an administrator
//! invites a person and is shown the link; the person opens it, is refused a too-short password
//! next to its field, sets a good one and lands signed in on their week; "forgot password" is
//! linked from the sign-in page; and the email settings page shows its mail server form. No
//! console error or CSP violation on any of them. Screenshots: target/screenshots/
//! browser-invite.png, browser-set-password.png, browser-forgot-password.png,
//! browser-admin-email.png.

use super::*;

/// The browser's console errors and CSP violations since the last call (a form refused with 422,
/// which Chromium logs as a failed load, is the answer these pages mean to give).
async fn severe(b: &Browser) -> Vec<String> {
    b.severe_log()
        .await
        .into_iter()
        .filter(|m| !m.contains("the server responded with a status of 422"))
        .collect()
}

#[tokio::test]
async fn an_invited_person_sets_a_password_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let (ivy, _) = app.member("Ivy Invited").await;
    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;

    let ada = Browser::open(&http, &driver).await;
    ada.sign_in(&app.base, "ada@keel.test", pw).await;
    ada.go(&format!("{}/admin/people/{ivy}/invite", app.base))
        .await;
    ada.click("form[action$='/invite'] button[type=submit]")
        .await;
    let notice = ada.text(".notice.ok").await;
    assert!(
        notice.contains("Pass this link on to Ivy Invited"),
        "{notice}"
    );
    ada.screenshot("browser-invite").await;
    let link = notice
        .split_whitespace()
        .find(|w| w.contains("/set-password/"))
        .unwrap()
        .to_string();
    ada.go(&format!("{}/admin/email", app.base)).await;
    assert!(ada.source().await.contains("Save the mail server"));
    ada.screenshot("browser-admin-email").await;
    assert!(severe(&ada).await.is_empty());
    ada.close().await;

    let ivy_b = Browser::open(&http, &driver).await;
    ivy_b.go(&link).await;
    assert!(ivy_b
        .text("h1")
        .await
        .contains("Welcome to Keel, Ivy Invited"));
    ivy_b.type_into("#f-password", "short").await;
    ivy_b.type_into("#f-confirm", "short").await;
    ivy_b
        .click("form[action^='/set-password/'] button[type=submit]")
        .await;
    assert!(ivy_b
        .text("#f-password-error")
        .await
        .contains("at least 12"));
    ivy_b.type_into("#f-password", "ivy's long password").await;
    ivy_b.type_into("#f-confirm", "ivy's long password").await;
    ivy_b.screenshot("browser-set-password").await;
    ivy_b
        .click("form[action^='/set-password/'] button[type=submit]")
        .await;
    ivy_b.wait_for_url(|u| u.ends_with("/my-week")).await;
    let log = severe(&ivy_b).await;
    assert!(log.is_empty(), "{log:?}");
    ivy_b.close().await;

    let anon = Browser::open(&http, &driver).await;
    anon.go(&format!("{}/sign-in", app.base)).await;
    anon.click("a[href='/forgot-password']").await;
    anon.wait_for_url(|u| u.ends_with("/forgot-password")).await;
    anon.type_into("#f-email", "not an address").await;
    anon.click("form[action='/forgot-password'] button[type=submit]")
        .await;
    assert!(!anon.text("#f-email-error").await.is_empty());
    anon.screenshot("browser-forgot-password").await;
    let log = severe(&anon).await;
    assert!(log.is_empty(), "{log:?}");
    anon.close().await;
}
