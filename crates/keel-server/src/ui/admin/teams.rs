//! The team administration pages: the list and creating a team (administrators and champions),
//! and editing one (also its lead, or the lead of a team above it): parent, lead, members.

use super::form::{optional, people_choices, AdminForm, Control, Input, Posted};
use super::{sections, see_other, FormPage, Notice, Section};
use crate::auth::Caller;
use crate::read::administration;
use crate::services::directory::{self, NewTeam, TeamPatch};
use crate::ui::company::Choice;
use crate::ui::forms::Field;
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form as PostedForm;
use keel_domain::*;

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
