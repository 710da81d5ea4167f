//! Writing the document as it is read: people, teams and objectives a page at a time (a constant
//! number of reads per page), each record written before the next page is read, so the memory an
//! export takes does not grow with the organisation.
//!
//! Records come in the store's id order (ids are kept by a restore), so an export, a restore and
//! a second export give the same bytes.

use super::*;
use keel_store::{
    Alignment, CheckIns, CycleFilter, Cycles, DataFeeds, Dependencies, Initiatives, KeyResults,
    ObjectiveFilter, Objectives, PageRequest, People, PeopleFilter, Reader, Rhythm, Settings,
    Store, StoreError, TeamFilter, Teams,
};
use std::collections::{HashMap, HashSet};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Records read per page.
const PAGE: u32 = 200;

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A request that names something that does not exist (an unknown cycle).
    #[error("{0}")]
    Invalid(FieldError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write the export: {0}")]
    Encode(String),
    /// A record names another that is not there (a person, team or cycle).
    #[error("the export found a broken reference: {0}")]
    Missing(String),
}

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    pub syntax: Syntax,
    /// One cycle's objectives (by name) instead of every cycle's.
    pub cycle: Option<String>,
}

/// An export checked before its first byte (the cycle exists): what `write` streams.
#[derive(Debug, Clone)]
pub struct Export {
    syntax: Syntax,
    cycle: Option<Cycle>,
    /// The cycles the document lists: all, or the exported one and those enclosing it.
    cycles: Vec<Cycle>,
}

/// Checks the request (naming `cycle` when it finds no such cycle) and reads the cycles.
pub async fn prepare(store: &dyn Store, req: &ExportRequest) -> Result<Export, ExportError> {
    let all = keel_store::every_page(|page| async move {
        store.list_cycles(&CycleFilter::default(), &page).await
    })
    .await?;
    let Some(name) = req.cycle.as_deref().map(str::trim) else {
        return Ok(Export {
            syntax: req.syntax,
            cycle: None,
            cycles: all,
        });
    };
    let Some(cycle) = all.iter().find(|c| c.name == name).cloned() else {
        return Err(ExportError::Invalid(FieldError::new(
            "cycle",
            format!("no cycle is named '{name}'"),
        )));
    };
    // The exported cycle and the cycles enclosing it, so its `parent` names one in the file.
    let mut cycles = vec![cycle.clone()];
    while let Some(parent) = cycles.last().and_then(|c| c.parent_id.clone()) {
        match all.iter().find(|c| c.id == parent) {
            Some(p) if !cycles.iter().any(|c| c.id == p.id) => cycles.push(p.clone()),
            _ => break,
        }
    }
    cycles.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Export {
        syntax: req.syntax,
        cycle: Some(cycle),
        cycles,
    })
}

/// Writes the whole document to `out`, page by page.
pub async fn write<W: AsyncWrite + Unpin + Send>(
    store: &dyn Store,
    export: &Export,
    out: &mut W,
) -> Result<(), ExportError> {
    let mut doc = Doc::new(export.syntax, out);
    doc.field("format", &FORMAT).await?;
    doc.field("version", &VERSION).await?;
    if let Some(c) = &export.cycle {
        doc.field("cycle", &c.name).await?;
    }
    doc.field("settings", &store.settings().await?).await?;
    write_people(store, &mut doc).await?;
    write_teams(store, &mut doc).await?;
    let cycle_names: HashMap<&CycleId, &str> = export
        .cycles
        .iter()
        .map(|c| (&c.id, c.name.as_str()))
        .collect();
    doc.begin_list("cycles").await?;
    for c in &export.cycles {
        let parent = match &c.parent_id {
            Some(p) => Some(name_of(&cycle_names, p, "cycle")?.to_string()),
            None => None,
        };
        doc.item(&CycleRecord {
            id: Some(c.id.to_string()),
            name: c.name.clone(),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            parent,
            state: c.state,
        })
        .await?;
    }
    doc.end_list().await?;
    write_kpis(store, &mut doc).await?;
    write_objectives(store, export, &cycle_names, &mut doc).await?;
    doc.finish().await
}

fn name_of<'a, K: std::hash::Hash + Eq + std::fmt::Display>(
    names: &'a HashMap<&K, &'a str>,
    id: &K,
    kind: &str,
) -> Result<&'a str, ExportError> {
    names
        .get(id)
        .copied()
        .ok_or_else(|| ExportError::Missing(format!("no {kind} {id}")))
}

/// The emails of these people, in one read.
async fn emails(
    store: &dyn Store,
    ids: HashSet<PersonId>,
) -> Result<HashMap<PersonId, String>, ExportError> {
    let ids: Vec<PersonId> = ids.into_iter().collect();
    Ok(store
        .people_by_ids(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.email.as_str().to_string()))
        .collect())
}

fn email(map: &HashMap<PersonId, String>, id: &PersonId) -> Result<String, ExportError> {
    map.get(id)
        .cloned()
        .ok_or_else(|| ExportError::Missing(format!("no person {id}")))
}

fn emails_of(
    map: &HashMap<PersonId, String>,
    ids: &[PersonId],
) -> Result<Vec<String>, ExportError> {
    ids.iter().map(|id| email(map, id)).collect()
}

async fn write_people<W: AsyncWrite + Unpin + Send>(
    store: &dyn Store,
    doc: &mut Doc<'_, W>,
) -> Result<(), ExportError> {
    doc.begin_list("people").await?;
    let mut cursor = None;
    loop {
        let page = store
            .list_people(
                &PeopleFilter::default(),
                &PageRequest {
                    limit: PAGE,
                    cursor,
                },
            )
            .await?;
        let managers = emails(
            store,
            page.items
                .iter()
                .filter_map(|p| p.manager_id.clone())
                .collect(),
        )
        .await?;
        for p in &page.items {
            doc.item(&PersonRecord {
                id: Some(p.id.to_string()),
                email: p.email.as_str().to_string(),
                name: p.name.clone(),
                title: p.title.clone(),
                manager: p
                    .manager_id
                    .as_ref()
                    .map(|m| email(&managers, m))
                    .transpose()?,
                active: p.active,
                roles: p.roles.clone(),
                time_zone: p.time_zone.clone(),
            })
            .await?;
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    doc.end_list().await
}

async fn write_teams<W: AsyncWrite + Unpin + Send>(
    store: &dyn Store,
    doc: &mut Doc<'_, W>,
) -> Result<(), ExportError> {
    doc.begin_list("teams").await?;
    let mut cursor = None;
    loop {
        let page = store
            .list_teams(
                &TeamFilter::default(),
                &PageRequest {
                    limit: PAGE,
                    cursor,
                },
            )
            .await?;
        let people = emails(
            store,
            page.items
                .iter()
                .flat_map(|t| t.lead_id.iter().chain(&t.member_ids).cloned())
                .collect(),
        )
        .await?;
        let parent_ids: Vec<TeamId> = page
            .items
            .iter()
            .filter_map(|t| t.parent_id.clone())
            .collect();
        let parents: HashMap<TeamId, String> =
            store.team_names(&parent_ids).await?.into_iter().collect();
        for t in &page.items {
            doc.item(&TeamRecord {
                id: Some(t.id.to_string()),
                name: t.name.clone(),
                parent: t.parent_id.as_ref().and_then(|p| parents.get(p).cloned()),
                lead: t.lead_id.as_ref().map(|l| email(&people, l)).transpose()?,
                members: emails_of(&people, &t.member_ids)?,
            })
            .await?;
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    doc.end_list().await
}

/// KPIs a page at a time, each with its readings (one read of readings per page). Like people
/// and teams they belong to no cycle: a one-cycle export holds them all, so the key results it
/// holds can name the KPI feeding them.
async fn write_kpis<W: AsyncWrite + Unpin + Send>(
    store: &dyn Store,
    doc: &mut Doc<'_, W>,
) -> Result<(), ExportError> {
    doc.begin_list("kpis").await?;
    let mut cursor = None;
    loop {
        let page = store
            .kpis(&PageRequest {
                limit: PAGE,
                cursor,
            })
            .await?;
        let ids: Vec<KpiId> = page.items.iter().map(|k| k.id.clone()).collect();
        let mut readings: HashMap<KpiId, Vec<kpi::KpiValue>> = HashMap::new();
        for v in store.kpi_readings(&ids).await? {
            readings.entry(v.kpi_id.clone()).or_default().push(v);
        }
        let people = emails(
            store,
            page.items
                .iter()
                .map(|k| k.owner_id.clone())
                .chain(
                    readings
                        .values()
                        .flatten()
                        .filter_map(|v| v.author_id.clone()),
                )
                .collect(),
        )
        .await?;
        for k in &page.items {
            let readings = readings
                .remove(&k.id)
                .unwrap_or_default()
                .into_iter()
                .map(|v| {
                    Ok(KpiReadingRecord {
                        id: Some(v.id.to_string()),
                        at: v.at,
                        value: v.value,
                        note: v.note,
                        author: v
                            .author_id
                            .as_ref()
                            .map(|p| email(&people, p))
                            .transpose()?,
                        source: v.source,
                    })
                })
                .collect::<Result<Vec<_>, ExportError>>()?;
            doc.item(&KpiRecord {
                id: Some(k.id.to_string()),
                name: k.name.clone(),
                description: k.description.clone(),
                owner: email(&people, &k.owner_id)?,
                unit: k.unit.clone(),
                corridor_min: k.corridor.min,
                corridor_max: k.corridor.max,
                created_at: Some(k.created_at),
                readings,
            })
            .await?;
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    doc.end_list().await
}

/// Everything one page of objectives needs besides the objectives: read in a fixed number of
/// reads whatever the page holds.
struct Around {
    key_results: Vec<KeyResult>,
    check_ins: HashMap<KeyResultId, Vec<CheckIn>>,
    initiatives: HashMap<KeyResultId, Vec<Initiative>>,
    scores: HashMap<KeyResultId, rhythm::KeyResultScore>,
    kr_parents: HashMap<KeyResultId, Vec<ParentRef>>,
    dependencies: HashMap<KeyResultId, Vec<Dependency>>,
    kpis: HashMap<KeyResultId, KpiId>,
    retrospectives: HashMap<ObjectiveId, rhythm::Retrospective>,
    emails: HashMap<PersonId, String>,
    teams: HashMap<TeamId, String>,
}

async fn around(store: &dyn Store, objectives: &[Objective]) -> Result<Around, ExportError> {
    let ids: Vec<ObjectiveId> = objectives.iter().map(|o| o.id.clone()).collect();
    let key_results = store.key_results_of(&ids).await?;
    let kr_ids: Vec<KeyResultId> = key_results.iter().map(|k| k.id.clone()).collect();
    let mut check_ins: HashMap<KeyResultId, Vec<CheckIn>> = HashMap::new();
    for c in store.check_ins_of(&kr_ids).await? {
        check_ins
            .entry(c.key_result_id.clone())
            .or_default()
            .push(c);
    }
    let mut initiatives: HashMap<KeyResultId, Vec<Initiative>> = HashMap::new();
    for i in store.initiatives_of(&kr_ids).await? {
        initiatives
            .entry(i.key_result_id.clone())
            .or_default()
            .push(i);
    }
    for list in initiatives.values_mut() {
        list.sort_by(|a, b| a.id.cmp(&b.id));
    }
    let scores: HashMap<KeyResultId, rhythm::KeyResultScore> = store
        .scores_of(&kr_ids)
        .await?
        .into_iter()
        .map(|s| (s.key_result_id.clone(), s))
        .collect();
    let mut kr_parents: HashMap<KeyResultId, Vec<ParentRef>> = HashMap::new();
    for (k, p) in store.key_result_parents(&kr_ids).await? {
        kr_parents.entry(k).or_default().push(p);
    }
    let mut dependencies: HashMap<KeyResultId, Vec<Dependency>> = HashMap::new();
    for d in store.dependencies_from(&kr_ids).await? {
        dependencies
            .entry(d.key_result_id.clone())
            .or_default()
            .push(d);
    }
    let kpis: HashMap<KeyResultId, KpiId> = store.kpi_sources(&kr_ids).await?.into_iter().collect();
    let retrospectives = store
        .retrospectives_of(&ids)
        .await?
        .into_iter()
        .map(|r| (r.objective_id.clone(), r))
        .collect::<HashMap<_, _>>();
    let mut people: HashSet<PersonId> = HashSet::new();
    let mut team_ids: HashSet<TeamId> = HashSet::new();
    for o in objectives {
        people.insert(o.owner_id.clone());
        people.extend(
            o.sponsor_id
                .iter()
                .chain(&o.co_owner_ids)
                .chain(&o.contributor_ids)
                .cloned(),
        );
        team_ids.extend(o.team_ids.iter().cloned());
    }
    for k in &key_results {
        people.insert(k.owner_id.clone());
        people.extend(
            k.sponsor_id
                .iter()
                .chain(&k.co_owner_ids)
                .chain(&k.contributor_ids)
                .cloned(),
        );
        team_ids.extend(k.team_ids.iter().cloned());
    }
    people.extend(
        check_ins
            .values()
            .flatten()
            .filter_map(|c| c.author_id.clone()),
    );
    people.extend(initiatives.values().flatten().map(|i| i.owner_id.clone()));
    people.extend(scores.values().filter_map(|s| s.scored_by.clone()));
    people.extend(retrospectives.values().filter_map(|r| r.updated_by.clone()));
    for d in dependencies.values().flatten() {
        people.extend(d.asked_by.iter().chain(&d.answered_by).cloned());
    }
    let team_ids: Vec<TeamId> = team_ids.into_iter().collect();
    Ok(Around {
        key_results,
        check_ins,
        initiatives,
        scores,
        kr_parents,
        dependencies,
        kpis,
        retrospectives,
        emails: emails(store, people).await?,
        teams: store.team_names(&team_ids).await?.into_iter().collect(),
    })
}

async fn write_objectives<W: AsyncWrite + Unpin + Send>(
    store: &dyn Store,
    export: &Export,
    cycle_names: &HashMap<&CycleId, &str>,
    doc: &mut Doc<'_, W>,
) -> Result<(), ExportError> {
    doc.begin_list("objectives").await?;
    let filter = ObjectiveFilter {
        cycle_id: export.cycle.as_ref().map(|c| c.id.clone()),
        ..ObjectiveFilter::new(Reader::Everyone)
    };
    let mut cursor = None;
    loop {
        let page = store
            .list_objectives(
                &filter,
                &PageRequest {
                    limit: PAGE,
                    cursor,
                },
            )
            .await?;
        let mut a = around(store, &page.items).await?;
        for o in &page.items {
            let record = objective_record(o, &mut a, cycle_names)?;
            doc.item(&record).await?;
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    doc.end_list().await
}

fn parent_record(p: &ParentRef) -> ParentRecord {
    match p {
        ParentRef::Objective(o) => ParentRecord::Objective(o.to_string()),
        ParentRef::KeyResult(k) => ParentRecord::KeyResult(k.to_string()),
    }
}

fn team_names_of(a: &Around, ids: &[TeamId]) -> Result<Vec<String>, ExportError> {
    ids.iter()
        .map(|t| {
            a.teams
                .get(t)
                .cloned()
                .ok_or_else(|| ExportError::Missing(format!("no team {t}")))
        })
        .collect()
}

fn objective_record(
    o: &Objective,
    a: &mut Around,
    cycle_names: &HashMap<&CycleId, &str>,
) -> Result<ObjectiveRecord, ExportError> {
    let e = &a.emails;
    let key_results = a
        .key_results
        .iter()
        .filter(|k| k.objective_id == o.id)
        .map(|k| key_result_record(k, a))
        .collect::<Result<Vec<_>, _>>()?;
    let retrospective = match a.retrospectives.get(&o.id) {
        Some(r) => Some(RetrospectiveRecord {
            worked: r.worked.clone(),
            did_not: r.did_not.clone(),
            carry_over: r.carry_over,
            carried_over_to: r.carried_over_to.as_ref().map(|x| x.to_string()),
            updated_by: r.updated_by.as_ref().map(|p| email(e, p)).transpose()?,
            updated_at: r.updated_at,
        }),
        None => None,
    };
    Ok(ObjectiveRecord {
        id: Some(o.id.to_string()),
        cycle: name_of(cycle_names, &o.cycle_id, "cycle")?.to_string(),
        title: o.title.clone(),
        description: o.description.clone(),
        owner: email(e, &o.owner_id)?,
        ownership: o.ownership_state,
        co_owners: emails_of(e, &o.co_owner_ids)?,
        sponsor: o.sponsor_id.as_ref().map(|p| email(e, p)).transpose()?,
        contributors: emails_of(e, &o.contributor_ids)?,
        teams: team_names_of(a, &o.team_ids)?,
        aligned_to: o.parents.iter().map(parent_record).collect(),
        kind: o.kind,
        state: o.state,
        visibility: o.visibility,
        progress_rollup: o.progress_rollup,
        created_at: Some(o.created_at),
        retrospective,
        key_results,
    })
}

fn key_result_record(k: &KeyResult, a: &Around) -> Result<KeyResultRecord, ExportError> {
    let e = &a.emails;
    let check_ins = a
        .check_ins
        .get(&k.id)
        .into_iter()
        .flatten()
        .map(|c| {
            Ok(CheckInRecord {
                id: Some(c.id.to_string()),
                at: c.at,
                value: c.value,
                confidence: c.confidence.value(),
                scale: c.scale,
                note: c.note.clone(),
                author: c.author_id.as_ref().map(|p| email(e, p)).transpose()?,
                source: c.source.clone(),
            })
        })
        .collect::<Result<Vec<_>, ExportError>>()?;
    let initiatives = a
        .initiatives
        .get(&k.id)
        .into_iter()
        .flatten()
        .map(|i| {
            Ok(InitiativeRecord {
                id: Some(i.id.to_string()),
                title: i.title.clone(),
                owner: email(e, &i.owner_id)?,
                state: i.state,
                link: i.link.clone(),
                reason: i.reason.clone(),
                active_since: i.active_since,
                value_at_activation: i.value_at_activation,
                created_at: Some(i.created_at),
            })
        })
        .collect::<Result<Vec<_>, ExportError>>()?;
    let depends_on = a
        .dependencies
        .get(&k.id)
        .into_iter()
        .flatten()
        .map(|d| {
            Ok(DependencyRecord {
                id: Some(d.id.to_string()),
                key_result: d.depends_on_id.to_string(),
                note: d.note.clone(),
                state: d.state,
                asked_by: d.asked_by.as_ref().map(|p| email(e, p)).transpose()?,
                answered_by: d.answered_by.as_ref().map(|p| email(e, p)).transpose()?,
                created_at: Some(d.created_at),
                answered_at: d.answered_at,
                decline_reason: d.decline_reason.clone(),
            })
        })
        .collect::<Result<Vec<_>, ExportError>>()?;
    let score = match a.scores.get(&k.id) {
        Some(s) => Some(ScoreRecord {
            score: s.score,
            reason: s.reason.clone(),
            suggested_score: s.suggested_score,
            scored_by: s.scored_by.as_ref().map(|p| email(e, p)).transpose()?,
            scored_at: s.scored_at,
        }),
        None => None,
    };
    Ok(KeyResultRecord {
        id: Some(k.id.to_string()),
        title: k.title.clone(),
        description: k.description.clone(),
        owner: email(e, &k.owner_id)?,
        ownership: k.ownership_state,
        co_owners: emails_of(e, &k.co_owner_ids)?,
        sponsor: k.sponsor_id.as_ref().map(|p| email(e, p)).transpose()?,
        contributors: emails_of(e, &k.contributor_ids)?,
        teams: team_names_of(a, &k.team_ids)?,
        metric: k.metric_kind,
        start: k.start,
        target: k.target,
        current: Some(k.current),
        unit: k.unit.clone(),
        weight: k.weight,
        milestones: k.milestones.clone(),
        kpi: a.kpis.get(&k.id).map(|x| x.to_string()),
        financial: k.financial,
        starts_on: k.starts_on,
        ends_on: k.ends_on,
        confidence: k.confidence,
        last_check_in_at: k.last_check_in_at,
        created_at: Some(k.created_at),
        aligned_to: a
            .kr_parents
            .get(&k.id)
            .into_iter()
            .flatten()
            .map(parent_record)
            .collect(),
        depends_on,
        check_ins,
        initiatives,
        score,
    })
}

/// The document as it is written: top-level fields, then lists whose items are written one by
/// one, in JSON (pretty, two-space indented) or YAML (block style).
struct Doc<'w, W> {
    syntax: Syntax,
    out: &'w mut W,
    /// Top-level fields written so far.
    fields: usize,
    /// Items of the open list written so far.
    items: usize,
}

impl<'w, W: AsyncWrite + Unpin + Send> Doc<'w, W> {
    fn new(syntax: Syntax, out: &'w mut W) -> Self {
        Doc {
            syntax,
            out,
            fields: 0,
            items: 0,
        }
    }

    async fn put(&mut self, s: &str) -> Result<(), ExportError> {
        self.out.write_all(s.as_bytes()).await?;
        Ok(())
    }

    /// The separator and key of the next top-level field.
    async fn key(&mut self, key: &str) -> Result<(), ExportError> {
        let s = match self.syntax {
            Syntax::Json => format!(
                "{}  \"{key}\": ",
                if self.fields == 0 { "{\n" } else { ",\n" }
            ),
            Syntax::Yaml => format!("{key}:"),
        };
        self.fields += 1;
        self.put(&s).await
    }

    async fn field<T: Serialize>(&mut self, key: &str, value: &T) -> Result<(), ExportError> {
        self.key(key).await?;
        let text = match self.syntax {
            Syntax::Json => indent(&json(value)?, "  "),
            Syntax::Yaml => {
                let y = yaml(value)?;
                if matches!(
                    serde_json::to_value(value).map_err(|e| ExportError::Encode(e.to_string()))?,
                    serde_json::Value::Object(_) | serde_json::Value::Array(_)
                ) {
                    format!("\n{}", indent_all(&y, "  "))
                } else {
                    format!(" {y}")
                }
            }
        };
        self.put(&text).await
    }

    async fn begin_list(&mut self, key: &str) -> Result<(), ExportError> {
        self.key(key).await?;
        self.items = 0;
        if self.syntax == Syntax::Json {
            self.put("[").await?;
        }
        Ok(())
    }

    async fn item<T: Serialize>(&mut self, value: &T) -> Result<(), ExportError> {
        let text = match self.syntax {
            Syntax::Json => format!(
                "{}    {}",
                if self.items == 0 { "\n" } else { ",\n" },
                indent(&json(value)?, "    ")
            ),
            Syntax::Yaml => format!(
                "{}{}",
                if self.items == 0 { "\n" } else { "" },
                yaml(&[value])?
            ),
        };
        self.items += 1;
        self.put(&text).await
    }

    async fn end_list(&mut self) -> Result<(), ExportError> {
        let text = match (self.syntax, self.items) {
            (Syntax::Json, 0) => "]",
            (Syntax::Json, _) => "\n  ]",
            (Syntax::Yaml, 0) => " []\n",
            (Syntax::Yaml, _) => "",
        };
        self.put(text).await
    }

    async fn finish(mut self) -> Result<(), ExportError> {
        if self.syntax == Syntax::Json {
            self.put("\n}\n").await?;
        }
        self.out.flush().await?;
        Ok(())
    }
}

fn json<T: Serialize>(value: &T) -> Result<String, ExportError> {
    serde_json::to_string_pretty(value).map_err(|e| ExportError::Encode(e.to_string()))
}

fn yaml<T: Serialize + ?Sized>(value: &T) -> Result<String, ExportError> {
    serde_yaml_ng::to_string(value).map_err(|e| ExportError::Encode(e.to_string()))
}

/// Every line but the first indented by `by` (JSON strings hold no raw line breaks).
fn indent(text: &str, by: &str) -> String {
    text.replace('\n', &format!("\n{by}"))
}

/// Every non-empty line indented by `by` (a YAML mapping nested under a key).
fn indent_all(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("{by}{l}\n")
            }
        })
        .collect()
}
