//! Pulled sources in the store: one source per key result, secrets stored only sealed and read
//! only by name, a due source claimed by one caller at a time (two concurrent claimers never
//! both get it; a lapsed lease hands it on), a run recorded with its check-in and the source's
//! state in one transaction, and the owner told on the first failure only.

use crate::*;
use keel_domain::data_feed::{DataSource, FeedTarget, SourceKind};
use keel_domain::notification::{Notification, NotificationKind};
use keel_domain::pull::{PullKind, PullRun, PullSchedule, PullSource, PullState, SourceDatabase};
use keel_store::PullOutcome;

conformance!(
    a_key_result_has_one_source_its_secret_read_by_name_only,
    a_due_source_is_claimed_once_until_its_lease_lapses,
    a_run_records_its_check_in_and_the_first_failure_tells_the_owner_once,
    a_registered_database_lists_its_sealed_url_and_the_sources_querying_it,
);

fn source(kr: &KeyResultId, at: DateTime<Utc>) -> PullSource {
    PullSource {
        id: PullSourceId::generate(),
        target: FeedTarget::KeyResult(kr.clone()),
        name: "Revenue API".into(),
        kind: PullKind::Http,
        url: Some("https://metrics.example.com/revenue".into()),
        json_pointer: Some("/total".into()),
        header_names: vec!["Authorization".into()],
        database_id: None,
        query: None,
        schedule: PullSchedule::Hourly,
        created_by: None,
        created_at: at,
        updated_at: at,
        version: 1,
        state: PullState {
            next_run_at: at,
            ..Default::default()
        },
    }
}

fn run(s: &PullSource, value: Option<f64>, error: Option<&str>) -> PullRun {
    PullRun {
        id: PullRunId::generate(),
        source_id: s.id.clone(),
        at: now(),
        value,
        error: error.map(String::from),
        duration_ms: 12,
    }
}

async fn a_key_result_has_one_source_its_secret_read_by_name_only(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let src = source(&b.kr.id, now());
    s.insert_pull_source(&ctx(), &src, Some("v1:sealed"))
        .await
        .unwrap();
    let read = s.pull_source(&src.id).await.unwrap().unwrap();
    assert_eq!(read.header_names, vec!["Authorization".to_string()]);
    assert_eq!(read.name, "Revenue API");
    assert_eq!(
        s.pull_source_headers(&src.id).await.unwrap().as_deref(),
        Some("v1:sealed")
    );
    let again = source(&b.kr.id, now());
    let e = s
        .insert_pull_source(&ctx(), &again, None)
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict { ref field, .. } if field == "source"),
        "{e:?}"
    );
    let found = s
        .pull_source_for(&FeedTarget::KeyResult(b.kr.id.clone()))
        .await
        .unwrap();
    assert_eq!(found.map(|f| f.id), Some(src.id.clone()));
    s.delete_pull_source(&ctx(), &src.id).await.unwrap();
    assert!(s.pull_source(&src.id).await.unwrap().is_none());
}

async fn a_due_source_is_claimed_once_until_its_lease_lapses(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let t = now();
    let src = source(&b.kr.id, t - chrono::Duration::minutes(1));
    s.insert_pull_source(&ctx(), &src, None).await.unwrap();
    let lease = chrono::Duration::minutes(5);
    let (a, c) = tokio::join!(
        s.claim_due_pull_sources(t, lease, 10),
        s.claim_due_pull_sources(t, lease, 10)
    );
    let mine = |v: Vec<PullSource>| v.into_iter().filter(|x| x.id == src.id).count();
    assert_eq!(
        mine(a.unwrap()) + mine(c.unwrap()),
        1,
        "one claimer gets it"
    );
    let later = s.claim_due_pull_sources(t + lease + chrono::Duration::seconds(1), lease, 10);
    assert_eq!(mine(later.await.unwrap()), 1, "a lapsed lease hands it on");
}

async fn a_run_records_its_check_in_and_the_first_failure_tells_the_owner_once(
    s: DynStore,
    _url: String,
) {
    let b = basic(&s).await;
    let src = source(&b.kr.id, now());
    s.insert_pull_source(&ctx(), &src, None).await.unwrap();
    let mut c = check_in(&b.kr.id, 42.0, now());
    c.author_id = None;
    c.source = Some(DataSource {
        kind: SourceKind::Pull,
        id: src.id.to_string(),
        name: src.name.clone(),
    });
    let ok = PullOutcome::KeyResult {
        check_in: Box::new(c.clone()),
        applied: Box::new(applied(&b.kr, &c)),
    };
    let next = now() + chrono::Duration::hours(1);
    let after = s
        .record_pull_run(&ctx(), &run(&src, Some(42.0), None), ok, next)
        .await
        .unwrap();
    assert_eq!(after.state.last_value, Some(42.0));
    assert!(after.state.failing_since.is_none());
    let history = s
        .check_ins_of(std::slice::from_ref(&b.kr.id))
        .await
        .unwrap();
    assert!(history
        .iter()
        .any(|h| h.source.as_ref().map(|x| x.kind) == Some(SourceKind::Pull)));

    let told = |n: u8| PullOutcome::Failed {
        notify: Some(Notification {
            key_result_id: Some(b.kr.id.clone()),
            objective_id: Some(b.objective.id.clone()),
            detail: Some(format!("failure {n}")),
            ..Notification::new(
                b.owner.id.clone(),
                NotificationKind::SourceFailing,
                b.kr.id.as_str(),
            )
        }),
    };
    for n in 0..2 {
        let failed = run(&src, None, Some("the server answered 401"));
        let after = s
            .record_pull_run(&ctx(), &failed, told(n), next)
            .await
            .unwrap();
        assert_eq!(
            after.state.last_error.as_deref(),
            Some("the server answered 401")
        );
        assert!(after.state.failing_since.is_some());
        assert_eq!(
            after.state.last_value,
            Some(42.0),
            "the last good value stays"
        );
    }
    let notes = s
        .list_notifications(&b.owner.id, &keel_store::Reader::Everyone, &page(50, None))
        .await
        .unwrap()
        .items;
    let failing: Vec<_> = notes
        .iter()
        .filter(|n| n.kind == NotificationKind::SourceFailing)
        .collect();
    assert_eq!(failing.len(), 1, "told on the first failure only");
    let runs = s.pull_runs(&src.id, &page(2, None)).await.unwrap();
    assert_eq!(runs.items.len(), 2);
    assert!(runs.next_cursor.is_some());
}

/// The databases page reads, for a page of databases at once, their sealed URLs and the sources
/// querying them; a database in use is not removed.
async fn a_registered_database_lists_its_sealed_url_and_the_sources_querying_it(
    s: DynStore,
    _url: String,
) {
    let b = basic(&s).await;
    let db = |name: &str| SourceDatabase {
        id: SourceDatabaseId::generate(),
        name: name.into(),
        created_by: None,
        created_at: now(),
    };
    let (used, idle) = (db("Warehouse"), db("Spare"));
    s.insert_source_database(&ctx(), &used, "v1:sealed-used")
        .await
        .unwrap();
    s.insert_source_database(&ctx(), &idle, "v1:sealed-idle")
        .await
        .unwrap();
    let mut src = source(&b.kr.id, now());
    src.kind = PullKind::Sql;
    src.url = None;
    src.json_pointer = None;
    src.header_names = vec![];
    src.database_id = Some(used.id.clone());
    src.query = Some("SELECT 1".into());
    s.insert_pull_source(&ctx(), &src, None).await.unwrap();
    let ids = vec![used.id.clone(), idle.id.clone()];
    let mut urls = s.source_database_urls(&ids).await.unwrap();
    urls.sort();
    let mut want = vec![
        (used.id.clone(), "v1:sealed-used".to_string()),
        (idle.id.clone(), "v1:sealed-idle".to_string()),
    ];
    want.sort();
    assert_eq!(urls, want);
    let querying = s.pull_sources_querying(&ids).await.unwrap();
    assert_eq!(
        querying.iter().map(|q| q.id.clone()).collect::<Vec<_>>(),
        vec![src.id.clone()]
    );
    let e = s
        .delete_source_database(&ctx(), &used.id)
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict { ref field, .. } if field == "database_id"),
        "{e:?}"
    );
    s.delete_source_database(&ctx(), &idle.id).await.unwrap();
    assert!(s.source_database(&idle.id).await.unwrap().is_none());
}
