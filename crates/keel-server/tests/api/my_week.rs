//! My week through a browser's eyes (a cookie jar, no JavaScript): what I own with progress and
//! due check-ins, the all-or-nothing weekly check-in, and ownership requests accepted and declined
//! ("Acceptance"). Bad input shows next to the field, what was typed comes back, nothing is
//! written.

use crate::helpers::*;
use crate::owner_world::*;
use reqwest::{redirect, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn my_week_lists_what_i_own_with_progress_and_due_check_ins() {
    let w = world(spawn_app().await).await;
    let page = w.bea.page("/my-week").await;
    let shown = page.body();
    assert!(shown.contains("Customers love onboarding"));
    assert!(shown.contains("Day-7 activation"));
    assert!(shown.contains("NPS of new users"));
    // Just created: by the rhythm's own rule (a cadence from creation) neither is due yet;
    // status_pages.rs checks a back-dated check-in making one due.
    assert!(!page.has(".pill.due"), "{}", page.html());
    assert!(page.links_to(&format!("/objectives/{}", w.objective)));
    // Someone else's page shows none of it.
    let (cid, _) = w.app.member("Cid Other").await;
    let cid = Browser::signed_in(&w.app, &cid, "cid.other@keel.test").await;
    let other = cid.page("/my-week").await;
    assert!(!other.mentions("Day-7 activation"));
    assert!(other.body().contains("No key results to check in on"));
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
    let c = rows(&w).await;
    a_bad_row_refuses_the_whole_check_in(&w, &c).await;
    someone_elses_key_result_and_an_empty_form_record_nothing(&w, &c).await;
    both_rows_right_are_recorded_in_one_submit(&w, &c).await;
}

/// What the steps of `weekly_check_in` share.
struct Rows {
    id1: String,
    v1: String,
    c1: String,
    n1: String,
    id2: String,
    v2: String,
    c2: String,
    n2: String,
}

/// The names of the weekly form's fields for Bea's two key results (rows 1 and 2).
async fn rows(w: &World) -> Rows {
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
    Rows {
        id1,
        v1,
        c1,
        n1,
        id2,
        v2,
        c2,
        n2,
    }
}

/// Row 1 fine, row 2 not a number: 422, the error next to row 2, everything typed kept, nothing
/// written; the same for a value the service refuses.
async fn a_bad_row_refuses_the_whole_check_in(w: &World, c: &Rows) {
    let Rows {
        id1,
        v1,
        c1,
        n1,
        id2,
        v2,
        c2,
        n2,
    } = c;
    // Row 1 fine, row 2 not a number: 422, the error next to row 2, everything typed kept,
    // nothing written.
    let resp = w
        .bea
        .submit_from(
            "/my-week",
            "/my-week/check-in",
            &[
                (id1, &w.kr1),
                (v1, "20"),
                (c1, "7"),
                (n1, "emails shipped"),
                (id2, &w.kr2),
                (v2, "twelve"),
                (c2, "5"),
                (n2, "survey running"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    let row = |kr: &str| format!("[id=\"row-{kr}\"]");
    let typed =
        |kr: &str, name: &str| page.attr(&format!("{} [name=\"{name}\"]", row(kr)), "value");
    let row2 = page.text(&row(&w.kr2));
    assert!(row2.contains("must be a number"), "{row2}");
    assert_eq!(typed(&w.kr2, v2).as_deref(), Some("twelve"));
    assert_eq!(typed(&w.kr2, n2).as_deref(), Some("survey running"));
    assert_eq!(
        typed(&w.kr1, n1).as_deref(),
        Some("emails shipped"),
        "row 1 kept too"
    );
    assert!(page.body().contains("Nothing was recorded"));
    assert!(check_ins_of(&w.app, &w.kr1).await.is_empty());
    assert!(check_ins_of(&w.app, &w.kr2).await.is_empty());

    // A value the service refuses (confidence off the scale): the same, from the service.
    let resp = w
        .bea
        .submit_from(
            "/my-week",
            "/my-week/check-in",
            &[
                (id1, &w.kr1),
                (v1, "20"),
                (c1, "7"),
                (id2, &w.kr2),
                (v2, "12"),
                (c2, "11"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    let row2 = format!("[id=\"row-{}\"]", w.kr2);
    assert!(page.text(&row2).contains("from 0 to 10"), "{}", page.html());
    assert_eq!(
        page.attr(&format!("{row2} [name=\"{c2}\"]"), "value")
            .as_deref(),
        Some("11")
    );
    assert!(check_ins_of(&w.app, &w.kr1).await.is_empty());
}

/// A key result that is not mine, slipped into the form, is refused; an empty form records
/// nothing, and says so.
async fn someone_elses_key_result_and_an_empty_form_record_nothing(w: &World, c: &Rows) {
    let Rows {
        id1, v1, c1, id2, ..
    } = c;
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
        .submit_from(
            "/my-week",
            "/my-week/check-in",
            &[
                (id1, &w.kr1),
                (v1, "20"),
                (c1, "7"),
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
        .submit_from(
            "/my-week",
            "/my-week/check-in",
            &[(id1, &w.kr1), (id2, &w.kr2)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(Page::parse(&resp.text().await.unwrap())
        .body()
        .contains("Nothing to record"));
}

/// Both right: one submit, both recorded, back to My week with a thank-you.
async fn both_rows_right_are_recorded_in_one_submit(w: &World, c: &Rows) {
    let Rows {
        id1,
        v1,
        c1,
        n1,
        id2,
        v2,
        c2,
        ..
    } = c;
    // Both right: one submit, both recorded, back to My week with a thank-you.
    let resp = w
        .bea
        .submit_from(
            "/my-week",
            "/my-week/check-in",
            &[
                (id1, &w.kr1),
                (v1, "20"),
                (c1, "7"),
                (n1, "emails shipped"),
                (id2, &w.kr2),
                (v2, "12.5"),
                (c2, "4"),
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
    let page = w.bea.page("/my-week?done=check-in").await;
    let shown = page.body();
    assert!(shown.contains("Check-in recorded"));
    assert!(!page.mentions("2 due"), "no longer due");
    // 20 of 50 is 40 %; 12.5 of 40 is 31 %.
    assert!(shown.contains("40%"));
    assert!(shown.contains("31%"));
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
    let requests = w.bea.page("/my-week").await.text("section#requests");
    assert!(requests.contains("Ada Admin"), "{requests}");
    assert!(requests.contains("Cut churn"));
    assert!(requests.contains("Churn below 3%"));
    assert!(requests.contains("You run the onboarding funnel"));
    assert!(requests.contains("legitimacy, proximity to the outcome — closest to the data"));

    // Declining without a reason: 422, the error next to that request's reason, still pending.
    let resp = w
        .bea
        .submit_from(
            "/my-week",
            &format!("/objectives/{oid}/ownership/decline"),
            &[("reason", "   ")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    let item = format!("[id=\"request-{oid}\"]");
    assert!(page.has(&format!("{item} .field-error")), "{}", page.html());
    assert!(page.has(&format!("{item} [aria-invalid=\"true\"]")));
    assert_eq!(
        objective_json(&w.app, &oid).await["ownership_state"],
        "pending"
    );

    // Accept the objective, decline the key result with a reason.
    let resp = w
        .bea
        .submit_from(
            "/my-week",
            &format!("/objectives/{oid}/ownership/accept"),
            &[],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/my-week?done=accepted");
    let resp = w
        .bea
        .submit_from(
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
    assert!(w
        .bea
        .page("/my-week")
        .await
        .body()
        .contains("None: nobody is waiting for your answer"));

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
        .submit_from(
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
