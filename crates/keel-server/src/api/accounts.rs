//! Passwords over the JSON API: changing your own (the current one required) and an
//! administrator's reset (a chosen or generated temporary password; the person's sessions end).

use crate::auth::password;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use keel_domain::PersonId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_my_password))
        .routes(routes!(reset_password))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters.
    pub new_password: String,
}

/// Change your password. Your browser sessions other than this request's end.
#[utoipa::path(put, path = "/me/password", tag = "accounts", request_body = PasswordChange,
    responses((status = 204), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn change_my_password(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    password::change_own(
        s.store(),
        &s.auth,
        &caller,
        &input.current_password,
        &input.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The temporary password; omit it to have one generated.
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetDone {
    /// The generated password (shown once), or null when you chose it.
    pub password: Option<String>,
    /// How many of the person's sessions ended.
    pub sessions_ended: u64,
}

/// Reset someone's password (administrators): every session of theirs ends and any sign-in
/// lockout on their email is lifted.
#[utoipa::path(post, path = "/people/{id}/password", tag = "accounts", params(("id" = String, Path)),
    request_body = PasswordReset,
    responses((status = 200, body = PasswordResetDone), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn reset_password(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PasswordReset>,
) -> ApiResult<Json<PasswordResetDone>> {
    let reset = password::admin_reset(
        s.store(),
        &s.auth,
        &caller,
        &PersonId::from_string(id),
        input.password.as_deref(),
    )
    .await?;
    Ok(Json(PasswordResetDone {
        password: reset.generated,
        sessions_ended: reset.sessions_ended,
    }))
}
