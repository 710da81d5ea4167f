//! A person's page (`/people/{id}`) and `GET /api/v1/people/{id}/okrs`: what they own, co-own,
//! sponsor and contribute to in the current cycle, with status and progress; their check-in
//! rhythm, teams and manager. A private objective shows only to readers who may see it, in the
//! list and in the counts; names on the organisation pages link here.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

struct World {
    app: TestApp,
    olga: (String, String),
    boss: String,
    squad: String,
    public: String,
    public_kr: String,
    private: String,
    mo: (String, String),
    kai: (String, String),
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn world(app: TestApp) -> World {
    let cycle = app.cycle("2026 Q4").await;
    let boss = app.member("Bea Boss").await.0;
    let olga = app.member("Olga Owner").await;
    app.patch(
        &format!("/api/v1/people/{}", olga.0),
        json!({"manager_id": boss}),
    )
    .await;
    let mo = app.member("Mo Outsider").await;
    let kai = app.member("Kai Contributor").await;
    let squad = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": "Zebra squad", "member_ids": [olga.0]}),
        )
        .await);
    let objective = |title: &str, visibility: &str, owner: &str| json!({"title": title, "cycle_id": cycle, "owner_id": owner, "visibility": visibility});
    let kr = |title: &str, owner: &str, contributors: Vec<String>| json!({"title": title, "kind": "increase", "start": 0, "target": 10, "owner_id": owner, "contributor_ids": contributors});
    let public = id(&app
        .create(
            "/api/v1/objectives",
            objective("Launch the app", "public", &olga.0),
        )
        .await);
    let private = id(&app
        .create(
            "/api/v1/objectives",
            objective("Acquire a rival", "private", &olga.0),
        )
        .await);
    let others = id(&app
        .create(
            "/api/v1/objectives",
            objective("Someone else's", "public", &boss),
        )
        .await);
    let public_kr = id(&app
        .create(
            &format!("/api/v1/objectives/{others}/key-results"),
            kr("Downloads to 10k", &olga.0, vec![]),
        )
        .await);
    app.create(
        &format!("/api/v1/objectives/{private}/key-results"),
        kr("Due diligence", &boss, vec![kai.0.clone()]),
    )
    .await;
    World {
        app,
        olga,
        boss,
        squad,
        public,
        public_kr,
        private,
        mo,
        kai,
    }
}

async fn okrs_as(
    app: &TestApp,
    token: &str,
    person: &str,
    limit: usize,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/people/{person}/okrs?limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", c.replace(':', "%3A")));
        }
        let r = app.req_as(token, Method::GET, &path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let body: Value = r.json().await.unwrap();
        cursor = body["next_cursor"].as_str().map(str::to_string);
        for o in body["items"].as_array().unwrap() {
            assert!(o["progress"].is_number() && o["status"].is_string(), "{o}");
            out.push((
                o["kind"].as_str().unwrap().into(),
                id(o),
                o["involvement"].as_str().unwrap().into(),
            ));
        }
        if cursor.is_none() {
            return out;
        }
    }
}

async fn person_okrs_api(w: World) {
    let app = &w.app;
    let o = |k: &str, i: &String, r: &str| (k.to_string(), i.clone(), r.to_string());
    let all = vec![
        o("objective", &w.private, "owner"),
        o("objective", &w.public, "owner"),
        o("key_result", &w.public_kr, "owner"),
    ];
    let sorted = |mut v: Vec<(String, String, String)>| {
        v.sort();
        v
    };
    for limit in [1, 2, 50] {
        assert_eq!(
            sorted(okrs_as(app, &app.token, &w.olga.0, limit).await),
            sorted(all.clone())
        );
    }
    // The outsider never sees the private objective; Olga herself does.
    let outsider = okrs_as(app, &w.mo.1, &w.olga.0, 1).await;
    assert_eq!(
        sorted(outsider),
        sorted(vec![
            o("objective", &w.public, "owner"),
            o("key_result", &w.public_kr, "owner")
        ])
    );
    assert_eq!(okrs_as(app, &w.olga.1, &w.olga.0, 50).await.len(), 3);
    // Kai's contribution to the private objective's key result: visible to Kai, not to Mo.
    assert_eq!(okrs_as(app, &w.kai.1, &w.kai.0, 50).await.len(), 1);
    assert!(okrs_as(app, &w.mo.1, &w.kai.0, 50).await.is_empty());
    // Bad input.
    assert_eq!(
        app.get("/api/v1/people/nobody/okrs").await.status(),
        StatusCode::NOT_FOUND
    );
    for (q, field) in [
        ("cursor=x", "cursor"),
        ("cycle_id=nope", "cycle_id"),
        ("limit=501", "limit"),
    ] {
        assert_problem(
            app.get(&format!("/api/v1/people/{}/okrs?{q}", w.olga.0))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(field),
        )
        .await;
    }
}

async fn person_page(w: World) {
    let app = &w.app;
    let mo = Browser::signed_in(app, &w.mo.0, "mo.outsider@keel.test").await;
    let page = mo.page(&format!("/people/{}", w.olga.0)).await;
    assert_eq!(page.text("h1"), "Olga Owner");
    assert!(
        page.links_to(&format!("/people/{}", w.boss)),
        "manager links to their page"
    );
    assert!(page.links_to(&format!("/teams/{}", w.squad)));
    assert!(page.links_to(&format!("/objectives/{}", w.public)));
    assert!(page.mentions("Downloads to 10k"));
    assert!(page.has("meter.bar"));
    assert!(!page.mentions("Acquire a rival"), "{}", page.html());
    assert!(!page.links_to(&format!("/objectives/{}", w.private)));
    assert!(page.mentions("Check-ins due"));
    let olga = Browser::signed_in(app, &w.olga.0, "olga.owner@keel.test").await;
    assert!(olga
        .page(&format!("/people/{}", w.olga.0))
        .await
        .mentions("Acquire a rival"));
    // An unknown person is a 404 page; an unknown cycle a readable message.
    assert_eq!(
        mo.get("/people/nobody").await.status(),
        StatusCode::NOT_FOUND
    );
    let bad = mo
        .page_with(
            &format!("/people/{}?cycle_id=nope", w.olga.0),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(bad.text(".field-error").contains("No such cycle"));
    // Owners' names on the company page link to their person pages.
    let company = mo.page("/company").await;
    assert!(
        company.links_to(&format!("/people/{}", w.olga.0)),
        "{}",
        company.html()
    );
    assert!(!company.html().contains("/ownership#person-"));
    // An administrator's "What Olga owns" opens her person page.
    let admin = Browser::admin(app).await;
    let edit = admin.page(&format!("/admin/people/{}", w.olga.0)).await;
    assert!(
        edit.links_to(&format!("/people/{}", w.olga.0)),
        "{}",
        edit.html()
    );
    assert!(!edit.html().contains("/ownership#person-"));
}

#[tokio::test]
async fn person_okrs_on_sqlite() {
    person_okrs_api(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn person_okrs_on_postgres() {
    if !postgres_configured() {
        return;
    }
    person_okrs_api(world(spawn_app_on(Db::Postgres).await).await).await;
}

#[tokio::test]
async fn person_page_on_sqlite() {
    person_page(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn person_page_on_postgres() {
    if !postgres_configured() {
        return;
    }
    person_page(world(spawn_app_on(Db::Postgres).await).await).await;
}
