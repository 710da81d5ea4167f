//! Keel's storage: one `Store` API, with SQLite (the default, embedded) and PostgreSQL behind it.
//!
//! Why one trait: the server, the CLI and background jobs are written once against `Store`, and a
//! single conformance suite (`tests/conformance.rs`) proves both backends behave the same.
//! The store persists records that the domain has already validated; it enforces only what the
//! database is best at (uniqueness, references, atomicity, optimistic versions) and records an
//! audit event in the same transaction as every write.

mod db;
mod migrate;
mod sql;

pub use sql::SqlStore;

use async_trait::async_trait;
use keel_domain::*;
use std::sync::Arc;

/// Who is writing, from where: recorded on the audit event of every write.
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
}

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

/// Who is reading, for the store's visibility filter; `None` in a filter means "no filter"
/// (administrators, the CLI, jobs).
///
/// An objective is visible to an audience when it is `public`; or `team`-visible and shared
/// (through its own `team_ids` or one of its key results') with a team in the audience's
/// [`TeamScope`]; or the person is its owner, co-owner, sponsor or contributor, or the owner,
/// co-owner, sponsor or contributor of one of its key results (whatever its visibility). A key
/// result, check-in, initiative, ownership request or audit event is visible exactly when its
/// objective is. keel-server's `services/visibility.rs` builds it once per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    pub person_id: PersonId,
    pub teams: TeamScope,
}

#[derive(Debug, Clone, Default)]
pub struct ObjectiveFilter {
    /// Only objectives this audience may see (`None`: all).
    pub audience: Option<Audience>,
    pub cycle_id: Option<CycleId>,
    /// Objectives shared with this team.
    pub team_id: Option<TeamId>,
    pub owner_id: Option<PersonId>,
}

#[derive(Debug, Clone, Default)]
pub struct OwnershipRequestFilter {
    /// Only requests on objectives (and their key results) this audience may see.
    pub audience: Option<Audience>,
    pub state: Option<RequestState>,
    /// Requests this person is proposed for.
    pub proposed_owner_id: Option<PersonId>,
    /// Requests this person proposed or is proposed for.
    pub involving: Option<PersonId>,
    /// Requests on this objective or key result.
    pub okr_id: Option<String>,
}

/// The OKRs a person is involved in, whatever the role (owner, co-owner, sponsor, contributor).
#[derive(Debug, Clone, Default)]
pub struct Involvement {
    pub objectives: Vec<Objective>,
    pub key_results: Vec<KeyResult>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events that reveal nothing this audience may not see: events on objectives it may
    /// not see (and on their key results, check-ins and initiatives) are left out.
    pub audience: Option<Audience>,
    /// Events on this object, and on its children (an objective's key results, check-ins and
    /// initiatives; a key result's check-ins and initiatives).
    pub object_id: Option<String>,
    pub actor_id: Option<PersonId>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub to: Option<chrono::DateTime<chrono::Utc>>,
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
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything Keel keeps. Reads return `Ok(None)` for unknown ids; soft-deleted objectives and
/// key results are invisible to every read. Updates take the record as it was read (`before`)
/// and as it should be (`after`): they fail with `StaleVersion` if `before.version` is no longer
/// current, and return the stored record with its new version and `updated_at`.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;

    // ---- organisation ----
    /// The settings, or the defaults when none were saved.
    async fn settings(&self) -> StoreResult<OrgSettings>;
    async fn save_settings(&self, ctx: &WriteCtx, settings: &OrgSettings) -> StoreResult<()>;
    /// True when no person exists yet (a fresh database).
    async fn is_empty(&self) -> StoreResult<bool>;

    // ---- people ----
    /// Conflict on `email` when the address (case-insensitively) is taken.
    async fn insert_person(&self, ctx: &WriteCtx, person: &Person) -> StoreResult<()>;
    async fn person(&self, id: &PersonId) -> StoreResult<Option<Person>>;
    async fn person_by_email(&self, email: &str) -> StoreResult<Option<Person>>;
    /// The people among `ids` that exist, in no particular order.
    async fn people_by_ids(&self, ids: &[PersonId]) -> StoreResult<Vec<Person>>;
    /// Names, titles and states of the people among `ids` that exist, in no particular order,
    /// in one query: what an OKR shows of the people named on it.
    async fn person_names(&self, ids: &[PersonId]) -> StoreResult<Vec<PersonName>>;
    async fn list_people(
        &self,
        filter: &PeopleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Person>>;
    async fn update_person(
        &self,
        ctx: &WriteCtx,
        before: &Person,
        after: &Person,
    ) -> StoreResult<Person>;
    /// Argon2id PHC string, for password sign-in.
    async fn set_password_hash(&self, ctx: &WriteCtx, id: &PersonId, hash: &str)
        -> StoreResult<()>;
    async fn password_hash(&self, id: &PersonId) -> StoreResult<Option<String>>;

    // ---- teams ----
    async fn insert_team(&self, ctx: &WriteCtx, team: &Team) -> StoreResult<()>;
    async fn team(&self, id: &TeamId) -> StoreResult<Option<Team>>;
    async fn teams_by_ids(&self, ids: &[TeamId]) -> StoreResult<Vec<Team>>;
    /// `(id, name)` of the teams among `ids` that exist, in no particular order, in one query
    /// (without their members): what an OKR shows of its teams.
    async fn team_names(&self, ids: &[TeamId]) -> StoreResult<Vec<(TeamId, String)>>;
    async fn list_teams(&self, filter: &TeamFilter, page: &PageRequest) -> StoreResult<Page<Team>>;
    async fn update_team(&self, ctx: &WriteCtx, before: &Team, after: &Team) -> StoreResult<Team>;

    // ---- cycles ----
    async fn insert_cycle(&self, ctx: &WriteCtx, cycle: &Cycle) -> StoreResult<()>;
    async fn cycle(&self, id: &CycleId) -> StoreResult<Option<Cycle>>;
    async fn cycle_by_name(&self, name: &str) -> StoreResult<Option<Cycle>>;
    async fn list_cycles(
        &self,
        filter: &CycleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Cycle>>;
    async fn update_cycle(
        &self,
        ctx: &WriteCtx,
        before: &Cycle,
        after: &Cycle,
    ) -> StoreResult<Cycle>;

    // ---- objectives ----
    /// Inserts the objective and, in the same transaction, the ownership request that names its
    /// owner (if any).
    async fn insert_objective(
        &self,
        ctx: &WriteCtx,
        objective: &Objective,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()>;
    async fn objective(&self, id: &ObjectiveId) -> StoreResult<Option<Objective>>;
    async fn objectives_by_ids(&self, ids: &[ObjectiveId]) -> StoreResult<Vec<Objective>>;
    async fn list_objectives(
        &self,
        filter: &ObjectiveFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Objective>>;
    async fn update_objective(
        &self,
        ctx: &WriteCtx,
        before: &Objective,
        after: &Objective,
    ) -> StoreResult<Objective>;
    /// Soft delete: the objective and its key results disappear from reads; history stays.
    async fn delete_objective(&self, ctx: &WriteCtx, objective: &Objective) -> StoreResult<()>;
    /// Objectives that list `parent` (an objective or key result id) among their parents.
    async fn children_of(&self, parent_id: &str) -> StoreResult<Vec<Objective>>;
    /// Objectives aligned to this objective or to any of its key results (not deleted), in one
    /// query: the children shown on an objective's page.
    async fn children_of_objective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Vec<Objective>>;

    // ---- key results ----
    /// Inserts the key result and, in the same transaction, the ownership request that names its
    /// owner (if any).
    async fn insert_key_result(
        &self,
        ctx: &WriteCtx,
        key_result: &KeyResult,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()>;
    /// Key results (not deleted, in objectives not deleted) whose `team_ids` include this team.
    async fn key_results_shared_with(&self, team_id: &TeamId) -> StoreResult<Vec<KeyResult>>;
    /// Every objective and key result (not deleted) the person owns, co-owns, sponsors or
    /// contributes to.
    async fn okrs_involving(&self, person_id: &PersonId) -> StoreResult<Involvement>;

    // ---- ownership ----
    /// Records an ownership proposal (or handover) and, in the same transaction: makes
    /// `request.proposed_owner_id` the OKR's owner with `ownership_state` accepted when the
    /// request is already `accepted` (someone naming themself) and pending otherwise; bumps the
    /// OKR's version; marks any earlier pending request on the same OKR `superseded`; records an
    /// audit event on the OKR. Fails with `StaleVersion` if the OKR's version is no longer
    /// `okr_version`, and `NotFound` if the OKR does not exist.
    async fn propose_ownership(
        &self,
        ctx: &WriteCtx,
        request: &OwnershipRequest,
        okr_version: i64,
    ) -> StoreResult<()>;
    /// Records the answer to a pending request (`request.state` accepted or declined, with
    /// `decided_at` and `decline_reason`) and sets the OKR's `ownership_state` to match (version
    /// bumped, audited), in one transaction. `StaleVersion` if the stored request is no longer
    /// pending, or the OKR's owner is no longer the proposed person.
    async fn answer_ownership_request(
        &self,
        ctx: &WriteCtx,
        request: &OwnershipRequest,
    ) -> StoreResult<()>;
    async fn ownership_request(
        &self,
        id: &OwnershipRequestId,
    ) -> StoreResult<Option<OwnershipRequest>>;
    /// Newest first.
    async fn list_ownership_requests(
        &self,
        filter: &OwnershipRequestFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<OwnershipRequest>>;
    /// Every request on one OKR, oldest first: who was proposed, who accepted, when, with what
    /// note. Its accepted requests are the handover history.
    async fn ownership_history(&self, okr_id: &str) -> StoreResult<Vec<OwnershipRequest>>;
    /// Every request on an objective and on its key results, oldest first, in one query (for
    /// rendering an objective with each owner's latest request).
    async fn ownership_requests_of_objective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Vec<OwnershipRequest>>;
    async fn key_result(&self, id: &KeyResultId) -> StoreResult<Option<KeyResult>>;
    /// The key results (not deleted) with these ids, in no particular order; one query whatever
    /// the number.
    async fn key_results_by_ids(&self, ids: &[KeyResultId]) -> StoreResult<Vec<KeyResult>>;
    /// The key results of these objectives, ordered by objective then creation.
    async fn key_results_of(&self, objective_ids: &[ObjectiveId]) -> StoreResult<Vec<KeyResult>>;
    async fn update_key_result(
        &self,
        ctx: &WriteCtx,
        before: &KeyResult,
        after: &KeyResult,
    ) -> StoreResult<KeyResult>;
    async fn delete_key_result(&self, ctx: &WriteCtx, key_result: &KeyResult) -> StoreResult<()>;

    // ---- check-ins ----
    /// Records a check-in and, in the same transaction, moves the key result to it, unless a
    /// later check-in (by `at`) is already recorded: two concurrent check-ins both land and the
    /// key result ends on the later one. `applied` is the key result with the value applied
    /// (`current`, `milestones`); only those fields, `confidence` and `last_check_in_at` are
    /// written. Returns the key result as stored afterwards.
    async fn record_check_in(
        &self,
        ctx: &WriteCtx,
        check_in: &CheckIn,
        applied: &KeyResult,
    ) -> StoreResult<KeyResult>;
    /// Records several check-ins (each with its key result as applied, as in `record_check_in`)
    /// in ONE transaction: all land or, on any error (an unknown key result included:
    /// `NotFound`), none does. Returns the key results as stored afterwards, in order. The
    /// one-screen weekly check-in of the web UI.
    async fn record_check_ins(
        &self,
        ctx: &WriteCtx,
        check_ins: &[(CheckIn, KeyResult)],
    ) -> StoreResult<Vec<KeyResult>>;
    /// Newest first (by `at`).
    async fn list_check_ins(
        &self,
        key_result_id: &KeyResultId,
        page: &PageRequest,
    ) -> StoreResult<Page<CheckIn>>;

    // ---- initiatives ----
    async fn insert_initiative(&self, ctx: &WriteCtx, initiative: &Initiative) -> StoreResult<()>;
    async fn initiative(&self, id: &InitiativeId) -> StoreResult<Option<Initiative>>;
    async fn list_initiatives(&self, key_result_id: &KeyResultId) -> StoreResult<Vec<Initiative>>;
    /// The initiatives of these key results, ordered by key result, then creation, in one
    /// query (an objective page shows every key result's initiatives).
    async fn initiatives_of(&self, key_result_ids: &[KeyResultId]) -> StoreResult<Vec<Initiative>>;
    async fn update_initiative(
        &self,
        ctx: &WriteCtx,
        before: &Initiative,
        after: &Initiative,
    ) -> StoreResult<Initiative>;

    // ---- the owner's rhythm (issue 5) ----
    /// Every check-in of these key results, ordered by key result, then `at` (oldest first), in
    /// one query: the history behind statuses, forecasts and confidence trends of a page.
    async fn check_ins_of(&self, key_result_ids: &[KeyResultId]) -> StoreResult<Vec<CheckIn>>;
    /// The same history as `check_ins_of`, reduced to what the rhythm derives from: each key
    /// result's points oldest first (by `at`, then id), in one query.
    async fn check_in_points(
        &self,
        key_result_ids: &[KeyResultId],
    ) -> StoreResult<Vec<CheckInPoint>>;
    /// The cycles among `ids` that exist, in no particular order.
    async fn cycles_by_ids(&self, ids: &[CycleId]) -> StoreResult<Vec<Cycle>>;
    /// Sets (or, with `None`, clears) a team's own check-in cadence in days. Audited.
    async fn set_team_cadence(
        &self,
        ctx: &WriteCtx,
        team_id: &TeamId,
        cadence_days: Option<u32>,
    ) -> StoreResult<()>;
    /// The teams among `team_ids` with a cadence of their own, and that cadence.
    async fn team_cadences(&self, team_ids: &[TeamId]) -> StoreResult<Vec<(TeamId, u32)>>;
    /// Sets (or, with `None`, clears) the owner's override of an objective's status. Audited.
    async fn set_status_override(
        &self,
        ctx: &WriteCtx,
        objective_id: &ObjectiveId,
        status: Option<&rhythm::StatusOverride>,
    ) -> StoreResult<()>;
    async fn status_overrides(
        &self,
        objective_ids: &[ObjectiveId],
    ) -> StoreResult<Vec<rhythm::StatusOverride>>;
    /// Records (or replaces) a key result's end-of-cycle score. Audited.
    async fn save_score(&self, ctx: &WriteCtx, score: &rhythm::KeyResultScore) -> StoreResult<()>;
    async fn scores_of(
        &self,
        key_result_ids: &[KeyResultId],
    ) -> StoreResult<Vec<rhythm::KeyResultScore>>;
    /// Records (or replaces) an objective's retrospective. Audited.
    async fn save_retrospective(
        &self,
        ctx: &WriteCtx,
        retrospective: &rhythm::Retrospective,
    ) -> StoreResult<()>;
    /// Saves a retrospective that carries its objective over, together with the draft it
    /// creates (objective, key results, ownership requests), in one transaction: if any write
    /// fails, nothing is written. Every key result must belong to the draft objective.
    async fn carry_over(
        &self,
        ctx: &WriteCtx,
        retrospective: &rhythm::Retrospective,
        draft: &CarryOver,
    ) -> StoreResult<()>;
    async fn retrospective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Option<rhythm::Retrospective>>;
    /// `(draft, original)` for the drafts among `ids` that carry an objective over.
    async fn carried_over_from(
        &self,
        ids: &[ObjectiveId],
    ) -> StoreResult<Vec<(ObjectiveId, ObjectiveId)>>;
    async fn insert_review(&self, ctx: &WriteCtx, review: &review::Review) -> StoreResult<()>;
    async fn review(&self, id: &ReviewId) -> StoreResult<Option<review::Review>>;
    /// A team's reviews, latest `held_on` first.
    async fn list_reviews(
        &self,
        team_id: &TeamId,
        page: &PageRequest,
    ) -> StoreResult<Page<review::Review>>;
    /// Replaces the review's items (notes and decisions); `StaleVersion` if `before` is stale.
    async fn update_review(
        &self,
        ctx: &WriteCtx,
        before: &review::Review,
        after: &review::Review,
    ) -> StoreResult<review::Review>;
    /// Not audited with its notes: a 1:1 is private to its two people (the event says only that
    /// one was recorded).
    async fn insert_conversation(
        &self,
        ctx: &WriteCtx,
        conversation: &cfr::Conversation,
    ) -> StoreResult<()>;
    async fn conversation(&self, id: &ConversationId) -> StoreResult<Option<cfr::Conversation>>;
    /// The conversations `person_id` is one of the two people of, newest first.
    async fn list_conversations(
        &self,
        person_id: &PersonId,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Conversation>>;
    /// The request and one unanswered answer row per addressee, in one transaction. Audited.
    async fn insert_feedback_request(
        &self,
        ctx: &WriteCtx,
        request: &cfr::FeedbackRequest,
    ) -> StoreResult<()>;
    async fn feedback_request(
        &self,
        id: &FeedbackRequestId,
    ) -> StoreResult<Option<cfr::FeedbackRequest>>;
    /// Requests on `okr_id` (when given) involving `person_id` as requester or addressee (when
    /// given), newest first, at most 500.
    async fn list_feedback_requests(
        &self,
        okr_id: Option<&str>,
        person_id: Option<&PersonId>,
    ) -> StoreResult<Vec<cfr::FeedbackRequest>>;
    /// Records `person_id`'s answer; `NotFound` if they are not an addressee. Audited.
    async fn answer_feedback(
        &self,
        ctx: &WriteCtx,
        request_id: &FeedbackRequestId,
        answer: &cfr::FeedbackAnswer,
    ) -> StoreResult<()>;
    async fn insert_recognition(
        &self,
        ctx: &WriteCtx,
        recognition: &cfr::Recognition,
    ) -> StoreResult<()>;
    /// Recognition on an OKR (its check-ins included), newest first, at most 500.
    async fn list_recognitions(&self, okr_id: &str) -> StoreResult<Vec<cfr::Recognition>>;
    /// Recognition on any of these OKRs (ids of objectives or key results, their check-ins
    /// included), newest first (by `created_at`, then id), at most 500.
    async fn recognitions_on_okrs(&self, okr_ids: &[String]) -> StoreResult<Vec<cfr::Recognition>>;
    /// Recognition addressed to `person_id`, newest first (by `created_at`, then id), at most
    /// 500. Unfiltered: the caller leaves out what its reader may not see.
    async fn recognitions_to(&self, person_id: &PersonId) -> StoreResult<Vec<cfr::Recognition>>;
    /// Recognition given by `person_id`, newest first (by `created_at`, then id), at most 500.
    async fn recognitions_from(&self, person_id: &PersonId) -> StoreResult<Vec<cfr::Recognition>>;

    // ---- API tokens ----
    /// Stores the token's metadata and the SHA-256 hex digest of its secret.
    async fn insert_token(
        &self,
        ctx: &WriteCtx,
        token: &ApiToken,
        secret_hash: &str,
    ) -> StoreResult<()>;
    /// The token with this secret hash and its person, whether or not it is live.
    async fn token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<(ApiToken, Person)>>;
    async fn list_tokens(&self, person_id: &PersonId) -> StoreResult<Vec<ApiToken>>;
    async fn revoke_token(&self, ctx: &WriteCtx, id: &TokenId) -> StoreResult<()>;
    /// Records use; not audited (it is not a change anyone made).
    async fn touch_token(&self, id: &TokenId, at: chrono::DateTime<chrono::Utc>)
        -> StoreResult<()>;

    // ---- sessions and sign-in ----
    /// Stores a new session (not audited: signing in changes no record).
    async fn insert_session(&self, session: &Session) -> StoreResult<()>;
    /// The session with this id hash and its person, whether or not it has expired.
    async fn session_by_hash(&self, id_hash: &str) -> StoreResult<Option<(Session, Person)>>;
    /// Moves the session's `last_seen_at` (its idle expiry) forward.
    async fn touch_session(
        &self,
        id_hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
    /// Ends one session; unknown ids are ignored.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    /// Ends every session of a person except `keep` (an id hash); returns how many ended.
    async fn delete_sessions_of(
        &self,
        person_id: &PersonId,
        keep: Option<&str>,
    ) -> StoreResult<u64>;
    async fn sign_in_throttle(&self, key: &str) -> StoreResult<Option<SignInThrottle>>;
    /// Counts one failed sign-in under `key`, in one atomic statement (several servers may count
    /// at once). Failures before `window_start` are forgotten first. Returns the count.
    async fn record_sign_in_failure(
        &self,
        key: &str,
        at: chrono::DateTime<chrono::Utc>,
        window_start: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<i64>;
    /// Locks sign-in under `key` until `until`.
    async fn lock_sign_in(
        &self,
        key: &str,
        until: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
    /// Forgets the failures under `key` (after a successful sign-in or a password reset).
    async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()>;
    async fn insert_oidc_login(&self, login: &OidcLogin) -> StoreResult<()>;
    /// Returns and deletes the pending login (each `state` is usable once).
    async fn take_oidc_login(&self, state_hash: &str) -> StoreResult<Option<OidcLogin>>;

    // ---- audit ----
    /// Newest first.
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>>;

    // ---- access (issue 4) ----
    /// The teams this person leads and every team below them (the team lead's reach).
    async fn teams_led_by(&self, person_id: &PersonId) -> StoreResult<Vec<TeamId>>;
    /// The objectives among `ids` (deleted or not) that `audience` may see, in no particular
    /// order: one query, for filtering lists that are not paginated in SQL.
    async fn visible_objective_ids(
        &self,
        audience: &Audience,
        ids: &[ObjectiveId],
    ) -> StoreResult<Vec<ObjectiveId>>;
    /// How many active people hold `role` (e.g. so the last administrator cannot leave).
    async fn count_active_with_role(&self, role: Role) -> StoreResult<u64>;

    // ---- bulk ----
    /// Loads a whole organisation in one transaction with a single audit event; all or nothing.
    async fn load_snapshot(&self, ctx: &WriteCtx, snapshot: &Snapshot) -> StoreResult<()>;
}

/// A shared handle to whichever backend is configured.
pub type DynStore = Arc<dyn Store>;

/// Opens the store named by `url` (`sqlite://path`, `sqlite::memory:`, `postgres://…`) and runs
/// pending migrations.
pub async fn open(url: &str) -> StoreResult<DynStore> {
    Ok(Arc::new(SqlStore::open(url).await?))
}
