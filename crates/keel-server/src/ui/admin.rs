//! Administration pages (`/admin/...`): people (create, edit, roles, deactivate), teams (parent,
//! lead, members), cycles, organisation settings, the signed-in person's API tokens, and the
//! single sign-on status (read-only, from configuration), and closing or re-opening a cycle
//! (after a confirmation page, so that no JavaScript is needed to ask "are you sure?").
//!
//! Every form is a plain POST that works without JavaScript. Input is parsed here only as far as
//! HTML forms need (empty means none, dates, numbers); every rule is the services' (the same as
//! the API's), and a refusal is shown next to the field it names with what was typed kept.
//! Edits carry the record's version, so two administrators cannot silently overwrite each other.

use super::company::Choice;
use super::forms::Field;
use super::{encode, render, Layout, SignedIn, UiError};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::IfMatch;
use crate::read::administration;
use crate::services::directory::{
    self, CyclePatch, NewCycle, NewPerson, NewTeam, PersonPatch, RhythmPatch, SettingsPatch,
    TeamPatch,
};
use crate::services::tokens;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form as PostedForm, Router};
use keel_domain::*;
use serde::Deserialize;

/// The administration routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(people))
        .route(
            "/admin/people/new",
            get(new_person_form).post(create_person),
        )
        .route(
            "/admin/people/{id}",
            get(edit_person_form).post(update_person),
        )
        .route("/admin/teams", get(teams))
        .route("/admin/teams/new", get(new_team_form).post(create_team))
        .route("/admin/teams/{id}", get(edit_team_form).post(update_team))
        .route("/admin/cycles", get(cycles))
        .route("/admin/cycles/new", get(new_cycle_form).post(create_cycle))
        .route(
            "/admin/cycles/{id}",
            get(edit_cycle_form).post(update_cycle),
        )
        .route(
            "/admin/cycles/{id}/close",
            get(|s, c, Path(id): Path<String>| confirm_cycle(s, c, Path((id, true))))
                .post(|s, c, Path(id): Path<String>| change_cycle(s, c, Path((id, true)))),
        )
        .route(
            "/admin/cycles/{id}/reopen",
            get(|s, c, Path(id): Path<String>| confirm_cycle(s, c, Path((id, false))))
                .post(|s, c, Path(id): Path<String>| change_cycle(s, c, Path((id, false)))),
        )
        .route("/admin/settings", get(settings_form).post(update_settings))
        .route("/admin/tokens", get(tokens_page).post(create_token))
        .route("/admin/tokens/{id}/revoke", post(revoke_token))
        .route("/admin/sso", get(sso))
}

// ---------------------------------------------------------------- forms

/// How an input is drawn.
pub enum Control {
    /// `<input type=…>`, the type being the field's `kind`.
    Input,
    /// A `<select>`; the string is the label of the empty choice ("" for none).
    Select(Vec<Choice>, &'static str),
    /// A group of checkboxes, several may be ticked.
    Checkboxes(Vec<Choice>),
    /// One checkbox, ticked or not.
    Checkbox(bool),
}

/// One labelled input with its message.
pub struct Input {
    pub field: Field,
    pub control: Control,
}

impl Input {
    fn text(name: &'static str, label: &'static str, kind: &'static str, value: &str) -> Self {
        Input {
            field: Field::new(name, label, kind).value(value),
            control: Control::Input,
        }
    }
    fn select(
        name: &'static str,
        label: &'static str,
        choices: Vec<Choice>,
        none: &'static str,
    ) -> Self {
        Input {
            field: Field::new(name, label, "select"),
            control: Control::Select(choices, none),
        }
    }
    fn hint(mut self, h: impl Into<String>) -> Self {
        self.field = self.field.hint(h);
        self
    }
    fn required(mut self) -> Self {
        self.field = self.field.required();
        self
    }
}

/// An administration form: its inputs, CSRF token, the record version it edits, and messages.
pub struct AdminForm {
    pub inputs: Vec<Input>,
    pub csrf_token: String,
    pub version: Option<i64>,
    pub error: Option<String>,
    pub success: Option<String>,
}

impl AdminForm {
    fn new(layout: &Layout, inputs: Vec<Input>) -> Self {
        Self {
            inputs,
            csrf_token: layout.csrf_token.clone(),
            version: None,
            error: None,
            success: None,
        }
    }

    /// Shows a refusal next to the input it names (at the top when it names none); returns the
    /// status to answer with. Errors that are not about the input go back to the caller.
    fn show(&mut self, err: ApiError) -> Result<StatusCode, ApiError> {
        let (field, message, status) = match err {
            ApiError::Invalid(e) => (Some(e.field), e.message, StatusCode::UNPROCESSABLE_ENTITY),
            ApiError::Conflict { field, message } => (field, message, StatusCode::CONFLICT),
            ApiError::PreconditionFailed => (
                None,
                "Someone else changed this record since you opened it. Reload the page to see their change, then make yours again.".into(),
                StatusCode::PRECONDITION_FAILED,
            ),
            other => return Err(other),
        };
        let target = field.as_deref().and_then(|f| {
            // `roles[2]` or `health.owner_overload`: the input named by the path's head.
            let head = f.split('[').next().unwrap_or(f);
            self.inputs
                .iter_mut()
                .find(|i| i.field.name == f || i.field.name == head)
        });
        match target {
            Some(i) => i.field.error = Some(message),
            None => {
                self.error = Some(match field {
                    Some(f) if f != "body" => format!("{f}: {message}"),
                    _ => message,
                })
            }
        }
        Ok(status)
    }
}

/// A posted form as name–value pairs (checkbox groups repeat a name).
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Posted(Vec<(String, String)>);

impl Posted {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
    /// The version the form was opened at (`If-Match` for the service).
    fn version(&self) -> IfMatch {
        IfMatch(Some(self.get("version").parse().unwrap_or(-1)))
    }
}

fn optional(v: &str) -> Option<String> {
    Some(v.trim().to_string()).filter(|s| !s.is_empty())
}

fn date(field: &str, v: &str) -> ApiResult<chrono::NaiveDate> {
    let v = v.trim();
    if v.is_empty() {
        return Err(ApiError::invalid(field, "enter a date"));
    }
    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, "must be a date like 2026-12-31"))
}

fn whole(field: &str, v: &str) -> ApiResult<u32> {
    v.trim()
        .parse()
        .map_err(|_| ApiError::invalid(field, "must be a whole number"))
}

/// A choice from a serde enum (its wire name) with a label.
fn enum_choices<T: serde::Serialize + Copy>(all: &[(T, &str)], selected: &str) -> Vec<Choice> {
    all.iter()
        .map(|(v, label)| {
            let value = wire(*v);
            Choice {
                selected: value == selected,
                value,
                label: label.to_string(),
            }
        })
        .collect()
}

/// The wire name of a serde enum value.
fn wire<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Parses a serde enum from its wire name, naming the field on failure.
fn parse_enum<T: serde::de::DeserializeOwned>(
    field: &str,
    v: &str,
    expected: &str,
) -> ApiResult<T> {
    serde_json::from_value(serde_json::Value::String(v.to_string()))
        .map_err(|_| ApiError::invalid(field, format!("must be one of {expected}")))
}

fn people_choices(people: &[Person], selected: &[&str], skip: Option<&PersonId>) -> Vec<Choice> {
    people
        .iter()
        .filter(|p| p.active || selected.contains(&p.id.as_str()))
        .filter(|p| Some(&p.id) != skip)
        .map(|p| Choice {
            value: p.id.to_string(),
            label: if p.title.is_empty() {
                p.name.clone()
            } else {
                format!("{} ({})", p.name, p.title)
            },
            selected: selected.contains(&p.id.as_str()),
        })
        .collect()
}

/// Whether the caller may open an administration page: the check its handler makes first.
type MayOpen = fn(&Caller) -> bool;

/// Where each administration page is, for the sub-navigation, with who may open it. Each rule
/// is the one the page itself checks (`authz` or `read::administration`), so every link shown opens.
const SECTIONS: [(&str, &str, MayOpen); 7] = [
    ("/admin", "People", |c| {
        crate::authz::manage_people(&c.person).is_ok()
    }),
    ("/admin/teams", "Teams", |c| {
        administration::may_list_teams(&c.person).is_ok()
    }),
    ("/admin/cycles", "Cycles", |c| {
        crate::authz::manage_cycles(&c.person).is_ok()
    }),
    ("/admin/settings", "Settings", |c| {
        crate::authz::manage_settings(&c.person).is_ok()
    }),
    // Everyone manages their own API tokens.
    ("/admin/tokens", "API tokens", |_| true),
    ("/admin/sso", "Single sign-on", |c| {
        administration::may_read_sso(c).is_ok()
    }),
    ("/admin/audit", "Audit log", |c| {
        crate::authz::read_audit(&c.person).is_ok()
    }),
];

/// One entry of the administration sub-navigation.
pub struct Section {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The administration sub-navigation the caller may open, with `current` marked.
pub fn sections(caller: &Caller, current: &str) -> Vec<Section> {
    SECTIONS
        .iter()
        .filter(|(_, _, may_open)| may_open(caller))
        .map(|(href, label, _)| Section {
            href,
            label,
            current: *href == current,
        })
        .collect()
}

/// Where "Admin" in the main navigation leads: the first administration page the caller may
/// open (`None`: no entry for them).
pub fn first_section(caller: &Caller) -> Option<&'static str> {
    SECTIONS
        .iter()
        .find(|(_, _, may_open)| may_open(caller))
        .map(|(href, _, _)| *href)
}

/// A page holding one administration form.
#[derive(Template)]
#[template(path = "admin_form.html")]
struct FormPage {
    layout: Layout,
    sections: Vec<Section>,
    title: String,
    intro: String,
    action: String,
    submit: &'static str,
    form: AdminForm,
    /// Links shown under the form (back to the list, reset a password …).
    links: Vec<(String, String)>,
}

impl FormPage {
    fn new(caller: &Caller, section: &str, title: impl Into<String>, form: AdminForm) -> Self {
        Self {
            layout: Layout::signed_in(caller, "/admin"),
            sections: sections(caller, section),
            title: title.into(),
            intro: String::new(),
            action: String::new(),
            submit: "Save",
            form,
            links: vec![],
        }
    }
}

#[derive(Deserialize, Default)]
pub struct Notice {
    saved: Option<String>,
    created: Option<String>,
}

impl Notice {
    fn message(&self, what: &str) -> Option<String> {
        if self.created.is_some() {
            Some(format!("The {what} was created."))
        } else if self.saved.is_some() {
            Some("Your changes were saved.".into())
        } else {
            None
        }
    }
}

/// After a successful POST: back to a page (post/redirect/get, so a reload never posts twice).
fn see_other(to: String) -> Response {
    Redirect::to(&to).into_response()
}

// ---------------------------------------------------------------- people

/// One row of the people table.
pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub title: String,
    pub roles: String,
    pub active: bool,
}

impl From<Person> for PersonRow {
    fn from(p: Person) -> Self {
        Self {
            id: p.id.to_string(),
            name: p.name,
            email: p.email.as_str().to_string(),
            title: p.title,
            roles: p
                .roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            active: p.active,
        }
    }
}

#[derive(Template)]
#[template(path = "admin_people.html")]
struct PeoplePage {
    layout: Layout,
    sections: Vec<Section>,
    q: String,
    people: Vec<PersonRow>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct PeopleQuery {
    q: Option<String>,
    cursor: Option<String>,
}

/// `GET /admin`: people, searchable, with edit and password-reset links (administrators).
pub async fn people(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<PeopleQuery>,
) -> Result<Response, UiError> {
    let page = administration::admin_people(state.store(), &caller, q.q.clone(), q.cursor).await?;
    let query = q.q.unwrap_or_default();
    let view = PeoplePage {
        layout: Layout::signed_in(&caller, "/admin"),
        sections: sections(&caller, "/admin"),
        next: page
            .next_cursor
            .map(|c| format!("/admin?q={}&cursor={}", encode(&query), encode(&c))),
        q: query,
        people: page.items.into_iter().map(PersonRow::from).collect(),
    };
    Ok(render(StatusCode::OK, &view))
}

const ROLE_LABELS: [(Role, &str); 8] = [
    (Role::Admin, "Administrator: everything"),
    (
        Role::Champion,
        "Champion: cycles, settings, the framing of any OKR",
    ),
    (
        Role::Member,
        "Member: creates OKRs, edits what they own or sponsor",
    ),
    (Role::Reviewer, "Reviewer: reads and comments"),
    (
        Role::Analyst,
        "Analyst: reads everything, reports and exports",
    ),
    (Role::Hr, "HR: participation and engagement reports"),
    (
        Role::Finance,
        "Finance: edits key results tagged as financial",
    ),
    (Role::Viewer, "Viewer: reads public OKRs"),
];

/// What a person form shows, as typed.
struct PersonValues<'a> {
    name: &'a str,
    email: &'a str,
    title: &'a str,
    manager_id: &'a str,
    roles: Vec<&'a str>,
    active: bool,
}

fn person_inputs(
    v: &PersonValues,
    people: &[Person],
    me: Option<&PersonId>,
    edit: bool,
) -> Vec<Input> {
    let mut inputs = vec![
        Input::text("name", "Name", "text", v.name).required(),
        Input::text("email", "Email", "email", v.email).required(),
        Input::text("title", "Job title", "text", v.title),
        Input::select(
            "manager_id",
            "Manager",
            people_choices(people, &[v.manager_id], me),
            "No manager",
        )
        .hint("Reporting lines only: being someone's manager grants nothing over their OKRs."),
        Input {
            field: Field::new("roles", "Roles", "checkbox"),
            control: Control::Checkboxes(
                ROLE_LABELS
                    .iter()
                    .map(|(r, label)| Choice {
                        value: r.as_str().to_string(),
                        label: label.to_string(),
                        selected: v.roles.contains(&r.as_str()),
                    })
                    .collect(),
            ),
        }
        .hint("A person can hold several roles; none means member."),
    ];
    if edit {
        inputs.push(
            Input {
                field: Field::new("active", "Active", "checkbox"),
                control: Control::Checkbox(v.active),
            }
            .hint("Unticking deactivates: their sessions and tokens stop at once; their history stays."),
        );
    }
    inputs
}

/// `GET /admin/people/new`.
pub async fn new_person_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    crate::authz::manage_people(&caller.person)?;
    let people = administration::people_to_choose(state.store(), &caller).await?;
    let values = PersonValues {
        name: "",
        email: "",
        title: "",
        manager_id: "",
        roles: vec!["member"],
        active: true,
    };
    Ok(render(
        StatusCode::OK,
        &new_person_page(&caller, person_inputs(&values, &people, None, false)),
    ))
}

fn new_person_page(caller: &Caller, inputs: Vec<Input>) -> FormPage {
    let layout = Layout::signed_in(caller, "/admin");
    let mut page = FormPage::new(
        caller,
        "/admin",
        "Add a person",
        AdminForm::new(&layout, inputs),
    );
    page.intro =
        "They sign in with single sign-on, or with a password you set for them after adding them."
            .into();
    page.action = "/admin/people/new".into();
    page.submit = "Add person";
    page.links = vec![("/admin".into(), "Back to people".into())];
    page
}

/// `POST /admin/people/new`.
pub async fn create_person(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    let roles: ApiResult<Vec<Role>> = f
        .all("roles")
        .into_iter()
        .map(|r| {
            Role::parse(r).ok_or_else(|| ApiError::invalid("roles", format!("'{r}' is not a role")))
        })
        .collect();
    let result = match roles {
        Ok(roles) => {
            directory::create_person(
                state.store(),
                &caller,
                NewPerson {
                    name: f.get("name").to_string(),
                    email: f.get("email").trim().to_string(),
                    title: f.get("title").to_string(),
                    manager_id: optional(f.get("manager_id")).map(PersonId::from_string),
                    roles,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(see_other(format!("/admin/people/{}?created=1", p.id))),
        Err(e) => {
            let people = administration::people_to_choose(state.store(), &caller).await?;
            let values = PersonValues {
                name: f.get("name"),
                email: f.get("email"),
                title: f.get("title"),
                manager_id: f.get("manager_id"),
                roles: f.all("roles"),
                active: true,
            };
            let mut page = new_person_page(&caller, person_inputs(&values, &people, None, false));
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}

fn edit_person_page(caller: &Caller, person: &Person, inputs: Vec<Input>) -> FormPage {
    let layout = Layout::signed_in(caller, "/admin");
    let mut form = AdminForm::new(&layout, inputs);
    form.version = Some(person.version);
    let mut page = FormPage::new(caller, "/admin", format!("Edit {}", person.name), form);
    page.action = format!("/admin/people/{}", person.id);
    page.links = vec![
        (
            format!("/admin/people/{}/password", person.id),
            format!("Reset the password of {}", person.name),
        ),
        (
            format!("/ownership#person-{}", person.id),
            format!("What {} owns", person.name),
        ),
        ("/admin".into(), "Back to people".into()),
    ];
    page
}

/// `GET /admin/people/{id}`.
pub async fn edit_person_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, UiError> {
    let (person, people) =
        administration::admin_person(state.store(), &caller, &PersonId::from_string(id)).await?;
    let manager = person
        .manager_id
        .as_ref()
        .map(|m| m.to_string())
        .unwrap_or_default();
    let values = PersonValues {
        name: &person.name,
        email: person.email.as_str(),
        title: &person.title,
        manager_id: &manager,
        roles: person.roles.iter().map(|r| r.as_str()).collect(),
        active: person.active,
    };
    let inputs = person_inputs(&values, &people, Some(&person.id), true);
    let mut page = edit_person_page(&caller, &person, inputs);
    page.form.success = n.message("person");
    Ok(render(StatusCode::OK, &page))
}

/// `POST /admin/people/{id}`.
pub async fn update_person(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    let id = PersonId::from_string(id);
    let (person, people) = administration::admin_person(state.store(), &caller, &id).await?;
    let roles: ApiResult<Vec<Role>> = f
        .all("roles")
        .into_iter()
        .map(|r| {
            Role::parse(r).ok_or_else(|| ApiError::invalid("roles", format!("'{r}' is not a role")))
        })
        .collect();
    let result = match roles {
        Ok(roles) => {
            directory::patch_person(
                state.store(),
                &caller,
                &id,
                f.version(),
                PersonPatch {
                    name: Some(f.get("name").to_string()),
                    email: Some(f.get("email").trim().to_string()),
                    title: Some(f.get("title").to_string()),
                    manager_id: Some(optional(f.get("manager_id")).map(PersonId::from_string)),
                    roles: Some(roles),
                    active: Some(f.has("active")),
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(see_other(format!("/admin/people/{}?saved=1", p.id))),
        Err(e) => {
            let values = PersonValues {
                name: f.get("name"),
                email: f.get("email"),
                title: f.get("title"),
                manager_id: f.get("manager_id"),
                roles: f.all("roles"),
                active: f.has("active"),
            };
            let inputs = person_inputs(&values, &people, Some(&person.id), true);
            let mut page = edit_person_page(&caller, &person, inputs);
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}

// ---------------------------------------------------------------- teams

/// One row of the teams table.
pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub parent: String,
    pub lead: String,
    pub members: usize,
}

#[derive(Template)]
#[template(path = "admin_teams.html")]
struct TeamsPage {
    layout: Layout,
    sections: Vec<Section>,
    teams: Vec<TeamRow>,
}

/// `GET /admin/teams` (administrators and champions).
pub async fn teams(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    let (teams, people) = administration::admin_teams(state.store(), &caller).await?;
    let name_of_team = |id: &Option<TeamId>| {
        id.as_ref()
            .and_then(|i| teams.iter().find(|t| &t.id == i))
            .map(|t| t.name.clone())
            .unwrap_or_default()
    };
    let name_of_person = |id: &Option<PersonId>| {
        id.as_ref()
            .and_then(|i| people.iter().find(|p| &p.id == i))
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let rows = teams
        .iter()
        .map(|t| TeamRow {
            id: t.id.to_string(),
            name: t.name.clone(),
            parent: name_of_team(&t.parent_id),
            lead: name_of_person(&t.lead_id),
            members: t.member_ids.len(),
        })
        .collect();
    let page = TeamsPage {
        layout: Layout::signed_in(&caller, "/admin"),
        sections: sections(&caller, "/admin/teams"),
        teams: rows,
    };
    Ok(render(StatusCode::OK, &page))
}

struct TeamValues<'a> {
    name: &'a str,
    parent_id: &'a str,
    lead_id: &'a str,
    member_ids: Vec<&'a str>,
}

fn team_inputs(
    v: &TeamValues,
    teams: &[Team],
    people: &[Person],
    me: Option<&TeamId>,
) -> Vec<Input> {
    vec![
        Input::text("name", "Name", "text", v.name).required(),
        Input::select(
            "parent_id",
            "Part of",
            teams
                .iter()
                .filter(|t| Some(&t.id) != me)
                .map(|t| Choice {
                    value: t.id.to_string(),
                    label: t.name.clone(),
                    selected: t.id.as_str() == v.parent_id,
                })
                .collect(),
            "No parent (a top-level team)",
        ),
        Input::select(
            "lead_id",
            "Lead",
            people_choices(people, &[v.lead_id], None),
            "No lead",
        )
        .hint("The lead may edit the team and its OKRs; a team never owns an OKR itself."),
        Input {
            field: Field::new("member_ids", "Members", "checkbox"),
            control: Control::Checkboxes(people_choices(people, &v.member_ids, None)),
        },
    ]
}

fn team_form_page(caller: &Caller, title: String, action: String, inputs: Vec<Input>) -> FormPage {
    let layout = Layout::signed_in(caller, "/admin");
    let mut page = FormPage::new(
        caller,
        "/admin/teams",
        title,
        AdminForm::new(&layout, inputs),
    );
    page.action = action;
    page.links = vec![("/admin/teams".into(), "Back to teams".into())];
    page
}

/// `GET /admin/teams/new`.
pub async fn new_team_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    let (teams, people) = administration::admin_teams(state.store(), &caller).await?;
    let v = TeamValues {
        name: "",
        parent_id: "",
        lead_id: "",
        member_ids: vec![],
    };
    let mut page = team_form_page(
        &caller,
        "Add a team".into(),
        "/admin/teams/new".into(),
        team_inputs(&v, &teams, &people, None),
    );
    page.submit = "Add team";
    Ok(render(StatusCode::OK, &page))
}

fn team_input(f: &Posted) -> (Option<TeamId>, Option<PersonId>, Vec<PersonId>) {
    (
        optional(f.get("parent_id")).map(TeamId::from_string),
        optional(f.get("lead_id")).map(PersonId::from_string),
        f.all("member_ids")
            .into_iter()
            .map(|m| PersonId::from_string(m.to_string()))
            .collect(),
    )
}

/// `POST /admin/teams/new`.
pub async fn create_team(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    let (teams, people) = administration::admin_teams(state.store(), &caller).await?;
    let (parent_id, lead_id, member_ids) = team_input(&f);
    let result = directory::create_team(
        state.store(),
        &caller,
        NewTeam {
            name: f.get("name").to_string(),
            parent_id,
            lead_id,
            member_ids,
        },
    )
    .await;
    match result {
        Ok(t) => Ok(see_other(format!("/admin/teams/{}?created=1", t.id))),
        Err(e) => {
            let v = TeamValues {
                name: f.get("name"),
                parent_id: f.get("parent_id"),
                lead_id: f.get("lead_id"),
                member_ids: f.all("member_ids"),
            };
            let mut page = team_form_page(
                &caller,
                "Add a team".into(),
                "/admin/teams/new".into(),
                team_inputs(&v, &teams, &people, None),
            );
            page.submit = "Add team";
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}

/// `GET /admin/teams/{id}` (administrators, champions and the team's lead).
pub async fn edit_team_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, UiError> {
    let (team, teams, people) =
        administration::admin_team(state.store(), &caller, &TeamId::from_string(id)).await?;
    let parent = team
        .parent_id
        .as_ref()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let lead = team
        .lead_id
        .as_ref()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let v = TeamValues {
        name: &team.name,
        parent_id: &parent,
        lead_id: &lead,
        member_ids: team.member_ids.iter().map(|m| m.as_str()).collect(),
    };
    let mut page = edit_team_page(
        &caller,
        &team,
        team_inputs(&v, &teams, &people, Some(&team.id)),
    );
    page.form.success = n.message("team");
    Ok(render(StatusCode::OK, &page))
}

fn edit_team_page(caller: &Caller, team: &Team, inputs: Vec<Input>) -> FormPage {
    let mut page = team_form_page(
        caller,
        format!("Edit {}", team.name),
        format!("/admin/teams/{}", team.id),
        inputs,
    );
    page.form.version = Some(team.version);
    page.links.insert(
        0,
        (
            format!("/teams/{}", team.id),
            format!("The {} page", team.name),
        ),
    );
    page
}

/// `POST /admin/teams/{id}`.
pub async fn update_team(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    let id = TeamId::from_string(id);
    let (team, teams, people) = administration::admin_team(state.store(), &caller, &id).await?;
    let (parent_id, lead_id, member_ids) = team_input(&f);
    let result = directory::patch_team(
        state.store(),
        &caller,
        &id,
        f.version(),
        TeamPatch {
            name: Some(f.get("name").to_string()),
            parent_id: Some(parent_id),
            lead_id: Some(lead_id),
            member_ids: Some(member_ids),
        },
    )
    .await;
    match result {
        Ok(t) => Ok(see_other(format!("/admin/teams/{}?saved=1", t.id))),
        Err(e) => {
            let v = TeamValues {
                name: f.get("name"),
                parent_id: f.get("parent_id"),
                lead_id: f.get("lead_id"),
                member_ids: f.all("member_ids"),
            };
            let mut page = edit_team_page(
                &caller,
                &team,
                team_inputs(&v, &teams, &people, Some(&team.id)),
            );
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}

// ---------------------------------------------------------------- cycles

/// One row of the cycles table.
pub struct CycleRow {
    pub id: String,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub state: String,
    pub parent: String,
    pub closed: bool,
}

#[derive(Template)]
#[template(path = "admin_cycles.html")]
struct CyclesPage {
    layout: Layout,
    sections: Vec<Section>,
    cycles: Vec<CycleRow>,
    /// Re-opening needs the admin role (closing is for champions too).
    can_reopen: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct CyclesQuery {
    done: Option<String>,
}

/// `GET /admin/cycles` (administrators and champions).
pub async fn cycles(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<CyclesQuery>,
) -> Result<Response, UiError> {
    let notice = match q.done.as_deref() {
        Some("closed") => Some("The cycle is closed: its OKRs are locked.".to_string()),
        Some("reopened") => Some("The cycle is open again.".to_string()),
        _ => None,
    };
    let page = cycles_page(&state, &caller, notice, None).await?;
    Ok(render(StatusCode::OK, &page))
}

async fn cycles_page(
    state: &AppState,
    caller: &Caller,
    notice: Option<String>,
    error: Option<String>,
) -> Result<CyclesPage, UiError> {
    let cycles = administration::admin_cycles(state.store(), caller).await?;
    let rows = cycles
        .iter()
        .map(|c| CycleRow {
            id: c.id.to_string(),
            name: c.name.clone(),
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            state: wire(c.state),
            parent: c
                .parent_id
                .as_ref()
                .and_then(|p| cycles.iter().find(|x| &x.id == p))
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            closed: c.state == CycleState::Closed,
        })
        .collect();
    Ok(CyclesPage {
        layout: Layout::signed_in(caller, "/admin"),
        sections: sections(caller, "/admin/cycles"),
        cycles: rows,
        can_reopen: crate::authz::reopen_cycle(&caller.person).is_ok(),
        notice,
        error,
    })
}

#[derive(Template)]
#[template(path = "admin_cycle_confirm.html")]
struct ConfirmCyclePage {
    layout: Layout,
    sections: Vec<Section>,
    id: String,
    name: String,
    closing: bool,
}

/// `GET /admin/cycles/{id}/close` and `/reopen`: "are you sure?", with what it does.
pub async fn confirm_cycle(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((id, closing)): Path<(String, bool)>,
) -> Result<Response, UiError> {
    if closing {
        crate::authz::close_cycle(&caller.person)?;
    } else {
        crate::authz::reopen_cycle(&caller.person)?;
    }
    let cycles = administration::admin_cycles(state.store(), &caller).await?;
    let cycle = find_cycle(&cycles, &id)?;
    let page = ConfirmCyclePage {
        layout: Layout::signed_in(&caller, "/admin"),
        sections: sections(&caller, "/admin/cycles"),
        id: cycle.id.to_string(),
        name: cycle.name,
        closing,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `POST /admin/cycles/{id}/close` and `/reopen` (`services::scoring`, audited). A conflict
/// (already closed, not closed) comes back as the cycles page with the reason, answering 409.
pub async fn change_cycle(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((id, closing)): Path<(String, bool)>,
) -> Result<Response, UiError> {
    let id = CycleId::from_string(id);
    let result = if closing {
        crate::services::scoring::close_cycle(state.store(), &caller, &id).await
    } else {
        crate::services::scoring::reopen_cycle(state.store(), &caller, &id).await
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!(
            "/admin/cycles?done={}#cycle-{}",
            if closing { "closed" } else { "reopened" },
            c.id
        ))
        .into_response()),
        Err(ApiError::Conflict { message, .. }) => {
            let page = cycles_page(
                &state,
                &caller,
                None,
                Some(format!("Nothing changed: {message}.")),
            )
            .await?;
            Ok(render(StatusCode::CONFLICT, &page))
        }
        Err(e) => Err(UiError(e)),
    }
}

const CYCLE_STATES: [(CycleState, &str); 3] = [
    (CycleState::Planning, "Planning: OKRs are being drafted"),
    (CycleState::Active, "Active: check-ins are due"),
    (CycleState::Closed, "Closed: its OKRs are locked"),
];

struct CycleValues<'a> {
    name: &'a str,
    starts_on: &'a str,
    ends_on: &'a str,
    parent_id: &'a str,
    state: &'a str,
}

fn cycle_inputs(v: &CycleValues, cycles: &[Cycle], me: Option<&CycleId>) -> Vec<Input> {
    vec![
        Input::text("name", "Name", "text", v.name)
            .required()
            .hint("For example 2026 Q4."),
        Input::text("starts_on", "Starts on", "date", v.starts_on).required(),
        Input::text("ends_on", "Ends on", "date", v.ends_on).required(),
        Input::select(
            "parent_id",
            "Within",
            cycles
                .iter()
                .filter(|c| Some(&c.id) != me && c.parent_id.is_none())
                .map(|c| Choice {
                    value: c.id.to_string(),
                    label: c.name.clone(),
                    selected: c.id.as_str() == v.parent_id,
                })
                .collect(),
            "Not within another cycle",
        )
        .hint("Cycles nest one level deep: a year holding quarters."),
        Input::select("state", "State", enum_choices(&CYCLE_STATES, v.state), ""),
    ]
}

fn cycle_form_page(caller: &Caller, title: String, action: String, inputs: Vec<Input>) -> FormPage {
    let layout = Layout::signed_in(caller, "/admin");
    let mut page = FormPage::new(
        caller,
        "/admin/cycles",
        title,
        AdminForm::new(&layout, inputs),
    );
    page.action = action;
    page.links = vec![("/admin/cycles".into(), "Back to cycles".into())];
    page
}

/// `GET /admin/cycles/new`.
pub async fn new_cycle_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    let cycles = administration::admin_cycles(state.store(), &caller).await?;
    let v = CycleValues {
        name: "",
        starts_on: "",
        ends_on: "",
        parent_id: "",
        state: "planning",
    };
    let mut page = cycle_form_page(
        &caller,
        "Add a cycle".into(),
        "/admin/cycles/new".into(),
        cycle_inputs(&v, &cycles, None),
    );
    page.submit = "Add cycle";
    Ok(render(StatusCode::OK, &page))
}

fn cycle_values(f: &Posted) -> CycleValues<'_> {
    CycleValues {
        name: f.get("name"),
        starts_on: f.get("starts_on"),
        ends_on: f.get("ends_on"),
        parent_id: f.get("parent_id"),
        state: f.get("state"),
    }
}

/// The dates and state of a posted cycle form.
fn cycle_fields(f: &Posted) -> ApiResult<(chrono::NaiveDate, chrono::NaiveDate, CycleState)> {
    Ok((
        date("starts_on", f.get("starts_on"))?,
        date("ends_on", f.get("ends_on"))?,
        parse_enum("state", f.get("state"), "planning, active or closed")?,
    ))
}

/// `POST /admin/cycles/new`.
pub async fn create_cycle(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    let cycles = administration::admin_cycles(state.store(), &caller).await?;
    let result = match cycle_fields(&f) {
        Ok((starts_on, ends_on, st)) => {
            directory::create_cycle(
                state.store(),
                &caller,
                NewCycle {
                    name: f.get("name").to_string(),
                    starts_on,
                    ends_on,
                    parent_id: optional(f.get("parent_id")).map(CycleId::from_string),
                    state: st,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(see_other(format!("/admin/cycles/{}?created=1", c.id))),
        Err(e) => {
            let mut page = cycle_form_page(
                &caller,
                "Add a cycle".into(),
                "/admin/cycles/new".into(),
                cycle_inputs(&cycle_values(&f), &cycles, None),
            );
            page.submit = "Add cycle";
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}

fn edit_cycle_page(caller: &Caller, cycle: &Cycle, cycles: &[Cycle], v: &CycleValues) -> FormPage {
    let mut page = cycle_form_page(
        caller,
        format!("Edit {}", cycle.name),
        format!("/admin/cycles/{}", cycle.id),
        cycle_inputs(v, cycles, Some(&cycle.id)),
    );
    page.form.version = Some(cycle.version);
    page.links.insert(
        0,
        (
            format!("/company?cycle_id={}", cycle.id),
            format!("The goal tree of {}", cycle.name),
        ),
    );
    page
}

fn find_cycle(cycles: &[Cycle], id: &str) -> ApiResult<Cycle> {
    cycles
        .iter()
        .find(|c| c.id.as_str() == id)
        .cloned()
        .ok_or(ApiError::NotFound("cycle"))
}

/// `GET /admin/cycles/{id}`.
pub async fn edit_cycle_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, UiError> {
    let cycles = administration::admin_cycles(state.store(), &caller).await?;
    let cycle = find_cycle(&cycles, &id)?;
    let (starts, ends, parent, st) = (
        cycle.starts_on.to_string(),
        cycle.ends_on.to_string(),
        cycle
            .parent_id
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        wire(cycle.state),
    );
    let v = CycleValues {
        name: &cycle.name,
        starts_on: &starts,
        ends_on: &ends,
        parent_id: &parent,
        state: &st,
    };
    let mut page = edit_cycle_page(&caller, &cycle, &cycles, &v);
    page.form.success = n.message("cycle");
    Ok(render(StatusCode::OK, &page))
}

/// `POST /admin/cycles/{id}`.
pub async fn update_cycle(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    let cycles = administration::admin_cycles(state.store(), &caller).await?;
    let cycle = find_cycle(&cycles, &id)?;
    let result = match cycle_fields(&f) {
        Ok((starts_on, ends_on, st)) => {
            directory::patch_cycle(
                state.store(),
                &caller,
                &cycle.id,
                f.version(),
                CyclePatch {
                    name: Some(f.get("name").to_string()),
                    starts_on: Some(starts_on),
                    ends_on: Some(ends_on),
                    parent_id: Some(optional(f.get("parent_id")).map(CycleId::from_string)),
                    state: Some(st),
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(see_other(format!("/admin/cycles/{}?saved=1", c.id))),
        Err(e) => {
            let mut page = edit_cycle_page(&caller, &cycle, &cycles, &cycle_values(&f));
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}

// ---------------------------------------------------------------- settings

const POLICIES: [(OwnershipPolicy, &str); 2] = [
    (
        OwnershipPolicy::Single,
        "Single: one owner per OKR; contributors instead of co-owners",
    ),
    (
        OwnershipPolicy::Shared,
        "Shared: co-owners allowed next to the one accountable owner",
    ),
];
const SCALES: [(ConfidenceScale, &str); 2] = [
    (
        ConfidenceScale::ZeroToTen,
        "0 to 10 (0–3 off track, 4–6 at risk, 7–10 on track)",
    ),
    (
        ConfidenceScale::ThreeLevel,
        "Three levels (1 off track, 2 at risk, 3 on track)",
    ),
];
const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Monday, "Monday"),
    (Weekday::Tuesday, "Tuesday"),
    (Weekday::Wednesday, "Wednesday"),
    (Weekday::Thursday, "Thursday"),
    (Weekday::Friday, "Friday"),
    (Weekday::Saturday, "Saturday"),
    (Weekday::Sunday, "Sunday"),
];

/// The settings form's inputs, from values as typed (`get` answers by input name).
fn settings_inputs(get: impl Fn(&str) -> String) -> Vec<Input> {
    vec![
        Input::text("name", "Organisation name", "text", &get("name")).required(),
        Input::text("time_zone", "Time zone", "text", &get("time_zone"))
            .required()
            .hint("An IANA name, for example Europe/Paris or UTC."),
        Input::select(
            "ownership_policy",
            "Ownership policy",
            enum_choices(&POLICIES, &get("ownership_policy")),
            "",
        ),
        Input::select(
            "confidence_scale",
            "Confidence scale",
            enum_choices(&SCALES, &get("confidence_scale")),
            "",
        ),
        Input::select(
            "check_in_weekday",
            "Check-ins are due on",
            enum_choices(&WEEKDAYS, &get("check_in_weekday")),
            "",
        ),
        Input::text(
            "health.pending_ownership_days",
            "Warn when an ownership request waits more than (days)",
            "number",
            &get("health.pending_ownership_days"),
        )
        .required(),
        Input::text(
            "health.owner_overload",
            "Warn when one person owns more than (OKRs in a cycle)",
            "number",
            &get("health.owner_overload"),
        )
        .required(),
        Input::text(
            "health.max_key_results",
            "Warn when an objective has more than (key results)",
            "number",
            &get("health.max_key_results"),
        )
        .required(),
        Input::text(
            "health.stale_check_in_days",
            "Warn when a key result has no check-in for more than (days)",
            "number",
            &get("health.stale_check_in_days"),
        )
        .required(),
        Input::text(
            "rhythm.cadence_days",
            "Check-in cadence (days between check-ins; teams may set their own)",
            "number",
            &get("rhythm.cadence_days"),
        )
        .required(),
        Input::text(
            "rhythm.grace_days",
            "Grace before a silent key result turns stale (days past the cadence)",
            "number",
            &get("rhythm.grace_days"),
        )
        .required(),
    ]
}

fn settings_page(caller: &Caller, inputs: Vec<Input>) -> FormPage {
    let layout = Layout::signed_in(caller, "/admin");
    let mut page = FormPage::new(
        caller,
        "/admin/settings",
        "Organisation settings",
        AdminForm::new(&layout, inputs),
    );
    page.intro = "Policies for the whole organisation. The health thresholds decide when the health check starts to warn.".into();
    page.action = "/admin/settings".into();
    page
}

/// `GET /admin/settings` (administrators and champions).
pub async fn settings_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(n): Query<Notice>,
) -> Result<Response, UiError> {
    let s = administration::admin_settings(state.store(), &caller).await?;
    let inputs = settings_inputs(|name| match name {
        "name" => s.name.clone(),
        "time_zone" => s.time_zone.clone(),
        "ownership_policy" => wire(s.ownership_policy),
        "confidence_scale" => wire(s.confidence_scale),
        "check_in_weekday" => wire(s.check_in_weekday),
        "health.pending_ownership_days" => s.health.pending_ownership_days.to_string(),
        "health.owner_overload" => s.health.owner_overload.to_string(),
        "health.max_key_results" => s.health.max_key_results.to_string(),
        "health.stale_check_in_days" => s.health.stale_check_in_days.to_string(),
        "rhythm.cadence_days" => s.rhythm.cadence_days.to_string(),
        "rhythm.grace_days" => s.rhythm.grace_days.to_string(),
        _ => String::new(),
    });
    let mut page = settings_page(&caller, inputs);
    page.form.success = n.message("settings");
    Ok(render(StatusCode::OK, &page))
}

fn settings_patch(f: &Posted) -> ApiResult<SettingsPatch> {
    Ok(SettingsPatch {
        name: Some(f.get("name").to_string()),
        time_zone: Some(f.get("time_zone").trim().to_string()),
        ownership_policy: Some(parse_enum(
            "ownership_policy",
            f.get("ownership_policy"),
            "single or shared",
        )?),
        confidence_scale: Some(parse_enum(
            "confidence_scale",
            f.get("confidence_scale"),
            "zero_to_ten or three_level",
        )?),
        check_in_weekday: Some(parse_enum(
            "check_in_weekday",
            f.get("check_in_weekday"),
            "a day of the week",
        )?),
        health: Some(HealthThresholds {
            pending_ownership_days: whole(
                "health.pending_ownership_days",
                f.get("health.pending_ownership_days"),
            )?,
            owner_overload: whole("health.owner_overload", f.get("health.owner_overload"))?,
            max_key_results: whole("health.max_key_results", f.get("health.max_key_results"))?,
            stale_check_in_days: whole(
                "health.stale_check_in_days",
                f.get("health.stale_check_in_days"),
            )?,
        }),
        rhythm: Some(RhythmPatch {
            cadence_days: Some(whole("rhythm.cadence_days", f.get("rhythm.cadence_days"))?),
            grace_days: Some(whole("rhythm.grace_days", f.get("rhythm.grace_days"))?),
        }),
    })
}

/// `POST /admin/settings`.
pub async fn update_settings(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    administration::admin_settings(state.store(), &caller).await?;
    let result = match settings_patch(&f) {
        Ok(patch) => directory::patch_settings(state.store(), &caller, patch).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/admin/settings?saved=1".into())),
        Err(e) => {
            let mut page = settings_page(&caller, settings_inputs(|n| f.get(n).to_string()));
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}

// ---------------------------------------------------------------- API tokens

/// One of the signed-in person's tokens.
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    layout: Layout,
    sections: Vec<Section>,
    /// Everyone may manage their own tokens; only some see the other sections.
    show_sections: bool,
    form: AdminForm,
    /// The secret of the token just created: shown once.
    secret: Option<String>,
    tokens: Vec<TokenRow>,
}

const SCOPES: [(TokenScope, &str); 2] = [
    (TokenScope::Read, "Read: reads only (403 on any write)"),
    (TokenScope::Write, "Write: reads and writes as you"),
];

fn token_inputs(name: &str, scope: &str, expires_on: &str) -> Vec<Input> {
    vec![
        Input::text("name", "Name", "text", name)
            .required()
            .hint("What uses it, for example the CI export."),
        Input::select("scope", "Scope", enum_choices(&SCOPES, scope), ""),
        Input::text("expires_on", "Last day it works", "date", expires_on)
            .hint("Optional; leave empty for no expiry."),
    ]
}

async fn tokens_view(
    state: &AppState,
    caller: &Caller,
    inputs: Vec<Input>,
) -> Result<TokensPage, UiError> {
    let tokens = administration::own_tokens(state.store(), caller).await?;
    let layout = Layout::signed_in(caller, "/admin");
    let fmt = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|| "never".into())
    };
    let sections = sections(caller, "/admin/tokens");
    Ok(TokensPage {
        // Tokens alone (everyone's page) need no sub-navigation.
        show_sections: sections.len() > 1,
        sections,
        form: AdminForm::new(&layout, inputs),
        layout,
        secret: None,
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id.to_string(),
                name: t.name,
                scope: wire(t.scope),
                created: t.created_at.format("%Y-%m-%d").to_string(),
                expires: t
                    .expires_on
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "no expiry".into()),
                last_used: fmt(t.last_used_at),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
    })
}

#[derive(Deserialize, Default)]
pub struct TokenNotice {
    revoked: Option<String>,
}

/// `GET /admin/tokens`: the signed-in person's own tokens (everyone).
pub async fn tokens_page(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(n): Query<TokenNotice>,
) -> Result<Response, UiError> {
    let mut page = tokens_view(&state, &caller, token_inputs("", "read", "")).await?;
    if n.revoked.is_some() {
        page.form.success = Some("The token was revoked: it answers 401 from now on.".into());
    }
    Ok(render(StatusCode::OK, &page))
}

/// `POST /admin/tokens`: creates a token and shows its secret, once.
pub async fn create_token(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    let parsed = (|| -> ApiResult<(TokenScope, Option<chrono::NaiveDate>)> {
        let scope = parse_enum("scope", f.get("scope"), "read or write")?;
        let expires = match optional(f.get("expires_on")) {
            Some(d) => Some(date("expires_on", &d)?),
            None => None,
        };
        Ok((scope, expires))
    })();
    let result = match parsed {
        Ok((scope, expires_on)) => {
            tokens::issue(
                state.store(),
                &caller.write_ctx(),
                &caller.person,
                f.get("name"),
                scope,
                expires_on,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((token, secret)) => {
            let mut page = tokens_view(&state, &caller, token_inputs("", "read", "")).await?;
            page.form.success = Some(format!(
                "The token “{}” was created. Copy its secret now: Keel keeps only a hash and will not show it again.",
                token.name
            ));
            page.secret = Some(secret);
            Ok(render(StatusCode::CREATED, &page))
        }
        Err(e) => {
            let mut page = tokens_view(
                &state,
                &caller,
                token_inputs(f.get("name"), f.get("scope"), f.get("expires_on")),
            )
            .await?;
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    tokens::revoke_own_token(state.store(), &caller, &TokenId::from_string(id)).await?;
    Ok(see_other("/admin/tokens?revoked=1".into()))
}

// ---------------------------------------------------------------- single sign-on

#[derive(Template)]
#[template(path = "admin_sso.html")]
struct SsoPage {
    layout: Layout,
    sections: Vec<Section>,
    configured: bool,
    issuer: String,
    client_id: String,
    redirect_uri: String,
    roles_claim: String,
    role_map: Vec<(String, String)>,
}

/// `GET /admin/sso`: whether single sign-on is configured, and how (read-only: it comes from
/// configuration, and the client secret is never shown).
pub async fn sso(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    administration::may_read_sso(&caller)?;
    let oidc = state.auth.oidc.as_ref();
    let page = SsoPage {
        layout: Layout::signed_in(&caller, "/admin"),
        sections: sections(&caller, "/admin/sso"),
        configured: oidc.is_some(),
        issuer: oidc.map(|o| o.issuer.clone()).unwrap_or_default(),
        client_id: oidc.map(|o| o.client_id.clone()).unwrap_or_default(),
        redirect_uri: oidc.map(|o| o.redirect_uri.clone()).unwrap_or_default(),
        roles_claim: oidc.map(|o| o.roles_claim.clone()).unwrap_or_default(),
        role_map: oidc
            .map(|o| {
                o.role_map
                    .iter()
                    .map(|(g, r)| (g.clone(), r.as_str().to_string()))
                    .collect()
            })
            .unwrap_or_default(),
    };
    Ok(render(StatusCode::OK, &page))
}
