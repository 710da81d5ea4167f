//! Conversions between domain values and stored columns (timestamps, JSON, enums, dates, ids),
//! so every area stores a value the same way.

use crate::sql::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

macro_rules! as_ref_str {
    ($($t:ty),*) => {$(
        impl AsRef<str> for Wrap<'_, $t> {
            fn as_ref(&self) -> &str { self.0.as_str() }
        }
    )*};
}

/// A borrowed id, so that `id_strings` takes a slice of any id type.
pub(crate) struct Wrap<'a, T>(&'a T);
as_ref_str!(
    PersonId,
    TeamId,
    CycleId,
    ObjectiveId,
    KeyResultId,
    KpiId,
    SourceDatabaseId
);

/// The ids as strings, for IN-lists.
pub(crate) fn id_strings<'a, T>(v: &'a [T]) -> Vec<String>
where
    Wrap<'a, T>: AsRef<str>,
{
    v.iter().map(|x| Wrap(x).as_ref().to_string()).collect()
}

pub(crate) fn ts(t: &Timestamp) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn to_ts(col: &str, v: i64) -> StoreResult<Timestamp> {
    chrono::DateTime::from_timestamp_micros(v).ok_or_else(|| corrupt(col, "timestamp out of range"))
}

pub(crate) fn opt_ts(col: &str, v: Option<i64>) -> StoreResult<Option<Timestamp>> {
    v.map(|v| to_ts(col, v)).transpose()
}

pub(crate) fn now() -> Timestamp {
    let n = chrono::Utc::now();
    to_ts("now", n.timestamp_micros()).unwrap_or(n)
}

pub(crate) fn corrupt(col: &str, message: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        column: col.to_string(),
        message: message.to_string(),
    }
}

pub(crate) fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

pub(crate) fn from_json<T: DeserializeOwned>(col: &str, s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| corrupt(col, e))
}

pub(crate) fn value<T: Serialize>(v: &T) -> Option<Value> {
    serde_json::to_value(v).ok()
}

pub(crate) fn date_from(col: &str, s: &str) -> StoreResult<Date> {
    s.parse::<Date>().map_err(|e| corrupt(col, e))
}

/// `s` as a `LIKE` pattern matching it anywhere, with `%`, `_` and `\` taken literally (the
/// statement says `ESCAPE '\'`). Case as given: callers comparing case-insensitively lower it.
pub(crate) fn contains_pattern(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
