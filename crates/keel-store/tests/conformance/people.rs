//! People and teams: the directory, and the views of a team and of a person.

use crate::*;

conformance!(
    email_is_unique_case_insensitively,
    team_and_person_views,
    a_person_keeps_their_time_zone,
);

/// Issue 12: a person's own time zone is stored, read back everywhere a person is read, and
/// cleared again (none: the organisation's).
async fn a_person_keeps_their_time_zone(s: DynStore, _url: String) {
    let a = Person {
        time_zone: Some("Pacific/Auckland".into()),
        ..person("Ana", "ana@example.com")
    };
    s.insert_person(&ctx(), &a).await.unwrap();
    let read = s.person(&a.id).await.unwrap().unwrap();
    assert_eq!(read.time_zone.as_deref(), Some("Pacific/Auckland"));
    let listed = s.people_by_ids(std::slice::from_ref(&a.id)).await.unwrap();
    assert_eq!(listed[0].time_zone.as_deref(), Some("Pacific/Auckland"));
    let moved = Person {
        time_zone: Some("Europe/Paris".into()),
        ..read.clone()
    };
    let stored = s.update_person(&ctx(), &read, &moved).await.unwrap();
    assert_eq!(stored.time_zone.as_deref(), Some("Europe/Paris"));
    let cleared = Person {
        time_zone: None,
        ..stored.clone()
    };
    let stored = s.update_person(&ctx(), &stored, &cleared).await.unwrap();
    assert_eq!(s.person(&a.id).await.unwrap().unwrap().time_zone, None);
    assert_eq!(stored.time_zone, None);
}

async fn email_is_unique_case_insensitively(s: DynStore, _url: String) {
    let a = person("Ada", "ada@example.com");
    s.insert_person(&ctx(), &a).await.unwrap();
    let b = person("Other Ada", "ADA@Example.COM");
    match s.insert_person(&ctx(), &b).await {
        Err(StoreError::Conflict { field, message }) => {
            assert_eq!(field, "email");
            assert!(message.contains("already exists"), "{message}");
        }
        other => panic!("expected a conflict on email, got {other:?}"),
    }
    assert_eq!(
        s.person_by_email("Ada@EXAMPLE.com").await.unwrap().unwrap(),
        a
    );
    // The same address through an update.
    let c = person("Charles", "charles@example.com");
    s.insert_person(&ctx(), &c).await.unwrap();
    let mut c2 = c.clone();
    c2.email = Email::parse("email", "Ada@example.com").unwrap();
    match s.update_person(&ctx(), &c, &c2).await {
        Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "email"),
        other => panic!("expected a conflict on email, got {other:?}"),
    }
    // A case change of one's own address is fine.
    let mut a2 = a.clone();
    a2.email = Email::parse("email", "ADA@example.com").unwrap();
    let a3 = s.update_person(&ctx(), &a, &a2).await.unwrap();
    assert_eq!(a3.email.as_str(), "ADA@example.com");
}

async fn team_and_person_views(s: DynStore, _url: String) {
    let b = basic(&s).await;
    let p = add_person(&s, "pat").await;
    let other = b.owner.clone();
    let t = team("Growth");
    s.insert_team(&ctx(), &t).await.unwrap();
    let t2 = team("Other");
    s.insert_team(&ctx(), &t2).await.unwrap();

    // Key results shared with a team.
    let mut k1 = key_result(&b.objective.id, &other.id);
    k1.team_ids = vec![t.id.clone(), t2.id.clone()];
    s.insert_key_result(&ctx(), &k1, None).await.unwrap();
    let mut k2 = key_result(&b.objective.id, &other.id);
    k2.team_ids = vec![t2.id.clone()];
    s.insert_key_result(&ctx(), &k2, None).await.unwrap();
    let gone_o = objective(&b.cycle.id, &p.id);
    s.insert_objective(&ctx(), &gone_o, None).await.unwrap();
    let mut gone_k = key_result(&gone_o.id, &p.id);
    gone_k.team_ids = vec![t.id.clone()];
    s.insert_key_result(&ctx(), &gone_k, None).await.unwrap();
    let mut deleted_k = key_result(&b.objective.id, &p.id);
    deleted_k.team_ids = vec![t.id.clone()];
    s.insert_key_result(&ctx(), &deleted_k, None).await.unwrap();
    s.delete_key_result(&ctx(), &deleted_k).await.unwrap();
    s.delete_objective(&ctx(), &gone_o).await.unwrap();
    assert_eq!(
        s.key_results_shared_with(&t.id).await.unwrap(),
        vec![k1.clone()]
    );
    let shared2: Vec<_> = s
        .key_results_shared_with(&t2.id)
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(shared2, vec![k1.id.clone(), k2.id.clone()]);
    assert!(s
        .key_results_shared_with(&TeamId::generate())
        .await
        .unwrap()
        .is_empty());

    // Every role counts: owner, co-owner, sponsor, contributor.
    let owned = objective(&b.cycle.id, &p.id);
    let mut co_owned = objective(&b.cycle.id, &other.id);
    co_owned.co_owner_ids = vec![p.id.clone()];
    let mut sponsored = objective(&b.cycle.id, &other.id);
    sponsored.sponsor_id = Some(p.id.clone());
    let mut contributed = objective(&b.cycle.id, &other.id);
    contributed.contributor_ids = vec![p.id.clone()];
    let unrelated = objective(&b.cycle.id, &other.id);
    for o in [&owned, &co_owned, &sponsored, &contributed, &unrelated] {
        s.insert_objective(&ctx(), o, None).await.unwrap();
    }
    let k_owned = key_result(&unrelated.id, &p.id);
    let mut k_co = key_result(&unrelated.id, &other.id);
    k_co.co_owner_ids = vec![p.id.clone()];
    let mut k_sponsor = key_result(&unrelated.id, &other.id);
    k_sponsor.sponsor_id = Some(p.id.clone());
    let mut k_contrib = key_result(&unrelated.id, &other.id);
    k_contrib.contributor_ids = vec![p.id.clone()];
    let k_unrelated = key_result(&unrelated.id, &other.id);
    for k in [&k_owned, &k_co, &k_sponsor, &k_contrib, &k_unrelated] {
        s.insert_key_result(&ctx(), k, None).await.unwrap();
    }
    let inv = s.okrs_involving(&p.id).await.unwrap();
    let got: HashSet<_> = inv.objectives.iter().map(|o| o.id.clone()).collect();
    let want: HashSet<_> = [&owned, &co_owned, &sponsored, &contributed]
        .iter()
        .map(|o| o.id.clone())
        .collect();
    assert_eq!(got, want);
    assert_eq!(inv.objectives.len(), 4);
    let co = inv.objectives.iter().find(|o| o.id == co_owned.id).unwrap();
    assert_eq!(co, &co_owned);
    let got: HashSet<_> = inv.key_results.iter().map(|k| k.id.clone()).collect();
    let want: HashSet<_> = [&k_owned, &k_co, &k_sponsor, &k_contrib]
        .iter()
        .map(|k| k.id.clone())
        .collect();
    assert_eq!(got, want);
    assert_eq!(inv.key_results.len(), 4);
    assert_eq!(
        inv.key_results.iter().find(|k| k.id == k_co.id).unwrap(),
        &k_co
    );
    let nobody = s.okrs_involving(&PersonId::generate()).await.unwrap();
    assert!(nobody.objectives.is_empty() && nobody.key_results.is_empty());
}
