//! API tokens. The secret is shown once and stored only as a hash; this record never holds it.

use crate::error::{FieldError, FieldResult};
use crate::ids::{PersonId, TokenId};
use crate::{text, Date};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a token may do: `read` tokens get 403 on any write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    Read,
    #[default]
    Write,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    pub id: TokenId,
    pub person_id: PersonId,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The token's last day: it stops working when this day ends in the organisation's time
    /// zone.
    pub expires_on: Option<chrono::NaiveDate>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl ApiToken {
    /// Checks the name and that the last day, if any, is not before `today` (the organisation's
    /// calendar day now).
    pub fn validated(mut self, today: Date) -> FieldResult<Self> {
        self.name = text::required("name", &self.name, 100)?;
        if let Some(d) = self.expires_on {
            if d < today {
                return Err(FieldError::new("expires_on", "must be today or later"));
            }
        }
        Ok(self)
    }

    /// Usable on `today` (the organisation's calendar day now): not revoked, and its last day
    /// not past.
    pub fn is_live(&self, today: Date) -> bool {
        self.revoked_at.is_none() && self.expires_on.is_none_or(|d| today <= d)
    }
}
