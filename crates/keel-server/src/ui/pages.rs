//! Home (a redirect), My week and the administrator's list of people. My week is the owner's
//! weekly page: ownership requests waiting for an answer (accept, or decline with a reason), the
//! one-screen weekly check-in of every key result the person may check in on (one submit, all or
//! nothing), and what they own and contribute to, with progress. Its data comes from
//! `read::my_week` and `services::check_ins`, so permissions and visibility are the API's.

use super::{render, Layout, SignedIn, UiError};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::read::my_week::{self, MyKeyResult};
use crate::services::check_ins::{self, NewCheckIn};
use crate::services::ownership::{self, DeclineOwnership};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form as PostedForm;
use keel_domain::{KeyResultId, ObjectiveId, OkrRef, OwnerFit, OwnershipState};
use serde::Deserialize;

/// `GET /`: My week for a signed-in person, the sign-in page for anyone else.
pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, UiError> {
    let signed_in = crate::auth::session::current(state.store(), &state.auth, &headers)
        .await?
        .is_some();
    Ok(Redirect::to(if signed_in { "/my-week" } else { "/sign-in" }).into_response())
}

pub use super::format::num;

/// A share in [0, 1] as a whole percentage.
pub fn percent(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

pub fn ownership_word(s: OwnershipState) -> &'static str {
    match s {
        OwnershipState::Accepted => "accepted",
        OwnershipState::Pending => "pending",
        OwnershipState::Declined => "declined",
    }
}

/// The owner-fit criteria in words ("legitimacy, proximity — note").
pub fn fit_words(fit: Option<&OwnerFit>) -> String {
    let Some(f) = fit else {
        return String::new();
    };
    let mut held = Vec::new();
    if f.legitimacy {
        held.push("legitimacy");
    }
    if f.decision_authority {
        held.push("decision authority");
    }
    if f.proximity {
        held.push("proximity to the outcome");
    }
    let mut out = if held.is_empty() {
        "none of the three criteria checked".to_string()
    } else {
        held.join(", ")
    };
    if !f.note.trim().is_empty() {
        out.push_str(" — ");
        out.push_str(f.note.trim());
    }
    out
}

/// An ownership request waiting for an answer, as My week shows it.
pub struct RequestItem {
    /// `objectives` or `key-results`: the UI path of the OKR.
    pub path: &'static str,
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub objective_id: String,
    pub proposed_by: String,
    pub note: String,
    pub fit: String,
    /// What was typed as the decline reason, and its error.
    pub reason: String,
    pub reason_error: Option<String>,
}

/// One objective on My week.
pub struct ObjectiveLine {
    pub id: String,
    pub title: String,
    pub percent: i64,
    pub role: &'static str,
    pub state: String,
    pub ownership: &'static str,
    pub status: super::company::StatusBadge,
}

/// One key result on My week.
pub struct KeyResultLine {
    pub id: String,
    pub title: String,
    pub objective_id: String,
    pub objective_title: String,
    pub percent: i64,
    pub current: String,
    pub target: String,
    pub unit: String,
    /// "41 % now · target 55 % · from 32 %", "Done", "Not done yet" (ui/format.rs).
    pub figures: String,
    pub confidence: Option<u8>,
    pub role: &'static str,
    /// The reader owns (or co-owns) it: listed under "You own", else under "You contribute to".
    pub owns: bool,
    pub ownership: &'static str,
    pub due: bool,
    pub last_check_in: String,
    pub status: super::company::StatusBadge,
    /// The forecast as a range in words, when there is one.
    pub forecast: Option<String>,
}

/// One row of the weekly check-in form: what was typed and the errors next to it.
#[derive(Default, Clone)]
pub struct CheckInRow {
    pub key_result_id: String,
    pub value: String,
    pub confidence: String,
    pub note: String,
    pub value_error: Option<String>,
    pub confidence_error: Option<String>,
    pub note_error: Option<String>,
    /// An error about the row as a whole (permission, closed OKR).
    pub error: Option<String>,
}

impl CheckInRow {
    fn has_errors(&self) -> bool {
        self.value_error.is_some()
            || self.confidence_error.is_some()
            || self.note_error.is_some()
            || self.error.is_some()
    }
}

#[derive(Template)]
#[template(path = "my_week.html")]
struct MyWeekPage {
    layout: Layout,
    requests: Vec<RequestItem>,
    /// Dependencies asked of the reader's key results, waiting for their answer.
    dependencies: Vec<super::dependencies::WaitingLine>,
    objectives: Vec<ObjectiveLine>,
    key_results: Vec<KeyResultLine>,
    /// The weekly check-in: a key result and its row, for each key result the person may
    /// check in on.
    check_in: Vec<(KeyResultLine, CheckInRow)>,
    due_count: usize,
    /// The weekly check-in's optional date (empty: now), and its error.
    at: String,
    at_error: Option<String>,
    /// How a day is typed: "e.g. 5 Dec 2026".
    date_example: String,
    confidence_min: u8,
    confidence_max: u8,
    /// A message over the whole page (after a successful check-in, or about the form).
    notice: Option<String>,
    error: Option<String>,
}

/// What a re-rendered My week keeps from a failed submission.
#[derive(Default)]
struct Kept {
    /// The weekly check-in's date as typed, and its error.
    at: String,
    at_error: Option<String>,
    rows: Vec<CheckInRow>,
    decline: Option<(String, String, String)>,
    /// A refused answer to a dependency.
    dependency: Option<super::dependencies::Posted>,
    notice: Option<String>,
    error: Option<String>,
}

async fn my_week_page(
    state: &AppState,
    caller: &Caller,
    kept: Kept,
) -> Result<MyWeekPage, UiError> {
    let week = my_week::my_week(state.store(), caller).await?;
    let dependencies =
        super::dependencies::waiting_lines(week.dependencies, kept.dependency.as_ref());
    let requests = week
        .requests
        .into_iter()
        .map(|w| {
            let (path, kind) = match &w.request.okr {
                OkrRef::Objective(_) => ("objectives", "objective"),
                OkrRef::KeyResult(_) => ("key-results", "key result"),
            };
            let id = w.request.okr.id().to_string();
            let (reason, reason_error) = match &kept.decline {
                Some((kid, reason, error)) if kid == &id => (reason.clone(), Some(error.clone())),
                _ => (String::new(), None),
            };
            RequestItem {
                path,
                kind,
                title: w.title,
                objective_id: w.objective_id.to_string(),
                proposed_by: w
                    .proposed_by
                    .map(|p| p.name)
                    .unwrap_or_else(|| "Keel".into()),
                note: w.request.note.clone(),
                fit: fit_words(w.request.fit.as_ref()),
                id,
                reason,
                reason_error,
            }
        })
        .collect();
    let objectives = week
        .objectives
        .iter()
        .map(|(o, inv)| ObjectiveLine {
            id: o.id.to_string(),
            title: o.title.clone(),
            percent: percent(o.progress),
            role: inv.word(),
            state: format!("{:?}", o.state).to_lowercase(),
            ownership: ownership_word(o.ownership_state),
            status: super::company::StatusBadge::new(o.status, o.status_reason.clone()),
        })
        .collect();
    let line = |m: &MyKeyResult| {
        let k = &m.key_result;
        KeyResultLine {
            id: k.id.to_string(),
            title: k.title.clone(),
            objective_id: k.objective_id.to_string(),
            objective_title: m.objective_title.clone(),
            percent: percent(k.progress),
            current: num(k.current),
            target: num(k.target),
            unit: k.unit.clone(),
            figures: super::format::figures(k.kind, k.start, k.current, k.target, &k.unit),
            confidence: k.confidence,
            role: m.involvement.word(),
            owns: m.involvement.owns(),
            ownership: ownership_word(k.ownership_state),
            due: m.due,
            status: super::company::StatusBadge::new(k.status, k.status_reason.clone()),
            forecast: k.forecast_in_words(),
            last_check_in: k
                .last_check_in_at
                .map(super::format::day)
                .unwrap_or_else(|| "never".into()),
        }
    };
    let key_results = week.key_results.iter().map(line).collect();
    let mut check_in: Vec<(KeyResultLine, CheckInRow)> = week
        .key_results
        .iter()
        .filter(|m| m.can_check_in)
        .map(|m| {
            let id = m.key_result.id.to_string();
            let row = kept
                .rows
                .iter()
                .find(|r| r.key_result_id == id)
                .cloned()
                .unwrap_or(CheckInRow {
                    key_result_id: id,
                    ..Default::default()
                });
            (line(m), row)
        })
        .collect();
    // Due first, then as listed.
    check_in.sort_by_key(|(l, _)| !l.due);
    let due_count = check_in.iter().filter(|(l, _)| l.due).count();
    Ok(MyWeekPage {
        layout: Layout::signed_in(caller, "/my-week"),
        requests,
        dependencies,
        objectives,
        key_results,
        check_in,
        due_count,
        at: kept.at,
        at_error: kept.at_error,
        date_example: super::format::date_example(),
        confidence_min: week.confidence_scale.min(),
        confidence_max: week.confidence_scale.max(),
        notice: kept.notice,
        error: kept.error,
    })
}

#[derive(Deserialize)]
pub struct Notice {
    done: Option<String>,
}

/// `GET /my-week`: requests waiting for me, the weekly check-in, and what I own and contribute
/// to, with progress.
pub async fn my_week(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<Notice>,
) -> Result<Response, UiError> {
    let notice = match q.done.as_deref() {
        Some("check-in") => Some("Check-in recorded. Thank you.".to_string()),
        Some("accepted") => Some("You accepted the ownership.".to_string()),
        Some("declined") => {
            Some("You declined; your reason went back to the proposer.".to_string())
        }
        Some("dependency-accepted") => {
            Some("You accepted: the key result that asked now depends on yours.".to_string())
        }
        Some("dependency-declined") => {
            Some("You declined the dependency; your reason went to the person who asked.".into())
        }
        _ => None,
    };
    let page = my_week_page(
        &state,
        &caller,
        Kept {
            notice,
            ..Default::default()
        },
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

/// My week again after an answer to a dependency was refused (422): the message next to the
/// reason, what was typed kept.
pub(super) async fn refused_dependency_answer(
    state: &AppState,
    caller: &Caller,
    posted: super::dependencies::Posted,
) -> Result<Response, UiError> {
    let kept = Kept {
        dependency: Some(posted),
        error: Some("The dependency was not declined: see its form.".into()),
        ..Default::default()
    };
    let page = my_week_page(state, caller, kept).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// The weekly check-in's optional date: empty or today is now; an earlier day records the
/// readings as of noon that day in the organisation's zone, to catch up on a missed week; a later day is refused.
fn check_in_date(typed: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
    if typed.is_empty() {
        return Ok(None);
    }
    let d = super::format::parse_date(typed).ok_or_else(super::format::date_error)?;
    // One clock: "today" is the organisation's (ui/format.rs), as for due dates.
    let zone = super::format::reader().org_zone;
    let today = crate::services::now().with_timezone(&zone).date_naive();
    match d.cmp(&today) {
        std::cmp::Ordering::Greater => Err("cannot be in the future".into()),
        std::cmp::Ordering::Equal => Ok(None),
        std::cmp::Ordering::Less => Ok(d
            .and_hms_opt(12, 0, 0)
            .and_then(|t| t.and_local_timezone(zone).earliest())
            .map(|t| t.with_timezone(&chrono::Utc))),
    }
}

/// Reads the weekly check-in's rows from the posted pairs (`key_result_id.N`, `value.N`,
/// `confidence.N`, `note.N`). Rows with neither value nor confidence are left out: not every key
/// result needs a check-in every week.
fn posted_rows(pairs: &[(String, String)]) -> Vec<CheckInRow> {
    let mut rows: std::collections::BTreeMap<usize, CheckInRow> = Default::default();
    for (k, v) in pairs {
        let Some((name, n)) = k.split_once('.') else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else {
            continue;
        };
        let row = rows.entry(n).or_default();
        match name {
            "key_result_id" => row.key_result_id = v.clone(),
            "value" => row.value = v.clone(),
            "confidence" => row.confidence = v.clone(),
            "note" => row.note = v.clone(),
            _ => {}
        }
    }
    rows.into_values()
        .filter(|r| !r.key_result_id.is_empty())
        .collect()
}

/// `POST /my-week/check-in`: every filled row in one submit, all or nothing. One bad row shows
/// its error next to it, every typed value is kept, and nothing is written.
pub async fn weekly_check_in(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(pairs): PostedForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let mut rows = posted_rows(&pairs);
    let at_typed = pairs
        .iter()
        .find(|(k, _)| k == "at")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let (at, mut at_error) = match check_in_date(&at_typed) {
        Ok(at) => (at, None),
        Err(e) => (None, Some(e)),
    };
    let mut inputs = Vec::new();
    let mut positions = Vec::new();
    for (i, row) in rows.iter_mut().enumerate() {
        let (value, confidence) = (row.value.trim(), row.confidence.trim());
        if value.is_empty() && confidence.is_empty() && row.note.trim().is_empty() {
            continue;
        }
        let parsed_value = match super::format::parse_num(value) {
            Some(v) => Some(v),
            None if value.is_empty() => {
                row.value_error = Some("enter the new value".into());
                None
            }
            None => {
                row.value_error = Some(format!(
                    "must be a number, {}",
                    super::format::number_example()
                ));
                None
            }
        };
        let parsed_confidence = match confidence.parse::<i64>() {
            Ok(c) => Some(c),
            _ if confidence.is_empty() => {
                row.confidence_error = Some("choose your confidence".into());
                None
            }
            _ => {
                row.confidence_error = Some("must be a whole number".into());
                None
            }
        };
        if let (Some(value), Some(confidence)) = (parsed_value, parsed_confidence) {
            inputs.push((
                KeyResultId::from_string(row.key_result_id.clone()),
                NewCheckIn {
                    value,
                    confidence,
                    note: row.note.clone(),
                    at,
                },
            ));
            positions.push(i);
        }
    }
    let parse_failed = rows.iter().any(CheckInRow::has_errors) || at_error.is_some();
    if inputs.is_empty() && !parse_failed {
        let page = my_week_page(
            &state,
            &caller,
            Kept {
                rows,
                at: at_typed,
                error: Some("Nothing to record: fill in a value and a confidence for at least one key result.".into()),
                ..Default::default()
            },
        )
        .await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    if !parse_failed {
        match check_ins::weekly_check_in(state.store(), &caller, inputs).await? {
            Ok(_) => return Ok(Redirect::to("/my-week?done=check-in").into_response()),
            Err(errors) => {
                for e in errors {
                    let row = &mut rows[positions[e.row]];
                    match e.error {
                        ApiError::Invalid(f) => match f.field.as_str() {
                            "at" => at_error = Some(f.message),
                            "value" => row.value_error = Some(f.message),
                            "confidence" => row.confidence_error = Some(f.message),
                            "note" => row.note_error = Some(f.message),
                            _ => row.error = Some(format!("{}: {}", f.field, f.message)),
                        },
                        other => row.error = Some(other.to_string()),
                    }
                }
            }
        }
    }
    let page = my_week_page(
        &state,
        &caller,
        Kept {
            rows,
            at: at_typed,
            at_error,
            error: Some(
                "Nothing was recorded: correct the rows marked below and send again.".into(),
            ),
            ..Default::default()
        },
    )
    .await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

fn okr_ref(path: &str, id: String) -> Result<OkrRef, UiError> {
    match path {
        "objectives" => Ok(OkrRef::Objective(ObjectiveId::from_string(id))),
        "key-results" => Ok(OkrRef::KeyResult(KeyResultId::from_string(id))),
        _ => Err(UiError(ApiError::NotFound("page"))),
    }
}

#[derive(Deserialize)]
pub struct Answer {
    #[serde(default)]
    reason: String,
    return_to: Option<String>,
}

/// Where to go after answering: back where the form was (a local path), My week by default.
fn back(return_to: Option<&str>, done: &str) -> String {
    let to = crate::auth::safe_return_to(return_to);
    let sep = if to.contains('?') { '&' } else { '?' };
    format!("{to}{sep}done={done}")
}

/// `POST /{objectives|key-results}/{id}/ownership/accept`: the proposed owner accepts.
pub async fn accept_ownership(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((path, id)): Path<(String, String)>,
    PostedForm(answer): PostedForm<Answer>,
) -> Result<Response, UiError> {
    let okr = okr_ref(&path, id)?;
    ownership::accept(state.store(), &caller, okr).await?;
    Ok(Redirect::to(&back(answer.return_to.as_deref(), "accepted")).into_response())
}

/// `POST /{objectives|key-results}/{id}/ownership/decline`: the proposed owner declines, with a
/// reason that goes back to the proposer. Without a reason, My week comes back with the error
/// next to the field.
pub async fn decline_ownership(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((path, id)): Path<(String, String)>,
    PostedForm(answer): PostedForm<Answer>,
) -> Result<Response, UiError> {
    let okr = okr_ref(&path, id.clone())?;
    let input = DeclineOwnership {
        reason: answer.reason.clone(),
    };
    match ownership::decline(state.store(), &caller, okr, input).await {
        Ok(_) => Ok(Redirect::to(&back(answer.return_to.as_deref(), "declined")).into_response()),
        Err(ApiError::Invalid(e)) => {
            let page = my_week_page(
                &state,
                &caller,
                Kept {
                    decline: Some((id, answer.reason, e.message)),
                    error: Some("Your answer was not recorded: a decline needs a reason.".into()),
                    ..Default::default()
                },
            )
            .await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(UiError(e)),
    }
}

/// My week's forms: the weekly check-in and the answers to ownership requests.
pub fn owner_routes() -> axum::Router<AppState> {
    use axum::routing::post;
    axum::Router::new()
        .route("/my-week/check-in", post(weekly_check_in))
        .route(
            "/objectives/{id}/ownership/accept",
            post(|s, c, Path(id): Path<String>, f| {
                accept_ownership(s, c, Path(("objectives".into(), id)), f)
            }),
        )
        .route(
            "/key-results/{id}/ownership/accept",
            post(|s, c, Path(id): Path<String>, f| {
                accept_ownership(s, c, Path(("key-results".into(), id)), f)
            }),
        )
        .route(
            "/objectives/{id}/ownership/decline",
            post(|s, c, Path(id): Path<String>, f| {
                decline_ownership(s, c, Path(("objectives".into(), id)), f)
            }),
        )
        .route(
            "/key-results/{id}/ownership/decline",
            post(|s, c, Path(id): Path<String>, f| {
                decline_ownership(s, c, Path(("key-results".into(), id)), f)
            }),
        )
}
