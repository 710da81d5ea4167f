//! Who may do what: every permission decision in one place, so the API, the web UI and the CLI
//! inherit the same checks.
//!
//! The rules follow the OKR roles of seed 004: administrators (executive leadership) may do
//! everything; champions (OKR coaches) manage cycles, settings and the framing of any OKR;
//! members create OKRs and edit what they own or sponsor; check-ins belong to the people doing
//! the work (owner and contributors). Ownership never follows hierarchy (seed 000): being
//! someone's manager grants nothing here.

use crate::error::{ApiError, ApiResult};
use keel_domain::{KeyResult, Objective, Person, PersonId, Role};

fn is(person: &Person, role: Role) -> bool {
    person.has_role(role)
}

fn admin_or_champion(p: &Person) -> bool {
    is(p, Role::Admin) || is(p, Role::Champion)
}

fn deny(what: &str) -> ApiError {
    ApiError::forbidden(format!("you may not {what}"))
}

/// Creating and editing people (and their roles): administrators.
pub fn manage_people(caller: &Person) -> ApiResult<()> {
    if is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny("manage people: it needs the admin role"))
    }
}

/// Organisation settings: administrators and champions.
pub fn manage_settings(caller: &Person) -> ApiResult<()> {
    if admin_or_champion(caller) {
        Ok(())
    } else {
        Err(deny(
            "change organisation settings: it needs the admin or champion role",
        ))
    }
}

/// Cycles: administrators and champions.
pub fn manage_cycles(caller: &Person) -> ApiResult<()> {
    if admin_or_champion(caller) {
        Ok(())
    } else {
        Err(deny("manage cycles: it needs the admin or champion role"))
    }
}

/// Creating teams: administrators and champions. Editing a team: those, or its lead.
pub fn manage_team(caller: &Person, lead_id: Option<&PersonId>) -> ApiResult<()> {
    if admin_or_champion(caller) || lead_id == Some(&caller.id) {
        Ok(())
    } else {
        Err(deny(
            "change this team: it needs the admin or champion role, or being its lead",
        ))
    }
}

/// Anyone who is more than a reader can create OKRs.
pub fn create_okr(caller: &Person) -> ApiResult<()> {
    let readers_only = caller
        .roles
        .iter()
        .all(|r| matches!(r, Role::Viewer | Role::Reviewer | Role::Analyst | Role::Hr));
    if readers_only {
        Err(deny("create OKRs: your roles are read-only"))
    } else {
        Ok(())
    }
}

/// Editing an objective (and adding key results to it): its owner or sponsor, administrators
/// and champions.
pub fn edit_objective(caller: &Person, o: &Objective) -> ApiResult<()> {
    if admin_or_champion(caller)
        || o.owner_id == caller.id
        || o.sponsor_id.as_ref() == Some(&caller.id)
    {
        Ok(())
    } else {
        Err(deny(
            "edit this objective: only its owner, its sponsor, an admin or a champion may",
        ))
    }
}

/// Editing a key result: its owner or sponsor, the objective's owner or sponsor, administrators
/// and champions.
pub fn edit_key_result(caller: &Person, kr: &KeyResult, o: &Objective) -> ApiResult<()> {
    if kr.owner_id == caller.id
        || kr.sponsor_id.as_ref() == Some(&caller.id)
        || edit_objective(caller, o).is_ok()
    {
        Ok(())
    } else {
        Err(deny("edit this key result: only its owner, its sponsor, the objective's owner or sponsor, an admin or a champion may"))
    }
}

/// Checking in: the key result's owner and contributors, the objective's owner, administrators.
pub fn check_in(caller: &Person, kr: &KeyResult, o: &Objective) -> ApiResult<()> {
    if kr.owner_id == caller.id
        || kr.contributor_ids.contains(&caller.id)
        || o.owner_id == caller.id
        || is(caller, Role::Admin)
    {
        Ok(())
    } else {
        Err(deny("check in on this key result: only its owner, its contributors, the objective's owner or an admin may"))
    }
}

/// Proposing or changing initiatives: whoever may check in or edit the key result.
pub fn manage_initiatives(caller: &Person, kr: &KeyResult, o: &Objective) -> ApiResult<()> {
    if check_in(caller, kr, o).is_ok() || edit_key_result(caller, kr, o).is_ok() {
        Ok(())
    } else {
        Err(deny("change initiatives of this key result: only its owner, its contributors, the objective's owner, an admin or a champion may"))
    }
}

// ---- the owner's rhythm (issue 5) ----

/// Overriding an objective's derived status: its owner (who answers for it in review) and
/// administrators.
pub fn override_status(caller: &Person, o: &Objective) -> ApiResult<()> {
    if o.owner_id == caller.id || is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny(
            "override this objective's status: only its owner or an admin may",
        ))
    }
}

/// Scoring a key result at the end of the cycle: its owner, the objective's owner,
/// administrators and champions.
pub fn score_key_result(caller: &Person, kr: &KeyResult, o: &Objective) -> ApiResult<()> {
    if kr.owner_id == caller.id || o.owner_id == caller.id || admin_or_champion(caller) {
        Ok(())
    } else {
        Err(deny("score this key result: only its owner, the objective's owner, an admin or a champion may"))
    }
}

/// Writing an objective's retrospective (and carrying it over): its owner, administrators and
/// champions.
pub fn write_retrospective(caller: &Person, o: &Objective) -> ApiResult<()> {
    if o.owner_id == caller.id || admin_or_champion(caller) {
        Ok(())
    } else {
        Err(deny(
            "write this objective's retrospective: only its owner, an admin or a champion may",
        ))
    }
}

/// Closing a cycle locks its OKRs: administrators and champions.
pub fn close_cycle(caller: &Person) -> ApiResult<()> {
    manage_cycles(caller)
}

/// Re-opening a closed cycle unlocks scored OKRs: administrators only.
pub fn reopen_cycle(caller: &Person) -> ApiResult<()> {
    if is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny("reopen a closed cycle: it needs the admin role"))
    }
}

/// Running a team review (preparing it, recording notes and decisions): the team's lead,
/// administrators and champions.
pub fn run_review(caller: &Person, team: &keel_domain::Team) -> ApiResult<()> {
    if admin_or_champion(caller) || team.lead_id.as_ref() == Some(&caller.id) {
        Ok(())
    } else {
        Err(deny(
            "run this team's review: only its lead, an admin or a champion may",
        ))
    }
}

/// Recording an owner's notes on a review item: the item's owner, or whoever runs the review.
pub fn note_review_item(
    caller: &Person,
    team: &keel_domain::Team,
    item_owner: &PersonId,
) -> ApiResult<()> {
    if item_owner == &caller.id || run_review(caller, team).is_ok() {
        Ok(())
    } else {
        Err(deny("write notes on this review item: only the OKR's owner, the team's lead, an admin or a champion may"))
    }
}

/// A 1:1 conversation is private to its two people: anyone else, administrators included, is
/// told it does not exist (404, not 403, so that its existence does not leak).
pub fn read_conversation(caller: &Person, c: &keel_domain::cfr::Conversation) -> ApiResult<()> {
    if c.involves(&caller.id) {
        Ok(())
    } else {
        Err(ApiError::NotFound("conversation"))
    }
}

/// Answering a feedback request: only the people it was addressed to.
pub fn answer_feedback(caller: &Person, r: &keel_domain::cfr::FeedbackRequest) -> ApiResult<()> {
    if r.answers.iter().any(|a| a.person_id == caller.id) {
        Ok(())
    } else {
        Err(deny(
            "answer this feedback request: it was not addressed to you",
        ))
    }
}

/// The calibration report judges people's confidence: administrators, champions, analysts and
/// HR.
pub fn read_calibration(caller: &Person) -> ApiResult<()> {
    if admin_or_champion(caller) || is(caller, Role::Analyst) || is(caller, Role::Hr) {
        Ok(())
    } else {
        Err(deny(
            "read the calibration report: it needs the admin, champion, analyst or hr role",
        ))
    }
}

/// A team's own check-in cadence: whoever may change the team.
pub fn set_team_cadence(caller: &Person, team: &keel_domain::Team) -> ApiResult<()> {
    manage_team(caller, team.lead_id.as_ref())
}
