//! Routes for objectives, key results, check-ins and initiatives.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem, Refusals};
use crate::extract::{etag, page_request, ApiJson, ApiQuery, IfMatch};
use crate::read::views::{self, InitiativeView, KeyResultView, ListOf, ObjectiveView};
use crate::services::check_ins::{self, CheckInCorrection, NewCheckIn};
use crate::services::guards;
use crate::services::okrs::{self as svc, *};
use crate::services::visibility::Viewer;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use keel_domain::*;
use keel_store::CheckIns;
use keel_store::ObjectiveFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_objective, list_objectives))
        .routes(routes!(get_objective, patch_objective, delete_objective))
        .routes(routes!(create_key_result))
        .routes(routes!(get_key_result, patch_key_result, delete_key_result))
        .routes(routes!(create_check_in, list_check_ins))
        .routes(routes!(correct_check_in))
        .routes(routes!(withdraw_check_in))
        .routes(routes!(create_initiative, list_initiatives))
        .routes(routes!(patch_initiative))
}

/// The objectives as `caller` may read them: parents they may not see are left out, so that a
/// private objective's id never shows through a public child (issue 13).
pub(crate) async fn for_reader(
    store: &dyn keel_store::Store,
    caller: &Caller,
    mut views: Vec<ObjectiveView>,
) -> ApiResult<Vec<ObjectiveView>> {
    Viewer::of(&caller.person)
        .retain_parents(
            store,
            views
                .iter_mut()
                .map(|v| (&mut v.parent_ids, &mut v.parents))
                .collect(),
        )
        .await?;
    Ok(views)
}

/// One objective as `caller` may read it (see [`for_reader`]).
pub(crate) async fn one_for_reader(
    store: &dyn keel_store::Store,
    caller: &Caller,
    view: ObjectiveView,
) -> ApiResult<ObjectiveView> {
    Ok(for_reader(store, caller, vec![view]).await?.remove(0))
}

/// A key result's view with what it contributes to, as `caller` may read it.
async fn with_parents(
    store: &dyn keel_store::Store,
    caller: &Caller,
    mut view: KeyResultView,
) -> ApiResult<KeyResultView> {
    let parents = crate::services::alignment::key_result_parents(
        store,
        &Viewer::of(&caller.person),
        &view.id,
    )
    .await?;
    view.parent_ids = Some(parents.iter().map(|p| p.id().to_string()).collect());
    view.parents = Some(parents);
    view.blocked_by = Some(
        crate::read::dependencies::blocked_by(store, &Viewer::of(&caller.person), &view.id).await?,
    );
    Ok(view)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ObjectivesQuery {
    /// Objectives of this cycle.
    cycle_id: Option<String>,
    /// Objectives shared with this team.
    team_id: Option<String>,
    owner_id: Option<String>,
    /// `committed` or `aspirational`.
    kind: Option<String>,
    /// `draft`, `active` or `closed`.
    state: Option<String>,
    /// `created` (the default: oldest first), `title`, `owner` (by the owner's name), `status`
    /// (the worst first: off track, at risk, stale, on track, not started, awaiting an owner,
    /// draft, closed) or `progress` (the least first); ties by id. Status and progress order by
    /// what the hourly evaluation last worked out (objectives created since come last; each item
    /// shows its status now), and are refused with `as_of`. Each order pages stably: the cursor
    /// carries the sort key and the id.
    sort: Option<String>,
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Read them as they stood at the end of this day (`YYYY-MM-DD`, the organisation's time
    /// zone); absent for now.
    #[param(value_type = Option<chrono::NaiveDate>)]
    as_of: Option<String>,
}

/// Reading the past: status as of a day.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// Read it as it stood at the end of this day (`YYYY-MM-DD`, in the organisation's time
    /// zone): its value, status and forecast from the check-ins up to then. Today or earlier;
    /// absent for now.
    #[param(value_type = Option<chrono::NaiveDate>)]
    as_of: Option<String>,
}

/// Create an objective, and with it any key results in `key_results`: all or nothing (a refused
/// key result is named by its place, as `key_results[2].target`, and nothing is written).
/// Every refusal is reported at once: the problem document's `errors` lists each field.
/// Naming someone else as owner leaves the ownership pending until they accept; naming
/// yourself (or nobody) is accepted at once, so `state: active` works when every owner is you.
#[utoipa::path(post, path = "/objectives", tag = "objectives", request_body = NewObjective,
    responses((status = 201, body = ObjectiveView, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_objective(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NewObjective>,
) -> Result<impl IntoResponse, Refusals> {
    let (o, _) = svc::create_objective_with_key_results(s.store(), &caller, input)
        .await
        .map_err(Refusals)?;
    let view = one_for_reader(s.store(), &caller, views::objective(s.store(), o).await?).await?;
    Ok((StatusCode::CREATED, etag(view.version), Json(view)))
}

/// List the objectives you may see, with their key results, owners and progress.
#[utoipa::path(get, path = "/objectives", tag = "objectives", params(ObjectivesQuery),
    responses((status = 200, body = ListOf<ObjectiveView>)))]
async fn list_objectives(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ObjectivesQuery>,
) -> ApiResult<Json<ListOf<ObjectiveView>>> {
    let filter = ObjectiveFilter {
        reader: keel_store::Reader::of(Viewer::of(&caller.person).audience()),
        cycle_id: q
            .cycle_id
            .filter(|v| !v.is_empty())
            .map(CycleId::from_string),
        team_id: q.team_id.filter(|v| !v.is_empty()).map(TeamId::from_string),
        owner_id: q
            .owner_id
            .filter(|v| !v.is_empty())
            .map(PersonId::from_string),
        kind: crate::read::objectives_list::kind(q.kind.as_deref())?,
        state: crate::read::objectives_list::state(q.state.as_deref())?,
        order: keel_store::ObjectiveOrder::Id,
    };
    let order = crate::read::objectives_list::order(q.sort.as_deref())?;
    let at = crate::services::rhythm::as_of_moment(s.store(), q.as_of.as_deref()).await?;
    let page = crate::read::objectives_list::page(
        s.store(),
        filter,
        order,
        &page_request(q.limit.as_deref(), q.cursor.as_deref())?,
        at,
    )
    .await?;
    Ok(Json(ListOf {
        items: for_reader(s.store(), &caller, page.items).await?,
        next_cursor: page.next_cursor,
    }))
}

/// One objective with its key results (as of a past day with `as_of`).
#[utoipa::path(get, path = "/objectives/{id}", tag = "objectives", params(("id" = String, Path), AsOfQuery),
    responses((status = 200, body = ObjectiveView, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 404, body = Problem)))]
async fn get_objective(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> ApiResult<impl IntoResponse> {
    let o = guards::get_objective(
        s.store(),
        &Viewer::of(&caller.person),
        &ObjectiveId::from_string(id),
    )
    .await?;
    let at = crate::services::rhythm::as_of_moment(s.store(), q.as_of.as_deref()).await?;
    let view = views::objective_as_of(s.store(), o, at).await?;
    let view = one_for_reader(s.store(), &caller, view).await?;
    Ok((etag(view.version), Json(view)))
}

/// Change an objective (its owner or sponsor, administrators, champions). Changing `owner_id`
/// to someone else makes the ownership pending until they accept.
#[utoipa::path(patch, path = "/objectives/{id}", tag = "objectives", params(("id" = String, Path), IfMatch), request_body = ObjectivePatch,
    responses((status = 200, body = ObjectiveView, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn patch_objective(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(patch): ApiJson<ObjectivePatch>,
) -> ApiResult<impl IntoResponse> {
    let o = svc::patch_objective(
        s.store(),
        &caller,
        &ObjectiveId::from_string(id),
        if_match,
        patch,
    )
    .await?;
    let view = one_for_reader(s.store(), &caller, views::objective(s.store(), o).await?).await?;
    Ok((etag(view.version), Json(view)))
}

/// Delete an objective and its key results (their history stays in the audit log).
#[utoipa::path(delete, path = "/objectives/{id}", tag = "objectives", params(("id" = String, Path), IfMatch),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem)))]
async fn delete_objective(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> ApiResult<StatusCode> {
    svc::delete_objective(s.store(), &caller, &ObjectiveId::from_string(id), if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a key result to an objective (the objective's owner or sponsor, administrators, champions).
#[utoipa::path(post, path = "/objectives/{id}/key-results", tag = "key-results", params(("id" = String, Path)), request_body = NewKeyResult,
    responses((status = 201, body = KeyResultView, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_key_result(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewKeyResult>,
) -> ApiResult<impl IntoResponse> {
    let kr =
        svc::create_key_result(s.store(), &caller, &ObjectiveId::from_string(id), input).await?;
    let view = with_parents(s.store(), &caller, views::key_result(s.store(), kr).await?).await?;
    Ok((StatusCode::CREATED, etag(view.version), Json(view)))
}

/// One key result (as of a past day with `as_of`).
#[utoipa::path(get, path = "/key-results/{id}", tag = "key-results", params(("id" = String, Path), AsOfQuery),
    responses((status = 200, body = KeyResultView, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 404, body = Problem)))]
async fn get_key_result(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> ApiResult<impl IntoResponse> {
    let (kr, _) = guards::get_key_result(
        s.store(),
        &Viewer::of(&caller.person),
        &KeyResultId::from_string(id),
    )
    .await?;
    let at = crate::services::rhythm::as_of_moment(s.store(), q.as_of.as_deref()).await?;
    let view = with_parents(
        s.store(),
        &caller,
        views::key_result_as_of(s.store(), kr, at).await?,
    )
    .await?;
    Ok((etag(view.version), Json(view)))
}

/// Change a key result.
#[utoipa::path(patch, path = "/key-results/{id}", tag = "key-results", params(("id" = String, Path), IfMatch), request_body = KeyResultPatch,
    responses((status = 200, body = KeyResultView, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn patch_key_result(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(patch): ApiJson<KeyResultPatch>,
) -> ApiResult<impl IntoResponse> {
    let kr = svc::patch_key_result(
        s.store(),
        &caller,
        &KeyResultId::from_string(id),
        if_match,
        patch,
    )
    .await?;
    let view = with_parents(s.store(), &caller, views::key_result(s.store(), kr).await?).await?;
    Ok((etag(view.version), Json(view)))
}

/// Delete a key result (its history stays in the audit log).
#[utoipa::path(delete, path = "/key-results/{id}", tag = "key-results", params(("id" = String, Path), IfMatch),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem)))]
async fn delete_key_result(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> ApiResult<StatusCode> {
    svc::delete_key_result(s.store(), &caller, &KeyResultId::from_string(id), if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A recorded check-in and the key result it moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInCreated {
    pub check_in: CheckIn,
    pub key_result: KeyResultView,
}

/// Check in on a key result: its new value, your confidence and a note. History is kept: a
/// mistyped check-in is corrected or withdrawn by its author, never edited away.
#[utoipa::path(post, path = "/key-results/{id}/check-ins", tag = "check-ins", params(("id" = String, Path)), request_body = NewCheckIn,
    responses((status = 201, body = CheckInCreated), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the OKR is closed"), (status = 422, body = Problem)))]
async fn create_check_in(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewCheckIn>,
) -> ApiResult<impl IntoResponse> {
    let (check_in, context) =
        check_ins::check_in(s.store(), &caller, &KeyResultId::from_string(id), input).await?;
    let key_result = views::key_result_in_context(s.store(), context).await?;
    Ok((
        StatusCode::CREATED,
        Json(CheckInCreated {
            check_in,
            key_result,
        }),
    ))
}

/// A corrected or withdrawn check-in and the key result as it now stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInRetracted {
    /// The correction (a new check-in that `corrects` the original), or the withdrawn original.
    pub check_in: CheckIn,
    pub key_result: KeyResultView,
}

/// Correct your own check-in: its value, confidence or note. The original stays in the history,
/// marked corrected; the key result, its status and forecast follow the correction. If-Match,
/// when sent, is the key result's ETag.
#[utoipa::path(patch, path = "/key-results/{id}/check-ins/{check_in_id}", tag = "check-ins",
    params(("id" = String, Path), ("check_in_id" = String, Path), IfMatch), request_body = CheckInCorrection,
    responses((status = 200, body = CheckInRetracted, headers(("ETag" = String, description = "The key result's version; send it back in If-Match"))),
        (status = 403, body = Problem, description = "not your check-in"), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the OKR is closed, or the check-in was already corrected or withdrawn"),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn correct_check_in(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, check_in_id)): Path<(String, String)>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<CheckInCorrection>,
) -> ApiResult<impl IntoResponse> {
    retracted(&s, &caller, id, check_in_id, if_match, Some(input)).await
}

/// Withdraw your own check-in: it stays in the history, marked withdrawn, and counts for
/// nothing; the key result returns to its latest standing check-in. If-Match, when sent, is the
/// key result's ETag.
#[utoipa::path(post, path = "/key-results/{id}/check-ins/{check_in_id}/withdraw", tag = "check-ins",
    params(("id" = String, Path), ("check_in_id" = String, Path), IfMatch),
    responses((status = 200, body = CheckInRetracted, headers(("ETag" = String, description = "The key result's version; send it back in If-Match"))),
        (status = 403, body = Problem, description = "not your check-in"), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the OKR is closed, or the check-in was already corrected or withdrawn"),
        (status = 412, body = Problem)))]
async fn withdraw_check_in(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, check_in_id)): Path<(String, String)>,
    if_match: IfMatch,
) -> ApiResult<impl IntoResponse> {
    retracted(&s, &caller, id, check_in_id, if_match, None).await
}

async fn retracted(
    s: &AppState,
    caller: &Caller,
    id: String,
    check_in_id: String,
    if_match: IfMatch,
    correction: Option<CheckInCorrection>,
) -> ApiResult<impl IntoResponse> {
    let (check_in, kr, objective, cycle) = check_ins::retract(
        s.store(),
        caller,
        &KeyResultId::from_string(id),
        &CheckInId::from_string(check_in_id),
        if_match,
        correction,
    )
    .await?;
    let key_result = views::key_result_in_cycle(s.store(), kr, &objective, cycle).await?;
    Ok((
        etag(key_result.version),
        Json(CheckInRetracted {
            check_in,
            key_result,
        }),
    ))
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

/// The check-in history of a key result, newest first: corrected and withdrawn check-ins
/// included, marked `retracted` (who and when); a correction names the check-in it `corrects`.
#[utoipa::path(get, path = "/key-results/{id}/check-ins", tag = "check-ins", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ListOf<CheckIn>), (status = 404, body = Problem)))]
async fn list_check_ins(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListOf<CheckIn>>> {
    let (kr, _) = guards::get_key_result(
        s.store(),
        &Viewer::of(&caller.person),
        &KeyResultId::from_string(id),
    )
    .await?;
    let page = s
        .store()
        .list_check_ins(
            &kr.id,
            &page_request(q.limit.as_deref(), q.cursor.as_deref())?,
        )
        .await?;
    Ok(Json(ListOf {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Propose an initiative under a key result.
#[utoipa::path(post, path = "/key-results/{id}/initiatives", tag = "initiatives", params(("id" = String, Path)), request_body = NewInitiative,
    responses((status = 201, body = InitiativeView, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_initiative(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewInitiative>,
) -> ApiResult<impl IntoResponse> {
    let (i, kr) =
        svc::create_initiative(s.store(), &caller, &KeyResultId::from_string(id), input).await?;
    let i = views::initiative(i, &kr);
    Ok((StatusCode::CREATED, etag(i.initiative.version), Json(i)))
}

/// The initiatives of a key result (all of them: one page), each with how long it has been
/// active (`active_since`, `active_days`) and whether the key result moved since
/// (`value_at_activation`, `key_result_change`, `key_result_moved`).
#[utoipa::path(get, path = "/key-results/{id}/initiatives", tag = "initiatives", params(("id" = String, Path)),
    responses((status = 200, body = ListOf<InitiativeView>), (status = 404, body = Problem)))]
async fn list_initiatives(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ListOf<InitiativeView>>> {
    let (items, kr) =
        svc::list_initiatives(s.store(), &caller, &KeyResultId::from_string(id)).await?;
    let items = items
        .into_iter()
        .map(|i| views::initiative(i, &kr))
        .collect();
    Ok(Json(ListOf {
        items,
        next_cursor: None,
    }))
}

/// Change an initiative: drop it (a reason is required), mark it done, rename, reassign.
#[utoipa::path(patch, path = "/initiatives/{id}", tag = "initiatives", params(("id" = String, Path), IfMatch), request_body = InitiativePatch,
    responses((status = 200, body = InitiativeView, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn patch_initiative(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(patch): ApiJson<InitiativePatch>,
) -> ApiResult<impl IntoResponse> {
    let i = svc::patch_initiative(
        s.store(),
        &caller,
        &InitiativeId::from_string(id),
        if_match,
        patch,
    )
    .await?;
    let i = views::initiative(i.0, &i.1);
    Ok((etag(i.initiative.version), Json(i)))
}
