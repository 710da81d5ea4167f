//! A person's data: exporting everything Keel holds about one person, and erasing a person who
//! left (administrators only).
//!
//! Why: a person may ask what an organisation keeps about them, and ask that it be forgotten
//! when they leave; their 1:1 notes, feedback and recognition are personal data, while the OKRs
//! they owned are the organisation's history. The export is assembled from the store's areas;
//! the erasure is one store transaction (`keel_store::PersonData`, which says what it keeps).
//!
//! Erasing refuses a person who still owns an open OKR (an objective not closed, or a key
//! result of one): an OKR's owner must be an active person who answers for it (*One owner* in
//! docs/method.md), and a placeholder cannot. Hand those over first (the owner's page lists
//! them); closed OKRs stay attributed to the placeholder.

use crate::access;
use crate::auth::{hash_secret, Caller};
use crate::error::{ApiError, ApiResult};
use keel_domain::*;
use keel_store::*;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Everything Keel holds about one person, as JSON.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonExport {
    pub exported_at: chrono::DateTime<chrono::Utc>,
    /// Their profile: name, email, title, manager, roles, time zone, active.
    pub person: Person,
    /// Teams they are a member of or lead.
    pub teams: Vec<Team>,
    /// Objectives they own, co-own, sponsor or contribute to.
    pub objectives: Vec<Objective>,
    /// Key results they own, co-own, sponsor or contribute to.
    pub key_results: Vec<KeyResult>,
    /// Check-ins they wrote.
    pub check_ins: Vec<CheckIn>,
    /// Ownership requests proposing them, proposed by them, or handing over from them.
    pub ownership_requests: Vec<OwnershipRequest>,
    /// 1:1 conversations they are one of the two people of.
    pub conversations: Vec<cfr::Conversation>,
    /// Feedback they asked for (with the answers), and feedback asked of them (with their own
    /// answer only).
    pub feedback_requests: Vec<cfr::FeedbackRequest>,
    pub recognition_given: Vec<cfr::Recognition>,
    pub recognition_received: Vec<cfr::Recognition>,
    /// Audit events where they are the actor.
    pub audit_events: Vec<AuditEvent>,
}

/// `GET /people/{id}/export`: everything about one person (administrators).
pub async fn export(store: &dyn Store, caller: &Caller, id: &PersonId) -> ApiResult<PersonExport> {
    access::manage_people(&caller.person)?;
    let person = super::directory::get_person(store, id).await?;
    let involvement = store.okrs_involving(id).await?;
    Ok(PersonExport {
        exported_at: super::now(),
        teams: teams_of(store, id).await?,
        objectives: involvement.objectives,
        key_results: involvement.key_results,
        check_ins: store.check_ins_by(id).await?,
        ownership_requests: ownership_requests_of(store, id).await?,
        conversations: every_page(|p| async move { store.list_conversations(id, &p).await })
            .await?,
        feedback_requests: feedback_of(store, id).await?,
        recognition_given: every_page(|p| async move { store.recognitions_from(id, &p).await })
            .await?,
        recognition_received: every_page(|p| async move { store.recognitions_to(id, &p).await })
            .await?,
        audit_events: every_page(|p| async move {
            let filter = AuditFilter {
                actor_id: Some(id.clone()),
                ..AuditFilter::new(Reader::Everyone)
            };
            store.list_audit(&filter, &p).await
        })
        .await?,
        person,
    })
}

async fn teams_of(store: &dyn Store, id: &PersonId) -> ApiResult<Vec<Team>> {
    let member = every_page(|p| async move {
        let filter = TeamFilter {
            member_id: Some(id.clone()),
            ..TeamFilter::default()
        };
        store.list_teams(&filter, &p).await
    })
    .await?;
    let led = store.teams_by_ids(&store.teams_led_by(id).await?).await?;
    let by_id: BTreeMap<String, Team> = member
        .into_iter()
        .chain(led)
        .map(|t| (t.id.to_string(), t))
        .collect();
    Ok(by_id.into_values().collect())
}

async fn ownership_requests_of(
    store: &dyn Store,
    id: &PersonId,
) -> ApiResult<Vec<OwnershipRequest>> {
    let mut by_id = BTreeMap::new();
    for previous in [false, true] {
        let found = every_page(|p| async move {
            let filter = OwnershipRequestFilter {
                involving: (!previous).then(|| id.clone()),
                previous_owner_id: previous.then(|| id.clone()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            };
            store.list_ownership_requests(&filter, &p).await
        })
        .await?;
        by_id.extend(found.into_iter().map(|r| (r.id.to_string(), r)));
    }
    Ok(by_id.into_values().collect())
}

/// Requests they made, whole; requests made of them, with their own answer only (the other
/// addressees' answers are theirs).
async fn feedback_of(store: &dyn Store, id: &PersonId) -> ApiResult<Vec<cfr::FeedbackRequest>> {
    let all = every_page(|p| async move { store.list_feedback_requests(None, Some(id), &p).await })
        .await?;
    Ok(all
        .into_iter()
        .map(|mut r| {
            if &r.requester_id != id {
                r.answers.retain(|a| &a.person_id == id);
            }
            r
        })
        .collect())
}

/// What an erased person is called: "Former member 3f2a" (four hex digits derived from their
/// id, so that two former members can be told apart), with an address that can never receive
/// mail (`.invalid`, RFC 2606).
pub fn placeholder_of(person: &Person) -> ApiResult<Person> {
    let digest = hash_secret(person.id.as_str());
    let tag = &digest[..4];
    Ok(Person {
        name: format!("Former member {tag}"),
        email: Email::parse(
            "email",
            &format!("former-member-{}@erased.invalid", person.id),
        )?,
        title: String::new(),
        manager_id: None,
        active: false,
        roles: Vec::new(),
        time_zone: None,
        ..person.clone()
    })
}

/// `POST /people/{id}/erase`: erases a person who left (administrators; never oneself, never
/// someone who still owns an open OKR). Erasing an erased person again changes nothing.
pub async fn erase(store: &dyn Store, caller: &Caller, id: &PersonId) -> ApiResult<Person> {
    access::manage_people(&caller.person)?;
    let person = super::directory::get_person(store, id).await?;
    let placeholder = placeholder_of(&person)?;
    if person.email == placeholder.email {
        return Ok(person);
    }
    if &caller.person.id == id {
        return Err(ApiError::conflict(
            "id",
            "you cannot erase yourself: ask another administrator",
        ));
    }
    let open = open_okrs_owned(store, id).await?;
    if !open.is_empty() {
        return Err(ApiError::conflict(
            "id",
            format!(
                "{} still owns {} open OKR{} ({}): hand them over to someone else first",
                person.name,
                open.len(),
                if open.len() == 1 { "" } else { "s" },
                open.join("; ")
            ),
        ));
    }
    Ok(store
        .erase_person(&caller.write_ctx(), id, &placeholder)
        .await?)
}

/// Titles of the OKRs `id` owns that are not closed: objectives not closed, and key results of
/// objectives not closed.
async fn open_okrs_owned(store: &dyn Store, id: &PersonId) -> ApiResult<Vec<String>> {
    let involvement = store.okrs_involving(id).await?;
    let parents: Vec<ObjectiveId> = involvement
        .key_results
        .iter()
        .filter(|k| &k.owner_id == id)
        .map(|k| k.objective_id.clone())
        .collect();
    let closed: Vec<ObjectiveId> = store
        .objectives_by_ids(&parents)
        .await?
        .into_iter()
        .filter(|o| o.state == ObjectiveState::Closed)
        .map(|o| o.id)
        .collect();
    let objectives = involvement
        .objectives
        .iter()
        .filter(|o| &o.owner_id == id && o.state != ObjectiveState::Closed)
        .map(|o| o.title.clone());
    let key_results = involvement
        .key_results
        .iter()
        .filter(|k| &k.owner_id == id && !closed.contains(&k.objective_id))
        .map(|k| k.title.clone());
    Ok(objectives.chain(key_results).collect())
}
