//! The Northwind demo tells its stories on any day it is generated for: the ownership doctrine's
//! cases (docs/method.md), every kind, state and visibility, and problems for health checks.

use super::consistency::check;
use super::{activation, clock_at, current_cycle, on_every_day, person};
use crate::clock::days;
use crate::*;
use chrono::NaiveDate;
use keel_domain::*;
use std::collections::HashSet;

#[test]
fn northwind_is_consistent_with_every_role_on_any_day() {
    on_every_day(|_, s| {
        check(s);
        assert!((55..=70).contains(&s.people.len()));
        let admin = s
            .people
            .iter()
            .find(|p| p.email.as_str() == DEMO_ADMIN_EMAIL)
            .expect("demo admin");
        assert!(admin.has_role(Role::Admin) && admin.active);
        for role in [
            Role::Champion,
            Role::Hr,
            Role::Finance,
            Role::Analyst,
            Role::Reviewer,
            Role::Viewer,
        ] {
            assert!(s.people.iter().any(|p| p.has_role(role)), "{role:?}");
        }
        assert!(s.key_results.iter().any(|k| k.financial));
        for v in [Visibility::Team, Visibility::Private] {
            assert!(s.objectives.iter().any(|o| o.visibility == v), "{v:?}");
        }
    });
}

#[test]
fn the_current_quarter_surrounds_today_after_a_closed_one() {
    on_every_day(|today, s| {
        let current = s
            .cycles
            .iter()
            .find(|c| c.state == CycleState::Active && c.parent_id.is_some())
            .unwrap();
        assert!(current.starts_on <= today && today <= current.ends_on);
        assert!(s.cycles.iter().any(|c| c.state == CycleState::Closed
            && c.parent_id.is_some()
            && c.ends_on + days(1) == current.starts_on));
    });
}

#[test]
fn every_metric_kind_state_visibility_and_ownership_state_appears() {
    on_every_day(|_, s| {
        for kind in [
            MetricKind::Increase,
            MetricKind::Decrease,
            MetricKind::StayAbove,
            MetricKind::StayBelow,
            MetricKind::Boolean,
            MetricKind::Milestone,
        ] {
            assert!(
                s.key_results.iter().any(|k| k.metric_kind == kind),
                "{kind:?}"
            );
        }
        for st in [
            ObjectiveState::Draft,
            ObjectiveState::Active,
            ObjectiveState::Closed,
        ] {
            assert!(s.objectives.iter().any(|o| o.state == st));
        }
        for v in [Visibility::Public, Visibility::Team, Visibility::Private] {
            assert!(s.objectives.iter().any(|o| o.visibility == v));
        }
        assert!(s
            .objectives
            .iter()
            .any(|o| o.kind == ObjectiveKind::Aspirational));
        assert!(s
            .objectives
            .iter()
            .any(|o| o.ownership_state == OwnershipState::Pending));
        assert!(s
            .objectives
            .iter()
            .any(|o| o.ownership_state == OwnershipState::Declined));
        assert!(s.objectives.iter().any(|o| o
            .parents
            .iter()
            .any(|p| matches!(p, ParentRef::KeyResult(_)))));
        for st in [
            InitiativeState::Proposed,
            InitiativeState::Active,
            InitiativeState::Dropped,
            InitiativeState::Done,
        ] {
            assert!(s.initiatives.iter().any(|i| i.state == st));
        }
    });
}

#[test]
fn an_associate_owns_the_objective_her_supervisors_key_results_serve() {
    on_every_day(|_, s| {
        let elisa = person(s, "Elisa");
        let manager = elisa.manager_id.clone().unwrap();
        let grand = s
            .people
            .iter()
            .find(|p| p.id == manager)
            .unwrap()
            .manager_id
            .clone()
            .unwrap();
        let o = s
            .objectives
            .iter()
            .find(|o| o.owner_id == elisa.id)
            .unwrap();
        let owners: HashSet<_> = s
            .key_results
            .iter()
            .filter(|k| k.objective_id == o.id)
            .map(|k| k.owner_id.clone())
            .collect();
        assert_eq!(owners, HashSet::from([manager, grand]));
    });
}

#[test]
fn the_cto_owns_an_activation_key_result_he_is_too_far_from() {
    on_every_day(|_, s| {
        let cto = person(s, "Daniel");
        assert_eq!(cto.title, "Chief Technology Officer");
        let act = s
            .key_results
            .iter()
            .find(|k| k.title == "Move Day-7 activation rate from 32% to 55%")
            .unwrap();
        assert_eq!(act.owner_id, cto.id);
        assert_eq!(
            (act.start, act.target, act.metric_kind),
            (32.0, 55.0, MetricKind::Increase)
        );
        let titles: HashSet<_> = act
            .contributor_ids
            .iter()
            .map(|c| s.people.iter().find(|p| &p.id == c).unwrap().title.as_str())
            .collect();
        assert!(titles.iter().any(|t| t.starts_with("Product Manager")));
        assert!(titles.contains("Growth Lead"));
        let cto_owns = s.objectives.iter().filter(|o| o.owner_id == cto.id).count()
            + s.key_results
                .iter()
                .filter(|k| k.owner_id == cto.id)
                .count();
        assert!(cto_owns >= 3, "the CTO is overloaded");
        // ... and an objective with 4 KRs and 5 distinct owners.
        let c1 = s
            .objectives
            .iter()
            .find(|o| o.id == act.objective_id)
            .unwrap();
        let mut owners: HashSet<_> = s
            .key_results
            .iter()
            .filter(|k| k.objective_id == c1.id)
            .map(|k| k.owner_id.clone())
            .collect();
        assert_eq!(owners.len(), 4);
        owners.insert(c1.owner_id.clone());
        assert_eq!(owners.len(), 5);
    });
}

#[test]
fn a_content_writer_owns_the_key_result_she_delivers() {
    on_every_day(|_, s| {
        let posts = s
            .key_results
            .iter()
            .find(|k| k.title == "Publish 3 new blog posts")
            .unwrap();
        let owner = s.people.iter().find(|p| p.id == posts.owner_id).unwrap();
        assert_eq!(owner.title, "Content Writer");
    });
}

#[test]
fn one_key_result_is_shared_by_four_teams_not_entered_four_times() {
    on_every_day(|_, s| {
        let shared: Vec<_> = s
            .key_results
            .iter()
            .filter(|k| k.team_ids.len() == 4)
            .collect();
        assert_eq!(shared.len(), 1);
        assert_eq!(
            s.key_results
                .iter()
                .filter(|k| k.title == shared[0].title)
                .count(),
            1
        );
    });
}

#[test]
fn health_checks_find_stale_key_results_and_owners_who_left() {
    on_every_day(|today, s| {
        let current = current_cycle(s);
        let act = activation(s);
        let gone: HashSet<_> = s
            .people
            .iter()
            .filter(|p| !p.active)
            .map(|p| &p.id)
            .collect();
        assert!(
            s.key_results
                .iter()
                .filter(|k| gone.contains(&k.owner_id))
                .count()
                >= 2
        );
        let active_objectives: HashSet<_> = s
            .objectives
            .iter()
            .filter(|o| o.state == ObjectiveState::Active && o.cycle_id == current.id)
            .map(|o| &o.id)
            .collect();
        let week_ago = clock_at(today) - days(7);
        let active_krs: Vec<_> = s
            .key_results
            .iter()
            .filter(|k| active_objectives.contains(&k.objective_id))
            .collect();
        let fresh = active_krs
            .iter()
            .filter(|k| k.last_check_in_at.is_some_and(|t| t >= week_ago))
            .count();
        assert!(
            fresh * 4 >= active_krs.len() * 3,
            "most active KRs are fresh"
        );
        assert!(fresh + 3 <= active_krs.len(), "some are stale");
        let history = s
            .check_ins
            .iter()
            .filter(|c| c.key_result_id == act.id)
            .count();
        assert!(history >= 1);
    });
}

#[test]
fn the_activation_key_result_has_weeks_of_history_mid_quarter() {
    let today = NaiveDate::from_ymd_opt(2025, 5, 20).unwrap();
    let s = organisation(today);
    let act = s
        .key_results
        .iter()
        .find(|k| k.title.starts_with("Move Day-7"))
        .unwrap();
    let n = s
        .check_ins
        .iter()
        .filter(|c| c.key_result_id == act.id)
        .count();
    assert!(n >= 7, "{n} check-ins");
    assert!(act.current > 32.0 && act.current < 55.0);
    assert_eq!(act.confidence, Some(4));
}
