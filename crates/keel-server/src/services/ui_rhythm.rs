//! Read models for the rhythm's pages of the web UI: team reviews, the close-out of an
//! objective (scores and retrospective), the CFR pages, the audit log and the calibration report.
//!
//! Why a module of its own: the pages must show exactly what the JSON API lets the caller see
//! and do, so each function reads through the same services (`reviews`, `scoring`,
//! `conversations`, visibility's `Viewer`) and asks `authz` what the caller may do, in a constant
//! number of queries, instead of each page handler reaching for the store.

use super::reviews;
use super::visibility::Viewer;
use crate::auth::Caller;
use crate::authz;
use crate::error::{ApiError, ApiResult};
use keel_domain::review::Review;
use keel_domain::rhythm;
use keel_domain::*;
use keel_store::{
    AuditLog, Cycles, KeyResults, Objectives, PageRequest, People, Rhythm, Store, Teams,
};
use std::collections::HashSet;

/// How many reviews the team page lists (latest first).
pub const TEAM_REVIEWS: u32 = 20;

/// The team page's reviews: latest first, and whether the caller may start one.
pub struct TeamReviews {
    pub reviews: Vec<Review>,
    pub can_run: bool,
}

/// A team's latest reviews (each agenda limited to what the caller may see) and whether the
/// caller may run one. Three queries.
pub async fn team_reviews(
    store: &dyn Store,
    caller: &Caller,
    team_id: &TeamId,
) -> ApiResult<TeamReviews> {
    let team = store
        .team(team_id)
        .await?
        .ok_or(ApiError::NotFound("team"))?;
    let actor = authz::Actor::load(store, &caller.person).await?;
    let reviews = reviews::list_reviews(
        store,
        &Viewer::of(&caller.person),
        &team.id,
        &PageRequest {
            limit: TEAM_REVIEWS,
            cursor: None,
        },
    )
    .await?
    .items;
    Ok(TeamReviews {
        reviews,
        can_run: authz::run_review(&actor, &team).is_ok(),
    })
}

/// Whether the caller may start a review of the team (404 for an unknown team), with the team
/// and the cycles not closed to restrict the agenda to.
pub async fn review_form(
    store: &dyn Store,
    caller: &Caller,
    team_id: &TeamId,
) -> ApiResult<(Team, Vec<Cycle>)> {
    let team = super::reviews::authorize_review(store, caller, team_id).await?;
    let cycles = super::ui_org::cycles(store)
        .await?
        .into_iter()
        .filter(|c| c.state != CycleState::Closed)
        .collect();
    Ok((team, cycles))
}

/// Everything on a review page.
pub struct ReviewPage {
    pub review: Review,
    pub team: Team,
    /// The agenda items (by objective) the caller may write notes on.
    pub can_note: HashSet<ObjectiveId>,
    pub run_by: Option<Person>,
}

/// One review as the caller may see it, with what they may note. Four queries.
pub async fn review_page(
    store: &dyn Store,
    caller: &Caller,
    id: &ReviewId,
) -> ApiResult<ReviewPage> {
    let review = reviews::get_review(store, &Viewer::of(&caller.person), id).await?;
    let team = store
        .team(&review.team_id)
        .await?
        .ok_or(ApiError::NotFound("team"))?;
    let actor = authz::Actor::load(store, &caller.person).await?;
    let can_note = review
        .items
        .iter()
        .filter(|i| authz::note_review_item(&actor, &team, &i.owner_id).is_ok())
        .map(|i| i.objective_id.clone())
        .collect();
    let run_by = match &review.run_by {
        Some(p) => store.person(p).await?,
        None => None,
    };
    Ok(ReviewPage {
        review,
        team,
        can_note,
        run_by,
    })
}

/// Everything on an objective's close-out page.
pub struct CloseOut {
    pub objective: crate::views::ObjectiveView,
    pub cycle: Option<Cycle>,
    pub retrospective: Option<rhythm::Retrospective>,
    /// The key results the caller may score.
    pub can_score: HashSet<KeyResultId>,
    pub can_write_retrospective: bool,
}

/// An objective's scores and retrospective, for those who may score one of its key results or
/// write its retrospective (403 for anyone else who may see it; 404 for those who may not).
/// A constant number of queries.
pub async fn close_out(
    store: &dyn Store,
    caller: &Caller,
    id: &ObjectiveId,
) -> ApiResult<CloseOut> {
    let o = super::okrs::get_objective(store, &Viewer::of(&caller.person), id).await?;
    let krs = store.key_results_of(std::slice::from_ref(&o.id)).await?;
    let can_score: HashSet<KeyResultId> = krs
        .iter()
        .filter(|k| authz::score_key_result(&caller.person, k, &o).is_ok())
        .map(|k| k.id.clone())
        .collect();
    let can_write_retrospective = authz::write_retrospective(&caller.person, &o).is_ok();
    if can_score.is_empty() && !can_write_retrospective {
        authz::write_retrospective(&caller.person, &o)?;
    }
    let cycle = store.cycle(&o.cycle_id).await?;
    let retrospective = store.retrospective(&o.id).await?;
    Ok(CloseOut {
        objective: crate::views::objective(store, o).await?,
        cycle,
        retrospective,
        can_score,
        can_write_retrospective,
    })
}

// ---------------------------------------------------------------- CFRs

/// What the CFR forms offer: active people, and the OKRs on the caller's My week (objectives
/// and key results they own or take part in, all visible to them) as `(id, label)`.
pub struct CfrChoices {
    pub people: Vec<Person>,
    pub okrs: Vec<(String, String)>,
}

/// The choices of the CFR forms: a constant number of queries (My week's).
pub async fn cfr_choices(store: &dyn Store, caller: &Caller) -> ApiResult<CfrChoices> {
    let week = super::ui_owner::my_week(store, caller).await?;
    let mut okrs = Vec::new();
    for (o, _) in &week.objectives {
        okrs.push((o.id.to_string(), format!("Objective: {}", o.title)));
    }
    for k in &week.key_results {
        okrs.push((
            k.key_result.id.to_string(),
            format!("Key result: {} ({})", k.key_result.title, k.objective_title),
        ));
    }
    let people = super::ui_owner::active_people(store)
        .await?
        .into_iter()
        .filter(|p| p.id != caller.person.id)
        .collect();
    Ok(CfrChoices { people, okrs })
}

/// Names for people, by id (one query).
pub async fn names(
    store: &dyn Store,
    ids: &[PersonId],
) -> ApiResult<std::collections::HashMap<PersonId, String>> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    Ok(store
        .people_by_ids(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

/// Titles of OKRs (objective or key result ids), by id (two queries). Only call it with ids of
/// OKRs the caller may see.
pub async fn okr_titles(
    store: &dyn Store,
    ids: &[String],
) -> ApiResult<std::collections::HashMap<String, (String, ObjectiveId)>> {
    let mut out: std::collections::HashMap<String, (String, ObjectiveId)> = store
        .objectives_by_ids(
            &ids.iter()
                .cloned()
                .map(ObjectiveId::from_string)
                .collect::<Vec<_>>(),
        )
        .await?
        .into_iter()
        .map(|o| (o.id.to_string(), (o.title, o.id)))
        .collect();
    let rest: Vec<KeyResultId> = ids
        .iter()
        .filter(|i| !out.contains_key(*i))
        .cloned()
        .map(KeyResultId::from_string)
        .collect();
    if !rest.is_empty() {
        for k in store.key_results_by_ids(&rest).await? {
            out.insert(k.id.to_string(), (k.title, k.objective_id));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- audit log

/// The audit page's filters as typed (empty: no filter).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AuditFilters {
    #[serde(default)]
    pub object_id: String,
    #[serde(default)]
    pub actor_id: String,
    #[serde(default)]
    pub since: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub cursor: String,
}

/// A day typed in a filter: its first (or last) microsecond, UTC.
fn audit_day(
    field: &str,
    v: &str,
    end_of_day: bool,
) -> ApiResult<Option<chrono::DateTime<chrono::Utc>>> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let d = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, format!("'{v}' is not a date, like 2026-11-23")))?;
    let t = if end_of_day {
        d.and_hms_micro_opt(23, 59, 59, 999_999)
    } else {
        d.and_hms_opt(0, 0, 0)
    };
    Ok(t.map(|t| t.and_utc()))
}

/// A page of the audit log (administrators and champions), newest first, with the names of
/// its actors. Bad filters are 422s naming the field, as on `GET /api/v1/audit`. Three queries.
pub async fn audit_page(
    store: &dyn Store,
    caller: &Caller,
    f: &AuditFilters,
) -> ApiResult<(
    keel_store::Page<keel_domain::audit::AuditEvent>,
    std::collections::HashMap<PersonId, String>,
)> {
    authz::read_audit(&caller.person)?;
    let since = audit_day("since", &f.since, false)?;
    let until = audit_day("until", &f.until, true)?;
    if let (Some(a), Some(b)) = (since, until) {
        if b < a {
            return Err(ApiError::invalid("until", "must not be before since"));
        }
    }
    let actor_id = match f.actor_id.trim() {
        "" => None,
        a => {
            let id = PersonId::from_string(a.to_string());
            if store.person(&id).await?.is_none() {
                return Err(ApiError::invalid(
                    "actor_id",
                    format!("no person has the id '{a}'"),
                ));
            }
            Some(id)
        }
    };
    let filter = keel_store::AuditFilter {
        reader: keel_store::Reader::of(Viewer::of(&caller.person).audience()),
        object_id: Some(f.object_id.trim().to_string()).filter(|o| !o.is_empty()),
        actor_id,
        from: since,
        to: until,
    };
    let page = store
        .list_audit(
            &filter,
            &crate::extract::page_request(
                Some("50"),
                Some(f.cursor.as_str()).filter(|c| !c.is_empty()),
            )?,
        )
        .await?;
    let actors: Vec<PersonId> = page
        .items
        .iter()
        .filter_map(|e| e.actor_id.clone())
        .collect();
    let names = names(store, &actors).await?;
    Ok((page, names))
}
