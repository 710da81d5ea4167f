//! Routes for CFRs: 1:1 conversations (private to their two people), feedback requests answered
//! in place, and recognition.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::{page_request, ApiJson, ApiQuery};
use crate::read::views::ListOf;
use crate::services::conversations::{self as svc, *};
use crate::services::visibility::Viewer;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use keel_domain::cfr::{Conversation, FeedbackRequest, Recognition};
use keel_domain::*;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_conversation, list_conversations))
        .routes(routes!(get_conversation))
        .routes(routes!(request_feedback, list_feedback_requests))
        .routes(routes!(get_feedback_request))
        .routes(routes!(answer_feedback))
        .routes(routes!(recognise))
        .routes(routes!(list_recognitions))
        .routes(routes!(person_recognitions))
}

/// Record a 1:1 conversation with someone, linked to OKRs. Only the two of you can read it.
#[utoipa::path(post, path = "/conversations", tag = "cfrs", request_body = NewConversation,
    responses((status = 201, body = Conversation), (status = 422, body = Problem)))]
async fn create_conversation(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NewConversation>,
) -> ApiResult<impl IntoResponse> {
    let c = svc::create_conversation(s.store(), &caller, input).await?;
    Ok((StatusCode::CREATED, Json(c)))
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

/// Your conversations (either side of the 1:1), newest first.
#[utoipa::path(get, path = "/conversations", tag = "cfrs", params(PageQuery),
    responses((status = 200, body = ListOf<Conversation>)))]
async fn list_conversations(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListOf<Conversation>>> {
    let page = svc::my_conversations(
        s.store(),
        &caller,
        &page_request(q.limit.as_deref(), q.cursor.as_deref())?,
    )
    .await?;
    Ok(Json(ListOf {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// One conversation: 404 for anyone but its two people, administrators included.
#[utoipa::path(get, path = "/conversations/{id}", tag = "cfrs", params(("id" = String, Path)),
    responses((status = 200, body = Conversation), (status = 404, body = Problem)))]
async fn get_conversation(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Conversation>> {
    Ok(Json(
        svc::get_conversation(s.store(), &caller, &ConversationId::from_string(id)).await?,
    ))
}

/// Ask named people for feedback on an OKR's progress.
#[utoipa::path(post, path = "/feedback-requests", tag = "cfrs", request_body = NewFeedbackRequest,
    responses((status = 201, body = FeedbackRequest), (status = 422, body = Problem)))]
async fn request_feedback(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NewFeedbackRequest>,
) -> ApiResult<impl IntoResponse> {
    let r = svc::request_feedback(s.store(), &caller, input).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedbackQuery {
    /// Requests on this objective or key result.
    okr_id: Option<String>,
    /// Requests this person made or was asked (`me` for yourself).
    person_id: Option<String>,
}

/// Feedback requests, newest first (all of them); only those on OKRs the reader may see.
#[utoipa::path(get, path = "/feedback-requests", tag = "cfrs", params(FeedbackQuery),
    responses((status = 200, body = ListOf<FeedbackRequest>)))]
async fn list_feedback_requests(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<FeedbackQuery>,
) -> ApiResult<Json<ListOf<FeedbackRequest>>> {
    let person = q.person_id.filter(|p| !p.is_empty()).map(|p| {
        if p == "me" {
            caller.person.id.clone()
        } else {
            PersonId::from_string(p)
        }
    });
    let items = svc::list_feedback_requests(
        s.store(),
        &Viewer::of(&caller.person),
        q.okr_id.as_deref().filter(|o| !o.is_empty()),
        person.as_ref(),
    )
    .await?;
    Ok(Json(ListOf {
        items,
        next_cursor: None,
    }))
}

/// One feedback request with its answers (404 when the reader may not see its OKR).
#[utoipa::path(get, path = "/feedback-requests/{id}", tag = "cfrs", params(("id" = String, Path)),
    responses((status = 200, body = FeedbackRequest), (status = 404, body = Problem)))]
async fn get_feedback_request(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<FeedbackRequest>> {
    Ok(Json(
        svc::get_feedback_request(
            s.store(),
            &Viewer::of(&caller.person),
            &FeedbackRequestId::from_string(id),
        )
        .await?,
    ))
}

/// Answer a feedback request addressed to you (in place; again to change it).
#[utoipa::path(put, path = "/feedback-requests/{id}/answer", tag = "cfrs", params(("id" = String, Path)), request_body = NewFeedbackAnswer,
    responses((status = 200, body = FeedbackRequest), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn answer_feedback(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewFeedbackAnswer>,
) -> ApiResult<Json<FeedbackRequest>> {
    Ok(Json(
        svc::answer_feedback(
            s.store(),
            &caller,
            &FeedbackRequestId::from_string(id),
            input,
        )
        .await?,
    ))
}

/// Recognise someone's work on an OKR or on a check-in.
#[utoipa::path(post, path = "/recognitions", tag = "cfrs", request_body = NewRecognition,
    responses((status = 201, body = Recognition), (status = 422, body = Problem)))]
async fn recognise(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NewRecognition>,
) -> ApiResult<impl IntoResponse> {
    let r = svc::recognise(s.store(), &caller, input).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Recognition on an objective or key result, newest first.
#[utoipa::path(get, path = "/okrs/{id}/recognitions", tag = "cfrs", params(("id" = String, Path)),
    responses((status = 200, body = ListOf<Recognition>), (status = 404, body = Problem)))]
async fn list_recognitions(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ListOf<Recognition>>> {
    Ok(Json(ListOf {
        items: svc::recognitions_on(s.store(), &caller, &id).await?,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonRecognitionsQuery {
    /// `true` for the recognition the person gave; `false` or absent for what they received.
    #[param(value_type = Option<bool>)]
    given: Option<String>,
}

/// Recognition a person received (or, with `given=true`, gave), newest first (all of them);
/// recognition on OKRs the reader may not see is left out. `me` names yourself.
#[utoipa::path(get, path = "/people/{id}/recognitions", tag = "cfrs", params(("id" = String, Path), PersonRecognitionsQuery),
    responses((status = 200, body = ListOf<Recognition>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn person_recognitions(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PersonRecognitionsQuery>,
) -> ApiResult<Json<ListOf<Recognition>>> {
    let side = match q.given.as_deref().map(str::trim) {
        None | Some("") | Some("false") => Side::Received,
        Some("true") => Side::Given,
        Some(other) => {
            return Err(crate::error::ApiError::invalid(
                "given",
                format!("must be true or false, not '{other}'"),
            ))
        }
    };
    let person = if id == "me" {
        caller.person.id.clone()
    } else {
        PersonId::from_string(id)
    };
    Ok(Json(ListOf {
        items: svc::recognitions_of_person(s.store(), &Viewer::of(&caller.person), &person, side)
            .await?,
        next_cursor: None,
    }))
}
