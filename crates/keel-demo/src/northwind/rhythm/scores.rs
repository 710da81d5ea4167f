//! The closed quarter's end ("Scoring and retrospective"): every key result scored from its
//! attainment (one scored by judgement, with the reason), a retrospective per objective, and the
//! last objective carried over into the current quarter as a draft.

use crate::clock::days;
use crate::northwind::builder::Org;
use crate::northwind::okrs::Story;
use chrono::Duration;
use keel_domain::*;

/// (objective title, what worked, what did not)
const RETROSPECTIVES: &[(&str, &str, &str)] = &[
    (
        "Put Northwind in our customers' pockets",
        "Weekly demos to the beta testers kept the milestones honest.",
        "Recruiting testers started in week six; one newsletter was never going to bring 500.",
    ),
    (
        "Finish the year with a record quarter",
        "Discount discipline: every deal above 15% went to Marcus, and the average held.",
        "New ARR landed at about half the plan. The pipeline was thin from week one and we only \
         said so in week eight; the discount target was met by walking away from three deals.",
    ),
    (
        "Get on top of the support queue",
        "The self-service help centre took the simple tickets off the queue within a month.",
        "Nothing serious; the backlog will creep back unless someone owns the help centre's \
         content.",
    ),
    (
        "Open the German-speaking market",
        "The glossary, and the feedback of the first two customers.",
        "Localisation slipped twice and sales could not sell an English-only product. We carry \
         it over: same key results, a new plan.",
    ),
];

/// Scores and retrospectives of the closed quarter's objectives.
pub(super) fn close_previous_quarter(org: &mut Org, story: &Story) {
    let prev = org.snap.cycles[org.previous].clone();
    let current = org.snap.cycles[org.current].clone();
    let clock = org.clock;
    let scored_on = (prev.ends_on + days(3)).min(org.today - days(1));
    for (n, o_id) in story.scored.iter().enumerate() {
        let o = org
            .snap
            .objectives
            .iter()
            .find(|o| &o.id == o_id)
            .expect("scored objective")
            .clone();
        let krs: Vec<KeyResult> = org
            .snap
            .key_results
            .iter()
            .filter(|k| k.objective_id == o.id)
            .cloned()
            .collect();
        let at = clock.at(scored_on, 11, n as u32 * 10);
        for k in &krs {
            let suggested = rhythm::suggested_score(k.progress().attainment);
            let (score, reason) = if k.title.starts_with("Hold the average discount") {
                (
                    0.5,
                    "Held under 15%, but only by walking away from three deals we should have \
                     won: half a success."
                        .to_string(),
                )
            } else {
                (suggested, String::new())
            };
            org.snap.scores.push(rhythm::KeyResultScore {
                key_result_id: k.id.clone(),
                score,
                reason,
                suggested_score: suggested,
                scored_by: Some(k.owner_id.clone()),
                scored_at: at,
            });
        }
        let (_, worked, did_not) = RETROSPECTIVES
            .iter()
            .find(|(title, _, _)| *title == o.title)
            .expect("a retrospective for each scored objective");
        let carry_over = n == story.scored.len() - 1;
        let retro_at = at + Duration::hours(4);
        let carried_over_to = carry_over.then(|| {
            // As `POST …/retrospective` with carry_over does: a draft copy in the next cycle,
            // progress reset, each other owner asked again.
            let draft = Objective {
                id: ObjectiveId::generate(),
                cycle_id: current.id.clone(),
                ownership_state: OwnershipState::Accepted,
                parents: vec![],
                state: ObjectiveState::Draft,
                created_at: retro_at,
                updated_at: retro_at,
                version: 1,
                ..o.clone()
            };
            for k in &krs {
                let mut copy = KeyResult {
                    id: KeyResultId::generate(),
                    objective_id: draft.id.clone(),
                    ownership_state: OwnershipState::on_assignment(Some(&o.owner_id), &k.owner_id),
                    confidence: None,
                    last_check_in_at: None,
                    created_at: retro_at,
                    updated_at: retro_at,
                    version: 1,
                    ..k.clone()
                };
                copy.current = copy.start;
                for m in &mut copy.milestones {
                    m.done = false;
                }
                org.snap.key_results.push(copy);
            }
            let id = draft.id.clone();
            org.snap.objectives.push(draft);
            id
        });
        org.snap.retrospectives.push(rhythm::Retrospective {
            objective_id: o.id.clone(),
            worked: (*worked).into(),
            did_not: (*did_not).into(),
            carry_over,
            carried_over_to,
            updated_by: Some(o.owner_id.clone()),
            updated_at: retro_at,
        });
    }
}
