//! When the reminders about waiting work fall due (issue 15, item 5): a proposed owner who has
//! not answered, the proposer of a request that still waits, and the owners of a cycle that
//! ended without its scores and retrospectives.
//!
//! Why here: the background rounds, the `keel notify` commands and the docs must agree on the
//! days; one definition each, pure, keeps them from disagreeing. Each reminder is sent once per
//! *period* (its unique key names the period), so a round that runs every hour sends it once.

use chrono::NaiveDate;

/// Days after a proposal before its proposed owner is reminded to answer.
pub const REMIND_PROPOSED_OWNER_AFTER_DAYS: i64 = 3;
/// Days after a proposal before its proposer is told it still waits.
pub const TELL_PROPOSER_AFTER_DAYS: i64 = 7;
/// How often a reminder about the same request is repeated while it waits.
pub const REPEAT_EVERY_DAYS: i64 = 7;
/// Days after a cycle's last day during which its owners are reminded to score (once).
pub const SCORE_REMINDER_DAYS: i64 = 14;

/// The reminder period of a request made at `since`, first due `after_days` later and repeated
/// every [`REPEAT_EVERY_DAYS`]: `None` before it is due, else 0, 1, 2 …
pub fn waiting_period(
    since: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    after_days: i64,
) -> Option<i64> {
    let days = (now - since).num_days();
    (days >= after_days).then(|| (days - after_days) / REPEAT_EVERY_DAYS)
}

/// Whether a cycle that ended on `ends_on` asks its owners to score on `today` (the
/// organisation's calendar day): from the day after its last day, for
/// [`SCORE_REMINDER_DAYS`] days (a cycle that ended long ago is not brought up again).
pub fn score_reminder_due(ends_on: NaiveDate, today: NaiveDate) -> bool {
    let days = (today - ends_on).num_days();
    (1..=SCORE_REMINDER_DAYS).contains(&days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(days: i64) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap() + chrono::Duration::days(days)
    }

    #[test]
    fn a_waiting_request_is_due_after_its_days_then_weekly() {
        let since = at(0);
        assert_eq!(waiting_period(since, at(2), 3), None);
        assert_eq!(waiting_period(since, at(3), 3), Some(0));
        assert_eq!(waiting_period(since, at(9), 3), Some(0));
        assert_eq!(waiting_period(since, at(10), 3), Some(1));
        assert_eq!(
            waiting_period(since, at(7), TELL_PROPOSER_AFTER_DAYS),
            Some(0)
        );
    }

    #[test]
    fn scoring_is_asked_from_the_day_after_the_cycle_for_two_weeks() {
        let end: NaiveDate = "2026-12-31".parse().unwrap();
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(!score_reminder_due(end, day("2026-12-31")));
        assert!(score_reminder_due(end, day("2027-01-01")));
        assert!(score_reminder_due(end, day("2027-01-14")));
        assert!(!score_reminder_due(end, day("2027-01-15")));
    }
}
