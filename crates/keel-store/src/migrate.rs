//! Embedded, ordered migrations, applied at `open()`, each in its own transaction and recorded in
//! `schema_migrations`. On PostgreSQL each migration transaction holds an advisory lock, so that
//! several Keel servers starting at once apply each migration exactly once; on SQLite the write
//! transaction (`BEGIN IMMEDIATE`) serialises them.

use crate::db::{args, Db, Tx};
use crate::{StoreError, StoreResult};

/// One schema change, written for each backend.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

const MIGRATIONS: [Migration; 40] = [
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "ownership",
        sqlite: include_str!("../migrations/sqlite/0002_ownership.sql"),
        postgres: include_str!("../migrations/postgres/0002_ownership.sql"),
    },
    Migration {
        version: 3,
        name: "rhythm",
        sqlite: include_str!("../migrations/sqlite/0003_rhythm.sql"),
        postgres: include_str!("../migrations/postgres/0003_rhythm.sql"),
    },
    Migration {
        version: 4,
        name: "accounts",
        sqlite: include_str!("../migrations/sqlite/0004_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0004_accounts.sql"),
    },
    Migration {
        version: 5,
        name: "access",
        sqlite: include_str!("../migrations/sqlite/0005_access.sql"),
        postgres: include_str!("../migrations/postgres/0005_access.sql"),
    },
    Migration {
        version: 6,
        name: "initiative_activity",
        sqlite: include_str!("../migrations/sqlite/0006_initiative_activity.sql"),
        postgres: include_str!("../migrations/postgres/0006_initiative_activity.sql"),
    },
    Migration {
        version: 7,
        name: "recognitions_given",
        sqlite: include_str!("../migrations/sqlite/0007_recognitions_given.sql"),
        postgres: include_str!("../migrations/postgres/0007_recognitions_given.sql"),
    },
    Migration {
        version: 8,
        name: "status_lifecycle",
        sqlite: include_str!("../migrations/sqlite/0008_status_lifecycle.sql"),
        postgres: include_str!("../migrations/postgres/0008_status_lifecycle.sql"),
    },
    Migration {
        version: 9,
        name: "check_in_corrections",
        sqlite: include_str!("../migrations/sqlite/0009_check_in_corrections.sql"),
        postgres: include_str!("../migrations/postgres/0009_check_in_corrections.sql"),
    },
    Migration {
        version: 10,
        name: "confidence_scale",
        sqlite: include_str!("../migrations/sqlite/0010_confidence_scale.sql"),
        postgres: include_str!("../migrations/postgres/0010_confidence_scale.sql"),
    },
    Migration {
        version: 11,
        name: "person_time_zone",
        sqlite: include_str!("../migrations/sqlite/0011_person_time_zone.sql"),
        postgres: include_str!("../migrations/postgres/0011_person_time_zone.sql"),
    },
    Migration {
        version: 12,
        name: "key_result_dates",
        sqlite: include_str!("../migrations/sqlite/0012_key_result_dates.sql"),
        postgres: include_str!("../migrations/postgres/0012_key_result_dates.sql"),
    },
    Migration {
        version: 13,
        name: "closed_at",
        sqlite: include_str!("../migrations/sqlite/0013_closed_at.sql"),
        postgres: include_str!("../migrations/postgres/0013_closed_at.sql"),
    },
    Migration {
        version: 14,
        name: "jobs_notifications",
        sqlite: include_str!("../migrations/sqlite/0014_jobs_notifications.sql"),
        postgres: include_str!("../migrations/postgres/0014_jobs_notifications.sql"),
    },
    Migration {
        version: 15,
        name: "notification_preferences",
        sqlite: include_str!("../migrations/sqlite/0015_notification_preferences.sql"),
        postgres: include_str!("../migrations/postgres/0015_notification_preferences.sql"),
    },
    Migration {
        version: 16,
        name: "accounts_by_email",
        sqlite: include_str!("../migrations/sqlite/0016_accounts_by_email.sql"),
        postgres: include_str!("../migrations/postgres/0016_accounts_by_email.sql"),
    },
    Migration {
        version: 17,
        name: "notification_delivery",
        sqlite: include_str!("../migrations/sqlite/0017_notification_delivery.sql"),
        postgres: include_str!("../migrations/postgres/0017_notification_delivery.sql"),
    },
    Migration {
        version: 18,
        name: "digest_days",
        sqlite: include_str!("../migrations/sqlite/0018_digest_days.sql"),
        postgres: include_str!("../migrations/postgres/0018_digest_days.sql"),
    },
    Migration {
        version: 19,
        name: "key_result_parents",
        sqlite: include_str!("../migrations/sqlite/0019_key_result_parents.sql"),
        postgres: include_str!("../migrations/postgres/0019_key_result_parents.sql"),
    },
    Migration {
        version: 20,
        name: "key_result_dependencies",
        sqlite: include_str!("../migrations/sqlite/0020_key_result_dependencies.sql"),
        postgres: include_str!("../migrations/postgres/0020_key_result_dependencies.sql"),
    },
    Migration {
        version: 21,
        name: "webhooks",
        sqlite: include_str!("../migrations/sqlite/0021_webhooks.sql"),
        postgres: include_str!("../migrations/postgres/0021_webhooks.sql"),
    },
    Migration {
        version: 22,
        name: "data_feeds",
        sqlite: include_str!("../migrations/sqlite/0022_data_feeds.sql"),
        postgres: include_str!("../migrations/postgres/0022_data_feeds.sql"),
    },
    Migration {
        version: 23,
        name: "rollup_and_search",
        sqlite: include_str!("../migrations/sqlite/0023_rollup_and_search.sql"),
        postgres: include_str!("../migrations/postgres/0023_rollup_and_search.sql"),
    },
    Migration {
        version: 24,
        name: "key_result_status_changes",
        sqlite: include_str!("../migrations/sqlite/0024_key_result_status_changes.sql"),
        postgres: include_str!("../migrations/postgres/0024_key_result_status_changes.sql"),
    },
    Migration {
        version: 25,
        name: "pull_sources",
        sqlite: include_str!("../migrations/sqlite/0025_pull_sources.sql"),
        postgres: include_str!("../migrations/postgres/0025_pull_sources.sql"),
    },
    Migration {
        version: 26,
        name: "automation_rules",
        sqlite: include_str!("../migrations/sqlite/0026_automation_rules.sql"),
        postgres: include_str!("../migrations/postgres/0026_automation_rules.sql"),
    },
    Migration {
        version: 27,
        name: "objective_signals",
        sqlite: include_str!("../migrations/sqlite/0027_objective_signals.sql"),
        postgres: include_str!("../migrations/postgres/0027_objective_signals.sql"),
    },
    Migration {
        version: 28,
        name: "health_findings",
        sqlite: include_str!("../migrations/sqlite/0028_health_findings.sql"),
        postgres: include_str!("../migrations/postgres/0028_health_findings.sql"),
    },
    Migration {
        version: 29,
        name: "dashboard_figures",
        sqlite: include_str!("../migrations/sqlite/0029_dashboard_figures.sql"),
        postgres: include_str!("../migrations/postgres/0029_dashboard_figures.sql"),
    },
    Migration {
        version: 30,
        name: "participation_counts",
        sqlite: include_str!("../migrations/sqlite/0030_participation_counts.sql"),
        postgres: include_str!("../migrations/postgres/0030_participation_counts.sql"),
    },
    Migration {
        version: 31,
        name: "stored_compliance_and_health_counts",
        sqlite: include_str!("../migrations/sqlite/0031_stored_compliance_and_health_counts.sql"),
        postgres: include_str!(
            "../migrations/postgres/0031_stored_compliance_and_health_counts.sql"
        ),
    },
    Migration {
        version: 32,
        name: "owner_load_counts",
        sqlite: include_str!("../migrations/sqlite/0032_owner_load_counts.sql"),
        postgres: include_str!("../migrations/postgres/0032_owner_load_counts.sql"),
    },
    Migration {
        version: 33,
        name: "owned_load_index",
        sqlite: include_str!("../migrations/sqlite/0033_owned_load_index.sql"),
        postgres: include_str!("../migrations/postgres/0033_owned_load_index.sql"),
    },
    Migration {
        version: 34,
        name: "financial_key_results_index",
        sqlite: include_str!("../migrations/sqlite/0034_financial_key_results_index.sql"),
        postgres: include_str!("../migrations/postgres/0034_financial_key_results_index.sql"),
    },
    Migration {
        version: 35,
        name: "participation_totals",
        sqlite: include_str!("../migrations/sqlite/0035_participation_totals.sql"),
        postgres: include_str!("../migrations/postgres/0035_participation_totals.sql"),
    },
    Migration {
        version: 36,
        name: "jobs_due_order",
        sqlite: include_str!("../migrations/sqlite/0036_jobs_due_order.sql"),
        postgres: include_str!("../migrations/postgres/0036_jobs_due_order.sql"),
    },
    Migration {
        version: 37,
        name: "job_and_status_indexes",
        sqlite: include_str!("../migrations/sqlite/0037_job_and_status_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0037_job_and_status_indexes.sql"),
    },
    Migration {
        version: 38,
        name: "objective_order_indexes",
        sqlite: include_str!("../migrations/sqlite/0038_objective_order_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0038_objective_order_indexes.sql"),
    },
    Migration {
        version: 39,
        name: "stored_report_sums",
        sqlite: include_str!("../migrations/sqlite/0039_stored_report_sums.sql"),
        postgres: include_str!("../migrations/postgres/0039_stored_report_sums.sql"),
    },
    Migration {
        version: 40,
        name: "ownership_map_totals",
        sqlite: include_str!("../migrations/sqlite/0040_ownership_map_totals.sql"),
        postgres: include_str!("../migrations/postgres/0040_ownership_map_totals.sql"),
    },
];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// An arbitrary constant identifying Keel's migration lock ("keelmigr").
const PG_LOCK_KEY: i64 = 0x6b65_656c_6d69_6772;

async fn lock(db: &Db, tx: &mut Tx) -> StoreResult<()> {
    if let Db::Postgres(_) = db {
        tx.execute("SELECT pg_advisory_xact_lock($1)", args![PG_LOCK_KEY])
            .await?;
    }
    Ok(())
}

/// Every migration's version, in order.
pub(crate) fn versions() -> Vec<i64> {
    MIGRATIONS.iter().map(|m| m.version).collect()
}

/// Applies every pending migration.
pub async fn run(db: &Db) -> StoreResult<()> {
    run_list(db, &MIGRATIONS, latest()).await
}

/// The schema version this binary migrates to: its newest migration.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Applies the pending migrations up to `version` (restoring a backup made at an older schema:
/// its rows are loaded at their own version, then migrated up like any database).
pub(crate) async fn run_to(db: &Db, version: i64) -> StoreResult<()> {
    run_list(db, &MIGRATIONS, version).await
}

/// Applies every pending migration of `migrations` up to `version`, in order, each script executed
/// whole (never split on `;`, which would break a trigger body or a string holding one) in its own
/// transaction with its `schema_migrations` row: a migration is applied entirely or not at all.
pub(crate) async fn run_list(db: &Db, migrations: &[Migration], version: i64) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    lock(db, &mut tx).await?;
    tx.execute(CREATE_TABLE, vec![]).await?;
    tx.commit().await?;
    for m in migrations.iter().filter(|m| m.version <= version) {
        let mut tx = db.begin().await?;
        lock(db, &mut tx).await?;
        let done = tx
            .fetch_optional(
                "SELECT version FROM schema_migrations WHERE version = $1",
                args![m.version],
            )
            .await?
            .is_some();
        if done {
            continue;
        }
        let script = match db {
            Db::Sqlite(_) => m.sqlite,
            Db::Postgres(_) => m.postgres,
        };
        tx.script(script).await.map_err(|e| {
            StoreError::Migration(format!("migration {} ({}): {e}", m.version, m.name))
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            args![m.version, m.name, chrono::Utc::now().timestamp_micros()],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}
