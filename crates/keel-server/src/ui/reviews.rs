//! Team reviews in the browser: start one from the team page (`/teams/{id}/reviews/new`), read
//! its agenda (`/reviews/{id}`: each OKR with its owner, progress change since the team's last
//! review, confidence trend, status and flags) and write each item's notes and decisions in a
//! form next to it. Everything goes through `services::reviews` (the API's rules and
//! visibility); a form with an error comes back with the message next to the field and what was
//! typed kept, and nothing is written.

use super::company::{Choice, StatusBadge};
use super::{render, Layout, SignedIn, UiError};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::IfMatch;
use crate::read::reviews as read_reviews;
use crate::services::reviews::{self, NewReview, ReviewItemNotes};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form as PostedForm, Router};
use keel_domain::review::Review;
use keel_domain::rhythm::Trend;
use keel_domain::*;
use serde::Deserialize;

/// The review pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/teams/{id}/reviews/new", get(new_review))
        .route("/teams/{id}/reviews", post(start_review))
        .route("/reviews/{id}", get(show))
        .route("/reviews/{id}/items/{objective_id}", post(note_item))
}

/// A review in a list: its date, who ran it and how many items.
pub struct ReviewLine {
    pub href: String,
    pub held_on: String,
    pub items: usize,
    pub flagged: usize,
}

impl ReviewLine {
    pub fn new(r: &Review) -> Self {
        Self {
            href: format!("/reviews/{}", r.id),
            held_on: r.held_on.format("%-d %b %Y").to_string(),
            items: r.items.len(),
            flagged: r.items.iter().filter(|i| !i.flags.is_empty()).count(),
        }
    }
}

#[derive(Template)]
#[template(path = "review_new.html")]
struct NewReviewPage {
    layout: Layout,
    team_id: String,
    team_name: String,
    held_on: String,
    held_on_error: Option<String>,
    cycles: Vec<Choice>,
    cycle_error: Option<String>,
    today: String,
}

#[derive(Deserialize, Default)]
pub struct NewReviewInput {
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    cycle_id: String,
}

async fn new_review_page(
    state: &AppState,
    caller: &Caller,
    team_id: &TeamId,
    input: NewReviewInput,
    error: Option<ApiError>,
) -> Result<NewReviewPage, UiError> {
    let (team, cycles) = read_reviews::review_form(state.store(), caller, team_id).await?;
    let (mut held_on_error, mut cycle_error) = (None, None);
    match error {
        Some(ApiError::Invalid(e)) if e.field == "cycle_id" => cycle_error = Some(e.message),
        Some(ApiError::Invalid(e)) => held_on_error = Some(e.message),
        Some(other) => return Err(UiError(other)),
        None => {}
    }
    Ok(NewReviewPage {
        layout: Layout::signed_in(caller, ""),
        team_id: team.id.to_string(),
        team_name: team.name,
        held_on: input.held_on,
        held_on_error,
        cycles: cycles
            .iter()
            .map(|c| Choice {
                value: c.id.to_string(),
                label: format!("{} ({} to {})", c.name, c.starts_on, c.ends_on),
                selected: c.id.as_str() == input.cycle_id,
            })
            .collect(),
        cycle_error,
        today: super::format::today_iso(),
    })
}

/// `GET /teams/{id}/reviews/new`: the form to start a review (for those who may run one).
pub async fn new_review(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let page = new_review_page(
        &state,
        &caller,
        &TeamId::from_string(id),
        NewReviewInput::default(),
        None,
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /teams/{id}/reviews`: prepares the agenda and opens the review.
pub async fn start_review(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<NewReviewInput>,
) -> Result<Response, UiError> {
    let team_id = TeamId::from_string(id);
    // Permission first: whoever may not run the review is refused whatever they typed.
    reviews::authorize_review(state.store(), &caller, &team_id).await?;
    let held_on = match input.held_on.trim() {
        "" => Ok(None),
        d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ApiError::invalid("held_on", "must be a date, like 2026-11-20")),
    };
    let result = match held_on {
        Ok(held_on) => {
            reviews::create_review(
                state.store(),
                &caller,
                &team_id,
                NewReview {
                    held_on,
                    cycle_id: (!input.cycle_id.is_empty())
                        .then(|| CycleId::from_string(input.cycle_id.clone())),
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/reviews/{}", r.id)).into_response()),
        Err(e @ ApiError::Invalid(_)) => {
            let page = new_review_page(&state, &caller, &team_id, input, Some(e)).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(UiError(e)),
    }
}

/// One agenda item as the review page shows it, with its notes form.
pub struct ItemBlock {
    pub objective_id: String,
    pub title: String,
    pub owner: String,
    pub percent: i64,
    /// "+12 points", "−3 points", or "first review".
    pub change: String,
    pub trend: &'static str,
    pub status: StatusBadge,
    pub flags: Vec<String>,
    pub notes: String,
    pub decisions: String,
    pub can_note: bool,
    pub notes_error: Option<String>,
    pub decisions_error: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewTemplate {
    layout: Layout,
    id: String,
    version: i64,
    team_id: String,
    team_name: String,
    held_on: String,
    run_by: String,
    items: Vec<ItemBlock>,
    notice: Option<String>,
    error: Option<String>,
}

/// What a re-rendered review keeps from a failed notes form.
#[derive(Default)]
struct Kept {
    objective_id: String,
    notes: String,
    decisions: String,
    notes_error: Option<String>,
    decisions_error: Option<String>,
    error: Option<String>,
}

fn trend_word(t: Trend) -> &'static str {
    match t {
        Trend::Rising => "rising",
        Trend::Steady => "steady",
        Trend::Falling => "falling",
        Trend::Unknown => "not enough check-ins yet",
    }
}

async fn review_page(
    state: &AppState,
    caller: &Caller,
    id: &ReviewId,
    kept: Option<Kept>,
    notice: Option<String>,
) -> Result<ReviewTemplate, UiError> {
    let p = read_reviews::review_page(state.store(), caller, id).await?;
    let items = p
        .review
        .items
        .iter()
        .map(|i| {
            let oid = i.objective_id.to_string();
            let mine = kept.as_ref().filter(|k| k.objective_id == oid);
            ItemBlock {
                title: i.title.clone(),
                owner: i.owner_name.clone(),
                percent: (i.progress * 100.0).round() as i64,
                change: match i.progress_change {
                    None => "first review".into(),
                    Some(c) => {
                        let points = (c * 100.0).round() as i64;
                        match points {
                            0 => "no change".into(),
                            p if p > 0 => format!("+{p} points"),
                            p => format!("−{} points", -p),
                        }
                    }
                },
                trend: trend_word(i.confidence_trend),
                status: StatusBadge::new(i.status, i.status_reason.clone()),
                flags: i.flags.clone(),
                notes: mine.map(|k| k.notes.clone()).unwrap_or(i.notes.clone()),
                decisions: mine
                    .map(|k| k.decisions.clone())
                    .unwrap_or(i.decisions.clone()),
                can_note: p.can_note.contains(&i.objective_id),
                notes_error: mine.and_then(|k| k.notes_error.clone()),
                decisions_error: mine.and_then(|k| k.decisions_error.clone()),
                error: mine.and_then(|k| k.error.clone()),
                objective_id: oid,
            }
        })
        .collect();
    Ok(ReviewTemplate {
        layout: Layout::signed_in(caller, ""),
        id: p.review.id.to_string(),
        version: p.review.version,
        team_id: p.team.id.to_string(),
        team_name: p.team.name.clone(),
        held_on: p.review.held_on.format("%-d %b %Y").to_string(),
        run_by: p.run_by.map(|r| r.name).unwrap_or_default(),
        items,
        notice,
        error: kept.and_then(|k| {
            (k.error.is_some() || k.notes_error.is_some() || k.decisions_error.is_some())
                .then(|| "Nothing was saved: see the item marked below.".to_string())
        }),
    })
}

#[derive(Deserialize)]
pub struct Saved {
    done: Option<String>,
}

/// `GET /reviews/{id}`.
pub async fn show(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Saved>,
) -> Result<Response, UiError> {
    let notice = q.done.map(|_| "Notes saved.".to_string());
    let page = review_page(&state, &caller, &ReviewId::from_string(id), None, notice).await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct NotesInput {
    #[serde(default)]
    notes: String,
    #[serde(default)]
    decisions: String,
    /// The review's version the form was rendered from (a stale form is refused).
    version: Option<i64>,
}

/// `POST /reviews/{id}/items/{objective_id}`: the owner's notes and the team's decisions.
pub async fn note_item(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((id, objective_id)): Path<(String, String)>,
    PostedForm(input): PostedForm<NotesInput>,
) -> Result<Response, UiError> {
    let id = ReviewId::from_string(id);
    let result = reviews::note_item(
        state.store(),
        &caller,
        &id,
        &ObjectiveId::from_string(objective_id.clone()),
        IfMatch(input.version),
        ReviewItemNotes {
            notes: Some(input.notes.clone()),
            decisions: Some(input.decisions.clone()),
        },
    )
    .await;
    let mut kept = Kept {
        objective_id: objective_id.clone(),
        notes: input.notes,
        decisions: input.decisions,
        ..Default::default()
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/reviews/{id}?done=notes#item-{objective_id}")).into_response(),
        ),
        Err(ApiError::Invalid(e)) => {
            match e.field.as_str() {
                "decisions" => kept.decisions_error = Some(e.message),
                _ => kept.notes_error = Some(e.message),
            }
            let page = review_page(&state, &caller, &id, Some(kept), None).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(ApiError::PreconditionFailed) => {
            kept.error = Some(
                "Someone saved this review since you opened it. What you typed is kept: compare it with the agenda and save again.".into(),
            );
            let page = review_page(&state, &caller, &id, Some(kept), None).await?;
            Ok(render(StatusCode::PRECONDITION_FAILED, &page))
        }
        Err(e) => Err(UiError(e)),
    }
}
