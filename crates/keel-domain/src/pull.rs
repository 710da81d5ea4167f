//! Pulled sources: a key result or KPI fed on a schedule by an HTTP(S) URL answering JSON (a
//! JSON Pointer finds the number) or by a read-only SQL query against a database an
//! administrator registered. Why here: what a valid source is (its name, pointer, query and
//! schedule), when it is next due and how its state reads ("Last synced 2 hours ago: 1,234",
//! "Failing since Monday: …") are rules the API, the pages and the job must share.

use crate::data_feed::{DataSource, FeedTarget, SourceKind};
use crate::error::{FieldError, FieldErrors, FieldResult};
use crate::ids::{PersonId, PullRunId, PullSourceId, SourceDatabaseId};
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest query a source may hold.
pub const MAX_QUERY_LEN: usize = 10_000;

/// How a source fetches its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PullKind {
    /// GET a URL answering JSON; a JSON Pointer finds the number.
    Http,
    /// A read-only query against a registered database: one row, one numeric column.
    Sql,
}

/// How often a source runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PullSchedule {
    Hourly,
    Daily,
    Weekly,
}

impl PullSchedule {
    pub const ALL: [PullSchedule; 3] = [Self::Hourly, Self::Daily, Self::Weekly];

    /// The time between two runs.
    pub fn every(self) -> chrono::Duration {
        match self {
            Self::Hourly => chrono::Duration::hours(1),
            Self::Daily => chrono::Duration::days(1),
            Self::Weekly => chrono::Duration::weeks(1),
        }
    }

    /// As the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hourly => "hourly",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
        }
    }

    /// In a person's words ("every hour").
    pub fn words(self) -> &'static str {
        match self {
            Self::Hourly => "every hour",
            Self::Daily => "every day",
            Self::Weekly => "every week",
        }
    }

    /// The schedule spelled `v`: 422 naming `schedule` otherwise.
    pub fn parse(v: &str) -> FieldResult<PullSchedule> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == v.trim())
            .ok_or_else(|| FieldError::new("schedule", "must be hourly, daily or weekly"))
    }
}

/// What the owner sees of a source's runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PullState {
    pub last_run_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The value of the last successful run.
    pub last_value: Option<f64>,
    pub last_success_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Since when every run failed; `None` while the source works.
    pub failing_since: Option<chrono::DateTime<chrono::Utc>>,
    /// The last failure in words (never a response body); `None` while the source works.
    pub last_error: Option<String>,
    /// When the job runs it next.
    pub next_run_at: chrono::DateTime<chrono::Utc>,
}

/// A pulled source of one key result or KPI. Its secrets (header values, the database's
/// connection URL) are sealed at rest and never part of it: only the header names are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PullSource {
    pub id: PullSourceId,
    pub target: FeedTarget,
    /// What it is ("Stripe MRR"): the author of its values in the history.
    pub name: String,
    pub kind: PullKind,
    /// `http`: the URL.
    pub url: Option<String>,
    /// `http`: the JSON Pointer (RFC 6901) to the number, `""` for the whole answer.
    pub json_pointer: Option<String>,
    /// `http`: the names of the headers sent (their values are secret).
    pub header_names: Vec<String>,
    /// `sql`: the registered database.
    pub database_id: Option<SourceDatabaseId>,
    /// `sql`: the query.
    pub query: Option<String>,
    pub schedule: PullSchedule,
    pub created_by: Option<PersonId>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
    pub state: PullState,
}

impl PullSource {
    /// The author its values carry ("Source: Stripe MRR").
    pub fn source(&self) -> DataSource {
        DataSource {
            kind: SourceKind::Pull,
            id: self.id.to_string(),
            name: self.name.clone(),
        }
    }
}

/// One run of a source: its value, or its error in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PullRun {
    pub id: PullRunId,
    pub source_id: PullSourceId,
    pub at: chrono::DateTime<chrono::Utc>,
    pub value: Option<f64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A database an administrator registered for SQL sources. Its connection URL is sealed and
/// never shown again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SourceDatabase {
    pub id: SourceDatabaseId,
    /// What people pick it by ("Warehouse").
    pub name: String,
    pub created_by: Option<PersonId>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A source's name: required, at most 100 characters.
pub fn name(v: &str) -> FieldResult<String> {
    text::required("name", v, 100)
}

/// A JSON Pointer (RFC 6901): empty (the whole answer) or starting with `/`, `~` only as
/// `~0` or `~1`.
pub fn json_pointer(v: &str) -> FieldResult<String> {
    let bad = |m: &str| Err(FieldError::new("json_pointer", m));
    if v.len() > 500 {
        return bad("must be at most 500 characters");
    }
    if !v.is_empty() && !v.starts_with('/') {
        return bad(
            "a JSON Pointer starts with / (\"/data/total\"), or is empty for the whole answer",
        );
    }
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return bad("~ must be written ~0, and / inside a name ~1");
        }
    }
    Ok(v.to_string())
}

/// The headers sent with a request: each name a header token, each value printable.
pub fn headers(headers: &[(String, String)]) -> FieldResult<Vec<(String, String)>> {
    let bad = |m: String| Err(FieldError::new("headers", m));
    if headers.len() > 10 {
        return bad("at most 10 headers".into());
    }
    let mut out = Vec::with_capacity(headers.len());
    for (n, v) in headers {
        let n = n.trim();
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if n.is_empty() || !n.chars().all(token) {
            return bad(format!("'{n}' is not a header name"));
        }
        if v.is_empty() || v.len() > 4000 || v.chars().any(|c| c.is_control()) {
            return bad(format!(
                "the value of {n} must be 1 to 4,000 printable characters"
            ));
        }
        out.push((n.to_string(), v.to_string()));
    }
    Ok(out)
}

/// A query a source may run: one `SELECT` (or `WITH … SELECT`) statement, a trailing `;`
/// allowed. The database is still asked to refuse writes (a read-only transaction): this is
/// the clear error, not the guard.
pub fn query(v: &str) -> FieldResult<String> {
    let bad = |m: &str| Err(FieldError::new("query", m));
    let q = v.trim();
    let q = q.strip_suffix(';').unwrap_or(q).trim_end();
    if q.is_empty() {
        return bad("is required");
    }
    if q.len() > MAX_QUERY_LEN {
        return bad("must be at most 10,000 characters");
    }
    if q.contains(';') {
        return bad("must be a single statement (no ; inside)");
    }
    let first = q
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if first != "select" && first != "with" {
        return bad("must be a read-only SELECT (or WITH … SELECT) statement");
    }
    Ok(q.to_string())
}

/// The checked parts of a source's fetch settings, by kind: every refusal at once.
pub fn check_kind(
    kind: PullKind,
    json_pointer: Option<&str>,
    has_database: bool,
    query: Option<&str>,
) -> Result<(Option<String>, Option<String>), Vec<FieldError>> {
    let mut errors = FieldErrors::default();
    match kind {
        PullKind::Http => {
            let p = errors.keep(self::json_pointer(json_pointer.unwrap_or("")));
            if query.is_some() {
                errors
                    .0
                    .push(FieldError::new("query", "only an SQL source has a query"));
            }
            errors.or((p, None))
        }
        PullKind::Sql => {
            if !has_database {
                errors
                    .0
                    .push(FieldError::new("database_id", "pick a registered database"));
            }
            let q = errors.keep(self::query(query.unwrap_or("")));
            errors.or((None, q))
        }
    }
}

/// The number a JSON answer holds at `pointer`, or why not (naming what was found there).
pub fn number_at(answer: &serde_json::Value, pointer: &str) -> Result<f64, String> {
    let Some(found) = answer.pointer(pointer) else {
        return Err(format!(
            "the answer has nothing at the JSON Pointer '{pointer}'"
        ));
    };
    match found {
        serde_json::Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .ok_or_else(|| "the number at the JSON Pointer is out of range".to_string()),
        other => Err(format!(
            "the JSON Pointer '{pointer}' finds {}, not a number",
            json_kind(other)
        )),
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "true or false",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The next run after one at `at`.
pub fn next_run(
    schedule: PullSchedule,
    at: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    at + schedule.every()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_queries_and_schedules_parse_or_name_their_field() {
        assert!(json_pointer("/data/total").is_ok());
        assert!(json_pointer("").is_ok());
        assert_eq!(json_pointer("data").unwrap_err().field, "json_pointer");
        assert!(json_pointer("/a~2").is_err());
        assert_eq!(query(" select 1; ").unwrap(), "select 1");
        assert!(query("WITH x AS (SELECT 1) SELECT * FROM x").is_ok());
        assert_eq!(query("select 1; drop table t").unwrap_err().field, "query");
        assert!(query("DELETE FROM t").is_err());
        assert!(query("").is_err());
        assert_eq!(PullSchedule::parse("daily").unwrap(), PullSchedule::Daily);
        assert_eq!(PullSchedule::parse("often").unwrap_err().field, "schedule");
        assert!(headers(&[("Authorization".into(), "Bearer x".into())]).is_ok());
        assert!(headers(&[("Bad Name".into(), "x".into())]).is_err());
        assert!(headers(&[("X".into(), "a\nb".into())]).is_err());
    }

    #[test]
    fn the_number_at_a_pointer_or_what_was_found_instead() {
        let a = json!({"data": {"total": 1234, "name": "x", "none": null}});
        assert_eq!(number_at(&a, "/data/total").unwrap(), 1234.0);
        assert!(number_at(&a, "/data/name")
            .unwrap_err()
            .contains("a string"));
        assert!(number_at(&a, "/data/none").unwrap_err().contains("null"));
        assert!(number_at(&a, "/nope").unwrap_err().contains("nothing"));
        assert_eq!(number_at(&json!(7), "").unwrap(), 7.0);
    }
}
