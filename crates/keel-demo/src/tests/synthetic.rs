//! Synthetic organisations keep the proportions benchmarks rely on, are deterministic for a
//! seed, and stay consistent down to an organisation of one.

use super::consistency::check;
use super::today;
use crate::*;
use keel_domain::*;
use keel_store::Snapshot;

#[test]
fn synthetic_is_proportional_and_consistent() {
    let today = today();
    let s = synthetic(1000, 7, today);
    check(&s);
    assert_eq!(s.people.len(), 1000);
    assert!(s.people[0].has_role(Role::Admin));
    let o = s.objectives.len();
    assert!((1100..=1300).contains(&o), "{o} objectives");
    let k = s.key_results.len();
    assert!(k >= o * 3 && k <= o * 4, "{k} key results");
    let c = s.check_ins.len();
    assert!(c >= k * 8 && c <= k * 11, "{c} check-ins");
    let teams = s.teams.len();
    assert!((130..=175).contains(&teams), "{teams} teams");
    assert!(s.objectives.iter().any(|o| o.team_ids.len() >= 3));
    assert!(s.objectives.iter().any(|o| !o.parents.is_empty()));

    let again = synthetic(1000, 7, today);
    assert_eq!(again.objectives.len(), o);
    assert_eq!(again.key_results.len(), k);
    assert_eq!(again.check_ins.len(), c);
    let names = |s: &Snapshot| s.people.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&again), names(&s));
    let titles = |s: &Snapshot| {
        s.key_results
            .iter()
            .map(|k| k.title.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(titles(&again), titles(&s));
    assert_ne!(names(&synthetic(1000, 8, today)), names(&s));
}

#[test]
fn synthetic_handles_tiny_sizes() {
    for n in [0, 1, 2, 8] {
        let s = synthetic(n, 1, today());
        assert_eq!(s.people.len(), n);
        if n > 0 {
            check(&s);
        }
    }
}

/// The calibration report needs a closed cycle with scores: the synthetic organisation has a
/// small one before its active quarter (about one objective per fifty people, each key result
/// scored and with owner check-ins before the close), and the active quarter is unchanged by it.
#[test]
fn synthetic_has_a_small_scored_closed_quarter() {
    let today = today();
    let s = synthetic(1000, 7, today);
    let closed: Vec<&Cycle> = s
        .cycles
        .iter()
        .filter(|c| c.state == CycleState::Closed)
        .collect();
    assert_eq!(closed.len(), 1, "one closed quarter");
    let (closed, active) = (
        closed[0],
        s.cycles
            .iter()
            .find(|c| c.state == CycleState::Active)
            .expect("the active quarter"),
    );
    assert!(closed.ends_on < active.starts_on);
    let objectives: Vec<&Objective> = s
        .objectives
        .iter()
        .filter(|o| o.cycle_id == closed.id)
        .collect();
    assert!(
        (10..=40).contains(&objectives.len()),
        "{} objectives in the closed quarter",
        objectives.len()
    );
    assert!(objectives.iter().all(|o| o.state == ObjectiveState::Closed));
    let krs: Vec<&KeyResult> = s
        .key_results
        .iter()
        .filter(|k| objectives.iter().any(|o| o.id == k.objective_id))
        .collect();
    assert_eq!(krs.len(), objectives.len() * 3);
    assert_eq!(s.scores.len(), krs.len(), "every closed key result scored");
    for k in &krs {
        assert!(s.scores.iter().any(|x| x.key_result_id == k.id));
        let last = s
            .check_ins
            .iter()
            .filter(|c| c.key_result_id == k.id)
            .map(|c| c.at.date_naive())
            .max()
            .expect("check-ins before the close");
        assert!(last <= closed.ends_on, "{}", k.title);
    }
    // The active quarter's OKRs are what they were without it.
    let active_titles: Vec<String> = s
        .objectives
        .iter()
        .filter(|o| o.cycle_id == active.id)
        .map(|o| o.title.clone())
        .collect();
    assert!(active_titles.iter().all(|t| !t.starts_with("Last quarter")));
    assert!(s.objectives[..active_titles.len()]
        .iter()
        .all(|o| o.cycle_id == active.id));
}
