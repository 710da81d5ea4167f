//! KPIs, the use cases: created by whoever may create OKRs (owning it themselves; an admin may
//! name another owner), changed and fed by their owner or an admin (or pushed with one of their
//! ingest tokens), read by everyone signed in (a KPI is the organisation's shared measure, not
//! an OKR with a circle). A reading also records a check-in, in the same transaction, on each
//! open key result that names the KPI as its data source ("KPI: <name>"). Why a module: the
//! rule that links a key result to a KPI, and what a reading does to it, are written once for
//! the API and the pages.

use super::check_ins::{self, Author, Reading};
use super::data_feeds::{token_ctx, PushedValue, Pusher};
use super::{now, require_active_person};
use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Refusals};
use keel_domain::data_feed::{DataSource, FeedTarget, SourceKind};
use keel_domain::kpi::{Corridor, Kpi, KpiValue};
use keel_domain::*;
use keel_store::{Cycles, DataFeeds, KeyResults, Objectives, Page, PageRequest, Settings, Store};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKpi {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Defaults to the caller; only an admin may name someone else.
    pub owner_id: Option<PersonId>,
    #[serde(default)]
    pub unit: String,
    /// Healthy at or above this (with `corridor_max`: between the two).
    pub corridor_min: Option<f64>,
    /// Healthy at or below this.
    pub corridor_max: Option<f64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KpiPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Only an admin may hand a KPI to someone else.
    pub owner_id: Option<PersonId>,
    pub unit: Option<String>,
    /// `null` clears the lower bound.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<f64>)]
    pub corridor_min: Option<Option<f64>>,
    /// `null` clears the upper bound.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<f64>)]
    pub corridor_max: Option<Option<f64>>,
}

/// A KPI, or 404. Everyone signed in may read KPIs.
pub async fn get(store: &dyn Store, id: &KpiId) -> ApiResult<Kpi> {
    store.kpi(id).await?.ok_or(ApiError::NotFound("KPI"))
}

/// A KPI the caller may change: 404 when unknown, 403 unless they own it or are an admin.
pub async fn managed(store: &dyn Store, caller: &Caller, id: &KpiId) -> ApiResult<Kpi> {
    let kpi = get(store, id).await?;
    access::manage_kpi(&caller.person, &kpi)?;
    Ok(kpi)
}

/// Every refusal of a KPI as described, each naming its field.
async fn check(store: &dyn Store, caller: &Caller, kpi: Kpi) -> Result<Kpi, Refusals> {
    access::assign_kpi_owner(&caller.person, &kpi.owner_id)?;
    let owner = require_active_person(store, "owner_id", &kpi.owner_id).await;
    match (kpi.validated_all(), owner) {
        (Ok(k), Ok(_)) => Ok(k),
        (checked, owner) => {
            let mut errors: Vec<ApiError> = owner.err().into_iter().collect();
            errors.extend(checked.err().into_iter().flatten().map(ApiError::from));
            Err(Refusals(errors))
        }
    }
}

/// `POST /kpis`.
pub async fn create(store: &dyn Store, caller: &Caller, input: NewKpi) -> Result<Kpi, Refusals> {
    access::create_kpi(&caller.person)?;
    let t = now();
    let kpi = Kpi {
        id: KpiId::generate(),
        name: input.name,
        description: input.description,
        owner_id: input.owner_id.unwrap_or_else(|| caller.person.id.clone()),
        unit: input.unit,
        corridor: Corridor {
            min: input.corridor_min,
            max: input.corridor_max,
        },
        created_at: t,
        updated_at: t,
        version: 1,
    };
    let kpi = check(store, caller, kpi).await?;
    store
        .insert_kpi(&caller.write_ctx(), &kpi)
        .await
        .map_err(ApiError::from)?;
    Ok(kpi)
}

/// `PATCH /kpis/{id}`: its owner or an admin; 412 when `if_match` is not its version.
pub async fn patch(
    store: &dyn Store,
    caller: &Caller,
    id: &KpiId,
    if_match: crate::extract::IfMatch,
    p: KpiPatch,
) -> Result<Kpi, Refusals> {
    let before = managed(store, caller, id).await?;
    if_match.check(before.version)?;
    let mut after = before.clone();
    if let Some(n) = p.name {
        after.name = n;
    }
    if let Some(d) = p.description {
        after.description = d;
    }
    if let Some(o) = p.owner_id {
        after.owner_id = o;
    }
    if let Some(u) = p.unit {
        after.unit = u;
    }
    if let Some(m) = p.corridor_min {
        after.corridor.min = m;
    }
    if let Some(m) = p.corridor_max {
        after.corridor.max = m;
    }
    let after = check(store, caller, after).await?;
    Ok(store
        .update_kpi(&caller.write_ctx(), &before, &after)
        .await
        .map_err(ApiError::from)?)
}

/// `DELETE /kpis/{id}`: its owner or an admin. Its tokens stop working and the key results it
/// fed keep their history but are fed no more.
pub async fn delete(store: &dyn Store, caller: &Caller, id: &KpiId) -> ApiResult<()> {
    let kpi = managed(store, caller, id).await?;
    store.delete_kpi(&caller.write_ctx(), &kpi.id).await?;
    Ok(())
}

/// A KPI's readings, newest first, a page at a time.
pub async fn values(
    store: &dyn Store,
    id: &KpiId,
    page: &PageRequest,
) -> ApiResult<Page<KpiValue>> {
    let kpi = get(store, id).await?;
    Ok(store.kpi_values(&kpi.id, page).await?)
}

/// `POST /kpis/{id}/values`: a reading by the KPI's owner or an admin, or pushed with one of
/// its ingest tokens (another target's token: 403). A KPI reading carries no confidence (422
/// naming `confidence` if one is sent). Every open key result fed by the KPI records a
/// check-in in the same transaction, by "KPI: <name>"; one in a closed cycle or a closed
/// objective is left as it is. Returns the reading and the key results it moved.
pub async fn record(
    store: &dyn Store,
    pusher: &Pusher,
    id: &KpiId,
    input: PushedValue,
) -> ApiResult<(KpiValue, Vec<KeyResult>)> {
    let (kpi, author_id, source, ctx) = match pusher {
        Pusher::Person(caller) => {
            let kpi = managed(store, caller, id).await?;
            (
                kpi,
                Some(caller.person.id.clone()),
                None,
                caller.write_ctx(),
            )
        }
        Pusher::Token(token) => {
            if token.target != FeedTarget::Kpi(id.clone()) {
                return Err(ApiError::forbidden(
                    "this ingest token pushes values to another key result or KPI only",
                ));
            }
            let kpi = get(store, id).await?;
            (kpi, None, Some(token.source()), token_ctx())
        }
    };
    if input.confidence.is_some() {
        return Err(ApiError::invalid(
            "confidence",
            "a KPI reading has no confidence; give it on the key results it feeds",
        ));
    }
    let t = now();
    let value = KpiValue {
        id: KpiValueId::generate(),
        kpi_id: kpi.id.clone(),
        value: input.value,
        note: input.note,
        author_id,
        source,
        at: t,
        created_at: t,
    }
    .validated()?;
    let fed = fed_check_ins(store, &kpi, &value).await?;
    let moved = store.record_kpi_value(&ctx, &value, &fed).await?;
    Ok((value, moved))
}

/// The check-ins a reading makes on the key results the KPI feeds: a constant number of
/// queries whatever their number. Key results that cannot take it now (closed) are skipped.
pub(crate) async fn fed_check_ins(
    store: &dyn Store,
    kpi: &Kpi,
    value: &KpiValue,
) -> ApiResult<Vec<(CheckIn, KeyResult)>> {
    let ids = store.key_results_fed_by(&kpi.id).await?;
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let krs = store.key_results_by_ids(&ids).await?;
    let mut objective_ids: Vec<ObjectiveId> = krs.iter().map(|k| k.objective_id.clone()).collect();
    objective_ids.sort();
    objective_ids.dedup();
    let objectives: HashMap<ObjectiveId, Objective> = store
        .objectives_by_ids(&objective_ids)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let mut cycle_ids: Vec<CycleId> = objectives.values().map(|o| o.cycle_id.clone()).collect();
    cycle_ids.sort();
    cycle_ids.dedup();
    let cycles: HashMap<CycleId, Cycle> = store
        .cycles_by_ids(&cycle_ids)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let scale = store.settings().await?.confidence_scale;
    let source = DataSource {
        kind: SourceKind::Kpi,
        id: kpi.id.to_string(),
        name: kpi.name.clone(),
    };
    let mut fed = Vec::with_capacity(krs.len());
    for kr in &krs {
        let Some(o) = objectives.get(&kr.objective_id) else {
            continue;
        };
        let reading = Reading {
            value: value.value,
            confidence: None,
            note: value.note.clone(),
            at: Some(value.at),
            author: Author::Source(source.clone()),
        };
        match check_ins::judge(kr, o, cycles.get(&o.cycle_id), scale, value.at, reading) {
            Ok(pair) => fed.push(pair),
            // Closed, or a value this key result cannot take: it keeps its own history.
            Err(ApiError::Conflict { .. } | ApiError::Invalid(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(fed)
}

/// The kinds of key result a KPI may feed: those measured by a number.
fn takes_a_number(kind: MetricKind) -> bool {
    matches!(
        kind,
        MetricKind::Increase | MetricKind::Decrease | MetricKind::StayAbove | MetricKind::StayBelow
    )
}

/// Whether `kpi_id` may feed a key result of `kind`: it must name a KPI (422 naming `kpi_id`
/// otherwise) and the key result must be measured by a number.
pub async fn check_source(store: &dyn Store, kind: MetricKind, kpi_id: &KpiId) -> ApiResult<()> {
    if store.kpi(kpi_id).await?.is_none() {
        return Err(ApiError::invalid("kpi_id", "no such KPI"));
    }
    if !takes_a_number(kind) {
        return Err(ApiError::invalid(
            "kpi_id",
            "only a key result measured by a number (increase, decrease, stay above or below) can take a KPI's readings",
        ));
    }
    Ok(())
}
