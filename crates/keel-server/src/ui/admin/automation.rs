//! The automation page (administrators): the rules in words ("When a key result turns off
//! track, only in Support: notify the sponsor"), each with its switch on or off, its dry run and
//! a remove button, and a form in the three parts (trigger, conditions, action) that saves a rule
//! or first shows its dry run on the page.
//!
//! Every rule is the automation service's (`crate::automation`), the same as the API's; the
//! form only turns the typed email of a person into their id.

use super::form::{AdminForm, Control, Input, Posted};
use super::{sections, see_other, Section};
use crate::automation::{self as svc, round};
use crate::error::{ApiError, Refusals};
use crate::ui::company::Choice;
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form as PostedForm;
use keel_domain::automation::{
    Action, ActionDraft, AutomationRule, ConditionsDraft, RuleDraft, RuleRole, Trigger,
    TriggerDraft, TRIGGER_STATUSES,
};
use keel_domain::*;
use keel_store::{
    every_page, AutomationRules, CycleFilter, Cycles, DataFeeds, People, Store, TeamFilter, Teams,
    Webhooks,
};
use serde::Deserialize;
use std::collections::HashMap;

/// A rule as the list shows it.
struct Row {
    id: String,
    name: String,
    when: String,
    only: String,
    then: String,
    enabled: bool,
}

#[derive(Template)]
#[template(path = "admin_automation.html")]
struct AutomationPage {
    layout: Layout,
    sections: Vec<Section>,
    rows: Vec<Row>,
    more: Option<String>,
    form: AdminForm,
    notice: Option<String>,
    /// The dry run shown: whose, and its lines.
    dry_run: Option<(String, Vec<String>)>,
}

/// The names the page shows for the ids a rule holds, and the form's choices.
struct Names {
    cycles: Vec<(String, String)>,
    teams: Vec<(String, String)>,
    kpis: Vec<(String, String)>,
    hooks: Vec<(String, String)>,
}

impl Names {
    async fn load(store: &dyn Store) -> Result<Names, UiError> {
        let cycles =
            every_page(
                |page| async move { store.list_cycles(&CycleFilter::default(), &page).await },
            )
            .await?;
        let teams =
            every_page(|page| async move { store.list_teams(&TeamFilter::default(), &page).await })
                .await?;
        let kpis = every_page(|page| async move { store.kpis(&page).await }).await?;
        let hooks = every_page(|page| async move { store.list_webhooks(&page).await }).await?;
        Ok(Names {
            cycles: cycles
                .into_iter()
                .map(|c| (c.id.to_string(), c.name))
                .collect(),
            teams: teams
                .into_iter()
                .map(|t| (t.id.to_string(), t.name))
                .collect(),
            kpis: kpis
                .into_iter()
                .map(|k| (k.id.to_string(), k.name))
                .collect(),
            hooks: hooks
                .into_iter()
                .map(|h| {
                    let host = reqwest::Url::parse(&h.url)
                        .ok()
                        .and_then(|u| u.host_str().map(str::to_string))
                        .unwrap_or(h.url);
                    (h.id.to_string(), host)
                })
                .collect(),
        })
    }

    fn name(list: &[(String, String)], id: &str) -> String {
        list.iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "one no longer in Keel".into())
    }
}

fn choices(list: &[(String, String)], selected: &str) -> Vec<Choice> {
    list.iter()
        .map(|(v, l)| Choice {
            value: v.clone(),
            label: l.clone(),
            selected: v == selected,
        })
        .collect()
}

fn fixed(list: &[(&str, &str)], selected: &str) -> Vec<Choice> {
    list.iter()
        .map(|(v, l)| Choice {
            value: v.to_string(),
            label: l.to_string(),
            selected: *v == selected,
        })
        .collect()
}

/// The form's inputs in its three parts, with what was typed (`f`, empty for a blank form).
fn inputs(names: &Names, f: &Posted) -> Vec<Input> {
    let statuses: Vec<(&str, &str)> = TRIGGER_STATUSES
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    let roles: Vec<(&str, &str)> = RuleRole::ALL
        .iter()
        .map(|r| (r.as_str(), r.label()))
        .collect();
    vec![
        Input::text("name", "Name", "text", f.get("name")).required(),
        Input::select(
            "trigger.kind",
            "When",
            fixed(
                &[
                    ("status_becomes", "A key result's status becomes…"),
                    ("check_in_overdue", "A check-in is overdue by… days"),
                    ("kpi_leaves_corridor", "A KPI leaves its corridor"),
                ],
                f.get("trigger.kind"),
            ),
            "",
        ),
        Input::select(
            "trigger.status",
            "Status",
            fixed(&statuses, f.get("trigger.status")),
            "",
        )
        .hint("For a status rule."),
        Input::text(
            "trigger.days",
            "Days overdue",
            "number",
            f.get("trigger.days"),
        )
        .hint("For an overdue check-in rule: days past its check-in day (1–90)."),
        Input::select(
            "trigger.kpi_id",
            "KPI",
            choices(&names.kpis, f.get("trigger.kpi_id")),
            "Any KPI",
        )
        .hint("For a KPI rule."),
        Input::select(
            "conditions.cycle_id",
            "Only in the cycle",
            choices(&names.cycles, f.get("conditions.cycle_id")),
            "Any cycle",
        ),
        Input::select(
            "conditions.team_id",
            "Only shared with the team",
            choices(&names.teams, f.get("conditions.team_id")),
            "Any team",
        ),
        Input::select(
            "conditions.visibility",
            "Only objectives visible to",
            fixed(
                &[
                    ("public", "Everyone"),
                    ("team", "Their teams"),
                    ("private", "Their people only"),
                ],
                f.get("conditions.visibility"),
            ),
            "Anyone",
        )
        .hint("Conditions are about key results: leave them empty for a KPI rule."),
        Input::select(
            "action.kind",
            "Then",
            fixed(
                &[
                    ("notify_role", "Notify the people holding a part…"),
                    ("notify_person", "Notify a person…"),
                    ("webhook", "Post to a webhook…"),
                ],
                f.get("action.kind"),
            ),
            "",
        ),
        Input::select(
            "action.role",
            "Part",
            fixed(&roles, f.get("action.role")),
            "",
        )
        .hint("A KPI has only an owner."),
        Input::text(
            "action.person_id",
            "Person (their email)",
            "email",
            f.get("action.person_id"),
        ),
        Input::select(
            "action.endpoint_id",
            "Webhook",
            choices(&names.hooks, f.get("action.endpoint_id")),
            "",
        )
        .hint("Key results of objectives not visible to everyone are never posted."),
    ]
}

/// The draft a posted form describes; a person's email becomes their id (an unknown email is
/// refused naming `action.person_id`).
async fn draft(store: &dyn Store, f: &Posted) -> Result<RuleDraft, ApiError> {
    let opt = |n: &str| super::form::optional(f.get(n));
    let days = match opt("trigger.days") {
        None => None,
        Some(d) => Some(
            d.parse::<i64>()
                .map_err(|_| ApiError::invalid("trigger.days", "must be a whole number of days"))?,
        ),
    };
    let person_id = match opt("action.person_id") {
        None => None,
        Some(email) => Some(
            store
                .person_by_email(&email)
                .await?
                .filter(|p| p.active)
                .ok_or_else(|| {
                    ApiError::invalid("action.person_id", "no active person has this email")
                })?
                .id
                .to_string(),
        ),
    };
    Ok(RuleDraft {
        name: Some(f.get("name").to_string()),
        enabled: Some(true),
        trigger: Some(TriggerDraft {
            kind: opt("trigger.kind"),
            status: opt("trigger.status"),
            days,
            kpi_id: opt("trigger.kpi_id"),
        }),
        conditions: Some(ConditionsDraft {
            cycle_id: opt("conditions.cycle_id"),
            team_id: opt("conditions.team_id"),
            visibility: opt("conditions.visibility"),
        }),
        action: Some(ActionDraft {
            kind: opt("action.kind"),
            role: opt("action.role"),
            person_id,
            endpoint_id: opt("action.endpoint_id"),
        }),
    })
}

/// A rule in words.
fn row(names: &Names, people: &HashMap<PersonId, String>, r: AutomationRule) -> Row {
    let when = match &r.trigger {
        Trigger::KpiLeavesCorridor { kpi_id: Some(k) } => {
            format!(
                "“{}” leaves its corridor",
                Names::name(&names.kpis, k.as_str())
            )
        }
        t => t.describe(),
    };
    let c = &r.conditions;
    let mut only = vec![];
    if let Some(id) = &c.cycle_id {
        only.push(format!("in {}", Names::name(&names.cycles, id.as_str())));
    }
    if let Some(id) = &c.team_id {
        only.push(format!(
            "shared with {}",
            Names::name(&names.teams, id.as_str())
        ));
    }
    if let Some(v) = c.visibility {
        only.push(
            match v {
                Visibility::Public => "objectives visible to everyone",
                Visibility::Team => "objectives visible to their teams",
                Visibility::Private => "private objectives",
            }
            .into(),
        );
    }
    let then = match &r.action {
        Action::NotifyRole { role } => format!("Notify the {}", role.label()),
        Action::NotifyPerson { person_id } => format!(
            "Notify {}",
            people
                .get(person_id)
                .cloned()
                .unwrap_or_else(|| "someone no longer in Keel".into())
        ),
        Action::Webhook { endpoint_id } => format!(
            "Post to the webhook at {}",
            Names::name(&names.hooks, endpoint_id.as_str())
        ),
    };
    Row {
        id: r.id.to_string(),
        name: r.name,
        when,
        only: if only.is_empty() {
            "Every key result".into()
        } else {
            only.join("; ")
        },
        then,
        enabled: r.enabled,
    }
}

#[derive(Deserialize, Default)]
pub struct Cursor {
    cursor: Option<String>,
    saved: Option<String>,
}

async fn page(
    state: &AppState,
    caller: &crate::auth::Caller,
    f: &Posted,
    cursor: Option<String>,
) -> Result<AutomationPage, UiError> {
    let store = state.store();
    let names = Names::load(store).await?;
    let got = store
        .list_automation_rules(&keel_store::PageRequest { limit: 100, cursor })
        .await?;
    let ids: Vec<PersonId> = got
        .items
        .iter()
        .filter_map(|r| match &r.action {
            Action::NotifyPerson { person_id } => Some(person_id.clone()),
            _ => None,
        })
        .collect();
    let people: HashMap<PersonId, String> = store
        .people_by_ids(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let layout = Layout::signed_in(caller, "/admin");
    let form = AdminForm::new(&layout, inputs(&names, f));
    Ok(AutomationPage {
        sections: sections(caller, "/admin/automation"),
        rows: got
            .items
            .into_iter()
            .map(|r| row(&names, &people, r))
            .collect(),
        more: got.next_cursor.map(|c| {
            format!(
                "/admin/automation?{}",
                serde_urlencoded::to_string([("cursor", c)]).unwrap_or_default()
            )
        }),
        form,
        notice: None,
        dry_run: None,
        layout,
    })
}

fn blank() -> Posted {
    serde_urlencoded::from_str("").unwrap_or_else(|_| unreachable!("an empty form parses"))
}

/// `GET /admin/automation`: the rules and the form.
pub async fn automation(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<Cursor>,
) -> Result<Response, UiError> {
    svc::may_manage(&caller)?;
    let mut view = page(&state, &caller, &blank(), q.cursor).await?;
    if q.saved.is_some() {
        view.notice = Some("Your changes were saved.".into());
    }
    Ok(render(StatusCode::OK, &view))
}

/// Every refusal next to its input; the status to answer with.
fn show(form: &mut AdminForm, refused: Refusals) -> Result<StatusCode, UiError> {
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    for e in refused.0 {
        status = form.show(e)?;
    }
    Ok(status)
}

/// `POST /admin/automation`: saves the rule, or (the "Dry run" button) shows what it would have
/// done over the last week without saving it.
pub async fn create(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    svc::may_manage(&caller)?;
    let store = state.store();
    let checked = match draft(store, &f).await {
        Ok(d) if f.has("dry_run") => svc::check(store, &d, None).await.map(|p| (d, Some(p))),
        Ok(d) => Ok((d, None)),
        Err(e) => Err(Refusals(vec![e])),
    };
    let outcome = match checked {
        Ok((_, Some(parts))) => {
            let rule = svc::new_rule(parts);
            let lines = round::dry_run(store, &rule, crate::services::now()).await?;
            let mut view = page(&state, &caller, &f, None).await?;
            view.dry_run = Some((rule.name, lines.into_iter().map(|l| l.text).collect()));
            return Ok(render(StatusCode::OK, &view));
        }
        Ok((d, None)) => svc::create(store, &caller, &d).await.map(|_| ()),
        Err(r) => Err(r),
    };
    match outcome {
        Ok(()) => Ok(see_other("/admin/automation?saved=1".into())),
        Err(refused) => {
            let mut view = page(&state, &caller, &f, None).await?;
            let status = show(&mut view.form, refused)?;
            Ok(render(status, &view))
        }
    }
}

fn rule_id(id: &str) -> AutomationRuleId {
    AutomationRuleId::from_string(id)
}

/// `POST /admin/automation/{id}`: turns the rule on or off (`enabled`).
pub async fn switch(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    let d = RuleDraft {
        enabled: Some(f.get("enabled") == "true"),
        ..RuleDraft::default()
    };
    svc::update(state.store(), &caller, &rule_id(&id), None, &d)
        .await
        .map_err(|r| {
            r.0.into_iter()
                .next()
                .unwrap_or(ApiError::NotFound("automation rule"))
        })?;
    Ok(see_other("/admin/automation?saved=1".into()))
}

/// `POST /admin/automation/{id}/dry-run`: the page with what the rule would have done over the
/// last week.
pub async fn dry_run(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let rule = svc::get(state.store(), &caller, &rule_id(&id)).await?;
    let lines = round::dry_run(state.store(), &rule, crate::services::now()).await?;
    let mut view = page(&state, &caller, &blank(), None).await?;
    view.dry_run = Some((rule.name, lines.into_iter().map(|l| l.text).collect()));
    Ok(render(StatusCode::OK, &view))
}

/// `POST /admin/automation/{id}/delete`: removes the rule.
pub async fn delete(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    svc::delete(state.store(), &caller, &rule_id(&id)).await?;
    Ok(see_other("/admin/automation?saved=1".into()))
}
