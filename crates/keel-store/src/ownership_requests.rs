//! Ownership requests: proposing an owner, their acceptance, and the handover history
//! (docs/method.md, "Acceptance" and "Ownership policy").

use crate::db::{args, map_err, Arg, Exec, Row, Tx};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use serde_json::Value;

pub(crate) const REQUEST_COLS: Select = Select(&OWNERSHIP_REQUEST);

/// The `ownership_requests` table.
pub(crate) const OWNERSHIP_REQUEST: Table = Table {
    name: "ownership_requests",
    columns: &[
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
    ],
    not_selected: &[],
    later: &[],
};

pub(crate) const REQUEST_INSERT: &[&str] = OWNERSHIP_REQUEST.columns;

/// The row of a request; `objective_id` is the OKR's objective (the key result's, for a key
/// result request).
pub(crate) fn request_row(r: &OwnershipRequest, objective_id: Option<&str>) -> Vec<Arg> {
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
        r.state.stored(),
        r.decline_reason.clone(),
        ts(&r.created_at),
        r.decided_at.as_ref().map(ts),
    ]
}

pub(crate) fn request_from(r: &Row) -> StoreResult<OwnershipRequest> {
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
        state: Stored::from_stored("state", &state)?,
        decline_reason: r.opt_text("decline_reason")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        decided_at: opt_ts("decided_at", r.opt_int("decided_at")?)?,
    })
}

/// The requests on exactly this OKR, whose kind is known.
pub(crate) fn okr_clause(okr: &OkrRef, p: &str) -> String {
    match okr {
        OkrRef::Objective(_) => format!("(okr_kind = 'objective' AND objective_id = {p})"),
        OkrRef::KeyResult(_) => format!("key_result_id = {p}"),
    }
}

/// Refuses a request that names another OKR than the one being written.
pub(crate) fn request_on(r: &OwnershipRequest, okr: &OkrRef) -> StoreResult<()> {
    if &r.okr != okr {
        return Err(StoreError::Conflict {
            field: "okr".into(),
            message: "the ownership request is on another objective or key result".into(),
        });
    }
    Ok(())
}

/// Inserts a request and audits it as `ownership_request.create`, scoped to its OKR.
pub(crate) async fn insert_request(
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
    // A new OKR has no previous owner to tell: only the proposed owner hears of it.
    let owner = r.proposed_owner_id.as_str();
    let told = crate::jobs::ownership_proposed(r, owner, objective_id);
    crate::jobs::notify(tx, ctx, told).await?;
    let hooks = crate::webhooks::events::ownership_requested(r, objective_id);
    crate::webhooks::emit(tx, hooks).await?;
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
pub(crate) struct OkrState {
    pub(crate) table: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) objective_id: String,
    pub(crate) key_result_id: Option<String>,
    pub(crate) owner_id: String,
    pub(crate) version: i64,
    pub(crate) record: Option<Value>,
}

pub(crate) async fn okr_state(tx: &mut Tx, okr: &OkrRef) -> StoreResult<Option<OkrState>> {
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

/// Ownership requests: proposals, answers, handover history.
#[async_trait]
pub trait Ownership: Send + Sync {
    /// Records an ownership proposal (or handover) and, in the same transaction: makes
    /// `request.proposed_owner_id` the OKR's owner with `ownership_state` accepted when the
    /// request is already `accepted` (someone naming themself) and pending otherwise; bumps the
    /// OKR's version; marks any earlier pending request on the same OKR `superseded`; records an
    /// audit event on the OKR. Fails with `StaleVersion` if the OKR's version is no longer
    /// `okr_version`, and `NotFound` if the OKR does not exist.
    async fn propose_ownership(
        &self,
        ctx: &WriteCtx,
        request: &OwnershipRequest,
        okr_version: i64,
    ) -> StoreResult<()>;
    /// Records the answer to a pending request (`request.state` accepted or declined, with
    /// `decided_at` and `decline_reason`) and sets the OKR's `ownership_state` to match (version
    /// bumped, audited), in one transaction. `StaleVersion` if the stored request is no longer
    /// pending, or the OKR's owner is no longer the proposed person.
    async fn answer_ownership_request(
        &self,
        ctx: &WriteCtx,
        request: &OwnershipRequest,
    ) -> StoreResult<()>;
    /// The ownership request with this id.
    async fn ownership_request(
        &self,
        id: &OwnershipRequestId,
    ) -> StoreResult<Option<OwnershipRequest>>;
    /// Newest first.
    async fn list_ownership_requests(
        &self,
        filter: &OwnershipRequestFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<OwnershipRequest>>;
    /// Every request on one OKR, oldest first: who was proposed, who accepted, when, with what
    /// note. Its accepted requests are the handover history.
    async fn ownership_history(&self, okr_id: &str) -> StoreResult<Vec<OwnershipRequest>>;
    /// Every request on an objective and on its key results, oldest first, in one query (for
    /// rendering an objective with each owner's latest request).
    async fn ownership_requests_of_objective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Vec<OwnershipRequest>>;
    /// The OKRs (objective or key result ids) `person` is handing over: a new owner was
    /// proposed while they owned it and has not answered yet. `among`: only these OKRs (one
    /// query per thousand); `None`: every one.
    async fn handing_over(
        &self,
        person: &PersonId,
        among: Option<&[String]>,
    ) -> StoreResult<Vec<String>>;
    /// The pending requests on the objectives of `ids` and on their key results, newest first
    /// (as `list_ownership_requests`): a batch's, for the evaluator's health check. One query
    /// per `IN_CHUNK` objectives.
    async fn pending_requests_on(&self, ids: &[ObjectiveId]) -> StoreResult<Vec<OwnershipRequest>>;
}

/// The Ownership area through the shared handle: a caller holding a `DynStore` calls it with
/// `Ownership` in scope.
#[async_trait]
impl Ownership for dyn Store {
    async fn propose_ownership(
        &self,
        ctx: &WriteCtx,
        request: &OwnershipRequest,
        okr_version: i64,
    ) -> StoreResult<()> {
        self.as_ownership()
            .propose_ownership(ctx, request, okr_version)
            .await
    }

    async fn answer_ownership_request(
        &self,
        ctx: &WriteCtx,
        request: &OwnershipRequest,
    ) -> StoreResult<()> {
        self.as_ownership()
            .answer_ownership_request(ctx, request)
            .await
    }

    async fn ownership_request(
        &self,
        id: &OwnershipRequestId,
    ) -> StoreResult<Option<OwnershipRequest>> {
        self.as_ownership().ownership_request(id).await
    }

    async fn list_ownership_requests(
        &self,
        filter: &OwnershipRequestFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<OwnershipRequest>> {
        self.as_ownership()
            .list_ownership_requests(filter, page)
            .await
    }

    async fn ownership_history(&self, okr_id: &str) -> StoreResult<Vec<OwnershipRequest>> {
        self.as_ownership().ownership_history(okr_id).await
    }

    async fn ownership_requests_of_objective(
        &self,
        objective_id: &ObjectiveId,
    ) -> StoreResult<Vec<OwnershipRequest>> {
        self.as_ownership()
            .ownership_requests_of_objective(objective_id)
            .await
    }

    async fn handing_over(
        &self,
        person: &PersonId,
        among: Option<&[String]>,
    ) -> StoreResult<Vec<String>> {
        self.as_ownership().handing_over(person, among).await
    }

    async fn pending_requests_on(&self, ids: &[ObjectiveId]) -> StoreResult<Vec<OwnershipRequest>> {
        self.as_ownership().pending_requests_on(ids).await
    }
}

impl SqlStore {
    pub(crate) async fn do_propose_ownership(
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
                    state.stored(),
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
        if before.table == "key_results" {
            crate::owner_rhythm::stamp_acceptance(&mut tx, okr_id, &now(), true).await?;
            crate::owner_rhythm::recache_owners_confidence(&mut tx, okr_id).await?;
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
        let told = crate::jobs::ownership_proposed(r, &before.owner_id, &before.objective_id);
        crate::jobs::notify(&mut tx, ctx, told).await?;
        let hooks = crate::webhooks::events::ownership_requested(r, &before.objective_id);
        crate::webhooks::emit(&mut tx, hooks).await?;
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

    pub(crate) async fn do_answer_ownership_request(
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
                    ownership_state.stored(),
                    at,
                    okr_id,
                    stored.proposed_owner_id.as_str(),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::StaleVersion);
        }
        if before.table == "key_results" {
            let decided = to_ts("decided_at", decided_at)?;
            crate::owner_rhythm::stamp_acceptance(&mut tx, okr_id, &decided, false).await?;
        }
        let n = tx
            .execute(
                "UPDATE ownership_requests SET state = $1, decline_reason = $2, decided_at = $3 \
                 WHERE id = $4 AND state = 'pending'",
                args![r.state.stored(), decline_reason, decided_at, r.id.as_str()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::StaleVersion);
        }
        let after = okr_state(&mut tx, &stored.okr)
            .await?
            .ok_or(StoreError::NotFound)?;
        let told = crate::jobs::ownership_answered(&stored, r, &before.objective_id);
        crate::jobs::notify(&mut tx, ctx, told).await?;
        let hook = crate::webhooks::events::ownership_answered(&stored, r, &before.objective_id);
        crate::webhooks::emit(&mut tx, vec![hook]).await?;
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
}

#[async_trait]
impl Ownership for SqlStore {
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
        // Narrowed to a person or an OKR, the list is a few rows found through that index, each
        // then checked (state, cycle, visibility) row by row; otherwise by state and cycle, every
        // visible objective judged once. (At 100,000 people a member's requests took 0.1 s read
        // the second way: every pending request, every objective of the cycle.)
        let narrowed = filter.proposed_owner_id.is_some()
            || filter.involving.is_some()
            || filter.previous_owner_id.is_some()
            || filter.okr_id.is_some();
        if let Some(st) = filter.state {
            let p = w.arg(st.stored());
            let state = if narrowed { "state || ''" } else { "state" };
            w.add(format!("{state} = {p}"));
        }
        if let Some(o) = &filter.proposed_owner_id {
            let p = w.arg(o.as_str());
            w.add(format!("proposed_owner_id = {p}"));
        }
        if let Some(i) = &filter.involving {
            let p = w.arg(i.as_str());
            w.add(format!("(proposed_owner_id = {p} OR proposed_by = {p})"));
        }
        if let Some(o) = &filter.previous_owner_id {
            let p = w.arg(o.as_str());
            w.add(format!("previous_owner_id = {p}"));
        }
        if let Some(o) = &filter.okr_id {
            let p = w.arg(o.as_str());
            w.add(on_okr(&p));
        }
        if let Some(c) = &filter.cycle_id {
            // Checked row by row either way: the requests are walked newest first and the walk
            // stops at the page's end. (`IN (…)` first listed every objective of the cycle: 30–45
            // ms for the ownership map's pending requests at 100,000 people.)
            let p = w.arg(c.as_str());
            w.add(format!(
                "EXISTS (SELECT 1 FROM objectives c WHERE c.id = objective_id AND c.cycle_id = {p})"
            ));
        }
        if let Reader::Audience(a) = &filter.reader {
            let v = if narrowed {
                visible_objective_each(&mut w, a, "objective_id")
            } else {
                visible_objective(&mut w, a, "objective_id")
            };
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

    async fn handing_over(
        &self,
        person: &PersonId,
        among: Option<&[String]>,
    ) -> StoreResult<Vec<String>> {
        let select = "SELECT CASE WHEN okr_kind = 'objective' THEN objective_id \
                      ELSE key_result_id END AS okr FROM ownership_requests \
                      WHERE state = $1 AND previous_owner_id = $2";
        let pending = RequestState::Pending.stored();
        let mut okrs = Vec::new();
        let mut read = |rows: Vec<Row>| -> StoreResult<()> {
            for r in rows {
                okrs.push(r.text("okr")?);
            }
            Ok(())
        };
        match among {
            None => read(
                self.db
                    .fetch_all(select, args![pending, person.as_str()])
                    .await?,
            )?,
            Some(ids) => {
                for chunk in ids.chunks(IN_CHUNK) {
                    let list = crate::db::placeholders(3, chunk.len());
                    let sql = format!(
                        "{select} AND ((okr_kind = 'objective' AND objective_id IN ({list})) \
                         OR key_result_id IN ({list}))"
                    );
                    let mut a = args![pending, person.as_str()];
                    a.extend(chunk.iter().map(Arg::from));
                    read(self.db.fetch_all(&sql, a).await?)?;
                }
            }
        }
        Ok(okrs)
    }

    async fn pending_requests_on(&self, ids: &[ObjectiveId]) -> StoreResult<Vec<OwnershipRequest>> {
        let mut out = vec![];
        for chunk in ids.chunks(IN_CHUNK) {
            // Through `ownership_requests_objective_idx` (a key result's request carries its
            // objective's id).
            let sql = format!(
                "SELECT {REQUEST_COLS} FROM ownership_requests \
                 WHERE objective_id IN ({}) AND state = $1",
                crate::db::placeholders(2, chunk.len())
            );
            let mut a = args![RequestState::Pending.stored()];
            a.extend(chunk.iter().map(|i| Arg::from(i.as_str())));
            for r in self.db.fetch_all(&sql, a).await? {
                out.push(request_from(&r)?);
            }
        }
        // Newest first, as the list orders them (the health check keeps the oldest of an
        // OKR's pending requests).
        out.sort_by(|a, b| (b.created_at, b.id.as_str()).cmp(&(a.created_at, a.id.as_str())));
        Ok(out)
    }
}
