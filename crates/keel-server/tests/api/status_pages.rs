//! Status and pace where owners look ("Status and pace"): statuses, forecasts and the status
//! override on the objective page and My week, and the back-dated weekly check-in.

use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use reqwest::StatusCode;

fn days_ago(d: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(d))
        .date_naive()
        .to_string()
}

#[tokio::test]
async fn objective_page_and_my_week_show_the_rhythms_status_and_due() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Weekly active teams", "NPS"]).await;
    let ada = Browser::admin(&app).await;

    // Nothing is due on new key results; a back-dated check-in (the weekly form's date) of nine
    // days ago makes the key result due on the same rule as the API's.
    let page = ada.page("/my-week").await;
    assert!(!page.has(".pill.due"), "{}", page.html());
    // The row of the weekly form that carries a key result (its hidden `key_result_id.N`).
    let row = |kr: &str| {
        page.attrs(&format!("input[value=\"{kr}\"]"), "name")
            .into_iter()
            .find_map(|n| n.strip_prefix("key_result_id.").map(str::to_string))
            .unwrap()
    };
    let n = row(&krs[0]);
    let (id, value, confidence) = (
        format!("key_result_id.{n}"),
        format!("value.{n}"),
        format!("confidence.{n}"),
    );
    // A date in the future, or not a date: shown next to the date, nothing recorded.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    for (bad, message) in [(tomorrow.as_str(), "future"), ("last week", "a date")] {
        let html = ada
            .refused(
                "/my-week/check-in",
                &[
                    (&id, &krs[0]),
                    (&value, "30"),
                    (&confidence, "3"),
                    ("at", bad),
                ],
            )
            .await;
        let page = Page::parse(&html);
        assert!(page.field_error("at").unwrap().contains(message), "{html}");
        assert_eq!(page.field("at").as_deref(), Some(bad), "kept: {html}");
    }
    let kr_json = json_of(&app, &format!("/api/v1/key-results/{}", krs[0])).await;
    assert!(kr_json["last_check_in_at"].is_null(), "nothing written");
    let nine = days_ago(9);
    let to = ada
        .done(
            "/my-week/check-in",
            &[
                (&id, &krs[0]),
                (&value, "30"),
                (&confidence, "3"),
                ("at", &nine),
            ],
        )
        .await;
    assert_eq!(to, "/my-week?done=check-in");
    let kr_json = json_of(&app, &format!("/api/v1/key-results/{}", krs[0])).await;
    assert!(
        kr_json["last_check_in_at"]
            .as_str()
            .unwrap()
            .starts_with(&nine),
        "{kr_json}"
    );
    assert_eq!(kr_json["check_in_due"], true);
    let page = ada.page("/my-week").await;
    assert_eq!(page.text(".pill.due"), "1 due", "{}", page.html());
    // Confidence 3 of 10 is off track (and the objective takes its worst key result's).
    assert!(page.has(".status.status-off_track"), "{}", page.html());

    // The objective page: statuses with reasons, the forecast, what is due.
    let page = ada.page(&format!("/objectives/{o}")).await;
    assert!(page.has(".status.status-off_track"), "{}", page.html());
    let reason = kr_json["status_reason"].as_str().unwrap();
    assert!(
        page.texts(".status .reason")
            .iter()
            .any(|r| r.contains(reason)),
        "the API's reason {reason} is shown: {}",
        page.html()
    );
    assert!(page.body().contains("forecast"), "{}", page.html());
    assert!(page.has(".pill.due"), "{}", page.html());
    assert!(page.body().contains("Scores and retrospective"));

    // The owner's override: bad input next to the field, kept, nothing written.
    let path = format!("/objectives/{o}/status");
    let html = ada
        .refused(&path, &[("status", "great"), ("reason", "we know better")])
        .await;
    assert!(field_error(&html, "status").is_some(), "{html}");
    assert_eq!(
        Page::parse(&html).field("reason").as_deref(),
        Some("we know better")
    );
    let html = ada
        .refused(&path, &[("status", "on_track"), ("reason", " ")])
        .await;
    assert!(field_error(&html, "reason").is_some(), "{html}");
    let oj = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    assert!(oj["status_override"].is_null());
    let to = ada
        .done(
            &path,
            &[("status", "on_track"), ("reason", "the fix ships Monday")],
        )
        .await;
    assert_eq!(to, format!("/objectives/{o}?done=status"));
    let oj = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    assert_eq!(oj["status"], "on_track");
    let page = ada.page(&format!("/objectives/{o}")).await;
    assert!(
        page.body().contains("the fix ships Monday"),
        "{}",
        page.html()
    );
    assert!(page
        .texts("p.meta")
        .iter()
        .any(|t| t.starts_with("The owner's override")));
    ada.done(&format!("/objectives/{o}/status/clear"), &[])
        .await;
    let oj = json_of(&app, &format!("/api/v1/objectives/{o}")).await;
    assert!(oj["status_override"].is_null());
    assert_eq!(oj["status"], "off_track");

    // Someone else may neither override nor see the form.
    let (mia, _) = app.member("Mia Member").await;
    let mia = Browser::signed_in(&app, &mia, "mia.member@keel.test").await;
    let page = mia.page(&format!("/objectives/{o}")).await;
    assert!(!page.mentions("Override the status"));
    assert!(!page.has("details.status-override"));
    assert!(!page.mentions("Scores and retrospective"));
    let resp = mia
        .submit(&path, &[("status", "on_track"), ("reason", "mine now")])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}
