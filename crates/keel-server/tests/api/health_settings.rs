//! The health check's thresholds as settings (*The pitfalls* in docs/method.md): stale has one
//! definition (the cadence plus the grace period), so the old `health.stale_check_in_days` is
//! retired: neither in the API's settings nor on the settings page, and refused like any
//! unknown field when sent. (Settings saved with it still load: the store's conformance suite.)

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn the_retired_stale_threshold_is_refused_and_shown_nowhere() {
    let app = spawn_app().await;
    let before: Value = json_of(&app, "/api/v1/settings").await;
    assert!(
        before["health"].get("stale_check_in_days").is_none(),
        "{before}"
    );
    let thresholds =
        json!({"pending_ownership_days": 3, "owner_overload": 4, "max_key_results": 6});
    let mut with_it = thresholds.clone();
    with_it["stale_check_in_days"] = json!(10);
    let problem = assert_problem(
        app.patch("/api/v1/settings", json!({"health": with_it}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("health.stale_check_in_days"),
    )
    .await;
    assert!(problem.to_string().contains("unknown field"), "{problem}");
    assert_eq!(
        json_of(&app, "/api/v1/settings").await,
        before,
        "nothing written"
    );
    let saved: Value = app
        .patch("/api/v1/settings", json!({"health": thresholds}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved["health"], thresholds);

    // The settings page: no such field, and the stale rule said in words.
    let b = Browser::admin(&app).await;
    let page = b.page("/admin/settings").await;
    assert!(
        page.field("health.stale_check_in_days").is_none(),
        "{}",
        page.html()
    );
    assert!(page.field("health.owner_overload").is_some());
    assert!(
        page.body().contains("cadence plus the grace period"),
        "{}",
        page.html()
    );
}
