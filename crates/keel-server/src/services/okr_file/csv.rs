//! CSV imports of people, teams and OKRs from a spreadsheet, with a column mapping: each row
//! becomes records of the OKR document (`OkrFile`) and goes through the same resolution and the
//! same one-transaction write as a document import, so the rules cannot differ. Every refusal is
//! named by its row (1 is the header, as a spreadsheet numbers them) and column
//! (`row 7, column owner_email: no person with email x@y`).
//!
//! OKR rows: one row per key result, the objective's columns repeated on each of its rows (rows
//! with the same cycle and objective title are one objective); a row without a key result title
//! is an objective alone.

use super::import::{self, ImportError, ImportReport};
use super::*;
use keel_store::{Store, WriteCtx};
use std::collections::HashMap;

/// The kind of record a CSV file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    People,
    Teams,
    Okrs,
}

impl Kind {
    pub fn parse(s: &str) -> FieldResult<Kind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "people" => Ok(Kind::People),
            "teams" => Ok(Kind::Teams),
            "okrs" => Ok(Kind::Okrs),
            _ => Err(FieldError::new("kind", "must be people, teams or okrs")),
        }
    }

    /// The fields a column may hold, the required ones first.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::People => &[
                "email",
                "name",
                "title",
                "manager_email",
                "roles",
                "active",
                "time_zone",
            ],
            Kind::Teams => &["name", "parent", "lead_email", "members"],
            Kind::Okrs => &[
                "cycle",
                "objective",
                "owner_email",
                "description",
                "teams",
                "visibility",
                "kind",
                "key_result",
                "key_result_owner_email",
                "metric",
                "start",
                "target",
                "unit",
            ],
        }
    }

    fn required(self) -> &'static [&'static str] {
        match self {
            Kind::People => &["email", "name"],
            Kind::Teams => &["name"],
            Kind::Okrs => &["cycle", "objective", "owner_email"],
        }
    }
}

/// Which column holds which field: `column=field` pairs; a column named like a field needs none.
#[derive(Debug, Clone, Default)]
pub struct Mapping(HashMap<String, String>);

impl Mapping {
    /// Reads `column=field` pairs.
    pub fn parse(pairs: &[String]) -> FieldResult<Mapping> {
        let mut map = HashMap::new();
        for p in pairs {
            let Some((column, field)) = p.split_once('=') else {
                return Err(FieldError::new("map", format!("'{p}' is not column=field")));
            };
            map.insert(column.trim().to_lowercase(), field.trim().to_lowercase());
        }
        Ok(Mapping(map))
    }

    /// The field of a header cell.
    fn field_of(&self, header: &str) -> String {
        let h = header.trim().to_lowercase();
        self.0.get(&h).cloned().unwrap_or(h)
    }
}

/// One row's cells by field, with where each came from.
struct Row<'a> {
    number: usize,
    cells: &'a [String],
    columns: &'a HashMap<String, (usize, String)>,
}

impl Row<'_> {
    fn get(&self, field: &str) -> String {
        self.columns
            .get(field)
            .and_then(|(i, _)| self.cells.get(*i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    fn opt(&self, field: &str) -> Option<String> {
        Some(self.get(field)).filter(|s| !s.is_empty())
    }

    fn list(&self, field: &str) -> Vec<String> {
        self.get(field)
            .split([';', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn at(&self, field: &str) -> String {
        let column = self.columns.get(field).map_or(field, |(_, c)| c.as_str());
        format!("row {}, column {column}", self.number)
    }
}

/// Where each record field of the built document came from (`objectives[0].owner` → row 2,
/// column owner_email), to name refusals by row and column.
#[derive(Default)]
struct Origins(HashMap<String, String>);

impl Origins {
    fn note(&mut self, path: String, row: &Row, field: &str) {
        self.0.insert(path, row.at(field));
    }

    /// The refusal renamed by row and column (its record's row when the field has no column).
    fn rename(&self, mut e: FieldError) -> FieldError {
        let mut path = e.field.clone();
        loop {
            if let Some(at) = self.0.get(&path) {
                e.field = at.clone();
                return e;
            }
            match path.rfind(['.', '[']) {
                Some(i) => path.truncate(i),
                None => return e,
            }
        }
    }
}

/// Reads a CSV file of `kind` with `mapping`, then checks and writes it as a document import
/// does: all or nothing, nothing on a dry run.
pub async fn import(
    store: &dyn Store,
    ctx: &WriteCtx,
    bytes: &[u8],
    kind: Kind,
    mapping: &Mapping,
    dry_run: bool,
) -> Result<ImportReport, ImportError> {
    let (file, origins) = read(bytes, kind, mapping)?;
    let plan = import::plan(store, &file, ctx.actor_id.clone())
        .await
        .map_err(|e| match e {
            ImportError::Invalid(errors) => {
                ImportError::Invalid(errors.into_iter().map(|e| origins.rename(e)).collect())
            }
            other => other,
        })?;
    import::apply(store, ctx, plan, dry_run).await
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> ImportError {
    ImportError::Invalid(vec![FieldError::new(field, message)])
}

/// The CSV as a document, with where each of its fields came from.
fn read(bytes: &[u8], kind: Kind, mapping: &Mapping) -> Result<(OkrFile, Origins), ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| invalid("file", "is not UTF-8 text"))?;
    let rows = crate::csv::parse(text).map_err(|e| invalid(format!("row {}", e.row), e.message))?;
    let Some((header, body)) = rows.split_first() else {
        return Err(invalid("file", "is empty: the first row names the columns"));
    };
    let mut columns = HashMap::new();
    let mut errors = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let field = mapping.field_of(h);
        if !kind.fields().contains(&field.as_str()) {
            errors.push(FieldError::new(
                format!("row 1, column {}", h.trim()),
                format!(
                    "is not a field of {} (use --map column=field; fields: {})",
                    kind_name(kind),
                    kind.fields().join(", ")
                ),
            ));
        } else if columns
            .insert(field.clone(), (i, h.trim().to_string()))
            .is_some()
        {
            errors.push(FieldError::new(
                format!("row 1, column {}", h.trim()),
                format!("a second column for {field}"),
            ));
        }
    }
    for f in kind.required() {
        if !columns.contains_key(*f) {
            errors.push(FieldError::new(
                "row 1",
                format!("no column holds {f} (use --map column={f})"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Invalid(errors));
    }
    let mut file = OkrFile {
        format: FORMAT.into(),
        version: VERSION,
        cycle: None,
        settings: None,
        kpis: vec![],
        people: vec![],
        teams: vec![],
        cycles: vec![],
        objectives: vec![],
    };
    let mut origins = Origins::default();
    for (i, cells) in body.iter().enumerate() {
        let row = Row {
            number: i + 2,
            cells,
            columns: &columns,
        };
        match kind {
            Kind::People => person_row(&row, &mut file, &mut origins, &mut errors),
            Kind::Teams => team_row(&row, &mut file, &mut origins),
            Kind::Okrs => okr_row(&row, &mut file, &mut origins, &mut errors),
        }
    }
    if errors.is_empty() {
        Ok((file, origins))
    } else {
        Err(ImportError::Invalid(errors))
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::People => "people",
        Kind::Teams => "teams",
        Kind::Okrs => "OKRs",
    }
}

fn person_row(row: &Row, file: &mut OkrFile, origins: &mut Origins, errors: &mut Vec<FieldError>) {
    let at = format!("people[{}]", file.people.len());
    let mut roles = Vec::new();
    for r in row
        .list("roles")
        .iter()
        .flat_map(|r| r.split([',', ' ']))
        .filter(|r| !r.is_empty())
    {
        match serde_json::from_value::<Role>(serde_json::Value::String(r.to_lowercase())) {
            Ok(role) => roles.push(role),
            Err(_) => errors.push(FieldError::new(
                row.at("roles"),
                format!("'{r}' is not a role"),
            )),
        }
    }
    let active = match row.get("active").to_lowercase().as_str() {
        "" | "yes" | "true" | "1" => true,
        "no" | "false" | "0" => false,
        other => {
            errors.push(FieldError::new(
                row.at("active"),
                format!("'{other}' is not yes or no"),
            ));
            true
        }
    };
    for (f, c) in [
        ("email", "email"),
        ("name", "name"),
        ("manager", "manager_email"),
    ] {
        origins.note(format!("{at}.{f}"), row, c);
    }
    origins.note(at.clone(), row, "email");
    file.people.push(PersonRecord {
        id: None,
        email: row.get("email"),
        name: row.get("name"),
        title: row.get("title"),
        manager: row.opt("manager_email"),
        active,
        roles,
        time_zone: row.opt("time_zone"),
    });
}

fn team_row(row: &Row, file: &mut OkrFile, origins: &mut Origins) {
    let at = format!("teams[{}]", file.teams.len());
    for (f, c) in [
        ("name", "name"),
        ("parent", "parent"),
        ("lead", "lead_email"),
        ("members", "members"),
    ] {
        origins.note(format!("{at}.{f}"), row, c);
    }
    origins.note(at, row, "name");
    file.teams.push(TeamRecord {
        id: None,
        name: row.get("name"),
        parent: row.opt("parent"),
        lead: row.opt("lead_email"),
        members: row.list("members"),
    });
}

/// A value of a domain enum as the API spells it (`committed`, `percent` …).
fn spelled<T: serde::de::DeserializeOwned>(
    row: &Row,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let v = row.opt(field)?;
    match serde_json::from_value(serde_json::Value::String(
        v.to_lowercase().replace(' ', "_"),
    )) {
        Ok(x) => Some(x),
        Err(_) => {
            errors.push(FieldError::new(
                row.at(field),
                format!("'{v}' is not one of its values"),
            ));
            None
        }
    }
}

fn number(row: &Row, field: &str, errors: &mut Vec<FieldError>) -> f64 {
    let v = row.get(field);
    match v.parse::<f64>() {
        Ok(n) if n.is_finite() => n,
        _ => {
            errors.push(FieldError::new(
                row.at(field),
                format!("'{v}' is not a number"),
            ));
            0.0
        }
    }
}

fn okr_row(row: &Row, file: &mut OkrFile, origins: &mut Origins, errors: &mut Vec<FieldError>) {
    let (cycle, title) = (row.get("cycle"), row.get("objective"));
    let index = match file
        .objectives
        .iter()
        .position(|o| o.cycle == cycle && o.title == title)
    {
        Some(i) => i,
        None => {
            let at = format!("objectives[{}]", file.objectives.len());
            for (f, c) in [
                ("cycle", "cycle"),
                ("title", "objective"),
                ("owner", "owner_email"),
                ("teams", "teams"),
            ] {
                origins.note(format!("{at}.{f}"), row, c);
            }
            origins.note(at, row, "objective");
            file.objectives.push(ObjectiveRecord {
                id: None,
                cycle,
                title,
                description: row.get("description"),
                owner: row.get("owner_email"),
                ownership: OwnershipState::Pending,
                co_owners: vec![],
                sponsor: None,
                contributors: vec![],
                teams: row.list("teams"),
                aligned_to: vec![],
                kind: spelled(row, "kind", errors).unwrap_or_default(),
                state: ObjectiveState::default(),
                visibility: spelled(row, "visibility", errors).unwrap_or_default(),
                progress_rollup: ProgressRollup::default(),
                created_at: None,
                retrospective: None,
                key_results: vec![],
            });
            file.objectives.len() - 1
        }
    };
    let Some(kr_title) = row.opt("key_result") else {
        return;
    };
    let objective = &mut file.objectives[index];
    let at = format!(
        "objectives[{index}].key_results[{}]",
        objective.key_results.len()
    );
    let owner_column = if row.opt("key_result_owner_email").is_some() {
        "key_result_owner_email"
    } else {
        "owner_email"
    };
    for (f, c) in [
        ("title", "key_result"),
        ("owner", owner_column),
        ("start", "start"),
        ("target", "target"),
    ] {
        origins.note(format!("{at}.{f}"), row, c);
    }
    origins.note(at, row, "key_result");
    let owner = row
        .opt("key_result_owner_email")
        .unwrap_or_else(|| row.get("owner_email"));
    let metric: MetricKind = spelled(row, "metric", errors).unwrap_or_default();
    objective.key_results.push(KeyResultRecord {
        id: None,
        title: kr_title,
        description: String::new(),
        owner,
        ownership: OwnershipState::Pending,
        co_owners: vec![],
        sponsor: None,
        contributors: vec![],
        teams: vec![],
        metric,
        start: number(row, "start", errors),
        target: number(row, "target", errors),
        current: None,
        unit: row.get("unit"),
        weight: 1.0,
        milestones: vec![],
        kpi: None,
        financial: false,
        starts_on: None,
        ends_on: None,
        confidence: None,
        last_check_in_at: None,
        created_at: None,
        aligned_to: vec![],
        depends_on: vec![],
        check_ins: vec![],
        initiatives: vec![],
        score: None,
    });
}
