//! The dashboards (`/dashboard`, `/teams/{id}/dashboard`, `GET /api/v1/dashboard`,
//! `GET /api/v1/teams/{id}/dashboard`) and the key results behind their figures
//! (`/dashboard/key-results`, `GET /api/v1/dashboard/key-results`): every figure on the page
//! equals the API's and the length of the full list behind it; a key result shared with four
//! teams counts once in each department and once in all; "newly off track" only for a key result
//! that was not off track a week ago (the evaluator's recorded changes); a private OKR is counted
//! only for those who may see it, and its title never shows to an outsider.

use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

struct World {
    app: TestApp,
    sales: String,
    emea: String,
    product: String,
    support: String,
    deals: String,
    pipeline: String,
    renewals: String,
    mo: (String, String),
    /// A member with no team who contributes to the private objective's key result.
    ines: (String, String),
    secret: String,
    widget: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn days_ago(d: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::days(d)
}

async fn check_in(app: &TestApp, kr: &str, confidence: i64, at: chrono::DateTime<chrono::Utc>) {
    app.create(
        &format!("/api/v1/key-results/{kr}/check-ins"),
        json!({"value": 100, "confidence": confidence, "at": at.to_rfc3339()}),
    )
    .await;
}

/// One round of the evaluator, its changes recorded as made at `at`.
async fn evaluate(app: &TestApp, at: chrono::DateTime<chrono::Utc>) {
    keel_server::jobs::evaluator::evaluate(app.store.as_ref(), at)
        .await
        .unwrap();
}

/// Sales (with Sales EMEA below it), Product and Support; a public objective shared with Sales
/// EMEA (Deals, Pipeline, Renewals), a public one shared with Product whose key result "Shared
/// widget" is shared with four teams, and a private one shared with Sales EMEA. The evaluator
/// saw Renewals turn off track ten days ago, at risk two days ago and off track again now; Deals
/// on track two days ago and off track now; Pipeline on track two days ago.
async fn world(app: TestApp) -> World {
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let mo = app.member("Mo Outsider").await;
    let ines = app.member("Ines Insider").await;
    let sales = app.team("Sales").await;
    let emea = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": "Sales EMEA", "parent_id": sales}),
        )
        .await);
    let product = app.team("Product").await;
    let support = app.team("Support").await;
    let design = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": "Design", "parent_id": product}),
        )
        .await);
    let (delight, krs) = active_objective(
        &app,
        &cycle,
        Some(&emea),
        &["Deals", "Pipeline", "Renewals"],
    )
    .await;
    let widget = id(&app
        .create(
            "/api/v1/objectives",
            json!({"title": "Ship the widget", "cycle_id": cycle, "team_ids": [product], "visibility": "public"}),
        )
        .await);
    app.create(
        &format!("/api/v1/objectives/{widget}/key-results"),
        json!({"title": "Shared widget", "kind": "increase", "start": 0, "target": 100,
               "team_ids": [emea, support, product, design]}),
    )
    .await;
    assert_eq!(
        app.patch(
            &format!("/api/v1/objectives/{widget}"),
            json!({"state": "active"})
        )
        .await
        .status(),
        StatusCode::OK
    );
    let secret = id(&app
        .create(
            "/api/v1/objectives",
            json!({"title": "Acquire a rival", "cycle_id": cycle, "team_ids": [emea], "visibility": "private"}),
        )
        .await);
    let secret_kr = id(&app
        .create(
            &format!("/api/v1/objectives/{secret}/key-results"),
            json!({"title": "Secret due diligence", "kind": "increase", "start": 0, "target": 100,
                   "contributor_ids": [ines.0]}),
        )
        .await);
    assert_eq!(
        app.patch(
            &format!("/api/v1/objectives/{secret}"),
            json!({"state": "active"})
        )
        .await
        .status(),
        StatusCode::OK
    );
    let (deals, pipeline, renewals) = (krs[0].clone(), krs[1].clone(), krs[2].clone());
    // The evaluator's rounds, each after the check-ins it sees, recorded at the moments given
    // (statuses come from the latest check-ins, all fresh): Renewals off track ten days ago.
    let hours_ago = |h: i64| chrono::Utc::now() - chrono::Duration::hours(h);
    evaluate(&app, days_ago(11)).await;
    check_in(&app, &renewals, 2, hours_ago(4)).await;
    evaluate(&app, days_ago(10)).await;
    check_in(&app, &renewals, 5, hours_ago(3)).await;
    check_in(&app, &deals, 8, hours_ago(3)).await;
    check_in(&app, &pipeline, 8, hours_ago(3)).await;
    evaluate(&app, days_ago(2)).await;
    check_in(&app, &renewals, 2, hours_ago(2)).await;
    check_in(&app, &deals, 2, hours_ago(2)).await;
    check_in(&app, &secret_kr, 2, hours_ago(2)).await;
    evaluate(&app, chrono::Utc::now()).await;
    // A round of the job runner: the dashboards say when it finished.
    keel_server::jobs::tick(app.store.as_ref(), "test", chrono::Utc::now())
        .await
        .unwrap();
    // Under way for more than a week, so this week's check-in is due (check-in compliance:
    // a key result that became active this week owes its first check-in next week); moved
    // after the evaluator's rounds, which keep the statuses they recorded.
    for o in [&delight, &widget, &secret] {
        app.backdate_objective(o, 8).await;
    }
    // History moved after the rounds: the check-ins week by week are counted now (the stored
    // counts' own test is `compliance::reads_the_evaluators_counts`).
    app.forget_compliance_counts().await;
    World {
        app,
        sales,
        emea,
        product,
        support,
        deals,
        pipeline,
        renewals,
        mo,
        ines,
        secret,
        widget,
    }
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.req_as(token, Method::GET, path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

/// The key results behind a figure, read to the end a page of `limit` at a time.
async fn cell_as(app: &TestApp, token: &str, query: &str, limit: usize) -> Vec<Value> {
    let mut out = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/dashboard/key-results?limit={limit}&{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", c.replace(':', "%3A")));
        }
        let body = get_as(app, token, &path).await;
        out.extend(body["items"].as_array().unwrap().iter().cloned());
        cursor = body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            return out;
        }
    }
}

fn titles(items: &[Value]) -> Vec<String> {
    let mut t: Vec<String> = items
        .iter()
        .map(|k| k["title"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

fn count_of(mix: &Value, status: &str) -> u64 {
    mix["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["status"] == status)
        .map_or(0, |f| f["key_results"].as_u64().unwrap())
}

fn department<'a>(d: &'a Value, team: &str) -> &'a Value {
    d["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["team_id"] == team)
        .unwrap_or_else(|| panic!("department {team} in {d}"))
}

/// Every figure of the API's dashboard equals the length of the list behind it.
async fn figures_match_lists(app: &TestApp, token: &str, d: &Value) {
    let mut sum = 0;
    for f in d["status_mix"]["statuses"].as_array().unwrap() {
        let n = f["key_results"].as_u64().unwrap();
        sum += n;
        let Some(status) = f["status"].as_str() else {
            continue;
        };
        let list = cell_as(app, token, &format!("status={status}"), 2).await;
        assert_eq!(list.len() as u64, n, "{status}: {d}");
    }
    assert_eq!(sum, d["status_mix"]["total"].as_u64().unwrap());
    assert_eq!(
        cell_as(app, token, "", 2).await.len() as u64,
        sum,
        "every key result once"
    );
    for row in d["departments"].as_array().unwrap() {
        let team = row["team_id"].as_str().unwrap();
        for f in row["mix"]["statuses"].as_array().unwrap() {
            let Some(status) = f["status"].as_str() else {
                continue;
            };
            let list = cell_as(
                app,
                token,
                &format!("department_id={team}&status={status}"),
                500,
            )
            .await;
            assert_eq!(
                list.len() as u64,
                f["key_results"].as_u64().unwrap(),
                "{team} {status}"
            );
        }
    }
    for m in d["movers"].as_array().unwrap() {
        let now = m["now"].as_str().unwrap();
        let list = cell_as(app, token, &format!("moved=true&status={now}"), 500).await;
        let same_now: u64 = d["movers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["now"] == now)
            .map(|x| x["key_results"].as_u64().unwrap())
            .sum();
        assert_eq!(list.len() as u64, same_now, "moved to {now}");
    }
}

async fn dashboards_api(w: World) {
    let app = &w.app;
    let admin = get_as(app, &app.token, "/api/v1/dashboard").await;
    let outsider = get_as(app, &w.mo.1, "/api/v1/dashboard").await;
    let insider = get_as(app, &w.ines.1, "/api/v1/dashboard").await;
    assert!(admin["statuses_evaluated_at"].is_string(), "{admin}");
    assert!(
        admin["figures_as_of"].is_string(),
        "counted by the evaluator: {admin}"
    );
    // Ines is in the private objective (a contributor to its key result): she sees what the
    // administrator sees, counted live on top of the stored figures everybody may see.
    for field in ["status_mix", "top_objectives_total", "movers", "confidence"] {
        assert_eq!(insider[field], admin[field], "{field}");
    }
    assert_eq!(department(&insider, &w.sales)["mix"]["total"], 5);
    assert!(insider.to_string().contains("Acquire a rival"));
    figures_match_lists(app, &w.ines.1, &insider).await;
    // Five key results for the administrator (the private one included), four for Mo.
    assert_eq!(admin["status_mix"]["total"], 5, "{admin}");
    assert_eq!(outsider["status_mix"]["total"], 4, "{outsider}");
    assert_eq!(count_of(&admin["status_mix"], "off_track"), 3, "{admin}");
    assert_eq!(count_of(&outsider["status_mix"], "off_track"), 2);
    assert!(!outsider.to_string().contains("Acquire a rival"));
    assert!(!outsider.to_string().contains("Secret"));
    // The heatmap: the shared key result once in each of Sales, Product and Support; the
    // private one in Sales for the administrator only.
    assert_eq!(department(&admin, &w.sales)["mix"]["total"], 5);
    assert_eq!(department(&outsider, &w.sales)["mix"]["total"], 4);
    assert_eq!(department(&admin, &w.product)["mix"]["total"], 1);
    assert_eq!(department(&admin, &w.support)["mix"]["total"], 1);
    assert!(
        admin["departments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["team_id"] != w.emea),
        "only top-level teams are departments"
    );
    // Top objectives: the three of the cycle the reader may see.
    assert_eq!(admin["top_objectives_total"], 3);
    assert_eq!(outsider["top_objectives_total"], 2);
    // Movers: Deals is newly off track; Renewals was off track a week ago and is again, so it
    // is no mover though its status changed twice this week.
    let moved_off = cell_as(app, &app.token, "moved=true&status=off_track", 50).await;
    assert_eq!(titles(&moved_off), ["Deals", "Secret due diligence"]);
    let kr: Value = get_as(
        app,
        &app.token,
        &format!("/api/v1/key-results/{}", w.renewals),
    )
    .await;
    assert_eq!(kr["status"], "off_track", "{kr}");
    let moved = cell_as(app, &app.token, "moved=true", 50).await;
    assert!(titles(&moved).contains(&"Pipeline".to_string()));
    assert!(!titles(&moved).contains(&"Renewals".to_string()));
    let deals_move = admin["movers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["now"] == "off_track")
        .unwrap();
    assert_ne!(deals_move["before"], "off_track");
    // Confidence: the owners' check-ins of the cycle, every one counted in a week.
    let counted: u64 = admin["confidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["check_ins"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, 7, "{}", admin["confidence"]);
    assert_eq!(admin["confidence_max"], 10);
    let last = admin["confidence"].as_array().unwrap().last().unwrap();
    assert_eq!(last["median"], 2, "{last}");
    figures_match_lists(app, &app.token, &admin).await;
    figures_match_lists(app, &w.mo.1, &outsider).await;
    // A team's dashboard: Sales and the team below it, check-ins week by week.
    let team = get_as(
        app,
        &app.token,
        &format!("/api/v1/teams/{}/dashboard", w.sales),
    )
    .await;
    let team_mo = get_as(
        app,
        &w.mo.1,
        &format!("/api/v1/teams/{}/dashboard", w.sales),
    )
    .await;
    assert_eq!(team["status_mix"]["total"], 5);
    assert_eq!(team_mo["status_mix"]["total"], 4);
    assert!(team["departments"].as_array().unwrap().is_empty());
    let weeks = team["check_ins"].as_array().unwrap();
    assert_eq!(weeks.len(), 6);
    let this_week = weeks.last().unwrap();
    assert_eq!(
        (this_week["due"].as_u64(), this_week["done"].as_u64()),
        (Some(5), Some(4))
    );
    let this_week_mo = team_mo["check_ins"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (this_week_mo["due"].as_u64(), this_week_mo["done"].as_u64()),
        (Some(4), Some(3))
    );
    let product = get_as(
        app,
        &app.token,
        &format!("/api/v1/teams/{}/dashboard", w.product),
    )
    .await;
    assert_eq!(
        product["status_mix"]["total"], 1,
        "shared with two of its teams: once"
    );
    let in_team = cell_as(app, &app.token, &format!("team_id={}", w.product), 50).await;
    assert_eq!(titles(&in_team), ["Shared widget"]);
    // Bad input names its field.
    for (q, field) in [
        ("status=green", "status"),
        ("moved=maybe", "moved"),
        ("department_id=nope", "department_id"),
        (
            &format!("department_id={}", w.emea) as &str,
            "department_id",
        ),
        ("team_id=nope", "team_id"),
        ("cycle_id=nope", "cycle_id"),
        ("cursor=x", "cursor"),
        ("limit=0", "limit"),
    ] {
        assert_problem(
            app.get(&format!("/api/v1/dashboard/key-results?{q}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
    assert_problem(
        app.get("/api/v1/dashboard?cycle_id=nope").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("cycle_id"),
    )
    .await;
    assert_eq!(
        app.get("/api/v1/teams/nope/dashboard").await.status(),
        StatusCode::NOT_FOUND
    );
    let _ = (&w.deals, &w.pipeline);
    stored_until_the_next_round(&w).await;
}

/// The figures are the evaluator's as of its last round: a key result added since counts at the
/// next round, except one of an OKR not everyone may see, counted at once for those in it.
async fn stored_until_the_next_round(w: &World) {
    let app = &w.app;
    let total = |d: &Value| d["status_mix"]["total"].as_u64().unwrap();
    app.create(
        &format!("/api/v1/objectives/{}/key-results", w.widget),
        json!({"title": "Late widget", "kind": "increase", "start": 0, "target": 100}),
    )
    .await;
    app.create(
        &format!("/api/v1/objectives/{}/key-results", w.secret),
        json!({"title": "Late secret", "kind": "increase", "start": 0, "target": 100,
               "contributor_ids": [w.ines.0]}),
    )
    .await;
    let read = |token: String| async move { get_as(app, &token, "/api/v1/dashboard").await };
    assert_eq!(
        total(&read(app.token.clone()).await),
        5,
        "as of the last round"
    );
    assert_eq!(total(&read(w.mo.1.clone()).await), 4);
    assert_eq!(
        total(&read(w.ines.1.clone()).await),
        6,
        "the private key result she is in, counted now"
    );
    let team = |token: String| async move {
        get_as(app, &token, &format!("/api/v1/teams/{}/dashboard", w.sales)).await
    };
    assert_eq!(
        total(&team(w.ines.1.clone()).await),
        6,
        "Sales: one more, live"
    );
    evaluate(app, chrono::Utc::now()).await;
    assert_eq!(total(&read(app.token.clone()).await), 7);
    assert_eq!(total(&read(w.mo.1.clone()).await), 5);
    assert_eq!(total(&read(w.ines.1.clone()).await), 7);
    assert_eq!(total(&team(w.mo.1.clone()).await), 4);
    assert_eq!(total(&team(w.ines.1.clone()).await), 6);
    let admin = read(app.token.clone()).await;
    figures_match_lists(app, &app.token, &admin).await;
    let mo = read(w.mo.1.clone()).await;
    figures_match_lists(app, &w.mo.1, &mo).await;
}

/// The figures a dashboard page shows, by status word: the mix's legend.
fn page_mix(page: &Page) -> Vec<(String, u64)> {
    let words = page.attrs(".mix-legend .figure", "data-status");
    let counts = page.texts(".mix-legend .figure");
    words
        .into_iter()
        .zip(counts)
        .map(|(w, c)| (w, c.parse().unwrap()))
        .collect()
}

async fn dashboard_pages(w: World) {
    let app = &w.app;
    let admin = Browser::admin(app).await;
    let mo = Browser::signed_in(app, &w.mo.0, "mo.outsider@keel.test").await;
    for (browser, token) in [(&admin, app.token.clone()), (&mo, w.mo.1.clone())] {
        let page = browser.page("/dashboard").await;
        let api = get_as(app, &token, "/api/v1/dashboard").await;
        assert!(page.links_to("/dashboard"), "in the header");
        for (word, n) in page_mix(&page) {
            let api_n = if word == "unassessed" {
                api["status_mix"]["statuses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["status"].is_null())
                    .map(|f| f["key_results"].as_u64().unwrap())
                    .sum::<u64>()
            } else {
                count_of(&api["status_mix"], &word)
            };
            assert_eq!(n, api_n, "{word}");
            if n > 0 && word != "unassessed" {
                let list = cell_as(app, &token, &format!("status={word}"), 500).await;
                assert_eq!(list.len() as u64, n, "{word}");
            }
        }
        // The heatmap's cells equal the API's, and each links to its list, whose page shows as
        // many key results.
        let rows = page.rows(".heatmap tbody");
        assert_eq!(rows.len(), api["departments"].as_array().unwrap().len());
        for (row, d) in rows.iter().zip(api["departments"].as_array().unwrap()) {
            assert_eq!(row[0], d["name"].as_str().unwrap());
            assert_eq!(
                row.last().unwrap().parse::<u64>().unwrap(),
                d["mix"]["total"].as_u64().unwrap()
            );
        }
        let cells = page.attrs(".heatmap a.figure", "href");
        assert!(!cells.is_empty());
        for href in &cells {
            let list = browser.page(href).await;
            let n = list.texts(".cell-key-results li").len();
            let label = page
                .attrs(&format!(".heatmap a.figure[href=\"{href}\"]"), "aria-label")
                .pop()
                .unwrap();
            assert!(
                label.contains(&format!(": {n} ")),
                "{label} vs {n} listed at {href}"
            );
        }
        let html = page.html().to_string();
        assert!(page.has("svg.mix-bar"));
        assert!(
            page.has("figure.dash-trend svg.sparkline"),
            "the confidence trend"
        );
        // The chart names its scale: a line without axes says nothing on its own.
        assert!(
            page.text("figure.dash-trend figcaption")
                .contains("from 0 at the bottom to 10 at the top"),
            "{}",
            page.html()
        );
        assert!(page.mentions("Newly off track"));
        assert!(!html.contains("off_track</"), "statuses in words");
        if token != app.token {
            assert!(!page.mentions("Acquire a rival"));
            assert!(!page.mentions("Secret"));
            for href in &cells {
                assert!(!browser.page(href).await.mentions("Secret"));
            }
        } else {
            assert!(page.mentions("Acquire a rival"), "a top objective");
        }
    }
    // The team dashboard: the mix, and owner check-ins per week.
    let team = admin.page(&format!("/teams/{}/dashboard", w.sales)).await;
    assert_eq!(team.text("h1"), "Sales: dashboard 2026 Q4");
    let api = get_as(
        app,
        &app.token,
        &format!("/api/v1/teams/{}/dashboard", w.sales),
    )
    .await;
    for (word, n) in page_mix(&team) {
        if word != "unassessed" {
            assert_eq!(n, count_of(&api["status_mix"], &word), "{word}");
        }
    }
    let weeks = team.rows(".check-in-weeks tbody");
    assert_eq!(weeks.len(), 6);
    assert_eq!(weeks.last().unwrap()[1], "4 of 5");
    assert!(team.links_to(&format!("/teams/{}", w.sales)));
    // Its OKRs: Sales EMEA's objectives and the key result shared with it (and three other
    // teams) once; the private objective only for those who may see it.
    let emea = admin.page(&format!("/teams/{}/dashboard", w.emea)).await;
    let okrs = emea.texts(".team-okrs > li > a:first-child");
    assert_eq!(
        okrs.iter()
            .filter(|t| t.starts_with("Shared widget"))
            .count(),
        1,
        "{okrs:?}"
    );
    assert!(okrs.contains(&"Delight customers".to_string()), "{okrs:?}");
    assert!(okrs.contains(&"Acquire a rival".to_string()), "{okrs:?}");
    let emea_mo = mo.page(&format!("/teams/{}/dashboard", w.emea)).await;
    assert!(emea_mo.mentions("Delight customers"));
    assert!(!emea_mo.mentions("Acquire a rival"));
    assert!(!emea_mo.mentions("Secret"));
    // Bad input: a readable message, never a 500.
    let bad = admin
        .page_with("/dashboard?cycle_id=nope", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(bad.text(".field-error").contains("No such cycle"));
    assert_eq!(
        admin
            .get("/dashboard/key-results?status=green")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // An empty list says it is empty, not that something is hidden from the reader.
    let none = admin.page("/dashboard/key-results?status=closed").await;
    assert!(!none.has(".cell-key-results li"), "{}", none.html());
    assert_eq!(
        none.text("main p.empty"),
        "None: no key result you may see is in this list."
    );
    assert_eq!(
        admin.get("/teams/nope/dashboard").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn dashboard_figures_on_sqlite() {
    dashboards_api(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn dashboard_figures_on_postgres() {
    if !postgres_configured() {
        return;
    }
    dashboards_api(world(spawn_app_on(Db::Postgres).await).await).await;
}

#[tokio::test]
async fn dashboard_pages_on_sqlite() {
    dashboard_pages(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn dashboard_pages_on_postgres() {
    if !postgres_configured() {
        return;
    }
    dashboard_pages(world(spawn_app_on(Db::Postgres).await).await).await;
}
