//! The owner's pages through a browser's eyes (a cookie jar, no JavaScript): My week with its
//! ownership requests and the all-or-nothing weekly check-in, the objective page with its chart
//! and initiatives, and the forms to create and edit objectives and key results. Every form is
//! sent bad input too: the error shows next to the field, what was typed comes back, and nothing
//! is written.

use crate::helpers::*;
use keel_domain::{PersonId, Source};
use keel_server::auth::password;
use keel_store::Accounts;
use keel_store::WriteCtx;
use reqwest::{header, redirect, Response, StatusCode};
use serde_json::{json, Value};

/// A signed-in browser: cookies kept, redirects not followed (the tests look at each).
pub struct Browser {
    client: reqwest::Client,
    base: String,
}

impl Browser {
    pub async fn signed_in(app: &TestApp, person_id: &str, email: &str) -> Self {
        let pw = "a long enough password";
        app.store
            .set_password_hash(
                &WriteCtx::system(Source::Cli),
                &PersonId::from_string(person_id.to_string()),
                &password::hash(pw).await.unwrap(),
            )
            .await
            .unwrap();
        let b = Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.base.clone(),
        };
        let token = csrf_in(&b.html("/sign-in").await);
        let resp = b
            .post_raw(
                "/sign-in",
                &[
                    ("csrf_token", token.as_str()),
                    ("email", email),
                    ("password", pw),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "sign-in failed");
        b
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// GET, expect 200, return the HTML.
    pub async fn html(&self, path: &str) -> String {
        let resp = self.get(path).await;
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form with the CSRF token of the page `from`.
    pub async fn post(&self, from: &str, path: &str, form: &[(&str, &str)]) -> Response {
        let token = csrf_in(&self.html(from).await);
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(form);
        self.post_raw(path, &all).await
    }
}

pub fn csrf_in(html: &str) -> String {
    let key = "name=\"csrf_token\" value=\"";
    let at = html.find(key).expect("a csrf_token field") + key.len();
    html[at..].split('"').next().unwrap().to_string()
}

pub fn location(resp: &Response) -> String {
    resp.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The text of the element with this id, roughly: from the id to the next closing tag of the
/// same kind is overkill here; the tests look at a window after it.
fn after<'a>(html: &'a str, marker: &str, len: usize) -> &'a str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in page"));
    let end = (at + len).min(html.len());
    let mut end = end;
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    &html[at..end]
}

/// Admin Ada, member Bea (signed in), an active cycle, and an objective owned by Bea with two
/// key results she owns (created by the API as Bea herself, so accepted at once).
struct World {
    app: TestApp,
    bea: Browser,
    bea_id: String,
    bea_token: String,
    cycle: String,
    objective: String,
    kr1: String,
    kr2: String,
}

async fn world(app: TestApp) -> World {
    let (bea_id, bea_token) = app.member("Bea Owner").await;
    let cycle = app.cycle("Q4 2026").await;
    let o = post_as(
        &app,
        &bea_token,
        "/api/v1/objectives",
        json!({"title": "Customers love onboarding", "cycle_id": cycle}),
    )
    .await;
    let objective = o["id"].as_str().unwrap().to_string();
    let kr = |title: &str, target: f64| json!({"title": title, "kind": "increase", "start": 0, "target": target, "unit": "%"});
    let path = format!("/api/v1/objectives/{objective}/key-results");
    let kr1 = post_as(&app, &bea_token, &path, kr("Day-7 activation", 50.0)).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let kr2 = post_as(&app, &bea_token, &path, kr("NPS of new users", 40.0)).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.patch(
        &format!("/api/v1/objectives/{objective}"),
        json!({"state": "active"}),
    )
    .await;
    let bea = Browser::signed_in(&app, &bea_id, "bea.owner@keel.test").await;
    World {
        app,
        bea,
        bea_id,
        bea_token,
        cycle,
        objective,
        kr1,
        kr2,
    }
}

async fn post_as(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let resp = app
        .req_as(token, reqwest::Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "POST {path}: {body}");
    body
}

async fn check_ins_of(app: &TestApp, kr: &str) -> Vec<Value> {
    let v: Value = app
        .get(&format!("/api/v1/key-results/{kr}/check-ins"))
        .await
        .json()
        .await
        .unwrap();
    v["items"].as_array().unwrap().clone()
}

async fn listed(app: &TestApp, kr: String) -> Vec<Value> {
    let v: Value = app
        .get(&format!("/api/v1/key-results/{kr}/initiatives"))
        .await
        .json()
        .await
        .unwrap();
    v["items"].as_array().cloned().unwrap_or_default()
}

async fn count(app: &TestApp) -> usize {
    let v: Value = app
        .get("/api/v1/objectives?limit=500")
        .await
        .json()
        .await
        .unwrap();
    v["items"].as_array().unwrap().len()
}

async fn krs(app: &TestApp, objective: &str) -> usize {
    objective_json(app, objective).await["key_results"]
        .as_array()
        .unwrap()
        .len()
}

async fn objective_json(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/v1/objectives/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

/// The row index the weekly check-in form gives a key result.
fn row_of(html: &str, kr: &str) -> String {
    let marker = format!("value=\"{kr}\"");
    let at = html.find(&marker).expect("the key result's row");
    let before = &html[..at];
    let key = "name=\"key_result_id.";
    let start = before.rfind(key).unwrap() + key.len();
    before[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn my_week_lists_what_i_own_with_progress_and_due_check_ins() {
    let w = world(spawn_app().await).await;
    let html = w.bea.html("/my-week").await;
    assert!(html.contains("Customers love onboarding"));
    assert!(html.contains("Day-7 activation"));
    assert!(html.contains("NPS of new users"));
    // Just created: by the rhythm's own rule (a cadence from creation) neither is due yet;
    // tests/api/ui_rhythm.rs checks a back-dated check-in making one due.
    assert!(!html.contains("pill due"), "{html}");
    assert!(html.contains(&format!("href=\"/objectives/{}\"", w.objective)));
    // Someone else's page shows none of it.
    let (cid, _) = w.app.member("Cid Other").await;
    let cid = Browser::signed_in(&w.app, &cid, "cid.other@keel.test").await;
    let other = cid.html("/my-week").await;
    assert!(!other.contains("Day-7 activation"));
    assert!(other.contains("No key results to check in on"));
    // Anonymous visitors are sent to sign in.
    let anon = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let resp = anon.get(w.app.url("/my-week")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).starts_with("/sign-in"));
}

#[tokio::test]
async fn weekly_check_in_is_all_or_nothing() {
    weekly_check_in(spawn_app().await).await;
}

#[tokio::test]
async fn weekly_check_in_is_all_or_nothing_on_postgres() {
    if postgres_configured() {
        weekly_check_in(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn weekly_check_in(app: TestApp) {
    let w = world(app).await;
    let html = w.bea.html("/my-week").await;
    let (r1, r2) = (row_of(&html, &w.kr1), row_of(&html, &w.kr2));
    let k = |name: &str, r: &str| format!("{name}.{r}");
    let (id1, v1, c1, n1) = (
        k("key_result_id", &r1),
        k("value", &r1),
        k("confidence", &r1),
        k("note", &r1),
    );
    let (id2, v2, c2, n2) = (
        k("key_result_id", &r2),
        k("value", &r2),
        k("confidence", &r2),
        k("note", &r2),
    );
    // Row 1 fine, row 2 not a number: 422, the error next to row 2, everything typed kept,
    // nothing written.
    let resp = w
        .bea
        .post(
            "/my-week",
            "/my-week/check-in",
            &[
                (&id1, &w.kr1),
                (&v1, "20"),
                (&c1, "7"),
                (&n1, "emails shipped"),
                (&id2, &w.kr2),
                (&v2, "twelve"),
                (&c2, "5"),
                (&n2, "survey running"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    let row2 = after(&page, &format!("id=\"row-{}\"", w.kr2), 3000);
    assert!(row2.contains("must be a number"), "{row2}");
    assert!(row2.contains("value=\"twelve\""));
    assert!(row2.contains("value=\"survey running\""));
    let row1 = after(&page, &format!("id=\"row-{}\"", w.kr1), 3000);
    assert!(row1.contains("value=\"emails shipped\""), "row 1 kept too");
    assert!(page.contains("Nothing was recorded"));
    assert!(check_ins_of(&w.app, &w.kr1).await.is_empty());
    assert!(check_ins_of(&w.app, &w.kr2).await.is_empty());

    // A value the service refuses (confidence off the scale): the same, from the service.
    let resp = w
        .bea
        .post(
            "/my-week",
            "/my-week/check-in",
            &[
                (&id1, &w.kr1),
                (&v1, "20"),
                (&c1, "7"),
                (&id2, &w.kr2),
                (&v2, "12"),
                (&c2, "11"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    let row2 = after(&page, &format!("id=\"row-{}\"", w.kr2), 3000);
    assert!(row2.contains("from 0 to 10"), "{row2}");
    assert!(row2.contains("value=\"11\""));
    assert!(check_ins_of(&w.app, &w.kr1).await.is_empty());

    // A key result that is not mine, slipped into the form: refused, nothing written.
    let (cid_id, cid_token) = w.app.member("Cid Other").await;
    let _ = cid_id;
    let theirs = post_as(
        &w.app,
        &cid_token,
        "/api/v1/objectives",
        json!({"title": "Not Bea's", "cycle_id": w.cycle}),
    )
    .await;
    let their_kr = post_as(
        &w.app,
        &cid_token,
        &format!(
            "/api/v1/objectives/{}/key-results",
            theirs["id"].as_str().unwrap()
        ),
        json!({"title": "Their KR", "kind": "increase", "start": 0, "target": 10}),
    )
    .await;
    let their_kr = their_kr["id"].as_str().unwrap();
    let resp = w
        .bea
        .post(
            "/my-week",
            "/my-week/check-in",
            &[
                (&id1, &w.kr1),
                (&v1, "20"),
                (&c1, "7"),
                ("key_result_id.99", their_kr),
                ("value.99", "5"),
                ("confidence.99", "5"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(check_ins_of(&w.app, &w.kr1).await.is_empty());
    assert!(check_ins_of(&w.app, their_kr).await.is_empty());

    // Nothing filled in: nothing to record, said so.
    let resp = w
        .bea
        .post(
            "/my-week",
            "/my-week/check-in",
            &[(&id1, &w.kr1), (&id2, &w.kr2)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("Nothing to record"));

    // Both right: one submit, both recorded, back to My week with a thank-you.
    let resp = w
        .bea
        .post(
            "/my-week",
            "/my-week/check-in",
            &[
                (&id1, &w.kr1),
                (&v1, "20"),
                (&c1, "7"),
                (&n1, "emails shipped"),
                (&id2, &w.kr2),
                (&v2, "12.5"),
                (&c2, "4"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/my-week?done=check-in");
    let c = check_ins_of(&w.app, &w.kr1).await;
    assert_eq!(c.len(), 1);
    assert_eq!(
        (c[0]["value"].as_f64(), c[0]["confidence"].as_i64()),
        (Some(20.0), Some(7))
    );
    assert_eq!(c[0]["note"], "emails shipped");
    assert_eq!(c[0]["author_id"], w.bea_id.as_str());
    assert_eq!(
        check_ins_of(&w.app, &w.kr2).await[0]["value"].as_f64(),
        Some(12.5)
    );
    let html = w.bea.html("/my-week?done=check-in").await;
    assert!(html.contains("Check-in recorded"));
    assert!(!html.contains("2 due"), "no longer due");
    // 20 of 50 is 40 %; 12.5 of 40 is 31 %.
    assert!(html.contains("40%"));
    assert!(html.contains("31%"));
}

#[tokio::test]
async fn ownership_requests_are_accepted_and_declined_from_my_week() {
    let w = world(spawn_app().await).await;
    // Ada proposes Bea as owner of a new objective and of a key result under it.
    let o = w
        .app
        .create(
            "/api/v1/objectives",
            json!({"title": "Cut churn", "cycle_id": w.cycle, "owner_id": w.bea_id,
                   "owner_note": "You run the onboarding funnel",
                   "owner_fit": {"proximity": true, "legitimacy": true, "note": "closest to the data"}}),
        )
        .await;
    let oid = o["id"].as_str().unwrap().to_string();
    let kr = w
        .app
        .create(
            &format!("/api/v1/objectives/{oid}/key-results"),
            json!({"title": "Churn below 3%", "kind": "stay_below", "target": 3, "owner_id": w.bea_id}),
        )
        .await;
    let krid = kr["id"].as_str().unwrap().to_string();
    let html = w.bea.html("/my-week").await;
    let requests = after(&html, "id=\"requests\"", 6000);
    assert!(requests.contains("Ada Admin"), "{requests}");
    assert!(requests.contains("Cut churn"));
    assert!(requests.contains("Churn below 3%"));
    assert!(requests.contains("You run the onboarding funnel"));
    assert!(requests.contains("legitimacy, proximity to the outcome — closest to the data"));

    // Declining without a reason: 422, the error next to that request's reason, still pending.
    let resp = w
        .bea
        .post(
            "/my-week",
            &format!("/objectives/{oid}/ownership/decline"),
            &[("reason", "   ")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    let item = after(&page, &format!("id=\"request-{oid}\""), 4000);
    assert!(item.contains("field-error"), "{item}");
    assert!(item.contains("aria-invalid=\"true\""));
    assert_eq!(
        objective_json(&w.app, &oid).await["ownership_state"],
        "pending"
    );

    // Accept the objective, decline the key result with a reason.
    let resp = w
        .bea
        .post(
            "/my-week",
            &format!("/objectives/{oid}/ownership/accept"),
            &[],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/my-week?done=accepted");
    let resp = w
        .bea
        .post(
            "/my-week",
            &format!("/key-results/{krid}/ownership/decline"),
            &[("reason", "Finance owns churn reporting")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let o = objective_json(&w.app, &oid).await;
    assert_eq!(o["ownership_state"], "accepted");
    assert_eq!(o["key_results"][0]["ownership_state"], "declined");
    let history: Value = w
        .app
        .get(&format!("/api/v1/key-results/{krid}/ownership"))
        .await
        .json()
        .await
        .unwrap();
    assert!(history.to_string().contains("Finance owns churn reporting"));
    let html = w.bea.html("/my-week").await;
    assert!(html.contains("None: nobody is waiting for your answer"));

    // Only the proposed person may answer: someone else gets 403 and nothing changes.
    let o2 = w
        .app
        .create(
            "/api/v1/objectives",
            json!({"title": "Another", "cycle_id": w.cycle, "owner_id": w.bea_id}),
        )
        .await;
    let (cid, _) = w.app.member("Cid Other").await;
    let cid = Browser::signed_in(&w.app, &cid, "cid.other@keel.test").await;
    let resp = cid
        .post(
            "/my-week",
            &format!(
                "/objectives/{}/ownership/accept",
                o2["id"].as_str().unwrap()
            ),
            &[],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        objective_json(&w.app, o2["id"].as_str().unwrap()).await["ownership_state"],
        "pending"
    );
}

#[tokio::test]
async fn objective_page_shows_progress_chart_and_initiatives() {
    let w = world(spawn_app().await).await;
    // Two check-ins on KR1 (one a week back), one on KR2.
    let week_ago = (chrono::Utc::now() - chrono::Duration::days(7)).to_rfc3339();
    for (kr, body) in [
        (
            &w.kr1,
            json!({"value": 10, "confidence": 5, "at": week_ago}),
        ),
        (
            &w.kr1,
            json!({"value": 25, "confidence": 8, "note": "emails live"}),
        ),
        (&w.kr2, json!({"value": 10, "confidence": 6})),
    ] {
        post_as(
            &w.app,
            &w.bea_token,
            &format!("/api/v1/key-results/{kr}/check-ins"),
            body,
        )
        .await;
    }
    let path = format!("/objectives/{}", w.objective);
    let html = w.bea.html(&path).await;
    // KR1 50 %, KR2 25 %: the objective at 38 %.
    assert!(html.contains("id=\"objective-progress\">38%"), "{html}");
    assert!(html.contains("<strong>50%</strong> progress · attainment 50%"));
    // The chart: an <svg> with the ideal line and one circle per moment of check-in.
    let chart = after(&html, "<svg class=\"progress-chart\"", 6000);
    assert!(chart.contains("class=\"ideal\""));
    assert_eq!(
        chart
            .split("</svg>")
            .next()
            .unwrap()
            .matches("<circle")
            .count(),
        3
    );
    assert!(chart.contains("latest 38%"), "{chart}");
    // Confidence sparkline on KR1: 5 then 8.
    assert!(html.contains("confidence 5, 8 (latest 8 of 10)"));
    assert!(html.contains("emails live"));
    // Bea may edit and manage initiatives.
    assert!(html.contains(&format!("href=\"/objectives/{}/edit\"", w.objective)));
    assert!(html.contains("Propose an initiative"));
    // History: Bea took ownership herself.
    assert!(html.contains("Bea Owner took ownership of the objective"));

    // Propose an initiative with no title: 422, the error next to the title, link kept, nothing
    // written.
    let kr1_path = format!("/key-results/{}/initiatives", w.kr1);
    let resp = w
        .bea
        .post(
            &path,
            &kr1_path,
            &[("title", " "), ("link", "https://tracker.example/9")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    let block = after(&page, &format!("id=\"initiatives-{}\"", w.kr1), 4000);
    assert!(block.contains("field-error"), "{block}");
    assert!(block.contains("value=\"https://tracker.example/9\""));
    assert!(listed(&w.app, w.kr1.clone()).await.is_empty());
    // A bad link: the error next to the link.
    let resp = w
        .bea
        .post(
            &path,
            &kr1_path,
            &[("title", "Onboarding emails"), ("link", "not a url")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(&format!("id=\"propose-link-{}-error\"", w.kr1)));
    assert!(listed(&w.app, w.kr1.clone()).await.is_empty());

    // Propose two, drop one (a reason is required), mark the other done.
    for title in ["Onboarding emails", "In-app tour"] {
        let resp = w.bea.post(&path, &kr1_path, &[("title", title)]).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    }
    let items = listed(&w.app, w.kr1.clone()).await;
    assert_eq!(items.len(), 2);
    let id_of = |t: &str| {
        items.iter().find(|i| i["title"] == t).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (emails, tour) = (id_of("Onboarding emails"), id_of("In-app tour"));
    let resp = w
        .bea
        .post(
            &path,
            &format!("/initiatives/{tour}/drop"),
            &[("version", "1"), ("reason", "")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(&format!("id=\"drop-{tour}-error\"")));
    // htmx gets the same page with 200, so that it swaps the fragment in.
    let token = csrf_in(&w.bea.html(&path).await);
    let resp = w
        .bea
        .client
        .post(format!("{}/initiatives/{tour}/drop", w.app.base))
        .header("hx-request", "true")
        .form(&[
            ("csrf_token", token.as_str()),
            ("version", "1"),
            ("reason", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(listed(&w.app, w.kr1.clone())
        .await
        .iter()
        .all(|i| i["state"] == "proposed"));
    let resp = w
        .bea
        .post(
            &path,
            &format!("/initiatives/{tour}/drop"),
            &[("version", "1"), ("reason", "Users skip tours")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let resp = w
        .bea
        .post(
            &path,
            &format!("/initiatives/{emails}/done"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let items = listed(&w.app, w.kr1.clone()).await;
    let state_of = |id: &str| {
        items.iter().find(|i| i["id"] == id).unwrap()["state"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(state_of(&tour), "dropped");
    assert_eq!(state_of(&emails), "done");
    let html = w.bea.html(&path).await;
    assert!(html.contains("Why dropped: Users skip tours"));
    // A stale version is refused (412), nothing changes.
    let resp = w
        .bea
        .post(
            &path,
            &format!("/initiatives/{emails}/drop"),
            &[("version", "1"), ("reason", "x")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn readers_see_the_objective_but_no_forms() {
    let w = world(spawn_app().await).await;
    let (cid, _) = w.app.member("Cid Other").await;
    let cid = Browser::signed_in(&w.app, &cid, "cid.other@keel.test").await;
    let path = format!("/objectives/{}", w.objective);
    let html = cid.html(&path).await;
    assert!(html.contains("Customers love onboarding"));
    assert!(!html.contains("Edit objective"));
    assert!(!html.contains("Propose an initiative"));
    // The forms themselves answer 403, and posting writes nothing.
    let resp = cid.get(&format!("{path}/edit")).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = cid
        .post(
            &path,
            &format!("/key-results/{}/initiatives", w.kr1),
            &[("title", "Sneaky")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Unknown objective: the 404 page.
    let resp = cid.get("/objectives/nope").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn read_only_roles_get_the_403_page_instead_of_the_objective_form() {
    let app = spawn_app().await;
    for (name, role) in [
        ("Vic Viewer", "viewer"),
        ("Rae Reviewer", "reviewer"),
        ("Ann Analyst", "analyst"),
    ] {
        let (id, _) = app.person_with_roles(name, &[role]).await;
        let email = format!("{}@keel.test", name.to_lowercase().replace(' ', "."));
        let b = Browser::signed_in(&app, &id, &email).await;
        let resp = b.get("/objectives/new").await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{role}");
        let html = resp.text().await.unwrap();
        assert!(!html.contains("name=\"title\""), "{role}: no form: {html}");
        // My week offers no link to a form they cannot use.
        let week = b.html("/my-week").await;
        assert!(!week.contains("href=\"/objectives/new\""), "{role}");
    }
    // A member still gets the form and the link.
    let (id, _) = app.member("Max Member").await;
    let max = Browser::signed_in(&app, &id, "max.member@keel.test").await;
    assert!(max.html("/objectives/new").await.contains("name=\"title\""));
    assert!(max
        .html("/my-week")
        .await
        .contains("href=\"/objectives/new\""));
}

#[tokio::test]
async fn create_objective_form_validates_and_creates_an_ownership_request() {
    let w = world(spawn_app().await).await;
    let (dan_id, _) = w.app.member("Dan Driver").await;
    let form = w.bea.html("/objectives/new").await;
    assert!(form.contains("<label for=\"f-title\">"));
    // People are found as one types (the picker), not all listed in the form.
    assert!(w
        .bea
        .html("/pickers/people?q=dan")
        .await
        .contains("Dan Driver"));
    let before = count(&w.app).await;
    // No title: the error next to the title; everything else typed is kept.
    let resp = w
        .bea
        .post(
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
    let page = resp.text().await.unwrap();
    let title = after(&page, "<label for=\"f-title\">", 1500);
    assert!(title.contains("field-error"), "{title}");
    assert!(page.contains(">Why it matters</textarea>"));
    assert!(page.contains(">You know the funnel</textarea>"));
    assert!(page.contains(&format!("<option value=\"{dan_id}\" selected>")));
    assert!(page.contains("<option value=\"aspirational\" selected>"));
    assert!(after(&page, "id=\"f-fit.proximity\"", 200).contains("checked"));
    assert_eq!(count(&w.app).await, before, "nothing written");
    // A team as owner: refused next to the owner, nothing written.
    let team = w.app.team("Growth").await;
    let resp = w
        .bea
        .post(
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
    let page = resp.text().await.unwrap();
    assert!(after(&page, "<label for=\"f-owner_id\">", 3000).contains("is a team, not a person"));
    // A forged choice: refused next to its field.
    let resp = w
        .bea
        .post(
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
    assert!(
        after(&resp.text().await.unwrap(), "<label for=\"f-kind\">", 1500)
            .contains("choose one of the options")
    );
    assert_eq!(count(&w.app).await, before);

    // Right: created with Dan as proposed owner, his request waiting, aligned to Bea's objective.
    let resp = w
        .bea
        .post(
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
    let parent = w.bea.html(&format!("/objectives/{}", w.objective)).await;
    assert!(parent.contains("Activation is effortless"));
}

#[tokio::test]
async fn edit_objective_form_keeps_input_and_refuses_stale_edits() {
    let w = world(spawn_app().await).await;
    let path = format!("/objectives/{}/edit", w.objective);
    let form = w.bea.html(&path).await;
    assert!(form.contains("value=\"Customers love onboarding\""));
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
            b.post(&path, &path, &pairs).await
        }
    };
    // A title too long for the domain: error next to it, typed description kept, unchanged.
    let long: &'static str = Box::leak("x".repeat(400).into_boxed_str());
    let resp = send(base(long, version.clone())).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(after(&page, "<label for=\"f-title\">", 3000).contains("field-error"));
    assert!(page.contains(">Now with a description</textarea>"));
    assert_eq!(
        objective_json(&w.app, &w.objective).await["title"],
        "Customers love onboarding"
    );
    // A stale version: refused with an explanation, the edit kept on the page.
    let resp = send(base("Renamed", "0".into())).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Someone changed this since you opened the form"));
    assert!(page.contains("value=\"Renamed\""));
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
    let form = w.bea.html(&new).await;
    assert!(form.contains("<label for=\"f-metric_kind\">"));
    // Not a number: next to the target, what was typed kept, nothing written.
    let resp = w
        .bea
        .post(
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
    let page = resp.text().await.unwrap();
    let target = after(&page, "<label for=\"f-target\">", 1500);
    assert!(target.contains("must be a number"), "{target}");
    assert!(target.contains("value=\"lots\""));
    assert!(page.contains("value=\"Paid conversions\""));
    assert_eq!(krs(&w.app, &w.objective).await, 2);
    // The domain's rule (an increase whose target is below its start): next to the target.
    let resp = w
        .bea
        .post(
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
    let page = resp.text().await.unwrap();
    assert!(
        after(&page, "<label for=\"f-target\">", 1500).contains("field-error"),
        "{page}"
    );
    assert_eq!(krs(&w.app, &w.objective).await, 2);
    // Right, with milestones.
    let resp = w
        .bea
        .post(
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
    let page = w.bea.html(&edit).await;
    assert!(page.contains(">Design\nBuild\nLaunch</textarea>"));
    let version = k["version"].as_i64().unwrap().to_string();
    let resp = w
        .bea
        .post(
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
    assert!(after(
        &resp.text().await.unwrap(),
        "<label for=\"f-weight\">",
        1500
    )
    .contains("must be a number"));
    let resp = w
        .bea
        .post(
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

#[tokio::test]
async fn handing_over_from_the_objective_page_needs_a_person_and_keeps_the_note() {
    let w = world(spawn_app().await).await;
    let (dan_id, _) = w.app.member("Dan Driver").await;
    let team = w.app.team("Growth").await;
    let path = format!("/objectives/{}", w.objective);
    let html = w.bea.html(&path).await;
    assert!(html.contains(&format!("action=\"/key-results/{}/ownership\"", w.kr1)));
    assert!(html.contains("Dan Driver"));
    let handover = format!("/key-results/{}/ownership", w.kr1);
    // No one chosen: the error next to the select, the note and criteria kept, nothing written.
    let resp = w
        .bea
        .post(
            &path,
            &handover,
            &[
                ("owner_id", ""),
                ("note", "Dan sees the funnel daily"),
                ("fit.proximity", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    let form = after(&page, &format!("id=\"handover-{}\"", w.kr1), 2500);
    assert!(form.contains("choose the new owner"), "{form}");
    assert!(page.contains(">Dan sees the funnel daily</textarea>"));
    assert!(
        after(&page, &format!("id=\"handover-{}-error\"", w.kr1), 2500)
            .contains("name=\"fit.proximity\" checked")
    );
    // A team is refused with the seed's explanation.
    let resp = w.bea.post(&path, &handover, &[("owner_id", &team)]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("is a team, not a person"));
    let o = objective_json(&w.app, &w.objective).await;
    assert_eq!(o["key_results"][0]["owner_id"], w.bea_id.as_str());
    // Dan: proposed, pending, with the note and fit in the history; he sees it on My week.
    let resp = w
        .bea
        .post(
            &path,
            &handover,
            &[
                ("owner_id", &dan_id),
                ("note", "Dan sees the funnel daily"),
                ("fit.proximity", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let k = &objective_json(&w.app, &w.objective).await["key_results"][0];
    assert_eq!(k["owner_id"], dan_id.as_str());
    assert_eq!(k["ownership_state"], "pending");
    assert_eq!(k["ownership_request"]["note"], "Dan sees the funnel daily");
    assert_eq!(k["ownership_request"]["fit"]["proximity"], true);
    let page = w.bea.html(&path).await;
    assert!(page.contains("Bea Owner proposed Dan Driver as owner of key result “Day-7 activation”; waiting for an answer"));
    let dan = Browser::signed_in(&w.app, &dan_id, "dan.driver@keel.test").await;
    assert!(dan
        .html("/my-week")
        .await
        .contains("Dan sees the funnel daily"));
}
