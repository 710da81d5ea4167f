//! Check-ins: the owner's weekly word on a key result. History is immutable: a check-in is never
//! edited or deleted, and the key result's current value is the latest one's.

use crate::error::{FieldError, FieldResult};
use crate::ids::{CheckInId, KeyResultId, PersonId};
use crate::org::ConfidenceScale;
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The owner's conviction that the key result will be reached, on the organisation's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct Confidence(u8);

impl Confidence {
    /// `Confidence::new(11, ZeroToTen)` is an error naming `confidence`.
    pub fn new(value: i64, scale: ConfidenceScale) -> FieldResult<Self> {
        let (min, max) = (i64::from(scale.min()), i64::from(scale.max()));
        if value < min || value > max {
            return Err(FieldError::new(
                "confidence",
                format!("must be a whole number from {min} to {max} (got {value})"),
            ));
        }
        Ok(Self(value as u8))
    }
    pub fn value(self) -> u8 {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CheckIn {
    pub id: CheckInId,
    pub key_result_id: KeyResultId,
    pub value: f64,
    pub confidence: Confidence,
    pub note: String,
    pub author_id: Option<PersonId>,
    /// When the reading was true (may be back-dated to record history, never in the future).
    pub at: chrono::DateTime<chrono::Utc>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The scale `confidence` was given on: the organisation's when it was recorded. After a
    /// change of scale, pages and status read it on the scale in use
    /// (`keel_domain::rhythm::rescale`), never as "8 of 3".
    #[serde(default)]
    pub scale: crate::org::ConfidenceScale,
}

impl CheckIn {
    pub fn validated(mut self) -> FieldResult<Self> {
        text::finite("value", self.value)?;
        self.note = text::long("note", &self.note, 5_000)?;
        if self.at > self.created_at + chrono::Duration::seconds(60) {
            return Err(FieldError::new(
                "at",
                "a check-in cannot be recorded in the future",
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_scale_is_enforced() {
        assert!(Confidence::new(10, ConfidenceScale::ZeroToTen).is_ok());
        assert_eq!(
            Confidence::new(11, ConfidenceScale::ZeroToTen)
                .unwrap_err()
                .field,
            "confidence"
        );
        assert!(Confidence::new(-1, ConfidenceScale::ZeroToTen).is_err());
        assert!(Confidence::new(0, ConfidenceScale::ThreeLevel).is_err());
        assert!(Confidence::new(3, ConfidenceScale::ThreeLevel).is_ok());
    }
}
