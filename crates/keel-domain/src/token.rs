//! API tokens. The secret is shown once and stored only as a hash; this record never holds it.

use crate::error::{FieldError, FieldResult};
use crate::ids::{PersonId, TokenId};
use crate::{text, Date, Timestamp};
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
    /// The token stops working at the end of this day (UTC).
    pub expires_on: Option<chrono::NaiveDate>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl ApiToken {
    pub fn validated(mut self, today: Date) -> FieldResult<Self> {
        self.name = text::required("name", &self.name, 100)?;
        if let Some(d) = self.expires_on {
            if d < today {
                return Err(FieldError::new("expires_on", "must be today or later"));
            }
        }
        Ok(self)
    }

    /// Usable now: not revoked and not expired.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_on.is_none_or(|d| now.date_naive() <= d)
    }
}
