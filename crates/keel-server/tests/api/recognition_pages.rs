//! Recognition from the browser: received and given on the feedback page (and its API), listed
//! only on OKRs the reader may see ("Visibility"), and a check-in recognised from the objective
//! page.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

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

    feedback_page_lists(&ada, &bo, &cy, &public, &private, &private_kr).await;
}

/// The feedback page: who, what OKR (a link), the note and when; only on OKRs the reader sees.
async fn feedback_page_lists(
    ada: &Browser,
    bo: &Browser,
    cy: &Browser,
    public: &str,
    private: &str,
    private_kr: &str,
) {
    let today = chrono::Utc::now().format("%-d %b %Y").to_string();
    let page = bo.page("/feedback").await;
    let list = "ul[aria-labelledby=\"received-h\"] > li";
    let received = page.texts(list);
    let people = page.texts(&format!("{list} > strong"));
    let links = page.attrs(&format!("{list} > a"), "href");
    let titles = page.texts(&format!("{list} > a"));
    let quiet = received
        .iter()
        .position(|r| {
            *r == format!(
                "Ada Admin recognised your work on Term sheet signed: “quiet win” {today}"
            )
        })
        .unwrap_or_else(|| panic!("{received:?}"));
    assert_eq!(people[quiet], "Ada Admin");
    assert_eq!(
        links[quiet],
        format!("/objectives/{private}#kr-{private_kr}")
    );
    assert_eq!(titles[quiet], "Term sheet signed");
    assert_eq!(page.texts(&format!("{list} > .meta"))[quiet], today);
    let great = received
        .iter()
        .position(|r| r.contains("Delight customers: “great fix”"))
        .unwrap_or_else(|| panic!("{received:?}"));
    assert_eq!(links[great], format!("/objectives/{public}"));
    assert_eq!(titles[great], "Delight customers");
    assert!(quiet < great, "newest first");
    assert_eq!(
        page.text("h2#given-h + p.empty"),
        "You have not recognised anyone yet."
    );
    // Cy, outside the private objective: nothing listed, not even what was addressed to Cy.
    let page = cy.page("/feedback").await;
    assert!(!page.mentions("secret thanks"), "{}", page.html());
    assert!(
        !page.mentions("Quietly prepare the acquisition"),
        "{}",
        page.html()
    );
    assert_eq!(page.text("h2#received-h + p.empty"), "No recognition yet.");
    // Ada sees what she gave.
    let page = ada.page("/feedback").await;
    let given_list = "ul[aria-labelledby=\"given-h\"] > li";
    let given = page.texts(given_list);
    assert!(page
        .texts(&format!("{given_list} > strong"))
        .contains(&"Cy Third".to_string()));
    for line in [
        "To Cy Third for their work on",
        "“secret thanks”",
        "“quiet win”",
        "“great fix”",
    ] {
        assert!(given.iter().any(|g| g.contains(line)), "{line}: {given:?}");
    }
}

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
    let recognisable = |shown: &Page| shown.attrs("form input[name=\"check_in_id\"]", "value");
    let shown = ada.page(&page).await;
    assert!(recognisable(&shown).contains(&bos), "{}", shown.html());
    assert!(!recognisable(&shown).contains(&adas));
    assert!(shown
        .body()
        .contains("Nobody has been recognised for work on this objective yet."));
    // Bo sees a form on Ada's check-in, not on his own.
    let shown = bo.page(&page).await;
    assert!(recognisable(&shown).contains(&adas));
    assert!(!recognisable(&shown).contains(&bos));

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
    let shown = Page::parse(&resp.text().await.unwrap());
    assert_eq!(shown.text("h1"), "Delight customers", "{}", shown.html());
    assert!(shown
        .text(&format!("[id=\"recognise-{bos}-error\"]"))
        .contains("must not be empty"));
    assert!(
        shown.body().contains("Your recognition was not sent"),
        "{}",
        shown.html()
    );
    assert!(written().await.as_array().unwrap().is_empty());
    // An unknown check-in: a clear message, nothing written.
    let resp = send(form("no-such-check-in", "thanks")).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let shown = Page::parse(&resp.text().await.unwrap());
    assert!(
        shown
            .body()
            .contains("no check-in has the id 'no-such-check-in'"),
        "{}",
        shown.html()
    );
    assert!(written().await.as_array().unwrap().is_empty());
    // The note is kept when it is the check-in that is wrong … and when the person is.
    let mut to_self = form(&bos, "kept note");
    to_self[0].1 = app.admin_id.clone();
    let resp = send(to_self).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let shown = Page::parse(&resp.text().await.unwrap());
    assert!(
        shown.body().contains("recognise someone else"),
        "{}",
        shown.html()
    );
    assert!(
        shown
            .attrs("input[name=\"message\"]", "value")
            .contains(&"kept note".to_string()),
        "{}",
        shown.html()
    );
    assert!(written().await.as_array().unwrap().is_empty());

    // Recognised: back on the objective page with a confirmation; listed there and on Bo's
    // feedback page; the API holds it, with its check-in.
    let resp = send(form(&bos, "the fix made onboarding smooth")).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = location(&resp);
    assert_eq!(to, format!("{page}?done=recognised#kr-{kr}"));
    let shown = ada.page(&to).await.body();
    assert!(
        shown.contains("Thank you: your recognition was sent."),
        "{shown}"
    );
    assert!(
        shown.contains("Ada Admin recognised Bo Buddy for a check-in of “Weekly active teams”"),
        "{shown}"
    );
    assert!(shown.contains("“the fix made onboarding smooth”"));
    let items = written().await;
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert_eq!(items[0]["check_in_id"], bos.as_str());
    assert_eq!(items[0]["to_id"], bo_id.as_str());
    let shown = bo.page("/feedback").await;
    let received = "ul[aria-labelledby=\"received-h\"] > li";
    assert!(
        shown
            .texts(received)
            .iter()
            .any(|r| r.contains("recognised your work on a check-in of Weekly active teams")),
        "{}",
        shown.html()
    );
    assert!(!shown.attrs(&format!("{received} > a"), "href").is_empty());
    // Bo reads it on the objective page too.
    assert!(bo
        .page(&page)
        .await
        .body()
        .contains("“the fix made onboarding smooth”"));
}
