//! Visibility: which objectives (and their key results, requests and audit events) a reader
//! sees, in SQL, page by page (docs/method.md, "Visibility").

use crate::*;

conformance!(visibility_filter, every_tie_for_many_readers_at_once);

/// The audience filter: public; team (the objective's or a key result's teams, members and leads
/// up the tree; or every team for `TeamScope::All`); private (the circle of the objective and of
/// its key results). The same rule on lists, ownership requests, audit events and id sets.
async fn visibility_filter(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let unique = |n: &str| format!("{n}-{}@example.com", uuid::Uuid::now_v7());
    let lead = person("Lead", &unique("lead"));
    let member = person("Member", &unique("member"));
    let helper = person("Helper", &unique("helper"));
    let outsider = person("Outsider", &unique("outsider"));
    for p in [&lead, &member, &helper, &outsider] {
        s.insert_person(&ctx(), p).await.unwrap();
    }
    let mut dept = team("Department");
    dept.lead_id = Some(lead.id.clone());
    s.insert_team(&ctx(), &dept).await.unwrap();
    let mut squad = team("Squad");
    squad.parent_id = Some(dept.id.clone());
    s.insert_team(&ctx(), &squad).await.unwrap();
    let mut leaf = team("Leaf");
    leaf.parent_id = Some(squad.id.clone());
    leaf.member_ids = vec![member.id.clone()];
    s.insert_team(&ctx(), &leaf).await.unwrap();
    let mut led: Vec<TeamId> = s.teams_led_by(&lead.id).await.unwrap();
    led.sort();
    let mut want = vec![dept.id.clone(), squad.id.clone(), leaf.id.clone()];
    want.sort();
    assert_eq!(led, want);
    assert!(s.teams_led_by(&member.id).await.unwrap().is_empty());
    team_tree(&s, [&leaf.id, &squad.id, &dept.id]).await;

    // b.objective is public. A team objective shared with Leaf through a key result only, and a
    // private one with a key result Helper contributes to.
    let mut team_o = objective(&b.cycle.id, &b.owner.id);
    team_o.visibility = Visibility::Team;
    s.insert_objective(&ctx(), &team_o, None).await.unwrap();
    let mut team_kr = key_result(&team_o.id, &b.owner.id);
    team_kr.team_ids = vec![leaf.id.clone()];
    s.insert_key_result(&ctx(), &team_kr, None).await.unwrap();
    let mut private = objective(&b.cycle.id, &b.owner.id);
    private.visibility = Visibility::Private;
    s.insert_objective(&ctx(), &private, None).await.unwrap();
    let mut private_kr = key_result(&private.id, &b.owner.id);
    private_kr.contributor_ids = vec![helper.id.clone()];
    s.insert_key_result(&ctx(), &private_kr, None)
        .await
        .unwrap();

    let audience = |p: &Person, teams: TeamScope| Audience {
        person_id: p.id.clone(),
        teams,
    };
    let all_ids = vec![
        b.objective.id.clone(),
        team_o.id.clone(),
        private.id.clone(),
    ];
    let cases = [
        (audience(&outsider, TeamScope::Reach), vec![&b.objective.id]),
        (
            audience(&member, TeamScope::Reach),
            vec![&b.objective.id, &team_o.id],
        ),
        (audience(&member, TeamScope::None), vec![&b.objective.id]),
        (
            audience(&lead, TeamScope::Reach),
            vec![&b.objective.id, &team_o.id],
        ),
        (
            audience(&outsider, TeamScope::All),
            vec![&b.objective.id, &team_o.id],
        ),
        (
            audience(&helper, TeamScope::None),
            vec![&b.objective.id, &private.id],
        ),
        (
            audience(&b.owner, TeamScope::None),
            vec![&b.objective.id, &team_o.id, &private.id],
        ),
    ];
    many_readers_at_once(&s, &cases, &all_ids).await;
    for (a, expected) in cases {
        let mut expected: Vec<ObjectiveId> = expected.into_iter().cloned().collect();
        expected.sort();
        let mut got = s.visible_objective_ids(&a, &all_ids).await.unwrap();
        got.sort();
        assert_eq!(got, expected, "{a:?}");
        // Lists filter in SQL: one item a page, never a short page.
        let mut listed = vec![];
        let mut cursor = None;
        loop {
            let p = s
                .list_objectives(
                    &ObjectiveFilter {
                        cycle_id: Some(b.cycle.id.clone()),
                        ..ObjectiveFilter::new(Reader::Audience(a.clone()))
                    },
                    &page(1, cursor),
                )
                .await
                .unwrap();
            if p.next_cursor.is_some() {
                assert_eq!(p.items.len(), 1);
            }
            listed.extend(p.items.into_iter().map(|o| o.id));
            cursor = p.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        listed.sort();
        assert_eq!(listed, expected, "{a:?}");
        let counted = counted_key_results(&s, &a, &b.cycle.id).await;
        assert!(counted.iter().all(|(_, o)| expected.contains(o)), "{a:?}");
        for (kr, o) in [(&private_kr.id, &private.id), (&team_kr.id, &team_o.id)] {
            let seen = counted.iter().any(|(k, _)| k == kr);
            assert_eq!(seen, expected.contains(o), "{a:?}");
        }
        live_part(&s, &a, &b.cycle.id, &counted, (&team_o.id, &private.id)).await;
        // Audit events on invisible objectives (and their key results) are left out.
        let events = s
            .list_audit(
                &AuditFilter {
                    ..AuditFilter::new(Reader::Audience(a.clone()))
                },
                &page(500, None),
            )
            .await
            .unwrap();
        for e in &events.items {
            if let Some(o) = &e.objective_id {
                assert!(
                    expected.iter().any(|x| x.as_str() == o),
                    "{a:?} sees an event on {o}"
                );
            }
        }
        assert!(events.items.iter().any(|e| e.object_kind == "person"));
    }
    let pair = (team_kr.id.clone(), team_o.id.clone());
    assert_eq!(of_team(&s, &b.cycle.id, &dept.id).await, vec![pair]);
    // A deleted key result no longer grants sight.
    s.delete_key_result(&ctx(), &private_kr).await.unwrap();
    let got = s
        .visible_objective_ids(&audience(&helper, TeamScope::None), &all_ids)
        .await
        .unwrap();
    assert_eq!(got, vec![b.objective.id.clone()]);
    let asks = vec![
        (audience(&helper, TeamScope::None), all_ids.clone()),
        (
            audience(&member, TeamScope::Reach),
            vec![private.id.clone()],
        ),
    ];
    let got = s.visible_to_each(&asks).await.unwrap();
    assert_eq!(got, vec![(helper.id.clone(), b.objective.id.clone())]);
    assert!(s.visible_to_each(&[]).await.unwrap().is_empty());
}

/// Many readers at once (the weekly digest): the same answers as `visible_objective_ids`,
/// reader by reader.
async fn many_readers_at_once(
    s: &DynStore,
    cases: &[(Audience, Vec<&ObjectiveId>)],
    all_ids: &[ObjectiveId],
) {
    let asks: Vec<(Audience, Vec<ObjectiveId>)> = cases
        .iter()
        .map(|(a, _)| (a.clone(), all_ids.to_vec()))
        .collect();
    let mut got = s.visible_to_each(&asks).await.unwrap();
    got.sort();
    // (A person asked about under two scopes here may be answered twice.)
    got.dedup();
    let mut want: Vec<(PersonId, ObjectiveId)> = cases
        .iter()
        .flat_map(|(a, ids)| ids.iter().map(|id| (a.person_id.clone(), (*id).clone())))
        .collect();
    want.sort();
    want.dedup();
    assert_eq!(got, want);
}

/// What a dashboard counts live beside the stored figures: exactly the key results the reader
/// sees (`counted`) of objectives whose visibility is not stored for them (`team` and `private`
/// are the team-visible and the private objective; the others are public).
async fn live_part(
    s: &DynStore,
    a: &Audience,
    cycle: &CycleId,
    counted: &[(KeyResultId, ObjectiveId)],
    (team, private): (&ObjectiveId, &ObjectiveId),
) {
    let visibility = |o: &ObjectiveId| {
        if o == private {
            Visibility::Private
        } else if o == team {
            Visibility::Team
        } else {
            Visibility::Public
        }
    };
    let stored = keel_store::stored_visibilities(&Reader::Audience(a.clone()));
    let want: Vec<(KeyResultId, ObjectiveId)> = counted
        .iter()
        .filter(|(_, o)| !stored.contains(&visibility(o)))
        .cloned()
        .collect();
    let live = s
        .scope_key_results(&DashboardScope {
            reader: Reader::Audience(a.clone()),
            cycle_id: cycle.clone(),
            team_id: None,
            live_only: true,
        })
        .await
        .unwrap();
    assert_eq!(live, want, "{a:?}");
}

/// The key results check-in compliance counts for a reader: only those of objectives they see.
async fn counted_key_results(
    s: &DynStore,
    a: &Audience,
    cycle: &CycleId,
) -> Vec<(KeyResultId, ObjectiveId)> {
    let scope = DashboardScope {
        reader: Reader::Audience(a.clone()),
        cycle_id: cycle.clone(),
        team_id: None,
        live_only: false,
    };
    s.scope_key_results(&scope).await.unwrap()
}

/// Each team with itself and every team above it, nearest first, named: `[leaf, squad, dept]`
/// is a branch, the department named "Department".
async fn team_tree(s: &DynStore, [leaf, squad, dept]: [&TeamId; 3]) {
    let up = s
        .team_ancestors(&[leaf.clone(), dept.clone()])
        .await
        .unwrap();
    let of = |t: &TeamId| -> Vec<TeamId> {
        up.iter()
            .filter(|(x, _, _)| x == t)
            .map(|(_, a, _)| a.clone())
            .collect()
    };
    assert!(up.contains(&(leaf.clone(), dept.clone(), "Department".to_string())));
    assert_eq!(of(leaf), vec![leaf.clone(), squad.clone(), dept.clone()]);
    assert_eq!(of(dept), vec![dept.clone()]);
    assert_eq!(up.len(), 4);
}

/// A team's scope: its key results and those of the teams below it.
async fn of_team(s: &DynStore, cycle: &CycleId, team: &TeamId) -> Vec<(KeyResultId, ObjectiveId)> {
    s.scope_key_results(&DashboardScope {
        reader: Reader::Everyone,
        cycle_id: cycle.clone(),
        team_id: Some(team.clone()),
        live_only: false,
    })
    .await
    .unwrap()
}

/// Every way into an objective's circle, and every team reach, read for many readers at once
/// (`visible_to_each`, the weekly digest's sets per query) and reader by reader
/// (`visible_objective_ids`, the lists' predicate): both give each reader exactly what the rule
/// says, under each team scope, also when the asked pairs span several queries.
async fn every_tie_for_many_readers_at_once(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let names = [
        "sponsor",
        "o-contrib",
        "o-co",
        "kr-owner",
        "kr-sponsor",
        "kr-contrib",
        "kr-co",
        "hander",
        "gone",
        "member",
        "lead",
        "outsider",
    ];
    let mut p = std::collections::HashMap::new();
    for n in names {
        p.insert(n, add_person(&s, n).await.id);
    }
    let mut dept = team("Dept");
    dept.lead_id = Some(p["lead"].clone());
    s.insert_team(&ctx(), &dept).await.unwrap();
    let mut leaf = team("Leaf");
    leaf.parent_id = Some(dept.id.clone());
    leaf.member_ids = vec![p["member"].clone()];
    s.insert_team(&ctx(), &leaf).await.unwrap();

    let new = |v: Visibility| {
        let mut o = objective(&b.cycle.id, &b.owner.id);
        o.visibility = v;
        o
    };
    // Private: the objective's own circle and its key results' (one of them deleted).
    let mut circle = new(Visibility::Private);
    circle.sponsor_id = Some(p["sponsor"].clone());
    circle.contributor_ids = vec![p["o-contrib"].clone()];
    circle.co_owner_ids = vec![p["o-co"].clone()];
    s.insert_objective(&ctx(), &circle, None).await.unwrap();
    let mut k = key_result(&circle.id, &p["kr-owner"]);
    k.sponsor_id = Some(p["kr-sponsor"].clone());
    k.contributor_ids = vec![p["kr-contrib"].clone()];
    k.co_owner_ids = vec![p["kr-co"].clone()];
    s.insert_key_result(&ctx(), &k, None).await.unwrap();
    let mut deleted = key_result(&circle.id, &b.owner.id);
    deleted.contributor_ids = vec![p["gone"].clone()];
    s.insert_key_result(&ctx(), &deleted, None).await.unwrap();
    s.delete_key_result(&ctx(), &deleted).await.unwrap();
    // Private, being handed over by "hander" to the outsider, who has not answered.
    let mut handed = new(Visibility::Private);
    handed.ownership_state = OwnershipState::Pending;
    let r = request(
        OkrRef::Objective(handed.id.clone()),
        Some(&p["hander"]),
        &p["outsider"],
        Some(&p["hander"]),
        now(),
    );
    s.insert_objective(&ctx(), &handed, Some(&r)).await.unwrap();
    // Team-visible: shared with Leaf itself, through a key result, and with no team.
    let mut shared = new(Visibility::Team);
    shared.team_ids = vec![leaf.id.clone()];
    s.insert_objective(&ctx(), &shared, None).await.unwrap();
    let through_kr = new(Visibility::Team);
    s.insert_objective(&ctx(), &through_kr, None).await.unwrap();
    let mut kt = key_result(&through_kr.id, &b.owner.id);
    kt.team_ids = vec![leaf.id.clone()];
    s.insert_key_result(&ctx(), &kt, None).await.unwrap();
    let unshared = new(Visibility::Team);
    s.insert_objective(&ctx(), &unshared, None).await.unwrap();
    // Private and shared with Leaf: the team does not let anyone in.
    let mut private_shared = new(Visibility::Private);
    private_shared.team_ids = vec![leaf.id.clone()];
    s.insert_objective(&ctx(), &private_shared, None)
        .await
        .unwrap();
    let ks = key_result(&private_shared.id, &b.owner.id);
    s.insert_key_result(&ctx(), &ks, None).await.unwrap();

    let all = [
        &b.objective,
        &circle,
        &handed,
        &shared,
        &through_kr,
        &unshared,
        &private_shared,
    ];
    let ids: Vec<ObjectiveId> = all.iter().map(|o| o.id.clone()).collect();
    let team_visible = [&shared.id, &through_kr.id, &unshared.id];
    // What each reader sees through their circle (whatever the scope), and through teams
    // (`TeamScope::Reach`).
    let mut readers: Vec<(PersonId, Vec<&ObjectiveId>, Vec<&ObjectiveId>)> = vec![(
        b.owner.id.clone(),
        all.iter().map(|o| &o.id).collect(),
        vec![],
    )];
    for n in [
        "sponsor",
        "o-contrib",
        "o-co",
        "kr-owner",
        "kr-sponsor",
        "kr-contrib",
        "kr-co",
    ] {
        readers.push((p[n].clone(), vec![&circle.id], vec![]));
    }
    readers.push((p["hander"].clone(), vec![&handed.id], vec![]));
    for n in ["gone", "outsider"] {
        readers.push((p[n].clone(), vec![], vec![]));
    }
    for n in ["member", "lead"] {
        readers.push((p[n].clone(), vec![], vec![&shared.id, &through_kr.id]));
    }
    for scope in [TeamScope::None, TeamScope::Reach, TeamScope::All] {
        let mut want = vec![];
        let mut asks = vec![];
        for (reader, circle_of, reach) in &readers {
            let a = Audience {
                person_id: reader.clone(),
                teams: scope,
            };
            let mut sees: Vec<ObjectiveId> = std::iter::once(&b.objective.id)
                .chain(circle_of.iter().copied())
                .chain(match scope {
                    TeamScope::None => vec![],
                    TeamScope::Reach => reach.clone(),
                    TeamScope::All => team_visible.to_vec(),
                })
                .cloned()
                .collect();
            sees.sort();
            sees.dedup();
            let mut one = s.visible_objective_ids(&a, &ids).await.unwrap();
            one.sort();
            assert_eq!(one, sees, "{a:?} alone");
            lists_agree(&s, &a, &b.cycle.id, &sees, &all).await;
            want.extend(sees.into_iter().map(|o| (reader.clone(), o)));
            asks.push((a, ids.clone()));
        }
        // Objectives that do not exist, asked for the first reader: the pairs span queries.
        asks[0].1.extend((0..1200).map(|_| ObjectiveId::generate()));
        let mut got = s.visible_to_each(&asks).await.unwrap();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{scope:?}, many readers at once");
    }
}

/// The lists that read the rule as a join of the reader's reach (`visible_join`, `reach_join`)
/// or as the live part's semi-join give `a` exactly `sees` (every objective of `cycle` the rule
/// lets them see): the objectives list in each of its orders, the alignment tree's roots (none
/// is aligned here), and a dashboard's key results, whole and its live part (those of the
/// visible objectives whose visibility is not stored for `a`).
async fn lists_agree(
    s: &DynStore,
    a: &Audience,
    cycle: &CycleId,
    sees: &[ObjectiveId],
    all: &[&Objective],
) {
    let reader = Reader::Audience(a.clone());
    let scope = |reader: Reader, live_only: bool| DashboardScope {
        reader,
        cycle_id: cycle.clone(),
        team_id: None,
        live_only,
    };
    let every = s
        .scope_key_results(&scope(Reader::Everyone, false))
        .await
        .unwrap();
    let seen: Vec<(KeyResultId, ObjectiveId)> = every
        .iter()
        .filter(|(_, o)| sees.contains(o))
        .cloned()
        .collect();
    let stored = keel_store::stored_visibilities(&reader);
    let live: Vec<(KeyResultId, ObjectiveId)> = seen
        .iter()
        .filter(|(_, o)| {
            let v = all.iter().find(|x| &x.id == o).unwrap().visibility;
            !stored.contains(&v)
        })
        .cloned()
        .collect();
    assert_eq!(
        s.scope_key_results(&scope(reader.clone(), false))
            .await
            .unwrap(),
        seen,
        "{a:?}, a dashboard's key results"
    );
    assert_eq!(
        s.scope_key_results(&scope(reader.clone(), true))
            .await
            .unwrap(),
        live,
        "{a:?}, a dashboard's live part"
    );
    for order in [
        ObjectiveOrder::Id,
        ObjectiveOrder::Title,
        ObjectiveOrder::Owner,
        ObjectiveOrder::Status,
        ObjectiveOrder::Progress,
    ] {
        let filter = ObjectiveFilter {
            reader: reader.clone(),
            cycle_id: Some(cycle.clone()),
            team_id: None,
            owner_id: None,
            kind: None,
            state: None,
            order,
        };
        let mut listed: Vec<ObjectiveId> = s
            .list_objectives(&filter, &page(500, None))
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|o| o.id)
            .collect();
        listed.sort();
        assert_eq!(listed, sees, "{a:?}, objectives by {order:?}");
    }
    let mut roots: Vec<ObjectiveId> = s
        .alignment_roots(
            &AlignmentFilter {
                reader: reader.clone(),
                cycle_ids: vec![cycle.clone()],
                team_id: None,
                owner_id: None,
            },
            &page(500, None),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.objective.id)
        .collect();
    roots.sort();
    assert_eq!(roots, sees, "{a:?}, alignment roots");
}
