//! The import page (administrators): paste an OKR document (`keel export`'s JSON or YAML),
//! check it first (the dry run's report: what would be created, what is already here, which
//! owners would be asked), then import it, all or nothing. The rules are
//! `services::okr_file::import`'s, the same as `keel import` and `POST /api/v1/import`.
//!
//! The document is pasted into a text area: a plain form that works without JavaScript and
//! carries its CSRF token like every other form (a larger file goes through `keel import`).

use super::{sections, Section};
use crate::services::okr_file::{import, Syntax};
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form as PostedForm;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin_import.html")]
struct ImportPage {
    layout: Layout,
    sections: Vec<Section>,
    document: String,
    yaml: bool,
    /// The report's lines, in words; empty before a check.
    report: Vec<String>,
    /// True when the report is of a dry run that passed: the Import button is offered.
    checked: bool,
    /// True when the import was written.
    imported: bool,
    /// Each refusal: where in the document, and what is wrong.
    errors: Vec<(String, String)>,
}

impl ImportPage {
    fn new(caller: &crate::auth::Caller) -> Self {
        ImportPage {
            layout: Layout::signed_in(caller, "/admin"),
            sections: sections(caller, "/admin/import"),
            document: String::new(),
            yaml: false,
            report: vec![],
            checked: false,
            imported: false,
            errors: vec![],
        }
    }
}

/// `GET /admin/import`: the empty form.
pub async fn import_form(
    State(_state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    crate::access::transfer_okrs(&caller.person)?;
    Ok(render(StatusCode::OK, &ImportPage::new(&caller)))
}

#[derive(Deserialize)]
pub struct Posted {
    #[serde(default)]
    document: String,
    #[serde(default)]
    format: String,
    /// `check` (a dry run) or `import`.
    #[serde(default)]
    action: String,
}

/// `POST /admin/import`: checks (a dry run) or imports the pasted document, and shows the
/// report or every refusal with the document kept.
pub async fn import(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    crate::access::transfer_okrs(&caller.person)?;
    let mut page = ImportPage::new(&caller);
    page.yaml = f.format == "yaml";
    page.document = f.document;
    let dry_run = f.action != "import";
    let syntax = if page.yaml {
        Syntax::Yaml
    } else {
        Syntax::Json
    };
    if page.document.trim().is_empty() {
        page.errors = vec![("Document".into(), "paste the document to import".into())];
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let result = import::import(
        state.store(),
        &caller.write_ctx(),
        page.document.as_bytes(),
        syntax,
        dry_run,
    )
    .await;
    match result {
        Ok(report) => {
            page.report = report_lines(&report);
            page.checked = dry_run;
            page.imported = !dry_run;
            if page.imported {
                page.document.clear();
            }
            Ok(render(StatusCode::OK, &page))
        }
        Err(import::ImportError::Invalid(errors)) => {
            page.errors = errors
                .into_iter()
                .map(|e| (place(&e.field), e.message))
                .collect();
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(import::ImportError::Store(e)) => Err(UiError(e.into())),
    }
}

/// The report in words, one line per kind of record.
fn report_lines(r: &import::ImportReport) -> Vec<String> {
    let tally = |what: &str, t: import::Tally| {
        format!(
            "{what}: {} new, {} already here (left as they are)",
            t.created, t.matched
        )
    };
    let mut lines = vec![
        tally("People", r.people),
        tally("Teams", r.teams),
        tally("Cycles", r.cycles),
        tally("Objectives", r.objectives),
        tally("Key results", r.key_results),
        tally("KPIs", r.kpis),
        format!("Check-ins: {}", r.check_ins),
        format!("KPI readings: {}", r.kpi_readings),
        format!("Initiatives: {}", r.initiatives),
        format!(
            "Owners asked to accept: {} (they accept or decline on their week page)",
            r.ownership_proposals
        ),
    ];
    if r.restore {
        lines.insert(
            0,
            "This organisation is empty: the document is restored as it was, owners' answers included."
                .into(),
        );
    }
    lines
}

/// Where in the document a refusal is, in words: `objectives[3].key_results[0].owner` reads
/// "Objective 4, key result 1, owner".
fn place(path: &str) -> String {
    let words = |s: &str| {
        match s {
            "people" => "Person",
            "teams" => "Team",
            "cycles" => "Cycle",
            "objectives" => "Objective",
            "key_results" => "key result",
            "check_ins" => "check-in",
            "initiatives" => "initiative",
            "depends_on" => "dependency",
            "aligned_to" => "contributes to",
            "members" => "member",
            "contributors" => "contributor",
            "co_owners" => "co-owner",
            "file" => "Document",
            other => other,
        }
        .to_string()
    };
    path.split('.')
        .map(|part| match part.split_once('[') {
            Some((name, rest)) => {
                let n: usize = rest.trim_end_matches(']').parse().unwrap_or(0);
                format!("{} {}", words(name), n + 1)
            }
            None => words(part).replace('_', " "),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn places_read_as_words() {
        assert_eq!(
            super::place("objectives[3].key_results[0].owner"),
            "Objective 4, key result 1, owner"
        );
        assert_eq!(super::place("file"), "Document");
        assert_eq!(super::place("people[0].email"), "Person 1, email");
    }
}
