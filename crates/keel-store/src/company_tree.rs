//! The company goal tree's reads, a level at a time: the teams under a team (or the top-level
//! ones), a page at a time; each team's figures over everything below it (objectives by status,
//! the median progress) aggregated in SQL from what the periodic evaluator stored
//! (`objective_signals`); and a page of the objectives of one place (a team's own, a team's
//! subtree, those of no team) filtered by stored status and owner.
//!
//! Why a module of its own: at 100,000 people a cycle has 120,000 objectives and 15,000 teams;
//! the page once read them all and built the tree in memory. Here each read is one query
//! whatever the organisation's size, filtered by the reader's visibility in SQL (the one rule of
//! `sql::visibility`), so a private objective is counted only for those who may see it. The
//! status an objective is counted under is spelled once (`STATUS`) and shared by the figures
//! and the filtered lists, so a node's count and the list it leads to cannot disagree.
//!
//! The company's own figure (a top-level team's, over every objective of the cycle) and the
//! objectives of no team would still read the whole cycle, so the hourly evaluator counts them
//! (`count_company_figures`: objectives by status and stored progress, cumulative by how widely
//! they are shown, in `company_figure_counts`); the first level reads those few rows at the
//! widest reach the reader sees whole and counts the reader's narrower objectives live, as the
//! participation report does.

use crate::db::{Arg, Row};
use crate::participation::{reach_of, reach_seen_whole, EVERY_OKR};
use crate::sql::table::Table;
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use keel_domain::rhythm::Status;
use std::collections::HashMap;

/// The `company_figure_counts` table.
pub(crate) const COMPANY_FIGURE_COUNT: Table = Table {
    name: "company_figure_counts",
    columns: &[
        "cycle_id",
        "root_id",
        "reach",
        "status",
        "progress_milli",
        "objectives",
    ],
    not_selected: &[],
    later: &[],
};

/// Which objectives the tree reads: one cycle's, as a reader may see them.
#[derive(Debug, Clone)]
pub struct TreeScope {
    pub reader: Reader,
    pub cycle_id: CycleId,
}

/// Where objectives are counted or listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreePlace {
    /// Shared with this team itself.
    Team(TeamId),
    /// Shared with this team or any team below it.
    Below(TeamId),
    /// Shared with no team (an owner's own).
    NoTeam,
    /// Anywhere in the cycle.
    Anywhere,
}

/// The figures of a team's subtree (`team_id`), or of the objectives of no team (`None`).
#[derive(Debug, Clone, PartialEq)]
pub struct TreeFigures {
    pub team_id: Option<TeamId>,
    /// Objectives by the status they are counted under (`None`: the evaluator has not seen them
    /// yet), each objective once however many teams below share it.
    pub statuses: Vec<(Option<Status>, u64)>,
    /// The median stored progress, in thousandths, of the objectives that are neither drafts
    /// nor awaiting an owner (the mean of the two middle ones when their number is even);
    /// `None` when there are none.
    pub median_progress_milli: Option<i64>,
}

/// Which objectives a list of the tree shows.
#[derive(Debug, Clone)]
pub struct TreeObjectives {
    pub place: TreePlace,
    /// Only those counted under this status.
    pub status: Option<Status>,
    /// Only those this person owns or owns a key result of.
    pub owner_id: Option<PersonId>,
}

/// How far past a list's first row its objectives are counted: at 100,000 people one status
/// holds 28,000 objectives of a cycle, and counting them all cost more than the rest of the page
/// (80 ms on PostgreSQL); past this the page says "more than" (the company's figures above
/// count every status whole, as of the evaluator's round).
pub const COUNTED_PAST: u64 = 1_000;

/// How many objectives a list of the tree holds, counted up to `COUNTED_PAST` past the page's
/// first row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeCount {
    /// How many there are, or, with `more`, how many were counted.
    pub counted: u64,
    /// There are more than `counted`.
    pub more: bool,
}

/// The goal tree's reads.
#[async_trait]
pub trait CompanyTree: Send + Sync {
    /// The teams under `parent` (the top-level teams with `None`), by name, `limit` from
    /// `offset`, as `(id, name, how many teams are directly under it)`, and how many there are
    /// in all. One query.
    async fn child_teams(
        &self,
        parent: Option<&TeamId>,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<(TeamId, String, u64)>, u64)>;
    /// The figures of each of `teams` over its subtree, and of the objectives of no team when
    /// `no_team`; a team with no objectives below it has no row. One query.
    async fn tree_figures(
        &self,
        scope: &TreeScope,
        teams: &[TeamId],
        no_team: bool,
    ) -> StoreResult<Vec<TreeFigures>>;
    /// The objectives `which`, by title, `limit` from `offset`, and how many there are
    /// (counted up to `COUNTED_PAST` past `offset`). Two queries (and the objectives'
    /// junctions).
    async fn tree_objectives(
        &self,
        scope: &TreeScope,
        which: &TreeObjectives,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<Objective>, TreeCount)>;
    /// Counts the figures of every top-level team's subtree and of the objectives of no team
    /// in `cycle` at each reach, from the stored statuses, and stores them in place of the
    /// last count (one read, one short write); records the round at `at`. Returns the rows
    /// stored.
    async fn count_company_figures(&self, cycle: &CycleId, at: Timestamp) -> StoreResult<u64>;
}

#[async_trait]
impl CompanyTree for dyn Store {
    async fn child_teams(
        &self,
        parent: Option<&TeamId>,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<(TeamId, String, u64)>, u64)> {
        self.as_company_tree()
            .child_teams(parent, offset, limit)
            .await
    }

    async fn tree_figures(
        &self,
        scope: &TreeScope,
        teams: &[TeamId],
        no_team: bool,
    ) -> StoreResult<Vec<TreeFigures>> {
        self.as_company_tree()
            .tree_figures(scope, teams, no_team)
            .await
    }

    async fn tree_objectives(
        &self,
        scope: &TreeScope,
        which: &TreeObjectives,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<Objective>, TreeCount)> {
        self.as_company_tree()
            .tree_objectives(scope, which, offset, limit)
            .await
    }

    async fn count_company_figures(&self, cycle: &CycleId, at: Timestamp) -> StoreResult<u64> {
        self.as_company_tree()
            .count_company_figures(cycle, at)
            .await
    }
}

/// The objectives of the cycle, aliased `o` (objective), `cy` (its cycle) and `s` (the
/// evaluator's signal, absent until it has seen the objective).
const FROM: &str = "objectives o JOIN cycles cy ON cy.id = o.cycle_id \
     LEFT JOIN objective_signals s ON s.objective_id = o.id";

/// `FROM` read from the evaluator's statuses (`s`, then the objective `o`: `CROSS JOIN` keeps
/// that order), for the objectives of one judged status; the caller joins `o` to `s`.
const FROM_BY_STATUS: &str = "objective_signals s CROSS JOIN objectives o \
     JOIN cycles cy ON cy.id = o.cycle_id";

/// The status an objective is counted under: its lifecycle first (a draft, closed work), else
/// the evaluator's last status (NULL until it has seen it).
fn status_sql() -> String {
    format!(
        "(CASE WHEN o.state = '{draft}' THEN '{s_draft}' \
         WHEN o.state = '{closed}' OR cy.state = '{c_closed}' THEN '{s_closed}' \
         ELSE s.status END)",
        draft = ObjectiveState::Draft.stored(),
        s_draft = Status::Draft.stored(),
        closed = ObjectiveState::Closed.stored(),
        c_closed = CycleState::Closed.stored(),
        s_closed = Status::Closed.stored(),
    )
}

/// That an objective is counted under `status` (`status_sql() = status`), spelled as
/// conditions on its lifecycle and the evaluator's status that the database can estimate and
/// walk an index for: compared as one `CASE`, PostgreSQL guessed 138 of 27,702 off-track
/// objectives and read the whole cycle (80 ms) where walking the titles takes 2 ms.
fn status_is(status: Status, p: &str) -> String {
    let (draft, closed, c_closed) = (
        ObjectiveState::Draft.stored(),
        ObjectiveState::Closed.stored(),
        CycleState::Closed.stored(),
    );
    // Each arm is `status_sql()`'s `CASE` read backwards, the evaluator's status included
    // (it may still say draft or closed of an objective since activated or reopened).
    match status {
        Status::Draft => format!(
            "(o.state = '{draft}' OR (o.state <> '{closed}' AND cy.state <> '{c_closed}' \
             AND s.status = {p}))"
        ),
        Status::Closed => format!(
            "o.state <> '{draft}' AND (o.state = '{closed}' OR cy.state = '{c_closed}' \
             OR s.status = {p})"
        ),
        // A judged status: neither lifecycle applies, and the evaluator judged it so.
        _ => format!(
            "o.state <> '{draft}' AND o.state <> '{closed}' AND cy.state <> '{c_closed}' \
             AND s.status = {p}"
        ),
    }
}

/// The statuses a roll-up leaves out, as an SQL list.
fn pending_sql() -> String {
    Status::ALL
        .iter()
        .filter(|s| s.is_pending())
        .map(|s| format!("'{}'", s.stored()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The scope's conditions on `o`.
fn scope_where(scope: &TreeScope) -> Where {
    let mut w = Where::default();
    let (join, clause) = scope_clause(&mut w, scope, false);
    if !join.is_empty() {
        w.joins.push(join);
    }
    w.add(clause);
    w
}

/// The scope's conditions on `o` as one clause, with the join the reader's rule needs
/// (`reach_join`, to follow `o` in the `FROM`). `through_teams`: the objectives are reached
/// from a few teams' subtrees (`objective_teams`), so the cycle's index is left unused (`|| ''`)
/// and the database starts from the teams: starting from the cycle's objectives instead took
/// 0.2–0.6 s for a page of 50 departments at 100,000 people.
fn scope_clause(w: &mut Where, scope: &TreeScope, through_teams: bool) -> (String, String) {
    let c = w.arg(scope.cycle_id.as_str());
    let cycle = if through_teams { " || ''" } else { "" };
    let (join, visible) = reader_join(w, &scope.reader, "o");
    (
        join,
        format!("o.deleted_at IS NULL AND o.cycle_id{cycle} = {c}{visible}"),
    )
}

/// `team` and every team below it, as an SQL subquery of ids.
fn below(w: &mut Where, team: &TeamId) -> String {
    let t = w.arg(team.as_str());
    format!(
        "WITH RECURSIVE below(id) AS (SELECT id FROM teams WHERE id = {t} \
         UNION SELECT tt.id FROM teams tt JOIN below ON tt.parent_id = below.id) \
         SELECT id FROM below"
    )
}

/// The condition on `o` of a place.
fn place_sql(w: &mut Where, place: &TreePlace) -> Option<String> {
    match place {
        TreePlace::Team(t) => {
            let p = w.arg(t.as_str());
            Some(format!(
                "o.id IN (SELECT ot.objective_id FROM objective_teams ot WHERE ot.team_id = {p})"
            ))
        }
        TreePlace::Below(t) => {
            let ids = below(w, t);
            Some(format!(
                "o.id IN (SELECT ot.objective_id FROM objective_teams ot WHERE ot.team_id IN ({ids}))"
            ))
        }
        TreePlace::NoTeam => Some(
            "NOT EXISTS (SELECT 1 FROM objective_teams ot WHERE ot.objective_id = o.id)".into(),
        ),
        TreePlace::Anywhere => None,
    }
}

fn opt_status(r: &Row, col: &str) -> StoreResult<Option<Status>> {
    r.opt_text(col)?
        .map(|s| Status::from_stored(col, &s))
        .transpose()
}

fn count(r: &Row, col: &str) -> StoreResult<u64> {
    Ok(r.opt_int(col)?.unwrap_or(0).max(0) as u64)
}

/// The id the objectives of no team are grouped under (no team has it: ids are never empty).
const NO_TEAM: &str = "";

/// `below(root, id)`: each of `teams` with every team under it, as (root, team) pairs; a CTE
/// (with its trailing comma) for the histograms below.
fn teams_below_cte(w: &mut Where, teams: &[TeamId]) -> String {
    let ids: Vec<String> = teams.iter().map(|t| w.arg(t.as_str())).collect();
    format!(
        "below(root, id) AS (SELECT id, id FROM teams WHERE id IN ({}) \
         UNION SELECT b.root, t.id FROM teams t JOIN below b ON t.parent_id = b.id), ",
        ids.join(", ")
    )
}

/// The objectives below each of `teams` (and of no team when `no_team`) that meet `w`, each
/// once per root, with the status they are counted under and their stored progress, grouped
/// as `(root, st, pm, r, n)`: how many at each status, progress and reach.
fn histogram_sql(w: &mut Where, teams: &[TeamId], no_team: bool) -> String {
    let st = status_sql();
    let r = reach_of("o");
    let mut cte = String::new();
    let mut parts = vec![];
    if !teams.is_empty() {
        cte = teams_below_cte(w, teams);
        parts.push(format!(
            "SELECT DISTINCT b.root AS root, o.id AS oid, {st} AS st, \
             s.progress_milli AS pm, {r} AS r FROM below b \
             JOIN objective_teams ot ON ot.team_id = b.id \
             JOIN objectives o ON o.id = ot.objective_id \
             JOIN cycles cy ON cy.id = o.cycle_id \
             LEFT JOIN objective_signals s ON s.objective_id = o.id {}",
            w.sql()
        ));
    }
    if no_team {
        parts.push(format!(
            "SELECT '{NO_TEAM}' AS root, o.id AS oid, {st} AS st, s.progress_milli AS pm, \
             {r} AS r FROM {FROM} {} AND NOT EXISTS \
             (SELECT 1 FROM objective_teams ot WHERE ot.objective_id = o.id)",
            w.sql()
        ));
    }
    format!(
        "WITH RECURSIVE {cte}x AS ({}) \
         SELECT root, st, pm, r, COUNT(*) AS n FROM x GROUP BY root, st, pm, r",
        parts.join(" UNION ")
    )
}

/// The histogram of `histogram_sql` over only the objectives the stored figures leave out for
/// the scope's reader (`live_part_sql`), read from those objectives (a few: the reader's ties)
/// to their teams' roots, not from the roots down through every objective; with its arguments.
/// `None` for a reader who takes every objective stored.
fn live_part_histogram_sql(
    scope: &TreeScope,
    teams: &[TeamId],
    no_team: bool,
) -> Option<(String, Vec<crate::db::Arg>)> {
    let mut w = Where::default();
    w.add("o.deleted_at IS NULL".into());
    let c = w.arg(scope.cycle_id.as_str());
    // The cycle's index left unused (`|| ''`): the live part names its objectives.
    w.add(format!("o.cycle_id || '' = {c}"));
    let live = live_part_sql(&mut w, &scope.reader, "o")?;
    w.add(live);
    let st = status_sql();
    let r = reach_of("o");
    let lo = format!(
        "lo(oid, st, pm, r) AS (SELECT o.id, {st}, s.progress_milli, {r} FROM {FROM} {})",
        w.sql()
    );
    let mut cte = String::new();
    let mut parts = vec![];
    if !teams.is_empty() {
        // Each live objective's teams and every team above them (`up`), kept where they are
        // among the asked: walked up from the few live objectives, not down from the roots
        // (a root's subtree is the whole organisation: 30–50 ms at 100,000 people).
        let ids: Vec<String> = teams.iter().map(|t| w.arg(t.as_str())).collect();
        cte = ", up(oid, id) AS (SELECT lo.oid, ot.team_id FROM lo \
             JOIN objective_teams ot ON ot.objective_id = lo.oid \
             UNION SELECT up.oid, t.parent_id FROM up JOIN teams t ON t.id = up.id \
             WHERE t.parent_id IS NOT NULL)"
            .to_string();
        parts.push(format!(
            "SELECT DISTINCT up.id AS root, lo.oid, lo.st, lo.pm, lo.r FROM lo \
             JOIN up ON up.oid = lo.oid WHERE up.id IN ({})",
            ids.join(", ")
        ));
    }
    if no_team {
        parts.push(format!(
            "SELECT '{NO_TEAM}' AS root, lo.oid, lo.st, lo.pm, lo.r FROM lo WHERE NOT EXISTS \
             (SELECT 1 FROM objective_teams ot WHERE ot.objective_id = lo.oid)"
        ));
    }
    Some((
        format!(
            "WITH RECURSIVE {lo}{cte}, x(root, oid, st, pm, r) AS ({}) \
             SELECT root, st, pm, r, COUNT(*) AS n FROM x GROUP BY root, st, pm, r",
            parts.join(" UNION ")
        ),
        w.args,
    ))
}

/// The stored `progress_milli` of objectives with no stored progress.
const NO_PROGRESS: i64 = i64::MIN;

/// One histogram entry: a status (`None`: not evaluated yet), a stored progress and how many
/// objectives.
type Bar = (Option<Status>, Option<i64>, u64);

/// A root's figures from its histogram: the objectives by status, and the median progress of
/// those neither pending nor unevaluated (the mean of the two middle ones), as the live query
/// computes them.
fn figures_of(team_id: Option<TeamId>, bars: &[Bar]) -> TreeFigures {
    let mut statuses: Vec<(Option<Status>, u64)> = vec![];
    for (st, _, n) in bars {
        match statuses.iter_mut().find(|(s, _)| s == st) {
            Some((_, m)) => *m += n,
            None => statuses.push((*st, *n)),
        }
    }
    let mut progress: Vec<(i64, u64)> = bars
        .iter()
        .filter_map(|(st, pm, n)| match (st, pm) {
            (Some(s), Some(pm)) if !s.is_pending() => Some((*pm, *n)),
            _ => None,
        })
        .collect();
    progress.sort();
    let total: u64 = progress.iter().map(|(_, n)| n).sum();
    let nth = |k: u64| {
        let mut seen = 0;
        progress.iter().find_map(|(pm, n)| {
            seen += n;
            (seen >= k).then_some(*pm)
        })
    };
    let median_progress_milli = match (nth(total.div_ceil(2)), nth(total / 2 + 1)) {
        (Some(lo), Some(hi)) if total > 0 => Some((lo + hi) / 2),
        _ => None,
    };
    TreeFigures {
        team_id,
        statuses,
        median_progress_milli,
    }
}

impl SqlStore {
    /// The figures of `teams` (and of no team when `no_team`) counted live, with the reader's
    /// eyes: two queries (the teams' subtrees, then the count).
    async fn live_figures(
        &self,
        scope: &TreeScope,
        teams: &[TeamId],
        no_team: bool,
    ) -> StoreResult<Vec<TreeFigures>> {
        if teams.is_empty() && !no_team {
            return Ok(vec![]);
        }
        let st = status_sql();
        let subtrees = if teams.is_empty() {
            vec![]
        } else {
            crate::teams::subtrees_of(&self.db, teams).await?
        };
        let mut w = Where::default();
        let mut parts = vec![];
        let mut cte = String::new();
        if !subtrees.is_empty() {
            // The subtrees as a list of (root, team) pairs, read first: PostgreSQL estimates a
            // recursive `WITH` at about a thousand times its first step (12,101 rows for 21
            // teams), and so hash-joined every objective of the cycle to it (0.3 s a page at
            // 100,000 people); a list it counts exactly.
            let pairs: Vec<String> = subtrees
                .iter()
                .map(|(root, team)| format!("({}, {})", w.arg(root.as_str()), w.arg(team.as_str())))
                .collect();
            cte = format!("below(root, id) AS (VALUES {}), ", pairs.join(", "));
            let (join, clause) = scope_clause(&mut w, scope, true);
            // From the teams to their objectives, in that order (`CROSS JOIN`): left to itself,
            // SQLite read every objective of the organisation and probed the teams (0.1 s for a
            // page of 50 departments at 100,000 people; a few milliseconds this way).
            parts.push(format!(
                "SELECT DISTINCT b.root AS root, o.id AS oid, {st} AS st, \
                 s.progress_milli AS pm FROM below b \
                 CROSS JOIN objective_teams ot CROSS JOIN objectives o \
                 JOIN cycles cy ON cy.id = o.cycle_id \
                 LEFT JOIN objective_signals s ON s.objective_id = o.id {join} \
                 WHERE ot.team_id = b.id AND o.id = ot.objective_id AND {clause}"
            ));
        }
        if no_team {
            let (join, clause) = scope_clause(&mut w, scope, false);
            parts.push(format!(
                "SELECT '{NO_TEAM}' AS root, o.id AS oid, {st} AS st, s.progress_milli AS pm \
                 FROM {FROM} {join} WHERE {clause} AND NOT EXISTS \
                 (SELECT 1 FROM objective_teams ot WHERE ot.objective_id = o.id)"
            ));
        }
        if parts.is_empty() {
            return Ok(vec![]);
        }
        let pending = pending_sql();
        let sql = format!(
            "WITH {cte}x AS ({}), \
             m AS (SELECT root, pm, ROW_NUMBER() OVER (PARTITION BY root ORDER BY pm) AS rn, \
                 COUNT(*) OVER (PARTITION BY root) AS n FROM x \
                 WHERE pm IS NOT NULL AND st IS NOT NULL AND st NOT IN ({pending})) \
             SELECT 'c' AS what, root, st, COUNT(*) AS n, NULL AS lo, NULL AS hi \
                 FROM x GROUP BY root, st \
             UNION ALL SELECT 'm' AS what, root, NULL AS st, NULL AS n, MIN(pm) AS lo, \
                 MAX(pm) AS hi FROM m WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY root",
            parts.join(" UNION ")
        );
        let mut out: Vec<TreeFigures> = vec![];
        for r in self.db.fetch_all(&sql, w.args).await? {
            let root = r.text("root")?;
            let team_id = (root != NO_TEAM).then(|| TeamId::from_string(root));
            let at = match out.iter().position(|f| f.team_id == team_id) {
                Some(i) => i,
                None => {
                    out.push(TreeFigures {
                        team_id,
                        statuses: vec![],
                        median_progress_milli: None,
                    });
                    out.len() - 1
                }
            };
            if r.text("what")? == "c" {
                out[at]
                    .statuses
                    .push((opt_status(&r, "st")?, count(&r, "n")?));
            } else if let (Some(lo), Some(hi)) = (r.opt_int("lo")?, r.opt_int("hi")?) {
                out[at].median_progress_milli = Some((lo + hi) / 2);
            }
        }
        Ok(out)
    }

    /// The figures of the top-level teams among `teams` (and of no team when `no_team`) from
    /// the evaluator's stored counts at the widest reach the reader sees whole, with the
    /// reader's narrower objectives counted live; `None` when the cycle was never counted.
    /// Returns the figures and the teams it did not cover (not top-level). Three queries.
    async fn stored_figures(
        &self,
        scope: &TreeScope,
        teams: &[TeamId],
        no_team: bool,
    ) -> StoreResult<Option<(Vec<TreeFigures>, Vec<TeamId>)>> {
        if crate::participation::counted_at(&self.db, "company", &scope.cycle_id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let mut tops: Vec<TeamId> = vec![];
        if !teams.is_empty() {
            let ids: Vec<Arg> = teams.iter().map(|t| Arg::from(t.as_str())).collect();
            let sql = format!(
                "SELECT t.id FROM teams t WHERE t.id IN ({}) AND (t.parent_id IS NULL OR \
                 NOT EXISTS (SELECT 1 FROM teams up WHERE up.id = t.parent_id))",
                crate::db::placeholders(1, ids.len())
            );
            for r in self.db.fetch_all(&sql, ids).await? {
                tops.push(TeamId::from_string(r.text("id")?));
            }
        }
        let rest: Vec<TeamId> = teams
            .iter()
            .filter(|t| !tops.contains(t))
            .cloned()
            .collect();
        if tops.is_empty() && !no_team {
            return Ok(Some((vec![], rest)));
        }
        let whole = reach_seen_whole(&scope.reader);
        let mut roots: Vec<String> = tops.iter().map(|t| t.to_string()).collect();
        if no_team {
            roots.push(NO_TEAM.to_string());
        }
        let mut bars: HashMap<String, Vec<Bar>> = HashMap::new();
        let mut args = vec![Arg::from(scope.cycle_id.as_str()), Arg::from(whole)];
        args.extend(roots.iter().map(|r| Arg::from(r.as_str())));
        let sql = format!(
            "SELECT root_id, status, progress_milli, objectives FROM company_figure_counts \
             WHERE cycle_id = $1 AND reach = $2 AND root_id IN ({})",
            crate::db::placeholders(3, roots.len())
        );
        for r in self.db.fetch_all(&sql, args).await? {
            let st = r.text("status")?;
            let st = (!st.is_empty())
                .then(|| Status::from_stored("status", &st))
                .transpose()?;
            let pm = Some(r.int("progress_milli")?).filter(|p| *p != NO_PROGRESS);
            bars.entry(r.text("root_id")?)
                .or_default()
                .push((st, pm, count(&r, "objectives")?));
        }
        if whole < EVERY_OKR {
            // The objectives shown more narrowly that the reader may see, live, found from the
            // reader's ties (`live_part_sql`, the dashboards' rule), never by reading the cycle.
            let (sql, args) = live_part_histogram_sql(scope, &tops, no_team)
                .expect("a reader who sees less than every OKR has a live part");
            for r in self.db.fetch_all(&sql, args).await? {
                bars.entry(r.text("root")?).or_default().push((
                    opt_status(&r, "st")?,
                    r.opt_int("pm")?,
                    count(&r, "n")?,
                ));
            }
        }
        let figures = roots
            .into_iter()
            .filter_map(|root| {
                let b = bars.remove(&root)?;
                let team_id = (root != NO_TEAM).then(|| TeamId::from_string(root));
                Some(figures_of(team_id, &b))
            })
            .collect();
        Ok(Some((figures, rest)))
    }
}

#[async_trait]
impl CompanyTree for SqlStore {
    async fn child_teams(
        &self,
        parent: Option<&TeamId>,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<(TeamId, String, u64)>, u64)> {
        let mut w = Where::default();
        match parent {
            Some(p) => {
                let p = w.arg(p.as_str());
                w.add(format!("t.parent_id = {p}"));
            }
            // A team whose parent is gone counts as a top-level one.
            None => w.add(
                "(t.parent_id IS NULL OR NOT EXISTS \
                 (SELECT 1 FROM teams up WHERE up.id = t.parent_id))"
                    .into(),
            ),
        }
        let sql = format!(
            "SELECT t.id, t.name, \
             (SELECT COUNT(*) FROM teams c WHERE c.parent_id = t.id) AS children, \
             COUNT(*) OVER () AS total \
             FROM teams t {} ORDER BY LOWER(t.name), t.id LIMIT {} OFFSET {}",
            w.sql(),
            clamp(limit),
            offset.min(i64::MAX as u64)
        );
        let rows = self.db.fetch_all(&sql, w.args.clone()).await?;
        let total = match rows.first() {
            Some(r) => count(r, "total")?,
            // Past the last page: the window has no row to ride on.
            None if offset > 0 => {
                let sql = format!("SELECT COUNT(*) AS n FROM teams t {}", w.sql());
                self.db
                    .fetch_optional(&sql, w.args)
                    .await?
                    .map(|r| count(&r, "n"))
                    .transpose()?
                    .unwrap_or(0)
            }
            None => 0,
        };
        let teams = rows
            .iter()
            .map(|r| {
                Ok((
                    TeamId::from_string(r.text("id")?),
                    r.text("name")?,
                    count(r, "children")?,
                ))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((teams, total))
    }

    async fn tree_figures(
        &self,
        scope: &TreeScope,
        teams: &[TeamId],
        no_team: bool,
    ) -> StoreResult<Vec<TreeFigures>> {
        if teams.is_empty() && !no_team {
            return Ok(vec![]);
        }
        match self.stored_figures(scope, teams, no_team).await? {
            Some((mut figures, rest)) => {
                figures.extend(self.live_figures(scope, &rest, false).await?);
                Ok(figures)
            }
            None => self.live_figures(scope, teams, no_team).await,
        }
    }

    async fn tree_objectives(
        &self,
        scope: &TreeScope,
        which: &TreeObjectives,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<Objective>, TreeCount)> {
        let mut w = scope_where(scope);
        if let Some(p) = place_sql(&mut w, &which.place) {
            w.add(p);
        }
        // A judged status across the cycle (no team named) is read from the evaluator's
        // objectives of that status (`objective_signals_status_name_idx`, the condition the
        // status implies), not from every objective of the cycle: a quarter of them rather than
        // all (0.15 s for `?status=off_track` at 100,000 people).
        let by_status = matches!(which.place, TreePlace::Anywhere | TreePlace::NoTeam)
            && which
                .status
                .is_some_and(|s| !matches!(s, Status::Draft | Status::Closed));
        if let Some(s) = which.status {
            let p = w.arg(s.stored());
            w.add(status_is(s, &p));
            if by_status {
                w.add("o.id = s.objective_id".to_string());
            }
        }
        let from = if by_status { FROM_BY_STATUS } else { FROM };
        if let Some(owner) = &which.owner_id {
            let p = w.arg(owner.as_str());
            w.add(format!(
                "(o.owner_id = {p} OR o.id IN (SELECT k.objective_id FROM key_results k \
                 WHERE k.owner_id = {p} AND k.deleted_at IS NULL))"
            ));
        }
        // Counted no further than `COUNTED_PAST` past the page's first row.
        let bound = offset.saturating_add(COUNTED_PAST).min(i64::MAX as u64 - 1);
        let n = self
            .db
            .fetch_optional(
                &format!(
                    "SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM {from} {} LIMIT {}) c",
                    w.sql(),
                    bound + 1
                ),
                w.args.clone(),
            )
            .await?
            .map(|r| count(&r, "n"))
            .transpose()?
            .unwrap_or(0);
        let total = TreeCount {
            counted: n.min(bound),
            more: n > bound,
        };
        if n <= offset {
            return Ok((vec![], total));
        }
        let sql = format!(
            "SELECT {OBJECTIVE_COLS} FROM objectives WHERE id IN \
             (SELECT o.id FROM {from} {} ORDER BY o.title, o.id LIMIT {} OFFSET {}) \
             ORDER BY title, id",
            w.sql(),
            clamp(limit),
            offset.min(i64::MAX as u64)
        );
        let mut ex = self.ex();
        let rows = ex.fetch_all(&sql, w.args).await?;
        Ok((fill_objectives(&mut ex, rows).await?, total))
    }

    async fn count_company_figures(&self, cycle: &CycleId, at: Timestamp) -> StoreResult<u64> {
        let scope = TreeScope {
            reader: Reader::Everyone,
            cycle_id: cycle.clone(),
        };
        let tops: Vec<TeamId> = self
            .db
            .fetch_all(
                "SELECT t.id FROM teams t WHERE t.parent_id IS NULL OR \
                 NOT EXISTS (SELECT 1 FROM teams up WHERE up.id = t.parent_id)",
                vec![],
            )
            .await?
            .iter()
            .map(|r| Ok(TeamId::from_string(r.text("id")?)))
            .collect::<StoreResult<_>>()?;
        let mut w = scope_where(&scope);
        let sql = histogram_sql(&mut w, &tops, true);
        // Cumulative by reach: a reach counts the objectives shown at most that widely.
        let mut bars: HashMap<(String, i64, String, i64), i64> = HashMap::new();
        for r in self.db.fetch_all_spilling(&sql, w.args).await? {
            let root = r.text("root")?;
            let st = r.opt_text("st")?.unwrap_or_default();
            let pm = r.opt_int("pm")?.unwrap_or(NO_PROGRESS);
            let n = r.int("n")?;
            for reach in r.int("r")?.clamp(0, EVERY_OKR)..=EVERY_OKR {
                *bars
                    .entry((root.clone(), reach, st.clone(), pm))
                    .or_default() += n;
            }
        }
        let stored = bars.len() as u64;
        let rows = bars.into_iter().map(|((root, reach, st, pm), n)| {
            vec![
                Arg::from(cycle.as_str()),
                Arg::from(root),
                Arg::from(reach),
                Arg::from(st),
                Arg::from(pm),
                Arg::from(n),
            ]
        });
        let mut tx = self.begin().await?;
        tx.execute(
            "DELETE FROM company_figure_counts WHERE cycle_id = $1",
            vec![Arg::from(cycle.as_str())],
        )
        .await?;
        insert_rows(
            &mut tx,
            30_000,
            COMPANY_FIGURE_COUNT.name,
            COMPANY_FIGURE_COUNT.columns,
            rows,
        )
        .await?;
        crate::participation::record_round(&mut tx, "company", cycle, &at).await?;
        tx.commit().await?;
        Ok(stored)
    }
}
