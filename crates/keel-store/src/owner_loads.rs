//! The ownership map's loads read from the evaluator's stored counts (`participation_counts`) a
//! page at a time: at 100,000 people, sorting every person's counts on each request (with
//! window totals over all of them) took most of a second in SQLite alone. So the people come
//! most owned first, walked from the index on what each person owns
//! (`participation_counts_owned_idx`) and stopped at the page's end (people of equal load then
//! by name: the ties of the page's loads are read whole and sorted), and the totals are the
//! round's own count of the map's people by what they own (`participation_totals.involved`).
//!
//! A reader who does not see every OKR takes the stored counts at the widest reach they see
//! whole plus the narrower OKRs they may see, counted now (`lv`: few, a person's team and
//! private OKRs): the people `lv` touches are read whole (stored plus live) and merged into the
//! walk of everyone else's stored counts, which need nothing added; the totals take those
//! people's stored rows out and put their whole loads back.

use crate::participation::{
    owner_load_from, reach_seen_whole, visible_okrs, OwnerLoads, EVERY_OKR, TAKES,
};
use crate::sql::*;
use crate::*;

/// How many objectives and key results a person owns in a stored row (`s`): the expression
/// the index holds.
const OWNED: &str = "s.owned_objectives + s.owned_key_results";

/// A stored row (`s`) of someone involved in the cycle: a row may count only check-ins, and
/// someone who only checks in carries no load.
const INVOLVED: &str = "(s.owned_objectives + s.owned_key_results > 0 \
     OR s.co_owned + s.sponsored + s.contributed > 0)";

/// A load above every load (no upper bound).
const UNBOUNDED: i64 = i64::MAX;

/// A row of `lw` (someone the reader's narrower OKRs touch) of someone involved.
const LW_INVOLVED: &str = "lw.oo + lw.ko + lw.co + lw.sp + lw.ct > 0";

/// The evaluator's count of the ownership map's people of a cycle (`$1`) at each reach, by
/// what they own (`reach`, `owned`, `n`): stored beside the participation totals
/// (`participation_totals.involved`), so the map's totals are a sum of a few rows rather than a
/// count of every stored row (0.11 s on PostgreSQL at 100,000 people, which cannot count the
/// expression index alone).
pub(crate) fn involved_by_owned() -> String {
    format!(
        "SELECT s.reach AS reach, {OWNED} AS owned, COUNT(*) AS n FROM participation_counts s \
         WHERE s.cycle_id = $1 AND {INVOLVED} GROUP BY s.reach, {OWNED}"
    )
}

/// A read of the stored loads: its `WITH` clause, `lv(person_id, oo, ko, co, sp, ct)`, what
/// the reader's narrower OKRs add (counted now; empty for an administrator), and
/// `lw(person_id, oo, ko, co, sp, ct)`, the whole load of each person `lv` touches; with
/// predicates on the stored rows (`s`) and totals (`t`) of the cycle at the reach read.
struct StoredLoads {
    with: String,
    /// The stored rows of everyone `lv` does not touch, whose stored row is their load.
    untouched: String,
    /// The stored rows of those `lv` touches (their load is `lw`'s).
    touched: String,
    /// The stored totals (`participation_totals t`) at the reach read.
    totals: String,
}

fn stored_loads(w: &mut Where, q: &ParticipationQuery) -> StoredLoads {
    let whole = reach_seen_whole(&q.reader);
    let mut ctes = vec![];
    if whole < EVERY_OKR {
        let with = visible_okrs(w, q, true);
        ctes.push(with.trim_start_matches("WITH ").trim_end().to_string());
        ctes.push(TAKES.to_string());
        ctes.push(
            "lv(person_id, oo, ko, co, sp, ct) AS (SELECT person_id, SUM(oo), SUM(ko), \
             SUM(co), SUM(sp), SUM(ct) FROM takes GROUP BY person_id)"
                .to_string(),
        );
    } else {
        ctes.push(
            "lv(person_id, oo, ko, co, sp, ct) AS (SELECT CAST(NULL AS TEXT), 0, 0, 0, 0, 0 \
             WHERE 1 = 0)"
                .to_string(),
        );
    }
    let cycle = w.arg(q.cycle_id.as_str());
    let reach = w.arg(whole);
    // PostgreSQL sums BIGINTs as NUMERIC: cast back.
    let add = |c: &str, stored: &str| format!("CAST(lv.{c} + COALESCE(s.{stored}, 0) AS BIGINT)");
    ctes.push(format!(
        "lw(person_id, oo, ko, co, sp, ct) AS (SELECT lv.person_id, {}, {}, {}, {}, {} FROM lv \
         LEFT JOIN participation_counts s ON s.cycle_id = {cycle} AND s.reach = {reach} \
         AND s.person_id = lv.person_id)",
        add("oo", "owned_objectives"),
        add("ko", "owned_key_results"),
        add("co", "co_owned"),
        add("sp", "sponsored"),
        add("ct", "contributed"),
    ));
    let at = format!("s.cycle_id = {cycle} AND s.reach = {reach}");
    StoredLoads {
        with: format!("WITH {} ", ctes.join(", ")),
        untouched: format!("{at} AND s.person_id NOT IN (SELECT person_id FROM lv)"),
        touched: format!("{at} AND s.person_id IN (SELECT person_id FROM lv)"),
        totals: format!("t.cycle_id = {cycle} AND t.reach = {reach}"),
    }
}

/// The ownership map's people `limit` from `offset` and its totals, from the stored counts:
/// two queries, the totals summing the evaluator's few stored totals, the page walking the
/// index on what each person owns.
pub(crate) async fn stored(
    db: &crate::db::Db,
    q: &ParticipationQuery,
    offset: u64,
    limit: u32,
) -> StoreResult<OwnerLoads> {
    let mut out = OwnerLoads::default();
    let mut w = Where::default();
    let StoredLoads {
        with,
        touched,
        totals,
        ..
    } = stored_loads(&mut w, q);
    let over = w.arg(i64::from(q.overload));
    // The stored totals, less the stored rows of those the reader's narrower OKRs touch, plus
    // their whole loads (`lw`). PostgreSQL sums BIGINTs as NUMERIC: cast back.
    let sql = format!(
        "{with}SELECT \
           CAST((SELECT COALESCE(SUM(t.involved), 0) FROM participation_totals t WHERE {totals}) \
             - (SELECT COUNT(*) FROM participation_counts s WHERE {touched} AND {INVOLVED}) \
             + (SELECT COUNT(*) FROM lw WHERE {LW_INVOLVED}) AS BIGINT) AS people, \
           CAST((SELECT COALESCE(SUM(t.involved), 0) FROM participation_totals t \
               WHERE {totals} AND t.owned > {over}) \
             - (SELECT COUNT(*) FROM participation_counts s WHERE {touched} AND {OWNED} > {over}) \
             + (SELECT COUNT(*) FROM lw WHERE lw.oo + lw.ko > {over}) AS BIGINT) AS overloaded"
    );
    if let Some(r) = db.fetch_optional(&sql, w.args).await? {
        out.people = r.int("people")?;
        out.overloaded = r.int("overloaded")?;
    }
    let mut w = Where::default();
    let StoredLoads {
        with,
        untouched: stored,
        ..
    } = stored_loads(&mut w, q);
    let take = offset.saturating_add(u64::from(limit));
    // People of equal load come by name, so a page is read by the loads it spans rather than by
    // position: the index is walked to the page's end (`walk`, numbered), `edge` keeps the
    // lowest load it reaches (none when it ran out first) and the highest load the page can
    // start at: at least `before` stored rows come before the page (all but the people `lw`
    // holds), so the page starts at most at the load of the last of them (none when there is
    // no such row: an `lw` person above every stored load may open the first page),
    // then every stored row between the two loads (the ties of the page's loads, whatever their
    // ids) and `lw`'s are sorted by load and name, numbered after the people above the page
    // (`above`), and the page cut from them.
    let sql = format!(
        "{with}, walk0(owned) AS (SELECT {OWNED} FROM participation_counts s \
           WHERE {stored} AND {INVOLVED} ORDER BY {OWNED} DESC, s.person_id LIMIT {take}), \
         walk(rn, owned) AS (SELECT ROW_NUMBER() OVER (ORDER BY owned DESC), owned FROM walk0), \
         before(n) AS (SELECT {offset} - (SELECT COUNT(*) FROM lw WHERE {LW_INVOLVED})), \
         edge(lo, hi) AS (SELECT CASE WHEN COUNT(*) < {take} THEN -1 ELSE MIN(owned) END, \
           CASE WHEN (SELECT n FROM before) < 1 THEN {UNBOUNDED} \
             ELSE COALESCE(MAX(CASE WHEN rn >= (SELECT n FROM before) THEN owned END), \
               {UNBOUNDED}) END FROM walk), \
         pg(person_id, oo, ko, co, sp, ct) AS ( \
           SELECT s.person_id, s.owned_objectives, s.owned_key_results, s.co_owned, \
             s.sponsored, s.contributed FROM participation_counts s \
             WHERE {stored} AND {INVOLVED} AND {OWNED} >= (SELECT lo FROM edge) \
             AND {OWNED} <= (SELECT hi FROM edge) \
           UNION ALL SELECT person_id, oo, ko, co, sp, ct FROM lw WHERE {LW_INVOLVED} \
             AND lw.oo + lw.ko >= (SELECT lo FROM edge) AND lw.oo + lw.ko <= (SELECT hi FROM edge)), \
         above(n) AS (SELECT (SELECT COUNT(*) FROM participation_counts s \
             WHERE {stored} AND {OWNED} > (SELECT hi FROM edge)) \
           + (SELECT COUNT(*) FROM lw WHERE {LW_INVOLVED} AND lw.oo + lw.ko > (SELECT hi FROM edge))), \
         pq AS (SELECT p.id, p.name, p.title, pg.oo, pg.ko, pg.co, pg.sp, pg.ct, \
           ROW_NUMBER() OVER (ORDER BY pg.oo + pg.ko DESC, p.name, p.id) + (SELECT n FROM above) AS pos \
           FROM pg JOIN people p ON p.id = pg.person_id) \
         SELECT id, name, title, oo, ko, co, sp, ct FROM pq \
         WHERE pos > {offset} AND pos <= {take} ORDER BY pos"
    );
    for r in db.fetch_all(&sql, w.args).await? {
        out.rows.push(owner_load_from(&r)?);
    }
    Ok(out)
}
