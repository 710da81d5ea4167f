//! Data in: KPIs and their readings (`kpis`, `kpi_values`), the ingest tokens that push values
//! to one key result or KPI (`ingest_tokens`, kept as SHA-256 hashes), and the link from a key
//! result to the KPI that feeds it (`key_results.kpi_id`). Why its own area: a KPI reading and
//! the check-ins it records on the key results it feeds are written in one transaction, and
//! where a value came from (`source`, `source_id`, `source_name` on check-ins and readings) is
//! read back in one place, ready for pulled sources to be added as another kind.

use crate::check_ins::{check_in_one, group_commit::CheckInJob};
use crate::db::{args, map_err, Arg, Row, Tx};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use keel_domain::data_feed::{DataSource, FeedTarget, IngestToken, SourceKind};
use keel_domain::kpi::{Corridor, Kpi, KpiValue};
use tokio::sync::oneshot;

/// The `kpis` table.
pub(crate) const KPI: Table = Table {
    name: "kpis",
    columns: &[
        "id",
        "name",
        "description",
        "owner_id",
        "unit",
        "corridor_min",
        "corridor_max",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &["deleted_at"],
};

/// The `kpi_values` table.
pub(crate) const KPI_VALUE: Table = Table {
    name: "kpi_values",
    columns: &[
        "id",
        "kpi_id",
        "value",
        "note",
        "author_id",
        "source",
        "source_id",
        "source_name",
        "at",
        "created_at",
    ],
    not_selected: &[],
    later: &[],
};

/// The `ingest_tokens` table; `token_hash` is a lookup key, never read back.
pub(crate) const INGEST_TOKEN: Table = Table {
    name: "ingest_tokens",
    columns: &[
        "id",
        "key_result_id",
        "kpi_id",
        "name",
        "token_hash",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ],
    not_selected: &["token_hash"],
    later: &[],
};

const KPI_COLS: Select = Select(&KPI);
pub(crate) const VALUE_COLS: Select = Select(&KPI_VALUE);
const TOKEN_COLS: Select = Select(&INGEST_TOKEN);

/// The source of a check-in or reading row (`source`, `source_id`, `source_name`), if any.
pub(crate) fn source_from(r: &Row) -> StoreResult<Option<DataSource>> {
    let Some(kind) = r.opt_text("source")? else {
        return Ok(None);
    };
    Ok(Some(DataSource {
        kind: SourceKind::from_stored("source", &kind)?,
        id: r.opt_text("source_id")?.unwrap_or_default(),
        name: r.opt_text("source_name")?.unwrap_or_default(),
    }))
}

pub(crate) fn kpi_row(k: &Kpi) -> Vec<Arg> {
    args![
        k.id.as_str(),
        k.name.as_str(),
        k.description.as_str(),
        k.owner_id.as_str(),
        k.unit.as_str(),
        k.corridor.min,
        k.corridor.max,
        ts(&k.created_at),
        ts(&k.updated_at),
        k.version,
    ]
}

fn kpi_from(r: &Row) -> StoreResult<Kpi> {
    Ok(Kpi {
        id: KpiId::from_string(r.text("id")?),
        name: r.text("name")?,
        description: r.text("description")?,
        owner_id: PersonId::from_string(r.text("owner_id")?),
        unit: r.text("unit")?,
        corridor: Corridor {
            min: r.opt_real("corridor_min")?,
            max: r.opt_real("corridor_max")?,
        },
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

pub(crate) fn value_row(v: &KpiValue) -> Vec<Arg> {
    args![
        v.id.as_str(),
        v.kpi_id.as_str(),
        v.value,
        v.note.as_str(),
        v.author_id.as_ref().map(|x| x.as_str()),
        v.source.as_ref().map(|s| s.kind.stored()),
        v.source.as_ref().map(|s| s.id.as_str()),
        v.source.as_ref().map(|s| s.name.as_str()),
        ts(&v.at),
        ts(&v.created_at),
    ]
}

pub(crate) fn value_from(r: &Row) -> StoreResult<KpiValue> {
    Ok(KpiValue {
        id: KpiValueId::from_string(r.text("id")?),
        kpi_id: KpiId::from_string(r.text("kpi_id")?),
        value: r.real("value")?,
        note: r.text("note")?,
        author_id: r.opt_text("author_id")?.map(PersonId::from_string),
        source: source_from(r)?,
        at: to_ts("at", r.int("at")?)?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
    })
}

fn token_row(t: &IngestToken, hash: &str) -> Vec<Arg> {
    let (kr, kpi) = match &t.target {
        FeedTarget::KeyResult(k) => (Some(k.as_str()), None),
        FeedTarget::Kpi(k) => (None, Some(k.as_str())),
    };
    args![
        t.id.as_str(),
        kr,
        kpi,
        t.name.as_str(),
        hash,
        t.created_by.as_ref().map(|x| x.as_str()),
        ts(&t.created_at),
        t.last_used_at.as_ref().map(ts),
        t.revoked_at.as_ref().map(ts),
    ]
}

fn token_from(r: &Row) -> StoreResult<IngestToken> {
    let target = match (r.opt_text("key_result_id")?, r.opt_text("kpi_id")?) {
        (Some(k), None) => FeedTarget::KeyResult(KeyResultId::from_string(k)),
        (None, Some(k)) => FeedTarget::Kpi(KpiId::from_string(k)),
        _ => return Err(corrupt("key_result_id", "an ingest token needs one target")),
    };
    Ok(IngestToken {
        id: IngestTokenId::from_string(r.text("id")?),
        target,
        name: r.text("name")?,
        created_by: r.opt_text("created_by")?.map(PersonId::from_string),
        created_at: to_ts("created_at", r.int("created_at")?)?,
        last_used_at: opt_ts("last_used_at", r.opt_int("last_used_at")?)?,
        revoked_at: opt_ts("revoked_at", r.opt_int("revoked_at")?)?,
    })
}

/// The audit record of a write to a KPI or one of its readings or tokens.
fn kpi_audit<'a>(
    kind: &'static str,
    verb: &'static str,
    object_id: &'a str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AuditRec<'a> {
    AuditRec {
        kind,
        verb,
        object_id,
        objective_id: None,
        key_result_id: None,
        before,
        after,
    }
}

pub(crate) async fn kpi_in(tx: &mut Tx, id: &KpiId) -> StoreResult<Option<Kpi>> {
    tx.fetch_optional(
        &format!("SELECT {KPI_COLS} FROM kpis WHERE id = $1 AND deleted_at IS NULL"),
        args![id.as_str()],
    )
    .await?
    .as_ref()
    .map(kpi_from)
    .transpose()
}

/// KPIs, their readings, ingest tokens and the key results KPIs feed.
#[async_trait]
pub trait DataFeeds: Send + Sync {
    /// Records an ingest token (its secret only as `hash`), audited: one transaction.
    async fn insert_ingest_token(
        &self,
        ctx: &WriteCtx,
        token: &IngestToken,
        hash: &str,
    ) -> StoreResult<()>;
    /// The ingest tokens of one key result or KPI, revoked ones included, oldest first.
    async fn ingest_tokens_for(&self, target: &FeedTarget) -> StoreResult<Vec<IngestToken>>;
    /// The ingest tokens of these key results (one query per 500 ids), for pages.
    async fn ingest_tokens_of(&self, ids: &[KeyResultId]) -> StoreResult<Vec<IngestToken>>;
    /// The token whose secret hashes to `hash`, revoked or not.
    async fn ingest_token_by_hash(&self, hash: &str) -> StoreResult<Option<IngestToken>>;
    /// Revokes a token now (audited); revoking it again changes nothing. `NotFound` if unknown.
    async fn revoke_ingest_token(&self, ctx: &WriteCtx, id: &IngestTokenId) -> StoreResult<()>;
    /// Records that a token was used at `at`.
    async fn touch_ingest_token(
        &self,
        id: &IngestTokenId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
    /// Records a KPI, audited.
    async fn insert_kpi(&self, ctx: &WriteCtx, kpi: &Kpi) -> StoreResult<()>;
    /// One KPI (a deleted one is `None`).
    async fn kpi(&self, id: &KpiId) -> StoreResult<Option<Kpi>>;
    /// These KPIs (deleted ones left out), for pages that name them.
    async fn kpis_by_ids(&self, ids: &[KpiId]) -> StoreResult<Vec<Kpi>>;
    /// KPIs by name, a page at a time.
    async fn kpis(&self, page: &PageRequest) -> StoreResult<Page<Kpi>>;
    /// Updates a KPI from `before` (its version must still be current: `StaleVersion`
    /// otherwise) to `after`, audited. Returns it as stored.
    async fn update_kpi(&self, ctx: &WriteCtx, before: &Kpi, after: &Kpi) -> StoreResult<Kpi>;
    /// Deletes a KPI (its readings stay for the audit), revokes its tokens and stops feeding
    /// the key results that named it: one transaction, audited.
    async fn delete_kpi(&self, ctx: &WriteCtx, id: &KpiId) -> StoreResult<()>;
    /// Records a reading and, in the same transaction, the check-ins it makes on the key
    /// results it feeds (each with its key result as applied, as in `record_check_in`), all
    /// audited. Returns those key results as stored.
    async fn record_kpi_value(
        &self,
        ctx: &WriteCtx,
        value: &KpiValue,
        fed: &[(CheckIn, KeyResult)],
    ) -> StoreResult<Vec<KeyResult>>;
    /// A KPI's readings, newest first, a page at a time.
    async fn kpi_values(&self, id: &KpiId, page: &PageRequest) -> StoreResult<Page<KpiValue>>;
    /// Every reading of these KPIs, oldest first (health and charts): one query per 500 ids.
    async fn kpi_readings(&self, ids: &[KpiId]) -> StoreResult<Vec<KpiValue>>;
    /// Sets (or clears) the KPI that feeds a key result, audited on the key result.
    async fn set_key_result_kpi(
        &self,
        ctx: &WriteCtx,
        key_result: &KeyResultId,
        kpi: Option<&KpiId>,
    ) -> StoreResult<()>;
    /// The KPI feeding each of these key results that has one.
    async fn kpi_sources(&self, ids: &[KeyResultId]) -> StoreResult<Vec<(KeyResultId, KpiId)>>;
    /// The live key results a KPI feeds.
    async fn key_results_fed_by(&self, id: &KpiId) -> StoreResult<Vec<KeyResultId>>;
}

/// The DataFeeds area through the shared handle.
#[async_trait]
impl DataFeeds for dyn Store {
    async fn insert_ingest_token(
        &self,
        ctx: &WriteCtx,
        token: &IngestToken,
        hash: &str,
    ) -> StoreResult<()> {
        self.as_data_feeds()
            .insert_ingest_token(ctx, token, hash)
            .await
    }
    async fn ingest_tokens_for(&self, target: &FeedTarget) -> StoreResult<Vec<IngestToken>> {
        self.as_data_feeds().ingest_tokens_for(target).await
    }
    async fn ingest_tokens_of(&self, ids: &[KeyResultId]) -> StoreResult<Vec<IngestToken>> {
        self.as_data_feeds().ingest_tokens_of(ids).await
    }
    async fn ingest_token_by_hash(&self, hash: &str) -> StoreResult<Option<IngestToken>> {
        self.as_data_feeds().ingest_token_by_hash(hash).await
    }
    async fn revoke_ingest_token(&self, ctx: &WriteCtx, id: &IngestTokenId) -> StoreResult<()> {
        self.as_data_feeds().revoke_ingest_token(ctx, id).await
    }
    async fn touch_ingest_token(
        &self,
        id: &IngestTokenId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.as_data_feeds().touch_ingest_token(id, at).await
    }
    async fn insert_kpi(&self, ctx: &WriteCtx, kpi: &Kpi) -> StoreResult<()> {
        self.as_data_feeds().insert_kpi(ctx, kpi).await
    }
    async fn kpi(&self, id: &KpiId) -> StoreResult<Option<Kpi>> {
        self.as_data_feeds().kpi(id).await
    }
    async fn kpis_by_ids(&self, ids: &[KpiId]) -> StoreResult<Vec<Kpi>> {
        self.as_data_feeds().kpis_by_ids(ids).await
    }
    async fn kpis(&self, page: &PageRequest) -> StoreResult<Page<Kpi>> {
        self.as_data_feeds().kpis(page).await
    }
    async fn update_kpi(&self, ctx: &WriteCtx, before: &Kpi, after: &Kpi) -> StoreResult<Kpi> {
        self.as_data_feeds().update_kpi(ctx, before, after).await
    }
    async fn delete_kpi(&self, ctx: &WriteCtx, id: &KpiId) -> StoreResult<()> {
        self.as_data_feeds().delete_kpi(ctx, id).await
    }
    async fn record_kpi_value(
        &self,
        ctx: &WriteCtx,
        value: &KpiValue,
        fed: &[(CheckIn, KeyResult)],
    ) -> StoreResult<Vec<KeyResult>> {
        self.as_data_feeds().record_kpi_value(ctx, value, fed).await
    }
    async fn kpi_values(&self, id: &KpiId, page: &PageRequest) -> StoreResult<Page<KpiValue>> {
        self.as_data_feeds().kpi_values(id, page).await
    }
    async fn kpi_readings(&self, ids: &[KpiId]) -> StoreResult<Vec<KpiValue>> {
        self.as_data_feeds().kpi_readings(ids).await
    }
    async fn set_key_result_kpi(
        &self,
        ctx: &WriteCtx,
        key_result: &KeyResultId,
        kpi: Option<&KpiId>,
    ) -> StoreResult<()> {
        self.as_data_feeds()
            .set_key_result_kpi(ctx, key_result, kpi)
            .await
    }
    async fn kpi_sources(&self, ids: &[KeyResultId]) -> StoreResult<Vec<(KeyResultId, KpiId)>> {
        self.as_data_feeds().kpi_sources(ids).await
    }
    async fn key_results_fed_by(&self, id: &KpiId) -> StoreResult<Vec<KeyResultId>> {
        self.as_data_feeds().key_results_fed_by(id).await
    }
}

impl SqlStore {
    async fn do_insert_ingest_token(
        &self,
        ctx: &WriteCtx,
        t: &IngestToken,
        hash: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            INGEST_TOKEN.name,
            INGEST_TOKEN.columns,
            vec![token_row(t, hash)],
        )
        .await?;
        let objective = token_objective(&mut tx, t).await?;
        audit(&mut tx, ctx, token_audit(t, objective.as_deref(), "create")).await?;
        tx.commit().await
    }

    async fn do_revoke_ingest_token(&self, ctx: &WriteCtx, id: &IngestTokenId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let t = tx
            .fetch_optional(
                &format!("SELECT {TOKEN_COLS} FROM ingest_tokens WHERE id = $1"),
                args![id.as_str()],
            )
            .await?
            .as_ref()
            .map(token_from)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        if t.revoked_at.is_some() {
            return Ok(());
        }
        tx.execute(
            "UPDATE ingest_tokens SET revoked_at = $1 WHERE id = $2",
            args![ts(&now()), id.as_str()],
        )
        .await?;
        let objective = token_objective(&mut tx, &t).await?;
        audit(
            &mut tx,
            ctx,
            token_audit(&t, objective.as_deref(), "revoke"),
        )
        .await?;
        tx.commit().await
    }

    async fn do_update_kpi(&self, ctx: &WriteCtx, before: &Kpi, after: &Kpi) -> StoreResult<Kpi> {
        let mut tx = self.begin().await?;
        let t = now();
        let n = tx
            .execute(
                "UPDATE kpis SET name = $1, description = $2, owner_id = $3, unit = $4, \
                 corridor_min = $5, corridor_max = $6, updated_at = $7, version = version + 1 \
                 WHERE id = $8 AND version = $9 AND deleted_at IS NULL",
                args![
                    after.name.as_str(),
                    after.description.as_str(),
                    after.owner_id.as_str(),
                    after.unit.as_str(),
                    after.corridor.min,
                    after.corridor.max,
                    ts(&t),
                    before.id.as_str(),
                    before.version,
                ],
            )
            .await?;
        if n == 0 {
            return Err(stale_or_missing(
                &mut tx,
                "kpis",
                before.id.as_str(),
                "deleted_at IS NULL",
            )
            .await);
        }
        let stored = kpi_in(&mut tx, &before.id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            ctx,
            kpi_audit(
                "kpi",
                "update",
                before.id.as_str(),
                value(before),
                value(&stored),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn do_delete_kpi(&self, ctx: &WriteCtx, id: &KpiId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let before = kpi_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        let t = ts(&now());
        tx.execute(
            "UPDATE kpis SET deleted_at = $1 WHERE id = $2",
            args![t, id.as_str()],
        )
        .await?;
        tx.execute(
            "UPDATE ingest_tokens SET revoked_at = $1 WHERE kpi_id = $2 AND revoked_at IS NULL",
            args![t, id.as_str()],
        )
        .await?;
        tx.execute(
            "UPDATE key_results SET kpi_id = NULL WHERE kpi_id = $1",
            args![id.as_str()],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            kpi_audit("kpi", "delete", id.as_str(), value(&before), None),
        )
        .await?;
        tx.commit().await
    }

    async fn do_record_kpi_value(
        &self,
        ctx: &WriteCtx,
        v: &KpiValue,
        fed: &[(CheckIn, KeyResult)],
    ) -> StoreResult<Vec<KeyResult>> {
        let mut tx = self.begin().await?;
        if kpi_in(&mut tx, &v.kpi_id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        insert_rows(
            &mut tx,
            usize::MAX,
            KPI_VALUE.name,
            KPI_VALUE.columns,
            vec![value_row(v)],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            kpi_audit("kpi_value", "create", v.id.as_str(), None, value(v)),
        )
        .await?;
        let mut stored = Vec::with_capacity(fed.len());
        for (check_in, applied) in fed {
            // `check_in_one` takes a queue job; this one is answered by the return value.
            let (reply, _) = oneshot::channel();
            let job = CheckInJob {
                seq: 0,
                ctx: ctx.clone(),
                check_in: check_in.clone(),
                applied: applied.clone(),
                reply,
            };
            stored.push(check_in_one(&mut tx, &job).await?);
        }
        tx.commit().await?;
        Ok(stored)
    }

    async fn do_set_key_result_kpi(
        &self,
        ctx: &WriteCtx,
        key_result: &KeyResultId,
        kpi: Option<&KpiId>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let before = tx
            .fetch_optional(
                "SELECT objective_id, kpi_id FROM key_results WHERE id = $1 AND deleted_at IS NULL",
                args![key_result.as_str()],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let objective_id = before.text("objective_id")?;
        let was = before.opt_text("kpi_id")?;
        if was.as_deref() == kpi.map(|k| k.as_str()) {
            return Ok(());
        }
        if let Some(k) = kpi {
            if kpi_in(&mut tx, k).await?.is_none() {
                return Err(StoreError::Conflict {
                    field: "kpi_id".into(),
                    message: "no such KPI".into(),
                });
            }
        }
        tx.execute(
            "UPDATE key_results SET kpi_id = $1 WHERE id = $2",
            args![kpi.map(|k| k.as_str()), key_result.as_str()],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "key_result",
                verb: "data_source",
                object_id: key_result.as_str(),
                objective_id: Some(&objective_id),
                key_result_id: Some(key_result.as_str()),
                before: Some(serde_json::json!({ "kpi_id": was })),
                after: Some(serde_json::json!({ "kpi_id": kpi })),
            },
        )
        .await?;
        tx.commit().await
    }
}

/// The audit record of a write to an ingest token, scoped to its key result and that key
/// result's objective (`objective_id`, read by the caller) when it feeds one. The secret is
/// never part of it.
fn token_audit<'a>(
    t: &'a IngestToken,
    objective_id: Option<&'a str>,
    verb: &'static str,
) -> AuditRec<'a> {
    let key_result_id = match &t.target {
        FeedTarget::KeyResult(k) => Some(k.as_str()),
        FeedTarget::Kpi(_) => None,
    };
    AuditRec {
        objective_id,
        key_result_id,
        ..kpi_audit("ingest_token", verb, t.id.as_str(), None, value(t))
    }
}

/// The objective of the key result a token feeds, if it feeds one.
async fn token_objective(tx: &mut Tx, t: &IngestToken) -> StoreResult<Option<String>> {
    match &t.target {
        FeedTarget::KeyResult(k) => objective_of_kr(tx, k.as_str()).await,
        FeedTarget::Kpi(_) => Ok(None),
    }
}

#[async_trait]
impl DataFeeds for SqlStore {
    async fn insert_ingest_token(
        &self,
        ctx: &WriteCtx,
        token: &IngestToken,
        hash: &str,
    ) -> StoreResult<()> {
        self.do_insert_ingest_token(ctx, token, hash)
            .await
            .map_err(map_err)
    }

    async fn ingest_tokens_for(&self, target: &FeedTarget) -> StoreResult<Vec<IngestToken>> {
        let (col, id) = match target {
            FeedTarget::KeyResult(k) => ("key_result_id", k.as_str()),
            FeedTarget::Kpi(k) => ("kpi_id", k.as_str()),
        };
        let rows = self
            .ex()
            .fetch_all(
                &format!("SELECT {TOKEN_COLS} FROM ingest_tokens WHERE {col} = $1 ORDER BY id"),
                args![id],
            )
            .await?;
        rows.iter().map(token_from).collect()
    }

    async fn ingest_tokens_of(&self, ids: &[KeyResultId]) -> StoreResult<Vec<IngestToken>> {
        let rows = fetch_in(
            &mut self.ex(),
            &format!("SELECT {TOKEN_COLS} FROM ingest_tokens WHERE key_result_id"),
            "ORDER BY id",
            &id_strings(ids),
        )
        .await?;
        rows.iter().map(token_from).collect()
    }

    async fn ingest_token_by_hash(&self, hash: &str) -> StoreResult<Option<IngestToken>> {
        self.db
            .fetch_optional(
                &format!("SELECT {TOKEN_COLS} FROM ingest_tokens WHERE token_hash = $1"),
                args![hash],
            )
            .await?
            .as_ref()
            .map(token_from)
            .transpose()
    }

    async fn revoke_ingest_token(&self, ctx: &WriteCtx, id: &IngestTokenId) -> StoreResult<()> {
        self.do_revoke_ingest_token(ctx, id).await.map_err(map_err)
    }

    async fn touch_ingest_token(
        &self,
        id: &IngestTokenId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE ingest_tokens SET last_used_at = $1 WHERE id = $2",
                args![ts(&at), id.as_str()],
            )
            .await?;
        Ok(())
    }

    async fn insert_kpi(&self, ctx: &WriteCtx, kpi: &Kpi) -> StoreResult<()> {
        let run = async {
            let mut tx = self.begin().await?;
            insert_rows(
                &mut tx,
                usize::MAX,
                KPI.name,
                KPI.columns,
                vec![kpi_row(kpi)],
            )
            .await?;
            audit(
                &mut tx,
                ctx,
                kpi_audit("kpi", "create", kpi.id.as_str(), None, value(kpi)),
            )
            .await?;
            tx.commit().await
        };
        run.await.map_err(map_err)
    }

    async fn kpi(&self, id: &KpiId) -> StoreResult<Option<Kpi>> {
        self.db
            .fetch_optional(
                &format!("SELECT {KPI_COLS} FROM kpis WHERE id = $1 AND deleted_at IS NULL"),
                args![id.as_str()],
            )
            .await?
            .as_ref()
            .map(kpi_from)
            .transpose()
    }

    async fn kpis_by_ids(&self, ids: &[KpiId]) -> StoreResult<Vec<Kpi>> {
        let rows = fetch_in(
            &mut self.ex(),
            &format!("SELECT {KPI_COLS} FROM kpis WHERE deleted_at IS NULL AND id"),
            "ORDER BY id",
            &id_strings(ids),
        )
        .await?;
        rows.iter().map(kpi_from).collect()
    }

    async fn kpis(&self, page: &PageRequest) -> StoreResult<Page<Kpi>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        w.add("deleted_at IS NULL".into());
        if let Some(c) = id_cursor(page)? {
            let p = w.arg(c);
            w.add(format!("id > {p}"));
        }
        let sql = format!(
            "SELECT {KPI_COLS} FROM kpis {} ORDER BY id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let rows = self.ex().fetch_all(&sql, w.args).await?;
        let items = rows.iter().map(kpi_from).collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |k| format!("i:{}", k.id)))
    }

    async fn update_kpi(&self, ctx: &WriteCtx, before: &Kpi, after: &Kpi) -> StoreResult<Kpi> {
        self.do_update_kpi(ctx, before, after)
            .await
            .map_err(map_err)
    }

    async fn delete_kpi(&self, ctx: &WriteCtx, id: &KpiId) -> StoreResult<()> {
        self.do_delete_kpi(ctx, id).await.map_err(map_err)
    }

    async fn record_kpi_value(
        &self,
        ctx: &WriteCtx,
        value: &KpiValue,
        fed: &[(CheckIn, KeyResult)],
    ) -> StoreResult<Vec<KeyResult>> {
        self.do_record_kpi_value(ctx, value, fed)
            .await
            .map_err(map_err)
    }

    async fn kpi_values(&self, id: &KpiId, page: &PageRequest) -> StoreResult<Page<KpiValue>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let p = w.arg(id.as_str());
        w.add(format!("kpi_id = {p}"));
        if let Some((at, id)) = time_cursor(page)? {
            let a = w.arg(at);
            let i = w.arg(id);
            w.add(format!("(at < {a} OR (at = {a} AND id < {i}))"));
        }
        let sql = format!(
            "SELECT {VALUE_COLS} FROM kpi_values {} ORDER BY at DESC, id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let rows = self.ex().fetch_all(&sql, w.args).await?;
        let items = rows
            .iter()
            .map(value_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |v| {
            format!("t:{}:{}", ts(&v.at), v.id)
        }))
    }

    async fn kpi_readings(&self, ids: &[KpiId]) -> StoreResult<Vec<KpiValue>> {
        let rows = fetch_in(
            &mut self.ex(),
            &format!("SELECT {VALUE_COLS} FROM kpi_values WHERE kpi_id"),
            "ORDER BY kpi_id, at, id",
            &id_strings(ids),
        )
        .await?;
        rows.iter().map(value_from).collect()
    }

    async fn set_key_result_kpi(
        &self,
        ctx: &WriteCtx,
        key_result: &KeyResultId,
        kpi: Option<&KpiId>,
    ) -> StoreResult<()> {
        self.do_set_key_result_kpi(ctx, key_result, kpi)
            .await
            .map_err(map_err)
    }

    async fn kpi_sources(&self, ids: &[KeyResultId]) -> StoreResult<Vec<(KeyResultId, KpiId)>> {
        let rows = fetch_in(
            &mut self.ex(),
            "SELECT id, kpi_id FROM key_results WHERE kpi_id IS NOT NULL AND deleted_at IS NULL AND id",
            "ORDER BY id",
            &id_strings(ids),
        )
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    KeyResultId::from_string(r.text("id")?),
                    KpiId::from_string(r.text("kpi_id")?),
                ))
            })
            .collect()
    }

    async fn key_results_fed_by(&self, id: &KpiId) -> StoreResult<Vec<KeyResultId>> {
        let rows = self
            .ex()
            .fetch_all(
                "SELECT id FROM key_results WHERE kpi_id = $1 AND deleted_at IS NULL ORDER BY id",
                args![id.as_str()],
            )
            .await?;
        rows.iter()
            .map(|r| Ok(KeyResultId::from_string(r.text("id")?)))
            .collect()
    }
}
