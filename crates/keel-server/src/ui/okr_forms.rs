//! Forms to create and edit objectives and key results (`/objectives/new`,
//! `/objectives/{id}/edit`, `/objectives/{id}/key-results/new`, `/key-results/{id}/edit`).
//!
//! Why plain forms: they work without JavaScript, and validation stays the services' (the same
//! rules as the API). Each input is named like the API field it fills (`owner_id`, `fit.note`,
//! `parent_ids` …), so an `ApiError` naming a field lands next to that input through
//! `forms::Form::show`; what was typed is always sent back; nothing is written unless the whole
//! form is valid. Naming someone else as owner creates an ownership request they accept or
//! decline on My week (the services do that).
//!
//! A new objective is written with its key results on the same page and sent in one submit
//! (`key_result_rows`): all of it is checked at once and created all or nothing, active at
//! once when every owner is the writer.

mod key_result_rows;
mod new_objective;

use self::key_result_rows::KrRow;
use self::new_objective::{create_objective, new_objective_form};

use super::forms::{Field, Form};
use super::{render, Layout, SignedIn, UiError};
use crate::access;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::IfMatch;
use crate::read::pickers::{self, FormOptions};
use crate::services::okrs::{self, KeyResultPatch, NewKeyResult, NewObjective, ObjectivePatch};
use crate::services::visibility::Viewer;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form as PostedForm, Router};
use keel_domain::*;
use keel_store::People;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// The four forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/objectives/new",
            get(new_objective_form).post(create_objective),
        )
        .route(
            "/objectives/{id}/edit",
            get(edit_objective_form).post(update_objective),
        )
        .route(
            "/objectives/{id}/key-results/new",
            get(new_key_result_form).post(create_key_result),
        )
        .route(
            "/key-results/{id}/edit",
            get(edit_key_result_form).post(update_key_result),
        )
}

/// One choice of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
    /// The reader themself (a person picker marks them, so the form's style can hide the
    /// message and fit fields, which are for proposing someone else).
    pub me: bool,
}

/// A field ready to render: the shell's `Field` (name, label, value, error, hint) and, for
/// selects, its choices.
pub struct Input {
    pub f: Field,
    pub choices: Vec<Choice>,
    /// For a checkbox.
    pub checked: bool,
    /// For people and objectives: the address of the picker suggesting more as the reader types
    /// in the field's find input (`{name}.find`), and the words of that input's placeholder.
    pub picker: Option<(String, &'static str)>,
}

/// The pickers of the fields naming people or objectives: where suggestions come from, and
/// what to type.
fn picker(f: &Field) -> Option<(String, &'static str)> {
    let (path, hint) = match f.name {
        "owner_id" | "sponsor_id" | "contributor_ids" => {
            ("/pickers/people", "Find someone: a name or an email")
        }
        "parent_ids" => (
            "/pickers/objectives",
            "Find an objective: words of its title",
        ),
        "team_ids" => ("/pickers/teams", "Find a team: words of its name"),
        _ => return None,
    };
    let shape = match f.name {
        "owner_id" => "&as=options",
        "sponsor_id" => "&as=options&none=No+sponsor",
        _ => "",
    };
    Some((format!("{path}?field={}{shape}", f.name), hint))
}

#[derive(Template)]
#[template(path = "okr_form.html")]
struct OkrFormPage {
    layout: Layout,
    heading: String,
    intro: String,
    action: String,
    submit: &'static str,
    cancel: String,
    /// The record's version, for edits (a stale edit is refused, not silently overwritten).
    version: Option<i64>,
    error: Option<String>,
    has_field_errors: bool,
    inputs: Vec<Input>,
    /// A new objective's key-result rows (none on the other forms).
    rows: Vec<KrRow>,
    /// The blank row "Add another key result" copies (with JavaScript).
    row_template: Option<KrRow>,
    /// The form's script, when it has rows to add.
    script: Option<&'static str>,
}

/// What was posted: every value of every name (selects with `multiple` repeat their name).
#[derive(Default)]
struct Posted(HashMap<String, Vec<String>>);

impl Posted {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            map.entry(k).or_default().push(v);
        }
        Posted(map)
    }
    fn one(&self, name: &str) -> String {
        self.0
            .get(name)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }
    fn many(&self, name: &str) -> Vec<String> {
        self.0
            .get(name)
            .map(|v| v.iter().filter(|s| !s.is_empty()).cloned().collect())
            .unwrap_or_default()
    }
    fn checked(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

/// The values a form shows: one string per field (several ids joined by commas for a multiple
/// select, "on" for a ticked checkbox).
type Values = HashMap<&'static str, String>;

fn values_from(posted: &Posted, fields: &[Field]) -> Values {
    fields
        .iter()
        .map(|f| {
            let v = match f.kind {
                "multi" => posted.many(f.name).join(","),
                "checkbox" => {
                    if posted.checked(f.name) {
                        "on".into()
                    } else {
                        String::new()
                    }
                }
                _ => posted.one(f.name),
            };
            (f.name, v)
        })
        .collect()
}

fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn parse_choice<T: DeserializeOwned>(field: &str, raw: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(raw.to_string()))
        .map_err(|_| ApiError::invalid(field, "choose one of the options"))
}

/// Fields with the options of the selects, ready to render.
fn inputs(
    fields: Vec<Field>,
    options: &FormOptions,
    extra: &HashMap<&str, Vec<(String, String)>>,
    me: &PersonId,
) -> Vec<Input> {
    let people = || {
        options
            .people
            .iter()
            .map(|p| {
                (
                    p.id.to_string(),
                    format!("{} ({})", p.name, p.email.as_str()),
                )
            })
            .collect::<Vec<_>>()
    };
    fields
        .into_iter()
        .map(|f| {
            let list: Vec<(String, String)> = match f.name {
                "cycle_id" => options
                    .cycles
                    .iter()
                    .map(|c| {
                        (
                            c.id.to_string(),
                            format!("{} ({} to {})", c.name, c.starts_on, c.ends_on),
                        )
                    })
                    .collect(),
                "owner_id" => people(),
                "sponsor_id" => std::iter::once((String::new(), "No sponsor".into()))
                    .chain(people())
                    .collect(),
                "contributor_ids" => people(),
                "team_ids" => options
                    .teams
                    .iter()
                    .map(|t| (t.id.to_string(), t.name.clone()))
                    .collect(),
                "parent_ids" => options.objectives.clone(),
                name => extra.get(name).cloned().unwrap_or_default(),
            };
            let chosen: Vec<&str> = f.value.split(',').collect();
            let people_picker = matches!(f.name, "owner_id" | "sponsor_id" | "contributor_ids");
            let choices = list
                .into_iter()
                .map(|(value, label)| Choice {
                    selected: if f.kind == "multi" {
                        chosen.contains(&value.as_str())
                    } else {
                        f.value == value
                    },
                    me: people_picker && value == me.as_str(),
                    value,
                    label,
                })
                // Several people or teams are ticked boxes: those chosen (the picker finds
                // others).
                .filter(|c| !matches!(f.name, "contributor_ids" | "team_ids") || c.selected)
                .collect();
            Input {
                checked: f.kind == "checkbox" && f.value == "on",
                picker: picker(&f),
                f,
                choices,
            }
        })
        .collect()
}

fn enum_choices() -> HashMap<&'static str, Vec<(String, String)>> {
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    HashMap::from([
        (
            "kind",
            pairs(&[
                ("committed", "Committed: expected to reach 100%"),
                ("aspirational", "Aspirational: 70% counts as success"),
            ]),
        ),
        (
            "visibility",
            pairs(&[
                ("public", "Public: the whole organisation"),
                ("team", "Team: the teams it is shared with"),
                ("private", "Private: owner, sponsor and contributors"),
            ]),
        ),
        (
            "progress_rollup",
            pairs(&[
                ("inherit", "As the organisation decides"),
                ("on", "Include what is aligned to it"),
                ("off", "Only its own key results"),
            ]),
        ),
        (
            "state",
            pairs(&[
                ("draft", "Draft"),
                ("active", "Active (every owner has accepted)"),
                ("closed", "Closed"),
            ]),
        ),
        (
            "metric_kind",
            pairs(&[
                ("increase", "Increase a number from start to target"),
                ("decrease", "Decrease a number from start to target"),
                ("stay_above", "Stay at or above the target"),
                ("stay_below", "Stay at or below the target"),
                ("boolean", "Done or not done"),
                ("milestone", "Milestones, in order"),
            ]),
        ),
    ])
}

fn field(name: &'static str, label: &'static str, kind: &'static str, values: &Values) -> Field {
    Field::new(name, label, kind).value(values.get(name).cloned().unwrap_or_default())
}

/// The owner fields of a new objective or key result: who, a message, and the three
/// owner-fit criteria.
fn owner_fields(values: &Values) -> Vec<Field> {
    vec![
        field("owner_id", "Owner", "select", values).hint(
            "One named person, accountable. Naming someone else sends them a request to accept.",
        ),
        field("owner_note", "Message to the owner", "textarea", values)
            .hint("Why you propose them; they see it with the request."),
        field(
            "fit.legitimacy",
            "Legitimacy: recognised as able to speak on the topic",
            "checkbox",
            values,
        ),
        field(
            "fit.decision_authority",
            "Decision authority: can drop initiatives and ask for resources",
            "checkbox",
            values,
        ),
        field(
            "fit.proximity",
            "Proximity: close enough to the outcome to see weak signals",
            "checkbox",
            values,
        ),
        field("fit.note", "Owner-fit note", "text", values),
    ]
}

fn objective_fields(new: bool, values: &Values) -> Vec<Field> {
    let state = if new {
        field("state", "Activate now", "activate", values).hint(
            "When every owner is you: nobody has to accept, so it starts at once. Otherwise it waits as a draft for the owners you propose.",
        )
    } else {
        field("state", "State", "select", values)
    };
    let mut fields = vec![
        field("title", "Title", "text", values)
            .required()
            .hint("What you want to achieve, in a sentence."),
        field("description", "Description", "textarea", values),
        field("cycle_id", "Cycle", "select", values),
    ];
    if new {
        fields.extend(owner_fields(values));
    }
    fields.extend([
        field("sponsor_id", "Sponsor", "select", values)
            .hint("For structural trade-offs; not the owner."),
        field("contributor_ids", "Contributors", "multi", values),
        field("team_ids", "Shared with teams", "multi", values)
            .hint("The objective appears once on each team's page, with one progress."),
        field("parent_ids", "Contributes to", "multi", values),
        field("kind", "Kind", "select", values),
        field("visibility", "Who may see it", "select", values),
        state,
    ]);
    if !new {
        fields.push(
            field("progress_rollup", "Progress counts", "select", values).hint(
                "Including what is aligned to it adds the public objectives and key results \
                 aligned to it or to its key results, beside its own key results.",
            ),
        );
    }
    fields
}

fn key_result_fields(new: bool, values: &Values) -> Vec<Field> {
    let mut fields = vec![
        field("title", "Title", "text", values)
            .required()
            .hint("A measurable outcome, e.g. “Day-7 activation from 32% to 55%”."),
        field("description", "Description", "textarea", values),
    ];
    if new {
        fields.extend(owner_fields(values));
    }
    fields.extend([
        field("metric_kind", "Measured as", "select", values),
        field("start", "Start value", "text", values),
        field("target", "Target value", "text", values)
            .hint("Not needed for done/not done and milestone key results."),
    ]);
    if new {
        fields.push(
            field("current", "Current value", "text", values).hint("Defaults to the start value."),
        );
    }
    fields.extend([
        field("unit", "Unit", "text", values).hint("%, €, users …"),
        field("weight", "Weight", "text", values)
            .hint("How much it counts in the objective's progress (default 1)."),
        field("starts_on", "Starts on", "text", values).hint(format!(
            "Only when it starts after its cycle does; pace counts from here ({}).",
            super::format::date_example()
        )),
        field("ends_on", "Due on", "text", values).hint(format!(
            "Only when it is due before its cycle ends; pace aims here ({}).",
            super::format::date_example()
        )),
        field("milestones", "Milestones", "textarea", values)
            .hint("One per line, in order (milestone key results only)."),
        field("sponsor_id", "Sponsor", "select", values),
        field("contributor_ids", "Contributors", "multi", values),
        field("team_ids", "Shared with teams", "multi", values),
    ]);
    fields
}

#[allow(clippy::too_many_arguments)]
fn page(
    caller: &Caller,
    heading: String,
    intro: String,
    action: String,
    submit: &'static str,
    cancel: String,
    version: Option<i64>,
    form: Form,
    options: &FormOptions,
) -> OkrFormPage {
    OkrFormPage {
        layout: Layout::signed_in(caller, "/my-week"),
        heading,
        intro,
        action,
        submit,
        cancel,
        version,
        error: form.error.clone(),
        has_field_errors: form.fields.iter().any(|f| f.error.is_some()),
        inputs: inputs(form.fields, options, &enum_choices(), &caller.person.id),
        rows: vec![],
        row_template: None,
        script: None,
    }
}

/// The forms' options, with the people and OKRs already chosen on `form` named (an OKR the
/// reader may not see is left out, title and all).
async fn form_options(
    state: &AppState,
    caller: &Caller,
    form: &Form,
) -> Result<FormOptions, UiError> {
    let value = |name: &str| {
        form.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.clone())
            .unwrap_or_default()
    };
    let people: Vec<PersonId> = ["owner_id", "sponsor_id", "contributor_ids"]
        .iter()
        .flat_map(|n| pickers::split_ids(&[value(n)]))
        .map(PersonId::from_string)
        .collect();
    let teams: Vec<TeamId> = pickers::split_ids(&[value("team_ids")])
        .into_iter()
        .map(TeamId::from_string)
        .collect();
    let okrs = pickers::split_ids(&[value("parent_ids")]);
    let viewer = Viewer::of(&caller.person);
    Ok(pickers::form_options(state.store(), &viewer, &people, &teams, &okrs).await?)
}

/// Shows `err` on the form if it is about the input; any other error is the page's.
fn show(form: &mut Form, err: ApiError) -> Result<(), UiError> {
    match err {
        ApiError::PreconditionFailed => {
            form.error = Some(
                "Someone changed this since you opened the form. Your changes are below, not saved: open the form again to see theirs."
                    .into(),
            );
            Ok(())
        }
        other => form.show(other).map_err(UiError),
    }
}

fn ids<T>(raw: Vec<String>, make: fn(String) -> T) -> Vec<T> {
    raw.into_iter().map(make).collect()
}

fn opt_id<T>(raw: String, make: fn(String) -> T) -> Option<T> {
    Some(raw).filter(|s| !s.trim().is_empty()).map(make)
}

fn fit_from(posted: &Posted) -> Option<OwnerFit> {
    let fit = OwnerFit {
        legitimacy: posted.checked("fit.legitimacy"),
        decision_authority: posted.checked("fit.decision_authority"),
        proximity: posted.checked("fit.proximity"),
        note: posted.one("fit.note"),
    };
    (fit != OwnerFit::default()).then_some(fit)
}

/// Adds what the pickers' find inputs name (`owner_id.find` …) to the posted choices: a form
/// sent without JavaScript names people and objectives there by email, id, name or title. The
/// errors name the field whose find input named nothing (or too many).
async fn apply_finds(
    state: &AppState,
    caller: &Caller,
    posted: &mut Posted,
) -> Result<Vec<ApiError>, UiError> {
    let mut errors = Vec::new();
    for name in ["owner_id", "sponsor_id", "contributor_ids"] {
        let typed = posted.one(&format!("{name}.find"));
        let already: Vec<PersonId> = posted
            .many(name)
            .into_iter()
            .map(PersonId::from_string)
            .collect();
        match pickers::resolve_people(state.store(), name, &typed, &already).await {
            Ok(found) if found.is_empty() => {}
            Ok(found) => {
                let found = found.into_iter().map(|p| p.to_string());
                let values = posted.0.entry(name.to_string()).or_default();
                if name == "contributor_ids" {
                    values.extend(found);
                } else {
                    *values = found.take(1).collect();
                }
            }
            Err(e @ ApiError::Invalid(_)) => errors.push(e),
            Err(e) => return Err(UiError(e)),
        }
    }
    let typed = posted.one("team_ids.find");
    let already = posted.many("team_ids");
    match pickers::resolve_teams(state.store(), "team_ids", &typed, &already).await {
        Ok(found) => posted
            .0
            .entry("team_ids".to_string())
            .or_default()
            .extend(found),
        Err(e @ ApiError::Invalid(_)) => errors.push(e),
        Err(e) => return Err(UiError(e)),
    }
    let typed = posted.one("parent_ids.find");
    let already = posted.many("parent_ids");
    let viewer = Viewer::of(&caller.person);
    match pickers::resolve_objectives(state.store(), &viewer, "parent_ids", &typed, &already).await
    {
        Ok(found) => posted
            .0
            .entry("parent_ids".to_string())
            .or_default()
            .extend(found),
        Err(e @ ApiError::Invalid(_)) => errors.push(e),
        Err(e) => return Err(UiError(e)),
    }
    Ok(errors)
}

/// A number field: `Ok(None)` when empty, an error naming the field when not a number.
fn number(posted: &Posted, name: &str, errors: &mut Vec<ApiError>) -> Option<f64> {
    let raw = posted.one(name);
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match super::format::parse_num(raw) {
        Some(v) => Some(v),
        None => {
            errors.push(ApiError::invalid(
                name,
                format!("must be a number, {}", super::format::number_example()),
            ));
            None
        }
    }
}

/// An optional day typed in a date field (`YYYY-MM-DD`, as browsers send it); empty: none.
fn day(posted: &Posted, name: &str, errors: &mut Vec<ApiError>) -> Option<chrono::NaiveDate> {
    super::format::parse_optional_date(name, &posted.one(name))
        .map_err(|e| errors.push(e))
        .ok()
        .flatten()
}

fn choice<T: DeserializeOwned>(
    posted: &Posted,
    name: &str,
    errors: &mut Vec<ApiError>,
) -> Option<T> {
    match parse_choice(name, &posted.one(name)) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

// ---------------------------------------------------------------- objectives

fn objective_values(o: &Objective) -> Values {
    let join = |v: Vec<String>| v.join(",");
    HashMap::from([
        ("title", o.title.clone()),
        ("description", o.description.clone()),
        ("cycle_id", o.cycle_id.to_string()),
        (
            "sponsor_id",
            o.sponsor_id
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
        ),
        (
            "contributor_ids",
            join(o.contributor_ids.iter().map(|p| p.to_string()).collect()),
        ),
        (
            "team_ids",
            join(o.team_ids.iter().map(|t| t.to_string()).collect()),
        ),
        (
            "parent_ids",
            join(o.parents.iter().map(|p| p.id().to_string()).collect()),
        ),
        ("kind", word(&o.kind)),
        ("visibility", word(&o.visibility)),
        ("state", word(&o.state)),
        ("progress_rollup", word(&o.progress_rollup)),
    ])
}

fn edit_objective_page(
    caller: &Caller,
    o: &Objective,
    version: i64,
    form: Form,
    options: &FormOptions,
) -> OkrFormPage {
    page(
        caller,
        format!("Edit “{}”", o.title),
        "The owner changes through a handover the new owner accepts, not here.".into(),
        format!("/objectives/{}/edit", o.id),
        "Save objective",
        format!("/objectives/{}", o.id),
        Some(version),
        form,
        options,
    )
}

/// `GET /objectives/{id}/edit`.
pub async fn edit_objective_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let o = okrs::authorize_edit_objective(state.store(), &caller, &ObjectiveId::from_string(id))
        .await?;
    let form = Form::new(
        &Layout::signed_in(&caller, "").csrf_token,
        objective_fields(false, &objective_values(&o)),
    );
    let options = form_options(&state, &caller, &form).await?;
    Ok(render(
        StatusCode::OK,
        &edit_objective_page(&caller, &o, o.version, form, &options),
    ))
}

fn posted_version(posted: &Posted) -> Option<i64> {
    posted.one("version").parse().ok()
}

/// `POST /objectives/{id}/edit`.
pub async fn update_objective(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(pairs): PostedForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let id = ObjectiveId::from_string(id);
    // Permission first: whoever may not edit it is refused whatever they typed.
    let o = okrs::authorize_edit_objective(state.store(), &caller, &id).await?;
    let mut posted = Posted::from_pairs(pairs);
    let find_errors = apply_finds(&state, &caller, &mut posted).await?;
    let values = values_from(&posted, &objective_fields(false, &Values::new()));
    let mut form = Form::new(
        &Layout::signed_in(&caller, "").csrf_token,
        objective_fields(false, &values),
    );
    let mut errors = find_errors;
    let kind = choice(&posted, "kind", &mut errors);
    let visibility = choice(&posted, "visibility", &mut errors);
    let objective_state = choice(&posted, "state", &mut errors);
    // A form that does not send it (an older page) leaves it as it was.
    let progress_rollup = match posted.one("progress_rollup").as_str() {
        "" => None,
        _ => choice(&posted, "progress_rollup", &mut errors),
    };
    let cycle = posted.one("cycle_id");
    if cycle.trim().is_empty() {
        errors.push(ApiError::invalid("cycle_id", "choose a cycle"));
    }
    let version = posted_version(&posted);
    if errors.is_empty() {
        let patch = ObjectivePatch {
            title: Some(posted.one("title")),
            description: Some(posted.one("description")),
            cycle_id: Some(CycleId::from_string(cycle)),
            owner_id: None,
            co_owner_ids: None,
            sponsor_id: Some(opt_id(posted.one("sponsor_id"), PersonId::from_string)),
            contributor_ids: Some(ids(posted.many("contributor_ids"), PersonId::from_string)),
            team_ids: Some(ids(posted.many("team_ids"), TeamId::from_string)),
            parent_ids: Some(posted.many("parent_ids")),
            kind,
            state: objective_state,
            visibility,
            progress_rollup,
        };
        match okrs::patch_objective(state.store(), &caller, &id, IfMatch(version), patch).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/objectives/{id}?done=saved")).into_response())
            }
            Err(e) => show(&mut form, e)?,
        }
    }
    for e in errors {
        show(&mut form, e)?;
    }
    let options = form_options(&state, &caller, &form).await?;
    let page = edit_objective_page(&caller, &o, version.unwrap_or(o.version), form, &options);
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

// ---------------------------------------------------------------- key results

fn new_key_result_page(
    caller: &Caller,
    o: &Objective,
    form: Form,
    options: &FormOptions,
) -> OkrFormPage {
    page(
        caller,
        "New key result".into(),
        format!(
            "A measurable outcome for “{}”, with its own owner.",
            o.title
        ),
        format!("/objectives/{}/key-results/new", o.id),
        "Add key result",
        format!("/objectives/{}", o.id),
        None,
        form,
        options,
    )
}

/// `GET /objectives/{id}/key-results/new`.
pub async fn new_key_result_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let o = okrs::authorize_edit_objective(state.store(), &caller, &ObjectiveId::from_string(id))
        .await?;
    let values: Values = HashMap::from([
        ("owner_id", caller.person.id.to_string()),
        ("metric_kind", "increase".into()),
        ("start", "0".into()),
        ("weight", "1".into()),
    ]);
    let form = Form::new(
        &Layout::signed_in(&caller, "").csrf_token,
        key_result_fields(true, &values),
    );
    let options = form_options(&state, &caller, &form).await?;
    Ok(render(
        StatusCode::OK,
        &new_key_result_page(&caller, &o, form, &options),
    ))
}

fn milestones(raw: &str, existing: &[Milestone]) -> Vec<Milestone> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|title| Milestone {
            title: title.to_string(),
            done: existing.iter().any(|m| m.title == title && m.done),
        })
        .collect()
}

/// `POST /objectives/{id}/key-results/new`.
pub async fn create_key_result(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(pairs): PostedForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    // Permission first: whoever may not add key results is refused whatever they typed.
    let o = okrs::authorize_edit_objective(state.store(), &caller, &ObjectiveId::from_string(id))
        .await?;
    let mut posted = Posted::from_pairs(pairs);
    let find_errors = apply_finds(&state, &caller, &mut posted).await?;
    let values = values_from(&posted, &key_result_fields(true, &Values::new()));
    let mut form = Form::new(
        &Layout::signed_in(&caller, "").csrf_token,
        key_result_fields(true, &values),
    );
    let mut errors = find_errors;
    let kind = choice(&posted, "metric_kind", &mut errors);
    let start = number(&posted, "start", &mut errors);
    let target = number(&posted, "target", &mut errors);
    let current = number(&posted, "current", &mut errors);
    let weight = number(&posted, "weight", &mut errors);
    let starts_on = day(&posted, "starts_on", &mut errors);
    let ends_on = day(&posted, "ends_on", &mut errors);
    if errors.is_empty() {
        let input = NewKeyResult {
            title: posted.one("title"),
            description: posted.one("description"),
            owner_id: opt_id(posted.one("owner_id"), PersonId::from_string),
            owner_note: posted.one("owner_note"),
            owner_fit: fit_from(&posted),
            co_owner_ids: vec![],
            sponsor_id: opt_id(posted.one("sponsor_id"), PersonId::from_string),
            contributor_ids: ids(posted.many("contributor_ids"), PersonId::from_string),
            team_ids: ids(posted.many("team_ids"), TeamId::from_string),
            kind: kind.unwrap_or_default(),
            start: start.unwrap_or(0.0),
            target,
            current,
            unit: posted.one("unit"),
            weight,
            milestones: milestones(&posted.one("milestones"), &[]),
            financial: !posted.one("financial").is_empty(),
            starts_on,
            ends_on,
            kpi_id: None,
            // What it aligns to is set on the key result's own page ("Aligns to").
            parent_ids: Vec::new(),
        };
        match okrs::create_key_result(state.store(), &caller, &o.id, input).await {
            Ok(k) => {
                return Ok(
                    Redirect::to(&format!("/objectives/{}?done=saved#kr-{}", o.id, k.id))
                        .into_response(),
                )
            }
            Err(e) => show(&mut form, e)?,
        }
    }
    for e in errors {
        show(&mut form, e)?;
    }
    let options = form_options(&state, &caller, &form).await?;
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &new_key_result_page(&caller, &o, form, &options),
    ))
}

fn key_result_values(k: &KeyResult) -> Values {
    let join = |v: Vec<String>| v.join(",");
    HashMap::from([
        ("title", k.title.clone()),
        ("description", k.description.clone()),
        ("metric_kind", word(&k.metric_kind)),
        ("start", super::pages::num(k.start)),
        ("target", super::pages::num(k.target)),
        ("unit", k.unit.clone()),
        ("weight", super::pages::num(k.weight)),
        (
            "starts_on",
            k.starts_on.map(super::format::date).unwrap_or_default(),
        ),
        (
            "ends_on",
            k.ends_on.map(super::format::date).unwrap_or_default(),
        ),
        (
            "milestones",
            k.milestones
                .iter()
                .map(|m| m.title.clone())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        (
            "sponsor_id",
            k.sponsor_id
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
        ),
        (
            "contributor_ids",
            join(k.contributor_ids.iter().map(|p| p.to_string()).collect()),
        ),
        (
            "team_ids",
            join(k.team_ids.iter().map(|t| t.to_string()).collect()),
        ),
    ])
}

fn edit_key_result_page(
    caller: &Caller,
    k: &KeyResult,
    version: i64,
    form: Form,
    options: &FormOptions,
) -> OkrFormPage {
    page(
        caller,
        format!("Edit “{}”", k.title),
        "The current value changes with check-ins, and the owner through a handover.".into(),
        format!("/key-results/{}/edit", k.id),
        "Save key result",
        format!("/objectives/{}#kr-{}", k.objective_id, k.id),
        Some(version),
        form,
        options,
    )
}

/// `GET /key-results/{id}/edit`.
pub async fn edit_key_result_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let (k, _) =
        okrs::authorize_edit_key_result(state.store(), &caller, &KeyResultId::from_string(id))
            .await?;
    let form = Form::new(
        &Layout::signed_in(&caller, "").csrf_token,
        key_result_fields(false, &key_result_values(&k)),
    );
    let options = form_options(&state, &caller, &form).await?;
    Ok(render(
        StatusCode::OK,
        &edit_key_result_page(&caller, &k, k.version, form, &options),
    ))
}

/// `POST /key-results/{id}/edit`.
pub async fn update_key_result(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(pairs): PostedForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let id = KeyResultId::from_string(id);
    // Permission first: whoever may not edit it is refused whatever they typed.
    let (k, _) = okrs::authorize_edit_key_result(state.store(), &caller, &id).await?;
    let mut posted = Posted::from_pairs(pairs);
    let find_errors = apply_finds(&state, &caller, &mut posted).await?;
    let values = values_from(&posted, &key_result_fields(false, &Values::new()));
    let mut form = Form::new(
        &Layout::signed_in(&caller, "").csrf_token,
        key_result_fields(false, &values),
    );
    let mut errors = find_errors;
    let kind = choice(&posted, "metric_kind", &mut errors);
    let start = number(&posted, "start", &mut errors);
    let target = number(&posted, "target", &mut errors);
    let weight = number(&posted, "weight", &mut errors);
    let starts_on = day(&posted, "starts_on", &mut errors);
    let ends_on = day(&posted, "ends_on", &mut errors);
    let version = posted_version(&posted);
    if errors.is_empty() {
        let patch = KeyResultPatch {
            title: Some(posted.one("title")),
            description: Some(posted.one("description")),
            sponsor_id: Some(opt_id(posted.one("sponsor_id"), PersonId::from_string)),
            contributor_ids: Some(ids(posted.many("contributor_ids"), PersonId::from_string)),
            team_ids: Some(ids(posted.many("team_ids"), TeamId::from_string)),
            kind,
            start: Some(start.unwrap_or(0.0)),
            target,
            unit: Some(posted.one("unit")),
            weight,
            milestones: Some(milestones(&posted.one("milestones"), &k.milestones)),
            starts_on: Some(starts_on),
            ends_on: Some(ends_on),
            ..Default::default()
        };
        match okrs::patch_key_result(state.store(), &caller, &id, IfMatch(version), patch).await {
            Ok(k) => {
                return Ok(Redirect::to(&format!(
                    "/objectives/{}?done=saved#kr-{}",
                    k.objective_id, k.id
                ))
                .into_response())
            }
            Err(e) => show(&mut form, e)?,
        }
    }
    for e in errors {
        show(&mut form, e)?;
    }
    let options = form_options(&state, &caller, &form).await?;
    let page = edit_key_result_page(&caller, &k, version.unwrap_or(k.version), form, &options);
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
