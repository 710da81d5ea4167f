//! The thin layer that lets the store's SQL be written once for SQLite and PostgreSQL without
//! `sqlx::Any`: typed arguments bound in order to `$1, $2 …` placeholders (sqlx maps `$N` to the
//! N-th argument on SQLite too), rows with typed accessors, and the few dialect differences.

use crate::{StoreError, StoreResult};
use sqlx::postgres::{PgPool, PgRow, Postgres};
use sqlx::sqlite::{Sqlite, SqlitePool, SqliteRow};
use sqlx::{Row as _, Transaction};

/// The connection pools of one store.
#[derive(Debug, Clone)]
pub enum Db {
    /// All writes go through `write` (one connection: our own writers never see SQLITE_BUSY);
    /// reads through `read`. For `sqlite::memory:` both are the same one-connection pool.
    Sqlite {
        write: SqlitePool,
        read: SqlitePool,
    },
    Postgres(PgPool),
}

/// A bound argument. Nulls are typed so that PostgreSQL knows the parameter's type.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_string))
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Arg::Real(Some(v))
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Int(Some(i64::from(v)))
    }
}

/// Builds an argument list: `args![a, b, c]`.
macro_rules! args {
    ($($e:expr),* $(,)?) => { vec![$($crate::db::Arg::from($e)),*] };
}
pub(crate) use args;

/// `$start, $start+1, …` for `n` arguments (IN-lists, multi-row VALUES).
pub fn placeholders(start: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 4);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('$');
        s.push_str(&(start + i).to_string());
    }
    s
}

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>;
type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// SQLite resolves each `$N` by a linear search of the names seen so far, and sqlx looks each
/// named parameter's name up again when binding: quadratic in the number of parameters (minutes
/// for a 30,000-parameter bulk insert). So `$N` is rewritten: to a plain `?` when the placeholders
/// are exactly `$1, $2, …` in order (bulk inserts: constant time), else to `?N`. Our SQL never
/// has `$` followed by a digit inside a literal.
fn sqlite_sql(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('$') {
        return std::borrow::Cow::Borrowed(sql);
    }
    let bytes = sql.as_bytes();
    let mut sequential = true;
    let mut expected = 1u64;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let mut j = i + 1;
            let mut n = 0u64;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                n = n * 10 + u64::from(bytes[j] - b'0');
                j += 1;
            }
            if n != expected {
                sequential = false;
                break;
            }
            expected += 1;
            i = j;
        } else {
            i += 1;
        }
    }
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            out.push('?');
            i += 1;
            if sequential {
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
        } else {
            // Copy up to the next '$' (keeps multi-byte characters intact).
            let next = sql[i..].find('$').map(|k| i + k).unwrap_or(bytes.len());
            let next = if next == i { i + 1 } else { next };
            out.push_str(&sql[i..next]);
            i = next;
        }
    }
    std::borrow::Cow::Owned(out)
}

fn sqlite_query(sql: &str, args: Vec<Arg>) -> SqliteQuery<'_> {
    let mut q = sqlx::query::<Sqlite>(sql);
    for a in args {
        q = match a {
            Arg::Text(v) => q.bind(v),
            Arg::Int(v) => q.bind(v),
            Arg::Real(v) => q.bind(v),
        };
    }
    q
}

fn pg_query(sql: &str, args: Vec<Arg>) -> PgQuery<'_> {
    let mut q = sqlx::query::<Postgres>(sql);
    for a in args {
        q = match a {
            Arg::Text(v) => q.bind(v),
            Arg::Int(v) => q.bind(v),
            Arg::Real(v) => q.bind(v),
        };
    }
    q
}

/// A result row of either backend.
pub enum Row {
    Sqlite(SqliteRow),
    Pg(PgRow),
}

macro_rules! get {
    ($self:ident, $col:ident, $t:ty) => {
        match $self {
            Row::Sqlite(r) => r.try_get::<$t, _>($col).map_err(StoreError::from),
            Row::Pg(r) => r.try_get::<$t, _>($col).map_err(StoreError::from),
        }
    };
}

impl Row {
    pub fn text(&self, col: &str) -> StoreResult<String> {
        get!(self, col, String)
    }
    pub fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        get!(self, col, Option<String>)
    }
    pub fn int(&self, col: &str) -> StoreResult<i64> {
        get!(self, col, i64)
    }
    pub fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        get!(self, col, Option<i64>)
    }
    pub fn real(&self, col: &str) -> StoreResult<f64> {
        get!(self, col, f64)
    }
    #[allow(dead_code)]
    pub fn opt_real(&self, col: &str) -> StoreResult<Option<f64>> {
        get!(self, col, Option<f64>)
    }
}

/// An open write transaction.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

impl Db {
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite { .. } => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// The most bound parameters one statement may carry.
    pub fn max_params(&self) -> usize {
        match self {
            Db::Sqlite { .. } => 32_766,
            Db::Postgres(_) => 65_535,
        }
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so a transaction that reads before writing can never fail to upgrade.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Pg(p.begin().await?),
        })
    }

    pub async fn fetch_all(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<Row>> {
        Ok(match self {
            Db::Sqlite { read, .. } => sqlite_query(&sqlite_sql(sql), args)
                .fetch_all(read)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Db::Postgres(p) => pg_query(sql, args)
                .fetch_all(p)
                .await?
                .into_iter()
                .map(Row::Pg)
                .collect(),
        })
    }

    pub async fn fetch_optional(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Option<Row>> {
        Ok(match self {
            Db::Sqlite { read, .. } => sqlite_query(&sqlite_sql(sql), args)
                .fetch_optional(read)
                .await?
                .map(Row::Sqlite),
            Db::Postgres(p) => pg_query(sql, args).fetch_optional(p).await?.map(Row::Pg),
        })
    }

    /// A write outside any transaction (not audited, e.g. recording a token's use).
    pub async fn execute(&self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        Ok(match self {
            Db::Sqlite { write, .. } => sqlite_query(&sqlite_sql(sql), args)
                .execute(write)
                .await?
                .rows_affected(),
            Db::Postgres(p) => pg_query(sql, args).execute(p).await?.rows_affected(),
        })
    }
}

impl Tx {
    pub async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        Ok(match self {
            Tx::Sqlite(t) => sqlite_query(&sqlite_sql(sql), args)
                .execute(&mut **t)
                .await?
                .rows_affected(),
            Tx::Pg(t) => pg_query(sql, args).execute(&mut **t).await?.rows_affected(),
        })
    }

    /// Like `execute`, without caching the prepared statement (one-off bulk statements).
    pub async fn execute_once(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        Ok(match self {
            Tx::Sqlite(t) => sqlite_query(&sqlite_sql(sql), args)
                .persistent(false)
                .execute(&mut **t)
                .await?
                .rows_affected(),
            Tx::Pg(t) => pg_query(sql, args)
                .persistent(false)
                .execute(&mut **t)
                .await?
                .rows_affected(),
        })
    }

    pub async fn fetch_all(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<Row>> {
        Ok(match self {
            Tx::Sqlite(t) => sqlite_query(&sqlite_sql(sql), args)
                .fetch_all(&mut **t)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Tx::Pg(t) => pg_query(sql, args)
                .fetch_all(&mut **t)
                .await?
                .into_iter()
                .map(Row::Pg)
                .collect(),
        })
    }

    pub async fn fetch_optional(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<Option<Row>> {
        Ok(match self {
            Tx::Sqlite(t) => sqlite_query(&sqlite_sql(sql), args)
                .fetch_optional(&mut **t)
                .await?
                .map(Row::Sqlite),
            Tx::Pg(t) => pg_query(sql, args)
                .fetch_optional(&mut **t)
                .await?
                .map(Row::Pg),
        })
    }

    /// Defers foreign-key checks to commit (bulk loads in any order).
    pub async fn defer_foreign_keys(&mut self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => {
                sqlx::query("PRAGMA defer_foreign_keys = ON")
                    .execute(&mut **t)
                    .await?;
            }
            Tx::Pg(t) => {
                sqlx::query("SET CONSTRAINTS ALL DEFERRED")
                    .execute(&mut **t)
                    .await?;
            }
        }
        Ok(())
    }

    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Pg(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Reads either from the pools or inside an open transaction, so that read helpers are written
/// once and used both ways.
pub enum Exec<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

impl Exec<'_> {
    pub async fn fetch_all(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<Row>> {
        match self {
            Exec::Db(d) => d.fetch_all(sql, args).await,
            Exec::Tx(t) => t.fetch_all(sql, args).await,
        }
    }
}

/// Maps a database error to the store's error, naming the API field a constraint concerns.
pub fn map_err(e: StoreError) -> StoreError {
    let StoreError::Database(err) = e else {
        return e;
    };
    let Some(dbe) = err.as_database_error() else {
        return StoreError::Database(err);
    };
    let constraint = dbe.constraint().unwrap_or("").to_string();
    let message = dbe.message().to_string();
    match dbe.kind() {
        sqlx::error::ErrorKind::UniqueViolation => {
            if constraint == "people_email_key" || message.contains("people.email_key") {
                StoreError::Conflict {
                    field: "email".into(),
                    message: "a person with this email already exists".into(),
                }
            } else if constraint == "api_tokens_secret_hash_key"
                || message.contains("api_tokens.secret_hash")
            {
                StoreError::Conflict {
                    field: "secret_hash".into(),
                    message: "a token with this secret already exists".into(),
                }
            } else if constraint.ends_with("_pkey") || message.contains(".id") {
                StoreError::Conflict {
                    field: "id".into(),
                    message: "a record with this id already exists".into(),
                }
            } else {
                StoreError::Conflict {
                    field: "id".into(),
                    message: format!("duplicate: {message}"),
                }
            }
        }
        sqlx::error::ErrorKind::ForeignKeyViolation => {
            let field = fk_field(&constraint);
            StoreError::Conflict {
                message: if field == "reference" {
                    "a referenced record does not exist".into()
                } else {
                    format!("{field}: a referenced record does not exist")
                },
                field: field.into(),
            }
        }
        _ => StoreError::Database(err),
    }
}

/// The API field a named foreign key concerns (PostgreSQL names the constraint; SQLite does
/// not, hence `reference`).
fn fk_field(constraint: &str) -> &'static str {
    match constraint {
        "people_manager_id_fkey" => "manager_id",
        "teams_parent_id_fkey" | "cycles_parent_id_fkey" => "parent_id",
        "teams_lead_id_fkey" => "lead_id",
        "team_members_person_id_fkey" => "member_ids",
        "objectives_cycle_id_fkey" => "cycle_id",
        "objectives_owner_id_fkey" | "key_results_owner_id_fkey" | "initiatives_owner_id_fkey" => {
            "owner_id"
        }
        "objectives_sponsor_id_fkey" | "key_results_sponsor_id_fkey" => "sponsor_id",
        "objective_teams_team_id_fkey" | "key_result_teams_team_id_fkey" => "team_ids",
        "objective_contributors_person_id_fkey" | "key_result_contributors_person_id_fkey" => {
            "contributor_ids"
        }
        "objective_co_owners_person_id_fkey" | "key_result_co_owners_person_id_fkey" => {
            "co_owner_ids"
        }
        "ownership_requests_proposed_owner_id_fkey" => "proposed_owner_id",
        "ownership_requests_proposed_by_fkey" => "proposed_by",
        "ownership_requests_previous_owner_id_fkey" => "previous_owner_id",
        "ownership_requests_objective_id_fkey" | "ownership_requests_key_result_id_fkey" => "okr",
        "objective_parents_parent_objective_id_fkey"
        | "objective_parents_parent_key_result_id_fkey" => "parent_ids",
        "key_results_objective_id_fkey" => "objective_id",
        "check_ins_key_result_id_fkey" | "initiatives_key_result_id_fkey" => "key_result_id",
        "check_ins_author_id_fkey" => "author_id",
        "api_tokens_person_id_fkey" => "person_id",
        _ => "reference",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_for_sqlite() {
        assert_eq!(super::sqlite_sql("a = $1 AND b = $2"), "a = ? AND b = ?");
        assert_eq!(super::sqlite_sql("a = $1 OR b = $1"), "a = ?1 OR b = ?1");
        assert_eq!(
            super::sqlite_sql("x < $2 AND y = $1 AND 'é$'"),
            "x < ?2 AND y = ?1 AND 'é$'"
        );
        assert_eq!(super::sqlite_sql("no params"), "no params");
    }
}
