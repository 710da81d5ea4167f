//! Automation rules: kept and audited with optimistic versions, read a page at a time; a firing
//! is recorded once per rule and occurrence with its notifications (a second record of the same
//! occurrence writes nothing, as a second server's would); the round's reads of recent KPI
//! readings include each KPI's reading just before the window.

use crate::*;
use keel_domain::automation::{Action, AutomationRule, Conditions, RuleRole, Trigger};
use keel_domain::kpi::{Corridor, Kpi, KpiValue};
use keel_domain::notification::{Notification, NotificationKind};
use keel_domain::rhythm::Status;

conformance!(
    rules_are_kept_audited_and_paged,
    a_rule_fires_once_per_occurrence,
    recent_kpi_readings_include_the_one_before,
);

fn rule(name: &str) -> AutomationRule {
    let t = now();
    AutomationRule {
        id: AutomationRuleId::generate(),
        name: name.into(),
        enabled: true,
        trigger: Trigger::StatusBecomes {
            status: Status::OffTrack,
        },
        conditions: Conditions::default(),
        action: Action::NotifyRole {
            role: RuleRole::Sponsor,
        },
        created_at: t,
        updated_at: t,
        version: 1,
    }
}

async fn rules_are_kept_audited_and_paged(s: DynStore, _url: String) {
    let a = rule("a");
    let b = AutomationRule {
        trigger: Trigger::CheckInOverdue { days: 7 },
        action: Action::NotifyRole {
            role: RuleRole::TeamLead,
        },
        ..rule("b")
    };
    s.insert_automation_rule(&ctx(), &a).await.unwrap();
    s.insert_automation_rule(&ctx(), &b).await.unwrap();
    assert_eq!(s.automation_rule(&b.id).await.unwrap().unwrap(), b);
    // A page at a time, by id.
    let first = s.list_automation_rules(&page(1, None)).await.unwrap();
    let second = s
        .list_automation_rules(&page(1, first.next_cursor))
        .await
        .unwrap();
    assert!(second.next_cursor.is_none());
    let mut want = vec![a.clone(), b.clone()];
    want.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!([first.items, second.items].concat(), want);

    let off = AutomationRule {
        enabled: false,
        ..a.clone()
    };
    let stored = s.update_automation_rule(&ctx(), &a, &off).await.unwrap();
    assert!(!stored.enabled);
    assert_eq!(stored.version, 2);
    assert!(matches!(
        s.update_automation_rule(&ctx(), &a, &off).await,
        Err(StoreError::StaleVersion)
    ));
    s.delete_automation_rule(&ctx(), &a.id).await.unwrap();
    assert!(s.automation_rule(&a.id).await.unwrap().is_none());
    assert!(matches!(
        s.delete_automation_rule(&ctx(), &a.id).await,
        Err(StoreError::NotFound)
    ));
    let audited = s
        .list_audit(
            &AuditFilter {
                object_id: Some(a.id.to_string()),
                ..AuditFilter::new(Reader::Everyone)
            },
            &page(50, None),
        )
        .await
        .unwrap();
    let mut actions: Vec<String> = audited.items.iter().map(|e| e.action.clone()).collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            "automation_rule.create",
            "automation_rule.delete",
            "automation_rule.update"
        ]
    );
}

async fn a_rule_fires_once_per_occurrence(s: DynStore, _url: String) {
    let ana = add_person(&s, "ana").await;
    let r = rule("off track");
    s.insert_automation_rule(&ctx(), &r).await.unwrap();
    let firing = |occurrence: &str| RuleFiring {
        rule_id: r.id.clone(),
        occurrence: occurrence.into(),
        notifications: vec![Notification {
            detail: Some(format!("fired for {occurrence}")),
            ..Notification::new(ana.id.clone(), NotificationKind::AutomationRule, "kr")
        }],
        webhook: None,
    };
    let t = now();
    assert_eq!(
        s.record_rule_firings(t, vec![firing("one"), firing("two")])
            .await
            .unwrap(),
        2
    );
    // Again (a second server, the next hour): only the new occurrence is written.
    assert_eq!(
        s.record_rule_firings(t, vec![firing("one"), firing("three")])
            .await
            .unwrap(),
        1
    );
    // A rule deleted meanwhile fires for nothing.
    let gone = RuleFiring {
        rule_id: AutomationRuleId::generate(),
        ..firing("four")
    };
    assert_eq!(s.record_rule_firings(t, vec![gone]).await.unwrap(), 0);
    let fired: Vec<String> = s
        .rule_firings(&r.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(o, _)| o)
        .collect();
    assert_eq!(fired, ["one", "three", "two"]);
    let told = s
        .list_notifications(&ana.id, &Reader::Everyone, &page(50, None))
        .await
        .unwrap()
        .items;
    let mut details: Vec<String> = told.into_iter().filter_map(|n| n.detail).collect();
    details.sort();
    assert_eq!(
        details,
        ["fired for one", "fired for three", "fired for two"]
    );
}

async fn recent_kpi_readings_include_the_one_before(s: DynStore, _url: String) {
    let owner = add_person(&s, "kim").await;
    let t = now();
    let kpi = Kpi {
        id: KpiId::generate(),
        name: "Uptime".into(),
        description: String::new(),
        owner_id: owner.id.clone(),
        unit: "%".into(),
        corridor: Corridor {
            min: Some(99.0),
            max: None,
        },
        created_at: t,
        updated_at: t,
        version: 1,
    };
    s.insert_kpi(&ctx(), &kpi).await.unwrap();
    for (days, value) in [(12, 99.9), (10, 99.5), (3, 98.0), (1, 97.0)] {
        let at = t - Duration::days(days);
        let v = KpiValue {
            id: KpiValueId::generate(),
            kpi_id: kpi.id.clone(),
            value,
            note: String::new(),
            author_id: Some(owner.id.clone()),
            source: None,
            at,
            created_at: at,
        };
        s.record_kpi_value(&ctx(), &v, &[]).await.unwrap();
    }
    let got: Vec<f64> = s
        .kpi_readings_since(t - Duration::days(7))
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.value)
        .collect();
    assert_eq!(got, [99.5, 98.0, 97.0]);
}
