//! The company page (`/company`): the goal tree from the company through departments and teams
//! down to people, filtered by cycle, team, owner and status with a plain GET form (so the URL
//! can be shared), expandable with `<details>` (no JavaScript needed), with progress and status at
//! every node.
//!
//! It also holds what the organisation pages (team, company, ownership map, health) share: an
//! OKR as one line with its progress and status, the cycle chooser, and links to people.

use super::{render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::read::company::{self, CompanyData, CompanyFilter};
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
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// The company page's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/company", get(company))
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

/// One entry of the flattened tree: templates cannot recurse, so the tree is walked into a list
/// of openings, lines and closings.
pub enum TreeItem {
    /// A team (or a person) opens: its heading with the progress and status of everything below.
    Open(NodeHead),
    Okr(OkrLine),
    /// A node with nothing in this cycle.
    Empty,
    Close,
}

pub struct NodeHead {
    pub name: String,
    /// The team page, or the person's row on the ownership map.
    pub href: String,
    /// "company", "department", "team" or "person".
    pub level: &'static str,
    pub objective_count: usize,
    pub percent: i64,
    pub status: Option<StatusBadge>,
    /// What the roll-up leaves out, in words ("2 drafts · 1 awaiting an owner"); empty when
    /// nothing is.
    pub left_out: String,
    /// Open by default (the top two levels).
    pub open: bool,
}

/// Drafts and work awaiting an owner stay out of a roll-up's progress and status; the roll-up
/// says how many there are.
fn left_out(below: &[&ObjectiveView]) -> String {
    let count = |s: Status| below.iter().filter(|o| o.status == s).count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = vec![];
    match count(Status::Draft) {
        0 => {}
        n => parts.push(plural(n, "draft", "drafts")),
    }
    match count(Status::AwaitingOwner) {
        0 => {}
        n => parts.push(format!("{n} awaiting an owner")),
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{} not counted", parts.join(" · "))
    }
}

struct Tree<'a> {
    data: &'a CompanyData,
    children: HashMap<Option<TeamId>, Vec<&'a Team>>,
    /// Objectives per team they are owned by or shared with.
    by_team: HashMap<TeamId, Vec<&'a ObjectiveView>>,
    /// Objectives with no team, per owner.
    by_person: HashMap<PersonId, Vec<&'a ObjectiveView>>,
    /// The team under which a person's own objectives appear: their deepest team.
    home: HashMap<PersonId, TeamId>,
    people: HashMap<PersonId, &'a Person>,
    /// Leave out nodes with nothing below them (when a filter narrows the objectives).
    prune: bool,
    items: Vec<TreeItem>,
}

impl<'a> Tree<'a> {
    fn new(data: &'a CompanyData) -> Self {
        let known: HashSet<&TeamId> = data.teams.iter().map(|t| &t.id).collect();
        let mut children: HashMap<Option<TeamId>, Vec<&Team>> = HashMap::new();
        for t in &data.teams {
            let parent = t.parent_id.clone().filter(|p| known.contains(p));
            children.entry(parent).or_default().push(t);
        }
        let mut depth: HashMap<&TeamId, usize> = HashMap::new();
        let mut stack: Vec<(&Team, usize)> = children
            .get(&None)
            .map(|v| v.iter().map(|t| (*t, 0)).collect())
            .unwrap_or_default();
        while let Some((t, d)) = stack.pop() {
            if depth.insert(&t.id, d).is_some() {
                continue;
            }
            for c in children.get(&Some(t.id.clone())).into_iter().flatten() {
                stack.push((c, d + 1));
            }
        }
        let mut home: HashMap<PersonId, (usize, &Team)> = HashMap::new();
        for t in &data.teams {
            let d = depth.get(&t.id).copied().unwrap_or(0);
            for m in &t.member_ids {
                let better = home.get(m).is_none_or(|(hd, ht)| {
                    d > *hd || (d == *hd && t.name.to_lowercase() < ht.name.to_lowercase())
                });
                if better {
                    home.insert(m.clone(), (d, t));
                }
            }
        }
        let mut by_team: HashMap<TeamId, Vec<&ObjectiveView>> = HashMap::new();
        let mut by_person: HashMap<PersonId, Vec<&ObjectiveView>> = HashMap::new();
        for o in &data.objectives {
            let teams: Vec<&TeamId> = o.team_ids.iter().filter(|t| known.contains(t)).collect();
            if teams.is_empty() {
                by_person.entry(o.owner_id.clone()).or_default().push(o);
            }
            for t in teams {
                by_team.entry(t.clone()).or_default().push(o);
            }
        }
        Self {
            data,
            children,
            by_team,
            by_person,
            home: home
                .into_iter()
                .map(|(p, (_, t))| (p, t.id.clone()))
                .collect(),
            people: data.people.iter().map(|p| (p.id.clone(), p)).collect(),
            prune: data.owner_filter.is_some() || data.status_filter.is_some(),
            items: vec![],
        }
    }

    /// The people whose own objectives (with no team) appear under `team`.
    fn people_of(&self, team: Option<&TeamId>) -> Vec<(&'a Person, Vec<&'a ObjectiveView>)> {
        let mut out: Vec<(&Person, Vec<&ObjectiveView>)> = self
            .by_person
            .iter()
            .filter(|(p, _)| self.home.get(*p) == team)
            .filter_map(|(p, os)| Some((*self.people.get(p)?, os.clone())))
            .collect();
        out.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        out
    }

    /// Objectives anywhere under `team` (each once), for the node's progress and status.
    fn collect(&self, team: &Team, into: &mut HashMap<ObjectiveId, &'a ObjectiveView>) {
        for o in self.by_team.get(&team.id).into_iter().flatten() {
            into.insert(o.id.clone(), o);
        }
        for (_, os) in self.people_of(Some(&team.id)) {
            for o in os {
                into.insert(o.id.clone(), o);
            }
        }
        for c in self
            .children
            .get(&Some(team.id.clone()))
            .into_iter()
            .flatten()
        {
            self.collect(c, into);
        }
    }

    fn head(
        &self,
        name: String,
        href: String,
        level: &'static str,
        depth: usize,
        below: &[&ObjectiveView],
    ) -> NodeHead {
        let left_out = left_out(below);
        let all = below;
        let counted: Vec<&ObjectiveView> = below
            .iter()
            .copied()
            .filter(|o| !o.status.is_pending())
            .collect();
        let below: &[&ObjectiveView] = if counted.is_empty() { all } else { &counted };
        let progress = if below.is_empty() {
            0.0
        } else {
            below.iter().map(|o| o.progress).sum::<f64>() / below.len() as f64
        };
        let rolled = rhythm::roll_up(all.iter().map(|o| o.status));
        // Every status below, counted in words: "6 on track, 5 at risk, 1 off track".
        let breakdown = Status::ALL
            .into_iter()
            .filter_map(|s| {
                let n = below.iter().filter(|o| o.status == s).count();
                (n > 0).then(|| format!("{n} {}", s.label().to_lowercase()))
            })
            .collect::<Vec<_>>()
            .join(", ");
        NodeHead {
            name,
            href,
            level,
            objective_count: all.len(),
            left_out,
            percent: percent(progress),
            status: rolled.map(|s| {
                StatusBadge::new(
                    s,
                    format!(
                        "{} objective{} below: {breakdown}; the middle of them reads {}",
                        below.len(),
                        if below.len() == 1 { "" } else { "s" },
                        s.label().to_lowercase()
                    ),
                )
            }),
            open: depth < 2,
        }
    }

    fn team(&mut self, team: &'a Team, depth: usize) {
        let mut below = HashMap::new();
        self.collect(team, &mut below);
        if self.prune && below.is_empty() {
            return;
        }
        let mut below: Vec<&ObjectiveView> = below.into_values().collect();
        below.sort_by(|a, b| a.title.cmp(&b.title));
        let level = match depth {
            0 if team.parent_id.is_none() => "company",
            0 | 1 => "department",
            _ => "team",
        };
        let head = self.head(
            team.name.clone(),
            format!("/teams/{}", team.id),
            level,
            depth,
            &below,
        );
        self.items.push(TreeItem::Open(head));
        let mut own: Vec<&ObjectiveView> = self.by_team.get(&team.id).cloned().unwrap_or_default();
        own.sort_by(|a, b| a.title.cmp(&b.title));
        for o in &own {
            self.items.push(TreeItem::Okr(
                OkrLine::objective(o, Some(&team.id)).summary(),
            ));
        }
        for (person, os) in self.people_of(Some(&team.id)) {
            self.person(person, os, depth + 1);
        }
        let mut kids: Vec<&Team> = self
            .children
            .get(&Some(team.id.clone()))
            .cloned()
            .unwrap_or_default();
        kids.sort_by(|a, b| a.name.cmp(&b.name));
        let had_children = !kids.is_empty();
        for c in kids {
            self.team(c, depth + 1);
        }
        if own.is_empty() && !had_children && below.is_empty() {
            self.items.push(TreeItem::Empty);
        }
        self.items.push(TreeItem::Close);
    }

    fn person(&mut self, person: &Person, mut os: Vec<&'a ObjectiveView>, depth: usize) {
        os.sort_by(|a, b| a.title.cmp(&b.title));
        let head = self.head(
            person.name.clone(),
            person_href(person.id.as_str(), self.data.cycle.as_ref()),
            "person",
            depth,
            &os,
        );
        self.items.push(TreeItem::Open(head));
        for o in os {
            self.items.push(TreeItem::Okr(OkrLine::objective(o, None)));
        }
        self.items.push(TreeItem::Close);
    }

    /// Walks from the roots (or from the filtered team).
    fn build(mut self) -> Vec<TreeItem> {
        let roots: Vec<&'a Team> = match &self.data.team_filter {
            Some(t) => self.data.teams.iter().filter(|x| &x.id == t).collect(),
            None => self.children.get(&None).cloned().unwrap_or_default(),
        };
        for r in roots {
            self.team(r, 0);
        }
        if self.data.team_filter.is_none() {
            // People in no team, with objectives of their own.
            for (person, os) in self.people_of(None) {
                self.person(person, os, 0);
            }
        }
        self.items
    }
}

// ---------------------------------------------------------------- the page

#[derive(Template)]
#[template(path = "company.html")]
struct CompanyPage {
    layout: Layout,
    cycles: Vec<Choice>,
    teams: Vec<Choice>,
    /// The owner chosen, as `(id, name)`: the picker's one option (people are found as the
    /// reader types, never listed whole).
    owner: Option<(String, String)>,
    /// What was typed in the owner's find field (kept when it named nobody).
    owner_find: String,
    statuses: Vec<Choice>,
    /// The filter field at fault, and why.
    error: Option<(String, String)>,
    cycle_name: String,
    items: Vec<TreeItem>,
    objective_count: usize,
    filtered: bool,
    /// The reader may open the calibration report: the page links to it.
    can_calibrate: bool,
}

impl CompanyPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// The company page's query string: every filter optional.
#[derive(Debug, Default, Deserialize)]
pub struct CompanyQuery {
    cycle_id: Option<String>,
    team_id: Option<String>,
    owner_id: Option<String>,
    /// The owner's find field, for a form sent without JavaScript: a name, an email or an id.
    #[serde(rename = "owner_id.find")]
    owner_find: Option<String>,
    status: Option<String>,
}

fn choices<T>(
    items: &[T],
    value: impl Fn(&T) -> String,
    label: impl Fn(&T) -> String,
    selected: Option<&str>,
) -> Vec<Choice> {
    items
        .iter()
        .map(|i| {
            let v = value(i);
            Choice {
                selected: selected == Some(v.as_str()),
                label: label(i),
                value: v,
            }
        })
        .collect()
}

/// `GET /company`: the goal tree.
pub async fn company(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<CompanyQuery>,
) -> Result<Response, UiError> {
    let owner_find = q.owner_find.as_deref().unwrap_or("").trim().to_string();
    let mut filter = CompanyFilter {
        cycle_id: q.cycle_id.clone(),
        team_id: q.team_id.clone(),
        owner_id: q.owner_id.clone().filter(|o| !o.trim().is_empty()),
        status: q.status.clone(),
    };
    let attempt = async {
        // Typed without JavaScript: the one person the words name.
        if filter.owner_id.is_none() && !owner_find.is_empty() {
            let found =
                crate::read::pickers::resolve_people(state.store(), "owner_id", &owner_find, &[])
                    .await?;
            filter.owner_id = found.first().map(PersonId::to_string);
        }
        company::company(state.store(), &caller, &filter).await
    };
    let (data, error) = match attempt.await {
        Ok(d) => (d, None),
        Err(ApiError::Invalid(e)) => {
            // Show the form again with the message next to the filter at fault and what was
            // chosen kept; no tree.
            let mut d = company::company(state.store(), &caller, &CompanyFilter::default()).await?;
            d.objectives.clear();
            (d, Some((e.field.clone(), e.message.clone())))
        }
        Err(e) => return Err(e.into()),
    };
    let items = if error.is_some() {
        vec![]
    } else {
        Tree::new(&data).build()
    };
    let selected_cycle = data.cycle.as_ref().map(|c| c.id.to_string());
    let page = CompanyPage {
        layout: Layout::signed_in(&caller, "/company"),
        cycles: choices(
            &data.cycles,
            |c| c.id.to_string(),
            |c| c.name.clone(),
            if error.as_ref().is_some_and(|(f, _)| f == "cycle_id") {
                q.cycle_id.as_deref()
            } else {
                selected_cycle.as_deref()
            },
        ),
        teams: choices(
            &data.teams,
            |t| t.id.to_string(),
            |t| t.name.clone(),
            q.team_id.as_deref(),
        ),
        owner: data
            .owner
            .as_ref()
            .map(|p| (p.id.to_string(), p.name.clone())),
        owner_find: if data.owner.is_some() {
            String::new()
        } else {
            owner_find
        },
        statuses: choices(
            &Status::ALL,
            |s| s.as_str().to_string(),
            |s| s.label().to_string(),
            q.status.as_deref(),
        ),
        cycle_name: data
            .cycle
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        objective_count: data.objectives.len(),
        filtered: data.team_filter.is_some()
            || data.owner_filter.is_some()
            || data.status_filter.is_some(),
        items,
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
