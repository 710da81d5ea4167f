//! The one SQL form of the visibility rule documented on `Audience` (see docs/method.md,
//! "Visibility"): every list that filters by reader builds its predicate here.
//!
//! The rule is written once, as data (the circle's ties, the team reach), and rendered two
//! ways: as a predicate for one reader (every list), and as sets of (reader, objective) rows
//! for many readers at once (the weekly digest's `visible_to_each`). The second is not the
//! first with the reader as a column: PostgreSQL runs such a correlated predicate once per
//! (reader, objective) pair (minutes at 100,000 people), while a set per query is read once.

use crate::sql::*;

/// The teams the persons `leads` (an SQL list or subquery of person ids) lead and every team
/// below them, as `led(lead_id, id)`: `WITH RECURSIVE led(lead_id, id) AS (…) ` to prefix a
/// query.
pub(crate) fn led_teams(leads: &str) -> String {
    format!(
        "WITH RECURSIVE led(lead_id, id) AS ( \
         SELECT lead_id, id FROM teams WHERE lead_id IN ({leads}) \
         UNION SELECT led.lead_id, t.id FROM teams t JOIN led ON t.parent_id = led.id) "
    )
}

/// One way a person is in an objective's circle (whatever its visibility).
enum Tie {
    /// A column of the objective itself naming the person.
    Column(&'static str),
    /// Rows elsewhere: `person` names the person and `objective` the objective among the rows
    /// of `from` that meet `when`.
    Rows {
        from: &'static str,
        when: Option<&'static str>,
        person: &'static str,
        objective: &'static str,
    },
}

/// The circle: owner, sponsor, contributors and co-owners of the objective and of its key
/// results (not deleted), and whoever is handing it (or one of its key results) over.
const CIRCLE: [Tie; 9] = [
    Tie::Column("owner_id"),
    Tie::Column("sponsor_id"),
    Tie::Rows {
        from: "objective_contributors",
        when: None,
        person: "person_id",
        objective: "objective_id",
    },
    Tie::Rows {
        from: "objective_co_owners",
        when: None,
        person: "person_id",
        objective: "objective_id",
    },
    Tie::Rows {
        from: "key_results",
        when: Some("deleted_at IS NULL"),
        person: "owner_id",
        objective: "objective_id",
    },
    Tie::Rows {
        from: "key_results",
        when: Some("deleted_at IS NULL"),
        person: "sponsor_id",
        objective: "objective_id",
    },
    Tie::Rows {
        from: "key_results k JOIN key_result_contributors c ON c.key_result_id = k.id",
        when: Some("k.deleted_at IS NULL"),
        person: "c.person_id",
        objective: "k.objective_id",
    },
    Tie::Rows {
        from: "key_results k JOIN key_result_co_owners c ON c.key_result_id = k.id",
        when: Some("k.deleted_at IS NULL"),
        person: "c.person_id",
        objective: "k.objective_id",
    },
    Tie::Rows {
        from: "ownership_requests",
        when: Some("state = 'pending'"),
        person: "previous_owner_id",
        objective: "objective_id",
    },
];

impl Tie {
    /// `select` from the tie's rows whose person is among `persons` (an SQL list or subquery).
    fn rows(&self, select: impl Fn(&str, &str) -> String, persons: &str) -> String {
        let (from, when, person, objective) = match self {
            Tie::Column(c) => ("objectives", None, *c, "id"),
            Tie::Rows {
                from,
                when,
                person,
                objective,
            } => (*from, *when, *person, *objective),
        };
        let when = when.map(|w| format!("{w} AND ")).unwrap_or_default();
        format!(
            "SELECT {} FROM {from} WHERE {when}{person} IN ({persons})",
            select(person, objective)
        )
    }

    /// For one reader `me` (a placeholder): a predicate on the objective row aliased `t`.
    fn holds(&self, me: &str, t: &str) -> String {
        match self {
            Tie::Column(c) => format!("{t}.{c} = {me}"),
            Tie::Rows { .. } => format!("{t}.id IN ({})", self.rows(|_, o| o.to_string(), me)),
        }
    }
}

/// The objectives shared (through their own teams or a key result's, not deleted) with a team
/// the readers `persons` are members of or lead (at or above it), as `(reader, objective_id)`
/// rows, or `objective_id` rows when `with_reader` is false. `asked`: only these objectives (an
/// SQL subquery), or all.
fn team_reach(persons: &str, asked: Option<&str>, with_reader: bool) -> String {
    let led = led_teams(persons);
    let reader = if with_reader { "m.reader, " } else { "" };
    // One reader's reach is read from their teams (`CROSS JOIN`: SQLite keeps `mine` outside and
    // looks each team's rows up; left to itself, inside a bigger statement it scanned every
    // team's rows and probed `mine`: 0.2–0.3 s a statement at 100,000 people). The asked form
    // is left to the planner: there, the asked objectives are the smaller side.
    let from = |table: &str, team: &str, objective: &str, and: Option<&str>| {
        let mut when = vec![format!("{team} = m.id")];
        when.extend(and.map(str::to_string));
        let join = match asked {
            None => "CROSS JOIN",
            Some(a) => {
                when.push(format!("{objective} IN ({a})"));
                ","
            }
        };
        format!("FROM mine m {join} {table} WHERE {}", when.join(" AND "))
    };
    let by_objective = from("objective_teams ot", "ot.team_id", "ot.objective_id", None);
    let by_key_result = from(
        "key_result_teams kt JOIN key_results k ON k.id = kt.key_result_id",
        "kt.team_id",
        "k.objective_id",
        Some("k.deleted_at IS NULL"),
    );
    format!(
        "{led}, mine(reader, id) AS (SELECT lead_id, id FROM led \
             UNION SELECT person_id, team_id FROM team_members WHERE person_id IN ({persons})) \
         SELECT {reader}ot.objective_id {by_objective} \
         UNION SELECT {reader}k.objective_id {by_key_result}"
    )
}

/// A predicate on the objective row aliased `t`: true when `a` may see it.
pub(crate) fn visible_sql(w: &mut Where, a: &Audience, t: &str) -> String {
    let me = w.arg(a.person_id.as_str());
    visible_to(&me, a.teams, t)
}

/// The rule for one reader: a predicate on the objective row aliased `t`, true when the person
/// `me` (a placeholder) with team scope `teams` may see it.
pub(crate) fn visible_to(me: &str, teams: TeamScope, t: &str) -> String {
    let circle: Vec<String> = CIRCLE.iter().map(|tie| tie.holds(me, t)).collect();
    let team = match teams {
        TeamScope::None => "1 = 0".to_string(),
        TeamScope::All => format!("{t}.visibility = 'team'"),
        TeamScope::Reach => format!(
            "{t}.visibility = 'team' AND {t}.id IN ({})",
            team_reach(me, None, false)
        ),
    };
    format!(
        "({t}.visibility = 'public' OR ({team}) OR {})",
        circle.join(" OR ")
    )
}

/// The same rule as `visible_sql`, for a query that reads many objectives: the reader's reach
/// (the objectives they are in, and with team scope `Reach` those shared with a team they
/// reach, each once, `circle` telling which) joined to the objective row aliased `t`, and the
/// predicate on the pair returned. The join is added to `w` (`Where::sql` puts it before
/// `WHERE`), so `t` must be in the `FROM` that `w.sql()` follows.
///
/// Why a join: `visible_sql` is an `OR` of `IN (subquery)` tests, which PostgreSQL runs as
/// hashed sub-plans whose start-up it charges to every rescan of a nested loop, so it never
/// walks an index with the rule as a filter and reads the whole cycle instead (1.3 s for the
/// key results behind a dashboard figure at 100,000 people; 15 ms as a join). The reach is
/// read from the reader's side (each tie's person index, their teams), once per query.
pub(crate) fn visible_join(w: &mut Where, a: &Audience, t: &str) -> String {
    let (join, holds) = reach_join(w, a, t);
    w.joins.push(join);
    holds
}

/// `visible_join`'s two parts, for a query that places them itself (inside a `WITH`): the
/// `LEFT JOIN` of the reader's reach to the objective row aliased `t`, to follow `t` in a
/// `FROM`, and the predicate on the pair.
pub(crate) fn reach_join(w: &mut Where, a: &Audience, t: &str) -> (String, String) {
    let me = w.arg(a.person_id.as_str());
    let r = format!("{t}_reach");
    let join = format!(
        "LEFT JOIN ({}) {r} ON {r}.objective_id = {t}.id",
        reach_rows(&me, a.teams)
    );
    (join, reach_holds(t, &r, a.teams))
}

/// `reach_join` for a query's reader: nothing for one who reads everything, else the join and
/// ` AND ` the predicate, to follow the objective `t` in a `FROM` and end its `WHERE`.
pub(crate) fn reader_join(w: &mut Where, reader: &Reader, t: &str) -> (String, String) {
    match reader {
        Reader::Everyone => (String::new(), String::new()),
        Reader::Audience(a) => {
            let (join, holds) = reach_join(w, a, t);
            (join, format!(" AND {holds}"))
        }
    }
}

/// The rule on the objective row `t` and its row `r` of the reader's reach (`reach_rows`; all
/// NULL when it is not in the reach), for a reader with team scope `teams`.
fn reach_holds(t: &str, r: &str, teams: TeamScope) -> String {
    let team = match teams {
        TeamScope::None => String::new(),
        TeamScope::All => format!(" OR {t}.visibility = 'team'"),
        TeamScope::Reach => format!(" OR ({t}.visibility = 'team' AND {r}.circle = 0)"),
    };
    format!("({t}.visibility = 'public' OR {r}.circle = 1{team})")
}

/// The reader `me`'s (a placeholder) reach as `(objective_id, circle)` rows, each objective
/// once: those whose circle they are in (`circle` 1) and, with team scope `Reach`, those shared
/// with a team they reach (`circle` 0 when only so). Read from the reader's side: each tie's
/// person index, their teams.
fn reach_rows(me: &str, teams: TeamScope) -> String {
    let mut parts: Vec<String> = CIRCLE
        .iter()
        .map(|tie| tie.rows(|_, o| format!("{o} AS objective_id, 1 AS circle"), me))
        .collect();
    if teams == TeamScope::Reach {
        parts.push(format!(
            "SELECT objective_id, 0 AS circle FROM ({}) tr",
            team_reach(me, None, false)
        ));
    }
    format!(
        "SELECT objective_id, MAX(circle) AS circle FROM ({}) x GROUP BY objective_id",
        parts.join(" UNION ALL ")
    )
}

/// The rule for many readers at once: the asked pairs that may be seen, as a query of
/// `(person_id, objective_id)` rows over `rv(person_id, objective_id, visibility)` (each asked
/// pair and its objective's visibility) and `r(person_id, objective_id)` (the asked pairs), for
/// readers with team scope `teams`. Each part is one set for the whole query (the circles of
/// `r`'s readers, their team reach among `r`'s objectives) joined to the pairs, not a subquery
/// per pair.
pub(crate) fn visible_pairs(teams: TeamScope) -> String {
    let readers = "SELECT person_id FROM r";
    let asked = "SELECT objective_id FROM r";
    // The circles are read by reader (a few rows each, through each tie's person index); the
    // team reach by asked objective (a lead's reach may be the whole organisation).
    let circle: Vec<String> = CIRCLE
        .iter()
        .map(|tie| {
            tie.rows(
                |p, o| format!("{p} AS reader, {o} AS objective_id"),
                readers,
            )
        })
        .collect();
    let among = |set: &str| {
        format!(
            "SELECT rv.person_id, rv.objective_id FROM rv JOIN ({set}) g \
             ON g.reader = rv.person_id AND g.objective_id = rv.objective_id"
        )
    };
    let team = match teams {
        TeamScope::None => String::new(),
        TeamScope::All => {
            "UNION SELECT person_id, objective_id FROM rv WHERE visibility = 'team' ".to_string()
        }
        TeamScope::Reach => format!(
            "UNION {} WHERE rv.visibility = 'team' ",
            among(&team_reach(readers, Some(asked), true))
        ),
    };
    format!(
        "SELECT person_id, objective_id FROM rv WHERE visibility = 'public' {team}UNION {}",
        among(&circle.join(" UNION ALL "))
    )
}

/// A predicate on an objective id column: true when `a` may see that objective.
pub(crate) fn visible_objective(w: &mut Where, a: &Audience, col: &str) -> String {
    let v = visible_sql(w, a, "vo");
    format!("{col} IN (SELECT vo.id FROM objectives vo WHERE {v})")
}

/// The same predicate as `visible_objective`, checked row by row (a correlated `EXISTS`): for
/// the lists that hold a few rows (a level of the alignment tree, a person's requests), where the
/// `IN (…)` form would first judge every objective of the organisation.
pub(crate) fn visible_objective_each(w: &mut Where, a: &Audience, col: &str) -> String {
    let v = visible_sql(w, a, "vo");
    format!("EXISTS (SELECT 1 FROM objectives vo WHERE vo.id = {col} AND {v})")
}

/// The live part of a stored figure (one rule for the dashboards, participation and the
/// ownership map): a predicate on the objective row aliased `t`, true for the objectives whose
/// visibility the reader does not take stored (`stored_visibilities`) and that they may see,
/// found from their reach (`reach_rows`: the OKRs they are in, the teams they reach), never by
/// reading the whole cycle. `None` for a reader who takes every visibility stored.
pub(crate) fn live_part_sql(w: &mut Where, reader: &Reader, t: &str) -> Option<String> {
    let Reader::Audience(a) = reader else {
        return None;
    };
    let stored: Vec<String> = crate::stored_visibilities(reader)
        .iter()
        .map(|v| w.arg(v.stored()))
        .collect();
    let me = w.arg(a.person_id.as_str());
    // One semi-join, not the rule's `OR` of sub-plans: PostgreSQL reads the reach, then each
    // of its objectives by id.
    Some(format!(
        "{t}.visibility NOT IN ({}) AND {t}.id IN (SELECT r.objective_id FROM ({}) r \
         JOIN objectives v ON v.id = r.objective_id WHERE {})",
        stored.join(", "),
        reach_rows(&me, a.teams),
        reach_holds("v", "r", a.teams)
    ))
}
