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
    /// at a time: one query per page whatever the number of rows.
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

/// The `SELECT` of one kind's hits, as `(rank, id, title, context)`; `fts` is the bound trigram
/// query when the SQLite index narrows the search.
fn branch(
    w: &mut Where,
    kind: SearchKind,
    reader: &Reader,
    like: &str,
    fts: Option<&str>,
) -> String {
    // The reader's rule on each hit's objective row (aliased `o` in both branches), checked row
    // by row: the `IN (…)` form judged every objective of the organisation in each branch.
    let visible = |w: &mut Where| match reader {
        Reader::Everyone => String::new(),
        Reader::Audience(a) => format!(" AND {}", visible_sql(w, a, "o")),
    };
    let indexed = |col: &str| fts.map_or_else(String::new, |f| index_filter(kind, col, f));
    let rank = kind.rank();
    match kind {
        SearchKind::Objective => format!(
            "SELECT CAST({rank} AS BIGINT) AS rank, o.id, o.title, '' AS context FROM objectives o \
             WHERE o.deleted_at IS NULL AND lower(o.title) LIKE {like} ESCAPE '\\'{}{}",
            indexed("o.id"),
            visible(w)
        ),
        SearchKind::KeyResult => format!(
            "SELECT CAST({rank} AS BIGINT) AS rank, k.id, k.title, k.objective_id AS context FROM key_results k \
             JOIN objectives o ON o.id = k.objective_id AND o.deleted_at IS NULL \
             WHERE k.deleted_at IS NULL AND lower(k.title) LIKE {like} ESCAPE '\\'{}{}",
            indexed("k.id"),
            visible(w)
        ),
        SearchKind::Person => format!(
            "SELECT CAST({rank} AS BIGINT) AS rank, id, name AS title, title AS context FROM people \
             WHERE active = {} AND search_key LIKE {like} ESCAPE '\\'{}",
            w.arg(true),
            indexed("id")
        ),
        SearchKind::Team => format!(
            "SELECT CAST({rank} AS BIGINT) AS rank, id, name AS title, '' AS context FROM teams \
             WHERE lower(name) LIKE {like} ESCAPE '\\'{}",
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
        let mut w = Where::default();
        let like = w.arg(contains_pattern(&query.text.trim().to_lowercase()));
        // PostgreSQL's trigram indexes serve the `LIKE` itself; SQLite's FTS5 index is asked.
        let fts = match self.db.backend() {
            "sqlite" => trigram_query(&query.text).map(|q| w.arg(q)),
            _ => None,
        };
        let kinds: Vec<SearchKind> = match query.kind {
            Some(k) => vec![k],
            None => SearchKind::ALL.to_vec(),
        };
        let union = kinds
            .into_iter()
            .map(|k| branch(&mut w, k, &query.reader, &like, fts.as_deref()))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        if let Some((rank, id)) = parse_cursor(page)? {
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
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(hit_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, cursor_of))
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
