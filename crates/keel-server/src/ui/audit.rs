//! The audit log page (`/admin/audit`, administrators and champions): who did what, when,
//! filtered by object, actor and days with a plain GET form (bad values shown next to the
//! field), 50 events a page, with links to download the same selection as CSV or JSON from the
//! API's export (`GET /api/v1/audit`, which accepts the browser session).

use super::admin_sections;
use super::{encode, render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::read::audit_log::{self, AuditFilters};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

/// The audit page's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/audit", get(audit))
}

pub struct EventLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub objective_href: Option<String>,
    pub source: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    layout: Layout,
    sections: Vec<super::admin::Section>,
    /// The filter inputs: name, label, input type, value typed, error.
    fields: Vec<(
        &'static str,
        &'static str,
        &'static str,
        String,
        Option<String>,
    )>,
    errors: Vec<(&'static str, String)>,
    /// How to type a day ("e.g. 5 Dec 2026"), shown under the day filters.
    date_example: String,
    events: Vec<EventLine>,
    next: Option<String>,
    csv: String,
    json: String,
}

fn query(f: &AuditFilters) -> String {
    [
        ("object_id", &f.object_id),
        ("actor_id", &f.actor_id),
        ("since", &f.since),
        ("until", &f.until),
    ]
    .iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| format!("{k}={}", encode(v.trim())))
    .collect::<Vec<_>>()
    .join("&")
}

/// `GET /admin/audit`.
pub async fn audit(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(f): Query<AuditFilters>,
) -> Result<Response, UiError> {
    crate::access::read_audit(&caller.person)?;
    // The days are typed the organisation's way ("5 Dec 2026"); the log reads ISO days.
    let mut day_errors = vec![];
    let mut api_f = f.clone();
    for (name, typed, iso) in [
        ("since", &f.since, &mut api_f.since),
        ("until", &f.until, &mut api_f.until),
    ] {
        match super::format::parse_optional_date(name, typed) {
            Ok(day) => *iso = day.map(|d| d.to_string()).unwrap_or_default(),
            Err(ApiError::Invalid(e)) => day_errors.push((name, e.message)),
            Err(e) => return Err(UiError(e)),
        }
    }
    let read = if day_errors.is_empty() {
        audit_log::audit_page(state.store(), &caller, &api_f).await
    } else {
        Err(ApiError::invalid(day_errors[0].0, day_errors[0].1.clone()))
    };
    let (events, next, errors) = match read {
        Ok((page, names, titles)) => (
            page.items
                .iter()
                .map(|e| {
                    let name_of = |p: &keel_domain::PersonId| {
                        names
                            .get(p)
                            .cloned()
                            .unwrap_or_else(|| "a former member".into())
                    };
                    EventLine {
                        at: super::format::when(e.at),
                        actor: e
                            .actor_id
                            .as_ref()
                            .map(name_of)
                            .unwrap_or_else(|| "Keel".into()),
                        action: audit_log::action_words(e, &name_of).0,
                        object: audit_log::object_words(e, &titles),
                        objective_href: e.objective_id.as_ref().map(|o| format!("/objectives/{o}")),
                        source: audit_log::source_words(e.source).into(),
                    }
                })
                .collect(),
            page.next_cursor,
            vec![],
        ),
        Err(ApiError::Invalid(e)) => {
            let name = match e.field.as_str() {
                "object_id" => "object_id",
                "actor_id" => "actor_id",
                "until" => "until",
                "since" => "since",
                _ => "cursor",
            };
            let mut errors = vec![(name, e.message)];
            errors.extend(day_errors.into_iter().skip(1));
            (vec![], None, errors)
        }
        Err(e) => return Err(UiError(e)),
    };
    let q = query(&api_f);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = AuditPage {
        layout: Layout::signed_in(&caller, "/admin"),
        sections: admin_sections(&caller, "/admin/audit"),
        next: next.map(|c| {
            let sep = if q.is_empty() { "" } else { "&" };
            format!("/admin/audit?{q}{sep}cursor={}", encode(&c))
        }),
        csv: format!(
            "/api/v1/audit?format=csv&limit=500{}{q}",
            if q.is_empty() { "" } else { "&" }
        ),
        json: format!(
            "/api/v1/audit?format=json&limit=500{}{q}",
            if q.is_empty() { "" } else { "&" }
        ),
        fields: [
            ("object_id", "Object id", "text", f.object_id.clone()),
            ("actor_id", "Actor (person id)", "text", f.actor_id.clone()),
            ("since", "Since (day)", "text", f.since.clone()),
            ("until", "Until (day)", "text", f.until.clone()),
        ]
        .into_iter()
        .map(|(n, l, k, v)| {
            let e = errors.iter().find(|(m, _)| *m == n).map(|(_, e)| e.clone());
            (n, l, k, v, e)
        })
        .collect(),
        errors,
        date_example: super::format::date_example(),
        events,
    };
    Ok(render(status, &page))
}
