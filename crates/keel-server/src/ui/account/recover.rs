//! The pages of accounts by email, open without signing in: "forgot password" (`/forgot-password`)
//! and the page a link leads to (`/set-password/{secret}`), where an invited person chooses their
//! first password or someone who forgot theirs chooses a new one, and is then signed in.
//!
//! Why apart from sign-in: these pages hold a secret from an email, so they answer the same
//! whether or not an address has an account, and a link that no longer works gets a page saying
//! so (410), never an error. The rules are `services::accounts`.

use crate::auth::random_token;
use crate::auth::session::{self, PRESESSION_COOKIE};
use crate::error::ApiError;
use crate::services::accounts::{self, NotAsked};
use crate::ui::forms::{Field, Form};
use crate::ui::{render, Layout, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form as PostedForm, Router};
use keel_store::TokenPurpose;
use serde::Deserialize;

/// The routes (public: see `access::matrix::PUBLIC_PAGES`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/forgot-password", get(forgot_form).post(forgot))
        .route("/set-password/{secret}", get(link_form).post(use_link))
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage {
    layout: Layout,
    form: Form,
    /// The request was taken: the form is not shown again.
    sent: bool,
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    layout: Layout,
    form: Form,
    title: String,
    intro: String,
    action: String,
    submit: &'static str,
}

#[derive(Template)]
#[template(path = "link_gone.html")]
struct LinkGonePage {
    layout: Layout,
}

/// Renders a page open without signing in. Its form carries the session's CSRF token when the
/// visitor is signed in, else the pre-session cookie's (set when the browser has none).
async fn anonymous<T: Template>(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    form: &mut Form,
    page: impl FnOnce(Form) -> T,
) -> Result<Response, UiError> {
    if let Some((s, _)) = session::current(state.store(), &state.auth, headers).await? {
        form.csrf_token = s.csrf_token;
        return Ok(render(status, &page(form.clone())));
    }
    let existing = session::cookie(headers, PRESESSION_COOKIE).map(str::to_string);
    let token = existing.clone().unwrap_or_else(random_token);
    form.csrf_token = token.clone();
    let mut resp = render(status, &page(form.clone()));
    if existing.is_none() {
        resp.headers_mut().append(
            header::SET_COOKIE,
            session::set_cookie(&state.auth, PRESESSION_COOKIE, &token, 60 * 60 * 24),
        );
    }
    Ok(resp)
}

fn email_fields(email: &str) -> Vec<Field> {
    vec![Field::new("email", "Email", "email")
        .value(email)
        .autocomplete("username")
        .required()]
}

fn forgot_page(form: Form, sent: bool) -> ForgotPage {
    ForgotPage {
        layout: Layout::anonymous(),
        form,
        sent,
    }
}

/// `GET /forgot-password`.
pub async fn forgot_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let mut form = Form::new("", email_fields(""));
    anonymous(&state, &headers, StatusCode::OK, &mut form, |f| {
        forgot_page(f, false)
    })
    .await
}

#[derive(Deserialize)]
pub struct ForgotInput {
    #[serde(default)]
    email: String,
}

/// The one answer to a request taken, whether or not the address has an account.
pub const SENT: &str = "If an account exists for that address, we have emailed it a link to choose a new password. It works once, for an hour. Nothing arrived? Check the spam folder, or ask your administrator.";

/// `POST /forgot-password`: the same answer for every well-formed address.
pub async fn forgot(
    State(state): State<AppState>,
    headers: HeaderMap,
    PostedForm(input): PostedForm<ForgotInput>,
) -> Result<Response, UiError> {
    let typed = input.email.trim().to_string();
    let mut form = Form::new("", email_fields(&typed));
    let asked = accounts::request_reset(state.store(), &state.auth, &state.mail, &typed).await;
    let (status, sent) = match asked {
        Ok(()) => {
            form.success = Some(SENT.into());
            (StatusCode::OK, true)
        }
        Err(NotAsked::Invalid(e)) => {
            form.show(e)?;
            (StatusCode::UNPROCESSABLE_ENTITY, false)
        }
        Err(NotAsked::Throttled(until)) => {
            let minutes = ((until - state.auth.now()).num_seconds() + 59) / 60;
            form.error = Some(format!(
                "Too many requests for this address. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ));
            (StatusCode::TOO_MANY_REQUESTS, false)
        }
        Err(NotAsked::NoEmail(why)) => {
            tracing::info!(%why, "a password reset was asked for but email cannot be sent");
            form.error = Some(
                "Keel cannot send email here yet, so it cannot send you a link. Ask your administrator to reset your password."
                    .into(),
            );
            (StatusCode::SERVICE_UNAVAILABLE, false)
        }
        Err(NotAsked::Failed(e)) => return Err(e.into()),
    };
    anonymous(&state, &headers, status, &mut form, |f| {
        forgot_page(f, sent)
    })
    .await
}

fn password_fields(min_length: usize) -> Vec<Field> {
    vec![
        Field::new("password", "New password", "password")
            .autocomplete("new-password")
            .hint(format!(
                "At least {min_length} characters; a few unrelated words make a good one."
            ))
            .required(),
        Field::new("confirm", "The same password again", "password")
            .autocomplete("new-password")
            .required(),
    ]
}

fn set_password_page(form: Form, secret: &str, link: &accounts::Link) -> SetPasswordPage {
    let (title, intro, submit) = match link.purpose {
        TokenPurpose::Invite => (
            format!("Welcome to Keel, {}", link.person.name),
            format!(
                "Choose the password you will sign in with as {}.",
                link.person.email.as_str()
            ),
            "Set my password and sign in",
        ),
        TokenPurpose::Reset => (
            "Choose a new password".to_string(),
            format!(
                "For {}. Once it is set, you are signed in here and signed out everywhere else.",
                link.person.email.as_str()
            ),
            "Set my new password",
        ),
    };
    SetPasswordPage {
        layout: Layout::anonymous(),
        form,
        title,
        intro,
        action: accounts::link_path(secret),
        submit,
    }
}

fn link_gone() -> Response {
    render(
        StatusCode::GONE,
        &LinkGonePage {
            layout: Layout::anonymous(),
        },
    )
}

/// `GET /set-password/{secret}`: the form, or a page saying the link no longer works.
pub async fn link_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(secret): Path<String>,
) -> Result<Response, UiError> {
    let Some(link) = accounts::open_link(state.store(), &state.auth, &secret).await? else {
        return Ok(link_gone());
    };
    let min = state.auth.min_password_length;
    let mut form = Form::new("", password_fields(min));
    anonymous(&state, &headers, StatusCode::OK, &mut form, |f| {
        set_password_page(f, &secret, &link)
    })
    .await
}

#[derive(Deserialize)]
pub struct SetPasswordInput {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /set-password/{secret}`: sets the password, spends the link, ends the person's other
/// sessions and signs them in here.
pub async fn use_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(secret): Path<String>,
    PostedForm(input): PostedForm<SetPasswordInput>,
) -> Result<Response, UiError> {
    let store = state.store();
    let Some(link) = accounts::open_link(store, &state.auth, &secret).await? else {
        return Ok(link_gone());
    };
    let set =
        accounts::set_password(store, &state.auth, &secret, &input.password, &input.confirm).await;
    let person = match set {
        Ok(Some(person)) => person,
        Ok(None) => return Ok(link_gone()),
        Err(e @ ApiError::Invalid(_)) => {
            let min = state.auth.min_password_length;
            let mut form = Form::new("", password_fields(min));
            form.show(e)?;
            return anonymous(
                &state,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                &mut form,
                |f| set_password_page(f, &secret, &link),
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    let _ = session::end(store, &state.auth, &headers).await?;
    let cookie = session::start(store, &state.auth, &person, "password").await?;
    let mut resp = Redirect::to("/my-week").into_response();
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(resp)
}
