//! The participation report's totals over the whole organisation as the evaluator last counted
//! them (`participation_totals`). At 100,000 people the totals (every active person joined to
//! their stored counts, `participation_counts`) took about 0.3 s a request, paid by the report,
//! its API and the health page's "people without OKRs". So each round also counts, at each
//! reach, how many active people own each number of objectives and key results and, of them,
//! how many own, co-own and contribute to nothing, own a key result under way, and gave no
//! check-in (the live totals' own SQL over the stored counts, `totals_by_owned`), and a reader's
//! totals are a sum of those few rows; the overloaded are the rows owning more than the reader's
//! threshold, so the threshold may change between rounds.
//!
//! A reader who does not see every OKR takes the rows at the widest reach they see whole and
//! corrects them for the few people the narrower OKRs they may see touch (counted now, `pl`, as
//! the report's lines are): each such person is taken out as the stored counts have them and
//! put back with those OKRs added. Only the organisation-wide totals are stored; a team's or a
//! team lead's people are few enough to be counted from each person's stored counts. Who is
//! active is as of the round, like the counts (the report says when it counted).

use crate::db::{Arg, Tx};
use crate::participation::{
    gap_sql, people_counted, reach_seen_whole, reader_part, totals_by_owned, ParticipationGap,
    ParticipationQuery, ParticipationSummary, EVERY_OKR, FIGURES, KEY_RESULT_OWNER,
};
use crate::sql::table::Table;
use crate::sql::*;
use crate::*;

/// The `participation_totals` table: the active people of a cycle at a reach who own `owned`
/// objectives and key results, and how many of them have each gap; and everyone, active or not,
/// who owns that many and takes some part in the cycle (`involved`: the ownership map's people).
pub(crate) const PARTICIPATION_TOTAL: Table = Table {
    name: "participation_totals",
    columns: &[
        "cycle_id",
        "reach",
        "owned",
        "people",
        "without_okrs",
        "key_result_owners",
        "without_check_in",
        "involved",
    ],
    not_selected: &[],
    later: &[],
};

/// Whether `q`'s totals are read from the stored ones: the cycle is counted and the query
/// covers everyone (no team, no team lead's reach).
pub(crate) fn stored_for(q: &ParticipationQuery) -> bool {
    q.counted_at.is_some() && q.team_id.is_none() && q.led_by.is_none()
}

/// The rows to store for `cycle`, counted from its stored per-person counts (just written):
/// one query per reach, and one for the ownership map's people at every reach.
pub(crate) async fn count(db: &crate::db::Db, cycle: &CycleId) -> StoreResult<Vec<Vec<Arg>>> {
    let everyone = ParticipationQuery {
        reader: Reader::Everyone,
        cycle_id: cycle.clone(),
        team_id: None,
        led_by: None,
        gap: None,
        overload: 0,
        counted_at: None,
    };
    // (reach, owned) → people, without OKRs, key result owners, without a check-in, involved.
    let mut totals: std::collections::BTreeMap<(i64, i64), [i64; 5]> = Default::default();
    for reach in 0..=EVERY_OKR {
        let mut w = Where::default();
        let with = people_counted(&mut w, &everyone, Some(reach), false);
        let sql = format!("{with}{}", totals_by_owned(&mut w));
        for r in db.fetch_all(&sql, w.args).await? {
            let t = totals.entry((reach, r.int("owned")?)).or_default();
            t[0] = r.int("people")?;
            t[1] = r.int("without_okrs")?;
            t[2] = r.int("owners")?;
            t[3] = r.int("without_check_in")?;
        }
    }
    for r in db
        .fetch_all(
            &crate::owner_loads::involved_by_owned(),
            vec![Arg::from(cycle.as_str())],
        )
        .await?
    {
        totals
            .entry((r.int("reach")?, r.int("owned")?))
            .or_default()[4] = r.int("n")?;
    }
    Ok(totals
        .into_iter()
        .map(|((reach, owned), t)| {
            let mut row = vec![
                Arg::from(cycle.as_str()),
                Arg::from(reach),
                Arg::from(owned),
            ];
            row.extend(t.into_iter().map(Arg::from));
            row
        })
        .collect())
}

/// Replaces the stored totals of `cycle` with `rows` (in `tx`, beside the round's record).
pub(crate) async fn replace(tx: &mut Tx, cycle: &CycleId, rows: Vec<Vec<Arg>>) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM participation_totals WHERE cycle_id = $1",
        vec![Arg::from(cycle.as_str())],
    )
    .await?;
    insert_rows(
        tx,
        30_000,
        PARTICIPATION_TOTAL.name,
        PARTICIPATION_TOTAL.columns,
        rows,
    )
    .await
}

/// The reader's part, as rows of `parts(oo, ko, people, none, owners, silent)` to add to the
/// stored ones: each person the narrower OKRs touch, taken out as stored (`-1`) and put back
/// with them (`1`). `None` for a reader who sees every OKR whole.
fn correction(w: &mut Where, q: &ParticipationQuery, whole: i64) -> Option<(Vec<String>, String)> {
    if whole == EVERY_OKR {
        return None;
    }
    let mut ctes = reader_part(w, q, true);
    let (c, r, active) = (w.arg(q.cycle_id.as_str()), w.arg(whole), w.arg(true));
    let side = |sign: i64| {
        let figures: Vec<String> = FIGURES
            .iter()
            .map(|(c, s)| {
                let stored = format!("COALESCE(s.{s}, 0)");
                if sign < 0 {
                    stored
                } else {
                    format!("{stored} + pl.{c}")
                }
            })
            .collect();
        format!(
            "SELECT {sign}, {} FROM pl JOIN people p ON p.id = pl.person_id \
             LEFT JOIN participation_counts s ON s.cycle_id = {c} AND s.reach = {r} \
             AND s.person_id = pl.person_id WHERE p.active = {active}",
            figures.join(", ")
        )
    };
    ctes.push(format!(
        "adj(sign, oo, ko, kd, co, ct, ci) AS ({} UNION ALL {})",
        side(-1),
        side(1)
    ));
    let none = gap_sql(w, ParticipationGap::WithoutOkrs, 0);
    let silent = gap_sql(w, ParticipationGap::WithoutCheckIn, 0);
    let signed = |p: &str| format!("pp.sign * CASE WHEN {p} THEN 1 ELSE 0 END");
    let parts = format!(
        "SELECT pp.oo, pp.ko, pp.sign, {}, {}, {} FROM adj pp",
        signed(&none),
        signed(KEY_RESULT_OWNER),
        signed(&silent)
    );
    Some((ctes, parts))
}

/// The totals of `q` (which `stored_for`) from the stored rows and the reader's part: one query.
pub(crate) async fn read(
    db: &crate::db::Db,
    q: &ParticipationQuery,
) -> StoreResult<ParticipationSummary> {
    let mut w = Where::default();
    let whole = reach_seen_whole(&q.reader);
    let (c, r) = (w.arg(q.cycle_id.as_str()), w.arg(whole));
    let mut parts = format!(
        "SELECT owned, CAST(0 AS BIGINT), people, without_okrs, key_result_owners, \
         without_check_in FROM participation_totals WHERE cycle_id = {c} AND reach = {r}"
    );
    let mut ctes = vec![];
    if let Some((live, more)) = correction(&mut w, q, whole) {
        ctes.extend(live);
        parts.push_str(&format!(" UNION ALL {more}"));
    }
    ctes.push(format!(
        "parts(oo, ko, people, none, owners, silent) AS ({parts})"
    ));
    // The overloaded by the reader's threshold, over each row's owned count (`oo`).
    let over = gap_sql(&mut w, ParticipationGap::Overloaded, q.overload);
    // PostgreSQL sums BIGINTs as NUMERIC: cast back.
    let sum = |e: &str| format!("CAST(COALESCE(SUM({e}), 0) AS BIGINT)");
    let sql = format!(
        "WITH {} SELECT {} AS people, {} AS without_okrs, {} AS owners, \
         {} AS without_check_in, {} AS overloaded FROM parts pp",
        ctes.join(", "),
        sum("pp.people"),
        sum("pp.none"),
        sum("pp.owners"),
        sum("pp.silent"),
        sum(&format!("CASE WHEN {over} THEN pp.people ELSE 0 END")),
    );
    let row = db.fetch_optional(&sql, w.args).await?;
    Ok(match row {
        Some(r) => ParticipationSummary {
            people: r.int("people")?,
            without_okrs: r.int("without_okrs")?,
            key_result_owners: r.int("owners")?,
            without_check_in: r.int("without_check_in")?,
            overloaded: r.int("overloaded")?,
        },
        None => ParticipationSummary::default(),
    })
}
