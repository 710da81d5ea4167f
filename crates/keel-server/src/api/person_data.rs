//! Routes for a person's data: the export of everything about one person and the erasure of a
//! person who left (administrators; `services::person_data` says what each covers).

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::services::person_data::{self as svc, PersonExport};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use keel_domain::*;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_person))
        .routes(routes!(erase_person))
}

/// Everything Keel holds about one person: profile, roles, teams, the OKRs they own, sponsor or
/// contribute to, their check-ins, ownership requests, 1:1s, feedback and recognition given and
/// received, and the audit events they are the actor of (administrators).
#[utoipa::path(get, path = "/people/{id}/export", tag = "people", params(("id" = String, Path)),
    responses((status = 200, body = PersonExport), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn export_person(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<PersonExport>> {
    Ok(Json(
        svc::export(s.store(), &caller, &PersonId::from_string(id)).await?,
    ))
}

/// Erase a person who left: deactivated, renamed to a placeholder ("Former member 3f2a"), their
/// password, sessions, tokens, 1:1s, feedback and recognition removed; the OKR history they
/// took part in stays, attributed to the placeholder. Refused (409) while they own an open OKR
/// (hand it over first) and for yourself. Erasing again changes nothing (administrators).
#[utoipa::path(post, path = "/people/{id}/erase", tag = "people", params(("id" = String, Path)),
    responses((status = 200, body = Person), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "still owns an open OKR, or is yourself")))]
async fn erase_person(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Person>> {
    Ok(Json(
        svc::erase(s.store(), &caller, &PersonId::from_string(id)).await?,
    ))
}
