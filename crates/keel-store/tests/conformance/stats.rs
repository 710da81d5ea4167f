//! What the store reports to an operator's metrics and readiness check: its connections, a
//! trivial query, and the check-in group commit's queue and group sizes.

use crate::*;

conformance!(
    the_connections_answer_and_are_counted,
    group_commits_are_counted,
);

async fn the_connections_answer_and_are_counted(s: DynStore, _url: String) {
    s.ping().await.unwrap();
    let max = if s.backend() == "sqlite" { 5 } else { 16 };
    // PostgreSQL's pool takes the pinged connection back on a task of its own: wait for it.
    let mut p = s.pool_stats();
    for _ in 0..100 {
        if p.idle >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        p = s.pool_stats();
    }
    assert_eq!(p.max, max);
    assert!(p.idle >= 1 && p.in_use + p.idle <= p.max, "{p:?}");
}

async fn group_commits_are_counted(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let before = s.commit_queue_stats();
    assert_eq!((before.queued, before.groups, before.check_ins), (0, 0, 0));
    let base = now() - Duration::hours(1);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = vec![];
    for i in 0..20 {
        let (s, kr, barrier) = (s.clone(), b.kr.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let c = check_in(&kr.id, i as f64, base + Duration::seconds(i));
            barrier.wait().await;
            s.record_check_in(&ctx(), &c, &applied(&kr, &c))
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let after = s.commit_queue_stats();
    assert_eq!(
        (after.queued, after.check_ins, after.retried_groups),
        (0, 20, 0)
    );
    assert!((1..=20).contains(&after.groups), "{after:?}");
    // Every group falls in one bucket; none is larger than its bucket's bound.
    let counted: u64 = after.group_sizes.iter().map(|b| b.1).sum();
    assert_eq!(counted, after.groups, "{after:?}");
    let largest = after.group_sizes.iter().rev().find(|b| b.1 > 0).unwrap().0;
    assert!(largest <= 32.0, "{after:?}");
}
