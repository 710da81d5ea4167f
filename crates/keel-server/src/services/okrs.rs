//! Objectives, key results and initiatives: creating, changing and deleting them, each behind
//! its permission, lock and reference checks (check-ins are `check_ins`).

use super::guards::{
    get_key_result, get_objective, require_active_people, require_active_person,
    require_open_cycle, require_teams, require_unlocked,
};
use super::{now, nullable};
use crate::access::{self, Actor};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::IfMatch;
use crate::services::ownership::{check_can_activate, new_request};
use crate::services::visibility::Viewer;
use keel_domain::*;
use keel_store::Store;
use keel_store::{Alignment, Cycles, DataFeeds, Initiatives, KeyResults, Objectives, Settings};
use serde::Deserialize;
use utoipa::ToSchema;

// ---------------------------------------------------------------- objectives

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewObjective {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub cycle_id: CycleId,
    /// The one accountable person; defaults to the caller. Naming someone else leaves the
    /// ownership `pending` until they accept.
    pub owner_id: Option<PersonId>,
    /// A message to the proposed owner.
    #[serde(default)]
    pub owner_note: String,
    /// Why this owner (the doctrine's "One owner" criteria), recorded with the ownership request.
    pub owner_fit: Option<OwnerFit>,
    /// Co-owners: refused under the default `single` ownership policy.
    #[serde(default)]
    pub co_owner_ids: Vec<PersonId>,
    pub sponsor_id: Option<PersonId>,
    #[serde(default)]
    pub contributor_ids: Vec<PersonId>,
    #[serde(default)]
    pub team_ids: Vec<TeamId>,
    /// Objectives or key results this objective contributes to.
    #[serde(default)]
    pub parent_ids: Vec<String>,
    #[serde(default)]
    pub kind: ObjectiveKind,
    #[serde(default)]
    pub state: ObjectiveState,
    #[serde(default)]
    pub visibility: Visibility,
    /// Whether its progress includes its aligned children: `inherit` (the organisation's
    /// setting, the default), `on` or `off` (docs/method.md, "Progress roll-up").
    #[serde(default)]
    pub progress_rollup: ProgressRollup,
    /// Key results created with it, all or nothing: a refusal names its item, as in
    /// `key_results[2].target`. With `state: active`, every owner must be the caller.
    #[serde(default)]
    pub key_results: Vec<NewKeyResult>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectivePatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub cycle_id: Option<CycleId>,
    /// Owners change through `POST /objectives/{id}/ownership` (the new owner must accept);
    /// here only the current owner's id is accepted.
    pub owner_id: Option<PersonId>,
    pub co_owner_ids: Option<Vec<PersonId>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub sponsor_id: Option<Option<PersonId>>,
    pub contributor_ids: Option<Vec<PersonId>>,
    pub team_ids: Option<Vec<TeamId>>,
    pub parent_ids: Option<Vec<String>>,
    pub kind: Option<ObjectiveKind>,
    pub state: Option<ObjectiveState>,
    pub visibility: Option<Visibility>,
    /// Whether its progress includes its aligned children: `inherit` (the organisation's
    /// setting), `on` or `off` (docs/method.md, "Progress roll-up").
    pub progress_rollup: Option<ProgressRollup>,
}

/// Resolves parent ids (each an objective or a key result) and refuses alignment loops (one
/// walk for objectives and key results alike: `services::alignment`). A parent the caller may
/// not see is reported like one that does not exist.
async fn resolve_parents(
    store: &dyn Store,
    viewer: &Viewer,
    child: &ObjectiveId,
    ids: &[String],
) -> ApiResult<Vec<ParentRef>> {
    super::alignment::resolve_parents(store, viewer, &ParentRef::Objective(child.clone()), ids)
        .await
}

/// The parents the caller may not see. A writer replaces only the links they can see: the
/// list they send cannot name a private parent, so without this an edit by someone outside it
/// would silently cut the objective from it (docs/method.md, Visibility).
async fn hidden_parents(
    store: &dyn Store,
    viewer: &Viewer,
    parents: &[ParentRef],
) -> ApiResult<Vec<ParentRef>> {
    let ids: Vec<String> = parents.iter().map(|p| p.id().to_string()).collect();
    let visible = viewer.visible_okrs(store, &ids).await?;
    Ok(parents
        .iter()
        .filter(|p| !visible.contains(p.id()))
        .cloned()
        .collect())
}

async fn open_cycle(store: &dyn Store, id: &CycleId) -> ApiResult<Cycle> {
    let cycle = store
        .cycle(id)
        .await?
        .ok_or_else(|| ApiError::invalid("cycle_id", format!("no cycle has the id '{id}'")))?;
    if cycle.state == CycleState::Closed {
        return Err(ApiError::conflict(
            "cycle_id",
            format!("the cycle '{}' is closed: its OKRs are locked", cycle.name),
        ));
    }
    Ok(cycle)
}

/// Checks the people and teams around an OKR, for the fields that changed.
async fn check_circle(
    store: &dyn Store,
    owner: Option<&PersonId>,
    co_owners: Option<&[PersonId]>,
    sponsor: Option<&PersonId>,
    contributors: Option<&[PersonId]>,
    teams: Option<&[TeamId]>,
) -> ApiResult<()> {
    let refusals = circle_refusals(store, owner, co_owners, sponsor, contributors, teams).await;
    match refusals.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Every refusal about the people and teams around an OKR, one per field at most.
async fn circle_refusals(
    store: &dyn Store,
    owner: Option<&PersonId>,
    co_owners: Option<&[PersonId]>,
    sponsor: Option<&PersonId>,
    contributors: Option<&[PersonId]>,
    teams: Option<&[TeamId]>,
) -> Vec<ApiError> {
    let mut refusals = vec![];
    if let Some(o) = owner {
        refusals.extend(require_active_person(store, "owner_id", o).await.err());
    }
    if let Some(c) = co_owners.filter(|c| !c.is_empty()) {
        let checked = match store.settings().await {
            Ok(settings) => {
                objective::check_co_owners(settings.ownership_policy, c).map_err(ApiError::from)
            }
            Err(e) => Err(e.into()),
        };
        match checked {
            Ok(()) => refusals.extend(require_active_people(store, "co_owner_ids", c).await.err()),
            Err(e) => refusals.push(e),
        }
    }
    if let Some(s) = sponsor {
        refusals.extend(require_active_person(store, "sponsor_id", s).await.err());
    }
    if let Some(c) = contributors {
        refusals.extend(
            require_active_people(store, "contributor_ids", c)
                .await
                .err(),
        );
    }
    if let Some(t) = teams {
        refusals.extend(require_teams(store, "team_ids", t).await.err());
    }
    refusals
}

/// Creates an objective (and, all or nothing, the key results in `input.key_results`).
/// The first refusal is returned: the API's one problem document.
pub async fn create_objective(
    store: &dyn Store,
    caller: &Caller,
    input: NewObjective,
) -> ApiResult<Objective> {
    create_objective_with_key_results(store, caller, input)
        .await
        .map(|(o, _)| o)
        .map_err(first_refusal)
}

/// The first of several refusals (there is always at least one).
pub fn first_refusal(errors: Vec<ApiError>) -> ApiError {
    errors
        .into_iter()
        .next()
        .unwrap_or_else(|| ApiError::Internal("refused without a reason".into()))
}

/// The same refusal about a field of `parent` (`key_results[2]` + `target`).
fn within(e: ApiError, parent: &str) -> ApiError {
    match e {
        ApiError::Invalid(f) => ApiError::Invalid(f.within(parent)),
        ApiError::Conflict {
            field: Some(f),
            message,
        } => ApiError::Conflict {
            field: Some(format!("{parent}.{f}")),
            message,
        },
        other => other,
    }
}

/// A new objective with its key results and the requests naming their owners, every check
/// passed: ready to write.
pub struct CheckedObjective {
    objective: Objective,
    request: OwnershipRequest,
    key_results: Vec<(KeyResult, OwnershipRequest)>,
    /// The new key results aligned to parents, written once they exist.
    aligned: Vec<(KeyResultId, Vec<ParentRef>)>,
    /// The new key results fed by a KPI, linked once they exist.
    fed: Vec<(KeyResultId, KpiId)>,
}

/// A new objective with its key results, checked all together, then written in one
/// transaction: all or nothing. An objective created `active` needs every owner to be the
/// caller (nobody else has to accept); otherwise it waits as a draft while the proposals go out.
pub async fn create_objective_with_key_results(
    store: &dyn Store,
    caller: &Caller,
    input: NewObjective,
) -> Result<(Objective, Vec<KeyResult>), Vec<ApiError>> {
    let checked = check_objective_with_key_results(store, caller, input).await?;
    write_new_objective(store, caller, checked)
        .await
        .map_err(|e| vec![e])
}

/// Checks a new objective and its key results without writing anything. On refusal, every
/// refusal at once: the objective's first, then each key result's, named `key_results[i].field`,
/// so a form shows each next to its field.
pub async fn check_objective_with_key_results(
    store: &dyn Store,
    caller: &Caller,
    mut input: NewObjective,
) -> Result<CheckedObjective, Vec<ApiError>> {
    access::create_okr(&caller.person).map_err(|e| vec![e])?;
    let rows = std::mem::take(&mut input.key_results);
    let id = ObjectiveId::generate();
    let cycle_id = input.cycle_id.clone();
    let mut errors = vec![];
    let checked = match check_new_objective(store, caller, id.clone(), input).await {
        Ok(c) => Some(c),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let mut key_results = Vec::with_capacity(rows.len());
    let mut aligned = vec![];
    let mut fed = vec![];
    for (i, row) in rows.into_iter().enumerate() {
        let kpi = row.kpi_id.clone();
        match check_new_key_result(store, caller, &id, &cycle_id, row).await {
            Ok((kr, request, parents)) => {
                if !parents.is_empty() {
                    aligned.push((kr.id.clone(), parents));
                }
                if let Some(k) = kpi {
                    fed.push((kr.id.clone(), k));
                }
                key_results.push((kr, request));
            }
            Err(e) => {
                let row = format!("key_results[{i}]");
                errors.extend(e.into_iter().map(|e| within(e, &row)));
            }
        }
    }
    let (objective, request) = match checked {
        Some(c) if errors.is_empty() => c,
        _ => return Err(errors),
    };
    if objective.state == ObjectiveState::Active {
        let krs: Vec<KeyResult> = key_results.iter().map(|(k, _)| k.clone()).collect();
        check_can_activate(&objective, &krs).map_err(|e| vec![e])?;
    }
    Ok(CheckedObjective {
        objective,
        request,
        key_results,
        aligned,
        fed,
    })
}

/// Writes a checked new objective and its key results in one transaction.
pub async fn write_new_objective(
    store: &dyn Store,
    caller: &Caller,
    c: CheckedObjective,
) -> ApiResult<(Objective, Vec<KeyResult>)> {
    let ctx = caller.write_ctx();
    if c.key_results.is_empty() {
        store
            .insert_objective(&ctx, &c.objective, Some(&c.request))
            .await?;
    } else {
        let rows: Vec<(KeyResult, Option<OwnershipRequest>)> = c
            .key_results
            .iter()
            .map(|(k, r)| (k.clone(), Some(r.clone())))
            .collect();
        store
            .insert_objective_with_key_results(&ctx, &c.objective, Some(&c.request), &rows)
            .await?;
    }
    let mut key_results: Vec<KeyResult> = c.key_results.into_iter().map(|(k, _)| k).collect();
    // Alignment is written once the key results exist; a new key result has no children, so no
    // loop can arise here (the parents were resolved and checked with the rest).
    for (id, parents) in &c.aligned {
        if let Some(kr) = key_results.iter_mut().find(|k| &k.id == id) {
            *kr = store.align_key_result(&ctx, kr, parents).await?;
        }
    }
    for (id, kpi) in &c.fed {
        store.set_key_result_kpi(&ctx, id, Some(kpi)).await?;
    }
    Ok((c.objective, key_results))
}

/// The objective `input` describes, with the request naming its owner, once every check
/// passes (every refusal otherwise, each naming its field).
async fn check_new_objective(
    store: &dyn Store,
    caller: &Caller,
    id: ObjectiveId,
    input: NewObjective,
) -> Result<(Objective, OwnershipRequest), Vec<ApiError>> {
    let t = now();
    let owner_id = input.owner_id.unwrap_or_else(|| caller.person.id.clone());
    let described = Objective {
        ownership_state: OwnershipState::on_assignment(Some(&caller.person.id), &owner_id),
        id: id.clone(),
        title: input.title,
        description: input.description,
        cycle_id: input.cycle_id,
        owner_id,
        co_owner_ids: input.co_owner_ids,
        sponsor_id: input.sponsor_id,
        contributor_ids: input.contributor_ids,
        team_ids: input.team_ids,
        parents: vec![],
        kind: input.kind,
        state: input.state,
        visibility: input.visibility,
        progress_rollup: input.progress_rollup,
        created_at: t,
        updated_at: t,
        version: 1,
    };
    let mut errors: Vec<ApiError> = vec![];
    let objective = match described.clone().validated_all() {
        Ok(o) => Some(o),
        Err(e) => {
            errors.extend(e.into_iter().map(ApiError::from));
            None
        }
    };
    let o = objective.as_ref().unwrap_or(&described);
    errors.extend(open_cycle(store, &o.cycle_id).await.err());
    errors.extend(
        circle_refusals(
            store,
            Some(&o.owner_id),
            Some(&o.co_owner_ids),
            o.sponsor_id.as_ref(),
            Some(&o.contributor_ids),
            Some(&o.team_ids),
        )
        .await,
    );
    if o.state == ObjectiveState::Active {
        errors.extend(check_can_activate(o, &[]).err());
    }
    let viewer = Viewer::of(&caller.person);
    let parents = match resolve_parents(store, &viewer, &id, &input.parent_ids).await {
        Ok(p) => p,
        Err(e) => {
            errors.push(e);
            vec![]
        }
    };
    let request = new_request(
        OkrRef::Objective(id.clone()),
        None,
        &o.owner_id,
        &caller.person.id,
        input.owner_note,
        input.owner_fit,
    );
    let (Some(objective), Ok(request), true) = (objective, &request, errors.is_empty()) else {
        errors.extend(request.err());
        return Err(errors);
    };
    let objective = Objective {
        parents,
        ..objective
    }
    .validated()
    .map_err(|e| vec![e.into()])?;
    Ok((objective, request.clone()))
}

/// The objective, once the caller may edit it (and add key results to it): 404 when they may
/// not see it, 403 when they may not edit it. Asked first by the services below and by the UI's
/// forms, before what was typed is read.
pub async fn authorize_edit_objective(
    store: &dyn Store,
    caller: &Caller,
    id: &ObjectiveId,
) -> ApiResult<Objective> {
    let o = get_objective(store, &Viewer::of(&caller.person), id).await?;
    access::edit_objective(&Actor::load(store, &caller.person).await?, &o)?;
    Ok(o)
}

pub async fn patch_objective(
    store: &dyn Store,
    caller: &Caller,
    id: &ObjectiveId,
    if_match: IfMatch,
    patch: ObjectivePatch,
) -> ApiResult<Objective> {
    let viewer = Viewer::of(&caller.person);
    let before = authorize_edit_objective(store, caller, id).await?;
    if_match.check(before.version)?;
    // Re-opening a closed objective is allowed; any other change to a closed one is not.
    let reopening = before.state == ObjectiveState::Closed
        && patch.state.is_some_and(|s| s != ObjectiveState::Closed);
    if reopening {
        require_open_cycle(store, &before).await?;
    } else {
        require_unlocked(store, &before).await?;
    }
    let mut after = before.clone();
    if let Some(v) = patch.title {
        after.title = v;
    }
    if let Some(v) = patch.description {
        after.description = v;
    }
    if let Some(v) = patch.cycle_id {
        if v != before.cycle_id {
            open_cycle(store, &v).await?;
        }
        after.cycle_id = v;
    }
    refuse_owner_change(patch.owner_id.as_ref(), &before.owner_id, "objectives")?;
    if let Some(v) = patch.co_owner_ids {
        after.co_owner_ids = v;
    }
    if let Some(v) = patch.sponsor_id {
        after.sponsor_id = v;
    }
    if let Some(v) = patch.contributor_ids {
        after.contributor_ids = v;
    }
    if let Some(v) = patch.team_ids {
        after.team_ids = v;
    }
    if let Some(v) = patch.kind {
        after.kind = v;
    }
    if let Some(v) = patch.progress_rollup {
        after.progress_rollup = v;
    }
    if let Some(v) = patch.state {
        after.state = v;
    }
    if let Some(v) = patch.visibility {
        after.visibility = v;
    }
    if let Some(ids) = &patch.parent_ids {
        let mut parents = resolve_parents(store, &viewer, &after.id, ids).await?;
        parents.extend(hidden_parents(store, &viewer, &before.parents).await?);
        after.parents = parents;
    }
    let after = after.validated()?;
    check_circle(
        store,
        None,
        (after.co_owner_ids != before.co_owner_ids).then_some(&after.co_owner_ids[..]),
        after
            .sponsor_id
            .as_ref()
            .filter(|s| before.sponsor_id.as_ref() != Some(*s)),
        (after.contributor_ids != before.contributor_ids).then_some(&after.contributor_ids[..]),
        (after.team_ids != before.team_ids).then_some(&after.team_ids[..]),
    )
    .await?;
    if after.state == ObjectiveState::Active && before.state != ObjectiveState::Active {
        let krs = store
            .key_results_of(std::slice::from_ref(&after.id))
            .await?;
        check_can_activate(&after, &krs)?;
    }
    Ok(store
        .update_objective(&caller.write_ctx(), &before, &after)
        .await?)
}

pub async fn delete_objective(
    store: &dyn Store,
    caller: &Caller,
    id: &ObjectiveId,
    if_match: IfMatch,
) -> ApiResult<()> {
    let o = get_objective(store, &Viewer::of(&caller.person), id).await?;
    access::edit_objective(&Actor::load(store, &caller.person).await?, &o)?;
    if_match.check(o.version)?;
    require_unlocked(store, &o).await?;
    Ok(store.delete_objective(&caller.write_ctx(), &o).await?)
}

/// Ownership changes only through the ownership endpoints, so that every change is a request
/// the new owner accepts, with its history.
fn refuse_owner_change(new: Option<&PersonId>, current: &PersonId, path: &str) -> ApiResult<()> {
    match new {
        Some(n) if n != current => Err(ApiError::invalid(
            "owner_id",
            format!(
                "the owner changes through POST /api/v1/{path}/{{id}}/ownership {{owner_id, note}}: the new owner must accept"
            ),
        )),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------- key results

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKeyResult {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Defaults to the caller; naming someone else leaves it `pending` until they accept.
    pub owner_id: Option<PersonId>,
    /// A message to the proposed owner.
    #[serde(default)]
    pub owner_note: String,
    /// Why this owner (the doctrine's "One owner" criteria), recorded with the ownership request.
    pub owner_fit: Option<OwnerFit>,
    /// Co-owners: refused under the default `single` ownership policy.
    #[serde(default)]
    pub co_owner_ids: Vec<PersonId>,
    pub sponsor_id: Option<PersonId>,
    #[serde(default)]
    pub contributor_ids: Vec<PersonId>,
    #[serde(default)]
    pub team_ids: Vec<TeamId>,
    /// How it is measured: increase, decrease, stay_above, stay_below, boolean, milestone.
    #[serde(alias = "metric_kind")]
    pub kind: MetricKind,
    /// Defaults to 0.
    #[serde(default)]
    pub start: f64,
    /// Required except for boolean and milestone key results.
    pub target: Option<f64>,
    /// Defaults to `start`.
    pub current: Option<f64>,
    #[serde(default)]
    pub unit: String,
    /// Defaults to 1.
    pub weight: Option<f64>,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    /// Tags the key result as financial: people with the `finance` role may then edit it.
    #[serde(default)]
    pub financial: bool,
    /// The day its own time starts, when later than its cycle's start (within the cycle).
    pub starts_on: Option<chrono::NaiveDate>,
    /// The day it is due, when earlier than its cycle's end (within the cycle).
    pub ends_on: Option<chrono::NaiveDate>,
    /// Objectives or key results this key result contributes to (ids of either, several
    /// allowed; a loop is refused).
    #[serde(default)]
    pub parent_ids: Vec<String>,
    /// A KPI whose readings feed it (each reading records a check-in by "KPI: <name>"); only
    /// for key results measured by a number.
    #[serde(default)]
    pub kpi_id: Option<KpiId>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyResultPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    /// Owners change through `POST /key-results/{id}/ownership`.
    pub owner_id: Option<PersonId>,
    pub co_owner_ids: Option<Vec<PersonId>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub sponsor_id: Option<Option<PersonId>>,
    pub contributor_ids: Option<Vec<PersonId>>,
    pub team_ids: Option<Vec<TeamId>>,
    #[serde(alias = "metric_kind")]
    pub kind: Option<MetricKind>,
    pub start: Option<f64>,
    pub target: Option<f64>,
    pub unit: Option<String>,
    pub weight: Option<f64>,
    pub milestones: Option<Vec<Milestone>>,
    pub financial: Option<bool>,
    /// Its own start within the cycle; `null` clears it (it then starts with its cycle).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<chrono::NaiveDate>)]
    pub starts_on: Option<Option<chrono::NaiveDate>>,
    /// Its own due day within the cycle; `null` clears it (it is then due at the cycle's end).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<chrono::NaiveDate>)]
    pub ends_on: Option<Option<chrono::NaiveDate>>,
    /// Replaces what it contributes to (objectives or key results, by id); those you may not
    /// see are kept.
    pub parent_ids: Option<Vec<String>>,
    /// The KPI whose readings feed it; `null` stops it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub kpi_id: Option<Option<KpiId>>,
}

/// A key result's own dates lie within its objective's cycle (422 naming the date otherwise).
async fn check_dates_within_cycle(
    store: &dyn Store,
    cycle_id: &CycleId,
    kr: &KeyResult,
) -> ApiResult<()> {
    if kr.starts_on.is_none() && kr.ends_on.is_none() {
        return Ok(());
    }
    if let Some(c) = store.cycle(cycle_id).await? {
        kr.check_dates_within(c.starts_on, c.ends_on)?;
    }
    Ok(())
}

pub async fn create_key_result(
    store: &dyn Store,
    caller: &Caller,
    objective_id: &ObjectiveId,
    input: NewKeyResult,
) -> ApiResult<KeyResult> {
    let objective = authorize_edit_objective(store, caller, objective_id).await?;
    require_unlocked(store, &objective).await?;
    let kpi = input.kpi_id.clone();
    let (kr, request, parents) =
        check_new_key_result(store, caller, &objective.id, &objective.cycle_id, input)
            .await
            .map_err(first_refusal)?;
    store
        .insert_key_result(&caller.write_ctx(), &kr, Some(&request))
        .await?;
    if let Some(k) = &kpi {
        store
            .set_key_result_kpi(&caller.write_ctx(), &kr.id, Some(k))
            .await?;
    }
    if parents.is_empty() {
        return Ok(kr);
    }
    Ok(store
        .align_key_result(&caller.write_ctx(), &kr, &parents)
        .await?)
}

/// The key result `input` describes for the objective (new or not) `objective_id` in
/// `cycle_id`, with the request naming its owner, once every check passes (every refusal
/// otherwise, each naming its field).
async fn check_new_key_result(
    store: &dyn Store,
    caller: &Caller,
    objective_id: &ObjectiveId,
    cycle_id: &CycleId,
    input: NewKeyResult,
) -> Result<(KeyResult, OwnershipRequest, Vec<ParentRef>), Vec<ApiError>> {
    let mut errors: Vec<ApiError> = vec![];
    if let Some(k) = &input.kpi_id {
        errors.extend(super::kpis::check_source(store, input.kind, k).await.err());
    }
    let target = match (input.kind, input.target) {
        (_, Some(t)) => Some(t),
        (MetricKind::Boolean | MetricKind::Milestone, None) => Some(0.0),
        (_, None) => {
            errors.push(ApiError::invalid(
                "target",
                "is required for this kind of key result",
            ));
            None
        }
    };
    let t = now();
    let owner_id = input.owner_id.unwrap_or_else(|| caller.person.id.clone());
    let described = KeyResult {
        id: KeyResultId::generate(),
        objective_id: objective_id.clone(),
        title: input.title,
        description: input.description,
        ownership_state: OwnershipState::on_assignment(Some(&caller.person.id), &owner_id),
        co_owner_ids: input.co_owner_ids,
        owner_id,
        sponsor_id: input.sponsor_id,
        contributor_ids: input.contributor_ids,
        team_ids: input.team_ids,
        metric_kind: input.kind,
        start: input.start,
        // A missing target is refused above; a stand-in lets the other fields be checked.
        target: target.unwrap_or(input.start + 1.0),
        current: input.current.unwrap_or(input.start),
        unit: input.unit,
        weight: input.weight.unwrap_or(1.0),
        milestones: input.milestones,
        confidence: None,
        financial: input.financial,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        last_check_in_at: None,
        created_at: t,
        updated_at: t,
        version: 1,
    };
    let kr = match described.clone().validated_all() {
        Ok(kr) => Some(kr),
        Err(e) => {
            // Without a target, what the stand-in would say about it is not the point.
            let about_target = |f: &FieldError| target.is_none() && f.field == "target";
            errors.extend(
                e.into_iter()
                    .filter(|f| !about_target(f))
                    .map(ApiError::from),
            );
            None
        }
    };
    let k = kr.as_ref().unwrap_or(&described);
    errors.extend(check_dates_within_cycle(store, cycle_id, k).await.err());
    errors.extend(
        circle_refusals(
            store,
            Some(&k.owner_id),
            Some(&k.co_owner_ids),
            k.sponsor_id.as_ref(),
            Some(&k.contributor_ids),
            Some(&k.team_ids),
        )
        .await,
    );
    let request = new_request(
        OkrRef::KeyResult(k.id.clone()),
        None,
        &k.owner_id,
        &caller.person.id,
        input.owner_note,
        input.owner_fit,
    );
    let parents = super::alignment::resolve_parents(
        store,
        &Viewer::of(&caller.person),
        &ParentRef::KeyResult(k.id.clone()),
        &input.parent_ids,
    )
    .await;
    match (kr, request, parents) {
        (Some(kr), Ok(request), Ok(parents)) if errors.is_empty() => Ok((kr, request, parents)),
        (_, request, parents) => {
            errors.extend(request.err());
            errors.extend(parents.err());
            Err(errors)
        }
    }
}

/// The key result and its objective, once the caller may edit it: 404 when they may not see it,
/// 403 when they may not edit it. Asked first by [`patch_key_result`] and by the UI's form.
pub async fn authorize_edit_key_result(
    store: &dyn Store,
    caller: &Caller,
    id: &KeyResultId,
) -> ApiResult<(KeyResult, Objective)> {
    let (kr, o) = get_key_result(store, &Viewer::of(&caller.person), id).await?;
    access::edit_key_result(&Actor::load(store, &caller.person).await?, &kr, &o)?;
    Ok((kr, o))
}

pub async fn patch_key_result(
    store: &dyn Store,
    caller: &Caller,
    id: &KeyResultId,
    if_match: IfMatch,
    patch: KeyResultPatch,
) -> ApiResult<KeyResult> {
    let (before, objective) = authorize_edit_key_result(store, caller, id).await?;
    if_match.check(before.version)?;
    require_unlocked(store, &objective).await?;
    let mut after = before.clone();
    if let Some(v) = patch.title {
        after.title = v;
    }
    if let Some(v) = patch.description {
        after.description = v;
    }
    refuse_owner_change(patch.owner_id.as_ref(), &before.owner_id, "key-results")?;
    if let Some(v) = patch.co_owner_ids {
        after.co_owner_ids = v;
    }
    if let Some(v) = patch.sponsor_id {
        after.sponsor_id = v;
    }
    if let Some(v) = patch.contributor_ids {
        after.contributor_ids = v;
    }
    if let Some(v) = patch.team_ids {
        after.team_ids = v;
    }
    if let Some(v) = patch.kind {
        after.metric_kind = v;
    }
    if let Some(v) = patch.start {
        after.start = v;
    }
    if let Some(v) = patch.target {
        after.target = v;
    }
    if let Some(v) = patch.unit {
        after.unit = v;
    }
    if let Some(v) = patch.weight {
        after.weight = v;
    }
    if let Some(v) = patch.milestones {
        after.milestones = v;
    }
    if let Some(v) = patch.financial {
        after.financial = v;
    }
    if let Some(v) = patch.starts_on {
        after.starts_on = v;
    }
    if let Some(v) = patch.ends_on {
        after.ends_on = v;
    }
    let after = after.validated()?;
    if let Some(Some(k)) = &patch.kpi_id {
        super::kpis::check_source(store, after.metric_kind, k).await?;
    }
    if (after.starts_on, after.ends_on) != (before.starts_on, before.ends_on) {
        check_dates_within_cycle(store, &objective.cycle_id, &after).await?;
    }
    check_circle(
        store,
        None,
        (after.co_owner_ids != before.co_owner_ids).then_some(&after.co_owner_ids[..]),
        after
            .sponsor_id
            .as_ref()
            .filter(|s| before.sponsor_id.as_ref() != Some(*s)),
        (after.contributor_ids != before.contributor_ids).then_some(&after.contributor_ids[..]),
        (after.team_ids != before.team_ids).then_some(&after.team_ids[..]),
    )
    .await?;
    // What it contributes to is checked before anything is written.
    if let Some(ids) = &patch.parent_ids {
        super::alignment::resolve_parents(
            store,
            &Viewer::of(&caller.person),
            &ParentRef::KeyResult(before.id.clone()),
            ids,
        )
        .await?;
    }
    if let Some(k) = &patch.kpi_id {
        store
            .set_key_result_kpi(&caller.write_ctx(), &before.id, k.as_ref())
            .await?;
    }
    let stored = if (patch.parent_ids.is_some() || patch.kpi_id.is_some()) && after == before {
        before
    } else {
        store
            .update_key_result(&caller.write_ctx(), &before, &after)
            .await?
    };
    match &patch.parent_ids {
        Some(ids) => super::alignment::set_parents(store, caller, stored, ids).await,
        None => Ok(stored),
    }
}

pub async fn delete_key_result(
    store: &dyn Store,
    caller: &Caller,
    id: &KeyResultId,
    if_match: IfMatch,
) -> ApiResult<()> {
    let (kr, objective) = get_key_result(store, &Viewer::of(&caller.person), id).await?;
    access::edit_key_result(&Actor::load(store, &caller.person).await?, &kr, &objective)?;
    if_match.check(kr.version)?;
    require_unlocked(store, &objective).await?;
    Ok(store.delete_key_result(&caller.write_ctx(), &kr).await?)
}

// ---------------------------------------------------------------- initiatives

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInitiative {
    pub title: String,
    /// Defaults to the caller.
    pub owner_id: Option<PersonId>,
    #[serde(default)]
    pub state: InitiativeState,
    pub link: Option<String>,
    /// Required when `state` is `dropped`.
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitiativePatch {
    pub title: Option<String>,
    pub owner_id: Option<PersonId>,
    pub state: Option<InitiativeState>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub link: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub reason: Option<Option<String>>,
}

pub async fn create_initiative(
    store: &dyn Store,
    caller: &Caller,
    key_result_id: &KeyResultId,
    input: NewInitiative,
) -> ApiResult<(Initiative, KeyResult)> {
    let (kr, objective) = get_key_result(store, &Viewer::of(&caller.person), key_result_id).await?;
    access::manage_initiatives(&Actor::load(store, &caller.person).await?, &kr, &objective)?;
    require_unlocked(store, &objective).await?;
    let t = now();
    let initiative = Initiative {
        id: InitiativeId::generate(),
        key_result_id: kr.id.clone(),
        title: input.title,
        owner_id: input.owner_id.unwrap_or_else(|| caller.person.id.clone()),
        state: input.state,
        link: input.link,
        reason: input.reason,
        created_at: t,
        updated_at: t,
        version: 1,
        active_since: None,
        value_at_activation: None,
    }
    .validated()?
    .note_activation(None, t, kr.current);
    require_active_person(store, "owner_id", &initiative.owner_id).await?;
    store
        .insert_initiative(&caller.write_ctx(), &initiative)
        .await?;
    Ok((initiative, kr))
}

/// The initiatives of a key result the caller may see, with the key result (two queries and the
/// visibility check).
pub async fn list_initiatives(
    store: &dyn Store,
    caller: &Caller,
    key_result_id: &KeyResultId,
) -> ApiResult<(Vec<Initiative>, KeyResult)> {
    let (kr, _) = get_key_result(store, &Viewer::of(&caller.person), key_result_id).await?;
    Ok((store.list_initiatives(&kr.id).await?, kr))
}

/// The initiative with its key result and objective, once the caller may change it: 404 when
/// they may not see it, 403 when they neither own it nor may manage the key result's
/// initiatives. Asked first by [`patch_initiative`] and by the UI's forms, before what was typed
/// is read.
pub async fn authorize_initiative(
    store: &dyn Store,
    caller: &Caller,
    id: &InitiativeId,
) -> ApiResult<(Initiative, KeyResult, Objective)> {
    let initiative = store
        .initiative(id)
        .await?
        .ok_or(ApiError::NotFound("initiative"))?;
    // An initiative under an objective the caller may not see does not exist for them.
    let (kr, objective) = get_key_result(
        store,
        &Viewer::of(&caller.person),
        &initiative.key_result_id,
    )
    .await
    .map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::NotFound("initiative"),
        other => other,
    })?;
    if initiative.owner_id != caller.person.id {
        access::manage_initiatives(&Actor::load(store, &caller.person).await?, &kr, &objective)?;
    }
    Ok((initiative, kr, objective))
}

pub async fn patch_initiative(
    store: &dyn Store,
    caller: &Caller,
    id: &InitiativeId,
    if_match: IfMatch,
    patch: InitiativePatch,
) -> ApiResult<(Initiative, KeyResult)> {
    let (before, kr, objective) = authorize_initiative(store, caller, id).await?;
    if_match.check(before.version)?;
    require_unlocked(store, &objective).await?;
    let mut after = before.clone();
    if let Some(v) = patch.title {
        after.title = v;
    }
    if let Some(v) = patch.owner_id {
        after.owner_id = v;
    }
    if let Some(v) = patch.state {
        after.state = v;
    }
    if let Some(v) = patch.link {
        after.link = v;
    }
    if let Some(v) = patch.reason {
        after.reason = v;
    }
    let after = after
        .validated()?
        .note_activation(Some(before.state), now(), kr.current);
    if after.owner_id != before.owner_id {
        require_active_person(store, "owner_id", &after.owner_id).await?;
    }
    let stored = store
        .update_initiative(&caller.write_ctx(), &before, &after)
        .await?;
    Ok((stored, kr))
}
