//! Issue 13, item 3: the id of a private objective (or of its key results) never shows through
//! something the reader may see: a public child's `parent_ids`/`parents`, audit entries (the API
//! and the audit page) and a 1:1 conversation's `okr_ids`.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn text_as(app: &TestApp, token: &str, path: &str) -> String {
    let resp = app.req_as(token, Method::GET, path).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
    resp.text().await.unwrap()
}

#[tokio::test]
async fn private_ids_do_not_show_through() {
    private_ids(spawn_app().await).await;
}

#[tokio::test]
async fn private_ids_do_not_show_through_on_postgres() {
    if postgres_configured() {
        private_ids(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn private_ids(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (alice, alice_token) = app.member("Alice Insider").await;
    let (bob, bob_token) = app.member("Bob Outsider").await;
    let (_, champion_token) = app.person_with_roles("Cleo Champion", &["champion"]).await;
    let private = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Quietly prepare the acquisition", "cycle_id": cycle, "visibility": "private", "owner_id": alice}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let private_kr = app
        .create(
            &format!("/api/v1/objectives/{private}/key-results"),
            json!({"title": "Sign the letter of intent", "kind": "increase", "target": 1}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let public = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Grow the customer base", "cycle_id": cycle, "parent_ids": [private, private_kr]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A change to the public objective, so that its history has a before and an after.
    let r = app
        .patch(
            &format!("/api/v1/objectives/{public}"),
            json!({"description": "Our part of the plan"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let hidden = |text: &str, what: &str| {
        assert!(
            !text.contains(&private),
            "{what} shows the private objective: {text}"
        );
        assert!(
            !text.contains(&private_kr),
            "{what} shows its key result: {text}"
        );
    };

    // The public child, read by someone outside the private objective.
    let one: Value = serde_json::from_str(
        &text_as(&app, &bob_token, &format!("/api/v1/objectives/{public}")).await,
    )
    .unwrap();
    assert_eq!(one["parent_ids"], json!([]), "{one}");
    assert_eq!(one["parents"], json!([]), "{one}");
    hidden(&one.to_string(), "GET /objectives/{id}");
    hidden(
        &text_as(&app, &bob_token, "/api/v1/objectives").await,
        "GET /objectives",
    );
    hidden(
        &text_as(
            &app,
            &bob_token,
            &format!("/api/v1/objectives/{public}/history"),
        )
        .await,
        "the objective's history",
    );
    let bob_page = Browser::signed_in(&app, &bob, "bob.outsider@keel.test").await;
    hidden(
        &bob_page.html(&format!("/objectives/{public}")).await,
        "the objective page",
    );
    // Alice takes part in the private one: she sees the link, as the administrator does.
    let mine: Value = serde_json::from_str(
        &text_as(&app, &alice_token, &format!("/api/v1/objectives/{public}")).await,
    )
    .unwrap();
    assert_eq!(mine["parent_ids"], json!([private, private_kr]));
    let all = json_of(&app, &format!("/api/v1/objectives/{public}")).await;
    assert_eq!(all["parent_ids"], json!([private, private_kr]));

    // The audit log, read by a champion (who sees every public OKR, private ones only when
    // taking part): the API in both formats and the page.
    for path in ["/api/v1/audit", "/api/v1/audit?format=csv&limit=500"] {
        hidden(&text_as(&app, &champion_token, path).await, path);
    }
    let champion_id = json_of(&app, "/api/v1/people?q=cleo").await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let champion = Browser::signed_in(&app, &champion_id, "cleo.champion@keel.test").await;
    hidden(&champion.html("/admin/audit").await, "the audit page");
    // The administrator's log still names it.
    let log = app.get("/api/v1/audit").await.text().await.unwrap();
    assert!(log.contains(&private));

    // A 1:1 in which Alice named both OKRs: Bob reads only the public one.
    let c = app
        .req_as(&alice_token, Method::POST, "/api/v1/conversations")
        .json(&json!({"with_id": bob, "okr_ids": [private, public], "notes": "How is the plan going?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(c.status(), StatusCode::CREATED);
    let c_id = c.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let one: Value = serde_json::from_str(
        &text_as(&app, &bob_token, &format!("/api/v1/conversations/{c_id}")).await,
    )
    .unwrap();
    assert_eq!(one["okr_ids"], json!([public]), "{one}");
    hidden(
        &text_as(&app, &bob_token, "/api/v1/conversations").await,
        "GET /conversations",
    );
    let theirs: Value = serde_json::from_str(
        &text_as(&app, &alice_token, &format!("/api/v1/conversations/{c_id}")).await,
    )
    .unwrap();
    assert_eq!(theirs["okr_ids"], json!([private, public]));
}

/// Someone outside a private parent edits its public child, through the API and the edit form:
/// the link they cannot see is kept (they can neither see it nor send it back).
#[tokio::test]
async fn an_edit_by_someone_outside_keeps_the_private_parent() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (alice, _) = app.member("Alice Insider").await;
    let (bob, bob_token) = app.member("Bob Outsider").await;
    let private = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Quietly prepare the acquisition", "cycle_id": cycle, "visibility": "private", "owner_id": alice}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let open = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Be ready for due diligence", "cycle_id": cycle}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let public = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Grow the customer base", "cycle_id": cycle, "owner_id": bob, "parent_ids": [private]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .req_as(
            &bob_token,
            Method::POST,
            &format!("/api/v1/objectives/{public}/ownership/accept"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Bob sets the parents he can see: the open objective only.
    let r = app
        .req_as(
            &bob_token,
            Method::PATCH,
            &format!("/api/v1/objectives/{public}"),
        )
        .json(&json!({"parent_ids": [open]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let seen: Value = r.json().await.unwrap();
    assert_eq!(seen["parent_ids"], json!([open]), "Bob sees only his link");
    let all = json_of(&app, &format!("/api/v1/objectives/{public}")).await;
    assert_eq!(
        all["parent_ids"],
        json!([open, private]),
        "the hidden link stays"
    );

    // Bob saves the edit form unchanged: the hidden link still stays.
    let page = Browser::signed_in(&app, &bob, "bob.outsider@keel.test").await;
    let edit = format!("/objectives/{public}/edit");
    let form = page.page(&edit).await;
    assert!(!form.mentions("Quietly prepare the acquisition"));
    let mut fields: Vec<(String, String)> = [
        "title",
        "description",
        "cycle_id",
        "kind",
        "visibility",
        "state",
        "version",
    ]
    .iter()
    .map(|name| (name.to_string(), form.field(name).unwrap_or_default()))
    .collect();
    let linked = form.attrs("select[name=parent_ids] option[selected]", "value");
    assert_eq!(
        linked,
        vec![open.clone()],
        "the form offers Bob's link only"
    );
    fields.extend(linked.into_iter().map(|v| ("parent_ids".to_string(), v)));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = page.submit_from(&edit, &edit, &pairs).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let all = json_of(&app, &format!("/api/v1/objectives/{public}")).await;
    assert_eq!(all["parent_ids"], json!([open, private]), "{all}");
    assert_eq!(all["title"], "Grow the customer base");
}
