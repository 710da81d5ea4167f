//! The store's backups and copies at the edges the `keel` binary's tests do not reach: a backup
//! made at an older schema is migrated up after restoring, one from a newer schema is refused,
//! and a table of types only PostgreSQL has (identity, boolean, timestamptz, uuid, jsonb, bytea,
//! numeric) goes PostgreSQL → SQLite → PostgreSQL unchanged, its identity sequence moved past the
//! copied rows.

use keel_store::transfer;
use std::path::PathBuf;

struct Dir(PathBuf);

impl Dir {
    fn new() -> Self {
        let d = std::env::temp_dir().join(format!("keel-transfer-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn url(&self, name: &str) -> String {
        format!("sqlite://{}", self.0.join(name).display())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sqlite(dir: &Dir, name: &str) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.0.join(name)).unwrap()
}

fn max_version(dir: &Dir, name: &str) -> i64 {
    sqlite(dir, name)
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .unwrap()
}

#[tokio::test]
async fn an_older_backup_is_migrated_up_and_a_newer_one_refused() {
    let dir = Dir::new();
    // The database as the previous Keel left it: every migration but the newest.
    let latest = keel_store::testing::latest_version();
    keel_store::testing::migrate_to(&dir.url("old.db"), latest - 1)
        .await
        .unwrap();
    assert_eq!(max_version(&dir, "old.db"), latest - 1);
    sqlite(&dir, "old.db")
        .execute_batch(
            "INSERT INTO cycles (id, name, starts_on, ends_on, parent_id, state, created_at, updated_at, version)
             VALUES ('c1', '2026 Q4', '2026-10-01', '2026-12-31', NULL, 'active', 1, 1, 1)",
        )
        .unwrap();
    let report = transfer::restore(&dir.0.join("old.db"), &dir.url("new.db"))
        .await
        .unwrap();
    assert_eq!(report.schema_version, latest - 1);
    assert_eq!(report.migrated_to, latest);
    assert!(report.verified());
    assert_eq!(max_version(&dir, "new.db"), latest);
    let (name, ends): (String, Option<String>) = sqlite(&dir, "new.db")
        .query_row(
            "SELECT c.name, (SELECT MAX(ends_on) FROM key_results) FROM cycles c",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((name.as_str(), ends), ("2026 Q4", None));

    // Into a database the new Keel already made (empty, at the newest schema): through a
    // scratch file, same result.
    drop(keel_store::open(&dir.url("ready.db")).await.unwrap());
    let report = transfer::restore(&dir.0.join("old.db"), &dir.url("ready.db"))
        .await
        .unwrap();
    assert_eq!(report.schema_version, latest - 1);
    assert!(report.verified());
    let cycles: i64 = sqlite(&dir, "ready.db")
        .query_row("SELECT COUNT(*) FROM cycles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(cycles, 1);

    // A backup from a newer Keel: refused, nothing written.
    sqlite(&dir, "old.db")
        .execute_batch(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)",
        )
        .unwrap();
    let err = transfer::restore(&dir.0.join("old.db"), &dir.url("newest.db"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("newer than this Keel"), "{err}");
    assert!(!dir.0.join("newest.db").exists());
}

async fn pg(admin: &str, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
}

fn database_url(admin: &str, name: &str) -> String {
    let base = admin.split('?').next().unwrap();
    format!("{}/{name}", base.rsplit_once('/').unwrap().0)
}

const EXTRA_PG: &str = "CREATE TABLE extra_things (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flag BOOLEAN, at TIMESTAMPTZ, ref UUID, doc JSONB, raw BYTEA, amount NUMERIC, ratio REAL)";
const EXTRA_SQLITE: &str = "CREATE TABLE extra_things (
    id INTEGER PRIMARY KEY, flag BOOLEAN, at TEXT, ref TEXT, doc TEXT, raw BLOB, amount TEXT, ratio REAL)";

/// Every row of `extra_things` as PostgreSQL prints it.
async fn extra_rows(url: &str) -> Vec<String> {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query("SELECT t::text FROM extra_things t ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect()
}

#[test]
fn postgres_only_types_and_identities_survive_a_round_trip_through_sqlite() {
    let Ok(admin) = std::env::var("KEEL_TEST_POSTGRES_URL") else {
        assert!(std::env::var("CI").as_deref() != Ok("true"));
        eprintln!("KEEL_TEST_POSTGRES_URL is not set: skipping");
        return;
    };
    let suffix = uuid::Uuid::now_v7().simple().to_string();
    let (from, back) = (
        format!("keel_tr_from_{suffix}"),
        format!("keel_tr_back_{suffix}"),
    );
    let rt = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    for name in [&from, &back] {
        rt().block_on(pg(&admin, &format!("CREATE DATABASE {name}")));
    }
    // On a thread of its own, so that the databases are dropped even when it fails.
    let urls = (database_url(&admin, &from), database_url(&admin, &back));
    let outcome = std::thread::spawn(move || rt().block_on(round_trip(urls.0, urls.1))).join();
    for name in [&from, &back] {
        rt().block_on(pg(&admin, &format!("DROP DATABASE {name} WITH (FORCE)")));
    }
    outcome.unwrap();
}

async fn round_trip(from: String, back: String) {
    let dir = Dir::new();
    for url in [&from, &back] {
        drop(keel_store::open(url).await.unwrap());
        pg(url, EXTRA_PG).await;
    }
    pg(
        &from,
        "INSERT INTO extra_things (flag, at, ref, doc, raw, amount, ratio) VALUES
         (true, '2026-12-05 17:07:18.123456+00', '0190b5a4-7c1e-7000-8000-000000000001',
          '{\"b\": [1, 2.5, null], \"a\": \"é\"}', '\\x00ff10', 12345678901234567890.123456789, 0.1),
         (false, NULL, NULL, NULL, NULL, NULL, NULL),
         (NULL, '1970-01-01 00:00:00+00', NULL, '[]', '', -0.5, -3.25)",
    )
    .await;
    drop(keel_store::open(&dir.url("middle.db")).await.unwrap());
    sqlite(&dir, "middle.db")
        .execute_batch(EXTRA_SQLITE)
        .unwrap();
    let there = transfer::copy(&from, &dir.url("middle.db")).await.unwrap();
    assert!(there.verified(), "{there:?}");
    assert!(there
        .tables
        .iter()
        .any(|t| t.table == "extra_things" && t.source.rows == 3));
    let home = transfer::copy(&dir.url("middle.db"), &back).await.unwrap();
    assert!(home.verified(), "{home:?}");
    assert_eq!(extra_rows(&from).await, extra_rows(&back).await);
    // The identity goes on after the copied rows.
    pg(&back, "INSERT INTO extra_things (flag) VALUES (true)").await;
    let rows = extra_rows(&back).await;
    assert!(rows[3].starts_with("(4,"), "{rows:?}");
}
