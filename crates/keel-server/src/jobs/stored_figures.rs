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
//!
//! It also counts the calibration of a closed cycle (`keel_store::CalibrationTallies`), the
//! sums of each person's and team's readings against the final scores, which the calibration
//! report adds up instead of tallying every scored key result on each request: once, at the
//! first round after the close (a closed cycle's OKRs are locked; re-opening it forgets the
//! sums, so it is counted again once closed again).

use crate::error::ApiResult;
use keel_domain::*;
use keel_store::{CalibrationTallies, CompanyTree, Participation, Settings, Store};

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

/// Counts and stores the calibration of the closed cycles not counted since they closed.
pub async fn count_calibration(
    store: &dyn Store,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let settings = store.settings().await?;
    for cycle in crate::read::lists::cycles(store).await? {
        if cycle.state == CycleState::Closed
            && store.calibration_counted_at(&cycle.id).await?.is_none()
        {
            let until = crate::read::calibration::readings_until(&settings, &cycle);
            store.count_calibration(&cycle.id, until, now).await?;
        }
    }
    Ok(())
}
