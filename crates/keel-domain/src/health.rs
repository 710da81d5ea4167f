//! The ownership health check: the known pitfalls of OKR ownership, detected instead of documented.
//!
//! *The pitfalls* in docs/method.md lists them: the team as owner, the manager as default owner,
//! forced ownership (never accepted), split ownership, an owner too far from the outcome. The check is
//! a pure function over one cycle's OKRs so that the API, `keel lint`, the web UI and reports
//! all show the same findings.

use crate::ids::{KeyResultId, PersonId};
use crate::key_result::{KeyResult, MetricKind};
use crate::objective::{Objective, ObjectiveState, OwnershipState};
use crate::org::HealthThresholds;
use crate::ownership::{OkrRef, OwnershipRequest, RequestState};
use crate::person::Person;
use crate::team::Team;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// One problem found, with who can fix it and how.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Finding {
    /// Stable identifier, e.g. `ownership_declined`.
    pub code: &'static str,
    pub severity: Severity,
    pub okr: OkrRef,
    pub okr_title: String,
    /// The person concerned (usually the owner).
    pub person_id: Option<PersonId>,
    pub message: String,
    /// One line saying how to fix it.
    pub fix: String,
}

/// Everything the check needs about one cycle.
pub struct HealthInput<'a> {
    pub now: chrono::DateTime<chrono::Utc>,
    pub thresholds: HealthThresholds,
    pub objectives: &'a [Objective],
    pub key_results: &'a [KeyResult],
    /// At least every owner, sponsor and contributor of the OKRs above.
    pub people: &'a HashMap<PersonId, Person>,
    pub teams: &'a [Team],
    /// Pending ownership requests of these OKRs (for how long they have waited).
    pub requests: &'a [OwnershipRequest],
    /// The key results whose status is stale, with how many days their owner has been silent:
    /// the status's own verdict (`rhythm::is_stale`, counted from when each became active), so
    /// that the health check and the status never disagree about silence.
    pub stale: &'a HashMap<KeyResultId, i64>,
}

/// The code of every pitfall the check can find (what `Finding::code` holds).
pub const CODES: [&str; 12] = [
    "ownership_declined",
    "owner_deactivated",
    "ownership_pending",
    "objective_without_key_results",
    "too_many_key_results",
    "manager_by_default",
    "not_aligned",
    "split_ownership",
    "owner_far_from_outcome",
    "unmeasurable_key_result",
    "stale_confidence",
    "owner_overload",
];

/// What an `owner_overload` finding says: `name` owns `n` OKRs, more than `limit`.
pub fn overload_message(name: &str, n: i64, limit: u32) -> String {
    format!("{name} owns {n} OKRs this cycle (more than {limit})")
}

/// How to fix an `owner_overload` finding.
pub const OVERLOAD_FIX: &str = "Hand some over to the people closest to those outcomes";

/// Findings, errors first, then warnings, then information.
pub fn check(input: &HealthInput) -> Vec<Finding> {
    let cycle = Cycle::new(input);
    let mut out = vec![];
    for o in input.objectives {
        cycle.owner_checks(
            OkrRef::Objective(o.id.clone()),
            &o.title,
            &o.owner_id,
            o.ownership_state,
            o.updated_at,
            &mut out,
        );
    }
    for k in input.key_results {
        cycle.owner_checks(
            OkrRef::KeyResult(k.id.clone()),
            &k.title,
            &k.owner_id,
            k.ownership_state,
            k.updated_at,
            &mut out,
        );
    }
    for o in input.objectives {
        cycle.objective_checks(o, &mut out);
    }
    cycle.split_ownership(&mut out);
    for k in input.key_results {
        cycle.key_result_checks(k, &mut out);
    }
    cycle.owner_overload(&mut out);
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.code.cmp(b.code))
            .then(a.okr_title.cmp(&b.okr_title))
    });
    out
}

/// One cycle's OKRs, indexed once for every pitfall's check.
struct Cycle<'a> {
    input: &'a HealthInput<'a>,
    pending_since: HashMap<&'a str, chrono::DateTime<chrono::Utc>>,
    krs_of: HashMap<&'a str, Vec<&'a KeyResult>>,
    /// Each team's members and lead.
    members: HashMap<&'a str, HashSet<&'a PersonId>>,
}

impl<'a> Cycle<'a> {
    fn new(input: &'a HealthInput<'a>) -> Self {
        let pending_since = input
            .requests
            .iter()
            .filter(|r| r.state == RequestState::Pending)
            .map(|r| (r.okr.id(), r.created_at))
            .collect();
        let mut krs_of: HashMap<&str, Vec<&KeyResult>> = HashMap::new();
        for k in input.key_results {
            krs_of.entry(k.objective_id.as_str()).or_default().push(k);
        }
        let members = input
            .teams
            .iter()
            .map(|t| {
                (
                    t.id.as_str(),
                    t.member_ids.iter().chain(t.lead_id.iter()).collect(),
                )
            })
            .collect();
        Cycle {
            input,
            pending_since,
            krs_of,
            members,
        }
    }

    fn name(&self, id: &PersonId) -> String {
        self.input
            .people
            .get(id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// The pitfalls every owned OKR shares: ownership declined, an owner who left, forced
    /// ownership (a request nobody answered).
    fn owner_checks(
        &self,
        okr: OkrRef,
        title: &str,
        owner: &PersonId,
        state: OwnershipState,
        updated: chrono::DateTime<chrono::Utc>,
        out: &mut Vec<Finding>,
    ) {
        let finding = |code, severity, message: String, fix: String| Finding {
            code,
            severity,
            okr: okr.clone(),
            okr_title: title.to_string(),
            person_id: Some(owner.clone()),
            message,
            fix,
        };
        if state == OwnershipState::Declined {
            out.push(finding(
                "ownership_declined",
                Severity::Error,
                format!(
                    "{} declined ownership and nobody else has been named",
                    self.name(owner)
                ),
                "Propose another owner who agrees to carry it, or drop the OKR".into(),
            ));
        }
        if self.input.people.get(owner).is_some_and(|p| !p.active) {
            out.push(finding(
                "owner_deactivated",
                Severity::Error,
                format!("the owner, {}, is deactivated", self.name(owner)),
                "Hand the OKR over to an active person".into(),
            ));
        }
        if state == OwnershipState::Pending {
            let since = self.pending_since.get(okr.id()).copied().unwrap_or(updated);
            let days = (self.input.now - since).num_days();
            if days > i64::from(self.input.thresholds.pending_ownership_days) {
                out.push(finding(
                    "ownership_pending",
                    Severity::Warning,
                    format!(
                        "{} has not accepted ownership after {days} days: an OKR nobody accepted is dead on arrival",
                        self.name(owner)
                    ),
                    format!("Talk to {} and have them accept or decline, or propose someone else", self.name(owner)),
                ));
            }
        }
    }

    /// An objective's own pitfalls: nothing measures it, too many key results, the manager as
    /// default owner, aligned to nothing.
    fn objective_checks(&self, o: &Objective, out: &mut Vec<Finding>) {
        let t = &self.input.thresholds;
        let krs = self.krs_of.get(o.id.as_str()).cloned().unwrap_or_default();
        let finding = |code, severity, message: String, fix: &str| Finding {
            code,
            severity,
            okr: OkrRef::Objective(o.id.clone()),
            okr_title: o.title.clone(),
            person_id: Some(o.owner_id.clone()),
            message,
            fix: fix.into(),
        };
        if o.state == ObjectiveState::Active && krs.is_empty() {
            out.push(finding(
                "objective_without_key_results",
                Severity::Error,
                "an active objective has no key result: nothing measures it".into(),
                "Add two to five measurable key results, each with its own owner",
            ));
        }
        if krs.len() > t.max_key_results as usize {
            out.push(finding(
                "too_many_key_results",
                Severity::Warning,
                format!("{} key results: focus is lost beyond {}", krs.len(), t.max_key_results),
                "Keep the key results that best measure the objective; move the others to initiatives",
            ));
        }
        if let Some(message) = self.manager_by_default(o, &krs) {
            out.push(finding(
                "manager_by_default",
                Severity::Warning,
                message,
                "Give each key result to the person closest to the outcome; keep the manager as sponsor",
            ));
        }
        if o.parents.is_empty() {
            out.push(finding(
                "not_aligned",
                Severity::Info,
                "contributes to no other objective or key result".into(),
                "Link it to the company or department OKR it serves, unless it is a top-level OKR",
            ));
        }
    }

    /// The manager as default owner: the objective's owner owns every key result while others
    /// only contribute, or manages every key result owner without being in any of its teams.
    fn manager_by_default(&self, o: &Objective, krs: &[&KeyResult]) -> Option<String> {
        if krs.is_empty() {
            return None;
        }
        let owns_all = krs.iter().all(|k| k.owner_id == o.owner_id);
        let others_contribute =
            krs.iter().any(|k| !k.contributor_ids.is_empty()) || !o.contributor_ids.is_empty();
        let manages_all = krs.iter().all(|k| {
            k.owner_id != o.owner_id
                && self
                    .input
                    .people
                    .get(&k.owner_id)
                    .and_then(|p| p.manager_id.as_ref())
                    == Some(&o.owner_id)
        });
        let in_a_team = o.team_ids.iter().any(|t| {
            self.members
                .get(t.as_str())
                .is_some_and(|m| m.contains(&o.owner_id))
        });
        if owns_all && others_contribute {
            Some(format!(
                "{} owns the objective and every key result while others only contribute",
                self.name(&o.owner_id)
            ))
        } else if manages_all && !o.team_ids.is_empty() && !in_a_team {
            Some(format!(
                "{} manages every key result owner and is in none of the objective's teams: far from the outcome",
                self.name(&o.owner_id)
            ))
        } else {
            None
        }
    }

    /// Split ownership (possible only under the `shared` policy): the same as no owner (see
    /// *Ownership policy* in docs/method.md).
    fn split_ownership(&self, out: &mut Vec<Finding>) {
        let split = self
            .input
            .objectives
            .iter()
            .filter(|o| !o.co_owner_ids.is_empty())
            .map(|o| {
                (
                    OkrRef::Objective(o.id.clone()),
                    &o.title,
                    &o.owner_id,
                    o.co_owner_ids.len(),
                )
            })
            .chain(
                self.input
                    .key_results
                    .iter()
                    .filter(|k| !k.co_owner_ids.is_empty())
                    .map(|k| {
                        (
                            OkrRef::KeyResult(k.id.clone()),
                            &k.title,
                            &k.owner_id,
                            k.co_owner_ids.len(),
                        )
                    }),
            );
        for (okr, title, owner, n) in split {
            out.push(Finding {
                code: "split_ownership",
                severity: Severity::Warning,
                okr,
                okr_title: title.clone(),
                person_id: Some(owner.clone()),
                message: format!(
                    "ownership is split between {} people: when everyone owns it, no one steers it",
                    n + 1
                ),
                fix: format!(
                    "Keep {} as the single owner and make the others contributors",
                    self.name(owner)
                ),
            });
        }
    }

    /// A key result's own pitfalls: an owner far from the outcome, no measurable target, stale
    /// confidence.
    fn key_result_checks(&self, k: &KeyResult, out: &mut Vec<Finding>) {
        let finding = |code, message: String, fix: String| Finding {
            code,
            severity: Severity::Warning,
            okr: OkrRef::KeyResult(k.id.clone()),
            okr_title: k.title.clone(),
            person_id: Some(k.owner_id.clone()),
            message,
            fix,
        };
        if let Some(close) = self.closer_contributor(k) {
            out.push(finding(
                "owner_far_from_outcome",
                format!(
                    "{} is in none of the teams doing the work, while {} (a contributor) is",
                    self.name(&k.owner_id),
                    self.name(close)
                ),
                format!(
                    "Consider handing it to {} (closer to the outcome), with {} as sponsor",
                    self.name(close),
                    self.name(&k.owner_id)
                ),
            ));
        }
        let unmeasurable = match k.metric_kind {
            MetricKind::Increase | MetricKind::Decrease => k.target == k.start,
            MetricKind::Milestone => k.milestones.is_empty(),
            _ => false,
        };
        if unmeasurable {
            out.push(finding(
                "unmeasurable_key_result",
                "has no measurable target".into(),
                "Set a start and a target that differ, or list its milestones".into(),
            ));
        }
        if let Some(days) = self.input.stale.get(&k.id) {
            out.push(finding(
                "stale_confidence",
                match k.last_check_in_at {
                    Some(_) => format!("no check-in by its owner for {days} days"),
                    None => format!("no check-in since it started {days} days ago"),
                },
                format!(
                    "{} should check in with the current value and confidence",
                    self.name(&k.owner_id)
                ),
            ));
        }
    }

    /// An owner far from the outcome: the key result is shared with teams, its owner is in none
    /// of them, and someone who contributes is (the senior owner who should hand over and stay
    /// on as sponsor). Returns that contributor.
    fn closer_contributor(&self, k: &'a KeyResult) -> Option<&'a PersonId> {
        if k.team_ids.is_empty() {
            return None;
        }
        let in_team = |p: &PersonId| {
            k.team_ids
                .iter()
                .any(|t| self.members.get(t.as_str()).is_some_and(|m| m.contains(p)))
        };
        if in_team(&k.owner_id) {
            return None;
        }
        k.contributor_ids.iter().find(|c| in_team(c))
    }

    /// Owners carrying more OKRs than the threshold, reported on the first OKR they own so the
    /// finding links somewhere useful.
    fn owner_overload(&self, out: &mut Vec<Finding>) {
        let mut owned_count: HashMap<&PersonId, u32> = HashMap::new();
        let owners = self
            .input
            .objectives
            .iter()
            .map(|o| &o.owner_id)
            .chain(self.input.key_results.iter().map(|k| &k.owner_id));
        for owner in owners {
            *owned_count.entry(owner).or_default() += 1;
        }
        let limit = self.input.thresholds.owner_overload;
        let mut overloaded: Vec<(&PersonId, u32)> = owned_count
            .into_iter()
            .filter(|(_, n)| *n > limit)
            .collect();
        overloaded.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for (person, n) in overloaded {
            let first = self
                .input
                .objectives
                .iter()
                .find(|o| &o.owner_id == person)
                .map(|o| (OkrRef::Objective(o.id.clone()), o.title.clone()))
                .or_else(|| {
                    self.input
                        .key_results
                        .iter()
                        .find(|k| &k.owner_id == person)
                        .map(|k| (OkrRef::KeyResult(k.id.clone()), k.title.clone()))
                });
            if let Some((okr, okr_title)) = first {
                out.push(Finding {
                    code: "owner_overload",
                    severity: Severity::Warning,
                    okr,
                    okr_title,
                    person_id: Some(person.clone()),
                    message: overload_message(&self.name(person), i64::from(n), limit),
                    fix: OVERLOAD_FIX.into(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use crate::objective::{ObjectiveKind, Visibility};
    use crate::person::{Email, Role};
    use chrono::{Duration, Utc};

    fn person(name: &str, manager: Option<&Person>) -> Person {
        Person {
            id: PersonId::generate(),
            name: name.into(),
            email: Email::parse("email", &format!("{}@x.io", name.to_lowercase())).unwrap(),
            title: String::new(),
            manager_id: manager.map(|m| m.id.clone()),
            active: true,
            roles: vec![Role::Member],
            time_zone: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        }
    }

    fn objective(title: &str, owner: &Person) -> Objective {
        Objective {
            id: ObjectiveId::generate(),
            title: title.into(),
            description: String::new(),
            cycle_id: CycleId::generate(),
            owner_id: owner.id.clone(),
            ownership_state: OwnershipState::Accepted,
            co_owner_ids: vec![],
            sponsor_id: None,
            contributor_ids: vec![],
            team_ids: vec![],
            parents: vec![crate::objective::ParentRef::Objective(
                ObjectiveId::generate(),
            )],
            kind: ObjectiveKind::Committed,
            state: ObjectiveState::Active,
            visibility: Visibility::Public,
            progress_rollup: crate::ProgressRollup::Inherit,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        }
    }

    fn kr(o: &Objective, owner: &Person) -> KeyResult {
        KeyResult {
            id: KeyResultId::generate(),
            objective_id: o.id.clone(),
            title: format!("KR of {}", owner.name),
            description: String::new(),
            owner_id: owner.id.clone(),
            ownership_state: OwnershipState::Accepted,
            co_owner_ids: vec![],
            sponsor_id: None,
            contributor_ids: vec![],
            team_ids: vec![],
            metric_kind: MetricKind::Increase,
            start: 0.0,
            target: 10.0,
            current: 1.0,
            unit: String::new(),
            weight: 1.0,
            milestones: vec![],
            confidence: Some(7),
            financial: false,
            starts_on: None,
            ends_on: None,
            last_check_in_at: Some(Utc::now()),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        }
    }

    fn run(
        objectives: &[Objective],
        krs: &[KeyResult],
        people: &[Person],
        teams: &[Team],
        requests: &[OwnershipRequest],
    ) -> Vec<Finding> {
        let people: HashMap<PersonId, Person> =
            people.iter().map(|p| (p.id.clone(), p.clone())).collect();
        // What the status derivation judged stale: here, any key result checked in 9 days ago.
        let stale: HashMap<KeyResultId, i64> = krs
            .iter()
            .filter_map(|k| Some((k.id.clone(), (Utc::now() - k.last_check_in_at?).num_days())))
            .filter(|(_, d)| crate::rhythm::is_stale(*d, 7, 1))
            .collect();
        check(&HealthInput {
            now: Utc::now(),
            thresholds: HealthThresholds::default(),
            objectives,
            key_results: krs,
            people: &people,
            teams,
            requests,
            stale: &stale,
        })
    }

    fn codes(f: &[Finding]) -> Vec<&'static str> {
        f.iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_healthy_okr_has_no_findings() {
        let (a, b) = (person("Ana", None), person("Ben", None));
        let o = objective("Grow", &a);
        let k = kr(&o, &b);
        assert!(run(&[o], &[k], &[a, b], &[], &[]).is_empty());
    }

    #[test]
    fn declined_deactivated_pending_and_empty_are_found() {
        let (a, mut b, c) = (person("Ana", None), person("Ben", None), person("Cy", None));
        b.active = false;
        let mut o = objective("Grow", &a);
        o.ownership_state = OwnershipState::Declined;
        let empty = objective("Nothing measured", &c);
        let mut k = kr(&o, &b);
        k.ownership_state = OwnershipState::Pending;
        let req = OwnershipRequest {
            id: OwnershipRequestId::generate(),
            okr: OkrRef::KeyResult(k.id.clone()),
            previous_owner_id: None,
            proposed_owner_id: b.id.clone(),
            proposed_by: Some(a.id.clone()),
            note: String::new(),
            fit: None,
            state: RequestState::Pending,
            decline_reason: None,
            created_at: Utc::now() - Duration::days(12),
            decided_at: None,
        };
        let f = run(&[o, empty], &[k], &[a, b, c], &[], &[req]);
        let c = codes(&f);
        for code in [
            "ownership_declined",
            "owner_deactivated",
            "objective_without_key_results",
            "ownership_pending",
        ] {
            assert!(c.contains(&code), "{code} in {c:?}");
        }
        assert_eq!(f[0].severity, Severity::Error, "errors first");
        assert!(f.iter().all(|x| !x.fix.is_empty()));
    }

    #[test]
    fn manager_by_default_both_shapes() {
        // The owner owns every KR while others only contribute.
        let (boss, ic) = (person("Boss", None), person("Ic", None));
        let o = objective("Ship", &boss);
        let mut k1 = kr(&o, &boss);
        k1.contributor_ids = vec![ic.id.clone()];
        let k2 = kr(&o, &boss);
        let f = run(&[o], &[k1, k2], &[boss.clone(), ic.clone()], &[], &[]);
        assert!(codes(&f).contains(&"manager_by_default"));

        // The owner manages every KR owner and is in none of the OKR's teams: far from the outcome.
        let (r1, r2) = (person("R1", Some(&boss)), person("R2", Some(&boss)));
        let team = Team {
            id: TeamId::generate(),
            name: "Growth".into(),
            parent_id: None,
            lead_id: Some(r1.id.clone()),
            member_ids: vec![r2.id.clone()],
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        };
        let mut o = objective("Activation", &boss);
        o.team_ids = vec![team.id.clone()];
        let (k1, k2) = (kr(&o, &r1), kr(&o, &r2));
        let f = run(
            &[o.clone()],
            &[k1.clone(), k2.clone()],
            &[boss.clone(), r1.clone(), r2.clone()],
            std::slice::from_ref(&team),
            &[],
        );
        assert!(codes(&f).contains(&"manager_by_default"), "{f:?}");
        // In the team, the same shape is fine.
        let mut close = team.clone();
        close.member_ids.push(boss.id.clone());
        let f = run(&[o], &[k1, k2], &[boss, r1, r2], &[close], &[]);
        assert!(!codes(&f).contains(&"manager_by_default"), "{f:?}");
    }

    #[test]
    fn split_ownership_and_owner_far_from_the_outcome() {
        let (cto, pm, growth) = (
            person("Cto", None),
            person("Pm", None),
            person("Growth", None),
        );
        let team = Team {
            id: TeamId::generate(),
            name: "Activation".into(),
            parent_id: None,
            lead_id: Some(pm.id.clone()),
            member_ids: vec![growth.id.clone()],
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        };
        let o = objective("Activation", &pm);
        let mut k = kr(&o, &cto);
        k.team_ids = vec![team.id.clone()];
        k.contributor_ids = vec![pm.id.clone(), growth.id.clone()];
        let people = [cto.clone(), pm.clone(), growth.clone()];
        let f = run(
            std::slice::from_ref(&o),
            std::slice::from_ref(&k),
            &people,
            std::slice::from_ref(&team),
            &[],
        );
        let far = f
            .iter()
            .find(|x| x.code == "owner_far_from_outcome")
            .expect("flagged");
        assert_eq!(far.person_id.as_ref(), Some(&cto.id));
        assert!(far.fix.contains("Pm"), "{}", far.fix);
        // Handed to the product manager with the CTO as sponsor: nothing to flag.
        k.owner_id = pm.id.clone();
        k.contributor_ids = vec![growth.id.clone()];
        k.sponsor_id = Some(cto.id.clone());
        let f = run(
            std::slice::from_ref(&o),
            std::slice::from_ref(&k),
            &people,
            std::slice::from_ref(&team),
            &[],
        );
        assert!(!codes(&f).contains(&"owner_far_from_outcome"), "{f:?}");
        k.co_owner_ids = vec![growth.id.clone()];
        k.contributor_ids.clear();
        let f = run(&[o], &[k], &people, &[team], &[]);
        assert!(codes(&f).contains(&"split_ownership"));
    }

    #[test]
    fn overload_too_many_krs_stale_unmeasurable_unaligned() {
        let a = person("Ana", None);
        let mut o = objective("Everything", &a);
        o.parents.clear();
        let mut krs: Vec<KeyResult> = (0..7).map(|_| kr(&o, &a)).collect();
        krs[0].last_check_in_at = Some(Utc::now() - Duration::days(9));
        krs[1].target = krs[1].start;
        let f = run(&[o], &krs, &[a], &[], &[]);
        let c = codes(&f);
        for code in [
            "owner_overload",
            "too_many_key_results",
            "stale_confidence",
            "unmeasurable_key_result",
            "not_aligned",
        ] {
            assert!(c.contains(&code), "{code} in {c:?}");
        }
        assert_eq!(
            c.iter().filter(|x| **x == "owner_overload").count(),
            1,
            "once per person"
        );
        assert_eq!(f.last().unwrap().severity, Severity::Info);
    }
}
