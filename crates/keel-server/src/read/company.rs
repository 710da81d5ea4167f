//! The company page's read model: the goal tree of one cycle a level at a time. Why a level at
//! a time: at 100,000 people a cycle holds 120,000 objectives under 15,000 teams; the page once
//! read them all as full views and built the tree in memory (minutes, megabytes). Now a level is
//! one team (or the organisation): its figures and its teams' figures (objectives by status,
//! the median progress) counted in SQL from what the hourly evaluator stored
//! (`keel_store::CompanyTree`, the page saying when that was), its own objectives and its teams
//! 50 a page; each team below opens on demand. Filtered by owner or status, the page lists the
//! matching objectives, 50 a page. A level costs the same few queries whatever the size.

use super::lists::{cycles, pick_cycle};
use super::views::{self, ObjectiveView};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::visibility::Viewer;
use keel_domain::rhythm::{self, Status};
use keel_domain::*;
use keel_store::{
    CompanyTree, Dashboards, People, Reader, Store, Teams, TreeCount, TreeFigures, TreeObjectives,
    TreePlace, TreeScope,
};

/// How many objectives, and how many teams, a level shows at a time.
pub const PAGE: u32 = 50;

/// The company page's filters, from its query string (empty means any).
#[derive(Debug, Default, Clone)]
pub struct CompanyFilter {
    pub cycle_id: Option<String>,
    /// The team whose level is shown (and below which owner and status filters look).
    pub team_id: Option<String>,
    /// `no_team`: the objectives shared with no team.
    pub place: Option<String>,
    pub owner_id: Option<String>,
    pub status: Option<String>,
    /// The page of objectives (from 1).
    pub page: Option<String>,
    /// The page of teams below (from 1).
    pub teams_page: Option<String>,
}

/// A node's figures: its objectives by the status they are counted under and the median
/// progress of those counted (drafts and work awaiting an owner are left out, and said).
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// By status; `None`: not evaluated yet (created since the last evaluation).
    pub statuses: Vec<(Option<Status>, u64)>,
    /// In [0, 1]; `None` with nothing counted.
    pub median_progress: Option<f64>,
}

impl Figures {
    fn of(f: Option<TreeFigures>) -> Self {
        f.map(|f| Figures {
            statuses: f.statuses,
            median_progress: f.median_progress_milli.map(|m| m as f64 / 1000.0),
        })
        .unwrap_or_default()
    }

    /// Every objective below, each once.
    pub fn objectives(&self) -> u64 {
        self.statuses.iter().map(|(_, n)| n).sum()
    }

    /// How many have `status` (`None`: not evaluated yet).
    pub fn count(&self, status: Option<Status>) -> u64 {
        self.statuses
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, n)| n)
            .sum()
    }

    /// The node's status: the roll-up of the statuses below (the rule every roll-up uses).
    pub fn status(&self) -> Option<Status> {
        let known: Vec<(Status, u64)> = self
            .statuses
            .iter()
            .filter_map(|(s, n)| s.map(|s| (s, *n)))
            .collect();
        rhythm::roll_up_counts(&known)
    }
}

/// A team below the level shown, with its figures.
#[derive(Debug, Clone)]
pub struct TeamNode {
    pub id: TeamId,
    pub name: String,
    /// Teams directly below it.
    pub teams_below: u64,
    pub figures: Figures,
}

/// What a level is of.
#[derive(Debug, Clone)]
pub enum Node {
    /// The organisation, when it has several top-level teams.
    Organisation,
    /// A team, with the teams above it (the top one first).
    Team {
        team: Team,
        above: Vec<(TeamId, String)>,
    },
    /// The objectives shared with no team.
    NoTeam,
}

/// A page of objectives with how many there are in all.
#[derive(Debug, Clone, Default)]
pub struct ObjectivesPage {
    pub items: Vec<ObjectiveView>,
    /// How many (counted up to a bound past the page: `TreeCount`).
    pub total: TreeCount,
}

/// One level of the tree.
#[derive(Debug, Clone)]
pub struct Level {
    pub node: Node,
    /// Everything below the node (none for the organisation: its teams carry theirs).
    pub figures: Figures,
    /// The node's own objectives, a page.
    pub objectives: ObjectivesPage,
    /// The teams directly below, a page.
    pub teams: Vec<TeamNode>,
    pub teams_total: u64,
    /// On the organisation's first level: the objectives of no team, with their figures.
    pub no_team: Option<(Figures, ObjectivesPage)>,
}

/// What the page shows.
#[derive(Debug, Clone)]
pub enum Shown {
    Level(Box<Level>),
    /// Filtered by owner or status: the matching objectives (below the team chosen), a page.
    Matches(ObjectivesPage),
}

/// The company page's data.
pub struct CompanyData {
    pub cycles: Vec<Cycle>,
    pub cycle: Option<Cycle>,
    /// The team chosen.
    pub team: Option<Team>,
    /// The owner filtered by, for the owner picker's choice.
    pub owner: Option<Person>,
    pub status_filter: Option<Status>,
    pub no_team: bool,
    pub page: u64,
    pub teams_page: u64,
    /// When the stored figures and statuses were worked out: the evaluator's last round.
    pub evaluated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Nothing without a cycle.
    pub shown: Option<Shown>,
}

/// A page number from 1; 422 naming `field` otherwise.
pub fn page_number(field: &str, v: Option<&str>) -> ApiResult<u64> {
    match v.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(1),
        Some(p) => p
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(|| ApiError::invalid(field, "The page must be a whole number from 1.")),
    }
}

fn offset(page: u64) -> u64 {
    (page - 1) * u64::from(PAGE)
}

/// The filters read and checked: 422 naming the field at fault.
async fn checked(
    store: &dyn Store,
    filter: &CompanyFilter,
) -> ApiResult<(Option<Team>, Option<Person>, Option<Status>)> {
    let team =
        crate::read::pickers::resolve_team(store, "team_id", filter.team_id.as_deref(), None)
            .await?;
    let owner = match filter.owner_id.as_deref().filter(|t| !t.is_empty()) {
        Some(o) => Some(
            store
                .person(&PersonId::from_string(o.to_string()))
                .await?
                .ok_or_else(|| {
                    ApiError::invalid("owner_id", format!("no person has the id '{o}'"))
                })?,
        ),
        None => None,
    };
    let status = crate::read::dashboard::parse_status(filter.status.as_deref())?;
    Ok((team, owner, status))
}

/// The company page's data: a constant number of queries, whatever the organisation's size.
pub async fn company(
    store: &dyn Store,
    caller: &Caller,
    filter: &CompanyFilter,
) -> ApiResult<CompanyData> {
    let cycles = cycles(store).await?;
    let cycle = pick_cycle(
        &cycles,
        filter.cycle_id.as_deref(),
        crate::services::today(store).await?,
    )?;
    let (team, owner, status_filter) = checked(store, filter).await?;
    let no_team = match filter.place.as_deref().map(str::trim) {
        None | Some("") => false,
        Some("no_team") => true,
        Some(_) => return Err(ApiError::invalid("place", "must be no_team")),
    };
    let page = page_number("page", filter.page.as_deref())?;
    let teams_page = page_number("teams_page", filter.teams_page.as_deref())?;
    let mut data = CompanyData {
        cycles,
        cycle: None,
        team,
        owner,
        status_filter,
        no_team,
        page,
        teams_page,
        evaluated_at: store.last_finished(crate::jobs::EVALUATE).await?,
        shown: None,
    };
    let Some(cycle) = cycle else {
        return Ok(data);
    };
    let scope = TreeScope {
        reader: Reader::of(Viewer::of(&caller.person).audience()),
        cycle_id: cycle.id.clone(),
    };
    data.cycle = Some(cycle);
    data.shown = Some(if data.owner.is_some() || data.status_filter.is_some() {
        let place = match (&data.team, data.no_team) {
            (Some(t), _) => TreePlace::Below(t.id.clone()),
            (None, true) => TreePlace::NoTeam,
            (None, false) => TreePlace::Anywhere,
        };
        let which = TreeObjectives {
            place,
            status: data.status_filter,
            owner_id: data.owner.as_ref().map(|p| p.id.clone()),
        };
        Shown::Matches(objectives_page(store, &scope, &which, page).await?)
    } else {
        Shown::Level(Box::new(level(store, &scope, &data).await?))
    });
    Ok(data)
}

/// A page of the objectives `which`, as views (their status now).
async fn objectives_page(
    store: &dyn Store,
    scope: &TreeScope,
    which: &TreeObjectives,
    page: u64,
) -> ApiResult<ObjectivesPage> {
    let (found, total) = store
        .tree_objectives(scope, which, offset(page), PAGE)
        .await?;
    Ok(ObjectivesPage {
        items: views::objectives(store, found).await?,
        total,
    })
}

/// The level of the team chosen, of the objectives of no team, or of the organisation (the
/// one top-level team's when there is only one).
async fn level(store: &dyn Store, scope: &TreeScope, data: &CompanyData) -> ApiResult<Level> {
    if data.no_team {
        let which = TreeObjectives {
            place: TreePlace::NoTeam,
            status: None,
            owner_id: None,
        };
        let figures = store.tree_figures(scope, &[], true).await?;
        return Ok(Level {
            node: Node::NoTeam,
            figures: Figures::of(figures.into_iter().next()),
            objectives: objectives_page(store, scope, &which, data.page).await?,
            teams: vec![],
            teams_total: 0,
            no_team: None,
        });
    }
    let top = data.team.is_none();
    let team = match &data.team {
        Some(t) => Some(t.clone()),
        None => {
            let (roots, total) = store.child_teams(None, 0, 2).await?;
            match (roots.first(), total) {
                (Some((id, _, _)), 1) => store.team(id).await?,
                _ => None,
            }
        }
    };
    let teams_offset = offset(data.teams_page);
    let (children, teams_total) = store
        .child_teams(team.as_ref().map(|t| &t.id), teams_offset, PAGE)
        .await?;
    let mut asked: Vec<TeamId> = children.iter().map(|(id, _, _)| id.clone()).collect();
    asked.extend(team.iter().map(|t| t.id.clone()));
    let mut figures = store.tree_figures(scope, &asked, top).await?;
    let mut take = |id: Option<&TeamId>| {
        Figures::of(
            figures
                .iter()
                .position(|f| f.team_id.as_ref() == id)
                .map(|i| figures.swap_remove(i)),
        )
    };
    let teams = children
        .into_iter()
        .map(|(id, name, teams_below)| TeamNode {
            figures: take(Some(&id)),
            id,
            name,
            teams_below,
        })
        .collect();
    let own_figures = match &team {
        Some(t) => take(Some(&t.id)),
        None => Figures::default(),
    };
    let no_team_figures = take(None);
    let no_team = if top && no_team_figures.objectives() > 0 {
        let which = TreeObjectives {
            place: TreePlace::NoTeam,
            status: None,
            owner_id: None,
        };
        Some((
            no_team_figures,
            objectives_page(store, scope, &which, 1).await?,
        ))
    } else {
        None
    };
    let (node, objectives, figures) = match team {
        Some(t) => {
            let which = TreeObjectives {
                place: TreePlace::Team(t.id.clone()),
                status: None,
                owner_id: None,
            };
            let objectives = objectives_page(store, scope, &which, data.page).await?;
            let above = store
                .team_ancestors(std::slice::from_ref(&t.id))
                .await?
                .into_iter()
                .filter(|(_, a, _)| a != &t.id)
                .rev()
                .map(|(_, a, name)| (a, name))
                .collect();
            (Node::Team { team: t, above }, objectives, own_figures)
        }
        None => (
            Node::Organisation,
            ObjectivesPage::default(),
            Figures::default(),
        ),
    };
    Ok(Level {
        node,
        figures,
        objectives,
        teams,
        teams_total,
        no_team,
    })
}
