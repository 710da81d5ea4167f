//! Dependencies between key results: "this key result depends on that one (another team's)".
//! Why a rule of its own: a dependency is negotiated like ownership (the other key result's
//! owner is asked and accepts or declines), may not loop, and an accepted one that goes off
//! track or stale puts its dependent at risk, with the reason naming it. The dependent's own
//! derived status is left as it is (docs/method.md, "Dependencies").

use crate::error::{FieldError, FieldResult};
use crate::ids::{DependencyId, KeyResultId, PersonId};
use crate::rhythm::Status;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a dependency stands in its negotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DependencyState {
    /// Asked; the other key result's owner has not answered.
    Proposed,
    /// The other key result's owner agreed to be depended on.
    Accepted,
    /// The other key result's owner declined (with a reason).
    Declined,
}

impl DependencyState {
    /// The state as stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            DependencyState::Proposed => "proposed",
            DependencyState::Accepted => "accepted",
            DependencyState::Declined => "declined",
        }
    }

    /// The state in the reader's words.
    pub fn label(self) -> &'static str {
        match self {
            DependencyState::Proposed => "Waiting for an answer",
            DependencyState::Accepted => "Accepted",
            DependencyState::Declined => "Declined",
        }
    }

    /// The state spelled as stored; `None` for anything else.
    pub fn parse(v: &str) -> Option<DependencyState> {
        [
            DependencyState::Proposed,
            DependencyState::Accepted,
            DependencyState::Declined,
        ]
        .into_iter()
        .find(|s| s.as_str() == v)
    }

    /// Whether the dependency stands in the graph (counts for loops): asked or accepted.
    pub fn stands(self) -> bool {
        self != DependencyState::Declined
    }
}

/// One key result depending on another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Dependency {
    pub id: DependencyId,
    /// The key result that waits.
    pub key_result_id: KeyResultId,
    /// The key result it waits on.
    pub depends_on_id: KeyResultId,
    pub note: String,
    pub state: DependencyState,
    /// Who asked.
    pub asked_by: Option<PersonId>,
    /// Who answered (the other key result's owner).
    pub answered_by: Option<PersonId>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decline_reason: Option<String>,
}

/// The longest note or decline reason, in characters.
pub const MAX_NOTE: usize = 2_000;

/// A new dependency of `key_result_id` on `depends_on_id`, asked by `asked_by`: refuses a key
/// result depending on itself (naming `depends_on`) and an over-long note (naming `note`).
pub fn propose(
    key_result_id: KeyResultId,
    depends_on_id: KeyResultId,
    note: &str,
    asked_by: PersonId,
) -> FieldResult<Dependency> {
    if key_result_id == depends_on_id {
        return Err(FieldError::new(
            "depends_on",
            "a key result cannot depend on itself",
        ));
    }
    let note = note.trim();
    if note.chars().count() > MAX_NOTE {
        return Err(FieldError::new(
            "note",
            format!("at most {MAX_NOTE} characters"),
        ));
    }
    Ok(Dependency {
        id: DependencyId::generate(),
        key_result_id,
        depends_on_id,
        note: note.to_string(),
        state: DependencyState::Proposed,
        asked_by: Some(asked_by),
        answered_by: None,
        created_at: chrono::Utc::now(),
        answered_at: None,
        decline_reason: None,
    })
}

/// The reason a decline gives: required (naming `reason`), at most [`MAX_NOTE`] characters.
pub fn decline_reason(reason: &str) -> FieldResult<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(FieldError::new(
            "reason",
            "say why you decline: the person who asked will read it",
        ));
    }
    if r.chars().count() > MAX_NOTE {
        return Err(FieldError::new(
            "reason",
            format!("at most {MAX_NOTE} characters"),
        ));
    }
    Ok(r.to_string())
}

/// Refuses a new dependency of `from` on `to` when `to` already (through dependencies that
/// stand) depends on `from`: `depends_on(k)` gives what `k` depends on.
pub fn refuse_dependency_loop(
    from: &KeyResultId,
    to: &KeyResultId,
    depends_on: impl Fn(&KeyResultId) -> Vec<KeyResultId>,
) -> FieldResult<()> {
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![to.clone()];
    while let Some(k) = stack.pop() {
        if &k == from {
            return Err(FieldError::new(
                "depends_on",
                "that key result already depends on this one (through its dependencies): a loop",
            ));
        }
        if seen.insert(k.clone()) {
            stack.extend(depends_on(&k));
        }
    }
    Ok(())
}

/// Whether a dependency in `state` whose key result has `status` puts its dependent at risk:
/// only an accepted dependency that is off track or stale does. The words of the reason.
pub fn blocks(state: DependencyState, status: Status) -> Option<&'static str> {
    if state != DependencyState::Accepted {
        return None;
    }
    match status {
        Status::OffTrack => Some("off track"),
        Status::Stale => Some("stale"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_and_loops_are_refused() {
        let (a, b, c) = (
            KeyResultId::generate(),
            KeyResultId::generate(),
            KeyResultId::generate(),
        );
        let p = PersonId::generate();
        assert_eq!(
            propose(a.clone(), a.clone(), "", p).unwrap_err().field,
            "depends_on"
        );
        // b depends on c, c depends on a: a depending on b would loop.
        let graph = |k: &KeyResultId| {
            if k == &b {
                vec![c.clone()]
            } else if k == &c {
                vec![a.clone()]
            } else {
                vec![]
            }
        };
        assert!(refuse_dependency_loop(&a, &b, graph).is_err());
        assert!(refuse_dependency_loop(&b, &a, |_| vec![]).is_ok());
    }

    #[test]
    fn only_accepted_off_track_or_stale_blocks() {
        assert_eq!(
            blocks(DependencyState::Accepted, Status::OffTrack),
            Some("off track")
        );
        assert_eq!(
            blocks(DependencyState::Accepted, Status::Stale),
            Some("stale")
        );
        assert_eq!(blocks(DependencyState::Accepted, Status::AtRisk), None);
        assert_eq!(blocks(DependencyState::Proposed, Status::OffTrack), None);
        assert!(decline_reason("  ").is_err());
    }
}
