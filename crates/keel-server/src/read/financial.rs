//! The financial key results report, for finance (the OKR Body of Knowledge's "Finance Teams":
//! revenue, cost and profitability key results aligned with company OKRs): the key results
//! tagged `financial` in a cycle, each with its start, target, current value, progress and
//! status, and their figures summed per team and per currency. One read model for
//! `GET /api/v1/reports/financial`, its CSV and the page `/reports/financial`.
//!
//! "Financial" is the key result's `financial` tag and the currency its `unit`, as written;
//! the definition and the totals live in the store (`keel_store::Financial`), which sums in
//! SQL. Only key results the reader may see are listed or summed. Who may read it:
//! `access::read_financial_report`.

use super::lists::{cycles, pick_cycle};
use super::views;
use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::visibility::Viewer;
use keel_domain::rhythm::Status;
use keel_domain::*;
use keel_store::{
    DynStore, Financial, FinancialQuery, KeyResults, Objectives, PageRequest, Store, Teams,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// What to list, as the query string spells it.
#[derive(Debug, Clone, Default)]
pub struct FinancialParams {
    pub cycle_id: Option<String>,
    pub team_id: Option<String>,
}

/// One financial key result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FinancialLine {
    pub key_result_id: KeyResultId,
    pub title: String,
    pub objective_id: ObjectiveId,
    pub objective_title: String,
    pub owner_id: PersonId,
    pub owner_name: String,
    /// The currency (its unit, as written).
    pub unit: String,
    pub start: f64,
    pub target: f64,
    pub current: f64,
    /// In [0, 1].
    pub progress: f64,
    pub status: Status,
    /// The status in words.
    pub status_reason: String,
    /// The teams it counts for in the totals (its own, else its objective's).
    pub team_ids: Vec<TeamId>,
}

/// One team's totals in one currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FinancialTotalLine {
    /// Null for key results shared with no team.
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub unit: String,
    pub key_results: i64,
    pub start: f64,
    pub target: f64,
    pub current: f64,
}

/// A page of the financial report.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinancialReport {
    pub cycle_id: CycleId,
    pub team_id: Option<TeamId>,
    /// Per team (by name, then key results with no team) and currency, over every key result
    /// the report covers (not only this page's).
    pub totals: Vec<FinancialTotalLine>,
    /// Key results by id.
    pub items: Vec<FinancialLine>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A checked request: the cycle, the team and the store query.
pub struct Prepared {
    pub cycle: Cycle,
    pub cycles: Vec<Cycle>,
    pub team: Option<Team>,
    pub query: FinancialQuery,
}

/// Checks who is asking (403) and what (422 on `cycle_id` or `team_id`); `Ok(None)` when
/// there is no cycle yet.
pub async fn prepare(
    store: &dyn Store,
    caller: &Caller,
    params: &FinancialParams,
) -> ApiResult<Option<Prepared>> {
    access::read_financial_report(&caller.person)?;
    let team = match params.team_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => {
            let id = TeamId::from_string(id.to_string());
            Some(store.team(&id).await?.ok_or_else(|| {
                ApiError::invalid("team_id", format!("no team has the id '{id}'"))
            })?)
        }
    };
    let cycles = cycles(store).await?;
    let today = crate::services::today(store).await?;
    let Some(cycle) = pick_cycle(&cycles, params.cycle_id.as_deref(), today)? else {
        return Ok(None);
    };
    let query = FinancialQuery {
        reader: keel_store::Reader::of(Viewer::of(&caller.person).audience()),
        cycle_id: cycle.id.clone(),
        team_id: team.as_ref().map(|t| t.id.clone()),
    };
    Ok(Some(Prepared {
        cycle,
        cycles,
        team,
        query,
    }))
}

/// The lines of a page of key result ids, in that order: a constant number of queries (the key
/// results, their objectives, and the views' names and statuses).
async fn lines(store: &dyn Store, ids: &[KeyResultId]) -> ApiResult<Vec<FinancialLine>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let krs = store.key_results_by_ids(ids).await?;
    let objective_ids: Vec<ObjectiveId> = krs
        .iter()
        .map(|k| k.objective_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let objectives = store.objectives_by_ids(&objective_ids).await?;
    let wanted: HashSet<&KeyResultId> = ids.iter().collect();
    let mut found: HashMap<KeyResultId, FinancialLine> = HashMap::new();
    for o in views::objectives(store, objectives).await? {
        for k in o.key_results {
            if !wanted.contains(&k.id) {
                continue;
            }
            let team_ids = if k.team_ids.is_empty() {
                o.team_ids.clone()
            } else {
                k.team_ids.clone()
            };
            found.insert(
                k.id.clone(),
                FinancialLine {
                    key_result_id: k.id,
                    title: k.title,
                    objective_id: o.id.clone(),
                    objective_title: o.title.clone(),
                    owner_id: k.owner_id,
                    owner_name: k.owner.name,
                    unit: k.unit,
                    start: k.start,
                    target: k.target,
                    current: k.current,
                    progress: k.progress,
                    status: k.status,
                    status_reason: k.status_reason,
                    team_ids,
                },
            );
        }
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// A page of financial key results with the totals.
pub async fn page(
    store: &dyn Store,
    prepared: &Prepared,
    page: &PageRequest,
) -> ApiResult<FinancialReport> {
    let totals = store.financial_totals(&prepared.query).await?;
    let ids = store.financial_key_results(&prepared.query, page).await?;
    Ok(FinancialReport {
        cycle_id: prepared.cycle.id.clone(),
        team_id: prepared.team.as_ref().map(|t| t.id.clone()),
        totals: totals
            .into_iter()
            .map(|t| FinancialTotalLine {
                team_id: t.team_id,
                team_name: t.team_name,
                unit: t.unit,
                key_results: t.key_results,
                start: t.start,
                target: t.target,
                current: t.current,
            })
            .collect(),
        items: lines(store, &ids.items).await?,
        next_cursor: ids.next_cursor,
    })
}

/// The report's CSV columns.
pub const CSV_HEADER: [&str; 11] = [
    "key result",
    "objective",
    "owner",
    "currency",
    "start",
    "target",
    "current",
    "progress %",
    "status",
    "key result id",
    "owner id",
];

/// One key result as a CSV record (`read::csv` quotes and defuses the fields).
pub fn csv_record(l: &FinancialLine) -> Vec<String> {
    vec![
        l.title.clone(),
        l.objective_title.clone(),
        l.owner_name.clone(),
        l.unit.clone(),
        l.start.to_string(),
        l.target.to_string(),
        l.current.to_string(),
        format!("{:.0}", l.progress * 100.0),
        l.status.label().to_string(),
        l.key_result_id.to_string(),
        l.owner_id.to_string(),
    ]
}

/// Every financial key result of a query as CSV, streamed 500 at a time.
pub fn csv_export(store: DynStore, query: FinancialQuery) -> axum::response::Response {
    let query = std::sync::Arc::new(query);
    super::csv::stream("financial-key-results.csv", &CSV_HEADER, move |cursor| {
        let (store, query) = (store.clone(), query.clone());
        async move {
            let ids = store
                .financial_key_results(&query, &PageRequest { limit: 500, cursor })
                .await?;
            let records: Vec<Vec<String>> = lines(store.as_ref(), &ids.items)
                .await?
                .iter()
                .map(csv_record)
                .collect();
            Ok::<_, ApiError>((records, ids.next_cursor))
        }
    })
}
