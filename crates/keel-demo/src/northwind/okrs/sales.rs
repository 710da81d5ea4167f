//! Sales' objectives: team-visible ones, a key result of someone who left, and ownership proposed
//! but pending or declined ("Acceptance").

use crate::northwind::builder::In::*;
use crate::northwind::builder::{num, obj, pace, stale, Kr, Obj, Org};
use keel_domain::MetricKind::*;
use keel_domain::*;

/// EMEA's team-visible objective, aligned to the new-ARR key result.
pub(super) fn emea_mid_market(org: &mut Org, new_arr: &KeyResultId) {
    let emea = org.objective(Obj {
        visibility: Visibility::Team,
        parents: vec![ParentRef::KeyResult(new_arr.clone())],
        ..obj(
            Current,
            "julia",
            &["sales-emea"],
            "Win the mid-market in EMEA",
            "",
        )
    });
    org.key_result(
        &emea,
        Kr {
            step: 1.0,
            trend: pace(0.8),
            ..num(
                "kwame",
                Increase,
                0.0,
                12.0,
                "deals",
                "Close 12 new mid-market deals",
            )
        },
    );
    org.key_result(
        &emea,
        Kr {
            step: 0.5,
            trend: pace(0.9),
            ..num(
                "laura",
                StayBelow,
                12.0,
                15.0,
                "%",
                "Keep the average discount below 15%",
            )
        },
    );
}

/// A key result owned by someone who has left (Sara), with no check-in since.
pub(super) fn north_america_pipeline(org: &mut Org, revenue: &ObjectiveId) -> KeyResultId {
    let na = org.objective(Obj {
        visibility: Visibility::Team,
        parents: vec![ParentRef::Objective(revenue.clone())],
        ..obj(
            Current,
            "chris",
            &["sales-na"],
            "Build a predictable North America pipeline",
            "",
        )
    });
    let demos = org.key_result(
        &na,
        Kr {
            trend: stale(0.5, 4),
            ..num(
                "sara",
                Increase,
                0.0,
                60.0,
                "demos",
                "Book 60 qualified demos",
            )
        },
    );
    org.key_result(
        &na,
        Kr {
            trend: pace(0.7),
            ..num(
                "emily",
                Increase,
                2.0,
                3.5,
                "x",
                "Grow pipeline coverage from 2x to 3.5x",
            )
        },
    );
    demos
}

/// "Acceptance": forced ownership, proposed by someone else and not accepted (yet).
pub(super) fn nordics(org: &mut Org) {
    let nordics = org.objective(Obj {
        kind: ObjectiveKind::Aspirational,
        state: Some(ObjectiveState::Draft),
        ownership: OwnershipState::Pending,
        sponsor: Some("vpsales"),
        ..obj(
            Current,
            "victor",
            &["pmm", "sales"],
            "Expand into the Nordics",
            "Proposed by Marcus (VP Sales) with Victor named as owner. Victor has not accepted yet: \
             an OKR whose owner hasn't explicitly accepted the responsibility is dead on arrival.",
        )
    });
    org.key_result(
        &nordics,
        Kr {
            step: 1.0,
            ownership: OwnershipState::Pending,
            ..num(
                "victor",
                Increase,
                0.0,
                3.0,
                "partners",
                "Sign 3 Nordic reseller partners",
            )
        },
    );
}

/// "Acceptance": ownership proposed and declined, with the reason.
pub(super) fn partner_channel(org: &mut Org) {
    let channel = org.objective(Obj {
        state: Some(ObjectiveState::Draft),
        ownership: OwnershipState::Declined,
        sponsor: Some("ceo"),
        ..obj(
            Current,
            "chris",
            &["sales-na"],
            "Own the partner channel",
            "Proposed by Amara for Chris. Chris declined: there is no partner budget this quarter \
             and EMEA already runs the reseller pilots. Needs a new owner, or should be dropped.",
        )
    });
    org.key_result(
        &channel,
        Kr {
            step: 1.0,
            ownership: OwnershipState::Declined,
            ..num(
                "chris",
                Increase,
                0.0,
                10.0,
                "partners",
                "Sign 10 channel partners",
            )
        },
    );
}
