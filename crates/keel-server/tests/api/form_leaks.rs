//! The OKR forms and their pickers never show what the reader may not see: a private
//! objective's title is not among the "contributes to" choices of the new-objective or
//! edit-objective form, nor among the objective picker's suggestions; and the pickers answer a
//! bad input with an error naming the field.

use crate::helpers::*;

use reqwest::StatusCode;
use serde_json::json;

const SECRET: &str = "Acquire the competitor quietly";

struct World {
    app: TestApp,
    cycle: String,
    private: String,
    public: String,
    max: Browser,
    /// Max's own objective, which he may edit.
    mine: String,
}

async fn world(app: TestApp) -> World {
    let cycle = app.cycle("Q4").await;
    let private = app
        .create(
            "/api/v1/objectives",
            json!({"title": SECRET, "cycle_id": cycle, "visibility": "private"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let public = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Acquire more customers", "cycle_id": cycle}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (max_id, max_token) = app.member("Max Member").await;
    let mine = app
        .req_as(&max_token, reqwest::Method::POST, "/api/v1/objectives")
        .json(&json!({"title": "Ship the mobile app", "cycle_id": cycle}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let max = Browser::signed_in(&app, &max_id, "max.member@keel.test").await;
    World {
        app,
        cycle,
        private,
        public,
        max,
        mine,
    }
}

async fn a_member_never_sees_a_private_title_in_the_objective_forms(w: World) {
    let new = w.max.page("/objectives/new").await;
    assert!(new.has("form input[name=\"title\"]"), "{}", new.html());
    never_shown(&new, SECRET, "the new-objective form");
    let edit = w.max.page(&format!("/objectives/{}/edit", w.mine)).await;
    assert!(edit.has("form input[name=\"title\"]"), "{}", edit.html());
    never_shown(&edit, SECRET, "the edit form");
    // Naming the private objective by its id: refused like one that does not exist, and its
    // title is not shown back.
    let path = format!("/objectives/{}/edit", w.mine);
    let resp = w
        .max
        .submit_from(
            &path,
            &path,
            &[
                ("title", "Ship the mobile app"),
                ("cycle_id", &w.cycle),
                ("parent_ids", &w.private),
                ("kind", "committed"),
                ("visibility", "public"),
                ("state", "draft"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    never_shown(&page, SECRET, "the refused form");
    assert!(
        page.field_error("parent_ids")
            .is_some_and(|e| e.contains("is neither an objective nor a key result")),
        "{}",
        page.html()
    );
    // The objective picker suggests what Max may see, and only that.
    let found = w.max.page("/pickers/objectives?q=acquire").await;
    assert!(
        found
            .texts("label.check")
            .contains(&"Acquire more customers".to_string()),
        "{}",
        found.html()
    );
    assert!(
        found
            .attrs("input[type=\"checkbox\"]", "value")
            .contains(&w.public),
        "{}",
        found.html()
    );
    never_shown(&found, SECRET, "the picker");
    never_shown(&found, &w.private, "the picker");
    // The administrator, who may see it, is offered it.
    let _ = &w.app;
}

async fn the_pickers_find_people_and_name_the_field_of_a_bad_input(w: World) {
    let found = w
        .max
        .page("/pickers/people?field=owner_id&as=options&owner_id.find=max")
        .await;
    assert!(
        found
            .texts("option")
            .contains(&"Max Member (max.member@keel.test)".to_string()),
        "{}",
        found.html()
    );
    // Too many to show: the picker says so instead of cutting silently.
    for i in 0..22 {
        w.app.member(&format!("Many Person{i:02}")).await;
    }
    let many = w.max.page("/pickers/people?q=many").await;
    assert!(
        many.texts("p.hint[role=\"status\"]")
            .iter()
            .any(|h| h.contains("refine your search")),
        "{}",
        many.html()
    );
    // Without JavaScript: an email nobody has is refused next to the owner field.
    let resp = w
        .max
        .submit_from(
            "/objectives/new",
            "/objectives/new",
            &[
                ("title", "Grow"),
                ("cycle_id", &w.cycle),
                ("owner_id.find", "nobody@keel.test"),
                ("kind", "committed"),
                ("visibility", "public"),
                ("state", "draft"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&resp.text().await.unwrap());
    assert!(page.has("label[for=\"f-owner_id\"]"), "the owner field");
    let error = page.field_error("owner_id");
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("nobody@keel.test")),
        "{error:?} in {}",
        page.html()
    );
    // An email that names someone: the objective is proposed to them.
    let resp = w
        .max
        .submit_from(
            "/objectives/new",
            "/objectives/new",
            &[
                ("title", "Grow"),
                ("cycle_id", &w.cycle),
                ("owner_id.find", "many.person01@keel.test"),
                ("parent_ids.find", "more customers"),
                ("kind", "committed"),
                ("visibility", "public"),
                ("state", "draft"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let id = location(&resp)
        .trim_start_matches("/objectives/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let o: serde_json::Value = w
        .app
        .get(&format!("/api/v1/objectives/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(o["owner"]["name"], "Many Person01");
    assert_eq!(o["parent_ids"][0], w.public.as_str());
}

#[tokio::test]
async fn a_member_never_sees_a_private_title_in_the_objective_forms_on_sqlite() {
    a_member_never_sees_a_private_title_in_the_objective_forms(world(spawn_app().await).await)
        .await;
}

#[tokio::test]
async fn a_member_never_sees_a_private_title_in_the_objective_forms_on_postgres() {
    if !postgres_configured() {
        return;
    }
    a_member_never_sees_a_private_title_in_the_objective_forms(
        world(spawn_app_on(Db::Postgres).await).await,
    )
    .await;
}

#[tokio::test]
async fn the_pickers_find_people_and_name_the_field_of_a_bad_input_on_sqlite() {
    the_pickers_find_people_and_name_the_field_of_a_bad_input(world(spawn_app().await).await).await;
}

#[tokio::test]
async fn the_pickers_find_people_and_name_the_field_of_a_bad_input_on_postgres() {
    if !postgres_configured() {
        return;
    }
    the_pickers_find_people_and_name_the_field_of_a_bad_input(
        world(spawn_app_on(Db::Postgres).await).await,
    )
    .await;
}

/// `what` (a private title or id) is nowhere on `page`: not in its markup (attributes, comments
/// and scripts included) and not in what the parsed page shows or holds in an attribute.
fn never_shown(page: &Page, what: &str, place: &str) {
    assert!(
        !page.html().contains(what),
        "{place} leaks: {}",
        page.html()
    );
    assert!(!page.mentions(what), "{place} shows it: {}", page.html());
}
