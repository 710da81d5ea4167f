//! Objectives: the qualitative goal, with one accountable owner.

use crate::error::{FieldError, FieldResult};
use crate::ids::{CycleId, KeyResultId, ObjectiveId, PersonId, TeamId};
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an owner stands with an OKR they were named on: an OKR whose owner has not explicitly
/// accepted it is dead on arrival (*Acceptance* in docs/method.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum OwnershipState {
    #[default]
    Pending,
    Accepted,
    Declined,
}

/// Ownership split between two people is the same as no owner. Under the `single` policy
/// co-owners are refused with that explanation; under `shared` they are allowed (and the health
/// check flags the split).
pub fn check_co_owners(
    policy: crate::org::OwnershipPolicy,
    co_owner_ids: &[PersonId],
) -> FieldResult<()> {
    if policy == crate::org::OwnershipPolicy::Single && !co_owner_ids.is_empty() {
        return Err(FieldError::new(
            "co_owner_ids",
            "this organisation uses single-threaded ownership: one accountable owner per OKR, because \
             ownership split between two people is the same as no owner. Add the others as contributor_ids \
             (or ask an administrator to switch the ownership policy to shared)",
        ));
    }
    Ok(())
}

impl OwnershipState {
    /// Naming yourself is accepted at once; naming someone else waits for them to accept.
    pub fn on_assignment(proposer: Option<&PersonId>, owner: &PersonId) -> Self {
        if proposer == Some(owner) {
            OwnershipState::Accepted
        } else {
            OwnershipState::Pending
        }
    }
}

/// Committed OKRs are expected to reach 1.0; aspirational ones count 0.7 as success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveKind {
    #[default]
    Committed,
    Aspirational,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveState {
    #[default]
    Draft,
    Active,
    Closed,
}

/// Who may see an Objective (and its key results).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// The whole organisation.
    #[default]
    Public,
    /// The teams it is shared with, and their leads up the tree.
    Team,
    /// Owner, sponsor, contributors and administrators.
    Private,
}

/// Whether an Objective's progress includes what is aligned to it (docs/method.md, "Progress
/// roll-up"): its own choice, or the organisation's setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProgressRollup {
    /// Follow the organisation's setting (`progress_rollup`, off unless an administrator turns
    /// it on).
    #[default]
    Inherit,
    /// Include the aligned children, whatever the organisation's setting.
    On,
    /// Only its own key results, whatever the organisation's setting.
    Off,
}

impl ProgressRollup {
    /// Whether the roll-up applies, given the organisation's setting.
    pub fn applies(self, organisation: bool) -> bool {
        match self {
            ProgressRollup::Inherit => organisation,
            ProgressRollup::On => true,
            ProgressRollup::Off => false,
        }
    }
}

/// What an Objective contributes to: another Objective or a Key Result.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum ParentRef {
    Objective(ObjectiveId),
    KeyResult(KeyResultId),
}

impl ParentRef {
    pub fn id(&self) -> &str {
        match self {
            ParentRef::Objective(id) => id.as_str(),
            ParentRef::KeyResult(id) => id.as_str(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Objective {
    pub id: ObjectiveId,
    pub title: String,
    pub description: String,
    pub cycle_id: CycleId,
    /// The one accountable individual.
    pub owner_id: PersonId,
    pub ownership_state: OwnershipState,
    /// Under the `shared` ownership policy only: people who co-own it. `owner_id` stays the
    /// one accountable person.
    #[serde(default)]
    pub co_owner_ids: Vec<PersonId>,
    /// For structural trade-offs; not the owner.
    pub sponsor_id: Option<PersonId>,
    pub contributor_ids: Vec<PersonId>,
    /// Teams the Objective is shared with; it appears once on each team's view.
    pub team_ids: Vec<TeamId>,
    pub parents: Vec<ParentRef>,
    pub kind: ObjectiveKind,
    pub state: ObjectiveState,
    pub visibility: Visibility,
    /// Whether its progress includes its aligned children (`inherit`: the organisation's
    /// setting).
    #[serde(default)]
    pub progress_rollup: ProgressRollup,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

/// Normalises the people and teams around an OKR; shared by objectives and key results.
pub(crate) fn validate_circle(
    owner_id: &PersonId,
    co_owner_ids: &mut Vec<PersonId>,
    sponsor_id: &Option<PersonId>,
    contributor_ids: &mut Vec<PersonId>,
    team_ids: &mut Vec<TeamId>,
) -> FieldResult<()> {
    co_owner_ids.sort();
    co_owner_ids.dedup();
    if co_owner_ids.contains(owner_id) {
        return Err(FieldError::new(
            "co_owner_ids",
            "the accountable owner cannot also be listed as a co-owner",
        ));
    }
    if co_owner_ids.iter().any(|c| contributor_ids.contains(c)) {
        return Err(FieldError::new(
            "co_owner_ids",
            "a person is either a co-owner or a contributor, not both",
        ));
    }
    contributor_ids.sort();
    contributor_ids.dedup();
    team_ids.sort();
    team_ids.dedup();
    if contributor_ids.contains(owner_id) {
        return Err(FieldError::new(
            "contributor_ids",
            "the owner is accountable already and cannot also be a contributor",
        ));
    }
    if sponsor_id.as_ref() == Some(owner_id) {
        return Err(FieldError::new(
            "sponsor_id",
            "the sponsor must be someone other than the owner",
        ));
    }
    if contributor_ids.len() > 100 {
        return Err(FieldError::new(
            "contributor_ids",
            "at most 100 contributors",
        ));
    }
    if team_ids.len() > 50 {
        return Err(FieldError::new("team_ids", "at most 50 teams"));
    }
    Ok(())
}

impl Objective {
    /// Checks and normalises every field that does not need the database.
    pub fn validated(self) -> FieldResult<Self> {
        self.validated_all().map_err(crate::error::first)
    }

    /// The same checks, every refusal at once (a form shows each next to its field).
    pub fn validated_all(mut self) -> Result<Self, Vec<FieldError>> {
        let mut errors = crate::error::FieldErrors::default();
        if let Some(t) = errors.keep(text::required("title", &self.title, 300)) {
            self.title = t;
        }
        if let Some(d) = errors.keep(text::long("description", &self.description, 10_000)) {
            self.description = d;
        }
        errors.keep(validate_circle(
            &self.owner_id,
            &mut self.co_owner_ids,
            &self.sponsor_id,
            &mut self.contributor_ids,
            &mut self.team_ids,
        ));
        let mut seen = std::collections::HashSet::new();
        self.parents.retain(|p| seen.insert(p.clone()));
        if self.parents.iter().any(|p| p.id() == self.id.as_str()) {
            errors.0.push(FieldError::new(
                "parent_ids",
                "an objective cannot contribute to itself",
            ));
        } else if self.parents.len() > 20 {
            errors
                .0
                .push(FieldError::new("parent_ids", "at most 20 parents"));
        }
        errors.or(self)
    }
}
