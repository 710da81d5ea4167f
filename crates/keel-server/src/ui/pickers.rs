//! The pickers' suggestions as the reader types (`GET /pickers/people`, `GET /pickers/objectives`,
//! `GET /pickers/teams`):
//! small HTML fragments htmx swaps into a form, next to the find field that asked (no inline
//! script: the fields carry `hx-get`). Results are the reader's to see (`read::pickers`), at
//! most a few, with "type more" when more match: never a silent cut.
//!
//! `field` names the form field asking; the query is `q`, or the find field's own value
//! (`{field}.find`, which htmx sends). `as=options` answers `<option>`s for a single choice
//! (the first match chosen; `none` labels an empty choice first); anything else answers
//! checkboxes to tick, for several.

use super::{render, SignedIn, UiError};
use crate::read::pickers::{self, Suggestions};
use crate::services::visibility::Viewer;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;

/// The pickers.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pickers/people", get(people))
        .route("/pickers/objectives", get(objectives))
        .route("/pickers/teams", get(teams))
}

/// One suggestion: the value posted and the words shown.
pub struct Suggestion {
    pub value: String,
    pub label: String,
    /// The reader themself (marked, so a form's style can hide what is only for proposing
    /// someone else).
    pub me: bool,
}

#[derive(Template)]
#[template(path = "picker.html")]
struct PickerFragment {
    field: String,
    as_options: bool,
    none: Option<String>,
    query: String,
    items: Vec<Suggestion>,
    more: bool,
}

/// What the fragment is asked for.
struct Asked {
    field: String,
    query: String,
    as_options: bool,
    none: Option<String>,
}

fn asked(q: &HashMap<String, String>) -> Asked {
    // A form field's name: letters, digits, `_`, `.` and the brackets of a row's index
    // (`key_results[2].owner_id`); anything else is not one of ours.
    let field: String = q
        .get("field")
        .map(|f| f.as_str())
        .unwrap_or("q")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
        .take(40)
        .collect();
    let query = q
        .get("q")
        .or_else(|| q.get(&format!("{field}.find")))
        .cloned()
        .unwrap_or_default();
    // The last comma-separated part is what is being typed.
    let query = query.rsplit(',').next().unwrap_or("").trim().to_string();
    Asked {
        field,
        query,
        as_options: q.get("as").is_some_and(|a| a == "options"),
        none: q
            .get("none")
            .map(|n| n.chars().take(40).collect::<String>())
            .filter(|n| !n.is_empty()),
    }
}

fn fragment(a: Asked, found: Suggestions<Suggestion>) -> Response {
    render(
        StatusCode::OK,
        &PickerFragment {
            field: a.field,
            as_options: a.as_options,
            none: a.none,
            query: a.query,
            items: found.items,
            more: found.more,
        },
    )
}

/// `GET /pickers/people`: active people whose name or email contains what was typed.
pub async fn people(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let a = asked(&q);
    let found = pickers::search_people(state.store(), &a.query).await?;
    let items = found
        .items
        .into_iter()
        .map(|p| Suggestion {
            me: p.id == caller.person.id,
            value: p.id.to_string(),
            label: format!("{} ({})", p.name, p.email.as_str()),
        })
        .collect();
    Ok(fragment(
        a,
        Suggestions {
            items,
            more: found.more,
        },
    ))
}

/// `GET /pickers/objectives`: open objectives the reader may see whose title contains what was
/// typed.
pub async fn objectives(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let a = asked(&q);
    let found =
        pickers::search_objectives(state.store(), &Viewer::of(&caller.person), &a.query).await?;
    let items = found
        .items
        .into_iter()
        .map(|o| Suggestion {
            me: false,
            value: o.id.to_string(),
            label: o.title,
        })
        .collect();
    Ok(fragment(
        a,
        Suggestions {
            items,
            more: found.more,
        },
    ))
}

/// `GET /pickers/teams`: teams whose name contains what was typed (a team filter or form's
/// picker, so that no page lists every team).
pub async fn teams(
    State(state): State<AppState>,
    SignedIn(_caller): SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let a = asked(&q);
    let found = pickers::search_teams(state.store(), &a.query).await?;
    let items = found
        .items
        .into_iter()
        .map(|t| Suggestion {
            me: false,
            value: t.id.to_string(),
            label: t.name,
        })
        .collect();
    Ok(fragment(
        a,
        Suggestions {
            items,
            more: found.more,
        },
    ))
}
