//! Creating an objective as a person does it (issue 19, item 2): one page, one submit. The
//! demo's owner writes an objective in the current quarter (the default, not the year), finds a
//! contributor by typing, fills three key results of different kinds (a number, done or not
//! done, milestones: each row shows only what its kind needs, one added with "Add another key
//! result"), ticks "Activate now" (every owner is them) and creates it: one submit, two page
//! loads (the form and the objective). Then a form with bad rows: every error at once next to
//! its field, what was typed kept, nothing written. Screenshots of the form at desktop and phone
//! width: target/screenshots/new-objective-desktop.png and new-objective-phone.png.

use super::a11y::spawn_demo;
use super::*;
use keel_domain::{CycleState, ObjectiveState, Person};
use keel_store::{ObjectiveFilter, Objectives, PageRequest, Reader};

const TITLE: &str = "Make new customers successful in their first week";

/// How many objectives `owner` owns.
async fn owned(store: &keel_store::DynStore, owner: &Person) -> usize {
    let filter = ObjectiveFilter {
        owner_id: Some(owner.id.clone()),
        ..ObjectiveFilter::new(Reader::Everyone)
    };
    store
        .list_objectives(&filter, &PageRequest::default())
        .await
        .unwrap()
        .items
        .len()
}

/// Whether the element matching `css` is shown (not hidden by the style sheet).
async fn shown(b: &Browser, css: &str) -> bool {
    b.execute(
        "const e = document.querySelector(arguments[0]); return !!e && e.getClientRects().length > 0",
        json!([css]),
    )
    .await
        == json!(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_objective_with_three_key_results_in_one_page_and_one_submit() {
    if !browser_available() {
        return;
    }
    let demo = spawn_demo().await;
    let o = demo
        .snap
        .objectives
        .iter()
        .find(|o| o.title == TITLE)
        .expect("the demo objective");
    let owner = demo
        .snap
        .people
        .iter()
        .find(|p| p.id == o.owner_id)
        .unwrap()
        .clone();
    let helper = demo
        .snap
        .people
        .iter()
        .find(|p| p.id != owner.id && p.active)
        .unwrap()
        .clone();
    let today = chrono::Utc::now().date_naive();
    let quarter = demo
        .snap
        .cycles
        .iter()
        .filter(|c| c.state != CycleState::Closed && c.starts_on <= today && today <= c.ends_on)
        .min_by_key(|c| (c.ends_on - c.starts_on).num_days())
        .unwrap()
        .clone();
    let before = owned(&demo.store, &owner).await;

    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    b.set_window_size(1366, 900).await;
    b.sign_in(&demo.base, owner.email.as_str(), keel_demo::DEMO_PASSWORD)
        .await;
    b.go(&format!("{}/objectives/new", demo.base)).await;
    b.find("#kr-0-title").await;
    // Count the form's submits across page loads, and mark this page: the mark survives as
    // long as no other page is loaded.
    b.execute(
        "sessionStorage.setItem('submits', '0'); window.keelMark = 'form';
         document.querySelector('form.okr-form').addEventListener('submit',
           () => sessionStorage.setItem('submits', String(Number(sessionStorage.getItem('submits')) + 1)));",
        json!([]),
    )
    .await;
    assert_eq!(
        b.execute(
            "return document.getElementById('f-cycle_id').value",
            json!([])
        )
        .await,
        json!(quarter.id.to_string()),
        "the cycle defaults to the current quarter ({})",
        quarter.name
    );
    // You are the owner: no message to yourself, no owner-fit questions.
    assert!(!shown(&b, "#f-owner_note").await);
    assert!(!shown(&b, "#kr-0-owner_note").await);

    fill_three_key_results(&b, &helper).await;
    assert_eq!(
        b.execute("return window.keelMark || null", json!([])).await,
        json!("form"),
        "filling the form loaded no page"
    );
    assert_eq!(b.severe_log().await, Vec::<String>::new(), "console errors");
    super::objective_page::full_screenshot(&b, 1366, "new-objective-desktop").await;
    super::objective_page::full_screenshot(&b, 390, "new-objective-phone").await;
    b.set_window_size(1366, 900).await;

    b.click("form.okr-form button[type=submit]").await;
    let url = b
        .wait_for_url(|u| u.contains("/objectives/") && u.contains("done=saved"))
        .await;
    assert_eq!(
        b.execute("return sessionStorage.getItem('submits')", json!([]))
            .await,
        json!("1"),
        "one submit"
    );
    // Two page loads in all: the form, then the objective (this page has no mark).
    assert_eq!(
        b.execute("return window.keelMark || null", json!([])).await,
        json!(null)
    );
    b.find("#krs-h").await;
    let rows = b
        .execute(
            "return [...document.querySelectorAll('.kr-row h3')].map(h => h.textContent.trim())",
            json!([]),
        )
        .await;
    assert_eq!(
        rows,
        json!([
            "Setup finished on day one by 60%",
            "The setup checklist is in the product",
            "Guided setup launched"
        ]),
        "{url}"
    );
    assert!(b.text(".meta .pill").await.contains("Active"));
    assert_eq!(owned(&demo.store, &owner).await, before + 1);
    let created = demo
        .store
        .list_objectives(
            &ObjectiveFilter {
                owner_id: Some(owner.id.clone()),
                ..ObjectiveFilter::new(Reader::Everyone)
            },
            &PageRequest::default(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|o| o.title == "Customers finish setup on day one")
        .unwrap();
    assert_eq!(created.state, ObjectiveState::Active);
    assert_eq!(created.cycle_id, quarter.id);
    assert_eq!(created.contributor_ids, vec![helper.id.clone()]);

    bad_rows_are_refused_at_once(&b, &demo.base, &demo.store, &owner, before + 1).await;
    b.close().await;
}

/// The objective, a contributor found by typing, three key results of three kinds (one in a
/// row added on the page; row 3 left blank), and "Activate now".
async fn fill_three_key_results(b: &Browser, helper: &Person) {
    b.type_into("#f-title", "Customers finish setup on day one")
        .await;
    // A contributor, found by typing part of their name and ticked.
    b.type_into("#f-contributor_ids-find", &helper.name).await;
    b.click(&format!(
        "#f-contributor_ids-found input[value='{}']",
        helper.id
    ))
    .await;
    // A number to increase.
    b.type_into("#kr-0-title", "Setup finished on day one by 60%")
        .await;
    b.type_into("#kr-0-start", "35").await;
    b.type_into("#kr-0-target", "60").await;
    b.type_into("#kr-0-unit", "%").await;
    assert!(shown(b, "#kr-0-target").await);
    assert!(!shown(b, "#kr-0-milestones").await);
    // Done or not done: no numbers to give.
    b.click("#kr-1-kind option[value='boolean']").await;
    b.type_into("#kr-1-title", "The setup checklist is in the product")
        .await;
    assert!(
        !shown(b, "#kr-1-target").await,
        "a done/not done row asks no target"
    );
    // Milestones, in a row added on the page (row 3 stays blank and is ignored).
    b.click("#kr-add").await;
    b.find("#kr-3-title").await;
    b.click("#kr-3-kind option[value='milestone']").await;
    b.type_into("#kr-3-title", "Guided setup launched").await;
    assert!(shown(b, "#kr-3-milestones").await);
    assert!(!shown(b, "#kr-3-start").await);
    b.type_into(
        "#kr-3-milestones",
        "Design agreed\nBeta with ten customers\nLaunched",
    )
    .await;
    b.click("#f-state").await;
}

/// A form with bad rows: every error at once next to its field, what was typed kept, nothing
/// written (`owner` still owns `objectives`).
async fn bad_rows_are_refused_at_once(
    b: &Browser,
    base: &str,
    store: &keel_store::DynStore,
    owner: &Person,
    objectives: usize,
) {
    // Bad rows: every error at once, next to its field; what was typed kept; nothing written.
    b.go(&format!("{}/objectives/new", base)).await;
    b.type_into("#f-title", "Support answers within an hour")
        .await;
    b.type_into("#kr-0-title", "First answer within an hour")
        .await;
    b.type_into("#kr-0-target", "lots").await;
    b.click("#kr-1-kind option[value='milestone']").await;
    b.type_into("#kr-1-milestones", "Rota agreed").await;
    b.click("form.okr-form button[type=submit]").await;
    b.find("[id='kr-0-target-error']").await;
    assert!(b
        .text("[id='kr-0-target-error']")
        .await
        .contains("must be a number"));
    assert!(!b.text("[id='kr-1-title-error']").await.is_empty());
    assert_eq!(
        b.execute(
            "return document.getElementById('kr-0-target').value",
            json!([])
        )
        .await,
        json!("lots")
    );
    assert_eq!(
        b.execute(
            "return document.getElementById('kr-1-milestones').value",
            json!([])
        )
        .await,
        json!("Rota agreed")
    );
    assert!(b.current_url().await.ends_with("/objectives/new"));
    assert_eq!(owned(store, owner).await, objectives, "nothing written");
    // The refused form answers 422, which the browser logs; nothing else may be logged.
    let logged: Vec<String> = b.severe_log()
        .await
        .into_iter()
        .filter(|m| !m.contains("/objectives/new - Failed to load resource: the server responded with a status of 422"))
        .collect();
    assert_eq!(logged, Vec::<String>::new(), "console errors");
}
