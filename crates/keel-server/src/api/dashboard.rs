//! `GET /dashboard`, `GET /teams/{id}/dashboard` and `GET /dashboard/key-results`: the company's
//! and a team's dashboard figures, and the key results behind any of them (a heatmap cell, a
//! status, the movers), the same read model as the `/dashboard` pages.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{page_request, ApiQuery};
use crate::read::dashboard::{self, CellKeyResult, Dashboard};
use crate::read::views::ListOf;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use keel_store::KeyResultCell;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(company_dashboard))
        .routes(routes!(team_dashboard))
        .routes(routes!(dashboard_key_results))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardParams {
    /// The cycle; the current one when absent.
    cycle_id: Option<String>,
}

/// The company dashboard: the objectives at the top of the goal tree (the first eight, and how
/// many there are), key results by status and by department × status, the key results whose
/// status changed since a week ago, and the owners' median confidence week by week. Only what
/// you may see is counted; the figures are as the hourly evaluator counted them
/// (`figures_as_of`), plus the OKRs not everyone may see that you are in, counted now.
#[utoipa::path(get, path = "/dashboard", tag = "dashboards", params(DashboardParams),
    responses((status = 200, body = Dashboard), (status = 422, body = Problem, description = "an unknown cycle")))]
async fn company_dashboard(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DashboardParams>,
) -> ApiResult<Json<Dashboard>> {
    let scoped = dashboard::scoped(s.store(), &caller, q.cycle_id.as_deref(), None).await?;
    Ok(Json(dashboard::dashboard(s.store(), &scoped).await?))
}

/// A team's dashboard: the key results shared with the team or a team below it (directly or
/// through their objective; each once) by status, what changed since a week ago, the owners'
/// median confidence week by week, and owner check-ins due and done in each of the last six
/// weeks. Only what you may see is counted.
#[utoipa::path(get, path = "/teams/{id}/dashboard", tag = "dashboards", params(("id" = String, Path), DashboardParams),
    responses((status = 200, body = Dashboard), (status = 404, body = Problem, description = "no such team"), (status = 422, body = Problem, description = "an unknown cycle")))]
async fn team_dashboard(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DashboardParams>,
) -> ApiResult<Json<Dashboard>> {
    let scoped = dashboard::scoped(s.store(), &caller, q.cycle_id.as_deref(), Some(&id)).await?;
    Ok(Json(dashboard::dashboard(s.store(), &scoped).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CellParams {
    /// The cycle; the current one when absent.
    cycle_id: Option<String>,
    /// Only key results shared with this team or a team below it (a team dashboard's).
    team_id: Option<String>,
    /// Only key results of this department (a top-level team): a heatmap row.
    department_id: Option<String>,
    /// Only key results with this status: on_track, at_risk, off_track, stale, not_started,
    /// awaiting_owner, draft or closed.
    status: Option<String>,
    /// `true`: only key results whose status changed since a week ago (the movers).
    #[param(value_type = Option<bool>)]
    moved: Option<String>,
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The key results behind a dashboard figure, by id, a page at a time: a heatmap cell
/// (`department_id` and `status`), a status of the mix (`status`), the movers (`moved=true`,
/// with `status` for those that moved to it). Read to the end, the list has as many key
/// results as the dashboard counts.
#[utoipa::path(get, path = "/dashboard/key-results", tag = "dashboards", params(CellParams),
    responses((status = 200, body = ListOf<CellKeyResult>), (status = 422, body = Problem, description = "an unknown cycle, team, department or status; a bad moved, limit or cursor")))]
async fn dashboard_key_results(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<CellParams>,
) -> ApiResult<Json<ListOf<CellKeyResult>>> {
    let store = s.store();
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let status = dashboard::parse_status(q.status.as_deref())?;
    let moved = dashboard::parse_moved(q.moved.as_deref())?;
    let department = dashboard::parse_department(store, q.department_id.as_deref()).await?;
    let team = q.team_id.as_deref().filter(|t| !t.is_empty());
    let scoped = match dashboard::scoped(store, &caller, q.cycle_id.as_deref(), team).await {
        Err(ApiError::NotFound("team")) => Err(ApiError::invalid(
            "team_id",
            format!("no team has the id '{}'", team.unwrap_or_default()),
        )),
        other => other,
    }?;
    let cell = KeyResultCell {
        department_id: department.map(|d| d.id),
        status,
        moved_since: match moved {
            true => Some(dashboard::movers_since(store, &scoped).await?),
            false => None,
        },
    };
    let found = dashboard::cell(store, &scoped, &cell, &page).await?;
    Ok(Json(ListOf {
        items: found.items,
        next_cursor: found.next_cursor,
    }))
}
