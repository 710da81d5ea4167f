//! People in control of what reaches them (issue 15, item 6): per kind of message, how it is
//! delivered. An organisation default, set by administrators, applies where a person has not
//! chosen; a one-click unsubscribe sets the person's own choice.

use crate::error::{FieldError, FieldResult};
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
            Topic::StatusChanges => "OKRs turning off track or stale",
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
