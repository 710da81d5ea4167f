//! The forms of a pulled source on a key result's page (set or change it, run it now, remove
//! it) and the KPI page's "Run now". Each posts here and calls the API's use case
//! (`crate::pull`), so the page and `/api/v1/…/source` answer alike; a refusal shows the page
//! again with the reason in the reader's words and what was typed kept (never a header value).

use crate::error::{ApiError, Refusals};
use crate::pull::{self as svc, HeaderInput, SourceInput, Target};
use crate::ui::admin::see_other;
use crate::ui::{SignedIn, UiError};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use keel_domain::pull::PullKind;
use keel_domain::*;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/key-results/{id}/source", post(save))
        .route("/key-results/{id}/source/run", post(run_key_result))
        .route("/key-results/{id}/source/remove", post(remove))
        .route("/kpis/{id}/source/run", post(run_kpi))
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
    /// The API's input: blank fields left out (a change keeps them), the kind as chosen.
    fn input(&self) -> SourceInput {
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
            headers: some(&self.header_name).filter(|_| http).map(|n| {
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

/// `POST /key-results/{id}/source`: sets the source, or changes the one it has; the page again
/// with the reason when it is refused.
async fn save(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<SourceForm>,
) -> Result<Response, UiError> {
    let kr = KeyResultId::from_string(id);
    let target = Target::KeyResult(kr.clone());
    let input = f.input();
    let exists = svc::get(state.store(), &caller, &target).await.is_ok();
    let saved = if exists {
        svc::update(state.store(), &state.mail, &caller, &target, None, &input).await
    } else {
        svc::create(state.store(), &state.mail, &caller, &target, &input).await
    };
    match saved {
        Ok(_) => Ok(see_other(format!(
            "/key-results/{kr}?done=source-saved#data-h"
        ))),
        Err(r)
            if r.0
                .iter()
                .all(|e| matches!(e, ApiError::Invalid(_) | ApiError::Conflict { .. })) =>
        {
            super::key_result::refused_source(&state, &caller, &kr, f, refusal_words(&r)).await
        }
        Err(r) => Err(UiError(
            r.0.into_iter()
                .next()
                .unwrap_or(ApiError::NotFound("data source")),
        )),
    }
}

/// `POST /key-results/{id}/source/run`: as the API's run; the page says how it went.
async fn run_key_result(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let kr = KeyResultId::from_string(id);
    svc::run_now(
        state.store(),
        &state.mail,
        &caller,
        &Target::KeyResult(kr.clone()),
    )
    .await?;
    Ok(see_other(format!(
        "/key-results/{kr}?done=source-ran#data-h"
    )))
}

/// `POST /kpis/{id}/source/run`: as the API's run.
async fn run_kpi(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let kpi = KpiId::from_string(id);
    svc::run_now(
        state.store(),
        &state.mail,
        &caller,
        &Target::Kpi(kpi.clone()),
    )
    .await?;
    Ok(see_other(format!("/kpis/{kpi}?done=source-ran")))
}

/// `POST /key-results/{id}/source/remove`: as the API's DELETE.
async fn remove(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let kr = KeyResultId::from_string(id);
    svc::delete(state.store(), &caller, &Target::KeyResult(kr.clone())).await?;
    Ok(see_other(format!(
        "/key-results/{kr}?done=source-removed#data-h"
    )))
}
