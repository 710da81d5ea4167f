//! Accounts and sessions through a browser's eyes: sign-in and sign-out, cookies and their
//! flags, lockout after repeated failures (and its end, with the clock moved, not slept), CSRF
//! refusals that write nothing, password change and administrator reset, deactivation ending
//! sessions and tokens at once, return-to that stays on the site, the shell's assets and error
//! page.

use crate::helpers::*;
use keel_domain::{PersonId, Source};
use keel_server::auth::AuthConfig;
use keel_store::{Accounts, AuditFilter, AuditLog, Backend, PageRequest, People};
use reqwest::{header, redirect, Response, StatusCode};
use serde_json::{json, Value};

const ADMIN_EMAIL: &str = "ada@keel.test";
const ADMIN_PASSWORD: &str = "ada's long password";

fn set_cookies(resp: &Response) -> Vec<String> {
    resp.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

async fn app_with_admin_password(auth: AuthConfig) -> TestApp {
    app_on(Db::Sqlite, auth).await
}

async fn app_on(db: Db, auth: AuthConfig) -> TestApp {
    let app = spawn_app_with(db, auth).await;
    set_password(&app, &app.admin_id.clone(), ADMIN_PASSWORD).await;
    app
}

/// Expects a redirect to the sign-in page.
async fn assert_signed_out(b: &Browser) {
    let resp = b.get("/my-week").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&resp).starts_with("/sign-in"),
        "{}",
        location(&resp)
    );
}

#[tokio::test]
async fn anonymous_visitors_land_on_sign_in_with_a_return_to() {
    let app = spawn_app().await;
    let b = Browser::new(&app);
    let resp = b.get("/").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/sign-in");
    let resp = b.get("/admin?cursor=x").await;
    assert_eq!(location(&resp), "/sign-in?return_to=%2Fadmin%3Fcursor%3Dx");
    // htmx requests are redirected by header.
    let resp = b
        .client
        .get(format!("{}/my-week", b.base))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["hx-redirect"],
        "/sign-in?return_to=%2Fmy-week"
    );
    let page = b.get("/sign-in").await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = Page::parse(&page.text().await.unwrap());
    assert!(page.has("main#main"));
    assert_eq!(page.text("a.skip-link"), "Skip to main content");
    assert!(
        !page.mentions("Sign in with SSO"),
        "no SSO button unless configured"
    );
}

#[tokio::test]
async fn sign_in_my_week_and_sign_out() {
    let app = app_with_admin_password(AuthConfig::default()).await;
    let b = Browser::new(&app);
    let resp = b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/my-week");
    let cookie = set_cookies(&resp)
        .into_iter()
        .find(|c| c.starts_with("keel_session="))
        .expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    // The database keeps only a hash of the secret.
    let secret = cookie["keel_session=".len()..].split(';').next().unwrap();
    assert!(app.store.session_by_hash(secret).await.unwrap().is_none());

    // A signed-in visitor to / goes to My week, which shows their OKRs.
    let cycle = app.cycle("2026-Q4").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Delight our first customers", "cycle_id": cycle}),
        )
        .await;
    app.create(
        &format!(
            "/api/v1/objectives/{}/key-results",
            o["id"].as_str().unwrap()
        ),
        json!({"title": "Ship onboarding v2", "kind": "increase", "start": 0, "target": 10}),
    )
    .await;
    assert_eq!(location(&b.get("/").await), "/my-week");
    let page = b.get("/my-week").await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = Page::parse(&page.text().await.unwrap());
    let shown = page.body();
    assert!(shown.contains("Ada Admin"));
    assert!(shown.contains("Delight our first customers"));
    assert!(shown.contains("Ship onboarding v2"));
    assert!(page.has("[aria-current=\"page\"]"));
    for nav in [
        "My week",
        "Company",
        "Ownership",
        "Health",
        "Admin",
        "Sign out",
    ] {
        assert!(shown.contains(nav), "{nav}");
    }
    // Already signed in: the sign-in page moves on.
    assert_eq!(location(&b.get("/sign-in").await), "/my-week");

    let token = page.csrf();
    let resp = b.post_form("/sign-out", &[("csrf_token", &token)]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/sign-in");
    assert!(set_cookies(&resp)
        .iter()
        .any(|c| c.starts_with("keel_session=;") && c.contains("Max-Age=0")));
    assert_signed_out(&b).await;
}

#[tokio::test]
async fn cookies_are_secure_behind_https() {
    let app = app_with_admin_password(AuthConfig {
        public_url: Some("https://okr.example.com".into()),
        ..Default::default()
    })
    .await;
    // The test speaks http, so the browser would not send a Secure cookie back; read the header.
    let b = Browser::new(&app);
    let resp = b.get("/sign-in").await;
    assert!(set_cookies(&resp)
        .iter()
        .all(|c| c.contains("Secure") && c.contains("HttpOnly")));
    let token = Page::parse(&resp.text().await.unwrap()).csrf();
    let client = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client
        .post(app.url("/sign-in"))
        .header(header::COOKIE, format!("keel_presession={token}"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = set_cookies(&resp)
        .into_iter()
        .find(|c| c.starts_with("keel_session="))
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = app_with_admin_password(AuthConfig::default()).await;
    let b = Browser::new(&app);
    let wrong = b.sign_in(ADMIN_EMAIL, "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookies(&wrong)
        .iter()
        .all(|c| !c.starts_with("keel_session=")));
    let wrong = wrong.text().await.unwrap();
    let unknown = b.sign_in("nobody@keel.test", "not the password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown = unknown.text().await.unwrap();
    let message = "The email or password is not right.";
    assert!(wrong.contains(message) && unknown.contains(message));
    // What was typed is kept (the email), never the password.
    assert!(wrong.contains("value=\"ada@keel.test\""));
    assert!(!wrong.contains("not the password"));
    // Missing fields are named.
    let token = b.csrf("/sign-in").await;
    let resp = b
        .post_form(
            "/sign-in",
            &[("csrf_token", &token), ("email", ""), ("password", "")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    assert!(page.field_error("email").is_some());
    assert!(page.field_error("password").is_some());
    assert_signed_out(&b).await;
}

#[tokio::test]
async fn repeated_failures_lock_sign_in_until_the_lock_expires() {
    lockout(app_with_admin_password(AuthConfig::default()).await).await;
}

/// Sessions and lockout live in the database: the same story on PostgreSQL.
#[tokio::test]
async fn lockout_and_sessions_on_postgres() {
    if !postgres_configured() {
        return;
    }
    let app = app_on(Db::Postgres, AuthConfig::default()).await;
    lockout(app).await;
    let app = app_on(Db::Postgres, AuthConfig::default()).await;
    let b = Browser::new(&app);
    b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(b.get("/my-week").await.status(), StatusCode::OK);
    let token = b.csrf("/my-week").await;
    b.post_form("/sign-out", &[("csrf_token", &token)]).await;
    assert_signed_out(&b).await;
}

async fn lockout(app: TestApp) {
    let b = Browser::new(&app);
    for _ in 0..4 {
        assert_eq!(
            b.sign_in(ADMIN_EMAIL, "guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let fifth = b.sign_in(ADMIN_EMAIL, "guess").await;
    assert_eq!(fifth.status(), StatusCode::UNAUTHORIZED);
    assert!(fifth
        .text()
        .await
        .unwrap()
        .contains("Too many failed sign-ins"));
    // Now even the right password is refused…
    let locked = b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(set_cookies(&locked)
        .iter()
        .all(|c| !c.starts_with("keel_session=")));
    let locked = locked.text().await.unwrap();
    assert!(locked.contains("try again in 15 minutes"), "{locked}");
    // …and an unknown address locks the same way, so the message reveals nothing.
    for _ in 0..5 {
        b.sign_in("nobody@keel.test", "guess").await;
    }
    let unknown = b.sign_in("nobody@keel.test", "guess").await;
    assert_eq!(unknown.status(), StatusCode::TOO_MANY_REQUESTS);
    // Held in the database, for every server.
    let th = app
        .store
        .sign_in_throttle("email:ada@keel.test")
        .await
        .unwrap()
        .unwrap();
    assert!(th.locked_until.is_some());
    // Fifteen minutes later the lock is over.
    app.clock.advance(chrono::Duration::minutes(16));
    let resp = b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(app
        .store
        .sign_in_throttle("email:ada@keel.test")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn sessions_expire_when_idle() {
    let app = app_with_admin_password(AuthConfig::default()).await;
    let b = Browser::new(&app);
    b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(b.get("/my-week").await.status(), StatusCode::OK);
    app.clock.advance(chrono::Duration::hours(11));
    assert_eq!(b.get("/my-week").await.status(), StatusCode::OK);
    let stale = Page::parse(&b.get("/my-week").await.text().await.unwrap()).csrf();
    app.clock.advance(chrono::Duration::hours(13));
    assert_signed_out(&b).await;
    // The sign-out button of a page left open past the expiry still works.
    let resp = b.post_form("/sign-out", &[("csrf_token", &stale)]).await;
    assert_eq!(location(&resp), "/sign-in");
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused_and_write_nothing() {
    let app = app_with_admin_password(AuthConfig::default()).await;
    let b = Browser::new(&app);
    // Before signing in: the pre-session token.
    b.get("/sign-in").await;
    for form in [
        vec![("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
        vec![
            ("csrf_token", "forged"),
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ],
    ] {
        let resp = b.post_form("/sign-in", &form).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let shown = Page::parse(&resp.text().await.unwrap()).body();
        assert!(shown.contains("security token") && shown.contains("Request id"));
    }
    assert_signed_out(&b).await;

    b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let before = app
        .store
        .password_hash(&PersonId::from_string(app.admin_id.clone()))
        .await
        .unwrap();
    let change = [
        ("current_password", ADMIN_PASSWORD),
        ("new_password", "an entirely new password"),
        ("confirm_password", "an entirely new password"),
    ];
    let resp = b.post_form("/account/password", &change).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let mut forged = change.to_vec();
    forged.push(("csrf_token", "0000"));
    assert_eq!(
        b.post_form("/account/password", &forged).await.status(),
        StatusCode::FORBIDDEN
    );
    // The pre-session token is not the session's.
    let pre = b
        .client
        .get(format!("{}/sign-in", b.base))
        .send()
        .await
        .unwrap();
    drop(pre);
    let after = app
        .store
        .password_hash(&PersonId::from_string(app.admin_id.clone()))
        .await
        .unwrap();
    assert_eq!(before, after, "nothing written");
    // Sign-out needs the token too.
    assert_eq!(
        b.post_form("/sign-out", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(b.get("/my-week").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_api_accepts_a_session_only_with_the_csrf_header_on_writes() {
    let app = app_with_admin_password(AuthConfig::default()).await;
    let b = Browser::new(&app);
    b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let token = b.csrf("/account/password").await;
    // Reads need no token.
    let me = b.get("/api/v1/people").await;
    assert_eq!(me.status(), StatusCode::OK);
    let body = json!({"name": "Bo Member", "email": "bo@keel.test"});
    let no_header = b
        .client
        .post(format!("{}/api/v1/people", b.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(no_header, StatusCode::FORBIDDEN, None).await;
    let wrong = b
        .client
        .post(format!("{}/api/v1/people", b.base))
        .header("x-csrf-token", "wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert!(app
        .store
        .person_by_email("bo@keel.test")
        .await
        .unwrap()
        .is_none());
    let ok = b
        .client
        .post(format!("{}/api/v1/people", b.base))
        .header("x-csrf-token", &token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::CREATED);
    let created: Value = ok.json().await.unwrap();
    // Audited as a UI write by the signed-in person.
    let events = app
        .store
        .list_audit(
            &AuditFilter {
                object_id: Some(created["id"].as_str().unwrap().into()),
                ..AuditFilter::new(keel_store::Reader::Everyone)
            },
            &PageRequest::default(),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(events[0].source, Source::Ui);
    assert_eq!(events[0].actor_id.as_ref().unwrap().as_str(), app.admin_id);
}

#[tokio::test]
async fn changing_your_password_checks_input_and_ends_other_sessions() {
    let app = app_with_admin_password(AuthConfig::default()).await;
    let b = Browser::new(&app);
    let other = Browser::new(&app);
    b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    other.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let token = b.csrf("/account/password").await;
    let attempt = |current: &'static str, new: &'static str, confirm: &'static str| {
        let token = token.clone();
        let b = &b;
        async move {
            b.post_form(
                "/account/password",
                &[
                    ("csrf_token", &token),
                    ("current_password", current),
                    ("new_password", new),
                    ("confirm_password", confirm),
                ],
            )
            .await
        }
    };
    for (current, new, confirm, field) in [
        (
            "wrong",
            "a long new password",
            "a long new password",
            "current_password",
        ),
        (ADMIN_PASSWORD, "short", "short", "new_password"),
        (
            ADMIN_PASSWORD,
            "a long new password",
            "a different one!!",
            "confirm_password",
        ),
    ] {
        let resp = attempt(current, new, confirm).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let page = Page::parse(&resp.text().await.unwrap());
        assert!(
            page.field_error(field).is_some(),
            "{field}: {}",
            page.html()
        );
        assert!(!page.mentions(new), "typed passwords are not echoed");
    }
    assert_eq!(other.get("/my-week").await.status(), StatusCode::OK);
    let resp = attempt(ADMIN_PASSWORD, "a long new password", "a long new password").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("Your password was changed"));
    // This session stays; the other one ended.
    assert_eq!(b.get("/my-week").await.status(), StatusCode::OK);
    assert_signed_out(&other).await;
    let fresh = Browser::new(&app);
    assert_eq!(
        fresh.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh
            .sign_in(ADMIN_EMAIL, "a long new password")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    // The same over the API, with a token.
    let put = |body: Value| {
        app.client
            .put(app.url("/api/v1/me/password"))
            .bearer_auth(&app.token)
            .json(&body)
            .send()
    };
    for (body, field) in [
        (
            json!({"current_password": "a long new password", "new_password": "tiny"}),
            "new_password",
        ),
        (
            json!({"current_password": "nope", "new_password": "another long password"}),
            "current_password",
        ),
        (
            json!({"current_password": "a long new password"}),
            "new_password",
        ),
    ] {
        let resp = put(body).await.unwrap();
        assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
    }
    let resp = put(
        json!({"current_password": "a long new password", "new_password": "another long password"}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    // A password change over the API ends every browser session.
    assert_signed_out(&b).await;
}

#[tokio::test]
async fn administrators_reset_passwords_and_sign_the_person_out() {
    let app = app_with_admin_password(AuthConfig::default()).await;
    let (bo_id, bo_token) = app.member("Bo").await;
    set_password(&app, &bo_id, "bo's first password").await;
    let bo = Browser::new(&app);
    assert_eq!(
        bo.sign_in("bo@keel.test", "bo's first password")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // Not for members, over the API or the UI.
    let resp = app
        .req_as(
            &bo_token,
            reqwest::Method::POST,
            &format!("/api/v1/people/{}/password", app.admin_id),
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;
    let page = bo
        .get(&format!("/admin/people/{}/password", app.admin_id))
        .await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert_eq!(bo.get("/admin").await.status(), StatusCode::FORBIDDEN);
    // Bad input and unknown people.
    let path = format!("/api/v1/people/{bo_id}/password");
    assert_problem(
        app.post(&path, json!({"password": "short"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("password"),
    )
    .await;
    assert_problem(
        app.post(&path, json!({"pasword": "typo in the field name"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("pasword"),
    )
    .await;
    assert_problem(
        app.post("/api/v1/people/nobody/password", json!({})).await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    assert_eq!(
        bo.get("/my-week").await.status(),
        StatusCode::OK,
        "nothing happened yet"
    );
    // A generated password, shown once; Bo's session ends.
    let resp = app.post(&path, json!({})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let done: Value = resp.json().await.unwrap();
    assert_eq!(done["sessions_ended"], 1);
    let generated = done["password"].as_str().unwrap().to_string();
    assert_signed_out(&bo).await;
    assert_eq!(
        bo.sign_in("bo@keel.test", "bo's first password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        bo.sign_in("bo@keel.test", &generated).await.status(),
        StatusCode::SEE_OTHER
    );

    // Through the admin pages.
    let admin = Browser::new(&app);
    admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let people = admin.get("/admin").await.text().await.unwrap();
    assert!(people.contains(&format!("/admin/people/{bo_id}/password")));
    let form_path = format!("/admin/people/{bo_id}/password");
    let token = admin.csrf(&form_path).await;
    let resp = admin
        .post_form(&form_path, &[("csrf_token", &token), ("password", "short")])
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("id=\"f-password-error\""));
    let resp = admin
        .post_form(&form_path, &[("csrf_token", &token), ("password", "")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let shown = Page::parse(&resp.text().await.unwrap()).body();
    assert!(shown.contains("temporary password, shown once"));
    assert!(shown.contains("1 session ended"));
    assert_signed_out(&bo).await;
}

#[tokio::test]
async fn deactivation_ends_sessions_and_tokens_at_once() {
    let app = app_with_admin_password(AuthConfig::default()).await;
    let (bo_id, bo_token) = app.member("Bo").await;
    set_password(&app, &bo_id, "bo's first password").await;
    let bo = Browser::new(&app);
    bo.sign_in("bo@keel.test", "bo's first password").await;
    assert_eq!(bo.get("/my-week").await.status(), StatusCode::OK);
    assert_eq!(
        app.req_as(&bo_token, reqwest::Method::GET, "/api/v1/people")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let resp = app
        .patch(&format!("/api/v1/people/{bo_id}"), json!({"active": false}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    // Ended by the deactivation itself, before Bo's browser comes back.
    assert_eq!(
        app.store
            .delete_sessions_of(&PersonId::from_string(bo_id.clone()), None)
            .await
            .unwrap(),
        0
    );
    let resp = app
        .req_as(&bo_token, reqwest::Method::GET, "/api/v1/people")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_signed_out(&bo).await;
    // And a deactivated person cannot sign in again.
    assert_eq!(
        bo.sign_in("bo@keel.test", "bo's first password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn return_to_never_leaves_the_site() {
    let app = app_with_admin_password(AuthConfig::default()).await;
    for (asked, lands) in [
        ("https://evil.example/", "/my-week"),
        ("//evil.example/x", "/my-week"),
        ("/\\evil.example", "/my-week"),
        ("/admin?cursor=x", "/admin?cursor=x"),
    ] {
        let b = Browser::new(&app);
        let page = b
            .get(&format!("/sign-in?return_to={}", urlencode(asked)))
            .await;
        let html = page.text().await.unwrap();
        let token = Page::parse(&html).csrf();
        let resp = b
            .post_form(
                "/sign-in",
                &[
                    ("csrf_token", &token),
                    ("email", ADMIN_EMAIL),
                    ("password", ADMIN_PASSWORD),
                    ("return_to", asked),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&resp), lands, "{asked}");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn assets_are_embedded_hashed_cached_and_light() {
    let app = app_with_admin_password(AuthConfig::default()).await;
    let b = Browser::new(&app);
    b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = b.get("/my-week").await;
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(page.headers()[name], value, "{name}");
    }
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    let html = page.text().await.unwrap();
    let href = |prefix: &str| {
        let at = html.find(prefix).unwrap() + prefix.len();
        html[at..].split('"').next().unwrap().to_string()
    };
    let css = href("rel=\"stylesheet\" href=\"");
    let js = href("<script src=\"");
    assert!(
        css.starts_with("/static/keel.") && css.ends_with(".css"),
        "{css}"
    );
    assert!(
        js.starts_with("/static/htmx.") && js.ends_with(".js"),
        "{js}"
    );
    let mut total = html.len();
    for url in [&css, &js] {
        let resp = b.get(url).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        total += resp.bytes().await.unwrap().len();
    }
    assert!(total < 100 * 1024, "page + CSS + JS = {total} bytes");
    // Browsers ask for gzip, and get it: what a first visit actually downloads is far smaller.
    let mut gzipped = 0;
    for url in ["/my-week", &css, &js] {
        let resp = b
            .client
            .get(format!("{}{url}", b.base))
            .header(header::ACCEPT_ENCODING, "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()[header::CONTENT_ENCODING], "gzip", "{url}");
        gzipped += resp.bytes().await.unwrap().len();
    }
    assert!(
        gzipped * 2 < total,
        "gzipped {gzipped} bytes against {total} plain"
    );
    assert_eq!(
        b.get("/static/keel.000000000000.css").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn unknown_pages_get_a_readable_error_page() {
    let app = spawn_app().await;
    let resp = Browser::new(&app).get("/no/such/page").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(resp.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let shown = Page::parse(&resp.text().await.unwrap()).body();
    assert!(
        shown.contains("Not Found") && shown.contains(&id),
        "{shown}"
    );
    // The API keeps its problem documents.
    let resp = app.get("/api/v1/nothing-here").await;
    assert_problem(resp, StatusCode::NOT_FOUND, None).await;
}

#[tokio::test]
async fn the_password_routes_are_in_the_openapi_document() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"]["/me/password"]["put"].is_object());
    assert!(doc["paths"]["/people/{id}/password"]["post"].is_object());
    assert!(doc["info"]["description"]
        .as_str()
        .unwrap()
        .contains("x-csrf-token"));
}

/// The status of a GET of the people list with `token`.
async fn status_with(app: &TestApp, token: &str) -> StatusCode {
    app.req_as(token, reqwest::Method::GET, "/api/v1/people")
        .send()
        .await
        .unwrap()
        .status()
}

/// Polls with `token` until it is refused; how long that took after `since`. Fails if it is
/// still accepted 3 s later.
async fn refused_after(app: &TestApp, token: &str, since: std::time::Instant) -> f64 {
    loop {
        match status_with(app, token).await {
            StatusCode::UNAUTHORIZED => return since.elapsed().as_secs_f64(),
            StatusCode::OK => {
                assert!(since.elapsed().as_secs() < 3, "still accepted after 3 s");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            other => panic!("unexpected {other}"),
        }
    }
}

/// Servers cache API tokens for at most a second: a token revoked, or a person deactivated, by
/// another server sharing the database (a second store on it) is refused within that second,
/// and stays refused.
async fn revoked_elsewhere_is_refused_within_a_second(app: TestApp, url: String) {
    let (bo_id, bo_token) = app.member("Bo").await;
    let (cy_id, cy_token) = app.member("Cy").await;
    // Both tokens are in this server's cache now.
    assert_eq!(status_with(&app, &bo_token).await, StatusCode::OK);
    assert_eq!(status_with(&app, &cy_token).await, StatusCode::OK);
    let other = keel_store::open(&url).await.unwrap();
    let ctx = keel_store::WriteCtx::system(Source::Cli);
    let bo = PersonId::from_string(bo_id);
    let token = other.list_tokens(&bo).await.unwrap().remove(0);
    let since = std::time::Instant::now();
    other.revoke_token(&ctx, &token.id).await.unwrap();
    let took = refused_after(&app, &bo_token, since).await;
    assert!(took < 1.5, "a revoked token still worked {took:.2} s later");

    let cy = other
        .person(&PersonId::from_string(cy_id))
        .await
        .unwrap()
        .unwrap();
    let deactivated = keel_domain::Person {
        active: false,
        ..cy.clone()
    };
    let since = std::time::Instant::now();
    other.update_person(&ctx, &cy, &deactivated).await.unwrap();
    let took = refused_after(&app, &cy_token, since).await;
    assert!(
        took < 1.5,
        "a deactivated person's token still worked {took:.2} s later"
    );
    for _ in 0..5 {
        assert_eq!(status_with(&app, &bo_token).await, StatusCode::UNAUTHORIZED);
        assert_eq!(status_with(&app, &cy_token).await, StatusCode::UNAUTHORIZED);
    }
    other.close().await;
}

#[tokio::test]
async fn a_token_revoked_by_another_server_is_refused_within_a_second() {
    let app = spawn_app_on(Db::Sqlite).await;
    let url = format!("sqlite://{}", app.sqlite_path().unwrap().display());
    revoked_elsewhere_is_refused_within_a_second(app, url).await;
}

#[tokio::test]
async fn a_token_revoked_by_another_server_is_refused_within_a_second_on_postgres() {
    if !postgres_configured() {
        return;
    }
    let app = spawn_app_on(Db::Postgres).await;
    let url = app.postgres_url().unwrap().to_string();
    revoked_elsewhere_is_refused_within_a_second(app, url).await;
}
