//! The CFR forms and the hand-over form find people by typing (the people picker), never by a
//! list of everyone cut off at some length: suggestions as one types, a typed email, id or name
//! resolved on the server when the form is sent without JavaScript, and a 422 naming the field
//! when what was typed names nobody (or several). Deactivated people are never suggested.

use crate::helpers::*;
use crate::rhythm::active_objective;
use serde_json::json;

/// Two people to find, one deactivated, and an objective to recognise work on.
struct Cast {
    app: TestApp,
    ada: Browser,
    bo_id: String,
    objective: String,
}

async fn cast(app: TestApp) -> Cast {
    let cycle = app.cycle("2026 Q4").await;
    let (objective, _) = active_objective(&app, &cycle, None, &["Signups"]).await;
    let (bo_id, _) = app.member("Bo Buddy").await;
    app.member("Bob Buddy").await;
    let (gone, _) = app.member("Di Gone").await;
    let resp = app
        .patch(&format!("/api/v1/people/{gone}"), json!({"active": false}))
        .await;
    assert!(resp.status().is_success(), "deactivating Di");
    let ada = Browser::admin(&app).await;
    Cast {
        app,
        ada,
        bo_id,
        objective,
    }
}

#[tokio::test]
async fn the_cfr_forms_find_people_by_typing() {
    found_by_typing(cast(spawn_app().await).await).await;
}

#[tokio::test]
async fn the_cfr_forms_find_people_by_typing_on_postgres() {
    if postgres_configured() {
        found_by_typing(cast(spawn_app_on(Db::Postgres).await).await).await;
    }
}

async fn found_by_typing(c: Cast) {
    let page = c.ada.page("/conversations").await;
    // Nobody is listed whole: the select holds only the empty choice, the find field asks.
    assert_eq!(
        page.attrs("select[name=\"with_id\"] option", "value"),
        vec![String::new()]
    );
    let ask = page
        .attr("input[name=\"with_id.find\"]", "hx-get")
        .expect("a find field on the 1:1 form");
    assert!(ask.starts_with("/pickers/people?"), "{ask}");
    // What htmx sends as the reader types: the find field's own value.
    let found = c.ada.page(&format!("{ask}&with_id.find=bo.bud")).await;
    assert_eq!(found.selected_values(), vec![c.bo_id.clone()]);
    assert!(found.mentions("Bo Buddy"), "{}", found.html());
    let to = c
        .ada
        .done(
            "/conversations",
            &[
                ("with_id", &c.bo_id),
                ("with_id.find", "bo.bud"),
                ("notes", "hiring plan"),
            ],
        )
        .await;
    assert!(to.starts_with("/conversations/"), "{to}");
    assert!(c.ada.page(&to).await.mentions("Bo Buddy"));
    // The feedback page's two people fields have the same picker.
    let feedback = c.ada.page("/feedback").await;
    for field in ["addressee_ids", "to_id"] {
        let ask = feedback
            .attr(&format!("input[name=\"{field}.find\"]"), "hx-get")
            .unwrap_or_else(|| panic!("a find field for {field}"));
        assert!(ask.starts_with("/pickers/people?"), "{ask}");
    }
    // Several asked of: checkboxes to tick.
    let found = c
        .ada
        .page("/pickers/people?field=addressee_ids&addressee_ids.find=buddy")
        .await;
    assert_eq!(
        found.attrs("input[name=\"addressee_ids\"]", "value").len(),
        2
    );
}

#[tokio::test]
async fn a_typed_email_or_name_is_resolved_without_javascript() {
    typed_without_javascript(cast(spawn_app().await).await).await;
}

#[tokio::test]
async fn a_typed_email_or_name_is_resolved_without_javascript_on_postgres() {
    if postgres_configured() {
        typed_without_javascript(cast(spawn_app_on(Db::Postgres).await).await).await;
    }
}

async fn typed_without_javascript(c: Cast) {
    let o = c.objective.as_str();
    let to = c
        .ada
        .done(
            "/conversations",
            &[
                ("with_id", ""),
                ("with_id.find", "Bo.Buddy@keel.test"),
                ("notes", "typed by hand"),
            ],
        )
        .await;
    assert!(c.ada.page(&to).await.mentions("Bo Buddy"));
    c.ada
        .done(
            "/recognitions",
            &[
                ("to_id", ""),
                ("to_id.find", "bo.buddy@keel.test"),
                ("okr_id", o),
                ("message", "great fix"),
            ],
        )
        .await;
    let r = json_of(&c.app, &format!("/api/v1/okrs/{o}/recognitions")).await;
    assert!(r.to_string().contains(c.bo_id.as_str()), "{r}");
    // Words of a name, and an id, both asked of.
    let (cy_id, _) = c.app.member("Cy Third").await;
    c.ada
        .done(
            "/feedback",
            &[
                ("okr_id", o),
                ("addressee_ids.find", &format!("Bo Buddy, {cy_id}")),
                ("question", "How is onboarding?"),
            ],
        )
        .await;
    let asked = json_of(&c.app, &format!("/api/v1/feedback-requests?okr_id={o}")).await;
    let asked = asked.to_string();
    assert!(
        asked.contains(c.bo_id.as_str()) && asked.contains(cy_id.as_str()),
        "{asked}"
    );
}

#[tokio::test]
async fn nobody_or_several_found_is_a_422_naming_the_field() {
    refused(cast(spawn_app().await).await).await;
}

#[tokio::test]
async fn nobody_or_several_found_is_a_422_naming_the_field_on_postgres() {
    if postgres_configured() {
        refused(cast(spawn_app_on(Db::Postgres).await).await).await;
    }
}

async fn refused(c: Cast) {
    let o = c.objective.as_str();
    let html = c
        .ada
        .refused(
            "/conversations",
            &[("with_id.find", "nobody@keel.test"), ("notes", "kept")],
        )
        .await;
    let page = Page::parse(&html);
    let error = page.field_error("with_id").expect("an error next to With");
    assert!(error.contains("nobody@keel.test"), "{error}");
    assert_eq!(
        page.field("with_id.find").as_deref(),
        Some("nobody@keel.test")
    );
    assert_eq!(page.text("textarea[name=\"notes\"]"), "kept");
    // Two Buddies: type more.
    let html = c
        .ada
        .refused(
            "/recognitions",
            &[
                ("to_id.find", "buddy"),
                ("okr_id", o),
                ("message", "thanks"),
            ],
        )
        .await;
    let error = field_error(&html, "recognition-to_id").expect("an error next to Who");
    assert!(error.contains("type more"), "{error}");
    let html = c
        .ada
        .refused(
            "/feedback",
            &[
                ("okr_id", o),
                ("addressee_ids.find", "zz-nobody"),
                ("question", "Anyone?"),
            ],
        )
        .await;
    assert!(
        field_error(&html, "request-addressee_ids").is_some(),
        "{html}"
    );
    // Nothing was written.
    let r = json_of(&c.app, &format!("/api/v1/okrs/{o}/recognitions")).await;
    assert!(!r.to_string().contains("thanks"), "{r}");
    let asked = json_of(&c.app, &format!("/api/v1/feedback-requests?okr_id={o}")).await;
    assert!(!asked.to_string().contains("Anyone?"), "{asked}");
}

#[tokio::test]
async fn the_people_picker_never_suggests_deactivated_people() {
    never_deactivated(cast(spawn_app().await).await).await;
}

#[tokio::test]
async fn the_people_picker_never_suggests_deactivated_people_on_postgres() {
    if postgres_configured() {
        never_deactivated(cast(spawn_app_on(Db::Postgres).await).await).await;
    }
}

async fn never_deactivated(c: Cast) {
    for ask in [
        "/pickers/people?q=gone",
        "/pickers/people?field=to_id&as=options&to_id.find=gone",
        "/pickers/people?field=addressee_ids&addressee_ids.find=di.gone@keel.test",
    ] {
        let found = c.ada.page(ask).await;
        assert!(!found.mentions("Di Gone"), "{ask}: {}", found.html());
        assert!(found.mentions("Nothing matches"), "{ask}: {}", found.html());
    }
    // Nor is a deactivated person found when typed without JavaScript.
    let html = c
        .ada
        .refused(
            "/recognitions",
            &[
                ("to_id.find", "Di Gone"),
                ("okr_id", &c.objective),
                ("message", "thanks"),
            ],
        )
        .await;
    assert!(field_error(&html, "recognition-to_id").is_some(), "{html}");
}

#[tokio::test]
async fn the_okr_forms_find_teams_by_typing() {
    teams_by_typing(cast(spawn_app().await).await).await;
}

#[tokio::test]
async fn the_okr_forms_find_teams_by_typing_on_postgres() {
    if postgres_configured() {
        teams_by_typing(cast(spawn_app_on(Db::Postgres).await).await).await;
    }
}

/// The OKR forms list no team but those chosen (a form's cost never grows with the number of
/// teams): the team picker suggests as one types, and without JavaScript what was typed is
/// resolved when the form is sent, a 422 naming the field when it names several teams.
async fn teams_by_typing(c: Cast) {
    let growth = c.app.team("Growth").await;
    c.app.team("Growth Labs").await;
    c.app.team("Support").await;
    let form = c.ada.page("/objectives/new").await;
    assert!(form.attrs("input[name=\"team_ids\"]", "value").is_empty());
    let ask = form
        .attr("input[name=\"team_ids.find\"]", "hx-get")
        .expect("a team find field on the objective form");
    assert!(ask.starts_with("/pickers/teams?"), "{ask}");
    let found = c.ada.page("/pickers/teams?field=team_ids&q=grow").await;
    assert_eq!(found.attrs("input[name=\"team_ids\"]", "value").len(), 2);
    let cycle = c.app.cycle("2027 Q1").await;
    let fields = |find: &'static str| {
        vec![
            ("title", "Grow by typing".to_string()),
            ("cycle_id", cycle.clone()),
            ("owner_id", c.app.admin_id.clone()),
            ("team_ids.find", find.to_string()),
            ("kind", "committed".to_string()),
            ("visibility", "public".to_string()),
            ("state", "draft".to_string()),
        ]
    };
    let several = fields("Grow");
    let several: Vec<(&str, &str)> = several.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let resp = c
        .ada
        .submit_from("/objectives/new", "/objectives/new", &several)
        .await;
    assert_eq!(resp.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    assert!(page.field_error("team_ids").is_some(), "{}", page.body());
    let whole = fields("growth");
    let whole: Vec<(&str, &str)> = whole.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let resp = c
        .ada
        .submit_from("/objectives/new", "/objectives/new", &whole)
        .await;
    assert_eq!(resp.status(), reqwest::StatusCode::SEE_OTHER);
    let id = location(&resp)
        .trim_start_matches("/objectives/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let o = json_of(&c.app, &format!("/api/v1/objectives/{id}")).await;
    assert_eq!(o["team_ids"][0], growth.as_str(), "{o}");
}
