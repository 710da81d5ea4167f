//! Reading one number from a database an administrator registered (a pulled source's query).
//! Why in the store crate: it is the crate that speaks to databases; the query runs with the
//! safeguards in one place: PostgreSQL only, a READ ONLY transaction that is rolled back, a
//! statement timeout, the query wrapped as a subquery (a second statement or a data-modifying
//! `WITH` cannot run), and at most two rows read.

use sqlx::{Connection, Row};
use std::time::Duration;

/// Why a registered database gave no number, in words for the source's owner. `Connect` and
/// `Url` are about the database (the administrator's), the rest about the query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExternalError {
    #[error("only PostgreSQL databases (postgres://…) can be registered")]
    Url,
    #[error("could not connect to the database: {0}")]
    Connect(String),
    #[error("the database refused the query: {0}")]
    Query(String),
    #[error("the query gave no row")]
    NoRow,
    #[error("the query gave more than one row")]
    ManyRows,
    #[error("the query must give one column, not {0}")]
    Columns(usize),
    #[error("the query gave {0}, not a number")]
    NotANumber(&'static str),
    #[error("no answer within {0} seconds")]
    Timeout(u64),
}

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres_url(url: &str) -> bool {
    let u = url.trim();
    u.starts_with("postgres://") || u.starts_with("postgresql://")
}

/// Runs `query` (one SELECT, checked by the caller) read-only on the database at `url` and
/// returns the one number of its one row.
pub async fn read_number(url: &str, query: &str, timeout: Duration) -> Result<f64, ExternalError> {
    if !is_postgres_url(url) {
        return Err(ExternalError::Url);
    }
    let secs = timeout.as_secs().max(1);
    tokio::time::timeout(timeout + Duration::from_secs(2), read(url, query, timeout))
        .await
        .map_err(|_| ExternalError::Timeout(secs))?
}

async fn read(url: &str, query: &str, timeout: Duration) -> Result<f64, ExternalError> {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .map_err(|e| ExternalError::Connect(words(&e)))?;
    let outcome = read_in(&mut conn, query, timeout).await;
    conn.close().await.ok();
    outcome
}

async fn read_in(
    conn: &mut sqlx::PgConnection,
    query: &str,
    timeout: Duration,
) -> Result<f64, ExternalError> {
    let q = |e: sqlx::Error| match &e {
        sqlx::Error::Database(d) if d.code().as_deref() == Some("57014") => {
            ExternalError::Timeout(timeout.as_secs().max(1))
        }
        _ => ExternalError::Query(words(&e)),
    };
    let mut tx = conn.begin().await.map_err(q)?;
    sqlx::query("SET TRANSACTION READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(q)?;
    sqlx::query(&format!(
        "SET LOCAL statement_timeout = {}",
        timeout.as_millis().max(1)
    ))
    .execute(&mut *tx)
    .await
    .map_err(q)?;
    // Each row as JSON text: any numeric type reads back as a JSON number, and the column
    // count is the object's size, whatever the types.
    let wrapped = format!(
        "SELECT CAST(row_to_json(keel_source) AS TEXT) FROM ({query}\n) AS keel_source LIMIT 2"
    );
    let rows = sqlx::query(&wrapped).fetch_all(&mut *tx).await.map_err(q)?;
    tx.rollback().await.ok();
    let row = match rows.as_slice() {
        [] => return Err(ExternalError::NoRow),
        [one] => one,
        _ => return Err(ExternalError::ManyRows),
    };
    let text: String = row.try_get(0).map_err(q)?;
    number_of(&text)
}

/// The number of a row written as a JSON object of one column.
fn number_of(row: &str) -> Result<f64, ExternalError> {
    let value: serde_json::Value =
        serde_json::from_str(row).map_err(|e| ExternalError::Query(e.to_string()))?;
    let columns = value.as_object().map(|o| o.len()).unwrap_or(0);
    let Some((_, v)) = value
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.iter().next())
    else {
        return Err(ExternalError::Columns(columns));
    };
    match v {
        serde_json::Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .ok_or(ExternalError::NotANumber("a number out of range")),
        serde_json::Value::Null => Err(ExternalError::NotANumber("NULL")),
        serde_json::Value::String(_) => Err(ExternalError::NotANumber("text")),
        serde_json::Value::Bool(_) => Err(ExternalError::NotANumber("true or false")),
        _ => Err(ExternalError::NotANumber("a list or an object")),
    }
}

/// A database error's message alone (never the connection URL, which holds a password).
fn words(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => {
            "the server cannot be reached".into()
        }
        sqlx::Error::Configuration(_) => "the connection settings are not valid".into(),
        _ => "the database answered in a way Keel does not understand".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_number_in_one_column_or_a_clear_error() {
        assert_eq!(number_of(r#"{"n":1234.5}"#), Ok(1234.5));
        assert_eq!(
            number_of(r#"{"a":1,"b":2}"#),
            Err(ExternalError::Columns(2))
        );
        assert_eq!(
            number_of(r#"{"n":"x"}"#),
            Err(ExternalError::NotANumber("text"))
        );
        assert_eq!(
            number_of(r#"{"n":null}"#),
            Err(ExternalError::NotANumber("NULL"))
        );
        assert!(!is_postgres_url("sqlite://x.db"));
    }
}
