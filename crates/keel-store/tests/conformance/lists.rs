//! Lists: filters, pagination and cursors of objectives, people, teams and cycles.

use crate::*;

conformance!(
    objectives_filter_and_paginate,
    people_filter_and_paginate,
    teams_and_cycles_filter_and_paginate,
    teams_by_name_in_numbered_pages,
    bad_cursors_are_refused,
);

/// Objectives listed a page at a time, filtered by cycle, team and owner, none left out or
/// repeated.
async fn objectives_filter_and_paginate(s: DynStore, _url: String) {
    let ListFixture {
        people,
        q1,
        q2,
        t1,
        t2,
        all,
        ..
    } = list_fixture(&s).await;
    async fn collect(s: &DynStore, f: &ObjectiveFilter, limit: u32) -> Vec<Objective> {
        let mut out = vec![];
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let p = s.list_objectives(f, &page(limit, cursor)).await.unwrap();
            assert!(p.items.len() <= limit as usize);
            out.extend(p.items);
            pages += 1;
            assert!(pages < 100);
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        out
    }
    let ids = |v: &[Objective]| v.iter().map(|o| o.id.clone()).collect::<Vec<_>>();
    let mut expected = ids(&all);
    expected.sort();
    let got = collect(&s, &ObjectiveFilter::new(Reader::Everyone), 5).await;
    assert_eq!(
        ids(&got),
        expected,
        "every objective exactly once, in id order"
    );
    assert_eq!(got, {
        let mut a = all.clone();
        a.sort_by(|x, y| x.id.cmp(&y.id));
        a
    });
    // An exact multiple of the page size ends without an empty extra page.
    let p = s
        .list_objectives(&ObjectiveFilter::new(Reader::Everyone), &page(23, None))
        .await
        .unwrap();
    assert_eq!(p.items.len(), 23);
    assert!(p.next_cursor.is_none());
    let p = s
        .list_objectives(&ObjectiveFilter::new(Reader::Everyone), &page(0, None))
        .await
        .unwrap();
    assert_eq!(p.items.len(), 1, "limit is clamped to at least 1");

    let check = |f: ObjectiveFilter, pred: Box<dyn Fn(&Objective) -> bool>| {
        let s = s.clone();
        let all = all.clone();
        async move {
            let mut want: Vec<_> = all
                .iter()
                .filter(|o| pred(o))
                .map(|o| o.id.clone())
                .collect();
            want.sort();
            let got = collect(&s, &f, 3).await;
            assert_eq!(ids(&got), want, "{f:?}");
            assert!(!want.is_empty());
        }
    };
    let (c1, tt1, tt2, owner) = (
        q1.id.clone(),
        t1.id.clone(),
        t2.id.clone(),
        people[1].id.clone(),
    );
    check(
        ObjectiveFilter {
            cycle_id: Some(q1.id.clone()),
            ..ObjectiveFilter::new(Reader::Everyone)
        },
        Box::new(move |o| o.cycle_id == c1),
    )
    .await;
    check(
        ObjectiveFilter {
            team_id: Some(t1.id.clone()),
            ..ObjectiveFilter::new(Reader::Everyone)
        },
        Box::new(move |o| o.team_ids.contains(&tt1)),
    )
    .await;
    let c2 = q2.id.clone();
    check(
        ObjectiveFilter {
            team_id: Some(t2.id.clone()),
            cycle_id: Some(q2.id.clone()),
            ..ObjectiveFilter::new(Reader::Everyone)
        },
        Box::new(move |o| o.team_ids.contains(&tt2) && o.cycle_id == c2),
    )
    .await;
    check(
        ObjectiveFilter {
            owner_id: Some(people[1].id.clone()),
            ..ObjectiveFilter::new(Reader::Everyone)
        },
        Box::new(move |o| o.owner_id == owner),
    )
    .await;
}

/// People listed a page at a time, filtered by state, name or email, and manager.
async fn people_filter_and_paginate(s: DynStore, _url: String) {
    let ListFixture {
        people, managed, ..
    } = list_fixture(&s).await;
    // People: pagination and filters.
    let mut cursor = None;
    let mut seen = vec![];
    loop {
        let p = s
            .list_people(&PeopleFilter::default(), &page(4, cursor))
            .await
            .unwrap();
        seen.extend(p.items.into_iter().map(|p| p.id));
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut want: Vec<_> = people.iter().map(|p| p.id.clone()).collect();
    want.push(managed.id.clone());
    want.sort();
    assert_eq!(seen, want);
    let inactive = s
        .list_people(
            &PeopleFilter {
                active: Some(false),
                ..Default::default()
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(inactive.items.len(), 4);
    assert!(inactive.items.iter().all(|p| !p.active));
    let found = s
        .list_people(
            &PeopleFilter {
                query: Some("CORP.example".into()),
                ..Default::default()
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(found.items, vec![managed.clone()]);
    let found = s
        .list_people(
            &PeopleFilter {
                query: Some("person 1".into()),
                ..Default::default()
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(found.items.len(), 2, "Person 10 and 11");
    let found = s
        .list_people(
            &PeopleFilter {
                query: Some("%".into()),
                ..Default::default()
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert!(found.items.is_empty(), "LIKE wildcards are escaped");
    let by_manager = s
        .list_people(
            &PeopleFilter {
                manager_id: Some(people[1].id.clone()),
                ..Default::default()
            },
            &page(100, None),
        )
        .await
        .unwrap();
    assert_eq!(by_manager.items, vec![managed]);
}

/// Teams by name in any case, a numbered page at a time with the total, filtered by words of
/// the name; a page past the last is empty and still tells the total.
async fn teams_by_name_in_numbered_pages(s: DynStore, _url: String) {
    let ListFixture { t1, t2, .. } = list_fixture(&s).await;
    let t3 = team("gamma");
    let t4 = team("ALPHA 2");
    s.insert_team(&ctx(), &t3).await.unwrap();
    s.insert_team(&ctx(), &t4).await.unwrap();
    let all = TeamFilter::default();
    let first = s.teams_by_name(&all, 0, 2).await.unwrap();
    assert_eq!(first, (vec![t1.clone(), t4.clone()], 4));
    let second = s.teams_by_name(&all, 2, 2).await.unwrap();
    assert_eq!(second, (vec![t2.clone(), t3.clone()], 4));
    assert!(!second.0[0].member_ids.is_empty(), "members are read");
    assert_eq!(s.teams_by_name(&all, 4, 2).await.unwrap(), (vec![], 4));
    let alp = TeamFilter {
        name_contains: Some("ALP".into()),
        ..Default::default()
    };
    assert_eq!(
        s.teams_by_name(&alp, 1, 10).await.unwrap(),
        (vec![t4.clone()], 2)
    );
    assert_eq!(s.teams_by_name(&alp, 5, 10).await.unwrap(), (vec![], 2));
}

/// Teams filtered by parent and member, cycles by state, a page at a time.
async fn teams_and_cycles_filter_and_paginate(s: DynStore, _url: String) {
    let ListFixture {
        people,
        q1,
        q2,
        t1,
        t2,
        ..
    } = list_fixture(&s).await;
    // Teams and cycles.
    let children = s
        .list_teams(
            &TeamFilter {
                parent_id: Some(t1.id.clone()),
                ..Default::default()
            },
            &page(10, None),
        )
        .await
        .unwrap();
    assert_eq!(children.items, vec![t2.clone()]);
    let of_member = s
        .list_teams(
            &TeamFilter {
                member_id: Some(people[2].id.clone()),
                ..Default::default()
            },
            &page(10, None),
        )
        .await
        .unwrap();
    assert_eq!(of_member.items, vec![t2.clone()]);
    // A picker's search: part of the name, any case; `%` and `_` are letters.
    for (words, want) in [
        ("ET", vec![t2.clone()]),
        ("alp", vec![t1.clone()]),
        ("a_", vec![]),
    ] {
        let found = s
            .list_teams(
                &TeamFilter {
                    name_contains: Some(words.into()),
                    ..Default::default()
                },
                &page(10, None),
            )
            .await
            .unwrap();
        assert_eq!(found.items, want, "{words}");
    }
    let p1 = s
        .list_teams(&TeamFilter::default(), &page(1, None))
        .await
        .unwrap();
    assert_eq!(p1.items, vec![t1.clone()]);
    let p2 = s
        .list_teams(&TeamFilter::default(), &page(1, p1.next_cursor))
        .await
        .unwrap();
    assert_eq!(p2.items, vec![t2.clone()]);
    assert!(p2.next_cursor.is_none());
    let active = s
        .list_cycles(
            &CycleFilter {
                state: Some(CycleState::Active),
            },
            &page(1, None),
        )
        .await
        .unwrap();
    assert_eq!(active.items, vec![q1.clone()]);
    let active2 = s
        .list_cycles(
            &CycleFilter {
                state: Some(CycleState::Active),
            },
            &page(1, active.next_cursor),
        )
        .await
        .unwrap();
    assert_eq!(active2.items, vec![q2.clone()]);
    assert!(active2.next_cursor.is_none());
}

/// What the list tests list.
struct ListFixture {
    /// Twelve people; every third inactive.
    people: Vec<Person>,
    /// Managed by `people[1]`.
    managed: Person,
    q1: Cycle,
    /// (A closed cycle, Q0, is written too.)
    q2: Cycle,
    t1: Team,
    /// Below `t1`, with `people[2]` as member.
    t2: Team,
    /// 23 objectives across `q1` and `q2`, shared with `t1` and `t2` in a pattern.
    all: Vec<Objective>,
}

/// Writes the people, cycles, teams and objectives the list tests list.
async fn list_fixture(s: &DynStore) -> ListFixture {
    let mut people = vec![];
    for i in 0..12 {
        let mut p = person(&format!("Person {i:02}"), &format!("p{i}@example.com"));
        if i % 3 == 0 {
            p.active = false;
        }
        s.insert_person(&ctx(), &p).await.unwrap();
        people.push(p);
    }
    let mut managed = person("Managed Mary", "mary@corp.example.com");
    managed.manager_id = Some(people[1].id.clone());
    s.insert_person(&ctx(), &managed).await.unwrap();
    let q1 = cycle("Q1");
    let q2 = cycle("Q2");
    s.insert_cycle(&ctx(), &q1).await.unwrap();
    s.insert_cycle(&ctx(), &q2).await.unwrap();
    let mut closed = cycle("Q0");
    closed.state = CycleState::Closed;
    s.insert_cycle(&ctx(), &closed).await.unwrap();
    let t1 = team("Alpha");
    let mut t2 = team("Beta");
    t2.parent_id = Some(t1.id.clone());
    t2.member_ids = vec![people[2].id.clone()];
    s.insert_team(&ctx(), &t1).await.unwrap();
    s.insert_team(&ctx(), &t2).await.unwrap();

    let mut all = vec![];
    for i in 0..23 {
        let mut o = objective(if i % 2 == 0 { &q1.id } else { &q2.id }, &people[i % 4].id);
        if i % 3 == 0 {
            o.team_ids = vec![t1.id.clone()];
        }
        if i % 5 == 0 {
            o.team_ids.push(t2.id.clone());
            o.team_ids.sort();
        }
        s.insert_objective(&ctx(), &o, None).await.unwrap();
        all.push(o);
    }
    ListFixture {
        people,
        managed,
        q1,
        q2,
        t1,
        t2,
        all,
    }
}

async fn bad_cursors_are_refused(s: DynStore, _url: String) {
    let b = basic(&s).await;
    for bad in ["", "garbage", "t:xx:yy", "i:", "t:12"] {
        let p = page(10, Some(bad.into()));
        assert!(matches!(
            s.list_people(&PeopleFilter::default(), &p).await,
            Err(StoreError::BadCursor)
        ));
        assert!(matches!(
            s.list_objectives(&ObjectiveFilter::new(Reader::Everyone), &p)
                .await,
            Err(StoreError::BadCursor)
        ));
        assert!(matches!(
            s.list_teams(&TeamFilter::default(), &p).await,
            Err(StoreError::BadCursor)
        ));
        assert!(matches!(
            s.list_cycles(&CycleFilter::default(), &p).await,
            Err(StoreError::BadCursor)
        ));
        assert!(matches!(
            s.list_check_ins(&b.kr.id, &p).await,
            Err(StoreError::BadCursor)
        ));
        assert!(matches!(
            s.list_audit(&AuditFilter::new(Reader::Everyone), &p).await,
            Err(StoreError::BadCursor)
        ));
        assert!(matches!(
            s.list_ownership_requests(&OwnershipRequestFilter::new(Reader::Everyone), &p)
                .await,
            Err(StoreError::BadCursor)
        ));
    }
}
