//! The owner's rhythm through a browser's eyes (a cookie jar, no JavaScript): statuses,
//! forecasts and the status override on the objective page and My week, the back-dated weekly
//! check-in, team reviews, scoring and the retrospective, cycle close and reopen, CFRs, the
//! audit log and the calibration report. Every form is also sent bad input: the message shows
//! next to the field, what was typed is kept, and nothing is written.

use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use keel_domain::{PersonId, Source};
use keel_server::auth::password;
use keel_store::Accounts;
use keel_store::WriteCtx;
use reqwest::{header, redirect, Response, StatusCode};
use serde_json::Value;

const PASSWORD: &str = "a long enough password";

/// A signed-in browser: cookies kept, redirects not followed (the tests look at each one).
pub struct Browser {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

impl Browser {
    /// Signs `email` in through the sign-in form.
    pub async fn signed_in(app: &TestApp, id: &str, email: &str) -> Browser {
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
        let token = csrf_in(&b.html("/sign-in").await);
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
        b.csrf = csrf_in(&b.html("/my-week").await);
        b
    }

    /// The administrator of `spawn_app()`.
    pub async fn admin(app: &TestApp) -> Browser {
        Browser::signed_in(app, &app.admin_id, "ada@keel.test").await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// GETs a page that must answer 200; returns its HTML.
    pub async fn html(&self, path: &str) -> String {
        self.page_with(path, StatusCode::OK).await
    }

    /// GETs a page and expects `status`; returns its HTML.
    pub async fn page_with(&self, path: &str, status: StatusCode) -> String {
        let resp = self.get(path).await;
        let got = resp.status();
        let html = resp.text().await.unwrap();
        assert_eq!(got, status, "GET {path}: {html}");
        html
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
    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let mut all = vec![("csrf_token", self.csrf.as_str())];
        all.extend_from_slice(form);
        self.post(path, &all).await
    }

    /// POSTs a form that must be refused with 422; returns the page shown again.
    pub async fn refused(&self, path: &str, form: &[(&str, &str)]) -> String {
        let resp = self.submit(path, form).await;
        let status = resp.status();
        let html = resp.text().await.unwrap();
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "POST {path}: {html}"
        );
        html
    }

    /// POSTs a form that must succeed with a redirect; returns where to.
    pub async fn done(&self, path: &str, form: &[(&str, &str)]) -> String {
        let resp = self.submit(path, form).await;
        let status = resp.status();
        let to = location(&resp);
        let html = resp.text().await.unwrap();
        assert_eq!(status, StatusCode::SEE_OTHER, "POST {path}: {html}");
        to
    }
}

pub fn csrf_in(html: &str) -> String {
    let key = "name=\"csrf_token\" value=\"";
    let at = html
        .find(key)
        .unwrap_or_else(|| panic!("no csrf_token in {html}"))
        + key.len();
    html[at..].split('"').next().unwrap().to_string()
}

pub fn location(resp: &Response) -> String {
    resp.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The text of the field error shown next to input `id` (`f-{id}-error`), if any.
pub fn field_error(html: &str, id: &str) -> Option<String> {
    let key = format!("id=\"f-{id}-error\">");
    let at = html.find(&key)? + key.len();
    Some(html[at..].split('<').next()?.to_string())
}

pub async fn json_of(app: &TestApp, path: &str) -> Value {
    let resp = app.get(path).await;
    assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
    resp.json().await.unwrap()
}

/// `text` as askama escapes it in a page.
pub fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fn days_ago(d: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(d))
        .date_naive()
        .to_string()
}

// ---------------------------------------------------------------- 9: status everywhere

#[tokio::test]
async fn objective_page_and_my_week_show_the_rhythms_status_and_due() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Weekly active teams", "NPS"]).await;
    let ada = Browser::admin(&app).await;

    // Nothing is due on new key results; a back-dated check-in (the weekly form's date) of nine
    // days ago makes the key result due on the same rule as the API's.
    let html = ada.html("/my-week").await;
    assert!(!html.contains("pill due"), "{html}");
    let page = ada.html("/my-week").await;
    let row = |kr: &str| {
        let marker = format!("value=\"{kr}\"");
        let before = &page[..page.find(&marker).unwrap()];
        let key = "name=\"key_result_id.";
        let start = before.rfind(key).unwrap() + key.len();
        before[start..].split('"').next().unwrap().to_string()
    };
    let n = row(&krs[0]);
    let (id, value, confidence) = (
        format!("key_result_id.{n}"),
        format!("value.{n}"),
        format!("confidence.{n}"),
    );
    // A date in the future, or not a date: shown next to the date, nothing recorded.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    for (bad, message) in [(tomorrow.as_str(), "future"), ("last week", "a date")] {
        let html = ada
            .refused(
                "/my-week/check-in",
                &[
                    (&id, &krs[0]),
                    (&value, "30"),
                    (&confidence, "3"),
                    ("at", bad),
                ],
            )
            .await;
        assert!(
            field_error(&html, "at").unwrap().contains(message),
            "{html}"
        );
        assert!(html.contains(&format!("value=\"{bad}\"")), "kept: {html}");
    }
    let kr_json = json_of(&app, &format!("/api/v1/key-results/{}", krs[0])).await;
    assert!(kr_json["last_check_in_at"].is_null(), "nothing written");
    let nine = days_ago(9);
    let to = ada
        .done(
            "/my-week/check-in",
            &[
                (&id, &krs[0]),
                (&value, "30"),
                (&confidence, "3"),
                ("at", &nine),
            ],
        )
        .await;
    assert_eq!(to, "/my-week?done=check-in");
    let kr_json = json_of(&app, &format!("/api/v1/key-results/{}", krs[0])).await;
    assert!(
        kr_json["last_check_in_at"]
            .as_str()
            .unwrap()
            .starts_with(&nine),
        "{kr_json}"
    );
    assert_eq!(kr_json["check_in_due"], true);
    let html = ada.html("/my-week").await;
    assert!(html.contains("1 due"), "{html}");
    // Confidence 3 of 10 is off track (and the objective takes its worst key result's).
    assert!(html.contains("status-off_track"), "{html}");

    // The objective page: statuses with reasons, the forecast, what is due.
    let html = ada.html(&format!("/objectives/{o}")).await;
    assert!(html.contains("status-off_track"), "{html}");
    let reason = kr_json["status_reason"].as_str().unwrap();
    let shown = escaped(reason);
    assert!(
        html.contains(&shown),
        "the API's reason {reason} is shown: {html}"
    );
    assert!(html.contains("forecast"), "{html}");
    assert!(html.contains("pill due"), "{html}");
    assert!(html.contains("Scores and retrospective"));

    // The owner's override: bad input next to the field, kept, nothing written.
    let path = format!("/objectives/{o}/status");
    let html = ada
        .refused(&path, &[("status", "great"), ("reason", "we know better")])
        .await;
    assert!(field_error(&html, "status").is_some(), "{html}");
    assert!(html.contains("we know better"));
    let html = ada
        .refused(&path, &[("status", "on_track"), ("reason", " ")])
        .await;
    assert!(field_error(&html, "reason").is_some(), "{html}");
    let oj = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    assert!(oj["status_override"].is_null());
    let to = ada
        .done(
            &path,
            &[("status", "on_track"), ("reason", "the fix ships Monday")],
        )
        .await;
    assert_eq!(to, format!("/objectives/{o}?done=status"));
    let oj = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    assert_eq!(oj["status"], "on_track");
    let html = ada.html(&format!("/objectives/{o}")).await;
    assert!(html.contains("the fix ships Monday"), "{html}");
    assert!(html.contains("The owner&#x27;s override") || html.contains("The owner's override"));
    ada.done(&format!("/objectives/{o}/status/clear"), &[])
        .await;
    let oj = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    assert!(oj["status_override"].is_null());
    assert_eq!(oj["status"], "off_track");

    // Someone else may neither override nor see the form.
    let (mia, _) = app.member("Mia Member").await;
    let mia = Browser::signed_in(&app, &mia, "mia.member@keel.test").await;
    let html = mia.html(&format!("/objectives/{o}")).await;
    assert!(!html.contains("Override the status"));
    assert!(!html.contains("Scores and retrospective"));
    let resp = mia
        .submit(&path, &[("status", "on_track"), ("reason", "mine now")])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

// ---------------------------------------------------------------- 1: team reviews

/// A team Growth led by Leo, with an active objective (owned by the administrator) on its
/// agenda, and Max, a member who neither leads it nor owns anything.
struct ReviewWorld {
    app: TestApp,
    team: String,
    objective: String,
    leo: Browser,
    max: Browser,
}

async fn review_world(app: TestApp) -> ReviewWorld {
    let cycle = app.cycle("2026 Q4").await;
    let (leo, _) = app.member("Leo Lead").await;
    let (max, _) = app.member("Max Member").await;
    let team = app
        .create(
            "/api/v1/teams",
            serde_json::json!({"name": "Growth", "lead_id": leo, "member_ids": [leo, max]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (objective, _) = active_objective(&app, &cycle, Some(&team), &["Signups"]).await;
    let leo = Browser::signed_in(&app, &leo, "leo.lead@keel.test").await;
    let max = Browser::signed_in(&app, &max, "max.member@keel.test").await;
    ReviewWorld {
        app,
        team,
        objective,
        leo,
        max,
    }
}

async fn reviews_of(app: &TestApp, team: &str) -> Vec<Value> {
    json_of(app, &format!("/api/v1/teams/{team}/reviews")).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn team_reviews_are_started_listed_and_noted_from_the_browser() {
    team_reviews(spawn_app().await).await;
}

#[tokio::test]
async fn team_reviews_are_started_listed_and_noted_from_the_browser_on_postgres() {
    if postgres_configured() {
        team_reviews(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn team_reviews(app: TestApp) {
    let w = review_world(app).await;
    let (team, o) = (&w.team, &w.objective);
    let html = w.leo.html(&format!("/teams/{team}")).await;
    assert!(html.contains("No reviews yet"));
    assert!(html.contains(&format!("href=\"/teams/{team}/reviews/new\"")));
    // Max may not run the review: no button, and the form is a 403 page.
    let html = w.max.html(&format!("/teams/{team}")).await;
    assert!(!html.contains("Start a review"));
    w.max
        .page_with(&format!("/teams/{team}/reviews/new"), StatusCode::FORBIDDEN)
        .await;
    let resp = w.max.submit(&format!("/teams/{team}/reviews"), &[]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // Bad days: next to the field, kept, nothing written.
    w.leo.html(&format!("/teams/{team}/reviews/new")).await;
    let future = (chrono::Utc::now() + chrono::Duration::days(3))
        .date_naive()
        .to_string();
    for bad in [future.as_str(), "someday"] {
        let html = w
            .leo
            .refused(&format!("/teams/{team}/reviews"), &[("held_on", bad)])
            .await;
        assert!(field_error(&html, "held_on").is_some(), "{html}");
        assert!(html.contains(&format!("value=\"{bad}\"")));
    }
    let html = w
        .leo
        .refused(
            &format!("/teams/{team}/reviews"),
            &[("held_on", ""), ("cycle_id", "no-such-cycle")],
        )
        .await;
    assert!(field_error(&html, "cycle_id").is_some(), "{html}");
    assert!(reviews_of(&w.app, team).await.is_empty());

    // A review: the agenda, listed on the team page by date.
    let to = w
        .leo
        .done(&format!("/teams/{team}/reviews"), &[("held_on", "")])
        .await;
    assert!(to.starts_with("/reviews/"), "{to}");
    let html = w.leo.html(&to).await;
    assert!(html.contains("Delight customers"));
    assert!(html.contains("first review"));
    assert!(html.contains("Ada Admin"), "the owner: {html}");
    assert!(html.contains("Owner&#x27;s notes") || html.contains("Owner's notes"));
    let html = w.leo.html(&format!("/teams/{team}")).await;
    assert!(html.contains(&format!("href=\"{to}\"")), "{html}");

    // Notes: too long is refused next to the field and kept; then saved.
    let item = format!("{to}/items/{o}");
    let long = "n".repeat(10_001);
    let html = w
        .leo
        .refused(
            &item,
            &[("notes", &long), ("decisions", "ship it"), ("version", "1")],
        )
        .await;
    assert!(html.contains(&format!("id=\"notes-{o}-error\"")), "{html}");
    assert!(html.contains("ship it"), "kept");
    let review = &reviews_of(&w.app, team).await[0];
    assert_eq!(review["items"][0]["decisions"], "");
    let back = w
        .leo
        .done(
            &item,
            &[
                ("notes", "signups are up"),
                ("decisions", "double the ads"),
                ("version", "1"),
            ],
        )
        .await;
    assert!(back.starts_with(&format!("{to}?done=notes")));
    let review = &reviews_of(&w.app, team).await[0];
    assert_eq!(review["items"][0]["decisions"], "double the ads");
    // A form rendered before that save is stale: refused, what was typed kept.
    let resp = w
        .leo
        .submit(
            &item,
            &[("notes", "late"), ("decisions", ""), ("version", "1")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::PRECONDITION_FAILED);
    assert!(resp.text().await.unwrap().contains("late"));

    // Max reads the review (he sees the objective) but may not write on it.
    let html = w.max.html(&to).await;
    assert!(html.contains("double the ads"));
    assert!(!html.contains(&format!("action=\"{item}\"")));
    let resp = w
        .max
        .submit(
            &item,
            &[("notes", "mine"), ("decisions", ""), ("version", "2")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

// ---------------------------------------------------------------- 2: scoring, retrospective

#[tokio::test]
async fn close_out_scores_key_results_and_carries_the_objective_over() {
    close_out(spawn_app().await).await;
}

#[tokio::test]
async fn close_out_scores_key_results_and_carries_the_objective_over_on_postgres() {
    if postgres_configured() {
        close_out(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn close_out(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Signups"]).await;
    app.create(
        &format!("/api/v1/key-results/{}/check-ins", krs[0]),
        serde_json::json!({"value": 70, "confidence": 7}),
    )
    .await;
    let ada = Browser::admin(&app).await;
    let page = format!("/objectives/{o}/close-out");
    let html = ada.html(&page).await;
    assert!(
        html.contains("suggested score <strong>0.70</strong>"),
        "{html}"
    );
    assert!(html.contains("Scored once every key result has its score"));

    // Bad scores: next to the field, kept, nothing written.
    let path = format!("/key-results/{}/score", krs[0]);
    for (bad, message) in [("lots", "number"), ("1.5", "0.0 to 1.0"), ("", "enter")] {
        let html = ada
            .refused(&path, &[("score", bad), ("reason", "shipped late")])
            .await;
        let key = format!("id=\"score-{}-error\">", krs[0]);
        let at = html.find(&key).unwrap_or_else(|| panic!("{html}")) + key.len();
        assert!(html[at..].split('<').next().unwrap().contains(message));
        assert!(html.contains("value=\"shipped late\""), "kept");
    }
    let kr = json_of(&app, &format!("/api/v1/key-results/{}", krs[0])).await;
    assert!(kr["score"].is_null());
    let to = ada
        .done(&path, &[("score", "0.7"), ("reason", "shipped late")])
        .await;
    assert!(to.starts_with(&format!("{page}?done=score")));
    let html = ada.html(&page).await;
    assert!(html.contains("band-green"), "{html}");
    // Committed (the default): 0.7 is green but not a success.
    assert!(
        html.contains("Not a success for a committed objective"),
        "{html}"
    );

    // The retrospective: carrying over needs a next cycle (409 shown next to the box).
    let retro = format!("/objectives/{o}/retrospective");
    let html = ada
        .refused(
            &retro,
            &[
                ("worked", "pairing"),
                ("did_not", "estimates"),
                ("carry_over", "on"),
            ],
        )
        .await;
    assert!(
        field_error(&html, "carry_over")
            .unwrap()
            .contains("no open cycle"),
        "{html}"
    );
    assert!(html.contains(">pairing</textarea>"), "kept");
    let long = "w".repeat(10_001);
    let html = ada.refused(&retro, &[("worked", &long)]).await;
    assert!(field_error(&html, "worked").is_some(), "{html}");
    let resp = app
        .get(&format!("/api/v1/objectives/{o}/retrospective"))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND, "nothing written");
    app.create(
        "/api/v1/cycles",
        serde_json::json!({"name": "2027 Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}),
    )
    .await;
    ada.done(
        &retro,
        &[
            ("worked", "pairing"),
            ("did_not", "estimates"),
            ("carry_over", "on"),
        ],
    )
    .await;
    let r = json_of(&app, &format!("/api/v1/objectives/{o}/retrospective")).await;
    let draft = r["carried_over_to"].as_str().unwrap();
    let html = ada.html(&page).await;
    assert!(
        html.contains(&format!("href=\"/objectives/{draft}\"")),
        "{html}"
    );
    let d = json_of(&app, &format!("/api/v1/objectives/{draft}")).await;
    assert_eq!(d["state"], "draft");

    // A member who neither owns nor champions: a 403 page, and no link on the objective page.
    let (mia, _) = app.member("Mia Member").await;
    let mia = Browser::signed_in(&app, &mia, "mia.member@keel.test").await;
    mia.page_with(&page, StatusCode::FORBIDDEN).await;
    let resp = mia.submit(&path, &[("score", "0.1"), ("reason", "")]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

// ---------------------------------------------------------------- 3: cycle close and reopen

async fn cycle_state(app: &TestApp, cycle: &str) -> Value {
    json_of(app, &format!("/api/v1/cycles/{cycle}")).await["state"].clone()
}

#[tokio::test]
async fn cycles_are_closed_and_reopened_after_a_confirmation() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (champ, _) = app.person_with_roles("Cam Champion", &["champion"]).await;
    let cam = Browser::signed_in(&app, &champ, "cam.champion@keel.test").await;
    let ada = Browser::admin(&app).await;

    // A champion closes, after a confirmation page.
    let html = cam.html("/admin/cycles").await;
    let close = format!("/admin/cycles/{cycle}/close");
    assert!(html.contains(&format!("href=\"{close}\"")), "{html}");
    let html = cam.html(&close).await;
    assert!(html.contains("locks every OKR"));
    assert_eq!(
        cycle_state(&app, &cycle).await,
        "active",
        "the confirmation writes nothing"
    );
    let to = cam.done(&close, &[]).await;
    assert_eq!(to, format!("/admin/cycles?done=closed#cycle-{cycle}"));
    assert_eq!(cycle_state(&app, &cycle).await, "closed");
    // Closing again: a readable 409 page.
    let resp = cam.submit(&close, &[]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let html = resp.text().await.unwrap();
    assert!(html.contains("already closed"), "{html}");
    assert!(
        html.contains("<h1 id=\"cycles\">Cycles</h1>"),
        "the cycles page"
    );

    // Reopening is for administrators only.
    let reopen = format!("/admin/cycles/{cycle}/reopen");
    let html = cam.html("/admin/cycles").await;
    assert!(!html.contains(&reopen));
    cam.page_with(&reopen, StatusCode::FORBIDDEN).await;
    let resp = cam.submit(&reopen, &[]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(cycle_state(&app, &cycle).await, "closed");
    let html = ada.html("/admin/cycles").await;
    assert!(html.contains(&format!("href=\"{reopen}\"")));
    ada.html(&reopen).await;
    ada.done(&reopen, &[]).await;
    assert_eq!(cycle_state(&app, &cycle).await, "active");
    let resp = ada.submit(&reopen, &[]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);

    // A member: 403 pages.
    let (mia, _) = app.member("Mia Member").await;
    let mia = Browser::signed_in(&app, &mia, "mia.member@keel.test").await;
    mia.page_with(&close, StatusCode::FORBIDDEN).await;
    assert_eq!(
        mia.submit(&close, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(cycle_state(&app, &cycle).await, "active");
}

// ---------------------------------------------------------------- 5: CFRs

#[tokio::test]
async fn conversations_are_private_and_feedback_is_asked_answered_and_recognised() {
    cfrs(spawn_app().await).await;
}

#[tokio::test]
async fn conversations_are_private_and_feedback_is_asked_answered_and_recognised_on_postgres() {
    if postgres_configured() {
        cfrs(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn cfrs(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &["Signups"]).await;
    let (bo_id, _) = app.member("Bo Buddy").await;
    let (cy_id, _) = app.member("Cy Third").await;
    let ada = Browser::admin(&app).await;
    let bo = Browser::signed_in(&app, &bo_id, "bo.buddy@keel.test").await;
    let cy = Browser::signed_in(&app, &cy_id, "cy.third@keel.test").await;

    // A 1:1: bad input next to the field and kept; then created, readable by its two people.
    let html = ada
        .refused(
            "/conversations",
            &[("with_id", ""), ("okr_id", &o), ("notes", "hiring plan")],
        )
        .await;
    assert!(field_error(&html, "with_id").is_some(), "{html}");
    assert!(html.contains(">hiring plan</textarea>"));
    let html = ada
        .refused(
            "/conversations",
            &[("with_id", &bo_id), ("held_on", "soon"), ("notes", "x")],
        )
        .await;
    assert!(field_error(&html, "held_on").is_some(), "{html}");
    let html = ada
        .refused("/conversations", &[("with_id", &bo_id), ("notes", "")])
        .await;
    assert!(field_error(&html, "notes").is_some(), "{html}");
    assert!(!ada.html("/conversations").await.contains("With Bo Buddy"));
    let to = ada
        .done(
            "/conversations",
            &[
                ("with_id", &bo_id),
                ("okr_id", &o),
                ("notes", "hiring plan"),
            ],
        )
        .await;
    assert!(to.starts_with("/conversations/"));
    let html = ada.html(&to).await;
    assert!(html.contains("hiring plan") && html.contains("Delight customers"));
    assert!(bo.html("/conversations").await.contains("With Ada Admin"));
    assert!(bo.html(&to).await.contains("hiring plan"));
    // A third person: the 404 page, and nothing in their list.
    let html = cy.page_with(&to, StatusCode::NOT_FOUND).await;
    assert!(!html.contains("hiring plan"));
    assert!(cy.html("/conversations").await.contains("No conversations"));

    // Feedback: asked of Bo about Ada's objective; bad input first.
    let html = ada
        .refused(
            "/feedback",
            &[("okr_id", &o), ("question", "How is onboarding?")],
        )
        .await;
    assert!(
        field_error(&html, "request-addressee_ids").is_some(),
        "{html}"
    );
    assert!(html.contains(">How is onboarding?</textarea>"));
    let html = ada
        .refused("/feedback", &[("okr_id", ""), ("addressee_ids", &bo_id)])
        .await;
    assert!(field_error(&html, "request-okr_id").is_some(), "{html}");
    ada.done(
        "/feedback",
        &[
            ("okr_id", &o),
            ("addressee_ids", &bo_id),
            ("question", "How is onboarding?"),
        ],
    )
    .await;
    let html = bo.html("/feedback").await;
    assert!(html.contains("How is onboarding?"), "{html}");
    let key = "action=\"/feedback/";
    let at = html.find(key).unwrap() + key.len();
    let request = html[at..].split('/').next().unwrap().to_string();
    let answer = format!("/feedback/{request}/answer");
    let html = bo.refused(&answer, &[("answer", "  ")]).await;
    assert!(
        html.contains(&format!("id=\"answer-{request}-error\"")),
        "{html}"
    );
    bo.done(&answer, &[("answer", "smoother since the fix")])
        .await;
    assert!(ada
        .html("/feedback")
        .await
        .contains("Bo Buddy: smoother since the fix"));
    // Cy was not asked: refused (403: the OKR is public to him, the request not his).
    assert_eq!(
        cy.submit(&answer, &[("answer", "me too")]).await.status(),
        StatusCode::FORBIDDEN
    );

    // Recognition: to someone else, on an OKR.
    let html = ada
        .refused(
            "/recognitions",
            &[("to_id", &bo_id), ("okr_id", &o), ("message", "")],
        )
        .await;
    assert!(
        field_error(&html, "recognition-message").is_some(),
        "{html}"
    );
    ada.done(
        "/recognitions",
        &[("to_id", &bo_id), ("okr_id", &o), ("message", "great fix")],
    )
    .await;
    let r = json_of(&app, &format!("/api/v1/okrs/{o}/recognitions")).await;
    assert!(r.to_string().contains("great fix"), "{r}");
}

// ---------------------------------------------------------------- 7: audit log

#[tokio::test]
async fn audit_log_page_filters_paginates_and_links_the_exports() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &["Signups"]).await;
    let ada = Browser::admin(&app).await;
    let html = ada.html("/admin/audit").await;
    assert!(html.contains("objective.create"), "{html}");
    assert!(html.contains("Ada Admin"));
    assert!(
        html.contains("href=\"/admin/audit\" aria-current=\"page\""),
        "{html}"
    );
    let html = ada.html(&format!("/admin/audit?object_id={o}")).await;
    assert!(html.contains("objective.create"));
    assert!(!html.contains("cycle.create"), "filtered to the objective");
    assert!(
        html.replace("&#38;", "&")
            .contains(&format!("/api/v1/audit?format=csv&limit=500&object_id={o}")),
        "{html}"
    );
    // The export link works with the browser's session.
    let csv = ada
        .get(&format!("/api/v1/audit?format=csv&limit=500&object_id={o}"))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.text().await.unwrap().contains("objective.create"));
    // Bad filters: next to the field, kept, 422.
    for (q, field) in [
        ("since=yesterday", "since"),
        ("since=2026-11-20&until=2026-11-01", "until"),
        ("actor_id=nobody", "actor_id"),
    ] {
        let html = ada
            .page_with(
                &format!("/admin/audit?{q}"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert!(field_error(&html, field).is_some(), "{q}: {html}");
    }
    // Pagination: 50 a page.
    for i in 0..50 {
        app.create(
            "/api/v1/teams",
            serde_json::json!({"name": format!("Team {i}")}),
        )
        .await;
    }
    let html = ada.html("/admin/audit").await;
    let key = "href=\"/admin/audit?cursor=";
    let at = html.find(key).expect("an older page") + key.len();
    let cursor = html[at..].split('"').next().unwrap().replace("&#38;", "&");
    let older = ada.html(&format!("/admin/audit?cursor={cursor}")).await;
    assert!(older.contains("objective.create"), "{older}");
    // Members: a 403 page.
    let (mia, _) = app.member("Mia Member").await;
    let mia = Browser::signed_in(&app, &mia, "mia.member@keel.test").await;
    mia.page_with("/admin/audit", StatusCode::FORBIDDEN).await;
}

// ---------------------------------------------------------------- 10: history

#[tokio::test]
async fn objective_page_lists_who_changed_what_and_when() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &["Signups"]).await;
    let ada = Browser::admin(&app).await;
    let html = ada.html(&format!("/objectives/{o}")).await;
    assert!(html.contains("Ada Admin created the objective"), "{html}");
    assert!(
        html.contains("Ada Admin created key result “Signups”"),
        "{html}"
    );
    assert!(html.contains("Ada Admin changed the objective"), "{html}");
}

// ---------------------------------------------------------------- 4: calibration

#[tokio::test]
async fn calibration_report_is_for_the_roles_allowed_and_needs_a_closed_cycle() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (_, krs) = active_objective(&app, &cycle, None, &["Signups"]).await;
    app.create(
        &format!("/api/v1/key-results/{}/check-ins", krs[0]),
        serde_json::json!({"value": 40, "confidence": 9}),
    )
    .await;
    let ada = Browser::admin(&app).await;
    ada.done(
        &format!("/key-results/{}/score", krs[0]),
        &[("score", "0.4"), ("reason", "half way")],
    )
    .await;
    let page = format!("/reports/calibration?cycle_id={cycle}");
    // Not closed yet: said next to the cycle field.
    let html = ada.page_with(&page, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        field_error(&html, "cycle_id")
            .unwrap()
            .contains("not closed"),
        "{html}"
    );
    let html = ada
        .page_with(
            "/reports/calibration?cycle_id=nope",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(field_error(&html, "cycle_id").is_some());
    ada.done(&format!("/admin/cycles/{cycle}/close"), &[]).await;
    let html = ada.html(&page).await;
    assert!(html.contains("Ada Admin"), "{html}");
    assert!(html.contains("over-confident"), "{html}");
    // An analyst may read it; a member gets the 403 page.
    let (an, _) = app.person_with_roles("Ann Analyst", &["analyst"]).await;
    let ann = Browser::signed_in(&app, &an, "ann.analyst@keel.test").await;
    assert!(ann.html(&page).await.contains("over-confident"));
    let (mia, _) = app.member("Mia Member").await;
    let mia = Browser::signed_in(&app, &mia, "mia.member@keel.test").await;
    mia.page_with(&page, StatusCode::FORBIDDEN).await;
}
