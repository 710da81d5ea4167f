//! People: the only things that can own, sponsor or contribute to an OKR.

use crate::error::{FieldError, FieldResult};
use crate::ids::PersonId;
use crate::text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An email address, compared case-insensitively (stored as typed, matched lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, format = "email")]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, value: &str) -> FieldResult<Self> {
        let v = value.trim();
        let bad = || FieldError::new(field, format!("'{v}' is not a valid email address"));
        let (local, domain) = v.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || domain.is_empty()
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains('@')
            || v.len() > 254
            || v.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad());
        }
        Ok(Self(v.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The form used for uniqueness and look-ups.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// What a person may do in Keel. The OKR roles of the body of knowledge map onto these
/// (docs/roles.md); `member` is the default.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Executive leadership / organisation administrator: everything.
    Admin,
    /// OKR champion or coach: cycles, settings, framing, reviews, health checks.
    Champion,
    /// Creates OKRs, edits what they own or sponsor, checks in on what they own or contribute to.
    Member,
    /// Reads, comments, gives feedback.
    Reviewer,
    /// Reads everything including reports and exports.
    Analyst,
    /// Participation and engagement reports.
    Hr,
    /// Reads, and edits key results tagged as financial.
    Finance,
    /// Reads public OKRs.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Champion,
        Role::Member,
        Role::Reviewer,
        Role::Analyst,
        Role::Hr,
        Role::Finance,
        Role::Viewer,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Champion => "champion",
            Role::Member => "member",
            Role::Reviewer => "reviewer",
            Role::Analyst => "analyst",
            Role::Hr => "hr",
            Role::Finance => "finance",
            Role::Viewer => "viewer",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A person's own time zone as typed: empty is none (the organisation's), else an IANA name.
pub fn check_time_zone(typed: Option<&str>) -> FieldResult<Option<String>> {
    match typed.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(tz) if tz.parse::<crate::org::Zone>().is_ok() => Ok(Some(tz.to_string())),
        Some(tz) => Err(FieldError::new(
            "time_zone",
            format!("'{tz}' is not an IANA time zone name (for example Europe/Paris or UTC)"),
        )),
    }
}

/// A person in the organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Person {
    pub id: PersonId,
    pub name: String,
    pub email: Email,
    pub title: String,
    /// Who this person reports to. Ownership never follows this line (*One owner* in docs/method.md).
    pub manager_id: Option<PersonId>,
    pub active: bool,
    pub roles: Vec<Role>,
    /// The IANA time zone the person reads times in (issue 12); none: the organisation's.
    #[serde(default)]
    pub time_zone: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Increases on every change; the ETag of the record.
    pub version: i64,
}

impl Person {
    /// Checks and normalises the fields a client sets.
    pub fn validated(mut self) -> FieldResult<Self> {
        self.name = text::required("name", &self.name, 200)?;
        self.title = text::long("title", &self.title, 200)?;
        self.time_zone = check_time_zone(self.time_zone.as_deref())?;
        if self.manager_id.as_ref() == Some(&self.id) {
            return Err(FieldError::new(
                "manager_id",
                "a person cannot be their own manager",
            ));
        }
        if self.roles.is_empty() {
            self.roles.push(Role::Member);
        }
        self.roles.sort();
        self.roles.dedup();
        Ok(self)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        assert!(Email::parse("email", "Ada@Example.com").is_ok());
        assert_eq!(
            Email::parse("email", "Ada@Example.com").unwrap().key(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.io",
            "ada@localhost",
            "a b@x.io",
            "a@x.io.",
            "a@@x.io",
        ] {
            assert_eq!(
                Email::parse("email", bad).unwrap_err().field,
                "email",
                "{bad}"
            );
        }
    }

    #[test]
    fn roles_parse_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("owner"), None);
    }
}
