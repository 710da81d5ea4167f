//! The schema as a backup or a copy sees it: every table, read from the database's own catalogue
//! (never a hand-kept list, so a table added by a later migration travels without anyone
//! remembering to add it here), with its columns and the tables its foreign keys point at, in an
//! order where each table comes after the tables it references.

use super::value::Canon;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The migrations' own table: its rows are written by the migration runner at the destination,
/// never copied.
pub(crate) const MIGRATIONS_TABLE: &str = "schema_migrations";

/// How a column's values are read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    Int,
    Real,
    Bool,
    Text,
    Blob,
    Json,
    /// A type only one backend has (uuid, timestamps, numeric …): carried as its text form.
    Other,
}

impl Kind {
    /// The kind of a SQLite column from its declared type (SQLite's affinity rules).
    pub(crate) fn of_sqlite(declared: &str) -> Kind {
        let t = declared.to_ascii_uppercase();
        if t.contains("BOOL") {
            Kind::Bool
        } else if t.contains("INT") {
            Kind::Int
        } else if t.contains("JSON") {
            Kind::Json
        } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
            Kind::Text
        } else if t.contains("BLOB") || t.is_empty() {
            Kind::Blob
        } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
            Kind::Real
        } else {
            Kind::Other
        }
    }

    /// The kind of a PostgreSQL column from its type name (`udt_name`).
    pub(crate) fn of_postgres(udt: &str) -> Kind {
        match udt {
            "int2" | "int4" | "int8" => Kind::Int,
            "float4" | "float8" => Kind::Real,
            "bool" => Kind::Bool,
            "text" | "varchar" | "bpchar" | "name" => Kind::Text,
            "bytea" => Kind::Blob,
            "json" | "jsonb" => Kind::Json,
            _ => Kind::Other,
        }
    }
}

/// A column of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Column {
    pub(crate) name: String,
    /// The type as the database names it (`BIGINT`, `int8`, `uuid` …).
    #[serde(rename = "type")]
    pub(crate) sql_type: String,
    pub(crate) kind: Kind,
    /// Filled by a sequence or identity (PostgreSQL), whose next value is reset after a load.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) generated: bool,
}

/// A table: its columns in the database's order and the tables it references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TableInfo {
    pub(crate) name: String,
    pub(crate) columns: Vec<Column>,
    #[serde(default)]
    pub(crate) references: Vec<String>,
}

impl TableInfo {
    /// How this side's rows are hashed to compare with `other`'s: columns by name, JSON
    /// compared as JSON when either side stores it as JSON.
    pub(crate) fn canon(&self, other: Option<&TableInfo>) -> Canon {
        let mut order: Vec<usize> = (0..self.columns.len()).collect();
        order.sort_by(|&a, &b| self.columns[a].name.cmp(&self.columns[b].name));
        let json = self
            .columns
            .iter()
            .map(|c| {
                c.kind == Kind::Json
                    || other
                        .and_then(|o| o.column(&c.name))
                        .is_some_and(|o| o.kind == Kind::Json)
            })
            .collect();
        Canon { order, json }
    }

    pub(crate) fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// `name` quoted as an SQL identifier (both backends).
pub(crate) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The tables ordered so that each comes after those it references (by name among equals);
/// tables in a reference cycle keep name order (the load defers foreign-key checks to commit,
/// which also covers a table referencing itself).
pub(crate) fn fk_order(tables: Vec<TableInfo>) -> Vec<TableInfo> {
    let mut pending: BTreeMap<String, TableInfo> =
        tables.into_iter().map(|t| (t.name.clone(), t)).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready: Vec<String> = pending
            .values()
            .filter(|t| {
                t.references
                    .iter()
                    .all(|r| r == &t.name || done.contains(r) || !pending.contains_key(r))
            })
            .map(|t| t.name.clone())
            .collect();
        // A cycle: take the first remaining table by name and go on.
        let take = if ready.is_empty() {
            vec![pending.keys().next().cloned().unwrap_or_default()]
        } else {
            ready
        };
        for name in take {
            if let Some(t) = pending.remove(&name) {
                done.insert(name);
                out.push(t);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, refs: &[&str]) -> TableInfo {
        TableInfo {
            name: name.into(),
            columns: vec![],
            references: refs.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn referenced_tables_come_first() {
        let order: Vec<String> = fk_order(vec![
            table("check_ins", &["key_results", "people"]),
            table("key_results", &["objectives", "people"]),
            table("people", &["people"]),
            table("objectives", &["people"]),
            table("a_cycle", &["b_cycle"]),
            table("b_cycle", &["a_cycle"]),
        ])
        .into_iter()
        .map(|t| t.name)
        .collect();
        let at = |n: &str| order.iter().position(|t| t == n).unwrap();
        assert!(at("people") < at("objectives"));
        assert!(at("objectives") < at("key_results"));
        assert!(at("key_results") < at("check_ins"));
        assert_eq!(order.len(), 6);
    }

    #[test]
    fn kinds_follow_each_backends_types() {
        assert_eq!(Kind::of_sqlite("BIGINT"), Kind::Int);
        assert_eq!(Kind::of_sqlite("DOUBLE PRECISION"), Kind::Real);
        assert_eq!(Kind::of_sqlite("TEXT"), Kind::Text);
        assert_eq!(Kind::of_sqlite("BLOB"), Kind::Blob);
        assert_eq!(Kind::of_postgres("int4"), Kind::Int);
        assert_eq!(Kind::of_postgres("jsonb"), Kind::Json);
        assert_eq!(Kind::of_postgres("uuid"), Kind::Other);
        assert_eq!(Kind::of_postgres("timestamptz"), Kind::Other);
    }
}
