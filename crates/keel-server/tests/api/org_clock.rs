//! One clock (*The weekly rhythm* in docs/method.md): a token's last day and the last day of an
//! owner's status override are days in the organisation's time zone, not UTC's. The tests pick
//! a zone where the organisation's calendar day differs from UTC's right now (far east of UTC
//! late in the UTC day, far west early in it), so the old UTC rule answers differently.

use crate::helpers::*;
use crate::rhythm::active_objective;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A zone whose calendar day differs from UTC's now, and that day there: Kiritimati (UTC+14)
/// is already tomorrow from 10:00 UTC on; Pago Pago (UTC-11) is still yesterday until 11:00 UTC.
fn zone_off_utc() -> (&'static str, chrono::NaiveDate) {
    use chrono::Timelike;
    let now = chrono::Utc::now();
    let name = if now.hour() >= 10 {
        "Pacific/Kiritimati"
    } else {
        "Pacific/Pago_Pago"
    };
    let zone: keel_domain::org::Zone = name.parse().unwrap();
    let day = now.with_timezone(&zone).date_naive();
    assert_ne!(day, now.date_naive(), "{name} is not on another day");
    (name, day)
}

async fn set_zone(app: &TestApp, zone: &str) {
    let r = app
        .patch("/api/v1/settings", json!({"time_zone": zone}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_tokens_last_day_is_the_organisations_day() {
    tokens_last_day(spawn_app().await).await;
}

#[tokio::test]
async fn a_tokens_last_day_is_the_organisations_day_on_postgres() {
    if !postgres_configured() {
        return;
    }
    tokens_last_day(spawn_app_on(Db::Postgres).await).await;
}

async fn tokens_last_day(app: TestApp) {
    let (zone, today) = zone_off_utc();
    set_zone(&app, zone).await;
    let yesterday = today.pred_opt().unwrap();

    // Through the API: today where the organisation is may be the last day, and the token
    // works; yesterday there is refused, naming the field (whatever day it is in UTC).
    let created = app
        .create(
            "/api/v1/tokens",
            json!({"name": "until tonight", "expires_on": today.to_string()}),
        )
        .await;
    let secret = created["token"].as_str().unwrap();
    let r = app
        .req_as(secret, Method::GET, "/api/v1/people")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "it works on its last day");
    assert_problem(
        app.post(
            "/api/v1/tokens",
            json!({"name": "too late", "expires_on": yesterday.to_string()}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("expires_on"),
    )
    .await;

    // On the account page, the same: today is accepted, yesterday refused next to the field.
    let b = Browser::admin(&app).await;
    let resp = b
        .submit(
            "/account/tokens",
            &[
                ("name", "page token"),
                ("scope", "read"),
                ("expires_on", &today.to_string()),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = b
        .submit(
            "/account/tokens",
            &[
                ("name", "page token"),
                ("scope", "read"),
                ("expires_on", &yesterday.to_string()),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "expires_on").is_some());
    // The list says each token's last day in words.
    let listed = b.page("/account/tokens").await;
    let rows = listed.rows("table");
    let last_day = today.format("%-d %b %Y").to_string();
    assert!(
        rows.iter()
            .any(|r| r.iter().any(|c| c == "until tonight") && r.contains(&last_day)),
        "{rows:?}"
    );
}

/// A token whose last day was yesterday where the organisation is no longer works, even while
/// that day is still today in UTC (or was already over in UTC but is still today there).
#[tokio::test]
async fn a_token_stops_when_its_last_day_ends_where_the_organisation_is() {
    let app = spawn_app().await;
    let (zone, today) = zone_off_utc();
    let utc_today = chrono::Utc::now().date_naive();
    // Created while the organisation is on UTC (so UTC's day may be its last), then the
    // organisation moves to the zone.
    let created = app
        .create(
            "/api/v1/tokens",
            json!({"name": "utc day", "expires_on": utc_today.to_string()}),
        )
        .await;
    let secret = created["token"].as_str().unwrap().to_string();
    set_zone(&app, zone).await;
    let status = app
        .req_as(&secret, Method::GET, "/api/v1/people")
        .send()
        .await
        .unwrap()
        .status();
    if today > utc_today {
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "its last day is over there"
        );
    } else {
        assert_eq!(
            status,
            StatusCode::OK,
            "its last day has not begun to end there"
        );
    }
}

#[tokio::test]
async fn an_override_may_stand_until_today_where_the_organisation_is() {
    let app = spawn_app().await;
    let (zone, today) = zone_off_utc();
    set_zone(&app, zone).await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &["Signal"]).await;
    let path = format!("/api/v1/objectives/{o}/status");
    let yesterday = today.pred_opt().unwrap();
    let body = |until: chrono::NaiveDate| json!({"status": "on_track", "reason": "a partner deal", "until": until.to_string()});
    let r = app
        .req(Method::PUT, &path)
        .json(&body(yesterday))
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("until")).await;
    let r = app
        .req(Method::PUT, &path)
        .json(&body(today))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "today there is a day it may stand"
    );
    let view: Value = app
        .get(&format!("/api/v1/objectives/{o}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["status"], "on_track", "{view}");
}
