//! Issue 13, item 2: a proposed owner who has not accepted yet may read the OKR and accept or
//! decline, nothing more (the doctrine's "Acceptance"). Whoever owned it before keeps acting as
//! owner until the new owner accepts (a handover); once accepted, the new owner acts.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> StatusCode {
    let resp = app
        .req_as(token, method, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.as_u16() < 500, "{path}: {status} {text}");
    status
}

/// Alice owns a private objective with a key result; she proposes Bob as the objective's owner
/// and Dan as the key result's. Neither has answered.
struct Handover {
    app: TestApp,
    alice: String,
    bob: (String, String),
    carol: (String, String),
    dan: (String, String),
    o: String,
    kr: String,
    /// A public objective Alice hands over to Bob.
    public: String,
}

async fn handover(app: TestApp) -> Handover {
    let cycle = app.cycle("2026 Q4").await;
    let (_, alice) = app.member("Alice Owner").await;
    let bob = app.member("Bob Proposed").await;
    let carol = app.member("Carol Outsider").await;
    let dan = app.member("Dan Proposed").await;
    let o = app
        .req_as(&alice, Method::POST, "/api/v1/objectives")
        .json(&json!({"title": "Quietly prepare the acquisition", "cycle_id": cycle, "visibility": "private"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let kr = app
        .req_as(
            &alice,
            Method::POST,
            &format!("/api/v1/objectives/{o}/key-results"),
        )
        .json(&json!({"title": "Sign the letter of intent", "kind": "increase", "target": 10}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let public = app
        .req_as(&alice, Method::POST, "/api/v1/objectives")
        .json(&json!({"title": "Open a second office", "cycle_id": cycle}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (path, who) in [
        (format!("/api/v1/objectives/{public}/ownership"), &bob.0),
        (format!("/api/v1/objectives/{o}/ownership"), &bob.0),
        (format!("/api/v1/key-results/{kr}/ownership"), &dan.0),
    ] {
        let s = send(&app, &alice, Method::POST, &path, json!({"owner_id": who})).await;
        assert_eq!(s, StatusCode::CREATED, "{path}");
    }
    Handover {
        app,
        alice,
        bob,
        carol,
        dan,
        o,
        kr,
        public,
    }
}

#[tokio::test]
async fn a_proposed_owner_only_reads_accepts_or_declines_until_they_accept() {
    proposed_owner_story(spawn_app().await).await;
}

#[tokio::test]
async fn a_proposed_owner_only_reads_accepts_or_declines_on_postgres() {
    if postgres_configured() {
        proposed_owner_story(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn proposed_owner_story(app: TestApp) {
    let h = handover(app).await;
    let (app, o, kr) = (&h.app, &h.o, &h.kr);
    let bob = &h.bob.1;
    // Bob may read it: he is asked to own it.
    assert_eq!(
        send(
            app,
            bob,
            Method::GET,
            &format!("/api/v1/objectives/{o}"),
            json!(null)
        )
        .await,
        StatusCode::OK
    );
    // ... and nothing more.
    let refused: Vec<(Method, String, Value)> = vec![
        (
            Method::PATCH,
            format!("/api/v1/objectives/{o}"),
            json!({"title": "Loudly announce the acquisition"}),
        ),
        (
            Method::POST,
            format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Hire bankers", "kind": "increase", "target": 3}),
        ),
        (
            Method::POST,
            format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": 4, "confidence": 6}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/key-results/{kr}"),
            json!({"title": "Sign two letters"}),
        ),
        (
            Method::PUT,
            format!("/api/v1/objectives/{o}/status"),
            json!({"status": "at_risk", "reason": "I say so"}),
        ),
        (
            Method::POST,
            format!("/api/v1/key-results/{kr}/score"),
            json!({"score": 0.7, "reason": "done"}),
        ),
        (
            Method::PUT,
            format!("/api/v1/objectives/{o}/retrospective"),
            json!({"worked": "x", "did_not": "y"}),
        ),
        (
            Method::POST,
            format!("/api/v1/key-results/{kr}/initiatives"),
            json!({"title": "Call the bank"}),
        ),
        (
            Method::POST,
            format!("/api/v1/objectives/{o}/ownership"),
            json!({"owner_id": h.carol.0}),
        ),
    ];
    for (m, path, body) in &refused {
        let s = send(app, bob, m.clone(), path, body.clone()).await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "Bob (proposed, not accepted): {m} {path}"
        );
    }
    // So the third person Bob tried to propose still cannot read it.
    let carol = &h.carol.1;
    assert_eq!(
        send(
            app,
            carol,
            Method::GET,
            &format!("/api/v1/objectives/{o}"),
            json!(null)
        )
        .await,
        StatusCode::NOT_FOUND
    );
    // Dan, proposed for the key result, may not check in on it or change it either.
    let dan = &h.dan.1;
    for (m, path, body) in [
        (
            Method::POST,
            format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": 4, "confidence": 6}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/key-results/{kr}"),
            json!({"title": "Sign two letters"}),
        ),
        (
            Method::POST,
            format!("/api/v1/key-results/{kr}/score"),
            json!({"score": 0.7, "reason": "done"}),
        ),
    ] {
        let s = send(app, dan, m.clone(), &path, body).await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "Dan (proposed, not accepted): {m} {path}"
        );
    }
    acting_once_accepted(&h).await;
}

/// A handover: Alice still acts as owner of the public objective until Bob accepts; once he has
/// accepted, he acts and she no longer does. Dan, once he accepts the key result, checks in.
async fn acting_once_accepted(h: &Handover) {
    let (app, o, kr) = (&h.app, &h.o, &h.kr);
    let (bob, dan) = (&h.bob.1, &h.dan.1);
    // A handover: Alice still acts as owner of the public objective until Bob accepts.
    let (alice, public) = (&h.alice, &h.public);
    for (who, status) in [(alice, StatusCode::OK), (bob, StatusCode::FORBIDDEN)] {
        let s = send(
            app,
            who,
            Method::PATCH,
            &format!("/api/v1/objectives/{public}"),
            json!({"description": "Handing over to Bob"}),
        )
        .await;
        assert_eq!(s, status);
    }
    // ... and of the private one, which she still reads while handing it over.
    for (m, path, body, status) in [
        (
            Method::GET,
            format!("/api/v1/objectives/{o}"),
            json!(null),
            StatusCode::OK,
        ),
        (
            Method::PATCH,
            format!("/api/v1/objectives/{o}"),
            json!({"description": "Yours soon"}),
            StatusCode::OK,
        ),
        (
            Method::POST,
            format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": 2, "confidence": 6}),
            StatusCode::CREATED,
        ),
    ] {
        assert_eq!(
            send(app, alice, m.clone(), &path, body).await,
            status,
            "Alice: {m} {path}"
        );
    }
    // Once Bob accepts he acts as owner, and Alice no longer does.
    assert_eq!(
        send(
            app,
            bob,
            Method::POST,
            &format!("/api/v1/objectives/{o}/ownership/accept"),
            json!(null)
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        send(
            app,
            bob,
            Method::PATCH,
            &format!("/api/v1/objectives/{o}"),
            json!({"title": "Prepare the acquisition"})
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        send(
            app,
            bob,
            Method::POST,
            &format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": 4, "confidence": 6})
        )
        .await,
        StatusCode::CREATED
    );
    let accepted = send(
        app,
        bob,
        Method::POST,
        &format!("/api/v1/objectives/{public}/ownership/accept"),
        json!(null),
    )
    .await;
    assert_eq!(accepted, StatusCode::OK);
    for (who, status) in [(bob, StatusCode::OK), (alice, StatusCode::FORBIDDEN)] {
        let s = send(
            app,
            who,
            Method::PATCH,
            &format!("/api/v1/objectives/{public}"),
            json!({"title": "Open two offices"}),
        )
        .await;
        assert_eq!(s, status);
    }
    // Dan accepts the key result and may check in on it.
    assert_eq!(
        send(
            app,
            dan,
            Method::POST,
            &format!("/api/v1/key-results/{kr}/ownership/accept"),
            json!(null)
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        send(
            app,
            dan,
            Method::POST,
            &format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": 5, "confidence": 7})
        )
        .await,
        StatusCode::CREATED
    );
    // The handover done, the private objective is closed to Alice again.
    let after = send(
        app,
        alice,
        Method::GET,
        &format!("/api/v1/objectives/{o}"),
        json!(null),
    )
    .await;
    assert_eq!(after, StatusCode::NOT_FOUND);
}

/// The same through the pages: the objective page offers Bob no edit, check-in or hand-over
/// form before he accepts, and the forms refuse him when posted anyway; after accepting from
/// the page, the edit form works.
#[tokio::test]
async fn the_pages_refuse_a_proposed_owner_until_they_accept() {
    let h = handover(spawn_app().await).await;
    let (app, o, kr) = (&h.app, &h.o, &h.kr);
    let bob = Browser::signed_in(app, &h.bob.0, "bob.proposed@keel.test").await;
    let page = bob.page(&format!("/objectives/{o}")).await;
    assert!(
        !page.links_to(&format!("/objectives/{o}/edit")),
        "{}",
        page.html()
    );
    assert!(!page.links_to(&format!("/objectives/{o}/key-results/new")));
    assert!(!page.has(&format!("form[action='/objectives/{o}/status']")));
    assert!(!page.has(&format!("form[action='/objectives/{o}/ownership']")));
    assert!(page.has(&format!("form[action='/objectives/{o}/ownership/accept']")));
    for (path, form) in [
        (
            format!("/objectives/{o}/edit"),
            vec![("title", "Loudly announce the acquisition")],
        ),
        (
            format!("/objectives/{o}/key-results/new"),
            vec![
                ("title", "Hire bankers"),
                ("kind", "increase"),
                ("target", "3"),
            ],
        ),
        (
            format!("/objectives/{o}/status"),
            vec![("status", "at_risk"), ("reason", "I say so")],
        ),
        (
            format!("/objectives/{o}/ownership"),
            vec![("owner_id", h.carol.0.as_str())],
        ),
        (
            format!("/key-results/{kr}/initiatives"),
            vec![("title", "Call the bank")],
        ),
    ] {
        let resp = bob.submit(&path, &form).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "POST {path}");
    }
    let week = bob
        .submit(
            "/my-week/check-in",
            &[
                ("key_result_id.0", kr.as_str()),
                ("value.0", "4"),
                ("confidence.0", "6"),
            ],
        )
        .await;
    assert_ne!(
        week.status(),
        StatusCode::SEE_OTHER,
        "the weekly check-in refuses Bob"
    );
    let check_ins = json_of(app, &format!("/api/v1/key-results/{kr}/check-ins")).await;
    assert_eq!(
        check_ins["items"].as_array().unwrap().len(),
        0,
        "{check_ins}"
    );

    bob.done(&format!("/objectives/{o}/ownership/accept"), &[])
        .await;
    let page = bob.page(&format!("/objectives/{o}")).await;
    assert!(page.links_to(&format!("/objectives/{o}/edit")));
    let edit = bob.page(&format!("/objectives/{o}/edit")).await;
    let (cycle, state) = (
        edit.field("cycle_id").unwrap(),
        edit.field("state").unwrap(),
    );
    let to = bob
        .done(
            &format!("/objectives/{o}/edit"),
            &[
                ("title", "Prepare the acquisition"),
                ("cycle_id", cycle.as_str()),
                ("state", state.as_str()),
                ("kind", "committed"),
                ("visibility", "private"),
            ],
        )
        .await;
    assert!(to.starts_with(&format!("/objectives/{o}")), "{to}");
}
