//! People and Finance: the OKR coach's check-in habit and Finance's team-visible close.

use crate::northwind::builder::In::*;
use crate::northwind::builder::{miles, num, obj, pace, Kr, Obj, Org};
use keel_domain::MetricKind::*;
use keel_domain::*;

/// Finance's team-visible objective, with a forecast key result off track.
pub(super) fn faster_close(org: &mut Org, revenue: &ObjectiveId) {
    let finance = org.objective(Obj {
        visibility: Visibility::Team,
        parents: vec![ParentRef::Objective(revenue.clone())],
        ..obj(Current, "cfo", &["finance"], "Close the books faster", "")
    });
    org.key_result(
        &finance,
        Kr {
            step: 1.0,
            trend: pace(0.8),
            ..num(
                "mark",
                Decrease,
                12.0,
                5.0,
                "working days",
                "Cut month-end close from 12 to 5 working days",
            )
        },
    );
    org.key_result(
        &finance,
        Kr {
            trend: pace(0.3),
            last_note: Some(
                "Off track: the new pricing made the revenue forecast miss by 9%. Rebuilding the \
                 model with sales this week.",
            ),
            ..num(
                "dana",
                StayBelow,
                6.0,
                5.0,
                "%",
                "Keep forecast error below 5%",
            )
        },
    );
}

/// "The weekly rhythm": the OKR coach's objective.
pub(super) fn check_in_habit(org: &mut Org, best_work: &ObjectiveId) {
    let habit = org.objective(Obj {
        sponsor: Some("hrhead"),
        parents: vec![ParentRef::Objective(best_work.clone())],
        ..obj(
            Current,
            "lena",
            &["people"],
            "Make weekly OKR check-ins a habit",
            "",
        )
    });
    org.key_result(
        &habit,
        Kr {
            trend: pace(0.8),
            ..num(
                "lena",
                Increase,
                45.0,
                85.0,
                "%",
                "Raise the weekly check-in rate from 45% to 85%",
            )
        },
    );
    org.key_result(
        &habit,
        Kr {
            trend: pace(0.9),
            ..miles(
                "olivia",
                "Train every manager in OKR ownership",
                &[
                    "Engineering",
                    "Product",
                    "Growth & Marketing",
                    "Sales",
                    "Customer Success",
                    "People & Finance",
                ],
            )
        },
    );
}
