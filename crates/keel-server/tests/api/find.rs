//! Finding anything: `GET /api/v1/search` and the `/search` page over objectives, key results,
//! people and teams. Only what the reader may see is found (a private objective never shows for
//! an outsider, and does for someone in its circle); pages walk to the full set; `%` and `_` are
//! taken literally; bad input is a 422 naming the field, and a readable message on the page.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

struct World {
    app: TestApp,
    public: String,
    public_kr: String,
    private: String,
    private_kr: String,
    zoe: String,
    squad: String,
    /// An outsider: a member in no team, involved in nothing.
    mo: (String, String),
    /// Contributes to the private objective's key result.
    kai: (String, String),
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn world(app: TestApp) -> World {
    let cycle = app.cycle("2026 Q4").await;
    let olga = app.member("Olga Owner").await;
    let mo = app.member("Mo Outsider").await;
    let kai = app.member("Kai Contributor").await;
    let zoe = app.member("Zoe Zebrafield").await.0;
    let squad = app.team("Zebra squad").await;
    let objective = |title: &str, visibility: &str| json!({"title": title, "cycle_id": cycle, "owner_id": olga.0, "visibility": visibility});
    let kr = |title: &str, contributors: Vec<String>| json!({"title": title, "kind": "increase", "start": 0, "target": 10, "owner_id": olga.0, "contributor_ids": contributors});
    let public = id(&app
        .create(
            "/api/v1/objectives",
            objective("Launch the ZEBRA app", "public"),
        )
        .await);
    let private = id(&app
        .create(
            "/api/v1/objectives",
            objective("Zebra acquisition, quietly", "private"),
        )
        .await);
    app.create(
        "/api/v1/objectives",
        objective("Hit 50% margin_ok", "public"),
    )
    .await;
    let public_kr = id(&app
        .create(
            &format!("/api/v1/objectives/{public}/key-results"),
            kr("Zebra downloads to 10k", vec![]),
        )
        .await);
    let private_kr = id(&app
        .create(
            &format!("/api/v1/objectives/{private}/key-results"),
            kr("Zebra due diligence", vec![kai.0.clone()]),
        )
        .await);
    World {
        app,
        public,
        public_kr,
        private,
        private_kr,
        zoe,
        squad,
        mo,
        kai,
    }
}

/// Every (kind, id) a token finds for `query`, walking all pages of `limit`.
async fn found(app: &TestApp, token: &str, query: &str, limit: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/search?limit={limit}&{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", urlencode(c)));
        }
        let r = app.req_as(token, Method::GET, &path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let body: Value = r.json().await.unwrap();
        let items = body["items"].as_array().unwrap();
        cursor = body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_some() {
            assert_eq!(items.len(), limit, "a page before the last is full: {body}");
        }
        for h in items {
            out.push((h["kind"].as_str().unwrap().to_string(), id(h)));
        }
        if cursor.is_none() {
            return out;
        }
    }
}

fn urlencode(s: &str) -> String {
    s.replace('%', "%25")
        .replace(':', "%3A")
        .replace('&', "%26")
}

fn set(hits: &[(&str, &String)]) -> BTreeSet<(String, String)> {
    hits.iter()
        .map(|(k, i)| (k.to_string(), i.to_string()))
        .collect()
}

async fn search_finds_what_each_reader_may_see(w: World) {
    let app = &w.app;
    let everything = set(&[
        ("objective", &w.public),
        ("objective", &w.private),
        ("key_result", &w.public_kr),
        ("key_result", &w.private_kr),
        ("person", &w.zoe),
        ("team", &w.squad),
    ]);
    // The administrator finds everything, whatever the page size, in kind order, once each.
    for limit in [1, 2, 50] {
        let hits = found(app, &app.token, "q=zebra", limit).await;
        assert_eq!(hits.len(), everything.len(), "{hits:?}");
        assert_eq!(hits.iter().cloned().collect::<BTreeSet<_>>(), everything);
        let kinds: Vec<&str> = hits.iter().map(|h| h.0.as_str()).collect();
        let mut sorted = kinds.clone();
        sorted.sort_by_key(|k| {
            ["objective", "key_result", "person", "team"]
                .iter()
                .position(|x| x == k)
        });
        assert_eq!(kinds, sorted, "grouped by kind");
    }
    // Case does not matter.
    assert_eq!(
        found(app, &app.token, "q=zEbRa", 50).await.len(),
        everything.len()
    );
    // The outsider never finds the private objective nor its key result.
    let outsider: BTreeSet<_> = found(app, &w.mo.1, "q=zebra", 2)
        .await
        .into_iter()
        .collect();
    let mut expected = everything.clone();
    expected.remove(&("objective".into(), w.private.clone()));
    expected.remove(&("key_result".into(), w.private_kr.clone()));
    assert_eq!(outsider, expected);
    assert!(found(app, &w.mo.1, "q=acquisition", 50).await.is_empty());
    // Someone in its circle does.
    let insider: BTreeSet<_> = found(app, &w.kai.1, "q=zebra", 2)
        .await
        .into_iter()
        .collect();
    assert_eq!(insider, everything);
    // One kind only.
    assert_eq!(
        found(app, &w.mo.1, "q=zebra&kind=person", 50).await,
        vec![("person".to_string(), w.zoe.clone())]
    );
    // `%` and `_` are literal.
    let percent = found(app, &app.token, "q=0%25", 50).await;
    assert_eq!(percent.len(), 1, "{percent:?}");
    assert!(found(app, &app.token, "q=%25%25", 50).await.is_empty());
    assert_eq!(found(app, &app.token, "q=n_o", 50).await.len(), 1);
    assert!(found(app, &app.token, "q=t_5", 50).await.is_empty());
    assert!(found(app, &app.token, "q=n%25o", 50).await.is_empty());
}

async fn search_refuses_bad_input(app: TestApp) {
    for (path, field) in [
        ("/api/v1/search", "q"),
        ("/api/v1/search?q=z", "q"),
        ("/api/v1/search?q=%20%20z%20", "q"),
        ("/api/v1/search?q=zebra&kind=goal", "kind"),
        ("/api/v1/search?q=zebra&cursor=nonsense", "cursor"),
        ("/api/v1/search?q=zebra&cursor=s%3A9%3Ax", "cursor"),
        ("/api/v1/search?q=zebra&limit=0", "limit"),
    ] {
        assert_problem(
            app.get(path).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
    let long = "z".repeat(201);
    assert_problem(
        app.get(&format!("/api/v1/search?q={long}")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("q"),
    )
    .await;
}

async fn search_page(w: World) {
    let app = &w.app;
    let mo = Browser::signed_in(app, &w.mo.0, "mo.outsider@keel.test").await;
    // The header of every page carries the search box, a GET form to /search.
    let home = mo.page("/my-week").await;
    assert_eq!(
        home.attr("form.site-search", "action").as_deref(),
        Some("/search")
    );
    assert_eq!(
        home.attr("form.site-search", "method").as_deref(),
        Some("get")
    );
    // Grouped by kind, names linking to their pages, nothing private.
    let page = mo.page("/search?q=zebra").await;
    assert_eq!(
        page.texts("main h2"),
        vec!["Objectives", "Key results", "People", "Teams"]
    );
    assert!(page.links_to(&format!("/objectives/{}", w.public)));
    assert!(page.links_to(&format!("/key-results/{}", w.public_kr)));
    assert!(page.links_to(&format!("/people/{}", w.zoe)));
    assert!(page.links_to(&format!("/teams/{}", w.squad)));
    assert!(!page.mentions("acquisition"), "{}", page.html());
    assert!(!page.mentions("due diligence"));
    assert!(!page.links_to(&format!("/objectives/{}", w.private)));
    // The insider sees it.
    let kai = Browser::signed_in(app, &w.kai.0, "kai.contributor@keel.test").await;
    assert!(kai
        .page("/search?q=zebra")
        .await
        .links_to(&format!("/objectives/{}", w.private)));
    // One kind, and nothing found.
    let people = mo.page("/search?q=zebra&kind=person").await;
    assert_eq!(people.texts("main h2"), vec!["People"]);
    assert!(mo
        .page("/search?q=nothing+like+it")
        .await
        .mentions("Nothing you may see matches"));
    // The bare page is a form; bad input is a readable message, not a problem document.
    assert!(mo.page("/search").await.has("form input[name=q]"));
    assert!(
        mo.page("/search?q=+").await.has("form input[name=q]"),
        "an empty box is no error"
    );
    let short = mo
        .page_with("/search?q=z", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(
        short.text(".field-error").contains("at least 2 characters"),
        "{}",
        short.html()
    );
    let kind = mo
        .page_with(
            "/search?q=zebra&kind=goal",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(kind.text(".field-error").contains("Choose objectives"));
    let cursor = mo
        .page_with(
            "/search?q=zebra&kind=team&cursor=bad",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(cursor.text(".field-error").contains("expired"));
}

/// The search index follows every write in its transaction: a renamed objective, key result,
/// person or team is found by its new name and no longer by its old one; a deleted objective is
/// gone. Three characters and more read the index (SQLite FTS5, PostgreSQL pg_trgm); two scan:
/// both find the same.
async fn search_index_follows_writes(w: World) {
    let app = &w.app;
    let patched = |path: String, body: Value| async move {
        let r = app.patch(&path, body).await;
        assert_eq!(r.status(), StatusCode::OK, "PATCH {path}");
    };
    patched(
        format!("/api/v1/objectives/{}", w.public),
        json!({"title": "Launch the Okapi app"}),
    )
    .await;
    patched(
        format!("/api/v1/key-results/{}", w.public_kr),
        json!({"title": "Okapi downloads to 10k"}),
    )
    .await;
    patched(
        format!("/api/v1/people/{}", w.zoe),
        json!({"name": "Zoe Okapiford"}),
    )
    .await;
    patched(
        format!("/api/v1/teams/{}", w.squad),
        json!({"name": "Okapi squad"}),
    )
    .await;
    let okapi = set(&[
        ("objective", &w.public),
        ("key_result", &w.public_kr),
        ("person", &w.zoe),
        ("team", &w.squad),
    ]);
    for q in ["q=okapi", "q=OKAP", "q=kapi"] {
        let hits: BTreeSet<_> = found(app, &app.token, q, 50).await.into_iter().collect();
        assert_eq!(hits, okapi, "{q}");
    }
    // The old names are gone from the index: only the private objective and its key result
    // still say zebra, and Zoe by her email address, which did not change.
    let zebra: BTreeSet<_> = found(app, &app.token, "q=zebra", 50)
        .await
        .into_iter()
        .collect();
    assert_eq!(
        zebra,
        set(&[
            ("objective", &w.private),
            ("key_result", &w.private_kr),
            ("person", &w.zoe)
        ])
    );
    assert_eq!(
        found(app, &w.mo.1, "q=zebra", 50).await,
        vec![("person".to_string(), w.zoe.clone())]
    );
    // A new objective is found at once; a deleted one is gone, with its key results.
    let cycle = json_of(app, &format!("/api/v1/objectives/{}", w.public)).await["cycle_id"]
        .as_str()
        .unwrap()
        .to_string();
    let fresh = id(&app
        .create(
            "/api/v1/objectives",
            json!({"title": "Okapi sanctuary", "cycle_id": cycle}),
        )
        .await);
    assert!(found(app, &w.mo.1, "q=sanctuary", 50)
        .await
        .contains(&("objective".to_string(), fresh.clone())));
    let r = app
        .req(Method::DELETE, &format!("/api/v1/objectives/{}", w.public))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let after: BTreeSet<_> = found(app, &app.token, "q=okapi", 50)
        .await
        .into_iter()
        .collect();
    assert_eq!(
        after,
        set(&[
            ("objective", &fresh),
            ("person", &w.zoe),
            ("team", &w.squad)
        ])
    );
    // Two characters scan (too short for a trigram) and agree with the index.
    let two: BTreeSet<_> = found(app, &app.token, "q=pi", 50)
        .await
        .into_iter()
        .collect();
    assert!(two.is_superset(&after), "{two:?}");
    assert!(!two.contains(&("objective".to_string(), w.public.clone())));
}

#[tokio::test]
async fn search_index_follows_writes_on_sqlite() {
    search_index_follows_writes(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn search_index_follows_writes_on_postgres() {
    if !postgres_configured() {
        return;
    }
    search_index_follows_writes(world(spawn_app_on(Db::Postgres).await).await).await;
}

#[tokio::test]
async fn search_visibility_on_sqlite() {
    search_finds_what_each_reader_may_see(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn search_visibility_on_postgres() {
    if !postgres_configured() {
        return;
    }
    search_finds_what_each_reader_may_see(world(spawn_app_on(Db::Postgres).await).await).await;
}

#[tokio::test]
async fn search_bad_input_on_sqlite() {
    search_refuses_bad_input(spawn_app().await).await;
}

#[tokio::test]
async fn search_bad_input_on_postgres() {
    if !postgres_configured() {
        return;
    }
    search_refuses_bad_input(spawn_app_on(Db::Postgres).await).await;
}

#[tokio::test]
async fn search_page_on_sqlite() {
    search_page(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn search_page_on_postgres() {
    if !postgres_configured() {
        return;
    }
    search_page(world(spawn_app_on(Db::Postgres).await).await).await;
}

/// The objectives list's filters and order, in the API and on the page.
async fn objectives_list(w: World) {
    let app = &w.app;
    let titles = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["title"].as_str().unwrap().to_string())
            .collect()
    };
    // By title, walked a page of two at a time, is the whole list in title order.
    let mut walked = Vec::new();
    let mut cursor = String::new();
    loop {
        let body = json_of(
            app,
            &format!("/api/v1/objectives?sort=title&limit=2{cursor}"),
        )
        .await;
        walked.extend(titles(&body));
        match body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={}", urlencode(c)),
            None => break,
        }
    }
    let mut expected = vec![
        "Hit 50% margin_ok",
        "Launch the ZEBRA app",
        "Zebra acquisition, quietly",
    ];
    expected.sort();
    assert_eq!(walked, expected);
    // Filters: kind and state.
    app.patch(
        &format!("/api/v1/objectives/{}", w.public),
        json!({"kind": "aspirational"}),
    )
    .await;
    let aspirational = json_of(app, "/api/v1/objectives?kind=aspirational").await;
    assert_eq!(titles(&aspirational), vec!["Launch the ZEBRA app"]);
    assert_eq!(
        json_of(app, "/api/v1/objectives?kind=committed&sort=title").await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(
        json_of(app, "/api/v1/objectives?state=closed").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    for (q, field) in [
        ("kind=stretch", "kind"),
        ("state=open", "state"),
        ("sort=progress_desc", "sort"),
        ("sort=title&cursor=zz", "cursor"),
    ] {
        assert_problem(
            app.get(&format!("/api/v1/objectives?{q}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
    // The page, as the outsider: only what they may see, owners linking to their pages.
    let mo = Browser::signed_in(app, &w.mo.0, "mo.outsider@keel.test").await;
    let page = mo.page("/objectives?sort=title").await;
    assert_eq!(
        page.texts("main li > a"),
        vec!["Hit 50% margin_ok", "Launch the ZEBRA app"]
    );
    assert!(!page.mentions("acquisition"));
    assert!(page.links().iter().any(|l| l.starts_with("/people/")));
    let aspirational = mo.page("/objectives?kind=aspirational").await;
    assert_eq!(
        aspirational.texts("main li > a"),
        vec!["Launch the ZEBRA app"]
    );
    let bad = mo
        .page_with(
            "/objectives?sort=sideways",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        bad.text(".field-error").contains("Sort by title"),
        "{}",
        bad.html()
    );
}

#[tokio::test]
async fn objectives_list_on_sqlite() {
    objectives_list(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn objectives_list_on_postgres() {
    if !postgres_configured() {
        return;
    }
    objectives_list(world(spawn_app_on(Db::Postgres).await).await).await;
}
