//! Progress math: how far a key result is, and how far its objective is.
//!
//! An objective's progress is the weighted mean of its key results'; where the progress roll-up
//! applies (docs/method.md, "Progress roll-up"), of its key results and its aligned children
//! ([`rolled_up`], the one rule every page and the API read).
//!
//! `progress` is what dashboards show, clamped to [0, 1]. `attainment` is the unclamped ratio, so
//! that overshooting (1.3) or sliding backwards (-0.2) stays visible for scoring and analysis;
//! it is bounded to ±[`MAX_ATTAINMENT`] so that a tiny span between start and target can never
//! make it infinite (values themselves are bounded by `text::finite`).

use crate::key_result::{MetricKind, Milestone};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Progress {
    /// In [0, 1].
    pub progress: f64,
    /// Unclamped.
    pub attainment: f64,
}

/// The largest attainment reported, either way (100,000 %): beyond it the number means nothing.
pub const MAX_ATTAINMENT: f64 = 1000.0;

impl Progress {
    fn from_attainment(attainment: f64) -> Self {
        let attainment = if attainment.is_nan() {
            0.0
        } else {
            attainment.clamp(-MAX_ATTAINMENT, MAX_ATTAINMENT)
        };
        Self {
            progress: attainment.clamp(0.0, 1.0),
            attainment,
        }
    }
}

/// The progress of one key result from its metric.
pub fn key_result(
    kind: MetricKind,
    start: f64,
    target: f64,
    current: f64,
    milestones: &[Milestone],
) -> Progress {
    let attainment = match kind {
        MetricKind::Increase | MetricKind::Decrease => {
            let span = target - start;
            if span == 0.0 {
                // Refused at validation; never divide by zero if old data has it.
                0.0
            } else {
                (current - start) / span
            }
        }
        MetricKind::StayAbove => f64::from(u8::from(current >= target)),
        MetricKind::StayBelow => f64::from(u8::from(current <= target)),
        MetricKind::Boolean => f64::from(u8::from(current >= 1.0)),
        MetricKind::Milestone => {
            if milestones.is_empty() {
                0.0
            } else {
                milestones.iter().filter(|m| m.done).count() as f64 / milestones.len() as f64
            }
        }
    };
    Progress::from_attainment(attainment)
}

/// The weight-averaged progress of an objective's key results: `(weight, progress)` pairs.
/// 0 when there are none.
pub fn objective(key_results: impl IntoIterator<Item = (f64, f64)>) -> f64 {
    let (sum, weights) = key_results
        .into_iter()
        .filter(|(w, _)| *w > 0.0)
        .fold((0.0, 0.0), |(s, ws), (w, p)| (s + w * p, ws + w));
    if weights == 0.0 {
        0.0
    } else {
        (sum / weights).clamp(0.0, 1.0)
    }
}

/// The weight a child objective counts with in a roll-up (a child key result counts with its own
/// weight).
pub const CHILD_OBJECTIVE_WEIGHT: f64 = 1.0;

/// An objective's progress with its aligned children (docs/method.md, "Progress roll-up"): the
/// weighted mean of its own key results' `(weight, progress)` and its children's, each child a
/// key result with its own weight or an objective with [`CHILD_OBJECTIVE_WEIGHT`] and its own
/// progress (its key results', not rolled up further). The caller passes only the children that
/// count (public, active, owner accepted, not the objective's own key results); without
/// children it is [`objective`].
pub fn rolled_up(
    key_results: impl IntoIterator<Item = (f64, f64)>,
    children: impl IntoIterator<Item = (f64, f64)>,
) -> f64 {
    objective(key_results.into_iter().chain(children))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn increase_and_decrease() {
        let p = key_result(MetricKind::Increase, 32.0, 55.0, 43.5, &[]);
        assert!((p.progress - 0.5).abs() < 1e-9);
        let p = key_result(MetricKind::Decrease, 100.0, 50.0, 75.0, &[]);
        assert!((p.progress - 0.5).abs() < 1e-9);
        let p = key_result(MetricKind::Increase, 0.0, 10.0, 13.0, &[]);
        assert_eq!(p.progress, 1.0);
        assert!((p.attainment - 1.3).abs() < 1e-9);
        let p = key_result(MetricKind::Decrease, 100.0, 50.0, 110.0, &[]);
        assert_eq!(p.progress, 0.0);
        assert!((p.attainment + 0.2).abs() < 1e-9);
    }

    #[test]
    fn thresholds_boolean_milestones() {
        assert_eq!(
            key_result(MetricKind::StayAbove, 0.0, 99.9, 99.95, &[]).progress,
            1.0
        );
        assert_eq!(
            key_result(MetricKind::StayAbove, 0.0, 99.9, 99.0, &[]).progress,
            0.0
        );
        assert_eq!(
            key_result(MetricKind::StayBelow, 0.0, 200.0, 180.0, &[]).progress,
            1.0
        );
        assert_eq!(
            key_result(MetricKind::StayBelow, 0.0, 200.0, 201.0, &[]).progress,
            0.0
        );
        assert_eq!(
            key_result(MetricKind::Boolean, 0.0, 1.0, 1.0, &[]).progress,
            1.0
        );
        assert_eq!(
            key_result(MetricKind::Boolean, 0.0, 1.0, 0.0, &[]).progress,
            0.0
        );
        let ms = [
            Milestone {
                title: "a".into(),
                done: true,
            },
            Milestone {
                title: "b".into(),
                done: false,
            },
            Milestone {
                title: "c".into(),
                done: true,
            },
            Milestone {
                title: "d".into(),
                done: false,
            },
        ];
        assert_eq!(
            key_result(MetricKind::Milestone, 0.0, 4.0, 2.0, &ms).progress,
            0.5
        );
    }

    #[test]
    fn objective_weighting() {
        assert_eq!(objective([]), 0.0);
        assert!((objective([(1.0, 1.0), (3.0, 0.0)]) - 0.25).abs() < 1e-9);
    }

    #[test]
    fn rolled_up_weights_children_beside_the_key_results() {
        // Two own key results (weights 1 and 3) at 100 % and 0 %, one child objective at 50 %
        // (weight 1) and one child key result at 100 % with weight 2: (1 + 0 + 0.5 + 2) / 7.
        let p = rolled_up(
            [(1.0, 1.0), (3.0, 0.0)],
            [(CHILD_OBJECTIVE_WEIGHT, 0.5), (2.0, 1.0)],
        );
        assert!((p - 3.5 / 7.0).abs() < 1e-9);
        assert_eq!(rolled_up([(1.0, 0.4)], []), objective([(1.0, 0.4)]));
        // Children alone still make a figure.
        assert!((rolled_up([], [(1.0, 0.25)]) - 0.25).abs() < 1e-9);
    }

    proptest! {
        #[test]
        fn rolled_up_stays_between_the_extremes(own in proptest::collection::vec((0.1f64..10.0, 0f64..=1.0), 0..6), kids in proptest::collection::vec((0.1f64..10.0, 0f64..=1.0), 1..6)) {
            let p = rolled_up(own.iter().copied(), kids.iter().copied());
            let all: Vec<f64> = own.iter().chain(&kids).map(|k| k.1).collect();
            let min = all.iter().copied().fold(f64::INFINITY, f64::min);
            let max = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(p >= min - 1e-9 && p <= max + 1e-9);
        }

        #[test]
        fn progress_is_clamped_and_consistent(start in -1e6f64..1e6, span in prop_oneof![-1e6f64..-1e-3, 1e-3f64..1e6], current in -1e7f64..1e7) {
            let target = start + span;
            let kind = if span > 0.0 { MetricKind::Increase } else { MetricKind::Decrease };
            let p = key_result(kind, start, target, current, &[]);
            prop_assert!((0.0..=1.0).contains(&p.progress));
            if (0.0..=1.0).contains(&p.attainment) {
                prop_assert!((p.progress - p.attainment).abs() < 1e-12);
            }
            // Reaching the target is exactly full attainment.
            let done = key_result(kind, start, target, target, &[]);
            prop_assert!((done.attainment - 1.0).abs() < 1e-9);
            // Standing still is zero.
            prop_assert_eq!(key_result(kind, start, target, start, &[]).attainment, 0.0);
        }

        #[test]
        fn progress_is_finite_for_every_value_validation_accepts(
            start in -1e15f64..=1e15, target in -1e15f64..=1e15, current in -1e15f64..=1e15,
            tiny in prop_oneof![Just(0.0), Just(1e-300), Just(f64::MIN_POSITIVE)],
        ) {
            for kind in [MetricKind::Increase, MetricKind::Decrease, MetricKind::StayAbove, MetricKind::StayBelow] {
                for t in [target, start + tiny] {
                    let p = key_result(kind, start, t, current, &[]);
                    prop_assert!(p.progress.is_finite() && p.attainment.is_finite(), "{kind:?} {start} {t} {current}");
                    prop_assert!(p.attainment.abs() <= MAX_ATTAINMENT);
                }
            }
        }

        #[test]
        fn moving_towards_the_target_never_lowers_progress(start in -1e3f64..1e3, span in 1e-2f64..1e3, a in 0f64..1.0, b in 0f64..1.0) {
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            let up = |f: f64| key_result(MetricKind::Increase, start, start + span, start + f * span, &[]).progress;
            prop_assert!(up(lo) <= up(hi) + 1e-12);
            let down = |f: f64| key_result(MetricKind::Decrease, start, start - span, start - f * span, &[]).progress;
            prop_assert!(down(lo) <= down(hi) + 1e-12);
        }

        #[test]
        fn objective_progress_is_between_min_and_max(krs in proptest::collection::vec((0.1f64..10.0, 0f64..=1.0), 1..12)) {
            let p = objective(krs.iter().copied());
            let min = krs.iter().map(|k| k.1).fold(f64::INFINITY, f64::min);
            let max = krs.iter().map(|k| k.1).fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(p >= min - 1e-9 && p <= max + 1e-9);
        }
    }
}
