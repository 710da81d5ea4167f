//! The evaluator's figures round: counts, for the cycles under way, each person's part
//! (owned, co-owned, contributed to, check-ins given: `keel_store::Participation`) and the
//! company tree's first figures (a top-level team's whole subtree and the objectives of no team,
//! by the statuses the evaluator just stored: `keel_store::CompanyTree`), and stores them, so
//! the participation report, the health page's "people without OKRs" and `/company` read a few
//! stored rows instead of counting the whole cycle on each request. Why here: an hour's delay is
//! fine for these figures (each page says when they were counted), and the evaluator has just
//! stored the statuses they are counted from.
//!
//! Which cycles: those not closed, and a closed cycle never counted yet (its figures then stay
//! as they were when it closed).

use crate::error::ApiResult;
use keel_domain::*;
use keel_store::{CompanyTree, Participation, Store};

/// The cycles whose figures a round counts: those under way, and closed cycles never counted
/// (read before either count, so a closed cycle gets both its first time).
pub async fn cycles_to_count(store: &dyn Store) -> ApiResult<Vec<CycleId>> {
    let mut out = vec![];
    for cycle in crate::read::lists::cycles(store).await? {
        if cycle.state == CycleState::Closed
            && store.participation_counted_at(&cycle.id).await?.is_some()
        {
            continue;
        }
        out.push(cycle.id);
    }
    Ok(out)
}

/// Counts and stores everyone's participation in `cycles`.
pub async fn count_participation(
    store: &dyn Store,
    cycles: &[CycleId],
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    for cycle in cycles {
        store.count_participation(cycle, now).await?;
    }
    Ok(())
}

/// Counts and stores the company tree's first figures of `cycles`.
pub async fn count_company(
    store: &dyn Store,
    cycles: &[CycleId],
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    for cycle in cycles {
        store.count_company_figures(cycle, now).await?;
    }
    Ok(())
}
