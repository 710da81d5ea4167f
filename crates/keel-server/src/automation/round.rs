//! Running automation rules: what happened in the last week that a rule waits for (a status
//! change the evaluator recorded, a check-in overdue by its days, a KPI reading outside its
//! corridor), which of it matches each rule's conditions, and whom each rule tells.
//!
//! One derivation serves both uses, so the dry run says exactly what the round does:
//! [`run`] (in the evaluator's round) records each occurrence once per rule with its
//! notifications and webhook delivery (`AutomationRules::record_rule_firings`, one
//! transaction); [`dry_run`] lists, in words, what a rule would have done over the last seven
//! days. A rule fires for what happened since it was made (at most a week back), never for
//! older news. A person is told only while active (a rule naming someone deactivated since it
//! was saved tells nobody, and its dry run says so) and only about an OKR they may see; a
//! webhook never receives an OKR that is not public. An overdue check-in happens at the start
//! of its day where the organisation is (`rhythm::start_of_day`), as reminders count days.
//!
//! The round costs a constant number of queries whatever the number of rules: each kind of
//! fact is read once (and only when some rule needs it), then every rule filters it in memory.

use crate::error::ApiResult;
use crate::jobs::evaluator::ActiveBatches;
use crate::services::rhythm::Assessor;
use keel_domain::automation::{Action, AutomationRule, RuleRole, Trigger};
use keel_domain::kpi::{Kpi, KpiValue};
use keel_domain::notification::{Notification, NotificationKind};
use keel_domain::*;
use keel_store::{
    every_page, AutomationRules, DataFeeds, KeyResults, Objectives, People, RuleFiring,
    RuleWebhook, Settings, StatusChange, Store, Teams, Webhooks,
};
use serde_json::{json, Map};
use std::collections::{HashMap, HashSet};

/// How far back the round and the dry run look.
pub fn window() -> chrono::Duration {
    chrono::Duration::days(7)
}

/// What a rule fires about.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Subject {
    KeyResult(KeyResultId),
    Kpi(KpiId),
}

/// One thing that happened that a rule may fire for.
#[derive(Debug, Clone)]
struct Occurrence {
    /// Unique for a rule: the firing's key.
    key: String,
    /// When it happened; for an overdue check-in, the local day it became so (`day_only`).
    at: chrono::DateTime<chrono::Utc>,
    on: chrono::NaiveDate,
    day_only: bool,
    subject: Subject,
    /// What happened, after the subject's quoted title: "turned off track".
    what: String,
}

/// What the round knows of the last week, read once for every rule.
#[derive(Default)]
struct Facts {
    settings: OrgSettings,
    today: chrono::NaiveDate,
    changes: Vec<StatusChange>,
    /// Key results whose check-in is due now, with the day it fell due.
    due: Vec<(KeyResultId, chrono::NaiveDate)>,
    readings: Vec<KpiValue>,
    key_results: HashMap<KeyResultId, KeyResult>,
    objectives: HashMap<ObjectiveId, Objective>,
    kpis: HashMap<KpiId, Kpi>,
    teams: HashMap<TeamId, Team>,
    people: HashMap<PersonId, Person>,
    /// Who may see which objective, among the people a rule would tell.
    seen: HashMap<PersonId, HashSet<ObjectiveId>>,
    /// Webhook endpoints' hosts, for the dry run's words.
    hosts: HashMap<WebhookId, String>,
}

impl Facts {
    /// Reads what `rules` need, from `since` on.
    async fn load(
        store: &dyn Store,
        rules: &[AutomationRule],
        now: chrono::DateTime<chrono::Utc>,
        since: chrono::DateTime<chrono::Utc>,
    ) -> ApiResult<Facts> {
        let settings = store.settings().await?;
        let mut f = Facts {
            today: settings.local_date(now),
            settings,
            ..Facts::default()
        };
        let needs = |p: fn(&Trigger) -> bool| rules.iter().any(|r| p(&r.trigger));
        if needs(|t| matches!(t, Trigger::StatusBecomes { .. })) {
            f.changes = store.status_changes_since(since).await?;
            let ids: Vec<KeyResultId> = f.changes.iter().map(|c| c.key_result_id.clone()).collect();
            f.add_key_results(store, &ids).await?;
        }
        if needs(|t| matches!(t, Trigger::CheckInOverdue { .. })) {
            f.load_due(store).await?;
        }
        if needs(|t| !t.is_about_key_results()) {
            f.readings = store.kpi_readings_since(since).await?;
            let kpis = every_page(|page| async move { store.kpis(&page).await }).await?;
            f.kpis = kpis.into_iter().map(|k| (k.id.clone(), k)).collect();
        }
        Ok(f)
    }

    /// The key results `ids` and their objectives.
    async fn add_key_results(&mut self, store: &dyn Store, ids: &[KeyResultId]) -> ApiResult<()> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        let krs = store.key_results_by_ids(&ids).await?;
        let mut os: Vec<ObjectiveId> = krs.iter().map(|k| k.objective_id.clone()).collect();
        os.sort();
        os.dedup();
        for o in store.objectives_by_ids(&os).await? {
            self.objectives.insert(o.id.clone(), o);
        }
        for k in krs {
            self.key_results.insert(k.id.clone(), k);
        }
        Ok(())
    }

    /// The active key results due for a check-in now, as the evaluator assesses them.
    async fn load_due(&mut self, store: &dyn Store) -> ApiResult<()> {
        let mut batches = ActiveBatches::new();
        while let Some(active) = batches.next(store).await? {
            if active.is_empty() {
                continue;
            }
            let ids: Vec<ObjectiveId> = active.iter().map(|o| o.id.clone()).collect();
            let krs = store.key_results_of(&ids).await?;
            let assessor = Assessor::load(store, &active, &krs).await?;
            let by_id: HashMap<&ObjectiveId, &Objective> =
                active.iter().map(|o| (&o.id, o)).collect();
            for kr in krs {
                let Some(o) = by_id.get(&kr.objective_id) else {
                    continue;
                };
                let a = assessor.key_result(&kr, o);
                if a.due {
                    self.due.push((kr.id.clone(), a.due_on));
                    self.objectives.insert(o.id.clone(), (*o).clone());
                    self.key_results.insert(kr.id.clone(), kr);
                }
            }
        }
        Ok(())
    }

    /// The people, teams and endpoints the rules' actions name, and who may see what.
    async fn load_audience(
        &mut self,
        store: &dyn Store,
        fired: &[(&AutomationRule, Vec<Occurrence>)],
    ) -> ApiResult<()> {
        let mut team_ids: Vec<TeamId> = vec![];
        for kr in self.key_results.values() {
            team_ids.extend(kr.team_ids.iter().cloned());
            if let Some(o) = self.objectives.get(&kr.objective_id) {
                team_ids.extend(o.team_ids.iter().cloned());
            }
        }
        team_ids.sort();
        team_ids.dedup();
        if fired.iter().any(|(r, _)| {
            matches!(
                r.action,
                Action::NotifyRole {
                    role: RuleRole::TeamLead
                }
            )
        }) {
            for t in store.teams_by_ids(&team_ids).await? {
                self.teams.insert(t.id.clone(), t);
            }
        }
        let mut asks: HashMap<PersonId, Vec<ObjectiveId>> = HashMap::new();
        for (rule, occurrences) in fired {
            for o in occurrences {
                for (p, _) in self.recipients(rule, o) {
                    let slot = asks.entry(p).or_default();
                    if let Some(obj) = self.objective_of(&o.subject) {
                        slot.push(obj.id.clone());
                    }
                }
            }
            if let Action::Webhook { endpoint_id } = &rule.action {
                if let Some(e) = store.webhook(endpoint_id).await? {
                    let host = reqwest::Url::parse(&e.url)
                        .ok()
                        .and_then(|u| u.host_str().map(str::to_string))
                        .unwrap_or_else(|| "its address".into());
                    self.hosts.insert(e.id, host);
                }
            }
        }
        let ids: Vec<PersonId> = asks.keys().cloned().collect();
        for p in store.people_by_ids(&ids).await? {
            self.people.insert(p.id.clone(), p);
        }
        let asks: Vec<(&Person, Vec<ObjectiveId>)> = asks
            .into_iter()
            .filter_map(|(p, os)| self.people.get(&p).map(|person| (person, os)))
            .collect();
        self.seen = crate::services::visibility::visible_to_each(store, asks).await?;
        Ok(())
    }

    fn objective_of(&self, s: &Subject) -> Option<&Objective> {
        match s {
            Subject::KeyResult(k) => self
                .key_results
                .get(k)
                .and_then(|kr| self.objectives.get(&kr.objective_id)),
            Subject::Kpi(_) => None,
        }
    }

    /// The subject's title, as people read it.
    fn title(&self, s: &Subject) -> String {
        match s {
            Subject::KeyResult(k) => self.key_results.get(k).map(|k| k.title.clone()),
            Subject::Kpi(k) => self.kpis.get(k).map(|k| k.name.clone()),
        }
        .unwrap_or_default()
    }

    /// Whether the key result matches the rule's conditions (a KPI always does: it has none).
    fn matches(&self, rule: &AutomationRule, s: &Subject) -> bool {
        let Subject::KeyResult(k) = s else {
            return true;
        };
        let Some(kr) = self.key_results.get(k) else {
            return false;
        };
        let Some(o) = self.objectives.get(&kr.objective_id) else {
            return false;
        };
        let c = &rule.conditions;
        c.cycle_id.as_ref().is_none_or(|id| &o.cycle_id == id)
            && c.visibility.is_none_or(|v| o.visibility == v)
            && c.team_id
                .as_ref()
                .is_none_or(|t| kr.team_ids.contains(t) || o.team_ids.contains(t))
    }

    /// What happened that `rule` waits for, matching its conditions, oldest first.
    fn occurrences(&self, rule: &AutomationRule) -> Vec<Occurrence> {
        let mut out = match &rule.trigger {
            Trigger::StatusBecomes { status } => self.status_occurrences(*status),
            Trigger::CheckInOverdue { days } => self.overdue_occurrences(*days),
            Trigger::KpiLeavesCorridor { kpi_id } => self.kpi_occurrences(kpi_id.as_ref()),
        };
        out.retain(|o| self.matches(rule, &o.subject));
        out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.key.cmp(&b.key)));
        out
    }

    fn status_occurrences(&self, status: rhythm::Status) -> Vec<Occurrence> {
        self.changes
            .iter()
            .filter(|c| c.after == status && c.before != status)
            .map(|c| Occurrence {
                key: format!(
                    "status:{}:{}",
                    c.key_result_id,
                    c.changed_at.timestamp_micros()
                ),
                at: c.changed_at,
                on: self.settings.local_date(c.changed_at),
                day_only: false,
                subject: Subject::KeyResult(c.key_result_id.clone()),
                what: format!("turned {}", status.label().to_lowercase()),
            })
            .collect()
    }

    fn overdue_occurrences(&self, days: u32) -> Vec<Occurrence> {
        self.due
            .iter()
            .filter_map(|(k, due_on)| {
                let day = *due_on + chrono::Days::new(u64::from(days));
                (day <= self.today).then(|| Occurrence {
                    key: format!("overdue:{k}:{due_on}"),
                    at: keel_domain::rhythm::start_of_day(&self.settings, day),
                    on: day,
                    day_only: true,
                    subject: Subject::KeyResult(k.clone()),
                    what: format!(
                        "was {days} {} overdue for its check-in",
                        if days == 1 { "day" } else { "days" }
                    ),
                })
            })
            .collect()
    }

    fn kpi_occurrences(&self, only: Option<&KpiId>) -> Vec<Occurrence> {
        let mut out = vec![];
        let mut before: Option<&KpiValue> = None;
        for r in &self.readings {
            let prev = before.filter(|p| p.kpi_id == r.kpi_id);
            before = Some(r);
            let Some(kpi) = self.kpis.get(&r.kpi_id) else {
                continue;
            };
            if only.is_some_and(|k| k != &kpi.id) {
                continue;
            }
            let c = &kpi.corridor;
            let has = c.min.is_some() || c.max.is_some();
            if !has || c.holds(r.value) || prev.is_some_and(|p| !c.holds(p.value)) {
                continue;
            }
            let fmt = |v: f64| format!("{v}");
            let unit = if kpi.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", kpi.unit)
            };
            out.push(Occurrence {
                key: format!("kpi:{}:{}", kpi.id, r.id),
                at: r.at,
                on: self.settings.local_date(r.at),
                day_only: false,
                subject: Subject::Kpi(kpi.id.clone()),
                what: format!(
                    "left its corridor at {}{unit} ({})",
                    fmt(r.value),
                    c.describe(&kpi.unit, fmt)
                ),
            });
        }
        out
    }

    /// The people `rule` tells about `o`, each with the part they hold (none for a named
    /// person): before the visibility check.
    fn recipients(
        &self,
        rule: &AutomationRule,
        o: &Occurrence,
    ) -> Vec<(PersonId, Option<RuleRole>)> {
        let role = match &rule.action {
            Action::NotifyPerson { person_id } => return vec![(person_id.clone(), None)],
            Action::Webhook { .. } => return vec![],
            Action::NotifyRole { role } => *role,
        };
        let mut people: Vec<PersonId> = match &o.subject {
            Subject::Kpi(k) => self
                .kpis
                .get(k)
                .map(|k| k.owner_id.clone())
                .into_iter()
                .collect(),
            Subject::KeyResult(k) => {
                let Some(kr) = self.key_results.get(k) else {
                    return vec![];
                };
                let obj = self.objectives.get(&kr.objective_id);
                match role {
                    RuleRole::Owner => vec![kr.owner_id.clone()],
                    RuleRole::Sponsor => kr
                        .sponsor_id
                        .iter()
                        .chain(obj.and_then(|o| o.sponsor_id.as_ref()))
                        .cloned()
                        .collect(),
                    RuleRole::Contributors => kr.contributor_ids.clone(),
                    RuleRole::TeamLead => {
                        let teams = if kr.team_ids.is_empty() {
                            obj.map(|o| o.team_ids.clone()).unwrap_or_default()
                        } else {
                            kr.team_ids.clone()
                        };
                        teams
                            .iter()
                            .filter_map(|t| self.teams.get(t).and_then(|t| t.lead_id.clone()))
                            .collect()
                    }
                }
            }
        };
        let mut seen = HashSet::new();
        people.retain(|p| seen.insert(p.clone()));
        people.into_iter().map(|p| (p, Some(role))).collect()
    }

    /// Whether `person` is told about `o`: active, and allowed to see its OKR.
    fn may_tell(&self, person: &PersonId, o: &Occurrence) -> bool {
        let Some(p) = self.people.get(person).filter(|p| p.active) else {
            return false;
        };
        match self.objective_of(&o.subject) {
            None => true,
            Some(obj) => self.seen.get(&p.id).is_some_and(|s| s.contains(&obj.id)),
        }
    }

    /// "“NPS” turned off track".
    fn clause(&self, o: &Occurrence) -> String {
        format!("“{}” {}", self.title(&o.subject), o.what)
    }
}

/// The rules that fire in a round, each with what happened since it was made.
fn fired<'r>(
    facts: &Facts,
    rules: &'r [AutomationRule],
    window_start: chrono::DateTime<chrono::Utc>,
    since_made: bool,
) -> Vec<(&'r AutomationRule, Vec<Occurrence>)> {
    rules
        .iter()
        .map(|r| {
            let since = if since_made {
                window_start.max(r.created_at)
            } else {
                window_start
            };
            let since_day = facts.settings.local_date(since);
            let mut os = facts.occurrences(r);
            os.retain(|o| {
                if o.day_only {
                    o.on >= since_day
                } else {
                    o.at >= since
                }
            });
            (r, os)
        })
        .collect()
}

/// What one rule's firing for `o` writes: the notifications and the webhook delivery.
fn firing(facts: &Facts, rule: &AutomationRule, o: &Occurrence) -> RuleFiring {
    let text = format!("{} (automation rule “{}”)", facts.clause(o), rule.name);
    let (objective_id, key_result_id) = match &o.subject {
        Subject::KeyResult(k) => (
            facts.objective_of(&o.subject).map(|o| o.id.clone()),
            Some(k.clone()),
        ),
        Subject::Kpi(_) => (None, None),
    };
    let subject_id = match &o.subject {
        Subject::KeyResult(k) => k.to_string(),
        Subject::Kpi(k) => k.to_string(),
    };
    let notifications = facts
        .recipients(rule, o)
        .into_iter()
        .filter(|(p, _)| facts.may_tell(p, o))
        .map(|(p, _)| Notification {
            objective_id: objective_id.clone(),
            key_result_id: key_result_id.clone(),
            detail: Some(text.clone()),
            ..Notification::new(p, NotificationKind::AutomationRule, &subject_id)
        })
        .collect();
    let webhook = match &rule.action {
        Action::Webhook { endpoint_id } if is_public(facts, o) => {
            let mut data = Map::new();
            data.insert("rule".into(), json!({"id": rule.id, "name": rule.name}));
            data.insert("text".into(), json!(facts.clause(o)));
            data.insert("trigger".into(), json!(rule.trigger));
            if let Subject::Kpi(k) = &o.subject {
                data.insert(
                    "kpi".into(),
                    json!({"id": k, "name": facts.title(&o.subject)}),
                );
            }
            Some(RuleWebhook {
                endpoint_id: endpoint_id.clone(),
                key_result_id,
                data,
            })
        }
        _ => None,
    };
    RuleFiring {
        rule_id: rule.id.clone(),
        occurrence: o.key.clone(),
        notifications,
        webhook,
    }
}

/// Whether `o` may go to a webhook: a KPI, or a key result of a public objective.
fn is_public(facts: &Facts, o: &Occurrence) -> bool {
    match &o.subject {
        Subject::Kpi(_) => true,
        Subject::KeyResult(_) => facts
            .objective_of(&o.subject)
            .is_some_and(|obj| obj.visibility == Visibility::Public),
    }
}

/// Runs every enabled rule at `now`: records each new occurrence with its actions. Returns how
/// many firings were new.
pub async fn run(store: &dyn Store, now: chrono::DateTime<chrono::Utc>) -> ApiResult<usize> {
    let rules: Vec<AutomationRule> =
        every_page(|page| async move { store.list_automation_rules(&page).await })
            .await?
            .into_iter()
            .filter(|r| r.enabled)
            .collect();
    if rules.is_empty() {
        return Ok(0);
    }
    let start = now - window();
    let mut facts = Facts::load(store, &rules, now, start).await?;
    let fired = fired(&facts, &rules, start, true);
    facts.load_audience(store, &fired).await?;
    let firings: Vec<RuleFiring> = fired
        .iter()
        .flat_map(|(r, os)| os.iter().map(|o| firing(&facts, r, o)))
        .collect();
    Ok(store.record_rule_firings(now, firings).await?)
}

/// One thing a rule would have done, in words.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DryRunLine {
    /// The day it happened (the organisation's day).
    pub on: chrono::NaiveDate,
    /// "Would have notified Ana Ruiz (sponsor) that “NPS” turned off track on Tuesday".
    pub text: String,
}

/// "today", "yesterday", "on Tuesday".
fn day_words(on: chrono::NaiveDate, today: chrono::NaiveDate) -> String {
    if on == today {
        "today".into()
    } else if on + chrono::Days::new(1) == today {
        "yesterday".into()
    } else {
        format!("on {}", on.format("%A"))
    }
}

/// The dry run's lines for one occurrence.
fn dry_lines(facts: &Facts, rule: &AutomationRule, o: &Occurrence) -> Vec<String> {
    let tail = format!("that {} {}", facts.clause(o), day_words(o.on, facts.today));
    if let Action::Webhook { endpoint_id } = &rule.action {
        let host = facts
            .hosts
            .get(endpoint_id)
            .cloned()
            .unwrap_or_else(|| "its address".into());
        return vec![if is_public(facts, o) {
            format!("Would have posted to the webhook at {host} {tail}")
        } else {
            format!(
                "Would have posted nothing to the webhook at {host} {}: its objective is not public",
                day_words(o.on, facts.today)
            )
        }];
    }
    let who = facts.recipients(rule, o);
    if who.is_empty() {
        return vec![format!(
            "Would have notified nobody (no one holds that part) {tail}"
        )];
    }
    let day = day_words(o.on, facts.today);
    who.into_iter()
        .map(|(p, role)| {
            let part = role
                .map(|r| format!(" ({})", r.label()))
                .unwrap_or_default();
            match facts.people.get(&p) {
                None => format!(
                    "Would have notified nobody {day}: the person it names is no longer in Keel"
                ),
                Some(person) if !person.active => format!(
                    "Would not have notified {}{part} {day}: they are deactivated",
                    person.name
                ),
                Some(person) if facts.may_tell(&p, o) => {
                    format!("Would have notified {}{part} {tail}", person.name)
                }
                Some(person) => format!(
                    "Would not have notified {}{part} {day}: they may not see that OKR",
                    person.name
                ),
            }
        })
        .collect()
}

/// What `rule` (stored or not, enabled or not) would have done over the last seven days,
/// oldest first, in words.
pub async fn dry_run(
    store: &dyn Store,
    rule: &AutomationRule,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Vec<DryRunLine>> {
    let start = now - window();
    let rules = std::slice::from_ref(rule);
    let mut facts = Facts::load(store, rules, now, start).await?;
    let fired = fired(&facts, rules, start, false);
    facts.load_audience(store, &fired).await?;
    Ok(fired
        .iter()
        .flat_map(|(r, os)| {
            os.iter().flat_map(|o| {
                dry_lines(&facts, r, o)
                    .into_iter()
                    .map(|text| DryRunLine { on: o.on, text })
            })
        })
        .collect())
}
