//! Invitations over the JSON API: an administrator invites a person to choose their password
//! (`services::accounts`). The link goes by email when Keel can send it; otherwise it is in the
//! answer, once, for the administrator to pass on.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::services::accounts;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use keel_domain::PersonId;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(invite))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationSent {
    /// Whether the invitation was emailed (queued in the outbox).
    pub emailed: bool,
    /// The link to pass on when it was not emailed (shown only in this answer); null when
    /// emailed.
    pub link: Option<String>,
    /// Why it was not emailed, in words; null when emailed.
    pub not_emailed_because: Option<String>,
    /// When the link stops working.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Invite a person to choose their password (administrators): a link that works once, for 7
/// days; their earlier invitation links stop working.
#[utoipa::path(post, path = "/people/{id}/invitation", tag = "accounts",
    params(("id" = String, Path)),
    responses((status = 201, body = InvitationSent), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn invite(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<InvitationSent>)> {
    let inv = accounts::invite(
        s.store(),
        &s.auth,
        &s.mail,
        &caller,
        &PersonId::from_string(id),
        accounts::origin_of(&headers),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitationSent {
            emailed: inv.emailed,
            link: inv.link,
            not_emailed_because: inv.not_sent_because,
            expires_at: inv.expires_at,
        }),
    ))
}
