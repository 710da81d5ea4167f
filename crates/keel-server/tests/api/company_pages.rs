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

    let html = b.html(&format!("/teams/{}", o.platform)).await;
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
    let sales = b.html(&format!("/teams/{}", o.sales)).await;
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
        .html(&format!("/teams/{}?cycle_id={next}", o.platform))
        .await;
    assert!(later.contains("owns or shares no OKRs in this cycle"));
    b.html_with("/teams/no-such-team", StatusCode::NOT_FOUND)
        .await;
    let bad = b
        .html_with(
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

    let html = b.html("/company").await;
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

    let only_platform = b.html(&format!("/company?team_id={}", o.platform)).await;
    assert!(only_platform.contains("Fast everywhere"));
    assert!(!only_platform.contains("More deals in EMEA"));
    let by_owner = b.html(&format!("/company?owner_id={}", o.pia)).await;
    assert!(by_owner.contains("Fast everywhere"));
    assert!(!by_owner.contains("More deals in EMEA"));
    assert!(
        !by_owner.contains(&format!("href=\"/teams/{}\"", o.sales)),
        "empty nodes pruned"
    );
    let on_track = b.html("/company?status=on_track").await;
    assert!(on_track.contains("Fast everywhere") && !on_track.contains("More deals in EMEA"));
    let off_track = b
        .html(&format!("/company?status=off_track&cycle_id={}", o.cycle))
        .await;
    assert!(off_track.contains("More deals in EMEA") && !off_track.contains("Fast everywhere"));
    // The filters are kept in the form, so the URL can be shared and the page re-read.
    assert!(off_track.contains("<option value=\"off_track\" selected>"));

    // Bad filters: 422, the message next to the filter, no tree.
    let bad = b
        .html_with("/company?status=sideways", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(
        field_error(&bad, "status").unwrap().contains("on_track"),
        "{bad}"
    );
    assert!(!bad.contains("Fast everywhere"));
    let bad = b
        .html_with(
            &format!("/company?owner_id={}", o.company),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(field_error(&bad, "owner_id").is_some(), "{bad}");
    let bad = b
        .html_with("/company?team_id=nope", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(field_error(&bad, "team_id").is_some());
    let bad = b
        .html_with("/company?cycle_id=nope", StatusCode::UNPROCESSABLE_ENTITY)
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

    let html = b.html("/ownership").await;
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
        .html_with("/ownership?cycle_id=nope", StatusCode::UNPROCESSABLE_ENTITY)
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
    let html = b.html(&format!("/health?cycle_id={}", o.cycle)).await;
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
        .html_with("/health?cycle_id=nope", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(field_error(&bad, "cycle_id").is_some(), "{bad}");
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
        let week = b.html("/my-week").await;
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
            links.extend(nav_links(&b.html(admin).await));
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
