//! The year: the company objective every department objective traces back to.

use crate::northwind::builder::In::*;
use crate::northwind::builder::{miles, num, obj, pace, Kr, Obj, Org};
use keel_domain::MetricKind::*;
use keel_domain::*;

/// The company's objective for the year, and the key results the quarter aligns to.
pub(super) fn company_year(org: &mut Org) -> super::YearAnchors {
    let y1 = org.objective(Obj {
        kind: ObjectiveKind::Aspirational,
        sponsor: None,
        ..obj(
            Year,
            "ceo",
            &["company"],
            "Become the OKR platform mid-sized European companies choose first",
            "Our company objective for the year. Every department objective should trace back here.",
        )
    });
    let y1_arr = org.key_result(
        &y1,
        Kr {
            step: 0.01,
            sponsor: Some("ceo"),
            trend: pace(0.85),
            ..num(
                "vpsales",
                Increase,
                4.2,
                6.5,
                "£M",
                "Grow ARR from £4.2M to £6.5M",
            )
        },
    );
    let y1_churn = org.key_result(
        &y1,
        Kr {
            trend: pace(0.6),
            ..num(
                "vpcs",
                Decrease,
                3.1,
                2.0,
                "%/month",
                "Reduce gross revenue churn from 3.1% to 2.0% a month",
            )
        },
    );
    org.key_result(
        &y1,
        Kr {
            trend: pace(0.8),
            ..miles(
                "cto",
                "Ship Northwind Enterprise",
                &[
                    "Single sign-on",
                    "Audit log export",
                    "EU data residency",
                    "99.95% SLA",
                ],
            )
        },
    );
    org.key_result(
        &y1,
        Kr {
            trend: pace(1.0),
            ..miles(
                "hrhead",
                "Open the Berlin office",
                &["Lease signed", "First five hires", "Office opened"],
            )
        },
    );
    super::YearAnchors {
        objective: y1,
        arr: y1_arr,
        churn: y1_churn,
    }
}
