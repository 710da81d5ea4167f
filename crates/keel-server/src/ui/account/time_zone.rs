//! The account's time zone page (`/account/time-zone`): a person picks the zone they read times
//! in (issue 12), or leaves it empty to follow the organisation's. "Today" stays the
//! organisation's for every rule; only how times are shown follows the reader.

use crate::services::directory;
use crate::ui::forms::{Field, Form};
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Form as PostedForm;
use axum::Router;
use serde::Deserialize;

/// The page's routes.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/account/time-zone",
        get(time_zone_form).post(set_time_zone),
    )
}

/// Every IANA time zone as a choice, `selected` chosen; a stored name the list does not know
/// (an older database) is kept as the first choice so saving the form never changes it unseen.
pub(crate) fn zone_choices(selected: &str) -> Vec<crate::ui::company::Choice> {
    let known = chrono_tz::TZ_VARIANTS.iter().any(|z| z.name() == selected);
    let unknown = (!selected.is_empty() && !known).then(|| selected.to_string());
    unknown
        .into_iter()
        .chain(chrono_tz::TZ_VARIANTS.iter().map(|z| z.name().to_string()))
        .map(|name| crate::ui::company::Choice {
            selected: name == selected,
            label: name.replace('_', " "),
            value: name,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "account_time_zone.html")]
struct TimeZonePage {
    layout: Layout,
    form: Form,
    /// Every IANA zone, the person's own selected.
    zones: Vec<crate::ui::company::Choice>,
    /// "Europe/Paris": what empty means here.
    organisation_zone: String,
    /// A time now, as the person sees it: "5 Dec 2026, 14:05".
    now: String,
}

fn fields(typed: &str) -> Vec<Field> {
    vec![Field::new("time_zone", "Your time zone", "select")
        .value(typed)
        .hint("Choose the place whose clock you follow, or the organisation's.")]
}

async fn page(state: &AppState, layout: Layout, typed: &str) -> Result<TimeZonePage, UiError> {
    let s = keel_store::Settings::settings(state.store())
        .await
        .map_err(crate::error::ApiError::from)?;
    Ok(TimeZonePage {
        form: Form::new(&layout.csrf_token, fields(typed)),
        zones: zone_choices(typed),
        layout,
        organisation_zone: s.time_zone,
        now: crate::ui::format::when(crate::services::now()),
    })
}

/// `GET /account/time-zone`.
pub async fn time_zone_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    let layout = Layout::signed_in(&caller, "");
    let typed = caller.person.time_zone.clone().unwrap_or_default();
    let page = page(&state, layout, &typed).await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct TimeZoneInput {
    #[serde(default)]
    time_zone: String,
}

/// `POST /account/time-zone`: 422 next to the field for a name that is not a time zone.
pub async fn set_time_zone(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(input): PostedForm<TimeZoneInput>,
) -> Result<Response, UiError> {
    let layout = Layout::signed_in(&caller, "");
    match directory::set_own_time_zone(state.store(), &caller, &input.time_zone).await {
        Ok(p) => {
            let zone = p.time_zone.clone().unwrap_or_default();
            // Shown at once in the zone just chosen.
            let mut reader = crate::ui::format::reader();
            if let Ok(z) = zone.parse() {
                reader.zone = z;
            } else {
                reader.zone = reader.org_zone;
            }
            let mut page =
                crate::ui::format::with_reader(reader, page(&state, layout, &zone)).await?;
            page.form.success = Some("Your time zone was saved.".into());
            Ok(render(StatusCode::OK, &page))
        }
        Err(e) => {
            let mut page = page(&state, layout, &input.time_zone).await?;
            page.form.show(e)?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
