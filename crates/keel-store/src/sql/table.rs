//! Each table's columns, declared once: the INSERT column list and the SELECT list are both made
//! from the declaration, and a conformance test checks every declaration against the database's
//! real columns by name (so a migration that adds, drops or renames a column without the
//! declaration fails a test instead of a query).

use crate::accounts::{API_TOKEN, OIDC_LOGIN, SESSION, SIGN_IN_THROTTLE};
use crate::jobs::{JOB, KEY_RESULT_SIGNAL, NOTIFICATION};
use crate::okrs::key_results::{KEY_RESULT_CONTRIBUTOR, KEY_RESULT_CO_OWNER, KEY_RESULT_TEAM};
use crate::okrs::objectives::{OBJECTIVE_CONTRIBUTOR, OBJECTIVE_CO_OWNER, OBJECTIVE_TEAM};
use crate::owner_rhythm::{STATUS_OVERRIDE, TEAM_CADENCE};
use crate::settings::SETTINGS;
use crate::sql::*;
use crate::teams::TEAM_MEMBER;
use std::fmt;

/// A table and its columns.
#[derive(Debug)]
pub(crate) struct Table {
    /// The table's name.
    pub(crate) name: &'static str,
    /// The columns the store writes when it inserts a row, in the order of the row functions'
    /// values (`person_row` …).
    pub(crate) columns: &'static [&'static str],
    /// Columns among `columns` that are written but never read back (lookup keys derived from
    /// other columns): left out of the SELECT list.
    pub(crate) not_selected: &'static [&'static str],
    /// Columns of the table that an INSERT leaves to their default (set later by an UPDATE, such
    /// as `deleted_at`): neither inserted nor selected, declared so the table is complete.
    pub(crate) later: &'static [&'static str],
}

impl Table {
    /// The columns a read selects, in declared order.
    pub(crate) fn selected(&'static self) -> impl Iterator<Item = &'static str> {
        self.columns
            .iter()
            .copied()
            .filter(|c| !self.not_selected.contains(c))
    }
}

/// A table's SELECT list (`id, name, …`), for `format!("SELECT {PERSON_COLS} FROM people")`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Select(pub(crate) &'static Table);

impl fmt::Display for Select {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.selected().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(c)?;
        }
        Ok(())
    }
}

/// A table's selected columns each qualified by a table alias and renamed with it as a prefix
/// (`t.id AS t_id, …`), for joins whose tables share column names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SelectAs(pub(crate) &'static Table, pub(crate) &'static str);

impl fmt::Display for SelectAs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self(table, alias) = *self;
        for (i, c) in table.selected().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{alias}.{c} AS {alias}_{c}")?;
        }
        Ok(())
    }
}

/// A table's selected columns each qualified by a table alias, keeping their names (`o.id, …`),
/// for joins whose other tables share a column name with it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SelectIn(pub(crate) &'static Table, pub(crate) &'static str);

impl fmt::Display for SelectIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self(table, alias) = *self;
        for (i, c) in table.selected().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{alias}.{c}")?;
        }
        Ok(())
    }
}

/// A one-row INSERT of every inserted column (`INSERT INTO t (a, b) VALUES ($1, $2)`), values in
/// declared order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Insert(pub(crate) &'static Table);

impl fmt::Display for Insert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self(table) = *self;
        write!(f, "INSERT INTO {} (", table.name)?;
        f.write_str(&table.columns.join(", "))?;
        f.write_str(") VALUES (")?;
        for i in 1..=table.columns.len() {
            if i > 1 {
                f.write_str(", ")?;
            }
            write!(f, "${i}")?;
        }
        f.write_str(")")
    }
}

/// Every table of the schema (but the migrations' own `schema_migrations`), each declared by the
/// area module that owns it; a conformance test fails when a database table is missing here.
pub(crate) const TABLES: &[&Table] = &[
    &PERSON,
    &TEAM,
    &CYCLE,
    &OBJECTIVE,
    &KEY_RESULT,
    &CHECK_IN,
    &INITIATIVE,
    &AUDIT_EVENT,
    &OWNERSHIP_REQUEST,
    &REVIEW,
    &CONVERSATION,
    &RECOGNITION,
    &KEY_RESULT_SCORE,
    &RETROSPECTIVE,
    &FEEDBACK_REQUEST,
    &FEEDBACK_ANSWER,
    &OBJECTIVE_PARENT,
    &crate::okrs::alignment::KEY_RESULT_PARENT,
    &crate::okrs::dependencies::KEY_RESULT_DEPENDENCY,
    &crate::data_feeds::KPI,
    &crate::data_feeds::KPI_VALUE,
    &crate::data_feeds::INGEST_TOKEN,
    &SETTINGS,
    &TEAM_MEMBER,
    &OBJECTIVE_TEAM,
    &OBJECTIVE_CONTRIBUTOR,
    &OBJECTIVE_CO_OWNER,
    &KEY_RESULT_TEAM,
    &KEY_RESULT_CONTRIBUTOR,
    &KEY_RESULT_CO_OWNER,
    &API_TOKEN,
    &SESSION,
    &SIGN_IN_THROTTLE,
    &OIDC_LOGIN,
    &TEAM_CADENCE,
    &STATUS_OVERRIDE,
    &JOB,
    &NOTIFICATION,
    &KEY_RESULT_SIGNAL,
    &crate::jobs::KEY_RESULT_STATUS_CHANGE,
    &crate::jobs::OBJECTIVE_SIGNAL,
    &crate::health_findings::HEALTH_FINDING,
    &crate::health_findings::HEALTH_FINDING_COUNT,
    &crate::health_findings::HEALTH_COUNT_ROUND,
    &crate::dashboard_figures::DASHBOARD_FIGURE,
    &crate::dashboard_figures::DASHBOARD_ROUND,
    &crate::participation::PARTICIPATION_COUNT,
    &crate::participation::FIGURE_ROUND,
    &crate::participation_totals::PARTICIPATION_TOTAL,
    &crate::company_tree::COMPANY_FIGURE_COUNT,
    &crate::compliance_figures::COMPLIANCE_COUNT,
    &crate::compliance_figures::COMPLIANCE_ROUND,
    &crate::calibration::CALIBRATION_SUM,
    &crate::calibration::CALIBRATION_ROUND,
    &crate::preferences::NOTIFICATION_PREFERENCE,
    &crate::preferences::SIGNING_KEY,
    &crate::account_tokens::ACCOUNT_TOKEN,
    &crate::mail_settings::MAIL_SETTINGS,
    &crate::preferences::DIGEST_DAY,
    &crate::webhooks::WEBHOOK_ENDPOINT,
    &crate::webhooks::WEBHOOK_DELIVERY,
    &crate::webhooks::WEBHOOK_ATTEMPT,
    &crate::pull_sources::SOURCE_DATABASE,
    &crate::pull_sources::PULL_SOURCE,
    &crate::pull_sources::PULL_RUN,
    &crate::automation::AUTOMATION_RULE,
    &crate::automation::AUTOMATION_RULE_FIRING,
];
