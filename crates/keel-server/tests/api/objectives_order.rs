//! The objectives list in every order (`GET /api/v1/objectives?sort=` and `/objectives`): by
//! owner's name, status (the worst first) and progress (the least first) besides creation and
//! title, each walked a page of two at a time equal to the whole list in that order, nothing
//! repeated or skipped, filters kept; a title cursor that carries its key so a renamed objective
//! does not send the next page back; bad sorts and cursors refused naming the field. Status and
//! progress order by what the hourly evaluation stored (a change shows in the order after the
//! next evaluation, a new objective comes last until then, the page says when it was worked
//! out). On SQLite and PostgreSQL.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

struct World {
    app: TestApp,
    cycle: String,
    /// The objectives by title, with their owner's token.
    ids: Vec<(String, String)>,
    ann: (String, String),
}

/// An active objective of the person with `token`, with one key result checked in at `reading`
/// (value, confidence) when given.
async fn objective(
    app: &TestApp,
    token: &str,
    cycle: &str,
    title: &str,
    reading: Option<(f64, i64)>,
) -> String {
    let send = |m: Method, path: String, body: Value| async move {
        let r = app
            .req_as(token, m, &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    };
    let o = send(
        Method::POST,
        "/api/v1/objectives".into(),
        json!({"title": title, "cycle_id": cycle, "visibility": "public",
            "key_results": [{"title": format!("{title}: the number"), "kind": "increase", "start": 0, "target": 100}]}),
    )
    .await;
    let id = o["id"].as_str().unwrap().to_string();
    let kr = o["key_results"][0]["id"].as_str().unwrap().to_string();
    send(
        Method::PATCH,
        format!("/api/v1/objectives/{id}"),
        json!({"state": "active"}),
    )
    .await;
    if let Some((value, confidence)) = reading {
        send(
            Method::POST,
            format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": value, "confidence": confidence}),
        )
        .await;
    }
    id
}

async fn world(app: TestApp) -> World {
    let cycle = app.cycle("2026 Q4").await;
    let ann = app.member("Ann Ames").await;
    let bob = app.member("Bob Berg").await;
    let cy = app.member("Cy Cole").await;
    let mut ids = Vec::new();
    for (who, title, reading) in [
        (&cy, "Alpha", Some((80.0, 9))),
        (&ann, "Beta", Some((5.0, 1))),
        (&bob, "Delta", None),
        (&ann, "Gamma", Some((40.0, 6))),
        (&bob, "Epsilon", Some((20.0, 3))),
    ] {
        let id = objective(&app, &who.1, &cycle, title, reading).await;
        ids.push((id, who.1.clone()));
    }
    // The job runner's round: the hourly evaluation stores each objective's status and
    // progress, which the status and progress orders read.
    keel_server::jobs::tick(app.store.as_ref(), "test", chrono::Utc::now())
        .await
        .unwrap();
    World {
        app,
        cycle,
        ids,
        ann,
    }
}

/// Every objective of the list `query`, walked `limit` at a time.
async fn walk(app: &TestApp, query: &str, limit: u32) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    for _ in 0..100 {
        let body = json_of(
            app,
            &format!("/api/v1/objectives?{query}&limit={limit}{cursor}"),
        )
        .await;
        all.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={}", urlencode(c)),
            None => return all,
        }
    }
    panic!("{query}: more than 100 pages");
}

fn ids(v: &[Value]) -> Vec<String> {
    v.iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

fn status_rank(s: &str) -> usize {
    [
        "off_track",
        "at_risk",
        "stale",
        "on_track",
        "not_started",
        "awaiting_owner",
        "draft",
        "closed",
    ]
    .iter()
    .position(|x| *x == s)
    .unwrap_or_else(|| panic!("status {s}"))
}

async fn every_order_pages_stably(w: World) {
    let app = &w.app;
    let base = format!("cycle_id={}", w.cycle);
    for sort in ["created", "title", "owner", "status", "progress"] {
        let q = format!("{base}&sort={sort}");
        let whole = json_of(app, &format!("/api/v1/objectives?{q}&limit=500")).await;
        let whole: Vec<Value> = whole["items"].as_array().unwrap().clone();
        assert_eq!(whole.len(), 5, "{sort}");
        let walked = walk(app, &q, 2).await;
        assert_eq!(
            ids(&walked),
            ids(&whole),
            "{sort}: pages of two are the whole list"
        );
        // In the order asked for, ties by id.
        let key = |o: &Value| -> (String, String) {
            let k = match sort {
                "title" => o["title"].as_str().unwrap().to_string(),
                "owner" => o["owner"]["name"].as_str().unwrap().to_string(),
                "status" => format!("{}", status_rank(o["status"].as_str().unwrap())),
                "progress" => format!("{:012.4}", o["progress"].as_f64().unwrap()),
                _ => String::new(),
            };
            (k, o["id"].as_str().unwrap().to_string())
        };
        let keys: Vec<_> = walked.iter().map(key).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{sort}");
    }
    // The list is varied enough for those orders to mean something.
    let whole = json_of(app, &format!("/api/v1/objectives?{base}&limit=500")).await;
    let items = whole["items"].as_array().unwrap();
    let statuses: std::collections::HashSet<&str> = items
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert!(statuses.len() >= 2, "{statuses:?}");
    let by_owner = ids(&walk(app, &format!("{base}&sort=owner"), 2).await);
    assert_eq!(
        by_owner
            .iter()
            .map(|id| w.ids.iter().position(|(o, _)| o == id).unwrap())
            .collect::<Vec<_>>()
            .iter()
            .map(|i| ["Cy", "Ann", "Bob", "Ann", "Bob"][*i])
            .collect::<Vec<_>>(),
        vec!["Ann", "Ann", "Bob", "Bob", "Cy"]
    );
    // Filters are kept under every order: Ann's, by progress.
    let anns = walk(
        app,
        &format!("{base}&owner_id={}&sort=progress", w.ann.0),
        1,
    )
    .await;
    assert_eq!(anns.len(), 2);
    assert!(anns.iter().all(|o| o["owner"]["id"] == w.ann.0.as_str()));
    // Bad sorts and cursors name their field.
    for (q, field) in [
        ("sort=sideways", "sort"),
        ("sort=status&cursor=zz", "cursor"),
        ("sort=progress&cursor=c:x:y", "cursor"),
        ("sort=owner&cursor=k:", "cursor"),
    ] {
        assert_problem(
            app.get(&format!("/api/v1/objectives?{q}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
    a_renamed_objective_does_not_send_paging_back(&w).await;
    the_page_offers_every_order(&w).await;
    the_status_order_is_the_evaluations(&w).await;
    a_moved_objective_waits_for_the_evaluation_of_its_new_cycle(&w).await;
}

/// By status, the order is the last evaluation's: a check-in that makes Alpha (on track) off
/// track moves it only once the evaluator has run again; an objective created since comes last;
/// the page says when the order was worked out; `as_of` with it is refused naming `sort`, and a
/// cursor whose key is not a number naming `cursor`.
async fn the_status_order_is_the_evaluations(w: &World) {
    let app = &w.app;
    let q = format!("cycle_id={}&sort=status", w.cycle);
    let before = ids(&walk(app, &q, 2).await);
    let (alpha, cy) = w.ids[0].clone();
    let o = json_of(app, &format!("/api/v1/objectives/{alpha}")).await;
    let kr = o["key_results"][0]["id"].as_str().unwrap().to_string();
    let r = app
        .req_as(
            &cy,
            Method::POST,
            &format!("/api/v1/key-results/{kr}/check-ins"),
        )
        .json(&json!({"value": 10, "confidence": 1}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let zeta = objective(app, &w.ann.1, &w.cycle, "Zeta", Some((1.0, 1))).await;
    let now = walk(app, &q, 2).await;
    let alpha_now = now.iter().find(|o| o["id"] == alpha.as_str()).unwrap();
    assert_eq!(
        alpha_now["status"], "off_track",
        "each item shows its status now"
    );
    let mut stored = before.clone();
    stored.push(zeta.clone());
    assert_eq!(
        ids(&now),
        stored,
        "until the next evaluation, the order is the last one's"
    );
    keel_server::jobs::evaluator::evaluate(app.store.as_ref(), chrono::Utc::now())
        .await
        .unwrap();
    let after = ids(&walk(app, &q, 2).await);
    let at = |list: &[String], id: &str| list.iter().position(|x| x == id).unwrap();
    assert!(
        at(&after, &alpha) < at(&before, &alpha),
        "{before:?} {after:?}"
    );
    assert!(
        at(&after, &zeta) < after.len() - 1,
        "Zeta is off track: {after:?}"
    );
    let admin = Browser::admin(app).await;
    let page = admin.page(&format!("/objectives?{q}")).await;
    assert!(
        page.text(".sorted-as-of").contains("as of"),
        "{}",
        page.html()
    );
    let by_title = admin
        .page(&format!("/objectives?cycle_id={}&sort=title", w.cycle))
        .await;
    assert!(by_title.texts(".sorted-as-of").is_empty());
    for (q, field) in [
        ("sort=status&as_of=2026-11-01", "sort"),
        ("sort=progress&cursor=k:x:abc", "cursor"),
    ] {
        assert_problem(
            app.get(&format!("/api/v1/objectives?{q}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
}

/// An objective moved to another cycle leaves its old cycle's list at once and comes last in
/// its new cycle's by status until the next evaluation, then takes its place there (the same
/// status in a cycle of the same dates: the evaluation records it again for its new cycle).
async fn a_moved_objective_waits_for_the_evaluation_of_its_new_cycle(w: &World) {
    let app = &w.app;
    let next = app.cycle("2027 Q1").await;
    let eta = objective(app, &w.ann.1, &next, "Eta", Some((80.0, 9))).await;
    keel_server::jobs::evaluator::evaluate(app.store.as_ref(), chrono::Utc::now())
        .await
        .unwrap();
    let (beta, token) = w.ids[1].clone();
    let r = app
        .req_as(&token, Method::PATCH, &format!("/api/v1/objectives/{beta}"))
        .json(&json!({"cycle_id": next}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let old = ids(&walk(app, &format!("cycle_id={}&sort=status", w.cycle), 2).await);
    assert!(!old.contains(&beta), "{old:?}");
    assert_eq!(old.len(), 5, "{old:?}");
    let q = format!("cycle_id={next}&sort=status");
    let before = walk(app, &q, 1).await;
    assert_eq!(
        ids(&before),
        vec![eta.clone(), beta.clone()],
        "not seen there yet"
    );
    let rank = |o: &Value| status_rank(o["status"].as_str().unwrap());
    assert!(rank(&before[1]) < rank(&before[0]), "Beta is the worse");
    keel_server::jobs::evaluator::evaluate(app.store.as_ref(), chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(ids(&walk(app, &q, 1).await), vec![beta, eta]);
}

/// By title, the cursor carries the title: renaming the last objective of a page to sort first
/// does not make the next page start over.
async fn a_renamed_objective_does_not_send_paging_back(w: &World) {
    let app = &w.app;
    let q = format!("cycle_id={}&sort=title&limit=2", w.cycle);
    let first = json_of(app, &format!("/api/v1/objectives?{q}")).await;
    let seen = ids(first["items"].as_array().unwrap());
    assert_eq!(
        first["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["title"].clone())
            .collect::<Vec<_>>(),
        vec![json!("Alpha"), json!("Beta")]
    );
    let (beta, token) = w.ids[1].clone();
    let r = app
        .req_as(&token, Method::PATCH, &format!("/api/v1/objectives/{beta}"))
        .json(&json!({"title": "Aardvark first"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cursor = urlencode(first["next_cursor"].as_str().unwrap());
    let next = json_of(app, &format!("/api/v1/objectives?{q}&cursor={cursor}")).await;
    let next_ids = ids(next["items"].as_array().unwrap());
    assert!(
        next_ids.iter().all(|id| !seen.contains(id)),
        "nothing repeated: {next}"
    );
    assert_eq!(next["items"][0]["title"], "Delta");
}

/// The page offers the orders in words, keeps the filters in its next-page link.
async fn the_page_offers_every_order(w: &World) {
    let admin = Browser::admin(&w.app).await;
    let page = admin
        .page(&format!("/objectives?cycle_id={}&sort=status", w.cycle))
        .await;
    let offered = page.attrs("select[name=sort] option", "value");
    for s in ["title", "owner", "status", "progress"] {
        assert!(offered.iter().any(|v| v == s), "{offered:?}");
    }
    assert_eq!(page.field("sort").as_deref(), Some("status"));
    let rows = page.texts("main li > a");
    assert_eq!(rows.len(), 5, "{rows:?}");
    let page = admin
        .page(&format!(
            "/objectives?cycle_id={}&sort=progress&owner_id={}",
            w.cycle, w.ann.0
        ))
        .await;
    assert_eq!(page.texts("main li > a").len(), 2);
    let bad = admin
        .page_with(
            "/objectives?sort=sideways",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        bad.text(".field-error").contains("status or progress"),
        "{}",
        bad.html()
    );
}

#[tokio::test]
async fn objectives_in_every_order_on_sqlite() {
    every_order_pages_stably(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn objectives_in_every_order_on_postgres() {
    if !postgres_configured() {
        return;
    }
    every_order_pages_stably(world(spawn_app_on(Db::Postgres).await).await).await;
}

/// A query-string value, every byte but letters and digits percent-encoded (a cursor carries a
/// title or a name: spaces, `+`, `&` and `#` included).
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
