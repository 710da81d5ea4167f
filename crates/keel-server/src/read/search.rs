//! "Find anything": the hits of a search as the API returns them and the search page shows
//! them, checked and filtered once here so the two agree (same minimum length, same kinds, only
//! what the reader may see).

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::visibility::Viewer;
use keel_store::{Page, PageRequest, Reader, Search, SearchHit, SearchKind, SearchQuery, Store};
use serde::Serialize;
use utoipa::ToSchema;

/// The fewest characters a search may have: one letter would match nearly everything.
pub const MIN_QUERY_CHARS: usize = 2;

/// The most characters a search may have.
pub const MAX_QUERY_CHARS: usize = 200;

/// One thing found, with where to read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHitView {
    /// `objective`, `key_result`, `person` or `team`.
    pub kind: &'static str,
    pub id: String,
    /// Its title or name.
    pub title: String,
    /// A person's job title, a key result's objective id; empty otherwise.
    pub context: String,
    /// The page that shows it.
    pub href: String,
}

/// The spelling of a kind in the API (`kind=`) and in results.
pub fn kind_name(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Objective => "objective",
        SearchKind::KeyResult => "key_result",
        SearchKind::Person => "person",
        SearchKind::Team => "team",
    }
}

/// The kind named `name` (`None` for absent or empty), or 422 naming `kind`.
pub fn parse_kind(name: Option<&str>) -> ApiResult<Option<SearchKind>> {
    match name.map(str::trim) {
        None | Some("") => Ok(None),
        Some(n) => SearchKind::ALL
            .into_iter()
            .find(|k| kind_name(*k) == n)
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid("kind", "must be objective, key_result, person or team")
            }),
    }
}

/// The search text, trimmed, or 422 naming `q` when it is too short or too long.
pub fn checked_text(q: Option<&str>) -> ApiResult<String> {
    let text = q.unwrap_or("").trim();
    let chars = text.chars().count();
    if chars < MIN_QUERY_CHARS {
        return Err(ApiError::invalid(
            "q",
            format!("type at least {MIN_QUERY_CHARS} characters to search"),
        ));
    }
    if chars > MAX_QUERY_CHARS {
        return Err(ApiError::invalid(
            "q",
            format!("must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(text.to_string())
}

/// The page that shows a person.
pub fn person_href(id: &str) -> String {
    format!("/people/{id}")
}

fn href(hit: &SearchHit) -> String {
    match hit.kind {
        SearchKind::Objective => format!("/objectives/{}", hit.id),
        SearchKind::KeyResult => format!("/key-results/{}", hit.id),
        SearchKind::Person => person_href(&hit.id),
        SearchKind::Team => format!("/teams/{}", hit.id),
    }
}

fn view(hit: SearchHit) -> SearchHitView {
    SearchHitView {
        kind: kind_name(hit.kind),
        href: href(&hit),
        id: hit.id,
        title: hit.title,
        context: hit.context,
    }
}

/// A page of what `caller` may see matching `text` (already checked), one query.
pub async fn search(
    store: &dyn Store,
    caller: &Caller,
    text: String,
    kind: Option<SearchKind>,
    page: &PageRequest,
) -> ApiResult<Page<SearchHitView>> {
    let query = SearchQuery {
        reader: Reader::of(Viewer::of(&caller.person).audience()),
        text,
        kind,
    };
    let found = store.search(&query, page).await?;
    Ok(Page {
        items: found.items.into_iter().map(view).collect(),
        next_cursor: found.next_cursor,
    })
}
