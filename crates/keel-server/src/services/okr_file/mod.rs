//! "OKRs as code": an organisation's OKR data as one JSON or YAML document, exported and
//! imported in the OKR vocabulary (people by email, teams by name, cycles by name, OKRs by their
//! stable ids), not table by table.
//!
//! Why beside `keel backup`: a backup copies an operator's database whole (sessions, jobs,
//! hashes); this file is what an organisation reads, diffs, edits and takes elsewhere. Export
//! streams page by page (`export`), so an organisation of 100,000 people is never held in memory;
//! import (`import`) reads the whole document, resolves every reference before writing, and
//! writes it in one transaction (`keel_store::Snapshot`), so a bad record writes nothing.
//! The format is documented in docs/export-format.md; `version` changes when a reader of the
//! old version would misread the new one.

pub mod csv;
pub mod export;
pub mod import;
pub mod lists;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use keel_domain::dependency::{Dependency, DependencyState};
use keel_domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The `format` field of every document.
pub const FORMAT: &str = "keel-okrs";
/// The `version` this Keel writes and reads.
pub const VERSION: u32 = 1;

/// JSON or YAML: the same document either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Syntax {
    #[default]
    Json,
    Yaml,
}

impl Syntax {
    /// `json` or `yaml` (also `yml`), naming `field` when neither.
    pub fn parse(field: &str, s: &str) -> FieldResult<Syntax> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Syntax::Json),
            "yaml" | "yml" => Ok(Syntax::Yaml),
            _ => Err(FieldError::new(field, "must be json or yaml")),
        }
    }

    /// The MIME type of a document in this syntax.
    pub fn content_type(self) -> &'static str {
        match self {
            Syntax::Json => "application/json",
            Syntax::Yaml => "application/yaml",
        }
    }

    /// YAML for a file whose name ends in .yaml or .yml, else JSON.
    pub fn of_path(path: &std::path::Path) -> Syntax {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml") => {
                Syntax::Yaml
            }
            _ => Syntax::Json,
        }
    }
}

/// Every table of the store, each either carried by the document or left out for a reason. A
/// test compares this with the database's catalogue: a new table fails it until it is listed
/// here. Add a table by appending one line to one of the two lists.
pub const EXPORTED_TABLES: &[&str] = &[
    "settings",
    "people",
    "teams",
    "team_members",
    "cycles",
    "objectives",
    "objective_teams",
    "objective_contributors",
    "objective_co_owners",
    "objective_parents",
    "key_results",
    "key_result_teams",
    "key_result_contributors",
    "key_result_co_owners",
    "key_result_parents",
    "key_result_dependencies",
    "check_ins",
    "initiatives",
    "key_result_scores",
    "retrospectives",
    "kpis",
    "kpi_values",
];

/// The tables the document leaves out, with why (`keel backup` copies them all).
pub const EXPORT_EXCLUDED: &[(&str, &str)] = &[
    ("schema_migrations", "the database's own bookkeeping"),
    ("sessions", "secrets; sign-ins are not data"),
    ("api_tokens", "secrets; each person makes their own"),
    ("account_tokens", "secrets (invitations, password resets)"),
    ("sign_in_throttles", "security state, not data"),
    ("oidc_logins", "sign-ins in flight"),
    ("signing_keys", "secrets"),
    (
        "mail_settings",
        "the operator's mail server and its sealed password",
    ),
    ("jobs", "the server's work queue"),
    (
        "notifications",
        "messages already sent or due; recomputed from the OKRs",
    ),
    (
        "key_result_signals",
        "derived from check-ins by the evaluator",
    ),
    (
        "objective_signals",
        "derived from check-ins by the evaluator (the list's status and progress order)",
    ),
    (
        "health_findings",
        "derived from the OKRs by the evaluator (the health page's findings)",
    ),
    (
        "dashboard_figures",
        "derived from the OKRs by the evaluator (the dashboards' figures)",
    ),
    ("dashboard_rounds", "the evaluator's bookkeeping of the dashboards' figures"),
    (
        "participation_counts",
        "derived from the OKRs by the evaluator (the participation report's counts)",
    ),
    (
        "participation_totals",
        "derived from the OKRs by the evaluator (the participation report's totals)",
    ),
    (
        "company_figure_counts",
        "derived from the OKRs by the evaluator (the company tree's first figures)",
    ),
    (
        "compliance_counts",
        "derived from the OKRs by the evaluator (the compliance report's counts)",
    ),
    (
        "compliance_rounds",
        "the evaluator's bookkeeping of the compliance counts",
    ),
    (
        "calibration_sums",
        "derived from the OKRs by the evaluator (the calibration report's sums)",
    ),
    (
        "calibration_rounds",
        "the evaluator's bookkeeping of the calibration sums",
    ),
    (
        "health_finding_counts",
        "derived from the OKRs by the evaluator (the health page's counts)",
    ),
    (
        "health_count_rounds",
        "the evaluator's bookkeeping of the health page's counts",
    ),
    (
        "figure_rounds",
        "the evaluator's bookkeeping (when the stored figures were counted)",
    ),
    (
        "notification_preferences",
        "each person's own settings, not the organisation's data",
    ),
    ("digest_days", "the digest's bookkeeping"),
    (
        "audit_events",
        "the history of changes; kept by backups, not moved with the OKRs",
    ),
    (
        "ownership_requests",
        "the history of proposals; an owner who has not accepted gets a fresh proposal on import",
    ),
    (
        "team_cadences",
        "a team's check-in rhythm setting, not OKR data",
    ),
    (
        "status_overrides",
        "an owner's temporary word on a status, tied to its week",
    ),
    (
        "reviews",
        "team meeting notes (CFRs): private conversations stay out of the file",
    ),
    (
        "conversations",
        "1:1 conversations (CFRs): private, not organisation data",
    ),
    (
        "feedback_requests",
        "feedback between people (CFRs): private",
    ),
    (
        "feedback_answers",
        "feedback between people (CFRs): private",
    ),
    (
        "recognitions",
        "recognition between people (CFRs): personal, not OKR data",
    ),
    (
        "ingest_tokens",
        "secrets; an owner makes new ones for the systems that push values",
    ),
    (
        "webhook_endpoints",
        "sealed secrets, readable only with this server's key: re-register them after an import",
    ),
    (
        "webhook_deliveries",
        "the delivery log of events already sent",
    ),
    (
        "webhook_attempts",
        "the delivery log of events already sent",
    ),
    (
        "automation_rules",
        "an administrator's settings naming webhook endpoints, which are re-registered after an import: recreate the rules then",
    ),
    (
        "automation_rule_firings",
        "the rules' memory of what they already fired for",
    ),
    (
        "key_result_status_changes",
        "the evaluator's memory of statuses already announced; recomputed from the check-ins",
    ),
    (
        "pull_sources",
        "their header values are sealed with this server's key (unreadable elsewhere): an owner \
         sets a source again after an import; the values it pulled are in the check-ins",
    ),
    (
        "pull_runs",
        "the run log of a source's fetches already made",
    ),
    (
        "source_databases",
        "connection URLs with passwords, sealed with this server's key: an administrator \
         registers them again",
    ),
];

/// Why the search index's tables (`keel_store::is_search_index_table`: their number and names
/// differ between backends) are left out.
pub const SEARCH_INDEX_EXCLUDED: &str =
    "derived from the OKRs and people by the store; loading the rows rebuilds it";

/// Why the document leaves `table` out, or `None` when it carries it (or does not know it).
pub fn exclusion(table: &str) -> Option<&'static str> {
    if keel_store::is_search_index_table(table) {
        return Some(SEARCH_INDEX_EXCLUDED);
    }
    EXPORT_EXCLUDED
        .iter()
        .find(|(name, _)| *name == table)
        .map(|(_, why)| *why)
}

/// The document: what `keel export` writes and `keel import` reads.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OkrFile {
    /// Always `keel-okrs`.
    pub format: String,
    /// The format's version: 1.
    pub version: u32,
    /// The cycle exported, when the export was of one cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<String>,
    /// The organisation's settings (name, confidence scale, ownership policy …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<OrgSettings>,
    #[serde(default)]
    pub people: Vec<PersonRecord>,
    #[serde(default)]
    pub teams: Vec<TeamRecord>,
    #[serde(default)]
    pub cycles: Vec<CycleRecord>,
    /// KPIs with their readings (all of them, in a one-cycle export too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kpis: Vec<KpiRecord>,
    #[serde(default)]
    pub objectives: Vec<ObjectiveRecord>,
}

/// A KPI, known by id, with every reading.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KpiRecord {
    /// The KPI's stable id (key results name it in `kpi`); generated when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The owner's email.
    pub owner: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// Stay at or above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corridor_min: Option<f64>,
    /// Stay at or below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corridor_max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// Its history, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readings: Vec<KpiReadingRecord>,
}

/// One reading of a KPI: recorded by a person (`author`) or pushed by a `source`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KpiReadingRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub at: DateTime<Utc>,
    pub value: f64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The author's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<data_feed::DataSource>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_inherit(r: &ProgressRollup) -> bool {
    *r == ProgressRollup::Inherit
}

/// A person, known by email.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRecord {
    /// Kept on a restore so the next export is the same; optional in a written file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub email: String,
    pub name: String,
    #[serde(default)]
    pub title: String,
    /// The manager's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub active: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// A team, known by name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    /// The parent team's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The lead's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    /// Members' emails.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
}

/// A cycle, known by name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CycleRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The enclosing cycle's name (a quarter's year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default)]
    pub state: CycleState,
}

/// What an objective or key result contributes to, by id: `{objective: ID}` or
/// `{key_result: ID}`, a one-entry map in JSON and in YAML alike. (The YAML library's own way
/// with enums is a tag, `!objective ID`, which other YAML readers refuse: a file of OKRs as code
/// must read anywhere.)
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
#[schema(as = ParentRecord)]
pub enum ParentRecord {
    #[schema(rename = "objective")]
    Objective(String),
    #[schema(rename = "key_result")]
    KeyResult(String),
}

impl Serialize for ParentRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        match self {
            ParentRecord::Objective(id) => map.serialize_entry("objective", id)?,
            ParentRecord::KeyResult(id) => map.serialize_entry("key_result", id)?,
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ParentRecord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct OneOf {
            objective: Option<String>,
            key_result: Option<String>,
        }
        match OneOf::deserialize(d)? {
            OneOf {
                objective: Some(id),
                key_result: None,
            } => Ok(ParentRecord::Objective(id)),
            OneOf {
                objective: None,
                key_result: Some(id),
            } => Ok(ParentRecord::KeyResult(id)),
            _ => Err(serde::de::Error::custom(
                "name exactly one of `objective` or `key_result`",
            )),
        }
    }
}

/// An objective with its key results.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveRecord {
    /// The objective's stable id; generated when a written file leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The cycle's name.
    pub cycle: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The owner's email.
    pub owner: String,
    /// Whether the owner accepted: kept by a restore; an import into an existing organisation
    /// proposes every owner afresh (pending).
    #[serde(default)]
    pub ownership: OwnershipState,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_owners: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sponsor: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contributors: Vec<String>,
    /// Team names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aligned_to: Vec<ParentRecord>,
    #[serde(default)]
    pub kind: ObjectiveKind,
    #[serde(default)]
    pub state: ObjectiveState,
    #[serde(default)]
    pub visibility: Visibility,
    /// Whether its progress includes what is aligned to it: `inherit` (the organisation's
    /// setting), `on` or `off`.
    #[serde(default, skip_serializing_if = "is_inherit")]
    pub progress_rollup: ProgressRollup,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retrospective: Option<RetrospectiveRecord>,
    #[serde(default)]
    pub key_results: Vec<KeyResultRecord>,
}

/// A key result with its check-ins, initiatives, dependencies and score.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyResultRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub owner: String,
    #[serde(default)]
    pub ownership: OwnershipState,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_owners: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sponsor: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contributors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<String>,
    pub metric: MetricKind,
    pub start: f64,
    pub target: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<f64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    #[serde(default = "one")]
    pub weight: f64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<Milestone>,
    /// The id of the KPI whose readings feed it, if one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpi: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub financial: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_check_in_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aligned_to: Vec<ParentRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<DependencyRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub check_ins: Vec<CheckInRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub initiatives: Vec<InitiativeRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<ScoreRecord>,
}

fn one() -> f64 {
    1.0
}

/// This key result waits on another (by id).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DependencyRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The id of the key result waited on.
    pub key_result: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    pub state: DependencyState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
}

/// A check-in that stands (corrected and withdrawn ones stay in the history, not the file).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub at: DateTime<Utc>,
    pub value: f64,
    pub confidence: u8,
    /// The scale the confidence was given on.
    #[serde(default)]
    pub scale: ConfidenceScale,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The author's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The source that recorded it (an ingest token, a KPI), when no person did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<data_feed::DataSource>,
}

/// An initiative under a key result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitiativeRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub title: String,
    pub owner: String,
    #[serde(default)]
    pub state: InitiativeState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_at_activation: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
}

/// A key result's end-of-cycle score.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreRecord {
    pub score: f64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    pub suggested_score: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scored_by: Option<String>,
    pub scored_at: DateTime<Utc>,
}

/// An objective's retrospective.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrospectiveRecord {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub worked: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub did_not: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub carry_over: bool,
    /// The id of the draft objective it carried over to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_over_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    pub updated_at: DateTime<Utc>,
}
