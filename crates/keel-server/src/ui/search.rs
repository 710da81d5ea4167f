//! The search page (`/search?q=`), reached from the box in every page's header: what the
//! reader may see whose name matches, grouped by kind, with a link to more of one kind.

use super::{render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::read::search::{self as find, SearchHitView};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_store::{PageRequest, SearchKind};
use serde::Deserialize;

/// How many hits of each kind the page shows before "More …".
const PER_KIND: u32 = 10;
/// How many hits of one kind a page shows.
const PER_PAGE: u32 = 50;

/// The search page's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search_page))
}

/// One kind's hits on the page.
pub struct Group {
    pub heading: &'static str,
    pub hits: Vec<SearchHitView>,
    /// "More of this kind" or "Next page", when there is more.
    pub more_href: Option<String>,
    pub more_label: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    error: Option<String>,
    groups: Vec<Group>,
}

impl SearchPage {
    fn found_nothing(&self) -> bool {
        self.error.is_none() && !self.q.is_empty() && self.groups.iter().all(|g| g.hits.is_empty())
    }
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    kind: Option<String>,
    cursor: Option<String>,
}

fn heading(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Objective => "Objectives",
        SearchKind::KeyResult => "Key results",
        SearchKind::Person => "People",
        SearchKind::Team => "Teams",
    }
}

fn link(q: &str, kind: SearchKind, cursor: Option<&str>) -> String {
    let mut pairs = vec![("q", q), ("kind", find::kind_name(kind))];
    if let Some(c) = cursor {
        pairs.push(("cursor", c));
    }
    format!(
        "/search?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

/// Every kind, a few hits each (one query per kind: four, whatever the number of rows).
async fn overview(
    state: &AppState,
    caller: &crate::auth::Caller,
    q: &str,
) -> Result<Vec<Group>, ApiError> {
    let mut groups = Vec::new();
    for kind in SearchKind::ALL {
        let page = PageRequest {
            limit: PER_KIND,
            cursor: None,
        };
        let found = find::search(state.store(), caller, q.to_string(), Some(kind), &page).await?;
        groups.push(Group {
            heading: heading(kind),
            more_href: found.next_cursor.as_ref().map(|_| link(q, kind, None)),
            more_label: format!("More {}", heading(kind).to_lowercase()),
            hits: found.items,
        });
    }
    Ok(groups)
}

/// One kind, a page at a time.
async fn one_kind(
    state: &AppState,
    caller: &crate::auth::Caller,
    q: &str,
    kind: SearchKind,
    cursor: Option<String>,
) -> Result<Vec<Group>, ApiError> {
    let page = PageRequest {
        limit: PER_PAGE,
        cursor,
    };
    let found = find::search(state.store(), caller, q.to_string(), Some(kind), &page).await?;
    Ok(vec![Group {
        heading: heading(kind),
        more_href: found.next_cursor.as_deref().map(|c| link(q, kind, Some(c))),
        more_label: "Next page".into(),
        hits: found.items,
    }])
}

async fn groups(
    state: &AppState,
    caller: &crate::auth::Caller,
    q: &SearchQuery,
) -> Result<Vec<Group>, ApiError> {
    let text = find::checked_text(q.q.as_deref())?;
    match find::parse_kind(q.kind.as_deref())? {
        None => overview(state, caller, &text).await,
        Some(kind) => {
            let cursor = q.cursor.clone().filter(|c| !c.is_empty());
            one_kind(state, caller, &text, kind, cursor).await
        }
    }
}

/// `GET /search`: the form alone without `q` (or with it empty), else the hits; a readable message (422) for a
/// search too short, an unknown kind or a stale link.
pub async fn search_page(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<SearchQuery>,
) -> Result<Response, UiError> {
    let text = q.q.clone().unwrap_or_default().trim().to_string();
    let mut page = SearchPage {
        layout: Layout::signed_in(&caller, ""),
        q: text.clone(),
        error: None,
        groups: vec![],
    };
    // The header's box sent empty: the form again, with nothing to correct yet.
    if text.is_empty() {
        return Ok(render(StatusCode::OK, &page));
    }
    match groups(&state, &caller, &q).await {
        Ok(groups) => page.groups = groups,
        Err(ApiError::Invalid(e)) => {
            page.error = Some(match e.field.as_str() {
                "q" => format!(
                    "Type at least {} characters to search (and at most {}).",
                    find::MIN_QUERY_CHARS,
                    find::MAX_QUERY_CHARS
                ),
                "cursor" => "That link to more results has expired: search again.".into(),
                _ => "Choose objectives, key results, people or teams.".into(),
            });
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(e) => return Err(UiError(e)),
    }
    Ok(render(StatusCode::OK, &page))
}
