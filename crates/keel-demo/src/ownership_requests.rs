//! The ownership requests behind generated owners ("Acceptance"): whoever is named owner was
//! asked by someone, and accepted, declined or has not answered yet.

use chrono::Duration;
use keel_domain::*;
use keel_store::Snapshot;

/// Every pending or declined owner gets the request behind it (who proposed, when, why), and,
/// in the hand-written demo, every accepted owner the request they accepted, so that the
/// ownership history and "accept" work on demo data as on real data.
pub(crate) fn add_ownership_requests(snap: &mut Snapshot, accepted_too: bool) {
    let managers: std::collections::HashMap<PersonId, Option<PersonId>> = snap
        .people
        .iter()
        .map(|p| (p.id.clone(), p.manager_id.clone()))
        .collect();
    let objective_owner: std::collections::HashMap<ObjectiveId, PersonId> = snap
        .objectives
        .iter()
        .map(|o| (o.id.clone(), o.owner_id.clone()))
        .collect();
    // Whoever proposes when the natural proposer is the owner themself (the CEO has no manager).
    let fallback: Vec<PersonId> = snap.people.iter().take(2).map(|p| p.id.clone()).collect();
    let mut requests = vec![];
    let mut push = |okr: OkrRef,
                    owner: &PersonId,
                    state: OwnershipState,
                    proposer: Option<PersonId>,
                    created: Timestamp,
                    n: usize| {
        let (state, reason) = match state {
            OwnershipState::Accepted if !accepted_too => return,
            OwnershipState::Accepted => (RequestState::Accepted, None),
            OwnershipState::Pending => (RequestState::Pending, None),
            OwnershipState::Declined => (
                RequestState::Declined,
                Some(
                    "I have no say over the decisions this needs; it belongs closer to the work"
                        .to_string(),
                ),
            ),
        };
        // Someone other than the owner proposes a pending or declined owner; an accepted one may
        // have named themself.
        let proposer = proposer.filter(|p| p != owner).or_else(|| {
            (state != RequestState::Accepted)
                .then(|| fallback.iter().find(|p| *p != owner).cloned())
                .flatten()
        });
        let self_named = proposer.is_none();
        let state = if self_named {
            RequestState::Accepted
        } else {
            state
        };
        let decided = match state {
            RequestState::Pending => None,
            _ => Some(created + Duration::hours(if self_named { 0 } else { 20 })),
        };
        requests.push(OwnershipRequest {
            id: OwnershipRequestId::generate(),
            okr,
            previous_owner_id: None,
            proposed_owner_id: owner.clone(),
            proposed_by: Some(proposer.unwrap_or_else(|| owner.clone())),
            note: if self_named {
                String::new()
            } else {
                "You are closest to this outcome; would you carry it this cycle?".into()
            },
            fit: (n.is_multiple_of(3) && !self_named).then(|| OwnerFit {
                legitimacy: true,
                decision_authority: n.is_multiple_of(2),
                proximity: true,
                note: "Runs this work week to week".into(),
            }),
            state,
            decline_reason: if state == RequestState::Declined {
                reason
            } else {
                None
            },
            created_at: created,
            decided_at: decided,
        });
    };
    for (n, o) in snap.objectives.iter().enumerate() {
        let proposer = managers.get(&o.owner_id).cloned().flatten();
        let created = o.created_at.min(o.updated_at);
        push(
            OkrRef::Objective(o.id.clone()),
            &o.owner_id,
            o.ownership_state,
            proposer,
            created,
            n,
        );
    }
    for (n, k) in snap.key_results.iter().enumerate() {
        let proposer = objective_owner.get(&k.objective_id).cloned();
        let created = k.created_at.min(k.updated_at);
        push(
            OkrRef::KeyResult(k.id.clone()),
            &k.owner_id,
            k.ownership_state,
            proposer,
            created,
            n,
        );
    }
    snap.ownership_requests = requests;
}
