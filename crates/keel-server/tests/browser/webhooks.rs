//! The webhook administration pages in a real browser: a webhook added through the form, its
//! page showing the signing secret once, the list naming its events in words; no console error
//! or CSP violation (the crawl meets no webhook: the demo has none). Screenshots:
//! target/screenshots/browser-admin-webhooks.png and browser-admin-webhook.png.

use super::*;

#[tokio::test]
async fn webhook_pages_in_a_browser() {
    if !browser_available() {
        return;
    }
    // Webhook secrets are sealed with the server's key (`keel serve` keeps one in its data
    // directory); the test app has none unless given one.
    let mail = keel_server::mail::MailConfig {
        keys: keel_server::secrets::KeySource {
            env: Some("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into()),
            file: None,
        },
        ..Default::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = spawn_app_with_mail(Db::Sqlite, listener, Default::default(), mail).await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;

    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    b.sign_in(&app.base, "ada@keel.test", pw).await;
    b.set_window_size(1280, 900).await;
    b.go(&format!("{}/admin/webhooks", app.base)).await;
    assert!(b.text("main").await.contains("No webhook yet."));
    b.type_into("#f-url", "https://hooks.example.com/keel")
        .await;
    b.click("form[action='/admin/webhooks'] input[name=events]")
        .await;
    b.click("form[action='/admin/webhooks'] button[type=submit]")
        .await;
    // The answer shows the secret once, at the form's address.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!b.text("code.secret").await.is_empty());
    assert!(b
        .text("h1")
        .await
        .contains("https://hooks.example.com/keel"));
    assert!(b
        .text("main")
        .await
        .contains("Nothing was sent to this address yet."));
    b.screenshot("browser-admin-webhook").await;

    b.go(&format!("{}/admin/webhooks", app.base)).await;
    let table = b.text("main table").await;
    assert!(table.contains("https://hooks.example.com/keel"), "{table}");
    // Events in words, not their wire names.
    let events = b.text("main table tbody td:nth-child(2)").await;
    assert!(
        !events.is_empty() && !events.contains('.') && !events.contains('_'),
        "{events}"
    );
    b.screenshot("browser-admin-webhooks").await;
    // The webhook's own page does not show the secret again.
    b.click("main table a").await;
    b.wait_for_url(|u| u.contains("/admin/webhooks/")).await;
    assert!(b
        .text("h1")
        .await
        .contains("https://hooks.example.com/keel"));
    assert!(!b.source().await.contains("class=\"secret\""));
    b.assert_no_console_errors().await;
    b.close().await;
}
