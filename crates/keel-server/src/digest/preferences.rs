//! Who wants what, and how: a person's own choice per topic, else the organisation's default
//! (set by administrators), else email (`keel_domain::preferences`). The rounds read every
//! choice once ([`Choices`]); the account page and API read and set a person's own; the admin
//! page the defaults.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use keel_domain::preferences::{Delivery, Topic};
use keel_domain::*;
use keel_store::{Preference, Store};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// Every stored choice, for a round: resolves a person's delivery of a topic in memory.
#[derive(Debug, Default)]
pub struct Choices {
    people: HashMap<(PersonId, Topic), Delivery>,
    defaults: HashMap<Topic, Delivery>,
}

impl Choices {
    /// Reads every choice (one query).
    pub async fn load(store: &dyn Store) -> ApiResult<Choices> {
        Ok(Choices::from(
            store
                .as_preferences()
                .all_notification_preferences()
                .await?,
        ))
    }

    /// The choices among `prefs`.
    pub fn from(prefs: Vec<Preference>) -> Choices {
        let mut c = Choices::default();
        for p in prefs {
            match p.person_id {
                Some(id) => c.people.insert((id, p.topic), p.delivery),
                None => c.defaults.insert(p.topic, p.delivery),
            };
        }
        c
    }

    /// The organisation's default for `topic`.
    pub fn default_of(&self, topic: Topic) -> Delivery {
        self.defaults
            .get(&topic)
            .copied()
            .unwrap_or(topic.default_delivery())
    }

    /// How `topic` reaches `person`: their choice, else the organisation's default.
    pub fn of(&self, person: &PersonId, topic: Topic) -> Delivery {
        keel_domain::preferences::resolve(
            topic,
            self.people.get(&(person.clone(), topic)).copied(),
            self.defaults.get(&topic).copied(),
        )
    }
}

/// How each kind of message reaches a person (or, for the defaults, everyone who has not
/// chosen). In a change, a topic left out keeps its setting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationPreferences {
    /// The weekly progress digest: `email` or `off`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Delivery>,
    /// Check-in reminders: `email`, `in_app` or `digest_only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_in_reminders: Option<Delivery>,
    /// Ownership requests and answers: `email`, `in_app` or `digest_only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership: Option<Delivery>,
    /// Feedback and recognition: `email`, `in_app` or `digest_only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<Delivery>,
    /// OKRs turning off track or stale, and data sources failing: `email`, `in_app` or
    /// `digest_only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_changes: Option<Delivery>,
    /// Your own day for the weekly digest (`monday` … `sunday`), or `organisation` to follow
    /// the organisation's check-in day again; absent when you follow it. Yours only: the
    /// organisation's defaults have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_day: Option<String>,
}

impl NotificationPreferences {
    /// The topics and deliveries set here.
    pub fn choices(&self) -> Vec<(Topic, Delivery)> {
        [
            (Topic::Digest, self.digest),
            (Topic::CheckInReminders, self.check_in_reminders),
            (Topic::Ownership, self.ownership),
            (Topic::Feedback, self.feedback),
            (Topic::StatusChanges, self.status_changes),
        ]
        .into_iter()
        .filter_map(|(t, d)| d.map(|d| (t, d)))
        .collect()
    }

    /// Every topic, resolved by `of`.
    pub fn resolved(of: impl Fn(Topic) -> Delivery) -> NotificationPreferences {
        NotificationPreferences {
            digest: Some(of(Topic::Digest)),
            check_in_reminders: Some(of(Topic::CheckInReminders)),
            ownership: Some(of(Topic::Ownership)),
            feedback: Some(of(Topic::Feedback)),
            status_changes: Some(of(Topic::StatusChanges)),
            digest_day: None,
        }
    }

    /// Checks each choice against its topic; the error names the topic's field.
    pub fn validated(&self) -> ApiResult<Vec<(Topic, Delivery)>> {
        self.choices()
            .into_iter()
            .map(|(t, d)| t.check(t.as_str(), d).map(|d| (t, d)))
            .collect::<FieldResult<Vec<_>>>()
            .map_err(ApiError::Invalid)
    }
}

/// The caller's own preferences, every topic resolved.
pub async fn own(store: &dyn Store, caller: &Caller) -> ApiResult<NotificationPreferences> {
    let id = &caller.person.id;
    let choices = Choices::from(
        [
            store
                .as_preferences()
                .notification_preferences(None)
                .await?,
            store
                .as_preferences()
                .notification_preferences(Some(id))
                .await?,
        ]
        .concat(),
    );
    let mut own = NotificationPreferences::resolved(|t| choices.of(id, t));
    own.digest_day = store
        .as_preferences()
        .digest_day(id)
        .await?
        .map(|d| keel_domain::preferences::weekday_value(d).to_string());
    Ok(own)
}

/// The digest day of a change: `None` when not given, `Some(None)` for the organisation's.
fn digest_day_of(change: &NotificationPreferences) -> ApiResult<Option<Option<Weekday>>> {
    change
        .digest_day
        .as_deref()
        .map(|d| keel_domain::preferences::parse_digest_day("digest_day", d))
        .transpose()
        .map_err(ApiError::Invalid)
}

/// Sets the caller's own preferences (all checked before any is written).
pub async fn set_own(
    store: &dyn Store,
    caller: &Caller,
    change: &NotificationPreferences,
) -> ApiResult<NotificationPreferences> {
    let choices = change.validated()?;
    let day = digest_day_of(change)?;
    store
        .as_preferences()
        .set_own_notification_preferences(&caller.person.id, &choices, day, crate::services::now())
        .await?;
    own(store, caller).await
}

/// The organisation's defaults (administrators and champions: as the settings).
pub async fn defaults(store: &dyn Store, caller: &Caller) -> ApiResult<NotificationPreferences> {
    crate::read::administration::admin_settings(store, caller).await?;
    let choices = Choices::from(
        store
            .as_preferences()
            .notification_preferences(None)
            .await?,
    );
    Ok(NotificationPreferences::resolved(|t| choices.default_of(t)))
}

/// Sets the organisation's defaults.
pub async fn set_defaults(
    store: &dyn Store,
    caller: &Caller,
    change: &NotificationPreferences,
) -> ApiResult<NotificationPreferences> {
    crate::read::administration::admin_settings(store, caller).await?;
    let choices = change.validated()?;
    if change.digest_day.is_some() {
        return Err(ApiError::Invalid(FieldError::new(
            "digest_day",
            "each person chooses their own digest day; the organisation's is its check-in day",
        )));
    }
    store
        .as_preferences()
        .set_notification_preferences(None, &choices, crate::services::now())
        .await?;
    defaults(store, caller).await
}
