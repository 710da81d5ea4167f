//! Check-in reminders: one message per person and day listing every due key result, with a
//! link straight to the weekly check-in; none after a recent check-in, none for drafts, for
//! work its proposed owner has not accepted, or for a closed cycle; none by email for a person
//! who chose in-app only. A person's own digest day: their digest comes that day and not on the
//! organisation's; a bad day is refused naming `digest_day` (API and page).

use crate::digest::{check_in, queued, round, to, PUBLIC};
use crate::helpers::*;
use crate::rhythm::{active_objective, check_in_day_tomorrow};
use keel_server::digest::{self, Round};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn one_reminder_a_day_lists_every_due_key_result_and_nothing_else() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (bob, _) = app.member("Bob Builder").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Late A", "Late B", "Fresh"]).await;
    // Proposed to Bob, not accepted yet: nobody answers for it, no reminder.
    let pending = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Not yet his", "kind": "boolean", "owner_id": bob}),
        )
        .await;
    app.backdate_objective(&o, 20).await;
    check_in(&app, &krs[0], 8, 8).await;
    check_in(&app, &krs[1], 8, 9).await;
    check_in(&app, &krs[2], 8, 0).await;
    // A draft objective is never due, however old.
    let draft = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Still a draft", "cycle_id": cycle}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.create(
        &format!("/api/v1/objectives/{draft}/key-results"),
        json!({"title": "Draft work", "kind": "increase", "start": 0, "target": 10}),
    )
    .await;
    app.backdate_objective(&draft, 20).await;
    // A closed cycle's work is never due either.
    let old = app.cycle("2026 Q3").await;
    let (closed, _) = active_objective(&app, &old, None, &["Closed work"]).await;
    app.backdate_objective(&closed, 20).await;
    let resp = app
        .req(Method::POST, &format!("/api/v1/cycles/{old}/close"))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());

    let out = digest::reminders(app.store.as_ref(), &round())
        .await
        .unwrap();
    assert_eq!(out.len(), 1, "{out:?}");
    let all = queued(&app.store).await;
    let (key, m) = &all[0];
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d");
    assert_eq!(key, &format!("email:reminder:{}:{today}", app.admin_id));
    assert_eq!(m.purpose, "reminder");
    assert_eq!(m.subject, "2 check-ins are due");
    assert!(
        m.text.contains("Late A") && m.text.contains("Late B"),
        "{}",
        m.text
    );
    for absent in ["Fresh", "Not yet his", "Draft work", "Closed work"] {
        assert!(!m.text.contains(absent), "{absent} in {}", m.text);
    }
    assert!(m.text.contains(&format!("{PUBLIC}/my-week")));
    assert!(m.html.contains(&format!("href=\"{PUBLIC}/my-week\"")));
    assert!(m.unsubscribe_url.is_some());
    assert!(to(&all, &bob).is_none());
    let _ = pending;

    // The same day again: nothing new.
    let again = digest::reminders(app.store.as_ref(), &round())
        .await
        .unwrap();
    assert!(again.iter().all(|o| !o.queued));
    assert!(queued(&app.store).await.is_empty());

    // Ada checks in on Late A: tomorrow's reminder lists Late B only.
    check_in(&app, &krs[0], 8, 0).await;
    let tomorrow = Round {
        now: chrono::Utc::now() + chrono::Duration::days(1),
        ..round()
    };
    digest::reminders(app.store.as_ref(), &tomorrow)
        .await
        .unwrap();
    let all = queued(&app.store).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].1.subject, "A check-in is due");
    assert!(!all[0].1.text.contains("Late A"), "{}", all[0].1.text);

    // In Keel only: no email reminder.
    let resp = app
        .req(Method::PUT, "/api/v1/me/notification-preferences")
        .json(&json!({"check_in_reminders": "in_app"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let later = Round {
        now: chrono::Utc::now() + chrono::Duration::days(2),
        ..round()
    };
    assert!(digest::reminders(app.store.as_ref(), &later)
        .await
        .unwrap()
        .is_empty());
}

/// Noon, in the organisation's time zone, `days` from today.
async fn local_noon(app: &TestApp, days: i64) -> chrono::DateTime<chrono::Utc> {
    let settings: serde_json::Value = app.get("/api/v1/settings").await.json().await.unwrap();
    let zone: chrono_tz::Tz = settings["time_zone"].as_str().unwrap().parse().unwrap();
    let day = chrono::Utc::now().with_timezone(&zone).date_naive() + chrono::Duration::days(days);
    day.and_hms_opt(12, 0, 0)
        .unwrap()
        .and_local_timezone(zone)
        .single()
        .unwrap()
        .with_timezone(&chrono::Utc)
}

fn weekday_of(at: chrono::DateTime<chrono::Utc>, tz: &str) -> String {
    let zone: chrono_tz::Tz = tz.parse().unwrap();
    at.with_timezone(&zone)
        .format("%A")
        .to_string()
        .to_lowercase()
}

#[tokio::test]
async fn a_person_with_their_own_digest_day_gets_it_that_day_and_not_on_the_organisations() {
    let app = spawn_app().await;
    check_in_day_tomorrow(&app).await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["Something to say"]).await;
    app.backdate_objective(&o, 20).await;
    check_in(&app, &krs[0], 8, 8).await;
    let settings: Value = app.get("/api/v1/settings").await.json().await.unwrap();
    let tz = settings["time_zone"].as_str().unwrap().to_string();
    let (today, tomorrow) = (local_noon(&app, 0).await, local_noon(&app, 1).await);
    let scheduled = |now| Round {
        now,
        on_schedule: true,
        dry_run: true,
        ..round()
    };
    let gets_it = |now| {
        let app = &app;
        async move {
            digest::digests(app.store.as_ref(), &scheduled(now))
                .await
                .unwrap()
                .iter()
                .any(|o| o.person_id.as_str() == app.admin_id)
        }
    };
    // The organisation's check-in day is tomorrow: that is when the digest leaves.
    assert!(!gets_it(today).await);
    assert!(gets_it(tomorrow).await);

    // Ada chooses today.
    let resp = app
        .req(Method::PUT, "/api/v1/me/notification-preferences")
        .json(&json!({"digest_day": weekday_of(today, &tz)}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let got: Value = resp.json().await.unwrap();
    assert_eq!(got["digest_day"], weekday_of(today, &tz));
    assert!(gets_it(today).await);
    assert!(!gets_it(tomorrow).await);

    // Back to the organisation's day.
    let resp = app
        .req(Method::PUT, "/api/v1/me/notification-preferences")
        .json(&json!({"digest_day": "organisation"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let got: Value = resp.json().await.unwrap();
    assert!(got.get("digest_day").is_none(), "{got}");
    assert!(!gets_it(today).await);
    assert!(gets_it(tomorrow).await);
}

#[tokio::test]
async fn a_bad_digest_day_is_refused_naming_the_field_on_the_api_and_the_page() {
    let app = spawn_app().await;
    for bad in ["someday", "", "Mon"] {
        let resp = app
            .req(Method::PUT, "/api/v1/me/notification-preferences")
            .json(&json!({"digest_day": bad, "digest": "off"}))
            .send()
            .await
            .unwrap();
        assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("digest_day")).await;
    }
    // Nothing was half-written: the digest is still on.
    let got: Value = app
        .get("/api/v1/me/notification-preferences")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["digest"], "email");
    // The page: the message beside the day, the day kept as chosen, nothing saved.
    let b = Browser::admin(&app).await;
    let html = b
        .refused(
            "/account/notifications",
            &[("digest", "off"), ("digest_day", "someday")],
        )
        .await;
    assert!(field_error(&html, "digest_day").is_some(), "{html}");
    assert_eq!(
        b.done("/account/notifications", &[("digest_day", "friday")])
            .await,
        "/account/notifications?saved=1"
    );
    let got: Value = app
        .get("/api/v1/me/notification-preferences")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["digest"], "email");
    assert_eq!(got["digest_day"], "friday");
    let page = b.html("/account/notifications").await;
    assert!(
        page.contains("<option value=\"friday\" selected>"),
        "{page}"
    );
}
