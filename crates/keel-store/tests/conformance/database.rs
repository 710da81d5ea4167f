//! The database itself: opening URLs, migrations, settings shared between servers.

use crate::*;

conformance!(
    declared_columns_are_the_database_columns,
    every_database_table_is_declared,
    settings_written_by_another_server_are_seen,
    migrations_are_idempotent,
    settings_saved_with_a_retired_threshold_still_load,
);

/// Settings are cached by each store; a write through this store is seen at once, a write by
/// another server (another store on the same database) within the cache's second.
async fn settings_written_by_another_server_are_seen(s: DynStore, url: String) {
    let other = keel_store::open(&url).await.expect("second server");
    let before = s.settings().await.unwrap();
    let changed = OrgSettings {
        name: format!("{} (renamed)", before.name),
        ..before.clone()
    };
    other.save_settings(&ctx(), &changed).await.unwrap();
    assert_eq!(
        other.settings().await.unwrap(),
        changed,
        "the writer sees it at once"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        if s.settings().await.unwrap() == changed {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the other server's settings were never seen"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    s.save_settings(&ctx(), &before).await.unwrap();
    assert_eq!(s.settings().await.unwrap(), before);
}

async fn migrations_are_idempotent(s: DynStore, url: String) {
    let b = basic(&s).await;
    let again = keel_store::open(&url).await.expect("re-open");
    assert_eq!(again.backend(), s.backend());
    assert_eq!(
        again.objective(&b.objective.id).await.unwrap().unwrap(),
        b.objective
    );
    // Several opens at once (several servers starting together).
    let opens: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { keel_store::open(&url).await.map(|_| ()) })
        })
        .collect();
    for o in opens {
        o.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn sqlite_urls() {
    let s = keel_store::open("sqlite::memory:").await.unwrap();
    assert_eq!(s.backend(), "sqlite");
    let b = basic(&s).await;
    // One shared database: what one call writes, the next reads.
    assert_eq!(
        s.objective(&b.objective.id).await.unwrap().unwrap(),
        b.objective
    );
    let c = check_in(&b.kr.id, 50.0, now());
    s.record_check_in(&ctx(), &c, &applied(&b.kr, &c))
        .await
        .unwrap();

    let dir = std::env::temp_dir().join(format!("keel-url-{}", uuid::Uuid::now_v7()));
    let path = dir.join("nested").join("k.db");
    let s = keel_store::open(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    assert!(s.is_empty().await.unwrap());
    assert!(path.exists());
    std::fs::remove_dir_all(dir).ok();

    for bad in ["mysql://x", "", "file:///tmp/x.db", "sqlite://"] {
        assert!(
            matches!(keel_store::open(bad).await, Err(StoreError::BadUrl(_))),
            "{bad}"
        );
    }
}

/// Each table's declared columns (`keel_store::declared_tables`) are exactly the database's
/// columns, by name: a migration that adds, drops or renames a column must change the
/// declaration too.
async fn declared_columns_are_the_database_columns(s: DynStore, url: String) {
    let mut real: Vec<(String, String)> = if s.backend() == "postgres" {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema()",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        conn.close().await.ok();
        rows
    } else {
        let path = url.strip_prefix("sqlite://").unwrap().to_string();
        tokio::task::spawn_blocking(move || {
            let conn = rusqlite::Connection::open(path).unwrap();
            let mut q = conn
                .prepare(
                    "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table'",
                )
                .unwrap();
            let rows = q
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            rows
        })
        .await
        .unwrap()
    };
    real.retain(|(t, _)| !keel_store::is_search_index_table(t));
    real.sort();
    let declared = keel_store::declared_tables();
    // Every table of the schema is declared (`every_database_table_is_declared` checks which).
    assert_eq!(declared.len(), 67);
    let mut wrong = vec![];
    for (table, columns) in declared {
        let mut want: Vec<&str> = columns.clone();
        want.sort_unstable();
        let mut got: Vec<&str> = real
            .iter()
            .filter(|(t, _)| t == table)
            .map(|(_, c)| c.as_str())
            .collect();
        got.sort_unstable();
        if got != want {
            wrong.push(format!("{table}: database {got:?}, declared {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every table of the database (but the migrations' bookkeeping table) is declared, so that the
/// declared-columns test covers the whole schema: a migration that adds a table without a
/// declaration fails here.
async fn every_database_table_is_declared(s: DynStore, url: String) {
    let mut real: Vec<String> = if s.backend() == "postgres" {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        conn.close().await.ok();
        rows.into_iter().map(|(t,)| t).collect()
    } else {
        let path = url.strip_prefix("sqlite://").unwrap().to_string();
        tokio::task::spawn_blocking(move || {
            let conn = rusqlite::Connection::open(path).unwrap();
            let mut q = conn
                .prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                )
                .unwrap();
            let rows = q
                .query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            rows
        })
        .await
        .unwrap()
    };
    real.retain(|t| t != "schema_migrations" && !keel_store::is_search_index_table(t));
    real.sort();
    let mut declared: Vec<String> = keel_store::declared_tables()
        .into_iter()
        .map(|(t, _)| t.to_string())
        .collect();
    declared.sort();
    let undeclared: Vec<&String> = real.iter().filter(|t| !declared.contains(t)).collect();
    assert!(
        undeclared.is_empty(),
        "tables with no declaration in keel-store (declare each in the area module that owns it \
         and list it in sql/table.rs TABLES): {undeclared:?}"
    );
    let missing: Vec<&String> = declared.iter().filter(|t| !real.contains(t)).collect();
    assert!(
        missing.is_empty(),
        "declared tables not in the database: {missing:?}"
    );
}

/// Settings saved while `health.stale_check_in_days` existed (retired: stale is the cadence plus
/// the grace period, *Status and pace* in docs/method.md) still load, without it.
async fn settings_saved_with_a_retired_threshold_still_load(s: DynStore, url: String) {
    use sqlx::Connection;
    let mut saved = s.settings().await.unwrap();
    saved.health.owner_overload = 9;
    s.save_settings(&ctx(), &saved).await.unwrap();
    let mut body = serde_json::to_value(&saved).unwrap();
    body["health"]["stale_check_in_days"] = 7.into();
    let body = body.to_string();
    let written = match url.strip_prefix("sqlite://") {
        Some(path) => {
            let c = rusqlite::Connection::open(path).unwrap();
            c.execute("UPDATE settings SET body = ?1 WHERE id = 1", [&body])
                .unwrap() as u64
        }
        None => {
            let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query("UPDATE settings SET body = $1 WHERE id = 1")
                .bind(body)
                .execute(&mut c)
                .await
                .unwrap()
                .rows_affected()
        }
    };
    assert_eq!(written, 1);
    let fresh = keel_store::open(&url).await.unwrap();
    assert_eq!(fresh.settings().await.unwrap(), saved);
}
