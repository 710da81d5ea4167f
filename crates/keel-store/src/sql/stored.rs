//! How each enum is spelled in its column, written out here rather than borrowed from the API's
//! serde names: renaming a variant for the API must not silently change what is stored (or make
//! stored rows unreadable). The spellings are those the database holds today; the test below
//! pins them.

use crate::sql::corrupt;
use crate::*;

/// An enum stored as text: its spelling in the column, and back.
pub(crate) trait Stored: Sized + Copy + 'static {
    /// Every value.
    const ALL: &'static [Self];

    /// The spelling stored in the column.
    fn stored(&self) -> &'static str;

    /// The value spelled `s` in column `col`; `Corrupt` for a spelling the store never writes.
    fn from_stored(col: &str, s: &str) -> StoreResult<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.stored() == s)
            .ok_or_else(|| corrupt(col, format!("unknown value '{s}'")))
    }
}

/// `Stored` for an enum from its variants and their spellings.
macro_rules! stored {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl Stored for $t {
            const ALL: &'static [Self] = &[$(<$t>::$v),*];

            fn stored(&self) -> &'static str {
                match self {
                    $(Self::$v => $s,)*
                }
            }
        }
    };
}

stored!(keel_domain::webhook::WebhookEvent {
    CheckInRecorded => "check_in.recorded",
    KeyResultStatusChanged => "key_result.status_changed",
    OwnershipRequested => "ownership.requested",
    OwnershipAnswered => "ownership.answered",
    CycleClosed => "cycle.closed",
    Test => "webhook.test",
    AutomationRuleFired => "automation.rule_fired",
});
stored!(keel_domain::webhook::WebhookFormat {
    Keel => "keel",
    Slack => "slack",
    Teams => "teams",
});
stored!(crate::webhooks::DeliveryState {
    Pending => "pending",
    Delivered => "delivered",
    Failed => "failed",
});
stored!(CycleState {
    Planning => "planning",
    Active => "active",
    Closed => "closed",
});
stored!(OwnershipState {
    Pending => "pending",
    Accepted => "accepted",
    Declined => "declined",
});
stored!(ObjectiveKind {
    Committed => "committed",
    Aspirational => "aspirational",
});
stored!(ProgressRollup {
    Inherit => "inherit",
    On => "on",
    Off => "off",
});
stored!(ObjectiveState {
    Draft => "draft",
    Active => "active",
    Closed => "closed",
});
stored!(Visibility {
    Public => "public",
    Team => "team",
    Private => "private",
});
stored!(MetricKind {
    Increase => "increase",
    Decrease => "decrease",
    StayAbove => "stay_above",
    StayBelow => "stay_below",
    Boolean => "boolean",
    Milestone => "milestone",
});
stored!(InitiativeState {
    Proposed => "proposed",
    Active => "active",
    Dropped => "dropped",
    Done => "done",
});
stored!(rhythm::Status {
    OnTrack => "on_track",
    AtRisk => "at_risk",
    OffTrack => "off_track",
    Stale => "stale",
    Closed => "closed",
    NotStarted => "not_started",
    AwaitingOwner => "awaiting_owner",
    Draft => "draft",
});
stored!(TokenScope {
    Read => "read",
    Write => "write",
});
stored!(RequestState {
    Pending => "pending",
    Accepted => "accepted",
    Declined => "declined",
    Superseded => "superseded",
});
stored!(Weekday {
    Monday => "monday",
    Tuesday => "tuesday",
    Wednesday => "wednesday",
    Thursday => "thursday",
    Friday => "friday",
    Saturday => "saturday",
    Sunday => "sunday",
});
stored!(ConfidenceScale {
    ZeroToTen => "zero_to_ten",
    ThreeLevel => "three_level",
});
stored!(notification::NotificationKind {
    OwnershipProposed => "ownership_proposed",
    OwnershipAccepted => "ownership_accepted",
    OwnershipDeclined => "ownership_declined",
    OwnershipHandedOver => "ownership_handed_over",
    FeedbackRequested => "feedback_requested",
    FeedbackAnswered => "feedback_answered",
    RecognitionReceived => "recognition_received",
    CheckInDue => "check_in_due",
    CheckInOverdue => "check_in_overdue",
    TurnedOffTrack => "turned_off_track",
    TurnedStale => "turned_stale",
    ReviewScheduled => "review_scheduled",
    ConversationNote => "conversation_note",
    OwnershipReminder => "ownership_reminder",
    OwnershipStillWaiting => "ownership_still_waiting",
    ScoreReminder => "score_reminder",
    DependencyProposed => "dependency_proposed",
    DependencyAccepted => "dependency_accepted",
    DependencyDeclined => "dependency_declined",
    SourceFailing => "source_failing",
    AutomationRule => "automation_rule",
});

stored!(keel_domain::data_feed::SourceKind {
    IngestToken => "ingest_token",
    Kpi => "kpi",
    Pull => "pull",
});
stored!(keel_domain::pull::PullKind {
    Http => "http",
    Sql => "sql",
});
stored!(keel_domain::pull::PullSchedule {
    Hourly => "hourly",
    Daily => "daily",
    Weekly => "weekly",
});

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stored spelling, and that it is still what was written before the store spelled
    /// enums itself (the API's serde name), so existing rows read back unchanged.
    fn pinned<T: Stored + serde::Serialize + std::fmt::Debug + PartialEq>(want: &[&str]) {
        let got: Vec<&str> = T::ALL.iter().map(Stored::stored).collect();
        assert_eq!(got, want);
        for v in T::ALL {
            let serde = serde_json::to_value(v).unwrap();
            assert_eq!(serde.as_str(), Some(v.stored()), "{v:?}");
            assert_eq!(T::from_stored("col", v.stored()).unwrap(), *v);
        }
        assert!(matches!(
            T::from_stored("col", "nonsense"),
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn every_enum_value_keeps_its_stored_spelling() {
        pinned::<CycleState>(&["planning", "active", "closed"]);
        pinned::<OwnershipState>(&["pending", "accepted", "declined"]);
        pinned::<ObjectiveKind>(&["committed", "aspirational"]);
        pinned::<ObjectiveState>(&["draft", "active", "closed"]);
        pinned::<Visibility>(&["public", "team", "private"]);
        pinned::<ProgressRollup>(&["inherit", "on", "off"]);
        pinned::<MetricKind>(&[
            "increase",
            "decrease",
            "stay_above",
            "stay_below",
            "boolean",
            "milestone",
        ]);
        pinned::<InitiativeState>(&["proposed", "active", "dropped", "done"]);
        pinned::<rhythm::Status>(&[
            "on_track",
            "at_risk",
            "off_track",
            "stale",
            "closed",
            "not_started",
            "awaiting_owner",
            "draft",
        ]);
        pinned::<TokenScope>(&["read", "write"]);
        pinned::<keel_domain::data_feed::SourceKind>(&["ingest_token", "kpi", "pull"]);
        pinned::<keel_domain::pull::PullKind>(&["http", "sql"]);
        pinned::<keel_domain::pull::PullSchedule>(&["hourly", "daily", "weekly"]);
        pinned::<ConfidenceScale>(&["zero_to_ten", "three_level"]);
        pinned::<Weekday>(&[
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ]);
        pinned::<RequestState>(&["pending", "accepted", "declined", "superseded"]);
        pinned::<notification::NotificationKind>(&[
            "ownership_proposed",
            "ownership_accepted",
            "ownership_declined",
            "ownership_handed_over",
            "feedback_requested",
            "feedback_answered",
            "recognition_received",
            "check_in_due",
            "check_in_overdue",
            "turned_off_track",
            "turned_stale",
            "review_scheduled",
            "conversation_note",
            "ownership_reminder",
            "ownership_still_waiting",
            "score_reminder",
            "dependency_proposed",
            "dependency_accepted",
            "dependency_declined",
            "source_failing",
            "automation_rule",
        ]);
        pinned::<keel_domain::webhook::WebhookEvent>(&[
            "check_in.recorded",
            "key_result.status_changed",
            "ownership.requested",
            "ownership.answered",
            "cycle.closed",
            "webhook.test",
            "automation.rule_fired",
        ]);
        pinned::<keel_domain::webhook::WebhookFormat>(&["keel", "slack", "teams"]);
        pinned::<crate::webhooks::DeliveryState>(&["pending", "delivered", "failed"]);
        assert_eq!(crate::webhooks::WEBHOOK_DELIVERY_JOB, "webhook_delivery");
        for e in keel_domain::webhook::WebhookEvent::SUBSCRIBABLE {
            assert_eq!(e.stored(), e.as_str());
        }
        for s in RequestState::ALL {
            assert_eq!(s.stored(), s.as_str());
        }
    }
}
