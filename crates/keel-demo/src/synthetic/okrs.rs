//! The synthetic organisation's OKRs: objectives aligned to the manager's, key results of every
//! metric kind, and weekly check-in histories.

use super::tables::{METRICS, THEMES};
use super::{Layout, SPAN};
use crate::clock::{days, Clock};
use crate::history::{weekly_history, Trend};
use chrono::NaiveDate;
use keel_domain::*;
use keel_store::Snapshot;
use rand::rngs::StdRng;
use rand::Rng;

/// What generating the OKRs works on.
pub(super) struct Gen<'a> {
    pub snap: &'a mut Snapshot,
    pub rng: &'a mut StdRng,
    pub clock: Clock,
    pub today: NaiveDate,
    pub cycle: Cycle,
    pub layout: Layout,
}

/// An objective just created, as its key results need it.
struct Created {
    index: usize,
    state: ObjectiveState,
    ownership_state: OwnershipState,
    created_at: Timestamp,
}

/// Objectives and key results for the `n` people, in person order (reports after managers).
pub(super) fn add(g: &mut Gen<'_>, n: usize) {
    let expected_objectives = n + n / 5 + 1;
    g.snap.objectives.reserve(expected_objectives);
    g.snap.key_results.reserve(expected_objectives * 7 / 2);
    g.snap.check_ins.reserve(expected_objectives * 7 / 2 * 10);
    let created_at = g.clock.at(g.cycle.starts_on - days(7), 10, 0);
    // first_objective[p] / first_kr[p]: p's first objective and its first key result, the
    // alignment targets for p's reports. Reports always come after their manager.
    let mut first_objective: Vec<Option<usize>> = vec![None; n];
    let mut first_kr: Vec<Option<usize>> = vec![None; n];
    for p in 0..n {
        if g.layout.managers.is_empty() && n > 0 {
            break;
        }
        let count = 1 + usize::from(g.rng.gen_bool(0.2));
        for _ in 0..count {
            let o = objective(g, p, created_at, &first_objective, &first_kr);
            if first_objective[p].is_none() {
                first_objective[p] = Some(o.index);
            }
            for _ in 0..g.rng.gen_range(3..=4) {
                let ki = key_result(g, p, &o);
                if first_kr[p].is_none() {
                    first_kr[p] = Some(ki);
                }
            }
        }
    }
}

/// One objective of person `p`, aligned (often) to their manager's first objective or key result.
fn objective(
    g: &mut Gen<'_>,
    p: usize,
    created_at: Timestamp,
    first_objective: &[Option<usize>],
    first_kr: &[Option<usize>],
) -> Created {
    let Gen {
        snap,
        rng,
        cycle,
        layout,
        ..
    } = g;
    let cycle_id = &cycle.id;
    let Layout {
        team_count,
        team_ids,
        team_members,
        team_of,
        ..
    } = layout;
    let team = team_of[p];
    let owner = snap.people[p].id.clone();
    let mut teams = vec![team_ids[team].clone()];
    if rng.gen_bool(0.08) {
        for _ in 0..rng.gen_range(1..=3) {
            teams.push(team_ids[rng.gen_range(0..*team_count)].clone());
        }
        teams.sort();
        teams.dedup();
    }
    let manager = (p > 0).then(|| (p - 1) / SPAN);
    let mut parents = Vec::new();
    if let Some(m) = manager {
        if rng.gen_bool(0.7) {
            if rng.gen_bool(0.3) {
                if let Some(k) = first_kr[m] {
                    parents.push(ParentRef::KeyResult(snap.key_results[k].id.clone()));
                }
            } else if let Some(o) = first_objective[m] {
                parents.push(ParentRef::Objective(snap.objectives[o].id.clone()));
            }
        }
    }
    let sponsor_id = manager
        .filter(|_| rng.gen_bool(0.3))
        .map(|m| snap.people[m].id.clone());
    let members = &team_members[team];
    let mut contributor_ids: Vec<PersonId> = (0..rng.gen_range(0..=2))
        .map(|_| members[rng.gen_range(0..members.len())])
        .filter(|&c| c != p)
        .map(|c| snap.people[c].id.clone())
        .collect();
    contributor_ids.sort();
    contributor_ids.dedup();
    let roll: f64 = rng.gen();
    let state = if roll < 0.05 {
        ObjectiveState::Draft
    } else if roll < 0.07 {
        ObjectiveState::Closed
    } else {
        ObjectiveState::Active
    };
    let roll: f64 = rng.gen();
    let ownership_state = if roll < 0.04 {
        OwnershipState::Pending
    } else if roll < 0.05 {
        OwnershipState::Declined
    } else {
        OwnershipState::Accepted
    };
    let roll: f64 = rng.gen();
    let visibility = if roll < 0.05 {
        Visibility::Private
    } else if roll < 0.15 {
        Visibility::Team
    } else {
        Visibility::Public
    };
    let oi = snap.objectives.len();
    let objective_id = ObjectiveId::generate();
    snap.objectives.push(Objective {
        id: objective_id.clone(),
        title: format!(
            "{}: focus {}",
            THEMES[rng.gen_range(0..THEMES.len())],
            oi + 1
        ),
        description: String::new(),
        cycle_id: cycle_id.clone(),
        owner_id: owner.clone(),
        ownership_state,
        co_owner_ids: vec![],
        sponsor_id,
        contributor_ids,
        team_ids: teams,
        parents,
        kind: if rng.gen_bool(0.2) {
            ObjectiveKind::Aspirational
        } else {
            ObjectiveKind::Committed
        },
        state,
        visibility,
        progress_rollup: ProgressRollup::Inherit,
        created_at,
        updated_at: created_at,
        version: 1,
    });
    Created {
        index: oi,
        state,
        ownership_state,
        created_at,
    }
}

/// One key result of objective `o` (owned by `p` or a member of p's team), with its history.
fn key_result(g: &mut Gen<'_>, p: usize, o: &Created) -> usize {
    let Gen {
        snap,
        rng,
        clock,
        today,
        cycle,
        layout,
    } = g;
    let members = &layout.team_members[layout.team_of[p]];
    let owner = snap.people[p].id.clone();
    let objective_id = snap.objectives[o.index].id.clone();
    let (state, ownership_state, created_at) = (o.state, o.ownership_state, o.created_at);
    let starts_on = cycle.starts_on;
    let kr_owner = if rng.gen_bool(0.5) {
        p
    } else {
        members[rng.gen_range(0..members.len())]
    };
    let mut kr_contributors: Vec<PersonId> = (0..rng.gen_range(0..=2))
        .map(|_| members[rng.gen_range(0..members.len())])
        .filter(|&c| c != kr_owner)
        .map(|c| snap.people[c].id.clone())
        .collect();
    kr_contributors.sort();
    kr_contributors.dedup();
    let sponsor_id = (kr_owner != p && rng.gen_bool(0.1)).then(|| owner.clone());
    let metric = METRICS[rng.gen_range(0..METRICS.len())];
    let (kind, start, target, step, title) = metric_kind(rng, metric);
    let milestones = if kind == MetricKind::Milestone {
        (1..=target as usize)
            .map(|i| Milestone {
                title: format!("Stage {i}"),
                done: false,
            })
            .collect()
    } else {
        Vec::new()
    };
    let ki = snap.key_results.len();
    let mut kr = KeyResult {
        id: KeyResultId::generate(),
        objective_id: objective_id.clone(),
        title,
        description: String::new(),
        owner_id: snap.people[kr_owner].id.clone(),
        ownership_state: if ownership_state == OwnershipState::Accepted && rng.gen_bool(0.02) {
            OwnershipState::Pending
        } else {
            ownership_state
        },
        co_owner_ids: vec![],
        sponsor_id,
        contributor_ids: kr_contributors,
        team_ids: Vec::new(),
        metric_kind: kind,
        start,
        target,
        current: if kind == MetricKind::Milestone {
            0.0
        } else {
            start
        },
        unit: String::new(),
        weight: 1.0,
        milestones,
        confidence: None,
        financial: false,
        starts_on: None,
        ends_on: None,
        last_check_in_at: None,
        created_at,
        updated_at: created_at,
        version: 1,
    };
    if state != ObjectiveState::Draft {
        let trend = Trend {
            health: rng.gen_range(0.3..1.3),
            stale_weeks: if rng.gen_bool(0.05) {
                rng.gen_range(2..=5)
            } else {
                0
            },
        };
        let last_day = *today - days(rng.gen_range(1..=4)) - days(7 * trend.stale_weeks);
        let first_day = (last_day - days(7 * rng.gen_range(8..=10))).max(starts_on - days(6));
        weekly_history(
            &mut kr,
            &mut snap.check_ins,
            trend,
            step,
            first_day,
            last_day,
            |d| cycle.elapsed_share(d),
            None,
            0.3,
            *clock,
            rng,
        );
    }
    snap.key_results.push(kr);
    ki
}

/// The metric of a key result on `metric`: kind, start, target, resolution and title.
fn metric_kind(rng: &mut StdRng, metric: &str) -> (MetricKind, f64, f64, f64, String) {
    let roll: f64 = rng.gen();
    if roll < 0.4 {
        let s = f64::from(rng.gen_range(0..100u32));
        let t = s + f64::from(rng.gen_range(10..100u32));
        (
            MetricKind::Increase,
            s,
            t,
            1.0,
            format!("Increase {metric} from {s} to {t}"),
        )
    } else if roll < 0.6 {
        let s = f64::from(rng.gen_range(50..200u32));
        let t = s - f64::from(rng.gen_range(10..50u32));
        (
            MetricKind::Decrease,
            s,
            t,
            1.0,
            format!("Reduce {metric} from {s} to {t}"),
        )
    } else if roll < 0.7 {
        let t = f64::from(rng.gen_range(50..100u32));
        (
            MetricKind::StayAbove,
            t + 5.0,
            t,
            0.5,
            format!("Keep {metric} above {t}"),
        )
    } else if roll < 0.8 {
        let t = f64::from(rng.gen_range(5..50u32));
        (
            MetricKind::StayBelow,
            t - 3.0,
            t,
            0.5,
            format!("Keep {metric} below {t}"),
        )
    } else if roll < 0.9 {
        (
            MetricKind::Boolean,
            0.0,
            1.0,
            1.0,
            format!("Launch the new {metric} report"),
        )
    } else {
        let m = rng.gen_range(3..=5);
        (
            MetricKind::Milestone,
            0.0,
            m as f64,
            1.0,
            format!("Roll out {metric} tracking"),
        )
    }
}
