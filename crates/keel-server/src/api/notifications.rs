//! Routes for the caller's own notifications (the notification centre over JSON): the list,
//! newest first, the unread count, marking one read and marking all read.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::{page_request, ApiQuery};
use crate::read::notifications::{self as read, NotificationView, UnreadCount};
use crate::read::views::ListOf;
use crate::services::notifications as svc;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use keel_domain::*;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
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

/// Your notifications, newest first, each in words with the link to where you act on it. A
/// notification about an objective you can no longer see is left out.
#[utoipa::path(get, path = "/me/notifications", tag = "notifications", params(PageQuery),
    responses((status = 200, body = ListOf<NotificationView>), (status = 422, body = Problem)))]
async fn list_notifications(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListOf<NotificationView>>> {
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let page = read::list(s.store(), &caller.person, &page).await?;
    Ok(Json(ListOf {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// How many of your notifications are unread (those you can no longer see are not counted).
#[utoipa::path(get, path = "/me/notifications/unread-count", tag = "notifications",
    responses((status = 200, body = UnreadCount)))]
async fn unread_count(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<UnreadCount>> {
    let unread = read::unread(s.store(), &caller.person).await?;
    Ok(Json(UnreadCount { unread }))
}

/// Mark one of your notifications read. Someone else's, or one you can no longer see, answers
/// 404 like an unknown one; marking it again keeps when it was first read.
#[utoipa::path(post, path = "/me/notifications/{id}/read", tag = "notifications", params(("id" = String, Path)),
    responses((status = 200, body = NotificationView), (status = 404, body = Problem)))]
async fn mark_read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<NotificationView>> {
    let n = svc::mark_read(s.store(), &caller.person, &NotificationId::from_string(id)).await?;
    let mut views = read::views(s.store(), vec![n]).await?;
    Ok(Json(views.remove(0)))
}

/// Mark all your notifications read; answers the unread count (zero, unless some arrived since).
#[utoipa::path(post, path = "/me/notifications/read-all", tag = "notifications",
    responses((status = 200, body = UnreadCount)))]
async fn mark_all_read(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<UnreadCount>> {
    svc::mark_all_read(s.store(), &caller.person).await?;
    let unread = read::unread(s.store(), &caller.person).await?;
    Ok(Json(UnreadCount { unread }))
}
