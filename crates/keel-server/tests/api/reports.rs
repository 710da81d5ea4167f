//! The reports for HR, team leads, finance and analysts: participation
//! (`/api/v1/reports/participation`, `/reports/participation`), financial key results
//! (`/api/v1/reports/financial`, `/reports/financial`), the health report's "people without
//! OKRs" and the reports hub. Each summary figure on a page equals the same figure computed
//! from the full API list (every page walked); private OKRs never count for a reader outside
//! them; who may read each is enforced on the page, the CSV and the API; bad input is a 422
//! naming the field. On SQLite and PostgreSQL.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn enc(s: &str) -> String {
    s.replace('%', "%25")
        .replace(':', "%3A")
        .replace('&', "%26")
        .replace('+', "%2B")
        .replace('=', "%3D")
}

/// Who is who. Sales (led by Lea) has Olga, Pat, Quinn and Eve, and the sub-team Sales EMEA
/// has Rita; Ops (led by Sam) has Uma. Olga owns an active objective and three key results and
/// checks in on one; Pat contributes to one of them; Rita owns an active objective and a key
/// result and never checks in; Quinn contributes only to Sam's private objective; Uma owns a
/// key result of a draft (nothing due yet); Eve takes part in nothing. The overload threshold
/// is 2, so Olga (4 owned) is overloaded.
struct World {
    app: TestApp,
    cycle: String,
    sales: String,
    ops: String,
    olga: String,
    pat: String,
    quinn: String,
    rita: String,
    /// Rita's token (she checks in in some tests).
    rita_token: String,
    eve: String,
    uma: String,
    lea: (String, String),
    hr: (String, String),
    finance: (String, String),
    mo: (String, String),
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

/// A draft objective of the person with `token`, with one key result they own: taking part,
/// with nothing due yet.
async fn draft_with_a_key_result(app: &TestApp, token: &str, cycle: &str) {
    let draft = id(&create_as(
        app,
        token,
        "/api/v1/objectives",
        json!({"title": "Maybe next quarter", "cycle_id": cycle, "visibility": "public"}),
    )
    .await);
    create_as(
        app,
        token,
        &format!("/api/v1/objectives/{draft}/key-results"),
        json!({"title": "Someday", "kind": "increase", "start": 0, "target": 100}),
    )
    .await;
}

async fn world(app: TestApp) -> World {
    let cycle = app.cycle("2026 Q4").await;
    let r = app
        .patch("/api/v1/settings", json!({"health": {"owner_overload": 2}}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let olga = app.member("Olga Owner").await;
    let pat = app.member("Pat Helper").await.0;
    let quinn = app.member("Quinn Quiet").await.0;
    let rita = app.member("Rita Remote").await;
    // A name that would be a formula in a spreadsheet.
    let eve = id(&app
        .create(
            "/api/v1/people",
            json!({"name": "=Eve Formula", "email": "eve@keel.test"}),
        )
        .await);
    let lea = app.member("Lea Lead").await;
    let sam = app.member("Sam Stranger").await;
    let uma = app.member("Uma Ops").await;
    let hr = app.person_with_roles("Hana Hr", &["hr"]).await;
    let finance = app.person_with_roles("Finn Finance", &["finance"]).await;
    let mo = app.member("Mo Member").await;
    let sales = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": "Sales", "lead_id": lea.0, "member_ids": [lea.0, olga.0, pat, quinn, eve]}),
        )
        .await);
    app.create(
        "/api/v1/teams",
        json!({"name": "Sales EMEA", "parent_id": sales, "member_ids": [rita.0]}),
    )
    .await;
    let ops = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": "Ops", "lead_id": sam.0, "member_ids": [sam.0, uma.0]}),
        )
        .await);
    // Olga's own objective, accepted (she creates it), shared with Sales.
    let grow = id(&create_as(
        &app,
        &olga.1,
        "/api/v1/objectives",
        json!({"title": "Grow revenue", "cycle_id": cycle, "visibility": "public", "state": "active", "team_ids": [sales]}),
    )
    .await);
    let kr = |title: &str, extra: Value| {
        let mut v = json!({"title": title, "kind": "increase", "start": 0, "target": 100});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let bookings = id(&create_as(
        &app,
        &olga.1,
        &format!("/api/v1/objectives/{grow}/key-results"),
        kr(
            "Bookings to 100k",
            json!({"unit": "EUR", "financial": true, "contributor_ids": [pat]}),
        ),
    )
    .await);
    create_as(
        &app,
        &olga.1,
        &format!("/api/v1/objectives/{grow}/key-results"),
        kr(
            "US bookings",
            json!({"unit": "USD", "financial": true, "current": 0}),
        ),
    )
    .await;
    create_as(
        &app,
        &olga.1,
        &format!("/api/v1/objectives/{grow}/key-results"),
        kr("Demos given", json!({})),
    )
    .await;
    create_as(
        &app,
        &olga.1,
        &format!("/api/v1/key-results/{bookings}/check-ins"),
        json!({"value": 40, "confidence": 6}),
    )
    .await;
    // Rita's objective and key result: owned, never checked in.
    let emea = id(&create_as(
        &app,
        &rita.1,
        "/api/v1/objectives",
        json!({"title": "Open Madrid", "cycle_id": cycle, "visibility": "public", "state": "active"}),
    )
    .await);
    create_as(
        &app,
        &rita.1,
        &format!("/api/v1/objectives/{emea}/key-results"),
        kr(
            "Madrid revenue",
            json!({"unit": "EUR", "financial": true, "start": 10, "target": 50}),
        ),
    )
    .await;
    // Sam's private objective, with Quinn contributing and a financial key result.
    let quiet = id(&create_as(
        &app,
        &sam.1,
        "/api/v1/objectives",
        json!({"title": "Quiet acquisition", "cycle_id": cycle, "visibility": "private", "contributor_ids": [quinn]}),
    )
    .await);
    create_as(
        &app,
        &sam.1,
        &format!("/api/v1/objectives/{quiet}/key-results"),
        kr(
            "Secret savings",
            json!({"unit": "EUR", "financial": true, "team_ids": [ops]}),
        ),
    )
    .await;
    draft_with_a_key_result(&app, &uma.1, &cycle).await;
    World {
        app,
        cycle,
        uma: uma.0,
        sales,
        ops,
        olga: olga.0,
        pat,
        quinn,
        rita: rita.0,
        rita_token: rita.1,
        eve,
        lea,
        hr,
        finance,
        mo,
    }
}

/// Every item of a report, walking all its pages of `limit`, and the totals of the first.
async fn walk(app: &TestApp, token: &str, path: &str, limit: usize) -> (Vec<Value>, Value) {
    let mut items = vec![];
    let mut totals = Value::Null;
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{path}&limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={}", enc(c)));
        }
        let r = app.req_as(token, Method::GET, &url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{url}");
        let body: Value = r.json().await.unwrap();
        if totals.is_null() {
            totals = body["totals"].clone();
        } else {
            assert_eq!(totals, body["totals"], "every page has the same totals");
        }
        let page = body["items"].as_array().unwrap();
        cursor = body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_some() {
            assert_eq!(page.len(), limit, "a page before the last is full");
        }
        items.extend(page.iter().cloned());
        if cursor.is_none() {
            return (items, totals);
        }
    }
}

/// The participation totals, computed from the full list.
fn totals_of(items: &[Value]) -> BTreeMap<&'static str, i64> {
    let count = |f: &dyn Fn(&Value) -> bool| items.iter().filter(|i| f(i)).count() as i64;
    BTreeMap::from([
        ("people", items.len() as i64),
        ("without_okrs", count(&|i| i["without_okrs"] == true)),
        (
            "key_result_owners",
            count(&|i| i["owned_key_results_under_way"].as_i64().unwrap() > 0),
        ),
        (
            "without_check_in",
            count(&|i| i["without_check_in"] == true),
        ),
        ("overloaded", count(&|i| i["overloaded"] == true)),
    ])
}

fn totals_map(totals: &Value) -> BTreeMap<&'static str, i64> {
    [
        "people",
        "without_okrs",
        "key_result_owners",
        "without_check_in",
        "overloaded",
    ]
    .into_iter()
    .map(|k| (k, totals[k].as_i64().unwrap()))
    .collect()
}

fn line<'a>(items: &'a [Value], person: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["person_id"] == person)
        .unwrap_or_else(|| panic!("{person} is listed"))
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn names(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

async fn participation_counts_what_each_reader_may_see(w: World) {
    let app = &w.app;
    let path = format!("/api/v1/reports/participation?cycle_id={}", w.cycle);
    // The administrator: everyone, every OKR. Totals equal the full list's, whatever the page.
    for limit in [2, 50] {
        let (items, totals) = walk(app, &app.token, &path, limit).await;
        assert_eq!(totals_map(&totals), totals_of(&items), "limit {limit}");
        assert_eq!(items.len(), 12, "every active person: {:?}", names(&items));
        assert_eq!(names(&items).len(), 12, "each once");
    }
    let (items, _) = walk(app, &app.token, &path, 50).await;
    let olga = line(&items, &w.olga);
    assert_eq!(
        (
            &olga["owned_objectives"],
            &olga["owned_key_results"],
            &olga["check_ins"]
        ),
        (&json!(1), &json!(3), &json!(1))
    );
    assert_eq!(olga["overloaded"], true);
    assert_eq!(olga["without_check_in"], false);
    assert_eq!(line(&items, &w.pat)["contributed"], 1);
    assert_eq!(line(&items, &w.pat)["without_okrs"], false);
    assert_eq!(line(&items, &w.rita)["without_check_in"], true);
    assert_eq!(line(&items, &w.eve)["without_okrs"], true);
    // Owning a draft's key result is taking part, with no check-in due yet.
    let uma = line(&items, &w.uma);
    assert_eq!(
        (
            &uma["owned_key_results"],
            &uma["owned_key_results_under_way"]
        ),
        (&json!(1), &json!(0))
    );
    assert_eq!(uma["without_okrs"], false);
    assert_eq!(uma["without_check_in"], false);
    // Quinn contributes only to a private objective: the administrator sees it ...
    assert_eq!(line(&items, &w.quinn)["contributed"], 1);
    assert_eq!(line(&items, &w.quinn)["without_okrs"], false);
    // ... HR, outside it, does not: it neither counts nor shows.
    let (hr_items, hr_totals) = walk(app, &w.hr.1, &path, 3).await;
    assert_eq!(totals_map(&hr_totals), totals_of(&hr_items));
    assert_eq!(line(&hr_items, &w.quinn)["contributed"], 0);
    assert_eq!(line(&hr_items, &w.quinn)["without_okrs"], true);
    // A team: its members and its sub-teams'.
    let sales = format!("{path}&team_id={}", w.sales);
    let (team, totals) = walk(app, &app.token, &sales, 50).await;
    assert_eq!(
        names(&team),
        BTreeSet::from(
            [
                "Lea Lead",
                "Olga Owner",
                "Pat Helper",
                "Quinn Quiet",
                "=Eve Formula",
                "Rita Remote"
            ]
            .map(String::from)
        )
    );
    assert_eq!(totals_map(&totals), totals_of(&team));
    // A gap lists exactly the people it counts.
    for (gap, flag) in [
        ("without_okrs", "without_okrs"),
        ("without_check_in", "without_check_in"),
        ("overloaded", "overloaded"),
    ] {
        let (listed, totals) = walk(app, &app.token, &format!("{path}&gap={gap}"), 2).await;
        let flagged: BTreeSet<String> = items
            .iter()
            .filter(|i| i[flag] == true)
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names(&listed), flagged, "{gap}");
        assert_eq!(totals[gap].as_i64().unwrap(), listed.len() as i64, "{gap}");
    }
    // A team lead reads the teams they lead (and below), nobody else's.
    let (led, _) = walk(app, &w.lea.1, &path, 50).await;
    assert_eq!(names(&led), names(&team));
    let (led_team, _) = walk(app, &w.lea.1, &sales, 50).await;
    assert_eq!(names(&led_team), names(&team));
    let other = app
        .req_as(&w.lea.1, Method::GET, &format!("{path}&team_id={}", w.ops))
        .send()
        .await
        .unwrap();
    assert_problem(other, StatusCode::FORBIDDEN, None).await;
    // A member who leads nothing, and finance, may not.
    for token in [&w.mo.1, &w.finance.1] {
        let r = app.req_as(token, Method::GET, &path).send().await.unwrap();
        assert_problem(r, StatusCode::FORBIDDEN, None).await;
        let csv = app
            .req_as(token, Method::GET, &format!("{path}&format=csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::FORBIDDEN);
    }
}

async fn participation_exports_csv(w: World) {
    let app = &w.app;
    let r = app
        .req_as(
            &w.hr.1,
            Method::GET,
            &format!(
                "/api/v1/reports/participation?cycle_id={}&format=csv",
                w.cycle
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0].split(',').next(), Some("name"));
    assert_eq!(lines.len(), 1 + 12, "a header and everyone: {text}");
    // A name that would run as a formula in a spreadsheet is defused.
    assert!(
        lines.iter().any(|l| l.starts_with("'=Eve Formula,")),
        "{text}"
    );
    assert!(!lines.iter().any(|l| l.starts_with("=Eve")));
    // Compressed, as a browser asks for it: the whole download arrives (the compressed body is
    // read once more after its end; the stream must end cleanly, not fail).
    let gz = app
        .req_as(
            &w.hr.1,
            Method::GET,
            &format!(
                "/api/v1/reports/participation?cycle_id={}&format=csv",
                w.cycle
            ),
        )
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.status(), StatusCode::OK);
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let bytes = gz.bytes().await.expect("the whole compressed download");
    assert!(bytes.len() > 20);
    // The page's download is the same selection, for the same readers.
    let hr = Browser::signed_in(app, &w.hr.0, "hana.hr@keel.test").await;
    let page = hr
        .get(&format!(
            "/reports/participation/export?cycle_id={}",
            w.cycle
        ))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.text().await.unwrap(), text);
    let mo = Browser::signed_in(app, &w.mo.0, "mo.member@keel.test").await;
    let refused = mo
        .get(&format!(
            "/reports/participation/export?cycle_id={}",
            w.cycle
        ))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

async fn participation_page_figures_equal_the_api_list(w: World) {
    let app = &w.app;
    let path = format!("/api/v1/reports/participation?cycle_id={}", w.cycle);
    for (who, token, email, team) in [
        (&w.hr.0, &w.hr.1, "hana.hr@keel.test", None),
        (&w.lea.0, &w.lea.1, "lea.lead@keel.test", None),
        (&w.hr.0, &w.hr.1, "hana.hr@keel.test", Some(&w.sales)),
    ] {
        let query = team.map(|t| format!("&team_id={t}")).unwrap_or_default();
        let (items, _) = walk(app, token, &format!("{path}{query}"), 5).await;
        let b = Browser::signed_in(app, who, email).await;
        let page = b
            .page(&format!(
                "/reports/participation?cycle_id={}{query}",
                w.cycle
            ))
            .await;
        let shown: BTreeMap<&'static str, i64> = totals_of(&items)
            .keys()
            .map(|k| {
                let text = page.text(&format!("[data-figure=\"{k}\"] strong"));
                (*k, text.trim().parse::<i64>().unwrap())
            })
            .collect();
        assert_eq!(shown, totals_of(&items), "{email} {query}");
        // The rows are the people, by name, with links to their pages.
        let rows = page.rows("table.participation tbody");
        assert_eq!(rows.len(), items.len());
        assert!(page.links_to(&format!(
            "/people/{}",
            items[0]["person_id"].as_str().unwrap()
        )));
        assert!(page.links_to(&format!(
            "/reports/participation/export?cycle_id={}{query}",
            w.cycle
        )));
        // HR finds the reports in the navigation (a team lead, at `/reports`: the hub test).
        if who == &w.hr.0 {
            assert!(page.links().iter().any(|l| l == "/reports"));
        }
    }
    // The gap figure links to exactly those people.
    let hr = Browser::signed_in(app, &w.hr.0, "hana.hr@keel.test").await;
    let page = hr
        .page(&format!(
            "/reports/participation?cycle_id={}&gap=without_check_in",
            w.cycle
        ))
        .await;
    let rows = page.rows("table.participation tbody");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "Rita Remote");
    assert!(rows[0][6].contains("no check-in"));
    // A member who leads nothing gets the 403 page and no "Reports" in the navigation.
    let mo = Browser::signed_in(app, &w.mo.0, "mo.member@keel.test").await;
    let refused = mo.get("/reports/participation").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let week = mo.page("/my-week").await;
    assert!(!week.links().iter().any(|l| l.starts_with("/reports")));
    assert!(hr
        .page("/my-week")
        .await
        .links()
        .iter()
        .any(|l| l == "/reports"));
    // A lead asking for another team's people: the 403 page.
    let lea = Browser::signed_in(app, &w.lea.0, "lea.lead@keel.test").await;
    let other = lea
        .get(&format!("/reports/participation?team_id={}", w.ops))
        .await;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
}

/// Past 50 people the page lists them 50 at a time, saying which ones of how many, with
/// previous and next links: every page's rows together are the API's whole list, and the
/// figures stay those of everyone.
async fn participation_page_pages_through_people(w: World) {
    let app = &w.app;
    for n in 0..60 {
        app.create(
            "/api/v1/people",
            json!({"name": format!("Zed Newcomer {n:02}"), "email": format!("zed{n}@keel.test")}),
        )
        .await;
    }
    let path = format!("/api/v1/reports/participation?cycle_id={}", w.cycle);
    let (items, _) = walk(app, &w.hr.1, &path, 500).await;
    assert!(items.len() > 50);
    let hr = Browser::signed_in(app, &w.hr.0, "hana.hr@keel.test").await;
    let mut next = Some(format!("/reports/participation?cycle_id={}", w.cycle));
    let mut names = vec![];
    let mut pages = 0;
    while let Some(href) = next {
        let page = hr.page(&href).await;
        let rows = page.rows("table.participation tbody");
        assert!(rows.len() <= 50, "{href}");
        let first = names.len() + 1;
        assert_eq!(
            page.text("[data-showing]"),
            format!(
                "People {first} to {} of {}.",
                first + rows.len() - 1,
                items.len()
            )
        );
        assert_eq!(
            page.text("[data-figure=\"people\"] strong").trim(),
            items.len().to_string()
        );
        assert_eq!(page.has("a[rel=\"prev\"]"), pages > 0, "{href}");
        names.extend(rows.into_iter().map(|r| r[0].clone()));
        next = page.attr("a[rel=\"next\"]", "href");
        pages += 1;
    }
    assert_eq!(pages, items.len().div_ceil(50));
    let expected: Vec<String> = items
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, expected);
    let bad = hr
        .page_with(
            &format!("/reports/participation?cycle_id={}&page=x", w.cycle),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(bad.text("[role=alert]").contains("page"), "{}", bad.html());
}

/// Once the hourly evaluator has counted the cycle, every reader's report is read from its
/// stored counts (at the widest reach the reader sees whole) plus the narrower OKRs the reader
/// may see, counted live: the same lines and totals as counting everything live, for the
/// administrator (every OKR stored), a champion (public and team OKRs stored, private ones
/// live), HR and a team lead (public stored, team and private live). The report says when it
/// was counted; a check-in after the count shows at the next one.
async fn participation_reads_the_evaluators_counts(w: World) {
    let app = &w.app;
    let champion = app.person_with_roles("Cleo Champion", &["champion"]).await;
    // A team OKR of Ops (Sam's, Pat contributing): seen whole by champions, by Pat through its
    // circle, and by neither HR nor Lea.
    let sam_ops = id(&app
        .create(
            "/api/v1/objectives",
            json!({"title": "Ops backlog", "cycle_id": w.cycle, "visibility": "team", "team_ids": [w.ops], "contributor_ids": [w.pat], "state": "active"}),
        )
        .await);
    app.create(
        &format!("/api/v1/objectives/{sam_ops}/key-results"),
        json!({"title": "Tickets closed", "kind": "increase", "start": 0, "target": 10, "owner_id": w.uma}),
    )
    .await;
    let path = format!("/api/v1/reports/participation?cycle_id={}", w.cycle);
    let readers = [
        ("administrator", app.token.clone()),
        ("champion", champion.1.clone()),
        ("hr", w.hr.1.clone()),
        ("lead", w.lea.1.clone()),
    ];
    let first = app.get(&format!("{path}&limit=1")).await;
    let body: Value = first.json().await.unwrap();
    assert!(body["counted_at"].is_null(), "not counted yet: {body}");
    let mut live = vec![];
    for (_, token) in &readers {
        live.push(walk(app, token, &path, 3).await);
    }
    // The champion sees the team OKR (Pat contributes, Uma owns its key result); HR does not.
    let (champ_items, _) = &live[1];
    assert_eq!(line(champ_items, &w.pat)["contributed"], 2);
    assert_eq!(line(&live[2].0, &w.pat)["contributed"], 1);
    assert_eq!(line(&live[0].0, &w.quinn)["contributed"], 1);
    assert_eq!(line(champ_items, &w.quinn)["contributed"], 0);

    app.evaluate_now().await;
    let body: Value = app
        .get(&format!("{path}&limit=1"))
        .await
        .json()
        .await
        .unwrap();
    assert!(body["counted_at"].is_string(), "counted: {body}");
    for ((who, token), before) in readers.iter().zip(&live) {
        let after = walk(app, token, &path, 3).await;
        assert_eq!(
            &after, before,
            "{who}: stored counts read as the live count"
        );
    }
    // The page says when.
    let hr = Browser::signed_in(app, &w.hr.0, "hana.hr@keel.test").await;
    let page = hr
        .page(&format!("/reports/participation?cycle_id={}", w.cycle))
        .await;
    assert!(
        page.text("[data-freshness]").starts_with("Counted as of "),
        "{}",
        page.text("[data-freshness]")
    );

    // Rita checks in after the count: the report shows her check-in after the next count.
    let rita_kr = {
        let (items, _) = walk(
            app,
            &app.token,
            &format!(
                "/api/v1/objectives?cycle_id={}&owner_id={}",
                w.cycle, w.rita
            ),
            50,
        )
        .await;
        let o = id(&items[0]);
        let full: Value = app
            .get(&format!("/api/v1/objectives/{o}"))
            .await
            .json()
            .await
            .unwrap();
        full["key_results"][0]["id"].as_str().unwrap().to_string()
    };
    create_as(
        app,
        &w.rita_token,
        &format!("/api/v1/key-results/{rita_kr}/check-ins"),
        json!({"value": 20, "confidence": 5}),
    )
    .await;
    let (items, _) = walk(app, &w.hr.1, &path, 50).await;
    assert_eq!(
        line(&items, &w.rita)["without_check_in"],
        true,
        "as counted"
    );
    app.evaluate_now().await;
    let (items, totals) = walk(app, &w.hr.1, &path, 50).await;
    assert_eq!(line(&items, &w.rita)["without_check_in"], false);
    assert_eq!(line(&items, &w.rita)["check_ins"], 1);
    assert_eq!(totals_map(&totals), totals_of(&items));
    // A private objective counted at the next round, with HR outside it: the administrator's
    // report counts it, HR's never.
    let secret = id(&app
        .create(
            "/api/v1/objectives",
            json!({"title": "Secret plan", "cycle_id": w.cycle, "visibility": "private", "contributor_ids": [w.eve]}),
        )
        .await);
    assert!(!secret.is_empty());
    app.evaluate_now().await;
    let (items, _) = walk(app, &app.token, &path, 50).await;
    assert_eq!(line(&items, &w.eve)["without_okrs"], false);
    let (items, _) = walk(app, &w.hr.1, &path, 50).await;
    assert_eq!(
        line(&items, &w.eve)["without_okrs"],
        true,
        "private: not HR's"
    );
    assert_eq!(line(&items, &w.eve)["contributed"], 0);
}

async fn participation_refuses_bad_input(w: World) {
    let app = &w.app;
    let base = "/api/v1/reports/participation";
    for (query, field) in [
        ("gap=everyone", "gap"),
        ("team_id=nope", "team_id"),
        ("cycle_id=nope", "cycle_id"),
        ("limit=0", "limit"),
        ("cursor=bogus", "cursor"),
        ("format=xml", "format"),
    ] {
        let r = app.get(&format!("{base}?{query}")).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
    }
    let b = Browser::admin(app).await;
    let page = b
        .page_with(
            "/reports/participation?gap=everyone",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(page.field_error("gap").is_some(), "{}", page.body());
    let page = b
        .page_with(
            "/reports/participation?team_id=nope",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(page.field_error("team_id").is_some(), "{}", page.body());
}

/// The financial totals, computed from the full list: (team id or "", unit) to (count, start,
/// target, current).
fn financial_totals_of(items: &[Value]) -> BTreeMap<(String, String), (i64, f64, f64, f64)> {
    let mut out: BTreeMap<(String, String), (i64, f64, f64, f64)> = BTreeMap::new();
    for i in items {
        let teams: Vec<String> = i["team_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        let teams = if teams.is_empty() {
            vec![String::new()]
        } else {
            teams
        };
        for t in teams {
            let e = out
                .entry((t, i["unit"].as_str().unwrap().to_string()))
                .or_default();
            e.0 += 1;
            e.1 += i["start"].as_f64().unwrap();
            e.2 += i["target"].as_f64().unwrap();
            e.3 += i["current"].as_f64().unwrap();
        }
    }
    out
}

fn financial_totals_map(totals: &Value) -> BTreeMap<(String, String), (i64, f64, f64, f64)> {
    totals
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                (
                    t["team_id"].as_str().unwrap_or_default().to_string(),
                    t["unit"].as_str().unwrap().to_string(),
                ),
                (
                    t["key_results"].as_i64().unwrap(),
                    t["start"].as_f64().unwrap(),
                    t["target"].as_f64().unwrap(),
                    t["current"].as_f64().unwrap(),
                ),
            )
        })
        .collect()
}

async fn financial_report_for_finance(w: World) {
    let app = &w.app;
    let path = format!("/api/v1/reports/financial?cycle_id={}", w.cycle);
    // Finance sees the public financial key results, not the private one.
    let (items, totals) = walk(app, &w.finance.1, &path, 1).await;
    let titles: BTreeSet<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        BTreeSet::from(["Bookings to 100k", "US bookings", "Madrid revenue"])
    );
    assert_eq!(financial_totals_map(&totals), financial_totals_of(&items));
    let sales_eur = financial_totals_map(&totals)[&(w.sales.clone(), "EUR".to_string())];
    assert_eq!(sales_eur, (1, 0.0, 100.0, 40.0));
    let bookings = items
        .iter()
        .find(|i| i["title"] == "Bookings to 100k")
        .unwrap();
    assert_eq!(bookings["progress"], 0.4);
    assert!(bookings["status"].is_string());
    // The administrator sees the private one too, in Ops' totals.
    let (all, totals) = walk(app, &app.token, &path, 2).await;
    assert_eq!(all.len(), 4);
    assert_eq!(financial_totals_map(&totals), financial_totals_of(&all));
    assert!(financial_totals_map(&totals).contains_key(&(w.ops.clone(), "EUR".to_string())));
    // Narrowed to a team.
    let (sales, totals) = walk(app, &w.finance.1, &format!("{path}&team_id={}", w.sales), 5).await;
    assert_eq!(sales.len(), 2);
    assert_eq!(financial_totals_map(&totals), financial_totals_of(&sales));
    // The page shows the same totals; the CSV lists every key result.
    let b = Browser::signed_in(app, &w.finance.0, "finn.finance@keel.test").await;
    let page = b
        .page(&format!("/reports/financial?cycle_id={}", w.cycle))
        .await;
    let rows = page.rows("table.financial-totals tbody");
    let expected = financial_totals_of(&items);
    assert_eq!(rows.len(), expected.len());
    let shown_counts: i64 = rows.iter().map(|r| r[2].parse::<i64>().unwrap()).sum();
    assert_eq!(shown_counts, expected.values().map(|v| v.0).sum::<i64>());
    assert_eq!(page.rows("table.financial tbody").len(), items.len());
    let csv = b
        .get(&format!("/reports/financial/export?cycle_id={}", w.cycle))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.text().await.unwrap().lines().count(), 1 + items.len());
    // HR, a member and a team lead may not.
    for token in [&w.hr.1, &w.mo.1, &w.lea.1] {
        let r = app.req_as(token, Method::GET, &path).send().await.unwrap();
        assert_problem(r, StatusCode::FORBIDDEN, None).await;
    }
    let hr = Browser::signed_in(app, &w.hr.0, "hana.hr@keel.test").await;
    assert_eq!(
        hr.get("/reports/financial").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        hr.get("/reports/financial/export").await.status(),
        StatusCode::FORBIDDEN
    );
    let r = app.get("/api/v1/reports/financial?team_id=nope").await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("team_id")).await;
}

async fn health_finds_people_without_okrs(w: World) {
    let app = &w.app;
    app.evaluate_now().await;
    let health = json_of(app, &format!("/api/v1/health?cycle_id={}", w.cycle)).await;
    let (items, _) = walk(
        app,
        &app.token,
        &format!("/api/v1/reports/participation?cycle_id={}", w.cycle),
        50,
    )
    .await;
    let none = totals_of(&items)["without_okrs"];
    assert!(none > 0);
    assert_eq!(health["people"][0]["code"], "people_without_okrs");
    assert_eq!(health["people"][0]["count"], none);
    assert!(health["people"][0]["fix"].as_str().unwrap().len() > 10);
    // A member who leads nothing is not told about people.
    let r = app
        .req_as(
            &w.mo.1,
            Method::GET,
            &format!("/api/v1/health?cycle_id={}", w.cycle),
        )
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["people"], json!([]));
    // The page shows the finding with its fix and a link to the people.
    let b = Browser::admin(app).await;
    let page = b.page(&format!("/health?cycle_id={}", w.cycle)).await;
    assert!(page.has("[data-code=\"people_without_okrs\"]"));
    assert!(page
        .text("[data-code=\"people_without_okrs\"]")
        .contains(&format!("{none} of")));
    assert!(page.links_to(&format!(
        "/reports/participation?cycle_id={}&gap=without_okrs",
        w.cycle
    )));
    let mo = Browser::signed_in(app, &w.mo.0, "mo.member@keel.test").await;
    let page = mo.page(&format!("/health?cycle_id={}", w.cycle)).await;
    assert!(!page.has("[data-code=\"people_without_okrs\"]"));
}

async fn hub_lists_what_each_reader_may_open(w: World) {
    let app = &w.app;
    let links = |page: Page| -> BTreeSet<String> {
        page.links()
            .into_iter()
            .filter(|l| l.starts_with("/reports/"))
            .collect()
    };
    let admin = Browser::admin(app).await;
    assert_eq!(
        links(admin.page("/reports").await),
        set(&[
            "/reports/participation",
            "/reports/compliance",
            "/reports/calibration",
            "/reports/financial"
        ])
    );
    let fin = Browser::signed_in(app, &w.finance.0, "finn.finance@keel.test").await;
    assert_eq!(
        links(fin.page("/reports").await),
        set(&["/reports/financial"])
    );
    let lea = Browser::signed_in(app, &w.lea.0, "lea.lead@keel.test").await;
    assert_eq!(
        links(lea.page("/reports").await),
        set(&[
            "/reports/participation",
            "/reports/compliance",
            "/reports/calibration"
        ])
    );
    let mo = Browser::signed_in(app, &w.mo.0, "mo.member@keel.test").await;
    assert_eq!(mo.get("/reports").await.status(), StatusCode::FORBIDDEN);
}

/// An objective of the administrator's, under way and shared with `team`, with one key result
/// checked in at `confidence` and scored `score`: its id.
async fn scored(app: &TestApp, cycle: &str, team: &str, confidence: u8, score: f64) -> String {
    let o = id(&app
        .create(
            "/api/v1/objectives",
            json!({"title": format!("Scored {team} {confidence}"), "cycle_id": cycle,
                   "visibility": "public", "state": "active", "team_ids": [team]}),
        )
        .await);
    let kr = id(&app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Measured", "kind": "increase", "start": 0, "target": 100}),
        )
        .await);
    app.create(
        &format!("/api/v1/key-results/{kr}/check-ins"),
        json!({"value": 50, "confidence": confidence}),
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/key-results/{kr}/score"),
            json!({"score": score}),
        )
        .await;
    assert!(r.status().is_success(), "scored");
    kr
}

/// Calibration by team: two Sales key results and one of Ops, scored, the cycle closed. HR
/// reads both teams, Lea (lead of Sales) only Sales, a member nothing; the page's team rows, the
/// CSV and the API list say the same; bad input names the field.
/// By person, paged: the full report's people, each with the same figures; refused to a team
/// lead, who reads no one's own line.
async fn calibration_by_person_is_the_full_reports_people(w: &World, path: &str, full: &Value) {
    let app = &w.app;
    // By person, paged: the full report's people, each with the same figures.
    let by_person = path.replace("by=team", "by=person");
    let (people, _) = walk(app, &w.hr.1, &by_person, 1).await;
    let brier_of = |v: &[Value]| -> BTreeMap<String, String> {
        v.iter()
            .map(|i| {
                (
                    i["id"].as_str().unwrap().to_string(),
                    format!("{:.6}", i["brier"].as_f64().unwrap()),
                )
            })
            .collect()
    };
    assert!(!people.is_empty());
    assert_eq!(
        brier_of(&people),
        brier_of(full["owners"].as_array().unwrap())
    );
    let r = app
        .req_as(&w.lea.1, Method::GET, &by_person)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a lead reads no one's own line"
    );
}

async fn calibration_by_team(w: World) {
    let app = &w.app;
    // Committed: success only at 1.0. Sales: 0.8 → 0.5 (not), 0.4 → 1.0 (yes); Ops: 0.9 → 0.
    scored(app, &w.cycle, &w.sales, 8, 0.5).await;
    scored(app, &w.cycle, &w.sales, 4, 1.0).await;
    scored(app, &w.cycle, &w.ops, 9, 0.0).await;
    let path = format!("/api/v1/reports/calibration?by=team&cycle_id={}", w.cycle);
    // Not closed yet: a 422 naming the cycle.
    let r = app
        .req_as(&w.hr.1, Method::GET, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("cycle_id"));
    let r = app
        .post(&format!("/api/v1/cycles/{}/close", w.cycle), json!({}))
        .await;
    assert!(r.status().is_success(), "closed");

    let (items, _) = walk(app, &w.hr.1, &path, 1).await;
    assert_eq!(names(&items), set(&["Sales", "Ops"]));
    let team = |id: &str| items.iter().find(|i| i["id"] == id).unwrap().clone();
    let sales = team(&w.sales);
    assert_eq!(sales["key_results"], 2);
    // Brier: (0.8 − 0)² and (0.4 − 1)², averaged: (0.64 + 0.36) / 2 = 0.5.
    assert!(
        (sales["brier"].as_f64().unwrap() - 0.5).abs() < 1e-9,
        "{sales}"
    );
    assert!((sales["success_rate"].as_f64().unwrap() - 0.5).abs() < 1e-9);
    let ops = team(&w.ops);
    assert!(
        (ops["brier"].as_f64().unwrap() - 0.81).abs() < 1e-9,
        "{ops}"
    );
    assert_eq!(ops["calibration"], "over_confident");
    // The full report's teams are the same lines.
    let r = app
        .get(&format!("/api/v1/cycles/{}/calibration", w.cycle))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let full: Value = r.json().await.unwrap();
    assert_eq!(full["teams"].as_array().unwrap().len(), 2, "{full}");
    calibration_by_person_is_the_full_reports_people(&w, &path, &full).await;

    // Lea leads Sales: only Sales, and Ops is refused by name.
    let (lea_items, _) = walk(app, &w.lea.1, &path, 5).await;
    assert_eq!(names(&lea_items), set(&["Sales"]));
    let r = app
        .req_as(&w.lea.1, Method::GET, &format!("{path}&team_id={}", w.ops))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (narrowed, _) = walk(app, &w.hr.1, &format!("{path}&team_id={}", w.ops), 5).await;
    assert_eq!(names(&narrowed), set(&["Ops"]));

    // The page: the teams' rows equal the API list, for HR and for Lea.
    let team_rows = |page: &Page| -> BTreeMap<String, (String, String)> {
        page.rows("table[data-section=Teams]")
            .into_iter()
            .filter(|r| r.len() == 6 && r[0] != "Name")
            .map(|r| (r[0].clone(), (r[1].clone(), r[4].clone())))
            .collect()
    };
    let expected = |items: &[Value]| -> BTreeMap<String, (String, String)> {
        items
            .iter()
            .map(|i| {
                (
                    i["name"].as_str().unwrap().to_string(),
                    (
                        i["key_results"].to_string(),
                        format!("{:.2}", i["brier"].as_f64().unwrap()),
                    ),
                )
            })
            .collect()
    };
    let page_path = format!("/reports/calibration?cycle_id={}", w.cycle);
    let hr = Browser::signed_in(app, &w.hr.0, "hana.hr@keel.test").await;
    let shown = hr.page(&page_path).await;
    assert_eq!(team_rows(&shown), expected(&items));
    assert!(shown.links_to(&format!("/reports/calibration/export?cycle_id={}", w.cycle)));
    let lea = Browser::signed_in(app, &w.lea.0, "lea.lead@keel.test").await;
    let shown = lea.page(&page_path).await;
    assert_eq!(team_rows(&shown), expected(&lea_items));
    assert!(
        !shown.body().contains("Owners in"),
        "a team lead reads no one's own line"
    );

    // CSV: the API's and the page's, the same lines.
    let r = app
        .req_as(&w.hr.1, Method::GET, &format!("{path}&format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0].split(',').next(), Some("team"));
    assert_eq!(lines.len(), 1 + 2, "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Sales,2,0.6000,0.5000,0.7500,0.5000,")),
        "{text}"
    );
    let download = hr
        .get(&format!("/reports/calibration/export?cycle_id={}", w.cycle))
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.text().await.unwrap(), text);

    // A member is refused on the page, the CSV and the API.
    let mo = Browser::signed_in(app, &w.mo.0, "mo.member@keel.test").await;
    assert_eq!(mo.get(&page_path).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        mo.get(&format!("/reports/calibration/export?cycle_id={}", w.cycle))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = app
        .req_as(&w.mo.1, Method::GET, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Bad input names the field.
    for (query, field) in [
        ("by=owner", "by"),
        ("cycle_id=nope", "cycle_id"),
        ("team_id=nope", "team_id"),
        ("format=xml", "format"),
        ("limit=0", "limit"),
        ("cursor=zz", "cursor"),
    ] {
        let r = app
            .req_as(
                &w.hr.1,
                Method::GET,
                &format!("/api/v1/reports/calibration?{query}"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body: Value = r.json().await.unwrap();
        assert!(body.to_string().contains(field), "{query}: {body}");
    }
}

/// Each line of a calibration list by id: its key results and figures (to 9 decimals: the
/// stored sums are added in another order than the live tally's).
fn calibration_lines(items: &[Value]) -> BTreeMap<String, String> {
    items
        .iter()
        .map(|i| {
            let f = |k: &str| format!("{:.9}", i[k].as_f64().unwrap());
            (
                i["id"].as_str().unwrap().to_string(),
                format!(
                    "{} {} {} {} {} {} {}",
                    i["name"],
                    i["key_results"],
                    f("mean_confidence"),
                    f("success_rate"),
                    f("mean_score"),
                    f("brier"),
                    i["calibration"]
                ),
            )
        })
        .collect()
}

/// Once the evaluator has counted the closed cycle, the reports read its sums plus the reader's
/// narrower OKRs tallied now: for the administrator, HR and Lea (whose private objective HR does
/// not see), by team and by person, and the full report, the same lines as tallied live, and
/// they say when they were counted. Re-opening the cycle forgets the sums: tallied live again
/// once closed, until the next count.
async fn calibration_reads_the_evaluators_sums(w: World) {
    let app = &w.app;
    scored(app, &w.cycle, &w.sales, 8, 0.5).await;
    scored(app, &w.cycle, &w.ops, 9, 0.0).await;
    // Lea's private objective, shared with Sales: her reading of 3 on a key result scored 1.0.
    let private = id(&create_as(
        app,
        &w.lea.1,
        "/api/v1/objectives",
        json!({"title": "Quiet win", "cycle_id": w.cycle, "visibility": "private",
               "state": "active", "team_ids": [w.sales]}),
    )
    .await);
    let kr = id(&create_as(
        app,
        &w.lea.1,
        &format!("/api/v1/objectives/{private}/key-results"),
        json!({"title": "Signed", "kind": "increase", "start": 0, "target": 100}),
    )
    .await);
    create_as(
        app,
        &w.lea.1,
        &format!("/api/v1/key-results/{kr}/check-ins"),
        json!({"value": 50, "confidence": 3}),
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/key-results/{kr}/score"),
            json!({"score": 1.0}),
        )
        .await;
    assert!(r.status().is_success(), "scored");
    let close = format!("/api/v1/cycles/{}/close", w.cycle);
    assert!(app.post(&close, json!({})).await.status().is_success());

    let by_team = format!("/api/v1/reports/calibration?cycle_id={}", w.cycle);
    let by_person = format!("{by_team}&by=person");
    let full = format!("/api/v1/cycles/{}/calibration", w.cycle);
    let reads = [
        (app.token.as_str(), by_team.as_str()),
        (app.token.as_str(), by_person.as_str()),
        (w.hr.1.as_str(), by_team.as_str()),
        (w.hr.1.as_str(), by_person.as_str()),
        (w.lea.1.as_str(), by_team.as_str()),
        (app.token.as_str(), full.as_str()),
    ];
    let read = || calibration_reads(app, &reads);
    let sales_of = |lines: &BTreeMap<String, String>| lines[&w.sales].clone();
    let live = read().await;
    assert!(live.iter().all(|(_, at)| at.is_null()), "tallied live");
    assert!(
        sales_of(&live[2].0).contains("\"Sales\" 1 "),
        "HR: {:?}",
        live[2]
    );
    assert!(
        sales_of(&live[4].0).contains("\"Sales\" 2 "),
        "Lea, her private key result too: {:?}",
        live[4]
    );
    let hr = Browser::signed_in(app, &w.hr.0, "hana.hr@keel.test").await;
    let page_path = format!("/reports/calibration?cycle_id={}", w.cycle);
    let freshness = |page: &Page| page.text("[data-freshness]");
    assert!(freshness(&hr.page(&page_path).await).starts_with("Counted now"));

    app.evaluate_now().await;
    let stored = read().await;
    for ((lines, at), (want, _)) in stored.iter().zip(&live) {
        assert!(at.is_string(), "counted: {at}");
        assert_eq!(lines, want);
    }
    assert!(freshness(&hr.page(&page_path).await).starts_with("Counted as of"));

    // Re-opened and closed again: forgotten, tallied live until the next count.
    let reopen = format!("/api/v1/cycles/{}/reopen", w.cycle);
    assert!(app.post(&reopen, json!({})).await.status().is_success());
    assert!(app.post(&close, json!({})).await.status().is_success());
    let again = read().await;
    assert_eq!(again, live);
    app.evaluate_now().await;
    assert!(read().await.iter().all(|(_, at)| at.is_string()));
}

/// Every calibration list of each (reader's token, path), walked a line a page, with when it
/// was counted; the full report (a path without `?`) as its owners' and teams' lists.
async fn calibration_reads(
    app: &TestApp,
    reads: &[(&str, &str)],
) -> Vec<(BTreeMap<String, String>, Value)> {
    let mut out = vec![];
    for (token, path) in reads {
        let first = get_json(app, token, path).await;
        if !path.contains('?') {
            for part in ["owners", "teams"] {
                out.push((
                    calibration_lines(first[part].as_array().unwrap()),
                    first["counted_at"].clone(),
                ));
            }
            continue;
        }
        let (items, _) = walk(app, token, path, 1).await;
        out.push((calibration_lines(&items), first["counted_at"].clone()));
    }
    out
}

/// The JSON body of a GET as the holder of `token` (200).
async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.req_as(token, Method::GET, path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
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
    participation_counts => participation_counts_what_each_reader_may_see;
    participation_csv => participation_exports_csv;
    participation_page => participation_page_figures_equal_the_api_list;
    participation_paging => participation_page_pages_through_people;
    participation_stored => participation_reads_the_evaluators_counts;
    participation_bad_input => participation_refuses_bad_input;
    financial => financial_report_for_finance;
    health_people => health_finds_people_without_okrs;
    hub => hub_lists_what_each_reader_may_open;
    calibration => calibration_by_team;
    calibration_stored => calibration_reads_the_evaluators_sums;
}
