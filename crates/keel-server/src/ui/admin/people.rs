//! The people administration pages (administrators): the searchable list, creating a person,
//! editing one (name, email, title, manager, roles, deactivation), and inviting one by email to
//! set their password (`services::accounts`; without email, the link is shown to pass on).

use super::form::{people_choices, AdminForm, Control, Input, Picker, Posted};
use super::{sections, see_other, FormPage, Notice, Section};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::read::administration;
use crate::services::accounts;
use crate::services::directory::{self, NewPerson, PersonPatch};
use crate::ui::company::Choice;
use crate::ui::forms::Field;
use crate::ui::{encode, render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form as PostedForm;
use keel_domain::*;
use keel_store::Store;
use serde::Deserialize;

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
    manager_find: &'a str,
    roles: Vec<&'a str>,
    active: bool,
}

/// The person form's inputs, the manager chosen named (one query; others are found with the
/// people picker, however many people there are).
async fn person_inputs(
    store: &dyn Store,
    v: &PersonValues<'_>,
    edit: bool,
) -> ApiResult<Vec<Input>> {
    let manager: Vec<PersonId> = Some(v.manager_id.trim())
        .filter(|m| !m.is_empty())
        .map(|m| PersonId::from_string(m.to_string()))
        .into_iter()
        .collect();
    let named = administration::chosen_people(store, &manager).await?;
    Ok(inputs_with_manager(
        v,
        people_choices(&named, &manager),
        edit,
    ))
}

fn inputs_with_manager(v: &PersonValues, manager: Vec<Choice>, edit: bool) -> Vec<Input> {
    let mut inputs = vec![
        Input::text("name", "Name", "text", v.name).required(),
        Input::text("email", "Email", "email", v.email).required(),
        Input::text("title", "Job title", "text", v.title),
        Input::picker(
            "manager_id",
            "Manager",
            Picker {
                source: "/pickers/people",
                none: "No manager",
                chosen: manager,
                find: v.manager_find.to_string(),
                placeholder: "Find someone: a name or an email",
            },
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
    if !edit {
        inputs.push(
            Input {
                field: Field::new("invite", "Invite them by email", "checkbox"),
                control: Control::Checkbox(v.active),
            }
            .hint("They get a link to choose their password (it works once, for a week). Without email, you are shown the link to pass on."),
        );
    }
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

impl<'a> PersonValues<'a> {
    /// The values as posted (kept when the form is refused); `active` is the caller's to set.
    fn posted(f: &'a Posted) -> Self {
        Self {
            name: f.get("name"),
            email: f.get("email"),
            title: f.get("title"),
            manager_id: f.get("manager_id"),
            manager_find: f.get("manager_id.find"),
            roles: f.all("roles"),
            active: false,
        }
    }
}

/// The roles a posted person form ticks and the manager its picker names (what was typed in its
/// find field, resolved as the OKR forms do), or a 422 naming the field.
async fn roles_and_manager(
    store: &dyn Store,
    f: &Posted,
) -> ApiResult<(Vec<Role>, Option<PersonId>)> {
    let roles = f
        .all("roles")
        .into_iter()
        .map(|r| {
            Role::parse(r).ok_or_else(|| ApiError::invalid("roles", format!("'{r}' is not a role")))
        })
        .collect::<ApiResult<Vec<Role>>>()?;
    let manager = administration::picked_person(
        store,
        "manager_id",
        f.get("manager_id"),
        f.get("manager_id.find"),
    )
    .await?;
    Ok((roles, manager))
}

/// `GET /admin/people/new`.
pub async fn new_person_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    crate::access::manage_people(&caller.person)?;
    let values = PersonValues {
        name: "",
        email: "",
        title: "",
        manager_id: "",
        manager_find: "",
        roles: vec!["member"],
        active: true,
    };
    let inputs = person_inputs(state.store(), &values, false).await?;
    Ok(render(StatusCode::OK, &new_person_page(&caller, inputs)))
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
        "They sign in with single sign-on, or with a password: invite them to choose one, or set one for them after adding them."
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
    headers: HeaderMap,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    crate::access::manage_people(&caller.person)?;
    let result = match roles_and_manager(state.store(), &f).await {
        Ok((roles, manager_id)) => {
            directory::create_person(
                state.store(),
                &caller,
                NewPerson {
                    name: f.get("name").to_string(),
                    email: f.get("email").trim().to_string(),
                    title: f.get("title").to_string(),
                    manager_id,
                    roles,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(p) if f.has("invite") => {
            invited_page(&state, &caller, &p, true, accounts::origin_of(&headers)).await
        }
        Ok(p) => Ok(see_other(format!("/admin/people/{}?created=1", p.id))),
        Err(e) => {
            let values = PersonValues {
                active: f.has("invite"),
                ..PersonValues::posted(&f)
            };
            let inputs = person_inputs(state.store(), &values, false).await?;
            let mut page = new_person_page(&caller, inputs);
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
            format!("/admin/people/{}/invite", person.id),
            format!("Invite {} by email to choose a password", person.name),
        ),
        (
            format!("/admin/people/{}/password", person.id),
            format!("Reset the password of {}", person.name),
        ),
        (
            format!("/people/{}", person.id),
            format!("What {} owns", person.name),
        ),
        (
            format!("/admin/people/{}/export", person.id),
            format!("Export the data of {}", person.name),
        ),
        (
            format!("/admin/people/{}/erase", person.id),
            format!("Erase {} (someone who left)", person.name),
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
    let person =
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
        manager_find: "",
        roles: person.roles.iter().map(|r| r.as_str()).collect(),
        active: person.active,
    };
    let inputs = person_inputs(state.store(), &values, true).await?;
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
    let person = administration::admin_person(state.store(), &caller, &id).await?;
    let result = match roles_and_manager(state.store(), &f).await {
        Ok((roles, manager_id)) => {
            directory::patch_person(
                state.store(),
                &caller,
                &id,
                f.version(),
                PersonPatch {
                    name: Some(f.get("name").to_string()),
                    email: Some(f.get("email").trim().to_string()),
                    title: Some(f.get("title").to_string()),
                    manager_id: Some(manager_id),
                    roles: Some(roles),
                    active: Some(f.has("active")),
                    time_zone: None,
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
                active: f.has("active"),
                ..PersonValues::posted(&f)
            };
            let inputs = person_inputs(state.store(), &values, true).await?;
            let mut page = edit_person_page(&caller, &person, inputs);
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}

fn invite_page(caller: &Caller, person: &Person, not_ready: Option<&str>) -> FormPage {
    let layout = Layout::signed_in(caller, "/admin");
    let mut page = FormPage::new(
        caller,
        "/admin",
        format!("Invite {}", person.name),
        AdminForm::new(&layout, vec![]),
    );
    let days = accounts::invite_lifetime().num_days();
    page.intro = match not_ready {
        None => format!(
            "{} gets an email at {} with a link to choose their password. The link works once, for {days} days; an earlier invitation stops working.",
            person.name,
            person.email.as_str()
        ),
        Some(why) => format!(
            "Keel cannot send email now: {why}. You will be shown the link to pass on to {} yourself; it works once, for {days} days.",
            person.name
        ),
    };
    page.action = format!("/admin/people/{}/invite", person.id);
    page.submit = if not_ready.is_none() {
        "Send the invitation"
    } else {
        "Make the link"
    };
    page.links = vec![
        (
            format!("/admin/people/{}", person.id),
            format!("Back to {}", person.name),
        ),
        ("/admin".into(), "Back to people".into()),
    ];
    page
}

/// `GET /admin/people/{id}/invite`: what inviting does, and the button.
pub async fn invite_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let person =
        administration::admin_person(state.store(), &caller, &PersonId::from_string(id)).await?;
    let ready = state.mail.ready_in(state.store()).await;
    Ok(render(
        StatusCode::OK,
        &invite_page(&caller, &person, ready.err().as_deref()),
    ))
}

/// Invites `person` and shows how it went: emailed, or the link to pass on (shown only now).
async fn invited_page(
    state: &AppState,
    caller: &Caller,
    person: &Person,
    added: bool,
    origin: Option<String>,
) -> Result<Response, UiError> {
    let ready = state.mail.ready_in(state.store()).await;
    let mut page = invite_page(caller, person, ready.as_ref().err().map(String::as_str));
    let result = accounts::invite(
        state.store(),
        &state.auth,
        &state.mail,
        caller,
        &person.id,
        origin,
    )
    .await;
    let added = if added {
        format!("{} was added. ", person.name)
    } else {
        String::new()
    };
    match result {
        Ok(inv) if inv.emailed => {
            page.form.success = Some(format!(
                "{added}An invitation is on its way to {}. Its link works once, until {}.",
                person.email.as_str(),
                crate::ui::format::when(inv.expires_at)
            ));
            page.submit = "Send it again";
            Ok(render(StatusCode::OK, &page))
        }
        Ok(inv) => {
            page.form.success = Some(format!(
                "{added}Pass this link on to {} (it is shown only now, works once, until {}): {}",
                person.name,
                crate::ui::format::when(inv.expires_at),
                inv.link.unwrap_or_default()
            ));
            page.submit = "Make a new link";
            Ok(render(StatusCode::OK, &page))
        }
        Err(e) => {
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}

/// `POST /admin/people/{id}/invite`: emails an invitation (or shows the link to pass on).
pub async fn invite(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let person =
        administration::admin_person(state.store(), &caller, &PersonId::from_string(id)).await?;
    let origin = accounts::origin_of(&headers);
    invited_page(&state, &caller, &person, false, origin).await
}
