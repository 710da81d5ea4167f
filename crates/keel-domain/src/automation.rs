//! Automation rules: "when a key result turns off track, notify its sponsor", "when a check-in
//! is overdue by a week, tell the team lead", "when a KPI leaves its corridor, post to this
//! webhook". A rule is one trigger, its conditions and one action.
//!
//! Why here: the API, the admin page, the store and the background round must agree on what a
//! rule may say and on what a valid one is (each refusal naming its field, `trigger.days`,
//! `action.role` …); whether the ids a rule names exist is the server's check, against the store.

use crate::error::{FieldError, FieldErrors};
use crate::ids::{AutomationRuleId, CycleId, KpiId, PersonId, TeamId, WebhookId};
use crate::objective::Visibility;
use crate::rhythm::Status;
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest wait a check-in rule may name, in days.
pub const MAX_OVERDUE_DAYS: u32 = 90;

/// The statuses a rule may wait for: the judged ones (the lifecycle states are not news).
pub const TRIGGER_STATUSES: [Status; 4] = [
    Status::OnTrack,
    Status::AtRisk,
    Status::OffTrack,
    Status::Stale,
];

/// What sets a rule off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// A key result's status becomes `status` (as the evaluator records the change).
    StatusBecomes { status: Status },
    /// A key result's check-in has been due for `days` days without one.
    CheckInOverdue { days: u32 },
    /// A KPI's reading falls outside its corridor after one inside it (or as its first
    /// reading); any KPI, or only `kpi_id`.
    KpiLeavesCorridor {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kpi_id: Option<KpiId>,
    },
}

impl Trigger {
    /// Whether it is about key results (else about KPIs).
    pub fn is_about_key_results(&self) -> bool {
        !matches!(self, Trigger::KpiLeavesCorridor { .. })
    }

    /// The trigger in an administrator's words.
    pub fn describe(&self) -> String {
        match self {
            Trigger::StatusBecomes { status } => {
                format!("A key result turns {}", status.label().to_lowercase())
            }
            Trigger::CheckInOverdue { days } => {
                format!("A check-in is overdue by {days} {}", plural(*days, "day"))
            }
            Trigger::KpiLeavesCorridor { kpi_id: None } => "A KPI leaves its corridor".into(),
            Trigger::KpiLeavesCorridor { kpi_id: Some(_) } => "The KPI leaves its corridor".into(),
        }
    }
}

/// Which key results a rule watches: all of them, or those matching every condition set.
/// KPIs take no conditions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Conditions {
    /// Only key results of objectives in this cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle_id: Option<CycleId>,
    /// Only key results shared with this team (or whose objective is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<TeamId>,
    /// Only key results of objectives with this visibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

impl Conditions {
    pub fn is_empty(&self) -> bool {
        self.cycle_id.is_none() && self.team_id.is_none() && self.visibility.is_none()
    }
}

/// Whom a rule tells, by their part in the key result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleRole {
    /// The key result's owner (a KPI's owner).
    Owner,
    /// The key result's sponsor and its objective's.
    Sponsor,
    /// The leads of the teams the key result is shared with (else its objective's teams).
    TeamLead,
    /// The key result's contributors.
    Contributors,
}

impl RuleRole {
    pub const ALL: [RuleRole; 4] = [
        RuleRole::Owner,
        RuleRole::Sponsor,
        RuleRole::TeamLead,
        RuleRole::Contributors,
    ];

    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleRole::Owner => "owner",
            RuleRole::Sponsor => "sponsor",
            RuleRole::TeamLead => "team_lead",
            RuleRole::Contributors => "contributors",
        }
    }

    pub fn parse(s: &str) -> Option<RuleRole> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// What a person reads: "Ana Ruiz (sponsor)".
    pub fn label(self) -> &'static str {
        match self {
            RuleRole::Owner => "owner",
            RuleRole::Sponsor => "sponsor",
            RuleRole::TeamLead => "team lead",
            RuleRole::Contributors => "contributor",
        }
    }
}

/// What a rule does when it fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Tell the people holding `role` on the key result (or the KPI's owner).
    NotifyRole { role: RuleRole },
    /// Tell one named person.
    NotifyPerson { person_id: PersonId },
    /// Post to a registered webhook endpoint (never about an OKR that is not public).
    Webhook { endpoint_id: WebhookId },
}

/// A stored rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AutomationRule {
    pub id: AutomationRuleId,
    pub name: String,
    /// A disabled rule neither fires nor remembers what it missed.
    pub enabled: bool,
    pub trigger: Trigger,
    #[serde(default)]
    pub conditions: Conditions,
    pub action: Action,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

/// A rule as sent by a form or a client, before it is checked: every part optional so that a
/// missing one is refused naming its field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDraft {
    /// What administrators call it (1–200 characters).
    pub name: Option<String>,
    /// On unless given.
    pub enabled: Option<bool>,
    pub trigger: Option<TriggerDraft>,
    pub conditions: Option<ConditionsDraft>,
    pub action: Option<ActionDraft>,
}

/// A trigger before it is checked.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerDraft {
    /// `status_becomes`, `check_in_overdue` or `kpi_leaves_corridor`.
    pub kind: Option<String>,
    /// For `status_becomes`: `on_track`, `at_risk`, `off_track` or `stale`.
    pub status: Option<String>,
    /// For `check_in_overdue`: days past due (1–90).
    pub days: Option<i64>,
    /// For `kpi_leaves_corridor`: only this KPI (any KPI when left out).
    pub kpi_id: Option<String>,
}

/// Conditions before they are checked.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionsDraft {
    pub cycle_id: Option<String>,
    pub team_id: Option<String>,
    /// `public`, `team` or `private`.
    pub visibility: Option<String>,
}

/// An action before it is checked.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionDraft {
    /// `notify_role`, `notify_person` or `webhook`.
    pub kind: Option<String>,
    /// For `notify_role`: `owner`, `sponsor`, `team_lead` or `contributors`.
    pub role: Option<String>,
    /// For `notify_person`.
    pub person_id: Option<String>,
    /// For `webhook`: a registered endpoint.
    pub endpoint_id: Option<String>,
}

/// A rule's parts once checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleParts {
    pub name: String,
    pub enabled: bool,
    pub trigger: Trigger,
    pub conditions: Conditions,
    pub action: Action,
}

fn plural(n: u32, word: &str) -> String {
    if n == 1 {
        word.into()
    } else {
        format!("{word}s")
    }
}

/// A non-empty id, refused naming `field` when blank.
fn id_text(field: &str, v: &Option<String>) -> Result<Option<String>, FieldError> {
    match v.as_deref().map(str::trim) {
        None => Ok(None),
        Some("") => Err(FieldError::new(field, "must not be empty")),
        Some(s) => Ok(Some(s.to_string())),
    }
}

fn check_trigger(t: &TriggerDraft) -> Result<Trigger, Vec<FieldError>> {
    let bad = |f: &str, m: &str| vec![FieldError::new(format!("trigger.{f}"), m)];
    match t.kind.as_deref() {
        None => Err(bad("kind", "is required")),
        Some("status_becomes") => {
            let Some(s) = t.status.as_deref() else {
                return Err(bad("status", "is required"));
            };
            match Status::parse(s).filter(|s| TRIGGER_STATUSES.contains(s)) {
                Some(status) => Ok(Trigger::StatusBecomes { status }),
                None => Err(bad(
                    "status",
                    "must be one of on_track, at_risk, off_track, stale",
                )),
            }
        }
        Some("check_in_overdue") => match t.days {
            None => Err(bad("days", "is required")),
            Some(d) if d < 1 || d > i64::from(MAX_OVERDUE_DAYS) => Err(bad(
                "days",
                &format!("must be between 1 and {MAX_OVERDUE_DAYS}"),
            )),
            Some(d) => Ok(Trigger::CheckInOverdue {
                days: u32::try_from(d).unwrap_or(1),
            }),
        },
        Some("kpi_leaves_corridor") => id_text("trigger.kpi_id", &t.kpi_id)
            .map(|k| Trigger::KpiLeavesCorridor {
                kpi_id: k.map(KpiId::from_string),
            })
            .map_err(|e| vec![e]),
        Some(_) => Err(bad(
            "kind",
            "must be one of status_becomes, check_in_overdue, kpi_leaves_corridor",
        )),
    }
}

fn check_conditions(c: &ConditionsDraft) -> Result<Conditions, Vec<FieldError>> {
    let mut errors = FieldErrors::default();
    let cycle_id = errors.keep(id_text("conditions.cycle_id", &c.cycle_id));
    let team_id = errors.keep(id_text("conditions.team_id", &c.team_id));
    let visibility = match c.visibility.as_deref() {
        None => Some(None),
        Some(v) => errors.keep(
            serde_json::from_value::<Visibility>(serde_json::json!(v))
                .map(Some)
                .map_err(|_| {
                    FieldError::new(
                        "conditions.visibility",
                        "must be one of public, team, private",
                    )
                }),
        ),
    };
    match (cycle_id, team_id, visibility) {
        (Some(cycle_id), Some(team_id), Some(visibility)) => errors.or(Conditions {
            cycle_id: cycle_id.map(CycleId::from_string),
            team_id: team_id.map(TeamId::from_string),
            visibility,
        }),
        _ => Err(errors.0),
    }
}

fn check_action(a: &ActionDraft) -> Result<Action, Vec<FieldError>> {
    let bad = |f: &str, m: &str| vec![FieldError::new(format!("action.{f}"), m)];
    let named = |f: &str, v: &Option<String>| match id_text(&format!("action.{f}"), v) {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(bad(f, "is required")),
        Err(e) => Err(vec![e]),
    };
    match a.kind.as_deref() {
        None => Err(bad("kind", "is required")),
        Some("notify_role") => match a.role.as_deref() {
            None => Err(bad("role", "is required")),
            Some(r) => RuleRole::parse(r)
                .map(|role| Action::NotifyRole { role })
                .ok_or_else(|| {
                    bad(
                        "role",
                        "must be one of owner, sponsor, team_lead, contributors",
                    )
                }),
        },
        Some("notify_person") => named("person_id", &a.person_id).map(|p| Action::NotifyPerson {
            person_id: PersonId::from_string(p),
        }),
        Some("webhook") => named("endpoint_id", &a.endpoint_id).map(|e| Action::Webhook {
            endpoint_id: WebhookId::from_string(e),
        }),
        Some(_) => Err(bad(
            "kind",
            "must be one of notify_role, notify_person, webhook",
        )),
    }
}

/// How the parts fit together: a KPI has an owner only and no conditions.
fn check_fit(trigger: &Trigger, conditions: &Conditions, action: &Action) -> Vec<FieldError> {
    let mut errors = vec![];
    if !trigger.is_about_key_results() {
        if !conditions.is_empty() {
            errors.push(FieldError::new(
                "conditions",
                "a KPI rule takes no conditions (they are about key results)",
            ));
        }
        if matches!(action, Action::NotifyRole { role } if *role != RuleRole::Owner) {
            errors.push(FieldError::new(
                "action.role",
                "a KPI has an owner only: notify its owner, a named person or a webhook",
            ));
        }
    }
    errors
}

/// The value of a checked part; its refusals are kept.
fn part<T>(errors: &mut FieldErrors, r: Result<T, Vec<FieldError>>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.0.extend(e);
            None
        }
    }
}

impl RuleDraft {
    /// The rule's parts, or every refusal at once, each naming its field (`name`,
    /// `trigger.kind`, `trigger.days`, `conditions.visibility`, `action.role` …). `base` gives
    /// the parts left out (a change to a stored rule).
    pub fn checked(&self, base: Option<&RuleParts>) -> Result<RuleParts, Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        let name = match (&self.name, base) {
            (Some(n), _) => errors.keep(text::required("name", n, 200)),
            (None, Some(b)) => Some(b.name.clone()),
            (None, None) => errors.keep(Err(FieldError::new("name", "is required"))),
        };
        let trigger = match (&self.trigger, base) {
            (Some(t), _) => part(&mut errors, check_trigger(t)),
            (None, Some(b)) => Some(b.trigger.clone()),
            (None, None) => part(
                &mut errors,
                Err(vec![FieldError::new("trigger", "is required")]),
            ),
        };
        let conditions = match (&self.conditions, base) {
            (Some(c), _) => part(&mut errors, check_conditions(c)),
            (None, Some(b)) => Some(b.conditions.clone()),
            (None, None) => Some(Conditions::default()),
        };
        let action = match (&self.action, base) {
            (Some(a), _) => part(&mut errors, check_action(a)),
            (None, Some(b)) => Some(b.action.clone()),
            (None, None) => part(
                &mut errors,
                Err(vec![FieldError::new("action", "is required")]),
            ),
        };
        let enabled = self.enabled.or(base.map(|b| b.enabled)).unwrap_or(true);
        let (Some(name), Some(trigger), Some(conditions), Some(action)) =
            (name, trigger, conditions, action)
        else {
            return Err(errors.0);
        };
        errors.0.extend(check_fit(&trigger, &conditions, &action));
        errors.or(RuleParts {
            name,
            enabled,
            trigger,
            conditions,
            action,
        })
    }
}

impl AutomationRule {
    /// Its parts (the base of a change).
    pub fn parts(&self) -> RuleParts {
        RuleParts {
            name: self.name.clone(),
            enabled: self.enabled,
            trigger: self.trigger.clone(),
            conditions: self.conditions.clone(),
            action: self.action.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(v: serde_json::Value) -> RuleDraft {
        serde_json::from_value(v).unwrap()
    }

    fn fields(r: Result<RuleParts, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_whole_rule_is_accepted() {
        let p = draft(serde_json::json!({
            "name": " Off track → sponsor ",
            "trigger": {"kind": "status_becomes", "status": "off_track"},
            "conditions": {"visibility": "public"},
            "action": {"kind": "notify_role", "role": "sponsor"}
        }))
        .checked(None)
        .unwrap();
        assert_eq!(p.name, "Off track → sponsor");
        assert!(p.enabled);
        assert_eq!(
            p.trigger,
            Trigger::StatusBecomes {
                status: Status::OffTrack
            }
        );
        assert_eq!(p.conditions.visibility, Some(Visibility::Public));
    }

    #[test]
    fn each_refusal_names_its_field() {
        assert_eq!(
            fields(draft(serde_json::json!({})).checked(None)),
            ["name", "trigger", "action"]
        );
        assert_eq!(
            fields(
                draft(serde_json::json!({
                    "name": "x",
                    "trigger": {"kind": "check_in_overdue", "days": 0},
                    "conditions": {"visibility": "secret"},
                    "action": {"kind": "notify_role", "role": "boss"}
                }))
                .checked(None)
            ),
            ["trigger.days", "conditions.visibility", "action.role"]
        );
        assert_eq!(
            fields(
                draft(serde_json::json!({
                    "name": "x",
                    "trigger": {"kind": "status_becomes", "status": "closed"},
                    "action": {"kind": "webhook"}
                }))
                .checked(None)
            ),
            ["trigger.status", "action.endpoint_id"]
        );
    }

    #[test]
    fn a_kpi_rule_has_no_conditions_and_no_okr_roles() {
        assert_eq!(
            fields(
                draft(serde_json::json!({
                    "name": "x",
                    "trigger": {"kind": "kpi_leaves_corridor"},
                    "conditions": {"team_id": "t"},
                    "action": {"kind": "notify_role", "role": "sponsor"}
                }))
                .checked(None)
            ),
            ["conditions", "action.role"]
        );
    }

    #[test]
    fn a_change_keeps_what_it_leaves_out() {
        let base = draft(serde_json::json!({
            "name": "x",
            "trigger": {"kind": "check_in_overdue", "days": 7},
            "action": {"kind": "notify_role", "role": "team_lead"}
        }))
        .checked(None)
        .unwrap();
        let p = draft(serde_json::json!({"enabled": false}))
            .checked(Some(&base))
            .unwrap();
        assert!(!p.enabled);
        assert_eq!(p.trigger, Trigger::CheckInOverdue { days: 7 });
    }
}
