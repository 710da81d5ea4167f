//! Check-in compliance as the periodic evaluator last counted it (`compliance_counts`,
//! `compliance_rounds`, migration 31): for each team and check-in week of a cycle, how many key
//! results owed their owner's check-in and how many got it, per visibility of the objectives.
//!
//! Why: whether a check-in was due follows each key result's cadence and check-in history
//! (`keel_domain::rhythm::week_check_in`), so it cannot be counted in SQL; at 100,000 people
//! reading every key result of a cycle with its check-ins on each request took a minute and
//! gigabytes. The evaluator applies the rule a batch at a time (it holds the batch's check-ins
//! anyway) and stores one row per team; a reader adds the rows of the visibilities they see
//! wholesale (`stored_visibilities`) and counts the non-public OKRs they are in live, as the
//! dashboards do. A key result belongs to one objective of one visibility, so the parts add up.
//!
//! At 100,000 people (about 15,000 teams) reading every team's row on each request was itself
//! the report's cost, so a report reads a page: the teams in its order from an index
//! (`compliance_order`), their rows (`compliance_lines_of`), and its totals from each team's
//! stored subtree (`ComplianceKind::Subtree`, migration 39) of the highest teams in reach.

use crate::db::{Arg, Row};
use crate::sql::table::{Insert, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// The `compliance_counts` table.
pub(crate) const COMPLIANCE_COUNT: Table = Table {
    name: "compliance_counts",
    columns: &[
        "cycle_id",
        "kind",
        "visibility",
        "team_id",
        "department_id",
        "weeks",
    ],
    not_selected: &[],
    later: &[],
};

/// The `compliance_rounds` table.
pub(crate) const COMPLIANCE_ROUND: Table = Table {
    name: "compliance_rounds",
    columns: &["cycle_id", "counted_at", "first_week"],
    not_selected: &[],
    later: &[],
};

/// What a stored count covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComplianceKind {
    /// The key results shared with the team (the report's line: a key result shared with two
    /// teams counts in each).
    Team,
    /// The team and every team below it, each key result once (the team dashboard).
    Branch,
    /// The sum of the `Team` lines of the team and every team below it (the report's totals
    /// over a branch: a key result shared with two teams counts in each).
    Subtree,
}

impl ComplianceKind {
    fn stored(self) -> &'static str {
        match self {
            ComplianceKind::Team => "team",
            ComplianceKind::Branch => "branch",
            ComplianceKind::Subtree => "subtree",
        }
    }
}

/// One week's check-ins: how many were due, how many were done.
pub type WeekCount = (u64, u64);

/// One stored count: a team's weeks, for the objectives of one visibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceCount {
    pub team_id: TeamId,
    pub kind: ComplianceKind,
    pub visibility: Visibility,
    /// The team at the top of the team's branch.
    pub department_id: TeamId,
    /// Each week's count, from the round's `first_week`.
    pub weeks: Vec<WeekCount>,
}

/// When a cycle's compliance was counted, and from which week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceRound {
    pub cycle_id: CycleId,
    pub counted_at: Timestamp,
    /// The first day of the first check-in week counted.
    pub first_week: Date,
}

impl ComplianceRound {
    /// The stored week starting on `week`, as an index into a count's `weeks`.
    pub fn week_index(&self, week: Date) -> Option<usize> {
        let days = (week - self.first_week).num_days();
        (days >= 0 && days % 7 == 0).then_some((days / 7) as usize)
    }
}

/// One team's line as stored, named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredComplianceLine {
    pub team_id: TeamId,
    pub name: String,
    pub department_id: TeamId,
    pub department: String,
    pub visibility: Visibility,
    pub weeks: Vec<WeekCount>,
}

/// Whose lines a report reads: every team's, or only those of a branch or of the teams a
/// person leads (and those below them).
#[derive(Debug, Clone, Copy, Default)]
pub struct ComplianceTeams<'a> {
    /// Only the teams of this team's branch.
    pub under: Option<&'a TeamId>,
    /// Only the teams this person leads and those below them.
    pub led_by: Option<&'a PersonId>,
}

/// A page of the report's teams in its order, with how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ComplianceOrder {
    pub team_ids: Vec<TeamId>,
    pub total: u64,
}

/// The stored check-in compliance.
#[async_trait]
pub trait ComplianceFigures: Send + Sync {
    /// Replaces the counts of the round's cycle with `counts` and records the round, in one
    /// transaction.
    async fn replace_compliance_counts(
        &self,
        round: &ComplianceRound,
        counts: &[ComplianceCount],
    ) -> StoreResult<()>;

    /// When `cycle` was last counted (`None`: never). One query.
    async fn compliance_round(&self, cycle: &CycleId) -> StoreResult<Option<ComplianceRound>>;

    /// The stored lines (`ComplianceKind::Team`) of `cycle` for the objectives of the
    /// `visibilities` given, one per team and visibility, named; only the teams of `under`'s
    /// branch when given. One query.
    async fn compliance_lines(
        &self,
        cycle: &CycleId,
        visibilities: &[Visibility],
        under: Option<&TeamId>,
    ) -> StoreResult<Vec<StoredComplianceLine>>;

    /// The stored lines of the teams `only` in `cycle` for the `visibilities` given (a page's
    /// lines), named. One query.
    async fn compliance_lines_of(
        &self,
        cycle: &CycleId,
        visibilities: &[Visibility],
        only: &[TeamId],
    ) -> StoreResult<Vec<StoredComplianceLine>>;

    /// The report's teams in its order: those with a stored line in `cycle` for the
    /// `visibilities` given among `teams`, and the `extra` teams (lines counted live, each
    /// with its department), by department name, the department's own line first, then by
    /// name; `limit` of them (all when `None`) from `offset`, with how many there are. One
    /// query.
    async fn compliance_order(
        &self,
        cycle: &CycleId,
        visibilities: &[Visibility],
        teams: ComplianceTeams<'_>,
        extra: &[(TeamId, TeamId)],
        offset: u64,
        limit: Option<u32>,
    ) -> StoreResult<ComplianceOrder>;

    /// The sums of the stored lines of `teams` in `cycle` for the `visibilities` given, week
    /// by week: the stored subtree sums of the highest of those teams. One query.
    async fn compliance_subtrees(
        &self,
        cycle: &CycleId,
        visibilities: &[Visibility],
        teams: ComplianceTeams<'_>,
    ) -> StoreResult<Vec<WeekCount>>;

    /// The stored weeks of `team`'s branch (`ComplianceKind::Branch`) in `cycle` for the
    /// objectives of the `visibilities` given, added up. One query.
    async fn compliance_branch(
        &self,
        cycle: &CycleId,
        team: &TeamId,
        visibilities: &[Visibility],
    ) -> StoreResult<Vec<WeekCount>>;
}

#[async_trait]
impl ComplianceFigures for dyn Store {
    async fn replace_compliance_counts(
        &self,
        round: &ComplianceRound,
        counts: &[ComplianceCount],
    ) -> StoreResult<()> {
        self.as_compliance_figures()
            .replace_compliance_counts(round, counts)
            .await
    }
    async fn compliance_round(&self, cycle: &CycleId) -> StoreResult<Option<ComplianceRound>> {
        self.as_compliance_figures().compliance_round(cycle).await
    }
    async fn compliance_lines(
        &self,
        cycle: &CycleId,
        visibilities: &[Visibility],
        under: Option<&TeamId>,
    ) -> StoreResult<Vec<StoredComplianceLine>> {
        self.as_compliance_figures()
            .compliance_lines(cycle, visibilities, under)
            .await
    }
    async fn compliance_branch(
        &self,
        cycle: &CycleId,
        team: &TeamId,
        visibilities: &[Visibility],
    ) -> StoreResult<Vec<WeekCount>> {
        self.as_compliance_figures()
            .compliance_branch(cycle, team, visibilities)
            .await
    }
    async fn compliance_lines_of(
        &self,
        cycle: &CycleId,
        visibilities: &[Visibility],
        only: &[TeamId],
    ) -> StoreResult<Vec<StoredComplianceLine>> {
        self.as_compliance_figures()
            .compliance_lines_of(cycle, visibilities, only)
            .await
    }
    async fn compliance_order(
        &self,
        cycle: &CycleId,
        visibilities: &[Visibility],
        teams: ComplianceTeams<'_>,
        extra: &[(TeamId, TeamId)],
        offset: u64,
        limit: Option<u32>,
    ) -> StoreResult<ComplianceOrder> {
        self.as_compliance_figures()
            .compliance_order(cycle, visibilities, teams, extra, offset, limit)
            .await
    }
    async fn compliance_subtrees(
        &self,
        cycle: &CycleId,
        visibilities: &[Visibility],
        teams: ComplianceTeams<'_>,
    ) -> StoreResult<Vec<WeekCount>> {
        self.as_compliance_figures()
            .compliance_subtrees(cycle, visibilities, teams)
            .await
    }
}

/// Weeks as stored: `due:done`, comma-separated.
fn spell_weeks(weeks: &[WeekCount]) -> String {
    let spelled: Vec<String> = weeks.iter().map(|(d, n)| format!("{d}:{n}")).collect();
    spelled.join(",")
}

fn parse_weeks(col: &str, s: &str) -> StoreResult<Vec<WeekCount>> {
    if s.is_empty() {
        return Ok(vec![]);
    }
    s.split(',')
        .map(|w| {
            let (due, done) = w
                .split_once(':')
                .ok_or_else(|| corrupt(col, format!("not due:done: '{w}'")))?;
            let n = |x: &str| x.parse::<u64>().map_err(|e| corrupt(col, e));
            Ok((n(due)?, n(done)?))
        })
        .collect()
}

fn visibility_in(w: &mut Where, visibilities: &[Visibility]) -> String {
    let vis: Vec<String> = visibilities.iter().map(|v| w.arg(v.stored())).collect();
    format!("c.visibility IN ({})", vis.join(", "))
}

/// Adds each week of `weeks` to `sum`.
fn add_weeks(sum: &mut Vec<WeekCount>, weeks: Vec<WeekCount>) {
    if sum.len() < weeks.len() {
        sum.resize(weeks.len(), (0, 0));
    }
    for (s, (due, done)) in sum.iter_mut().zip(weeks) {
        s.0 += due;
        s.1 += done;
    }
}

/// The common table expressions (none, `below`, `led`) and the conditions on `c.team_id`
/// keeping the lines of `teams`.
fn teams_in(w: &mut Where, teams: ComplianceTeams) -> (Vec<String>, Vec<String>) {
    let mut ctes = vec![];
    let mut conds = vec![];
    if let Some(t) = teams.under {
        let t = w.arg(t.as_str());
        ctes.push(format!(
            "below(id) AS (SELECT id FROM teams WHERE id = {t} \
             UNION SELECT tt.id FROM teams tt JOIN below ON tt.parent_id = below.id)"
        ));
        conds.push("c.team_id IN (SELECT id FROM below)".to_string());
    }
    if let Some(p) = teams.led_by {
        let me = w.arg(p.as_str());
        let led = led_teams(&me).replacen("WITH RECURSIVE ", "", 1);
        ctes.push(led.trim().to_string());
        conds.push("c.team_id IN (SELECT id FROM led)".to_string());
    }
    (ctes, conds)
}

/// `WITH RECURSIVE` and the common table expressions, or nothing.
fn with(ctes: &[String]) -> String {
    if ctes.is_empty() {
        String::new()
    } else {
        format!("WITH RECURSIVE {} ", ctes.join(", "))
    }
}

#[async_trait]
impl ComplianceFigures for SqlStore {
    async fn replace_compliance_counts(
        &self,
        round: &ComplianceRound,
        counts: &[ComplianceCount],
    ) -> StoreResult<()> {
        let cycle = round.cycle_id.as_str();
        let mut tx = self.begin().await?;
        for table in ["compliance_counts", "compliance_rounds"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE cycle_id = $1"),
                vec![Arg::from(cycle)],
            )
            .await?;
        }
        tx.execute(
            &Insert(&COMPLIANCE_ROUND).to_string(),
            vec![
                Arg::from(cycle),
                Arg::from(ts(&round.counted_at)),
                Arg::from(round.first_week.to_string()),
            ],
        )
        .await?;
        let rows: Vec<Vec<Arg>> = counts
            .iter()
            .map(|c| {
                vec![
                    Arg::from(cycle),
                    Arg::from(c.kind.stored()),
                    Arg::from(c.visibility.stored()),
                    Arg::from(c.team_id.as_str()),
                    Arg::from(c.department_id.as_str()),
                    Arg::from(spell_weeks(&c.weeks)),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            30_000,
            COMPLIANCE_COUNT.name,
            COMPLIANCE_COUNT.columns,
            rows,
        )
        .await?;
        tx.commit().await
    }

    async fn compliance_round(&self, cycle: &CycleId) -> StoreResult<Option<ComplianceRound>> {
        let row = self
            .db
            .fetch_optional(
                "SELECT cycle_id, counted_at, first_week FROM compliance_rounds \
                 WHERE cycle_id = $1",
                vec![Arg::from(cycle.as_str())],
            )
            .await?;
        row.map(|r| {
            Ok(ComplianceRound {
                cycle_id: CycleId::from_string(r.text("cycle_id")?),
                counted_at: to_ts("counted_at", r.int("counted_at")?)?,
                first_week: date_from("first_week", &r.text("first_week")?)?,
            })
        })
        .transpose()
    }

    async fn compliance_lines(
        &self,
        cycle: &CycleId,
        visibilities: &[Visibility],
        under: Option<&TeamId>,
    ) -> StoreResult<Vec<StoredComplianceLine>> {
        if visibilities.is_empty() {
            return Ok(vec![]);
        }
        let mut w = Where::default();
        let c = w.arg(cycle.as_str());
        w.add(format!("c.cycle_id = {c} AND c.kind = 'team'"));
        let vis = visibility_in(&mut w, visibilities);
        w.add(vis);
        let mut with = String::new();
        if let Some(t) = under {
            let t = w.arg(t.as_str());
            with = format!(
                "WITH RECURSIVE below(id) AS (SELECT id FROM teams WHERE id = {t} \
                 UNION SELECT tt.id FROM teams tt JOIN below ON tt.parent_id = below.id) "
            );
            w.add("c.team_id IN (SELECT id FROM below)".into());
        }
        self.stored_lines(&format!("{with}{LINES} {}", w.sql()), w.args)
            .await
    }

    async fn compliance_branch(
        &self,
        cycle: &CycleId,
        team: &TeamId,
        visibilities: &[Visibility],
    ) -> StoreResult<Vec<WeekCount>> {
        if visibilities.is_empty() {
            return Ok(vec![]);
        }
        let mut w = Where::default();
        let c = w.arg(cycle.as_str());
        let t = w.arg(team.as_str());
        w.add(format!(
            "c.cycle_id = {c} AND c.kind = 'branch' AND c.team_id = {t}"
        ));
        let vis = visibility_in(&mut w, visibilities);
        w.add(vis);
        let sql = format!("SELECT c.weeks FROM compliance_counts c {}", w.sql());
        let mut sum: Vec<WeekCount> = vec![];
        for r in self.db.fetch_all(&sql, w.args).await? {
            add_weeks(&mut sum, parse_weeks("weeks", &r.text("weeks")?)?);
        }
        Ok(sum)
    }

    async fn compliance_lines_of(
        &self,
        cycle: &CycleId,
        visibilities: &[Visibility],
        only: &[TeamId],
    ) -> StoreResult<Vec<StoredComplianceLine>> {
        if visibilities.is_empty() || only.is_empty() {
            return Ok(vec![]);
        }
        let mut w = Where::default();
        let c = w.arg(cycle.as_str());
        w.add(format!("c.cycle_id = {c} AND c.kind = 'team'"));
        let vis = visibility_in(&mut w, visibilities);
        w.add(vis);
        let ids: Vec<String> = only.iter().map(|t| w.arg(t.as_str())).collect();
        w.add(format!("c.team_id IN ({})", ids.join(", ")));
        self.stored_lines(&format!("{LINES} {}", w.sql()), w.args)
            .await
    }

    async fn compliance_order(
        &self,
        cycle: &CycleId,
        visibilities: &[Visibility],
        teams: ComplianceTeams<'_>,
        extra: &[(TeamId, TeamId)],
        offset: u64,
        limit: Option<u32>,
    ) -> StoreResult<ComplianceOrder> {
        let mut w = Where::default();
        let (mut ctes, conds) = teams_in(&mut w, teams);
        let mut parts = vec![];
        if !visibilities.is_empty() {
            let c = w.arg(cycle.as_str());
            let vis = visibility_in(&mut w, visibilities);
            let mut cond = vec![format!("c.cycle_id = {c} AND c.kind = 'team'"), vis];
            cond.extend(conds);
            parts.push(format!(
                "SELECT DISTINCT c.team_id, c.department_id FROM compliance_counts c WHERE {}",
                cond.join(" AND ")
            ));
        }
        for (team, department) in extra {
            let (t, d) = (w.arg(team.as_str()), w.arg(department.as_str()));
            parts.push(format!("SELECT CAST({t} AS TEXT), CAST({d} AS TEXT)"));
        }
        if parts.is_empty() {
            return Ok(ComplianceOrder::default());
        }
        // `DISTINCT`, `UNION`: a team with stored lines of several visibilities (and live
        // ones) once.
        // Named as `read::compliance` shows them: the department's name ('' when gone).
        ctes.push(format!(
            "lt(team_id, department_id) AS ({})",
            parts.join(" UNION ")
        ));
        let mut sql = format!(
            "{}SELECT lt.team_id, COUNT(*) OVER () AS total \
             FROM lt JOIN teams t ON t.id = lt.team_id \
             LEFT JOIN teams d ON d.id = lt.department_id \
             ORDER BY LOWER(COALESCE(d.name, '')), lt.department_id, \
             CASE WHEN lt.team_id = lt.department_id THEN 0 ELSE 1 END, LOWER(t.name), lt.team_id",
            with(&ctes)
        );
        if let Some(limit) = limit {
            sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
        }
        let mut out = ComplianceOrder::default();
        for r in self.db.fetch_all(&sql, w.args).await? {
            out.total = r.int("total")?.max(0) as u64;
            out.team_ids.push(TeamId::from_string(r.text("team_id")?));
        }
        if out.team_ids.is_empty() && offset > 0 {
            // Past the last line: the count alone.
            let mut whole = self
                .compliance_order(cycle, visibilities, teams, extra, 0, Some(1))
                .await?;
            whole.team_ids.clear();
            return Ok(whole);
        }
        Ok(out)
    }

    async fn compliance_subtrees(
        &self,
        cycle: &CycleId,
        visibilities: &[Visibility],
        teams: ComplianceTeams<'_>,
    ) -> StoreResult<Vec<WeekCount>> {
        if visibilities.is_empty() {
            return Ok(vec![]);
        }
        let mut w = Where::default();
        let (ctes, mut conds) = teams_in(&mut w, teams);
        let c = w.arg(cycle.as_str());
        conds.push(format!("c.cycle_id = {c} AND c.kind = 'subtree'"));
        conds.push(visibility_in(&mut w, visibilities));
        // The highest of the teams: the one asked for, else those whose parent is not among
        // them (with no limit, the teams with no parent).
        match (teams.under, teams.led_by) {
            (Some(t), _) => {
                let t = w.arg(t.as_str());
                conds.push(format!("c.team_id = {t}"));
            }
            (None, Some(_)) => conds.push(
                "NOT EXISTS (SELECT 1 FROM teams p WHERE p.id = c.team_id \
                 AND p.parent_id IN (SELECT id FROM led))"
                    .into(),
            ),
            (None, None) => {
                conds.push("c.team_id IN (SELECT id FROM teams WHERE parent_id IS NULL)".into())
            }
        }
        let sql = format!(
            "{}SELECT c.weeks FROM compliance_counts c WHERE {}",
            with(&ctes),
            conds.join(" AND ")
        );
        let mut sum: Vec<WeekCount> = vec![];
        for r in self.db.fetch_all(&sql, w.args).await? {
            add_weeks(&mut sum, parse_weeks("weeks", &r.text("weeks")?)?);
        }
        Ok(sum)
    }
}

/// The select of stored lines with their team's and department's names; the caller adds its
/// `WHERE` on `compliance_counts c`.
const LINES: &str = "SELECT c.team_id, t.name, c.department_id, \
    COALESCE(d.name, '') AS department, c.visibility, c.weeks FROM compliance_counts c \
    JOIN teams t ON t.id = c.team_id LEFT JOIN teams d ON d.id = c.department_id";

impl SqlStore {
    /// The stored lines `sql` (built on [`LINES`]) selects.
    async fn stored_lines(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> StoreResult<Vec<StoredComplianceLine>> {
        self.db
            .fetch_all(sql, args)
            .await?
            .iter()
            .map(line_from)
            .collect()
    }
}

fn line_from(r: &Row) -> StoreResult<StoredComplianceLine> {
    Ok(StoredComplianceLine {
        team_id: TeamId::from_string(r.text("team_id")?),
        name: r.text("name")?,
        department_id: TeamId::from_string(r.text("department_id")?),
        department: r.text("department")?,
        visibility: Visibility::from_stored("visibility", &r.text("visibility")?)?,
        weeks: parse_weeks("weeks", &r.text("weeks")?)?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn weeks_read_back_as_written() {
        let weeks = vec![(3, 2), (0, 0), (12, 12)];
        let spelled = super::spell_weeks(&weeks);
        assert_eq!(spelled, "3:2,0:0,12:12");
        assert_eq!(super::parse_weeks("weeks", &spelled).unwrap(), weeks);
        assert!(super::parse_weeks("weeks", "3-2").is_err());
        assert_eq!(super::parse_weeks("weeks", "").unwrap(), vec![]);
    }
}
