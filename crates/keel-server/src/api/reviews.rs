//! Routes for team reviews: prepare one (its agenda is frozen then), list a team's reviews by
//! date, read one, record notes and decisions per OKR.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::{etag, page_request, ApiJson, ApiQuery, IfMatch};
use crate::read::views::ListOf;
use crate::services::reviews::{self as svc, NewReview, ReviewItemNotes};
use crate::services::visibility::Viewer;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use keel_domain::review::Review;
use keel_domain::*;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_review, list_reviews))
        .routes(routes!(get_review))
        .routes(routes!(note_item))
}

/// Prepare a team review (the team's lead, administrators, champions): an agenda of the team's
/// active OKRs with owner, progress change since the last review, confidence trend and flags.
#[utoipa::path(post, path = "/teams/{id}/reviews", tag = "reviews", params(("id" = String, Path)), request_body = NewReview,
    responses((status = 201, body = Review, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_review(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewReview>,
) -> ApiResult<impl IntoResponse> {
    let r = svc::create_review(s.store(), &caller, &TeamId::from_string(id), input).await?;
    Ok((StatusCode::CREATED, etag(r.version), Json(r)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A team's reviews, latest first; each agenda lists only the OKRs the reader may see.
#[utoipa::path(get, path = "/teams/{id}/reviews", tag = "reviews", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ListOf<Review>), (status = 404, body = Problem)))]
async fn list_reviews(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListOf<Review>>> {
    let page = svc::list_reviews(
        s.store(),
        &Viewer::of(&caller.person),
        &TeamId::from_string(id),
        &page_request(q.limit.as_deref(), q.cursor.as_deref())?,
    )
    .await?;
    Ok(Json(ListOf {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// One review with its agenda (the OKRs the reader may see), notes and decisions.
#[utoipa::path(get, path = "/reviews/{id}", tag = "reviews", params(("id" = String, Path)),
    responses((status = 200, body = Review, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 404, body = Problem)))]
async fn get_review(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let r = svc::get_review(
        s.store(),
        &Viewer::of(&caller.person),
        &ReviewId::from_string(id),
    )
    .await?;
    Ok((etag(r.version), Json(r)))
}

/// Record the owner's notes and the team's decisions on one OKR of the agenda (the OKR's owner,
/// the team's lead, administrators, champions).
#[utoipa::path(put, path = "/reviews/{id}/items/{objective_id}", tag = "reviews",
    params(("id" = String, Path), ("objective_id" = String, Path), IfMatch), request_body = ReviewItemNotes,
    responses((status = 200, body = Review, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn note_item(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, objective_id)): Path<(String, String)>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<ReviewItemNotes>,
) -> ApiResult<impl IntoResponse> {
    let r = svc::note_item(
        s.store(),
        &caller,
        &ReviewId::from_string(id),
        &ObjectiveId::from_string(objective_id),
        if_match,
        input,
    )
    .await?;
    Ok((etag(r.version), Json(r)))
}
