//! The migration runner executes each script whole (a trigger body or a string may hold `;` or
//! `--`), one transaction per migration, and SQLite's synchronous setting reaches every
//! connection.

use crate::*;
use keel_store::testing::{apply_migrations, Migration};

conformance!(
    scripts_run_whole_with_triggers_and_semicolons,
    a_failing_migration_leaves_nothing_behind,
);

const NOTES: Migration = Migration {
    version: 9001,
    name: "runner_notes",
    sqlite: "CREATE TABLE runner_notes (id BIGINT NOT NULL PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE runner_log (note_id BIGINT NOT NULL, what TEXT NOT NULL);
-- A trigger body is statements ending in ';' inside one statement.
CREATE TRIGGER runner_notes_logged AFTER INSERT ON runner_notes
BEGIN
    INSERT INTO runner_log (note_id, what) VALUES (new.id, 'added; logged');
END;
INSERT INTO runner_notes (id, body) VALUES (1, 'first; second -- not a comment');
",
    postgres: "CREATE TABLE runner_notes (id BIGINT NOT NULL PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE runner_log (note_id BIGINT NOT NULL, what TEXT NOT NULL);
-- A function body is statements ending in ';' inside one statement.
CREATE FUNCTION runner_log_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO runner_log (note_id, what) VALUES (NEW.id, 'added; logged');
    RETURN NEW;
END;
$$;
CREATE TRIGGER runner_notes_logged AFTER INSERT ON runner_notes
    FOR EACH ROW EXECUTE FUNCTION runner_log_note();
INSERT INTO runner_notes (id, body) VALUES (1, 'first; second -- not a comment');
",
};

/// Its first statement works, its second fails.
const HALF: Migration = Migration {
    version: 9002,
    name: "runner_half",
    sqlite: "INSERT INTO runner_notes (id, body) VALUES (2, 'half; written');
INSERT INTO no_such_table (id) VALUES (1);",
    postgres: "INSERT INTO runner_notes (id, body) VALUES (2, 'half; written');
INSERT INTO no_such_table (id) VALUES (1);",
};

async fn texts(url: &str, sql: &str) -> Vec<String> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut q = conn.prepare(sql).unwrap();
        let rows = q
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        return rows;
    }
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap();
    conn.close().await.ok();
    rows.into_iter().map(|(v,)| v).collect()
}

async fn scripts_run_whole_with_triggers_and_semicolons(_s: DynStore, url: String) {
    apply_migrations(&url, &[NOTES]).await.unwrap();
    assert_eq!(
        texts(&url, "SELECT body FROM runner_notes").await,
        ["first; second -- not a comment"]
    );
    assert_eq!(
        texts(&url, "SELECT what FROM runner_log").await,
        ["added; logged"],
        "the trigger was created whole and fired"
    );
    // Applied once: running the list again changes nothing.
    apply_migrations(&url, &[NOTES]).await.unwrap();
    assert_eq!(texts(&url, "SELECT what FROM runner_log").await.len(), 1);
    assert_eq!(
        texts(
            &url,
            "SELECT name FROM schema_migrations WHERE version = 9001"
        )
        .await,
        ["runner_notes"]
    );
}

async fn a_failing_migration_leaves_nothing_behind(_s: DynStore, url: String) {
    let err = apply_migrations(&url, &[NOTES, HALF])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("migration 9002 (runner_half)"), "{err}");
    assert_eq!(
        texts(&url, "SELECT body FROM runner_notes ORDER BY id").await,
        ["first; second -- not a comment"],
        "the failing migration's first statement was rolled back with it"
    );
    assert!(texts(
        &url,
        "SELECT name FROM schema_migrations WHERE version = 9002"
    )
    .await
    .is_empty());
    // The one before it stays applied.
    assert_eq!(texts(&url, "SELECT what FROM runner_log").await.len(), 1);
}

/// `synchronous=full` reaches the writer and every reader; the default is NORMAL.
#[tokio::test]
async fn sqlite_synchronous_reaches_every_connection() {
    let dir = std::env::temp_dir().join(format!("keel-sync-{}", uuid::Uuid::now_v7()));
    let url = format!("sqlite://{}", dir.join("keel.db").display());
    let full = keel_store::open_with(
        &url,
        OpenOptions {
            sqlite_synchronous: SqliteSynchronous::Full,
        },
    )
    .await
    .unwrap();
    assert_eq!(full.sqlite_synchronous().await.unwrap(), vec![2; 5]);
    let normal = keel_store::open(&url).await.unwrap();
    assert_eq!(normal.sqlite_synchronous().await.unwrap(), vec![1; 5]);
    let memory = keel_store::open("sqlite::memory:").await.unwrap();
    assert!(memory.sqlite_synchronous().await.unwrap().is_empty());
    for bad in ["off", "extra", ""] {
        let err = bad.parse::<SqliteSynchronous>().unwrap_err();
        assert!(err.contains("full or normal"), "{err}");
    }
    assert_eq!("FULL".parse(), Ok(SqliteSynchronous::Full));
    std::fs::remove_dir_all(dir).ok();
}
