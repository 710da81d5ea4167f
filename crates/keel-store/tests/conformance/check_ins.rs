//! Check-ins: concurrent and grouped writes, back-dated check-ins, the weekly all-or-nothing check-in, histories.

use crate::*;

conformance!(
    concurrent_check_ins_all_land,
    many_concurrent_check_ins_are_grouped_correctly,
    back_dated_check_in_keeps_newer_value,
    weekly_check_in_is_all_or_nothing,
    check_ins_of_key_results,
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
