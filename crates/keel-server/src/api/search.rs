//! `GET /search`: find objectives, key results, people and teams by a few letters of their
//! names, showing only what the caller may see.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::{page_request, ApiQuery};
use crate::read::search::{self, SearchHitView};
use crate::read::views::ListOf;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search_all))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to find: a case-insensitive part of a title, a name or an email (2–200 characters).
    q: Option<String>,
    /// Only hits of this kind: `objective`, `key_result`, `person` or `team`.
    kind: Option<String>,
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Search objectives, key results, people and teams (objectives first, then key results,
/// people, teams). Only what you may see is found, and counted.
#[utoipa::path(get, path = "/search", tag = "search", params(SearchParams),
    responses((status = 200, body = ListOf<SearchHitView>), (status = 422, body = Problem, description = "q too short or too long, an unknown kind, a bad cursor")))]
async fn search_all(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> ApiResult<Json<ListOf<SearchHitView>>> {
    let text = search::checked_text(q.q.as_deref())?;
    let kind = search::parse_kind(q.kind.as_deref())?;
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let found = search::search(s.store(), &caller, text, kind, &page).await?;
    Ok(Json(ListOf {
        items: found.items,
        next_cursor: found.next_cursor,
    }))
}
