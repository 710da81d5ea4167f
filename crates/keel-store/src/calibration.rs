//! Calibration of a closed cycle, tallied by the database: for each person (the readings they
//! gave) or each team (its key results' last readings), the sums behind the Brier score
//! (`keel_domain::calibration::Tally`). The report pages 50 lines at a time at 100,000 people,
//! so the tallying happens in SQL (one query per page), never by loading every key result and
//! check-in of the cycle.
//!
//! The rule, as `read::calibration` states it: a reading is a standing check-in's confidence as
//! a share of its scale (`rhythm::confidence_share`), the last one given up to the end of the
//! cycle's last day; a key result succeeded when its final score reaches 1.0 (committed) or 0.7
//! (aspirational, `rhythm::is_success`). Only OKRs the reader may see count.
//!
//! A closed cycle's sums are also stored (`calibration_sums`, migration 39): tallying every
//! scored key result's last readings took about 0.12 s a statement at 100,000 people, two a
//! page. A closed cycle's OKRs are locked (scores, check-ins, teams), so the evaluator counts
//! each closed cycle's lines once, at its first round after the close (re-opening the cycle
//! forgets them: `forget_calibration`), per reach as participation is (public OKRs; public and
//! team; every OKR: `reach_of`), and a query with `counted_at` adds the lines at the widest
//! reach its reader sees whole to the reader's narrower OKRs tallied live (`live_part_sql`: the
//! few they are in). A key result belongs to one objective, so the sums of the two parts are
//! the sums of the whole.

use crate::db::Arg;
use crate::participation::{reach_of, reach_seen_whole, EVERY_OKR};
use crate::sql::table::{Insert, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// The `calibration_sums` table: a closed cycle's line sums, per reach.
pub(crate) const CALIBRATION_SUM: Table = Table {
    name: "calibration_sums",
    columns: &[
        "cycle_id",
        "by_kind",
        "reach",
        "line_id",
        "key_results",
        "confidence",
        "successes",
        "score",
        "brier",
    ],
    not_selected: &[],
    later: &[],
};

/// The `calibration_rounds` table: when each closed cycle's sums were counted.
pub(crate) const CALIBRATION_ROUND: Table = Table {
    name: "calibration_rounds",
    columns: &["cycle_id", "counted_at"],
    not_selected: &[],
    later: &[],
};

/// Whose lines a calibration query tallies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalibrationBy {
    /// Each person, credited with the readings they gave (check-in authors), the worst
    /// calibrated (highest mean Brier score) first, then by name.
    Person,
    /// Each team, credited with its key results (a key result's own teams, else its
    /// objective's) and their last reading of anyone, by name.
    Team,
}

impl CalibrationBy {
    fn stored(self) -> &'static str {
        match self {
            CalibrationBy::Person => "person",
            CalibrationBy::Team => "team",
        }
    }
}

/// A closed cycle's calibration, read with whose eyes, tallied by whom.
#[derive(Debug, Clone)]
pub struct CalibrationQuery {
    /// Only OKRs this reader may see count.
    pub reader: Reader,
    pub cycle_id: CycleId,
    /// Readings given up to this moment count (the end of the cycle's last day, where the
    /// organisation is).
    pub until: Timestamp,
    pub by: CalibrationBy,
    /// Team lines: only this team's.
    pub team_id: Option<TeamId>,
    /// Team lines: only those of the teams this person leads and of the teams below them.
    pub led_by: Option<PersonId>,
    /// When the evaluator last counted the cycle (`CalibrationTallies::calibration_counted_at`):
    /// the lines are its stored sums plus the reader's narrower OKRs tallied live. `None`:
    /// everything tallied live.
    pub counted_at: Option<Timestamp>,
}

/// One person's or team's sums over the key results they are credited with.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationSums {
    pub id: String,
    pub name: String,
    /// Scored key results with a reading.
    pub key_results: i64,
    /// The sum of the readings, as probabilities of success.
    pub confidence: f64,
    pub successes: f64,
    pub score: f64,
    /// The sum of the Brier scores.
    pub brier: f64,
}

/// A page of lines, with how many lines the whole query has.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CalibrationLines {
    pub rows: Vec<CalibrationSums>,
    pub total: i64,
}

/// Calibration, tallied in the database.
#[async_trait]
pub trait CalibrationTallies: Send + Sync {
    /// The lines of `query`, `limit` of them (all when `None`) from `offset`, with the number
    /// of lines over every page. One query.
    async fn calibration_lines(
        &self,
        query: &CalibrationQuery,
        offset: u64,
        limit: Option<u32>,
    ) -> StoreResult<CalibrationLines>;

    /// When the evaluator last counted the calibration of `cycle` (`None`: never). One query.
    async fn calibration_counted_at(&self, cycle: &CycleId) -> StoreResult<Option<Timestamp>>;

    /// Tallies every line of `cycle` (readings up to `until`) at each reach, as the live
    /// tally does for a reader who sees that reach whole, and stores them in place of the
    /// cycle's previous sums, recording the round at `at`: two reads, one write. (Re-opening
    /// the cycle forgets them.)
    async fn count_calibration(
        &self,
        cycle: &CycleId,
        until: Timestamp,
        at: Timestamp,
    ) -> StoreResult<()>;
}

#[async_trait]
impl CalibrationTallies for dyn Store {
    async fn calibration_lines(
        &self,
        query: &CalibrationQuery,
        offset: u64,
        limit: Option<u32>,
    ) -> StoreResult<CalibrationLines> {
        self.as_calibration_tallies()
            .calibration_lines(query, offset, limit)
            .await
    }
    async fn calibration_counted_at(&self, cycle: &CycleId) -> StoreResult<Option<Timestamp>> {
        self.as_calibration_tallies()
            .calibration_counted_at(cycle)
            .await
    }
    async fn count_calibration(
        &self,
        cycle: &CycleId,
        until: Timestamp,
        at: Timestamp,
    ) -> StoreResult<()> {
        self.as_calibration_tallies()
            .count_calibration(cycle, until, at)
            .await
    }
}

/// Which of the cycle's objectives a tally reads.
#[derive(Clone, Copy)]
enum Tallied<'a> {
    /// Those the reader may see.
    Visible(&'a Reader),
    /// The reader's narrower OKRs, those not stored at the reach they see whole
    /// (`live_part_sql`).
    Live(&'a Reader),
    /// Every one, each line tallied per reach of its objectives (the evaluator's count).
    Every,
}

/// The `WITH` clause defining `sk(id, objective_id, score, ok, r)` (the cycle's scored key
/// results of the `tallied` objectives, `ok` 1 when it succeeded, `r` its objective's reach)
/// and `rd(kr, objective_id, author, p, at, id, ok, score, r)` (their standing readings up to
/// `until`, `p` the confidence as a probability, each carrying its key result's figures).
///
/// Each step reads the one before and a table through its index, never one of these `WITH`
/// results joined to another: PostgreSQL cannot estimate their sizes (it guessed 102 scored key
/// results of 6,123 in the 100,000-person organisation's closed quarter) and joined them row by
/// row, 166 s for the calibration by team.
fn scored_readings(w: &mut Where, cycle: &CycleId, until: &Timestamp, tallied: Tallied) -> String {
    let cycle = w.arg(cycle.as_str());
    let objectives = match tallied {
        Tallied::Every | Tallied::Visible(Reader::Everyone) => String::new(),
        Tallied::Visible(Reader::Audience(a)) => format!(" AND {}", visible_sql(w, a, "o")),
        Tallied::Live(reader) => format!(
            " AND {}",
            live_part_sql(w, reader, "o").unwrap_or_else(|| "1 = 0".into())
        ),
    };
    let until = w.arg(ts(until));
    let reach = reach_of("o");
    // The stored spellings of `ObjectiveKind::Aspirational` and `ConfidenceScale::ThreeLevel`;
    // a confidence is within its scale (checked when given), so the share needs no clamp.
    format!(
        "vo(id, aspirational, r) AS (SELECT o.id, CASE WHEN o.kind = 'aspirational' THEN 1 ELSE 0 END, \
           {reach} FROM objectives o WHERE o.deleted_at IS NULL AND o.cycle_id = {cycle}{objectives}), \
         sk(id, objective_id, score, ok, r) AS (SELECT k.id, k.objective_id, s.score, \
           CAST(CASE WHEN s.score >= (CASE WHEN vo.aspirational = 1 THEN 0.7 ELSE 1.0 END) - 0.000000001 \
             THEN 1 ELSE 0 END AS DOUBLE PRECISION), vo.r \
           FROM key_results k JOIN vo ON vo.id = k.objective_id \
           JOIN key_result_scores s ON s.key_result_id = k.id WHERE k.deleted_at IS NULL), \
         rd(kr, objective_id, author, p, at, id, ok, score, r) AS (SELECT c.key_result_id, \
           sk.objective_id, c.author_id, \
           CASE WHEN c.confidence_scale = 'three_level' \
             THEN (CAST(c.confidence AS DOUBLE PRECISION) - 1.0) / 2.0 \
             ELSE CAST(c.confidence AS DOUBLE PRECISION) / 10.0 END, c.at, c.id, \
           sk.ok, sk.score, sk.r \
           FROM sk JOIN check_ins c ON c.key_result_id = sk.id \
           WHERE c.retracted IS NULL AND c.at <= {until})"
    )
}

/// The sums' select list over `x(p, ok, score)`, a last reading with its key result's figures.
const SUMS: &str = "COUNT(*) AS n, SUM(x.p) AS conf, SUM(x.ok) AS succ, \
    SUM(x.score) AS score, SUM((x.p - x.ok) * (x.p - x.ok)) AS brier";

/// The `WITH` clause of a tally of `by` over the `tallied` objectives (after
/// `scored_readings`'), and the select of its lines `(id, [r,] n, conf, succ, score, brier)`:
/// each person's readings, or each team's key results' last readings; per reach of the
/// objectives too for `Tallied::Every`.
fn tally(
    w: &mut Where,
    cycle: &CycleId,
    until: &Timestamp,
    by: CalibrationBy,
    tallied: Tallied,
) -> (String, String) {
    let with = scored_readings(w, cycle, until, tallied);
    let (group, r) = match tallied {
        Tallied::Every => (", x.r", "x.r AS r, "),
        _ => ("", ""),
    };
    match by {
        CalibrationBy::Person => (
            format!(
                "{with}, \
                 l(kr, author, p, ok, score, r) AS (SELECT kr, author, p, ok, score, r FROM \
                   (SELECT kr, author, p, ok, score, r, ROW_NUMBER() OVER \
                   (PARTITION BY kr, author ORDER BY at DESC, id DESC) AS n FROM rd \
                   WHERE author IS NOT NULL) y WHERE n = 1)"
            ),
            format!(
                "SELECT x.author AS id, {r}{SUMS} FROM l x GROUP BY x.author{group}"
            ),
        ),
        CalibrationBy::Team => (
            format!(
                "{with}, \
                 l(kr, objective_id, p, ok, score, r) AS (SELECT kr, objective_id, p, ok, score, r \
                   FROM (SELECT kr, objective_id, p, ok, score, r, ROW_NUMBER() OVER \
                   (PARTITION BY kr ORDER BY at DESC, id DESC) AS n FROM rd) y WHERE n = 1), \
                 kt(team_id, p, ok, score, r) AS (SELECT kt.team_id, l.p, l.ok, l.score, l.r \
                   FROM l JOIN key_result_teams kt ON kt.key_result_id = l.kr \
                   UNION ALL SELECT ot.team_id, l.p, l.ok, l.score, l.r FROM l \
                   JOIN objective_teams ot ON ot.objective_id = l.objective_id \
                   WHERE NOT EXISTS (SELECT 1 FROM key_result_teams z WHERE z.key_result_id = l.kr))"
            ),
            format!(
                "SELECT x.team_id AS id, {r}{SUMS} FROM kt x GROUP BY x.team_id{group}"
            ),
        ),
    }
}

/// The lines of `q`, sorted: `s(id, n, conf, succ, score, brier)` (the live tally of what the
/// reader may see, or the stored sums at the reach they see whole and the live tally of their
/// narrower OKRs), added up per person or team and named.
fn lines_sql(w: &mut Where, q: &CalibrationQuery) -> String {
    let (mut with, parts) = match q.counted_at {
        None => tally(w, &q.cycle_id, &q.until, q.by, Tallied::Visible(&q.reader)),
        Some(_) => {
            let c = w.arg(q.cycle_id.as_str());
            let by = w.arg(q.by.stored());
            let stored = format!(
                "SELECT line_id AS id, key_results AS n, confidence AS conf, successes AS succ, \
                 score, brier FROM calibration_sums WHERE cycle_id = {c} AND by_kind = {by} \
                 AND reach = {}",
                reach_seen_whole(&q.reader)
            );
            match q.reader {
                Reader::Everyone => (String::new(), stored),
                Reader::Audience(_) => {
                    let (with, live) =
                        tally(w, &q.cycle_id, &q.until, q.by, Tallied::Live(&q.reader));
                    (with, format!("{stored} UNION ALL {live}"))
                }
            }
        }
    };
    let sums = "CAST(SUM(s.n) AS BIGINT) AS n, SUM(s.conf) AS conf, SUM(s.succ) AS succ, \
        SUM(s.score) AS score, SUM(s.brier) AS brier, COUNT(*) OVER () AS total";
    let mut ctes = |more: String| {
        with = if with.is_empty() {
            more
        } else {
            format!("{with}, {more}")
        };
    };
    match q.by {
        CalibrationBy::Person => {
            ctes(format!("s(id, n, conf, succ, score, brier) AS ({parts})"));
            format!(
                "WITH RECURSIVE {with} \
                 SELECT p.id, p.name, {sums} FROM s JOIN people p ON p.id = s.id \
                 GROUP BY p.id, p.name \
                 ORDER BY SUM(s.brier) / CAST(SUM(s.n) AS DOUBLE PRECISION) DESC, p.name, p.id"
            )
        }
        CalibrationBy::Team => {
            let mut scope = String::new();
            if let Some(t) = &q.team_id {
                scope.push_str(&format!(" AND t.id = {}", w.arg(t.as_str())));
            }
            if let Some(lead) = &q.led_by {
                let me = w.arg(lead.as_str());
                let led = led_teams(&me).replacen("WITH RECURSIVE ", "", 1);
                ctes(led.trim().to_string());
                scope.push_str(" AND t.id IN (SELECT id FROM led)");
            }
            ctes(format!("s(id, n, conf, succ, score, brier) AS ({parts})"));
            format!(
                "WITH RECURSIVE {with} \
                 SELECT t.id, t.name, {sums} FROM s JOIN teams t ON t.id = s.id WHERE 1 = 1{scope} \
                 GROUP BY t.id, t.name ORDER BY t.name, t.id"
            )
        }
    }
}

/// The evaluator's count of `by`: every line at each reach, the sums of its objectives'
/// reaches up to it (a line with only private readings has only a reach-2 row).
fn count_sql(w: &mut Where, cycle: &CycleId, until: &Timestamp, by: CalibrationBy) -> String {
    let (with, lines) = tally(w, cycle, until, by, Tallied::Every);
    format!(
        "WITH RECURSIVE {with} \
         SELECT x.id, CAST(rr.reach AS BIGINT) AS reach, CAST(SUM(x.n) AS BIGINT) AS n, SUM(x.conf) AS conf, \
         SUM(x.succ) AS succ, SUM(x.score) AS score, SUM(x.brier) AS brier \
         FROM ({lines}) x JOIN (SELECT 0 AS reach UNION ALL SELECT 1 UNION ALL SELECT {EVERY_OKR}) rr \
         ON x.r <= rr.reach GROUP BY x.id, rr.reach"
    )
}

/// Forgets the stored calibration of `cycle` (in `tx`): a cycle re-opened, whose OKRs may
/// change again.
pub(crate) async fn forget_calibration(tx: &mut crate::db::Tx, cycle: &CycleId) -> StoreResult<()> {
    for table in [CALIBRATION_SUM.name, CALIBRATION_ROUND.name] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE cycle_id = $1"),
            vec![Arg::from(cycle.as_str())],
        )
        .await?;
    }
    Ok(())
}

#[async_trait]
impl CalibrationTallies for SqlStore {
    async fn calibration_lines(
        &self,
        query: &CalibrationQuery,
        offset: u64,
        limit: Option<u32>,
    ) -> StoreResult<CalibrationLines> {
        let mut w = Where::default();
        let mut sql = lines_sql(&mut w, query);
        if let Some(limit) = limit {
            sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
        }
        let rows = self.db.fetch_all(&sql, w.args).await?;
        let mut out = CalibrationLines::default();
        for r in &rows {
            out.total = r.int("total")?;
            out.rows.push(CalibrationSums {
                id: r.text("id")?,
                name: r.text("name")?,
                key_results: r.int("n")?,
                confidence: r.real("conf")?,
                successes: r.real("succ")?,
                score: r.real("score")?,
                brier: r.real("brier")?,
            });
        }
        Ok(out)
    }

    async fn calibration_counted_at(&self, cycle: &CycleId) -> StoreResult<Option<Timestamp>> {
        let row = self
            .db
            .fetch_optional(
                "SELECT counted_at FROM calibration_rounds WHERE cycle_id = $1",
                vec![Arg::from(cycle.as_str())],
            )
            .await?;
        row.map(|r| to_ts("counted_at", r.int("counted_at")?))
            .transpose()
    }

    async fn count_calibration(
        &self,
        cycle: &CycleId,
        until: Timestamp,
        at: Timestamp,
    ) -> StoreResult<()> {
        // Tallied on a reader, so the write below holds the writer only to store the rows.
        let mut rows: Vec<Vec<Arg>> = vec![];
        for by in [CalibrationBy::Person, CalibrationBy::Team] {
            let mut w = Where::default();
            let sql = count_sql(&mut w, cycle, &until, by);
            for r in self.db.fetch_all(&sql, w.args).await? {
                rows.push(vec![
                    Arg::from(cycle.as_str()),
                    Arg::from(by.stored()),
                    Arg::from(r.int("reach")?),
                    Arg::from(r.text("id")?),
                    Arg::from(r.int("n")?),
                    Arg::from(r.real("conf")?),
                    Arg::from(r.real("succ")?),
                    Arg::from(r.real("score")?),
                    Arg::from(r.real("brier")?),
                ]);
            }
        }
        let mut tx = self.begin().await?;
        forget_calibration(&mut tx, cycle).await?;
        insert_rows(
            &mut tx,
            30_000,
            CALIBRATION_SUM.name,
            CALIBRATION_SUM.columns,
            rows,
        )
        .await?;
        tx.execute(
            &Insert(&CALIBRATION_ROUND).to_string(),
            vec![Arg::from(cycle.as_str()), Arg::from(ts(&at))],
        )
        .await?;
        tx.commit().await
    }
}
