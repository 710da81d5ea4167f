#![allow(clippy::cloned_ref_to_slice_refs)]

//! One conformance suite for every backend: each test is written once against `DynStore` and run
//! on SQLite (a fresh file per test) and on PostgreSQL (a fresh database per test) when
//! `KEEL_TEST_POSTGRES_URL` is set. With `CI=true` and no PostgreSQL URL, the PostgreSQL tests
//! fail rather than silently skip.
//!
//! One file per area of the store (people, okrs, check_ins, …); each lists its tests in a
//! `conformance!` invocation, which runs every one of them on both backends as
//! `<area>::sqlite::<test>` and `<area>::postgres::<test>`. Fixtures shared by the areas are here.

use chrono::{DateTime, Duration, Utc};

use keel_domain::*;

use keel_store::*;

use std::collections::HashSet;

use std::future::Future;

/// One test's store and what to remove after it: dropped after the test, or while a failing
/// test unwinds, so a failing test leaves neither a directory nor a PostgreSQL database behind.
struct Harness {
    store: DynStore,
    url: String,
    _cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    /// Dropping the guard drops the database (see `keel_store::testing`).
    #[allow(dead_code)]
    PgDatabase(keel_store::testing::TestDatabase),
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::Dir(d) = self {
            std::fs::remove_dir_all(d).ok();
        }
    }
}

async fn sqlite_harness() -> Harness {
    let dir = std::env::temp_dir().join(format!("keel-store-test-{}", uuid::Uuid::now_v7()));
    // The directory does not exist yet: open() must create it.
    let url = format!("sqlite://{}", dir.join("keel.db").display());
    let cleanup = Cleanup::Dir(dir);
    let store = keel_store::open(&url).await.expect("open sqlite");
    Harness {
        store,
        url,
        _cleanup: cleanup,
    }
}

/// The PostgreSQL server of the tests, if one is configured (in CI it must be).
fn postgres_admin_url() -> Option<String> {
    match std::env::var("KEEL_TEST_POSTGRES_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
                panic!(
                    "CI=true but KEEL_TEST_POSTGRES_URL is not set: the PostgreSQL conformance \
                     tests must run in CI (e.g. KEEL_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres)"
                );
            }
            eprintln!("skipping PostgreSQL conformance test: KEEL_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

async fn pg_harness() -> Option<Harness> {
    let db = keel_store::testing::TestDatabase::create(&postgres_admin_url()?).await;
    let url = db.url().to_string();
    let cleanup = Cleanup::PgDatabase(db);
    let store = keel_store::open(&url).await.expect("open postgres");
    Some(Harness {
        store,
        url,
        _cleanup: cleanup,
    })
}

async fn run_sqlite<F, Fut>(test: F)
where
    F: FnOnce(DynStore, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let h = sqlite_harness().await;
    test(h.store.clone(), h.url.clone()).await;
}

async fn run_pg<F, Fut>(test: F)
where
    F: FnOnce(DynStore, String) -> Fut,
    Fut: Future<Output = ()>,
{
    if let Some(h) = pg_harness().await {
        test(h.store.clone(), h.url.clone()).await;
    }
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::run_sqlite(super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::run_pg(super::$name).await;
                }
            )*
        }
    };
}

mod account_tokens;
mod accounts;
mod alignment;
mod audit_log;
mod automation;
mod cfrs;
mod check_in_corrections;
mod check_ins;
mod company_tree;
mod database;
mod dependencies;
mod group_commit;
mod job_batches;
mod jobs;
mod lists;
mod migration_runner;
mod notification_delivery;
mod okrs;
mod owner_rhythm;
mod ownership_requests;
mod participation;
mod people;
mod person_data;
mod preferences;
mod pull_sources;
mod snapshot;
mod stats;
mod test_databases;
mod upgrade;
mod visibility;

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
        time_zone: None,
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
        progress_rollup: ProgressRollup::Inherit,
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
        starts_on: None,
        ends_on: None,
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
        corrects: None,
        retracted: None,
        source: None,
        scale: ConfidenceScale::ZeroToTen,
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

// Ownership fixtures

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
