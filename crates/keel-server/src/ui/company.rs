//! The company page (`/company`): the goal tree from the company through departments and teams,
//! a level at a time (a large organisation's whole tree would be megabytes): the node shown with
//! the progress and status of everything below it, its own objectives and the teams directly
//! below it 50 a page, each team closed until opened (htmx fetches its level from
//! `/company/node`; without JavaScript its link opens the same level as a page). Filtered by
//! owner or status it lists the matching objectives; a plain GET form, so the URL can be shared.
//!
//! It also holds what the organisation pages (team, company, ownership map, health) share: an
//! OKR as one line with its progress and status, the cycle chooser, and links to people.

use super::{render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::read::company::{
    self, CompanyData, CompanyFilter, Figures, Level, Node, Shown, TeamNode,
};
use crate::read::views::ObjectiveView;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keel_domain::rhythm::Status;
use keel_domain::*;
use keel_store::TreeCount;
use serde::Deserialize;

/// The company page's route and the fragment that opens a team's node.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/company", get(company))
        .route("/company/node", get(node))
}

// ---------------------------------------------------------------- shared pieces

/// A status as the pages show it: the API's word (also the CSS class), a label and the reason.
#[derive(Clone)]
pub struct StatusBadge {
    pub word: &'static str,
    pub label: &'static str,
    pub reason: String,
}

impl StatusBadge {
    pub fn new(s: Status, reason: String) -> Self {
        Self {
            word: s.as_str(),
            label: s.label(),
            reason,
        }
    }
}

/// Progress in [0, 1] as a whole percentage.
pub fn percent(p: f64) -> i64 {
    (p.clamp(0.0, 1.0) * 100.0).round() as i64
}

/// One OKR as a line: title, owner, progress and status; an objective carries its key results.
#[derive(Clone)]
pub struct OkrLine {
    pub id: String,
    /// Where the OKR is worked on: the objective page (a key result's anchor on it).
    pub href: String,
    pub title: String,
    pub owner_id: String,
    pub owner_name: String,
    /// The owner has not accepted yet.
    pub pending: bool,
    pub percent: i64,
    pub status: StatusBadge,
    /// "draft", "active" or "closed".
    pub state: &'static str,
    /// Other teams it is shared with, by name.
    pub shared_with: Vec<String>,
    pub key_results: Vec<OkrLine>,
    /// How many key results it has (the tree leaves them to the objective page).
    pub kr_count: usize,
}

fn state_word(s: ObjectiveState) -> &'static str {
    match s {
        ObjectiveState::Draft => "draft",
        ObjectiveState::Active => "active",
        ObjectiveState::Closed => "closed",
    }
}

impl OkrLine {
    /// An objective with its key results; `here` is the team whose page shows it (left out of
    /// `shared_with`).
    pub fn objective(o: &ObjectiveView, here: Option<&TeamId>) -> Self {
        let (s, reason) = (o.status, o.status_reason.clone());
        Self {
            id: o.id.to_string(),
            href: format!("/objectives/{}", o.id),
            title: o.title.clone(),
            owner_id: o.owner_id.to_string(),
            owner_name: o.owner.name.clone(),
            pending: o.ownership_state == OwnershipState::Pending,
            percent: percent(o.progress),
            status: StatusBadge::new(s, reason),
            state: state_word(o.state),
            shared_with: o
                .teams
                .iter()
                .filter(|t| Some(&t.id) != here)
                .map(|t| t.name.clone())
                .collect(),
            key_results: o
                .key_results
                .iter()
                .map(|k| {
                    let (s, reason) = (k.status, k.status_reason.clone());
                    OkrLine {
                        id: k.id.to_string(),
                        href: format!("/objectives/{}#kr-{}", o.id, k.id),
                        title: k.title.clone(),
                        owner_id: k.owner_id.to_string(),
                        owner_name: k.owner.name.clone(),
                        pending: k.ownership_state == OwnershipState::Pending,
                        percent: percent(k.progress),
                        status: StatusBadge::new(s, reason),
                        state: state_word(o.state),
                        shared_with: k
                            .teams
                            .iter()
                            .filter(|t| Some(&t.id) != here)
                            .map(|t| t.name.clone())
                            .collect(),
                        key_results: vec![],
                        kr_count: 0,
                    }
                })
                .collect(),
            kr_count: o.key_results.len(),
        }
    }

    /// The line without its key results: the goal tree keeps to objectives, so a large
    /// organisation's tree stays light; each links to its page.
    /// The status reason is left to the objective page too (the status word stays).
    pub fn summary(mut self) -> Self {
        self.key_results.clear();
        self.status.reason.clear();
        self
    }
}

/// One choice of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A team picker's one choice: the team chosen, if any (the picker finds the others, so a page
/// never lists every team).
pub fn team_choice(team: Option<&Team>) -> Vec<Choice> {
    team.map(|t| Choice {
        value: t.id.to_string(),
        label: t.name.clone(),
        selected: true,
    })
    .into_iter()
    .collect()
}

/// A team filter's refusal in the reader's words: an unknown id (a stale link) asks to choose
/// again; what was typed in the find field that matches no team, or several, says so.
pub fn team_error(e: &keel_domain::FieldError) -> String {
    if e.message.starts_with("no team has the id") {
        "No such team: find it again.".into()
    } else {
        format!("Team: {}.", e.message)
    }
}

/// The cycles as choices, the shown one selected.
pub fn cycle_choices(cycles: &[Cycle], shown: Option<&Cycle>) -> Vec<Choice> {
    cycles
        .iter()
        .map(|c| Choice {
            value: c.id.to_string(),
            label: format!(
                "{} ({} to {}){}",
                c.name,
                c.starts_on,
                c.ends_on,
                match c.state {
                    CycleState::Planning => " · planning",
                    CycleState::Active => "",
                    CycleState::Closed => " · closed",
                }
            ),
            selected: shown.is_some_and(|s| s.id == c.id),
        })
        .collect()
}

/// Where a person is shown: their person page (`/people/{id}`), in the cycle being read.
pub fn person_href(person_id: &str, cycle: Option<&Cycle>) -> String {
    let page = crate::read::search::person_href(person_id);
    match cycle {
        Some(c) => format!("{page}?cycle_id={}", c.id),
        None => page,
    }
}

// ---------------------------------------------------------------- the tree

/// A node's heading: its name, the progress and status of everything below it.
pub struct NodeHead {
    pub name: String,
    /// The team's page (none for the objectives of no team).
    pub href: Option<String>,
    /// "company", "department", "team" or "person" (the CSS class).
    pub level: &'static str,
    /// The level in words ("department"); empty for the objectives of no team.
    pub kind: &'static str,
    /// How many objectives are below, in words ("12,042 objectives").
    pub objectives: String,
    /// The median progress of the objectives counted, when any are.
    pub percent: Option<i64>,
    pub status: Option<StatusBadge>,
    /// What the figures leave out, in words ("2 drafts · 1 awaiting an owner not counted");
    /// empty when nothing is.
    pub left_out: String,
    /// Teams directly below, in words ("12 teams"); empty when none.
    pub below: String,
    /// For a closed node: where htmx fetches its level, and the same level as a page (the link
    /// without JavaScript).
    pub fragment: String,
    pub subtree: String,
}

/// A list's place among its pages: "Showing 51–100 of 1,234 objectives", with links.
pub struct Pager {
    pub shown: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// A level's body: the node's own objectives, then the teams directly below it (closed).
pub struct LevelBody {
    pub objectives: Vec<OkrLine>,
    pub objectives_pager: Option<Pager>,
    pub teams: Vec<NodeHead>,
    pub teams_pager: Option<Pager>,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        super::format::num(n as f64),
        if n == 1 { one } else { many }
    )
}

/// Drafts, work awaiting an owner and objectives the evaluator has not seen yet stay out of a
/// roll-up's progress and status; the roll-up says how many there are.
fn left_out(f: &Figures) -> String {
    let mut parts = vec![];
    match f.count(Some(Status::Draft)) {
        0 => {}
        n => parts.push(plural(n, "draft", "drafts")),
    }
    match f.count(Some(Status::AwaitingOwner)) {
        0 => {}
        n => parts.push(format!(
            "{} awaiting an owner",
            super::format::num(n as f64)
        )),
    }
    match f.count(None) {
        0 => {}
        n => parts.push(format!(
            "{} not evaluated yet",
            super::format::num(n as f64)
        )),
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{} not counted", parts.join(" · "))
    }
}

/// The level word of a team `depth` teams below the top.
fn level_of(depth: usize) -> &'static str {
    match depth {
        0 => "company",
        1 => "department",
        _ => "team",
    }
}

/// A query string of `pairs` (empty values left out).
fn query_of(pairs: &[(&str, Option<String>)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (*k, v)))
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// Where a level's links lead: the cycle, the team or place, and the filters kept.
#[derive(Clone, Default)]
struct Here {
    cycle_id: Option<String>,
    team_id: Option<String>,
    place: Option<String>,
    owner_id: Option<String>,
    status: Option<String>,
}

impl Here {
    fn href(&self, path: &str, extra: &[(&str, Option<String>)]) -> String {
        let mut pairs = vec![
            ("cycle_id", self.cycle_id.clone()),
            ("team_id", self.team_id.clone()),
            ("place", self.place.clone()),
            ("owner_id", self.owner_id.clone()),
            ("status", self.status.clone()),
        ];
        pairs.extend(extra.iter().cloned());
        match query_of(&pairs) {
            q if q.is_empty() => path.to_string(),
            q => format!("{path}?{q}"),
        }
    }

    fn of_team(&self, team: &TeamId) -> Here {
        Here {
            cycle_id: self.cycle_id.clone(),
            team_id: Some(team.to_string()),
            ..Here::default()
        }
    }
}

/// Page `page` of `total` things (more than that when the count stopped short), `PAGE` a
/// page, its links setting `param`; none when one page holds them all.
fn pager(
    here: &Here,
    param: &str,
    page: u64,
    total: TreeCount,
    what: (&str, &str),
) -> Option<Pager> {
    let TreeCount {
        counted: total,
        more,
    } = total;
    let size = u64::from(company::PAGE);
    if total <= size && page == 1 && !more {
        return None;
    }
    let from = ((page - 1) * size + 1).min(total);
    let to = (page * size).min(total);
    let link = |p: u64| Some(here.href("/company", &[(param, Some(p.to_string()))]));
    Some(Pager {
        shown: format!(
            "Showing {}–{} of {}{}",
            super::format::num(from as f64),
            super::format::num(to as f64),
            if more { "more than " } else { "" },
            plural(total, what.0, what.1)
        ),
        prev: if page > 1 { link(page - 1) } else { None },
        next: if to < total || more {
            link(page + 1)
        } else {
            None
        },
    })
}

/// The heading of a node with `figures` below it.
fn head(name: String, level: &'static str, figures: &Figures) -> NodeHead {
    let counted: u64 = figures
        .statuses
        .iter()
        .filter(|(s, _)| s.is_some_and(|s| !s.is_pending()))
        .map(|(_, n)| n)
        .sum();
    // Every status below, counted in words: "6 on track, 5 at risk, 1 off track".
    let breakdown = Status::ALL
        .into_iter()
        .filter(|s| !s.is_pending())
        .filter_map(|s| match figures.count(Some(s)) {
            0 => None,
            n => Some(format!(
                "{} {}",
                super::format::num(n as f64),
                s.label().to_lowercase()
            )),
        })
        .collect::<Vec<_>>()
        .join(", ");
    NodeHead {
        name,
        href: None,
        level,
        kind: level,
        objectives: plural(figures.objectives(), "objective", "objectives"),
        percent: figures.median_progress.map(percent),
        status: figures.status().map(|s| {
            let reason = if counted == 0 {
                String::new()
            } else {
                format!(
                    "{} below: {breakdown}; the middle of them reads {}",
                    plural(counted, "objective", "objectives"),
                    s.label().to_lowercase()
                )
            };
            StatusBadge::new(s, reason)
        }),
        left_out: left_out(figures),
        below: String::new(),
        fragment: String::new(),
        subtree: String::new(),
    }
}

/// A team below the level, closed: htmx fetches its level when it is opened.
fn team_head(here: &Here, t: &TeamNode, depth: usize) -> NodeHead {
    let there = here.of_team(&t.id);
    NodeHead {
        href: Some(format!("/teams/{}", t.id)),
        below: if t.teams_below == 0 {
            String::new()
        } else {
            plural(t.teams_below, "team", "teams")
        },
        fragment: there.href("/company/node", &[]),
        subtree: there.href("/company", &[]),
        ..head(t.name.clone(), level_of(depth), &t.figures)
    }
}

fn lines(page: &company::ObjectivesPage, here: Option<&TeamId>) -> Vec<OkrLine> {
    page.items
        .iter()
        .map(|o| OkrLine::objective(o, here).summary())
        .collect()
}

/// The body of `level` (its depth: how many teams are above its node).
fn body(here: &Here, level: &Level, depth: usize, page: u64, teams_page: u64) -> LevelBody {
    let team_id = match &level.node {
        Node::Team { team, .. } => Some(&team.id),
        _ => None,
    };
    let child_depth = if team_id.is_some() { depth + 1 } else { 0 };
    LevelBody {
        objectives: lines(&level.objectives, team_id),
        objectives_pager: pager(
            here,
            "page",
            page,
            level.objectives.total,
            ("objective", "objectives"),
        ),
        teams: level
            .teams
            .iter()
            .map(|t| team_head(here, t, child_depth))
            .collect(),
        teams_pager: pager(
            here,
            "teams_page",
            teams_page,
            TreeCount {
                counted: level.teams_total,
                more: false,
            },
            ("team", "teams"),
        ),
    }
}

// ---------------------------------------------------------------- the page

/// The objectives of no team beside the company: their heading, the first page, the pager.
pub struct NoTeamView {
    pub head: NodeHead,
    pub objectives: Vec<OkrLine>,
    pub pager: Option<Pager>,
}

/// What the tree area of the page holds.
pub enum TreeView {
    /// One node, open, with its body; and on the organisation's first level the objectives of
    /// no team.
    Level {
        /// The teams above the node, as breadcrumb links (the top one first).
        crumbs: Vec<(String, String)>,
        /// The node (none for the organisation: its teams are listed at the top).
        node: Option<Box<NodeHead>>,
        body: LevelBody,
        no_team: Option<Box<NoTeamView>>,
    },
    /// The objectives matching the filters.
    Matches {
        objectives: Vec<OkrLine>,
        pager: Option<Pager>,
        /// How many match, in words ("1,234 objectives match").
        total: String,
    },
    Nothing,
}

#[derive(Template)]
#[template(path = "company.html")]
struct CompanyPage {
    layout: Layout,
    cycles: Vec<Choice>,
    /// The team chosen, if any (the picker finds the others, so the page never lists them all).
    teams: Vec<Choice>,
    /// What was typed in the team's find field (kept when it named no team).
    team_find: String,
    /// The owner chosen, as `(id, name)`: the picker's one option (people are found as the
    /// reader types, never listed whole).
    owner: Option<(String, String)>,
    /// What was typed in the owner's find field (kept when it named nobody).
    owner_find: String,
    statuses: Vec<Choice>,
    /// `no_team` kept in the form when the objectives of no team are shown.
    place: String,
    /// The filter field at fault, and why.
    error: Option<(String, String)>,
    cycle_name: String,
    /// How fresh the stored figures are, in words.
    freshness: String,
    tree: TreeView,
    filtered: bool,
    /// The reader may open the calibration report: the page links to it.
    can_calibrate: bool,
}

impl CompanyPage {
    fn error_for(&self, field: &str) -> Option<String> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(f, m)| {
                if f == "team_id" {
                    team_message(m)
                } else {
                    m.clone()
                }
            })
    }
}

/// A team filter's refusal in the reader's words.
fn team_message(m: &str) -> String {
    team_error(&keel_domain::FieldError {
        field: "team_id".into(),
        message: m.to_string(),
    })
}

/// One team's level as a fragment, for htmx to put in its node when it is opened.
#[derive(Template)]
#[template(path = "company_node.html")]
struct NodeFragment {
    body: LevelBody,
}

/// The company page's query string: every filter optional.
#[derive(Debug, Default, Deserialize)]
pub struct CompanyQuery {
    cycle_id: Option<String>,
    team_id: Option<String>,
    /// The team's find field, for a form sent without JavaScript: a name or an id.
    #[serde(rename = "team_id.find")]
    team_find: Option<String>,
    place: Option<String>,
    owner_id: Option<String>,
    /// The owner's find field, for a form sent without JavaScript: a name, an email or an id.
    #[serde(rename = "owner_id.find")]
    owner_find: Option<String>,
    status: Option<String>,
    page: Option<String>,
    teams_page: Option<String>,
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl CompanyQuery {
    fn filter(&self) -> CompanyFilter {
        CompanyFilter {
            cycle_id: trimmed(&self.cycle_id),
            team_id: trimmed(&self.team_id),
            place: trimmed(&self.place),
            owner_id: trimmed(&self.owner_id),
            status: trimmed(&self.status),
            page: trimmed(&self.page),
            teams_page: trimmed(&self.teams_page),
        }
    }
}

/// The company page's and fragment's data: what was typed in the find fields resolved first.
async fn read(
    state: &AppState,
    caller: &crate::auth::Caller,
    q: &CompanyQuery,
) -> Result<(CompanyFilter, CompanyData), ApiError> {
    let store = state.store();
    let mut filter = q.filter();
    let owner_find = trimmed(&q.owner_find).unwrap_or_default();
    if filter.owner_id.is_none() && !owner_find.is_empty() {
        let found =
            crate::read::pickers::resolve_people(store, "owner_id", &owner_find, &[]).await?;
        filter.owner_id = found.first().map(PersonId::to_string);
    }
    let team_find = trimmed(&q.team_find).unwrap_or_default();
    if filter.team_id.is_none() && !team_find.is_empty() {
        let found =
            crate::read::pickers::resolve_team(store, "team_id", None, Some(&team_find)).await?;
        filter.team_id = found.map(|t| t.id.to_string());
    }
    let data = company::company(store, caller, &filter).await?;
    Ok((filter, data))
}

/// How fresh the stored figures are, in words.
fn freshness(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    match at {
        Some(at) => format!(
            "Figures and status filters as of {} (worked out every hour); each objective \
             shows its status now.",
            super::format::when(at)
        ),
        None => "Figures are worked out every hour; until the first time, objectives are \
                 counted as not evaluated yet."
            .into(),
    }
}

/// The tree area of the page from `data`.
fn tree_view(data: &CompanyData, filter: &CompanyFilter) -> TreeView {
    let here = Here {
        cycle_id: data.cycle.as_ref().map(|c| c.id.to_string()),
        team_id: data.team.as_ref().map(|t| t.id.to_string()),
        place: data.no_team.then(|| "no_team".to_string()),
        owner_id: filter.owner_id.clone(),
        status: filter.status.clone(),
    };
    match &data.shown {
        None => TreeView::Nothing,
        Some(Shown::Matches(found)) => TreeView::Matches {
            objectives: lines(found, None),
            pager: pager(
                &here,
                "page",
                data.page,
                found.total,
                ("objective", "objectives"),
            ),
            total: format!(
                "{} the filters",
                match (found.total.counted, found.total.more) {
                    (n, true) => format!(
                        "More than {} objectives match",
                        super::format::num(n as f64)
                    ),
                    (1, false) => "1 objective matches".to_string(),
                    (n, false) => format!("{} objectives match", super::format::num(n as f64)),
                }
            ),
        },
        Some(Shown::Level(level)) => level_view(&here, data, level),
    }
}

fn level_view(here: &Here, data: &CompanyData, level: &Level) -> TreeView {
    let (crumbs, depth, node) = match &level.node {
        Node::Team { team, above } => {
            let crumbs: Vec<(String, String)> = above
                .iter()
                .map(|(id, name)| (here.of_team(id).href("/company", &[]), name.clone()))
                .collect();
            let node = NodeHead {
                href: Some(format!("/teams/{}", team.id)),
                ..head(team.name.clone(), level_of(above.len()), &level.figures)
            };
            (crumbs, above.len(), Some(node))
        }
        Node::NoTeam => (
            vec![],
            0,
            Some(NodeHead {
                kind: "",
                ..head("Objectives of no team".into(), "person", &level.figures)
            }),
        ),
        Node::Organisation => (vec![], 0, None),
    };
    let no_team = level.no_team.as_ref().map(|(figures, found)| {
        let there = Here {
            cycle_id: here.cycle_id.clone(),
            place: Some("no_team".into()),
            ..Here::default()
        };
        Box::new(NoTeamView {
            head: NodeHead {
                kind: "",
                ..head("Objectives of no team".into(), "person", figures)
            },
            objectives: lines(found, None),
            pager: pager(&there, "page", 1, found.total, ("objective", "objectives")),
        })
    });
    TreeView::Level {
        crumbs,
        node: node.map(Box::new),
        body: body(here, level, depth, data.page, data.teams_page),
        no_team,
    }
}

/// `GET /company`: the goal tree a level at a time, or the objectives matching the filters.
pub async fn company(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<CompanyQuery>,
) -> Result<Response, UiError> {
    let (filter, data, error) = match read(&state, &caller, &q).await {
        Ok((f, d)) => (f, d, None),
        Err(ApiError::Invalid(e)) => {
            // Show the form again with the message next to the filter at fault and what was
            // chosen kept; no tree.
            let mut d = company::company(state.store(), &caller, &CompanyFilter::default()).await?;
            d.shown = None;
            (q.filter(), d, Some((e.field.clone(), e.message.clone())))
        }
        Err(e) => return Err(e.into()),
    };
    let tree = if error.is_some() {
        TreeView::Nothing
    } else {
        tree_view(&data, &filter)
    };
    let shown_cycle = match &error {
        Some((f, _)) if f == "cycle_id" => q.cycle_id.clone(),
        _ => data.cycle.as_ref().map(|c| c.id.to_string()),
    };
    let page = CompanyPage {
        layout: Layout::signed_in(&caller, "/company"),
        cycles: data
            .cycles
            .iter()
            .map(|c| Choice {
                value: c.id.to_string(),
                label: c.name.clone(),
                selected: shown_cycle.as_deref() == Some(c.id.as_str()),
            })
            .collect(),
        teams: team_choice(data.team.as_ref()),
        team_find: if data.team.is_some() {
            String::new()
        } else {
            trimmed(&q.team_find).unwrap_or_default()
        },
        owner: data
            .owner
            .as_ref()
            .map(|p| (p.id.to_string(), p.name.clone())),
        owner_find: if data.owner.is_some() {
            String::new()
        } else {
            trimmed(&q.owner_find).unwrap_or_default()
        },
        statuses: Status::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_string(),
                label: s.label().to_string(),
                selected: filter.status.as_deref() == Some(s.as_str()),
            })
            .collect(),
        place: if data.no_team {
            "no_team".into()
        } else {
            String::new()
        },
        cycle_name: data
            .cycle
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        freshness: freshness(data.evaluated_at),
        filtered: filter.team_id.is_some()
            || filter.owner_id.is_some()
            || filter.status.is_some()
            || data.no_team
            || error.is_some(),
        tree,
        error,
        can_calibrate: crate::access::read_calibration(&caller.person).is_ok(),
    };
    let status = if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(status, &page))
}

/// `GET /company/node?team_id=`: one team's level (its objectives and the teams below it) for
/// htmx to put in its node when it is opened.
pub async fn node(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<CompanyQuery>,
) -> Result<Response, UiError> {
    let (filter, data) = read(&state, &caller, &q).await?;
    let body = match &data.shown {
        Some(Shown::Level(level)) => {
            let here = Here {
                cycle_id: data.cycle.as_ref().map(|c| c.id.to_string()),
                team_id: filter.team_id.clone(),
                ..Here::default()
            };
            let depth = match &level.node {
                Node::Team { above, .. } => above.len(),
                _ => 0,
            };
            body(&here, level, depth, data.page, data.teams_page)
        }
        _ => LevelBody {
            objectives: vec![],
            objectives_pager: None,
            teams: vec![],
            teams_pager: None,
        },
    };
    Ok(render(StatusCode::OK, &NodeFragment { body }))
}
