//! Growth & Marketing's objectives: aligned to a key result, and a key result owned by the writer
//! who does the work.

use crate::northwind::builder::In::*;
use crate::northwind::builder::{num, obj, pace, stale, Kr, Obj, Org};
use keel_domain::MetricKind::*;
use keel_domain::*;

/// Aligned to the activation key result itself (a key result as parent).
pub(super) fn active_teams(org: &mut Org, activation: &KeyResultId) {
    let growth = org.objective(Obj {
        parents: vec![ParentRef::KeyResult(activation.clone())],
        ..obj(
            Current,
            "carmen",
            &["growth"],
            "Turn more sign-ups into active teams",
            "",
        )
    });
    org.key_result(
        &growth,
        Kr {
            trend: pace(0.9),
            ..num(
                "aisha",
                Increase,
                4.0,
                9.0,
                "%",
                "Raise welcome-email click-through from 4% to 9%",
            )
        },
    );
    org.key_result(
        &growth,
        Kr {
            step: 1.0,
            trend: stale(0.6, 3),
            ..num(
                "ben",
                Increase,
                0.0,
                6.0,
                "experiments",
                "Run 6 activation experiments",
            )
        },
    );
}

/// "One owner": a key result owned by the individual contributor doing the work, not by her
/// manager.
pub(super) fn practical_okrs(org: &mut Org, revenue: &ObjectiveId) -> KeyResultId {
    let content = org.objective(Obj {
        kind: ObjectiveKind::Aspirational,
        parents: vec![ParentRef::Objective(revenue.clone())],
        ..obj(
            Current,
            "rachel",
            &["content"],
            "Become the go-to voice on practical OKRs",
            "",
        )
    });
    let posts = org.key_result(
        &content,
        Kr {
            description: "Owned by Tess, the writer who produces them, not by the content lead or \
                          the content team: one contributor doing the work, one accountable owner.",
            step: 1.0,
            trend: pace(1.0),
            ..num(
                "tess",
                Increase,
                0.0,
                3.0,
                "posts",
                "Publish 3 new blog posts",
            )
        },
    );
    org.key_result(
        &content,
        Kr {
            trend: pace(0.6),
            ..num(
                "ines",
                Increase,
                1200.0,
                1800.0,
                "sign-ups/month",
                "Grow organic sign-ups from 1,200 to 1,800 a month",
            )
        },
    );
    posts
}
