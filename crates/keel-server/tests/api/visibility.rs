//! Visibility ("Visibility" in docs/method.md): `public`, `team` and `private` objectives, enforced on single reads,
//! writes, lists with every filter, pagination, person and team views, ownership requests, the
//! health report and the audit log. An OKR you may not see answers 404 and is in no list.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

struct World {
    app: TestApp,
    cycle: String,
    platform: String,
    public: String,
    public_kr: String,
    financial_kr: String,
    team: String,
    team_kr: String,
    private: String,
    private_kr: String,
    olga: (String, String),
    lena: (String, String),
    mo: (String, String),
    sam: (String, String),
    carl: (String, String),
    vic: (String, String),
    kai: (String, String),
    fin: (String, String),
}

async fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// Engineering (led by Lena) holds Platform (Mo, and Vic who only views); Sales holds Sam.
/// Olga owns a public, a team (shared with Platform) and a private objective; Kai contributes to
/// a key result of the private one.
async fn world(app: TestApp) -> World {
    let cycle = app.cycle("2026 Q4").await;
    let olga = app.member("Olga Owner").await;
    let lena = app.member("Lena Lead").await;
    let mo = app.member("Mo Member").await;
    let sam = app.member("Sam Sales").await;
    let carl = app.person_with_roles("Carl Champion", &["champion"]).await;
    let vic = app.person_with_roles("Vic Viewer", &["viewer"]).await;
    let kai = app.member("Kai Contributor").await;
    let fin = app.person_with_roles("Fay Finance", &["finance"]).await;
    let eng = id_of(
        &app.create(
            "/api/v1/teams",
            json!({"name": "Engineering", "lead_id": lena.0}),
        )
        .await,
    )
    .await;
    let platform = id_of(
        &app.create(
            "/api/v1/teams",
            json!({"name": "Platform", "parent_id": eng, "member_ids": [mo.0, vic.0]}),
        )
        .await,
    )
    .await;
    app.create(
        "/api/v1/teams",
        json!({"name": "Sales", "member_ids": [sam.0]}),
    )
    .await;
    let objective = |title: &str, visibility: &str, teams: Vec<String>| json!({"title": title, "cycle_id": cycle, "owner_id": olga.0, "visibility": visibility, "team_ids": teams});
    let kr = |title: &str, extra: Value| {
        let mut v = json!({"title": title, "kind": "increase", "start": 0, "target": 10, "owner_id": olga.0});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    let public = id_of(
        &app.create(
            "/api/v1/objectives",
            objective("Customers love the product", "public", vec![]),
        )
        .await,
    )
    .await;
    let public_kr = id_of(
        &app.create(
            &format!("/api/v1/objectives/{public}/key-results"),
            kr("NPS from 20 to 40", json!({})),
        )
        .await,
    )
    .await;
    let financial_kr = id_of(
        &app.create(
            &format!("/api/v1/objectives/{public}/key-results"),
            kr("Gross margin to 60%", json!({"financial": true})),
        )
        .await,
    )
    .await;
    let team = id_of(
        &app.create(
            "/api/v1/objectives",
            objective(
                "Platform is boringly reliable",
                "team",
                vec![platform.clone()],
            ),
        )
        .await,
    )
    .await;
    let team_kr = id_of(
        &app.create(
            &format!("/api/v1/objectives/{team}/key-results"),
            kr("Error budget kept 3 months in a row", json!({})),
        )
        .await,
    )
    .await;
    let private = id_of(
        &app.create(
            "/api/v1/objectives",
            objective("Quietly prepare the acquisition", "private", vec![]),
        )
        .await,
    )
    .await;
    let private_kr = id_of(
        &app.create(
            &format!("/api/v1/objectives/{private}/key-results"),
            kr("Due diligence done", json!({"contributor_ids": [kai.0]})),
        )
        .await,
    )
    .await;
    World {
        app,
        cycle,
        platform,
        public,
        public_kr,
        financial_kr,
        team,
        team_kr,
        private,
        private_kr,
        olga,
        lena,
        mo,
        sam,
        carl,
        vic,
        kai,
        fin,
    }
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let r = app.req_as(token, Method::GET, path).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn send_as(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
) -> reqwest::Response {
    app.req_as(token, method, path)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Every objective id a token can list, walking all pages of `query` with `limit`.
async fn listed(app: &TestApp, token: &str, query: &str, limit: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/objectives?limit={limit}{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, body) = get_as(app, token, &path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let items = body["items"].as_array().unwrap();
        cursor = body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_some() {
            assert_eq!(items.len(), limit, "a page before the last is full: {body}");
        }
        for o in items {
            out.insert(o["id"].as_str().unwrap().to_string());
        }
        if cursor.is_none() {
            return out;
        }
    }
}

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

async fn visibility(app: TestApp) {
    let w = world(app).await;
    lists_show_only_what_the_reader_may_see(&w).await;
    writes_on_what_the_writer_may_not_see_answer_404(&w).await;
    views_requests_and_health_cover_visible_okrs_only(&w).await;
    viewers_and_the_audit_log_leave_out_the_invisible(&w).await;
}

/// Who sees which objective, in lists (one item a page: pages are never short).
async fn lists_show_only_what_the_reader_may_see(w: &World) {
    let app = &w.app;
    let admin = app.token.clone();
    // Who sees which objective, in lists (one item a page: pages are never short).
    let all = set(&[&w.public, &w.team, &w.private]);
    let cases: Vec<(&str, &str, BTreeSet<String>)> = vec![
        ("admin", &admin, all.clone()),
        ("owner", &w.olga.1, all.clone()),
        ("platform member", &w.mo.1, set(&[&w.public, &w.team])),
        ("lead above platform", &w.lena.1, set(&[&w.public, &w.team])),
        ("sales member", &w.sam.1, set(&[&w.public])),
        ("champion", &w.carl.1, set(&[&w.public, &w.team])),
        ("viewer in platform", &w.vic.1, set(&[&w.public])),
        (
            "key result contributor",
            &w.kai.1,
            set(&[&w.public, &w.private]),
        ),
        ("finance", &w.fin.1, set(&[&w.public, &w.team])),
    ];
    for (who, token, expected) in &cases {
        assert_eq!(&listed(app, token, "", 1).await, expected, "{who}");
        assert_eq!(&listed(app, token, "", 50).await, expected, "{who}");
        // Every filter keeps the rule.
        let by_cycle = listed(app, token, &format!("&cycle_id={}", w.cycle), 2).await;
        assert_eq!(&by_cycle, expected, "{who} by cycle");
        let by_owner = listed(app, token, &format!("&owner_id={}", w.olga.0), 1).await;
        assert_eq!(&by_owner, expected, "{who} by owner");
        let by_team = listed(app, token, &format!("&team_id={}", w.platform), 1).await;
        let team_expected: BTreeSet<String> =
            expected.iter().filter(|i| **i == w.team).cloned().collect();
        assert_eq!(by_team, team_expected, "{who} by team");
        // Single reads agree with the lists, for the objective and everything under it.
        for (o, kr) in [
            (&w.public, &w.public_kr),
            (&w.team, &w.team_kr),
            (&w.private, &w.private_kr),
        ] {
            let want = if expected.contains(o) {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            for path in [
                format!("/api/v1/objectives/{o}"),
                format!("/api/v1/objectives/{o}/ownership"),
                format!("/api/v1/objectives/{o}/history"),
                format!("/api/v1/key-results/{kr}"),
                format!("/api/v1/key-results/{kr}/check-ins"),
                format!("/api/v1/key-results/{kr}/initiatives"),
                format!("/api/v1/key-results/{kr}/ownership"),
            ] {
                let (status, body) = get_as(app, token, &path).await;
                assert_eq!(status, want, "{who} GET {path}: {body}");
            }
        }
    }
}

/// Writes on an invisible objective answer 404 and change nothing; a visible one the writer
/// may not edit answers 403; an invisible parent is reported like one that does not exist.
async fn writes_on_what_the_writer_may_not_see_answer_404(w: &World) {
    let app = &w.app;
    let admin = app.token.clone();
    // Writes on an invisible objective answer 404 too, and change nothing.
    let sam = &w.sam.1;
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v1/objectives/{}", w.team),
            json!({"title": "Mine now"}),
        ),
        (
            Method::DELETE,
            format!("/api/v1/objectives/{}", w.private),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/v1/objectives/{}/key-results", w.team),
            json!({"title": "Sneaky", "kind": "boolean"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/key-results/{}", w.team_kr),
            json!({"title": "x"}),
        ),
        (
            Method::POST,
            format!("/api/v1/key-results/{}/check-ins", w.private_kr),
            json!({"value": 1, "confidence": 5}),
        ),
        (
            Method::POST,
            format!("/api/v1/key-results/{}/initiatives", w.team_kr),
            json!({"title": "Look around"}),
        ),
        (
            Method::POST,
            format!("/api/v1/objectives/{}/ownership", w.private),
            json!({"owner_id": w.sam.0}),
        ),
        (
            Method::POST,
            format!("/api/v1/key-results/{}/ownership/accept", w.team_kr),
            json!({}),
        ),
    ] {
        let r = send_as(app, sam, method.clone(), &path, body).await;
        assert_problem(r, StatusCode::NOT_FOUND, None).await;
    }
    let (_, team_o) = get_as(app, &admin, &format!("/api/v1/objectives/{}", w.team)).await;
    assert_eq!(team_o["title"], "Platform is boringly reliable");
    assert_eq!(team_o["key_results"].as_array().unwrap().len(), 1);
    // A visible objective Sam may not edit still answers 403.
    let r = send_as(
        app,
        sam,
        Method::PATCH,
        &format!("/api/v1/objectives/{}", w.public),
        json!({"title": "x"}),
    )
    .await;
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
    // An invisible parent is reported like one that does not exist.
    let r = send_as(
        app,
        sam,
        Method::POST,
        "/api/v1/objectives",
        json!({"title": "Support the deal", "cycle_id": w.cycle, "parent_ids": [w.private]}),
    )
    .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("parent_ids")).await;
}

/// Person and team views, ownership requests and the health report cover visible OKRs only.
async fn views_requests_and_health_cover_visible_okrs_only(w: &World) {
    let app = &w.app;
    let admin = app.token.clone();
    let sam = &w.sam.1;
    // Person and team views list only what the reader may see.
    let path = format!("/api/v1/people/{}/ownership", w.olga.0);
    let (_, as_sam) = get_as(app, sam, &path).await;
    let owned: BTreeSet<String> = as_sam["owns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["objective_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(owned, set(&[&w.public]), "{as_sam}");
    let waiting_on: Vec<&str> = as_sam["requests_waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["okr"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        waiting_on.len(),
        3,
        "the public objective and its two key results: {as_sam}"
    );
    let (_, as_admin) = get_as(app, &admin, &path).await;
    assert_eq!(as_admin["owns"].as_array().unwrap().len(), 3 + 4);

    let path = format!("/api/v1/teams/{}/okrs", w.platform);
    let (_, as_sam) = get_as(app, sam, &path).await;
    assert_eq!(as_sam["objectives"], json!([]), "{as_sam}");
    let (_, as_mo) = get_as(app, &w.mo.1, &path).await;
    assert_eq!(as_mo["objectives"][0]["id"], json!(w.team));

    // Ownership requests: champions see every request on the OKRs they may see.
    let (_, requests) = get_as(app, &w.carl.1, "/api/v1/ownership-requests?limit=500").await;
    let on: BTreeSet<String> = requests["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["okr"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(on.contains(&w.team) && on.contains(&w.public));
    assert!(
        !on.contains(&w.private) && !on.contains(&w.private_kr),
        "{requests}"
    );

    // The health report and its counts cover visible OKRs only.
    w.app.evaluate_now().await;
    let path = format!("/api/v1/health?cycle_id={}", w.cycle);
    let (status, for_admin) = get_as(app, &admin, &path).await;
    assert_eq!(status, StatusCode::OK);
    let (status, for_sam) = get_as(app, sam, &path).await;
    assert_eq!(status, StatusCode::OK);
    let text = for_sam.to_string();
    for hidden in [&w.team, &w.team_kr, &w.private, &w.private_kr] {
        assert!(!text.contains(hidden.as_str()), "{hidden} leaked: {text}");
    }
    assert!(for_admin.to_string().contains(w.team.as_str()));
    let total = |r: &Value| {
        ["error", "warning", "info"]
            .iter()
            .map(|k| r["counts"][k].as_u64().unwrap())
            .sum::<u64>()
    };
    assert!(
        total(&for_sam) < total(&for_admin),
        "{for_sam} vs {for_admin}"
    );
}

/// Viewers read public OKRs, not reports; the audit log leaves out events on objectives a
/// champion may not see.
async fn viewers_and_the_audit_log_leave_out_the_invisible(w: &World) {
    let app = &w.app;
    let admin = app.token.clone();
    app.evaluate_now().await;
    let path = format!("/api/v1/health?cycle_id={}", w.cycle);
    // Viewers read public OKRs, not reports.
    assert_problem(
        app.req_as(&w.vic.1, Method::GET, &path)
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        None,
    )
    .await;

    // The audit log leaves out events on objectives a champion may not see.
    let (_, events) = get_as(
        app,
        &w.carl.1,
        &format!("/api/v1/audit?object_id={}", w.private),
    )
    .await;
    assert_eq!(events["items"], json!([]), "{events}");
    let (_, events) = get_as(
        app,
        &admin,
        &format!("/api/v1/audit?object_id={}", w.private),
    )
    .await;
    assert!(!events["items"].as_array().unwrap().is_empty());
}

/// Team leads act on their team's OKRs (and those of teams below); finance edits financial key
/// results; nobody can leave the organisation without an administrator.
async fn roles(app: TestApp) {
    let w = world(app).await;
    let app = &w.app;
    // Lena leads Engineering, above Platform: she may edit the team objective…
    let r = send_as(
        app,
        &w.lena.1,
        Method::PATCH,
        &format!("/api/v1/objectives/{}", w.team),
        json!({"description": "Reframed by the department lead"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    // …and Platform's membership; Mo (a member of it) may not.
    let team_path = format!("/api/v1/teams/{}", w.platform);
    let r = send_as(
        app,
        &w.lena.1,
        Method::PATCH,
        &team_path,
        json!({"member_ids": [w.mo.0, w.vic.0, w.sam.0]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = send_as(
        app,
        &w.mo.1,
        Method::PATCH,
        &team_path,
        json!({"member_ids": []}),
    )
    .await;
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
    // Sam, now in Platform, sees the team objective.
    assert_eq!(
        get_as(app, &w.sam.1, &format!("/api/v1/objectives/{}", w.team))
            .await
            .0,
        StatusCode::OK
    );

    // Finance edits and checks in on financial key results only.
    let fin = &w.fin.1;
    let r = send_as(
        app,
        fin,
        Method::PATCH,
        &format!("/api/v1/key-results/{}", w.financial_kr),
        json!({"target": 12}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = send_as(
        app,
        fin,
        Method::POST,
        &format!("/api/v1/key-results/{}/check-ins", w.financial_kr),
        json!({"value": 3, "confidence": 6}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = send_as(
        app,
        fin,
        Method::PATCH,
        &format!("/api/v1/key-results/{}", w.public_kr),
        json!({"target": 12}),
    )
    .await;
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
    let r = send_as(
        app,
        fin,
        Method::POST,
        "/api/v1/objectives",
        json!({"title": "Finance's own", "cycle_id": w.cycle}),
    )
    .await;
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
    let bad = send_as(
        app,
        &app.token,
        Method::PATCH,
        &format!("/api/v1/key-results/{}", w.public_kr),
        json!({"financial": "yes"}),
    )
    .await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, Some("financial")).await;

    // Roles and deactivation are for administrators; the last one cannot step down.
    let me = format!("/api/v1/people/{}", app.admin_id);
    let r = send_as(
        app,
        &w.carl.1,
        Method::PATCH,
        &format!("/api/v1/people/{}", w.mo.0),
        json!({"roles": ["admin"]}),
    )
    .await;
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
    let r = app.patch(&me, json!({"roles": ["member"]})).await;
    assert_problem(r, StatusCode::CONFLICT, Some("roles")).await;
    let r = app.patch(&me, json!({"roles": ["reviewer"]})).await;
    assert_problem(r, StatusCode::CONFLICT, Some("roles")).await;
    let r = app
        .patch(&me, json!({"roles": ["admin", "superuser"]}))
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("roles[1]")).await;
    let r = app.patch(&me, json!({"active": "no"})).await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("active")).await;
    let (_, admin) = get_as(app, &app.token, &me).await;
    assert_eq!(admin["roles"], json!(["admin"]));
    let r = app
        .patch(
            &format!("/api/v1/people/{}", w.carl.0),
            json!({"roles": ["admin", "champion"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.patch(&me, json!({"roles": ["member"]})).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Carl is now the last administrator: deactivating him is refused (by himself: always).
    let r = send_as(
        app,
        &w.carl.1,
        Method::PATCH,
        &format!("/api/v1/people/{}", w.carl.0),
        json!({"roles": ["champion"]}),
    )
    .await;
    assert_problem(r, StatusCode::CONFLICT, Some("roles")).await;
    // The former administrator no longer sees the private objective.
    assert_eq!(
        get_as(
            app,
            &app.token,
            &format!("/api/v1/objectives/{}", w.private)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn visibility_on_sqlite() {
    visibility(spawn_app().await).await;
}

#[tokio::test]
async fn visibility_on_postgres() {
    if !postgres_configured() {
        return;
    }
    visibility(spawn_app_on(Db::Postgres).await).await;
}

#[tokio::test]
async fn roles_on_sqlite() {
    roles(spawn_app().await).await;
}

#[tokio::test]
async fn roles_on_postgres() {
    if !postgres_configured() {
        return;
    }
    roles(spawn_app_on(Db::Postgres).await).await;
}
