//! Issue 12: a key result may have its own start and due day within its cycle (pace follows
//! them), set through the API and the key result form, refused with the field named when they
//! fall outside the cycle or out of order.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn problem_field(r: reqwest::Response) -> String {
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    body["field"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_key_result_has_its_own_days_within_its_cycle() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let objective = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Ship the mobile app", "cycle_id": cycle}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let krs = format!("/api/v1/objectives/{objective}/key-results");
    let base = |extra: Value| {
        let mut v = json!({"title": "Beta in 500 hands", "kind": "increase", "target": 500});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    // Outside the cycle, or due before it starts: refused, naming the day, nothing written.
    let r = app
        .post(&krs, base(json!({"starts_on": "2026-09-20"})))
        .await;
    assert_eq!(problem_field(r).await, "starts_on");
    let r = app.post(&krs, base(json!({"ends_on": "2027-01-15"}))).await;
    assert_eq!(problem_field(r).await, "ends_on");
    let r = app
        .post(
            &krs,
            base(json!({"starts_on": "2026-11-10", "ends_on": "2026-11-01"})),
        )
        .await;
    assert_eq!(problem_field(r).await, "ends_on");
    let r = app.post(&krs, base(json!({"ends_on": "30/11/2026"}))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let listed = json_of(&app, &format!("/api/v1/objectives/{objective}")).await;
    assert_eq!(
        listed["key_results"].as_array().map_or(0, Vec::len),
        0,
        "{listed}"
    );

    // Within the cycle: kept, changed, cleared with null.
    let kr = app
        .create(
            &krs,
            base(json!({"starts_on": "2026-10-15", "ends_on": "2026-11-30"})),
        )
        .await;
    assert_eq!(kr["starts_on"], "2026-10-15");
    assert_eq!(kr["ends_on"], "2026-11-30");
    let path = format!("/api/v1/key-results/{}", kr["id"].as_str().unwrap());
    let r = app.patch(&path, json!({"ends_on": "2027-02-01"})).await;
    assert_eq!(problem_field(r).await, "ends_on");
    let r = app.patch(&path, json!({"starts_on": null})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let now = json_of(&app, &path).await;
    assert_eq!(now["starts_on"], Value::Null);
    assert_eq!(now["ends_on"], "2026-11-30");
}

#[tokio::test]
async fn the_key_result_form_sets_and_clears_its_days() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let objective = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Ship the mobile app", "cycle_id": cycle}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = Browser::admin(&app).await;
    let new = format!("/objectives/{objective}/key-results/new");
    let form = admin.page(&new).await;
    assert_eq!(
        form.attr("input[name=ends_on]", "type").as_deref(),
        Some("text")
    );
    let fields = |ends_on: &'static str| {
        vec![
            ("title", "Beta in 500 hands"),
            ("metric_kind", "increase"),
            ("start", "0"),
            ("target", "500"),
            ("starts_on", ""),
            ("ends_on", ends_on),
        ]
    };
    // Outside the cycle: the form comes back with the error next to the day, nothing saved.
    let r = admin.submit_from(&new, &new, &fields("2027-03-01")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&r.text().await.unwrap());
    let error = page
        .field_error("ends_on")
        .expect("an error next to Due on");
    assert!(error.contains("within its cycle"), "{error}");
    assert_eq!(page.field("title").as_deref(), Some("Beta in 500 hands"));
    // Within it: saved, and the edit form shows it.
    let r = admin.submit_from(&new, &new, &fields("2026-11-30")).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let o = json_of(&app, &format!("/api/v1/objectives/{objective}")).await;
    let kr = o["key_results"][0].clone();
    assert_eq!(kr["ends_on"], "2026-11-30", "{o}");
    let edit = format!("/key-results/{}/edit", kr["id"].as_str().unwrap());
    let form = admin.page(&edit).await;
    assert_eq!(form.field("ends_on").as_deref(), Some("30 Nov 2026"));
}
