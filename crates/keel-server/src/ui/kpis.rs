//! The KPI pages: `/kpis`, a tile per KPI (its latest reading, a small line over its healthy
//! corridor, its health in words) with the form that creates one, and `/kpis/{id}`, its history
//! chart and readings, the form that records a reading and, for its owner, its ingest tokens.
//! Every form goes through the API's services (`services::kpis`, `services::data_feeds`), so
//! the pages and `/api/v1/kpis` answer alike; what a KPI shows is `read::kpis`.

use super::admin::form::{AdminForm, Control, Input, Posted};
use super::admin::see_other;
use super::data_feeds::{ago, TokenLine};
use super::{charts, format, render, Layout, SignedIn, UiError};
use crate::access;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::read::kpis::{self as read, KpiView};
use crate::services::data_feeds::{self as feeds, NewIngestToken, PushedValue, Pusher};
use crate::services::kpis::{self, NewKpi};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use keel_domain::kpi::{Corridor, KpiHealth};
use keel_domain::*;
use keel_store::{DataFeeds, People};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kpis", get(list).post(create))
        .route("/kpis/{id}", get(show))
        .route("/kpis/{id}/values", post(record))
        .route("/kpis/{id}/ingest-tokens", post(create_token))
        .route(
            "/kpis/{id}/ingest-tokens/{token_id}/revoke",
            post(revoke_token),
        )
}

/// The corridor in words: "stay above 1,000 users", "between 10 and 20 ms".
pub fn corridor_words(c: &Corridor, unit: &str) -> String {
    c.describe(unit, format::num)
}

/// A KPI's health in words, and the word its style is named by.
pub fn health_words(h: &KpiHealth, c: &Corridor, unit: &str) -> (String, &'static str) {
    match h {
        KpiHealth::NoReadings => ("No readings yet".into(), "none"),
        KpiHealth::NoCorridor => ("No healthy corridor set".into(), "none"),
        KpiHealth::Healthy => (format!("Healthy: {}", corridor_words(c, unit)), "healthy"),
        KpiHealth::Outside { since } => (
            format!(
                "Outside its corridor since {} (it should {})",
                format::day(*since),
                corridor_words(c, unit)
            ),
            "outside",
        ),
    }
}

/// A reading with its unit: "1,234 users".
fn with_unit(v: f64, unit: &str) -> String {
    if unit.is_empty() {
        format::num(v)
    } else {
        format!("{} {unit}", format::num(v))
    }
}

/// One tile of the list.
pub struct Tile {
    pub href: String,
    pub name: String,
    pub owner: String,
    pub latest: String,
    pub health: String,
    pub health_word: &'static str,
    pub chart: String,
}

#[derive(Template)]
#[template(path = "kpis.html")]
struct ListPage {
    layout: Layout,
    tiles: Vec<Tile>,
    may_create: bool,
    form: AdminForm,
    /// The link to the next tiles, when there are more.
    more: Option<String>,
}

/// How many tiles or readings a page shows; the rest are a link away.
const PER_PAGE: u32 = 60;

/// The `?cursor=` of a list page.
#[derive(Deserialize, Default)]
pub struct Cursor {
    cursor: Option<String>,
    done: Option<String>,
}

/// A page of a list from its cursor (one this page did not hand out is a 400).
fn page_of(cursor: Option<&str>) -> Result<keel_store::PageRequest, UiError> {
    let limit = PER_PAGE.to_string();
    Ok(crate::extract::page_request(
        Some(limit.as_str()),
        cursor.filter(|c| !c.is_empty()),
    )?)
}

fn kpi_inputs(p: Option<&Posted>) -> Vec<Input> {
    let v = |name: &str| p.map(|p| p.get(name).to_string()).unwrap_or_default();
    vec![
        Input::text("name", "Name", "text", &v("name")).required(),
        Input::text("unit", "Unit", "text", &v("unit")).hint("For example users, %, ms."),
        Input::text(
            "corridor_min",
            "Healthy at or above",
            "text",
            &v("corridor_min"),
        )
        .hint("Optional: the lowest healthy reading."),
        Input::text(
            "corridor_max",
            "Healthy at or below",
            "text",
            &v("corridor_max"),
        )
        .hint("Optional: the highest healthy reading. Give both for a corridor between them."),
    ]
}

/// Names of people by id: one query.
async fn names(state: &AppState, ids: Vec<PersonId>) -> Result<HashMap<PersonId, String>, UiError> {
    let mut ids = ids;
    ids.sort();
    ids.dedup();
    Ok(state
        .store()
        .person_names(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

async fn list_page(
    state: &AppState,
    caller: &Caller,
    posted: Option<&Posted>,
    cursor: Option<&str>,
) -> Result<ListPage, UiError> {
    let store = state.store();
    let page = store.kpis(&page_of(cursor)?).await?;
    let more = page.next_cursor.map(|c| format!("/kpis?cursor={c}"));
    let views = read::views(store, page.items).await?;
    let names = names(
        state,
        views.iter().map(|v| v.kpi.owner_id.clone()).collect(),
    )
    .await?;
    let tiles = views
        .iter()
        .map(|v| {
            let (health, health_word) = health_words(&v.health, &v.kpi.corridor, &v.kpi.unit);
            let values: Vec<f64> = v.readings.iter().map(|r| r.value).collect();
            Tile {
                href: format!("/kpis/{}", v.kpi.id),
                name: v.kpi.name.clone(),
                owner: names.get(&v.kpi.owner_id).cloned().unwrap_or_default(),
                latest: v
                    .latest
                    .as_ref()
                    .map(|l| with_unit(l.value, &v.kpi.unit))
                    .unwrap_or_else(|| "—".into()),
                health,
                health_word,
                chart: charts::kpi_line(
                    &values,
                    (v.kpi.corridor.min, v.kpi.corridor.max),
                    (220.0, 48.0),
                    &v.kpi.name,
                )
                .unwrap_or_default(),
            }
        })
        .collect();
    let layout = Layout::signed_in(caller, "/dashboard");
    Ok(ListPage {
        form: AdminForm::new(&layout, kpi_inputs(posted)),
        layout,
        tiles,
        may_create: access::create_kpi(&caller.person).is_ok(),
        more,
    })
}

/// `GET /kpis`: every KPI (everyone signed in).
async fn list(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<Cursor>,
) -> Result<Response, UiError> {
    let page = list_page(&state, &caller, None, q.cursor.as_deref()).await?;
    Ok(render(StatusCode::OK, &page))
}

/// A number typed in a form, `None` when left empty; 422 naming the field otherwise.
fn typed_number(field: &str, typed: &str) -> Result<Option<f64>, ApiError> {
    let t = typed.trim();
    if t.is_empty() {
        return Ok(None);
    }
    format::parse_num(t)
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("must be a number, {}", format::number_example()),
            )
        })
}

/// `POST /kpis`: as `POST /api/v1/kpis`; to the new KPI's page, or the list again with each
/// refusal next to its field.
async fn create(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Form(f): Form<Posted>,
) -> Result<Response, UiError> {
    let min = typed_number("corridor_min", f.get("corridor_min"));
    let max = typed_number("corridor_max", f.get("corridor_max"));
    let result = match (min, max) {
        (Ok(min), Ok(max)) => {
            let input = NewKpi {
                name: f.get("name").to_string(),
                description: String::new(),
                owner_id: None,
                unit: f.get("unit").to_string(),
                corridor_min: min,
                corridor_max: max,
            };
            kpis::create(state.store(), &caller, input)
                .await
                .map_err(|r| r.0)
        }
        (min, max) => Err(min.err().into_iter().chain(max.err()).collect()),
    };
    match result {
        Ok(kpi) => Ok(see_other(format!("/kpis/{}?done=created", kpi.id))),
        Err(errors) => {
            let mut page = list_page(&state, &caller, Some(&f), None).await?;
            let mut status = StatusCode::UNPROCESSABLE_ENTITY;
            for e in errors {
                status = page.form.show(e)?;
            }
            Ok(render(status, &page))
        }
    }
}

/// One reading in the history table.
pub struct ReadingLine {
    pub when: String,
    pub value: String,
    pub by: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "kpi.html")]
struct KpiPage {
    layout: Layout,
    id: String,
    name: String,
    owner: String,
    corridor: String,
    latest: String,
    health: String,
    health_word: &'static str,
    chart: String,
    /// A page of readings, newest first, and the link to older ones.
    readings: Vec<ReadingLine>,
    older: Option<String>,
    may_manage: bool,
    notice: Option<String>,
    /// The record form: the value and note as typed, and the value's error.
    value: String,
    note: String,
    value_error: Option<String>,
    tokens: Vec<TokenLine>,
    secret: Option<String>,
    token_name: String,
    token_error: Option<String>,
    /// Its pulled source ("Sales total, every day") and its state in words; empty when none.
    source: String,
    source_state: String,
    source_failing: bool,
    /// The source form, for those who may manage the KPI.
    source_view: Option<super::pull::SourceView>,
    /// Why a form was refused, above it.
    error: Option<String>,
}

/// What the KPI page shows after a form.
#[derive(Default)]
struct Shown {
    /// The page of the readings table.
    cursor: Option<String>,
    notice: Option<String>,
    value: String,
    note: String,
    value_error: Option<String>,
    secret: Option<String>,
    token_name: String,
    token_error: Option<String>,
    /// The source form as posted when it was refused, with its refusals.
    source: Option<(super::pull::SourceForm, super::pull::FieldRefusals)>,
    error: Option<String>,
}

async fn kpi_page(
    state: &AppState,
    caller: &Caller,
    id: &KpiId,
    shown: Shown,
) -> Result<KpiPage, UiError> {
    let store = state.store();
    let KpiView {
        kpi,
        health,
        latest,
        readings,
    } = read::view(store, kpis::get(store, id).await?).await?;
    let table = store
        .kpi_values(&kpi.id, &page_of(shown.cursor.as_deref())?)
        .await?;
    let older = table
        .next_cursor
        .map(|c| format!("/kpis/{}?cursor={c}#readings-h", kpi.id));
    let mut people: Vec<PersonId> = table
        .items
        .iter()
        .filter_map(|r| r.author_id.clone())
        .collect();
    people.push(kpi.owner_id.clone());
    let names = names(state, people).await?;
    let may_manage = access::manage_kpi(&caller.person, &kpi).is_ok();
    let now = crate::services::now();
    let tokens = if may_manage {
        store
            .ingest_tokens_for(&keel_domain::data_feed::FeedTarget::Kpi(kpi.id.clone()))
            .await?
            .into_iter()
            .map(|t| TokenLine {
                id: t.id.to_string(),
                name: t.name,
                created: format::day(t.created_at),
                last_used: t
                    .last_used_at
                    .map(|u| ago(u, now))
                    .unwrap_or_else(|| "never".into()),
                revoked: t.revoked_at.is_some(),
            })
            .collect()
    } else {
        vec![]
    };
    let pulled = keel_store::PullSources::pull_source_for(
        store,
        &keel_domain::data_feed::FeedTarget::Kpi(kpi.id.clone()),
    )
    .await?;
    let source_view = if may_manage {
        let target = keel_domain::data_feed::FeedTarget::Kpi(kpi.id.clone());
        let mut v = super::pull::SourceView::load(store, &target, pulled.as_ref()).await?;
        if let Some((form, errors)) = shown.source {
            v.refused(form, errors);
        }
        Some(v)
    } else {
        None
    };
    let (source, source_state, source_failing) = pulled
        .map(|s| {
            (
                format!("{}, {}", s.name, s.schedule.words()),
                crate::pull::run::state_words(&s, now, format::num),
                s.state.failing_since.is_some(),
            )
        })
        .unwrap_or_default();
    let (health, health_word) = health_words(&health, &kpi.corridor, &kpi.unit);
    let values: Vec<f64> = readings.iter().map(|r| r.value).collect();
    let chart = charts::kpi_line(
        &values,
        (kpi.corridor.min, kpi.corridor.max),
        (640.0, 160.0),
        &kpi.name,
    )
    .unwrap_or_default();
    let lines = table
        .items
        .iter()
        .map(|r| ReadingLine {
            when: format::when(r.at),
            value: with_unit(r.value, &kpi.unit),
            by: match (&r.source, &r.author_id) {
                (Some(s), _) => s.label(),
                (None, Some(p)) => names.get(p).cloned().unwrap_or_default(),
                (None, None) => "Keel".into(),
            },
            note: r.note.clone(),
        })
        .collect();
    Ok(KpiPage {
        layout: Layout::signed_in(caller, "/dashboard"),
        id: kpi.id.to_string(),
        owner: names.get(&kpi.owner_id).cloned().unwrap_or_default(),
        corridor: corridor_words(&kpi.corridor, &kpi.unit),
        latest: latest
            .map(|l| with_unit(l.value, &kpi.unit))
            .unwrap_or_else(|| "—".into()),
        name: kpi.name,
        health,
        health_word,
        chart,
        readings: lines,
        older,
        may_manage,
        notice: shown.notice,
        value: shown.value,
        note: shown.note,
        value_error: shown.value_error,
        tokens,
        secret: shown.secret,
        token_name: shown.token_name,
        token_error: shown.token_error,
        source,
        source_state,
        source_failing,
        source_view,
        error: shown.error,
    })
}

/// The page again after the data source form was refused (422): the reason above the form and
/// each next to its field, what was typed kept (never the header value).
pub(crate) async fn refused_source(
    state: &AppState,
    caller: &Caller,
    id: &KpiId,
    posted: (super::pull::SourceForm, super::pull::FieldRefusals),
    words: String,
) -> Result<Response, UiError> {
    let shown = Shown {
        error: Some(format!("The data source was not saved. {words}")),
        source: Some(posted),
        ..Default::default()
    };
    let page = kpi_page(state, caller, id, shown).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// `GET /kpis/{id}`: everyone signed in; the forms for its owner and admins.
async fn show(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<Cursor>,
) -> Result<Response, UiError> {
    let notice = match q.done.as_deref() {
        Some("created") => Some("The KPI was created.".to_string()),
        Some("recorded") => Some("The reading was recorded.".to_string()),
        Some("source-ran") => Some("The data source ran: its state is shown above.".to_string()),
        Some("source-saved") => Some(
            "The data source was saved and tried: its value is the latest reading.".to_string(),
        ),
        Some("source-removed") => {
            Some("The data source was removed: its readings stay in the history.".to_string())
        }
        Some("token-revoked") => {
            Some("The ingest token was revoked: it is refused from now on.".to_string())
        }
        _ => None,
    };
    let shown = Shown {
        notice,
        cursor: q.cursor,
        ..Default::default()
    };
    let page = kpi_page(&state, &caller, &KpiId::from_string(id), shown).await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct ValueForm {
    #[serde(default)]
    value: String,
    #[serde(default)]
    note: String,
}

/// `POST /kpis/{id}/values`: as `POST /api/v1/kpis/{id}/values` by a person; the page again
/// with the value's refusal next to it (422).
async fn record(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ValueForm>,
) -> Result<Response, UiError> {
    let id = KpiId::from_string(id);
    // Permission first, so a refusal is the 403 page whatever was typed.
    kpis::managed(state.store(), &caller, &id).await?;
    let result = match typed_number("value", &f.value) {
        Ok(Some(value)) => {
            let input = PushedValue {
                value,
                note: f.note.clone(),
                confidence: None,
            };
            kpis::record(
                state.store(),
                &Pusher::Person(Box::new(caller.clone())),
                &id,
                input,
            )
            .await
            .map(|_| ())
        }
        Ok(None) => Err(ApiError::invalid("value", "a number is required")),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(format!("/kpis/{id}?done=recorded"))),
        Err(ApiError::Invalid(e)) => {
            let shown = Shown {
                value: f.value,
                note: f.note,
                value_error: Some(e.message),
                ..Default::default()
            };
            let page = kpi_page(&state, &caller, &id, shown).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(UiError(e)),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

/// `POST /kpis/{id}/ingest-tokens`: the page with the secret, once, or the name's refusal.
async fn create_token(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> Result<Response, UiError> {
    let id = KpiId::from_string(id);
    let created = feeds::issue_for_kpi(
        state.store(),
        &caller,
        &id,
        NewIngestToken {
            name: f.name.clone(),
        },
    )
    .await;
    let (status, shown) = match created {
        Ok(c) => (
            StatusCode::CREATED,
            Shown {
                notice: Some(format!(
                    "The ingest token “{}” was created. Copy its secret now: Keel keeps only a hash and will not show it again.",
                    c.token.name
                )),
                secret: Some(c.secret),
                ..Default::default()
            },
        ),
        Err(ApiError::Invalid(e)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Shown {
                token_name: f.name,
                token_error: Some(e.message),
                ..Default::default()
            },
        ),
        Err(e) => return Err(UiError(e)),
    };
    let page = kpi_page(&state, &caller, &id, shown).await?;
    Ok(render(status, &page))
}

/// `POST /kpis/{id}/ingest-tokens/{token_id}/revoke`: as the API's DELETE.
async fn revoke_token(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((id, token_id)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let id = KpiId::from_string(id);
    feeds::revoke_for_kpi(
        state.store(),
        &caller,
        &id,
        &IngestTokenId::from_string(token_id),
    )
    .await?;
    Ok(see_other(format!("/kpis/{id}?done=token-revoked")))
}
