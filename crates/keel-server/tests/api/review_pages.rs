//! Team reviews from the browser ("The weekly rhythm"): started, listed, and noted item by item.

use crate::helpers::*;
use crate::rhythm::active_objective;
use reqwest::StatusCode;
use serde_json::Value;

/// A team Growth led by Leo, with an active objective (owned by the administrator) on its
/// agenda, and Max, a member who neither leads it nor owns anything.
struct ReviewWorld {
    app: TestApp,
    team: String,
    objective: String,
    leo: Browser,
    max: Browser,
}

async fn review_world(app: TestApp) -> ReviewWorld {
    let cycle = app.cycle("2026 Q4").await;
    let (leo, _) = app.member("Leo Lead").await;
    let (max, _) = app.member("Max Member").await;
    let team = app
        .create(
            "/api/v1/teams",
            serde_json::json!({"name": "Growth", "lead_id": leo, "member_ids": [leo, max]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (objective, _) = active_objective(&app, &cycle, Some(&team), &["Signups"]).await;
    let leo = Browser::signed_in(&app, &leo, "leo.lead@keel.test").await;
    let max = Browser::signed_in(&app, &max, "max.member@keel.test").await;
    ReviewWorld {
        app,
        team,
        objective,
        leo,
        max,
    }
}

async fn reviews_of(app: &TestApp, team: &str) -> Vec<Value> {
    json_of(app, &format!("/api/v1/teams/{team}/reviews")).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn team_reviews_are_started_listed_and_noted_from_the_browser() {
    team_reviews(spawn_app().await).await;
}

#[tokio::test]
async fn team_reviews_are_started_listed_and_noted_from_the_browser_on_postgres() {
    if postgres_configured() {
        team_reviews(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn team_reviews(app: TestApp) {
    let w = review_world(app).await;
    let (team, o) = (&w.team, &w.objective);
    let page = w.leo.page(&format!("/teams/{team}")).await;
    assert!(page
        .texts("p.empty")
        .iter()
        .any(|t| t.starts_with("No reviews yet")));
    assert!(page.links_to(&format!("/teams/{team}/reviews/new")));
    // Max may not run the review: no button, and the form is a 403 page.
    let page = w.max.page(&format!("/teams/{team}")).await;
    assert!(!page.mentions("Start a review"));
    assert!(!page.links_to(&format!("/teams/{team}/reviews/new")));
    w.max
        .html_with(&format!("/teams/{team}/reviews/new"), StatusCode::FORBIDDEN)
        .await;
    let resp = w.max.submit(&format!("/teams/{team}/reviews"), &[]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // Bad days: next to the field, kept, nothing written.
    w.leo.html(&format!("/teams/{team}/reviews/new")).await;
    let future = (chrono::Utc::now() + chrono::Duration::days(3))
        .date_naive()
        .to_string();
    for bad in [future.as_str(), "someday"] {
        let html = w
            .leo
            .refused(&format!("/teams/{team}/reviews"), &[("held_on", bad)])
            .await;
        let page = Page::parse(&html);
        assert!(page.field_error("held_on").is_some(), "{html}");
        assert_eq!(page.field("held_on").as_deref(), Some(bad));
    }
    let html = w
        .leo
        .refused(
            &format!("/teams/{team}/reviews"),
            &[("held_on", ""), ("cycle_id", "no-such-cycle")],
        )
        .await;
    assert!(field_error(&html, "cycle_id").is_some(), "{html}");
    assert!(reviews_of(&w.app, team).await.is_empty());

    // A review: the agenda, listed on the team page by date.
    let to = w
        .leo
        .done(&format!("/teams/{team}/reviews"), &[("held_on", "")])
        .await;
    assert!(to.starts_with("/reviews/"), "{to}");
    let page = w.leo.page(&to).await;
    let agenda_item = page.text(&format!("#item-{o}"));
    assert!(page
        .text(&format!("#item-{o}-h"))
        .contains("Delight customers"));
    assert!(agenda_item.contains("first review"), "{agenda_item}");
    assert!(
        agenda_item.contains("Ada Admin"),
        "the owner: {agenda_item}"
    );
    let owner = json_of(&w.app, &format!("/api/v1/objectives/{o}")).await["owner_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        page.links_to(&format!("/people/{owner}")),
        "the owner's page"
    );
    assert_eq!(
        page.text(&format!("label[for=\"notes-{o}\"]")),
        "Owner's notes"
    );
    let page = w.leo.page(&format!("/teams/{team}")).await;
    assert!(page.links_to(&to), "{}", page.html());

    // Notes: too long is refused next to the field and kept; then saved.
    let shown = w.leo.page(&to).await;
    let seen = |page: &Page, name: &str| page.field(&format!("seen.{name}.{o}")).unwrap();
    let (notes, decisions) = (format!("notes.{o}"), format!("decisions.{o}"));
    let (seen_notes, seen_decisions) = (format!("seen.{notes}"), format!("seen.{decisions}"));
    let (sn, sd) = (seen(&shown, "notes"), seen(&shown, "decisions"));
    let long = "n".repeat(10_001);
    let html = w
        .leo
        .refused(
            &to,
            &[
                (&notes, &long),
                (&seen_notes, &sn),
                (&decisions, "ship it"),
                (&seen_decisions, &sd),
            ],
        )
        .await;
    let page = Page::parse(&html);
    assert!(page.has(&format!("[id=\"notes-{o}-error\"]")), "{html}");
    assert_eq!(page.field(&decisions).as_deref(), Some("ship it"), "kept");
    let review = &reviews_of(&w.app, team).await[0];
    assert_eq!(review["items"][0]["decisions"], "");
    let back = w
        .leo
        .done(
            &to,
            &[
                (&notes, "signups are up"),
                (&seen_notes, &sn),
                (&decisions, "double the ads"),
                (&seen_decisions, &sd),
            ],
        )
        .await;
    assert!(back.starts_with(&format!("{to}?done=notes")), "{back}");
    let review = &reviews_of(&w.app, team).await[0];
    assert_eq!(review["items"][0]["decisions"], "double the ads");
    // A page opened before that save changes the decisions too: told, theirs shown, nothing
    // overwritten, what was typed kept.
    let resp = w
        .leo
        .submit(
            &to,
            &[
                (&notes, ""),
                (&seen_notes, &sn),
                (&decisions, "halve the ads"),
                (&seen_decisions, &sd),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let page = Page::parse(&resp.text().await.unwrap());
    assert_eq!(page.field(&decisions).as_deref(), Some("halve the ads"));
    assert!(page
        .text(&format!("[id=\"decisions-{o}-theirs\"]"))
        .contains("double the ads"));
    let review = &reviews_of(&w.app, team).await[0];
    assert_eq!(review["items"][0]["decisions"], "double the ads");
    assert_eq!(review["items"][0]["notes"], "signups are up");

    // Max reads the review (he sees the objective) but may not write on it.
    let page = w.max.page(&to).await;
    assert!(page.text(&format!("#item-{o}")).contains("double the ads"));
    assert!(!page.has(&format!("form[action=\"{to}\"]")));
    let resp = w
        .max
        .submit(&to, &[(&notes, "mine"), (&seen_notes, &sn)])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}
