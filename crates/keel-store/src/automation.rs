//! Automation rules: the rules administrators keep (audited), and what each rule already fired
//! for.
//!
//! Why the firing is recorded here, with its actions ([`AutomationRules::record_rule_firings`]):
//! the row naming a rule and its occurrence is inserted first, and only when it is new are the
//! rule's notifications and webhook delivery written, in the same transaction. Two servers
//! running the round at once, or one running it every hour, therefore tell people once: on
//! PostgreSQL the second insert waits for the first transaction and then finds the row; SQLite
//! writes one transaction at a time. A webhook delivery about an objective that is not public
//! is never written (the webhooks' own rule, `webhooks::emit_to`).
//!
//! The round also reads here what happened lately (status changes, KPI readings) in one query
//! each, whatever the number of rules.

use crate::db::{args, Arg, Row};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use keel_domain::automation::{Action, AutomationRule, Conditions, Trigger};
use keel_domain::kpi::KpiValue;
use keel_domain::notification::Notification;
use keel_domain::rhythm::Status;
use serde_json::{json, Map, Value};

/// The `automation_rules` table.
pub(crate) const AUTOMATION_RULE: Table = Table {
    name: "automation_rules",
    columns: &[
        "id",
        "name",
        "enabled",
        "trigger_json",
        "conditions_json",
        "action_json",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &[],
};

/// The `automation_rule_firings` table.
pub(crate) const AUTOMATION_RULE_FIRING: Table = Table {
    name: "automation_rule_firings",
    columns: &["rule_id", "occurrence", "fired_at"],
    not_selected: &[],
    later: &[],
};

const RULE_COLS: Select = Select(&AUTOMATION_RULE);

/// One occurrence a rule fires for, with what it does: written only if the rule has not fired
/// for `occurrence` before.
#[derive(Debug, Clone)]
pub struct RuleFiring {
    pub rule_id: AutomationRuleId,
    /// What happened, as a key unique for the rule (`status:<key result>:<when>` …).
    pub occurrence: String,
    pub notifications: Vec<Notification>,
    pub webhook: Option<RuleWebhook>,
}

/// A webhook delivery a rule sends.
#[derive(Debug, Clone)]
pub struct RuleWebhook {
    pub endpoint_id: WebhookId,
    /// The key result it is about (its objective must be public, or nothing is sent).
    pub key_result_id: Option<KeyResultId>,
    /// The event's data (the key result and objective are added with their titles).
    pub data: Map<String, Value>,
}

/// One status change the evaluator recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub key_result_id: KeyResultId,
    pub changed_at: Timestamp,
    pub before: Status,
    pub after: Status,
}

fn rule_row(r: &AutomationRule) -> Vec<Arg> {
    args![
        r.id.as_str(),
        r.name.as_str(),
        r.enabled,
        json(&r.trigger),
        json(&r.conditions),
        json(&r.action),
        ts(&r.created_at),
        ts(&r.updated_at),
        r.version,
    ]
}

fn rule_from(r: &Row) -> StoreResult<AutomationRule> {
    Ok(AutomationRule {
        id: AutomationRuleId::from_string(r.text("id")?),
        name: r.text("name")?,
        enabled: r.int("enabled")? != 0,
        trigger: from_json::<Trigger>("trigger_json", &r.text("trigger_json")?)?,
        conditions: from_json::<Conditions>("conditions_json", &r.text("conditions_json")?)?,
        action: from_json::<Action>("action_json", &r.text("action_json")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

/// What the audit log keeps of a rule: all of it.
fn audited(r: &AutomationRule) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "enabled": r.enabled,
        "trigger": r.trigger,
        "conditions": r.conditions,
        "action": r.action,
    })
}

fn audit_rec<'a>(
    verb: &'static str,
    id: &'a str,
    before: Option<Value>,
    after: Option<Value>,
) -> AuditRec<'a> {
    AuditRec {
        kind: "automation_rule",
        verb,
        object_id: id,
        objective_id: None,
        key_result_id: None,
        before,
        after,
    }
}

/// Automation rules and their firings.
#[async_trait]
pub trait AutomationRules: Send + Sync {
    /// Stores a new rule, audited.
    async fn insert_automation_rule(&self, ctx: &WriteCtx, r: &AutomationRule) -> StoreResult<()>;
    /// The rule with this id.
    async fn automation_rule(&self, id: &AutomationRuleId) -> StoreResult<Option<AutomationRule>>;
    /// The rules, oldest first.
    async fn list_automation_rules(&self, page: &PageRequest) -> StoreResult<Page<AutomationRule>>;
    /// Replaces `before` with `after` (name, enabled, trigger, conditions, action) if
    /// `before.version` is still stored, audited: `StaleVersion` otherwise, `NotFound` when gone.
    async fn update_automation_rule(
        &self,
        ctx: &WriteCtx,
        before: &AutomationRule,
        after: &AutomationRule,
    ) -> StoreResult<AutomationRule>;
    /// Removes a rule with its memory of firings, audited. `NotFound` when unknown.
    async fn delete_automation_rule(
        &self,
        ctx: &WriteCtx,
        id: &AutomationRuleId,
    ) -> StoreResult<()>;
    /// Records each firing not recorded before (by rule and occurrence) with its notifications
    /// and webhook delivery, all in one transaction; a firing already recorded writes nothing.
    /// Returns how many were new.
    async fn record_rule_firings(
        &self,
        at: Timestamp,
        firings: Vec<RuleFiring>,
    ) -> StoreResult<usize>;
    /// The occurrences a rule fired for, with when, oldest first.
    async fn rule_firings(&self, id: &AutomationRuleId) -> StoreResult<Vec<(String, Timestamp)>>;
    /// The status changes the evaluator recorded at or after `since`, oldest first.
    async fn status_changes_since(&self, since: Timestamp) -> StoreResult<Vec<StatusChange>>;
    /// Every KPI reading at or after `since`, and each KPI's last reading before it (to tell
    /// whether the first one left the corridor), by KPI then oldest first.
    async fn kpi_readings_since(&self, since: Timestamp) -> StoreResult<Vec<KpiValue>>;
}

/// The AutomationRules area through the shared handle.
#[async_trait]
impl AutomationRules for dyn Store {
    async fn insert_automation_rule(&self, ctx: &WriteCtx, r: &AutomationRule) -> StoreResult<()> {
        self.as_automation().insert_automation_rule(ctx, r).await
    }
    async fn automation_rule(&self, id: &AutomationRuleId) -> StoreResult<Option<AutomationRule>> {
        self.as_automation().automation_rule(id).await
    }
    async fn list_automation_rules(&self, page: &PageRequest) -> StoreResult<Page<AutomationRule>> {
        self.as_automation().list_automation_rules(page).await
    }
    async fn update_automation_rule(
        &self,
        ctx: &WriteCtx,
        before: &AutomationRule,
        after: &AutomationRule,
    ) -> StoreResult<AutomationRule> {
        self.as_automation()
            .update_automation_rule(ctx, before, after)
            .await
    }
    async fn delete_automation_rule(
        &self,
        ctx: &WriteCtx,
        id: &AutomationRuleId,
    ) -> StoreResult<()> {
        self.as_automation().delete_automation_rule(ctx, id).await
    }
    async fn record_rule_firings(
        &self,
        at: Timestamp,
        firings: Vec<RuleFiring>,
    ) -> StoreResult<usize> {
        self.as_automation().record_rule_firings(at, firings).await
    }
    async fn rule_firings(&self, id: &AutomationRuleId) -> StoreResult<Vec<(String, Timestamp)>> {
        self.as_automation().rule_firings(id).await
    }
    async fn status_changes_since(&self, since: Timestamp) -> StoreResult<Vec<StatusChange>> {
        self.as_automation().status_changes_since(since).await
    }
    async fn kpi_readings_since(&self, since: Timestamp) -> StoreResult<Vec<KpiValue>> {
        self.as_automation().kpi_readings_since(since).await
    }
}

#[async_trait]
impl AutomationRules for SqlStore {
    async fn insert_automation_rule(&self, ctx: &WriteCtx, r: &AutomationRule) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "automation_rules",
            AUTOMATION_RULE.columns,
            vec![rule_row(r)],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            audit_rec("create", r.id.as_str(), None, Some(audited(r))),
        )
        .await?;
        tx.commit().await
    }

    async fn automation_rule(&self, id: &AutomationRuleId) -> StoreResult<Option<AutomationRule>> {
        let sql = format!("SELECT {RULE_COLS} FROM automation_rules WHERE id = $1");
        self.db
            .fetch_optional(&sql, args![id.as_str()])
            .await?
            .as_ref()
            .map(rule_from)
            .transpose()
    }

    async fn list_automation_rules(&self, page: &PageRequest) -> StoreResult<Page<AutomationRule>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        if let Some(after) = id_cursor(page)? {
            let a = w.arg(after);
            w.add(format!("id > {a}"));
        }
        let sql = format!(
            "SELECT {RULE_COLS} FROM automation_rules {} ORDER BY id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(rule_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |r| format!("i:{}", r.id)))
    }

    async fn update_automation_rule(
        &self,
        ctx: &WriteCtx,
        before: &AutomationRule,
        after: &AutomationRule,
    ) -> StoreResult<AutomationRule> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE automation_rules SET name = $1, enabled = $2, trigger_json = $3, \
                 conditions_json = $4, action_json = $5, updated_at = $6, \
                 version = version + 1 WHERE id = $7 AND version = $8",
                args![
                    after.name.as_str(),
                    after.enabled,
                    json(&after.trigger),
                    json(&after.conditions),
                    json(&after.action),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                ],
            )
            .await?;
        if n == 0 {
            return Err(
                stale_or_missing(&mut tx, "automation_rules", before.id.as_str(), "").await,
            );
        }
        let sql = format!("SELECT {RULE_COLS} FROM automation_rules WHERE id = $1");
        let stored = tx
            .fetch_optional(&sql, args![before.id.as_str()])
            .await?
            .as_ref()
            .map(rule_from)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            audit_rec(
                "update",
                before.id.as_str(),
                Some(audited(before)),
                Some(audited(&stored)),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn delete_automation_rule(
        &self,
        ctx: &WriteCtx,
        id: &AutomationRuleId,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let sql = format!("SELECT {RULE_COLS} FROM automation_rules WHERE id = $1");
        let before = tx
            .fetch_optional(&sql, args![id.as_str()])
            .await?
            .as_ref()
            .map(rule_from)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        tx.execute(
            "DELETE FROM automation_rule_firings WHERE rule_id = $1",
            args![id.as_str()],
        )
        .await?;
        tx.execute(
            "DELETE FROM automation_rules WHERE id = $1",
            args![id.as_str()],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            audit_rec("delete", id.as_str(), Some(audited(&before)), None),
        )
        .await?;
        tx.commit().await
    }

    async fn record_rule_firings(
        &self,
        at: Timestamp,
        firings: Vec<RuleFiring>,
    ) -> StoreResult<usize> {
        if firings.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let mut told = vec![];
        let mut hooks = vec![];
        let mut fired = 0;
        for f in firings {
            // A rule deleted meanwhile fires for nothing (and its firing is not remembered).
            let n = tx
                .execute(
                    "INSERT INTO automation_rule_firings (rule_id, occurrence, fired_at) \
                     SELECT id, $2, $3 FROM automation_rules WHERE id = $1 \
                     ON CONFLICT (rule_id, occurrence) DO NOTHING",
                    args![f.rule_id.as_str(), f.occurrence.as_str(), ts(&at)],
                )
                .await?;
            if n == 0 {
                continue;
            }
            fired += 1;
            told.extend(f.notifications);
            hooks.extend(f.webhook);
        }
        crate::jobs::notify(&mut tx, &WriteCtx::system(Source::Job), told).await?;
        for h in hooks {
            let mut e = crate::webhooks::Emitted::new(
                keel_domain::webhook::WebhookEvent::AutomationRuleFired,
            );
            e.key_result_id = h.key_result_id.map(|k| k.to_string());
            e.data = h.data;
            crate::webhooks::emit_to(&mut tx, h.endpoint_id.as_str(), e).await?;
        }
        tx.commit().await?;
        Ok(fired)
    }

    async fn rule_firings(&self, id: &AutomationRuleId) -> StoreResult<Vec<(String, Timestamp)>> {
        self.db
            .fetch_all(
                "SELECT occurrence, fired_at FROM automation_rule_firings WHERE rule_id = $1 \
                 ORDER BY fired_at, occurrence",
                args![id.as_str()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.text("occurrence")?,
                    to_ts("fired_at", r.int("fired_at")?)?,
                ))
            })
            .collect()
    }

    async fn status_changes_since(&self, since: Timestamp) -> StoreResult<Vec<StatusChange>> {
        self.db
            .fetch_all(
                "SELECT key_result_id, changed_at, status_before, status_after \
                 FROM key_result_status_changes WHERE changed_at >= $1 \
                 ORDER BY changed_at, key_result_id",
                args![ts(&since)],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(StatusChange {
                    key_result_id: KeyResultId::from_string(r.text("key_result_id")?),
                    changed_at: to_ts("changed_at", r.int("changed_at")?)?,
                    before: Stored::from_stored("status_before", &r.text("status_before")?)?,
                    after: Stored::from_stored("status_after", &r.text("status_after")?)?,
                })
            })
            .collect()
    }

    async fn kpi_readings_since(&self, since: Timestamp) -> StoreResult<Vec<KpiValue>> {
        let sql = format!(
            "SELECT {} FROM kpi_values v WHERE v.at >= $1 OR v.id = \
             (SELECT p.id FROM kpi_values p WHERE p.kpi_id = v.kpi_id AND p.at < $1 \
              ORDER BY p.at DESC, p.id DESC LIMIT 1) \
             ORDER BY v.kpi_id, v.at, v.id",
            crate::data_feeds::VALUE_COLS
        );
        self.db
            .fetch_all(&sql, args![ts(&since)])
            .await?
            .iter()
            .map(crate::data_feeds::value_from)
            .collect()
    }
}
