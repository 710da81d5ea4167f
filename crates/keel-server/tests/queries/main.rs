//! A page or list costs a constant number of queries, not one per row: the reads sent to the
//! database for one request, counted at 10 and at 1,000 matching rows, are the same, for search
//! (API and page), a person's page (API and page), the objectives list (API and page, by title
//! and by the stored status and progress), a
//! person's notifications (API and page), the alignment tree's roots (API and page), the
//! ownership map (a page of people, each with the first of what they own), the
//! participation and financial reports (API and page, at 10 and 1,000 people and financial key
//! results), the KPIs (API and page) and the dashboards with the key results behind their
//! figures (API and page), and a team's dependency map (at 10 and at 300 dependencies each
//! way: the team's key results are read 500 ids to a query) and the calibration report by team
//! and by person (API and page, at 10 and 1,000 teams, tallied in SQL), the check-in compliance
//! report (API, page and CSV), the team dashboard's check-in figure and the report pages' team
//! pickers (at 10 and 1,000 teams), the automation page (at 10 and 1,000 rules, each naming a
//! team, a person, a cycle or a KPI of its own), the health page (at 10 and 1,000 objectives
//! with findings, and `GET /api/v1/health`), the hourly ownership-reminder round (at 10 and
//! 400 waiting requests), the administration's team list and team and person forms (at 10 and
//! 1,000 teams and people) and the company tree a level at a time (at 10 and 1,000 objectives and
//! teams), and a check-in (pinned: the same after 100 earlier check-ins), on SQLite and
//! PostgreSQL.
//!
//! Its own test binary: the store counts the reads of the whole process
//! (`keel_store::testing::reads`), so nothing else may run beside it; the backends run one after
//! the other in one test.

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

use helpers::*;
use serde_json::json;

/// The reads one GET costs, as `browser` (a page) or with the administrator's token (the API):
/// the fewest of three tries, since the server's background jobs may read at the same moment
/// (they only ever add to the count).
async fn reads_of(app: &TestApp, browser: &Browser, path: &str) -> u64 {
    let mut fewest = u64::MAX;
    for _ in 0..3 {
        let before = keel_store::testing::reads();
        let status = if path.starts_with("/api/") {
            app.get(path).await.status()
        } else {
            browser.get(path).await.status()
        };
        assert_eq!(status, reqwest::StatusCode::OK, "{path}");
        fewest = fewest.min(keel_store::testing::reads() - before);
    }
    fewest
}

async fn add_objectives(app: &TestApp, cycle: &str, owner: &str, from: usize, to: usize) {
    for n in from..to {
        app.create(
            "/api/v1/objectives",
            json!({"title": format!("Zebra objective {n:04}"), "cycle_id": cycle, "owner_id": owner, "visibility": "public"}),
        )
        .await;
    }
}

/// KPIs `from..to`, each with a reading: the KPI list's rows.
async fn add_kpis(app: &TestApp, from: usize, to: usize) {
    for n in from..to {
        let k = app
            .create(
                "/api/v1/kpis",
                json!({"name": format!("KPI {n:04}"), "corridor_min": 10}),
            )
            .await;
        let id = k["id"].as_str().unwrap();
        app.create(&format!("/api/v1/kpis/{id}/values"), json!({"value": n}))
            .await;
    }
}

async fn constant_reads(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let olga = app.member("Olga Owner").await.0;
    let admin = Browser::admin(&app).await;
    let paths = [
        "/api/v1/search?q=zebra&limit=500".to_string(),
        "/search?q=zebra".to_string(),
        "/search?q=zebra&kind=objective".to_string(),
        format!("/api/v1/people/{olga}/okrs?limit=500"),
        format!("/people/{olga}"),
        "/api/v1/objectives?limit=500&sort=title".to_string(),
        "/objectives?sort=title".to_string(),
        "/api/v1/objectives?limit=500&sort=status".to_string(),
        "/objectives?sort=progress".to_string(),
        format!("/api/v1/alignment?cycle_id={cycle}&limit=500"),
        format!("/alignment?cycle_id={cycle}"),
        format!("/ownership?cycle_id={cycle}"),
        format!("/api/v1/reports/participation?cycle_id={cycle}&limit=500"),
        format!("/reports/participation?cycle_id={cycle}"),
        "/api/v1/kpis?limit=500".to_string(),
        "/kpis".to_string(),
        "/api/v1/dashboard".to_string(),
        "/dashboard".to_string(),
    ];
    add_objectives(&app, &cycle, &olga, 0, 10).await;
    add_kpis(&app, 0, 10).await;
    let mut at_ten = Vec::new();
    for p in &paths {
        at_ten.push(reads_of(&app, &admin, p).await);
    }
    add_objectives(&app, &cycle, &olga, 10, 1000).await;
    add_kpis(&app, 10, 1000).await;
    for (p, ten) in paths.iter().zip(at_ten) {
        let thousand = reads_of(&app, &admin, p).await;
        assert!(ten > 0, "{p}: the reads are counted");
        eprintln!("{p}: {ten} reads at 10 rows, {thousand} at 1,000");
        assert_eq!(
            thousand, ten,
            "{p}: {ten} reads at 10 rows, {thousand} at 1,000"
        );
    }
}

/// The reads one GET costs for the person with `token` (the API) or `browser` (a page).
async fn reads_as(app: &TestApp, token: &str, browser: &Browser, path: &str) -> u64 {
    let mut fewest = u64::MAX;
    for _ in 0..3 {
        let before = keel_store::testing::reads();
        let status = if path.starts_with("/api/") {
            app.req_as(token, reqwest::Method::GET, path)
                .send()
                .await
                .unwrap()
                .status()
        } else {
            browser.get(path).await.status()
        };
        assert_eq!(status, reqwest::StatusCode::OK, "{path}");
        fewest = fewest.min(keel_store::testing::reads() - before);
    }
    fewest
}

async fn schedule_reviews(app: &TestApp, team: &str, n: usize) {
    for _ in 0..n {
        app.create(
            &format!("/api/v1/teams/{team}/reviews"),
            json!({"held_on": "2026-11-02"}),
        )
        .await;
    }
}

/// A person's notifications ("a review is scheduled", each naming its team and day) cost the
/// same reads at 10 and at 1,000.
async fn notifications_read_constant(app: TestApp) {
    let (pia, token) = app.member("Pia Peer").await;
    let team = app
        .create(
            "/api/v1/teams",
            json!({"name": "Growth", "member_ids": [pia]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = Browser::signed_in(&app, &pia, "pia.peer@keel.test").await;
    let paths = ["/api/v1/me/notifications?limit=500", "/notifications"];
    schedule_reviews(&app, &team, 10).await;
    let mut at_ten = Vec::new();
    for p in paths {
        at_ten.push(reads_as(&app, &token, &browser, p).await);
    }
    schedule_reviews(&app, &team, 990).await;
    for (p, ten) in paths.into_iter().zip(at_ten) {
        let thousand = reads_as(&app, &token, &browser, p).await;
        eprintln!("{p}: {ten} reads at 10 notifications, {thousand} at 1,000");
        assert!(ten > 0);
        assert_eq!(thousand, ten, "{p}: {ten} reads at 10, {thousand} at 1,000");
    }
}

async fn add_people(app: &TestApp, from: usize, to: usize) {
    for n in from..to {
        app.create(
            "/api/v1/people",
            json!({"name": format!("Person {n:04}"), "email": format!("p{n}@keel.test")}),
        )
        .await;
    }
}

async fn add_financial(app: &TestApp, objective: &str, from: usize, to: usize) {
    for n in from..to {
        app.create(
            &format!("/api/v1/objectives/{objective}/key-results"),
            json!({"title": format!("Revenue {n:04}"), "kind": "increase", "start": 0, "target": 100, "unit": if n % 2 == 0 { "EUR" } else { "USD" }, "financial": true}),
        )
        .await;
    }
}

/// The participation report (people, from the evaluator's stored counts) and the financial
/// report (key results) cost the same reads at 10 and at 1,000 rows.
async fn reports_read_constant(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let admin = Browser::admin(&app).await;
    let objective = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Grow revenue", "cycle_id": cycle, "visibility": "public"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let paths = [
        format!("/api/v1/reports/participation?cycle_id={cycle}&limit=500"),
        format!("/reports/participation?cycle_id={cycle}"),
        format!("/reports/participation?cycle_id={cycle}&page=2&gap=without_okrs"),
        format!("/api/v1/reports/financial?cycle_id={cycle}&limit=500"),
        format!("/reports/financial?cycle_id={cycle}"),
    ];
    add_people(&app, 0, 10).await;
    add_financial(&app, &objective, 0, 10).await;
    // Participation is read from the evaluator's stored counts.
    app.evaluate_now().await;
    let mut at_ten = Vec::new();
    for p in &paths {
        at_ten.push(reads_of(&app, &admin, p).await);
    }
    add_people(&app, 10, 1000).await;
    add_financial(&app, &objective, 10, 1000).await;
    app.evaluate_now().await;
    for (p, ten) in paths.iter().zip(at_ten) {
        let thousand = reads_of(&app, &admin, p).await;
        eprintln!("{p}: {ten} reads at 10 rows, {thousand} at 1,000");
        assert!(ten > 0);
        assert_eq!(thousand, ten, "{p}: {ten} reads at 10, {thousand} at 1,000");
    }
}

async fn add_key_results(app: &TestApp, objective: &str, team: &str, from: usize, to: usize) {
    for n in from..to {
        app.create(
            &format!("/api/v1/objectives/{objective}/key-results"),
            json!({"title": format!("Zebra key result {n:04}"), "kind": "increase", "start": 0, "target": 10, "team_ids": [team]}),
        )
        .await;
    }
}

/// The dashboards (company and team, API and page), the key results behind a figure and the team
/// page cost the same reads for a cycle of 10 key results and one of 1,000 (each cycle's split
/// between a public and a private objective; the views read key results 1,000 ids to a query),
/// shared with teams of two departments: counted now (before the evaluator's first round), from the evaluator's stored
/// figures, and for a member who is in a private objective (its figures counted live).
async fn dashboards_read_constant(app: TestApp) {
    let small = app.cycle("2026 Q4").await;
    let large = app.cycle("2026 Q4, the large one").await;
    let (pia, pia_token) = app.member("Pia Peer").await;
    let sales = app.team("Sales").await;
    let emea = app
        .create(
            "/api/v1/teams",
            json!({"name": "Sales EMEA", "parent_id": sales}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let product = app.team("Product").await;
    let id = |v: serde_json::Value| v["id"].as_str().unwrap().to_string();
    for (cycle, public, private) in [(&small, 5, 5), (&large, 900, 100)] {
        let objective = id(app
            .create(
                "/api/v1/objectives",
                json!({"title": "Zebra", "cycle_id": cycle, "team_ids": [product], "visibility": "public"}),
            )
            .await);
        let hidden = id(app
            .create(
                "/api/v1/objectives",
                json!({"title": "Hidden zebra", "cycle_id": cycle, "team_ids": [emea],
                       "visibility": "private", "contributor_ids": [pia]}),
            )
            .await);
        add_key_results(&app, &objective, &emea, 0, public).await;
        add_key_results(&app, &hidden, &emea, 0, private).await;
    }
    let admin = Browser::admin(&app).await;
    let member = Browser::signed_in(&app, &pia, "pia.peer@keel.test").await;
    let paths = |c: &str| {
        [
            format!("/api/v1/dashboard?cycle_id={c}"),
            format!("/dashboard?cycle_id={c}"),
            format!("/api/v1/teams/{sales}/dashboard?cycle_id={c}"),
            format!("/teams/{sales}/dashboard?cycle_id={c}"),
            format!("/api/v1/dashboard/key-results?cycle_id={c}&department_id={sales}&limit=500"),
            format!("/dashboard/key-results?cycle_id={c}&department_id={sales}"),
            format!("/dashboard/key-results?cycle_id={c}&moved=true&status=off_track"),
            format!("/teams/{emea}?cycle_id={c}"),
        ]
    };
    let compare = |how: &'static str, members: bool| {
        let (app, admin, member, pia_token) = (&app, &admin, &member, &pia_token);
        let (at_ten, at_thousand) = (paths(&small), paths(&large));
        async move {
            for (ten_path, thousand_path) in at_ten.iter().zip(&at_thousand) {
                let mut readers = vec![("admin", None)];
                if members {
                    readers.push(("member", Some(member)));
                }
                for (who, browser) in readers {
                    let reads = |p: String| async move {
                        match browser {
                            Some(b) => reads_as(app, pia_token, b, &p).await,
                            None => reads_of(app, admin, &p).await,
                        }
                    };
                    let ten = reads(ten_path.clone()).await;
                    let thousand = reads(thousand_path.clone()).await;
                    eprintln!(
                        "{ten_path} ({how}, {who}): {ten} reads at 10 key results, {thousand} at 1,000"
                    );
                    assert!(ten > 0);
                    assert_eq!(
                        thousand, ten,
                        "{ten_path} ({how}, {who}): {ten} reads at 10, {thousand} at 1,000"
                    );
                }
            }
        }
    };
    compare("counted now", false).await;
    keel_server::jobs::evaluator::evaluate(app.store.as_ref(), chrono::Utc::now())
        .await
        .unwrap();
    compare("stored", true).await;
}

/// `n` more key results of the team's objective, each depending on a new key result of
/// `theirs` and depended on by another: both sides of the map grow by `n`.
async fn add_dependencies(app: &TestApp, ours: &str, theirs: &str, n: usize) {
    for i in 0..n {
        let kr = |o: &str, t: String| {
            let path = format!("/api/v1/objectives/{o}/key-results");
            async move {
                app.create(
                    &path,
                    json!({"title": t, "kind": "increase", "start": 0, "target": 100}),
                )
                .await["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }
        };
        let mine = kr(ours, format!("Ours {i}")).await;
        let other = kr(theirs, format!("Theirs {i}")).await;
        let waiting = kr(theirs, format!("Waiting {i}")).await;
        app.create(
            &format!("/api/v1/key-results/{mine}/dependencies"),
            json!({"depends_on": other}),
        )
        .await;
        app.create(
            &format!("/api/v1/key-results/{waiting}/dependencies"),
            json!({"depends_on": mine}),
        )
        .await;
    }
}

/// A team's dependency map costs the same reads at 10 and at 300 dependencies each way.
async fn team_map_reads_constant(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let team = app.team("Mobile").await;
    let ours = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Ship it", "cycle_id": cycle, "team_ids": [team]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let theirs = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Platform", "cycle_id": cycle}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = Browser::admin(&app).await;
    let path = format!("/teams/{team}/dependencies?cycle_id={cycle}");
    add_dependencies(&app, &ours, &theirs, 10).await;
    let ten = reads_of(&app, &admin, &path).await;
    add_dependencies(&app, &ours, &theirs, 290).await;
    let many = reads_of(&app, &admin, &path).await;
    eprintln!("{path}: {ten} reads at 10 dependencies each way, {many} at 300");
    assert!(ten > 0);
    assert_eq!(many, ten, "{path}: {ten} reads at 10, {many} at 300");
}

/// Key results `from..to` of `objective`, each shared with a team of its own, checked in and
/// scored.
async fn add_scored_teams(app: &TestApp, objective: &str, from: usize, to: usize) {
    for n in from..to {
        let team = app
            .create("/api/v1/teams", json!({"name": format!("Team {n:04}")}))
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let kr = app
            .create(
                &format!("/api/v1/objectives/{objective}/key-results"),
                json!({"title": format!("Measured {n:04}"), "kind": "increase", "start": 0, "target": 100, "team_ids": [team]}),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.create(
            &format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": 50, "confidence": 7}),
        )
        .await;
        let r = app
            .post(
                &format!("/api/v1/key-results/{kr}/score"),
                json!({"score": 0.5}),
            )
            .await;
        assert!(r.status().is_success());
    }
}

/// The calibration report by team (API and page) costs the same reads at 10 and at 1,000
/// teams, each with a scored key result (the cycle re-opened to add them, closed again),
/// tallied now and from the evaluator's stored sums.
async fn calibration_read_constant(app: TestApp) {
    let cycle = app.cycle("2026 Q3").await;
    let admin = Browser::admin(&app).await;
    let objective = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Learn", "cycle_id": cycle, "visibility": "public", "state": "active"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let paths = [
        format!("/api/v1/reports/calibration?cycle_id={cycle}&limit=500"),
        format!("/api/v1/reports/calibration?cycle_id={cycle}&by=person"),
        format!("/api/v1/cycles/{cycle}/calibration"),
        format!("/reports/calibration?cycle_id={cycle}"),
        format!("/reports/calibration?cycle_id={cycle}&teams_page=2"),
    ];
    let close = |verb: &'static str| {
        let (app, cycle) = (&app, &cycle);
        async move {
            let r = app
                .post(&format!("/api/v1/cycles/{cycle}/{verb}"), json!({}))
                .await;
            assert!(r.status().is_success(), "{verb}");
        }
    };
    add_scored_teams(&app, &objective, 0, 10).await;
    close("close").await;
    // Tallied now, then from the evaluator's stored sums.
    let mut at_ten = Vec::new();
    for how in ["tallied now", "stored"] {
        if how == "stored" {
            app.evaluate_now().await;
        }
        for p in &paths {
            at_ten.push((how, p, reads_of(&app, &admin, p).await));
        }
    }
    close("reopen").await;
    add_scored_teams(&app, &objective, 10, 1000).await;
    close("close").await;
    for (i, (how, p, ten)) in at_ten.into_iter().enumerate() {
        if i == paths.len() {
            app.evaluate_now().await;
        }
        let thousand = reads_of(&app, &admin, p).await;
        eprintln!("{p} ({how}): {ten} reads at 10 teams, {thousand} at 1,000");
        assert!(ten > 0);
        assert_eq!(
            thousand, ten,
            "{p} ({how}): {ten} reads at 10, {thousand} at 1,000"
        );
    }
}

/// Key results `from..to` of `objective`, each shared with a team of its own, below the
/// department `parent`.
async fn add_teams_with_key_results(
    app: &TestApp,
    objective: &str,
    parent: &str,
    from: usize,
    to: usize,
) {
    for n in from..to {
        let team = app
            .create(
                "/api/v1/teams",
                json!({"name": format!("Squad {n:04}"), "parent_id": parent}),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.create(
            &format!("/api/v1/objectives/{objective}/key-results"),
            json!({"title": format!("Measured {n:04}"), "kind": "increase", "start": 0, "target": 100, "team_ids": [team]}),
        )
        .await;
    }
}

/// The check-in compliance report (API, page, CSV), the team dashboard's check-in figure and
/// the report pages' team pickers cost the same reads for a cycle of 10 teams and one of 1,000,
/// each team with a key result: counted now (before the evaluator's first round) and from its
/// stored counts.
async fn compliance_read_constant(app: TestApp) {
    let admin = Browser::admin(&app).await;
    let department = app.team("Engineering").await;
    let mut cycles = vec![];
    for (name, from, to) in [("2026 Q4", 0, 10), ("2027 Q1", 10, 1010)] {
        let cycle = app.cycle(name).await;
        let objective = app
            .create(
                "/api/v1/objectives",
                // Shared through its key results only: each read of ids stays within one chunk.
                json!({"title": "Ship", "cycle_id": cycle, "visibility": "public", "state": "active"}),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        add_teams_with_key_results(&app, &objective, &department, from, to).await;
        cycles.push(cycle);
    }
    let paths = |cycle: &str| {
        [
            format!("/api/v1/reports/compliance?cycle_id={cycle}&limit=500"),
            format!("/reports/compliance?cycle_id={cycle}"),
            format!("/reports/compliance/export?cycle_id={cycle}"),
            format!("/reports/compliance?cycle_id={cycle}&team_id.find=Engineering"),
            format!("/api/v1/teams/{department}/dashboard?cycle_id={cycle}"),
            format!("/reports/participation?cycle_id={cycle}"),
            format!("/reports/financial?cycle_id={cycle}"),
            "/pickers/teams?field=team_id&as=options&q=squad".to_string(),
        ]
    };
    for how in ["counted now", "stored"] {
        if how == "stored" {
            app.evaluate_now().await;
        }
        for (p, p_large) in paths(&cycles[0]).iter().zip(paths(&cycles[1])) {
            let ten = reads_of(&app, &admin, p).await;
            let thousand = reads_of(&app, &admin, &p_large).await;
            eprintln!("{p} ({how}): {ten} reads at 10 teams, {thousand} at 1,000");
            assert!(ten > 0);
            assert_eq!(
                thousand, ten,
                "{p} ({how}): {ten} reads at 10, {thousand} at 1,000"
            );
        }
    }
}

fn id_of(v: serde_json::Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// Rules `from..to`: odd ones about key results shared with a team of their own, even ones
/// about a KPI of their own, each notifying a person of its own.
async fn add_rules(app: &TestApp, cycle: &str, from: usize, to: usize) {
    for n in from..to {
        let person = id_of(
            app.create(
                "/api/v1/people",
                json!({"name": format!("Person {n:04}"), "email": format!("p{n}@keel.test")}),
            )
            .await,
        );
        let (trigger, conditions) = if n % 2 == 1 {
            let team = id_of(
                app.create("/api/v1/teams", json!({"name": format!("Crew {n:04}")}))
                    .await,
            );
            (
                json!({"kind": "status_becomes", "status": "off_track"}),
                json!({"cycle_id": cycle, "team_id": team}),
            )
        } else {
            let kpi = id_of(
                app.create("/api/v1/kpis", json!({"name": format!("KPI {n:04}")}))
                    .await,
            );
            (
                json!({"kind": "kpi_leaves_corridor", "kpi_id": kpi}),
                json!({}),
            )
        };
        app.create(
            "/api/v1/automation-rules",
            json!({"name": format!("Rule {n:04}"), "trigger": trigger, "conditions": conditions,
                   "action": {"kind": "notify_person", "person_id": person}}),
        )
        .await;
    }
}

/// The automation page (and the rules' API list) cost the same reads at 10 and at 1,000 rules:
/// the teams and people they name are read by id, a page at a time, and never listed whole.
async fn automation_read_constant(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let admin = Browser::admin(&app).await;
    let paths = ["/admin/automation", "/api/v1/automation-rules?limit=100"];
    add_rules(&app, &cycle, 0, 10).await;
    let mut at_ten = Vec::new();
    for p in paths {
        at_ten.push(reads_of(&app, &admin, p).await);
    }
    add_rules(&app, &cycle, 10, 1000).await;
    for (p, ten) in paths.iter().zip(at_ten) {
        let thousand = reads_of(&app, &admin, p).await;
        eprintln!("{p}: {ten} reads at 10 rules, {thousand} at 1,000");
        assert!(ten > 0);
        assert_eq!(thousand, ten, "{p}: {ten} reads at 10, {thousand} at 1,000");
    }
}

/// The health page (every pitfall, one pitfall, a later page) and `GET /api/v1/health` cost the
/// same reads at 10 and at 1,000 objectives with findings, as the evaluator stored them (the
/// owners' overload counted live).
async fn health_reads_constant(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let olga = app.member("Olga Owner").await.0;
    let admin = Browser::admin(&app).await;
    let paths = [
        format!("/health?cycle_id={cycle}"),
        format!("/health?cycle_id={cycle}&pitfall=not_aligned"),
        format!("/health?cycle_id={cycle}&pitfall=owner_overload"),
        format!("/api/v1/health?cycle_id={cycle}&limit=500"),
    ];
    add_objectives(&app, &cycle, &olga, 0, 10).await;
    app.evaluate_now().await;
    let mut at_ten = Vec::new();
    for p in &paths {
        at_ten.push(reads_of(&app, &admin, p).await);
    }
    add_objectives(&app, &cycle, &olga, 10, 1000).await;
    app.evaluate_now().await;
    for (p, ten) in paths.iter().zip(at_ten) {
        let thousand = reads_of(&app, &admin, p).await;
        eprintln!("{p}: {ten} reads at 10 objectives, {thousand} at 1,000");
        assert!(ten > 0);
        assert_eq!(thousand, ten, "{p}: {ten} reads at 10, {thousand} at 1,000");
    }
}

/// Objectives `from..to` of `team` (none: of no team), active and public.
async fn add_team_objectives(
    app: &TestApp,
    cycle: &str,
    team: Option<&str>,
    from: usize,
    to: usize,
) {
    for n in from..to {
        let teams: Vec<&str> = team.into_iter().collect();
        app.create(
            "/api/v1/objectives",
            json!({"title": format!("Tree objective {n:04}"), "cycle_id": cycle, "team_ids": teams, "visibility": "public", "state": "active"}),
        )
        .await;
    }
}

/// Teams `from..to` below `parent`.
async fn add_child_teams(app: &TestApp, parent: &str, from: usize, to: usize) {
    for n in from..to {
        app.create(
            "/api/v1/teams",
            json!({"name": format!("Squad {n:04}"), "parent_id": parent}),
        )
        .await;
    }
}

/// The company tree (its first level, a department's level as a page and as the fragment htmx
/// asks for, the objectives matching a status or an owner) and the company dashboard cost the
/// same reads at 10 and at 1,000 objectives and teams, after the evaluator has stored their
/// statuses.
async fn company_tree_reads_constant(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let olga = app.member("Olga Owner").await.0;
    let company = app.team("Northwind").await;
    let department = app
        .create(
            "/api/v1/teams",
            json!({"name": "Engineering", "parent_id": company}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = Browser::admin(&app).await;
    let paths = [
        "/company".to_string(),
        format!("/company?team_id={department}"),
        format!("/company/node?team_id={department}&cycle_id={cycle}"),
        "/company?status=not_started".to_string(),
        format!("/company?owner_id={olga}"),
        format!("/company?team_id={company}&status=not_started"),
        "/dashboard".to_string(),
        "/api/v1/dashboard".to_string(),
    ];
    let grow = |from: usize, to: usize| {
        let (app, cycle, department, olga) = (&app, &cycle, &department, &olga);
        async move {
            add_team_objectives(app, cycle, Some(department), from, to).await;
            add_team_objectives(app, cycle, None, from, to).await;
            add_child_teams(app, department, from, to).await;
            add_objectives(app, cycle, olga, from, to).await;
            keel_server::jobs::tick(app.store.as_ref(), "test", chrono::Utc::now())
                .await
                .unwrap();
        }
    };
    grow(0, 10).await;
    let mut at_ten = Vec::new();
    for p in &paths {
        at_ten.push(reads_of(&app, &admin, p).await);
    }
    grow(10, 1000).await;
    for (p, ten) in paths.iter().zip(at_ten) {
        let thousand = reads_of(&app, &admin, p).await;
        eprintln!("{p}: {ten} reads at 10 objectives and teams, {thousand} at 1,000");
        assert!(ten > 0);
        assert_eq!(thousand, ten, "{p}: {ten} reads at 10, {thousand} at 1,000");
    }
}

/// Teams `from..to` below `parent`, each led by `lead`.
async fn add_led_teams(app: &TestApp, parent: &str, lead: &str, from: usize, to: usize) {
    for n in from..to {
        app.create(
            "/api/v1/teams",
            json!({"name": format!("Squad {n:04}"), "parent_id": parent, "lead_id": lead, "member_ids": [lead]}),
        )
        .await;
    }
}

/// The administration's team list (a page of teams by name with their parents and leads, and
/// filtered by name), the team and person forms (naming only the chosen; the pickers find the
/// others) and the people list cost the same reads at 10 and 1,000 teams and people.
async fn admin_reads_constant(app: TestApp) {
    let admin = Browser::admin(&app).await;
    let olga = app
        .create(
            "/api/v1/people",
            json!({"name": "Olga Owner", "email": "olga@keel.test", "manager_id": app.admin_id}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let company = app
        .create(
            "/api/v1/teams",
            json!({"name": "Northwind", "lead_id": olga, "member_ids": [olga, app.admin_id]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let paths = [
        "/admin/teams".to_string(),
        "/admin/teams?name=squad".to_string(),
        "/admin/teams/new".to_string(),
        format!("/admin/teams/{company}"),
        "/admin/people/new".to_string(),
        format!("/admin/people/{olga}"),
        "/admin".to_string(),
    ];
    add_people(&app, 0, 10).await;
    add_led_teams(&app, &company, &olga, 0, 10).await;
    let mut at_ten = Vec::new();
    for p in &paths {
        at_ten.push(reads_of(&app, &admin, p).await);
    }
    add_people(&app, 10, 1000).await;
    add_led_teams(&app, &company, &olga, 10, 1000).await;
    for (p, ten) in paths.iter().zip(at_ten) {
        let (thousand, bytes) = (
            reads_of(&app, &admin, p).await,
            admin.get(p).await.bytes().await.unwrap().len(),
        );
        eprintln!("{p}: {ten} reads at 10 teams and people, {thousand} at 1,000 ({bytes} bytes)");
        assert!(ten > 0);
        assert_eq!(thousand, ten, "{p}: {ten} reads at 10, {thousand} at 1,000");
    }
}

/// The reads of one check-in through the API, as the administrator (the fewest of three: the
/// server's background jobs may read at the same moment).
async fn check_in_reads(app: &TestApp, kr: &str, value: usize) -> u64 {
    let mut fewest = u64::MAX;
    for i in 0..3 {
        let before = keel_store::testing::reads();
        app.create(
            &format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": value + i, "confidence": 7, "note": "weekly"}),
        )
        .await;
        fewest = fewest.min(keel_store::testing::reads() - before);
    }
    fewest
}

/// The reads a check-in costs (the write path's hottest request), pinned: the token, the key
/// result with its objective, cycle and rhythm facts (one query; on PostgreSQL its history and
/// the names of its people and teams too, and concurrent check-ins' in one statement), the
/// group commit's statements that read (the key result's update and the webhook endpoints),
/// and on SQLite the response's history and names. The same after 100 earlier check-ins on the key result, with teams on it and its
/// objective. `reads`: [`CHECK_IN_READS`] on PostgreSQL, [`CHECK_IN_READS_SQLITE`] on SQLite.
async fn check_in_reads_pinned(app: TestApp, reads: u64) {
    let cycle = app.cycle("2026 Q4").await;
    let (t1, t2) = (app.team("Growth").await, app.team("Platform").await);
    let objective = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Grow", "cycle_id": cycle, "visibility": "public", "state": "active", "team_ids": [t1]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let kr = app
        .create(
            &format!("/api/v1/objectives/{objective}/key-results"),
            json!({"title": "Signed customers", "kind": "increase", "start": 0, "target": 1000, "team_ids": [t2]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let first = check_in_reads(&app, &kr, 1).await;
    for n in 0..100 {
        app.create(
            &format!("/api/v1/key-results/{kr}/check-ins"),
            json!({"value": 10 + n, "confidence": 6}),
        )
        .await;
    }
    let later = check_in_reads(&app, &kr, 200).await;
    eprintln!("a check-in: {first} reads, {later} after 100 check-ins");
    assert_eq!(later, first, "{first} reads, then {later}");
    assert_eq!(first, reads, "a check-in's reads");
}

/// The reads of one check-in (see [`check_in_reads_pinned`]). Eight more before the key
/// result's context was read in one query: the key result, its objective and cycle (five), the
/// caller's handovers (read now only for an OKR waiting on a new owner), and the response's
/// cadences, score and start (from the context now).
/// Proposals waiting for an answer, `from..to`: key results of `objective` each proposed to one
/// of `people` in turn (the administrator creates them, so each owner is asked).
async fn add_proposals(app: &TestApp, objective: &str, people: &[String], from: usize, to: usize) {
    for n in from..to {
        app.create(
            &format!("/api/v1/objectives/{objective}/key-results"),
            json!({"title": format!("Zebra proposal {n:04}"), "kind": "boolean",
                   "owner_id": people[n % people.len()]}),
        )
        .await;
    }
}

/// The hourly ownership-reminder round reads a page of waiting requests in a constant number
/// of queries: the same at 10 and at 400 waiting requests (one page of 500), each reminder
/// found (a dry round: nothing queued).
async fn reminder_round_reads_constant(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let mut people = vec![];
    for n in 0..7 {
        people.push(app.member(&format!("Proposed Person {n}")).await.0);
    }
    let objective = app
        .create(
            "/api/v1/objectives",
            json!({"title": "Zebra proposals", "cycle_id": cycle, "visibility": "public"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let round = keel_server::digest::Round {
        now: chrono::Utc::now() + chrono::Duration::days(4),
        public_url: Some("https://keel.example".into()),
        person: None,
        dry_run: true,
        on_schedule: false,
    };
    let mut counted = vec![];
    for (from, to) in [(0, 10), (10, 400)] {
        add_proposals(&app, &objective, &people, from, to).await;
        let before = keel_store::testing::reads();
        let out = keel_server::jobs::ownership_reminders::round(app.store.as_ref(), &round)
            .await
            .unwrap();
        counted.push(keel_store::testing::reads() - before);
        assert_eq!(out.len(), to, "one reminder per waiting proposal");
    }
    eprintln!(
        "ownership reminder round: {} reads at 10 requests, {} at 400",
        counted[0], counted[1]
    );
    assert_eq!(counted[0], counted[1], "the reminder round's reads");
}

const CHECK_IN_READS: u64 = 7;

/// On SQLite the key result's context is read by two statements (its rows, then its lists),
/// and the response's history and names (people, teams) by three more: there a statement
/// costs no round trip, and the one statement's sorted aggregates cost twice the instructions.
const CHECK_IN_READS_SQLITE: u64 = CHECK_IN_READS + 4;

#[tokio::test]
async fn pages_cost_a_constant_number_of_queries() {
    keel_store::testing::cache_for_a_second(false);
    check_in_reads_pinned(spawn_app().await, CHECK_IN_READS_SQLITE).await;
    automation_read_constant(spawn_app().await).await;
    compliance_read_constant(spawn_app().await).await;
    calibration_read_constant(spawn_app().await).await;
    constant_reads(spawn_app().await).await;
    reports_read_constant(spawn_app().await).await;
    notifications_read_constant(spawn_app().await).await;
    dashboards_read_constant(spawn_app().await).await;
    company_tree_reads_constant(spawn_app().await).await;
    team_map_reads_constant(spawn_app().await).await;
    health_reads_constant(spawn_app().await).await;
    reminder_round_reads_constant(spawn_app().await).await;
    admin_reads_constant(spawn_app().await).await;
    if postgres_configured() {
        check_in_reads_pinned(spawn_app_on(Db::Postgres).await, CHECK_IN_READS).await;
        constant_reads(spawn_app_on(Db::Postgres).await).await;
        reports_read_constant(spawn_app_on(Db::Postgres).await).await;
        compliance_read_constant(spawn_app_on(Db::Postgres).await).await;
        calibration_read_constant(spawn_app_on(Db::Postgres).await).await;
        notifications_read_constant(spawn_app_on(Db::Postgres).await).await;
        company_tree_reads_constant(spawn_app_on(Db::Postgres).await).await;
        dashboards_read_constant(spawn_app_on(Db::Postgres).await).await;
        team_map_reads_constant(spawn_app_on(Db::Postgres).await).await;
        health_reads_constant(spawn_app_on(Db::Postgres).await).await;
        automation_read_constant(spawn_app_on(Db::Postgres).await).await;
        reminder_round_reads_constant(spawn_app_on(Db::Postgres).await).await;
        admin_reads_constant(spawn_app_on(Db::Postgres).await).await;
    }
}
