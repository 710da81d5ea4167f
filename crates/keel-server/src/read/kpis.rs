//! What a KPI shows, in the API and on its pages alike: the KPI, its health against its
//! corridor (healthy, or outside since when) and its latest reading, with its readings for the
//! charts. One query for the readings of a whole page of KPIs.

use crate::error::ApiResult;
use keel_domain::kpi::{Kpi, KpiHealth, KpiValue};
use keel_domain::KpiId;
use keel_store::{DataFeeds, Store};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiView {
    #[serde(flatten)]
    pub kpi: Kpi,
    /// Healthy, outside its corridor since a reading, no corridor, or no readings yet.
    pub health: KpiHealth,
    /// The latest reading, if any.
    pub latest: Option<KpiValue>,
    /// Every reading, oldest first (for charts; not in the API: page `GET /kpis/{id}/values`).
    #[serde(skip)]
    pub readings: Vec<KpiValue>,
}

/// The views of `kpis`, in the same order: one query for all their readings.
pub async fn views(store: &dyn Store, kpis: Vec<Kpi>) -> ApiResult<Vec<KpiView>> {
    let ids: Vec<KpiId> = kpis.iter().map(|k| k.id.clone()).collect();
    let mut readings: HashMap<KpiId, Vec<KpiValue>> = HashMap::new();
    for v in store.kpi_readings(&ids).await? {
        readings.entry(v.kpi_id.clone()).or_default().push(v);
    }
    Ok(kpis
        .into_iter()
        .map(|kpi| {
            let mut mine = readings.remove(&kpi.id).unwrap_or_default();
            mine.sort_by(|a, b| (a.at, a.id.as_str()).cmp(&(b.at, b.id.as_str())));
            let points: Vec<_> = mine.iter().map(|v| (v.at, v.value)).collect();
            KpiView {
                health: KpiHealth::of(&kpi.corridor, &points),
                latest: mine.last().cloned(),
                readings: mine,
                kpi,
            }
        })
        .collect())
}

/// One KPI's view.
pub async fn view(store: &dyn Store, kpi: Kpi) -> ApiResult<KpiView> {
    let mut v = views(store, vec![kpi]).await?;
    Ok(v.remove(0))
}
