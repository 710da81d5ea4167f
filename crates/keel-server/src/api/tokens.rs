//! Routes for the caller's own API tokens: created with the secret shown once, listed without
//! secrets, revoked.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::read::views::ListOf;
use crate::services::tokens;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use keel_domain::*;
use keel_store::Accounts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    /// `read` tokens get 403 on any write. Default: `write`.
    #[serde(default)]
    pub scope: TokenScope,
    /// The last day the token works.
    pub expires_on: Option<chrono::NaiveDate>,
}

/// A new token: the only response that ever contains `token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: ApiToken,
    /// The secret: shown once, stored only as a hash.
    #[serde(rename = "token")]
    pub secret: String,
}

/// Create a personal API token. A read-scoped token cannot create tokens.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_token(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NewToken>,
) -> ApiResult<impl IntoResponse> {
    let (token, secret) = tokens::issue(
        s.store(),
        &caller.write_ctx(),
        &caller.person,
        &input.name,
        input.scope,
        input.expires_on,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
}

/// Your tokens, without secrets, with when each was last used.
#[utoipa::path(get, path = "/tokens", tag = "tokens", responses((status = 200, body = ListOf<ApiToken>)))]
async fn list_tokens(
    State(s): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<ListOf<ApiToken>>> {
    let items = s.store().list_tokens(&caller.person.id).await?;
    Ok(Json(ListOf {
        items,
        next_cursor: None,
    }))
}

/// Revoke one of your tokens: it answers 401 from then on. Revoking it again answers 204 too;
/// someone else's token answers 404, like an unknown one.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
async fn revoke_token(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    tokens::revoke_own(s.store(), &caller, &TokenId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
