//! Forms check permission before they read what was typed: starting a review, creating and editing
//! objectives and key results, changing initiatives. Someone who may not act gets the refusal,
//! never a validation message about their input.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn forms_refuse_the_unauthorised_before_they_read_what_was_typed() {
    permission_first(spawn_app().await).await;
}

#[tokio::test]
async fn forms_refuse_the_unauthorised_before_they_read_what_was_typed_on_postgres() {
    if postgres_configured() {
        permission_first(spawn_app_on(Db::Postgres).await).await;
    }
}

/// Who sends which form, with what, and the answer expected.
type Case<'a> = (&'a Browser, String, Vec<(&'a str, &'a str)>, StatusCode);

/// An objective with a key result (checked in, with an initiative), a private objective, a team,
/// and two people who may not act on them: Mia, a member, and Val, a viewer.
struct Setup {
    app: TestApp,
    o: String,
    kr: String,
    private: String,
    check_in: String,
    team: String,
    initiative: String,
    mia: Browser,
    val: Browser,
    ada: String,
    long: String,
}

async fn permission_first(app: TestApp) {
    let s = setup(app).await;
    for (who, path, form, status) in &cases(&s) {
        let resp = who.submit(path, form).await;
        let got = resp.status();
        let html = resp.text().await.unwrap();
        assert_eq!(got, *status, "POST {path} {form:?}: {html}");
        assert!(
            !Page::parse(&html).has(".field-error"),
            "no validation shown: {html}"
        );
    }

    nothing_was_written(&s).await;
    the_same_input_from_those_allowed_is_refused_next_to_the_field(&s).await;
}

async fn setup(app: TestApp) -> Setup {
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) =
        crate::rhythm::active_objective(&app, &cycle, None, &["Weekly active teams"]).await;
    let kr = krs[0].clone();
    let private = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Quietly prepare the acquisition", "cycle_id": cycle, "visibility": "private"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let check_in = app
        .create(
            &format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": 10, "confidence": 6}),
        )
        .await["check_in"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let team = app.team("Reviewed team").await;
    let initiative = app
        .create(
            &format!("/api/v1/key-results/{kr}/initiatives"),
            json!({"title": "Onboarding email sequence"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Mia: a member who neither owns nor champions anything here. Val: a viewer.
    let (mia, _) = app.member("Mia Member").await;
    let (val, _) = app.person_with_roles("Val Viewer", &["viewer"]).await;
    let mia = Browser::signed_in(&app, &mia, "mia.member@keel.test").await;
    let val = Browser::signed_in(&app, &val, "val.viewer@keel.test").await;
    let ada = app.admin_id.clone();
    let long = "w".repeat(10_001);
    Setup {
        app,
        o,
        kr,
        private,
        check_in,
        team,
        initiative,
        mia,
        val,
        ada,
        long,
    }
}

/// The close-out form's name of a key result's field, `score.{id}` (kept for the test's life).
fn field(name: &str, kr: &str) -> &'static str {
    Box::leak(format!("{name}.{kr}").into_boxed_str())
}

/// Each form with input it would refuse (422) from someone allowed: 403 (404 for an OKR the
/// sender may not see), whatever was typed.
fn cases(s: &Setup) -> Vec<Case<'_>> {
    let Setup {
        o,
        kr,
        private,
        team,
        initiative,
        mia,
        val,
        ada,
        long,
        ..
    } = s;
    vec![
        // The close-out page's forms.
        (
            mia,
            format!("/objectives/{o}/close-out"),
            vec![(field("score", kr), "lots"), (field("reason", kr), "")],
            StatusCode::FORBIDDEN,
        ),
        (
            mia,
            format!("/objectives/{o}/close-out"),
            vec![(field("score", kr), "1.5")],
            StatusCode::FORBIDDEN,
        ),
        (
            mia,
            format!("/objectives/{o}/close-out"),
            vec![("worked", long)],
            StatusCode::FORBIDDEN,
        ),
        // The objective page's status override and hand-over forms.
        (
            mia,
            format!("/objectives/{o}/status"),
            vec![("status", "sideways"), ("reason", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            mia,
            format!("/objectives/{private}/status"),
            vec![("status", "sideways")],
            StatusCode::NOT_FOUND,
        ),
        (
            mia,
            format!("/objectives/{o}/ownership"),
            vec![("owner_id", ""), ("note", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            mia,
            format!("/key-results/{kr}/ownership"),
            vec![("owner_id", "")],
            StatusCode::FORBIDDEN,
        ),
        // The OKR forms: creating, editing, adding a key result.
        (
            val,
            "/objectives/new".to_string(),
            vec![("title", ""), ("kind", "sideways")],
            StatusCode::FORBIDDEN,
        ),
        (
            mia,
            format!("/objectives/{o}/edit"),
            vec![("title", ""), ("kind", "sideways"), ("cycle_id", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            mia,
            format!("/objectives/{private}/edit"),
            vec![("kind", "sideways")],
            StatusCode::NOT_FOUND,
        ),
        (
            mia,
            format!("/objectives/{o}/key-results/new"),
            vec![
                ("title", ""),
                ("metric_kind", "sideways"),
                ("target", "lots"),
            ],
            StatusCode::FORBIDDEN,
        ),
        (
            mia,
            format!("/key-results/{kr}/edit"),
            vec![
                ("title", ""),
                ("metric_kind", "sideways"),
                ("target", "lots"),
            ],
            StatusCode::FORBIDDEN,
        ),
        // Initiatives: proposing, and marking done or dropping (a malformed version too).
        (
            mia,
            format!("/key-results/{kr}/initiatives"),
            vec![("title", ""), ("link", "not a link")],
            StatusCode::FORBIDDEN,
        ),
        (
            mia,
            format!("/initiatives/{initiative}/drop"),
            vec![("version", "first"), ("reason", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            mia,
            format!("/initiatives/{initiative}/done"),
            vec![("version", "first")],
            StatusCode::FORBIDDEN,
        ),
        // Starting a team's review: its lead, champions and administrators only.
        (
            mia,
            format!("/teams/{team}/reviews"),
            vec![("held_on", "someday"), ("cycle_id", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            mia,
            "/teams/no-such-team/reviews".to_string(),
            vec![("held_on", "someday")],
            StatusCode::NOT_FOUND,
        ),
        // The CFR forms: viewers neither ask for feedback nor recognise.
        (
            val,
            "/feedback".to_string(),
            vec![("okr_id", ""), ("question", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            val,
            "/recognitions".to_string(),
            vec![("to_id", ""), ("okr_id", o), ("message", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            val,
            "/recognitions".to_string(),
            vec![
                ("to_id", ada),
                ("okr_id", kr),
                ("check_in_id", "no-such-check-in"),
                ("message", ""),
            ],
            StatusCode::FORBIDDEN,
        ),
    ]
}

/// Nothing the refused forms carried was written.
async fn nothing_was_written(s: &Setup) {
    let Setup {
        app,
        o,
        kr,
        team,
        ada,
        ..
    } = s;
    let k = json_of(app, &format!("/api/v1/key-results/{kr}")).await;
    assert!(k["score"].is_null(), "{k}");
    assert_eq!(k["owner_id"], ada.as_str());
    let resp = app
        .get(&format!("/api/v1/objectives/{o}/retrospective"))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let obj = json_of(app, &format!("/api/v1/objectives/{o}")).await;
    assert!(obj["status_override"].is_null(), "{obj}");
    assert_eq!(obj["owner_id"], ada.as_str());
    assert_eq!(obj["ownership_state"], "accepted");
    assert_eq!(obj["title"], "Delight customers");
    assert_eq!(obj["state"], "active");
    let objectives = json_of(app, "/api/v1/objectives").await;
    assert_eq!(
        objectives["items"].as_array().unwrap().len(),
        2,
        "{objectives}"
    );
    let k = json_of(app, &format!("/api/v1/key-results/{kr}")).await;
    assert_eq!(k["title"], "Weekly active teams");
    assert_eq!(k["target"], 100.0);
    assert_eq!(obj["key_results"].as_array().unwrap().len(), 1, "{obj}");
    let initiatives = json_of(app, &format!("/api/v1/key-results/{kr}/initiatives")).await;
    let initiatives = initiatives["items"].as_array().unwrap();
    assert_eq!(initiatives.len(), 1, "{initiatives:?}");
    assert_eq!(initiatives[0]["state"], "proposed");
    let reviews = json_of(app, &format!("/api/v1/teams/{team}/reviews")).await;
    assert!(reviews["items"].as_array().unwrap().is_empty(), "{reviews}");
    let requests = json_of(app, "/api/v1/feedback-requests").await;
    assert!(requests["items"].as_array().unwrap().is_empty());
    for okr in [o, kr] {
        let r = json_of(app, &format!("/api/v1/okrs/{okr}/recognitions")).await;
        assert!(r["items"].as_array().unwrap().is_empty(), "{r}");
    }
}

/// The same bad input from those allowed is a 422 with the message next to the field (so the
/// 403s above are about permission, not about the input).
async fn the_same_input_from_those_allowed_is_refused_next_to_the_field(s: &Setup) {
    let Setup {
        app,
        o,
        kr,
        team,
        check_in,
        ada,
        ..
    } = s;
    let admin = Browser::admin(app).await;
    let html = admin
        .refused(
            &format!("/objectives/{o}/close-out"),
            &[(&format!("score.{kr}"), "lots")],
        )
        .await;
    assert!(
        Page::parse(&html).has(&format!("[id=\"score-{kr}-error\"]")),
        "{html}"
    );
    let html = admin
        .refused(
            &format!("/objectives/{o}/status"),
            &[("status", "sideways")],
        )
        .await;
    assert!(field_error(&html, "status").is_some(), "{html}");
    let html = admin
        .refused(&format!("/objectives/{o}/ownership"), &[("owner_id", "")])
        .await;
    assert!(
        Page::parse(&html).body().contains("choose the new owner"),
        "{html}"
    );
    let html = admin
        .refused(&format!("/objectives/{o}/edit"), &[("kind", "sideways")])
        .await;
    assert!(field_error(&html, "kind").is_some(), "{html}");
    let html = admin
        .refused(
            &format!("/objectives/{o}/key-results/new"),
            &[
                ("title", "More"),
                ("metric_kind", "increase"),
                ("target", "lots"),
            ],
        )
        .await;
    assert!(field_error(&html, "target").is_some(), "{html}");
    let html = admin
        .refused(
            &format!("/key-results/{kr}/edit"),
            &[
                ("title", "Weekly active teams"),
                ("metric_kind", "increase"),
                ("target", "lots"),
            ],
        )
        .await;
    assert!(field_error(&html, "target").is_some(), "{html}");
    let html = admin
        .refused(&format!("/teams/{team}/reviews"), &[("held_on", "someday")])
        .await;
    assert!(
        Page::parse(&html).body().contains("must be a date"),
        "{html}"
    );
    let (bo, _) = app.member("Bo Buddy").await;
    let bo = Browser::signed_in(app, &bo, "bo.buddy@keel.test").await;
    let html = bo.refused("/feedback", &[("okr_id", "")]).await;
    assert!(field_error(&html, "request-okr_id").is_some(), "{html}");
    let html = bo
        .refused(
            "/recognitions",
            &[
                ("to_id", ada),
                ("okr_id", kr),
                ("check_in_id", check_in),
                ("message", ""),
            ],
        )
        .await;
    assert!(
        Page::parse(&html).has(&format!("[id=\"recognise-{check_in}-error\"]")),
        "{html}"
    );
}
