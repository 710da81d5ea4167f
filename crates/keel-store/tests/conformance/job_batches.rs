//! Queueing many jobs at once (`enqueue_jobs`, what the weekly digest round uses): one
//! transaction, each unique key queued once — against stored jobs, within the batch, and
//! between two servers' batches running at the same moment.

use crate::*;

conformance!(
    a_batch_queues_each_unique_key_once,
    two_servers_batches_at_once_queue_each_key_once,
);

fn job(key: Option<String>, n: usize) -> NewJob {
    NewJob {
        kind: "send_email".into(),
        unique_key: key,
        payload: serde_json::json!({ "n": n }),
        run_at: now(),
        max_attempts: 3,
    }
}

/// Every due job, claimed (and so counted) page by page.
async fn claim_all(s: &DynStore) -> Vec<Job> {
    let mut all = vec![];
    loop {
        let got = s
            .claim_jobs("counter", now(), Duration::minutes(5), 500)
            .await
            .unwrap();
        if got.is_empty() {
            return all;
        }
        all.extend(got);
    }
}

/// A key already stored, a key twice in the batch and jobs without a key: the answer says, in
/// order, which were queued now; the stored rows agree, payloads included.
async fn a_batch_queues_each_unique_key_once(s: DynStore, _url: String) {
    assert!(s.enqueue_jobs(&[]).await.unwrap().is_empty());
    let taken = "email:digest:p0:2026-W49".to_string();
    assert!(s.enqueue_job(&job(Some(taken.clone()), 0)).await.unwrap());
    let fresh = "email:digest:p1:2026-W49".to_string();
    let batch = [
        job(Some(fresh.clone()), 1),
        job(Some(taken.clone()), 2),
        job(None, 3),
        job(Some(fresh.clone()), 4),
        job(None, 5),
    ];
    assert_eq!(
        s.enqueue_jobs(&batch).await.unwrap(),
        [true, false, true, false, true]
    );
    let stored = claim_all(&s).await;
    let mut got: Vec<(Option<String>, serde_json::Value)> = stored
        .iter()
        .map(|j| (j.unique_key.clone(), j.payload.clone()))
        .collect();
    got.sort_by_key(|(k, p)| (k.clone(), p.to_string()));
    assert_eq!(
        got,
        [
            (None, serde_json::json!({"n": 3})),
            (None, serde_json::json!({"n": 5})),
            (Some(taken.clone()), serde_json::json!({"n": 0})),
            (Some(fresh.clone()), serde_json::json!({"n": 1})),
        ]
    );
    assert!(stored
        .iter()
        .all(|j| j.kind == "send_email" && j.max_attempts == 3 && j.attempts == 1));
    // The same batch again, even after its jobs ran: nothing with a key is queued twice.
    for j in &stored {
        s.complete_job(j, now()).await.unwrap();
    }
    assert_eq!(
        s.enqueue_jobs(&batch).await.unwrap(),
        [false, false, true, false, true]
    );
}

/// Two servers (two stores on one database) queue overlapping batches of 1,200 keys at once,
/// in opposite orders and larger than one statement: each key is queued by exactly one of them,
/// and the database holds each key once.
async fn two_servers_batches_at_once_queue_each_key_once(s: DynStore, url: String) {
    let other = keel_store::open(&url).await.unwrap();
    let key = |i: usize| Some(format!("email:digest:{i:05}:2026-W49"));
    // Server A: keys 0..1200; server B: keys 600..1800, last first.
    let a: Vec<NewJob> = (0..1200).map(|i| job(key(i), i)).collect();
    let b: Vec<NewJob> = (600..1800).rev().map(|i| job(key(i), i)).collect();
    let (ra, rb) = tokio::join!(s.enqueue_jobs(&a), other.enqueue_jobs(&b));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!((ra.len(), rb.len()), (1200, 1200));
    let mut queued_by: std::collections::HashMap<String, usize> = Default::default();
    for (j, q) in a.iter().zip(&ra).chain(b.iter().zip(&rb)) {
        if *q {
            *queued_by.entry(j.unique_key.clone().unwrap()).or_default() += 1;
        }
    }
    assert_eq!(queued_by.len(), 1800, "every key is queued");
    assert!(queued_by.values().all(|n| *n == 1), "no key twice");
    // The keys only A or only B had are queued by it.
    assert!(ra[..600].iter().all(|q| *q));
    assert!(rb[..600].iter().all(|q| *q));
    let stored = claim_all(&s).await;
    assert_eq!(stored.len(), 1800);
    let keys: HashSet<Option<String>> = stored.iter().map(|j| j.unique_key.clone()).collect();
    assert_eq!(keys.len(), 1800);
    other.close().await;
}
