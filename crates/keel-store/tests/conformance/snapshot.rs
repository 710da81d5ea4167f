//! Whole-organisation loads: all or nothing, with ownership and with the rhythm.

use crate::*;

conformance!(
    snapshot_is_all_or_nothing,
    snapshot_with_ownership,
    snapshot_with_rhythm,
    a_snapshot_with_a_broken_recognition_loads_nothing,
    a_loaded_snapshot_is_searchable_and_keeps_the_index_triggers,
    a_search_finds_past_the_first_rows_and_pages_through_many_hits,
);

fn small_org() -> Snapshot {
    let mut people = vec![];
    // Reports before their managers: the load must not depend on order.
    let boss = person("Boss", "boss@example.com");
    for i in 0..5 {
        let mut p = person(&format!("P{i}"), &format!("p{i}@example.com"));
        p.manager_id = Some(boss.id.clone());
        people.push(p);
    }
    people.push(boss.clone());
    let mut team_a = team("A");
    team_a.member_ids = vec![people[0].id.clone()];
    let mut team_b = team("B");
    team_b.parent_id = Some(team_a.id.clone());
    let teams = vec![team_b, team_a.clone()];
    let c = cycle("Q1");
    let mut o1 = objective(&c.id, &boss.id);
    o1.team_ids = vec![team_a.id.clone()];
    o1.contributor_ids = vec![people[1].id.clone()];
    let k1 = key_result(&o1.id, &boss.id);
    let mut o2 = objective(&c.id, &people[0].id);
    o2.parents = vec![ParentRef::KeyResult(k1.id.clone())];
    let mut k2 = key_result(&o2.id, &people[0].id);
    k2.team_ids = vec![team_a.id.clone()];
    let check_ins = (0..50)
        .map(|i| check_in(&k1.id, 33.0 + i as f64, now() - Duration::hours(100 - i)))
        .collect();
    Snapshot {
        settings: Some(OrgSettings {
            name: "Demo".into(),
            ..Default::default()
        }),
        people,
        teams,
        cycles: vec![c],
        objectives: vec![o2, o1],
        key_results: vec![k2, k1.clone()],
        check_ins,
        initiatives: vec![initiative(&k1.id, &boss.id)],
        ownership_requests: vec![],
        ..Default::default()
    }
}

async fn snapshot_is_all_or_nothing(s: DynStore, _url: String) {
    let mut broken = small_org();
    broken.objectives[0].cycle_id = CycleId::generate();
    assert!(s.load_snapshot(&ctx(), &broken).await.is_err());
    assert!(s.is_empty().await.unwrap());
    assert!(s
        .list_audit(&AuditFilter::new(Reader::Everyone), &page(10, None))
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(s.settings().await.unwrap(), OrgSettings::default());

    let org = small_org();
    s.load_snapshot(&WriteCtx::system(Source::Import), &org)
        .await
        .unwrap();
    assert!(!s.is_empty().await.unwrap());
    assert_eq!(s.settings().await.unwrap().name, "Demo");
    for p in &org.people {
        assert_eq!(&s.person(&p.id).await.unwrap().unwrap(), p);
    }
    for t in &org.teams {
        assert_eq!(&s.team(&t.id).await.unwrap().unwrap(), t);
    }
    for o in &org.objectives {
        assert_eq!(&s.objective(&o.id).await.unwrap().unwrap(), o);
    }
    for k in &org.key_results {
        assert_eq!(&s.key_result(&k.id).await.unwrap().unwrap(), k);
    }
    let cis = s
        .list_check_ins(&org.key_results[1].id, &page(500, None))
        .await
        .unwrap();
    assert_eq!(cis.items.len(), 50);
    assert_eq!(
        s.list_initiatives(&org.key_results[1].id).await.unwrap(),
        org.initiatives
    );
    let events = s
        .list_audit(&AuditFilter::new(Reader::Everyone), &page(10, None))
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "snapshot.load");
    assert_eq!(events[0].source, Source::Import);
    let counts = events[0].after.as_ref().unwrap();
    assert_eq!(counts["people"], 6);
    assert_eq!(counts["check_ins"], 50);

    // Loading it again conflicts and changes nothing.
    assert!(s.load_snapshot(&ctx(), &org).await.is_err());
    assert_eq!(
        s.list_audit(&AuditFilter::new(Reader::Everyone), &page(10, None))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

async fn snapshot_with_ownership(s: DynStore, _url: String) {
    let mut org = small_org();
    let boss = org.people[5].id.clone();
    let p0 = org.people[0].id.clone();
    let p2 = org.people[2].id.clone();
    // objectives[1] is o1 (owned by boss), key_results[1] is k1 (in o1).
    org.objectives[1].co_owner_ids = vec![p2.clone()];
    org.key_results[0].co_owner_ids = vec![p2.clone(), boss.clone()];
    let o1 = org.objectives[1].id.clone();
    let k1 = org.key_results[1].id.clone();
    let t = now() - Duration::hours(5);
    let mut accepted = request(OkrRef::Objective(o1.clone()), None, &boss, None, t);
    accepted.state = RequestState::Accepted;
    accepted.decided_at = Some(t + Duration::minutes(5));
    let pending = request(
        OkrRef::KeyResult(k1.clone()),
        Some(&boss),
        &p0,
        Some(&boss),
        t + Duration::hours(1),
    );
    org.ownership_requests = vec![pending.clone(), accepted.clone()];

    // A request naming someone unknown makes the whole load fail.
    let mut broken = org.clone();
    broken.ownership_requests[0].proposed_owner_id = PersonId::generate();
    assert!(s.load_snapshot(&ctx(), &broken).await.is_err());
    assert!(s.is_empty().await.unwrap());

    s.load_snapshot(&WriteCtx::system(Source::Import), &org)
        .await
        .unwrap();
    for o in &org.objectives {
        assert_eq!(&s.objective(&o.id).await.unwrap().unwrap(), o);
    }
    for k in &org.key_results {
        assert_eq!(&s.key_result(&k.id).await.unwrap().unwrap(), k);
    }
    assert_eq!(
        s.ownership_history(o1.as_str()).await.unwrap(),
        vec![accepted.clone()]
    );
    assert_eq!(
        s.ownership_history(k1.as_str()).await.unwrap(),
        vec![pending.clone()]
    );
    let listed = s
        .list_ownership_requests(
            &OwnershipRequestFilter {
                involving: Some(boss.clone()),
                ..OwnershipRequestFilter::new(Reader::Everyone)
            },
            &page(10, None),
        )
        .await
        .unwrap();
    assert_eq!(listed.items, vec![pending.clone(), accepted.clone()]);
    let events = s
        .list_audit(&AuditFilter::new(Reader::Everyone), &page(10, None))
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), 1);
    let counts = events[0].after.as_ref().unwrap();
    assert_eq!(counts["ownership_requests"], 2);
    assert_eq!(counts["co_owners"], 3);
}

/// The owner's rhythm in a snapshot (the demo's closed quarter and CFRs): scores, a retrospective
/// carried over into a draft, a team review, a 1:1, feedback requests (one answered, one waiting)
/// and a recognition of a check-in all round-trip, with one audit event counting them.
async fn snapshot_with_rhythm(s: DynStore, _url: String) {
    let RhythmOrg {
        org,
        boss,
        p0,
        team_a,
        o1,
        k1,
        k2,
        draft,
        scores,
        retro,
        review,
        conversation,
        answered,
        waiting,
        recognition,
    } = org_with_rhythm();
    s.load_snapshot(&WriteCtx::system(Source::Import), &org)
        .await
        .unwrap();
    let mut got = s.scores_of(&[k1.clone(), k2.clone()]).await.unwrap();
    got.sort_by(|a, b| b.score.total_cmp(&a.score));
    assert_eq!(got, scores);
    assert_eq!(s.retrospective(&o1).await.unwrap(), Some(retro));
    assert_eq!(
        s.carried_over_from(&[draft.id.clone()]).await.unwrap(),
        vec![(draft.id.clone(), o1.clone())]
    );
    assert_eq!(s.review(&review.id).await.unwrap(), Some(review.clone()));
    assert_eq!(
        s.list_reviews(&team_a, &page(10, None))
            .await
            .unwrap()
            .items,
        vec![review]
    );
    assert_eq!(
        s.list_conversations(&p0, &page(10, None))
            .await
            .unwrap()
            .items,
        vec![conversation]
    );
    assert_eq!(
        s.feedback_request(&answered.id).await.unwrap(),
        Some(answered.clone())
    );
    let mut listed = s
        .list_feedback_requests(None, Some(&boss), &page(500, None))
        .await
        .unwrap()
        .items;
    listed.sort_by(|a, b| a.question.cmp(&b.question));
    assert_eq!(listed, vec![answered, waiting]);
    assert_eq!(
        s.list_recognitions(k1.as_str(), &page(500, None))
            .await
            .unwrap()
            .items,
        vec![recognition]
    );
    let events = s
        .list_audit(&AuditFilter::new(Reader::Everyone), &page(10, None))
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), 1);
    let counts = events[0].after.as_ref().unwrap();
    for (what, n) in [
        ("scores", 2),
        ("retrospectives", 1),
        ("reviews", 1),
        ("conversations", 1),
        ("feedback_requests", 2),
        ("recognitions", 1),
    ] {
        assert_eq!(counts[what], n, "{what}");
    }
}

/// A snapshot whose recognition names an unknown check-in loads nothing at all.
async fn a_snapshot_with_a_broken_recognition_loads_nothing(s: DynStore, _url: String) {
    let RhythmOrg { org, k1, .. } = org_with_rhythm();
    // A recognition of an unknown check-in makes the whole load fail, nothing half-written.
    let mut broken = org.clone();
    broken.recognitions[0].check_in_id = Some(CheckInId::generate());
    assert!(s.load_snapshot(&ctx(), &broken).await.is_err());
    assert!(s.is_empty().await.unwrap());
    assert!(s.scores_of(&[k1.clone()]).await.unwrap().is_empty());
}

/// The small organisation with the rhythm's and CFRs' records, and those records.
struct RhythmOrg {
    org: Snapshot,
    boss: PersonId,
    p0: PersonId,
    team_a: TeamId,
    o1: ObjectiveId,
    k1: KeyResultId,
    k2: KeyResultId,
    draft: Objective,
    scores: Vec<rhythm::KeyResultScore>,
    retro: rhythm::Retrospective,
    review: review::Review,
    conversation: cfr::Conversation,
    answered: cfr::FeedbackRequest,
    waiting: cfr::FeedbackRequest,
    recognition: cfr::Recognition,
}

/// `small_org` with scores, a retrospective carried over into a draft, a team review, a 1:1,
/// feedback requests (one answered, one waiting) and a recognition of a check-in.
fn org_with_rhythm() -> RhythmOrg {
    let mut org = small_org();
    let boss = org.people[5].id.clone();
    let p0 = org.people[0].id.clone();
    let p1 = org.people[1].id.clone();
    let team_a = org.teams[1].id.clone();
    // objectives[1] is o1 (boss, key result k1 with 50 check-ins); objectives[0] is o2.
    let o1 = org.objectives[1].id.clone();
    let k1 = org.key_results[1].id.clone();
    let k2 = org.key_results[0].id.clone();
    let mut draft = objective(&org.cycles[0].id, &boss);
    draft.state = ObjectiveState::Draft;
    org.objectives.push(draft.clone());
    let t = now() - Duration::hours(3);
    let scores = vec![
        rhythm::KeyResultScore {
            key_result_id: k1.clone(),
            score: 0.7,
            reason: "close".into(),
            suggested_score: 0.6,
            scored_by: Some(boss.clone()),
            scored_at: t,
        },
        rhythm::KeyResultScore {
            key_result_id: k2.clone(),
            score: 0.2,
            reason: String::new(),
            suggested_score: 0.2,
            scored_by: None,
            scored_at: t,
        },
    ];
    let retro = rhythm::Retrospective {
        objective_id: o1.clone(),
        worked: "demos".into(),
        did_not: "hiring".into(),
        carry_over: true,
        carried_over_to: Some(draft.id.clone()),
        updated_by: Some(boss.clone()),
        updated_at: t,
    };
    let review = review::Review {
        id: ReviewId::generate(),
        team_id: team_a.clone(),
        held_on: "2026-11-16".parse().unwrap(),
        run_by: Some(boss.clone()),
        items: vec![review::ReviewItem {
            objective_id: o1.clone(),
            title: "O".into(),
            owner_id: boss.clone(),
            owner_name: "Boss".into(),
            progress: 0.5,
            progress_change: None,
            status: rhythm::Status::AtRisk,
            status_reason: "the owner's latest confidence is 5 of 10".into(),
            confidence_trend: rhythm::Trend::Falling,
            flags: vec!["at_risk".into()],
            notes: "behind on hiring".into(),
            decisions: "move budget".into(),
        }],
        created_at: t,
        updated_at: t,
        version: 1,
    };
    let conversation = cfr::Conversation {
        id: ConversationId::generate(),
        author_id: boss.clone(),
        with_id: p0.clone(),
        okr_ids: vec![o1.to_string(), k1.to_string()],
        held_on: "2026-11-18".parse().unwrap(),
        notes: "1:1 on pace".into(),
        created_at: t,
        updated_at: t,
        version: 1,
    };
    let answered = cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: k1.to_string(),
        requester_id: boss.clone(),
        question: "pace?".into(),
        answers: vec![
            cfr::FeedbackAnswer {
                person_id: p1.clone(),
                answer: Some("slow".into()),
                answered_at: Some(t + Duration::hours(1)),
            },
            cfr::FeedbackAnswer {
                person_id: p0.clone(),
                answer: None,
                answered_at: None,
            },
        ],
        created_at: t,
    };
    let waiting = cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: o1.to_string(),
        requester_id: p0.clone(),
        question: "scope?".into(),
        answers: vec![cfr::FeedbackAnswer {
            person_id: boss.clone(),
            answer: None,
            answered_at: None,
        }],
        created_at: t - Duration::hours(1),
    };
    let recognition = cfr::Recognition {
        id: RecognitionId::generate(),
        from_id: p1.clone(),
        to_id: boss.clone(),
        okr_id: k1.to_string(),
        check_in_id: Some(org.check_ins[49].id.clone()),
        message: "thanks".into(),
        created_at: t,
    };
    org.scores = scores.clone();
    org.retrospectives = vec![retro.clone()];
    org.reviews = vec![review.clone()];
    org.conversations = vec![conversation.clone()];
    org.feedback_requests = vec![answered.clone(), waiting.clone()];
    org.recognitions = vec![recognition.clone()];
    RhythmOrg {
        org,
        boss,
        p0,
        team_a,
        o1,
        k1,
        k2,
        draft,
        scores,
        retro,
        review,
        conversation,
        answered,
        waiting,
        recognition,
    }
}

/// What a load adds is found by search (on SQLite the load indexes its rows in bulk instead of
/// through the index's triggers), and the triggers are back afterwards, also after a load that
/// failed: a person added later is found too.
async fn a_loaded_snapshot_is_searchable_and_keeps_the_index_triggers(s: DynStore, _url: String) {
    let find = |text: &str| SearchQuery {
        reader: Reader::Everyone,
        text: text.into(),
        kind: Some(SearchKind::Person),
    };
    let mut broken = small_org();
    broken.objectives[0].cycle_id = CycleId::generate();
    assert!(s.load_snapshot(&ctx(), &broken).await.is_err());
    let org = small_org();
    s.load_snapshot(&WriteCtx::system(Source::Import), &org)
        .await
        .unwrap();
    let hits = s
        .search(&find("Boss"), &page(10, None))
        .await
        .unwrap()
        .items;
    let boss = org.people.iter().find(|p| p.name == "Boss").unwrap();
    assert_eq!(
        hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        vec![boss.id.as_str()]
    );
    let all = s
        .search(&find("example.com"), &page(50, None))
        .await
        .unwrap();
    assert_eq!(
        all.items.len(),
        org.people.len(),
        "every loaded person once"
    );
    let later = person("Zelda Later", "zelda@example.org");
    s.insert_person(&ctx(), &later).await.unwrap();
    let hits = s
        .search(&find("Zelda"), &page(10, None))
        .await
        .unwrap()
        .items;
    assert_eq!(hits.len(), 1, "a person added after the load is indexed");
    assert_eq!(hits[0].id, later.id.as_str());
}

/// More teams than a search reads by id before asking the index (2,000 on SQLite): a name held
/// only by the team of the greatest id is found, and a name every team holds pages in id order,
/// nothing repeated or skipped, with the same hits in one page or in pages of 450.
async fn a_search_finds_past_the_first_rows_and_pages_through_many_hits(s: DynStore, _url: String) {
    let mut org = small_org();
    let mut teams: Vec<Team> = (0..2_100).map(|i| team(&format!("Filler {i}"))).collect();
    teams.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    teams.last_mut().unwrap().name = "Quokka filler".into();
    org.teams.extend(teams.iter().cloned());
    s.load_snapshot(&WriteCtx::system(Source::Import), &org)
        .await
        .unwrap();
    let find = |text: &str| SearchQuery {
        reader: Reader::Everyone,
        text: text.into(),
        kind: Some(SearchKind::Team),
    };
    let hits = s.search(&find("quokka"), &page(10, None)).await.unwrap();
    assert_eq!(
        hits.items.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        vec![teams.last().unwrap().id.as_str()]
    );
    let want: Vec<&str> = teams.iter().map(|t| t.id.as_str()).collect();
    let mut walked = vec![];
    let mut cursor = None;
    loop {
        let p = s.search(&find("filler"), &page(450, cursor)).await.unwrap();
        walked.extend(p.items.into_iter().map(|h| h.id));
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(walked, want);
    // Across kinds: the teams come after every other kind, from the last of them on.
    let every = SearchQuery {
        kind: None,
        ..find("filler")
    };
    let first = s.search(&every, &page(500, None)).await.unwrap();
    assert_eq!(first.items.len(), 500);
    let next = s
        .search(&every, &page(500, first.next_cursor))
        .await
        .unwrap();
    assert_eq!(
        next.items.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        want[500..1000]
    );
}
