//! Pulled sources (`pull_sources`), their runs (`pull_runs`) and the databases an administrator
//! registered for them (`source_databases`). Why its own area: a run's value, the check-in (or
//! KPI reading) it makes, the source's state the owner sees and the owner's notification on a
//! first failure are written in one transaction here, and a due source is claimed for a lease
//! by one server at a time. Secrets (header values, connection URLs) arrive sealed and are read
//! back only by the methods that name them, never with the records.

use crate::check_ins::{check_in_one, group_commit::CheckInJob};
use crate::data_feeds::{value_row, KPI_VALUE};
use crate::db::{args, map_err, Arg, Row, Tx};
use crate::jobs::notify;
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use keel_domain::data_feed::FeedTarget;
use keel_domain::kpi::KpiValue;
use keel_domain::notification::Notification;
use keel_domain::pull::{PullKind, PullRun, PullSchedule, PullSource, PullState, SourceDatabase};
use tokio::sync::oneshot;

/// The `pull_sources` table; `headers_sealed` and the lease are never read back with a source.
pub(crate) const PULL_SOURCE: Table = Table {
    name: "pull_sources",
    columns: &[
        "id",
        "key_result_id",
        "kpi_id",
        "name",
        "kind",
        "url",
        "json_pointer",
        "header_names",
        "headers_sealed",
        "database_id",
        "query",
        "schedule",
        "created_by",
        "created_at",
        "updated_at",
        "version",
        "last_run_at",
        "last_value",
        "last_success_at",
        "failing_since",
        "last_error",
        "next_run_at",
    ],
    not_selected: &["headers_sealed"],
    later: &["claimed_until"],
};

/// The `pull_runs` table.
pub(crate) const PULL_RUN: Table = Table {
    name: "pull_runs",
    columns: &["id", "source_id", "at", "value", "error", "duration_ms"],
    not_selected: &[],
    later: &[],
};

/// The `source_databases` table; `url_sealed` is read only by `source_database_url`.
pub(crate) const SOURCE_DATABASE: Table = Table {
    name: "source_databases",
    columns: &["id", "name", "url_sealed", "created_by", "created_at"],
    not_selected: &["url_sealed"],
    later: &[],
};

const SOURCE_COLS: Select = Select(&PULL_SOURCE);
const RUN_COLS: Select = Select(&PULL_RUN);
const DATABASE_COLS: Select = Select(&SOURCE_DATABASE);

/// What a run leaves beside its record and the source's state.
#[derive(Debug, Clone)]
pub enum PullOutcome {
    /// A value recorded as a check-in on the source's key result (with the key result as
    /// applied, as in `record_check_in`).
    KeyResult {
        check_in: Box<CheckIn>,
        applied: Box<KeyResult>,
    },
    /// A value recorded as a reading of the source's KPI, with the check-ins it makes on the key
    /// results the KPI feeds.
    Kpi {
        value: KpiValue,
        fed: Vec<(CheckIn, KeyResult)>,
    },
    /// A value read that its key result cannot take now (closed): the run succeeded.
    Unrecorded,
    /// The run failed; `notify` tells the owner, recorded only if this is the first failure
    /// (the source was working until now).
    Failed { notify: Option<Notification> },
}

fn source_row(s: &PullSource, headers_sealed: Option<&str>) -> Vec<Arg> {
    let (kr, kpi) = match &s.target {
        FeedTarget::KeyResult(k) => (Some(k.as_str()), None),
        FeedTarget::Kpi(k) => (None, Some(k.as_str())),
    };
    args![
        s.id.as_str(),
        kr,
        kpi,
        s.name.as_str(),
        s.kind.stored(),
        s.url.as_deref(),
        s.json_pointer.as_deref(),
        json(&s.header_names),
        headers_sealed,
        s.database_id.as_ref().map(|d| d.as_str()),
        s.query.as_deref(),
        s.schedule.stored(),
        s.created_by.as_ref().map(|p| p.as_str()),
        ts(&s.created_at),
        ts(&s.updated_at),
        s.version,
        s.state.last_run_at.as_ref().map(ts),
        s.state.last_value,
        s.state.last_success_at.as_ref().map(ts),
        s.state.failing_since.as_ref().map(ts),
        s.state.last_error.as_deref(),
        ts(&s.state.next_run_at),
    ]
}

fn source_from(r: &Row) -> StoreResult<PullSource> {
    let target = match (r.opt_text("key_result_id")?, r.opt_text("kpi_id")?) {
        (Some(k), None) => FeedTarget::KeyResult(KeyResultId::from_string(k)),
        (None, Some(k)) => FeedTarget::Kpi(KpiId::from_string(k)),
        _ => return Err(corrupt("key_result_id", "a pulled source needs one target")),
    };
    Ok(PullSource {
        id: PullSourceId::from_string(r.text("id")?),
        target,
        name: r.text("name")?,
        kind: PullKind::from_stored("kind", &r.text("kind")?)?,
        url: r.opt_text("url")?,
        json_pointer: r.opt_text("json_pointer")?,
        header_names: from_json("header_names", &r.text("header_names")?)?,
        database_id: r
            .opt_text("database_id")?
            .map(SourceDatabaseId::from_string),
        query: r.opt_text("query")?,
        schedule: PullSchedule::from_stored("schedule", &r.text("schedule")?)?,
        created_by: r.opt_text("created_by")?.map(PersonId::from_string),
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
        state: PullState {
            last_run_at: opt_ts("last_run_at", r.opt_int("last_run_at")?)?,
            last_value: r.opt_real("last_value")?,
            last_success_at: opt_ts("last_success_at", r.opt_int("last_success_at")?)?,
            failing_since: opt_ts("failing_since", r.opt_int("failing_since")?)?,
            last_error: r.opt_text("last_error")?,
            next_run_at: to_ts("next_run_at", r.int("next_run_at")?)?,
        },
    })
}

fn run_row(run: &PullRun) -> Vec<Arg> {
    args![
        run.id.as_str(),
        run.source_id.as_str(),
        ts(&run.at),
        run.value,
        run.error.as_deref(),
        run.duration_ms,
    ]
}

fn run_from(r: &Row) -> StoreResult<PullRun> {
    Ok(PullRun {
        id: PullRunId::from_string(r.text("id")?),
        source_id: PullSourceId::from_string(r.text("source_id")?),
        at: to_ts("at", r.int("at")?)?,
        value: r.opt_real("value")?,
        error: r.opt_text("error")?,
        duration_ms: r.int("duration_ms")?,
    })
}

fn database_from(r: &Row) -> StoreResult<SourceDatabase> {
    Ok(SourceDatabase {
        id: SourceDatabaseId::from_string(r.text("id")?),
        name: r.text("name")?,
        created_by: r.opt_text("created_by")?.map(PersonId::from_string),
        created_at: to_ts("created_at", r.int("created_at")?)?,
    })
}

/// The audit record of a write to a source (on its key result, when it feeds one).
fn source_audit<'a>(
    s: &'a PullSource,
    objective_id: Option<&'a str>,
    verb: &'static str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AuditRec<'a> {
    AuditRec {
        kind: "pull_source",
        verb,
        object_id: s.id.as_str(),
        objective_id,
        key_result_id: match &s.target {
            FeedTarget::KeyResult(k) => Some(k.as_str()),
            FeedTarget::Kpi(_) => None,
        },
        before,
        after,
    }
}

async fn source_objective(tx: &mut Tx, s: &PullSource) -> StoreResult<Option<String>> {
    match &s.target {
        FeedTarget::KeyResult(k) => objective_of_kr(tx, k.as_str()).await,
        FeedTarget::Kpi(_) => Ok(None),
    }
}

async fn source_in(tx: &mut Tx, id: &PullSourceId) -> StoreResult<Option<PullSource>> {
    tx.fetch_optional(
        &format!("SELECT {SOURCE_COLS} FROM pull_sources WHERE id = $1"),
        args![id.as_str()],
    )
    .await?
    .as_ref()
    .map(source_from)
    .transpose()
}

/// Pulled sources, their runs and the registered databases they query.
#[async_trait]
pub trait PullSources: Send + Sync {
    /// Registers a database (its connection URL only sealed), audited. A name already taken:
    /// `Conflict` on `name`.
    async fn insert_source_database(
        &self,
        ctx: &WriteCtx,
        db: &SourceDatabase,
        url_sealed: &str,
    ) -> StoreResult<()>;
    /// The registered databases in the order they were registered, a page at a time.
    async fn source_databases(&self, page: &PageRequest) -> StoreResult<Page<SourceDatabase>>;
    /// One registered database.
    async fn source_database(&self, id: &SourceDatabaseId) -> StoreResult<Option<SourceDatabase>>;
    /// A registered database's sealed connection URL.
    async fn source_database_url(&self, id: &SourceDatabaseId) -> StoreResult<Option<String>>;
    /// The sealed connection URLs of these databases (one query per 500 ids), for the page
    /// that lists them (what each connects to, its password left out).
    async fn source_database_urls(
        &self,
        ids: &[SourceDatabaseId],
    ) -> StoreResult<Vec<(SourceDatabaseId, String)>>;
    /// The sources querying these databases (one query per 500 ids), by database then name.
    async fn pull_sources_querying(&self, ids: &[SourceDatabaseId])
        -> StoreResult<Vec<PullSource>>;
    /// Removes a registered database, audited: `Conflict` on `database_id` while a source
    /// queries it, `NotFound` if unknown.
    async fn delete_source_database(
        &self,
        ctx: &WriteCtx,
        id: &SourceDatabaseId,
    ) -> StoreResult<()>;
    /// Records a source (its header values only sealed), audited. A target that has one
    /// already: `Conflict` on `source`.
    async fn insert_pull_source(
        &self,
        ctx: &WriteCtx,
        source: &PullSource,
        headers_sealed: Option<&str>,
    ) -> StoreResult<()>;
    /// One source.
    async fn pull_source(&self, id: &PullSourceId) -> StoreResult<Option<PullSource>>;
    /// The source of a key result or KPI, if it has one.
    async fn pull_source_for(&self, target: &FeedTarget) -> StoreResult<Option<PullSource>>;
    /// The sources of these key results (one query per 500 ids), for pages.
    async fn pull_sources_of(&self, ids: &[KeyResultId]) -> StoreResult<Vec<PullSource>>;
    /// A source's sealed header values.
    async fn pull_source_headers(&self, id: &PullSourceId) -> StoreResult<Option<String>>;
    /// Changes a source's settings from `before` (`StaleVersion` if it changed since) to
    /// `after`; `headers_sealed` replaces the header values when given. Audited; returns it as
    /// stored.
    async fn update_pull_source(
        &self,
        ctx: &WriteCtx,
        before: &PullSource,
        after: &PullSource,
        headers_sealed: Option<&str>,
    ) -> StoreResult<PullSource>;
    /// Removes a source and its runs, audited (the values it recorded stay in the history).
    async fn delete_pull_source(&self, ctx: &WriteCtx, id: &PullSourceId) -> StoreResult<()>;
    /// Claims up to `limit` due sources (their next run passed, not claimed by a live lease,
    /// their key result or KPI not deleted) until `now + lease`: a source claimed here is
    /// claimed by no other caller until it is recorded or its lease expires.
    async fn claim_due_pull_sources(
        &self,
        now: Timestamp,
        lease: chrono::Duration,
        limit: u32,
    ) -> StoreResult<Vec<PullSource>>;
    /// Records a run, what it made (`outcome`) and the source's state (next run at
    /// `next_run_at`, lease released): one transaction. Returns the source as it now stands.
    async fn record_pull_run(
        &self,
        ctx: &WriteCtx,
        run: &PullRun,
        outcome: PullOutcome,
        next_run_at: Timestamp,
    ) -> StoreResult<PullSource>;
    /// A source's runs, newest first, a page at a time.
    async fn pull_runs(&self, id: &PullSourceId, page: &PageRequest) -> StoreResult<Page<PullRun>>;
}

/// The PullSources area through the shared handle.
#[async_trait]
impl PullSources for dyn Store {
    async fn insert_source_database(
        &self,
        ctx: &WriteCtx,
        db: &SourceDatabase,
        url_sealed: &str,
    ) -> StoreResult<()> {
        self.as_pull_sources()
            .insert_source_database(ctx, db, url_sealed)
            .await
    }
    async fn source_databases(&self, page: &PageRequest) -> StoreResult<Page<SourceDatabase>> {
        self.as_pull_sources().source_databases(page).await
    }
    async fn source_database(&self, id: &SourceDatabaseId) -> StoreResult<Option<SourceDatabase>> {
        self.as_pull_sources().source_database(id).await
    }
    async fn source_database_url(&self, id: &SourceDatabaseId) -> StoreResult<Option<String>> {
        self.as_pull_sources().source_database_url(id).await
    }
    async fn source_database_urls(
        &self,
        ids: &[SourceDatabaseId],
    ) -> StoreResult<Vec<(SourceDatabaseId, String)>> {
        self.as_pull_sources().source_database_urls(ids).await
    }
    async fn pull_sources_querying(
        &self,
        ids: &[SourceDatabaseId],
    ) -> StoreResult<Vec<PullSource>> {
        self.as_pull_sources().pull_sources_querying(ids).await
    }
    async fn delete_source_database(
        &self,
        ctx: &WriteCtx,
        id: &SourceDatabaseId,
    ) -> StoreResult<()> {
        self.as_pull_sources().delete_source_database(ctx, id).await
    }
    async fn insert_pull_source(
        &self,
        ctx: &WriteCtx,
        source: &PullSource,
        headers_sealed: Option<&str>,
    ) -> StoreResult<()> {
        self.as_pull_sources()
            .insert_pull_source(ctx, source, headers_sealed)
            .await
    }
    async fn pull_source(&self, id: &PullSourceId) -> StoreResult<Option<PullSource>> {
        self.as_pull_sources().pull_source(id).await
    }
    async fn pull_source_for(&self, target: &FeedTarget) -> StoreResult<Option<PullSource>> {
        self.as_pull_sources().pull_source_for(target).await
    }
    async fn pull_sources_of(&self, ids: &[KeyResultId]) -> StoreResult<Vec<PullSource>> {
        self.as_pull_sources().pull_sources_of(ids).await
    }
    async fn pull_source_headers(&self, id: &PullSourceId) -> StoreResult<Option<String>> {
        self.as_pull_sources().pull_source_headers(id).await
    }
    async fn update_pull_source(
        &self,
        ctx: &WriteCtx,
        before: &PullSource,
        after: &PullSource,
        headers_sealed: Option<&str>,
    ) -> StoreResult<PullSource> {
        self.as_pull_sources()
            .update_pull_source(ctx, before, after, headers_sealed)
            .await
    }
    async fn delete_pull_source(&self, ctx: &WriteCtx, id: &PullSourceId) -> StoreResult<()> {
        self.as_pull_sources().delete_pull_source(ctx, id).await
    }
    async fn claim_due_pull_sources(
        &self,
        now: Timestamp,
        lease: chrono::Duration,
        limit: u32,
    ) -> StoreResult<Vec<PullSource>> {
        self.as_pull_sources()
            .claim_due_pull_sources(now, lease, limit)
            .await
    }
    async fn record_pull_run(
        &self,
        ctx: &WriteCtx,
        run: &PullRun,
        outcome: PullOutcome,
        next_run_at: Timestamp,
    ) -> StoreResult<PullSource> {
        self.as_pull_sources()
            .record_pull_run(ctx, run, outcome, next_run_at)
            .await
    }
    async fn pull_runs(&self, id: &PullSourceId, page: &PageRequest) -> StoreResult<Page<PullRun>> {
        self.as_pull_sources().pull_runs(id, page).await
    }
}

impl SqlStore {
    async fn do_insert_source_database(
        &self,
        ctx: &WriteCtx,
        db: &SourceDatabase,
        url_sealed: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let taken = tx
            .fetch_optional(
                "SELECT id FROM source_databases WHERE name = $1",
                args![db.name.as_str()],
            )
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict {
                field: "name".into(),
                message: "a database with this name is registered already".into(),
            });
        }
        let row = args![
            db.id.as_str(),
            db.name.as_str(),
            url_sealed,
            db.created_by.as_ref().map(|p| p.as_str()),
            ts(&db.created_at),
        ];
        insert_rows(
            &mut tx,
            usize::MAX,
            SOURCE_DATABASE.name,
            SOURCE_DATABASE.columns,
            vec![row],
        )
        .await?;
        audit(&mut tx, ctx, database_audit(db, "create", None, value(db))).await?;
        tx.commit().await
    }

    async fn do_delete_source_database(
        &self,
        ctx: &WriteCtx,
        id: &SourceDatabaseId,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let db = tx
            .fetch_optional(
                &format!("SELECT {DATABASE_COLS} FROM source_databases WHERE id = $1"),
                args![id.as_str()],
            )
            .await?
            .as_ref()
            .map(database_from)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        let used = tx
            .fetch_optional(
                "SELECT id FROM pull_sources WHERE database_id = $1",
                args![id.as_str()],
            )
            .await?;
        if used.is_some() {
            return Err(StoreError::Conflict {
                field: "database_id".into(),
                message: "a source still queries this database: change or remove it first".into(),
            });
        }
        tx.execute(
            "DELETE FROM source_databases WHERE id = $1",
            args![id.as_str()],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            database_audit(&db, "delete", value(&db), None),
        )
        .await?;
        tx.commit().await
    }

    async fn do_insert_pull_source(
        &self,
        ctx: &WriteCtx,
        s: &PullSource,
        headers_sealed: Option<&str>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let (col, id) = target_col(&s.target);
        let taken = tx
            .fetch_optional(
                &format!("SELECT id FROM pull_sources WHERE {col} = $1"),
                args![id],
            )
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict {
                field: "source".into(),
                message: "it has a source already: change or remove that one".into(),
            });
        }
        insert_rows(
            &mut tx,
            usize::MAX,
            PULL_SOURCE.name,
            PULL_SOURCE.columns,
            vec![source_row(s, headers_sealed)],
        )
        .await?;
        let objective = source_objective(&mut tx, s).await?;
        let rec = source_audit(s, objective.as_deref(), "create", None, value(s));
        audit(&mut tx, ctx, rec).await?;
        tx.commit().await
    }

    async fn do_update_pull_source(
        &self,
        ctx: &WriteCtx,
        before: &PullSource,
        after: &PullSource,
        headers_sealed: Option<&str>,
    ) -> StoreResult<PullSource> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE pull_sources SET name = $1, kind = $2, url = $3, json_pointer = $4, \
                 header_names = $5, headers_sealed = COALESCE($6, headers_sealed), \
                 database_id = $7, query = $8, schedule = $9, next_run_at = $10, \
                 updated_at = $11, version = version + 1 WHERE id = $12 AND version = $13",
                args![
                    after.name.as_str(),
                    after.kind.stored(),
                    after.url.as_deref(),
                    after.json_pointer.as_deref(),
                    json(&after.header_names),
                    headers_sealed,
                    after.database_id.as_ref().map(|d| d.as_str()),
                    after.query.as_deref(),
                    after.schedule.stored(),
                    ts(&after.state.next_run_at),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(&mut tx, "pull_sources", before.id.as_str(), "").await);
        }
        let stored = source_in(&mut tx, &before.id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let objective = source_objective(&mut tx, &stored).await?;
        let rec = source_audit(
            &stored,
            objective.as_deref(),
            "update",
            value(before),
            value(&stored),
        );
        audit(&mut tx, ctx, rec).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn do_delete_pull_source(&self, ctx: &WriteCtx, id: &PullSourceId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let s = source_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        tx.execute(
            "DELETE FROM pull_runs WHERE source_id = $1",
            args![id.as_str()],
        )
        .await?;
        tx.execute("DELETE FROM pull_sources WHERE id = $1", args![id.as_str()])
            .await?;
        let objective = source_objective(&mut tx, &s).await?;
        let rec = source_audit(&s, objective.as_deref(), "delete", value(&s), None);
        audit(&mut tx, ctx, rec).await?;
        tx.commit().await
    }

    async fn do_claim_due(
        &self,
        now: Timestamp,
        lease: chrono::Duration,
        limit: u32,
    ) -> StoreResult<Vec<PullSource>> {
        let cols = PULL_SOURCE
            .selected()
            .map(|c| format!("s.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let t = ts(&now);
        let candidates = self
            .ex()
            .fetch_all(
                &format!(
                    "SELECT {cols} FROM pull_sources s \
                     LEFT JOIN key_results k ON k.id = s.key_result_id \
                     LEFT JOIN kpis p ON p.id = s.kpi_id \
                     WHERE s.next_run_at <= $1 AND (s.claimed_until IS NULL OR s.claimed_until <= $1) \
                     AND k.deleted_at IS NULL AND p.deleted_at IS NULL \
                     ORDER BY s.next_run_at, s.id LIMIT {}",
                    clamp(limit)
                ),
                args![t],
            )
            .await?;
        let until = ts(&(now + lease));
        let mut claimed = Vec::with_capacity(candidates.len());
        for row in &candidates {
            let s = source_from(row)?;
            // Compare-and-set: of several servers seeing it due, one changes the row.
            let n = self
                .db
                .execute(
                    "UPDATE pull_sources SET claimed_until = $1 WHERE id = $2 \
                     AND next_run_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $3)",
                    args![until, s.id.as_str(), t],
                )
                .await?;
            if n == 1 {
                claimed.push(s);
            }
        }
        Ok(claimed)
    }

    async fn do_record_pull_run(
        &self,
        ctx: &WriteCtx,
        run: &PullRun,
        outcome: PullOutcome,
        next_run_at: Timestamp,
    ) -> StoreResult<PullSource> {
        let mut tx = self.begin().await?;
        let before = source_in(&mut tx, &run.source_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        insert_rows(
            &mut tx,
            usize::MAX,
            PULL_RUN.name,
            PULL_RUN.columns,
            vec![run_row(run)],
        )
        .await?;
        let at = ts(&run.at);
        let next = ts(&next_run_at);
        match outcome {
            PullOutcome::Failed { notify: told } => {
                tx.execute(
                    "UPDATE pull_sources SET last_run_at = $1, \
                     failing_since = COALESCE(failing_since, $1), last_error = $2, \
                     next_run_at = $3, claimed_until = NULL WHERE id = $4",
                    args![at, run.error.as_deref(), next, run.source_id.as_str()],
                )
                .await?;
                if before.state.failing_since.is_none() {
                    notify(&mut tx, ctx, told.into_iter().collect()).await?;
                }
            }
            made => {
                record_made(&mut tx, ctx, made).await?;
                tx.execute(
                    "UPDATE pull_sources SET last_run_at = $1, last_value = $2, \
                     last_success_at = $1, failing_since = NULL, last_error = NULL, \
                     next_run_at = $3, claimed_until = NULL WHERE id = $4",
                    args![at, run.value, next, run.source_id.as_str()],
                )
                .await?;
            }
        }
        let stored = source_in(&mut tx, &run.source_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(stored)
    }
}

/// Writes the check-ins (and the KPI reading) a successful run made, audited.
async fn record_made(tx: &mut Tx, ctx: &WriteCtx, made: PullOutcome) -> StoreResult<()> {
    let check_ins = match made {
        PullOutcome::KeyResult { check_in, applied } => vec![(*check_in, *applied)],
        PullOutcome::Kpi { value: v, fed } => {
            if crate::data_feeds::kpi_in(tx, &v.kpi_id).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            insert_rows(
                tx,
                usize::MAX,
                KPI_VALUE.name,
                KPI_VALUE.columns,
                vec![value_row(&v)],
            )
            .await?;
            let rec = AuditRec {
                kind: "kpi_value",
                verb: "create",
                object_id: v.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(&v),
            };
            audit(tx, ctx, rec).await?;
            fed
        }
        PullOutcome::Unrecorded | PullOutcome::Failed { .. } => vec![],
    };
    for (check_in, applied) in check_ins {
        // `check_in_one` takes a queue job; this one is answered by the return value.
        let (reply, _) = oneshot::channel();
        let job = CheckInJob {
            seq: 0,
            ctx: ctx.clone(),
            check_in,
            applied,
            reply,
        };
        check_in_one(tx, &job).await?;
    }
    Ok(())
}

fn target_col(t: &FeedTarget) -> (&'static str, &str) {
    match t {
        FeedTarget::KeyResult(k) => ("key_result_id", k.as_str()),
        FeedTarget::Kpi(k) => ("kpi_id", k.as_str()),
    }
}

fn database_audit<'a>(
    db: &'a SourceDatabase,
    verb: &'static str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AuditRec<'a> {
    AuditRec {
        kind: "source_database",
        verb,
        object_id: db.id.as_str(),
        objective_id: None,
        key_result_id: None,
        before,
        after,
    }
}

#[async_trait]
impl PullSources for SqlStore {
    async fn insert_source_database(
        &self,
        ctx: &WriteCtx,
        db: &SourceDatabase,
        url_sealed: &str,
    ) -> StoreResult<()> {
        self.do_insert_source_database(ctx, db, url_sealed)
            .await
            .map_err(map_err)
    }

    async fn source_databases(&self, page: &PageRequest) -> StoreResult<Page<SourceDatabase>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        if let Some(id) = id_cursor(page)? {
            let i = w.arg(id);
            w.add(format!("id > {i}"));
        }
        let sql = format!(
            "SELECT {DATABASE_COLS} FROM source_databases {} ORDER BY id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let rows = self.ex().fetch_all(&sql, w.args).await?;
        let items = rows
            .iter()
            .map(database_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |d| format!("i:{}", d.id)))
    }

    async fn source_database(&self, id: &SourceDatabaseId) -> StoreResult<Option<SourceDatabase>> {
        self.db
            .fetch_optional(
                &format!("SELECT {DATABASE_COLS} FROM source_databases WHERE id = $1"),
                args![id.as_str()],
            )
            .await?
            .as_ref()
            .map(database_from)
            .transpose()
    }

    async fn source_database_url(&self, id: &SourceDatabaseId) -> StoreResult<Option<String>> {
        self.db
            .fetch_optional(
                "SELECT url_sealed FROM source_databases WHERE id = $1",
                args![id.as_str()],
            )
            .await?
            .map(|r| r.text("url_sealed"))
            .transpose()
    }

    async fn source_database_urls(
        &self,
        ids: &[SourceDatabaseId],
    ) -> StoreResult<Vec<(SourceDatabaseId, String)>> {
        let rows = fetch_in(
            &mut self.ex(),
            "SELECT id, url_sealed FROM source_databases WHERE id",
            "ORDER BY id",
            &id_strings(ids),
        )
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    SourceDatabaseId::from_string(r.text("id")?),
                    r.text("url_sealed")?,
                ))
            })
            .collect()
    }

    async fn pull_sources_querying(
        &self,
        ids: &[SourceDatabaseId],
    ) -> StoreResult<Vec<PullSource>> {
        let rows = fetch_in(
            &mut self.ex(),
            &format!("SELECT {SOURCE_COLS} FROM pull_sources WHERE database_id"),
            "ORDER BY database_id, name, id",
            &id_strings(ids),
        )
        .await?;
        rows.iter().map(source_from).collect()
    }

    async fn delete_source_database(
        &self,
        ctx: &WriteCtx,
        id: &SourceDatabaseId,
    ) -> StoreResult<()> {
        self.do_delete_source_database(ctx, id)
            .await
            .map_err(map_err)
    }

    async fn insert_pull_source(
        &self,
        ctx: &WriteCtx,
        source: &PullSource,
        headers_sealed: Option<&str>,
    ) -> StoreResult<()> {
        self.do_insert_pull_source(ctx, source, headers_sealed)
            .await
            .map_err(map_err)
    }

    async fn pull_source(&self, id: &PullSourceId) -> StoreResult<Option<PullSource>> {
        self.db
            .fetch_optional(
                &format!("SELECT {SOURCE_COLS} FROM pull_sources WHERE id = $1"),
                args![id.as_str()],
            )
            .await?
            .as_ref()
            .map(source_from)
            .transpose()
    }

    async fn pull_source_for(&self, target: &FeedTarget) -> StoreResult<Option<PullSource>> {
        let (col, id) = target_col(target);
        self.db
            .fetch_optional(
                &format!("SELECT {SOURCE_COLS} FROM pull_sources WHERE {col} = $1"),
                args![id],
            )
            .await?
            .as_ref()
            .map(source_from)
            .transpose()
    }

    async fn pull_sources_of(&self, ids: &[KeyResultId]) -> StoreResult<Vec<PullSource>> {
        let rows = fetch_in(
            &mut self.ex(),
            &format!("SELECT {SOURCE_COLS} FROM pull_sources WHERE key_result_id"),
            "ORDER BY key_result_id",
            &id_strings(ids),
        )
        .await?;
        rows.iter().map(source_from).collect()
    }

    async fn pull_source_headers(&self, id: &PullSourceId) -> StoreResult<Option<String>> {
        Ok(self
            .db
            .fetch_optional(
                "SELECT headers_sealed FROM pull_sources WHERE id = $1",
                args![id.as_str()],
            )
            .await?
            .map(|r| r.opt_text("headers_sealed"))
            .transpose()?
            .flatten())
    }

    async fn update_pull_source(
        &self,
        ctx: &WriteCtx,
        before: &PullSource,
        after: &PullSource,
        headers_sealed: Option<&str>,
    ) -> StoreResult<PullSource> {
        self.do_update_pull_source(ctx, before, after, headers_sealed)
            .await
            .map_err(map_err)
    }

    async fn delete_pull_source(&self, ctx: &WriteCtx, id: &PullSourceId) -> StoreResult<()> {
        self.do_delete_pull_source(ctx, id).await.map_err(map_err)
    }

    async fn claim_due_pull_sources(
        &self,
        now: Timestamp,
        lease: chrono::Duration,
        limit: u32,
    ) -> StoreResult<Vec<PullSource>> {
        self.do_claim_due(now, lease, limit).await
    }

    async fn record_pull_run(
        &self,
        ctx: &WriteCtx,
        run: &PullRun,
        outcome: PullOutcome,
        next_run_at: Timestamp,
    ) -> StoreResult<PullSource> {
        self.do_record_pull_run(ctx, run, outcome, next_run_at)
            .await
            .map_err(map_err)
    }

    async fn pull_runs(&self, id: &PullSourceId, page: &PageRequest) -> StoreResult<Page<PullRun>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let p = w.arg(id.as_str());
        w.add(format!("source_id = {p}"));
        if let Some((at, id)) = time_cursor(page)? {
            let a = w.arg(at);
            let i = w.arg(id);
            w.add(format!("(at < {a} OR (at = {a} AND id < {i}))"));
        }
        let sql = format!(
            "SELECT {RUN_COLS} FROM pull_runs {} ORDER BY at DESC, id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let rows = self.ex().fetch_all(&sql, w.args).await?;
        let items = rows.iter().map(run_from).collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |r| {
            format!("t:{}:{}", ts(&r.at), r.id)
        }))
    }
}
