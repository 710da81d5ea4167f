//! What the CLI's test binaries share: a scratch directory, a PostgreSQL database made for one
//! test and dropped with it, and a runtime for the few async calls a synchronous test makes.
//! Each binary uses part of it.
#![allow(dead_code)]

use std::path::PathBuf;

/// A name no other test of any run uses: the process id and the time in nanoseconds.
pub fn unique() -> String {
    format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// A scratch directory, removed when dropped.
pub struct Dir(pub PathBuf);

impl Dir {
    /// A new directory under the system's temporary directory, named after `what`.
    pub fn new(what: &str) -> Self {
        let d = std::env::temp_dir().join(format!("keel-{what}-{}", unique()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    pub fn file(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }
    pub fn url(&self, name: &str) -> String {
        format!("sqlite://{}", self.path(name).display())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `sql` on the PostgreSQL server `admin` names.
pub fn admin_sql(admin: &str, sql: &str) {
    let (admin, sql) = (admin.to_string(), sql.to_string());
    // On its own thread: Drop may run inside another runtime.
    std::thread::spawn(move || {
        runtime().block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::raw_sql(&sql).execute(&mut conn).await.unwrap();
        })
    })
    .join()
    .unwrap();
}

/// A PostgreSQL database made for one test and dropped with it.
pub struct PgDb {
    admin: String,
    name: String,
}

impl PgDb {
    /// None (the test skips its PostgreSQL half) without `KEEL_TEST_POSTGRES_URL`; with
    /// `CI=true` a missing server fails instead. `what` names the database's test.
    pub fn new(what: &str) -> Option<PgDb> {
        let Ok(admin) = std::env::var("KEEL_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but KEEL_TEST_POSTGRES_URL is not set"
            );
            eprintln!("KEEL_TEST_POSTGRES_URL is not set: skipping the PostgreSQL variant");
            return None;
        };
        let name = format!("keel_test_{what}_{}", unique());
        admin_sql(&admin, &format!("CREATE DATABASE {name}"));
        Some(PgDb { admin, name })
    }

    pub fn url(&self) -> String {
        let base = self.admin.split('?').next().unwrap();
        let (server, _) = base.rsplit_once('/').unwrap();
        format!("{server}/{}", self.name)
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        admin_sql(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}
