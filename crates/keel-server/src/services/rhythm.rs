//! The owner's rhythm, derived: each key result's status (with its reason), forecast, score and
//! whether a check-in is due; each objective's status (worst of its key results unless its owner
//! overrides it), score and carry-over origin.
//!
//! Why one `Assessor`: the API, the web UI, reminders and reports must derive the same status
//! from the same facts. It loads what a page of OKRs needs in a constant number of queries
//! (check-in history of every key result at once, cycles, team cadences, overrides, scores), then
//! derives everything in memory with the pure rules of `keel_domain::rhythm`.
//!
//! When a check-in is due: the cadence is the key result's teams' own (the shortest), else the
//! organisation's `rhythm.cadence_days`; the day is the organisation's `check_in_weekday`.
//! Check-in periods start on that day: a key result falls due on the check-in day on or before
//! "last check-in + cadence" (weekly on Mondays: whatever day you checked in, you are due on the
//! Monday that starts the next week); cadences under a week ignore the day. Days are counted in
//! the organisation's time zone. A key result is active from the later of its objective's
//! activation and its owner's acceptance (`Rhythm::active_since`); before that it is a draft or
//! awaiting its owner, never due and never in a roll-up. Silence counts from the owner's own last
//! check-in, else from when it became active (a contributor's check-in records a value, not the
//! owner's word). It turns `stale` once silent longer than the cadence plus `rhythm.grace_days`
//! (`rhythm::is_stale`, the one definition the health check uses too).

use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use keel_domain::forecast;
use keel_domain::rhythm::{self, Status, StatusOverride};
use keel_domain::*;
use keel_store::{CheckIns, Cycles, Objectives, People, Rhythm, Settings, Teams};
use keel_store::{KeyResultContext, Store};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// What is derived about one key result.
#[derive(Debug, Clone)]
pub struct KeyResultAssessment {
    pub status: Status,
    pub status_reason: String,
    /// Attainment at the end of its time, as a range (`keel_domain::forecast`); none until
    /// there are enough readings.
    pub forecast: Option<forecast::Forecast>,
    pub score: Option<rhythm::KeyResultScore>,
    pub suggested_score: f64,
    /// Its check-in cadence in days (the team's, else the organisation's).
    pub cadence_days: u32,
    /// The day its next check-in falls due (`keel_domain::rhythm::due_on`).
    pub due_on: chrono::NaiveDate,
    /// True from `due_on` on (in the organisation's time zone); never for drafts or closed OKRs.
    pub due: bool,
    pub days_since_check_in: i64,
    /// Confidences of its check-ins, oldest first.
    pub confidences: Vec<u8>,
    /// The owner's own latest check-in (never a contributor's): its confidence and time.
    pub owner_confidence: Option<u8>,
    pub owner_last_check_in_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The key result's value and progress as they stood at the moment assessed.
    pub value: f64,
    pub progress: Progress,
    /// The days its pace is measured over (`keel_domain::rhythm::pace_window`): the key result
    /// page's expected line. `None` without a cycle.
    pub pace_window: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
}

/// What is derived about one objective.
#[derive(Debug, Clone)]
pub struct ObjectiveAssessment {
    pub status: Status,
    pub status_reason: String,
    pub status_override: Option<StatusOverride>,
    /// Weighted mean of the key results' scores, once all are scored.
    pub score: Option<f64>,
    pub carried_over_from: Option<ObjectiveId>,
}

/// Everything status derivation needs about a set of OKRs, loaded at once. `Clone`: reading
/// the past (`as_of`) from a copy of what was loaded for now costs no second load.
#[derive(Clone)]
pub struct Assessor {
    pub settings: OrgSettings,
    now: chrono::DateTime<chrono::Utc>,
    cycles: HashMap<CycleId, Cycle>,
    cadences: HashMap<TeamId, u32>,
    history: HashMap<KeyResultId, Vec<keel_store::CheckInPoint>>,
    active_since: HashMap<KeyResultId, Option<chrono::DateTime<chrono::Utc>>>,
    overrides: HashMap<ObjectiveId, StatusOverride>,
    scores: HashMap<KeyResultId, rhythm::KeyResultScore>,
    carried_from: HashMap<ObjectiveId, ObjectiveId>,
    /// Set when reading the past ([`Assessor::as_of`]).
    as_of: Option<chrono::DateTime<chrono::Utc>>,
    /// When reading the past: when each objective closed (itself or its cycle), if it has.
    closed_since: HashMap<ObjectiveId, chrono::DateTime<chrono::Utc>>,
}

/// The attainment a key result had at a checked-in value.
pub fn attainment_at(kr: &KeyResult, value: f64) -> f64 {
    match kr.metric_kind {
        MetricKind::Milestone if !kr.milestones.is_empty() => {
            (value / kr.milestones.len() as f64).clamp(0.0, 1.0)
        }
        _ => {
            progress::key_result(kr.metric_kind, kr.start, kr.target, value, &kr.milestones)
                .attainment
        }
    }
}

impl Assessor {
    /// Eight queries, whatever the number of OKRs.
    pub async fn load(
        store: &dyn Store,
        objectives: &[Objective],
        key_results: &[KeyResult],
    ) -> ApiResult<Self> {
        let mut cycle_ids: Vec<CycleId> = objectives.iter().map(|o| o.cycle_id.clone()).collect();
        cycle_ids.sort();
        cycle_ids.dedup();
        let mut team_ids: Vec<TeamId> = objectives
            .iter()
            .flat_map(|o| o.team_ids.iter().cloned())
            .chain(key_results.iter().flat_map(|k| k.team_ids.iter().cloned()))
            .collect();
        team_ids.sort();
        team_ids.dedup();
        let kr_ids: Vec<KeyResultId> = key_results.iter().map(|k| k.id.clone()).collect();
        let o_ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
        // Independent queries, issued together: on PostgreSQL they travel on several pooled
        // connections at once (one round trip's wait instead of seven); SQLite runs them in turn.
        let (settings, (cycles, cadences, history, overrides, scores, carried, active)) =
            tokio::try_join!(store.settings(), async {
                if o_ids.is_empty() {
                    return Ok(Default::default());
                }
                tokio::try_join!(
                    store.cycles_by_ids(&cycle_ids),
                    store.team_cadences(&team_ids),
                    store.check_in_points(&kr_ids),
                    store.status_overrides(&o_ids),
                    store.scores_of(&kr_ids),
                    store.carried_over_from(&o_ids),
                    store.active_since(&kr_ids),
                )
            })?;
        let mut by_kr: HashMap<KeyResultId, Vec<keel_store::CheckInPoint>> = HashMap::new();
        for c in history {
            by_kr.entry(c.key_result_id.clone()).or_default().push(c);
        }
        Ok(Self {
            settings,
            now: super::now(),
            cycles: cycles.into_iter().map(|c| (c.id.clone(), c)).collect(),
            cadences: cadences.into_iter().collect(),
            history: by_kr,
            active_since: active.into_iter().collect(),
            overrides: overrides
                .into_iter()
                .map(|o| (o.objective_id.clone(), o))
                .collect(),
            scores: scores
                .into_iter()
                .map(|s| (s.key_result_id.clone(), s))
                .collect(),
            carried_from: carried.into_iter().collect(),
            as_of: None,
            closed_since: HashMap::new(),
        })
    }

    /// For one key result of `o` (its status, forecast and score): five queries at most (four
    /// when the cycle is passed; settings are cached) instead of eight. The objective-level records (status override, carry-over) are not
    /// loaded; `cycle` is passed when the caller already holds it (a check-in checked it).
    pub async fn for_key_result(
        store: &dyn Store,
        o: &Objective,
        kr: &KeyResult,
        cycle: Option<Cycle>,
    ) -> ApiResult<Self> {
        let mut team_ids: Vec<TeamId> = o.team_ids.iter().chain(&kr.team_ids).cloned().collect();
        team_ids.sort();
        team_ids.dedup();
        let kr_ids = std::slice::from_ref(&kr.id);
        let (settings, cycles, cadences, history, scores, active) = tokio::try_join!(
            store.settings(),
            async {
                match cycle {
                    Some(c) if c.id == o.cycle_id => Ok(vec![c]),
                    _ => store.cycles_by_ids(std::slice::from_ref(&o.cycle_id)).await,
                }
            },
            store.team_cadences(&team_ids),
            store.check_in_points(kr_ids),
            store.scores_of(kr_ids),
            store.active_since(kr_ids),
        )?;
        Ok(Self {
            settings,
            now: super::now(),
            cycles: cycles.into_iter().map(|c| (c.id.clone(), c)).collect(),
            cadences: cadences.into_iter().collect(),
            history: HashMap::from([(kr.id.clone(), history)]),
            active_since: active.into_iter().collect(),
            overrides: HashMap::new(),
            scores: scores
                .into_iter()
                .map(|s| (s.key_result_id.clone(), s))
                .collect(),
            carried_from: HashMap::new(),
            as_of: None,
            closed_since: HashMap::new(),
        })
    }

    /// For one key result whose context is in hand (`KeyResultContext`, read with a check-in):
    /// one query, its history, read now (a check-in just added to it); the cycle, cadences,
    /// score and start come from the context; settings are cached.
    pub async fn for_context(store: &dyn Store, context: &KeyResultContext) -> ApiResult<Self> {
        let kr = &context.key_result;
        // The history read with the context, where the store reads it there.
        let (settings, history) = tokio::try_join!(store.settings(), async {
            match &context.history {
                Some(h) => Ok(h.clone()),
                None => store.check_in_points(std::slice::from_ref(&kr.id)).await,
            }
        })?;
        Ok(Self {
            settings,
            now: super::now(),
            cycles: context
                .cycle
                .iter()
                .map(|c| (c.id.clone(), c.clone()))
                .collect(),
            cadences: context.cadences.iter().cloned().collect(),
            history: HashMap::from([(kr.id.clone(), history)]),
            active_since: HashMap::from([(kr.id.clone(), context.active_since)]),
            overrides: HashMap::new(),
            scores: context
                .score
                .iter()
                .map(|s| (s.key_result_id.clone(), s.clone()))
                .collect(),
            carried_from: HashMap::new(),
            as_of: None,
            closed_since: HashMap::new(),
        })
    }

    /// The same facts read as they stood at `at` (status as of a date): only check-ins, scores
    /// and acceptances up to then count, each key result's value is its latest reading by then
    /// (`keel_domain::rhythm::value_at`), and `objectives` (those assessed) read closed only if
    /// they (or their cycle) had closed by then (`Rhythm::closed_since`). Reading "now" is the
    /// same path with `at` = now.
    pub async fn as_of(
        mut self,
        store: &dyn Store,
        objectives: &[ObjectiveId],
        at: chrono::DateTime<chrono::Utc>,
    ) -> ApiResult<Self> {
        if at >= self.now {
            return Ok(self);
        }
        self.closed_since = if objectives.is_empty() {
            HashMap::new()
        } else {
            store.closed_since(objectives).await?.into_iter().collect()
        };
        self.now = at;
        for h in self.history.values_mut() {
            h.retain(|c| c.at <= at);
        }
        for a in self.active_since.values_mut() {
            *a = a.filter(|a| *a <= at);
        }
        self.scores.retain(|_, s| s.scored_at <= at);
        self.overrides.retain(|_, o| o.set_at <= at);
        self.as_of = Some(at);
        Ok(self)
    }

    /// The key result's cadence: the shortest among its teams' (else its objective's teams')
    /// own cadences, else the organisation's.
    pub fn cadence_days(&self, kr: &KeyResult, o: &Objective) -> u32 {
        let teams = if kr.team_ids.is_empty() {
            &o.team_ids
        } else {
            &kr.team_ids
        };
        teams
            .iter()
            .filter_map(|t| self.cadences.get(t).copied())
            .min()
            .unwrap_or(self.settings.rhythm.cadence_days)
    }

    /// Closed now; or, reading the past, closed by then.
    fn closed(&self, o: &Objective) -> bool {
        if let Some(at) = self.as_of {
            return self.closed_since.get(&o.id).is_some_and(|t| *t <= at);
        }
        o.state == ObjectiveState::Closed
            || self
                .cycles
                .get(&o.cycle_id)
                .is_some_and(|c| c.state == CycleState::Closed)
    }

    /// Whether `author` speaks for the key result: its owner (or, under the shared policy, a
    /// co-owner). Only their check-ins carry the confidence status uses and end silence.
    fn is_owner(kr: &KeyResult, author: Option<&PersonId>) -> bool {
        rhythm::is_owners_word(kr, author)
    }

    /// The owner's own check-ins of `kr`, oldest first (a back-dated reading is the owner's word
    /// about its day, even before the key result became active).
    pub fn owner_check_ins<'s>(
        &'s self,
        kr: &'s KeyResult,
    ) -> impl Iterator<Item = &'s keel_store::CheckInPoint> + 's {
        self.history
            .get(&kr.id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter(move |c| Self::is_owner(kr, c.author_id.as_ref()))
    }

    pub fn key_result(&self, kr: &KeyResult, o: &Objective) -> KeyResultAssessment {
        let history: &[keel_store::CheckInPoint] =
            self.history.get(&kr.id).map(Vec::as_slice).unwrap_or(&[]);
        // Reading the past: the record as it stood then (now, the record itself).
        let then;
        let kr = match self.as_of {
            Some(at) => {
                let readings: Vec<_> = history.iter().map(|c| (c.at, c.value)).collect();
                then = rhythm::value_at(kr, &readings, at);
                &then
            }
            None => kr,
        };
        let cycle = self.cycles.get(&o.cycle_id);
        let draft = o.state == ObjectiveState::Draft;
        let active = self.active_since.get(&kr.id).copied().flatten();
        let awaiting_owner = !draft && active.is_none();
        let last_owner = self.owner_check_ins(kr).last();
        // Silence counts from the owner's last check-in, else from when it became active (else
        // from its creation, for a key result not active yet, which is never due); pace from when
        // it became active.
        let start = active.unwrap_or(kr.created_at);
        let since = last_owner.map_or(start, |c| c.at);
        let days_silent = (self.now - since).num_days().max(0);
        let days_active = (self.now - start).num_days().max(0);
        let cadence = self.cadence_days(kr, o);
        let closed = self.closed(o);
        let p = kr.progress();
        let today = self.settings.local_date(self.now);
        let due_on = rhythm::due_on(
            self.settings.local_date(since),
            cadence,
            self.settings.check_in_weekday.to_chrono(),
        );
        let owner_confidence = last_owner.map(|c| self.on_scale(c));
        let pace_window = cycle.map(|c| {
            rhythm::pace_window(
                kr.time_within(c.starts_on, c.ends_on),
                self.settings.local_date(start),
            )
        });
        let (status, status_reason) = rhythm::key_result_status(&rhythm::StatusInput {
            closed,
            draft,
            awaiting_owner,
            days_silent,
            days_active,
            owner_checked_in: last_owner.is_some(),
            cadence_days: i64::from(cadence),
            grace_days: i64::from(self.settings.rhythm.grace_days),
            confidence: owner_confidence,
            scale: self.settings.confidence_scale,
            progress: p.progress,
            elapsed: pace_window.map_or(0.0, |w| rhythm::pace_share(w, today)),
        });
        let forecast = pace_window.and_then(|w| self.forecast(kr, w, history));
        // A finished yes/no key result has nothing left to report.
        let finished = kr.metric_kind == MetricKind::Boolean && p.attainment >= 1.0 - 1e-9;
        KeyResultAssessment {
            status,
            status_reason,
            forecast,
            score: self.scores.get(&kr.id).cloned(),
            suggested_score: rhythm::suggested_score(p.attainment),
            cadence_days: cadence,
            due_on,
            due: !closed && !status.is_pending() && !finished && today >= due_on,
            days_since_check_in: days_silent,
            confidences: history.iter().map(|c| self.on_scale(c)).collect(),
            owner_confidence,
            owner_last_check_in_at: last_owner.map(|c| c.at),
            value: kr.current,
            progress: p,
            pace_window,
        }
    }

    /// What `kr` (of `o`) owed in each check-in week starting on `weeks`: the one rule of
    /// check-in compliance (`rhythm::week_check_in`), with its cadence, the day it became active
    /// and its owner's own check-ins as status reads them. `closed_at`: when its objective or
    /// cycle closed (`Rhythm::closed_since`), if it has; a score closes it too.
    pub fn week_check_ins(
        &self,
        kr: &KeyResult,
        o: &Objective,
        closed_at: Option<chrono::DateTime<chrono::Utc>>,
        weeks: &[chrono::NaiveDate],
    ) -> Vec<rhythm::WeekCheckIn> {
        let local = |t| self.settings.local_date(t);
        let days: Vec<chrono::NaiveDate> = self.owner_check_ins(kr).map(|c| local(c.at)).collect();
        let scored_at = self.scores.get(&kr.id).map(|s| s.scored_at);
        let duty = rhythm::CheckInDuty {
            active_on: self.active_since.get(&kr.id).copied().flatten().map(local),
            closed_on: closed_at.into_iter().chain(scored_at).min().map(local),
            owner_check_ins: &days,
            cadence_days: self.cadence_days(kr, o),
        };
        let day = self.settings.check_in_weekday.to_chrono();
        weeks
            .iter()
            .map(|w| rhythm::week_check_in(&duty, *w, day))
            .collect()
    }

    /// A reading's confidence on the organisation's scale in use, whatever scale it was given on.
    fn on_scale(&self, c: &keel_store::CheckInPoint) -> u8 {
        rhythm::rescale(c.confidence, c.scale, self.settings.confidence_scale)
    }

    /// The forecast from every reading's value (a contributor's value is a fact too), over its
    /// pace window (`rhythm::pace_window`): day 0 the day it became active (not before its own
    /// start), read at its own due day (else the cycle's last).
    fn forecast(
        &self,
        kr: &KeyResult,
        (from, to): (chrono::NaiveDate, chrono::NaiveDate),
        history: &[keel_store::CheckInPoint],
    ) -> Option<forecast::Forecast> {
        let day = |d: chrono::NaiveDate| (d - from).num_days() as f64;
        let readings: Vec<(f64, f64)> = history
            .iter()
            .map(|ci| {
                let on = self.settings.local_date(ci.at);
                (day(on), attainment_at(kr, ci.value))
            })
            .collect();
        forecast::forecast(
            kr.metric_kind,
            attainment_at(kr, kr.start),
            &readings,
            day(to),
        )
    }

    /// The objective's status: closed when it or its cycle is; else the owner's override if any;
    /// else the worst of its key results (`(weight, assessment)` pairs).
    pub fn objective(
        &self,
        o: &Objective,
        key_results: &[(f64, &KeyResultAssessment)],
    ) -> ObjectiveAssessment {
        let status_override = self.overrides.get(&o.id).cloned();
        let score = rhythm::objective_score(
            key_results
                .iter()
                .map(|(w, a)| (*w, a.score.as_ref().map(|s| s.score))),
        );
        let carried_over_from = self.carried_from.get(&o.id).cloned();
        let (status, status_reason) = if self.closed(o) {
            (Status::Closed, "the OKR is closed".to_string())
        } else if o.state == ObjectiveState::Draft {
            (Status::Draft, "it counts once it is active".to_string())
        } else {
            let worst = Status::worst(key_results.iter().map(|(_, a)| a.status));
            match (&status_override, worst) {
                (Some(ov), w) if self.override_stands(ov, key_results, w) => {
                    let until = match ov.until {
                        Some(d) => format!(" (until {})", d.format("%-d %B %Y")),
                        None => " (until the next check-in falls due)".into(),
                    };
                    (ov.status, format!("set by its owner{until}: {}", ov.reason))
                }
                (_, Some(s)) => {
                    let n = key_results.iter().filter(|(_, a)| a.status == s).count();
                    let why = key_results
                        .iter()
                        .find(|(_, a)| a.status == s)
                        .map(|(_, a)| a.status_reason.clone())
                        .unwrap_or_default();
                    (
                        s,
                        format!(
                            "the worst of its key results ({n} of {}): {why}",
                            key_results.len()
                        ),
                    )
                }
                (_, None) => (
                    Status::OffTrack,
                    "it has no key results: nothing measures it".into(),
                ),
            }
        };
        ObjectiveAssessment {
            status,
            status_reason,
            status_override,
            score,
            carried_over_from,
        }
    }
}

impl Assessor {
    /// Whether the owner's override still stands: it lapses at the day they picked, else when
    /// the next check-in falls due after it was set (the shortest cadence among its key
    /// results), and never outranks a stale key result.
    fn override_stands(
        &self,
        ov: &StatusOverride,
        key_results: &[(f64, &KeyResultAssessment)],
        worst: Option<Status>,
    ) -> bool {
        let cadence = key_results
            .iter()
            .map(|(_, a)| a.cadence_days)
            .min()
            .unwrap_or(self.settings.rhythm.cadence_days);
        let next_due = rhythm::due_on(
            self.settings.local_date(ov.set_at),
            cadence,
            self.settings.check_in_weekday.to_chrono(),
        );
        let stale = key_results.iter().any(|(_, a)| a.status == Status::Stale);
        debug_assert!(!stale || worst.is_some());
        ov.stands(self.settings.local_date(self.now), next_due, stale)
    }
}

/// The moment an `as_of` day (`YYYY-MM-DD`, in the organisation's time zone) stands for: the
/// end of that day; `None` for no day or today (now). 422 naming `as_of` for anything else or a
/// day still to come.
pub async fn as_of_moment(
    store: &dyn Store,
    as_of: Option<&str>,
) -> ApiResult<Option<chrono::DateTime<chrono::Utc>>> {
    let Some(raw) = as_of.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let day = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            "as_of",
            format!("must be a day written YYYY-MM-DD (got '{raw}')"),
        )
    })?;
    let settings = store.settings().await?;
    let today = settings.local_date(super::now());
    if day > today {
        return Err(FieldError::new(
            "as_of",
            "must be today or a day before: status has no future",
        )
        .into());
    }
    Ok((day < today).then(|| rhythm::end_of_day(&settings, day)))
}

// ---------------------------------------------------------------- status override

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetStatusOverride {
    /// on_track, at_risk or off_track.
    pub status: Status,
    /// Why the owner sees it differently from the key results: required.
    pub reason: String,
    /// The last day it stands (today or later); without one it lapses when the next check-in
    /// falls due.
    #[serde(default)]
    pub until: Option<chrono::NaiveDate>,
}

/// The objective, once the caller may override its status: 404 when they may not see it, 403
/// when they may not override it. Asked first by [`set_status_override`] and by the objective
/// page's form, before what was typed is read.
pub async fn authorize_status_override(
    store: &dyn Store,
    caller: &Caller,
    id: &ObjectiveId,
) -> ApiResult<Objective> {
    let o = super::guards::get_objective(store, &super::visibility::Viewer::of(&caller.person), id)
        .await?;
    access::override_status(&access::Actor::load(store, &caller.person).await?, &o)?;
    Ok(o)
}

/// The objective's owner (or an administrator) overrides its derived status, with a reason.
pub async fn set_status_override(
    store: &dyn Store,
    caller: &Caller,
    id: &ObjectiveId,
    input: Option<SetStatusOverride>,
) -> ApiResult<Objective> {
    let o = authorize_status_override(store, caller, id).await?;
    super::guards::require_unlocked(store, &o).await?;
    let ov = match input {
        Some(i) => Some(
            StatusOverride {
                objective_id: o.id.clone(),
                status: i.status,
                reason: i.reason,
                set_by: Some(caller.person.id.clone()),
                set_at: super::now(),
                until: i.until,
            }
            .validated(super::today(store).await?)?,
        ),
        None => None,
    };
    store
        .set_status_override(&caller.write_ctx(), &o.id, ov.as_ref())
        .await?;
    Ok(o)
}

// ---------------------------------------------------------------- team cadence

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTeamCadence {
    /// Days between check-ins for the team's OKRs (1–90); null to follow the organisation.
    pub cadence_days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamCadence {
    pub team_id: TeamId,
    /// The team's own cadence, if it has one.
    pub own_cadence_days: Option<u32>,
    /// What applies: the team's own, else the organisation's.
    pub cadence_days: u32,
}

pub async fn team_cadence(store: &dyn Store, team_id: &TeamId) -> ApiResult<TeamCadence> {
    let team = store
        .team(team_id)
        .await?
        .ok_or(ApiError::NotFound("team"))?;
    let own = store
        .team_cadences(std::slice::from_ref(&team.id))
        .await?
        .first()
        .map(|(_, d)| *d);
    Ok(TeamCadence {
        team_id: team.id,
        own_cadence_days: own,
        cadence_days: own.unwrap_or(store.settings().await?.rhythm.cadence_days),
    })
}

/// The team, once the caller may set its own cadence: 404 for an unknown team, 403 for anyone
/// who may not change it. Asked first by the API's PUT and by the team page (which shows the
/// form only when this allows it, and refuses a form before reading what was typed).
pub async fn authorize_team_cadence(
    store: &dyn Store,
    caller: &Caller,
    team_id: &TeamId,
) -> ApiResult<Team> {
    let team = store
        .team(team_id)
        .await?
        .ok_or(ApiError::NotFound("team"))?;
    access::set_team_cadence(&access::Actor::load(store, &caller.person).await?, &team)?;
    Ok(team)
}

pub async fn set_team_cadence(
    store: &dyn Store,
    caller: &Caller,
    team_id: &TeamId,
    input: SetTeamCadence,
) -> ApiResult<TeamCadence> {
    let team = authorize_team_cadence(store, caller, team_id).await?;
    if let Some(d) = input.cadence_days {
        keel_domain::org::check_cadence("cadence_days", d)?;
    }
    store
        .set_team_cadence(&caller.write_ctx(), &team.id, input.cadence_days)
        .await?;
    team_cadence(store, &team.id).await
}

// ---------------------------------------------------------------- due check-ins

/// A key result waiting for its owner's check-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueCheckIn {
    pub key_result_id: KeyResultId,
    pub key_result_title: String,
    pub objective_id: ObjectiveId,
    pub objective_title: String,
    pub last_check_in_at: Option<chrono::DateTime<chrono::Utc>>,
    pub days_since_check_in: i64,
    pub cadence_days: u32,
    /// The day it fell due (the check-in day that closed its cadence).
    pub due_on: chrono::NaiveDate,
    pub status: Status,
    pub status_reason: String,
}

/// The key results `person_id` owns whose check-in is due, longest silent first ("My week",
/// reminders). Drafts and closed OKRs are never due. Only OKRs `viewer` may see are listed (a
/// person always sees their own). A constant number of queries.
pub async fn due_for(
    store: &dyn Store,
    viewer: &super::visibility::Viewer,
    person_id: &PersonId,
) -> ApiResult<Vec<DueCheckIn>> {
    store
        .person(person_id)
        .await?
        .ok_or(ApiError::NotFound("person"))?;
    let involvement = store.okrs_involving(person_id).await?;
    let owned: Vec<KeyResult> = involvement
        .key_results
        .into_iter()
        .filter(|k| &k.owner_id == person_id)
        .collect();
    let mut o_ids: Vec<ObjectiveId> = owned.iter().map(|k| k.objective_id.clone()).collect();
    o_ids.sort();
    o_ids.dedup();
    let seen = viewer.visible(store, &o_ids).await?;
    let objectives: HashMap<ObjectiveId, Objective> = store
        .objectives_by_ids(&o_ids)
        .await?
        .into_iter()
        .filter(|o| seen.contains(&o.id))
        .map(|o| (o.id.clone(), o))
        .collect();
    let owned: Vec<KeyResult> = owned
        .into_iter()
        .filter(|k| objectives.contains_key(&k.objective_id))
        .collect();
    let os: Vec<Objective> = objectives.values().cloned().collect();
    let assessor = Assessor::load(store, &os, &owned).await?;
    let mut out = vec![];
    for kr in owned {
        let Some(o) = objectives.get(&kr.objective_id) else {
            continue;
        };
        let a = assessor.key_result(&kr, o);
        if a.due {
            out.push(DueCheckIn {
                key_result_id: kr.id,
                key_result_title: kr.title,
                objective_id: o.id.clone(),
                objective_title: o.title.clone(),
                last_check_in_at: kr.last_check_in_at,
                days_since_check_in: a.days_since_check_in,
                cadence_days: a.cadence_days,
                due_on: a.due_on,
                status: a.status,
                status_reason: a.status_reason,
            });
        }
    }
    out.sort_by_key(|d| std::cmp::Reverse(d.days_since_check_in));
    Ok(out)
}
