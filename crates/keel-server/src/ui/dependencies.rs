//! The key result page's "Depends on" section and its forms: what it waits on and who waits on
//! it, in the reader's words, with the risk an off-track or stale accepted dependency brings;
//! whoever may edit the key result asks that it depend on another (picked like the "aligns to"
//! form picks, or typed without JavaScript) and removes one; the other key result's owner
//! accepts or declines with a reason, here and on My week. Why its own module: the section reads
//! the same model as `GET /api/v1/key-results/{id}/dependencies`, the forms go through
//! `services::dependencies` like the API, and a key result the reader may not see is said as "a
//! key result you cannot see", never named.

use super::{render, SignedIn, UiError};
use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::read::dependencies::{self, DependencyView, Direction};
use crate::read::pickers;
use crate::services::dependencies::{self as negotiate, DeclineDependency, ProposeDependency};
use crate::services::guards;
use crate::services::visibility::Viewer;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form as PostedForm, Router};
use keel_domain::dependency::{Dependency, DependencyState};
use keel_domain::*;
use keel_store::{PageRequest, SearchKind, Store};
use serde::Deserialize;
use std::collections::HashMap;

/// The forms of the section, the answers (from the key result page and My week) and the key
/// result picker.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/key-results/{id}/dependencies", post(add))
        .route(
            "/key-results/{id}/dependencies/{dep_id}/remove",
            post(remove),
        )
        .route("/dependencies/{id}/accept", post(accept))
        .route("/dependencies/{id}/decline", post(decline))
        .route("/dependencies/pick", get(pick))
}

/// One dependency as the page says it.
pub struct DependencyLine {
    pub id: String,
    /// The other key result's title, or "a key result you cannot see".
    pub title: String,
    /// Its page, when the reader may see it.
    pub href: Option<String>,
    /// "owned by …", empty when hidden.
    pub owner: String,
    /// The owner's person page, when the reader may see the key result.
    pub owner_href: Option<String>,
    /// Its status in words, empty when hidden.
    pub status: String,
    /// Its status as the CSS class spells it.
    pub status_word: String,
    /// Where the negotiation stands ("Waiting for an answer", "Declined: …").
    pub state: String,
    pub note: String,
    /// The reader may remove it (they may edit the key result that depends).
    pub removable: bool,
    /// The reader owns the key result depended on and it waits for their answer.
    pub can_answer: bool,
    /// The decline form's reason as typed, and its error, when it was refused.
    pub reason: String,
    pub reason_error: Option<String>,
}

/// The "add a dependency" form: what was chosen and typed, and the errors next to the fields.
#[derive(Default)]
pub struct AddForm {
    /// The key result chosen, as `(id, title)`.
    pub chosen: Option<(String, String)>,
    pub find: String,
    pub note: String,
    pub depends_on_error: Option<String>,
    pub note_error: Option<String>,
}

impl AddForm {
    pub fn has_errors(&self) -> bool {
        self.depends_on_error.is_some() || self.note_error.is_some()
    }
}

/// The section.
pub struct DependsOn {
    pub depends_on: Vec<DependencyLine>,
    pub depended_on_by: Vec<DependencyLine>,
    /// "At risk because it depends on …" sentences.
    pub at_risk: Vec<String>,
    /// The reader may ask for a dependency (and remove one): the form is offered.
    pub may_add: bool,
    pub form: AddForm,
}

/// What a refused form leaves on the page again.
pub enum Posted {
    Add(AddForm),
    /// A decline without a proper reason: the dependency, what was typed, the message.
    Decline {
        id: String,
        reason: String,
        error: String,
    },
}

fn line(d: DependencyView, removable: bool) -> DependencyLine {
    let state = match d.state {
        DependencyState::Declined => match &d.decline_reason {
            Some(r) => format!("Declined: {r}"),
            None => "Declined".into(),
        },
        s => s.label().to_string(),
    };
    let id = d.id.to_string();
    let can_answer = d.can_answer;
    match d.other {
        Some(o) => DependencyLine {
            id,
            title: o.title,
            href: Some(format!("/key-results/{}", o.id)),
            owner: o.owner.name.clone(),
            owner_href: Some(format!("/people/{}", o.owner.id)),
            status: o.status.label().to_string(),
            status_word: o.status.as_str().to_string(),
            state,
            note: d.note,
            removable,
            can_answer,
            reason: String::new(),
            reason_error: None,
        },
        None => DependencyLine {
            id,
            title: "a key result you cannot see".into(),
            href: None,
            owner: String::new(),
            owner_href: None,
            status: String::new(),
            status_word: String::new(),
            state,
            // The note is the asker's words to the owner: kept, since the reader owns one end.
            note: if can_answer { d.note } else { String::new() },
            removable,
            can_answer,
            reason: String::new(),
            reason_error: None,
        },
    }
}

/// The section for key result `kr` (of `objective`) as `caller` sees it: every dependency each
/// way (a page at a time from the store, all pages read); `read_only` (locked, or read as of a
/// past day) offers no form.
pub async fn depends_on(
    store: &dyn Store,
    caller: &Caller,
    (kr, objective): (&KeyResult, &Objective),
    read_only: bool,
    posted: Option<Posted>,
) -> ApiResult<DependsOn> {
    let viewer = Viewer::of(&caller.person);
    let may_add = !read_only
        && access::edit_key_result(
            &access::Actor::load(store, &caller.person).await?,
            kr,
            objective,
        )
        .is_ok();
    // Every page of them: a key result waits on a handful, never a silent cut.
    let mut listed = Vec::new();
    let mut page = PageRequest {
        limit: 200,
        cursor: None,
    };
    loop {
        let got = dependencies::list(store, &viewer, &caller.person.id, kr, &page).await?;
        listed.extend(got.items);
        match got.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    let (mut on, mut by) = (vec![], vec![]);
    let (form, decline) = match posted {
        Some(Posted::Add(f)) => (f, None),
        Some(Posted::Decline { id, reason, error }) => {
            (AddForm::default(), Some((id, reason, error)))
        }
        None => (AddForm::default(), None),
    };
    for d in listed {
        if d.direction == Direction::DependsOn {
            on.push(line(d, may_add));
        } else {
            let mut l = line(d, false);
            l.can_answer &= !read_only;
            if let Some((id, reason, error)) = &decline {
                if id == &l.id {
                    l.reason = reason.clone();
                    l.reason_error = Some(error.clone());
                }
            }
            by.push(l);
        }
    }
    let at_risk = dependencies::blocked_by(store, &viewer, &kr.id)
        .await?
        .into_iter()
        .map(|b| b.reason)
        .collect();
    Ok(DependsOn {
        depends_on: on,
        depended_on_by: by,
        at_risk,
        may_add,
        form,
    })
}

/// The posted "add a dependency" form.
#[derive(Deserialize)]
pub struct AddInput {
    #[serde(default)]
    depends_on: String,
    #[serde(default, rename = "depends_on.find")]
    find: String,
    #[serde(default)]
    note: String,
}

/// What the find field names, for a form sent without JavaScript: a key result's id, or words
/// of a title matching exactly one key result the reader may see.
async fn resolve_typed(store: &dyn Store, caller: &Caller, typed: &str) -> ApiResult<String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(ApiError::invalid(
            "depends_on",
            "choose the key result this one depends on",
        ));
    }
    let viewer = Viewer::of(&caller.person);
    if guards::resolve_okr(store, &viewer, "depends_on", typed)
        .await
        .is_ok()
    {
        return Ok(typed.to_string());
    }
    let hits = super::alignment::okr_hits(store, caller, typed, 2, KEY_RESULTS).await?;
    match hits.as_slice() {
        [one] => Ok(one.value.clone()),
        [] => Err(ApiError::invalid(
            "depends_on",
            format!("no key result you may see matches “{typed}”"),
        )),
        _ => Err(ApiError::invalid(
            "depends_on",
            format!("several key results match “{typed}”: type more, or pick one in the list"),
        )),
    }
}

const KEY_RESULTS: &[SearchKind] = &[SearchKind::KeyResult];

/// The title of a key result the reader may see (for a refused form's choice, kept).
async fn chosen(store: &dyn Store, caller: &Caller, id: &str) -> Option<(String, String)> {
    if id.is_empty() {
        return None;
    }
    let viewer = Viewer::of(&caller.person);
    let (kr, _) = viewer
        .key_result(store, &KeyResultId::from_string(id.to_string()))
        .await
        .ok()?;
    Some((kr.id.to_string(), kr.title))
}

/// `POST /key-results/{id}/dependencies`: asks that the key result depend on the one chosen
/// (`services::dependencies::propose`, like the API); refused, the page again with the message
/// next to the field at fault (422), what was chosen and typed kept.
pub async fn add(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<AddInput>,
) -> Result<Response, UiError> {
    let store = state.store();
    let kr = KeyResultId::from_string(id);
    // The caller's right first (403/404 before anything typed is read).
    crate::services::okrs::authorize_edit_key_result(store, &caller, &kr).await?;
    let picked = input.depends_on.trim().to_string();
    let result = async {
        let target = if picked.is_empty() {
            resolve_typed(store, &caller, &input.find).await?
        } else {
            picked.clone()
        };
        let asked = ProposeDependency {
            depends_on: target,
            note: input.note.clone(),
        };
        negotiate::propose(store, &caller, &kr, asked).await
    }
    .await;
    let (field, message) = match result {
        Ok(_) => {
            let to = format!("/key-results/{kr}?done=dependency-asked#depends-h");
            return Ok(Redirect::to(&to).into_response());
        }
        Err(ApiError::Invalid(e)) => (e.field, e.message),
        // A second dependency on the same key result.
        Err(ApiError::Conflict {
            field: Some(field),
            message,
        }) => (field, message),
        Err(e) => return Err(UiError(e)),
    };
    let mut form = AddForm {
        chosen: chosen(store, &caller, &picked).await,
        find: input.find,
        note: input.note,
        ..Default::default()
    };
    if field == "note" {
        form.note_error = Some(message);
    } else {
        form.depends_on_error = Some(message);
    }
    super::key_result::refused_dependency(
        &state,
        &caller,
        &kr,
        "The dependency was not asked for: see the form.",
        Posted::Add(form),
    )
    .await
}

/// `POST /key-results/{id}/dependencies/{dep_id}/remove`: for whoever may edit the key result.
pub async fn remove(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path((id, dep)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let kr = KeyResultId::from_string(id);
    negotiate::remove(state.store(), &caller, &kr, &DependencyId::from_string(dep)).await?;
    let to = format!("/key-results/{kr}?done=dependency-removed#depends-h");
    Ok(Redirect::to(&to).into_response())
}

/// Where an answer was given from: My week, or (by default) the key result page.
#[derive(Deserialize, Default)]
pub struct AnswerInput {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    from: String,
}

/// After an answer: back to My week or to the key result depended on.
fn answered(from: &str, d: &Dependency, done: &str) -> Response {
    let to = if from == "my-week" {
        format!("/my-week?done={done}#dependencies")
    } else {
        format!("/key-results/{}?done={done}#depends-h", d.depends_on_id)
    };
    Redirect::to(&to).into_response()
}

/// `POST /dependencies/{id}/accept`: for the owner of the key result depended on.
pub async fn accept(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<AnswerInput>,
) -> Result<Response, UiError> {
    let d = negotiate::accept(state.store(), &caller, &DependencyId::from_string(id)).await?;
    Ok(answered(&input.from, &d, "dependency-accepted"))
}

/// `POST /dependencies/{id}/decline`: with a reason; without one, the page it came from again
/// with the message next to the reason (422).
pub async fn decline(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<AnswerInput>,
) -> Result<Response, UiError> {
    let store = state.store();
    let dep = DependencyId::from_string(id);
    let why = DeclineDependency {
        reason: input.reason.clone(),
    };
    match negotiate::decline(store, &caller, &dep, why).await {
        Ok(d) => Ok(answered(&input.from, &d, "dependency-declined")),
        Err(ApiError::Invalid(e)) => {
            let posted = Posted::Decline {
                id: dep.to_string(),
                reason: input.reason,
                error: e.message,
            };
            if input.from == "my-week" {
                return super::pages::refused_dependency_answer(&state, &caller, posted).await;
            }
            let d = negotiate::visible_dependency(store, &caller, &dep).await?;
            super::key_result::refused_dependency(
                &state,
                &caller,
                &d.depends_on_id,
                "The dependency was not declined: see its form.",
                posted,
            )
            .await
        }
        Err(e) => Err(UiError(e)),
    }
}

/// The suggestions as `<option>`s (the pickers' own fragment).
#[derive(Template)]
#[template(path = "picker.html")]
struct PickFragment {
    field: String,
    as_options: bool,
    none: Option<String>,
    query: String,
    items: Vec<super::pickers::Suggestion>,
    more: bool,
}

/// `GET /dependencies/pick?depends_on.find=`: key results the reader may see whose title holds
/// what was typed, as options for the "depends on" choice.
pub async fn pick(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let query = q
        .get("q")
        .or_else(|| q.get("depends_on.find"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let limit = pickers::SUGGESTIONS as u32;
    let mut items =
        super::alignment::okr_hits(state.store(), &caller, &query, limit, KEY_RESULTS).await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    for s in &mut items {
        s.label = s.label.trim_start_matches("Key result: ").to_string();
    }
    Ok(render(
        StatusCode::OK,
        &PickFragment {
            field: "depends_on".into(),
            as_options: true,
            none: Some("Choose a key result".into()),
            query,
            items,
            more,
        },
    ))
}

/// A dependency waiting for the reader's answer, as My week lists it.
pub struct WaitingLine {
    pub id: String,
    /// The reader's key result asked of.
    pub title: String,
    pub href: String,
    /// The key result that would depend on it, or "a key result you cannot see".
    pub dependent: String,
    pub dependent_href: Option<String>,
    pub asked_by: String,
    pub note: String,
    pub reason: String,
    pub reason_error: Option<String>,
}

/// My week's lines for the dependencies waiting for the reader, with a refused decline's reason
/// and message kept on its own line.
pub fn waiting_lines(
    waiting: Vec<crate::read::dependencies::WaitingDependency>,
    refused: Option<&Posted>,
) -> Vec<WaitingLine> {
    waiting
        .into_iter()
        .map(|w| {
            let id = w.id.to_string();
            let (reason, reason_error) = match refused {
                Some(Posted::Decline {
                    id: rid,
                    reason,
                    error,
                }) if rid == &id => (reason.clone(), Some(error.clone())),
                _ => (String::new(), None),
            };
            WaitingLine {
                title: w.theirs.1,
                href: format!("/key-results/{}", w.theirs.0),
                dependent: w
                    .dependent
                    .as_ref()
                    .map_or_else(|| "a key result you cannot see".into(), |d| d.1.clone()),
                dependent_href: w.dependent.map(|d| format!("/key-results/{}", d.0)),
                asked_by: w.asked_by.map_or_else(|| "Someone".into(), |p| p.name),
                note: w.note,
                id,
                reason,
                reason_error,
            }
        })
        .collect()
}
