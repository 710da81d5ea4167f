//! The closed quarter before the synthetic organisation's active one, small on purpose: one
//! objective for one team lead in seven (about one person in fifty), three key results each with
//! a month of weekly check-ins and a final score. The calibration report and the close-out
//! pages compare confidence with final scores, so they need a closed cycle to be timed at all;
//! kept small so that the 100,000-person load stays cheap. Drawn from its own seed, after the
//! active cycle, so the active cycle's OKRs are the same as without it.

use super::Layout;
use crate::clock::{days, Clock};
use crate::history::{weekly_history, Trend};
use keel_domain::*;
use keel_store::Snapshot;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// One team lead in this many gets an objective in the closed quarter.
const LEADS_PER_OBJECTIVE: usize = 7;

/// Adds the closed 13-week quarter that ended the day before `active` started, its objectives,
/// key results, check-ins and scores.
pub(super) fn add_closed_quarter(
    snap: &mut Snapshot,
    active: &Cycle,
    layout: &Layout,
    clock: Clock,
    seed: u64,
) {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x636c_6f73_6564);
    let ends_on = active.starts_on - days(1);
    let starts_on = ends_on - days(90);
    let epoch = clock.at(starts_on - days(14), 8, 0);
    let cycle = Cycle {
        id: CycleId::generate(),
        name: format!("Synthetic quarter from {starts_on}"),
        starts_on,
        ends_on,
        parent_id: None,
        state: CycleState::Closed,
        created_at: epoch,
        updated_at: epoch,
        version: 1,
    };
    snap.cycles.push(cycle.clone());
    let created_at = clock.at(starts_on - days(7), 10, 0);
    let scored_at = clock.at(ends_on + days(3), 11, 0);
    for (t, &lead) in layout
        .managers
        .iter()
        .enumerate()
        .step_by(LEADS_PER_OBJECTIVE)
    {
        let owner = snap.people[lead].id.clone();
        let objective_id = ObjectiveId::generate();
        let n = snap.objectives.len() + 1;
        snap.objectives.push(Objective {
            id: objective_id.clone(),
            title: format!("Last quarter: focus {n}"),
            description: String::new(),
            cycle_id: cycle.id.clone(),
            owner_id: owner.clone(),
            ownership_state: OwnershipState::Accepted,
            co_owner_ids: vec![],
            sponsor_id: None,
            contributor_ids: vec![],
            team_ids: vec![layout.team_ids[t].clone()],
            parents: vec![],
            kind: if rng.gen_bool(0.2) {
                ObjectiveKind::Aspirational
            } else {
                ObjectiveKind::Committed
            },
            state: ObjectiveState::Closed,
            visibility: Visibility::Public,
            progress_rollup: ProgressRollup::Inherit,
            created_at,
            updated_at: created_at,
            version: 1,
        });
        let members = &layout.team_members[t];
        for k in 0..3 {
            let kr_owner = members[rng.gen_range(0..members.len())];
            let start = f64::from(rng.gen_range(0..100u32));
            let target = start + f64::from(rng.gen_range(10..100u32));
            let mut kr = KeyResult {
                id: KeyResultId::generate(),
                objective_id: objective_id.clone(),
                title: format!(
                    "Increase last quarter's measure {} from {start} to {target}",
                    k + 1
                ),
                description: String::new(),
                owner_id: snap.people[kr_owner].id.clone(),
                ownership_state: OwnershipState::Accepted,
                co_owner_ids: vec![],
                sponsor_id: None,
                contributor_ids: vec![],
                team_ids: vec![],
                metric_kind: MetricKind::Increase,
                start,
                target,
                current: start,
                unit: String::new(),
                weight: 1.0,
                milestones: vec![],
                confidence: None,
                financial: false,
                starts_on: None,
                ends_on: None,
                last_check_in_at: None,
                created_at,
                updated_at: created_at,
                version: 1,
            };
            let trend = Trend {
                health: rng.gen_range(0.3..1.3),
                stale_weeks: 0,
            };
            let last_day = ends_on - days(rng.gen_range(0..=3));
            let first_day = last_day - days(7 * rng.gen_range(3..=4));
            weekly_history(
                &mut kr,
                &mut snap.check_ins,
                trend,
                1.0,
                first_day,
                last_day,
                |d| cycle.elapsed_share(d),
                None,
                0.3,
                clock,
                &mut rng,
            );
            let suggested = rhythm::suggested_score(kr.progress().attainment);
            snap.scores.push(rhythm::KeyResultScore {
                key_result_id: kr.id.clone(),
                score: suggested,
                reason: String::new(),
                suggested_score: suggested,
                scored_by: Some(kr.owner_id.clone()),
                scored_at,
            });
            snap.key_results.push(kr);
        }
    }
}
