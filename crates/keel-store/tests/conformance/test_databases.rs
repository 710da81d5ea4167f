//! The PostgreSQL databases tests create are dropped: by their guard when the test ends (failing
//! or not), and by the sweep at the start of a run when a killed run left them.

use keel_store::testing::{sweep_stale, TestDatabase, PREFIX};

async fn databases(admin: &str) -> Vec<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    let rows: Vec<(String,)> = sqlx::query_as("SELECT datname::text FROM pg_database")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    rows.into_iter().map(|(n,)| n).collect()
}

#[tokio::test]
async fn stale_test_databases_are_swept_and_guards_drop_their_own() {
    let Some(admin) = crate::postgres_admin_url() else {
        return;
    };
    let fresh = TestDatabase::create(&admin).await;
    // A database a run killed two hours ago left behind.
    let two_hours_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 7200;
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, two_hours_ago, 0);
    let stale = format!("{PREFIX}{}", uuid::Uuid::new_v7(ts).simple());
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::raw_sql(&format!("CREATE DATABASE {stale}"))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.ok();
    }
    assert!(databases(&admin).await.contains(&stale));
    assert!(sweep_stale(&admin).await.unwrap() >= 1);
    let left = databases(&admin).await;
    assert!(!left.contains(&stale), "the stale database is dropped");
    assert!(
        left.contains(&fresh.name().to_string()),
        "a fresh one stays"
    );
    let name = fresh.name().to_string();
    drop(fresh);
    assert!(
        !databases(&admin).await.contains(&name),
        "the guard dropped it"
    );
}
