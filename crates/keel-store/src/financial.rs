//! Financial key results for finance (the OKR Body of Knowledge's "Finance Teams"): the key
//! results tagged `financial` in a cycle, and their start, target and current values summed
//! per team and per currency, in the database so the totals cost one query however many there
//! are.
//!
//! "Financial" is the key result's `financial` tag, the one the finance role edits by; the
//! currency is its `unit` as written ("EUR", "$", "k€"): figures are summed only within one
//! unit, never converted. A key result counts for each team it is shared with (its own teams,
//! else its objective's), or for no team. Only key results the reader may see count.

use crate::db::Row;
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// Which financial key results, read with whose eyes.
#[derive(Debug, Clone)]
pub struct FinancialQuery {
    pub reader: Reader,
    pub cycle_id: CycleId,
    /// Only key results shared with this team or a team below it.
    pub team_id: Option<TeamId>,
}

/// One team's and one currency's totals.
#[derive(Debug, Clone, PartialEq)]
pub struct FinancialTotal {
    /// `None`: key results shared with no team.
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    /// The unit the figures are in.
    pub unit: String,
    pub key_results: i64,
    pub start: f64,
    pub target: f64,
    pub current: f64,
}

/// Financial key results, listed and summed by the database.
#[async_trait]
pub trait Financial: Send + Sync {
    /// The ids of the query's key results, by id, a page at a time: one query per page.
    async fn financial_key_results(
        &self,
        query: &FinancialQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<KeyResultId>>;

    /// The totals per team and unit, by team name then unit: one query.
    async fn financial_totals(&self, query: &FinancialQuery) -> StoreResult<Vec<FinancialTotal>>;
}

#[async_trait]
impl Financial for dyn Store {
    async fn financial_key_results(
        &self,
        query: &FinancialQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<KeyResultId>> {
        self.as_financial().financial_key_results(query, page).await
    }
    async fn financial_totals(&self, query: &FinancialQuery) -> StoreResult<Vec<FinancialTotal>> {
        self.as_financial().financial_totals(query).await
    }
}

/// The `WITH` clause defining `fk(id, unit, start_value, target_value, current_value)`, the
/// query's key results, and `fks(key_result_id, team_id)`, the teams each counts for (within
/// the query's team).
fn financial_in_scope(w: &mut Where, q: &FinancialQuery) -> String {
    let cycle = w.arg(q.cycle_id.as_str());
    let visible = match &q.reader {
        Reader::Everyone => String::new(),
        Reader::Audience(a) => format!(" AND {}", visible_sql(w, a, "o")),
    };
    let mut ctes = vec![
        format!(
            // `CROSS JOIN`: the financial key results walked first (`key_results_financial_idx`,
            // which only a literal `financial = 1` uses), each checked against its objective.
            // `MATERIALIZED`: read so once, then sorted; merged into a page's `ORDER BY id`,
            // SQLite walked every key result of the organisation in id order instead (0.15 s
            // at 100,000 people, with no financial key result at all).
            "fk0(id, objective_id, unit, start_value, target_value, current_value) AS MATERIALIZED ( \
             SELECT k.id, k.objective_id, k.unit, k.start_value, k.target_value, k.current_value \
             FROM key_results k CROSS JOIN objectives o \
             WHERE o.id = k.objective_id AND k.deleted_at IS NULL AND o.deleted_at IS NULL \
             AND k.financial = 1 AND o.cycle_id = {cycle}{visible})"
        ),
        // A key result's own teams, else its objective's.
        "fkt(key_result_id, team_id) AS ( \
           SELECT kt.key_result_id, kt.team_id FROM key_result_teams kt \
             WHERE kt.key_result_id IN (SELECT id FROM fk0) \
           UNION SELECT f.id, ot.team_id FROM fk0 f JOIN objective_teams ot \
             ON ot.objective_id = f.objective_id \
             WHERE NOT EXISTS (SELECT 1 FROM key_result_teams x WHERE x.key_result_id = f.id))"
            .to_string(),
    ];
    let (scoped, teams) = match &q.team_id {
        None => (
            "SELECT * FROM fk0".to_string(),
            "SELECT * FROM fkt".to_string(),
        ),
        Some(t) => {
            let t = w.arg(t.as_str());
            ctes.push(format!(
                "sub(id) AS (SELECT id FROM teams WHERE id = {t} \
                 UNION SELECT t.id FROM teams t JOIN sub ON t.parent_id = sub.id)"
            ));
            (
                "SELECT * FROM fk0 WHERE id IN (SELECT key_result_id FROM fkt \
                 WHERE team_id IN (SELECT id FROM sub))"
                    .to_string(),
                "SELECT * FROM fkt WHERE team_id IN (SELECT id FROM sub)".to_string(),
            )
        }
    };
    ctes.push(format!(
        "fk(id, objective_id, unit, start_value, target_value, current_value) AS ({scoped})"
    ));
    ctes.push(format!("fks(key_result_id, team_id) AS ({teams})"));
    format!("WITH RECURSIVE {} ", ctes.join(", "))
}

fn total_from(r: &Row) -> StoreResult<FinancialTotal> {
    Ok(FinancialTotal {
        team_id: r.opt_text("team_id")?.map(TeamId::from_string),
        team_name: r.opt_text("team_name")?,
        unit: r.text("unit")?,
        key_results: r.int("n")?,
        start: r.real("sv")?,
        target: r.real("tv")?,
        current: r.real("cv")?,
    })
}

#[async_trait]
impl Financial for SqlStore {
    async fn financial_key_results(
        &self,
        query: &FinancialQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<KeyResultId>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let with = financial_in_scope(&mut w, query);
        if let Some(after) = id_cursor(page)? {
            let a = w.arg(after);
            w.add(format!("fk.id > {a}"));
        }
        let sql = format!(
            "{with}SELECT fk.id FROM fk {} ORDER BY fk.id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let ids = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(|r| r.text("id").map(KeyResultId::from_string))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(ids, limit, |id| format!("i:{id}")))
    }

    async fn financial_totals(&self, query: &FinancialQuery) -> StoreResult<Vec<FinancialTotal>> {
        let mut w = Where::default();
        let with = financial_in_scope(&mut w, query);
        // Each key result once per team it counts for, or once with no team.
        let sql = format!(
            "{with}SELECT x.team_id, t.name AS team_name, x.unit, COUNT(*) AS n, \
             SUM(x.start_value) AS sv, SUM(x.target_value) AS tv, SUM(x.current_value) AS cv \
             FROM (SELECT fks.team_id, fk.unit, fk.start_value, fk.target_value, fk.current_value \
                   FROM fk JOIN fks ON fks.key_result_id = fk.id \
                   UNION ALL SELECT NULL, fk.unit, fk.start_value, fk.target_value, fk.current_value \
                   FROM fk WHERE NOT EXISTS (SELECT 1 FROM fks WHERE fks.key_result_id = fk.id)) x \
             LEFT JOIN teams t ON t.id = x.team_id \
             GROUP BY x.team_id, t.name, x.unit \
             ORDER BY CASE WHEN t.name IS NULL THEN 1 ELSE 0 END, t.name, x.team_id, x.unit"
        );
        self.db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(total_from)
            .collect()
    }
}
