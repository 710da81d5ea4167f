//! The demo's own tests: the consistency every generated organisation must have, the stories
//! Northwind tells, the proportions of synthetic organisations, and Northwind's content pinned
//! (how many of each record a fixed day gives), so that a refactoring cannot change the demo
//! unnoticed.

mod consistency;
mod northwind;
mod synthetic;

use crate::clock::{days, Clock};
use crate::organisation;
use chrono::{NaiveDate, Utc};
use keel_domain::*;
use keel_store::Snapshot;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Runs `check` on Northwind generated for today, two fixed days in different quarters, and a
/// day in the future (when nothing may be after the real now anyway).
fn on_every_day(check: impl Fn(NaiveDate, &Snapshot)) {
    for today in [
        today(),
        NaiveDate::from_ymd_opt(2025, 2, 14).unwrap(),
        NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        today() + days(45),
    ] {
        check(today, &organisation(today));
    }
}

/// Midnight of `today` on the demo's clock (shifted back when `today` is in the future).
fn clock_at(today: NaiveDate) -> Timestamp {
    Clock::new(today).at(today, 0, 0)
}

/// The person whose name starts with `name`.
fn person<'a>(s: &'a Snapshot, name: &str) -> &'a Person {
    s.people
        .iter()
        .find(|p| p.name.starts_with(name))
        .unwrap_or_else(|| panic!("{name}"))
}

/// The current quarter.
fn current_cycle(s: &Snapshot) -> &Cycle {
    s.cycles
        .iter()
        .find(|c| c.state == CycleState::Active && c.parent_id.is_some())
        .unwrap()
}

/// The activation key result the CTO owns.
fn activation(s: &Snapshot) -> &KeyResult {
    s.key_results
        .iter()
        .find(|k| k.title == "Move Day-7 activation rate from 32% to 55%")
        .unwrap()
}

#[test]
fn northwind_holds_the_same_records_on_a_fixed_day() {
    let s = organisation(NaiveDate::from_ymd_opt(2025, 5, 20).unwrap());
    let counts = [
        s.people.len(),
        s.teams.len(),
        s.cycles.len(),
        s.objectives.len(),
        s.key_results.len(),
        s.check_ins.len(),
        s.initiatives.len(),
        s.ownership_requests.len(),
        s.scores.len(),
        s.retrospectives.len(),
        s.reviews.iter().map(|r| r.items.len()).sum(),
        s.conversations.len(),
        s.feedback_requests.len(),
        s.recognitions.len(),
    ];
    assert_eq!(counts, [61, 24, 3, 27, 58, 488, 12, 85, 8, 4, 3, 3, 2, 3]);
    // The check-in history is drawn from one seeded sequence: the same values, the same latest
    // confidences.
    let confidence: u32 = s
        .key_results
        .iter()
        .filter_map(|k| k.confidence)
        .map(u32::from)
        .sum();
    let values: f64 = s.check_ins.iter().map(|c| c.value).sum();
    assert_eq!(
        (confidence, format!("{values:.2}")),
        (351, "31969.80".to_string())
    );
}
