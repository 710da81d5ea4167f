//! The alignment tree: key results aligned to key results and to objectives (several parents),
//! loops refused for both, unknown or invisible parents refused naming `parent_ids`, and the
//! tree (`GET /api/v1/alignment`, the `/alignment` page) a level at a time, with private OKRs
//! hidden from those outside them. On SQLite and PostgreSQL.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A year with a quarter under it; the company objective in the year with a key result, a
/// team objective in the quarter with two key results, and a private objective Sam is outside.
struct World {
    app: TestApp,
    quarter: String,
    year_o: String,
    year_kr: String,
    team_o: String,
    team_kr: String,
    team_kr2: String,
    private_o: String,
    private_kr: String,
    sam: (String, String),
}

async fn world(app: TestApp) -> World {
    let year = app
        .create(
            "/api/v1/cycles",
            json!({"name": "2026", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "state": "active"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let quarter = app
        .create(
            "/api/v1/cycles",
            json!({"name": "2026 Q4", "starts_on": "2026-10-01", "ends_on": "2026-12-31", "state": "active", "parent_id": year}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sam = app.member("Sam Outsider").await;
    let id = |v: Value| v["id"].as_str().unwrap().to_string();
    let year_o = id(app
        .create(
            "/api/v1/objectives",
            json!({"title": "Customers love the product", "cycle_id": year, "visibility": "public"}),
        )
        .await);
    let kr = |o: &str, title: &str| {
        let app = &app;
        let path = format!("/api/v1/objectives/{o}/key-results");
        let title = title.to_string();
        async move {
            id(app
                .create(
                    &path,
                    json!({"title": title, "kind": "increase", "target": 100}),
                )
                .await)
        }
    };
    let year_kr = kr(&year_o, "NPS from 20 to 40").await;
    let team_o = id(app
        .create(
            "/api/v1/objectives",
            json!({"title": "Onboarding is effortless", "cycle_id": quarter, "visibility": "public", "parent_ids": [year_o]}),
        )
        .await);
    let team_kr = kr(&team_o, "Day-7 activation from 30% to 50%").await;
    let team_kr2 = kr(&team_o, "Setup time under 5 minutes").await;
    let private_o = id(app
        .create(
            "/api/v1/objectives",
            json!({"title": "Acquire Initech quietly", "cycle_id": quarter, "visibility": "private"}),
        )
        .await);
    let private_kr = kr(&private_o, "Term sheet signed").await;
    World {
        app,
        quarter,
        year_o,
        year_kr,
        team_o,
        team_kr,
        team_kr2,
        private_o,
        private_kr,
        sam,
    }
}

async fn patch_kr(app: &TestApp, token: &str, kr: &str, body: Value) -> reqwest::Response {
    app.req_as(token, Method::PATCH, &format!("/api/v1/key-results/{kr}"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.req_as(token, Method::GET, path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.json().await.unwrap()
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

async fn key_results_align_to_key_results_and_objectives(w: World) {
    let app = &w.app;
    let admin = app.token.clone();
    // KR → KR and KR → objective, several parents, in order.
    let r = patch_kr(
        app,
        &admin,
        &w.team_kr,
        json!({"parent_ids": [w.year_kr, w.year_o]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let k: Value = r.json().await.unwrap();
    assert_eq!(k["parent_ids"], json!([w.year_kr, w.year_o]));
    assert_eq!(
        k["parents"][0],
        json!({"kind": "key_result", "id": w.year_kr})
    );
    assert_eq!(
        k["parents"][1],
        json!({"kind": "objective", "id": w.year_o})
    );
    let got = json_of(app, &format!("/api/v1/key-results/{}", w.team_kr)).await;
    assert_eq!(got["parent_ids"], json!([w.year_kr, w.year_o]));
    // On creation too.
    let created = app
        .create(
            &format!("/api/v1/objectives/{}/key-results", w.team_o),
            json!({"title": "Docs answer 9 in 10 questions", "kind": "increase", "target": 90, "parent_ids": [w.year_kr]}),
        )
        .await;
    assert_eq!(created["parent_ids"], json!([w.year_kr]));

    // Loops are refused: directly (a key result aligned to itself, or to one aligned to it)…
    for (kr, parents) in [
        (&w.team_kr, json!([w.team_kr])),
        (&w.year_kr, json!([w.team_kr])),
    ] {
        let r = patch_kr(app, &admin, kr, json!({ "parent_ids": parents })).await;
        let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("parent_ids")).await;
        assert!(body["detail"].as_str().unwrap().contains("loop"), "{body}");
    }
    // …and longer: the year objective aligned to the team's second key result would make
    // year_o → team_kr2 → team_o → year_o.
    let r = app
        .patch(
            &format!("/api/v1/objectives/{}", w.year_o),
            json!({"parent_ids": [w.team_kr2]}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("parent_ids")).await;
    // A longer loop through key results only: team_kr2 → year_kr → team_kr2.
    let r = patch_kr(app, &admin, &w.team_kr2, json!({"parent_ids": [w.year_kr]})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = patch_kr(app, &admin, &w.year_kr, json!({"parent_ids": [w.team_o]})).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "team_o → year_o does not lead back to year_kr"
    );
    let r = patch_kr(app, &admin, &w.year_kr, json!({"parent_ids": [w.team_kr2]})).await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("parent_ids")).await;
    let r = patch_kr(app, &admin, &w.year_kr, json!({"parent_ids": []})).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Nothing was written by a refusal.
    let got = json_of(app, &format!("/api/v1/key-results/{}", w.year_kr)).await;
    assert_eq!(got["parent_ids"], json!([]));

    // Unknown and invisible parents: 422 naming parent_ids, the same for both.
    let r = patch_kr(app, &admin, &w.team_kr, json!({"parent_ids": ["nothing"]})).await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("parent_ids")).await;
    let sams_o = app
        .req_as(&w.sam.1, Method::POST, "/api/v1/objectives")
        .json(&json!({"title": "Sam's own", "cycle_id": w.quarter, "visibility": "public"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let sams_kr = app
        .req_as(
            &w.sam.1,
            Method::POST,
            &format!("/api/v1/objectives/{}/key-results", sams_o["id"].as_str().unwrap()),
        )
        .json(&json!({"title": "Sam's measure", "kind": "increase", "target": 10, "parent_ids": [w.private_kr]}))
        .send()
        .await
        .unwrap();
    assert_problem(
        sams_kr,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("parent_ids"),
    )
    .await;
    let sams_kr = app
        .req_as(
            &w.sam.1,
            Method::POST,
            &format!(
                "/api/v1/objectives/{}/key-results",
                sams_o["id"].as_str().unwrap()
            ),
        )
        .json(&json!({"title": "Sam's measure", "kind": "increase", "target": 10}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let sams_kr = sams_kr["id"].as_str().unwrap().to_string();
    // The administrator aligns Sam's key result to the private one and a public one: Sam sees
    // only the public parent, and his own edit keeps the private link.
    let r = patch_kr(
        app,
        &admin,
        &sams_kr,
        json!({"parent_ids": [w.private_kr, w.year_kr]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let seen = get_as(app, &w.sam.1, &format!("/api/v1/key-results/{sams_kr}")).await;
    assert_eq!(seen["parent_ids"], json!([w.year_kr]));
    let r = patch_kr(app, &w.sam.1, &sams_kr, json!({"parent_ids": [w.year_o]})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let all = json_of(app, &format!("/api/v1/key-results/{sams_kr}")).await;
    assert_eq!(all["parent_ids"], json!([w.year_o, w.private_kr]));
}

async fn the_tree_a_level_at_a_time(w: World) {
    let app = &w.app;
    let admin = app.token.clone();
    patch_kr(app, &admin, &w.team_kr, json!({"parent_ids": [w.year_kr]})).await;
    // An objective aligned to the private key result: Sam sees it as a root, marked.
    let under_private = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Integration plan ready", "cycle_id": w.quarter, "visibility": "public", "parent_ids": [w.private_kr]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let q = format!("/api/v1/alignment?cycle_id={}", w.quarter);
    // Roots across cycles: the year objective (the quarter's objective is below it).
    let roots = json_of(app, &q).await;
    let mut got = ids(&roots);
    got.sort();
    let mut want = vec![w.year_o.clone(), w.private_o.clone()];
    want.sort();
    assert_eq!(got, want, "{roots}");
    let year = roots["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == w.year_o.as_str())
        .unwrap();
    assert_eq!(year["kind"], "objective");
    assert_eq!(year["cycle"], "2026");
    assert_eq!(year["children"], 2, "its key result and the team objective");
    assert!(year["status"].is_string() && year["progress"].is_number());
    // Children: the year objective's key result and the team objective.
    let below = json_of(app, &format!("/api/v1/alignment?parent={}", w.year_o)).await;
    let mut got = ids(&below);
    got.sort();
    let mut want = vec![w.year_kr.clone(), w.team_o.clone()];
    want.sort();
    assert_eq!(got, want);
    // A key result's children: the key result aligned to it (KR → KR).
    let below = json_of(app, &format!("/api/v1/alignment?parent={}", w.year_kr)).await;
    assert_eq!(ids(&below), vec![w.team_kr.clone()]);
    assert_eq!(below["items"][0]["kind"], "key_result");
    // Paginated.
    let first = json_of(
        app,
        &format!("/api/v1/alignment?parent={}&limit=1", w.year_o),
    )
    .await;
    assert_eq!(ids(&first).len(), 1);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json_of(
        app,
        &format!(
            "/api/v1/alignment?parent={}&limit=1&cursor={cursor}",
            w.year_o
        ),
    )
    .await;
    assert_eq!(ids(&second).len(), 1);
    assert_ne!(ids(&first), ids(&second));
    assert!(second["next_cursor"].is_null());

    // Sam, outside the private objective: it is no root of his, and its child stands as a
    // root aligned to something he cannot see, never naming it.
    let roots = get_as(app, &w.sam.1, &q).await;
    let got = ids(&roots);
    assert!(!got.contains(&w.private_o), "{roots}");
    assert!(got.contains(&under_private), "{roots}");
    let node = roots["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == under_private.as_str())
        .unwrap();
    assert_eq!(node["aligned_to_hidden"], true);
    assert!(!roots.to_string().contains("Initech"));
    assert!(!roots.to_string().contains(&w.private_kr));
    let r = app
        .req_as(
            &w.sam.1,
            Method::GET,
            &format!("/api/v1/alignment?parent={}", w.private_o),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("parent")).await;
    // The administrator sees it under the private key result.
    let below = json_of(app, &format!("/api/v1/alignment?parent={}", w.private_kr)).await;
    assert_eq!(ids(&below), vec![under_private.clone()]);

    // Filters: team, owner, status, and bad ones named.
    let growth = app.team("Growth").await;
    let shared = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Growth's own", "cycle_id": w.quarter, "visibility": "public", "team_ids": [growth]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let by_team = json_of(app, &format!("{q}&team_id={growth}")).await;
    assert_eq!(ids(&by_team), vec![shared]);
    let mine = json_of(app, &format!("{q}&owner_id={}", w.sam.0)).await;
    assert!(ids(&mine).is_empty());
    let drafts = json_of(app, &format!("{q}&status=closed")).await;
    assert!(ids(&drafts).is_empty());
    for (param, field) in [
        ("cycle_id=nope", "cycle_id"),
        ("team_id=nope", "team_id"),
        ("owner_id=nope", "owner_id"),
        ("status=sunny", "status"),
        ("parent=nope", "parent"),
        ("limit=0", "limit"),
    ] {
        let r = app.get(&format!("/api/v1/alignment?{param}")).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
    }
    let r = app
        .get(&format!("/api/v1/alignment?parent={}&cursor=zz", w.year_o))
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("cursor")).await;
}

async fn the_tree_page(w: World) {
    let app = &w.app;
    patch_kr(
        app,
        &app.token,
        &w.team_kr,
        json!({"parent_ids": [w.year_kr]}),
    )
    .await;
    let admin = Browser::admin(app).await;
    let page = admin
        .page(&format!("/alignment?cycle_id={}", w.quarter))
        .await;
    assert!(page.links_to(&format!("/objectives/{}", w.year_o)));
    assert!(
        page.links_to(&format!("/alignment?parent={}", w.year_o)),
        "the no-JS way down"
    );
    assert!(page.mentions("Customers love the product"));
    assert!(
        !page.mentions("Onboarding is effortless"),
        "a level at a time"
    );
    assert!(page.links_to("/alignment"), "in the navigation");
    // The subtree page and the fragment htmx loads.
    let sub = admin.page(&format!("/alignment?parent={}", w.year_o)).await;
    assert!(sub.mentions("What is aligned to “Customers love the product”"));
    assert!(sub.links_to(&format!("/objectives/{}", w.team_o)));
    assert!(sub.links_to(&format!("/key-results/{}", w.year_kr)));
    let frag = admin
        .html(&format!("/alignment/children?parent={}", w.year_kr))
        .await;
    assert!(frag.contains(&format!("/key-results/{}", w.team_kr)));
    assert!(!frag.contains("<html"), "a fragment");
    // Filters: a bad one is named next to its field, with a 422.
    let bad = admin
        .page_with("/alignment?status=sunny", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(bad.field_error("status").is_some());
    let by_owner = admin
        .page(&format!(
            "/alignment?cycle_id={}&owner_id.find=Sam%20Outsider",
            w.quarter
        ))
        .await;
    assert!(by_owner.mentions("No objectives match these filters"));
    assert!(by_owner.selected_values().contains(&w.sam.0));
    // Sam does not see the private objective's title anywhere on the page.
    let sam = Browser::signed_in(app, &w.sam.0, "sam.outsider@keel.test").await;
    let html = sam
        .html(&format!("/alignment?cycle_id={}", w.quarter))
        .await;
    assert!(!html.contains("Initech"));
}

async fn the_aligns_to_form(w: World) {
    let app = &w.app;
    let admin = Browser::admin(app).await;
    let path = format!("/key-results/{}", w.team_kr);
    let page = admin.page(&path).await;
    assert!(page.mentions("It contributes to nothing beyond its objective yet"));
    // The picker suggests objectives and key results by title, as checkboxes.
    let found = admin.html("/alignment/pick?parent_ids.find=NPS").await;
    assert!(
        found.contains(&format!("value=\"{}\"", w.year_kr)),
        "{found}"
    );
    // Ticked from the picker and typed by title (no JavaScript), saved together.
    let to = admin
        .done(
            &format!("{path}/alignment"),
            &[
                ("parent_ids", w.year_kr.as_str()),
                ("parent_ids.find", "Customers love the product"),
            ],
        )
        .await;
    assert_eq!(to, format!("{path}?done=aligned"));
    let page = admin.page(&to).await;
    assert!(page.mentions("Saved: what it aligns to is as shown below"));
    assert!(page.links_to(&format!("/key-results/{}", w.year_kr)));
    assert!(page.links_to(&format!("/objectives/{}", w.year_o)));
    let api = json_of(app, &format!("/api/v1/key-results/{}", w.team_kr)).await;
    assert_eq!(api["parent_ids"], json!([w.year_kr, w.year_o]));
    // A loop, and a title that names nothing: 422, the message next to the field, choices kept.
    let r = admin
        .submit(
            &format!("/key-results/{}/alignment", w.year_kr),
            &[("parent_ids", w.team_kr.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&r.text().await.unwrap());
    assert!(page.field_error("parent_ids").unwrap().contains("loop"));
    assert!(page.checked_values().contains(&w.team_kr));
    let r = admin
        .submit(
            &format!("{path}/alignment"),
            &[("parent_ids.find", "no such title anywhere")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&r.text().await.unwrap());
    assert!(page
        .field_error("parent_ids")
        .unwrap()
        .contains("no such title anywhere"));
    assert_eq!(
        page.field("parent_ids.find").unwrap(),
        "no such title anywhere"
    );
    // Sam may see the key result but not change it: no form, and a refused post.
    let sam = Browser::signed_in(app, &w.sam.0, "sam.outsider@keel.test").await;
    let page = sam.page(&path).await;
    assert!(!page.has(&format!("form[action='{path}/alignment']")));
    let r = sam
        .submit(
            &format!("{path}/alignment"),
            &[("parent_ids", w.year_o.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn aligns_to_form_on_sqlite() {
    the_aligns_to_form(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn key_result_alignment_on_sqlite() {
    key_results_align_to_key_results_and_objectives(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn key_result_alignment_on_postgres() {
    if !postgres_configured() {
        return;
    }
    key_results_align_to_key_results_and_objectives(world(spawn_app_on(Db::Postgres).await).await)
        .await;
}

#[tokio::test]
async fn alignment_tree_on_sqlite() {
    the_tree_a_level_at_a_time(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn alignment_tree_on_postgres() {
    if !postgres_configured() {
        return;
    }
    the_tree_a_level_at_a_time(world(spawn_app_on(Db::Postgres).await).await).await;
}

#[tokio::test]
async fn alignment_page_on_sqlite() {
    the_tree_page(world(spawn_app().await).await).await;
}
