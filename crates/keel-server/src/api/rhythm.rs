//! Routes for the owner's rhythm: what is due, status overrides, team cadences, scores,
//! retrospectives, closing and re-opening cycles, and the calibration report. Thin: each parses,
//! calls `services::rhythm` or `services::scoring`, and renders.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::read::calibration::{self, CalibrationReport};
use crate::read::views::{self, KeyResultView, ListOf, ObjectiveView};
use crate::services::rhythm::{
    self as svc, DueCheckIn, SetStatusOverride, SetTeamCadence, TeamCadence,
};
use crate::services::scoring::{self, NewScore, RetrospectiveInput};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use keel_domain::rhythm::Retrospective;
use keel_domain::*;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(due_check_ins))
        .routes(routes!(set_status_override, clear_status_override))
        .routes(routes!(get_team_cadence, set_team_cadence))
        .routes(routes!(score_key_result))
        .routes(routes!(get_retrospective, put_retrospective))
        .routes(routes!(close_cycle))
        .routes(routes!(reopen_cycle))
        .routes(routes!(calibration))
}

/// The key results this person owns whose check-in is due, longest silent first ("My week",
/// reminders). Drafts and closed OKRs are never due; OKRs the reader may not see are left out.
#[utoipa::path(get, path = "/people/{id}/due", tag = "check-ins", params(("id" = String, Path)),
    responses((status = 200, body = ListOf<DueCheckIn>), (status = 404, body = Problem)))]
async fn due_check_ins(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ListOf<DueCheckIn>>> {
    let items = svc::due_for(
        s.store(),
        &crate::services::visibility::Viewer::of(&caller.person),
        &PersonId::from_string(id),
    )
    .await?;
    Ok(Json(ListOf {
        items,
        next_cursor: None,
    }))
}

/// Override the objective's derived status with a reason (its owner or an administrator).
#[utoipa::path(put, path = "/objectives/{id}/status", tag = "objectives", params(("id" = String, Path)), request_body = SetStatusOverride,
    responses((status = 200, body = ObjectiveView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn set_status_override(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SetStatusOverride>,
) -> ApiResult<Json<ObjectiveView>> {
    let o = svc::set_status_override(
        s.store(),
        &caller,
        &ObjectiveId::from_string(id),
        Some(input),
    )
    .await?;
    let view = views::objective(s.store(), o).await?;
    Ok(Json(
        super::okrs::one_for_reader(s.store(), &caller, view).await?,
    ))
}

/// Clear the override: the objective takes the worst status of its key results again.
#[utoipa::path(delete, path = "/objectives/{id}/status", tag = "objectives", params(("id" = String, Path)),
    responses((status = 200, body = ObjectiveView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn clear_status_override(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ObjectiveView>> {
    let o =
        svc::set_status_override(s.store(), &caller, &ObjectiveId::from_string(id), None).await?;
    let view = views::objective(s.store(), o).await?;
    Ok(Json(
        super::okrs::one_for_reader(s.store(), &caller, view).await?,
    ))
}

/// The team's check-in cadence (its own, else the organisation's).
#[utoipa::path(get, path = "/teams/{id}/cadence", tag = "teams", params(("id" = String, Path)),
    responses((status = 200, body = TeamCadence), (status = 404, body = Problem)))]
async fn get_team_cadence(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<TeamCadence>> {
    Ok(Json(
        svc::team_cadence(s.store(), &TeamId::from_string(id)).await?,
    ))
}

/// Set the team's own check-in cadence in days (null to follow the organisation's).
#[utoipa::path(put, path = "/teams/{id}/cadence", tag = "teams", params(("id" = String, Path)), request_body = SetTeamCadence,
    responses((status = 200, body = TeamCadence), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_team_cadence(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SetTeamCadence>,
) -> ApiResult<Json<TeamCadence>> {
    Ok(Json(
        svc::set_team_cadence(s.store(), &caller, &TeamId::from_string(id), input).await?,
    ))
}

/// Score a key result at the end of its cycle: 0.0 to 1.0, with a reason; `suggested_score`
/// shows what its attainment suggests. The objective's score is the weighted mean.
#[utoipa::path(post, path = "/key-results/{id}/score", tag = "scoring", params(("id" = String, Path)), request_body = NewScore,
    responses((status = 200, body = KeyResultView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the cycle is closed"), (status = 422, body = Problem)))]
async fn score_key_result(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewScore>,
) -> ApiResult<Json<KeyResultView>> {
    let kr =
        scoring::score_key_result(s.store(), &caller, &KeyResultId::from_string(id), input).await?;
    Ok(Json(views::key_result(s.store(), kr).await?))
}

/// The objective's retrospective.
#[utoipa::path(get, path = "/objectives/{id}/retrospective", tag = "scoring", params(("id" = String, Path)),
    responses((status = 200, body = Retrospective), (status = 404, body = Problem)))]
async fn get_retrospective(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Retrospective>> {
    Ok(Json(
        scoring::get_retrospective(s.store(), &caller, &ObjectiveId::from_string(id)).await?,
    ))
}

/// Write the objective's retrospective: what worked, what did not, and whether to carry it
/// over (a draft in the next cycle, linked to this one; `carried_over_to` names it).
#[utoipa::path(put, path = "/objectives/{id}/retrospective", tag = "scoring", params(("id" = String, Path)), request_body = RetrospectiveInput,
    responses((status = 200, body = Retrospective), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "no next cycle to carry over to"), (status = 422, body = Problem)))]
async fn put_retrospective(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RetrospectiveInput>,
) -> ApiResult<Json<Retrospective>> {
    Ok(Json(
        scoring::put_retrospective(s.store(), &caller, &ObjectiveId::from_string(id), input)
            .await?,
    ))
}

/// Close a cycle: its OKRs are locked, further check-ins and edits answer 409 (administrators
/// and champions).
#[utoipa::path(post, path = "/cycles/{id}/close", tag = "cycles", params(("id" = String, Path)),
    responses((status = 200, body = Cycle), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn close_cycle(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Cycle>> {
    Ok(Json(
        scoring::close_cycle(s.store(), &caller, &CycleId::from_string(id)).await?,
    ))
}

/// Re-open a closed cycle (administrators only; audited).
#[utoipa::path(post, path = "/cycles/{id}/reopen", tag = "cycles", params(("id" = String, Path)),
    responses((status = 200, body = Cycle), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn reopen_cycle(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Cycle>> {
    Ok(Json(
        scoring::reopen_cycle(s.store(), &caller, &CycleId::from_string(id)).await?,
    ))
}

/// For a closed cycle: each owner's and team's confidence along the way against the final
/// scores (over- or under-confident).
#[utoipa::path(get, path = "/cycles/{id}/calibration", tag = "scoring", params(("id" = String, Path)),
    responses((status = 200, body = CalibrationReport), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the cycle is not closed")))]
async fn calibration(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CalibrationReport>> {
    Ok(Json(
        calibration::calibration(s.store(), &caller, &CycleId::from_string(id)).await?,
    ))
}
