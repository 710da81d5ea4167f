//! What the API returns: records enriched with what a client needs to render without more calls
//! (owner names, progress, key results), assembled with a constant number of queries per page.

use crate::error::ApiResult;
use crate::services::rhythm::{Assessor, KeyResultAssessment, ObjectiveAssessment};
use keel_domain::*;
use keel_store::{KeyResultContext, Store};
use keel_store::{KeyResults, Objectives, Ownership, People, Teams};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// A person as shown next to an OKR.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonSummary {
    pub id: PersonId,
    pub name: String,
    pub title: String,
    pub active: bool,
}

impl From<&Person> for PersonSummary {
    fn from(p: &Person) -> Self {
        Self {
            id: p.id.clone(),
            name: p.name.clone(),
            title: p.title.clone(),
            active: p.active,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamSummary {
    pub id: TeamId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyResultView {
    pub id: KeyResultId,
    pub objective_id: ObjectiveId,
    pub title: String,
    pub description: String,
    pub owner_id: PersonId,
    pub owner: PersonSummary,
    pub ownership_state: OwnershipState,
    /// Only under the `shared` ownership policy.
    pub co_owner_ids: Vec<PersonId>,
    pub co_owners: Vec<PersonSummary>,
    /// The latest ownership request: who proposed the owner, when, the message and the owner-fit
    /// criteria (filled on single-objective reads; null in lists).
    pub ownership_request: Option<OwnershipRequest>,
    pub sponsor_id: Option<PersonId>,
    pub sponsor: Option<PersonSummary>,
    pub contributor_ids: Vec<PersonId>,
    pub contributors: Vec<PersonSummary>,
    pub team_ids: Vec<TeamId>,
    pub teams: Vec<TeamSummary>,
    /// How the key result is measured.
    pub kind: MetricKind,
    pub start: f64,
    pub target: f64,
    pub current: f64,
    pub unit: String,
    pub weight: f64,
    pub milestones: Vec<Milestone>,
    /// Its own start within the cycle, when later than the cycle's; pace counts from here.
    pub starts_on: Option<chrono::NaiveDate>,
    /// Its own due day within the cycle, when earlier than the cycle's end; pace aims here.
    pub ends_on: Option<chrono::NaiveDate>,
    /// In [0, 1].
    pub progress: f64,
    /// Unclamped: above 1 when the target is overshot, below 0 when the metric went backwards.
    pub attainment: f64,
    /// The owner's own latest confidence (a contributor's reading is never the owner's word).
    pub confidence: Option<u8>,
    /// When its owner last checked in.
    pub last_check_in_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Derived in this order: closed; stale (no check-in within the cadence plus grace: silence
    /// is never green); the owner's latest confidence; pace against the cycle elapsed.
    pub status: rhythm::Status,
    /// The status in words.
    pub status_reason: String,
    /// The most likely attainment at the end of its time (1.0 = the target). Yes/no, milestone
    /// and stay above/below key results are forecast as what they are (done or not, steps done,
    /// holding or not); increase/decrease ones follow the robust trend from their start value on
    /// the day they became active, bounded to 0–2. Null with no reading, and for a trend until
    /// there are 3 readings spanning a week.
    pub forecast: Option<f64>,
    /// The low end of the forecast's likely range.
    pub forecast_low: Option<f64>,
    /// The high end of the forecast's likely range.
    pub forecast_high: Option<f64>,
    /// The end-of-cycle score (0.0–1.0), once scored.
    pub score: Option<f64>,
    /// Why the owner gave that score.
    pub score_reason: Option<String>,
    /// What the attainment suggests as a score.
    pub suggested_score: f64,
    /// Days between check-ins for this key result (its team's cadence, else the organisation's).
    pub cadence_days: u32,
    /// True when a check-in is due.
    pub check_in_due: bool,
    /// The day its next check-in falls due: the organisation's check-in day that closes its
    /// cadence.
    pub check_in_due_on: chrono::NaiveDate,
    /// The ids of the objectives and key results it contributes to, those the reader may see
    /// (filled on key-result reads and writes, `/key-results/{id}`; null in lists).
    pub parent_ids: Option<Vec<String>>,
    /// The same, each with its kind (`objective` or `key_result`).
    pub parents: Option<Vec<ParentRef>>,
    /// Accepted dependencies that are off track or stale, each with the reason in words ("At
    /// risk because it depends on … (owner …), which is off track."). Its own `status` is not
    /// changed by them (docs/method.md, "Dependencies"). Filled on `/key-results/{id}`; null in
    /// lists.
    pub blocked_by: Option<Vec<crate::read::dependencies::BlockedBy>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

impl KeyResultView {
    /// The forecast in the reader's words, as a range ("forecast at the end: between 40 % and
    /// 60 % of its target (most likely 50 %)", "forecast at the end: done"); `None` when there is
    /// none.
    pub fn forecast_in_words(&self) -> Option<String> {
        let f = keel_domain::forecast::Forecast {
            expected: self.forecast?,
            low: self.forecast_low?,
            high: self.forecast_high?,
        };
        Some(format!(
            "forecast at the end: {}",
            keel_domain::forecast::in_words(self.kind, &f)
        ))
    }

    /// [`Self::forecast_in_words`], or why there is none yet.
    pub fn forecast_sentence(&self) -> String {
        use keel_domain::forecast::{MIN_READINGS, MIN_SPAN_DAYS};
        self.forecast_in_words().unwrap_or_else(|| match self.kind {
            MetricKind::Increase | MetricKind::Decrease => format!(
                "no forecast yet: it needs {MIN_READINGS} check-ins spanning {MIN_SPAN_DAYS} days"
            ),
            _ => "no forecast before its first check-in".into(),
        })
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObjectiveView {
    pub id: ObjectiveId,
    pub title: String,
    pub description: String,
    pub cycle_id: CycleId,
    pub owner_id: PersonId,
    pub owner: PersonSummary,
    pub ownership_state: OwnershipState,
    /// Only under the `shared` ownership policy.
    pub co_owner_ids: Vec<PersonId>,
    pub co_owners: Vec<PersonSummary>,
    /// The latest ownership request: who proposed the owner, when, the message and the owner-fit
    /// criteria (filled on single-objective reads; null in lists).
    pub ownership_request: Option<OwnershipRequest>,
    pub sponsor_id: Option<PersonId>,
    pub sponsor: Option<PersonSummary>,
    pub contributor_ids: Vec<PersonId>,
    pub contributors: Vec<PersonSummary>,
    pub team_ids: Vec<TeamId>,
    pub teams: Vec<TeamSummary>,
    /// Ids of the objectives and key results this objective contributes to.
    pub parent_ids: Vec<String>,
    pub parents: Vec<ParentRef>,
    pub kind: ObjectiveKind,
    pub state: ObjectiveState,
    pub visibility: Visibility,
    /// Weight-averaged progress of the key results, in [0, 1]; where the progress roll-up
    /// applies, of the key results and the public objectives and key results aligned to it or
    /// to its key results (docs/method.md, "Progress roll-up").
    pub progress: f64,
    /// Whether its progress includes what is aligned to it: `inherit` (the organisation's
    /// setting), `on` or `off`.
    pub progress_rollup: ProgressRollup,
    /// How many aligned objectives and key results its progress includes; null when the
    /// roll-up does not apply to it.
    pub rolled_up_children: Option<usize>,
    /// Closed, else the owner's override, else the worst status of its key results.
    pub status: rhythm::Status,
    pub status_reason: String,
    /// The owner's override of the derived status, with its reason.
    pub status_override: Option<rhythm::StatusOverride>,
    /// Weighted mean of the key results' scores, once every key result is scored.
    pub score: Option<f64>,
    /// 0–0.3 red, 0.4–0.6 yellow, 0.7–1.0 green.
    pub score_band: Option<rhythm::ScoreBand>,
    /// Whether the score counts as success: 1.0 for committed, 0.7 for aspirational OKRs.
    pub success: Option<bool>,
    /// The objective this draft carries over from a previous cycle.
    pub carried_over_from: Option<ObjectiveId>,
    pub key_results: Vec<KeyResultView>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

/// People and team names referenced by a set of OKRs, loaded in two queries.
struct Names {
    people: HashMap<PersonId, keel_store::PersonName>,
    teams: HashMap<TeamId, String>,
}

impl Names {
    async fn load(
        store: &dyn Store,
        people: HashSet<PersonId>,
        teams: HashSet<TeamId>,
    ) -> ApiResult<Self> {
        let people: Vec<_> = people.into_iter().collect();
        let teams: Vec<_> = teams.into_iter().collect();
        let (people, teams) =
            tokio::try_join!(store.person_names(&people), store.team_names(&teams))?;
        Ok(Self {
            people: people.into_iter().map(|p| (p.id.clone(), p)).collect(),
            teams: teams.into_iter().collect(),
        })
    }

    fn person(&self, id: &PersonId) -> PersonSummary {
        match self.people.get(id) {
            Some(p) => PersonSummary {
                id: p.id.clone(),
                name: p.name.clone(),
                title: p.title.clone(),
                active: p.active,
            },
            None => PersonSummary {
                id: id.clone(),
                name: "(unknown person)".into(),
                title: String::new(),
                active: false,
            },
        }
    }

    fn people(&self, ids: &[PersonId]) -> Vec<PersonSummary> {
        ids.iter().map(|id| self.person(id)).collect()
    }

    fn teams(&self, ids: &[TeamId]) -> Vec<TeamSummary> {
        ids.iter()
            .map(|id| TeamSummary {
                id: id.clone(),
                name: self
                    .teams
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| "(unknown team)".into()),
            })
            .collect()
    }

    fn key_result(&self, kr: KeyResult, a: KeyResultAssessment) -> KeyResultView {
        let p = a.progress;
        KeyResultView {
            status: a.status,
            status_reason: a.status_reason,
            forecast: a.forecast.map(|f| f.expected),
            forecast_low: a.forecast.map(|f| f.low),
            forecast_high: a.forecast.map(|f| f.high),
            confidence: a.owner_confidence,
            last_check_in_at: a.owner_last_check_in_at,
            current: a.value,
            score: a.score.as_ref().map(|s| s.score),
            score_reason: a.score.map(|s| s.reason),
            suggested_score: a.suggested_score,
            cadence_days: a.cadence_days,
            check_in_due: a.due,
            check_in_due_on: a.due_on,
            parent_ids: None,
            parents: None,
            blocked_by: None,
            owner: self.person(&kr.owner_id),
            co_owners: self.people(&kr.co_owner_ids),
            co_owner_ids: kr.co_owner_ids,
            ownership_request: None,
            sponsor: kr.sponsor_id.as_ref().map(|id| self.person(id)),
            contributors: self.people(&kr.contributor_ids),
            teams: self.teams(&kr.team_ids),
            progress: p.progress,
            attainment: p.attainment,
            id: kr.id,
            objective_id: kr.objective_id,
            title: kr.title,
            description: kr.description,
            owner_id: kr.owner_id,
            ownership_state: kr.ownership_state,
            sponsor_id: kr.sponsor_id,
            contributor_ids: kr.contributor_ids,
            team_ids: kr.team_ids,
            kind: kr.metric_kind,
            start: kr.start,
            target: kr.target,
            unit: kr.unit,
            weight: kr.weight,
            milestones: kr.milestones,
            starts_on: kr.starts_on,
            ends_on: kr.ends_on,
            created_at: kr.created_at,
            updated_at: kr.updated_at,
            version: kr.version,
        }
    }
}

fn circle_ids(
    owner: &PersonId,
    co_owners: &[PersonId],
    sponsor: &Option<PersonId>,
    contributors: &[PersonId],
    teams: &[TeamId],
    people_out: &mut HashSet<PersonId>,
    teams_out: &mut HashSet<TeamId>,
) {
    people_out.insert(owner.clone());
    people_out.extend(co_owners.iter().cloned());
    people_out.extend(sponsor.iter().cloned());
    people_out.extend(contributors.iter().cloned());
    teams_out.extend(teams.iter().cloned());
}

/// Objectives with their key results, names, statuses, forecasts and scores: a constant number
/// of queries whatever the page size (key results, people, teams, and the rhythm's seven).
pub async fn objectives(
    store: &dyn Store,
    objectives: Vec<Objective>,
) -> ApiResult<Vec<ObjectiveView>> {
    objectives_as_of(store, objectives, None).await
}

/// [`objectives`] as they stood at `as_of` (status as of a date): only check-ins, scores,
/// acceptances and overrides up to then count; `None` reads now.
pub async fn objectives_as_of(
    store: &dyn Store,
    objectives: Vec<Objective>,
    as_of: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<Vec<ObjectiveView>> {
    let ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
    let krs = if ids.is_empty() {
        vec![]
    } else {
        store.key_results_of(&ids).await?
    };
    let (mut people, mut teams) = (HashSet::new(), HashSet::new());
    for o in &objectives {
        circle_ids(
            &o.owner_id,
            &o.co_owner_ids,
            &o.sponsor_id,
            &o.contributor_ids,
            &o.team_ids,
            &mut people,
            &mut teams,
        );
    }
    for k in &krs {
        circle_ids(
            &k.owner_id,
            &k.co_owner_ids,
            &k.sponsor_id,
            &k.contributor_ids,
            &k.team_ids,
            &mut people,
            &mut teams,
        );
    }
    let (names, assessor, mut children) = tokio::try_join!(
        Names::load(store, people, teams),
        Assessor::load(store, &objectives, &krs),
        crate::services::rollup::children(store, &objectives, &krs)
    )?;
    let assessor = match as_of {
        Some(at) => assessor.as_of(store, &ids, at).await?,
        None => assessor,
    };
    let by_id: HashMap<&ObjectiveId, &Objective> = objectives.iter().map(|o| (&o.id, o)).collect();
    let mut by_objective: HashMap<ObjectiveId, Vec<(KeyResultView, KeyResultAssessment)>> =
        HashMap::new();
    for k in krs {
        let Some(o) = by_id.get(&k.objective_id) else {
            continue;
        };
        let a = assessor.key_result(&k, o);
        by_objective
            .entry(k.objective_id.clone())
            .or_default()
            .push((names.key_result(k, a.clone()), a));
    }
    Ok(objectives
        .into_iter()
        .map(|o| {
            let assessed = by_objective.remove(&o.id).unwrap_or_default();
            let rolled_up = children.remove(&o.id);
            let (oa, progress) = standing(
                &assessor,
                &o,
                &assessed
                    .iter()
                    .map(|(k, a)| (k.weight, a))
                    .collect::<Vec<_>>(),
                rolled_up.as_deref(),
            );
            let key_results: Vec<KeyResultView> = assessed.into_iter().map(|(k, _)| k).collect();
            ObjectiveView {
                status: oa.status,
                status_reason: oa.status_reason,
                status_override: oa.status_override,
                score: oa.score,
                score_band: oa.score.map(rhythm::score_band),
                success: oa
                    .score
                    .map(|s| rhythm::is_success(s, o.kind == ObjectiveKind::Aspirational)),
                carried_over_from: oa.carried_over_from,
                owner: names.person(&o.owner_id),
                co_owners: names.people(&o.co_owner_ids),
                co_owner_ids: o.co_owner_ids,
                ownership_request: None,
                sponsor: o.sponsor_id.as_ref().map(|id| names.person(id)),
                contributors: names.people(&o.contributor_ids),
                teams: names.teams(&o.team_ids),
                parent_ids: o.parents.iter().map(|p| p.id().to_string()).collect(),
                progress,
                progress_rollup: o.progress_rollup,
                rolled_up_children: rolled_up.map(|c| c.len()),
                key_results,
                id: o.id,
                title: o.title,
                description: o.description,
                cycle_id: o.cycle_id,
                owner_id: o.owner_id,
                ownership_state: o.ownership_state,
                sponsor_id: o.sponsor_id,
                contributor_ids: o.contributor_ids,
                team_ids: o.team_ids,
                parents: o.parents,
                kind: o.kind,
                state: o.state,
                visibility: o.visibility,
                created_at: o.created_at,
                updated_at: o.updated_at,
                version: o.version,
            }
        })
        .collect())
}

/// An objective's status and progress from its key results' `(weight, assessment)` and the
/// children its progress rolls up (`services::rollup::children`): the one computation behind
/// every view of an objective and the status and progress the evaluator stores for the
/// objectives list's order, so the two cannot disagree.
pub(crate) fn standing(
    assessor: &Assessor,
    o: &Objective,
    key_results: &[(f64, &KeyResultAssessment)],
    rolled_up: Option<&[(f64, f64)]>,
) -> (ObjectiveAssessment, f64) {
    let progress = progress::rolled_up(
        key_results.iter().map(|(w, a)| (*w, a.progress.progress)),
        rolled_up.into_iter().flatten().copied(),
    );
    (assessor.objective(o, key_results), progress)
}

/// One objective, with the latest ownership request of it and of each key result.
pub async fn objective(store: &dyn Store, o: Objective) -> ApiResult<ObjectiveView> {
    objective_as_of(store, o, None).await
}

/// [`objective`] as it stood at `as_of` (`None`: now).
pub async fn objective_as_of(
    store: &dyn Store,
    o: Objective,
    as_of: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<ObjectiveView> {
    let id = o.id.clone();
    let (mut views, requests) = tokio::try_join!(objectives_as_of(store, vec![o], as_of), async {
        Ok(store.ownership_requests_of_objective(&id).await?)
    })?;
    let mut view = views.remove(0);
    // Oldest first, so the last one seen for each OKR is its latest.
    let mut latest: HashMap<String, OwnershipRequest> = HashMap::new();
    for r in requests {
        latest.insert(r.okr.id().to_string(), r);
    }
    view.ownership_request = latest.remove(view.id.as_str());
    for k in &mut view.key_results {
        k.ownership_request = latest.remove(k.id.as_str());
    }
    Ok(view)
}

/// One key result with names, status, forecast and score.
pub async fn key_result(store: &dyn Store, kr: KeyResult) -> ApiResult<KeyResultView> {
    key_result_as_of(store, kr, None).await
}

/// [`key_result`] as it stood at `as_of` (its value, status and forecast from the check-ins up
/// to then); `None` reads now.
pub async fn key_result_as_of(
    store: &dyn Store,
    kr: KeyResult,
    as_of: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<KeyResultView> {
    let o = store
        .objective(&kr.objective_id)
        .await?
        .ok_or(crate::error::ApiError::NotFound("objective"))?;
    Ok(key_result_assessed(store, kr, &o, None, as_of).await?.0)
}

/// One key result of `o` (already in hand) with names, status, forecast and score.
pub async fn key_result_of(
    store: &dyn Store,
    kr: KeyResult,
    o: &Objective,
) -> ApiResult<KeyResultView> {
    key_result_in_cycle(store, kr, o, None).await
}

/// `key_result_of`, given the objective's cycle when the caller already loaded it.
pub async fn key_result_in_cycle(
    store: &dyn Store,
    kr: KeyResult,
    o: &Objective,
    cycle: Option<Cycle>,
) -> ApiResult<KeyResultView> {
    Ok(key_result_assessed(store, kr, o, cycle, None).await?.0)
}

/// The key result of a context read with a check-in (`KeyResultContext`), with names, status,
/// forecast and score: no query where the context holds its history and names (PostgreSQL);
/// two on SQLite (its history, read after the check-in, and the names).
pub async fn key_result_in_context(
    store: &dyn Store,
    context: KeyResultContext,
) -> ApiResult<KeyResultView> {
    let kr = &context.key_result;
    let (mut people, mut teams) = (HashSet::new(), HashSet::new());
    circle_ids(
        &kr.owner_id,
        &kr.co_owner_ids,
        &kr.sponsor_id,
        &kr.contributor_ids,
        &kr.team_ids,
        &mut people,
        &mut teams,
    );
    let names = async {
        match &context.names {
            // Read with the context (PostgreSQL), unless the key result as stored names someone
            // they do not (its circle changed between that read and the check-in).
            Some(n)
                if people.iter().all(|p| n.people.iter().any(|x| &x.id == p))
                    && teams.iter().all(|t| n.teams.iter().any(|(id, _)| id == t)) =>
            {
                Ok(Names {
                    people: n.people.iter().map(|p| (p.id.clone(), p.clone())).collect(),
                    teams: n.teams.iter().cloned().collect(),
                })
            }
            _ => Names::load(store, people, teams).await,
        }
    };
    let (assessor, names) = tokio::try_join!(Assessor::for_context(store, &context), names)?;
    let a = assessor.key_result(kr, &context.objective);
    Ok(names.key_result(context.key_result, a))
}

/// One key result of `o` as it stood at `as_of` (`None`: now), with what was derived about it
/// (its pace window included: the key result page's expected line).
pub async fn key_result_assessed(
    store: &dyn Store,
    kr: KeyResult,
    o: &Objective,
    cycle: Option<Cycle>,
    as_of: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<(KeyResultView, KeyResultAssessment)> {
    let (mut people, mut teams) = (HashSet::new(), HashSet::new());
    circle_ids(
        &kr.owner_id,
        &kr.co_owner_ids,
        &kr.sponsor_id,
        &kr.contributor_ids,
        &kr.team_ids,
        &mut people,
        &mut teams,
    );
    let (assessor, names) = tokio::try_join!(
        Assessor::for_key_result(store, o, &kr, cycle),
        Names::load(store, people, teams)
    )?;
    let assessor = match as_of {
        Some(at) => {
            assessor
                .as_of(store, std::slice::from_ref(&o.id), at)
                .await?
        }
        None => assessor,
    };
    let a = assessor.key_result(&kr, o);
    Ok((names.key_result(kr, a.clone()), a))
}

/// A page of items, as every list endpoint returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListOf<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// An initiative with what its key result's owner needs to arbitrate it (the doctrine's "One owner": drop those
/// that are not moving the key result): how long it has been active and whether the key result
/// moved since.
#[derive(Debug, Serialize, ToSchema)]
pub struct InitiativeView {
    #[serde(flatten)]
    pub initiative: Initiative,
    /// Whole days since it became active, while it is active.
    pub active_days: Option<i64>,
    /// How far the key result moved since the initiative became active (its current value minus
    /// `value_at_activation`, in the key result's unit); null if it never was active.
    pub key_result_change: Option<f64>,
    /// Whether the key result moved at all since then.
    pub key_result_moved: Option<bool>,
}

/// Renders an initiative of `kr`.
pub fn initiative(i: Initiative, kr: &KeyResult) -> InitiativeView {
    let active_days = match (i.state, i.active_since) {
        (InitiativeState::Active, Some(since)) => {
            Some((crate::services::now() - since).num_days().max(0))
        }
        _ => None,
    };
    let change = i.value_at_activation.map(|v| kr.current - v);
    InitiativeView {
        active_days,
        key_result_change: change,
        key_result_moved: change.map(|c| c.abs() > 1e-9),
        initiative: i,
    }
}
