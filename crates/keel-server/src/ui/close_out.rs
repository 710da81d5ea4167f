//! The close-out of an objective (`/objectives/{id}/close-out`): at the end of a cycle each key
//! result is scored (0.0–1.0, the suggestion from its attainment shown next to the field, with a
//! reason), the objective's score, band and success follow, and the retrospective records what
//! worked, what did not, and whether to carry the objective over (which creates a draft in the
//! next cycle, linked from here). The page is one form with one save, so that no score or text
//! typed is lost; two people closing out at once are merged field by field
//! (`services::edits`): what only one changed is saved, and what both changed is shown with the
//! other's value beside the reader's, to merge. Writes go through `services::scoring`, as the
//! API's do.

use super::{render, Layout, SignedIn, UiError};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::read::close_out::{close_out, CloseOut};
use crate::services::edits::fingerprint;
use crate::services::scoring::{
    self, score_text, CloseOutConflict, CloseOutSaved, RetrospectiveEdit, ScoreEdit, TextEdit,
};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form as PostedForm, Router};
use keel_domain::rhythm::ScoreBand;
use keel_domain::*;
use serde::Deserialize;
use std::collections::HashMap;

/// The close-out page and its one form.
pub fn routes() -> Router<AppState> {
    Router::new().route("/objectives/{id}/close-out", get(show).post(save))
}

/// One key result with its score fields.
pub struct ScoreBlock {
    pub id: String,
    pub title: String,
    pub owner: String,
    /// The owner's person page.
    pub owner_href: String,
    pub attainment: i64,
    pub suggested: String,
    /// The score saved, if any, and why.
    pub scored: Option<String>,
    pub score_reason: String,
    pub can_score: bool,
    /// The fields as shown (typed, or saved), the fingerprint of what was shown, the errors.
    pub score: String,
    pub reason: String,
    pub seen: String,
    pub score_error: Option<String>,
    pub reason_error: Option<String>,
    /// Someone else's score, saved while the reader changed theirs: "0.40: “why”".
    pub theirs: Option<String>,
}

/// One text of the retrospective in the form.
pub struct RetroText {
    /// `worked` or `did_not`.
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub seen: String,
    pub error: Option<String>,
    pub theirs: Option<String>,
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
    /// `red`, `yellow` or `green` (a class), and the band in words.
    band: &'static str,
    band_words: &'static str,
    success: Option<bool>,
    committed: bool,
    /// Whether the page is a form: the reader may score something or write the retrospective.
    editable: bool,
    can_write_retrospective: bool,
    texts: Vec<RetroText>,
    worked: String,
    did_not: String,
    carry_over: bool,
    carried_over_to: Option<String>,
    carry_over_error: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

/// What a re-rendered page keeps from its form: the fields the reader changed (typed value,
/// and the fingerprint it was typed over), the errors and what someone else saved meanwhile,
/// by field name (`score.{key result}`, `worked` …).
#[derive(Default)]
struct Kept {
    typed: HashMap<String, String>,
    seen: HashMap<String, String>,
    errors: HashMap<String, String>,
    theirs: HashMap<String, String>,
    carry_over: Option<bool>,
    /// An error about the whole page (the cycle closed meanwhile).
    error: Option<String>,
}

impl Kept {
    fn value(&self, key: &str, stored: String) -> String {
        self.typed.get(key).cloned().unwrap_or(stored)
    }
}

fn two(v: f64) -> String {
    super::format::two_decimals(v)
}

fn their_score(s: Option<&rhythm::KeyResultScore>) -> String {
    match s {
        Some(s) if s.reason.is_empty() => two(s.score),
        Some(s) => format!("{}: “{}”", two(s.score), s.reason),
        None => "no score".into(),
    }
}

fn score_block(c: &CloseOut, k: &crate::read::views::KeyResultView, kept: &Kept) -> ScoreBlock {
    let kid = k.id.to_string();
    let (score_key, reason_key) = (format!("score.{kid}"), format!("reason.{kid}"));
    let stored_reason = k.score_reason.clone().unwrap_or_default();
    ScoreBlock {
        title: k.title.clone(),
        owner: k.owner.name.clone(),
        owner_href: format!("/people/{}", k.owner.id),
        attainment: (k.attainment * 100.0).round() as i64,
        suggested: two(k.suggested_score),
        scored: k.score.map(two),
        can_score: c.can_score.contains(&k.id),
        score: kept.value(&score_key, k.score.map(two).unwrap_or_default()),
        reason: kept.value(&reason_key, stored_reason.clone()),
        seen: kept
            .seen
            .get(&score_key)
            .cloned()
            .unwrap_or_else(|| fingerprint(&score_text(k.score, &stored_reason))),
        score_error: kept.errors.get(&score_key).cloned(),
        reason_error: kept.errors.get(&reason_key).cloned(),
        theirs: kept.theirs.get(&score_key).cloned(),
        score_reason: stored_reason,
        id: kid,
    }
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
    let key_results: Vec<ScoreBlock> = o
        .key_results
        .iter()
        .map(|k| score_block(&c, k, &kept))
        .collect();
    let (worked, did_not) = c
        .retrospective
        .as_ref()
        .map(|r| (r.worked.clone(), r.did_not.clone()))
        .unwrap_or_default();
    let texts = [
        ("worked", "What worked", &worked),
        ("did_not", "What did not", &did_not),
    ]
    .into_iter()
    .map(|(name, label, stored)| RetroText {
        name,
        label,
        value: kept.value(name, stored.clone()),
        seen: kept
            .seen
            .get(name)
            .cloned()
            .unwrap_or_else(|| fingerprint(stored)),
        error: kept.errors.get(name).cloned(),
        theirs: kept.theirs.get(name).cloned(),
    })
    .collect();
    let cycle_closed = c
        .cycle
        .as_ref()
        .is_some_and(|c| c.state == CycleState::Closed);
    let error = if kept.error.is_some() {
        kept.error.clone()
    } else if !kept.theirs.is_empty() {
        Some("Nothing was saved: someone else saved what is marked below since you opened the page. Their values are shown beside yours: merge them and save again.".to_string())
    } else {
        (!kept.errors.is_empty()).then(|| "Nothing was saved: see the messages below.".to_string())
    };
    let (band, band_words) = match o.score_band {
        Some(ScoreBand::Red) => ("red", "red band"),
        Some(ScoreBand::Yellow) => ("yellow", "yellow band"),
        Some(ScoreBand::Green) => ("green", "green band"),
        None => ("", ""),
    };
    Ok(CloseOutPage {
        layout: Layout::signed_in(caller, "/my-week"),
        id: o.id.to_string(),
        title: o.title.clone(),
        cycle: c
            .cycle
            .as_ref()
            .map(super::format::cycle)
            .unwrap_or_default(),
        cycle_closed,
        editable: c.can_write_retrospective
            || (!cycle_closed && key_results.iter().any(|k| k.can_score)),
        key_results,
        score: o.score.map(two),
        band,
        band_words,
        success: o.success,
        committed: o.kind == ObjectiveKind::Committed,
        can_write_retrospective: c.can_write_retrospective,
        texts,
        worked,
        did_not,
        carry_over: kept
            .carry_over
            .unwrap_or_else(|| c.retrospective.as_ref().is_some_and(|r| r.carry_over)),
        carried_over_to: c
            .retrospective
            .as_ref()
            .and_then(|r| r.carried_over_to.as_ref())
            .map(|d| d.to_string()),
        carry_over_error: kept.errors.get("carry_over").cloned(),
        notice,
        error,
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
        Some("unchanged") => Some("Nothing had changed: nothing to save.".to_string()),
        Some(_) => Some("Saved: the scores and the retrospective as on the page.".to_string()),
        None => None,
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

/// A key result's score field as typed, compared the way the store's is ([`score_text`]):
/// unreadable text never matches.
fn typed_score_text(score: &str, reason: &str) -> String {
    match score.trim() {
        "" if reason.trim().is_empty() => String::new(),
        "" => format!("?\n{reason}"),
        s => match super::format::parse_num(s) {
            Some(v) => score_text(Some(v), reason),
            None => format!("?{s}"),
        },
    }
}

/// What the form sends, read: the scores changed on the page (or the errors of those that are
/// not numbers), and the retrospective.
struct Posted {
    scores: Vec<ScoreEdit>,
    retro: Option<RetrospectiveEdit>,
    kept: Kept,
}

fn read_posted(posted: &HashMap<String, String>) -> Posted {
    let get = |k: &str| posted.get(k).cloned().unwrap_or_default();
    let mut kept = Kept::default();
    let mut scores = vec![];
    for key in posted.keys().filter(|k| k.starts_with("score.")) {
        let kid = &key["score.".len()..];
        let (typed, reason) = (get(key), get(&format!("reason.{kid}")));
        let seen = get(&format!("seen.{key}"));
        if fingerprint(&typed_score_text(&typed, &reason)) == seen {
            continue;
        }
        kept.typed.insert(key.clone(), typed.clone());
        kept.typed.insert(format!("reason.{kid}"), reason.clone());
        kept.seen.insert(key.clone(), seen.clone());
        match super::format::parse_num(&typed) {
            Some(score) => scores.push(ScoreEdit {
                key_result_id: KeyResultId::from_string(kid.to_string()),
                score,
                reason,
                seen,
            }),
            None if typed.trim().is_empty() => {
                kept.errors.insert(key.clone(), "enter a score".into());
            }
            None => {
                kept.errors.insert(
                    key.clone(),
                    "must be a number from 0.0 to 1.0, like 0.7".into(),
                );
            }
        }
    }
    let retro = (posted.contains_key("worked") || posted.contains_key("did_not")).then(|| {
        let mut text = |name: &str| {
            let (typed, seen) = (get(name), get(&format!("seen.{name}")));
            if fingerprint(&typed) != seen {
                kept.typed.insert(name.to_string(), typed.clone());
                kept.seen.insert(name.to_string(), seen.clone());
            }
            TextEdit { typed, seen }
        };
        RetrospectiveEdit {
            worked: text("worked"),
            did_not: text("did_not"),
            carry_over: posted.contains_key("carry_over"),
        }
    });
    kept.carry_over = retro.as_ref().map(|r| r.carry_over);
    Posted {
        scores,
        retro,
        kept,
    }
}

/// `POST /objectives/{id}/close-out`: the page's one save, every score and the retrospective.
/// Permission first: whoever may not score a key result or write the retrospective they sent is
/// refused whatever they typed.
pub async fn save(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(pairs): PostedForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let id = ObjectiveId::from_string(id);
    let posted: HashMap<String, String> = pairs.into_iter().collect();
    let c = close_out(state.store(), &caller, &id).await?;
    for key in posted.keys().filter_map(|k| k.strip_prefix("score.")) {
        if !c
            .can_score
            .contains(&KeyResultId::from_string(key.to_string()))
        {
            return Err(UiError(ApiError::forbidden(
                "only the owner of a key result or of its objective scores it",
            )));
        }
    }
    if (posted.contains_key("worked") || posted.contains_key("did_not"))
        && !c.can_write_retrospective
    {
        return Err(UiError(ApiError::forbidden(
            "only the objective's owner writes its retrospective",
        )));
    }
    let Posted {
        scores,
        retro,
        mut kept,
    } = read_posted(&posted);
    let status = if !kept.errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        match scoring::save_close_out(state.store(), &caller, &id, &scores, retro.as_ref()).await {
            Ok(CloseOutSaved::Saved(n)) => {
                let done = if n == 0 { "unchanged" } else { "saved" };
                return Ok(
                    Redirect::to(&format!("/objectives/{id}/close-out?done={done}"))
                        .into_response(),
                );
            }
            Ok(CloseOutSaved::Conflicts(conflicts)) => {
                for conflict in conflicts {
                    let (key, theirs, seen) = match conflict {
                        CloseOutConflict::Score(kid, s) => (
                            format!("score.{kid}"),
                            their_score(s.as_ref()),
                            score_text(
                                s.as_ref().map(|s| s.score),
                                s.as_ref().map_or("", |s| &s.reason),
                            ),
                        ),
                        CloseOutConflict::Text(name, theirs) => {
                            (name.to_string(), theirs.clone(), theirs)
                        }
                    };
                    // Saving again writes the reader's merge over the other person's value.
                    kept.seen.insert(key.clone(), fingerprint(&seen));
                    kept.theirs.insert(key, theirs);
                }
                StatusCode::CONFLICT
            }
            Err(ApiError::Invalid(e)) => {
                kept.errors.insert(e.field, e.message);
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Err(ApiError::Conflict {
                field: Some(f),
                message,
            }) => {
                kept.errors.insert(f, message);
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Err(ApiError::Conflict { message, .. }) => {
                kept.error = Some(format!("Nothing was saved: {message}."));
                StatusCode::CONFLICT
            }
            Err(e) => return Err(UiError(e)),
        }
    };
    let page = page(&state, &caller, &id, kept, None).await?;
    Ok(render(status, &page))
}
