//! The form machinery of the administration pages (and of the account's API tokens): inputs of
//! every kind that keep what was typed, a refusal shown next to the input it names, and parsing
//! a posted form only as far as HTML needs (empty means none, dates, whole numbers, enum wire
//! names); every rule stays the services'.

use crate::error::{ApiError, ApiResult};
use crate::extract::IfMatch;
use crate::ui::company::Choice;
use crate::ui::forms::Field;
use crate::ui::Layout;
use axum::http::StatusCode;
use keel_domain::*;
use serde::Deserialize;

/// How an input is drawn.
pub enum Control {
    /// `<input type=…>`, the type being the field's `kind`.
    Input,
    /// A `<select>`; the string is the label of the empty choice ("" for none).
    Select(Vec<Choice>, &'static str),
    /// A group of checkboxes, several may be ticked.
    Checkboxes(Vec<Choice>),
    /// One checkbox, ticked or not.
    Checkbox(bool),
    /// A single choice among many (teams, people) that never lists them all: the choice made,
    /// if any, and a find field asking a picker (`/pickers/…`) as the reader types; without
    /// JavaScript, what was typed (`{name}.find`) is resolved when the form is sent.
    Picker(Picker),
    /// Several choices among many (a team's members) that never lists them all: see [`Several`].
    Several(Several),
}

/// What a [`Control::Several`] draws: the choices made, each a ticked box (untick to remove),
/// and a find field asking a picker for boxes to tick as the reader types; without JavaScript,
/// what was typed (`{name}.find`) is resolved when the form is sent. The choices shown are also
/// posted as `shown` (hidden), so that a form listing the choices a page at a time removes only
/// those it showed and unticked.
pub struct Several {
    /// The picker asked: `/pickers/people`.
    pub source: &'static str,
    /// The choices shown, ticked when chosen.
    pub chosen: Vec<Choice>,
    /// The name of the hidden inputs listing the choices shown.
    pub shown: &'static str,
    /// What was typed in the find field.
    pub find: String,
    /// The find field's placeholder ("Find someone to add").
    pub placeholder: &'static str,
    /// When the choices are shown a page at a time: which are shown, of how many.
    pub note: Option<String>,
    /// Links to the other pages of choices, as `(href, label)`.
    pub pages: Vec<(String, String)>,
}

/// What a [`Control::Picker`] draws.
pub struct Picker {
    /// The picker asked: `/pickers/teams`, `/pickers/people`.
    pub source: &'static str,
    /// The label of the empty choice ("Any team").
    pub none: &'static str,
    /// The choice made (selected), if any.
    pub chosen: Vec<Choice>,
    /// What was typed in the find field.
    pub find: String,
    /// The find field's placeholder ("Find a team").
    pub placeholder: &'static str,
}

impl Picker {
    /// The id of the `<select>` (a CSS selector for htmx: no dots).
    pub fn target(&self, name: &str) -> String {
        name.replace('.', "-")
    }

    /// The empty choice's label as a query string value.
    pub fn none_query(&self) -> String {
        serde_urlencoded::to_string([("none", self.none)]).unwrap_or_default()
    }
}

/// One labelled input with its message.
pub struct Input {
    pub field: Field,
    pub control: Control,
}

impl Input {
    pub(crate) fn text(
        name: &'static str,
        label: &'static str,
        kind: &'static str,
        value: &str,
    ) -> Self {
        Input {
            field: Field::new(name, label, kind).value(value),
            control: Control::Input,
        }
    }
    pub(crate) fn select(
        name: &'static str,
        label: &'static str,
        choices: Vec<Choice>,
        none: &'static str,
    ) -> Self {
        Input {
            field: Field::new(name, label, "select"),
            control: Control::Select(choices, none),
        }
    }
    pub(crate) fn picker(name: &'static str, label: &'static str, picker: Picker) -> Self {
        Input {
            field: Field::new(name, label, "select"),
            control: Control::Picker(picker),
        }
    }
    pub(crate) fn several(name: &'static str, label: &'static str, several: Several) -> Self {
        Input {
            field: Field::new(name, label, "checkbox"),
            control: Control::Several(several),
        }
    }
    pub(crate) fn hint(mut self, h: impl Into<String>) -> Self {
        self.field = self.field.hint(h);
        self
    }
    pub(crate) fn required(mut self) -> Self {
        self.field = self.field.required();
        self
    }
}

/// An administration form: its inputs, CSRF token, the record version it edits, and messages.
pub struct AdminForm {
    pub inputs: Vec<Input>,
    pub csrf_token: String,
    pub version: Option<i64>,
    pub error: Option<String>,
    pub success: Option<String>,
}

impl AdminForm {
    pub(crate) fn new(layout: &Layout, inputs: Vec<Input>) -> Self {
        Self {
            inputs,
            csrf_token: layout.csrf_token.clone(),
            version: None,
            error: None,
            success: None,
        }
    }

    /// Shows a refusal next to the input it names (at the top when it names none); returns the
    /// status to answer with. Errors that are not about the input go back to the caller.
    pub(crate) fn show(&mut self, err: ApiError) -> Result<StatusCode, ApiError> {
        let (field, message, status) = match err {
            ApiError::Invalid(e) => (Some(e.field), e.message, StatusCode::UNPROCESSABLE_ENTITY),
            ApiError::Conflict { field, message } => (field, message, StatusCode::CONFLICT),
            ApiError::PreconditionFailed => (
                None,
                "Someone else changed this record since you opened it. Reload the page to see their change, then make yours again.".into(),
                StatusCode::PRECONDITION_FAILED,
            ),
            other => return Err(other),
        };
        let target = field.as_deref().and_then(|f| {
            // `roles[2]` or `health.owner_overload`: the input named by the path's head.
            let head = f.split('[').next().unwrap_or(f);
            self.inputs
                .iter_mut()
                .find(|i| i.field.name == f || i.field.name == head)
        });
        match target {
            Some(i) => i.field.error = Some(message),
            None => {
                self.error = Some(match field {
                    Some(f) if f != "body" => format!("{f}: {message}"),
                    _ => message,
                })
            }
        }
        Ok(status)
    }
}

/// A posted form as name–value pairs (checkbox groups repeat a name).
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Posted(Vec<(String, String)>);

impl Posted {
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
    /// The version the form was opened at (`If-Match` for the service).
    pub(crate) fn version(&self) -> IfMatch {
        IfMatch(Some(self.get("version").parse().unwrap_or(-1)))
    }
}

pub(crate) fn optional(v: &str) -> Option<String> {
    Some(v.trim().to_string()).filter(|s| !s.is_empty())
}

pub(crate) fn date(field: &str, v: &str) -> ApiResult<chrono::NaiveDate> {
    let v = v.trim();
    if v.is_empty() {
        return Err(ApiError::invalid(field, "enter a date"));
    }
    crate::ui::format::parse_date(v)
        .ok_or_else(|| ApiError::invalid(field, crate::ui::format::date_error()))
}

pub(crate) fn whole(field: &str, v: &str) -> ApiResult<u32> {
    v.trim()
        .parse()
        .map_err(|_| ApiError::invalid(field, "must be a whole number"))
}

/// A choice from a serde enum (its wire name) with a label.
pub(crate) fn enum_choices<T: serde::Serialize + Copy>(
    all: &[(T, &str)],
    selected: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|(v, label)| {
            let value = wire(*v);
            Choice {
                selected: value == selected,
                value,
                label: label.to_string(),
            }
        })
        .collect()
}

/// The wire name of a serde enum value.
pub(crate) fn wire<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Parses a serde enum from its wire name, naming the field on failure.
pub(crate) fn parse_enum<T: serde::de::DeserializeOwned>(
    field: &str,
    v: &str,
    expected: &str,
) -> ApiResult<T> {
    serde_json::from_value(serde_json::Value::String(v.to_string()))
        .map_err(|_| ApiError::invalid(field, format!("must be one of {expected}")))
}

/// People a form has chosen, as choices labelled as the people picker labels its suggestions
/// ("Name (email)"), ticked or selected when among `selected`.
pub(crate) fn people_choices(people: &[Person], selected: &[PersonId]) -> Vec<Choice> {
    people
        .iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: format!("{} ({})", p.name, p.email.as_str()),
            selected: selected.contains(&p.id),
        })
        .collect()
}
