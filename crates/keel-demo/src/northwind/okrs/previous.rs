//! The previous quarter, closed: four objectives whose scores span every band, one carried over
//! ("Scoring and retrospective").

use crate::northwind::builder::In::*;
use crate::northwind::builder::{flag, miles, num, obj, pace, Kr, Obj, Org};
use keel_domain::MetricKind::*;
use keel_domain::*;

/// The beta that put Northwind on the phone: an aspirational objective, scored in the upper band.
pub(super) fn mobile_beta(org: &mut Org) -> ObjectiveId {
    let p1 = org.objective(Obj {
        kind: ObjectiveKind::Aspirational,
        ..obj(
            Previous,
            "cpo",
            &["product", "mobile"],
            "Put Northwind in our customers' pockets",
            "Mobile beta: the first step to check-ins from anywhere.",
        )
    });
    org.key_result(
        &p1,
        Kr {
            trend: pace(0.8),
            ..miles(
                "isabel",
                "Ship the mobile beta",
                &["Design sign-off", "Build", "Private beta", "Public beta"],
            )
        },
    );
    org.key_result(
        &p1,
        Kr {
            trend: pace(0.7),
            ..num(
                "victor",
                Increase,
                0.0,
                500.0,
                "testers",
                "Recruit 500 beta testers",
            )
        },
    );
    p1
}

/// Sales' record quarter: new ARR at half the plan, the discount held by walking away.
pub(super) fn record_quarter(org: &mut Org) -> ObjectiveId {
    let p2 = org.objective(obj(
        Previous,
        "vpsales",
        &["sales"],
        "Finish the year with a record quarter",
        "",
    ));
    org.key_result(
        &p2,
        Kr {
            trend: pace(0.55),
            ..num(
                "julia",
                Increase,
                0.0,
                750.0,
                "£k",
                "Add £750k new annual recurring revenue",
            )
        },
    );
    org.key_result(
        &p2,
        Kr {
            step: 0.5,
            trend: pace(0.9),
            ..num(
                "chris",
                StayBelow,
                12.0,
                15.0,
                "%",
                "Hold the average discount under 15%",
            )
        },
    );
    p2
}

/// The support queue brought under control: the quarter's clear success.
pub(super) fn support_queue(org: &mut Org) -> ObjectiveId {
    let p3 = org.objective(obj(
        Previous,
        "george",
        &["support"],
        "Get on top of the support queue",
        "",
    ));
    org.key_result(
        &p3,
        Kr {
            trend: pace(1.05),
            ..num(
                "anna",
                Decrease,
                420.0,
                150.0,
                "tickets",
                "Cut open tickets from 420 to 150",
            )
        },
    );
    org.key_result(
        &p3,
        Kr {
            trend: pace(2.0),
            ..flag("hugo", "Launch the self-service help centre")
        },
    );
    p3
}

/// The German-speaking market, scored red and carried over into the current quarter as a draft
/// (its retrospective says why).
pub(super) fn german_market(org: &mut Org) -> ObjectiveId {
    let p4 = org.objective(obj(
        Previous,
        "vpgrowth",
        &["growth-dept", "sales-emea"],
        "Open the German-speaking market",
        "",
    ));
    org.key_result(
        &p4,
        Kr {
            step: 1.0,
            trend: pace(0.3),
            last_note: Some("Two customers signed; the localisation delay cost us the quarter."),
            ..num(
                "julia",
                Increase,
                0.0,
                12.0,
                "customers",
                "Sign 12 customers in Germany, Austria and Switzerland",
            )
        },
    );
    org.key_result(
        &p4,
        Kr {
            trend: pace(0.35),
            ..miles(
                "victor",
                "Launch Northwind in German",
                &[
                    "Glossary",
                    "Product translated",
                    "Help centre translated",
                    "Launch",
                ],
            )
        },
    );
    p4
}
