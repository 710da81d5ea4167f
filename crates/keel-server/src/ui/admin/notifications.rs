//! The organisation's notification defaults (`/admin/notifications`): how each kind of news
//! reaches people who have not chosen for themselves. Administrators and champions, as the
//! organisation settings.

use crate::digest::preferences as prefs;
use crate::error::ApiError;
use crate::ui::account::notifications::{choices, posted, see_other, PreferencesPage, Saved};
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form as PostedForm;
use std::collections::HashMap;

fn page(
    caller: &crate::auth::Caller,
    choices: Vec<super::super::account::notifications::Choice>,
) -> PreferencesPage {
    PreferencesPage {
        layout: Layout::signed_in(caller, "/admin"),
        title: "Notification defaults",
        intro: "How each kind of news reaches people who have not chosen for themselves. Each person can change theirs on their notifications page.",
        action: "/admin/notifications",
        choices,
        day: None,
        saved: false,
        error: None,
        admin_sections: super::sections(caller, "/admin/notifications"),
    }
}

/// `GET /admin/notifications`.
pub async fn defaults_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<Saved>,
) -> Result<Response, UiError> {
    let current = prefs::defaults(state.store(), &caller).await?;
    let mut p = page(&caller, choices(&current, None));
    p.saved = q.saved.is_some();
    Ok(render(StatusCode::OK, &p))
}

/// `POST /admin/notifications`: 422 beside the topic for a bad choice, nothing saved.
pub async fn set_defaults(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(form): PostedForm<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let current = prefs::defaults(state.store(), &caller).await?;
    let result = match posted(&form) {
        Ok(change) => prefs::set_defaults(state.store(), &caller, &change).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/admin/notifications?saved=1")),
        Err(e @ ApiError::Invalid(_)) => {
            let mut p = page(&caller, choices(&current, Some(&e)));
            p.error = Some("Nothing was saved: see the message below.".into());
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
        Err(e) => Err(e.into()),
    }
}
