//! Participation: the evaluator's stored totals (`count_participation`) read as the live count
//! reads them, for every kind of reader and threshold, and the people they list.

use crate::*;

conformance!(stored_totals_equal_the_live_ones);

/// The totals and the first page of people of `q`, read as counted now (`counted_at` `None`)
/// or from the stored counts.
async fn read(
    s: &DynStore,
    q: &ParticipationQuery,
) -> (ParticipationSummary, Vec<PersonParticipation>) {
    let summary = s.participation_summary(q).await.unwrap();
    let (page, with_page) = s.participation_page(q, &page(500, None)).await.unwrap();
    assert_eq!(summary, with_page, "{q:?}");
    (summary, page.items)
}

/// Public, team and private OKRs owned, co-owned and contributed to, a check-in, an inactive
/// owner and a draft: once the evaluator has counted the cycle, every reader's totals (the
/// organisation's, from the stored totals and their own narrower OKRs counted now) and lines
/// are those counted live, at every overload threshold; a change after the count shows at the
/// next one.
async fn stored_totals_equal_the_live_ones(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let mut p = std::collections::HashMap::new();
    for n in ["lead", "member", "helper", "co", "outsider", "idle"] {
        p.insert(n, add_person(&s, n).await);
    }
    let mut gone = person(
        "Gone",
        &format!("gone-{}@example.com", uuid::Uuid::now_v7()),
    );
    gone.active = false;
    s.insert_person(&ctx(), &gone).await.unwrap();
    let mut dept = team("Department");
    dept.lead_id = Some(p["lead"].id.clone());
    dept.member_ids = vec![p["member"].id.clone()];
    s.insert_team(&ctx(), &dept).await.unwrap();
    let new = |v: Visibility, owner: &Person| {
        let mut o = objective(&b.cycle.id, &owner.id);
        o.visibility = v;
        o
    };
    // A team objective of the department, owned by the member, the helper contributing.
    let mut team_o = new(Visibility::Team, &p["member"]);
    team_o.team_ids = vec![dept.id.clone()];
    team_o.contributor_ids = vec![p["helper"].id.clone()];
    s.insert_objective(&ctx(), &team_o, None).await.unwrap();
    let team_kr = key_result(&team_o.id, &p["member"].id);
    s.insert_key_result(&ctx(), &team_kr, None).await.unwrap();
    // A private objective of Ada's, co-owned by "co", with a key result the helper owns and has
    // checked in on; a draft of the outsider's; a key result the inactive person owns.
    let mut private = new(Visibility::Private, &b.owner);
    private.co_owner_ids = vec![p["co"].id.clone()];
    s.insert_objective(&ctx(), &private, None).await.unwrap();
    let private_kr = key_result(&private.id, &p["helper"].id);
    s.insert_key_result(&ctx(), &private_kr, None)
        .await
        .unwrap();
    let mut c = check_in(&private_kr.id, 40.0, now());
    c.author_id = Some(p["helper"].id.clone());
    s.record_check_in(&ctx(), &c, &applied(&private_kr, &c))
        .await
        .unwrap();
    let mut draft = new(Visibility::Public, &p["outsider"]);
    draft.state = ObjectiveState::Draft;
    s.insert_objective(&ctx(), &draft, None).await.unwrap();
    let draft_kr = key_result(&draft.id, &p["outsider"].id);
    s.insert_key_result(&ctx(), &draft_kr, None).await.unwrap();
    let gone_kr = key_result(&b.objective.id, &gone.id);
    s.insert_key_result(&ctx(), &gone_kr, None).await.unwrap();

    let audience = |n: &str, teams: TeamScope| {
        Reader::Audience(Audience {
            person_id: p[n].id.clone(),
            teams,
        })
    };
    let readers = [
        Reader::Everyone,
        audience("outsider", TeamScope::All),
        audience("helper", TeamScope::None),
        audience("member", TeamScope::Reach),
        audience("lead", TeamScope::Reach),
        audience("co", TeamScope::None),
    ];
    let query = |reader: &Reader, overload: u32, counted_at| ParticipationQuery {
        reader: reader.clone(),
        cycle_id: b.cycle.id.clone(),
        team_id: None,
        led_by: None,
        gap: None,
        overload,
        counted_at,
    };
    let mut live = vec![];
    for reader in &readers {
        for overload in [0, 1, 2] {
            live.push(read(&s, &query(reader, overload, None)).await);
        }
    }
    // What the fixture holds, read by the administrator live: 7 active people (Ada and the six
    // added; "gone" owns a key result but has left), the helper checked in on their key
    // result, Ada owns two objectives and a key result.
    let (all, _) = &live[0];
    assert_eq!(all.people, 7);
    assert_eq!(all.without_okrs, 2, "idle and lead");
    assert_eq!(
        all.key_result_owners, 3,
        "Ada, member, helper (the draft's is not due)"
    );
    assert_eq!(all.without_check_in, 2);
    assert_eq!(
        all.overloaded, 4,
        "Ada, member, helper, outsider own more than 0"
    );
    assert_eq!(
        live[1].0.overloaded, 3,
        "Ada (3), member and outsider (2) own more than 1"
    );
    assert_eq!(live[2].0.overloaded, 1, "Ada owns more than 2");

    let at = now();
    s.count_participation(&b.cycle.id, at).await.unwrap();
    let counted = s.participation_counted_at(&b.cycle.id).await.unwrap();
    assert_eq!(counted, Some(at));
    let mut i = 0;
    for reader in &readers {
        for overload in [0, 1, 2] {
            let stored = read(&s, &query(reader, overload, counted)).await;
            assert_eq!(stored, live[i], "{reader:?} over {overload}");
            i += 1;
        }
    }
    // Outside the team objective, "co" sees the member take part in nothing.
    assert_eq!(live[15].0.without_okrs, 3, "{:?}", live[15].0);

    // A contribution after the count: the stored totals keep the count's until the next one.
    let mut later = new(Visibility::Public, &b.owner);
    later.contributor_ids = vec![p["idle"].id.clone()];
    s.insert_objective(&ctx(), &later, None).await.unwrap();
    let admin = query(&Reader::Everyone, 0, counted);
    assert_eq!(read(&s, &admin).await.0, live[0].0);
    let at = now();
    s.count_participation(&b.cycle.id, at).await.unwrap();
    let admin = query(&Reader::Everyone, 0, Some(at));
    let recounted = read(&s, &admin).await;
    assert_eq!(recounted.0.without_okrs, 1, "only the lead");
    assert_eq!(
        recounted,
        read(&s, &query(&Reader::Everyone, 0, None)).await
    );
}
