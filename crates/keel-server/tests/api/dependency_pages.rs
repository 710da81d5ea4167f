//! Dependencies on the pages, driven the way a person uses them: the key result page's forms
//! (ask, with the picker or typed words without JavaScript; remove), refused with the field's
//! message for itself, a loop, a duplicate, nothing chosen, words matching nothing and a note too
//! long; the other owner's answer from My week ("Dependencies waiting for your answer") and from
//! the key result page, a decline without a reason refused next to the reason; CSRF and
//! permissions; the team's dependency map (what it waits on, at risk with the reason naming the
//! dependency and its owner, who waits on it, a hidden key result never named); names linking
//! to person pages. On SQLite and PostgreSQL.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

struct World {
    app: TestApp,
    cycle: String,
    /// The administrator's key results, in the Mobile team's objective.
    mine: String,
    mine2: String,
    mobile: String,
    /// Bo's key result, in the Platform team's objective; Bo and his token.
    bos: String,
    platform: String,
    bo: (String, String),
    /// A private key result Sam is outside of, and Sam.
    private_kr: String,
    sam: (String, String),
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn as_bo(w: &World, method: Method, path: &str, body: Value) -> reqwest::Response {
    w.app
        .req_as(&w.bo.1, method, path)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn world(app: TestApp) -> World {
    let cycle = app.cycle("2026 Q4").await;
    let bo = app.member("Bo Platform").await;
    let sam = app.member("Sam Outsider").await;
    let mobile = id(&app.create("/api/v1/teams", json!({"name": "Mobile"})).await);
    let platform = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": "Platform", "member_ids": [bo.0], "lead_id": bo.0}),
        )
        .await);
    let (_, krs) = crate::rhythm::active_objective(
        &app,
        &cycle,
        Some(&mobile),
        &["Ship the mobile app", "Launch in Spain"],
    )
    .await;
    let o = app
        .req_as(&bo.1, Method::POST, "/api/v1/objectives")
        .json(
            &json!({"title": "A platform teams can build on", "cycle_id": cycle,
            "visibility": "public", "team_ids": [platform]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        o.status(),
        StatusCode::CREATED,
        "{}",
        o.text().await.unwrap()
    );
    let o = id(&o.json::<Value>().await.unwrap());
    let k = app
        .req_as(&bo.1, Method::POST, &format!("/api/v1/objectives/{o}/key-results"))
        .json(&json!({"title": "Public API v2 released", "kind": "increase", "start": 0, "target": 100}))
        .send()
        .await
        .unwrap();
    assert_eq!(k.status(), StatusCode::CREATED);
    let bos = id(&k.json::<Value>().await.unwrap());
    let r = app
        .req_as(&bo.1, Method::PATCH, &format!("/api/v1/objectives/{o}"))
        .json(&json!({"state": "active"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let private_o = id(&app
        .create(
            "/api/v1/objectives",
            json!({"title": "Acquire Initech quietly", "cycle_id": cycle, "visibility": "private"}),
        )
        .await);
    let private_kr = id(&app
        .create(
            &format!("/api/v1/objectives/{private_o}/key-results"),
            json!({"title": "Term sheet signed", "kind": "boolean"}),
        )
        .await);
    World {
        app,
        cycle,
        mine: krs[0].clone(),
        mine2: krs[1].clone(),
        mobile,
        bos,
        platform,
        bo,
        private_kr,
        sam,
    }
}

fn kr_page(kr: &str) -> String {
    format!("/key-results/{kr}")
}

fn ask(kr: &str) -> String {
    format!("/key-results/{kr}/dependencies")
}

/// The dependencies of `kr` through the API, as the administrator sees them.
async fn listed(app: &TestApp, kr: &str) -> Vec<Value> {
    json_of(app, &format!("/api/v1/key-results/{kr}/dependencies")).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn asked_refused_answered_removed(w: World) {
    let app = &w.app;
    let admin = Browser::admin(app).await;
    let page = admin.page(&kr_page(&w.mine)).await;
    assert!(
        page.has(&format!("form[action=\"{}\"]", ask(&w.mine))),
        "the form is offered"
    );
    // Refused, each with its field's message on the page and what was typed kept.
    for (form, field, says) in [
        (
            vec![("depends_on", w.mine.as_str())],
            "depends_on",
            "cannot depend on itself",
        ),
        (
            vec![("depends_on", "")],
            "depends_on",
            "choose the key result",
        ),
        (
            vec![("depends_on.find", "Nothing called like this")],
            "depends_on",
            "no key result you may see matches",
        ),
    ] {
        let html = admin.refused(&ask(&w.mine), &form).await;
        let p = Page::parse(&html);
        let e = p
            .field_error(field)
            .unwrap_or_else(|| panic!("{form:?}: {html}"));
        assert!(e.contains(says), "{form:?}: {e}");
    }
    let long = "x".repeat(2001);
    let html = admin
        .refused(&ask(&w.mine), &[("depends_on", &w.bos), ("note", &long)])
        .await;
    let p = Page::parse(&html);
    assert!(p
        .field_error("dependency-note")
        .unwrap()
        .contains("at most"));
    assert_eq!(
        p.field("depends_on").as_deref(),
        Some(w.bos.as_str()),
        "the choice is kept"
    );
    // Without JavaScript: words of the title name the one key result.
    let to = admin
        .done(
            &ask(&w.mine),
            &[
                ("depends_on", ""),
                ("depends_on.find", "Public API v2"),
                ("note", "we need the v2 endpoints"),
            ],
        )
        .await;
    assert!(
        to.starts_with(&format!("/key-results/{}?done=dependency-asked", w.mine)),
        "{to}"
    );
    let deps = listed(app, &w.mine).await;
    assert_eq!(deps.len(), 1, "{deps:?}");
    assert_eq!(deps[0]["state"], "proposed");
    assert_eq!(deps[0]["other"]["id"], w.bos.as_str());
    let dep = id(&deps[0]);
    // A second time: refused naming the field.
    let html = admin
        .refused(&ask(&w.mine), &[("depends_on", &w.bos)])
        .await;
    assert!(Page::parse(&html)
        .field_error("depends_on")
        .unwrap()
        .contains("already depends"));
    // A loop, from Bo's side: mine2 depends on mine (which waits on Bo's), so Bo's cannot
    // depend on mine2.
    admin.done(&ask(&w.mine2), &[("depends_on", &w.mine)]).await;
    let bo = Browser::signed_in(app, &w.bo.0, "bo.platform@keel.test").await;
    let html = bo.refused(&ask(&w.bos), &[("depends_on", &w.mine2)]).await;
    assert!(
        Page::parse(&html)
            .field_error("depends_on")
            .unwrap()
            .contains("a loop"),
        "{html}"
    );
    // Only whoever may edit the key result asks; forms need their CSRF token.
    let sam = Browser::signed_in(app, &w.sam.0, "sam.outsider@keel.test").await;
    let r = sam.submit(&ask(&w.mine), &[("depends_on", &w.bos)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(!sam
        .page(&kr_page(&w.mine))
        .await
        .has(&format!("form[action=\"{}\"]", ask(&w.mine))));
    let r = admin
        .post_form(&ask(&w.mine), &[("depends_on", &w.bos)])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF token");
    answered_from_my_week(&w, &admin, &bo, &sam, &dep).await;
}

async fn answered_from_my_week(w: &World, admin: &Browser, bo: &Browser, sam: &Browser, dep: &str) {
    let app = &w.app;
    // Bo's My week lists it, naming what would depend on his key result and who asked.
    let week = bo.page("/my-week").await;
    let waiting = week.text("#dependencies");
    assert!(waiting.contains("Ship the mobile app"), "{waiting}");
    assert!(waiting.contains("Public API v2 released"), "{waiting}");
    assert!(waiting.contains("we need the v2 endpoints"), "{waiting}");
    assert!(week.has(&format!("form[action=\"/dependencies/{dep}/accept\"]")));
    // The notification leads to the key result page, where the answer is offered too.
    let told = json_of_as(app, &w.bo.1, "/api/v1/me/notifications").await;
    let n = told["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "dependency_proposed")
        .cloned()
        .unwrap();
    assert_eq!(n["link"], kr_page(&w.bos).as_str(), "{n}");
    let notifications = bo.page("/notifications").await;
    assert!(notifications.links_to(&format!(
        "/notifications/{}/open",
        n["id"].as_str().unwrap()
    )));
    let theirs = bo.page(&kr_page(&w.bos)).await;
    assert!(theirs.has(&format!("form[action=\"/dependencies/{dep}/decline\"]")));
    // Declining without a reason: My week again, the message next to the reason.
    let html = bo
        .refused(
            &format!("/dependencies/{dep}/decline"),
            &[("reason", " "), ("from", "my-week")],
        )
        .await;
    let p = Page::parse(&html);
    assert_eq!(p.text("h1"), "My week");
    assert!(
        p.field_error(&format!("dep-reason-{dep}"))
            .unwrap()
            .contains("say why"),
        "{html}"
    );
    // Nobody but Bo answers.
    let r = sam
        .submit(&format!("/dependencies/{dep}/accept"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = admin
        .submit(&format!("/dependencies/{dep}/accept"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Accepted from My week: back there, and the list is empty.
    let to = bo
        .done(
            &format!("/dependencies/{dep}/accept"),
            &[("from", "my-week")],
        )
        .await;
    assert!(to.starts_with("/my-week?done=dependency-accepted"), "{to}");
    let week = bo.page("/my-week").await;
    assert!(
        week.text("#dependencies").contains("None"),
        "{}",
        week.text("#dependencies")
    );
    let deps = listed(app, &w.mine).await;
    let d = deps.iter().find(|d| d["id"] == dep).unwrap();
    assert_eq!(d["state"], "accepted");
    // Another, declined from the key result page with a reason.
    admin.done(&ask(&w.mine2), &[("depends_on", &w.bos)]).await;
    let other = listed(app, &w.mine2)
        .await
        .into_iter()
        .find(|d| d["other"]["id"] == w.bos.as_str())
        .unwrap();
    let other = id(&other);
    let html = bo
        .refused(&format!("/dependencies/{other}/decline"), &[("reason", "")])
        .await;
    let p = Page::parse(&html);
    assert!(
        p.field_error(&format!("dep-reason-{other}")).is_some(),
        "{html}"
    );
    assert!(p.has(".depends-on"), "the key result page again");
    let to = bo
        .done(
            &format!("/dependencies/{other}/decline"),
            &[("reason", "v2 is next quarter")],
        )
        .await;
    assert!(
        to.starts_with(&format!("/key-results/{}?done=dependency-declined", w.bos)),
        "{to}"
    );
    let page = admin.page(&kr_page(&w.mine2)).await;
    assert!(page
        .text(".depends-on")
        .contains("Declined: v2 is next quarter"));
    // Removed by whoever may edit the key result; Bo may not.
    let remove = format!("/key-results/{}/dependencies/{dep}/remove", w.mine);
    assert_eq!(
        bo.submit(&remove, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let to = admin.done(&remove, &[]).await;
    assert!(to.contains("done=dependency-removed"), "{to}");
    assert!(listed(app, &w.mine).await.iter().all(|d| d["id"] != dep));
}

async fn json_of_as(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.req_as(token, Method::GET, path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

/// The picker offers key results the reader may see, never a private one to outsiders.
async fn the_picker_finds_key_results(w: &World, sam: &Browser) {
    let admin = Browser::admin(&w.app).await;
    let html = admin
        .html("/dependencies/pick?depends_on.find=API%20v2")
        .await;
    let p = Page::parse(&html);
    assert!(p.attrs("option", "value").contains(&w.bos), "{html}");
    let html = admin
        .html("/dependencies/pick?depends_on.find=Term%20sheet")
        .await;
    assert!(Page::parse(&html)
        .attrs("option", "value")
        .contains(&w.private_kr));
    let html = sam
        .html("/dependencies/pick?depends_on.find=Term%20sheet")
        .await;
    assert!(
        !html.contains("Term sheet signed") && !html.contains(&w.private_kr),
        "{html}"
    );
}

/// The team's dependency map: what Mobile waits on (Bo's, at risk once it is off track, naming
/// it and Bo) and who waits on Platform; to Sam, the private key result is not named.
async fn the_team_map(w: World) {
    let app = &w.app;
    let admin = Browser::admin(app).await;
    let sam = Browser::signed_in(app, &w.sam.0, "sam.outsider@keel.test").await;
    the_picker_finds_key_results(&w, &sam).await;
    let dep = id(&app
        .create(
            &format!("/api/v1/key-results/{}/dependencies", w.mine),
            json!({"depends_on": w.bos, "note": "the v2 endpoints"}),
        )
        .await);
    let r = as_bo(
        &w,
        Method::POST,
        &format!("/api/v1/dependencies/{dep}/accept"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = as_bo(
        &w,
        Method::POST,
        &format!("/api/v1/key-results/{}/check-ins", w.bos),
        json!({"value": 5, "confidence": 1, "note": "the team moved to incidents"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    app.create(
        &format!("/api/v1/key-results/{}/dependencies", w.mine2),
        json!({"depends_on": w.private_kr}),
    )
    .await;
    // The team page links to its map.
    let team = admin
        .page(&format!("/teams/{}?cycle_id={}", w.mobile, w.cycle))
        .await;
    let map_href = format!("/teams/{}/dependencies?cycle_id={}", w.mobile, w.cycle);
    assert!(team.links_to(&map_href), "{}", team.html());
    let map = admin.page(&map_href).await;
    let waits = map.text("#waits-on");
    assert!(
        waits.contains("Public API v2 released") && waits.contains("Bo Platform"),
        "{waits}"
    );
    assert!(
        waits.contains("At risk because it depends on “Public API v2 released” (owner Bo Platform), which is off track."),
        "{waits}"
    );
    assert!(
        waits.contains("Term sheet signed"),
        "the administrator sees the private one"
    );
    assert!(
        map.links_to(&format!("/people/{}?cycle_id={}", w.bo.0, w.cycle)),
        "owner linked"
    );
    let first = map.rows("#waits-on table");
    assert!(
        first[1][0].contains("At risk"),
        "the at-risk first: {first:?}"
    );
    // Platform: who waits on it.
    let theirs = admin
        .page(&format!(
            "/teams/{}/dependencies?cycle_id={}",
            w.platform, w.cycle
        ))
        .await;
    let by = theirs.text("#waited-on-by");
    assert!(
        by.contains("Ship the mobile app") && by.contains("Public API v2 released"),
        "{by}"
    );
    assert!(theirs.text("#waits-on").contains("depend on nothing"));
    // Sam may see the Mobile team's public key results but not the private one.
    let map = sam.page(&map_href).await;
    assert!(map
        .text("#waits-on")
        .contains("a key result you cannot see"));
    assert!(!map.mentions("Term sheet signed") && !map.mentions(&w.private_kr));
    // An unknown cycle or team is refused, not shown empty.
    let r = admin
        .get(&format!("/teams/{}/dependencies?cycle_id=nope", w.mobile))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin.get("/teams/no-such-team/dependencies").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    names_link_to_person_pages(&w, &admin).await;
}

/// Every person's name links to their person page: the objective page's owner and each key
/// result's, the key result page's dependency owners, the company tree's people, the ownership
/// map's rows.
async fn names_link_to_person_pages(w: &World, admin: &Browser) {
    let bo_page = format!("/people/{}", w.bo.0);
    let kr = json_of(&w.app, &format!("/api/v1/key-results/{}", w.bos)).await;
    let objective = admin
        .page(&format!(
            "/objectives/{}",
            kr["objective_id"].as_str().unwrap()
        ))
        .await;
    assert!(
        objective.links_to(&bo_page),
        "objective page: {}",
        objective.html()
    );
    let page = admin.page(&kr_page(&w.mine)).await;
    assert!(page.links_to(&bo_page), "key result page");
    let ownership = admin
        .page(&format!("/ownership?cycle_id={}", w.cycle))
        .await;
    assert!(ownership.links_to(&bo_page), "ownership map");
    assert!(
        !ownership.links().iter().any(|l| l.starts_with("#person-")),
        "no anchors left"
    );
    let company = admin.page(&format!("/company?cycle_id={}", w.cycle)).await;
    assert!(
        !company
            .links()
            .iter()
            .any(|l| l.contains("/ownership") && l.contains("#person-")),
        "{}",
        company.html()
    );
}

#[tokio::test]
async fn dependency_forms_on_sqlite() {
    asked_refused_answered_removed(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn dependency_forms_on_postgres() {
    if !postgres_configured() {
        return;
    }
    asked_refused_answered_removed(world(spawn_app_on(Db::Postgres).await).await).await;
}

#[tokio::test]
async fn team_dependency_map_on_sqlite() {
    the_team_map(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn team_dependency_map_on_postgres() {
    if !postgres_configured() {
        return;
    }
    the_team_map(world(spawn_app_on(Db::Postgres).await).await).await;
}
