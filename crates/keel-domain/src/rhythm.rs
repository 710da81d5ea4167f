//! The owner's rhythm in numbers: status (with its reason in words), forecast and score bands.
//!
//! Pure and tested here so that the API, the UI, reminders, reports and the health check derive
//! the same status. Order of derivation (*Status and pace* in docs/method.md): closed; then the
//! lifecycle states that are neither green nor red (a draft, a key result awaiting its owner's
//! acceptance, one not started yet); stale when its owner has not checked in within the cadence
//! plus a grace period, counted from when it became active (silence is never green); then the
//! owner's latest confidence (only the owner's own check-in carries it); then pace (progress
//! against the share of its active time elapsed).

use crate::error::{FieldError, FieldResult};
use crate::ids::{KeyResultId, ObjectiveId, PersonId};
use crate::org::ConfidenceScale;
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    OnTrack,
    AtRisk,
    OffTrack,
    Stale,
    Closed,
    /// Active, but no owner check-in yet and less than one cadence since it became active.
    NotStarted,
    /// Its owner has not accepted it yet: nobody answers for it.
    AwaitingOwner,
    /// Its objective is a draft.
    Draft,
}

impl Status {
    /// Every status, best first (filters list them in this order).
    pub const ALL: [Status; 8] = [
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::Stale,
        Status::NotStarted,
        Status::AwaitingOwner,
        Status::Draft,
        Status::Closed,
    ];

    /// The status as the API spells it (`on_track` …): its JSON value, and the CSS class pages
    /// give it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::OffTrack => "off_track",
            Status::Stale => "stale",
            Status::Closed => "closed",
            Status::NotStarted => "not_started",
            Status::AwaitingOwner => "awaiting_owner",
            Status::Draft => "draft",
        }
    }

    /// The status in the reader's words ("On track" …), wherever a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Status::OnTrack => "On track",
            Status::AtRisk => "At risk",
            Status::OffTrack => "Off track",
            Status::Stale => "Stale",
            Status::Closed => "Closed",
            Status::NotStarted => "Not started",
            Status::AwaitingOwner => "Awaiting owner",
            Status::Draft => "Draft",
        }
    }

    /// The status spelled as the API spells it; `None` for anything else.
    pub fn parse(v: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == v)
    }

    /// Work that is not under way yet (a draft, awaiting its owner): it stays out of roll-ups
    /// and is never due for a check-in.
    pub fn is_pending(self) -> bool {
        matches!(self, Status::Draft | Status::AwaitingOwner)
    }

    /// Worse statuses sort higher, so an objective can take the worst of its key results. The
    /// lifecycle states sort below every judged one: they never drag a roll-up down.
    fn badness(self) -> u8 {
        match self {
            Status::Closed => 0,
            Status::Draft => 1,
            Status::AwaitingOwner => 2,
            Status::NotStarted => 3,
            Status::OnTrack => 4,
            Status::AtRisk => 5,
            Status::Stale => 6,
            Status::OffTrack => 7,
        }
    }
    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
        statuses.into_iter().max_by_key(|s| s.badness())
    }
}

/// The status a team, department or the company reads from the objectives below it: drafts and
/// work awaiting an owner are left out (the page says how many); of the rest, the median by
/// badness, so that one objective in trouble shows as itself (its own red badge, counted in the
/// reason) without painting a whole company red, while a majority in trouble does. `None` with
/// nothing below; the lifecycle state itself when everything below is a draft or waiting.
pub fn roll_up(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
    let mut counts: Vec<(Status, u64)> = vec![];
    for s in statuses {
        match counts.iter_mut().find(|(x, _)| *x == s) {
            Some((_, n)) => *n += 1,
            None => counts.push((s, 1)),
        }
    }
    roll_up_counts(&counts)
}

/// [`roll_up`] from how many objectives have each status (a page that counts them in the
/// database reads the same status as one that holds them all).
pub fn roll_up_counts(counts: &[(Status, u64)]) -> Option<Status> {
    let present = counts.iter().filter(|(_, n)| *n > 0);
    let mut counted: Vec<(Status, u64)> = present
        .clone()
        .filter(|(s, _)| !s.is_pending())
        .copied()
        .collect();
    if counted.is_empty() {
        return Status::worst(present.map(|(s, _)| *s));
    }
    counted.sort_by_key(|(s, _)| s.badness());
    // The upper median: with an even count, the worse of the two middle ones.
    let middle = counted.iter().map(|(_, n)| n).sum::<u64>() / 2;
    let mut seen = 0;
    for (s, n) in counted {
        seen += n;
        if seen > middle {
            return Some(s);
        }
    }
    None
}

/// The confidence band of a value on the organisation's scale.
pub fn confidence_status(scale: ConfidenceScale, confidence: u8) -> Status {
    match scale {
        ConfidenceScale::ZeroToTen => match confidence {
            0..=3 => Status::OffTrack,
            4..=6 => Status::AtRisk,
            _ => Status::OnTrack,
        },
        ConfidenceScale::ThreeLevel => match confidence {
            0 | 1 => Status::OffTrack,
            2 => Status::AtRisk,
            _ => Status::OnTrack,
        },
    }
}

/// The one definition of stale, used by status, the health check and check-ins due: the owner
/// has been silent longer than the cadence plus the grace period. `days_silent` counts from the
/// owner's last check-in, else from when the key result became active ([`active_since`]).
pub fn is_stale(days_silent: i64, cadence_days: i64, grace_days: i64) -> bool {
    days_silent > cadence_days + grace_days
}

/// Whether a check-in by `author` is the owner's word on `kr`: by its owner or, under the
/// shared policy, a co-owner. Only the owner's word carries the confidence that status uses
/// (and that the key result keeps as its latest `confidence`) and ends its silence; anyone
/// else allowed to check in records a value and a note (*The owner's word* in docs/method.md).
pub fn is_owners_word(kr: &crate::KeyResult, author: Option<&PersonId>) -> bool {
    author.is_some_and(|a| a == &kr.owner_id || kr.co_owner_ids.contains(a))
}

/// When a key result became active: the later of its objective's activation and its owner's
/// acceptance. `None` while either has not happened (a draft, an owner not yet accepted).
pub fn active_since(
    objective_activated_at: Option<chrono::DateTime<chrono::Utc>>,
    owner_accepted_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    Some(objective_activated_at?.max(owner_accepted_at?))
}

/// The days a key result's pace is measured over (*Status and pace* in docs/method.md): from
/// the day it became active (`active_on`), not before its own first day, to its own last day.
/// `own_days` are its first and last day within its cycle (`KeyResult::time_within`: its own
/// `starts_on`/`ends_on`, else the cycle's). Status measures pace over these days and the key
/// result page draws its expected line over them, so the two never disagree.
pub fn pace_window(
    (starts_on, ends_on): (chrono::NaiveDate, chrono::NaiveDate),
    active_on: chrono::NaiveDate,
) -> (chrono::NaiveDate, chrono::NaiveDate) {
    (active_on.max(starts_on).min(ends_on), ends_on)
}

/// The share of a pace window elapsed on `today`, in [0, 1]: 0 on its first day, rising
/// steadily to 1 on its last (the expected line runs from the start of the first day to the
/// start of the last); a window of a single day is all elapsed.
pub fn pace_share(
    (from, to): (chrono::NaiveDate, chrono::NaiveDate),
    today: chrono::NaiveDate,
) -> f64 {
    let span = (to - from).num_days();
    if span <= 0 {
        return 1.0;
    }
    ((today - from).num_days() as f64 / span as f64).clamp(0.0, 1.0)
}

/// Everything status derivation needs about one key result.
pub struct StatusInput {
    pub closed: bool,
    /// Its objective is a draft.
    pub draft: bool,
    /// Its owner has not accepted it.
    pub awaiting_owner: bool,
    /// Days since its owner's last check-in, else since it became active.
    pub days_silent: i64,
    /// Days since it became active.
    pub days_active: i64,
    /// Whether its owner has checked in since it became active.
    pub owner_checked_in: bool,
    pub cadence_days: i64,
    pub grace_days: i64,
    /// The confidence of the owner's own latest check-in (never a contributor's).
    pub confidence: Option<u8>,
    pub scale: ConfidenceScale,
    pub progress: f64,
    /// Share of its pace window elapsed ([`pace_share`] of [`pace_window`]), in [0, 1].
    pub elapsed: f64,
}

/// A key result's status and the reason, in words.
pub fn key_result_status(i: &StatusInput) -> (Status, String) {
    if i.closed {
        return (Status::Closed, "the OKR is closed".into());
    }
    if i.draft {
        return (
            Status::Draft,
            "its objective is a draft: nothing is due yet".into(),
        );
    }
    if i.awaiting_owner {
        return (
            Status::AwaitingOwner,
            "its owner has not accepted it yet".into(),
        );
    }
    if is_stale(i.days_silent, i.cadence_days, i.grace_days) {
        let since = if i.owner_checked_in {
            "no check-in by its owner"
        } else {
            "no check-in by its owner since it started"
        };
        return (
            Status::Stale,
            format!(
                "{since} for {} days (due every {} days)",
                i.days_silent, i.cadence_days
            ),
        );
    }
    if !i.owner_checked_in && i.days_active < i.cadence_days {
        return (
            Status::NotStarted,
            format!(
                "active for {} of {} days, and its owner has not checked in yet",
                i.days_active, i.cadence_days
            ),
        );
    }
    if let Some(c) = i.confidence {
        let s = confidence_status(i.scale, c);
        return (
            s,
            format!("the owner's latest confidence is {c} of {}", i.scale.max()),
        );
    }
    let expected = i.elapsed;
    let s = if i.progress + 1e-9 >= expected * 0.9 {
        Status::OnTrack
    } else if i.progress + 1e-9 >= expected * 0.6 {
        Status::AtRisk
    } else {
        Status::OffTrack
    };
    (
        s,
        format!(
            "{:.0}% done with {:.0}% of its time elapsed",
            i.progress * 100.0,
            expected * 100.0
        ),
    )
}

/// The day a key result's next check-in falls due, from the day of its last check-in (or, with
/// none, the day its silence started counting), its cadence and the organisation's check-in day.
///
/// The rule: check-in periods start on the check-in day. For a cadence of 7 days or more, a key
/// result is due on the last check-in day that falls within one cadence of its last check-in,
/// i.e. on the check-in day on or before `last + cadence_days`. Weekly on Mondays: checked in on
/// a Thursday, due the next Monday; checked in on a Monday, due the Monday after; checked in on a
/// Sunday, due the next day (a new week has begun). It is never later than `last + cadence_days`,
/// so a key result is always due before it can turn stale. Shorter cadences (daily, every three
/// days) ignore the check-in day: due `cadence_days` after the last check-in.
pub fn due_on(
    last: chrono::NaiveDate,
    cadence_days: u32,
    check_in_day: chrono::Weekday,
) -> chrono::NaiveDate {
    use chrono::Datelike;
    let end = last + chrono::Days::new(u64::from(cadence_days));
    if cadence_days < 7 {
        return end;
    }
    let back = (end.weekday().num_days_from_monday() + 7 - check_in_day.num_days_from_monday()) % 7;
    end - chrono::Days::new(u64::from(back))
}

/// The check-in periods ("weeks") a compliance figure is counted over: `weeks` periods of seven
/// days, each starting on the check-in day, the last one holding `last_day`. Oldest first.
pub fn check_in_weeks(
    last_day: chrono::NaiveDate,
    weeks: u32,
    check_in_day: chrono::Weekday,
) -> Vec<chrono::NaiveDate> {
    use chrono::Datelike;
    let back =
        (last_day.weekday().num_days_from_monday() + 7 - check_in_day.num_days_from_monday()) % 7;
    let last_start = last_day - chrono::Days::new(u64::from(back));
    (0..weeks)
        .rev()
        .map(|i| last_start - chrono::Days::new(7 * u64::from(i)))
        .collect()
}

/// What a key result owed in one check-in week (*Check-in compliance* in docs/method.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeekCheckIn {
    /// Nothing was due that week.
    NotDue,
    /// A check-in was due and the owner gave one that week.
    Done,
    /// A check-in was due and none came that week.
    Missed,
}

/// The facts about one key result that decide what it owed each week.
#[derive(Debug, Clone)]
pub struct CheckInDuty<'a> {
    /// The day it became active ([`active_since`], in the organisation's time zone); `None` for a
    /// draft or while its owner has not accepted: never due.
    pub active_on: Option<chrono::NaiveDate>,
    /// The day it stopped owing check-ins: its objective or cycle closed, or it was scored.
    pub closed_on: Option<chrono::NaiveDate>,
    /// The days of its owner's own check-ins ([`is_owners_word`]), oldest first.
    pub owner_check_ins: &'a [chrono::NaiveDate],
    /// Its cadence in days (its teams' own, else the organisation's).
    pub cadence_days: u32,
}

/// Whether a check-in fell due in the week starting `week_start` (seven days), and whether the
/// owner gave one that week: the one rule of check-in compliance, built on [`due_on`]. The key
/// result is due that week when the day its next check-in fell due, counted from the owner's
/// last check-in before the week (else from the day it became active), comes before the week
/// ends, and before it closed. A fortnightly key result is so due every other week, a monthly
/// one about once in four; a week that goes by without the check-in leaves it due the next week
/// too. A draft, a key result whose owner has not accepted it, one that became active after
/// the week, and one closed or scored before its check-in fell due owe nothing.
pub fn week_check_in(
    duty: &CheckInDuty<'_>,
    week_start: chrono::NaiveDate,
    check_in_day: chrono::Weekday,
) -> WeekCheckIn {
    let Some(active_on) = duty.active_on else {
        return WeekCheckIn::NotDue;
    };
    let week_end = week_start + chrono::Days::new(7);
    if active_on >= week_end {
        return WeekCheckIn::NotDue;
    }
    let last = duty
        .owner_check_ins
        .iter()
        .copied()
        .filter(|d| *d < week_start)
        .max()
        .map_or(active_on, |d| d.max(active_on));
    let due = due_on(last, duty.cadence_days, check_in_day);
    if due >= week_end || duty.closed_on.is_some_and(|c| due >= c) {
        return WeekCheckIn::NotDue;
    }
    if duty
        .owner_check_ins
        .iter()
        .any(|d| *d >= week_start && *d < week_end)
    {
        WeekCheckIn::Done
    } else {
        WeekCheckIn::Missed
    }
}

/// The key result as it stood at `at`, from its record and its readings `(when, value)` oldest
/// first: its value is the latest reading up to `at`, else its start value. Status as of a date
/// is the status derived from this record and the check-ins up to that date, the same derivation
/// as now's ("Status as of a date" in docs/method.md).
pub fn value_at(
    kr: &crate::KeyResult,
    readings: &[(chrono::DateTime<chrono::Utc>, f64)],
    at: chrono::DateTime<chrono::Utc>,
) -> crate::KeyResult {
    let mut then = kr.clone();
    let value = readings
        .iter()
        .rev()
        .find(|(when, _)| *when <= at)
        .map_or(kr.start, |r| r.1);
    if then.apply_value(value).is_err() {
        then.current = value;
    }
    then
}

/// The first moment of `day` in the organisation's time zone (its local midnight, or the first
/// moment after it where a clock change skips midnight): a day-long event such as a check-in
/// falling overdue happens then, not at UTC midnight.
pub fn start_of_day(
    settings: &crate::OrgSettings,
    day: chrono::NaiveDate,
) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    let Ok(tz) = settings.time_zone.parse::<chrono_tz::Tz>() else {
        return midnight.and_utc();
    };
    // A clock change at midnight skips it: the day starts at the first hour that exists.
    (0..=2)
        .find_map(|h| {
            tz.from_local_datetime(&(midnight + chrono::Duration::hours(h)))
                .earliest()
        })
        .map_or(midnight.and_utc(), |t| t.with_timezone(&chrono::Utc))
}

/// The last moment of `day` in the organisation's time zone: "status as of a day" reads
/// everything up to the end of that day where the organisation is.
pub fn end_of_day(
    settings: &crate::OrgSettings,
    day: chrono::NaiveDate,
) -> chrono::DateTime<chrono::Utc> {
    start_of_day(settings, day + chrono::Days::new(1)) - chrono::Duration::microseconds(1)
}

/// The score suggested at the end of the cycle: attainment clamped to [0, 1], to one decimal.
pub fn suggested_score(attainment: f64) -> f64 {
    (attainment.clamp(0.0, 1.0) * 10.0).round() / 10.0
}

/// The conventional score bands, with no gaps between them: red below 0.4, yellow from 0.4 up
/// to 0.7, green from 0.7 (where an aspirational key result counts as a success) to 1.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScoreBand {
    Red,
    Yellow,
    Green,
}

pub fn score_band(score: f64) -> ScoreBand {
    if score < 0.4 - 1e-9 {
        ScoreBand::Red
    } else if score < 0.7 - 1e-9 {
        ScoreBand::Yellow
    } else {
        ScoreBand::Green
    }
}

/// Committed OKRs are expected to reach 1.0; aspirational ones count 0.7 as success.
pub fn is_success(score: f64, aspirational: bool) -> bool {
    if aspirational {
        score >= 0.7 - 1e-9
    } else {
        score >= 1.0 - 1e-9
    }
}

/// An objective owner's override of the derived status, with the reason they give.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StatusOverride {
    pub objective_id: ObjectiveId,
    pub status: Status,
    pub reason: String,
    pub set_by: Option<PersonId>,
    pub set_at: chrono::DateTime<chrono::Utc>,
    /// The last day it stands, when its owner picked one; otherwise it lapses when the next
    /// check-in falls due after it was set.
    #[serde(default)]
    pub until: Option<chrono::NaiveDate>,
}

impl StatusOverride {
    /// Whether the override still stands on `today`: it lapses after `until` (when the owner
    /// picked a day) or on `next_due`, the day the next check-in falls due after it was set; and
    /// it never outranks stale (an owner's word cannot hide silence).
    pub fn stands(
        &self,
        today: chrono::NaiveDate,
        next_due: chrono::NaiveDate,
        stale: bool,
    ) -> bool {
        let live = match self.until {
            Some(until) => today <= until,
            None => today < next_due,
        };
        live && !stale
    }

    /// `closed` and `stale` are facts, not judgements: only the three track statuses may be set.
    /// The last day, if picked, may be `today` (the organisation's calendar day) or later.
    pub fn validated(mut self, today: chrono::NaiveDate) -> FieldResult<Self> {
        if !matches!(
            self.status,
            Status::OnTrack | Status::AtRisk | Status::OffTrack
        ) {
            return Err(FieldError::new(
                "status",
                "an owner may set on_track, at_risk or off_track; closed and stale are derived",
            ));
        }
        self.reason = text::required("reason", &self.reason, 2_000)?;
        if let Some(until) = self.until {
            if until < today {
                return Err(FieldError::new(
                    "until",
                    "must be today or a later day: the override would never stand",
                ));
            }
        }
        Ok(self)
    }
}

/// The end-of-cycle score of a key result, with the owner's reason and the suggestion it started
/// from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KeyResultScore {
    pub key_result_id: KeyResultId,
    /// From 0.0 to 1.0.
    pub score: f64,
    pub reason: String,
    /// What the attainment suggested when it was scored.
    pub suggested_score: f64,
    pub scored_by: Option<PersonId>,
    pub scored_at: chrono::DateTime<chrono::Utc>,
}

impl KeyResultScore {
    pub fn validated(mut self) -> FieldResult<Self> {
        if !self.score.is_finite() || !(0.0..=1.0).contains(&self.score) {
            return Err(FieldError::new(
                "score",
                format!("must be from 0.0 to 1.0 (got {})", self.score),
            ));
        }
        self.reason = text::long("reason", &self.reason, 2_000)?;
        Ok(self)
    }
}

/// The objective's score: the weighted mean of its key results' scores, once every key result is
/// scored (None before, and with no key results).
pub fn objective_score(scores: impl IntoIterator<Item = (f64, Option<f64>)>) -> Option<f64> {
    let (mut total, mut weights, mut any) = (0.0, 0.0, false);
    for (w, s) in scores {
        let s = s?;
        any = true;
        total += w * s;
        weights += w;
    }
    if !any || weights <= 0.0 {
        return None;
    }
    Some(total / weights)
}

/// What the owner writes at the end of the cycle. `carried_over_to` is the draft created in the
/// next cycle when `carry_over` was asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Retrospective {
    pub objective_id: ObjectiveId,
    pub worked: String,
    pub did_not: String,
    pub carry_over: bool,
    pub carried_over_to: Option<ObjectiveId>,
    pub updated_by: Option<PersonId>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Retrospective {
    pub fn validated(mut self) -> FieldResult<Self> {
        self.worked = text::long("worked", &self.worked, 10_000)?;
        self.did_not = text::long("did_not", &self.did_not, 10_000)?;
        Ok(self)
    }
}

/// A confidence as a share of the scale, in [0, 1], comparable with a score.
pub fn confidence_share(scale: ConfidenceScale, confidence: u8) -> f64 {
    let (min, max) = (f64::from(scale.min()), f64::from(scale.max()));
    ((f64::from(confidence) - min) / (max - min)).clamp(0.0, 1.0)
}

/// A confidence given on scale `from`, read on scale `to`: the same share of the way, rounded to
/// the nearest step (8 of 0–10 reads 3 of 1–3; 2 of 1–3 reads 5 of 0–10).
pub fn rescale(confidence: u8, from: ConfidenceScale, to: ConfidenceScale) -> u8 {
    if from == to {
        return confidence;
    }
    let share = confidence_share(from, confidence);
    let steps = f64::from(to.max() - to.min());
    to.min() + (share * steps).round() as u8
}

/// How an owner's confidence along the way compared with the final score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Calibration {
    OverConfident,
    Calibrated,
    UnderConfident,
}

/// Over-confident when the mean confidence (as a share of the scale) exceeded the score by more
/// than 0.2; under-confident when it fell short by more than 0.2.
pub fn calibration(mean_confidence: f64, score: f64) -> Calibration {
    let gap = mean_confidence - score;
    if gap > 0.2 {
        Calibration::OverConfident
    } else if gap < -0.2 {
        Calibration::UnderConfident
    } else {
        Calibration::Calibrated
    }
}

/// Rising, falling or steady, from a series of confidences oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Rising,
    Steady,
    Falling,
    Unknown,
}

/// The trend of the last two values of a series.
pub fn trend(values: &[u8]) -> Trend {
    match values {
        [.., a, b] if b > a => Trend::Rising,
        [.., a, b] if b < a => Trend::Falling,
        [.., _, _] => Trend::Steady,
        _ => Trend::Unknown,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_week_owes_a_check_in_by_the_cadence() {
        use chrono::{NaiveDate, Weekday::Mon};
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        // Mondays: 2026-11-02, 09, 16, 23, 30.
        let weeks = check_in_weeks(d(12, 2), 5, Mon);
        assert_eq!(
            weeks,
            vec![d(11, 2), d(11, 9), d(11, 16), d(11, 23), d(11, 30)]
        );
        let check_ins = [d(11, 3), d(11, 17)];
        let owed = |cadence, closed_on, active_on| {
            let duty = CheckInDuty {
                active_on,
                closed_on,
                owner_check_ins: &check_ins,
                cadence_days: cadence,
            };
            weeks
                .iter()
                .map(|w| week_check_in(&duty, *w, Mon))
                .collect::<Vec<_>>()
        };
        use WeekCheckIn::*;
        // Active since Wednesday 28 October: due from the week of 2 November.
        let active = Some(d(10, 28));
        assert_eq!(
            owed(7, None, active),
            vec![Done, Missed, Done, Missed, Missed]
        );
        // Fortnightly: first due Monday 9 November, but checked in early on 3 November, so due
        // the week of 16 November (done on the 17th), then the week of 30 November.
        assert_eq!(
            owed(14, None, active),
            vec![NotDue, NotDue, Done, NotDue, Missed]
        );
        assert_eq!(owed(7, None, None), vec![NotDue; 5], "a draft owes nothing");
        assert_eq!(
            owed(7, None, Some(d(11, 18))),
            vec![NotDue, NotDue, NotDue, Missed, Missed],
            "nothing before it became active"
        );
        assert_eq!(
            owed(7, Some(d(11, 20)), active),
            vec![Done, Missed, Done, NotDue, NotDue],
            "nothing once closed"
        );
    }

    #[test]
    fn due_on_follows_the_check_in_day() {
        use chrono::{NaiveDate, Weekday::*};
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        // 2026-11-23 is a Monday.
        assert_eq!(
            super::due_on(d(11, 19), 7, Mon),
            d(11, 23),
            "Thursday → next Monday"
        );
        assert_eq!(
            super::due_on(d(11, 16), 7, Mon),
            d(11, 23),
            "Monday → the Monday after"
        );
        assert_eq!(
            super::due_on(d(11, 22), 7, Mon),
            d(11, 23),
            "Sunday → the next day"
        );
        assert_eq!(super::due_on(d(11, 23), 7, Fri), d(11, 27));
        assert_eq!(super::due_on(d(11, 9), 14, Mon), d(11, 23), "fortnightly");
        assert_eq!(super::due_on(d(11, 12), 14, Mon), d(11, 23));
        assert_eq!(
            super::due_on(d(11, 20), 3, Mon),
            d(11, 23),
            "short cadences ignore the day"
        );
        for offset in 0..30u64 {
            let last = d(11, 1) + chrono::Days::new(offset);
            for cadence in [7, 10, 14, 30] {
                let due = super::due_on(last, cadence, Wed);
                assert!(due > last && due <= last + chrono::Days::new(u64::from(cadence)));
                assert!(cadence < 7 || chrono::Datelike::weekday(&due) == Wed);
            }
        }
    }

    use super::*;
    use proptest::prelude::*;

    fn input() -> StatusInput {
        StatusInput {
            closed: false,
            draft: false,
            awaiting_owner: false,
            days_silent: 2,
            days_active: 30,
            owner_checked_in: true,
            cadence_days: 7,
            grace_days: 3,
            confidence: Some(8),
            scale: ConfidenceScale::ZeroToTen,
            progress: 0.1,
            elapsed: 0.5,
        }
    }

    #[test]
    fn derivation_order() {
        assert_eq!(
            key_result_status(&StatusInput {
                closed: true,
                days_silent: 99,
                ..input()
            })
            .0,
            Status::Closed
        );
        let (s, why) = key_result_status(&StatusInput {
            days_silent: 11,
            ..input()
        });
        assert_eq!(
            s,
            Status::Stale,
            "silence is never green, whatever the confidence"
        );
        assert!(why.contains("11 days"));
        assert_eq!(
            key_result_status(&StatusInput {
                draft: true,
                days_silent: 30,
                ..input()
            })
            .0,
            Status::Draft,
            "drafts are never due, never green"
        );
        assert_eq!(
            key_result_status(&input()).0,
            Status::OnTrack,
            "the owner's confidence before pace"
        );
        assert_eq!(
            key_result_status(&StatusInput {
                confidence: Some(5),
                ..input()
            })
            .0,
            Status::AtRisk
        );
        assert_eq!(
            key_result_status(&StatusInput {
                confidence: Some(3),
                ..input()
            })
            .0,
            Status::OffTrack
        );
        assert_eq!(
            key_result_status(&StatusInput {
                confidence: None,
                ..input()
            })
            .0,
            Status::OffTrack,
            "pace: 10% done at half-time"
        );
        assert_eq!(
            key_result_status(&StatusInput {
                confidence: None,
                progress: 0.5,
                ..input()
            })
            .0,
            Status::OnTrack
        );
        assert_eq!(
            key_result_status(&StatusInput {
                confidence: None,
                progress: 0.35,
                ..input()
            })
            .0,
            Status::AtRisk
        );
        assert_eq!(
            confidence_status(ConfidenceScale::ThreeLevel, 2),
            Status::AtRisk
        );
    }

    #[test]
    fn lifecycle_states_are_neither_green_nor_red() {
        let new = StatusInput {
            days_silent: 0,
            days_active: 0,
            owner_checked_in: false,
            confidence: None,
            progress: 0.0,
            elapsed: 0.0,
            ..input()
        };
        let (s, why) = key_result_status(&new);
        assert_eq!(s, Status::NotStarted, "created today: {why}");
        assert_eq!(
            key_result_status(&StatusInput {
                days_silent: 6,
                days_active: 6,
                elapsed: 0.7,
                ..new
            })
            .0,
            Status::NotStarted,
            "less than one cadence active is not red, whatever the cycle's share elapsed"
        );
        assert_eq!(
            key_result_status(&StatusInput {
                awaiting_owner: true,
                days_silent: 65,
                days_active: 65,
                ..input()
            })
            .0,
            Status::AwaitingOwner,
            "not accepted: not stale, not due"
        );
        let late = StatusInput {
            days_silent: 8,
            days_active: 8,
            owner_checked_in: false,
            confidence: None,
            progress: 0.0,
            elapsed: 0.1,
            ..input()
        };
        assert_eq!(
            key_result_status(&late).0,
            Status::OffTrack,
            "past one cadence, pace judges it"
        );
        assert_eq!(
            key_result_status(&StatusInput {
                days_silent: 11,
                days_active: 11,
                ..late
            })
            .0,
            Status::Stale,
            "silence counts from when it became active"
        );
        for s in [Status::NotStarted, Status::AwaitingOwner, Status::Draft] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(
                Status::worst([s, Status::OnTrack]),
                Some(Status::OnTrack),
                "{s:?} never drags a roll-up"
            );
        }
        assert_eq!(Status::NotStarted.label(), "Not started");
        assert_eq!(Status::AwaitingOwner.as_str(), "awaiting_owner");
    }

    #[test]
    fn roll_ups_leave_drafts_out_and_take_the_median() {
        use Status::*;
        assert_eq!(roll_up([]), None);
        assert_eq!(roll_up([Draft, AwaitingOwner]), Some(AwaitingOwner));
        assert_eq!(
            roll_up([Draft, Draft, OnTrack]),
            Some(OnTrack),
            "drafts left out"
        );
        assert_eq!(
            roll_up([OnTrack, OnTrack, AtRisk, OffTrack]),
            Some(AtRisk),
            "one red objective does not paint the company red"
        );
        assert_eq!(roll_up([OffTrack, OffTrack, OnTrack]), Some(OffTrack));
        // From counts, as a page that counts in the database reads it.
        assert_eq!(
            roll_up_counts(&[(OnTrack, 2), (AtRisk, 1), (OffTrack, 1), (Draft, 5)]),
            roll_up([OnTrack, OnTrack, AtRisk, OffTrack, Draft])
        );
        assert_eq!(roll_up_counts(&[(OnTrack, 0), (Draft, 2)]), Some(Draft));
        assert_eq!(
            roll_up([OnTrack, OffTrack]),
            Some(OffTrack),
            "a tie reads the worse"
        );
    }

    #[test]
    fn one_definition_of_stale_and_active_since() {
        assert!(!is_stale(10, 7, 3) && is_stale(11, 7, 3));
        let t = |d: i64| chrono::DateTime::from_timestamp(d * 86_400, 0).unwrap();
        assert_eq!(active_since(Some(t(5)), Some(t(9))), Some(t(9)));
        assert_eq!(active_since(Some(t(12)), Some(t(9))), Some(t(12)));
        assert_eq!(active_since(None, Some(t(9))), None, "a draft");
        assert_eq!(active_since(Some(t(5)), None), None, "awaiting its owner");
    }

    /// Pace follows a key result's own days: half-way through its own time is half elapsed,
    /// whatever share of the cycle has gone.
    #[test]
    fn pace_follows_the_key_results_own_days() {
        let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
        let quarter = (day("2026-10-01"), day("2026-12-31"));
        let own = (day("2026-11-01"), day("2026-11-21"));
        let today = day("2026-11-11");
        let share = |days, active| pace_share(pace_window(days, day(active)), today);
        assert!((share(own, "2026-10-01") - 0.5).abs() < 1e-9);
        let q = share(quarter, "2026-10-01");
        assert!(q > 0.4 && q < 0.5, "{q}");
        // Active later than its own start: counted from then.
        assert_eq!(
            pace_window(own, day("2026-11-06")),
            (day("2026-11-06"), day("2026-11-21"))
        );
        assert!((share(own, "2026-11-06") - 5.0 / 15.0).abs() < 1e-9);
        // Past its due day: all its time has gone; active after it: nothing left to pace.
        assert_eq!(
            pace_share(pace_window(own, day("2026-10-01")), day("2026-12-01")),
            1.0
        );
        assert_eq!(pace_window(own, day("2026-12-01")), (own.1, own.1));
        assert_eq!(share(own, "2026-12-01"), 1.0);
    }

    #[test]
    fn an_override_lapses_and_never_hides_silence() {
        let d = |day| chrono::NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        let ov = StatusOverride {
            objective_id: ObjectiveId::from_string("o"),
            status: Status::OnTrack,
            reason: "a partner deal".into(),
            set_by: None,
            set_at: d(2).and_hms_opt(9, 0, 0).unwrap().and_utc(),
            until: None,
        };
        assert!(ov.stands(d(5), d(9), false));
        assert!(
            !ov.stands(d(9), d(9), false),
            "lapses at the next due check-in"
        );
        assert!(!ov.stands(d(5), d(9), true), "never outranks stale");
        let picked = StatusOverride {
            until: Some(d(20)),
            ..ov.clone()
        };
        assert!(picked.stands(d(20), d(9), false) && !picked.stands(d(21), d(9), false));
        assert_eq!(
            StatusOverride {
                until: Some(d(1)),
                ..ov.clone()
            }
            .validated(d(2))
            .unwrap_err()
            .field,
            "until"
        );
        // The organisation's day decides, not UTC's: set late on the 1st west of UTC (already
        // the 2nd in UTC), the 1st is still today.
        let west = StatusOverride {
            until: Some(d(1)),
            set_at: d(2).and_hms_opt(3, 0, 0).unwrap().and_utc(),
            ..ov
        };
        assert!(west.validated(d(1)).is_ok());
    }

    #[test]
    fn worst_and_bands() {
        assert_eq!(
            Status::worst([Status::OnTrack, Status::Stale, Status::AtRisk]),
            Some(Status::Stale)
        );
        assert_eq!(
            Status::worst([Status::OnTrack, Status::OffTrack, Status::Stale]),
            Some(Status::OffTrack)
        );
        assert_eq!(Status::worst([]), None);
        assert_eq!(score_band(0.3), ScoreBand::Red);
        assert_eq!(score_band(0.4), ScoreBand::Yellow);
        assert_eq!(score_band(0.6), ScoreBand::Yellow);
        assert_eq!(score_band(0.7), ScoreBand::Green);
        // No gaps: every score between the bands' edges falls in one.
        assert_eq!(score_band(0.35), ScoreBand::Red);
        assert_eq!(score_band(0.65), ScoreBand::Yellow);
        assert_eq!(score_band(0.69), ScoreBand::Yellow);
        assert_eq!(score_band(1.0), ScoreBand::Green);
        assert!(is_success(0.7, true) && !is_success(0.7, false) && is_success(1.0, false));
        assert_eq!(suggested_score(0.84), 0.8);
        assert_eq!(suggested_score(1.3), 1.0);
    }

    #[test]
    fn the_record_as_it_stood_and_the_end_of_a_day() {
        use chrono::TimeZone;
        let mut kr = crate::key_result::tests::kr(crate::MetricKind::Increase, 10.0, 60.0);
        kr.current = 50.0;
        let t = |d| chrono::Utc.with_ymd_and_hms(2026, 11, d, 9, 0, 0).unwrap();
        let readings = [(t(2), 20.0), (t(9), 50.0)];
        assert_eq!(
            value_at(&kr, &readings, t(1)).current,
            10.0,
            "its start value"
        );
        assert_eq!(value_at(&kr, &readings, t(5)).current, 20.0);
        assert_eq!(value_at(&kr, &readings, t(9)).current, 50.0);
        let mut settings = crate::OrgSettings::default();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
        settings.time_zone = "UTC".into();
        assert_eq!(
            end_of_day(&settings, day),
            chrono::Utc.with_ymd_and_hms(2026, 11, 6, 0, 0, 0).unwrap()
                - chrono::Duration::microseconds(1)
        );
        // East of UTC the day ends earlier in UTC.
        settings.time_zone = "Europe/Paris".into();
        assert_eq!(
            end_of_day(&settings, day),
            chrono::Utc.with_ymd_and_hms(2026, 11, 5, 23, 0, 0).unwrap()
                - chrono::Duration::microseconds(1)
        );
    }

    #[test]
    fn scores_and_calibration() {
        assert!(
            (objective_score([(1.0, Some(1.0)), (3.0, Some(0.6))]).unwrap() - 0.7).abs() < 1e-9
        );
        assert_eq!(objective_score([(1.0, Some(1.0)), (1.0, None)]), None);
        assert_eq!(objective_score([]), None);
        assert_eq!(calibration(0.9, 0.4), Calibration::OverConfident);
        assert_eq!(calibration(0.2, 0.7), Calibration::UnderConfident);
        assert_eq!(calibration(0.7, 0.6), Calibration::Calibrated);
        assert_eq!(confidence_share(ConfidenceScale::ThreeLevel, 2), 0.5);
        assert_eq!(confidence_share(ConfidenceScale::ZeroToTen, 7), 0.7);
        use ConfidenceScale::{ThreeLevel, ZeroToTen};
        assert_eq!(rescale(8, ZeroToTen, ThreeLevel), 3);
        assert_eq!(rescale(3, ZeroToTen, ThreeLevel), 2);
        assert_eq!(rescale(0, ZeroToTen, ThreeLevel), 1);
        assert_eq!(rescale(2, ThreeLevel, ZeroToTen), 5);
        assert_eq!(rescale(1, ThreeLevel, ZeroToTen), 0);
        assert_eq!(rescale(7, ZeroToTen, ZeroToTen), 7);
        for c in 0..=10 {
            assert!((1..=3).contains(&rescale(c, ZeroToTen, ThreeLevel)));
        }
        assert_eq!(trend(&[5, 7]), Trend::Rising);
        assert_eq!(trend(&[8, 7, 4]), Trend::Falling);
        assert_eq!(trend(&[3]), Trend::Unknown);
    }

    proptest! {
        #[test]
        fn suggested_scores_are_in_range(x in -10.0f64..10.0) {
            let s = suggested_score(x);
            prop_assert!((0.0..=1.0).contains(&s));
        }
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        let settings = crate::OrgSettings {
            time_zone: "Pacific/Auckland".into(),
            ..Default::default()
        };
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        // New Zealand daylight time is UTC+13: its 7 December begins on 6 December, 11:00 UTC.
        let start = start_of_day(&settings, day);
        assert_eq!(
            start,
            chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
                .unwrap()
                .and_hms_opt(11, 0, 0)
                .unwrap()
                .and_utc()
        );
        assert_eq!(settings.local_date(start), day);
        assert_eq!(
            end_of_day(&settings, day - chrono::Days::new(1)),
            start - chrono::Duration::microseconds(1)
        );
        // Santiago skips midnight when its clocks go forward (6 September 2026).
        let chile = crate::OrgSettings {
            time_zone: "America/Santiago".into(),
            ..Default::default()
        };
        let skipped = chrono::NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        assert_eq!(chile.local_date(start_of_day(&chile, skipped)), skipped);
    }
}
