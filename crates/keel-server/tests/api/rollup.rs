//! The progress roll-up of aligned children (docs/method.md, "Progress roll-up"): off by
//! default; the organisation's setting (API and Admin settings page) and each objective's own
//! choice (API and its edit page) turn it on or off; where it applies, the objective's progress
//! is the weighted mean of its key results and its public, running aligned children, the same
//! figure for every reader (a private or draft child never moves it), in the objective API, the
//! alignment tree and the objective page. On SQLite and PostgreSQL.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// P has two key results: A at 100 % (weight 1) and B at 0 % (weight 3): 25 % on its own.
/// Aligned to it: C, a public objective at 50 %; K, a public key result at 100 % with weight 2
/// aligned to A; X, a private objective at 100 % (Kai contributes to it); D, a draft at 100 %.
/// With the roll-up: (1 + 0 + 0.5 + 2) / 7 = 50 %, for everyone.
struct World {
    app: TestApp,
    cycle: String,
    p: String,
    sam: (String, String),
    kai: (String, String),
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn kr(title: &str, current: f64, weight: f64) -> Value {
    json!({"title": title, "kind": "increase", "start": 0, "target": 10, "current": current, "weight": weight})
}

async fn world(app: TestApp) -> World {
    let cycle = app.cycle("2026 Q4").await;
    let sam = app.member("Sam Outsider").await;
    let kai = app.member("Kai Insider").await;
    let objective = |title: &str, extra: Value| {
        let mut o =
            json!({"title": title, "cycle_id": cycle, "state": "active", "visibility": "public"});
        for (k, v) in extra.as_object().unwrap() {
            o[k] = v.clone();
        }
        o
    };
    let p = app
        .create(
            "/api/v1/objectives",
            objective(
                "Customers love the product",
                json!({"key_results": [kr("A: NPS", 10.0, 1.0), kr("B: churn", 0.0, 3.0)]}),
            ),
        )
        .await;
    let a = id(&p["key_results"][0]);
    let p = id(&p);
    app.create(
        "/api/v1/objectives",
        objective(
            "C: onboarding is effortless",
            json!({"parent_ids": [p], "key_results": [kr("C1", 5.0, 1.0)]}),
        ),
    )
    .await;
    let q = app
        .create(
            "/api/v1/objectives",
            objective(
                "Q: support answers fast",
                json!({"key_results": [kr("K: first answer in an hour", 10.0, 2.0)]}),
            ),
        )
        .await;
    let k = id(&q["key_results"][0]);
    let r = app
        .patch(
            &format!("/api/v1/key-results/{k}"),
            json!({"parent_ids": [a]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.create(
        "/api/v1/objectives",
        objective(
            "X: acquire Initech quietly",
            json!({"parent_ids": [p], "visibility": "private", "contributor_ids": [kai.0],
                   "key_results": [kr("X1", 10.0, 1.0)]}),
        ),
    )
    .await;
    app.create(
        "/api/v1/objectives",
        objective(
            "D: a draft",
            json!({"parent_ids": [p], "state": "draft", "key_results": [kr("D1", 10.0, 1.0)]}),
        ),
    )
    .await;
    World {
        app,
        cycle,
        p,
        sam,
        kai,
    }
}

async fn objective_as(app: &TestApp, token: &str, id: &str) -> Value {
    let r = app
        .req_as(token, Method::GET, &format!("/api/v1/objectives/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn progress(o: &Value) -> f64 {
    (o["progress"].as_f64().unwrap() * 1000.0).round() / 1000.0
}

async fn settings(app: &TestApp, body: Value) {
    let r = app.patch("/api/v1/settings", body).await;
    assert_eq!(r.status(), StatusCode::OK);
}

async fn choose(app: &TestApp, p: &str, choice: &str) {
    let r = app
        .patch(
            &format!("/api/v1/objectives/{p}"),
            json!({"progress_rollup": choice}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

async fn rollup_through_the_api(w: World) {
    let app = &w.app;
    // Off by default: its own key results only.
    let o = objective_as(app, &app.token, &w.p).await;
    assert_eq!(progress(&o), 0.25, "{o}");
    assert_eq!(o["progress_rollup"], "inherit");
    assert!(o["rolled_up_children"].is_null());
    assert_eq!(
        json_of(app, "/api/v1/settings").await["progress_rollup"],
        false
    );
    // The organisation turns it on: C and K count, X (private) and D (draft) do not, and every
    // reader reads the same figure (Kai, inside X, included).
    settings(app, json!({"progress_rollup": true})).await;
    for token in [&app.token, &w.sam.1, &w.kai.1] {
        let o = objective_as(app, token, &w.p).await;
        assert_eq!(progress(&o), 0.5, "{o}");
        assert_eq!(o["rolled_up_children"], 2);
    }
    // The alignment tree shows the same figure at P's node, to a member too.
    let r = app
        .req_as(
            &w.sam.1,
            Method::GET,
            &format!("/api/v1/alignment?cycle_id={}", w.cycle),
        )
        .send()
        .await
        .unwrap();
    let tree: Value = r.json().await.unwrap();
    let node = tree["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == w.p.as_str())
        .unwrap_or_else(|| panic!("P is a root: {tree}"));
    assert_eq!(progress(node), 0.5, "{node}");
    // The objective opts out, then back in while the organisation is off.
    choose(app, &w.p, "off").await;
    assert_eq!(progress(&objective_as(app, &app.token, &w.p).await), 0.25);
    settings(app, json!({"progress_rollup": false})).await;
    choose(app, &w.p, "on").await;
    let o = objective_as(app, &w.sam.1, &w.p).await;
    assert_eq!(progress(&o), 0.5);
    assert_eq!(o["progress_rollup"], "on");
    choose(app, &w.p, "inherit").await;
    assert_eq!(progress(&objective_as(app, &app.token, &w.p).await), 0.25);
    // Publishing the private child makes it count: the figure moves only with public children.
    let x = json_of(app, "/api/v1/objectives?limit=50").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["title"] == "X: acquire Initech quietly")
        .map(id)
        .unwrap();
    choose(app, &w.p, "on").await;
    let r = app
        .patch(
            &format!("/api/v1/objectives/{x}"),
            json!({"visibility": "public"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let o = objective_as(app, &w.sam.1, &w.p).await;
    assert_eq!(progress(&o), 0.563, "(3.5 + 1) / 8: {o}");
    assert_eq!(o["rolled_up_children"], 3);
    // Bad input names the field, on the objective and on the settings.
    for (path, body) in [
        (
            format!("/api/v1/objectives/{}", w.p),
            json!({"progress_rollup": "sideways"}),
        ),
        (
            "/api/v1/settings".to_string(),
            json!({"progress_rollup": "yes"}),
        ),
    ] {
        assert_problem(
            app.patch(&path, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("progress_rollup"),
        )
        .await;
    }
}

async fn shown(b: &Browser, objective: &str) -> Page {
    b.page(&format!("/objectives/{objective}")).await
}

async fn rollup_on_the_pages(w: World) {
    let app = &w.app;
    let admin = Browser::admin(app).await;
    let page = shown(&admin, &w.p).await;
    assert_eq!(page.text("#objective-progress"), "25%");
    assert!(!page.has("#objective-rollup"));
    // The administrator turns it on from the settings page, keeping every other setting.
    let settings = admin.page("/admin/settings").await;
    assert_eq!(settings.field("progress_rollup").as_deref(), Some("off"));
    let names = [
        "name",
        "time_zone",
        "locale.decimal_mark",
        "locale.thousands_separator",
        "ownership_policy",
        "confidence_scale",
        "check_in_weekday",
        "health.pending_ownership_days",
        "health.owner_overload",
        "health.max_key_results",
        "rhythm.cadence_days",
        "rhythm.grace_days",
    ];
    let kept: Vec<(String, String)> = names
        .iter()
        .map(|n| (n.to_string(), settings.field(n).unwrap_or_default()))
        .collect();
    let mut form: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    form.push(("progress_rollup", "sideways"));
    let refused = Page::parse(&admin.refused("/admin/settings", &form).await);
    assert!(
        refused.field_error("progress_rollup").is_some(),
        "{}",
        refused.html()
    );
    form.pop();
    form.push(("progress_rollup", "on"));
    admin.done("/admin/settings", &form).await;
    assert_eq!(
        admin
            .page("/admin/settings")
            .await
            .field("progress_rollup")
            .as_deref(),
        Some("on")
    );
    // Every reader's objective page reads 50 % and says what it includes.
    let sam = Browser::signed_in(app, &w.sam.0, "sam.outsider@keel.test").await;
    for b in [&admin, &sam] {
        let page = shown(b, &w.p).await;
        assert_eq!(page.text("#objective-progress"), "50%");
        assert_eq!(
            page.text("#objective-rollup"),
            "Includes 2 public objectives and key results aligned to it."
        );
    }
    assert!(
        !shown(&sam, &w.p).await.mentions("Initech"),
        "the private child is never named to those outside it"
    );
    // The objective opts out on its edit page.
    let edit = format!("/objectives/{}/edit", w.p);
    let form_page = admin.page(&edit).await;
    assert_eq!(
        form_page.field("progress_rollup").as_deref(),
        Some("inherit")
    );
    let fields: Vec<(String, String)> = [
        "title",
        "description",
        "cycle_id",
        "kind",
        "visibility",
        "state",
        "version",
    ]
    .iter()
    .map(|n| (n.to_string(), form_page.field(n).unwrap_or_default()))
    .collect();
    let mut form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    form.push(("progress_rollup", "off"));
    admin.done(&edit, &form).await;
    assert_eq!(shown(&sam, &w.p).await.text("#objective-progress"), "25%");
    assert_eq!(
        admin.page(&edit).await.field("progress_rollup").as_deref(),
        Some("off")
    );
}

#[tokio::test]
async fn rollup_api_on_sqlite() {
    rollup_through_the_api(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn rollup_api_on_postgres() {
    if !postgres_configured() {
        return;
    }
    rollup_through_the_api(world(spawn_app_on(Db::Postgres).await).await).await;
}

#[tokio::test]
async fn rollup_pages_on_sqlite() {
    rollup_on_the_pages(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn rollup_pages_on_postgres() {
    if !postgres_configured() {
        return;
    }
    rollup_on_the_pages(world(spawn_app_on(Db::Postgres).await).await).await;
}
