//! The alignment tree in a real browser: the year's objective stands above the quarter's; opening
//! it from the keyboard (Enter on its summary) loads its children with htmx, a level at a time,
//! and a key result aligned to a key result shows under it; no console error or CSP violation.
//! The key result page's "aligns to" form suggests objectives as one types. Screenshots:
//! target/screenshots/browser-alignment.png (desktop), browser-alignment-phone.png and
//! browser-key-result-aligns-to.png.

use super::*;

#[tokio::test]
async fn opening_a_node_of_the_alignment_tree_loads_its_children() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let pw = "a long enough password";
    give_password(&app, &app.admin_id, pw).await;
    let id = |v: Value| v["id"].as_str().unwrap().to_string();
    let year = id(app
        .create(
            "/api/v1/cycles",
            json!({"name": "2026", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "state": "active"}),
        )
        .await);
    let quarter = id(app
        .create(
            "/api/v1/cycles",
            json!({"name": "2026 Q4", "starts_on": "2026-10-01", "ends_on": "2026-12-31", "state": "active", "parent_id": year}),
        )
        .await);
    let year_o = id(app
        .create(
            "/api/v1/objectives",
            json!({"title": "Customers love the product", "cycle_id": year}),
        )
        .await);
    let year_kr = id(app
        .create(
            &format!("/api/v1/objectives/{year_o}/key-results"),
            json!({"title": "NPS from 20 to 40", "kind": "increase", "start": 20, "target": 40}),
        )
        .await);
    let team_o = id(app
        .create(
            "/api/v1/objectives",
            json!({"title": "Onboarding is effortless", "cycle_id": quarter, "parent_ids": [year_kr]}),
        )
        .await);
    let team_kr = id(app
        .create(
            &format!("/api/v1/objectives/{team_o}/key-results"),
            json!({"title": "Day-7 activation from 30% to 50%", "kind": "increase", "start": 30, "target": 50, "parent_ids": [year_kr]}),
        )
        .await);
    for n in 1..=3 {
        app.create(
            "/api/v1/objectives",
            json!({"title": format!("Quarter objective {n}"), "cycle_id": quarter}),
        )
        .await;
    }

    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    b.sign_in(&app.base, "ada@keel.test", pw).await;
    b.go(&format!("{}/alignment?cycle_id={quarter}", app.base))
        .await;
    b.find(&format!("#node-{year_o}")).await;
    assert!(
        !b.source().await.contains(&format!("node-{year_kr}")),
        "children wait until their node is opened"
    );
    // Open the year objective from the keyboard: its key result comes in.
    b.execute(
        "document.querySelector(arguments[0]).focus()",
        json!([format!("#node-{year_o} > details > summary")]),
    )
    .await;
    b.press(&[keys::ENTER]).await;
    children_come(&b, &year_o, &[&year_kr]).await;
    // Open the key result: what is aligned to it, the team's objective and key result.
    b.execute(
        "document.querySelector(arguments[0]).focus()",
        json!([format!("#node-{year_kr} > details > summary")]),
    )
    .await;
    b.press(&[keys::SPACE]).await;
    children_come(&b, &year_kr, &[&team_o, &team_kr]).await;
    let text = b.text(&format!("#node-{year_kr}")).await;
    assert!(text.contains("Day-7 activation"), "{text}");
    // Collapsible: closing it hides the children again.
    b.press(&[keys::ENTER]).await;
    let open = b
        .execute(
            "return document.querySelector(arguments[0]).open",
            json!([format!("#node-{year_kr} > details")]),
        )
        .await;
    assert_eq!(open, json!(false));
    b.press(&[keys::ENTER]).await;
    b.screenshot("browser-alignment").await;
    b.set_window_size(390, 844).await;
    b.execute(
        "document.querySelector('#tree').scrollIntoView()",
        json!([]),
    )
    .await;
    b.screenshot("browser-alignment-phone").await;
    // The key result's page says what it aligns to, and the form suggests as one types.
    b.set_window_size(1280, 900).await;
    b.go(&format!("{}/key-results/{team_kr}", app.base)).await;
    b.click("details.align-form summary").await;
    b.type_into("#f-parent_ids-find", "Customers").await;
    b.find(&format!("#f-parent_ids-found input[value='{year_o}']"))
        .await;
    b.execute(
        "document.querySelector('#aligns-h').scrollIntoView()",
        json!([]),
    )
    .await;
    b.screenshot("browser-key-result-aligns-to").await;
    b.assert_no_console_errors().await;
    b.close().await;
}

/// After a key on the node's summary: the node opens, then htmx brings in its `children`. A
/// failure says which of the two did not happen, with the node's HTML and the console.
async fn children_come(b: &Browser, node: &str, children: &[&str]) {
    let node = format!("#node-{node}");
    b.wait_until(
        "return document.querySelector(arguments[0]).open === true",
        json!([format!("{node} > details")]),
        "the key opens the node",
        &node,
    )
    .await;
    for child in children {
        b.wait_until(
            "return document.querySelector(arguments[0]) !== null",
            json!([format!("{node} #node-{child}")]),
            &format!("the node's child {child} is loaded"),
            &node,
        )
        .await;
        // And taken in hand by htmx (it processes swapped-in content just after the swap): a
        // node toggled before that opens without loading its own children, as it would for
        // anyone quick enough, so the test waits as a person's eyes would.
        b.wait_until(
            "const d = document.querySelector(arguments[0]); \
             return d === null || !d.hasAttribute('hx-get') \
               || d['htmx-internal-data'] !== undefined",
            json!([format!("{node} #node-{child} > details")]),
            &format!("the node's child {child} is ready to open"),
            &node,
        )
        .await;
    }
}
