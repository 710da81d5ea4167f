//! Finding anything by a few letters of its name: objectives, key results, people and teams in
//! one query, filtered by the reader's visibility in SQL so pages are never short and nothing
//! private leaks through a result or a count.

use crate::db::Row;
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

/// `LIKE` pattern for a case-insensitive substring, with `%`, `_` and `\` taken literally.
fn pattern(text: &str) -> String {
    let escaped = text
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
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

/// The `SELECT` of one kind's hits, as `(rank, id, title, context)`.
fn branch(w: &mut Where, kind: SearchKind, reader: &Reader, like: &str) -> String {
    let visible = |w: &mut Where, col: &str| match reader {
        Reader::Everyone => String::new(),
        Reader::Audience(a) => format!(" AND {}", visible_objective(w, a, col)),
    };
    let rank = kind.rank();
    match kind {
        SearchKind::Objective => format!(
            "SELECT CAST({rank} AS BIGINT) AS rank, id, title, '' AS context FROM objectives \
             WHERE deleted_at IS NULL AND lower(title) LIKE {like} ESCAPE '\\'{}",
            visible(w, "id")
        ),
        SearchKind::KeyResult => format!(
            "SELECT CAST({rank} AS BIGINT) AS rank, k.id, k.title, k.objective_id AS context FROM key_results k \
             JOIN objectives o ON o.id = k.objective_id AND o.deleted_at IS NULL \
             WHERE k.deleted_at IS NULL AND lower(k.title) LIKE {like} ESCAPE '\\'{}",
            visible(w, "k.objective_id")
        ),
        SearchKind::Person => format!(
            "SELECT CAST({rank} AS BIGINT) AS rank, id, name AS title, title AS context FROM people \
             WHERE active = {} AND search_key LIKE {like} ESCAPE '\\'",
            w.arg(true)
        ),
        SearchKind::Team => format!(
            "SELECT CAST({rank} AS BIGINT) AS rank, id, name AS title, '' AS context FROM teams \
             WHERE lower(name) LIKE {like} ESCAPE '\\'"
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
        let like = w.arg(pattern(&query.text));
        let kinds: Vec<SearchKind> = match query.kind {
            Some(k) => vec![k],
            None => SearchKind::ALL.to_vec(),
        };
        let union = kinds
            .into_iter()
            .map(|k| branch(&mut w, k, &query.reader, &like))
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
