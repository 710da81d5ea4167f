//! Routes for automation rules (administrators): keeping rules (a trigger, its conditions, an
//! action), enabling and disabling them, and the dry run that says in words what a rule, saved
//! or not, would have done over the last seven days.

use crate::auth::Caller;
use crate::automation::{self as svc, round};
use crate::error::{ApiResult, Problem, Refusals};
use crate::extract::{etag, page_request, ApiJson, ApiQuery, IfMatch};
use crate::read::views::ListOf;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use keel_domain::automation::{AutomationRule, RuleDraft};
use keel_domain::*;
use keel_store::AutomationRules;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_rule, list_rules))
        .routes(routes!(dry_run_draft))
        .routes(routes!(get_rule, update_rule, delete_rule))
        .routes(routes!(dry_run_rule))
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

/// What a rule would have done over the last seven days, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DryRun {
    /// The start of the week looked at.
    pub since: chrono::DateTime<chrono::Utc>,
    pub actions: Vec<round::DryRunLine>,
}

/// Create an automation rule (administrators), audited. Refusals name their field
/// (`trigger.days`, `action.role` …).
#[utoipa::path(post, path = "/automation-rules", tag = "automation", request_body = RuleDraft,
    responses((status = 201, body = AutomationRule, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_rule(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(draft): ApiJson<RuleDraft>,
) -> Result<impl IntoResponse, Refusals> {
    let rule = svc::create(s.store(), &caller, &draft).await?;
    Ok((StatusCode::CREATED, etag(rule.version), Json(rule)))
}

/// The automation rules, oldest first (administrators).
#[utoipa::path(get, path = "/automation-rules", tag = "automation", params(PageQuery),
    responses((status = 200, body = ListOf<AutomationRule>), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_rules(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListOf<AutomationRule>>> {
    svc::may_manage(&caller)?;
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let got = s.store().list_automation_rules(&page).await?;
    Ok(Json(ListOf {
        items: got.items,
        next_cursor: got.next_cursor,
    }))
}

/// One automation rule (administrators).
#[utoipa::path(get, path = "/automation-rules/{id}", tag = "automation", params(("id" = String, Path)),
    responses((status = 200, body = AutomationRule, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_rule(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let rule = svc::get(s.store(), &caller, &AutomationRuleId::from_string(id)).await?;
    Ok((etag(rule.version), Json(rule)))
}

/// Change an automation rule: what is left out stays; `enabled` turns it on or off
/// (administrators), audited.
#[utoipa::path(patch, path = "/automation-rules/{id}", tag = "automation", params(("id" = String, Path), IfMatch), request_body = RuleDraft,
    responses((status = 200, body = AutomationRule, headers(("ETag" = String, description = "The record's version; send it back in If-Match"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update_rule(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(draft): ApiJson<RuleDraft>,
) -> Result<impl IntoResponse, Refusals> {
    let id = AutomationRuleId::from_string(id);
    let rule = svc::update(s.store(), &caller, &id, if_match.0, &draft).await?;
    Ok((etag(rule.version), Json(rule)))
}

/// Remove an automation rule with its memory of what it fired for (administrators), audited.
#[utoipa::path(delete, path = "/automation-rules/{id}", tag = "automation", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_rule(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    svc::delete(s.store(), &caller, &AutomationRuleId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn dry_run_of(s: &AppState, rule: &AutomationRule) -> ApiResult<Json<DryRun>> {
    let now = crate::services::now();
    let actions = round::dry_run(s.store(), rule, now).await?;
    Ok(Json(DryRun {
        since: now - round::window(),
        actions,
    }))
}

/// What a saved rule (enabled or not) would have done over the last seven days, in words:
/// "Would have notified Ana Ruiz (sponsor) that “NPS” turned off track on Tuesday"
/// (administrators). Nothing is sent.
#[utoipa::path(post, path = "/automation-rules/{id}/dry-run", tag = "automation", params(("id" = String, Path)),
    responses((status = 200, body = DryRun), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn dry_run_rule(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<DryRun>> {
    let rule = svc::get(s.store(), &caller, &AutomationRuleId::from_string(id)).await?;
    dry_run_of(&s, &rule).await
}

/// What an unsaved rule would have done over the last seven days, in words (administrators):
/// the rule is checked as on creation, and nothing is stored or sent.
#[utoipa::path(post, path = "/automation-rules/dry-run", tag = "automation", request_body = RuleDraft,
    responses((status = 200, body = DryRun), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn dry_run_draft(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(draft): ApiJson<RuleDraft>,
) -> Result<Json<DryRun>, Refusals> {
    svc::may_manage(&caller)?;
    let rule = svc::new_rule(svc::check(s.store(), &draft, None).await?);
    Ok(dry_run_of(&s, &rule).await?)
}
