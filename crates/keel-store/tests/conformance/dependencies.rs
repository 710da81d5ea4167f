//! Dependencies between key results: proposed (telling the other key result's owner), one per
//! pair, answered once (telling the one who asked), listed in both directions a page at a time,
//! read for a level of the graph at once, removed; each write audited.

use crate::*;
use keel_domain::dependency::{self, DependencyState};
use keel_domain::notification::NotificationKind;

conformance!(
    dependency_negotiation_round_trip,
    dependencies_listed_both_ways_a_page_at_a_time,
);

fn as_person(p: &Person) -> WriteCtx {
    WriteCtx {
        actor_id: Some(p.id.clone()),
        ..ctx()
    }
}

async fn told(s: &DynStore, p: &Person) -> Vec<keel_domain::notification::Notification> {
    s.list_notifications(&p.id, &Reader::Everyone, &page(100, None))
        .await
        .unwrap()
        .items
}

/// Another person's key result, in a new objective of `b`'s cycle.
async fn theirs(s: &DynStore, b: &Basic, name: &str) -> (Person, KeyResult) {
    let p = person(
        name,
        &format!("{name}-{}@example.com", uuid::Uuid::now_v7()),
    );
    s.insert_person(&ctx(), &p).await.unwrap();
    let o = objective(&b.cycle.id, &p.id);
    s.insert_objective(&ctx(), &o, None).await.unwrap();
    let kr = key_result(&o.id, &p.id);
    s.insert_key_result(&ctx(), &kr, None).await.unwrap();
    (p, kr)
}

async fn dependency_negotiation_round_trip(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let (bo, other) = theirs(&s, &b, "Bo").await;
    let d = dependency::propose(
        b.kr.id.clone(),
        other.id.clone(),
        "we need the API",
        b.owner.id.clone(),
    )
    .unwrap();
    s.propose_dependency(&as_person(&b.owner), &d)
        .await
        .unwrap();
    let got = s.dependency(&d.id).await.unwrap().unwrap();
    assert_eq!(got.state, DependencyState::Proposed);
    assert_eq!(got.note, "we need the API");
    // The other key result's owner is asked.
    let n = told(&s, &bo).await;
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].kind, NotificationKind::DependencyProposed);
    assert_eq!(n[0].key_result_id.as_ref(), Some(&other.id));
    assert_eq!(n[0].subject_id, d.id.as_str());
    // The same pair again is a conflict naming the field.
    let again =
        dependency::propose(b.kr.id.clone(), other.id.clone(), "", b.owner.id.clone()).unwrap();
    match s.propose_dependency(&as_person(&b.owner), &again).await {
        Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "depends_on"),
        other => panic!("{other:?}"),
    }
    // Declined with a reason: the asker is told, with the reason.
    let answered = s
        .answer_dependency(
            &as_person(&bo),
            &d.id,
            &DependencyAnswer::Decline("not this quarter".into()),
        )
        .await
        .unwrap();
    assert_eq!(answered.state, DependencyState::Declined);
    assert_eq!(answered.decline_reason.as_deref(), Some("not this quarter"));
    assert_eq!(answered.answered_by.as_ref(), Some(&bo.id));
    assert!(answered.answered_at.is_some());
    let n = told(&s, &b.owner).await;
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].kind, NotificationKind::DependencyDeclined);
    assert_eq!(n[0].detail.as_deref(), Some("not this quarter"));
    // Answered once only; nothing more written.
    match s
        .answer_dependency(&as_person(&bo), &d.id, &DependencyAnswer::Accept)
        .await
    {
        Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "state"),
        other => panic!("{other:?}"),
    }
    assert_eq!(told(&s, &b.owner).await.len(), 1);
    // Removed, then asked again and accepted.
    s.delete_dependency(&as_person(&b.owner), &d.id)
        .await
        .unwrap();
    assert!(s.dependency(&d.id).await.unwrap().is_none());
    s.propose_dependency(&as_person(&b.owner), &again)
        .await
        .unwrap();
    let ok = s
        .answer_dependency(&as_person(&bo), &again.id, &DependencyAnswer::Accept)
        .await
        .unwrap();
    assert_eq!(ok.state, DependencyState::Accepted);
    // Every write is audited against the dependent key result.
    let events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(b.kr.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    let verbs: Vec<&str> = events
        .iter()
        .filter(|e| e.object_kind == "dependency")
        .map(|e| e.action.as_str())
        .collect();
    for v in [
        "dependency.create",
        "dependency.decline",
        "dependency.delete",
        "dependency.accept",
    ] {
        assert!(verbs.contains(&v), "{v} in {verbs:?}");
    }
}

async fn dependencies_listed_both_ways_a_page_at_a_time(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let (_, x) = theirs(&s, &b, "Xi").await;
    let (_, y) = theirs(&s, &b, "Yu").await;
    let (_, z) = theirs(&s, &b, "Zo").await;
    // kr depends on x and y; z depends on kr.
    for (from, to) in [(&b.kr, &x), (&b.kr, &y), (&z, &b.kr)] {
        let d =
            dependency::propose(from.id.clone(), to.id.clone(), "", b.owner.id.clone()).unwrap();
        s.propose_dependency(&ctx(), &d).await.unwrap();
    }
    let first = s.dependencies_of(&b.kr.id, &page(2, None)).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let rest = s
        .dependencies_of(&b.kr.id, &page(2, first.next_cursor.clone()))
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert!(rest.next_cursor.is_none());
    let all: Vec<_> = first.items.iter().chain(&rest.items).collect();
    assert_eq!(all.iter().filter(|d| d.key_result_id == b.kr.id).count(), 2);
    assert_eq!(all.iter().filter(|d| d.depends_on_id == b.kr.id).count(), 1);
    // What a level of key results depends on, in one read.
    let from = s
        .dependencies_from(&[b.kr.id.clone(), z.id.clone(), x.id.clone()])
        .await
        .unwrap();
    assert_eq!(from.len(), 3);
    // What depends on a level of key results, in one read: z on kr, kr on x and y.
    let to = s
        .dependencies_to(&[b.kr.id.clone(), x.id.clone(), y.id.clone()])
        .await
        .unwrap();
    assert_eq!(to.len(), 3);
    assert!(to
        .iter()
        .any(|d| d.key_result_id == z.id && d.depends_on_id == b.kr.id));
    assert!(s.dependencies_to(&[z.id.clone()]).await.unwrap().is_empty());
    assert!(
        s.dependencies_of(&x.id, &page(10, None))
            .await
            .unwrap()
            .items
            .len()
            == 1
    );
}
