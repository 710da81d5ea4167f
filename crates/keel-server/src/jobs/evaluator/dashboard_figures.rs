//! The dashboards' figures, counted once a round (`keel_store::DashboardFigures`): key results
//! by status and the week's movers per cycle and team subtree, owner confidence per week and the
//! top objectives' count, per visibility, so a dashboard adds up a few stored rows (and the
//! non-public OKRs its reader is in) instead of counting the whole cycle on each request.
//!
//! Every cycle is counted each round but a closed one already counted since it last changed: its
//! figures no longer move.

use crate::error::ApiResult;
use crate::read::dashboard::{cycle_span, MOVERS_WINDOW_DAYS, TOP_OBJECTIVES};
use keel_domain::*;
use keel_store::{DashboardFigures, DashboardRound, Store};
use std::collections::HashMap;

/// Counts and stores the figures of every cycle that may have changed, as of `now`.
pub async fn record(store: &dyn Store, now: chrono::DateTime<chrono::Utc>) -> ApiResult<()> {
    let counted: HashMap<CycleId, DashboardRound> = store
        .dashboard_rounds()
        .await?
        .into_iter()
        .map(|r| (r.cycle_id.clone(), r))
        .collect();
    for cycle in crate::read::lists::cycles(store).await? {
        let settled = cycle.state == CycleState::Closed
            && counted
                .get(&cycle.id)
                .is_some_and(|r| r.evaluated_at > cycle.updated_at);
        if settled {
            continue;
        }
        let round = DashboardRound {
            cycle_id: cycle.id.clone(),
            evaluated_at: now,
            movers_since: now - chrono::Duration::days(MOVERS_WINDOW_DAYS),
        };
        let (start, end) = cycle_span(&cycle);
        let figures = store
            .count_dashboard_figures(&cycle.id, round.movers_since, start, end, TOP_OBJECTIVES)
            .await?;
        store.replace_dashboard_figures(&round, &figures).await?;
    }
    Ok(())
}
