//! The team administration pages: the list (a numbered page at a time, by name, with a find
//! field) and creating a team (administrators and champions), and editing one (also its lead,
//! or the lead of a team above it): parent, lead, members.
//!
//! However many people and teams there are, a page names only those chosen: the parent and the
//! lead are single-choice pickers, the members ticked boxes (untick to remove; more than
//! [`MEMBERS_PER_PAGE`] are listed a page at a time) with a find field to add more, as in the
//! OKR forms (`read::pickers`).

use super::form::{people_choices, AdminForm, Input, Picker, Posted, Several};
use super::{sections, see_other, FormPage, Notice, Section};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::read::administration::{self, TeamList, TEAMS_PER_PAGE};
use crate::read::pickers;
use crate::services::directory::{self, NewTeam, TeamPatch};
use crate::ui::company::Choice;
use crate::ui::{encode, render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form as PostedForm;
use keel_domain::*;
use keel_store::Store;
use serde::Deserialize;
use std::collections::HashSet;

/// How many members a team form lists at a time.
pub const MEMBERS_PER_PAGE: usize = 200;

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
    name: String,
    teams: Vec<TeamRow>,
    /// "Teams 101–200 of 12,500", or why none are shown.
    shown: String,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct TeamsQuery {
    name: Option<String>,
    page: Option<String>,
}

/// A page number as typed in an address (from 1), or a 422 naming `field`.
fn page_number(field: &str, typed: Option<&str>) -> ApiResult<u64> {
    match typed.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(1),
        Some(p) => p
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| ApiError::invalid(field, "must be a page number: 1, 2, 3…")),
    }
}

/// `GET /admin/teams` (administrators and champions): a page of teams by name, filtered by
/// words of the name.
pub async fn teams(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<TeamsQuery>,
) -> Result<Response, UiError> {
    let name = q.name.unwrap_or_default();
    let page = page_number("page", q.page.as_deref())?;
    let list = administration::admin_teams(state.store(), &caller, &name, page).await?;
    let href = |n: u64| {
        let mut h = format!("/admin/teams?page={n}");
        if !name.trim().is_empty() {
            h.push_str(&format!("&name={}", encode(name.trim())));
        }
        h
    };
    let view = TeamsPage {
        layout: Layout::signed_in(&caller, "/admin"),
        sections: sections(&caller, "/admin/teams"),
        shown: shown(&list, name.trim()),
        previous: (list.page > 1).then(|| href((list.page - 1).min(list.pages()))),
        next: (list.page < list.pages()).then(|| href(list.page + 1)),
        teams: rows(&list),
        name,
    };
    Ok(render(StatusCode::OK, &view))
}

fn rows(list: &TeamList) -> Vec<TeamRow> {
    list.teams
        .iter()
        .map(|t| TeamRow {
            id: t.id.to_string(),
            name: t.name.clone(),
            parent: t
                .parent_id
                .as_ref()
                .and_then(|p| list.parents.get(p).cloned())
                .unwrap_or_default(),
            lead: t
                .lead_id
                .as_ref()
                .and_then(|l| list.leads.get(l).cloned())
                .unwrap_or_default(),
            members: t.member_ids.len(),
        })
        .collect()
}

/// Which teams a page shows, of how many: never a silent cut.
fn shown(list: &TeamList, name: &str) -> String {
    let matching = if name.is_empty() {
        String::new()
    } else {
        format!(" whose name contains “{name}”")
    };
    let total = count(list.total);
    match (list.total, list.teams.len() as u64) {
        (0, _) if name.is_empty() => "No teams yet.".into(),
        (0, _) => format!("No team{matching}."),
        (_, 0) => format!(
            "Page {} is past the last: {total} teams{matching} fill {} pages.",
            list.page,
            list.pages()
        ),
        (_, n) => {
            let first = (list.page - 1) * u64::from(TEAMS_PER_PAGE) + 1;
            format!(
                "Teams {}–{} of {total}{matching}, by name.",
                count(first),
                count(first + n - 1)
            )
        }
    }
}

/// A count as the organisation writes numbers ("12,500").
fn count(n: u64) -> String {
    crate::ui::format::num(n as f64)
}

/// What a team form shows, as chosen or typed.
#[derive(Default)]
struct TeamValues {
    name: String,
    parent_id: Option<TeamId>,
    parent_find: String,
    lead_id: Option<PersonId>,
    lead_find: String,
    /// The members listed (ticked or not).
    listed: Vec<PersonId>,
    /// The members ticked.
    ticked: Vec<PersonId>,
    members_find: String,
    /// Which members are listed, of how many, with links to the other pages.
    members_note: Option<String>,
    members_pages: Vec<(String, String)>,
}

impl TeamValues {
    /// The values as posted (kept when the form is refused).
    fn posted(f: &Posted) -> Self {
        let ids = |name: &str| -> Vec<PersonId> {
            f.all(name)
                .into_iter()
                .map(|m| PersonId::from_string(m.to_string()))
                .collect()
        };
        let ticked = ids("member_ids");
        let mut listed = ids("member_shown");
        listed.extend(
            ticked
                .iter()
                .filter(|t| !listed.contains(t))
                .cloned()
                .collect::<Vec<_>>(),
        );
        Self {
            name: f.get("name").to_string(),
            parent_id: super::form::optional(f.get("parent_id")).map(TeamId::from_string),
            parent_find: f.get("parent_id.find").to_string(),
            lead_id: super::form::optional(f.get("lead_id")).map(PersonId::from_string),
            lead_find: f.get("lead_id.find").to_string(),
            listed,
            ticked,
            members_find: f.get("member_ids.find").to_string(),
            ..Self::default()
        }
    }

    /// The values of `team` as stored, its members' page `page` (from 1) listed.
    fn of(team: &Team, page: usize) -> Self {
        let all = &team.member_ids;
        let pages = all.len().div_ceil(MEMBERS_PER_PAGE).max(1);
        let page = page.clamp(1, pages);
        let from = (page - 1) * MEMBERS_PER_PAGE;
        let listed: Vec<PersonId> = all
            .iter()
            .skip(from)
            .take(MEMBERS_PER_PAGE)
            .cloned()
            .collect();
        let (members_note, members_pages) = if pages > 1 {
            let note = format!(
                "{} members, listed {MEMBERS_PER_PAGE} at a time: these are {}–{}. Unticking removes only those listed here; save before opening another page, or your changes here are lost.",
                count(all.len() as u64),
                count(from as u64 + 1),
                count((from + listed.len()) as u64)
            );
            let link = |p: usize, label: &str| {
                (
                    format!("/admin/teams/{}?members={p}", team.id),
                    format!("{label} (page {p} of {pages})"),
                )
            };
            let links = [
                (page > 1).then(|| link(page - 1, "Previous members")),
                (page < pages).then(|| link(page + 1, "Next members")),
            ]
            .into_iter()
            .flatten()
            .collect();
            (Some(note), links)
        } else {
            (None, vec![])
        };
        Self {
            name: team.name.clone(),
            parent_id: team.parent_id.clone(),
            lead_id: team.lead_id.clone(),
            ticked: listed.clone(),
            listed,
            members_note,
            members_pages,
            ..Self::default()
        }
    }
}

/// The team form's inputs: the chosen parent, lead and listed members named (two queries,
/// however many people and teams there are).
async fn team_inputs(store: &dyn Store, v: TeamValues) -> ApiResult<Vec<Input>> {
    let parent: Vec<TeamId> = v.parent_id.iter().cloned().collect();
    let parents = administration::chosen_teams(store, &parent).await?;
    let mut ids: Vec<PersonId> = v.lead_id.iter().cloned().collect();
    ids.extend(v.listed.iter().cloned());
    let people = administration::chosen_people(store, &ids).await?;
    let named = |ids: &[PersonId]| -> Vec<Person> {
        ids.iter()
            .filter_map(|id| people.iter().find(|p| &p.id == id).cloned())
            .collect()
    };
    let lead: Vec<PersonId> = v.lead_id.iter().cloned().collect();
    Ok(vec![
        Input::text("name", "Name", "text", &v.name).required(),
        Input::picker(
            "parent_id",
            "Part of",
            Picker {
                source: "/pickers/teams",
                none: "No parent (a top-level team)",
                chosen: parents
                    .into_iter()
                    .map(|(id, name)| Choice {
                        value: id.to_string(),
                        label: name,
                        selected: true,
                    })
                    .collect(),
                find: v.parent_find,
                placeholder: "Find a team by name",
            },
        ),
        Input::picker(
            "lead_id",
            "Lead",
            Picker {
                source: "/pickers/people",
                none: "No lead",
                chosen: people_choices(&named(&lead), &lead),
                find: v.lead_find,
                placeholder: "Find someone: a name or an email",
            },
        )
        .hint("The lead may edit the team and its OKRs; a team never owns an OKR itself."),
        Input::several(
            "member_ids",
            "Members",
            Several {
                source: "/pickers/people",
                chosen: people_choices(&named(&v.listed), &v.ticked),
                shown: "member_shown",
                find: v.members_find,
                placeholder: "Find someone to add: a name or an email",
                note: v.members_note,
                pages: v.members_pages,
            },
        )
        .hint("Untick to remove someone; find people to add them."),
    ])
}

/// The parent, lead and members a posted team form names: the pickers' choices, or what was
/// typed in their find fields (a 422 naming the field when it names nobody, or several).
/// `current` are the team's members now: those listed on the form and unticked leave, the
/// others stay, those ticked or found join.
async fn team_choices(
    store: &dyn Store,
    f: &Posted,
    current: &[PersonId],
) -> ApiResult<(Option<TeamId>, Option<PersonId>, Vec<PersonId>)> {
    let parent = administration::picked_team(
        store,
        "parent_id",
        f.get("parent_id"),
        f.get("parent_id.find"),
    )
    .await?;
    let lead =
        administration::picked_person(store, "lead_id", f.get("lead_id"), f.get("lead_id.find"))
            .await?;
    let v = TeamValues::posted(f);
    let added = pickers::resolve_people(store, "member_ids", &v.members_find, &v.ticked).await?;
    let unticked: HashSet<&PersonId> = v.listed.iter().filter(|l| !v.ticked.contains(l)).collect();
    let mut seen: HashSet<PersonId> = HashSet::new();
    let members = current
        .iter()
        .filter(|m| !unticked.contains(m))
        .chain(v.ticked.iter())
        .chain(added.iter())
        .filter(|m| seen.insert((*m).clone()))
        .cloned()
        .collect();
    Ok((parent, lead, members))
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

fn new_team_page(caller: &Caller, inputs: Vec<Input>) -> FormPage {
    let mut page = team_form_page(
        caller,
        "Add a team".into(),
        "/admin/teams/new".into(),
        inputs,
    );
    page.submit = "Add team";
    page
}

/// `GET /admin/teams/new`.
pub async fn new_team_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    administration::may_list_teams(&caller.person)?;
    let inputs = team_inputs(state.store(), TeamValues::default()).await?;
    Ok(render(StatusCode::OK, &new_team_page(&caller, inputs)))
}

/// `POST /admin/teams/new`.
pub async fn create_team(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    administration::may_list_teams(&caller.person)?;
    let result = match team_choices(state.store(), &f, &[]).await {
        Ok((parent_id, lead_id, member_ids)) => {
            directory::create_team(
                state.store(),
                &caller,
                NewTeam {
                    name: f.get("name").to_string(),
                    parent_id,
                    lead_id,
                    member_ids,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(t) => Ok(see_other(format!("/admin/teams/{}?created=1", t.id))),
        Err(e) => {
            let inputs = team_inputs(state.store(), TeamValues::posted(&f)).await?;
            let mut page = new_team_page(&caller, inputs);
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}

#[derive(Deserialize)]
pub struct MembersQuery {
    members: Option<String>,
}

/// `GET /admin/teams/{id}` (administrators, champions and the team's lead); `?members=2` lists
/// the second page of its members.
pub async fn edit_team_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
    Query(m): Query<MembersQuery>,
) -> Result<Response, UiError> {
    let team = administration::admin_team(state.store(), &caller, &TeamId::from_string(id)).await?;
    let page = page_number("members", m.members.as_deref())?;
    let values = TeamValues::of(&team, usize::try_from(page).unwrap_or(usize::MAX));
    let inputs = team_inputs(state.store(), values).await?;
    let mut page = edit_team_page(&caller, &team, inputs);
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
    let team = administration::admin_team(state.store(), &caller, &id).await?;
    let result = match team_choices(state.store(), &f, &team.member_ids).await {
        Ok((parent_id, lead_id, member_ids)) => {
            directory::patch_team(
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
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(t) => Ok(see_other(format!("/admin/teams/{}?saved=1", t.id))),
        Err(e) => {
            let mut values = TeamValues::posted(&f);
            let listed: HashSet<&PersonId> = values.listed.iter().collect();
            let others = team
                .member_ids
                .iter()
                .filter(|m| !listed.contains(m))
                .count();
            if others > 0 {
                values.members_note = Some(format!(
                    "{} other members are not listed here: they stay in the team.",
                    count(others as u64)
                ));
            }
            let inputs = team_inputs(state.store(), values).await?;
            let mut page = edit_team_page(&caller, &team, inputs);
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}
