//! Sign-in, sign-out, single sign-on, the account pages (changing one's password; one's own API
//! tokens in `tokens`) and an administrator's password reset, as pages and forms that work
//! without JavaScript.

pub mod notifications;
pub mod overview;
pub mod recover;
pub mod time_zone;
pub mod tokens;

use super::forms::{Field, Form};
use super::{render, Layout, SignedIn, UiError};
use crate::auth::session::{self, PRESESSION_COOKIE};
use crate::auth::{oidc, password, random_token, safe_return_to, throttle};
use crate::error::ApiError;
use crate::services::provisioning::{self, NotProvisioned};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form as PostedForm;
use keel_domain::PersonId;
use keel_store::{Accounts, People};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    layout: Layout,
    form: Form,
    return_to: String,
    return_to_query: String,
    sso: bool,
}

#[derive(Deserialize)]
pub struct ReturnTo {
    return_to: Option<String>,
}

fn sign_in_fields(email: &str) -> Vec<Field> {
    vec![
        Field::new("email", "Email", "email")
            .value(email)
            .autocomplete("username")
            .required(),
        Field::new("password", "Password", "password")
            .autocomplete("current-password")
            .required(),
    ]
}

/// Renders the sign-in page, setting the pre-session cookie (the CSRF token before a session
/// exists) when the browser has none.
fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    mut form: Form,
    return_to: &str,
) -> Response {
    let existing = session::cookie(headers, PRESESSION_COOKIE).map(str::to_string);
    let token = existing.clone().unwrap_or_else(random_token);
    form.csrf_token = token.clone();
    let page = SignInPage {
        layout: Layout::anonymous(),
        form,
        return_to: return_to.to_string(),
        return_to_query: super::encode(return_to),
        sso: state.auth.oidc.is_some(),
    };
    let mut resp = render(status, &page);
    if existing.is_none() {
        resp.headers_mut().append(
            header::SET_COOKIE,
            session::set_cookie(&state.auth, PRESESSION_COOKIE, &token, 60 * 60 * 24),
        );
    }
    resp
}

/// `GET /sign-in`: the form (or straight on, when already signed in).
pub async fn sign_in_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReturnTo>,
) -> Result<Response, UiError> {
    let return_to = safe_return_to(q.return_to.as_deref());
    if session::current(state.store(), &state.auth, &headers)
        .await?
        .is_some()
    {
        return Ok(Redirect::to(&return_to).into_response());
    }
    Ok(sign_in_page(
        &state,
        &headers,
        StatusCode::OK,
        Form::new("", sign_in_fields("")),
        &return_to,
    ))
}

#[derive(Deserialize)]
pub struct SignInInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    return_to: Option<String>,
}

/// The one message for a wrong email or password: it never says which.
const WRONG: &str = "The email or password is not right.";

/// `POST /sign-in`: checks the lockout, then the password; starts a session.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    PostedForm(input): PostedForm<SignInInput>,
) -> Result<Response, UiError> {
    let return_to = safe_return_to(input.return_to.as_deref());
    let email = input.email.trim().to_string();
    let mut form = Form::new("", sign_in_fields(&email));
    if email.is_empty() {
        form.show(ApiError::invalid("email", "enter your email address"))?;
    }
    if input.password.is_empty() {
        form.show(ApiError::invalid("password", "enter your password"))?;
    }
    if form.has_errors() {
        return Ok(sign_in_page(
            &state,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
            &return_to,
        ));
    }
    let store = state.store();
    let key = throttle::key_for(&email);
    let locked = |form: &mut Form, until: chrono::DateTime<chrono::Utc>| {
        let minutes = ((until - state.auth.now()).num_seconds() + 59) / 60;
        form.error = Some(format!(
            "Too many failed sign-ins with this email address. Sign-in is paused for it; try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        ));
    };
    if let Some(until) = throttle::locked_until(store, &state.auth, &key).await? {
        locked(&mut form, until);
        return Ok(sign_in_page(
            &state,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            form,
            &return_to,
        ));
    }
    let person = match keel_domain::Email::parse("email", &email) {
        Ok(e) => store.person_by_email(&e.key()).await?,
        Err(_) => None,
    };
    let stored = match &person {
        Some(p) => store.password_hash(&p.id).await?,
        None => None,
    };
    let matches = password::verify(&input.password, stored).await;
    let person = person.filter(|p| matches && p.active);
    let Some(person) = person else {
        match throttle::failed(store, &state.auth, &key).await? {
            Some(until) => locked(&mut form, until),
            None => form.error = Some(WRONG.into()),
        }
        return Ok(sign_in_page(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            form,
            &return_to,
        ));
    };
    throttle::succeeded(store, &key).await?;
    // A session id the browser had before is never reused.
    let _ = session::end(store, &state.auth, &headers).await?;
    let cookie = session::start(store, &state.auth, &person, "password").await?;
    let mut resp = Redirect::to(&return_to).into_response();
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(resp)
}

/// `POST /sign-out`: ends the session (the CSRF guard has checked the token).
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let cookie = session::end(state.store(), &state.auth, &headers).await?;
    let mut resp = Redirect::to("/sign-in").into_response();
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(resp)
}

/// `GET /sign-in/sso`: off to the identity provider.
pub async fn sso_start(
    State(state): State<AppState>,
    Query(q): Query<ReturnTo>,
) -> Result<Response, UiError> {
    let Some(oidc) = &state.auth.oidc else {
        return Err(UiError(ApiError::NotFound("single sign-on")));
    };
    let return_to = safe_return_to(q.return_to.as_deref());
    let (url, st) = oidc::start(state.store(), &state.auth, oidc, &return_to).await?;
    let mut resp = Redirect::to(&url).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(&state.auth, oidc::STATE_COOKIE, &st, 600),
    );
    Ok(resp)
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// RFC 9207: the issuer that answered, when the provider says.
    iss: Option<String>,
}

/// `GET /sign-in/sso/callback`: the provider sends the browser back here with a code.
pub async fn sso_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(cb): Query<Callback>,
) -> Result<Response, UiError> {
    let Some(oidc) = &state.auth.oidc else {
        return Err(UiError(ApiError::NotFound("single sign-on")));
    };
    let refused = |why: String| {
        let mut form = Form::new("", sign_in_fields(""));
        form.error = Some(format!("Single sign-on did not work: {why}."));
        let mut resp = sign_in_page(&state, &headers, StatusCode::BAD_REQUEST, form, "/my-week");
        resp.headers_mut().append(
            header::SET_COOKIE,
            session::set_cookie(&state.auth, oidc::STATE_COOKIE, "", 0),
        );
        resp
    };
    if let Some(e) = cb.error {
        tracing::warn!(error = %e, "the identity provider returned an error");
        return Ok(refused("the identity provider did not sign you in".into()));
    }
    if cb
        .iss
        .as_deref()
        .is_some_and(|iss| iss.trim_end_matches('/') != oidc.issuer)
    {
        return Ok(refused(
            "the answer came from another identity provider".into(),
        ));
    }
    let (Some(code), Some(st)) = (cb.code, cb.state) else {
        return Ok(refused(
            "the identity provider's answer is incomplete".into(),
        ));
    };
    let cookie = session::cookie(&headers, oidc::STATE_COOKIE);
    let signed_in = match oidc::finish(state.store(), &state.auth, oidc, &code, &st, cookie).await {
        Ok((identity, return_to)) => sso_person(&state, &identity, &oidc.role_map)
            .await
            .map(|person| (person, return_to)),
        Err(refusal) => Err(refusal),
    };
    match signed_in {
        Ok((person, return_to)) => {
            let _ = session::end(state.store(), &state.auth, &headers).await?;
            let cookie = session::start(state.store(), &state.auth, &person, "oidc").await?;
            let mut resp = Redirect::to(&safe_return_to(Some(&return_to))).into_response();
            resp.headers_mut().append(header::SET_COOKIE, cookie);
            resp.headers_mut().append(
                header::SET_COOKIE,
                session::set_cookie(&state.auth, oidc::STATE_COOKIE, "", 0),
            );
            Ok(resp)
        }
        Err(oidc::Refused(why)) => Ok(refused(why.into())),
    }
}

/// The person a verified single sign-on identity signs in as (found, or created on a first
/// sign-in), or why not in words for the sign-in page.
async fn sso_person(
    state: &AppState,
    identity: &oidc::VerifiedIdentity,
    role_map: &[(String, keel_domain::Role)],
) -> Result<keel_domain::Person, oidc::Refused> {
    provisioning::person_for_sign_in(state.store(), identity, role_map)
        .await
        .map_err(|e| match e {
            NotProvisioned::Deactivated => oidc::refused(
                "this account is deactivated; ask an administrator",
                format!("{} is deactivated", identity.email),
            ),
            NotProvisioned::Failed(e) => oidc::refused("single sign-on failed", e),
        })
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    form: Form,
}

fn password_fields(min: usize) -> Vec<Field> {
    vec![
        Field::new("current_password", "Current password", "password")
            .autocomplete("current-password")
            .required(),
        Field::new("new_password", "New password", "password")
            .autocomplete("new-password")
            .hint(format!("At least {min} characters."))
            .required(),
        Field::new("confirm_password", "New password again", "password")
            .autocomplete("new-password")
            .required(),
    ]
}

/// `GET /account/password`.
pub async fn password_form(State(state): State<AppState>, SignedIn(caller): SignedIn) -> Response {
    let layout = Layout::signed_in(&caller, "");
    let form = Form::new(
        &layout.csrf_token,
        password_fields(state.auth.min_password_length),
    );
    render(StatusCode::OK, &PasswordPage { layout, form })
}

#[derive(Deserialize)]
pub struct PasswordInput {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// `POST /account/password`: the current password is required; the other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(input): PostedForm<PasswordInput>,
) -> Result<Response, UiError> {
    let layout = Layout::signed_in(&caller, "");
    let mut form = Form::new(
        &layout.csrf_token,
        password_fields(state.auth.min_password_length),
    );
    let result = if input.new_password != input.confirm_password {
        Err(ApiError::invalid(
            "confirm_password",
            "does not match the new password",
        ))
    } else {
        password::change_own(
            state.store(),
            &state.auth,
            &caller,
            &input.current_password,
            &input.new_password,
        )
        .await
    };
    let status = match result {
        Ok(()) => {
            form.success =
                Some("Your password was changed. Your other sessions were signed out.".into());
            StatusCode::OK
        }
        Err(e) => {
            form.show(e)?;
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    Ok(render(status, &PasswordPage { layout, form }))
}

#[derive(Template)]
#[template(path = "admin_reset.html")]
struct AdminResetPage {
    layout: Layout,
    form: Form,
    person_id: String,
    person_name: String,
    generated: Option<String>,
}

fn reset_fields(min: usize) -> Vec<Field> {
    vec![Field::new("password", "Temporary password", "password")
        .autocomplete("new-password")
        .hint(format!(
            "At least {min} characters, or leave empty to generate one."
        ))]
}

/// `GET /admin/people/{id}/password`: administrators only.
pub async fn admin_reset_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    crate::access::reset_password(&caller.person)?;
    let person = state
        .store()
        .person(&PersonId::from_string(id))
        .await?
        .ok_or(ApiError::NotFound("person"))?;
    let layout = Layout::signed_in(&caller, "/admin");
    let form = Form::new(
        &layout.csrf_token,
        reset_fields(state.auth.min_password_length),
    );
    Ok(render(
        StatusCode::OK,
        &AdminResetPage {
            layout,
            form,
            person_id: person.id.to_string(),
            person_name: person.name,
            generated: None,
        },
    ))
}

#[derive(Deserialize)]
pub struct ResetInput {
    #[serde(default)]
    password: String,
}

/// `POST /admin/people/{id}/password`: sets or generates a temporary password and signs the
/// person out everywhere.
pub async fn admin_reset(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<ResetInput>,
) -> Result<Response, UiError> {
    let id = PersonId::from_string(id);
    let layout = Layout::signed_in(&caller, "/admin");
    let mut form = Form::new(
        &layout.csrf_token,
        reset_fields(state.auth.min_password_length),
    );
    let chosen = Some(input.password.as_str()).filter(|p| !p.is_empty());
    match password::admin_reset(state.store(), &state.auth, &caller, &id, chosen).await {
        Ok(reset) => {
            form.success = Some(format!(
                "The password of {} was set; {} session{} ended.",
                reset.person.name,
                reset.sessions_ended,
                if reset.sessions_ended == 1 { "" } else { "s" }
            ));
            Ok(render(
                StatusCode::OK,
                &AdminResetPage {
                    layout,
                    form,
                    person_id: reset.person.id.to_string(),
                    person_name: reset.person.name,
                    generated: reset.generated,
                },
            ))
        }
        Err(e) => {
            let person = state
                .store()
                .person(&id)
                .await?
                .ok_or(ApiError::NotFound("person"))?;
            form.show(e)?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AdminResetPage {
                    layout,
                    form,
                    person_id: person.id.to_string(),
                    person_name: person.name,
                    generated: None,
                },
            ))
        }
    }
}
