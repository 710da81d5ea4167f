//! The administration pages at any size: the team list a numbered page at a time, by name, with
//! a find field and the total; the team and person forms naming only the people and teams
//! chosen, others found with the pickers (typed in a find field and resolved when the form is
//! sent without JavaScript), and what was typed that names nobody, or several, refused next to
//! its field with nothing written. On SQLite and PostgreSQL.

use crate::helpers::*;
use crate::org_world::*;
use serde_json::{json, Value};

async fn team_json(app: &TestApp, id: &str) -> Value {
    json_body(app.get(&format!("/api/v1/teams/{id}")).await).await
}

async fn person_json(app: &TestApp, id: &str) -> Value {
    json_body(app.get(&format!("/api/v1/people/{id}")).await).await
}

async fn team_count(app: &TestApp) -> usize {
    json_body(app.get("/api/v1/teams?limit=500").await).await["items"]
        .as_array()
        .unwrap()
        .len()
}

/// The ids in a JSON array, sorted (a team's members are a set).
fn ids(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The team list: 100 teams a page by name, the total said, previous and next pages, a filter
/// by words of the name; a page number that is not one is refused.
async fn team_list_in_pages(app: TestApp) {
    for n in 0..120 {
        app.create("/api/v1/teams", json!({"name": format!("Squad {n:03}")}))
            .await;
    }
    let b = Browser::admin(&app).await;
    let first = b.page("/admin/teams").await;
    let rows = first.rows("table tbody");
    assert_eq!(rows.len(), 100);
    assert_eq!(rows[0][0], "Squad 000");
    assert!(first.mentions("Teams 1–100 of 120, by name."));
    assert!(first.links_to("/admin/teams?page=2"));
    assert!(first.links_to("/admin/teams/new"));
    assert!(!first.has("a[rel=prev]"));
    let second = b.page("/admin/teams?page=2").await;
    let rows = second.rows("table tbody");
    assert_eq!(rows.len(), 20);
    assert_eq!(rows[19][0], "Squad 119");
    assert!(second.mentions("Teams 101–120 of 120"));
    assert!(second.links_to("/admin/teams?page=1"));
    assert!(!second.has("a[rel=next]"));
    // Words of the name, any case.
    let found = b.page("/admin/teams?name=sQuAd+11").await;
    let names: Vec<String> = found
        .rows("table tbody")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(names.len(), 10, "{names:?}");
    assert_eq!(names[0], "Squad 110");
    assert!(found.mentions("Teams 1–10 of 10 whose name contains “sQuAd 11”"));
    assert_eq!(found.field("name").as_deref(), Some("sQuAd 11"));
    let none = b.page("/admin/teams?name=zebra").await;
    assert!(none.mentions("No team whose name contains “zebra”."));
    assert!(!none.has("table"));
    let past = b.page("/admin/teams?page=7").await;
    assert!(past.mentions("Page 7 is past the last: 120 teams fill 2 pages."));
    assert!(past.links_to("/admin/teams?page=2"));
    let html = b
        .html_with(
            "/admin/teams?page=x",
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(html.contains("page number"), "{html}");
}

/// The team form lists no one but those chosen; without JavaScript, a parent, a lead and members
/// typed in the find fields are resolved; what names nobody or several is refused next to its
/// field, with what was typed kept and nothing written.
async fn team_form_pickers(app: TestApp) {
    let o = org(&app).await;
    let b = Browser::admin(&app).await;
    let blank = b.page("/admin/teams/new").await;
    // Nobody is listed: only the empty choices, and the find fields.
    assert_eq!(blank.texts("select[name=parent_id] option").len(), 1);
    assert_eq!(blank.texts("select[name=lead_id] option").len(), 1);
    assert!(!blank.has("input[name=member_ids]"));
    for find in ["parent_id.find", "lead_id.find", "member_ids.find"] {
        assert!(
            blank.has(&format!("input[name=\"{find}\"][hx-get]")),
            "{find}"
        );
    }
    let before = team_count(&app).await;
    for (field, form, says) in [
        (
            "lead_id",
            vec![("lead_id.find", "nobody-here")],
            "no person matches 'nobody-here'",
        ),
        (
            "parent_id",
            vec![("parent_id.find", "zebra")],
            "no team matches 'zebra'",
        ),
        // Platform and Sales both hold an "a".
        ("parent_id", vec![("parent_id.find", "a")], "match 'a'"),
        // Ada, Pia and Sam all have an address at keel.test.
        (
            "member_ids",
            vec![("member_ids.find", "keel.test")],
            "match 'keel.test'",
        ),
    ] {
        let mut form = form;
        form.push(("name", "Data"));
        let html = b.refused("/admin/teams/new", &form).await;
        let error = field_error(&html, field).unwrap_or_else(|| panic!("{field}: {html}"));
        assert!(error.contains(says), "{field}: {error}");
        assert!(Page::parse(&html)
            .input_values()
            .contains(&form[0].1.to_string()));
    }
    assert_eq!(team_count(&app).await, before, "nothing written");

    // Without JavaScript: names, an email, a team's name.
    let at = b
        .done(
            "/admin/teams/new",
            &[
                ("name", "Data"),
                ("parent_id", ""),
                ("parent_id.find", "engineering"),
                ("lead_id", ""),
                ("lead_id.find", "sam.sales@keel.test"),
                ("member_ids.find", "Pia Platform, sam.sales@keel.test"),
            ],
        )
        .await;
    let data = at
        .trim_start_matches("/admin/teams/")
        .trim_end_matches("?created=1")
        .to_string();
    let team = team_json(&app, &data).await;
    assert_eq!(team["parent_id"], o.engineering.as_str());
    assert_eq!(team["lead_id"], o.sam.as_str());
    assert_eq!(
        ids(&team["member_ids"]),
        sorted(vec![o.pia.clone(), o.sam.clone()])
    );

    // The edit form names the chosen: the parent, the lead, the members ticked.
    let form = b.page(&at).await;
    assert_eq!(
        form.field("parent_id").as_deref(),
        Some(o.engineering.as_str())
    );
    assert_eq!(form.field("lead_id").as_deref(), Some(o.sam.as_str()));
    assert_eq!(form.texts("select[name=lead_id] option").len(), 2);
    assert_eq!(
        sorted(form.checked_values()),
        sorted(vec![o.pia.clone(), o.sam.clone()])
    );
    assert!(form.mentions("Pia Platform (pia.platform@keel.test)"));
    assert_eq!(
        sorted(form.attrs("input[name=member_shown]", "value")),
        sorted(vec![o.pia.clone(), o.sam.clone()])
    );

    // Sam unticked, Ada found; a new lead typed over the one chosen (no JavaScript); the parent
    // picked as a suggestion (the choice posted is among what was typed matches).
    let version = team["version"].as_i64().unwrap().to_string();
    b.done(
        &format!("/admin/teams/{data}"),
        &[
            ("version", &version),
            ("name", "Data"),
            ("parent_id", &o.engineering),
            ("parent_id.find", "Eng"),
            ("lead_id", &o.sam),
            ("lead_id.find", "pia.platform@keel.test"),
            ("member_ids", &o.pia),
            ("member_shown", &o.pia),
            ("member_shown", &o.sam),
            ("member_ids.find", "Ada"),
        ],
    )
    .await;
    let team = team_json(&app, &data).await;
    assert_eq!(team["parent_id"], o.engineering.as_str());
    assert_eq!(team["lead_id"], o.pia.as_str());
    assert_eq!(
        ids(&team["member_ids"]),
        sorted(vec![o.pia.clone(), app.admin_id.clone()])
    );
    // A bad lead on the edit form: refused, nothing written.
    let version = team["version"].as_i64().unwrap().to_string();
    let html = b
        .refused(
            &format!("/admin/teams/{data}"),
            &[
                ("version", &version),
                ("name", "Data"),
                ("lead_id", &o.pia),
                ("lead_id.find", "Nobody At All"),
                ("member_shown", &o.pia),
            ],
        )
        .await;
    assert!(field_error(&html, "lead_id")
        .unwrap()
        .contains("no person matches"));
    assert_eq!(team_json(&app, &data).await["version"], team["version"]);
}

/// A team of 205: its members listed 200 at a time, said so; unticking on the second page
/// removes only the one unticked there.
async fn many_members_listed_a_page_at_a_time(app: TestApp) {
    let mut members = vec![];
    for n in 0..205 {
        let p = app
            .create(
                "/api/v1/people",
                json!({"name": format!("Member {n:03}"), "email": format!("m{n}@keel.test")}),
            )
            .await;
        members.push(p["id"].as_str().unwrap().to_string());
    }
    let team = app
        .create(
            "/api/v1/teams",
            json!({"name": "Everyone", "member_ids": members}),
        )
        .await;
    let id = team["id"].as_str().unwrap();
    let b = Browser::admin(&app).await;
    let members = ids(&team["member_ids"]);
    let first = b.page(&format!("/admin/teams/{id}")).await;
    assert_eq!(sorted(first.checked_values()), members[..200].to_vec());
    assert!(first.mentions("205 members, listed 200 at a time: these are 1–200."));
    assert!(first.links_to(&format!("/admin/teams/{id}?members=2")));
    let second = b.page(&format!("/admin/teams/{id}?members=2")).await;
    assert!(second.links_to(&format!("/admin/teams/{id}?members=1")));
    assert!(second.mentions("Previous members (page 1 of 2)"));
    assert_eq!(sorted(second.checked_values()), members[200..].to_vec());
    let version = team["version"].as_i64().unwrap().to_string();
    let mut form = vec![("version", version.as_str()), ("name", "Everyone")];
    for m in &members[200..] {
        form.push(("member_shown", m));
    }
    for m in &members[201..] {
        form.push(("member_ids", m));
    }
    b.done(&format!("/admin/teams/{id}"), &form).await;
    let after = ids(&team_json(&app, id).await["member_ids"]);
    let mut want = members.clone();
    want.remove(200);
    assert_eq!(after, want, "only the one unticked left");
}

/// The person form's manager: only the one chosen listed; found by what was typed without
/// JavaScript; what names nobody or several refused next to it, nothing written.
async fn person_form_manager_picker(app: TestApp) {
    let o = org(&app).await;
    let b = Browser::admin(&app).await;
    let blank = b.page("/admin/people/new").await;
    assert_eq!(blank.texts("select[name=manager_id] option").len(), 1);
    assert!(blank.has("input[name=\"manager_id.find\"][hx-get]"));
    let people = || async {
        json_body(app.get("/api/v1/people?limit=500").await).await["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = people().await;
    for (typed, says) in [
        ("zebra", "no person matches 'zebra'"),
        ("keel.test", "match 'keel.test'"),
    ] {
        let html = b
            .refused(
                "/admin/people/new",
                &[
                    ("name", "Bea Builder"),
                    ("email", "bea@keel.test"),
                    ("manager_id.find", typed),
                    ("roles", "member"),
                ],
            )
            .await;
        assert!(
            field_error(&html, "manager_id").unwrap().contains(says),
            "{html}"
        );
        assert!(Page::parse(&html)
            .input_values()
            .contains(&typed.to_string()));
    }
    assert_eq!(people().await, before, "nothing written");
    let at = b
        .done(
            "/admin/people/new",
            &[
                ("name", "Bea Builder"),
                ("email", "bea@keel.test"),
                ("manager_id", ""),
                ("manager_id.find", "pia.platform@keel.test"),
                ("roles", "member"),
            ],
        )
        .await;
    let bea = at
        .trim_start_matches("/admin/people/")
        .trim_end_matches("?created=1")
        .to_string();
    let person = person_json(&app, &bea).await;
    assert_eq!(person["manager_id"], o.pia.as_str());
    let form = b.page(&at).await;
    assert_eq!(form.field("manager_id").as_deref(), Some(o.pia.as_str()));
    assert_eq!(form.texts("select[name=manager_id] option").len(), 2);
    // Typed over the chosen manager, without JavaScript: Sam.
    let version = person["version"].as_i64().unwrap().to_string();
    b.done(
        &format!("/admin/people/{bea}"),
        &[
            ("version", &version),
            ("name", "Bea Builder"),
            ("email", "bea@keel.test"),
            ("manager_id", &o.pia),
            ("manager_id.find", "Sam Sales"),
            ("roles", "member"),
            ("active", "true"),
        ],
    )
    .await;
    assert_eq!(person_json(&app, &bea).await["manager_id"], o.sam.as_str());
}

#[tokio::test]
async fn team_list_in_pages_on_sqlite() {
    team_list_in_pages(spawn_app().await).await;
}

#[tokio::test]
async fn team_list_in_pages_on_postgres() {
    if postgres_configured() {
        team_list_in_pages(spawn_app_on(Db::Postgres).await).await;
    }
}

#[tokio::test]
async fn team_form_pickers_on_sqlite() {
    team_form_pickers(spawn_app().await).await;
}

#[tokio::test]
async fn team_form_pickers_on_postgres() {
    if postgres_configured() {
        team_form_pickers(spawn_app_on(Db::Postgres).await).await;
    }
}

#[tokio::test]
async fn many_members_listed_a_page_at_a_time_on_sqlite() {
    many_members_listed_a_page_at_a_time(spawn_app().await).await;
}

#[tokio::test]
async fn many_members_listed_a_page_at_a_time_on_postgres() {
    if postgres_configured() {
        many_members_listed_a_page_at_a_time(spawn_app_on(Db::Postgres).await).await;
    }
}

#[tokio::test]
async fn person_form_manager_picker_on_sqlite() {
    person_form_manager_picker(spawn_app().await).await;
}

#[tokio::test]
async fn person_form_manager_picker_on_postgres() {
    if postgres_configured() {
        person_form_manager_picker(spawn_app_on(Db::Postgres).await).await;
    }
}
