//! Conversations, feedback and recognition (CFRs). A 1:1's notes belong to its two people alone:
//! to anyone else, administrators included, it does not exist (404). Feedback on an OKR's
//! progress is asked of named people, who answer in place. Recognition thanks someone for work
//! on an OKR or on one check-in.
//!
//! Visibility: a feedback request or a recognition is about an OKR, so it is visible exactly when
//! that OKR is. Naming an OKR you may not see is answered like naming one that does not exist
//! (422 on the field), reading a request on one answers 404, and lists leave them out. Viewers
//! (who read public OKRs only) neither give nor ask for feedback (`access::give_feedback`).

use super::guards::{get_key_result, okrs_by_ids, resolve_okr};
use super::now;
use super::require_active_person;
use super::visibility::Viewer;
use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use keel_domain::cfr::{Conversation, FeedbackAnswer, FeedbackRequest, Recognition};
use keel_domain::*;
use keel_store::{every_page, Cfrs, CheckIns, Page, PageRequest, People, Store};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// The objective each OKR id (an objective's or a key result's) belongs to: two queries for
/// any number of ids (`guards::okrs_by_ids`). Ids that name nothing are absent.
async fn objectives_of(
    store: &dyn Store,
    okr_ids: &[String],
) -> ApiResult<HashMap<String, ObjectiveId>> {
    Ok(okrs_by_ids(store, okr_ids)
        .await?
        .into_iter()
        .map(|(id, (_, o))| (id, o))
        .collect())
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
    let today = super::today(store).await?;
    let c = Conversation {
        id: ConversationId::generate(),
        author_id: caller.person.id.clone(),
        with_id: input.with_id,
        okr_ids: input.okr_ids,
        held_on: input.held_on.unwrap_or(today),
        notes: input.notes,
        created_at: t,
        updated_at: t,
        version: 1,
    }
    .validated()?;
    if c.held_on > today {
        return Err(ApiError::invalid(
            "held_on",
            "a conversation is recorded once it has happened, not before",
        ));
    }
    require_active_person(store, "with_id", &c.with_id).await?;
    let viewer = Viewer::of(&caller.person);
    for id in &c.okr_ids {
        resolve_okr(store, &viewer, "okr_ids", id).await?;
    }
    store.insert_conversation(&caller.write_ctx(), &c).await?;
    Ok(c)
}

/// One conversation: 404 unless the caller is one of its two people, with only the OKRs the
/// caller may see (the other person may have named a private one of theirs).
pub async fn get_conversation(
    store: &dyn Store,
    caller: &Caller,
    id: &ConversationId,
) -> ApiResult<Conversation> {
    let c = store
        .conversation(id)
        .await?
        .ok_or(ApiError::NotFound("conversation"))?;
    access::read_conversation(&caller.person, &c)?;
    Ok(visible_okrs_only(store, caller, vec![c]).await?.remove(0))
}

/// The caller's own conversations, newest first, each with only the OKRs the caller may see.
pub async fn my_conversations(
    store: &dyn Store,
    caller: &Caller,
    page: &PageRequest,
) -> ApiResult<Page<Conversation>> {
    let mut page = store.list_conversations(&caller.person.id, page).await?;
    page.items = visible_okrs_only(store, caller, page.items).await?;
    Ok(page)
}

/// Leaves out of each conversation's `okr_ids` those the caller may not see (three queries).
async fn visible_okrs_only(
    store: &dyn Store,
    caller: &Caller,
    mut conversations: Vec<Conversation>,
) -> ApiResult<Vec<Conversation>> {
    let ids: Vec<String> = conversations
        .iter()
        .flat_map(|c| c.okr_ids.iter().cloned())
        .collect();
    let seen = Viewer::of(&caller.person).visible_okrs(store, &ids).await?;
    for c in &mut conversations {
        c.okr_ids.retain(|i| seen.contains(i));
    }
    Ok(conversations)
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
    access::give_feedback(&caller.person)?;
    let (_, objective) =
        resolve_okr(store, &Viewer::of(&caller.person), "okr_id", &input.okr_id).await?;
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
    for p in store.people_by_ids(&ids).await? {
        if access::give_feedback(&p).is_err() {
            return Err(ApiError::invalid(
                "addressee_ids",
                format!("{} only views OKRs: viewers do not give feedback", p.name),
            ));
        }
        // Nobody is asked about an OKR they may not read (one query per person asked).
        if Viewer::of(&p)
            .visible(store, std::slice::from_ref(&objective))
            .await?
            .is_empty()
        {
            return Err(ApiError::invalid(
                "addressee_ids",
                format!("{} may not see this OKR: share it with them first", p.name),
            ));
        }
    }
    store
        .insert_feedback_request(&caller.write_ctx(), &r)
        .await?;
    Ok(r)
}

/// One feedback request: 404 when it does not exist or `viewer` may not see its OKR.
pub async fn get_feedback_request(
    store: &dyn Store,
    viewer: &Viewer,
    id: &FeedbackRequestId,
) -> ApiResult<FeedbackRequest> {
    let r = store
        .feedback_request(id)
        .await?
        .ok_or(ApiError::NotFound("feedback request"))?;
    match resolve_okr(store, viewer, "okr_id", &r.okr_id).await {
        Ok(_) => Ok(r),
        Err(ApiError::Invalid(_)) => Err(ApiError::NotFound("feedback request")),
        Err(e) => Err(e),
    }
}

/// Feedback requests on an OKR and/or made by or asked of a person, newest first (all of them,
/// a store page at a time), leaving out those on OKRs `viewer` may not see.
pub async fn list_feedback_requests(
    store: &dyn Store,
    viewer: &Viewer,
    okr_id: Option<&str>,
    person_id: Option<&PersonId>,
) -> ApiResult<Vec<FeedbackRequest>> {
    let all =
        every_page(
            |page| async move { store.list_feedback_requests(okr_id, person_id, &page).await },
        )
        .await?;
    let okrs: Vec<String> = all.iter().map(|r| r.okr_id.clone()).collect();
    let objective_of = objectives_of(store, &okrs).await?;
    let ids: Vec<ObjectiveId> = objective_of.values().cloned().collect();
    let seen = viewer.visible(store, &ids).await?;
    Ok(all
        .into_iter()
        .filter(|r| {
            objective_of
                .get(&r.okr_id)
                .is_some_and(|o| seen.contains(o))
        })
        .collect())
}

/// An addressee answers in place (again, to change the answer).
pub async fn answer_feedback(
    store: &dyn Store,
    caller: &Caller,
    id: &FeedbackRequestId,
    input: NewFeedbackAnswer,
) -> ApiResult<FeedbackRequest> {
    let viewer = Viewer::of(&caller.person);
    let r = get_feedback_request(store, &viewer, id).await?;
    access::answer_feedback(&caller.person, &r)?;
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
    get_feedback_request(store, &viewer, id).await
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
    access::give_feedback(&caller.person)?;
    let okr_id = match (&input.check_in_id, input.okr_id) {
        (None, None) => return Err(ApiError::invalid(
            "okr_id",
            "name the objective or key result (okr_id) or the check-in (check_in_id) recognised",
        )),
        (None, Some(o)) => {
            resolve_okr(store, &Viewer::of(&caller.person), "okr_id", &o).await?;
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

/// Recognition on an OKR, newest first: 404 when the caller may not see the OKR.
pub async fn recognitions_on(
    store: &dyn Store,
    caller: &Caller,
    okr_id: &str,
) -> ApiResult<Vec<Recognition>> {
    match resolve_okr(store, &Viewer::of(&caller.person), "id", okr_id).await {
        Ok(_) => Ok(keel_store::every_page(|page| async move {
            store.list_recognitions(okr_id, &page).await
        })
        .await?),
        Err(ApiError::Invalid(_)) => Err(ApiError::NotFound("objective or key result")),
        Err(e) => Err(e),
    }
}

/// Which side of a recognition a person is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Recognition addressed to them.
    Received,
    /// Recognition they gave.
    Given,
}

/// Recognition a person received (or gave), newest first (all of it, a store page at a time),
/// leaving out recognition on OKRs `viewer` may not see, exactly as [`recognitions_on`] refuses
/// them: a recognition is visible when its OKR is. 404 when the person does not exist.
pub async fn recognitions_of_person(
    store: &dyn Store,
    viewer: &Viewer,
    person_id: &PersonId,
    side: Side,
) -> ApiResult<Vec<Recognition>> {
    store
        .person(person_id)
        .await?
        .ok_or(ApiError::NotFound("person"))?;
    let all = match side {
        Side::Received => {
            every_page(|page| async move { store.recognitions_to(person_id, &page).await }).await?
        }
        Side::Given => {
            every_page(|page| async move { store.recognitions_from(person_id, &page).await })
                .await?
        }
    };
    let okrs: Vec<String> = all.iter().map(|r| r.okr_id.clone()).collect();
    let objective_of = objectives_of(store, &okrs).await?;
    let ids: Vec<ObjectiveId> = objective_of.values().cloned().collect();
    let seen = viewer.visible(store, &ids).await?;
    Ok(all
        .into_iter()
        .filter(|r| {
            objective_of
                .get(&r.okr_id)
                .is_some_and(|o| seen.contains(o))
        })
        .collect())
}
