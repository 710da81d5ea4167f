//! Initiatives: the work meant to move a key result. The owner arbitrates them, dropping
//! those that are not moving the key result, and a drop always says why.

use crate::error::{FieldError, FieldResult};
use crate::ids::{InitiativeId, KeyResultId, PersonId};
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum InitiativeState {
    #[default]
    Proposed,
    Active,
    Dropped,
    Done,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Initiative {
    pub id: InitiativeId,
    pub key_result_id: KeyResultId,
    pub title: String,
    pub owner_id: PersonId,
    pub state: InitiativeState,
    pub link: Option<String>,
    /// Why it was dropped; required when `state` is `dropped`.
    pub reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
    /// When it last became active (kept once it is done or dropped).
    #[serde(default)]
    pub active_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Its key result's value at that moment, to tell whether the key result moved since.
    #[serde(default)]
    pub value_at_activation: Option<f64>,
}

impl Initiative {
    /// Records the moment it becomes active (from any other state) and the key result's value
    /// then; anything else leaves both as they were.
    pub fn note_activation(
        mut self,
        was: Option<InitiativeState>,
        at: chrono::DateTime<chrono::Utc>,
        key_result_value: f64,
    ) -> Self {
        if self.state == InitiativeState::Active && was != Some(InitiativeState::Active) {
            self.active_since = Some(at);
            self.value_at_activation = Some(key_result_value);
        }
        self
    }

    pub fn validated(mut self) -> FieldResult<Self> {
        self.title = text::required("title", &self.title, 300)?;
        self.link = match self.link.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(l) => Some(text::url("link", l)?),
        };
        self.reason = match self.reason.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(r) => Some(text::long("reason", r, 2_000)?),
        };
        if self.state == InitiativeState::Dropped && self.reason.is_none() {
            return Err(FieldError::new(
                "reason",
                "say why the initiative is dropped: a reason is required",
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_needs_a_reason() {
        let i = Initiative {
            id: InitiativeId::generate(),
            key_result_id: KeyResultId::generate(),
            title: "Onboarding emails".into(),
            owner_id: PersonId::generate(),
            state: InitiativeState::Dropped,
            link: Some("https://tracker.example/1".into()),
            reason: Some("  ".into()),
            created_at: Default::default(),
            updated_at: Default::default(),
            version: 1,
            active_since: None,
            value_at_activation: None,
        };
        assert_eq!(i.clone().validated().unwrap_err().field, "reason");
        let ok = Initiative {
            reason: Some("No effect on activation".into()),
            ..i.clone()
        };
        assert!(ok.validated().is_ok());
        let bad_link = Initiative {
            link: Some("javascript:alert(1)".into()),
            state: InitiativeState::Active,
            ..i
        };
        assert_eq!(bad_link.validated().unwrap_err().field, "link");
    }
}
