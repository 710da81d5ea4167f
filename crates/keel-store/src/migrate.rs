//! Embedded, ordered migrations, applied at `open()`, each in its own transaction and recorded in
//! `schema_migrations`. On PostgreSQL an advisory lock serialises several servers starting at once.

use crate::{StoreError, StoreResult};
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use sqlx::{Connection, Row};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "init",
    sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
    postgres: include_str!("../migrations/postgres/0001_init.sql"),
}];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// An arbitrary constant identifying Keel's migration lock.
const PG_LOCK_KEY: i64 = 0x6b65_656c_6d69_6772; // "keelmigr"

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn fail(version: i64, e: impl std::fmt::Display) -> StoreError {
    StoreError::Migration(format!("migration {version}: {e}"))
}

pub async fn sqlite(pool: &SqlitePool) -> StoreResult<()> {
    let mut conn = pool.acquire().await?;
    sqlx::raw_sql(CREATE_TABLE).execute(&mut *conn).await?;
    for m in MIGRATIONS {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
            .bind(m.version)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if done {
            continue;
        }
        sqlx::raw_sql(m.sqlite)
            .execute(&mut *tx)
            .await
            .map_err(|e| fail(m.version, e))?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.name)
            .bind(now_micros())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}

pub async fn postgres(pool: &PgPool) -> StoreResult<()> {
    let mut conn = pool.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(PG_LOCK_KEY)
        .execute(&mut *conn)
        .await?;
    let result = postgres_locked(&mut conn).await;
    let unlock = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(PG_LOCK_KEY)
        .execute(&mut *conn)
        .await;
    result?;
    unlock?;
    Ok(())
}

async fn postgres_locked(conn: &mut sqlx::PgConnection) -> StoreResult<()> {
    sqlx::raw_sql(CREATE_TABLE).execute(&mut *conn).await?;
    for m in MIGRATIONS {
        let mut tx = conn.begin().await?;
        let done = sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
            .bind(m.version)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get::<i64, _>(0))
            .transpose()?
            .is_some();
        if done {
            continue;
        }
        sqlx::raw_sql(m.postgres)
            .execute(&mut *tx)
            .await
            .map_err(|e| fail(m.version, e))?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.name)
            .bind(now_micros())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}
