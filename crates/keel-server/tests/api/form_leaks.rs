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
    let new = w.max.html("/objectives/new").await;
    assert!(new.contains("name=\"title\""), "{new}");
    assert!(!new.contains(SECRET), "the new-objective form leaks: {new}");
    let edit = w.max.html(&format!("/objectives/{}/edit", w.mine)).await;
    assert!(edit.contains("name=\"title\""), "{edit}");
    assert!(!edit.contains(SECRET), "the edit form leaks: {edit}");
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
    let page = resp.text().await.unwrap();
    assert!(!page.contains(SECRET), "the refused form leaks: {page}");
    assert!(
        page.contains("is neither an objective nor a key result"),
        "{page}"
    );
    // The objective picker suggests what Max may see, and only that.
    let found = w.max.html("/pickers/objectives?q=acquire").await;
    assert!(found.contains("Acquire more customers"), "{found}");
    assert!(found.contains(&w.public), "{found}");
    assert!(!found.contains(SECRET), "the picker leaks: {found}");
    assert!(!found.contains(&w.private), "the picker leaks: {found}");
    // The administrator, who may see it, is offered it.
    let _ = &w.app;
}

async fn the_pickers_find_people_and_name_the_field_of_a_bad_input(w: World) {
    let found = w
        .max
        .html("/pickers/people?field=owner_id&as=options&owner_id.find=max")
        .await;
    assert!(
        found.contains("Max Member (max.member@keel.test)"),
        "{found}"
    );
    // Too many to show: the picker says so instead of cutting silently.
    for i in 0..22 {
        w.app.member(&format!("Many Person{i:02}")).await;
    }
    let many = w.max.html("/pickers/people?q=many").await;
    assert!(many.contains("refine your search"), "{many}");
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
    let page = resp.text().await.unwrap();
    let at = page
        .find("<label for=\"f-owner_id\">")
        .expect("the owner field");
    let owner = &page[at..(at + 3000).min(page.len())];
    assert!(owner.contains("field-error"), "{owner}");
    assert!(owner.contains("nobody@keel.test"), "{owner}");
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
