//! Small builders for Northwind's OKRs: an objective or key result with the demo's defaults
//! (accepted, active, public, on pace), created with its check-in history and initiatives, and
//! the people and teams referred to by short keys.

use crate::clock::{days, Clock};
use crate::history::{weekly_history, Trend};
use chrono::NaiveDate;
use keel_domain::*;
use keel_store::Snapshot;
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::HashMap;

/// Which cycle an objective lives in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum In {
    Year,
    Previous,
    Current,
}

/// An objective to create; `obj(...)` gives the defaults (accepted, active, public, committed).
pub(crate) struct Obj<'a> {
    pub(crate) cycle: In,
    pub(crate) owner: &'a str,
    pub(crate) teams: &'a [&'a str],
    pub(crate) title: &'a str,
    pub(crate) description: &'a str,
    pub(crate) sponsor: Option<&'a str>,
    pub(crate) contributors: &'a [&'a str],
    pub(crate) parents: Vec<ParentRef>,
    pub(crate) kind: ObjectiveKind,
    pub(crate) state: Option<ObjectiveState>,
    pub(crate) visibility: Visibility,
    pub(crate) ownership: OwnershipState,
}

pub(crate) fn obj<'a>(
    cycle: In,
    owner: &'a str,
    teams: &'a [&'a str],
    title: &'a str,
    description: &'a str,
) -> Obj<'a> {
    Obj {
        cycle,
        owner,
        teams,
        title,
        description,
        sponsor: None,
        contributors: &[],
        parents: Vec::new(),
        kind: ObjectiveKind::Committed,
        state: None,
        visibility: Visibility::Public,
        ownership: OwnershipState::Accepted,
    }
}

/// A key result to create; `num`, `flag` and `miles` give the defaults (accepted, on pace).
pub(crate) struct Kr<'a> {
    pub(crate) owner: &'a str,
    pub(crate) title: &'a str,
    pub(crate) description: &'a str,
    pub(crate) kind: MetricKind,
    pub(crate) start: f64,
    pub(crate) target: f64,
    pub(crate) unit: &'a str,
    /// Resolution of generated values.
    pub(crate) step: f64,
    pub(crate) milestones: &'a [&'a str],
    pub(crate) sponsor: Option<&'a str>,
    pub(crate) contributors: &'a [&'a str],
    pub(crate) teams: &'a [&'a str],
    pub(crate) ownership: OwnershipState,
    /// `None`: never checked in.
    pub(crate) trend: Option<Trend>,
    pub(crate) last_note: Option<&'a str>,
}

pub(crate) fn num<'a>(
    owner: &'a str,
    kind: MetricKind,
    start: f64,
    target: f64,
    unit: &'a str,
    title: &'a str,
) -> Kr<'a> {
    let spread = (target - start).abs();
    Kr {
        owner,
        title,
        description: "",
        kind,
        start,
        target,
        unit,
        step: if spread >= 20.0 { 1.0 } else { 0.1 },
        milestones: &[],
        sponsor: None,
        contributors: &[],
        teams: &[],
        ownership: OwnershipState::Accepted,
        trend: Some(Trend {
            health: 0.9,
            stale_weeks: 0,
        }),
        last_note: None,
    }
}

pub(crate) fn flag<'a>(owner: &'a str, title: &'a str) -> Kr<'a> {
    Kr {
        step: 1.0,
        ..num(owner, MetricKind::Boolean, 0.0, 1.0, "", title)
    }
}

pub(crate) fn miles<'a>(owner: &'a str, title: &'a str, milestones: &'a [&'a str]) -> Kr<'a> {
    Kr {
        milestones,
        step: 1.0,
        ..num(
            owner,
            MetricKind::Milestone,
            0.0,
            milestones.len() as f64,
            "",
            title,
        )
    }
}

pub(crate) fn pace(health: f64) -> Option<Trend> {
    Some(Trend {
        health,
        stale_weeks: 0,
    })
}

pub(crate) fn stale(health: f64, weeks: i64) -> Option<Trend> {
    Some(Trend {
        health,
        stale_weeks: weeks,
    })
}

pub(crate) struct Org {
    pub(crate) snap: Snapshot,
    pub(crate) rng: StdRng,
    pub(crate) clock: Clock,
    pub(crate) today: NaiveDate,
    pub(crate) people: HashMap<&'static str, PersonId>,
    pub(crate) teams: HashMap<&'static str, TeamId>,
    pub(crate) year: usize,
    pub(crate) previous: usize,
    pub(crate) current: usize,
}

impl Org {
    pub(crate) fn p(&self, key: &str) -> PersonId {
        self.people
            .get(key)
            .unwrap_or_else(|| panic!("unknown demo person {key}"))
            .clone()
    }

    pub(crate) fn ps(&self, keys: &[&str]) -> Vec<PersonId> {
        let mut v: Vec<PersonId> = keys.iter().map(|k| self.p(k)).collect();
        v.sort();
        v.dedup();
        v
    }

    pub(crate) fn ts(&self, keys: &[&str]) -> Vec<TeamId> {
        let mut v: Vec<TeamId> = keys
            .iter()
            .map(|k| {
                self.teams
                    .get(k)
                    .unwrap_or_else(|| panic!("unknown demo team {k}"))
                    .clone()
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    pub(crate) fn cycle_index(&self, which: In) -> usize {
        match which {
            In::Year => self.year,
            In::Previous => self.previous,
            In::Current => self.current,
        }
    }

    pub(crate) fn objective(&mut self, o: Obj<'_>) -> ObjectiveId {
        let cycle = &self.snap.cycles[self.cycle_index(o.cycle)];
        let state = o.state.unwrap_or(if cycle.state == CycleState::Closed {
            ObjectiveState::Closed
        } else {
            ObjectiveState::Active
        });
        let created_at = if state == ObjectiveState::Draft {
            self.clock.at(self.today - days(3), 10, 30)
        } else {
            self.clock.at(cycle.starts_on - days(7), 10, 0)
        };
        let objective = Objective {
            id: ObjectiveId::generate(),
            title: o.title.into(),
            description: o.description.into(),
            cycle_id: cycle.id.clone(),
            owner_id: self.p(o.owner),
            ownership_state: o.ownership,
            co_owner_ids: vec![],
            sponsor_id: o.sponsor.map(|s| self.p(s)),
            contributor_ids: self.ps(o.contributors),
            team_ids: self.ts(o.teams),
            parents: o.parents,
            kind: o.kind,
            state,
            visibility: o.visibility,
            progress_rollup: keel_domain::ProgressRollup::Inherit,
            created_at,
            updated_at: created_at,
            version: 1,
        };
        let id = objective.id.clone();
        self.snap.objectives.push(objective);
        id
    }

    pub(crate) fn key_result(&mut self, objective: &ObjectiveId, k: Kr<'_>) -> KeyResultId {
        /// Money key results (revenue, ARR, churn, cost) are tagged financial, so the finance
        /// team (Helen, Mark) can edit them.
        fn is_financial(title: &str) -> bool {
            let t = title.to_lowercase();
            t.contains('£') || t.contains("revenue") || t.contains("arr ") || t.contains(" cost")
        }
        let o = self
            .snap
            .objectives
            .iter()
            .find(|o| &o.id == objective)
            .expect("objective created first");
        let (o_state, o_created) = (o.state, o.created_at);
        let cycle = self
            .snap
            .cycles
            .iter()
            .find(|c| c.id == o.cycle_id)
            .expect("cycle exists")
            .clone();
        let mut kr = KeyResult {
            id: KeyResultId::generate(),
            objective_id: objective.clone(),
            title: k.title.into(),
            description: k.description.into(),
            owner_id: self.p(k.owner),
            ownership_state: k.ownership,
            co_owner_ids: vec![],
            sponsor_id: k.sponsor.map(|s| self.p(s)),
            contributor_ids: self.ps(k.contributors),
            team_ids: self.ts(k.teams),
            metric_kind: k.kind,
            start: k.start,
            target: k.target,
            current: k.start,
            unit: k.unit.into(),
            weight: 1.0,
            milestones: k
                .milestones
                .iter()
                .map(|t| Milestone {
                    title: (*t).into(),
                    done: false,
                })
                .collect(),
            confidence: None,
            financial: is_financial(k.title),
            starts_on: None,
            ends_on: None,
            last_check_in_at: None,
            created_at: o_created,
            updated_at: o_created,
            version: 1,
        };
        if kr.metric_kind == MetricKind::Milestone {
            kr.current = 0.0;
        }
        if let (Some(trend), false) = (k.trend, o_state == ObjectiveState::Draft) {
            let last_day = if cycle.state == CycleState::Closed {
                cycle.ends_on - days(self.rng.gen_range(0..3))
            } else {
                self.today - days(self.rng.gen_range(1..=4))
            } - days(7 * trend.stale_weeks);
            // The first reading is the baseline, taken in the planning week.
            let first_day = cycle.starts_on - days(6);
            weekly_history(
                &mut kr,
                &mut self.snap.check_ins,
                trend,
                k.step,
                first_day,
                last_day,
                |d| cycle.elapsed_share(d),
                k.last_note,
                0.6,
                self.clock,
                &mut self.rng,
            );
        }
        let id = kr.id.clone();
        self.snap.key_results.push(kr);
        id
    }

    pub(crate) fn initiative(
        &mut self,
        kr: &KeyResultId,
        owner: &str,
        title: &str,
        state: InitiativeState,
        link: Option<&str>,
        reason: Option<&str>,
    ) {
        let k = self
            .snap
            .key_results
            .iter()
            .find(|k| &k.id == kr)
            .expect("key result created first");
        let created_at = k.created_at + days(3);
        let updated_at = match state {
            InitiativeState::Proposed => created_at,
            _ => self.clock.at(self.today - days(9), 15, 0).max(created_at),
        };
        self.snap.initiatives.push(Initiative {
            id: InitiativeId::generate(),
            key_result_id: kr.clone(),
            title: title.into(),
            owner_id: self.p(owner),
            state,
            link: link.map(Into::into),
            reason: reason.map(Into::into),
            created_at,
            updated_at,
            // Active since it was last touched, when its key result stood at its start.
            active_since: (state != InitiativeState::Proposed).then_some(updated_at),
            value_at_activation: (state != InitiativeState::Proposed).then_some(k.start),
            version: 1,
        });
    }
}
