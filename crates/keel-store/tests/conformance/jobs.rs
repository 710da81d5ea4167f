//! The durable job queue: claims, leases, retries, one run per period; and the notifications
//! written in the transactions of the changes that cause them.

use crate::*;
use keel_domain::notification::{retry_delay, NotificationKind};

conformance!(
    two_concurrent_claimers_never_take_the_same_job,
    a_failed_job_is_retried_after_its_backoff_then_given_up,
    a_job_whose_lease_expired_is_claimed_again,
    a_periodic_job_is_queued_once_per_period,
    a_change_that_rolls_back_leaves_no_notification,
    each_change_tells_the_right_people,
    notifications_are_read_with_the_readers_eyes,
    notifications_page_newest_first_and_are_marked_read,
    the_evaluators_memory_is_kept_per_key_result,
    a_rounds_signals_are_written_whole_across_statements,
    objectives_page_by_the_evaluators_stored_status_and_progress,
);

fn job(kind: &str, key: Option<&str>, run_at: DateTime<Utc>, max_attempts: u32) -> NewJob {
    NewJob {
        kind: kind.into(),
        unique_key: key.map(str::to_string),
        payload: serde_json::json!({"n": 1}),
        run_at,
        max_attempts,
    }
}

/// Twenty jobs, two workers claiming at once, round after round: every job is claimed exactly
/// once (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer).
async fn two_concurrent_claimers_never_take_the_same_job(s: DynStore, _url: String) {
    let t = now();
    for _ in 0..20 {
        assert!(s.enqueue_job(&job("work", None, t, 3)).await.unwrap());
    }
    let lease = Duration::minutes(5);
    let mut seen = HashSet::new();
    for _ in 0..10 {
        let (a, b) = tokio::join!(
            s.claim_jobs("worker-a", t, lease, 3),
            s.claim_jobs("worker-b", t, lease, 3)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        for j in a.iter().chain(&b) {
            assert!(seen.insert(j.id.clone()), "{} claimed twice", j.id);
            assert_eq!(j.state, JobState::Running);
            assert_eq!(j.attempts, 1);
            assert_eq!(j.payload, serde_json::json!({"n": 1}));
        }
        assert!(a.iter().all(|j| j.worker.as_deref() == Some("worker-a")));
        assert!(b.iter().all(|j| j.worker.as_deref() == Some("worker-b")));
    }
    assert_eq!(seen.len(), 20);
    // Nothing is left to claim while the leases hold; a job not due yet is not claimed either.
    assert!(s
        .enqueue_job(&job("later", None, t + Duration::hours(1), 3))
        .await
        .unwrap());
    assert!(s.claim_jobs("c", t, lease, 10).await.unwrap().is_empty());
}

/// A failure queues the job again after the backoff; the last attempt's failure makes it dead,
/// with its error kept; a dead job is never claimed again.
async fn a_failed_job_is_retried_after_its_backoff_then_given_up(s: DynStore, _url: String) {
    let t = now();
    s.enqueue_job(&job("flaky", None, t, 2)).await.unwrap();
    let lease = Duration::minutes(5);
    let first = s.claim_jobs("w", t, lease, 10).await.unwrap().remove(0);
    assert_eq!(
        s.fail_job(&first, "the mail server said no", t)
            .await
            .unwrap(),
        JobState::Queued
    );
    let stored = s.job(&first.id).await.unwrap().unwrap();
    assert_eq!(stored.state, JobState::Queued);
    assert_eq!(stored.run_at, t + retry_delay(1));
    assert_eq!(
        stored.last_error.as_deref(),
        Some("the mail server said no")
    );
    assert!(stored.worker.is_none());
    // Not before its backoff.
    assert!(s
        .claim_jobs("w", t + retry_delay(1) - Duration::seconds(1), lease, 10)
        .await
        .unwrap()
        .is_empty());
    let later = t + retry_delay(1);
    let second = s.claim_jobs("w", later, lease, 10).await.unwrap().remove(0);
    assert_eq!(second.id, first.id);
    assert_eq!(second.attempts, 2);
    // The first attempt's claim is over: it can neither finish nor fail the job now.
    assert!(matches!(
        s.complete_job(&first, later).await,
        Err(StoreError::StaleVersion)
    ));
    assert_eq!(
        s.fail_job(&second, "still no", later).await.unwrap(),
        JobState::Dead
    );
    let dead = s.job(&first.id).await.unwrap().unwrap();
    assert_eq!(dead.state, JobState::Dead);
    assert_eq!(dead.last_error.as_deref(), Some("still no"));
    assert!(dead.finished_at.is_some());
    assert!(s
        .claim_jobs("w", later + Duration::days(1), lease, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(s.job(&JobId::generate()).await.unwrap().is_none());
}

/// A worker that dies holding a job: once its lease expires another worker claims the job (a
/// new attempt) and the dead worker's claim can no longer finish it. A job whose lease expires
/// on its last attempt is given up.
async fn a_job_whose_lease_expired_is_claimed_again(s: DynStore, _url: String) {
    let t = now();
    s.enqueue_job(&job("evaluate", None, t, 2)).await.unwrap();
    let lease = Duration::minutes(1);
    let a = s
        .claim_jobs("crashed", t, lease, 10)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(a.lease_until, Some(t + lease));
    assert!(s
        .claim_jobs("b", t + Duration::seconds(30), lease, 10)
        .await
        .unwrap()
        .is_empty());
    let t2 = t + Duration::minutes(2);
    let b = s.claim_jobs("b", t2, lease, 10).await.unwrap().remove(0);
    assert_eq!((b.id.clone(), b.attempts), (a.id.clone(), 2));
    assert!(matches!(
        s.complete_job(&a, t2).await,
        Err(StoreError::StaleVersion)
    ));
    assert!(matches!(
        s.fail_job(&a, "late", t2).await,
        Err(StoreError::StaleVersion)
    ));
    // b crashes too, on the last attempt: the job is given up, not claimed a third time.
    let t3 = t2 + Duration::minutes(2);
    assert!(s.claim_jobs("c", t3, lease, 10).await.unwrap().is_empty());
    let dead = s.job(&a.id).await.unwrap().unwrap();
    assert_eq!(dead.state, JobState::Dead);
    assert!(dead.last_error.unwrap().contains("stopped"));
    // A job finished in time is done.
    s.enqueue_job(&job("quick", None, t3, 2)).await.unwrap();
    let q = s.claim_jobs("d", t3, lease, 10).await.unwrap().remove(0);
    s.complete_job(&q, t3).await.unwrap();
    let done = s.job(&q.id).await.unwrap().unwrap();
    assert_eq!(done.state, JobState::Done);
    assert!(done.worker.is_none() && done.lease_until.is_none());
}

/// A period's run has a unique key: scheduled by two servers at once, or again after it ran,
/// it is queued once.
async fn a_periodic_job_is_queued_once_per_period(s: DynStore, _url: String) {
    let t = now();
    let key = "digest:2026-W49";
    let (first, second) = (
        job("digest", Some(key), t, 3),
        job("digest", Some(key), t, 3),
    );
    let (a, b) = tokio::join!(s.enqueue_job(&first), s.enqueue_job(&second));
    assert_eq!(
        [a.unwrap(), b.unwrap()].iter().filter(|x| **x).count(),
        1,
        "exactly one server queues the period's run"
    );
    let run = s
        .claim_jobs("w", t, Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(run.len(), 1);
    s.complete_job(&run[0], t).await.unwrap();
    assert!(!s
        .enqueue_job(&job("digest", Some(key), t, 3))
        .await
        .unwrap());
    assert!(s
        .claim_jobs("w", t, Duration::minutes(1), 10)
        .await
        .unwrap()
        .is_empty());
    // The next period is another key.
    assert!(s
        .enqueue_job(&job("digest", Some("digest:2026-W50"), t, 3))
        .await
        .unwrap());
}

/// The notifications of a person (as an administrator reads them: everything).
async fn told(s: &DynStore, p: &Person) -> Vec<keel_domain::notification::Notification> {
    s.list_notifications(&p.id, &Reader::Everyone, &page(100, None))
        .await
        .unwrap()
        .items
}

fn as_person(p: &Person) -> WriteCtx {
    WriteCtx {
        actor_id: Some(p.id.clone()),
        ..ctx()
    }
}

/// A proposal refused for a stale version, or an answer to a request no longer pending, writes
/// nothing: no notification either (they share the change's transaction).
async fn a_change_that_rolls_back_leaves_no_notification(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let bob = add_person(&s, "bob").await;
    let r = request(
        OkrRef::KeyResult(b.kr.id.clone()),
        Some(&b.owner.id),
        &bob.id,
        Some(&b.owner.id),
        now(),
    );
    assert!(matches!(
        s.propose_ownership(&as_person(&b.owner), &r, b.kr.version + 7)
            .await,
        Err(StoreError::StaleVersion)
    ));
    assert!(told(&s, &bob).await.is_empty());
    // A feedback request naming someone who does not exist fails whole.
    let f = cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: b.kr.id.to_string(),
        requester_id: b.owner.id.clone(),
        question: "How is it going?".into(),
        answers: vec![
            cfr::FeedbackAnswer {
                person_id: bob.id.clone(),
                answer: None,
                answered_at: None,
            },
            cfr::FeedbackAnswer {
                person_id: PersonId::generate(),
                answer: None,
                answered_at: None,
            },
        ],
        created_at: now(),
    };
    assert!(s
        .insert_feedback_request(&as_person(&b.owner), &f)
        .await
        .is_err());
    assert!(told(&s, &bob).await.is_empty());
    // The same proposal at the right version tells bob.
    s.propose_ownership(&as_person(&b.owner), &r, b.kr.version)
        .await
        .unwrap();
    let got = told(&s, &bob).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].kind, NotificationKind::OwnershipProposed);
    assert_eq!(got[0].subject_id, r.id.as_str());
    assert_eq!(got[0].key_result_id.as_ref(), Some(&b.kr.id));
    assert_eq!(got[0].objective_id.as_ref(), Some(&b.objective.id));
    assert_eq!(got[0].actor_id.as_ref(), Some(&b.owner.id));
    // Answering it twice: the second answer fails and tells nobody again.
    let mut declined = r.clone();
    declined.state = RequestState::Declined;
    declined.decline_reason = Some("I am on leave in March".into());
    s.answer_ownership_request(&as_person(&bob), &declined)
        .await
        .unwrap();
    assert!(s
        .answer_ownership_request(&as_person(&bob), &declined)
        .await
        .is_err());
    let ada = told(&s, &b.owner).await;
    assert_eq!(ada.len(), 1, "{ada:?}");
    assert_eq!(ada[0].kind, NotificationKind::OwnershipDeclined);
    assert_eq!(ada[0].detail.as_deref(), Some("I am on leave in March"));
}

/// Feedback asked and answered, recognition, a 1:1 note, a review, a handover: each reaches the
/// people it concerns, and never the writer.
async fn each_change_tells_the_right_people(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let (ada, bob, cy) = (
        b.owner.clone(),
        add_person(&s, "bob").await,
        add_person(&s, "cy").await,
    );
    let f = cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: b.kr.id.to_string(),
        requester_id: ada.id.clone(),
        question: "How is it going?".into(),
        answers: [&bob, &ada]
            .iter()
            .map(|p| cfr::FeedbackAnswer {
                person_id: p.id.clone(),
                answer: None,
                answered_at: None,
            })
            .collect(),
        created_at: now(),
    };
    s.insert_feedback_request(&as_person(&ada), &f)
        .await
        .unwrap();
    let kinds = |v: Vec<keel_domain::notification::Notification>| -> Vec<NotificationKind> {
        v.into_iter().map(|n| n.kind).collect()
    };
    assert_eq!(
        kinds(told(&s, &bob).await),
        [NotificationKind::FeedbackRequested]
    );
    assert!(told(&s, &ada).await.is_empty(), "the asker is not told");
    let answer = cfr::FeedbackAnswer {
        person_id: bob.id.clone(),
        answer: Some("steady".into()),
        answered_at: Some(now()),
    };
    s.answer_feedback(&as_person(&bob), &f.id, &answer)
        .await
        .unwrap();
    let ada_told = told(&s, &ada).await;
    assert_eq!(
        kinds(ada_told.clone()),
        [NotificationKind::FeedbackAnswered]
    );
    assert_eq!(ada_told[0].objective_id.as_ref(), Some(&b.objective.id));
    let r = cfr::Recognition {
        id: RecognitionId::generate(),
        from_id: ada.id.clone(),
        to_id: cy.id.clone(),
        okr_id: b.objective.id.to_string(),
        check_in_id: None,
        message: "thank you".into(),
        created_at: now(),
    };
    s.insert_recognition(&as_person(&ada), &r).await.unwrap();
    assert_eq!(
        kinds(told(&s, &cy).await),
        [NotificationKind::RecognitionReceived]
    );
    let c = cfr::Conversation {
        id: ConversationId::generate(),
        author_id: bob.id.clone(),
        with_id: cy.id.clone(),
        okr_ids: vec![],
        held_on: "2026-12-01".parse().unwrap(),
        notes: "next steps".into(),
        created_at: now(),
        updated_at: now(),
        version: 1,
    };
    s.insert_conversation(&as_person(&bob), &c).await.unwrap();
    let cy_told = told(&s, &cy).await;
    assert_eq!(cy_told[0].kind, NotificationKind::ConversationNote);
    assert_eq!(cy_told[0].subject_id, c.id.as_str());
    // A review: the team's members and lead, not the person scheduling it.
    let mut t = team("Growth");
    t.lead_id = Some(ada.id.clone());
    t.member_ids = vec![bob.id.clone(), cy.id.clone()];
    s.insert_team(&ctx(), &t).await.unwrap();
    let review = review::Review {
        id: ReviewId::generate(),
        team_id: t.id.clone(),
        held_on: "2026-12-10".parse().unwrap(),
        run_by: Some(ada.id.clone()),
        items: vec![],
        created_at: now(),
        updated_at: now(),
        version: 1,
    };
    s.insert_review(&as_person(&ada), &review).await.unwrap();
    for p in [&bob, &cy] {
        let got = told(&s, p).await;
        assert_eq!(got[0].kind, NotificationKind::ReviewScheduled, "{}", p.name);
        assert_eq!(got[0].subject_id, review.id.as_str());
    }
    assert!(!kinds(told(&s, &ada).await).contains(&NotificationKind::ReviewScheduled));
    // A handover by an administrator: the new owner is asked, the owner it leaves is told.
    let r = request(
        OkrRef::Objective(b.objective.id.clone()),
        Some(&ada.id),
        &bob.id,
        Some(&cy.id),
        now(),
    );
    s.propose_ownership(&as_person(&cy), &r, b.objective.version)
        .await
        .unwrap();
    assert_eq!(
        told(&s, &bob).await[0].kind,
        NotificationKind::OwnershipProposed
    );
    assert_eq!(
        told(&s, &ada).await[0].kind,
        NotificationKind::OwnershipHandedOver
    );
}

/// A private objective handed to bob, then on to cy, who accepts: bob's
/// notification about it is no longer listed, counted or markable for him (visibility is
/// checked again at every read), though an administrator's reader still finds it.
async fn notifications_are_read_with_the_readers_eyes(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let (ada, bob, cy) = (
        b.owner.clone(),
        add_person(&s, "bob").await,
        add_person(&s, "cy").await,
    );
    let mut o = objective(&b.cycle.id, &ada.id);
    o.visibility = Visibility::Private;
    s.insert_objective(&ctx(), &o, None).await.unwrap();
    let to_bob = request(
        OkrRef::Objective(o.id.clone()),
        Some(&ada.id),
        &bob.id,
        Some(&ada.id),
        now(),
    );
    s.propose_ownership(&as_person(&ada), &to_bob, o.version)
        .await
        .unwrap();
    let bobs = Reader::Audience(Audience {
        person_id: bob.id.clone(),
        teams: TeamScope::Reach,
    });
    assert_eq!(
        s.unread_notification_count(&bob.id, &bobs).await.unwrap(),
        1
    );
    let n = told(&s, &bob).await.remove(0);
    // Handed to cy instead: bob may no longer see the objective.
    let o = s.objective(&o.id).await.unwrap().unwrap();
    let to_cy = request(
        OkrRef::Objective(o.id.clone()),
        Some(&bob.id),
        &cy.id,
        Some(&ada.id),
        now(),
    );
    s.propose_ownership(&as_person(&ada), &to_cy, o.version)
        .await
        .unwrap();
    // While cy has not answered, bob (handing it over) still sees it, and was told of the
    // handover; once cy accepts, he sees neither.
    assert_eq!(
        s.unread_notification_count(&bob.id, &bobs).await.unwrap(),
        2
    );
    let mut accepted = to_cy.clone();
    accepted.state = RequestState::Accepted;
    accepted.decided_at = Some(now());
    s.answer_ownership_request(&as_person(&cy), &accepted)
        .await
        .unwrap();
    let page = s
        .list_notifications(&bob.id, &bobs, &page(50, None))
        .await
        .unwrap();
    assert!(page.items.is_empty(), "{:?}", page.items);
    assert_eq!(
        s.unread_notification_count(&bob.id, &bobs).await.unwrap(),
        0
    );
    assert!(matches!(
        s.mark_notification_read(&bob.id, &bobs, &n.id, now()).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.mark_all_notifications_read(&bob.id, &bobs, now())
            .await
            .unwrap(),
        0
    );
    // Still there, unread, for a reader who sees everything.
    assert!(told(&s, &bob)
        .await
        .iter()
        .any(|x| x.id == n.id && x.read_at.is_none()));
    // Someone else's notification is not found either, whoever reads.
    assert!(matches!(
        s.mark_notification_read(&cy.id, &Reader::Everyone, &n.id, now())
            .await,
        Err(StoreError::NotFound)
    ));
}

/// Newest first, page after page; marking one read keeps the first time; all read.
async fn notifications_page_newest_first_and_are_marked_read(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let sam = add_person(&s, "sam").await;
    let t0 = now();
    for n in 0..7 {
        let r = cfr::Recognition {
            id: RecognitionId::generate(),
            from_id: b.owner.id.clone(),
            to_id: sam.id.clone(),
            okr_id: b.kr.id.to_string(),
            check_in_id: None,
            message: format!("thanks {n}"),
            created_at: t0,
        };
        s.insert_recognition(&as_person(&b.owner), &r)
            .await
            .unwrap();
    }
    let (all, pages) = read_pages(3, |p| {
        let (s, sam) = (&s, &sam);
        async move { s.list_notifications(&sam.id, &Reader::Everyone, &p).await }
    })
    .await;
    assert_eq!((all.len(), pages), (7, 3));
    let mut sorted = all.clone();
    sorted.sort_by(|a, b| (b.created_at, b.id.as_str()).cmp(&(a.created_at, a.id.as_str())));
    assert_eq!(all, sorted);
    assert!(matches!(
        s.list_notifications(
            &sam.id,
            &Reader::Everyone,
            &page(3, Some("nonsense".into()))
        )
        .await,
        Err(StoreError::BadCursor)
    ));
    let everyone = Reader::Everyone;
    assert_eq!(
        s.unread_notification_count(&sam.id, &everyone)
            .await
            .unwrap(),
        7
    );
    let first = s
        .mark_notification_read(&sam.id, &everyone, &all[0].id, t0)
        .await
        .unwrap();
    assert_eq!(first.read_at, Some(t0));
    let again = s
        .mark_notification_read(&sam.id, &everyone, &all[0].id, t0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(again.read_at, Some(t0), "the first reading is kept");
    assert_eq!(
        s.unread_notification_count(&sam.id, &everyone)
            .await
            .unwrap(),
        6
    );
    assert!(matches!(
        s.mark_notification_read(&sam.id, &everyone, &NotificationId::generate(), t0)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.mark_all_notifications_read(&sam.id, &everyone, t0)
            .await
            .unwrap(),
        6
    );
    assert_eq!(
        s.unread_notification_count(&sam.id, &everyone)
            .await
            .unwrap(),
        0
    );
}

/// The evaluator's memory: recorded, replaced, read back; with its notifications in the same
/// transaction.
async fn the_evaluators_memory_is_kept_per_key_result(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let t = now();
    let signal = |status, due| KeyResultSignal {
        key_result_id: b.kr.id.clone(),
        status,
        due,
        evaluated_at: t,
    };
    assert!(s.key_result_signals().await.unwrap().is_empty());
    s.record_key_result_signals(&[signal(rhythm::Status::OnTrack, false)], vec![])
        .await
        .unwrap();
    let due = keel_domain::notification::Notification {
        objective_id: Some(b.objective.id.clone()),
        key_result_id: Some(b.kr.id.clone()),
        ..keel_domain::notification::Notification::new(
            b.owner.id.clone(),
            NotificationKind::CheckInDue,
            b.kr.id.as_str(),
        )
    };
    s.record_key_result_signals(&[signal(rhythm::Status::OffTrack, true)], vec![due])
        .await
        .unwrap();
    assert_eq!(
        s.key_result_signals().await.unwrap(),
        vec![signal(rhythm::Status::OffTrack, true)]
    );
    // A batch's signals: those of the key results asked for that were seen, none of another.
    let unseen = KeyResultId::generate();
    assert_eq!(
        s.key_result_signals_of(&[unseen.clone(), b.kr.id.clone()])
            .await
            .unwrap(),
        vec![signal(rhythm::Status::OffTrack, true)]
    );
    assert!(s.key_result_signals_of(&[unseen]).await.unwrap().is_empty());
    assert!(s.key_result_signals_of(&[]).await.unwrap().is_empty());
    assert_eq!(
        told(&s, &b.owner).await[0].kind,
        NotificationKind::CheckInDue
    );
    // A signal for a key result that does not exist fails whole: no notification either.
    let stray = KeyResultSignal {
        key_result_id: KeyResultId::generate(),
        ..signal(rhythm::Status::Stale, true)
    };
    let again = keel_domain::notification::Notification::new(
        b.owner.id.clone(),
        NotificationKind::CheckInOverdue,
        b.kr.id.as_str(),
    );
    assert!(s
        .record_key_result_signals(&[signal(rhythm::Status::Stale, true), stray], vec![again])
        .await
        .is_err());
    assert_eq!(told(&s, &b.owner).await.len(), 1);
    assert_eq!(
        s.key_result_signals().await.unwrap()[0].status,
        rhythm::Status::OffTrack
    );
}

/// A round's signals are written several hundred rows a statement: more than one statement's
/// worth (600) recorded, then recorded again with half of them changed and one key result twice
/// in the same call (the last one is kept, as when each was written alone), all read back.
async fn a_rounds_signals_are_written_whole_across_statements(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let mut krs = vec![b.kr.id.clone()];
    for _ in 1..600 {
        let kr = key_result(&b.objective.id, &b.owner.id);
        s.insert_key_result(&ctx(), &kr, None).await.unwrap();
        krs.push(kr.id);
    }
    let t = now();
    let signal = |id: &KeyResultId, status| KeyResultSignal {
        key_result_id: id.clone(),
        status,
        due: false,
        evaluated_at: t,
    };
    let first: Vec<KeyResultSignal> = krs
        .iter()
        .map(|k| signal(k, rhythm::Status::OnTrack))
        .collect();
    s.record_key_result_signals(&first, vec![]).await.unwrap();
    let status_of = |i: usize| match i {
        1 => rhythm::Status::AtRisk,
        i if i % 2 == 0 => rhythm::Status::OffTrack,
        _ => rhythm::Status::OnTrack,
    };
    let mut then: Vec<KeyResultSignal> = krs
        .iter()
        .enumerate()
        .map(|(i, k)| {
            signal(
                k,
                if i == 1 {
                    rhythm::Status::Stale
                } else {
                    status_of(i)
                },
            )
        })
        .collect();
    then.push(signal(&krs[1], rhythm::Status::AtRisk));
    s.record_key_result_signals(&then, vec![]).await.unwrap();
    let mut want: Vec<KeyResultSignal> = krs
        .iter()
        .enumerate()
        .map(|(i, k)| signal(k, status_of(i)))
        .collect();
    want.sort_by(|a, b| a.key_result_id.as_str().cmp(b.key_result_id.as_str()));
    assert_eq!(s.key_result_signals().await.unwrap(), want);
}

/// The evaluator's word on objectives: recorded, replaced, read back by id; the objectives list
/// pages by the stored status rank and progress (ties by id, the objectives it has not seen
/// last), in a cycle or across cycles, the cursor carrying the key so pages of two are the whole
/// list; an objective moved to another cycle since it was evaluated sorts as not seen there
/// (and leaves its old cycle's list) until it is evaluated again; a reader sees only what they
/// may see; a cursor whose key is not a number is refused.
async fn objectives_page_by_the_evaluators_stored_status_and_progress(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let mut all = vec![b.objective.clone()];
    for _ in 0..4 {
        let o = objective(&b.cycle.id, &b.owner.id);
        s.insert_objective(&ctx(), &o, None).await.unwrap();
        all.push(o);
    }
    let t = now();
    // (rank, progress) of the first four; the fifth is never seen.
    let seen = [(3, 500), (0, 900), (3, 100), (1, 100)];
    let signal = |o: &Objective, (rank, milli): (i64, i64)| ObjectiveSignal {
        objective_id: o.id.clone(),
        status: rhythm::Status::OnTrack,
        status_rank: rank,
        progress_milli: milli,
        evaluated_at: t,
        cycle_id: o.cycle_id.clone(),
    };
    let first: Vec<ObjectiveSignal> = (0..4).map(|i| signal(&all[i], (7, 0))).collect();
    s.record_objective_signals(&first).await.unwrap();
    let now_: Vec<ObjectiveSignal> = (0..4).map(|i| signal(&all[i], seen[i])).collect();
    s.record_objective_signals(&now_).await.unwrap();
    let ids: Vec<ObjectiveId> = all.iter().map(|o| o.id.clone()).collect();
    let mut back = s.objective_signals(&ids).await.unwrap();
    back.sort_by(|a, b| a.objective_id.as_str().cmp(b.objective_id.as_str()));
    assert_eq!(back, now_, "replaced, and only the seen ones");
    let walk = |filter: ObjectiveFilter| {
        let s = s.clone();
        async move {
            let mut got = vec![];
            let mut cursor = None;
            loop {
                let p = s.list_objectives(&filter, &page(2, cursor)).await.unwrap();
                got.extend(p.items.into_iter().map(|o| o.id));
                match p.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => return got,
                }
            }
        }
    };
    let in_cycle = |cycle: &CycleId, order: ObjectiveOrder| ObjectiveFilter {
        cycle_id: Some(cycle.clone()),
        order,
        ..ObjectiveFilter::new(Reader::Everyone)
    };
    // Across cycles: the owner's objectives (the other tests' are not theirs).
    let owners = |order: ObjectiveOrder| ObjectiveFilter {
        owner_id: Some(b.owner.id.clone()),
        order,
        ..ObjectiveFilter::new(Reader::Everyone)
    };
    let unseen = i64::MAX;
    let want = |of: &[usize], key: &dyn Fn(usize) -> i64| {
        let mut v = of.to_vec();
        v.sort_by_key(|&i| (key(i), all[i].id.as_str().to_string()));
        v.into_iter().map(|i| all[i].id.clone()).collect::<Vec<_>>()
    };
    let status = |i: usize| seen.get(i).map_or(unseen, |x| x.0);
    let progress = |i: usize| seen.get(i).map_or(unseen, |x| x.1);
    let five = [0, 1, 2, 3, 4];
    let keys: [(ObjectiveOrder, &dyn Fn(usize) -> i64); 2] = [
        (ObjectiveOrder::Status, &status),
        (ObjectiveOrder::Progress, &progress),
    ];
    for (order, key) in keys {
        assert_eq!(walk(in_cycle(&b.cycle.id, order)).await, want(&five, key));
        assert_eq!(walk(owners(order)).await, want(&five, key));
    }

    // The worst (rank 0) moves to another cycle: not seen there, gone from the first.
    let other = cycle(&format!("Q2 {}", uuid::Uuid::now_v7()));
    s.insert_cycle(&ctx(), &other).await.unwrap();
    let moved = Objective {
        cycle_id: other.id.clone(),
        ..all[1].clone()
    };
    let moved = s.update_objective(&ctx(), &all[1], &moved).await.unwrap();
    let status_after_move = |i: usize| if i == 1 { unseen } else { status(i) };
    assert_eq!(
        walk(in_cycle(&b.cycle.id, ObjectiveOrder::Status)).await,
        want(&[0, 2, 3, 4], &status)
    );
    assert_eq!(
        walk(in_cycle(&other.id, ObjectiveOrder::Status)).await,
        vec![all[1].id.clone()]
    );
    assert_eq!(
        walk(owners(ObjectiveOrder::Status)).await,
        want(&five, &status_after_move),
        "across cycles too, its old cycle's status no longer counts"
    );
    // Evaluated in its new cycle: first again.
    s.record_objective_signals(&[signal(&moved, seen[1])])
        .await
        .unwrap();
    assert_eq!(
        walk(owners(ObjectiveOrder::Status)).await,
        want(&five, &status)
    );
    assert_eq!(
        walk(in_cycle(&other.id, ObjectiveOrder::Progress)).await,
        vec![all[1].id.clone()]
    );

    // A reader outside a private objective's circle does not find it in either part.
    let stranger = person("Eve", &format!("eve-{}@example.com", uuid::Uuid::now_v7()));
    s.insert_person(&ctx(), &stranger).await.unwrap();
    for i in [2, 4] {
        let private = Objective {
            visibility: Visibility::Private,
            ..all[i].clone()
        };
        s.update_objective(&ctx(), &all[i], &private).await.unwrap();
    }
    let as_stranger = |order: ObjectiveOrder| ObjectiveFilter {
        reader: Reader::Audience(Audience {
            person_id: stranger.id.clone(),
            teams: TeamScope::Reach,
        }),
        ..in_cycle(&b.cycle.id, order)
    };
    assert_eq!(
        walk(as_stranger(ObjectiveOrder::Status)).await,
        want(&[0, 3], &status)
    );
    assert_eq!(
        walk(ObjectiveFilter {
            reader: Reader::Audience(Audience {
                person_id: b.owner.id.clone(),
                teams: TeamScope::Reach,
            }),
            ..in_cycle(&b.cycle.id, ObjectiveOrder::Status)
        })
        .await,
        want(&[0, 2, 3, 4], &status),
        "the owner sees their private objectives"
    );

    let bad = s
        .list_objectives(
            &ObjectiveFilter {
                order: ObjectiveOrder::Status,
                ..ObjectiveFilter::new(Reader::Everyone)
            },
            &page(2, Some(format!("k:{}:abc", all[0].id))),
        )
        .await;
    assert!(matches!(bad, Err(StoreError::BadCursor)), "{bad:?}");
}
