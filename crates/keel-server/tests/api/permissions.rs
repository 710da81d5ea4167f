//! The permission matrix (`keel_server::access::matrix`) walked against the running app: for each
//! role, a person holding only that role (the team lead: a member leading a team) tries every
//! route, then (signed in through the sign-in form, with a cookie jar, like a browser) every
//! page. `yes` must not be refused (a page: 200); `no` must be refused (403, or 404 for what
//! they may not see) on someone else's record and on their own; `own` must be refused on
//! someone else's and allowed on their own. Also: every route of the OpenAPI document and every
//! page the UI router registers has a row, and docs/permissions.md is the table's rendering.

use crate::helpers::*;
use keel_domain::{PersonId, Source, TokenScope};
use keel_server::access::matrix::{self, Access, Holder, Kind, Row};
use keel_server::services::tokens;
use keel_store::WriteCtx;
use keel_store::{Notifications, People, Reader, Reviews};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The records one role's checks run on: someone else's ("foreign") and the role's own.
struct Fixture {
    person: String,
    email: String,
    token: String,
    helper: String,
    cycle: String,
    /// A cycle of the role's own for the close and reopen rows (closing the main one would lock
    /// every OKR the other rows act on).
    spare_cycle: String,
    /// A webhook endpoint for the webhook rows, and two to delete (the page's and the API's).
    webhook: String,
    doomed_webhooks: [String; 2],
    /// A registered database for the DELETE row of `/source-databases/{id}`, and one for the
    /// page's remove form.
    source_database: String,
    page_source_database: String,
    /// An automation rule for the rule rows, and two to delete (the page's and the API's).
    rule: String,
    doomed_rules: [String; 2],
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
    /// A token for the revoke form of the pages (`token` stays for the API's DELETE).
    revocable_token: String,
    /// An objective and key result of the same kind for the ownership forms of the pages (the
    /// API's ownership rows need theirs as they were).
    handover_objective: String,
    handover_key_result: String,
    /// A check-in on `key_result`: the role's own where they may check in on it (own), else
    /// the administrator's (foreign, and own for roles that may not check in there).
    check_in: String,
    /// A KPI owned by the stranger (foreign) or the role (own), one more to delete, an ingest
    /// token of `key_result` and one of `kpi`.
    kpi: String,
    doomed_kpi: String,
    key_result_token: String,
    kpi_token: String,
    /// The note of `conversation` told to its other person (the helper, or the role).
    notification: String,
    /// A dependency of `key_result` (on `handover_key_result`), for the DELETE row.
    dependency: String,
    /// A dependency on `key_result` (of `doomed_key_result` of the other kind), for the accept
    /// and decline rows: its answerer is `key_result`'s owner.
    asked_dependency: String,
    /// Another dependency of `key_result`, for the page's remove form (the API's DELETE row has
    /// its own).
    page_dependency: String,
}

/// The notification `person` received about `subject` (the 1:1 notes of the fixture).
async fn notification_of(app: &TestApp, person: &str, subject: &str) -> String {
    let page = app
        .store
        .list_notifications(
            &PersonId::from_string(person),
            &Reader::Everyone,
            &Default::default(),
        )
        .await
        .unwrap();
    let n = page.items.iter().find(|n| n.subject_id == subject);
    n.expect("the 1:1's other person is told of its note")
        .id
        .to_string()
}

/// A check-in on `kr` by `token`'s person, else (refused) by the administrator.
async fn check_in_on(app: &TestApp, token: &str, kr: &str) -> String {
    let path = format!("/api/v1/key-results/{kr}/check-ins");
    let body = json!({"value": 1, "confidence": 5});
    let r = app
        .req_as(token, Method::POST, &path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let r = if r.status() == StatusCode::CREATED {
        r
    } else {
        app.req(Method::POST, &path)
            .json(&body)
            .send()
            .await
            .unwrap()
    };
    assert_eq!(r.status(), StatusCode::CREATED);
    id(&r.json::<Value>().await.unwrap()["check_in"])
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
    // What "own" means for each column (see matrix::Access::Own).
    let (owner, teams, financial) = match holder {
        Holder::TeamLead => (stranger.clone(), vec![own_team.clone()], false),
        Holder::Finance => (stranger.clone(), vec![], true),
        _ => (person.clone(), vec![], false),
    };
    let (oo, ok, oi) = okr(owner.clone(), teams.clone(), financial).await;
    let (odo, odk, _) = okr(owner.clone(), teams.clone(), financial).await;
    // The holder accepts what they own (a proposed owner only reads, accepts or declines: issue
    // 13); the handover pair below stays proposed, for the pages' accept and decline forms, and
    // a stranger's stays proposed, for the API's.
    if owner == person {
        accept(app, &owner, &[&oo, &odo], &[&ok, &odk]).await;
    }
    let (fho, fhk, _) = okr(stranger.clone(), vec![], false).await;
    let (oho, ohk, _) = okr(owner.clone(), teams, financial).await;
    retrospectives(app, &[&fo, &oo]).await;
    let spare_cycle = app.cycle(&format!("Spare {tag}")).await;
    let foreign_review = review(app, &other_team, &fo, &stranger).await;
    let own_review = review(app, &own_team, &oo, &owner).await;
    let foreign_conversation = conversation(app, &stranger, &helper).await;
    let own_conversation = conversation(app, &stranger, &person).await;
    // Viewers cannot be asked for feedback: their "own" request is the helper's too.
    let asked = if holder == Holder::Viewer {
        helper.clone()
    } else {
        person.clone()
    };
    let foreign_feedback = feedback(app, &stranger, &fo, &helper).await;
    let foreign_notification = notification_of(app, &helper, &foreign_conversation).await;
    let own_notification = notification_of(app, &person, &own_conversation).await;
    let foreign_check_in = check_in_on(app, &app.token, &fk).await;
    let own_check_in = check_in_on(app, &token, &ok).await;
    let own_feedback = feedback(app, &stranger, &fo, &asked).await;
    let foreign_dependency = depend(app, &fk, &fhk).await;
    let own_dependency = depend(app, &ok, &ohk).await;
    let foreign_asked = depend(app, &odk, &fk).await;
    let own_asked = depend(app, &fdk, &ok).await;
    let foreign_data = data_targets(app, &stranger, &fk).await;
    let own_data = data_targets(app, &person, &ok).await;
    // The doomed key results have a source too: the page's remove form takes theirs.
    for kr in [&fdk, &odk] {
        let target = keel_domain::KeyResultId::from_string(kr.clone());
        pull_source(app, keel_domain::data_feed::FeedTarget::KeyResult(target)).await;
    }
    let (webhook, doomed_webhooks) = (webhook(app).await, [webhook(app).await, webhook(app).await]);
    let (rule, doomed_rules) = (
        automation_rule(app).await,
        [automation_rule(app).await, automation_rule(app).await],
    );
    let foreign_page_dependency = depend(app, &fk, &ohk).await;
    let own_page_dependency = depend(app, &ok, &fhk).await;
    Fixture {
        webhook,
        doomed_webhooks,
        source_database: source_database(app).await,
        page_source_database: source_database(app).await,
        rule,
        doomed_rules,
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
            revocable_token: issue_token(app, &stranger).await,
            handover_objective: fho,
            handover_key_result: fhk,
            check_in: foreign_check_in,
            notification: foreign_notification,
            dependency: foreign_dependency,
            asked_dependency: foreign_asked,
            kpi: foreign_data.0,
            doomed_kpi: foreign_data.1,
            key_result_token: foreign_data.2,
            kpi_token: foreign_data.3,
            page_dependency: foreign_page_dependency,
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
            revocable_token: issue_token(app, &person).await,
            handover_objective: oho,
            handover_key_result: ohk,
            check_in: own_check_in,
            notification: own_notification,
            dependency: own_dependency,
            asked_dependency: own_asked,
            kpi: own_data.0,
            doomed_kpi: own_data.1,
            key_result_token: own_data.2,
            kpi_token: own_data.3,
            page_dependency: own_page_dependency,
        },
        person,
        email: format!("role.{tag}@keel.test"),
        token,
        helper,
        cycle: cycle.to_string(),
        spare_cycle,
    }
}

/// A 1:1 conversation the stranger opens with `with`.
async fn conversation(app: &TestApp, stranger: &str, with: &str) -> String {
    let token = stranger_token_of(app, stranger).await;
    let c = app
        .req_as(&token, Method::POST, "/api/v1/conversations")
        .json(&json!({"with_id": with, "notes": "how is it going?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(c.status(), StatusCode::CREATED);
    id(&c.json::<Value>().await.unwrap())
}

/// A feedback request the stranger sends `to` about objective `okr`.
async fn feedback(app: &TestApp, stranger: &str, okr: &str, to: &str) -> String {
    let token = stranger_token_of(app, stranger).await;
    let r = app
        .req_as(&token, Method::POST, "/api/v1/feedback-requests")
        .json(&json!({"okr_id": okr, "addressee_ids": [to], "question": "Is this on track?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    id(&r.json::<Value>().await.unwrap())
}

/// A KPI owned by `owner`, created by the administrator.
async fn kpi(app: &TestApp, owner: &str) -> String {
    id(&app
        .create(
            "/api/v1/kpis",
            json!({"name": "Uptime", "unit": "%", "corridor_min": 99.5, "owner_id": owner}),
        )
        .await)
}

/// An ingest token of a key result or KPI (`path` is its collection), made by the administrator.
async fn ingest_token(app: &TestApp, path: &str) -> String {
    id(&app.create(path, json!({"name": "walk"})).await)
}

/// A webhook endpoint, registered straight in the store (its secret is never opened here).
async fn webhook(app: &TestApp) -> String {
    let now = chrono::Utc::now();
    let e = keel_store::WebhookEndpoint {
        id: keel_domain::WebhookId::generate(),
        url: "https://hooks.example.com/keel".into(),
        events: vec![keel_domain::webhook::WebhookEvent::CycleClosed],
        format: Default::default(),
        secret_sealed: "v1:not-a-real-secret".into(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    keel_store::Webhooks::insert_webhook(app.store.as_ref(), &WriteCtx::system(Source::Cli), &e)
        .await
        .unwrap();
    e.id.to_string()
}

/// An automation rule, stored straight in the store.
async fn automation_rule(app: &TestApp) -> String {
    use keel_domain::automation::{Action, AutomationRule, RuleRole, Trigger};
    let now = chrono::Utc::now();
    let r = AutomationRule {
        id: keel_domain::AutomationRuleId::generate(),
        name: "Off track → sponsor".into(),
        enabled: true,
        trigger: Trigger::CheckInOverdue { days: 7 },
        conditions: Default::default(),
        action: Action::NotifyRole {
            role: RuleRole::Sponsor,
        },
        created_at: now,
        updated_at: now,
        version: 1,
    };
    keel_store::AutomationRules::insert_automation_rule(
        app.store.as_ref(),
        &WriteCtx::system(Source::Cli),
        &r,
    )
    .await
    .unwrap();
    r.id.to_string()
}

/// A KPI owned by `owner`, another to delete, an ingest token of key result `kr` and one of
/// the KPI.
async fn data_targets(app: &TestApp, owner: &str, kr: &str) -> (String, String, String, String) {
    let k = kpi(app, owner).await;
    let doomed = kpi(app, owner).await;
    let kr_token = ingest_token(app, &format!("/api/v1/key-results/{kr}/ingest-tokens")).await;
    let kpi_token = ingest_token(app, &format!("/api/v1/kpis/{k}/ingest-tokens")).await;
    pull_source(
        app,
        keel_domain::data_feed::FeedTarget::KeyResult(keel_domain::KeyResultId::from_string(kr)),
    )
    .await;
    // The doomed KPI has a source too: the page's remove form takes it.
    for kpi in [&k, &doomed] {
        let target = keel_domain::KpiId::from_string(kpi.clone());
        pull_source(app, keel_domain::data_feed::FeedTarget::Kpi(target)).await;
    }
    (k, doomed, kr_token, kpi_token)
}

/// A pulled source of `target`, set straight in the store (the API tries a source before it
/// saves it; this one points nowhere, so running it records a failure).
async fn pull_source(app: &TestApp, target: keel_domain::data_feed::FeedTarget) {
    use keel_domain::pull::{PullKind, PullSchedule, PullSource, PullState};
    let now = chrono::Utc::now();
    let s = PullSource {
        id: keel_domain::PullSourceId::generate(),
        target,
        name: "Walk".into(),
        kind: PullKind::Http,
        url: Some("http://127.0.0.1:9/nothing".into()),
        json_pointer: Some(String::new()),
        header_names: vec![],
        database_id: None,
        query: None,
        schedule: PullSchedule::Daily,
        created_by: None,
        created_at: now,
        updated_at: now,
        version: 1,
        state: PullState {
            next_run_at: now + chrono::Duration::days(1),
            ..Default::default()
        },
    };
    keel_store::PullSources::insert_pull_source(
        app.store.as_ref(),
        &WriteCtx::system(Source::Cli),
        &s,
        None,
    )
    .await
    .unwrap();
}

/// A registered database for the DELETE row, straight in the store (never connected to).
async fn source_database(app: &TestApp) -> String {
    let db = keel_domain::pull::SourceDatabase {
        id: keel_domain::SourceDatabaseId::generate(),
        name: format!("Warehouse {}", uuid::Uuid::now_v7()),
        created_by: None,
        created_at: chrono::Utc::now(),
    };
    keel_store::PullSources::insert_source_database(
        app.store.as_ref(),
        &WriteCtx::system(Source::Cli),
        &db,
        "v1:not-a-real-url",
    )
    .await
    .unwrap();
    db.id.to_string()
}

/// Retrospectives to read, written by the administrator.
async fn retrospectives(app: &TestApp, objectives: &[&str]) {
    for o in objectives {
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
}

/// The administrator asks that key result `from` depend on `on`: the dependency's id.
async fn depend(app: &TestApp, from: &str, on: &str) -> String {
    id(&app
        .create(
            &format!("/api/v1/key-results/{from}/dependencies"),
            json!({"depends_on": on}),
        )
        .await)
}

/// `owner` accepts these objectives and key results.
async fn accept(app: &TestApp, owner: &str, objectives: &[&str], key_results: &[&str]) {
    let token = stranger_token_of(app, owner).await;
    let paths = objectives
        .iter()
        .map(|o| format!("/api/v1/objectives/{o}/ownership/accept"))
        .chain(
            key_results
                .iter()
                .map(|k| format!("/api/v1/key-results/{k}/ownership/accept")),
        );
    for path in paths {
        let r = app
            .req_as(&token, Method::POST, &path)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
}

/// The concrete request for a row on one set of targets.
fn request(rule: &Row, f: &Fixture, t: &Targets, n: usize) -> (String, Option<Value>) {
    let p = rule.path;
    // Deleting the record itself takes a doomed one (other DELETE rows act on the live ones).
    let delete = rule.method == "DELETE"
        && (p == "/objectives/{id}" || p == "/key-results/{id}" || p == "/kpis/{id}");
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
    } else if p.starts_with("/me/notifications/") {
        t.notification.clone()
    } else if p.starts_with("/dependencies/") {
        t.asked_dependency.clone()
    } else if p.starts_with("/kpis/") {
        if delete {
            t.doomed_kpi.clone()
        } else {
            t.kpi.clone()
        }
    } else if p.starts_with("/webhooks/") && rule.method == "DELETE" {
        f.doomed_webhooks[1].clone()
    } else if p.starts_with("/webhooks/") {
        f.webhook.clone()
    } else if p.starts_with("/source-databases/") {
        f.source_database.clone()
    } else if p.starts_with("/automation-rules/{id}") && rule.method == "DELETE" {
        f.doomed_rules[1].clone()
    } else if p.starts_with("/automation-rules/{id}") {
        f.rule.clone()
    } else {
        String::new()
    };
    let mut path = format!(
        "/api/v1{}",
        p.replace("{id}", &object)
            .replace("{objective_id}", &t.objective)
            .replace("{check_in_id}", &t.check_in)
            .replace("{dep_id}", &t.dependency)
            .replace(
                "{token_id}",
                if p.starts_with("/kpis/") {
                    &t.kpi_token
                } else {
                    &t.key_result_token
                },
            )
    );
    if p == "/health" {
        path.push_str(&format!("?cycle_id={}", f.cycle));
    }
    if team_scoped(p) {
        path.push_str(&format!("?team_id={}", t.team));
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
        ("POST", "/key-results/{id}/values") => Some(json!({"value": 2, "confidence": 5})),
        ("POST", "/kpis") => Some(json!({"name": unique})),
        ("POST", "/kpis/{id}/values") => Some(json!({"value": 99.9})),
        ("POST", "/key-results/{id}/ingest-tokens") | ("POST", "/kpis/{id}/ingest-tokens") => {
            Some(json!({"name": "another"}))
        }
        ("POST", "/key-results/{id}/initiatives") => Some(json!({"title": "Try something"})),
        // Refused for its URL when allowed: the walk never connects to a database.
        ("POST", "/source-databases") => Some(json!({"name": unique, "url": "mysql://walk"})),
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
fn phase(r: &Row) -> (u8, &'static str) {
    let p = r.path;
    let n = match r.method {
        "GET" => 0,
        "DELETE" if p == "/objectives/{id}" || p == "/key-results/{id}" || p == "/kpis/{id}" => 5,
        // A source is removed after the rows that run it and read its runs.
        "DELETE" if p.ends_with("/source") => 5,
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
    let mut rules = matrix::rows();
    rules.retain(|r| r.kind == Kind::Api);
    rules.sort_by_key(phase);
    // Pages, then forms (the password forms last: a reset ends sessions).
    let mut pages: Vec<Row> = matrix::rows()
        .into_iter()
        .filter(|r| r.kind == Kind::Page)
        .collect();
    // Ownership forms act on records of their own, answers before proposals (as the API's phases).
    pages.sort_by_key(|r| {
        let p = r.path;
        let ownership = if p.ends_with("/accept") {
            1
        } else if p.ends_with("/decline") {
            2
        } else if p.ends_with("/ownership") {
            3
        } else {
            0
        };
        (r.method != "GET", p.ends_with("/password"), ownership)
    });
    let mut failures = vec![];
    let mut n = 0;
    for holder in Holder::ALL {
        let f = fixture(&app, holder, &cycle).await;
        // Pages first: they only read, and the API rows below change owners and delete.
        let browser = Browser::signed_in(&app, &f.person, &f.email).await;
        for rule in &pages {
            failures.extend(walk_page(&browser, rule, holder, &f).await);
        }
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
            if access != Access::Yes && (rule.path.contains("{id}") || team_scoped(rule.path)) {
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

/// The concrete path of a page row on one set of targets.
fn page_path(rule: &Row, f: &Fixture, t: &Targets) -> String {
    let p = rule.path;
    let object = if p.starts_with("/account/tokens/") {
        &t.revocable_token
    } else if p.starts_with("/admin/people/") {
        &t.person
    } else if p.starts_with("/admin/teams/") || p.starts_with("/teams/") {
        &t.team
    } else if p.ends_with("/close") || p.ends_with("/reopen") {
        // Closing the main cycle would lock every OKR the other rows act on.
        &f.spare_cycle
    } else if p.starts_with("/admin/cycles/") {
        &f.cycle
    } else if p.starts_with("/objectives/") && p.contains("/ownership") {
        &t.handover_objective
    } else if p.starts_with("/key-results/") && p.contains("/ownership") {
        &t.handover_key_result
    } else if p.starts_with("/kpis/") && p.ends_with("/source/remove") {
        // The API's rows run and read the main KPI's source afterwards.
        &t.doomed_kpi
    } else if p.ends_with("/source/remove") {
        // The API's rows run and read the main key result's source afterwards.
        &t.doomed_key_result
    } else if p.starts_with("/objectives/") {
        &t.objective
    } else if p.starts_with("/key-results/") {
        &t.key_result
    } else if p.starts_with("/initiatives/") {
        &t.initiative
    } else if p.starts_with("/reviews/") {
        &t.review
    } else if p.starts_with("/conversations/") {
        &t.conversation
    } else if p.starts_with("/feedback/") || p.starts_with("/feedback-requests/") {
        &t.feedback_request
    } else if p.starts_with("/people/") {
        &t.person
    } else if p.starts_with("/cycles/") {
        &f.cycle
    } else if p.starts_with("/notifications/") {
        &t.notification
    } else if p.starts_with("/kpis/") {
        &t.kpi
    } else if p.starts_with("/admin/webhooks/") && p.ends_with("/delete") {
        &f.doomed_webhooks[0]
    } else if p.starts_with("/admin/webhooks/") {
        &f.webhook
    } else if p.starts_with("/admin/source-databases/") {
        &f.page_source_database
    } else if p.starts_with("/admin/automation/") && p.ends_with("/delete") {
        &f.doomed_rules[0]
    } else if p.starts_with("/admin/automation/") {
        &f.rule
    } else if p.starts_with("/dependencies/") {
        &t.asked_dependency
    } else {
        ""
    };
    let token = if p.starts_with("/kpis/") {
        &t.kpi_token
    } else {
        &t.key_result_token
    };
    let mut path = p
        .replace("{id}", object)
        .replace("{objective_id}", &t.objective)
        .replace("{check_in_id}", &t.check_in)
        .replace("{token_id}", token)
        .replace("{dep_id}", &t.page_dependency);
    if p == "/health" && rule.method == "GET" {
        path.push_str(&format!("?cycle_id={}", f.cycle));
    }
    if team_scoped(p) {
        path.push_str(&format!("?team_id={}", t.team));
    }
    path
}

/// Rows about the people of a team (the reports a team lead reads for their own teams): walked
/// narrowed to someone else's team, then to their own, as rows about one record are.
fn team_scoped(path: &str) -> bool {
    path.starts_with("/reports/participation")
        || path.starts_with("/reports/calibration")
        || path.starts_with("/reports/compliance")
}

/// The fields a form row is submitted with. The walk asks whether the form is refused, not
/// what it saves: the OKR forms validate before they check permissions, so they get valid
/// fields, and the edits a stale version (an allowed edit answers a conflict, nothing written);
/// the other forms get none (an allowed empty form answers its validation).
fn form_fields(rule: &Row, f: &Fixture) -> Vec<(&'static str, String)> {
    let objective = |version: Option<&str>| {
        let mut v = vec![
            ("title", "Walked".to_string()),
            ("cycle_id", f.cycle.clone()),
            ("owner_id", f.person.clone()),
            ("kind", "committed".to_string()),
            ("visibility", "public".to_string()),
            ("state", "draft".to_string()),
        ];
        v.extend(version.map(|n| ("version", n.to_string())));
        v
    };
    let key_result = |version: Option<&str>| {
        let mut v = vec![
            ("title", "Walked".to_string()),
            ("metric_kind", "increase".to_string()),
            ("start", "0".to_string()),
            ("target", "10".to_string()),
            ("current", "0".to_string()),
            ("weight", "1".to_string()),
        ];
        v.extend(version.map(|n| ("version", n.to_string())));
        v
    };
    match rule.path {
        "/objectives/new" => objective(None),
        "/objectives/{id}/edit" => objective(Some("0")),
        "/objectives/{id}/key-results/new" => key_result(None),
        "/key-results/{id}/edit" => key_result(Some("0")),
        "/objectives/{id}/ownership" | "/key-results/{id}/ownership" => vec![
            ("owner_id", f.helper.clone()),
            ("note", "a better fit".to_string()),
            ("fit.legitimacy", "on".to_string()),
        ],
        // Valid fields: these forms check permission first, and an allowed one then saves.
        "/objectives/{id}/status" => vec![
            ("status", "at_risk".to_string()),
            ("reason", "a supplier slipped".to_string()),
        ],
        "/conversations" => vec![
            ("with_id", f.helper.clone()),
            ("notes", "a 1:1".to_string()),
        ],
        "/feedback" => vec![
            ("okr_id", f.foreign.objective.clone()),
            ("addressee_ids", f.helper.clone()),
            ("question", "How is it going?".to_string()),
        ],
        "/kpis" => vec![("name", format!("Walked {}", f.person))],
        "/kpis/{id}/values" => vec![("value", "99.9".to_string())],
        "/kpis/{id}/ingest-tokens" | "/key-results/{id}/ingest-tokens" => {
            vec![("name", "walked".to_string())]
        }
        "/recognitions" => vec![
            ("to_id", f.helper.clone()),
            ("okr_id", f.foreign.objective.clone()),
            ("message", "thank you".to_string()),
        ],
        _ => vec![],
    }
}

/// One page row for one holder: someone else's record, then (for `own` and `no` cells of pages
/// about one record) their own. A page allowed is 200 (or, for a page that opens something, a
/// redirect elsewhere than the sign-in page); a form allowed is anything but refused,
/// a server error or a trip to the sign-in page; refused is 403 or 404.
async fn walk_page(b: &Browser, rule: &Row, holder: Holder, f: &Fixture) -> Vec<String> {
    let access = rule.access(holder);
    let mut failures = vec![];
    let check = |t: &Targets, whose: &str, allow: bool| {
        let path = page_path(rule, f, t);
        let fields = form_fields(rule, f);
        let whose = whose.to_string();
        async move {
            let (status, text, to) = if rule.method == "GET" {
                let r = b.get(&path).await;
                let to = Some(location(&r)).filter(|l| !l.is_empty());
                (r.status(), r.text().await.unwrap_or_default(), to)
            } else {
                let form: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let r = b.submit(&path, &form).await;
                let to = Some(location(&r)).filter(|l| !l.is_empty());
                (r.status(), r.text().await.unwrap_or_default(), to)
            };
            let to_sign_in = to.as_deref().is_some_and(|l| l.starts_with("/sign-in"));
            // A page that opens something (a notification) lands on it: a redirect.
            let lands = status == StatusCode::SEE_OTHER && to.is_some() && !to_sign_in;
            let ok = match (allow, rule.method) {
                (true, "GET") => status == StatusCode::OK || lands,
                (true, _) => allowed(status) && !to_sign_in,
                (false, _) => refused(status),
            };
            (!ok).then(|| {
                let text: String = text.chars().take(300).collect();
                format!(
                    "{} page {} {} as {} on {whose}: {status} {text}",
                    access.symbol(),
                    rule.method,
                    rule.path,
                    holder.name()
                )
            })
        }
    };
    failures.extend(check(&f.foreign, "someone else's", access == Access::Yes).await);
    if access != Access::Yes && (rule.path.contains("{id}") || team_scoped(rule.path)) {
        failures.extend(check(&f.own, "their own", access == Access::Own).await);
    }
    failures
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
    let rows: BTreeSet<(String, String)> = matrix::rows()
        .iter()
        .filter(|r| r.kind == Kind::Api)
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let missing: Vec<_> = routes.difference(&rows).collect();
    let stale: Vec<_> = rows.difference(&routes).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in crates/keel-server/src/access/matrix.rs: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows for routes that do not exist: {stale:?}"
    );
}

/// The Rust files under `dir`, at any depth.
fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The routes registered by `crates/keel-server/src/ui/**/*.rs`: each `.route("path", …)` call
/// with the methods (`get(`, `post(`) its handler expression names.
fn ui_routes() -> BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut routes = BTreeSet::new();
    for path in rust_files(&dir) {
        let src = std::fs::read_to_string(&path).unwrap();
        for chunk in src.split(".route(").skip(1) {
            let Some(rest) = chunk.trim_start().strip_prefix('"') else {
                continue;
            };
            let Some((route, rest)) = rest.split_once('"') else {
                continue;
            };
            // The handler expression: up to the parenthesis closing `.route(`.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(rest.len(), |(i, _)| i);
            let handler = &rest[..end];
            for method in ["get", "post", "put", "patch", "delete"] {
                let called = handler.match_indices(&format!("{method}(")).any(|(i, _)| {
                    !handler[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if called {
                    routes.insert((method.to_uppercase(), route.to_string()));
                }
            }
        }
    }
    routes
}

#[test]
fn every_page_has_a_row() {
    let routes = ui_routes();
    assert!(
        routes.contains(&("GET".to_string(), "/my-week".to_string())),
        "the route scan of src/ui found no pages: {routes:?}"
    );
    let rows: BTreeSet<(String, String)> = matrix::rows()
        .iter()
        .filter(|r| r.kind == Kind::Page)
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .chain(
            matrix::PUBLIC_PAGES
                .iter()
                .map(|(m, p)| (m.to_string(), p.to_string())),
        )
        .collect();
    let missing: Vec<String> = routes
        .iter()
        .filter(|r| !rows.contains(*r))
        .map(|(m, p)| format!("    (\"{m}\", \"{p}\", \"yyyyyyyyy\", \"why, in a few words\"),"))
        .collect();
    assert!(
        missing.is_empty(),
        "pages without a row: add to PAGES in crates/keel-server/src/access/matrix.rs (one cell per \
         column: admin, champion, team lead, member, reviewer, analyst, hr, finance, viewer; \
         y, o or n; `o` where it depends on whose record `{{id}}` is, and if `page_path` in \
         crates/keel-server/tests/api/permissions.rs does not know that record yet, teach it), \
         then run KEEL_UPDATE_DOCS=1 cargo test -p keel-server --test api permissions:\n{}",
        missing.join("\n")
    );
    let stale: Vec<_> = rows.difference(&routes).collect();
    assert!(
        stale.is_empty(),
        "page rows for routes the UI does not register: {stale:?}"
    );
}

#[test]
fn docs_match_the_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/permissions.md");
    let want = matrix::markdown();
    if std::env::var("KEEL_UPDATE_DOCS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/permissions.md is stale: run KEEL_UPDATE_DOCS=1 cargo test -p keel-server --test api permissions"
    );
}
