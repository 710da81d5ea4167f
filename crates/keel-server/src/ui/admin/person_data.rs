//! A person's data from the people administration pages: everything about one person as JSON
//! (shown by the browser, saved by the link's `download`), and erasing a person who left after
//! an "are you sure?" page that says what goes and what stays. The rules are
//! `services::person_data`'s (the same as the API's).

use super::{sections, Section};
use crate::services::{directory, person_data};
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use keel_domain::PersonId;

/// `GET /admin/people/{id}/export`: the export as a JSON file to save (administrators).
pub async fn export(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let data = person_data::export(state.store(), &caller, &PersonId::from_string(id)).await?;
    let body = serde_json::to_vec_pretty(&data)
        .map_err(|e| crate::error::ApiError::Internal(e.to_string()))?;
    let disposition = format!(
        "inline; filename=\"keel-person-{}.json\"",
        data.person
            .id
            .as_str()
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "admin_erase.html")]
struct ErasePage {
    layout: Layout,
    sections: Vec<Section>,
    id: String,
    name: String,
    /// Why erasing is refused right now (open OKRs, oneself), shown instead of the button.
    refusal: Option<String>,
}

async fn erase_page(
    state: &AppState,
    caller: &crate::auth::Caller,
    id: &PersonId,
    refusal: Option<String>,
) -> Result<ErasePage, UiError> {
    crate::access::manage_people(&caller.person)?;
    let person = directory::get_person(state.store(), id).await?;
    Ok(ErasePage {
        layout: Layout::signed_in(caller, "/admin"),
        sections: sections(caller, "/admin"),
        id: person.id.to_string(),
        name: person.name,
        refusal,
    })
}

/// `GET /admin/people/{id}/erase`: what erasing does, and the button.
pub async fn confirm_erase(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let page = erase_page(&state, &caller, &PersonId::from_string(id), None).await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /admin/people/{id}/erase`: erases, then back to the people list; a refusal (open
/// OKRs, oneself) comes back as the page with the reason, answering 409.
pub async fn erase(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = PersonId::from_string(id);
    match person_data::erase(state.store(), &caller, &id).await {
        Ok(p) => Ok(Redirect::to(&format!("/admin/people/{}?saved=1", p.id)).into_response()),
        Err(crate::error::ApiError::Conflict { message, .. }) => {
            let page = erase_page(&state, &caller, &id, Some(message)).await?;
            Ok(render(StatusCode::CONFLICT, &page))
        }
        Err(e) => Err(UiError(e)),
    }
}
