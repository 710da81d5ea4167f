//! The web UI: server-rendered HTML (askama templates compiled into the binary) with htmx for
//! partial updates, every asset embedded. This module is the shell every page builds on:
//!
//! - `routes(state)`: the UI router. Every unsafe request (POST, PUT, PATCH, DELETE) to it passes
//!   `csrf_guard` first: a missing or wrong CSRF token answers 403 before any handler runs, so a
//!   new page cannot forget the check. Forms carry the token in a hidden `csrf_token` field;
//!   htmx sends it in `x-csrf-token` (set once on `<body hx-headers>` by the layout).
//! - `SignedIn`: the extractor for pages that need a person; an anonymous visitor is sent to
//!   `/sign-in?return_to=…` (htmx requests get `HX-Redirect`).
//! - `Layout`: what `base.html` needs (navigation, the signed-in person, the CSRF token, asset
//!   URLs); every page struct has a `layout` field.
//! - `UiError`: an `ApiError` rendered as a readable HTML page with the request id.
//! - `forms`: fields that keep what was typed and show validation next to themselves.

pub mod account;
pub mod admin;
pub mod alignment;
pub mod as_of;
pub mod assets;
pub mod audit;
pub mod cfrs;
pub mod charts;
pub mod close_out;
pub mod company;
pub mod compliance;
pub mod dashboard;
pub mod data_feeds;
pub mod dependencies;
pub mod financial;
pub mod format;
pub mod forms;
pub mod health;
pub mod key_result;
pub mod kpis;
pub mod notifications;
pub mod objective;
pub mod objectives;
pub mod okr_forms;
pub mod ownership_map;
pub mod pages;
pub mod participation;
pub mod people;
pub mod pickers;
pub mod pull;
pub mod reports;
pub mod reviews;
pub mod search;
pub mod setup;
pub mod team;
pub mod team_dependencies;

use crate::auth::session::{self, PRESESSION_COOKIE};
use crate::auth::{Caller, CSRF_HEADER};
use crate::error::{current_request_id, ApiError};
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, request::Parts, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use keel_domain::Person;

/// The UI routes, wrapped in the CSRF guard.
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/my-week", get(pages::my_week))
        .merge(team::routes())
        .merge(team_dependencies::routes())
        .merge(company::routes())
        .merge(alignment::routes())
        .merge(ownership_map::routes())
        .merge(health::routes())
        .merge(admin::routes())
        .merge(account::tokens::routes())
        .merge(account::time_zone::routes())
        .merge(account::notifications::routes())
        .merge(account::recover::routes())
        .merge(pages::owner_routes())
        .merge(objective::routes())
        .merge(key_result::routes())
        .merge(data_feeds::routes())
        .merge(pull::routes())
        .merge(kpis::routes())
        .merge(dependencies::routes())
        .merge(okr_forms::routes())
        .merge(pickers::routes())
        .merge(reviews::routes())
        .merge(close_out::routes())
        .merge(cfrs::routes())
        .merge(audit::routes())
        .merge(reports::routes())
        .merge(participation::routes())
        .merge(compliance::routes())
        .merge(financial::routes())
        .merge(setup::routes())
        .merge(notifications::routes())
        .merge(search::routes())
        .merge(people::routes())
        .merge(objectives::routes())
        .merge(dashboard::routes())
        .route(
            "/admin/people/{id}/password",
            get(account::admin_reset_form).post(account::admin_reset),
        )
        .route(
            "/account/password",
            get(account::password_form).post(account::change_password),
        )
        .route(
            "/sign-in",
            get(account::sign_in_form).post(account::sign_in),
        )
        .route("/sign-in/sso", get(account::sso_start))
        .route("/sign-in/sso/callback", get(account::sso_callback))
        .route("/sign-out", axum::routing::post(account::sign_out))
        .route("/static/{file}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .route("/account", get(account::overview::overview))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
            setup::lead_to_setup,
        ))
        .layer(axum::middleware::from_fn(security_headers))
}

/// The content security policy of every page: scripts, styles and everything else only from
/// Keel itself (no inline script: htmx's `hx-on` and `js:` values would need `unsafe-eval`, so
/// pages do without them), never framed (clickjacking), forms posting only to Keel.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Headers every UI response carries; pages (not the hashed assets) are never stored by caches,
/// since they show one person's data (and, once, a generated password).
async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// The signed-in person and session, found once per request by the CSRF guard and reused.
#[derive(Clone)]
struct Authenticated(Option<(keel_store::Session, Person)>);

/// Form bodies larger than this are refused before the CSRF check reads them.
const MAX_FORM_BYTES: usize = 1 << 20;

/// Checks the CSRF token of every unsafe UI request: the signed-in session's token, or before
/// signing in the pre-session cookie's value (double submit). 403 when missing or wrong.
async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let current = match session::current(state.store(), &state.auth, req.headers()).await {
        Ok(c) => c,
        Err(e) => return UiError(e).into_response(),
    };
    let mut req = req;
    // Signing out with no live session (it expired, or ended elsewhere) changes nothing: it
    // needs no token, so the button on a stale page still lands on the sign-in page.
    let harmless = current.is_none() && req.uri().path() == "/sign-out"
        // One-click unsubscribe (RFC 8058) comes from a mail client: its signed token is the proof.
        || req.uri().path().starts_with("/unsubscribe/");
    if !harmless && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let expected = match &current {
            Some((s, _)) => Some(s.csrf_token.clone()),
            None => session::cookie(req.headers(), PRESESSION_COOKIE).map(str::to_string),
        };
        let (sent, rebuilt) = match sent_token(req).await {
            Ok(v) => v,
            Err(resp) => return resp,
        };
        req = rebuilt;
        let ok = matches!((&expected, &sent), (Some(e), Some(s)) if crate::auth::same_secret(e, s));
        if !ok {
            return UiError(ApiError::forbidden(
                "this form has expired or did not come from Keel (its security token is missing or wrong). Go back, reload the page and try again",
            ))
            .into_response();
        }
    }
    req.extensions_mut().insert(Authenticated(current));
    // Every page writes numbers and times the organisation's way (ui/format.rs).
    let settings = keel_store::Settings::settings(state.store())
        .await
        .unwrap_or_default();
    let mut reader = format::ReaderContext::of(&settings);
    if let Some((_, p)) = req
        .extensions()
        .get::<Authenticated>()
        .and_then(|a| a.0.as_ref())
    {
        if let Some(zone) = p.time_zone.as_deref().and_then(|z| z.parse().ok()) {
            reader.zone = zone;
        }
    }
    // Pages show the bell's unread count (forms redirect to a page, which counts then; assets
    // and htmx fragments, which have no header, do not count).
    let counts = req.method() == Method::GET
        && !req.uri().path().starts_with("/static/")
        && !req.headers().contains_key("hx-request");
    let person = req
        .extensions()
        .get::<Authenticated>()
        .and_then(|a| a.0.as_ref())
        .map(|(_, p)| p.clone())
        .filter(|_| counts);
    let page = notifications::with_unread(&state, person.as_ref(), next.run(req));
    format::with_reader(reader, page).await
}

/// The token sent with a request: the `x-csrf-token` header, else the form's `csrf_token` field
/// (the body is read and put back).
async fn sent_token(req: Request) -> Result<(Option<String>, Request), Response> {
    if let Some(h) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        let h = h.to_string();
        return Ok((Some(h), req));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return Err(
                UiError(ApiError::BadRequest("the form is too large".into())).into_response(),
            )
        }
    };
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf_token"))
        .map(|(_, v)| v);
    Ok((
        token,
        Request::from_parts(parts, axum::body::Body::from(bytes)),
    ))
}

/// A page that needs a signed-in person. Anonymous visitors go to the sign-in page, with a
/// return-to for the page they asked for.
pub struct SignedIn(pub Caller);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let current = match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(c)) => c.clone(),
            None => session::current(state.store(), &state.auth, &parts.headers)
                .await
                .map_err(|e| UiError(e).into_response())?,
        };
        match current {
            Some((s, p)) => Ok(SignedIn(Caller::from_session(s, p))),
            None => Err(to_sign_in(parts)),
        }
    }
}

/// Sends an anonymous visitor to the sign-in page, remembering where they were going (GET only:
/// a form posted without a session cannot be replayed).
fn to_sign_in(parts: &Parts) -> Response {
    let return_to = if parts.method == Method::GET {
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let target = if return_to.is_empty() || return_to == "/" {
        "/sign-in".to_string()
    } else {
        format!("/sign-in?return_to={}", encode(&return_to))
    };
    if parts.headers.contains_key("hx-request") {
        let mut resp = StatusCode::NO_CONTENT.into_response();
        if let Ok(v) = HeaderValue::from_str(&target) {
            resp.headers_mut().insert("hx-redirect", v);
        }
        return resp;
    }
    Redirect::to(&target).into_response()
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .map(|s| s[2..].to_string())
        .unwrap_or_default()
}

pub use admin::sections as admin_sections;

/// One entry of the main navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// Whether a person may open a page: the check the page makes first.
type MayOpen = fn(&Person) -> bool;

/// The sections of the main navigation, in order, each with who may open it: the check its page
/// makes first (`None`: everyone signed in). "Admin" is shown when some administration page
/// opens for the reader and leads to the first such page (`admin::first_section`). KPIs live
/// under "Dashboard" (its sub-navigation), so the bar keeps to one line at laptop width.
const NAV: [(&str, &str, Option<MayOpen>); 10] = [
    ("/my-week", "My week", None),
    ("/dashboard", "Dashboard", None),
    ("/conversations", "Conversations", None),
    ("/feedback", "Feedback", None),
    ("/company", "Company", None),
    ("/alignment", "Alignment", None),
    ("/ownership", "Ownership", None),
    (
        "/health",
        "Health",
        Some(|p| crate::access::read_reports(p).is_ok()),
    ),
    ("/reports", "Reports", Some(reports::in_nav)),
    ("/admin", "Admin", None),
];

/// What the layout (`base.html`) shows around every page.
pub struct Layout {
    pub person: Option<Person>,
    pub csrf_token: String,
    pub nav: Vec<NavItem>,
    pub css_url: &'static str,
    pub htmx_url: &'static str,
    pub favicon_url: &'static str,
    /// The signed-in person's unread notifications, shown on the bell.
    pub unread_notifications: u64,
}

impl Layout {
    /// The layout for a signed-in person; `section` is the `href` of the current nav entry.
    pub fn signed_in(caller: &Caller, section: &str) -> Self {
        Self {
            person: Some(caller.person.clone()),
            csrf_token: caller
                .session
                .as_ref()
                .map(|s| s.csrf_token.clone())
                .unwrap_or_default(),
            // Only what the reader may open: "Admin" leads to the first administration page
            // they may open.
            nav: NAV
                .iter()
                .filter(|(_, _, may_open)| may_open.is_none_or(|may| may(&caller.person)))
                .filter_map(|(href, label, _)| {
                    let target = if *href == "/admin" {
                        admin::first_section(caller)?
                    } else {
                        href
                    };
                    Some(NavItem {
                        href: target,
                        label,
                        current: *href == section,
                    })
                })
                .collect(),
            css_url: assets::CSS.url(),
            htmx_url: assets::HTMX.url(),
            favicon_url: assets::FAVICON.url(),
            unread_notifications: notifications::unread(),
        }
    }

    /// The layout before signing in: no navigation.
    pub fn anonymous() -> Self {
        Self {
            person: None,
            csrf_token: String::new(),
            nav: Vec::new(),
            css_url: assets::CSS.url(),
            htmx_url: assets::HTMX.url(),
            favicon_url: assets::FAVICON.url(),
            unread_notifications: 0,
        }
    }

    pub fn person_name(&self) -> &str {
        self.person.as_ref().map(|p| p.name.as_str()).unwrap_or("")
    }

    /// Whether the signed-in person may create OKRs (links to `/objectives/new` show only then).
    pub fn may_create_okrs(&self) -> bool {
        self.person
            .as_ref()
            .is_some_and(|p| crate::access::create_okr(p).is_ok())
    }
}

/// Renders a template as an HTML response.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => UiError(ApiError::Internal(format!("template: {e}"))).into_response(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    title: String,
    detail: String,
    request_id: Option<String>,
}

/// An `ApiError` shown as a page: the status, what went wrong in words, and the request id.
/// A 401 sends the visitor to sign in.
#[derive(Debug)]
pub struct UiError(pub ApiError);

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        UiError(e)
    }
}

impl From<keel_store::StoreError> for UiError {
    fn from(e: keel_store::StoreError) -> Self {
        UiError(e.into())
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        if let ApiError::Unauthorized(_) = self.0 {
            return Redirect::to("/sign-in").into_response();
        }
        // The problem document decides the status (and logs internal errors once).
        let status = self.0.status();
        let request_id = current_request_id();
        let detail = match &self.0 {
            ApiError::Internal(_) => {
                tracing::error!(request_id = request_id.as_deref().unwrap_or("-"), error = %self.0, "internal error");
                "Something went wrong on our side. It was logged; if it happens again, send us the request id below.".to_string()
            }
            ApiError::NotFound(_) => {
                "There is nothing at this address, or you may not see it.".into()
            }
            other => other.to_string(),
        };
        let page = ErrorPage {
            layout: Layout::anonymous(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            detail,
            request_id,
        };
        let html = page
            .render()
            .unwrap_or_else(|_| "<!doctype html><title>Error</title><p>Error</p>".into());
        (status, Html(html)).into_response()
    }
}

/// The UI's 404 for addresses no route serves.
pub async fn not_found() -> UiError {
    UiError(ApiError::NotFound("page"))
}
