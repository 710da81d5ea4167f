//! Routes for the caller's own notification preferences: how each kind of news reaches them
//! (`email`, `in_app`, `digest_only`; the digest `email` or `off`).

use crate::auth::Caller;
use crate::digest::preferences::{self as prefs, NotificationPreferences};
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(own_preferences, set_own_preferences))
}

/// Your notification preferences, every kind of news resolved (your choice, else the
/// organisation's default).
#[utoipa::path(get, path = "/me/notification-preferences", tag = "notifications",
    responses((status = 200, body = NotificationPreferences)))]
async fn own_preferences(
    State(s): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<NotificationPreferences>> {
    Ok(Json(prefs::own(s.store(), &caller).await?))
}

/// Change your notification preferences: the kinds given are set, the others kept. A value a
/// kind does not allow answers 422 naming it, and nothing is saved.
#[utoipa::path(put, path = "/me/notification-preferences", tag = "notifications",
    request_body = NotificationPreferences,
    responses((status = 200, body = NotificationPreferences), (status = 422, body = Problem)))]
async fn set_own_preferences(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(change): ApiJson<NotificationPreferences>,
) -> ApiResult<Json<NotificationPreferences>> {
    Ok(Json(prefs::set_own(s.store(), &caller, &change).await?))
}
