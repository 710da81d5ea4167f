//! People in control of what reaches them (issue 15, item 6): per kind of message, how it is
//! delivered. An organisation default, set by administrators, applies where a person has not
//! chosen; a one-click unsubscribe sets the person's own choice.
//!
//! Why the rule of every notification is here: which topic a notification belongs to, which
//! choice holds, and what `email`, `in_app` and `digest_only` mean for the bell, email and the
//! digest are read by the store (when it writes a notification), the email job and the digest;
//! one definition keeps them from disagreeing (docs/notifications.md, "Preferences").

use crate::error::{FieldError, FieldResult};
use crate::notification::NotificationKind;
use crate::org::Weekday;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The kinds of message a person chooses for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// The weekly progress digest.
    Digest,
    /// Check-in reminders (a check-in falls due).
    CheckInReminders,
    /// Ownership proposed to you, your proposals answered, handovers.
    Ownership,
    /// Feedback asked of you and answered, recognition.
    Feedback,
    /// An OKR you own, sponsor or align to turns off track or stale.
    StatusChanges,
}

/// How messages of a kind reach a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// By email, and in Keel.
    Email,
    /// In Keel only (the bell).
    InApp,
    /// Only in the weekly digest.
    DigestOnly,
    /// Not at all (the digest itself only).
    Off,
}

impl Topic {
    /// Every topic, in the order the preferences page lists them.
    pub const ALL: [Topic; 5] = [
        Topic::Digest,
        Topic::CheckInReminders,
        Topic::Ownership,
        Topic::Feedback,
        Topic::StatusChanges,
    ];

    /// The topic as stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Digest => "digest",
            Topic::CheckInReminders => "check_in_reminders",
            Topic::Ownership => "ownership",
            Topic::Feedback => "feedback",
            Topic::StatusChanges => "status_changes",
        }
    }

    /// The topic in people's words.
    pub fn label(self) -> &'static str {
        match self {
            Topic::Digest => "The weekly progress digest",
            Topic::CheckInReminders => "Check-in reminders",
            Topic::Ownership => "Ownership requests and answers",
            Topic::Feedback => "Feedback and recognition",
            Topic::StatusChanges => "OKRs turning off track or stale, and data sources failing",
        }
    }

    /// The topic spelled as stored.
    pub fn parse(v: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == v)
    }

    /// Where nobody chose: everything by email and in Keel.
    pub fn default_delivery(self) -> Delivery {
        Delivery::Email
    }

    /// The deliveries that make sense for this topic: the digest is sent or not; other
    /// messages are never switched off entirely (the bell keeps them).
    pub fn allowed(self) -> &'static [Delivery] {
        match self {
            Topic::Digest => &[Delivery::Email, Delivery::Off],
            _ => &[Delivery::Email, Delivery::InApp, Delivery::DigestOnly],
        }
    }

    /// Checks `d` for this topic; the error names `field`.
    pub fn check(self, field: &str, d: Delivery) -> FieldResult<Delivery> {
        if self.allowed().contains(&d) {
            Ok(d)
        } else {
            let words: Vec<&str> = self.allowed().iter().map(|a| a.label()).collect();
            Err(FieldError::new(
                field,
                format!("{} can be: {}", self.label(), words.join(", ")),
            ))
        }
    }
}

impl Delivery {
    /// Every delivery.
    pub const ALL: [Delivery; 4] = [
        Delivery::Email,
        Delivery::InApp,
        Delivery::DigestOnly,
        Delivery::Off,
    ];

    /// The delivery as stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Email => "email",
            Delivery::InApp => "in_app",
            Delivery::DigestOnly => "digest_only",
            Delivery::Off => "off",
        }
    }

    /// The delivery in people's words.
    pub fn label(self) -> &'static str {
        match self {
            Delivery::Email => "By email and in Keel",
            Delivery::InApp => "In Keel only",
            Delivery::DigestOnly => "In the weekly digest only",
            Delivery::Off => "Not sent",
        }
    }

    /// The delivery spelled as stored.
    pub fn parse(v: &str) -> Option<Delivery> {
        Delivery::ALL.into_iter().find(|d| d.as_str() == v)
    }

    /// Whether messages go out by email.
    pub fn by_email(self) -> bool {
        self == Delivery::Email
    }

    /// Whether a notification so delivered is shown on the bell and the notifications page.
    pub fn on_bell(self) -> bool {
        matches!(self, Delivery::Email | Delivery::InApp)
    }

    /// Whether a notification so delivered waits for the weekly digest instead.
    pub fn in_digest(self) -> bool {
        self == Delivery::DigestOnly
    }
}

/// Which choice holds for a person: their own, else the organisation's default, else the
/// topic's default (`email`). The one rule every reader of preferences applies.
pub fn resolve(topic: Topic, own: Option<Delivery>, organisation: Option<Delivery>) -> Delivery {
    own.or(organisation)
        .unwrap_or_else(|| topic.default_delivery())
}

impl Topic {
    /// The topic a notification of `kind` belongs to, which the person's choice is read for;
    /// `None` for the kinds a person does not choose for (a review scheduled, a note of a 1:1):
    /// those are shown in Keel only.
    pub fn of(kind: NotificationKind) -> Option<Topic> {
        use NotificationKind as K;
        match kind {
            K::OwnershipProposed
            | K::OwnershipAccepted
            | K::OwnershipDeclined
            | K::OwnershipHandedOver => Some(Topic::Ownership),
            K::FeedbackRequested | K::FeedbackAnswered | K::RecognitionReceived => {
                Some(Topic::Feedback)
            }
            K::OwnershipReminder | K::OwnershipStillWaiting => Some(Topic::Ownership),
            K::DependencyProposed | K::DependencyAccepted | K::DependencyDeclined => {
                Some(Topic::Ownership)
            }
            K::CheckInDue | K::CheckInOverdue | K::ScoreReminder => Some(Topic::CheckInReminders),
            K::TurnedOffTrack | K::TurnedStale | K::SourceFailing | K::AutomationRule => {
                Some(Topic::StatusChanges)
            }
            K::ReviewScheduled | K::ConversationNote => None,
        }
    }
}

/// How one notification of `kind` reaches its person, given their delivery of its topic
/// (`chosen`, resolved with [`resolve`]):
///
/// - a kind without a topic: in Keel only;
/// - a check-in falling due: by email means the daily check-in reminder (one message a day
///   listing every due key result), so the notification itself is in Keel only;
/// - a reminder job's own notification (an unanswered ownership request, the end-of-cycle
///   score): that job sends its own email, so by email it is in Keel only here too;
/// - otherwise the choice: `email` (the bell and an email), `in_app` (the bell), `digest_only`
///   (neither: the weekly digest lists it).
pub fn notification_delivery(
    kind: NotificationKind,
    chosen: impl FnOnce(Topic) -> Delivery,
) -> Delivery {
    let Some(topic) = Topic::of(kind) else {
        return Delivery::InApp;
    };
    use NotificationKind as K;
    let emails_itself = matches!(
        kind,
        K::OwnershipReminder | K::OwnershipStillWaiting | K::ScoreReminder
    );
    match (topic, chosen(topic)) {
        (Topic::CheckInReminders, Delivery::Email) => Delivery::InApp,
        (_, Delivery::Email) if emails_itself => Delivery::InApp,
        (_, d) => d,
    }
}

/// What a person gives as their digest day to follow the organisation's check-in day again.
pub const ORGANISATION_DAY: &str = "organisation";

/// The days of the week, Monday first (the order a form lists them).
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// A weekday as the API spells it and the store keeps it: `monday` … `sunday`.
pub fn weekday_value(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

/// A weekday in people's words: `Monday`.
pub fn weekday_label(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// A weekday spelled as the API spells it; `None` for anything else.
pub fn parse_weekday(v: &str) -> Option<Weekday> {
    WEEKDAYS.into_iter().find(|d| weekday_value(*d) == v)
}

/// A person's digest day as given: a weekday (`Some`), or [`ORGANISATION_DAY`] to follow the
/// organisation's check-in day (`None`). Anything else is an error naming `field`.
pub fn parse_digest_day(field: &str, v: &str) -> FieldResult<Option<Weekday>> {
    let v = v.trim().to_ascii_lowercase();
    if v == ORGANISATION_DAY {
        return Ok(None);
    }
    parse_weekday(&v).map(Some).ok_or_else(|| {
        FieldError::new(
            field,
            "choose a day of the week (monday to sunday) or 'organisation' for the organisation's check-in day",
        )
    })
}

/// The day a person's weekly digest leaves: their own, else the organisation's check-in day.
pub fn digest_weekday(own: Option<Weekday>, organisation: Weekday) -> Weekday {
    own.unwrap_or(organisation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_and_deliveries_read_back_and_are_checked() {
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()), Some(t));
            assert!(t.check("x", t.default_delivery()).is_ok());
        }
        for d in Delivery::ALL {
            assert_eq!(Delivery::parse(d.as_str()), Some(d));
        }
        assert!(Topic::Digest.check("digest", Delivery::InApp).is_err());
        assert!(Topic::Ownership.check("ownership", Delivery::Off).is_err());
        assert_eq!(Topic::parse("nope"), None);
    }

    #[test]
    fn a_notification_follows_its_topics_choice() {
        use NotificationKind as K;
        for k in NotificationKind::ALL {
            let d = notification_delivery(k, |_| Delivery::DigestOnly);
            match Topic::of(k) {
                None => assert_eq!(d, Delivery::InApp, "{k:?}"),
                Some(_) => assert_eq!(d, Delivery::DigestOnly, "{k:?}"),
            }
        }
        assert_eq!(
            notification_delivery(K::OwnershipProposed, |_| Delivery::Email),
            Delivery::Email
        );
        // The daily reminder is the email of a check-in falling due.
        assert_eq!(
            notification_delivery(K::CheckInDue, |_| Delivery::Email),
            Delivery::InApp
        );
        assert_eq!(
            notification_delivery(K::ReviewScheduled, |_| Delivery::Email),
            Delivery::InApp
        );
        assert_eq!(
            resolve(Topic::Feedback, None, Some(Delivery::InApp)),
            Delivery::InApp
        );
        assert_eq!(
            resolve(
                Topic::Feedback,
                Some(Delivery::DigestOnly),
                Some(Delivery::InApp)
            ),
            Delivery::DigestOnly
        );
        assert_eq!(resolve(Topic::Feedback, None, None), Delivery::Email);
        assert!(Delivery::Email.on_bell() && Delivery::InApp.on_bell());
        assert!(!Delivery::DigestOnly.on_bell() && Delivery::DigestOnly.in_digest());
    }

    #[test]
    fn a_digest_day_is_a_weekday_or_the_organisations() {
        for d in WEEKDAYS {
            assert_eq!(
                parse_digest_day("digest_day", weekday_value(d)).unwrap(),
                Some(d)
            );
        }
        assert_eq!(
            parse_digest_day("digest_day", "Organisation").unwrap(),
            None
        );
        assert_eq!(
            parse_digest_day("digest_day", "someday").unwrap_err().field,
            "digest_day"
        );
        assert_eq!(
            digest_weekday(Some(Weekday::Monday), Weekday::Friday),
            Weekday::Monday
        );
        assert_eq!(digest_weekday(None, Weekday::Friday), Weekday::Friday);
    }
}
