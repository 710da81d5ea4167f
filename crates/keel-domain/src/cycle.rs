//! Cycles: the time boxes OKRs live in (a year holding quarters).

use crate::error::{FieldError, FieldResult};
use crate::ids::CycleId;
use crate::{text, Date};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum CycleState {
    #[default]
    Planning,
    Active,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Cycle {
    pub id: CycleId,
    pub name: String,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    /// A cycle holding this one (a year holding quarters).
    pub parent_id: Option<CycleId>,
    pub state: CycleState,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

impl Cycle {
    pub fn validated(mut self) -> FieldResult<Self> {
        self.name = text::required("name", &self.name, 100)?;
        if self.ends_on < self.starts_on {
            return Err(FieldError::new("ends_on", "must not be before starts_on"));
        }
        if self.parent_id.as_ref() == Some(&self.id) {
            return Err(FieldError::new(
                "parent_id",
                "a cycle cannot be its own parent",
            ));
        }
        Ok(self)
    }

    /// A child cycle must lie within its parent's dates.
    pub fn check_within(&self, parent: &Cycle) -> FieldResult<()> {
        if self.starts_on < parent.starts_on || self.ends_on > parent.ends_on {
            return Err(FieldError::new(
                "parent_id",
                format!(
                    "the cycle must lie within its parent '{}' ({} to {})",
                    parent.name, parent.starts_on, parent.ends_on
                ),
            ));
        }
        Ok(())
    }

    /// The share of the cycle elapsed on `today`, in [0, 1].
    pub fn elapsed_share(&self, today: Date) -> f64 {
        let total = (self.ends_on - self.starts_on).num_days() + 1;
        let done = (today - self.starts_on).num_days() + 1;
        (done as f64 / total as f64).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(s: &str, e: &str) -> Cycle {
        Cycle {
            id: CycleId::generate(),
            name: "Q1".into(),
            starts_on: s.parse().unwrap(),
            ends_on: e.parse().unwrap(),
            parent_id: None,
            state: CycleState::Planning,
            created_at: Default::default(),
            updated_at: Default::default(),
            version: 1,
        }
    }

    #[test]
    fn end_before_start_is_refused() {
        assert_eq!(
            cycle("2026-04-01", "2026-03-31")
                .validated()
                .unwrap_err()
                .field,
            "ends_on"
        );
        assert!(cycle("2026-01-01", "2026-03-31").validated().is_ok());
    }

    #[test]
    fn quarter_within_year() {
        let year = cycle("2026-01-01", "2026-12-31");
        assert!(cycle("2026-01-01", "2026-03-31")
            .check_within(&year)
            .is_ok());
        assert!(cycle("2025-12-01", "2026-03-31")
            .check_within(&year)
            .is_err());
    }

    #[test]
    fn elapsed_share_bounds() {
        let q = cycle("2026-01-01", "2026-01-10");
        assert_eq!(q.elapsed_share("2025-12-01".parse().unwrap()), 0.0);
        assert_eq!(q.elapsed_share("2026-01-05".parse().unwrap()), 0.5);
        assert_eq!(q.elapsed_share("2026-02-01".parse().unwrap()), 1.0);
    }
}
