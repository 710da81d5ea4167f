//! Check-ins: back-dated check-ins, the weekly all-or-nothing check-in, histories. (Concurrent
//! check-ins, committed in groups, are in `group_commit.rs`.)

use crate::*;

conformance!(
    back_dated_check_in_keeps_newer_value,
    weekly_check_in_is_all_or_nothing,
    check_ins_of_key_results,
);

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
