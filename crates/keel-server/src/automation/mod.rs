//! Automation rules, the use cases: administrators keep rules ("when a key result turns off
//! track, notify its sponsor"), each checked against the domain's vocabulary and against the
//! store (the person, team, cycle, KPI and webhook endpoint it names must exist); [`round`]
//! runs them beside the evaluator and answers the dry run.
//!
//! Why administrators only: a rule reaches people and other systems on the organisation's
//! behalf, like a webhook endpoint.

pub mod round;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Refusals};
use crate::services::guards::require_active_person;
use keel_domain::automation::{Action, AutomationRule, RuleDraft, RuleParts, Trigger};
use keel_domain::*;
use keel_store::{AutomationRules, Cycles, DataFeeds, Store, Teams, Webhooks};

/// Keeping rules: administrators only.
pub fn may_manage(caller: &Caller) -> ApiResult<()> {
    crate::access::manage_automation(&caller.person)
}

/// Every id `parts` names exists (an active person), each refusal naming its field.
async fn check_references(store: &dyn Store, parts: &RuleParts) -> Vec<ApiError> {
    let mut errors = vec![];
    let missing =
        |field: &str, what: &str| ApiError::invalid(field, format!("no {what} has this id"));
    if let Trigger::KpiLeavesCorridor { kpi_id: Some(k) } = &parts.trigger {
        match store.kpi(k).await {
            Ok(Some(_)) => {}
            Ok(None) => errors.push(missing("trigger.kpi_id", "KPI")),
            Err(e) => errors.push(e.into()),
        }
    }
    if let Some(c) = &parts.conditions.cycle_id {
        match store.cycle(c).await {
            Ok(Some(_)) => {}
            Ok(None) => errors.push(missing("conditions.cycle_id", "cycle")),
            Err(e) => errors.push(e.into()),
        }
    }
    if let Some(t) = &parts.conditions.team_id {
        match store.team(t).await {
            Ok(Some(_)) => {}
            Ok(None) => errors.push(missing("conditions.team_id", "team")),
            Err(e) => errors.push(e.into()),
        }
    }
    match &parts.action {
        Action::NotifyPerson { person_id } => {
            if let Err(e) = require_active_person(store, "action.person_id", person_id).await {
                errors.push(e);
            }
        }
        Action::Webhook { endpoint_id } => match store.webhook(endpoint_id).await {
            Ok(Some(_)) => {}
            Ok(None) => errors.push(missing("action.endpoint_id", "webhook endpoint")),
            Err(e) => errors.push(e.into()),
        },
        Action::NotifyRole { .. } => {}
    }
    errors
}

/// The parts of `draft` over `base`, checked whole: every refusal at once.
pub async fn check(
    store: &dyn Store,
    draft: &RuleDraft,
    base: Option<&RuleParts>,
) -> Result<RuleParts, Refusals> {
    let parts = draft
        .checked(base)
        .map_err(|all| Refusals(all.into_iter().map(ApiError::from).collect()))?;
    let errors = check_references(store, &parts).await;
    if errors.is_empty() {
        Ok(parts)
    } else {
        Err(Refusals(errors))
    }
}

/// A new rule from checked parts (not stored).
pub fn new_rule(parts: RuleParts) -> AutomationRule {
    let now = crate::services::now();
    AutomationRule {
        id: AutomationRuleId::generate(),
        name: parts.name,
        enabled: parts.enabled,
        trigger: parts.trigger,
        conditions: parts.conditions,
        action: parts.action,
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// Stores a new rule, audited.
pub async fn create(
    store: &dyn Store,
    caller: &Caller,
    draft: &RuleDraft,
) -> Result<AutomationRule, Refusals> {
    may_manage(caller)?;
    let rule = new_rule(check(store, draft, None).await?);
    store
        .insert_automation_rule(&caller.write_ctx(), &rule)
        .await
        .map_err(ApiError::from)?;
    Ok(rule)
}

/// The rule with this id (administrators).
pub async fn get(
    store: &dyn Store,
    caller: &Caller,
    id: &AutomationRuleId,
) -> ApiResult<AutomationRule> {
    may_manage(caller)?;
    store
        .automation_rule(id)
        .await?
        .ok_or(ApiError::NotFound("automation rule"))
}

/// Changes a rule (at `version` when given): what the draft leaves out stays.
pub async fn update(
    store: &dyn Store,
    caller: &Caller,
    id: &AutomationRuleId,
    version: Option<i64>,
    draft: &RuleDraft,
) -> Result<AutomationRule, Refusals> {
    let before = get(store, caller, id).await?;
    if version.is_some_and(|v| v != before.version) {
        return Err(ApiError::PreconditionFailed.into());
    }
    let parts = check(store, draft, Some(&before.parts())).await?;
    let after = AutomationRule {
        name: parts.name,
        enabled: parts.enabled,
        trigger: parts.trigger,
        conditions: parts.conditions,
        action: parts.action,
        ..before.clone()
    };
    Ok(store
        .update_automation_rule(&caller.write_ctx(), &before, &after)
        .await
        .map_err(ApiError::from)?)
}

/// Removes a rule, audited.
pub async fn delete(store: &dyn Store, caller: &Caller, id: &AutomationRuleId) -> ApiResult<()> {
    may_manage(caller)?;
    store
        .delete_automation_rule(&caller.write_ctx(), id)
        .await?;
    Ok(())
}
