//! Engineering's objectives: a key result shared by four teams, an associate owning an objective
//! her supervisors' key results serve, a key result left behind by someone who left, a private
//! objective and a draft.

use crate::northwind::builder::In::*;
use crate::northwind::builder::{flag, miles, num, obj, pace, stale, Kr, Obj, Org};
use keel_domain::MetricKind::*;
use keel_domain::*;

/// "Shared OKRs": a department head with four teams; one key result shared by the four teams,
/// not entered four times.
pub(super) fn growth_plans(org: &mut Org, best_work: &ObjectiveId) {
    let eng = org.objective(Obj {
        sponsor: Some("cto"),
        parents: vec![ParentRef::Objective(best_work.clone())],
        ..obj(
            Current,
            "kenji",
            &["engineering", "platform", "product-eng", "data", "mobile"],
            "Invest in developing all four engineering teams",
            "Kenji oversees Platform, Product Engineering, Data and Mobile.",
        )
    });
    org.key_result(
        &eng,
        Kr {
            description: "One key result shared by the four engineering teams instead of being \
                          entered four times. Fatima carries it; the other three team leads \
                          contribute.",
            contributors: &["ravi", "arjun", "anika"],
            teams: &["platform", "product-eng", "data", "mobile"],
            trend: pace(0.9),
            ..num(
                "fatima",
                Increase,
                20.0,
                100.0,
                "%",
                "Raise the share of engineers with an agreed growth plan from 20% to 100%",
            )
        },
    );
    org.key_result(
        &eng,
        Kr {
            step: 1.0,
            trend: pace(1.0),
            ..num(
                "oliver",
                Increase,
                0.0,
                12.0,
                "talks",
                "Run 12 internal tech talks",
            )
        },
    );
}

/// "One owner": Elisa, an associate, owns the objective; her manager and her manager's manager
/// own its key results.
pub(super) fn legacy_pipeline(org: &mut Org, latency: &KeyResultId) -> (ObjectiveId, KeyResultId) {
    let elisa = org.objective(Obj {
        sponsor: Some("cto"),
        parents: vec![ParentRef::KeyResult(latency.clone())],
        ..obj(
            Current,
            "elisa",
            &["platform"],
            "Retire the legacy reporting pipeline",
            "Elisa proposed this objective and owns it: she drives coordination and communication. \
             Her manager Ravi and his manager Kenji each own a key result, and they remain her \
             source of direction and guidance. Ownership does not follow the reporting line.",
        )
    });
    let reports = org.key_result(
        &elisa,
        Kr {
            contributors: &["elisa"],
            trend: pace(0.9),
            ..num(
                "ravi",
                Increase,
                35.0,
                100.0,
                "%",
                "Move 100% of scheduled reports to the new pipeline",
            )
        },
    );
    org.key_result(
        &elisa,
        Kr {
            trend: pace(0.7),
            ..num(
                "kenji",
                Decrease,
                18.0,
                9.0,
                "£k/month",
                "Cut reporting infrastructure cost from £18k to £9k a month",
            )
        },
    );
    (elisa, reports)
}

/// Another key result owned by someone who left (Jonah), stale since.
pub(super) fn trustworthy_numbers(org: &mut Org, platform: &ObjectiveId) {
    let data = org.objective(Obj {
        parents: vec![ParentRef::Objective(platform.clone())],
        ..obj(
            Current,
            "arjun",
            &["data"],
            "Trustworthy numbers behind every key result",
            "",
        )
    });
    org.key_result(
        &data,
        Kr {
            step: 1.0,
            trend: pace(0.9),
            ..num(
                "hannah",
                Increase,
                0.0,
                20.0,
                "feeds",
                "Automate 20 key-result data feeds",
            )
        },
    );
    org.key_result(
        &data,
        Kr {
            trend: stale(0.3, 5),
            ..flag("jonah", "Backfill two years of product events")
        },
    );
}

/// Mobile's aspirational objective, aligned to the first-week objective.
pub(super) fn pleasure_on_the_phone(org: &mut Org, first_week: &ObjectiveId) {
    let mobile = org.objective(Obj {
        kind: ObjectiveKind::Aspirational,
        parents: vec![ParentRef::Objective(first_week.clone())],
        ..obj(
            Current,
            "anika",
            &["mobile"],
            "Make Northwind a pleasure on the phone",
            "",
        )
    });
    org.key_result(
        &mobile,
        Kr {
            trend: pace(0.7),
            ..num(
                "samuel",
                Increase,
                3.9,
                4.5,
                "stars",
                "Raise the app store rating from 3.9 to 4.5",
            )
        },
    );
    org.key_result(
        &mobile,
        Kr {
            step: 0.01,
            trend: pace(0.95),
            ..num(
                "jade",
                StayAbove,
                99.7,
                99.5,
                "%",
                "Keep crash-free sessions above 99.5%",
            )
        },
    );
}

/// "Visibility": a private, personal objective.
pub(super) fn tech_lead(org: &mut Org) {
    let lucas = org.objective(Obj {
        visibility: Visibility::Private,
        sponsor: Some("ravi"),
        ..obj(
            Current,
            "lucas",
            &["platform"],
            "Grow into a tech lead role",
            "Personal development objective, agreed with Ravi.",
        )
    });
    org.key_result(
        &lucas,
        Kr {
            step: 1.0,
            trend: pace(1.0),
            ..num(
                "lucas",
                Increase,
                0.0,
                2.0,
                "reviews",
                "Lead 2 design reviews end to end",
            )
        },
    );
    org.key_result(
        &lucas,
        Kr {
            trend: pace(1.1),
            ..miles(
                "lucas",
                "Complete the tech-lead course",
                &[
                    "Module 1: Leading without authority",
                    "Module 2: Technical strategy",
                    "Module 3: Delegation",
                ],
            )
        },
    );
}

/// A draft for later in the quarter.
pub(super) fn public_api(org: &mut Org) {
    let api = org.objective(Obj {
        kind: ObjectiveKind::Aspirational,
        state: Some(ObjectiveState::Draft),
        ..obj(
            Current,
            "isabel",
            &["core"],
            "Open a public API for partners",
            "Draft: still being framed with engineering.",
        )
    });
    org.key_result(&api, flag("nadia", "Publish the API v1 reference"));
    org.key_result(
        &api,
        Kr {
            step: 1.0,
            ..num(
                "victor",
                Increase,
                0.0,
                5.0,
                "partners",
                "Sign 5 launch partners",
            )
        },
    );
}
