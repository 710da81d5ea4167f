//! The consistency every generated organisation must have: every record validates unchanged,
//! every reference resolves, hierarchies and alignment are acyclic, each key result matches its
//! latest check-in, every owner not yet accepted has the request behind it, and nothing is dated
//! after the real current time.

use chrono::Utc;
use keel_domain::*;
use keel_store::Snapshot;
use std::collections::{HashMap, HashSet};

/// The snapshot's records by id.
struct Index<'a> {
    people: HashMap<&'a PersonId, &'a Person>,
    teams: HashMap<&'a TeamId, &'a Team>,
    cycles: HashMap<&'a CycleId, &'a Cycle>,
    objectives: HashMap<&'a ObjectiveId, &'a Objective>,
    krs: HashMap<&'a KeyResultId, &'a KeyResult>,
}

/// Every record validates unchanged; every reference resolves; hierarchies and alignment are
/// acyclic; each KR matches its latest check-in; nothing is in the future.
pub(super) fn check(s: &Snapshot) {
    let now = Utc::now();
    check_rhythm(s, now);
    check_ownership_requests(s, now);
    if let Some(settings) = &s.settings {
        assert_eq!(&settings.clone().validated().unwrap(), settings);
    }
    let ix = Index {
        people: s.people.iter().map(|p| (&p.id, p)).collect(),
        teams: s.teams.iter().map(|t| (&t.id, t)).collect(),
        cycles: s.cycles.iter().map(|c| (&c.id, c)).collect(),
        objectives: s.objectives.iter().map(|o| (&o.id, o)).collect(),
        krs: s.key_results.iter().map(|k| (&k.id, k)).collect(),
    };
    check_directory(s, &ix, now);
    check_objectives(s, &ix, now);
    check_alignment(s, &ix);
    check_key_results(s, &ix, now);
}

/// Every owner who has not accepted has the request behind it, in the same state.
fn check_ownership_requests(s: &Snapshot, now: Timestamp) {
    let states: HashMap<&str, OwnershipState> = s
        .objectives
        .iter()
        .map(|o| (o.id.as_str(), o.ownership_state))
        .chain(
            s.key_results
                .iter()
                .map(|k| (k.id.as_str(), k.ownership_state)),
        )
        .collect();
    for r in &s.ownership_requests {
        let state = states
            .get(r.okr.id())
            .expect("a request names an OKR of the snapshot");
        assert_eq!(r.clone().validated().unwrap(), *r);
        assert!(r.created_at <= now);
        if r.state == RequestState::Pending {
            assert_eq!(*state, OwnershipState::Pending);
            assert_ne!(r.proposed_by.as_ref(), Some(&r.proposed_owner_id));
        }
    }
    for (id, state) in &states {
        if *state != OwnershipState::Accepted {
            let wanted = if *state == OwnershipState::Pending {
                RequestState::Pending
            } else {
                RequestState::Declined
            };
            assert!(
                s.ownership_requests
                    .iter()
                    .any(|r| r.okr.id() == *id && r.state == wanted),
                "{id} is {state:?} without a matching request"
            );
        }
    }
}

/// People and teams: unique, valid, one manager tree and one team tree without cycles.
fn check_directory(s: &Snapshot, ix: &Index<'_>, now: Timestamp) {
    let Index {
        people,
        teams,
        cycles,
        ..
    } = ix;
    assert_eq!(people.len(), s.people.len(), "unique person ids");
    let emails: HashSet<String> = s.people.iter().map(|p| p.email.key()).collect();
    assert_eq!(emails.len(), s.people.len(), "unique emails");
    assert!(people.values().any(|p| p.has_role(Role::Admin)));

    for p in &s.people {
        assert_eq!(&p.clone().validated().unwrap(), p);
        if let Some(m) = &p.manager_id {
            assert!(people.contains_key(m), "manager of {}", p.name);
        }
        assert!(p.created_at <= now);
    }
    // Managers form a forest with one root: walking up always ends.
    let roots = s.people.iter().filter(|p| p.manager_id.is_none()).count();
    assert_eq!(roots, 1);
    for p in &s.people {
        let mut cur = p;
        let mut steps = 0;
        while let Some(m) = &cur.manager_id {
            cur = people[m];
            steps += 1;
            assert!(steps <= s.people.len(), "manager cycle");
        }
    }
    for t in &s.teams {
        assert_eq!(&t.clone().validated().unwrap(), t);
        if let Some(p) = &t.parent_id {
            assert!(teams.contains_key(p));
        }
        if let Some(l) = &t.lead_id {
            assert!(people.contains_key(l));
        }
        for m in &t.member_ids {
            assert!(people.contains_key(m));
        }
        let mut cur = t;
        let mut steps = 0;
        while let Some(p) = &cur.parent_id {
            cur = teams[p];
            steps += 1;
            assert!(steps <= s.teams.len(), "team cycle");
        }
    }
    for c in &s.cycles {
        assert_eq!(&c.clone().validated().unwrap(), c);
        if let Some(p) = &c.parent_id {
            c.check_within(cycles[p]).unwrap();
        }
    }
}

/// Asserts an OKR's circle (owner, sponsor, contributors, teams) resolves, and that the owner is
/// neither sponsor nor contributor.
fn check_circle(
    ix: &Index<'_>,
    owner: &PersonId,
    sponsor: &Option<PersonId>,
    contributors: &[PersonId],
    team_ids: &[TeamId],
) {
    let Index { people, teams, .. } = ix;
    assert!(people.contains_key(owner));
    if let Some(sp) = sponsor {
        assert!(people.contains_key(sp));
        assert_ne!(sp, owner);
    }
    for c in contributors {
        assert!(people.contains_key(c));
        assert_ne!(c, owner);
    }
    for t in team_ids {
        assert!(teams.contains_key(t));
    }
}

/// Objectives: valid, in the past, in a cycle, with their circle and parents resolved.
fn check_objectives(s: &Snapshot, ix: &Index<'_>, now: Timestamp) {
    let Index {
        cycles,
        objectives,
        krs,
        ..
    } = ix;
    for o in &s.objectives {
        assert_eq!(&o.clone().validated().unwrap(), o, "{}", o.title);
        assert!(o.created_at <= o.updated_at && o.updated_at <= now);
        assert!(cycles.contains_key(&o.cycle_id));
        check_circle(
            ix,
            &o.owner_id,
            &o.sponsor_id,
            &o.contributor_ids,
            &o.team_ids,
        );
        for p in &o.parents {
            match p {
                ParentRef::Objective(id) => assert!(objectives.contains_key(id)),
                ParentRef::KeyResult(id) => assert!(krs.contains_key(id)),
            }
        }
    }
}

/// Alignment is acyclic: objective -> parent objective, or -> the parent KR's objective.
fn check_alignment(s: &Snapshot, ix: &Index<'_>) {
    let Index {
        objectives, krs, ..
    } = ix;
    let parents_of = |o: &ObjectiveId| -> Vec<ObjectiveId> {
        objectives[o]
            .parents
            .iter()
            .map(|p| match p {
                ParentRef::Objective(id) => id.clone(),
                ParentRef::KeyResult(id) => krs[id].objective_id.clone(),
            })
            .collect()
    };
    let mut depth: HashMap<ObjectiveId, usize> = HashMap::new();
    // Records are ordered parents first, so one pass computes depths; a parent without a
    // depth yet would mean a forward (possibly cyclic) reference.
    for o in &s.objectives {
        let d = parents_of(&o.id)
            .iter()
            .map(|p| {
                depth
                    .get(p)
                    .copied()
                    .expect("parent objective listed earlier")
                    + 1
            })
            .max()
            .unwrap_or(0);
        depth.insert(o.id.clone(), d);
    }
}

/// Check-ins and key results agree (each key result shows its latest check-in); initiatives
/// resolve.
fn check_key_results(s: &Snapshot, ix: &Index<'_>, now: Timestamp) {
    let Index {
        people,
        objectives,
        krs,
        ..
    } = ix;
    let mut latest: HashMap<&KeyResultId, &CheckIn> = HashMap::new();
    for c in &s.check_ins {
        assert_eq!(&c.clone().validated().unwrap(), c);
        assert!(c.at <= now, "check-in in the future");
        let kr = krs.get(&c.key_result_id).expect("check-in's key result");
        assert!(c.at >= kr.created_at);
        if let Some(a) = &c.author_id {
            assert!(people.contains_key(a));
        }
        let e = latest.entry(&c.key_result_id).or_insert(c);
        if c.at > e.at {
            *e = c;
        }
    }
    for k in &s.key_results {
        assert_eq!(&k.clone().validated().unwrap(), k, "{}", k.title);
        assert!(k.created_at <= k.updated_at && k.updated_at <= now);
        assert!(objectives.contains_key(&k.objective_id));
        check_circle(
            ix,
            &k.owner_id,
            &k.sponsor_id,
            &k.contributor_ids,
            &k.team_ids,
        );
        match latest.get(&k.id) {
            Some(c) => {
                assert_eq!(k.current, c.value, "{}", k.title);
                assert_eq!(k.confidence, Some(c.confidence.value()));
                assert_eq!(k.last_check_in_at, Some(c.at));
            }
            None => {
                assert_eq!(k.confidence, None);
                assert_eq!(k.last_check_in_at, None);
            }
        }
    }
    for i in &s.initiatives {
        assert_eq!(&i.clone().validated().unwrap(), i);
        assert!(i.created_at <= i.updated_at && i.updated_at <= now);
        assert!(krs.contains_key(&i.key_result_id));
        assert!(people.contains_key(&i.owner_id));
    }
}

/// The owner's rhythm records are valid, in the past, and refer to records of the snapshot.
fn check_rhythm(s: &Snapshot, now: Timestamp) {
    let okr_ids: HashSet<&str> = s
        .objectives
        .iter()
        .map(|o| o.id.as_str())
        .chain(s.key_results.iter().map(|k| k.id.as_str()))
        .collect();
    let people: HashSet<&PersonId> = s.people.iter().map(|p| &p.id).collect();
    for x in &s.scores {
        assert_eq!(&x.clone().validated().unwrap(), x);
        assert!(x.scored_at <= now && okr_ids.contains(x.key_result_id.as_str()));
    }
    for r in &s.retrospectives {
        assert_eq!(&r.clone().validated().unwrap(), r);
        assert!(r.updated_at <= now && okr_ids.contains(r.objective_id.as_str()));
        assert_eq!(r.carry_over, r.carried_over_to.is_some());
        if let Some(d) = &r.carried_over_to {
            assert!(okr_ids.contains(d.as_str()));
        }
    }
    for r in &s.reviews {
        assert!(r.held_on <= now.date_naive() && r.updated_at <= now);
        for i in &r.items {
            assert!(okr_ids.contains(i.objective_id.as_str()));
            assert!(people.contains(&i.owner_id));
        }
    }
    for c in &s.conversations {
        assert_eq!(&c.clone().validated().unwrap(), c);
        assert!(c.created_at <= now && c.held_on <= now.date_naive());
        assert!(people.contains(&c.with_id));
        assert!(c.okr_ids.iter().all(|o| okr_ids.contains(o.as_str())));
    }
    for f in &s.feedback_requests {
        assert_eq!(&f.clone().validated().unwrap(), f);
        assert!(f.created_at <= now && okr_ids.contains(f.okr_id.as_str()));
        for a in &f.answers {
            assert!(a.answered_at.is_none_or(|t| t <= now && t >= f.created_at));
        }
    }
    for r in &s.recognitions {
        assert_eq!(&r.clone().validated().unwrap(), r);
        assert!(r.created_at <= now && okr_ids.contains(r.okr_id.as_str()));
        if let Some(c) = &r.check_in_id {
            let c = s.check_ins.iter().find(|x| &x.id == c).unwrap();
            assert_eq!(c.key_result_id.as_str(), r.okr_id);
            assert!(c.at <= r.created_at);
        }
    }
}
