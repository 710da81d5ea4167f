//! Ownership requests: proposals, answers, handovers, and their listing.

use crate::*;

conformance!(
    an_objective_created_for_someone_else_waits_for_their_answer,
    key_result_ownership_is_proposed_accepted_and_goes_stale,
    every_ownership_change_is_audited,
    a_key_result_request_travels_with_its_key_result,
    ownership_requests_listing,
    ownership_requests_filters,
    the_okrs_a_person_is_handing_over,
);

/// An objective created naming someone else waits for their answer: proposals, declines,
/// superseded requests and naming oneself, step by step.
async fn an_objective_created_for_someone_else_waits_for_their_answer(s: DynStore, _url: String) {
    objective_ownership_story(&s).await;
}

/// A key result's owner is proposed and accepts; a proposal whose owner changed meanwhile
/// can no longer be answered.
async fn key_result_ownership_is_proposed_accepted_and_goes_stale(s: DynStore, _url: String) {
    let story = objective_ownership_story(&s).await;
    key_result_ownership_story(&s, &story).await;
}

/// Every ownership change is in the objective's audit history, with the OKR before and after.
async fn every_ownership_change_is_audited(s: DynStore, _url: String) {
    let story = objective_ownership_story(&s).await;
    let kr = key_result_ownership_story(&s, &story).await;
    let OwnershipStory { b, bob, o, r0, .. } = story;
    // Every ownership change is in the objective's audit history, with the OKR before/after.
    let events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(o.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "objective.create",
        "ownership_request.create",
        "objective.propose_owner",
        "objective.decline_ownership",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    // Key result ownership changes appear in the key result's objective's history.
    let kr_events = s
        .list_audit(
            &AuditFilter {
                object_id: Some(b.objective.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap()
        .items;
    let kr_actions: Vec<&str> = kr_events.iter().map(|e| e.action.as_str()).collect();
    for a in ["key_result.propose_owner", "key_result.accept_ownership"] {
        assert!(kr_actions.contains(&a), "{a} missing from {kr_actions:?}");
    }
    let decline = events
        .iter()
        .find(|e| e.action == "objective.decline_ownership")
        .unwrap();
    assert_eq!(decline.object_id, o.id.as_str());
    assert_eq!(
        decline.before.as_ref().unwrap()["ownership_state"],
        "pending"
    );
    assert_eq!(
        decline.after.as_ref().unwrap()["ownership_state"],
        "declined"
    );
    assert!(events
        .iter()
        .any(|e| e.action == "ownership_request.create" && e.object_id == r0.id.as_str()));
    let accepted = kr_events
        .iter()
        .find(|e| e.action == "key_result.accept_ownership")
        .unwrap();
    assert_eq!(accepted.key_result_id.as_deref(), Some(kr.id.as_str()));
    assert_eq!(
        accepted.after.as_ref().unwrap()["owner_id"],
        bob.id.as_str()
    );
}

/// A key result created naming someone else carries its request with it.
async fn a_key_result_request_travels_with_its_key_result(s: DynStore, _url: String) {
    let OwnershipStory { ada, cy, o, .. } = objective_ownership_story(&s).await;
    // Key result requests travel with their key result too.
    let mut k = key_result(&o.id, &cy.id);
    k.ownership_state = OwnershipState::Pending;
    let r5 = request(
        OkrRef::KeyResult(k.id.clone()),
        None,
        &cy.id,
        Some(&ada.id),
        now(),
    );
    s.insert_key_result(&ctx(), &k, Some(&r5)).await.unwrap();
    assert_eq!(s.ownership_history(k.id.as_str()).await.unwrap(), vec![r5]);
}

/// What the ownership story has written by the end of its objective part.
struct OwnershipStory {
    b: Basic,
    ada: Person,
    bob: Person,
    cy: Person,
    t0: DateTime<Utc>,
    /// Created naming bob; declined, then accepted by ada naming herself.
    o: Objective,
    /// The request `o` was created with.
    r0: OwnershipRequest,
}

/// An objective's ownership from creation: requests, proposals, answers, superseded and stale
/// requests, checked step by step.
async fn objective_ownership_story(s: &DynStore) -> OwnershipStory {
    let b = basic(s).await;
    let ada = b.owner.clone();
    let bob = add_person(s, "bob").await;
    let cy = add_person(s, "cy").await;
    let t0 = now() - Duration::hours(10);

    // Created naming someone else: the request travels with the objective.
    let mut o = objective(&b.cycle.id, &bob.id);
    o.ownership_state = OwnershipState::Pending;
    let r0 = request(
        OkrRef::Objective(o.id.clone()),
        None,
        &bob.id,
        Some(&ada.id),
        t0,
    );
    s.insert_objective(&ctx(), &o, Some(&r0)).await.unwrap();
    assert_eq!(
        s.ownership_history(o.id.as_str()).await.unwrap(),
        vec![r0.clone()]
    );
    assert_eq!(s.ownership_request(&r0.id).await.unwrap().unwrap(), r0);
    assert!(s
        .ownership_request(&OwnershipRequestId::generate())
        .await
        .unwrap()
        .is_none());
    // A request on another OKR is refused, and nothing is written.
    let o_other = objective(&b.cycle.id, &bob.id);
    let wrong = request(
        OkrRef::Objective(o.id.clone()),
        None,
        &bob.id,
        Some(&ada.id),
        t0,
    );
    assert!(s
        .insert_objective(&ctx(), &o_other, Some(&wrong))
        .await
        .is_err());
    assert!(s.objective(&o_other.id).await.unwrap().is_none());

    // Proposing with a stale version, or on an unknown OKR.
    let r1 = request(
        OkrRef::Objective(o.id.clone()),
        Some(&bob.id),
        &cy.id,
        Some(&ada.id),
        t0 + Duration::hours(1),
    );
    assert!(matches!(
        s.propose_ownership(&ctx(), &r1, o.version + 5).await,
        Err(StoreError::StaleVersion)
    ));
    let nowhere = request(
        OkrRef::Objective(ObjectiveId::generate()),
        None,
        &cy.id,
        Some(&ada.id),
        t0,
    );
    assert!(matches!(
        s.propose_ownership(&ctx(), &nowhere, 1).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.ownership_history(o.id.as_str()).await.unwrap().len(), 1);

    // Proposing: pending owner, version bump, the earlier pending request superseded.
    s.propose_ownership(&ctx(), &r1, o.version).await.unwrap();
    let o1 = s.objective(&o.id).await.unwrap().unwrap();
    assert_eq!(o1.owner_id, cy.id);
    assert_eq!(o1.ownership_state, OwnershipState::Pending);
    assert_eq!(o1.version, o.version + 1);
    let h = s.ownership_history(o.id.as_str()).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].id, r0.id);
    assert_eq!(h[0].state, RequestState::Superseded);
    assert!(h[0].decided_at.is_some());
    assert_eq!(h[1], r1);

    // The objective's requests and its key results', in one read, oldest first.
    let k = key_result(&o.id, &cy.id);
    let rk = request(
        OkrRef::KeyResult(k.id.clone()),
        None,
        &cy.id,
        Some(&ada.id),
        now(),
    );
    s.insert_key_result(&ctx(), &k, Some(&rk)).await.unwrap();
    let all = s.ownership_requests_of_objective(&o.id).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        vec![r0.id.clone(), r1.id.clone(), rk.id.clone()]
    );
    assert!(s
        .ownership_requests_of_objective(&ObjectiveId::generate())
        .await
        .unwrap()
        .is_empty());

    // A superseded request can no longer be answered.
    let mut late = h[0].clone();
    late.state = RequestState::Pending;
    late.accept(now()).unwrap();
    assert!(matches!(
        s.answer_ownership_request(&ctx(), &late).await,
        Err(StoreError::StaleVersion)
    ));

    // Declining: the OKR's ownership state follows, the reason is kept.
    let mut r1d = r1.clone();
    r1d.decline("I have no say over onboarding UX", now())
        .unwrap();
    s.answer_ownership_request(&ctx(), &r1d).await.unwrap();
    assert_eq!(s.ownership_request(&r1.id).await.unwrap().unwrap(), r1d);
    let o2 = s.objective(&o.id).await.unwrap().unwrap();
    assert_eq!(o2.ownership_state, OwnershipState::Declined);
    assert_eq!(o2.owner_id, cy.id);
    assert_eq!(o2.version, o1.version + 1);
    // Answered once only.
    let mut again = r1.clone();
    again.accept(now()).unwrap();
    assert!(matches!(
        s.answer_ownership_request(&ctx(), &again).await,
        Err(StoreError::StaleVersion)
    ));

    // Naming oneself is accepted at once.
    let r2 = request(
        OkrRef::Objective(o.id.clone()),
        Some(&cy.id),
        &ada.id,
        Some(&ada.id),
        t0 + Duration::hours(2),
    );
    s.propose_ownership(&ctx(), &r2, o2.version).await.unwrap();
    let o3 = s.objective(&o.id).await.unwrap().unwrap();
    assert_eq!(o3.owner_id, ada.id);
    assert_eq!(o3.ownership_state, OwnershipState::Accepted);
    let h = s.ownership_history(o.id.as_str()).await.unwrap();
    assert_eq!(
        h.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        vec![r0.id.clone(), r1.id.clone(), r2.id.clone()]
    );
    assert_eq!(h[1].state, RequestState::Declined);
    assert_eq!(h[2].state, RequestState::Accepted);
    OwnershipStory {
        b,
        ada,
        bob,
        cy,
        t0,
        o,
        r0,
    }
}

/// The key result part of the story; returns the key result as it was before.
async fn key_result_ownership_story(s: &DynStore, story: &OwnershipStory) -> KeyResult {
    let OwnershipStory {
        b,
        ada,
        bob,
        cy,
        t0,
        o,
        ..
    } = story;
    let t0 = *t0;
    // Key results: propose, accept.
    let kr = b.kr.clone();
    let r3 = request(
        OkrRef::KeyResult(kr.id.clone()),
        Some(&ada.id),
        &bob.id,
        Some(&ada.id),
        t0 + Duration::hours(3),
    );
    s.propose_ownership(&ctx(), &r3, kr.version).await.unwrap();
    let k1 = s.key_result(&kr.id).await.unwrap().unwrap();
    assert_eq!(
        (k1.owner_id.clone(), k1.ownership_state, k1.version),
        (bob.id.clone(), OwnershipState::Pending, kr.version + 1)
    );
    let mut r3a = r3.clone();
    r3a.accept(now()).unwrap();
    s.answer_ownership_request(&ctx(), &r3a).await.unwrap();
    let k2 = s.key_result(&kr.id).await.unwrap().unwrap();
    assert_eq!(k2.ownership_state, OwnershipState::Accepted);
    assert_eq!(k2.owner_id, bob.id);
    assert_eq!(s.ownership_request(&r3.id).await.unwrap().unwrap(), r3a);
    assert_eq!(
        s.ownership_history(kr.id.as_str()).await.unwrap(),
        vec![r3a.clone()]
    );
    // The objective's history holds only the objective's requests.
    assert_eq!(s.ownership_history(o.id.as_str()).await.unwrap().len(), 3);

    // The owner changed since the proposal: answering is stale.
    let r4 = request(
        OkrRef::KeyResult(kr.id.clone()),
        Some(&bob.id),
        &cy.id,
        Some(&bob.id),
        t0 + Duration::hours(4),
    );
    s.propose_ownership(&ctx(), &r4, k2.version).await.unwrap();
    let k3 = s.key_result(&kr.id).await.unwrap().unwrap();
    let mut moved = k3.clone();
    moved.owner_id = ada.id.clone();
    moved.ownership_state = OwnershipState::Accepted;
    s.update_key_result(&ctx(), &k3, &moved).await.unwrap();
    let mut r4a = r4.clone();
    r4a.accept(now()).unwrap();
    assert!(matches!(
        s.answer_ownership_request(&ctx(), &r4a).await,
        Err(StoreError::StaleVersion)
    ));
    assert_eq!(
        s.ownership_request(&r4.id).await.unwrap().unwrap().state,
        RequestState::Pending
    );
    kr
}

async fn ownership_requests_listing(s: DynStore, _url: String) {
    listed_requests(&s).await;
    let ids = |p: &Page<OwnershipRequest>| p.items.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    // Newest first, by (created_at, id).
    let full = s
        .list_ownership_requests(
            &OwnershipRequestFilter::new(Reader::Everyone),
            &page(100, None),
        )
        .await
        .unwrap();
    assert!(full.next_cursor.is_none());
    assert_eq!(full.items.len(), 6);
    for w in full.items.windows(2) {
        assert!((w[0].created_at, w[0].id.clone()) > (w[1].created_at, w[1].id.clone()));
    }
    // Pages of two walk the same list.
    let mut walked = vec![];
    let mut cursor = None;
    loop {
        let p = s
            .list_ownership_requests(
                &OwnershipRequestFilter::new(Reader::Everyone),
                &page(2, cursor),
            )
            .await
            .unwrap();
        assert!(p.items.len() <= 2);
        walked.extend(ids(&p));
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(walked, ids(&full));
}

/// The OKRs a person is handing over: those whose pending request names them the previous
/// owner, all of them or among given OKRs (objectives and key results alike).
async fn the_okrs_a_person_is_handing_over(s: DynStore, _url: String) {
    let ListedRequests {
        b, bob, cy, o1, o2, ..
    } = listed_requests(&s).await;
    // Pending: o1 handed over by bob (to cy), o2 by cy (to cy, proposed by bob). A key result
    // handed over by its owner too.
    let kr = s.key_result(&b.kr.id).await.unwrap().unwrap();
    let r = request(
        OkrRef::KeyResult(kr.id.clone()),
        Some(&kr.owner_id),
        &bob.id,
        Some(&kr.owner_id),
        now(),
    );
    s.propose_ownership(&ctx(), &r, kr.version).await.unwrap();
    let (o1, o2, k) = (o1.id.to_string(), o2.id.to_string(), kr.id.to_string());
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let all = [o1.clone(), o2.clone(), k.clone()];
    assert_eq!(
        s.handing_over(&bob.id, None).await.unwrap(),
        vec![o1.clone()]
    );
    assert_eq!(
        s.handing_over(&bob.id, Some(&all)).await.unwrap(),
        vec![o1.clone()]
    );
    assert!(s
        .handing_over(&bob.id, Some(&[o2.clone(), k.clone()]))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.handing_over(&cy.id, Some(&all)).await.unwrap(),
        vec![o2.clone()]
    );
    assert_eq!(
        s.handing_over(&kr.owner_id, None).await.unwrap(),
        vec![k.clone()]
    );
    assert_eq!(
        sorted(s.handing_over(&kr.owner_id, Some(&all)).await.unwrap()),
        vec![k.clone()]
    );
    // The key result's objective is not what its owner hands over.
    assert!(s
        .handing_over(&kr.owner_id, Some(&[b.objective.id.to_string()]))
        .await
        .unwrap()
        .is_empty());
}

/// Ownership requests filtered by state, OKR, proposed owner and involvement.
async fn ownership_requests_filters(s: DynStore, _url: String) {
    let ListedRequests {
        b,
        bob,
        cy,
        o1,
        o2,
        all,
    } = listed_requests(&s).await;
    let ids = |p: &Page<OwnershipRequest>| p.items.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    // Pending: the last request of each objective (the others were superseded).
    let pending = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                state: Some(RequestState::Pending),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap();
    let mut got: Vec<_> = ids(&pending);
    got.sort();
    let mut want = vec![all[4].clone(), all[5].clone()];
    want.sort();
    assert_eq!(got, want);
    // The pending requests of a batch of objectives: those on them, newest first, as listed.
    let on = |ids: Vec<ObjectiveId>| {
        let s = s.clone();
        async move {
            s.pending_requests_on(&ids)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(on(vec![o1.id.clone(), o2.id.clone()]).await, ids(&pending));
    assert_eq!(on(vec![o2.id.clone()]).await, vec![all[5].clone()]);
    assert!(on(vec![ObjectiveId::generate()]).await.is_empty());
    let superseded = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                state: Some(RequestState::Superseded),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(superseded.items.len(), 4);

    let for_bob = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                proposed_owner_id: Some(bob.id.clone()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(for_bob.items.len(), 3);
    assert!(for_bob.items.iter().all(|r| r.proposed_owner_id == bob.id));
    // Bob is proposed three times and proposed once himself.
    let involving_bob = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                involving: Some(bob.id.clone()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(involving_bob.items.len(), 4);
    assert_eq!(involving_bob.items[0].id, all[5]);
    let pending_cy_on_o2 = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                state: Some(RequestState::Pending),
                proposed_owner_id: Some(cy.id.clone()),
                okr_id: Some(o2.id.to_string()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(ids(&pending_cy_on_o2), vec![all[5].clone()]);
    let on_o1 = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                okr_id: Some(o1.id.to_string()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(2, None),
        )
        .await
        .unwrap();
    assert_eq!(ids(&on_o1), vec![all[4].clone(), all[2].clone()]);
    let rest = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                okr_id: Some(o1.id.to_string()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(2, on_o1.next_cursor.clone()),
        )
        .await
        .unwrap();
    assert_eq!(ids(&rest), vec![all[0].clone()]);
    assert!(rest.next_cursor.is_none());
    assert!(s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                okr_id: Some(b.kr.id.to_string()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(10, None),
        )
        .await
        .unwrap()
        .items
        .is_empty());
}

/// What `listed_requests` wrote.
struct ListedRequests {
    b: Basic,
    bob: Person,
    cy: Person,
    o1: Objective,
    o2: Objective,
    /// The six requests' ids, in the order they were proposed.
    all: Vec<OwnershipRequestId>,
}

/// Six ownership proposals on two objectives, to bob and to cy.
async fn listed_requests(s: &DynStore) -> ListedRequests {
    let b = basic(s).await;
    let ada = b.owner.clone();
    let bob = add_person(s, "bob").await;
    let cy = add_person(s, "cy").await;
    let t0 = now() - Duration::days(1);
    let o1 = b.objective.clone();
    let o2 = objective(&b.cycle.id, &ada.id);
    s.insert_objective(&ctx(), &o2, None).await.unwrap();
    // Six proposals alternating between the two objectives and between bob and cy; the same
    // timestamp twice, to exercise the id tie-break.
    let mut all = vec![];
    for i in 0..6i64 {
        let target = if i % 2 == 0 { &o1 } else { &o2 };
        let current = s.objective(&target.id).await.unwrap().unwrap();
        let proposed = if i < 3 { &bob } else { &cy };
        let by = if i == 5 { &bob } else { &ada };
        let r = request(
            OkrRef::Objective(target.id.clone()),
            Some(&current.owner_id),
            &proposed.id,
            Some(&by.id),
            t0 + Duration::minutes(i.min(4)),
        );
        s.propose_ownership(&ctx(), &r, current.version)
            .await
            .unwrap();
        all.push(r.id.clone());
    }
    ListedRequests {
        b,
        bob,
        cy,
        o1,
        o2,
        all,
    }
}
