//! Conversations, feedback and recognition around the OKRs (the CFRs of "The weekly rhythm"):
//! 1:1s that name the OKRs discussed, a feedback request answered and one waiting, and thanks,
//! some on a check-in.

use crate::clock::days;
use crate::northwind::builder::Org;
use crate::northwind::okrs::Story;
use chrono::Duration;
use keel_domain::*;

/// A key result of the demo, by id.
fn kr(org: &Org, id: &KeyResultId) -> KeyResult {
    org.snap
        .key_results
        .iter()
        .find(|k| &k.id == id)
        .expect("demo key result")
        .clone()
}

/// When the feedback requests were asked (and recognition not tied to a check-in given).
fn asked(org: &Org) -> Timestamp {
    org.clock.at(org.today - days(6), 10, 0)
}

/// Three 1:1 conversations that refer to the stories' OKRs.
pub(super) fn conversations(org: &mut Org, story: &Story) {
    let (clock, today) = (org.clock, org.today);
    let activation = kr(org, &story.activation);
    let posts = kr(org, &story.posts);
    let conversations = [
        (
            "ravi",
            "elisa",
            vec![story.elisa.to_string()],
            8,
            "Elisa walked me through the cut-over plan. She owns the objective and I own the \
             migration key result: agreed she chairs Thursday's sync and I bring my blockers \
             there like everyone else. Next: ask Kenji for a slot from the data team.",
        ),
        (
            "cpo",
            "maya",
            vec![
                activation.objective_id.to_string(),
                activation.id.to_string(),
            ],
            5,
            "Maya sees the drop-off at the invite step before anyone else does. We agreed she \
             proposes herself as owner of the activation key result next quarter, Daniel as \
             sponsor.",
        ),
        (
            "rachel",
            "tess",
            vec![posts.id.to_string()],
            3,
            "Tess has two posts out and the third in review. She asked for half a day of \
             design for the diagrams; booked with Yuki.",
        ),
    ];
    for (author, with, okr_ids, ago, notes) in conversations {
        let at = clock.at(today - days(ago), 16, 0);
        let held = at.date_naive();
        org.snap.conversations.push(
            cfr::Conversation {
                id: ConversationId::generate(),
                author_id: org.p(author),
                with_id: org.p(with),
                okr_ids,
                held_on: held,
                notes: notes.into(),
                created_at: at,
                updated_at: at,
                version: 1,
            }
            .validated()
            .expect("valid demo conversation"),
        );
    }
}

/// A feedback request on the activation key result, answered twice, and Elisa's, still waiting.
pub(super) fn feedback(org: &mut Org, story: &Story) {
    let activation = kr(org, &story.activation);
    let asked = asked(org);
    let answer = |text: &str, who: &str, hours: i64| cfr::FeedbackAnswer {
        person_id: org.p(who),
        answer: Some(text.into()),
        answered_at: Some(asked + Duration::hours(hours)),
    };
    let answered = cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: activation.id.to_string(),
        requester_id: org.p("cto"),
        question: "What would move Day-7 activation faster than what we are doing now?".into(),
        answers: vec![
            answer(
                "The invite step: half of new admins never invite a colleague. Fix that before \
                 sending more emails.",
                "maya",
                5,
            ),
            answer(
                "The day-2 email converts; extend the sequence to day 5 and test the subject \
                 lines.",
                "carmen",
                26,
            ),
        ],
        created_at: asked,
    };
    let waiting = cfr::FeedbackRequest {
        id: FeedbackRequestId::generate(),
        okr_id: story.elisa.to_string(),
        requester_id: org.p("elisa"),
        question: "Is retiring the legacy pipeline this quarter still the right call, given the \
                   latency work it depends on?"
            .into(),
        answers: ["kenji", "ravi"]
            .iter()
            .map(|p| cfr::FeedbackAnswer {
                person_id: org.p(p),
                answer: None,
                answered_at: None,
            })
            .collect(),
        created_at: asked + Duration::days(4),
    };
    for f in [answered, waiting] {
        org.snap
            .feedback_requests
            .push(f.validated().expect("valid demo feedback request"));
    }
}

/// Recognition: two thanks on a check-in, one on a key result.
pub(super) fn recognitions(org: &mut Org, story: &Story) {
    let activation = kr(org, &story.activation);
    let posts = kr(org, &story.posts);
    let asked = asked(org);
    let latest_check_in = |org: &Org, kr: &KeyResultId| -> Option<CheckIn> {
        org.snap
            .check_ins
            .iter()
            .filter(|c| &c.key_result_id == kr)
            .max_by_key(|c| c.at)
            .cloned()
    };
    let uptime = org
        .snap
        .key_results
        .iter()
        .find(|k| k.title == "Keep monthly uptime above 99.9%")
        .expect("uptime key result")
        .id
        .clone();
    let thanks = [
        (
            "ravi",
            "mei",
            uptime,
            true,
            "Another month above 99.9% while we migrated the database. Thank you, Mei.",
        ),
        (
            "rachel",
            "tess",
            posts.id.clone(),
            true,
            "Every post on time, and the last one is our most-read this year.",
        ),
        (
            "cpo",
            "maya",
            activation.id.clone(),
            false,
            "Thank you for raising the invite-step drop-off before anyone asked.",
        ),
    ];
    for (from, to, kr_id, on_check_in, message) in thanks {
        let check_in = latest_check_in(org, &kr_id).filter(|_| on_check_in);
        let created_at = check_in
            .as_ref()
            .map_or(asked, |c| c.at + Duration::minutes(90));
        org.snap.recognitions.push(
            cfr::Recognition {
                id: RecognitionId::generate(),
                from_id: org.p(from),
                to_id: org.p(to),
                okr_id: kr_id.to_string(),
                check_in_id: check_in.map(|c| c.id),
                message: message.into(),
                created_at,
            }
            .validated()
            .expect("valid demo recognition"),
        );
    }
}
