//! People's notification preferences, the organisation's defaults, and the server's signing
//! keys (`notification_preferences`, `signing_keys`).
//!
//! Why in the store: a preference must hold on every Keel server at once (a person who clicks
//! "unsubscribe" gets no further digest, whichever server builds it), and the key that signs
//! unsubscribe links must be the same on all of them; both are a few rows, read whole.

use crate::db::args;
use crate::sql::table::Table;
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use keel_domain::preferences::{Delivery, Topic};
use keel_domain::Weekday;

pub(crate) const NOTIFICATION_PREFERENCE: Table = Table {
    name: "notification_preferences",
    columns: &["person_id", "topic", "delivery", "updated_at"],
    not_selected: &[],
    later: &[],
};

pub(crate) const SIGNING_KEY: Table = Table {
    name: "signing_keys",
    columns: &["purpose", "secret", "created_at"],
    not_selected: &[],
    later: &[],
};

/// The `digest_days` table: a person's own day for the weekly digest.
pub(crate) const DIGEST_DAY: Table = Table {
    name: "digest_days",
    columns: &["person_id", "weekday", "updated_at"],
    not_selected: &[],
    later: &[],
};

fn weekday_from(v: &str) -> StoreResult<Weekday> {
    Stored::from_stored("weekday", v)
}

/// One choice: a person's (`person_id` set) or the organisation's default (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preference {
    pub person_id: Option<PersonId>,
    pub topic: Topic,
    pub delivery: Delivery,
}

fn preference_from(r: &crate::db::Row) -> StoreResult<Preference> {
    let topic = r.text("topic")?;
    let delivery = r.text("delivery")?;
    Ok(Preference {
        person_id: r.opt_text("person_id")?.map(PersonId::from_string),
        topic: Topic::parse(&topic)
            .ok_or_else(|| corrupt("topic", format!("unknown value '{topic}'")))?,
        delivery: Delivery::parse(&delivery)
            .ok_or_else(|| corrupt("delivery", format!("unknown value '{delivery}'")))?,
    })
}

/// Notification preferences and signing keys.
#[async_trait]
pub trait Preferences: Send + Sync {
    /// The choices of one person (`Some`) or the organisation's defaults (`None`), by topic.
    async fn notification_preferences(
        &self,
        person_id: Option<&PersonId>,
    ) -> StoreResult<Vec<Preference>>;
    /// Every choice, people's and the organisation's (a round reads them once).
    async fn all_notification_preferences(&self) -> StoreResult<Vec<Preference>>;
    /// Sets the given topics' deliveries for one person (or the organisation's defaults), in
    /// one transaction; other topics are left as they were. `NotFound` for an unknown person.
    async fn set_notification_preferences(
        &self,
        person_id: Option<&PersonId>,
        choices: &[(Topic, Delivery)],
        at: Timestamp,
    ) -> StoreResult<()>;
    /// The server key for `purpose`: made from `fresh` on first use, the same on every server
    /// afterwards (whoever stored it first wins).
    async fn signing_key(&self, purpose: &str, fresh: &str, at: Timestamp) -> StoreResult<String>;
    /// The day `person_id` chose for their weekly digest; `None`: the organisation's check-in
    /// day.
    async fn digest_day(&self, person_id: &PersonId) -> StoreResult<Option<Weekday>>;
    /// Every person's own digest day (a round reads them once).
    async fn digest_days(&self) -> StoreResult<Vec<(PersonId, Weekday)>>;
    /// Sets a person's own choices and, when `digest_day` is given, their digest day (`Some`)
    /// or its clearing (`None`: back to the organisation's day), in one transaction.
    /// `NotFound` for an unknown person.
    async fn set_own_notification_preferences(
        &self,
        person_id: &PersonId,
        choices: &[(Topic, Delivery)],
        digest_day: Option<Option<Weekday>>,
        at: Timestamp,
    ) -> StoreResult<()>;
}

#[async_trait]
impl Preferences for DynStore {
    async fn notification_preferences(
        &self,
        person_id: Option<&PersonId>,
    ) -> StoreResult<Vec<Preference>> {
        self.as_preferences()
            .notification_preferences(person_id)
            .await
    }
    async fn all_notification_preferences(&self) -> StoreResult<Vec<Preference>> {
        self.as_preferences().all_notification_preferences().await
    }
    async fn set_notification_preferences(
        &self,
        person_id: Option<&PersonId>,
        choices: &[(Topic, Delivery)],
        at: Timestamp,
    ) -> StoreResult<()> {
        self.as_preferences()
            .set_notification_preferences(person_id, choices, at)
            .await
    }
    async fn signing_key(&self, purpose: &str, fresh: &str, at: Timestamp) -> StoreResult<String> {
        self.as_preferences().signing_key(purpose, fresh, at).await
    }
    async fn digest_day(&self, person_id: &PersonId) -> StoreResult<Option<Weekday>> {
        self.as_preferences().digest_day(person_id).await
    }
    async fn digest_days(&self) -> StoreResult<Vec<(PersonId, Weekday)>> {
        self.as_preferences().digest_days().await
    }
    async fn set_own_notification_preferences(
        &self,
        person_id: &PersonId,
        choices: &[(Topic, Delivery)],
        digest_day: Option<Option<Weekday>>,
        at: Timestamp,
    ) -> StoreResult<()> {
        self.as_preferences()
            .set_own_notification_preferences(person_id, choices, digest_day, at)
            .await
    }
}

const COLS: &str = "person_id, topic, delivery, updated_at";

#[async_trait]
impl Preferences for SqlStore {
    async fn notification_preferences(
        &self,
        person_id: Option<&PersonId>,
    ) -> StoreResult<Vec<Preference>> {
        let rows = match person_id {
            Some(p) => {
                self.db
                    .fetch_all(
                        &format!(
                            "SELECT {COLS} FROM notification_preferences \
                             WHERE person_id = $1 ORDER BY topic"
                        ),
                        args![p.as_str()],
                    )
                    .await?
            }
            None => {
                self.db
                    .fetch_all(
                        &format!(
                            "SELECT {COLS} FROM notification_preferences \
                             WHERE person_id IS NULL ORDER BY topic"
                        ),
                        vec![],
                    )
                    .await?
            }
        };
        rows.iter().map(preference_from).collect()
    }

    async fn all_notification_preferences(&self) -> StoreResult<Vec<Preference>> {
        self.db
            .fetch_all(
                &format!("SELECT {COLS} FROM notification_preferences ORDER BY person_id, topic"),
                vec![],
            )
            .await?
            .iter()
            .map(preference_from)
            .collect()
    }

    async fn set_notification_preferences(
        &self,
        person_id: Option<&PersonId>,
        choices: &[(Topic, Delivery)],
        at: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let who = person_id.map(|p| p.as_str().to_string());
        write_choices(&mut tx, who, choices, at).await?;
        tx.commit().await
    }

    async fn signing_key(&self, purpose: &str, fresh: &str, at: Timestamp) -> StoreResult<String> {
        self.db
            .execute(
                "INSERT INTO signing_keys (purpose, secret, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (purpose) DO NOTHING",
                args![purpose, fresh, ts(&at)],
            )
            .await?;
        let row = self
            .db
            .fetch_optional(
                "SELECT secret FROM signing_keys WHERE purpose = $1",
                args![purpose],
            )
            .await?
            .ok_or_else(|| corrupt("secret", "the signing key vanished".to_string()))?;
        row.text("secret")
    }

    async fn digest_day(&self, person_id: &PersonId) -> StoreResult<Option<Weekday>> {
        self.db
            .fetch_optional(
                "SELECT weekday FROM digest_days WHERE person_id = $1",
                args![person_id.as_str()],
            )
            .await?
            .map(|r| weekday_from(&r.text("weekday")?))
            .transpose()
    }

    async fn digest_days(&self) -> StoreResult<Vec<(PersonId, Weekday)>> {
        self.db
            .fetch_all(
                "SELECT person_id, weekday FROM digest_days ORDER BY person_id",
                vec![],
            )
            .await?
            .iter()
            .map(|r| {
                Ok((
                    PersonId::from_string(r.text("person_id")?),
                    weekday_from(&r.text("weekday")?)?,
                ))
            })
            .collect()
    }

    async fn set_own_notification_preferences(
        &self,
        person_id: &PersonId,
        choices: &[(Topic, Delivery)],
        digest_day: Option<Option<Weekday>>,
        at: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let who = Some(person_id.as_str().to_string());
        write_choices(&mut tx, who, choices, at).await?;
        if let Some(day) = digest_day {
            tx.execute(
                "DELETE FROM digest_days WHERE person_id = $1",
                args![person_id.as_str()],
            )
            .await?;
            if let Some(day) = day {
                tx.execute(
                    "INSERT INTO digest_days (person_id, weekday, updated_at) VALUES ($1, $2, $3)",
                    args![person_id.as_str(), day.stored(), ts(&at)],
                )
                .await?;
            }
        }
        tx.commit().await
    }
}

/// Writes one person's (or the defaults') choices in the open transaction; `NotFound` for an
/// unknown person.
async fn write_choices(
    tx: &mut crate::db::Tx,
    who: Option<String>,
    choices: &[(Topic, Delivery)],
    at: Timestamp,
) -> StoreResult<()> {
    if let Some(p) = &who {
        tx.fetch_optional("SELECT id FROM people WHERE id = $1", args![p.clone()])
            .await?
            .ok_or(StoreError::NotFound)?;
    }
    for (topic, delivery) in choices {
        tx.execute(
            "DELETE FROM notification_preferences \
             WHERE COALESCE(person_id, '') = $1 AND topic = $2",
            args![who.clone().unwrap_or_default(), topic.as_str()],
        )
        .await?;
        tx.execute(
            &format!("INSERT INTO notification_preferences ({COLS}) VALUES ($1, $2, $3, $4)"),
            args![who.clone(), topic.as_str(), delivery.as_str(), ts(&at)],
        )
        .await?;
    }
    Ok(())
}
