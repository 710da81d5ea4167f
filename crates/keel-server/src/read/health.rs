//! The ownership health check over one cycle (the doctrine's "The pitfalls", detected), for the
//! API, `keel lint` and the web UI alike; and the health page, which links each finding to the
//! objective page that fixes it.
//!
//! The health page and `GET /api/v1/health` read what the hourly evaluator found with the check
//! (`check_okrs`, a batch of objectives at a time, stored in `health_findings`), counted by
//! pitfall and paged by the database with the reader's eyes, and say when: at 100,000 people
//! checking the whole cycle on each request is too slow. Owners' overload, which counts OKRs
//! across objectives, is counted with the reader's eyes: from the evaluator's count of what each
//! person owns (`participation_counts`) at the widest reach the reader sees whole, plus the
//! narrower OKRs the reader may see, counted now (everything counted now before its first
//! count). The counts by pitfall are the evaluator's per visibility (`health_finding_counts`).
//!
//! `keel lint` (an operator's command, run now and then) checks the cycle now (`for_cycle`), a
//! batch of objectives at a time as the evaluator does: what costs memory at 100,000 people is
//! the check's input (every objective, key result and check-in of the cycle), so only a batch
//! of it is held at once; the findings themselves are kept to print them sorted.

use super::lists::{cycles, pick_cycle};
use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::visibility::Viewer;
use keel_domain::health::{self, Finding, HealthInput, Severity};
use keel_domain::*;
use keel_store::{
    Cycles, Dashboards, HealthFindings, KeyResults, ObjectiveFilter, Objectives, Ownership,
    OwnershipRequestFilter, PageRequest, People, Settings, Store, Teams,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthCounts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthReport {
    pub cycle: Cycle,
    /// The findings' counts (the findings about people, `people`, aside).
    pub counts: HealthCounts,
    /// Errors first, then warnings, then information, by pitfall: one page of them (`limit`, 50
    /// when absent); `counts` are over every page. A pitfall's findings come by the OKR's
    /// title, except owners' overloads, which come most owned first, then by person (a stable,
    /// total order, so following `next_cursor` lists each once).
    pub findings: Vec<Finding>,
    /// Pass as `cursor` for the next page of findings; absent on the last page.
    pub next_cursor: Option<String>,
    /// Findings about people rather than one OKR (`people_without_okrs`), for readers who may
    /// read people's participation (`GET /api/v1/reports/participation`) and within their
    /// reach; empty for everyone else and when there is nothing to say.
    pub people: Vec<PeopleFinding>,
    /// When the hourly check found the findings listed (owners' overload is counted with it);
    /// null before its first run.
    pub evaluated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A finding about people rather than one OKR, with its fix.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeopleFinding {
    /// Stable identifier: `people_without_okrs`.
    pub code: &'static str,
    pub severity: Severity,
    /// How many people it is about.
    pub count: i64,
    pub message: String,
    /// One line saying how to fix it.
    pub fix: String,
}

/// "People without OKRs" (the doctrine's participation: everyone takes part in some OKR): the
/// active people within the reader's reach who own, co-own and contribute to nothing in the
/// cycle, counted as the participation report counts them (one summary query). Nothing for a
/// reader who may not read people's participation.
pub async fn people_findings(
    store: &dyn Store,
    caller: &Caller,
    cycle_id: &CycleId,
) -> ApiResult<Vec<PeopleFinding>> {
    use super::participation::{prepare, ParticipationParams};
    let params = ParticipationParams {
        cycle_id: Some(cycle_id.to_string()),
        ..Default::default()
    };
    let prepared = match prepare(store, caller, &params).await {
        Ok(Some(p)) => p,
        Ok(None) | Err(ApiError::Forbidden(_)) => return Ok(vec![]),
        Err(e) => return Err(e),
    };
    let totals = keel_store::Participation::participation_summary(store, &prepared.query).await?;
    if totals.without_okrs == 0 {
        return Ok(vec![]);
    }
    let n = totals.without_okrs;
    Ok(vec![PeopleFinding {
        code: "people_without_okrs",
        severity: Severity::Warning,
        count: n,
        message: format!(
            "{n} of {} {} own, co-own or contribute to nothing in {}",
            totals.people,
            if totals.people == 1 { "person" } else { "people" },
            prepared.cycle.name
        ),
        fix: "Invite each of them to contribute to a key result of their team, or to draft one of their own with their team lead; the participation report lists them".into(),
    }])
}

/// Runs the check now over every objective and key result of the cycle that `viewer` may see
/// (the findings, and so the counts, never reveal an OKR the viewer could not open), a batch of
/// 500 objectives at a time (their key results and check-ins in memory only while their batch
/// is checked); owners' overload, which spans batches, is counted over all of them.
pub async fn for_cycle(
    store: &dyn Store,
    viewer: &Viewer,
    cycle_id: &CycleId,
) -> ApiResult<HealthReport> {
    let cycle = store.cycle(cycle_id).await?.ok_or_else(|| {
        ApiError::invalid("cycle_id", format!("no cycle has the id '{cycle_id}'"))
    })?;
    let settings = store.settings().await?;
    let requests = pending_requests(store).await?;
    let mut findings = vec![];
    // Each owner's count, and the first objective and key result they own (the overload
    // finding is about the first objective, else the first key result, as the check words it).
    let mut owners: HashMap<PersonId, Owned> = HashMap::new();
    let mut page = PageRequest {
        limit: 500,
        cursor: None,
    };
    loop {
        let p = store
            .list_objectives(
                &ObjectiveFilter {
                    cycle_id: Some(cycle_id.clone()),
                    ..ObjectiveFilter::new(keel_store::Reader::of(viewer.audience()))
                },
                &page,
            )
            .await?;
        let objectives = p.items;
        let ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
        let key_results = if ids.is_empty() {
            vec![]
        } else {
            store.key_results_of(&ids).await?
        };
        for o in &objectives {
            let e = owners.entry(o.owner_id.clone()).or_default();
            e.0 += 1;
            e.1.get_or_insert_with(|| (OkrRef::Objective(o.id.clone()), o.title.clone()));
        }
        for k in &key_results {
            let e = owners.entry(k.owner_id.clone()).or_default();
            e.0 += 1;
            e.2.get_or_insert_with(|| (OkrRef::KeyResult(k.id.clone()), k.title.clone()));
        }
        let okr_ids: HashSet<&str> = objectives
            .iter()
            .map(|o| o.id.as_str())
            .chain(key_results.iter().map(|k| k.id.as_str()))
            .collect();
        let batch_requests: Vec<OwnershipRequest> = requests
            .iter()
            .filter(|r| okr_ids.contains(r.okr.id()))
            .cloned()
            .collect();
        // Stale is the status's own verdict (one definition, `rhythm::is_stale`).
        let assessor =
            crate::services::rhythm::Assessor::load(store, &objectives, &key_results).await?;
        let stale = stale_of(&assessor, &objectives, &key_results);
        findings.extend(
            check_okrs(
                store,
                settings.health,
                &objectives,
                &key_results,
                &batch_requests,
                &stale,
            )
            .await?
            .into_iter()
            .filter(|f| f.code != keel_store::OWNER_OVERLOAD),
        );
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    findings.extend(overloads(store, owners, settings.health.owner_overload).await?);
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.code.cmp(b.code))
            .then(a.okr_title.cmp(&b.okr_title))
    });
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    Ok(HealthReport {
        next_cursor: None,
        people: vec![],
        evaluated_at: Some(chrono::Utc::now()),
        counts: HealthCounts {
            error: count(Severity::Error),
            warning: count(Severity::Warning),
            info: count(Severity::Info),
        },
        cycle,
        findings,
    })
}

/// What an owner owns in a cycle, for the overload finding: how many objectives and key
/// results, and the first objective and the first key result (with their titles).
type Owned = (u32, Option<(OkrRef, String)>, Option<(OkrRef, String)>);

/// The owners' overload findings of a whole cycle from each owner's count and first objective
/// and key result (worded as the check words them; their names read in one query).
async fn overloads(
    store: &dyn Store,
    owners: HashMap<PersonId, Owned>,
    limit: u32,
) -> ApiResult<Vec<Finding>> {
    let mut over: Vec<(PersonId, u32, (OkrRef, String))> = owners
        .into_iter()
        .filter(|(_, (n, _, _))| *n > limit)
        .filter_map(|(p, (n, o, k))| Some((p, n, o.or(k)?)))
        .collect();
    over.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let ids: Vec<PersonId> = over.iter().map(|(p, _, _)| p.clone()).collect();
    let names: HashMap<PersonId, String> = store
        .people_by_ids(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(over
        .into_iter()
        .map(|(person, n, (okr, okr_title))| Finding {
            code: "owner_overload",
            severity: Severity::Warning,
            okr,
            okr_title,
            message: health::overload_message(
                names.get(&person).map(String::as_str).unwrap_or_default(),
                i64::from(n),
                limit,
            ),
            fix: health::OVERLOAD_FIX.into(),
            person_id: Some(person),
        })
        .collect())
}

/// The health report of `GET /api/v1/health`: the findings the hourly evaluator stored for the
/// cycle, with the reader's eyes (owners' overload from what each person owns, as counted),
/// counted over all of them and listed a page at a time (keyset), with when they were found
/// and, for those who may read participation, the people without OKRs. A constant number of
/// queries whatever the organisation's size.
pub async fn stored_report(
    store: &dyn Store,
    caller: &Caller,
    cycle_id: &CycleId,
    page: &PageRequest,
) -> ApiResult<HealthReport> {
    let cycle = store.cycle(cycle_id).await?.ok_or_else(|| {
        ApiError::invalid("cycle_id", format!("no cycle has the id '{cycle_id}'"))
    })?;
    let overload = store.settings().await?.health.owner_overload;
    let query = keel_store::HealthQuery {
        reader: keel_store::Reader::of(Viewer::of(&caller.person).audience()),
        cycle_id: cycle.id.clone(),
        code: None,
        overload,
    };
    let counts = store.health_counts(&query).await?;
    let last_round = store.last_finished(crate::jobs::EVALUATE).await?;
    let sum = |s: Severity| {
        pitfalls(&counts.pitfalls)
            .iter()
            .filter(|p| p.severity == s)
            .map(|p| p.count)
            .sum()
    };
    let found = store.health_findings_page(&query, page).await?;
    Ok(HealthReport {
        counts: HealthCounts {
            error: sum(Severity::Error),
            warning: sum(Severity::Warning),
            info: sum(Severity::Info),
        },
        findings: found
            .items
            .into_iter()
            .filter_map(|f| finding_of(f, overload))
            .collect(),
        next_cursor: found.next_cursor,
        people: people_findings(store, caller, &cycle.id).await?,
        evaluated_at: counts.evaluated_at.max(last_round),
        cycle,
    })
}

/// Every pending ownership request (500 a query): the check's "not accepted after so many
/// days" counts from when each was made.
pub async fn pending_requests(store: &dyn Store) -> ApiResult<Vec<OwnershipRequest>> {
    let mut requests = vec![];
    let mut page = PageRequest {
        limit: 500,
        cursor: None,
    };
    loop {
        let p = store
            .list_ownership_requests(
                &OwnershipRequestFilter {
                    state: Some(RequestState::Pending),
                    ..OwnershipRequestFilter::new(keel_store::Reader::Everyone)
                },
                &page,
            )
            .await?;
        requests.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    Ok(requests)
}

/// The key results whose status is stale, with how many days their owner has been silent.
pub fn stale_of(
    assessor: &crate::services::rhythm::Assessor,
    objectives: &[Objective],
    key_results: &[KeyResult],
) -> HashMap<KeyResultId, i64> {
    let by_id: HashMap<&ObjectiveId, &Objective> = objectives.iter().map(|o| (&o.id, o)).collect();
    key_results
        .iter()
        .filter_map(|k| {
            let a = assessor.key_result(k, by_id.get(&k.objective_id)?);
            (a.status == keel_domain::rhythm::Status::Stale)
                .then(|| (k.id.clone(), a.days_since_check_in))
        })
        .collect()
}

/// The check (`keel_domain::health::check`) over these objectives and key results, reading
/// their people and teams (two queries): for a cycle, and for the evaluator's batches.
pub async fn check_okrs(
    store: &dyn Store,
    thresholds: HealthThresholds,
    objectives: &[Objective],
    key_results: &[KeyResult],
    requests: &[OwnershipRequest],
    stale: &HashMap<KeyResultId, i64>,
) -> ApiResult<Vec<Finding>> {
    let mut people_ids: HashSet<PersonId> = HashSet::new();
    let mut team_ids: HashSet<TeamId> = HashSet::new();
    for o in objectives {
        people_ids.insert(o.owner_id.clone());
        people_ids.extend(o.contributor_ids.iter().cloned());
        team_ids.extend(o.team_ids.iter().cloned());
    }
    for k in key_results {
        people_ids.insert(k.owner_id.clone());
        people_ids.extend(k.contributor_ids.iter().cloned());
        team_ids.extend(k.team_ids.iter().cloned());
    }
    let people_ids: Vec<PersonId> = people_ids.into_iter().collect();
    let people: HashMap<PersonId, Person> = store
        .people_by_ids(&people_ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let team_ids: Vec<TeamId> = team_ids.into_iter().collect();
    let teams = store.teams_by_ids(&team_ids).await?;
    Ok(health::check(&HealthInput {
        now: chrono::Utc::now(),
        thresholds,
        objectives,
        key_results,
        people: &people,
        teams: &teams,
        requests,
        stale,
    }))
}

// ---------------------------------------------------------------- the health page

/// A finding with what it takes to link it to where it is fixed.
pub struct LinkedFinding {
    pub finding: Finding,
    /// The objective page that fixes it (the key result's objective for a key result).
    pub objective_id: Option<ObjectiveId>,
    pub person: Option<Person>,
    /// The teams the OKR is shared with.
    pub teams: Vec<(TeamId, String)>,
}

/// Names the person of each finding (one query) and finds its objective and teams with `place`.
pub async fn link_findings(
    store: &dyn Store,
    findings: Vec<Finding>,
    place: impl Fn(&str) -> Option<(ObjectiveId, Vec<(TeamId, String)>)>,
) -> ApiResult<Vec<LinkedFinding>> {
    let person_ids: Vec<PersonId> = findings
        .iter()
        .filter_map(|f| f.person_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let people: HashMap<PersonId, Person> = store
        .people_by_ids(&person_ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    Ok(findings
        .into_iter()
        .map(|f| {
            let (objective_id, teams) = match place(f.okr.id()) {
                Some((o, t)) => (Some(o), t),
                None => (None, vec![]),
            };
            LinkedFinding {
                objective_id,
                person: f.person_id.as_ref().and_then(|p| people.get(p)).cloned(),
                teams,
                finding: f,
            }
        })
        .collect())
}

/// Findings listed on one page of the health page; the summary by pitfall covers them all.
pub const FINDINGS_PER_PAGE: usize = 50;

/// How many findings of one pitfall a cycle has.
pub struct PitfallCount {
    pub code: &'static str,
    pub severity: Severity,
    pub count: usize,
}

pub struct HealthPage {
    pub cycles: Vec<Cycle>,
    pub cycle: Option<Cycle>,
    /// Over every finding (not only the page's).
    pub counts: HealthCounts,
    /// Every pitfall found, with its count: errors first, then the most frequent.
    pub pitfalls: Vec<PitfallCount>,
    /// The page's findings (of the pitfall asked for, if any), each with its objective,
    /// person and teams.
    pub findings: Vec<LinkedFinding>,
    /// The page shown (from 1), and whether there are findings after it.
    pub page: usize,
    pub more: bool,
    /// Findings about people (`people_findings`).
    pub people: Vec<PeopleFinding>,
    /// When the evaluator found the findings listed (its last round; `None` before its first).
    /// Owners' overload is counted with the hourly count of what each person owns.
    pub evaluated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What the health page lists: one pitfall's findings (by its code) or all, page `page` (from 1).
#[derive(Debug, Clone, Default)]
pub struct HealthListing {
    pub pitfall: Option<String>,
    pub page: usize,
}

/// The pitfalls found, with how many of each: errors first, then the most frequent.
fn pitfalls(counts: &[keel_store::PitfallCount]) -> Vec<PitfallCount> {
    let rank = |s: Severity| match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    };
    let mut out: Vec<PitfallCount> = counts
        .iter()
        .filter_map(|c| {
            Some(PitfallCount {
                code: health::CODES.iter().find(|k| **k == c.code)?,
                severity: c.severity,
                count: usize::try_from(c.count).unwrap_or(0),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        rank(a.severity)
            .cmp(&rank(b.severity))
            .then(b.count.cmp(&a.count))
            .then(a.code.cmp(b.code))
    });
    out
}

/// A stored finding as the check words it (an overload worded now, from its count).
pub(crate) fn finding_of(f: keel_store::StoredFinding, overload: u32) -> Option<Finding> {
    let code = *health::CODES.iter().find(|k| **k == f.code)?;
    let (message, fix) = if code == keel_store::OWNER_OVERLOAD {
        let name = f.person_name.unwrap_or_default();
        (
            health::overload_message(&name, f.owned, overload),
            health::OVERLOAD_FIX.to_string(),
        )
    } else {
        (f.message, f.fix)
    };
    Some(Finding {
        code,
        severity: f.severity,
        okr: f.okr,
        okr_title: f.okr_title,
        person_id: f.person_id,
        message,
        fix,
    })
}

/// The health findings of a cycle as the evaluator last found them (`keel_store::HealthFindings`,
/// with the reader's eyes): the counts and pitfalls over all of them, and one page of them (of
/// one pitfall, if asked) each with its objective, person and teams. A constant number of
/// queries whatever the size of the organisation: the counts, the page, its OKRs, people and
/// teams by id.
pub async fn health_page(
    store: &dyn Store,
    caller: &Caller,
    cycle_id: Option<&str>,
    listing: &HealthListing,
) -> ApiResult<HealthPage> {
    access::read_reports(&caller.person)?;
    let viewer = Viewer::of(&caller.person);
    let cycles = cycles(store).await?;
    let cycle = pick_cycle(&cycles, cycle_id, crate::services::today(store).await?)?;
    let mut page = HealthPage {
        cycles,
        cycle: None,
        counts: HealthCounts {
            error: 0,
            warning: 0,
            info: 0,
        },
        pitfalls: vec![],
        findings: vec![],
        page: listing.page.max(1),
        more: false,
        people: vec![],
        evaluated_at: None,
    };
    let Some(c) = cycle else {
        return Ok(page);
    };
    let code = listing.pitfall.clone().filter(|p| !p.is_empty());
    if let Some(code) = code.as_deref() {
        if !health::CODES.contains(&code) {
            return Err(ApiError::invalid(
                "pitfall",
                "is not one of the health check's pitfalls",
            ));
        }
    }
    let overload = store.settings().await?.health.owner_overload;
    let query = keel_store::HealthQuery {
        reader: keel_store::Reader::of(viewer.audience()),
        cycle_id: c.id.clone(),
        code,
        overload,
    };
    let counts = store.health_counts(&query).await?;
    let last_round = store.last_finished(crate::jobs::EVALUATE).await?;
    page.evaluated_at = counts.evaluated_at.max(last_round);
    page.people = people_findings(store, caller, &c.id).await?;
    page.pitfalls = pitfalls(&counts.pitfalls);
    let sum = |s: Severity| {
        page.pitfalls
            .iter()
            .filter(|p| p.severity == s)
            .map(|p| p.count)
            .sum()
    };
    page.counts = HealthCounts {
        error: sum(Severity::Error),
        warning: sum(Severity::Warning),
        info: sum(Severity::Info),
    };
    let skip = (page.page - 1) * FINDINGS_PER_PAGE;
    let rows = store
        .health_findings(&query, skip as u64, FINDINGS_PER_PAGE as u32 + 1)
        .await?;
    page.more = rows.len() > FINDINGS_PER_PAGE;
    let shown: Vec<Finding> = rows
        .into_iter()
        .take(FINDINGS_PER_PAGE)
        .filter_map(|f| finding_of(f, overload))
        .collect();
    page.findings = link_page(store, shown).await?;
    page.cycle = Some(c);
    Ok(page)
}

/// Links a page of findings: their key results and objectives by id (for the objective page
/// and the teams), then their people and teams by id.
async fn link_page(store: &dyn Store, findings: Vec<Finding>) -> ApiResult<Vec<LinkedFinding>> {
    let mut objective_ids = vec![];
    let mut kr_ids = vec![];
    for f in &findings {
        match &f.okr {
            OkrRef::Objective(o) => objective_ids.push(o.clone()),
            OkrRef::KeyResult(k) => kr_ids.push(k.clone()),
        }
    }
    let mut objective_of: HashMap<String, (ObjectiveId, Vec<TeamId>)> = HashMap::new();
    if !objective_ids.is_empty() {
        for o in store.objectives_by_ids(&objective_ids).await? {
            objective_of.insert(o.id.to_string(), (o.id.clone(), o.team_ids.clone()));
        }
    }
    if !kr_ids.is_empty() {
        for k in store.key_results_by_ids(&kr_ids).await? {
            objective_of.insert(
                k.id.to_string(),
                (k.objective_id.clone(), k.team_ids.clone()),
            );
        }
    }
    let team_ids: Vec<TeamId> = objective_of
        .values()
        .flat_map(|(_, t)| t.iter().cloned())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let teams: HashMap<TeamId, String> = if team_ids.is_empty() {
        HashMap::new()
    } else {
        store
            .teams_by_ids(&team_ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect()
    };
    link_findings(store, findings, |id| {
        objective_of.get(id).map(|(o, ts)| {
            (
                o.clone(),
                ts.iter()
                    .filter_map(|t| teams.get(t).map(|n| (t.clone(), n.clone())))
                    .collect(),
            )
        })
    })
    .await
}
