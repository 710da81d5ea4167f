//! The automation page in a real browser: a rule created through the form (a KPI leaving its
//! corridor notifies its owner), listed in words, its dry run shown in words on the page; the
//! team picker finds a team as the reader types (the page never lists every team); no console
//! error or CSP violation. Screenshots: target/screenshots/browser-admin-automation.png (the dry run) and
//! browser-admin-automation-picker.png.

use super::*;

#[tokio::test]
async fn automation_page_in_a_browser() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let kpi = app
        .create(
            "/api/v1/kpis",
            json!({"name": "Signups", "unit": "people", "corridor_min": 10}),
        )
        .await;
    let kpi = kpi["id"].as_str().unwrap().to_string();
    for v in [12, 4] {
        app.create(&format!("/api/v1/kpis/{kpi}/values"), json!({"value": v}))
            .await;
    }
    for name in ["Support", "Sales", "Zebra squad"] {
        app.team(name).await;
    }

    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    b.sign_in(&app.base, "ada@keel.test", pw).await;
    b.set_window_size(1280, 1000).await;
    b.go(&format!("{}/admin/automation", app.base)).await;
    assert!(b.text("main").await.contains("No rule yet."));
    // No team is listed until one is looked for.
    assert!(!b.source().await.contains("Zebra squad"));

    b.type_into("input[name=name]", "Signups low → owner").await;
    b.click("select[name='trigger.kind'] option[value=kpi_leaves_corridor]")
        .await;
    b.click(&format!(
        "select[name='trigger.kpi_id'] option[value='{kpi}']"
    ))
    .await;
    b.click("select[name='action.kind'] option[value=notify_role]")
        .await;
    b.click("select[name='action.role'] option[value=owner]")
        .await;
    b.click("form[action='/admin/automation'] button:not([name])")
        .await;
    b.wait_for_url(|u| u.contains("saved=1")).await;
    let table = b.text("main table").await;
    assert!(
        table.contains("Signups low → owner")
            && table.contains("“Signups” leaves its corridor")
            && table.contains("Notify the owner"),
        "{table}"
    );

    b.click("main table form[action$='/dry-run'] button").await;
    b.wait_for_url(|u| u.ends_with("/dry-run")).await;
    let dry = b.text("#dry-run").await;
    assert!(
        dry.contains(
            "Would have notified Ada Admin (owner) that “Signups” left its corridor at 4 people"
        ) && dry.contains("Nothing was sent."),
        "{dry}"
    );

    b.screenshot("browser-admin-automation").await;

    // The team picker asks as the reader types; its answer fills the choice.
    b.type_into("input[name='conditions.team_id.find']", "supp")
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let options = b.text("select[name='conditions.team_id']").await;
        if options.contains("Support") {
            assert!(!options.contains("Sales"), "{options}");
            break;
        }
        assert!(Instant::now() < deadline, "no suggestion: {options}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.screenshot("browser-admin-automation-picker").await;
    b.assert_no_console_errors().await;
    b.close().await;
}
