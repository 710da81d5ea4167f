//! The first-run setup page (`/setup`): while the organisation has no administrator, every page
//! leads here, where the holder of the setup token names the organisation, picks its time zone
//! and creates the first administrator, who is then signed in. Once done, `/setup` is 404. The
//! rules (the token, each field, one administrator however many submit at once) are
//! `services::setup`'s.

use super::forms::{Field, Form};
use super::{render, Layout, UiError};
use crate::auth::random_token;
use crate::auth::session::{self, PRESESSION_COOKIE};
use crate::error::{current_request_id, ApiError};
use crate::services::setup::{self, Refusal, SetupInput};
use crate::AppState;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form as PostedForm, Router};
use keel_domain::FieldError;

/// The page's routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/setup", get(setup_form).post(set_up))
}

/// One time zone of the list.
pub struct ZoneChoice {
    pub name: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    layout: Layout,
    form: Form,
    /// The time zone field (a list, so it is not among `form.fields`).
    zone: Field,
    zones: Vec<ZoneChoice>,
    /// Where the token is, for the hint ("the file setup-token in the data directory").
    token_file: String,
}

/// The fields as typed (the password and token never echoed back).
fn fields(input: &SetupInput) -> Vec<Field> {
    vec![
        Field::new("organisation_name", "Organisation name", "text")
            .value(&input.organisation_name)
            .autocomplete("organization")
            .required(),
        Field::new("name", "Your name", "text")
            .value(&input.name)
            .autocomplete("name")
            .required(),
        Field::new("email", "Your email", "email")
            .value(&input.email)
            .autocomplete("username")
            .required(),
        Field::new("password", "Choose a password", "password")
            .autocomplete("new-password")
            .hint("At least 12 characters; a few unrelated words make a good one.")
            .required(),
        Field::new("setup_token", "Setup token", "password")
            .autocomplete("off")
            .required(),
    ]
}

/// Every IANA time zone, with `typed` selected (UTC when nothing was chosen yet).
fn zones(typed: &str) -> Vec<ZoneChoice> {
    let typed = if typed.is_empty() { "UTC" } else { typed };
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|z| ZoneChoice {
            name: z.name(),
            selected: z.name() == typed,
        })
        .collect()
}

/// The page, with `errors` next to their fields and the pre-session cookie (the CSRF token
/// before anyone has signed in) set when the browser has none.
fn page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    input: &SetupInput,
    errors: Vec<FieldError>,
) -> Result<Response, UiError> {
    let existing = session::cookie(headers, PRESESSION_COOKIE).map(str::to_string);
    let token = existing.clone().unwrap_or_else(random_token);
    let mut form = Form::new(&token, fields(input));
    let mut zone = Field::new("time_zone", "Time zone", "select")
        .hint("Days, due dates and weeks follow it; each person may read times in their own.");
    for e in errors {
        if e.field == "time_zone" {
            zone.error = Some(e.message);
        } else {
            form.show(ApiError::Invalid(e))?;
        }
    }
    if status == StatusCode::FORBIDDEN {
        form.error = Some(
            "The setup token is missing or wrong, so nothing was saved. Copy it from the file named below."
                .into(),
        );
    }
    let view = SetupPage {
        layout: Layout::anonymous(),
        form,
        zone,
        zones: zones(input.time_zone.trim()),
        token_file: state
            .setup
            .token_file()
            .map(|f| f.display().to_string())
            .unwrap_or_default(),
    };
    let mut resp = render(status, &view);
    if existing.is_none() {
        resp.headers_mut().append(
            header::SET_COOKIE,
            session::set_cookie(&state.auth, PRESESSION_COOKIE, &token, 60 * 60 * 24),
        );
    }
    Ok(resp)
}

/// `GET /setup`: the form while the organisation waits for its first administrator, else 404.
pub async fn setup_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    if !setup::still_needed(state.store(), &state.setup).await? {
        return Err(UiError(ApiError::NotFound("setup")));
    }
    page(
        &state,
        &headers,
        StatusCode::OK,
        &SetupInput::default(),
        vec![],
    )
}

/// `POST /setup` (CSRF-checked like every form): sets the organisation up and signs the new
/// administrator in; 403 for a missing or wrong token, 422 with every field's error at once.
pub async fn set_up(
    State(state): State<AppState>,
    headers: HeaderMap,
    PostedForm(input): PostedForm<SetupInput>,
) -> Result<Response, UiError> {
    let done = setup::complete(
        state.store(),
        &state.auth,
        &state.setup,
        &input,
        current_request_id(),
    )
    .await;
    let (status, errors) = match done {
        Ok(admin) => {
            let _ = session::end(state.store(), &state.auth, &headers).await?;
            let cookie = session::start(state.store(), &state.auth, &admin, "password").await?;
            let mut resp = Redirect::to("/admin").into_response();
            resp.headers_mut().append(header::SET_COOKIE, cookie);
            return Ok(resp);
        }
        Err(Refusal::WrongToken(errors)) => (StatusCode::FORBIDDEN, errors),
        Err(Refusal::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        Err(Refusal::Other(ApiError::Conflict { field, message })) => (
            StatusCode::CONFLICT,
            vec![FieldError::new(field.unwrap_or_default(), message)],
        ),
        Err(Refusal::Other(e)) => return Err(UiError(e)),
    };
    page(&state, &headers, status, &input, errors)
}

/// While the organisation waits for its first administrator, every page leads to `/setup`
/// (the stylesheet and scripts still load).
pub async fn lead_to_setup(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !state.setup.is_open() || path == "/setup" || path.starts_with("/static/") {
        return next.run(req).await;
    }
    match setup::still_needed(state.store(), &state.setup).await {
        Ok(true) => Redirect::to("/setup").into_response(),
        Ok(false) => next.run(req).await,
        Err(e) => UiError(e).into_response(),
    }
}
