//! Navigation as each role meets it (issue 19, item 4): "Admin" only for those who may use
//! something there; one's own name opens the account page, which links to password, time zone
//! and API tokens; the calibration report linked from the Company page for the roles that may
//! open it; a favicon, and `/favicon.ico` answering (a 404 shows as a console error).

use crate::helpers::*;
use reqwest::StatusCode;

/// The main navigation's labels on My week.
async fn nav(b: &Browser) -> Vec<String> {
    b.page("/my-week").await.texts("nav.site-nav a")
}

#[tokio::test]
async fn admin_shows_only_to_those_who_may_use_it_and_the_name_opens_the_account() {
    let app = spawn_app().await;
    let (id, _) = app.member("Max Member").await;
    let max = Browser::signed_in(&app, &id, "max.member@keel.test").await;
    let labels = nav(&max).await;
    assert!(labels.contains(&"My week".to_string()), "{labels:?}");
    assert!(!labels.contains(&"Admin".to_string()), "{labels:?}");
    // Their name in the header opens the account page, which leads to each account page.
    let week = max.page("/my-week").await;
    assert_eq!(
        week.attrs(".who a[title='Your account']", "href"),
        vec!["/account".to_string()]
    );
    let account = max.page("/account").await;
    assert!(account.body().contains("Max Member"), "{}", account.html());
    for href in ["/account/password", "/account/time-zone", "/account/tokens"] {
        assert!(account.links_to(href), "{href}: {}", account.html());
        assert_eq!(max.get(href).await.status(), StatusCode::OK, "{href}");
    }
    // The old tokens address still leads there.
    let old = max.get("/admin/tokens").await;
    assert!(old.status().is_redirection(), "{}", old.status());
    // Members may not open the calibration report, and are not offered it.
    assert!(!max.page("/company").await.links_to("/reports/calibration"));
    assert_eq!(
        max.get("/reports/calibration").await.status(),
        StatusCode::FORBIDDEN
    );

    // The administrator sees Admin and the calibration report's link, and may open both.
    let ada = Browser::admin(&app).await;
    assert!(nav(&ada).await.contains(&"Admin".to_string()));
    assert!(ada.page("/company").await.links_to("/reports/calibration"));
    assert_eq!(
        ada.get("/reports/calibration").await.status(),
        StatusCode::OK
    );
    // An analyst reads the report, and administers nothing.
    let (id, _) = app.person_with_roles("Ann Analyst", &["analyst"]).await;
    let ann = Browser::signed_in(&app, &id, "ann.analyst@keel.test").await;
    assert!(ann.page("/company").await.links_to("/reports/calibration"));
    assert!(!nav(&ann).await.contains(&"Admin".to_string()));
}

#[tokio::test]
async fn the_account_page_needs_a_sign_in() {
    let app = spawn_app().await;
    let b = Browser::new(&app);
    let resp = b.get("/account").await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/sign-in"), "{to}");
}

#[tokio::test]
async fn every_page_names_a_favicon_that_answers() {
    let app = spawn_app().await;
    let ada = Browser::admin(&app).await;
    let page = ada.page("/my-week").await;
    let icon = page.attrs("link[rel=icon]", "href");
    assert_eq!(icon.len(), 1, "{}", page.html());
    for path in [icon[0].as_str(), "/favicon.ico", "/static/favicon.svg"] {
        let resp = Browser::new(&app).get(path).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(resp.headers()["content-type"], "image/svg+xml", "{path}");
        assert!(resp.text().await.unwrap().starts_with("<svg"), "{path}");
    }
    // A made-up asset name still answers 404.
    let resp = Browser::new(&app).get("/static/favicon.png").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

/// The time zone is chosen from the IANA list on the account page and in the organisation's
/// settings, the current one selected; a name not on the list is still refused next to the field.
#[tokio::test]
async fn time_zones_are_chosen_from_a_list() {
    let app = spawn_app().await;
    let ada = Browser::admin(&app).await;
    let page = ada.page("/account/time-zone").await;
    assert!(page.has("select[name=\"time_zone\"] option[value=\"Pacific/Auckland\"]"));
    assert!(!page.has("input[name=\"time_zone\"]"));
    let resp = ada
        .submit("/account/time-zone", &[("time_zone", "Pacific/Auckland")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = ada.page("/account/time-zone").await;
    assert_eq!(
        page.attrs("select[name=\"time_zone\"] option[selected]", "value"),
        vec!["Pacific/Auckland".to_string()]
    );
    let html = ada
        .refused("/account/time-zone", &[("time_zone", "Mars/Olympus")])
        .await;
    assert!(Page::parse(&html).has("#f-time_zone-error"), "{html}");
    let settings = ada.page("/admin/settings").await;
    assert_eq!(
        settings.attrs("select[name=\"time_zone\"] option[selected]", "value"),
        vec!["UTC".to_string()]
    );
    assert!(settings.has("select[name=\"time_zone\"] option[value=\"Pacific/Auckland\"]"));
}

/// Ten sections fit the bar at laptop width: KPIs sit under "Dashboard" (its sub-navigation
/// leads both ways), and the KPI pages mark "Dashboard" as where the reader is.
#[tokio::test]
async fn kpis_live_under_the_dashboard_and_the_bar_keeps_ten_sections() {
    let app = spawn_app().await;
    let ada = Browser::admin(&app).await;
    assert_eq!(
        nav(&ada).await,
        [
            "My week",
            "Dashboard",
            "Conversations",
            "Feedback",
            "Company",
            "Alignment",
            "Ownership",
            "Health",
            "Reports",
            "Admin"
        ]
    );
    let dashboard = ada.page("/dashboard").await;
    assert_eq!(
        dashboard.attrs("nav.sub-nav a", "href"),
        ["/dashboard", "/kpis"],
        "{}",
        dashboard.html()
    );
    assert_eq!(dashboard.text("nav.sub-nav a[aria-current=page]"), "OKRs");
    let kpis = ada.page("/kpis").await;
    assert_eq!(kpis.text("nav.site-nav a[aria-current=page]"), "Dashboard");
    assert_eq!(kpis.text("nav.sub-nav a[aria-current=page]"), "KPIs");
    assert!(kpis.links_to("/dashboard"), "{}", kpis.html());
}
