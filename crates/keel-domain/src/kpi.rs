//! KPIs: named metrics an organisation watches beside its OKRs (revenue, uptime, weekly active
//! users), each with one owner, a unit, a healthy corridor and a history of readings. Separate
//! from OKRs: a KPI is kept healthy, not moved; a key result may take its readings as its data
//! source. Why here: whether a KPI is healthy, and since when it is not, is one rule for the API,
//! the pages and (later) automation.

use crate::data_feed::DataSource;
use crate::error::{FieldError, FieldErrors, FieldResult};
use crate::ids::{KpiId, KpiValueId, PersonId};
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a KPI is healthy: at or above `min`, at or below `max`, or between both. Neither set
/// means no corridor: every reading is simply recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Corridor {
    /// Stay at or above this.
    pub min: Option<f64>,
    /// Stay at or below this.
    pub max: Option<f64>,
}

impl Corridor {
    /// 422 naming `corridor_min`/`corridor_max` for a bound that is not a finite number, and
    /// naming `corridor_min` when it lies above `corridor_max`.
    pub fn validated(self) -> Result<Self, Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        if let Some(m) = self.min {
            errors.keep(text::finite("corridor_min", m));
        }
        if let Some(m) = self.max {
            errors.keep(text::finite("corridor_max", m));
        }
        if let (Some(lo), Some(hi)) = (self.min, self.max) {
            if lo > hi {
                errors.0.push(FieldError::new(
                    "corridor_min",
                    "the lower bound must not be above the upper bound",
                ));
            }
        }
        errors.or(self)
    }

    /// Whether `value` lies inside the corridor (always, without one).
    pub fn holds(&self, value: f64) -> bool {
        self.min.is_none_or(|m| value >= m) && self.max.is_none_or(|m| value <= m)
    }

    /// The corridor in words: "stay above 95 %", "between 10 and 20 ms".
    pub fn describe(&self, unit: &str, fmt: impl Fn(f64) -> String) -> String {
        let u = |v: f64| {
            if unit.is_empty() {
                fmt(v)
            } else {
                format!("{} {unit}", fmt(v))
            }
        };
        match (self.min, self.max) {
            (Some(lo), Some(hi)) => format!("between {} and {}", fmt(lo), u(hi)),
            (Some(lo), None) => format!("stay above {}", u(lo)),
            (None, Some(hi)) => format!("stay below {}", u(hi)),
            (None, None) => "no corridor set".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Kpi {
    pub id: KpiId,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The one person who answers for it.
    pub owner_id: PersonId,
    #[serde(default)]
    pub unit: String,
    pub corridor: Corridor,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

impl Kpi {
    /// Every refusal at once, each naming its field.
    pub fn validated_all(mut self) -> Result<Self, Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        if let Some(n) = errors.keep(text::required("name", &self.name, 200)) {
            self.name = n;
        }
        if let Some(d) = errors.keep(text::long("description", &self.description, 5_000)) {
            self.description = d;
        }
        if let Some(u) = errors.keep(text::long("unit", &self.unit, 30)) {
            self.unit = u;
        }
        if let Err(e) = self.corridor.validated() {
            errors.0.extend(e);
        }
        errors.or(self)
    }
}

/// One reading of a KPI: by a person (its owner recording it), or pushed by a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KpiValue {
    pub id: KpiValueId,
    pub kpi_id: KpiId,
    pub value: f64,
    #[serde(default)]
    pub note: String,
    /// The person who recorded it; none when a source pushed it.
    pub author_id: Option<PersonId>,
    /// The source that pushed it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<DataSource>,
    /// When the reading was true.
    pub at: chrono::DateTime<chrono::Utc>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl KpiValue {
    pub fn validated(mut self) -> FieldResult<Self> {
        text::finite("value", self.value)?;
        self.note = text::long("note", &self.note, 2_000)?;
        if self.at > self.created_at + chrono::Duration::seconds(60) {
            return Err(FieldError::new("at", "a reading cannot be in the future"));
        }
        Ok(self)
    }
}

/// A KPI's health from its readings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KpiHealth {
    /// Nothing recorded yet.
    NoReadings,
    /// No corridor is set: nothing to be healthy against.
    NoCorridor,
    /// The latest reading lies inside the corridor.
    Healthy,
    /// The latest readings lie outside the corridor, since the first of them.
    Outside {
        since: chrono::DateTime<chrono::Utc>,
    },
}

impl KpiHealth {
    /// The health of a KPI with `corridor` given its readings as `(at, value)` in any order:
    /// outside since the earliest reading of the unbroken run of readings outside the
    /// corridor that ends with the latest one.
    pub fn of(corridor: &Corridor, readings: &[(chrono::DateTime<chrono::Utc>, f64)]) -> Self {
        if readings.is_empty() {
            return Self::NoReadings;
        }
        if corridor.min.is_none() && corridor.max.is_none() {
            return Self::NoCorridor;
        }
        let mut sorted: Vec<_> = readings.to_vec();
        sorted.sort_by_key(|a| a.0);
        let mut since = None;
        for (at, v) in sorted.iter().rev() {
            if corridor.holds(*v) {
                break;
            }
            since = Some(*at);
        }
        match since {
            Some(since) => Self::Outside { since },
            None => Self::Healthy,
        }
    }

    pub fn is_healthy(&self) -> bool {
        matches!(self, Self::Healthy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    #[test]
    fn corridors_check_their_bounds() {
        let bad = Corridor {
            min: Some(10.0),
            max: Some(5.0),
        }
        .validated()
        .unwrap_err();
        assert_eq!(bad[0].field, "corridor_min");
        let above = Corridor {
            min: Some(95.0),
            max: None,
        };
        assert!(above.holds(95.0) && !above.holds(94.9));
        assert_eq!(above.describe("%", |v| v.to_string()), "stay above 95 %");
    }

    #[test]
    fn health_says_since_when_outside() {
        let c = Corridor {
            min: None,
            max: Some(200.0),
        };
        let t = Utc::now();
        assert_eq!(KpiHealth::of(&c, &[]), KpiHealth::NoReadings);
        let readings = [
            (t - Duration::days(3), 150.0),
            (t - Duration::days(2), 250.0),
            (t - Duration::days(1), 260.0),
        ];
        assert_eq!(
            KpiHealth::of(&c, &readings),
            KpiHealth::Outside {
                since: t - Duration::days(2)
            }
        );
        assert_eq!(
            KpiHealth::of(&c, &[(t, 120.0), (t - Duration::days(1), 300.0)]),
            KpiHealth::Healthy
        );
        assert_eq!(
            KpiHealth::of(&Corridor::default(), &readings),
            KpiHealth::NoCorridor
        );
    }
}
