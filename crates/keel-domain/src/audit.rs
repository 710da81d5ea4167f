//! Audit events: an append-only record of every write (who, what, when, before and after).

use crate::ids::{AuditEventId, PersonId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a write came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    #[default]
    Api,
    Ui,
    Cli,
    Job,
    Import,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::Ui => "ui",
            Source::Cli => "cli",
            Source::Job => "job",
            Source::Import => "import",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Source::Api,
            Source::Ui,
            Source::Cli,
            Source::Job,
            Source::Import,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub at: chrono::DateTime<chrono::Utc>,
    /// None for the system itself (migrations, demo loading).
    pub actor_id: Option<PersonId>,
    /// `<kind>.<verb>`, e.g. `objective.update`, `check_in.create`.
    pub action: String,
    /// `person`, `team`, `cycle`, `objective`, `key_result`, `check_in`, `initiative`, `token`, `settings`.
    pub object_kind: String,
    pub object_id: String,
    /// The objective the object belongs to (itself for an objective), so that an objective's
    /// history includes its key results, check-ins and initiatives.
    pub objective_id: Option<String>,
    /// The key result the object belongs to (itself for a key result).
    pub key_result_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub source: Source,
    pub request_id: Option<String>,
}
