//! Weekly check-in histories, shared by the hand-written and the synthetic organisations: values
//! that move at a given pace, confidence that follows, notes in the words owners use ("The weekly
//! rhythm", "Status and pace").

use crate::clock::{days, Clock};
use chrono::{Duration, NaiveDate};
use keel_domain::*;
use rand::rngs::StdRng;
use rand::Rng;

const NOTES_ON_TRACK: &[&str] = &[
    "On track.",
    "Good week: moving as planned.",
    "Steady progress, no blockers.",
    "Slightly ahead of plan this week.",
    "The change we were waiting for landed; the number moved.",
];
const NOTES_AT_RISK: &[&str] = &[
    "Slower than planned; reviewing initiatives on Friday.",
    "At risk: waiting on a dependency from another team.",
    "Progress stalled this week, we need a decision on scope.",
    "Mixed week: one initiative is clearly not moving the number.",
];
const NOTES_OFF_TRACK: &[&str] = &[
    "Off track. Raising it at the review.",
    "No movement again; we need a different approach.",
    "Blocked, escalating to the sponsor.",
    "This needs a new plan, not more effort.",
];

pub(crate) fn note_for(confidence: u8, rng: &mut StdRng) -> &'static str {
    let pool = match confidence {
        0..=3 => NOTES_OFF_TRACK,
        4..=6 => NOTES_AT_RISK,
        _ => NOTES_ON_TRACK,
    };
    pool[rng.gen_range(0..pool.len())]
}

pub(crate) fn round_to(v: f64, step: f64) -> f64 {
    let r = (v / step).round() * step;
    // Keep values like 0.1 * 3 printable as 0.3.
    (r * 1e6).round() / 1e6
}

/// How a key result's weekly history unfolds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Trend {
    /// 1.0 is on pace (progress equals the share of the cycle elapsed); 0.4 is badly behind;
    /// above 1 finishes early.
    pub(crate) health: f64,
    /// Weeks since the last check-in, beyond the usual "within the last 7 days".
    pub(crate) stale_weeks: i64,
}

/// One reading of a key result's metric at progress `p` (for stay kinds, `health` decides).
pub(crate) fn metric_value(kr: &KeyResult, step: f64, p: f64, health: f64, noise: f64) -> f64 {
    let (start, target) = (kr.start, kr.target);
    match kr.metric_kind {
        MetricKind::Increase | MetricKind::Decrease => round_to(start + (target - start) * p, step),
        MetricKind::StayAbove | MetricKind::StayBelow => {
            let spread = if start != target {
                (start - target).abs()
            } else {
                target.abs() * 0.05 + step
            };
            let margin = spread * (health.min(1.2) - 0.45 + noise * 0.4);
            if kr.metric_kind == MetricKind::StayAbove {
                round_to(target + margin, step)
            } else {
                round_to(target - margin, step)
            }
        }
        MetricKind::Boolean => f64::from(u8::from(p >= 1.0)),
        MetricKind::Milestone => {
            let n = kr.milestones.len() as f64;
            (p * n).floor().clamp(0.0, n)
        }
    }
}

/// Appends weekly check-ins on `kr` between `first_day` and `last_day` (both inclusive), and moves
/// the key result to the latest one. `elapsed` gives the share of the cycle elapsed on a day.
#[allow(clippy::too_many_arguments)]
pub(crate) fn weekly_history(
    kr: &mut KeyResult,
    check_ins: &mut Vec<CheckIn>,
    trend: Trend,
    step: f64,
    first_day: NaiveDate,
    last_day: NaiveDate,
    elapsed: impl Fn(NaiveDate) -> f64,
    last_note: Option<&str>,
    note_share: f64,
    clock: Clock,
    rng: &mut StdRng,
) {
    if last_day < first_day {
        return;
    }
    let weeks = (last_day - first_day).num_days() / 7;
    let first = last_day - days(7 * weeks);
    let n = weeks + 1;
    let final_conf = (trend.health.clamp(0.0, 1.1) * 9.0).round();
    let monotone = matches!(kr.metric_kind, MetricKind::Boolean | MetricKind::Milestone);
    let mut prev = f64::MIN;
    let author = Some(kr.owner_id.clone());
    for k in 0..n {
        let day = first + days(7 * k);
        let is_last = k == n - 1;
        let noise: f64 = rng.gen_range(-1.0..1.0);
        let p = trend.health * elapsed(day) + noise * 0.03;
        let mut value = metric_value(kr, step, p, trend.health, noise);
        if monotone {
            value = value.max(prev);
        }
        prev = value;
        let t = if n > 1 {
            k as f64 / (n - 1) as f64
        } else {
            1.0
        };
        // Certainty (10) is for what is already done.
        let done = value == kr.target
            && matches!(kr.metric_kind, MetricKind::Boolean | MetricKind::Milestone);
        let conf = if is_last {
            if done {
                final_conf
            } else {
                final_conf.min(9.0)
            }
        } else {
            (7.0 + (final_conf - 7.0) * t + f64::from(rng.gen_range(-1i8..=1))).round()
        }
        .clamp(0.0, 10.0) as u8;
        let note = match (is_last, last_note) {
            (true, Some(text)) => text.to_string(),
            _ if rng.gen_bool(note_share) => note_for(conf, rng).to_string(),
            _ => String::new(),
        };
        let at = clock.at(day, 9, 0) + Duration::minutes(rng.gen_range(0..8 * 60));
        check_ins.push(CheckIn {
            id: CheckInId::generate(),
            key_result_id: kr.id.clone(),
            value,
            confidence: Confidence::new(i64::from(conf), ConfidenceScale::ZeroToTen)
                .expect("confidence within 0..=10"),
            note,
            author_id: author.clone(),
            at,
            created_at: at,
            corrects: None,
            retracted: None,
            source: None,
            scale: ConfidenceScale::ZeroToTen,
        });
        if is_last {
            kr.apply_value(value)
                .expect("generated value fits the metric");
            kr.confidence = Some(conf);
            kr.last_check_in_at = Some(at);
            kr.updated_at = at;
        }
    }
}
