//! Which change tells whom: the notifications each write records, in its own transaction,
//! beside its audit event (see [`super::notify`], which also leaves out the writer themself).
//!
//! Why one file: the rules "who hears about an ownership proposal, a feedback answer, a review"
//! are read together when someone asks "why did I (not) get this?".

use crate::db::{args, Tx};
use crate::*;
use keel_domain::notification::{Notification, NotificationKind as Kind};

/// A notification about an OKR (`objective_id` decides who may read it).
fn about(
    to: &PersonId,
    kind: Kind,
    actor: Option<&PersonId>,
    subject: &str,
    objective_id: Option<&str>,
    key_result_id: Option<&str>,
) -> Notification {
    Notification {
        actor_id: actor.cloned(),
        objective_id: objective_id.map(ObjectiveId::from_string),
        key_result_id: key_result_id.map(KeyResultId::from_string),
        ..Notification::new(to.clone(), kind, subject)
    }
}

/// A proposal: the proposed owner is asked (unless they named themself, already accepted); the
/// owner it is taken from is told it was handed over.
pub(crate) fn ownership_proposed(
    r: &OwnershipRequest,
    previous_owner: &str,
    objective_id: &str,
) -> Vec<Notification> {
    let kr = match &r.okr {
        OkrRef::KeyResult(k) => Some(k.as_str()),
        OkrRef::Objective(_) => None,
    };
    let by = r.proposed_by.as_ref();
    let mut out = vec![];
    if r.state == RequestState::Pending {
        out.push(about(
            &r.proposed_owner_id,
            Kind::OwnershipProposed,
            by,
            r.id.as_str(),
            Some(objective_id),
            kr,
        ));
    }
    if previous_owner != r.proposed_owner_id.as_str() {
        out.push(about(
            &PersonId::from_string(previous_owner),
            Kind::OwnershipHandedOver,
            by,
            r.id.as_str(),
            Some(objective_id),
            kr,
        ));
    }
    out
}

/// An answer: the proposer is told, with the reason of a decline.
pub(crate) fn ownership_answered(
    stored: &OwnershipRequest,
    answer: &OwnershipRequest,
    objective_id: &str,
) -> Vec<Notification> {
    let Some(proposer) = &stored.proposed_by else {
        return vec![];
    };
    let kr = match &stored.okr {
        OkrRef::KeyResult(k) => Some(k.as_str()),
        OkrRef::Objective(_) => None,
    };
    let (kind, detail) = match answer.state {
        RequestState::Declined => (Kind::OwnershipDeclined, answer.decline_reason.clone()),
        _ => (Kind::OwnershipAccepted, None),
    };
    let n = about(
        proposer,
        kind,
        Some(&stored.proposed_owner_id),
        stored.id.as_str(),
        Some(objective_id),
        kr,
    );
    vec![Notification { detail, ..n }]
}

/// A feedback request: each person asked.
pub(crate) fn feedback_requested(
    r: &cfr::FeedbackRequest,
    objective_id: Option<&str>,
) -> Vec<Notification> {
    r.answers
        .iter()
        .map(|a| {
            about(
                &a.person_id,
                Kind::FeedbackRequested,
                Some(&r.requester_id),
                r.id.as_str(),
                objective_id,
                None,
            )
        })
        .collect()
}

/// A feedback answer: the person who asked.
pub(crate) async fn feedback_answered(
    tx: &mut Tx,
    request_id: &FeedbackRequestId,
    a: &cfr::FeedbackAnswer,
) -> StoreResult<Vec<Notification>> {
    if a.answer.is_none() {
        return Ok(vec![]);
    }
    let Some(row) = tx
        .fetch_optional(
            "SELECT requester_id, okr_id FROM feedback_requests WHERE id = $1",
            args![request_id.as_str()],
        )
        .await?
    else {
        return Ok(vec![]);
    };
    let objective_id = crate::sql::objective_of_okr(tx, &row.text("okr_id")?).await?;
    Ok(vec![about(
        &PersonId::from_string(row.text("requester_id")?),
        Kind::FeedbackAnswered,
        Some(&a.person_id),
        request_id.as_str(),
        objective_id.as_deref(),
        None,
    )])
}

/// Recognition: the person recognised.
pub(crate) fn recognition_received(
    r: &cfr::Recognition,
    objective_id: Option<&str>,
) -> Vec<Notification> {
    vec![about(
        &r.to_id,
        Kind::RecognitionReceived,
        Some(&r.from_id),
        r.id.as_str(),
        objective_id,
        None,
    )]
}

/// A 1:1 note: the other person of the 1:1.
pub(crate) fn conversation_note(c: &cfr::Conversation) -> Vec<Notification> {
    vec![about(
        &c.with_id,
        Kind::ConversationNote,
        Some(&c.author_id),
        c.id.as_str(),
        None,
        None,
    )]
}

/// A review scheduled: the team's members and its lead.
pub(crate) async fn review_scheduled(
    tx: &mut Tx,
    ctx: &WriteCtx,
    r: &review::Review,
) -> StoreResult<Vec<Notification>> {
    let rows = tx
        .fetch_all(
            "SELECT person_id FROM team_members WHERE team_id = $1 \
             UNION SELECT lead_id AS person_id FROM teams WHERE id = $1 AND lead_id IS NOT NULL",
            args![r.team_id.as_str()],
        )
        .await?;
    let actor = ctx.actor_id.as_ref().or(r.run_by.as_ref());
    rows.iter()
        .map(|row| {
            Ok(about(
                &PersonId::from_string(row.text("person_id")?),
                Kind::ReviewScheduled,
                actor,
                r.id.as_str(),
                None,
                None,
            ))
        })
        .collect()
}
