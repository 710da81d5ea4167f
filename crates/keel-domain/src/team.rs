//! Teams: a tree (company > departments > teams). A team is never an owner; it is where OKRs
//! are shared and seen.

use crate::error::FieldResult;
use crate::ids::{PersonId, TeamId};
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub parent_id: Option<TeamId>,
    pub lead_id: Option<PersonId>,
    pub member_ids: Vec<PersonId>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
}

impl Team {
    pub fn validated(mut self) -> FieldResult<Self> {
        self.name = text::required("name", &self.name, 200)?;
        if self.parent_id.as_ref() == Some(&self.id) {
            return Err(crate::FieldError::new(
                "parent_id",
                "a team cannot be its own parent",
            ));
        }
        self.member_ids.sort();
        self.member_ids.dedup();
        Ok(self)
    }
}
