//! The figures of the company and team dashboards, aggregated in SQL: key results counted by
//! status (the periodic evaluator's stored status, `key_result_signals`), by department, the
//! status changes since a moment (`key_result_status_changes`), owner confidence per week, and
//! the key results check-in compliance is counted over. Each is one query whatever the
//! organisation's size, filtered by the reader's visibility in SQL, so a private key result is
//! counted only for those who may see it.
//!
//! Why a module of its own: these reads cross areas (key results, objectives, teams, check-ins,
//! the evaluator's memory) and exist only for the dashboards; the status a key result is counted
//! under is spelled once here (`STATUS`), and the predicates of a cell (a department, a status,
//! "moved since") are shared by the counts and by the list a cell links to, so a cell's count and
//! its list cannot disagree.

use crate::db::{args, Row};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use keel_domain::rhythm::Status;

/// Which key results a dashboard reads: one cycle's, as a reader may see them, optionally only
/// those of a team and the teams below it (shared with them directly or through their objective).
#[derive(Debug, Clone)]
pub struct DashboardScope {
    pub reader: Reader,
    pub cycle_id: CycleId,
    pub team_id: Option<TeamId>,
    /// Only what the stored figures (`DashboardFigures`) leave out for this reader: the objectives
    /// of the visibilities they do not take stored (`stored_visibilities`) that they may see,
    /// found from the OKRs they are in and the teams they reach (a few), not from the whole
    /// cycle. Nothing for a reader who takes every visibility stored.
    pub live_only: bool,
}

/// How many key results have a status, in a department or in the whole scope.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusCount {
    /// The top-level team (department); `None` for the whole scope.
    pub department_id: Option<TeamId>,
    /// `None`: not assessed yet (the evaluator has not seen it).
    pub status: Option<Status>,
    pub key_results: u64,
}

/// How many key results moved from one status to another since a moment.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusMove {
    /// Its status at that moment (before its first change since).
    pub before: Status,
    /// Its status now.
    pub now: Status,
    pub key_results: u64,
}

/// How many owner check-ins gave a confidence in a week.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfidenceCount {
    /// The week's index, from 0 for the first week asked.
    pub week: usize,
    pub confidence: u8,
    pub check_ins: u64,
}

/// Which key results of a scope a list shows: a dashboard cell.
#[derive(Debug, Clone, Default)]
pub struct KeyResultCell {
    /// Only those of this department (the team and the teams below it).
    pub department_id: Option<TeamId>,
    pub status: Option<Status>,
    /// Only those whose status now differs from their status at this moment.
    pub moved_since: Option<Timestamp>,
}

/// One key result of a dashboard list.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardKeyResult {
    pub id: KeyResultId,
    pub objective_id: ObjectiveId,
    pub title: String,
    pub owner_id: PersonId,
    pub status: Option<Status>,
}

/// The dashboards' aggregates.
#[async_trait]
pub trait Dashboards: Send + Sync {
    /// Key results by status: the scope's totals (`department_id` `None`) and, when
    /// `by_department`, per department (a key result shared with two departments counts in
    /// each, once). Two queries at most.
    async fn status_counts(
        &self,
        scope: &DashboardScope,
        by_department: bool,
    ) -> StoreResult<Vec<StatusCount>>;
    /// Key results whose status now differs from their status at `since`, by (then, now).
    async fn status_moves(
        &self,
        scope: &DashboardScope,
        since: Timestamp,
    ) -> StoreResult<Vec<StatusMove>>;
    /// Owner check-ins' confidence per week, weeks of `week_micros` from `start` until `end`.
    async fn confidence_counts(
        &self,
        scope: &DashboardScope,
        start: Timestamp,
        end: Timestamp,
    ) -> StoreResult<Vec<ConfidenceCount>>;
    /// Every key result of the scope with its objective, by key result id, in one query: what
    /// check-in compliance is counted over (the rule itself, `keel_domain::rhythm::week_check_in`,
    /// needs each key result's history and cadence, so it is not counted in SQL).
    async fn scope_key_results(
        &self,
        scope: &DashboardScope,
    ) -> StoreResult<Vec<(KeyResultId, ObjectiveId)>>;
    /// The key results of a cell, by id, a page at a time.
    async fn cell_key_results(
        &self,
        scope: &DashboardScope,
        cell: &KeyResultCell,
        page: &PageRequest,
    ) -> StoreResult<Page<DashboardKeyResult>>;
    /// The scope's objectives aligned to nothing (the top of the goal tree), by id: the first
    /// `limit` (only among `among` when given). One query and the objectives' junctions.
    async fn top_objectives(
        &self,
        scope: &DashboardScope,
        among: Option<&[ObjectiveId]>,
        limit: u32,
    ) -> StoreResult<Vec<Objective>>;
    /// How many of the scope's objectives are aligned to nothing. One query.
    async fn count_top_objectives(&self, scope: &DashboardScope) -> StoreResult<u64>;
    /// When a job of `kind` last finished (the evaluator's figures are as fresh as its last
    /// round).
    async fn last_finished(&self, kind: &str) -> StoreResult<Option<Timestamp>>;
}

#[async_trait]
impl Dashboards for dyn Store {
    async fn status_counts(
        &self,
        scope: &DashboardScope,
        by_department: bool,
    ) -> StoreResult<Vec<StatusCount>> {
        self.as_dashboards()
            .status_counts(scope, by_department)
            .await
    }
    async fn status_moves(
        &self,
        scope: &DashboardScope,
        since: Timestamp,
    ) -> StoreResult<Vec<StatusMove>> {
        self.as_dashboards().status_moves(scope, since).await
    }
    async fn confidence_counts(
        &self,
        scope: &DashboardScope,
        start: Timestamp,
        end: Timestamp,
    ) -> StoreResult<Vec<ConfidenceCount>> {
        self.as_dashboards()
            .confidence_counts(scope, start, end)
            .await
    }
    async fn scope_key_results(
        &self,
        scope: &DashboardScope,
    ) -> StoreResult<Vec<(KeyResultId, ObjectiveId)>> {
        self.as_dashboards().scope_key_results(scope).await
    }
    async fn cell_key_results(
        &self,
        scope: &DashboardScope,
        cell: &KeyResultCell,
        page: &PageRequest,
    ) -> StoreResult<Page<DashboardKeyResult>> {
        self.as_dashboards()
            .cell_key_results(scope, cell, page)
            .await
    }
    async fn top_objectives(
        &self,
        scope: &DashboardScope,
        among: Option<&[ObjectiveId]>,
        limit: u32,
    ) -> StoreResult<Vec<Objective>> {
        self.as_dashboards()
            .top_objectives(scope, among, limit)
            .await
    }
    async fn count_top_objectives(&self, scope: &DashboardScope) -> StoreResult<u64> {
        self.as_dashboards().count_top_objectives(scope).await
    }
    async fn last_finished(&self, kind: &str) -> StoreResult<Option<Timestamp>> {
        self.as_dashboards().last_finished(kind).await
    }
}

/// A week in microseconds (timestamps are stored as microseconds).
pub const WEEK_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;

/// The key results a dashboard reads from, aliased `k` (key result), `o` (objective), `s` (the
/// evaluator's signal, absent until it has seen the key result).
pub(crate) const FROM: &str = "key_results k JOIN objectives o ON o.id = k.objective_id \
     JOIN cycles cy ON cy.id = o.cycle_id \
     LEFT JOIN key_result_signals s ON s.key_result_id = k.id";

/// `FROM` for a list read in key result id order (`scope_where_as(…, …, true)` joins `o` to `k`):
/// `CROSS JOIN` keeps the key results outside, walked by id to the page's end. Without it,
/// SQLite drove a member's list from the objectives they may see (most of the cycle, an
/// index per way of seeing) and sorted all their key results: 0.3–0.4 s at 100,000 people.
pub(crate) const FROM_BY_KEY_RESULT: &str = "key_results k CROSS JOIN objectives o \
     JOIN cycles cy ON cy.id = o.cycle_id \
     LEFT JOIN key_result_signals s ON s.key_result_id = k.id";

/// The status a key result is counted under: its objective's lifecycle first (a draft, closed
/// work), else the evaluator's last status (NULL until it has seen it).
pub(crate) fn status_sql() -> String {
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

/// Key results (`k`) shared with a team of `below` (a team and every team below it, read
/// first: `teams::subtrees_of`), directly or through their objective: one list of key result
/// ids, so that the database can start from the team's key results (a few hundred) rather than
/// test each key result of the cycle against two lists (an `OR` of the two took 0.15–0.19 s a
/// query at 100,000 people).
fn in_team(w: &mut Where, below: &[String]) -> String {
    if below.is_empty() {
        return "1 = 0".into();
    }
    let ids: Vec<String> = below.iter().map(|t| w.arg(t.as_str())).collect();
    let ids = ids.join(", ");
    format!(
        "k.id IN (SELECT kt.key_result_id FROM key_result_teams kt WHERE kt.team_id IN ({ids}) \
         UNION ALL SELECT tk.id FROM objective_teams ot \
           JOIN key_results tk ON tk.objective_id = ot.objective_id WHERE ot.team_id IN ({ids}))"
    )
}

/// `team` and every team below it, as ids (`in_team`'s list).
async fn below(db: &crate::db::Db, team: &TeamId) -> StoreResult<Vec<String>> {
    Ok(crate::teams::subtrees_of(db, std::slice::from_ref(team))
        .await?
        .into_iter()
        .map(|(_, id)| id)
        .collect())
}

/// The scope's team and every team below it (none for the whole organisation).
async fn scope_teams(
    db: &crate::db::Db,
    scope: &DashboardScope,
) -> StoreResult<Option<Vec<String>>> {
    match &scope.team_id {
        Some(t) => Ok(Some(below(db, t).await?)),
        None => Ok(None),
    }
}

/// Key results whose status now differs from their status at `since` (the status before their
/// first recorded change after it).
fn moved_since(w: &mut Where, since: &Timestamp) -> String {
    let p = w.arg(ts(since));
    // The key results changed since (through the changes' time index) first: the list is read
    // from them, not from every key result of the cycle.
    format!(
        "k.id IN (SELECT c0.key_result_id FROM key_result_status_changes c0 \
             WHERE c0.changed_at >= {p}) \
         AND EXISTS (SELECT 1 FROM key_result_status_changes c WHERE c.key_result_id = k.id \
         AND c.changed_at = (SELECT MIN(c2.changed_at) FROM key_result_status_changes c2 \
             WHERE c2.key_result_id = k.id AND c2.changed_at >= {p}) \
         AND c.status_before <> {st})",
        st = status_sql()
    )
}

/// The scope's conditions on `k` and `o`; `teams` its team's subtree (`scope_teams`).
fn scope_where(scope: &DashboardScope, teams: Option<&[String]>) -> Where {
    scope_where_as(scope, teams, false)
}

/// The scope's conditions, for a list read in key result id order when `by_key_result` (the
/// cycle's index left unused, `|| ''`, so that SQLite walks the key results by id and stops at
/// the page's end instead of sorting every key result of the cycle), read `FROM_BY_KEY_RESULT`
/// (the objective joined here). A team's scope leaves the cycle's index unused too: its key
/// results are read from the team's (`in_team`).
fn scope_where_as(scope: &DashboardScope, teams: Option<&[String]>, by_key_result: bool) -> Where {
    let mut w = Where::default();
    w.add("k.deleted_at IS NULL AND o.deleted_at IS NULL".into());
    let c = w.arg(scope.cycle_id.as_str());
    if by_key_result {
        w.add("o.id = k.objective_id".into());
    }
    if by_key_result || scope.team_id.is_some() {
        w.add(format!("o.cycle_id || '' = {c}"));
    } else {
        w.add(format!("o.cycle_id = {c}"));
    }
    objective_scope(&mut w, scope);
    if let Some(below) = teams {
        let v = in_team(&mut w, below);
        w.add(v);
    }
    w
}

/// The scope's objectives (`o`) aligned to nothing; `by_id` when the caller names them (the
/// cycle's index left unused, `|| ''`, so that the ids are looked up rather than the cycle read).
fn top_where(scope: &DashboardScope, by_id: bool) -> Where {
    let mut w = Where::default();
    w.add("o.deleted_at IS NULL".into());
    let c = w.arg(scope.cycle_id.as_str());
    if by_id {
        w.add(format!("o.cycle_id || '' = {c}"));
    } else {
        w.add(format!("o.cycle_id = {c}"));
    }
    w.add("NOT EXISTS (SELECT 1 FROM objective_parents p WHERE p.objective_id = o.id)".into());
    objective_scope(&mut w, scope);
    w
}

/// The scope's reader and live part on the objective `o`.
fn objective_scope(w: &mut Where, scope: &DashboardScope) {
    if scope.live_only {
        let live = live_part_sql(w, &scope.reader, "o").unwrap_or_else(|| "1 = 0".into());
        w.add(live);
    } else if let Reader::Audience(a) = &scope.reader {
        let v = visible_join(w, a, "o");
        w.add(v);
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

#[async_trait]
impl Dashboards for SqlStore {
    async fn status_counts(
        &self,
        scope: &DashboardScope,
        by_department: bool,
    ) -> StoreResult<Vec<StatusCount>> {
        let st = status_sql();
        let teams = scope_teams(&self.db, scope).await?;
        let w = scope_where(scope, teams.as_deref());
        let sql = format!(
            "SELECT {st} AS st, COUNT(*) AS n FROM {FROM} {} GROUP BY 1",
            w.sql()
        );
        let mut out = vec![];
        for r in self.db.fetch_all(&sql, w.args).await? {
            out.push(StatusCount {
                department_id: None,
                status: opt_status(&r, "st")?,
                key_results: count(&r, "n")?,
            });
        }
        if !by_department {
            return Ok(out);
        }
        // Each key result with each team it is shared with (directly or through its objective),
        // then each of those teams with its department, walked up from the teams (a few for the
        // live part) rather than down from every department (the whole organisation's teams,
        // 25–55 ms at 100,000 people): a key result counts once per department.
        let w = scope_where(scope, teams.as_deref());
        let clause = w.sql();
        let sql = format!(
            "WITH RECURSIVE x AS ( \
                 SELECT k.id AS kid, {st} AS st, kt.team_id AS team_id FROM {FROM} \
                     JOIN key_result_teams kt ON kt.key_result_id = k.id {clause} \
                 UNION SELECT k.id AS kid, {st} AS st, ot.team_id AS team_id FROM {FROM} \
                     JOIN objective_teams ot ON ot.objective_id = o.id {clause}), \
             up(id, top) AS (SELECT DISTINCT team_id, team_id FROM x \
                 UNION SELECT up.id, t.parent_id FROM up JOIN teams t ON t.id = up.top \
                 WHERE t.parent_id IS NOT NULL) \
             SELECT up.top AS department_id, x.st AS st, COUNT(DISTINCT x.kid) AS n FROM x \
             JOIN up ON up.id = x.team_id JOIN teams d ON d.id = up.top \
             WHERE d.parent_id IS NULL GROUP BY 1, 2"
        );
        for r in self.db.fetch_all(&sql, w.args).await? {
            out.push(StatusCount {
                department_id: Some(TeamId::from_string(r.text("department_id")?)),
                status: opt_status(&r, "st")?,
                key_results: count(&r, "n")?,
            });
        }
        Ok(out)
    }

    async fn status_moves(
        &self,
        scope: &DashboardScope,
        since: Timestamp,
    ) -> StoreResult<Vec<StatusMove>> {
        let st = status_sql();
        let teams = scope_teams(&self.db, scope).await?;
        let mut w = scope_where(scope, teams.as_deref());
        let p = w.arg(ts(&since));
        let sql = format!(
            "SELECT c.status_before AS before, {st} AS st, COUNT(*) AS n FROM {FROM} \
             JOIN key_result_status_changes c ON c.key_result_id = k.id {} \
             AND c.changed_at = (SELECT MIN(c2.changed_at) FROM key_result_status_changes c2 \
                 WHERE c2.key_result_id = k.id AND c2.changed_at >= {p}) \
             AND c.status_before <> {st} \
             GROUP BY 1, 2",
            w.sql()
        );
        let mut out = vec![];
        for r in self.db.fetch_all(&sql, w.args).await? {
            let (Some(before), Some(now)) = (opt_status(&r, "before")?, opt_status(&r, "st")?)
            else {
                continue;
            };
            out.push(StatusMove {
                before,
                now,
                key_results: count(&r, "n")?,
            });
        }
        Ok(out)
    }

    async fn confidence_counts(
        &self,
        scope: &DashboardScope,
        start: Timestamp,
        end: Timestamp,
    ) -> StoreResult<Vec<ConfidenceCount>> {
        let teams = scope_teams(&self.db, scope).await?;
        let mut w = scope_where(scope, teams.as_deref());
        let s = w.arg(ts(&start));
        let e = w.arg(ts(&end));
        let wk = w.arg(WEEK_MICROS);
        w.add(format!(
            "c.at >= {s} AND c.at < {e} AND c.author_id = k.owner_id"
        ));
        let sql = format!(
            "SELECT (c.at - {s}) / {wk} AS wk, c.confidence AS conf, COUNT(*) AS n \
             FROM {FROM} JOIN check_ins c ON c.key_result_id = k.id {} \
             GROUP BY 1, 2",
            w.sql()
        );
        let mut out = vec![];
        for r in self.db.fetch_all(&sql, w.args).await? {
            out.push(ConfidenceCount {
                week: r.int("wk")?.max(0) as usize,
                confidence: r.int("conf")?.clamp(0, 255) as u8,
                check_ins: count(&r, "n")?,
            });
        }
        Ok(out)
    }

    async fn scope_key_results(
        &self,
        scope: &DashboardScope,
    ) -> StoreResult<Vec<(KeyResultId, ObjectiveId)>> {
        let teams = scope_teams(&self.db, scope).await?;
        let w = scope_where(scope, teams.as_deref());
        let sql = format!(
            "SELECT k.id AS id, k.objective_id AS objective_id FROM {FROM} {} ORDER BY k.id",
            w.sql()
        );
        self.db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    KeyResultId::from_string(r.text("id")?),
                    ObjectiveId::from_string(r.text("objective_id")?),
                ))
            })
            .collect()
    }

    async fn cell_key_results(
        &self,
        scope: &DashboardScope,
        cell: &KeyResultCell,
        page: &PageRequest,
    ) -> StoreResult<Page<DashboardKeyResult>> {
        let limit = clamp(page.limit);
        let st = status_sql();
        let by_key_result = cell.moved_since.is_none();
        let teams = scope_teams(&self.db, scope).await?;
        let mut w = scope_where_as(scope, teams.as_deref(), by_key_result);
        if let Some(d) = &cell.department_id {
            let department = below(&self.db, d).await?;
            let v = in_team(&mut w, &department);
            w.add(v);
        }
        if let Some(s) = cell.status {
            let p = w.arg(s.stored());
            w.add(format!("{st} = {p}"));
        }
        if let Some(since) = &cell.moved_since {
            let v = moved_since(&mut w, since);
            w.add(v);
        }
        if let Some(after) = id_cursor(page)? {
            let p = w.arg(after);
            w.add(format!("k.id > {p}"));
        }
        let from = if by_key_result {
            FROM_BY_KEY_RESULT
        } else {
            FROM
        };
        let sql = format!(
            "SELECT k.id, k.objective_id, k.title, k.owner_id, {st} AS st FROM {from} {} \
             ORDER BY k.id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let mut items = vec![];
        for r in self.db.fetch_all(&sql, w.args).await? {
            items.push(DashboardKeyResult {
                id: KeyResultId::from_string(r.text("id")?),
                objective_id: ObjectiveId::from_string(r.text("objective_id")?),
                title: r.text("title")?,
                owner_id: PersonId::from_string(r.text("owner_id")?),
                status: opt_status(&r, "st")?,
            });
        }
        Ok(paginate(items, limit, |k| format!("i:{}", k.id)))
    }

    async fn top_objectives(
        &self,
        scope: &DashboardScope,
        among: Option<&[ObjectiveId]>,
        limit: u32,
    ) -> StoreResult<Vec<Objective>> {
        let mut w = top_where(scope, among.is_some());
        if let Some(ids) = among {
            if ids.is_empty() {
                return Ok(vec![]);
            }
            let ps: Vec<String> = ids.iter().map(|id| w.arg(id.as_str())).collect();
            w.add(format!("o.id IN ({})", ps.join(", ")));
        }
        let sql = format!(
            "SELECT {OBJECTIVE_COLS} FROM objectives WHERE id IN \
             (SELECT o.id FROM objectives o {} ORDER BY o.id LIMIT {}) ORDER BY id",
            w.sql(),
            limit.clamp(1, 500)
        );
        let mut ex = self.ex();
        let rows = ex.fetch_all(&sql, w.args).await?;
        fill_objectives(&mut ex, rows).await
    }

    async fn count_top_objectives(&self, scope: &DashboardScope) -> StoreResult<u64> {
        let w = top_where(scope, false);
        Ok(self
            .db
            .fetch_optional(
                &format!("SELECT COUNT(*) AS n FROM objectives o {}", w.sql()),
                w.args,
            )
            .await?
            .map(|r| count(&r, "n"))
            .transpose()?
            .unwrap_or(0))
    }

    async fn last_finished(&self, kind: &str) -> StoreResult<Option<Timestamp>> {
        let row = self
            .db
            .fetch_optional(
                "SELECT MAX(finished_at) AS at FROM jobs WHERE kind = $1 AND state = $2",
                args![kind, JobState::Done.as_str()],
            )
            .await?;
        match row {
            Some(r) => opt_ts("at", r.opt_int("at")?),
            None => Ok(None),
        }
    }
}
