//! Taking a document back: parse it, resolve every reference (people by email, teams and cycles
//! by name, OKRs by id) against the file and the database, and write it all in one transaction,
//! or nothing, with every refusal named by its place in the file
//! (`objectives[3].owner: no person with email x@y`).
//!
//! Into an empty database the document is a restore: ids, recorded acceptance and history come
//! back as they were. Into an organisation that already has people, people are matched by email,
//! teams and cycles by name (matched records are left as they are), OKRs already present (same
//! id) are left alone, and every owner the file names arrives as an ownership proposal the owner
//! accepts or declines: an import never records someone's acceptance for them.

use super::*;
use keel_store::{
    every_page, Cycles, DataFeeds, KeyResults, Objectives, People, PeopleFilter, Snapshot,
    Snapshots, Store, StoreError, TeamFilter, Teams, WriteCtx,
};
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The document is refused: every problem, each naming its record and field.
    #[error("{}", describe(.0))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The refusals as one text, one per line.
pub fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The most refusals reported at once (the rest are counted).
const MAX_ERRORS: usize = 100;

/// How many records of one kind an import creates and how many it finds already there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Tally {
    /// New records.
    pub created: u64,
    /// Records already in the organisation (matched by email, name or id), left as they are.
    pub matched: u64,
}

/// What an import wrote, or (a dry run) would write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportReport {
    /// True when nothing was written (a dry run).
    pub dry_run: bool,
    /// True when the database was empty: the document is restored as it was (ids, acceptance).
    pub restore: bool,
    pub people: Tally,
    pub teams: Tally,
    pub cycles: Tally,
    pub objectives: Tally,
    pub key_results: Tally,
    pub kpis: Tally,
    pub check_ins: u64,
    pub kpi_readings: u64,
    pub initiatives: u64,
    /// Owners asked to accept an OKR (pending ownership requests created).
    pub ownership_proposals: u64,
    /// Whether the organisation's settings are taken from the file (a restore only).
    pub settings: bool,
}

/// Reads a document, refusing one that is not a Keel OKR document of this version.
pub fn parse(bytes: &[u8], syntax: Syntax) -> Result<OkrFile, ImportError> {
    let bad = |m: String| ImportError::Invalid(vec![FieldError::new("file", m)]);
    let text = std::str::from_utf8(bytes).map_err(|_| bad("is not UTF-8 text".into()))?;
    let file: OkrFile = match syntax {
        Syntax::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            let file = serde_path_to_error::deserialize(&mut de).map_err(|e| located(e, "JSON"))?;
            de.end()
                .map_err(|e| bad(format!("not a Keel OKR document in JSON: {e}")))?;
            file
        }
        Syntax::Yaml => {
            serde_path_to_error::deserialize(serde_yaml_ng::Deserializer::from_str(text))
                .map_err(|e| located(e, "YAML"))?
        }
    };
    if file.format != FORMAT {
        return Err(ImportError::Invalid(vec![FieldError::new(
            "format",
            format!("must be '{FORMAT}' (got '{}')", file.format),
        )]));
    }
    if file.version != VERSION {
        return Err(ImportError::Invalid(vec![FieldError::new(
            "version",
            format!(
                "this Keel reads version {VERSION} of the format (got {}); use the Keel that wrote it",
                file.version
            ),
        )]));
    }
    Ok(file)
}

/// A parse error at its place in the document (`objectives[2].key_results[0].metric`).
fn located<E: std::fmt::Display>(err: serde_path_to_error::Error<E>, syntax: &str) -> ImportError {
    let path = err.path().to_string();
    let message = err.into_inner().to_string();
    // serde_yaml_ng's messages start with the path already.
    let message = message
        .strip_prefix(&format!("{path}: "))
        .map(str::to_string)
        .unwrap_or(message);
    let field = if path == "." || path.is_empty() {
        "file".to_string()
    } else {
        path
    };
    ImportError::Invalid(vec![FieldError::new(
        field,
        format!("not a Keel OKR document in {syntax}: {message}"),
    )])
}

/// A resolved document: the records to write, and the report of what they are.
#[derive(Debug)]
pub struct Plan {
    pub snapshot: Snapshot,
    pub report: ImportReport,
}

/// Parses, resolves and (unless `dry_run`) writes a document, all or nothing.
pub async fn import(
    store: &dyn Store,
    ctx: &WriteCtx,
    bytes: &[u8],
    syntax: Syntax,
    dry_run: bool,
) -> Result<ImportReport, ImportError> {
    let file = parse(bytes, syntax)?;
    let plan = plan(store, &file, ctx.actor_id.clone()).await?;
    apply(store, ctx, plan, dry_run).await
}

/// Writes a resolved document in one transaction (nothing on a dry run).
pub async fn apply(
    store: &dyn Store,
    ctx: &WriteCtx,
    plan: Plan,
    dry_run: bool,
) -> Result<ImportReport, ImportError> {
    let mut report = plan.report;
    report.dry_run = dry_run;
    if !dry_run {
        store.load_snapshot(ctx, &plan.snapshot).await?;
    }
    Ok(report)
}

/// Who and what the document's references name, from the file and the database.
struct Resolver {
    restore: bool,
    now: chrono::DateTime<chrono::Utc>,
    /// The importing person: proposer of the ownership an import asks for.
    actor: Option<PersonId>,
    people: HashMap<String, PersonId>,
    teams: HashMap<String, TeamId>,
    cycles: HashMap<String, CycleId>,
    /// OKR ids the file holds or the database has, for alignment and dependencies.
    objective_ids: HashSet<String>,
    key_result_ids: HashSet<String>,
    /// OKRs of the file that the database already has (left alone).
    present_objectives: HashSet<String>,
    present_key_results: HashSet<String>,
    /// KPI ids the file holds or the database has, for key results' `kpi`.
    kpi_ids: HashSet<String>,
    errors: Vec<FieldError>,
    snapshot: Snapshot,
    report: ImportReport,
}

impl Resolver {
    fn refuse(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    fn keep<T>(&mut self, r: FieldResult<T>) -> Option<T> {
        r.map_err(|e| self.errors.push(e)).ok()
    }

    /// The person with this email, or a refusal naming `field`.
    fn person(&mut self, field: &str, email: &str) -> Option<PersonId> {
        let found = self.people.get(&email.trim().to_lowercase()).cloned();
        if found.is_none() {
            self.refuse(field, format!("no person with email {}", email.trim()));
        }
        found
    }

    fn person_opt(&mut self, field: &str, email: &Option<String>) -> Option<PersonId> {
        email.as_deref().and_then(|e| self.person(field, e))
    }

    fn people_of(&mut self, field: &str, emails: &[String]) -> Vec<PersonId> {
        emails
            .iter()
            .enumerate()
            .filter_map(|(i, e)| self.person(&format!("{field}[{i}]"), e))
            .collect()
    }

    fn teams_of(&mut self, field: &str, names: &[String]) -> Vec<TeamId> {
        let mut out = Vec::new();
        for (i, n) in names.iter().enumerate() {
            match self.teams.get(n.trim()) {
                Some(t) => out.push(t.clone()),
                None => self.refuse(
                    format!("{field}[{i}]"),
                    format!("no team named '{}'", n.trim()),
                ),
            }
        }
        out
    }

    /// An id the file gives (kept by a restore and for new OKRs), or a fresh one.
    fn id(&self, given: &Option<String>, keep: bool) -> String {
        match given.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) if keep => id.to_string(),
            _ => uuid::Uuid::now_v7().to_string(),
        }
    }

    fn parents(&mut self, field: &str, parents: &[ParentRecord]) -> Vec<ParentRef> {
        let mut out = Vec::new();
        for (i, p) in parents.iter().enumerate() {
            match p {
                ParentRecord::Objective(id) if self.objective_ids.contains(id) => {
                    out.push(ParentRef::Objective(ObjectiveId::from_string(id)))
                }
                ParentRecord::KeyResult(id) if self.key_result_ids.contains(id) => {
                    out.push(ParentRef::KeyResult(KeyResultId::from_string(id)))
                }
                ParentRecord::Objective(id) => self.refuse(
                    format!("{field}[{i}].objective"),
                    format!("no objective with id {id}"),
                ),
                ParentRecord::KeyResult(id) => self.refuse(
                    format!("{field}[{i}].key_result"),
                    format!("no key result with id {id}"),
                ),
            }
        }
        out
    }

    /// A title that must not be blank.
    fn text(&mut self, field: &str, value: &str) -> String {
        if value.trim().is_empty() {
            self.refuse(field, "must not be empty");
        }
        value.trim().to_string()
    }

    /// The acceptance to record: the file's on a restore; pending (a proposal) otherwise.
    fn ownership(
        &mut self,
        okr: OkrRef,
        owner: &PersonId,
        recorded: OwnershipState,
    ) -> OwnershipState {
        let state = if self.restore {
            recorded
        } else {
            OwnershipState::Pending
        };
        if state == OwnershipState::Pending {
            self.report.ownership_proposals += 1;
            self.snapshot.ownership_requests.push(OwnershipRequest {
                id: OwnershipRequestId::generate(),
                okr,
                previous_owner_id: None,
                proposed_owner_id: owner.clone(),
                proposed_by: if self.restore {
                    None
                } else {
                    self.actor.clone()
                },
                note: String::new(),
                fit: None,
                state: RequestState::Pending,
                decline_reason: None,
                created_at: self.now,
                decided_at: None,
            });
        }
        state
    }
}

/// Resolves a document against the database: the records to write and what they are, or every
/// refusal (up to `MAX_ERRORS`).
pub async fn plan(
    store: &dyn Store,
    file: &OkrFile,
    actor: Option<PersonId>,
) -> Result<Plan, ImportError> {
    let restore = store.is_empty().await?;
    let mut r = Resolver {
        restore,
        now: crate::services::now(),
        actor,
        people: HashMap::new(),
        teams: HashMap::new(),
        cycles: HashMap::new(),
        objective_ids: HashSet::new(),
        key_result_ids: HashSet::new(),
        present_objectives: HashSet::new(),
        present_key_results: HashSet::new(),
        kpi_ids: HashSet::new(),
        errors: Vec::new(),
        snapshot: Snapshot::default(),
        report: ImportReport {
            restore,
            ..Default::default()
        },
    };
    if restore {
        r.snapshot.settings = file.settings.clone();
        r.report.settings = file.settings.is_some();
    } else {
        read_directory(store, &mut r).await?;
    }
    people(file, &mut r);
    teams(file, &mut r);
    cycles(file, &mut r);
    okr_ids(store, file, &mut r).await?;
    kpis(store, file, &mut r).await?;
    for (i, o) in file.objectives.iter().enumerate() {
        objective(&format!("objectives[{i}]"), o, &mut r);
        if r.errors.len() > MAX_ERRORS {
            break;
        }
    }
    if !r.errors.is_empty() {
        let mut errors = r.errors;
        if errors.len() > MAX_ERRORS {
            let more = errors.len() - MAX_ERRORS;
            errors.truncate(MAX_ERRORS);
            errors.push(FieldError::new("file", format!("and {more} more problems")));
        }
        return Err(ImportError::Invalid(errors));
    }
    Ok(Plan {
        snapshot: r.snapshot,
        report: r.report,
    })
}

/// The organisation's people, teams and cycles, by email and name.
async fn read_directory(store: &dyn Store, r: &mut Resolver) -> Result<(), ImportError> {
    let people =
        every_page(|page| async move { store.list_people(&PeopleFilter::default(), &page).await })
            .await?;
    r.people = people.into_iter().map(|p| (p.email.key(), p.id)).collect();
    let teams =
        every_page(|page| async move { store.list_teams(&TeamFilter::default(), &page).await })
            .await?;
    r.teams = teams.into_iter().map(|t| (t.name, t.id)).collect();
    let cycles =
        every_page(|page| async move { store.list_cycles(&Default::default(), &page).await })
            .await?;
    r.cycles = cycles.into_iter().map(|c| (c.name, c.id)).collect();
    Ok(())
}

fn people(file: &OkrFile, r: &mut Resolver) {
    let mut seen = HashSet::new();
    let mut new = Vec::new();
    for (i, p) in file.people.iter().enumerate() {
        let field = format!("people[{i}]");
        let Some(email) = r.keep(Email::parse(&format!("{field}.email"), &p.email)) else {
            continue;
        };
        if !seen.insert(email.key()) {
            r.refuse(
                format!("{field}.email"),
                format!("{} is listed twice", email.as_str()),
            );
            continue;
        }
        let name = r.text(&format!("{field}.name"), &p.name);
        if r.people.contains_key(&email.key()) {
            r.report.people.matched += 1;
            continue;
        }
        let id = PersonId::from_string(r.id(&p.id, r.restore));
        r.people.insert(email.key(), id.clone());
        r.report.people.created += 1;
        new.push((
            i,
            Person {
                id,
                name,
                email,
                title: p.title.trim().to_string(),
                manager_id: None,
                active: p.active,
                roles: p.roles.clone(),
                time_zone: p.time_zone.clone(),
                created_at: r.now,
                updated_at: r.now,
                version: 1,
            },
        ));
    }
    // Managers once every person of the file is known.
    for (i, mut person) in new {
        let field = format!("people[{i}].manager");
        person.manager_id = r.person_opt(&field, &file.people[i].manager);
        r.snapshot.people.push(person);
    }
}

fn teams(file: &OkrFile, r: &mut Resolver) {
    let mut seen = HashSet::new();
    let mut new = Vec::new();
    for (i, t) in file.teams.iter().enumerate() {
        let field = format!("teams[{i}]");
        let name = r.text(&format!("{field}.name"), &t.name);
        if !seen.insert(name.clone()) {
            r.refuse(
                format!("{field}.name"),
                format!("another team is named '{name}'"),
            );
            continue;
        }
        if r.teams.contains_key(&name) {
            r.report.teams.matched += 1;
            continue;
        }
        let id = TeamId::from_string(r.id(&t.id, r.restore));
        r.teams.insert(name.clone(), id.clone());
        r.report.teams.created += 1;
        new.push((i, id, name));
    }
    for (i, id, name) in new {
        let t = &file.teams[i];
        let field = format!("teams[{i}]");
        let parent_id = match t.parent.as_deref().map(str::trim) {
            Some(p) => match r.teams.get(p) {
                Some(id) => Some(id.clone()),
                None => {
                    r.refuse(format!("{field}.parent"), format!("no team named '{p}'"));
                    None
                }
            },
            None => None,
        };
        let lead_id = r.person_opt(&format!("{field}.lead"), &t.lead);
        let member_ids = r.people_of(&format!("{field}.members"), &t.members);
        r.snapshot.teams.push(Team {
            id,
            name,
            parent_id,
            lead_id,
            member_ids,
            created_at: r.now,
            updated_at: r.now,
            version: 1,
        });
    }
}

fn cycles(file: &OkrFile, r: &mut Resolver) {
    let mut seen = HashSet::new();
    let mut new = Vec::new();
    for (i, c) in file.cycles.iter().enumerate() {
        let field = format!("cycles[{i}]");
        let name = r.text(&format!("{field}.name"), &c.name);
        if !seen.insert(name.clone()) {
            r.refuse(
                format!("{field}.name"),
                format!("another cycle is named '{name}'"),
            );
            continue;
        }
        if c.ends_on < c.starts_on {
            r.refuse(format!("{field}.ends_on"), "must not be before starts_on");
        }
        if r.cycles.contains_key(&name) {
            r.report.cycles.matched += 1;
            continue;
        }
        let id = CycleId::from_string(r.id(&c.id, r.restore));
        r.cycles.insert(name.clone(), id.clone());
        r.report.cycles.created += 1;
        new.push((i, id, name));
    }
    for (i, id, name) in new {
        let c = &file.cycles[i];
        let parent_id = match c.parent.as_deref().map(str::trim) {
            Some(p) => match r.cycles.get(p) {
                Some(id) => Some(id.clone()),
                None => {
                    r.refuse(
                        format!("cycles[{i}].parent"),
                        format!("no cycle named '{p}'"),
                    );
                    None
                }
            },
            None => None,
        };
        r.snapshot.cycles.push(Cycle {
            id,
            name,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            parent_id,
            state: c.state,
            created_at: r.now,
            updated_at: r.now,
            version: 1,
        });
    }
}

/// The OKR ids the file and the database hold: which of the file's OKRs are already present,
/// and which ids alignment and dependencies may name.
async fn okr_ids(store: &dyn Store, file: &OkrFile, r: &mut Resolver) -> Result<(), ImportError> {
    let mut objective_ids = Vec::new();
    let mut key_result_ids = Vec::new();
    let mut named_objectives = Vec::new();
    let mut named_key_results = Vec::new();
    for (i, o) in file.objectives.iter().enumerate() {
        if let Some(id) = o.id.as_deref() {
            if !r.objective_ids.insert(id.to_string()) {
                r.refuse(
                    format!("objectives[{i}].id"),
                    format!("{id} is listed twice"),
                );
            }
            objective_ids.push(ObjectiveId::from_string(id));
        }
        for p in &o.aligned_to {
            match p {
                ParentRecord::Objective(id) => named_objectives.push(ObjectiveId::from_string(id)),
                ParentRecord::KeyResult(id) => named_key_results.push(KeyResultId::from_string(id)),
            }
        }
        for (j, k) in o.key_results.iter().enumerate() {
            if let Some(id) = k.id.as_deref() {
                if !r.key_result_ids.insert(id.to_string()) {
                    r.refuse(
                        format!("objectives[{i}].key_results[{j}].id"),
                        format!("{id} is listed twice"),
                    );
                }
                key_result_ids.push(KeyResultId::from_string(id));
            }
            for p in &k.aligned_to {
                match p {
                    ParentRecord::Objective(id) => {
                        named_objectives.push(ObjectiveId::from_string(id))
                    }
                    ParentRecord::KeyResult(id) => {
                        named_key_results.push(KeyResultId::from_string(id))
                    }
                }
            }
            named_key_results.extend(
                k.depends_on
                    .iter()
                    .map(|d| KeyResultId::from_string(&d.key_result)),
            );
        }
    }
    if r.restore {
        return Ok(());
    }
    // In an organisation: the file's OKRs already present, and what else the file names.
    objective_ids.extend(named_objectives);
    key_result_ids.extend(named_key_results);
    objective_ids.sort();
    objective_ids.dedup();
    key_result_ids.sort();
    key_result_ids.dedup();
    for o in store.objectives_by_ids(&objective_ids).await? {
        if r.objective_ids.contains(o.id.as_str()) {
            r.present_objectives.insert(o.id.to_string());
        }
        r.objective_ids.insert(o.id.to_string());
    }
    for k in store.key_results_by_ids(&key_result_ids).await? {
        if r.key_result_ids.contains(k.id.as_str()) {
            r.present_key_results.insert(k.id.to_string());
        }
        r.key_result_ids.insert(k.id.to_string());
    }
    Ok(())
}

/// The file's KPIs with their readings: one the database already has (same id) is left alone;
/// the others are written with their ids. Key results may name either in `kpi`.
async fn kpis(store: &dyn Store, file: &OkrFile, r: &mut Resolver) -> Result<(), ImportError> {
    let mut named: Vec<KpiId> = file
        .kpis
        .iter()
        .filter_map(|k| k.id.as_deref().map(KpiId::from_string))
        .collect();
    named.extend(
        file.objectives
            .iter()
            .flat_map(|o| &o.key_results)
            .filter_map(|k| k.kpi.as_deref().map(KpiId::from_string)),
    );
    named.sort();
    named.dedup();
    let present: HashSet<String> = if r.restore || named.is_empty() {
        HashSet::new()
    } else {
        store
            .kpis_by_ids(&named)
            .await?
            .into_iter()
            .map(|k| k.id.to_string())
            .collect()
    };
    r.kpi_ids.extend(present.iter().cloned());
    for (i, k) in file.kpis.iter().enumerate() {
        let field = format!("kpis[{i}]");
        if let Some(id) = k.id.as_deref() {
            if present.contains(id) {
                r.report.kpis.matched += 1;
                continue;
            }
            if !r.kpi_ids.insert(id.to_string()) {
                r.refuse(format!("{field}.id"), format!("{id} is listed twice"));
            }
        }
        kpi(&field, k, r);
    }
    Ok(())
}

fn kpi(field: &str, k: &KpiRecord, r: &mut Resolver) {
    let id = KpiId::from_string(r.id(&k.id, true));
    let owner_id = r
        .person(&format!("{field}.owner"), &k.owner)
        .unwrap_or_else(|| PersonId::from_string(""));
    let created_at = k.created_at.unwrap_or(r.now);
    let checked = kpi::Kpi {
        id: id.clone(),
        name: k.name.clone(),
        description: k.description.clone(),
        owner_id,
        unit: k.unit.clone(),
        corridor: kpi::Corridor {
            min: k.corridor_min,
            max: k.corridor_max,
        },
        created_at,
        updated_at: r.now,
        version: 1,
    }
    .validated_all();
    match checked {
        Ok(kpi) => r.snapshot.kpis.push(kpi),
        Err(errors) => {
            for e in errors {
                r.refuse(format!("{field}.{}", e.field), e.message);
            }
        }
    }
    r.report.kpis.created += 1;
    let keep = r.restore;
    for (i, v) in k.readings.iter().enumerate() {
        let f = format!("{field}.readings[{i}]");
        let author_id = r.person_opt(&format!("{f}.author"), &v.author);
        let reading = kpi::KpiValue {
            id: KpiValueId::from_string(r.id(&v.id, keep)),
            kpi_id: id.clone(),
            value: v.value,
            note: v.note.clone(),
            author_id,
            source: v.source.clone(),
            at: v.at,
            created_at: v.at,
        }
        .validated()
        .map_err(|e| FieldError::new(format!("{f}.{}", e.field), e.message));
        if let Some(reading) = r.keep(reading) {
            r.report.kpi_readings += 1;
            r.snapshot.kpi_values.push(reading);
        }
    }
}

fn objective(field: &str, o: &ObjectiveRecord, r: &mut Resolver) {
    if o.id
        .as_deref()
        .is_some_and(|id| r.present_objectives.contains(id))
    {
        r.report.objectives.matched += 1;
        r.report.key_results.matched += o.key_results.len() as u64;
        return;
    }
    let id = ObjectiveId::from_string(r.id(&o.id, true));
    let title = r.text(&format!("{field}.title"), &o.title);
    let cycle_id = match r.cycles.get(o.cycle.trim()) {
        Some(c) => c.clone(),
        None => {
            r.refuse(
                format!("{field}.cycle"),
                format!("no cycle named '{}'", o.cycle.trim()),
            );
            CycleId::from_string("")
        }
    };
    let owner_id = r
        .person(&format!("{field}.owner"), &o.owner)
        .unwrap_or_else(|| PersonId::from_string(""));
    let ownership_state = r.ownership(OkrRef::Objective(id.clone()), &owner_id, o.ownership);
    let objective = Objective {
        progress_rollup: o.progress_rollup,
        id: id.clone(),
        title,
        description: o.description.clone(),
        cycle_id,
        owner_id,
        ownership_state,
        co_owner_ids: r.people_of(&format!("{field}.co_owners"), &o.co_owners),
        sponsor_id: r.person_opt(&format!("{field}.sponsor"), &o.sponsor),
        contributor_ids: r.people_of(&format!("{field}.contributors"), &o.contributors),
        team_ids: r.teams_of(&format!("{field}.teams"), &o.teams),
        parents: r.parents(&format!("{field}.aligned_to"), &o.aligned_to),
        kind: o.kind,
        state: o.state,
        visibility: o.visibility,
        created_at: o.created_at.unwrap_or(r.now),
        updated_at: r.now,
        version: 1,
    };
    r.report.objectives.created += 1;
    if let Some(retro) = &o.retrospective {
        let carried_over_to = match retro.carried_over_to.as_deref() {
            Some(to) if r.objective_ids.contains(to) => Some(ObjectiveId::from_string(to)),
            Some(to) => {
                r.refuse(
                    format!("{field}.retrospective.carried_over_to"),
                    format!("no objective with id {to}"),
                );
                None
            }
            None => None,
        };
        let updated_by = r.person_opt(
            &format!("{field}.retrospective.updated_by"),
            &retro.updated_by,
        );
        r.snapshot.retrospectives.push(rhythm::Retrospective {
            objective_id: id.clone(),
            worked: retro.worked.clone(),
            did_not: retro.did_not.clone(),
            carry_over: retro.carry_over,
            carried_over_to,
            updated_by,
            updated_at: retro.updated_at,
        });
    }
    r.snapshot.objectives.push(objective);
    for (j, k) in o.key_results.iter().enumerate() {
        key_result(&format!("{field}.key_results[{j}]"), &id, k, r);
    }
}

fn key_result(field: &str, objective_id: &ObjectiveId, k: &KeyResultRecord, r: &mut Resolver) {
    if let Some(id) =
        k.id.as_deref()
            .filter(|id| r.present_key_results.contains(*id))
    {
        r.refuse(
            format!("{field}.id"),
            format!("a key result with id {id} is already in another objective"),
        );
        return;
    }
    let id = KeyResultId::from_string(r.id(&k.id, true));
    let title = r.text(&format!("{field}.title"), &k.title);
    for (name, v) in [
        ("start", k.start),
        ("target", k.target),
        ("weight", k.weight),
    ] {
        if !v.is_finite() {
            r.refuse(format!("{field}.{name}"), "must be a number");
        }
    }
    let owner_id = r
        .person(&format!("{field}.owner"), &k.owner)
        .unwrap_or_else(|| PersonId::from_string(""));
    let ownership_state = r.ownership(OkrRef::KeyResult(id.clone()), &owner_id, k.ownership);
    let parents = r.parents(&format!("{field}.aligned_to"), &k.aligned_to);
    if !parents.is_empty() {
        r.snapshot.key_result_parents.push((id.clone(), parents));
    }
    let key_result = KeyResult {
        id: id.clone(),
        objective_id: objective_id.clone(),
        title,
        description: k.description.clone(),
        owner_id,
        ownership_state,
        co_owner_ids: r.people_of(&format!("{field}.co_owners"), &k.co_owners),
        sponsor_id: r.person_opt(&format!("{field}.sponsor"), &k.sponsor),
        contributor_ids: r.people_of(&format!("{field}.contributors"), &k.contributors),
        team_ids: r.teams_of(&format!("{field}.teams"), &k.teams),
        metric_kind: k.metric,
        start: k.start,
        target: k.target,
        current: k.current.unwrap_or(k.start),
        unit: k.unit.clone(),
        weight: k.weight,
        milestones: k.milestones.clone(),
        financial: k.financial,
        starts_on: k.starts_on,
        ends_on: k.ends_on,
        confidence: k.confidence,
        last_check_in_at: k.last_check_in_at,
        created_at: k.created_at.unwrap_or(r.now),
        updated_at: r.now,
        version: 1,
    };
    match k.kpi.as_deref().map(str::trim) {
        Some(kpi) if r.kpi_ids.contains(kpi) => r
            .snapshot
            .key_result_kpis
            .push((id.clone(), KpiId::from_string(kpi))),
        Some(kpi) => r.refuse(format!("{field}.kpi"), format!("no KPI with id {kpi}")),
        None => {}
    }
    r.report.key_results.created += 1;
    r.snapshot.key_results.push(key_result);
    key_result_records(field, &id, k, r);
}

/// A key result's check-ins, initiatives, dependencies and score.
fn key_result_records(field: &str, id: &KeyResultId, k: &KeyResultRecord, r: &mut Resolver) {
    let keep = r.restore;
    for (i, c) in k.check_ins.iter().enumerate() {
        let f = format!("{field}.check_ins[{i}]");
        let confidence = Confidence::new(i64::from(c.confidence), c.scale)
            .map_err(|e| FieldError::new(format!("{f}.confidence"), e.message));
        let confidence = r.keep(confidence);
        if !c.value.is_finite() {
            r.refuse(format!("{f}.value"), "must be a number");
        }
        let author_id = r.person_opt(&format!("{f}.author"), &c.author);
        if let Some(confidence) = confidence {
            r.report.check_ins += 1;
            r.snapshot.check_ins.push(CheckIn {
                id: CheckInId::from_string(r.id(&c.id, keep)),
                key_result_id: id.clone(),
                value: c.value,
                confidence,
                note: c.note.clone(),
                author_id,
                at: c.at,
                created_at: c.at,
                scale: c.scale,
                corrects: None,
                retracted: None,
                source: c.source.clone(),
            });
        }
    }
    for (i, x) in k.initiatives.iter().enumerate() {
        let f = format!("{field}.initiatives[{i}]");
        let title = r.text(&format!("{f}.title"), &x.title);
        let owner_id = r
            .person(&format!("{f}.owner"), &x.owner)
            .unwrap_or_else(|| PersonId::from_string(""));
        r.report.initiatives += 1;
        r.snapshot.initiatives.push(Initiative {
            id: InitiativeId::from_string(r.id(&x.id, keep)),
            key_result_id: id.clone(),
            title,
            owner_id,
            state: x.state,
            link: x.link.clone(),
            reason: x.reason.clone(),
            created_at: x.created_at.unwrap_or(r.now),
            updated_at: r.now,
            version: 1,
            active_since: x.active_since,
            value_at_activation: x.value_at_activation,
        });
    }
    for (i, d) in k.depends_on.iter().enumerate() {
        let f = format!("{field}.depends_on[{i}]");
        if !r.key_result_ids.contains(&d.key_result) {
            r.refuse(
                format!("{f}.key_result"),
                format!("no key result with id {}", d.key_result),
            );
        }
        let asked_by = r.person_opt(&format!("{f}.asked_by"), &d.asked_by);
        let answered_by = r.person_opt(&format!("{f}.answered_by"), &d.answered_by);
        r.snapshot.dependencies.push(Dependency {
            id: DependencyId::from_string(r.id(&d.id, keep)),
            key_result_id: id.clone(),
            depends_on_id: KeyResultId::from_string(&d.key_result),
            note: d.note.clone(),
            state: d.state,
            asked_by,
            answered_by,
            created_at: d.created_at.unwrap_or(r.now),
            answered_at: d.answered_at,
            decline_reason: d.decline_reason.clone(),
        });
    }
    if let Some(s) = &k.score {
        let scored_by = r.person_opt(&format!("{field}.score.scored_by"), &s.scored_by);
        if !(0.0..=1.0).contains(&s.score) {
            r.refuse(format!("{field}.score.score"), "must be from 0 to 1");
        }
        r.snapshot.scores.push(rhythm::KeyResultScore {
            key_result_id: id.clone(),
            score: s.score,
            reason: s.reason.clone(),
            suggested_score: s.suggested_score,
            scored_by,
            scored_at: s.scored_at,
        });
    }
}
