//! Form helpers: fields that keep what was typed and show the server's validation message next
//! to themselves. Validation itself is the services' (the same rules as the API); a form maps
//! the `field` of an `ApiError::Invalid` to its input of that name.

use crate::error::ApiError;

/// One labelled input.
#[derive(Debug, Clone)]
pub struct Field {
    /// The input's name, as the service names the field in errors.
    pub name: &'static str,
    pub label: &'static str,
    /// The input type: text, email, password …
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub hint: Option<String>,
    pub autocomplete: &'static str,
    pub required: bool,
}

impl Field {
    pub fn new(name: &'static str, label: &'static str, kind: &'static str) -> Self {
        Self {
            name,
            label,
            kind,
            value: String::new(),
            error: None,
            hint: None,
            autocomplete: "off",
            required: false,
        }
    }
    pub fn value(mut self, v: impl Into<String>) -> Self {
        // Secrets are never sent back to the browser.
        if self.kind != "password" {
            self.value = v.into();
        }
        self
    }
    pub fn hint(mut self, h: impl Into<String>) -> Self {
        self.hint = Some(h.into());
        self
    }
    pub fn autocomplete(mut self, a: &'static str) -> Self {
        self.autocomplete = a;
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// The ids of the hint and error, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("f-{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("f-{}-error", self.name));
        }
        ids.join(" ")
    }
}

/// A form's fields, its CSRF token and its messages.
#[derive(Debug, Clone, Default)]
pub struct Form {
    pub fields: Vec<Field>,
    pub csrf_token: String,
    /// A message for the whole form (shown at the top, as an alert).
    pub error: Option<String>,
    pub success: Option<String>,
}

impl Form {
    pub fn new(csrf_token: &str, fields: Vec<Field>) -> Self {
        Self {
            fields,
            csrf_token: csrf_token.to_string(),
            error: None,
            success: None,
        }
    }

    /// Shows `err` next to the field it names; an error naming no field of this form is shown
    /// at the top. Returns the error back when it is not about the input (the caller renders
    /// an error page).
    pub fn show(&mut self, err: ApiError) -> Result<(), ApiError> {
        match err {
            ApiError::Invalid(e) => {
                match self.fields.iter_mut().find(|f| f.name == e.field) {
                    Some(f) => f.error = Some(e.message),
                    None => self.error = Some(format!("{}: {}", e.field, e.message)),
                }
                Ok(())
            }
            ApiError::Conflict { message, field } => {
                match field.and_then(|n| self.fields.iter_mut().find(|f| f.name == n)) {
                    Some(f) => f.error = Some(message),
                    None => self.error = Some(message),
                }
                Ok(())
            }
            other => Err(other),
        }
    }

    pub fn has_errors(&self) -> bool {
        self.error.is_some() || self.fields.iter().any(|f| f.error.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_land_next_to_their_field() {
        let mut form = Form::new(
            "t",
            vec![
                Field::new("email", "Email", "email").value("a@b"),
                Field::new("password", "Password", "password").value("secret"),
            ],
        );
        assert_eq!(form.fields[1].value, "", "passwords are never echoed");
        form.show(ApiError::invalid("email", "is not an email"))
            .unwrap();
        assert_eq!(form.fields[0].error.as_deref(), Some("is not an email"));
        assert_eq!(form.fields[0].value, "a@b");
        form.show(ApiError::invalid("other", "bad")).unwrap();
        assert_eq!(form.error.as_deref(), Some("other: bad"));
        assert!(form.show(ApiError::NotFound("x")).is_err());
        assert_eq!(form.fields[0].described_by(), "f-email-error");
    }
}
