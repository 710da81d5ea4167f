//! SQLite's planner hints, and why PostgreSQL runs the same statements without them.
//!
//! One SQL text serves both backends. SQLite's planner picks its way into a statement from the
//! indexes it sees, with few statistics, so a few statements steer it (`column || ''` hides an
//! index that would be the wrong way in); PostgreSQL's planner costs each way from its
//! statistics, and the same hint only hides what it needs to estimate. The hint is taken out of
//! the text PostgreSQL runs, here, in one place.

/// SQLite's planner is steered in a few statements by `column || ''`, which keeps it from an
/// index that would be the wrong way in (e.g. `o.cycle_id || '' = $1` where the statement walks
/// another index and a cycle holds most objectives). PostgreSQL's planner costs each way from
/// its statistics, and the same text only blinds it: it cannot estimate `cycle_id || '' = $1`
/// (it guessed 254 of 120,000 objectives) and chose plans that read whole cycles (1.2 s instead
/// of 12 ms for the key results behind a dashboard figure at 100,000 people). So on PostgreSQL
/// the hint is taken out; for a text column `x || ''` is `x`, NULL included.
pub(crate) fn pg_sql(sql: &str) -> std::borrow::Cow<'_, str> {
    const HINT: &str = " || ''";
    if !sql.contains(HINT) {
        return std::borrow::Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(i) = rest.find(HINT) {
        let after = &rest[i + HINT.len()..];
        // A third quote makes it a literal that starts with a quote, not the empty string.
        if after.starts_with('\'') {
            out.push_str(&rest[..i + HINT.len()]);
        } else {
            out.push_str(&rest[..i]);
        }
        rest = after;
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_planner_hints_are_taken_out_for_postgres() {
        use super::pg_sql;
        assert_eq!(pg_sql("o.cycle_id = $1"), "o.cycle_id = $1");
        assert_eq!(
            pg_sql("o.cycle_id || '' = $1 AND state || '' IN ('a') ORDER BY pp.name || '', id"),
            "o.cycle_id = $1 AND state IN ('a') ORDER BY pp.name, id"
        );
        assert_eq!(pg_sql("a || '''' || b"), "a || '''' || b");
    }
}
