//! An objective's close-out: its scores and retrospective, for those who may score one of its
//! key results or write its retrospective (the doctrine's "Scoring and retrospective").

use super::views::{self, ObjectiveView};
use crate::access;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::guards::get_objective;
use crate::services::visibility::Viewer;
use keel_domain::rhythm;
use keel_domain::*;
use keel_store::{Cycles, KeyResults, Rhythm, Store};
use std::collections::HashSet;

/// Everything on an objective's close-out page.
pub struct CloseOut {
    pub objective: ObjectiveView,
    pub cycle: Option<Cycle>,
    pub retrospective: Option<rhythm::Retrospective>,
    /// The key results the caller may score.
    pub can_score: HashSet<KeyResultId>,
    pub can_write_retrospective: bool,
}

/// An objective's scores and retrospective, for those who may score one of its key results or
/// write its retrospective (403 for anyone else who may see it; 404 for those who may not).
/// A constant number of queries.
pub async fn close_out(
    store: &dyn Store,
    caller: &Caller,
    id: &ObjectiveId,
) -> ApiResult<CloseOut> {
    let o = get_objective(store, &Viewer::of(&caller.person), id).await?;
    let krs = store.key_results_of(std::slice::from_ref(&o.id)).await?;
    let actor = access::Actor::load(store, &caller.person).await?;
    let can_score: HashSet<KeyResultId> = krs
        .iter()
        .filter(|k| access::score_key_result(&actor, k, &o).is_ok())
        .map(|k| k.id.clone())
        .collect();
    let can_write_retrospective = access::write_retrospective(&actor, &o).is_ok();
    if can_score.is_empty() && !can_write_retrospective {
        access::write_retrospective(&actor, &o)?;
    }
    let cycle = store.cycle(&o.cycle_id).await?;
    let retrospective = store.retrospective(&o.id).await?;
    Ok(CloseOut {
        objective: views::objective(store, o).await?,
        cycle,
        retrospective,
        can_score,
        can_write_retrospective,
    })
}
