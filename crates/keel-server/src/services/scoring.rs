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
    let (retro, draft) = prepare_retrospective(store, caller, &o, input).await?;
    match &draft {
        // The retrospective and the whole draft in one transaction: all or nothing.
        Some(d) => store.carry_over(&caller.write_ctx(), &retro, d).await?,
        None => {
            store
                .save_retrospective(&caller.write_ctx(), &retro)
                .await?
        }
    }
    Ok(retro)
}

/// The retrospective `input` describes, checked, with the draft it carries over to (when it
/// carries the objective over for the first time). Nothing is written here.
async fn prepare_retrospective(
    store: &dyn Store,
    caller: &Caller,
    o: &Objective,
    input: RetrospectiveInput,
) -> ApiResult<(Retrospective, Option<CarryOver>)> {
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
        let next = next_cycle(store, &cycle)
            .await?
            .ok_or_else(|| no_next_cycle(&cycle))?;
        let draft = carry_over(store, caller, o, &next).await?;
        retro.carried_over_to = Some(draft.objective.id.clone());
        return Ok((retro, Some(draft)));
    }
    Ok((retro, None))
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

// ---------------------------------------------------------------- the close-out page's one save

/// A score as compared between the page and the store: `0.70` and the reason on the next line;
/// empty for no score. Its fingerprint is what the close-out page sends back as seen.
pub fn score_text(score: Option<f64>, reason: &str) -> String {
    match score {
        Some(s) => format!("{s:.2}\n{}", reason.trim()),
        None => String::new(),
    }
}

/// A key result's score as the close-out page sends it, with the fingerprint of the score
/// the page showed ([`score_text`]).
#[derive(Debug, Clone)]
pub struct ScoreEdit {
    pub key_result_id: KeyResultId,
    pub score: f64,
    pub reason: String,
    pub seen: String,
}

/// One text of the retrospective as the page sends it (typed, fingerprint of what was shown).
#[derive(Debug, Clone, Default)]
pub struct TextEdit {
    pub typed: String,
    pub seen: String,
}

/// The retrospective as the page sends it.
#[derive(Debug, Clone, Default)]
pub struct RetrospectiveEdit {
    pub worked: TextEdit,
    pub did_not: TextEdit,
    pub carry_over: bool,
}

/// What someone else saved since the page was opened, where the reader changed it too.
#[derive(Debug, Clone)]
pub enum CloseOutConflict {
    /// Their score of this key result (`None`: they took none away; never happens today).
    Score(KeyResultId, Option<KeyResultScore>),
    /// Their text of the retrospective's field `worked` or `did_not`.
    Text(&'static str, String),
}

/// What the close-out page's save did.
#[derive(Debug)]
pub enum CloseOutSaved {
    /// Written (how many scores and retrospective changes; 0 when nothing had changed).
    Saved(usize),
    /// Nothing written: someone else changed what the reader changed too.
    Conflicts(Vec<CloseOutConflict>),
}

/// Records everything the close-out page's one form sends: each changed score and the
/// retrospective, over what the page showed (`super::edits`). Permission first (404/403 per
/// key result as [`authorize_score`], 403 for a retrospective the caller may not write), then
/// every value is checked, then conflicts; only then is anything written.
pub async fn save_close_out(
    store: &dyn Store,
    caller: &Caller,
    id: &ObjectiveId,
    scores: &[ScoreEdit],
    retro: Option<&RetrospectiveEdit>,
) -> ApiResult<CloseOutSaved> {
    use super::edits::{merge, Merge};
    let o = get_objective(store, &super::visibility::Viewer::of(&caller.person), id).await?;
    let mut krs = vec![];
    for s in scores {
        let (kr, of) = authorize_score(store, caller, &s.key_result_id).await?;
        if of.id != o.id {
            return Err(ApiError::NotFound("key result"));
        }
        krs.push(kr);
    }
    if retro.is_some() {
        access::write_retrospective(&access::Actor::load(store, &caller.person).await?, &o)?;
    }
    let ids: Vec<KeyResultId> = krs.iter().map(|k| k.id.clone()).collect();
    let stored: Vec<KeyResultScore> = if ids.is_empty() {
        vec![]
    } else {
        store.scores_of(&ids).await?
    };
    let mut conflicts = vec![];
    let mut to_save = vec![];
    for (s, kr) in scores.iter().zip(&krs) {
        let theirs = stored.iter().find(|t| t.key_result_id == kr.id);
        let stored_text = score_text(theirs.map(|t| t.score), theirs.map_or("", |t| &t.reason));
        match merge(&s.seen, &score_text(Some(s.score), &s.reason), &stored_text) {
            Merge::Keep => {}
            Merge::Conflict => {
                conflicts.push(CloseOutConflict::Score(kr.id.clone(), theirs.cloned()))
            }
            Merge::Write => to_save.push(
                KeyResultScore {
                    key_result_id: kr.id.clone(),
                    score: s.score,
                    reason: s.reason.clone(),
                    suggested_score: rhythm::suggested_score(kr.progress().attainment),
                    scored_by: Some(caller.person.id.clone()),
                    scored_at: now(),
                }
                .validated()
                .map_err(|f| ApiError::invalid(&format!("{}.{}", f.field, kr.id), f.message))?,
            ),
        }
    }
    let before = store.retrospective(&o.id).await?;
    let mut new_retro = None;
    if let Some(r) = retro {
        let (worked, did_not) = before
            .as_ref()
            .map_or(("", ""), |b| (b.worked.as_str(), b.did_not.as_str()));
        let mut merged = RetrospectiveInput {
            worked: worked.to_string(),
            did_not: did_not.to_string(),
            carry_over: before.as_ref().is_some_and(|b| b.carry_over),
        };
        let mut changed = false;
        for (name, edit, stored, into) in [
            ("worked", &r.worked, worked, &mut merged.worked),
            ("did_not", &r.did_not, did_not, &mut merged.did_not),
        ] {
            match merge(&edit.seen, &edit.typed, stored) {
                Merge::Keep => {}
                Merge::Conflict => conflicts.push(CloseOutConflict::Text(name, stored.to_string())),
                Merge::Write => {
                    *into = edit.typed.clone();
                    changed = true;
                }
            }
        }
        if r.carry_over && !merged.carry_over {
            merged.carry_over = true;
            changed = true;
        }
        if changed {
            new_retro = Some(merged);
        }
    }
    if !conflicts.is_empty() {
        return Ok(CloseOutSaved::Conflicts(conflicts));
    }
    let changes = to_save.len() + usize::from(new_retro.is_some());
    if changes == 0 {
        return Ok(CloseOutSaved::Saved(0));
    }
    if !to_save.is_empty() {
        require_cycle_open(store, &o).await?;
    }
    let (retro, draft) = match new_retro {
        Some(r) => {
            let (r, d) = prepare_retrospective(store, caller, &o, r).await?;
            (Some(r), d)
        }
        None => (None, None),
    };
    // The scores and the retrospective (and any draft it carries over to) in one
    // transaction: all or nothing.
    store
        .save_close_out(
            &caller.write_ctx(),
            &to_save,
            retro.as_ref(),
            draft.as_ref(),
        )
        .await?;
    Ok(CloseOutSaved::Saved(changes))
}

fn no_next_cycle(cycle: &Cycle) -> ApiError {
    ApiError::conflict(
        "carry_over",
        format!(
            "there is no open cycle after '{}' to carry the objective over to: create it first",
            cycle.name
        ),
    )
}
