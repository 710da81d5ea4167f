//! `Browser`: a person using the web UI as a browser would, with no JavaScript. A cookie jar
//! keeps the session; redirects are not followed (the tests look at each one); forms carry the
//! CSRF token the pages hold. One client for every test of the pages, so that how a test signs in
//! and posts a form is written once.

use super::page::Page;
use super::TestApp;
use keel_domain::{PersonId, Source};
use keel_store::{Accounts, WriteCtx};
use reqwest::{header, redirect, Response, StatusCode};

/// The password `Browser::signed_in` gives the person it signs in.
pub const PASSWORD: &str = "a long enough password";

/// A browser on the app: cookies kept, redirects not followed.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    /// The session's CSRF token, read from a page as the browser's forms would carry it (empty
    /// until signed in through `signed_in`).
    csrf: String,
}

impl Browser {
    /// A browser nobody has signed in with yet.
    pub fn new(app: &TestApp) -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.base.clone(),
            csrf: String::new(),
        }
    }

    /// Gives the person `PASSWORD` and signs them in through the sign-in form; the session's CSRF
    /// token is then read from a page every signed-in person may open.
    pub async fn signed_in(app: &TestApp, id: &str, email: &str) -> Self {
        set_password(app, id, PASSWORD).await;
        let mut b = Self::new(app);
        let resp = b.sign_in(email, PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
        b.csrf = b.page("/account/password").await.csrf();
        b
    }

    /// The administrator of `spawn_app()`, signed in.
    pub async fn admin(app: &TestApp) -> Self {
        Self::signed_in(app, &app.admin_id, "ada@keel.test").await
    }

    /// Signs in through the form (its CSRF token read from the sign-in page); returns the
    /// response to the POST.
    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        let token = self.csrf("/sign-in").await;
        self.post_form(
            "/sign-in",
            &[
                ("csrf_token", &token),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// GETs a page that must answer 200; returns its HTML.
    pub async fn html(&self, path: &str) -> String {
        self.html_with(path, StatusCode::OK).await
    }

    /// GETs a page and expects `status`; returns its HTML.
    pub async fn html_with(&self, path: &str, status: StatusCode) -> String {
        let resp = self.get(path).await;
        let got = resp.status();
        let html = resp.text().await.unwrap();
        assert_eq!(got, status, "GET {path}: {html}");
        html
    }

    /// GETs a page that must answer 200, parsed.
    pub async fn page(&self, path: &str) -> Page {
        Page::parse(&self.html(path).await)
    }

    /// GETs a page and expects `status`, parsed.
    pub async fn page_with(&self, path: &str, status: StatusCode) -> Page {
        Page::parse(&self.html_with(path, status).await)
    }

    /// GETs a page and returns the CSRF token of its form.
    pub async fn csrf(&self, path: &str) -> String {
        let html = self.get(path).await.text().await.unwrap();
        Page::parse(&html).csrf()
    }

    /// POSTs a form as it is, without adding a CSRF token.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// POSTs a form with the session's CSRF token.
    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Response {
        assert!(!self.csrf.is_empty(), "submit needs a signed-in browser");
        let mut all = vec![("csrf_token", self.csrf.as_str())];
        all.extend_from_slice(form);
        self.post_form(path, &all).await
    }

    /// Opens the page `from` (which must answer 200) and POSTs a form to `path` with the CSRF
    /// token found on that page, as its form would.
    pub async fn submit_from(&self, from: &str, path: &str, form: &[(&str, &str)]) -> Response {
        let token = self.page(from).await.csrf();
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(form);
        self.post_form(path, &all).await
    }

    /// POSTs a form that must be refused with 422; returns the page shown again.
    pub async fn refused(&self, path: &str, form: &[(&str, &str)]) -> String {
        let resp = self.submit(path, form).await;
        let status = resp.status();
        let html = resp.text().await.unwrap();
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "POST {path}: {html}"
        );
        html
    }

    /// POSTs a form that must succeed with a redirect; returns where to.
    pub async fn done(&self, path: &str, form: &[(&str, &str)]) -> String {
        let resp = self.submit(path, form).await;
        let status = resp.status();
        let to = location(&resp);
        let html = resp.text().await.unwrap();
        assert_eq!(status, StatusCode::SEE_OTHER, "POST {path}: {html}");
        to
    }
}

/// Where a redirect points (empty when there is none).
pub fn location(resp: &Response) -> String {
    resp.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Gives a person a password directly (as `keel admin create` does).
pub async fn set_password(app: &TestApp, id: &str, pw: &str) {
    app.store
        .set_password_hash(
            &WriteCtx::system(Source::Cli),
            &PersonId::from_string(id.to_string()),
            &keel_server::auth::password::hash(pw).await.unwrap(),
        )
        .await
        .unwrap();
}
