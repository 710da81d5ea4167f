//! The key-result rows of the one-page "New objective" form: key results typed with their
//! objective and sent with it in one submit, created all or nothing. Why: people think of an
//! objective and its key results together, and one page per key result lost that (and lost
//! work). Each row is named like an item of the API's `key_results` list
//! (`key_results[2].target`), so a refusal naming that field lands next to it; every row is
//! checked at once. Rows left blank are ignored: without JavaScript the form offers a few blank
//! rows (and "Add another key result" sends the form back with one more); with it, the button
//! copies the blank row kept in the page (static/okr_form.js).

use super::{parse_choice, Choice, Posted};
use crate::error::ApiError;
use crate::services::okrs::NewKeyResult;
use keel_domain::*;
use std::collections::{BTreeSet, HashMap};

/// Blank rows a new form offers.
pub const BLANK_ROWS: usize = 3;

/// What a row holds, as posted under `key_results[i].`.
const PARTS: [&str; 11] = [
    "title",
    "kind",
    "start",
    "target",
    "unit",
    "milestones",
    "owner_id",
    "owner_note",
    "fit.legitimacy",
    "fit.decision_authority",
    "fit.proximity",
];

/// The ways a key result is measured, in words.
const KINDS: [(&str, &str); 6] = [
    ("increase", "Increase a number"),
    ("decrease", "Decrease a number"),
    ("stay_above", "Stay at or above a number"),
    ("stay_below", "Stay at or below a number"),
    ("boolean", "Done or not done"),
    ("milestone", "Milestones, in order"),
];

/// One key-result row of the form.
pub struct KrRow {
    /// The index in the names (`key_results[{index}].title`); `__i__` in the page's template row.
    pub index: String,
    /// The row's number as people count; `__n__` in the template row.
    pub number: String,
    values: HashMap<&'static str, String>,
    errors: HashMap<String, String>,
    /// The owner's choices: the chosen person (the picker finds others).
    pub owners: Vec<Choice>,
}

impl KrRow {
    /// A blank row owned by `me`, at `index`.
    pub fn blank(index: usize, me: &PersonId) -> Self {
        let mut values = HashMap::new();
        values.insert("kind", "increase".to_string());
        values.insert("owner_id", me.to_string());
        Self {
            index: index.to_string(),
            number: (index + 1).to_string(),
            values,
            errors: HashMap::new(),
            owners: vec![],
        }
    }

    /// The blank row the page keeps for "Add another key result" to copy.
    pub fn template(me: &PersonId) -> Self {
        Self {
            index: "__i__".into(),
            number: "__n__".into(),
            ..Self::blank(0, me)
        }
    }

    pub fn name(&self, part: &str) -> String {
        format!("key_results[{}].{part}", self.index)
    }

    /// The id of a part's input (`kr-2-fit-proximity`).
    pub fn id(&self, part: &str) -> String {
        format!("kr-{}-{}", self.index, part.replace('.', "-"))
    }

    pub fn value(&self, part: &str) -> &str {
        self.values.get(part).map(String::as_str).unwrap_or("")
    }

    pub fn checked(&self, part: &str) -> bool {
        !self.value(part).is_empty()
    }

    pub fn error(&self, part: &str) -> Option<&str> {
        self.errors.get(part).map(String::as_str)
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// `aria-describedby` for a part: its error, when it has one.
    pub fn described_by(&self, part: &str) -> String {
        if self.errors.contains_key(part) {
            format!("{}-error", self.id(part))
        } else {
            String::new()
        }
    }

    /// The kinds, the row's chosen.
    pub fn kinds(&self) -> Vec<Choice> {
        KINDS
            .iter()
            .map(|(v, l)| Choice {
                value: v.to_string(),
                label: l.to_string(),
                selected: self.value("kind") == *v,
                me: false,
            })
            .collect()
    }

    /// Nothing typed in it (the kind and owner come chosen): the row is left out.
    fn is_blank(&self) -> bool {
        PARTS
            .iter()
            .filter(|p| !matches!(**p, "kind" | "owner_id"))
            .all(|p| self.value(p).trim().is_empty())
    }

    /// Shows an error about `part` (or, for `milestones[2].title`, about the milestones).
    fn refuse(&mut self, part: &str, message: String) {
        let part = if part.starts_with("milestones") {
            "milestones"
        } else if part == "metric_kind" {
            "kind"
        } else {
            part
        };
        let part = if PARTS.contains(&part) { part } else { "title" };
        self.errors.entry(part.to_string()).or_insert(message);
    }

    /// The key result this row asks for, or the refusals of its fields (each named
    /// `key_results[i].field`).
    fn new_key_result(&self, errors: &mut Vec<ApiError>) -> NewKeyResult {
        let number = |part: &str, errors: &mut Vec<ApiError>| {
            let raw = self.value(part).trim();
            if raw.is_empty() {
                return None;
            }
            let parsed = super::super::format::parse_num(raw);
            if parsed.is_none() {
                errors.push(ApiError::invalid(
                    &self.name(part),
                    format!(
                        "must be a number, {}",
                        super::super::format::number_example()
                    ),
                ));
            }
            parsed
        };
        let kind: MetricKind = match parse_choice(&self.name("kind"), self.value("kind")) {
            Ok(k) => k,
            Err(e) => {
                errors.push(e);
                MetricKind::Increase
            }
        };
        let numbers = !matches!(kind, MetricKind::Boolean | MetricKind::Milestone);
        let fit = OwnerFit {
            legitimacy: self.checked("fit.legitimacy"),
            decision_authority: self.checked("fit.decision_authority"),
            proximity: self.checked("fit.proximity"),
            note: String::new(),
        };
        let start = if numbers {
            number("start", errors)
        } else {
            None
        };
        let target = if numbers {
            number("target", errors)
        } else {
            None
        };
        NewKeyResult {
            title: self.value("title").to_string(),
            description: String::new(),
            owner_id: Some(self.value("owner_id"))
                .filter(|o| !o.trim().is_empty())
                .map(|o| PersonId::from_string(o.to_string())),
            owner_note: self.value("owner_note").to_string(),
            owner_fit: (fit != OwnerFit::default()).then_some(fit),
            co_owner_ids: vec![],
            sponsor_id: None,
            contributor_ids: vec![],
            team_ids: vec![],
            parent_ids: vec![],
            kpi_id: None,
            kind,
            start: start.unwrap_or(0.0),
            target,
            current: None,
            unit: if numbers {
                self.value("unit").to_string()
            } else {
                String::new()
            },
            weight: None,
            milestones: if kind == MetricKind::Milestone {
                super::milestones(self.value("milestones"), &[])
            } else {
                vec![]
            },
            financial: false,
            starts_on: None,
            ends_on: None,
        }
    }
}

/// The rows as posted, blank ones left out and the others numbered from 0 (as the service
/// will number them), then blank rows up to [`BLANK_ROWS`] in all; with how many are filled
/// and how many were sent.
pub fn posted_rows(posted: &mut Posted, me: &PersonId) -> (Vec<KrRow>, usize, usize) {
    let indices: BTreeSet<usize> = posted
        .0
        .keys()
        .filter_map(|k| {
            let rest = k.strip_prefix("key_results[")?;
            rest.split(']').next()?.parse().ok()
        })
        .collect();
    let sent = indices.len();
    let mut rows: Vec<KrRow> = vec![];
    for i in indices {
        let mut values = HashMap::new();
        for part in PARTS {
            let v = posted.one(&format!("key_results[{i}].{part}"));
            if !v.is_empty() {
                values.insert(part, v);
            }
        }
        let find = posted.one(&format!("key_results[{i}].owner_id.find"));
        let n = rows.len();
        let row = KrRow {
            index: n.to_string(),
            number: (n + 1).to_string(),
            values,
            errors: HashMap::new(),
            owners: vec![],
        };
        if row.is_blank() && find.trim().is_empty() {
            continue;
        }
        // The find input moves with its row's new index.
        posted
            .0
            .insert(format!("key_results[{n}].owner_id.find"), vec![find]);
        rows.push(row);
    }
    let filled = rows.len();
    while rows.len() < BLANK_ROWS.max(filled) {
        rows.push(KrRow::blank(rows.len(), me));
    }
    (rows, filled, sent)
}

/// Sets a row's owner to what its find input named (an email, an id or words of a name).
pub fn set_owner(rows: &mut [KrRow], index: usize, owner: String) {
    if let Some(r) = rows.get_mut(index) {
        r.values.insert("owner_id", owner);
    }
}

/// The key results the filled rows ask for; the refusals of their fields go to `errors`.
pub fn new_key_results(
    rows: &[KrRow],
    filled: usize,
    errors: &mut Vec<ApiError>,
) -> Vec<NewKeyResult> {
    rows[..filled]
        .iter()
        .map(|r| r.new_key_result(errors))
        .collect()
}

/// Puts an error naming `key_results[i].field` next to that field of row `i`; any other
/// error is given back.
pub fn show(rows: &mut [KrRow], err: ApiError) -> Option<ApiError> {
    let (field, message) = match &err {
        ApiError::Invalid(e) => (e.field.clone(), e.message.clone()),
        ApiError::Conflict {
            field: Some(f),
            message,
        } => (f.clone(), message.clone()),
        _ => return Some(err),
    };
    let Some(rest) = field.strip_prefix("key_results[") else {
        return Some(err);
    };
    let Some((i, part)) = rest.split_once("].") else {
        return Some(err);
    };
    match i.parse::<usize>().ok().and_then(|i| rows.get_mut(i)) {
        Some(row) => {
            row.refuse(part, message);
            None
        }
        None => Some(err),
    }
}

/// Each row's owner choices, named from `people`: the chosen owner, and you (marked, for the
/// page's style to hide the message and fit fields when you name yourself).
pub fn name_owners(rows: &mut [KrRow], people: &[Person], me: &PersonId) {
    for r in rows {
        let chosen = r.value("owner_id").to_string();
        r.owners = people
            .iter()
            .filter(|p| p.id.as_str() == chosen || &p.id == me)
            .map(|p| Choice {
                value: p.id.to_string(),
                label: format!("{} ({})", p.name, p.email.as_str()),
                selected: p.id.as_str() == chosen,
                me: &p.id == me,
            })
            .collect();
    }
}
