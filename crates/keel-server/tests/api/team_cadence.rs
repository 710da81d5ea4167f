//! A team's own check-in cadence, set and cleared by its lead from the team page ("The weekly
//! rhythm"), driven like a browser would and checked against the page and the API.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_teams_lead_sets_and_clears_its_cadence_from_the_team_page() {
    team_cadence(spawn_app().await).await;
}

#[tokio::test]
async fn a_teams_lead_sets_and_clears_its_cadence_from_the_team_page_on_postgres() {
    if postgres_configured() {
        team_cadence(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn team_cadence(app: TestApp) {
    let (leo, _) = app.member("Leo Lead").await;
    let (max, _) = app.member("Max Member").await;
    let team = app
        .create(
            "/api/v1/teams",
            json!({"name": "Growth", "lead_id": leo, "member_ids": [leo, max]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let leo = Browser::signed_in(&app, &leo, "leo.lead@keel.test").await;
    let max = Browser::signed_in(&app, &max, "max.member@keel.test").await;
    let page = format!("/teams/{team}");
    let form = format!("/teams/{team}/cadence");
    let api = format!("/api/v1/teams/{team}/cadence");
    let org = json_of(&app, "/api/v1/settings").await["rhythm"]["cadence_days"]
        .as_u64()
        .unwrap();

    // The lead sees the effective cadence, that it is the organisation's, and the form.
    let form_css = format!("form[action=\"{form}\"]");
    let shown = leo.page(&page).await;
    assert_eq!(
        shown.text("#cadence-now"),
        format!("Every {org} days: the organisation's.")
    );
    assert_eq!(shown.text("#cadence-now strong"), format!("{org} days"));
    assert!(shown.has(&form_css), "{}", shown.html());
    // A member sees the cadence but not the form.
    let shown = max.page(&page).await;
    assert!(shown.text("#cadence-now").contains("the organisation's"));
    assert!(!shown.has(&form_css), "{}", shown.html());

    // Bad input: the message next to the field, the value kept, nothing written.
    for (bad, message) in [
        ("0", "from 1 to 90"),
        ("-3", "from 1 to 90"),
        ("91", "from 1 to 90"),
        ("99999999999", "from 1 to 90"),
        ("two weeks", "whole number of days, like 14"),
        ("7.5", "whole number of days, like 14"),
        ("", "enter the number of days"),
    ] {
        let shown = Page::parse(&leo.refused(&form, &[("cadence_days", bad)]).await);
        let error = shown
            .field_error("cadence_days")
            .unwrap_or_else(|| panic!("{bad}: {}", shown.html()));
        assert!(error.contains(message), "{bad}: {error}");
        assert_eq!(
            shown
                .attr("input[name=\"cadence_days\"]", "type")
                .as_deref(),
            Some("number")
        );
        assert_eq!(
            shown.field("cadence_days").as_deref(),
            Some(bad),
            "{bad} kept"
        );
        assert!(json_of(&app, &api).await["own_cadence_days"].is_null());
    }

    // A member may not set it: 403 whatever was typed (a bad value included), nothing written.
    for value in ["0", "abc", "14"] {
        let resp = max.submit(&form, &[("cadence_days", value)]).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{value}");
    }
    let resp = max.submit(&form, &[("follow", "organisation")]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(json_of(&app, &api).await["own_cadence_days"].is_null());
    // An unknown team: the 404 page.
    let resp = leo
        .submit("/teams/nope/cadence", &[("cadence_days", "14")])
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // Set: back on the team page with a confirmation; the API holds it.
    let to = leo.done(&form, &[("cadence_days", " 14 ")]).await;
    assert_eq!(to, format!("{page}?done=cadence#cadence"));
    let shown = leo.page(&to).await;
    assert_eq!(shown.text(".notice.ok"), "Check-in cadence saved.");
    assert_eq!(
        shown.text("#cadence-now"),
        format!("Every 14 days: the team's own (the organisation's is {org}).")
    );
    assert_eq!(shown.text("#cadence-now strong"), "14 days");
    assert_eq!(shown.field("cadence_days").as_deref(), Some("14"));
    assert_eq!(
        shown
            .attr("input[name=\"cadence_days\"]", "type")
            .as_deref(),
        Some("number")
    );
    let c = json_of(&app, &api).await;
    assert_eq!(c["own_cadence_days"], 14);
    assert_eq!(c["cadence_days"], 14);
    assert!(max
        .page(&page)
        .await
        .text("#cadence-now")
        .contains("the team's own"));

    // Follow the organisation: cleared.
    leo.done(&form, &[("cadence_days", "14"), ("follow", "organisation")])
        .await;
    let c = json_of(&app, &api).await;
    assert!(c["own_cadence_days"].is_null(), "{c}");
    assert_eq!(c["cadence_days"], org);
    assert_eq!(
        leo.page(&page).await.text("#cadence-now"),
        format!("Every {org} days: the organisation's.")
    );
}
