//! The end of a cycle: scoring key results (suggested from attainment), retrospectives that may
//! carry an objective over into the next cycle, closing a cycle (which locks its OKRs) and
//! re-opening it. (The calibration report, a read model, is `crate::read::calibration`.)

use super::guards::{get_key_result, get_objective};
use super::now;
use super::ownership::new_request;
use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use keel_domain::rhythm::{self, KeyResultScore, Retrospective};
use keel_domain::*;
use keel_store::{CarryOver, CycleFilter, Cycles, KeyResults, PageRequest, Rhythm, Store};
use serde::Deserialize;
use utoipa::ToSchema;

async fn require_cycle_open(store: &dyn Store, o: &Objective) -> ApiResult<Cycle> {
    let cycle = store
        .cycle(&o.cycle_id)
        .await?
        .ok_or(ApiError::NotFound("cycle"))?;
    if cycle.state == CycleState::Closed {
        return Err(ApiError::Conflict {
            field: None,
            message: format!(
                "the cycle '{}' is closed: its OKRs are locked (an administrator can reopen it)",
                cycle.name
            ),
        });
    }
    Ok(cycle)
}

// ---------------------------------------------------------------- scores

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScore {
    /// From 0.0 to 1.0 (0–0.3 red, 0.4–0.6 yellow, 0.7–1.0 green).
    pub score: f64,
    /// Why this score, especially when it differs from the suggested one.
    #[serde(default)]
    pub reason: String,
}

/// The key result and its objective, once the caller may score it: 404 when they may not see
/// it, 403 when they may not score it. Asked first by [`score_key_result`] and by the close-out
/// page's score form, before what was typed is read.
pub async fn authorize_score(
    store: &dyn Store,
    caller: &Caller,
    id: &KeyResultId,
) -> ApiResult<(KeyResult, Objective)> {
    let (kr, o) = get_key_result(store, &super::visibility::Viewer::of(&caller.person), id).await?;
    access::score_key_result(&access::Actor::load(store, &caller.person).await?, &kr, &o)?;
    Ok((kr, o))
}

/// Scores a key result at the end of its cycle (again, to correct it). 409 once the cycle is
/// closed.
pub async fn score_key_result(
    store: &dyn Store,
    caller: &Caller,
    id: &KeyResultId,
    input: NewScore,
) -> ApiResult<KeyResult> {
    let (kr, o) = authorize_score(store, caller, id).await?;
    let score = KeyResultScore {
        key_result_id: kr.id.clone(),
        score: input.score,
        reason: input.reason,
        suggested_score: rhythm::suggested_score(kr.progress().attainment),
        scored_by: Some(caller.person.id.clone()),
        scored_at: now(),
    }
    .validated()?;
    require_cycle_open(store, &o).await?;
    store.save_score(&caller.write_ctx(), &score).await?;
    Ok(kr)
}

// ---------------------------------------------------------------- retrospectives

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrospectiveInput {
    /// What worked.
    #[serde(default)]
    pub worked: String,
    /// What did not.
    #[serde(default)]
    pub did_not: String,
    /// Carry the objective over: creates a draft in the next cycle, linked to this one (once).
    #[serde(default)]
    pub carry_over: bool,
}

/// The cycle after `cycle`: the earliest one, not closed, starting after it ends.
async fn next_cycle(store: &dyn Store, cycle: &Cycle) -> ApiResult<Option<Cycle>> {
    let mut page = PageRequest {
        limit: 500,
        cursor: None,
    };
    let mut best: Option<Cycle> = None;
    loop {
        let p = store.list_cycles(&CycleFilter::default(), &page).await?;
        for c in p.items {
            if c.state != CycleState::Closed
                && c.starts_on > cycle.ends_on
                && best.as_ref().is_none_or(|b| {
                    (c.starts_on, (c.ends_on - c.starts_on).num_days())
                        < (b.starts_on, (b.ends_on - b.starts_on).num_days())
                })
            {
                best = Some(c);
            }
        }
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => return Ok(best),
        }
    }
}

/// Writes (or rewrites) an objective's retrospective. Carrying over creates, once, a draft copy
/// of the objective and its key results in the next cycle, owned by the same people (each owner
/// accepts again unless they are the caller) and linked to the original.
pub async fn put_retrospective(
    store: &dyn Store,
    caller: &Caller,
    id: &ObjectiveId,
    input: RetrospectiveInput,
) -> ApiResult<Retrospective> {
    let o = get_objective(store, &super::visibility::Viewer::of(&caller.person), id).await?;
    access::write_retrospective(&access::Actor::load(store, &caller.person).await?, &o)?;
    let before = store.retrospective(&o.id).await?;
    let mut retro = Retrospective {
        objective_id: o.id.clone(),
        worked: input.worked,
        did_not: input.did_not,
        carry_over: input.carry_over,
        carried_over_to: before.and_then(|b| b.carried_over_to),
        updated_by: Some(caller.person.id.clone()),
        updated_at: now(),
    }
    .validated()?;
    if retro.carry_over && retro.carried_over_to.is_none() {
        let cycle = store
            .cycle(&o.cycle_id)
            .await?
            .ok_or(ApiError::NotFound("cycle"))?;
        let next = next_cycle(store, &cycle).await?.ok_or_else(|| {
            ApiError::conflict(
                "carry_over",
                format!(
                    "there is no open cycle after '{}' to carry the objective over to: create it first",
                    cycle.name
                ),
            )
        })?;
        let draft = carry_over(store, caller, &o, &next).await?;
        retro.carried_over_to = Some(draft.objective.id.clone());
        // The retrospective and the whole draft in one transaction: all or nothing.
        store
            .carry_over(&caller.write_ctx(), &retro, &draft)
            .await?;
        return Ok(retro);
    }
    store
        .save_retrospective(&caller.write_ctx(), &retro)
        .await?;
    Ok(retro)
}

/// The draft a carry-over creates: a copy of the objective and its key results in `next`, progress
/// reset, each owner asked again (unless they are the caller). Nothing is written here.
async fn carry_over(
    store: &dyn Store,
    caller: &Caller,
    o: &Objective,
    next: &Cycle,
) -> ApiResult<CarryOver> {
    let t = now();
    let me = &caller.person.id;
    let draft = Objective {
        id: ObjectiveId::generate(),
        cycle_id: next.id.clone(),
        ownership_state: OwnershipState::on_assignment(Some(me), &o.owner_id),
        parents: vec![],
        state: ObjectiveState::Draft,
        created_at: t,
        updated_at: t,
        version: 1,
        ..o.clone()
    };
    let note = format!("carried over from '{}'", o.title);
    let request = new_request(
        OkrRef::Objective(draft.id.clone()),
        None,
        &draft.owner_id,
        me,
        note.clone(),
        None,
    )?;
    let mut key_results = vec![];
    for kr in store.key_results_of(std::slice::from_ref(&o.id)).await? {
        let mut copy = KeyResult {
            id: KeyResultId::generate(),
            objective_id: draft.id.clone(),
            ownership_state: OwnershipState::on_assignment(Some(me), &kr.owner_id),
            confidence: None,
            last_check_in_at: None,
            created_at: t,
            updated_at: t,
            version: 1,
            ..kr
        };
        copy.current = copy.start;
        for m in &mut copy.milestones {
            m.done = false;
        }
        let request = new_request(
            OkrRef::KeyResult(copy.id.clone()),
            None,
            &copy.owner_id,
            me,
            note.clone(),
            None,
        )?;
        key_results.push((copy, Some(request)));
    }
    Ok(CarryOver {
        objective: draft,
        request: Some(request),
        key_results,
    })
}

pub async fn get_retrospective(
    store: &dyn Store,
    caller: &Caller,
    id: &ObjectiveId,
) -> ApiResult<Retrospective> {
    let o = get_objective(store, &super::visibility::Viewer::of(&caller.person), id).await?;
    store
        .retrospective(&o.id)
        .await?
        .ok_or(ApiError::NotFound("retrospective"))
}

// ---------------------------------------------------------------- closing a cycle

/// Closes a cycle: its OKRs are locked (check-ins and edits answer 409). Audited.
pub async fn close_cycle(store: &dyn Store, caller: &Caller, id: &CycleId) -> ApiResult<Cycle> {
    access::close_cycle(&caller.person)?;
    set_cycle_state(store, caller, id, CycleState::Closed).await
}

/// Re-opens a closed cycle (administrators only). Audited.
pub async fn reopen_cycle(store: &dyn Store, caller: &Caller, id: &CycleId) -> ApiResult<Cycle> {
    access::reopen_cycle(&caller.person)?;
    set_cycle_state(store, caller, id, CycleState::Active).await
}

async fn set_cycle_state(
    store: &dyn Store,
    caller: &Caller,
    id: &CycleId,
    state: CycleState,
) -> ApiResult<Cycle> {
    let before = store.cycle(id).await?.ok_or(ApiError::NotFound("cycle"))?;
    let closing = state == CycleState::Closed;
    if (before.state == CycleState::Closed) == closing {
        return Err(ApiError::conflict(
            "state",
            if closing {
                "the cycle is already closed"
            } else {
                "the cycle is not closed"
            },
        ));
    }
    let after = Cycle {
        state,
        ..before.clone()
    };
    Ok(store
        .update_cycle(&caller.write_ctx(), &before, &after)
        .await?)
}
