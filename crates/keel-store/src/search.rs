//! Finding anything by a few letters of its name: objectives, key results, people and teams in
//! one query, filtered by the reader's visibility in SQL so pages are never short and nothing
//! private leaks through a result or a count.
//!
//! Why an index: a case-insensitive substring (`lower(title) LIKE '%…%'`) cannot use a B-tree, so
//! every search scanned four tables, a cost that grows with the organisation. Migration 23 adds a
//! trigram index on each backend, kept by the database in the writing transaction: PostgreSQL's
//! `pg_trgm` GIN indexes serve the very `LIKE` below (nothing to change in the query); on SQLite
//! an FTS5 trigram table (`search_index`, filled by triggers) narrows each kind to the rows whose
//! text holds the searched text ([`index_filter`]), and the `LIKE` is still applied to them, so
//! what is found is exactly what the scan found. Fewer than three characters make no trigram:
//! such a search scans, as before.
//!
//! On SQLite a page is read kind by kind, each first from a window of rows in id order (a
//! common text fills the page there, where the index would hand over tens of thousands of hits
//! to sort), then from the index when the window did not fill it ([`WINDOW`]). The reader's
//! visibility is checked on each hit's objective row.

use crate::db::{args, Row, Tx};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// What a search hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SearchKind {
    Objective,
    KeyResult,
    Person,
    Team,
}

impl SearchKind {
    /// Every kind, in the order results are listed.
    pub const ALL: [SearchKind; 4] = [
        SearchKind::Objective,
        SearchKind::KeyResult,
        SearchKind::Person,
        SearchKind::Team,
    ];

    /// The rank that orders results by kind (and names the kind in the cursor).
    fn rank(self) -> i64 {
        match self {
            SearchKind::Objective => 1,
            SearchKind::KeyResult => 2,
            SearchKind::Person => 3,
            SearchKind::Team => 4,
        }
    }

    fn from_rank(rank: i64) -> StoreResult<SearchKind> {
        SearchKind::ALL
            .into_iter()
            .find(|k| k.rank() == rank)
            .ok_or_else(|| StoreError::Corrupt {
                column: "rank".into(),
                message: format!("no kind of search hit ranks {rank}"),
            })
    }
}

/// A search: text to find (a case-insensitive substring), for a reader, optionally of one kind.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// Only what this reader may see.
    pub reader: Reader,
    /// The text to find in titles and names (and people's email addresses).
    pub text: String,
    /// Only hits of this kind.
    pub kind: Option<SearchKind>,
}

/// One thing found.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub kind: SearchKind,
    /// The objective's, key result's, person's or team's id.
    pub id: String,
    /// Its title or name.
    pub title: String,
    /// Where it sits: a key result's objective id; a person's job title; empty otherwise.
    pub context: String,
}

/// Search across the OKRs and the directory.
#[async_trait]
pub trait Search: Send + Sync {
    /// Hits for `query`, ordered by kind (objectives, key results, people, teams) then id, a page
    /// at a time: one query per page (PostgreSQL), at most two per kind (SQLite), whatever the
    /// number of rows.
    async fn search(&self, query: &SearchQuery, page: &PageRequest)
        -> StoreResult<Page<SearchHit>>;
}

#[async_trait]
impl Search for dyn Store {
    async fn search(
        &self,
        query: &SearchQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<SearchHit>> {
        self.as_search().search(query, page).await
    }
}

/// Whether a SQLite table belongs to the search index (migration 23: the FTS5 table, its shadow
/// tables and its key map). They hold derived data the triggers keep, not the organisation's
/// rows: backups, transfers and the schema's declarations leave them out, and loading the rows
/// rebuilds them.
pub fn is_search_index_table(name: &str) -> bool {
    name == "search_index" || name.starts_with("search_index_")
}

/// The fewest characters the trigram index can look up: shorter searches scan.
const TRIGRAM: usize = 3;

/// The FTS5 query that finds `text` as a substring in the SQLite trigram index: one quoted
/// string (a phrase of its trigrams), with `"` doubled so nothing in it is query syntax. `None`
/// when it is too short for a trigram.
fn trigram_query(text: &str) -> Option<String> {
    let text = text.trim().to_lowercase();
    (text.chars().count() >= TRIGRAM).then(|| format!("\"{}\"", text.replace('"', "\"\"")))
}

/// The SQLite condition that keeps `col` (the id of a row of `kind`) to the rows the trigram
/// index finds for the query bound as `fts`: a superset of those the `LIKE` matches (the index
/// folds case at least as widely), which the `LIKE` then checks. The index's hits are read
/// first and each looked up in the key map by its rowid (`CROSS JOIN`): left to itself, SQLite
/// read every key of the kind (426,000 key results at 100,000 people: 25 ms for no hit at all).
fn index_filter(kind: SearchKind, col: &str, fts: &str) -> String {
    format!(
        " AND {col} IN (SELECT s.ref_id FROM search_index f CROSS JOIN search_index_keys s \
         WHERE f.search_index MATCH {fts} AND s.id = f.rowid AND s.kind = '{}')",
        index_kind(kind)
    )
}

/// The kind as the SQLite index's triggers write it (migration 23).
fn index_kind(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Objective => "objective",
        SearchKind::KeyResult => "key_result",
        SearchKind::Person => "person",
        SearchKind::Team => "team",
    }
}

/// The cursor `s:RANK:ID` of a hit.
fn cursor_of(hit: &SearchHit) -> String {
    format!("s:{}:{}", hit.kind.rank(), hit.id)
}

fn parse_cursor(page: &PageRequest) -> StoreResult<Option<(i64, String)>> {
    let Some(c) = &page.cursor else {
        return Ok(None);
    };
    let rest = c.strip_prefix("s:").ok_or(StoreError::BadCursor)?;
    let (rank, id) = rest.split_once(':').ok_or(StoreError::BadCursor)?;
    let rank: i64 = rank.parse().map_err(|_| StoreError::BadCursor)?;
    if id.is_empty() || SearchKind::from_rank(rank).is_err() {
        return Err(StoreError::BadCursor);
    }
    Ok(Some((rank, id.to_string())))
}

/// How one kind's rows are narrowed before the `LIKE` checks them.
#[derive(Clone, Copy)]
enum Narrow<'a> {
    /// Every row (PostgreSQL, whose trigram indexes serve the `LIKE` itself; a search too short
    /// for a trigram).
    Scan,
    /// The rows the SQLite trigram index finds for the bound query.
    Index(&'a str),
    /// The first `WINDOW` rows by id after the bound id (or from the first): a common text is
    /// found there at once, without reading every hit of the index to sort them.
    Window(Option<&'a str>),
}

/// How many rows of a kind a search walks by id before asking the trigram index: when they hold
/// a page of hits, those are the first hits by id (any later one has a greater id); when not,
/// the index finds the rest. At 100,000 people, 2,000 rows cost about 2 ms; a text found in
/// every fiftieth row fills a page there (a fifth of the objectives hold "grow"), while reading
/// and sorting its 20,000 hits from the index took 50 ms.
const WINDOW: usize = 2_000;

/// The `SELECT` of one kind's hits, as `(rank, id, title, context)`, narrowed by `narrow`.
fn branch(
    w: &mut Where,
    kind: SearchKind,
    reader: &Reader,
    like: &str,
    narrow: Narrow<'_>,
) -> String {
    // The reader's rule on each hit's objective row (aliased `o` in both branches), checked row
    // by row: the `IN (…)` form judged every objective of the organisation in each branch.
    let visible = |w: &mut Where| match reader {
        Reader::Everyone => String::new(),
        Reader::Audience(a) => format!(" AND {}", visible_sql(w, a, "o")),
    };
    let indexed = |col: &str| match narrow {
        Narrow::Index(f) => index_filter(kind, col, f),
        _ => String::new(),
    };
    let from = |table: &str, alias: &str| match narrow {
        Narrow::Window(after) => format!(
            "(SELECT * FROM {table}{} ORDER BY id LIMIT {WINDOW}) {alias}",
            after
                .map(|a| format!(" WHERE id > {a}"))
                .unwrap_or_default()
        ),
        _ => format!("{table} {alias}"),
    };
    let rank = kind.rank();
    match kind {
        SearchKind::Objective => format!(
            "SELECT CAST({rank} AS BIGINT) AS rank, o.id, o.title, '' AS context FROM {} \
             WHERE o.deleted_at IS NULL AND lower(o.title) LIKE {like} ESCAPE '\\'{}{}",
            from("objectives", "o"),
            indexed("o.id"),
            visible(w)
        ),
        SearchKind::KeyResult => format!(
            "SELECT CAST({rank} AS BIGINT) AS rank, k.id, k.title, k.objective_id AS context FROM {} \
             CROSS JOIN objectives o WHERE o.id = k.objective_id AND o.deleted_at IS NULL \
             AND k.deleted_at IS NULL AND lower(k.title) LIKE {like} ESCAPE '\\'{}{}",
            from("key_results", "k"),
            indexed("k.id"),
            visible(w)
        ),
        SearchKind::Person => format!(
            "SELECT CAST({rank} AS BIGINT) AS rank, id, name AS title, title AS context FROM {} \
             WHERE active = {} AND search_key LIKE {like} ESCAPE '\\'{}",
            from("people", "people"),
            w.arg(true),
            indexed("id")
        ),
        SearchKind::Team => format!(
            "SELECT CAST({rank} AS BIGINT) AS rank, id, name AS title, '' AS context FROM {} \
             WHERE lower(name) LIKE {like} ESCAPE '\\'{}",
            from("teams", "teams"),
            indexed("id")
        ),
    }
}

fn hit_from(r: &Row) -> StoreResult<SearchHit> {
    Ok(SearchHit {
        kind: SearchKind::from_rank(r.int("rank")?)?,
        id: r.text("id")?,
        title: r.text("title")?,
        context: r.opt_text("context")?.unwrap_or_default(),
    })
}

#[async_trait]
impl Search for SqlStore {
    async fn search(
        &self,
        query: &SearchQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<SearchHit>> {
        let limit = clamp(page.limit);
        let kinds: Vec<SearchKind> = match query.kind {
            Some(k) => vec![k],
            None => SearchKind::ALL.to_vec(),
        };
        let cursor = parse_cursor(page)?;
        // PostgreSQL's trigram indexes serve the `LIKE` itself; SQLite's FTS5 index is asked.
        let fts = match self.db.backend() {
            "sqlite" => trigram_query(&query.text),
            _ => None,
        };
        let Some(fts) = fts else {
            let items = self.hits_in_one(query, &kinds, cursor, limit).await?;
            return Ok(paginate(items, limit, cursor_of));
        };
        // SQLite: kind by kind (in the order of the list), each first from its window of rows
        // by id, then from the index when the window did not fill the page. Two queries per
        // kind whatever the hits: one that has nothing left to find is sent with `LIMIT 0`,
        // which SQLite answers without reading a row.
        let mut items = Vec::new();
        for kind in kinds {
            let after = match &cursor {
                Some((rank, _)) if *rank > kind.rank() => continue,
                Some((rank, id)) if *rank == kind.rank() => Some(id.as_str()),
                _ => None,
            };
            let need = limit + 1 - items.len();
            let walked = self.hits_of(query, kind, None, after, need).await?;
            let rest = if walked.len() == need { 0 } else { need };
            let found = self.hits_of(query, kind, Some(&fts), after, rest).await?;
            if walked.len() == need {
                items.extend(walked);
            } else {
                items.extend(found);
            }
        }
        Ok(paginate(items, limit, cursor_of))
    }
}

impl SqlStore {
    /// One query for every kind at once, ordered by kind then id (PostgreSQL, and SQLite for a
    /// text too short for a trigram).
    async fn hits_in_one(
        &self,
        query: &SearchQuery,
        kinds: &[SearchKind],
        cursor: Option<(i64, String)>,
        limit: usize,
    ) -> StoreResult<Vec<SearchHit>> {
        let mut w = Where::default();
        let like = w.arg(contains_pattern(&query.text.trim().to_lowercase()));
        let union = kinds
            .iter()
            .map(|k| branch(&mut w, *k, &query.reader, &like, Narrow::Scan))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        if let Some((rank, id)) = cursor {
            let r = w.arg(rank);
            let i = w.arg(id);
            w.add(format!("(h.rank > {r} OR (h.rank = {r} AND h.id > {i}))"));
        }
        let sql = format!(
            "SELECT h.rank, h.id, h.title, h.context FROM ({union}) h {} \
             ORDER BY h.rank, h.id LIMIT {}",
            w.sql(),
            limit + 1
        );
        self.db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(hit_from)
            .collect()
    }

    /// The first `need` hits of one kind after the id `after` (SQLite), from the trigram index
    /// when given its query `fts`, else from the window of rows after `after`.
    async fn hits_of(
        &self,
        query: &SearchQuery,
        kind: SearchKind,
        fts: Option<&str>,
        after: Option<&str>,
        need: usize,
    ) -> StoreResult<Vec<SearchHit>> {
        let mut w = Where::default();
        let like = w.arg(contains_pattern(&query.text.trim().to_lowercase()));
        let after = after.map(|a| w.arg(a));
        let fts = fts.map(|f| w.arg(f));
        let narrow = match &fts {
            Some(f) => Narrow::Index(f),
            None => Narrow::Window(after.as_deref()),
        };
        let one = branch(&mut w, kind, &query.reader, &like, narrow);
        if let (Some(a), Some(_)) = (&after, &fts) {
            w.add(format!("h.id > {a}"));
        }
        let sql = format!(
            "SELECT h.rank, h.id, h.title, h.context FROM ({one}) h {} ORDER BY h.id LIMIT {need}",
            w.sql()
        );
        self.db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(hit_from)
            .collect()
    }
}

/// A bulk load's way past the search index's row-by-row triggers (SQLite only): FTS5 flushes
/// its pending terms at every statement of a transaction that wrote to it, which made the index
/// a fifth of a whole organisation's load. [`BulkIndexing::pause`] drops the insert triggers
/// inside the load's transaction; [`BulkIndexing::resume`] indexes every row the load added in
/// one statement per kind and puts the triggers back exactly as the schema has them. All of it
/// in the load's transaction: a failed load leaves the triggers as they were.
pub(crate) struct BulkIndexing {
    /// The insert triggers (name, SQL) as `sqlite_master` has them.
    triggers: Vec<(String, String)>,
    /// The highest indexed key before the load: the load's rows are above it.
    before: i64,
}

/// What each indexed kind reads: its table and the indexed text.
const INDEXED: [(&str, &str, &str); 4] = [
    ("objective", "objectives", "title"),
    ("key_result", "key_results", "title"),
    ("person", "people", "search_key"),
    ("team", "teams", "name"),
];

impl BulkIndexing {
    /// Drops the search index's insert triggers for the rest of `tx` (nothing on PostgreSQL,
    /// whose index is on the tables themselves).
    pub(crate) async fn pause(tx: &mut Tx) -> StoreResult<Option<BulkIndexing>> {
        if !tx.is_sqlite() {
            return Ok(None);
        }
        let rows = tx
            .fetch_all(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' \
                 AND name LIKE 'search\\_index\\_%\\_insert' ESCAPE '\\' ORDER BY name",
                vec![],
            )
            .await?;
        let mut triggers = Vec::with_capacity(rows.len());
        for r in rows {
            triggers.push((r.text("name")?, r.text("sql")?));
        }
        for (name, _) in &triggers {
            tx.script(&format!("DROP TRIGGER {name}")).await?;
        }
        let before = tx
            .fetch_optional(
                "SELECT COALESCE(MAX(id), 0) AS n FROM search_index_keys",
                vec![],
            )
            .await?
            .map(|r| r.int("n"))
            .transpose()?
            .unwrap_or(0);
        Ok(Some(BulkIndexing { triggers, before }))
    }

    /// Indexes the rows added since [`BulkIndexing::pause`] and restores the triggers.
    pub(crate) async fn resume(self, tx: &mut Tx) -> StoreResult<()> {
        for (kind, table, text) in INDEXED {
            tx.script(&format!(
                "INSERT INTO search_index_keys (kind, ref_id) SELECT '{kind}', t.id FROM {table} t \
                 WHERE NOT EXISTS (SELECT 1 FROM search_index_keys k WHERE k.kind = '{kind}' AND k.ref_id = t.id)"
            ))
            .await?;
            tx.execute_once(
                &format!(
                    "INSERT INTO search_index (rowid, body) SELECT k.id, t.{text} FROM search_index_keys k \
                     JOIN {table} t ON t.id = k.ref_id WHERE k.kind = '{kind}' AND k.id > $1"
                ),
                args![self.before],
            )
            .await?;
        }
        for (_, sql) in &self.triggers {
            tx.script(sql).await?;
        }
        Ok(())
    }
}
