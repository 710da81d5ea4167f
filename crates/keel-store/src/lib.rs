//! Keel's storage: one `Store` API, with SQLite (the default, embedded) and PostgreSQL behind it.
//!
//! Why one API: the server, the CLI and background jobs are written once against `Store`, and a
//! single conformance suite (`tests/conformance/`) proves both backends behave the same.
//! The store persists records that the domain has already validated; it enforces only what the
//! database is best at (uniqueness, references, atomicity, optimistic versions) and records an
//! audit event in the same transaction as every write.
//!
//! # Layout
//!
//! The store is split by aggregate. Each area module declares a small trait, implements it for
//! [`SqlStore`], and implements it for `dyn Store` by forwarding, so that a caller holding a
//! [`DynStore`] calls an area only with that area's trait in scope:
//!
//! | module | trait | tables |
//! |---|---|---|
//! | `settings` | [`Settings`] | `settings` |
//! | `people` | [`People`] | `people` |
//! | `teams` | [`Teams`] | `teams`, `team_members` |
//! | `accounts` | [`Accounts`] | `people.password_hash`, `api_tokens`, `sessions`, `sign_in_throttles`, `oidc_logins` |
//! | `cycles` | [`Cycles`] | `cycles` |
//! | `okrs::objectives` | [`Objectives`] | `objectives`, `objective_teams`, `objective_parents`, `objective_contributors`, `objective_co_owners` |
//! | `okrs::key_results` | [`KeyResults`] | `key_results`, `key_result_teams`, `key_result_contributors`, `key_result_co_owners` |
//! | `okrs::initiatives` | [`Initiatives`] | `initiatives` |
//! | `okrs::alignment` | [`Alignment`] | `key_result_parents` (and the alignment tree's reads) |
//! | `okrs::dependencies` | [`Dependencies`] | `key_result_dependencies` |
//! | `data_feeds` | [`DataFeeds`] | `kpis`, `kpi_values`, `ingest_tokens` (and `key_results.kpi_id`) |
//! | `check_ins` (and `check_ins::group_commit`) | [`CheckIns`] | `check_ins` |
//! | `ownership_requests` | [`Ownership`] | `ownership_requests` |
//! | `owner_rhythm` | [`Rhythm`] | `team_cadences`, `status_overrides`, `key_result_scores`, `retrospectives` |
//! | `reviews` | [`Reviews`] | `reviews` |
//! | `cfrs` | [`Cfrs`] | `conversations`, `feedback_requests`, `feedback_answers`, `recognitions` |
//! | `audit_log` | [`AuditLog`] | `audit_events` (read; every area writes its own events) |
//! | `snapshot` | [`Snapshots`] | every table, in one transaction |
//! | `transfer` | `transfer::{backup, restore, copy}` | every table, enumerated from the database's catalogue |
//! | `first_run` | [`FirstRun`] | `settings` and `people` (setting an organisation up from the browser) |
//! | `person_data` | [`PersonData`] | a person's rows in every table (export, erasure) |
//! | `jobs` | [`Jobs`] | `jobs` (the durable queue: leases, retries, one run per period) |
//! | `jobs::notifications` | [`Notifications`] | `notifications` (written beside the audit event of the change that caused them), `key_result_signals`, `key_result_status_changes`, `objective_signals` |
//! | `automation` | [`AutomationRules`] | `automation_rules`, `automation_rule_firings` (and the round's reads of recent status changes and KPI readings) |
//! | `health_findings` | [`HealthFindings`] | `health_findings`, `health_finding_counts`, `health_count_rounds` (the evaluator's health check findings and their counts per visibility, read by pitfall with the reader's eyes) |
//! | `calibration` | [`CalibrationTallies`] | `calibration_sums`, `calibration_rounds` (a closed cycle's readings against scores, tallied per person or team, as the evaluator last counted them per reach) |
//! | `dashboard` | [`Dashboards`] | none of its own: the dashboards' aggregates over key results, check-ins and the evaluator's memory |
//! | `dashboard_figures` | [`DashboardFigures`] | `dashboard_figures`, `dashboard_rounds` (the dashboards' figures as the evaluator last counted them, per visibility) |
//! | `compliance_figures` | [`ComplianceFigures`] | `compliance_counts`, `compliance_rounds` (check-in compliance by team and week as the evaluator last counted it, per visibility) |
//! | `company_tree` | [`CompanyTree`] | none of its own: the company goal tree a level at a time (teams under a team, figures from the evaluator's memory, a page of a place's objectives) |
//! | `preferences` | [`Preferences`] | `notification_preferences` (people's and the organisation's), `signing_keys` |
//! | `account_tokens` | [`AccountTokens`] | `account_tokens` (invitation and password-reset links, hashed) |
//! | `mail_settings` | [`MailServer`] | `mail_settings` (the mail server set on the email page, its password sealed) |
//!
//! Each area module declares its tables (a `Table` with its columns), their row writers (values
//! in declared order) and their readers (by column name), so a table's column list is written
//! once, where its SQL is.
//!
//! Shared plumbing lives in `sql/`: the `SqlStore` handle and opening (`sql/mod.rs`), value
//! conversions (`values`), stored enum spellings (`stored`), the `Table` type and the list of
//! every table (`table`), loading with junction rows (`load`), writing helpers and audit events
//! (`write`), pagination (`paging`) and the visibility SQL (`visibility`). `db.rs` is the thin
//! layer over SQLite and PostgreSQL; `migrate.rs` applies `migrations/`.
//!
//! # Adding a table
//!
//! 1. Add a migration for both backends (`migrations/sqlite/`, `migrations/postgres/`).
//! 2. Declare the table once, in the area module that owns it (a `Table` with its columns), and
//!    list it in `sql/table.rs`'s `TABLES`; write its row function there (values in declared
//!    order) and its reader (by column name), and make its INSERT and SELECT lists from the
//!    declaration (`insert_rows` with its columns, `Select`, `SelectAs`, `Insert`); re-export
//!    them from `sql/mod.rs` if other areas read the table. Store enums through
//!    `sql/stored.rs`, with their spellings pinned.
//! 3. Add the methods to the trait of the area that owns the table (or a new area module with its
//!    trait, forwarded for `dyn Store` and added to `Store`), each with a doc comment; record an
//!    audit event in the same transaction as each write.
//! 4. Add conformance tests under `tests/conformance/` (they run on both backends); the
//!    declared-columns test checks the declaration against the database, and a table without a
//!    declaration fails the every-table-declared test.

mod account_tokens;
mod accounts;
mod audit_log;
mod automation;
mod calibration;
mod cfrs;
mod check_ins;
mod checkpointer;
mod company_tree;
mod compliance_figures;
mod cycles;
mod dashboard;
mod dashboard_figures;
mod data_feeds;
mod db;
pub mod external;
mod financial;
mod first_run;
mod health_findings;
mod jobs;
mod mail_settings;
mod migrate;
mod okrs;
mod owner_loads;
mod owner_rhythm;
mod ownership_requests;
mod participation;
mod participation_totals;
mod people;
mod person_data;
mod planner_hints;
mod preferences;
mod pull_sources;
mod read_group;
mod reviews;
mod search;
mod settings;
mod snapshot;
mod sql;
mod stats;
mod teams;
#[doc(hidden)]
pub mod testing;
mod token_cache;
pub mod transfer;
mod webhooks;

pub use account_tokens::{AccountToken, AccountTokens, TokenPurpose};
pub use accounts::Accounts;
pub use audit_log::AuditLog;
pub use automation::{AutomationRules, RuleFiring, RuleWebhook, StatusChange};
pub use calibration::{
    CalibrationBy, CalibrationLines, CalibrationQuery, CalibrationSums, CalibrationTallies,
};
pub use cfrs::Cfrs;
pub use check_ins::CheckIns;
pub use company_tree::{
    CompanyTree, TreeCount, TreeFigures, TreeObjectives, TreePlace, TreeScope, COUNTED_PAST,
};
pub use compliance_figures::{
    ComplianceCount, ComplianceFigures, ComplianceKind, ComplianceOrder, ComplianceRound,
    ComplianceTeams, StoredComplianceLine, WeekCount,
};
pub use cycles::Cycles;
pub use dashboard::{
    ConfidenceCount, DashboardKeyResult, DashboardScope, Dashboards, KeyResultCell, StatusCount,
    StatusMove, WEEK_MICROS,
};
pub use dashboard_figures::{
    stored_visibilities, DashboardFigures, DashboardRound, Figure, StoredFigure,
};
pub use data_feeds::DataFeeds;
pub use db::{sqlite_heap, SqliteSynchronous};
pub use financial::{Financial, FinancialQuery, FinancialTotal};
pub use first_run::FirstRun;
pub use health_findings::{
    HealthCounts, HealthFindings, HealthQuery, PitfallCount, StoredFinding, OWNER_OVERLOAD,
};
pub use jobs::{Job, JobState, Jobs, KeyResultSignal, NewJob, Notifications, ObjectiveSignal};
pub use mail_settings::{MailServer, StoredMailSettings};
pub use okrs::{
    Alignment, AlignmentFilter, AlignmentRoot, CircleNames, Dependencies, DependencyAnswer,
    Initiatives, KeyResultContext, KeyResults, Objectives,
};
pub use owner_rhythm::Rhythm;
pub use ownership_requests::Ownership;
pub use participation::{
    OwnerLoad, OwnerLoads, Participation, ParticipationGap, ParticipationQuery,
    ParticipationSummary, PersonParticipation,
};
pub use people::People;
pub use person_data::PersonData;
pub use preferences::{Preference, Preferences};
pub use pull_sources::{PullOutcome, PullSources};
pub use reviews::Reviews;
pub use search::{is_search_index_table, Search, SearchHit, SearchKind, SearchQuery};
pub use settings::Settings;
pub use snapshot::Snapshots;
pub use sql::{Backend, OpenOptions, SqlStore};
pub use stats::{CommitQueueStats, PoolStats, ReadGroupStats};
pub use teams::Teams;
pub use webhooks::{
    DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint, Webhooks, WEBHOOK_ATTEMPTS,
    WEBHOOK_DELIVERY_JOB,
};

use keel_domain::*;
use std::sync::Arc;

/// What an OKR shows of a person named on it (owner, sponsor, contributors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    pub id: PersonId,
    pub name: String,
    pub title: String,
    pub active: bool,
}

/// What the rhythm needs of one check-in (statuses, forecasts, confidence trends): when, the
/// value and the confidence, without the note and the rest of the record.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckInPoint {
    pub key_result_id: KeyResultId,
    pub at: chrono::DateTime<chrono::Utc>,
    pub value: f64,
    pub confidence: u8,
    /// Who checked in: only the owner's own check-in carries the confidence status uses.
    pub author_id: Option<PersonId>,
    /// The scale `confidence` was given on (the organisation's at the time).
    pub scale: ConfidenceScale,
}

impl From<&CheckIn> for CheckInPoint {
    /// A check-in reduced to what the rhythm needs of it.
    fn from(c: &CheckIn) -> Self {
        CheckInPoint {
            key_result_id: c.key_result_id.clone(),
            at: c.at,
            value: c.value,
            confidence: c.confidence.value(),
            author_id: c.author_id.clone(),
            scale: c.scale,
        }
    }
}

impl CheckInPoint {
    /// `self` added to `history` (oldest first, by time, then by id) where a check-in recorded
    /// after every one of them goes: after those at the same time, whose ids are older.
    pub fn insert_into(self, history: &mut Vec<CheckInPoint>) {
        let at = history.partition_point(|p| p.at <= self.at);
        history.insert(at, self);
    }
}

/// Who is writing, from where: recorded on the audit event of every write.
#[derive(Debug, Clone, Default)]
pub struct WriteCtx {
    pub actor_id: Option<PersonId>,
    pub source: Source,
    pub request_id: Option<String>,
}

impl WriteCtx {
    pub fn system(source: Source) -> Self {
        Self {
            actor_id: None,
            source,
            request_id: None,
        }
    }
}

/// A page request: at most `limit` items after the opaque `cursor`.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: u32,
    pub cursor: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: 50,
            cursor: None,
        }
    }
}

/// Reads a whole list, page after page of the largest size, for callers that show all of it:
/// `every_page(|page| async move { store.list_recognitions(okr_id, &page).await })`.
pub async fn every_page<T, F, Fut>(mut read: F) -> StoreResult<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = StoreResult<Page<T>>>,
{
    let mut all = Vec::new();
    let mut page = PageRequest {
        limit: 500,
        cursor: None,
    };
    loop {
        let got = read(page.clone()).await?;
        all.extend(got.items);
        match got.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return Ok(all),
        }
    }
}

/// One page of results; `next_cursor` is `None` on the last page.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct PeopleFilter {
    /// Case-insensitive substring of name or email.
    pub query: Option<String>,
    pub manager_id: Option<PersonId>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default)]
pub struct TeamFilter {
    pub parent_id: Option<TeamId>,
    pub member_id: Option<PersonId>,
    /// Only teams whose name contains these words (case-insensitive), for a picker's search.
    pub name_contains: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CycleFilter {
    pub state: Option<CycleState>,
}

/// Which team-visible objectives a reader sees, besides public ones and those they take part in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TeamScope {
    /// None: public objectives and their own circle's only (people who only hold `viewer`).
    None,
    /// The teams they are a member of, and every team at or below a team they lead.
    #[default]
    Reach,
    /// Every team-visible objective in the organisation (champions, analysts, finance).
    All,
}

/// Who is reading, for the store's visibility filter (see [`Reader`]).
///
/// An objective is visible to an audience when it is `public`; or `team`-visible and shared
/// (through its own `team_ids` or one of its key results') with a team in the audience's
/// [`TeamScope`]; or the person is its owner, co-owner, sponsor or contributor, or the owner,
/// co-owner, sponsor or contributor of one of its key results (whatever its visibility), or
/// is handing it (or one of its key results) over to a new owner who has not answered yet. A key
/// result, check-in, initiative, ownership request or audit event is visible exactly when its
/// objective is. keel-server's `services/visibility.rs` builds it once per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    pub person_id: PersonId,
    pub teams: TeamScope,
}

/// Whose eyes a list query reads with. Every list filter that can reveal objectives
/// (`ObjectiveFilter`, `OwnershipRequestFilter`, `AuditFilter`) requires one, with no default:
/// each caller says explicitly whether it filters by an audience or reads everything, so a
/// caller that forgets cannot compile (a forgotten audience once showed everything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reader {
    /// No visibility filter: administrators, the CLI, background jobs, and callers that filter
    /// what they read afterwards.
    Everyone,
    /// Only what this audience may see.
    Audience(Audience),
}

impl Reader {
    /// `Everyone` for `None` (a reader who sees everything), else that audience.
    pub fn of(audience: Option<Audience>) -> Reader {
        audience.map_or(Reader::Everyone, Reader::Audience)
    }
}

#[derive(Debug, Clone)]
pub struct ObjectiveFilter {
    /// Only objectives this reader may see.
    pub reader: Reader,
    pub cycle_id: Option<CycleId>,
    /// Objectives shared with this team.
    pub team_id: Option<TeamId>,
    pub owner_id: Option<PersonId>,
    /// Committed or aspirational.
    pub kind: Option<ObjectiveKind>,
    /// Draft, active or closed.
    pub state: Option<ObjectiveState>,
    /// The order of the list (and of its cursors).
    pub order: ObjectiveOrder,
}

/// How a list of objectives is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ObjectiveOrder {
    /// By id: creation order (ids are UUIDv7).
    #[default]
    Id,
    /// By title, then id.
    Title,
    /// By the owner's name, then id.
    Owner,
    /// By the status the periodic evaluator last stored (`objective_signals.status_rank`: the
    /// worst first), then id; objectives it has not seen yet last.
    Status,
    /// By the progress the periodic evaluator last stored, the least first, then id; objectives
    /// it has not seen yet last.
    Progress,
}

impl ObjectiveOrder {
    /// Whether the sort key is a number (its cursor carries an integer).
    pub fn numeric(self) -> bool {
        matches!(self, ObjectiveOrder::Status | ObjectiveOrder::Progress)
    }
}

impl ObjectiveFilter {
    /// Everything this reader may see, with no other condition; set the other fields with
    /// struct update syntax (`ObjectiveFilter { …, ..ObjectiveFilter::new(reader) }`).
    pub fn new(reader: Reader) -> Self {
        Self {
            reader,
            cycle_id: None,
            team_id: None,
            owner_id: None,
            kind: None,
            state: None,
            order: ObjectiveOrder::Id,
        }
    }
}

#[derive(Debug, Clone)]
pub struct OwnershipRequestFilter {
    /// Only requests on objectives (and their key results) this reader may see.
    pub reader: Reader,
    pub state: Option<RequestState>,
    /// Requests this person is proposed for.
    pub proposed_owner_id: Option<PersonId>,
    /// Requests this person proposed or is proposed for.
    pub involving: Option<PersonId>,
    /// Requests handing over from this person (they owned the OKR when it was proposed).
    pub previous_owner_id: Option<PersonId>,
    /// Requests on this objective or key result.
    pub okr_id: Option<String>,
    /// Requests on the objectives of this cycle (and their key results).
    pub cycle_id: Option<CycleId>,
}

impl OwnershipRequestFilter {
    /// Everything this reader may see, with no other condition; set the other fields with
    /// struct update syntax (`OwnershipRequestFilter { …, ..OwnershipRequestFilter::new(reader) }`).
    pub fn new(reader: Reader) -> Self {
        Self {
            reader,
            state: None,
            proposed_owner_id: None,
            involving: None,
            previous_owner_id: None,
            okr_id: None,
            cycle_id: None,
        }
    }
}

/// The OKRs a person is involved in, whatever the role (owner, co-owner, sponsor, contributor).
#[derive(Debug, Clone, Default)]
pub struct Involvement {
    pub objectives: Vec<Objective>,
    pub key_results: Vec<KeyResult>,
}

#[derive(Debug, Clone)]
pub struct AuditFilter {
    /// Only events that reveal nothing this reader may not see: events on objectives it may
    /// not see (and on their key results, check-ins and initiatives) are left out.
    pub reader: Reader,
    /// Events on this object, and on its children (an objective's key results, check-ins and
    /// initiatives; a key result's check-ins and initiatives).
    pub object_id: Option<String>,
    pub actor_id: Option<PersonId>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

impl AuditFilter {
    /// Everything this reader may see, with no other condition; set the other fields with
    /// struct update syntax (`AuditFilter { …, ..AuditFilter::new(reader) }`).
    pub fn new(reader: Reader) -> Self {
        Self {
            reader,
            object_id: None,
            actor_id: None,
            from: None,
            to: None,
        }
    }
}

/// What carrying an objective over into the next cycle writes besides its retrospective: the
/// draft objective, its key results, and the ownership request of each (owners accept again).
#[derive(Debug, Clone)]
pub struct CarryOver {
    pub objective: Objective,
    pub request: Option<OwnershipRequest>,
    pub key_results: Vec<(KeyResult, Option<OwnershipRequest>)>,
}

/// A whole organisation loaded in one transaction (demo data, imports).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub settings: Option<OrgSettings>,
    pub people: Vec<Person>,
    pub teams: Vec<Team>,
    pub cycles: Vec<Cycle>,
    pub objectives: Vec<Objective>,
    pub key_results: Vec<KeyResult>,
    pub check_ins: Vec<CheckIn>,
    pub initiatives: Vec<Initiative>,
    pub ownership_requests: Vec<OwnershipRequest>,
    /// End-of-cycle scores of key results (of a closed cycle, typically).
    pub scores: Vec<rhythm::KeyResultScore>,
    /// Retrospectives; one that carries over names its draft among `objectives`.
    pub retrospectives: Vec<rhythm::Retrospective>,
    /// Team reviews, with their agenda items (owners' notes and decisions).
    pub reviews: Vec<review::Review>,
    /// 1:1 conversations.
    pub conversations: Vec<cfr::Conversation>,
    /// Feedback requests, each with its addressees' answers (answered or not).
    pub feedback_requests: Vec<cfr::FeedbackRequest>,
    /// Recognitions.
    pub recognitions: Vec<cfr::Recognition>,
    /// What key results contribute to (their alignment parents, in order), by key result.
    pub key_result_parents: Vec<(KeyResultId, Vec<ParentRef>)>,
    /// Dependencies between key results (asked, accepted or declined).
    pub dependencies: Vec<keel_domain::dependency::Dependency>,
    /// KPIs and their readings.
    pub kpis: Vec<keel_domain::kpi::Kpi>,
    pub kpi_values: Vec<keel_domain::kpi::KpiValue>,
    /// The KPI feeding a key result (`key_results.kpi_id`), by key result.
    pub key_result_kpis: Vec<(KeyResultId, keel_domain::ids::KpiId)>,
}

/// A browser session as stored: the SHA-256 hex of the cookie's secret (never the secret itself),
/// its person, the per-session CSRF token, how the person signed in, and its expiry times.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id_hash: String,
    pub person_id: PersonId,
    pub csrf_token: String,
    /// `password` or `oidc`.
    pub method: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Moved forward as the session is used; the idle expiry counts from here.
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    /// The absolute expiry: the session ends then, however active.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Failed sign-ins under one key (a normalised email address, known or not).
#[derive(Debug, Clone, PartialEq)]
pub struct SignInThrottle {
    pub key: String,
    pub failures: i64,
    pub first_failure_at: chrono::DateTime<chrono::Utc>,
    pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// An OpenID Connect sign-in between the redirect to the provider and its callback, found by the
/// SHA-256 hex of its `state`.
#[derive(Debug, Clone, PartialEq)]
pub struct OidcLogin {
    pub state_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// A local path to land on after signing in.
    pub return_to: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or reference conflict, named by the API field it concerns.
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// The record changed since it was read (optimistic concurrency).
    #[error("the record was changed by someone else; reload and try again")]
    StaleVersion,
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("invalid database URL: {0}")]
    BadUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The pagination cursor is not one this store handed out.
    #[error("cursor: not a cursor from a previous page")]
    BadCursor,
    #[error("corrupt stored value in {column}: {message}")]
    Corrupt { column: String, message: String },
    /// A write committed in a group with others (check-ins) failed with its whole group; the
    /// group's error, shared by every write of the group. None of them was recorded.
    #[error("{0}")]
    Group(std::sync::Arc<StoreError>),
    /// The group a write was queued in was abandoned before it answered (the store shut down
    /// mid-commit). Whether it was recorded is unknown: read it back.
    #[error("the write was interrupted before the database answered; it may not be recorded")]
    Interrupted,
    /// The database cannot be used now (its file is gone): a readiness check's answer.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything Keel keeps, as one handle: every area of the store. Reads return `Ok(None)` for
/// unknown ids; soft-deleted objectives and key results are invisible to every read. Updates
/// take the record as it was read (`before`) and as it should be (`after`): they fail with
/// `StaleVersion` if `before.version` is no longer current, and return the stored record with its
/// new version and `updated_at`.
///
/// Callers hold a [`DynStore`] and call an area with its trait in scope
/// (`use keel_store::{People, Objectives}`): each area trait is implemented for `dyn Store`
/// by forwarding to the area, so a module sees only the areas it imports. (Were the areas
/// supertraits of `Store`, every method would be callable on `dyn Store` without any import.)
pub trait Store: Send + Sync + 'static {
    /// This store as its Backend area.
    fn as_backend(&self) -> &dyn Backend;
    /// This store as its Settings area.
    fn as_settings(&self) -> &dyn Settings;
    /// This store as its People area.
    fn as_people(&self) -> &dyn People;
    /// This store as its Teams area.
    fn as_teams(&self) -> &dyn Teams;
    /// This store as its Accounts area.
    fn as_accounts(&self) -> &dyn Accounts;
    /// This store as its Cycles area.
    fn as_cycles(&self) -> &dyn Cycles;
    /// This store as its Objectives area.
    fn as_objectives(&self) -> &dyn Objectives;
    /// This store as its KeyResults area.
    fn as_key_results(&self) -> &dyn KeyResults;
    /// This store as its Initiatives area.
    fn as_initiatives(&self) -> &dyn Initiatives;
    /// This store as its CheckIns area.
    fn as_check_ins(&self) -> &dyn CheckIns;
    /// This store as its Ownership area.
    fn as_ownership(&self) -> &dyn Ownership;
    /// This store as its Rhythm area.
    fn as_rhythm(&self) -> &dyn Rhythm;
    /// This store as its Reviews area.
    fn as_reviews(&self) -> &dyn Reviews;
    /// This store as its Cfrs area.
    fn as_cfrs(&self) -> &dyn Cfrs;
    /// This store as its AuditLog area.
    fn as_audit_log(&self) -> &dyn AuditLog;
    /// This store as its Snapshots area.
    fn as_snapshots(&self) -> &dyn Snapshots;
    /// This store as its FirstRun area.
    fn as_first_run(&self) -> &dyn FirstRun;
    /// This store as its PersonData area.
    fn as_person_data(&self) -> &dyn PersonData;
    /// This store as its Jobs area.
    fn as_jobs(&self) -> &dyn Jobs;
    /// This store as its Notifications area.
    fn as_notifications(&self) -> &dyn Notifications;
    /// This store as its Preferences area.
    fn as_preferences(&self) -> &dyn Preferences;
    /// This store as its Search area.
    fn as_search(&self) -> &dyn Search;
    /// This store as its AccountTokens area.
    fn as_account_tokens(&self) -> &dyn AccountTokens;
    /// This store as its MailServer area.
    fn as_mail_server(&self) -> &dyn MailServer;
    /// This store as its Alignment area.
    fn as_alignment(&self) -> &dyn Alignment;
    /// This store as its Dependencies area.
    fn as_dependencies(&self) -> &dyn Dependencies;
    /// This store as its Participation area.
    fn as_participation(&self) -> &dyn Participation;
    /// This store as its calibration tallies.
    fn as_calibration_tallies(&self) -> &dyn CalibrationTallies;
    /// This store as its stored health findings.
    fn as_health_findings(&self) -> &dyn HealthFindings;
    /// This store as its Financial area.
    fn as_financial(&self) -> &dyn Financial;
    /// This store as its DataFeeds area.
    fn as_data_feeds(&self) -> &dyn DataFeeds;
    /// This store as its Webhooks area.
    fn as_webhooks(&self) -> &dyn Webhooks;
    /// This store as its Dashboards area.
    fn as_dashboards(&self) -> &dyn Dashboards;
    /// This store as its CompanyTree area.
    fn as_company_tree(&self) -> &dyn CompanyTree;
    /// This store as the dashboards' stored figures.
    fn as_dashboard_figures(&self) -> &dyn DashboardFigures;
    /// This store as its stored check-in compliance.
    fn as_compliance_figures(&self) -> &dyn ComplianceFigures;
    /// This store as its PullSources area.
    fn as_pull_sources(&self) -> &dyn PullSources;
    /// This store as its AutomationRules area.
    fn as_automation(&self) -> &dyn AutomationRules;
}

impl<T> Store for T
where
    T: Backend
        + Settings
        + People
        + Teams
        + Accounts
        + Cycles
        + Objectives
        + KeyResults
        + Initiatives
        + CheckIns
        + Ownership
        + Rhythm
        + Reviews
        + Cfrs
        + AuditLog
        + Snapshots
        + FirstRun
        + PersonData
        + Jobs
        + Notifications
        + Preferences
        + Search
        + AccountTokens
        + MailServer
        + Alignment
        + Dependencies
        + Participation
        + CalibrationTallies
        + HealthFindings
        + Financial
        + DataFeeds
        + Webhooks
        + AutomationRules
        + Dashboards
        + CompanyTree
        + DashboardFigures
        + ComplianceFigures
        + PullSources
        + Send
        + Sync
        + 'static,
{
    fn as_backend(&self) -> &dyn Backend {
        self
    }
    fn as_settings(&self) -> &dyn Settings {
        self
    }
    fn as_people(&self) -> &dyn People {
        self
    }
    fn as_teams(&self) -> &dyn Teams {
        self
    }
    fn as_accounts(&self) -> &dyn Accounts {
        self
    }
    fn as_cycles(&self) -> &dyn Cycles {
        self
    }
    fn as_objectives(&self) -> &dyn Objectives {
        self
    }
    fn as_key_results(&self) -> &dyn KeyResults {
        self
    }
    fn as_initiatives(&self) -> &dyn Initiatives {
        self
    }
    fn as_check_ins(&self) -> &dyn CheckIns {
        self
    }
    fn as_ownership(&self) -> &dyn Ownership {
        self
    }
    fn as_rhythm(&self) -> &dyn Rhythm {
        self
    }
    fn as_reviews(&self) -> &dyn Reviews {
        self
    }
    fn as_cfrs(&self) -> &dyn Cfrs {
        self
    }
    fn as_audit_log(&self) -> &dyn AuditLog {
        self
    }
    fn as_snapshots(&self) -> &dyn Snapshots {
        self
    }
    fn as_first_run(&self) -> &dyn FirstRun {
        self
    }
    fn as_person_data(&self) -> &dyn PersonData {
        self
    }
    fn as_jobs(&self) -> &dyn Jobs {
        self
    }
    fn as_notifications(&self) -> &dyn Notifications {
        self
    }
    fn as_preferences(&self) -> &dyn Preferences {
        self
    }
    fn as_search(&self) -> &dyn Search {
        self
    }
    fn as_account_tokens(&self) -> &dyn AccountTokens {
        self
    }
    fn as_mail_server(&self) -> &dyn MailServer {
        self
    }
    fn as_alignment(&self) -> &dyn Alignment {
        self
    }
    fn as_dependencies(&self) -> &dyn Dependencies {
        self
    }
    fn as_participation(&self) -> &dyn Participation {
        self
    }
    fn as_calibration_tallies(&self) -> &dyn CalibrationTallies {
        self
    }
    fn as_health_findings(&self) -> &dyn HealthFindings {
        self
    }
    fn as_financial(&self) -> &dyn Financial {
        self
    }
    fn as_data_feeds(&self) -> &dyn DataFeeds {
        self
    }
    fn as_webhooks(&self) -> &dyn Webhooks {
        self
    }
    fn as_dashboards(&self) -> &dyn Dashboards {
        self
    }
    fn as_company_tree(&self) -> &dyn CompanyTree {
        self
    }
    fn as_dashboard_figures(&self) -> &dyn DashboardFigures {
        self
    }
    fn as_compliance_figures(&self) -> &dyn ComplianceFigures {
        self
    }
    fn as_pull_sources(&self) -> &dyn PullSources {
        self
    }
    fn as_automation(&self) -> &dyn AutomationRules {
        self
    }
}

/// Every table the store declares, with all its columns (inserted or set later), for the
/// conformance test that checks the declarations against the database by name.
#[doc(hidden)]
pub fn declared_tables() -> Vec<(&'static str, Vec<&'static str>)> {
    sql::table::TABLES
        .iter()
        .map(|t| (t.name, t.columns.iter().chain(t.later).copied().collect()))
        .collect()
}

/// The version of every migration this binary knows, in order, for the upgrade test that checks
/// each ran exactly once.
#[doc(hidden)]
pub fn migration_versions() -> Vec<i64> {
    migrate::versions()
}

/// A shared handle to whichever backend is configured.
pub type DynStore = Arc<dyn Store>;

/// Opens the store named by `url` (`sqlite://path`, `sqlite::memory:`, `postgres://…`) and runs
/// pending migrations.
pub async fn open(url: &str) -> StoreResult<DynStore> {
    Ok(Arc::new(SqlStore::open(url).await?))
}

/// Opens the store named by `url` with `options` (e.g. SQLite's synchronous mode) and runs
/// pending migrations.
pub async fn open_with(url: &str, options: OpenOptions) -> StoreResult<DynStore> {
    Ok(Arc::new(SqlStore::open_with(url, options).await?))
}
