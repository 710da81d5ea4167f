//! Conversations, feedback and recognition (CFRs). A 1:1's notes belong to its two people alone:
//! to anyone else, administrators included, it does not exist (404). Feedback on an OKR's
//! progress is asked of named people, who answer in place. Recognition thanks someone for work
//! on an OKR or on one check-in.

use super::now;
use super::okrs::{get_key_result, get_objective};
use super::require_active_person;
use crate::authz;
use crate::error::{ApiError, ApiResult};
use crate::extract::Caller;
use keel_domain::cfr::{Conversation, FeedbackAnswer, FeedbackRequest, Recognition};
use keel_domain::*;
use keel_store::{Page, PageRequest, Store};
use serde::Deserialize;
use utoipa::ToSchema;

/// An OKR id must name an objective or a key result.
async fn require_okr(store: &dyn Store, field: &str, id: &str) -> ApiResult<()> {
    if store
        .objective(&ObjectiveId::from_string(id))
        .await?
        .is_some()
        || store
            .key_result(&KeyResultId::from_string(id))
            .await?
            .is_some()
    {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!("'{id}' is neither an objective nor a key result"),
        ))
    }
}

// ---------------------------------------------------------------- conversations

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConversation {
    /// The other person of the 1:1.
    pub with_id: PersonId,
    /// The objectives and key results discussed.
    #[serde(default)]
    pub okr_ids: Vec<String>,
    /// Defaults to today.
    pub held_on: Option<chrono::NaiveDate>,
    pub notes: String,
}

pub async fn create_conversation(
    store: &dyn Store,
    caller: &Caller,
    input: NewConversation,
) -> ApiResult<Conversation> {
    let t = now();
    let c = Conversation {
        id: ConversationId::generate(),
        author_id: caller.person.id.clone(),
        with_id: input.with_id,
        okr_ids: input.okr_ids,
        held_on: input.held_on.unwrap_or(t.date_naive()),
        notes: input.notes,
        created_at: t,
        updated_at: t,
        version: 1,
    }
    .validated()?;
    if c.held_on > t.date_naive() {
        return Err(ApiError::invalid(
            "held_on",
            "a conversation is recorded once it has happened, not before",
        ));
    }
    require_active_person(store, "with_id", &c.with_id).await?;
    for id in &c.okr_ids {
        require_okr(store, "okr_ids", id).await?;
    }
    store.insert_conversation(&caller.write_ctx(), &c).await?;
    Ok(c)
}

/// One conversation: 404 unless the caller is one of its two people.
pub async fn get_conversation(
    store: &dyn Store,
    caller: &Caller,
    id: &ConversationId,
) -> ApiResult<Conversation> {
    let c = store
        .conversation(id)
        .await?
        .ok_or(ApiError::NotFound("conversation"))?;
    authz::read_conversation(&caller.person, &c)?;
    Ok(c)
}

/// The caller's own conversations, newest first.
pub async fn my_conversations(
    store: &dyn Store,
    caller: &Caller,
    page: &PageRequest,
) -> ApiResult<Page<Conversation>> {
    Ok(store.list_conversations(&caller.person.id, page).await?)
}

// ---------------------------------------------------------------- feedback

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeedbackRequest {
    /// The objective or key result the feedback is about.
    pub okr_id: String,
    /// Who is asked.
    pub addressee_ids: Vec<PersonId>,
    pub question: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeedbackAnswer {
    pub answer: String,
}

pub async fn request_feedback(
    store: &dyn Store,
    caller: &Caller,
    input: NewFeedbackRequest,
) -> ApiResult<FeedbackRequest> {
    require_okr(store, "okr_id", &input.okr_id).await?;
    let r = FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: input.okr_id,
        requester_id: caller.person.id.clone(),
        question: input.question,
        answers: input
            .addressee_ids
            .into_iter()
            .map(|person_id| FeedbackAnswer {
                person_id,
                answer: None,
                answered_at: None,
            })
            .collect(),
        created_at: now(),
    }
    .validated()?;
    let ids: Vec<PersonId> = r.answers.iter().map(|a| a.person_id.clone()).collect();
    super::require_active_people(store, "addressee_ids", &ids).await?;
    store
        .insert_feedback_request(&caller.write_ctx(), &r)
        .await?;
    Ok(r)
}

pub async fn get_feedback_request(
    store: &dyn Store,
    id: &FeedbackRequestId,
) -> ApiResult<FeedbackRequest> {
    store
        .feedback_request(id)
        .await?
        .ok_or(ApiError::NotFound("feedback request"))
}

/// An addressee answers in place (again, to change the answer).
pub async fn answer_feedback(
    store: &dyn Store,
    caller: &Caller,
    id: &FeedbackRequestId,
    input: NewFeedbackAnswer,
) -> ApiResult<FeedbackRequest> {
    let r = get_feedback_request(store, id).await?;
    authz::answer_feedback(&caller.person, &r)?;
    let answer = text::required("answer", &input.answer, 5_000)?;
    store
        .answer_feedback(
            &caller.write_ctx(),
            &r.id,
            &FeedbackAnswer {
                person_id: caller.person.id.clone(),
                answer: Some(answer),
                answered_at: Some(now()),
            },
        )
        .await?;
    get_feedback_request(store, id).await
}

// ---------------------------------------------------------------- recognition

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecognition {
    /// Who is recognised.
    pub to_id: PersonId,
    /// The objective or key result (optional when a check-in is named).
    pub okr_id: Option<String>,
    /// A check-in (of `okr_id` when both are given).
    pub check_in_id: Option<CheckInId>,
    pub message: String,
}

pub async fn recognise(
    store: &dyn Store,
    caller: &Caller,
    input: NewRecognition,
) -> ApiResult<Recognition> {
    let okr_id = match (&input.check_in_id, input.okr_id) {
        (None, None) => return Err(ApiError::invalid(
            "okr_id",
            "name the objective or key result (okr_id) or the check-in (check_in_id) recognised",
        )),
        (None, Some(o)) => {
            require_okr(store, "okr_id", &o).await?;
            o
        }
        (Some(c), okr) => {
            let kr_id = find_check_in(store, caller, okr.as_deref(), c).await?;
            kr_id.to_string()
        }
    };
    let r = Recognition {
        id: RecognitionId::generate(),
        from_id: caller.person.id.clone(),
        to_id: input.to_id,
        okr_id,
        check_in_id: input.check_in_id,
        message: input.message,
        created_at: now(),
    }
    .validated()?;
    require_active_person(store, "to_id", &r.to_id).await?;
    store.insert_recognition(&caller.write_ctx(), &r).await?;
    Ok(r)
}

/// The key result a check-in belongs to; `okr_id`, when given, must be that key result.
async fn find_check_in(
    store: &dyn Store,
    caller: &Caller,
    okr_id: Option<&str>,
    check_in: &CheckInId,
) -> ApiResult<KeyResultId> {
    let not_found = || {
        ApiError::invalid(
            "check_in_id",
            format!("no check-in has the id '{check_in}' on this key result"),
        )
    };
    let kr_id = okr_id.map(KeyResultId::from_string).ok_or_else(|| {
        ApiError::invalid("okr_id", "name the key result (okr_id) of the check-in")
    })?;
    let (kr, _) = get_key_result(
        store,
        &super::visibility::Viewer::of(&caller.person),
        &kr_id,
    )
    .await
    .map_err(|_| ApiError::invalid("okr_id", "a check-in's okr_id must be its key result"))?;
    let all = store.check_ins_of(std::slice::from_ref(&kr.id)).await?;
    all.iter()
        .find(|c| &c.id == check_in)
        .map(|_| kr.id.clone())
        .ok_or_else(not_found)
}

/// Recognition on an OKR, newest first.
pub async fn recognitions_on(
    store: &dyn Store,
    caller: &Caller,
    okr_id: &str,
) -> ApiResult<Vec<Recognition>> {
    if store
        .objective(&ObjectiveId::from_string(okr_id))
        .await?
        .is_none()
    {
        get_key_result(
            store,
            &super::visibility::Viewer::of(&caller.person),
            &KeyResultId::from_string(okr_id),
        )
        .await?;
    } else {
        get_objective(
            store,
            &super::visibility::Viewer::of(&caller.person),
            &ObjectiveId::from_string(okr_id),
        )
        .await?;
    }
    Ok(store.list_recognitions(okr_id).await?)
}
