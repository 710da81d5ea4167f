//! The audit log from the browser: the log page's filters, pages and exports, and an objective's
//! own history of who changed what and when.

use crate::helpers::*;
use crate::rhythm::active_objective;
use reqwest::StatusCode;

#[tokio::test]
async fn audit_log_page_filters_paginates_and_links_the_exports() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &["Signups"]).await;
    let ada = Browser::admin(&app).await;
    let page = ada.page("/admin/audit").await;
    // What was done to what, in words (issue 12: no action codes, no ids).
    let what = |page: &Page| {
        page.rows("table[aria-labelledby=\"audit\"] tbody")
            .into_iter()
            .map(|r| format!("{} {}", r[2], r[3]))
            .collect::<Vec<_>>()
    };
    let who = page.texts("table[aria-labelledby=\"audit\"] tbody td:nth-child(2)");
    assert!(
        what(&page)
            .iter()
            .any(|a| a == "created objective “Delight customers”"),
        "{}",
        page.html()
    );
    assert!(who.iter().any(|a| a.contains("Ada Admin")), "{who:?}");
    assert!(
        page.attrs("a[aria-current=\"page\"]", "href")
            .contains(&"/admin/audit".to_string()),
        "the audit log is the current page of the admin navigation"
    );
    let page = ada.page(&format!("/admin/audit?object_id={o}")).await;
    assert!(what(&page)
        .iter()
        .any(|a| a == "created objective “Delight customers”"));
    assert!(
        !what(&page).iter().any(|a| a == "created cycle “2026 Q4”"),
        "filtered to the objective"
    );
    assert!(
        page.links_to(&format!("/api/v1/audit?format=csv&limit=500&object_id={o}")),
        "{:?}",
        page.links()
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
        let page = ada
            .page_with(
                &format!("/admin/audit?{q}"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert!(page.field_error(field).is_some(), "{q}: {}", page.html());
    }
    // Pagination: 50 a page.
    for i in 0..50 {
        app.create(
            "/api/v1/teams",
            serde_json::json!({"name": format!("Team {i}")}),
        )
        .await;
    }
    let page = ada.page("/admin/audit").await;
    let older = page
        .links()
        .into_iter()
        .find(|l| l.starts_with("/admin/audit?cursor="))
        .expect("an older page");
    let older = ada.page(&older).await;
    assert!(
        what(&older)
            .iter()
            .any(|a| a == "created objective “Delight customers”"),
        "{}",
        older.html()
    );
    // Members: a 403 page.
    let (mia, _) = app.member("Mia Member").await;
    let mia = Browser::signed_in(&app, &mia, "mia.member@keel.test").await;
    mia.html_with("/admin/audit", StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn objective_page_lists_who_changed_what_and_when() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &["Signups"]).await;
    let ada = Browser::admin(&app).await;
    let page = ada.page(&format!("/objectives/{o}")).await;
    // One history: ownership and changes together, newest first.
    let changes = page.texts("#history li");
    let at = page.attrs("#history li time", "datetime");
    assert_eq!(at.len(), changes.len(), "every line dated");
    let mut newest_first = at.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(at, newest_first);
    assert!(!page.has("#changes-h"), "no second history");
    let has = |what: &str| changes.iter().any(|c| c.contains(what));
    assert!(has("Ada Admin created the objective"), "{changes:?}");
    assert!(has("Ada Admin created key result “Signups”"), "{changes:?}");
    assert!(has("Ada Admin changed the objective"), "{changes:?}");
}
