//! What Keel tells a person, and how background work is retried.
//!
//! Why here: the kinds of notification and their words are read by the store (stored
//! spellings), the API (their JSON values) and the pages (sentences), and a job's retry delay is
//! used by every runner; one definition each keeps them from disagreeing. See "Notifications"
//! in docs/notifications.md.

use crate::ids::{KeyResultId, NotificationId, ObjectiveId, PersonId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a person is told something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// Someone proposed you as the owner of an objective or key result.
    OwnershipProposed,
    /// The person you proposed accepted.
    OwnershipAccepted,
    /// The person you proposed declined (the reason is the notification's detail).
    OwnershipDeclined,
    /// An OKR you owned was handed over to someone else.
    OwnershipHandedOver,
    /// Someone asked for your feedback on an OKR.
    FeedbackRequested,
    /// Someone answered your feedback request.
    FeedbackAnswered,
    /// Someone recognised your work.
    RecognitionReceived,
    /// A key result you own is due for a check-in.
    CheckInDue,
    /// A key result you own went without its check-in past the grace period (it is stale).
    CheckInOverdue,
    /// A key result you own or sponsor turned off track.
    TurnedOffTrack,
    /// A key result you sponsor turned stale.
    TurnedStale,
    /// A review of a team you are in was scheduled.
    ReviewScheduled,
    /// Someone wrote a note of a 1:1 with you.
    ConversationNote,
    /// An ownership proposed to you still waits for your answer (days on).
    OwnershipReminder,
    /// The person you proposed as an owner has not answered yet (days on).
    OwnershipStillWaiting,
    /// A cycle ended: score the key results you own and write the retrospective of the
    /// objectives you own.
    ScoreReminder,
    /// Someone asked that their key result depend on one you own.
    DependencyProposed,
    /// The owner of the key result yours depends on accepted the dependency.
    DependencyAccepted,
    /// The owner of the key result yours depends on declined (the reason is the detail).
    DependencyDeclined,
    /// A pulled source of a key result or KPI you own stopped working (told once, on its first
    /// failure; the error is the detail).
    SourceFailing,
    /// An administrator's automation rule fired (what happened, in words, is the detail).
    AutomationRule,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [NotificationKind; 21] = [
        NotificationKind::OwnershipProposed,
        NotificationKind::OwnershipAccepted,
        NotificationKind::OwnershipDeclined,
        NotificationKind::OwnershipHandedOver,
        NotificationKind::FeedbackRequested,
        NotificationKind::FeedbackAnswered,
        NotificationKind::RecognitionReceived,
        NotificationKind::CheckInDue,
        NotificationKind::CheckInOverdue,
        NotificationKind::TurnedOffTrack,
        NotificationKind::TurnedStale,
        NotificationKind::ReviewScheduled,
        NotificationKind::ConversationNote,
        NotificationKind::OwnershipReminder,
        NotificationKind::OwnershipStillWaiting,
        NotificationKind::ScoreReminder,
        NotificationKind::DependencyProposed,
        NotificationKind::DependencyAccepted,
        NotificationKind::DependencyDeclined,
        NotificationKind::SourceFailing,
        NotificationKind::AutomationRule,
    ];

    /// The kind as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::OwnershipProposed => "ownership_proposed",
            NotificationKind::OwnershipAccepted => "ownership_accepted",
            NotificationKind::OwnershipDeclined => "ownership_declined",
            NotificationKind::OwnershipHandedOver => "ownership_handed_over",
            NotificationKind::FeedbackRequested => "feedback_requested",
            NotificationKind::FeedbackAnswered => "feedback_answered",
            NotificationKind::RecognitionReceived => "recognition_received",
            NotificationKind::CheckInDue => "check_in_due",
            NotificationKind::CheckInOverdue => "check_in_overdue",
            NotificationKind::TurnedOffTrack => "turned_off_track",
            NotificationKind::TurnedStale => "turned_stale",
            NotificationKind::ReviewScheduled => "review_scheduled",
            NotificationKind::ConversationNote => "conversation_note",
            NotificationKind::OwnershipReminder => "ownership_reminder",
            NotificationKind::OwnershipStillWaiting => "ownership_still_waiting",
            NotificationKind::ScoreReminder => "score_reminder",
            NotificationKind::DependencyProposed => "dependency_proposed",
            NotificationKind::DependencyAccepted => "dependency_accepted",
            NotificationKind::DependencyDeclined => "dependency_declined",
            NotificationKind::SourceFailing => "source_failing",
            NotificationKind::AutomationRule => "automation_rule",
        }
    }

    /// The kind spelled as the API spells it; `None` for anything else.
    pub fn parse(v: &str) -> Option<NotificationKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == v)
    }

    /// What happened, in a person's words, after the actor's name (or alone, when nobody
    /// acted: the evaluator's notifications).
    pub fn phrase(self) -> &'static str {
        match self {
            NotificationKind::OwnershipProposed => "proposed you as the owner of",
            NotificationKind::OwnershipAccepted => "accepted owning",
            NotificationKind::OwnershipDeclined => "declined owning",
            NotificationKind::OwnershipHandedOver => "handed over",
            NotificationKind::FeedbackRequested => "asked for your feedback on",
            NotificationKind::FeedbackAnswered => "answered your feedback request on",
            NotificationKind::RecognitionReceived => "recognised your work on",
            NotificationKind::CheckInDue => "A check-in is due on",
            NotificationKind::CheckInOverdue => "A check-in is overdue on",
            NotificationKind::TurnedOffTrack => "Turned off track:",
            NotificationKind::TurnedStale => "Turned stale:",
            NotificationKind::ReviewScheduled => "scheduled",
            NotificationKind::ConversationNote => "wrote a note of your 1:1",
            NotificationKind::OwnershipReminder => "is waiting for your answer on owning",
            NotificationKind::OwnershipStillWaiting => "has not yet answered your proposal to own",
            NotificationKind::ScoreReminder => {
                "The cycle has ended: score and write the retrospective of"
            }
            NotificationKind::DependencyProposed => "asked that a key result depend on",
            NotificationKind::DependencyAccepted => "accepted being depended on by",
            NotificationKind::DependencyDeclined => "declined being depended on by",
            NotificationKind::SourceFailing => "A data source stopped working on",
            NotificationKind::AutomationRule => "An automation rule says:",
        }
    }
}

/// One thing a person is told. Written in the same transaction as the change that caused it
/// (or by the periodic evaluator, for changes that come from time passing). Its objective, when
/// it has one, decides who may read it: a notification whose objective its reader may no longer
/// see is hidden, whatever it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    /// Who is told.
    pub recipient_id: PersonId,
    pub kind: NotificationKind,
    /// Who did it; `None` for what time did (a check-in falling due).
    pub actor_id: Option<PersonId>,
    /// The objective it concerns (the key result's, for a key result).
    pub objective_id: Option<ObjectiveId>,
    pub key_result_id: Option<KeyResultId>,
    /// The record to act on: an ownership request, feedback request, recognition, review,
    /// conversation, or the key result itself.
    pub subject_id: String,
    /// Words that go with it: the reason of a declined proposal.
    pub detail: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Notification {
    /// A new, unread notification made now.
    pub fn new(recipient_id: PersonId, kind: NotificationKind, subject_id: &str) -> Self {
        Notification {
            id: NotificationId::generate(),
            recipient_id,
            kind,
            actor_id: None,
            objective_id: None,
            key_result_id: None,
            subject_id: subject_id.to_string(),
            detail: None,
            created_at: chrono::Utc::now(),
            read_at: None,
        }
    }
}

/// How long a failed job waits before its next attempt: 30 seconds after the first failure,
/// doubling each time, at most an hour (exponential backoff).
pub fn retry_delay(attempts: u32) -> chrono::Duration {
    let exp = attempts.saturating_sub(1).min(7);
    chrono::Duration::seconds((30i64 << exp).min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(retry_delay(1), chrono::Duration::seconds(30));
        assert_eq!(retry_delay(2), chrono::Duration::seconds(60));
        assert_eq!(retry_delay(3), chrono::Duration::seconds(120));
        assert_eq!(retry_delay(30), chrono::Duration::seconds(3600));
    }

    #[test]
    fn kinds_spell_back() {
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(NotificationKind::parse("nope"), None);
    }
}
