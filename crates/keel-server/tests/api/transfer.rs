//! `GET /api/v1/export` and `POST /api/v1/import` as an integration calls them: the document
//! holds private OKRs (administrators only), names people by email and teams by name; an import
//! into an existing organisation matches people and teams, proposes owners instead of recording
//! their acceptance, reports first on a dry run, and refuses bad input naming the record and
//! field with nothing written.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn transfer(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    app.team("Platform").await;
    let (olga, olga_token) = app.member("Olga Owner").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "A private plan", "cycle_id": cycle, "owner_id": olga, "visibility": "private"}),
        )
        .await;
    let o_id = o["id"].as_str().unwrap().to_string();
    app.create(
        &format!("/api/v1/objectives/{o_id}/key-results"),
        json!({"title": "Ten design partners", "kind": "increase", "start": 0, "target": 10}),
    )
    .await;

    // The administrator's export holds the private objective, by natural keys.
    let r = app.get("/api/v1/export").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["format"], "keel-okrs");
    assert_eq!(doc["version"], 1);
    let exported = doc["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == o_id.as_str())
        .unwrap();
    assert_eq!(exported["owner"], "olga.owner@keel.test");
    assert_eq!(exported["cycle"], "2026 Q4");
    assert_eq!(exported["visibility"], "private");
    assert_eq!(exported["key_results"][0]["title"], "Ten design partners");
    let r = app.get("/api/v1/export?format=yaml&cycle=2026%20Q4").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/yaml");
    let yaml = r.text().await.unwrap();
    assert!(
        yaml.starts_with("format: keel-okrs\nversion: 1\ncycle: 2026 Q4\n"),
        "{yaml}"
    );
    assert!(yaml.contains("owner: olga.owner@keel.test"), "{yaml}");

    // Bad parameters name themselves; others may not export or import at all.
    assert_problem(
        app.get("/api/v1/export?format=xml").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("format"),
    )
    .await;
    assert_problem(
        app.get("/api/v1/export?cycle=Nope").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("cycle"),
    )
    .await;
    for (method, path) in [
        (Method::GET, "/api/v1/export"),
        (Method::POST, "/api/v1/import?dry_run=true"),
    ] {
        let r = app
            .req_as(&olga_token, method, path)
            .json(&doc)
            .send()
            .await
            .unwrap();
        assert_problem(r, StatusCode::FORBIDDEN, None).await;
    }

    import_into_an_organisation(&app).await;
    bad_input_writes_nothing(&app).await;
    csv_lists(&app, &o_id).await;
}

/// Olga is matched by email, Platform by name, a new person is created, and every owner named
/// arrives as a proposal; a dry run first reports it and writes nothing.
async fn import_into_an_organisation(app: &TestApp) {
    // Importing into this organisation: Olga is matched by email, Platform by name, a new
    // person is created, and every owner named arrives as a proposal.
    let incoming = json!({
        "format": "keel-okrs", "version": 1,
        "people": [
            {"email": "OLGA.OWNER@keel.test", "name": "Olga O."},
            {"email": "nina.new@keel.test", "name": "Nina New"}
        ],
        "teams": [{"name": "Platform", "members": ["nina.new@keel.test"]}],
        "objectives": [{
            "cycle": "2026 Q4", "title": "Imported goal", "owner": "nina.new@keel.test",
            "ownership": "accepted", "teams": ["Platform"], "kind": "committed", "state": "active",
            "visibility": "public",
            "key_results": [{"title": "Imported KR", "owner": "olga.owner@keel.test", "metric": "increase", "start": 0, "target": 5}]
        }]
    });
    let before = json_of(app, "/api/v1/objectives?limit=500").await["items"]
        .as_array()
        .unwrap()
        .len();
    let r = app
        .post("/api/v1/import?dry_run=true", incoming.clone())
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["restore"], false);
    assert_eq!(report["people"], json!({"created": 1, "matched": 1}));
    assert_eq!(report["teams"], json!({"created": 0, "matched": 1}));
    assert_eq!(report["objectives"], json!({"created": 1, "matched": 0}));
    assert_eq!(report["ownership_proposals"], 2);
    assert_eq!(
        json_of(app, "/api/v1/objectives?limit=500").await["items"]
            .as_array()
            .unwrap()
            .len(),
        before,
        "a dry run writes nothing"
    );

    let r = app.post("/api/v1/import", incoming.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let list = json_of(app, "/api/v1/objectives?limit=500").await;
    let imported = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["title"] == "Imported goal")
        .unwrap()
        .clone();
    assert_eq!(
        imported["ownership_state"], "pending",
        "an import never records acceptance for someone"
    );
    let requests = json_of(app, "/api/v1/ownership-requests?state=pending&limit=500").await;
    let proposed: Vec<&Value> = requests["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["okr"]["id"] == imported["id"] || q["objective_id"] == imported["id"])
        .collect();
    assert!(!proposed.is_empty(), "the owner is asked: {requests}");

    // Importing the same file again: the objective is created again only if it has no id; the
    // exported document (with ids) matches everything already there.
    let doc_again = app
        .get("/api/v1/export")
        .await
        .json::<Value>()
        .await
        .unwrap();
    let r = app.post("/api/v1/import?dry_run=true", doc_again).await;
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["objectives"]["created"], 0, "{report}");
    assert_eq!(report["people"]["created"], 0, "{report}");
}

/// Every record at fault named, nothing written; bad documents, content types and flags.
async fn bad_input_writes_nothing(app: &TestApp) {
    let incoming = json!({"format": "keel-okrs", "version": 1});
    // Bad input: every record at fault named, nothing written.
    let people_before = json_of(app, "/api/v1/people?limit=500").await["items"]
        .as_array()
        .unwrap()
        .len();
    let bad = json!({
        "format": "keel-okrs", "version": 1,
        "people": [{"email": "zed@keel.test", "name": "Zed"}],
        "objectives": [
            {"cycle": "2026 Q4", "title": "Fine", "owner": "zed@keel.test", "key_results": []},
            {"cycle": "1999 Q1", "title": "Bad", "owner": "x@y.example", "key_results": [], "teams": ["Nowhere"]}
        ]
    });
    let body = assert_problem(
        app.post("/api/v1/import", bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("objectives[1].cycle"),
    )
    .await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "objectives[1].cycle",
            "objectives[1].owner",
            "objectives[1].teams[0]"
        ],
        "{body}"
    );
    assert!(body["errors"][1]["detail"]
        .as_str()
        .unwrap()
        .contains("no person with email x@y.example"));
    assert_eq!(
        json_of(app, "/api/v1/people?limit=500").await["items"]
            .as_array()
            .unwrap()
            .len(),
        people_before,
        "nothing half-written"
    );
    // Not a document, the wrong type of field, the wrong content type, a bad flag.
    assert_problem(
        app.post("/api/v1/import", json!({"format": "other", "version": 1}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("format"),
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/import",
            json!({"format": "keel-okrs", "version": 1, "people": [{"email": 1}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("people[0].email"),
    )
    .await;
    let r = app.req(Method::POST, "/api/v1/import").header("content-type", "application/yaml").body("format: keel-okrs\nversion: 1\nobjectives:\n- cycle: 2026 Q4\n  title: T\n  owner: ghost@keel.test\n").send().await.unwrap();
    assert_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("objectives[0].owner"),
    )
    .await;
    let r = app
        .req(Method::POST, "/api/v1/import")
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::BAD_REQUEST, None).await;
    assert_problem(
        app.post("/api/v1/import?dry_run=maybe", incoming).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("dry_run"),
    )
    .await;
}

/// The lists as CSV: formula-like cells defused, pages with a cursor, private objectives only
/// for those who may see them.
async fn csv_lists(app: &TestApp, private_id: &str) {
    let (_, mo_token) = app.member("=HYPERLINK(1)").await;
    let r = app.get("/api/v1/export/people?limit=500").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    assert!(
        text.starts_with("email,name,title,manager_email,roles,active\r\n"),
        "{text}"
    );
    assert!(
        text.contains(",'=HYPERLINK(1),"),
        "a formula is defused: {text}"
    );
    let r = app.get("/api/v1/export/people?limit=1").await;
    let next = r.headers()["x-next-cursor"].to_str().unwrap().to_string();
    assert_eq!(r.text().await.unwrap().lines().count(), 2);
    let r = app
        .get(&format!("/api/v1/export/people?limit=1&cursor={next}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let admin_view = app
        .get("/api/v1/export/objectives?limit=500")
        .await
        .text()
        .await
        .unwrap();
    assert!(admin_view.contains(private_id));
    let member_view = app
        .req_as(
            &mo_token,
            Method::GET,
            "/api/v1/export/objectives?limit=500",
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(member_view.starts_with("id,cycle,title"), "{member_view}");
    assert!(
        !member_view.contains(private_id),
        "a private objective stays private in a CSV"
    );
    let krs = app
        .get("/api/v1/export/key-results?limit=500")
        .await
        .text()
        .await
        .unwrap();
    assert!(krs.contains("Ten design partners"), "{krs}");
    assert_problem(
        app.get("/api/v1/export/teams").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("list"),
    )
    .await;
    assert_problem(
        app.get("/api/v1/export/people?limit=0").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("limit"),
    )
    .await;
}

#[tokio::test]
async fn transfer_on_sqlite() {
    transfer(spawn_app().await).await;
}

#[tokio::test]
async fn transfer_on_postgres() {
    if !postgres_configured() {
        return;
    }
    transfer(spawn_app_on(Db::Postgres).await).await;
}

/// The import page as an administrator uses it: paste, check (the report, nothing written),
/// import; a document with an unknown owner shows where and why, with the text kept; members
/// are refused.
async fn import_page(app: TestApp) {
    app.cycle("2026 Q4").await;
    let (member, _) = app.member("Mo Member").await;
    let b = Browser::admin(&app).await;
    let page = b.page("/admin/import").await;
    assert!(page.has("textarea[name=document]"));
    let yaml = "format: keel-okrs\nversion: 1\npeople:\n- email: pia.paste@keel.test\n  name: Pia Paste\nobjectives:\n- cycle: 2026 Q4\n  title: Pasted goal\n  owner: pia.paste@keel.test\n  key_results: []\n";
    let resp = b
        .submit(
            "/admin/import",
            &[("document", yaml), ("format", "yaml"), ("action", "check")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = Page::parse(&resp.text().await.unwrap());
    assert!(
        page.mentions("People: 1 new, 0 already here"),
        "{}",
        page.body()
    );
    assert!(
        page.mentions("Owners asked to accept: 1"),
        "{}",
        page.body()
    );
    assert!(
        page.has("button[value=import]"),
        "after a clean check the Import button is offered"
    );
    assert!(!page.body().contains("objectives[0]"), "no paths in a page");
    assert!(json_of(&app, "/api/v1/objectives?limit=500").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["title"] != "Pasted goal"));
    let resp = b
        .submit(
            "/admin/import",
            &[("document", yaml), ("format", "yaml"), ("action", "import")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(Page::parse(&resp.text().await.unwrap()).mentions("Imported."));
    assert!(json_of(&app, "/api/v1/objectives?limit=500").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["title"] == "Pasted goal"));

    let bad = yaml
        .replace("owner: pia.paste@keel.test", "owner: ghost@keel.test")
        .replace("Pasted goal", "Ghost goal");
    let html = b
        .refused(
            "/admin/import",
            &[("document", &bad), ("format", "yaml"), ("action", "import")],
        )
        .await;
    let page = Page::parse(&html);
    assert!(
        page.mentions("Objective 1, owner: no person with email ghost@keel.test"),
        "{}",
        page.body()
    );
    assert!(html.contains("Ghost goal"), "what was pasted is kept");
    assert!(!page.has("button[value=import]"));
    b.refused(
        "/admin/import",
        &[("document", ""), ("format", "json"), ("action", "check")],
    )
    .await;

    let m = Browser::signed_in(&app, &member, "mo.member@keel.test").await;
    assert_eq!(m.get("/admin/import").await.status(), StatusCode::FORBIDDEN);
    let resp = m
        .submit(
            "/admin/import",
            &[("document", yaml), ("format", "yaml"), ("action", "import")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn import_page_on_sqlite() {
    import_page(spawn_app().await).await;
}
