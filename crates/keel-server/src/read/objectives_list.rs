//! The objectives list's filters and order (`GET /objectives` in the API and the `/objectives`
//! page), read from their query spellings once here so both refuse the same bad input naming the
//! same field.

use crate::error::{ApiError, ApiResult};
use keel_domain::{ObjectiveKind, ObjectiveState};
use keel_store::ObjectiveOrder;

fn pick<T: Copy>(field: &str, v: Option<&str>, choices: &[(&str, T)]) -> ApiResult<Option<T>> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => choices
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, t)| Some(*t))
            .ok_or_else(|| {
                let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                ApiError::invalid(field, format!("must be one of {}", names.join(", ")))
            }),
    }
}

/// `kind=`: committed or aspirational; 422 naming `kind` otherwise.
pub fn kind(v: Option<&str>) -> ApiResult<Option<ObjectiveKind>> {
    pick(
        "kind",
        v,
        &[
            ("committed", ObjectiveKind::Committed),
            ("aspirational", ObjectiveKind::Aspirational),
        ],
    )
}

/// `state=`: draft, active or closed; 422 naming `state` otherwise.
pub fn state(v: Option<&str>) -> ApiResult<Option<ObjectiveState>> {
    pick(
        "state",
        v,
        &[
            ("draft", ObjectiveState::Draft),
            ("active", ObjectiveState::Active),
            ("closed", ObjectiveState::Closed),
        ],
    )
}

/// `sort=`: title, or created (the default); 422 naming `sort` otherwise.
pub fn order(v: Option<&str>) -> ApiResult<ObjectiveOrder> {
    Ok(pick(
        "sort",
        v,
        &[
            ("title", ObjectiveOrder::Title),
            ("created", ObjectiveOrder::Id),
        ],
    )?
    .unwrap_or_default())
}
