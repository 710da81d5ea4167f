//! Status as of a day on the pages, and closing dated (*Status as of a day* in docs/method.md):
//! the objective and key result pages take `?as_of=YYYY-MM-DD` as the API does, under a banner
//! with a link back to today and without forms; a day that cannot be read or is still to come
//! is a readable error naming `as_of`; an OKR closed today reads as it was on any day before.

use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn days_ago(d: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339()
}

fn day_ago(d: i64) -> chrono::NaiveDate {
    (chrono::Utc::now() - chrono::Duration::days(d)).date_naive()
}

/// "28 Nov 2026", as pages write a day.
fn in_words(d: chrono::NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

async fn check_in(app: &TestApp, kr: &str, value: f64, confidence: i64, at: &str) {
    app.create(
        &format!("/api/v1/key-results/{kr}/check-ins"),
        json!({"value": value, "confidence": confidence, "at": at}),
    )
    .await;
}

/// An objective active for 20 days with one key result: its owner said 8 ten days ago and 2
/// yesterday, so it is off track now and was on track a week ago.
async fn slipping(app: &TestApp, cycle: &str) -> (String, String) {
    let (o, krs) = active_objective(app, cycle, None, &["Weekly active teams"]).await;
    app.backdate_objective(&o, 20).await;
    check_in(app, &krs[0], 40.0, 8, &days_ago(10)).await;
    check_in(app, &krs[0], 20.0, 2, &days_ago(1)).await;
    (o, krs[0].clone())
}

#[tokio::test]
async fn the_pages_read_a_past_day_under_a_banner() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, kr) = slipping(&app, &cycle).await;
    let week_ago = day_ago(7);
    let api: Value = json_of(&app, &format!("/api/v1/key-results/{kr}?as_of={week_ago}")).await;
    assert_eq!(api["status"], "on_track", "{api}");
    let b = Browser::admin(&app).await;

    // The key result page as it stood: the API's status and reason, the one check-in recorded
    // by then, a banner with the day in words and a way back, no correction forms.
    let path = format!("/key-results/{kr}");
    let now = b.page(&path).await;
    assert!(now.has("#kr-status .status-off_track"), "{}", now.html());
    assert!(!now.has("#as-of"));
    let then = b.page(&format!("{path}?as_of={week_ago}")).await;
    assert!(then.has("#kr-status .status-on_track"), "{}", then.html());
    assert_eq!(
        then.text("#kr-status-reason"),
        api["status_reason"].as_str().unwrap()
    );
    assert!(
        then.text("#as-of").contains(&in_words(week_ago)),
        "{}",
        then.html()
    );
    assert_eq!(
        then.attr("#as-of a", "href").as_deref(),
        Some(path.as_str())
    );
    assert_eq!(
        then.rows("table.check-in-history").len(),
        2,
        "a header and one"
    );
    assert_eq!(
        then.attrs("svg.progress-chart circle.reading", "r").len(),
        1
    );
    assert!(!then.has("details.correct"), "{}", then.html());
    assert!(now.has("details.correct"), "the author may correct today");

    // The objective page likewise: the API's status then, one reading on the chart, no forms.
    let o_api: Value = json_of(&app, &format!("/api/v1/objectives/{o}?as_of={week_ago}")).await;
    let o_path = format!("/objectives/{o}");
    let o_then = b.page(&format!("{o_path}?as_of={week_ago}")).await;
    let word = o_api["status"].as_str().unwrap();
    assert!(
        o_then.has(&format!("#objective-status .status-{word}")),
        "{word}: {}",
        o_then.html()
    );
    assert!(o_then.text("#as-of").contains(&in_words(week_ago)));
    assert_eq!(
        o_then.attr("#as-of a", "href").as_deref(),
        Some(o_path.as_str())
    );
    assert_eq!(o_then.texts("svg.progress-chart circle").len(), 1);
    for form in ["details.status-override", "form.propose"] {
        assert!(!o_then.has(form), "{form}: {}", o_then.html());
        assert!(b.page(&o_path).await.has(form), "{form} is offered today");
    }
    assert!(!o_then.links_to(&format!("{o_path}/edit")));

    // Today reads as now, with no banner.
    let today = b.page(&format!("{o_path}?as_of={}", day_ago(0))).await;
    assert!(!today.has("#as-of"));
}

#[tokio::test]
async fn a_day_that_cannot_be_read_is_a_readable_error_naming_as_of() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Signal"]).await;
    let b = Browser::admin(&app).await;
    let to_come = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive();
    for page in [
        format!("/objectives/{o}"),
        format!("/key-results/{}", krs[0]),
    ] {
        for bad in ["last-week", "2026-13-01", &to_come.to_string()] {
            let resp = b.get(&format!("{page}?as_of={bad}")).await;
            assert_eq!(
                resp.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{page} {bad}"
            );
            let shown = Page::parse(&resp.text().await.unwrap());
            assert!(shown.body().contains("as_of"), "{}", shown.html());
            assert!(!shown.body().contains("Something went wrong"));
        }
    }
}

#[tokio::test]
async fn an_okr_closed_today_reads_as_it_was_before() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let q4 = app.cycle("2026 Q4").await;
    let other = app.cycle("2026 Q4 bis").await;
    // One objective closed by hand, another by closing its cycle.
    let (by_hand, _) = slipping(&app, &q4).await;
    let (by_cycle, _) = slipping(&app, &other).await;
    let r = app
        .patch(
            &format!("/api/v1/objectives/{by_hand}"),
            json!({"state": "closed"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .post(&format!("/api/v1/cycles/{other}/close"), json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let b = Browser::admin(&app).await;
    for o in [&by_hand, &by_cycle] {
        let now: Value = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
        assert_eq!(now["status"], "closed", "{now}");
        let then: Value = json_of(
            &app,
            &format!("/api/v1/objectives/{o}?as_of={}", day_ago(3)),
        )
        .await;
        assert_eq!(
            then["status"], "on_track",
            "the owner's 8 stood then: {then}"
        );
        assert_eq!(then["key_results"][0]["status"], "on_track", "{then}");
        let page = b.page(&format!("/objectives/{o}")).await;
        assert!(page.has("#objective-status .status-closed"));
        assert!(page.body().contains("closed: nothing can change"));
        let page = b
            .page(&format!("/objectives/{o}?as_of={}", day_ago(3)))
            .await;
        assert!(
            page.has("#objective-status .status-on_track"),
            "{}",
            page.html()
        );
        assert!(!page.body().contains("closed: nothing can change"));
    }
    // Re-opened, it is no longer closed, and a past day reads it open too.
    let r = app
        .post(&format!("/api/v1/cycles/{other}/reopen"), json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let now: Value = json_of(&app, &format!("/api/v1/objectives/{by_cycle}")).await;
    assert_ne!(now["status"], "closed", "{now}");
}
