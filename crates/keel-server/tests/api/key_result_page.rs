//! Issue 12: the key result page (`/key-results/{id}`) with its chart, status, forecast and every
//! check-in, and the author's correct and withdraw forms on it. Driven as a browser would.

use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn days_ago(d: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339()
}

/// Someone else may read the page but neither sees the forms nor may post them.
async fn others_cannot_correct(app: &TestApp, kr: &str, correct: &str) {
    let (cid, _) = app.member("Cid Other").await;
    let cid = Browser::signed_in(app, &cid, "cid.other@keel.test").await;
    let theirs = cid.page(&format!("/key-results/{kr}")).await;
    assert!(!theirs.has("details.correct"), "{}", theirs.html());
    let r = cid
        .submit(correct, &[("value", "41"), ("confidence", "8")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = cid.submit(correct, &[("value", "x")]).await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "refused before the numbers are read"
    );
}

#[tokio::test]
async fn the_key_result_page_shows_its_history_and_lets_the_author_correct_it() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Weekly active teams"]).await;
    let kr = &krs[0];
    let path = format!("/api/v1/key-results/{kr}/check-ins");
    app.create(
        &path,
        json!({"value": 40, "confidence": 8, "note": "steady", "at": days_ago(2)}),
    )
    .await;
    let typo: Value = app
        .create(
            &path,
            json!({"value": 4, "confidence": 1, "note": "fat finger", "at": days_ago(1)}),
        )
        .await;
    let typo_id = typo["check_in"]["id"].as_str().unwrap().to_string();
    let me = json_of(&app, &format!("/api/v1/people/{}", app.admin_id)).await["name"]
        .as_str()
        .unwrap()
        .to_string();

    let b = Browser::admin(&app).await;
    // Reached from the objective page and from My week.
    assert!(b
        .page(&format!("/objectives/{o}"))
        .await
        .links_to(&format!("/key-results/{kr}")));
    assert!(b
        .page("/my-week")
        .await
        .links_to(&format!("/key-results/{kr}")));

    let page = b.page(&format!("/key-results/{kr}")).await;
    assert!(page.has("svg.progress-chart line.ideal"), "{}", page.html());
    assert_eq!(
        page.attrs("svg.progress-chart circle.reading", "r").len(),
        2
    );
    // Status with its reason in words, and the forecast the API gives.
    let api = json_of(&app, &format!("/api/v1/key-results/{kr}")).await;
    assert_eq!(
        page.text("#kr-status-reason"),
        api["status_reason"].as_str().unwrap()
    );
    let forecast = page.text("#kr-forecast");
    match api["forecast"].as_f64() {
        Some(f) => assert!(
            forecast.contains(&format!("{}%", (f * 100.0).round())),
            "{forecast}"
        ),
        None => assert!(forecast.contains("No forecast yet"), "{forecast}"),
    }
    assert!(page.text("#kr-figures").contains("4 now · target 100"));
    let rows = page.rows("table.check-in-history");
    assert_eq!(rows.len(), 3, "a header and two check-ins: {rows:?}");
    assert!(rows[1].iter().any(|c| c == &me), "{rows:?}");
    assert!(rows[1].iter().any(|c| c == "fat finger"), "{rows:?}");

    // A value that is not a number: 422, the message next to the field, what was typed kept.
    let correct = format!("/key-results/{kr}/check-ins/{typo_id}/correct");
    let html = b
        .refused(
            &correct,
            &[
                ("value", "lots"),
                ("confidence", "8"),
                ("note", "fat finger"),
            ],
        )
        .await;
    let shown = Page::parse(&html);
    assert!(
        shown
            .text(&format!("[id=\"value-{typo_id}-error\"]"))
            .contains("number"),
        "{html}"
    );
    assert_eq!(
        shown
            .attr(&format!("[id=\"value-{typo_id}\"]"), "value")
            .as_deref(),
        Some("lots")
    );
    // A confidence off the scale: the service's message, next to its field.
    let html = b
        .refused(
            &correct,
            &[("value", "41"), ("confidence", "12"), ("note", "")],
        )
        .await;
    assert!(
        Page::parse(&html)
            .text(&format!("[id=\"confidence-{typo_id}-error\"]"))
            .contains("0 to 10"),
        "{html}"
    );

    others_cannot_correct(&app, kr, &correct).await;

    // The author corrects it: the key result and the page follow; the original stays, marked.
    let to = b
        .done(
            &correct,
            &[
                ("value", "41"),
                ("confidence", "8"),
                ("note", "fat finger fixed"),
            ],
        )
        .await;
    assert_eq!(to, format!("/key-results/{kr}?done=corrected"));
    let k = json_of(&app, &format!("/api/v1/key-results/{kr}")).await;
    assert_eq!(
        (k["current"].as_f64(), k["confidence"].as_u64()),
        (Some(41.0), Some(8))
    );
    let page = b.page(&to).await;
    assert!(page.text("#kr-figures").contains("41 now"));
    let body = page.body();
    assert!(body.contains(&format!("Corrected by {me} on")), "{body}");
    assert!(body.contains("corrects the reading of"), "{body}");
    assert_eq!(page.rows("table.check-in-history").len(), 4);
    assert!(page.has("tr.set-aside del"));
    // Corrected once: its forms are gone; the correction has them.
    assert!(!page.has(&format!("#check-in-{typo_id} details.correct")));
    assert_eq!(page.attrs("details.correct", "class").len(), 2);

    // Withdraw the correction: back to 40.
    let fixed = json_of(&app, &path).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let to = b
        .done(
            &format!("/key-results/{kr}/check-ins/{fixed}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(to, format!("/key-results/{kr}?done=withdrawn"));
    let page = b.page(&to).await;
    assert!(page.body().contains(&format!("Withdrawn by {me} on")));
    assert!(page.text("#kr-figures").contains("40 now"));
    // The objective's history says it in words.
    let history = b.page(&format!("/objectives/{o}")).await.body();
    assert!(
        history.contains(&format!("{me} corrected a check-in")),
        "{history}"
    );
    assert!(
        history.contains(&format!("{me} withdrew a check-in")),
        "{history}"
    );
}

#[tokio::test]
async fn a_private_key_result_page_is_404_to_outsiders() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Quiet", "cycle_id": cycle, "visibility": "private"}),
        )
        .await;
    let k = app
        .create(
            &format!(
                "/api/v1/objectives/{}/key-results",
                o["id"].as_str().unwrap()
            ),
            json!({"title": "Secret metric", "kind": "increase", "target": 10}),
        )
        .await;
    let kr = k["id"].as_str().unwrap();
    let (cid, _) = app.member("Cid Other").await;
    let cid = Browser::signed_in(&app, &cid, "cid.other@keel.test").await;
    let r = cid.get(&format!("/key-results/{kr}")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!r.text().await.unwrap().contains("Secret metric"));
    assert_eq!(
        Browser::admin(&app)
            .await
            .get(&format!("/key-results/{kr}"))
            .await
            .status(),
        StatusCode::OK
    );
}
