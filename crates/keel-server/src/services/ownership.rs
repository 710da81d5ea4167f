//! Ownership: proposing an owner, accepting or declining, handing over, and the views of who
//! owns what. The doctrine's "One owner" and "Acceptance": one named individual per OKR,
//! who explicitly accepts.

use super::{now, require_active_person};
use crate::access::{self, Actor};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::guards::{get_key_result, get_objective, require_unlocked};
use crate::services::visibility::Viewer;
use keel_domain::*;
use keel_store::{Ownership, OwnershipRequestFilter, PageRequest, Store};
use serde::Deserialize;
use utoipa::ToSchema;

/// `POST …/ownership`: propose someone as owner (or hand over).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeOwner {
    pub owner_id: PersonId,
    /// Why this person; for a handover, the handover note.
    #[serde(default)]
    pub note: String,
    /// The owner-fit criteria ("One owner"): legitimacy, decision authority, proximity to the outcome.
    pub fit: Option<OwnerFit>,
    /// The current owner stays on as `sponsor` or `contributor` (a handover); absent: they step
    /// away.
    #[serde(default)]
    pub previous_owner_stays_as: Option<StaysAs>,
}

/// The role the previous owner keeps after a handover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaysAs {
    Sponsor,
    Contributor,
}

impl StaysAs {
    /// As a form spells it: empty for none.
    pub fn parse(v: &str) -> ApiResult<Option<Self>> {
        match v.trim() {
            "" => Ok(None),
            "sponsor" => Ok(Some(StaysAs::Sponsor)),
            "contributor" => Ok(Some(StaysAs::Contributor)),
            _ => Err(ApiError::invalid(
                "previous_owner_stays_as",
                "choose sponsor, contributor or neither",
            )),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineOwnership {
    /// Goes back to whoever proposed you.
    pub reason: String,
}

/// The record whose owner is being set, with what permission and lock checks need.
pub struct Target {
    pub okr: OkrRef,
    pub owner_id: PersonId,
    pub ownership_state: OwnershipState,
    pub version: i64,
    pub objective: Objective,
    pub key_result: Option<KeyResult>,
}

/// 404 when the OKR does not exist or `viewer` may not see it.
pub async fn target(store: &dyn Store, viewer: &Viewer, okr: &OkrRef) -> ApiResult<Target> {
    Ok(match okr {
        OkrRef::Objective(id) => {
            let o = get_objective(store, viewer, id).await?;
            Target {
                okr: okr.clone(),
                owner_id: o.owner_id.clone(),
                ownership_state: o.ownership_state,
                version: o.version,
                objective: o,
                key_result: None,
            }
        }
        OkrRef::KeyResult(id) => {
            let (k, o) = get_key_result(store, viewer, id).await?;
            Target {
                okr: okr.clone(),
                owner_id: k.owner_id.clone(),
                ownership_state: k.ownership_state,
                version: k.version,
                objective: o,
                key_result: Some(k),
            }
        }
    })
}

/// A new request naming `owner` on `okr`: accepted at once when the proposer names themself.
pub fn new_request(
    okr: OkrRef,
    previous_owner_id: Option<PersonId>,
    owner: &PersonId,
    proposer: &PersonId,
    note: String,
    fit: Option<OwnerFit>,
) -> ApiResult<OwnershipRequest> {
    let t = now();
    let accepted = owner == proposer;
    Ok(OwnershipRequest {
        id: OwnershipRequestId::generate(),
        okr,
        previous_owner_id,
        proposed_owner_id: owner.clone(),
        proposed_by: Some(proposer.clone()),
        note,
        fit,
        state: if accepted {
            RequestState::Accepted
        } else {
            RequestState::Pending
        },
        decline_reason: None,
        created_at: t,
        decided_at: accepted.then_some(t),
    }
    .validated()?)
}

/// The OKR, once the caller may propose a new owner for it (whoever may edit it): 404 when they
/// may not see it, 403 when they may not edit it. Asked first by [`propose`] and by the web UI's
/// hand-over forms, before what was typed is read.
pub async fn authorize_propose(
    store: &dyn Store,
    caller: &Caller,
    okr: &OkrRef,
) -> ApiResult<Target> {
    let t = target(store, &Viewer::of(&caller.person), okr).await?;
    let actor = Actor::load(store, &caller.person).await?;
    match &t.key_result {
        None => access::edit_objective(&actor, &t.objective)?,
        Some(k) => access::edit_key_result(&actor, k, &t.objective)?,
    }
    Ok(t)
}

/// Propose (or hand over to) a new owner. The current owner, the objective's owner or sponsor,
/// administrators and champions may; the person named must accept unless they named themself.
pub async fn propose(
    store: &dyn Store,
    caller: &Caller,
    okr: OkrRef,
    input: ProposeOwner,
) -> ApiResult<OwnershipRequest> {
    let t = authorize_propose(store, caller, &okr).await?;
    require_unlocked(store, &t.objective).await?;
    require_active_person(store, "owner_id", &input.owner_id).await?;
    if input.owner_id == t.owner_id && t.ownership_state == OwnershipState::Accepted {
        return Err(ApiError::conflict(
            "owner_id",
            "this person already owns it and has accepted",
        ));
    }
    let co_owners = match &t.key_result {
        None => &t.objective.co_owner_ids,
        Some(k) => &k.co_owner_ids,
    };
    if co_owners.contains(&input.owner_id) {
        return Err(ApiError::invalid(
            "owner_id",
            "this person is a co-owner; remove them from co_owner_ids before making them the accountable owner",
        ));
    }
    // A contributor may be handed the OKR in one step (the seeds' handover story): they stay a
    // contributor until they accept, and leave the contributors when they do (`accept`).
    let stays = input.previous_owner_stays_as.map(|r| (okr.clone(), r));
    let request = new_request(
        okr,
        Some(t.owner_id.clone()),
        &input.owner_id,
        &caller.person.id,
        input.note,
        input.fit,
    )?;
    store
        .propose_ownership(&caller.write_ctx(), &request, t.version)
        .await?;
    if let Some((okr, role)) = stays {
        keep_previous_owner(store, caller, &okr, &t.owner_id, role).await?;
    }
    Ok(request)
}

/// After a handover, the previous owner stays on as sponsor or contributor.
async fn keep_previous_owner(
    store: &dyn Store,
    caller: &Caller,
    okr: &OkrRef,
    previous: &PersonId,
    role: StaysAs,
) -> ApiResult<()> {
    use keel_store::{KeyResults, Objectives};
    let keep = |sponsor: &mut Option<PersonId>, contributors: &mut Vec<PersonId>| match role {
        StaysAs::Sponsor => *sponsor = Some(previous.clone()),
        StaysAs::Contributor if !contributors.contains(previous) => {
            contributors.push(previous.clone())
        }
        StaysAs::Contributor => {}
    };
    match okr {
        OkrRef::KeyResult(id) => {
            if let Some(before) = store.key_result(id).await? {
                let mut after = before.clone();
                keep(&mut after.sponsor_id, &mut after.contributor_ids);
                store
                    .update_key_result(&caller.write_ctx(), &before, &after)
                    .await?;
            }
        }
        OkrRef::Objective(id) => {
            if let Some(before) = store.objective(id).await? {
                let mut after = before.clone();
                keep(&mut after.sponsor_id, &mut after.contributor_ids);
                store
                    .update_objective(&caller.write_ctx(), &before, &after)
                    .await?;
            }
        }
    }
    Ok(())
}

/// The pending request on an OKR, for the proposed owner to answer.
async fn pending_for(
    store: &dyn Store,
    caller: &Caller,
    okr: &OkrRef,
) -> ApiResult<OwnershipRequest> {
    let t = target(store, &Viewer::of(&caller.person), okr).await?;
    let filter = &OwnershipRequestFilter {
        state: Some(RequestState::Pending),
        okr_id: Some(okr.id().to_string()),
        ..OwnershipRequestFilter::new(keel_store::Reader::Everyone)
    };
    let pending =
        keel_store::every_page(
            |page| async move { store.list_ownership_requests(filter, &page).await },
        )
        .await?;
    let request = pending
        .into_iter()
        .find(|r| r.proposed_owner_id == t.owner_id)
        .ok_or_else(|| ApiError::Conflict {
            field: None,
            message: "there is no pending ownership request on this OKR".into(),
        })?;
    if request.proposed_owner_id != caller.person.id {
        return Err(ApiError::forbidden(
            "only the person proposed as owner may accept or decline ownership",
        ));
    }
    Ok(request)
}

pub async fn accept(
    store: &dyn Store,
    caller: &Caller,
    okr: OkrRef,
) -> ApiResult<OwnershipRequest> {
    let mut request = pending_for(store, caller, &okr).await?;
    request.accept(now())?;
    store
        .answer_ownership_request(&caller.write_ctx(), &request)
        .await?;
    leave_contributors(store, caller, &okr).await?;
    Ok(request)
}

/// A contributor who accepted ownership leaves the contributors: the owner answers for it.
async fn leave_contributors(store: &dyn Store, caller: &Caller, okr: &OkrRef) -> ApiResult<()> {
    use keel_store::{KeyResults, Objectives};
    let me = &caller.person.id;
    match okr {
        OkrRef::KeyResult(id) => {
            let Some(before) = store.key_result(id).await? else {
                return Ok(());
            };
            if before.contributor_ids.contains(me) {
                let mut after = before.clone();
                after.contributor_ids.retain(|c| c != me);
                store
                    .update_key_result(&caller.write_ctx(), &before, &after)
                    .await?;
            }
        }
        OkrRef::Objective(id) => {
            let Some(before) = store.objective(id).await? else {
                return Ok(());
            };
            if before.contributor_ids.contains(me) {
                let mut after = before.clone();
                after.contributor_ids.retain(|c| c != me);
                store
                    .update_objective(&caller.write_ctx(), &before, &after)
                    .await?;
            }
        }
    }
    Ok(())
}

pub async fn decline(
    store: &dyn Store,
    caller: &Caller,
    okr: OkrRef,
    input: DeclineOwnership,
) -> ApiResult<OwnershipRequest> {
    let mut request = pending_for(store, caller, &okr).await?;
    request.decline(&input.reason, now())?;
    store
        .answer_ownership_request(&caller.write_ctx(), &request)
        .await?;
    Ok(request)
}

/// Requests the caller may see: administrators and champions see all (on OKRs they may see);
/// others those they proposed or are proposed for.
pub async fn list_requests(
    store: &dyn Store,
    caller: &Caller,
    state: Option<RequestState>,
    page: &PageRequest,
) -> ApiResult<keel_store::Page<OwnershipRequest>> {
    Ok(store
        .list_ownership_requests(&requests_filter(caller, state), page)
        .await?)
}

/// The requests `caller` may list: administrators and champions every one on an OKR they may
/// see, everyone else those they proposed or are proposed for.
pub fn requests_filter(caller: &Caller, state: Option<RequestState>) -> OwnershipRequestFilter {
    let sees_all = caller.person.has_role(Role::Admin) || caller.person.has_role(Role::Champion);
    OwnershipRequestFilter {
        state,
        involving: (!sees_all).then(|| caller.person.id.clone()),
        ..OwnershipRequestFilter::new(keel_store::Reader::of(
            Viewer::of(&caller.person).audience(),
        ))
    }
}

/// The doctrine's "Acceptance": "An OKR whose owner hasn't explicitly accepted the responsibility is dead on
/// arrival." An objective becomes active only when it and every key result have an accepted
/// owner.
pub fn check_can_activate(o: &Objective, krs: &[KeyResult]) -> ApiResult<()> {
    let mut waiting = vec![];
    if o.ownership_state != OwnershipState::Accepted {
        waiting.push(format!("the objective ({})", state_word(o.ownership_state)));
    }
    for k in krs {
        if k.ownership_state != OwnershipState::Accepted {
            waiting.push(format!(
                "key result '{}' ({})",
                k.title,
                state_word(k.ownership_state)
            ));
        }
    }
    if waiting.is_empty() {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "state",
            format!(
                "an OKR becomes active only once its owners have accepted; still waiting on {}",
                waiting.join(", ")
            ),
        ))
    }
}

fn state_word(s: OwnershipState) -> &'static str {
    match s {
        OwnershipState::Pending => "ownership pending",
        OwnershipState::Declined => "ownership declined",
        OwnershipState::Accepted => "accepted",
    }
}
