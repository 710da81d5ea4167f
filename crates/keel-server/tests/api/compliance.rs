//! Check-in compliance by team over weeks (`/api/v1/reports/compliance`, `/reports/compliance`
//! and the team dashboard's weekly figure): a due check-in follows each key result's team
//! cadence (`keel_domain::rhythm::week_check_in`); drafts and owners yet to accept owe none; a
//! private OKR counts only for readers who may see it; team leads read their teams only; the
//! page's figures equal those computed from the full API list; bad input is a 422 naming the
//! field; the CSV is formula-safe. On SQLite and PostgreSQL.

use crate::helpers::*;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// Sales (led by Lea) with Sales EMEA below it (a fortnightly cadence), and "=Ops" (a name
/// that is a formula in a spreadsheet). Olga's public objective, shared with Sales and under
/// way for 35 days, has "Weekly" (Sales' cadence, the organisation's weekly one),
/// "Fortnightly" (shared with Sales EMEA) and "Pending" (proposed to Pat, not accepted). Olga
/// checked both in on the Tuesdays four and two weeks ago. Sam's private objective, shared
/// with "=Ops" and under way as long, was never checked in; Uma's private draft, shared with
/// "=Ops", owes nothing.
struct World {
    app: TestApp,
    cycle: String,
    sales: String,
    emea: String,
    ops: String,
    /// The Monday starting each of the last five weeks, oldest first.
    weeks: Vec<NaiveDate>,
    lea: (String, String),
    hr: (String, String),
    mo: (String, String),
    sam: (String, String),
    /// Sam's key result of the private objective.
    hidden: String,
}

async fn create_as(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = app
        .req_as(token, Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "POST {path}: {body}");
    body
}

fn kr(title: &str, extra: Value) -> Value {
    let mut v = json!({"title": title, "kind": "increase", "start": 0, "target": 100});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

async fn world(app: TestApp) -> World {
    let r = app
        .patch(
            "/api/v1/settings",
            json!({"check_in_weekday": "monday", "time_zone": "UTC"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let today = Utc::now().date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let weeks: Vec<NaiveDate> = (0..5).rev().map(|i| monday - Duration::weeks(i)).collect();
    let cycle = id(&app
        .create(
            "/api/v1/cycles",
            json!({"name": "This quarter", "starts_on": (today - Duration::days(70)).to_string(),
                   "ends_on": (today + Duration::days(30)).to_string(), "state": "active"}),
        )
        .await);
    let olga = app.member("Olga Owner").await;
    let pat = app.member("Pat Proposed").await;
    let lea = app.member("Lea Lead").await;
    let sam = app.member("Sam Secret").await;
    let uma = app.member("Uma Draft").await;
    let hr = app.person_with_roles("Hana Hr", &["hr"]).await;
    let mo = app.member("Mo Member").await;
    let sales = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": "Sales", "lead_id": lea.0, "member_ids": [olga.0]}),
        )
        .await);
    let emea = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": "Sales EMEA", "parent_id": sales}),
        )
        .await);
    let r = app
        .req(Method::PUT, &format!("/api/v1/teams/{emea}/cadence"))
        .json(&json!({"cadence_days": 14}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ops = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": "=Ops", "lead_id": sam.0, "member_ids": [sam.0, uma.0]}),
        )
        .await);
    let grow = id(&create_as(
        &app,
        &olga.1,
        "/api/v1/objectives",
        json!({"title": "Grow", "cycle_id": cycle, "visibility": "public", "state": "active", "team_ids": [sales]}),
    )
    .await);
    let path = format!("/api/v1/objectives/{grow}/key-results");
    let weekly = id(&create_as(&app, &olga.1, &path, kr("Weekly", json!({}))).await);
    let fortnightly = id(&create_as(
        &app,
        &olga.1,
        &path,
        kr("Fortnightly", json!({"team_ids": [emea]})),
    )
    .await);
    app.create(&path, kr("Pending", json!({"owner_id": pat.0})))
        .await;
    let secret = id(&create_as(
        &app,
        &sam.1,
        "/api/v1/objectives",
        json!({"title": "Secret", "cycle_id": cycle, "visibility": "private", "state": "active", "team_ids": [ops]}),
    )
    .await);
    let hidden = id(&create_as(
        &app,
        &sam.1,
        &format!("/api/v1/objectives/{secret}/key-results"),
        kr("Hidden", json!({})),
    )
    .await);
    let draft = id(&create_as(
        &app,
        &uma.1,
        "/api/v1/objectives",
        json!({"title": "Someday", "cycle_id": cycle, "visibility": "private", "team_ids": [ops]}),
    )
    .await);
    create_as(
        &app,
        &uma.1,
        &format!("/api/v1/objectives/{draft}/key-results"),
        kr("Not yet", json!({})),
    )
    .await;
    for o in [&grow, &secret, &draft] {
        app.backdate_objective(o, 35).await;
    }
    for week in [weeks[0], weeks[2]] {
        let at = format!("{}T12:00:00Z", week + Duration::days(1));
        for k in [&weekly, &fortnightly] {
            create_as(
                &app,
                &olga.1,
                &format!("/api/v1/key-results/{k}/check-ins"),
                json!({"value": 10, "confidence": 7, "at": at}),
            )
            .await;
        }
    }
    World {
        app,
        cycle,
        sales,
        emea,
        ops,
        weeks,
        lea,
        hr,
        mo,
        sam,
        hidden,
    }
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.req_as(token, Method::GET, path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

/// Every team of the report, a page of `limit` at a time, and the totals (the same on each).
async fn walk(app: &TestApp, token: &str, query: &str, limit: usize) -> (Vec<Value>, Value) {
    let mut items = vec![];
    let mut totals = Value::Null;
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("/api/v1/reports/compliance?{query}&limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={}", c.replace(':', "%3A")));
        }
        let body = get_as(app, token, &url).await;
        if totals.is_null() {
            totals = body["totals"].clone();
        }
        assert_eq!(totals, body["totals"], "every page has the same totals");
        let page = body["items"].as_array().unwrap();
        cursor = body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_some() {
            assert_eq!(page.len(), limit);
        }
        items.extend(page.iter().cloned());
        if cursor.is_none() {
            return (items, totals);
        }
    }
}

/// (due, done) of each week of a line.
fn weeks_of(line: &Value) -> Vec<(u64, u64)> {
    line["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["due"].as_u64().unwrap(), w["done"].as_u64().unwrap()))
        .collect()
}

fn by_name(items: &[Value]) -> BTreeMap<String, Vec<(u64, u64)>> {
    items
        .iter()
        .map(|l| (l["name"].as_str().unwrap().to_string(), weeks_of(l)))
        .collect()
}

/// The totals computed from the full list: each week's sums, and the overall sums.
fn sums(items: &[Value], weeks: usize) -> (Vec<(u64, u64)>, (u64, u64)) {
    let mut per_week = vec![(0, 0); weeks];
    for l in items {
        for (s, (due, done)) in per_week.iter_mut().zip(weeks_of(l)) {
            s.0 += due;
            s.1 += done;
        }
    }
    let all = per_week
        .iter()
        .fold((0, 0), |a, (due, done)| (a.0 + due, a.1 + done));
    (per_week, all)
}

async fn counts_by_cadence_and_reader(w: World) {
    let app = &w.app;
    let query = format!("cycle_id={}&weeks=5", w.cycle);
    let (items, totals) = walk(app, &app.token, &query, 1).await;
    // Weekly: due every week (done on the Tuesdays four and two weeks ago; a missed week stays
    // due the next). Fortnightly: due two weeks ago (done) and this week. Pending and the
    // draft: never. The private objective: due every week, never done.
    let weekly = vec![(1, 1), (1, 0), (1, 1), (1, 0), (1, 0)];
    let fortnightly = vec![(0, 0), (0, 0), (1, 1), (0, 0), (1, 0)];
    let hidden = vec![(1, 0); 5];
    assert_eq!(
        by_name(&items),
        BTreeMap::from([
            ("Sales".to_string(), weekly.clone()),
            ("Sales EMEA".to_string(), fortnightly.clone()),
            ("=Ops".to_string(), hidden),
        ])
    );
    // By department, then name: the department first.
    let order: Vec<&str> = items.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(order, ["=Ops", "Sales", "Sales EMEA"]);
    assert_eq!(items[2]["department_id"], w.sales.as_str());
    assert_eq!(items[2]["department"], "Sales");
    let starts: Vec<String> = w.weeks.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        items[0]["weeks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["starts_on"].as_str().unwrap().to_string())
            .collect::<Vec<_>>(),
        starts
    );
    // The totals are the sums of the full list.
    let (per_week, all) = sums(&items, 5);
    assert_eq!(totals["teams"], 3);
    assert_eq!(weeks_of(&totals), per_week);
    assert_eq!(
        (
            totals["due"].as_u64().unwrap(),
            totals["done"].as_u64().unwrap()
        ),
        (all.0, all.1)
    );
    assert_eq!(all, (12, 3));
    // HR and Sales' lead never see the private objective counted; the lead only Sales' teams.
    for token in [&w.hr.1, &w.lea.1] {
        let (items, totals) = walk(app, token, &query, 50).await;
        assert_eq!(
            by_name(&items),
            BTreeMap::from([
                ("Sales".to_string(), weekly.clone()),
                ("Sales EMEA".to_string(), fortnightly.clone()),
            ])
        );
        assert_eq!(totals["due"], 7);
    }
    // Narrowed to a department: it and the teams below it.
    let (items, _) = walk(app, &w.hr.1, &format!("{query}&team_id={}", w.sales), 50).await;
    assert_eq!(items.len(), 2);
    let (items, _) = walk(app, &w.hr.1, &format!("{query}&team_id={}", w.emea), 50).await;
    assert_eq!(by_name(&items).keys().collect::<Vec<_>>(), ["Sales EMEA"]);
    // The team dashboard counts each key result of Sales and the team below it once, by the
    // same rule: its last five weeks are the report's Sales and Sales EMEA lines added up.
    let dash = get_as(
        app,
        &app.token,
        &format!("/api/v1/teams/{}/dashboard?cycle_id={}", w.sales, w.cycle),
    )
    .await;
    let shown: Vec<(u64, u64)> = dash["check_ins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["due"].as_u64().unwrap(), x["done"].as_u64().unwrap()))
        .collect();
    let added: Vec<(u64, u64)> = weekly
        .iter()
        .zip(&fortnightly)
        .map(|(a, b)| (a.0 + b.0, a.1 + b.1))
        .collect();
    assert_eq!(shown[shown.len() - 5..], added[..], "{}", dash["check_ins"]);
}

async fn who_may_read_and_bad_input(w: World) {
    let app = &w.app;
    let base = "/api/v1/reports/compliance";
    // Refused before any input is judged.
    for query in ["", "weeks=0", "cycle_id=nope"] {
        let r = app
            .req_as(&w.mo.1, Method::GET, &format!("{base}?{query}"))
            .send()
            .await
            .unwrap();
        assert_problem(r, StatusCode::FORBIDDEN, None).await;
    }
    let r = app
        .req_as(&w.lea.1, Method::GET, &format!("{base}?team_id={}", w.ops))
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
    for (query, field) in [
        ("cycle_id=nope", "cycle_id"),
        ("team_id=nope", "team_id"),
        ("weeks=0", "weeks"),
        ("weeks=53", "weeks"),
        ("weeks=two", "weeks"),
        ("limit=0", "limit"),
        ("cursor=bogus", "cursor"),
        ("cursor=o%3A999", "cursor"),
        ("format=xml", "format"),
    ] {
        let r = app.get(&format!("{base}?{query}")).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
    }
    let admin = Browser::admin(app).await;
    for (query, field) in [
        ("weeks=0", "weeks"),
        ("cycle_id=nope", "cycle_id"),
        ("team_id=nope", "team_id"),
        ("team_id.find=nothing+like+it", "team_id"),
    ] {
        let page = admin
            .page_with(
                &format!("/reports/compliance?{query}"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert!(
            page.field_error(field).is_some(),
            "{query}: {}",
            page.body()
        );
    }
    let mo = Browser::signed_in(app, &w.mo.0, "mo.member@keel.test").await;
    assert_eq!(
        mo.get("/reports/compliance").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        mo.get("/reports/compliance/export").await.status(),
        StatusCode::FORBIDDEN
    );
}

async fn page_figures_equal_the_api_list(w: World) {
    let app = &w.app;
    for (who, token, email) in [
        (&w.hr.0, &w.hr.1, "hana.hr@keel.test"),
        (&w.lea.0, &w.lea.1, "lea.lead@keel.test"),
    ] {
        let query = format!("cycle_id={}&weeks=4", w.cycle);
        let (items, _) = walk(app, token, &query, 1).await;
        let (per_week, all) = sums(&items, 4);
        let b = Browser::signed_in(app, who, email).await;
        let page = b.page(&format!("/reports/compliance?{query}")).await;
        assert_eq!(
            page.text("[data-figure=\"done\"] strong"),
            format!("{} of {}", all.1, all.0)
        );
        assert_eq!(
            page.text("[data-figure=\"teams\"] strong"),
            items.len().to_string()
        );
        for (i, (due, done)) in per_week.iter().enumerate() {
            let cell = page.text(&format!("tfoot td[data-week=\"{i}\"]"));
            if *due == 0 {
                assert!(cell.contains("none due"), "{cell}");
            } else {
                assert!(cell.contains(&format!("{done} of {due}")), "{cell}");
                assert!(cell.contains('%'), "{cell}");
            }
        }
        // Each team a row, under its department's heading; bands in words, not only colour.
        let rows = page.rows("table.compliance tbody");
        assert!(rows.iter().any(|r| r[0] == "Sales EMEA"));
        assert!(page.mentions("behind") && page.mentions("on rhythm"));
        assert!(
            !page.mentions("=Ops"),
            "the private objective's team is not counted"
        );
        assert!(page.links_to(&format!(
            "/reports/compliance/export?cycle_id={}&weeks=4",
            w.cycle
        )));
    }
    // The team picker: found by name without JavaScript, the choice kept.
    let hr = Browser::signed_in(app, &w.hr.0, "hana.hr@keel.test").await;
    let page = hr
        .page(&format!(
            "/reports/compliance?cycle_id={}&team_id.find=emea",
            w.cycle
        ))
        .await;
    assert!(page.selected_values().contains(&w.emea), "{}", page.body());
    assert_eq!(
        page.texts("table.compliance tbody tr[data-team] > th"),
        ["Sales EMEA"]
    );
    let found = hr
        .html("/pickers/teams?field=team_id&as=options&q=sales")
        .await;
    assert!(
        found.contains("Sales EMEA") && found.contains(">Sales<"),
        "{found}"
    );
}

async fn exports_csv(w: World) {
    let app = &w.app;
    let r = app
        .get(&format!(
            "/api/v1/reports/compliance?cycle_id={}&weeks=5&format=csv",
            w.cycle
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("department,team,week starting"));
    assert_eq!(lines.len(), 1 + 3 * 5, "{csv}");
    assert!(csv.contains("'=Ops,'=Ops,"), "formula defused: {csv}");
    assert!(!csv.contains(",=Ops"), "{csv}");
    let hr = Browser::signed_in(app, &w.hr.0, "hana.hr@keel.test").await;
    let r = hr
        .get(&format!(
            "/reports/compliance/export?cycle_id={}&weeks=5",
            w.cycle
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 5, "no private team: {csv}");
}

/// The team dashboard's check-ins week by week, as (due, done).
async fn dashboard_weeks(app: &TestApp, token: &str, team: &str, cycle: &str) -> Vec<(u64, u64)> {
    let dash = get_as(
        app,
        token,
        &format!("/api/v1/teams/{team}/dashboard?cycle_id={cycle}"),
    )
    .await;
    dash["check_ins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["due"].as_u64().unwrap(), x["done"].as_u64().unwrap()))
        .collect()
}

/// Once the hourly evaluator has counted the cycle, the report, its CSV and the team dashboard
/// read its stored counts (the visibilities the reader sees wholesale) plus the non-public OKRs
/// the reader is in, counted now: the same lines, totals and weeks as counting everything now,
/// for the administrator (every OKR stored), HR and a team lead (public stored) and the lead of
/// "=Ops", who sees its private objective as its owner (counted live), whole and narrowed to
/// Sales' branch. The report and the page say when it was counted; a check-in after the count
/// shows at the next one.
async fn reads_the_evaluators_counts(w: World) {
    let app = &w.app;
    let query = format!("cycle_id={}&weeks=5", w.cycle);
    let readers = [
        ("administrator", app.token.clone()),
        ("hr", w.hr.1.clone()),
        ("lead", w.lea.1.clone()),
        ("ops lead", w.sam.1.clone()),
    ];
    let body = get_as(
        app,
        &app.token,
        &format!("/api/v1/reports/compliance?{query}"),
    )
    .await;
    assert!(body["counted_at"].is_null(), "not counted yet: {body}");
    let mut live = vec![];
    for (_, token) in &readers {
        let report = walk(app, token, &query, 2).await;
        let sales = dashboard_weeks(app, token, &w.sales, &w.cycle).await;
        live.push((report, sales));
    }
    // Narrowed to Sales and the teams below it (the totals: Sales' stored subtree).
    let sales_query = format!("{query}&team_id={}", w.sales);
    let mut narrowed = vec![];
    for (_, token) in &readers[..3] {
        narrowed.push(walk(app, token, &sales_query, 1).await);
    }
    let ops_live = dashboard_weeks(app, &w.sam.1, &w.ops, &w.cycle).await;
    assert_eq!(
        by_name(&live[3].0 .0).keys().collect::<Vec<_>>(),
        ["=Ops"],
        "Sam leads =Ops only, and sees its private objective"
    );
    app.evaluate_now().await;
    let body = get_as(
        app,
        &app.token,
        &format!("/api/v1/reports/compliance?{query}"),
    )
    .await;
    assert!(body["counted_at"].is_string(), "counted: {body}");
    // Read from the stored counts, a cursor not from this list is refused the same way.
    for cursor in ["bogus", "o%3A999"] {
        let r = app
            .get(&format!(
                "/api/v1/reports/compliance?{query}&cursor={cursor}"
            ))
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("cursor")).await;
    }
    for ((who, token), before) in readers.iter().zip(&live) {
        let report = walk(app, token, &query, 2).await;
        assert_eq!(
            report, before.0,
            "{who}: the stored counts read as the live count"
        );
        let sales = dashboard_weeks(app, token, &w.sales, &w.cycle).await;
        assert_eq!(sales, before.1, "{who}: the team dashboard's check-ins");
    }
    for ((who, token), before) in readers.iter().zip(&narrowed) {
        let report = walk(app, token, &sales_query, 1).await;
        assert_eq!(&report, before, "{who}: Sales' branch as the live count");
    }
    assert_eq!(
        dashboard_weeks(app, &w.sam.1, &w.ops, &w.cycle).await,
        ops_live,
        "=Ops' private key result counted live for its owner"
    );
    // The CSV reads the same lines.
    let csv = app
        .get(&format!("/api/v1/reports/compliance?{query}&format=csv"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * 5, "{csv}");
    // The page says when.
    let hr = Browser::signed_in(app, &w.hr.0, "hana.hr@keel.test").await;
    let page = hr.page(&format!("/reports/compliance?{query}")).await;
    assert!(
        page.text("[data-freshness]").starts_with("Counted as of "),
        "{}",
        page.text("[data-freshness]")
    );
    // Sam checks in this week after the count: the administrator's report (every OKR stored)
    // shows it at the next count; Sam's own (his private OKR counted live) at once.
    create_as(
        app,
        &w.sam.1,
        &format!("/api/v1/key-results/{}/check-ins", w.hidden),
        json!({"value": 5, "confidence": 6}),
    )
    .await;
    let ops = |items: &[Value]| by_name(items)["=Ops"].clone();
    let (items, _) = walk(app, &app.token, &query, 50).await;
    assert_eq!(ops(&items)[4], (1, 0), "as counted");
    let (items, _) = walk(app, &w.sam.1, &query, 50).await;
    assert_eq!(ops(&items)[4], (1, 1), "counted now for its owner");
    app.evaluate_now().await;
    let (items, totals) = walk(app, &app.token, &query, 50).await;
    assert_eq!(ops(&items)[4], (1, 1), "at the next count");
    let (per_week, _) = sums(&items, 5);
    assert_eq!(weeks_of(&totals), per_week);
}

macro_rules! both {
    ($($name:ident => $test:ident;)*) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    $test(world(spawn_app().await).await).await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    if !postgres_configured() {
                        return;
                    }
                    $test(world(spawn_app_on(Db::Postgres).await).await).await;
                }
            )*
        }
    };
}

both! {
    counts => counts_by_cadence_and_reader;
    permissions_and_bad_input => who_may_read_and_bad_input;
    page => page_figures_equal_the_api_list;
    csv => exports_csv;
    stored => reads_the_evaluators_counts;
}
