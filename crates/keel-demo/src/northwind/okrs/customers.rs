//! Customer Success's objective, aligned to the year's churn key result.

use crate::northwind::builder::In::*;
use crate::northwind::builder::{miles, num, obj, pace, Kr, Obj, Org};
use keel_domain::MetricKind::*;
use keel_domain::*;

/// Customer Success: churn, first response, and a key result never checked in.
pub(super) fn keep_every_customer(org: &mut Org, year_churn: &KeyResultId) -> KeyResultId {
    let cs = org.objective(Obj {
        parents: vec![ParentRef::KeyResult(year_churn.clone())],
        ..obj(Current, "vpcs", &["cs"], "Keep every customer we win", "")
    });
    let churn = org.key_result(
        &cs,
        Kr {
            trend: pace(0.6),
            ..num(
                "rosa",
                Decrease,
                2.4,
                1.5,
                "%/month",
                "Reduce logo churn from 2.4% to 1.5% a month",
            )
        },
    );
    org.key_result(
        &cs,
        Kr {
            trend: pace(0.9),
            ..num(
                "george",
                StayBelow,
                1.6,
                2.0,
                "hours",
                "Keep first response time below 2 hours",
            )
        },
    );
    // Never checked in.
    org.key_result(
        &cs,
        Kr {
            trend: None,
            ..miles(
                "ivan",
                "Roll out customer health scores",
                &[
                    "Signals defined",
                    "Dashboard built",
                    "CSMs trained",
                    "Weekly review running",
                ],
            )
        },
    );
    churn
}
