//! Check-in compliance counted once a round (`keel_store::ComplianceFigures`): for each team
//! and check-in week of every cycle, how many key results owed their owner's check-in and how
//! many got it, per visibility, so the compliance report and the team dashboard add up a row
//! per team instead of reading every key result of the cycle with its check-ins on each
//! request.
//!
//! Why here, batch by batch: the rule (`Assessor::week_check_ins`, the report's own) needs each
//! key result's check-ins, which the evaluator's batch has just read; the tally keeps only the
//! counts (a few numbers per team, week and visibility), never a key result's history, so the
//! round's memory does not grow with the organisation's check-ins. Each team's subtree (its
//! line and those of every team below it, added up) is stored too, so the report's totals over a
//! branch or the organisation are a few rows, not the sum of every team's line on each request.

use crate::error::ApiResult;
use crate::read::compliance::{cycle_weeks, MAX_WEEKS};
use crate::services::rhythm::Assessor;
use keel_domain::*;
use keel_store::{
    ComplianceCount, ComplianceFigures, ComplianceKind, ComplianceRound, Rhythm, Store, Teams,
    WeekCount,
};
use std::collections::{HashMap, HashSet};

/// The round's counts so far.
pub(super) struct ComplianceTally {
    /// Each cycle's weeks counted (the last `MAX_WEEKS` up to the round's day), oldest first.
    weeks: HashMap<CycleId, Vec<chrono::NaiveDate>>,
    /// Each team seen with itself and every team above it (its department last).
    above: HashMap<TeamId, Vec<TeamId>>,
    counts: HashMap<(CycleId, ComplianceKind, Visibility, TeamId), Vec<WeekCount>>,
    counted_at: chrono::DateTime<chrono::Utc>,
}

impl ComplianceTally {
    /// A tally of every cycle's weeks as of `now`.
    pub(super) async fn new(
        store: &dyn Store,
        settings: &OrgSettings,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ApiResult<Self> {
        let today = settings.local_date(now);
        let day = settings.check_in_weekday.to_chrono();
        let weeks = crate::read::lists::cycles(store)
            .await?
            .into_iter()
            .map(|c| {
                let w = cycle_weeks(&c, today, MAX_WEEKS, day);
                (c.id, w)
            })
            .collect();
        Ok(Self {
            weeks,
            above: HashMap::new(),
            counts: HashMap::new(),
            counted_at: now,
        })
    }

    /// Counts what each key result of a batch owed each week (two queries: when the batch's
    /// objectives closed, and the teams above the teams not seen yet).
    pub(super) async fn add_batch(
        &mut self,
        store: &dyn Store,
        assessor: &Assessor,
        objectives: &[Objective],
        key_results: &[KeyResult],
    ) -> ApiResult<()> {
        if key_results.is_empty() {
            return Ok(());
        }
        let ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
        let closed: HashMap<ObjectiveId, chrono::DateTime<chrono::Utc>> =
            store.closed_since(&ids).await?.into_iter().collect();
        let unseen: Vec<TeamId> = objectives
            .iter()
            .flat_map(|o| o.team_ids.iter())
            .chain(key_results.iter().flat_map(|k| k.team_ids.iter()))
            .filter(|t| !self.above.contains_key(*t))
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if !unseen.is_empty() {
            for (team, ancestor, _) in store.team_ancestors(&unseen).await? {
                self.above.entry(team).or_default().push(ancestor);
            }
        }
        let by_id: HashMap<&ObjectiveId, &Objective> =
            objectives.iter().map(|o| (&o.id, o)).collect();
        for kr in key_results {
            let Some(o) = by_id.get(&kr.objective_id) else {
                continue;
            };
            let Some(weeks) = self.weeks.get(&o.cycle_id).filter(|w| !w.is_empty()) else {
                continue;
            };
            // Counted even when nothing was due: its teams' lines show, as the live count's do.
            let owed = assessor.week_check_ins(kr, o, closed.get(&o.id).copied(), weeks);
            // The report's line: the key result's own teams, else its objective's.
            let lines = if kr.team_ids.is_empty() {
                &o.team_ids
            } else {
                &kr.team_ids
            };
            // The dashboard's branches: every team above a team the key result or its
            // objective is shared with, once.
            let mut branches: Vec<&TeamId> = kr
                .team_ids
                .iter()
                .chain(&o.team_ids)
                .flat_map(|t| self.above.get(t).into_iter().flatten())
                .collect();
            branches.sort();
            branches.dedup();
            let places: Vec<(ComplianceKind, TeamId)> = lines
                .iter()
                .map(|t| (ComplianceKind::Team, t.clone()))
                .chain(
                    branches
                        .into_iter()
                        .map(|t| (ComplianceKind::Branch, t.clone())),
                )
                .collect();
            for (kind, team) in places {
                let counts = self
                    .counts
                    .entry((o.cycle_id.clone(), kind, o.visibility, team))
                    .or_insert_with(|| vec![(0, 0); weeks.len()]);
                for (c, w) in counts.iter_mut().zip(&owed) {
                    match w {
                        rhythm::WeekCheckIn::NotDue => {}
                        rhythm::WeekCheckIn::Done => {
                            c.0 += 1;
                            c.1 += 1;
                        }
                        rhythm::WeekCheckIn::Missed => c.0 += 1,
                    }
                }
            }
        }
        Ok(())
    }

    /// Stores every cycle's counts (a cycle with nothing due gets its round all the same),
    /// with each team's subtree: the sum of the lines of the team and every team below it.
    pub(super) async fn store(mut self, store: &dyn Store) -> ApiResult<()> {
        let mut subtrees: HashMap<(CycleId, ComplianceKind, Visibility, TeamId), Vec<WeekCount>> =
            HashMap::new();
        for ((cycle, kind, visibility, team), weeks) in &self.counts {
            if *kind != ComplianceKind::Team {
                continue;
            }
            for above in self.above.get(team).into_iter().flatten() {
                let key = (
                    cycle.clone(),
                    ComplianceKind::Subtree,
                    *visibility,
                    above.clone(),
                );
                let sum = subtrees
                    .entry(key)
                    .or_insert_with(|| vec![(0, 0); weeks.len()]);
                for (s, (due, done)) in sum.iter_mut().zip(weeks) {
                    s.0 += due;
                    s.1 += done;
                }
            }
        }
        self.counts.extend(subtrees);
        let mut by_cycle: HashMap<CycleId, Vec<ComplianceCount>> = HashMap::new();
        for ((cycle, kind, visibility, team), weeks) in self.counts {
            let department_id = self
                .above
                .get(&team)
                .and_then(|a| a.last())
                .cloned()
                .unwrap_or_else(|| team.clone());
            by_cycle.entry(cycle).or_default().push(ComplianceCount {
                team_id: team,
                kind,
                visibility,
                department_id,
                weeks,
            });
        }
        for (cycle, weeks) in self.weeks {
            let Some(first_week) = weeks.first().copied() else {
                // Not started: nothing owed yet; its report counts live until it starts.
                continue;
            };
            let round = ComplianceRound {
                cycle_id: cycle.clone(),
                counted_at: self.counted_at,
                first_week,
            };
            let counts = by_cycle.remove(&cycle).unwrap_or_default();
            store.replace_compliance_counts(&round, &counts).await?;
        }
        Ok(())
    }
}
