//! The objective page through a browser's eyes: progress chart and initiatives, what readers and
//! read-only roles see, and handing an OKR over to another owner ("One owner").

use crate::helpers::*;
use crate::owner_world::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn objective_page_shows_progress_chart_and_initiatives() {
    let w = world(spawn_app().await).await;
    // Two check-ins on KR1 (one a week back), one on KR2.
    let week_ago = (chrono::Utc::now() - chrono::Duration::days(7)).to_rfc3339();
    for (kr, body) in [
        (
            &w.kr1,
            json!({"value": 10, "confidence": 5, "at": week_ago}),
        ),
        (
            &w.kr1,
            json!({"value": 25, "confidence": 8, "note": "emails live"}),
        ),
        (&w.kr2, json!({"value": 10, "confidence": 6})),
    ] {
        post_as(
            &w.app,
            &w.bea_token,
            &format!("/api/v1/key-results/{kr}/check-ins"),
            body,
        )
        .await;
    }
    progress_chart_confidence_and_history_are_shown(&w).await;
    the_propose_form_refuses_bad_input(&w).await;
    initiatives_are_proposed_dropped_and_done(&w).await;
}

/// KR1 at 50 %, KR2 at 25 %: the objective at 38 %, its chart, the confidence sparkline, the
/// forms Bea may use, and the history of her ownership.
async fn progress_chart_confidence_and_history_are_shown(w: &World) {
    let path = format!("/objectives/{}", w.objective);
    let page = w.bea.page(&path).await;
    let shown = page.body();
    // KR1 50 %, KR2 25 %: the objective at 38 %.
    assert_eq!(page.text("#objective-progress"), "38%", "{}", page.html());
    assert!(shown.contains("50% progress · attainment 50%"), "{shown}");
    assert!(page
        .texts(".kr-progress .percent")
        .contains(&"50%".to_string()));
    // The chart: an <svg> with the ideal line and one circle per moment of check-in.
    assert!(page.has("svg.progress-chart .ideal"), "{}", page.html());
    assert_eq!(page.texts("svg.progress-chart circle").len(), 3);
    let chart = page.attr("svg.progress-chart", "aria-label").unwrap();
    assert!(chart.contains("latest 38%"), "{chart}");
    // Confidence sparkline on KR1: 5 then 8.
    assert!(page
        .attrs("svg.sparkline", "aria-label")
        .iter()
        .any(|l| l.contains("confidence 5, 8 (latest 8 of 10)")));
    assert!(shown.contains("emails live"));
    // Bea may edit and manage initiatives.
    assert!(page.links_to(&format!("/objectives/{}/edit", w.objective)));
    assert!(shown.contains("Propose an initiative"));
    // History: Bea took ownership herself.
    assert!(shown.contains("Bea Owner took ownership of the objective"));
}

/// Initiatives: bad input next to the field with the link kept; two proposed, one dropped with
/// a reason, the other done; htmx gets the fragment; a stale version is refused.
/// The page's one propose form: a key-result select; each refusal next to its field, what was
/// typed kept, nothing written.
async fn the_propose_form_refuses_bad_input(w: &World) {
    let path = format!("/objectives/{}", w.objective);
    // The page has one propose form, for the objective, with a key-result select.
    let page = w.bea.page(&path).await;
    let propose = format!("/objectives/{}/initiatives", w.objective);
    assert_eq!(
        page.attrs("form.propose", "action"),
        vec![propose.clone()],
        "one propose form"
    );
    assert!(page
        .attrs("#propose-kr option", "value")
        .contains(&w.kr1.to_string()));
    // No key result chosen: 422, the error next to the select, title and link kept.
    let resp = w
        .bea
        .submit_from(
            &path,
            &propose,
            &[
                ("key_result_id", ""),
                ("title", "Emails"),
                ("link", "https://tracker.example/9"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let shown = Page::parse(&resp.text().await.unwrap());
    assert!(shown.has("#propose-kr-error"), "{}", shown.html());
    assert_eq!(
        shown.attr("#propose-title", "value").as_deref(),
        Some("Emails")
    );
    assert!(listed(&w.app, w.kr1.clone()).await.is_empty());
    // Propose an initiative with no title: 422, the error next to the title, link kept, nothing
    // written.
    let kr1 = w.kr1.to_string();
    let resp = w
        .bea
        .submit_from(
            &path,
            &propose,
            &[
                ("key_result_id", kr1.as_str()),
                ("title", " "),
                ("link", "https://tracker.example/9"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    let shown = Page::parse(&page);
    assert!(shown.has("#initiatives #propose-title-error"), "{page}");
    assert!(shown
        .attrs("#initiatives input", "value")
        .contains(&"https://tracker.example/9".to_string()));
    assert_eq!(
        shown.attrs("#propose-kr option[selected]", "value"),
        vec![kr1.clone()],
        "the key result chosen stays chosen"
    );
    assert!(listed(&w.app, w.kr1.clone()).await.is_empty());
    // A bad link through the key result's own path: the error next to the link.
    let kr1_path = format!("/key-results/{}/initiatives", w.kr1);
    let resp = w
        .bea
        .submit_from(
            &path,
            &kr1_path,
            &[("title", "Onboarding emails"), ("link", "not a url")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    assert!(page.has("[id=\"propose-link-error\"]"));
    assert!(listed(&w.app, w.kr1.clone()).await.is_empty());
}

async fn initiatives_are_proposed_dropped_and_done(w: &World) {
    let path = format!("/objectives/{}", w.objective);
    let propose = format!("/objectives/{}/initiatives", w.objective);
    let kr1 = w.kr1.to_string();
    // Propose two, drop one (a reason is required), mark the other done.
    for title in ["Onboarding emails", "In-app tour"] {
        let resp = w
            .bea
            .submit_from(
                &path,
                &propose,
                &[("key_result_id", kr1.as_str()), ("title", title)],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert!(resp.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("#initiatives"));
    }
    let items = listed(&w.app, w.kr1.clone()).await;
    assert_eq!(items.len(), 2);
    let id_of = |t: &str| {
        items.iter().find(|i| i["title"] == t).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (emails, tour) = (id_of("Onboarding emails"), id_of("In-app tour"));
    let resp = w
        .bea
        .submit_from(
            &path,
            &format!("/initiatives/{tour}/drop"),
            &[("version", "1"), ("reason", "")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    assert!(page.has(&format!("[id=\"drop-{tour}-error\"]")));
    // htmx gets the same page with 200, so that it swaps the fragment in.
    let token = w.bea.page(&path).await.csrf();
    let resp = w
        .bea
        .client
        .post(format!("{}/initiatives/{tour}/drop", w.app.base))
        .header("hx-request", "true")
        .form(&[
            ("csrf_token", token.as_str()),
            ("version", "1"),
            ("reason", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(listed(&w.app, w.kr1.clone())
        .await
        .iter()
        .all(|i| i["state"] == "proposed"));
    let resp = w
        .bea
        .submit_from(
            &path,
            &format!("/initiatives/{tour}/drop"),
            &[("version", "1"), ("reason", "Users skip tours")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let resp = w
        .bea
        .submit_from(
            &path,
            &format!("/initiatives/{emails}/done"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let items = listed(&w.app, w.kr1.clone()).await;
    let state_of = |id: &str| {
        items.iter().find(|i| i["id"] == id).unwrap()["state"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(state_of(&tour), "dropped");
    assert_eq!(state_of(&emails), "done");
    assert!(w
        .bea
        .page(&path)
        .await
        .body()
        .contains("Why dropped: Users skip tours"));
    // A stale version is refused (412), nothing changes.
    let resp = w
        .bea
        .submit_from(
            &path,
            &format!("/initiatives/{emails}/drop"),
            &[("version", "1"), ("reason", "x")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn readers_see_the_objective_but_no_forms() {
    let w = world(spawn_app().await).await;
    let (cid, _) = w.app.member("Cid Other").await;
    let cid = Browser::signed_in(&w.app, &cid, "cid.other@keel.test").await;
    let path = format!("/objectives/{}", w.objective);
    let page = cid.page(&path).await;
    assert!(page.body().contains("Customers love onboarding"));
    assert!(!page.mentions("Edit objective"));
    assert!(!page.mentions("Propose an initiative"));
    // The forms themselves answer 403, and posting writes nothing.
    let resp = cid.get(&format!("{path}/edit")).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = cid
        .submit_from(
            &path,
            &format!("/key-results/{}/initiatives", w.kr1),
            &[("title", "Sneaky")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The page's one form too, with or without a key result named.
    for kr in [w.kr1.to_string(), String::new()] {
        let resp = cid
            .submit_from(
                &path,
                &format!("{path}/initiatives"),
                &[("key_result_id", kr.as_str()), ("title", "Sneaky")],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "key result {kr:?}");
    }
    assert!(listed(&w.app, w.kr1.clone()).await.is_empty());
    // Unknown objective: the 404 page.
    let resp = cid.get("/objectives/nope").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn read_only_roles_get_the_403_page_instead_of_the_objective_form() {
    let app = spawn_app().await;
    for (name, role) in [
        ("Vic Viewer", "viewer"),
        ("Rae Reviewer", "reviewer"),
        ("Ann Analyst", "analyst"),
    ] {
        let (id, _) = app.person_with_roles(name, &[role]).await;
        let email = format!("{}@keel.test", name.to_lowercase().replace(' ', "."));
        let b = Browser::signed_in(&app, &id, &email).await;
        let resp = b.get("/objectives/new").await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{role}");
        let page = Page::parse(&resp.text().await.unwrap());
        assert!(
            !page.has("[name=\"title\"]"),
            "{role}: no form: {}",
            page.html()
        );
        // My week offers no link to a form they cannot use.
        let week = b.page("/my-week").await;
        assert!(!week.mentions("/objectives/new"), "{role}");
    }
    // A member still gets the form and the link.
    let (id, _) = app.member("Max Member").await;
    let max = Browser::signed_in(&app, &id, "max.member@keel.test").await;
    assert!(max.page("/objectives/new").await.has("[name=\"title\"]"));
    assert!(max.page("/my-week").await.links_to("/objectives/new"));
}

#[tokio::test]
async fn handing_over_from_the_objective_page_needs_a_person_and_keeps_the_note() {
    let w = world(spawn_app().await).await;
    let (dan_id, _) = w.app.member("Dan Driver").await;
    let team = w.app.team("Growth").await;
    let path = format!("/objectives/{}", w.objective);
    let page = w.bea.page(&path).await;
    let form_css = format!("form[action=\"/key-results/{}/ownership\"]", w.kr1);
    assert!(page.has(&form_css), "{}", page.html());
    // The new owner is found by typing (the people picker), not picked from everyone listed.
    assert!(!page
        .texts(&format!("{form_css} option"))
        .iter()
        .any(|o| o.contains("Dan Driver")));
    let ask = page
        .attr(
            &format!("{form_css} input[name=\"owner_id.find\"]"),
            "hx-get",
        )
        .expect("a find field for the new owner");
    let found = w.bea.page(&format!("{ask}&owner_id.find=dan")).await;
    assert_eq!(found.selected_values(), vec![dan_id.clone()]);
    let handover = format!("/key-results/{}/ownership", w.kr1);
    // No one chosen: the error next to the select, the note and criteria kept, nothing written.
    let resp = w
        .bea
        .submit_from(
            &path,
            &handover,
            &[
                ("owner_id", ""),
                ("note", "Dan sees the funnel daily"),
                ("fit.proximity", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    let form = format!("form[action=\"/key-results/{}/ownership\"]", w.kr1);
    assert!(
        page.text(&form).contains("choose the new owner"),
        "{}",
        page.html()
    );
    assert_eq!(
        page.text(&format!("{form} textarea[name=\"note\"]")),
        "Dan sees the funnel daily"
    );
    assert!(page
        .attr(&format!("{form} [name=\"fit.proximity\"]"), "checked")
        .is_some());
    // A team is refused with the doctrine's explanation ("One owner").
    let resp = w
        .bea
        .submit_from(&path, &handover, &[("owner_id", &team)])
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(Page::parse(&resp.text().await.unwrap())
        .body()
        .contains("is a team, not a person"));
    let o = objective_json(&w.app, &w.objective).await;
    assert_eq!(o["key_results"][0]["owner_id"], w.bea_id.as_str());
    // Dan: proposed, pending, with the note and fit in the history; he sees it on My week.
    let resp = w
        .bea
        .submit_from(
            &path,
            &handover,
            &[
                ("owner_id", &dan_id),
                ("note", "Dan sees the funnel daily"),
                ("fit.proximity", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let k = &objective_json(&w.app, &w.objective).await["key_results"][0];
    assert_eq!(k["owner_id"], dan_id.as_str());
    assert_eq!(k["ownership_state"], "pending");
    assert_eq!(k["ownership_request"]["note"], "Dan sees the funnel daily");
    assert_eq!(k["ownership_request"]["fit"]["proximity"], true);
    assert!(w.bea.page(&path).await.body().contains(
        "Bea Owner proposed Dan Driver as owner of key result “Day-7 activation”; waiting for an answer"
    ));
    let dan = Browser::signed_in(&w.app, &dan_id, "dan.driver@keel.test").await;
    assert!(dan
        .page("/my-week")
        .await
        .body()
        .contains("Dan sees the funnel daily"));
}

/// A draft's status badge says "Draft" once, with what it waits for, not "Draft: a draft: …";
/// the key result page says a status's reason once.
#[tokio::test]
async fn a_draft_says_draft_once_and_a_key_result_its_reason_once() {
    let app = spawn_app().await;
    let cycle = app.cycle("Q4 2026").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Draft plans", "cycle_id": cycle}),
        )
        .await;
    let o = o["id"].as_str().unwrap().to_string();
    let k = app
        .create(
            &format!("/api/v1/objectives/{o}/key-results"),
            json!({"title": "Ship it", "kind": "increase", "start": 0, "target": 10}),
        )
        .await;
    let ada = Browser::admin(&app).await;
    let page = ada.page(&format!("/objectives/{o}")).await;
    let badge = page.text("#objective-status .status");
    assert!(badge.starts_with("Draft"), "{badge}");
    assert_eq!(badge.to_lowercase().matches("draft").count(), 1, "{badge}");
    let kr = ada
        .page(&format!("/key-results/{}", k["id"].as_str().unwrap()))
        .await;
    let reason = kr.text("#kr-status-reason");
    assert!(!reason.is_empty());
    assert_eq!(
        kr.body().matches(reason.as_str()).count(),
        1,
        "{}",
        kr.body()
    );
}

/// One history, newest first by date, in people's words: an objective proposed to Dan with
/// three key results, one note sent with every proposal, shows that note once, not four times.
#[tokio::test]
async fn the_history_is_in_date_order_and_says_a_repeated_note_once() {
    let w = world(spawn_app().await).await;
    let (dan_id, _) = w.app.member("Dan Driver").await;
    let note = "Dan runs the funnel review every Monday";
    let kr = |title: &str| {
        json!({"title": title, "kind": "increase", "target": 10, "owner_id": dan_id,
               "owner_note": note})
    };
    let resp = w
        .app
        .req_as(&w.bea_token, reqwest::Method::POST, "/api/v1/objectives")
        .json(
            &json!({"title": "Onboarding is effortless", "cycle_id": w.cycle,
                      "owner_id": dan_id, "owner_note": note,
                      "key_results": [kr("Guides read"), kr("Setups done"), kr("Tours taken")]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let id = resp.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A later change (by an administrator), so the history has more than one moment.
    let resp = w
        .app
        .req(reqwest::Method::PATCH, &format!("/api/v1/objectives/{id}"))
        .json(&json!({"description": "First week to value"}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let page = w.bea.page(&format!("/objectives/{id}")).await;
    let lines = page.texts("#history li");
    assert!(lines.len() >= 4, "{}", page.html());
    assert_eq!(
        lines.iter().filter(|l| l.contains(note)).count(),
        1,
        "the note once: {lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("proposed Dan Driver as owner of key result “Tours taken”")),
        "{lines:#?}"
    );
    let times: Vec<chrono::DateTime<chrono::Utc>> = page
        .attrs("#history time", "datetime")
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|p| p[0] >= p[1]),
        "newest first: {times:?}"
    );
}
