//! The permission matrix (`keel_server::permissions`) walked against the running app: for each
//! role, a person holding only that role (the team lead: a member leading a team) tries every
//! route. `yes` must not be refused; `no` must be refused (403, or 404 for what they may not
//! see) on someone else's record and on their own; `own` must be refused on someone else's and
//! allowed on their own. Also: every route of the OpenAPI document has a row, and
//! docs/permissions.md is the table's rendering.

use crate::helpers::*;
use keel_domain::{PersonId, Source, TokenScope};
use keel_server::permissions::{self, Access, Holder, Rule};
use keel_server::services::tokens;
use keel_store::WriteCtx;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The records one role's checks run on: someone else's ("foreign") and the role's own.
struct Fixture {
    person: String,
    token: String,
    helper: String,
    cycle: String,
    /// A cycle of the role's own for the close and reopen rows (closing the main one would lock
    /// every OKR the other rows act on).
    spare_cycle: String,
    foreign: Targets,
    own: Targets,
}

struct Targets {
    person: String,
    team: String,
    objective: String,
    key_result: String,
    initiative: String,
    token: String,
    /// A second objective and key result of the same kind, for the DELETE rows (proposals
    /// elsewhere change owners, so deletions get records of their own).
    doomed_objective: String,
    doomed_key_result: String,
    /// A review of `team` whose agenda holds `objective`.
    review: String,
    /// A 1:1 between the stranger and the helper (foreign) or the role (own).
    conversation: String,
    /// A feedback request on the foreign objective asking the helper (foreign) or the role (own).
    feedback_request: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

async fn issue_token(app: &TestApp, person: &str) -> String {
    let p = app
        .store
        .person(&PersonId::from_string(person.to_string()))
        .await
        .unwrap()
        .unwrap();
    let (t, _) = tokens::issue(
        app.store.as_ref(),
        &WriteCtx::system(Source::Cli),
        &p,
        "extra",
        TokenScope::Write,
        None,
    )
    .await
    .unwrap();
    t.id.to_string()
}

/// An objective with a key result and an initiative, created by the administrator.
async fn okr(
    app: &TestApp,
    cycle: &str,
    tag: &str,
    stranger: &str,
    owner: String,
    teams: Vec<String>,
    financial: bool,
) -> (String, String, String) {
    let o = app
        .create(
            "/api/v1/objectives",
            json!({"title": format!("Objective of {tag}"), "cycle_id": cycle, "owner_id": owner, "team_ids": teams}),
        )
        .await;
    let k = app
        .create(
            &format!("/api/v1/objectives/{}/key-results", id(&o)),
            json!({"title": "A key result", "kind": "increase", "start": 0, "target": 10, "owner_id": owner, "financial": financial}),
        )
        .await;
    let i = app
        .create(
            &format!("/api/v1/key-results/{}/initiatives", id(&k)),
            json!({"title": "An initiative", "owner_id": stranger}),
        )
        .await;
    (id(&o), id(&k), id(&i))
}

/// A review of `team` with `objective` (owned by `owner`) on its agenda, recorded directly (the
/// objectives of the walk stay drafts, which a prepared agenda leaves out).
async fn review(app: &TestApp, team: &str, objective: &str, owner: &str) -> String {
    use keel_domain::review::{Review, ReviewItem};
    let t = chrono::Utc::now();
    let r = Review {
        id: keel_domain::ReviewId::generate(),
        team_id: keel_domain::TeamId::from_string(team.to_string()),
        held_on: t.date_naive(),
        run_by: None,
        items: vec![ReviewItem {
            objective_id: keel_domain::ObjectiveId::from_string(objective.to_string()),
            title: "Objective".into(),
            owner_id: PersonId::from_string(owner.to_string()),
            owner_name: String::new(),
            progress: 0.0,
            progress_change: None,
            status: keel_domain::rhythm::Status::OnTrack,
            status_reason: String::new(),
            confidence_trend: keel_domain::rhythm::Trend::Unknown,
            flags: vec![],
            notes: String::new(),
            decisions: String::new(),
        }],
        created_at: t,
        updated_at: t,
        version: 1,
    };
    app.store
        .insert_review(&WriteCtx::system(Source::Cli), &r)
        .await
        .unwrap();
    r.id.to_string()
}

/// A fresh write token for `person`.
async fn stranger_token_of(app: &TestApp, person: &str) -> String {
    let p = app
        .store
        .person(&PersonId::from_string(person.to_string()))
        .await
        .unwrap()
        .unwrap();
    let (_, token) = tokens::issue(
        app.store.as_ref(),
        &WriteCtx::system(Source::Cli),
        &p,
        "walk",
        TokenScope::Write,
        None,
    )
    .await
    .unwrap();
    token
}

async fn fixture(app: &TestApp, holder: Holder, cycle: &str) -> Fixture {
    let tag = holder.name().replace(' ', "-");
    let roles: &[&str] = match holder {
        Holder::Admin => &["admin"],
        Holder::Champion => &["champion"],
        Holder::TeamLead | Holder::Member => &["member"],
        Holder::Reviewer => &["reviewer"],
        Holder::Analyst => &["analyst"],
        Holder::Hr => &["hr"],
        Holder::Finance => &["finance"],
        Holder::Viewer => &["viewer"],
    };
    let (person, token) = app.person_with_roles(&format!("Role {tag}"), roles).await;
    let (stranger, _) = app.member(&format!("Stranger {tag}")).await;
    let (helper, _) = app.member(&format!("Helper {tag}")).await;
    let other_team = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": format!("Other {tag}"), "lead_id": stranger}),
        )
        .await);
    let lead = (holder == Holder::TeamLead).then(|| person.clone());
    let own_team = id(&app
        .create(
            "/api/v1/teams",
            json!({"name": format!("Own {tag}"), "lead_id": lead}),
        )
        .await);
    let okr = |owner: String, teams: Vec<String>, financial: bool| {
        okr(app, cycle, &tag, &stranger, owner, teams, financial)
    };
    let (fo, fk, fi) = okr(stranger.clone(), vec![other_team.clone()], false).await;
    let (fdo, fdk, _) = okr(stranger.clone(), vec![], false).await;
    // What "own" means for each column (see permissions::Access::Own).
    let (owner, teams, financial) = match holder {
        Holder::TeamLead => (stranger.clone(), vec![own_team.clone()], false),
        Holder::Finance => (stranger.clone(), vec![], true),
        _ => (person.clone(), vec![], false),
    };
    let (oo, ok, oi) = okr(owner.clone(), teams.clone(), financial).await;
    let (odo, odk, _) = okr(owner.clone(), teams, financial).await;
    // Retrospectives to read.
    for o in [&fo, &oo] {
        let r = app
            .req(
                Method::PUT,
                &format!("/api/v1/objectives/{o}/retrospective"),
            )
            .json(&json!({"worked": "steady check-ins"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let spare_cycle = app.cycle(&format!("Spare {tag}")).await;
    let foreign_review = review(app, &other_team, &fo, &stranger).await;
    let own_review = review(app, &own_team, &oo, &owner).await;
    let conversation = |with: String| {
        let token = stranger_token_of(app, &stranger);
        async move {
            let token = token.await;
            let c = app
                .req_as(&token, Method::POST, "/api/v1/conversations")
                .json(&json!({"with_id": with, "notes": "how is it going?"}))
                .send()
                .await
                .unwrap();
            assert_eq!(c.status(), StatusCode::CREATED);
            id(&c.json::<Value>().await.unwrap())
        }
    };
    let foreign_conversation = conversation(helper.clone()).await;
    let own_conversation = conversation(person.clone()).await;
    // Viewers cannot be asked for feedback: their "own" request is the helper's too.
    let asked = if holder == Holder::Viewer {
        helper.clone()
    } else {
        person.clone()
    };
    let feedback = |to: String| {
        let token = stranger_token_of(app, &stranger);
        let fo = fo.clone();
        async move {
            let token = token.await;
            let r = app
                .req_as(&token, Method::POST, "/api/v1/feedback-requests")
                .json(
                    &json!({"okr_id": fo, "addressee_ids": [to], "question": "Is this on track?"}),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            id(&r.json::<Value>().await.unwrap())
        }
    };
    let foreign_feedback = feedback(helper.clone()).await;
    let own_feedback = feedback(asked).await;
    Fixture {
        foreign: Targets {
            person: stranger.clone(),
            team: other_team,
            objective: fo,
            key_result: fk,
            initiative: fi,
            token: issue_token(app, &stranger).await,
            doomed_objective: fdo,
            doomed_key_result: fdk,
            review: foreign_review,
            conversation: foreign_conversation,
            feedback_request: foreign_feedback,
        },
        own: Targets {
            person: person.clone(),
            team: own_team,
            objective: oo,
            key_result: ok,
            initiative: oi,
            token: issue_token(app, &person).await,
            doomed_objective: odo,
            doomed_key_result: odk,
            review: own_review,
            conversation: own_conversation,
            feedback_request: own_feedback,
        },
        person,
        token,
        helper,
        cycle: cycle.to_string(),
        spare_cycle,
    }
}

/// The concrete request for a row on one set of targets.
fn request(rule: &Rule, f: &Fixture, t: &Targets, n: usize) -> (String, Option<Value>) {
    let p = rule.path;
    // Deleting the record itself takes a doomed one (other DELETE rows act on the live ones).
    let delete = rule.method == "DELETE" && (p == "/objectives/{id}" || p == "/key-results/{id}");
    let object = if p.starts_with("/cycles/{id}/close") || p.starts_with("/cycles/{id}/reopen") {
        f.spare_cycle.clone()
    } else if p.starts_with("/reviews/") {
        t.review.clone()
    } else if p.starts_with("/conversations/") {
        t.conversation.clone()
    } else if p.starts_with("/feedback-requests/") {
        t.feedback_request.clone()
    } else if p.starts_with("/okrs/") {
        t.objective.clone()
    } else if p.starts_with("/people/") {
        t.person.clone()
    } else if p.starts_with("/teams/") {
        t.team.clone()
    } else if p.starts_with("/cycles/") {
        f.cycle.clone()
    } else if p.starts_with("/objectives/") {
        if delete {
            t.doomed_objective.clone()
        } else {
            t.objective.clone()
        }
    } else if p.starts_with("/key-results/") {
        if delete {
            t.doomed_key_result.clone()
        } else {
            t.key_result.clone()
        }
    } else if p.starts_with("/initiatives/") {
        t.initiative.clone()
    } else if p.starts_with("/tokens/") {
        t.token.clone()
    } else {
        String::new()
    };
    let mut path = format!(
        "/api/v1{}",
        p.replace("{id}", &object)
            .replace("{objective_id}", &t.objective)
    );
    if p == "/health" {
        path.push_str(&format!("?cycle_id={}", f.cycle));
    }
    let unique = format!("{} {n}", f.person);
    let body = match (rule.method, p) {
        ("POST", "/people") => {
            Some(json!({"name": "Newcomer", "email": format!("new{n}.{}@keel.test", f.person)}))
        }
        ("PATCH", "/people/{id}") => Some(json!({"title": "Renamed"})),
        ("POST", "/teams") => Some(json!({"name": unique})),
        ("POST", "/cycles") => {
            Some(json!({"name": unique, "starts_on": "2027-01-01", "ends_on": "2027-03-31"}))
        }
        ("POST", "/objectives") => Some(json!({"title": "Fresh", "cycle_id": f.cycle})),
        ("POST", "/objectives/{id}/key-results") => {
            Some(json!({"title": "Done", "kind": "boolean"}))
        }
        ("POST", "/key-results/{id}/check-ins") => Some(json!({"value": 1, "confidence": 5})),
        ("POST", "/key-results/{id}/initiatives") => Some(json!({"title": "Try something"})),
        ("POST", path) if path.ends_with("/ownership") => Some(json!({"owner_id": f.helper})),
        ("POST", path) if path.ends_with("/decline") => {
            Some(json!({"reason": "not the right person"}))
        }
        ("POST", "/tokens") => Some(json!({"name": "another"})),
        ("PUT", "/objectives/{id}/status") => {
            Some(json!({"status": "at_risk", "reason": "a supplier slipped"}))
        }
        ("PUT", "/teams/{id}/cadence") => Some(json!({"cadence_days": 14})),
        ("POST", "/key-results/{id}/score") => Some(json!({"score": 0.5, "reason": "half way"})),
        ("PUT", "/objectives/{id}/retrospective") => {
            Some(json!({"worked": "pairing", "did_not": "estimates"}))
        }
        ("PUT", "/reviews/{id}/items/{objective_id}") => {
            Some(json!({"notes": "on it", "decisions": "keep going"}))
        }
        ("POST", "/conversations") => Some(json!({"with_id": f.helper, "notes": "a 1:1"})),
        ("POST", "/feedback-requests") => Some(
            json!({"okr_id": t.objective, "addressee_ids": [f.helper], "question": "How is it going?"}),
        ),
        ("PUT", "/feedback-requests/{id}/answer") => Some(json!({"answer": "well"})),
        ("POST", "/recognitions") => {
            Some(json!({"to_id": f.helper, "okr_id": t.objective, "message": "thank you"}))
        }
        ("PATCH", _) | ("POST", _) => Some(json!({})),
        _ => None,
    };
    (path, body)
}

/// Reads first, then writes (other DELETEs included), answers to ownership, proposals (which
/// change owners), deletions of objectives and key results.
fn phase(r: &Rule) -> (u8, &'static str) {
    let p = r.path;
    let n = match r.method {
        "GET" => 0,
        "DELETE" if p == "/objectives/{id}" || p == "/key-results/{id}" => 5,
        _ if p.ends_with("/accept") => 2,
        _ if p.ends_with("/decline") => 3,
        _ if p.ends_with("/ownership") => 4,
        _ => 1,
    };
    (n, p)
}

async fn send(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut req = app.req_as(token, Method::from_bytes(method.as_bytes()).unwrap(), path);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

fn refused(s: StatusCode) -> bool {
    s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND
}

fn allowed(s: StatusCode) -> bool {
    !refused(s)
        && s != StatusCode::UNAUTHORIZED
        && s != StatusCode::METHOD_NOT_ALLOWED
        && s.as_u16() < 500
}

async fn walk(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let mut rules = permissions::rules();
    rules.sort_by_key(phase);
    let mut failures = vec![];
    let mut n = 0;
    for holder in Holder::ALL {
        let f = fixture(&app, holder, &cycle).await;
        for rule in &rules {
            n += 1;
            let access = rule.access(holder);
            let (path, body) = request(rule, &f, &f.foreign, n);
            let (status, text) = send(&app, &f.token, rule.method, &path, body).await;
            let ok = match access {
                Access::Yes => allowed(status),
                Access::Own | Access::No => refused(status),
            };
            if !ok {
                failures.push(format!(
                    "{} {} {} as {} on someone else's: {status} {text}",
                    access.symbol(),
                    rule.method,
                    rule.path,
                    holder.name()
                ));
            }
            if access != Access::Yes && rule.path.contains("{id}") {
                let (path, body) = request(rule, &f, &f.own, n);
                let (status, text) = send(&app, &f.token, rule.method, &path, body).await;
                let ok = if access == Access::Own {
                    allowed(status)
                } else {
                    refused(status)
                };
                if !ok {
                    failures.push(format!(
                        "{} {} {} as {} on their own: {status} {text}",
                        access.symbol(),
                        rule.method,
                        rule.path,
                        holder.name()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_whole_matrix_holds_on_sqlite() {
    walk(spawn_app().await).await;
}

#[tokio::test]
async fn the_whole_matrix_holds_on_postgres() {
    if !postgres_configured() {
        return;
    }
    walk(spawn_app_on(Db::Postgres).await).await;
}

#[test]
fn every_route_has_a_row() {
    let doc = keel_server::api::openapi_json();
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let rows: BTreeSet<(String, String)> = permissions::rules()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let missing: Vec<_> = routes.difference(&rows).collect();
    let stale: Vec<_> = rows.difference(&routes).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in crates/keel-server/src/permissions.rs: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows for routes that do not exist: {stale:?}"
    );
}

#[test]
fn docs_match_the_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/permissions.md");
    let want = permissions::markdown();
    if std::env::var("KEEL_UPDATE_DOCS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/permissions.md is stale: run KEEL_UPDATE_DOCS=1 cargo test -p keel-server --test api permissions"
    );
}
