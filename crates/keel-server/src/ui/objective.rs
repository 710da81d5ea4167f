//! The objective page (`/objectives/{id}`): where an owner and their team see how an objective
//! is doing and act on it. Key results with progress, attainment and a confidence sparkline;
//! the objective's progress over the cycle against the ideal line (server-rendered SVG from the
//! check-in history); initiatives proposed, dropped with a reason or marked done inline; owner,
//! sponsor, contributors and teams with ownership state and owner-fit notes; parents, children
//! and the ownership history. Each check-in by someone else has a small "Recognise" form
//! (posted to `POST /recognitions` in `ui::cfrs`, which comes back here), and the recognition on
//! the objective and its key results is listed.
//!
//! Data and permissions come from `read::objective_page` (the API's rules); the
//! initiative forms call `services::okrs` like the JSON API does. A form with an error comes
//! back as the page with the message next to the field and what was typed kept (422; 200 for an
//! htmx request, so htmx swaps the fragment in).

mod forms;
mod lines;

pub use self::forms::recognition_refused;
use self::forms::*;

use self::lines::{recognition_line, Blocks};
use super::charts::{self, ProgressPoint};
use super::company::StatusBadge;
use super::pages::{fit_words, num, ownership_word, percent};
use super::{render, Layout, SignedIn, UiError};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::IfMatch;
use crate::read::objective_page::{self, ObjectivePage};
use crate::read::pickers;
use crate::read::views::PersonSummary;
use crate::services::guards;
use crate::services::okrs::{self, InitiativePatch, NewInitiative};
use crate::services::ownership::{self, ProposeOwner};
use crate::services::rhythm;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form as PostedForm, Router};
use keel_domain::rhythm::Status;
use keel_domain::*;
use keel_store::{People, Settings};
use serde::Deserialize;
use std::collections::HashMap;

/// The objective page and its inline initiative forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/objectives/{id}", get(show))
        .route("/key-results/{id}/initiatives", post(propose_initiative))
        .route("/objectives/{id}/initiatives", post(propose_for_objective))
        .route("/initiatives/{id}/done", post(initiative_done))
        .route("/initiatives/{id}/drop", post(drop_initiative))
        .route("/objectives/{id}/status", post(override_status))
        .route("/objectives/{id}/status/clear", post(clear_status))
        .route(
            "/objectives/{id}/ownership",
            post(|s, c, Path(id): Path<String>, f| {
                hand_over(s, c, Path(("objectives".into(), id)), f)
            }),
        )
        .route(
            "/key-results/{id}/ownership",
            post(|s, c, Path(id): Path<String>, f| {
                hand_over(s, c, Path(("key-results".into(), id)), f)
            }),
        )
}

/// The hand-over form of an objective or key result, as typed.
#[derive(Default, Clone)]
pub struct HandoverForm {
    pub owner_id: String,
    pub note: String,
    pub legitimacy: bool,
    pub decision_authority: bool,
    pub proximity: bool,
    pub owner_error: Option<String>,
    pub note_error: Option<String>,
    pub open: bool,
}

/// A person with their ownership state, as the page shows them.
pub struct Who {
    /// Their person page.
    pub href: String,
    pub name: String,
    pub title: String,
    pub active: bool,
}

impl From<&PersonSummary> for Who {
    fn from(p: &PersonSummary) -> Self {
        Self {
            href: crate::read::search::person_href(p.id.as_str()),
            name: p.name.clone(),
            title: p.title.clone(),
            active: p.active,
        }
    }
}

/// The latest ownership request of an OKR, in words.
pub struct OwnershipNote {
    pub proposed_by: String,
    pub note: String,
    pub fit: String,
    pub state: &'static str,
    pub decline_reason: String,
    pub when: String,
    /// While a handover waits: who answers for it now and who is asked ("Chris CTO answers for
    /// it until Maya PM accepts"); empty otherwise.
    pub waiting: String,
}

/// One initiative on the objective page, with the key result it serves.
pub struct InitiativeLine {
    pub id: String,
    /// The title of the key result it moves.
    pub key_result: String,
    /// The reader may mark it done or drop it.
    pub can_manage: bool,
    pub title: String,
    pub owner: String,
    pub state: &'static str,
    pub link: String,
    pub reason: String,
    pub version: i64,
    /// For how long it has been going (or went).
    pub age: String,
    /// The drop form's reason as typed, and its error.
    pub drop_reason: String,
    pub drop_error: Option<String>,
    pub open: bool,
}

/// The page's one propose-an-initiative form, as typed: which key result, the title, a link.
#[derive(Default, Clone)]
pub struct ProposeForm {
    pub key_result_id: String,
    pub key_result_error: Option<String>,
    pub title: String,
    pub link: String,
    pub title_error: Option<String>,
    pub link_error: Option<String>,
}

pub struct CheckInLine {
    pub id: String,
    pub when: String,
    pub value: String,
    pub confidence: u8,
    pub note: String,
    pub author: String,
    pub author_id: String,
    /// Someone else's check-in that the reader may recognise.
    pub recognisable: bool,
    /// The recognition note as typed, and its error.
    pub recognise_message: String,
    pub recognise_error: Option<String>,
}

/// One recognition on the objective or one of its key results.
pub struct RecognitionLine {
    pub from: String,
    pub to: String,
    /// What it recognises: the objective, a key result, or a check-in of one.
    pub subject: String,
    pub message: String,
    pub when: String,
}

pub struct KeyResultBlock {
    pub id: String,
    pub title: String,
    pub description: String,
    pub owner: Who,
    pub ownership: &'static str,
    pub request: Option<OwnershipNote>,
    pub sponsor: Option<Who>,
    pub contributors: Vec<Who>,
    pub teams: Vec<String>,
    pub kind: String,
    pub start: String,
    pub current: String,
    pub target: String,
    pub unit: String,
    /// "41 % now · target 55 % · from 32 %", "Done", "Not done yet" (ui/format.rs).
    pub figures: String,
    pub weight: String,
    pub percent: i64,
    pub attainment: i64,
    pub confidence: Option<u8>,
    pub sparkline: Option<String>,
    pub milestones: Vec<(String, bool)>,
    pub check_ins: Vec<CheckInLine>,
    /// The check-in list starts open (a recognition form on it was refused).
    pub check_ins_open: bool,
    pub status: StatusBadge,
    /// The forecast as a range in words, or why there is none yet.
    pub forecast: String,
    /// The day its next check-in falls due, and whether it is due now.
    pub due_on: String,
    pub due: bool,
    pub can_edit: bool,
    /// The caller is the proposed owner and has not answered yet.
    pub answer_pending: bool,
    pub handover: HandoverForm,
    pub handover_action: String,
}

pub struct Link {
    pub href: String,
    pub title: String,
    pub detail: String,
}

/// One dated line of the objective's history.
pub struct HistoryLine {
    pub at: chrono::DateTime<chrono::Utc>,
    pub when: String,
    pub what: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "objective.html")]
struct ObjectiveTemplate {
    layout: Layout,
    id: String,
    title: String,
    description: String,
    state: String,
    kind: String,
    visibility: String,
    cycle: String,
    percent: i64,
    /// What the progress includes beside the key results, in words, where the roll-up applies.
    rollup_note: Option<String>,
    owner: Who,
    ownership: &'static str,
    request: Option<OwnershipNote>,
    co_owners: Vec<Who>,
    sponsor: Option<Who>,
    contributors: Vec<Who>,
    teams: Vec<String>,
    /// The owner's latest confidence over the key results.
    confidence: Option<String>,
    status: StatusBadge,
    /// The owner's override in words (who set it, when), if any.
    status_override: Option<String>,
    can_override: bool,
    status_form: StatusForm,
    /// A link to the close-out page (scores and retrospective) for those who may use it.
    can_close_out: bool,
    chart: String,
    key_results: Vec<KeyResultBlock>,
    parents: Vec<Link>,
    children: Vec<Link>,
    /// Ownership and changes in one list, newest first.
    history: Vec<HistoryLine>,
    /// The older lines, behind "Earlier".
    earlier: Vec<HistoryLine>,
    recognitions: Vec<RecognitionLine>,
    /// Every key result's initiatives, in the key results' order.
    initiatives: Vec<InitiativeLine>,
    /// The one propose form, and the key results the reader may propose for `(id, title)`.
    propose: ProposeForm,
    propose_choices: Vec<(String, String)>,
    can_edit: bool,
    locked: bool,
    /// Read as of a past day: the banner and the link back to today.
    past: Option<super::as_of::PastDay>,
    answer_pending: bool,
    handover: HandoverForm,
    handover_action: String,
    /// Active people `(id, name)`, offered as new owners (loaded only for those who may hand over).
    people_choices: Vec<(String, String)>,
    return_to: String,
    error: Option<String>,
    notice: Option<String>,
}

/// History lines shown before "Earlier": the rest wait behind a disclosure.
const RECENT_HISTORY: usize = 6;

/// What a re-rendered page keeps from a failed initiative form.
#[derive(Default)]
struct Kept {
    /// The propose form as typed, when it was refused.
    propose: Option<ProposeForm>,
    /// Initiative id → (reason typed, error).
    drop: Option<(String, String, String)>,
    /// OKR id → the hand-over form as typed, with its errors.
    handover: Option<(String, HandoverForm)>,
    status: Option<StatusForm>,
    /// Check-in id → (note typed, error) of a refused recognition form.
    recognise: Option<(String, String, String)>,
    error: Option<String>,
    /// The past day the page is read as of (`?as_of=`), if any.
    past: Option<super::as_of::PastDay>,
}

/// The owner's status override form, as typed.
#[derive(Default, Clone)]
pub struct StatusForm {
    pub status: String,
    pub reason: String,
    pub status_error: Option<String>,
    pub reason_error: Option<String>,
    /// The last day the override stands, as typed ("5 Dec 2026" or ISO), and what was wrong with it.
    pub until: String,
    pub until_error: Option<String>,
    pub open: bool,
}

/// The statuses an owner may set; closed and stale are derived, never set.
const OVERRIDABLE: [Status; 3] = [Status::OnTrack, Status::AtRisk, Status::OffTrack];

impl StatusForm {
    /// The choices of the status select, as `(value, words)`.
    pub fn choices(&self) -> Vec<(&'static str, &'static str)> {
        OVERRIDABLE
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect()
    }
}

fn word<T: std::fmt::Debug>(v: T) -> String {
    let raw = format!("{v:?}");
    let mut out = String::new();
    for (i, c) in raw.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn day(t: chrono::DateTime<chrono::Utc>) -> String {
    super::format::day(t)
}

fn name_of(people: &HashMap<PersonId, PersonSummary>, id: &PersonId) -> String {
    people
        .get(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| "(unknown person)".into())
}

fn note_of(
    r: Option<&OwnershipRequest>,
    people: &HashMap<PersonId, PersonSummary>,
) -> Option<OwnershipNote> {
    let r = r?;
    Some(OwnershipNote {
        proposed_by: r
            .proposed_by
            .as_ref()
            .map(|p| name_of(people, p))
            .unwrap_or_else(|| "Keel".into()),
        note: r.note.clone(),
        fit: fit_words(r.fit.as_ref()),
        state: r.state.as_str(),
        decline_reason: r.decline_reason.clone().unwrap_or_default(),
        when: day(r.created_at),
        waiting: match &r.previous_owner_id {
            Some(prev) if r.state == RequestState::Pending && prev != &r.proposed_owner_id => {
                format!(
                    "{} answers for it until {} accepts",
                    name_of(people, prev),
                    name_of(people, &r.proposed_owner_id)
                )
            }
            _ => String::new(),
        },
    })
}

/// What an objective's progress includes when the roll-up applies, in the reader's words.
fn rollup_note(children: usize) -> String {
    match children {
        0 => "Includes what is aligned to it: nothing public is aligned yet.".into(),
        1 => "Includes 1 public objective or key result aligned to it.".into(),
        n => format!("Includes {n} public objectives and key results aligned to it."),
    }
}

/// The objective's progress after each check-in, replaying the history from every key result's
/// start: the points of the progress chart.
pub fn progress_history(
    key_results: &[KeyResult],
    check_ins: &HashMap<KeyResultId, Vec<CheckIn>>,
) -> Vec<ProgressPoint> {
    let mut replay: Vec<KeyResult> = key_results
        .iter()
        .map(|k| {
            let mut k = k.clone();
            let start = if k.metric_kind == MetricKind::Milestone {
                0.0
            } else {
                k.start
            };
            // Old or odd values never stop the chart: fall back to the stored state.
            let _ = k.apply_value(start);
            k
        })
        .collect();
    let mut all: Vec<&CheckIn> = check_ins.values().flatten().collect();
    all.sort_by(|a, b| (a.at, a.id.as_str()).cmp(&(b.at, b.id.as_str())));
    let mut points: Vec<ProgressPoint> = Vec::new();
    for c in all {
        if let Some(k) = replay.iter_mut().find(|k| k.id == c.key_result_id) {
            let _ = k.apply_value(c.value);
        }
        let progress =
            progress::objective(replay.iter().map(|k| (k.weight, k.progress().progress)));
        // Several check-ins at the same moment make one point.
        match points.last_mut() {
            Some(last) if last.at == c.at => last.progress = progress,
            _ => points.push(ProgressPoint { at: c.at, progress }),
        }
    }
    points
}

/// The objective's progress over its cycle against steady progress from its first day to its
/// last, with `today` (the moment read) marked.
fn objective_chart(
    records: &[KeyResult],
    check_ins: &HashMap<KeyResultId, Vec<CheckIn>>,
    c: &Cycle,
    today: chrono::DateTime<chrono::Utc>,
    title: &str,
) -> String {
    let days = charts::ChartDays {
        axis: (c.starts_on, c.ends_on),
        expected: (c.starts_on, c.ends_on),
        today: today
            .with_timezone(&super::format::reader().org_zone)
            .date_naive(),
    };
    charts::progress_chart(&progress_history(records, check_ins), &days, title)
}

async fn page(
    state: &AppState,
    caller: &Caller,
    id: &ObjectiveId,
    kept: Kept,
    notice: Option<String>,
) -> Result<ObjectiveTemplate, UiError> {
    let ObjectivePage {
        objective: o,
        cycle,
        check_ins,
        initiatives,
        parents,
        children,
        ownership_history,
        changes,
        people,
        can,
        key_results: records,
        recognitions,
    } = objective_page::objective_page(
        state.store(),
        caller,
        id,
        kept.past.as_ref().map(|p| p.moment),
    )
    .await?;
    let scale = state.store().settings().await?.confidence_scale;
    let me = &caller.person.id;
    let mut latest_requests: HashMap<String, &OwnershipRequest> = HashMap::new();
    for r in &ownership_history {
        latest_requests.insert(r.okr.id().to_string(), r);
    }
    let today = kept
        .past
        .as_ref()
        .map_or_else(crate::services::now, |p| p.moment);
    let blocks = Blocks {
        check_ins: &check_ins,
        initiatives: &initiatives,
        kept: &kept,
        people: &people,
        can: &can,
        me,
        latest_requests: &latest_requests,
        scale,
        today,
    };
    let key_results = o.key_results.iter().map(|k| blocks.block(k)).collect();
    let (initiative_lines, propose_choices) = blocks.initiatives(&o);
    let confidence = confidence_summary(&o, scale);
    let chart = cycle.as_ref().map_or_else(String::new, |c| {
        objective_chart(&records, &check_ins, c, today, &o.title)
    });
    let mut history = lines::history(&ownership_history, &changes, &o, &people);
    let earlier = history.split_off(history.len().min(RECENT_HISTORY));
    let answer_pending =
        !can.reading_past && &o.owner_id == me && o.ownership_state == OwnershipState::Pending;
    let may_hand_over = !can.locked && (can.edit_objective || !can.edit_key_result.is_empty());
    // Only the new owner already chosen (a hand-over sent back): others are found by typing.
    let chosen: Vec<PersonId> = kept
        .handover
        .iter()
        .map(|(_, h)| h.owner_id.trim())
        .filter(|id| may_hand_over && !id.is_empty())
        .map(|id| PersonId::from_string(id.to_string()))
        .collect();
    let people_choices = state
        .store()
        .people_by_ids(&chosen)
        .await?
        .into_iter()
        .map(|p| (p.id.to_string(), p.name))
        .collect();
    Ok(ObjectiveTemplate {
        layout: Layout::signed_in(caller, "/my-week"),
        id: o.id.to_string(),
        title: o.title.clone(),
        description: o.description.clone(),
        state: state_words(o.state).into(),
        kind: kind_words(o.kind).into(),
        visibility: visibility_words(o.visibility).into(),
        cycle: cycle.as_ref().map(super::format::cycle).unwrap_or_default(),
        percent: percent(o.progress),
        rollup_note: o.rolled_up_children.map(rollup_note),
        owner: (&o.owner).into(),
        ownership: ownership_word(o.ownership_state),
        request: note_of(latest_requests.get(o.id.as_str()).copied(), &people),
        co_owners: o.co_owners.iter().map(Into::into).collect(),
        sponsor: o.sponsor.as_ref().map(Into::into),
        contributors: o.contributors.iter().map(Into::into).collect(),
        teams: o.teams.iter().map(|t| t.name.clone()).collect(),
        confidence,
        status: StatusBadge::new(o.status, o.status_reason.clone()),
        status_override: o.status_override.as_ref().map(|ov| {
            format!(
                "set by {} on {}",
                ov.set_by
                    .as_ref()
                    .map(|p| name_of(&people, p))
                    .unwrap_or_else(|| "Keel".into()),
                day(ov.set_at)
            )
        }),
        can_override: can.override_status && !can.locked,
        status_form: kept.status.clone().unwrap_or_else(|| StatusForm {
            status: o
                .status_override
                .as_ref()
                .map(|ov| ov.status.as_str().to_string())
                .unwrap_or_default(),
            ..Default::default()
        }),
        can_close_out: can.close_out,
        chart,
        key_results,
        parents: parents
            .into_iter()
            .map(|p| Link {
                href: format!("/objectives/{}", p.objective_id),
                title: p.title,
                detail: p.kind.to_string(),
            })
            .collect(),
        children: children
            .into_iter()
            .map(|c| Link {
                href: format!("/objectives/{}", c.id),
                title: c.title,
                detail: word(c.state),
            })
            .collect(),
        history,
        earlier,
        initiatives: initiative_lines,
        propose: kept.propose.clone().unwrap_or_default(),
        propose_choices,
        recognitions: recognitions
            .iter()
            .map(|r| recognition_line(r, &o, &people))
            .collect(),
        can_edit: can.edit_objective && !can.locked,
        locked: can.locked && !can.reading_past,
        past: kept.past.clone(),
        answer_pending,
        handover: handover_for(&kept, o.id.as_str()),
        handover_action: format!("/objectives/{}/ownership", o.id),
        people_choices,
        return_to: format!("/objectives/{}", o.id),
        error: kept.error,
        notice,
    })
}

/// The lowest latest confidence across the key results, in words.
fn confidence_summary(
    o: &crate::read::views::ObjectiveView,
    scale: ConfidenceScale,
) -> Option<String> {
    let latest: Vec<u8> = o.key_results.iter().filter_map(|k| k.confidence).collect();
    (!latest.is_empty()).then(|| {
        let lowest = latest.iter().min().copied().unwrap_or_default();
        format!(
            "lowest latest confidence {lowest} of {} across {} key result{}",
            scale.max(),
            latest.len(),
            if latest.len() == 1 { "" } else { "s" }
        )
    })
}

fn handover_for(kept: &Kept, okr_id: &str) -> HandoverForm {
    match &kept.handover {
        Some((id, form)) if id == okr_id => form.clone(),
        _ => HandoverForm::default(),
    }
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    /// A past day to read the page as of (`YYYY-MM-DD`).
    as_of: Option<String>,
}

/// `GET /objectives/{id}`, now or as of a past day (`?as_of=YYYY-MM-DD`).
pub async fn show(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, UiError> {
    let path = format!("/objectives/{id}");
    let past = super::as_of::past_day(state.store(), q.as_of.as_deref(), &path).await?;
    let notice = match q.done.as_deref() {
        Some("accepted") => Some("You accepted the ownership.".to_string()),
        Some("declined") => {
            Some("You declined; your reason went back to the proposer.".to_string())
        }
        Some("saved") => Some("Saved.".to_string()),
        Some("status") => Some("Status updated.".to_string()),
        Some("recognised") => Some("Thank you: your recognition was sent.".to_string()),
        Some("initiative") => Some("Initiative updated.".to_string()),
        Some("handover") => {
            Some("Proposed: the new owner sees the request on their My week.".to_string())
        }
        _ => None,
    };
    let kept = Kept {
        past,
        ..Default::default()
    };
    let page = page(&state, &caller, &ObjectiveId::from_string(id), kept, notice).await?;
    Ok(render(StatusCode::OK, &page))
}

/// The objective's state, kind and visibility in the reader's words (its header line).
fn state_words(s: ObjectiveState) -> &'static str {
    match s {
        ObjectiveState::Draft => "Draft",
        ObjectiveState::Active => "Active",
        ObjectiveState::Closed => "Closed",
    }
}

fn kind_words(k: ObjectiveKind) -> &'static str {
    match k {
        ObjectiveKind::Committed => "Committed: expected to reach 100%",
        ObjectiveKind::Aspirational => "Aspirational: 70% counts as success",
    }
}

fn visibility_words(v: Visibility) -> &'static str {
    match v {
        Visibility::Public => "the whole organisation",
        Visibility::Team => "the teams it is shared with",
        Visibility::Private => "its owner, sponsor and contributors",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn kr(kind: MetricKind, start: f64, target: f64, weight: f64) -> KeyResult {
        let t = chrono::Utc::now();
        KeyResult {
            id: KeyResultId::generate(),
            objective_id: ObjectiveId::generate(),
            title: "k".into(),
            description: String::new(),
            owner_id: PersonId::generate(),
            ownership_state: OwnershipState::Accepted,
            co_owner_ids: vec![],
            sponsor_id: None,
            contributor_ids: vec![],
            team_ids: vec![],
            metric_kind: kind,
            start,
            target,
            current: target,
            unit: String::new(),
            weight,
            milestones: vec![],
            financial: false,
            starts_on: None,
            ends_on: None,
            confidence: None,
            last_check_in_at: None,
            created_at: t,
            updated_at: t,
            version: 1,
        }
    }

    fn check_in(k: &KeyResult, value: f64, day: u32) -> CheckIn {
        let at = chrono::Utc.with_ymd_and_hms(2026, 1, day, 9, 0, 0).unwrap();
        CheckIn {
            id: CheckInId::generate(),
            key_result_id: k.id.clone(),
            value,
            confidence: Confidence::new(5, ConfidenceScale::ZeroToTen).unwrap(),
            note: String::new(),
            author_id: None,
            at,
            created_at: at,
            corrects: None,
            retracted: None,
            source: None,
            scale: ConfidenceScale::ZeroToTen,
        }
    }

    #[test]
    fn progress_history_replays_check_ins_from_the_start() {
        // Weight 3 on a 0→100 increase, weight 1 on a 10→0 decrease. The stored `current`
        // (the target) is ignored: the replay starts from `start`.
        let a = kr(MetricKind::Increase, 0.0, 100.0, 3.0);
        let b = kr(MetricKind::Decrease, 10.0, 0.0, 1.0);
        let mut by_kr = HashMap::new();
        // Out of order on purpose; two at the same moment make one point.
        let later = check_in(&a, 50.0, 8);
        let mut same_moment = check_in(&b, 5.0, 8);
        same_moment.at = later.at;
        by_kr.insert(a.id.clone(), vec![later, check_in(&a, 20.0, 1)]);
        by_kr.insert(b.id.clone(), vec![same_moment]);
        let points = progress_history(&[a, b], &by_kr);
        let got: Vec<(u32, f64)> = points
            .iter()
            .map(|p| {
                (
                    chrono::Datelike::day(&p.at),
                    (p.progress * 1000.0).round() / 1000.0,
                )
            })
            .collect();
        // 1 Jan: a at 20 % → (3·0.2 + 0) / 4 = 0.15. 8 Jan: a 50 %, b 50 % → 0.5.
        assert_eq!(got, vec![(1, 0.15), (8, 0.5)]);
        assert!(progress_history(&[], &HashMap::new()).is_empty());
    }
}
