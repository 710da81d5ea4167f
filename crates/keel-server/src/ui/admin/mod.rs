//! Administration pages (`/admin/...`): people (create, edit, roles, deactivate), teams (parent,
//! lead, members), cycles (and closing or re-opening one), organisation settings, and the single
//! sign-on status; the audit log page is `ui::audit`. This module holds what they share: the
//! routes, the sub-navigation (each entry shown only to those its page lets in) and the page
//! holding one form; each area has its own module, and the form machinery is `form`.
//!
//! Every form is a plain POST that works without JavaScript. Input is parsed here only as far as
//! HTML forms need (empty means none, dates, numbers); every rule is the services' (the same as
//! the API's), and a refusal is shown next to the field it names with what was typed kept.
//! Edits carry the record's version, so two administrators cannot silently overwrite each other.
//!
//! A person's own API tokens are not administration: they are on the account pages
//! (`/account/tokens`); `/admin/tokens`, their old address, redirects there.

pub mod automation;
pub mod cycles;
pub mod email;
pub mod form;
pub mod import;
pub mod notifications;
pub mod people;
pub mod person_data;
pub mod settings;
pub mod source_databases;
pub mod sso;
pub mod teams;
pub mod webhooks;

use crate::auth::Caller;
use crate::read::administration;
use crate::ui::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use form::{AdminForm, Control};
use serde::Deserialize;

/// The administration routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(people::people))
        .route(
            "/admin/people/new",
            get(people::new_person_form).post(people::create_person),
        )
        .route(
            "/admin/people/{id}",
            get(people::edit_person_form).post(people::update_person),
        )
        .route("/admin/people/{id}/export", get(person_data::export))
        .route(
            "/admin/people/{id}/erase",
            get(person_data::confirm_erase).post(person_data::erase),
        )
        .route("/admin/teams", get(teams::teams))
        .route(
            "/admin/teams/new",
            get(teams::new_team_form).post(teams::create_team),
        )
        .route(
            "/admin/teams/{id}",
            get(teams::edit_team_form).post(teams::update_team),
        )
        .route("/admin/cycles", get(cycles::cycles))
        .route(
            "/admin/cycles/new",
            get(cycles::new_cycle_form).post(cycles::create_cycle),
        )
        .route(
            "/admin/cycles/{id}",
            get(cycles::edit_cycle_form).post(cycles::update_cycle),
        )
        .route(
            "/admin/cycles/{id}/close",
            get(|s, c, Path(id): Path<String>| cycles::confirm_cycle(s, c, Path((id, true))))
                .post(|s, c, Path(id): Path<String>| cycles::change_cycle(s, c, Path((id, true)))),
        )
        .route(
            "/admin/cycles/{id}/reopen",
            get(|s, c, Path(id): Path<String>| cycles::confirm_cycle(s, c, Path((id, false))))
                .post(|s, c, Path(id): Path<String>| cycles::change_cycle(s, c, Path((id, false)))),
        )
        .route(
            "/admin/settings",
            get(settings::settings_form).post(settings::update_settings),
        )
        .route(
            "/admin/notifications",
            get(notifications::defaults_form).post(notifications::set_defaults),
        )
        .route("/admin/sso", get(sso::sso))
        .route(
            "/admin/import",
            get(import::import_form).post(import::import),
        )
        .route("/admin/email", get(email::email).post(email::save))
        .route(
            "/admin/people/{id}/invite",
            get(people::invite_form).post(people::invite),
        )
        .route("/admin/email/test", axum::routing::post(email::send_test))
        .route(
            "/admin/webhooks",
            get(webhooks::webhooks).post(webhooks::create),
        )
        .route(
            "/admin/webhooks/{id}",
            get(webhooks::webhook).post(webhooks::update),
        )
        .route(
            "/admin/webhooks/{id}/test",
            axum::routing::post(webhooks::send_test),
        )
        .route(
            "/admin/webhooks/{id}/delete",
            axum::routing::post(webhooks::delete),
        )
        .route(
            "/admin/source-databases",
            get(source_databases::databases).post(source_databases::register),
        )
        .route(
            "/admin/source-databases/{id}/delete",
            axum::routing::post(source_databases::remove),
        )
        .route(
            "/admin/automation",
            get(automation::automation).post(automation::create),
        )
        .route(
            "/admin/automation/{id}",
            axum::routing::post(automation::switch),
        )
        .route(
            "/admin/automation/{id}/dry-run",
            axum::routing::post(automation::dry_run),
        )
        .route(
            "/admin/automation/{id}/delete",
            axum::routing::post(automation::delete),
        )
        // The old address of a person's own API tokens.
        .route(
            "/admin/tokens",
            get(|| async { Redirect::permanent("/account/tokens") }),
        )
}

/// Whether the caller may open an administration page: the check its handler makes first.
type MayOpen = fn(&Caller) -> bool;

/// Where each administration page is, for the sub-navigation, with who may open it. Each rule
/// is the one the page itself checks (`access` or `read::administration`), so every link shown opens.
const SECTIONS: [(&str, &str, MayOpen); 12] = [
    ("/admin", "People", |c| {
        crate::access::manage_people(&c.person).is_ok()
    }),
    ("/admin/teams", "Teams", |c| {
        administration::may_list_teams(&c.person).is_ok()
    }),
    ("/admin/cycles", "Cycles", |c| {
        crate::access::manage_cycles(&c.person).is_ok()
    }),
    ("/admin/settings", "Settings", |c| {
        crate::access::manage_settings(&c.person).is_ok()
    }),
    ("/admin/notifications", "Notifications", |c| {
        crate::access::manage_settings(&c.person).is_ok()
    }),
    ("/admin/sso", "Single sign-on", |c| {
        crate::access::configure_sso(&c.person).is_ok()
    }),
    ("/admin/email", "Email", |c| {
        crate::access::configure_sso(&c.person).is_ok()
    }),
    ("/admin/webhooks", "Webhooks", |c| {
        crate::access::manage_webhooks(&c.person).is_ok()
    }),
    ("/admin/automation", "Automation", |c| {
        crate::access::manage_automation(&c.person).is_ok()
    }),
    ("/admin/source-databases", "Databases", |c| {
        crate::access::manage_source_databases(&c.person).is_ok()
    }),
    ("/admin/audit", "Audit log", |c| {
        crate::access::read_audit(&c.person).is_ok()
    }),
    ("/admin/import", "Import", |c| {
        crate::access::transfer_okrs(&c.person).is_ok()
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
pub(super) struct FormPage {
    pub(super) layout: Layout,
    pub(super) sections: Vec<Section>,
    pub(super) title: String,
    pub(super) intro: String,
    pub(super) action: String,
    pub(super) submit: &'static str,
    pub(super) form: AdminForm,
    /// Links shown under the form (back to the list, reset a password …).
    pub(super) links: Vec<(String, String)>,
}

impl FormPage {
    pub(super) fn new(
        caller: &Caller,
        section: &str,
        title: impl Into<String>,
        form: AdminForm,
    ) -> Self {
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
    pub(super) fn message(&self, what: &str) -> Option<String> {
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
pub(crate) fn see_other(to: String) -> Response {
    Redirect::to(&to).into_response()
}
