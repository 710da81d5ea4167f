//! Participation in a cycle, person by person, counted by the database: what each active person
//! owns, co-owns and contributes to, and how many check-ins they gave. HR's participation report
//! and the health check's "people without OKRs" read it; at 100,000 people the counting has to
//! happen in SQL (one query per page, one for the summary), never by loading every OKR.
//!
//! Only OKRs the reader may see count (the one visibility predicate, `sql::visibility`): a
//! private OKR never turns someone into a participant for a reader outside it.
//!
//! Counting the whole cycle on each request is too slow at 100,000 people, so the hourly
//! evaluator counts it (`count_participation`, a slice of people at a time through the
//! person indexes) and stores each person's counts by how widely the OKRs are shown
//! (`participation_counts`, migration 30). A reader's figures are the stored counts at the
//! widest reach they see whole plus, counted live, the narrower OKRs they may see (few: a
//! person's team and private OKRs); a cycle not yet counted is counted live entirely.

use crate::db::{Arg, Row};
use crate::sql::table::{Insert, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use std::collections::HashMap;

/// The `participation_counts` table: each person's counts in a cycle at a reach.
pub(crate) const PARTICIPATION_COUNT: Table = Table {
    name: "participation_counts",
    columns: &[
        "cycle_id",
        "reach",
        "person_id",
        "owned_objectives",
        "owned_key_results",
        "owned_key_results_under_way",
        "co_owned",
        "contributed",
        "check_ins",
        "sponsored",
    ],
    not_selected: &[],
    later: &[],
};

/// The `figure_rounds` table: when each kind of stored figures of a cycle was last counted.
pub(crate) const FIGURE_ROUND: Table = Table {
    name: "figure_rounds",
    columns: &["kind", "cycle_id", "counted_at"],
    not_selected: &[],
    later: &[],
};

/// When the figures of `kind` (`participation`, `company`) of `cycle` were last counted.
pub(crate) async fn counted_at(
    db: &crate::db::Db,
    kind: &str,
    cycle: &CycleId,
) -> StoreResult<Option<Timestamp>> {
    let row = db
        .fetch_optional(
            "SELECT counted_at FROM figure_rounds WHERE kind = $1 AND cycle_id = $2",
            vec![Arg::from(kind), Arg::from(cycle.as_str())],
        )
        .await?;
    row.map(|r| to_ts("counted_at", r.int("counted_at")?))
        .transpose()
}

/// Records that the figures of `kind` of `cycle` were counted at `at` (in `tx`).
pub(crate) async fn record_round(
    tx: &mut crate::db::Tx,
    kind: &str,
    cycle: &CycleId,
    at: &Timestamp,
) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM figure_rounds WHERE kind = $1 AND cycle_id = $2",
        vec![Arg::from(kind), Arg::from(cycle.as_str())],
    )
    .await?;
    tx.execute(
        &Insert(&FIGURE_ROUND).to_string(),
        vec![
            Arg::from(kind),
            Arg::from(cycle.as_str()),
            Arg::from(ts(at)),
        ],
    )
    .await?;
    Ok(())
}

/// How many people one slice of the evaluator's count covers (their counts are in memory at
/// once).
const COUNT_SLICE: u32 = 2_000;

/// The widest reach stored: every OKR, whatever its visibility.
pub(crate) const EVERY_OKR: i64 = 2;

/// An objective's visibility as a reach (`o` its alias): public 0, team 1, private 2.
pub(crate) fn reach_of(o: &str) -> String {
    format!(
        "CAST(CASE {o}.visibility WHEN 'public' THEN 0 WHEN 'team' THEN 1 ELSE 2 END AS BIGINT)"
    )
}

/// The widest reach `reader` sees whole: every OKR (administrators), every public and team OKR
/// (those who see every team), or the public ones.
pub(crate) fn reach_seen_whole(reader: &Reader) -> i64 {
    match reader {
        Reader::Everyone => EVERY_OKR,
        Reader::Audience(a) if a.teams == TeamScope::All => 1,
        Reader::Audience(_) => 0,
    }
}

/// A gap in participation to list people by (`None` in a query: everyone in scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipationGap {
    /// They own, co-own and contribute to nothing in the cycle.
    WithoutOkrs,
    /// They own a key result under way in the cycle (accepted, its objective no longer a
    /// draft: check-ins are expected) and gave no check-in on any of its key results.
    WithoutCheckIn,
    /// They own more objectives and key results than the query's `overload`.
    Overloaded,
}

/// Whose participation, in which cycle, read with whose eyes.
#[derive(Debug, Clone)]
pub struct ParticipationQuery {
    /// Only OKRs this reader may see count.
    pub reader: Reader,
    pub cycle_id: CycleId,
    /// Only members of this team or of a team below it.
    pub team_id: Option<TeamId>,
    /// Only members of the teams this person leads or of a team below them (a team lead's
    /// reach).
    pub led_by: Option<PersonId>,
    /// Only people with this gap.
    pub gap: Option<ParticipationGap>,
    /// The owner overload threshold: more owned OKRs than this is overloaded.
    pub overload: u32,
    /// When the evaluator last counted the cycle (`participation_counted_at`): its stored
    /// counts are read, with the reader's narrower OKRs counted live. `None`: everything is
    /// counted live (a cycle not counted yet).
    pub counted_at: Option<Timestamp>,
}

/// One active person's part in the cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonParticipation {
    pub person_id: PersonId,
    pub name: String,
    /// Their job title.
    pub title: String,
    pub owned_objectives: i64,
    pub owned_key_results: i64,
    /// Of those, the key results under way: accepted, their objective no longer a draft (check-ins
    /// are expected of them).
    pub owned_key_results_under_way: i64,
    /// Objectives and key results they co-own.
    pub co_owned: i64,
    /// Objectives and key results they contribute to.
    pub contributed: i64,
    /// Standing check-ins they gave on the cycle's key results.
    pub check_ins: i64,
}

/// The totals over everyone a query covers (its `gap` aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParticipationSummary {
    pub people: i64,
    pub without_okrs: i64,
    /// People owning at least one key result under way.
    pub key_result_owners: i64,
    pub without_check_in: i64,
    pub overloaded: i64,
}

/// One person's load in a cycle, for the ownership map: what they own, co-own, sponsor and
/// contribute to among the OKRs the reader may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerLoad {
    pub person_id: PersonId,
    pub name: String,
    /// Their job title.
    pub title: String,
    pub owned_objectives: i64,
    pub owned_key_results: i64,
    pub co_owned: i64,
    pub sponsored: i64,
    pub contributed: i64,
}

/// A page of the ownership map's people, with the totals over all of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OwnerLoads {
    pub rows: Vec<OwnerLoad>,
    /// Everyone involved in the cycle (owning, co-owning, sponsoring or contributing).
    pub people: i64,
    /// Of those, how many own more than the query's `overload`.
    pub overloaded: i64,
}

/// Participation, counted in the database.
#[async_trait]
pub trait Participation: Send + Sync {
    /// The people of `query`, by name then id, a page at a time: one query per page. The
    /// cursor is a `next_cursor` (after a person) or `o:N` (after the first N people).
    async fn participation(
        &self,
        query: &ParticipationQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<PersonParticipation>>;

    /// A page of `query` (as `participation`) with the totals over everyone it covers (as
    /// `participation_summary`): one query, the people in scope counted once for both; two
    /// when the totals are the evaluator's (the organisation's, once counted).
    async fn participation_page(
        &self,
        query: &ParticipationQuery,
        page: &PageRequest,
    ) -> StoreResult<(Page<PersonParticipation>, ParticipationSummary)>;

    /// The totals of `query` over everyone it covers (`gap` is ignored): one query. Once the
    /// cycle is counted, the organisation's totals are the evaluator's stored ones
    /// (`participation_totals`) plus the reader's narrower OKRs, counted now.
    async fn participation_summary(
        &self,
        query: &ParticipationQuery,
    ) -> StoreResult<ParticipationSummary>;

    /// The ownership map: everyone (active or not) who owns, co-owns, sponsors or contributes
    /// to an OKR of the cycle that the reader may see, most owned first, then by name and id;
    /// `limit` of them from `offset`, with the totals over all of them. Two
    /// queries once the cycle is counted (one before). The query's `team_id`, `led_by` and
    /// `gap` are ignored.
    async fn owner_loads(
        &self,
        query: &ParticipationQuery,
        offset: u64,
        limit: u32,
    ) -> StoreResult<OwnerLoads>;

    /// When the evaluator last counted the participation of `cycle` (`None`: never): one query.
    async fn participation_counted_at(&self, cycle: &CycleId) -> StoreResult<Option<Timestamp>>;

    /// Counts everyone's participation in `cycle` at each reach, as the live count does, and
    /// stores the counts that changed, `COUNT_SLICE` people at a time (a short write per
    /// slice); then stores the organisation's totals at each reach and records the round at
    /// `at`. Returns how many stored rows changed.
    async fn count_participation(&self, cycle: &CycleId, at: Timestamp) -> StoreResult<u64>;

    /// What `people` own among the cycle's OKRs the reader may see (the ownership map's rows,
    /// read for a page of people): for each person, the first `each` objectives they own and
    /// the first `each` key results they own (by id). One query.
    async fn okrs_owned_by(
        &self,
        query: &ParticipationQuery,
        people: &[PersonId],
        each: u32,
    ) -> StoreResult<(Vec<ObjectiveId>, Vec<KeyResultId>)>;
}

#[async_trait]
impl Participation for dyn Store {
    async fn participation(
        &self,
        query: &ParticipationQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<PersonParticipation>> {
        self.as_participation().participation(query, page).await
    }
    async fn participation_page(
        &self,
        query: &ParticipationQuery,
        page: &PageRequest,
    ) -> StoreResult<(Page<PersonParticipation>, ParticipationSummary)> {
        self.as_participation()
            .participation_page(query, page)
            .await
    }
    async fn participation_summary(
        &self,
        query: &ParticipationQuery,
    ) -> StoreResult<ParticipationSummary> {
        self.as_participation().participation_summary(query).await
    }
    async fn owner_loads(
        &self,
        query: &ParticipationQuery,
        offset: u64,
        limit: u32,
    ) -> StoreResult<OwnerLoads> {
        self.as_participation()
            .owner_loads(query, offset, limit)
            .await
    }
    async fn participation_counted_at(&self, cycle: &CycleId) -> StoreResult<Option<Timestamp>> {
        self.as_participation()
            .participation_counted_at(cycle)
            .await
    }
    async fn count_participation(&self, cycle: &CycleId, at: Timestamp) -> StoreResult<u64> {
        self.as_participation().count_participation(cycle, at).await
    }
    async fn okrs_owned_by(
        &self,
        query: &ParticipationQuery,
        people: &[PersonId],
        each: u32,
    ) -> StoreResult<(Vec<ObjectiveId>, Vec<KeyResultId>)> {
        self.as_participation()
            .okrs_owned_by(query, people, each)
            .await
    }
}

/// The `WITH` clause defining `vo` (the cycle's objectives the reader may see: id, owner,
/// sponsor) and `vk` (their key results). `live_part`: only those the stored counts leave out
/// for the reader (`live_part_sql`, found from their ties; none for an administrator).
pub(crate) fn visible_okrs(w: &mut Where, q: &ParticipationQuery, live_part: bool) -> String {
    let cycle = w.arg(q.cycle_id.as_str());
    let (in_cycle, which) = if live_part {
        let which = live_part_sql(w, &q.reader, "o").unwrap_or_else(|| "1 = 0".into());
        (
            format!("o.cycle_id || '' = {cycle}"),
            format!(" AND {which}"),
        )
    } else {
        let visible = match &q.reader {
            Reader::Everyone => String::new(),
            Reader::Audience(a) => format!(" AND {}", visible_sql(w, a, "o")),
        };
        (format!("o.cycle_id = {cycle}"), visible)
    };
    format!(
        "WITH vo(id, owner_id, sponsor_id) AS (SELECT o.id, o.owner_id, o.sponsor_id \
         FROM objectives o WHERE o.deleted_at IS NULL AND {in_cycle}{which}), \
         vk(id, objective_id, owner_id, sponsor_id) AS (SELECT k.id, k.objective_id, k.owner_id, k.sponsor_id \
         FROM key_results k JOIN vo ON vo.id = k.objective_id WHERE k.deleted_at IS NULL) "
    )
}

/// The CTEs `vo`, `vk`, `takes` and `pl(person_id, oo, ko, kd, co, ct, ci)`: each person's
/// counts over the cycle's objectives that meet `which` (a predicate on `o`, the objective).
/// `by_id`: `which` names the objectives (the reader's ties), so the cycle's index is left
/// unused (`|| ''`) and the ids are looked up rather than the cycle read.
fn counted_live(cycle: &str, which: &str, by_id: bool) -> Vec<String> {
    let in_cycle = if by_id {
        format!("o.cycle_id || '' = {cycle}")
    } else {
        format!("o.cycle_id = {cycle}")
    };
    vec![
        format!(
            "vo(id, owner_id, state) AS (SELECT o.id, o.owner_id, o.state FROM objectives o \
             WHERE o.deleted_at IS NULL AND {in_cycle}{which})"
        ),
        // Under way (the stored spellings of `ObjectiveState::Draft` and
        // `OwnershipState::Accepted`): nothing is due of a draft or of an owner not yet accepted.
        "vk(id, owner_id, due) AS (SELECT k.id, k.owner_id, \
         CASE WHEN vo.state <> 'draft' AND k.ownership_state = 'accepted' THEN 1 ELSE 0 END \
         FROM key_results k JOIN vo ON vo.id = k.objective_id WHERE k.deleted_at IS NULL)"
            .to_string(),
        "takes(person_id, oo, ko, kd, co, ct, ci) AS ( \
           SELECT owner_id, 1, 0, 0, 0, 0, 0 FROM vo \
           UNION ALL SELECT owner_id, 0, 1, due, 0, 0, 0 FROM vk \
           UNION ALL SELECT person_id, 0, 0, 0, 1, 0, 0 FROM objective_co_owners \
             WHERE objective_id IN (SELECT id FROM vo) \
           UNION ALL SELECT person_id, 0, 0, 0, 1, 0, 0 FROM key_result_co_owners \
             WHERE key_result_id IN (SELECT id FROM vk) \
           UNION ALL SELECT person_id, 0, 0, 0, 0, 1, 0 FROM objective_contributors \
             WHERE objective_id IN (SELECT id FROM vo) \
           UNION ALL SELECT person_id, 0, 0, 0, 0, 1, 0 FROM key_result_contributors \
             WHERE key_result_id IN (SELECT id FROM vk) \
           UNION ALL SELECT author_id, 0, 0, 0, 0, 0, 1 FROM check_ins \
             WHERE retracted IS NULL AND author_id IS NOT NULL \
             AND key_result_id IN (SELECT id FROM vk))"
            .to_string(),
        "pl(person_id, oo, ko, kd, co, ct, ci) AS (SELECT person_id, SUM(oo), SUM(ko), \
         SUM(kd), SUM(co), SUM(ct), SUM(ci) FROM takes GROUP BY person_id)"
            .to_string(),
    ]
}

/// The `WITH` clause defining `pp(id, name, title, oo, ko, kd, co, ct, ci)`: each person in
/// scope with their counts (`kd`: owned key results under way). Once the cycle is counted
/// (`counted_at`), the stored counts at the widest reach the reader sees whole, plus the
/// narrower OKRs the reader may see counted live; before, everything the reader may see, live.
fn people_in_scope(w: &mut Where, q: &ParticipationQuery) -> String {
    let whole = reach_seen_whole(&q.reader);
    let stored = q.counted_at.is_some();
    people_counted(w, q, stored.then_some(whole), !stored || whole < EVERY_OKR)
}

/// The CTEs `vo`, `vk`, `takes` and `pl(person_id, oo, ko, kd, co, ct, ci)` of what is counted
/// live for the reader of `q`: once the cycle is counted (`stored`), only what the stored counts
/// leave out for them, found from their ties (`live_part_sql`, the dashboards' rule); before,
/// everything they may see.
pub(crate) fn reader_part(w: &mut Where, q: &ParticipationQuery, stored: bool) -> Vec<String> {
    let cycle = w.arg(q.cycle_id.as_str());
    let which = if stored {
        live_part_sql(w, &q.reader, "o").map(|p| format!(" AND {p}"))
    } else {
        match &q.reader {
            Reader::Everyone => None,
            Reader::Audience(a) => Some(format!(" AND {}", visible_sql(w, a, "o"))),
        }
    };
    counted_live(&cycle, &which.unwrap_or_default(), stored)
}

/// `pp` (as `people_in_scope`) from the stored counts at the reach `stored` (`None`: none
/// read), adding the reader's part counted live when `live`.
pub(crate) fn people_counted(
    w: &mut Where,
    q: &ParticipationQuery,
    stored: Option<i64>,
    live: bool,
) -> String {
    let cycle = w.arg(q.cycle_id.as_str());
    let mut ctes = vec![];
    if live {
        ctes.extend(reader_part(w, q, stored.is_some()));
    }
    let active = w.arg(true);
    let mut scope = format!("p.active = {active}");
    if let Some(t) = &q.team_id {
        let t = w.arg(t.as_str());
        ctes.push(format!(
            "sub(id) AS (SELECT id FROM teams WHERE id = {t} \
             UNION SELECT t.id FROM teams t JOIN sub ON t.parent_id = sub.id)"
        ));
        scope.push_str(
            " AND p.id IN (SELECT person_id FROM team_members WHERE team_id IN (SELECT id FROM sub))",
        );
    }
    if let Some(lead) = &q.led_by {
        let me = w.arg(lead.as_str());
        // `led_teams` is `WITH RECURSIVE led(lead_id, id) AS (…)`: its definition, as one more
        // CTE.
        let led = led_teams(&me).replacen("WITH RECURSIVE ", "", 1);
        ctes.push(led.trim().to_string());
        scope.push_str(
            " AND p.id IN (SELECT person_id FROM team_members WHERE team_id IN (SELECT id FROM led))",
        );
    }
    let (figures, joins) = if let Some(whole) = stored {
        let whole = w.arg(whole);
        let figures: Vec<String> = FIGURES
            .iter()
            .map(|(c, stored)| {
                let s = format!("COALESCE(s.{stored}, 0)");
                if live {
                    format!("{s} + COALESCE(pl.{c}, 0)")
                } else {
                    s
                }
            })
            .collect();
        let mut joins = format!(
            " LEFT JOIN participation_counts s ON s.cycle_id = {cycle} AND s.reach = {whole} \
             AND s.person_id = p.id"
        );
        if live {
            joins.push_str(" LEFT JOIN pl ON pl.person_id = p.id");
        }
        (figures, joins)
    } else {
        (
            FIGURES
                .iter()
                .map(|(c, _)| format!("COALESCE(pl.{c}, 0)"))
                .collect(),
            " LEFT JOIN pl ON pl.person_id = p.id".to_string(),
        )
    };
    ctes.push(format!(
        "pp(id, name, title, oo, ko, kd, co, ct, ci) AS (SELECT p.id, p.name, p.title, {} \
         FROM people p{joins} WHERE {scope})",
        figures.join(", ")
    ));
    format!("WITH RECURSIVE {} ", ctes.join(", "))
}

/// One slice of the evaluator's count: each person whose id is between `$2` and `$3` and their
/// counts over the cycle `$1`'s OKRs, by the reach of each OKR (`r`), through the person
/// indexes (the same takes as `counted_live`, over every OKR).
fn slice_sql() -> String {
    let r = reach_of("o");
    // The cycle's index left unused (`|| ''`): each arm walks its person index over the slice
    // and looks its OKRs up by id. Walking the cycle instead read every OKR (and every
    // check-in) of the cycle once per slice: minutes at 100,000 people.
    let cycle = "o.deleted_at IS NULL AND o.cycle_id || '' = $1";
    let kr = "k.deleted_at IS NULL";
    format!(
        "WITH takes(person_id, r, oo, ko, kd, co, ct, ci, sp) AS ( \
           SELECT o.owner_id, {r}, 1, 0, 0, 0, 0, 0, 0 FROM objectives o \
             WHERE o.owner_id BETWEEN $2 AND $3 AND {cycle} \
           UNION ALL SELECT k.owner_id, {r}, 0, 1, \
             CASE WHEN o.state <> 'draft' AND k.ownership_state = 'accepted' THEN 1 ELSE 0 END, \
             0, 0, 0, 0 FROM key_results k JOIN objectives o ON o.id = k.objective_id \
             WHERE k.owner_id BETWEEN $2 AND $3 AND {kr} AND {cycle} \
           UNION ALL SELECT c.person_id, {r}, 0, 0, 0, 1, 0, 0, 0 FROM objective_co_owners c \
             JOIN objectives o ON o.id = c.objective_id \
             WHERE c.person_id BETWEEN $2 AND $3 AND {cycle} \
           UNION ALL SELECT c.person_id, {r}, 0, 0, 0, 1, 0, 0, 0 FROM key_result_co_owners c \
             JOIN key_results k ON k.id = c.key_result_id JOIN objectives o ON o.id = k.objective_id \
             WHERE c.person_id BETWEEN $2 AND $3 AND {kr} AND {cycle} \
           UNION ALL SELECT c.person_id, {r}, 0, 0, 0, 0, 1, 0, 0 FROM objective_contributors c \
             JOIN objectives o ON o.id = c.objective_id \
             WHERE c.person_id BETWEEN $2 AND $3 AND {cycle} \
           UNION ALL SELECT c.person_id, {r}, 0, 0, 0, 0, 1, 0, 0 FROM key_result_contributors c \
             JOIN key_results k ON k.id = c.key_result_id JOIN objectives o ON o.id = k.objective_id \
             WHERE c.person_id BETWEEN $2 AND $3 AND {kr} AND {cycle} \
           UNION ALL SELECT c.author_id, {r}, 0, 0, 0, 0, 0, 1, 0 FROM check_ins c \
             JOIN key_results k ON k.id = c.key_result_id JOIN objectives o ON o.id = k.objective_id \
             WHERE c.author_id BETWEEN $2 AND $3 AND c.retracted IS NULL AND {kr} AND {cycle} \
           UNION ALL SELECT o.sponsor_id, {r}, 0, 0, 0, 0, 0, 0, 1 FROM objectives o \
             WHERE o.sponsor_id BETWEEN $2 AND $3 AND {cycle} \
           UNION ALL SELECT k.sponsor_id, {r}, 0, 0, 0, 0, 0, 0, 1 FROM key_results k \
             JOIN objectives o ON o.id = k.objective_id \
             WHERE k.sponsor_id BETWEEN $2 AND $3 AND {kr} AND {cycle}) \
         SELECT person_id, r, SUM(oo) AS oo, SUM(ko) AS ko, SUM(kd) AS kd, SUM(co) AS co, \
           SUM(ct) AS ct, SUM(ci) AS ci, SUM(sp) AS sp FROM takes GROUP BY person_id, r"
    )
}

/// A person's seven counts, in the table's column order.
type Counts = [i64; 7];

/// Each figure of `pp` (and `pl`) with its column in `participation_counts`.
pub(crate) const FIGURES: [(&str, &str); 6] = [
    ("oo", "owned_objectives"),
    ("ko", "owned_key_results"),
    ("kd", "owned_key_results_under_way"),
    ("co", "co_owned"),
    ("ct", "contributed"),
    ("ci", "check_ins"),
];

/// The predicate on `pp` of a gap.
pub(crate) fn gap_sql(w: &mut Where, gap: ParticipationGap, overload: u32) -> String {
    match gap {
        ParticipationGap::WithoutOkrs => "pp.oo + pp.ko + pp.co + pp.ct = 0".into(),
        ParticipationGap::WithoutCheckIn => "pp.kd > 0 AND pp.ci = 0".into(),
        ParticipationGap::Overloaded => {
            format!("pp.oo + pp.ko > {}", w.arg(i64::from(overload)))
        }
    }
}

fn participation_from(r: &Row) -> StoreResult<PersonParticipation> {
    Ok(PersonParticipation {
        person_id: PersonId::from_string(r.text("id")?),
        name: r.text("name")?,
        title: r.text("title")?,
        owned_objectives: r.int("oo")?,
        owned_key_results: r.int("ko")?,
        owned_key_results_under_way: r.int("kd")?,
        co_owned: r.int("co")?,
        contributed: r.int("ct")?,
        check_ins: r.int("ci")?,
    })
}

/// The rest of a page's query over `pp` after `FROM pp`: the gap, where the page starts (after
/// a person, or after the first N people), the order and the limit (one more than the page).
fn page_of_people(
    w: &mut Where,
    query: &ParticipationQuery,
    page: &PageRequest,
) -> StoreResult<String> {
    let limit = clamp(page.limit);
    {
        if let Some(gap) = query.gap {
            let g = gap_sql(w, gap, query.overload);
            w.add(g);
        }
        // `o:N` starts after the first N people (a page by number); `i:ID` after that person.
        let by_number = page.cursor.as_deref().and_then(|c| c.strip_prefix("o:"));
        let offset = match by_number {
            Some(n) => n.parse::<u64>().map_err(|_| StoreError::BadCursor)?,
            None => 0,
        };
        if by_number.is_none() {
            if let Some(after) = id_cursor(page)? {
                let a = w.arg(after);
                w.add(format!(
                    "(pp.name > (SELECT name FROM people WHERE id = {a}) \
                     OR (pp.name = (SELECT name FROM people WHERE id = {a}) AND pp.id > {a}))"
                ));
            }
        }
        // Everyone, with no gap asked: walked by name (`people_name_idx`), stopping at the
        // page's end. A team's people, or a gap (which may leave one person in 100,000), are
        // sorted instead (the index left unused, `|| ''`): walking the index through everyone
        // for a few took longer than sorting them.
        let walk = query.gap.is_none() && query.team_id.is_none() && query.led_by.is_none();
        let by_name = if walk { "pp.name" } else { "pp.name || ''" };
        Ok(format!(
            "{} ORDER BY {by_name}, pp.id LIMIT {} OFFSET {offset}",
            w.sql(),
            limit + 1
        ))
    }
}

/// A key result owner (a predicate on `pp`): they own a key result under way.
pub(crate) const KEY_RESULT_OWNER: &str = "pp.kd > 0";

/// How many rows of `pp` meet `p`.
fn count_of(p: &str) -> String {
    format!("COALESCE(SUM(CASE WHEN {p} THEN 1 ELSE 0 END), 0)")
}

/// The totals' `SELECT` over `pp` (one row).
fn summary_select(w: &mut Where, query: &ParticipationQuery) -> String {
    let none = gap_sql(w, ParticipationGap::WithoutOkrs, query.overload);
    let silent = gap_sql(w, ParticipationGap::WithoutCheckIn, query.overload);
    let over = gap_sql(w, ParticipationGap::Overloaded, query.overload);
    format!(
        "SELECT COUNT(*) AS people, {} AS without_okrs, {} AS owners, \
         {} AS without_check_in, {} AS overloaded FROM pp",
        count_of(&none),
        count_of(KEY_RESULT_OWNER),
        count_of(&silent),
        count_of(&over),
    )
}

/// The totals of `pp` by how many objectives and key results each person owns (`owned`): what
/// the evaluator stores (`participation_totals`), the overloaded left to the reader's threshold.
pub(crate) fn totals_by_owned(w: &mut Where) -> String {
    let none = gap_sql(w, ParticipationGap::WithoutOkrs, 0);
    let silent = gap_sql(w, ParticipationGap::WithoutCheckIn, 0);
    format!(
        "SELECT pp.oo + pp.ko AS owned, COUNT(*) AS people, {} AS without_okrs, \
         {} AS owners, {} AS without_check_in FROM pp GROUP BY pp.oo + pp.ko",
        count_of(&none),
        count_of(KEY_RESULT_OWNER),
        count_of(&silent),
    )
}

fn summary_from(r: &Row) -> StoreResult<ParticipationSummary> {
    Ok(ParticipationSummary {
        people: r.int("people")?,
        without_okrs: r.int("without_okrs")?,
        key_result_owners: r.int("owners")?,
        without_check_in: r.int("without_check_in")?,
        overloaded: r.int("overloaded")?,
    })
}

/// `takes(person_id, oo, ko, co, sp, ct)`: one row per part a person takes in the OKRs of
/// `vo` and `vk` (`visible_okrs`): owning an objective or a key result, co-owning, sponsoring,
/// contributing. The ownership map's loads are its sums per person, live or on top of the
/// stored counts.
pub(crate) const TAKES: &str = "takes(person_id, oo, ko, co, sp, ct) AS ( \
               SELECT owner_id, 1, 0, 0, 0, 0 FROM vo \
               UNION ALL SELECT owner_id, 0, 1, 0, 0, 0 FROM vk \
               UNION ALL SELECT person_id, 0, 0, 1, 0, 0 FROM objective_co_owners \
                 WHERE objective_id IN (SELECT id FROM vo) \
               UNION ALL SELECT person_id, 0, 0, 1, 0, 0 FROM key_result_co_owners \
                 WHERE key_result_id IN (SELECT id FROM vk) \
               UNION ALL SELECT sponsor_id, 0, 0, 0, 1, 0 FROM vo WHERE sponsor_id IS NOT NULL \
               UNION ALL SELECT sponsor_id, 0, 0, 0, 1, 0 FROM vk WHERE sponsor_id IS NOT NULL \
               UNION ALL SELECT person_id, 0, 0, 0, 0, 1 FROM objective_contributors \
                 WHERE objective_id IN (SELECT id FROM vo) \
               UNION ALL SELECT person_id, 0, 0, 0, 0, 1 FROM key_result_contributors \
                 WHERE key_result_id IN (SELECT id FROM vk))";

/// A row of the ownership map's loads (`id`, `name`, `title` and the counts `oo`, `ko`, `co`,
/// `sp`, `ct`), as both the live and the stored reads select it.
pub(crate) fn owner_load_from(r: &Row) -> StoreResult<OwnerLoad> {
    Ok(OwnerLoad {
        person_id: PersonId::from_string(r.text("id")?),
        name: r.text("name")?,
        title: r.text("title")?,
        owned_objectives: r.int("oo")?,
        owned_key_results: r.int("ko")?,
        co_owned: r.int("co")?,
        sponsored: r.int("sp")?,
        contributed: r.int("ct")?,
    })
}

#[async_trait]
impl Participation for SqlStore {
    async fn participation(
        &self,
        query: &ParticipationQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<PersonParticipation>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let with = people_in_scope(&mut w, query);
        let sql = format!(
            "{with}SELECT pp.id, pp.name, pp.title, pp.oo, pp.ko, pp.kd, pp.co, pp.ct, pp.ci \
             FROM pp {}",
            page_of_people(&mut w, query, page)?
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(participation_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |p| format!("i:{}", p.person_id)))
    }

    async fn participation_page(
        &self,
        query: &ParticipationQuery,
        page: &PageRequest,
    ) -> StoreResult<(Page<PersonParticipation>, ParticipationSummary)> {
        if crate::participation_totals::stored_for(query) {
            // The totals from the stored ones, the page walked on its own.
            let totals = crate::participation_totals::read(&self.db, query).await?;
            return Ok((self.participation(query, page).await?, totals));
        }
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let with = people_in_scope(&mut w, query);
        let totals = summary_select(&mut w, query);
        let rest = page_of_people(&mut w, query, page)?;
        // The totals' one row, joined to the page's rows (none when the page is empty).
        let sql = format!(
            "{with}, sm AS ({totals}), \
             pg AS (SELECT pp.id, pp.name, pp.title, pp.oo, pp.ko, pp.kd, pp.co, pp.ct, pp.ci \
               FROM pp {rest}) \
             SELECT sm.people, sm.without_okrs, sm.owners, sm.without_check_in, sm.overloaded, \
               pg.id, pg.name, pg.title, pg.oo, pg.ko, pg.kd, pg.co, pg.ct, pg.ci \
             FROM sm LEFT JOIN pg ON 1 = 1 ORDER BY pg.name, pg.id"
        );
        let rows = self.db.fetch_all(&sql, w.args).await?;
        let mut totals = ParticipationSummary::default();
        let mut items = vec![];
        for r in &rows {
            totals = summary_from(r)?;
            if r.opt_text("id")?.is_some() {
                items.push(participation_from(r)?);
            }
        }
        Ok((
            paginate(items, limit, |p| format!("i:{}", p.person_id)),
            totals,
        ))
    }

    async fn participation_summary(
        &self,
        query: &ParticipationQuery,
    ) -> StoreResult<ParticipationSummary> {
        if crate::participation_totals::stored_for(query) {
            return crate::participation_totals::read(&self.db, query).await;
        }
        let mut w = Where::default();
        let with = people_in_scope(&mut w, query);
        let sql = format!("{with}{}", summary_select(&mut w, query));
        let rows = self.db.fetch_all(&sql, w.args).await?;
        match rows.first() {
            Some(r) => summary_from(r),
            None => Ok(ParticipationSummary::default()),
        }
    }

    async fn owner_loads(
        &self,
        query: &ParticipationQuery,
        offset: u64,
        limit: u32,
    ) -> StoreResult<OwnerLoads> {
        if query.counted_at.is_some() {
            return crate::owner_loads::stored(&self.db, query, offset, limit).await;
        }
        // Not counted yet: everything the reader may see, counted now.
        let mut w = Where::default();
        let with = visible_okrs(&mut w, query, false);
        let over = w.arg(i64::from(query.overload));
        // Totals ride along each row (window functions): one query.
        let sql = format!(
            "{with}, {TAKES} \
             SELECT p.id, p.name, p.title, pl.oo, pl.ko, pl.co, pl.sp, pl.ct, \
               COUNT(*) OVER () AS people, \
               SUM(CASE WHEN pl.oo + pl.ko > {over} THEN 1 ELSE 0 END) OVER () AS overloaded \
             FROM (SELECT person_id, SUM(oo) AS oo, SUM(ko) AS ko, SUM(co) AS co, \
               SUM(sp) AS sp, SUM(ct) AS ct FROM takes GROUP BY person_id) pl \
             JOIN people p ON p.id = pl.person_id \
             ORDER BY pl.oo + pl.ko DESC, p.name, p.id LIMIT {limit} OFFSET {offset}"
        );
        let rows = self.db.fetch_all(&sql, w.args).await?;
        let mut out = OwnerLoads::default();
        for r in &rows {
            out.people = r.int("people")?;
            out.overloaded = r.int("overloaded")?;
            out.rows.push(owner_load_from(r)?);
        }
        Ok(out)
    }

    async fn participation_counted_at(&self, cycle: &CycleId) -> StoreResult<Option<Timestamp>> {
        counted_at(&self.db, "participation", cycle).await
    }

    async fn count_participation(&self, cycle: &CycleId, at: Timestamp) -> StoreResult<u64> {
        let count = slice_sql();
        let mut changed = 0;
        let mut after: Option<String> = None;
        loop {
            // The next slice of people, by id (inactive people too: who is in scope is decided
            // when the report is read).
            let (sql, args) = match &after {
                None => (
                    format!("SELECT id FROM people ORDER BY id LIMIT {COUNT_SLICE}"),
                    vec![],
                ),
                Some(a) => (
                    format!("SELECT id FROM people WHERE id > $1 ORDER BY id LIMIT {COUNT_SLICE}"),
                    vec![Arg::from(a.as_str())],
                ),
            };
            let ids = self.db.fetch_all(&sql, args).await?;
            let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
                break;
            };
            let (lo, hi) = (first.text("id")?, last.text("id")?);
            let full = ids.len() == COUNT_SLICE as usize;
            // Each person's counts by the reach of the OKR, then cumulative: a reach counts the
            // OKRs shown at most that widely.
            let mut now: HashMap<(i64, String), Counts> = HashMap::new();
            let args = || {
                vec![
                    Arg::from(cycle.as_str()),
                    Arg::from(lo.as_str()),
                    Arg::from(hi.as_str()),
                ]
            };
            for r in self.db.fetch_all_spilling(&count, args()).await? {
                let person = r.text("person_id")?;
                let at_reach = r.int("r")?.clamp(0, EVERY_OKR);
                let got = [
                    r.int("oo")?,
                    r.int("ko")?,
                    r.int("kd")?,
                    r.int("co")?,
                    r.int("ct")?,
                    r.int("ci")?,
                    r.int("sp")?,
                ];
                for reach in at_reach..=EVERY_OKR {
                    let c = now.entry((reach, person.clone())).or_default();
                    for (sum, n) in c.iter_mut().zip(got) {
                        *sum += n;
                    }
                }
            }
            let before: HashMap<(i64, String), Counts> = self
                .db
                .fetch_all(
                    "SELECT reach, person_id, owned_objectives, owned_key_results, \
                     owned_key_results_under_way, co_owned, contributed, check_ins, sponsored \
                     FROM participation_counts WHERE cycle_id = $1 \
                     AND person_id BETWEEN $2 AND $3",
                    args(),
                )
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        (r.int("reach")?, r.text("person_id")?),
                        [
                            r.int("owned_objectives")?,
                            r.int("owned_key_results")?,
                            r.int("owned_key_results_under_way")?,
                            r.int("co_owned")?,
                            r.int("contributed")?,
                            r.int("check_ins")?,
                            r.int("sponsored")?,
                        ],
                    ))
                })
                .collect::<StoreResult<_>>()?;
            let gone: Vec<&(i64, String)> = before
                .iter()
                .filter(|(k, c)| now.get(*k) != Some(*c))
                .map(|(k, _)| k)
                .collect();
            let new: Vec<(&(i64, String), &Counts)> = now
                .iter()
                .filter(|(k, c)| before.get(*k) != Some(*c))
                .collect();
            if !gone.is_empty() || !new.is_empty() {
                changed += new.len().max(gone.len()) as u64;
                let mut tx = self.begin().await?;
                for (reach, person) in gone {
                    tx.execute(
                        "DELETE FROM participation_counts WHERE cycle_id = $1 AND reach = $2 \
                         AND person_id = $3",
                        vec![
                            Arg::from(cycle.as_str()),
                            Arg::from(*reach),
                            Arg::from(person.as_str()),
                        ],
                    )
                    .await?;
                }
                let mut rows: Vec<Vec<Arg>> = Vec::with_capacity(new.len());
                for ((reach, person), c) in new {
                    let mut row = vec![
                        Arg::from(cycle.as_str()),
                        Arg::from(*reach),
                        Arg::from(person.as_str()),
                    ];
                    row.extend(c.iter().map(|n| Arg::from(*n)));
                    rows.push(row);
                }
                insert_rows(
                    &mut tx,
                    30_000,
                    PARTICIPATION_COUNT.name,
                    PARTICIPATION_COUNT.columns,
                    rows,
                )
                .await?;
                tx.commit().await?;
            }
            if !full {
                break;
            }
            after = Some(hi);
        }
        // The organisation's totals, from the counts just stored, in the round's transaction.
        let totals = crate::participation_totals::count(&self.db, cycle).await?;
        let mut tx = self.begin().await?;
        crate::participation_totals::replace(&mut tx, cycle, totals).await?;
        record_round(&mut tx, "participation", cycle, &at).await?;
        tx.commit().await?;
        Ok(changed)
    }

    async fn okrs_owned_by(
        &self,
        query: &ParticipationQuery,
        people: &[PersonId],
        each: u32,
    ) -> StoreResult<(Vec<ObjectiveId>, Vec<KeyResultId>)> {
        if people.is_empty() {
            return Ok((vec![], vec![]));
        }
        // Read from the people's side (their owner indexes), not the cycle's: the cycle's
        // index is left unused (`|| ''`).
        let mut w = Where::default();
        let cycle = w.arg(query.cycle_id.as_str());
        let ps: Vec<String> = people.iter().map(|p| w.arg(p.as_str())).collect();
        let ps = ps.join(", ");
        let (j1, v1) = reader_join(&mut w, &query.reader, "o");
        let (j2, v2) = reader_join(&mut w, &query.reader, "o");
        let each = w.arg(i64::from(each));
        let sql = format!(
            "SELECT 'o' AS kind, id FROM (SELECT o.id, ROW_NUMBER() OVER \
               (PARTITION BY o.owner_id ORDER BY o.id) AS n FROM objectives o {j1} \
               WHERE o.owner_id IN ({ps}) AND o.deleted_at IS NULL \
               AND o.cycle_id || '' = {cycle}{v1}) x \
             WHERE n <= {each} \
             UNION ALL SELECT 'k' AS kind, id FROM (SELECT k.id, ROW_NUMBER() OVER \
               (PARTITION BY k.owner_id ORDER BY k.id) AS n FROM key_results k \
               JOIN objectives o ON o.id = k.objective_id {j2} \
               WHERE k.owner_id IN ({ps}) AND k.deleted_at IS NULL AND o.deleted_at IS NULL \
               AND o.cycle_id || '' = {cycle}{v2}) y \
             WHERE n <= {each}"
        );
        let (mut objectives, mut key_results) = (vec![], vec![]);
        for r in self.db.fetch_all(&sql, w.args).await? {
            let id = r.text("id")?;
            match r.text("kind")?.as_str() {
                "o" => objectives.push(ObjectiveId::from_string(id)),
                _ => key_results.push(KeyResultId::from_string(id)),
            }
        }
        Ok((objectives, key_results))
    }
}
