//! Conversations, feedback and recognition (CFRs): how an OKR stays alive between check-ins
//! (owners keep the OKR alive in 1:1s with their manager: *The weekly rhythm* in docs/method.md). A 1:1 conversation belongs to
//! its two people alone; feedback is asked of named people, who answer in place; recognition
//! thanks someone for work on an OKR or a check-in.

use crate::error::{FieldError, FieldResult};
use crate::ids::{CheckInId, ConversationId, FeedbackRequestId, PersonId, RecognitionId};
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Notes of a 1:1 between `author_id` and `with_id`, linked to OKRs (objective or key result ids).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Conversation {
    pub id: ConversationId,
    pub author_id: PersonId,
    pub with_id: PersonId,
    pub okr_ids: Vec<String>,
    pub held_on: chrono::NaiveDate,
    pub notes: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

impl Conversation {
    pub fn validated(mut self) -> FieldResult<Self> {
        if self.author_id == self.with_id {
            return Err(FieldError::new(
                "with_id",
                "a 1:1 is between two people: name the other one",
            ));
        }
        self.notes = text::required("notes", &self.notes, 20_000)?;
        Ok(self)
    }

    /// Whether `person` is one of the two people.
    pub fn involves(&self, person: &PersonId) -> bool {
        &self.author_id == person || &self.with_id == person
    }
}

/// One addressee's answer to a feedback request (`answer` null until they answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FeedbackAnswer {
    pub person_id: PersonId,
    pub answer: Option<String>,
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A request for feedback on an OKR's progress, addressed to named people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FeedbackRequest {
    pub id: FeedbackRequestId,
    /// The objective or key result the feedback is about.
    pub okr_id: String,
    pub requester_id: PersonId,
    pub question: String,
    pub answers: Vec<FeedbackAnswer>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl FeedbackRequest {
    pub fn validated(mut self) -> FieldResult<Self> {
        self.question = text::required("question", &self.question, 2_000)?;
        if self.answers.is_empty() {
            return Err(FieldError::new(
                "addressee_ids",
                "name at least one person to ask",
            ));
        }
        if self
            .answers
            .iter()
            .any(|a| a.person_id == self.requester_id)
        {
            return Err(FieldError::new(
                "addressee_ids",
                "ask other people: you cannot give yourself feedback",
            ));
        }
        let mut ids: Vec<&PersonId> = self.answers.iter().map(|a| &a.person_id).collect();
        ids.sort();
        ids.dedup();
        if ids.len() != self.answers.len() {
            return Err(FieldError::new("addressee_ids", "name each person once"));
        }
        Ok(self)
    }
}

/// Thanks for work on an OKR or on one check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Recognition {
    pub id: RecognitionId,
    pub from_id: PersonId,
    pub to_id: PersonId,
    /// The objective or key result (the check-in's key result when a check-in is named).
    pub okr_id: String,
    pub check_in_id: Option<CheckInId>,
    pub message: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Recognition {
    pub fn validated(mut self) -> FieldResult<Self> {
        if self.from_id == self.to_id {
            return Err(FieldError::new("to_id", "recognise someone else"));
        }
        self.message = text::required("message", &self.message, 2_000)?;
        Ok(self)
    }
}
