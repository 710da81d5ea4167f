//! The last capabilities of the ownership, access and rhythm issues made usable from the
//! browser (issue 6): a team's own check-in cadence on the team page, recognition received and
//! given on the feedback page (and its API), recognising a check-in from the objective page,
//! and forms that check permission before they read what was typed. Each is driven like a
//! browser would (GET the page, POST the form with the CSRF token) and checked against what the
//! page then shows and what the API then holds.

use crate::helpers::*;
use crate::ui_rhythm::{field_error, json_of, Browser};
use reqwest::StatusCode;
use serde_json::json;

// ---------------------------------------------------------------- 1: a team's own cadence

#[tokio::test]
async fn a_teams_lead_sets_and_clears_its_cadence_from_the_team_page() {
    team_cadence(spawn_app().await).await;
}

#[tokio::test]
async fn a_teams_lead_sets_and_clears_its_cadence_from_the_team_page_on_postgres() {
    if postgres_configured() {
        team_cadence(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn team_cadence(app: TestApp) {
    let (leo, _) = app.member("Leo Lead").await;
    let (max, _) = app.member("Max Member").await;
    let team = app
        .create(
            "/api/v1/teams",
            json!({"name": "Growth", "lead_id": leo, "member_ids": [leo, max]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let leo = Browser::signed_in(&app, &leo, "leo.lead@keel.test").await;
    let max = Browser::signed_in(&app, &max, "max.member@keel.test").await;
    let page = format!("/teams/{team}");
    let form = format!("/teams/{team}/cadence");
    let api = format!("/api/v1/teams/{team}/cadence");
    let org = json_of(&app, "/api/v1/settings").await["rhythm"]["cadence_days"]
        .as_u64()
        .unwrap();

    // The lead sees the effective cadence, that it is the organisation's, and the form.
    let html = leo.html(&page).await;
    assert!(
        html.contains(&format!(
            "Every <strong>{org} days</strong>: the organisation's"
        )),
        "{html}"
    );
    assert!(html.contains(&format!("action=\"{form}\"")), "{html}");
    // A member sees the cadence but not the form.
    let html = max.html(&page).await;
    assert!(html.contains("the organisation's"), "{html}");
    assert!(!html.contains(&format!("action=\"{form}\"")), "{html}");

    // Bad input: the message next to the field, the value kept, nothing written.
    for (bad, message) in [
        ("0", "from 1 to 90"),
        ("-3", "from 1 to 90"),
        ("91", "from 1 to 90"),
        ("99999999999", "from 1 to 90"),
        ("two weeks", "whole number of days, like 14"),
        ("7.5", "whole number of days, like 14"),
        ("", "enter the number of days"),
    ] {
        let html = leo.refused(&form, &[("cadence_days", bad)]).await;
        let error = field_error(&html, "cadence_days").unwrap_or_else(|| panic!("{bad}: {html}"));
        assert!(error.contains(message), "{bad}: {error}");
        assert!(
            html.contains(&format!(
                "name=\"cadence_days\" type=\"number\" value=\"{bad}\""
            )),
            "{bad} kept: {html}"
        );
        assert!(json_of(&app, &api).await["own_cadence_days"].is_null());
    }

    // A member may not set it: 403 whatever was typed (a bad value included), nothing written.
    for value in ["0", "abc", "14"] {
        let resp = max.submit(&form, &[("cadence_days", value)]).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{value}");
    }
    let resp = max.submit(&form, &[("follow", "organisation")]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(json_of(&app, &api).await["own_cadence_days"].is_null());
    // An unknown team: the 404 page.
    let resp = leo
        .submit("/teams/nope/cadence", &[("cadence_days", "14")])
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // Set: back on the team page with a confirmation; the API holds it.
    let to = leo.done(&form, &[("cadence_days", " 14 ")]).await;
    assert_eq!(to, format!("{page}?done=cadence#cadence"));
    let html = leo.html(&to).await;
    assert!(html.contains("Check-in cadence saved."), "{html}");
    assert!(
        html.contains(&format!(
            "Every <strong>14 days</strong>: the team's own (the organisation's is {org})"
        )),
        "{html}"
    );
    assert!(html.contains("name=\"cadence_days\" type=\"number\" value=\"14\""));
    let c = json_of(&app, &api).await;
    assert_eq!(c["own_cadence_days"], 14);
    assert_eq!(c["cadence_days"], 14);
    assert!(max.html(&page).await.contains("the team's own"));

    // Follow the organisation: cleared.
    leo.done(&form, &[("cadence_days", "14"), ("follow", "organisation")])
        .await;
    let c = json_of(&app, &api).await;
    assert!(c["own_cadence_days"].is_null(), "{c}");
    assert_eq!(c["cadence_days"], org);
    assert!(leo.html(&page).await.contains(&format!(
        "Every <strong>{org} days</strong>: the organisation's"
    )));
}

// ---------------------------------------------------------------- 2: recognition received and given

#[tokio::test]
async fn recognition_received_and_given_is_listed_only_on_okrs_the_reader_may_see() {
    recognition_lists(spawn_app().await).await;
}

#[tokio::test]
async fn recognition_received_and_given_is_listed_only_on_okrs_the_reader_may_see_on_postgres() {
    if postgres_configured() {
        recognition_lists(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn recognition_lists(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (bo_id, bo_token) = app.member("Bo Buddy").await;
    let (cy_id, cy_token) = app.member("Cy Third").await;
    let public = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Delight customers", "cycle_id": cycle}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Private: its owner (the administrator) and Bo, a contributor, see it; Cy does not.
    let private = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Quietly prepare the acquisition", "cycle_id": cycle,
                   "visibility": "private", "contributor_ids": [bo_id]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let private_kr = app
        .create(
            &format!("/api/v1/objectives/{private}/key-results"),
            json!({"title": "Term sheet signed", "kind": "boolean"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ada = Browser::admin(&app).await;
    let bo = Browser::signed_in(&app, &bo_id, "bo.buddy@keel.test").await;
    let cy = Browser::signed_in(&app, &cy_id, "cy.third@keel.test").await;
    for (to, okr, message) in [
        (&bo_id, &public, "great fix"),
        (&bo_id, &private_kr, "quiet win"),
        (&cy_id, &private, "secret thanks"),
    ] {
        ada.done(
            "/recognitions",
            &[("to_id", to), ("okr_id", okr), ("message", message)],
        )
        .await;
    }
    let messages = |token: &str, path: String| {
        let req = app.req_as(token, reqwest::Method::GET, &path);
        async move {
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
            let body: serde_json::Value = resp.json().await.unwrap();
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["message"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };

    // The API: received, newest first; given with `given=true`; only on OKRs the reader sees.
    assert_eq!(
        messages(&bo_token, "/api/v1/people/me/recognitions".into()).await,
        ["quiet win", "great fix"]
    );
    assert_eq!(
        messages(&cy_token, format!("/api/v1/people/{bo_id}/recognitions")).await,
        ["great fix"],
        "Cy is outside the private objective"
    );
    assert!(
        messages(&cy_token, "/api/v1/people/me/recognitions".into())
            .await
            .is_empty(),
        "not even recognition addressed to Cy, on an OKR Cy may not see"
    );
    let admin = app.admin_id.clone();
    assert_eq!(
        messages(
            &app.token,
            format!("/api/v1/people/{admin}/recognitions?given=true")
        )
        .await,
        ["secret thanks", "quiet win", "great fix"]
    );
    assert_eq!(
        messages(
            &cy_token,
            format!("/api/v1/people/{admin}/recognitions?given=true")
        )
        .await,
        ["great fix"]
    );
    assert!(
        messages(&app.token, format!("/api/v1/people/{admin}/recognitions"))
            .await
            .is_empty(),
        "received: Ada received none"
    );
    assert_problem(
        app.get(&format!("/api/v1/people/{bo_id}/recognitions?given=maybe"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("given"),
    )
    .await;
    assert_problem(
        app.get("/api/v1/people/nobody/recognitions").await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;

    // The feedback page: who, what OKR (a link), the note and when.
    let today = chrono::Utc::now().format("%-d %b %Y").to_string();
    let html = bo.html("/feedback").await;
    let received = section(&html, "received-h");
    assert!(
        received.contains(&format!(
            "<strong>Ada Admin</strong> recognised your work on <a href=\"/objectives/{private}#kr-{private_kr}\">Term sheet signed</a>: “quiet win” <span class=\"meta\">{today}</span>"
        )),
        "{received}"
    );
    assert!(received.contains(&format!(
        "<a href=\"/objectives/{public}\">Delight customers</a>: “great fix”"
    )));
    assert!(
        received.find("quiet win").unwrap() < received.find("great fix").unwrap(),
        "newest first"
    );
    assert!(section(&html, "given-h").contains("You have not recognised anyone yet."));
    // Cy, outside the private objective: nothing listed, not even what was addressed to Cy.
    let html = cy.html("/feedback").await;
    assert!(!html.contains("secret thanks"), "{html}");
    assert!(!html.contains("Quietly prepare the acquisition"), "{html}");
    assert!(section(&html, "received-h").contains("No recognition yet."));
    // Ada sees what she gave.
    let html = ada.html("/feedback").await;
    let given = section(&html, "given-h");
    for line in [
        "To <strong>Cy Third</strong> for their work on",
        "“secret thanks”",
        "“quiet win”",
        "“great fix”",
    ] {
        assert!(given.contains(line), "{line}: {given}");
    }
}

/// The part of a page from the heading with `id` to the next `<h2`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[at..];
    let end = rest[1..].find("<h2").map_or(rest.len(), |e| e + 1);
    &rest[..end]
}

// ---------------------------------------------------------------- 3: recognise a check-in

#[tokio::test]
async fn a_check_in_is_recognised_from_the_objective_page() {
    recognise_check_in(spawn_app().await).await;
}

#[tokio::test]
async fn a_check_in_is_recognised_from_the_objective_page_on_postgres() {
    if postgres_configured() {
        recognise_check_in(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn recognise_check_in(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (bo_id, bo_token) = app.member("Bo Buddy").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Delight customers", "cycle_id": cycle}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let kr = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Weekly active teams", "kind": "increase", "start": 0, "target": 100,
                   "contributor_ids": [bo_id]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let check_in = |token: String, value: i64, note: &'static str| {
        let req = app
            .req_as(
                &token,
                reqwest::Method::POST,
                &format!("/api/v1/key-results/{kr}/check-ins"),
            )
            .json(&json!({"value": value, "confidence": 7, "note": note}));
        async move {
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::CREATED);
            resp.json::<serde_json::Value>().await.unwrap()["check_in"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let bos = check_in(bo_token.clone(), 40, "shipped the onboarding fix").await;
    let adas = check_in(app.token.clone(), 45, "my own").await;
    let ada = Browser::admin(&app).await;
    let bo = Browser::signed_in(&app, &bo_id, "bo.buddy@keel.test").await;
    let page = format!("/objectives/{o}");
    let recognitions = format!("/api/v1/okrs/{kr}/recognitions");
    let written = || async { json_of(&app, &recognitions).await["items"].clone() };

    // A "Recognise" form on Bo's check-in, none on Ada's own.
    let html = ada.html(&page).await;
    assert!(
        html.contains(&format!("name=\"check_in_id\" value=\"{bos}\"")),
        "{html}"
    );
    assert!(!html.contains(&format!("name=\"check_in_id\" value=\"{adas}\"")));
    assert!(html.contains("Nobody has been recognised for work on this objective yet."));
    // Bo sees a form on Ada's check-in, not on his own.
    let html = bo.html(&page).await;
    assert!(html.contains(&format!("name=\"check_in_id\" value=\"{adas}\"")));
    assert!(!html.contains(&format!("name=\"check_in_id\" value=\"{bos}\"")));

    let form = |check_in: &str, message: &str| {
        vec![
            ("to_id", bo_id.clone()),
            ("okr_id", kr.clone()),
            ("check_in_id", check_in.to_string()),
            ("message", message.to_string()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let ada = &ada;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            ada.submit("/recognitions", &pairs).await
        }
    };

    // An empty note: the objective page again, the message next to the note, nothing written.
    let resp = send(form(&bos, "  ")).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("<h1>Delight customers</h1>"), "{html}");
    let key = format!("id=\"recognise-{bos}-error\">");
    let at = html.find(&key).unwrap_or_else(|| panic!("{html}")) + key.len();
    assert!(
        html[at..]
            .split('<')
            .next()
            .unwrap()
            .contains("must not be empty"),
        "{html}"
    );
    assert!(html.contains("Your recognition was not sent"), "{html}");
    assert!(written().await.as_array().unwrap().is_empty());
    // An unknown check-in: a clear message, nothing written.
    let resp = send(form("no-such-check-in", "thanks")).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("no check-in has the id &#39;no-such-check-in&#39;"),
        "{html}"
    );
    assert!(written().await.as_array().unwrap().is_empty());
    // The note is kept when it is the check-in that is wrong … and when the person is.
    let mut to_self = form(&bos, "kept note");
    to_self[0].1 = app.admin_id.clone();
    let resp = send(to_self).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("recognise someone else"), "{html}");
    assert!(html.contains("value=\"kept note\""), "{html}");
    assert!(written().await.as_array().unwrap().is_empty());

    // Recognised: back on the objective page with a confirmation; listed there and on Bo's
    // feedback page; the API holds it, with its check-in.
    let resp = send(form(&bos, "the fix made onboarding smooth")).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = crate::ui_rhythm::location(&resp);
    assert_eq!(to, format!("{page}?done=recognised#kr-{kr}"));
    let html = ada.html(&to).await;
    assert!(
        html.contains("Thank you: your recognition was sent."),
        "{html}"
    );
    assert!(
        html.contains("Ada Admin recognised Bo Buddy for a check-in of “Weekly active teams”"),
        "{html}"
    );
    assert!(html.contains("“the fix made onboarding smooth”"));
    let items = written().await;
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert_eq!(items[0]["check_in_id"], bos.as_str());
    assert_eq!(items[0]["to_id"], bo_id.as_str());
    let html = bo.html("/feedback").await;
    assert!(
        html.contains("recognised your work on a check-in of <a href="),
        "{html}"
    );
    // Bo reads it on the objective page too.
    assert!(bo
        .html(&page)
        .await
        .contains("“the fix made onboarding smooth”"));
}

// ---------------------------------------------------------------- 4: permission before validation

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

async fn permission_first(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) =
        crate::rhythm::active_objective(&app, &cycle, None, &["Weekly active teams"]).await;
    let kr = &krs[0];
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

    // Each form with input it would refuse (422) from someone allowed: 403 (404 for an OKR the
    // sender may not see), whatever was typed.
    let cases: Vec<Case> = vec![
        // The close-out page's forms.
        (
            &mia,
            format!("/key-results/{kr}/score"),
            vec![("score", "lots"), ("reason", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            &mia,
            format!("/key-results/{kr}/score"),
            vec![("score", "1.5")],
            StatusCode::FORBIDDEN,
        ),
        (
            &mia,
            format!("/objectives/{o}/retrospective"),
            vec![("worked", &long)],
            StatusCode::FORBIDDEN,
        ),
        // The objective page's status override and hand-over forms.
        (
            &mia,
            format!("/objectives/{o}/status"),
            vec![("status", "sideways"), ("reason", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            &mia,
            format!("/objectives/{private}/status"),
            vec![("status", "sideways")],
            StatusCode::NOT_FOUND,
        ),
        (
            &mia,
            format!("/objectives/{o}/ownership"),
            vec![("owner_id", ""), ("note", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            &mia,
            format!("/key-results/{kr}/ownership"),
            vec![("owner_id", "")],
            StatusCode::FORBIDDEN,
        ),
        // The OKR forms: creating, editing, adding a key result.
        (
            &val,
            "/objectives/new".to_string(),
            vec![("title", ""), ("kind", "sideways")],
            StatusCode::FORBIDDEN,
        ),
        (
            &mia,
            format!("/objectives/{o}/edit"),
            vec![("title", ""), ("kind", "sideways"), ("cycle_id", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            &mia,
            format!("/objectives/{private}/edit"),
            vec![("kind", "sideways")],
            StatusCode::NOT_FOUND,
        ),
        (
            &mia,
            format!("/objectives/{o}/key-results/new"),
            vec![
                ("title", ""),
                ("metric_kind", "sideways"),
                ("target", "lots"),
            ],
            StatusCode::FORBIDDEN,
        ),
        (
            &mia,
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
            &mia,
            format!("/key-results/{kr}/initiatives"),
            vec![("title", ""), ("link", "not a link")],
            StatusCode::FORBIDDEN,
        ),
        (
            &mia,
            format!("/initiatives/{initiative}/drop"),
            vec![("version", "first"), ("reason", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            &mia,
            format!("/initiatives/{initiative}/done"),
            vec![("version", "first")],
            StatusCode::FORBIDDEN,
        ),
        // Starting a team's review: its lead, champions and administrators only.
        (
            &mia,
            format!("/teams/{team}/reviews"),
            vec![("held_on", "someday"), ("cycle_id", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            &mia,
            "/teams/no-such-team/reviews".to_string(),
            vec![("held_on", "someday")],
            StatusCode::NOT_FOUND,
        ),
        // The CFR forms: viewers neither ask for feedback nor recognise.
        (
            &val,
            "/feedback".to_string(),
            vec![("okr_id", ""), ("question", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            &val,
            "/recognitions".to_string(),
            vec![("to_id", ""), ("okr_id", &o), ("message", "")],
            StatusCode::FORBIDDEN,
        ),
        (
            &val,
            "/recognitions".to_string(),
            vec![
                ("to_id", &ada),
                ("okr_id", kr),
                ("check_in_id", "no-such-check-in"),
                ("message", ""),
            ],
            StatusCode::FORBIDDEN,
        ),
    ];
    for (who, path, form, status) in &cases {
        let resp = who.submit(path, form).await;
        let got = resp.status();
        let html = resp.text().await.unwrap();
        assert_eq!(got, *status, "POST {path} {form:?}: {html}");
        assert!(!html.contains("field-error"), "no validation shown: {html}");
    }

    // Nothing was written.
    let k = json_of(&app, &format!("/api/v1/key-results/{kr}")).await;
    assert!(k["score"].is_null(), "{k}");
    assert_eq!(k["owner_id"], ada.as_str());
    let resp = app
        .get(&format!("/api/v1/objectives/{o}/retrospective"))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let obj = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    assert!(obj["status_override"].is_null(), "{obj}");
    assert_eq!(obj["owner_id"], ada.as_str());
    assert_eq!(obj["ownership_state"], "accepted");
    assert_eq!(obj["title"], "Delight customers");
    assert_eq!(obj["state"], "active");
    let objectives = json_of(&app, "/api/v1/objectives").await;
    assert_eq!(
        objectives["items"].as_array().unwrap().len(),
        2,
        "{objectives}"
    );
    let k = json_of(&app, &format!("/api/v1/key-results/{kr}")).await;
    assert_eq!(k["title"], "Weekly active teams");
    assert_eq!(k["target"], 100.0);
    assert_eq!(obj["key_results"].as_array().unwrap().len(), 1, "{obj}");
    let initiatives = json_of(&app, &format!("/api/v1/key-results/{kr}/initiatives")).await;
    let initiatives = initiatives["items"].as_array().unwrap();
    assert_eq!(initiatives.len(), 1, "{initiatives:?}");
    assert_eq!(initiatives[0]["state"], "proposed");
    let reviews = json_of(&app, &format!("/api/v1/teams/{team}/reviews")).await;
    assert!(reviews["items"].as_array().unwrap().is_empty(), "{reviews}");
    let requests = json_of(&app, "/api/v1/feedback-requests").await;
    assert!(requests["items"].as_array().unwrap().is_empty());
    for okr in [&o, kr] {
        let r = json_of(&app, &format!("/api/v1/okrs/{okr}/recognitions")).await;
        assert!(r["items"].as_array().unwrap().is_empty(), "{r}");
    }

    // The same bad input from those allowed is a 422 with the message next to the field (so the
    // 403s above are about permission, not about the input).
    let admin = Browser::admin(&app).await;
    let html = admin
        .refused(&format!("/key-results/{kr}/score"), &[("score", "lots")])
        .await;
    assert!(html.contains(&format!("id=\"score-{kr}-error\"")), "{html}");
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
    assert!(html.contains("choose the new owner"), "{html}");
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
    assert!(html.contains("must be a date"), "{html}");
    let (bo, _) = app.member("Bo Buddy").await;
    let bo = Browser::signed_in(&app, &bo, "bo.buddy@keel.test").await;
    let html = bo.refused("/feedback", &[("okr_id", "")]).await;
    assert!(field_error(&html, "request-okr_id").is_some(), "{html}");
    let html = bo
        .refused(
            "/recognitions",
            &[
                ("to_id", &ada),
                ("okr_id", kr),
                ("check_in_id", &check_in),
                ("message", ""),
            ],
        )
        .await;
    assert!(
        html.contains(&format!("id=\"recognise-{check_in}-error\"")),
        "{html}"
    );
}
