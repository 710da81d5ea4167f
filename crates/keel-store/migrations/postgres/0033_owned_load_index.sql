-- The health check's owners' overload and the ownership map at 100,000 people (issue 16): each
-- person's stored count of the objectives and key results they own, indexed most owned first,
-- so the overloaded are counted from the index and a page of them (or of the map's people,
-- most owned first) is walked from it and stops at the page's end, instead of sorting every
-- person's counts on each request. The reads use the same expression
-- (`owned_objectives + owned_key_results`), which both SQLite and PostgreSQL match to it.
CREATE INDEX participation_counts_owned_idx ON participation_counts
    (cycle_id, reach, (owned_objectives + owned_key_results) DESC, person_id);
