//! Validation errors that name the offending field.
//!
//! Every entry point turns a `FieldError` into its own shape (a 422 problem document, a message
//! next to a form field, a CLI line), so the field name and message are decided here, once.

use std::fmt;

/// Invalid input, with the name of the field at fault (as the API spells it, e.g. `owner_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error nested under a parent field, e.g. `milestones[2].title`.
    pub fn within(self, parent: &str) -> Self {
        Self {
            field: format!(
                "{parent}{}{}",
                if self.field.starts_with('[') { "" } else { "." },
                self.field
            ),
            message: self.message,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

pub type FieldResult<T> = Result<T, FieldError>;
