//! The key result page (`/key-results/{id}`): its progress over the cycle against the expected
//! line (the objective page's SVG chart, from the standing check-ins), status with its reason,
//! forecast, and every check-in with its author, corrections and withdrawals shown. The author
//! of a standing check-in corrects or withdraws it here, through `services::check_ins::retract`
//! like `PATCH /api/v1/key-results/{kr}/check-ins/{id}` does; a refused correction comes back
//! as the page with the message next to the field and what was typed kept (422).

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
    pub confidence: u8,
    pub note: String,
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
    check_ins: Vec<CheckInLine>,
    scale_max: u8,
    locked: bool,
    error: Option<String>,
    notice: Option<String>,
}

fn day(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%-d %b %Y").to_string()
}

async fn page(
    state: &AppState,
    caller: &Caller,
    id: &KeyResultId,
    kept: Option<(String, CorrectForm)>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<KeyResultTemplate, UiError> {
    let KeyResultPage {
        key_result: k,
        record,
        objective,
        cycle,
        check_ins,
        names,
        locked,
    } = key_result_page::key_result_page(state.store(), caller, id).await?;
    let scale = keel_store::Settings::settings(state.store())
        .await?
        .confidence_scale;
    let name = |p: Option<&PersonId>| {
        p.and_then(|p| names.get(p).cloned())
            .unwrap_or_else(|| "Keel".into())
    };
    let when: HashMap<&CheckInId, String> = check_ins.iter().map(|c| (&c.id, day(c.at))).collect();
    let today = chrono::Utc::now();
    let standing: HashMap<KeyResultId, Vec<CheckIn>> = HashMap::from([(
        record.id.clone(),
        check_ins.iter().filter(|c| c.stands()).cloned().collect(),
    )]);
    let chart = cycle.as_ref().map_or_else(String::new, |c| {
        charts::progress_chart(
            &progress_history(std::slice::from_ref(&record), &standing),
            c.starts_on,
            c.ends_on,
            today.date_naive(),
            &k.title,
        )
    });
    let lines = check_ins
        .iter()
        .rev()
        .map(|c| CheckInLine {
            id: c.id.to_string(),
            when: day(c.at),
            value: num(c.value),
            confidence: c.confidence.value(),
            note: c.note.clone(),
            author: name(c.author_id.as_ref()),
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
            mine: !locked && c.stands() && c.author_id.as_ref() == Some(&caller.person.id),
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
        check_ins: lines,
        scale_max: scale.max(),
        locked,
        error,
        notice,
    })
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /key-results/{id}`.
pub async fn show(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, UiError> {
    let notice = match q.done.as_deref() {
        Some("corrected") => Some("Corrected: the key result follows the correction.".into()),
        Some("withdrawn") => {
            Some("Withdrawn: it stays in the history but no longer counts.".into())
        }
        _ => None,
    };
    let page = page(
        &state,
        &caller,
        &KeyResultId::from_string(id),
        None,
        None,
        notice,
    )
    .await?;
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
            let page = page(&state, &caller, &kr, Some((check_in_id, form)), error, None).await?;
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
