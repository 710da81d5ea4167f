//! Team reviews: the ritual where each owner presents their OKR, presents progress and raises
//! flags on drift (*The weekly rhythm* in docs/method.md). A review freezes an agenda of the team's OKRs as they
//! stood that day, so that the next review can say what changed; owners' notes and decisions are
//! recorded per item.

use crate::error::{FieldError, FieldResult};
use crate::ids::{ObjectiveId, PersonId, ReviewId, TeamId};
use crate::rhythm::{Status, Trend};
use crate::{text, Date};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One OKR on a review's agenda, as it stood when the review was prepared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewItem {
    pub objective_id: ObjectiveId,
    pub title: String,
    pub owner_id: PersonId,
    pub owner_name: String,
    /// In [0, 1].
    pub progress: f64,
    /// Progress now minus progress at the team's previous review (null for a first review).
    pub progress_change: Option<f64>,
    pub status: Status,
    pub status_reason: String,
    /// The direction of the owners' latest confidences across the objective's key results.
    pub confidence_trend: Trend,
    /// What deserves the team's attention: status, health findings.
    pub flags: Vec<String>,
    /// The owner's notes on the item.
    pub notes: String,
    /// What the team decided.
    pub decisions: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Review {
    pub id: ReviewId,
    pub team_id: TeamId,
    pub held_on: chrono::NaiveDate,
    pub run_by: Option<PersonId>,
    pub items: Vec<ReviewItem>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

impl ReviewItem {
    pub fn with_notes(
        mut self,
        notes: Option<String>,
        decisions: Option<String>,
    ) -> FieldResult<Self> {
        if let Some(n) = notes {
            self.notes = text::long("notes", &n, 10_000)?;
        }
        if let Some(d) = decisions {
            self.decisions = text::long("decisions", &d, 10_000)?;
        }
        Ok(self)
    }
}

/// A review may not be dated in the future.
pub fn check_held_on(held_on: chrono::NaiveDate, today: Date) -> FieldResult<Date> {
    if held_on > today {
        return Err(FieldError::new(
            "held_on",
            "a review is recorded on or after the day it is held, not before",
        ));
    }
    Ok(held_on)
}
