//! Opaque identifiers, one type per kind of record so that a `TeamId` can never be passed where
//! a `PersonId` is expected (a team can never be an owner, by construction).
//!
//! Ids are UUIDv7 strings: unique across kinds, roughly time-ordered (so keyset pagination by id
//! follows creation order), and meaningless to clients, who must treat them as opaque.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String)]
        pub struct $name(String);

        impl $name {
            /// A fresh, unique id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }
            /// Wraps an id read from storage or from a request path. No format is imposed: an
            /// unknown id simply finds nothing.
            pub fn from_string(s: impl Into<String>) -> Self {
                Self(s.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

id_type!(
    /// A person in the organisation.
    PersonId
);
id_type!(
    /// A team (company, department or team: a node of the team tree).
    TeamId
);
id_type!(
    /// A cycle (a quarter, a year).
    CycleId
);
id_type!(
    /// An Objective.
    ObjectiveId
);
id_type!(
    /// A Key Result.
    KeyResultId
);
id_type!(
    /// A check-in on a Key Result.
    CheckInId
);
id_type!(
    /// An Initiative under a Key Result.
    InitiativeId
);
id_type!(
    /// An API token (the id, never the secret).
    TokenId
);
id_type!(
    /// An audit event.
    AuditEventId
);
id_type!(
    /// A request that someone own an Objective or Key Result.
    OwnershipRequestId
);
id_type!(
    /// A team review (the ritual where owners present their OKRs).
    ReviewId
);
id_type!(
    /// A 1:1 conversation between two people, linked to OKRs.
    ConversationId
);
id_type!(
    /// A request for feedback on an OKR's progress.
    FeedbackRequestId
);
id_type!(
    /// Recognition of someone's work on an OKR or a check-in.
    RecognitionId
);
id_type!(
    /// A notification to one person (something that happened that they may act on).
    NotificationId
);
id_type!(
    /// A background job (one-off or one period's run of a scheduled job).
    JobId
);
id_type!(
    /// A dependency: one key result waits on another (negotiated with the other's owner).
    DependencyId
);
id_type!(
    /// A KPI: a named metric watched beside the OKRs, with a healthy corridor.
    KpiId
);
id_type!(
    /// One reading of a KPI.
    KpiValueId
);
id_type!(
    /// An ingest token: a secret that lets a machine push values to one key result or KPI.
    IngestTokenId
);
id_type!(
    /// An outbound webhook endpoint an administrator registered.
    WebhookId
);
id_type!(
    /// One event's delivery to one webhook endpoint (the receiver's idempotency key).
    WebhookDeliveryId
);
id_type!(
    /// A pulled source: a URL or a registered database's query that feeds one key result or KPI.
    PullSourceId
);
id_type!(
    /// One run of a pulled source (its value or its error).
    PullRunId
);
id_type!(
    /// A database an administrator registered for pulled sources to query.
    SourceDatabaseId
);
id_type!(
    /// An automation rule: a trigger, its conditions and an action.
    AutomationRuleId
);
