//! The organisation pages through a browser's eyes (a cookie jar, a signed-in session, HTML in):
//! team, company tree, ownership map, health, and every administration form, each form also
//! with bad input (the message next to the field, what was typed kept, nothing written).

use crate::helpers::*;
use keel_domain::{PersonId, Source};
use keel_server::auth::password;
use keel_store::WriteCtx;
use keel_store::{Accounts, People};
use reqwest::{header, redirect, Method, Response, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "a long enough password";

/// A browser: cookies kept, redirects not followed (the tests look at each one).
struct Browser {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

impl Browser {
    /// Signs `email` in through the sign-in form.
    async fn signed_in(app: &TestApp, id: &str, email: &str) -> Browser {
        app.store
            .set_password_hash(
                &WriteCtx::system(Source::Cli),
                &PersonId::from_string(id.to_string()),
                &password::hash(PASSWORD).await.unwrap(),
            )
            .await
            .unwrap();
        let mut b = Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.base.clone(),
            csrf: String::new(),
        };
        let token = csrf_in(&b.get("/sign-in").await.text().await.unwrap());
        let resp = b
            .post(
                "/sign-in",
                &[
                    ("csrf_token", &token),
                    ("email", email),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
        b.csrf = csrf_in(&b.page("/my-week").await);
        b
    }

    async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// GETs a page that must answer 200; returns its HTML.
    async fn page(&self, path: &str) -> String {
        let resp = self.get(path).await;
        let status = resp.status();
        let html = resp.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "GET {path}: {html}");
        html
    }

    /// GETs a page and expects `status`; returns its HTML.
    async fn page_with(&self, path: &str, status: StatusCode) -> String {
        let resp = self.get(path).await;
        assert_eq!(resp.status(), status, "GET {path}");
        resp.text().await.unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// POSTs a form with the session's CSRF token.
    async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let mut all = vec![("csrf_token", self.csrf.as_str())];
        all.extend_from_slice(form);
        self.post(path, &all).await
    }
}

fn csrf_in(html: &str) -> String {
    let key = "name=\"csrf_token\" value=\"";
    let at = html
        .find(key)
        .unwrap_or_else(|| panic!("no csrf_token in {html}"))
        + key.len();
    html[at..].split('"').next().unwrap().to_string()
}

fn location(resp: &Response) -> String {
    resp.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The text of the field error shown next to input `name`, if any.
fn field_error(html: &str, name: &str) -> Option<String> {
    let key = format!("id=\"f-{name}-error\">");
    let at = html.find(&key)? + key.len();
    Some(html[at..].split('<').next()?.to_string())
}

/// How often `needle` appears in `html`.
fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

async fn json_of(resp: Response) -> Value {
    resp.json().await.unwrap()
}

/// An organisation: Company > Engineering > Platform, and Sales; Pia leads Platform, Sam is in
/// Sales. Returns the ids.
struct Org {
    cycle: String,
    company: String,
    engineering: String,
    platform: String,
    sales: String,
    pia: String,
    sam: String,
}

async fn org(app: &TestApp) -> Org {
    let cycle = app.cycle("2026 Q4").await;
    let (pia, _) = app.member("Pia Platform").await;
    let (sam, _) = app.member("Sam Sales").await;
    let company = app.team("Northwind").await;
    let engineering = app
        .create(
            "/api/v1/teams",
            json!({"name": "Engineering", "parent_id": company}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let platform = app
        .create(
            "/api/v1/teams",
            json!({"name": "Platform", "parent_id": engineering, "lead_id": pia, "member_ids": [pia]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sales = app
        .create(
            "/api/v1/teams",
            json!({"name": "Sales", "parent_id": company, "member_ids": [sam]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    Org {
        cycle,
        company,
        engineering,
        platform,
        sales,
        pia,
        sam,
    }
}

/// Creates an objective (as the administrator) and returns its id.
async fn objective(app: &TestApp, body: Value) -> String {
    app.create("/api/v1/objectives", body).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn key_result(app: &TestApp, objective: &str, body: Value) -> String {
    app.create(&format!("/api/v1/objectives/{objective}/key-results"), body)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn admin(app: &TestApp) -> Browser {
    Browser::signed_in(app, &app.admin_id, "ada@keel.test").await
}

#[tokio::test]
async fn organisation_pages_send_anonymous_visitors_to_sign_in() {
    let app = spawn_app().await;
    let anon = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    for path in [
        "/company",
        "/ownership",
        "/health",
        "/admin",
        "/account/tokens",
    ] {
        let resp = anon.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(
            location(&resp).starts_with("/sign-in?return_to="),
            "{path}: {}",
            location(&resp)
        );
    }
}

/// Seed 003 on the team page: an objective shared by two teams and a key result shared with a
/// team under an objective that is not both appear once, with one progress.
async fn team_page(app: TestApp) {
    let o = org(&app).await;
    let b = admin(&app).await;
    let shared = objective(
        &app,
        json!({"title": "Fast everywhere", "cycle_id": o.cycle, "team_ids": [o.platform, o.sales]}),
    )
    .await;
    key_result(
        &app,
        &shared,
        json!({"title": "p95 page load under 1.5 s", "kind": "decrease", "start": 3.2, "target": 1.5, "unit": "s", "team_ids": [o.platform]}),
    )
    .await;
    let elsewhere = objective(
        &app,
        json!({"title": "Win the enterprise segment", "cycle_id": o.cycle, "team_ids": [o.sales]}),
    )
    .await;
    key_result(
        &app,
        &elsewhere,
        json!({"title": "SSO for every enterprise tenant", "kind": "increase", "start": 0, "target": 10, "unit": "tenants", "team_ids": [o.platform]}),
    )
    .await;
    let empty = objective(
        &app,
        json!({"title": "Objective with nothing to measure", "cycle_id": o.cycle, "team_ids": [o.platform], "state": "active"}),
    )
    .await;

    let html = b.page(&format!("/teams/{}", o.platform)).await;
    assert!(html.contains("<h1>Platform</h1>"), "{html}");
    assert_eq!(
        count(
            &html,
            &format!("class=\"okr-title\" href=\"/objectives/{shared}\"")
        ),
        1,
        "{html}"
    );
    assert_eq!(count(&html, "p95 page load under 1.5 s"), 1);
    assert!(
        html.contains("shared with Sales"),
        "the other team is named"
    );
    assert!(html.contains("SSO for every enterprise tenant"));
    assert!(html.contains(&format!("href=\"/objectives/{elsewhere}\"")));
    assert!(
        !html.contains(&format!(
            "class=\"okr-title\" href=\"/objectives/{elsewhere}\""
        )),
        "not the team's objective"
    );
    assert!(html.contains("Pia Platform"), "members and lead");
    assert!(
        html.contains(&format!("href=\"/teams/{}\"", o.engineering)),
        "parent link"
    );
    // The health finding about the objective without key results links to where it is fixed.
    assert!(html.contains("objective_without_key_results"), "{html}");
    assert!(html.contains(&format!("href=\"/objectives/{empty}\"")));
    assert!(html.contains("id=\"reviews\""), "a place for reviews");

    // Sales sees the shared objective too, but not Platform's own.
    let sales = b.page(&format!("/teams/{}", o.sales)).await;
    assert_eq!(
        count(
            &sales,
            &format!("class=\"okr-title\" href=\"/objectives/{shared}\"")
        ),
        1
    );
    assert!(!sales.contains("Objective with nothing to measure"));

    // Another cycle: nothing; an unknown team: 404; an unknown cycle: 422.
    let next = app
        .create(
            "/api/v1/cycles",
            json!({"name": "2027 Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let later = b
        .page(&format!("/teams/{}?cycle_id={next}", o.platform))
        .await;
    assert!(later.contains("owns or shares no OKRs in this cycle"));
    b.page_with("/teams/no-such-team", StatusCode::NOT_FOUND)
        .await;
    let bad = b
        .page_with(
            &format!("/teams/{}?cycle_id=nope", o.platform),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(bad.contains("cycle_id"), "{bad}");
}

#[tokio::test]
async fn team_page_shows_each_okr_once_with_people_and_health_on_sqlite() {
    team_page(spawn_app().await).await;
}

#[tokio::test]
async fn team_page_shows_each_okr_once_with_people_and_health_on_postgres() {
    if postgres_configured() {
        team_page(spawn_app_on(Db::Postgres).await).await;
    }
}

#[tokio::test]
async fn company_tree_nests_teams_and_filters_by_team_owner_and_status() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let b = admin(&app).await;
    // Pia's objective is on track (confidence 8); Sam's has no check-in with over half the
    // cycle gone, so it is off track on pace.
    let fast = objective(
        &app,
        json!({"title": "Fast everywhere", "cycle_id": o.cycle, "team_ids": [o.platform], "owner_id": o.pia}),
    )
    .await;
    let kr = key_result(
        &app,
        &fast,
        json!({"title": "p95 under 1.5 s", "kind": "decrease", "start": 3.0, "target": 1.5, "owner_id": o.pia}),
    )
    .await;
    // Pia accepts through the API (she owns both now).
    let store_pia = keel_domain::PersonId::from_string(o.pia.clone());
    let pia_token = keel_server::services::tokens::issue(
        app.store.as_ref(),
        &WriteCtx::system(Source::Cli),
        &app.store.person(&store_pia).await.unwrap().unwrap(),
        "t",
        keel_domain::TokenScope::Write,
        None,
    )
    .await
    .unwrap()
    .1;
    for path in [
        format!("/api/v1/objectives/{fast}/ownership/accept"),
        format!("/api/v1/key-results/{kr}/ownership/accept"),
    ] {
        let r = app
            .req_as(&pia_token, Method::POST, &path)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    let r = app
        .req_as(
            &pia_token,
            Method::POST,
            &format!("/api/v1/key-results/{kr}/check-ins"),
        )
        .json(&json!({"value": 2.5, "confidence": 8}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let deals = objective(
        &app,
        json!({"title": "More deals in EMEA", "cycle_id": o.cycle, "team_ids": [o.sales]}),
    )
    .await;
    key_result(
        &app,
        &deals,
        json!({"title": "40 new logos", "kind": "increase", "start": 0, "target": 40}),
    )
    .await;
    // A personal objective with no team appears under the person, in their team.
    objective(
        &app,
        json!({"title": "Learn Rust properly", "cycle_id": o.cycle}),
    )
    .await;

    let html = b.page("/company").await;
    assert!(html.contains("Fast everywhere") && html.contains("More deals in EMEA"));
    assert!(html.contains("node-company"), "the company node");
    assert!(html.contains("node-department"), "departments");
    let platform_at = html
        .find(&format!("href=\"/teams/{}\"", o.platform))
        .unwrap();
    let engineering_at = html
        .find(&format!("href=\"/teams/{}\"", o.engineering))
        .unwrap();
    assert!(
        engineering_at < platform_at,
        "Platform nests in Engineering"
    );
    assert!(html.contains("status-on_track") && html.contains("status-off_track"));
    assert!(html.contains("Learn Rust properly"));
    assert!(html.contains("<details"), "expandable without JavaScript");

    let only_platform = b.page(&format!("/company?team_id={}", o.platform)).await;
    assert!(only_platform.contains("Fast everywhere"));
    assert!(!only_platform.contains("More deals in EMEA"));
    let by_owner = b.page(&format!("/company?owner_id={}", o.pia)).await;
    assert!(by_owner.contains("Fast everywhere"));
    assert!(!by_owner.contains("More deals in EMEA"));
    assert!(
        !by_owner.contains(&format!("href=\"/teams/{}\"", o.sales)),
        "empty nodes pruned"
    );
    let on_track = b.page("/company?status=on_track").await;
    assert!(on_track.contains("Fast everywhere") && !on_track.contains("More deals in EMEA"));
    let off_track = b
        .page(&format!("/company?status=off_track&cycle_id={}", o.cycle))
        .await;
    assert!(off_track.contains("More deals in EMEA") && !off_track.contains("Fast everywhere"));
    // The filters are kept in the form, so the URL can be shared and the page re-read.
    assert!(off_track.contains("<option value=\"off_track\" selected>"));

    // Bad filters: 422, the message next to the filter, no tree.
    let bad = b
        .page_with("/company?status=sideways", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(
        field_error(&bad, "status").unwrap().contains("on_track"),
        "{bad}"
    );
    assert!(!bad.contains("Fast everywhere"));
    let bad = b
        .page_with(
            &format!("/company?owner_id={}", o.company),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(field_error(&bad, "owner_id").is_some(), "{bad}");
    let bad = b
        .page_with("/company?team_id=nope", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(field_error(&bad, "team_id").is_some());
    let bad = b
        .page_with("/company?cycle_id=nope", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(field_error(&bad, "cycle_id").is_some());
}

#[tokio::test]
async fn ownership_map_shows_who_owns_what_overload_and_pending_requests() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let b = admin(&app).await;
    let r = app
        .patch(
            "/api/v1/settings",
            json!({"health": {"pending_ownership_days": 7, "owner_overload": 1, "max_key_results": 5, "stale_check_in_days": 7}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Ada owns an objective and a key result: 2 > 1, overloaded. Sam is asked to own one.
    let mine = objective(&app, json!({"title": "Open Berlin", "cycle_id": o.cycle})).await;
    key_result(
        &app,
        &mine,
        json!({"title": "Lease signed", "kind": "boolean"}),
    )
    .await;
    let asked = objective(
        &app,
        json!({"title": "Grow the Nordics", "cycle_id": o.cycle, "owner_id": o.sam, "owner_note": "You know the market"}),
    )
    .await;

    let html = b.page("/ownership").await;
    assert!(
        html.contains(&format!(
            "id=\"person-{}\" class=\"overloaded\"",
            app.admin_id
        )),
        "{html}"
    );
    assert!(html.contains("<strong>1</strong> above 1 OKRs owned"));
    assert!(html.contains("Waiting for an answer"));
    assert!(html.contains(&format!("href=\"/objectives/{asked}\"")));
    assert!(html.contains("You know the market"));
    assert!(html.contains(&format!("href=\"#person-{}\"", o.sam)));
    assert!(html.contains("not accepted yet"));
    let sam_row = html.find(&format!("id=\"person-{}\"", o.sam)).unwrap();
    assert!(!html[sam_row..sam_row + 60].contains("overloaded"));

    let bad = b
        .page_with("/ownership?cycle_id=nope", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(field_error(&bad, "cycle_id").is_some(), "{bad}");
    assert!(!bad.contains("Grow the Nordics"));
}

#[tokio::test]
async fn health_page_links_each_finding_to_where_it_is_fixed() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let b = admin(&app).await;
    let empty = objective(
        &app,
        json!({"title": "Nothing measured", "cycle_id": o.cycle, "team_ids": [o.sales], "state": "active"}),
    )
    .await;
    let html = b.page(&format!("/health?cycle_id={}", o.cycle)).await;
    assert!(html.contains("objective_without_key_results"), "{html}");
    assert!(html.contains(&format!("href=\"/objectives/{empty}\"")));
    assert!(
        html.contains(&format!("href=\"/teams/{}\"", o.sales)),
        "the team"
    );
    assert!(
        html.contains(&format!("#person-{}", app.admin_id)),
        "the person"
    );
    assert!(html.contains("1 error"));
    let bad = b
        .page_with("/health?cycle_id=nope", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(field_error(&bad, "cycle_id").is_some(), "{bad}");
}

async fn people_count(app: &TestApp) -> usize {
    json_of(app.get("/api/v1/people?limit=500").await).await["items"]
        .as_array()
        .unwrap()
        .len()
}

/// The people forms: create, edit roles, deactivate; bad input shown next to the field.
async fn admin_people(app: TestApp) {
    let b = admin(&app).await;
    let list = b.page("/admin").await;
    assert!(list.contains("Ada Admin") && list.contains("/admin/people/new"));

    let before = people_count(&app).await;
    // Bad input: no name, then an email that is not one. Nothing is written; what was typed
    // stays.
    let resp = b
        .submit(
            "/admin/people/new",
            &[
                ("name", ""),
                ("email", "bea@keel.test"),
                ("title", "Designer"),
                ("roles", "finance"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(field_error(&html, "name").is_some(), "{html}");
    assert!(html.contains("value=\"bea@keel.test\""));
    assert!(html.contains("value=\"Designer\""));
    assert!(html.contains("value=\"finance\" checked"));
    let resp = b
        .submit(
            "/admin/people/new",
            &[("name", "Bea"), ("email", "not-an-email")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(field_error(&html, "email").is_some(), "{html}");
    assert!(html.contains("value=\"not-an-email\""));
    assert_eq!(people_count(&app).await, before);
    let resp = b
        .submit(
            "/admin/people/new",
            &[("name", "Bea"), ("email", "bea@"), ("roles", "member")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "email").is_some());
    // A taken email: 409, next to the email.
    let resp = b
        .submit(
            "/admin/people/new",
            &[("name", "Another Ada"), ("email", "ADA@keel.test")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let html = resp.text().await.unwrap();
    assert!(
        field_error(&html, "email")
            .unwrap()
            .contains("already exists"),
        "{html}"
    );
    assert!(html.contains("value=\"Another Ada\""));
    // An unknown role is refused next to the roles.
    let resp = b
        .submit(
            "/admin/people/new",
            &[
                ("name", "Bea"),
                ("email", "bea@keel.test"),
                ("roles", "emperor"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "roles").is_some());
    assert_eq!(people_count(&app).await, before);

    // Good input: created, and the browser goes to the person's page.
    let resp = b
        .submit(
            "/admin/people/new",
            &[
                ("name", "Bea Builder"),
                ("email", "bea@keel.test"),
                ("title", "Engineer"),
                ("manager_id", &app.admin_id),
                ("roles", "member"),
                ("roles", "finance"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let at = location(&resp);
    assert!(at.ends_with("?created=1"), "{at}");
    let page = b.page(&at).await;
    assert!(page.contains("The person was created."));
    let bea_id = at
        .trim_start_matches("/admin/people/")
        .trim_end_matches("?created=1")
        .to_string();
    let bea = json_of(app.get(&format!("/api/v1/people/{bea_id}")).await).await;
    assert_eq!(bea["roles"], json!(["member", "finance"]));
    assert_eq!(bea["manager_id"], app.admin_id.as_str());
    let version = bea["version"].as_i64().unwrap().to_string();

    // Edit: roles to champion, then deactivate.
    let resp = b
        .submit(
            &format!("/admin/people/{bea_id}"),
            &[
                ("version", &version),
                ("name", "Bea Builder"),
                ("email", "bea@keel.test"),
                ("title", "Staff engineer"),
                ("manager_id", ""),
                ("roles", "champion"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let bea = json_of(app.get(&format!("/api/v1/people/{bea_id}")).await).await;
    assert_eq!(bea["roles"], json!(["champion"]));
    assert_eq!(bea["title"], "Staff engineer");
    assert_eq!(bea["manager_id"], Value::Null);
    // The old version: someone else changed it meanwhile; nothing written.
    let resp = b
        .submit(
            &format!("/admin/people/{bea_id}"),
            &[
                ("version", &version),
                ("name", "Stale Bea"),
                ("email", "bea@keel.test"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::PRECONDITION_FAILED);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("Someone else changed this record"));
    let version = bea["version"].as_i64().unwrap().to_string();
    let resp = b
        .submit(
            &format!("/admin/people/{bea_id}"),
            &[
                ("version", &version),
                ("name", "Bea Builder"),
                ("email", "bea@keel.test"),
                ("roles", "champion"),
            ],
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "unticked: deactivated"
    );
    let bea = json_of(app.get(&format!("/api/v1/people/{bea_id}")).await).await;
    assert_eq!(bea["active"], false);

    // Deactivating yourself is refused next to the checkbox; nothing changes.
    let me = json_of(app.get(&format!("/api/v1/people/{}", app.admin_id)).await).await;
    let version = me["version"].as_i64().unwrap().to_string();
    let resp = b
        .submit(
            &format!("/admin/people/{}", app.admin_id),
            &[
                ("version", &version),
                ("name", "Ada Admin"),
                ("email", "ada@keel.test"),
                ("roles", "admin"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        field_error(&html, "active").unwrap().contains("yourself"),
        "{html}"
    );
    let me = json_of(app.get(&format!("/api/v1/people/{}", app.admin_id)).await).await;
    assert_eq!(me["active"], true);

    // A member may not administer people.
    let (_, _) = app.member("Max Member").await;
    let max = Browser::signed_in(
        &app,
        json_of(app.get("/api/v1/people?q=max").await).await["items"][0]["id"]
            .as_str()
            .unwrap(),
        "max.member@keel.test",
    )
    .await;
    max.page_with("/admin", StatusCode::FORBIDDEN).await;
    let resp = max
        .submit(
            "/admin/people/new",
            &[("name", "Eve"), ("email", "eve@keel.test")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        json_of(app.get("/api/v1/people?q=eve").await).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Without the CSRF token nothing is written either.
    let resp = b
        .post(
            "/admin/people/new",
            &[("name", "Eve"), ("email", "eve@keel.test")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        json_of(app.get("/api/v1/people?q=eve").await).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn admin_people_forms_on_sqlite() {
    admin_people(spawn_app().await).await;
}

#[tokio::test]
async fn admin_people_forms_on_postgres() {
    if postgres_configured() {
        admin_people(spawn_app_on(Db::Postgres).await).await;
    }
}

#[tokio::test]
async fn admin_team_forms_set_parent_lead_and_members() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let b = admin(&app).await;
    let list = b.page("/admin/teams").await;
    assert!(list.contains("Platform") && list.contains("Engineering"));

    let teams_before = json_of(app.get("/api/v1/teams?limit=500").await).await["items"]
        .as_array()
        .unwrap()
        .len();
    // No name: refused next to the name, the ticked members stay ticked, nothing written.
    let resp = b
        .submit(
            "/admin/teams/new",
            &[
                ("name", " "),
                ("parent_id", &o.engineering),
                ("member_ids", &o.pia),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(field_error(&html, "name").is_some(), "{html}");
    assert!(html.contains(&format!("value=\"{}\" checked", o.pia)));
    assert!(html.contains(&format!("<option value=\"{}\" selected>", o.engineering)));
    // A team as lead: refused next to the lead.
    let resp = b
        .submit(
            "/admin/teams/new",
            &[("name", "Data"), ("lead_id", &o.sales)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "lead_id").is_some());
    let teams_after = json_of(app.get("/api/v1/teams?limit=500").await).await["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(teams_before, teams_after);

    let resp = b
        .submit(
            "/admin/teams/new",
            &[
                ("name", "Data"),
                ("parent_id", &o.engineering),
                ("lead_id", &o.sam),
                ("member_ids", &o.sam),
                ("member_ids", &o.pia),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let at = location(&resp);
    let data = at
        .trim_start_matches("/admin/teams/")
        .trim_end_matches("?created=1")
        .to_string();
    let team = json_of(app.get(&format!("/api/v1/teams/{data}")).await).await;
    assert_eq!(team["parent_id"], o.engineering.as_str());
    assert_eq!(team["lead_id"], o.sam.as_str());
    assert_eq!(team["member_ids"].as_array().unwrap().len(), 2);

    // Engineering under Platform would be a loop: refused next to the parent.
    let eng = json_of(app.get(&format!("/api/v1/teams/{}", o.engineering)).await).await;
    let version = eng["version"].as_i64().unwrap().to_string();
    let resp = b
        .submit(
            &format!("/admin/teams/{}", o.engineering),
            &[
                ("version", &version),
                ("name", "Engineering"),
                ("parent_id", &o.platform),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "parent_id")
        .unwrap()
        .contains("sub-teams"));
    // Moving it to the top and dropping its members works.
    let resp = b
        .submit(
            &format!("/admin/teams/{}", o.engineering),
            &[
                ("version", &version),
                ("name", "Engineering"),
                ("parent_id", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let eng = json_of(app.get(&format!("/api/v1/teams/{}", o.engineering)).await).await;
    assert_eq!(eng["parent_id"], Value::Null);
    assert!(eng["member_ids"].as_array().unwrap().is_empty());
    assert!(b
        .page(&format!("/admin/teams/{}?saved=1", o.engineering))
        .await
        .contains("Your changes were saved."));
}

#[tokio::test]
async fn admin_cycle_forms_check_dates_and_names() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let b = admin(&app).await;
    assert!(b.page("/admin/cycles").await.contains("2026 Q4"));
    let cycles = || async {
        json_of(app.get("/api/v1/cycles").await).await["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = cycles().await;
    let resp = b
        .submit(
            "/admin/cycles/new",
            &[
                ("name", "2027 Q1"),
                ("starts_on", "2027-13-01"),
                ("ends_on", "2027-03-31"),
                ("state", "planning"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(field_error(&html, "starts_on").is_some(), "{html}");
    assert!(html.contains("value=\"2027-13-01\""), "kept as typed");
    assert!(html.contains("value=\"2027 Q1\""));
    let resp = b
        .submit(
            "/admin/cycles/new",
            &[
                ("name", "2027 Q1"),
                ("starts_on", "2027-03-01"),
                ("ends_on", "2027-01-31"),
                ("state", "planning"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "ends_on").is_some());
    let resp = b
        .submit(
            "/admin/cycles/new",
            &[
                ("name", "2026 Q4"),
                ("starts_on", "2026-10-01"),
                ("ends_on", "2026-12-31"),
                ("state", "planning"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(field_error(&resp.text().await.unwrap(), "name").is_some());
    let resp = b
        .submit(
            "/admin/cycles/new",
            &[
                ("name", "2027 Q1"),
                ("starts_on", "2027-01-01"),
                ("ends_on", "2027-03-31"),
                ("state", "sleeping"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "state").is_some());
    assert_eq!(cycles().await, before);

    let resp = b
        .submit(
            "/admin/cycles/new",
            &[
                ("name", "2027 Q1"),
                ("starts_on", "2027-01-01"),
                ("ends_on", "2027-03-31"),
                ("state", "planning"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(cycles().await, before + 1);
    // Edit: close 2026 Q4.
    let q4 = json_of(app.get(&format!("/api/v1/cycles/{}", o.cycle)).await).await;
    let version = q4["version"].as_i64().unwrap().to_string();
    let resp = b
        .submit(
            &format!("/admin/cycles/{}", o.cycle),
            &[
                ("version", &version),
                ("name", "2026 Q4"),
                ("starts_on", "2026-10-01"),
                ("ends_on", "2026-12-31"),
                ("state", "closed"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let q4 = json_of(app.get(&format!("/api/v1/cycles/{}", o.cycle)).await).await;
    assert_eq!(q4["state"], "closed");
}

#[tokio::test]
async fn admin_settings_form_keeps_what_was_typed_on_error() {
    let app = spawn_app().await;
    let b = admin(&app).await;
    let html = b.page("/admin/settings").await;
    assert!(html.contains("value=\"UTC\""), "{html}");
    let form_with_cadence = |tz: &'static str, overload: &'static str, cadence: &'static str| {
        vec![
            ("rhythm.cadence_days", cadence),
            ("rhythm.grace_days", "3"),
            ("name", "Northwind"),
            ("time_zone", tz),
            ("ownership_policy", "shared"),
            ("confidence_scale", "three_level"),
            ("check_in_weekday", "friday"),
            ("health.pending_ownership_days", "5"),
            ("health.owner_overload", overload),
            ("health.max_key_results", "4"),
            ("health.stale_check_in_days", "10"),
        ]
    };
    let form = |tz: &'static str, overload: &'static str| form_with_cadence(tz, overload, "14");
    let resp = b
        .submit("/admin/settings", &form("Mars/Olympus", "6"))
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(field_error(&html, "time_zone").is_some(), "{html}");
    assert!(html.contains("value=\"Mars/Olympus\""));
    assert!(html.contains("<option value=\"friday\" selected>"));
    let resp = b
        .submit("/admin/settings", &form("Europe/Paris", "lots"))
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        field_error(&html, "health.owner_overload").is_some(),
        "{html}"
    );
    assert!(html.contains("value=\"lots\""));
    let resp = b
        .submit("/admin/settings", &form("Europe/Paris", "0"))
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "health.owner_overload").is_some());
    // The cadence is checked by the same rule as the API (1 to 90 days), next to its field.
    let resp = b
        .submit(
            "/admin/settings",
            &form_with_cadence("Europe/Paris", "6", "0"),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        field_error(&html, "rhythm.cadence_days").is_some(),
        "{html}"
    );
    let s = json_of(app.get("/api/v1/settings").await).await;
    assert_eq!(s["time_zone"], "UTC", "nothing written");
    assert_eq!(s["rhythm"]["cadence_days"], 7, "nothing written");

    let resp = b
        .submit("/admin/settings", &form("Europe/Paris", "6"))
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let s = json_of(app.get("/api/v1/settings").await).await;
    assert_eq!(s["time_zone"], "Europe/Paris");
    assert_eq!(s["ownership_policy"], "shared");
    assert_eq!(s["confidence_scale"], "three_level");
    assert_eq!(s["check_in_weekday"], "friday");
    assert_eq!(s["health"]["owner_overload"], 6);
    assert_eq!(s["rhythm"]["cadence_days"], 14);
    assert_eq!(s["rhythm"]["grace_days"], 3);
}

#[tokio::test]
async fn api_tokens_are_shown_once_listed_with_last_use_and_revoked() {
    let app = spawn_app().await;
    let b = admin(&app).await;
    let mine = || async {
        app.store
            .list_tokens(&PersonId::from_string(app.admin_id.clone()))
            .await
            .unwrap()
            .len()
    };
    let before = mine().await;
    let resp = b
        .submit(
            "/account/tokens",
            &[("name", ""), ("scope", "read"), ("expires_on", "")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "name").is_some());
    let resp = b
        .submit(
            "/account/tokens",
            &[
                ("name", "nightly-sync"),
                ("scope", "read"),
                ("expires_on", "soon"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(field_error(&html, "expires_on").is_some());
    assert!(html.contains("value=\"nightly-sync\""));
    let resp = b
        .submit(
            "/account/tokens",
            &[
                ("name", "nightly-sync"),
                ("scope", "read"),
                ("expires_on", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_error(&resp.text().await.unwrap(), "expires_on").is_some(),
        "in the past"
    );
    assert_eq!(mine().await, before);

    let resp = b
        .submit(
            "/account/tokens",
            &[
                ("name", "nightly-sync"),
                ("scope", "read"),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let html = resp.text().await.unwrap();
    let at = html.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let secret = html[at..].split('<').next().unwrap().to_string();
    assert!(secret.starts_with("keel_"), "{secret}");
    // It works, read-only; the list shows its use but never the secret again.
    let r = app
        .req_as(&secret, Method::GET, "/api/v1/people")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .req_as(&secret, Method::POST, "/api/v1/teams")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let list = b.page("/account/tokens").await;
    assert!(!list.contains(&secret));
    assert!(list.contains("nightly-sync"));
    assert!(list.contains("UTC"), "last use shown: {list}");
    let token_id = app
        .store
        .list_tokens(&PersonId::from_string(app.admin_id.clone()))
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "nightly-sync")
        .unwrap()
        .id
        .to_string();
    let resp = b
        .submit(&format!("/account/tokens/{token_id}/revoke"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let r = app
        .req_as(&secret, Method::GET, "/api/v1/people")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(b
        .page("/account/tokens?revoked=1")
        .await
        .contains("was revoked"));
    // Someone else's (or an unknown) token: 404.
    let resp = b.submit("/account/tokens/nope/revoke", &[]).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // Every signed-in person manages their own tokens.
    let (max_id, _) = app.member("Max Member").await;
    let max = Browser::signed_in(&app, &max_id, "max.member@keel.test").await;
    let page = max.page("/account/tokens").await;
    assert!(!page.contains("nightly-sync"), "only your own");
    let resp = max
        .submit(&format!("/account/tokens/{token_id}/revoke"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn single_sign_on_status_is_read_only_and_for_administrators_only() {
    let app = spawn_app().await;
    let b = admin(&app).await;
    let html = b.page("/admin/sso").await;
    assert!(html.contains("Not configured"), "{html}");
    assert!(!html.contains("<form method=\"post\" action=\"/admin/sso"));
    let (max_id, _) = app.member("Max Member").await;
    let max = Browser::signed_in(&app, &max_id, "max.member@keel.test").await;
    max.page_with("/admin/sso", StatusCode::FORBIDDEN).await;
    max.page_with("/admin/settings", StatusCode::FORBIDDEN)
        .await;
    max.page_with("/admin/cycles", StatusCode::FORBIDDEN).await;
    // A champion manages settings but not single sign-on (who may sign in, with which roles).
    let (cleo_id, _) = app.person_with_roles("Cleo Champion", &["champion"]).await;
    let cleo = Browser::signed_in(&app, &cleo_id, "cleo.champion@keel.test").await;
    cleo.page_with("/admin/settings", StatusCode::OK).await;
    let denied = cleo.page_with("/admin/sso", StatusCode::FORBIDDEN).await;
    assert!(!denied.contains("Not configured"), "{denied}");
}

/// Every link of the main navigation and of the administration sub-navigation in `html`.
fn nav_links(html: &str) -> Vec<String> {
    let mut links = vec![];
    for class in ["<nav class=\"site-nav\"", "<nav class=\"sub-nav\""] {
        let Some(at) = html.find(class) else { continue };
        let nav = &html[at..];
        let nav = &nav[..nav.find("</nav>").unwrap()];
        for piece in nav.split("href=\"").skip(1) {
            links.push(piece.split('"').next().unwrap().to_string());
        }
    }
    links
}

/// Issue 6: champions saw "Admin" leading to a 403, and the administration sub-navigation showed
/// pages that refuse non-administrators. For every holder of the permission matrix, every link
/// in the navigation of My week and of the administration page "Admin" leads to opens.
#[tokio::test]
async fn navigation_shows_only_what_the_reader_may_open() {
    use keel_server::access::matrix::Holder;
    let app = spawn_app().await;
    app.cycle("2026 Q4").await;
    for holder in Holder::ALL {
        let roles: &[&str] = match holder {
            Holder::Admin => &["admin"],
            Holder::Champion => &["champion"],
            Holder::TeamLead | Holder::Member => &["member"],
            Holder::Reviewer => &["reviewer"],
            Holder::Analyst => &["analyst"],
            Holder::Hr => &["hr"],
            Holder::Finance => &["finance"],
            Holder::Viewer => &["viewer"],
        };
        let name = format!("Nav {}", holder.name());
        let (id, _) = app.person_with_roles(&name, roles).await;
        if holder == Holder::TeamLead {
            app.create(
                "/api/v1/teams",
                json!({"name": "Led team", "lead_id": id, "member_ids": [id]}),
            )
            .await;
        }
        let email = format!("{}@keel.test", name.to_lowercase().replace(' ', "."));
        let b = Browser::signed_in(&app, &id, &email).await;
        let week = b.page("/my-week").await;
        let mut links = nav_links(&week);
        let admin_link = week
            .split("<nav class=\"site-nav\"")
            .nth(1)
            .and_then(|nav| nav.split("</nav>").next())
            .and_then(|nav| {
                nav.split("<a href=\"")
                    .find(|a| a.contains(">Admin</a>"))
                    .map(|a| a.split('"').next().unwrap().to_string())
            });
        if let Some(admin) = &admin_link {
            links.extend(nav_links(&b.page(admin).await));
        }
        match holder {
            Holder::Admin => assert_eq!(admin_link.as_deref(), Some("/admin")),
            Holder::Champion => {
                assert!(admin_link.is_some(), "champion: no Admin link");
                assert!(links.contains(&"/admin/settings".to_string()));
                assert!(links.contains(&"/admin/audit".to_string()));
            }
            _ => {}
        }
        assert!(links.contains(&"/my-week".to_string()), "{links:?}");
        for link in &links {
            let status = b.get(link).await.status();
            assert_eq!(
                status,
                StatusCode::OK,
                "{}: the nav shows {link}, which answers {status}",
                holder.name()
            );
        }
    }
}
