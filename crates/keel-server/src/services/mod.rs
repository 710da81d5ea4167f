//! The use cases: what a person can do in Keel (create an objective, check in, propose an
//! initiative …), each checking permissions, references and domain rules before one store write.
//!
//! Routes are thin wrappers over these functions; the CLI and background jobs call them too, so
//! a rule enforced here holds for every entry point. What pages and API responses show is
//! assembled in `crate::read`, which calls these; nothing here calls back into `read`. The
//! checks several use cases share (an OKR the caller may see, a lock, an active person) live in
//! `guards`.

pub mod accounts;
pub mod alignment;
pub mod check_ins;
pub mod conversations;
pub mod data_feeds;
pub mod dependencies;
pub mod directory;
pub mod edits;
pub mod guards;
pub mod kpis;
pub mod notifications;
pub mod okr_file;
pub mod okrs;
pub mod ownership;
pub mod person_data;
pub mod provisioning;
pub mod reviews;
pub mod rhythm;
pub mod rollup;
pub mod scoring;
pub mod setup;
pub mod tokens;
pub mod visibility;

pub use guards::{require_active_people, require_active_person, require_teams};

use serde::{Deserialize, Deserializer};

/// For PATCH bodies: distinguishes an absent field (`None`, unchanged) from `null` (`Some(None)`,
/// cleared).
pub fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Today on the one clock: the organisation's calendar day now (`OrgSettings::local_date`),
/// for every "today" a rule compares with (issue 12: due dates, check-in, review and 1:1 dates
/// and the current cycle all agree east of UTC).
pub async fn today(store: &dyn keel_store::Store) -> crate::error::ApiResult<chrono::NaiveDate> {
    Ok(keel_store::Settings::settings(store)
        .await?
        .local_date(now()))
}

/// The current time, truncated to microseconds (what the store keeps), so that what a write
/// returns equals what a later read returns.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let t = chrono::Utc::now();
    chrono::DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}
