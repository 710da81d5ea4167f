//! Every date field of the pages takes a day the organisation's way ("5 Dec 2026") as well as
//! ISO, shows how to type it ("e.g. …") instead of the browser's mm/dd/yyyy, and names the
//! field when what was typed is not a day (issue 19, item 4): the 1:1's day, My week's
//! catch-up day, the status override's "until", a cycle's days, an API token's last day.

use crate::helpers::*;
use crate::rhythm::active_objective;
use reqwest::StatusCode;
use serde_json::Value;

/// A day written the organisation's way, `days` from today.
fn org_day(days: i64) -> (String, chrono::NaiveDate) {
    let d = (chrono::Utc::now() + chrono::Duration::days(days)).date_naive();
    (d.format("%-d %b %Y").to_string(), d)
}

/// The page's date inputs: text fields with an "e.g." hint, never the browser's date picker.
fn no_browser_date_inputs(page: &Page) {
    assert!(!page.has("input[type=\"date\"]"), "{}", page.html());
    assert!(page.body().contains("e.g. "), "{}", page.html());
}

#[tokio::test]
async fn date_fields_take_the_organisations_days_and_name_the_field_when_wrong() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Signups"]).await;
    let ada = Browser::admin(&app).await;
    let (yesterday, y) = org_day(-1);

    // My week's catch-up day.
    let week = ada.page("/my-week").await;
    no_browser_date_inputs(&week);
    let row = crate::owner_world::row_of(week.html(), &krs[0]);
    let (id, value, confidence) = (
        format!("key_result_id.{row}"),
        format!("value.{row}"),
        format!("confidence.{row}"),
    );
    ada.done(
        "/my-week/check-in",
        &[
            (&id, &krs[0]),
            (&value, "10"),
            (&confidence, "7"),
            ("at", &yesterday),
        ],
    )
    .await;
    let check_ins = json_of(&app, &format!("/api/v1/key-results/{}/check-ins", krs[0])).await;
    let at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(check_ins["items"][0]["at"].clone()).unwrap();
    assert_eq!(at.date_naive(), y);
    let html = ada
        .refused(
            "/my-week/check-in",
            &[
                (&id, &krs[0]),
                (&value, "12"),
                (&confidence, "7"),
                ("at", "last tuesday"),
            ],
        )
        .await;
    assert!(
        field_error(&html, "at")
            .unwrap()
            .contains("must be a date, like"),
        "{html}"
    );

    // The 1:1's day.
    no_browser_date_inputs(&ada.page("/conversations").await);
    let (bo, _) = app.member("Bo Buddy").await;
    ada.done(
        "/conversations",
        &[
            ("with_id", &bo),
            ("held_on", &yesterday),
            ("notes", "catch-up"),
        ],
    )
    .await;
    assert!(ada.page("/conversations").await.body().contains(&yesterday));

    // The status override's "until".
    let (until, u) = org_day(20);
    no_browser_date_inputs(&ada.page(&format!("/objectives/{o}")).await);
    let html = ada
        .refused(
            &format!("/objectives/{o}/status"),
            &[
                ("status", "at_risk"),
                ("reason", "a supplier slipped"),
                ("until", "soonish"),
            ],
        )
        .await;
    assert!(field_error(&html, "until").is_some(), "{html}");
    assert_eq!(
        Page::parse(&html).field("until").as_deref(),
        Some("soonish")
    );
    ada.done(
        &format!("/objectives/{o}/status"),
        &[
            ("status", "at_risk"),
            ("reason", "a supplier slipped"),
            ("until", &until),
        ],
    )
    .await;
    let objective: Value = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    assert_eq!(objective["status_override"]["until"], u.to_string());

    // A cycle's days, shown back the organisation's way.
    no_browser_date_inputs(&ada.page("/admin/cycles/new").await);
    let html = ada
        .refused(
            "/admin/cycles/new",
            &[
                ("name", "2027 Q1"),
                ("starts_on", "1 Jan 2027"),
                ("ends_on", "31 Feb 2027"),
                ("state", "planning"),
            ],
        )
        .await;
    assert!(field_error(&html, "ends_on").is_some(), "{html}");
    let to = ada
        .done(
            "/admin/cycles/new",
            &[
                ("name", "2027 Q1"),
                ("starts_on", "1 Jan 2027"),
                ("ends_on", "31 March 2027"),
                ("state", "planning"),
            ],
        )
        .await;
    let edit = ada.page(to.split('?').next().unwrap()).await;
    assert_eq!(edit.field("starts_on").as_deref(), Some("1 Jan 2027"));
    assert_eq!(edit.field("ends_on").as_deref(), Some("31 Mar 2027"));

    // An API token's last day.
    no_browser_date_inputs(&ada.page("/account/tokens").await);
    let html = ada
        .submit(
            "/account/tokens",
            &[
                ("name", "CI export"),
                ("scope", "read"),
                ("expires_on", "next year"),
            ],
        )
        .await;
    assert_eq!(html.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&html.text().await.unwrap(), "expires_on").is_some());
    let resp = ada
        .submit(
            "/account/tokens",
            &[
                ("name", "CI export"),
                ("scope", "read"),
                ("expires_on", "31 Dec 2027"),
            ],
        )
        .await;
    assert!(
        resp.status().is_success() || resp.status().is_redirection(),
        "{}",
        resp.status()
    );
}

/// The key-result form's own days and the audit log's Since/Until take the organisation's
/// days too, show how to type them, and name the field when what was typed is not a day.
#[tokio::test]
async fn key_result_days_and_audit_filters_take_the_organisations_days() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &["Signups"]).await;
    let ada = Browser::admin(&app).await;

    // A new key result's own days.
    let new = format!("/objectives/{o}/key-results/new");
    no_browser_date_inputs(&ada.page(&new).await);
    let fields = |starts_on: &'static str, ends_on: &'static str| {
        vec![
            ("title", "Beta in 500 hands"),
            ("metric_kind", "increase"),
            ("start", "0"),
            ("target", "500"),
            ("starts_on", starts_on),
            ("ends_on", ends_on),
        ]
    };
    let resp = ada
        .submit_from(&new, &new, &fields("2 Oct 2026", "end of november"))
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    assert!(
        page.field_error("ends_on")
            .unwrap_or_default()
            .contains("must be a date, like"),
        "{}",
        page.html()
    );
    assert_eq!(page.field("ends_on").as_deref(), Some("end of november"));
    assert_eq!(page.field("starts_on").as_deref(), Some("2 Oct 2026"));
    let resp = ada
        .submit_from(&new, &new, &fields("2 Oct 2026", "30 Nov 2026"))
        .await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let objective = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    let kr = objective["key_results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["title"] == "Beta in 500 hands")
        .expect("created")
        .clone();
    assert_eq!(kr["starts_on"], "2026-10-02");
    assert_eq!(kr["ends_on"], "2026-11-30");
    let edit = ada
        .page(&format!("/key-results/{}/edit", kr["id"].as_str().unwrap()))
        .await;
    no_browser_date_inputs(&edit);
    assert_eq!(edit.field("starts_on").as_deref(), Some("2 Oct 2026"));
    assert_eq!(edit.field("ends_on").as_deref(), Some("30 Nov 2026"));

    // The audit log's Since and Until.
    let audit = ada.page("/admin/audit").await;
    no_browser_date_inputs(&audit);
    let (yesterday, _) = org_day(-1);
    let (tomorrow, _) = org_day(1);
    let found = ada
        .page(&format!(
            "/admin/audit?since={}&until={}",
            yesterday.replace(' ', "+"),
            tomorrow.replace(' ', "+")
        ))
        .await;
    assert!(found.mentions("Beta in 500 hands"), "{}", found.html());
    assert_eq!(found.field("since").as_deref(), Some(yesterday.as_str()));
    let csv = found.attr("a[href*=\"format=csv\"]", "href").unwrap();
    assert!(csv.contains("since=20"), "the export reads ISO days: {csv}");
    let wrong = ada
        .page_with(
            "/admin/audit?until=someday",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        wrong
            .field_error("until")
            .unwrap_or_default()
            .contains("must be a date, like"),
        "{}",
        wrong.html()
    );
    assert_eq!(wrong.field("until").as_deref(), Some("someday"));
}
