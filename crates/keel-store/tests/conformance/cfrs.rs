//! Reviews, conversations, feedback and recognition, and their paging.

use crate::*;

conformance!(
    reviews_and_cfrs_round_trip,
    recognitions_by_person_and_okrs,
    feedback_requests_page_without_cut_off,
    recognitions_page_without_cut_off,
);

async fn reviews_and_cfrs_round_trip(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let tm = team("Growth");
    s.insert_team(&ctx(), &tm).await.unwrap();
    let item = review::ReviewItem {
        objective_id: b.objective.id.clone(),
        title: "O".into(),
        owner_id: b.owner.id.clone(),
        owner_name: "Ada".into(),
        progress: 0.5,
        progress_change: Some(0.1),
        status: rhythm::Status::OnTrack,
        status_reason: "fine".into(),
        confidence_trend: rhythm::Trend::Rising,
        flags: vec![],
        notes: String::new(),
        decisions: String::new(),
    };
    let mut reviews = vec![];
    for day in ["2026-10-01", "2026-11-01", "2026-10-15"] {
        let r = review::Review {
            id: ReviewId::generate(),
            team_id: tm.id.clone(),
            held_on: day.parse().unwrap(),
            run_by: Some(b.owner.id.clone()),
            items: vec![item.clone()],
            created_at: now(),
            updated_at: now(),
            version: 1,
        };
        s.insert_review(&ctx(), &r).await.unwrap();
        reviews.push(r);
    }
    let p1 = s.list_reviews(&tm.id, &page(2, None)).await.unwrap();
    let days: Vec<String> = p1.items.iter().map(|r| r.held_on.to_string()).collect();
    assert_eq!(days, vec!["2026-11-01", "2026-10-15"]);
    let p2 = s
        .list_reviews(&tm.id, &page(2, p1.next_cursor))
        .await
        .unwrap();
    assert_eq!(p2.items[0].held_on.to_string(), "2026-10-01");
    assert!(p2.next_cursor.is_none());
    let mut after = reviews[0].clone();
    after.items[0].notes = "noted".into();
    let stored = s.update_review(&ctx(), &reviews[0], &after).await.unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(
        s.review(&reviews[0].id).await.unwrap().unwrap().items[0].notes,
        "noted"
    );
    assert!(matches!(
        s.update_review(&ctx(), &reviews[0], &after).await,
        Err(StoreError::StaleVersion)
    ));

    let other = person("Sam", &format!("sam-{}@example.com", uuid::Uuid::now_v7()));
    s.insert_person(&ctx(), &other).await.unwrap();
    let c = cfr::Conversation {
        id: ConversationId::generate(),
        author_id: b.owner.id.clone(),
        with_id: other.id.clone(),
        okr_ids: vec![b.objective.id.to_string()],
        held_on: "2026-11-20".parse().unwrap(),
        notes: "1:1".into(),
        created_at: now(),
        updated_at: now(),
        version: 1,
    };
    s.insert_conversation(&ctx(), &c).await.unwrap();
    assert_eq!(s.conversation(&c.id).await.unwrap(), Some(c.clone()));
    assert_eq!(
        s.list_conversations(&other.id, &page(10, None))
            .await
            .unwrap()
            .items,
        vec![c]
    );

    let f = cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: b.kr.id.to_string(),
        requester_id: b.owner.id.clone(),
        question: "pace?".into(),
        answers: vec![cfr::FeedbackAnswer {
            person_id: other.id.clone(),
            answer: None,
            answered_at: None,
        }],
        created_at: now(),
    };
    s.insert_feedback_request(&ctx(), &f).await.unwrap();
    let answer = cfr::FeedbackAnswer {
        person_id: other.id.clone(),
        answer: Some("slow".into()),
        answered_at: Some(now()),
    };
    s.answer_feedback(&ctx(), &f.id, &answer).await.unwrap();
    let got = s.feedback_request(&f.id).await.unwrap().unwrap();
    assert_eq!(got.answers, vec![answer]);
    assert_eq!(
        s.list_feedback_requests(None, Some(&other.id), &page(500, None))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(s
        .list_feedback_requests(Some("other"), None, &page(500, None))
        .await
        .unwrap()
        .items
        .is_empty());
    let stranger = cfr::FeedbackAnswer {
        person_id: b.owner.id.clone(),
        ..got.answers[0].clone()
    };
    assert!(matches!(
        s.answer_feedback(&ctx(), &f.id, &stranger).await,
        Err(StoreError::NotFound)
    ));

    let r = cfr::Recognition {
        id: RecognitionId::generate(),
        from_id: b.owner.id.clone(),
        to_id: other.id.clone(),
        okr_id: b.kr.id.to_string(),
        check_in_id: None,
        message: "thanks".into(),
        created_at: now(),
    };
    s.insert_recognition(&ctx(), &r).await.unwrap();
    assert_eq!(
        s.list_recognitions(b.kr.id.as_str(), &page(500, None))
            .await
            .unwrap()
            .items,
        vec![r]
    );
}

/// Recognition received and given by a person, and on several OKRs at once: newest first by
/// when it was given (ids are generated in the opposite order here, so an order by id alone
/// fails), nobody else's.
async fn recognitions_by_person_and_okrs(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let sam = add_person(&s, "Sam").await;
    let tia = add_person(&s, "Tia").await;
    let other = basic(&s).await;
    let ids: Vec<RecognitionId> = (0..4).map(|_| RecognitionId::generate()).collect();
    let t0 = now();
    // (from, to, okr, seconds after t0): the last id is the oldest.
    let rows = [
        (&b.owner, &sam, b.kr.id.to_string(), 30),
        (&tia, &sam, b.objective.id.to_string(), 20),
        (&sam, &b.owner, b.kr.id.to_string(), 10),
        (&b.owner, &sam, other.kr.id.to_string(), 0),
    ];
    let mut all = vec![];
    for (id, (from, to, okr, secs)) in ids.iter().zip(rows) {
        let r = cfr::Recognition {
            id: id.clone(),
            from_id: from.id.clone(),
            to_id: to.id.clone(),
            okr_id: okr,
            check_in_id: None,
            message: format!("thanks {secs}"),
            created_at: t0 + Duration::seconds(secs),
        };
        s.insert_recognition(&ctx(), &r).await.unwrap();
        all.push(r);
    }
    let pick = |i: &[usize]| i.iter().map(|n| all[*n].clone()).collect::<Vec<_>>();
    assert_eq!(
        s.recognitions_to(&sam.id, &page(500, None))
            .await
            .unwrap()
            .items,
        pick(&[0, 1, 3])
    );
    assert_eq!(
        s.recognitions_to(&b.owner.id, &page(500, None))
            .await
            .unwrap()
            .items,
        pick(&[2])
    );
    assert!(s
        .recognitions_to(&tia.id, &page(500, None))
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        s.recognitions_from(&b.owner.id, &page(500, None))
            .await
            .unwrap()
            .items,
        pick(&[0, 3])
    );
    assert_eq!(
        s.recognitions_from(&tia.id, &page(500, None))
            .await
            .unwrap()
            .items,
        pick(&[1])
    );
    assert!(s
        .recognitions_from(&other.owner.id, &page(500, None))
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        s.recognitions_on_okrs(
            &[b.kr.id.to_string(), b.objective.id.to_string()],
            &page(500, None)
        )
        .await
        .unwrap()
        .items,
        pick(&[0, 1, 2])
    );
    assert_eq!(
        s.recognitions_on_okrs(&[b.objective.id.to_string()], &page(500, None))
            .await
            .unwrap()
            .items,
        pick(&[1])
    );
    assert!(s
        .recognitions_on_okrs(&[], &page(500, None))
        .await
        .unwrap()
        .items
        .is_empty());
}

/// Feedback requests are listed a page at a time, newest first, none left out or repeated.
async fn feedback_requests_page_without_cut_off(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let other = add_person(&s, "Olu").await;
    let mut made = vec![];
    for n in 0..7 {
        let f = cfr::FeedbackRequest {
            id: FeedbackRequestId::generate(),
            okr_id: b.kr.id.to_string(),
            requester_id: b.owner.id.clone(),
            question: format!("question {n}"),
            answers: vec![cfr::FeedbackAnswer {
                person_id: other.id.clone(),
                answer: None,
                answered_at: None,
            }],
            created_at: now(),
        };
        s.insert_feedback_request(&ctx(), &f).await.unwrap();
        made.push(f);
    }
    made.reverse();
    let okr = b.kr.id.to_string();
    let (all, pages) = read_pages(3, |p| {
        let (s, okr) = (&s, &okr);
        async move { s.list_feedback_requests(Some(okr), None, &p).await }
    })
    .await;
    assert_eq!(pages, 3);
    assert_eq!(all, made);
    let (asked, pages) = read_pages(2, |p| {
        let (s, other) = (&s, &other);
        async move { s.list_feedback_requests(None, Some(&other.id), &p).await }
    })
    .await;
    assert_eq!(pages, 4);
    assert_eq!(asked, made);
    assert!(matches!(
        s.list_feedback_requests(None, None, &page(2, Some("t:1:x".into())))
            .await,
        Err(StoreError::BadCursor)
    ));
}

/// Recognition on an OKR, to and from a person, and on several OKRs is listed a page at a time
/// in its order (ties on `created_at` broken by id), none left out or repeated.
async fn recognitions_page_without_cut_off(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let sam = add_person(&s, "Sam").await;
    let t0 = now();
    let mut made = vec![];
    for n in 0..7_i64 {
        let r = cfr::Recognition {
            id: RecognitionId::generate(),
            from_id: b.owner.id.clone(),
            to_id: sam.id.clone(),
            okr_id: if n % 2 == 0 {
                b.kr.id.to_string()
            } else {
                b.objective.id.to_string()
            },
            check_in_id: None,
            message: format!("thanks {n}"),
            // Pairs share a time: the order within a pair is by id.
            created_at: t0 + Duration::seconds(n / 2),
        };
        s.insert_recognition(&ctx(), &r).await.unwrap();
        made.push(r);
    }
    let mut newest_first = made.clone();
    newest_first.sort_by(|a, b| (b.created_at, b.id.as_str()).cmp(&(a.created_at, a.id.as_str())));

    let (to, pages) = read_pages(3, |p| {
        let (s, sam) = (&s, &sam);
        async move { s.recognitions_to(&sam.id, &p).await }
    })
    .await;
    assert_eq!((to, pages), (newest_first.clone(), 3));
    let (from, pages) = read_pages(2, |p| {
        let (s, b) = (&s, &b);
        async move { s.recognitions_from(&b.owner.id, &p).await }
    })
    .await;
    assert_eq!((from, pages), (newest_first.clone(), 4));
    let okrs = vec![b.kr.id.to_string(), b.objective.id.to_string()];
    let (on, pages) = read_pages(3, |p| {
        let (s, okrs) = (&s, &okrs);
        async move { s.recognitions_on_okrs(okrs, &p).await }
    })
    .await;
    assert_eq!((on, pages), (newest_first.clone(), 3));

    let mut on_kr: Vec<_> = made
        .iter()
        .filter(|r| r.okr_id == b.kr.id.as_str())
        .cloned()
        .collect();
    on_kr.sort_by(|a, b| b.id.as_str().cmp(a.id.as_str()));
    let (listed, pages) = read_pages(2, |p| {
        let (s, b) = (&s, &b);
        async move { s.list_recognitions(b.kr.id.as_str(), &p).await }
    })
    .await;
    assert_eq!((listed, pages), (on_kr, 2));
}
