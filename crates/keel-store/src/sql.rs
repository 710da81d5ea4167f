//! The `Store` implementation, written once against `db.rs` for SQLite and PostgreSQL.

use crate::db::{args, map_err, placeholders, Arg, Db, Exec, Row, Tx};
use crate::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex as StdMutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// The most ids in one IN-list (well under both backends' parameter limits).
const IN_CHUNK: usize = 1000;

/// Keel's store over SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: Db,
    check_ins: Arc<CheckInQueue>,
    settings: Arc<SettingsCache>,
}

/// How long settings read from the database are served from memory. Writes through this store
/// take effect at once; another server (or a CLI) sharing the database is seen within this time.
const SETTINGS_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The organisation's settings as last read: nearly every request reads them (confidence scale,
/// cadence, time zone), and they change a few times a year.
#[derive(Debug, Default)]
struct SettingsCache {
    /// Bumped by every write through this store, so that a read that began before a write never
    /// caches what it read.
    generation: AtomicU64,
    cached: StdMutex<Option<(std::time::Instant, OrgSettings)>>,
}

impl SettingsCache {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<(std::time::Instant, OrgSettings)>> {
        self.cached.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fresh(&self) -> Option<OrgSettings> {
        match &*self.slot() {
            Some((at, s)) if at.elapsed() < SETTINGS_TTL => Some(s.clone()),
            _ => None,
        }
    }

    fn keep(&self, generation: u64, read_at: std::time::Instant, settings: &OrgSettings) {
        let mut slot = self.slot();
        if self.generation.load(Ordering::SeqCst) == generation {
            *slot = Some((read_at, settings.clone()));
        }
    }

    fn invalidate(&self) {
        let mut slot = self.slot();
        self.generation.fetch_add(1, Ordering::SeqCst);
        *slot = None;
    }
}

/// The most check-ins one group commit takes.
const CHECK_IN_GROUP: usize = 256;

/// One `record_check_in` call waiting for its group's commit.
struct CheckInJob {
    seq: u64,
    ctx: WriteCtx,
    check_in: CheckIn,
    applied: KeyResult,
    reply: oneshot::Sender<StoreResult<KeyResult>>,
}

/// Check-ins waiting to be committed, in arrival order. Each call queues its job, then takes
/// `leader` and, if its job is still queued, takes the queue (up to `CHECK_IN_GROUP` jobs) and
/// commits them in one transaction on a task of their own that holds `leader` until it has
/// answered them all: calls pile up in the queue meanwhile, and the next leader takes them
/// together.
#[derive(Default)]
struct CheckInQueue {
    jobs: StdMutex<Vec<CheckInJob>>,
    next_seq: AtomicU64,
    leader: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for CheckInQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckInQueue").finish_non_exhaustive()
    }
}

impl CheckInQueue {
    fn jobs(&self) -> std::sync::MutexGuard<'_, Vec<CheckInJob>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The oldest jobs, up to `CHECK_IN_GROUP`, and whether job `seq` is still queued after.
    fn take(&self, seq: u64) -> (Vec<CheckInJob>, bool) {
        let mut q = self.jobs();
        let n = q.len().min(CHECK_IN_GROUP);
        let taken: Vec<CheckInJob> = q.drain(..n).collect();
        let left = q.iter().any(|j| j.seq == seq);
        (taken, left)
    }
}

/// Removes a call's job from the queue if the call is dropped while the job is still queued:
/// a cancelled call records nothing unless its group was already taken.
struct Queued<'a> {
    queue: &'a CheckInQueue,
    seq: u64,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.queue.jobs().retain(|j| j.seq != self.seq);
    }
}

/// The same error for every job of a failed group.
fn share(e: StoreError) -> impl Fn() -> StoreError {
    let e = Arc::new(e);
    move || match &*e {
        StoreError::NotFound => StoreError::NotFound,
        StoreError::StaleVersion => StoreError::StaleVersion,
        StoreError::Conflict { field, message } => StoreError::Conflict {
            field: field.clone(),
            message: message.clone(),
        },
        StoreError::Interrupted => StoreError::Interrupted,
        _ => StoreError::Group(e.clone()),
    }
}

// ---------------------------------------------------------------------------------------------
// Opening

enum Target {
    Memory,
    File(std::path::PathBuf),
    Postgres(String),
}

fn parse_url(url: &str) -> StoreResult<Target> {
    let url = url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target::Postgres(url.to_string()));
    }
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or("");
        if path == ":memory:" {
            return Ok(Target::Memory);
        }
        if path.is_empty() {
            return Err(StoreError::BadUrl(format!(
                "'{url}' names no file: use sqlite://path/to/keel.db or sqlite::memory:"
            )));
        }
        return Ok(Target::File(path.into()));
    }
    // Not echoed: the URL may hold a password.
    let scheme = url.split(':').next().unwrap_or("");
    Err(StoreError::BadUrl(format!(
        "'{scheme}:' is not a supported database: use sqlite://path/to/keel.db, sqlite::memory: \
         or postgres://user@host/database"
    )))
}

impl SqlStore {
    /// Opens the database named by `url` and applies pending migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        // Boxed as `Send` here, where the lifetimes are concrete, so that callers may spawn
        // `open()` (sqlx's executor futures otherwise trip rustc's higher-ranked Send check).
        Self::open_boxed(url.to_string()).await
    }

    fn open_boxed(
        url: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = StoreResult<Self>> + Send>> {
        Box::pin(async move { Self::open_inner(&url).await })
    }

    async fn open_inner(url: &str) -> StoreResult<Self> {
        let db = match parse_url(url)? {
            Target::Memory => {
                // One shared in-memory database: one connection that never closes.
                let db = Db::sqlite_memory()?;
                crate::migrate::run(&db).await?;
                db
            }
            Target::File(path) => {
                if let Some(dir) = path.parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir).map_err(|e| {
                            StoreError::BadUrl(format!(
                                "cannot create the directory {}: {e}",
                                dir.display()
                            ))
                        })?;
                    }
                }
                let db = Db::sqlite_file(&path)?;
                crate::migrate::run(&db).await?;
                db
            }
            Target::Postgres(url) => {
                // The URL may hold a password: never echo it.
                let opts = PgConnectOptions::from_str(&url)
                    .map_err(|e| StoreError::BadUrl(format!("not a valid PostgreSQL URL ({e})")))?;
                // Fail fast with the server's own answer instead of retrying until a timeout.
                {
                    use sqlx::Connection;
                    let conn = sqlx::PgConnection::connect_with(&opts).await?;
                    conn.close().await?;
                }
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await?;
                let db = Db::Postgres(pool);
                crate::migrate::run(&db).await?;
                db
            }
        };
        Ok(Self {
            db,
            check_ins: Arc::default(),
            settings: Arc::default(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Value conversions

fn ts(t: &Timestamp) -> i64 {
    t.timestamp_micros()
}

fn to_ts(col: &str, v: i64) -> StoreResult<Timestamp> {
    chrono::DateTime::from_timestamp_micros(v).ok_or_else(|| corrupt(col, "timestamp out of range"))
}

fn opt_ts(col: &str, v: Option<i64>) -> StoreResult<Option<Timestamp>> {
    v.map(|v| to_ts(col, v)).transpose()
}

fn now() -> Timestamp {
    let n = chrono::Utc::now();
    to_ts("now", n.timestamp_micros()).unwrap_or(n)
}

fn corrupt(col: &str, message: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        column: col.to_string(),
        message: message.to_string(),
    }
}

/// The serde name of a unit enum variant (`snake_case`).
fn enum_str<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

fn enum_from<T: DeserializeOwned>(col: &str, s: String) -> StoreResult<T> {
    serde_json::from_value(Value::String(s)).map_err(|e| corrupt(col, e))
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn from_json<T: DeserializeOwned>(col: &str, s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| corrupt(col, e))
}

fn value<T: Serialize>(v: &T) -> Option<Value> {
    serde_json::to_value(v).ok()
}

fn date_from(col: &str, s: &str) -> StoreResult<Date> {
    s.parse::<Date>().map_err(|e| corrupt(col, e))
}

macro_rules! as_ref_str {
    ($($t:ty),*) => {$(
        impl AsRef<str> for Wrap<'_, $t> {
            fn as_ref(&self) -> &str { self.0.as_str() }
        }
    )*};
}
struct Wrap<'a, T>(&'a T);
as_ref_str!(PersonId, TeamId, CycleId, ObjectiveId, KeyResultId);

fn id_strings<'a, T>(v: &'a [T]) -> Vec<String>
where
    Wrap<'a, T>: AsRef<str>,
{
    v.iter().map(|x| Wrap(x).as_ref().to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Pagination

fn clamp(limit: u32) -> usize {
    limit.clamp(1, 500) as usize
}

fn id_cursor(page: &PageRequest) -> StoreResult<Option<String>> {
    match &page.cursor {
        None => Ok(None),
        Some(c) => match c.strip_prefix("i:") {
            Some(id) if !id.is_empty() => Ok(Some(id.to_string())),
            _ => Err(StoreError::BadCursor),
        },
    }
}

fn time_cursor(page: &PageRequest) -> StoreResult<Option<(i64, String)>> {
    match &page.cursor {
        None => Ok(None),
        Some(c) => {
            let rest = c.strip_prefix("t:").ok_or(StoreError::BadCursor)?;
            let (at, id) = rest.split_once(':').ok_or(StoreError::BadCursor)?;
            let at: i64 = at.parse().map_err(|_| StoreError::BadCursor)?;
            if id.is_empty() {
                return Err(StoreError::BadCursor);
            }
            Ok(Some((at, id.to_string())))
        }
    }
}

/// Trims a `limit + 1` fetch to a page, with the cursor of its last item when more follow.
fn paginate<T>(mut items: Vec<T>, limit: usize, cursor: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() > limit;
    items.truncate(limit);
    let next_cursor = if more { items.last().map(cursor) } else { None };
    Page { items, next_cursor }
}

/// A WHERE clause under construction; `arg` returns the placeholder of the argument it adds.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    fn arg(&mut self, a: impl Into<Arg>) -> String {
        self.args.push(a.into());
        format!("${}", self.args.len())
    }
    fn add(&mut self, clause: String) {
        self.clauses.push(clause);
    }
    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Visibility: the one SQL form of the rule documented on `Audience`.

/// The teams an audience person leads and every team below them.
const LED_TEAMS: &str = "WITH RECURSIVE led(id) AS ( \
     SELECT id FROM teams WHERE lead_id = {me} \
     UNION SELECT t.id FROM teams t JOIN led ON t.parent_id = led.id) ";

/// A predicate on the objective row aliased `t`: true when `a` may see it.
fn visible_sql(w: &mut Where, a: &Audience, t: &str) -> String {
    let me = w.arg(a.person_id.as_str());
    let circle = format!(
        "{t}.owner_id = {me} OR {t}.sponsor_id = {me} \
         OR {t}.id IN (SELECT objective_id FROM objective_contributors WHERE person_id = {me}) \
         OR {t}.id IN (SELECT objective_id FROM objective_co_owners WHERE person_id = {me}) \
         OR {t}.id IN (SELECT objective_id FROM key_results \
             WHERE deleted_at IS NULL AND (owner_id = {me} OR sponsor_id = {me})) \
         OR {t}.id IN (SELECT k.objective_id FROM key_results k \
             JOIN key_result_contributors c ON c.key_result_id = k.id \
             WHERE k.deleted_at IS NULL AND c.person_id = {me}) \
         OR {t}.id IN (SELECT k.objective_id FROM key_results k \
             JOIN key_result_co_owners c ON c.key_result_id = k.id \
             WHERE k.deleted_at IS NULL AND c.person_id = {me})"
    );
    let team = match a.teams {
        TeamScope::None => "1 = 0".to_string(),
        TeamScope::All => format!("{t}.visibility = 'team'"),
        TeamScope::Reach => {
            let led = LED_TEAMS.replace("{me}", &me);
            format!(
                "{t}.visibility = 'team' AND {t}.id IN ({led}, \
                 mine(id) AS (SELECT id FROM led \
                     UNION SELECT team_id FROM team_members WHERE person_id = {me}) \
                 SELECT objective_id FROM objective_teams WHERE team_id IN (SELECT id FROM mine) \
                 UNION SELECT k.objective_id FROM key_results k \
                     JOIN key_result_teams kt ON kt.key_result_id = k.id \
                     WHERE k.deleted_at IS NULL AND kt.team_id IN (SELECT id FROM mine))"
            )
        }
    };
    format!("({t}.visibility = 'public' OR ({team}) OR {circle})")
}

/// A predicate on an objective id column: true when `a` may see that objective.
fn visible_objective(w: &mut Where, a: &Audience, col: &str) -> String {
    let v = visible_sql(w, a, "vo");
    format!("{col} IN (SELECT vo.id FROM objectives vo WHERE {v})")
}

// ---------------------------------------------------------------------------------------------
// Row mapping and loading

const PERSON_COLS: &str =
    "id, name, email, title, manager_id, active, roles, created_at, updated_at, version";
const PERSON_INSERT: &[&str] = &[
    "id",
    "name",
    "email",
    "email_key",
    "search_key",
    "title",
    "manager_id",
    "active",
    "roles",
    "created_at",
    "updated_at",
    "version",
];

fn person_search_key(p: &Person) -> String {
    format!("{}\n{}", p.name.to_lowercase(), p.email.key())
}

fn person_row(p: &Person) -> Vec<Arg> {
    args![
        p.id.as_str(),
        p.name.as_str(),
        p.email.as_str(),
        p.email.key(),
        person_search_key(p),
        p.title.as_str(),
        p.manager_id.as_ref().map(|m| m.as_str()),
        p.active,
        json(&p.roles),
        ts(&p.created_at),
        ts(&p.updated_at),
        p.version,
    ]
}

/// The person columns qualified by a table alias, for joins.
fn person_cols_of(alias: &str) -> String {
    PERSON_COLS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn person_from(r: &Row) -> StoreResult<Person> {
    Ok(Person {
        id: PersonId::from_string(r.text("id")?),
        name: r.text("name")?,
        email: serde_json::from_value(Value::String(r.text("email")?))
            .map_err(|e| corrupt("email", e))?,
        title: r.text("title")?,
        manager_id: r.opt_text("manager_id")?.map(PersonId::from_string),
        active: r.int("active")? != 0,
        roles: from_json("roles", &r.text("roles")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

const TEAM_COLS: &str = "id, name, parent_id, lead_id, created_at, updated_at, version";
const TEAM_INSERT: &[&str] = &[
    "id",
    "name",
    "parent_id",
    "lead_id",
    "created_at",
    "updated_at",
    "version",
];

fn team_row(t: &Team) -> Vec<Arg> {
    args![
        t.id.as_str(),
        t.name.as_str(),
        t.parent_id.as_ref().map(|x| x.as_str()),
        t.lead_id.as_ref().map(|x| x.as_str()),
        ts(&t.created_at),
        ts(&t.updated_at),
        t.version,
    ]
}

fn team_from(r: &Row) -> StoreResult<Team> {
    Ok(Team {
        id: TeamId::from_string(r.text("id")?),
        name: r.text("name")?,
        parent_id: r.opt_text("parent_id")?.map(TeamId::from_string),
        lead_id: r.opt_text("lead_id")?.map(PersonId::from_string),
        member_ids: vec![],
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

const CYCLE_COLS: &str =
    "id, name, starts_on, ends_on, parent_id, state, created_at, updated_at, version";
const CYCLE_INSERT: &[&str] = &[
    "id",
    "name",
    "starts_on",
    "ends_on",
    "parent_id",
    "state",
    "created_at",
    "updated_at",
    "version",
];

fn cycle_row(c: &Cycle) -> Vec<Arg> {
    args![
        c.id.as_str(),
        c.name.as_str(),
        c.starts_on.to_string(),
        c.ends_on.to_string(),
        c.parent_id.as_ref().map(|x| x.as_str()),
        enum_str(&c.state),
        ts(&c.created_at),
        ts(&c.updated_at),
        c.version,
    ]
}

fn cycle_from(r: &Row) -> StoreResult<Cycle> {
    Ok(Cycle {
        id: CycleId::from_string(r.text("id")?),
        name: r.text("name")?,
        starts_on: date_from("starts_on", &r.text("starts_on")?)?,
        ends_on: date_from("ends_on", &r.text("ends_on")?)?,
        parent_id: r.opt_text("parent_id")?.map(CycleId::from_string),
        state: enum_from("state", r.text("state")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

const OBJECTIVE_COLS: &str = "id, title, description, cycle_id, owner_id, ownership_state, \
     sponsor_id, kind, state, visibility, created_at, updated_at, version";
const OBJECTIVE_INSERT: &[&str] = &[
    "id",
    "title",
    "description",
    "cycle_id",
    "owner_id",
    "ownership_state",
    "sponsor_id",
    "kind",
    "state",
    "visibility",
    "created_at",
    "updated_at",
    "version",
];

fn objective_row(o: &Objective) -> Vec<Arg> {
    args![
        o.id.as_str(),
        o.title.as_str(),
        o.description.as_str(),
        o.cycle_id.as_str(),
        o.owner_id.as_str(),
        enum_str(&o.ownership_state),
        o.sponsor_id.as_ref().map(|x| x.as_str()),
        enum_str(&o.kind),
        enum_str(&o.state),
        enum_str(&o.visibility),
        ts(&o.created_at),
        ts(&o.updated_at),
        o.version,
    ]
}

fn objective_from(r: &Row) -> StoreResult<Objective> {
    Ok(Objective {
        id: ObjectiveId::from_string(r.text("id")?),
        title: r.text("title")?,
        description: r.text("description")?,
        cycle_id: CycleId::from_string(r.text("cycle_id")?),
        owner_id: PersonId::from_string(r.text("owner_id")?),
        ownership_state: enum_from("ownership_state", r.text("ownership_state")?)?,
        co_owner_ids: vec![],
        sponsor_id: r.opt_text("sponsor_id")?.map(PersonId::from_string),
        contributor_ids: vec![],
        team_ids: vec![],
        parents: vec![],
        kind: enum_from("kind", r.text("kind")?)?,
        state: enum_from("state", r.text("state")?)?,
        visibility: enum_from("visibility", r.text("visibility")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

const KR_COLS: &str = "id, objective_id, title, description, owner_id, ownership_state, \
     sponsor_id, metric_kind, start_value, target_value, current_value, unit, weight, milestones, \
     confidence, last_check_in_at, created_at, updated_at, version, financial";
const KR_INSERT: &[&str] = &[
    "id",
    "objective_id",
    "title",
    "description",
    "owner_id",
    "ownership_state",
    "sponsor_id",
    "metric_kind",
    "start_value",
    "target_value",
    "current_value",
    "unit",
    "weight",
    "milestones",
    "confidence",
    "last_check_in_at",
    "created_at",
    "updated_at",
    "version",
    "financial",
];

fn kr_row(k: &KeyResult) -> Vec<Arg> {
    args![
        k.id.as_str(),
        k.objective_id.as_str(),
        k.title.as_str(),
        k.description.as_str(),
        k.owner_id.as_str(),
        enum_str(&k.ownership_state),
        k.sponsor_id.as_ref().map(|x| x.as_str()),
        enum_str(&k.metric_kind),
        k.start,
        k.target,
        k.current,
        k.unit.as_str(),
        k.weight,
        json(&k.milestones),
        k.confidence.map(i64::from),
        k.last_check_in_at.as_ref().map(ts),
        ts(&k.created_at),
        ts(&k.updated_at),
        k.version,
        k.financial,
    ]
}

fn kr_from(r: &Row) -> StoreResult<KeyResult> {
    Ok(KeyResult {
        id: KeyResultId::from_string(r.text("id")?),
        objective_id: ObjectiveId::from_string(r.text("objective_id")?),
        title: r.text("title")?,
        description: r.text("description")?,
        owner_id: PersonId::from_string(r.text("owner_id")?),
        ownership_state: enum_from("ownership_state", r.text("ownership_state")?)?,
        co_owner_ids: vec![],
        sponsor_id: r.opt_text("sponsor_id")?.map(PersonId::from_string),
        contributor_ids: vec![],
        team_ids: vec![],
        metric_kind: enum_from("metric_kind", r.text("metric_kind")?)?,
        start: r.real("start_value")?,
        target: r.real("target_value")?,
        current: r.real("current_value")?,
        unit: r.text("unit")?,
        weight: r.real("weight")?,
        milestones: from_json("milestones", &r.text("milestones")?)?,
        financial: r.int("financial")? != 0,
        confidence: r
            .opt_int("confidence")?
            .map(|c| u8::try_from(c).map_err(|e| corrupt("confidence", e)))
            .transpose()?,
        last_check_in_at: opt_ts("last_check_in_at", r.opt_int("last_check_in_at")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

const CHECK_IN_COLS: &str = "id, key_result_id, value, confidence, note, author_id, at, created_at";
const CHECK_IN_INSERT: &[&str] = &[
    "id",
    "key_result_id",
    "value",
    "confidence",
    "note",
    "author_id",
    "at",
    "created_at",
];

fn check_in_row(c: &CheckIn) -> Vec<Arg> {
    args![
        c.id.as_str(),
        c.key_result_id.as_str(),
        c.value,
        i64::from(c.confidence.value()),
        c.note.as_str(),
        c.author_id.as_ref().map(|x| x.as_str()),
        ts(&c.at),
        ts(&c.created_at),
    ]
}

fn check_in_from(r: &Row) -> StoreResult<CheckIn> {
    let confidence = u8::try_from(r.int("confidence")?).map_err(|e| corrupt("confidence", e))?;
    Ok(CheckIn {
        id: CheckInId::from_string(r.text("id")?),
        key_result_id: KeyResultId::from_string(r.text("key_result_id")?),
        value: r.real("value")?,
        confidence: serde_json::from_value(Value::from(confidence))
            .map_err(|e| corrupt("confidence", e))?,
        note: r.text("note")?,
        author_id: r.opt_text("author_id")?.map(PersonId::from_string),
        at: to_ts("at", r.int("at")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
    })
}

const INITIATIVE_COLS: &str =
    "id, key_result_id, title, owner_id, state, link, reason, created_at, updated_at, version, \
     active_since, value_at_activation";
const INITIATIVE_INSERT: &[&str] = &[
    "id",
    "key_result_id",
    "title",
    "owner_id",
    "state",
    "link",
    "reason",
    "created_at",
    "updated_at",
    "version",
    "active_since",
    "value_at_activation",
];

fn initiative_row(i: &Initiative) -> Vec<Arg> {
    args![
        i.id.as_str(),
        i.key_result_id.as_str(),
        i.title.as_str(),
        i.owner_id.as_str(),
        enum_str(&i.state),
        i.link.clone(),
        i.reason.clone(),
        ts(&i.created_at),
        ts(&i.updated_at),
        i.version,
        i.active_since.as_ref().map(ts),
        i.value_at_activation,
    ]
}

fn initiative_from(r: &Row) -> StoreResult<Initiative> {
    Ok(Initiative {
        id: InitiativeId::from_string(r.text("id")?),
        key_result_id: KeyResultId::from_string(r.text("key_result_id")?),
        title: r.text("title")?,
        owner_id: PersonId::from_string(r.text("owner_id")?),
        state: enum_from("state", r.text("state")?)?,
        link: r.opt_text("link")?,
        reason: r.opt_text("reason")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
        active_since: opt_ts("active_since", r.opt_int("active_since")?)?,
        value_at_activation: r.opt_real("value_at_activation")?,
    })
}

// ---- the owner's rhythm (issue 5): row mapping

fn status_override_from(r: &Row) -> StoreResult<rhythm::StatusOverride> {
    Ok(rhythm::StatusOverride {
        objective_id: ObjectiveId::from_string(r.text("objective_id")?),
        status: enum_from("status", r.text("status")?)?,
        reason: r.text("reason")?,
        set_by: r.opt_text("set_by")?.map(PersonId::from_string),
        set_at: to_ts("set_at", r.int("set_at")?)?,
    })
}

fn score_from(r: &Row) -> StoreResult<rhythm::KeyResultScore> {
    Ok(rhythm::KeyResultScore {
        key_result_id: KeyResultId::from_string(r.text("key_result_id")?),
        score: r.real("score")?,
        reason: r.text("reason")?,
        suggested_score: r.real("suggested_score")?,
        scored_by: r.opt_text("scored_by")?.map(PersonId::from_string),
        scored_at: to_ts("scored_at", r.int("scored_at")?)?,
    })
}

fn retrospective_from(r: &Row) -> StoreResult<rhythm::Retrospective> {
    Ok(rhythm::Retrospective {
        objective_id: ObjectiveId::from_string(r.text("objective_id")?),
        worked: r.text("worked")?,
        did_not: r.text("did_not")?,
        carry_over: r.int("carry_over")? != 0,
        carried_over_to: r.opt_text("carried_over_to")?.map(ObjectiveId::from_string),
        updated_by: r.opt_text("updated_by")?.map(PersonId::from_string),
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
    })
}

const REVIEW_COLS: &str = "id, team_id, held_on, run_by, items, created_at, updated_at, version";

fn review_from(r: &Row) -> StoreResult<review::Review> {
    Ok(review::Review {
        id: ReviewId::from_string(r.text("id")?),
        team_id: TeamId::from_string(r.text("team_id")?),
        held_on: date_from("held_on", &r.text("held_on")?)?,
        run_by: r.opt_text("run_by")?.map(PersonId::from_string),
        items: from_json("items", &r.text("items")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

const CONVERSATION_COLS: &str =
    "id, author_id, with_id, okr_ids, held_on, notes, created_at, updated_at, version";

fn conversation_from(r: &Row) -> StoreResult<cfr::Conversation> {
    Ok(cfr::Conversation {
        id: ConversationId::from_string(r.text("id")?),
        author_id: PersonId::from_string(r.text("author_id")?),
        with_id: PersonId::from_string(r.text("with_id")?),
        okr_ids: from_json("okr_ids", &r.text("okr_ids")?)?,
        held_on: date_from("held_on", &r.text("held_on")?)?,
        notes: r.text("notes")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

const RECOGNITION_COLS: &str = "id, from_id, to_id, okr_id, check_in_id, message, created_at";

fn recognition_from(r: &Row) -> StoreResult<cfr::Recognition> {
    Ok(cfr::Recognition {
        id: RecognitionId::from_string(r.text("id")?),
        from_id: PersonId::from_string(r.text("from_id")?),
        to_id: PersonId::from_string(r.text("to_id")?),
        okr_id: r.text("okr_id")?,
        check_in_id: r.opt_text("check_in_id")?.map(CheckInId::from_string),
        message: r.text("message")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
    })
}

/// Feedback requests with their answers (addressees in the order they were named): two queries.
async fn fill_feedback(
    ex: &mut Exec<'_>,
    rows: Vec<Row>,
) -> StoreResult<Vec<cfr::FeedbackRequest>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(cfr::FeedbackRequest {
            id: FeedbackRequestId::from_string(r.text("id")?),
            okr_id: r.text("okr_id")?,
            requester_id: PersonId::from_string(r.text("requester_id")?),
            question: r.text("question")?,
            answers: vec![],
            created_at: to_ts("created_at", r.int("created_at")?)?,
        });
    }
    let ids: Vec<String> = out.iter().map(|f| f.id.to_string()).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = fetch_in(
        ex,
        "SELECT request_id, person_id, position, answer, answered_at FROM feedback_answers \
         WHERE request_id",
        "",
        &ids,
    )
    .await?;
    let mut by: HashMap<String, Vec<(i64, cfr::FeedbackAnswer)>> = HashMap::new();
    for r in &rows {
        by.entry(r.text("request_id")?).or_default().push((
            r.int("position")?,
            cfr::FeedbackAnswer {
                person_id: PersonId::from_string(r.text("person_id")?),
                answer: r.opt_text("answer")?,
                answered_at: opt_ts("answered_at", r.opt_int("answered_at")?)?,
            },
        ));
    }
    for f in &mut out {
        let mut answers = by.remove(f.id.as_str()).unwrap_or_default();
        answers.sort_by_key(|(p, _)| *p);
        f.answers = answers.into_iter().map(|(_, a)| a).collect();
    }
    Ok(out)
}

/// The objective an OKR id belongs to (itself, or a key result's objective), for audit events.
async fn objective_of_okr(tx: &mut Tx, okr_id: &str) -> StoreResult<Option<String>> {
    if let Some(o) = objective_of_kr(tx, okr_id).await? {
        return Ok(Some(o));
    }
    Ok(tx
        .fetch_optional("SELECT id FROM objectives WHERE id = $1", args![okr_id])
        .await?
        .map(|_| okr_id.to_string()))
}

const TOKEN_COLS: &str = "t.id AS t_id, t.person_id AS t_person_id, t.name AS t_name, \
     t.scope AS t_scope, t.created_at AS t_created_at, t.expires_on AS t_expires_on, \
     t.last_used_at AS t_last_used_at, t.revoked_at AS t_revoked_at";

fn token_from(r: &Row) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: TokenId::from_string(r.text("t_id")?),
        person_id: PersonId::from_string(r.text("t_person_id")?),
        name: r.text("t_name")?,
        scope: enum_from("scope", r.text("t_scope")?)?,
        created_at: to_ts("created_at", r.int("t_created_at")?)?,
        expires_on: r
            .opt_text("t_expires_on")?
            .map(|d| date_from("expires_on", &d))
            .transpose()?,
        last_used_at: opt_ts("last_used_at", r.opt_int("t_last_used_at")?)?,
        revoked_at: opt_ts("revoked_at", r.opt_int("t_revoked_at")?)?,
    })
}

const AUDIT_COLS: &str = "id, at, actor_id, action, object_kind, object_id, objective_id, \
     key_result_id, before, after, source, request_id";
const AUDIT_INSERT: &[&str] = &[
    "id",
    "at",
    "actor_id",
    "action",
    "object_kind",
    "object_id",
    "objective_id",
    "key_result_id",
    "before",
    "after",
    "source",
    "request_id",
];

fn audit_from(r: &Row) -> StoreResult<AuditEvent> {
    let parse = |col: &str| -> StoreResult<Option<Value>> {
        r.opt_text(col)?.map(|s| from_json(col, &s)).transpose()
    };
    let source = r.text("source")?;
    Ok(AuditEvent {
        id: AuditEventId::from_string(r.text("id")?),
        at: to_ts("at", r.int("at")?)?,
        actor_id: r.opt_text("actor_id")?.map(PersonId::from_string),
        action: r.text("action")?,
        object_kind: r.text("object_kind")?,
        object_id: r.text("object_id")?,
        objective_id: r.opt_text("objective_id")?,
        key_result_id: r.opt_text("key_result_id")?,
        before: parse("before")?,
        after: parse("after")?,
        source: Source::parse(&source).ok_or_else(|| corrupt("source", source.clone()))?,
        request_id: r.opt_text("request_id")?,
    })
}

const REQUEST_COLS: &str = "id, okr_kind, objective_id, key_result_id, previous_owner_id, \
     proposed_owner_id, proposed_by, note, fit, state, decline_reason, created_at, decided_at";
const REQUEST_INSERT: &[&str] = &[
    "id",
    "okr_kind",
    "objective_id",
    "key_result_id",
    "previous_owner_id",
    "proposed_owner_id",
    "proposed_by",
    "note",
    "fit",
    "state",
    "decline_reason",
    "created_at",
    "decided_at",
];

/// The row of a request; `objective_id` is the OKR's objective (the key result's, for a key
/// result request).
fn request_row(r: &OwnershipRequest, objective_id: Option<&str>) -> Vec<Arg> {
    let key_result_id = match &r.okr {
        OkrRef::Objective(_) => None,
        OkrRef::KeyResult(k) => Some(k.as_str()),
    };
    args![
        r.id.as_str(),
        r.okr.kind(),
        objective_id,
        key_result_id,
        r.previous_owner_id.as_ref().map(|x| x.as_str()),
        r.proposed_owner_id.as_str(),
        r.proposed_by.as_ref().map(|x| x.as_str()),
        r.note.as_str(),
        r.fit.as_ref().map(json),
        r.state.as_str(),
        r.decline_reason.clone(),
        ts(&r.created_at),
        r.decided_at.as_ref().map(ts),
    ]
}

fn request_from(r: &Row) -> StoreResult<OwnershipRequest> {
    let kind = r.text("okr_kind")?;
    let okr = match kind.as_str() {
        "objective" => OkrRef::Objective(ObjectiveId::from_string(r.text("objective_id")?)),
        "key_result" => OkrRef::KeyResult(KeyResultId::from_string(
            r.opt_text("key_result_id")?
                .ok_or_else(|| corrupt("key_result_id", "missing for a key result request"))?,
        )),
        other => return Err(corrupt("okr_kind", other)),
    };
    let state = r.text("state")?;
    Ok(OwnershipRequest {
        id: OwnershipRequestId::from_string(r.text("id")?),
        okr,
        previous_owner_id: r.opt_text("previous_owner_id")?.map(PersonId::from_string),
        proposed_owner_id: PersonId::from_string(r.text("proposed_owner_id")?),
        proposed_by: r.opt_text("proposed_by")?.map(PersonId::from_string),
        note: r.text("note")?,
        fit: r
            .opt_text("fit")?
            .map(|f| from_json("fit", &f))
            .transpose()?,
        state: RequestState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        decline_reason: r.opt_text("decline_reason")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        decided_at: opt_ts("decided_at", r.opt_int("decided_at")?)?,
    })
}

/// `(okr_kind = 'objective' AND objective_id = p) OR key_result_id = p`: the requests on one
/// OKR, whichever kind its id names.
fn on_okr(p: &str) -> String {
    format!("((okr_kind = 'objective' AND objective_id = {p}) OR key_result_id = {p})")
}

/// Rows of a junction table for many owners at once, in stored order: owner id → item ids.
async fn junction(
    ex: &mut Exec<'_>,
    table: &str,
    owner: &str,
    item: &str,
    owners: &[String],
) -> StoreResult<HashMap<String, Vec<String>>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in owners.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT {owner} AS o, {item} AS i FROM {table} WHERE {owner} IN ({}) \
             ORDER BY {owner}, position",
            placeholders(1, chunk.len())
        );
        let rows = ex
            .fetch_all(&sql, chunk.iter().map(Arg::from).collect())
            .await?;
        for r in rows {
            map.entry(r.text("o")?).or_default().push(r.text("i")?);
        }
    }
    Ok(map)
}

/// Owner → its `(item, second item)` rows of one junction table, in `position` order.
type JunctionMap = HashMap<String, Vec<(Option<String>, Option<String>)>>;

/// Several junction tables of the same owners in one query per chunk (a UNION ALL): for each
/// `(table, item, second)` of `specs`, owner → `(item, second)` in `position` order. `second` is
/// a second item column (or `None`).
async fn junctions(
    ex: &mut Exec<'_>,
    owner: &str,
    specs: &[(&str, &str, Option<&str>)],
    owners: &[String],
) -> StoreResult<Vec<JunctionMap>> {
    let mut maps = vec![HashMap::new(); specs.len()];
    for chunk in owners.chunks(IN_CHUNK) {
        let list = placeholders(1, chunk.len());
        let sql = specs
            .iter()
            .enumerate()
            .map(|(k, (table, item, second))| {
                let second = second.unwrap_or("CAST(NULL AS TEXT)");
                format!(
                    "SELECT CAST({k} AS BIGINT) AS k, {owner} AS o, {item} AS i, {second} AS j, \
                     position AS p FROM {table} WHERE {owner} IN ({list})"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let rows = ex
            .fetch_all(&sql, chunk.iter().map(Arg::from).collect())
            .await?;
        // Ordered here rather than by SQLite's sorter (`ORDER BY` over a `UNION ALL`), which
        // cost more than the query itself on the check-in path.
        let mut rows = rows
            .iter()
            .map(|r| {
                let k = usize::try_from(r.int("k")?).map_err(|e| corrupt("k", e))?;
                Ok((
                    k,
                    r.text("o")?,
                    r.int("p")?,
                    r.opt_text("i")?,
                    r.opt_text("j")?,
                ))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        rows.sort_unstable_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
        for (k, o, _, i, j) in rows {
            let map: &mut HashMap<String, Vec<_>> = maps
                .get_mut(k)
                .ok_or_else(|| corrupt("k", "no such junction"))?;
            map.entry(o).or_default().push((i, j));
        }
    }
    Ok(maps)
}

/// The items of one owner from a `junctions` map.
fn items<T>(
    map: &mut JunctionMap,
    owner: &str,
    col: &str,
    f: impl Fn(String) -> T,
) -> StoreResult<Vec<T>> {
    map.remove(owner)
        .unwrap_or_default()
        .into_iter()
        .map(|(i, _)| i.map(&f).ok_or_else(|| corrupt(col, "unexpected NULL")))
        .collect()
}

/// Runs `SELECT … WHERE <col> IN (ids) <rest>` in chunks; `rest` must not contain placeholders.
async fn fetch_in(
    ex: &mut Exec<'_>,
    select: &str,
    rest: &str,
    ids: &[String],
) -> StoreResult<Vec<Row>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let sql = format!("{select} IN ({}) {rest}", placeholders(1, chunk.len()));
        out.extend(
            ex.fetch_all(&sql, chunk.iter().map(Arg::from).collect())
                .await?,
        );
    }
    Ok(out)
}

async fn fill_teams(ex: &mut Exec<'_>, rows: Vec<Row>) -> StoreResult<Vec<Team>> {
    let mut teams = rows
        .iter()
        .map(team_from)
        .collect::<StoreResult<Vec<_>>>()?;
    let keys: Vec<String> = teams.iter().map(|t| t.id.to_string()).collect();
    let mut members = junction(ex, "team_members", "team_id", "person_id", &keys).await?;
    for t in &mut teams {
        t.member_ids = members
            .remove(t.id.as_str())
            .unwrap_or_default()
            .into_iter()
            .map(PersonId::from_string)
            .collect();
    }
    Ok(teams)
}

async fn fill_objectives(ex: &mut Exec<'_>, rows: Vec<Row>) -> StoreResult<Vec<Objective>> {
    let mut objectives = rows
        .iter()
        .map(objective_from)
        .collect::<StoreResult<Vec<_>>>()?;
    if objectives.is_empty() {
        return Ok(objectives);
    }
    let keys: Vec<String> = objectives.iter().map(|o| o.id.to_string()).collect();
    let mut maps = junctions(
        ex,
        "objective_id",
        &[
            ("objective_teams", "team_id", None),
            ("objective_contributors", "person_id", None),
            ("objective_co_owners", "person_id", None),
            (
                "objective_parents",
                "parent_objective_id",
                Some("parent_key_result_id"),
            ),
        ],
        &keys,
    )
    .await?;
    let [teams, contributors, co_owners, parents] = &mut maps[..] else {
        return Err(corrupt("objective_id", "junctions"));
    };
    for o in &mut objectives {
        let id = o.id.as_str();
        o.team_ids = items(teams, id, "team_id", TeamId::from_string)?;
        o.contributor_ids = items(contributors, id, "person_id", PersonId::from_string)?;
        o.co_owner_ids = items(co_owners, id, "person_id", PersonId::from_string)?;
        o.parents = parents
            .remove(id)
            .unwrap_or_default()
            .into_iter()
            .map(|p| match p {
                (Some(o), _) => Ok(ParentRef::Objective(ObjectiveId::from_string(o))),
                (None, Some(k)) => Ok(ParentRef::KeyResult(KeyResultId::from_string(k))),
                (None, None) => Err(corrupt("objective_parents", "no parent")),
            })
            .collect::<StoreResult<_>>()?;
    }
    Ok(objectives)
}

async fn fill_key_results(ex: &mut Exec<'_>, rows: Vec<Row>) -> StoreResult<Vec<KeyResult>> {
    let mut krs = rows.iter().map(kr_from).collect::<StoreResult<Vec<_>>>()?;
    if krs.is_empty() {
        return Ok(krs);
    }
    let keys: Vec<String> = krs.iter().map(|k| k.id.to_string()).collect();
    let mut maps = junctions(
        ex,
        "key_result_id",
        &[
            ("key_result_teams", "team_id", None),
            ("key_result_contributors", "person_id", None),
            ("key_result_co_owners", "person_id", None),
        ],
        &keys,
    )
    .await?;
    let [teams, contributors, co_owners] = &mut maps[..] else {
        return Err(corrupt("key_result_id", "junctions"));
    };
    for k in &mut krs {
        let id = k.id.as_str();
        k.team_ids = items(teams, id, "team_id", TeamId::from_string)?;
        k.contributor_ids = items(contributors, id, "person_id", PersonId::from_string)?;
        k.co_owner_ids = items(co_owners, id, "person_id", PersonId::from_string)?;
    }
    Ok(krs)
}

async fn person_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<Person>> {
    let sql = format!("SELECT {PERSON_COLS} FROM people WHERE id = $1");
    ex.fetch_all(&sql, args![id])
        .await?
        .first()
        .map(person_from)
        .transpose()
}

async fn team_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<Team>> {
    let sql = format!("SELECT {TEAM_COLS} FROM teams WHERE id = $1");
    let rows = ex.fetch_all(&sql, args![id]).await?;
    Ok(fill_teams(ex, rows).await?.pop())
}

async fn cycle_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<Cycle>> {
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {CYCLE_COLS} FROM cycles WHERE id = $1"));
    ex.fetch_all(&SQL, args![id])
        .await?
        .first()
        .map(cycle_from)
        .transpose()
}

async fn objective_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<Objective>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!("SELECT {OBJECTIVE_COLS} FROM objectives WHERE id = $1 AND deleted_at IS NULL")
    });
    let rows = ex.fetch_all(&SQL, args![id]).await?;
    Ok(fill_objectives(ex, rows).await?.pop())
}

async fn key_result_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<KeyResult>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!("SELECT {KR_COLS} FROM key_results WHERE id = $1 AND deleted_at IS NULL")
    });
    let rows = ex.fetch_all(&SQL, args![id]).await?;
    Ok(fill_key_results(ex, rows).await?.pop())
}

async fn initiative_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<Initiative>> {
    let sql = format!("SELECT {INITIATIVE_COLS} FROM initiatives WHERE id = $1");
    ex.fetch_all(&sql, args![id])
        .await?
        .first()
        .map(initiative_from)
        .transpose()
}

async fn token_in(ex: &mut Exec<'_>, id: &str) -> StoreResult<Option<ApiToken>> {
    let sql = format!("SELECT {TOKEN_COLS} FROM api_tokens t WHERE t.id = $1");
    ex.fetch_all(&sql, args![id])
        .await?
        .first()
        .map(token_from)
        .transpose()
}

// Rows of the owner's rhythm: one shape for a single write and for a snapshot's batch.

const SCORE_INSERT: &[&str] = &[
    "key_result_id",
    "score",
    "reason",
    "suggested_score",
    "scored_by",
    "scored_at",
];

fn score_row(x: &rhythm::KeyResultScore) -> Vec<Arg> {
    args![
        x.key_result_id.as_str(),
        x.score,
        x.reason.as_str(),
        x.suggested_score,
        x.scored_by.as_ref().map(|p| p.as_str()),
        ts(&x.scored_at),
    ]
}

const RETROSPECTIVE_INSERT: &[&str] = &[
    "objective_id",
    "worked",
    "did_not",
    "carry_over",
    "carried_over_to",
    "updated_by",
    "updated_at",
];

fn retrospective_row(r: &rhythm::Retrospective) -> Vec<Arg> {
    args![
        r.objective_id.as_str(),
        r.worked.as_str(),
        r.did_not.as_str(),
        r.carry_over,
        r.carried_over_to.as_ref().map(|x| x.as_str()),
        r.updated_by.as_ref().map(|x| x.as_str()),
        ts(&r.updated_at),
    ]
}

const REVIEW_INSERT: &[&str] = &[
    "id",
    "team_id",
    "held_on",
    "run_by",
    "items",
    "created_at",
    "updated_at",
    "version",
];

fn review_row(r: &review::Review) -> Vec<Arg> {
    args![
        r.id.as_str(),
        r.team_id.as_str(),
        r.held_on.to_string(),
        r.run_by.as_ref().map(|x| x.as_str()),
        json(&r.items),
        ts(&r.created_at),
        ts(&r.updated_at),
        r.version,
    ]
}

const CONVERSATION_INSERT: &[&str] = &[
    "id",
    "author_id",
    "with_id",
    "okr_ids",
    "held_on",
    "notes",
    "created_at",
    "updated_at",
    "version",
];

fn conversation_row(c: &cfr::Conversation) -> Vec<Arg> {
    args![
        c.id.as_str(),
        c.author_id.as_str(),
        c.with_id.as_str(),
        json(&c.okr_ids),
        c.held_on.to_string(),
        c.notes.as_str(),
        ts(&c.created_at),
        ts(&c.updated_at),
        c.version,
    ]
}

const FEEDBACK_REQUEST_INSERT: &[&str] =
    &["id", "okr_id", "requester_id", "question", "created_at"];

fn feedback_request_row(r: &cfr::FeedbackRequest) -> Vec<Arg> {
    args![
        r.id.as_str(),
        r.okr_id.as_str(),
        r.requester_id.as_str(),
        r.question.as_str(),
        ts(&r.created_at),
    ]
}

const FEEDBACK_ANSWER_INSERT: &[&str] = &[
    "request_id",
    "person_id",
    "position",
    "answer",
    "answered_at",
];

/// One row per addressee, in the order they were named.
fn feedback_answer_rows(r: &cfr::FeedbackRequest) -> impl Iterator<Item = Vec<Arg>> + '_ {
    r.answers.iter().enumerate().map(move |(i, a)| {
        args![
            r.id.as_str(),
            a.person_id.as_str(),
            i as i64,
            a.answer.clone(),
            a.answered_at.as_ref().map(ts),
        ]
    })
}

const RECOGNITION_INSERT: &[&str] = &[
    "id",
    "from_id",
    "to_id",
    "okr_id",
    "check_in_id",
    "message",
    "created_at",
];

fn recognition_row(r: &cfr::Recognition) -> Vec<Arg> {
    args![
        r.id.as_str(),
        r.from_id.as_str(),
        r.to_id.as_str(),
        r.okr_id.as_str(),
        r.check_in_id.as_ref().map(|x| x.as_str()),
        r.message.as_str(),
        ts(&r.created_at),
    ]
}

// ---------------------------------------------------------------------------------------------
// Writing helpers

/// `INSERT INTO table (cols) VALUES (…), (…)` in as few statements as the backend allows.
async fn insert_rows(
    tx: &mut Tx,
    max_params: usize,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<Arg>>,
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let n = cols.len();
    let per = (max_params / n).clamp(1, 5000);
    let head = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let single = rows.len() == 1;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<Vec<Arg>> = rows.by_ref().take(per).collect();
        let mut sql = String::with_capacity(head.len() + batch.len() * n * 6);
        sql.push_str(&head);
        let mut args = Vec::with_capacity(batch.len() * n);
        for (i, row) in batch.into_iter().enumerate() {
            debug_assert_eq!(row.len(), n, "{table}");
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&placeholders(args.len() + 1, n));
            sql.push(')');
            args.extend(row);
        }
        // One-row statements are always the same text: prepared once per connection.
        if single || per == 1 {
            tx.execute(&sql, args).await?;
        } else {
            tx.execute_once(&sql, args).await?;
        }
    }
    Ok(())
}

/// Junction rows `(owner, item, position)` for one owner.
fn junction_rows(owner: &str, items: &[String]) -> Vec<Vec<Arg>> {
    items
        .iter()
        .enumerate()
        .map(|(i, it)| args![owner, it.as_str(), i as i64])
        .collect()
}

fn parent_rows(objective: &Objective) -> Vec<Vec<Arg>> {
    objective
        .parents
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (o, k) = match p {
                ParentRef::Objective(id) => (Some(id.as_str()), None),
                ParentRef::KeyResult(id) => (None, Some(id.as_str())),
            };
            args![objective.id.as_str(), i as i64, o, k]
        })
        .collect()
}

const PARENT_INSERT: &[&str] = &[
    "objective_id",
    "position",
    "parent_objective_id",
    "parent_key_result_id",
];

struct AuditRec<'a> {
    kind: &'static str,
    verb: &'static str,
    object_id: &'a str,
    objective_id: Option<&'a str>,
    key_result_id: Option<&'a str>,
    before: Option<Value>,
    after: Option<Value>,
}

async fn audit(tx: &mut Tx, ctx: &WriteCtx, a: AuditRec<'_>) -> StoreResult<()> {
    let row = audit_row(ctx, a);
    insert_rows(tx, usize::MAX, "audit_events", AUDIT_INSERT, vec![row]).await
}

fn audit_row(ctx: &WriteCtx, a: AuditRec<'_>) -> Vec<Arg> {
    args![
        AuditEventId::generate().to_string(),
        ts(&now()),
        ctx.actor_id.as_ref().map(|x| x.as_str()),
        format!("{}.{}", a.kind, a.verb),
        a.kind,
        a.object_id,
        a.objective_id,
        a.key_result_id,
        a.before.map(|v| v.to_string()),
        a.after.map(|v| v.to_string()),
        ctx.source.as_str(),
        ctx.request_id.clone(),
    ]
}

/// After an update touched no row: `NotFound` if the record is gone, else `StaleVersion`.
async fn stale_or_missing(tx: &mut Tx, table: &str, id: &str, live: &str) -> StoreError {
    let sql = format!("SELECT id FROM {table} WHERE id = $1 {live}");
    match tx.fetch_optional(&sql, args![id]).await {
        Ok(Some(_)) => StoreError::StaleVersion,
        Ok(None) => StoreError::NotFound,
        Err(e) => e,
    }
}

async fn objective_of_kr(tx: &mut Tx, kr: &str) -> StoreResult<Option<String>> {
    tx.fetch_optional(
        "SELECT objective_id FROM key_results WHERE id = $1",
        args![kr],
    )
    .await?
    .map(|r| r.text("objective_id"))
    .transpose()
}

async fn replace_junction(
    tx: &mut Tx,
    table: &str,
    owner_col: &str,
    item_col: &str,
    owner: &str,
    items: &[String],
) -> StoreResult<()> {
    tx.execute(
        &format!("DELETE FROM {table} WHERE {owner_col} = $1"),
        args![owner],
    )
    .await?;
    insert_rows(
        tx,
        usize::MAX,
        table,
        &[owner_col, item_col, "position"],
        junction_rows(owner, items),
    )
    .await
}

/// The requests on exactly this OKR, whose kind is known.
fn okr_clause(okr: &OkrRef, p: &str) -> String {
    match okr {
        OkrRef::Objective(_) => format!("(okr_kind = 'objective' AND objective_id = {p})"),
        OkrRef::KeyResult(_) => format!("key_result_id = {p}"),
    }
}

/// Refuses a request that names another OKR than the one being written.
fn request_on(r: &OwnershipRequest, okr: &OkrRef) -> StoreResult<()> {
    if &r.okr != okr {
        return Err(StoreError::Conflict {
            field: "okr".into(),
            message: "the ownership request is on another objective or key result".into(),
        });
    }
    Ok(())
}

/// Inserts a request and audits it as `ownership_request.create`, scoped to its OKR.
async fn insert_request(
    tx: &mut Tx,
    ctx: &WriteCtx,
    r: &OwnershipRequest,
    objective_id: &str,
) -> StoreResult<()> {
    insert_rows(
        tx,
        usize::MAX,
        "ownership_requests",
        REQUEST_INSERT,
        vec![request_row(r, Some(objective_id))],
    )
    .await?;
    let key_result_id = match &r.okr {
        OkrRef::Objective(_) => None,
        OkrRef::KeyResult(k) => Some(k.as_str()),
    };
    audit(
        tx,
        ctx,
        AuditRec {
            kind: "ownership_request",
            verb: "create",
            object_id: r.id.as_str(),
            objective_id: Some(objective_id),
            key_result_id,
            before: None,
            after: value(r),
        },
    )
    .await
}

/// An OKR as read inside a write: where it lives, its audit scope, and its record.
struct OkrState {
    table: &'static str,
    kind: &'static str,
    objective_id: String,
    key_result_id: Option<String>,
    owner_id: String,
    version: i64,
    record: Option<Value>,
}

async fn okr_state(tx: &mut Tx, okr: &OkrRef) -> StoreResult<Option<OkrState>> {
    Ok(match okr {
        OkrRef::Objective(id) => objective_in(&mut Exec::Tx(tx), id.as_str())
            .await?
            .map(|o| OkrState {
                table: "objectives",
                kind: "objective",
                objective_id: o.id.to_string(),
                key_result_id: None,
                owner_id: o.owner_id.to_string(),
                version: o.version,
                record: value(&o),
            }),
        OkrRef::KeyResult(id) => key_result_in(&mut Exec::Tx(tx), id.as_str())
            .await?
            .map(|k| OkrState {
                table: "key_results",
                kind: "key_result",
                objective_id: k.objective_id.to_string(),
                key_result_id: Some(k.id.to_string()),
                owner_id: k.owner_id.to_string(),
                version: k.version,
                record: value(&k),
            }),
    })
}

/// Moves the key result to the check-in, unless a later check-in is already recorded (or the
/// key result is gone: `NotFound`, nothing written). Returns the key result as stored after
/// it, and its objective's id.
async fn check_in_update(tx: &mut Tx, job: &CheckInJob) -> StoreResult<(KeyResult, String)> {
    let (c, applied) = (&job.check_in, &job.applied);
    let kr_id = c.key_result_id.as_str();
    let updated = tx
        .fetch_optional(
            "UPDATE key_results SET current_value = $1, milestones = $2, confidence = $3, \
             last_check_in_at = $4, updated_at = $5, version = version + 1 \
             WHERE id = $6 AND deleted_at IS NULL \
             AND (last_check_in_at IS NULL OR last_check_in_at <= $4) \
             RETURNING version, updated_at",
            args![
                applied.current,
                json(&applied.milestones),
                i64::from(c.confidence.value()),
                ts(&c.at),
                ts(&now()),
                kr_id,
            ],
        )
        .await?;
    // The key result as stored: `applied` with the new version, if `applied` was read at the
    // version just replaced (nothing else changed it since); else read back.
    if let Some(r) = &updated {
        if r.int("version")? == applied.version + 1 {
            let mut k = applied.clone();
            k.confidence = Some(c.confidence.value());
            k.last_check_in_at = Some(c.at);
            k.version = r.int("version")?;
            k.updated_at = to_ts("updated_at", r.int("updated_at")?)?;
            return Ok((k, applied.objective_id.to_string()));
        }
    }
    // Either the key result is gone, or a later check-in is already recorded, or it changed
    // since `applied` was read.
    let stored = key_result_in(&mut Exec::Tx(tx), kr_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let objective_id = stored.objective_id.to_string();
    Ok((stored, objective_id))
}

/// The statements of a check-in group (see `SqlStore::check_in_group`).
async fn check_in_statements(
    tx: &mut Tx,
    jobs: &[CheckInJob],
    savepoints: bool,
) -> StoreResult<Vec<StoreResult<KeyResult>>> {
    let mut answers = Vec::with_capacity(jobs.len());
    let mut check_ins = Vec::new();
    let mut audits = Vec::new();
    for job in jobs {
        if savepoints {
            tx.batch("SAVEPOINT check_in").await?;
            let a = check_in_one(tx, job).await;
            if a.is_err() {
                tx.batch("ROLLBACK TO SAVEPOINT check_in").await?;
            }
            tx.batch("RELEASE SAVEPOINT check_in").await?;
            answers.push(a);
        } else {
            match check_in_update(tx, job).await {
                Ok((stored, objective_id)) => {
                    check_ins.push(check_in_row(&job.check_in));
                    audits.push(check_in_audit_row(job, &objective_id));
                    answers.push(Ok(stored));
                }
                Err(StoreError::NotFound) => answers.push(Err(StoreError::NotFound)),
                Err(e) => return Err(e),
            }
        }
    }
    // One multi-row INSERT saves PostgreSQL round trips; SQLite has none to save, and there
    // a cached one-row statement run per row beats preparing a new statement for each group
    // size.
    let (c, a) = match tx {
        Tx::Sqlite(_) => (CHECK_IN_INSERT.len(), AUDIT_INSERT.len()),
        Tx::Pg(_) => (usize::MAX, usize::MAX),
    };
    insert_rows(tx, c, "check_ins", CHECK_IN_INSERT, check_ins).await?;
    insert_rows(tx, a, "audit_events", AUDIT_INSERT, audits).await?;
    Ok(answers)
}

/// One check-in: `check_in_update`, then the check-in and its audit event inserted.
async fn check_in_one(tx: &mut Tx, job: &CheckInJob) -> StoreResult<KeyResult> {
    let (stored, objective_id) = check_in_update(tx, job).await?;
    let row = check_in_row(&job.check_in);
    insert_rows(tx, usize::MAX, "check_ins", CHECK_IN_INSERT, vec![row]).await?;
    let row = check_in_audit_row(job, &objective_id);
    insert_rows(tx, usize::MAX, "audit_events", AUDIT_INSERT, vec![row]).await?;
    Ok(stored)
}

fn check_in_audit_row(job: &CheckInJob, objective_id: &str) -> Vec<Arg> {
    let c = &job.check_in;
    audit_row(
        &job.ctx,
        AuditRec {
            kind: "check_in",
            verb: "create",
            object_id: c.id.as_str(),
            objective_id: Some(objective_id),
            key_result_id: Some(c.key_result_id.as_str()),
            before: None,
            after: value(c),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The store

impl SqlStore {
    async fn begin(&self) -> StoreResult<Tx> {
        self.db.begin().await
    }

    fn ex(&self) -> Exec<'_> {
        Exec::Db(&self.db)
    }

    /// Recognition whose `column` (`to_id` or `from_id`, never input) is `person_id`, newest
    /// first, at most 500.
    async fn recognitions_where(
        &self,
        column: &'static str,
        person_id: &PersonId,
    ) -> StoreResult<Vec<cfr::Recognition>> {
        let sql = format!(
            "SELECT {RECOGNITION_COLS} FROM recognitions WHERE {column} = $1 \
             ORDER BY created_at DESC, id DESC LIMIT 500"
        );
        self.db
            .fetch_all(&sql, args![person_id.as_str()])
            .await?
            .iter()
            .map(recognition_from)
            .collect()
    }

    async fn do_save_settings(&self, ctx: &WriteCtx, settings: &OrgSettings) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let before = tx
            .fetch_optional("SELECT body FROM settings WHERE id = 1", vec![])
            .await?
            .map(|r| r.text("body"))
            .transpose()?
            .and_then(|b| serde_json::from_str::<Value>(&b).ok());
        tx.execute(
            "INSERT INTO settings (id, body, updated_at, version) VALUES (1, $1, $2, 1) \
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, \
             updated_at = excluded.updated_at, version = settings.version + 1",
            args![json(settings), ts(&now())],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "settings",
                verb: "update",
                object_id: "settings",
                objective_id: None,
                key_result_id: None,
                before,
                after: value(settings),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn do_insert_person(&self, ctx: &WriteCtx, p: &Person) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "people",
            PERSON_INSERT,
            vec![person_row(p)],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "person",
                verb: "create",
                object_id: p.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(p),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn do_update_person(
        &self,
        ctx: &WriteCtx,
        before: &Person,
        after: &Person,
    ) -> StoreResult<Person> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE people SET name = $1, email = $2, email_key = $3, search_key = $4, \
                 title = $5, manager_id = $6, active = $7, roles = $8, updated_at = $9, \
                 version = version + 1 WHERE id = $10 AND version = $11",
                args![
                    after.name.as_str(),
                    after.email.as_str(),
                    after.email.key(),
                    person_search_key(after),
                    after.title.as_str(),
                    after.manager_id.as_ref().map(|x| x.as_str()),
                    after.active,
                    json(&after.roles),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(&mut tx, "people", before.id.as_str(), "").await);
        }
        let stored = person_in(&mut Exec::Tx(&mut tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "person",
                verb: "update",
                object_id: before.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: value(before),
                after: value(&stored),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn do_set_password_hash(
        &self,
        ctx: &WriteCtx,
        id: &PersonId,
        hash: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE people SET password_hash = $1 WHERE id = $2",
                args![hash, id.as_str()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "person",
                verb: "set_password",
                object_id: id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await
    }

    async fn do_insert_team(&self, ctx: &WriteCtx, t: &Team) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(&mut tx, usize::MAX, "teams", TEAM_INSERT, vec![team_row(t)]).await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "team_members",
            &["team_id", "person_id", "position"],
            junction_rows(t.id.as_str(), &id_strings(&t.member_ids)),
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "team",
                verb: "create",
                object_id: t.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(t),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn do_update_team(
        &self,
        ctx: &WriteCtx,
        before: &Team,
        after: &Team,
    ) -> StoreResult<Team> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE teams SET name = $1, parent_id = $2, lead_id = $3, updated_at = $4, \
                 version = version + 1 WHERE id = $5 AND version = $6",
                args![
                    after.name.as_str(),
                    after.parent_id.as_ref().map(|x| x.as_str()),
                    after.lead_id.as_ref().map(|x| x.as_str()),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(&mut tx, "teams", before.id.as_str(), "").await);
        }
        replace_junction(
            &mut tx,
            "team_members",
            "team_id",
            "person_id",
            before.id.as_str(),
            &id_strings(&after.member_ids),
        )
        .await?;
        let stored = team_in(&mut Exec::Tx(&mut tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "team",
                verb: "update",
                object_id: before.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: value(before),
                after: value(&stored),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn do_insert_cycle(&self, ctx: &WriteCtx, c: &Cycle) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "cycles",
            CYCLE_INSERT,
            vec![cycle_row(c)],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "cycle",
                verb: "create",
                object_id: c.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(c),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn do_update_cycle(
        &self,
        ctx: &WriteCtx,
        before: &Cycle,
        after: &Cycle,
    ) -> StoreResult<Cycle> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE cycles SET name = $1, starts_on = $2, ends_on = $3, parent_id = $4, \
                 state = $5, updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8",
                args![
                    after.name.as_str(),
                    after.starts_on.to_string(),
                    after.ends_on.to_string(),
                    after.parent_id.as_ref().map(|x| x.as_str()),
                    enum_str(&after.state),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(&mut tx, "cycles", before.id.as_str(), "").await);
        }
        let stored = cycle_in(&mut Exec::Tx(&mut tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "cycle",
                verb: "update",
                object_id: before.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: value(before),
                after: value(&stored),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn write_objective_junctions(
        tx: &mut Tx,
        o: &Objective,
        replace: bool,
    ) -> StoreResult<()> {
        let id = o.id.as_str();
        if replace {
            for table in [
                "objective_teams",
                "objective_contributors",
                "objective_co_owners",
                "objective_parents",
            ] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE objective_id = $1"),
                    args![id],
                )
                .await?;
            }
        }
        insert_rows(
            tx,
            usize::MAX,
            "objective_teams",
            &["objective_id", "team_id", "position"],
            junction_rows(id, &id_strings(&o.team_ids)),
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            "objective_contributors",
            &["objective_id", "person_id", "position"],
            junction_rows(id, &id_strings(&o.contributor_ids)),
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            "objective_co_owners",
            &["objective_id", "person_id", "position"],
            junction_rows(id, &id_strings(&o.co_owner_ids)),
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            "objective_parents",
            PARENT_INSERT,
            parent_rows(o),
        )
        .await
    }

    async fn do_insert_objective(
        &self,
        ctx: &WriteCtx,
        o: &Objective,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        if let Some(r) = request {
            request_on(r, &OkrRef::Objective(o.id.clone()))?;
        }
        let mut tx = self.begin().await?;
        Self::insert_objective_in(&mut tx, ctx, o, request).await?;
        tx.commit().await
    }

    /// An objective, its junctions, its audit event and its ownership request, inside `tx`.
    async fn insert_objective_in(
        tx: &mut Tx,
        ctx: &WriteCtx,
        o: &Objective,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        insert_rows(
            tx,
            usize::MAX,
            "objectives",
            OBJECTIVE_INSERT,
            vec![objective_row(o)],
        )
        .await?;
        Self::write_objective_junctions(tx, o, false).await?;
        audit(
            tx,
            ctx,
            AuditRec {
                kind: "objective",
                verb: "create",
                object_id: o.id.as_str(),
                objective_id: Some(o.id.as_str()),
                key_result_id: None,
                before: None,
                after: value(o),
            },
        )
        .await?;
        if let Some(r) = request {
            insert_request(tx, ctx, r, o.id.as_str()).await?;
        }
        Ok(())
    }

    /// An objective's retrospective (replacing any earlier one) and its audit event, inside `tx`.
    async fn save_retrospective_in(
        tx: &mut Tx,
        ctx: &WriteCtx,
        r: &rhythm::Retrospective,
    ) -> StoreResult<()> {
        tx.execute(
            "DELETE FROM retrospectives WHERE objective_id = $1",
            args![r.objective_id.as_str()],
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            "retrospectives",
            RETROSPECTIVE_INSERT,
            vec![retrospective_row(r)],
        )
        .await?;
        audit(
            tx,
            ctx,
            AuditRec {
                kind: "objective",
                verb: "retrospective",
                object_id: r.objective_id.as_str(),
                objective_id: Some(r.objective_id.as_str()),
                key_result_id: None,
                before: None,
                after: value(r),
            },
        )
        .await?;
        Ok(())
    }

    /// Carrying an objective over: the retrospective, the draft objective, its key results and
    /// every ownership request, in one transaction (all or nothing).
    async fn do_carry_over(
        &self,
        ctx: &WriteCtx,
        retro: &rhythm::Retrospective,
        draft: &CarryOver,
    ) -> StoreResult<()> {
        if let Some(r) = &draft.request {
            request_on(r, &OkrRef::Objective(draft.objective.id.clone()))?;
        }
        for (k, r) in &draft.key_results {
            if let Some(r) = r {
                request_on(r, &OkrRef::KeyResult(k.id.clone()))?;
            }
            if k.objective_id != draft.objective.id {
                return Err(StoreError::Conflict {
                    field: "objective_id".into(),
                    message: "a carried-over key result belongs to the draft objective".into(),
                });
            }
        }
        let mut tx = self.begin().await?;
        Self::insert_objective_in(&mut tx, ctx, &draft.objective, draft.request.as_ref()).await?;
        for (k, r) in &draft.key_results {
            Self::insert_key_result_in(&mut tx, ctx, k, r.as_ref()).await?;
        }
        Self::save_retrospective_in(&mut tx, ctx, retro).await?;
        tx.commit().await
    }

    async fn do_update_objective(
        &self,
        ctx: &WriteCtx,
        before: &Objective,
        after: &Objective,
    ) -> StoreResult<Objective> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE objectives SET title = $1, description = $2, cycle_id = $3, \
                 owner_id = $4, ownership_state = $5, sponsor_id = $6, kind = $7, state = $8, \
                 visibility = $9, updated_at = $10, version = version + 1 \
                 WHERE id = $11 AND version = $12 AND deleted_at IS NULL",
                args![
                    after.title.as_str(),
                    after.description.as_str(),
                    after.cycle_id.as_str(),
                    after.owner_id.as_str(),
                    enum_str(&after.ownership_state),
                    after.sponsor_id.as_ref().map(|x| x.as_str()),
                    enum_str(&after.kind),
                    enum_str(&after.state),
                    enum_str(&after.visibility),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(
                &mut tx,
                "objectives",
                before.id.as_str(),
                "AND deleted_at IS NULL",
            )
            .await);
        }
        let mut o = after.clone();
        o.id = before.id.clone();
        Self::write_objective_junctions(&mut tx, &o, true).await?;
        let stored = objective_in(&mut Exec::Tx(&mut tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "objective",
                verb: "update",
                object_id: before.id.as_str(),
                objective_id: Some(before.id.as_str()),
                key_result_id: None,
                before: value(before),
                after: value(&stored),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn do_delete_objective(&self, ctx: &WriteCtx, o: &Objective) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let at = ts(&now());
        let n = tx
            .execute(
                "UPDATE objectives SET deleted_at = $1, updated_at = $1, version = version + 1 \
                 WHERE id = $2 AND version = $3 AND deleted_at IS NULL",
                args![at, o.id.as_str(), o.version],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(
                &mut tx,
                "objectives",
                o.id.as_str(),
                "AND deleted_at IS NULL",
            )
            .await);
        }
        tx.execute(
            "UPDATE key_results SET deleted_at = $1 WHERE objective_id = $2 AND deleted_at IS NULL",
            args![at, o.id.as_str()],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "objective",
                verb: "delete",
                object_id: o.id.as_str(),
                objective_id: Some(o.id.as_str()),
                key_result_id: None,
                before: value(o),
                after: None,
            },
        )
        .await?;
        tx.commit().await
    }

    async fn write_kr_junctions(tx: &mut Tx, k: &KeyResult, replace: bool) -> StoreResult<()> {
        let id = k.id.as_str();
        if replace {
            for table in [
                "key_result_teams",
                "key_result_contributors",
                "key_result_co_owners",
            ] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE key_result_id = $1"),
                    args![id],
                )
                .await?;
            }
        }
        insert_rows(
            tx,
            usize::MAX,
            "key_result_teams",
            &["key_result_id", "team_id", "position"],
            junction_rows(id, &id_strings(&k.team_ids)),
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            "key_result_contributors",
            &["key_result_id", "person_id", "position"],
            junction_rows(id, &id_strings(&k.contributor_ids)),
        )
        .await?;
        insert_rows(
            tx,
            usize::MAX,
            "key_result_co_owners",
            &["key_result_id", "person_id", "position"],
            junction_rows(id, &id_strings(&k.co_owner_ids)),
        )
        .await
    }

    async fn do_insert_key_result(
        &self,
        ctx: &WriteCtx,
        k: &KeyResult,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        if let Some(r) = request {
            request_on(r, &OkrRef::KeyResult(k.id.clone()))?;
        }
        let mut tx = self.begin().await?;
        Self::insert_key_result_in(&mut tx, ctx, k, request).await?;
        tx.commit().await
    }

    /// A key result (of a live objective), its junctions, audit event and ownership request,
    /// inside `tx`.
    async fn insert_key_result_in(
        tx: &mut Tx,
        ctx: &WriteCtx,
        k: &KeyResult,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        // A key result can only be added to a live objective.
        if tx
            .fetch_optional(
                "SELECT id FROM objectives WHERE id = $1 AND deleted_at IS NULL",
                args![k.objective_id.as_str()],
            )
            .await?
            .is_none()
        {
            return Err(StoreError::Conflict {
                field: "objective_id".into(),
                message: "no such objective".into(),
            });
        }
        insert_rows(tx, usize::MAX, "key_results", KR_INSERT, vec![kr_row(k)]).await?;
        Self::write_kr_junctions(tx, k, false).await?;
        audit(
            tx,
            ctx,
            AuditRec {
                kind: "key_result",
                verb: "create",
                object_id: k.id.as_str(),
                objective_id: Some(k.objective_id.as_str()),
                key_result_id: Some(k.id.as_str()),
                before: None,
                after: value(k),
            },
        )
        .await?;
        if let Some(r) = request {
            insert_request(tx, ctx, r, k.objective_id.as_str()).await?;
        }
        Ok(())
    }

    async fn do_update_key_result(
        &self,
        ctx: &WriteCtx,
        before: &KeyResult,
        after: &KeyResult,
    ) -> StoreResult<KeyResult> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE key_results SET title = $1, description = $2, owner_id = $3, \
                 ownership_state = $4, sponsor_id = $5, metric_kind = $6, start_value = $7, \
                 target_value = $8, current_value = $9, unit = $10, weight = $11, \
                 milestones = $12, confidence = $13, last_check_in_at = $14, updated_at = $15, \
                 financial = $18, version = version + 1 \
                 WHERE id = $16 AND version = $17 AND deleted_at IS NULL",
                args![
                    after.title.as_str(),
                    after.description.as_str(),
                    after.owner_id.as_str(),
                    enum_str(&after.ownership_state),
                    after.sponsor_id.as_ref().map(|x| x.as_str()),
                    enum_str(&after.metric_kind),
                    after.start,
                    after.target,
                    after.current,
                    after.unit.as_str(),
                    after.weight,
                    json(&after.milestones),
                    after.confidence.map(i64::from),
                    after.last_check_in_at.as_ref().map(ts),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                    after.financial,
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(
                &mut tx,
                "key_results",
                before.id.as_str(),
                "AND deleted_at IS NULL",
            )
            .await);
        }
        let mut k = after.clone();
        k.id = before.id.clone();
        Self::write_kr_junctions(&mut tx, &k, true).await?;
        let stored = key_result_in(&mut Exec::Tx(&mut tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "key_result",
                verb: "update",
                object_id: before.id.as_str(),
                objective_id: Some(stored.objective_id.as_str()),
                key_result_id: Some(before.id.as_str()),
                before: value(before),
                after: value(&stored),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn do_delete_key_result(&self, ctx: &WriteCtx, k: &KeyResult) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let at = ts(&now());
        let n = tx
            .execute(
                "UPDATE key_results SET deleted_at = $1, updated_at = $1, version = version + 1 \
                 WHERE id = $2 AND version = $3 AND deleted_at IS NULL",
                args![at, k.id.as_str(), k.version],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(
                &mut tx,
                "key_results",
                k.id.as_str(),
                "AND deleted_at IS NULL",
            )
            .await);
        }
        let objective_id = objective_of_kr(&mut tx, k.id.as_str()).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "key_result",
                verb: "delete",
                object_id: k.id.as_str(),
                objective_id: objective_id.as_deref(),
                key_result_id: Some(k.id.as_str()),
                before: value(k),
                after: None,
            },
        )
        .await?;
        tx.commit().await
    }

    /// Queues the check-in for the next group commit and waits for its answer (see
    /// `CheckInQueue`).
    async fn do_record_check_in(
        &self,
        ctx: &WriteCtx,
        c: &CheckIn,
        applied: &KeyResult,
    ) -> StoreResult<KeyResult> {
        let queue = &*self.check_ins;
        let seq = queue.next_seq.fetch_add(1, Ordering::Relaxed);
        let (reply, mut answer) = oneshot::channel();
        queue.jobs().push(CheckInJob {
            seq,
            ctx: ctx.clone(),
            check_in: c.clone(),
            applied: applied.clone(),
            reply,
        });
        let queued = Queued { queue, seq };
        loop {
            // Either a leader's group took this job and answers it, or this call becomes the
            // leader. A call whose job was taken stops queueing for `leader` at once: behind it,
            // it would hold up the calls after it by a whole commit each, and groups would
            // shrink to one or two check-ins.
            let leader = tokio::select! {
                biased;
                a = &mut answer => return a.unwrap_or(Err(StoreError::Interrupted)),
                leader = queue.leader.clone().lock_owned() => leader,
            };
            let (jobs, left) = queue.take(seq);
            if !jobs.is_empty() {
                // On a task of its own: the group is answered even if this call is cancelled.
                let store = self.clone();
                tokio::spawn(store.commit_check_ins_boxed(jobs, leader));
            }
            if !left {
                break;
            }
        }
        drop(queued);
        answer.await.unwrap_or(Err(StoreError::Interrupted))
    }

    /// Several check-ins in one transaction, outside the group-commit queue: the first error
    /// rolls every one of them back.
    async fn do_record_check_ins(
        &self,
        ctx: &WriteCtx,
        items: &[(CheckIn, KeyResult)],
    ) -> StoreResult<Vec<KeyResult>> {
        let mut tx = self.begin().await?;
        let mut stored = Vec::with_capacity(items.len());
        for (check_in, applied) in items {
            // `check_in_one` takes a queue job; this one is answered by the return value.
            let (reply, _) = oneshot::channel();
            let job = CheckInJob {
                seq: 0,
                ctx: ctx.clone(),
                check_in: check_in.clone(),
                applied: applied.clone(),
                reply,
            };
            match check_in_one(&mut tx, &job).await {
                Ok(k) => stored.push(k),
                Err(e) => {
                    if let Err(r) = tx.rollback().await {
                        tracing::warn!(error = %r, "rolling back a weekly check-in failed");
                    }
                    return Err(e);
                }
            }
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// `commit_check_ins`, then frees the leader. Boxed as `Send` here, where the lifetimes
    /// are concrete (rustc's higher-ranked Send check otherwise refuses it to `tokio::spawn`).
    fn commit_check_ins_boxed(
        self,
        jobs: Vec<CheckInJob>,
        leader: tokio::sync::OwnedMutexGuard<()>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(async move {
            self.commit_check_ins(jobs).await;
            drop(leader);
        })
    }

    /// Commits a group of check-ins in one transaction and answers each. Fast path: every
    /// job's statements in a row, the check-ins and audit events inserted by multi-row INSERTs.
    /// If any statement fails (a duplicate id, a broken reference…), that transaction rolls
    /// back and the group is redone with each job inside a savepoint, so that a failing job is
    /// rolled back alone.
    async fn commit_check_ins(&self, jobs: Vec<CheckInJob>) {
        let mut answers = match self.check_in_group(&jobs, false).await {
            Err(_) if jobs.len() > 1 => self.check_in_group(&jobs, true).await,
            r => r,
        };
        match answers {
            Ok(ref mut answers) => {
                for (job, a) in jobs.into_iter().zip(answers.drain(..)) {
                    let _ = job.reply.send(a.map_err(map_err));
                }
            }
            Err(e) => {
                let e = share(map_err(e));
                for job in jobs {
                    let _ = job.reply.send(Err(e()));
                }
            }
        }
    }

    /// One transaction for `jobs`: each job's answer, or the error that failed the whole
    /// transaction. With `savepoints`, each job runs in its own savepoint and a job's error is
    /// its answer; without, any error but `NotFound` (which writes nothing) fails the group.
    async fn check_in_group(
        &self,
        jobs: &[CheckInJob],
        savepoints: bool,
    ) -> StoreResult<Vec<StoreResult<KeyResult>>> {
        let mut tx = self.begin().await?;
        match check_in_statements(&mut tx, jobs, savepoints).await {
            Ok(answers) => {
                tx.commit().await?;
                Ok(answers)
            }
            Err(e) => {
                // At once: the savepoint retry of this group would wait on its row locks.
                if let Err(r) = tx.rollback().await {
                    tracing::warn!(error = %r, "rolling back a check-in group failed");
                }
                Err(e)
            }
        }
    }

    async fn do_insert_initiative(&self, ctx: &WriteCtx, i: &Initiative) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let objective_id = objective_of_kr(&mut tx, i.key_result_id.as_str()).await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "initiatives",
            INITIATIVE_INSERT,
            vec![initiative_row(i)],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "initiative",
                verb: "create",
                object_id: i.id.as_str(),
                objective_id: objective_id.as_deref(),
                key_result_id: Some(i.key_result_id.as_str()),
                before: None,
                after: value(i),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn do_update_initiative(
        &self,
        ctx: &WriteCtx,
        before: &Initiative,
        after: &Initiative,
    ) -> StoreResult<Initiative> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE initiatives SET title = $1, owner_id = $2, state = $3, link = $4, \
                 reason = $5, updated_at = $6, version = version + 1, active_since = $9, \
                 value_at_activation = $10 \
                 WHERE id = $7 AND version = $8",
                args![
                    after.title.as_str(),
                    after.owner_id.as_str(),
                    enum_str(&after.state),
                    after.link.clone(),
                    after.reason.clone(),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                    after.active_since.as_ref().map(ts),
                    after.value_at_activation,
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(&mut tx, "initiatives", before.id.as_str(), "").await);
        }
        let stored = initiative_in(&mut Exec::Tx(&mut tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        let objective_id = objective_of_kr(&mut tx, stored.key_result_id.as_str()).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "initiative",
                verb: "update",
                object_id: before.id.as_str(),
                objective_id: objective_id.as_deref(),
                key_result_id: Some(stored.key_result_id.as_str()),
                before: value(before),
                after: value(&stored),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn do_insert_token(
        &self,
        ctx: &WriteCtx,
        t: &ApiToken,
        secret_hash: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "api_tokens",
            &[
                "id",
                "person_id",
                "name",
                "scope",
                "secret_hash",
                "created_at",
                "expires_on",
                "last_used_at",
                "revoked_at",
            ],
            vec![args![
                t.id.as_str(),
                t.person_id.as_str(),
                t.name.as_str(),
                enum_str(&t.scope),
                secret_hash,
                ts(&t.created_at),
                t.expires_on.map(|d| d.to_string()),
                t.last_used_at.as_ref().map(ts),
                t.revoked_at.as_ref().map(ts),
            ]],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "token",
                verb: "create",
                object_id: t.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(t),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn do_revoke_token(&self, ctx: &WriteCtx, id: &TokenId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let before = token_in(&mut Exec::Tx(&mut tx), id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        if before.revoked_at.is_some() {
            return Ok(());
        }
        tx.execute(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2",
            args![ts(&now()), id.as_str()],
        )
        .await?;
        let after = token_in(&mut Exec::Tx(&mut tx), id.as_str()).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "token",
                verb: "revoke",
                object_id: id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: value(&before),
                after: value(&after),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn do_propose_ownership(
        &self,
        ctx: &WriteCtx,
        r: &OwnershipRequest,
        okr_version: i64,
    ) -> StoreResult<()> {
        let okr_id = r.okr.id();
        let mut tx = self.begin().await?;
        let before = okr_state(&mut tx, &r.okr)
            .await?
            .ok_or(StoreError::NotFound)?;
        if before.version != okr_version {
            return Err(StoreError::StaleVersion);
        }
        let state = if r.state == RequestState::Accepted {
            OwnershipState::Accepted
        } else {
            OwnershipState::Pending
        };
        let at = ts(&now());
        let n = tx
            .execute(
                &format!(
                    "UPDATE {} SET owner_id = $1, ownership_state = $2, updated_at = $3, \
                     version = version + 1 WHERE id = $4 AND version = $5 AND deleted_at IS NULL",
                    before.table
                ),
                args![
                    r.proposed_owner_id.as_str(),
                    enum_str(&state),
                    at,
                    okr_id,
                    okr_version,
                ],
            )
            .await?;
        if n == 0 {
            return Err(
                stale_or_missing(&mut tx, before.table, okr_id, "AND deleted_at IS NULL").await,
            );
        }
        // An unanswered request is replaced by the new one.
        tx.execute(
            &format!(
                "UPDATE ownership_requests SET state = 'superseded', decided_at = $1 \
                 WHERE state = 'pending' AND id <> $2 AND {}",
                okr_clause(&r.okr, "$3")
            ),
            args![at, r.id.as_str(), okr_id],
        )
        .await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "ownership_requests",
            REQUEST_INSERT,
            vec![request_row(r, Some(&before.objective_id))],
        )
        .await?;
        let after = okr_state(&mut tx, &r.okr)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: before.kind,
                verb: "propose_owner",
                object_id: okr_id,
                objective_id: Some(&before.objective_id),
                key_result_id: before.key_result_id.as_deref(),
                before: before.record,
                after: after.record,
            },
        )
        .await?;
        tx.commit().await
    }

    async fn do_answer_ownership_request(
        &self,
        ctx: &WriteCtx,
        r: &OwnershipRequest,
    ) -> StoreResult<()> {
        let (ownership_state, verb) = match r.state {
            RequestState::Accepted => (OwnershipState::Accepted, "accept_ownership"),
            RequestState::Declined => (OwnershipState::Declined, "decline_ownership"),
            other => {
                return Err(StoreError::Conflict {
                    field: "state".into(),
                    message: format!(
                        "an answer accepts or declines; '{}' is not an answer",
                        other.as_str()
                    ),
                })
            }
        };
        let mut tx = self.begin().await?;
        let sql = format!("SELECT {REQUEST_COLS} FROM ownership_requests WHERE id = $1");
        let stored = tx
            .fetch_optional(&sql, args![r.id.as_str()])
            .await?
            .as_ref()
            .map(request_from)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        if stored.state != RequestState::Pending {
            return Err(StoreError::StaleVersion);
        }
        let before = okr_state(&mut tx, &stored.okr)
            .await?
            .ok_or(StoreError::NotFound)?;
        if before.owner_id != stored.proposed_owner_id.as_str() {
            return Err(StoreError::StaleVersion);
        }
        let at = ts(&now());
        let decided_at = r.decided_at.as_ref().map(ts).unwrap_or(at);
        let decline_reason = match r.state {
            RequestState::Declined => r.decline_reason.clone(),
            _ => None,
        };
        // The OKR row first, then the request: the same lock order as `propose_ownership`
        // (which updates the OKR, then supersedes its pending requests), so that a concurrent
        // proposal and answer cannot deadlock on PostgreSQL.
        let okr_id = stored.okr.id();
        let n = tx
            .execute(
                &format!(
                    "UPDATE {} SET ownership_state = $1, updated_at = $2, version = version + 1 \
                     WHERE id = $3 AND owner_id = $4 AND deleted_at IS NULL",
                    before.table
                ),
                args![
                    enum_str(&ownership_state),
                    at,
                    okr_id,
                    stored.proposed_owner_id.as_str(),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::StaleVersion);
        }
        let n = tx
            .execute(
                "UPDATE ownership_requests SET state = $1, decline_reason = $2, decided_at = $3 \
                 WHERE id = $4 AND state = 'pending'",
                args![r.state.as_str(), decline_reason, decided_at, r.id.as_str()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::StaleVersion);
        }
        let after = okr_state(&mut tx, &stored.okr)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: before.kind,
                verb,
                object_id: okr_id,
                objective_id: Some(&before.objective_id),
                key_result_id: before.key_result_id.as_deref(),
                before: before.record,
                after: after.record,
            },
        )
        .await?;
        tx.commit().await
    }

    async fn do_load_snapshot(&self, ctx: &WriteCtx, s: &Snapshot) -> StoreResult<()> {
        let max = self.db.max_params();
        let mut tx = self.begin().await?;
        tx.defer_foreign_keys().await?;
        if let Some(settings) = &s.settings {
            tx.execute(
                "INSERT INTO settings (id, body, updated_at, version) VALUES (1, $1, $2, 1) \
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, \
                 updated_at = excluded.updated_at, version = settings.version + 1",
                args![json(settings), ts(&now())],
            )
            .await?;
        }
        insert_rows(
            &mut tx,
            max,
            "people",
            PERSON_INSERT,
            s.people.iter().map(person_row).collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "teams",
            TEAM_INSERT,
            s.teams.iter().map(team_row).collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "team_members",
            &["team_id", "person_id", "position"],
            s.teams
                .iter()
                .flat_map(|t| junction_rows(t.id.as_str(), &id_strings(&t.member_ids)))
                .collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "cycles",
            CYCLE_INSERT,
            s.cycles.iter().map(cycle_row).collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "objectives",
            OBJECTIVE_INSERT,
            s.objectives.iter().map(objective_row).collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "objective_teams",
            &["objective_id", "team_id", "position"],
            s.objectives
                .iter()
                .flat_map(|o| junction_rows(o.id.as_str(), &id_strings(&o.team_ids)))
                .collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "objective_contributors",
            &["objective_id", "person_id", "position"],
            s.objectives
                .iter()
                .flat_map(|o| junction_rows(o.id.as_str(), &id_strings(&o.contributor_ids)))
                .collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "key_results",
            KR_INSERT,
            s.key_results.iter().map(kr_row).collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "key_result_teams",
            &["key_result_id", "team_id", "position"],
            s.key_results
                .iter()
                .flat_map(|k| junction_rows(k.id.as_str(), &id_strings(&k.team_ids)))
                .collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "key_result_contributors",
            &["key_result_id", "person_id", "position"],
            s.key_results
                .iter()
                .flat_map(|k| junction_rows(k.id.as_str(), &id_strings(&k.contributor_ids)))
                .collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "objective_co_owners",
            &["objective_id", "person_id", "position"],
            s.objectives
                .iter()
                .flat_map(|o| junction_rows(o.id.as_str(), &id_strings(&o.co_owner_ids)))
                .collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "key_result_co_owners",
            &["key_result_id", "person_id", "position"],
            s.key_results
                .iter()
                .flat_map(|k| junction_rows(k.id.as_str(), &id_strings(&k.co_owner_ids)))
                .collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "objective_parents",
            PARENT_INSERT,
            s.objectives.iter().flat_map(parent_rows).collect(),
        )
        .await?;
        // A key result request is stored with its key result's objective: from the snapshot,
        // or (a request on a key result already stored) from the database, in one batch.
        let mut kr_objective: HashMap<String, String> = s
            .key_results
            .iter()
            .map(|k| (k.id.to_string(), k.objective_id.to_string()))
            .collect();
        let missing: Vec<String> = s
            .ownership_requests
            .iter()
            .filter_map(|r| match &r.okr {
                OkrRef::KeyResult(k) if !kr_objective.contains_key(k.as_str()) => {
                    Some(k.to_string())
                }
                _ => None,
            })
            .collect();
        if !missing.is_empty() {
            for r in fetch_in(
                &mut Exec::Tx(&mut tx),
                "SELECT id, objective_id FROM key_results WHERE id",
                "",
                &missing,
            )
            .await?
            {
                kr_objective.insert(r.text("id")?, r.text("objective_id")?);
            }
        }
        let mut request_rows = Vec::with_capacity(s.ownership_requests.len());
        for r in &s.ownership_requests {
            let objective_id = match &r.okr {
                OkrRef::Objective(o) => o.as_str(),
                OkrRef::KeyResult(k) => kr_objective.get(k.as_str()).map(String::as_str).ok_or(
                    StoreError::Conflict {
                        field: "okr".into(),
                        message: "an ownership request names a key result that does not exist"
                            .into(),
                    },
                )?,
            };
            request_rows.push(request_row(r, Some(objective_id)));
        }
        insert_rows(
            &mut tx,
            max,
            "ownership_requests",
            REQUEST_INSERT,
            request_rows,
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "check_ins",
            CHECK_IN_INSERT,
            s.check_ins.iter().map(check_in_row).collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            max,
            "initiatives",
            INITIATIVE_INSERT,
            s.initiatives.iter().map(initiative_row).collect(),
        )
        .await?;
        for (table, cols, rows) in [
            (
                "key_result_scores",
                SCORE_INSERT,
                s.scores.iter().map(score_row).collect::<Vec<_>>(),
            ),
            (
                "retrospectives",
                RETROSPECTIVE_INSERT,
                s.retrospectives.iter().map(retrospective_row).collect(),
            ),
            (
                "reviews",
                REVIEW_INSERT,
                s.reviews.iter().map(review_row).collect(),
            ),
            (
                "conversations",
                CONVERSATION_INSERT,
                s.conversations.iter().map(conversation_row).collect(),
            ),
            (
                "feedback_requests",
                FEEDBACK_REQUEST_INSERT,
                s.feedback_requests
                    .iter()
                    .map(feedback_request_row)
                    .collect(),
            ),
            (
                "feedback_answers",
                FEEDBACK_ANSWER_INSERT,
                s.feedback_requests
                    .iter()
                    .flat_map(feedback_answer_rows)
                    .collect(),
            ),
            (
                "recognitions",
                RECOGNITION_INSERT,
                s.recognitions.iter().map(recognition_row).collect(),
            ),
        ] {
            insert_rows(&mut tx, max, table, cols, rows).await?;
        }
        let counts = serde_json::json!({
            "settings": s.settings.is_some(),
            "people": s.people.len(),
            "teams": s.teams.len(),
            "cycles": s.cycles.len(),
            "objectives": s.objectives.len(),
            "key_results": s.key_results.len(),
            "check_ins": s.check_ins.len(),
            "initiatives": s.initiatives.len(),
            "ownership_requests": s.ownership_requests.len(),
            "scores": s.scores.len(),
            "retrospectives": s.retrospectives.len(),
            "reviews": s.reviews.len(),
            "conversations": s.conversations.len(),
            "feedback_requests": s.feedback_requests.len(),
            "recognitions": s.recognitions.len(),
            "co_owners": s.objectives.iter().map(|o| o.co_owner_ids.len()).sum::<usize>()
                + s.key_results.iter().map(|k| k.co_owner_ids.len()).sum::<usize>(),
        });
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "snapshot",
                verb: "load",
                object_id: "snapshot",
                objective_id: None,
                key_result_id: None,
                before: None,
                after: Some(counts),
            },
        )
        .await?;
        tx.commit().await
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn key_results_shared_with(&self, team_id: &TeamId) -> StoreResult<Vec<KeyResult>> {
        let sql = format!(
            "SELECT {KR_COLS} FROM key_results WHERE deleted_at IS NULL \
             AND id IN (SELECT key_result_id FROM key_result_teams WHERE team_id = $1) \
             AND objective_id IN (SELECT id FROM objectives WHERE deleted_at IS NULL) \
             ORDER BY created_at, id"
        );
        let mut ex = self.ex();
        let rows = ex.fetch_all(&sql, args![team_id.as_str()]).await?;
        fill_key_results(&mut ex, rows).await
    }

    async fn okrs_involving(&self, person_id: &PersonId) -> StoreResult<crate::Involvement> {
        let p = person_id.as_str();
        let mut ex = self.ex();
        let sql = format!(
            "SELECT {OBJECTIVE_COLS} FROM objectives WHERE deleted_at IS NULL AND \
             (owner_id = $1 OR sponsor_id = $1 \
              OR id IN (SELECT objective_id FROM objective_co_owners WHERE person_id = $1) \
              OR id IN (SELECT objective_id FROM objective_contributors WHERE person_id = $1)) \
             ORDER BY id"
        );
        let rows = ex.fetch_all(&sql, args![p]).await?;
        let objectives = fill_objectives(&mut ex, rows).await?;
        let sql = format!(
            "SELECT {KR_COLS} FROM key_results WHERE deleted_at IS NULL \
             AND objective_id IN (SELECT id FROM objectives WHERE deleted_at IS NULL) AND \
             (owner_id = $1 OR sponsor_id = $1 \
              OR id IN (SELECT key_result_id FROM key_result_co_owners WHERE person_id = $1) \
              OR id IN (SELECT key_result_id FROM key_result_contributors WHERE person_id = $1)) \
             ORDER BY objective_id, created_at, id"
        );
        let rows = ex.fetch_all(&sql, args![p]).await?;
        let key_results = fill_key_results(&mut ex, rows).await?;
        Ok(crate::Involvement {
            objectives,
            key_results,
        })
    }

    async fn propose_ownership(
        &self,
        ctx: &WriteCtx,
        request: &OwnershipRequest,
        okr_version: i64,
    ) -> StoreResult<()> {
        self.do_propose_ownership(ctx, request, okr_version)
            .await
            .map_err(map_err)
    }

    async fn answer_ownership_request(
        &self,
        ctx: &WriteCtx,
        request: &OwnershipRequest,
    ) -> StoreResult<()> {
        self.do_answer_ownership_request(ctx, request)
            .await
            .map_err(map_err)
    }

    async fn ownership_request(
        &self,
        id: &OwnershipRequestId,
    ) -> StoreResult<Option<OwnershipRequest>> {
        let sql = format!("SELECT {REQUEST_COLS} FROM ownership_requests WHERE id = $1");
        self.db
            .fetch_optional(&sql, args![id.as_str()])
            .await?
            .as_ref()
            .map(request_from)
            .transpose()
    }

    async fn list_ownership_requests(
        &self,
        filter: &crate::OwnershipRequestFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<OwnershipRequest>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        if let Some(st) = filter.state {
            let p = w.arg(st.as_str());
            w.add(format!("state = {p}"));
        }
        if let Some(o) = &filter.proposed_owner_id {
            let p = w.arg(o.as_str());
            w.add(format!("proposed_owner_id = {p}"));
        }
        if let Some(i) = &filter.involving {
            let p = w.arg(i.as_str());
            w.add(format!("(proposed_owner_id = {p} OR proposed_by = {p})"));
        }
        if let Some(o) = &filter.okr_id {
            let p = w.arg(o.as_str());
            w.add(on_okr(&p));
        }
        if let Some(a) = &filter.audience {
            let v = visible_objective(&mut w, a, "objective_id");
            w.add(v);
        }
        if let Some((at, id)) = time_cursor(page)? {
            let a = w.arg(at);
            let i = w.arg(id);
            w.add(format!(
                "(created_at < {a} OR (created_at = {a} AND id < {i}))"
            ));
        }
        let sql = format!(
            "SELECT {REQUEST_COLS} FROM ownership_requests {} \
             ORDER BY created_at DESC, id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(request_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |r| {
            format!("t:{}:{}", ts(&r.created_at), r.id)
        }))
    }

    async fn ownership_history(&self, okr_id: &str) -> StoreResult<Vec<OwnershipRequest>> {
        let sql = format!(
            "SELECT {REQUEST_COLS} FROM ownership_requests WHERE {} ORDER BY created_at, id",
            on_okr("$1")
        );
        self.db
            .fetch_all(&sql, args![okr_id])
            .await?
            .iter()
            .map(request_from)
            .collect()
    }

    async fn ownership_requests_of_objective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Vec<OwnershipRequest>> {
        // Key-result requests carry their objective's id too.
        let sql = format!(
            "SELECT {REQUEST_COLS} FROM ownership_requests WHERE objective_id = $1 ORDER BY created_at, id"
        );
        self.db
            .fetch_all(&sql, args![objective_id.as_str()])
            .await?
            .iter()
            .map(request_from)
            .collect()
    }

    fn backend(&self) -> &'static str {
        self.db.backend()
    }

    async fn settings(&self) -> StoreResult<OrgSettings> {
        if let Some(s) = self.settings.fresh() {
            return Ok(s);
        }
        let generation = self.settings.generation.load(Ordering::SeqCst);
        let read_at = std::time::Instant::now();
        let row = self
            .db
            .fetch_optional("SELECT body FROM settings WHERE id = 1", vec![])
            .await
            .map_err(map_err)?;
        let settings = match row {
            None => OrgSettings::default(),
            Some(r) => from_json("settings.body", &r.text("body")?)?,
        };
        self.settings.keep(generation, read_at, &settings);
        Ok(settings)
    }

    async fn save_settings(&self, ctx: &WriteCtx, settings: &OrgSettings) -> StoreResult<()> {
        let saved = self.do_save_settings(ctx, settings).await.map_err(map_err);
        self.settings.invalidate();
        saved
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        Ok(self
            .db
            .fetch_optional("SELECT id FROM people LIMIT 1", vec![])
            .await?
            .is_none())
    }

    async fn insert_person(&self, ctx: &WriteCtx, person: &Person) -> StoreResult<()> {
        self.do_insert_person(ctx, person).await.map_err(map_err)
    }

    async fn person(&self, id: &PersonId) -> StoreResult<Option<Person>> {
        person_in(&mut self.ex(), id.as_str()).await
    }

    async fn person_by_email(&self, email: &str) -> StoreResult<Option<Person>> {
        let sql = format!("SELECT {PERSON_COLS} FROM people WHERE email_key = $1");
        self.db
            .fetch_optional(&sql, args![email.trim().to_lowercase()])
            .await?
            .as_ref()
            .map(person_from)
            .transpose()
    }

    async fn people_by_ids(&self, ids: &[PersonId]) -> StoreResult<Vec<Person>> {
        let keys = id_strings(ids);
        let select = format!("SELECT {PERSON_COLS} FROM people WHERE id");
        fetch_in(&mut self.ex(), &select, "", &keys)
            .await?
            .iter()
            .map(person_from)
            .collect()
    }

    async fn list_people(
        &self,
        filter: &PeopleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Person>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        if let Some(q) = filter
            .query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
        {
            let escaped = q
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let p = w.arg(format!("%{escaped}%"));
            w.add(format!("search_key LIKE {p} ESCAPE '\\'"));
        }
        if let Some(m) = &filter.manager_id {
            let p = w.arg(m.as_str());
            w.add(format!("manager_id = {p}"));
        }
        if let Some(a) = filter.active {
            let p = w.arg(a);
            w.add(format!("active = {p}"));
        }
        if let Some(c) = id_cursor(page)? {
            let p = w.arg(c);
            w.add(format!("id > {p}"));
        }
        let sql = format!(
            "SELECT {PERSON_COLS} FROM people {} ORDER BY id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(person_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |p| format!("i:{}", p.id)))
    }

    async fn update_person(
        &self,
        ctx: &WriteCtx,
        before: &Person,
        after: &Person,
    ) -> StoreResult<Person> {
        self.do_update_person(ctx, before, after)
            .await
            .map_err(map_err)
    }

    async fn set_password_hash(
        &self,
        ctx: &WriteCtx,
        id: &PersonId,
        hash: &str,
    ) -> StoreResult<()> {
        self.do_set_password_hash(ctx, id, hash)
            .await
            .map_err(map_err)
    }

    async fn password_hash(&self, id: &PersonId) -> StoreResult<Option<String>> {
        match self
            .db
            .fetch_optional(
                "SELECT password_hash FROM people WHERE id = $1",
                args![id.as_str()],
            )
            .await?
        {
            None => Ok(None),
            Some(r) => r.opt_text("password_hash"),
        }
    }

    async fn insert_team(&self, ctx: &WriteCtx, team: &Team) -> StoreResult<()> {
        self.do_insert_team(ctx, team).await.map_err(map_err)
    }

    async fn team(&self, id: &TeamId) -> StoreResult<Option<Team>> {
        team_in(&mut self.ex(), id.as_str()).await
    }

    async fn teams_by_ids(&self, ids: &[TeamId]) -> StoreResult<Vec<Team>> {
        let keys = id_strings(ids);
        let select = format!("SELECT {TEAM_COLS} FROM teams WHERE id");
        let mut ex = self.ex();
        let rows = fetch_in(&mut ex, &select, "", &keys).await?;
        fill_teams(&mut ex, rows).await
    }

    async fn person_names(&self, ids: &[PersonId]) -> StoreResult<Vec<PersonName>> {
        fetch_in(
            &mut self.ex(),
            "SELECT id, name, title, active FROM people WHERE id",
            "",
            &id_strings(ids),
        )
        .await?
        .iter()
        .map(|r| {
            Ok(PersonName {
                id: PersonId::from_string(r.text("id")?),
                name: r.text("name")?,
                title: r.text("title")?,
                active: r.int("active")? != 0,
            })
        })
        .collect()
    }

    async fn team_names(&self, ids: &[TeamId]) -> StoreResult<Vec<(TeamId, String)>> {
        fetch_in(
            &mut self.ex(),
            "SELECT id, name FROM teams WHERE id",
            "",
            &id_strings(ids),
        )
        .await?
        .iter()
        .map(|r| Ok((TeamId::from_string(r.text("id")?), r.text("name")?)))
        .collect()
    }

    async fn list_teams(&self, filter: &TeamFilter, page: &PageRequest) -> StoreResult<Page<Team>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        if let Some(p) = &filter.parent_id {
            let p = w.arg(p.as_str());
            w.add(format!("parent_id = {p}"));
        }
        if let Some(m) = &filter.member_id {
            let p = w.arg(m.as_str());
            w.add(format!(
                "EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = teams.id AND m.person_id = {p})"
            ));
        }
        if let Some(c) = id_cursor(page)? {
            let p = w.arg(c);
            w.add(format!("id > {p}"));
        }
        let sql = format!(
            "SELECT {TEAM_COLS} FROM teams {} ORDER BY id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let mut ex = self.ex();
        let rows = ex.fetch_all(&sql, w.args).await?;
        let items = fill_teams(&mut ex, rows).await?;
        Ok(paginate(items, limit, |t| format!("i:{}", t.id)))
    }

    async fn update_team(&self, ctx: &WriteCtx, before: &Team, after: &Team) -> StoreResult<Team> {
        self.do_update_team(ctx, before, after)
            .await
            .map_err(map_err)
    }

    async fn insert_cycle(&self, ctx: &WriteCtx, cycle: &Cycle) -> StoreResult<()> {
        self.do_insert_cycle(ctx, cycle).await.map_err(map_err)
    }

    async fn cycle(&self, id: &CycleId) -> StoreResult<Option<Cycle>> {
        cycle_in(&mut self.ex(), id.as_str()).await
    }

    async fn cycle_by_name(&self, name: &str) -> StoreResult<Option<Cycle>> {
        let sql = format!("SELECT {CYCLE_COLS} FROM cycles WHERE name = $1 ORDER BY id LIMIT 1");
        self.db
            .fetch_optional(&sql, args![name])
            .await?
            .as_ref()
            .map(cycle_from)
            .transpose()
    }

    async fn list_cycles(
        &self,
        filter: &CycleFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Cycle>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        if let Some(s) = &filter.state {
            let p = w.arg(enum_str(s));
            w.add(format!("state = {p}"));
        }
        if let Some(c) = id_cursor(page)? {
            let p = w.arg(c);
            w.add(format!("id > {p}"));
        }
        let sql = format!(
            "SELECT {CYCLE_COLS} FROM cycles {} ORDER BY id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(cycle_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |c| format!("i:{}", c.id)))
    }

    async fn update_cycle(
        &self,
        ctx: &WriteCtx,
        before: &Cycle,
        after: &Cycle,
    ) -> StoreResult<Cycle> {
        self.do_update_cycle(ctx, before, after)
            .await
            .map_err(map_err)
    }

    async fn insert_objective(
        &self,
        ctx: &WriteCtx,
        objective: &Objective,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        self.do_insert_objective(ctx, objective, request)
            .await
            .map_err(map_err)
    }

    async fn objective(&self, id: &ObjectiveId) -> StoreResult<Option<Objective>> {
        objective_in(&mut self.ex(), id.as_str()).await
    }

    async fn objectives_by_ids(&self, ids: &[ObjectiveId]) -> StoreResult<Vec<Objective>> {
        let keys = id_strings(ids);
        let select =
            format!("SELECT {OBJECTIVE_COLS} FROM objectives WHERE deleted_at IS NULL AND id");
        let mut ex = self.ex();
        let rows = fetch_in(&mut ex, &select, "", &keys).await?;
        fill_objectives(&mut ex, rows).await
    }

    async fn list_objectives(
        &self,
        filter: &ObjectiveFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Objective>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        w.add("deleted_at IS NULL".into());
        if let Some(a) = &filter.audience {
            let v = visible_sql(&mut w, a, "objectives");
            w.add(v);
        }
        if let Some(c) = &filter.cycle_id {
            let p = w.arg(c.as_str());
            w.add(format!("cycle_id = {p}"));
        }
        if let Some(o) = &filter.owner_id {
            let p = w.arg(o.as_str());
            w.add(format!("owner_id = {p}"));
        }
        if let Some(t) = &filter.team_id {
            let p = w.arg(t.as_str());
            w.add(format!(
                "id IN (SELECT objective_id FROM objective_teams WHERE team_id = {p})"
            ));
        }
        if let Some(c) = id_cursor(page)? {
            let p = w.arg(c);
            w.add(format!("id > {p}"));
        }
        let sql = format!(
            "SELECT {OBJECTIVE_COLS} FROM objectives {} ORDER BY id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let mut ex = self.ex();
        let mut rows = ex.fetch_all(&sql, w.args).await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let items = fill_objectives(&mut ex, rows).await?;
        let next_cursor = if more {
            items.last().map(|o| format!("i:{}", o.id))
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    async fn update_objective(
        &self,
        ctx: &WriteCtx,
        before: &Objective,
        after: &Objective,
    ) -> StoreResult<Objective> {
        self.do_update_objective(ctx, before, after)
            .await
            .map_err(map_err)
    }

    async fn delete_objective(&self, ctx: &WriteCtx, objective: &Objective) -> StoreResult<()> {
        self.do_delete_objective(ctx, objective)
            .await
            .map_err(map_err)
    }

    async fn children_of_objective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Vec<Objective>> {
        let sql = format!(
            "SELECT {OBJECTIVE_COLS} FROM objectives WHERE deleted_at IS NULL AND id IN \
             (SELECT objective_id FROM objective_parents WHERE parent_objective_id = $1 \
              OR parent_key_result_id IN \
              (SELECT id FROM key_results WHERE objective_id = $1 AND deleted_at IS NULL)) \
             ORDER BY id"
        );
        let mut ex = self.ex();
        let rows = ex.fetch_all(&sql, args![objective_id.as_str()]).await?;
        fill_objectives(&mut ex, rows).await
    }

    async fn children_of(&self, parent_id: &str) -> StoreResult<Vec<Objective>> {
        let sql = format!(
            "SELECT {OBJECTIVE_COLS} FROM objectives WHERE deleted_at IS NULL AND id IN \
             (SELECT objective_id FROM objective_parents \
              WHERE parent_objective_id = $1 OR parent_key_result_id = $1) ORDER BY id"
        );
        let mut ex = self.ex();
        let rows = ex.fetch_all(&sql, args![parent_id]).await?;
        fill_objectives(&mut ex, rows).await
    }

    async fn insert_key_result(
        &self,
        ctx: &WriteCtx,
        key_result: &KeyResult,
        request: Option<&OwnershipRequest>,
    ) -> StoreResult<()> {
        self.do_insert_key_result(ctx, key_result, request)
            .await
            .map_err(map_err)
    }

    async fn key_result(&self, id: &KeyResultId) -> StoreResult<Option<KeyResult>> {
        key_result_in(&mut self.ex(), id.as_str()).await
    }

    async fn key_results_by_ids(&self, ids: &[KeyResultId]) -> StoreResult<Vec<KeyResult>> {
        let keys = id_strings(ids);
        let select = format!("SELECT {KR_COLS} FROM key_results WHERE deleted_at IS NULL AND id");
        let mut ex = self.ex();
        let rows = fetch_in(&mut ex, &select, "", &keys).await?;
        fill_key_results(&mut ex, rows).await
    }

    async fn key_results_of(&self, objective_ids: &[ObjectiveId]) -> StoreResult<Vec<KeyResult>> {
        let keys = id_strings(objective_ids);
        let select =
            format!("SELECT {KR_COLS} FROM key_results WHERE deleted_at IS NULL AND objective_id");
        let mut ex = self.ex();
        let rows = fetch_in(&mut ex, &select, "ORDER BY created_at, id", &keys).await?;
        let mut krs = fill_key_results(&mut ex, rows).await?;
        let order: HashMap<&str, usize> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        krs.sort_by_key(|k| {
            (
                order
                    .get(k.objective_id.as_str())
                    .copied()
                    .unwrap_or(usize::MAX),
                k.created_at,
                k.id.clone(),
            )
        });
        Ok(krs)
    }

    async fn update_key_result(
        &self,
        ctx: &WriteCtx,
        before: &KeyResult,
        after: &KeyResult,
    ) -> StoreResult<KeyResult> {
        self.do_update_key_result(ctx, before, after)
            .await
            .map_err(map_err)
    }

    async fn delete_key_result(&self, ctx: &WriteCtx, key_result: &KeyResult) -> StoreResult<()> {
        self.do_delete_key_result(ctx, key_result)
            .await
            .map_err(map_err)
    }

    async fn record_check_in(
        &self,
        ctx: &WriteCtx,
        check_in: &CheckIn,
        applied: &KeyResult,
    ) -> StoreResult<KeyResult> {
        self.do_record_check_in(ctx, check_in, applied)
            .await
            .map_err(map_err)
    }

    async fn record_check_ins(
        &self,
        ctx: &WriteCtx,
        check_ins: &[(CheckIn, KeyResult)],
    ) -> StoreResult<Vec<KeyResult>> {
        self.do_record_check_ins(ctx, check_ins)
            .await
            .map_err(map_err)
    }

    async fn list_check_ins(
        &self,
        key_result_id: &KeyResultId,
        page: &PageRequest,
    ) -> StoreResult<Page<CheckIn>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let p = w.arg(key_result_id.as_str());
        w.add(format!("key_result_id = {p}"));
        if let Some((at, id)) = time_cursor(page)? {
            let a = w.arg(at);
            let i = w.arg(id);
            w.add(format!("(at < {a} OR (at = {a} AND id < {i}))"));
        }
        let sql = format!(
            "SELECT {CHECK_IN_COLS} FROM check_ins {} ORDER BY at DESC, id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(check_in_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |c| {
            format!("t:{}:{}", ts(&c.at), c.id)
        }))
    }

    async fn insert_initiative(&self, ctx: &WriteCtx, initiative: &Initiative) -> StoreResult<()> {
        self.do_insert_initiative(ctx, initiative)
            .await
            .map_err(map_err)
    }

    async fn initiative(&self, id: &InitiativeId) -> StoreResult<Option<Initiative>> {
        initiative_in(&mut self.ex(), id.as_str()).await
    }

    async fn initiatives_of(&self, key_result_ids: &[KeyResultId]) -> StoreResult<Vec<Initiative>> {
        let keys = id_strings(key_result_ids);
        let select = format!("SELECT {INITIATIVE_COLS} FROM initiatives WHERE key_result_id");
        let mut out = fetch_in(&mut self.ex(), &select, "", &keys)
            .await?
            .iter()
            .map(initiative_from)
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by(|a, b| {
            (a.key_result_id.as_str(), a.created_at, a.id.as_str()).cmp(&(
                b.key_result_id.as_str(),
                b.created_at,
                b.id.as_str(),
            ))
        });
        Ok(out)
    }

    async fn list_initiatives(&self, key_result_id: &KeyResultId) -> StoreResult<Vec<Initiative>> {
        let sql = format!(
            "SELECT {INITIATIVE_COLS} FROM initiatives WHERE key_result_id = $1 ORDER BY id"
        );
        self.db
            .fetch_all(&sql, args![key_result_id.as_str()])
            .await?
            .iter()
            .map(initiative_from)
            .collect()
    }

    async fn update_initiative(
        &self,
        ctx: &WriteCtx,
        before: &Initiative,
        after: &Initiative,
    ) -> StoreResult<Initiative> {
        self.do_update_initiative(ctx, before, after)
            .await
            .map_err(map_err)
    }

    // ---- the owner's rhythm (issue 5) ----

    async fn check_ins_of(&self, key_result_ids: &[KeyResultId]) -> StoreResult<Vec<CheckIn>> {
        let keys = id_strings(key_result_ids);
        let select = format!("SELECT {CHECK_IN_COLS} FROM check_ins WHERE key_result_id");
        let mut out = fetch_in(&mut self.ex(), &select, "", &keys)
            .await?
            .iter()
            .map(check_in_from)
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by(|a, b| {
            (a.key_result_id.as_str(), a.at, a.id.as_str()).cmp(&(
                b.key_result_id.as_str(),
                b.at,
                b.id.as_str(),
            ))
        });
        Ok(out)
    }

    async fn check_in_points(
        &self,
        key_result_ids: &[KeyResultId],
    ) -> StoreResult<Vec<CheckInPoint>> {
        // Each key result falls in one chunk, so the order holds within each key result.
        fetch_in(
            &mut self.ex(),
            "SELECT key_result_id, at, value, confidence FROM check_ins WHERE key_result_id",
            "ORDER BY key_result_id, at, id",
            &id_strings(key_result_ids),
        )
        .await?
        .iter()
        .map(|r| {
            Ok(CheckInPoint {
                key_result_id: KeyResultId::from_string(r.text("key_result_id")?),
                at: to_ts("at", r.int("at")?)?,
                value: r.real("value")?,
                confidence: u8::try_from(r.int("confidence")?)
                    .map_err(|e| corrupt("confidence", e))?,
            })
        })
        .collect()
    }

    async fn cycles_by_ids(&self, ids: &[CycleId]) -> StoreResult<Vec<Cycle>> {
        let keys = id_strings(ids);
        let select = format!("SELECT {CYCLE_COLS} FROM cycles WHERE id");
        fetch_in(&mut self.ex(), &select, "", &keys)
            .await?
            .iter()
            .map(cycle_from)
            .collect()
    }

    async fn set_team_cadence(
        &self,
        ctx: &WriteCtx,
        team_id: &TeamId,
        cadence_days: Option<u32>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            "DELETE FROM team_cadences WHERE team_id = $1",
            args![team_id.as_str()],
        )
        .await?;
        if let Some(d) = cadence_days {
            tx.execute(
                "INSERT INTO team_cadences (team_id, cadence_days, updated_at) VALUES ($1, $2, $3)",
                args![team_id.as_str(), i64::from(d), ts(&now())],
            )
            .await
            .map_err(map_err)?;
        }
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "team",
                verb: "cadence",
                object_id: team_id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: Some(serde_json::json!({ "cadence_days": cadence_days })),
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn team_cadences(&self, team_ids: &[TeamId]) -> StoreResult<Vec<(TeamId, u32)>> {
        let keys = id_strings(team_ids);
        fetch_in(
            &mut self.ex(),
            "SELECT team_id, cadence_days FROM team_cadences WHERE team_id",
            "",
            &keys,
        )
        .await?
        .iter()
        .map(|r| {
            let d =
                u32::try_from(r.int("cadence_days")?).map_err(|e| corrupt("cadence_days", e))?;
            Ok((TeamId::from_string(r.text("team_id")?), d))
        })
        .collect()
    }

    async fn set_status_override(
        &self,
        ctx: &WriteCtx,
        objective_id: &ObjectiveId,
        status: Option<&rhythm::StatusOverride>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            "DELETE FROM status_overrides WHERE objective_id = $1",
            args![objective_id.as_str()],
        )
        .await?;
        if let Some(s) = status {
            tx.execute(
                "INSERT INTO status_overrides (objective_id, status, reason, set_by, set_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                args![
                    objective_id.as_str(),
                    enum_str(&s.status),
                    s.reason.as_str(),
                    s.set_by.as_ref().map(|x| x.as_str()),
                    ts(&s.set_at),
                ],
            )
            .await
            .map_err(map_err)?;
        }
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "objective",
                verb: "status_override",
                object_id: objective_id.as_str(),
                objective_id: Some(objective_id.as_str()),
                key_result_id: None,
                before: None,
                after: status.and_then(value),
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn status_overrides(
        &self,
        objective_ids: &[ObjectiveId],
    ) -> StoreResult<Vec<rhythm::StatusOverride>> {
        let keys = id_strings(objective_ids);
        fetch_in(
            &mut self.ex(),
            "SELECT objective_id, status, reason, set_by, set_at FROM status_overrides \
             WHERE objective_id",
            "",
            &keys,
        )
        .await?
        .iter()
        .map(status_override_from)
        .collect()
    }

    async fn save_score(&self, ctx: &WriteCtx, s: &rhythm::KeyResultScore) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            "DELETE FROM key_result_scores WHERE key_result_id = $1",
            args![s.key_result_id.as_str()],
        )
        .await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "key_result_scores",
            SCORE_INSERT,
            vec![score_row(s)],
        )
        .await
        .map_err(map_err)?;
        let objective_id = objective_of_kr(&mut tx, s.key_result_id.as_str()).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "key_result",
                verb: "score",
                object_id: s.key_result_id.as_str(),
                objective_id: objective_id.as_deref(),
                key_result_id: Some(s.key_result_id.as_str()),
                before: None,
                after: value(s),
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn scores_of(
        &self,
        key_result_ids: &[KeyResultId],
    ) -> StoreResult<Vec<rhythm::KeyResultScore>> {
        let keys = id_strings(key_result_ids);
        fetch_in(
            &mut self.ex(),
            "SELECT key_result_id, score, reason, suggested_score, scored_by, scored_at \
             FROM key_result_scores WHERE key_result_id",
            "",
            &keys,
        )
        .await?
        .iter()
        .map(score_from)
        .collect()
    }

    async fn save_retrospective(
        &self,
        ctx: &WriteCtx,
        r: &rhythm::Retrospective,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        Self::save_retrospective_in(&mut tx, ctx, r)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn carry_over(
        &self,
        ctx: &WriteCtx,
        retro: &rhythm::Retrospective,
        draft: &CarryOver,
    ) -> StoreResult<()> {
        self.do_carry_over(ctx, retro, draft).await.map_err(map_err)
    }

    async fn retrospective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Option<rhythm::Retrospective>> {
        self.db
            .fetch_optional(
                "SELECT objective_id, worked, did_not, carry_over, carried_over_to, updated_by, \
                 updated_at FROM retrospectives WHERE objective_id = $1",
                args![objective_id.as_str()],
            )
            .await?
            .as_ref()
            .map(retrospective_from)
            .transpose()
    }

    async fn carried_over_from(
        &self,
        ids: &[ObjectiveId],
    ) -> StoreResult<Vec<(ObjectiveId, ObjectiveId)>> {
        let keys = id_strings(ids);
        fetch_in(
            &mut self.ex(),
            "SELECT objective_id, carried_over_to FROM retrospectives WHERE carried_over_to",
            "",
            &keys,
        )
        .await?
        .iter()
        .map(|r| {
            Ok((
                ObjectiveId::from_string(r.text("carried_over_to")?),
                ObjectiveId::from_string(r.text("objective_id")?),
            ))
        })
        .collect()
    }

    async fn insert_review(&self, ctx: &WriteCtx, r: &review::Review) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "reviews",
            REVIEW_INSERT,
            vec![review_row(r)],
        )
        .await
        .map_err(map_err)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "review",
                verb: "create",
                object_id: r.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(r),
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn review(&self, id: &ReviewId) -> StoreResult<Option<review::Review>> {
        let sql = format!("SELECT {REVIEW_COLS} FROM reviews WHERE id = $1");
        self.db
            .fetch_optional(&sql, args![id.as_str()])
            .await?
            .as_ref()
            .map(review_from)
            .transpose()
    }

    async fn list_reviews(
        &self,
        team_id: &TeamId,
        page: &PageRequest,
    ) -> StoreResult<Page<review::Review>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let p = w.arg(team_id.as_str());
        w.add(format!("team_id = {p}"));
        if let Some(c) = &page.cursor {
            let (day, id) = c
                .strip_prefix("d:")
                .and_then(|r| r.split_once(':'))
                .filter(|(d, i)| d.parse::<Date>().is_ok() && !i.is_empty())
                .ok_or(StoreError::BadCursor)?;
            let d = w.arg(day);
            let i = w.arg(id);
            w.add(format!("(held_on < {d} OR (held_on = {d} AND id < {i}))"));
        }
        let sql = format!(
            "SELECT {REVIEW_COLS} FROM reviews {} ORDER BY held_on DESC, id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(review_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |r| {
            format!("d:{}:{}", r.held_on, r.id)
        }))
    }

    async fn update_review(
        &self,
        ctx: &WriteCtx,
        before: &review::Review,
        after: &review::Review,
    ) -> StoreResult<review::Review> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE reviews SET items = $1, updated_at = $2, version = version + 1 \
                 WHERE id = $3 AND version = $4",
                args![
                    json(&after.items),
                    ts(&now()),
                    before.id.as_str(),
                    before.version
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(&mut tx, "reviews", before.id.as_str(), "").await);
        }
        let sql = format!("SELECT {REVIEW_COLS} FROM reviews WHERE id = $1");
        let stored = tx
            .fetch_optional(&sql, args![before.id.as_str()])
            .await?
            .as_ref()
            .map(review_from)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "review",
                verb: "update",
                object_id: before.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: value(before),
                after: value(&stored),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn insert_conversation(&self, ctx: &WriteCtx, c: &cfr::Conversation) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "conversations",
            CONVERSATION_INSERT,
            vec![conversation_row(c)],
        )
        .await
        .map_err(map_err)?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "conversation",
                verb: "create",
                object_id: c.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn conversation(&self, id: &ConversationId) -> StoreResult<Option<cfr::Conversation>> {
        let sql = format!("SELECT {CONVERSATION_COLS} FROM conversations WHERE id = $1");
        self.db
            .fetch_optional(&sql, args![id.as_str()])
            .await?
            .as_ref()
            .map(conversation_from)
            .transpose()
    }

    async fn list_conversations(
        &self,
        person_id: &PersonId,
        page: &PageRequest,
    ) -> StoreResult<Page<cfr::Conversation>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let p = w.arg(person_id.as_str());
        w.add(format!("(author_id = {p} OR with_id = {p})"));
        if let Some(id) = id_cursor(page)? {
            let i = w.arg(id);
            w.add(format!("id < {i}"));
        }
        let sql = format!(
            "SELECT {CONVERSATION_COLS} FROM conversations {} ORDER BY id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(conversation_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |c| format!("i:{}", c.id)))
    }

    async fn insert_feedback_request(
        &self,
        ctx: &WriteCtx,
        r: &cfr::FeedbackRequest,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "feedback_requests",
            FEEDBACK_REQUEST_INSERT,
            vec![feedback_request_row(r)],
        )
        .await
        .map_err(map_err)?;
        insert_rows(
            &mut tx,
            self.db.max_params(),
            "feedback_answers",
            FEEDBACK_ANSWER_INSERT,
            feedback_answer_rows(r).collect(),
        )
        .await
        .map_err(map_err)?;
        let objective_id = objective_of_okr(&mut tx, &r.okr_id).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "feedback_request",
                verb: "create",
                object_id: r.id.as_str(),
                objective_id: objective_id.as_deref(),
                key_result_id: None,
                before: None,
                after: value(r),
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn feedback_request(
        &self,
        id: &FeedbackRequestId,
    ) -> StoreResult<Option<cfr::FeedbackRequest>> {
        let mut ex = self.ex();
        let rows = ex
            .fetch_all(
                "SELECT id, okr_id, requester_id, question, created_at FROM feedback_requests \
                 WHERE id = $1",
                args![id.as_str()],
            )
            .await?;
        Ok(fill_feedback(&mut ex, rows).await?.pop())
    }

    async fn list_feedback_requests(
        &self,
        okr_id: Option<&str>,
        person_id: Option<&PersonId>,
    ) -> StoreResult<Vec<cfr::FeedbackRequest>> {
        let mut w = Where::default();
        if let Some(o) = okr_id {
            let p = w.arg(o);
            w.add(format!("okr_id = {p}"));
        }
        if let Some(person) = person_id {
            let p = w.arg(person.as_str());
            w.add(format!(
                "(requester_id = {p} OR id IN (SELECT request_id FROM feedback_answers \
                 WHERE person_id = {p}))"
            ));
        }
        let sql = format!(
            "SELECT id, okr_id, requester_id, question, created_at FROM feedback_requests {} \
             ORDER BY id DESC LIMIT 500",
            w.sql()
        );
        let mut ex = self.ex();
        let rows = ex.fetch_all(&sql, w.args).await?;
        fill_feedback(&mut ex, rows).await
    }

    async fn answer_feedback(
        &self,
        ctx: &WriteCtx,
        request_id: &FeedbackRequestId,
        a: &cfr::FeedbackAnswer,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE feedback_answers SET answer = $1, answered_at = $2 \
                 WHERE request_id = $3 AND person_id = $4",
                args![
                    a.answer.clone(),
                    a.answered_at.as_ref().map(ts),
                    request_id.as_str(),
                    a.person_id.as_str(),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "feedback_request",
                verb: "answer",
                object_id: request_id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(a),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn insert_recognition(&self, ctx: &WriteCtx, r: &cfr::Recognition) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "recognitions",
            RECOGNITION_INSERT,
            vec![recognition_row(r)],
        )
        .await
        .map_err(map_err)?;
        let objective_id = objective_of_okr(&mut tx, &r.okr_id).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "recognition",
                verb: "create",
                object_id: r.id.as_str(),
                objective_id: objective_id.as_deref(),
                key_result_id: None,
                before: None,
                after: value(r),
            },
        )
        .await?;
        tx.commit().await.map_err(map_err)
    }

    async fn list_recognitions(&self, okr_id: &str) -> StoreResult<Vec<cfr::Recognition>> {
        let sql = format!(
            "SELECT {RECOGNITION_COLS} FROM recognitions WHERE okr_id = $1 \
             ORDER BY id DESC LIMIT 500"
        );
        self.db
            .fetch_all(&sql, args![okr_id])
            .await?
            .iter()
            .map(recognition_from)
            .collect()
    }

    async fn recognitions_on_okrs(&self, okr_ids: &[String]) -> StoreResult<Vec<cfr::Recognition>> {
        let select = format!("SELECT {RECOGNITION_COLS} FROM recognitions WHERE okr_id");
        let mut out = fetch_in(&mut self.ex(), &select, "", okr_ids)
            .await?
            .iter()
            .map(recognition_from)
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by(|a, b| (b.created_at, b.id.as_str()).cmp(&(a.created_at, a.id.as_str())));
        out.truncate(500);
        Ok(out)
    }

    async fn recognitions_to(&self, person_id: &PersonId) -> StoreResult<Vec<cfr::Recognition>> {
        self.recognitions_where("to_id", person_id).await
    }

    async fn recognitions_from(&self, person_id: &PersonId) -> StoreResult<Vec<cfr::Recognition>> {
        self.recognitions_where("from_id", person_id).await
    }

    async fn insert_token(
        &self,
        ctx: &WriteCtx,
        token: &ApiToken,
        secret_hash: &str,
    ) -> StoreResult<()> {
        self.do_insert_token(ctx, token, secret_hash)
            .await
            .map_err(map_err)
    }

    async fn token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<(ApiToken, Person)>> {
        // Every API request runs this: its text is built once.
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let person_cols = person_cols_of("p");
            format!(
                "SELECT {TOKEN_COLS}, {person_cols} FROM api_tokens t \
                 JOIN people p ON p.id = t.person_id WHERE t.secret_hash = $1"
            )
        });
        match self.db.fetch_optional(&SQL, args![secret_hash]).await? {
            None => Ok(None),
            Some(r) => Ok(Some((token_from(&r)?, person_from(&r)?))),
        }
    }

    async fn list_tokens(&self, person_id: &PersonId) -> StoreResult<Vec<ApiToken>> {
        let sql =
            format!("SELECT {TOKEN_COLS} FROM api_tokens t WHERE t.person_id = $1 ORDER BY t.id");
        self.db
            .fetch_all(&sql, args![person_id.as_str()])
            .await?
            .iter()
            .map(token_from)
            .collect()
    }

    async fn revoke_token(&self, ctx: &WriteCtx, id: &TokenId) -> StoreResult<()> {
        self.do_revoke_token(ctx, id).await.map_err(map_err)
    }

    async fn touch_token(
        &self,
        id: &TokenId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                args![ts(&at), id.as_str()],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO sessions (id_hash, person_id, csrf_token, method, created_at, \
                 last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                args![
                    s.id_hash.as_str(),
                    s.person_id.as_str(),
                    s.csrf_token.as_str(),
                    s.method.as_str(),
                    ts(&s.created_at),
                    ts(&s.last_seen_at),
                    ts(&s.expires_at),
                ],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn session_by_hash(&self, id_hash: &str) -> StoreResult<Option<(Session, Person)>> {
        let person_cols = person_cols_of("p");
        let sql = format!(
            "SELECT s.id_hash AS s_id_hash, s.person_id AS s_person_id, s.csrf_token AS s_csrf_token, \
             s.method AS s_method, s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at, \
             s.expires_at AS s_expires_at, {person_cols} FROM sessions s \
             JOIN people p ON p.id = s.person_id WHERE s.id_hash = $1"
        );
        let Some(r) = self.db.fetch_optional(&sql, args![id_hash]).await? else {
            return Ok(None);
        };
        let session = Session {
            id_hash: r.text("s_id_hash")?,
            person_id: PersonId::from_string(r.text("s_person_id")?),
            csrf_token: r.text("s_csrf_token")?,
            method: r.text("s_method")?,
            created_at: to_ts("created_at", r.int("s_created_at")?)?,
            last_seen_at: to_ts("last_seen_at", r.int("s_last_seen_at")?)?,
            expires_at: to_ts("expires_at", r.int("s_expires_at")?)?,
        };
        Ok(Some((session, person_from(&r)?)))
    }

    async fn touch_session(
        &self,
        id_hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2",
                args![ts(&at), id_hash],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        self.db
            .execute("DELETE FROM sessions WHERE id_hash = $1", args![id_hash])
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn delete_sessions_of(
        &self,
        person_id: &PersonId,
        keep: Option<&str>,
    ) -> StoreResult<u64> {
        self.db
            .execute(
                "DELETE FROM sessions WHERE person_id = $1 AND id_hash <> $2",
                args![person_id.as_str(), keep.unwrap_or("")],
            )
            .await
            .map_err(map_err)
    }

    async fn sign_in_throttle(&self, key: &str) -> StoreResult<Option<SignInThrottle>> {
        let Some(r) = self
            .db
            .fetch_optional(
                "SELECT throttle_key, failures, first_failure_at, locked_until \
                 FROM sign_in_throttles WHERE throttle_key = $1",
                args![key],
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(SignInThrottle {
            key: r.text("throttle_key")?,
            failures: r.int("failures")?,
            first_failure_at: to_ts("first_failure_at", r.int("first_failure_at")?)?,
            locked_until: opt_ts("locked_until", r.opt_int("locked_until")?)?,
        }))
    }

    async fn record_sign_in_failure(
        &self,
        key: &str,
        at: chrono::DateTime<chrono::Utc>,
        window_start: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<i64> {
        // One statement, so concurrent failures on several servers each count. A window that
        // has passed starts again at one (and an expired lock goes with it).
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_optional(
                "INSERT INTO sign_in_throttles (throttle_key, failures, first_failure_at, locked_until) \
                 VALUES ($1, 1, $2, NULL) \
                 ON CONFLICT (throttle_key) DO UPDATE SET \
                 failures = CASE WHEN sign_in_throttles.first_failure_at < $3 THEN 1 \
                     ELSE sign_in_throttles.failures + 1 END, \
                 locked_until = CASE WHEN sign_in_throttles.first_failure_at < $3 THEN NULL \
                     ELSE sign_in_throttles.locked_until END, \
                 first_failure_at = CASE WHEN sign_in_throttles.first_failure_at < $3 THEN $2 \
                     ELSE sign_in_throttles.first_failure_at END \
                 RETURNING failures",
                args![key, ts(&at), ts(&window_start)],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let failures = row.int("failures")?;
        tx.commit().await?;
        Ok(failures)
    }

    async fn lock_sign_in(
        &self,
        key: &str,
        until: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE sign_in_throttles SET locked_until = $1 WHERE throttle_key = $2",
                args![ts(&until), key],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()> {
        self.db
            .execute(
                "DELETE FROM sign_in_throttles WHERE throttle_key = $1",
                args![key],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn insert_oidc_login(&self, l: &OidcLogin) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO oidc_logins (state_hash, nonce, pkce_verifier, return_to, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                args![
                    l.state_hash.as_str(),
                    l.nonce.as_str(),
                    l.pkce_verifier.as_str(),
                    l.return_to.as_str(),
                    ts(&l.created_at),
                ],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn take_oidc_login(&self, state_hash: &str) -> StoreResult<Option<OidcLogin>> {
        let mut tx = self.begin().await?;
        let Some(r) = tx
            .fetch_optional(
                "SELECT state_hash, nonce, pkce_verifier, return_to, created_at \
                 FROM oidc_logins WHERE state_hash = $1",
                args![state_hash],
            )
            .await?
        else {
            return Ok(None);
        };
        let login = OidcLogin {
            state_hash: r.text("state_hash")?,
            nonce: r.text("nonce")?,
            pkce_verifier: r.text("pkce_verifier")?,
            return_to: r.text("return_to")?,
            created_at: to_ts("created_at", r.int("created_at")?)?,
        };
        // Only the caller whose DELETE removes the row gets the login: a replayed callback
        // racing the first finds nothing.
        let n = tx
            .execute(
                "DELETE FROM oidc_logins WHERE state_hash = $1",
                args![state_hash],
            )
            .await?;
        tx.commit().await?;
        Ok((n == 1).then_some(login))
    }

    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        if let Some(o) = &filter.object_id {
            let p = w.arg(o.as_str());
            w.add(format!(
                "(object_id = {p} OR objective_id = {p} OR key_result_id = {p})"
            ));
        }
        if let Some(a) = &filter.actor_id {
            let p = w.arg(a.as_str());
            w.add(format!("actor_id = {p}"));
        }
        if let Some(a) = &filter.audience {
            let v = visible_objective(&mut w, a, "objective_id");
            w.add(format!("(objective_id IS NULL OR {v})"));
        }
        if let Some(from) = &filter.from {
            let p = w.arg(ts(from));
            w.add(format!("at >= {p}"));
        }
        if let Some(to) = &filter.to {
            let p = w.arg(ts(to));
            w.add(format!("at <= {p}"));
        }
        if let Some((at, id)) = time_cursor(page)? {
            let a = w.arg(at);
            let i = w.arg(id);
            w.add(format!("(at < {a} OR (at = {a} AND id < {i}))"));
        }
        let sql = format!(
            "SELECT {AUDIT_COLS} FROM audit_events {} ORDER BY at DESC, id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(audit_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |e| {
            format!("t:{}:{}", ts(&e.at), e.id)
        }))
    }

    async fn teams_led_by(&self, person_id: &PersonId) -> StoreResult<Vec<TeamId>> {
        let sql = format!(
            "{} SELECT id FROM led ORDER BY id",
            LED_TEAMS.replace("{me}", "$1")
        );
        self.db
            .fetch_all(&sql, args![person_id.as_str()])
            .await?
            .iter()
            .map(|r| Ok(TeamId::from_string(r.text("id")?)))
            .collect()
    }

    async fn visible_objective_ids(
        &self,
        audience: &Audience,
        ids: &[ObjectiveId],
    ) -> StoreResult<Vec<ObjectiveId>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let mut w = Where::default();
            let list: Vec<String> = chunk.iter().map(|id| w.arg(id.as_str())).collect();
            w.add(format!("id IN ({})", list.join(", ")));
            let v = visible_sql(&mut w, audience, "objectives");
            w.add(v);
            let sql = format!("SELECT id FROM objectives {}", w.sql());
            for r in self.db.fetch_all(&sql, w.args).await? {
                out.push(ObjectiveId::from_string(r.text("id")?));
            }
        }
        Ok(out)
    }

    async fn count_active_with_role(&self, role: Role) -> StoreResult<u64> {
        // Roles are a JSON array of names: `["admin","member"]`.
        let row = self
            .db
            .fetch_optional(
                "SELECT COUNT(*) AS n FROM people WHERE active = 1 AND roles LIKE $1",
                args![format!("%\"{}\"%", role.as_str())],
            )
            .await?;
        Ok(row.map(|r| r.int("n")).transpose()?.unwrap_or(0).max(0) as u64)
    }

    async fn load_snapshot(&self, ctx: &WriteCtx, snapshot: &Snapshot) -> StoreResult<()> {
        let loaded = self.do_load_snapshot(ctx, snapshot).await.map_err(map_err);
        self.settings.invalidate();
        loaded?;
        // Fresh statistics after a bulk load, so the planner does not guess until autovacuum
        // gets round to it (SQLite's planner works from its indexes without them).
        if self.db.backend() == "postgres" {
            self.db.execute("ANALYZE", vec![]).await?;
        }
        Ok(())
    }
}
