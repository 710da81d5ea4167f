//! The permission rules: every decision about who may do what, in one place, so the API, the
//! web UI and the CLI inherit the same checks.
//!
//! The rules follow the OKR roles (`docs/method.md`, "One owner" and "Sponsor and
//! contributors"): administrators (executive leadership) may do everything; champions (OKR
//! coaches) manage cycles, settings and the framing of any OKR; members create OKRs and edit
//! what they own or sponsor; check-ins belong to the people doing the work (Owner and
//! Contributors). Ownership never follows hierarchy: being someone's manager grants nothing
//! here. Team leads (a team's `lead_id`) act on the OKRs and membership of their team and of
//! every team below it: that is a position in the team tree, not a role, so it lives in
//! [`Actor`]. Who may *see* an OKR is decided here too ([`read_scope`], `docs/method.md`
//! "Visibility") and enforced by `services::visibility`; `access::matrix` states the resulting
//! table per role and route, and a test walks it against the running app.

use crate::error::{ApiError, ApiResult};
use keel_domain::{KeyResult, Objective, OwnershipState, Person, PersonId, Role, Team, TeamId};
use keel_store::{Ownership, Store, TeamScope, Teams};
use std::collections::HashSet;

/// A person about to write, with the teams they lead (directly or above): loaded once per write
/// that needs it, so the rules below stay synchronous.
#[derive(Debug, Clone)]
pub struct Actor {
    pub person: Person,
    /// The teams this person leads and every team below them.
    pub led_teams: HashSet<TeamId>,
    /// The OKRs (objective or key result ids) this person is handing over: they owned them when
    /// a new owner was proposed, who has not answered yet.
    pub handing_over: HashSet<String>,
}

impl Actor {
    /// Two queries: the teams `person` leads (and their sub-teams at any depth), and the OKRs
    /// they are handing over.
    pub async fn load(store: &dyn Store, person: &Person) -> ApiResult<Actor> {
        let (led_teams, handing_over) = tokio::try_join!(
            async { Ok::<_, ApiError>(store.teams_led_by(&person.id).await?) },
            handing_over(store, person, None),
        )?;
        Ok(Actor {
            person: person.clone(),
            led_teams: led_teams.into_iter().collect(),
            handing_over,
        })
    }

    /// For the check-in rule ([`check_in`]) on these key results (with their objectives), which
    /// asks who owns an OKR, never which teams the caller leads. `led_teams` is left empty (for
    /// a lead of the top team it is every team, a recursive query that was a third of a
    /// check-in's cost); a rule that reads it on this actor would only refuse, never allow.
    /// [`Actor::owns`] reads the OKRs being handed over for a pending OKR alone, so only the
    /// pending ones among these are looked up (one query, none when no OKR is pending): for
    /// the rest an empty set answers the same.
    pub async fn load_for_check_in<'a>(
        store: &dyn Store,
        person: &Person,
        okrs: impl IntoIterator<Item = (&'a KeyResult, &'a Objective)>,
    ) -> ApiResult<Actor> {
        let mut pending = Vec::new();
        for (k, o) in okrs {
            if k.ownership_state == OwnershipState::Pending {
                pending.push(k.id.to_string());
            }
            if o.ownership_state == OwnershipState::Pending {
                pending.push(o.id.to_string());
            }
        }
        pending.sort();
        pending.dedup();
        Ok(Actor {
            person: person.clone(),
            led_teams: HashSet::new(),
            handing_over: if pending.is_empty() {
                HashSet::new()
            } else {
                handing_over(store, person, Some(&pending)).await?
            },
        })
    }

    /// The one rule for "is the owner" (the doctrine's "Acceptance"): the acting owner of an OKR
    /// is the person who accepted it. While a proposal waits, the person proposed may read it
    /// and accept or decline, nothing more, and whoever owned it before keeps acting as owner
    /// until the new owner accepts (a handover). A declined OKR has no acting owner until
    /// someone who may edit it proposes again.
    pub fn owns(&self, okr_id: &str, owner_id: &PersonId, state: OwnershipState) -> bool {
        match state {
            OwnershipState::Accepted => owner_id == &self.id,
            OwnershipState::Pending => self.handing_over.contains(okr_id),
            OwnershipState::Declined => false,
        }
    }

    /// Acting owner of the objective (see [`Actor::owns`]).
    pub fn owns_objective(&self, o: &Objective) -> bool {
        self.owns(o.id.as_str(), &o.owner_id, o.ownership_state)
    }

    /// Acting owner of the key result (see [`Actor::owns`]).
    pub fn owns_key_result(&self, kr: &KeyResult) -> bool {
        self.owns(kr.id.as_str(), &kr.owner_id, kr.ownership_state)
    }

    /// Leads (directly or from above) one of these teams.
    pub fn leads_any(&self, teams: &[TeamId]) -> bool {
        teams.iter().any(|t| self.led_teams.contains(t))
    }
}

/// The OKRs (objective or key result ids) `person` is handing over: a new owner was proposed
/// and has not answered yet. `among`: only these OKRs.
async fn handing_over(
    store: &dyn Store,
    person: &Person,
    among: Option<&[String]>,
) -> ApiResult<HashSet<String>> {
    Ok(store
        .handing_over(&person.id, among)
        .await?
        .into_iter()
        .collect())
}

impl std::ops::Deref for Actor {
    type Target = Person;
    fn deref(&self) -> &Person {
        &self.person
    }
}

/// What a person may read, before any OKR-specific circle: see `keel_store::Audience` for the
/// rule itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadScope {
    /// Administrators: every OKR, private ones included.
    Everything,
    /// Public OKRs, those they take part in, and the team-visible ones in this scope.
    Limited(TeamScope),
}

/// Administrators see everything. Champions (they frame and review every OKR), analysts (they
/// read everything for reports) and finance (financial key results sit anywhere) see every
/// public and team-visible OKR; private ones only when they take part. People who hold only the
/// `viewer` role see public OKRs (and any they take part in). Everyone else (members, reviewers,
/// HR) sees public OKRs, team-visible ones shared with a team they belong to or lead (from
/// above), and private ones they take part in.
pub fn read_scope(p: &Person) -> ReadScope {
    if is(p, Role::Admin) {
        ReadScope::Everything
    } else if is(p, Role::Champion) || is(p, Role::Analyst) || is(p, Role::Finance) {
        ReadScope::Limited(TeamScope::All)
    } else if p.roles.iter().all(|r| *r == Role::Viewer) {
        ReadScope::Limited(TeamScope::None)
    } else {
        ReadScope::Limited(TeamScope::Reach)
    }
}

fn is(person: &Person, role: Role) -> bool {
    person.has_role(role)
}

fn admin_or_champion(p: &Person) -> bool {
    is(p, Role::Admin) || is(p, Role::Champion)
}

fn deny(what: &str) -> ApiError {
    ApiError::forbidden(format!("you may not {what}"))
}

/// Reading the audit log of the whole organisation: administrators and champions. (An
/// objective's own history is readable by whoever can see the objective.)
pub fn read_audit(caller: &Person) -> ApiResult<()> {
    if admin_or_champion(caller) {
        Ok(())
    } else {
        Err(deny(
            "read the audit log: it needs the admin or champion role",
        ))
    }
}

/// Exporting and importing the organisation's OKR data (every OKR, private ones included, and
/// every person): administrators.
pub fn transfer_okrs(caller: &Person) -> ApiResult<()> {
    if is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny(
            "export or import the organisation's OKRs: it needs the admin role",
        ))
    }
}

/// Reports over many OKRs (the ownership health check): everyone but people who hold only the
/// `viewer` role. What a report covers is still limited to what the reader may see.
pub fn read_reports(caller: &Person) -> ApiResult<()> {
    if caller.roles.iter().all(|r| *r == Role::Viewer) {
        Err(deny("read reports: viewers read public OKRs only"))
    } else {
        Ok(())
    }
}

/// Creating and editing people (and their roles): administrators.
pub fn manage_people(caller: &Person) -> ApiResult<()> {
    if is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny("manage people: it needs the admin role"))
    }
}

/// Single sign-on's configuration: administrators only (it decides who may sign in, and with
/// which roles); champions manage the other settings.
pub fn configure_sso(caller: &Person) -> ApiResult<()> {
    if is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny(
            "read single sign-on's configuration: it needs the admin role",
        ))
    }
}

/// Outbound webhooks (where Keel sends what happens, signed with a secret): administrators
/// only, as for the mail server.
pub fn manage_webhooks(caller: &Person) -> ApiResult<()> {
    if is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny("manage webhooks: it needs the admin role"))
    }
}

/// Automation rules (they tell people and post to webhooks on the organisation's behalf):
/// administrators only, as for webhooks.
pub fn manage_automation(caller: &Person) -> ApiResult<()> {
    if is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny("manage automation rules: it needs the admin role"))
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

/// Creating teams: administrators and champions. Editing a team (its name and members): those,
/// or the lead of the team or of a team above it.
pub fn manage_team(actor: &Actor, team: Option<&Team>) -> ApiResult<()> {
    if admin_or_champion(actor) || team.is_some_and(|t| actor.led_teams.contains(&t.id)) {
        Ok(())
    } else {
        Err(deny(
            "change this team: it needs the admin or champion role, or leading it or a team above it",
        ))
    }
}

/// Anyone who is more than a reader can create OKRs (finance edits financial key results but
/// does not create OKRs of its own).
pub fn create_okr(caller: &Person) -> ApiResult<()> {
    let readers_only = caller.roles.iter().all(|r| {
        matches!(
            r,
            Role::Viewer | Role::Reviewer | Role::Analyst | Role::Hr | Role::Finance
        )
    });
    if readers_only {
        Err(deny("create OKRs: your roles are read-only"))
    } else {
        Ok(())
    }
}

/// Editing an objective (and adding key results to it): its owner or sponsor, administrators,
/// champions, and the lead of a team it is shared with (or of a team above).
pub fn edit_objective(actor: &Actor, o: &Objective) -> ApiResult<()> {
    if admin_or_champion(actor)
        || actor.owns_objective(o)
        || o.sponsor_id.as_ref() == Some(&actor.id)
        || actor.leads_any(&o.team_ids)
    {
        Ok(())
    } else {
        Err(deny(
            "edit this objective: only its owner, its sponsor, the lead of one of its teams, an admin or a champion may",
        ))
    }
}

/// Finance edits key results tagged as financial.
fn finance_on(p: &Person, kr: &KeyResult) -> bool {
    kr.financial && is(p, Role::Finance)
}

/// Editing a key result: its owner or sponsor, whoever may edit the objective, the lead of a
/// team the key result is shared with, and finance when it is tagged financial.
pub fn edit_key_result(actor: &Actor, kr: &KeyResult, o: &Objective) -> ApiResult<()> {
    if actor.owns_key_result(kr)
        || kr.sponsor_id.as_ref() == Some(&actor.id)
        || actor.leads_any(&kr.team_ids)
        || finance_on(actor, kr)
        || edit_objective(actor, o).is_ok()
    {
        Ok(())
    } else {
        Err(deny("edit this key result: only its owner, its sponsor, the objective's owner or sponsor, a lead of its teams, an admin or a champion may (finance too when it is financial)"))
    }
}

/// Checking in: the key result's owner and contributors, the objective's owner, administrators,
/// and finance on financial key results.
pub fn check_in(caller: &Actor, kr: &KeyResult, o: &Objective) -> ApiResult<()> {
    if caller.owns_key_result(kr)
        || kr.contributor_ids.contains(&caller.id)
        || caller.owns_objective(o)
        || is(caller, Role::Admin)
        || finance_on(caller, kr)
    {
        Ok(())
    } else {
        Err(deny("check in on this key result: only its owner, its contributors, the objective's owner or an admin may"))
    }
}

/// Proposing or changing initiatives: whoever may check in or edit the key result.
pub fn manage_initiatives(caller: &Actor, kr: &KeyResult, o: &Objective) -> ApiResult<()> {
    if check_in(caller, kr, o).is_ok() || edit_key_result(caller, kr, o).is_ok() {
        Ok(())
    } else {
        Err(deny("change initiatives of this key result: only its owner, its contributors, the objective's owner, an admin or a champion may"))
    }
}

// ---- the weekly rhythm, status and the end of the cycle ----

/// Overriding an objective's derived status: its owner (who answers for it in review) and
/// administrators.
pub fn override_status(caller: &Actor, o: &Objective) -> ApiResult<()> {
    if caller.owns_objective(o) || is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny(
            "override this objective's status: only its owner or an admin may",
        ))
    }
}

/// Scoring a key result at the end of the cycle: its owner, the objective's owner,
/// administrators and champions.
pub fn score_key_result(caller: &Actor, kr: &KeyResult, o: &Objective) -> ApiResult<()> {
    if caller.owns_key_result(kr) || caller.owns_objective(o) || admin_or_champion(caller) {
        Ok(())
    } else {
        Err(deny("score this key result: only its owner, the objective's owner, an admin or a champion may"))
    }
}

/// Writing an objective's retrospective (and carrying it over): its owner, administrators and
/// champions.
pub fn write_retrospective(caller: &Actor, o: &Objective) -> ApiResult<()> {
    if caller.owns_objective(o) || admin_or_champion(caller) {
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

/// Running a team review (preparing it, recording notes and decisions): administrators,
/// champions, and the lead of the team or of a team above it (like [`manage_team`]).
pub fn run_review(actor: &Actor, team: &Team) -> ApiResult<()> {
    if admin_or_champion(actor) || actor.led_teams.contains(&team.id) {
        Ok(())
    } else {
        Err(deny(
            "run this team's review: only its lead (or the lead of a team above it), an admin or a champion may",
        ))
    }
}

/// Recording an owner's notes on a review item: the item's owner, or whoever runs the review.
pub fn note_review_item(
    actor: &Actor,
    team: &Team,
    item_owner: &keel_domain::PersonId,
) -> ApiResult<()> {
    if item_owner == &actor.id || run_review(actor, team).is_ok() {
        Ok(())
    } else {
        Err(deny("write notes on this review item: only the OKR's owner, the team's lead, an admin or a champion may"))
    }
}

/// Feedback and recognition (asking for feedback, answering it, recognising someone's work):
/// everyone but people who hold only the `viewer` role. Reviewers "read and comment, give
/// feedback"; analysts, HR and finance take part in the conversation too. What it is about must
/// still be an OKR the person may see.
pub fn give_feedback(caller: &Person) -> ApiResult<()> {
    if caller.roles.iter().all(|r| *r == Role::Viewer) {
        Err(deny(
            "give or ask for feedback: viewers read public OKRs only",
        ))
    } else {
        Ok(())
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
    give_feedback(caller)?;
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

/// How far a reader's view of people's participation reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeopleReach {
    /// Everyone in the organisation.
    Organisation,
    /// The members of the teams they lead and of every team below them.
    LedTeams(HashSet<TeamId>),
}

impl PeopleReach {
    /// Whether the members of `team` are within reach.
    pub fn covers(&self, team: &TeamId) -> bool {
        match self {
            PeopleReach::Organisation => true,
            PeopleReach::LedTeams(led) => led.contains(team),
        }
    }
}

/// A person's participation (what they own and contribute to, whether they check in, their
/// load) is about that person, not about OKRs, so not every member reads it: administrators,
/// champions, analysts and HR read everyone's; a team lead reads the members of the teams they
/// lead (`led_teams`: those teams and every team below them); anyone else is refused.
pub fn read_participation(
    caller: &Person,
    led_teams: impl FnOnce() -> HashSet<TeamId>,
) -> ApiResult<PeopleReach> {
    if admin_or_champion(caller) || is(caller, Role::Analyst) || is(caller, Role::Hr) {
        return Ok(PeopleReach::Organisation);
    }
    let led = led_teams();
    if led.is_empty() {
        Err(deny(
            "read people's participation: it needs the admin, champion, analyst or hr role, or leading a team",
        ))
    } else {
        Ok(PeopleReach::LedTeams(led))
    }
}

/// Whether a reader may open the participation report without leading a team (the navigation
/// shows the reports to these roles; a team lead reaches them from the reports page).
pub fn reads_people_reports(caller: &Person) -> bool {
    read_participation(caller, HashSet::new).is_ok()
}

/// Financial key results, their figures and totals: finance, administrators and champions.
pub fn read_financial_report(caller: &Person) -> ApiResult<()> {
    if admin_or_champion(caller) || is(caller, Role::Finance) {
        Ok(())
    } else {
        Err(deny(
            "read the financial report: it needs the admin, champion or finance role",
        ))
    }
}

/// A team's own check-in cadence: whoever may change the team.
pub fn set_team_cadence(actor: &Actor, team: &keel_domain::Team) -> ApiResult<()> {
    manage_team(actor, Some(team))
}

/// Resetting someone's password (and so ending their sessions): administrators.
pub fn reset_password(caller: &Person) -> ApiResult<()> {
    if is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny("reset passwords: it needs the admin role"))
    }
}

// ---- data in: ingest tokens and KPIs ----

/// A key result's ingest tokens (create, list, revoke): its acting owner and administrators. A
/// token speaks for the key result's data, so those who answer for it decide who may push.
pub fn manage_ingest_tokens(actor: &Actor, kr: &KeyResult) -> ApiResult<()> {
    if actor.owns_key_result(kr) || is(actor, Role::Admin) {
        Ok(())
    } else {
        Err(deny(
            "manage this key result's ingest tokens: only its owner or an admin may",
        ))
    }
}

/// A key result's pulled source (set, change, remove, run, read its settings and runs): its
/// acting owner and administrators, like its ingest tokens: a source speaks for its data.
pub fn manage_pull_source(actor: &Actor, kr: &KeyResult) -> ApiResult<()> {
    if actor.owns_key_result(kr) || is(actor, Role::Admin) {
        Ok(())
    } else {
        Err(deny(
            "manage this key result's data source: only its owner or an admin may",
        ))
    }
}

/// Registering and removing the databases pulled sources query: administrators (a connection
/// URL reaches into another system with its credentials).
pub fn manage_source_databases(caller: &Person) -> ApiResult<()> {
    if is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny(
            "register databases for data sources: only an admin may",
        ))
    }
}

/// Creating a KPI: whoever may create OKRs (a KPI is watched by someone who answers for it).
pub fn create_kpi(caller: &Person) -> ApiResult<()> {
    create_okr(caller).map_err(|_| deny("create KPIs: your roles are read-only"))
}

/// Changing a KPI (editing, deleting, recording a reading, its ingest tokens): its owner and
/// administrators.
pub fn manage_kpi(caller: &Person, kpi: &keel_domain::kpi::Kpi) -> ApiResult<()> {
    if kpi.owner_id == caller.id || is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny("change this KPI: only its owner or an admin may"))
    }
}

/// Naming someone else as a KPI's owner: administrators (others create KPIs they own).
pub fn assign_kpi_owner(caller: &Person, owner: &PersonId) -> ApiResult<()> {
    if owner == &caller.id || is(caller, Role::Admin) {
        Ok(())
    } else {
        Err(deny(
            "name someone else as a KPI's owner: only an admin may; you may own it yourself",
        ))
    }
}
