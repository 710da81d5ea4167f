//! The reports for HR, team leads and analysts over HTTP: thin routes over the read models in
//! `read/` (the same ones the report pages show), as JSON pages or a streamed CSV.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{page_request, ApiQuery};
use crate::read::calibration::{self, TeamCalibrationParams, TeamCalibrationReport};
use crate::read::compliance::{self, ComplianceParams, ComplianceReport};
use crate::read::financial::{self, FinancialParams, FinancialReport};
use crate::read::participation::{self, ParticipationParams, ParticipationReport};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(participation_report))
        .routes(routes!(financial_report))
        .routes(routes!(calibration_report))
        .routes(routes!(compliance_report))
}

/// Whether the client asked for CSV (`format=csv`, or `Accept: text/csv` without a format);
/// 422 on `format` for anything but `json` or `csv`.
pub fn wants_csv(format: Option<&str>, headers: &HeaderMap) -> ApiResult<bool> {
    match format.map(str::trim) {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        None | Some("") => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"))),
        Some(_) => Err(ApiError::invalid("format", "must be json or csv")),
    }
}

/// The gaps a participation list narrows to (the values of `gap`; the handler reads the text
/// itself so that a wrong value is a 422 naming the field).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum GapName {
    WithoutOkrs,
    WithoutCheckIn,
    Overloaded,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ParticipationQuery {
    /// The cycle (the current one when absent).
    cycle_id: Option<String>,
    /// Only the members of this team and of the teams below it.
    team_id: Option<String>,
    /// Only the people with this gap: `without_okrs` (own, co-own and contribute to nothing in
    /// the cycle), `without_check_in` (own a key result under way, accepted and its objective no
    /// longer a draft, and gave no check-in this cycle) or
    /// `overloaded` (own more than the overload threshold).
    #[param(value_type = Option<GapName>, inline)]
    gap: Option<String>,
    /// `json` (default) or `csv` (the whole selection, every page, streamed); `Accept: text/csv`
    /// also selects CSV.
    #[param(value_type = Option<super::audit::ExportFormat>, inline)]
    format: Option<String>,
    /// How many people per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// People's participation in a cycle: who owns, co-owns or contributes to nothing, which key
/// result owners gave no check-in, and each person's ownership load; with the totals over
/// everyone covered. For administrators, champions, analysts and HR (everyone) and team leads
/// (the members of the teams they lead); only OKRs the reader may see count.
#[utoipa::path(get, path = "/reports/participation", tag = "reports", params(ParticipationQuery),
    responses((status = 200, description = "A page of people with the totals, or the whole selection as CSV",
            content((ParticipationReport = "application/json"), (String = "text/csv"))),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn participation_report(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ParticipationQuery>,
) -> ApiResult<Response> {
    let params = ParticipationParams {
        cycle_id: q.cycle_id,
        team_id: q.team_id,
        gap: q.gap,
    };
    // Permission first: a refused reader learns nothing from a 422.
    participation::reach(s.store(), &caller).await?;
    let csv = wants_csv(q.format.as_deref(), &headers)?;
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let Some(prepared) = participation::prepare(s.store(), &caller, &params).await? else {
        return Err(ApiError::invalid(
            "cycle_id",
            "there is no cycle yet: an administrator or champion creates one first",
        ));
    };
    if csv {
        return Ok(participation::csv_export(s.store.clone(), prepared.query));
    }
    Ok(Json(participation::page(s.store(), &prepared, &page).await?).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FinancialQuery {
    /// The cycle (the current one when absent).
    cycle_id: Option<String>,
    /// Only key results shared with this team or a team below it.
    team_id: Option<String>,
    /// `json` (default) or `csv` (every key result, streamed); `Accept: text/csv` also selects
    /// CSV.
    #[param(value_type = Option<super::audit::ExportFormat>, inline)]
    format: Option<String>,
    /// How many key results per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The key results tagged financial in a cycle, with start, target, current value, progress
/// and status, and their figures summed per team and currency (the unit as written: figures
/// in different units are never added up). For finance, administrators and champions; only
/// key results the reader may see are listed or summed.
#[utoipa::path(get, path = "/reports/financial", tag = "reports", params(FinancialQuery),
    responses((status = 200, description = "A page of key results with the totals, or every key result as CSV",
            content((FinancialReport = "application/json"), (String = "text/csv"))),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn financial_report(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<FinancialQuery>,
) -> ApiResult<Response> {
    crate::access::read_financial_report(&caller.person)?;
    let csv = wants_csv(q.format.as_deref(), &headers)?;
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let params = FinancialParams {
        cycle_id: q.cycle_id,
        team_id: q.team_id,
    };
    let Some(prepared) = financial::prepare(s.store(), &caller, &params).await? else {
        return Err(ApiError::invalid(
            "cycle_id",
            "there is no cycle yet: an administrator or champion creates one first",
        ));
    };
    if csv {
        return Ok(financial::csv_export(s.store.clone(), prepared.query));
    }
    Ok(Json(financial::page(s.store(), &prepared, &page).await?).into_response())
}

/// How the calibration report is broken down (only by team over this route; a person's own
/// line is `GET /cycles/{id}/calibration`'s).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum CalibrationBy {
    Team,
    Person,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalibrationQuery {
    /// The closed cycle (the one that ended last when absent).
    cycle_id: Option<String>,
    /// Only this team's line.
    team_id: Option<String>,
    /// `team` (the default: teams by name) or `person` (each person's own readings, the worst
    /// calibrated first; for administrators, champions, analysts and HR, whatever `team_id` says).
    #[param(value_type = Option<CalibrationBy>, inline)]
    by: Option<String>,
    /// `json` (default) or `csv` (every team, streamed); `Accept: text/csv` also selects CSV.
    #[param(value_type = Option<super::audit::ExportFormat>, inline)]
    format: Option<String>,
    /// How many lines per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Confidence calibration by team in a closed cycle: each team's key results, their last
/// confidence before the close against whether they succeeded, scored with the Brier score
/// (the rule of `GET /cycles/{id}/calibration`'s teams). For administrators, champions, analysts
/// and HR (every team) and team leads (the teams they lead and those below them); only OKRs the
/// reader may see count.
#[utoipa::path(get, path = "/reports/calibration", tag = "reports", params(CalibrationQuery),
    responses((status = 200, description = "A page of teams, or every team as CSV",
            content((TeamCalibrationReport = "application/json"), (String = "text/csv"))),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn calibration_report(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<CalibrationQuery>,
) -> ApiResult<Response> {
    // Permission first: a refused reader learns nothing from a 422.
    crate::read::participation::reach(s.store(), &caller).await?;
    let people = match q.by.as_deref().map(str::trim) {
        None | Some("") | Some("team") => false,
        Some("person") => {
            crate::access::read_calibration(&caller.person)?;
            true
        }
        Some(_) => return Err(ApiError::invalid("by", "must be team or person")),
    };
    let csv = wants_csv(q.format.as_deref(), &headers)?;
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let params = TeamCalibrationParams {
        cycle_id: q.cycle_id,
        team_id: q.team_id,
    };
    let Some(report) = calibration::by_team(s.store(), &caller, &params).await? else {
        return Err(ApiError::invalid(
            "cycle_id",
            "no cycle is closed yet: calibration compares confidence with final scores",
        ));
    };
    if csv {
        let query = if people {
            report.people_query()
        } else {
            report.query
        };
        return Ok(calibration::csv_export(s.store.clone(), Some(query)));
    }
    Ok(Json(calibration::team_page(s.store(), &report, people, &page).await?).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// The cycle (the current one when absent).
    cycle_id: Option<String>,
    /// Only this team (or department) and the teams below it.
    team_id: Option<String>,
    /// How many check-in weeks, ending with the cycle's last week so far (1–52; 13 when
    /// absent; fewer when the cycle has fewer so far).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 52)]
    weeks: Option<String>,
    /// `json` (default) or `csv` (every team, a record per team and week); `Accept: text/csv`
    /// also selects CSV.
    #[param(value_type = Option<super::audit::ExportFormat>, inline)]
    format: Option<String>,
    /// How many teams per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Check-in compliance by team over weeks: for each team, each check-in week of the cycle
/// (starting on the organisation's check-in day), how many of its key results owed their
/// owner's check-in and how many got it, by each key result's team cadence (a fortnightly key
/// result owes one every other week; drafts, owners yet to accept, key results not yet active
/// and closed or scored ones owe none). A key result counts for the teams it is shared with,
/// else its objective's. The totals sum every team's line (every page). For administrators,
/// champions, analysts and HR (every team) and team leads (the teams they lead and those below
/// them); only OKRs the reader may see count.
#[utoipa::path(get, path = "/reports/compliance", tag = "reports", params(ComplianceQuery),
    responses((status = 200, description = "A page of teams with the totals, or every team and week as CSV",
            content((ComplianceReport = "application/json"), (String = "text/csv"))),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn compliance_report(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> ApiResult<Response> {
    // Permission first: a refused reader learns nothing from a 422.
    crate::read::participation::reach(s.store(), &caller).await?;
    let csv = wants_csv(q.format.as_deref(), &headers)?;
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let params = ComplianceParams {
        cycle_id: q.cycle_id,
        team_id: q.team_id,
        weeks: q.weeks,
    };
    let cut = if csv {
        compliance::Cut::Whole
    } else {
        compliance::Cut::Page(&page)
    };
    let Some(report) = compliance::compute(s.store(), &caller, &params, cut).await? else {
        return Err(ApiError::invalid(
            "cycle_id",
            "there is no cycle yet: an administrator or champion creates one first",
        ));
    };
    if csv {
        return Ok(compliance::csv_export(&report.lines));
    }
    Ok(Json(compliance::page(report)).into_response())
}
