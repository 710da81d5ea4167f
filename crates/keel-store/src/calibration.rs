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

use crate::sql::*;
use crate::*;
use async_trait::async_trait;

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
}

/// The `WITH` clause defining `sk(id, objective_id, score, ok)` (the cycle's scored key results
/// the reader may see, `ok` 1 when it succeeded) and `rd(kr, author, p, at, id)` (their standing
/// readings up to the close, `p` the confidence as a probability).
fn scored_readings(w: &mut Where, q: &CalibrationQuery) -> String {
    let cycle = w.arg(q.cycle_id.as_str());
    let visible = match &q.reader {
        Reader::Everyone => String::new(),
        Reader::Audience(a) => format!(" AND {}", visible_sql(w, a, "o")),
    };
    let until = w.arg(ts(&q.until));
    // The stored spellings of `ObjectiveKind::Aspirational` and `ConfidenceScale::ThreeLevel`;
    // a confidence is within its scale (checked when given), so the share needs no clamp.
    format!(
        "vo(id, aspirational) AS (SELECT o.id, CASE WHEN o.kind = 'aspirational' THEN 1 ELSE 0 END \
           FROM objectives o WHERE o.deleted_at IS NULL AND o.cycle_id = {cycle}{visible}), \
         sk(id, objective_id, score, ok) AS (SELECT k.id, k.objective_id, s.score, \
           CAST(CASE WHEN s.score >= (CASE WHEN vo.aspirational = 1 THEN 0.7 ELSE 1.0 END) - 0.000000001 \
             THEN 1 ELSE 0 END AS DOUBLE PRECISION) \
           FROM key_results k JOIN vo ON vo.id = k.objective_id \
           JOIN key_result_scores s ON s.key_result_id = k.id WHERE k.deleted_at IS NULL), \
         rd(kr, author, p, at, id) AS (SELECT c.key_result_id, c.author_id, \
           CASE WHEN c.confidence_scale = 'three_level' \
             THEN (CAST(c.confidence AS DOUBLE PRECISION) - 1.0) / 2.0 \
             ELSE CAST(c.confidence AS DOUBLE PRECISION) / 10.0 END, c.at, c.id \
           FROM check_ins c WHERE c.retracted IS NULL AND c.at <= {until} \
           AND c.key_result_id IN (SELECT id FROM sk))"
    )
}

/// The sums' select list over `l(p)` joined to `sk`.
const SUMS: &str = "COUNT(*) AS n, SUM(l.p) AS conf, SUM(sk.ok) AS succ, \
    SUM(sk.score) AS score, SUM((l.p - sk.ok) * (l.p - sk.ok)) AS brier";

fn lines_sql(w: &mut Where, q: &CalibrationQuery) -> String {
    let mut with = scored_readings(w, q);
    match q.by {
        CalibrationBy::Person => format!(
            "WITH RECURSIVE {with}, \
             l(kr, author, p) AS (SELECT kr, author, p FROM (SELECT kr, author, p, ROW_NUMBER() OVER \
               (PARTITION BY kr, author ORDER BY at DESC, id DESC) AS n FROM rd \
               WHERE author IS NOT NULL) x WHERE n = 1) \
             SELECT p.id, p.name, {SUMS}, COUNT(*) OVER () AS total \
             FROM l JOIN sk ON sk.id = l.kr JOIN people p ON p.id = l.author \
             GROUP BY p.id, p.name \
             ORDER BY SUM((l.p - sk.ok) * (l.p - sk.ok)) / COUNT(*) DESC, p.name, p.id"
        ),
        CalibrationBy::Team => {
            let mut scope = String::new();
            if let Some(t) = &q.team_id {
                scope.push_str(&format!(" AND t.id = {}", w.arg(t.as_str())));
            }
            if let Some(lead) = &q.led_by {
                let me = w.arg(lead.as_str());
                let led = led_teams(&me).replacen("WITH RECURSIVE ", "", 1);
                with = format!("{with}, {}", led.trim());
                scope.push_str(" AND t.id IN (SELECT id FROM led)");
            }
            format!(
                "WITH RECURSIVE {with}, \
                 l(kr, p) AS (SELECT kr, p FROM (SELECT kr, p, ROW_NUMBER() OVER \
                   (PARTITION BY kr ORDER BY at DESC, id DESC) AS n FROM rd) x WHERE n = 1), \
                 kt(kr, team_id) AS (SELECT key_result_id, team_id FROM key_result_teams \
                   WHERE key_result_id IN (SELECT id FROM sk) \
                   UNION ALL SELECT sk.id, ot.team_id FROM sk \
                   JOIN objective_teams ot ON ot.objective_id = sk.objective_id \
                   WHERE NOT EXISTS (SELECT 1 FROM key_result_teams x WHERE x.key_result_id = sk.id)) \
                 SELECT t.id, t.name, {SUMS}, COUNT(*) OVER () AS total \
                 FROM kt JOIN l ON l.kr = kt.kr JOIN sk ON sk.id = kt.kr \
                 JOIN teams t ON t.id = kt.team_id WHERE 1 = 1{scope} \
                 GROUP BY t.id, t.name ORDER BY t.name, t.id"
            )
        }
    }
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
}
