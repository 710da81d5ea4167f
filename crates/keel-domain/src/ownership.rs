//! Ownership requests: how someone becomes the owner of an Objective or Key Result.
//!
//! The owner explicitly accepts the responsibility; it is never simply assigned (*Acceptance* in
//! docs/method.md).
//! Naming someone else creates a request that waits for them; they accept, or decline with a
//! reason that goes back to whoever proposed it. Accepted requests are the handover history:
//! who owned it, from when, and the note that came with it.

use crate::error::{FieldError, FieldResult};
use crate::ids::{KeyResultId, ObjectiveId, PersonId};
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An Objective or a Key Result: the two things that have owners.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum OkrRef {
    Objective(ObjectiveId),
    KeyResult(KeyResultId),
}

impl OkrRef {
    pub fn id(&self) -> &str {
        match self {
            OkrRef::Objective(id) => id.as_str(),
            OkrRef::KeyResult(id) => id.as_str(),
        }
    }
    pub fn kind(&self) -> &'static str {
        match self {
            OkrRef::Objective(_) => "objective",
            OkrRef::KeyResult(_) => "key_result",
        }
    }
}

/// The three criteria for a good owner (legitimacy, decision authority, proximity to the
/// outcome), as the proposer judged them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerFit {
    /// Recognised by the team and stakeholders as able to speak on the topic.
    #[serde(default)]
    pub legitimacy: bool,
    /// Can drop an initiative, request resources, negotiate a dependency without escalating.
    #[serde(default)]
    pub decision_authority: bool,
    /// Close enough to the field to pick up weak signals before the numbers slip.
    #[serde(default)]
    pub proximity: bool,
    #[serde(default)]
    pub note: String,
}

impl OwnerFit {
    pub fn validated(mut self) -> FieldResult<Self> {
        self.note = text::long("fit.note", &self.note, 2_000)?;
        Ok(self)
    }
    /// How many of the three criteria hold.
    pub fn score(&self) -> u8 {
        u8::from(self.legitimacy) + u8::from(self.decision_authority) + u8::from(self.proximity)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    #[default]
    Pending,
    Accepted,
    Declined,
    /// Replaced by a newer request on the same OKR before it was answered.
    Superseded,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Accepted => "accepted",
            RequestState::Declined => "declined",
            RequestState::Superseded => "superseded",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            RequestState::Pending,
            RequestState::Accepted,
            RequestState::Declined,
            RequestState::Superseded,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A proposal that someone own an OKR, and its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OwnershipRequest {
    pub id: crate::ids::OwnershipRequestId,
    pub okr: OkrRef,
    /// The owner before this request (none for a new OKR).
    pub previous_owner_id: Option<PersonId>,
    pub proposed_owner_id: PersonId,
    /// None when the system proposed it (imports, demo data).
    pub proposed_by: Option<PersonId>,
    /// The proposer's message, or the handover note.
    pub note: String,
    pub fit: Option<OwnerFit>,
    pub state: RequestState,
    /// Why the proposed owner declined.
    pub decline_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl OwnershipRequest {
    /// Checks a new request.
    pub fn validated(mut self) -> FieldResult<Self> {
        self.note = text::long("note", &self.note, 2_000)?;
        self.fit = self.fit.map(OwnerFit::validated).transpose()?;
        Ok(self)
    }

    /// Accepting: only a pending request, only by the proposed owner (checked by the caller).
    pub fn accept(&mut self, at: chrono::DateTime<chrono::Utc>) -> FieldResult<()> {
        self.require_pending()?;
        self.state = RequestState::Accepted;
        self.decided_at = Some(at);
        Ok(())
    }

    /// Declining needs a reason: it goes back to whoever proposed it.
    pub fn decline(&mut self, reason: &str, at: chrono::DateTime<chrono::Utc>) -> FieldResult<()> {
        self.require_pending()?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(FieldError::new(
                "reason",
                "say why you decline: the reason goes back to whoever proposed you",
            ));
        }
        self.decline_reason = Some(text::long("reason", reason, 2_000)?);
        self.state = RequestState::Declined;
        self.decided_at = Some(at);
        Ok(())
    }

    fn require_pending(&self) -> FieldResult<()> {
        if self.state != RequestState::Pending {
            return Err(FieldError::new(
                "state",
                format!("this ownership request is already {}", self.state.as_str()),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OwnershipRequestId;

    fn request() -> OwnershipRequest {
        OwnershipRequest {
            id: OwnershipRequestId::generate(),
            okr: OkrRef::KeyResult(KeyResultId::generate()),
            previous_owner_id: None,
            proposed_owner_id: PersonId::generate(),
            proposed_by: Some(PersonId::generate()),
            note: "You are closest to the funnel".into(),
            fit: Some(OwnerFit {
                legitimacy: true,
                decision_authority: true,
                proximity: true,
                note: String::new(),
            }),
            state: RequestState::Pending,
            decline_reason: None,
            created_at: Default::default(),
            decided_at: None,
        }
    }

    #[test]
    fn decline_needs_a_reason_and_answers_once() {
        let mut r = request();
        assert_eq!(
            r.decline("  ", Default::default()).unwrap_err().field,
            "reason"
        );
        r.decline("I have no say over onboarding UX", Default::default())
            .unwrap();
        assert_eq!(r.state, RequestState::Declined);
        assert_eq!(r.accept(Default::default()).unwrap_err().field, "state");
        assert_eq!(request().fit.unwrap().score(), 3);
    }
}
