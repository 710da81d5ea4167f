//! The key result page (`/key-results/{id}`): its progress over the cycle against the expected
//! line (the objective page's SVG chart, from the standing check-ins), status with its reason,
//! forecast, and every check-in with its author, corrections and withdrawals shown. The author
//! of a standing check-in corrects or withdraws it here, through `services::check_ins::retract`
//! like `PATCH /api/v1/key-results/{kr}/check-ins/{id}` does; a refused correction comes back
//! as the page with the message next to the field and what was typed kept (422).
//!
//! The expected line runs over the key result's pace window (`rhythm::pace_window`: from when it
//! became active, not before its own start, to its own due day), the days its status measures
//! pace over. With `?as_of=YYYY-MM-DD` the page shows the key result as it stood then
//! (`super::as_of`).

use super::as_of::{self, PastDay};
use super::charts;
use super::company::StatusBadge;
use super::objective::progress_history;
use super::pages::{num, percent};
use super::{render, Layout, SignedIn, UiError};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::IfMatch;
use crate::read::key_result_page::{self, KeyResultPage};
use crate::services::check_ins::{self, CheckInCorrection};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form as PostedForm, Router};
use keel_domain::*;
use serde::Deserialize;
use std::collections::HashMap;

/// The key result page and its correct and withdraw forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/key-results/{id}", get(show))
        .route(
            "/key-results/{id}/check-ins/{check_in_id}/correct",
            post(correct),
        )
        .route(
            "/key-results/{id}/check-ins/{check_in_id}/withdraw",
            post(withdraw),
        )
}

/// The correction form of one check-in, as typed, with its errors.
#[derive(Default, Clone)]
pub struct CorrectForm {
    pub value: String,
    pub confidence: String,
    pub note: String,
    pub value_error: Option<String>,
    pub confidence_error: Option<String>,
    pub note_error: Option<String>,
    pub open: bool,
}

/// One check-in as the page shows it.
pub struct CheckInLine {
    pub id: String,
    pub when: String,
    pub value: String,
    /// Its confidence, or "—" for a value a source recorded (nobody's word).
    pub confidence: String,
    pub note: String,
    /// A person's name, or the source ("Data: nightly build", "KPI: Weekly active users").
    pub author: String,
    /// "Corrected by Ana Admin on 3 Dec 2026" / "Withdrawn by …"; empty while it stands.
    pub set_aside: String,
    /// "Corrects the reading of 2 Dec 2026"; empty for an original reading.
    pub corrects: String,
    /// The reader wrote it, it stands and nothing is locked: the forms are offered.
    pub mine: bool,
    pub form: CorrectForm,
}

#[derive(Template)]
#[template(path = "key_result.html")]
struct KeyResultTemplate {
    layout: Layout,
    id: String,
    title: String,
    objective_id: String,
    objective_title: String,
    cycle: String,
    figures: String,
    percent: i64,
    status: StatusBadge,
    /// The forecast as a range in words for its kind, or why there is none yet.
    forecast: String,
    chart: String,
    /// What the chart's dashed line is, in words.
    expected: String,
    check_ins: Vec<CheckInLine>,
    scale_max: u8,
    locked: bool,
    /// Read as of a past day: the banner and the link back to today.
    past: Option<PastDay>,
    error: Option<String>,
    notice: Option<String>,
    /// What it aligns to, and the form that changes it (`ui::alignment`).
    aligns: super::alignment::AlignsTo,
    /// What it depends on and what depends on it (`ui::dependencies`).
    deps: super::dependencies::DependsOn,
    /// Where its values come from, and its ingest tokens (`ui::data_feeds`).
    feeds: super::data_feeds::Feeds,
}

/// A moment's day in the reader's zone.
fn day(t: chrono::DateTime<chrono::Utc>) -> String {
    super::format::day(t)
}

/// The chart and what its dashed line is: the key result's progress after each standing
/// check-in, against steady progress over its pace window.
fn chart(
    record: &KeyResult,
    title: &str,
    cycle: Option<&Cycle>,
    window: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    standing: &HashMap<KeyResultId, Vec<CheckIn>>,
    today: chrono::NaiveDate,
) -> (String, String) {
    let (Some(c), Some(expected)) = (cycle, window) else {
        return (String::new(), String::new());
    };
    let days = charts::ChartDays {
        axis: (c.starts_on, c.ends_on),
        expected,
        today,
    };
    let points = progress_history(std::slice::from_ref(record), standing);
    let words = format!(
        "The solid line is the key result's progress after each standing check-in; the dashed line is steady progress from {} (when it became active, or its own start) to 100% on {} (its due day): the pace its status is measured against.",
        super::format::date(expected.0),
        super::format::date(expected.1)
    );
    (charts::progress_chart(&points, &days, title), words)
}

/// What the page shows besides the key result: a correction kept with its errors, a message,
/// and the past day it is read as of.
#[derive(Default)]
struct Shown {
    kept: Option<(String, CorrectForm)>,
    error: Option<String>,
    notice: Option<String>,
    past: Option<PastDay>,
    /// The "aligns to" form as posted when it was refused.
    align: Option<super::alignment::AlignPosted>,
    /// A dependency form as posted when it was refused.
    deps: Option<super::dependencies::Posted>,
    /// An ingest token just created (its secret, shown once), or the name typed and refused.
    token: Option<TokenShown>,
    /// The data source form as posted when it was refused, with its refusals.
    source: Option<(super::pull::SourceForm, super::pull::FieldRefusals)>,
}

/// What the ingest token form shows after it was posted.
enum TokenShown {
    Created(String),
    Refused { name: String, error: String },
}

async fn page(
    state: &AppState,
    caller: &Caller,
    id: &KeyResultId,
    shown: Shown,
) -> Result<KeyResultTemplate, UiError> {
    let Shown {
        kept,
        error,
        notice,
        past,
        align,
        token,
        deps,
        source,
    } = shown;
    let KeyResultPage {
        key_result: k,
        record,
        objective,
        cycle,
        check_ins,
        names,
        locked,
        pace_window,
    } = key_result_page::key_result_page(
        state.store(),
        caller,
        id,
        past.as_ref().map(|p| p.moment),
    )
    .await?;
    // Reading the past changes nothing: no forms.
    let read_only = locked || past.is_some();
    let aligns = super::alignment::aligns_to(
        state.store(),
        caller,
        (&record, &objective),
        read_only,
        align,
    )
    .await?;
    let deps = super::dependencies::depends_on(
        state.store(),
        caller,
        (&record, &objective),
        read_only,
        deps,
    )
    .await?;
    let mut feeds =
        super::data_feeds::feeds(state.store(), caller, &record, &check_ins, read_only).await?;
    if let Some((form, errors)) = source {
        feeds.source_view.refused(form, errors);
    }
    match token {
        Some(TokenShown::Created(secret)) => feeds.secret = Some(secret),
        Some(TokenShown::Refused { name, error }) => {
            feeds.name = name;
            feeds.name_error = Some(error);
        }
        None => {}
    }
    let scale = keel_store::Settings::settings(state.store())
        .await?
        .confidence_scale;
    let name = |p: Option<&PersonId>| {
        p.and_then(|p| names.get(p).cloned())
            .unwrap_or_else(|| "Keel".into())
    };
    let when: HashMap<&CheckInId, String> = check_ins.iter().map(|c| (&c.id, day(c.at))).collect();
    let zone = super::format::reader().org_zone;
    let today = past
        .as_ref()
        .map_or_else(crate::services::now, |p| p.moment)
        .with_timezone(&zone)
        .date_naive();
    let standing: HashMap<KeyResultId, Vec<CheckIn>> = HashMap::from([(
        record.id.clone(),
        check_ins.iter().filter(|c| c.stands()).cloned().collect(),
    )]);
    let (chart, expected) = chart(
        &record,
        &k.title,
        cycle.as_ref(),
        pace_window,
        &standing,
        today,
    );
    let lines = check_ins
        .iter()
        .rev()
        .map(|c| CheckInLine {
            id: c.id.to_string(),
            when: day(c.at),
            value: num(c.value),
            confidence: match &c.source {
                Some(_) => "—".into(),
                None => c.confidence.value().to_string(),
            },
            note: c.note.clone(),
            author: match &c.source {
                Some(s) => s.label(),
                None => name(c.author_id.as_ref()),
            },
            set_aside: c.retracted.as_ref().map_or_else(String::new, |r| {
                let how = match r.kind {
                    RetractionKind::Corrected => "Corrected",
                    RetractionKind::Withdrawn => "Withdrawn",
                };
                format!("{how} by {} on {}", name(r.by.as_ref()), day(r.at))
            }),
            corrects: c
                .corrects
                .as_ref()
                .and_then(|o| when.get(o))
                .map(|d| format!("corrects the reading of {d}"))
                .unwrap_or_default(),
            mine: !read_only && c.stands() && c.author_id.as_ref() == Some(&caller.person.id),
            form: match &kept {
                Some((kid, f)) if kid == c.id.as_str() => f.clone(),
                _ => CorrectForm {
                    value: num(c.value),
                    confidence: c.confidence.value().to_string(),
                    note: c.note.clone(),
                    ..Default::default()
                },
            },
        })
        .collect();
    Ok(KeyResultTemplate {
        layout: Layout::signed_in(caller, "/my-week"),
        id: k.id.to_string(),
        title: k.title.clone(),
        objective_id: objective.id.to_string(),
        objective_title: objective.title.clone(),
        cycle: cycle.as_ref().map(super::format::cycle).unwrap_or_default(),
        figures: super::format::figures(k.kind, k.start, k.current, k.target, &k.unit),
        percent: percent(k.progress),
        status: StatusBadge::new(k.status, k.status_reason.clone()),
        forecast: sentence(&k.forecast_sentence()),
        chart,
        expected,
        check_ins: lines,
        scale_max: scale.max(),
        locked,
        past,
        error,
        notice,
        aligns,
        deps,
        feeds,
    })
}

/// The page after its ingest token form was posted: the new secret shown once (201), or the
/// name's refusal next to it (422); other refusals (403, 404) as pages of their own.
pub(crate) async fn after_token(
    state: &AppState,
    caller: &Caller,
    id: &KeyResultId,
    created: crate::error::ApiResult<crate::services::data_feeds::CreatedIngestToken>,
    name: String,
) -> Result<Response, UiError> {
    let (status, shown) = match created {
        Ok(c) => (
            StatusCode::CREATED,
            Shown {
                notice: Some(format!(
                    "The ingest token “{}” was created. Copy its secret now: Keel keeps only a hash and will not show it again.",
                    c.token.name
                )),
                token: Some(TokenShown::Created(c.secret)),
                ..Default::default()
            },
        ),
        Err(ApiError::Invalid(e)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Shown {
                error: Some("The ingest token was not created: see its form.".into()),
                token: Some(TokenShown::Refused {
                    name,
                    error: e.message,
                }),
                ..Default::default()
            },
        ),
        Err(e) => return Err(UiError(e)),
    };
    let page = page(state, caller, id, shown).await?;
    Ok(render(status, &page))
}

/// The page again after the data source form was refused (422): the reason in the reader's
/// words, what was typed kept (never the header value).
pub(crate) async fn refused_source(
    state: &AppState,
    caller: &Caller,
    id: &KeyResultId,
    posted: (super::pull::SourceForm, super::pull::FieldRefusals),
    words: String,
) -> Result<Response, UiError> {
    let shown = Shown {
        error: Some(format!("The data source was not saved. {words}")),
        source: Some(posted),
        ..Default::default()
    };
    let page = page(state, caller, id, shown).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// The page again after the "aligns to" form was refused (422): the message next to its field,
/// what was chosen and typed kept.
pub(crate) async fn refused_alignment(
    state: &AppState,
    caller: &Caller,
    id: &KeyResultId,
    posted: super::alignment::AlignPosted,
) -> Result<Response, UiError> {
    let shown = Shown {
        error: Some("What it aligns to was not changed: see the form.".into()),
        align: Some(posted),
        ..Default::default()
    };
    let page = page(state, caller, id, shown).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// The page again after a dependency form was refused (422): `message` above, the field's
/// message next to it, what was chosen and typed kept.
pub(crate) async fn refused_dependency(
    state: &AppState,
    caller: &Caller,
    id: &KeyResultId,
    message: &str,
    posted: super::dependencies::Posted,
) -> Result<Response, UiError> {
    let shown = Shown {
        error: Some(message.into()),
        deps: Some(posted),
        ..Default::default()
    };
    let page = page(state, caller, id, shown).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    /// A past day to read the page as of (`YYYY-MM-DD`).
    as_of: Option<String>,
}

/// `GET /key-results/{id}`, now or as of a past day (`?as_of=YYYY-MM-DD`).
pub async fn show(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, UiError> {
    let path = format!("/key-results/{id}");
    let past = as_of::past_day(state.store(), q.as_of.as_deref(), &path).await?;
    let notice = match q.done.as_deref() {
        Some("corrected") => Some("Corrected: the key result follows the correction.".into()),
        Some("withdrawn") => {
            Some("Withdrawn: it stays in the history but no longer counts.".into())
        }
        Some("aligned") => Some("Saved: what it aligns to is as shown below.".into()),
        Some("token-revoked") => {
            Some("The ingest token was revoked: it is refused from now on.".into())
        }
        Some("dependency-asked") => {
            Some("Asked: the other key result's owner is told and will accept or decline.".into())
        }
        Some("dependency-removed") => Some("The dependency was removed.".into()),
        Some("source-saved") => Some("The data source was saved and its value recorded.".into()),
        Some("source-ran") => Some("The data source ran: its state is shown under Data.".into()),
        Some("source-removed") => {
            Some("The data source was removed; the values it recorded stay in the history.".into())
        }
        Some("dependency-accepted") => {
            Some("You accepted: the key result that asked now depends on this one.".into())
        }
        Some("dependency-declined") => {
            Some("You declined; your reason went to the person who asked.".into())
        }
        _ => None,
    };
    let shown = Shown {
        notice,
        past,
        ..Default::default()
    };
    let page = page(&state, &caller, &KeyResultId::from_string(id), shown).await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct CorrectInput {
    #[serde(default)]
    value: String,
    #[serde(default)]
    confidence: String,
    #[serde(default)]
    note: String,
}

/// `POST /key-results/{id}/check-ins/{check_in_id}/correct`.
pub async fn correct(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((id, check_in_id)): Path<(String, String)>,
    PostedForm(input): PostedForm<CorrectInput>,
) -> Result<Response, UiError> {
    let mut form = CorrectForm {
        value: input.value.clone(),
        confidence: input.confidence.clone(),
        note: input.note.clone(),
        open: true,
        ..Default::default()
    };
    let value = input
        .value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite());
    let confidence = input.confidence.trim().parse::<i64>().ok();
    if value.is_none() {
        form.value_error = Some("must be a number, like 42 or 12.5".into());
    }
    if confidence.is_none() {
        form.confidence_error = Some("must be a whole number".into());
    }
    let kr = KeyResultId::from_string(id);
    let result = match (value, confidence) {
        (Some(value), Some(confidence)) => check_ins::retract(
            state.store(),
            &caller,
            &kr,
            &CheckInId::from_string(check_in_id.clone()),
            IfMatch(None),
            Some(CheckInCorrection {
                value: Some(value),
                confidence: Some(confidence),
                note: Some(input.note),
            }),
        )
        .await
        .map(|_| ()),
        // Unreadable numbers: refused as the service would refuse the caller first (403 on
        // someone else's check-in), else shown next to their fields.
        _ => {
            let id = CheckInId::from_string(check_in_id.clone());
            check_ins::retractable(state.store(), &caller, &kr, &id).await?;
            Err(ApiError::invalid("value", ""))
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/key-results/{kr}?done=corrected")).into_response()),
        Err(ApiError::Invalid(e)) => {
            if !e.message.is_empty() {
                match e.field.as_str() {
                    "confidence" => form.confidence_error = Some(e.message),
                    "note" => form.note_error = Some(e.message),
                    _ => form.value_error = Some(e.message),
                }
            }
            let error = Some("The check-in was not corrected: see its form.".to_string());
            let shown = Shown {
                kept: Some((check_in_id, form)),
                error,
                ..Default::default()
            };
            let page = page(&state, &caller, &kr, shown).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(UiError(e)),
    }
}

/// `POST /key-results/{id}/check-ins/{check_in_id}/withdraw`.
pub async fn withdraw(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((id, check_in_id)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let kr = KeyResultId::from_string(id);
    check_ins::retract(
        state.store(),
        &caller,
        &kr,
        &CheckInId::from_string(check_in_id),
        IfMatch(None),
        None,
    )
    .await?;
    Ok(Redirect::to(&format!("/key-results/{kr}?done=withdrawn")).into_response())
}

/// A phrase as a sentence on its own: capital first letter, full stop.
fn sentence(phrase: &str) -> String {
    let mut c = phrase.chars();
    match c.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}
