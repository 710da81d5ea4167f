//! Check-ins: the owner's weekly word on a key result. History is immutable: a check-in is never
//! edited or deleted, and the key result's current value is the latest standing one's. A
//! mistyped check-in is corrected or withdrawn by its author: the original stays, marked with a
//! [`Retraction`] (how, who, when), and a correction is a new check-in that `corrects` it.

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
    /// The check-in this one corrects (it keeps the original's `at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<CheckInId>,
    /// Set when the check-in no longer stands: corrected or withdrawn by its author. A retracted
    /// check-in stays in the history but no longer counts for value, status or forecast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retracted: Option<Retraction>,
    /// Set when a source recorded it rather than a person (an ingest token, a KPI): its author
    /// in the history. Such a check-in is never the owner's word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::data_feed::DataSource>,
}

/// How a check-in stopped standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetractionKind {
    /// Replaced by a correction (the check-in whose `corrects` names it).
    Corrected,
    /// Withdrawn: it counts for nothing.
    Withdrawn,
}

impl RetractionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Corrected => "corrected",
            Self::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "corrected" => Some(Self::Corrected),
            "withdrawn" => Some(Self::Withdrawn),
            _ => None,
        }
    }
}

/// Who set a check-in aside, how and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Retraction {
    pub kind: RetractionKind,
    pub by: Option<PersonId>,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl CheckIn {
    /// Whether the check-in still counts (was neither corrected nor withdrawn).
    pub fn stands(&self) -> bool {
        self.retracted.is_none()
    }
}

/// The key result as its standing check-ins leave it: value and last check-in of the latest
/// standing one (by `at`, then id), confidence of the latest standing one by its owner
/// (`rhythm::is_owners_word`: a contributor's confidence is never the key result's); with none
/// standing, back at its start, with no confidence and no check-in. A correction or a
/// withdrawal moves the key result through this.
pub fn as_check_ins_leave(
    kr: &crate::KeyResult,
    check_ins: &[CheckIn],
) -> FieldResult<crate::KeyResult> {
    let mut k = kr.clone();
    let standing = || {
        check_ins
            .iter()
            .filter(|c| c.stands() && c.key_result_id == kr.id)
    };
    let order = |a: &&CheckIn, b: &&CheckIn| (a.at, a.id.as_str()).cmp(&(b.at, b.id.as_str()));
    k.confidence = standing()
        .filter(|c| crate::rhythm::is_owners_word(kr, c.author_id.as_ref()))
        .max_by(order)
        .map(|c| c.confidence.value());
    match standing().max_by(order) {
        Some(c) => {
            k.apply_value(c.value)?;
            k.last_check_in_at = Some(c.at);
        }
        None => {
            k.apply_value(kr.start)?;
            k.last_check_in_at = None;
        }
    }
    Ok(k)
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

    fn reading(kr: &crate::KeyResult, value: f64, day: u32) -> CheckIn {
        use chrono::TimeZone;
        let at = chrono::Utc.with_ymd_and_hms(2026, 1, day, 9, 0, 0).unwrap();
        CheckIn {
            id: CheckInId::generate(),
            key_result_id: kr.id.clone(),
            value,
            confidence: Confidence::new(6, ConfidenceScale::ZeroToTen).unwrap(),
            note: String::new(),
            author_id: Some(kr.owner_id.clone()),
            at,
            created_at: at,
            scale: ConfidenceScale::ZeroToTen,
            corrects: None,
            retracted: None,
            source: None,
        }
    }

    #[test]
    fn the_latest_standing_check_in_decides() {
        let kr = crate::key_result::tests::kr(crate::MetricKind::Increase, 10.0, 60.0);
        let mut history = vec![reading(&kr, 20.0, 3), reading(&kr, 200.0, 10)];
        assert_eq!(as_check_ins_leave(&kr, &history).unwrap().current, 200.0);
        history[1].retracted = Some(Retraction {
            kind: RetractionKind::Withdrawn,
            by: None,
            at: history[1].at,
        });
        let k = as_check_ins_leave(&kr, &history).unwrap();
        assert_eq!((k.current, k.last_check_in_at), (20.0, Some(history[0].at)));
        history[0].retracted = history[1].retracted.clone();
        let k = as_check_ins_leave(&kr, &history).unwrap();
        assert_eq!(
            (k.current, k.confidence, k.last_check_in_at),
            (10.0, None, None)
        );
    }

    /// A contributor's reading moves the value, never the owner's confidence.
    #[test]
    fn only_the_owners_check_in_sets_the_confidence() {
        let kr = crate::key_result::tests::kr(crate::MetricKind::Increase, 10.0, 60.0);
        let mut owners = reading(&kr, 20.0, 3);
        owners.confidence = Confidence::new(8, ConfidenceScale::ZeroToTen).unwrap();
        let mut contributors = reading(&kr, 30.0, 5);
        contributors.author_id = Some(PersonId::from_string("a-contributor"));
        contributors.confidence = Confidence::new(3, ConfidenceScale::ZeroToTen).unwrap();
        let mut history = vec![owners, contributors];
        let k = as_check_ins_leave(&kr, &history).unwrap();
        assert_eq!(
            (k.current, k.confidence, k.last_check_in_at),
            (30.0, Some(8), Some(history[1].at))
        );
        // The owner's reading withdrawn: no owner's word stands, whatever the contributor said.
        history[0].retracted = Some(Retraction {
            kind: RetractionKind::Withdrawn,
            by: None,
            at: history[0].at,
        });
        let k = as_check_ins_leave(&kr, &history).unwrap();
        assert_eq!((k.current, k.confidence), (30.0, None));
    }
}
