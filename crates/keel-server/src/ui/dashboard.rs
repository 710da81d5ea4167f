//! The dashboards: the company's (`/dashboard`, in the header for everyone: what an executive
//! opens first) and a team's (`/teams/{id}/dashboard`), and the key results behind any of their
//! figures (`/dashboard/key-results`, a page at a time). The figures come from
//! `read::dashboard`, the same read model as `GET /api/v1/dashboard`; this module only puts
//! them in the reader's words: statuses as labels, a status mix drawn as one bar (SVG widths are
//! attributes, which the CSP allows), the confidence trend as a sparkline (`charts`).

use super::company::{cycle_choices, percent, Choice, StatusBadge};
use super::{charts, format, render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::read::dashboard::{self, Dashboard, Scoped, StatusMix};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_domain::rhythm::Status;
use keel_store::{KeyResultCell, PageRequest};
use serde::Deserialize;
use std::fmt::Write;

/// Key results per page of a figure's list.
const PER_PAGE: u32 = 50;

/// The dashboards' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(company))
        .route("/dashboard/key-results", get(key_results))
        .route("/teams/{id}/dashboard", get(team))
}

#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    cycle_id: Option<String>,
}

/// One status's figure: its words, its count, the list behind it.
pub struct Figure {
    pub word: &'static str,
    pub label: &'static str,
    pub count: u64,
    /// The key results behind it; empty for those not assessed yet (no status to filter by).
    pub href: String,
}

/// A heatmap row.
pub struct HeatRow {
    pub name: String,
    pub team_href: String,
    pub cells: Vec<Figure>,
    pub total: u64,
}

/// One line of "since last week".
pub struct MoverLine {
    pub words: String,
    pub now: StatusBadge,
    now_status: Status,
    pub count: u64,
    pub href: String,
}

/// A top objective's line.
pub struct TopLine {
    pub href: String,
    pub title: String,
    pub owner_id: String,
    pub owner_name: String,
    pub percent: i64,
    pub status: StatusBadge,
}

/// A week of owner check-ins.
pub struct WeekLine {
    pub starts_on: String,
    pub due: u64,
    pub done: u64,
    pub percent: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    /// The team's name on a team dashboard; empty for the company.
    team_name: String,
    team_href: String,
    action: String,
    cycles: Vec<Choice>,
    cycle_error: Option<String>,
    cycle_name: String,
    evaluated: String,
    figures_as_of: String,
    read_at: String,
    top: Vec<TopLine>,
    top_total: u64,
    /// More objectives are at the top than named.
    more_top: bool,
    alignment_href: String,
    total: u64,
    mix_bar: String,
    mix: Vec<Figure>,
    /// The heatmap's status columns.
    heat_columns: Vec<&'static str>,
    heat: Vec<HeatRow>,
    movers: Vec<MoverLine>,
    movers_since: String,
    confidence_chart: Option<String>,
    /// The top of the confidence scale, named under the chart.
    confidence_max: u8,
    confidence_weeks: Vec<(String, String)>,
    check_ins: Vec<WeekLine>,
    /// A team dashboard's OKRs: its objectives, then key results shared with it under
    /// objectives that are not (each once).
    team_okrs: Vec<TopLine>,
}

/// The fill of a status in the mix bar (the badges' colours in keel.css).
fn fill(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::OnTrack) => "#1e6b3a",
        Some(Status::AtRisk) => "#b36b00",
        Some(Status::OffTrack) => "#a3261b",
        Some(Status::Stale) => "#6b7488",
        Some(Status::NotStarted) => "#8fb3e8",
        Some(Status::AwaitingOwner) => "#c9a0dc",
        Some(Status::Draft) => "#d5dae3",
        Some(Status::Closed) => "#4a5468",
        None => "#f4f6f9",
    }
}

/// The status mix as one bar: each status's share of the width, in the mix's order, with the
/// counts in its label (the legend beside it has the same numbers as links).
fn mix_bar(mix: &StatusMix) -> String {
    let (w, h) = (600.0, 24.0);
    let mut words = vec![];
    let mut svg = String::new();
    let mut x = 0.0;
    for f in &mix.statuses {
        if f.key_results == 0 || mix.total == 0 {
            continue;
        }
        let width = w * f.key_results as f64 / mix.total as f64;
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="0" width="{width:.1}" height="{h}" fill="{}"/>"#,
            fill(f.status)
        );
        x += width;
        words.push(format!("{} {}", f.key_results, status_label(f.status)));
    }
    let aria = if words.is_empty() {
        "No key results".to_string()
    } else {
        format!("Key results by status: {}", words.join(", "))
    };
    format!(
        r#"<svg class="mix-bar" role="img" aria-label="{aria}" viewBox="0 0 {w} {h}" preserveAspectRatio="none" width="100%" height="{h}"><title>{aria}</title>{svg}</svg>"#
    )
}

fn status_label(s: Option<Status>) -> &'static str {
    s.map_or("Not assessed yet", Status::label)
}

fn status_word(s: Option<Status>) -> &'static str {
    s.map_or("unassessed", Status::as_str)
}

/// The link to the key results behind a figure.
fn cell_href(
    cycle: &str,
    team: Option<&str>,
    department: Option<&str>,
    status: Option<Status>,
    moved: bool,
) -> String {
    let pairs: Vec<(&str, &str)> = [
        ("cycle_id", Some(cycle)),
        ("team_id", team),
        ("department_id", department),
        ("status", status.map(Status::as_str)),
        ("moved", moved.then_some("true")),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    format!(
        "/dashboard/key-results?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

fn figures(
    mix: &StatusMix,
    cycle: &str,
    team: Option<&str>,
    department: Option<&str>,
) -> Vec<Figure> {
    mix.statuses
        .iter()
        .map(|f| Figure {
            word: status_word(f.status),
            label: status_label(f.status),
            count: f.key_results,
            href: match f.status {
                Some(s) if f.key_results > 0 => cell_href(cycle, team, department, Some(s), false),
                _ => String::new(),
            },
        })
        .collect()
}

/// The order of "since last week": the worst news first.
fn news_rank(s: Status) -> u8 {
    match s {
        Status::OffTrack => 0,
        Status::Stale => 1,
        Status::AtRisk => 2,
        Status::AwaitingOwner => 3,
        Status::OnTrack => 4,
        _ => 5,
    }
}

/// What moved, in words: "Newly off track (was on track)".
fn mover_words(before: Status, now: Status) -> String {
    let was = before.label().to_lowercase();
    match (now, before) {
        (Status::OnTrack, Status::AtRisk | Status::OffTrack | Status::Stale) => {
            format!("Back on track (was {was})")
        }
        (Status::OnTrack, _) => format!("Now on track (was {was})"),
        _ => format!("Newly {} (was {was})", now.label().to_lowercase()),
    }
}

/// A team's OKRs in the cycle as lines: its objectives, then the key results shared with it.
fn okr_lines(okrs: crate::read::team_okrs::TeamOkrs) -> Vec<TopLine> {
    let objectives = okrs.objectives.into_iter().map(|o| TopLine {
        href: format!("/objectives/{}", o.id),
        owner_id: o.owner.id.to_string(),
        owner_name: o.owner.name.clone(),
        percent: percent(o.progress),
        status: StatusBadge::new(o.status, o.status_reason),
        title: o.title,
    });
    let shared = okrs.shared_key_results.into_iter().map(|s| {
        let k = s.key_result;
        TopLine {
            href: format!("/objectives/{}#kr-{}", k.objective_id, k.id),
            owner_id: k.owner.id.to_string(),
            owner_name: k.owner.name.clone(),
            percent: percent(k.progress),
            status: StatusBadge::new(k.status, k.status_reason),
            title: format!("{} (key result of “{}”)", k.title, s.objective.title),
        }
    });
    objectives.chain(shared).collect()
}

fn page_of(s: &Scoped, d: Dashboard, cycle_error: Option<String>, layout: Layout) -> DashboardPage {
    let cycle = d
        .cycle
        .as_ref()
        .map(|c| c.id.to_string())
        .unwrap_or_default();
    let team_id = d.team.as_ref().map(|t| t.id.to_string());
    let team = team_id.as_deref();
    let confidence_readings: Vec<u8> = d.confidence.iter().filter_map(|w| w.median).collect();
    let mut movers: Vec<MoverLine> = d
        .movers
        .iter()
        .map(|m| MoverLine {
            words: mover_words(m.before, m.now),
            now: StatusBadge::new(m.now, String::new()),
            now_status: m.now,
            count: m.key_results,
            href: cell_href(&cycle, team, None, Some(m.now), true),
        })
        .collect();
    // Worst news first.
    movers.sort_by_key(|m| (news_rank(m.now_status), std::cmp::Reverse(m.count)));
    DashboardPage {
        layout,
        team_name: d.team.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        team_href: team.map(|t| format!("/teams/{t}")).unwrap_or_default(),
        action: match team {
            Some(t) => format!("/teams/{t}/dashboard"),
            None => "/dashboard".into(),
        },
        cycles: cycle_choices(&s.cycles, s.cycle.as_ref()),
        cycle_error,
        cycle_name: d.cycle.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
        evaluated: d
            .statuses_evaluated_at
            .map(format::when)
            .unwrap_or_default(),
        figures_as_of: d.figures_as_of.map(format::when).unwrap_or_default(),
        read_at: format::when(d.read_at),
        top: d
            .top_objectives
            .iter()
            .map(|o| TopLine {
                href: format!("/objectives/{}", o.id),
                title: o.title.clone(),
                owner_id: o.owner.id.to_string(),
                owner_name: o.owner.name.clone(),
                percent: percent(o.progress),
                status: StatusBadge::new(o.status, o.status_reason.clone()),
            })
            .collect(),
        top_total: d.top_objectives_total,
        more_top: d.top_objectives_total > d.top_objectives.len() as u64,
        alignment_href: format!("/alignment?cycle_id={cycle}"),
        total: d.status_mix.total,
        mix_bar: mix_bar(&d.status_mix),
        mix: figures(&d.status_mix, &cycle, team, None),
        heat_columns: d
            .status_mix
            .statuses
            .iter()
            .filter(|f| f.status.is_some())
            .map(|f| status_label(f.status))
            .collect(),
        heat: d
            .departments
            .iter()
            .map(|r| HeatRow {
                name: r.name.clone(),
                team_href: format!("/teams/{}/dashboard?cycle_id={cycle}", r.team_id),
                cells: figures(&r.mix, &cycle, None, Some(r.team_id.as_str())),
                total: r.mix.total,
            })
            .collect(),
        movers,
        movers_since: format::day(d.movers_since),
        confidence_max: d.confidence_max,
        confidence_chart: charts::sparkline(
            &confidence_readings,
            0,
            d.confidence_max,
            "Median owner confidence per week",
        ),
        confidence_weeks: d
            .confidence
            .iter()
            .map(|w| {
                (
                    format::date(w.starts_on),
                    match w.median {
                        Some(m) => {
                            format!("{m} of {} ({} check-ins)", d.confidence_max, w.check_ins)
                        }
                        None => "no check-in".into(),
                    },
                )
            })
            .collect(),
        check_ins: d
            .check_ins
            .iter()
            .map(|w| WeekLine {
                starts_on: format::date(w.starts_on),
                due: w.due,
                done: w.done,
                percent: if w.due == 0 {
                    0
                } else {
                    percent(w.done as f64 / w.due as f64)
                },
            })
            .collect(),
        team_okrs: vec![],
    }
}

/// A dashboard page; an unknown cycle shows the current one with a readable message (422).
async fn show(
    state: &AppState,
    caller: &crate::auth::Caller,
    cycle_id: Option<&str>,
    team_id: Option<&str>,
    section: &str,
) -> Result<Response, UiError> {
    let store = state.store();
    let (status, cycle_error, scoped) =
        match dashboard::scoped(store, caller, cycle_id, team_id).await {
            Err(ApiError::Invalid(e)) if e.field == "cycle_id" => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("No such cycle: here is the current one.".to_string()),
                dashboard::scoped(store, caller, None, team_id).await?,
            ),
            other => (StatusCode::OK, None, other?),
        };
    let d = dashboard::dashboard(store, &scoped).await?;
    let okrs = match &scoped.team {
        Some(t) => Some(
            crate::read::team_okrs::team_okrs(
                store,
                &crate::services::visibility::Viewer::of(&caller.person),
                &t.id,
                scoped.cycle.as_ref().map(|c| &c.id),
            )
            .await?,
        ),
        None => None,
    };
    let mut page = page_of(&scoped, d, cycle_error, Layout::signed_in(caller, section));
    page.team_okrs = okrs.map(okr_lines).unwrap_or_default();
    Ok(render(status, &page))
}

/// `GET /dashboard`.
pub async fn company(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, UiError> {
    show(&state, &caller, q.cycle_id.as_deref(), None, "/dashboard").await
}

/// `GET /teams/{id}/dashboard`.
pub async fn team(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, UiError> {
    show(&state, &caller, q.cycle_id.as_deref(), Some(&id), "").await
}

#[derive(Deserialize, Default)]
pub struct CellQuery {
    cycle_id: Option<String>,
    team_id: Option<String>,
    department_id: Option<String>,
    status: Option<String>,
    moved: Option<String>,
    cursor: Option<String>,
}

/// A key result of a figure's list.
pub struct CellLine {
    pub href: String,
    pub title: String,
    pub owner_id: String,
    pub owner_name: String,
    pub status: Option<StatusBadge>,
}

#[derive(Template)]
#[template(path = "dashboard_key_results.html")]
struct CellPage {
    layout: Layout,
    heading: String,
    back_href: String,
    rows: Vec<CellLine>,
    next_href: Option<String>,
}

/// `GET /dashboard/key-results`: the key results behind a figure, a page at a time. Bad filters
/// answer 422 with the field's message (the API's checks).
pub async fn key_results(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<CellQuery>,
) -> Result<Response, UiError> {
    let store = state.store();
    let status = dashboard::parse_status(q.status.as_deref())?;
    let moved = dashboard::parse_moved(q.moved.as_deref())?;
    let department = dashboard::parse_department(store, q.department_id.as_deref()).await?;
    let team = q.team_id.as_deref().filter(|t| !t.is_empty());
    let scoped = dashboard::scoped(store, &caller, q.cycle_id.as_deref(), team).await?;
    let cell = KeyResultCell {
        department_id: department.as_ref().map(|d| d.id.clone()),
        status,
        moved_since: match moved {
            true => Some(dashboard::movers_since(store, &scoped).await?),
            false => None,
        },
    };
    let page = PageRequest {
        limit: PER_PAGE,
        cursor: q.cursor.clone().filter(|c| !c.is_empty()),
    };
    let found = dashboard::cell(store, &scoped, &cell, &page).await?;
    let mut heading = match status {
        Some(s) if moved => format!("Key results newly {}", s.label().to_lowercase()),
        Some(s) => format!("Key results {}", s.label().to_lowercase()),
        None if moved => "Key results whose status changed this week".to_string(),
        None => "Key results".to_string(),
    };
    if let Some(t) = scoped.team.as_ref().or(department.as_ref()) {
        let _ = write!(heading, " in {}", t.name);
    }
    if let Some(c) = &scoped.cycle {
        let _ = write!(heading, ", {}", c.name);
    }
    let cycle = scoped
        .cycle
        .as_ref()
        .map(|c| c.id.to_string())
        .unwrap_or_default();
    let next_href = found.next_cursor.as_ref().map(|c| {
        let base = cell_href(
            &cycle,
            team,
            department.as_ref().map(|d| d.id.as_str()),
            status,
            moved,
        );
        format!(
            "{base}&{}",
            serde_urlencoded::to_string([("cursor", c)]).unwrap_or_default()
        )
    });
    let view = CellPage {
        layout: Layout::signed_in(&caller, "/dashboard"),
        heading,
        back_href: match team {
            Some(t) => format!("/teams/{t}/dashboard?cycle_id={cycle}"),
            None => format!("/dashboard?cycle_id={cycle}"),
        },
        rows: found
            .items
            .into_iter()
            .map(|k| CellLine {
                href: format!("/objectives/{}#kr-{}", k.objective_id, k.id),
                title: k.title,
                owner_id: k.owner_id.to_string(),
                owner_name: k.owner,
                status: k.status.map(|s| StatusBadge::new(s, String::new())),
            })
            .collect(),
        next_href,
    };
    Ok(render(StatusCode::OK, &view))
}
