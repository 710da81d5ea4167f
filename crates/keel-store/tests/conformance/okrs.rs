//! Records round trip (settings, people, teams, cycles, objectives, key results, initiatives);
//! versions, soft deletion, references, co-owners and the reads of several OKRs at once.

use crate::*;

conformance!(
    settings_round_trip,
    people_round_trip,
    teams_round_trip,
    cycles_round_trip,
    okrs_round_trip,
    updates_return_the_stored_record_with_a_new_version,
    stale_versions_are_refused,
    soft_deleted_objectives_are_invisible,
    references_are_checked,
    co_owners_round_trip,
    financial_flag_and_admin_count,
    initiatives_of_key_results,
    children_of_an_objective_and_its_key_results,
    key_results_by_ids,
    a_key_result_in_context_reads_as_its_records_do,
    concurrent_contexts_read_as_one_alone_does,
    a_bad_key_result_fails_only_its_own_reads,
    an_objective_and_its_key_results_are_written_all_or_nothing,
);

/// The organisation's settings: the defaults until saved, then what was saved, each time.
async fn settings_round_trip(s: DynStore, _url: String) {
    assert!(s.is_empty().await.unwrap());
    assert_eq!(s.settings().await.unwrap(), OrgSettings::default());
    let settings = OrgSettings {
        name: "Acme".into(),
        time_zone: "Europe/Paris".into(),
        ownership_policy: OwnershipPolicy::Shared,
        confidence_scale: ConfidenceScale::ThreeLevel,
        check_in_weekday: Weekday::Thursday,
        health: keel_domain::HealthThresholds {
            owner_overload: 4,
            ..Default::default()
        },
        rhythm: keel_domain::RhythmSettings {
            cadence_days: 14,
            grace_days: 2,
        },
        locale: keel_domain::locale::NumberLocale {
            decimal_mark: keel_domain::locale::DecimalMark::Comma,
            thousands_separator: keel_domain::locale::ThousandsSeparator::Space,
        },
        progress_rollup: true,
    };
    s.save_settings(&ctx(), &settings).await.unwrap();
    assert_eq!(s.settings().await.unwrap(), settings);
    let settings2 = OrgSettings {
        name: "Acme Corp".into(),
        ..settings
    };
    s.save_settings(&ctx(), &settings2).await.unwrap();
    assert_eq!(s.settings().await.unwrap(), settings2);
}

/// People (with their manager, roles, state and password hash) read back as written.
async fn people_round_trip(s: DynStore, _url: String) {
    round_trip_people(&s).await;
}

/// Teams (with parent, lead and members) read back as written.
async fn teams_round_trip(s: DynStore, _url: String) {
    let (boss, ada, _) = round_trip_people(&s).await;
    round_trip_teams(&s, &boss, &ada).await;
}

/// Cycles (with parent and state) read back as written, by id and by name.
async fn cycles_round_trip(s: DynStore, _url: String) {
    round_trip_cycles(&s).await;
}

/// Objectives, key results, a check-in and an initiative read back as written.
async fn okrs_round_trip(s: DynStore, _url: String) {
    let people = round_trip_people(&s).await;
    let teams = round_trip_teams(&s, &people.0, &people.1).await;
    let cycles = round_trip_cycles(&s).await;
    round_trip_okrs(&s, &people, &teams, &cycles).await;
}

/// Updates of every kind return the stored record with a new version.
async fn updates_return_the_stored_record_with_a_new_version(s: DynStore, _url: String) {
    let (boss, ada, old) = round_trip_people(&s).await;
    let (company, eng) = round_trip_teams(&s, &boss, &ada).await;
    let (year, q1) = round_trip_cycles(&s).await;
    let okrs = round_trip_okrs(
        &s,
        &(boss, ada.clone(), old.clone()),
        &(company.clone(), eng.clone()),
        &(year, q1.clone()),
    )
    .await;
    let RoundTripOkrs {
        top,
        top_kr,
        o,
        kr,
        stored,
    } = okrs;
    // Updates of every kind return the stored record with a new version.
    let mut ada2 = ada.clone();
    ada2.name = "Ada King".into();
    ada2.manager_id = None;
    let ada3 = s.update_person(&ctx(), &ada, &ada2).await.unwrap();
    assert_eq!(ada3.version, 2);
    assert_eq!(ada3.name, "Ada King");
    assert_eq!(ada3.manager_id, None);
    assert!(ada3.updated_at >= ada.updated_at);
    assert_eq!(s.person(&ada.id).await.unwrap().unwrap(), ada3);

    let mut eng2 = eng.clone();
    eng2.member_ids = vec![old.id.clone()];
    eng2.lead_id = None;
    let eng3 = s.update_team(&ctx(), &eng, &eng2).await.unwrap();
    assert_eq!(eng3.member_ids, vec![old.id.clone()]);
    assert_eq!(eng3.lead_id, None);
    assert_eq!(eng3.version, 2);

    let mut q1b = q1.clone();
    q1b.state = CycleState::Active;
    q1b.name = "Q1".into();
    let q1c = s.update_cycle(&ctx(), &q1, &q1b).await.unwrap();
    assert_eq!(
        (q1c.state, q1c.version, q1c.name.as_str()),
        (CycleState::Active, 2, "Q1")
    );

    let mut o2 = o.clone();
    o2.team_ids = vec![company.id.clone()];
    o2.contributor_ids = vec![];
    o2.parents = vec![ParentRef::Objective(top.id.clone())];
    o2.sponsor_id = None;
    let o3 = s.update_objective(&ctx(), &o, &o2).await.unwrap();
    assert_eq!(o3.team_ids, vec![company.id.clone()]);
    assert!(o3.contributor_ids.is_empty());
    assert_eq!(o3.parents, vec![ParentRef::Objective(top.id.clone())]);
    assert_eq!(o3.version, 2);
    assert_eq!(s.objective(&o.id).await.unwrap().unwrap(), o3);
    assert!(s.children_of(top_kr.id.as_str()).await.unwrap().is_empty());

    let mut kr3 = kr.clone();
    kr3.team_ids = vec![];
    kr3.contributor_ids = vec![];
    kr3.title = "Renamed".into();
    let kr4 = s.update_key_result(&ctx(), &kr, &kr3).await.unwrap();
    assert_eq!(kr4.title, "Renamed");
    assert!(kr4.team_ids.is_empty());
    assert_eq!(kr4.version, 2);
    s.delete_key_result(&ctx(), &kr4).await.unwrap();
    assert!(s.key_result(&kr.id).await.unwrap().is_none());
    assert_eq!(
        s.key_results_of(&[o.id.clone()]).await.unwrap(),
        vec![stored.clone()]
    );
}

/// What `round_trip_okrs` wrote.
struct RoundTripOkrs {
    top: Objective,
    top_kr: KeyResult,
    o: Objective,
    kr: KeyResult,
    /// The second key result of `o`, as stored after its check-in.
    stored: KeyResult,
}

/// Writes three people and checks them read back; returns (boss, ada, old).
async fn round_trip_people(s: &DynStore) -> (Person, Person, Person) {
    let boss = person("Grace Hopper", "Grace@Example.com");
    s.insert_person(&ctx(), &boss).await.unwrap();
    assert!(!s.is_empty().await.unwrap());
    let mut ada = person("Ada Lovelace", "ada@example.com");
    ada.manager_id = Some(boss.id.clone());
    ada.roles = vec![Role::Admin, Role::Champion];
    ada.title = "Countess".into();
    s.insert_person(&ctx(), &ada).await.unwrap();
    let mut old = person("Old Timer", "old@example.com");
    old.active = false;
    old.roles = vec![Role::Viewer];
    s.insert_person(&ctx(), &old).await.unwrap();
    assert_eq!(s.person(&ada.id).await.unwrap().unwrap(), ada);
    assert_eq!(s.person(&old.id).await.unwrap().unwrap(), old);
    assert_eq!(
        s.person_by_email("GRACE@example.COM")
            .await
            .unwrap()
            .unwrap(),
        boss
    );
    assert!(s.person(&PersonId::generate()).await.unwrap().is_none());
    let mut got = s
        .people_by_ids(&[ada.id.clone(), boss.id.clone(), PersonId::generate()])
        .await
        .unwrap();
    got.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(got, vec![boss.clone(), ada.clone()]);
    let mut names = s
        .person_names(&[ada.id.clone(), boss.id.clone(), PersonId::generate()])
        .await
        .unwrap();
    names.sort_by(|a, b| a.id.cmp(&b.id));
    let expected: Vec<keel_store::PersonName> = got
        .iter()
        .map(|p| keel_store::PersonName {
            id: p.id.clone(),
            name: p.name.clone(),
            title: p.title.clone(),
            active: p.active,
        })
        .collect();
    assert_eq!(names, expected);
    assert!(s.person_names(&[]).await.unwrap().is_empty());

    assert_eq!(s.password_hash(&ada.id).await.unwrap(), None);
    s.set_password_hash(&ctx(), &ada.id, "$argon2id$v=19$x")
        .await
        .unwrap();
    assert_eq!(
        s.password_hash(&ada.id).await.unwrap().as_deref(),
        Some("$argon2id$v=19$x")
    );
    (boss, ada, old)
}

/// Writes two teams and checks them read back; returns (company, engineering).
async fn round_trip_teams(s: &DynStore, boss: &Person, ada: &Person) -> (Team, Team) {
    let company = team("Company");
    s.insert_team(&ctx(), &company).await.unwrap();
    let mut eng = team("Engineering");
    eng.parent_id = Some(company.id.clone());
    eng.lead_id = Some(boss.id.clone());
    eng.member_ids = {
        let mut v = vec![ada.id.clone(), boss.id.clone()];
        v.sort();
        v
    };
    s.insert_team(&ctx(), &eng).await.unwrap();
    assert_eq!(s.team(&eng.id).await.unwrap().unwrap(), eng);
    assert_eq!(s.team(&company.id).await.unwrap().unwrap(), company);
    assert_eq!(
        s.teams_by_ids(&[eng.id.clone()]).await.unwrap(),
        vec![eng.clone()]
    );
    let mut names = s
        .team_names(&[eng.id.clone(), company.id.clone(), TeamId::generate()])
        .await
        .unwrap();
    names.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        names,
        vec![
            (company.id.clone(), "Company".to_string()),
            (eng.id.clone(), "Engineering".to_string())
        ]
    );
    assert!(s.team_names(&[]).await.unwrap().is_empty());
    (company, eng)
}

/// Writes a year and a quarter and checks them read back; returns (year, quarter).
async fn round_trip_cycles(s: &DynStore) -> (Cycle, Cycle) {
    let year = Cycle {
        starts_on: "2026-01-01".parse().unwrap(),
        ends_on: "2026-12-31".parse().unwrap(),
        state: CycleState::Planning,
        ..cycle("2026")
    };
    s.insert_cycle(&ctx(), &year).await.unwrap();
    let mut q1 = cycle("2026-Q1");
    q1.parent_id = Some(year.id.clone());
    q1.state = CycleState::Closed;
    s.insert_cycle(&ctx(), &q1).await.unwrap();
    assert_eq!(s.cycle(&q1.id).await.unwrap().unwrap(), q1);
    assert_eq!(s.cycle_by_name("2026").await.unwrap().unwrap(), year);
    assert!(s.cycle_by_name("nope").await.unwrap().is_none());
    (year, q1)
}

/// Writes objectives, key results, a check-in and an initiative and checks them read back.
async fn round_trip_okrs(
    s: &DynStore,
    (boss, ada, old): &(Person, Person, Person),
    (company, eng): &(Team, Team),
    (year, q1): &(Cycle, Cycle),
) -> RoundTripOkrs {
    let top = objective(&year.id, &boss.id);
    s.insert_objective(&ctx(), &top, None).await.unwrap();
    let top_kr = key_result(&top.id, &boss.id);
    s.insert_key_result(&ctx(), &top_kr, None).await.unwrap();
    let mut o = objective(&q1.id, &ada.id);
    o.title = "Ship the analytical engine".into();
    o.description = "Notes\nwith lines ✓".into();
    o.ownership_state = OwnershipState::Pending;
    o.sponsor_id = Some(boss.id.clone());
    o.contributor_ids = vec![old.id.clone()];
    o.team_ids = {
        let mut v = vec![eng.id.clone(), company.id.clone()];
        v.sort();
        v
    };
    o.parents = vec![
        ParentRef::KeyResult(top_kr.id.clone()),
        ParentRef::Objective(top.id.clone()),
    ];
    o.kind = ObjectiveKind::Aspirational;
    o.state = ObjectiveState::Draft;
    o.visibility = Visibility::Private;
    s.insert_objective(&ctx(), &o, None).await.unwrap();
    assert_eq!(s.objective(&o.id).await.unwrap().unwrap(), o);
    assert_eq!(
        s.objectives_by_ids(&[o.id.clone()]).await.unwrap(),
        vec![o.clone()]
    );
    assert_eq!(
        s.children_of(top.id.as_str()).await.unwrap(),
        vec![o.clone()]
    );
    assert_eq!(
        s.children_of(top_kr.id.as_str()).await.unwrap(),
        vec![o.clone()]
    );
    assert!(s.children_of(o.id.as_str()).await.unwrap().is_empty());

    let mut kr = key_result(&o.id, &ada.id);
    kr.metric_kind = MetricKind::Milestone;
    kr.milestones = vec![
        Milestone {
            title: "Design".into(),
            done: true,
        },
        Milestone {
            title: "Build".into(),
            done: false,
        },
    ];
    kr.start = 0.0;
    kr.target = 2.0;
    kr.current = 1.0;
    kr.weight = 2.5;
    kr.unit = "steps".into();
    kr.sponsor_id = Some(boss.id.clone());
    kr.contributor_ids = vec![old.id.clone()];
    kr.team_ids = vec![eng.id.clone()];
    kr.confidence = Some(6);
    kr.last_check_in_at = Some(now() - Duration::days(3));
    kr.ownership_state = OwnershipState::Declined;
    s.insert_key_result(&ctx(), &kr, None).await.unwrap();
    let kr2 = key_result(&o.id, &boss.id);
    s.insert_key_result(&ctx(), &kr2, None).await.unwrap();
    assert_eq!(s.key_result(&kr.id).await.unwrap().unwrap(), kr);
    assert_eq!(
        s.key_results_of(&[top.id.clone(), o.id.clone()])
            .await
            .unwrap(),
        vec![top_kr.clone(), kr.clone(), kr2.clone()]
    );

    let mut c = check_in(&kr2.id, 40.5, now() - Duration::hours(1));
    c.author_id = Some(ada.id.clone());
    let stored = s
        .record_check_in(&ctx(), &c, &applied(&kr2, &c))
        .await
        .unwrap();
    assert_eq!(stored.current, 40.5);
    assert_eq!(
        stored.confidence, None,
        "Ada does not own it: her confidence is not the owner's"
    );
    assert_eq!(stored.last_check_in_at, Some(c.at));
    assert_eq!(stored.version, 2);
    let listed = s
        .list_check_ins(&kr2.id, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items, vec![c.clone()]);
    assert!(listed.next_cursor.is_none());

    let mut i = initiative(&kr.id, &ada.id);
    s.insert_initiative(&ctx(), &i).await.unwrap();
    assert_eq!(s.initiative(&i.id).await.unwrap().unwrap(), i);
    let before = i.clone();
    i.state = InitiativeState::Dropped;
    i.reason = Some("No effect".into());
    i.link = None;
    let updated = s.update_initiative(&ctx(), &before, &i).await.unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.reason.as_deref(), Some("No effect"));
    assert_eq!(updated.link, None);
    assert_eq!(s.list_initiatives(&kr.id).await.unwrap(), vec![updated]);
    RoundTripOkrs {
        top,
        top_kr,
        o,
        kr,
        stored,
    }
}

async fn stale_versions_are_refused(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let mut p2 = b.owner.clone();
    p2.title = "CTO".into();
    s.update_person(&ctx(), &b.owner, &p2).await.unwrap();
    assert!(matches!(
        s.update_person(&ctx(), &b.owner, &p2).await,
        Err(StoreError::StaleVersion)
    ));
    let mut o2 = b.objective.clone();
    o2.title = "New".into();
    let o3 = s.update_objective(&ctx(), &b.objective, &o2).await.unwrap();
    assert!(matches!(
        s.update_objective(&ctx(), &b.objective, &o2).await,
        Err(StoreError::StaleVersion)
    ));
    assert!(matches!(
        s.delete_objective(&ctx(), &b.objective).await,
        Err(StoreError::StaleVersion)
    ));
    let mut k2 = b.kr.clone();
    k2.title = "New".into();
    s.update_key_result(&ctx(), &b.kr, &k2).await.unwrap();
    assert!(matches!(
        s.update_key_result(&ctx(), &b.kr, &k2).await,
        Err(StoreError::StaleVersion)
    ));
    let mut c2 = b.cycle.clone();
    c2.state = CycleState::Closed;
    s.update_cycle(&ctx(), &b.cycle, &c2).await.unwrap();
    assert!(matches!(
        s.update_cycle(&ctx(), &b.cycle, &c2).await,
        Err(StoreError::StaleVersion)
    ));
    // Unknown records are NotFound, not stale.
    let ghost = person("Ghost", "ghost@example.com");
    assert!(matches!(
        s.update_person(&ctx(), &ghost, &ghost).await,
        Err(StoreError::NotFound)
    ));
    s.delete_objective(&ctx(), &o3).await.unwrap();
    assert!(matches!(
        s.update_objective(&ctx(), &o3, &o3).await,
        Err(StoreError::NotFound)
    ));
}

async fn soft_deleted_objectives_are_invisible(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let other = objective(&b.cycle.id, &b.owner.id);
    s.insert_objective(&ctx(), &other, None).await.unwrap();
    let c = check_in(&b.kr.id, 40.0, now());
    s.record_check_in(&ctx(), &c, &applied(&b.kr, &c))
        .await
        .unwrap();
    s.delete_objective(&ctx(), &b.objective).await.unwrap();
    assert!(s.objective(&b.objective.id).await.unwrap().is_none());
    assert!(s.key_result(&b.kr.id).await.unwrap().is_none());
    assert!(s
        .key_results_of(&[b.objective.id.clone()])
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.objectives_by_ids(&[b.objective.id.clone(), other.id.clone()])
            .await
            .unwrap(),
        vec![other.clone()]
    );
    let listed = s
        .list_objectives(
            &ObjectiveFilter {
                cycle_id: Some(b.cycle.id.clone()),
                ..ObjectiveFilter::new(Reader::Everyone)
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(listed.items, vec![other]);
    // Check-ins on a key result of a deleted objective are refused.
    let c2 = check_in(&b.kr.id, 41.0, now());
    assert!(matches!(
        s.record_check_in(&ctx(), &c2, &applied(&b.kr, &c2)).await,
        Err(StoreError::NotFound)
    ));
    // History stays.
    let audit = s
        .list_audit(
            &AuditFilter {
                object_id: Some(b.objective.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(audit.items[0].action, "objective.delete");
    assert!(audit.items[0].before.is_some());
}

async fn references_are_checked(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let o = objective(&CycleId::generate(), &b.owner.id);
    match s.insert_objective(&ctx(), &o, None).await {
        Err(StoreError::Conflict { field, .. }) => {
            if s.backend() == "postgres" {
                assert_eq!(field, "cycle_id");
            }
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(s.objective(&o.id).await.unwrap().is_none());
    let mut p = person("Orphan", "orphan@example.com");
    p.manager_id = Some(PersonId::generate());
    match s.insert_person(&ctx(), &p).await {
        Err(StoreError::Conflict { field, .. }) => {
            if s.backend() == "postgres" {
                assert_eq!(field, "manager_id");
            }
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let mut o = objective(&b.cycle.id, &b.owner.id);
    o.team_ids = vec![TeamId::generate()];
    match s.insert_objective(&ctx(), &o, None).await {
        Err(StoreError::Conflict { field, .. }) => {
            if s.backend() == "postgres" {
                assert_eq!(field, "team_ids");
            }
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(s.objective(&o.id).await.unwrap().is_none(), "rolled back");
    // Duplicate ids.
    assert!(matches!(
        s.insert_cycle(&ctx(), &b.cycle).await,
        Err(StoreError::Conflict { .. })
    ));
}

async fn co_owners_round_trip(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let bob = add_person(&s, "bob").await;
    let cy = add_person(&s, "cy").await;
    let mut o = objective(&b.cycle.id, &b.owner.id);
    o.co_owner_ids = vec![bob.id.clone(), cy.id.clone()];
    o.contributor_ids = vec![b.owner.id.clone()];
    s.insert_objective(&ctx(), &o, None).await.unwrap();
    assert_eq!(s.objective(&o.id).await.unwrap().unwrap(), o);
    let listed = s
        .list_objectives(&ObjectiveFilter::new(Reader::Everyone), &page(50, None))
        .await
        .unwrap();
    assert_eq!(
        listed
            .items
            .iter()
            .find(|x| x.id == o.id)
            .unwrap()
            .co_owner_ids,
        o.co_owner_ids
    );
    let mut after = o.clone();
    after.co_owner_ids = vec![cy.id.clone()];
    let stored = s.update_objective(&ctx(), &o, &after).await.unwrap();
    assert_eq!(stored.co_owner_ids, vec![cy.id.clone()]);
    assert_eq!(
        s.objective(&o.id).await.unwrap().unwrap().co_owner_ids,
        vec![cy.id.clone()]
    );

    let mut k = key_result(&o.id, &b.owner.id);
    k.co_owner_ids = vec![cy.id.clone(), bob.id.clone()];
    s.insert_key_result(&ctx(), &k, None).await.unwrap();
    assert_eq!(s.key_result(&k.id).await.unwrap().unwrap(), k);
    assert_eq!(
        s.key_results_of(&[o.id.clone()]).await.unwrap()[0].co_owner_ids,
        k.co_owner_ids
    );
    let mut after = k.clone();
    after.co_owner_ids = vec![];
    let stored = s.update_key_result(&ctx(), &k, &after).await.unwrap();
    assert!(stored.co_owner_ids.is_empty());
    assert!(s
        .key_result(&k.id)
        .await
        .unwrap()
        .unwrap()
        .co_owner_ids
        .is_empty());

    // Co-owners must exist.
    let mut bad = objective(&b.cycle.id, &b.owner.id);
    bad.co_owner_ids = vec![PersonId::generate()];
    assert!(matches!(
        s.insert_objective(&ctx(), &bad, None).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(s.objective(&bad.id).await.unwrap().is_none());
}

async fn financial_flag_and_admin_count(s: DynStore, _url: String) {
    let b = basic(&s).await;
    assert!(!b.kr.financial);
    let mut kr = b.kr.clone();
    kr.financial = true;
    s.update_key_result(&ctx(), &b.kr, &kr).await.unwrap();
    assert!(s.key_result(&b.kr.id).await.unwrap().unwrap().financial);
    let mut fin = key_result(&b.objective.id, &b.owner.id);
    fin.financial = true;
    s.insert_key_result(&ctx(), &fin, None).await.unwrap();
    assert!(s.key_result(&fin.id).await.unwrap().unwrap().financial);

    let admins = s.count_active_with_role(Role::Admin).await.unwrap();
    let mut admin = person(
        "Root",
        &format!("root-{}@example.com", uuid::Uuid::now_v7()),
    );
    admin.roles = vec![Role::Admin, Role::Member];
    s.insert_person(&ctx(), &admin).await.unwrap();
    assert_eq!(
        s.count_active_with_role(Role::Admin).await.unwrap(),
        admins + 1
    );
    let mut gone = admin.clone();
    gone.active = false;
    s.update_person(&ctx(), &admin, &gone).await.unwrap();
    assert_eq!(s.count_active_with_role(Role::Admin).await.unwrap(), admins);
}

async fn initiatives_of_key_results(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let kr2 = key_result(&b.objective.id, &b.owner.id);
    s.insert_key_result(&ctx(), &kr2, None).await.unwrap();
    let mut first = initiative(&b.kr.id, &b.owner.id);
    first.created_at = now() - Duration::days(2);
    let second = initiative(&b.kr.id, &b.owner.id);
    let other = initiative(&kr2.id, &b.owner.id);
    for i in [&second, &other, &first] {
        s.insert_initiative(&ctx(), i).await.unwrap();
    }
    let all = s
        .initiatives_of(&[b.kr.id.clone(), kr2.id.clone()])
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let of_kr: Vec<_> = all
        .iter()
        .filter(|i| i.key_result_id == b.kr.id)
        .cloned()
        .collect();
    assert_eq!(of_kr, vec![first, second], "oldest first");
    assert_eq!(
        s.initiatives_of(&[kr2.id.clone()]).await.unwrap(),
        vec![other]
    );
    assert!(s.initiatives_of(&[]).await.unwrap().is_empty());
}

async fn children_of_an_objective_and_its_key_results(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let mut on_objective = objective(&b.cycle.id, &b.owner.id);
    on_objective.parents = vec![ParentRef::Objective(b.objective.id.clone())];
    let mut on_kr = objective(&b.cycle.id, &b.owner.id);
    on_kr.parents = vec![ParentRef::KeyResult(b.kr.id.clone())];
    let unrelated = objective(&b.cycle.id, &b.owner.id);
    let mut deleted = objective(&b.cycle.id, &b.owner.id);
    deleted.parents = vec![ParentRef::Objective(b.objective.id.clone())];
    for o in [&on_objective, &on_kr, &unrelated, &deleted] {
        s.insert_objective(&ctx(), o, None).await.unwrap();
    }
    s.delete_objective(&ctx(), &deleted).await.unwrap();
    let mut ids: Vec<_> = s
        .children_of_objective(&b.objective.id)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    ids.sort();
    let mut want = vec![on_objective.id.clone(), on_kr.id.clone()];
    want.sort();
    assert_eq!(ids, want);
    assert!(s
        .children_of_objective(&unrelated.id)
        .await
        .unwrap()
        .is_empty());
}

async fn key_results_by_ids(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let kr2 = key_result(&b.objective.id, &b.owner.id);
    s.insert_key_result(&ctx(), &kr2, None).await.unwrap();
    let mut got: Vec<KeyResultId> = s
        .key_results_by_ids(&[b.kr.id.clone(), kr2.id.clone(), KeyResultId::generate()])
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    got.sort();
    let mut want = vec![b.kr.id.clone(), kr2.id.clone()];
    want.sort();
    assert_eq!(got, want);
    assert!(s.key_results_by_ids(&[]).await.unwrap().is_empty());
    s.delete_key_result(&ctx(), &kr2).await.unwrap();
    assert_eq!(
        s.key_results_by_ids(&[kr2.id.clone()]).await.unwrap().len(),
        0,
        "deleted key results are left out"
    );
}

/// A new objective with its key results is one write: read back whole, or, when one key
/// result is refused by the database (its team does not exist), nothing at all.
async fn an_objective_and_its_key_results_are_written_all_or_nothing(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let o = objective(&b.cycle.id, &b.owner.id);
    let first = key_result(&o.id, &b.owner.id);
    let mut second = key_result(&o.id, &b.owner.id);
    second.title = "Churn in the first month under 2%".into();
    s.insert_objective_with_key_results(
        &ctx(),
        &o,
        None,
        &[(first.clone(), None), (second.clone(), None)],
    )
    .await
    .unwrap();
    assert_eq!(s.objective(&o.id).await.unwrap().unwrap(), o);
    let krs = s.key_results_of(&[o.id.clone()]).await.unwrap();
    let mut ids: Vec<_> = krs.iter().map(|k| k.id.clone()).collect();
    ids.sort();
    let mut want = vec![first.id.clone(), second.id.clone()];
    want.sort();
    assert_eq!(ids, want);

    let o = objective(&b.cycle.id, &b.owner.id);
    let good = key_result(&o.id, &b.owner.id);
    let mut bad = key_result(&o.id, &b.owner.id);
    bad.team_ids = vec![TeamId::generate()];
    assert!(matches!(
        s.insert_objective_with_key_results(&ctx(), &o, None, &[(good.clone(), None), (bad, None)])
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(s.objective(&o.id).await.unwrap().is_none(), "rolled back");
    assert!(
        s.key_result(&good.id).await.unwrap().is_none(),
        "rolled back"
    );
    // A key result of another objective is refused before anything is written.
    let o = objective(&b.cycle.id, &b.owner.id);
    let stray = key_result(&b.objective.id, &b.owner.id);
    assert!(matches!(
        s.insert_objective_with_key_results(&ctx(), &o, None, &[(stray, None)])
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(s.objective(&o.id).await.unwrap().is_none());
}

/// A key result with its context in one read: each part exactly as its own read returns it
/// (teams, contributors, co-owners and parents of both kinds, in order; the cycle; the score;
/// when it became active; the cadences of its teams and its objective's), and nothing for a
/// deleted key result or one whose objective is deleted.
async fn a_key_result_in_context_reads_as_its_records_do(s: DynStore, url: String) {
    let b = basic(&s).await;
    let (bob, cy) = (add_person(&s, "bob").await, add_person(&s, "cy").await);
    let (t1, t2, t3) = (team("Growth"), team("Platform"), team("Sales"));
    for t in [&t1, &t2, &t3] {
        s.insert_team(&ctx(), t).await.unwrap();
    }
    s.set_team_cadence(&ctx(), &t1.id, Some(14)).await.unwrap();
    s.set_team_cadence(&ctx(), &t3.id, Some(10)).await.unwrap();
    let mut o = objective(&b.cycle.id, &b.owner.id);
    o.team_ids = vec![t2.id.clone(), t1.id.clone()];
    o.co_owner_ids = vec![cy.id.clone(), bob.id.clone()];
    o.contributor_ids = vec![bob.id.clone()];
    o.sponsor_id = Some(cy.id.clone());
    o.parents = vec![
        ParentRef::KeyResult(b.kr.id.clone()),
        ParentRef::Objective(b.objective.id.clone()),
    ];
    s.insert_objective(&ctx(), &o, None).await.unwrap();
    let mut k = key_result(&o.id, &b.owner.id);
    k.team_ids = vec![t3.id.clone(), t1.id.clone()];
    k.contributor_ids = vec![cy.id.clone(), bob.id.clone()];
    k.co_owner_ids = vec![bob.id.clone()];
    s.insert_key_result(&ctx(), &k, None).await.unwrap();
    let score = rhythm::KeyResultScore {
        key_result_id: k.id.clone(),
        score: 0.7,
        reason: "close".into(),
        suggested_score: 0.6,
        scored_by: Some(b.owner.id.clone()),
        scored_at: now(),
    };
    s.save_score(&ctx(), &score).await.unwrap();
    // Check-ins out of order, one at an odd value, one with no author.
    let t = now();
    for (value, at, author) in [
        (40.0, t - Duration::days(2), Some(&bob.id)),
        (41.123_456_789_012_34, t - Duration::days(9), None),
        (0.1 + 0.2, t - Duration::days(2), Some(&b.owner.id)),
    ] {
        let c = CheckIn {
            author_id: author.cloned(),
            ..check_in(&k.id, value, at)
        };
        s.record_check_in(&ctx(), &c, &applied(&k, &c))
            .await
            .unwrap();
    }
    let k = s.key_result(&k.id).await.unwrap().unwrap();
    let c = s.key_result_in_context(&k.id).await.unwrap().unwrap();
    // The history, where the backend reads it with the context (PostgreSQL), reads as its own
    // read does, values exact.
    let points = s
        .check_in_points(std::slice::from_ref(&k.id))
        .await
        .unwrap();
    assert_eq!(points.len(), 3);
    assert_eq!(c.history.is_some(), url.starts_with("postgres"), "{url}");
    if let Some(h) = &c.history {
        assert_eq!(h, &points);
    }
    // The circle's names likewise: the owner, sponsor (none), co-owner and contributors, and
    // the key result's teams, each once.
    assert_eq!(c.names.is_some(), url.starts_with("postgres"), "{url}");
    if let Some(names) = &c.names {
        let mut people = names.people.clone();
        people.sort_by(|a, b| a.id.cmp(&b.id));
        let mut want = s
            .person_names(&[b.owner.id.clone(), bob.id.clone(), cy.id.clone()])
            .await
            .unwrap();
        want.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(people, want);
        let mut teams = names.teams.clone();
        teams.sort();
        let mut want = s.team_names(&[t1.id.clone(), t3.id.clone()]).await.unwrap();
        want.sort();
        assert_eq!(teams, want);
    }
    assert_eq!(c.key_result, s.key_result(&k.id).await.unwrap().unwrap());
    assert_eq!(c.key_result, k);
    assert_eq!(c.objective, s.objective(&o.id).await.unwrap().unwrap());
    assert_eq!(c.objective, o);
    assert_eq!(c.cycle, Some(b.cycle.clone()));
    assert_eq!(c.score, Some(score));
    let active = s.active_since(&[k.id.clone()]).await.unwrap();
    assert_eq!(vec![(k.id.clone(), c.active_since)], active);
    assert!(c.active_since.is_some());
    let mut cadences = c.cadences.clone();
    cadences.sort();
    let mut want = s
        .team_cadences(&[t1.id.clone(), t2.id.clone(), t3.id.clone()])
        .await
        .unwrap();
    want.sort();
    assert_eq!(cadences, want);
    assert_eq!(cadences.len(), 2);
    // No junction rows, no score, no cadence: empty lists and nothing.
    let plain = s.key_result_in_context(&b.kr.id).await.unwrap().unwrap();
    assert_eq!((&plain.key_result, &plain.objective), (&b.kr, &b.objective));
    assert_eq!((plain.score, plain.cadences), (None, vec![]));
    assert!(s
        .key_result_in_context(&KeyResultId::generate())
        .await
        .unwrap()
        .is_none());
    s.delete_objective(&ctx(), &o).await.unwrap();
    assert!(s.key_result_in_context(&k.id).await.unwrap().is_none());
    s.delete_key_result(&ctx(), &b.kr).await.unwrap();
    assert!(s.key_result_in_context(&b.kr.id).await.unwrap().is_none());
}

/// Many check-ins' contexts read at once (PostgreSQL reads concurrent ones in one statement,
/// `read_group`): each call gets exactly what it gets alone (the same key result asked for
/// several times at once, unknown and deleted ones `None`), in fewer statements than calls on
/// PostgreSQL.
async fn concurrent_contexts_read_as_one_alone_does(s: DynStore, url: String) {
    let b = basic(&s).await;
    let bob = add_person(&s, "bob").await;
    let t = team("Growth");
    s.insert_team(&ctx(), &t).await.unwrap();
    s.set_team_cadence(&ctx(), &t.id, Some(14)).await.unwrap();
    let mut ids = vec![b.kr.id.clone()];
    for n in 0..12 {
        let mut o = objective(&b.cycle.id, &b.owner.id);
        if n % 2 == 0 {
            o.team_ids = vec![t.id.clone()];
            o.parents = vec![ParentRef::KeyResult(b.kr.id.clone())];
        }
        s.insert_objective(&ctx(), &o, None).await.unwrap();
        let mut k = key_result(&o.id, &b.owner.id);
        if n % 3 == 0 {
            k.contributor_ids = vec![bob.id.clone()];
            k.team_ids = vec![t.id.clone()];
        }
        s.insert_key_result(&ctx(), &k, None).await.unwrap();
        for v in 0..n {
            let c = check_in(&k.id, f64::from(v), now() - Duration::hours(i64::from(v)));
            s.record_check_in(&ctx(), &c, &applied(&k, &c))
                .await
                .unwrap();
        }
        ids.push(k.id.clone());
    }
    let gone = ids.pop().unwrap();
    let gone_kr = s.key_result(&gone).await.unwrap().unwrap();
    s.delete_key_result(&ctx(), &gone_kr).await.unwrap();
    let mut asked = ids.clone();
    asked.extend(ids.iter().take(4).cloned());
    asked.push(gone.clone());
    asked.push(KeyResultId::generate());
    let mut alone = std::collections::HashMap::new();
    for id in &asked {
        alone.insert(id.clone(), s.key_result_in_context(id).await.unwrap());
    }
    assert_eq!(alone.values().filter(|c| c.is_some()).count(), ids.len());
    let before = s.context_read_stats();
    for _ in 0..5 {
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(asked.len()));
        let tasks: Vec<_> = asked
            .iter()
            .map(|id| {
                let (s, id, barrier) = (s.clone(), id.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    let c = s.key_result_in_context(&id).await.unwrap();
                    (id, c)
                })
            })
            .collect();
        for task in tasks {
            let (id, c) = task.await.unwrap();
            assert_eq!(c, alone[&id], "{id}");
        }
    }
    let after = s.context_read_stats();
    let (reads, groups) = (after.reads - before.reads, after.groups - before.groups);
    if url.starts_with("postgres") {
        assert_eq!(reads, 5 * asked.len() as u64);
        assert!(groups < reads / 2, "{groups} statements for {reads} reads");
    } else {
        assert_eq!((reads, groups), (0, 0), "SQLite reads each alone");
    }
}

/// A key result whose stored history cannot be read (a check-in's scale unknown to Keel,
/// written behind its back) fails its own reads, read together with others' or alone
/// (PostgreSQL reads the history with the context); the others' reads, taken in the same
/// group, succeed.
async fn a_bad_key_result_fails_only_its_own_reads(s: DynStore, url: String) {
    if s.backend() != "postgres" {
        return; // SQLite reads the history apart: the context holds none
    }
    let b = basic(&s).await;
    let mut good = vec![];
    for _ in 0..6 {
        let k = key_result(&b.objective.id, &b.owner.id);
        s.insert_key_result(&ctx(), &k, None).await.unwrap();
        good.push(k.id.clone());
    }
    let c = check_in(&b.kr.id, 3.0, now() - Duration::hours(1));
    s.record_check_in(&ctx(), &c, &applied(&b.kr, &c))
        .await
        .unwrap();
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query("UPDATE check_ins SET confidence_scale = 'bogus' WHERE key_result_id = $1")
            .bind(b.kr.id.as_str())
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.ok();
    }
    assert!(s.key_result_in_context(&b.kr.id).await.is_err(), "alone");
    for _ in 0..5 {
        let mut asked = good.clone();
        asked.push(b.kr.id.clone());
        asked.push(b.kr.id.clone());
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(asked.len()));
        let tasks: Vec<_> = asked
            .into_iter()
            .map(|id| {
                let (s, barrier) = (s.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    let r = s.key_result_in_context(&id).await;
                    (id, r)
                })
            })
            .collect();
        for t in tasks {
            let (id, r) = t.await.unwrap();
            if id == b.kr.id {
                assert!(r.is_err(), "the bad one fails");
            } else {
                assert!(r.unwrap().is_some(), "{id} is read");
            }
        }
    }
}
