//! People, teams, cycles and organisation settings: the directory OKRs hang from.

use super::{now, nullable, require_active_people, require_active_person};
use crate::access::{self, Actor};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::IfMatch;
use keel_domain::alignment::creates_cycle;
use keel_domain::*;
use keel_store::Store;
use keel_store::{Accounts, Cycles, People, Settings, Teams};
use serde::Deserialize;
use utoipa::ToSchema;

// ---------------------------------------------------------------- people

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub title: String,
    pub manager_id: Option<PersonId>,
    /// Defaults to `["member"]`.
    #[serde(default)]
    pub roles: Vec<Role>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub manager_id: Option<Option<PersonId>>,
    pub roles: Option<Vec<Role>>,
    /// Deactivating a person keeps their history; they can no longer sign in or be named owner.
    pub active: Option<bool>,
    /// The IANA time zone the person reads times in; null: the organisation's.
    #[serde(default, deserialize_with = "nullable")]
    pub time_zone: Option<Option<String>>,
}

pub async fn create_person(
    store: &dyn Store,
    caller: &Caller,
    input: NewPerson,
) -> ApiResult<Person> {
    access::manage_people(&caller.person)?;
    insert_person(store, &caller.write_ctx(), input).await
}

/// Creates a person without a permission check: for the CLI's first administrator, and for a
/// first single sign-on (`services::provisioning`), where the identity provider vouches.
pub async fn insert_person(
    store: &dyn Store,
    ctx: &keel_store::WriteCtx,
    input: NewPerson,
) -> ApiResult<Person> {
    let t = now();
    let person = Person {
        id: PersonId::generate(),
        name: input.name,
        email: Email::parse("email", &input.email)?,
        title: input.title,
        manager_id: input.manager_id,
        active: true,
        roles: input.roles,
        time_zone: None,
        created_at: t,
        updated_at: t,
        version: 1,
    }
    .validated()?;
    if let Some(m) = &person.manager_id {
        require_active_person(store, "manager_id", m).await?;
    }
    if store.person_by_email(&person.email.key()).await?.is_some() {
        return Err(ApiError::conflict(
            "email",
            "a person with this email already exists",
        ));
    }
    store.insert_person(ctx, &person).await?;
    Ok(person)
}

pub async fn get_person(store: &dyn Store, id: &PersonId) -> ApiResult<Person> {
    store.person(id).await?.ok_or(ApiError::NotFound("person"))
}

/// A person sets the time zone they read times in (empty: the organisation's); 422 on
/// `time_zone` for a name that is not an IANA zone.
pub async fn set_own_time_zone(
    store: &dyn Store,
    caller: &Caller,
    typed: &str,
) -> ApiResult<Person> {
    let before = get_person(store, &caller.person.id).await?;
    let after = Person {
        time_zone: keel_domain::person::check_time_zone(Some(typed))?,
        ..before.clone()
    };
    Ok(store
        .update_person(&caller.write_ctx(), &before, &after)
        .await?)
}

pub async fn patch_person(
    store: &dyn Store,
    caller: &Caller,
    id: &PersonId,
    if_match: IfMatch,
    patch: PersonPatch,
) -> ApiResult<Person> {
    access::manage_people(&caller.person)?;
    let before = get_person(store, id).await?;
    if_match.check(before.version)?;
    let mut after = before.clone();
    if let Some(n) = patch.name {
        after.name = n;
    }
    if let Some(e) = patch.email {
        after.email = Email::parse("email", &e)?;
        if after.email.key() != before.email.key() {
            if let Some(other) = store.person_by_email(&after.email.key()).await? {
                if other.id != before.id {
                    return Err(ApiError::conflict(
                        "email",
                        "a person with this email already exists",
                    ));
                }
            }
        }
    }
    if let Some(t) = patch.title {
        after.title = t;
    }
    if let Some(m) = patch.manager_id {
        after.manager_id = m;
    }
    if let Some(r) = patch.roles {
        after.roles = r;
    }
    if let Some(tz) = patch.time_zone {
        after.time_zone = tz;
    }
    if let Some(a) = patch.active {
        if !a && before.id == caller.person.id {
            return Err(ApiError::invalid(
                "active",
                "you cannot deactivate yourself",
            ));
        }
        after.active = a;
    }
    let after = after.validated()?;
    let was_admin = before.active && before.has_role(Role::Admin);
    let is_admin = after.active && after.has_role(Role::Admin);
    if was_admin && !is_admin && store.count_active_with_role(Role::Admin).await? <= 1 {
        let field = if after.active { "roles" } else { "active" };
        return Err(ApiError::conflict(
            field,
            format!(
                "{} is the last active administrator: make someone else an administrator first, \
                 so the organisation is never left without one",
                before.name
            ),
        ));
    }
    if after.manager_id != before.manager_id {
        if let Some(m) = &after.manager_id {
            require_active_person(store, "manager_id", m).await?;
            if manages_transitively(store, &after.id, m).await? {
                return Err(ApiError::invalid(
                    "manager_id",
                    "this would make a reporting loop: the new manager already reports (directly or not) to this person",
                ));
            }
        }
    }
    let updated = store
        .update_person(&caller.write_ctx(), &before, &after)
        .await?;
    if before.active && !updated.active {
        // Deactivation ends every browser session at once (tokens already answer 401, since
        // they are checked against the person's state on each request).
        store.delete_sessions_of(&updated.id, None).await?;
    }
    Ok(updated)
}

/// Does `person` appear in `candidate`'s chain of managers?
async fn manages_transitively(
    store: &dyn Store,
    person: &PersonId,
    candidate: &PersonId,
) -> ApiResult<bool> {
    let mut current = Some(candidate.clone());
    let mut steps = 0;
    while let Some(id) = current {
        if &id == person {
            return Ok(true);
        }
        steps += 1;
        if steps > 10_000 {
            return Ok(true);
        }
        current = store.person(&id).await?.and_then(|p| p.manager_id);
    }
    Ok(false)
}

// ---------------------------------------------------------------- teams

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    pub name: String,
    pub parent_id: Option<TeamId>,
    pub lead_id: Option<PersonId>,
    #[serde(default)]
    pub member_ids: Vec<PersonId>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<Option<TeamId>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub lead_id: Option<Option<PersonId>>,
    pub member_ids: Option<Vec<PersonId>>,
}

pub async fn create_team(store: &dyn Store, caller: &Caller, input: NewTeam) -> ApiResult<Team> {
    access::manage_team(&Actor::load(store, &caller.person).await?, None)?;
    let t = now();
    let team = Team {
        id: TeamId::generate(),
        name: input.name,
        parent_id: input.parent_id,
        lead_id: input.lead_id,
        member_ids: input.member_ids,
        created_at: t,
        updated_at: t,
        version: 1,
    }
    .validated()?;
    check_team_refs(store, &team, None).await?;
    store.insert_team(&caller.write_ctx(), &team).await?;
    Ok(team)
}

async fn check_team_refs(store: &dyn Store, team: &Team, before: Option<&Team>) -> ApiResult<()> {
    if let Some(p) = &team.parent_id {
        if before.and_then(|b| b.parent_id.as_ref()) != Some(p) {
            store.team(p).await?.ok_or_else(|| {
                ApiError::invalid("parent_id", format!("no team has the id '{p}'"))
            })?;
            let mut chain = std::collections::HashMap::new();
            let mut cursor = Some(p.clone());
            while let Some(id) = cursor {
                let parent = store.team(&id).await?.and_then(|t| t.parent_id);
                cursor = parent.clone().filter(|next| !chain.contains_key(next));
                chain.insert(id, parent);
            }
            if creates_cycle(&team.id, std::slice::from_ref(p), |id| {
                chain.get(id).cloned().flatten().into_iter().collect()
            }) {
                return Err(ApiError::invalid(
                    "parent_id",
                    "a team cannot sit under one of its own sub-teams",
                ));
            }
        }
    }
    if let Some(l) = &team.lead_id {
        require_active_person(store, "lead_id", l).await?;
    }
    let new_members: Vec<PersonId> = team
        .member_ids
        .iter()
        .filter(|m| before.is_none_or(|b| !b.member_ids.contains(m)))
        .cloned()
        .collect();
    require_active_people(store, "member_ids", &new_members).await?;
    Ok(())
}

pub async fn get_team(store: &dyn Store, id: &TeamId) -> ApiResult<Team> {
    store.team(id).await?.ok_or(ApiError::NotFound("team"))
}

pub async fn patch_team(
    store: &dyn Store,
    caller: &Caller,
    id: &TeamId,
    if_match: IfMatch,
    patch: TeamPatch,
) -> ApiResult<Team> {
    let before = get_team(store, id).await?;
    access::manage_team(&Actor::load(store, &caller.person).await?, Some(&before))?;
    if_match.check(before.version)?;
    let mut after = before.clone();
    if let Some(n) = patch.name {
        after.name = n;
    }
    if let Some(p) = patch.parent_id {
        after.parent_id = p;
    }
    if let Some(l) = patch.lead_id {
        after.lead_id = l;
    }
    if let Some(m) = patch.member_ids {
        after.member_ids = m;
    }
    let after = after.validated()?;
    check_team_refs(store, &after, Some(&before)).await?;
    Ok(store
        .update_team(&caller.write_ctx(), &before, &after)
        .await?)
}

// ---------------------------------------------------------------- cycles

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCycle {
    pub name: String,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    pub parent_id: Option<CycleId>,
    #[serde(default)]
    pub state: CycleState,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CyclePatch {
    pub name: Option<String>,
    pub starts_on: Option<chrono::NaiveDate>,
    pub ends_on: Option<chrono::NaiveDate>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<Option<CycleId>>,
    pub state: Option<CycleState>,
}

async fn check_cycle_refs(store: &dyn Store, cycle: &Cycle) -> ApiResult<()> {
    if let Some(other) = store.cycle_by_name(&cycle.name).await? {
        if other.id != cycle.id {
            return Err(ApiError::conflict(
                "name",
                format!("a cycle named '{}' already exists", cycle.name),
            ));
        }
    }
    if let Some(p) = &cycle.parent_id {
        let parent = store
            .cycle(p)
            .await?
            .ok_or_else(|| ApiError::invalid("parent_id", format!("no cycle has the id '{p}'")))?;
        if parent.parent_id.is_some() {
            return Err(ApiError::invalid(
                "parent_id",
                "cycles nest one level deep (a year holding quarters); the parent already has a parent",
            ));
        }
        cycle.check_within(&parent)?;
    }
    Ok(())
}

pub async fn create_cycle(store: &dyn Store, caller: &Caller, input: NewCycle) -> ApiResult<Cycle> {
    access::manage_cycles(&caller.person)?;
    let t = now();
    let cycle = Cycle {
        id: CycleId::generate(),
        name: input.name,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        parent_id: input.parent_id,
        state: input.state,
        created_at: t,
        updated_at: t,
        version: 1,
    }
    .validated()?;
    check_cycle_refs(store, &cycle).await?;
    store.insert_cycle(&caller.write_ctx(), &cycle).await?;
    Ok(cycle)
}

pub async fn get_cycle(store: &dyn Store, id: &CycleId) -> ApiResult<Cycle> {
    store.cycle(id).await?.ok_or(ApiError::NotFound("cycle"))
}

pub async fn patch_cycle(
    store: &dyn Store,
    caller: &Caller,
    id: &CycleId,
    if_match: IfMatch,
    patch: CyclePatch,
) -> ApiResult<Cycle> {
    access::manage_cycles(&caller.person)?;
    let before = get_cycle(store, id).await?;
    if_match.check(before.version)?;
    let mut after = before.clone();
    if let Some(n) = patch.name {
        after.name = n;
    }
    if let Some(s) = patch.starts_on {
        after.starts_on = s;
    }
    if let Some(e) = patch.ends_on {
        after.ends_on = e;
    }
    if let Some(p) = patch.parent_id {
        after.parent_id = p;
    }
    if let Some(s) = patch.state {
        after.state = s;
    }
    let after = after.validated()?;
    check_cycle_refs(store, &after).await?;
    Ok(store
        .update_cycle(&caller.write_ctx(), &before, &after)
        .await?)
}

// ---------------------------------------------------------------- settings

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub ownership_policy: Option<OwnershipPolicy>,
    pub confidence_scale: Option<ConfidenceScale>,
    pub check_in_weekday: Option<Weekday>,
    /// Thresholds of the ownership health check (all four fields).
    pub health: Option<HealthThresholds>,
    /// The organisation's check-in cadence; either field may be left out.
    pub rhythm: Option<RhythmPatch>,
    /// How numbers are written on pages and read from forms: `decimal_mark` (`point` or
    /// `comma`) and `thousands_separator` (`none`, `comma`, `point` or `space`).
    pub locale: Option<keel_domain::locale::NumberLocale>,
    /// Whether an objective's progress includes the public objectives and key results aligned to
    /// it, for objectives that do not choose for themselves (docs/method.md, "Progress roll-up").
    pub progress_rollup: Option<bool>,
}

/// A change to the organisation's check-in cadence.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RhythmPatch {
    /// Days between check-ins (1–90); teams may set their own.
    pub cadence_days: Option<u32>,
    /// Days of silence tolerated past the cadence before a key result turns stale (0–90).
    pub grace_days: Option<u32>,
}

pub async fn patch_settings(
    store: &dyn Store,
    caller: &Caller,
    patch: SettingsPatch,
) -> ApiResult<OrgSettings> {
    access::manage_settings(&caller.person)?;
    let mut s = store.settings().await?;
    if let Some(v) = patch.name {
        s.name = v;
    }
    if let Some(v) = patch.time_zone {
        s.time_zone = v;
    }
    if let Some(v) = patch.ownership_policy {
        s.ownership_policy = v;
    }
    if let Some(v) = patch.confidence_scale {
        s.confidence_scale = v;
    }
    if let Some(v) = patch.check_in_weekday {
        s.check_in_weekday = v;
    }
    if let Some(v) = patch.health {
        s.health = v;
    }
    if let Some(v) = patch.locale {
        s.locale = v;
    }
    if let Some(v) = patch.progress_rollup {
        s.progress_rollup = v;
    }
    if let Some(r) = patch.rhythm {
        if let Some(v) = r.cadence_days {
            s.rhythm.cadence_days = v;
        }
        if let Some(v) = r.grace_days {
            s.rhythm.grace_days = v;
        }
    }
    let s = s.validated()?;
    store.save_settings(&caller.write_ctx(), &s).await?;
    Ok(s)
}
