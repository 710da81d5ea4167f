//! Issue 12, "Words from the code leak into the page" and "Dates in the wrong zone": pages speak
//! the reader's words (figures, health pitfalls, history and audit in sentences, no ids or
//! codes), numbers are written and read the organisation's way, and "today" is the
//! organisation's day.

use crate::helpers::*;
use crate::rhythm::check_in_day_tomorrow;
use reqwest::StatusCode;
use serde_json::json;

/// An active objective with an increase key result from 32 % to 55 % and a yes/no one.
async fn figures_objective(app: &TestApp) -> (String, String, String) {
    let cycle = app.cycle("2026 Q4").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Delight customers", "cycle_id": cycle}),
        )
        .await;
    let o = o["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/objectives/{o}/key-results");
    let kr = |body| app.create(&path, body);
    let share = kr(
        json!({"title": "Activation", "kind": "increase", "start": 32, "target": 55, "unit": "%"}),
    )
    .await;
    let yes_no = kr(json!({"title": "Launch the app", "kind": "boolean"})).await;
    let resp = app
        .patch(
            &format!("/api/v1/objectives/{o}"),
            json!({"state": "active"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    (
        o,
        share["id"].as_str().unwrap().to_string(),
        yes_no["id"].as_str().unwrap().to_string(),
    )
}

/// The name of the weekly check-in row carrying `kr` (its hidden `key_result_id.N`).
fn row_of(page: &Page, kr: &str) -> String {
    page.attrs(&format!("input[value=\"{kr}\"]"), "name")
        .into_iter()
        .find_map(|n| n.strip_prefix("key_result_id.").map(str::to_string))
        .unwrap_or_else(|| panic!("no row for {kr}: {}", page.html()))
}

fn has_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(13)).any(|i| {
        b[i..i + 8].iter().all(u8::is_ascii_hexdigit)
            && b[i + 8] == b'-'
            && b[i + 9..i + 13].iter().all(u8::is_ascii_hexdigit)
    })
}

#[tokio::test]
async fn figures_read_as_words_on_the_objective_page_and_my_week() {
    let app = spawn_app().await;
    let (o, share, _) = figures_objective(&app).await;
    app.create(
        &format!("/api/v1/key-results/{share}/check-ins"),
        json!({"value": 41, "confidence": 7}),
    )
    .await;
    let ada = Browser::admin(&app).await;
    for path in [format!("/objectives/{o}"), "/my-week".to_string()] {
        let page = ada.page(&path).await;
        let body = page.body();
        assert!(
            body.contains("41 % now · target 55 % · from 32 %"),
            "{path}: {body}"
        );
        assert!(body.contains("Not done yet"), "{path}: {body}");
        for code in ["increase:", "boolean:", "→", "0 of 1"] {
            assert!(!body.contains(code), "{path} shows {code}: {body}");
        }
    }
    // Status reasons are text on the page, not a hover tip.
    let page = ada.page(&format!("/objectives/{o}")).await;
    // The header line says state, kind, audience and cycle in words, not their API spellings.
    let header = page.text("main > p.meta");
    assert_eq!(
        header,
        "Active Committed: expected to reach 100% · visible to the whole organisation · 2026 Q4 (1 Oct 2026 to 31 Dec 2026)"
    );
    assert!(
        page.texts(".status .reason").iter().any(|r| !r.is_empty()),
        "{}",
        page.html()
    );
    let css = app
        .get(
            &Page::parse(page.html())
                .attrs("link[rel=stylesheet]", "href")
                .into_iter()
                .next()
                .unwrap(),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !css.contains(".status:hover .reason"),
        "no hover-only reason"
    );
}

#[tokio::test]
async fn a_decimal_comma_organisation_writes_and_reads_numbers_its_way() {
    let app = spawn_app().await;
    let (o, share, _) = figures_objective(&app).await;
    // Bad input: the two marks may not be the same character.
    let resp = app
        .patch(
            "/api/v1/settings",
            json!({"locale": {"decimal_mark": "comma", "thousands_separator": "comma"}}),
        )
        .await;
    assert_problem(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("locale.thousands_separator"),
    )
    .await;
    let ada = Browser::admin(&app).await;
    // The administrator sets it on the settings page.
    let mut form: Vec<(String, String)> = {
        let page = ada.page("/admin/settings").await;
        [
            "name",
            "time_zone",
            "ownership_policy",
            "confidence_scale",
            "check_in_weekday",
            "health.pending_ownership_days",
            "health.owner_overload",
            "health.max_key_results",
            "rhythm.cadence_days",
            "rhythm.grace_days",
        ]
        .iter()
        .map(|n| (n.to_string(), page.field(n).unwrap_or_default()))
        .collect()
    };
    form.push(("locale.decimal_mark".into(), "comma".into()));
    form.push(("locale.thousands_separator".into(), "point".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    ada.done("/admin/settings", &pairs).await;
    let s = json_of(&app, "/api/v1/settings").await;
    assert_eq!(s["locale"]["decimal_mark"], "comma", "{s}");
    assert_eq!(s["locale"]["thousands_separator"], "point", "{s}");

    // The weekly check-in reads "41,5" as 41.5; the pages write it back as "41,5".
    let page = ada.page("/my-week").await;
    let n = row_of(&page, &share);
    let (id, value, confidence) = (
        format!("key_result_id.{n}"),
        format!("value.{n}"),
        format!("confidence.{n}"),
    );
    ada.done(
        "/my-week/check-in",
        &[(&id, &share), (&value, "41,5"), (&confidence, "7")],
    )
    .await;
    let kr = json_of(&app, &format!("/api/v1/key-results/{share}")).await;
    assert_eq!(kr["current"].as_f64(), Some(41.5), "{kr}");
    let page = ada.page(&format!("/objectives/{o}")).await;
    assert!(
        page.body().contains("41,5 % now · target 55 % · from 32 %"),
        "{}",
        page.html()
    );

    // The key result form reads "1.250,5" as 1250.5 and shows it back the same way.
    let edit = format!("/key-results/{share}/edit");
    let page = ada.page(&edit).await;
    let names = [
        "title",
        "description",
        "metric_kind",
        "start",
        "target",
        "unit",
        "weight",
        "version",
    ];
    let mut typed: Vec<(String, String)> = names
        .iter()
        .map(|n| (n.to_string(), page.field(n).unwrap_or_default()))
        .collect();
    for (k, v) in typed.iter_mut() {
        if k == "target" {
            *v = "1.250,5".into();
        }
    }
    let pairs: Vec<(&str, &str)> = typed
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let resp = ada.submit_from(&edit, &edit, &pairs).await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "{}",
        resp.text().await.unwrap()
    );
    let kr = json_of(&app, &format!("/api/v1/key-results/{share}")).await;
    assert_eq!(kr["target"].as_f64(), Some(1250.5), "{kr}");
    let page = ada.page(&edit).await;
    // Four digits go without a separator ("1250,5"), so "1.250" is never misread.
    assert_eq!(page.field("target").as_deref(), Some("1250,5"));
}

#[tokio::test]
async fn the_weekly_check_in_names_every_bad_row_at_once() {
    let app = spawn_app().await;
    let (_, share, yes_no) = figures_objective(&app).await;
    let ada = Browser::admin(&app).await;
    let page = ada.page("/my-week").await;
    let (a, b) = (row_of(&page, &share), row_of(&page, &yes_no));
    let html = ada
        .refused(
            "/my-week/check-in",
            &[
                (&format!("key_result_id.{a}"), &share),
                (&format!("value.{a}"), "forty"),
                (&format!("confidence.{a}"), "7"),
                (&format!("key_result_id.{b}"), &yes_no),
                (&format!("value.{b}"), "1"),
                (&format!("confidence.{b}"), ""),
            ],
        )
        .await;
    let page = Page::parse(&html);
    // Each row's error next to its own field, both at once.
    assert!(
        page.text(&format!("[id=\"value-{share}-error\"]"))
            .contains("must be a number, like 42 or 12.5"),
        "{html}"
    );
    assert!(
        page.text(&format!("[id=\"confidence-{yes_no}-error\"]"))
            .contains("choose your confidence"),
        "{html}"
    );
    let kr = json_of(&app, &format!("/api/v1/key-results/{yes_no}")).await;
    assert!(kr["last_check_in_at"].is_null(), "nothing written: {kr}");
}

#[tokio::test]
async fn a_check_in_dated_today_east_of_utc_is_today() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let (_, share, _) = figures_objective(&app).await;
    let resp = app
        .patch("/api/v1/settings", json!({"time_zone": "Pacific/Auckland"}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    // Auckland's today: a day after UTC's from 11:00 UTC (NZDT) or 12:00 (NZST).
    let today = chrono::Utc::now()
        .with_timezone(
            &"Pacific/Auckland"
                .parse::<keel_domain::org::Zone>()
                .unwrap(),
        )
        .date_naive()
        .to_string();
    let ada = Browser::admin(&app).await;
    let page = ada.page("/my-week").await;
    // The day is typed the organisation's way (ISO is understood too); the server, not the
    // browser, refuses a day after the organisation's today.
    assert!(page.attr("#f-at", "name").is_some(), "{}", page.html());
    let n = row_of(&page, &share);
    ada.done(
        "/my-week/check-in",
        &[
            (&format!("key_result_id.{n}"), &share),
            (&format!("value.{n}"), "40"),
            (&format!("confidence.{n}"), "7"),
            ("at", &today),
        ],
    )
    .await;
    let kr = json_of(&app, &format!("/api/v1/key-results/{share}")).await;
    assert!(kr["last_check_in_at"].is_string(), "{kr}");
    // A 1:1 held today in Auckland is not "in the future" either.
    let (ben, _) = app.member("Ben Okafor").await;
    let resp = app
        .post(
            "/api/v1/conversations",
            json!({"with_id": ben, "held_on": today, "notes": "Weekly 1:1"}),
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::CREATED,
        "{}",
        resp.text().await.unwrap()
    );
}

#[tokio::test]
async fn health_history_and_audit_speak_in_sentences() {
    let app = spawn_app().await;
    let (o, share, _) = figures_objective(&app).await;
    let (ben, _) = app.member("Ben Okafor").await;
    app.create(
        &format!("/api/v1/objectives/{o}/key-results"),
        json!({"title": "Retention", "kind": "increase", "target": 12, "owner_id": ben}),
    )
    .await;
    let lonely = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Nothing measured yet", "cycle_id": json_of(&app, &format!("/api/v1/objectives/{o}")).await["cycle_id"]}),
        )
        .await;
    assert!(lonely["id"].is_string());
    app.create(
        &format!("/api/v1/key-results/{share}/check-ins"),
        json!({"value": 41, "confidence": 7}),
    )
    .await;
    let ada = Browser::admin(&app).await;

    app.evaluate_now().await;
    let page = ada.page("/health").await;
    let body = page.body();
    assert!(page.has(".finding"), "{}", page.html());
    for code in [
        "objective_without_key_results",
        "not_aligned",
        "owner_deactivated",
        "ownership_pending",
    ] {
        assert!(!body.contains(code), "health shows {code}: {body}");
    }
    assert!(
        body.contains("Not aligned with any higher objective"),
        "{body}"
    );

    let page = ada.page(&format!("/objectives/{o}")).await;
    let body = page.body();
    assert!(
        body.contains("checked in on key result “Activation”"),
        "{body}"
    );
    assert!(body.contains("proposed Ben Okafor as owner of"), "{body}");
    assert!(body.contains("through the API"), "{body}");
    for code in [
        "check_in.create",
        "ownership request",
        "through api",
        " UTC",
    ] {
        assert!(!body.contains(code), "history shows {code}: {body}");
    }

    let page = ada.page("/admin/audit").await;
    let table = page.text("table");
    assert!(table.contains("checked in"), "{table}");
    assert!(table.contains("key result “Activation”"), "{table}");
    assert!(table.contains("proposed Ben Okafor as owner"), "{table}");
    assert!(
        table.contains("objective “Nothing measured yet”"),
        "{table}"
    );
    assert!(table.contains("through the API"), "{table}");
    assert!(!has_uuid(&table), "no ids on the audit page: {table}");
    for code in ["check_in.create", "key_result ", "UTC"] {
        assert!(!table.contains(code), "audit shows {code}: {table}");
    }
    // Times read "5 Dec 2026, 14:05".
    let today = chrono::Utc::now().format("%-d %b %Y, ").to_string();
    assert!(table.contains(&today), "{table}");
}

#[tokio::test]
async fn a_person_reads_times_in_their_own_time_zone() {
    let app = spawn_app().await;
    let ada = Browser::admin(&app).await;
    // Bad input: named next to the field, nothing written.
    let html = ada
        .refused("/account/time-zone", &[("time_zone", "Mars/Olympus")])
        .await;
    assert!(
        field_error(&html, "time_zone").is_some_and(|e| e.contains("IANA")),
        "{html}"
    );
    let me = json_of(&app, &format!("/api/v1/people/{}", app.admin_id)).await;
    assert!(me["time_zone"].is_null(), "{me}");
    let resp = ada
        .submit("/account/time-zone", &[("time_zone", "Pacific/Auckland")])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let me = json_of(&app, &format!("/api/v1/people/{}", app.admin_id)).await;
    assert_eq!(me["time_zone"], "Pacific/Auckland", "{me}");

    // The audit page shows each time in Auckland's, in words; the organisation stays on UTC.
    let events = json_of(&app, "/api/v1/audit?limit=1").await;
    let at: chrono::DateTime<chrono::Utc> =
        events["items"][0]["at"].as_str().unwrap().parse().unwrap();
    let zone: keel_domain::org::Zone = "Pacific/Auckland".parse().unwrap();
    let expected = at
        .with_timezone(&zone)
        .format("%-d %b %Y, %H:%M")
        .to_string();
    let page = ada.page("/admin/audit").await;
    let first = page.rows("table[aria-labelledby=\"audit\"] tbody");
    assert_eq!(first[0][0], expected, "{}", page.html());
    let s = json_of(&app, "/api/v1/settings").await;
    assert_eq!(s["time_zone"], "UTC");

    // An administrator may set it through the API too; null follows the organisation again.
    let resp = app
        .patch(
            &format!("/api/v1/people/{}", app.admin_id),
            json!({"time_zone": "Nowhere/Land"}),
        )
        .await;
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("time_zone")).await;
    let resp = app
        .patch(
            &format!("/api/v1/people/{}", app.admin_id),
            json!({"time_zone": null}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = ada.page("/admin/audit").await;
    let first = page.rows("table[aria-labelledby=\"audit\"] tbody");
    let events = json_of(&app, "/api/v1/audit?limit=1").await;
    let at: chrono::DateTime<chrono::Utc> =
        events["items"][0]["at"].as_str().unwrap().parse().unwrap();
    assert_eq!(first[0][0], at.format("%-d %b %Y, %H:%M").to_string());
}
