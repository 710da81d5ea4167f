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

/// Several refusals at once (a form shows each next to its field): every check runs, and the
/// value comes back only when none refused.
#[derive(Debug, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// The value of a check that passed; a refusal is kept and `None` given back.
    pub fn keep<T>(&mut self, r: FieldResult<T>) -> Option<T> {
        r.map_err(|e| self.0.push(e)).ok()
    }

    /// `value` when nothing was refused, every refusal otherwise.
    pub fn or<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

/// The first of several refusals (for callers that report one).
pub fn first(mut errors: Vec<FieldError>) -> FieldError {
    if errors.is_empty() {
        FieldError::new("", "refused without a reason")
    } else {
        errors.swap_remove(0)
    }
}
