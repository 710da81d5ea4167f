//! A person's own API tokens on the account pages answer as the JSON API does: revoking a token
//! already revoked is not an error on either (the API's 204, the page's "was revoked"), someone
//! else's is 404 on both. The tokens live on the account pages, not under Admin: the old address
//! redirects, and a member's navigation shows no Admin at all.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "a long enough password";

/// A member signed in through the form, with the CSRF token of their pages.
async fn member_browser(app: &TestApp, name: &str) -> (Browser, String, String) {
    let (id, api_token) = app.member(name).await;
    set_password(app, &id, PASSWORD).await;
    let email = format!("{}@keel.test", name.to_lowercase().replace(' ', "."));
    let b = Browser::new(app);
    let resp = b.sign_in(&email, PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    let csrf = b.csrf("/account/tokens").await;
    (b, csrf, api_token)
}

async fn revoke_on_page(b: &Browser, csrf: &str, token_id: &str) -> reqwest::Response {
    b.post_form(
        &format!("/account/tokens/{token_id}/revoke"),
        &[("csrf_token", csrf)],
    )
    .await
}

#[tokio::test]
async fn revoking_an_already_revoked_token_on_the_page_answers_as_the_api_does() {
    revoke_twice(spawn_app().await).await;
}

#[tokio::test]
async fn revoking_an_already_revoked_token_on_the_page_answers_as_the_api_does_on_postgres() {
    if !postgres_configured() {
        return;
    }
    revoke_twice(spawn_app_on(Db::Postgres).await).await;
}

/// Revokes a token on the page, through the API, and on the page again; then tries someone
/// else's on both.
async fn revoke_twice(app: TestApp) {
    let (b, csrf, api_token) = member_browser(&app, "Rita Revoker").await;
    let created: Value = app
        .req_as(&api_token, Method::POST, "/api/v1/tokens")
        .json(&json!({"name": "nightly-sync"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();

    // First time: revoked, with the message.
    let first = revoke_on_page(&b, &csrf, &id).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let to = location(&first);
    assert_eq!(to, "/account/tokens?revoked=1");
    let shown = b.page(&to).await;
    assert!(told_revoked(&shown), "{}", shown.html());

    // Again: the API answers 204 to a second DELETE …
    let again = app
        .req_as(&api_token, Method::DELETE, &format!("/api/v1/tokens/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
    // … and the page answers the same way, with the same message (not a 404).
    let second = revoke_on_page(&b, &csrf, &id).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&second), to);
    let shown = b.page(&to).await;
    assert!(told_revoked(&shown), "{}", shown.html());
    let rows = shown.rows("table[aria-labelledby=\"yours\"]");
    assert!(
        rows.iter()
            .any(|r| r.first().is_some_and(|name| name == "nightly-sync")
                && r.last().is_some_and(|action| action == "revoked")),
        "the list shows it revoked: {rows:?}"
    );

    // Someone else's token stays 404 on both.
    let (_, other_token) = app.member("Otto Other").await;
    let theirs: Value = app
        .req_as(&other_token, Method::POST, "/api/v1/tokens")
        .json(&json!({"name": "theirs"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let theirs = theirs["id"].as_str().unwrap();
    let page = revoke_on_page(&b, &csrf, theirs).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let api = app
        .req_as(
            &api_token,
            Method::DELETE,
            &format!("/api/v1/tokens/{theirs}"),
        )
        .send()
        .await
        .unwrap();
    assert_problem(api, StatusCode::NOT_FOUND, None).await;
}

#[tokio::test]
async fn api_tokens_live_on_the_account_pages_and_admin_is_only_for_those_it_opens_for() {
    let app = spawn_app().await;
    let (b, _, _) = member_browser(&app, "Mia Member").await;

    // The old address redirects to the account page, signed in or not.
    let old = b.get("/admin/tokens").await;
    assert!(old.status().is_redirection(), "{}", old.status());
    assert_eq!(location(&old), "/account/tokens");
    let anonymous = Browser::new(&app).get("/admin/tokens").await;
    assert_eq!(location(&anonymous), "/account/tokens");

    // A member's navigation has no Admin (no administration page opens for them); the account
    // pages link each other.
    let week = b.page("/my-week").await;
    assert!(week.has("nav.site-nav a[href]"), "{}", week.html());
    assert!(
        !week.texts("nav.site-nav a").contains(&"Admin".to_string()),
        "{:?}",
        week.texts("nav.site-nav a")
    );
    let to_admin: Vec<String> = week
        .attrs("[href]", "href")
        .into_iter()
        .filter(|h| h.starts_with("/admin"))
        .collect();
    assert!(to_admin.is_empty(), "{to_admin:?}");
    let password = b.page("/account/password").await;
    assert_eq!(
        password
            .attr("nav.sub-nav a[href=\"/account/tokens\"]", "href")
            .as_deref(),
        Some("/account/tokens"),
        "{}",
        password.html()
    );
    let tokens = b.page("/account/tokens").await;
    assert!(
        tokens
            .attrs("nav.sub-nav a", "href")
            .contains(&"/account/password".to_string()),
        "{}",
        tokens.html()
    );
    assert!(tokens.has("input[name=\"csrf_token\"]"));
}

/// Whether the page's notice says the token was revoked.
fn told_revoked(page: &Page) -> bool {
    page.texts(".notice.ok")
        .iter()
        .any(|n| n.contains("The token was revoked"))
}
