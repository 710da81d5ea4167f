//! Organisation settings: one organisation per deployment, and the policies it chooses.

use crate::error::{FieldError, FieldResult};
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A time zone (IANA), as settings and people name them.
pub type Zone = chrono_tz::Tz;

/// How many owners an OKR may have (*Ownership policy* in docs/method.md): ownership split between
/// two people is the same as no owner, so `Single` is the default; `Shared` allows co-owners with
/// one marked accountable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum OwnershipPolicy {
    #[default]
    Single,
    Shared,
}

/// The scale owners use for their weekly confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ConfidenceScale {
    /// 0 to 10: 0–3 off track, 4–6 at risk, 7–10 on track.
    #[default]
    ZeroToTen,
    /// 1 to 3: 1 off track, 2 at risk, 3 on track.
    ThreeLevel,
}

impl ConfidenceScale {
    pub fn min(self) -> u8 {
        match self {
            ConfidenceScale::ZeroToTen => 0,
            ConfidenceScale::ThreeLevel => 1,
        }
    }
    pub fn max(self) -> u8 {
        match self {
            ConfidenceScale::ZeroToTen => 10,
            ConfidenceScale::ThreeLevel => 3,
        }
    }
}

/// Day of the week on which check-ins are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    #[default]
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub fn to_chrono(self) -> chrono::Weekday {
        match self {
            Weekday::Monday => chrono::Weekday::Mon,
            Weekday::Tuesday => chrono::Weekday::Tue,
            Weekday::Wednesday => chrono::Weekday::Wed,
            Weekday::Thursday => chrono::Weekday::Thu,
            Weekday::Friday => chrono::Weekday::Fri,
            Weekday::Saturday => chrono::Weekday::Sat,
            Weekday::Sunday => chrono::Weekday::Sun,
        }
    }
}

/// The organisation's settings. Defaults work with no configuration at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct OrgSettings {
    pub name: String,
    /// IANA time zone name, e.g. `Europe/Paris`.
    pub time_zone: String,
    pub ownership_policy: OwnershipPolicy,
    pub confidence_scale: ConfidenceScale,
    /// The day check-ins fall due: for cadences of a week or more, a key result is due on the
    /// check-in day that closes its cadence (see `rhythm::due_on`).
    pub check_in_weekday: Weekday,
    /// When the health check starts to warn.
    // Settings saved with a retired threshold still load (`health_as_stored`).
    #[serde(deserialize_with = "health_as_stored")]
    pub health: HealthThresholds,
    /// How often owners check in, and how long silence is tolerated before a key result is stale.
    pub rhythm: RhythmSettings,
    /// How numbers are written on pages and read from forms (decimal mark, thousands separator).
    pub locale: crate::locale::NumberLocale,
    /// Whether an objective's progress includes its aligned children (docs/method.md, "Progress
    /// roll-up"), for objectives that do not choose for themselves. Off by default.
    pub progress_rollup: bool,
}

/// The check-in cadence of the organisation (teams may override `cadence_days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RhythmSettings {
    /// A key result is due for a check-in when its last one is this many days old (7: weekly).
    pub cadence_days: u32,
    /// Days of silence tolerated past the cadence before a key result turns `stale`.
    pub grace_days: u32,
}

impl Default for RhythmSettings {
    fn default() -> Self {
        Self {
            cadence_days: 7,
            grace_days: 3,
        }
    }
}

/// A cadence in days: from 1 to 90, naming `field` otherwise.
pub fn check_cadence(field: &str, days: u32) -> FieldResult<u32> {
    if !(1..=90).contains(&days) {
        return Err(FieldError::new(
            field,
            "must be a whole number of days from 1 to 90",
        ));
    }
    Ok(days)
}

/// Thresholds of the ownership health check, per organisation.
///
/// There is no threshold for silence: a key result turns stale when its owner has been silent
/// longer than `rhythm.cadence_days` plus `rhythm.grace_days`, the one definition. The retired
/// `stale_check_in_days` is refused like any unknown field.
// Settings stored with it still load: `RETIRED_HEALTH_FIELDS`, `health_as_stored`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HealthThresholds {
    /// Warn when an ownership request has waited longer than this many days.
    pub pending_ownership_days: u32,
    /// Warn when one person owns more than this many OKRs (objectives and key results) in a cycle.
    pub owner_overload: u32,
    /// Warn when an objective has more than this many key results.
    pub max_key_results: u32,
}

/// Health thresholds Keel once had and no longer reads: dropped from stored settings as they
/// load, refused (as unknown fields) from a client.
pub const RETIRED_HEALTH_FIELDS: &[&str] = &["stale_check_in_days"];

/// Reads stored health thresholds, dropping [`RETIRED_HEALTH_FIELDS`]; anything else unknown
/// is still an error.
fn health_as_stored<'de, D: serde::Deserializer<'de>>(d: D) -> Result<HealthThresholds, D::Error> {
    let mut value = serde_json::Value::deserialize(d)?;
    if let Some(fields) = value.as_object_mut() {
        for retired in RETIRED_HEALTH_FIELDS {
            fields.remove(*retired);
        }
    }
    HealthThresholds::deserialize(value).map_err(serde::de::Error::custom)
}

impl Default for HealthThresholds {
    fn default() -> Self {
        Self {
            pending_ownership_days: 7,
            owner_overload: 7,
            max_key_results: 5,
        }
    }
}

impl Default for OrgSettings {
    fn default() -> Self {
        Self {
            name: "My organisation".into(),
            time_zone: "UTC".into(),
            ownership_policy: OwnershipPolicy::Single,
            confidence_scale: ConfidenceScale::ZeroToTen,
            check_in_weekday: Weekday::Monday,
            health: HealthThresholds::default(),
            rhythm: RhythmSettings::default(),
            locale: crate::locale::NumberLocale::default(),
            progress_rollup: false,
        }
    }
}

impl OrgSettings {
    /// The organisation's time zone (UTC if the name is unknown).
    pub fn zone(&self) -> Zone {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// The calendar day of `at` in the organisation's time zone (UTC if the name is unknown).
    pub fn local_date(&self, at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
        match self.time_zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => at.with_timezone(&tz).date_naive(),
            Err(_) => at.date_naive(),
        }
    }

    /// Checks and normalises every field.
    pub fn validated(mut self) -> FieldResult<Self> {
        self.name = text::required("name", &self.name, 200)?;
        let tz = self.time_zone.trim();
        if tz.parse::<chrono_tz::Tz>().is_err() {
            return Err(FieldError::new(
                "time_zone",
                format!("'{tz}' is not an IANA time zone name (for example Europe/Paris or UTC)"),
            ));
        }
        self.time_zone = tz.to_string();
        let h = &self.health;
        for (field, value, min) in [
            ("health.pending_ownership_days", h.pending_ownership_days, 1),
            ("health.owner_overload", h.owner_overload, 1),
            ("health.max_key_results", h.max_key_results, 1),
        ] {
            if value < min || value > 365 {
                return Err(FieldError::new(
                    field,
                    "must be a whole number from 1 to 365",
                ));
            }
        }
        check_cadence("rhythm.cadence_days", self.rhythm.cadence_days)?;
        self.locale = self.locale.validated()?;
        if self.rhythm.grace_days > 90 {
            return Err(FieldError::new(
                "rhythm.grace_days",
                "must be a whole number of days from 0 to 90",
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(OrgSettings::default().validated().is_ok());
    }

    #[test]
    fn unknown_time_zone_names_the_field() {
        let s = OrgSettings {
            time_zone: "Mars/Olympus".into(),
            ..Default::default()
        };
        assert_eq!(s.validated().unwrap_err().field, "time_zone");
    }

    /// Settings saved while `health.stale_check_in_days` existed still load (it is dropped);
    /// sent by a client, it is an unknown field like any other.
    #[test]
    fn the_retired_stale_threshold_loads_but_is_refused() {
        let stored = r#"{"name": "Northwind", "health": {"pending_ownership_days": 3,
            "owner_overload": 4, "max_key_results": 6, "stale_check_in_days": 10}}"#;
        let s: OrgSettings = serde_json::from_str(stored).unwrap();
        assert_eq!(
            s.health,
            HealthThresholds {
                pending_ownership_days: 3,
                owner_overload: 4,
                max_key_results: 6
            }
        );
        assert!(!serde_json::to_string(&s)
            .unwrap()
            .contains("stale_check_in_days"));
        let sent = r#"{"stale_check_in_days": 10}"#;
        let refused = serde_json::from_str::<HealthThresholds>(sent).unwrap_err();
        assert!(
            refused.to_string().contains("stale_check_in_days"),
            "{refused}"
        );
        let other = r#"{"health": {"owner_overload": 4, "typo_days": 1}}"#;
        assert!(serde_json::from_str::<OrgSettings>(other).is_err());
    }
}
