//! Keel's OKR vocabulary and rules, with no I/O.
//!
//! Why a separate crate: every entry point (JSON API, web UI, CLI, imports, background jobs)
//! must agree on what a valid Objective is, how progress is computed and which ownership rules
//! hold. Keeping those rules here, as plain functions over plain types, means they exist exactly
//! once and can be property-tested without a database or a server.

pub mod alignment;
pub mod audit;
pub mod automation;
pub mod calibration;
pub mod cfr;
pub mod check_in;
pub mod cycle;
pub mod data_feed;
pub mod dependency;
pub mod error;
pub mod forecast;
pub mod health;
pub mod ids;
pub mod initiative;
pub mod key_result;
pub mod kpi;
pub mod locale;
pub mod notification;
pub mod objective;
pub mod org;
pub mod ownership;
pub mod person;
pub mod preferences;
pub mod progress;
pub mod pull;
pub mod reminders;
pub mod review;
pub mod rhythm;
pub mod team;
pub mod text;
pub mod token;
pub mod webhook;

pub use audit::{AuditEvent, Source};
pub use check_in::{as_check_ins_leave, CheckIn, Confidence, Retraction, RetractionKind};
pub use cycle::{Cycle, CycleState};
pub use error::{FieldError, FieldErrors, FieldResult};
pub use ids::*;
pub use initiative::{Initiative, InitiativeState};
pub use key_result::{KeyResult, MetricKind, Milestone};
pub use objective::{
    Objective, ObjectiveKind, ObjectiveState, OwnershipState, ParentRef, ProgressRollup, Visibility,
};
pub use org::{
    ConfidenceScale, HealthThresholds, OrgSettings, OwnershipPolicy, RhythmSettings, Weekday,
};
pub use ownership::{OkrRef, OwnerFit, OwnershipRequest, RequestState};
pub use person::{Email, Person, Role};
pub use progress::Progress;
pub use team::Team;
pub use token::{ApiToken, TokenScope};

/// A point in time, always UTC. Keel stores times as UTC and renders them in the
/// organisation's time zone.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
/// A calendar date (cycle boundaries, token expiry).
pub type Date = chrono::NaiveDate;
