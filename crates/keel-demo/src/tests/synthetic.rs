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
