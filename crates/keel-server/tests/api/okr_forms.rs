//! The forms that create and edit objectives and key results: validation next to the field, what
//! was typed kept, stale edits refused, and the ownership request a new owner receives
//! ("Acceptance").

use crate::helpers::*;
use crate::owner_world::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn create_objective_form_validates_and_creates_an_ownership_request() {
    let w = world(spawn_app().await).await;
    let (dan_id, _) = w.app.member("Dan Driver").await;
    let form = w.bea.page("/objectives/new").await;
    assert!(form.has("label[for=\"f-title\"]"));
    // People are found as one types (the picker), not all listed in the form.
    let found = w.bea.page("/pickers/people?q=dan").await;
    assert!(
        found
            .texts("label")
            .iter()
            .any(|o| o.contains("Dan Driver")),
        "{}",
        found.html()
    );
    let before = count(&w.app).await;
    // No title: the error next to the title; everything else typed is kept.
    let resp = w
        .bea
        .submit_from(
            "/objectives/new",
            "/objectives/new",
            &[
                ("title", ""),
                ("description", "Why it matters"),
                ("cycle_id", &w.cycle),
                ("owner_id", &dan_id),
                ("owner_note", "You know the funnel"),
                ("fit.proximity", "on"),
                ("kind", "aspirational"),
                ("visibility", "public"),
                ("state", "draft"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    assert!(page.field_error("title").is_some(), "{}", page.html());
    assert_eq!(
        page.text("textarea[name=\"description\"]"),
        "Why it matters"
    );
    assert_eq!(
        page.text("textarea[name=\"owner_note\"]"),
        "You know the funnel"
    );
    assert_eq!(
        page.attr("select[name=\"owner_id\"] option[selected]", "value"),
        Some(dan_id.clone())
    );
    assert_eq!(
        page.attr("select[name=\"kind\"] option[selected]", "value")
            .as_deref(),
        Some("aspirational")
    );
    assert!(page.attr("[id=\"f-fit.proximity\"]", "checked").is_some());
    assert_eq!(count(&w.app).await, before, "nothing written");
    // A team as owner: refused next to the owner, nothing written.
    let team = w.app.team("Growth").await;
    let resp = w
        .bea
        .submit_from(
            "/objectives/new",
            "/objectives/new",
            &[
                ("title", "Grow"),
                ("cycle_id", &w.cycle),
                ("owner_id", &team),
                ("kind", "committed"),
                ("visibility", "public"),
                ("state", "draft"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    assert!(
        page.field_error("owner_id")
            .is_some_and(|e| e.contains("is a team, not a person")),
        "{}",
        page.html()
    );
    // A forged choice: refused next to its field.
    let resp = w
        .bea
        .submit_from(
            "/objectives/new",
            "/objectives/new",
            &[
                ("title", "Grow"),
                ("cycle_id", &w.cycle),
                ("kind", "huge"),
                ("visibility", "public"),
                ("state", "draft"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(Page::parse(&resp.text().await.unwrap())
        .field_error("kind")
        .is_some_and(|e| e.contains("choose one of the options")));
    assert_eq!(count(&w.app).await, before);

    // Right: created with Dan as proposed owner, his request waiting, aligned to Bea's objective.
    let resp = w
        .bea
        .submit_from(
            "/objectives/new",
            "/objectives/new",
            &[
                ("title", "Activation is effortless"),
                ("cycle_id", &w.cycle),
                ("owner_id", &dan_id),
                ("owner_note", "You know the funnel"),
                ("fit.proximity", "on"),
                ("parent_ids", &w.objective),
                ("team_ids", &team),
                ("kind", "committed"),
                ("visibility", "public"),
                ("state", "draft"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = location(&resp);
    let id = to
        .trim_start_matches("/objectives/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let o = objective_json(&w.app, &id).await;
    assert_eq!(o["owner_id"], dan_id.as_str());
    assert_eq!(o["ownership_state"], "pending");
    assert_eq!(o["ownership_request"]["note"], "You know the funnel");
    assert_eq!(o["ownership_request"]["fit"]["proximity"], true);
    assert_eq!(o["parent_ids"][0], w.objective.as_str());
    assert_eq!(o["teams"][0]["name"], "Growth");
    // The parent shows the child.
    let parent = w.bea.page(&format!("/objectives/{}", w.objective)).await;
    assert!(parent.body().contains("Activation is effortless"));
}

#[tokio::test]
async fn edit_objective_form_keeps_input_and_refuses_stale_edits() {
    let w = world(spawn_app().await).await;
    let path = format!("/objectives/{}/edit", w.objective);
    let form = w.bea.page(&path).await;
    assert_eq!(
        form.field("title").as_deref(),
        Some("Customers love onboarding")
    );
    let version = objective_json(&w.app, &w.objective).await["version"]
        .as_i64()
        .unwrap()
        .to_string();
    let base = |title: &'static str, v: String| {
        vec![
            ("title", title.to_string()),
            ("description", "Now with a description".to_string()),
            ("cycle_id", w.cycle.clone()),
            ("kind", "committed".to_string()),
            ("visibility", "public".to_string()),
            ("state", "active".to_string()),
            ("version", v),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let b = &w.bea;
        let path = path.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            b.submit_from(&path, &path, &pairs).await
        }
    };
    // A title too long for the domain: error next to it, typed description kept, unchanged.
    let long: &'static str = Box::leak("x".repeat(400).into_boxed_str());
    let resp = send(base(long, version.clone())).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    assert!(page.field_error("title").is_some(), "{}", page.html());
    assert_eq!(
        page.field("description").as_deref(),
        Some("Now with a description")
    );
    assert_eq!(
        objective_json(&w.app, &w.objective).await["title"],
        "Customers love onboarding"
    );
    // A stale version: refused with an explanation, the edit kept on the page.
    let resp = send(base("Renamed", "0".into())).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    assert!(page
        .body()
        .contains("Someone changed this since you opened the form"));
    assert_eq!(page.field("title").as_deref(), Some("Renamed"));
    assert_eq!(
        objective_json(&w.app, &w.objective).await["title"],
        "Customers love onboarding"
    );
    // Right: saved.
    let resp = send(base("Customers love onboarding, measurably", version)).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let o = objective_json(&w.app, &w.objective).await;
    assert_eq!(o["title"], "Customers love onboarding, measurably");
    assert_eq!(o["description"], "Now with a description");
}

#[tokio::test]
async fn key_result_forms_validate_numbers_and_save() {
    let w = world(spawn_app().await).await;
    let new = format!("/objectives/{}/key-results/new", w.objective);
    let form = w.bea.page(&new).await;
    assert!(form.has("label[for=\"f-metric_kind\"]"));
    // Not a number: next to the target, what was typed kept, nothing written.
    let resp = w
        .bea
        .submit_from(
            &new,
            &new,
            &[
                ("title", "Paid conversions"),
                ("metric_kind", "increase"),
                ("start", "0"),
                ("target", "lots"),
                ("unit", "users"),
                ("owner_id", &w.bea_id),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    let target = page.field_error("target").unwrap_or_default();
    assert!(target.contains("must be a number"), "{target}");
    assert_eq!(page.field("target").as_deref(), Some("lots"));
    assert_eq!(page.field("title").as_deref(), Some("Paid conversions"));
    assert_eq!(krs(&w.app, &w.objective).await, 2);
    // The domain's rule (an increase whose target is below its start): next to the target.
    let resp = w
        .bea
        .submit_from(
            &new,
            &new,
            &[
                ("title", "Paid conversions"),
                ("metric_kind", "increase"),
                ("start", "10"),
                ("target", "5"),
                ("owner_id", &w.bea_id),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    assert!(page.field_error("target").is_some(), "{}", page.html());
    assert_eq!(krs(&w.app, &w.objective).await, 2);
    // Right, with milestones.
    let resp = w
        .bea
        .submit_from(
            &new,
            &new,
            &[
                ("title", "Ship the new flow"),
                ("metric_kind", "milestone"),
                ("milestones", "Design\nBuild\n\nLaunch"),
                ("owner_id", &w.bea_id),
                ("weight", "2"),
            ],
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "{}",
        resp.text().await.unwrap()
    );
    let o = objective_json(&w.app, &w.objective).await;
    let k = &o["key_results"][2];
    assert_eq!(k["milestones"].as_array().unwrap().len(), 3);
    assert_eq!(k["weight"].as_f64(), Some(2.0));
    let kid = k["id"].as_str().unwrap().to_string();
    // Edit: a bad weight is refused next to it; then a good edit saves.
    let edit = format!("/key-results/{kid}/edit");
    let page = w.bea.page(&edit).await;
    assert_eq!(
        page.field("milestones").as_deref(),
        Some("Design\nBuild\nLaunch")
    );
    let version = k["version"].as_i64().unwrap().to_string();
    let resp = w
        .bea
        .submit_from(
            &edit,
            &edit,
            &[
                ("title", "Ship it"),
                ("metric_kind", "milestone"),
                ("milestones", "Design\nBuild\nLaunch"),
                ("weight", "heavy"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(Page::parse(&resp.text().await.unwrap())
        .field_error("weight")
        .is_some_and(|e| e.contains("must be a number")));
    let resp = w
        .bea
        .submit_from(
            &edit,
            &edit,
            &[
                ("title", "Ship it"),
                ("metric_kind", "milestone"),
                ("milestones", "Design\nBuild\nLaunch\nLearn"),
                ("weight", "1"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let o = objective_json(&w.app, &w.objective).await;
    assert_eq!(o["key_results"][2]["title"], "Ship it");
    assert_eq!(
        o["key_results"][2]["milestones"].as_array().unwrap().len(),
        4
    );
}

/// `POST /api/v1/objectives` with `key_results`: created together, or nothing at all with a
/// 422 naming the key result's field by its place; active at once only when every owner is
/// the caller; refused to read-only roles whatever they send.
#[tokio::test]
async fn an_objective_with_its_key_results_in_one_request_all_or_nothing() {
    key_results_all_or_nothing(spawn_app().await).await;
}

#[tokio::test]
async fn an_objective_with_its_key_results_in_one_request_all_or_nothing_on_postgres() {
    if postgres_configured() {
        key_results_all_or_nothing(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn key_results_all_or_nothing(app: TestApp) {
    let w = world(app).await;
    let (dan_id, _) = w.app.member("Dan Driver").await;
    let body = |krs: Value, state: &str| {
        json!({"title": "Activation is effortless", "cycle_id": w.cycle, "state": state,
               "key_results": krs})
    };
    let before = count(&w.app).await;
    // The third key result has no target: 422 naming it, nothing written.
    let bad = json!([
        {"title": "Day-7 activation at 55%", "kind": "increase", "start": 32, "target": 55, "unit": "%"},
        {"title": "Onboarding guide published", "kind": "boolean"},
        {"title": "Setup time under 10 minutes", "kind": "decrease", "start": 30},
    ]);
    let resp = w
        .app
        .req_as(&w.bea_token, Method::POST, "/api/v1/objectives")
        .json(&body(bad, "draft"))
        .send()
        .await
        .unwrap();
    assert_problem(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("key_results[2].target"),
    )
    .await;
    assert_eq!(count(&w.app).await, before, "nothing written");
    // Active with a key result owned by someone else: refused (Dan must accept first).
    let theirs = json!([
        {"title": "Day-7 activation at 55%", "kind": "increase", "target": 55},
        {"title": "Guide published", "kind": "boolean", "owner_id": dan_id},
    ]);
    let resp = w
        .app
        .req_as(&w.bea_token, Method::POST, "/api/v1/objectives")
        .json(&body(theirs, "active"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::CONFLICT, Some("state")).await;
    assert_eq!(count(&w.app).await, before, "nothing written");
    // A read-only role: 403, nothing written.
    let (_, val) = w.app.person_with_roles("Val Viewer", &["viewer"]).await;
    let good = json!([
        {"title": "Day-7 activation at 55%", "kind": "increase", "start": 32, "target": 55, "unit": "%"},
        {"title": "Onboarding guide published", "kind": "boolean"},
        {"title": "Launch the guide", "kind": "milestone", "milestones": [{"title": "Draft"}, {"title": "Publish"}]},
    ]);
    let resp = w
        .app
        .req_as(&val, Method::POST, "/api/v1/objectives")
        .json(&body(good.clone(), "draft"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;
    assert_eq!(count(&w.app).await, before, "nothing written");
    // Right: three kinds, every owner Bea, active at once.
    let resp = w
        .app
        .req_as(&w.bea_token, Method::POST, "/api/v1/objectives")
        .json(&body(good, "active"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let o: Value = resp.json().await.unwrap();
    assert_eq!(o["state"], "active");
    let kinds: Vec<&str> = o["key_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["increase", "boolean", "milestone"]);
    assert_eq!(count(&w.app).await, before + 1);
}

/// The "New objective" page sends its key-result rows with the objective: every error shown
/// at once next to its field in its row, what was typed kept, nothing written; then, right,
/// everything created in one submit and active (every owner is the writer). Blank rows are
/// ignored, and the rows' fields are named like the API's.
#[tokio::test]
async fn the_new_objective_form_creates_its_key_results_all_or_nothing() {
    new_objective_form_all_or_nothing(spawn_app().await).await;
}

#[tokio::test]
async fn the_new_objective_form_creates_its_key_results_all_or_nothing_on_postgres() {
    if postgres_configured() {
        new_objective_form_all_or_nothing(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn new_objective_form_all_or_nothing(app: TestApp) {
    let w = world(app).await;
    let form = w.bea.page("/objectives/new").await;
    assert!(
        form.has("[name=\"key_results[0].title\"]"),
        "{}",
        form.html()
    );
    assert!(form.has("[name=\"key_results[2].kind\"]"));
    assert!(form.has("template#kr-template"));
    // A row's owner picker: what is typed in its find field names people, as options.
    let (dan_id, _) = w.app.member("Dan Driver").await;
    let found = w
        .bea
        .page("/pickers/people?field=key_results%5B1%5D.owner_id&as=options&key_results%5B1%5D.owner_id.find=dan")
        .await;
    assert_eq!(
        found.attr("option[selected]", "value").as_deref(),
        Some(dan_id.as_str()),
        "{}",
        found.html()
    );
    let before = count(&w.app).await;
    let mut fields = vec![
        ("title", "Activation is effortless"),
        ("cycle_id", w.cycle.as_str()),
        ("owner_id", w.bea_id.as_str()),
        ("kind", "committed"),
        ("visibility", "public"),
        ("state", "active"),
        ("key_results[0].title", "Day-7 activation at 55%"),
        ("key_results[0].kind", "increase"),
        ("key_results[0].start", "32"),
        ("key_results[0].unit", "%"),
        ("key_results[1].title", ""),
        ("key_results[1].kind", "increase"),
        ("key_results[2].title", "Guide published"),
        ("key_results[2].kind", "boolean"),
        ("key_results[3].title", "Setup under ten minutes"),
        ("key_results[3].kind", "decrease"),
        ("key_results[3].start", "thirty"),
        ("key_results[3].target", "10"),
    ];
    let resp = w
        .bea
        .submit_from("/objectives/new", "/objectives/new", &fields)
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    // The blank row 1 is left out: the rows are 0, 1 (was 2) and 2 (was 3).
    let error = |id: &str| page.text(&format!("[id=\"{id}-error\"]"));
    assert!(error("kr-0-target").contains("required"), "{}", page.html());
    assert!(error("kr-2-start").contains("must be a number"));
    assert_eq!(
        page.field("key_results[2].start").as_deref(),
        Some("thirty")
    );
    assert_eq!(
        page.field("key_results[1].title").as_deref(),
        Some("Guide published")
    );
    assert_eq!(
        page.field("title").as_deref(),
        Some("Activation is effortless")
    );
    assert_eq!(count(&w.app).await, before, "nothing written");

    // Corrected: one submit creates the objective and its three key results, active.
    fields.retain(|(k, _)| !k.starts_with("key_results[3]"));
    fields.push(("key_results[0].target", "55"));
    fields.push(("key_results[3].title", "Setup under ten minutes"));
    fields.push(("key_results[3].kind", "decrease"));
    fields.push(("key_results[3].start", "30"));
    fields.push(("key_results[3].target", "10"));
    let resp = w
        .bea
        .submit_from("/objectives/new", "/objectives/new", &fields)
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let id = location(&resp)
        .trim_start_matches("/objectives/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let o = objective_json(&w.app, &id).await;
    assert_eq!(o["state"], "active");
    let titles: Vec<&str> = o["key_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Day-7 activation at 55%",
            "Guide published",
            "Setup under ten minutes"
        ]
    );
    assert_eq!(count(&w.app).await, before + 1);
}

/// Every refusal at once, each naming its field: an objective without a title and a key result
/// with no title, no target and an owner nobody is, through the API (the problem document
/// lists them all) and through the "New objective" page (each next to its field).
#[tokio::test]
async fn every_refusal_is_reported_at_once() {
    every_refusal_at_once(spawn_app().await).await;
}

#[tokio::test]
async fn every_refusal_is_reported_at_once_on_postgres() {
    if postgres_configured() {
        every_refusal_at_once(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn every_refusal_at_once(app: TestApp) {
    let w = world(app).await;
    let before = count(&w.app).await;
    let body = json!({"title": " ", "cycle_id": w.cycle, "key_results": [
        {"title": "Day-7 activation at 55%", "kind": "increase", "start": 32, "target": 55},
        {"title": "", "kind": "increase", "start": 5, "owner_id": "p-nobody"},
    ]});
    let resp = w
        .app
        .req_as(&w.bea_token, Method::POST, "/api/v1/objectives")
        .json(&body)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("title")).await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("every refusal listed")
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "key_results[1].owner_id",
            "key_results[1].target",
            "key_results[1].title",
            "title"
        ],
        "{problem}"
    );
    assert_eq!(count(&w.app).await, before, "nothing written");

    let fields = [
        ("title", ""),
        ("cycle_id", w.cycle.as_str()),
        ("owner_id", w.bea_id.as_str()),
        ("kind", "committed"),
        ("visibility", "public"),
        ("key_results[0].title", ""),
        ("key_results[0].kind", "increase"),
        ("key_results[0].start", "5"),
        ("key_results[0].owner_id.find", "Nobody At All"),
    ];
    let resp = w
        .bea
        .submit_from("/objectives/new", "/objectives/new", &fields)
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    let error = |id: &str| page.text(&format!("[id=\"{id}-error\"]"));
    assert!(!error("f-title").is_empty(), "{}", page.html());
    assert!(
        error("kr-0-title").contains("must not be empty"),
        "{}",
        page.html()
    );
    assert!(error("kr-0-target").contains("required"), "{}", page.html());
    assert!(!error("kr-0-owner_id").is_empty(), "{}", page.html());
    assert_eq!(page.field("key_results[0].start").as_deref(), Some("5"));
    assert_eq!(count(&w.app).await, before, "nothing written");
}
