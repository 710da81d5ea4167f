#![allow(clippy::cloned_ref_to_slice_refs)]
//! One conformance suite for every backend: each test is written once against `DynStore` and run
//! on SQLite (a fresh file per test) and on PostgreSQL (a fresh database per test) when
//! `KEEL_TEST_POSTGRES_URL` is set. With `CI=true` and no PostgreSQL URL, the PostgreSQL tests
//! fail rather than silently skip.

use chrono::{DateTime, Duration, Utc};
use keel_domain::*;
use keel_store::*;
use std::collections::HashSet;
use std::future::Future;

// ---------------------------------------------------------------------------------------------
// Harness

struct Harness {
    store: DynStore,
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    PgDatabase { admin_url: String, name: String },
}

async fn sqlite_harness() -> Harness {
    let dir = std::env::temp_dir().join(format!("keel-store-test-{}", uuid::Uuid::now_v7()));
    // The directory does not exist yet: open() must create it.
    let url = format!("sqlite://{}", dir.join("keel.db").display());
    let store = keel_store::open(&url).await.expect("open sqlite");
    Harness {
        store,
        url,
        cleanup: Cleanup::Dir(dir),
    }
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    format!("{}/{db}{query}", &base[..host_end])
}

async fn pg_harness() -> Option<Harness> {
    use sqlx::Connection;
    let admin_url = match std::env::var("KEEL_TEST_POSTGRES_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => {
            if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
                panic!(
                    "CI=true but KEEL_TEST_POSTGRES_URL is not set: the PostgreSQL conformance \
                     tests must run in CI (e.g. KEEL_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres)"
                );
            }
            eprintln!("skipping PostgreSQL conformance test: KEEL_TEST_POSTGRES_URL is not set");
            return None;
        }
    };
    let name = format!("keel_test_{}", uuid::Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to KEEL_TEST_POSTGRES_URL");
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create test database");
    admin.close().await.ok();
    let url = with_database(&admin_url, &name);
    let store = keel_store::open(&url).await.expect("open postgres");
    Some(Harness {
        store,
        url,
        cleanup: Cleanup::PgDatabase { admin_url, name },
    })
}

impl Harness {
    async fn finish(self) {
        drop(self.store);
        match self.cleanup {
            Cleanup::Dir(d) => {
                std::fs::remove_dir_all(d).ok();
            }
            Cleanup::PgDatabase { admin_url, name } => {
                use sqlx::Connection;
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await
                        .ok();
                }
            }
        }
    }
}

async fn run_sqlite<F, Fut>(test: F)
where
    F: FnOnce(DynStore, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let h = sqlite_harness().await;
    test(h.store.clone(), h.url.clone()).await;
    h.finish().await;
}

async fn run_pg<F, Fut>(test: F)
where
    F: FnOnce(DynStore, String) -> Fut,
    Fut: Future<Output = ()>,
{
    if let Some(h) = pg_harness().await {
        test(h.store.clone(), h.url.clone()).await;
        h.finish().await;
    }
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::run_sqlite(super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::run_pg(super::$name).await;
                }
            )*
        }
    };
}

conformance!(
    round_trip_every_record,
    email_is_unique_case_insensitively,
    stale_versions_are_refused,
    soft_deleted_objectives_are_invisible,
    filters_and_pagination,
    bad_cursors_are_refused,
    concurrent_check_ins_all_land,
    many_concurrent_check_ins_are_grouped_correctly,
    back_dated_check_in_keeps_newer_value,
    writes_are_audited,
    tokens,
    sessions,
    sign_in_throttles,
    oidc_logins_are_taken_once,
    snapshot_is_all_or_nothing,
    migrations_are_idempotent,
    references_are_checked,
    co_owners_round_trip,
    ownership_requests_flow,
    ownership_requests_listing,
    team_and_person_views,
    snapshot_with_ownership,
    snapshot_with_rhythm,
    visibility_filter,
    audit_is_append_only,
    financial_flag_and_admin_count,
    rhythm_records_round_trip,
    reviews_and_cfrs_round_trip,
    recognitions_by_person_and_okrs,
    feedback_requests_page_without_cut_off,
    recognitions_page_without_cut_off,
    weekly_check_in_is_all_or_nothing,
    check_ins_of_key_results,
    initiatives_of_key_results,
    children_of_an_objective_and_its_key_results,
    carry_over_is_all_or_nothing,
    key_results_by_ids,
    settings_written_by_another_server_are_seen,
);

// ---------------------------------------------------------------------------------------------
// Fixtures

fn now() -> DateTime<Utc> {
    // Stored with microsecond precision.
    DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap()
}

fn ctx() -> WriteCtx {
    WriteCtx {
        actor_id: None,
        source: Source::Api,
        request_id: Some("req-1".into()),
    }
}

fn person(name: &str, email: &str) -> Person {
    Person {
        id: PersonId::generate(),
        name: name.into(),
        email: Email::parse("email", email).unwrap(),
        title: "Engineer".into(),
        manager_id: None,
        active: true,
        roles: vec![Role::Member],
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

fn team(name: &str) -> Team {
    Team {
        id: TeamId::generate(),
        name: name.into(),
        parent_id: None,
        lead_id: None,
        member_ids: vec![],
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

fn cycle(name: &str) -> Cycle {
    Cycle {
        id: CycleId::generate(),
        name: name.into(),
        starts_on: "2026-01-01".parse().unwrap(),
        ends_on: "2026-03-31".parse().unwrap(),
        parent_id: None,
        state: CycleState::Active,
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

fn objective(cycle: &CycleId, owner: &PersonId) -> Objective {
    Objective {
        id: ObjectiveId::generate(),
        title: "Delight new customers".into(),
        description: "So they stay".into(),
        cycle_id: cycle.clone(),
        owner_id: owner.clone(),
        ownership_state: OwnershipState::Accepted,
        co_owner_ids: vec![],
        sponsor_id: None,
        contributor_ids: vec![],
        team_ids: vec![],
        parents: vec![],
        kind: ObjectiveKind::Committed,
        state: ObjectiveState::Active,
        visibility: Visibility::Public,
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

fn key_result(objective: &ObjectiveId, owner: &PersonId) -> KeyResult {
    KeyResult {
        id: KeyResultId::generate(),
        objective_id: objective.clone(),
        title: "Day-7 activation from 32% to 55%".into(),
        description: String::new(),
        owner_id: owner.clone(),
        ownership_state: OwnershipState::Accepted,
        co_owner_ids: vec![],
        sponsor_id: None,
        contributor_ids: vec![],
        team_ids: vec![],
        metric_kind: MetricKind::Increase,
        start: 32.0,
        target: 55.0,
        current: 32.0,
        unit: "%".into(),
        weight: 1.0,
        milestones: vec![],
        confidence: None,
        financial: false,
        last_check_in_at: None,
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

fn check_in(kr: &KeyResultId, value: f64, at: DateTime<Utc>) -> CheckIn {
    CheckIn {
        id: CheckInId::generate(),
        key_result_id: kr.clone(),
        value,
        confidence: Confidence::new(7, ConfidenceScale::ZeroToTen).unwrap(),
        note: "steady".into(),
        author_id: None,
        at,
        created_at: now(),
    }
}

fn initiative(kr: &KeyResultId, owner: &PersonId) -> Initiative {
    Initiative {
        id: InitiativeId::generate(),
        key_result_id: kr.clone(),
        title: "Onboarding emails".into(),
        owner_id: owner.clone(),
        state: InitiativeState::Active,
        link: Some("https://tracker.example/1".into()),
        reason: None,
        created_at: now(),
        updated_at: now(),
        version: 1,
        active_since: Some(now()),
        value_at_activation: Some(2.0),
    }
}

/// An owner, a cycle, an objective and a key result.
struct Basic {
    owner: Person,
    cycle: Cycle,
    objective: Objective,
    kr: KeyResult,
}

async fn basic(s: &DynStore) -> Basic {
    let owner = person("Ada", &format!("ada-{}@example.com", uuid::Uuid::now_v7()));
    s.insert_person(&ctx(), &owner).await.unwrap();
    let cycle = cycle(&format!("Q1 {}", uuid::Uuid::now_v7()));
    s.insert_cycle(&ctx(), &cycle).await.unwrap();
    let objective = objective(&cycle.id, &owner.id);
    s.insert_objective(&ctx(), &objective, None).await.unwrap();
    let kr = key_result(&objective.id, &owner.id);
    s.insert_key_result(&ctx(), &kr, None).await.unwrap();
    Basic {
        owner,
        cycle,
        objective,
        kr,
    }
}

fn applied(kr: &KeyResult, c: &CheckIn) -> KeyResult {
    let mut k = kr.clone();
    k.apply_value(c.value).unwrap();
    k.confidence = Some(c.confidence.value());
    k.last_check_in_at = Some(c.at);
    k
}

fn page(limit: u32, cursor: Option<String>) -> PageRequest {
    PageRequest { limit, cursor }
}

// ---------------------------------------------------------------------------------------------
// Tests

async fn round_trip_every_record(s: DynStore, _url: String) {
    assert!(s.is_empty().await.unwrap());
    assert_eq!(s.settings().await.unwrap(), OrgSettings::default());
    let settings = OrgSettings {
        name: "Acme".into(),
        time_zone: "Europe/Paris".into(),
        ownership_policy: OwnershipPolicy::Shared,
        confidence_scale: ConfidenceScale::ThreeLevel,
        check_in_weekday: Weekday::Thursday,
        health: keel_domain::HealthThresholds {
            owner_overload: 4,
            ..Default::default()
        },
        rhythm: keel_domain::RhythmSettings {
            cadence_days: 14,
            grace_days: 2,
        },
    };
    s.save_settings(&ctx(), &settings).await.unwrap();
    assert_eq!(s.settings().await.unwrap(), settings);
    let settings2 = OrgSettings {
        name: "Acme Corp".into(),
        ..settings
    };
    s.save_settings(&ctx(), &settings2).await.unwrap();
    assert_eq!(s.settings().await.unwrap(), settings2);

    let boss = person("Grace Hopper", "Grace@Example.com");
    s.insert_person(&ctx(), &boss).await.unwrap();
    assert!(!s.is_empty().await.unwrap());
    let mut ada = person("Ada Lovelace", "ada@example.com");
    ada.manager_id = Some(boss.id.clone());
    ada.roles = vec![Role::Admin, Role::Champion];
    ada.title = "Countess".into();
    s.insert_person(&ctx(), &ada).await.unwrap();
    let mut old = person("Old Timer", "old@example.com");
    old.active = false;
    old.roles = vec![Role::Viewer];
    s.insert_person(&ctx(), &old).await.unwrap();
    assert_eq!(s.person(&ada.id).await.unwrap().unwrap(), ada);
    assert_eq!(s.person(&old.id).await.unwrap().unwrap(), old);
    assert_eq!(
        s.person_by_email("GRACE@example.COM")
            .await
            .unwrap()
            .unwrap(),
        boss
    );
    assert!(s.person(&PersonId::generate()).await.unwrap().is_none());
    let mut got = s
        .people_by_ids(&[ada.id.clone(), boss.id.clone(), PersonId::generate()])
        .await
        .unwrap();
    got.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(got, vec![boss.clone(), ada.clone()]);
    let mut names = s
        .person_names(&[ada.id.clone(), boss.id.clone(), PersonId::generate()])
        .await
        .unwrap();
    names.sort_by(|a, b| a.id.cmp(&b.id));
    let expected: Vec<keel_store::PersonName> = got
        .iter()
        .map(|p| keel_store::PersonName {
            id: p.id.clone(),
            name: p.name.clone(),
            title: p.title.clone(),
            active: p.active,
        })
        .collect();
    assert_eq!(names, expected);
    assert!(s.person_names(&[]).await.unwrap().is_empty());

    assert_eq!(s.password_hash(&ada.id).await.unwrap(), None);
    s.set_password_hash(&ctx(), &ada.id, "$argon2id$v=19$x")
        .await
        .unwrap();
    assert_eq!(
        s.password_hash(&ada.id).await.unwrap().as_deref(),
        Some("$argon2id$v=19$x")
    );

    let company = team("Company");
    s.insert_team(&ctx(), &company).await.unwrap();
    let mut eng = team("Engineering");
    eng.parent_id = Some(company.id.clone());
    eng.lead_id = Some(boss.id.clone());
    eng.member_ids = {
        let mut v = vec![ada.id.clone(), boss.id.clone()];
        v.sort();
        v
    };
    s.insert_team(&ctx(), &eng).await.unwrap();
    assert_eq!(s.team(&eng.id).await.unwrap().unwrap(), eng);
    assert_eq!(s.team(&company.id).await.unwrap().unwrap(), company);
    assert_eq!(
        s.teams_by_ids(&[eng.id.clone()]).await.unwrap(),
        vec![eng.clone()]
    );
    let mut names = s
        .team_names(&[eng.id.clone(), company.id.clone(), TeamId::generate()])
        .await
        .unwrap();
    names.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        names,
        vec![
            (company.id.clone(), "Company".to_string()),
            (eng.id.clone(), "Engineering".to_string())
        ]
    );
    assert!(s.team_names(&[]).await.unwrap().is_empty());

    let year = Cycle {
        starts_on: "2026-01-01".parse().unwrap(),
        ends_on: "2026-12-31".parse().unwrap(),
        state: CycleState::Planning,
        ..cycle("2026")
    };
    s.insert_cycle(&ctx(), &year).await.unwrap();
    let mut q1 = cycle("2026-Q1");
    q1.parent_id = Some(year.id.clone());
    q1.state = CycleState::Closed;
    s.insert_cycle(&ctx(), &q1).await.unwrap();
    assert_eq!(s.cycle(&q1.id).await.unwrap().unwrap(), q1);
    assert_eq!(s.cycle_by_name("2026").await.unwrap().unwrap(), year);
    assert!(s.cycle_by_name("nope").await.unwrap().is_none());

    let top = objective(&year.id, &boss.id);
    s.insert_objective(&ctx(), &top, None).await.unwrap();
    let top_kr = key_result(&top.id, &boss.id);
    s.insert_key_result(&ctx(), &top_kr, None).await.unwrap();
    let mut o = objective(&q1.id, &ada.id);
    o.title = "Ship the analytical engine".into();
    o.description = "Notes\nwith lines ✓".into();
    o.ownership_state = OwnershipState::Pending;
    o.sponsor_id = Some(boss.id.clone());
    o.contributor_ids = vec![old.id.clone()];
    o.team_ids = {
        let mut v = vec![eng.id.clone(), company.id.clone()];
        v.sort();
        v
    };
    o.parents = vec![
        ParentRef::KeyResult(top_kr.id.clone()),
        ParentRef::Objective(top.id.clone()),
    ];
    o.kind = ObjectiveKind::Aspirational;
    o.state = ObjectiveState::Draft;
    o.visibility = Visibility::Private;
    s.insert_objective(&ctx(), &o, None).await.unwrap();
    assert_eq!(s.objective(&o.id).await.unwrap().unwrap(), o);
    assert_eq!(
        s.objectives_by_ids(&[o.id.clone()]).await.unwrap(),
        vec![o.clone()]
    );
    assert_eq!(
        s.children_of(top.id.as_str()).await.unwrap(),
        vec![o.clone()]
    );
    assert_eq!(
        s.children_of(top_kr.id.as_str()).await.unwrap(),
        vec![o.clone()]
    );
    assert!(s.children_of(o.id.as_str()).await.unwrap().is_empty());

    let mut kr = key_result(&o.id, &ada.id);
    kr.metric_kind = MetricKind::Milestone;
    kr.milestones = vec![
        Milestone {
            title: "Design".into(),
            done: true,
        },
        Milestone {
            title: "Build".into(),
            done: false,
        },
    ];
    kr.start = 0.0;
    kr.target = 2.0;
    kr.current = 1.0;
    kr.weight = 2.5;
    kr.unit = "steps".into();
    kr.sponsor_id = Some(boss.id.clone());
    kr.contributor_ids = vec![old.id.clone()];
    kr.team_ids = vec![eng.id.clone()];
    kr.confidence = Some(6);
    kr.last_check_in_at = Some(now() - Duration::days(3));
    kr.ownership_state = OwnershipState::Declined;
    s.insert_key_result(&ctx(), &kr, None).await.unwrap();
    let kr2 = key_result(&o.id, &boss.id);
    s.insert_key_result(&ctx(), &kr2, None).await.unwrap();
    assert_eq!(s.key_result(&kr.id).await.unwrap().unwrap(), kr);
    assert_eq!(
        s.key_results_of(&[top.id.clone(), o.id.clone()])
            .await
            .unwrap(),
        vec![top_kr.clone(), kr.clone(), kr2.clone()]
    );

    let mut c = check_in(&kr2.id, 40.5, now() - Duration::hours(1));
    c.author_id = Some(ada.id.clone());
    let stored = s
        .record_check_in(&ctx(), &c, &applied(&kr2, &c))
        .await
        .unwrap();
    assert_eq!(stored.current, 40.5);
    assert_eq!(stored.confidence, Some(7));
    assert_eq!(stored.last_check_in_at, Some(c.at));
    assert_eq!(stored.version, 2);
    let listed = s
        .list_check_ins(&kr2.id, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items, vec![c.clone()]);
    assert!(listed.next_cursor.is_none());

    let mut i = initiative(&kr.id, &ada.id);
    s.insert_initiative(&ctx(), &i).await.unwrap();
    assert_eq!(s.initiative(&i.id).await.unwrap().unwrap(), i);
    let before = i.clone();
    i.state = InitiativeState::Dropped;
    i.reason = Some("No effect".into());
    i.link = None;
    let updated = s.update_initiative(&ctx(), &before, &i).await.unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.reason.as_deref(), Some("No effect"));
    assert_eq!(updated.link, None);
    assert_eq!(s.list_initiatives(&kr.id).await.unwrap(), vec![updated]);

    // Updates of every kind return the stored record with a new version.
    let mut ada2 = ada.clone();
    ada2.name = "Ada King".into();
    ada2.manager_id = None;
    let ada3 = s.update_person(&ctx(), &ada, &ada2).await.unwrap();
    assert_eq!(ada3.version, 2);
    assert_eq!(ada3.name, "Ada King");
    assert_eq!(ada3.manager_id, None);
    assert!(ada3.updated_at >= ada.updated_at);
    assert_eq!(s.person(&ada.id).await.unwrap().unwrap(), ada3);

    let mut eng2 = eng.clone();
    eng2.member_ids = vec![old.id.clone()];
    eng2.lead_id = None;
    let eng3 = s.update_team(&ctx(), &eng, &eng2).await.unwrap();
    assert_eq!(eng3.member_ids, vec![old.id.clone()]);
    assert_eq!(eng3.lead_id, None);
    assert_eq!(eng3.version, 2);

    let mut q1b = q1.clone();
    q1b.state = CycleState::Active;
    q1b.name = "Q1".into();
    let q1c = s.update_cycle(&ctx(), &q1, &q1b).await.unwrap();
    assert_eq!(
        (q1c.state, q1c.version, q1c.name.as_str()),
        (CycleState::Active, 2, "Q1")
    );

    let mut o2 = o.clone();
    o2.team_ids = vec![company.id.clone()];
    o2.contributor_ids = vec![];
    o2.parents = vec![ParentRef::Objective(top.id.clone())];
    o2.sponsor_id = None;
    let o3 = s.update_objective(&ctx(), &o, &o2).await.unwrap();
    assert_eq!(o3.team_ids, vec![company.id.clone()]);
    assert!(o3.contributor_ids.is_empty());
    assert_eq!(o3.parents, vec![ParentRef::Objective(top.id.clone())]);
    assert_eq!(o3.version, 2);
    assert_eq!(s.objective(&o.id).await.unwrap().unwrap(), o3);
    assert!(s.children_of(top_kr.id.as_str()).await.unwrap().is_empty());

    let mut kr3 = kr.clone();
    kr3.team_ids = vec![];
    kr3.contributor_ids = vec![];
    kr3.title = "Renamed".into();
    let kr4 = s.update_key_result(&ctx(), &kr, &kr3).await.unwrap();
    assert_eq!(kr4.title, "Renamed");
    assert!(kr4.team_ids.is_empty());
    assert_eq!(kr4.version, 2);
    s.delete_key_result(&ctx(), &kr4).await.unwrap();
    assert!(s.key_result(&kr.id).await.unwrap().is_none());
    assert_eq!(
        s.key_results_of(&[o.id.clone()]).await.unwrap(),
        vec![stored.clone()]
    );
}

async fn email_is_unique_case_insensitively(s: DynStore, _url: String) {
    let a = person("Ada", "ada@example.com");
    s.insert_person(&ctx(), &a).await.unwrap();
    let b = person("Other Ada", "ADA@Example.COM");
    match s.insert_person(&ctx(), &b).await {
        Err(StoreError::Conflict { field, message }) => {
            assert_eq!(field, "email");
            assert!(message.contains("already exists"), "{message}");
        }
        other => panic!("expected a conflict on email, got {other:?}"),
    }
    assert_eq!(
        s.person_by_email("Ada@EXAMPLE.com").await.unwrap().unwrap(),
        a
    );
    // The same address through an update.
    let c = person("Charles", "charles@example.com");
    s.insert_person(&ctx(), &c).await.unwrap();
    let mut c2 = c.clone();
    c2.email = Email::parse("email", "Ada@example.com").unwrap();
    match s.update_person(&ctx(), &c, &c2).await {
        Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "email"),
        other => panic!("expected a conflict on email, got {other:?}"),
    }
    // A case change of one's own address is fine.
    let mut a2 = a.clone();
    a2.email = Email::parse("email", "ADA@example.com").unwrap();
    let a3 = s.update_person(&ctx(), &a, &a2).await.unwrap();
    assert_eq!(a3.email.as_str(), "ADA@example.com");
}

async fn stale_versions_are_refused(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let mut p2 = b.owner.clone();
    p2.title = "CTO".into();
    s.update_person(&ctx(), &b.owner, &p2).await.unwrap();
    assert!(matches!(
        s.update_person(&ctx(), &b.owner, &p2).await,
        Err(StoreError::StaleVersion)
    ));
    let mut o2 = b.objective.clone();
    o2.title = "New".into();
    let o3 = s.update_objective(&ctx(), &b.objective, &o2).await.unwrap();
    assert!(matches!(
        s.update_objective(&ctx(), &b.objective, &o2).await,
        Err(StoreError::StaleVersion)
    ));
    assert!(matches!(
        s.delete_objective(&ctx(), &b.objective).await,
        Err(StoreError::StaleVersion)
    ));
    let mut k2 = b.kr.clone();
    k2.title = "New".into();
    s.update_key_result(&ctx(), &b.kr, &k2).await.unwrap();
    assert!(matches!(
        s.update_key_result(&ctx(), &b.kr, &k2).await,
        Err(StoreError::StaleVersion)
    ));
    let mut c2 = b.cycle.clone();
    c2.state = CycleState::Closed;
    s.update_cycle(&ctx(), &b.cycle, &c2).await.unwrap();
    assert!(matches!(
        s.update_cycle(&ctx(), &b.cycle, &c2).await,
        Err(StoreError::StaleVersion)
    ));
    // Unknown records are NotFound, not stale.
    let ghost = person("Ghost", "ghost@example.com");
    assert!(matches!(
        s.update_person(&ctx(), &ghost, &ghost).await,
        Err(StoreError::NotFound)
    ));
    s.delete_objective(&ctx(), &o3).await.unwrap();
    assert!(matches!(
        s.update_objective(&ctx(), &o3, &o3).await,
        Err(StoreError::NotFound)
    ));
}

async fn soft_deleted_objectives_are_invisible(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let other = objective(&b.cycle.id, &b.owner.id);
    s.insert_objective(&ctx(), &other, None).await.unwrap();
    let c = check_in(&b.kr.id, 40.0, now());
    s.record_check_in(&ctx(), &c, &applied(&b.kr, &c))
        .await
        .unwrap();
    s.delete_objective(&ctx(), &b.objective).await.unwrap();
    assert!(s.objective(&b.objective.id).await.unwrap().is_none());
    assert!(s.key_result(&b.kr.id).await.unwrap().is_none());
    assert!(s
        .key_results_of(&[b.objective.id.clone()])
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.objectives_by_ids(&[b.objective.id.clone(), other.id.clone()])
            .await
            .unwrap(),
        vec![other.clone()]
    );
    let listed = s
        .list_objectives(
            &ObjectiveFilter {
                cycle_id: Some(b.cycle.id.clone()),
                ..ObjectiveFilter::new(Reader::Everyone)
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(listed.items, vec![other]);
    // Check-ins on a key result of a deleted objective are refused.
    let c2 = check_in(&b.kr.id, 41.0, now());
    assert!(matches!(
        s.record_check_in(&ctx(), &c2, &applied(&b.kr, &c2)).await,
        Err(StoreError::NotFound)
    ));
    // History stays.
    let audit = s
        .list_audit(
            &AuditFilter {
                object_id: Some(b.objective.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(audit.items[0].action, "objective.delete");
    assert!(audit.items[0].before.is_some());
}

async fn filters_and_pagination(s: DynStore, _url: String) {
    let mut people = vec![];
    for i in 0..12 {
        let mut p = person(&format!("Person {i:02}"), &format!("p{i}@example.com"));
        if i % 3 == 0 {
            p.active = false;
        }
        s.insert_person(&ctx(), &p).await.unwrap();
        people.push(p);
    }
    let mut managed = person("Managed Mary", "mary@corp.example.com");
    managed.manager_id = Some(people[1].id.clone());
    s.insert_person(&ctx(), &managed).await.unwrap();
    let q1 = cycle("Q1");
    let q2 = cycle("Q2");
    s.insert_cycle(&ctx(), &q1).await.unwrap();
    s.insert_cycle(&ctx(), &q2).await.unwrap();
    let mut closed = cycle("Q0");
    closed.state = CycleState::Closed;
    s.insert_cycle(&ctx(), &closed).await.unwrap();
    let t1 = team("Alpha");
    let mut t2 = team("Beta");
    t2.parent_id = Some(t1.id.clone());
    t2.member_ids = vec![people[2].id.clone()];
    s.insert_team(&ctx(), &t1).await.unwrap();
    s.insert_team(&ctx(), &t2).await.unwrap();

    let mut all = vec![];
    for i in 0..23 {
        let mut o = objective(if i % 2 == 0 { &q1.id } else { &q2.id }, &people[i % 4].id);
        if i % 3 == 0 {
            o.team_ids = vec![t1.id.clone()];
        }
        if i % 5 == 0 {
            o.team_ids.push(t2.id.clone());
            o.team_ids.sort();
        }
        s.insert_objective(&ctx(), &o, None).await.unwrap();
        all.push(o);
    }

    async fn collect(s: &DynStore, f: &ObjectiveFilter, limit: u32) -> Vec<Objective> {
        let mut out = vec![];
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let p = s.list_objectives(f, &page(limit, cursor)).await.unwrap();
            assert!(p.items.len() <= limit as usize);
            out.extend(p.items);
            pages += 1;
            assert!(pages < 100);
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        out
    }
    let ids = |v: &[Objective]| v.iter().map(|o| o.id.clone()).collect::<Vec<_>>();
    let mut expected = ids(&all);
    expected.sort();
    let got = collect(&s, &ObjectiveFilter::new(Reader::Everyone), 5).await;
    assert_eq!(
        ids(&got),
        expected,
        "every objective exactly once, in id order"
    );
    assert_eq!(got, {
        let mut a = all.clone();
        a.sort_by(|x, y| x.id.cmp(&y.id));
        a
    });
    // An exact multiple of the page size ends without an empty extra page.
    let p = s
        .list_objectives(&ObjectiveFilter::new(Reader::Everyone), &page(23, None))
        .await
        .unwrap();
    assert_eq!(p.items.len(), 23);
    assert!(p.next_cursor.is_none());
    let p = s
        .list_objectives(&ObjectiveFilter::new(Reader::Everyone), &page(0, None))
        .await
        .unwrap();
    assert_eq!(p.items.len(), 1, "limit is clamped to at least 1");

    let check = |f: ObjectiveFilter, pred: Box<dyn Fn(&Objective) -> bool>| {
        let s = s.clone();
        let all = all.clone();
        async move {
            let mut want: Vec<_> = all
                .iter()
                .filter(|o| pred(o))
                .map(|o| o.id.clone())
                .collect();
            want.sort();
            let got = collect(&s, &f, 3).await;
            assert_eq!(ids(&got), want, "{f:?}");
            assert!(!want.is_empty());
        }
    };
    let (c1, tt1, tt2, owner) = (
        q1.id.clone(),
        t1.id.clone(),
        t2.id.clone(),
        people[1].id.clone(),
    );
    check(
        ObjectiveFilter {
            cycle_id: Some(q1.id.clone()),
            ..ObjectiveFilter::new(Reader::Everyone)
        },
        Box::new(move |o| o.cycle_id == c1),
    )
    .await;
    check(
        ObjectiveFilter {
            team_id: Some(t1.id.clone()),
            ..ObjectiveFilter::new(Reader::Everyone)
        },
        Box::new(move |o| o.team_ids.contains(&tt1)),
    )
    .await;
    let c2 = q2.id.clone();
    check(
        ObjectiveFilter {
            team_id: Some(t2.id.clone()),
            cycle_id: Some(q2.id.clone()),
            ..ObjectiveFilter::new(Reader::Everyone)
        },
        Box::new(move |o| o.team_ids.contains(&tt2) && o.cycle_id == c2),
    )
    .await;
    check(
        ObjectiveFilter {
            owner_id: Some(people[1].id.clone()),
            ..ObjectiveFilter::new(Reader::Everyone)
        },
        Box::new(move |o| o.owner_id == owner),
    )
    .await;

    // People: pagination and filters.
    let mut cursor = None;
    let mut seen = vec![];
    loop {
        let p = s
            .list_people(&PeopleFilter::default(), &page(4, cursor))
            .await
            .unwrap();
        seen.extend(p.items.into_iter().map(|p| p.id));
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut want: Vec<_> = people.iter().map(|p| p.id.clone()).collect();
    want.push(managed.id.clone());
    want.sort();
    assert_eq!(seen, want);
    let inactive = s
        .list_people(
            &PeopleFilter {
                active: Some(false),
                ..Default::default()
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(inactive.items.len(), 4);
    assert!(inactive.items.iter().all(|p| !p.active));
    let found = s
        .list_people(
            &PeopleFilter {
                query: Some("CORP.example".into()),
                ..Default::default()
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(found.items, vec![managed.clone()]);
    let found = s
        .list_people(
            &PeopleFilter {
                query: Some("person 1".into()),
                ..Default::default()
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(found.items.len(), 2, "Person 10 and 11");
    let found = s
        .list_people(
            &PeopleFilter {
                query: Some("%".into()),
                ..Default::default()
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert!(found.items.is_empty(), "LIKE wildcards are escaped");
    let by_manager = s
        .list_people(
            &PeopleFilter {
                manager_id: Some(people[1].id.clone()),
                ..Default::default()
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(by_manager.items, vec![managed]);

    // Teams and cycles.
    let children = s
        .list_teams(
            &TeamFilter {
                parent_id: Some(t1.id.clone()),
                ..Default::default()
            },
            &page(10, None),
        )
        .await
        .unwrap();
    assert_eq!(children.items, vec![t2.clone()]);
    let of_member = s
        .list_teams(
            &TeamFilter {
                member_id: Some(people[2].id.clone()),
                ..Default::default()
            },
            &page(10, None),
        )
        .await
        .unwrap();
    assert_eq!(of_member.items, vec![t2.clone()]);
    let p1 = s
        .list_teams(&TeamFilter::default(), &page(1, None))
        .await
        .unwrap();
    assert_eq!(p1.items, vec![t1.clone()]);
    let p2 = s
        .list_teams(&TeamFilter::default(), &page(1, p1.next_cursor))
        .await
        .unwrap();
    assert_eq!(p2.items, vec![t2.clone()]);
    assert!(p2.next_cursor.is_none());
    let active = s
        .list_cycles(
            &CycleFilter {
                state: Some(CycleState::Active),
            },
            &page(1, None),
        )
        .await
        .unwrap();
    assert_eq!(active.items, vec![q1.clone()]);
    let active2 = s
        .list_cycles(
            &CycleFilter {
                state: Some(CycleState::Active),
            },
            &page(1, active.next_cursor),
        )
        .await
        .unwrap();
    assert_eq!(active2.items, vec![q2.clone()]);
    assert!(active2.next_cursor.is_none());
}

async fn bad_cursors_are_refused(s: DynStore, _url: String) {
    let b = basic(&s).await;
    for bad in ["", "garbage", "t:xx:yy", "i:", "t:12"] {
        let p = page(10, Some(bad.into()));
        assert!(matches!(
            s.list_people(&PeopleFilter::default(), &p).await,
            Err(StoreError::BadCursor)
        ));
        assert!(matches!(
            s.list_objectives(&ObjectiveFilter::new(Reader::Everyone), &p)
                .await,
            Err(StoreError::BadCursor)
        ));
        assert!(matches!(
            s.list_teams(&TeamFilter::default(), &p).await,
            Err(StoreError::BadCursor)
        ));
        assert!(matches!(
            s.list_cycles(&CycleFilter::default(), &p).await,
            Err(StoreError::BadCursor)
        ));
        assert!(matches!(
            s.list_check_ins(&b.kr.id, &p).await,
            Err(StoreError::BadCursor)
        ));
        assert!(matches!(
            s.list_audit(&AuditFilter::new(Reader::Everyone), &p).await,
            Err(StoreError::BadCursor)
        ));
        assert!(matches!(
            s.list_ownership_requests(&OwnershipRequestFilter::new(Reader::Everyone), &p)
                .await,
            Err(StoreError::BadCursor)
        ));
    }
}

async fn concurrent_check_ins_all_land(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let base = now() - Duration::hours(1);
    // Interleave times so that completion order and `at` order differ.
    let order: Vec<i64> = (0..20).map(|i| (i * 7) % 20).collect();
    let mut tasks = vec![];
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(order.len()));
    for &i in &order {
        let s = s.clone();
        let kr = b.kr.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let c = check_in(&kr.id, 33.0 + i as f64, base + Duration::seconds(i));
            barrier.wait().await;
            s.record_check_in(&ctx(), &c, &applied(&kr, &c))
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let kr = s.key_result(&b.kr.id).await.unwrap().unwrap();
    assert_eq!(kr.current, 33.0 + 19.0);
    assert_eq!(kr.last_check_in_at, Some(base + Duration::seconds(19)));
    // Check-ins, newest first, across pages, none lost or repeated.
    let mut all = vec![];
    let mut cursor = None;
    loop {
        let p = s.list_check_ins(&b.kr.id, &page(6, cursor)).await.unwrap();
        all.extend(p.items);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(all.len(), 20);
    let ats: Vec<_> = all.iter().map(|c| c.at).collect();
    let mut sorted = ats.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ats, sorted);
    assert_eq!(
        all.iter()
            .map(|c| c.id.clone())
            .collect::<HashSet<_>>()
            .len(),
        20
    );
}

/// Check-ins are committed in groups: many at once, across key results, one of them deleted and
/// one check-in a duplicate id, each get their own answer and nothing else is disturbed.
async fn many_concurrent_check_ins_are_grouped_correctly(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let mut krs = vec![b.kr.clone()];
    for _ in 0..4 {
        let kr = key_result(&b.objective.id, &b.owner.id);
        s.insert_key_result(&ctx(), &kr, None).await.unwrap();
        krs.push(kr);
    }
    // The last key result is deleted: its check-ins are NotFound.
    let gone = krs[4].clone();
    s.delete_key_result(&ctx(), &gone).await.unwrap();
    // A check-in already recorded: submitting it again is a conflict on its id.
    let dup = check_in(&krs[0].id, 1.0, now() - Duration::days(30));
    s.record_check_in(&ctx(), &dup, &applied(&krs[0], &dup))
        .await
        .unwrap();
    let krs: Vec<KeyResult> = {
        let mut v = vec![s.key_result(&krs[0].id).await.unwrap().unwrap()];
        v.extend(krs[1..].iter().cloned());
        v
    };
    let base = now() - Duration::hours(2);
    let n = 200i64;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n as usize + 1));
    let mut tasks = vec![];
    for i in 0..n {
        let (s, barrier) = (s.clone(), barrier.clone());
        let kr = krs[(i % 5) as usize].clone();
        // Times interleaved so that completion order and `at` order differ.
        let at = base + Duration::seconds((i * 37) % n);
        tasks.push(tokio::spawn(async move {
            let c = check_in(&kr.id, (i % 90) as f64, at);
            barrier.wait().await;
            let r = s.record_check_in(&ctx(), &c, &applied(&kr, &c)).await;
            (i, c, r)
        }));
    }
    {
        let (s, barrier) = (s.clone(), barrier.clone());
        let kr = krs[0].clone();
        let dup = dup.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let r = s.record_check_in(&ctx(), &dup, &applied(&kr, &dup)).await;
            (-1, dup, r)
        }));
    }
    let mut landed: Vec<Vec<CheckIn>> = vec![vec![]; 5];
    for t in tasks {
        let (i, c, r) = t.await.unwrap();
        if i < 0 {
            assert!(
                matches!(r, Err(StoreError::Conflict { ref field, .. }) if field == "id"),
                "{r:?}"
            );
            continue;
        }
        let k = (i % 5) as usize;
        if k == 4 {
            assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
        } else {
            let stored = r.unwrap();
            assert_eq!(stored.id, krs[k].id);
            // At least this check-in's time: a later one may already have landed.
            assert!(stored.last_check_in_at.unwrap() >= c.at);
            landed[k].push(c);
        }
    }
    for (k, kr) in krs.iter().enumerate().take(4) {
        let cs = &landed[k];
        assert_eq!(cs.len(), (n / 5) as usize);
        let latest = cs.iter().max_by_key(|c| c.at).unwrap();
        let stored = s.key_result(&kr.id).await.unwrap().unwrap();
        assert_eq!(stored.last_check_in_at, Some(latest.at));
        assert_eq!(stored.current, latest.value);
        let mut listed = vec![];
        let mut cursor = None;
        loop {
            let p = s.list_check_ins(&kr.id, &page(50, cursor)).await.unwrap();
            listed.extend(p.items);
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let want: HashSet<_> = cs.iter().map(|c| c.id.clone()).collect();
        let got: HashSet<_> = listed.iter().map(|c| c.id.clone()).collect();
        let extra = usize::from(k == 0); // `dup`, recorded once
        assert_eq!(listed.len(), cs.len() + extra);
        assert_eq!(got.len(), listed.len());
        assert!(want.is_subset(&got));
        // One audit event per recorded check-in, none for the refused ones.
        let mut audited = 0;
        let mut cursor = None;
        loop {
            let f = AuditFilter {
                object_id: Some(kr.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            };
            let p = s.list_audit(&f, &page(100, cursor)).await.unwrap();
            audited += p
                .items
                .iter()
                .filter(|e| e.action == "check_in.create")
                .count();
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(audited, cs.len() + extra);
    }
    let f = AuditFilter {
        object_id: Some(gone.id.to_string()),
        ..AuditFilter::new(Reader::Everyone)
    };
    let events = s.list_audit(&f, &page(100, None)).await.unwrap();
    assert!(events.items.iter().all(|e| e.action != "check_in.create"));
}

async fn back_dated_check_in_keeps_newer_value(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let newer = check_in(&b.kr.id, 50.0, now() - Duration::hours(1));
    let k = s
        .record_check_in(&ctx(), &newer, &applied(&b.kr, &newer))
        .await
        .unwrap();
    assert_eq!(k.current, 50.0);
    let mut older = check_in(&b.kr.id, 40.0, now() - Duration::days(7));
    older.confidence = Confidence::new(2, ConfidenceScale::ZeroToTen).unwrap();
    let k2 = s
        .record_check_in(&ctx(), &older, &applied(&k, &older))
        .await
        .unwrap();
    assert_eq!(k2.current, 50.0);
    assert_eq!(k2.confidence, Some(7));
    assert_eq!(k2.last_check_in_at, Some(newer.at));
    let listed = s.list_check_ins(&b.kr.id, &page(10, None)).await.unwrap();
    assert_eq!(listed.items, vec![newer, older]);
    // Unknown key result.
    let ghost = check_in(&KeyResultId::generate(), 1.0, now());
    let mut kr = b.kr.clone();
    kr.id = ghost.key_result_id.clone();
    assert!(matches!(
        s.record_check_in(&ctx(), &ghost, &applied(&kr, &ghost))
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn writes_are_audited(s: DynStore, _url: String) {
    let actor = person("Auditor", "auditor@example.com");
    s.insert_person(&WriteCtx::system(Source::Cli), &actor)
        .await
        .unwrap();
    let b = basic(&s).await;
    let me = WriteCtx {
        actor_id: Some(actor.id.clone()),
        source: Source::Ui,
        request_id: Some("r-42".into()),
    };
    let c = check_in(&b.kr.id, 45.0, now());
    s.record_check_in(&me, &c, &applied(&b.kr, &c))
        .await
        .unwrap();
    let i = initiative(&b.kr.id, &b.owner.id);
    s.insert_initiative(&me, &i).await.unwrap();
    let mut o2 = b.objective.clone();
    o2.title = "Audited".into();
    s.update_objective(&me, &b.objective, &o2).await.unwrap();
    // Another objective's events must not leak in.
    let other = objective(&b.cycle.id, &b.owner.id);
    s.insert_objective(&ctx(), &other, None).await.unwrap();

    let events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(b.objective.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "objective.update",
            "initiative.create",
            "check_in.create",
            "key_result.create",
            "objective.create"
        ]
    );
    let update = &events[0];
    assert_eq!(update.actor_id.as_ref(), Some(&actor.id));
    assert_eq!(update.source, Source::Ui);
    assert_eq!(update.request_id.as_deref(), Some("r-42"));
    assert_eq!(update.object_kind, "objective");
    assert_eq!(
        update.before.as_ref().unwrap()["title"],
        "Delight new customers"
    );
    assert_eq!(update.after.as_ref().unwrap()["title"], "Audited");
    assert_eq!(update.after.as_ref().unwrap()["version"], 2);
    let ci = &events[2];
    assert_eq!(ci.object_id, c.id.to_string());
    assert_eq!(ci.objective_id.as_deref(), Some(b.objective.id.as_str()));
    assert_eq!(ci.key_result_id.as_deref(), Some(b.kr.id.as_str()));
    assert_eq!(ci.after.as_ref().unwrap()["value"], 45.0);

    let kr_events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(b.kr.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    let actions: Vec<_> = kr_events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["initiative.create", "check_in.create", "key_result.create"]
    );

    let mine = s
        .list_audit(
            &AuditFilter {
                actor_id: Some(actor.id.clone()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(mine.len(), 3);

    // Passwords never reach the audit log.
    s.set_password_hash(&me, &actor.id, "$argon2id$secret")
        .await
        .unwrap();
    let person_events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(actor.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(person_events.len(), 2);
    assert_eq!(person_events[1].action, "person.create");
    assert_eq!(person_events[1].source, Source::Cli);
    assert!(person_events[1].after.is_some());
    for e in &person_events {
        let text = format!("{:?}{:?}", e.before, e.after);
        assert!(!text.contains("argon2"), "{text}");
    }

    // Time window and pagination over all events.
    let all = s
        .list_audit(&AuditFilter::new(Reader::Everyone), &page(500, None))
        .await
        .unwrap()
        .items;
    let mut paged = vec![];
    let mut cursor = None;
    loop {
        let p = s
            .list_audit(&AuditFilter::new(Reader::Everyone), &page(3, cursor))
            .await
            .unwrap();
        paged.extend(p.items);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(paged, all);
    let future = s
        .list_audit(
            &AuditFilter {
                from: Some(now() + Duration::hours(1)),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(10, None),
        )
        .await
        .unwrap();
    assert!(future.items.is_empty());
    let past = s
        .list_audit(
            &AuditFilter {
                to: Some(now() + Duration::hours(1)),
                from: Some(now() - Duration::hours(1)),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(500, None),
        )
        .await
        .unwrap();
    assert_eq!(past.items.len(), all.len());
}

async fn tokens(s: DynStore, _url: String) {
    let p = person("Ada", "ada@example.com");
    s.insert_person(&ctx(), &p).await.unwrap();
    let t = ApiToken {
        id: TokenId::generate(),
        person_id: p.id.clone(),
        name: "CI".into(),
        scope: TokenScope::Read,
        created_at: now(),
        expires_on: Some("2030-01-31".parse().unwrap()),
        last_used_at: None,
        revoked_at: None,
    };
    let hash = "a".repeat(64);
    s.insert_token(&ctx(), &t, &hash).await.unwrap();
    let (got, who) = s.token_by_hash(&hash).await.unwrap().unwrap();
    assert_eq!(got, t);
    assert_eq!(who, p);
    assert!(s.token_by_hash(&"b".repeat(64)).await.unwrap().is_none());
    let at = now();
    s.touch_token(&t.id, at).await.unwrap();
    assert_eq!(
        s.list_tokens(&p.id).await.unwrap()[0].last_used_at,
        Some(at)
    );
    s.revoke_token(&ctx(), &t.id).await.unwrap();
    let (revoked, _) = s.token_by_hash(&hash).await.unwrap().unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(!revoked.is_live(now()));
    assert!(matches!(
        s.revoke_token(&ctx(), &TokenId::generate()).await,
        Err(StoreError::NotFound)
    ));
    // A second token with the same hash is refused.
    let t2 = ApiToken {
        id: TokenId::generate(),
        ..t.clone()
    };
    assert!(matches!(
        s.insert_token(&ctx(), &t2, &hash).await,
        Err(StoreError::Conflict { .. })
    ));
    let events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(t.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(10, None),
        )
        .await
        .unwrap()
        .items;
    let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["token.revoke", "token.create"],
        "touch is not audited"
    );
    for e in &events {
        let text = format!("{:?}{:?}", e.before, e.after);
        assert!(!text.contains(&hash));
    }
}

fn small_org() -> Snapshot {
    let mut people = vec![];
    // Reports before their managers: the load must not depend on order.
    let boss = person("Boss", "boss@example.com");
    for i in 0..5 {
        let mut p = person(&format!("P{i}"), &format!("p{i}@example.com"));
        p.manager_id = Some(boss.id.clone());
        people.push(p);
    }
    people.push(boss.clone());
    let mut team_a = team("A");
    team_a.member_ids = vec![people[0].id.clone()];
    let mut team_b = team("B");
    team_b.parent_id = Some(team_a.id.clone());
    let teams = vec![team_b, team_a.clone()];
    let c = cycle("Q1");
    let mut o1 = objective(&c.id, &boss.id);
    o1.team_ids = vec![team_a.id.clone()];
    o1.contributor_ids = vec![people[1].id.clone()];
    let k1 = key_result(&o1.id, &boss.id);
    let mut o2 = objective(&c.id, &people[0].id);
    o2.parents = vec![ParentRef::KeyResult(k1.id.clone())];
    let mut k2 = key_result(&o2.id, &people[0].id);
    k2.team_ids = vec![team_a.id.clone()];
    let check_ins = (0..50)
        .map(|i| check_in(&k1.id, 33.0 + i as f64, now() - Duration::hours(100 - i)))
        .collect();
    Snapshot {
        settings: Some(OrgSettings {
            name: "Demo".into(),
            ..Default::default()
        }),
        people,
        teams,
        cycles: vec![c],
        objectives: vec![o2, o1],
        key_results: vec![k2, k1.clone()],
        check_ins,
        initiatives: vec![initiative(&k1.id, &boss.id)],
        ownership_requests: vec![],
        ..Default::default()
    }
}

async fn snapshot_is_all_or_nothing(s: DynStore, _url: String) {
    let mut broken = small_org();
    broken.objectives[0].cycle_id = CycleId::generate();
    assert!(s.load_snapshot(&ctx(), &broken).await.is_err());
    assert!(s.is_empty().await.unwrap());
    assert!(s
        .list_audit(&AuditFilter::new(Reader::Everyone), &page(10, None))
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(s.settings().await.unwrap(), OrgSettings::default());

    let org = small_org();
    s.load_snapshot(&WriteCtx::system(Source::Import), &org)
        .await
        .unwrap();
    assert!(!s.is_empty().await.unwrap());
    assert_eq!(s.settings().await.unwrap().name, "Demo");
    for p in &org.people {
        assert_eq!(&s.person(&p.id).await.unwrap().unwrap(), p);
    }
    for t in &org.teams {
        assert_eq!(&s.team(&t.id).await.unwrap().unwrap(), t);
    }
    for o in &org.objectives {
        assert_eq!(&s.objective(&o.id).await.unwrap().unwrap(), o);
    }
    for k in &org.key_results {
        assert_eq!(&s.key_result(&k.id).await.unwrap().unwrap(), k);
    }
    let cis = s
        .list_check_ins(&org.key_results[1].id, &page(500, None))
        .await
        .unwrap();
    assert_eq!(cis.items.len(), 50);
    assert_eq!(
        s.list_initiatives(&org.key_results[1].id).await.unwrap(),
        org.initiatives
    );
    let events = s
        .list_audit(&AuditFilter::new(Reader::Everyone), &page(10, None))
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "snapshot.load");
    assert_eq!(events[0].source, Source::Import);
    let counts = events[0].after.as_ref().unwrap();
    assert_eq!(counts["people"], 6);
    assert_eq!(counts["check_ins"], 50);

    // Loading it again conflicts and changes nothing.
    assert!(s.load_snapshot(&ctx(), &org).await.is_err());
    assert_eq!(
        s.list_audit(&AuditFilter::new(Reader::Everyone), &page(10, None))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

/// Settings are cached by each store; a write through this store is seen at once, a write by
/// another server (another store on the same database) within the cache's second.
async fn settings_written_by_another_server_are_seen(s: DynStore, url: String) {
    let other = keel_store::open(&url).await.expect("second server");
    let before = s.settings().await.unwrap();
    let changed = OrgSettings {
        name: format!("{} (renamed)", before.name),
        ..before.clone()
    };
    other.save_settings(&ctx(), &changed).await.unwrap();
    assert_eq!(
        other.settings().await.unwrap(),
        changed,
        "the writer sees it at once"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        if s.settings().await.unwrap() == changed {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the other server's settings were never seen"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    s.save_settings(&ctx(), &before).await.unwrap();
    assert_eq!(s.settings().await.unwrap(), before);
}

async fn migrations_are_idempotent(s: DynStore, url: String) {
    let b = basic(&s).await;
    let again = keel_store::open(&url).await.expect("re-open");
    assert_eq!(again.backend(), s.backend());
    assert_eq!(
        again.objective(&b.objective.id).await.unwrap().unwrap(),
        b.objective
    );
    // Several opens at once (several servers starting together).
    let opens: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { keel_store::open(&url).await.map(|_| ()) })
        })
        .collect();
    for o in opens {
        o.await.unwrap().unwrap();
    }
}

async fn references_are_checked(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let o = objective(&CycleId::generate(), &b.owner.id);
    match s.insert_objective(&ctx(), &o, None).await {
        Err(StoreError::Conflict { field, .. }) => {
            if s.backend() == "postgres" {
                assert_eq!(field, "cycle_id");
            }
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(s.objective(&o.id).await.unwrap().is_none());
    let mut p = person("Orphan", "orphan@example.com");
    p.manager_id = Some(PersonId::generate());
    match s.insert_person(&ctx(), &p).await {
        Err(StoreError::Conflict { field, .. }) => {
            if s.backend() == "postgres" {
                assert_eq!(field, "manager_id");
            }
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let mut o = objective(&b.cycle.id, &b.owner.id);
    o.team_ids = vec![TeamId::generate()];
    match s.insert_objective(&ctx(), &o, None).await {
        Err(StoreError::Conflict { field, .. }) => {
            if s.backend() == "postgres" {
                assert_eq!(field, "team_ids");
            }
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(s.objective(&o.id).await.unwrap().is_none(), "rolled back");
    // Duplicate ids.
    assert!(matches!(
        s.insert_cycle(&ctx(), &b.cycle).await,
        Err(StoreError::Conflict { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// SQLite-only behaviour

#[tokio::test]
async fn sqlite_urls() {
    let s = keel_store::open("sqlite::memory:").await.unwrap();
    assert_eq!(s.backend(), "sqlite");
    let b = basic(&s).await;
    // One shared database: what one call writes, the next reads.
    assert_eq!(
        s.objective(&b.objective.id).await.unwrap().unwrap(),
        b.objective
    );
    let c = check_in(&b.kr.id, 50.0, now());
    s.record_check_in(&ctx(), &c, &applied(&b.kr, &c))
        .await
        .unwrap();

    let dir = std::env::temp_dir().join(format!("keel-url-{}", uuid::Uuid::now_v7()));
    let path = dir.join("nested").join("k.db");
    let s = keel_store::open(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    assert!(s.is_empty().await.unwrap());
    assert!(path.exists());
    std::fs::remove_dir_all(dir).ok();

    for bad in ["mysql://x", "", "file:///tmp/x.db", "sqlite://"] {
        assert!(
            matches!(keel_store::open(bad).await, Err(StoreError::BadUrl(_))),
            "{bad}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Ownership (issue 3)

fn request(
    okr: OkrRef,
    previous: Option<&PersonId>,
    proposed: &PersonId,
    by: Option<&PersonId>,
    at: DateTime<Utc>,
) -> OwnershipRequest {
    let accepted = by == Some(proposed);
    OwnershipRequest {
        id: OwnershipRequestId::generate(),
        okr,
        previous_owner_id: previous.cloned(),
        proposed_owner_id: proposed.clone(),
        proposed_by: by.cloned(),
        note: "You are closest to the funnel".into(),
        fit: Some(OwnerFit {
            legitimacy: true,
            decision_authority: false,
            proximity: true,
            note: "knows the data".into(),
        }),
        state: if accepted {
            RequestState::Accepted
        } else {
            RequestState::Pending
        },
        decline_reason: None,
        created_at: at,
        decided_at: if accepted { Some(at) } else { None },
    }
}

async fn add_person(s: &DynStore, name: &str) -> Person {
    let p = person(
        name,
        &format!("{name}-{}@example.com", uuid::Uuid::now_v7()),
    );
    s.insert_person(&ctx(), &p).await.unwrap();
    p
}

async fn co_owners_round_trip(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let bob = add_person(&s, "bob").await;
    let cy = add_person(&s, "cy").await;
    let mut o = objective(&b.cycle.id, &b.owner.id);
    o.co_owner_ids = vec![bob.id.clone(), cy.id.clone()];
    o.contributor_ids = vec![b.owner.id.clone()];
    s.insert_objective(&ctx(), &o, None).await.unwrap();
    assert_eq!(s.objective(&o.id).await.unwrap().unwrap(), o);
    let listed = s
        .list_objectives(&ObjectiveFilter::new(Reader::Everyone), &page(50, None))
        .await
        .unwrap();
    assert_eq!(
        listed
            .items
            .iter()
            .find(|x| x.id == o.id)
            .unwrap()
            .co_owner_ids,
        o.co_owner_ids
    );
    let mut after = o.clone();
    after.co_owner_ids = vec![cy.id.clone()];
    let stored = s.update_objective(&ctx(), &o, &after).await.unwrap();
    assert_eq!(stored.co_owner_ids, vec![cy.id.clone()]);
    assert_eq!(
        s.objective(&o.id).await.unwrap().unwrap().co_owner_ids,
        vec![cy.id.clone()]
    );

    let mut k = key_result(&o.id, &b.owner.id);
    k.co_owner_ids = vec![cy.id.clone(), bob.id.clone()];
    s.insert_key_result(&ctx(), &k, None).await.unwrap();
    assert_eq!(s.key_result(&k.id).await.unwrap().unwrap(), k);
    assert_eq!(
        s.key_results_of(&[o.id.clone()]).await.unwrap()[0].co_owner_ids,
        k.co_owner_ids
    );
    let mut after = k.clone();
    after.co_owner_ids = vec![];
    let stored = s.update_key_result(&ctx(), &k, &after).await.unwrap();
    assert!(stored.co_owner_ids.is_empty());
    assert!(s
        .key_result(&k.id)
        .await
        .unwrap()
        .unwrap()
        .co_owner_ids
        .is_empty());

    // Co-owners must exist.
    let mut bad = objective(&b.cycle.id, &b.owner.id);
    bad.co_owner_ids = vec![PersonId::generate()];
    assert!(matches!(
        s.insert_objective(&ctx(), &bad, None).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(s.objective(&bad.id).await.unwrap().is_none());
}

async fn ownership_requests_flow(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let ada = b.owner.clone();
    let bob = add_person(&s, "bob").await;
    let cy = add_person(&s, "cy").await;
    let t0 = now() - Duration::hours(10);

    // Created naming someone else: the request travels with the objective.
    let mut o = objective(&b.cycle.id, &bob.id);
    o.ownership_state = OwnershipState::Pending;
    let r0 = request(
        OkrRef::Objective(o.id.clone()),
        None,
        &bob.id,
        Some(&ada.id),
        t0,
    );
    s.insert_objective(&ctx(), &o, Some(&r0)).await.unwrap();
    assert_eq!(
        s.ownership_history(o.id.as_str()).await.unwrap(),
        vec![r0.clone()]
    );
    assert_eq!(s.ownership_request(&r0.id).await.unwrap().unwrap(), r0);
    assert!(s
        .ownership_request(&OwnershipRequestId::generate())
        .await
        .unwrap()
        .is_none());
    // A request on another OKR is refused, and nothing is written.
    let o_other = objective(&b.cycle.id, &bob.id);
    let wrong = request(
        OkrRef::Objective(o.id.clone()),
        None,
        &bob.id,
        Some(&ada.id),
        t0,
    );
    assert!(s
        .insert_objective(&ctx(), &o_other, Some(&wrong))
        .await
        .is_err());
    assert!(s.objective(&o_other.id).await.unwrap().is_none());

    // Proposing with a stale version, or on an unknown OKR.
    let r1 = request(
        OkrRef::Objective(o.id.clone()),
        Some(&bob.id),
        &cy.id,
        Some(&ada.id),
        t0 + Duration::hours(1),
    );
    assert!(matches!(
        s.propose_ownership(&ctx(), &r1, o.version + 5).await,
        Err(StoreError::StaleVersion)
    ));
    let nowhere = request(
        OkrRef::Objective(ObjectiveId::generate()),
        None,
        &cy.id,
        Some(&ada.id),
        t0,
    );
    assert!(matches!(
        s.propose_ownership(&ctx(), &nowhere, 1).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.ownership_history(o.id.as_str()).await.unwrap().len(), 1);

    // Proposing: pending owner, version bump, the earlier pending request superseded.
    s.propose_ownership(&ctx(), &r1, o.version).await.unwrap();
    let o1 = s.objective(&o.id).await.unwrap().unwrap();
    assert_eq!(o1.owner_id, cy.id);
    assert_eq!(o1.ownership_state, OwnershipState::Pending);
    assert_eq!(o1.version, o.version + 1);
    let h = s.ownership_history(o.id.as_str()).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].id, r0.id);
    assert_eq!(h[0].state, RequestState::Superseded);
    assert!(h[0].decided_at.is_some());
    assert_eq!(h[1], r1);

    // The objective's requests and its key results', in one read, oldest first.
    let k = key_result(&o.id, &cy.id);
    let rk = request(
        OkrRef::KeyResult(k.id.clone()),
        None,
        &cy.id,
        Some(&ada.id),
        now(),
    );
    s.insert_key_result(&ctx(), &k, Some(&rk)).await.unwrap();
    let all = s.ownership_requests_of_objective(&o.id).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        vec![r0.id.clone(), r1.id.clone(), rk.id.clone()]
    );
    assert!(s
        .ownership_requests_of_objective(&ObjectiveId::generate())
        .await
        .unwrap()
        .is_empty());

    // A superseded request can no longer be answered.
    let mut late = h[0].clone();
    late.state = RequestState::Pending;
    late.accept(now()).unwrap();
    assert!(matches!(
        s.answer_ownership_request(&ctx(), &late).await,
        Err(StoreError::StaleVersion)
    ));

    // Declining: the OKR's ownership state follows, the reason is kept.
    let mut r1d = r1.clone();
    r1d.decline("I have no say over onboarding UX", now())
        .unwrap();
    s.answer_ownership_request(&ctx(), &r1d).await.unwrap();
    assert_eq!(s.ownership_request(&r1.id).await.unwrap().unwrap(), r1d);
    let o2 = s.objective(&o.id).await.unwrap().unwrap();
    assert_eq!(o2.ownership_state, OwnershipState::Declined);
    assert_eq!(o2.owner_id, cy.id);
    assert_eq!(o2.version, o1.version + 1);
    // Answered once only.
    let mut again = r1.clone();
    again.accept(now()).unwrap();
    assert!(matches!(
        s.answer_ownership_request(&ctx(), &again).await,
        Err(StoreError::StaleVersion)
    ));

    // Naming oneself is accepted at once.
    let r2 = request(
        OkrRef::Objective(o.id.clone()),
        Some(&cy.id),
        &ada.id,
        Some(&ada.id),
        t0 + Duration::hours(2),
    );
    s.propose_ownership(&ctx(), &r2, o2.version).await.unwrap();
    let o3 = s.objective(&o.id).await.unwrap().unwrap();
    assert_eq!(o3.owner_id, ada.id);
    assert_eq!(o3.ownership_state, OwnershipState::Accepted);
    let h = s.ownership_history(o.id.as_str()).await.unwrap();
    assert_eq!(
        h.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        vec![r0.id.clone(), r1.id.clone(), r2.id.clone()]
    );
    assert_eq!(h[1].state, RequestState::Declined);
    assert_eq!(h[2].state, RequestState::Accepted);

    // Key results: propose, accept.
    let kr = b.kr.clone();
    let r3 = request(
        OkrRef::KeyResult(kr.id.clone()),
        Some(&ada.id),
        &bob.id,
        Some(&ada.id),
        t0 + Duration::hours(3),
    );
    s.propose_ownership(&ctx(), &r3, kr.version).await.unwrap();
    let k1 = s.key_result(&kr.id).await.unwrap().unwrap();
    assert_eq!(
        (k1.owner_id.clone(), k1.ownership_state, k1.version),
        (bob.id.clone(), OwnershipState::Pending, kr.version + 1)
    );
    let mut r3a = r3.clone();
    r3a.accept(now()).unwrap();
    s.answer_ownership_request(&ctx(), &r3a).await.unwrap();
    let k2 = s.key_result(&kr.id).await.unwrap().unwrap();
    assert_eq!(k2.ownership_state, OwnershipState::Accepted);
    assert_eq!(k2.owner_id, bob.id);
    assert_eq!(s.ownership_request(&r3.id).await.unwrap().unwrap(), r3a);
    assert_eq!(
        s.ownership_history(kr.id.as_str()).await.unwrap(),
        vec![r3a.clone()]
    );
    // The objective's history holds only the objective's requests.
    assert_eq!(s.ownership_history(o.id.as_str()).await.unwrap().len(), 3);

    // The owner changed since the proposal: answering is stale.
    let r4 = request(
        OkrRef::KeyResult(kr.id.clone()),
        Some(&bob.id),
        &cy.id,
        Some(&bob.id),
        t0 + Duration::hours(4),
    );
    s.propose_ownership(&ctx(), &r4, k2.version).await.unwrap();
    let k3 = s.key_result(&kr.id).await.unwrap().unwrap();
    let mut moved = k3.clone();
    moved.owner_id = ada.id.clone();
    moved.ownership_state = OwnershipState::Accepted;
    s.update_key_result(&ctx(), &k3, &moved).await.unwrap();
    let mut r4a = r4.clone();
    r4a.accept(now()).unwrap();
    assert!(matches!(
        s.answer_ownership_request(&ctx(), &r4a).await,
        Err(StoreError::StaleVersion)
    ));
    assert_eq!(
        s.ownership_request(&r4.id).await.unwrap().unwrap().state,
        RequestState::Pending
    );

    // Every ownership change is in the objective's audit history, with the OKR before/after.
    let events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(o.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "objective.create",
        "ownership_request.create",
        "objective.propose_owner",
        "objective.decline_ownership",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    // Key result ownership changes appear in the key result's objective's history.
    let kr_events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(b.objective.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    let kr_actions: Vec<&str> = kr_events.iter().map(|e| e.action.as_str()).collect();
    for a in ["key_result.propose_owner", "key_result.accept_ownership"] {
        assert!(kr_actions.contains(&a), "{a} missing from {kr_actions:?}");
    }
    let decline = events
        .iter()
        .find(|e| e.action == "objective.decline_ownership")
        .unwrap();
    assert_eq!(decline.object_id, o.id.as_str());
    assert_eq!(
        decline.before.as_ref().unwrap()["ownership_state"],
        "pending"
    );
    assert_eq!(
        decline.after.as_ref().unwrap()["ownership_state"],
        "declined"
    );
    assert!(events
        .iter()
        .any(|e| e.action == "ownership_request.create" && e.object_id == r0.id.as_str()));
    let accepted = kr_events
        .iter()
        .find(|e| e.action == "key_result.accept_ownership")
        .unwrap();
    assert_eq!(accepted.key_result_id.as_deref(), Some(kr.id.as_str()));
    assert_eq!(
        accepted.after.as_ref().unwrap()["owner_id"],
        bob.id.as_str()
    );
    // Key result requests travel with their key result too.
    let mut k = key_result(&o.id, &cy.id);
    k.ownership_state = OwnershipState::Pending;
    let r5 = request(
        OkrRef::KeyResult(k.id.clone()),
        None,
        &cy.id,
        Some(&ada.id),
        now(),
    );
    s.insert_key_result(&ctx(), &k, Some(&r5)).await.unwrap();
    assert_eq!(s.ownership_history(k.id.as_str()).await.unwrap(), vec![r5]);
}

async fn ownership_requests_listing(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let ada = b.owner.clone();
    let bob = add_person(&s, "bob").await;
    let cy = add_person(&s, "cy").await;
    let t0 = now() - Duration::days(1);
    let o1 = b.objective.clone();
    let o2 = objective(&b.cycle.id, &ada.id);
    s.insert_objective(&ctx(), &o2, None).await.unwrap();
    // Six proposals alternating between the two objectives and between bob and cy; the same
    // timestamp twice, to exercise the id tie-break.
    let mut all = vec![];
    for i in 0..6i64 {
        let target = if i % 2 == 0 { &o1 } else { &o2 };
        let current = s.objective(&target.id).await.unwrap().unwrap();
        let proposed = if i < 3 { &bob } else { &cy };
        let by = if i == 5 { &bob } else { &ada };
        let r = request(
            OkrRef::Objective(target.id.clone()),
            Some(&current.owner_id),
            &proposed.id,
            Some(&by.id),
            t0 + Duration::minutes(i.min(4)),
        );
        s.propose_ownership(&ctx(), &r, current.version)
            .await
            .unwrap();
        all.push(r.id.clone());
    }
    let ids = |p: &Page<OwnershipRequest>| p.items.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    // Newest first, by (created_at, id).
    let full = s
        .list_ownership_requests(
            &OwnershipRequestFilter::new(Reader::Everyone),
            &page(100, None),
        )
        .await
        .unwrap();
    assert!(full.next_cursor.is_none());
    assert_eq!(full.items.len(), 6);
    for w in full.items.windows(2) {
        assert!((w[0].created_at, w[0].id.clone()) > (w[1].created_at, w[1].id.clone()));
    }
    // Pages of two walk the same list.
    let mut walked = vec![];
    let mut cursor = None;
    loop {
        let p = s
            .list_ownership_requests(
                &OwnershipRequestFilter::new(Reader::Everyone),
                &page(2, cursor),
            )
            .await
            .unwrap();
        assert!(p.items.len() <= 2);
        walked.extend(ids(&p));
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(walked, ids(&full));

    // Pending: the last request of each objective (the others were superseded).
    let pending = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                state: Some(RequestState::Pending),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap();
    let mut got: Vec<_> = ids(&pending);
    got.sort();
    let mut want = vec![all[4].clone(), all[5].clone()];
    want.sort();
    assert_eq!(got, want);
    let superseded = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                state: Some(RequestState::Superseded),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(superseded.items.len(), 4);

    let for_bob = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                proposed_owner_id: Some(bob.id.clone()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(for_bob.items.len(), 3);
    assert!(for_bob.items.iter().all(|r| r.proposed_owner_id == bob.id));
    // Bob is proposed three times and proposed once himself.
    let involving_bob = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                involving: Some(bob.id.clone()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(involving_bob.items.len(), 4);
    assert_eq!(involving_bob.items[0].id, all[5]);
    let pending_cy_on_o2 = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                state: Some(RequestState::Pending),
                proposed_owner_id: Some(cy.id.clone()),
                okr_id: Some(o2.id.to_string()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(ids(&pending_cy_on_o2), vec![all[5].clone()]);
    let on_o1 = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                okr_id: Some(o1.id.to_string()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(2, None),
        )
        .await
        .unwrap();
    assert_eq!(ids(&on_o1), vec![all[4].clone(), all[2].clone()]);
    let rest = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                okr_id: Some(o1.id.to_string()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(2, on_o1.next_cursor.clone()),
        )
        .await
        .unwrap();
    assert_eq!(ids(&rest), vec![all[0].clone()]);
    assert!(rest.next_cursor.is_none());
    assert!(s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                okr_id: Some(b.kr.id.to_string()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(10, None),
        )
        .await
        .unwrap()
        .items
        .is_empty());
}

async fn team_and_person_views(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let p = add_person(&s, "pat").await;
    let other = b.owner.clone();
    let t = team("Growth");
    s.insert_team(&ctx(), &t).await.unwrap();
    let t2 = team("Other");
    s.insert_team(&ctx(), &t2).await.unwrap();

    // Key results shared with a team.
    let mut k1 = key_result(&b.objective.id, &other.id);
    k1.team_ids = vec![t.id.clone(), t2.id.clone()];
    s.insert_key_result(&ctx(), &k1, None).await.unwrap();
    let mut k2 = key_result(&b.objective.id, &other.id);
    k2.team_ids = vec![t2.id.clone()];
    s.insert_key_result(&ctx(), &k2, None).await.unwrap();
    let gone_o = objective(&b.cycle.id, &p.id);
    s.insert_objective(&ctx(), &gone_o, None).await.unwrap();
    let mut gone_k = key_result(&gone_o.id, &p.id);
    gone_k.team_ids = vec![t.id.clone()];
    s.insert_key_result(&ctx(), &gone_k, None).await.unwrap();
    let mut deleted_k = key_result(&b.objective.id, &p.id);
    deleted_k.team_ids = vec![t.id.clone()];
    s.insert_key_result(&ctx(), &deleted_k, None).await.unwrap();
    s.delete_key_result(&ctx(), &deleted_k).await.unwrap();
    s.delete_objective(&ctx(), &gone_o).await.unwrap();
    assert_eq!(
        s.key_results_shared_with(&t.id).await.unwrap(),
        vec![k1.clone()]
    );
    let shared2: Vec<_> = s
        .key_results_shared_with(&t2.id)
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(shared2, vec![k1.id.clone(), k2.id.clone()]);
    assert!(s
        .key_results_shared_with(&TeamId::generate())
        .await
        .unwrap()
        .is_empty());

    // Every role counts: owner, co-owner, sponsor, contributor.
    let owned = objective(&b.cycle.id, &p.id);
    let mut co_owned = objective(&b.cycle.id, &other.id);
    co_owned.co_owner_ids = vec![p.id.clone()];
    let mut sponsored = objective(&b.cycle.id, &other.id);
    sponsored.sponsor_id = Some(p.id.clone());
    let mut contributed = objective(&b.cycle.id, &other.id);
    contributed.contributor_ids = vec![p.id.clone()];
    let unrelated = objective(&b.cycle.id, &other.id);
    for o in [&owned, &co_owned, &sponsored, &contributed, &unrelated] {
        s.insert_objective(&ctx(), o, None).await.unwrap();
    }
    let k_owned = key_result(&unrelated.id, &p.id);
    let mut k_co = key_result(&unrelated.id, &other.id);
    k_co.co_owner_ids = vec![p.id.clone()];
    let mut k_sponsor = key_result(&unrelated.id, &other.id);
    k_sponsor.sponsor_id = Some(p.id.clone());
    let mut k_contrib = key_result(&unrelated.id, &other.id);
    k_contrib.contributor_ids = vec![p.id.clone()];
    let k_unrelated = key_result(&unrelated.id, &other.id);
    for k in [&k_owned, &k_co, &k_sponsor, &k_contrib, &k_unrelated] {
        s.insert_key_result(&ctx(), k, None).await.unwrap();
    }
    let inv = s.okrs_involving(&p.id).await.unwrap();
    let got: HashSet<_> = inv.objectives.iter().map(|o| o.id.clone()).collect();
    let want: HashSet<_> = [&owned, &co_owned, &sponsored, &contributed]
        .iter()
        .map(|o| o.id.clone())
        .collect();
    assert_eq!(got, want);
    assert_eq!(inv.objectives.len(), 4);
    let co = inv.objectives.iter().find(|o| o.id == co_owned.id).unwrap();
    assert_eq!(co, &co_owned);
    let got: HashSet<_> = inv.key_results.iter().map(|k| k.id.clone()).collect();
    let want: HashSet<_> = [&k_owned, &k_co, &k_sponsor, &k_contrib]
        .iter()
        .map(|k| k.id.clone())
        .collect();
    assert_eq!(got, want);
    assert_eq!(inv.key_results.len(), 4);
    assert_eq!(
        inv.key_results.iter().find(|k| k.id == k_co.id).unwrap(),
        &k_co
    );
    let nobody = s.okrs_involving(&PersonId::generate()).await.unwrap();
    assert!(nobody.objectives.is_empty() && nobody.key_results.is_empty());
}

async fn snapshot_with_ownership(s: DynStore, _url: String) {
    let mut org = small_org();
    let boss = org.people[5].id.clone();
    let p0 = org.people[0].id.clone();
    let p2 = org.people[2].id.clone();
    // objectives[1] is o1 (owned by boss), key_results[1] is k1 (in o1).
    org.objectives[1].co_owner_ids = vec![p2.clone()];
    org.key_results[0].co_owner_ids = vec![p2.clone(), boss.clone()];
    let o1 = org.objectives[1].id.clone();
    let k1 = org.key_results[1].id.clone();
    let t = now() - Duration::hours(5);
    let mut accepted = request(OkrRef::Objective(o1.clone()), None, &boss, None, t);
    accepted.state = RequestState::Accepted;
    accepted.decided_at = Some(t + Duration::minutes(5));
    let pending = request(
        OkrRef::KeyResult(k1.clone()),
        Some(&boss),
        &p0,
        Some(&boss),
        t + Duration::hours(1),
    );
    org.ownership_requests = vec![pending.clone(), accepted.clone()];

    // A request naming someone unknown makes the whole load fail.
    let mut broken = org.clone();
    broken.ownership_requests[0].proposed_owner_id = PersonId::generate();
    assert!(s.load_snapshot(&ctx(), &broken).await.is_err());
    assert!(s.is_empty().await.unwrap());

    s.load_snapshot(&WriteCtx::system(Source::Import), &org)
        .await
        .unwrap();
    for o in &org.objectives {
        assert_eq!(&s.objective(&o.id).await.unwrap().unwrap(), o);
    }
    for k in &org.key_results {
        assert_eq!(&s.key_result(&k.id).await.unwrap().unwrap(), k);
    }
    assert_eq!(
        s.ownership_history(o1.as_str()).await.unwrap(),
        vec![accepted.clone()]
    );
    assert_eq!(
        s.ownership_history(k1.as_str()).await.unwrap(),
        vec![pending.clone()]
    );
    let listed = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                involving: Some(boss.clone()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(10, None),
        )
        .await
        .unwrap();
    assert_eq!(listed.items, vec![pending.clone(), accepted.clone()]);
    let events = s
        .list_audit(&AuditFilter::new(Reader::Everyone), &page(10, None))
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), 1);
    let counts = events[0].after.as_ref().unwrap();
    assert_eq!(counts["ownership_requests"], 2);
    assert_eq!(counts["co_owners"], 3);
}

/// The owner's rhythm in a snapshot (the demo's closed quarter and CFRs): scores, a retrospective
/// carried over into a draft, a team review, a 1:1, feedback requests (one answered, one waiting)
/// and a recognition of a check-in all round-trip; a broken one makes the whole load fail.
async fn snapshot_with_rhythm(s: DynStore, _url: String) {
    let mut org = small_org();
    let boss = org.people[5].id.clone();
    let p0 = org.people[0].id.clone();
    let p1 = org.people[1].id.clone();
    let team_a = org.teams[1].id.clone();
    // objectives[1] is o1 (boss, key result k1 with 50 check-ins); objectives[0] is o2.
    let o1 = org.objectives[1].id.clone();
    let k1 = org.key_results[1].id.clone();
    let k2 = org.key_results[0].id.clone();
    let mut draft = objective(&org.cycles[0].id, &boss);
    draft.state = ObjectiveState::Draft;
    org.objectives.push(draft.clone());
    let t = now() - Duration::hours(3);
    let scores = vec![
        rhythm::KeyResultScore {
            key_result_id: k1.clone(),
            score: 0.7,
            reason: "close".into(),
            suggested_score: 0.6,
            scored_by: Some(boss.clone()),
            scored_at: t,
        },
        rhythm::KeyResultScore {
            key_result_id: k2.clone(),
            score: 0.2,
            reason: String::new(),
            suggested_score: 0.2,
            scored_by: None,
            scored_at: t,
        },
    ];
    let retro = rhythm::Retrospective {
        objective_id: o1.clone(),
        worked: "demos".into(),
        did_not: "hiring".into(),
        carry_over: true,
        carried_over_to: Some(draft.id.clone()),
        updated_by: Some(boss.clone()),
        updated_at: t,
    };
    let review = review::Review {
        id: ReviewId::generate(),
        team_id: team_a.clone(),
        held_on: "2026-11-16".parse().unwrap(),
        run_by: Some(boss.clone()),
        items: vec![review::ReviewItem {
            objective_id: o1.clone(),
            title: "O".into(),
            owner_id: boss.clone(),
            owner_name: "Boss".into(),
            progress: 0.5,
            progress_change: None,
            status: rhythm::Status::AtRisk,
            status_reason: "the owner's latest confidence is 5 of 10".into(),
            confidence_trend: rhythm::Trend::Falling,
            flags: vec!["at_risk".into()],
            notes: "behind on hiring".into(),
            decisions: "move budget".into(),
        }],
        created_at: t,
        updated_at: t,
        version: 1,
    };
    let conversation = cfr::Conversation {
        id: ConversationId::generate(),
        author_id: boss.clone(),
        with_id: p0.clone(),
        okr_ids: vec![o1.to_string(), k1.to_string()],
        held_on: "2026-11-18".parse().unwrap(),
        notes: "1:1 on pace".into(),
        created_at: t,
        updated_at: t,
        version: 1,
    };
    let answered = cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: k1.to_string(),
        requester_id: boss.clone(),
        question: "pace?".into(),
        answers: vec![
            cfr::FeedbackAnswer {
                person_id: p1.clone(),
                answer: Some("slow".into()),
                answered_at: Some(t + Duration::hours(1)),
            },
            cfr::FeedbackAnswer {
                person_id: p0.clone(),
                answer: None,
                answered_at: None,
            },
        ],
        created_at: t,
    };
    let waiting = cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: o1.to_string(),
        requester_id: p0.clone(),
        question: "scope?".into(),
        answers: vec![cfr::FeedbackAnswer {
            person_id: boss.clone(),
            answer: None,
            answered_at: None,
        }],
        created_at: t - Duration::hours(1),
    };
    let recognition = cfr::Recognition {
        id: RecognitionId::generate(),
        from_id: p1.clone(),
        to_id: boss.clone(),
        okr_id: k1.to_string(),
        check_in_id: Some(org.check_ins[49].id.clone()),
        message: "thanks".into(),
        created_at: t,
    };
    org.scores = scores.clone();
    org.retrospectives = vec![retro.clone()];
    org.reviews = vec![review.clone()];
    org.conversations = vec![conversation.clone()];
    org.feedback_requests = vec![answered.clone(), waiting.clone()];
    org.recognitions = vec![recognition.clone()];

    // A recognition of an unknown check-in makes the whole load fail, nothing half-written.
    let mut broken = org.clone();
    broken.recognitions[0].check_in_id = Some(CheckInId::generate());
    assert!(s.load_snapshot(&ctx(), &broken).await.is_err());
    assert!(s.is_empty().await.unwrap());
    assert!(s.scores_of(&[k1.clone()]).await.unwrap().is_empty());

    s.load_snapshot(&WriteCtx::system(Source::Import), &org)
        .await
        .unwrap();
    let mut got = s.scores_of(&[k1.clone(), k2.clone()]).await.unwrap();
    got.sort_by(|a, b| b.score.total_cmp(&a.score));
    assert_eq!(got, scores);
    assert_eq!(s.retrospective(&o1).await.unwrap(), Some(retro));
    assert_eq!(
        s.carried_over_from(&[draft.id.clone()]).await.unwrap(),
        vec![(draft.id.clone(), o1.clone())]
    );
    assert_eq!(s.review(&review.id).await.unwrap(), Some(review.clone()));
    assert_eq!(
        s.list_reviews(&team_a, &page(10, None))
            .await
            .unwrap()
            .items,
        vec![review]
    );
    assert_eq!(
        s.list_conversations(&p0, &page(10, None))
            .await
            .unwrap()
            .items,
        vec![conversation]
    );
    assert_eq!(
        s.feedback_request(&answered.id).await.unwrap(),
        Some(answered.clone())
    );
    let mut listed = s
        .list_feedback_requests(None, Some(&boss), &page(500, None))
        .await
        .unwrap()
        .items;
    listed.sort_by(|a, b| a.question.cmp(&b.question));
    assert_eq!(listed, vec![answered, waiting]);
    assert_eq!(
        s.list_recognitions(k1.as_str(), &page(500, None))
            .await
            .unwrap()
            .items,
        vec![recognition]
    );
    let events = s
        .list_audit(&AuditFilter::new(Reader::Everyone), &page(10, None))
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), 1);
    let counts = events[0].after.as_ref().unwrap();
    for (what, n) in [
        ("scores", 2),
        ("retrospectives", 1),
        ("reviews", 1),
        ("conversations", 1),
        ("feedback_requests", 2),
        ("recognitions", 1),
    ] {
        assert_eq!(counts[what], n, "{what}");
    }
}

// ---------------------------------------------------------------------------------------------
// Access (issue 4)

/// The audience filter: public; team (the objective's or a key result's teams, members and leads
/// up the tree; or every team for `TeamScope::All`); private (the circle of the objective and of
/// its key results). The same rule on lists, ownership requests, audit events and id sets.
async fn visibility_filter(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let unique = |n: &str| format!("{n}-{}@example.com", uuid::Uuid::now_v7());
    let lead = person("Lead", &unique("lead"));
    let member = person("Member", &unique("member"));
    let helper = person("Helper", &unique("helper"));
    let outsider = person("Outsider", &unique("outsider"));
    for p in [&lead, &member, &helper, &outsider] {
        s.insert_person(&ctx(), p).await.unwrap();
    }
    let mut dept = team("Department");
    dept.lead_id = Some(lead.id.clone());
    s.insert_team(&ctx(), &dept).await.unwrap();
    let mut squad = team("Squad");
    squad.parent_id = Some(dept.id.clone());
    s.insert_team(&ctx(), &squad).await.unwrap();
    let mut leaf = team("Leaf");
    leaf.parent_id = Some(squad.id.clone());
    leaf.member_ids = vec![member.id.clone()];
    s.insert_team(&ctx(), &leaf).await.unwrap();
    let mut led: Vec<TeamId> = s.teams_led_by(&lead.id).await.unwrap();
    led.sort();
    let mut want = vec![dept.id.clone(), squad.id.clone(), leaf.id.clone()];
    want.sort();
    assert_eq!(led, want);
    assert!(s.teams_led_by(&member.id).await.unwrap().is_empty());

    // b.objective is public. A team objective shared with Leaf through a key result only, and a
    // private one with a key result Helper contributes to.
    let mut team_o = objective(&b.cycle.id, &b.owner.id);
    team_o.visibility = Visibility::Team;
    s.insert_objective(&ctx(), &team_o, None).await.unwrap();
    let mut team_kr = key_result(&team_o.id, &b.owner.id);
    team_kr.team_ids = vec![leaf.id.clone()];
    s.insert_key_result(&ctx(), &team_kr, None).await.unwrap();
    let mut private = objective(&b.cycle.id, &b.owner.id);
    private.visibility = Visibility::Private;
    s.insert_objective(&ctx(), &private, None).await.unwrap();
    let mut private_kr = key_result(&private.id, &b.owner.id);
    private_kr.contributor_ids = vec![helper.id.clone()];
    s.insert_key_result(&ctx(), &private_kr, None)
        .await
        .unwrap();

    let audience = |p: &Person, teams: TeamScope| Audience {
        person_id: p.id.clone(),
        teams,
    };
    let all_ids = vec![
        b.objective.id.clone(),
        team_o.id.clone(),
        private.id.clone(),
    ];
    let cases = [
        (audience(&outsider, TeamScope::Reach), vec![&b.objective.id]),
        (
            audience(&member, TeamScope::Reach),
            vec![&b.objective.id, &team_o.id],
        ),
        (audience(&member, TeamScope::None), vec![&b.objective.id]),
        (
            audience(&lead, TeamScope::Reach),
            vec![&b.objective.id, &team_o.id],
        ),
        (
            audience(&outsider, TeamScope::All),
            vec![&b.objective.id, &team_o.id],
        ),
        (
            audience(&helper, TeamScope::None),
            vec![&b.objective.id, &private.id],
        ),
        (
            audience(&b.owner, TeamScope::None),
            vec![&b.objective.id, &team_o.id, &private.id],
        ),
    ];
    for (a, expected) in cases {
        let mut expected: Vec<ObjectiveId> = expected.into_iter().cloned().collect();
        expected.sort();
        let mut got = s.visible_objective_ids(&a, &all_ids).await.unwrap();
        got.sort();
        assert_eq!(got, expected, "{a:?}");
        // Lists filter in SQL: one item a page, never a short page.
        let mut listed = vec![];
        let mut cursor = None;
        loop {
            let p = s
                .list_objectives(
                    &ObjectiveFilter {
                        cycle_id: Some(b.cycle.id.clone()),
                        ..ObjectiveFilter::new(Reader::Audience(a.clone()))
                    },
                    &page(1, cursor),
                )
                .await
                .unwrap();
            if p.next_cursor.is_some() {
                assert_eq!(p.items.len(), 1);
            }
            listed.extend(p.items.into_iter().map(|o| o.id));
            cursor = p.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        listed.sort();
        assert_eq!(listed, expected, "{a:?}");
        // Audit events on invisible objectives (and their key results) are left out.
        let events = s
            .list_audit(
                &AuditFilter {
                    ..AuditFilter::new(Reader::Audience(a.clone()))
                },
                &page(500, None),
            )
            .await
            .unwrap();
        for e in &events.items {
            if let Some(o) = &e.objective_id {
                assert!(
                    expected.iter().any(|x| x.as_str() == o),
                    "{a:?} sees an event on {o}"
                );
            }
        }
        assert!(events.items.iter().any(|e| e.object_kind == "person"));
    }
    // A deleted key result no longer grants sight.
    s.delete_key_result(&ctx(), &private_kr).await.unwrap();
    let got = s
        .visible_objective_ids(&audience(&helper, TeamScope::None), &all_ids)
        .await
        .unwrap();
    assert_eq!(got, vec![b.objective.id.clone()]);
}

/// Audit events are never changed or removed: later writes (deletions included) only append.
async fn audit_is_append_only(s: DynStore, _url: String) {
    let everything = |s: DynStore| async move {
        s.list_audit(&AuditFilter::new(Reader::Everyone), &page(500, None))
            .await
            .unwrap()
            .items
    };
    let b = basic(&s).await;
    let before = everything(s.clone()).await;
    assert!(!before.is_empty());
    let mut o = b.objective.clone();
    o.title = "Renamed".into();
    s.update_objective(&ctx(), &b.objective, &o).await.unwrap();
    let stored = s.objective(&b.objective.id).await.unwrap().unwrap();
    s.delete_objective(&ctx(), &stored).await.unwrap();
    let after = everything(s.clone()).await;
    assert_eq!(after.len(), before.len() + 2);
    for e in &before {
        assert!(after.contains(e), "event {} changed or vanished", e.id);
    }
    // No statement of the store updates or deletes audit rows.
    let source =
        store_source(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")).to_lowercase();
    assert!(
        source.contains("insert into"),
        "the store's source was not read"
    );
    for forbidden in ["update audit_events", "delete from audit_events"] {
        assert!(
            !source.contains(forbidden),
            "the store must not '{forbidden}'"
        );
    }
}

/// Every Rust source file of the store under `dir`, concatenated.
fn store_source(dir: &std::path::Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).expect("read the store's src") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            out.push_str(&store_source(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).expect("read a source file"));
        }
    }
    out
}

async fn financial_flag_and_admin_count(s: DynStore, _url: String) {
    let b = basic(&s).await;
    assert!(!b.kr.financial);
    let mut kr = b.kr.clone();
    kr.financial = true;
    s.update_key_result(&ctx(), &b.kr, &kr).await.unwrap();
    assert!(s.key_result(&b.kr.id).await.unwrap().unwrap().financial);
    let mut fin = key_result(&b.objective.id, &b.owner.id);
    fin.financial = true;
    s.insert_key_result(&ctx(), &fin, None).await.unwrap();
    assert!(s.key_result(&fin.id).await.unwrap().unwrap().financial);

    let admins = s.count_active_with_role(Role::Admin).await.unwrap();
    let mut admin = person(
        "Root",
        &format!("root-{}@example.com", uuid::Uuid::now_v7()),
    );
    admin.roles = vec![Role::Admin, Role::Member];
    s.insert_person(&ctx(), &admin).await.unwrap();
    assert_eq!(
        s.count_active_with_role(Role::Admin).await.unwrap(),
        admins + 1
    );
    let mut gone = admin.clone();
    gone.active = false;
    s.update_person(&ctx(), &admin, &gone).await.unwrap();
    assert_eq!(s.count_active_with_role(Role::Admin).await.unwrap(), admins);
}

// ---------------------------------------------------------------------------------------------
// Issue 5: the owner's rhythm

async fn rhythm_records_round_trip(s: DynStore, _url: String) {
    let b = basic(&s).await;
    // Check-in history of several key results in one call, by key result then time.
    let kr2 = key_result(&b.objective.id, &b.owner.id);
    s.insert_key_result(&ctx(), &kr2, None).await.unwrap();
    let t = now();
    for (kr, v, days) in [(&b.kr, 2.0, 1), (&b.kr, 1.0, 5), (&kr2, 3.0, 2)] {
        let c = check_in(&kr.id, v, t - Duration::days(days));
        s.record_check_in(&ctx(), &c, &applied(kr, &c))
            .await
            .unwrap();
    }
    let all = s
        .check_ins_of(&[b.kr.id.clone(), kr2.id.clone()])
        .await
        .unwrap();
    let mine: Vec<f64> = all
        .iter()
        .filter(|c| c.key_result_id == b.kr.id)
        .map(|c| c.value)
        .collect();
    assert_eq!(mine, vec![1.0, 2.0], "oldest first");
    assert_eq!(all.len(), 3);
    assert!(s.check_ins_of(&[]).await.unwrap().is_empty());
    // The same history reduced to points, in the same order, with the same confidences.
    let points = s
        .check_in_points(&[b.kr.id.clone(), kr2.id.clone()])
        .await
        .unwrap();
    let expected: Vec<keel_store::CheckInPoint> = all
        .iter()
        .map(|c| keel_store::CheckInPoint {
            key_result_id: c.key_result_id.clone(),
            at: c.at,
            value: c.value,
            confidence: c.confidence.value(),
        })
        .collect();
    let mut sorted = points.clone();
    sorted.sort_by(|a, b| (a.key_result_id.as_str(), a.at).cmp(&(b.key_result_id.as_str(), b.at)));
    assert_eq!(sorted, expected);
    let mine: Vec<f64> = points
        .iter()
        .filter(|p| p.key_result_id == b.kr.id)
        .map(|p| p.value)
        .collect();
    assert_eq!(mine, vec![1.0, 2.0], "oldest first");
    assert!(s.check_in_points(&[]).await.unwrap().is_empty());
    assert_eq!(
        s.cycles_by_ids(&[b.cycle.id.clone()]).await.unwrap()[0].id,
        b.cycle.id
    );

    let tm = team("Growth");
    s.insert_team(&ctx(), &tm).await.unwrap();
    s.set_team_cadence(&ctx(), &tm.id, Some(14)).await.unwrap();
    s.set_team_cadence(&ctx(), &tm.id, Some(10)).await.unwrap();
    assert_eq!(
        s.team_cadences(&[tm.id.clone()]).await.unwrap(),
        vec![(tm.id.clone(), 10)]
    );
    s.set_team_cadence(&ctx(), &tm.id, None).await.unwrap();
    assert!(s.team_cadences(&[tm.id.clone()]).await.unwrap().is_empty());

    let ov = rhythm::StatusOverride {
        objective_id: b.objective.id.clone(),
        status: rhythm::Status::AtRisk,
        reason: "hiring".into(),
        set_by: Some(b.owner.id.clone()),
        set_at: now(),
    };
    s.set_status_override(&ctx(), &b.objective.id, Some(&ov))
        .await
        .unwrap();
    assert_eq!(
        s.status_overrides(&[b.objective.id.clone()]).await.unwrap(),
        vec![ov]
    );
    s.set_status_override(&ctx(), &b.objective.id, None)
        .await
        .unwrap();
    assert!(s
        .status_overrides(&[b.objective.id.clone()])
        .await
        .unwrap()
        .is_empty());

    let score = rhythm::KeyResultScore {
        key_result_id: b.kr.id.clone(),
        score: 0.7,
        reason: "close".into(),
        suggested_score: 0.6,
        scored_by: Some(b.owner.id.clone()),
        scored_at: now(),
    };
    s.save_score(&ctx(), &score).await.unwrap();
    let rescored = rhythm::KeyResultScore {
        score: 0.8,
        ..score
    };
    s.save_score(&ctx(), &rescored).await.unwrap();
    assert_eq!(
        s.scores_of(&[b.kr.id.clone()]).await.unwrap(),
        vec![rescored]
    );

    let draft = objective(&b.cycle.id, &b.owner.id);
    s.insert_objective(&ctx(), &draft, None).await.unwrap();
    let retro = rhythm::Retrospective {
        objective_id: b.objective.id.clone(),
        worked: "demos".into(),
        did_not: "hiring".into(),
        carry_over: true,
        carried_over_to: Some(draft.id.clone()),
        updated_by: Some(b.owner.id.clone()),
        updated_at: now(),
    };
    s.save_retrospective(&ctx(), &retro).await.unwrap();
    assert_eq!(s.retrospective(&b.objective.id).await.unwrap(), Some(retro));
    assert_eq!(
        s.carried_over_from(&[draft.id.clone(), b.objective.id.clone()])
            .await
            .unwrap(),
        vec![(draft.id.clone(), b.objective.id.clone())]
    );
    // A score for an unknown key result is refused by the database.
    let orphan = rhythm::KeyResultScore {
        key_result_id: KeyResultId::generate(),
        ..s.scores_of(&[b.kr.id.clone()]).await.unwrap().remove(0)
    };
    assert!(s.save_score(&ctx(), &orphan).await.is_err());
}

async fn reviews_and_cfrs_round_trip(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let tm = team("Growth");
    s.insert_team(&ctx(), &tm).await.unwrap();
    let item = review::ReviewItem {
        objective_id: b.objective.id.clone(),
        title: "O".into(),
        owner_id: b.owner.id.clone(),
        owner_name: "Ada".into(),
        progress: 0.5,
        progress_change: Some(0.1),
        status: rhythm::Status::OnTrack,
        status_reason: "fine".into(),
        confidence_trend: rhythm::Trend::Rising,
        flags: vec![],
        notes: String::new(),
        decisions: String::new(),
    };
    let mut reviews = vec![];
    for day in ["2026-10-01", "2026-11-01", "2026-10-15"] {
        let r = review::Review {
            id: ReviewId::generate(),
            team_id: tm.id.clone(),
            held_on: day.parse().unwrap(),
            run_by: Some(b.owner.id.clone()),
            items: vec![item.clone()],
            created_at: now(),
            updated_at: now(),
            version: 1,
        };
        s.insert_review(&ctx(), &r).await.unwrap();
        reviews.push(r);
    }
    let p1 = s.list_reviews(&tm.id, &page(2, None)).await.unwrap();
    let days: Vec<String> = p1.items.iter().map(|r| r.held_on.to_string()).collect();
    assert_eq!(days, vec!["2026-11-01", "2026-10-15"]);
    let p2 = s
        .list_reviews(&tm.id, &page(2, p1.next_cursor))
        .await
        .unwrap();
    assert_eq!(p2.items[0].held_on.to_string(), "2026-10-01");
    assert!(p2.next_cursor.is_none());
    let mut after = reviews[0].clone();
    after.items[0].notes = "noted".into();
    let stored = s.update_review(&ctx(), &reviews[0], &after).await.unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(
        s.review(&reviews[0].id).await.unwrap().unwrap().items[0].notes,
        "noted"
    );
    assert!(matches!(
        s.update_review(&ctx(), &reviews[0], &after).await,
        Err(StoreError::StaleVersion)
    ));

    let other = person("Sam", &format!("sam-{}@example.com", uuid::Uuid::now_v7()));
    s.insert_person(&ctx(), &other).await.unwrap();
    let c = cfr::Conversation {
        id: ConversationId::generate(),
        author_id: b.owner.id.clone(),
        with_id: other.id.clone(),
        okr_ids: vec![b.objective.id.to_string()],
        held_on: "2026-11-20".parse().unwrap(),
        notes: "1:1".into(),
        created_at: now(),
        updated_at: now(),
        version: 1,
    };
    s.insert_conversation(&ctx(), &c).await.unwrap();
    assert_eq!(s.conversation(&c.id).await.unwrap(), Some(c.clone()));
    assert_eq!(
        s.list_conversations(&other.id, &page(10, None))
            .await
            .unwrap()
            .items,
        vec![c]
    );

    let f = cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: b.kr.id.to_string(),
        requester_id: b.owner.id.clone(),
        question: "pace?".into(),
        answers: vec![cfr::FeedbackAnswer {
            person_id: other.id.clone(),
            answer: None,
            answered_at: None,
        }],
        created_at: now(),
    };
    s.insert_feedback_request(&ctx(), &f).await.unwrap();
    let answer = cfr::FeedbackAnswer {
        person_id: other.id.clone(),
        answer: Some("slow".into()),
        answered_at: Some(now()),
    };
    s.answer_feedback(&ctx(), &f.id, &answer).await.unwrap();
    let got = s.feedback_request(&f.id).await.unwrap().unwrap();
    assert_eq!(got.answers, vec![answer]);
    assert_eq!(
        s.list_feedback_requests(None, Some(&other.id), &page(500, None))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(s
        .list_feedback_requests(Some("other"), None, &page(500, None))
        .await
        .unwrap()
        .items
        .is_empty());
    let stranger = cfr::FeedbackAnswer {
        person_id: b.owner.id.clone(),
        ..got.answers[0].clone()
    };
    assert!(matches!(
        s.answer_feedback(&ctx(), &f.id, &stranger).await,
        Err(StoreError::NotFound)
    ));

    let r = cfr::Recognition {
        id: RecognitionId::generate(),
        from_id: b.owner.id.clone(),
        to_id: other.id.clone(),
        okr_id: b.kr.id.to_string(),
        check_in_id: None,
        message: "thanks".into(),
        created_at: now(),
    };
    s.insert_recognition(&ctx(), &r).await.unwrap();
    assert_eq!(
        s.list_recognitions(b.kr.id.as_str(), &page(500, None))
            .await
            .unwrap()
            .items,
        vec![r]
    );
}

/// Recognition received and given by a person, and on several OKRs at once: newest first by
/// when it was given (ids are generated in the opposite order here, so an order by id alone
/// fails), nobody else's.
async fn recognitions_by_person_and_okrs(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let sam = add_person(&s, "Sam").await;
    let tia = add_person(&s, "Tia").await;
    let other = basic(&s).await;
    let ids: Vec<RecognitionId> = (0..4).map(|_| RecognitionId::generate()).collect();
    let t0 = now();
    // (from, to, okr, seconds after t0): the last id is the oldest.
    let rows = [
        (&b.owner, &sam, b.kr.id.to_string(), 30),
        (&tia, &sam, b.objective.id.to_string(), 20),
        (&sam, &b.owner, b.kr.id.to_string(), 10),
        (&b.owner, &sam, other.kr.id.to_string(), 0),
    ];
    let mut all = vec![];
    for (id, (from, to, okr, secs)) in ids.iter().zip(rows) {
        let r = cfr::Recognition {
            id: id.clone(),
            from_id: from.id.clone(),
            to_id: to.id.clone(),
            okr_id: okr,
            check_in_id: None,
            message: format!("thanks {secs}"),
            created_at: t0 + Duration::seconds(secs),
        };
        s.insert_recognition(&ctx(), &r).await.unwrap();
        all.push(r);
    }
    let pick = |i: &[usize]| i.iter().map(|n| all[*n].clone()).collect::<Vec<_>>();
    assert_eq!(
        s.recognitions_to(&sam.id, &page(500, None))
            .await
            .unwrap()
            .items,
        pick(&[0, 1, 3])
    );
    assert_eq!(
        s.recognitions_to(&b.owner.id, &page(500, None))
            .await
            .unwrap()
            .items,
        pick(&[2])
    );
    assert!(s
        .recognitions_to(&tia.id, &page(500, None))
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        s.recognitions_from(&b.owner.id, &page(500, None))
            .await
            .unwrap()
            .items,
        pick(&[0, 3])
    );
    assert_eq!(
        s.recognitions_from(&tia.id, &page(500, None))
            .await
            .unwrap()
            .items,
        pick(&[1])
    );
    assert!(s
        .recognitions_from(&other.owner.id, &page(500, None))
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        s.recognitions_on_okrs(
            &[b.kr.id.to_string(), b.objective.id.to_string()],
            &page(500, None)
        )
        .await
        .unwrap()
        .items,
        pick(&[0, 1, 2])
    );
    assert_eq!(
        s.recognitions_on_okrs(&[b.objective.id.to_string()], &page(500, None))
            .await
            .unwrap()
            .items,
        pick(&[1])
    );
    assert!(s
        .recognitions_on_okrs(&[], &page(500, None))
        .await
        .unwrap()
        .items
        .is_empty());
}

async fn sessions(s: DynStore, _url: String) {
    let p = person("Ada", "ada@example.com");
    let q = person("Bo", "bo@example.com");
    s.insert_person(&ctx(), &p).await.unwrap();
    s.insert_person(&ctx(), &q).await.unwrap();
    let session = |hash: &str, who: &Person| Session {
        id_hash: hash.to_string(),
        person_id: who.id.clone(),
        csrf_token: format!("csrf-{hash}"),
        method: "password".into(),
        created_at: now(),
        last_seen_at: now(),
        expires_at: now() + Duration::hours(12),
    };
    let a = session("a1", &p);
    s.insert_session(&a).await.unwrap();
    s.insert_session(&session("a2", &p)).await.unwrap();
    s.insert_session(&session("b1", &q)).await.unwrap();
    let (got, who) = s.session_by_hash("a1").await.unwrap().unwrap();
    assert_eq!(got, a);
    assert_eq!(who, p);
    assert!(s.session_by_hash("zz").await.unwrap().is_none());
    let later = now() + Duration::minutes(5);
    s.touch_session("a1", later).await.unwrap();
    assert_eq!(
        s.session_by_hash("a1")
            .await
            .unwrap()
            .unwrap()
            .0
            .last_seen_at,
        later
    );
    // Ending every other session of Ada keeps a1 and Bo's.
    assert_eq!(s.delete_sessions_of(&p.id, Some("a1")).await.unwrap(), 1);
    assert!(s.session_by_hash("a2").await.unwrap().is_none());
    assert!(s.session_by_hash("a1").await.unwrap().is_some());
    assert_eq!(s.delete_sessions_of(&p.id, None).await.unwrap(), 1);
    assert!(s.session_by_hash("a1").await.unwrap().is_none());
    s.delete_session("b1").await.unwrap();
    s.delete_session("b1").await.unwrap();
    assert!(s.session_by_hash("b1").await.unwrap().is_none());
    // A session must belong to a person.
    assert!(s
        .insert_session(&Session {
            person_id: PersonId::generate(),
            ..session("x", &p)
        })
        .await
        .is_err());
}

async fn sign_in_throttles(s: DynStore, _url: String) {
    let t0 = now();
    let window = Duration::minutes(15);
    assert!(s
        .sign_in_throttle("ada@example.com")
        .await
        .unwrap()
        .is_none());
    for n in 1..=3 {
        let at = t0 + Duration::seconds(n);
        assert_eq!(
            s.record_sign_in_failure("ada@example.com", at, at - window)
                .await
                .unwrap(),
            n
        );
    }
    // Another key counts separately.
    assert_eq!(
        s.record_sign_in_failure("bo@example.com", t0, t0 - window)
            .await
            .unwrap(),
        1
    );
    let until = t0 + window;
    s.lock_sign_in("ada@example.com", until).await.unwrap();
    let th = s
        .sign_in_throttle("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(th.failures, 3);
    assert_eq!(th.first_failure_at, t0 + Duration::seconds(1));
    assert_eq!(th.locked_until, Some(until));
    // Once the window has passed, counting starts again and the lock goes.
    let late = t0 + Duration::minutes(20);
    assert_eq!(
        s.record_sign_in_failure("ada@example.com", late, late - window)
            .await
            .unwrap(),
        1
    );
    let th = s
        .sign_in_throttle("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((th.first_failure_at, th.locked_until), (late, None));
    s.clear_sign_in_failures("ada@example.com").await.unwrap();
    assert!(s
        .sign_in_throttle("ada@example.com")
        .await
        .unwrap()
        .is_none());
    // Concurrent failures all count.
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.record_sign_in_failure("cy@example.com", t0, t0 - window)
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        s.sign_in_throttle("cy@example.com")
            .await
            .unwrap()
            .unwrap()
            .failures,
        10
    );
}

async fn oidc_logins_are_taken_once(s: DynStore, _url: String) {
    let login = OidcLogin {
        state_hash: "h".repeat(64),
        nonce: "n0nce".into(),
        pkce_verifier: "v".repeat(43),
        return_to: "/my-week".into(),
        created_at: now(),
    };
    s.insert_oidc_login(&login).await.unwrap();
    assert_eq!(
        s.take_oidc_login(&login.state_hash).await.unwrap(),
        Some(login.clone())
    );
    assert_eq!(s.take_oidc_login(&login.state_hash).await.unwrap(), None);
    assert_eq!(s.take_oidc_login("other").await.unwrap(), None);
}

async fn weekly_check_in_is_all_or_nothing(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let kr2 = key_result(&b.objective.id, &b.owner.id);
    s.insert_key_result(&ctx(), &kr2, None).await.unwrap();
    let c1 = check_in(&b.kr.id, 30.0, now());
    let c2 = check_in(&kr2.id, 60.0, now());
    // An unknown key result in the batch: nothing is written, the good one included.
    let ghost = check_in(&KeyResultId::generate(), 1.0, now());
    let mut ghost_kr = b.kr.clone();
    ghost_kr.id = ghost.key_result_id.clone();
    let r = s
        .record_check_ins(
            &ctx(),
            &[
                (c1.clone(), applied(&b.kr, &c1)),
                (ghost.clone(), applied(&ghost_kr, &ghost)),
            ],
        )
        .await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    assert!(s
        .list_check_ins(&b.kr.id, &page(10, None))
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        s.key_result(&b.kr.id).await.unwrap().unwrap().current,
        b.kr.current
    );
    // A duplicate check-in id fails the whole batch too.
    let mut dup = c2.clone();
    dup.key_result_id = b.kr.id.clone();
    let r = s
        .record_check_ins(
            &ctx(),
            &[
                (c2.clone(), applied(&kr2, &c2)),
                (dup.clone(), applied(&b.kr, &dup)),
            ],
        )
        .await;
    assert!(r.is_err());
    assert!(s
        .check_ins_of(&[b.kr.id.clone(), kr2.id.clone()])
        .await
        .unwrap()
        .is_empty());
    // All good: both land, each key result moved, in order.
    let stored = s
        .record_check_ins(
            &ctx(),
            &[
                (c1.clone(), applied(&b.kr, &c1)),
                (c2.clone(), applied(&kr2, &c2)),
            ],
        )
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(
        (stored[0].id.clone(), stored[0].current),
        (b.kr.id.clone(), 30.0)
    );
    assert_eq!(
        (stored[1].id.clone(), stored[1].current),
        (kr2.id.clone(), 60.0)
    );
    assert_eq!(stored[0].version, b.kr.version + 1);
    assert_eq!(s.key_result(&kr2.id).await.unwrap().unwrap(), stored[1]);
    assert_eq!(
        s.list_check_ins(&kr2.id, &page(10, None))
            .await
            .unwrap()
            .items,
        vec![c2]
    );
    // Nothing to record is fine.
    assert!(s.record_check_ins(&ctx(), &[]).await.unwrap().is_empty());
}

async fn check_ins_of_key_results(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let kr2 = key_result(&b.objective.id, &b.owner.id);
    s.insert_key_result(&ctx(), &kr2, None).await.unwrap();
    let older = check_in(&b.kr.id, 10.0, now() - Duration::days(14));
    let newer = check_in(&b.kr.id, 20.0, now() - Duration::days(7));
    let other = check_in(&kr2.id, 5.0, now() - Duration::days(3));
    // Recorded out of order: the result is by key result, then oldest first.
    for c in [&newer, &other, &older] {
        let k = s.key_result(&c.key_result_id).await.unwrap().unwrap();
        s.record_check_in(&ctx(), c, &applied(&k, c)).await.unwrap();
    }
    let all = s
        .check_ins_of(&[b.kr.id.clone(), kr2.id.clone()])
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let of_kr: Vec<f64> = all
        .iter()
        .filter(|c| c.key_result_id == b.kr.id)
        .map(|c| c.value)
        .collect();
    assert_eq!(of_kr, vec![10.0, 20.0]);
    let mut grouped = all
        .iter()
        .map(|c| c.key_result_id.clone())
        .collect::<Vec<_>>();
    grouped.dedup();
    assert_eq!(grouped.len(), 2, "grouped by key result");
    assert_eq!(
        s.check_ins_of(&[kr2.id.clone()]).await.unwrap(),
        vec![other]
    );
    assert!(s.check_ins_of(&[]).await.unwrap().is_empty());
}

async fn initiatives_of_key_results(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let kr2 = key_result(&b.objective.id, &b.owner.id);
    s.insert_key_result(&ctx(), &kr2, None).await.unwrap();
    let mut first = initiative(&b.kr.id, &b.owner.id);
    first.created_at = now() - Duration::days(2);
    let second = initiative(&b.kr.id, &b.owner.id);
    let other = initiative(&kr2.id, &b.owner.id);
    for i in [&second, &other, &first] {
        s.insert_initiative(&ctx(), i).await.unwrap();
    }
    let all = s
        .initiatives_of(&[b.kr.id.clone(), kr2.id.clone()])
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let of_kr: Vec<_> = all
        .iter()
        .filter(|i| i.key_result_id == b.kr.id)
        .cloned()
        .collect();
    assert_eq!(of_kr, vec![first, second], "oldest first");
    assert_eq!(
        s.initiatives_of(&[kr2.id.clone()]).await.unwrap(),
        vec![other]
    );
    assert!(s.initiatives_of(&[]).await.unwrap().is_empty());
}

async fn children_of_an_objective_and_its_key_results(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let mut on_objective = objective(&b.cycle.id, &b.owner.id);
    on_objective.parents = vec![ParentRef::Objective(b.objective.id.clone())];
    let mut on_kr = objective(&b.cycle.id, &b.owner.id);
    on_kr.parents = vec![ParentRef::KeyResult(b.kr.id.clone())];
    let unrelated = objective(&b.cycle.id, &b.owner.id);
    let mut deleted = objective(&b.cycle.id, &b.owner.id);
    deleted.parents = vec![ParentRef::Objective(b.objective.id.clone())];
    for o in [&on_objective, &on_kr, &unrelated, &deleted] {
        s.insert_objective(&ctx(), o, None).await.unwrap();
    }
    s.delete_objective(&ctx(), &deleted).await.unwrap();
    let mut ids: Vec<_> = s
        .children_of_objective(&b.objective.id)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    ids.sort();
    let mut want = vec![on_objective.id.clone(), on_kr.id.clone()];
    want.sort();
    assert_eq!(ids, want);
    assert!(s
        .children_of_objective(&unrelated.id)
        .await
        .unwrap()
        .is_empty());
}

async fn carry_over_is_all_or_nothing(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let next = cycle(&format!("Q2 {}", uuid::Uuid::now_v7()));
    s.insert_cycle(&ctx(), &next).await.unwrap();
    let retro = |to: &ObjectiveId| rhythm::Retrospective {
        objective_id: b.objective.id.clone(),
        worked: "weekly check-ins".into(),
        did_not: "hiring".into(),
        carry_over: true,
        carried_over_to: Some(to.clone()),
        updated_by: Some(b.owner.id.clone()),
        updated_at: now(),
    };
    let draft = |kr_ids: Vec<KeyResultId>| {
        let mut o = objective(&next.id, &b.owner.id);
        o.state = ObjectiveState::Draft;
        let krs = kr_ids
            .into_iter()
            .map(|id| {
                let mut k = key_result(&o.id, &b.owner.id);
                k.id = id;
                (k, None)
            })
            .collect();
        CarryOver {
            objective: o,
            request: None,
            key_results: krs,
        }
    };

    // A later write fails (the second key result reuses an existing id): nothing is written,
    // not the draft, not its first key result, not the retrospective.
    let failing = draft(vec![KeyResultId::generate(), b.kr.id.clone()]);
    assert!(s
        .carry_over(&ctx(), &retro(&failing.objective.id), &failing)
        .await
        .is_err());
    assert!(s.objective(&failing.objective.id).await.unwrap().is_none());
    assert!(s
        .key_result(&failing.key_results[0].0.id)
        .await
        .unwrap()
        .is_none());
    assert!(s.retrospective(&b.objective.id).await.unwrap().is_none());

    // The whole carry-over lands together, linked to the original.
    let ok = draft(vec![KeyResultId::generate(), KeyResultId::generate()]);
    s.carry_over(&ctx(), &retro(&ok.objective.id), &ok)
        .await
        .unwrap();
    assert_eq!(
        s.objective(&ok.objective.id)
            .await
            .unwrap()
            .unwrap()
            .cycle_id,
        next.id
    );
    assert_eq!(
        s.key_results_of(&[ok.objective.id.clone()])
            .await
            .unwrap()
            .len(),
        2
    );
    let r = s.retrospective(&b.objective.id).await.unwrap().unwrap();
    assert_eq!(r.carried_over_to, Some(ok.objective.id.clone()));
    assert_eq!(
        s.carried_over_from(&[ok.objective.id.clone()])
            .await
            .unwrap(),
        vec![(ok.objective.id.clone(), b.objective.id.clone())]
    );

    // A key result of another objective is refused before anything is written.
    let mut stray = draft(vec![KeyResultId::generate()]);
    stray.key_results[0].0.objective_id = b.objective.id.clone();
    assert!(s
        .carry_over(&ctx(), &retro(&stray.objective.id), &stray)
        .await
        .is_err());
    assert!(s.objective(&stray.objective.id).await.unwrap().is_none());
}

async fn key_results_by_ids(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let kr2 = key_result(&b.objective.id, &b.owner.id);
    s.insert_key_result(&ctx(), &kr2, None).await.unwrap();
    let mut got: Vec<KeyResultId> = s
        .key_results_by_ids(&[b.kr.id.clone(), kr2.id.clone(), KeyResultId::generate()])
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    got.sort();
    let mut want = vec![b.kr.id.clone(), kr2.id.clone()];
    want.sort();
    assert_eq!(got, want);
    assert!(s.key_results_by_ids(&[]).await.unwrap().is_empty());
    s.delete_key_result(&ctx(), &kr2).await.unwrap();
    assert_eq!(
        s.key_results_by_ids(&[kr2.id.clone()]).await.unwrap().len(),
        0,
        "deleted key results are left out"
    );
}

/// Every page of a list, `limit` items at a time, and how many pages it took.
async fn read_pages<T, F, Fut>(limit: u32, mut read: F) -> (Vec<T>, usize)
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = StoreResult<Page<T>>>,
{
    let (mut all, mut pages, mut cursor) = (vec![], 0, None);
    loop {
        let got = read(page(limit, cursor)).await.unwrap();
        assert!(got.items.len() <= limit as usize);
        pages += 1;
        all.extend(got.items);
        match got.next_cursor {
            Some(c) => cursor = Some(c),
            None => return (all, pages),
        }
    }
}

/// Feedback requests are listed a page at a time, newest first, none left out or repeated.
async fn feedback_requests_page_without_cut_off(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let other = add_person(&s, "Olu").await;
    let mut made = vec![];
    for n in 0..7 {
        let f = cfr::FeedbackRequest {
            id: FeedbackRequestId::generate(),
            okr_id: b.kr.id.to_string(),
            requester_id: b.owner.id.clone(),
            question: format!("question {n}"),
            answers: vec![cfr::FeedbackAnswer {
                person_id: other.id.clone(),
                answer: None,
                answered_at: None,
            }],
            created_at: now(),
        };
        s.insert_feedback_request(&ctx(), &f).await.unwrap();
        made.push(f);
    }
    made.reverse();
    let okr = b.kr.id.to_string();
    let (all, pages) = read_pages(3, |p| {
        let (s, okr) = (&s, &okr);
        async move { s.list_feedback_requests(Some(okr), None, &p).await }
    })
    .await;
    assert_eq!(pages, 3);
    assert_eq!(all, made);
    let (asked, pages) = read_pages(2, |p| {
        let (s, other) = (&s, &other);
        async move { s.list_feedback_requests(None, Some(&other.id), &p).await }
    })
    .await;
    assert_eq!(pages, 4);
    assert_eq!(asked, made);
    assert!(matches!(
        s.list_feedback_requests(None, None, &page(2, Some("t:1:x".into())))
            .await,
        Err(StoreError::BadCursor)
    ));
}

/// Recognition on an OKR, to and from a person, and on several OKRs is listed a page at a time
/// in its order (ties on `created_at` broken by id), none left out or repeated.
async fn recognitions_page_without_cut_off(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let sam = add_person(&s, "Sam").await;
    let t0 = now();
    let mut made = vec![];
    for n in 0..7_i64 {
        let r = cfr::Recognition {
            id: RecognitionId::generate(),
            from_id: b.owner.id.clone(),
            to_id: sam.id.clone(),
            okr_id: if n % 2 == 0 {
                b.kr.id.to_string()
            } else {
                b.objective.id.to_string()
            },
            check_in_id: None,
            message: format!("thanks {n}"),
            // Pairs share a time: the order within a pair is by id.
            created_at: t0 + Duration::seconds(n / 2),
        };
        s.insert_recognition(&ctx(), &r).await.unwrap();
        made.push(r);
    }
    let mut newest_first = made.clone();
    newest_first.sort_by(|a, b| (b.created_at, b.id.as_str()).cmp(&(a.created_at, a.id.as_str())));

    let (to, pages) = read_pages(3, |p| {
        let (s, sam) = (&s, &sam);
        async move { s.recognitions_to(&sam.id, &p).await }
    })
    .await;
    assert_eq!((to, pages), (newest_first.clone(), 3));
    let (from, pages) = read_pages(2, |p| {
        let (s, b) = (&s, &b);
        async move { s.recognitions_from(&b.owner.id, &p).await }
    })
    .await;
    assert_eq!((from, pages), (newest_first.clone(), 4));
    let okrs = vec![b.kr.id.to_string(), b.objective.id.to_string()];
    let (on, pages) = read_pages(3, |p| {
        let (s, okrs) = (&s, &okrs);
        async move { s.recognitions_on_okrs(okrs, &p).await }
    })
    .await;
    assert_eq!((on, pages), (newest_first.clone(), 3));

    let mut on_kr: Vec<_> = made
        .iter()
        .filter(|r| r.okr_id == b.kr.id.as_str())
        .cloned()
        .collect();
    on_kr.sort_by(|a, b| b.id.as_str().cmp(a.id.as_str()));
    let (listed, pages) = read_pages(2, |p| {
        let (s, b) = (&s, &b);
        async move { s.list_recognitions(b.kr.id.as_str(), &p).await }
    })
    .await;
    assert_eq!((listed, pages), (on_kr, 2));
}
