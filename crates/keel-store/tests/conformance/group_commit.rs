//! The group commit of check-ins (`keel-store/src/check_ins/group_commit.rs`): many concurrent
//! check-ins all land with the right final state, a failing check-in in a group fails alone,
//! and a caller that gives up takes no one else's check-in with it.

use crate::*;

conformance!(
    concurrent_check_ins_all_land,
    many_concurrent_check_ins_are_grouped_correctly,
    a_cancelled_caller_loses_no_one_elses_check_in,
    closing_keeps_every_answered_check_in,
);

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

/// Callers that give up while their check-in waits for its group (dropped futures) take nothing
/// with them: every other check-in lands, and the key result ends on the latest check-in that
/// was recorded, whichever they are.
async fn a_cancelled_caller_loses_no_one_elses_check_in(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let base = now() - Duration::hours(1);
    let mut kept = vec![];
    let mut cancelled = vec![];
    for i in 0..40_i64 {
        let s = s.clone();
        let kr = b.kr.clone();
        let c = check_in(&kr.id, i as f64, base + Duration::seconds(i));
        let id = c.id.clone();
        let task = tokio::spawn(async move {
            s.record_check_in(&ctx(), &c, &applied(&kr, &c))
                .await
                .map(|_| ())
        });
        if i % 4 == 3 {
            task.abort();
            cancelled.push((id, task));
        } else {
            kept.push((id, task));
        }
    }
    for (_, t) in cancelled {
        // Either it was recorded before it was cancelled, or it was cancelled (or it finished).
        match t.await {
            Ok(r) => r.unwrap(),
            Err(e) => assert!(e.is_cancelled()),
        }
    }
    let mut want: HashSet<CheckInId> = HashSet::new();
    for (id, t) in kept {
        t.await.unwrap().unwrap();
        want.insert(id);
    }
    let mut recorded = vec![];
    let mut cursor = None;
    loop {
        let p = s
            .list_check_ins(&b.kr.id, &page(500, cursor))
            .await
            .unwrap();
        recorded.extend(p.items);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let ids: HashSet<CheckInId> = recorded.iter().map(|c| c.id.clone()).collect();
    assert!(want.is_subset(&ids), "a kept check-in was lost");
    let latest = recorded.iter().map(|c| c.at).max().unwrap();
    let kr = s.key_result(&b.kr.id).await.unwrap().unwrap();
    assert_eq!(kr.last_check_in_at, Some(latest));
    let newest = recorded.iter().find(|c| c.at == latest).unwrap();
    assert_eq!(kr.current, newest.value);
}

/// A store closed while check-ins pour in (shutdown): every check-in answered with success is
/// stored, with the group commit's overlapping COMMITs on PostgreSQL (a group's COMMIT runs
/// after the next group started) as with SQLite's one at a time.
async fn closing_keeps_every_answered_check_in(s: DynStore, url: String) {
    if url.contains(":memory:") {
        return; // one connection: no second store on the same database
    }
    let b = basic(&s).await;
    let other = keel_store::open(&url).await.unwrap();
    let mut krs = vec![b.kr.clone()];
    for _ in 0..7 {
        let kr = key_result(&b.objective.id, &b.owner.id);
        s.insert_key_result(&ctx(), &kr, None).await.unwrap();
        krs.push(kr);
    }
    let base = now() - Duration::hours(1);
    let mut tasks = vec![];
    for i in 0..400i64 {
        let (other, kr) = (other.clone(), krs[(i % 8) as usize].clone());
        tasks.push(tokio::spawn(async move {
            let c = check_in(&kr.id, i as f64, base + Duration::milliseconds(i));
            let r = other.record_check_in(&ctx(), &c, &applied(&kr, &c)).await;
            (c, r.is_ok())
        }));
    }
    // Close once some have been answered, while the rest are queued or committing.
    while tasks.iter().filter(|t| t.is_finished()).count() < 40 {
        tokio::task::yield_now().await;
    }
    other.close().await;
    let mut answered = vec![];
    for t in tasks {
        let (c, ok) = t.await.unwrap();
        if ok {
            answered.push(c);
        }
    }
    assert!(answered.len() >= 40, "{} answered", answered.len());
    let ids: Vec<KeyResultId> = krs.iter().map(|k| k.id.clone()).collect();
    let stored: HashSet<(KeyResultId, chrono::DateTime<Utc>)> = s
        .check_in_points(&ids)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.key_result_id, p.at))
        .collect();
    for c in &answered {
        assert!(
            stored.contains(&(c.key_result_id.clone(), c.at)),
            "an answered check-in is stored: {c:?}"
        );
    }
}
