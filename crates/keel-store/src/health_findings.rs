//! The ownership health check's findings as the periodic evaluator last found them
//! (`health_findings`), counted by pitfall and paged by the database with the reader's eyes, so
//! the health page costs a few queries at 100,000 people instead of checking the whole cycle on
//! each request. The evaluator writes a batch of objectives' findings at a time (the rule is
//! `keel_domain::health::check`); a finding is shown only to a reader who may see its objective.
//!
//! One pitfall is never stored: an owner's overload counts OKRs across objectives, some of
//! which a reader may not see, so it is counted here, live, from the OKRs the reader may see
//! (the ownership map's count).

use crate::db::{Arg, Row};
use crate::sql::table::Table;
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use keel_domain::health::Severity;

/// The `health_findings` table.
pub(crate) const HEALTH_FINDING: Table = Table {
    name: "health_findings",
    columns: &[
        "okr_id",
        "code",
        "okr_kind",
        "objective_id",
        "severity",
        "severity_rank",
        "okr_title",
        "person_id",
        "message",
        "fix",
        "evaluated_at",
    ],
    not_selected: &[],
    later: &[],
};

/// The code of the pitfall counted live (never stored).
pub const OWNER_OVERLOAD: &str = "owner_overload";

/// One finding as stored (or, for an owner's overload, as counted now).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFinding {
    pub okr: OkrRef,
    /// The OKR's objective (itself for an objective); `None` for an overload, whose OKR is the
    /// first the person owns.
    pub objective_id: Option<ObjectiveId>,
    /// The pitfall (`keel_domain::health::CODES`).
    pub code: String,
    pub severity: Severity,
    pub okr_title: String,
    pub person_id: Option<PersonId>,
    /// Empty for an overload: the caller words it (`health::overload_message`) from
    /// `person_name` and `owned`.
    pub message: String,
    pub fix: String,
    /// When the evaluator found it (now for an overload).
    pub evaluated_at: Option<Timestamp>,
    /// An overload's person's name and how many OKRs they own.
    pub person_name: Option<String>,
    pub owned: i64,
}

/// Which findings: a cycle's, read with whose eyes, of one pitfall or all.
#[derive(Debug, Clone)]
pub struct HealthQuery {
    pub reader: Reader,
    pub cycle_id: CycleId,
    /// Only this pitfall's findings (`None`: all).
    pub code: Option<String>,
    /// The owner overload threshold: owning more objectives and key results than this.
    pub overload: u32,
}

/// How many findings of one pitfall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PitfallCount {
    pub code: String,
    pub severity: Severity,
    pub count: i64,
}

/// The counts by pitfall of a query (its `code` aside), and when the stored ones were found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HealthCounts {
    pub pitfalls: Vec<PitfallCount>,
    /// The latest evaluation among the findings counted (`None` when none is stored).
    pub evaluated_at: Option<Timestamp>,
}

/// The health check's findings, stored by the evaluator.
#[async_trait]
pub trait HealthFindings: Send + Sync {
    /// Replaces the findings of `objectives` (and of their key results) with `findings`, in
    /// one transaction: the evaluator's batch.
    async fn replace_health_findings(
        &self,
        objectives: &[ObjectiveId],
        findings: &[StoredFinding],
    ) -> StoreResult<()>;

    /// The counts by pitfall of the findings the reader may see in the cycle: one query.
    async fn health_counts(&self, query: &HealthQuery) -> StoreResult<HealthCounts>;

    /// `limit` findings from `offset`, errors first, then warnings, then information, by
    /// pitfall and title: one query.
    async fn health_findings(
        &self,
        query: &HealthQuery,
        offset: u64,
        limit: u32,
    ) -> StoreResult<Vec<StoredFinding>>;

    /// The stored findings about `objectives` and their key results (overloads, never stored,
    /// aside), errors first: a page's OKRs the caller has already read with the reader's eyes.
    /// One query per 500 objectives.
    async fn health_findings_about(
        &self,
        objectives: &[ObjectiveId],
    ) -> StoreResult<Vec<StoredFinding>>;
    /// A page of findings in the same order, after the page's cursor (keyset: the last
    /// finding's severity, pitfall, OKR and title carried in the cursor, so a page never
    /// repeats or skips one however deep): one query.
    async fn health_findings_page(
        &self,
        query: &HealthQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<StoredFinding>>;
}

#[async_trait]
impl HealthFindings for dyn Store {
    async fn replace_health_findings(
        &self,
        objectives: &[ObjectiveId],
        findings: &[StoredFinding],
    ) -> StoreResult<()> {
        self.as_health_findings()
            .replace_health_findings(objectives, findings)
            .await
    }
    async fn health_counts(&self, query: &HealthQuery) -> StoreResult<HealthCounts> {
        self.as_health_findings().health_counts(query).await
    }
    async fn health_findings(
        &self,
        query: &HealthQuery,
        offset: u64,
        limit: u32,
    ) -> StoreResult<Vec<StoredFinding>> {
        self.as_health_findings()
            .health_findings(query, offset, limit)
            .await
    }
    async fn health_findings_about(
        &self,
        objectives: &[ObjectiveId],
    ) -> StoreResult<Vec<StoredFinding>> {
        self.as_health_findings()
            .health_findings_about(objectives)
            .await
    }
    async fn health_findings_page(
        &self,
        query: &HealthQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<StoredFinding>> {
        self.as_health_findings()
            .health_findings_page(query, page)
            .await
    }
}

/// A findings page's cursor, `k:RANK:CODE:OKR_ID:TITLE` (the title in hexadecimal, so the
/// cursor is safe in a URL whatever the title holds), as `(severity rank, pitfall, OKR id,
/// title)`.
fn finding_cursor(page: &PageRequest) -> StoreResult<Option<(i64, String, String, String)>> {
    let Some(c) = &page.cursor else {
        return Ok(None);
    };
    let rest = c.strip_prefix("k:").ok_or(StoreError::BadCursor)?;
    let mut parts = rest.splitn(4, ':');
    let (Some(rank), Some(code), Some(okr), Some(title)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(StoreError::BadCursor);
    };
    let rank = rank.parse::<i64>().map_err(|_| StoreError::BadCursor)?;
    if code.is_empty() || okr.is_empty() || title.len() % 2 != 0 {
        return Err(StoreError::BadCursor);
    }
    let bytes = (0..title.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(title.get(i..i + 2).unwrap_or("-"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| StoreError::BadCursor)?;
    let title = String::from_utf8(bytes).map_err(|_| StoreError::BadCursor)?;
    Ok(Some((rank, code.into(), okr.into(), title)))
}

/// The cursor of a page ending with `f` (severity rank `rank`).
fn cursor_after(rank: i64, f: &StoredFinding) -> String {
    let title: String = f.okr_title.bytes().map(|b| format!("{b:02x}")).collect();
    format!("k:{rank}:{}:{}:{title}", f.code, f.okr.id())
}

fn severity_spelling(s: Severity) -> (&'static str, i64) {
    match s {
        Severity::Error => ("error", 0),
        Severity::Warning => ("warning", 1),
        Severity::Info => ("info", 2),
    }
}

fn severity_of(col: &str, s: &str) -> StoreResult<Severity> {
    match s {
        "error" => Ok(Severity::Error),
        "warning" => Ok(Severity::Warning),
        "info" => Ok(Severity::Info),
        other => Err(corrupt(col, format!("unknown severity '{other}'"))),
    }
}

/// The query's findings as `hf(okr_kind, okr_id, code, severity, severity_rank, okr_title,
/// person_id, message, fix, evaluated_at, person_name, owned)`: the stored ones on objectives
/// the reader may see, and the overloads counted now.
fn findings_cte(w: &mut Where, q: &HealthQuery) -> String {
    let cycle = w.arg(q.cycle_id.as_str());
    let visible = match &q.reader {
        Reader::Everyone => String::new(),
        Reader::Audience(a) => format!(" AND {}", visible_sql(w, a, "o")),
    };
    let over = w.arg(i64::from(q.overload));
    format!(
        "WITH vo(id, owner_id) AS (SELECT o.id, o.owner_id FROM objectives o \
           WHERE o.deleted_at IS NULL AND o.cycle_id = {cycle}{visible}), \
         vk(id, owner_id) AS (SELECT k.id, k.owner_id FROM key_results k \
           JOIN vo ON vo.id = k.objective_id WHERE k.deleted_at IS NULL), \
         owns(person_id, okr) AS (SELECT owner_id, '1' || id FROM vo \
           UNION ALL SELECT owner_id, '2' || id FROM vk), \
         ov(person_id, n, okr) AS (SELECT person_id, COUNT(*), MIN(okr) FROM owns \
           GROUP BY person_id HAVING COUNT(*) > {over}), \
         hf(okr_kind, okr_id, objective_id, code, severity, severity_rank, okr_title, person_id, \
           message, fix, evaluated_at, person_name, owned) AS ( \
           SELECT f.okr_kind, f.okr_id, f.objective_id, f.code, f.severity, f.severity_rank, \
             f.okr_title, f.person_id, f.message, f.fix, f.evaluated_at, NULL, 0 \
           FROM health_findings f JOIN vo ON vo.id = f.objective_id \
           WHERE f.code <> '{OWNER_OVERLOAD}' \
             AND (f.okr_kind = 'objective' OR f.okr_id IN (SELECT id FROM vk)) \
           UNION ALL SELECT \
             CASE WHEN SUBSTR(ov.okr, 1, 1) = '1' THEN 'objective' ELSE 'key_result' END, \
             SUBSTR(ov.okr, 2), NULL, '{OWNER_OVERLOAD}', 'warning', 1, \
             COALESCE((SELECT title FROM objectives WHERE id = SUBSTR(ov.okr, 2)), \
               (SELECT title FROM key_results WHERE id = SUBSTR(ov.okr, 2)), ''), \
             ov.person_id, '', '', NULL, p.name, ov.n \
           FROM ov JOIN people p ON p.id = ov.person_id) "
    )
}

/// The columns a read of `hf` selects.
const FINDING_COLS: &str = "okr_kind, okr_id, objective_id, code, severity, severity_rank, \
     okr_title, person_id, message, fix, evaluated_at, person_name, owned";

fn finding_from(r: &Row) -> StoreResult<StoredFinding> {
    let id = r.text("okr_id")?;
    Ok(StoredFinding {
        okr: match r.text("okr_kind")?.as_str() {
            "objective" => OkrRef::Objective(ObjectiveId::from_string(id)),
            _ => OkrRef::KeyResult(KeyResultId::from_string(id)),
        },
        objective_id: r.opt_text("objective_id")?.map(ObjectiveId::from_string),
        code: r.text("code")?,
        severity: severity_of("severity", &r.text("severity")?)?,
        okr_title: r.text("okr_title")?,
        person_id: r.opt_text("person_id")?.map(PersonId::from_string),
        message: r.text("message")?,
        fix: r.text("fix")?,
        evaluated_at: opt_ts("evaluated_at", r.opt_int("evaluated_at")?)?,
        person_name: r.opt_text("person_name")?,
        owned: r.int("owned")?,
    })
}

#[async_trait]
impl HealthFindings for SqlStore {
    async fn replace_health_findings(
        &self,
        objectives: &[ObjectiveId],
        findings: &[StoredFinding],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for chunk in objectives.chunks(500) {
            let sql = format!(
                "DELETE FROM health_findings WHERE objective_id IN ({})",
                crate::db::placeholders(1, chunk.len())
            );
            let a = chunk.iter().map(|o| Arg::from(o.as_str())).collect();
            tx.execute(&sql, a).await?;
        }
        let rows: Vec<Vec<Arg>> = findings
            .iter()
            .filter(|f| f.code != OWNER_OVERLOAD)
            .filter_map(|f| {
                let objective = f.objective_id.as_ref()?;
                let (severity, rank) = severity_spelling(f.severity);
                let kind = match f.okr {
                    OkrRef::Objective(_) => "objective",
                    OkrRef::KeyResult(_) => "key_result",
                };
                Some(vec![
                    Arg::from(f.okr.id()),
                    Arg::from(f.code.as_str()),
                    Arg::from(kind),
                    Arg::from(objective.as_str()),
                    Arg::from(severity),
                    Arg::from(rank),
                    Arg::from(f.okr_title.as_str()),
                    Arg::from(f.person_id.as_ref().map(|p| p.as_str())),
                    Arg::from(f.message.as_str()),
                    Arg::from(f.fix.as_str()),
                    Arg::from(f.evaluated_at.as_ref().map(ts).unwrap_or_default()),
                ])
            })
            .collect();
        insert_rows(
            &mut tx,
            30_000,
            "health_findings",
            HEALTH_FINDING.columns,
            rows,
        )
        .await?;
        tx.commit().await
    }

    async fn health_counts(&self, query: &HealthQuery) -> StoreResult<HealthCounts> {
        let mut w = Where::default();
        let with = findings_cte(&mut w, query);
        let sql = format!(
            "{with}SELECT code, severity, COUNT(*) AS n, MAX(evaluated_at) AS at FROM hf \
             GROUP BY code, severity"
        );
        let mut out = HealthCounts::default();
        for r in self.db.fetch_all(&sql, w.args).await? {
            let at = opt_ts("at", r.opt_int("at")?)?;
            out.evaluated_at = out.evaluated_at.max(at);
            out.pitfalls.push(PitfallCount {
                code: r.text("code")?,
                severity: severity_of("severity", &r.text("severity")?)?,
                count: r.int("n")?,
            });
        }
        Ok(out)
    }

    async fn health_findings(
        &self,
        query: &HealthQuery,
        offset: u64,
        limit: u32,
    ) -> StoreResult<Vec<StoredFinding>> {
        let mut w = Where::default();
        let with = findings_cte(&mut w, query);
        if let Some(code) = &query.code {
            let c = w.arg(code.as_str());
            w.add(format!("code = {c}"));
        }
        let sql = format!(
            "{with}SELECT {FINDING_COLS} FROM hf {} \
             ORDER BY severity_rank, code, okr_title, okr_id LIMIT {} OFFSET {offset}",
            w.sql(),
            clamp(limit)
        );
        self.db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(finding_from)
            .collect()
    }

    async fn health_findings_about(
        &self,
        objectives: &[ObjectiveId],
    ) -> StoreResult<Vec<StoredFinding>> {
        let mut out = vec![];
        for chunk in objectives.chunks(500) {
            let sql = format!(
                "SELECT okr_kind, okr_id, objective_id, code, severity, okr_title, person_id, \
                 message, fix, evaluated_at, CAST(NULL AS TEXT) AS person_name, CAST(0 AS BIGINT) AS owned \
                 FROM health_findings WHERE objective_id IN ({}) \
                 ORDER BY severity_rank, code, okr_title, okr_id",
                crate::db::placeholders(1, chunk.len())
            );
            let a = chunk.iter().map(|o| Arg::from(o.as_str())).collect();
            for r in self.db.fetch_all(&sql, a).await? {
                out.push(finding_from(&r)?);
            }
        }
        Ok(out)
    }

    async fn health_findings_page(
        &self,
        query: &HealthQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<StoredFinding>> {
        let limit = clamp(page.limit);
        let after = finding_cursor(page)?;
        let mut w = Where::default();
        let with = findings_cte(&mut w, query);
        if let Some(code) = &query.code {
            let c = w.arg(code.as_str());
            w.add(format!("code = {c}"));
        }
        if let Some((rank, code, okr, title)) = after {
            let (r, c, t, o) = (w.arg(rank), w.arg(code), w.arg(title), w.arg(okr));
            w.add(format!(
                "(severity_rank > {r} OR (severity_rank = {r} AND (code > {c} OR (code = {c} \
                 AND (okr_title > {t} OR (okr_title = {t} AND okr_id > {o}))))))"
            ));
        }
        let sql = format!(
            "{with}SELECT {FINDING_COLS} FROM hf {} \
             ORDER BY severity_rank, code, okr_title, okr_id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let rows = self.db.fetch_all(&sql, w.args).await?;
        let mut items = vec![];
        let mut keys = vec![];
        for r in &rows {
            keys.push(r.int("severity_rank")?);
            items.push(finding_from(r)?);
        }
        let mut page = paginate(items, limit, |_| String::new());
        if page.next_cursor.is_some() {
            if let (Some(f), Some(rank)) = (page.items.last(), keys.get(limit - 1)) {
                page.next_cursor = Some(cursor_after(*rank, f));
            }
        }
        Ok(page)
    }
}
