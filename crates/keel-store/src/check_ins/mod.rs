//! Check-ins: the weekly record of a key result's value and confidence (docs/method.md, "The
//! weekly rhythm"). A check-in moves its key result in the same transaction. Its author may
//! correct or withdraw it: the original stays, marked retracted, and only standing check-ins
//! (`retracted IS NULL`) feed values, statuses and forecasts.

use crate::db::{args, map_err, Arg, Exec, Row, Tx};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use tokio::sync::oneshot;

pub(crate) mod group_commit;

use group_commit::CheckInJob;
use serde_json::Value;

pub(crate) const CHECK_IN_COLS: Select = Select(&CHECK_IN);

/// The `check_ins` table.
pub(crate) const CHECK_IN: Table = Table {
    name: "check_ins",
    columns: &[
        "id",
        "key_result_id",
        "value",
        "confidence",
        "note",
        "author_id",
        "at",
        "created_at",
        "corrects_id",
        "retracted",
        "retracted_by",
        "retracted_at",
        "confidence_scale",
        "source",
        "source_id",
        "source_name",
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const CHECK_IN_INSERT: &[&str] = CHECK_IN.columns;

pub(crate) fn check_in_row(c: &CheckIn) -> Vec<Arg> {
    args![
        c.id.as_str(),
        c.key_result_id.as_str(),
        c.value,
        i64::from(c.confidence.value()),
        c.note.as_str(),
        c.author_id.as_ref().map(|x| x.as_str()),
        ts(&c.at),
        ts(&c.created_at),
        c.corrects.as_ref().map(|x| x.as_str()),
        c.retracted.as_ref().map(|r| r.kind.as_str()),
        c.retracted
            .as_ref()
            .and_then(|r| r.by.as_ref())
            .map(|x| x.as_str()),
        c.retracted.as_ref().map(|r| ts(&r.at)),
        c.scale.stored(),
        c.source.as_ref().map(|s| s.kind.stored()),
        c.source.as_ref().map(|s| s.id.as_str()),
        c.source.as_ref().map(|s| s.name.as_str()),
    ]
}

pub(crate) fn check_in_from(r: &Row) -> StoreResult<CheckIn> {
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
        corrects: r.opt_text("corrects_id")?.map(CheckInId::from_string),
        retracted: match r.opt_text("retracted")? {
            None => None,
            Some(kind) => Some(Retraction {
                kind: RetractionKind::parse(&kind)
                    .ok_or_else(|| corrupt("retracted", format!("unknown kind {kind}")))?,
                by: r.opt_text("retracted_by")?.map(PersonId::from_string),
                at: to_ts("retracted_at", r.int("retracted_at")?)?,
            }),
        },
        scale: Stored::from_stored("confidence_scale", &r.text("confidence_scale")?)?,
        source: crate::data_feeds::source_from(r)?,
    })
}
pub(crate) use group_commit::CheckInQueue;

/// What a check-in writes on its key result: the values of `check_in_update`'s `SET`, in
/// order (current value, milestones, confidence or NULL to keep it, last check-in, updated),
/// then the key result's id. Its cached `confidence` is its owner's latest
/// (`rhythm::is_owners_word`): a contributor's check-in leaves it as it was.
fn update_args(job: &CheckInJob, updated_at: i64) -> Vec<Arg> {
    let (c, applied) = (&job.check_in, &job.applied);
    let owners_word = keel_domain::rhythm::is_owners_word(applied, c.author_id.as_ref());
    let confidence = owners_word.then(|| i64::from(c.confidence.value()));
    args![
        applied.current,
        json(&applied.milestones),
        confidence,
        ts(&c.at),
        updated_at,
        c.key_result_id.as_str(),
    ]
}

/// Moves the key result to the check-in, unless a later check-in is already recorded (or the
/// key result is gone: `NotFound`, nothing written). Returns the key result as stored after
/// it, and its objective's id.
pub(crate) async fn check_in_update(
    tx: &mut Tx,
    job: &CheckInJob,
) -> StoreResult<(KeyResult, String)> {
    let updated = tx
        .fetch_optional(
            "UPDATE key_results SET current_value = $1, milestones = $2, \
             confidence = COALESCE($3, confidence), \
             last_check_in_at = $4, updated_at = $5, version = version + 1 \
             WHERE id = $6 AND deleted_at IS NULL \
             AND (last_check_in_at IS NULL OR last_check_in_at <= $4) \
             RETURNING version, updated_at, confidence",
            update_args(job, ts(&now())),
        )
        .await?;
    check_in_updated(tx, job, updated).await
}

/// `check_in_update` for every job of a group, answered in the jobs' order (`Err` for an error
/// that fails the group: any but `NotFound`). On PostgreSQL the
/// first job of each key result is moved by ONE statement for all (`UPDATE … FROM (VALUES
/// …)`): one round trip instead of one per check-in, while the group holds the writer's turn.
/// A later job on the same key result runs after it alone, so each key result still moves
/// check-in by check-in in order. SQLite, which has no round trip to save, runs them one by one.
pub(crate) async fn check_in_updates(
    tx: &mut Tx,
    jobs: &[CheckInJob],
) -> StoreResult<Vec<StoreResult<(KeyResult, String)>>> {
    let mut answers: Vec<Option<StoreResult<(KeyResult, String)>>> =
        jobs.iter().map(|_| None).collect();
    if !tx.is_sqlite() && jobs.len() > 1 {
        let mut seen = std::collections::HashSet::new();
        let firsts: Vec<usize> = (0..jobs.len())
            .filter(|&i| seen.insert(jobs[i].check_in.key_result_id.as_str()))
            .collect();
        let at = ts(&now());
        let rows: Vec<Arg> = firsts
            .iter()
            .flat_map(|&i| update_args(&jobs[i], at))
            .collect();
        let values = (0..firsts.len())
            .map(|r| format!("({})", crate::db::placeholders(r * 6 + 1, 6)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE key_results AS k SET current_value = v.current_value, \
             milestones = v.milestones, confidence = COALESCE(v.confidence, k.confidence), \
             last_check_in_at = v.at, updated_at = v.updated_at, version = k.version + 1 \
             FROM (VALUES {values}) AS v (current_value, milestones, confidence, at, \
             updated_at, id) \
             WHERE k.id = v.id AND k.deleted_at IS NULL \
             AND (k.last_check_in_at IS NULL OR k.last_check_in_at <= v.at) \
             RETURNING k.id, k.version, k.updated_at, k.confidence"
        );
        let mut moved = std::collections::HashMap::new();
        for r in tx.fetch_all(&sql, rows).await? {
            moved.insert(r.text("id")?, r);
        }
        for i in firsts {
            let updated = moved.remove(jobs[i].check_in.key_result_id.as_str());
            answers[i] = Some(only_not_found(
                check_in_updated(tx, &jobs[i], updated).await,
            )?);
        }
    }
    let mut out = Vec::with_capacity(jobs.len());
    for (job, answer) in jobs.iter().zip(answers) {
        out.push(match answer {
            Some(a) => a,
            None => only_not_found(check_in_update(tx, job).await)?,
        });
    }
    Ok(out)
}

/// A job's answer, unless it is an error that fails the whole group (any but `NotFound`, which
/// writes nothing).
fn only_not_found<T>(a: StoreResult<T>) -> StoreResult<StoreResult<T>> {
    match a {
        Err(StoreError::NotFound) => Ok(Err(StoreError::NotFound)),
        Err(e) => Err(e),
        ok => Ok(ok),
    }
}

/// After a check-in's `UPDATE` (`updated`: the row it returned, if it moved the key result):
/// the key result as stored and its objective's id. `applied` with the new version if it was
/// read at the version just replaced (nothing else changed it since); else read back (and an
/// owner's back-dated word recorded).
async fn check_in_updated(
    tx: &mut Tx,
    job: &CheckInJob,
    updated: Option<crate::db::Row>,
) -> StoreResult<(KeyResult, String)> {
    let (c, applied) = (&job.check_in, &job.applied);
    let kr_id = c.key_result_id.as_str();
    if let Some(r) = &updated {
        if r.int("version")? == applied.version + 1 {
            let mut k = applied.clone();
            k.confidence = r
                .opt_int("confidence")?
                .map(|v| u8::try_from(v).map_err(|e| corrupt("confidence", e)))
                .transpose()?;
            k.last_check_in_at = Some(c.at);
            k.version = r.int("version")?;
            k.updated_at = to_ts("updated_at", r.int("updated_at")?)?;
            return Ok((k, applied.objective_id.to_string()));
        }
    }
    if updated.is_none() && keel_domain::rhythm::is_owners_word(applied, c.author_id.as_ref()) {
        let confidence = i64::from(c.confidence.value());
        owners_back_dated_word(tx, kr_id, confidence, &c.at).await?;
    }
    // Either the key result is gone, or a later check-in is already recorded, or it changed
    // since `applied` was read.
    let stored = key_result_in(&mut Exec::Tx(tx), kr_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let objective_id = stored.objective_id.to_string();
    Ok((stored, objective_id))
}

/// An owner's back-dated check-in, older than someone's later one (so the value stays): its
/// confidence is still the owner's latest unless the owner (or a co-owner) has spoken since.
/// Rare, so its extra query never costs the common path.
async fn owners_back_dated_word(
    tx: &mut Tx,
    kr_id: &str,
    confidence: i64,
    at: &chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    if !tx.is_sqlite() {
        // The group before may still be committing a later check-in on this key result (its
        // COMMIT runs beside this group's statements): wait for its row lock first, so that
        // the statement below reads its check-ins (each statement reads what was committed
        // when it began).
        tx.fetch_all(
            "SELECT id FROM key_results WHERE id = $1 FOR UPDATE",
            args![kr_id],
        )
        .await?;
    }
    tx.execute(
        "UPDATE key_results SET confidence = $1, updated_at = $2, version = version + 1 \
         WHERE id = $3 AND deleted_at IS NULL AND NOT EXISTS (\
           SELECT 1 FROM check_ins c WHERE c.key_result_id = $3 AND c.retracted IS NULL \
           AND c.at > $4 AND (c.author_id = key_results.owner_id OR c.author_id IN \
             (SELECT person_id FROM key_result_co_owners WHERE key_result_id = $3)))",
        args![confidence, ts(&now()), kr_id, ts(at)],
    )
    .await?;
    Ok(())
}

/// One check-in: `check_in_update`, then the check-in and its audit event inserted.
pub(crate) async fn check_in_one(tx: &mut Tx, job: &CheckInJob) -> StoreResult<KeyResult> {
    let (stored, objective_id) = check_in_update(tx, job).await?;
    let row = check_in_row(&job.check_in);
    insert_rows(tx, usize::MAX, "check_ins", CHECK_IN_INSERT, vec![row]).await?;
    let row = check_in_audit_row(job, &objective_id);
    insert_rows(tx, usize::MAX, "audit_events", AUDIT_INSERT, vec![row]).await?;
    Ok(stored)
}

pub(crate) fn check_in_audit_row(job: &CheckInJob, objective_id: &str) -> Vec<Arg> {
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

/// `retract_check_in` inside `tx`.
async fn retract_in(
    tx: &mut Tx,
    ctx: &WriteCtx,
    original: &CheckIn,
    retraction: &Retraction,
    correction: Option<&CheckIn>,
    applied: &KeyResult,
) -> StoreResult<KeyResult> {
    let marked = tx
        .execute(
            "UPDATE check_ins SET retracted = $1, retracted_by = $2, retracted_at = $3 \
             WHERE id = $4 AND retracted IS NULL",
            args![
                retraction.kind.as_str(),
                retraction.by.as_ref().map(|x| x.as_str()),
                ts(&retraction.at),
                original.id.as_str(),
            ],
        )
        .await?;
    if marked == 0 {
        let exists = tx
            .fetch_optional(
                "SELECT id FROM check_ins WHERE id = $1",
                args![original.id.as_str()],
            )
            .await?
            .is_some();
        return Err(if exists {
            StoreError::Conflict {
                field: "check_in".into(),
                message: "this check-in was already corrected or withdrawn".into(),
            }
        } else {
            StoreError::NotFound
        });
    }
    if let Some(c) = correction {
        insert_rows(
            tx,
            usize::MAX,
            "check_ins",
            CHECK_IN_INSERT,
            vec![check_in_row(c)],
        )
        .await?;
    }
    let t = now();
    let updated = tx
        .fetch_optional(
            "UPDATE key_results SET current_value = $1, milestones = $2, confidence = $3, \
             last_check_in_at = $4, updated_at = $5, version = version + 1 \
             WHERE id = $6 AND deleted_at IS NULL AND version = $7 RETURNING version",
            args![
                applied.current,
                json(&applied.milestones),
                applied.confidence.map(i64::from),
                applied.last_check_in_at.as_ref().map(ts),
                ts(&t),
                applied.id.as_str(),
                applied.version,
            ],
        )
        .await?;
    let Some(r) = updated else {
        return Err(StoreError::StaleVersion);
    };
    let mut after = original.clone();
    after.retracted = Some(retraction.clone());
    let verb = match retraction.kind {
        RetractionKind::Corrected => "correct",
        RetractionKind::Withdrawn => "withdraw",
    };
    let mut after_value = value(&after);
    if let (Some(Value::Object(m)), Some(c)) = (after_value.as_mut(), correction) {
        m.insert("correction".into(), value(c).unwrap_or(Value::Null));
    }
    audit(
        tx,
        ctx,
        AuditRec {
            kind: "check_in",
            verb,
            object_id: original.id.as_str(),
            objective_id: Some(applied.objective_id.as_str()),
            key_result_id: Some(applied.id.as_str()),
            before: value(original),
            after: after_value,
        },
    )
    .await?;
    let mut k = applied.clone();
    k.version = r.int("version")?;
    k.updated_at = t;
    Ok(k)
}

/// Check-ins and the history the rhythm derives from them.
#[async_trait]
pub trait CheckIns: Send + Sync {
    /// Records a check-in and, in the same transaction, moves the key result to it, unless a
    /// later check-in (by `at`) is already recorded: two concurrent check-ins both land and the
    /// key result ends on the later one. `applied` is the key result with the value applied
    /// (`current`, `milestones`); only those fields, `confidence` and `last_check_in_at` are
    /// written. Returns the key result as stored afterwards.
    async fn record_check_in(
        &self,
        ctx: &WriteCtx,
        check_in: &CheckIn,
        applied: &KeyResult,
    ) -> StoreResult<KeyResult>;
    /// Records several check-ins (each with its key result as applied, as in `record_check_in`)
    /// in ONE transaction: all land or, on any error (an unknown key result included:
    /// `NotFound`), none does. Returns the key results as stored afterwards, in order. The
    /// one-screen weekly check-in of the web UI.
    async fn record_check_ins(
        &self,
        ctx: &WriteCtx,
        check_ins: &[(CheckIn, KeyResult)],
    ) -> StoreResult<Vec<KeyResult>>;
    /// Sets a check-in aside, in one transaction: marks `original` retracted (`retraction`),
    /// inserts `correction` (when correcting; `None` withdraws), moves the key result to
    /// `applied` (as its standing check-ins leave it: value, milestones, confidence, last
    /// check-in) and audits it with the original before and after. `NotFound` when the check-in
    /// is unknown; `Conflict` naming `check_in` when it was already set aside; `StaleVersion`
    /// when the key result changed since `applied` was read. Returns the key result as stored.
    async fn retract_check_in(
        &self,
        ctx: &WriteCtx,
        original: &CheckIn,
        retraction: &Retraction,
        correction: Option<&CheckIn>,
        applied: &KeyResult,
    ) -> StoreResult<KeyResult>;
    /// One check-in, standing or not.
    async fn check_in(&self, id: &CheckInId) -> StoreResult<Option<CheckIn>>;
    /// Newest first (by `at`), retracted ones included (marked).
    async fn list_check_ins(
        &self,
        key_result_id: &KeyResultId,
        page: &PageRequest,
    ) -> StoreResult<Page<CheckIn>>;
    /// Every standing check-in of these key results, ordered by key result, then `at` (oldest first), in
    /// one query: the history behind statuses, forecasts and confidence trends of a page.
    async fn check_ins_of(&self, key_result_ids: &[KeyResultId]) -> StoreResult<Vec<CheckIn>>;
    /// The same history as `check_ins_of`, reduced to what the rhythm derives from: each key
    /// result's points oldest first (by `at`, then id), in one query.
    async fn check_in_points(
        &self,
        key_result_ids: &[KeyResultId],
    ) -> StoreResult<Vec<CheckInPoint>>;
}

/// The CheckIns area through the shared handle: a caller holding a `DynStore` calls it with
/// `CheckIns` in scope.
#[async_trait]
impl CheckIns for dyn Store {
    async fn record_check_in(
        &self,
        ctx: &WriteCtx,
        check_in: &CheckIn,
        applied: &KeyResult,
    ) -> StoreResult<KeyResult> {
        self.as_check_ins()
            .record_check_in(ctx, check_in, applied)
            .await
    }

    async fn record_check_ins(
        &self,
        ctx: &WriteCtx,
        check_ins: &[(CheckIn, KeyResult)],
    ) -> StoreResult<Vec<KeyResult>> {
        self.as_check_ins().record_check_ins(ctx, check_ins).await
    }

    async fn retract_check_in(
        &self,
        ctx: &WriteCtx,
        original: &CheckIn,
        retraction: &Retraction,
        correction: Option<&CheckIn>,
        applied: &KeyResult,
    ) -> StoreResult<KeyResult> {
        self.as_check_ins()
            .retract_check_in(ctx, original, retraction, correction, applied)
            .await
    }

    async fn check_in(&self, id: &CheckInId) -> StoreResult<Option<CheckIn>> {
        self.as_check_ins().check_in(id).await
    }

    async fn list_check_ins(
        &self,
        key_result_id: &KeyResultId,
        page: &PageRequest,
    ) -> StoreResult<Page<CheckIn>> {
        self.as_check_ins()
            .list_check_ins(key_result_id, page)
            .await
    }

    async fn check_ins_of(&self, key_result_ids: &[KeyResultId]) -> StoreResult<Vec<CheckIn>> {
        self.as_check_ins().check_ins_of(key_result_ids).await
    }

    async fn check_in_points(
        &self,
        key_result_ids: &[KeyResultId],
    ) -> StoreResult<Vec<CheckInPoint>> {
        self.as_check_ins().check_in_points(key_result_ids).await
    }
}

impl SqlStore {
    /// Several check-ins in one transaction, outside the group-commit queue: the first error
    /// rolls every one of them back.
    pub(crate) async fn do_record_check_ins(
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
        let hooks = items
            .iter()
            .zip(&stored)
            .map(|((c, _), k)| crate::webhooks::events::check_in_recorded(c, k))
            .collect();
        crate::webhooks::emit(&mut tx, hooks).await?;
        tx.commit().await?;
        Ok(stored)
    }
}

#[async_trait]
impl CheckIns for SqlStore {
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

    async fn retract_check_in(
        &self,
        ctx: &WriteCtx,
        original: &CheckIn,
        retraction: &Retraction,
        correction: Option<&CheckIn>,
        applied: &KeyResult,
    ) -> StoreResult<KeyResult> {
        let mut tx = self.begin().await?;
        match retract_in(&mut tx, ctx, original, retraction, correction, applied).await {
            Ok(k) => {
                tx.commit().await?;
                Ok(k)
            }
            Err(e) => {
                if let Err(r) = tx.rollback().await {
                    tracing::warn!(error = %r, "rolling back a check-in correction failed");
                }
                Err(map_err(e))
            }
        }
    }

    async fn check_in(&self, id: &CheckInId) -> StoreResult<Option<CheckIn>> {
        self.db
            .fetch_optional(
                &format!("SELECT {CHECK_IN_COLS} FROM check_ins WHERE id = $1"),
                args![id.as_str()],
            )
            .await?
            .as_ref()
            .map(check_in_from)
            .transpose()
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

    async fn check_ins_of(&self, key_result_ids: &[KeyResultId]) -> StoreResult<Vec<CheckIn>> {
        let keys = id_strings(key_result_ids);
        let select = format!(
            "SELECT {CHECK_IN_COLS} FROM check_ins WHERE retracted IS NULL AND key_result_id"
        );
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
            "SELECT key_result_id, at, value, confidence, confidence_scale, author_id FROM check_ins \
             WHERE retracted IS NULL AND key_result_id",
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
                author_id: r.opt_text("author_id")?.map(PersonId::from_string),
                scale: Stored::from_stored("confidence_scale", &r.text("confidence_scale")?)?,
            })
        })
        .collect()
    }
}
