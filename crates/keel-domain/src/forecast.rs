//! Where a key result will land at the end of its time: the forecast, as a range.
//!
//! Why its own module: a forecast people can trust must respect what is being measured. A yes/no
//! or milestone key result moves in steps and a "stay above/below" one holds or does not, so they
//! are said as what they are, never as a trend line; only numeric kinds (increase, decrease) get
//! a trend. The trend starts from the key result's start value on the day it became active (not
//! the cycle's first day), is robust to one mistyped reading (Theil–Sen: the median of pairwise
//! slopes), is bounded ([`MIN`]–[`MAX`] of the target), and is withheld until there are
//! [`MIN_READINGS`] readings spanning at least [`MIN_SPAN_DAYS`] days. See *Forecast* in
//! docs/method.md.

use crate::key_result::MetricKind;
use serde::Serialize;
use utoipa::ToSchema;

/// Readings a trend needs before it says anything.
pub const MIN_READINGS: usize = 3;
/// Days the readings of a trend must span, first to last.
pub const MIN_SPAN_DAYS: f64 = 7.0;
/// The lowest forecast attainment: back at the start value.
pub const MIN: f64 = 0.0;
/// The highest forecast attainment: twice the distance to the target. Beyond it a straight line
/// says nothing anyone should plan on.
pub const MAX: f64 = 2.0;

/// A forecast of attainment at the end (1.0 = the target reached), with a range around it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Forecast {
    /// The most likely attainment at the end.
    pub expected: f64,
    /// The lower end of the likely range (`low <= expected <= high`).
    pub low: f64,
    /// The upper end of the likely range.
    pub high: f64,
}

impl Forecast {
    fn exactly(v: f64) -> Self {
        Self {
            expected: v,
            low: v,
            high: v,
        }
    }
}

/// The forecast of a key result of `kind` from its readings `(day, attainment)`, oldest first,
/// where day 0 is the day it became active and `start` its attainment then (the start value's:
/// 0 for numeric kinds); `end_day` is its last day. `None` when there is nothing to say yet: no
/// reading at all, or (for numeric kinds) fewer than [`MIN_READINGS`] spanning
/// [`MIN_SPAN_DAYS`].
///
/// - boolean: done is done (1.0 exactly); not done yet reads 0 with a range up to 1.0 ("done or
///   not");
/// - milestone: the share done so far, with a range up to every milestone done while time is
///   left (milestones are steps, not a slope);
/// - stay above/below: holding now (1.0) or not (0.0), with the range of how it held so far;
/// - increase/decrease: the robust trend from `(0, start)` through the readings, read at
///   `end_day`; the range from the quartiles of the pairwise slopes.
pub fn forecast(
    kind: MetricKind,
    start: f64,
    readings: &[(f64, f64)],
    end_day: f64,
) -> Option<Forecast> {
    let &(last_day, latest) = readings.last()?;
    let time_left = end_day > last_day;
    let f = match kind {
        MetricKind::Boolean if latest >= 1.0 - 1e-9 => Forecast::exactly(1.0),
        MetricKind::Boolean => Forecast {
            expected: 0.0,
            low: 0.0,
            high: if time_left { 1.0 } else { 0.0 },
        },
        MetricKind::Milestone => Forecast {
            expected: latest,
            low: latest,
            high: if time_left { latest.max(1.0) } else { latest },
        },
        MetricKind::StayAbove | MetricKind::StayBelow => {
            let held = |f: fn(f64, f64) -> f64| readings.iter().map(|r| r.1).fold(latest, f);
            Forecast {
                expected: latest,
                low: held(f64::min),
                high: held(f64::max),
            }
        }
        MetricKind::Increase | MetricKind::Decrease => trend(start, readings, end_day)?,
    };
    Some(bounded(f))
}

/// The robust trend of numeric readings, anchored at `(0, start)`.
fn trend(start: f64, readings: &[(f64, f64)], end_day: f64) -> Option<Forecast> {
    let first = readings.first()?.0;
    let last = readings.last()?.0;
    if readings.len() < MIN_READINGS || last - first < MIN_SPAN_DAYS {
        return None;
    }
    let mut points = Vec::with_capacity(readings.len() + 1);
    // The start value at its start, unless a reading on or before that day says otherwise.
    if first > 0.0 {
        points.push((0.0, start));
    }
    points.extend_from_slice(readings);
    let mut slopes = vec![];
    for (i, a) in points.iter().enumerate() {
        for b in &points[i + 1..] {
            if (b.0 - a.0).abs() > 1e-9 {
                slopes.push((b.1 - a.1) / (b.0 - a.0));
            }
        }
    }
    if slopes.is_empty() {
        return None;
    }
    slopes.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let slope = quantile(&slopes, q);
        let mut intercepts: Vec<f64> = points.iter().map(|p| p.1 - slope * p.0).collect();
        intercepts.sort_by(f64::total_cmp);
        quantile(&intercepts, 0.5) + slope * end_day
    };
    let (low, expected, high) = (at(0.25), at(0.5), at(0.75));
    Some(Forecast {
        expected,
        low: low.min(expected),
        high: high.max(expected),
    })
}

/// The `q` quantile of sorted values (linear between neighbours).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    match sorted.get(i + 1) {
        Some(next) => sorted[i] + (next - sorted[i]) * frac,
        None => sorted[i],
    }
}

fn bounded(f: Forecast) -> Forecast {
    let b = |v: f64| {
        if v.is_finite() {
            v.clamp(MIN, MAX)
        } else {
            MIN
        }
    };
    Forecast {
        expected: b(f.expected),
        low: b(f.low),
        high: b(f.high),
    }
}

/// The forecast in words, as a range of the target: "between 80 % and 95 % of its target",
/// "done", "not done yet: done or not by the end".
pub fn in_words(kind: MetricKind, f: &Forecast) -> String {
    let pct = |v: f64| format!("{:.0} %", v * 100.0);
    match kind {
        MetricKind::Boolean if f.expected >= 1.0 - 1e-9 => "done".into(),
        MetricKind::Boolean if f.high > 0.0 => "not done yet: done or not by the end".into(),
        MetricKind::Boolean => "not done".into(),
        MetricKind::StayAbove | MetricKind::StayBelow if f.expected >= 1.0 - 1e-9 => {
            "holding its line now".into()
        }
        MetricKind::StayAbove | MetricKind::StayBelow => "not holding its line now".into(),
        _ if (f.high - f.low).abs() < 0.005 => format!("about {} of its target", pct(f.expected)),
        _ => format!(
            "between {} and {} of its target (most likely {})",
            pct(f.low),
            pct(f.high),
            pct(f.expected)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_finished_yes_no_is_done_not_142_percent() {
        let f = forecast(MetricKind::Boolean, 0.0, &[(2.0, 0.0), (4.0, 1.0)], 90.0).unwrap();
        assert_eq!(f, Forecast::exactly(1.0));
        assert_eq!(in_words(MetricKind::Boolean, &f), "done");
        let open = forecast(MetricKind::Boolean, 0.0, &[(2.0, 0.0)], 90.0).unwrap();
        assert_eq!((open.expected, open.low, open.high), (0.0, 0.0, 1.0));
    }

    #[test]
    fn milestones_are_steps_not_a_slope() {
        let f = forecast(
            MetricKind::Milestone,
            0.0,
            &[(5.0, 0.25), (10.0, 0.5)],
            90.0,
        )
        .unwrap();
        assert_eq!((f.expected, f.low, f.high), (0.5, 0.5, 1.0));
    }

    #[test]
    fn a_line_to_hold_is_holding_or_not() {
        let f = forecast(
            MetricKind::StayAbove,
            0.0,
            &[(5.0, 1.0), (10.0, 0.0), (20.0, 1.0)],
            90.0,
        )
        .unwrap();
        assert_eq!((f.expected, f.low, f.high), (1.0, 0.0, 1.0));
        assert_eq!(in_words(MetricKind::StayAbove, &f), "holding its line now");
    }

    #[test]
    fn no_trend_below_the_minimum_readings() {
        // Two readings a day apart would forecast thousands of percent: none at all.
        assert_eq!(
            forecast(MetricKind::Increase, 0.0, &[(1.0, 0.1), (2.0, 0.5)], 90.0),
            None
        );
        // Three readings, but within less than a week.
        assert_eq!(
            forecast(
                MetricKind::Increase,
                0.0,
                &[(1.0, 0.1), (3.0, 0.2), (6.0, 0.3)],
                90.0
            ),
            None
        );
        assert_eq!(forecast(MetricKind::Increase, 0.0, &[], 90.0), None);
    }

    #[test]
    fn the_trend_starts_from_the_start_value_at_its_start() {
        // Active on day 0 at 0; a steady 1 % a day reaches 90 % on day 90.
        let f = forecast(
            MetricKind::Increase,
            0.0,
            &[(10.0, 0.1), (20.0, 0.2), (30.0, 0.3)],
            90.0,
        )
        .unwrap();
        assert!((f.expected - 0.9).abs() < 1e-9, "{f:?}");
        assert!((f.low - 0.9).abs() < 1e-9 && (f.high - 0.9).abs() < 1e-9);
        assert_eq!(
            in_words(MetricKind::Increase, &f),
            "about 90 % of its target"
        );
    }

    #[test]
    fn one_early_typo_does_not_steer_the_rest() {
        // A typo of 10x the target on day 3, then steady progress.
        let f = forecast(
            MetricKind::Increase,
            0.0,
            &[
                (3.0, 10.0),
                (10.0, 0.1),
                (20.0, 0.2),
                (30.0, 0.3),
                (40.0, 0.4),
            ],
            90.0,
        )
        .unwrap();
        assert!((f.expected - 0.9).abs() < 0.05, "{f:?}");
    }

    #[test]
    fn the_forecast_is_bounded_and_a_range() {
        let f = forecast(
            MetricKind::Increase,
            0.0,
            &[(1.0, 0.5), (5.0, 2.0), (9.0, 5.0)],
            90.0,
        )
        .unwrap();
        assert_eq!(f.expected, MAX);
        let f = forecast(
            MetricKind::Decrease,
            0.0,
            &[(10.0, -0.5), (20.0, -0.9), (30.0, -1.5)],
            90.0,
        )
        .unwrap();
        assert_eq!(f.expected, MIN);
        let f = forecast(
            MetricKind::Increase,
            0.0,
            &[(10.0, 0.05), (20.0, 0.3), (30.0, 0.35), (40.0, 0.6)],
            90.0,
        )
        .unwrap();
        assert!(f.low < f.expected && f.expected < f.high, "{f:?}");
        assert!(in_words(MetricKind::Increase, &f).starts_with("between "));
    }

    proptest! {
        #[test]
        fn always_ordered_and_within_bounds(
            ys in proptest::collection::vec(-1e6f64..1e6, 0..12),
            end in 0.0f64..400.0,
        ) {
            let readings: Vec<(f64, f64)> =
                ys.iter().enumerate().map(|(i, y)| (i as f64 * 4.0, *y)).collect();
            for kind in [MetricKind::Increase, MetricKind::StayBelow, MetricKind::Milestone] {
                if let Some(f) = forecast(kind, 0.0, &readings, end) {
                    prop_assert!(f.low <= f.expected && f.expected <= f.high);
                    prop_assert!(f.low >= MIN && f.high <= MAX);
                }
            }
        }

        #[test]
        fn a_perfect_line_is_forecast_exactly(b in 0.0f64..0.02, n in 3usize..15) {
            let pts: Vec<(f64, f64)> = (1..=n).map(|i| (i as f64 * 7.0, b * i as f64 * 7.0)).collect();
            let f = forecast(MetricKind::Increase, 0.0, &pts, 91.0).unwrap();
            prop_assert!((f.expected - (b * 91.0).clamp(MIN, MAX)).abs() < 1e-6);
        }
    }
}
