//! The administration pages: people, teams, cycles, settings, API tokens and single sign-on. Every
//! form is also sent bad input: the message next to the field, what was typed kept, nothing
//! written.

use crate::helpers::*;
use crate::org_world::*;
use keel_domain::PersonId;
use keel_store::Accounts;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn people_count(app: &TestApp) -> usize {
    json_body(app.get("/api/v1/people?limit=500").await).await["items"]
        .as_array()
        .unwrap()
        .len()
}

/// The people forms: create, edit roles, deactivate; bad input shown next to the field.
async fn admin_people(app: TestApp) {
    let b = admin(&app).await;
    let list = b.page("/admin").await;
    assert!(list.body().contains("Ada Admin") && list.links_to("/admin/people/new"));
    bad_input_is_kept_and_nothing_written(&app).await;
    a_person_is_created_edited_and_deactivated(&app).await;
    deactivating_yourself_is_refused(&app).await;
    members_and_forged_forms_write_nothing(&app).await;
}

/// Bad input: no name, an email that is not one, a taken email, an unknown role. Nothing is
/// written; what was typed stays.
async fn bad_input_is_kept_and_nothing_written(app: &TestApp) {
    let before = people_count(app).await;
    let b = admin(app).await;
    // Bad input: no name, then an email that is not one. Nothing is written; what was typed
    // stays.
    let resp = b
        .submit(
            "/admin/people/new",
            &[
                ("name", ""),
                ("email", "bea@keel.test"),
                ("title", "Designer"),
                ("roles", "finance"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(field_error(&html, "name").is_some(), "{html}");
    assert!(Page::parse(&html)
        .input_values()
        .contains(&"bea@keel.test".to_string()));
    assert!(Page::parse(&html)
        .input_values()
        .contains(&"Designer".to_string()));
    assert!(Page::parse(&html)
        .checked_values()
        .contains(&"finance".to_string()));
    let resp = b
        .submit(
            "/admin/people/new",
            &[("name", "Bea"), ("email", "not-an-email")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(field_error(&html, "email").is_some(), "{html}");
    assert!(Page::parse(&html)
        .input_values()
        .contains(&"not-an-email".to_string()));
    assert_eq!(people_count(app).await, before);
    let resp = b
        .submit(
            "/admin/people/new",
            &[("name", "Bea"), ("email", "bea@"), ("roles", "member")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "email").is_some());
    // A taken email: 409, next to the email.
    let resp = b
        .submit(
            "/admin/people/new",
            &[("name", "Another Ada"), ("email", "ADA@keel.test")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let html = resp.text().await.unwrap();
    assert!(
        field_error(&html, "email")
            .unwrap()
            .contains("already exists"),
        "{html}"
    );
    assert!(Page::parse(&html)
        .input_values()
        .contains(&"Another Ada".to_string()));
    // An unknown role is refused next to the roles.
    let resp = b
        .submit(
            "/admin/people/new",
            &[
                ("name", "Bea"),
                ("email", "bea@keel.test"),
                ("roles", "emperor"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "roles").is_some());
    assert_eq!(people_count(app).await, before);
}

/// Good input: created, then edited (roles, deactivation), an old version refused.
async fn a_person_is_created_edited_and_deactivated(app: &TestApp) {
    let b = admin(app).await;
    // Good input: created, and the browser goes to the person's page.
    let resp = b
        .submit(
            "/admin/people/new",
            &[
                ("name", "Bea Builder"),
                ("email", "bea@keel.test"),
                ("title", "Engineer"),
                ("manager_id", &app.admin_id),
                ("roles", "member"),
                ("roles", "finance"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let at = location(&resp);
    assert!(at.ends_with("?created=1"), "{at}");
    let page = b.html(&at).await;
    assert!(page.contains("The person was created."));
    let bea_id = at
        .trim_start_matches("/admin/people/")
        .trim_end_matches("?created=1")
        .to_string();
    let bea = json_body(app.get(&format!("/api/v1/people/{bea_id}")).await).await;
    assert_eq!(bea["roles"], json!(["member", "finance"]));
    assert_eq!(bea["manager_id"], app.admin_id.as_str());
    let version = bea["version"].as_i64().unwrap().to_string();

    // Edit: roles to champion, then deactivate.
    let resp = b
        .submit(
            &format!("/admin/people/{bea_id}"),
            &[
                ("version", &version),
                ("name", "Bea Builder"),
                ("email", "bea@keel.test"),
                ("title", "Staff engineer"),
                ("manager_id", ""),
                ("roles", "champion"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let bea = json_body(app.get(&format!("/api/v1/people/{bea_id}")).await).await;
    assert_eq!(bea["roles"], json!(["champion"]));
    assert_eq!(bea["title"], "Staff engineer");
    assert_eq!(bea["manager_id"], Value::Null);
    // The old version: someone else changed it meanwhile; nothing written.
    let resp = b
        .submit(
            &format!("/admin/people/{bea_id}"),
            &[
                ("version", &version),
                ("name", "Stale Bea"),
                ("email", "bea@keel.test"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::PRECONDITION_FAILED);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("Someone else changed this record"));
    let version = bea["version"].as_i64().unwrap().to_string();
    let resp = b
        .submit(
            &format!("/admin/people/{bea_id}"),
            &[
                ("version", &version),
                ("name", "Bea Builder"),
                ("email", "bea@keel.test"),
                ("roles", "champion"),
            ],
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "unticked: deactivated"
    );
    let bea = json_body(app.get(&format!("/api/v1/people/{bea_id}")).await).await;
    assert_eq!(bea["active"], false);
}

/// Deactivating yourself is refused next to the checkbox; nothing changes.
async fn deactivating_yourself_is_refused(app: &TestApp) {
    let b = admin(app).await;
    // Deactivating yourself is refused next to the checkbox; nothing changes.
    let me = json_body(app.get(&format!("/api/v1/people/{}", app.admin_id)).await).await;
    let version = me["version"].as_i64().unwrap().to_string();
    let resp = b
        .submit(
            &format!("/admin/people/{}", app.admin_id),
            &[
                ("version", &version),
                ("name", "Ada Admin"),
                ("email", "ada@keel.test"),
                ("roles", "admin"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        field_error(&html, "active").unwrap().contains("yourself"),
        "{html}"
    );
    let me = json_body(app.get(&format!("/api/v1/people/{}", app.admin_id)).await).await;
    assert_eq!(me["active"], true);
}

/// A member may not administer people; without the CSRF token nothing is written either.
async fn members_and_forged_forms_write_nothing(app: &TestApp) {
    let b = admin(app).await;
    // A member may not administer people.
    let (_, _) = app.member("Max Member").await;
    let max = Browser::signed_in(
        app,
        json_body(app.get("/api/v1/people?q=max").await).await["items"][0]["id"]
            .as_str()
            .unwrap(),
        "max.member@keel.test",
    )
    .await;
    max.html_with("/admin", StatusCode::FORBIDDEN).await;
    let resp = max
        .submit(
            "/admin/people/new",
            &[("name", "Eve"), ("email", "eve@keel.test")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        json_body(app.get("/api/v1/people?q=eve").await).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Without the CSRF token nothing is written either.
    let resp = b
        .post_form(
            "/admin/people/new",
            &[("name", "Eve"), ("email", "eve@keel.test")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        json_body(app.get("/api/v1/people?q=eve").await).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn admin_people_forms_on_sqlite() {
    admin_people(spawn_app().await).await;
}

#[tokio::test]
async fn admin_people_forms_on_postgres() {
    if postgres_configured() {
        admin_people(spawn_app_on(Db::Postgres).await).await;
    }
}

#[tokio::test]
async fn admin_team_forms_set_parent_lead_and_members() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let b = admin(&app).await;
    let list = b.page("/admin/teams").await.body();
    assert!(list.contains("Platform") && list.contains("Engineering"));

    let teams_before = json_body(app.get("/api/v1/teams?limit=500").await).await["items"]
        .as_array()
        .unwrap()
        .len();
    // No name: refused next to the name, the ticked members stay ticked, nothing written.
    let resp = b
        .submit(
            "/admin/teams/new",
            &[
                ("name", " "),
                ("parent_id", &o.engineering),
                ("member_ids", &o.pia),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(field_error(&html, "name").is_some(), "{html}");
    let shown = Page::parse(&html);
    assert!(shown.checked_values().contains(&o.pia));
    assert!(shown.selected_values().contains(&o.engineering));
    // A team as lead: refused next to the lead.
    let resp = b
        .submit(
            "/admin/teams/new",
            &[("name", "Data"), ("lead_id", &o.sales)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "lead_id").is_some());
    let teams_after = json_body(app.get("/api/v1/teams?limit=500").await).await["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(teams_before, teams_after);

    let resp = b
        .submit(
            "/admin/teams/new",
            &[
                ("name", "Data"),
                ("parent_id", &o.engineering),
                ("lead_id", &o.sam),
                ("member_ids", &o.sam),
                ("member_ids", &o.pia),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let at = location(&resp);
    let data = at
        .trim_start_matches("/admin/teams/")
        .trim_end_matches("?created=1")
        .to_string();
    let team = json_body(app.get(&format!("/api/v1/teams/{data}")).await).await;
    assert_eq!(team["parent_id"], o.engineering.as_str());
    assert_eq!(team["lead_id"], o.sam.as_str());
    assert_eq!(team["member_ids"].as_array().unwrap().len(), 2);

    // Engineering under Platform would be a loop: refused next to the parent.
    let eng = json_body(app.get(&format!("/api/v1/teams/{}", o.engineering)).await).await;
    let version = eng["version"].as_i64().unwrap().to_string();
    let resp = b
        .submit(
            &format!("/admin/teams/{}", o.engineering),
            &[
                ("version", &version),
                ("name", "Engineering"),
                ("parent_id", &o.platform),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "parent_id")
        .unwrap()
        .contains("sub-teams"));
    // Moving it to the top and dropping its members works.
    let resp = b
        .submit(
            &format!("/admin/teams/{}", o.engineering),
            &[
                ("version", &version),
                ("name", "Engineering"),
                ("parent_id", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let eng = json_body(app.get(&format!("/api/v1/teams/{}", o.engineering)).await).await;
    assert_eq!(eng["parent_id"], Value::Null);
    assert!(eng["member_ids"].as_array().unwrap().is_empty());
    assert!(b
        .html(&format!("/admin/teams/{}?saved=1", o.engineering))
        .await
        .contains("Your changes were saved."));
}

#[tokio::test]
async fn admin_cycle_forms_check_dates_and_names() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let b = admin(&app).await;
    assert!(b.page("/admin/cycles").await.body().contains("2026 Q4"));
    let cycles = || async {
        json_body(app.get("/api/v1/cycles").await).await["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = cycles().await;
    let resp = b
        .submit(
            "/admin/cycles/new",
            &[
                ("name", "2027 Q1"),
                ("starts_on", "2027-13-01"),
                ("ends_on", "2027-03-31"),
                ("state", "planning"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(field_error(&html, "starts_on").is_some(), "{html}");
    assert!(
        Page::parse(&html)
            .input_values()
            .contains(&"2027-13-01".to_string()),
        "kept as typed"
    );
    assert!(Page::parse(&html)
        .input_values()
        .contains(&"2027 Q1".to_string()));
    let resp = b
        .submit(
            "/admin/cycles/new",
            &[
                ("name", "2027 Q1"),
                ("starts_on", "2027-03-01"),
                ("ends_on", "2027-01-31"),
                ("state", "planning"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "ends_on").is_some());
    let resp = b
        .submit(
            "/admin/cycles/new",
            &[
                ("name", "2026 Q4"),
                ("starts_on", "2026-10-01"),
                ("ends_on", "2026-12-31"),
                ("state", "planning"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(field_error(&resp.text().await.unwrap(), "name").is_some());
    let resp = b
        .submit(
            "/admin/cycles/new",
            &[
                ("name", "2027 Q1"),
                ("starts_on", "2027-01-01"),
                ("ends_on", "2027-03-31"),
                ("state", "sleeping"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "state").is_some());
    assert_eq!(cycles().await, before);

    let resp = b
        .submit(
            "/admin/cycles/new",
            &[
                ("name", "2027 Q1"),
                ("starts_on", "2027-01-01"),
                ("ends_on", "2027-03-31"),
                ("state", "planning"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(cycles().await, before + 1);
    // Edit: close 2026 Q4.
    let q4 = json_body(app.get(&format!("/api/v1/cycles/{}", o.cycle)).await).await;
    let version = q4["version"].as_i64().unwrap().to_string();
    let resp = b
        .submit(
            &format!("/admin/cycles/{}", o.cycle),
            &[
                ("version", &version),
                ("name", "2026 Q4"),
                ("starts_on", "2026-10-01"),
                ("ends_on", "2026-12-31"),
                ("state", "closed"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let q4 = json_body(app.get(&format!("/api/v1/cycles/{}", o.cycle)).await).await;
    assert_eq!(q4["state"], "closed");
}

#[tokio::test]
async fn admin_settings_form_keeps_what_was_typed_on_error() {
    let app = spawn_app().await;
    let b = admin(&app).await;
    let html = b.html("/admin/settings").await;
    assert!(
        Page::parse(&html)
            .selected_values()
            .contains(&"UTC".to_string()),
        "{html}"
    );
    let form_with_cadence = |tz: &'static str, overload: &'static str, cadence: &'static str| {
        vec![
            ("rhythm.cadence_days", cadence),
            ("rhythm.grace_days", "3"),
            ("name", "Northwind"),
            ("time_zone", tz),
            ("ownership_policy", "shared"),
            ("confidence_scale", "three_level"),
            ("check_in_weekday", "friday"),
            ("health.pending_ownership_days", "5"),
            ("health.owner_overload", overload),
            ("health.max_key_results", "4"),
        ]
    };
    let form = |tz: &'static str, overload: &'static str| form_with_cadence(tz, overload, "14");
    let resp = b
        .submit("/admin/settings", &form("Mars/Olympus", "6"))
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(field_error(&html, "time_zone").is_some(), "{html}");
    // The time zone is a list; what was sent stays chosen, to be corrected.
    assert!(Page::parse(&html)
        .selected_values()
        .contains(&"Mars/Olympus".to_string()));
    assert!(Page::parse(&html)
        .selected_values()
        .contains(&"friday".to_string()));
    let resp = b
        .submit("/admin/settings", &form("Europe/Paris", "lots"))
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        field_error(&html, "health.owner_overload").is_some(),
        "{html}"
    );
    assert!(Page::parse(&html)
        .input_values()
        .contains(&"lots".to_string()));
    let resp = b
        .submit("/admin/settings", &form("Europe/Paris", "0"))
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "health.owner_overload").is_some());
    // The cadence is checked by the same rule as the API (1 to 90 days), next to its field.
    let resp = b
        .submit(
            "/admin/settings",
            &form_with_cadence("Europe/Paris", "6", "0"),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        field_error(&html, "rhythm.cadence_days").is_some(),
        "{html}"
    );
    let s = json_body(app.get("/api/v1/settings").await).await;
    assert_eq!(s["time_zone"], "UTC", "nothing written");
    assert_eq!(s["rhythm"]["cadence_days"], 7, "nothing written");

    let resp = b
        .submit("/admin/settings", &form("Europe/Paris", "6"))
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let s = json_body(app.get("/api/v1/settings").await).await;
    assert_eq!(s["time_zone"], "Europe/Paris");
    assert_eq!(s["ownership_policy"], "shared");
    assert_eq!(s["confidence_scale"], "three_level");
    assert_eq!(s["check_in_weekday"], "friday");
    assert_eq!(s["health"]["owner_overload"], 6);
    assert_eq!(s["rhythm"]["cadence_days"], 14);
    assert_eq!(s["rhythm"]["grace_days"], 3);
}

#[tokio::test]
async fn api_tokens_are_shown_once_listed_with_last_use_and_revoked() {
    let app = spawn_app().await;
    let b = admin(&app).await;
    let mine = || async {
        app.store
            .list_tokens(&PersonId::from_string(app.admin_id.clone()))
            .await
            .unwrap()
            .len()
    };
    let before = mine().await;
    let resp = b
        .submit(
            "/account/tokens",
            &[("name", ""), ("scope", "read"), ("expires_on", "")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&resp.text().await.unwrap(), "name").is_some());
    let resp = b
        .submit(
            "/account/tokens",
            &[
                ("name", "nightly-sync"),
                ("scope", "read"),
                ("expires_on", "soon"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(field_error(&html, "expires_on").is_some());
    assert!(Page::parse(&html)
        .input_values()
        .contains(&"nightly-sync".to_string()));
    let resp = b
        .submit(
            "/account/tokens",
            &[
                ("name", "nightly-sync"),
                ("scope", "read"),
                ("expires_on", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_error(&resp.text().await.unwrap(), "expires_on").is_some(),
        "in the past"
    );
    assert_eq!(mine().await, before);

    let resp = b
        .submit(
            "/account/tokens",
            &[
                ("name", "nightly-sync"),
                ("scope", "read"),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let html = resp.text().await.unwrap();
    let at = html.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let secret = html[at..].split('<').next().unwrap().to_string();
    assert!(secret.starts_with("keel_"), "{secret}");
    // It works, read-only; the list shows its use but never the secret again.
    let r = app
        .req_as(&secret, Method::GET, "/api/v1/people")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .req_as(&secret, Method::POST, "/api/v1/teams")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let list = b.page("/account/tokens").await;
    assert!(!list.mentions(&secret));
    let shown = list.body();
    assert!(shown.contains("nightly-sync"));
    // Issue 12: "5 Dec 2026, 14:05" in the reader's zone, never "HH:MM UTC".
    assert!(
        shown.contains(&chrono::Utc::now().format("%-d %b %Y, ").to_string())
            && !shown.contains("UTC"),
        "last use shown: {shown}"
    );
    let token_id = app
        .store
        .list_tokens(&PersonId::from_string(app.admin_id.clone()))
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "nightly-sync")
        .unwrap()
        .id
        .to_string();
    let resp = b
        .submit(&format!("/account/tokens/{token_id}/revoke"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let r = app
        .req_as(&secret, Method::GET, "/api/v1/people")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(b
        .html("/account/tokens?revoked=1")
        .await
        .contains("was revoked"));
    // Someone else's (or an unknown) token: 404.
    let resp = b.submit("/account/tokens/nope/revoke", &[]).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // Every signed-in person manages their own tokens.
    let (max_id, _) = app.member("Max Member").await;
    let max = Browser::signed_in(&app, &max_id, "max.member@keel.test").await;
    let page = max.html("/account/tokens").await;
    assert!(!page.contains("nightly-sync"), "only your own");
    let resp = max
        .submit(&format!("/account/tokens/{token_id}/revoke"), &[])
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn single_sign_on_status_is_read_only_and_for_administrators_only() {
    let app = spawn_app().await;
    let b = admin(&app).await;
    let page = b.page("/admin/sso").await;
    assert!(page.body().contains("Not configured"), "{}", page.html());
    assert!(!page.has("form[method=\"post\"][action^=\"/admin/sso\"]"));
    let (max_id, _) = app.member("Max Member").await;
    let max = Browser::signed_in(&app, &max_id, "max.member@keel.test").await;
    max.html_with("/admin/sso", StatusCode::FORBIDDEN).await;
    max.html_with("/admin/settings", StatusCode::FORBIDDEN)
        .await;
    max.html_with("/admin/cycles", StatusCode::FORBIDDEN).await;
    // A champion manages settings but not single sign-on (who may sign in, with which roles).
    let (cleo_id, _) = app.person_with_roles("Cleo Champion", &["champion"]).await;
    let cleo = Browser::signed_in(&app, &cleo_id, "cleo.champion@keel.test").await;
    cleo.html_with("/admin/settings", StatusCode::OK).await;
    let denied = cleo.html_with("/admin/sso", StatusCode::FORBIDDEN).await;
    assert!(!denied.contains("Not configured"), "{denied}");
}
