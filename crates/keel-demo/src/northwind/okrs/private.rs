//! "Visibility": private objectives at the company and department levels (the personal one is
//! Lucas's, in engineering.rs), so that every level of the goal tree holds something most people
//! may not see, and the browser crawl can prove no page shows it to them. Created last, after
//! every other objective, so the rest of the demo's history is unchanged.

use crate::northwind::builder::In::*;
use crate::northwind::builder::{num, obj, pace, Kr, Obj, Org};
use keel_domain::MetricKind::*;
use keel_domain::*;

/// The CFO's private company objective (the board and the CEO know; the company does not yet),
/// and the CTO's private plan for his department.
pub(super) fn add(org: &mut Org, year: &ObjectiveId, platform: &ObjectiveId) {
    let raise = org.objective(Obj {
        visibility: Visibility::Private,
        sponsor: Some("ceo"),
        parents: vec![ParentRef::Objective(year.clone())],
        ..obj(
            Current,
            "cfo",
            &["company"],
            "Prepare the Series B raise",
            "Private until the board decides: the leadership team hears about it first.",
        )
    });
    org.key_result(
        &raise,
        Kr {
            step: 1.0,
            trend: pace(1.0),
            ..num(
                "cfo",
                Increase,
                0.0,
                6.0,
                "meetings",
                "Hold 6 partner meetings with lead investors",
            )
        },
    );
    let reshape = org.objective(Obj {
        visibility: Visibility::Private,
        parents: vec![ParentRef::Objective(platform.clone())],
        ..obj(
            Current,
            "cto",
            &["engineering"],
            "Reshape engineering into product-aligned groups",
            "Private while the leads are consulted one by one.",
        )
    });
    org.key_result(
        &reshape,
        Kr {
            step: 1.0,
            trend: pace(1.0),
            ..num(
                "cto",
                Increase,
                0.0,
                5.0,
                "leads",
                "Hear each of the 5 engineering leads one to one",
            )
        },
    );
}
