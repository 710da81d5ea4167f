//! Team reviews in the browser: start one from the team page (`/teams/{id}/reviews/new`), read
//! its agenda (`/reviews/{id}`: each OKR with its owner, progress change since the team's last
//! review, confidence trend, status and flags) and write every item's notes and decisions in
//! one form with one save, so that nothing typed in the middle of a meeting is lost. Everything
//! goes through `services::reviews` (the API's rules and visibility); a form with an error comes
//! back with the message next to the field and everything typed kept, and nothing is written.
//! Two people noting the same review are merged text by text (`services::edits`): a text only
//! one of them changed is saved, and one both changed is shown with the other's words beside
//! the reader's, to merge, instead of being overwritten.

use super::company::{Choice, StatusBadge};
use super::{render, Layout, SignedIn, UiError};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::read::reviews as read_reviews;
use crate::services::edits::fingerprint;
use crate::services::reviews::{self, ItemEdit, ItemText, NewReview, NotesSaved};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form as PostedForm, Router};
use keel_domain::review::{Review, ReviewItem};
use keel_domain::rhythm::Trend;
use keel_domain::*;
use serde::Deserialize;
use std::collections::HashMap;

/// The review pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/teams/{id}/reviews/new", get(new_review))
        .route("/teams/{id}/reviews", post(start_review))
        .route("/reviews/{id}", get(show).post(save))
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
            held_on: super::format::date(r.held_on),
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
    /// "e.g. 5 Dec 2026": how a day is typed.
    date_example: String,
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
                label: super::format::cycle(c),
                selected: c.id.as_str() == input.cycle_id,
            })
            .collect(),
        cycle_error,
        date_example: super::format::date_example(),
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
    let held_on = super::format::parse_optional_date("held_on", &input.held_on);
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

/// One text of an agenda item in the page's form: what it holds, the fingerprint of the text
/// the page showed, and what someone else saved meanwhile.
pub struct TextField {
    /// `notes` or `decisions`.
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub seen: String,
    pub error: Option<String>,
    /// Someone else's text, saved while the reader changed theirs (to merge).
    pub theirs: Option<String>,
}

/// One agenda item as the review page shows it, with its texts.
pub struct ItemBlock {
    pub objective_id: String,
    pub title: String,
    pub owner: String,
    /// The owner's person page.
    pub owner_href: String,
    pub percent: i64,
    /// "+12 points", "−3 points", or "first review".
    pub change: String,
    pub trend: &'static str,
    pub status: StatusBadge,
    pub flags: Vec<String>,
    pub notes: String,
    pub decisions: String,
    pub can_note: bool,
    pub texts: Vec<TextField>,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewTemplate {
    layout: Layout,
    id: String,
    team_id: String,
    team_name: String,
    held_on: String,
    run_by: String,
    items: Vec<ItemBlock>,
    /// Whether the reader may write on some item (the page then is one form).
    can_note: bool,
    notice: Option<String>,
    error: Option<String>,
}

/// What a re-rendered review keeps from its form: the texts the reader changed (by field name,
/// `notes.{objective id}`, with the fingerprint they were typed over), the errors, and what
/// someone else saved meanwhile.
#[derive(Default)]
struct Kept {
    changed: HashMap<String, (String, String)>,
    errors: HashMap<String, String>,
    theirs: HashMap<String, String>,
}

fn trend_word(t: Trend) -> &'static str {
    match t {
        Trend::Rising => "rising",
        Trend::Steady => "steady",
        Trend::Falling => "falling",
        Trend::Unknown => "not enough check-ins yet",
    }
}

fn change_words(change: Option<f64>) -> String {
    match change {
        None => "first review".into(),
        Some(c) => match (c * 100.0).round() as i64 {
            0 => "no change".into(),
            p if p > 0 => format!("+{p} points"),
            p => format!("−{} points", -p),
        },
    }
}

/// The item's two texts as the form shows them: what the reader changed and kept, else what is
/// stored.
fn text_fields(i: &ReviewItem, kept: &Kept) -> Vec<TextField> {
    [
        (ItemText::Notes, "Owner's notes"),
        (ItemText::Decisions, "Decisions"),
    ]
    .into_iter()
    .map(|(t, label)| {
        let key = format!("{}.{}", t.name(), i.objective_id);
        let stored = t.of(i);
        let (value, seen) = kept
            .changed
            .get(&key)
            .cloned()
            .unwrap_or_else(|| (stored.to_string(), fingerprint(stored)));
        TextField {
            name: t.name(),
            label,
            value,
            seen,
            error: kept.errors.get(&key).cloned(),
            theirs: kept.theirs.get(&key).cloned(),
        }
    })
    .collect()
}

async fn review_page(
    state: &AppState,
    caller: &Caller,
    id: &ReviewId,
    kept: Kept,
    notice: Option<String>,
) -> Result<ReviewTemplate, UiError> {
    let p = read_reviews::review_page(state.store(), caller, id).await?;
    let items: Vec<ItemBlock> = p
        .review
        .items
        .iter()
        .map(|i| ItemBlock {
            objective_id: i.objective_id.to_string(),
            title: i.title.clone(),
            owner: i.owner_name.clone(),
            owner_href: format!("/people/{}", i.owner_id),
            percent: (i.progress * 100.0).round() as i64,
            change: change_words(i.progress_change),
            trend: trend_word(i.confidence_trend),
            status: StatusBadge::new(i.status, i.status_reason.clone()),
            flags: i.flags.clone(),
            notes: i.notes.clone(),
            decisions: i.decisions.clone(),
            can_note: p.can_note.contains(&i.objective_id),
            texts: text_fields(i, &kept),
        })
        .collect();
    let error = if !kept.theirs.is_empty() {
        Some("Nothing was saved: someone else saved the texts marked below since you opened the page. Their words are shown above yours: merge them and save again.".to_string())
    } else {
        (!kept.errors.is_empty())
            .then(|| "Nothing was saved: see the item marked below.".to_string())
    };
    Ok(ReviewTemplate {
        layout: Layout::signed_in(caller, ""),
        id: p.review.id.to_string(),
        team_id: p.team.id.to_string(),
        team_name: p.team.name.clone(),
        held_on: super::format::date(p.review.held_on),
        run_by: p.run_by.map(|r| r.name).unwrap_or_default(),
        can_note: items.iter().any(|i| i.can_note),
        items,
        notice,
        error,
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
    let notice = match q.done.as_deref() {
        Some("unchanged") => Some("Nothing had changed: nothing to save.".to_string()),
        Some(_) => Some("Saved: every note and decision on the page.".to_string()),
        None => None,
    };
    let page = review_page(
        &state,
        &caller,
        &ReviewId::from_string(id),
        Kept::default(),
        notice,
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

/// The texts a review form sends: `notes.{objective id}` and `decisions.{objective id}`, each
/// with `seen.` before it for the fingerprint of what the page showed.
fn edits_of(posted: &HashMap<String, String>) -> Vec<ItemEdit> {
    posted
        .iter()
        .filter_map(|(key, typed)| {
            let (name, oid) = key.split_once('.')?;
            let text = match name {
                "notes" => ItemText::Notes,
                "decisions" => ItemText::Decisions,
                _ => return None,
            };
            Some(ItemEdit {
                objective_id: ObjectiveId::from_string(oid.to_string()),
                text,
                typed: typed.clone(),
                seen: posted
                    .get(&format!("seen.{key}"))
                    .cloned()
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// `POST /reviews/{id}`: the page's one save, every item's notes and decisions at once.
pub async fn save(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(pairs): PostedForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let id = ReviewId::from_string(id);
    let posted: HashMap<String, String> = pairs.into_iter().collect();
    let edits = edits_of(&posted);
    let result = reviews::save_notes(state.store(), &caller, &id, &edits).await;
    // What the reader changed is kept over what they typed it on.
    let key = |e: &ItemEdit| format!("{}.{}", e.text.name(), e.objective_id);
    let mut kept = Kept {
        changed: edits
            .iter()
            .filter(|e| fingerprint(&e.typed) != e.seen)
            .map(|e| (key(e), (e.typed.clone(), e.seen.clone())))
            .collect(),
        ..Default::default()
    };
    let status = match result {
        Ok(NotesSaved::Saved(n)) => {
            let done = if n == 0 { "unchanged" } else { "notes" };
            return Ok(Redirect::to(&format!("/reviews/{id}?done={done}")).into_response());
        }
        Ok(NotesSaved::Conflicts(conflicts)) => {
            for c in conflicts {
                let key = format!("{}.{}", c.text.name(), c.objective_id);
                // Saving again writes the reader's merge over the other person's text.
                if let Some(k) = kept.changed.get_mut(&key) {
                    k.1 = fingerprint(&c.theirs);
                }
                kept.theirs.insert(key, c.theirs);
            }
            StatusCode::CONFLICT
        }
        Err(ApiError::Invalid(e)) => {
            kept.errors.insert(e.field, e.message);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e) => return Err(UiError(e)),
    };
    let page = review_page(&state, &caller, &id, kept, None).await?;
    Ok(render(status, &page))
}
