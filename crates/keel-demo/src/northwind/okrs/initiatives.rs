//! The initiatives behind the current quarter's key results: the work people try in order to move
//! a number, including work dropped because it did not move it ("The pitfalls").

use crate::northwind::builder::Org;
use keel_domain::InitiativeState::*;
use keel_domain::KeyResultId;

/// The key results that have initiatives.
pub(super) struct Targets {
    pub activation: KeyResultId,
    pub latency: KeyResultId,
    pub reports: KeyResultId,
    pub posts: KeyResultId,
    pub demos: KeyResultId,
    pub churn: KeyResultId,
    pub soc2: KeyResultId,
}

/// Adds the initiatives, in the order the demo has always listed them.
pub(super) fn add(org: &mut Org, targets: &Targets) {
    let Targets {
        activation,
        latency,
        reports,
        posts,
        demos,
        churn,
        soc2,
    } = targets;
    let link = |n: u32| format!("https://tracker.northwind.example/issues/{n}");
    let l = [
        link(412),
        link(388),
        link(301),
        link(455),
        link(207),
        link(512),
    ];
    org.initiative(
        activation,
        "maya",
        "Redesign the onboarding checklist",
        Active,
        Some(l[0].as_str()),
        None,
    );
    org.initiative(
        activation,
        "aisha",
        "Rewrite the welcome email sequence",
        Done,
        Some(l[1].as_str()),
        None,
    );
    org.initiative(
        activation,
        "lucas",
        "Move the onboarding service to Kubernetes",
        Dropped,
        Some(l[2].as_str()),
        Some("Infrastructure work did not move activation: the drop-off is in onboarding UX and email, not in tech."),
    );
    org.initiative(
        activation,
        "liam",
        "Interview 10 trial users who never came back",
        Proposed,
        None,
        None,
    );
    org.initiative(
        latency,
        "mei",
        "Add read replicas for reporting queries",
        Active,
        Some(l[3].as_str()),
        None,
    );
    org.initiative(
        latency,
        "oliver",
        "Cache workspace permissions",
        Done,
        None,
        None,
    );
    org.initiative(
        reports,
        "elisa",
        "Port the remaining report templates",
        Active,
        Some(l[4].as_str()),
        None,
    );
    org.initiative(
        posts,
        "tess",
        "Write 'Who should own a key result?'",
        Done,
        Some("https://northwind.example/blog/who-owns-a-key-result"),
        None,
    );
    org.initiative(
        posts,
        "tess",
        "Guest post from a customer's OKR champion",
        Proposed,
        None,
        None,
    );
    org.initiative(
        demos,
        "sara",
        "Outbound sequence for fintech accounts",
        Dropped,
        None,
        Some("Sara left Northwind; nobody picked the sequence up."),
    );
    org.initiative(
        churn,
        "rosa",
        "Quarterly business reviews for the top 30 accounts",
        Active,
        Some(l[5].as_str()),
        None,
    );
    org.initiative(soc2, "cto", "Engage the audit firm", Done, None, None);
}
