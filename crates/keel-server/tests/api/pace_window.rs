//! The key result page's expected line runs over the days its pace is measured over (*Status and
//! pace* in docs/method.md): from when it became active, not before its own start, to its own
//! due day (else the cycle's end), the same window the status's "N% of its time elapsed" reads.

use crate::helpers::*;
use crate::rhythm::check_in_day_tomorrow;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn day(offset: i64) -> chrono::NaiveDate {
    chrono::Utc::now().date_naive() + chrono::Duration::days(offset)
}

/// The x of the start of `d` on a chart whose axis runs over `axis` (the page's geometry: 548
/// px from x = 40, one day after the last for its end).
fn x_of(d: chrono::NaiveDate, axis: (chrono::NaiveDate, chrono::NaiveDate)) -> f64 {
    let days = (axis.1 - axis.0).num_days() + 1;
    40.0 + 548.0 * (d - axis.0).num_days() as f64 / days as f64
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.11
}

#[tokio::test]
async fn the_expected_line_runs_over_the_days_pace_is_measured_over() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let axis = (day(-60), day(30));
    let cycle = app
        .create(
            "/api/v1/cycles",
            json!({"name": "This quarter", "starts_on": axis.0, "ends_on": axis.1, "state": "active"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Launch", "cycle_id": cycle}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Its own days began before it became active (8 days ago): pace counts from activation.
    // Another's own days began after: pace counts from them. A third has none: the cycle's.
    let windows = [
        (
            json!({"starts_on": day(-40), "ends_on": day(20)}),
            (day(-8), day(20)),
        ),
        (
            json!({"starts_on": day(-4), "ends_on": day(6)}),
            (day(-4), day(6)),
        ),
        (json!({}), (day(-8), axis.1)),
    ];
    let mut krs = vec![];
    for (own, _) in &windows {
        let mut body = json!({"title": "Beta users", "kind": "increase", "target": 100});
        body.as_object_mut()
            .unwrap()
            .extend(own.as_object().unwrap().clone());
        let k = app
            .create(&format!("/api/v1/objectives/{o}/key-results"), body)
            .await;
        krs.push(k["id"].as_str().unwrap().to_string());
    }
    let r = app
        .patch(
            &format!("/api/v1/objectives/{o}"),
            json!({"state": "active"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.backdate_objective(&o, 8).await;

    let b = Browser::admin(&app).await;
    for (kr, (_, (from, to))) in krs.iter().zip(&windows) {
        // No check-in for 8 days, within cadence and grace: pace decides the status.
        let api: Value = json_of(&app, &format!("/api/v1/key-results/{kr}")).await;
        let share = (day(0) - *from).num_days() as f64 / (*to - *from).num_days() as f64;
        let reason = format!("0% done with {:.0}% of its time elapsed", share * 100.0);
        assert_eq!(api["status_reason"], reason.as_str(), "{api}");

        let page = b.page(&format!("/key-results/{kr}")).await;
        let coordinate = |name: &str| {
            page.attr("svg.progress-chart line.ideal", name)
                .unwrap()
                .parse::<f64>()
                .unwrap()
        };
        assert!(
            close(coordinate("x1"), x_of(*from, axis)),
            "{}",
            page.html()
        );
        assert!(close(coordinate("x2"), x_of(*to, axis)), "{}", page.html());
        let words = page.text("#kr-expected");
        for d in [from, to] {
            assert!(
                words.contains(&d.format("%-d %b %Y").to_string()),
                "{words}"
            );
        }
    }
}
