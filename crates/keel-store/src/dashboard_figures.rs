//! The dashboards' figures as the periodic evaluator last counted them (`dashboard_figures`,
//! `dashboard_rounds`): key results by status and the movers of the week per cycle and per team
//! subtree, owner confidence per week and the count of top objectives per cycle (confidence also
//! per department, and the first top objectives named), each split by the visibility of the objectives it covers.
//!
//! Why: at 100,000 people a cycle holds 420,000 key results and 4 million check-ins; counting
//! them on every request took seconds. The evaluator counts them once a round with no reader
//! (the same SQL as the live figures, `dashboard::status_sql` and friends, so the two cannot
//! disagree), and a reader adds up the rows of the visibilities they may see wholesale
//! (`stored_visibilities`: public for everyone, team too for those who see every team's OKRs,
//! all for those who see everything); the non-public OKRs they are in are counted live
//! (`DashboardScope::live_only`). A key result belongs to one objective of one visibility, so
//! the parts add up.

use crate::dashboard::{status_sql, FROM, WEEK_MICROS};
use crate::db::{Arg, Row};
use crate::sql::table::Table;
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use keel_domain::rhythm::Status;

/// The `dashboard_figures` table.
pub(crate) const DASHBOARD_FIGURE: Table = Table {
    name: "dashboard_figures",
    columns: &[
        "cycle_id",
        "team_id",
        "figure",
        "visibility",
        "bucket",
        "sub_bucket",
        "n",
    ],
    not_selected: &[],
    later: &[],
};

/// The `dashboard_rounds` table.
pub(crate) const DASHBOARD_ROUND: Table = Table {
    name: "dashboard_rounds",
    columns: &["cycle_id", "evaluated_at", "movers_since"],
    not_selected: &[],
    later: &[],
};

/// What one stored figure counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Figure {
    /// Key results with this status (`None`: not assessed yet).
    Status(Option<Status>),
    /// Key results whose status moved since the round's `movers_since`.
    Move { before: Status, now: Status },
    /// Owner check-ins in a week (from 0, the cycle's first day) with a confidence.
    Confidence { week: usize, confidence: u8 },
    /// Objectives aligned to nothing.
    Top,
    /// One of the first objectives aligned to nothing (by id) of its visibility.
    FirstTop(ObjectiveId),
}

/// One stored count.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFigure {
    /// `None`: the whole cycle; else the team and every team below it.
    pub team_id: Option<TeamId>,
    /// The visibility of the objectives counted.
    pub visibility: Visibility,
    pub figure: Figure,
    pub n: u64,
}

/// When the evaluator counted a cycle's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardRound {
    pub cycle_id: CycleId,
    pub evaluated_at: Timestamp,
    /// The moment its movers are counted from (a week before `evaluated_at`).
    pub movers_since: Timestamp,
}

/// The visibilities whose stored figures `reader` adds up wholesale: every objective of those
/// visibilities is one they may see. The rest they see only where they are in the OKR, counted
/// live.
pub fn stored_visibilities(reader: &Reader) -> &'static [Visibility] {
    match reader {
        Reader::Everyone => &[Visibility::Public, Visibility::Team, Visibility::Private],
        Reader::Audience(a) if a.teams == TeamScope::All => &[Visibility::Public, Visibility::Team],
        Reader::Audience(_) => &[Visibility::Public],
    }
}

/// The dashboards' stored figures.
#[async_trait]
pub trait DashboardFigures: Send + Sync {
    /// Counts the figures of `cycle` now, for every reader at once (no visibility filter, each
    /// visibility its own rows): what the evaluator stores. Movers are those since
    /// `movers_since`; confidence is counted per week from `start` to `end`. Five queries over
    /// the whole cycle; the first `first_top` top objectives of each visibility are named.
    async fn count_dashboard_figures(
        &self,
        cycle_id: &CycleId,
        movers_since: Timestamp,
        start: Timestamp,
        end: Timestamp,
        first_top: u32,
    ) -> StoreResult<Vec<StoredFigure>>;

    /// Replaces the stored figures of the round's cycle with `figures`, in one transaction.
    async fn replace_dashboard_figures(
        &self,
        round: &DashboardRound,
        figures: &[StoredFigure],
    ) -> StoreResult<()>;

    /// When each cycle was last counted.
    async fn dashboard_rounds(&self) -> StoreResult<Vec<DashboardRound>>;

    /// The stored figures of `cycle_id` of the `visibilities` given: with `team` those of its
    /// subtree (status, movers, and confidence for a department); without, the whole cycle's
    /// and the departments' (top-level teams') status rows. `None` when the evaluator has not
    /// counted the cycle yet. Two queries.
    async fn stored_dashboard_figures(
        &self,
        cycle_id: &CycleId,
        team: Option<&TeamId>,
        visibilities: &[Visibility],
    ) -> StoreResult<Option<(DashboardRound, Vec<StoredFigure>)>>;
}

#[async_trait]
impl DashboardFigures for dyn Store {
    async fn count_dashboard_figures(
        &self,
        cycle_id: &CycleId,
        movers_since: Timestamp,
        start: Timestamp,
        end: Timestamp,
        first_top: u32,
    ) -> StoreResult<Vec<StoredFigure>> {
        self.as_dashboard_figures()
            .count_dashboard_figures(cycle_id, movers_since, start, end, first_top)
            .await
    }
    async fn replace_dashboard_figures(
        &self,
        round: &DashboardRound,
        figures: &[StoredFigure],
    ) -> StoreResult<()> {
        self.as_dashboard_figures()
            .replace_dashboard_figures(round, figures)
            .await
    }
    async fn dashboard_rounds(&self) -> StoreResult<Vec<DashboardRound>> {
        self.as_dashboard_figures().dashboard_rounds().await
    }
    async fn stored_dashboard_figures(
        &self,
        cycle_id: &CycleId,
        team: Option<&TeamId>,
        visibilities: &[Visibility],
    ) -> StoreResult<Option<(DashboardRound, Vec<StoredFigure>)>> {
        self.as_dashboard_figures()
            .stored_dashboard_figures(cycle_id, team, visibilities)
            .await
    }
}

/// Each team with itself and every team above it, as `up(id, top)`: a key result shared with
/// `id` counts in the subtree of each `top`.
const UP: &str = "up(id, top) AS (SELECT id, id FROM teams \
     UNION ALL SELECT up.id, t.parent_id FROM up JOIN teams t ON t.id = up.top \
     WHERE t.parent_id IS NOT NULL)";

/// The cycle's key results (`k`, objective `o`), not deleted.
fn cycle_where(cycle_id: &CycleId) -> Where {
    let mut w = Where::default();
    w.add("k.deleted_at IS NULL AND o.deleted_at IS NULL".into());
    let c = w.arg(cycle_id.as_str());
    w.add(format!("o.cycle_id = {c}"));
    w
}

/// Each (key result, team it is shared with, directly or through its objective) of `w`, with
/// `cols` (expressions on `k`, `o`, `s`, and whatever `join` adds), as a UNION of two selects.
fn with_teams(cols: &str, join: &str, w: &Where) -> String {
    let clause = w.sql();
    format!(
        "SELECT k.id AS kid, kt.team_id AS team_id, {cols} FROM {FROM} {join} \
             JOIN key_result_teams kt ON kt.key_result_id = k.id {clause} \
         UNION SELECT k.id AS kid, ot.team_id AS team_id, {cols} FROM {FROM} {join} \
             JOIN objective_teams ot ON ot.objective_id = o.id {clause}"
    )
}

/// The join of a key result to its first status change since `p` whose status then differs
/// from its status now (`c.status_before`).
fn moved_join(p: &str) -> String {
    format!(
        "JOIN key_result_status_changes c ON c.key_result_id = k.id \
         AND c.changed_at = (SELECT MIN(c2.changed_at) FROM key_result_status_changes c2 \
             WHERE c2.key_result_id = k.id AND c2.changed_at >= {p}) \
         AND c.status_before <> {}",
        status_sql()
    )
}

fn visibility_of(r: &Row) -> StoreResult<Visibility> {
    Visibility::from_stored("visibility", &r.text("visibility")?)
}

fn n_of(r: &Row) -> StoreResult<u64> {
    Ok(r.opt_int("n")?.unwrap_or(0).max(0) as u64)
}

fn status_of(col: &str, s: &str) -> StoreResult<Option<Status>> {
    if s.is_empty() {
        return Ok(None);
    }
    Status::from_stored(col, s).map(Some)
}

fn team_of(r: &Row) -> StoreResult<Option<TeamId>> {
    Ok(r.opt_text("team_id")?
        .filter(|t| !t.is_empty())
        .map(TeamId::from_string))
}

/// A figure's `figure`, `bucket` and `sub_bucket` columns.
fn spelled(f: &Figure) -> (&'static str, String, String) {
    match f {
        Figure::Status(s) => (
            "status",
            s.map(|s| s.stored().to_string()).unwrap_or_default(),
            String::new(),
        ),
        Figure::Move { before, now } => ("move", before.stored().into(), now.stored().into()),
        Figure::Confidence { week, confidence } => {
            ("confidence", week.to_string(), confidence.to_string())
        }
        Figure::Top => ("top", String::new(), String::new()),
        Figure::FirstTop(id) => ("first_top", id.to_string(), String::new()),
    }
}

fn figure_from(r: &Row) -> StoreResult<Figure> {
    let bucket = r.text("bucket")?;
    let sub = r.text("sub_bucket")?;
    let number = |col: &str, v: &str| {
        v.parse::<i64>()
            .map_err(|_| corrupt(col, format!("not a number: '{v}'")))
    };
    Ok(match r.text("figure")?.as_str() {
        "status" => Figure::Status(status_of("bucket", &bucket)?),
        "move" => Figure::Move {
            before: Status::from_stored("bucket", &bucket)?,
            now: Status::from_stored("sub_bucket", &sub)?,
        },
        "confidence" => Figure::Confidence {
            week: number("bucket", &bucket)?.max(0) as usize,
            confidence: number("sub_bucket", &sub)?.clamp(0, 255) as u8,
        },
        "top" => Figure::Top,
        "first_top" => Figure::FirstTop(ObjectiveId::from_string(bucket)),
        other => return Err(corrupt("figure", format!("unknown figure '{other}'"))),
    })
}

#[async_trait]
impl DashboardFigures for SqlStore {
    async fn count_dashboard_figures(
        &self,
        cycle_id: &CycleId,
        movers_since: Timestamp,
        start: Timestamp,
        end: Timestamp,
        first_top: u32,
    ) -> StoreResult<Vec<StoredFigure>> {
        let st = status_sql();
        let mut out = vec![];
        let push = |out: &mut Vec<StoredFigure>, team, r: &Row, figure| -> StoreResult<()> {
            out.push(StoredFigure {
                team_id: team,
                visibility: visibility_of(r)?,
                figure,
                n: n_of(r)?,
            });
            Ok(())
        };
        // Key results by status: the whole cycle, then each team's subtree (a key result shared
        // with two teams of a subtree counts there once).
        let w = cycle_where(cycle_id);
        let sql = format!(
            "SELECT o.visibility AS visibility, {st} AS st, COUNT(*) AS n FROM {FROM} {} \
             GROUP BY 1, 2",
            w.sql()
        );
        for r in self.db.fetch_all_spilling(&sql, w.args).await? {
            let s = status_of("st", &r.opt_text("st")?.unwrap_or_default())?;
            push(&mut out, None, &r, Figure::Status(s))?;
        }
        let w = cycle_where(cycle_id);
        let x = with_teams(&format!("o.visibility AS visibility, {st} AS st"), "", &w);
        let sql = format!(
            "WITH RECURSIVE {UP}, x AS ({x}) \
             SELECT up.top AS team_id, x.visibility AS visibility, x.st AS st, \
             COUNT(DISTINCT x.kid) AS n FROM x JOIN up ON up.id = x.team_id GROUP BY 1, 2, 3"
        );
        for r in self.db.fetch_all_spilling(&sql, w.args).await? {
            let s = status_of("st", &r.opt_text("st")?.unwrap_or_default())?;
            push(&mut out, team_of(&r)?, &r, Figure::Status(s))?;
        }
        // Movers: the whole cycle and each team's subtree.
        let mut w = cycle_where(cycle_id);
        let p = w.arg(ts(&movers_since));
        let join = moved_join(&p);
        let sql = format!(
            "SELECT o.visibility AS visibility, c.status_before AS before, {st} AS st, \
             COUNT(*) AS n FROM {FROM} {join} {} GROUP BY 1, 2, 3",
            w.sql()
        );
        let moved = |r: &Row| -> StoreResult<Option<Figure>> {
            let before = r.opt_text("before")?.unwrap_or_default();
            let now = r.opt_text("st")?.unwrap_or_default();
            match (status_of("before", &before)?, status_of("st", &now)?) {
                (Some(before), Some(now)) => Ok(Some(Figure::Move { before, now })),
                _ => Ok(None),
            }
        };
        for r in self.db.fetch_all_spilling(&sql, w.args.clone()).await? {
            if let Some(f) = moved(&r)? {
                push(&mut out, None, &r, f)?;
            }
        }
        let x = with_teams(
            &format!("o.visibility AS visibility, c.status_before AS before, {st} AS st"),
            &join,
            &w,
        );
        let sql = format!(
            "WITH RECURSIVE {UP}, x AS ({x}) \
             SELECT up.top AS team_id, x.visibility AS visibility, x.before AS before, \
             x.st AS st, COUNT(DISTINCT x.kid) AS n FROM x JOIN up ON up.id = x.team_id \
             GROUP BY 1, 2, 3, 4"
        );
        for r in self.db.fetch_all_spilling(&sql, w.args).await? {
            if let Some(f) = moved(&r)? {
                push(&mut out, team_of(&r)?, &r, f)?;
            }
        }
        // Owner confidence per week: the whole cycle, and each department (top-level team).
        let mut w = cycle_where(cycle_id);
        // Each key result with each department it is in (once), before any check-in is read.
        let departments = with_teams("o.visibility AS visibility", "", &w);
        let s = w.arg(ts(&start));
        let e = w.arg(ts(&end));
        let wk = w.arg(WEEK_MICROS);
        w.add(format!(
            "ci.at >= {s} AND ci.at < {e} AND ci.author_id = k.owner_id"
        ));
        let join = "JOIN check_ins ci ON ci.key_result_id = k.id";
        let cols = format!(
            "o.visibility AS visibility, (ci.at - {s}) / {wk} AS wk, ci.confidence AS conf"
        );
        let confidence = |r: &Row| -> StoreResult<Figure> {
            Ok(Figure::Confidence {
                week: r.int("wk")?.max(0) as usize,
                confidence: r.int("conf")?.clamp(0, 255) as u8,
            })
        };
        let sql = format!(
            "SELECT {cols}, COUNT(*) AS n FROM {FROM} {join} {} GROUP BY 1, 2, 3",
            w.sql()
        );
        for r in self.db.fetch_all_spilling(&sql, w.args.clone()).await? {
            let f = confidence(&r)?;
            push(&mut out, None, &r, f)?;
        }
        // A check-in counts once per department its key result is in.
        let sql = format!(
            "WITH RECURSIVE {UP}, x AS ({departments}), \
             kd(kid, team_id) AS (SELECT DISTINCT x.kid, up.top FROM x \
                 JOIN up ON up.id = x.team_id JOIN teams d ON d.id = up.top \
                 WHERE d.parent_id IS NULL) \
             SELECT kd.team_id AS team_id, {cols}, COUNT(*) AS n FROM kd \
             JOIN key_results k ON k.id = kd.kid JOIN objectives o ON o.id = k.objective_id \
             {join} WHERE ci.at >= {s} AND ci.at < {e} AND ci.author_id = k.owner_id \
             GROUP BY 1, 2, 3, 4"
        );
        for r in self.db.fetch_all_spilling(&sql, w.args).await? {
            let f = confidence(&r)?;
            push(&mut out, team_of(&r)?, &r, f)?;
        }
        // Objectives aligned to nothing.
        let mut w = Where::default();
        w.add("o.deleted_at IS NULL".into());
        let c = w.arg(cycle_id.as_str());
        w.add(format!("o.cycle_id = {c}"));
        w.add("NOT EXISTS (SELECT 1 FROM objective_parents p WHERE p.objective_id = o.id)".into());
        let sql = format!(
            "SELECT o.visibility AS visibility, COUNT(*) AS n FROM objectives o {} GROUP BY 1",
            w.sql()
        );
        for r in self.db.fetch_all_spilling(&sql, w.args.clone()).await? {
            push(&mut out, None, &r, Figure::Top)?;
        }
        let sql = format!(
            "SELECT visibility, id, CAST(1 AS BIGINT) AS n FROM (SELECT o.visibility AS visibility, o.id AS id, \
             ROW_NUMBER() OVER (PARTITION BY o.visibility ORDER BY o.id) AS rn \
             FROM objectives o {}) t WHERE rn <= {}",
            w.sql(),
            first_top.clamp(1, 500)
        );
        for r in self.db.fetch_all_spilling(&sql, w.args).await? {
            let id = ObjectiveId::from_string(r.text("id")?);
            push(&mut out, None, &r, Figure::FirstTop(id))?;
        }
        Ok(out)
    }

    async fn replace_dashboard_figures(
        &self,
        round: &DashboardRound,
        figures: &[StoredFigure],
    ) -> StoreResult<()> {
        let cycle = round.cycle_id.as_str();
        let mut tx = self.begin().await?;
        tx.execute(
            "DELETE FROM dashboard_figures WHERE cycle_id = $1",
            vec![Arg::from(cycle)],
        )
        .await?;
        tx.execute(
            "DELETE FROM dashboard_rounds WHERE cycle_id = $1",
            vec![Arg::from(cycle)],
        )
        .await?;
        tx.execute(
            "INSERT INTO dashboard_rounds (cycle_id, evaluated_at, movers_since) \
             VALUES ($1, $2, $3)",
            vec![
                Arg::from(cycle),
                Arg::from(ts(&round.evaluated_at)),
                Arg::from(ts(&round.movers_since)),
            ],
        )
        .await?;
        let rows: Vec<Vec<Arg>> = figures
            .iter()
            .filter(|f| f.n > 0)
            .map(|f| {
                let (figure, bucket, sub) = spelled(&f.figure);
                vec![
                    Arg::from(cycle),
                    Arg::from(f.team_id.as_ref().map(|t| t.as_str()).unwrap_or("")),
                    Arg::from(figure),
                    Arg::from(f.visibility.stored()),
                    Arg::from(bucket),
                    Arg::from(sub),
                    Arg::from(f.n.min(i64::MAX as u64) as i64),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            30_000,
            "dashboard_figures",
            DASHBOARD_FIGURE.columns,
            rows,
        )
        .await?;
        tx.commit().await
    }

    async fn dashboard_rounds(&self) -> StoreResult<Vec<DashboardRound>> {
        self.db
            .fetch_all(
                "SELECT cycle_id, evaluated_at, movers_since FROM dashboard_rounds",
                vec![],
            )
            .await?
            .iter()
            .map(round_from)
            .collect()
    }

    async fn stored_dashboard_figures(
        &self,
        cycle_id: &CycleId,
        team: Option<&TeamId>,
        visibilities: &[Visibility],
    ) -> StoreResult<Option<(DashboardRound, Vec<StoredFigure>)>> {
        let Some(round) = self
            .db
            .fetch_optional(
                "SELECT cycle_id, evaluated_at, movers_since FROM dashboard_rounds \
                 WHERE cycle_id = $1",
                vec![Arg::from(cycle_id.as_str())],
            )
            .await?
            .as_ref()
            .map(round_from)
            .transpose()?
        else {
            return Ok(None);
        };
        if visibilities.is_empty() {
            return Ok(Some((round, vec![])));
        }
        // Each part through the primary key (cycle, team, figure): the scope's own rows, and
        // for the company the departments' status rows.
        let mut w = Where::default();
        let c = w.arg(cycle_id.as_str());
        w.add(format!("f.cycle_id = {c}"));
        let vis: Vec<String> = visibilities.iter().map(|v| w.arg(v.stored())).collect();
        w.add(format!("f.visibility IN ({})", vis.join(", ")));
        let t = w.arg(team.map(|t| t.as_str()).unwrap_or(""));
        let cols = "f.team_id AS team_id, f.figure AS figure, f.visibility AS visibility, \
             f.bucket AS bucket, f.sub_bucket AS sub_bucket, f.n AS n";
        let mut sql = format!(
            "SELECT {cols} FROM dashboard_figures f {} AND f.team_id = {t}",
            w.sql()
        );
        if team.is_none() {
            // From the departments to their rows (`CROSS JOIN`): left to itself, SQLite read
            // every stored row of the cycle (each team's) and probed the teams, 40–50 ms at
            // 100,000 people.
            sql.push_str(&format!(
                " UNION ALL SELECT {cols} FROM teams d CROSS JOIN dashboard_figures f \
                 {} AND f.team_id = d.id AND f.figure = 'status' AND d.parent_id IS NULL",
                w.sql()
            ));
        }
        let mut figures = vec![];
        for r in self.db.fetch_all(&sql, w.args).await? {
            figures.push(StoredFigure {
                team_id: team_of(&r)?,
                visibility: visibility_of(&r)?,
                figure: figure_from(&r)?,
                n: n_of(&r)?,
            });
        }
        Ok(Some((round, figures)))
    }
}

fn round_from(r: &Row) -> StoreResult<DashboardRound> {
    Ok(DashboardRound {
        cycle_id: CycleId::from_string(r.text("cycle_id")?),
        evaluated_at: to_ts("evaluated_at", r.int("evaluated_at")?)?,
        movers_since: to_ts("movers_since", r.int("movers_since")?)?,
    })
}
