//! Owners' overload in the health check (the doctrine's "The pitfalls"): the overloaded owners
//! come as one run, most owned first then by person, whether the evaluator has counted the
//! cycle or not, counted and paged with the reader's eyes (an OKR the reader may not see never
//! adds to anyone's load), and following `next_cursor` lists each of them once.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

/// Bea owns 3 objectives, Cal 2, Dan 2 and a private one (3 for those who may see it), Eve 1;
/// the threshold is 1.
struct Owners {
    cycle: String,
    bea: (String, String),
    cal: (String, String),
    dan: (String, String),
}

async fn owners(app: &TestApp) -> Owners {
    let cycle = app.cycle("2026 Q4").await;
    let r = app
        .patch(
            "/api/v1/settings",
            json!({"health": {"pending_ownership_days": 7, "owner_overload": 1, "max_key_results": 5}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let bea = app.member("Bea Owner").await;
    let cal = app.member("Cal Owner").await;
    let dan = app.member("Dan Owner").await;
    let eve = app.member("Eve Owner").await;
    for (who, n) in [(&bea, 3), (&cal, 2), (&dan, 2), (&eve, 1)] {
        for i in 0..n {
            own(
                app,
                &who.1,
                &cycle,
                &format!("Objective {i} of {}", who.0),
                "public",
            )
            .await;
        }
    }
    own(app, &dan.1, &cycle, "Dan's private objective", "private").await;
    Owners {
        cycle,
        bea,
        cal,
        dan,
    }
}

async fn own(app: &TestApp, token: &str, cycle: &str, title: &str, visibility: &str) {
    let r = app
        .req_as(token, Method::POST, "/api/v1/objectives")
        .json(&json!({"title": title, "cycle_id": cycle, "visibility": visibility}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

/// The report's overloads as (person, owned), in order, following `next_cursor` a page of
/// `limit` at a time; with the warning count of the first page.
async fn overloads(app: &TestApp, token: &str, cycle: &str, limit: u32) -> Vec<(String, i64)> {
    let mut out = vec![];
    let mut cursor = String::new();
    loop {
        let r = app
            .req_as(
                token,
                Method::GET,
                &format!("/api/v1/health?cycle_id={cycle}&limit={limit}&cursor={cursor}"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let page: Value = r.json().await.unwrap();
        let items = page["findings"].as_array().unwrap();
        assert!(items.len() <= limit as usize, "{page}");
        for f in items.iter().filter(|f| f["code"] == "owner_overload") {
            let message = f["message"].as_str().unwrap();
            let owned: i64 = message
                .split_whitespace()
                .find_map(|w| w.parse().ok())
                .unwrap_or_else(|| panic!("a count in {message}"));
            out.push((f["person_id"].as_str().unwrap().to_string(), owned));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    out
}

/// Most owned first, then by person id.
fn expected(mut loads: Vec<(&str, i64)>) -> Vec<(String, i64)> {
    loads.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    loads.into_iter().map(|(p, n)| (p.to_string(), n)).collect()
}

async fn overloads_come_most_owned_first_a_page_at_a_time(app: TestApp) {
    let o = owners(&app).await;
    let (bea, cal, dan) = (&o.bea.0, &o.cal.0, &o.dan.0);
    // Before the evaluator's first count (counted now) and after it (its stored counts), in
    // one big page and a finding at a time: the same run.
    let everyone = expected(vec![(bea, 3), (cal, 2), (dan, 3)]);
    let without_the_private = expected(vec![(bea, 3), (cal, 2), (dan, 2)]);
    for counted in [false, true] {
        if counted {
            app.evaluate_now().await;
        }
        for limit in [500, 1] {
            let what = format!("counted: {counted}, limit {limit}");
            assert_eq!(
                overloads(&app, &app.token, &o.cycle, limit).await,
                everyone,
                "the administrator sees every OKR ({what})"
            );
            assert_eq!(
                overloads(&app, &o.cal.1, &o.cycle, limit).await,
                without_the_private,
                "Cal does not see Dan's private objective ({what})"
            );
            assert_eq!(
                overloads(&app, &o.dan.1, &o.cycle, limit).await,
                everyone,
                "Dan sees his own private objective ({what})"
            );
        }
        let r: Value = app
            .get(&format!("/api/v1/health?cycle_id={}", o.cycle))
            .await
            .json()
            .await
            .unwrap();
        let listed = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "warning")
            .count();
        assert_eq!(
            r["counts"]["warning"], listed,
            "the count of warnings covers the overloads listed: {r}"
        );
    }
}

#[tokio::test]
async fn overloads_come_most_owned_first_a_page_at_a_time_on_sqlite() {
    overloads_come_most_owned_first_a_page_at_a_time(spawn_app().await).await;
}

#[tokio::test]
async fn overloads_come_most_owned_first_a_page_at_a_time_on_postgres() {
    if postgres_configured() {
        overloads_come_most_owned_first_a_page_at_a_time(spawn_app_on(Db::Postgres).await).await;
    }
}
