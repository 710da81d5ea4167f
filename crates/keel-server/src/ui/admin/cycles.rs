//! The cycle administration pages (administrators and champions): the list, creating and
//! editing a cycle, and closing or re-opening one after a confirmation page (so no JavaScript is
//! needed to ask "are you sure?").

use super::form::{date, enum_choices, optional, parse_enum, wire, AdminForm, Input, Posted};
use super::{sections, see_other, FormPage, Notice, Section};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::read::administration;
use crate::services::directory::{self, CyclePatch, NewCycle};
use crate::ui::company::Choice;
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form as PostedForm;
use keel_domain::*;
use serde::Deserialize;

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
            starts_on: super::super::format::date(c.starts_on),
            ends_on: super::super::format::date(c.ends_on),
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
        can_reopen: crate::access::reopen_cycle(&caller.person).is_ok(),
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
        crate::access::close_cycle(&caller.person)?;
    } else {
        crate::access::reopen_cycle(&caller.person)?;
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
        Input::text("starts_on", "Starts on", "text", v.starts_on)
            .required()
            .hint(super::super::format::date_example()),
        Input::text("ends_on", "Ends on", "text", v.ends_on)
            .required()
            .hint(super::super::format::date_example()),
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
        super::super::format::date(cycle.starts_on),
        super::super::format::date(cycle.ends_on),
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
