//! The databases page (administrators): the databases SQL data sources may query, each with what
//! it connects to (its password never shown), who registered it and which sources query it; a
//! form to register one and a button to remove one.
//!
//! Every rule is the pulled sources' service (`crate::pull`), the same as
//! `/api/v1/source-databases`: the connection is tried before it is saved and sealed with the
//! server's key, and a database a source still queries is not removed (the store refuses it, in
//! one place). The typed URL holds a password, so a refused form never shows it again.

use super::form::{AdminForm, Control, Input, Posted};
use super::{sections, see_other, Section};
use crate::error::ApiError;
use crate::pull::{self as svc, DatabaseInput};
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form as PostedForm;
use keel_domain::data_feed::FeedTarget;
use keel_domain::*;
use keel_store::{PageRequest, People, PullSources};
use serde::Deserialize;
use std::collections::HashMap;

/// How many databases a page lists; the rest are a link away.
const PER_PAGE: u32 = 50;
/// How many of a database's sources its row names; it says how many more there are.
const SOURCES_SHOWN: usize = 10;

/// A source querying a database, linked to what it feeds.
struct SourceLink {
    name: String,
    href: String,
    feeds: &'static str,
}

/// A database as the list shows it.
struct Row {
    id: String,
    name: String,
    connects_to: String,
    registered: String,
    sources: Vec<SourceLink>,
    /// How many sources the row does not name.
    more_sources: usize,
}

#[derive(Template)]
#[template(path = "admin_source_databases.html")]
struct ListPage {
    layout: Layout,
    sections: Vec<Section>,
    rows: Vec<Row>,
    more: Option<String>,
    notice: Option<String>,
    form: AdminForm,
}

fn inputs(name: &str) -> Vec<Input> {
    vec![
        Input::text("name", "Name", "text", name)
            .hint("What owners pick it by, for example Warehouse.")
            .required(),
        Input::text("url", "Connection URL", "password", "")
            .hint("postgres://user:password@host:5432/database. Give it a role that may only read what sources need. It is tried before it is saved, kept encrypted and never shown again.")
            .required(),
    ]
}

#[derive(Deserialize, Default)]
pub struct Cursor {
    cursor: Option<String>,
    done: Option<String>,
}

/// The page: a page of databases with, in three more queries whatever their number, what they
/// connect to, who registered them and the sources querying them.
async fn list_page(
    state: &AppState,
    caller: &crate::auth::Caller,
    form: AdminForm,
    cursor: Option<String>,
) -> Result<ListPage, UiError> {
    let store = state.store();
    let got = store
        .source_databases(&PageRequest {
            limit: PER_PAGE,
            cursor,
        })
        .await?;
    let ids: Vec<SourceDatabaseId> = got.items.iter().map(|d| d.id.clone()).collect();
    let key = state.mail.keys.key().ok();
    let reaches: HashMap<SourceDatabaseId, String> = store
        .source_database_urls(&ids)
        .await?
        .into_iter()
        .map(|(id, sealed)| {
            let words = key
                .as_ref()
                .and_then(|k| k.open(&sealed).ok())
                .map(|url| svc::connects_to(&url))
                .unwrap_or_else(|| "an address this server's key cannot open".into());
            (id, words)
        })
        .collect();
    let mut using: HashMap<SourceDatabaseId, Vec<SourceLink>> = HashMap::new();
    for s in store.pull_sources_querying(&ids).await? {
        let Some(db) = s.database_id.clone() else {
            continue;
        };
        let (href, feeds) = match &s.target {
            FeedTarget::KeyResult(k) => (format!("/key-results/{k}"), "a key result"),
            FeedTarget::Kpi(k) => (format!("/kpis/{k}"), "a KPI"),
        };
        using.entry(db).or_default().push(SourceLink {
            name: s.name,
            href,
            feeds,
        });
    }
    let mut people: Vec<PersonId> = got
        .items
        .iter()
        .filter_map(|d| d.created_by.clone())
        .collect();
    people.sort();
    people.dedup();
    let names: HashMap<PersonId, String> = store
        .person_names(&people)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let rows = got
        .items
        .into_iter()
        .map(|d| {
            let mut sources = using.remove(&d.id).unwrap_or_default();
            let more_sources = sources.len().saturating_sub(SOURCES_SHOWN);
            sources.truncate(SOURCES_SHOWN);
            let by = d
                .created_by
                .as_ref()
                .and_then(|p| names.get(p).cloned())
                .unwrap_or_else(|| "someone no longer in Keel".into());
            Row {
                id: d.id.to_string(),
                connects_to: reaches
                    .get(&d.id)
                    .cloned()
                    .unwrap_or_else(|| "an unknown address".into()),
                registered: format!("by {by} on {}", crate::ui::format::day(d.created_at)),
                name: d.name,
                sources,
                more_sources,
            }
        })
        .collect();
    Ok(ListPage {
        sections: sections(caller, "/admin/source-databases"),
        rows,
        more: got.next_cursor.map(|c| {
            format!(
                "/admin/source-databases?{}",
                serde_urlencoded::to_string([("cursor", c)]).unwrap_or_default()
            )
        }),
        notice: None,
        layout: Layout::signed_in(caller, "/admin"),
        form,
    })
}

/// `GET /admin/source-databases`: the databases and the form to register one.
pub async fn databases(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<Cursor>,
) -> Result<Response, UiError> {
    crate::access::manage_source_databases(&caller.person)?;
    let layout = Layout::signed_in(&caller, "/admin");
    let form = AdminForm::new(&layout, inputs(""));
    let mut view = list_page(&state, &caller, form, q.cursor).await?;
    view.notice = match q.done.as_deref() {
        Some("registered") => Some("The database was registered: owners may now query it.".into()),
        Some("removed") => Some("The database was removed.".into()),
        _ => None,
    };
    Ok(render(StatusCode::OK, &view))
}

/// `POST /admin/source-databases`: as `POST /api/v1/source-databases`; the list again with
/// each refusal next to its field (the URL never typed back in).
pub async fn register(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    crate::access::manage_source_databases(&caller.person)?;
    let input = DatabaseInput {
        name: f.get("name").to_string(),
        url: f.get("url").to_string(),
    };
    match svc::register_database(state.store(), &state.mail, &caller, &input).await {
        Ok(_) => Ok(see_other("/admin/source-databases?done=registered".into())),
        Err(refused) => {
            let layout = Layout::signed_in(&caller, "/admin");
            let mut form = AdminForm::new(&layout, inputs(f.get("name")));
            let mut status = StatusCode::UNPROCESSABLE_ENTITY;
            for e in refused.0 {
                status = form.show(e)?;
            }
            let view = list_page(&state, &caller, form, None).await?;
            Ok(render(status, &view))
        }
    }
}

/// `POST /admin/source-databases/{id}/delete`: as the API's DELETE; while a source queries it,
/// the list again saying so (409).
pub async fn remove(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = SourceDatabaseId::from_string(id);
    match svc::delete_database(state.store(), &caller, &id).await {
        Ok(()) => Ok(see_other("/admin/source-databases?done=removed".into())),
        Err(ApiError::Conflict { message, .. }) => {
            let layout = Layout::signed_in(&caller, "/admin");
            let mut form = AdminForm::new(&layout, inputs(""));
            form.error = Some(format!("The database was not removed: {message}."));
            let view = list_page(&state, &caller, form, None).await?;
            Ok(render(StatusCode::CONFLICT, &view))
        }
        Err(e) => Err(UiError(e)),
    }
}
