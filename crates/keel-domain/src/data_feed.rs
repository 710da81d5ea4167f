//! Values that arrive from other systems rather than from a person: a CI job, a BI tool or a
//! cron `curl` pushing a number with an ingest token, or a KPI feeding the key results that
//! name it as their data source. Why its own module: the rule "an automated value is a
//! check-in whose author is its source, never the owner's word" is stated once here, and the
//! source kinds are an enum so that pulled sources (an HTTP JSON pointer, an SQL query) can be
//! added beside push without touching the check-in history.

use crate::error::{FieldError, FieldResult};
use crate::ids::{IngestTokenId, KeyResultId, KpiId, PersonId};
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an automated value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Pushed with an ingest token (`POST …/values`).
    IngestToken,
    /// Recorded on a KPI the key result names as its data source.
    Kpi,
    /// Pulled on a schedule from a URL or a registered database (`crate::pull`).
    Pull,
}

/// The author of an automated value: which source, by kind, id and its name when the value was
/// recorded (a renamed or revoked token still reads as it was).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DataSource {
    pub kind: SourceKind,
    /// The ingest token's or the KPI's id.
    pub id: String,
    pub name: String,
}

impl DataSource {
    /// How the history names it: "Data: nightly build", "KPI: Weekly active users".
    pub fn label(&self) -> String {
        match self.kind {
            SourceKind::IngestToken => format!("Data: {}", self.name),
            SourceKind::Kpi => format!("KPI: {}", self.name),
            SourceKind::Pull => format!("Source: {}", self.name),
        }
    }
}

/// What an ingest token may push values to: exactly one key result or one KPI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedTarget {
    KeyResult(KeyResultId),
    Kpi(KpiId),
}

/// An ingest token: a secret (shown once, stored hashed) that pushes values to one key result
/// or KPI and nothing else. It is not a person: its values never carry the owner's confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IngestToken {
    pub id: IngestTokenId,
    pub target: FeedTarget,
    /// What it is for ("nightly build", "Looker export"): the author of its values.
    pub name: String,
    pub created_by: Option<PersonId>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl IngestToken {
    /// Checks the name (required, at most 100 characters).
    pub fn validated(mut self) -> FieldResult<Self> {
        self.name = text::required("name", &self.name, 100)?;
        Ok(self)
    }

    /// Whether it still pushes: not revoked.
    pub fn is_live(&self) -> bool {
        self.revoked_at.is_none()
    }

    /// The source its values name.
    pub fn source(&self) -> DataSource {
        DataSource {
            kind: SourceKind::IngestToken,
            id: self.id.to_string(),
            name: self.name.clone(),
        }
    }
}

/// A pushed or recorded value must be a finite number (JSON has no NaN, but a form or a
/// string might): 422 naming `value` otherwise.
pub fn pushed_value(value: Option<f64>) -> FieldResult<f64> {
    let v = value.ok_or_else(|| FieldError::new("value", "a number is required"))?;
    text::finite("value", v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_name_themselves_and_values_are_numbers() {
        let s = DataSource {
            kind: SourceKind::IngestToken,
            id: "t".into(),
            name: "nightly build".into(),
        };
        assert_eq!(s.label(), "Data: nightly build");
        assert!(pushed_value(None).is_err());
        assert!(pushed_value(Some(f64::NAN)).is_err());
        assert_eq!(pushed_value(Some(3.5)).unwrap(), 3.5);
    }
}
