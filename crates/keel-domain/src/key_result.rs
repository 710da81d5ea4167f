//! Key results: the measurable outcomes under an Objective, each with its own owner.

use crate::error::{FieldError, FieldResult};
use crate::ids::{KeyResultId, ObjectiveId, PersonId, TeamId};
use crate::objective::{validate_circle, OwnershipState};
use crate::progress::{self, Progress};
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a key result is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Move a number up from `start` to `target`.
    #[default]
    Increase,
    /// Move a number down from `start` to `target`.
    Decrease,
    /// Keep a number at or above `target`.
    StayAbove,
    /// Keep a number at or below `target`.
    StayBelow,
    /// Done or not (0 or 1).
    Boolean,
    /// Ordered milestones; progress is done / total.
    Milestone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Milestone {
    pub title: String,
    #[serde(default)]
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KeyResult {
    pub id: KeyResultId,
    pub objective_id: ObjectiveId,
    pub title: String,
    pub description: String,
    pub owner_id: PersonId,
    pub ownership_state: OwnershipState,
    /// Under the `shared` ownership policy only: people who co-own it. `owner_id` stays the
    /// one accountable person.
    #[serde(default)]
    pub co_owner_ids: Vec<PersonId>,
    pub sponsor_id: Option<PersonId>,
    pub contributor_ids: Vec<PersonId>,
    pub team_ids: Vec<TeamId>,
    pub metric_kind: MetricKind,
    pub start: f64,
    pub target: f64,
    pub current: f64,
    pub unit: String,
    pub weight: f64,
    pub milestones: Vec<Milestone>,
    /// Tagged as a financial key result (revenue, cost, profitability): people with the
    /// `finance` role may edit it (the finance role of docs/roles.md).
    #[serde(default)]
    pub financial: bool,
    /// The day its own time starts, when it starts later than its cycle (pace and the expected
    /// line count from here); within the cycle.
    #[serde(default)]
    pub starts_on: Option<chrono::NaiveDate>,
    /// The day it is due, when earlier than its cycle's end (pace and the forecast aim here);
    /// within the cycle, not before `starts_on`.
    #[serde(default)]
    pub ends_on: Option<chrono::NaiveDate>,
    /// The confidence of the latest check-in, if any.
    pub confidence: Option<u8>,
    pub last_check_in_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

impl KeyResult {
    /// Checks and normalises every field that does not need the database.
    ///
    /// The metric must be measurable: an increasing key result must have a target above its
    /// start, a decreasing one below; a milestone key result needs milestones.
    pub fn validated(self) -> FieldResult<Self> {
        self.validated_all().map_err(crate::error::first)
    }

    /// The same checks, every refusal at once (a form shows each next to its field): the
    /// text, the people around it, its weight, how it is measured and its own dates.
    pub fn validated_all(mut self) -> Result<Self, Vec<FieldError>> {
        let mut errors = crate::error::FieldErrors::default();
        if let Some(t) = errors.keep(text::required("title", &self.title, 300)) {
            self.title = t;
        }
        if let Some(d) = errors.keep(text::long("description", &self.description, 10_000)) {
            self.description = d;
        }
        if let Some(u) = errors.keep(text::long("unit", &self.unit, 30)) {
            self.unit = u;
        }
        errors.keep(validate_circle(
            &self.owner_id,
            &mut self.co_owner_ids,
            &self.sponsor_id,
            &mut self.contributor_ids,
            &mut self.team_ids,
        ));
        errors.keep(text::finite("weight", self.weight).and_then(|_| {
            if self.weight > 0.0 && self.weight <= 100.0 {
                Ok(())
            } else {
                Err(FieldError::new(
                    "weight",
                    "must be greater than 0 and at most 100",
                ))
            }
        }));
        errors.keep(self.measure());
        errors.keep(self.own_dates());
        errors.or(self)
    }

    /// Checks and normalises how it is measured: start, target, current and milestones.
    fn measure(&mut self) -> FieldResult<()> {
        text::finite("start", self.start)?;
        text::finite("target", self.target)?;
        text::finite("current", self.current)?;
        match self.metric_kind {
            MetricKind::Increase | MetricKind::Decrease if self.target == self.start => {
                return Err(FieldError::new(
                    "target",
                    "must differ from start: a key result whose target equals its start cannot be measured",
                ));
            }
            MetricKind::Increase if self.target < self.start => {
                return Err(FieldError::new(
                    "target",
                    "must be greater than start for an 'increase' key result (use 'decrease' to bring a number down)",
                ));
            }
            MetricKind::Decrease if self.target > self.start => {
                return Err(FieldError::new(
                    "target",
                    "must be less than start for a 'decrease' key result (use 'increase' to bring a number up)",
                ));
            }
            MetricKind::Boolean => {
                if self.current != 0.0 && self.current != 1.0 {
                    return Err(FieldError::new(
                        "current",
                        "must be 0 or 1 for a boolean key result",
                    ));
                }
                self.start = 0.0;
                self.target = 1.0;
            }
            MetricKind::Milestone => {
                if self.milestones.is_empty() {
                    return Err(FieldError::new(
                        "milestones",
                        "a milestone key result needs at least one milestone",
                    ));
                }
                if self.milestones.len() > 50 {
                    return Err(FieldError::new("milestones", "at most 50 milestones"));
                }
                for (i, m) in self.milestones.iter_mut().enumerate() {
                    m.title = text::required("title", &m.title, 300)
                        .map_err(|e| e.within(&format!("milestones[{i}]")))?;
                }
                self.start = 0.0;
                self.target = self.milestones.len() as f64;
                self.current = self.milestones.iter().filter(|m| m.done).count() as f64;
            }
            _ => {}
        }
        if self.metric_kind != MetricKind::Milestone && !self.milestones.is_empty() {
            return Err(FieldError::new(
                "milestones",
                "only a milestone key result has milestones",
            ));
        }
        Ok(())
    }

    /// Its own dates, in order.
    fn own_dates(&self) -> FieldResult<()> {
        if let (Some(from), Some(to)) = (self.starts_on, self.ends_on) {
            if to < from {
                return Err(FieldError::new(
                    "ends_on",
                    format!("must be on or after its start ({from})"),
                ));
            }
        }
        Ok(())
    }

    /// Checks its own dates against its cycle's: a key result's time lies within its cycle.
    pub fn check_dates_within(
        &self,
        cycle_starts: chrono::NaiveDate,
        cycle_ends: chrono::NaiveDate,
    ) -> FieldResult<()> {
        for (field, day) in [("starts_on", self.starts_on), ("ends_on", self.ends_on)] {
            if let Some(day) = day {
                if day < cycle_starts || day > cycle_ends {
                    return Err(FieldError::new(
                        field,
                        format!("must lie within its cycle ({cycle_starts} to {cycle_ends})"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Its own time within a cycle running from `cycle_starts` to `cycle_ends`: from its start
    /// (else the cycle's) to its due day (else the cycle's end). Pace and the expected line use
    /// it (docs/method.md, Status and pace).
    pub fn time_within(
        &self,
        cycle_starts: chrono::NaiveDate,
        cycle_ends: chrono::NaiveDate,
    ) -> (chrono::NaiveDate, chrono::NaiveDate) {
        (
            self.starts_on.unwrap_or(cycle_starts),
            self.ends_on.unwrap_or(cycle_ends),
        )
    }

    pub fn progress(&self) -> Progress {
        progress::key_result(
            self.metric_kind,
            self.start,
            self.target,
            self.current,
            &self.milestones,
        )
    }

    /// Applies a checked-in value: for a milestone key result, the value is the number of
    /// milestones done, and the first `value` milestones (in order) are marked done.
    pub fn apply_value(&mut self, value: f64) -> FieldResult<()> {
        text::finite("value", value)?;
        match self.metric_kind {
            MetricKind::Boolean if value != 0.0 && value != 1.0 => {
                return Err(FieldError::new(
                    "value",
                    "must be 0 or 1 for a boolean key result",
                ));
            }
            MetricKind::Milestone => {
                let total = self.milestones.len();
                if value.fract() != 0.0 || value < 0.0 || value > total as f64 {
                    return Err(FieldError::new(
                        "value",
                        format!("must be the number of milestones done, a whole number from 0 to {total}"),
                    ));
                }
                let done = value as usize;
                for (i, m) in self.milestones.iter_mut().enumerate() {
                    m.done = i < done;
                }
            }
            _ => {}
        }
        self.current = value;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn kr(kind: MetricKind, start: f64, target: f64) -> KeyResult {
        KeyResult {
            id: KeyResultId::generate(),
            objective_id: ObjectiveId::generate(),
            title: "Day-7 activation".into(),
            description: String::new(),
            owner_id: PersonId::generate(),
            ownership_state: OwnershipState::Accepted,
            co_owner_ids: vec![],
            sponsor_id: None,
            contributor_ids: vec![],
            team_ids: vec![],
            metric_kind: kind,
            start,
            target,
            current: start,
            unit: "%".into(),
            weight: 1.0,
            milestones: vec![],
            confidence: None,
            financial: false,
            starts_on: None,
            ends_on: None,
            last_check_in_at: None,
            created_at: Default::default(),
            updated_at: Default::default(),
            version: 1,
        }
    }

    #[test]
    fn unmeasurable_targets_are_refused_naming_target() {
        assert_eq!(
            kr(MetricKind::Increase, 5.0, 5.0)
                .validated()
                .unwrap_err()
                .field,
            "target"
        );
        assert_eq!(
            kr(MetricKind::Increase, 5.0, 1.0)
                .validated()
                .unwrap_err()
                .field,
            "target"
        );
        assert_eq!(
            kr(MetricKind::Decrease, 5.0, 9.0)
                .validated()
                .unwrap_err()
                .field,
            "target"
        );
        assert!(kr(MetricKind::Increase, 32.0, 55.0).validated().is_ok());
        assert!(kr(MetricKind::StayAbove, 0.0, 0.0).validated().is_ok());
    }

    #[test]
    fn weight_and_owner_rules() {
        let mut k = kr(MetricKind::Increase, 0.0, 1.0);
        k.weight = 0.0;
        assert_eq!(k.clone().validated().unwrap_err().field, "weight");
        k.weight = 1.0;
        k.contributor_ids = vec![k.owner_id.clone()];
        assert_eq!(k.validated().unwrap_err().field, "contributor_ids");
    }

    #[test]
    fn milestones_drive_progress() {
        let mut k = kr(MetricKind::Milestone, 0.0, 0.0);
        assert_eq!(k.clone().validated().unwrap_err().field, "milestones");
        k.milestones = ["Design", "Build", "Ship", "Announce"]
            .iter()
            .map(|t| Milestone {
                title: t.to_string(),
                done: false,
            })
            .collect();
        let mut k = k.validated().unwrap();
        assert_eq!(k.target, 4.0);
        k.apply_value(3.0).unwrap();
        assert_eq!(k.progress().progress, 0.75);
        assert!(k.milestones[2].done && !k.milestones[3].done);
        assert_eq!(k.apply_value(5.0).unwrap_err().field, "value");
        assert_eq!(k.apply_value(1.5).unwrap_err().field, "value");
        k.milestones[1].title = " ".into();
        assert_eq!(k.validated().unwrap_err().field, "milestones[1].title");
    }

    #[test]
    fn boolean_values() {
        let mut k = kr(MetricKind::Boolean, 0.0, 1.0).validated().unwrap();
        assert_eq!(k.apply_value(2.0).unwrap_err().field, "value");
        k.apply_value(1.0).unwrap();
        assert_eq!(k.progress().progress, 1.0);
    }

    #[test]
    fn its_own_days_lie_within_the_cycle_and_in_order() {
        let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
        let (q_start, q_end) = (day("2026-10-01"), day("2026-12-31"));
        let mut k = kr(MetricKind::Increase, 0.0, 10.0);
        assert_eq!(
            k.time_within(q_start, q_end),
            (q_start, q_end),
            "with its cycle"
        );
        k.starts_on = Some(day("2026-11-01"));
        k.ends_on = Some(day("2026-10-20"));
        assert_eq!(k.clone().validated().unwrap_err().field, "ends_on");
        k.ends_on = Some(day("2026-12-15"));
        let k = k.validated().unwrap();
        k.check_dates_within(q_start, q_end).unwrap();
        assert_eq!(
            k.time_within(q_start, q_end),
            (day("2026-11-01"), day("2026-12-15"))
        );
        let e = k
            .check_dates_within(q_start, day("2026-12-01"))
            .unwrap_err();
        assert_eq!(e.field, "ends_on");
        let e = k.check_dates_within(day("2026-11-02"), q_end).unwrap_err();
        assert_eq!(e.field, "starts_on");
    }
}
