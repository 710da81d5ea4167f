//! The automation page (administrators): the rules in words ("When a key result turns off
//! track, only in Support: notify the sponsor"), each with its switch on or off, its dry run and
//! a remove button, and a form in the three parts (trigger, conditions, action) that saves a rule
//! or first shows its dry run on the page.
//!
//! Every rule is the automation service's (`crate::automation`), the same as the API's; the
//! form only turns what was typed in a picker into an id. The page never lists every team or
//! person (pickers find them, `/pickers/teams` and `/pickers/people`), offers the first cycles,
//! KPIs and webhooks and says when there are more, and costs the same few queries whatever the
//! number of rules, teams or people.

use super::form::{AdminForm, Control, Input, Picker, Posted};
use super::{sections, see_other, Section};
use crate::automation::{self as svc, round};
use crate::error::{ApiError, Refusals};
use crate::read::administration;
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
use keel_store::{AutomationRules, CycleFilter, Cycles, DataFeeds, People, Store, Teams, Webhooks};
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

/// How many cycles, KPIs and webhook endpoints the form offers: an organisation has few, and
/// the form says so when it has more. Teams and people are never listed: pickers find them.
const OFFERED: u32 = 100;

/// Some of a list, and whether there are more than are offered.
#[derive(Default)]
struct FirstOf {
    items: Vec<(String, String)>,
    more: bool,
}

impl FirstOf {
    fn of<T>(page: keel_store::Page<T>, f: impl Fn(T) -> (String, String)) -> FirstOf {
        FirstOf {
            more: page.next_cursor.is_some(),
            items: page.items.into_iter().map(f).collect(),
        }
    }

    /// The hint that says the list is cut, after `hint`.
    fn hint(&self, hint: &str, what: &str) -> String {
        if self.more {
            format!(
                "{hint} Only the first {} {what} are offered.",
                self.items.len()
            )
        } else {
            hint.to_string()
        }
    }
}

/// The form's choices: the first cycles, KPIs and webhook endpoints (three queries).
#[derive(Default)]
struct Offered {
    cycles: FirstOf,
    kpis: FirstOf,
    hooks: FirstOf,
}

fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| url.to_string())
}

impl Offered {
    async fn load(store: &dyn Store) -> Result<Offered, UiError> {
        let first = || keel_store::PageRequest {
            limit: OFFERED,
            cursor: None,
        };
        let cycles = store.list_cycles(&CycleFilter::default(), &first()).await?;
        let kpis = store.kpis(&first()).await?;
        let hooks = store.list_webhooks(&first()).await?;
        Ok(Offered {
            cycles: FirstOf::of(cycles, |c| (c.id.to_string(), c.name)),
            kpis: FirstOf::of(kpis, |k| (k.id.to_string(), k.name)),
            hooks: FirstOf::of(hooks, |h| (h.id.to_string(), host_of(&h.url))),
        })
    }
}

/// The names of what a page's rules (and the form's choices) name, read by their ids: a few
/// queries, whatever the number of rules, teams or people.
#[derive(Default)]
struct Names {
    cycles: HashMap<String, String>,
    teams: HashMap<String, String>,
    kpis: HashMap<String, String>,
    hooks: HashMap<String, String>,
    people: HashMap<String, (String, bool)>,
}

/// The ids a set of rules (and a posted form) name, by kind.
#[derive(Default)]
struct Named {
    cycles: Vec<CycleId>,
    teams: Vec<TeamId>,
    kpis: Vec<KpiId>,
    people: Vec<PersonId>,
}

impl Named {
    fn of(rules: &[AutomationRule], f: &Posted) -> Named {
        let mut n = Named::default();
        for r in rules {
            if let Trigger::KpiLeavesCorridor { kpi_id: Some(k) } = &r.trigger {
                n.kpis.push(k.clone());
            }
            n.cycles.extend(r.conditions.cycle_id.clone());
            n.teams.extend(r.conditions.team_id.clone());
            if let Action::NotifyPerson { person_id } = &r.action {
                n.people.push(person_id.clone());
            }
        }
        if let Some(t) = super::form::optional(f.get("conditions.team_id")) {
            n.teams.push(TeamId::from_string(t));
        }
        if let Some(p) = super::form::optional(f.get("action.person_id")) {
            n.people.push(PersonId::from_string(p));
        }
        n
    }
}

impl Names {
    async fn load(store: &dyn Store, named: Named, offered: &Offered) -> Result<Names, UiError> {
        let mut names = Names {
            hooks: offered.hooks.items.iter().cloned().collect(),
            ..Names::default()
        };
        if !named.cycles.is_empty() {
            for c in store.cycles_by_ids(&named.cycles).await? {
                names.cycles.insert(c.id.to_string(), c.name);
            }
        }
        if !named.teams.is_empty() {
            for t in store.teams_by_ids(&named.teams).await? {
                names.teams.insert(t.id.to_string(), t.name);
            }
        }
        if !named.kpis.is_empty() {
            for k in store.kpis_by_ids(&named.kpis).await? {
                names.kpis.insert(k.id.to_string(), k.name);
            }
        }
        if !named.people.is_empty() {
            for p in store.person_names(&named.people).await? {
                names.people.insert(p.id.to_string(), (p.name, p.active));
            }
        }
        Ok(names)
    }

    fn name(list: &HashMap<String, String>, id: &str) -> String {
        list.get(id)
            .cloned()
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

/// The one choice a picker shows: the id posted, by its name.
fn chosen(names: &HashMap<String, String>, id: &str) -> Vec<Choice> {
    names
        .get(id)
        .map(|label| Choice {
            value: id.to_string(),
            label: label.clone(),
            selected: true,
        })
        .into_iter()
        .collect()
}

/// "Owner" for a choice's label (the rule's words use "notify the owner").
fn capitalised(words: &str) -> String {
    let mut c = words.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
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
fn inputs(offered: &Offered, names: &Names, f: &Posted) -> Vec<Input> {
    let statuses: Vec<(&str, &str)> = TRIGGER_STATUSES
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    let roles: Vec<(&str, String)> = RuleRole::ALL
        .iter()
        .map(|r| (r.as_str(), capitalised(r.label())))
        .collect();
    let roles: Vec<(&str, &str)> = roles.iter().map(|(v, l)| (*v, l.as_str())).collect();
    let people: HashMap<String, String> = names
        .people
        .iter()
        .filter(|(_, (_, active))| *active)
        .map(|(id, (name, _))| (id.clone(), name.clone()))
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
            choices(&offered.kpis.items, f.get("trigger.kpi_id")),
            "Any KPI",
        )
        .hint(offered.kpis.hint("For a KPI rule.", "KPIs")),
        Input::select(
            "conditions.cycle_id",
            "Only in the cycle",
            choices(&offered.cycles.items, f.get("conditions.cycle_id")),
            "Any cycle",
        )
        .hint(offered.cycles.hint(
            "For key results of objectives in this cycle only.",
            "cycles",
        )),
        Input::picker(
            "conditions.team_id",
            "Only shared with the team",
            Picker {
                source: "/pickers/teams",
                none: "Any team",
                chosen: chosen(&names.teams, f.get("conditions.team_id")),
                find: f.get("conditions.team_id.find").to_string(),
                placeholder: "Find a team",
            },
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
        Input::picker(
            "action.person_id",
            "Person",
            Picker {
                source: "/pickers/people",
                none: "Choose a person",
                chosen: chosen(&people, f.get("action.person_id")),
                find: f.get("action.person_id.find").to_string(),
                placeholder: "Find someone: a name or an email",
            },
        )
        .hint("For a rule that notifies a person: an active person."),
        Input::select(
            "action.endpoint_id",
            "Webhook",
            choices(&offered.hooks.items, f.get("action.endpoint_id")),
            "",
        )
        .hint(offered.hooks.hint(
            "Key results of objectives not visible to everyone are never posted.",
            "webhooks",
        )),
    ]
}

/// The draft a posted form describes. A team or person chosen in a picker is its id; what was
/// typed in the picker's find field names them instead (exactly one, else a 422 naming the
/// field) unless the choice is among what it matches; whether they exist and are active is the
/// service's check.
async fn draft(store: &dyn Store, f: &Posted) -> Result<RuleDraft, ApiError> {
    let opt = |n: &str| super::form::optional(f.get(n));
    let days = match opt("trigger.days") {
        None => None,
        Some(d) => Some(
            d.parse::<i64>()
                .map_err(|_| ApiError::invalid("trigger.days", "must be a whole number of days"))?,
        ),
    };
    // The team and person forms' rule (`administration::picked_*`): what was typed wins unless
    // the choice posted with it is among what it matches.
    let team_id = administration::picked_team(
        store,
        "conditions.team_id",
        f.get("conditions.team_id"),
        f.get("conditions.team_id.find"),
    )
    .await?
    .map(|t| t.to_string());
    let person_id = administration::picked_person(
        store,
        "action.person_id",
        f.get("action.person_id"),
        f.get("action.person_id.find"),
    )
    .await?
    .map(|p| p.to_string());
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
            team_id,
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
fn row(names: &Names, r: AutomationRule) -> Row {
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
        Action::NotifyPerson { person_id } => match names.people.get(person_id.as_str()) {
            Some((name, true)) => format!("Notify {name}"),
            Some((name, false)) => {
                format!("Notify {name}, who is deactivated: nobody is notified")
            }
            None => "Notify someone no longer in Keel: nobody is notified".into(),
        },
        Action::Webhook { endpoint_id } => format!(
            "Post to the webhook at {}",
            names
                .hooks
                .get(endpoint_id.as_str())
                .cloned()
                .unwrap_or_else(|| "one not offered here".into())
        ),
    };
    Row {
        id: r.id.to_string(),
        name: r.name,
        when,
        only: if only.is_empty() && !r.trigger.is_about_key_results() {
            "Every reading".into()
        } else if only.is_empty() {
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
    let offered = Offered::load(store).await?;
    let got = store
        .list_automation_rules(&keel_store::PageRequest { limit: 100, cursor })
        .await?;
    let names = Names::load(store, Named::of(&got.items, f), &offered).await?;
    let layout = Layout::signed_in(caller, "/admin");
    let form = AdminForm::new(&layout, inputs(&offered, &names, f));
    Ok(AutomationPage {
        sections: sections(caller, "/admin/automation"),
        rows: got.items.into_iter().map(|r| row(&names, r)).collect(),
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
