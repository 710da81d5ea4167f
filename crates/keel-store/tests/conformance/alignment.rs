//! The alignment graph: key results contribute to objectives and to other key results (several
//! at once, in order, audited, version-checked), the loop check's walk upwards, and the tree
//! read a level at a time with what the reader may see.

use crate::*;

conformance!(
    key_result_parents_round_trip,
    alignment_parents_include_a_key_results_objective,
    roots_are_objectives_without_a_visible_parent,
    children_of_objectives_and_key_results,
);

async fn key_result_parents_round_trip(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let other = objective(&b.cycle.id, &b.owner.id);
    s.insert_objective(&ctx(), &other, None).await.unwrap();
    let target = key_result(&other.id, &b.owner.id);
    s.insert_key_result(&ctx(), &target, None).await.unwrap();
    let parents = vec![
        ParentRef::KeyResult(target.id.clone()),
        ParentRef::Objective(other.id.clone()),
    ];
    let stored = s.align_key_result(&ctx(), &b.kr, &parents).await.unwrap();
    assert_eq!(stored.version, b.kr.version + 1, "the version moves");
    let got = s.key_result_parents(&[b.kr.id.clone()]).await.unwrap();
    assert_eq!(
        got,
        parents
            .iter()
            .map(|p| (b.kr.id.clone(), p.clone()))
            .collect::<Vec<_>>(),
        "in order"
    );
    // A stale version is refused and changes nothing.
    let err = s.align_key_result(&ctx(), &b.kr, &[]).await.unwrap_err();
    assert!(matches!(err, StoreError::StaleVersion), "{err:?}");
    assert_eq!(
        s.key_result_parents(&[b.kr.id.clone()])
            .await
            .unwrap()
            .len(),
        2
    );
    // Replacing with fewer.
    s.align_key_result(&ctx(), &stored, &parents[1..])
        .await
        .unwrap();
    assert_eq!(
        s.key_result_parents(&[b.kr.id.clone(), target.id.clone()])
            .await
            .unwrap(),
        vec![(b.kr.id.clone(), parents[1].clone())]
    );
    // An unknown parent is refused.
    let latest = s.key_result(&b.kr.id).await.unwrap().unwrap();
    let err = s
        .align_key_result(
            &ctx(),
            &latest,
            &[ParentRef::Objective(ObjectiveId::generate())],
        )
        .await
        .unwrap_err();
    // Refused as a broken reference (PostgreSQL names `parent_ids`; SQLite cannot say which).
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
}

async fn alignment_parents_include_a_key_results_objective(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let mut child = objective(&b.cycle.id, &b.owner.id);
    child.parents = vec![ParentRef::KeyResult(b.kr.id.clone())];
    s.insert_objective(&ctx(), &child, None).await.unwrap();
    let kr2 = key_result(&child.id, &b.owner.id);
    s.insert_key_result(&ctx(), &kr2, None).await.unwrap();
    s.align_key_result(&ctx(), &kr2, &[ParentRef::KeyResult(b.kr.id.clone())])
        .await
        .unwrap();
    let mut got = s
        .alignment_parents(&[
            ParentRef::Objective(child.id.clone()),
            ParentRef::KeyResult(kr2.id.clone()),
        ])
        .await
        .unwrap();
    got.sort_by_key(|(a, b)| format!("{}{}", a.id(), b.id()));
    let mut want = vec![
        (
            ParentRef::Objective(child.id.clone()),
            ParentRef::KeyResult(b.kr.id.clone()),
        ),
        (
            ParentRef::KeyResult(kr2.id.clone()),
            ParentRef::KeyResult(b.kr.id.clone()),
        ),
        (
            ParentRef::KeyResult(kr2.id.clone()),
            ParentRef::Objective(child.id.clone()),
        ),
    ];
    want.sort_by_key(|(a, b)| format!("{}{}", a.id(), b.id()));
    assert_eq!(got, want);
}

async fn roots_are_objectives_without_a_visible_parent(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let outsider = add_person(&s, "Olaf").await;
    let mut private = objective(&b.cycle.id, &b.owner.id);
    private.visibility = Visibility::Private;
    s.insert_objective(&ctx(), &private, None).await.unwrap();
    let mut under_public = objective(&b.cycle.id, &b.owner.id);
    under_public.parents = vec![ParentRef::KeyResult(b.kr.id.clone())];
    let mut under_private = objective(&b.cycle.id, &b.owner.id);
    under_private.parents = vec![ParentRef::Objective(private.id.clone())];
    for o in [&under_public, &under_private] {
        s.insert_objective(&ctx(), o, None).await.unwrap();
    }
    let roots = |reader: Reader| {
        let s = s.clone();
        let cycle = b.cycle.id.clone();
        async move {
            let (items, _) = read_pages(2, |p| {
                let s = s.clone();
                let filter = AlignmentFilter {
                    reader: reader.clone(),
                    cycle_ids: vec![cycle.clone()],
                    team_id: None,
                    owner_id: None,
                };
                async move { s.alignment_roots(&filter, &p).await }
            })
            .await;
            let mut got: Vec<(ObjectiveId, bool)> = items
                .into_iter()
                .map(|r: AlignmentRoot| (r.objective.id, r.aligned_to_hidden))
                .collect();
            got.sort();
            got
        }
    };
    let mut everyone = vec![(b.objective.id.clone(), false), (private.id.clone(), false)];
    everyone.sort();
    assert_eq!(roots(Reader::Everyone).await, everyone);
    let audience = Audience {
        person_id: outsider.id.clone(),
        teams: TeamScope::None,
    };
    let mut outside = vec![
        (b.objective.id.clone(), false),
        (under_private.id.clone(), true),
    ];
    outside.sort();
    assert_eq!(
        roots(Reader::Audience(audience)).await,
        outside,
        "the private objective is not a root; its child is, marked as aligned to something hidden"
    );
    // Filtered by owner and cycle.
    let filter = AlignmentFilter {
        reader: Reader::Everyone,
        cycle_ids: vec![CycleId::generate()],
        team_id: None,
        owner_id: None,
    };
    assert!(s
        .alignment_roots(&filter, &page(10, None))
        .await
        .unwrap()
        .items
        .is_empty());
    let filter = AlignmentFilter {
        reader: Reader::Everyone,
        cycle_ids: vec![],
        team_id: None,
        owner_id: Some(outsider.id.clone()),
    };
    assert!(s
        .alignment_roots(&filter, &page(10, None))
        .await
        .unwrap()
        .items
        .is_empty());
}

async fn children_of_objectives_and_key_results(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let outsider = add_person(&s, "Olaf").await;
    let mut aligned_o = objective(&b.cycle.id, &b.owner.id);
    aligned_o.parents = vec![ParentRef::KeyResult(b.kr.id.clone())];
    let mut hidden_o = objective(&b.cycle.id, &b.owner.id);
    hidden_o.parents = vec![ParentRef::Objective(b.objective.id.clone())];
    hidden_o.visibility = Visibility::Private;
    for o in [&aligned_o, &hidden_o] {
        s.insert_objective(&ctx(), o, None).await.unwrap();
    }
    let kr2 = key_result(&aligned_o.id, &b.owner.id);
    s.insert_key_result(&ctx(), &kr2, None).await.unwrap();
    s.align_key_result(
        &ctx(),
        &kr2,
        &[ParentRef::Objective(b.objective.id.clone())],
    )
    .await
    .unwrap();
    let nodes = [
        ParentRef::Objective(b.objective.id.clone()),
        ParentRef::KeyResult(b.kr.id.clone()),
    ];
    let sorted = |mut v: Vec<(ParentRef, ParentRef)>| {
        v.sort_by_key(|(a, b)| format!("{}{}", a.id(), b.id()));
        v
    };
    let o = ParentRef::Objective(b.objective.id.clone());
    let got = sorted(
        s.alignment_children(&Reader::Everyone, &nodes)
            .await
            .unwrap(),
    );
    let want = sorted(vec![
        (o.clone(), ParentRef::KeyResult(b.kr.id.clone())),
        (o.clone(), ParentRef::Objective(hidden_o.id.clone())),
        (o.clone(), ParentRef::KeyResult(kr2.id.clone())),
        (
            ParentRef::KeyResult(b.kr.id.clone()),
            ParentRef::Objective(aligned_o.id.clone()),
        ),
    ]);
    assert_eq!(got, want);
    let audience = Reader::Audience(Audience {
        person_id: outsider.id.clone(),
        teams: TeamScope::None,
    });
    let got = sorted(s.alignment_children(&audience, &nodes).await.unwrap());
    let want: Vec<_> = want
        .into_iter()
        .filter(|(_, c)| c.id() != hidden_o.id.as_str())
        .collect();
    assert_eq!(got, want, "the private objective is left out");
    // A deleted child is gone.
    s.delete_objective(&ctx(), &aligned_o).await.unwrap();
    let got = s
        .alignment_children(&Reader::Everyone, &[ParentRef::KeyResult(b.kr.id.clone())])
        .await
        .unwrap();
    assert!(got.is_empty(), "{got:?}");
}
