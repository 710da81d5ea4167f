//! Correcting and withdrawing a check-in: the original stays, marked; only standing check-ins
//! feed the history the rhythm reads; the key result moves in the same transaction; audited.

use crate::*;

conformance!(corrected_and_withdrawn_check_ins_stay_marked,);

async fn corrected_and_withdrawn_check_ins_stay_marked(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let first = check_in(&b.kr.id, 20.0, now() - Duration::days(7));
    let k = s
        .record_check_in(&ctx(), &first, &applied(&b.kr, &first))
        .await
        .unwrap();
    let typo = check_in(&b.kr.id, 250.0, now() - Duration::hours(1));
    let k = s
        .record_check_in(&ctx(), &typo, &applied(&k, &typo))
        .await
        .unwrap();
    // Correct the typo: a new check-in at the same `at`, the original marked.
    let mut fixed = check_in(&b.kr.id, 25.0, typo.at);
    fixed.corrects = Some(typo.id.clone());
    let by = Some(b.owner.id.clone());
    let corrected = Retraction {
        kind: RetractionKind::Corrected,
        by: by.clone(),
        at: now(),
    };
    let k = s
        .retract_check_in(
            &ctx(),
            &typo,
            &corrected,
            Some(&fixed),
            &applied(&k, &fixed),
        )
        .await
        .unwrap();
    assert_eq!((k.current, k.last_check_in_at), (25.0, Some(fixed.at)));
    assert_eq!(s.key_result(&b.kr.id).await.unwrap().unwrap(), k);
    let stored = s.check_in(&typo.id).await.unwrap().unwrap();
    assert_eq!(
        stored.retracted.as_ref().map(|r| r.kind),
        Some(RetractionKind::Corrected)
    );
    assert_eq!(stored.retracted.as_ref().and_then(|r| r.by.clone()), by);
    assert_eq!(s.check_in(&fixed.id).await.unwrap().unwrap(), fixed);
    // The history keeps all three; the rhythm's inputs only the standing two.
    let listed = s.list_check_ins(&b.kr.id, &page(10, None)).await.unwrap();
    assert_eq!(listed.items.len(), 3);
    let standing: Vec<f64> = s
        .check_ins_of(std::slice::from_ref(&b.kr.id))
        .await
        .unwrap()
        .iter()
        .map(|c| c.value)
        .collect();
    assert_eq!(standing, vec![20.0, 25.0]);
    let points = s
        .check_in_points(std::slice::from_ref(&b.kr.id))
        .await
        .unwrap();
    assert_eq!(
        points.iter().map(|p| p.value).collect::<Vec<_>>(),
        vec![20.0, 25.0]
    );
    // Twice is a conflict; nothing changes.
    let again = s
        .retract_check_in(&ctx(), &typo, &corrected, None, &k)
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );
    // A stale key result is refused, and the mark rolled back.
    let withdrawn = Retraction {
        kind: RetractionKind::Withdrawn,
        ..corrected.clone()
    };
    let mut stale = k.clone();
    stale.version -= 1;
    let r = s
        .retract_check_in(&ctx(), &fixed, &withdrawn, None, &stale)
        .await;
    assert!(matches!(r, Err(StoreError::StaleVersion)), "{r:?}");
    assert!(s.check_in(&fixed.id).await.unwrap().unwrap().stands());
    // Withdraw the correction: back to the first reading.
    let mut back = k.clone();
    back.current = 20.0;
    back.last_check_in_at = Some(first.at);
    let k = s
        .retract_check_in(&ctx(), &fixed, &withdrawn, None, &back)
        .await
        .unwrap();
    assert_eq!(k.current, 20.0);
    assert_eq!(s.key_result(&b.kr.id).await.unwrap().unwrap(), k);
    // Unknown check-in.
    let ghost = check_in(&b.kr.id, 1.0, now());
    let r = s
        .retract_check_in(&ctx(), &ghost, &withdrawn, None, &k)
        .await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    // Audited, before and after.
    let events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(typo.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    let correct = events
        .iter()
        .find(|e| e.action == "check_in.correct")
        .expect("the correction is audited");
    assert_eq!(correct.before.as_ref().unwrap()["value"], 250.0);
    assert_eq!(correct.after.as_ref().unwrap()["correction"]["value"], 25.0);
    assert_eq!(
        correct.after.as_ref().unwrap()["retracted"]["kind"],
        "corrected"
    );
}
