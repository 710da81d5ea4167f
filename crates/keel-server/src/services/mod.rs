//! The use cases: what a person can do in Keel (create an objective, check in, propose an
//! initiative …), each checking permissions, references and domain rules before one store write.
//!
//! Routes are thin wrappers over these functions; the CLI and background jobs call them too, so
//! a rule enforced here holds for every entry point.

pub mod conversations;
pub mod directory;
pub mod health;
pub mod okrs;
pub mod ownership;
pub mod reviews;
pub mod rhythm;
pub mod scoring;
pub mod tokens;
pub mod ui_org;
pub mod ui_owner;
pub mod ui_rhythm;
pub mod visibility;

use crate::error::{ApiError, ApiResult};
use keel_domain::*;
use keel_store::Store;
use keel_store::{People, Teams};
use serde::{Deserialize, Deserializer};
use std::collections::HashMap;

/// For PATCH bodies: distinguishes an absent field (`None`, unchanged) from `null` (`Some(None)`,
/// cleared).
pub fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The current time, truncated to microseconds (what the store keeps), so that what a write
/// returns equals what a later read returns.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let t = chrono::Utc::now();
    chrono::DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// An owner, sponsor or contributor must be an active person. A team id gets an explanation:
/// a team is never an owner (seeds 001 and 002).
pub async fn require_active_person(
    store: &dyn Store,
    field: &str,
    id: &PersonId,
) -> ApiResult<Person> {
    match store.person(id).await? {
        Some(p) if p.active => Ok(p),
        Some(p) => Err(ApiError::invalid(
            field,
            format!("{} is deactivated; name an active person", p.name),
        )),
        None => Err(not_a_person(store, field, id.as_str()).await),
    }
}

async fn not_a_person(store: &dyn Store, field: &str, id: &str) -> ApiError {
    let team = store.team(&TeamId::from_string(id)).await.ok().flatten();
    match team {
        Some(t) => ApiError::invalid(
            field,
            format!(
                "'{}' is a team, not a person: an OKR is owned by one named individual, never a team. \
                 Share the OKR with the team through team_ids and name the person accountable for it",
                t.name
            ),
        ),
        None => ApiError::invalid(field, format!("no person has the id '{id}'")),
    }
}

/// Every id must name an active person; returns them in order.
pub async fn require_active_people(
    store: &dyn Store,
    field: &str,
    ids: &[PersonId],
) -> ApiResult<Vec<Person>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let found: HashMap<PersonId, Person> = store
        .people_by_ids(ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match found.get(id) {
            Some(p) if p.active => out.push(p.clone()),
            Some(p) => {
                return Err(ApiError::invalid(
                    field,
                    format!("{} is deactivated; name active people", p.name),
                ));
            }
            None => return Err(not_a_person(store, field, id.as_str()).await),
        }
    }
    Ok(out)
}

pub async fn require_teams(store: &dyn Store, field: &str, ids: &[TeamId]) -> ApiResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = store.teams_by_ids(ids).await?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|t| &t.id == *id)) {
        return Err(ApiError::invalid(
            field,
            format!("no team has the id '{missing}'"),
        ));
    }
    Ok(())
}
