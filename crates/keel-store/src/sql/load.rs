//! Loading records with their junction rows (teams, parents, co-owners, contributors) in as
//! few queries as possible, shared by every area that reads objectives, key results or teams.

use crate::accounts::{token_from, TOKEN_COLS};
use crate::db::{args, placeholders, Arg, Exec, Row, Tx};
use crate::okrs::key_results::{KEY_RESULT_CONTRIBUTOR, KEY_RESULT_CO_OWNER, KEY_RESULT_TEAM};
use crate::okrs::objectives::{OBJECTIVE_CONTRIBUTOR, OBJECTIVE_CO_OWNER, OBJECTIVE_TEAM};
use crate::owner_rhythm::{score_from, KEY_RESULT_ACCEPTED_AT, OBJECTIVE_ACTIVATED_AT};
use crate::sql::table::SelectAs;
use crate::sql::*;
use crate::teams::TEAM_MEMBER;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The objective an OKR id belongs to (itself, or a key result's objective), for audit events.
pub(crate) async fn objective_of_okr(tx: &mut Tx, okr_id: &str) -> StoreResult<Option<String>> {
    if let Some(o) = objective_of_kr(tx, okr_id).await? {
        return Ok(Some(o));
    }
    Ok(tx
        .fetch_optional("SELECT id FROM objectives WHERE id = $1", args![okr_id])
        .await?
        .map(|_| okr_id.to_string()))
}

/// `(okr_kind = 'objective' AND objective_id = p) OR key_result_id = p`: the requests on one
/// OKR, whichever kind its id names.
pub(crate) fn on_okr(p: &str) -> String {
    format!("((okr_kind = 'objective' AND objective_id = {p}) OR key_result_id = {p})")
}

/// Rows of a junction table for many owners at once, in stored order: owner id → item ids.
pub(crate) async fn junction(
    ex: &mut Exec<'_>,
    table: &str,
    owner: &str,
    item: &str,
    owners: &[String],
) -> StoreResult<HashMap<String, Vec<String>>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in owners.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT {owner} AS o, {item} AS i FROM {table} WHERE {owner} IN ({}) \
             ORDER BY {owner}, position",
            placeholders(1, chunk.len())
        );
        let rows = ex
            .fetch_all(&sql, chunk.iter().map(Arg::from).collect())
            .await?;
        for r in rows {
            map.entry(r.text("o")?).or_default().push(r.text("i")?);
        }
    }
    Ok(map)
}

/// Owner → its `(item, second item)` rows of one junction table, in `position` order.
pub(crate) type JunctionMap = HashMap<String, Vec<(Option<String>, Option<String>)>>;

/// Several junction tables of the same owners in one query per chunk (a UNION ALL): for each
/// `(table, item, second)` of `specs`, owner → `(item, second)` in `position` order. `second` is
/// a second item column (or `None`).
pub(crate) async fn junctions(
    ex: &mut Exec<'_>,
    owner: &str,
    specs: &[(&str, &str, Option<&str>)],
    owners: &[String],
) -> StoreResult<Vec<JunctionMap>> {
    let mut maps = vec![HashMap::new(); specs.len()];
    for chunk in owners.chunks(IN_CHUNK) {
        let list = placeholders(1, chunk.len());
        let sql = specs
            .iter()
            .enumerate()
            .map(|(k, (table, item, second))| {
                let second = second.unwrap_or("CAST(NULL AS TEXT)");
                format!(
                    "SELECT CAST({k} AS BIGINT) AS k, {owner} AS o, {item} AS i, {second} AS j, \
                     position AS p FROM {table} WHERE {owner} IN ({list})"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let rows = ex
            .fetch_all(&sql, chunk.iter().map(Arg::from).collect())
            .await?;
        // Ordered here rather than by SQLite's sorter (`ORDER BY` over a `UNION ALL`), which
        // cost more than the query itself on the check-in path.
        let mut rows = rows
            .iter()
            .map(|r| {
                let k = usize::try_from(r.int("k")?).map_err(|e| corrupt("k", e))?;
                Ok((
                    k,
                    r.text("o")?,
                    r.int("p")?,
                    r.opt_text("i")?,
                    r.opt_text("j")?,
                ))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        rows.sort_unstable_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
        for (k, o, _, i, j) in rows {
            let map: &mut HashMap<String, Vec<_>> = maps
                .get_mut(k)
                .ok_or_else(|| corrupt("k", "no such junction"))?;
            map.entry(o).or_default().push((i, j));
        }
    }
    Ok(maps)
}

/// The items of one owner from a `junctions` map.
pub(crate) fn items<T>(
    map: &mut JunctionMap,
    owner: &str,
    col: &str,
    f: impl Fn(String) -> T,
) -> StoreResult<Vec<T>> {
    map.remove(owner)
        .unwrap_or_default()
        .into_iter()
        .map(|(i, _)| i.map(&f).ok_or_else(|| corrupt(col, "unexpected NULL")))
        .collect()
}

/// Runs `SELECT … WHERE <col> IN (ids) <rest>` in chunks; `rest` must not contain placeholders.
pub(crate) async fn fetch_in(
    ex: &mut Exec<'_>,
    select: &str,
    rest: &str,
    ids: &[String],
) -> StoreResult<Vec<Row>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let sql = format!("{select} IN ({}) {rest}", placeholders(1, chunk.len()));
        out.extend(
            ex.fetch_all(&sql, chunk.iter().map(Arg::from).collect())
                .await?,
        );
    }
    Ok(out)
}

pub(crate) async fn fill_teams(ex: &mut Exec<'_>, rows: Vec<Row>) -> StoreResult<Vec<Team>> {
    let mut teams = rows
        .iter()
        .map(team_from)
        .collect::<StoreResult<Vec<_>>>()?;
    let keys: Vec<String> = teams.iter().map(|t| t.id.to_string()).collect();
    let mut members = junction(ex, TEAM_MEMBER.name, "team_id", "person_id", &keys).await?;
    for t in &mut teams {
        t.member_ids = members
            .remove(t.id.as_str())
            .unwrap_or_default()
            .into_iter()
            .map(PersonId::from_string)
            .collect();
    }
    Ok(teams)
}

pub(crate) async fn fill_objectives(
    ex: &mut Exec<'_>,
    rows: Vec<Row>,
) -> StoreResult<Vec<Objective>> {
    let mut objectives = rows
        .iter()
        .map(objective_from)
        .collect::<StoreResult<Vec<_>>>()?;
    if objectives.is_empty() {
        return Ok(objectives);
    }
    let keys: Vec<String> = objectives.iter().map(|o| o.id.to_string()).collect();
    let mut maps = junctions(
        ex,
        "objective_id",
        &[
            (OBJECTIVE_TEAM.name, "team_id", None),
            (OBJECTIVE_CONTRIBUTOR.name, "person_id", None),
            (OBJECTIVE_CO_OWNER.name, "person_id", None),
            (
                "objective_parents",
                "parent_objective_id",
                Some("parent_key_result_id"),
            ),
        ],
        &keys,
    )
    .await?;
    let [teams, contributors, co_owners, parents] = &mut maps[..] else {
        return Err(corrupt("objective_id", "junctions"));
    };
    for o in &mut objectives {
        let id = o.id.as_str();
        o.team_ids = items(teams, id, "team_id", TeamId::from_string)?;
        o.contributor_ids = items(contributors, id, "person_id", PersonId::from_string)?;
        o.co_owner_ids = items(co_owners, id, "person_id", PersonId::from_string)?;
        o.parents = parents
            .remove(id)
            .unwrap_or_default()
            .into_iter()
            .map(|p| match p {
                (Some(o), _) => Ok(ParentRef::Objective(ObjectiveId::from_string(o))),
                (None, Some(k)) => Ok(ParentRef::KeyResult(KeyResultId::from_string(k))),
                (None, None) => Err(corrupt("objective_parents", "no parent")),
            })
            .collect::<StoreResult<_>>()?;
    }
    Ok(objectives)
}

pub(crate) async fn fill_key_results(
    ex: &mut Exec<'_>,
    rows: Vec<Row>,
) -> StoreResult<Vec<KeyResult>> {
    let mut krs = rows.iter().map(kr_from).collect::<StoreResult<Vec<_>>>()?;
    if krs.is_empty() {
        return Ok(krs);
    }
    let keys: Vec<String> = krs.iter().map(|k| k.id.to_string()).collect();
    let mut maps = junctions(
        ex,
        "key_result_id",
        &[
            (KEY_RESULT_TEAM.name, "team_id", None),
            (KEY_RESULT_CONTRIBUTOR.name, "person_id", None),
            (KEY_RESULT_CO_OWNER.name, "person_id", None),
        ],
        &keys,
    )
    .await?;
    let [teams, contributors, co_owners] = &mut maps[..] else {
        return Err(corrupt("key_result_id", "junctions"));
    };
    for k in &mut krs {
        let id = k.id.as_str();
        k.team_ids = items(teams, id, "team_id", TeamId::from_string)?;
        k.contributor_ids = items(contributors, id, "person_id", PersonId::from_string)?;
        k.co_owner_ids = items(co_owners, id, "person_id", PersonId::from_string)?;
    }
    Ok(krs)
}

pub(crate) async fn person_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<Person>> {
    let sql = format!("SELECT {PERSON_COLS} FROM people WHERE id = $1");
    ex.fetch_all(&sql, args![id])
        .await?
        .first()
        .map(person_from)
        .transpose()
}

pub(crate) async fn team_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<Team>> {
    let sql = format!("SELECT {TEAM_COLS} FROM teams WHERE id = $1");
    let rows = ex.fetch_all(&sql, args![id]).await?;
    Ok(fill_teams(ex, rows).await?.pop())
}

pub(crate) async fn cycle_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<Cycle>> {
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {CYCLE_COLS} FROM cycles WHERE id = $1"));
    ex.fetch_all(&SQL, args![id])
        .await?
        .first()
        .map(cycle_from)
        .transpose()
}

pub(crate) async fn objective_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<Objective>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!("SELECT {OBJECTIVE_COLS} FROM objectives WHERE id = $1 AND deleted_at IS NULL")
    });
    let rows = ex.fetch_all(&SQL, args![id]).await?;
    Ok(fill_objectives(ex, rows).await?.pop())
}

pub(crate) async fn key_result_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<KeyResult>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!("SELECT {KR_COLS} FROM key_results WHERE id = $1 AND deleted_at IS NULL")
    });
    let rows = ex.fetch_all(&SQL, args![id]).await?;
    Ok(fill_key_results(ex, rows).await?.pop())
}

/// What separates the items of one list in [`CONTEXT_SQL`]'s aggregated columns: a control
/// character no id contains.
pub(crate) const LIST_SEPARATOR: &str = "\u{1f}";

/// The lists of a key result in context, in the order [`CONTEXT_LISTS_SQL`] numbers them: a
/// parent is `o<objective id>` or `k<key result id>`; a cadence `<team id>:<days>`.
const CONTEXT_LISTS: [&str; 8] = [
    "kr_teams",
    "kr_contributors",
    "kr_co_owners",
    "o_teams",
    "o_contributors",
    "o_co_owners",
    "o_parents",
    "cadences",
];

/// Each junction list of a key result in context: (name, item, table, owner column, owner's
/// alias in [`CONTEXT_SQL`]), in [`CONTEXT_LISTS`] order (the cadences apart).
const CONTEXT_JUNCTIONS: [(&str, &str, &str, &str, &str); 7] = [
    (
        "kr_teams",
        "team_id",
        KEY_RESULT_TEAM.name,
        "key_result_id",
        "k",
    ),
    (
        "kr_contributors",
        "person_id",
        KEY_RESULT_CONTRIBUTOR.name,
        "key_result_id",
        "k",
    ),
    (
        "kr_co_owners",
        "person_id",
        KEY_RESULT_CO_OWNER.name,
        "key_result_id",
        "k",
    ),
    (
        "o_teams",
        "team_id",
        OBJECTIVE_TEAM.name,
        "objective_id",
        "o",
    ),
    (
        "o_contributors",
        "person_id",
        OBJECTIVE_CONTRIBUTOR.name,
        "objective_id",
        "o",
    ),
    (
        "o_co_owners",
        "person_id",
        OBJECTIVE_CO_OWNER.name,
        "objective_id",
        "o",
    ),
    (
        "o_parents",
        "COALESCE('o' || parent_objective_id, 'k' || parent_key_result_id)",
        OBJECTIVE_PARENT.name,
        "objective_id",
        "o",
    ),
];

/// A key result's row (its own column names), its objective's (`o_…`), the cycle's (`c_…`),
/// the score's (`s_…`) and when it became active, with `lists` (columns), of the key results
/// `k.id {which}` (not deleted, in objectives not deleted).
fn context_select(lists: &str, which: &str) -> String {
    let kr = KEY_RESULT
        .selected()
        .map(|c| format!("k.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let (o, c, sc) = (
        SelectAs(&OBJECTIVE, "o"),
        SelectAs(&CYCLE, "c"),
        SelectAs(&KEY_RESULT_SCORE, "s"),
    );
    format!(
        "SELECT {kr}, {o}, {c}, {sc}{lists}, \
         {OBJECTIVE_ACTIVATED_AT} AS ctx_activated, {KEY_RESULT_ACCEPTED_AT} AS ctx_accepted \
         FROM key_results k \
         JOIN objectives o ON o.id = k.objective_id AND o.deleted_at IS NULL \
         LEFT JOIN cycles c ON c.id = o.cycle_id \
         LEFT JOIN key_result_scores s ON s.key_result_id = k.id \
         WHERE k.id {which} AND k.deleted_at IS NULL"
    )
}

/// The one statement of `KeyResults::key_result_in_context` on PostgreSQL ([`context_select`]
/// with each list as one column `list_…`: its items in `position` order joined by
/// [`LIST_SEPARATOR`]): one round trip instead of eight, for every key result of a read group
/// (`$1` their ids joined by the separator, `$2`).
static CONTEXT_SQL: LazyLock<String> = LazyLock::new(|| {
    let mut lists = CONTEXT_JUNCTIONS
        .iter()
        .map(|(name, item, table, owner, of)| {
            format!(
                ", (SELECT string_agg({item}, $2 ORDER BY position) FROM {table} \
                 WHERE {owner} = {of}.id) AS list_{name}"
            )
        })
        .collect::<String>();
    // The history: each standing check-in as `at value confidence scale author` (`CAST` of a
    // double gives the shortest text that reads back as the same value).
    lists.push_str(
        ", (SELECT string_agg(CAST(ci.at AS TEXT) || ' ' || CAST(ci.value AS TEXT) || ' ' || \
         CAST(ci.confidence AS TEXT) || ' ' || ci.confidence_scale || ' ' || \
         COALESCE(ci.author_id, ''), $2 ORDER BY ci.at, ci.id) FROM check_ins ci \
         WHERE ci.key_result_id = k.id AND ci.retracted IS NULL) AS history",
    );
    // The names of its circle and its teams, as JSON arrays (a name may hold any character).
    lists.push_str(&format!(
        ", (SELECT CAST(json_agg(json_build_array(p.id, p.name, p.title, p.active)) AS TEXT) \
         FROM people p WHERE p.id IN (SELECT k.owner_id UNION ALL SELECT k.sponsor_id \
         UNION ALL SELECT person_id FROM {kc} WHERE key_result_id = k.id \
         UNION ALL SELECT person_id FROM {ko} WHERE key_result_id = k.id)) AS people_names, \
         (SELECT CAST(json_agg(json_build_array(t.id, t.name)) AS TEXT) FROM teams t \
         WHERE t.id IN (SELECT team_id FROM {kt} WHERE key_result_id = k.id)) AS team_names",
        kc = KEY_RESULT_CONTRIBUTOR.name,
        ko = KEY_RESULT_CO_OWNER.name,
        kt = KEY_RESULT_TEAM.name,
    ));
    lists.push_str(&format!(
        ", (SELECT string_agg(t.team_id || ':' || CAST(t.cadence_days AS TEXT), $2) \
         FROM team_cadences t WHERE t.team_id IN \
         (SELECT team_id FROM {kt} WHERE key_result_id = k.id \
          UNION SELECT team_id FROM {ot} WHERE objective_id = o.id)) AS list_cadences",
        kt = KEY_RESULT_TEAM.name,
        ot = OBJECTIVE_TEAM.name,
    ));
    context_select(&lists, "= ANY(string_to_array($1, $2))")
});

/// The row of a key result in context on SQLite ([`context_select`]): there a statement costs
/// no round trip, and the aggregated lists' sorts cost more than reading the lists apart.
static CONTEXT_ROW_SQL: LazyLock<String> = LazyLock::new(|| context_select("", "= $1"));

/// Every list of a key result in context on SQLite, one row per item: `l` its list's number in
/// [`CONTEXT_LISTS`], `i` the item, `p` its position (ordered in Rust: SQLite's sorter over a
/// `UNION ALL` costs more than the query). `$1` the key result, `$2` its objective. A team on
/// both with a cadence gives two cadence rows.
static CONTEXT_LISTS_SQL: LazyLock<String> = LazyLock::new(|| {
    let mut parts = CONTEXT_JUNCTIONS
        .iter()
        .enumerate()
        .map(|(l, (_, item, table, owner, of))| {
            let p = if *of == "k" { "$1" } else { "$2" };
            format!("SELECT {l} AS l, {item} AS i, position AS p FROM {table} WHERE {owner} = {p}")
        })
        .collect::<Vec<_>>();
    let cadences = CONTEXT_JUNCTIONS.len();
    for (table, owner, p) in [
        (KEY_RESULT_TEAM.name, "key_result_id", "$1"),
        (OBJECTIVE_TEAM.name, "objective_id", "$2"),
    ] {
        parts.push(format!(
            "SELECT {cadences}, t.team_id || ':' || CAST(t.cadence_days AS TEXT), 0 \
             FROM {table} j JOIN team_cadences t ON t.team_id = j.team_id WHERE j.{owner} = {p}"
        ));
    }
    parts.join(" UNION ALL ")
});

/// A key result with its objective, cycle and rhythm facts: one statement on PostgreSQL
/// ([`CONTEXT_SQL`], see [`key_results_in_context_in`]), where each is a network round trip and
/// separate reads cost eight; two on SQLite ([`CONTEXT_ROW_SQL`], [`CONTEXT_LISTS_SQL`]), where
/// the one statement's sorted aggregates cost twice the instructions.
pub(crate) async fn key_result_in_context_in(
    ex: &mut Exec<'_>,
    id: &str,
) -> StoreResult<Option<KeyResultContext>> {
    if !ex.is_sqlite() {
        return Ok(key_results_in_context_in(ex, vec![id.to_string()])
            .await?
            .remove(id));
    }
    let mut lists: ContextLists = Default::default();
    let Some(r) = ex
        .fetch_all(&CONTEXT_ROW_SQL, args![id])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let objective_id = r.text("o_id")?;
    let mut items = ex
        .fetch_all(&CONTEXT_LISTS_SQL, args![id, objective_id])
        .await?
        .iter()
        .map(|i| Ok((i.int("l")?, i.int("p")?, i.text("i")?)))
        .collect::<StoreResult<Vec<_>>>()?;
    items.sort_unstable();
    for (l, _, item) in items {
        let list = usize::try_from(l)
            .ok()
            .and_then(|l| lists.get_mut(l))
            .ok_or_else(|| corrupt("l", "no such list"))?;
        list.push(item);
    }
    let cadences = lists.last_mut().expect("the cadences' list");
    cadences.dedup();
    context_from(&r, lists, None).map(Some)
}

/// Key results in context by id (those not found left out), with their history, in one
/// statement ([`CONTEXT_SQL`]): on PostgreSQL, where the statement's start-up (opening its
/// twelve tables) costs more than a row, a read group's key results are read together.
pub(crate) async fn key_results_in_context_in(
    ex: &mut Exec<'_>,
    ids: Vec<String>,
) -> StoreResult<HashMap<String, KeyResultContext>> {
    let rows = ex
        .fetch_all(
            &CONTEXT_SQL,
            args![ids.join(LIST_SEPARATOR), LIST_SEPARATOR],
        )
        .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let mut lists: ContextLists = Default::default();
        for (list, name) in lists.iter_mut().zip(CONTEXT_LISTS) {
            if let Some(l) = r.opt_text(&format!("list_{name}"))? {
                *list = l.split(LIST_SEPARATOR).map(str::to_string).collect();
            }
        }
        let id = r.text("id")?;
        let history = points_from(&id, r.opt_text("history")?)?;
        let mut context = context_from(&r, lists, Some(history))?;
        context.names = Some(names_from(
            r.opt_text("people_names")?,
            r.opt_text("team_names")?,
        )?);
        out.insert(id, context);
    }
    Ok(out)
}

/// The lists of a key result in context, in [`CONTEXT_LISTS`] order.
type ContextLists = [Vec<String>; CONTEXT_LISTS.len()];

/// A key result in context from its row (its columns, `o_…`, `c_…`, `s_…`, `ctx_…`), its lists
/// and its history when read with it.
fn context_from(
    r: &Row,
    lists: ContextLists,
    history: Option<Vec<CheckInPoint>>,
) -> StoreResult<KeyResultContext> {
    let [kr_teams, kr_contributors, kr_co_owners, o_teams, o_contributors, o_co_owners, o_parents, cadences] =
        lists;
    let people = |l: Vec<String>| l.into_iter().map(PersonId::from_string).collect();
    let teams = |l: Vec<String>| l.into_iter().map(TeamId::from_string).collect();
    let mut key_result = kr_from(r)?;
    key_result.team_ids = teams(kr_teams);
    key_result.contributor_ids = people(kr_contributors);
    key_result.co_owner_ids = people(kr_co_owners);
    let mut objective = objective_from(&r.prefixed("o_"))?;
    objective.team_ids = teams(o_teams);
    objective.contributor_ids = people(o_contributors);
    objective.co_owner_ids = people(o_co_owners);
    objective.parents = o_parents
        .into_iter()
        .map(|p| match p.split_at_checked(1) {
            Some(("o", id)) => Ok(ParentRef::Objective(ObjectiveId::from_string(id))),
            Some(("k", id)) => Ok(ParentRef::KeyResult(KeyResultId::from_string(id))),
            _ => Err(corrupt("objective_parents", "no parent")),
        })
        .collect::<StoreResult<_>>()?;
    let cadences = cadences
        .into_iter()
        .map(|c| {
            let (team, days) = c
                .rsplit_once(':')
                .ok_or_else(|| corrupt("cadence_days", "no days"))?;
            let days = days.parse().map_err(|e| corrupt("cadence_days", e))?;
            Ok((TeamId::from_string(team), days))
        })
        .collect::<StoreResult<_>>()?;
    let at = |c: &str| r.opt_int(c)?.map(|v| to_ts(c, v)).transpose();
    Ok(KeyResultContext {
        active_since: rhythm::active_since(at("ctx_activated")?, at("ctx_accepted")?),
        cycle: match r.opt_text("c_id")? {
            Some(_) => Some(cycle_from(&r.prefixed("c_"))?),
            None => None,
        },
        score: match r.opt_text("s_key_result_id")? {
            Some(_) => Some(score_from(&r.prefixed("s_"))?),
            None => None,
        },
        key_result,
        objective,
        cadences,
        history,
        names: None,
    })
}

/// The names columns of [`CONTEXT_SQL`]: JSON arrays of `[id, name, title, active]` and
/// `[id, name]`.
fn names_from(people: Option<String>, teams: Option<String>) -> StoreResult<CircleNames> {
    let people: Vec<(String, String, String, i64)> = match people {
        Some(p) => serde_json::from_str(&p).map_err(|e| corrupt("people_names", e))?,
        None => vec![],
    };
    let teams: Vec<(String, String)> = match teams {
        Some(t) => serde_json::from_str(&t).map_err(|e| corrupt("team_names", e))?,
        None => vec![],
    };
    Ok(CircleNames {
        people: people
            .into_iter()
            .map(|(id, name, title, active)| PersonName {
                id: PersonId::from_string(id),
                name,
                title,
                active: active != 0,
            })
            .collect(),
        teams: teams
            .into_iter()
            .map(|(id, name)| (TeamId::from_string(id), name))
            .collect(),
    })
}

/// The history column of [`CONTEXT_SQL`] as points of key result `id`.
fn points_from(id: &str, list: Option<String>) -> StoreResult<Vec<CheckInPoint>> {
    let Some(list) = list else {
        return Ok(vec![]);
    };
    list.split(LIST_SEPARATOR)
        .map(|item| {
            let mut f = item.splitn(5, ' ');
            let mut next = |c: &'static str| f.next().ok_or_else(|| corrupt(c, "missing"));
            let at = next("at")?.parse().map_err(|e| corrupt("at", e))?;
            let value = next("value")?.parse().map_err(|e| corrupt("value", e))?;
            let confidence = next("confidence")?
                .parse()
                .map_err(|e| corrupt("confidence", e))?;
            let scale = Stored::from_stored("confidence_scale", next("confidence_scale")?)?;
            let author = next("author_id")?;
            Ok(CheckInPoint {
                key_result_id: KeyResultId::from_string(id.to_string()),
                at: to_ts("at", at)?,
                value,
                confidence,
                author_id: (!author.is_empty()).then(|| PersonId::from_string(author.to_string())),
                scale,
            })
        })
        .collect()
}

pub(crate) async fn initiative_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<Initiative>> {
    let sql = format!("SELECT {INITIATIVE_COLS} FROM initiatives WHERE id = $1");
    ex.fetch_all(&sql, args![id])
        .await?
        .first()
        .map(initiative_from)
        .transpose()
}

pub(crate) async fn token_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<ApiToken>> {
    let sql = format!("SELECT {TOKEN_COLS} FROM api_tokens t WHERE t.id = $1");
    ex.fetch_all(&sql, args![id])
        .await?
        .first()
        .map(token_from)
        .transpose()
}
