//! The person's own say over what reaches them: the preferences page
//! (`/account/notifications`), the preview of their weekly digest (`/account/digest`, "what my
//! email will look like"), and the one-click unsubscribe link every digest and reminder carries
//! (`/unsubscribe/{token}`: a confirm page on GET, RFC 8058 one-click on POST, no sign-in).

use crate::digest::preferences::{self as prefs, NotificationPreferences};
use crate::digest::{self, compose::Digest, unsubscribe};
use crate::error::ApiError;
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use axum::routing::get;
use axum::Form as PostedForm;
use axum::Router;
use keel_domain::preferences::{
    weekday_label, weekday_value, Delivery, Topic, ORGANISATION_DAY, WEEKDAYS,
};
use keel_domain::Weekday;
use keel_store::Settings;
use serde::Deserialize;
use std::collections::HashMap;

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/account/notifications",
            get(preferences_form).post(set_preferences),
        )
        .route("/account/digest", get(preview))
        .route(
            "/unsubscribe/{token}",
            get(confirm_unsubscribe).post(unsubscribe_now),
        )
}

/// One topic's choice on the page.
pub struct Choice {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<(&'static str, &'static str, bool)>,
    pub error: Option<String>,
}

/// The person's digest day on the page: the organisation's day first, then the weekdays.
pub struct DayChoice {
    pub options: Vec<(&'static str, String, bool)>,
    pub error: Option<String>,
}

/// The preferences form (the person's, or the organisation's defaults).
#[derive(Template)]
#[template(path = "notification_preferences.html")]
pub struct PreferencesPage {
    pub layout: Layout,
    pub title: &'static str,
    pub intro: &'static str,
    pub action: &'static str,
    pub choices: Vec<Choice>,
    /// The person's digest day (their own page only).
    pub day: Option<DayChoice>,
    pub saved: bool,
    pub error: Option<String>,
    /// The administration sub-navigation (the defaults page), else the account's.
    pub admin_sections: Vec<crate::ui::admin::Section>,
}

/// The rows of the form, each topic with its allowed deliveries and the current one selected.
pub fn choices(current: &NotificationPreferences, error: Option<&ApiError>) -> Vec<Choice> {
    let now: HashMap<Topic, Delivery> = current.choices().into_iter().collect();
    Topic::ALL
        .into_iter()
        .map(|t| Choice {
            name: t.as_str(),
            label: t.label(),
            options: t
                .allowed()
                .iter()
                .map(|d| (d.as_str(), d.label(), now.get(&t) == Some(d)))
                .collect(),
            error: match error {
                Some(ApiError::Invalid(f)) if f.field == t.as_str() => Some(f.message.clone()),
                _ => None,
            },
        })
        .collect()
}

/// The digest day's row: `current`'s day selected, the organisation's check-in day named.
pub fn day_choice(
    current: &NotificationPreferences,
    organisation: Weekday,
    error: Option<&ApiError>,
) -> DayChoice {
    let own = current.digest_day.as_deref();
    let mut options = vec![(
        ORGANISATION_DAY,
        format!("The check-in day ({})", weekday_label(organisation)),
        own.is_none(),
    )];
    options.extend(WEEKDAYS.into_iter().map(|d| {
        let v = weekday_value(d);
        (v, weekday_label(d).to_string(), own == Some(v))
    }));
    DayChoice {
        options,
        error: match error {
            Some(ApiError::Invalid(f)) if f.field == "digest_day" => Some(f.message.clone()),
            _ => None,
        },
    }
}

/// A posted form as a change: each topic's value parsed (an unknown value names its topic).
pub fn posted(form: &HashMap<String, String>) -> Result<NotificationPreferences, ApiError> {
    let get = |t: Topic| -> Result<Option<Delivery>, ApiError> {
        match form.get(t.as_str()).map(String::as_str) {
            None | Some("") => Ok(None),
            Some(v) => Delivery::parse(v).map(Some).ok_or_else(|| {
                ApiError::Invalid(keel_domain::FieldError::new(
                    t.as_str(),
                    "choose one of the options",
                ))
            }),
        }
    };
    Ok(NotificationPreferences {
        digest: get(Topic::Digest)?,
        check_in_reminders: get(Topic::CheckInReminders)?,
        ownership: get(Topic::Ownership)?,
        feedback: get(Topic::Feedback)?,
        status_changes: get(Topic::StatusChanges)?,
        digest_day: form.get("digest_day").filter(|v| !v.is_empty()).cloned(),
    })
}

fn own_page(layout: Layout, choices: Vec<Choice>, day: DayChoice) -> PreferencesPage {
    PreferencesPage {
        layout,
        title: "Your notifications",
        intro: "Choose how each kind of news reaches you. Whatever you choose, it stays on your notifications page in Keel.",
        action: "/account/notifications",
        choices,
        day: Some(day),
        saved: false,
        error: None,
        admin_sections: vec![],
    }
}

#[derive(Deserialize)]
pub struct Saved {
    pub saved: Option<String>,
}

/// `GET /account/notifications`.
pub async fn preferences_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<Saved>,
) -> Result<Response, UiError> {
    let current = prefs::own(state.store(), &caller).await?;
    let organisation = state.store().settings().await?.check_in_weekday;
    let day = day_choice(&current, organisation, None);
    let mut page = own_page(Layout::signed_in(&caller, ""), choices(&current, None), day);
    page.saved = q.saved.is_some();
    Ok(render(StatusCode::OK, &page))
}

/// `POST /account/notifications`: 422 with the message beside the topic for a bad choice,
/// nothing saved.
pub async fn set_preferences(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(form): PostedForm<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let result = match posted(&form) {
        Ok(change) => prefs::set_own(state.store(), &caller, &change).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/account/notifications?saved=1")),
        Err(e @ ApiError::Invalid(_)) => {
            let current = prefs::own(state.store(), &caller).await?;
            let organisation = state.store().settings().await?.check_in_weekday;
            let day = day_choice(&current, organisation, Some(&e));
            let mut page = own_page(
                Layout::signed_in(&caller, ""),
                choices(&current, Some(&e)),
                day,
            );
            page.error = Some("Nothing was saved: see the message below.".into());
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// After a successful POST: back to a page.
pub fn see_other(to: &str) -> Response {
    axum::response::IntoResponse::into_response(Redirect::to(to))
}

/// The digest preview.
#[derive(Template)]
#[template(path = "account_digest.html")]
struct PreviewPage {
    layout: Layout,
    d: Digest,
    /// The person turned the digest off.
    off: bool,
}

/// `GET /account/digest`: the digest as it would be built now for the reader.
pub async fn preview(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    let d = digest::preview(state.store(), &caller.person).await?;
    let off = prefs::own(state.store(), &caller).await?.digest == Some(Delivery::Off);
    let page = PreviewPage {
        layout: Layout::signed_in(&caller, ""),
        d,
        off,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The unsubscribe pages.
#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    layout: Layout,
    /// "the weekly progress digest"
    what: String,
    token: String,
    done: bool,
}

fn unsubscribe_page(topic: Topic, token: String, done: bool) -> UnsubscribePage {
    UnsubscribePage {
        layout: Layout::anonymous(),
        what: topic.label().to_lowercase(),
        token,
        done,
    }
}

/// `GET /unsubscribe/{token}`: asks to confirm (mail scanners follow links; only the POST
/// unsubscribes). A token that does not verify answers 404, a malformed one 400.
pub async fn confirm_unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, UiError> {
    let (_, topic) = unsubscribe::check(state.store(), &token).await?;
    Ok(render(
        StatusCode::OK,
        &unsubscribe_page(topic, token, false),
    ))
}

/// `POST /unsubscribe/{token}`: RFC 8058 one-click; no sign-in and no CSRF token (the signed
/// token is the proof), honoured at once.
pub async fn unsubscribe_now(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, UiError> {
    let (_, topic) = unsubscribe::unsubscribe(state.store(), &token).await?;
    Ok(render(
        StatusCode::OK,
        &unsubscribe_page(topic, token, true),
    ))
}
