//! The notification centre's read model: a person's notifications in words, each with the link
//! to where they act on it, for the `/notifications` page and `GET /api/v1/me/notifications`.
//!
//! Why here: the sentence and the link of each kind of notification are written once, and the
//! visibility rule is applied again at every read (the store filters by the reader's audience,
//! so a notification about an objective the reader can no longer see is neither listed nor
//! counted, and the titles shown are read now, never copied into the notification).

use crate::error::ApiResult;
use crate::services::visibility::Viewer;
use keel_domain::notification::{Notification, NotificationKind as Kind};
use keel_domain::*;
use keel_store::{
    KeyResults, Notifications, Objectives, Page, PageRequest, People, Reader, Reviews, Store, Teams,
};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// One notification as its reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: NotificationId,
    pub kind: Kind,
    /// What happened, in words ("Ada Lovelace proposed you as the owner of …").
    pub text: String,
    /// Where to act on it: a page of the web UI.
    pub link: String,
    /// Who did it; null for what time did (a check-in falling due).
    pub actor_id: Option<PersonId>,
    pub actor_name: Option<String>,
    pub objective_id: Option<ObjectiveId>,
    pub key_result_id: Option<KeyResultId>,
    /// The title of the OKR it concerns, as it reads now.
    pub okr_title: Option<String>,
    /// The record to act on (an ownership request, feedback request, recognition, review,
    /// conversation, or the key result).
    pub subject_id: String,
    /// Words that go with it: the reason of a declined proposal.
    pub detail: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it was read; null while unread.
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// How many unread notifications a person has, among those they may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: u64,
}

/// The store's reader for a viewer.
pub fn reader(viewer: &Viewer) -> Reader {
    Reader::of(viewer.audience())
}

/// A page of `me`'s notifications, newest first.
pub async fn list(
    store: &dyn Store,
    me: &Person,
    page: &PageRequest,
) -> ApiResult<Page<NotificationView>> {
    let got = store
        .list_notifications(&me.id, &reader(&Viewer::of(me)), page)
        .await?;
    Ok(Page {
        items: views(store, got.items).await?,
        next_cursor: got.next_cursor,
    })
}

/// How many of `me`'s notifications are unread (those they may no longer see are not counted).
pub async fn unread(store: &dyn Store, me: &Person) -> ApiResult<u64> {
    Ok(store
        .unread_notification_count(&me.id, &reader(&Viewer::of(me)))
        .await?)
}

/// What the views need besides the notifications: names and titles, in a few queries.
#[derive(Default)]
struct Names {
    people: HashMap<PersonId, String>,
    objectives: HashMap<ObjectiveId, String>,
    key_results: HashMap<KeyResultId, String>,
    /// Review id → "the review of Platform on 12 Dec 2026".
    reviews: HashMap<String, String>,
}

async fn names(store: &dyn Store, items: &[Notification]) -> ApiResult<Names> {
    let mut people: Vec<PersonId> = items.iter().filter_map(|n| n.actor_id.clone()).collect();
    people.sort();
    people.dedup();
    let mut objectives: Vec<ObjectiveId> = items
        .iter()
        .filter_map(|n| n.objective_id.clone())
        .collect();
    objectives.sort();
    objectives.dedup();
    let mut krs: Vec<KeyResultId> = items
        .iter()
        .filter_map(|n| n.key_result_id.clone())
        .collect();
    krs.sort();
    krs.dedup();
    let mut names = Names {
        people: store
            .person_names(&people)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect(),
        objectives: store
            .objectives_by_ids(&objectives)
            .await?
            .into_iter()
            .map(|o| (o.id, o.title))
            .collect(),
        key_results: store
            .key_results_by_ids(&krs)
            .await?
            .into_iter()
            .map(|k| (k.id, k.title))
            .collect(),
        reviews: HashMap::new(),
    };
    let mut review_ids: Vec<ReviewId> = items
        .iter()
        .filter(|n| n.kind == Kind::ReviewScheduled)
        .map(|n| ReviewId::from_string(&n.subject_id))
        .collect();
    review_ids.sort();
    review_ids.dedup();
    let reviews = store.reviews_by_ids(&review_ids).await?;
    let mut teams: Vec<TeamId> = reviews.iter().map(|r| r.team_id.clone()).collect();
    teams.sort();
    teams.dedup();
    let teams: HashMap<TeamId, String> = if teams.is_empty() {
        HashMap::new()
    } else {
        store.team_names(&teams).await?.into_iter().collect()
    };
    for r in reviews {
        let on = r.held_on.format("%-d %B %Y");
        let words = match teams.get(&r.team_id) {
            Some(t) => format!("the review of {t} on {on}"),
            None => format!("a team review on {on}"),
        };
        names.reviews.insert(r.id.to_string(), words);
    }
    Ok(names)
}

/// The notifications in words.
pub async fn views(
    store: &dyn Store,
    items: Vec<Notification>,
) -> ApiResult<Vec<NotificationView>> {
    let names = names(store, &items).await?;
    Ok(items.into_iter().map(|n| view(&names, n)).collect())
}

fn view(names: &Names, n: Notification) -> NotificationView {
    let actor_name = n
        .actor_id
        .as_ref()
        .and_then(|a| names.people.get(a).cloned());
    let okr_title = match (&n.key_result_id, &n.objective_id) {
        (Some(k), _) => names.key_results.get(k).cloned(),
        (None, Some(o)) => names.objectives.get(o).cloned(),
        (None, None) => None,
    };
    let text = sentence(names, &n, actor_name.as_deref(), okr_title.as_deref());
    NotificationView {
        link: link(&n),
        text,
        actor_name,
        okr_title,
        id: n.id,
        kind: n.kind,
        actor_id: n.actor_id,
        objective_id: n.objective_id,
        key_result_id: n.key_result_id,
        subject_id: n.subject_id,
        detail: n.detail,
        created_at: n.created_at,
        read_at: n.read_at,
    }
}

/// The sentence: who, what, on which OKR (or review), with a declined proposal's reason.
fn sentence(names: &Names, n: &Notification, actor: Option<&str>, okr: Option<&str>) -> String {
    // An automation rule's notification carries its whole sentence (what happened, which rule).
    if n.kind == Kind::AutomationRule {
        if let Some(text) = n.detail.as_deref().filter(|t| !t.trim().is_empty()) {
            return text.to_string();
        }
    }
    let what = match n.kind {
        Kind::ReviewScheduled => Some(
            names
                .reviews
                .get(&n.subject_id)
                .cloned()
                .unwrap_or_else(|| "a team review".into()),
        ),
        Kind::ConversationNote => None,
        Kind::SourceFailing if n.key_result_id.is_none() => Some("a KPI".into()),
        _ => Some(okr.map_or_else(|| "an OKR".into(), |t| format!("“{t}”"))),
    };
    let who = n.actor_id.as_ref().map(|_| actor.unwrap_or("Someone"));
    let mut s = [who, Some(n.kind.phrase()), what.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(reason) = n.detail.as_deref().filter(|r| !r.trim().is_empty()) {
        s.push_str(&format!(": “{reason}”"));
    }
    s
}

/// Where the reader acts on it (a page of the web UI).
pub fn link(n: &Notification) -> String {
    let okr = match (&n.key_result_id, &n.objective_id) {
        (Some(k), _) => format!("/key-results/{k}"),
        (None, Some(o)) => format!("/objectives/{o}"),
        (None, None) => "/my-week".into(),
    };
    match n.kind {
        Kind::OwnershipProposed
        | Kind::OwnershipAccepted
        | Kind::OwnershipDeclined
        | Kind::OwnershipHandedOver
        | Kind::TurnedOffTrack
        | Kind::TurnedStale
        | Kind::OwnershipReminder
        | Kind::OwnershipStillWaiting
        | Kind::DependencyProposed
        | Kind::DependencyAccepted
        | Kind::DependencyDeclined => okr,
        Kind::FeedbackRequested | Kind::FeedbackAnswered | Kind::RecognitionReceived => {
            "/feedback".into()
        }
        Kind::CheckInDue | Kind::CheckInOverdue => "/my-week".into(),
        Kind::ReviewScheduled => format!("/reviews/{}", n.subject_id),
        Kind::ConversationNote => format!("/conversations/{}", n.subject_id),
        Kind::SourceFailing if n.key_result_id.is_none() => format!("/kpis/{}", n.subject_id),
        Kind::SourceFailing => okr,
        Kind::ScoreReminder => match &n.objective_id {
            Some(o) => format!("/objectives/{o}/close-out"),
            None => "/my-week".into(),
        },
        Kind::AutomationRule => match (&n.key_result_id, &n.objective_id) {
            (None, None) => format!("/kpis/{}", n.subject_id),
            _ => okr,
        },
    }
}
