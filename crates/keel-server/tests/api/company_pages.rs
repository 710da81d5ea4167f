//! The organisation's pages through a browser's eyes: a team's page, the company tree and its
//! filters, the ownership map, the health page, and the navigation that shows only what the
//! reader may open.

use crate::helpers::*;
use crate::org_world::*;
use keel_domain::Source;
use keel_store::{People, WriteCtx};
use reqwest::{redirect, Method, StatusCode};
use serde_json::json;

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

/// "Shared OKRs" on the team page: an objective shared by two teams and a key result shared with a
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
    // The health findings are the evaluator's (its hourly round), read from where it stored them.
    app.evaluate_now().await;

    let page = b.page(&format!("/teams/{}", o.platform)).await;
    let html = page.html();
    assert_eq!(page.text("h1"), "Platform", "{html}");
    assert_eq!(
        titles_leading_to(&page, &format!("/objectives/{shared}")),
        1,
        "{html}"
    );
    assert_eq!(
        page.body().matches("p95 page load under 1.5 s").count(),
        1,
        "{html}"
    );
    assert!(
        page.texts(".okr p.meta")
            .iter()
            .any(|m| m.contains("shared with Sales")),
        "the other team is named: {html}"
    );
    assert!(
        page.texts("ul.kr-list a")
            .contains(&"SSO for every enterprise tenant".to_string()),
        "{html}"
    );
    assert!(page.links_to(&format!("/objectives/{elsewhere}")), "{html}");
    assert_eq!(
        titles_leading_to(&page, &format!("/objectives/{elsewhere}")),
        0,
        "not the team's objective: {html}"
    );
    assert!(
        page.texts("ul.people a")
            .contains(&"Pia Platform".to_string())
            && page.text("h1 ~ p.meta").contains("Pia Platform"),
        "members and lead: {html}"
    );
    assert!(
        page.attrs("nav.crumbs a", "href")
            .contains(&format!("/teams/{}", o.engineering)),
        "parent link: {html}"
    );
    // The health finding about the objective without key results links to where it is fixed.
    assert!(
        page.texts(".finding-head strong")
            .contains(&"No key results yet".to_string())
            // The code is the pitfall link's key, never words on the page.
            && !page.text("body").contains("objective_without_key_results"),
        "{html}"
    );
    assert!(
        page.attrs(".finding a", "href")
            .contains(&format!("/objectives/{empty}")),
        "{html}"
    );
    assert_eq!(page.text("h2#reviews"), "Reviews", "a place for reviews");

    // Sales sees the shared objective too, but not Platform's own.
    let sales = b.page(&format!("/teams/{}", o.sales)).await;
    assert_eq!(
        titles_leading_to(&sales, &format!("/objectives/{shared}")),
        1
    );
    absent(&sales, "Objective with nothing to measure");

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
    assert_eq!(
        later.text("#okrs ~ p.empty"),
        "The team owns or shares no OKRs in this cycle.",
        "{}",
        later.html()
    );
    b.html_with("/teams/no-such-team", StatusCode::NOT_FOUND)
        .await;
    let bad = b
        .page_with(
            &format!("/teams/{}?cycle_id=nope", o.platform),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        bad.text(".card p").contains("cycle_id"),
        "the error names the parameter: {}",
        bad.html()
    );
}

/// How many OKR titles (the heading link of an objective) lead to `href`.
fn titles_leading_to(page: &Page, href: &str) -> usize {
    page.attrs("a.okr-title", "href")
        .iter()
        .filter(|h| *h == href)
        .count()
}

/// `what` is nowhere on the page: not in its markup (attributes, comments and scripts included)
/// and not in what the parsed page shows or holds in an attribute.
fn absent(page: &Page, what: &str) {
    assert!(!page.html().contains(what), "{what} in {}", page.html());
    assert!(!page.mentions(what), "{what} shown in {}", page.html());
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

/// The company tree a level at a time: the company with its departments and their figures
/// (counted from the evaluator's stored statuses, drafts left out and said), a department opened
/// (as htmx does, or as its own page without JavaScript) to its teams and objectives, and the
/// filters by team (a picker), owner and status.
async fn company_tree(app: TestApp) {
    let o = org(&app).await;
    let b = admin(&app).await;
    tree_world(&app, &o).await;
    // Before the first evaluation the figures say so.
    let before = b.page("/company").await;
    assert!(
        before
            .text(".node-company > summary")
            .contains("not evaluated yet"),
        "{}",
        before.html()
    );
    evaluate(&app).await;

    let tree = b.page("/company").await;
    let html = tree.html();
    let titles = |page: &Page| page.texts("a.okr-title");
    assert!(
        tree.has("details.node-company[open]"),
        "the company node: {html}"
    );
    assert!(tree.has("details.node-department"), "departments: {html}");
    assert!(
        tree.text("p.as-of").contains("as of"),
        "how fresh the figures are: {html}"
    );
    let nodes = tree.attrs(".node-name a", "href");
    for team in [&o.company, &o.engineering, &o.sales] {
        assert!(nodes.contains(&format!("/teams/{team}")), "{team}: {html}");
    }
    assert!(
        !nodes.contains(&format!("/teams/{}", o.platform)),
        "a level at a time: Platform waits inside Engineering: {html}"
    );
    // Engineering's roll-up reads Pia's on-track objective; Sales holds only a draft.
    assert!(
        tree.has(".okr-meta .status.status-on_track")
            && tree.has(".okr-meta .status.status-draft")
            && !tree.has(".okr-meta .status.status-off_track"),
        "{html}"
    );
    // The private objective is a draft too: counted for the administrator, who may see it.
    assert!(
        tree.text(".node-company > summary")
            .contains("3 objectives · 2 drafts not counted"),
        "the company roll-up says what it leaves out: {html}"
    );
    assert!(titles(&tree).contains(&"Learn Rust properly".to_string()));
    assert!(
        tree.has("details > summary"),
        "expandable without JavaScript"
    );
    // Each closed node asks htmx for its level, and links to it as a page.
    let engineering_fragment = tree
        .attrs("details.node-department[hx-get]", "hx-get")
        .into_iter()
        .find(|h| h.contains(&o.engineering))
        .unwrap_or_else(|| panic!("Engineering opens on demand: {html}"));
    assert!(tree.links_to(&format!(
        "/company?cycle_id={}&team_id={}",
        o.cycle, o.engineering
    )));
    let opened = b.page(&engineering_fragment).await;
    assert!(
        opened.has(&format!(
            "details.node-team .node-name a[href=\"/teams/{}\"]",
            o.platform
        )),
        "{}",
        opened.html()
    );
    // Its own page: Platform's node inside Engineering's, the company above as a link.
    let engineering = b.page(&format!("/company?team_id={}", o.engineering)).await;
    assert!(
        engineering.has(&format!(
            "details.node details.node .node-name a[href=\"/teams/{}\"]",
            o.platform
        )),
        "Platform's node is inside another node: {}",
        engineering.html()
    );
    assert!(engineering.has("nav.crumbs a"), "{}", engineering.html());
    // The median progress of what is below: Platform's one counted objective, as its line shows.
    let platform = b.page(&format!("/company?team_id={}", o.platform)).await;
    assert!(titles(&platform).contains(&"Fast everywhere".to_string()));
    let line = platform
        .texts(".okr .okr-meta .percent")
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("{}", platform.html()));
    assert_eq!(
        platform.text(".node-team > summary .percent"),
        line,
        "{}",
        platform.html()
    );
    absent(&platform, "More deals in EMEA");

    // Sam sees neither the private objective nor its count.
    let sam = Browser::signed_in(&app, &o.sam, "sam.sales@keel.test").await;
    let his = sam.page("/company").await;
    assert!(
        his.text(".node-company > summary")
            .contains("2 objectives · 1 draft not counted"),
        "{}",
        his.html()
    );
    let his_platform = sam.page(&format!("/company?team_id={}", o.platform)).await;
    absent(&his_platform, "Secret platform rewrite");

    // The company's own figure and the objectives of no team are read from the evaluator's
    // stored counts (the reader's narrower objectives added live): the same figures as counting
    // them all live, for the administrator (every objective stored), a champion (public and team
    // stored, the private one live) and Sam (public stored, the rest live).
    let champion = app.person_with_roles("Cleo Champion", &["champion"]).await;
    let cleo = Browser::signed_in(&app, &champion.0, "cleo.champion@keel.test").await;
    let figures = |page: &Page| {
        (
            page.text(".node-company > summary"),
            page.texts(".node-department > summary"),
            page.html().contains("Learn Rust properly"),
        )
    };
    let mut stored = vec![];
    for who in [&b, &cleo, &sam] {
        stored.push(figures(&who.page("/company").await));
    }
    assert!(stored[1].0.contains("2 objectives"), "{:?}", stored[1]);
    app.forget_stored_figures().await;
    for (who, before) in [&b, &cleo, &sam].into_iter().zip(&stored) {
        assert_eq!(&figures(&who.page("/company").await), before);
    }
    evaluate(&app).await;

    // Filters, and bad ones: 422, the message next to the filter, no tree.
    tree_filters(&b, &o).await;
}

/// The tree's world: Pia's objective in Platform, active and on track; a draft in Sales; a
/// personal objective of no team; a private draft in Platform.
async fn tree_world(app: &TestApp, o: &Org) {
    // Pia's objective is active and on track (her confidence 8); "More deals in EMEA" is still a
    // draft: its own state, never red, and left out of the roll-ups above it.
    let fast = objective(
        app,
        json!({"title": "Fast everywhere", "cycle_id": o.cycle, "team_ids": [o.platform], "owner_id": o.pia}),
    )
    .await;
    let kr = key_result(
        app,
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
    let r = app
        .patch(
            &format!("/api/v1/objectives/{fast}"),
            json!({"state": "active"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let deals = objective(
        app,
        json!({"title": "More deals in EMEA", "cycle_id": o.cycle, "team_ids": [o.sales]}),
    )
    .await;
    key_result(
        app,
        &deals,
        json!({"title": "40 new logos", "kind": "increase", "start": 0, "target": 40}),
    )
    .await;
    // A personal objective with no team appears among the objectives of no team.
    objective(
        app,
        json!({"title": "Learn Rust properly", "cycle_id": o.cycle}),
    )
    .await;
    // A private objective of Platform's: counted for those who may see it only.
    objective(
        app,
        json!({"title": "Secret platform rewrite", "cycle_id": o.cycle, "team_ids": [o.platform], "owner_id": o.pia, "visibility": "private"}),
    )
    .await;
}

/// The filters by team (a picker), owner and status, and a bad filter refused.
async fn tree_filters(b: &Browser, o: &Org) {
    let titles = |page: &Page| page.texts("a.okr-title");
    let only_platform = b.page(&format!("/company?team_id={}", o.platform)).await;
    assert!(titles(&only_platform).contains(&"Fast everywhere".to_string()));
    absent(&only_platform, "More deals in EMEA");
    // The team filter is a picker: the chosen team is its one option; typed, it is found.
    assert_eq!(
        only_platform.attrs("select[name=\"team_id\"] option", "value"),
        vec![String::new(), o.platform.clone()]
    );
    assert_eq!(
        b.page("/company")
            .await
            .attrs("select[name=\"team_id\"] option", "value"),
        vec![String::new()],
        "never every team"
    );
    let typed = b.page("/company?team_id.find=Platform").await;
    assert!(titles(&typed).contains(&"Fast everywhere".to_string()));
    let by_owner = b.page(&format!("/company?owner_id={}", o.pia)).await;
    assert!(titles(&by_owner).contains(&"Fast everywhere".to_string()));
    absent(&by_owner, "More deals in EMEA");
    assert!(
        !by_owner
            .attrs("[href]", "href")
            .contains(&format!("/teams/{}", o.sales)),
        "empty nodes pruned"
    );
    the_owner_filter_is_a_picker(b, o, &by_owner).await;
    let on_track = b.page("/company?status=on_track").await;
    assert!(titles(&on_track).contains(&"Fast everywhere".to_string()));
    absent(&on_track, "More deals in EMEA");
    let off_track = b
        .page(&format!("/company?status=draft&cycle_id={}", o.cycle))
        .await;
    assert!(titles(&off_track).contains(&"More deals in EMEA".to_string()));
    absent(&off_track, "Fast everywhere");
    // The filters are kept in the form, so the URL can be shared and the page re-read.
    assert_eq!(off_track.field("status").as_deref(), Some("draft"));
    assert_eq!(
        off_track
            .attr("select[name=\"status\"] option[selected]", "value")
            .as_deref(),
        Some("draft")
    );

    // Bad filters: 422, the message next to the filter, no tree.
    bad_tree_filters_are_refused_next_to_the_filter(b, o).await;
}

/// The job runner's round, now: the hourly evaluation stores the statuses and progress the
/// tree's figures count, and when it finished.
async fn evaluate(app: &TestApp) {
    keel_server::jobs::tick(app.store.as_ref(), "test", chrono::Utc::now())
        .await
        .unwrap();
}

#[tokio::test]
async fn company_tree_opens_a_level_at_a_time_and_filters_on_sqlite() {
    company_tree(spawn_app().await).await;
}

#[tokio::test]
async fn company_tree_opens_a_level_at_a_time_and_filters_on_postgres() {
    if postgres_configured() {
        company_tree(spawn_app_on(Db::Postgres).await).await;
    }
}

/// A level holds 50 objectives and 50 teams a page, saying how many there are; a page that is
/// not one is refused naming the field.
async fn company_tree_pages(app: TestApp) {
    let o = org(&app).await;
    for n in 0..55 {
        objective(
            &app,
            json!({"title": format!("Sales goal {n:02}"), "cycle_id": o.cycle, "team_ids": [o.sales]}),
        )
        .await;
    }
    for n in 0..52 {
        app.create(
            "/api/v1/teams",
            json!({"name": format!("Squad {n:02}"), "parent_id": o.engineering}),
        )
        .await;
    }
    let b = admin(&app).await;
    let sales = b.page(&format!("/company?team_id={}", o.sales)).await;
    let html = sales.html();
    assert_eq!(sales.texts(".node-body a.okr-title").len(), 50, "{html}");
    assert!(
        sales
            .text("nav.pager")
            .contains("Showing 1–50 of 55 objectives"),
        "{html}"
    );
    let next = sales
        .attr("nav.pager a[rel=\"next\"]", "href")
        .expect("a next page");
    let rest = b.page(&next).await;
    assert_eq!(
        rest.texts(".node-body a.okr-title").len(),
        5,
        "{}",
        rest.html()
    );
    assert!(rest.has("a[rel=\"prev\"]"));
    let engineering = b.page(&format!("/company?team_id={}", o.engineering)).await;
    assert_eq!(
        engineering.texts(".node-body details.node").len(),
        50,
        "{}",
        engineering.html()
    );
    assert!(engineering
        .text("nav.pager")
        .contains("Showing 1–50 of 53 teams"));
    let next = engineering
        .attr("nav.pager a[rel=\"next\"]", "href")
        .expect("a next page of teams");
    assert!(next.contains("teams_page=2"), "{next}");
    assert_eq!(
        b.page(&next).await.texts(".node-body details.node").len(),
        3
    );
    for (query, field) in [("page=x", "page"), ("teams_page=0", "teams_page")] {
        let bad = b
            .page_with(
                &format!("/company?team_id={}&{query}", o.sales),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert!(
            bad.field_error(field).is_some() || bad.text(".notice.error").contains("page"),
            "{query}: {}",
            bad.html()
        );
        assert!(!bad.has("a.okr-title"), "{query}");
    }
}

#[tokio::test]
async fn company_tree_pages_objectives_and_teams_on_sqlite() {
    company_tree_pages(spawn_app().await).await;
}

#[tokio::test]
async fn company_tree_pages_objectives_and_teams_on_postgres() {
    if postgres_configured() {
        company_tree_pages(spawn_app_on(Db::Postgres).await).await;
    }
}

/// The owner filter is a picker: the one chosen person is its option, never the whole
/// directory; without JavaScript, a name typed in its find field is the filter.
async fn the_owner_filter_is_a_picker(b: &Browser, o: &Org, by_owner: &Page) {
    let titles = |page: &Page| page.texts("a.okr-title");
    assert_eq!(
        by_owner.attrs("select[name=\"owner_id\"] option", "value"),
        vec![String::new(), o.pia.clone()]
    );
    assert!(by_owner.has("input[name=\"owner_id.find\"][hx-get]"));
    let everyone = b.page("/company").await;
    assert_eq!(
        everyone.attrs("select[name=\"owner_id\"] option", "value"),
        vec![String::new()]
    );
    let typed = b.page("/company?owner_id.find=Pia%20Platform").await;
    assert!(titles(&typed).contains(&"Fast everywhere".to_string()));
    absent(&typed, "More deals in EMEA");
    assert_eq!(typed.field("owner_id").as_deref(), Some(o.pia.as_str()));
    let nobody = b
        .page_with(
            "/company?owner_id.find=Nobody%20Called%20So",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        nobody.field_error("owner_id").is_some(),
        "{}",
        nobody.html()
    );
    assert_eq!(
        nobody.field("owner_id.find").as_deref(),
        Some("Nobody Called So"),
        "kept"
    );
    let picked = b
        .html("/pickers/people?field=owner_id&as=options&none=Anyone&owner_id.find=Pia")
        .await;
    assert!(picked.contains(&o.pia), "{picked}");
}

/// A bad filter of the company tree: 422, the message next to that filter, and no tree.
async fn bad_tree_filters_are_refused_next_to_the_filter(b: &Browser, o: &Org) {
    let bad = b
        .page_with("/company?status=sideways", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(
        bad.field_error("status").unwrap().contains("on_track"),
        "{}",
        bad.html()
    );
    absent(&bad, "Fast everywhere");
    for (query, field) in [
        (format!("owner_id={}", o.company), "owner_id"),
        ("team_id=nope".to_string(), "team_id"),
        ("cycle_id=nope".to_string(), "cycle_id"),
    ] {
        let bad = b
            .page_with(
                &format!("/company?{query}"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert!(bad.field_error(field).is_some(), "{query}: {}", bad.html());
    }
}

async fn ownership_map(app: TestApp) {
    let o = org(&app).await;
    let b = admin(&app).await;
    let r = app
        .patch(
            "/api/v1/settings",
            json!({"health": {"pending_ownership_days": 7, "owner_overload": 1, "max_key_results": 5}}),
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

    let map = b.page("/ownership").await;
    let html = map.html();
    let row = |id: &str| format!("table.owners tr[id=\"person-{id}\"]");
    assert_eq!(
        map.attr(&row(&app.admin_id), "class").as_deref(),
        Some("overloaded"),
        "{html}"
    );
    assert_eq!(
        map.text(&format!("{} .pill.overload", row(&app.admin_id))),
        "overloaded"
    );
    assert!(
        map.texts(".glance li")
            .contains(&"1 above 1 OKRs owned (overload)".to_string()),
        "{html}"
    );
    assert_eq!(map.text("h2#pending"), "Waiting for an answer");
    let pending = "table[aria-labelledby=\"pending\"]";
    let requests = map.rows(pending);
    assert!(
        requests
            .iter()
            .any(|r| r[0].contains("Grow the Nordics") && r[0].contains("“You know the market”")),
        "{requests:?}"
    );
    let request_links = map.attrs(&format!("{pending} a"), "href");
    assert!(
        request_links.contains(&format!("/objectives/{asked}")),
        "{request_links:?}"
    );
    assert!(
        request_links.contains(&format!("/people/{}", o.sam)),
        "{request_links:?}"
    );
    assert!(
        map.texts(".pill.pending")
            .contains(&"not accepted yet".to_string()),
        "{html}"
    );
    assert!(map.has(&row(&o.sam)), "{html}");
    assert_eq!(map.attr(&row(&o.sam), "class"), None, "{html}");
    assert!(!map.has(&format!("{} .pill.overload", row(&o.sam))));

    let bad = b
        .page_with("/ownership?cycle_id=nope", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(bad.field_error("cycle_id").is_some(), "{}", bad.html());
    absent(&bad, "Grow the Nordics");
}

#[tokio::test]
async fn ownership_map_shows_who_owns_what_overload_and_pending_requests_on_sqlite() {
    ownership_map(spawn_app().await).await;
}

#[tokio::test]
async fn ownership_map_shows_who_owns_what_overload_and_pending_requests_on_postgres() {
    if postgres_configured() {
        ownership_map(spawn_app_on(Db::Postgres).await).await;
    }
}

/// At 100,000 people the map is read a page of people at a time (most owned first), counted in
/// the database; the totals cover every page; a private OKR counts only for those who may see
/// it; a page number that is not one is refused naming the field.
async fn ownership_map_pages(app: TestApp) {
    let o = org(&app).await;
    for n in 0..55 {
        let (owner, _) = app.member(&format!("Owner {n:02}")).await;
        objective(
            &app,
            json!({"title": format!("Public goal {n:02}"), "cycle_id": o.cycle, "owner_id": owner}),
        )
        .await;
    }
    for title in ["Secret merger", "Secret launch"] {
        objective(
            &app,
            json!({"title": title, "cycle_id": o.cycle, "owner_id": o.pia, "visibility": "private"}),
        )
        .await;
    }
    let b = admin(&app).await;
    let first = b.page(&format!("/ownership?cycle_id={}", o.cycle)).await;
    let html = first.html();
    let rows = first.rows("table.owners tbody");
    assert_eq!(rows.len(), 50, "{html}");
    assert!(
        rows[0][0].contains("Pia Platform"),
        "most owned first: {rows:?}"
    );
    assert!(
        first
            .texts(".glance li")
            .contains(&"56 people involved".to_string()),
        "{html}"
    );
    let next = first.attr("a[rel=\"next\"]", "href").expect("a next page");
    assert!(next.contains("page=2"), "{next}");
    assert!(!first.has("a[rel=\"prev\"]"));
    let second = b.page(&next).await;
    assert_eq!(
        second.rows("table.owners tbody").len(),
        6,
        "{}",
        second.html()
    );
    assert!(second.has("a[rel=\"prev\"]"));
    assert!(!second.has("a[rel=\"next\"]"));

    // Sam sees neither Pia's private objectives nor Pia as an owner.
    let sam = Browser::signed_in(&app, &o.sam, "sam.sales@keel.test").await;
    let his = sam.page(&format!("/ownership?cycle_id={}", o.cycle)).await;
    assert!(
        his.texts(".glance li")
            .contains(&"55 people involved".to_string()),
        "{}",
        his.html()
    );
    absent(&his, "Secret merger");
    assert!(!his.has(&format!("tr[id=\"person-{}\"]", o.pia)));
    let his_last = sam
        .page(&format!("/ownership?cycle_id={}&page=2", o.cycle))
        .await;
    absent(&his_last, "Secret launch");
    assert!(!his_last.has(&format!("tr[id=\"person-{}\"]", o.pia)));

    stored_map_reads_as_the_live_one(&app, &o, &b, &sam).await;

    for (page, says) in [
        ("abc", "whole number"),
        ("0", "whole number"),
        ("9", "no page 9"),
    ] {
        let bad = b
            .page_with(
                &format!("/ownership?cycle_id={}&page={page}", o.cycle),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        let e = bad.field_error("page").unwrap_or_default();
        assert!(e.contains(says), "page={page}: {}", bad.html());
        assert!(!bad.has("table.owners"));
    }
}

/// Once the evaluator has counted the cycle, the ownership map is read from its stored counts,
/// with what they leave out for the reader counted live from the reader's ties: the same map as
/// counting everything now, totals included, for three readers.
async fn stored_map_reads_as_the_live_one(app: &TestApp, o: &Org, b: &Browser, sam: &Browser) {
    // Once the evaluator has counted the cycle, the loads are read from its stored counts,
    // with what they leave out for the reader counted live from the reader's ties: the same
    // map as counting everything now, for the administrator (everything stored) and for Sam
    // (public stored; a private objective he contributes to, sponsored by Spo, and a team
    // objective of Sales owned by Tess, live). Nadia, in neither, never sees Spo or Tess.
    let (spo, _) = app.member("Spo Sponsor").await;
    let (tess, _) = app.member("Tess Team").await;
    let (nadia, _) = app.member("Nadia Nobody").await;
    objective(
        app,
        json!({"title": "Secret deal", "cycle_id": o.cycle, "visibility": "private", "sponsor_id": spo, "contributor_ids": [o.sam]}),
    )
    .await;
    objective(
        app,
        json!({"title": "Sales pipeline", "cycle_id": o.cycle, "visibility": "team", "team_ids": [o.sales], "owner_id": tess}),
    )
    .await;
    // Tess owns a second team objective: above a threshold of 1, counted live for Sam. Gus owns
    // one and has left: still involved (the map counts who took part).
    objective(
        app,
        json!({"title": "Sales forecast", "cycle_id": o.cycle, "visibility": "team", "team_ids": [o.sales], "owner_id": tess}),
    )
    .await;
    let (gus, _) = app.member("Gus Gone").await;
    objective(
        app,
        json!({"title": "Gus's goal", "cycle_id": o.cycle, "owner_id": gus}),
    )
    .await;
    let r = app
        .patch(&format!("/api/v1/people/{gus}"), json!({"active": false}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .patch(
            "/api/v1/settings",
            json!({"health": {"pending_ownership_days": 7, "owner_overload": 1, "max_key_results": 5}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let nadia = Browser::signed_in(app, &nadia, "nadia.nobody@keel.test").await;
    let readers = [b, sam, &nadia];
    let mut live = vec![];
    for r in readers {
        live.push(map_pages(r, &o.cycle).await);
    }
    let spo_row = format!("tr[id=\"person-{spo}\"]");
    let tess_row = format!("tr[id=\"person-{tess}\"]");
    for ((who, sees), seen) in [("administrator", true), ("Sam", true), ("Nadia", false)]
        .into_iter()
        .zip(&live)
    {
        let html: String = seen.iter().map(|p| p.html()).collect();
        let shows = |row: &str| seen.iter().any(|p| p.has(row));
        assert_eq!(shows(&spo_row), sees, "{who}: the sponsor");
        assert_eq!(shows(&tess_row), sees, "{who}: the team objective's owner");
        if sees {
            let also: Vec<String> = seen
                .iter()
                .filter(|p| p.has(&spo_row))
                .map(|p| p.text(&format!("{spo_row} td.meta")))
                .collect();
            assert_eq!(also, vec!["sponsors 1".to_string()], "{who}: {html}");
        }
        assert!(
            seen[0]
                .text("[data-freshness]")
                .starts_with("Loads counted now"),
            "{who}: {}",
            seen[0].text("[data-freshness]")
        );
        assert!(
            shows(&format!("tr[id=\"person-{gus}\"]")),
            "{who}: someone who left is still involved"
        );
        assert_eq!(
            seen.iter()
                .filter_map(|p| p.attr(&tess_row, "class"))
                .collect::<Vec<_>>(),
            if sees {
                vec!["overloaded".to_string()]
            } else {
                vec![]
            },
            "{who}: Tess's load"
        );
    }
    app.evaluate_now().await;
    for (r, before) in readers.iter().zip(&live) {
        let after = map_pages(r, &o.cycle).await;
        assert!(
            after[0]
                .text("[data-freshness]")
                .starts_with("Loads counted as of "),
            "{}",
            after[0].text("[data-freshness]")
        );
        let figures = |pages: &[Page]| -> Vec<(Vec<Vec<String>>, Vec<String>)> {
            pages
                .iter()
                .map(|p| (p.rows("table.owners tbody"), p.texts(".glance li")))
                .collect()
        };
        assert_eq!(
            figures(&after),
            figures(before),
            "stored counts read as the live count"
        );
        // The totals are those of the rows, over every page.
        let rows: Vec<Vec<String>> = after
            .iter()
            .flat_map(|p| p.rows("table.owners tbody"))
            .collect();
        let overloaded = after
            .iter()
            .flat_map(|p| p.attrs("table.owners tbody tr", "class"))
            .filter(|c| c == "overloaded")
            .count();
        let glance = after[0].texts(".glance li");
        assert!(
            glance.contains(&format!("{} people involved", rows.len())),
            "{glance:?}"
        );
        assert!(
            glance.contains(&format!("{overloaded} above 1 OKRs owned (overload)")),
            "{glance:?}"
        );
    }
}

/// People of equal load are listed by name, then id, on every page, whether the loads are
/// counted now or read from the evaluator's stored counts: 52 owners of one objective each,
/// created in the reverse order of their names (so by id they would come last name first), their
/// tie running over the page's end.
async fn ownership_map_orders_equal_loads_by_name(app: TestApp) {
    let o = org(&app).await;
    for n in (0..52).rev() {
        let (owner, _) = app.member(&format!("Owner {n:02}")).await;
        objective(
            &app,
            json!({"title": format!("Goal {n:02}"), "cycle_id": o.cycle, "owner_id": owner}),
        )
        .await;
    }
    let b = admin(&app).await;
    let owners = |pages: &[Page]| -> Vec<String> {
        pages
            .iter()
            .flat_map(|p| p.rows("table.owners tbody"))
            .filter_map(|r| {
                let at = r[0].find("Owner ")?;
                Some(r[0][at..at + 8].to_string())
            })
            .collect()
    };
    let want: Vec<String> = (0..52).map(|n| format!("Owner {n:02}")).collect();
    let live = map_pages(&b, &o.cycle).await;
    assert!(live.len() > 1, "the owners run over a page's end");
    assert_eq!(owners(&live), want, "counted now");
    app.evaluate_now().await;
    let stored = map_pages(&b, &o.cycle).await;
    assert!(
        stored[0]
            .text("[data-freshness]")
            .starts_with("Loads counted as of "),
        "{}",
        stored[0].text("[data-freshness]")
    );
    assert_eq!(owners(&stored), want, "read from the stored counts");
}

#[tokio::test]
async fn ownership_map_orders_equal_loads_by_name_on_sqlite() {
    ownership_map_orders_equal_loads_by_name(spawn_app().await).await;
}

#[tokio::test]
async fn ownership_map_orders_equal_loads_by_name_on_postgres() {
    if postgres_configured() {
        ownership_map_orders_equal_loads_by_name(spawn_app_on(Db::Postgres).await).await;
    }
}

/// Every page of the ownership map of `cycle` as `b` reads it.
async fn map_pages(b: &Browser, cycle: &str) -> Vec<Page> {
    let first = b.page(&format!("/ownership?cycle_id={cycle}")).await;
    let mut pages = vec![first];
    while let Some(next) = pages.last().unwrap().attr("a[rel=\"next\"]", "href") {
        pages.push(b.page(&next).await);
    }
    pages
}

#[tokio::test]
async fn ownership_map_pages_through_people_on_sqlite() {
    ownership_map_pages(spawn_app().await).await;
}

#[tokio::test]
async fn ownership_map_pages_through_people_on_postgres() {
    if postgres_configured() {
        ownership_map_pages(spawn_app_on(Db::Postgres).await).await;
    }
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
    app.evaluate_now().await;
    let page = b.page(&format!("/health?cycle_id={}", o.cycle)).await;
    let html = page.html();
    assert!(
        page.texts(".finding-head strong")
            .contains(&"No key results yet".to_string())
            // The code is the pitfall link's key, never words on the page.
            && !page.text("body").contains("objective_without_key_results"),
        "{html}"
    );
    let links = page.attrs(".finding a", "href");
    assert!(links.contains(&format!("/objectives/{empty}")), "{links:?}");
    assert!(
        links.contains(&format!("/teams/{}", o.sales)),
        "the team: {links:?}"
    );
    assert!(
        links
            .iter()
            .any(|l| l == &format!("/people/{}?cycle_id={}", app.admin_id, o.cycle)),
        "the person's page: {links:?}"
    );
    assert_eq!(page.text(".counts .severity-error"), "1 error");
    let bad = b
        .page_with("/health?cycle_id=nope", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(bad.field_error("cycle_id").is_some(), "{}", bad.html());
}

/// At 100,000 people a cycle has tens of thousands of findings: the health page counts them by
/// pitfall (each count listing only that pitfall's findings) and lists them 50 at a time; a
/// pitfall or page that is not one is refused naming the field.
async fn health_page_pages(app: TestApp) {
    let o = org(&app).await;
    for n in 0..55 {
        objective(
            &app,
            json!({"title": format!("Nothing measured {n:02}"), "cycle_id": o.cycle}),
        )
        .await;
    }
    let b = admin(&app).await;
    let path = format!("/health?cycle_id={}", o.cycle);
    app.evaluate_now().await;
    let first = b.page(&path).await;
    let html = first.html();
    // OKR findings carry their OKR's kind in their heading.
    assert_eq!(first.texts(".finding-head .meta").len(), 50, "{html}");
    let pitfalls = first.rows("table.pitfalls tbody");
    let none = pitfalls
        .iter()
        .find(|r| r[0] == "Not aligned with any higher objective")
        .unwrap_or_else(|| panic!("{pitfalls:?}"));
    assert_eq!(none[1], "55", "{pitfalls:?}");
    let only = first
        .attrs("table.pitfalls a", "href")
        .into_iter()
        .find(|h| h.contains("pitfall=not_aligned"))
        .expect("a link to the pitfall's findings");
    let listed = b.page(&only).await;
    let heads = listed.texts(".finding-head strong");
    let okr_heads: Vec<&String> = heads
        .iter()
        .filter(|h| *h != "People without OKRs")
        .collect();
    assert_eq!(okr_heads.len(), 50, "{}", listed.html());
    assert!(
        okr_heads
            .iter()
            .all(|h| *h == "Not aligned with any higher objective"),
        "{heads:?}"
    );
    let next = listed
        .attr("a[rel=\"next\"]", "href")
        .expect("a second page");
    let rest = b.page(&next).await;
    assert_eq!(
        rest.texts(".finding-head .meta").len(),
        5,
        "{}",
        rest.html()
    );
    assert!(rest.has("a[rel=\"prev\"]"));
    for (query, field) in [
        ("pitfall=nope", "pitfall"),
        ("page=x", "page"),
        ("page=99", "page"),
    ] {
        let bad = b
            .page_with(&format!("{path}&{query}"), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert!(bad.field_error(field).is_some(), "{query}: {}", bad.html());
        assert!(!bad.has(".finding-head .meta"), "{query}");
    }
}

#[tokio::test]
async fn health_page_lists_findings_by_pitfall_a_page_at_a_time_on_sqlite() {
    health_page_pages(spawn_app().await).await;
}

#[tokio::test]
async fn health_page_lists_findings_by_pitfall_a_page_at_a_time_on_postgres() {
    if postgres_configured() {
        health_page_pages(spawn_app_on(Db::Postgres).await).await;
    }
}

/// Every link of the main navigation and of the administration sub-navigation on `page`.
fn nav_links(page: &Page) -> Vec<String> {
    page.attrs("nav.site-nav a[href], nav.sub-nav a[href]", "href")
}

/// Navigation shows only what the reader may open: champions once saw "Admin" leading to a 403, and the administration sub-navigation showed
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
            .texts("nav.site-nav a[href]")
            .into_iter()
            .zip(week.attrs("nav.site-nav a[href]", "href"))
            .find(|(text, _)| text == "Admin")
            .map(|(_, href)| href);
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

/// The health page reads what the evaluator last found and says when (before its first run it
/// says so); a private objective's finding is never shown to someone outside it, and never
/// counted for them; a fix shows after the next run.
async fn health_page_reads_the_evaluators_findings(app: TestApp) {
    let o = org(&app).await;
    let b = admin(&app).await;
    let path = format!("/health?cycle_id={}", o.cycle);
    let before = b.page(&path).await;
    assert!(
        before.text("[data-freshness]").contains("has not run yet"),
        "{}",
        before.html()
    );
    objective(
        &app,
        json!({"title": "Secret acquisition", "cycle_id": o.cycle, "visibility": "private", "state": "active"}),
    )
    .await;
    let open = objective(
        &app,
        json!({"title": "Open hiring", "cycle_id": o.cycle, "visibility": "public", "state": "active"}),
    )
    .await;
    let unmeasured = |page: &Page| -> Vec<String> {
        page.texts(".finding.finding-error .finding-head a")
            .into_iter()
            .collect()
    };
    let not_yet = b.page(&path).await;
    assert!(unmeasured(&not_yet).is_empty(), "{}", not_yet.html());
    app.evaluate_now().await;
    let seen = b.page(&path).await;
    assert!(seen.text("[data-freshness]").starts_with("Found as of"));
    let mut titles = unmeasured(&seen);
    titles.sort();
    assert_eq!(
        titles,
        ["Open hiring", "Secret acquisition"],
        "{}",
        seen.html()
    );
    assert_eq!(seen.text(".counts .severity-error"), "2 errors");
    let sam = Browser::signed_in(&app, &o.sam, "sam.sales@keel.test").await;
    let theirs = sam.page(&path).await;
    assert_eq!(unmeasured(&theirs), ["Open hiring"], "{}", theirs.html());
    assert_eq!(theirs.text(".counts .severity-error"), "1 error");
    assert!(!theirs.body().contains("Secret acquisition"));
    key_result(
        &app,
        &open,
        json!({"title": "Hire five engineers", "kind": "increase", "start": 0, "target": 5}),
    )
    .await;
    assert_eq!(unmeasured(&sam.page(&path).await), ["Open hiring"]);
    app.evaluate_now().await;
    assert!(unmeasured(&sam.page(&path).await).is_empty());
}

#[tokio::test]
async fn health_page_reads_the_evaluators_findings_on_sqlite() {
    health_page_reads_the_evaluators_findings(spawn_app().await).await;
}

#[tokio::test]
async fn health_page_reads_the_evaluators_findings_on_postgres() {
    if postgres_configured() {
        health_page_reads_the_evaluators_findings(spawn_app_on(Db::Postgres).await).await;
    }
}

/// The team page shows the health findings about its OKRs as the evaluator last found them (the
/// stored findings of the page's objectives, not a check of the whole cycle on each request): none
/// before its round, then the team's; a private objective's only to those who may see it.
async fn team_page_reads_the_evaluators_findings(app: TestApp) {
    let o = org(&app).await;
    let b = admin(&app).await;
    objective(
        &app,
        json!({"title": "Open hiring", "cycle_id": o.cycle, "visibility": "public",
               "state": "active", "team_ids": [o.sales]}),
    )
    .await;
    objective(
        &app,
        json!({"title": "Secret acquisition", "cycle_id": o.cycle, "visibility": "private",
               "state": "active", "team_ids": [o.sales]}),
    )
    .await;
    objective(
        &app,
        json!({"title": "Elsewhere", "cycle_id": o.cycle, "visibility": "public",
               "state": "active", "team_ids": [o.platform]}),
    )
    .await;
    let path = format!("/teams/{}?cycle_id={}", o.sales, o.cycle);
    let unmeasured = |page: &Page| -> Vec<String> {
        let mut t = page.texts(".findings .finding.finding-error .finding-head a");
        t.sort();
        t
    };
    let before = b.page(&path).await;
    assert!(unmeasured(&before).is_empty(), "{}", before.html());
    assert!(before
        .text("#health + p.freshness")
        .contains("has not run yet"));
    app.evaluate_now().await;
    let seen = b.page(&path).await;
    assert!(seen
        .text("#health + p.freshness")
        .starts_with("Found as of"));
    assert_eq!(
        unmeasured(&seen),
        ["Open hiring", "Secret acquisition"],
        "{}",
        seen.html()
    );
    let sam = Browser::signed_in(&app, &o.sam, "sam.sales@keel.test").await;
    let theirs = sam.page(&path).await;
    assert_eq!(unmeasured(&theirs), ["Open hiring"], "{}", theirs.html());
    assert!(!theirs.body().contains("Secret acquisition"));
}

#[tokio::test]
async fn team_page_reads_the_evaluators_findings_on_sqlite() {
    team_page_reads_the_evaluators_findings(spawn_app().await).await;
}

#[tokio::test]
async fn team_page_reads_the_evaluators_findings_on_postgres() {
    if postgres_configured() {
        team_page_reads_the_evaluators_findings(spawn_app_on(Db::Postgres).await).await;
    }
}

/// Filtered by status across the organisation, a list longer than Keel counts past the page
/// (`COUNTED_PAST`) says "more than" and pages on; a page within reach of the end counts exactly.
async fn a_long_status_list_says_more_than(app: TestApp) {
    use keel_domain::{
        CycleId, Objective, ObjectiveId, ObjectiveKind, ObjectiveState, OwnershipState, PersonId,
        ProgressRollup, Visibility,
    };
    use keel_store::{Notifications, ObjectiveSignal, Objectives, COUNTED_PAST};
    let o = org(&app).await;
    let ctx = WriteCtx {
        actor_id: None,
        source: Source::Api,
        request_id: None,
    };
    let now = chrono::Utc::now();
    let many = COUNTED_PAST + 1;
    let mut signals = vec![];
    for i in 0..many {
        let obj = Objective {
            id: ObjectiveId::generate(),
            title: format!("Behind plan {i:04}"),
            description: String::new(),
            cycle_id: CycleId::from_string(o.cycle.clone()),
            owner_id: PersonId::from_string(o.pia.clone()),
            ownership_state: OwnershipState::Accepted,
            co_owner_ids: vec![],
            sponsor_id: None,
            contributor_ids: vec![],
            team_ids: vec![],
            parents: vec![],
            kind: ObjectiveKind::Committed,
            state: ObjectiveState::Active,
            visibility: Visibility::Public,
            progress_rollup: ProgressRollup::Inherit,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        app.store.insert_objective(&ctx, &obj, None).await.unwrap();
        signals.push(ObjectiveSignal {
            objective_id: obj.id.clone(),
            status: keel_domain::rhythm::Status::OffTrack,
            status_rank: 0,
            progress_milli: 100,
            evaluated_at: now,
            cycle_id: obj.cycle_id.clone(),
        });
    }
    app.store.record_objective_signals(&signals).await.unwrap();
    let b = admin(&app).await;
    let first = b
        .page(&format!("/company?status=off_track&cycle_id={}", o.cycle))
        .await;
    let html = first.html();
    assert!(
        first
            .texts("p.meta")
            .contains(&"More than 1000 objectives match the filters.".to_string()),
        "{html}"
    );
    assert_eq!(
        first.text("nav.pager span.meta"),
        "Showing 1–50 of more than 1000 objectives.",
        "{html}"
    );
    assert_eq!(first.texts("a.okr-title").len(), 50);
    assert_eq!(first.texts("a.okr-title")[0], "Behind plan 0000");
    let next = first.attr("a[rel=\"next\"]", "href").expect("a next page");
    let second = b.page(&next).await;
    assert_eq!(
        second.text("nav.pager span.meta"),
        "Showing 51–100 of 1001 objectives.",
        "{}",
        second.html()
    );
    assert!(second
        .texts("p.meta")
        .contains(&"1001 objectives match the filters.".to_string()));
    assert_eq!(second.texts("a.okr-title")[0], "Behind plan 0050");
}

#[tokio::test]
async fn a_long_status_list_says_more_than_on_sqlite() {
    a_long_status_list_says_more_than(spawn_app().await).await;
}

#[tokio::test]
async fn a_long_status_list_says_more_than_on_postgres() {
    if postgres_configured() {
        a_long_status_list_says_more_than(spawn_app_on(Db::Postgres).await).await;
    }
}
