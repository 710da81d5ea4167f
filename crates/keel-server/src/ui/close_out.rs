//! The close-out of an objective (`/objectives/{id}/close-out`): at the end of a cycle each key
//! result is scored (0.0–1.0, the suggestion from its attainment shown next to the form, with a
//! reason), the objective's score, band and success follow, and the retrospective records what
//! worked, what did not, and whether to carry the objective over (which creates a draft in the
//! next cycle, linked from here). Writes go through `services::scoring`, as the API's do.

use super::{render, Layout, SignedIn, UiError};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::read::close_out::close_out;
use crate::services::scoring::{self, NewScore, RetrospectiveInput};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form as PostedForm, Router};
use keel_domain::rhythm::ScoreBand;
use keel_domain::*;
use serde::Deserialize;

/// The close-out page and its forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/objectives/{id}/close-out", get(show))
        .route("/key-results/{id}/score", post(score))
        .route("/objectives/{id}/retrospective", post(retrospective))
}

/// One key result with its score form.
pub struct ScoreBlock {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub attainment: i64,
    pub suggested: String,
    /// The score saved, if any, and why.
    pub scored: Option<String>,
    pub score_reason: String,
    pub can_score: bool,
    /// The form as typed, with its errors.
    pub score: String,
    pub reason: String,
    pub score_error: Option<String>,
    pub reason_error: Option<String>,
}

#[derive(Template)]
#[template(path = "close_out.html")]
struct CloseOutPage {
    layout: Layout,
    id: String,
    title: String,
    cycle: String,
    cycle_closed: bool,
    key_results: Vec<ScoreBlock>,
    score: Option<String>,
    band: &'static str,
    success: Option<bool>,
    kind: String,
    can_write_retrospective: bool,
    worked: String,
    did_not: String,
    carry_over: bool,
    carried_over_to: Option<String>,
    worked_error: Option<String>,
    did_not_error: Option<String>,
    carry_over_error: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

/// What a re-rendered page keeps from a failed form.
#[derive(Default)]
struct Kept {
    /// Key result id, score and reason typed, and the errors.
    score: Option<ScoreTyped>,
    retrospective: Option<RetroTyped>,
}

/// A score form as typed: key result id, score, reason, and the errors of score and reason.
type ScoreTyped = (String, String, String, Option<String>, Option<String>);

#[derive(Default)]
struct RetroTyped {
    worked: String,
    did_not: String,
    carry_over: bool,
    worked_error: Option<String>,
    did_not_error: Option<String>,
    carry_over_error: Option<String>,
}

fn two(v: f64) -> String {
    super::format::two_decimals(v)
}

async fn page(
    state: &AppState,
    caller: &Caller,
    id: &ObjectiveId,
    kept: Kept,
    notice: Option<String>,
) -> Result<CloseOutPage, UiError> {
    let c = close_out(state.store(), caller, id).await?;
    let o = &c.objective;
    let key_results = o
        .key_results
        .iter()
        .map(|k| {
            let kid = k.id.to_string();
            let typed = kept.score.as_ref().filter(|s| s.0 == kid);
            ScoreBlock {
                title: k.title.clone(),
                owner: k.owner.name.clone(),
                attainment: (k.attainment * 100.0).round() as i64,
                suggested: two(k.suggested_score),
                scored: k.score.map(two),
                score_reason: k.score_reason.clone().unwrap_or_default(),
                can_score: c.can_score.contains(&k.id),
                score: typed
                    .map(|t| t.1.clone())
                    .or(k.score.map(two))
                    .unwrap_or_default(),
                reason: typed
                    .map(|t| t.2.clone())
                    .or(k.score_reason.clone())
                    .unwrap_or_default(),
                score_error: typed.and_then(|t| t.3.clone()),
                reason_error: typed.and_then(|t| t.4.clone()),
                id: kid,
            }
        })
        .collect();
    let retro = kept.retrospective.unwrap_or_else(|| {
        c.retrospective
            .as_ref()
            .map(|r| RetroTyped {
                worked: r.worked.clone(),
                did_not: r.did_not.clone(),
                carry_over: r.carry_over,
                ..Default::default()
            })
            .unwrap_or_default()
    });
    let has_error = retro.worked_error.is_some()
        || retro.did_not_error.is_some()
        || retro.carry_over_error.is_some()
        || kept
            .score
            .as_ref()
            .is_some_and(|s| s.3.is_some() || s.4.is_some());
    Ok(CloseOutPage {
        layout: Layout::signed_in(caller, "/my-week"),
        id: o.id.to_string(),
        title: o.title.clone(),
        cycle: c
            .cycle
            .as_ref()
            .map(|c| format!("{} ({} to {})", c.name, c.starts_on, c.ends_on))
            .unwrap_or_default(),
        cycle_closed: c
            .cycle
            .as_ref()
            .is_some_and(|c| c.state == CycleState::Closed),
        key_results,
        score: o.score.map(two),
        band: match o.score_band {
            Some(ScoreBand::Red) => "red",
            Some(ScoreBand::Yellow) => "yellow",
            Some(ScoreBand::Green) => "green",
            None => "",
        },
        success: o.success,
        kind: format!("{:?}", o.kind).to_lowercase(),
        can_write_retrospective: c.can_write_retrospective,
        worked: retro.worked,
        did_not: retro.did_not,
        carry_over: retro.carry_over,
        carried_over_to: c
            .retrospective
            .as_ref()
            .and_then(|r| r.carried_over_to.as_ref())
            .map(|d| d.to_string()),
        worked_error: retro.worked_error,
        did_not_error: retro.did_not_error,
        carry_over_error: retro.carry_over_error,
        notice,
        error: has_error.then(|| "Nothing was saved: see the messages below.".to_string()),
    })
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /objectives/{id}/close-out`.
pub async fn show(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, UiError> {
    let notice = match q.done.as_deref() {
        Some("score") => Some("Score saved.".to_string()),
        Some("retrospective") => Some("Retrospective saved.".to_string()),
        _ => None,
    };
    let page = page(
        &state,
        &caller,
        &ObjectiveId::from_string(id),
        Kept::default(),
        notice,
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct ScoreInput {
    #[serde(default)]
    score: String,
    #[serde(default)]
    reason: String,
}

/// `POST /key-results/{id}/score`: 404 for a key result the caller may not see, 403 for one
/// they may not score, before the score typed is read.
pub async fn score(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<ScoreInput>,
) -> Result<Response, UiError> {
    let kid = KeyResultId::from_string(id);
    // Permission first: whoever may not score it is refused whatever they typed.
    let (_, o) = scoring::authorize_score(state.store(), &caller, &kid).await?;
    let result = match super::format::parse_num(&input.score) {
        Some(v) => {
            scoring::score_key_result(
                state.store(),
                &caller,
                &kid,
                NewScore {
                    score: v,
                    reason: input.reason.clone(),
                },
            )
            .await
        }
        _ if input.score.trim().is_empty() => Err(ApiError::invalid("score", "enter a score")),
        _ => Err(ApiError::invalid(
            "score",
            "must be a number from 0.0 to 1.0, like 0.7",
        )),
    };
    let (score_error, reason_error) = match result {
        Ok(_) => {
            return Ok(Redirect::to(&format!(
                "/objectives/{}/close-out?done=score#kr-{kid}",
                o.id
            ))
            .into_response())
        }
        Err(ApiError::Invalid(e)) if e.field == "reason" => (None, Some(e.message)),
        Err(ApiError::Invalid(e)) => (Some(e.message), None),
        Err(ApiError::Conflict { message, .. }) => (Some(message), None),
        Err(e) => return Err(UiError(e)),
    };
    let kept = Kept {
        score: Some((
            kid.to_string(),
            input.score,
            input.reason,
            score_error,
            reason_error,
        )),
        ..Default::default()
    };
    let page = page(&state, &caller, &o.id, kept, None).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Deserialize)]
pub struct RetroInput {
    #[serde(default)]
    worked: String,
    #[serde(default)]
    did_not: String,
    carry_over: Option<String>,
}

/// `POST /objectives/{id}/retrospective`: carrying over creates the draft in the next cycle.
/// `services::scoring::put_retrospective` checks permission before it validates.
pub async fn retrospective(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<RetroInput>,
) -> Result<Response, UiError> {
    let id = ObjectiveId::from_string(id);
    let carry_over = input.carry_over.is_some();
    let result = scoring::put_retrospective(
        state.store(),
        &caller,
        &id,
        RetrospectiveInput {
            worked: input.worked.clone(),
            did_not: input.did_not.clone(),
            carry_over,
        },
    )
    .await;
    let mut typed = RetroTyped {
        worked: input.worked,
        did_not: input.did_not,
        carry_over,
        ..Default::default()
    };
    match result {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/objectives/{id}/close-out?done=retrospective"))
                    .into_response(),
            )
        }
        Err(ApiError::Invalid(e)) => match e.field.as_str() {
            "worked" => typed.worked_error = Some(e.message),
            "did_not" => typed.did_not_error = Some(e.message),
            _ => typed.carry_over_error = Some(e.message),
        },
        Err(ApiError::Conflict { message, .. }) => typed.carry_over_error = Some(message),
        Err(e) => return Err(UiError(e)),
    }
    let kept = Kept {
        retrospective: Some(typed),
        ..Default::default()
    };
    let page = page(&state, &caller, &id, kept, None).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
