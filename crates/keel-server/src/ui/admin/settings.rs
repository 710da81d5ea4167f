//! The organisation settings page (administrators and champions): name, time zone, ownership
//! policy, confidence scale, check-in weekday, the ownership health thresholds, the weekly
//! rhythm's cadence and whether objectives' progress includes what is aligned to them.

use super::form::{enum_choices, parse_enum, whole, wire, AdminForm, Input, Posted};
use super::{see_other, FormPage, Notice};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::read::administration;
use crate::services::directory::{self, RhythmPatch, SettingsPatch};
use crate::ui::company::Choice;
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form as PostedForm;
use keel_domain::*;

const POLICIES: [(OwnershipPolicy, &str); 2] = [
    (
        OwnershipPolicy::Single,
        "Single: one owner per OKR; contributors instead of co-owners",
    ),
    (
        OwnershipPolicy::Shared,
        "Shared: co-owners allowed next to the one accountable owner",
    ),
];
const SCALES: [(ConfidenceScale, &str); 2] = [
    (
        ConfidenceScale::ZeroToTen,
        "0 to 10 (0–3 off track, 4–6 at risk, 7–10 on track)",
    ),
    (
        ConfidenceScale::ThreeLevel,
        "Three levels (1 off track, 2 at risk, 3 on track)",
    ),
];
const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Monday, "Monday"),
    (Weekday::Tuesday, "Tuesday"),
    (Weekday::Wednesday, "Wednesday"),
    (Weekday::Thursday, "Thursday"),
    (Weekday::Friday, "Friday"),
    (Weekday::Saturday, "Saturday"),
    (Weekday::Sunday, "Sunday"),
];

const DECIMAL_MARKS: [(locale::DecimalMark, &str); 2] = [
    (locale::DecimalMark::Point, "Point: 12.5"),
    (locale::DecimalMark::Comma, "Comma: 12,5"),
];
const SEPARATORS: [(locale::ThousandsSeparator, &str); 4] = [
    (locale::ThousandsSeparator::Comma, "Comma: 1,234,567"),
    (locale::ThousandsSeparator::Point, "Point: 1.234.567"),
    (locale::ThousandsSeparator::Space, "Space: 1 234 567"),
    (locale::ThousandsSeparator::None, "None: 1234567"),
];

/// The progress roll-up's choices (docs/method.md, "Progress roll-up"), as the form spells them.
const ROLLUP: [(&str, &str); 2] = [
    ("off", "Each objective's own key results"),
    (
        "on",
        "Its key results and the public objectives and key results aligned to it",
    ),
];

fn rollup_choices(selected: &str) -> Vec<Choice> {
    ROLLUP
        .iter()
        .map(|(value, label)| Choice {
            selected: *value == selected,
            value: value.to_string(),
            label: label.to_string(),
        })
        .collect()
}

/// The organisation's roll-up setting as typed: `None` when the form did not send it (a page
/// from before the setting), 422 naming `progress_rollup` for anything but `on` or `off`.
fn parse_rollup(v: &str) -> ApiResult<Option<bool>> {
    match v {
        "" => Ok(None),
        "on" => Ok(Some(true)),
        "off" => Ok(Some(false)),
        _ => Err(crate::error::ApiError::invalid(
            "progress_rollup",
            "must be one of on or off",
        )),
    }
}

/// The settings form's inputs, from values as typed (`get` answers by input name).
fn settings_inputs(get: impl Fn(&str) -> String) -> Vec<Input> {
    vec![
        Input::text("name", "Organisation name", "text", &get("name")).required(),
        Input::select(
            "time_zone",
            "Time zone",
            crate::ui::account::time_zone::zone_choices(&get("time_zone")),
            "",
        )
        .required()
        .hint("Due dates and \"today\" follow it."),
        Input::select(
            "locale.decimal_mark",
            "Decimal mark (how numbers are written and typed)",
            enum_choices(&DECIMAL_MARKS, &get("locale.decimal_mark")),
            "",
        ),
        Input::select(
            "locale.thousands_separator",
            "Thousands separator",
            enum_choices(&SEPARATORS, &get("locale.thousands_separator")),
            "",
        ),
        Input::select(
            "ownership_policy",
            "Ownership policy",
            enum_choices(&POLICIES, &get("ownership_policy")),
            "",
        ),
        Input::select(
            "confidence_scale",
            "Confidence scale",
            enum_choices(&SCALES, &get("confidence_scale")),
            "",
        ),
        Input::select(
            "check_in_weekday",
            "Check-ins are due on",
            enum_choices(&WEEKDAYS, &get("check_in_weekday")),
            "",
        ),
        Input::text(
            "health.pending_ownership_days",
            "Warn when an ownership request waits more than (days)",
            "number",
            &get("health.pending_ownership_days"),
        )
        .required(),
        Input::text(
            "health.owner_overload",
            "Warn when one person owns more than (OKRs in a cycle)",
            "number",
            &get("health.owner_overload"),
        )
        .required(),
        Input::text(
            "health.max_key_results",
            "Warn when an objective has more than (key results)",
            "number",
            &get("health.max_key_results"),
        )
        .required(),
        Input::text(
            "rhythm.cadence_days",
            "Check-in cadence (days between check-ins; teams may set their own)",
            "number",
            &get("rhythm.cadence_days"),
        )
        .required(),
        Input::text(
            "rhythm.grace_days",
            "Grace before a silent key result turns stale (days past the cadence)",
            "number",
            &get("rhythm.grace_days"),
        )
        .required(),
        Input::select(
            "progress_rollup",
            "An objective's progress counts",
            rollup_choices(&get("progress_rollup")),
            "",
        )
        .hint("Each objective may choose otherwise on its own edit page."),
    ]
}

fn settings_page(caller: &Caller, inputs: Vec<Input>) -> FormPage {
    let layout = Layout::signed_in(caller, "/admin");
    let mut page = FormPage::new(
        caller,
        "/admin/settings",
        "Organisation settings",
        AdminForm::new(&layout, inputs),
    );
    page.intro = "Policies for the whole organisation. The health thresholds decide when the health check starts to warn. A key result turns stale when its owner has been silent longer than its cadence plus the grace period: the same rule for status, check-ins due and the health check.".into();
    page.action = "/admin/settings".into();
    page
}

/// `GET /admin/settings` (administrators and champions).
pub async fn settings_form(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(n): Query<Notice>,
) -> Result<Response, UiError> {
    let s = administration::admin_settings(state.store(), &caller).await?;
    let inputs = settings_inputs(|name| match name {
        "name" => s.name.clone(),
        "time_zone" => s.time_zone.clone(),
        "ownership_policy" => wire(s.ownership_policy),
        "locale.decimal_mark" => wire(s.locale.decimal_mark),
        "locale.thousands_separator" => wire(s.locale.thousands_separator),
        "confidence_scale" => wire(s.confidence_scale),
        "check_in_weekday" => wire(s.check_in_weekday),
        "health.pending_ownership_days" => s.health.pending_ownership_days.to_string(),
        "health.owner_overload" => s.health.owner_overload.to_string(),
        "health.max_key_results" => s.health.max_key_results.to_string(),
        "rhythm.cadence_days" => s.rhythm.cadence_days.to_string(),
        "rhythm.grace_days" => s.rhythm.grace_days.to_string(),
        "progress_rollup" => if s.progress_rollup { "on" } else { "off" }.into(),
        _ => String::new(),
    });
    let mut page = settings_page(&caller, inputs);
    page.form.success = n.message("settings");
    Ok(render(StatusCode::OK, &page))
}

fn settings_patch(f: &Posted) -> ApiResult<SettingsPatch> {
    Ok(SettingsPatch {
        name: Some(f.get("name").to_string()),
        time_zone: Some(f.get("time_zone").trim().to_string()),
        ownership_policy: Some(parse_enum(
            "ownership_policy",
            f.get("ownership_policy"),
            "single or shared",
        )?),
        confidence_scale: Some(parse_enum(
            "confidence_scale",
            f.get("confidence_scale"),
            "zero_to_ten or three_level",
        )?),
        check_in_weekday: Some(parse_enum(
            "check_in_weekday",
            f.get("check_in_weekday"),
            "a day of the week",
        )?),
        health: Some(HealthThresholds {
            pending_ownership_days: whole(
                "health.pending_ownership_days",
                f.get("health.pending_ownership_days"),
            )?,
            owner_overload: whole("health.owner_overload", f.get("health.owner_overload"))?,
            max_key_results: whole("health.max_key_results", f.get("health.max_key_results"))?,
        }),
        rhythm: Some(RhythmPatch {
            cadence_days: Some(whole("rhythm.cadence_days", f.get("rhythm.cadence_days"))?),
            grace_days: Some(whole("rhythm.grace_days", f.get("rhythm.grace_days"))?),
        }),
        progress_rollup: parse_rollup(f.get("progress_rollup"))?,
        // A form from before the locale fields keeps the organisation's way of writing numbers.
        locale: if f.get("locale.decimal_mark").is_empty()
            && f.get("locale.thousands_separator").is_empty()
        {
            None
        } else {
            Some(locale::NumberLocale {
                decimal_mark: parse_enum(
                    "locale.decimal_mark",
                    f.get("locale.decimal_mark"),
                    "point or comma",
                )?,
                thousands_separator: parse_enum(
                    "locale.thousands_separator",
                    f.get("locale.thousands_separator"),
                    "none, comma, point or space",
                )?,
            })
        },
    })
}

/// `POST /admin/settings`.
pub async fn update_settings(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    administration::admin_settings(state.store(), &caller).await?;
    let result = match settings_patch(&f) {
        Ok(patch) => directory::patch_settings(state.store(), &caller, patch).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/admin/settings?saved=1".into())),
        Err(e) => {
            let mut page = settings_page(&caller, settings_inputs(|n| f.get(n).to_string()));
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}
