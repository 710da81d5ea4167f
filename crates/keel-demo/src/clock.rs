//! Dates and timestamps for generated data: quarters around a given day, and a clock that never
//! dates anything after the real current time.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use keel_domain::Timestamp;

/// Turns dates into timestamps at a fixed time of day, shifted back if needed so that nothing
/// generated for the days before `today` lies after the real current time (when `today` is a date
/// in the future).
#[derive(Clone, Copy)]
pub(crate) struct Clock {
    pub(crate) shift: Duration,
}

impl Clock {
    pub(crate) fn new(today: NaiveDate) -> Self {
        let latest = (today - Duration::days(1))
            .and_hms_opt(23, 59, 0)
            .expect("valid time")
            .and_utc();
        let now = Utc::now();
        let shift = if latest > now {
            latest - now + Duration::minutes(1)
        } else {
            Duration::zero()
        };
        Self { shift }
    }

    /// `date` at `hour`:`minute` UTC (minus the shift).
    pub(crate) fn at(&self, date: NaiveDate, hour: u32, minute: u32) -> Timestamp {
        date.and_hms_opt(hour, minute, 0)
            .expect("valid time")
            .and_utc()
            - self.shift
    }
}

pub(crate) fn days(n: i64) -> Duration {
    Duration::days(n)
}

pub(crate) fn quarter_start(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month0() / 3 * 3 + 1, 1).expect("valid date")
}

pub(crate) fn quarter_end(start: NaiveDate) -> NaiveDate {
    let (y, m) = if start.month() >= 10 {
        (start.year() + 1, 1)
    } else {
        (start.year(), start.month() + 3)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("valid date") - days(1)
}

pub(crate) fn quarter_name(start: NaiveDate) -> String {
    format!("Q{} {}", start.month0() / 3 + 1, start.year())
}

pub(crate) fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).expect("valid date"),
        NaiveDate::from_ymd_opt(year, 12, 31).expect("valid date"),
    )
}
