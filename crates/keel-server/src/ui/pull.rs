//! The forms of a pulled source, the same on a key result's page and on a KPI's (set or change
//! it, run it now, remove it): one form ([`SourceView`], drawn by `source_form_macros.html`),
//! one set of handlers over either target. Each posts here and calls the API's use case
//! (`crate::pull`), so the pages and `/api/v1/…/source` answer alike; a refusal shows the page
//! again (422, nothing saved) with each reason next to its field in the reader's words and what
//! was typed kept (never a header value).

use crate::error::{ApiError, Refusals};
use crate::pull::{self as svc, HeaderInput, SourceInput, Target};
use crate::ui::admin::see_other;
use crate::ui::{SignedIn, UiError};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use keel_domain::data_feed::FeedTarget;
use keel_domain::pull::{PullKind, PullSource};
use keel_domain::*;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/key-results/{id}/source",
            post(|s, c, Path(id): Path<String>, f| save(s, c, key_result(id), f)),
        )
        .route(
            "/key-results/{id}/source/run",
            post(|s, c, Path(id): Path<String>| run(s, c, key_result(id))),
        )
        .route(
            "/key-results/{id}/source/remove",
            post(|s, c, Path(id): Path<String>| remove(s, c, key_result(id))),
        )
        .route(
            "/kpis/{id}/source",
            post(|s, c, Path(id): Path<String>, f| save(s, c, kpi(id), f)),
        )
        .route(
            "/kpis/{id}/source/run",
            post(|s, c, Path(id): Path<String>| run(s, c, kpi(id))),
        )
        .route(
            "/kpis/{id}/source/remove",
            post(|s, c, Path(id): Path<String>| remove(s, c, kpi(id))),
        )
}

fn key_result(id: String) -> Target {
    Target::KeyResult(KeyResultId::from_string(id))
}

fn kpi(id: String) -> Target {
    Target::Kpi(KpiId::from_string(id))
}

/// Where a target's page is, and its data section on it.
fn page_of(target: &Target) -> (String, &'static str) {
    match target {
        Target::KeyResult(k) => (format!("/key-results/{k}"), "#data-h"),
        Target::Kpi(k) => (format!("/kpis/{k}"), "#source-h"),
    }
}

/// The source form as a page draws it: where it posts, what it holds, the registered
/// databases to pick from and each refusal next to its input.
#[derive(Debug, Clone, Default)]
pub struct SourceView {
    /// `/key-results/{id}/source` or `/kpis/{id}/source` (`/run`, `/remove` beside it).
    pub action: String,
    /// Whether the target has a source (the form changes it; "Run now" and "Remove" are offered).
    pub has_source: bool,
    pub form: SourceForm,
    /// The registered databases an SQL source may query: (id, name).
    pub databases: Vec<(String, String)>,
    /// "3 more databases are registered: ask an administrator …" when the list is cut.
    pub databases_more: bool,
    /// Refusals by the form input they name (`url`, `header_name` …).
    pub errors: FieldRefusals,
}

/// How many registered databases the form offers (an administrator registers a few).
const DATABASES_OFFERED: u32 = 200;

impl SourceView {
    /// The form of `target`'s source (`source`, when it has one): one query, the databases.
    pub async fn load(
        store: &dyn keel_store::Store,
        target: &FeedTarget,
        source: Option<&PullSource>,
    ) -> keel_store::StoreResult<SourceView> {
        use keel_store::PullSources;
        let got = store
            .source_databases(&keel_store::PageRequest {
                limit: DATABASES_OFFERED,
                cursor: None,
            })
            .await?;
        let action = match target {
            FeedTarget::KeyResult(k) => format!("/key-results/{k}/source"),
            FeedTarget::Kpi(k) => format!("/kpis/{k}/source"),
        };
        Ok(SourceView {
            action,
            has_source: source.is_some(),
            form: source.map(SourceForm::of).unwrap_or_default(),
            databases: got
                .items
                .into_iter()
                .map(|d| (d.id.to_string(), d.name))
                .collect(),
            databases_more: got.next_cursor.is_some(),
            errors: vec![],
        })
    }

    /// The form as posted (its header value left out), with each refusal next to its input.
    pub fn refused(&mut self, mut posted: SourceForm, errors: FieldRefusals) {
        posted.header_value.clear();
        self.form = posted;
        self.errors = errors;
    }

    /// The refusal shown next to `input`, if any.
    pub fn error(&self, input: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(i, _)| *i == input)
            .map(|(_, m)| m.as_str())
    }
}

/// Refusals by the form input they name.
pub type FieldRefusals = Vec<(&'static str, String)>;

/// Each refusal about a field, by the form input it is typed in.
fn by_input(r: &Refusals) -> FieldRefusals {
    r.0.iter()
        .filter_map(|e| match e {
            ApiError::Invalid(f) => Some((input_of(&f.field), f.message.clone())),
            _ => None,
        })
        .collect()
}

/// The form input an API field is typed in (`headers[0].value`: the header's).
fn input_of(field: &str) -> &'static str {
    match field {
        "name" => "name",
        "kind" => "kind",
        "url" => "url",
        "json_pointer" => "json_pointer",
        "database_id" => "database_id",
        "query" => "query",
        "schedule" => "schedule",
        f if f.starts_with("headers") => "header_name",
        _ => "",
    }
}

/// The source form as posted (and shown again after a refusal, the header value left out).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SourceForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub json_pointer: String,
    #[serde(default)]
    pub header_name: String,
    #[serde(default, skip_serializing)]
    pub header_value: String,
    #[serde(default)]
    pub database_id: String,
    #[serde(default)]
    pub query: String,
    #[serde(default)]
    pub schedule: String,
}

/// A field as the form labels it.
fn label(field: &str) -> &str {
    match field {
        "url" => "URL",
        "json_pointer" => "JSON Pointer",
        "headers" => "Header",
        "database_id" => "Database",
        "query" => "Query",
        "schedule" => "How often",
        "name" => "Name",
        "kind" => "Kind",
        _ => "Data source",
    }
}

/// The refusals of a source in the reader's words: "URL: the server answered 401".
pub fn refusal_words(r: &Refusals) -> String {
    r.0.iter()
        .map(|e| match e {
            ApiError::Invalid(f) => format!("{}: {}", label(&f.field), f.message),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl SourceForm {
    /// The stored settings of a source (its header values stay secret).
    pub fn of(s: &PullSource) -> SourceForm {
        SourceForm {
            name: s.name.clone(),
            kind: if s.kind == PullKind::Sql {
                "sql"
            } else {
                "http"
            }
            .into(),
            url: s.url.clone().unwrap_or_default(),
            json_pointer: s.json_pointer.clone().unwrap_or_default(),
            header_name: s.header_names.first().cloned().unwrap_or_default(),
            database_id: s
                .database_id
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            query: s.query.clone().unwrap_or_default(),
            schedule: s.schedule.as_str().into(),
            ..Default::default()
        }
    }

    /// The API's input: blank fields left out (a change keeps them), the kind as chosen. A
    /// header value left empty keeps the saved ones (`saved`: the source exists); on a new
    /// source it is refused, naming the header.
    fn input(&self, saved: bool) -> SourceInput {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let kind = match self.kind.as_str() {
            "sql" => PullKind::Sql,
            _ => PullKind::Http,
        };
        let http = kind == PullKind::Http;
        SourceInput {
            name: some(&self.name),
            kind: Some(kind),
            url: some(&self.url).filter(|_| http),
            json_pointer: Some(self.json_pointer.trim().to_string()).filter(|_| http),
            headers: some(&self.header_name)
                .filter(|_| http && !(saved && self.header_value.is_empty()))
                .map(|n| {
                    vec![HeaderInput {
                        name: n,
                        value: self.header_value.clone(),
                    }]
                }),
            database_id: some(&self.database_id).filter(|_| !http),
            query: some(&self.query).filter(|_| !http),
            schedule: some(&self.schedule),
        }
    }
}

/// `POST /key-results/{id}/source`, `POST /kpis/{id}/source`: sets the source, or changes the
/// one it has; the page again with each reason next to its field when it is refused.
async fn save(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    target: Target,
    Form(f): Form<SourceForm>,
) -> Result<Response, UiError> {
    let exists = svc::get(state.store(), &caller, &target).await.is_ok();
    let input = f.input(exists);
    let saved = if exists {
        svc::update(state.store(), &state.mail, &caller, &target, None, &input).await
    } else {
        svc::create(state.store(), &state.mail, &caller, &target, &input).await
    };
    let (page, section) = page_of(&target);
    match saved {
        Ok(_) => Ok(see_other(format!("{page}?done=source-saved{section}"))),
        Err(r)
            if r.0
                .iter()
                .all(|e| matches!(e, ApiError::Invalid(_) | ApiError::Conflict { .. })) =>
        {
            let (words, errors) = (refusal_words(&r), by_input(&r));
            match &target {
                Target::KeyResult(kr) => {
                    super::key_result::refused_source(&state, &caller, kr, (f, errors), words).await
                }
                Target::Kpi(k) => {
                    super::kpis::refused_source(&state, &caller, k, (f, errors), words).await
                }
            }
        }
        Err(r) => Err(UiError(
            r.0.into_iter()
                .next()
                .unwrap_or(ApiError::NotFound("data source")),
        )),
    }
}

/// `POST …/source/run`: as the API's run; the page says how it went.
async fn run(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    target: Target,
) -> Result<Response, UiError> {
    svc::run_now(state.store(), &state.mail, &caller, &target).await?;
    let (page, section) = page_of(&target);
    Ok(see_other(format!("{page}?done=source-ran{section}")))
}

/// `POST …/source/remove`: as the API's DELETE.
async fn remove(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    target: Target,
) -> Result<Response, UiError> {
    svc::delete(state.store(), &caller, &target).await?;
    let (page, section) = page_of(&target);
    Ok(see_other(format!("{page}?done=source-removed{section}")))
}
