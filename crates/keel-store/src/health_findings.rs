//! The ownership health check's findings as the periodic evaluator last found them
//! (`health_findings`), counted by pitfall and paged by the database with the reader's eyes, so
//! the health page costs a few queries at 100,000 people instead of checking the whole cycle on
//! each request. The evaluator writes a batch of objectives' findings at a time (the rule is
//! `keel_domain::health::check`); a finding is shown only to a reader who may see its objective.
//!
//! One pitfall is never stored: an owner's overload counts OKRs across objectives, some of
//! which a reader may not see, so it is counted here with the reader's eyes.
//!
//! At 100,000 people even counting and sorting the stored findings on each request took
//! seconds, so once the evaluator has counted a cycle (`count_health_findings`, per visibility
//! and pitfall: `health_finding_counts`) and its participation (`participation_counts`, which
//! holds what each person owns at each reach), a reader's counts are the stored rows of the
//! visibilities they see wholesale plus the findings of the non-public OKRs they are in, counted
//! live; owners' overload is each person's stored count at the widest reach the reader sees
//! whole plus the narrower OKRs the reader may see; and a page of findings walks the findings
//! in the page's order (`health_findings_order_idx`), the overloads merged in.
//!
//! 42,573 owners were overloaded in the synthetic organisation of 100,000 people: finding each
//! one's first OKR and sorting them all by title on each request took seconds. So the overloads
//! are one run in their own order, most owned first then by person, which the database walks
//! through an index on what each person owns (`participation_counts_owned_idx`) and stops at
//! the page's end; only the page's owners have their first OKR looked up, and the count is a
//! count of that index.

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

/// The `health_finding_counts` table.
pub(crate) const HEALTH_FINDING_COUNT: Table = Table {
    name: "health_finding_counts",
    columns: &[
        "cycle_id",
        "visibility",
        "code",
        "severity",
        "n",
        "evaluated_at",
    ],
    not_selected: &[],
    later: &[],
};

/// The `health_count_rounds` table.
pub(crate) const HEALTH_COUNT_ROUND: Table = Table {
    name: "health_count_rounds",
    columns: &["cycle_id", "counted_at"],
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
    /// pitfall; a pitfall's findings by title and OKR, owners' overloads most owned first then
    /// by person: a few queries, each stopping at the page's end.
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
    /// finding's severity, pitfall, OKR and title carried in the cursor, or for an overload
    /// how many OKRs its person owns and who, so a page never repeats or skips one however
    /// deep): a few queries, each stopping at the page's end.
    async fn health_findings_page(
        &self,
        query: &HealthQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<StoredFinding>>;

    /// Counts the stored findings of every cycle by visibility and pitfall and stores the
    /// counts as of `at` (the evaluator, after its batches): one query and one transaction.
    async fn count_health_findings(&self, at: Timestamp) -> StoreResult<()>;
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
    async fn count_health_findings(&self, at: Timestamp) -> StoreResult<()> {
        self.as_health_findings().count_health_findings(at).await
    }
}

/// Where a page of findings starts: after a stored finding (its severity rank, pitfall, title
/// and OKR: the stored order) or after an owner's overload (how many OKRs they own and their id:
/// the overload run's order, most owned first).
#[derive(Debug, Clone, PartialEq)]
enum After {
    Stored {
        rank: i64,
        code: String,
        title: String,
        okr: String,
    },
    Overload {
        owned: i64,
        person: String,
    },
}

impl After {
    /// Whether the overload run comes after this place: it sits among the warnings by its
    /// pitfall.
    fn before_overloads(&self) -> bool {
        match self {
            After::Stored { rank, code, .. } => (*rank, code.as_str()) < (1, OWNER_OVERLOAD),
            After::Overload { .. } => false,
        }
    }
}

/// A findings page's cursor: `k:RANK:CODE:OKR_ID:TITLE` after a stored finding (the title in
/// hexadecimal, so the cursor is safe in a URL whatever the title holds), `v:OWNED:PERSON_ID`
/// after an owner's overload.
fn finding_cursor(page: &PageRequest) -> StoreResult<Option<After>> {
    let Some(c) = &page.cursor else {
        return Ok(None);
    };
    if let Some(rest) = c.strip_prefix("v:") {
        let (owned, person) = rest.split_once(':').ok_or(StoreError::BadCursor)?;
        let owned = owned.parse::<i64>().map_err(|_| StoreError::BadCursor)?;
        if person.is_empty() {
            return Err(StoreError::BadCursor);
        }
        return Ok(Some(After::Overload {
            owned,
            person: person.into(),
        }));
    }
    let rest = c.strip_prefix("k:").ok_or(StoreError::BadCursor)?;
    let mut parts = rest.splitn(4, ':');
    let (Some(rank), Some(code), Some(okr), Some(title)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(StoreError::BadCursor);
    };
    let rank = rank.parse::<i64>().map_err(|_| StoreError::BadCursor)?;
    if code.is_empty() || code == OWNER_OVERLOAD || okr.is_empty() || title.len() % 2 != 0 {
        return Err(StoreError::BadCursor);
    }
    let bytes = (0..title.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(title.get(i..i + 2).unwrap_or("-"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| StoreError::BadCursor)?;
    let title = String::from_utf8(bytes).map_err(|_| StoreError::BadCursor)?;
    Ok(Some(After::Stored {
        rank,
        code: code.into(),
        title,
        okr: okr.into(),
    }))
}

/// The cursor of a page ending with `f` (severity rank `rank`).
fn cursor_after(rank: i64, f: &StoredFinding) -> String {
    if f.code == OWNER_OVERLOAD {
        let person = f.person_id.as_ref().map(|p| p.as_str()).unwrap_or_default();
        return format!("v:{}:{person}", f.owned);
    }
    let title: String = f.okr_title.bytes().map(|b| format!("{b:02x}")).collect();
    format!("k:{rank}:{}:{}:{title}", f.code, f.okr.id())
}

/// The findings after `after` in the page's order, as a predicate over the columns of a
/// finding (`p` their prefix: `f.` for the stored table, empty for `hf`). `with_overloads`:
/// the columns hold overloads too (`owned`, `person_id`: the live path's `hf`).
fn after_sql(w: &mut Where, after: &After, p: &str, with_overloads: bool) -> String {
    match after {
        After::Stored {
            rank,
            code,
            title,
            okr,
        } => {
            let (r, c, t, o) = (
                w.arg(*rank),
                w.arg(code.as_str()),
                w.arg(title.as_str()),
                w.arg(okr.as_str()),
            );
            format!(
                "({p}severity_rank > {r} OR ({p}severity_rank = {r} AND ({p}code > {c} \
                 OR ({p}code = {c} AND ({p}okr_title > {t} OR ({p}okr_title = {t} \
                 AND {p}okr_id > {o}))))))"
            )
        }
        After::Overload { owned, person } => {
            let (r, c) = (w.arg(1i64), w.arg(OWNER_OVERLOAD));
            let run = if with_overloads {
                let (n, pr) = (w.arg(*owned), w.arg(person.as_str()));
                format!(
                    " OR ({p}code = {c} AND ({p}owned < {n} OR ({p}owned = {n} \
                     AND {p}person_id > {pr})))"
                )
            } else {
                String::new()
            };
            format!("({p}severity_rank > {r} OR ({p}severity_rank = {r} AND ({p}code > {c}{run})))")
        }
    }
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
    let (join, visible) = reader_join(w, &q.reader, "o");
    let over = w.arg(i64::from(q.overload));
    format!(
        "WITH vo(id, owner_id) AS (SELECT o.id, o.owner_id FROM objectives o {join} \
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

/// The page's order over `hf`: errors first, then warnings, then information, by pitfall; a
/// stored pitfall's findings by title then OKR, the overload run most owned first then by
/// person (as the stored path walks it).
const LIVE_ORDER: &str = "severity_rank, code, owned DESC, \
     CASE WHEN code = 'owner_overload' THEN person_id ELSE okr_title END, okr_id";

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

/// A stored finding is on a key result still there (or on an objective): `f` its alias. A
/// scalar subquery, looked up row by row: as `okr_kind = 'objective' OR EXISTS (…)`, PostgreSQL
/// hashed every key result of the organisation first (19 ms at 10,000 people) for a page that
/// walks a few dozen findings. A finding on an objective finds no key result (NULL), so its
/// kind decides.
const ALIVE: &str = "COALESCE((SELECT k.deleted_at IS NULL FROM key_results k \
     WHERE k.id = f.okr_id), f.okr_kind = 'objective')";

/// The cycle's objectives (`o`) the stored counts leave out for `a`: of the visibilities not
/// stored for them, among the OKRs they are in or the teams they reach, that they may see.
/// `None` for a reader who takes every objective stored.
fn narrower(w: &mut Where, q: &HealthQuery) -> Option<String> {
    let live = live_part_sql(w, &q.reader, "o")?;
    let c = w.arg(q.cycle_id.as_str());
    Some(format!(
        "o.deleted_at IS NULL AND o.cycle_id = {c} AND {live}"
    ))
}

/// How many objectives and key results a person owns in their stored counts (`s` the
/// `participation_counts` row): the expression `participation_counts_owned_idx` indexes, so the
/// overloaded are found, counted and walked most owned first through that index.
const OWNED: &str = "s.owned_objectives + s.owned_key_results";

/// The pieces of SQL that find the owners over the query's overload threshold with the
/// reader's eyes: their stored count at the widest reach the reader sees whole plus the
/// narrower OKRs the reader may see, counted now (`lv(person_id, n)`: few, a reader's team and
/// private OKRs; empty for an administrator).
struct OverloadSql {
    /// The `lv` common table expression(s), without `WITH`.
    live: String,
    /// A predicate on `s` (`participation_counts`): the stored rows over the threshold of the
    /// people `lv` leaves alone, whose stored count is their whole count.
    stored: String,
    /// The whole count of an `lv` person (`lv` its alias).
    total: String,
    /// The threshold's placeholder.
    over: String,
}

fn overload_sql(w: &mut Where, q: &HealthQuery) -> OverloadSql {
    let c = w.arg(q.cycle_id.as_str());
    let r = w.arg(crate::participation::reach_seen_whole(&q.reader));
    let over = w.arg(i64::from(q.overload));
    let live = match narrower(w, q) {
        Some(narrow) => {
            format!(
                "lo(id, owner_id) AS (SELECT o.id, o.owner_id FROM objectives o WHERE {narrow}), \
                 lv(person_id, n) AS (SELECT person_id, COUNT(*) FROM (SELECT owner_id AS person_id \
                   FROM lo UNION ALL SELECT k.owner_id FROM key_results k JOIN lo \
                   ON lo.id = k.objective_id WHERE k.deleted_at IS NULL) x GROUP BY person_id)"
            )
        }
        None => "lv(person_id, n) AS (SELECT CAST(NULL AS TEXT), \
             CAST(0 AS BIGINT) WHERE 1 = 0)"
            .to_string(),
    };
    OverloadSql {
        live,
        stored: format!(
            "s.cycle_id = {c} AND s.reach = {r} AND {OWNED} > {over} \
             AND s.person_id NOT IN (SELECT person_id FROM lv)"
        ),
        total: format!(
            "lv.n + COALESCE((SELECT {OWNED} FROM participation_counts s \
             WHERE s.cycle_id = {c} AND s.reach = {r} AND s.person_id = lv.person_id), 0)"
        ),
        over,
    }
}

impl SqlStore {
    /// Whether the evaluator has counted the query's cycle, both its findings and what each
    /// person owns (the stored path); `None` before (everything is counted live).
    async fn health_counted_at(&self, q: &HealthQuery) -> StoreResult<Option<Timestamp>> {
        let counted = self
            .db
            .fetch_optional(
                "SELECT counted_at FROM health_count_rounds WHERE cycle_id = $1",
                vec![Arg::from(q.cycle_id.as_str())],
            )
            .await?;
        let Some(counted) = counted else {
            return Ok(None);
        };
        if crate::participation::counted_at(&self.db, "participation", &q.cycle_id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        Ok(Some(to_ts("counted_at", counted.int("counted_at")?)?))
    }

    /// The owners over the query's overload threshold with the reader's eyes, most owned first
    /// then by id, after `after` (how many they own, their id), at most `take`; each with the
    /// first objective (else key result) they own that the reader may see. The stored counts
    /// are walked through their index and stop at `take`, so a page costs a page. One query.
    /// The first OKRs are read for the page's owners together (a join, then the least id of
    /// each), not in a subquery per owner: PostgreSQL charges the visibility rule's sub-plans to
    /// every run of such a subquery, so it read the cycle's objectives once per owner (3.2 s for
    /// a member's 51 owners at 100,000 people). SQLite walks them from the page's owners
    /// (`CROSS JOIN`, the cycle's index hidden): from the cycle's objectives it took 0.7 s.
    async fn overload_run(
        &self,
        q: &HealthQuery,
        after: Option<(i64, &str)>,
        take: u64,
    ) -> StoreResult<Vec<StoredFinding>> {
        let mut w = Where::default();
        let ov = overload_sql(&mut w, q);
        let (walk_after, live_after) = match after {
            None => (String::new(), String::new()),
            Some((owned, person)) => {
                let (n, p) = (w.arg(owned), w.arg(person));
                (
                    format!(" AND {OWNED} <= {n} AND ({OWNED} < {n} OR s.person_id > {p})"),
                    format!(" AND (n < {n} OR (n = {n} AND person_id > {p}))"),
                )
            }
        };
        let c = w.arg(q.cycle_id.as_str());
        let (jo, vo) = reader_join(&mut w, &q.reader, "o");
        let (jk, vk) = reader_join(&mut w, &q.reader, "o");
        let (live, stored, total, over) = (ov.live, ov.stored, ov.total, ov.over);
        let sql = format!(
            "WITH {live}, \
             ov(person_id, n) AS ( \
               SELECT person_id, n FROM (SELECT s.person_id, {OWNED} AS n \
                 FROM participation_counts s WHERE {stored}{walk_after} \
                 ORDER BY {OWNED} DESC, s.person_id LIMIT {take}) a \
               UNION ALL SELECT person_id, n FROM (SELECT lv.person_id, {total} AS n FROM lv) b \
                 WHERE n > {over}{live_after}), \
             ovp(person_id, n) AS (SELECT person_id, n FROM ov \
               ORDER BY n DESC, person_id LIMIT {take}), \
             ovo(person_id, oid) AS (SELECT ovp.person_id, MIN(o.id) FROM ovp \
               CROSS JOIN objectives o {jo} WHERE o.owner_id = ovp.person_id \
               AND o.cycle_id || '' = {c} AND o.deleted_at IS NULL{vo} GROUP BY ovp.person_id), \
             ovk(person_id, kid) AS (SELECT ovp.person_id, MIN(k.id) FROM ovp \
               CROSS JOIN key_results k JOIN objectives o ON o.id = k.objective_id {jk} \
               WHERE k.owner_id = ovp.person_id AND k.deleted_at IS NULL \
               AND o.cycle_id || '' = {c} AND o.deleted_at IS NULL{vk} GROUP BY ovp.person_id), \
             ovf(person_id, n, oid, kid) AS (SELECT ovp.person_id, ovp.n, ovo.oid, ovk.kid \
               FROM ovp LEFT JOIN ovo ON ovo.person_id = ovp.person_id \
               LEFT JOIN ovk ON ovk.person_id = ovp.person_id) \
             SELECT ovf.person_id, ovf.n, p.name, ovf.oid, ovf.kid, \
               COALESCE((SELECT title FROM objectives WHERE id = ovf.oid), \
                 (SELECT title FROM key_results WHERE id = ovf.kid), '') AS title \
             FROM ovf JOIN people p ON p.id = ovf.person_id ORDER BY ovf.n DESC, ovf.person_id"
        );
        let mut out = vec![];
        for r in self.db.fetch_all(&sql, w.args).await? {
            let okr = match (r.opt_text("oid")?, r.opt_text("kid")?) {
                (Some(o), _) => OkrRef::Objective(ObjectiveId::from_string(o)),
                (None, Some(k)) => OkrRef::KeyResult(KeyResultId::from_string(k)),
                (None, None) => continue,
            };
            out.push(StoredFinding {
                okr,
                objective_id: None,
                code: OWNER_OVERLOAD.into(),
                severity: Severity::Warning,
                okr_title: r.text("title")?,
                person_id: Some(PersonId::from_string(r.text("person_id")?)),
                message: String::new(),
                fix: String::new(),
                evaluated_at: None,
                person_name: Some(r.text("name")?),
                owned: r.int("n")?,
            });
        }
        Ok(out)
    }

    /// How many owners are over the query's overload threshold with the reader's eyes: a count
    /// of the stored counts' index over the threshold plus the few counted now. One query.
    async fn overload_count(&self, q: &HealthQuery) -> StoreResult<i64> {
        let mut w = Where::default();
        let ov = overload_sql(&mut w, q);
        let sql = format!(
            "WITH {} SELECT (SELECT COUNT(*) FROM participation_counts s WHERE {}) \
             + (SELECT COUNT(*) FROM lv WHERE {} > {}) AS n",
            ov.live, ov.stored, ov.total, ov.over
        );
        match self.db.fetch_optional(&sql, w.args).await? {
            Some(r) => r.int("n"),
            None => Ok(0),
        }
    }

    /// The counts by pitfall from the stored counts, the narrower findings and the overloads.
    async fn stored_counts(
        &self,
        q: &HealthQuery,
        counted_at: Timestamp,
    ) -> StoreResult<HealthCounts> {
        let mut counts: Vec<(String, Severity, i64, Option<Timestamp>)> = vec![];
        let mut w = Where::default();
        let c = w.arg(q.cycle_id.as_str());
        let vis: Vec<String> = crate::stored_visibilities(&q.reader)
            .iter()
            .map(|v| w.arg(v.stored()))
            .collect();
        let sql = format!(
            "SELECT code, severity, CAST(SUM(n) AS BIGINT) AS n, MAX(evaluated_at) AS at \
             FROM health_finding_counts WHERE cycle_id = {c} AND visibility IN ({}) \
             GROUP BY code, severity",
            vis.join(", ")
        );
        let mut rows = self.db.fetch_all(&sql, w.args).await?;
        let mut w = Where::default();
        if let Some(narrow) = narrower(&mut w, q) {
            let sql = format!(
                "SELECT f.code AS code, f.severity AS severity, COUNT(*) AS n, \
                 MAX(f.evaluated_at) AS at FROM health_findings f \
                 JOIN objectives o ON o.id = f.objective_id \
                 WHERE {narrow} AND f.code <> '{OWNER_OVERLOAD}' AND {ALIVE} \
                 GROUP BY f.code, f.severity"
            );
            rows.extend(self.db.fetch_all(&sql, w.args).await?);
        }
        for r in &rows {
            counts.push((
                r.text("code")?,
                severity_of("severity", &r.text("severity")?)?,
                r.int("n")?,
                opt_ts("at", r.opt_int("at")?)?,
            ));
        }
        // Counted, not listed: the first OKR of each owner is found only for a page.
        let overloads = self.overload_count(q).await?;
        if overloads > 0 {
            counts.push((OWNER_OVERLOAD.into(), Severity::Warning, overloads, None));
        }
        let mut out = HealthCounts {
            pitfalls: vec![],
            evaluated_at: None,
        };
        for (code, severity, n, at) in counts {
            out.evaluated_at = out.evaluated_at.max(at);
            match out
                .pitfalls
                .iter_mut()
                .find(|p| p.code == code && p.severity == severity)
            {
                Some(p) => p.count += n,
                None if n > 0 => out.pitfalls.push(PitfallCount {
                    code,
                    severity,
                    count: n,
                }),
                None => {}
            }
        }
        out.evaluated_at = out.evaluated_at.or(Some(counted_at));
        Ok(out)
    }

    /// The query's findings in the page's order after `after`, skipping `skip`, at most
    /// `want`: the stored ones walked in order and the overload run walked in its own order
    /// (each stopping at the page's end), merged. Two queries.
    async fn stored_walk(
        &self,
        q: &HealthQuery,
        after: Option<After>,
        skip: u64,
        want: usize,
    ) -> StoreResult<Vec<(i64, StoredFinding)>> {
        let mut w = Where::default();
        let c = w.arg(q.cycle_id.as_str());
        w.add(format!(
            "o.id = f.objective_id AND o.deleted_at IS NULL AND o.cycle_id = {c}"
        ));
        if let Reader::Audience(a) = &q.reader {
            let v = visible_join(&mut w, a, "o");
            w.add(v);
        }
        w.add(format!("f.code <> '{OWNER_OVERLOAD}'"));
        w.add(ALIVE.into());
        if let Some(code) = &q.code {
            let c = w.arg(code.as_str());
            w.add(format!("f.code = {c}"));
        }
        if let Some(after) = &after {
            let a = after_sql(&mut w, after, "f.", false);
            w.add(a);
        }
        let take = skip.saturating_add(want as u64);
        // `CROSS JOIN`: the findings walked in order through their index, each checked
        // against its objective, so the walk stops at the page's end.
        let sql = format!(
            "SELECT f.okr_kind, f.okr_id, f.objective_id, f.code, f.severity, f.severity_rank, \
             f.okr_title, f.person_id, f.message, f.fix, f.evaluated_at, \
             CAST(NULL AS TEXT) AS person_name, CAST(0 AS BIGINT) AS owned \
             FROM health_findings f CROSS JOIN objectives o {} \
             ORDER BY f.severity_rank, f.code, f.okr_title, f.okr_id LIMIT {take}",
            w.sql()
        );
        let mut stored = vec![];
        for r in self.db.fetch_all(&sql, w.args).await? {
            stored.push((r.int("severity_rank")?, finding_from(&r)?));
        }
        // The overload run from its start, from after the cursor's overload, or not at all
        // (another pitfall asked for, or a cursor past the run).
        let run_after = match &after {
            None => Some(None),
            Some(After::Overload { owned, person }) => Some(Some((*owned, person.as_str()))),
            Some(a) => a.before_overloads().then_some(None),
        };
        let overloads: Vec<(i64, StoredFinding)> = match run_after {
            Some(run_after) if q.code.as_deref().is_none_or(|c| c == OWNER_OVERLOAD) => self
                .overload_run(q, run_after, take)
                .await?
                .into_iter()
                .map(|f| (1, f))
                .collect(),
            _ => vec![],
        };
        // Merged: the overloads form one run (their pitfall is never stored), placed by
        // severity and pitfall.
        let mut out = Vec::with_capacity(stored.len() + overloads.len());
        let mut overloads = overloads.into_iter().peekable();
        for (rank, f) in stored {
            while overloads.peek().is_some() && (1, OWNER_OVERLOAD) < (rank, f.code.as_str()) {
                out.extend(overloads.next());
            }
            out.push((rank, f));
        }
        out.extend(overloads);
        Ok(out.into_iter().skip(skip as usize).take(want).collect())
    }
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
        if let Some(at) = self.health_counted_at(query).await? {
            return self.stored_counts(query, at).await;
        }
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
        if self.health_counted_at(query).await?.is_some() {
            let rows = self.stored_walk(query, None, offset, clamp(limit)).await?;
            return Ok(rows.into_iter().map(|(_, f)| f).collect());
        }
        let mut w = Where::default();
        let with = findings_cte(&mut w, query);
        if let Some(code) = &query.code {
            let c = w.arg(code.as_str());
            w.add(format!("code = {c}"));
        }
        let sql = format!(
            "{with}SELECT {FINDING_COLS} FROM hf {} ORDER BY {LIVE_ORDER} LIMIT {} OFFSET {offset}",
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
        if self.health_counted_at(query).await?.is_some() {
            let rows = self.stored_walk(query, after, 0, limit + 1).await?;
            let mut keys = vec![];
            let mut items = vec![];
            for (rank, f) in rows {
                keys.push(rank);
                items.push(f);
            }
            let mut page = paginate(items, limit, |_| String::new());
            if page.next_cursor.is_some() {
                if let (Some(f), Some(rank)) = (page.items.last(), keys.get(limit - 1)) {
                    page.next_cursor = Some(cursor_after(*rank, f));
                }
            }
            return Ok(page);
        }
        let mut w = Where::default();
        let with = findings_cte(&mut w, query);
        if let Some(code) = &query.code {
            let c = w.arg(code.as_str());
            w.add(format!("code = {c}"));
        }
        if let Some(after) = &after {
            let a = after_sql(&mut w, after, "", true);
            w.add(a);
        }
        let sql = format!(
            "{with}SELECT {FINDING_COLS} FROM hf {} ORDER BY {LIVE_ORDER} LIMIT {}",
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

    async fn count_health_findings(&self, at: Timestamp) -> StoreResult<()> {
        let rows = self
            .db
            .fetch_all_spilling(
                &format!(
                    "SELECT o.cycle_id AS cycle_id, o.visibility AS visibility, f.code AS code, \
                     f.severity AS severity, COUNT(*) AS n, MAX(f.evaluated_at) AS at \
                     FROM health_findings f JOIN objectives o ON o.id = f.objective_id \
                     WHERE o.deleted_at IS NULL AND f.code <> '{OWNER_OVERLOAD}' AND {ALIVE} \
                     GROUP BY o.cycle_id, o.visibility, f.code, f.severity"
                ),
                vec![],
            )
            .await?;
        let mut tx = self.begin().await?;
        tx.execute("DELETE FROM health_finding_counts", vec![])
            .await?;
        tx.execute("DELETE FROM health_count_rounds", vec![])
            .await?;
        tx.execute(
            "INSERT INTO health_count_rounds (cycle_id, counted_at) SELECT id, $1 FROM cycles",
            vec![Arg::from(ts(&at))],
        )
        .await?;
        let mut values = vec![];
        for r in &rows {
            values.push(vec![
                Arg::from(r.text("cycle_id")?),
                Arg::from(r.text("visibility")?),
                Arg::from(r.text("code")?),
                Arg::from(r.text("severity")?),
                Arg::from(r.int("n")?),
                Arg::from(r.opt_int("at")?.unwrap_or_else(|| ts(&at))),
            ]);
        }
        insert_rows(
            &mut tx,
            30_000,
            HEALTH_FINDING_COUNT.name,
            HEALTH_FINDING_COUNT.columns,
            values,
        )
        .await?;
        tx.commit().await
    }
}
