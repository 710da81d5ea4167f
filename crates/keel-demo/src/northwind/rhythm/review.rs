//! Yesterday's review of the Platform team's OKRs ("The weekly rhythm", "Status and pace"): each
//! item's status, trend and flags derived from the key results as the server derives them, with
//! the owner's notes and the decisions taken.

use crate::clock::days;
use crate::northwind::builder::Org;
use crate::northwind::okrs::Story;
use chrono::{Duration, NaiveDate};
use keel_domain::*;
use std::collections::HashMap;

/// When the review was held and what its statuses are measured against.
struct Setting {
    settings: OrgSettings,
    current: Cycle,
    review_at: Timestamp,
    held_on: NaiveDate,
}

/// One key result as the review sees it: status and why, the flags it raises, and whether its
/// confidence rises (1), falls (-1) or neither (0).
struct Assessed {
    status: rhythm::Status,
    why: String,
    flags: Vec<String>,
    moves: i32,
}

/// Adds the review of the Platform team's active objectives of the current quarter.
pub(super) fn platform_review(org: &mut Org, story: &Story) {
    let review_at = org.clock.at(org.today - days(1), 17, 30);
    let setting = Setting {
        settings: org.snap.settings.clone().unwrap_or_default(),
        current: org.snap.cycles[org.current].clone(),
        review_at,
        // Dates follow the (possibly shifted) timestamps, so that nothing is dated in the future.
        held_on: review_at.date_naive(),
    };
    let team = org.teams["platform"].clone();
    let names: HashMap<PersonId, String> = org
        .snap
        .people
        .iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    let view: &Org = org;
    let items = view
        .snap
        .objectives
        .iter()
        .filter(|o| {
            o.cycle_id == setting.current.id
                && o.state == ObjectiveState::Active
                && o.team_ids.contains(&team)
        })
        .map(|o| review_item(view, o, &setting, &names, story))
        .collect();
    org.snap.reviews.push(review::Review {
        id: ReviewId::generate(),
        team_id: team,
        held_on: setting.held_on,
        run_by: Some(org.p("ravi")),
        items,
        created_at: review_at,
        updated_at: review_at + Duration::minutes(45),
        version: 2,
    });
}

/// The review's item for one objective: the worst of its key results, flags, notes, decisions.
fn review_item(
    org: &Org,
    o: &Objective,
    setting: &Setting,
    names: &HashMap<PersonId, String>,
    story: &Story,
) -> review::ReviewItem {
    let krs: Vec<&KeyResult> = org
        .snap
        .key_results
        .iter()
        .filter(|k| k.objective_id == o.id)
        .collect();
    let mut assessed = vec![];
    let mut flags = vec![];
    let mut moves = 0i32;
    for k in &krs {
        let a = assess(org, k, setting);
        moves += a.moves;
        flags.extend(a.flags);
        assessed.push((a.status, a.why));
    }
    let worst =
        rhythm::Status::worst(assessed.iter().map(|(s, _)| *s)).unwrap_or(rhythm::Status::OffTrack);
    let n = assessed.iter().filter(|(s, _)| *s == worst).count();
    let why = assessed
        .iter()
        .find(|(s, _)| *s == worst)
        .map(|(_, w)| w.clone())
        .unwrap_or_default();
    let status_reason = format!(
        "the worst of its key results ({n} of {}): {why}",
        assessed.len()
    );
    if worst != rhythm::Status::OnTrack {
        flags.insert(0, format!("{}: {status_reason}", status_words(worst)));
    }
    let (notes, decisions) = notes_and_decisions(o.id == story.elisa, worst);
    review::ReviewItem {
        objective_id: o.id.clone(),
        title: o.title.clone(),
        owner_id: o.owner_id.clone(),
        owner_name: names.get(&o.owner_id).cloned().unwrap_or_default(),
        progress: progress::objective(krs.iter().map(|k| (k.weight, k.progress().progress))),
        progress_change: None,
        status: worst,
        status_reason,
        confidence_trend: if krs.is_empty() {
            rhythm::Trend::Unknown
        } else {
            match moves.signum() {
                1 => rhythm::Trend::Rising,
                -1 => rhythm::Trend::Falling,
                _ => rhythm::Trend::Steady,
            }
        },
        flags,
        notes: notes.into(),
        decisions: decisions.into(),
    }
}

/// A key result's status at the review, its confidence trend and what it flags (stale or off
/// track; forecast under 70%).
fn assess(org: &Org, k: &KeyResult, setting: &Setting) -> Assessed {
    let Setting {
        settings,
        current,
        review_at,
        held_on,
    } = setting;
    let history: Vec<&CheckIn> = org
        .snap
        .check_ins
        .iter()
        .filter(|c| c.key_result_id == k.id)
        .collect();
    let since = k.last_check_in_at.unwrap_or(k.created_at);
    let (status, why) = rhythm::key_result_status(&rhythm::StatusInput {
        closed: false,
        draft: false,
        awaiting_owner: false,
        days_silent: (*review_at - since).num_days().max(0),
        days_active: (*review_at - k.created_at).num_days().max(0),
        owner_checked_in: k.last_check_in_at.is_some(),
        cadence_days: i64::from(settings.rhythm.cadence_days),
        grace_days: i64::from(settings.rhythm.grace_days),
        confidence: k.confidence,
        scale: settings.confidence_scale,
        progress: k.progress().progress,
        elapsed: current.elapsed_share(*held_on),
    });
    let confidences: Vec<u8> = history.iter().map(|c| c.confidence.value()).collect();
    let moves = match rhythm::trend(&confidences) {
        rhythm::Trend::Rising => 1,
        rhythm::Trend::Falling => -1,
        _ => 0,
    };
    let points: Vec<(f64, f64)> = history
        .iter()
        .map(|c| {
            (
                (c.at.date_naive() - current.starts_on).num_days() as f64,
                attainment_at(k, c.value),
            )
        })
        .collect();
    let end = (current.ends_on - current.starts_on).num_days() as f64;
    let mut flags = vec![];
    if matches!(status, rhythm::Status::Stale | rhythm::Status::OffTrack) {
        flags.push(format!("'{}': {why}", k.title));
    }
    let start = attainment_at(k, k.start);
    let f = keel_domain::forecast::forecast(k.metric_kind, start, &points, end);
    if let Some(f) = f.map(|f| f.expected).filter(|f| *f < 0.7) {
        flags.push(format!(
            "'{}' is forecast to reach {:.0}% by the end of the cycle",
            k.title,
            f * 100.0
        ));
    }
    Assessed {
        status,
        why,
        flags,
        moves,
    }
}

/// What was said and decided about an objective: Elisa's own words for hers, else by status.
fn notes_and_decisions(elisas: bool, worst: rhythm::Status) -> (&'static str, &'static str) {
    if elisas {
        return (
            "Elisa presented: half the scheduled reports run on the new pipeline. Ravi's \
             migration key result is on pace; Kenji's depends on the latency work.",
            "Elisa keeps the objective and chairs the Thursday sync; Kenji brings a date for \
             the data team's slot to the next review.",
        );
    }
    match worst {
        rhythm::Status::OnTrack => ("On plan.", "Nothing to decide."),
        rhythm::Status::Stale => (
            "No check-in for weeks: the number on screen is old.",
            "The owner checks in before Friday.",
        ),
        _ => (
            "Behind plan; the owner walked us through why.",
            "Review the initiatives at the next 1:1 and drop one that is not moving it.",
        ),
    }
}

/// The share of its target a key result reached at `value` (a milestone key result counts the
/// milestones reached): the forecast's input, computed as the server computes it.
fn attainment_at(kr: &KeyResult, value: f64) -> f64 {
    match kr.metric_kind {
        MetricKind::Milestone if !kr.milestones.is_empty() => {
            (value / kr.milestones.len() as f64).clamp(0.0, 1.0)
        }
        _ => {
            progress::key_result(kr.metric_kind, kr.start, kr.target, value, &kr.milestones)
                .attainment
        }
    }
}

/// A status in words, as review flags show it.
fn status_words(s: rhythm::Status) -> &'static str {
    match s {
        rhythm::Status::OnTrack => "on track",
        rhythm::Status::AtRisk => "at risk",
        rhythm::Status::OffTrack => "off track",
        rhythm::Status::Stale => "stale",
        rhythm::Status::Closed => "closed",
        rhythm::Status::NotStarted => "not started",
        rhythm::Status::AwaitingOwner => "awaiting its owner",
        rhythm::Status::Draft => "a draft",
    }
}
