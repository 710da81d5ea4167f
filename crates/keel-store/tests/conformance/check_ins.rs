//! Check-ins: back-dated check-ins, the weekly all-or-nothing check-in, histories. (Concurrent
//! check-ins, committed in groups, are in `group_commit.rs`.)

use crate::*;

conformance!(
    back_dated_check_in_keeps_newer_value,
    weekly_check_in_is_all_or_nothing,
    check_ins_of_key_results,
    the_cached_confidence_is_the_owners,
);

async fn back_dated_check_in_keeps_newer_value(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let mut newer = check_in(&b.kr.id, 50.0, now() - Duration::hours(1));
    newer.author_id = Some(b.owner.id.clone());
    let k = s
        .record_check_in(&ctx(), &newer, &applied(&b.kr, &newer))
        .await
        .unwrap();
    assert_eq!(k.current, 50.0);
    let mut older = check_in(&b.kr.id, 40.0, now() - Duration::days(7));
    older.author_id = Some(b.owner.id.clone());
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

/// The key result keeps its owner's latest confidence (`rhythm::is_owners_word`): a
/// contributor's check-in, or one by Keel itself, moves the value and leaves the confidence the
/// owner gave, alone or in a weekly batch; an owner's back-dated check-in, older than a
/// contributor's, still is the owner's latest word unless the owner spoke since; a co-owner
/// speaks for the owner.
async fn the_cached_confidence_is_the_owners(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let cid = person("Cid", &format!("cid-{}@example.com", uuid::Uuid::now_v7()));
    s.insert_person(&ctx(), &cid).await.unwrap();
    let by = |who: Option<&PersonId>, value: f64, confidence: i64, hours_ago: i64| {
        let mut c = check_in(&b.kr.id, value, now() - Duration::hours(hours_ago));
        c.author_id = who.cloned();
        c.confidence = Confidence::new(confidence, ConfidenceScale::ZeroToTen).unwrap();
        c
    };
    let record = |c: CheckIn| {
        let s = s.clone();
        async move {
            let k = s.key_result(&c.key_result_id).await.unwrap().unwrap();
            s.record_check_in(&ctx(), &c, &applied(&k, &c))
                .await
                .unwrap()
        }
    };
    let k = record(by(Some(&b.owner.id), 20.0, 8, 48)).await;
    assert_eq!((k.current, k.confidence), (20.0, Some(8)));
    // A contributor's check-in (its `applied` says 3, as a careless caller would): the value
    // moves, the confidence stays the owner's, as returned and as stored.
    let k = record(by(Some(&cid.id), 30.0, 3, 2)).await;
    assert_eq!((k.current, k.confidence), (30.0, Some(8)));
    assert_eq!(s.key_result(&b.kr.id).await.unwrap().unwrap(), k);
    // Keel's own (no author): the same.
    let k = record(by(None, 31.0, 2, 1)).await;
    assert_eq!((k.current, k.confidence), (31.0, Some(8)));
    // The owner's back-dated word, older than the others' readings: the value stays, the
    // confidence is the owner's latest.
    let k = record(by(Some(&b.owner.id), 25.0, 5, 24)).await;
    assert_eq!((k.current, k.confidence), (31.0, Some(5)));
    assert_eq!(s.key_result(&b.kr.id).await.unwrap().unwrap(), k);
    // Older still than the owner's latest: it changes nothing.
    let k = record(by(Some(&b.owner.id), 22.0, 9, 36)).await;
    assert_eq!((k.current, k.confidence), (31.0, Some(5)));
    // The weekly batch follows the same rule.
    let theirs = by(Some(&cid.id), 35.0, 1, 0);
    let now_kr = s.key_result(&b.kr.id).await.unwrap().unwrap();
    let stored = s
        .record_check_ins(&ctx(), &[(theirs.clone(), applied(&now_kr, &theirs))])
        .await
        .unwrap();
    assert_eq!((stored[0].current, stored[0].confidence), (35.0, Some(5)));
    // A co-owner speaks for the owner: made one, Cid's latest reading is an owner's word.
    let before = s.key_result(&b.kr.id).await.unwrap().unwrap();
    let shared = KeyResult {
        co_owner_ids: vec![cid.id.clone()],
        ..before.clone()
    };
    let k = s.update_key_result(&ctx(), &before, &shared).await.unwrap();
    assert_eq!(k.confidence, Some(1));
    let k = record(by(Some(&cid.id), 36.0, 4, 0)).await;
    assert_eq!((k.current, k.confidence), (36.0, Some(4)));
    // Handed over to someone who never checked in: no owner's word yet.
    let dee = person("Dee", &format!("dee-{}@example.com", uuid::Uuid::now_v7()));
    s.insert_person(&ctx(), &dee).await.unwrap();
    let before = s.key_result(&b.kr.id).await.unwrap().unwrap();
    let solo = KeyResult {
        co_owner_ids: vec![],
        ..before.clone()
    };
    let before = s.update_key_result(&ctx(), &before, &solo).await.unwrap();
    assert_eq!(before.confidence, Some(5), "the owner's own latest again");
    let handover = request(
        OkrRef::KeyResult(b.kr.id.clone()),
        Some(&b.owner.id),
        &dee.id,
        Some(&b.owner.id),
        now(),
    );
    s.propose_ownership(&ctx(), &handover, before.version)
        .await
        .unwrap();
    let k = s.key_result(&b.kr.id).await.unwrap().unwrap();
    assert_eq!((k.owner_id.clone(), k.confidence), (dee.id.clone(), None));
}
