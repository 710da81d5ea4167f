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
    /// What they own beyond the list, on their person page (`person_href`).
    pub more: usize,
    pub person_href: String,
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
    /// A page number that is not one, or past the last page.
    page_error: Option<String>,
    first_href: String,
    threshold: u32,
    owners: Vec<OwnerRow>,
    /// Everyone involved and the overloaded among them, over every page.
    people: i64,
    overloaded: i64,
    /// "People 51 to 100 of 4,210", and the links to the pages around it.
    showing: String,
    previous_href: Option<String>,
    next_href: Option<String>,
    pending: Vec<PendingRow>,
    more_pending: bool,
    /// When the loads were counted, in words.
    freshness: String,
}

#[derive(Debug, Deserialize)]
pub struct OwnershipQuery {
    cycle_id: Option<String>,
    page: Option<String>,
}

fn owner_row(
    l: &ownership_map::OwnerLoad,
    threshold: u32,
    cycle: Option<&keel_domain::Cycle>,
) -> OwnerRow {
    let total = (l.load.owned_objectives + l.load.owned_key_results).max(0) as usize;
    OwnerRow {
        more: total.saturating_sub(l.owns.len()),
        person_href: super::company::person_href(l.load.person_id.as_str(), cycle),
        id: l.load.person_id.to_string(),
        name: l.load.name.clone(),
        title: l.load.title.clone(),
        objectives: l.load.owned_objectives.max(0) as usize,
        key_results: l.load.owned_key_results.max(0) as usize,
        total,
        co_owns: l.load.co_owned.max(0) as usize,
        sponsors: l.load.sponsored.max(0) as usize,
        contributes: l.load.contributed.max(0) as usize,
        overloaded: l.overloaded,
        load_percent: (total as i64 * 100 / i64::from(threshold.max(1))).min(100),
        owned: l
            .owns
            .iter()
            .map(|o| Owned {
                href: match &o.okr {
                    OkrRef::Objective(id) => format!("/objectives/{id}"),
                    OkrRef::KeyResult(k) => format!("/objectives/{}#kr-{k}", o.objective_id),
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
}

fn pending_row(
    p: &ownership_map::PendingRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> PendingRow {
    PendingRow {
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
    }
}

/// Where page `page` of the map is, in the cycle shown.
fn page_href(cycle: Option<&keel_domain::Cycle>, page: u64) -> String {
    match cycle {
        Some(c) => format!("/ownership?cycle_id={}&page={page}#owners", c.id),
        None => format!("/ownership?page={page}#owners"),
    }
}

/// "People 51 to 100 of 4,210 (most owned first)".
fn showing(map: &ownership_map::OwnershipMap) -> String {
    let per = u64::from(ownership_map::PEOPLE_PER_PAGE);
    let first = (map.page - 1) * per + 1;
    let last = first + map.owners.len() as u64 - 1;
    format!(
        "People {} to {} of {}, most owned first.",
        super::format::num(first as f64),
        super::format::num(last as f64),
        super::format::num(map.people as f64)
    )
}

/// When the loads were counted, in words: the evaluator counts them every hour.
fn freshness(at: Option<keel_domain::Timestamp>) -> String {
    match at {
        Some(at) => format!(
            "Loads counted as of {} (every hour); team and private OKRs only you may see are \
             counted now.",
            super::format::when(at)
        ),
        None => {
            "Loads counted now: from the next hourly count on, they are as of that count.".into()
        }
    }
}

/// `GET /ownership`.
pub async fn ownership_map(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<OwnershipQuery>,
) -> Result<Response, UiError> {
    let store = state.store();
    let (page, page_error) = match ownership_map::parse_page(q.page.as_deref()) {
        Ok(p) => (p, None),
        Err(ApiError::Invalid(e)) => (1, Some(e.message)),
        Err(e) => return Err(e.into()),
    };
    let (map, error) =
        match ownership_map::ownership_map(store, &caller, q.cycle_id.as_deref(), page).await {
            Ok(m) => (m, None),
            Err(ApiError::Invalid(e)) => (
                ownership_map::ownership_map(store, &caller, None, page).await?,
                Some(e.message),
            ),
            Err(e) => return Err(e.into()),
        };
    // A page past the last one (the organisation shrank, or a hand-typed number).
    let page_error = page_error.or_else(|| {
        (error.is_none() && map.page > 1 && map.owners.is_empty())
            .then(|| format!("There is no page {} of people in this cycle.", map.page))
    });
    let shown = error.is_none() && page_error.is_none();
    let cycle = if error.is_some() {
        None
    } else {
        map.cycle.as_ref()
    };
    let now = chrono::Utc::now();
    let more = map.page * u64::from(ownership_map::PEOPLE_PER_PAGE) < map.people.max(0) as u64;
    let page = OwnershipPage {
        layout: Layout::signed_in(&caller, "/ownership"),
        cycles: cycle_choices(&map.cycles, cycle),
        cycle_name: cycle.map(|c| c.name.clone()).unwrap_or_default(),
        threshold: map.threshold,
        owners: if shown {
            map.owners
                .iter()
                .map(|l| owner_row(l, map.threshold, cycle))
                .collect()
        } else {
            vec![]
        },
        people: map.people,
        overloaded: map.overloaded,
        showing: if map.owners.is_empty() {
            String::new()
        } else {
            showing(&map)
        },
        previous_href: (shown && map.page > 1).then(|| page_href(cycle, map.page - 1)),
        next_href: (shown && more).then(|| page_href(cycle, map.page + 1)),
        pending: if shown {
            map.pending.iter().map(|p| pending_row(p, now)).collect()
        } else {
            vec![]
        },
        more_pending: shown && map.more_pending,
        first_href: page_href(cycle, 1),
        freshness: freshness(map.counted_at),
        error,
        page_error,
    };
    let status = if page.error.is_some() || page.page_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(status, &page))
}
