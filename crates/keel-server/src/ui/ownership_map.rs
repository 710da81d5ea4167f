//! The ownership map (`/ownership`): who owns what across the organisation in a cycle, who is
//! above the health check's overload threshold, and which ownership requests still wait for an
//! answer, at a glance.

use super::company::{cycle_choices, percent, Choice};
use super::{render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::read::ownership_map;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_domain::{OkrRef, OwnershipState};
use serde::Deserialize;

/// The ownership map's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/ownership", get(ownership_map))
}

/// One OKR a person owns.
pub struct Owned {
    pub href: String,
    pub kind: &'static str,
    pub title: String,
    pub percent: i64,
    pub pending: bool,
    pub declined: bool,
}

/// One person's row.
pub struct OwnerRow {
    pub id: String,
    pub name: String,
    pub title: String,
    pub objectives: usize,
    pub key_results: usize,
    pub total: usize,
    pub co_owns: usize,
    pub sponsors: usize,
    pub contributes: usize,
    pub overloaded: bool,
    /// Share of the overload threshold, for the load bar (capped at 100).
    pub load_percent: i64,
    pub owned: Vec<Owned>,
}

/// A pending request.
pub struct PendingRow {
    pub href: String,
    pub kind: &'static str,
    pub title: String,
    pub proposed_owner: String,
    pub proposed_owner_id: String,
    pub proposed_by: String,
    pub waiting_days: i64,
    pub note: String,
}

#[derive(Template)]
#[template(path = "ownership_map.html")]
struct OwnershipPage {
    layout: Layout,
    cycles: Vec<Choice>,
    cycle_name: String,
    error: Option<String>,
    threshold: u32,
    owners: Vec<OwnerRow>,
    overloaded: usize,
    pending: Vec<PendingRow>,
}

#[derive(Debug, Deserialize)]
pub struct OwnershipQuery {
    cycle_id: Option<String>,
}

/// `GET /ownership`.
pub async fn ownership_map(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<OwnershipQuery>,
) -> Result<Response, UiError> {
    let (map, error) =
        match ownership_map::ownership_map(state.store(), &caller, q.cycle_id.as_deref()).await {
            Ok(m) => (m, None),
            Err(ApiError::Invalid(e)) => (
                ownership_map::ownership_map(state.store(), &caller, None).await?,
                Some(e.message),
            ),
            Err(e) => return Err(e.into()),
        };
    let threshold = map.threshold.max(1);
    let owners: Vec<OwnerRow> = if error.is_some() {
        vec![]
    } else {
        map.owners
            .iter()
            .map(|l| {
                let objectives = l
                    .owns
                    .iter()
                    .filter(|o| matches!(o.okr, OkrRef::Objective(_)))
                    .count();
                OwnerRow {
                    id: l.person.id.to_string(),
                    name: l.person.name.clone(),
                    title: l.person.title.clone(),
                    objectives,
                    key_results: l.owns.len() - objectives,
                    total: l.owns.len(),
                    co_owns: l.co_owns,
                    sponsors: l.sponsors,
                    contributes: l.contributes,
                    overloaded: l.overloaded,
                    load_percent: (l.owns.len() as i64 * 100 / threshold as i64).min(100),
                    owned: l
                        .owns
                        .iter()
                        .map(|o| Owned {
                            href: match &o.okr {
                                OkrRef::Objective(id) => format!("/objectives/{id}"),
                                OkrRef::KeyResult(k) => {
                                    format!("/objectives/{}#kr-{k}", o.objective_id)
                                }
                            },
                            kind: match o.okr {
                                OkrRef::Objective(_) => "O",
                                OkrRef::KeyResult(_) => "KR",
                            },
                            title: o.title.clone(),
                            percent: percent(o.progress),
                            pending: o.ownership_state == OwnershipState::Pending,
                            declined: o.ownership_state == OwnershipState::Declined,
                        })
                        .collect(),
                }
            })
            .collect()
    };
    let now = chrono::Utc::now();
    let pending = if error.is_some() {
        vec![]
    } else {
        map.pending
            .iter()
            .map(|p| PendingRow {
                href: match &p.request.okr {
                    OkrRef::Objective(id) => format!("/objectives/{id}"),
                    OkrRef::KeyResult(k) => format!("/objectives/{}#kr-{k}", p.objective_id),
                },
                kind: match p.request.okr {
                    OkrRef::Objective(_) => "Objective",
                    OkrRef::KeyResult(_) => "Key result",
                },
                title: p.title.clone(),
                proposed_owner: p
                    .proposed_owner
                    .as_ref()
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| "(unknown person)".into()),
                proposed_owner_id: p.request.proposed_owner_id.to_string(),
                proposed_by: p
                    .proposed_by
                    .as_ref()
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| "Keel".into()),
                waiting_days: (now - p.request.created_at).num_days().max(0),
                note: p.request.note.clone(),
            })
            .collect()
    };
    let cycle = if error.is_some() {
        None
    } else {
        map.cycle.as_ref()
    };
    let page = OwnershipPage {
        layout: Layout::signed_in(&caller, "/ownership"),
        cycles: cycle_choices(&map.cycles, cycle),
        cycle_name: cycle.map(|c| c.name.clone()).unwrap_or_default(),
        threshold: map.threshold,
        overloaded: owners.iter().filter(|o| o.overloaded).count(),
        owners,
        pending,
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(status, &page))
}
