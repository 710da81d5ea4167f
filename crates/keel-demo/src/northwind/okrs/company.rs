//! The current quarter's company objectives, where the ownership pitfalls show at the top: five
//! owners on one objective, a CTO owning what he is too far from, an owner not yet accepted.

use crate::northwind::builder::In::*;
use crate::northwind::builder::{flag, miles, num, obj, pace, Kr, Obj, Org};
use keel_domain::MetricKind::*;
use keel_domain::*;

/// "Sponsor and contributors", "The pitfalls": an objective with four key results and five
/// owners; the CTO named owner of the activation key result he is too far from, the people who
/// see the funnel only contributing.
pub(super) fn first_week(org: &mut Org, year: &ObjectiveId) -> (ObjectiveId, KeyResultId) {
    let c1 = org.objective(Obj {
        sponsor: Some("ceo"),
        parents: vec![ParentRef::Objective(year.clone())],
        ..obj(
            Current,
            "cpo",
            &["product", "growth-dept", "cs"],
            "Make new customers successful in their first week",
            "An Objective with four Key Results and five owners: Priya owns the Objective, and each \
             Key Result has its own named owner. They work closely together, but each carries a \
             named scope.",
        )
    });
    let activation = org.key_result(
        &c1,
        Kr {
            description:
                "Named to the CTO because \"it's a product topic, so it's a tech topic\". \
                          The people who watch the activation funnel day to day are Maya (Product \
                          Manager) and Carmen (Growth Lead), who contribute but do not carry the \
                          conversation. The calls to make are onboarding UX and email sequences, \
                          not tech.",
            contributors: &["maya", "carmen"],
            teams: &["activation", "growth"],
            trend: pace(0.4),
            last_note: Some(
                "Still well short of plan. Honestly I'm not close enough to the onboarding funnel \
                 to see why people drop off; Maya and Carmen see it before I do.",
            ),
            ..num(
                "cto",
                Increase,
                32.0,
                55.0,
                "%",
                "Move Day-7 activation rate from 32% to 55%",
            )
        },
    );
    org.key_result(
        &c1,
        Kr {
            trend: pace(0.8),
            ..num(
                "maya",
                Decrease,
                3.0,
                1.0,
                "days",
                "Cut median time to a team's first check-in from 3 days to 1 day",
            )
        },
    );
    org.key_result(
        &c1,
        Kr {
            step: 0.01,
            trend: pace(0.9),
            ..num(
                "fiona",
                StayAbove,
                4.6,
                4.5,
                "/5",
                "Keep onboarding satisfaction above 4.5 out of 5",
            )
        },
    );
    org.key_result(
        &c1,
        Kr {
            trend: pace(1.6),
            ..flag("ethan", "Ship the in-app onboarding checklist")
        },
    );
    (c1, activation)
}

/// Revenue growth that pays for itself, aligned to the year's ARR key result.
pub(super) fn efficient_revenue(org: &mut Org, arr: &KeyResultId) -> (ObjectiveId, KeyResultId) {
    let c2 = org.objective(Obj {
        parents: vec![ParentRef::KeyResult(arr.clone())],
        ..obj(
            Current,
            "ceo",
            &["company"],
            "Grow revenue efficiently",
            "Growth that pays for itself: new revenue without buying it with discounts or spend.",
        )
    });
    let new_arr = org.key_result(
        &c2,
        Kr {
            trend: pace(0.85),
            ..num(
                "vpsales",
                Increase,
                0.0,
                900.0,
                "£k",
                "Add £900k new annual recurring revenue",
            )
        },
    );
    org.key_result(
        &c2,
        Kr {
            trend: pace(0.8),
            ..num(
                "cfo",
                StayBelow,
                12.5,
                14.0,
                "months",
                "Keep CAC payback below 14 months",
            )
        },
    );
    org.key_result(
        &c2,
        Kr {
            trend: pace(2.0),
            ..flag("victor", "Launch annual pricing plans")
        },
    );
    (c2, new_arr)
}

/// The platform objective: the CTO again, owner of a company objective on top of the activation
/// key result (overload), and a key result whose owner has not accepted.
pub(super) fn platform(org: &mut Org, year: &ObjectiveId) -> super::PlatformAnchors {
    let c3 = org.objective(Obj {
        parents: vec![ParentRef::Objective(year.clone())],
        ..obj(
            Current,
            "cto",
            &["engineering"],
            "Run a platform customers never have to think about",
            "",
        )
    });
    org.key_result(
        &c3,
        Kr {
            step: 0.01,
            trend: pace(0.9),
            ..num(
                "mei",
                StayAbove,
                99.97,
                99.9,
                "%",
                "Keep monthly uptime above 99.9%",
            )
        },
    );
    let latency = org.key_result(
        &c3,
        Kr {
            trend: pace(0.7),
            ..num(
                "lucas",
                Decrease,
                900.0,
                400.0,
                "ms",
                "Reduce p95 API latency from 900 ms to 400 ms",
            )
        },
    );
    let soc2 = org.key_result(
        &c3,
        Kr {
            trend: pace(0.6),
            ..miles(
                "cto",
                "Pass the SOC 2 Type II audit",
                &[
                    "Auditor engaged",
                    "Control gaps closed",
                    "Evidence window complete",
                    "Fieldwork done",
                    "Report issued",
                ],
            )
        },
    );
    // Forced ownership on a key result: named by the CTO, not yet accepted.
    org.key_result(
        &c3,
        Kr {
            description: "Proposed by Daniel with Leo named as owner; Leo has not accepted yet.",
            ownership: OwnershipState::Pending,
            trend: None,
            ..num(
                "leo",
                Decrease,
                120.0,
                100.0,
                "£k/month",
                "Reduce cloud spend from £120k to £100k a month",
            )
        },
    );
    super::PlatformAnchors {
        objective: c3,
        latency,
        soc2,
    }
}

/// The people objective the engineering and OKR-habit objectives align to.
pub(super) fn best_work(org: &mut Org, year: &ObjectiveId) -> ObjectiveId {
    let c4 = org.objective(Obj {
        parents: vec![ParentRef::Objective(year.clone())],
        ..obj(
            Current,
            "hrhead",
            &["people"],
            "Build a place where people do their best work",
            "",
        )
    });
    org.key_result(
        &c4,
        Kr {
            step: 1.0,
            trend: pace(0.8),
            ..num(
                "olivia",
                Increase,
                18.0,
                30.0,
                "eNPS",
                "Raise employee NPS from 18 to 30",
            )
        },
    );
    org.key_result(
        &c4,
        Kr {
            step: 1.0,
            trend: pace(0.9),
            ..num(
                "kate",
                Increase,
                0.0,
                8.0,
                "hires",
                "Hire 8 people into open roles",
            )
        },
    );
    c4
}
