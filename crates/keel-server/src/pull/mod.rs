//! Pulled sources, the use cases: setting, changing, removing and running the source of a key
//! result or KPI (its owner or an admin), reading its runs, and registering the databases SQL
//! sources query (administrators). [`run`] fetches and records one run; the job
//! (`jobs::pull_sources`) runs the due ones.
//!
//! Why a source is tried before it is saved: a URL that redirects, answers HTML or times out,
//! a pointer that finds a string, a query that gives no row, are refused at once with a 422
//! naming the field, and nothing is written; a saved source has worked at least once. Secrets
//! (header values, connection URLs) are sealed with the server's key (`crate::secrets`) before
//! they reach the store and never come back out of the API.

pub mod run;

use crate::access::{self, Actor};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Refusals};
use crate::mail::MailConfig;
use crate::services::guards::get_key_result;
use crate::services::kpis;
use crate::services::visibility::Viewer;
use keel_domain::data_feed::FeedTarget;
use keel_domain::pull::{
    self, PullKind, PullRun, PullSchedule, PullSource, PullState, SourceDatabase,
};
use keel_domain::*;
use keel_store::{PullSources, Store};
use run::{Failed, Secret};
use serde::Deserialize;
use utoipa::ToSchema;

/// One header sent with a source's request (its value is secret: sealed, never shown again).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderInput {
    pub name: String,
    pub value: String,
}

/// A source as its owner sets it (every field optional on a change: what is left out stays).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceInput {
    /// What it is ("Stripe MRR"): its values' author in the history.
    pub name: Option<String>,
    /// `http` or `sql`.
    pub kind: Option<PullKind>,
    /// `http`: the URL answering JSON (no redirects; private addresses only where allowed).
    pub url: Option<String>,
    /// `http`: the JSON Pointer to the number ("/data/total"); empty for the whole answer.
    pub json_pointer: Option<String>,
    /// `http`: headers to send (authentication); given: they replace the stored ones.
    pub headers: Option<Vec<HeaderInput>>,
    /// `sql`: a registered database (`GET /source-databases`).
    pub database_id: Option<String>,
    /// `sql`: one read-only SELECT giving one row of one numeric column.
    pub query: Option<String>,
    /// `hourly`, `daily` (the default) or `weekly`.
    pub schedule: Option<String>,
}

/// A database an administrator registers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DatabaseInput {
    pub name: String,
    /// `postgres://user:password@host/db`: sealed, never shown again. Give it a role that may
    /// only read what sources need.
    pub url: String,
}

/// What a source is set on, as a route names it.
#[derive(Debug, Clone)]
pub enum Target {
    KeyResult(KeyResultId),
    Kpi(KpiId),
}

/// The target, when the caller may manage its source: 404 when they may not see it, 403 unless
/// they own it (or are an admin).
pub async fn managed(store: &dyn Store, caller: &Caller, target: &Target) -> ApiResult<FeedTarget> {
    match target {
        Target::KeyResult(id) => {
            let (kr, _) = get_key_result(store, &Viewer::of(&caller.person), id).await?;
            access::manage_pull_source(&Actor::load(store, &caller.person).await?, &kr)?;
            Ok(FeedTarget::KeyResult(kr.id))
        }
        Target::Kpi(id) => Ok(FeedTarget::Kpi(kpis::managed(store, caller, id).await?.id)),
    }
}

/// The source of a target the caller manages: 404 when it has none.
pub async fn get(store: &dyn Store, caller: &Caller, target: &Target) -> ApiResult<PullSource> {
    let t = managed(store, caller, target).await?;
    store
        .pull_source_for(&t)
        .await?
        .ok_or(ApiError::NotFound("data source"))
}

/// A source's settings once checked, with the secret to try it with and, when new headers
/// were given, their sealed form.
struct Checked {
    source: PullSource,
    secret: Option<Secret>,
    sealed: Option<String>,
    /// Whether what it fetches changed (a new source, a new URL, pointer, headers, query …).
    refetch: bool,
}

fn seal(mail: &MailConfig, text: &str) -> ApiResult<String> {
    mail.keys
        .key()
        .map(|k| k.seal(text))
        .map_err(|e| ApiError::Internal(format!("a data source's secret cannot be sealed: {e}")))
}

/// The HTTP settings over `base`: URL, pointer, headers (given: sealed anew).
fn check_http(
    mail: &MailConfig,
    input: &SourceInput,
    base: &PullSource,
    errors: &mut FieldErrors,
) -> ApiResult<(PullSource, Option<Secret>, Option<String>)> {
    let mut s = base.clone();
    s.database_id = None;
    s.query = None;
    if input.query.is_some() || input.database_id.is_some() {
        errors.0.push(FieldError::new(
            "query",
            "only an SQL source has a database and a query",
        ));
    }
    s.url = match (&input.url, &base.url) {
        (Some(u), _) => errors.keep(crate::webhooks::check_url(mail.outbound, u)),
        (None, Some(u)) => Some(u.clone()),
        (None, None) => errors.keep(Err(FieldError::new("url", "is required"))),
    };
    let pointer = input
        .json_pointer
        .clone()
        .or(base.json_pointer.clone())
        .unwrap_or_default();
    s.json_pointer = errors.keep(pull::json_pointer(&pointer));
    let (mut secret, mut sealed) = (None, None);
    if let Some(given) = &input.headers {
        let pairs: Vec<(String, String)> = given
            .iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect();
        if let Some(h) = errors.keep(pull::headers(&pairs)) {
            s.header_names = h.iter().map(|(n, _)| n.clone()).collect();
            let text = serde_json::to_string(&h).unwrap_or_default();
            sealed = Some(seal(mail, &text)?);
            secret = Some(Secret::Headers(h));
        }
    }
    Ok((s, secret, sealed))
}

/// The SQL settings over `base`: a registered database and a query.
async fn check_sql(
    store: &dyn Store,
    mail: &MailConfig,
    input: &SourceInput,
    base: &PullSource,
    errors: &mut FieldErrors,
) -> ApiResult<(PullSource, Option<Secret>)> {
    let mut s = base.clone();
    s.url = None;
    s.json_pointer = None;
    s.header_names = vec![];
    if input.url.is_some() || input.json_pointer.is_some() || input.headers.is_some() {
        errors.0.push(FieldError::new(
            "url",
            "only an HTTP source has a URL, a JSON Pointer and headers",
        ));
    }
    s.query = errors.keep(pull::query(
        input
            .query
            .as_deref()
            .or(base.query.as_deref())
            .unwrap_or(""),
    ));
    let db = input
        .database_id
        .clone()
        .map(SourceDatabaseId::from_string)
        .or(base.database_id.clone());
    let mut secret = None;
    s.database_id = match db {
        None => errors.keep(Err(FieldError::new(
            "database_id",
            "pick a registered database",
        ))),
        Some(id) => match store.source_database_url(&id).await? {
            None => errors.keep(Err(FieldError::new("database_id", "no such database"))),
            Some(sealed) => {
                match mail.keys.key().and_then(|k| k.open(&sealed)) {
                    Ok(url) => secret = Some(Secret::DatabaseUrl(url)),
                    Err(e) => errors.0.push(FieldError::new("database_id", e.to_string())),
                }
                Some(id)
            }
        },
    };
    Ok((s, secret))
}

/// Checks `input` over `base` (the stored source, or a blank one): every refusal at once.
async fn check(
    store: &dyn Store,
    mail: &MailConfig,
    input: &SourceInput,
    base: &PullSource,
    new: bool,
) -> Result<Checked, Refusals> {
    let mut errors = FieldErrors::default();
    let name = input.name.as_deref().unwrap_or(&base.name);
    let name = errors.keep(pull::name(name));
    let schedule = match &input.schedule {
        Some(v) => errors.keep(PullSchedule::parse(v)),
        None => Some(base.schedule),
    };
    let kind = input.kind.unwrap_or(base.kind);
    let (mut s, secret, sealed) = match kind {
        PullKind::Http => check_http(mail, input, base, &mut errors)?,
        PullKind::Sql => {
            let (s, secret) = check_sql(store, mail, input, base, &mut errors).await?;
            (s, secret, None)
        }
    };
    let (Some(name), Some(schedule)) = (name, schedule) else {
        return Err(fields(errors));
    };
    if !errors.0.is_empty() {
        return Err(fields(errors));
    }
    s.name = name;
    s.kind = kind;
    let refetch = new
        || kind != base.kind
        || s.url != base.url
        || s.json_pointer != base.json_pointer
        || sealed.is_some()
        || s.database_id != base.database_id
        || s.query != base.query;
    if schedule != base.schedule || new {
        s.state.next_run_at = pull::next_run(schedule, crate::services::now());
    }
    s.schedule = schedule;
    Ok(Checked {
        source: s,
        secret,
        sealed,
        refetch,
    })
}

fn fields(errors: FieldErrors) -> Refusals {
    Refusals(errors.0.into_iter().map(ApiError::from).collect())
}

/// Tries a source as checked: its number, or a 422 naming the field at fault.
async fn try_fetch(
    store: &dyn Store,
    mail: &MailConfig,
    c: &Checked,
) -> Result<(f64, std::time::Duration), Refusals> {
    let started = std::time::Instant::now();
    let secret = match &c.secret {
        Some(Secret::Headers(h)) => Secret::Headers(h.clone()),
        Some(Secret::DatabaseUrl(u)) => Secret::DatabaseUrl(u.clone()),
        None => run::secret_of(store, mail, &c.source)
            .await
            .map_err(refused)?,
    };
    let v = run::fetch(mail, &c.source, &secret)
        .await
        .map_err(refused)?;
    Ok((v, started.elapsed()))
}

fn refused(f: Failed) -> Refusals {
    ApiError::invalid(f.field, f.words).into()
}

/// Sets the source of a target that has none: checked, tried (a failure is a 422 naming the
/// field, nothing written), stored, and its first value recorded. 409 if it has one.
pub async fn create(
    store: &dyn Store,
    mail: &MailConfig,
    caller: &Caller,
    target: &Target,
    input: &SourceInput,
) -> Result<PullSource, Refusals> {
    let t = managed(store, caller, target).await?;
    if store
        .pull_source_for(&t)
        .await
        .map_err(ApiError::from)?
        .is_some()
    {
        return Err(ApiError::conflict(
            "source",
            "it has a data source already: change or remove that one",
        )
        .into());
    }
    let now = crate::services::now();
    let blank = PullSource {
        id: PullSourceId::generate(),
        target: t,
        name: String::new(),
        kind: input.kind.unwrap_or(PullKind::Http),
        url: None,
        json_pointer: None,
        header_names: vec![],
        database_id: None,
        query: None,
        schedule: PullSchedule::Daily,
        created_by: Some(caller.person.id.clone()),
        created_at: now,
        updated_at: now,
        version: 1,
        state: PullState {
            next_run_at: now,
            ..PullState::default()
        },
    };
    let c = check(store, mail, input, &blank, true).await?;
    let (value, took) = try_fetch(store, mail, &c).await?;
    let ctx = caller.write_ctx();
    store
        .insert_pull_source(&ctx, &c.source, c.sealed.as_deref())
        .await
        .map_err(ApiError::from)?;
    let (_, stored) = run::record(store, &ctx, &c.source, Ok(value), took)
        .await
        .map_err(ApiError::from)?;
    Ok(stored)
}

/// Changes a target's source (at `version` when given: 412 otherwise). A change to what it
/// fetches is tried first, like a new source, and its value recorded.
pub async fn update(
    store: &dyn Store,
    mail: &MailConfig,
    caller: &Caller,
    target: &Target,
    version: Option<i64>,
    input: &SourceInput,
) -> Result<PullSource, Refusals> {
    let before = get(store, caller, target).await?;
    if version.is_some_and(|v| v != before.version) {
        return Err(ApiError::PreconditionFailed.into());
    }
    let c = check(store, mail, input, &before, false).await?;
    let tried = if c.refetch {
        Some(try_fetch(store, mail, &c).await?)
    } else {
        None
    };
    let ctx = caller.write_ctx();
    let stored = store
        .update_pull_source(&ctx, &before, &c.source, c.sealed.as_deref())
        .await
        .map_err(ApiError::from)?;
    match tried {
        Some((value, took)) => Ok(run::record(store, &ctx, &stored, Ok(value), took)
            .await
            .map_err(ApiError::from)?
            .1),
        None => Ok(stored),
    }
}

/// Removes a target's source and its runs (its values stay in the history).
pub async fn delete(store: &dyn Store, caller: &Caller, target: &Target) -> ApiResult<()> {
    let s = get(store, caller, target).await?;
    store.delete_pull_source(&caller.write_ctx(), &s.id).await?;
    Ok(())
}

/// Runs a target's source now: the run (a failure is recorded, not refused) and the source.
pub async fn run_now(
    store: &dyn Store,
    mail: &MailConfig,
    caller: &Caller,
    target: &Target,
) -> ApiResult<(PullRun, PullSource)> {
    let s = get(store, caller, target).await?;
    Ok(run::run(store, mail, &caller.write_ctx(), &s).await?)
}

/// A target's source's runs, newest first.
pub async fn runs(
    store: &dyn Store,
    caller: &Caller,
    target: &Target,
    page: &keel_store::PageRequest,
) -> ApiResult<keel_store::Page<PullRun>> {
    let s = get(store, caller, target).await?;
    Ok(store.pull_runs(&s.id, page).await?)
}

/// Registers a database (administrators): a PostgreSQL URL that answers `SELECT 1`, else a
/// 422 naming `url`; sealed before it is stored.
pub async fn register_database(
    store: &dyn Store,
    mail: &MailConfig,
    caller: &Caller,
    input: &DatabaseInput,
) -> Result<SourceDatabase, Refusals> {
    access::manage_source_databases(&caller.person)?;
    let mut errors = FieldErrors::default();
    let name = errors.keep(text::required("name", &input.name, 100));
    let url = input.url.trim();
    if !keel_store::external::is_postgres_url(url) {
        errors.0.push(FieldError::new(
            "url",
            "must be a PostgreSQL URL: postgres://user:password@host/database",
        ));
    }
    let Some(name) = name.filter(|_| errors.0.is_empty()) else {
        return Err(fields(errors));
    };
    keel_store::external::read_number(url, "SELECT 1", run::QUERY_TIMEOUT)
        .await
        .map_err(|e| ApiError::invalid("url", e.to_string()))?;
    let db = SourceDatabase {
        id: SourceDatabaseId::generate(),
        name,
        created_by: Some(caller.person.id.clone()),
        created_at: crate::services::now(),
    };
    store
        .insert_source_database(&caller.write_ctx(), &db, &seal(mail, url)?)
        .await
        .map_err(ApiError::from)?;
    Ok(db)
}

/// Removes a registered database (administrators); 409 while a source queries it.
pub async fn delete_database(
    store: &dyn Store,
    caller: &Caller,
    id: &SourceDatabaseId,
) -> ApiResult<()> {
    access::manage_source_databases(&caller.person)?;
    store
        .delete_source_database(&caller.write_ctx(), id)
        .await?;
    Ok(())
}

/// What a database's connection URL reaches, in words, its password left out: "the database
/// warehouse on db.internal:5432, as reporter".
pub fn connects_to(url: &str) -> String {
    let Ok(u) = reqwest::Url::parse(url.trim()) else {
        return "an address Keel cannot read".into();
    };
    let host = match (u.host_str(), u.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => "this server's local socket".into(),
    };
    let db = u.path().trim_start_matches('/');
    let mut words = if db.is_empty() {
        format!("the default database on {host}")
    } else {
        format!("the database {db} on {host}")
    };
    if !u.username().is_empty() {
        words.push_str(&format!(", as {}", u.username()));
    }
    words
}

#[cfg(test)]
mod tests {
    use super::connects_to;

    #[test]
    fn a_database_is_described_without_its_password() {
        let words = connects_to("postgres://reporter:s3cret@db.internal:5433/warehouse");
        assert_eq!(
            words,
            "the database warehouse on db.internal:5433, as reporter"
        );
        assert!(!connects_to("postgresql://u:pw@h/").contains("pw"));
        assert_eq!(connects_to("nonsense"), "an address Keel cannot read");
    }
}
