//! Ownership and accountability, told as the stories of the ownership doctrine (docs/method.md).

use crate::helpers::*;
use keel_store::{Objectives, Ownership};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut r = app.req_as(token, method, path);
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await.unwrap()
}

async fn ok(resp: reqwest::Response, status: u16) -> Value {
    let s = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(s, status, "{body}");
    body
}

fn codes_for(report: &Value, okr_id: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["okr"]["id"] == okr_id)
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// "One owner": an associate owns the Objective while her supervisors own its Key Results; each
/// accepts explicitly, and only then can it become active.
#[tokio::test]
async fn an_associate_owns_the_objective_her_supervisors_key_results_serve() {
    let app = spawn_app().await;
    let c = associates_objective(&app).await;
    nothing_is_active_until_each_owner_accepts(&app, &c).await;
    each_owner_sees_what_waits_for_them(&app, &c).await;
}

/// What the steps of `an_associate_owns_the_objective_her_supervisors_key_results_serve` share.
struct AssociatesObjective {
    cycle: String,
    vp: String,
    vp_token: String,
    manager: String,
    manager_token: String,
    elisa: String,
    elisa_token: String,
    o_id: String,
    krs: Vec<String>,
}

/// Elisa, an associate, proposes the objective; her manager Marta and Marta's manager Victor are
/// proposed as owners of its key results.
async fn associates_objective(app: &TestApp) -> AssociatesObjective {
    let cycle = app.cycle("2026 Q4").await;
    let (vp, vp_token) = app.member("Victor VP").await;
    let (manager, manager_token) = app.member("Marta Manager").await;
    let (elisa, elisa_token) = app.member("Elisa Associate").await;
    app.patch(
        &format!("/api/v1/people/{manager}"),
        json!({"manager_id": vp}),
    )
    .await;
    app.patch(
        &format!("/api/v1/people/{elisa}"),
        json!({"manager_id": manager}),
    )
    .await;

    let o = ok(
        send(
            app,
            &elisa_token,
            Method::POST,
            "/api/v1/objectives",
            Some(json!({"title": "Retire the legacy reporting pipeline", "cycle_id": cycle})),
        )
        .await,
        201,
    )
    .await;
    let o_id = o["id"].as_str().unwrap().to_string();
    assert_eq!(o["ownership_state"], "accepted");
    let mut krs = vec![];
    for (title, owner) in [
        ("Migrate 12 reports", &manager),
        ("Cut reporting cost by 30%", &vp),
    ] {
        let kr = ok(
            send(
                app,
                &elisa_token,
                Method::POST,
                &format!("/api/v1/objectives/{o_id}/key-results"),
                Some(json!({
                    "title": title, "kind": "increase", "target": 12, "owner_id": owner,
                    "owner_note": "You decide the migration order",
                    "owner_fit": {"legitimacy": true, "decision_authority": true, "proximity": false, "note": "owns the budget"}
                })),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(
            kr["ownership_state"], "pending",
            "supervisors are proposed, not assigned"
        );
        krs.push(kr["id"].as_str().unwrap().to_string());
    }
    AssociatesObjective {
        cycle,
        vp,
        vp_token,
        manager,
        manager_token,
        elisa,
        elisa_token,
        o_id,
        krs,
    }
}

/// Not active while the supervisors have not accepted; only the person proposed may answer.
async fn nothing_is_active_until_each_owner_accepts(app: &TestApp, c: &AssociatesObjective) {
    let AssociatesObjective {
        vp_token,
        elisa_token,
        o_id,
        krs,
        ..
    } = c;
    // Not active while the supervisors have not accepted.
    let r = send(
        app,
        elisa_token,
        Method::PATCH,
        &format!("/api/v1/objectives/{o_id}"),
        Some(json!({"state": "active"})),
    )
    .await;
    let body = assert_problem(r, StatusCode::CONFLICT, Some("state")).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Migrate 12 reports"),
        "{body}"
    );

    // Only the person proposed may answer.
    let r = send(
        app,
        vp_token,
        Method::POST,
        &format!("/api/v1/key-results/{}/ownership/accept", krs[0]),
        None,
    )
    .await;
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
    let r = send(
        app,
        elisa_token,
        Method::POST,
        &format!("/api/v1/key-results/{}/ownership/accept", krs[1]),
        None,
    )
    .await;
    assert_problem(r, StatusCode::FORBIDDEN, None).await;
}

/// What is waiting for the manager, and what each owner then carries.
async fn each_owner_sees_what_waits_for_them(app: &TestApp, c: &AssociatesObjective) {
    let AssociatesObjective {
        cycle,
        vp,
        vp_token,
        manager,
        manager_token,
        elisa,
        elisa_token,
        o_id,
        krs,
    } = c;
    // What is waiting for the manager.
    let mine = ok(
        send(
            app,
            manager_token,
            Method::GET,
            &format!("/api/v1/people/{manager}/ownership"),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(mine["requests_waiting"].as_array().unwrap().len(), 1);
    assert_eq!(mine["requests_waiting"][0]["proposed_by"], elisa.as_str());
    assert_eq!(
        mine["requests_waiting"][0]["note"],
        "You decide the migration order"
    );

    let accepted = ok(
        send(
            app,
            manager_token,
            Method::POST,
            &format!("/api/v1/key-results/{}/ownership/accept", krs[0]),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(accepted["state"], "accepted");
    ok(
        send(
            app,
            vp_token,
            Method::POST,
            &format!("/api/v1/key-results/{}/ownership/accept", krs[1]),
            None,
        )
        .await,
        200,
    )
    .await;
    let r = send(
        app,
        vp_token,
        Method::POST,
        &format!("/api/v1/key-results/{}/ownership/accept", krs[1]),
        None,
    )
    .await;
    assert_problem(r, StatusCode::CONFLICT, None).await;

    let active = ok(
        send(
            app,
            elisa_token,
            Method::PATCH,
            &format!("/api/v1/objectives/{o_id}"),
            Some(json!({"state": "active"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(active["state"], "active");
    let got = ok(
        send(
            app,
            elisa_token,
            Method::GET,
            &format!("/api/v1/objectives/{o_id}"),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(got["owner"]["name"], "Elisa Associate");
    assert_eq!(got["key_results"][0]["owner"]["name"], "Marta Manager");
    assert_eq!(got["key_results"][1]["owner"]["name"], "Victor VP");
    let req = &got["key_results"][0]["ownership_request"];
    assert_eq!(req["proposed_by"], elisa.as_str());
    assert_eq!(req["fit"]["legitimacy"], true);
    assert_eq!(req["fit"]["proximity"], false);

    let vp_owns = ok(
        send(
            app,
            vp_token,
            Method::GET,
            &format!("/api/v1/people/{vp}/ownership"),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(vp_owns["owns"].as_array().unwrap().len(), 1);
    assert_eq!(vp_owns["owns"][0]["okr"]["kind"], "key_result");
    // The findings are the hourly check's: run it now.
    app.evaluate_now().await;
    let report = ok(
        app.get(&format!("/api/v1/health?cycle_id={cycle}")).await,
        200,
    )
    .await;
    assert!(
        !codes_for(&report, o_id).contains(&"manager_by_default".to_string()),
        "{report}"
    );
}

/// "The pitfalls": the CTO owns the activation KR far from the funnel; the health check flags it; it is
/// handed to the product manager with the CTO as sponsor, and the history keeps both.
#[tokio::test]
async fn the_cto_far_from_the_funnel_is_flagged_then_hands_over_to_the_pm() {
    let app = spawn_app().await;
    let c = cto_owns_activation(&app).await;
    the_pm_takes_over_with_the_cto_as_sponsor(&app, &c).await;
}

/// What the steps of `the_cto_far_from_the_funnel_is_flagged_then_hands_over_to_the_pm` share.
struct FarOwner {
    cycle: String,
    cto: String,
    cto_token: String,
    pm: String,
    pm_token: String,
    growth: String,
    kr_id: String,
}

/// The CTO owns the activation key result, the PM and a growth lead contribute; the health check
/// flags the owner far from the outcome.
async fn cto_owns_activation(app: &TestApp) -> FarOwner {
    let cycle = app.cycle("2026 Q4").await;
    let (cto, cto_token) = app.member("Chris CTO").await;
    let (pm, pm_token) = app.member("Maya PM").await;
    let (growth, _) = app.member("Carmen Growth").await;
    let team = app
        .create(
            "/api/v1/teams",
            json!({"name": "Activation", "lead_id": pm, "member_ids": [growth]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let o = ok(
        send(app, &pm_token, Method::POST, "/api/v1/objectives", Some(json!({"title": "New users reach value in their first week", "cycle_id": cycle, "team_ids": [team]}))).await,
        201,
    )
    .await;
    let o_id = o["id"].as_str().unwrap().to_string();
    let kr = ok(
        send(
            app,
            &pm_token,
            Method::POST,
            &format!("/api/v1/objectives/{o_id}/key-results"),
            Some(json!({"title": "Move Day-7 activation rate from 32% to 55%", "kind": "increase", "start": 32, "target": 55, "unit": "%",
                "owner_id": cto, "contributor_ids": [pm, growth], "team_ids": [team]})),
        )
        .await,
        201,
    )
    .await;
    let kr_id = kr["id"].as_str().unwrap().to_string();
    ok(
        send(
            app,
            &cto_token,
            Method::POST,
            &format!("/api/v1/key-results/{kr_id}/ownership/accept"),
            None,
        )
        .await,
        200,
    )
    .await;

    // The findings are the hourly check's: run it now.
    app.evaluate_now().await;
    let report = ok(
        app.get(&format!("/api/v1/health?cycle_id={cycle}")).await,
        200,
    )
    .await;
    let far: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "owner_far_from_outcome")
        .collect();
    assert_eq!(far.len(), 1, "{report}");
    assert_eq!(far[0]["okr"]["id"], kr_id.as_str());
    assert_eq!(far[0]["person_id"], cto.as_str());
    assert_eq!(far[0]["severity"], "warning");
    assert!(far[0]["fix"].as_str().unwrap().contains("Maya PM"));
    FarOwner {
        cycle,
        cto,
        cto_token,
        pm,
        pm_token,
        growth,
        kr_id,
    }
}

/// A contributor is handed the key result in one step (the seeds' own story): the PM, already a
/// contributor, is proposed, accepts and leaves the contributors; the CTO stays on as sponsor, and
/// the history keeps both.
async fn the_pm_takes_over_with_the_cto_as_sponsor(app: &TestApp, c: &FarOwner) {
    let FarOwner {
        cycle,
        cto,
        cto_token,
        pm,
        pm_token,
        growth,
        kr_id,
    } = c;
    let before = ok(app.get(&format!("/api/v1/key-results/{kr_id}")).await, 200).await;
    assert!(
        before["contributor_ids"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == pm.as_str()),
        "the PM contributes before the handover: {before}"
    );
    let handover = ok(
        send(
            app,
            cto_token,
            Method::POST,
            &format!("/api/v1/key-results/{kr_id}/ownership"),
            Some(json!({"owner_id": pm, "note": "You watch the funnel daily; I'll sponsor the trade-offs",
                "fit": {"legitimacy": true, "decision_authority": true, "proximity": true}})),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(handover["state"], "pending");
    assert_eq!(handover["previous_owner_id"], cto.as_str());
    ok(
        send(
            app,
            pm_token,
            Method::POST,
            &format!("/api/v1/key-results/{kr_id}/ownership/accept"),
            None,
        )
        .await,
        200,
    )
    .await;
    let after = ok(
        send(
            app,
            pm_token,
            Method::PATCH,
            &format!("/api/v1/key-results/{kr_id}"),
            Some(json!({"sponsor_id": cto})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(after["owner"]["name"], "Maya PM");
    assert_eq!(after["sponsor"]["name"], "Chris CTO");
    assert_eq!(after["ownership_state"], "accepted");
    assert_eq!(
        after["contributor_ids"],
        json!([growth]),
        "the new owner left the contributors on accepting"
    );

    // The findings are the hourly check's: run it now.
    app.evaluate_now().await;
    let report = ok(
        app.get(&format!("/api/v1/health?cycle_id={cycle}")).await,
        200,
    )
    .await;
    assert!(
        !codes_for(&report, kr_id).contains(&"owner_far_from_outcome".to_string()),
        "{report}"
    );
    let history = ok(
        app.get(&format!("/api/v1/key-results/{kr_id}/ownership"))
            .await,
        200,
    )
    .await;
    let accepted: Vec<&Value> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] == "accepted")
        .collect();
    assert_eq!(accepted.len(), 2, "{history}");
    assert_eq!(accepted[0]["proposed_owner_id"], cto.as_str());
    assert_eq!(accepted[1]["proposed_owner_id"], pm.as_str());
    assert_eq!(
        accepted[1]["note"],
        "You watch the funnel daily; I'll sponsor the trade-offs"
    );
}

/// "Shared OKRs": one key result owned across four teams appears on each team's view, once, with one
/// progress.
#[tokio::test]
async fn one_key_result_shared_by_four_teams_appears_once_on_each() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let mut teams = vec![];
    for n in ["Web", "iOS", "Android", "API"] {
        teams.push(app.team(n).await);
    }
    let platform = app.team("Platform").await;
    let o = app
        .create("/api/v1/objectives", json!({"title": "Fast everywhere", "cycle_id": cycle, "team_ids": [platform, teams[0]]}))
        .await;
    let o_id = o["id"].as_str().unwrap();
    let kr = app
        .create(
            &format!("/api/v1/objectives/{o_id}/key-results"),
            json!({"title": "p95 page load under 1.5 s", "kind": "decrease", "start": 3.2, "target": 1.5, "unit": "s", "team_ids": teams}),
        )
        .await;
    let kr_id = kr["id"].as_str().unwrap();
    app.create(
        &format!("/api/v1/key-results/{kr_id}/check-ins"),
        json!({"value": 2.35, "confidence": 6}),
    )
    .await;
    for t in &teams {
        let view = ok(app.get(&format!("/api/v1/teams/{t}/okrs")).await, 200).await;
        let mut seen: Vec<(String, f64)> = view["key_results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["key_result"]["id"].as_str().unwrap().to_string(),
                    k["key_result"]["progress"].as_f64().unwrap(),
                )
            })
            .collect();
        for o in view["objectives"].as_array().unwrap() {
            for k in o["key_results"].as_array().unwrap() {
                seen.push((
                    k["id"].as_str().unwrap().to_string(),
                    k["progress"].as_f64().unwrap(),
                ));
            }
        }
        let hits: Vec<&(String, f64)> = seen.iter().filter(|(id, _)| id == kr_id).collect();
        assert_eq!(hits.len(), 1, "team {t}: {view}");
        assert!((hits[0].1 - 0.5).abs() < 1e-9, "one progress everywhere");
    }
    // The objective shared with Platform and Web appears once on each of their views.
    for t in [&platform, &teams[0]] {
        let view = ok(app.get(&format!("/api/v1/teams/{t}/okrs")).await, 200).await;
        assert_eq!(view["objectives"].as_array().unwrap().len(), 1);
        assert!(
            view["key_results"].as_array().unwrap().is_empty(),
            "not repeated outside its objective"
        );
    }
    assert_problem(
        app.get("/api/v1/teams/nope/okrs").await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
}

/// "Acceptance": forced ownership is dead on arrival: never active until accepted; declining needs
/// a reason that goes back to the proposer; the health check flags what waits too long.
#[tokio::test]
async fn forced_ownership_never_becomes_active() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (bob, bob_token) = app.member("Bob Busy").await;
    let r = app
        .post("/api/v1/objectives", json!({"title": "Expand into the Nordics", "cycle_id": cycle, "owner_id": bob, "state": "active"}))
        .await;
    assert_problem(r, StatusCode::CONFLICT, Some("state")).await;
    let o = app
        .create("/api/v1/objectives", json!({"title": "Expand into the Nordics", "cycle_id": cycle, "owner_id": bob, "owner_note": "You know the region"}))
        .await;
    let o_id = o["id"].as_str().unwrap().to_string();
    assert_eq!(o["ownership_state"], "pending");
    app.create(
        &format!("/api/v1/objectives/{o_id}/key-results"),
        json!({"title": "3 partners signed", "kind": "increase", "target": 3}),
    )
    .await;
    let r = app
        .patch(
            &format!("/api/v1/objectives/{o_id}"),
            json!({"state": "active"}),
        )
        .await;
    assert_problem(r, StatusCode::CONFLICT, Some("state")).await;
    // Changing the owner goes through a request, never a silent PATCH.
    let r = app
        .patch(
            &format!("/api/v1/objectives/{o_id}"),
            json!({"owner_id": app.admin_id}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("owner_id")).await;

    let decline = format!("/api/v1/objectives/{o_id}/ownership/decline");
    let r = send(
        &app,
        &bob_token,
        Method::POST,
        &decline,
        Some(json!({"reason": "  "})),
    )
    .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("reason")).await;
    let r = send(&app, &bob_token, Method::POST, &decline, Some(json!({}))).await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("reason")).await;
    let declined = ok(
        send(
            &app,
            &bob_token,
            Method::POST,
            &decline,
            Some(json!({"reason": "I have no budget authority there"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(declined["state"], "declined");
    // The reason goes back to whoever proposed it.
    let sent = ok(
        app.get("/api/v1/ownership-requests?state=declined").await,
        200,
    )
    .await;
    assert_eq!(
        sent["items"][0]["decline_reason"],
        "I have no budget authority there"
    );
    assert_eq!(sent["items"][0]["proposed_by"], app.admin_id.as_str());
    let got = ok(app.get(&format!("/api/v1/objectives/{o_id}")).await, 200).await;
    assert_eq!(got["ownership_state"], "declined");
    let r = app
        .patch(
            &format!("/api/v1/objectives/{o_id}"),
            json!({"state": "active"}),
        )
        .await;
    assert_problem(r, StatusCode::CONFLICT, Some("state")).await;
    // The findings are the hourly check's: run it now.
    app.evaluate_now().await;
    let report = ok(
        app.get(&format!("/api/v1/health?cycle_id={cycle}")).await,
        200,
    )
    .await;
    assert!(
        codes_for(&report, &o_id).contains(&"ownership_declined".to_string()),
        "{report}"
    );
    assert!(report["counts"]["error"].as_u64().unwrap() >= 1);

    // Proposed again, and left waiting: flagged once the wait passes the threshold.
    let (carol, _) = app.member("Carol Careful").await;
    let proposal = ok(
        app.post(
            &format!("/api/v1/objectives/{o_id}/ownership"),
            json!({"owner_id": carol}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(proposal["state"], "pending");
    // The findings are the hourly check's: run it now.
    app.evaluate_now().await;
    let report = ok(
        app.get(&format!("/api/v1/health?cycle_id={cycle}")).await,
        200,
    )
    .await;
    assert!(
        !codes_for(&report, &o_id).contains(&"ownership_pending".to_string()),
        "a fresh request is fine"
    );
    let mut old = app
        .store
        .ownership_request(&keel_domain::OwnershipRequestId::from_string(
            proposal["id"].as_str().unwrap(),
        ))
        .await
        .unwrap()
        .unwrap();
    // The same proposal made ten days ago (through the store: the API never back-dates).
    old.id = keel_domain::OwnershipRequestId::generate();
    old.created_at = chrono::Utc::now() - chrono::Duration::days(10);
    let current = app
        .store
        .objective(&keel_domain::ObjectiveId::from_string(o_id.clone()))
        .await
        .unwrap()
        .unwrap();
    app.store
        .propose_ownership(&keel_store::WriteCtx::default(), &old, current.version)
        .await
        .unwrap();
    // The findings are the hourly check's: run it now.
    app.evaluate_now().await;
    let report = ok(
        app.get(&format!("/api/v1/health?cycle_id={cycle}")).await,
        200,
    )
    .await;
    assert!(
        codes_for(&report, &o_id).contains(&"ownership_pending".to_string()),
        "{report}"
    );
}

/// "One owner" and "Ownership policy": a team is never an owner; ownership is not split unless the organisation
/// chooses the shared policy, and then the split is flagged.
#[tokio::test]
async fn a_team_is_never_an_owner_and_co_owners_follow_the_policy() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let team = app.team("Content").await;
    let (writer, _) = app.member("Tess Writer").await;
    let (editor, _) = app.member("Ed Editor").await;
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Be the reference on OKRs", "cycle_id": cycle}),
        )
        .await;
    let o_id = o["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/objectives/{o_id}/ownership"),
            json!({"owner_id": team}),
        )
        .await;
    let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("owner_id")).await;
    assert!(body["detail"].as_str().unwrap().contains("team"));
    let r = app
        .post(&format!("/api/v1/objectives/{o_id}/key-results"), json!({"title": "Publish 3 new blog posts", "kind": "increase", "target": 3, "owner_id": team}))
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("owner_id")).await;
    let r = app
        .post(
            &format!("/api/v1/objectives/{o_id}/ownership"),
            json!({"owner_id": "nobody"}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("owner_id")).await;
    let r = app
        .post(
            "/api/v1/objectives/nope/ownership",
            json!({"owner_id": writer}),
        )
        .await;
    assert_problem(r, StatusCode::NOT_FOUND, None).await;

    // Single-threaded ownership by default: co-owners refused, contributors suggested.
    let kr = app
        .create(&format!("/api/v1/objectives/{o_id}/key-results"), json!({"title": "Publish 3 new blog posts", "kind": "increase", "target": 3, "owner_id": writer}))
        .await;
    let kr_id = kr["id"].as_str().unwrap().to_string();
    let r = app
        .patch(
            &format!("/api/v1/key-results/{kr_id}"),
            json!({"co_owner_ids": [editor]}),
        )
        .await;
    let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("co_owner_ids")).await;
    assert!(
        body["detail"].as_str().unwrap().contains("contributor"),
        "{body}"
    );

    app.patch("/api/v1/settings", json!({"ownership_policy": "shared"}))
        .await;
    let shared: Value = app
        .patch(
            &format!("/api/v1/key-results/{kr_id}"),
            json!({"co_owner_ids": [editor]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shared["co_owners"][0]["name"], "Ed Editor");
    assert_eq!(
        shared["owner"]["name"], "Tess Writer",
        "one of them stays accountable"
    );
    // The findings are the hourly check's: run it now.
    app.evaluate_now().await;
    let report = ok(
        app.get(&format!("/api/v1/health?cycle_id={cycle}")).await,
        200,
    )
    .await;
    assert!(
        codes_for(&report, &kr_id).contains(&"split_ownership".to_string()),
        "{report}"
    );
    let r = app.get("/api/v1/health").await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("cycle_id")).await;
}

/// The health check's findings come a page at a time: following `next_cursor` gives every
/// finding once, in the order of one big page; `counts` cover them all; a bad `limit` or
/// `cursor` is refused naming it.
async fn health_findings_are_paginated(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    for n in 0..5 {
        app.create(
            "/api/v1/objectives",
            json!({"title": format!("Nothing measured {n}"), "cycle_id": cycle}),
        )
        .await;
    }
    app.evaluate_now().await;
    let all = ok(
        app.get(&format!("/api/v1/health?cycle_id={cycle}&limit=500"))
            .await,
        200,
    )
    .await;
    let every: Vec<serde_json::Value> = all["findings"].as_array().unwrap().clone();
    assert!(every.len() >= 5, "{all}");
    assert!(all["evaluated_at"].is_string(), "says when: {all}");
    assert!(all["next_cursor"].is_null(), "{all}");
    let mut paged = vec![];
    let mut cursor = String::new();
    loop {
        let page = ok(
            app.get(&format!(
                "/api/v1/health?cycle_id={cycle}&limit=2&cursor={cursor}"
            ))
            .await,
            200,
        )
        .await;
        let items = page["findings"].as_array().unwrap();
        assert!(items.len() <= 2, "{page}");
        assert_eq!(page["counts"], all["counts"], "counts cover every page");
        paged.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(paged, every);
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=x", "limit"),
        ("cursor=o:999", "cursor"),
        ("cursor=zz", "cursor"),
    ] {
        let r = app
            .get(&format!("/api/v1/health?cycle_id={cycle}&{query}"))
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some(field)).await;
    }
}

#[tokio::test]
async fn health_findings_are_paginated_on_sqlite() {
    health_findings_are_paginated(spawn_app().await).await;
}

#[tokio::test]
async fn health_findings_are_paginated_on_postgres() {
    if postgres_configured() {
        health_findings_are_paginated(spawn_app_on(Db::Postgres).await).await;
    }
}

#[tokio::test]
async fn people_see_only_the_ownership_requests_that_involve_them() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (a, a_token) = app.member("Ann").await;
    let (_, b_token) = app.member("Bea").await;
    app.create(
        "/api/v1/objectives",
        json!({"title": "For Ann", "cycle_id": cycle, "owner_id": a}),
    )
    .await;
    app.create(
        "/api/v1/objectives",
        json!({"title": "Mine", "cycle_id": cycle}),
    )
    .await;
    let ann = ok(
        send(
            &app,
            &a_token,
            Method::GET,
            "/api/v1/ownership-requests?state=pending",
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ann["items"].as_array().unwrap().len(), 1);
    let bea = ok(
        send(
            &app,
            &b_token,
            Method::GET,
            "/api/v1/ownership-requests?state=pending",
            None,
        )
        .await,
        200,
    )
    .await;
    assert!(bea["items"].as_array().unwrap().is_empty());
    let all = ok(app.get("/api/v1/ownership-requests").await, 200).await;
    assert!(
        all["items"].as_array().unwrap().len() >= 2,
        "the admin sees everything, accepted ones too"
    );
    let r = app.get("/api/v1/ownership-requests?state=maybe").await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, Some("state")).await;
}
