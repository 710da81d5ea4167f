//! The objective page as its owner reads it (issue 19, item 1): the demo's *Make new customers
//! successful in their first week* objective at 1366×900 fits in about two screens with room to
//! spare (≤ 1,800 px; about 5,000 px before the compact rows, 1,880 before the actions moved to
//! the breadcrumb line), has one form to propose an initiative (a key-result
//! select) instead of one per key result, and one history in date order, newest first. A key
//! result's row opens to its detail in place. Screenshots at desktop and phone width:
//! target/screenshots/objective-page-desktop.png and objective-page-phone.png.

use super::a11y::spawn_demo;
use super::*;

const TITLE: &str = "Make new customers successful in their first week";

/// The page's full height in CSS pixels.
pub(super) async fn page_height(b: &Browser) -> i64 {
    b.execute("return document.documentElement.scrollHeight", json!([]))
        .await
        .as_i64()
        .unwrap()
}

/// A full-page screenshot at `width`: the window grows to the page's height for the picture.
pub(super) async fn full_screenshot(b: &Browser, width: u32, name: &str) {
    b.set_window_size(width, 900).await;
    let h = page_height(b).await;
    b.set_window_size(width, u32::try_from(h).unwrap() + 120)
        .await;
    b.screenshot(name).await;
}

#[tokio::test]
async fn the_objective_page_fits_two_screens_with_one_initiative_form_and_one_history() {
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
        .unwrap();
    let krs = demo
        .snap
        .key_results
        .iter()
        .filter(|k| k.objective_id == o.id)
        .count();
    assert!(krs >= 4, "the demo objective has {krs} key results");

    let http = reqwest::Client::new();
    let driver = start_driver(&http).await;
    let b = Browser::open(&http, &driver).await;
    b.set_window_size(1366, 900).await;
    b.sign_in(&demo.base, owner.email.as_str(), keel_demo::DEMO_PASSWORD)
        .await;
    b.go(&format!("{}/objectives/{}", demo.base, o.id)).await;
    b.find("#krs-h").await;
    let height = page_height(&b).await;
    eprintln!("objective page at 1366×900: {height} px tall, {krs} key results");

    // One place to propose an initiative, with a select naming the key results.
    let forms = b
        .execute(
            "return document.querySelectorAll('form[action$=\"/initiatives\"]').length",
            json!([]),
        )
        .await;
    assert_eq!(forms, json!(1), "initiative forms on the page");
    let options = b
        .execute(
            "return document.querySelectorAll('#propose-kr option[value]:not([value=\"\"])').length",
            json!([]),
        )
        .await;
    assert_eq!(
        options,
        json!(krs),
        "the key-result select offers each key result"
    );

    // One history, newest first, every line dated.
    let days = b
        .execute(
            "return [...document.querySelectorAll('#history li time')].map(t => t.getAttribute('datetime'))",
            json!([]),
        )
        .await;
    let days: Vec<String> = serde_json::from_value(days).unwrap();
    assert!(days.len() >= 2, "history lines: {days:?}");
    let mut sorted = days.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(days, sorted, "history newest first");
    assert_eq!(
        b.execute(
            "return document.querySelectorAll('#changes-h').length",
            json!([])
        )
        .await,
        json!(0),
        "no second history"
    );

    // A key result's row opens to its detail in place.
    let first = b
        .execute(
            "return document.querySelector('details.kr-more').id",
            json!([]),
        )
        .await;
    let first = first.as_str().unwrap().to_string();
    b.click(&format!("[id='{first}'] > summary")).await;
    let open = b
        .execute(
            "return document.getElementById(arguments[0]).open",
            json!([first]),
        )
        .await;
    assert_eq!(open, json!(true));
    b.click(&format!("[id='{first}'] > summary")).await;

    full_screenshot(&b, 1366, "objective-page-desktop").await;
    full_screenshot(&b, 390, "objective-page-phone").await;
    b.close().await;
    assert!(
        height <= 1800,
        "the objective page is {height} px tall at 1366×900 (two screens less 100 px: 1,800 px)"
    );
}
