//! Cursor pagination and WHERE-clause building shared by every list query.

use crate::db::Arg;
use crate::sql::*;

pub(crate) fn clamp(limit: u32) -> usize {
    limit.clamp(1, 500) as usize
}

pub(crate) fn id_cursor(page: &PageRequest) -> StoreResult<Option<String>> {
    match &page.cursor {
        None => Ok(None),
        Some(c) => match c.strip_prefix("i:") {
            Some(id) if !id.is_empty() => Ok(Some(id.to_string())),
            _ => Err(StoreError::BadCursor),
        },
    }
}

pub(crate) fn time_cursor(page: &PageRequest) -> StoreResult<Option<(i64, String)>> {
    match &page.cursor {
        None => Ok(None),
        Some(c) => {
            let rest = c.strip_prefix("t:").ok_or(StoreError::BadCursor)?;
            let (at, id) = rest.split_once(':').ok_or(StoreError::BadCursor)?;
            let at: i64 = at.parse().map_err(|_| StoreError::BadCursor)?;
            if id.is_empty() {
                return Err(StoreError::BadCursor);
            }
            Ok(Some((at, id.to_string())))
        }
    }
}

/// Trims a `limit + 1` fetch to a page, with the cursor of its last item when more follow.
pub(crate) fn paginate<T>(
    mut items: Vec<T>,
    limit: usize,
    cursor: impl Fn(&T) -> String,
) -> Page<T> {
    let more = items.len() > limit;
    items.truncate(limit);
    let next_cursor = if more { items.last().map(cursor) } else { None };
    Page { items, next_cursor }
}

/// A WHERE clause under construction; `arg` returns the placeholder of the argument it adds.
/// `joins` are `LEFT JOIN`s its clauses need (the visibility rule's reach, `visible_join`):
/// `sql` puts them before `WHERE`, so a query's `FROM` ends where `sql()` is spliced in.
#[derive(Default)]
pub(crate) struct Where {
    pub(crate) clauses: Vec<String>,
    pub(crate) args: Vec<Arg>,
    pub(crate) joins: Vec<String>,
}

impl Where {
    pub(crate) fn arg(&mut self, a: impl Into<Arg>) -> String {
        self.args.push(a.into());
        format!("${}", self.args.len())
    }
    pub(crate) fn add(&mut self, clause: String) {
        self.clauses.push(clause);
    }
    pub(crate) fn sql(&self) -> String {
        let joins: String = self.joins.iter().map(|j| format!("{j} ")).collect();
        if self.clauses.is_empty() {
            joins
        } else {
            format!("{joins}WHERE {}", self.clauses.join(" AND "))
        }
    }
}
