//! The OKRs of Northwind Labs, one module per department and one function per objective, each
//! telling a story of the ownership doctrine (docs/method.md). They are created in a fixed order:
//! what an objective aligns to comes first, and the check-in history is drawn from one random
//! sequence, so the order is part of the demo's content.

mod company;
mod customers;
mod engineering;
mod growth;
mod initiatives;
mod people;
mod previous;
mod private;
mod sales;
mod year;

use super::builder::Org;
use keel_domain::{KeyResultId, ObjectiveId};

/// What the year's objective gives the quarter to align to.
pub(super) struct YearAnchors {
    pub objective: ObjectiveId,
    pub arr: KeyResultId,
    pub churn: KeyResultId,
}

/// What the platform objective gives others to align to and work on.
pub(super) struct PlatformAnchors {
    pub objective: ObjectiveId,
    pub latency: KeyResultId,
    pub soc2: KeyResultId,
}

/// What the owner's rhythm of the demo refers to: the previous quarter's objectives (scored; the
/// last one is carried over), the activation key result the CTO owns, Elisa's objective and the
/// writer's blog-post key result.
pub(crate) struct Story {
    pub scored: [ObjectiveId; 4],
    pub activation: KeyResultId,
    pub elisa: ObjectiveId,
    pub posts: KeyResultId,
}

/// Creates every objective, key result (with its check-in history) and initiative.
pub(crate) fn okrs(org: &mut Org) -> Story {
    let scored = [
        previous::mobile_beta(org),
        previous::record_quarter(org),
        previous::support_queue(org),
        previous::german_market(org),
    ];
    let year = year::company_year(org);
    let (first_week, activation) = company::first_week(org, &year.objective);
    let (revenue, new_arr) = company::efficient_revenue(org, &year.arr);
    let platform = company::platform(org, &year.objective);
    let platform_objective = platform.objective.clone();
    let best_work = company::best_work(org, &year.objective);
    engineering::growth_plans(org, &best_work);
    let (elisa, reports) = engineering::legacy_pipeline(org, &platform.latency);
    growth::active_teams(org, &activation);
    let posts = growth::practical_okrs(org, &revenue);
    sales::emea_mid_market(org, &new_arr);
    let demos = sales::north_america_pipeline(org, &revenue);
    let churn = customers::keep_every_customer(org, &year.churn);
    engineering::trustworthy_numbers(org, &platform.objective);
    people::faster_close(org, &revenue);
    people::check_in_habit(org, &best_work);
    engineering::pleasure_on_the_phone(org, &first_week);
    engineering::tech_lead(org);
    engineering::public_api(org);
    sales::nordics(org);
    sales::partner_channel(org);
    initiatives::add(
        org,
        &initiatives::Targets {
            activation: activation.clone(),
            latency: platform.latency,
            reports,
            posts: posts.clone(),
            demos,
            churn,
            soc2: platform.soc2,
        },
    );
    private::add(org, &year.objective, &platform_objective);
    Story {
        scored,
        activation,
        elisa,
        posts,
    }
}
