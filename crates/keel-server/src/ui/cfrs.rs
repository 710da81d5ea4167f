//! Conversations, feedback and recognition (CFRs) in the browser. `/conversations`: my 1:1
//! notes (private to the two people: anyone else gets the 404 page), a form to record one with
//! the other person and an optional OKR. `/feedback`: requests addressed to me with the answer
//! form in place, the requests I made with their answers, a form to ask named people about an
//! OKR, a form to recognise someone's work on an OKR, and the recognition I received and gave
//! (only on OKRs I may see, like everywhere else). Writes go through
//! `services::conversations` (the API's rules); a refused form comes back with the message next
//! to the field and what was typed kept, and nothing is written.

use super::company::Choice;
use super::{render, Layout, SignedIn, UiError};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::read::{cfrs as choices, lists, pickers};
use crate::services::conversations::{self, NewConversation, NewFeedbackAnswer};
use crate::services::conversations::{NewFeedbackRequest, NewRecognition};
use crate::services::{guards, visibility::Viewer};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form as PostedForm, Router};
use keel_domain::*;
use keel_store::PageRequest;
use serde::Deserialize;
use std::collections::HashMap;

/// The CFR pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/conversations",
            get(conversations).post(create_conversation),
        )
        .route("/conversations/{id}", get(conversation))
        .route("/feedback", get(feedback).post(request_feedback))
        .route("/feedback/{id}/answer", post(answer))
        .route("/recognitions", post(recognise))
}

/// A form's values as typed and its errors, by field name.
#[derive(Default, Clone)]
pub struct Typed {
    pub values: HashMap<String, Vec<String>>,
    pub errors: HashMap<String, String>,
}

impl Typed {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            if k != "csrf_token" {
                values.entry(k.clone()).or_default().push(v.clone());
            }
        }
        Typed {
            values,
            errors: HashMap::new(),
        }
    }
    /// The first value typed for `name` ("" if none).
    pub fn value(&self, name: &str) -> String {
        self.values
            .get(name)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }
    fn all(&self, name: &str) -> Vec<String> {
        self.values.get(name).cloned().unwrap_or_default()
    }
    /// What was typed in the people picker's find field of `name` (`{name}.find`).
    pub fn find(&self, name: &str) -> String {
        self.value(&format!("{name}.find"))
    }
    /// The people ids chosen in `name` (empty values left out).
    fn people(&self, name: &str) -> Vec<PersonId> {
        self.all(name)
            .into_iter()
            .filter(|v| !v.trim().is_empty())
            .map(PersonId::from_string)
            .collect()
    }
    /// Adds whom the find field of `name` names (a form sent without JavaScript: an email, an
    /// id or words of a name) to the people chosen in `name`, replacing the choice unless
    /// `several`. Nothing or several matches put the reason next to `name`.
    async fn find_people(
        &mut self,
        store: &dyn keel_store::Store,
        name: &str,
        several: bool,
    ) -> Result<(), UiError> {
        let typed = self.find(name);
        match pickers::resolve_people(store, name, &typed, &self.people(name)).await {
            Ok(found) if found.is_empty() => Ok(()),
            Ok(found) => {
                let values = self.values.entry(name.to_string()).or_default();
                if !several {
                    values.clear();
                }
                for id in found.into_iter().map(|p| p.to_string()) {
                    if !values.contains(&id) {
                        values.push(id);
                    }
                }
                values.retain(|v| !v.trim().is_empty());
                Ok(())
            }
            Err(ApiError::Invalid(f)) => {
                self.errors.insert(name.to_string(), f.message);
                Ok(())
            }
            Err(e) => Err(UiError(e)),
        }
    }
    pub fn error(&self, name: &str) -> Option<String> {
        self.errors.get(name).cloned()
    }
    pub fn has_error(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }
    /// Puts an input error next to its field; anything else is not about the form.
    fn show(&mut self, e: ApiError, fallback: &str) -> Result<(), UiError> {
        match e {
            ApiError::Invalid(f) => {
                let field = if self.values.contains_key(&f.field) || f.field == "addressee_ids" {
                    f.field
                } else {
                    fallback.to_string()
                };
                self.errors.insert(field, f.message);
                Ok(())
            }
            other => Err(UiError(other)),
        }
    }
    fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

fn choices(options: &[(String, String)], selected: &[String]) -> Vec<Choice> {
    options
        .iter()
        .map(|(v, l)| Choice {
            value: v.clone(),
            label: l.clone(),
            selected: selected.contains(v),
        })
        .collect()
}

fn people_options(c: &choices::CfrChoices) -> Vec<(String, String)> {
    c.people
        .iter()
        .map(|p| (p.id.to_string(), p.name.clone()))
        .collect()
}

/// The other person of a 1:1.
fn other<'a>(c: &'a keel_domain::cfr::Conversation, me: &PersonId) -> &'a PersonId {
    if &c.author_id == me {
        &c.with_id
    } else {
        &c.author_id
    }
}

/// The title of an OKR (objective or key result id) and the link to it on its objective's page.
pub fn okr_link(titles: &HashMap<String, (String, ObjectiveId)>, okr_id: &str) -> (String, String) {
    match titles.get(okr_id) {
        Some((title, o)) if o.as_str() == okr_id => (title.clone(), format!("/objectives/{o}")),
        Some((title, o)) => (title.clone(), format!("/objectives/{o}#kr-{okr_id}")),
        None => (String::new(), String::new()),
    }
}

fn day(d: chrono::NaiveDate) -> String {
    super::format::date(d)
}

// ---------------------------------------------------------------- conversations

pub struct ConversationLine {
    pub href: String,
    pub with: String,
    pub held_on: String,
    pub excerpt: String,
}

#[derive(Template)]
#[template(path = "conversations.html")]
struct ConversationsPage {
    layout: Layout,
    conversations: Vec<ConversationLine>,
    people: Vec<Choice>,
    okrs: Vec<Choice>,
    form: Typed,
    /// How a day is typed: "e.g. 5 Dec 2026".
    date_example: String,
}

async fn conversations_page(
    state: &AppState,
    caller: &Caller,
    form: Typed,
) -> Result<ConversationsPage, UiError> {
    let store = state.store();
    // Every 1:1 of mine, page by page (none silently left out).
    let mut list = Vec::new();
    let mut page = PageRequest {
        limit: 500,
        cursor: None,
    };
    loop {
        let p = conversations::my_conversations(store, caller, &page).await?;
        list.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    let others: Vec<PersonId> = list
        .iter()
        .map(|c| other(c, &caller.person.id).clone())
        .collect();
    let names = lists::names(store, &others).await?;
    let c = choices::cfr_choices(store, caller, &form.people("with_id")).await?;
    Ok(ConversationsPage {
        layout: Layout::signed_in(caller, "/conversations"),
        conversations: list
            .iter()
            .map(|cv| ConversationLine {
                href: format!("/conversations/{}", cv.id),
                with: names
                    .get(other(cv, &caller.person.id))
                    .cloned()
                    .unwrap_or_default(),
                held_on: day(cv.held_on),
                excerpt: cv.notes.chars().take(120).collect(),
            })
            .collect(),
        people: choices(&people_options(&c), &form.all("with_id")),
        okrs: choices(&c.okrs, &form.all("okr_id")),
        form,
        date_example: super::format::date_example(),
    })
}

/// `GET /conversations`: my 1:1s, newest first, and the form to record one.
pub async fn conversations(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    let page = conversations_page(&state, &caller, Typed::default()).await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /conversations`.
pub async fn create_conversation(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(pairs): PostedForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let mut form = Typed::from_pairs(&pairs);
    let held_on = match form.value("held_on").trim() {
        "" => None,
        d => match super::format::parse_date(d) {
            Some(d) => Some(d),
            None => {
                form.errors
                    .insert("held_on".into(), super::format::date_error());
                None
            }
        },
    };
    form.find_people(state.store(), "with_id", false).await?;
    if form.value("with_id").is_empty() && !form.has_error("with_id") {
        form.errors.insert(
            "with_id".into(),
            "choose the other person of the 1:1".into(),
        );
    }
    if form.is_empty() {
        let okr = form.value("okr_id");
        let result = conversations::create_conversation(
            state.store(),
            &caller,
            NewConversation {
                with_id: PersonId::from_string(form.value("with_id")),
                okr_ids: if okr.is_empty() { vec![] } else { vec![okr] },
                held_on,
                notes: form.value("notes"),
            },
        )
        .await;
        match result {
            Ok(c) => return Ok(Redirect::to(&format!("/conversations/{}", c.id)).into_response()),
            Err(e) => {
                let e = match e {
                    ApiError::Invalid(mut f) if f.field == "okr_ids" => {
                        f.field = "okr_id".into();
                        ApiError::Invalid(f)
                    }
                    other => other,
                };
                form.show(e, "notes")?
            }
        }
    }
    let page = conversations_page(&state, &caller, form).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Template)]
#[template(path = "conversation.html")]
struct ConversationPage {
    layout: Layout,
    with: String,
    author: String,
    held_on: String,
    notes: String,
    okrs: Vec<(String, String)>,
}

/// `GET /conversations/{id}`: only its two people; anyone else gets the 404 page.
pub async fn conversation(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let store = state.store();
    let c =
        conversations::get_conversation(store, &caller, &ConversationId::from_string(id)).await?;
    let names = lists::names(store, &[c.author_id.clone(), c.with_id.clone()]).await?;
    // Only the OKRs the reader may see are named.
    let titles = guards::okrs_by_ids(store, &c.okr_ids).await?;
    let objective_ids: Vec<ObjectiveId> = titles.values().map(|(_, o)| o.clone()).collect();
    let seen = Viewer::of(&caller.person)
        .visible(store, &objective_ids)
        .await?;
    let page = ConversationPage {
        layout: Layout::signed_in(&caller, "/conversations"),
        with: names
            .get(other(&c, &caller.person.id))
            .cloned()
            .unwrap_or_default(),
        author: names.get(&c.author_id).cloned().unwrap_or_default(),
        held_on: day(c.held_on),
        notes: c.notes.clone(),
        okrs: c
            .okr_ids
            .iter()
            .filter_map(|i| titles.get(i))
            .filter(|(_, o)| seen.contains(o))
            .map(|(t, o)| (format!("/objectives/{o}"), t.clone()))
            .collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

// ---------------------------------------------------------------- feedback and recognition

pub struct AnswerLine {
    pub person: String,
    pub answer: String,
}

pub struct RequestLine {
    pub id: String,
    pub okr_title: String,
    pub okr_href: String,
    pub requester: String,
    pub question: String,
    pub asked_on: String,
    pub answers: Vec<AnswerLine>,
    /// My answer, as saved or as typed, and its error.
    pub my_answer: String,
    pub answer_error: Option<String>,
}

/// One recognition as the feedback page lists it: who gave it (or, when I gave it, to whom),
/// on what OKR, the note, and when.
pub struct RecognitionLine {
    pub person: String,
    pub okr_title: String,
    pub okr_href: String,
    /// Whether it recognises one check-in of the key result.
    pub check_in: bool,
    pub message: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    layout: Layout,
    asked_of_me: Vec<RequestLine>,
    made_by_me: Vec<RequestLine>,
    received: Vec<RecognitionLine>,
    given: Vec<RecognitionLine>,
    people: Vec<Choice>,
    okrs: Vec<Choice>,
    recognise_people: Vec<Choice>,
    recognise_okrs: Vec<Choice>,
    request: Typed,
    recognition: Typed,
    may_give: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Default)]
struct FeedbackKept {
    request: Typed,
    recognition: Typed,
    /// Request id, answer typed, error.
    answer: Option<(String, String, String)>,
    notice: Option<String>,
}

async fn feedback_page(
    state: &AppState,
    caller: &Caller,
    kept: FeedbackKept,
) -> Result<FeedbackPage, UiError> {
    let store = state.store();
    let me = &caller.person.id;
    let all =
        conversations::list_feedback_requests(store, &Viewer::of(&caller.person), None, Some(me))
            .await?;
    let viewer = Viewer::of(&caller.person);
    let received =
        conversations::recognitions_of_person(store, &viewer, me, conversations::Side::Received)
            .await?;
    let given =
        conversations::recognitions_of_person(store, &viewer, me, conversations::Side::Given)
            .await?;
    let mut people: Vec<PersonId> = Vec::new();
    let mut okr_ids: Vec<String> = Vec::new();
    for r in &all {
        people.push(r.requester_id.clone());
        people.extend(r.answers.iter().map(|a| a.person_id.clone()));
        okr_ids.push(r.okr_id.clone());
    }
    for r in received.iter().chain(&given) {
        people.push(r.from_id.clone());
        people.push(r.to_id.clone());
        okr_ids.push(r.okr_id.clone());
    }
    let names = lists::names(store, &people).await?;
    let titles = guards::okrs_by_ids(store, &okr_ids).await?;
    let recognition = |r: &keel_domain::cfr::Recognition, person: &PersonId| {
        let (okr_title, okr_href) = okr_link(&titles, &r.okr_id);
        RecognitionLine {
            person: names.get(person).cloned().unwrap_or_default(),
            okr_title,
            okr_href,
            check_in: r.check_in_id.is_some(),
            message: r.message.clone(),
            when: super::format::day(r.created_at),
        }
    };
    let received = received
        .iter()
        .map(|r| recognition(r, &r.from_id))
        .collect();
    let given = given.iter().map(|r| recognition(r, &r.to_id)).collect();
    let line = |r: &keel_domain::cfr::FeedbackRequest| {
        let (title, objective) = titles
            .get(&r.okr_id)
            .cloned()
            .unwrap_or_else(|| (String::new(), ObjectiveId::from_string(String::new())));
        let mine = r.answers.iter().find(|a| &a.person_id == me);
        let typed = kept
            .answer
            .as_ref()
            .filter(|(id, _, _)| id == r.id.as_str());
        RequestLine {
            id: r.id.to_string(),
            okr_title: title,
            okr_href: format!("/objectives/{objective}"),
            requester: names.get(&r.requester_id).cloned().unwrap_or_default(),
            question: r.question.clone(),
            asked_on: super::format::day(r.created_at),
            answers: r
                .answers
                .iter()
                .map(|a| AnswerLine {
                    person: names.get(&a.person_id).cloned().unwrap_or_default(),
                    answer: a.answer.clone().unwrap_or_default(),
                })
                .collect(),
            my_answer: typed
                .map(|t| t.1.clone())
                .or_else(|| mine.and_then(|a| a.answer.clone()))
                .unwrap_or_default(),
            answer_error: typed.map(|t| t.2.clone()),
        }
    };
    // Waiting for my answer: an answered request leaves the list (unless my answer was just
    // refused, to be corrected).
    let refused = |r: &keel_domain::cfr::FeedbackRequest| {
        kept.answer
            .as_ref()
            .is_some_and(|(id, _, _)| id == r.id.as_str())
    };
    let asked_of_me = all
        .iter()
        .filter(|r| {
            r.answers
                .iter()
                .any(|a| &a.person_id == me && (a.answer.is_none() || refused(r)))
        })
        .map(line)
        .collect();
    let made_by_me = all
        .iter()
        .filter(|r| &r.requester_id == me)
        .map(line)
        .collect();
    let chosen: Vec<PersonId> = kept
        .request
        .people("addressee_ids")
        .into_iter()
        .chain(kept.recognition.people("to_id"))
        .collect();
    let c = choices::cfr_choices(store, caller, &chosen).await?;
    let options = people_options(&c);
    let error = (!kept.request.is_empty() || !kept.recognition.is_empty() || kept.answer.is_some())
        .then(|| "Nothing was saved: see the message next to the field.".to_string());
    Ok(FeedbackPage {
        layout: Layout::signed_in(caller, "/feedback"),
        asked_of_me,
        made_by_me,
        received,
        given,
        people: choices(&options, &kept.request.all("addressee_ids")),
        okrs: choices(&c.okrs, &kept.request.all("okr_id")),
        recognise_people: choices(&options, &kept.recognition.all("to_id")),
        recognise_okrs: choices(&c.okrs, &kept.recognition.all("okr_id")),
        request: kept.request,
        recognition: kept.recognition,
        may_give: crate::access::give_feedback(&caller.person).is_ok(),
        notice: kept.notice,
        error,
    })
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /feedback`.
pub async fn feedback(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<Done>,
) -> Result<Response, UiError> {
    let notice = match q.done.as_deref() {
        Some("asked") => Some("Asked: they see your question on their feedback page.".into()),
        Some("answered") => Some("Your answer was sent.".into()),
        Some("recognised") => Some("Thank you for recognising their work.".into()),
        _ => None,
    };
    let page = feedback_page(
        &state,
        &caller,
        FeedbackKept {
            notice,
            ..Default::default()
        },
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /feedback`: ask named people for feedback on an OKR. Viewers are refused (403) before
/// what they typed is read.
pub async fn request_feedback(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(pairs): PostedForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    crate::access::give_feedback(&caller.person)?;
    let mut form = Typed::from_pairs(&pairs);
    form.find_people(state.store(), "addressee_ids", true)
        .await?;
    if form.value("okr_id").is_empty() {
        form.errors
            .insert("okr_id".into(), "choose the objective or key result".into());
    } else if form.is_empty() {
        let result = conversations::request_feedback(
            state.store(),
            &caller,
            NewFeedbackRequest {
                okr_id: form.value("okr_id"),
                addressee_ids: form.people("addressee_ids"),
                question: form.value("question"),
            },
        )
        .await;
        match result {
            Ok(_) => return Ok(Redirect::to("/feedback?done=asked").into_response()),
            Err(e) => form.show(e, "question")?,
        }
    }
    let page = feedback_page(
        &state,
        &caller,
        FeedbackKept {
            request: form,
            ..Default::default()
        },
    )
    .await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Deserialize)]
pub struct AnswerInput {
    #[serde(default)]
    answer: String,
}

/// `POST /feedback/{id}/answer`: only those it was addressed to.
pub async fn answer(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(input): PostedForm<AnswerInput>,
) -> Result<Response, UiError> {
    let result = conversations::answer_feedback(
        state.store(),
        &caller,
        &FeedbackRequestId::from_string(id.clone()),
        NewFeedbackAnswer {
            answer: input.answer.clone(),
        },
    )
    .await;
    let message = match result {
        Ok(_) => return Ok(Redirect::to("/feedback?done=answered").into_response()),
        Err(ApiError::Invalid(f)) => f.message,
        Err(e) => return Err(UiError(e)),
    };
    let page = feedback_page(
        &state,
        &caller,
        FeedbackKept {
            answer: Some((id, input.answer, message)),
            ..Default::default()
        },
    )
    .await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// `POST /recognitions`: recognise someone's work on an OKR (the feedback page's form), or one
/// check-in (`check_in_id`, from the objective page, which the answer returns to). Viewers are
/// refused (403) before what they typed is read.
pub async fn recognise(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(pairs): PostedForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    crate::access::give_feedback(&caller.person)?;
    let mut form = Typed::from_pairs(&pairs);
    if !form.value("check_in_id").is_empty() {
        return recognise_check_in(&state, &caller, form).await;
    }
    form.find_people(state.store(), "to_id", false).await?;
    if form.value("to_id").is_empty() && !form.has_error("to_id") {
        form.errors
            .insert("to_id".into(), "choose the person you recognise".into());
    } else if form.is_empty() {
        let okr = form.value("okr_id");
        let result = conversations::recognise(
            state.store(),
            &caller,
            NewRecognition {
                to_id: PersonId::from_string(form.value("to_id")),
                okr_id: (!okr.is_empty()).then_some(okr),
                check_in_id: None,
                message: form.value("message"),
            },
        )
        .await;
        match result {
            Ok(_) => return Ok(Redirect::to("/feedback?done=recognised").into_response()),
            Err(e) => form.show(e, "message")?,
        }
    }
    let page = feedback_page(
        &state,
        &caller,
        FeedbackKept {
            recognition: form,
            ..Default::default()
        },
    )
    .await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// A check-in recognised from the objective page: back there with a confirmation, or with the
/// message next to the note and the note kept. Should the key result named be one the caller
/// may not see (or none), the feedback page shows the refusal instead.
async fn recognise_check_in(
    state: &AppState,
    caller: &Caller,
    mut form: Typed,
) -> Result<Response, UiError> {
    let store = state.store();
    let kr = form.value("okr_id");
    let check_in = form.value("check_in_id");
    let objective = guards::get_key_result(
        store,
        &Viewer::of(&caller.person),
        &KeyResultId::from_string(kr.clone()),
    )
    .await
    .ok()
    .map(|(k, _)| k.objective_id);
    let result = conversations::recognise(
        store,
        caller,
        NewRecognition {
            to_id: PersonId::from_string(form.value("to_id")),
            okr_id: (!kr.is_empty()).then_some(kr.clone()),
            check_in_id: Some(CheckInId::from_string(check_in.clone())),
            message: form.value("message"),
        },
    )
    .await;
    match (result, objective) {
        (Ok(_), Some(o)) => {
            Ok(Redirect::to(&format!("/objectives/{o}?done=recognised#kr-{kr}")).into_response())
        }
        (Ok(_), None) => Ok(Redirect::to("/feedback?done=recognised").into_response()),
        (Err(ApiError::Invalid(f)), Some(o)) => {
            super::objective::recognition_refused(
                state,
                caller,
                &o,
                check_in,
                form.value("message"),
                f.message,
            )
            .await
        }
        (Err(e), _) => {
            // The feedback page's form has no check-in field: its error goes on the OKR's.
            let e = match e {
                ApiError::Invalid(mut f) if f.field == "check_in_id" => {
                    f.field = "okr_id".into();
                    ApiError::Invalid(f)
                }
                other => other,
            };
            form.show(e, "message")?;
            let page = feedback_page(
                state,
                caller,
                FeedbackKept {
                    recognition: form,
                    ..Default::default()
                },
            )
            .await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
