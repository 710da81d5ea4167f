//! Outbound webhooks: the endpoints an administrator registered, and the outbox of their
//! deliveries with every attempt's outcome.
//!
//! Why deliveries are written by the change itself ([`emit`], in the change's own transaction):
//! a change that rolls back sends nothing, and none is lost between the change and a queue. Each
//! delivery rides on a job (`webhook_delivery`) of the durable queue, which gives retries with
//! backoff and leases; the server's sender records each attempt here. Delivery is therefore at
//! least once (a worker that dies after sending, before recording, sends again) and in no
//! guaranteed order. An event about an objective that is not public (visible to the whole
//! organisation) is never written: private and team OKRs stay inside Keel.
//!
//! The store never sees a signing secret in clear: the server seals it (`secrets.rs`) first.

use crate::db::{args, Arg, Row, Tx};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use keel_domain::webhook::{WebhookEvent, WebhookFormat};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The job kind that sends one delivery (its payload: `{"delivery_id": …}`).
pub const WEBHOOK_DELIVERY_JOB: &str = "webhook_delivery";
/// Attempts of a delivery before it is given up (backoff 30 s, 1, 2, 4, 8, 16 and 32 min).
pub const WEBHOOK_ATTEMPTS: u32 = 8;

/// The `webhook_endpoints` table.
pub(crate) const WEBHOOK_ENDPOINT: Table = Table {
    name: "webhook_endpoints",
    columns: &[
        "id",
        "url",
        "events",
        "format",
        "secret_sealed",
        "created_at",
        "updated_at",
        "version",
    ],
    not_selected: &[],
    later: &[],
};

/// The `webhook_deliveries` table.
pub(crate) const WEBHOOK_DELIVERY: Table = Table {
    name: "webhook_deliveries",
    columns: &[
        "id",
        "endpoint_id",
        "event",
        "payload",
        "state",
        "attempts",
        "last_status",
        "last_error",
        "created_at",
        "finished_at",
    ],
    not_selected: &[],
    later: &[],
};

/// The `webhook_attempts` table.
pub(crate) const WEBHOOK_ATTEMPT: Table = Table {
    name: "webhook_attempts",
    columns: &[
        "id",
        "delivery_id",
        "attempt",
        "at",
        "status_code",
        "duration_ms",
        "error",
    ],
    not_selected: &[],
    later: &[],
};

const ENDPOINT_COLS: Select = Select(&WEBHOOK_ENDPOINT);
const DELIVERY_COLS: Select = Select(&WEBHOOK_DELIVERY);
const ATTEMPT_COLS: Select = Select(&WEBHOOK_ATTEMPT);

/// A registered endpoint.
#[derive(Clone, PartialEq)]
pub struct WebhookEndpoint {
    pub id: WebhookId,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub format: WebhookFormat,
    /// The signing secret sealed with the server's key (`v1:…`), never the secret itself.
    pub secret_sealed: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("format", &self.format)
            .field("secret_sealed", &"***")
            .finish()
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not yet accepted by the receiver (first attempt to come, or a retry).
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after its last attempt.
    Failed,
}

/// One event for one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDelivery {
    pub id: WebhookDeliveryId,
    pub endpoint_id: WebhookId,
    pub event: WebhookEvent,
    /// The event in Keel's format (`{id, event, occurred_at, data}`); other formats are
    /// rendered from it when sent.
    pub payload: Value,
    pub state: DeliveryState,
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// One attempt to send a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookAttempt {
    pub delivery_id: WebhookDeliveryId,
    /// 1 for the first attempt.
    pub attempt: u32,
    pub at: Timestamp,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<u16>,
    pub duration_ms: u64,
    /// What went wrong, in words (never the receiver's body).
    pub error: Option<String>,
}

fn endpoint_row(e: &WebhookEndpoint) -> Vec<Arg> {
    let events: Vec<&str> = e.events.iter().map(|x| x.as_str()).collect();
    args![
        e.id.as_str(),
        e.url.as_str(),
        json(&events),
        e.format.as_str(),
        e.secret_sealed.as_str(),
        ts(&e.created_at),
        ts(&e.updated_at),
        e.version,
    ]
}

fn parse_events(col: &str, text: &str) -> StoreResult<Vec<WebhookEvent>> {
    let names: Vec<String> = from_json(col, text)?;
    names.iter().map(|n| Stored::from_stored(col, n)).collect()
}

fn endpoint_from(r: &Row) -> StoreResult<WebhookEndpoint> {
    let format = r.text("format")?;
    Ok(WebhookEndpoint {
        id: WebhookId::from_string(r.text("id")?),
        url: r.text("url")?,
        events: parse_events("events", &r.text("events")?)?,
        format: Stored::from_stored("format", &format)?,
        secret_sealed: r.text("secret_sealed")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        updated_at: to_ts("updated_at", r.int("updated_at")?)?,
        version: r.int("version")?,
    })
}

fn delivery_from(r: &Row) -> StoreResult<WebhookDelivery> {
    let event = r.text("event")?;
    let status = r
        .opt_int("last_status")?
        .map(|s| u16::try_from(s).map_err(|e| corrupt("last_status", e)))
        .transpose()?;
    Ok(WebhookDelivery {
        id: WebhookDeliveryId::from_string(r.text("id")?),
        endpoint_id: WebhookId::from_string(r.text("endpoint_id")?),
        event: Stored::from_stored("event", &event)?,
        payload: from_json("payload", &r.text("payload")?)?,
        state: Stored::from_stored("state", &r.text("state")?)?,
        attempts: u32::try_from(r.int("attempts")?).map_err(|e| corrupt("attempts", e))?,
        last_status: status,
        last_error: r.opt_text("last_error")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        finished_at: opt_ts("finished_at", r.opt_int("finished_at")?)?,
    })
}

fn attempt_from(r: &Row) -> StoreResult<WebhookAttempt> {
    Ok(WebhookAttempt {
        delivery_id: WebhookDeliveryId::from_string(r.text("delivery_id")?),
        attempt: u32::try_from(r.int("attempt")?).map_err(|e| corrupt("attempt", e))?,
        at: to_ts("at", r.int("at")?)?,
        status_code: r
            .opt_int("status_code")?
            .map(|s| u16::try_from(s).map_err(|e| corrupt("status_code", e)))
            .transpose()?,
        duration_ms: u64::try_from(r.int("duration_ms")?).map_err(|e| corrupt("duration_ms", e))?,
        error: r.opt_text("error")?,
    })
}

/// What the audit log keeps of an endpoint: everything but its secret.
fn audited(e: &WebhookEndpoint) -> Value {
    let events: Vec<&str> = e.events.iter().map(|x| x.as_str()).collect();
    json!({"id": e.id, "url": e.url, "events": events, "format": e.format.as_str()})
}

/// An event a change leaves for the webhooks, before [`emit`] decides who receives it.
pub(crate) struct Emitted {
    pub(crate) event: WebhookEvent,
    /// The objective it is about (found from `key_result_id` when not given): only a public
    /// one is ever sent.
    pub(crate) objective_id: Option<String>,
    pub(crate) key_result_id: Option<String>,
    /// People named by the event: `(field, person id)`, sent as `{id, name}`.
    pub(crate) people: Vec<(&'static str, String)>,
    /// The rest of the event's data.
    pub(crate) data: Map<String, Value>,
}

impl Emitted {
    pub(crate) fn new(event: WebhookEvent) -> Self {
        Self {
            event,
            objective_id: None,
            key_result_id: None,
            people: vec![],
            data: Map::new(),
        }
    }
}

/// Writes, in the change's transaction `tx`, one delivery (and its sending job) per event and
/// subscribed endpoint. Events about an objective that is not public, or gone, are dropped. One
/// query when no endpoint subscribes to these events; a constant few otherwise.
pub(crate) async fn emit(tx: &mut Tx, mut events: Vec<Emitted>) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut subscribers: HashMap<WebhookEvent, Vec<String>> = HashMap::new();
    for r in tx
        .fetch_all(
            "SELECT id, events FROM webhook_endpoints ORDER BY id",
            vec![],
        )
        .await?
    {
        let id = r.text("id")?;
        for e in parse_events("events", &r.text("events")?)? {
            subscribers.entry(e).or_default().push(id.clone());
        }
    }
    events.retain(|e| subscribers.contains_key(&e.event));
    if events.is_empty() {
        return Ok(());
    }
    let events = enrich(tx, events).await?;
    let at = now();
    let mut rows = vec![];
    for e in &events {
        for endpoint in &subscribers[&e.event] {
            rows.push(delivery_row(
                endpoint,
                e.event,
                Value::Object(e.data.clone()),
                &at,
            ));
        }
    }
    write_deliveries(tx, rows).await
}

/// Writes, in `tx`, one delivery of `event` (and its sending job) to the endpoint `endpoint`,
/// whatever it subscribes to (an automation rule names its endpoint). Nothing is written when the
/// event is about an objective that is not public, or gone, or when the endpoint is gone.
pub(crate) async fn emit_to(tx: &mut Tx, endpoint: &str, event: Emitted) -> StoreResult<()> {
    let found = tx
        .fetch_optional(
            "SELECT id FROM webhook_endpoints WHERE id = $1",
            args![endpoint],
        )
        .await?;
    if found.is_none() {
        return Ok(());
    }
    let at = now();
    let rows = enrich(tx, vec![event])
        .await?
        .into_iter()
        .map(|e| delivery_row(endpoint, e.event, Value::Object(e.data), &at))
        .collect();
    write_deliveries(tx, rows).await
}

/// A new delivery's row and its id.
fn delivery_row(endpoint: &str, event: WebhookEvent, data: Value, at: &Timestamp) -> Vec<Arg> {
    let id = WebhookDeliveryId::generate();
    let payload = json!({
        "id": id,
        "event": event.as_str(),
        "occurred_at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": data,
    });
    args![
        id.as_str(),
        endpoint,
        event.as_str(),
        payload.to_string(),
        DeliveryState::Pending.stored(),
        0i64,
        None::<i64>,
        None::<String>,
        ts(at),
        None::<i64>,
    ]
}

/// Inserts deliveries and queues a sending job for each.
async fn write_deliveries(tx: &mut Tx, rows: Vec<Vec<Arg>>) -> StoreResult<()> {
    let mut jobs = vec![];
    for r in &rows {
        let Arg::Text(Some(id)) = &r[0] else {
            continue;
        };
        jobs.push(id.clone());
    }
    insert_rows(
        tx,
        30_000,
        "webhook_deliveries",
        WEBHOOK_DELIVERY.columns,
        rows,
    )
    .await?;
    for id in jobs {
        let job = NewJob {
            kind: WEBHOOK_DELIVERY_JOB.into(),
            unique_key: None,
            payload: json!({ "delivery_id": id }),
            run_at: now(),
            max_attempts: WEBHOOK_ATTEMPTS,
        };
        crate::jobs::enqueue_in(tx, &job).await?;
    }
    Ok(())
}

/// Adds the key result, objective and people each event names (titles and names), and drops
/// those about an objective that is not public.
async fn enrich(tx: &mut Tx, mut events: Vec<Emitted>) -> StoreResult<Vec<Emitted>> {
    let krs: Vec<String> = events
        .iter()
        .filter_map(|e| e.key_result_id.clone())
        .collect();
    let mut kr_rows: HashMap<String, (String, String)> = HashMap::new();
    for r in fetch_in(tx, "SELECT id, title, objective_id FROM key_results", &krs).await? {
        kr_rows.insert(r.text("id")?, (r.text("title")?, r.text("objective_id")?));
    }
    events.retain_mut(|e| match &e.key_result_id {
        None => true,
        Some(k) => match kr_rows.get(k) {
            None => false,
            Some((title, objective)) => {
                merge(&mut e.data, "key_result", json!({"id": k, "title": title}));
                e.objective_id.get_or_insert(objective.clone());
                true
            }
        },
    });
    let objectives: Vec<String> = events
        .iter()
        .filter_map(|e| e.objective_id.clone())
        .collect();
    let mut public: HashMap<String, String> = HashMap::new();
    let sql = "SELECT id, title FROM objectives WHERE visibility = 'public' \
               AND deleted_at IS NULL AND id IN";
    for r in fetch_in_raw(tx, sql, &objectives).await? {
        public.insert(r.text("id")?, r.text("title")?);
    }
    events.retain_mut(|e| match &e.objective_id {
        None => true,
        Some(o) => match public.get(o) {
            None => false,
            Some(title) => {
                merge(&mut e.data, "objective", json!({"id": o, "title": title}));
                true
            }
        },
    });
    let people: Vec<String> = events
        .iter()
        .flat_map(|e| e.people.iter().map(|(_, p)| p.clone()))
        .collect();
    let mut names: HashMap<String, String> = HashMap::new();
    for r in fetch_in(tx, "SELECT id, name FROM people", &people).await? {
        names.insert(r.text("id")?, r.text("name")?);
    }
    for e in &mut events {
        for (field, id) in std::mem::take(&mut e.people) {
            let name = names.get(&id).cloned().unwrap_or_default();
            e.data.insert(field.into(), json!({"id": id, "name": name}));
        }
    }
    Ok(events)
}

/// Adds `fields`' members to the object `data[key]` (made when missing).
fn merge(data: &mut Map<String, Value>, key: &str, fields: Value) {
    let slot = data.entry(key).or_insert_with(|| json!({}));
    if let (Some(slot), Value::Object(fields)) = (slot.as_object_mut(), fields) {
        slot.extend(fields);
    }
}

/// `head WHERE id IN (ids)`, nothing read for no ids.
async fn fetch_in(tx: &mut Tx, head: &str, ids: &[String]) -> StoreResult<Vec<Row>> {
    fetch_in_raw(tx, &format!("{head} WHERE id IN"), ids).await
}

/// `head (ids)` (the head ends in `IN`), by chunks; nothing read for no ids.
async fn fetch_in_raw(tx: &mut Tx, head: &str, ids: &[String]) -> StoreResult<Vec<Row>> {
    let mut ids: Vec<&String> = ids.iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = vec![];
    for chunk in ids.chunks(500) {
        let sql = format!("{head} ({})", crate::db::placeholders(1, chunk.len()));
        let a = chunk.iter().map(|s| Arg::from(s.as_str())).collect();
        out.extend(tx.fetch_all(&sql, a).await?);
    }
    Ok(out)
}

/// Registered endpoints and their deliveries.
#[async_trait]
pub trait Webhooks: Send + Sync {
    /// Registers an endpoint (its secret already sealed), audited without the secret.
    async fn insert_webhook(&self, ctx: &WriteCtx, e: &WebhookEndpoint) -> StoreResult<()>;
    /// The endpoint with this id.
    async fn webhook(&self, id: &WebhookId) -> StoreResult<Option<WebhookEndpoint>>;
    /// The endpoints, oldest first.
    async fn list_webhooks(&self, page: &PageRequest) -> StoreResult<Page<WebhookEndpoint>>;
    /// Replaces `before` with `after` (url, events, format, sealed secret) if `before.version` is
    /// still stored: `StaleVersion` otherwise, `NotFound` when gone.
    async fn update_webhook(
        &self,
        ctx: &WriteCtx,
        before: &WebhookEndpoint,
        after: &WebhookEndpoint,
    ) -> StoreResult<WebhookEndpoint>;
    /// Removes an endpoint with its deliveries and their attempts (queued sends then find
    /// nothing to send). `NotFound` when unknown.
    async fn delete_webhook(&self, ctx: &WriteCtx, id: &WebhookId) -> StoreResult<()>;
    /// Queues a `webhook.test` delivery to one endpoint (the "send test event" button), whatever
    /// its subscriptions.
    async fn queue_webhook_test(
        &self,
        ctx: &WriteCtx,
        id: &WebhookId,
        data: Value,
    ) -> StoreResult<WebhookDeliveryId>;
    /// The delivery with this id.
    async fn webhook_delivery(
        &self,
        id: &WebhookDeliveryId,
    ) -> StoreResult<Option<WebhookDelivery>>;
    /// An endpoint's deliveries, newest first.
    async fn list_webhook_deliveries(
        &self,
        endpoint_id: &WebhookId,
        page: &PageRequest,
    ) -> StoreResult<Page<WebhookDelivery>>;
    /// The attempts of these deliveries, in attempt order.
    async fn webhook_attempts(
        &self,
        deliveries: &[WebhookDeliveryId],
    ) -> StoreResult<Vec<WebhookAttempt>>;
    /// Records an attempt and the delivery's state after it, in one transaction. `NotFound`
    /// when the delivery is gone (its endpoint was deleted).
    async fn record_webhook_attempt(
        &self,
        attempt: &WebhookAttempt,
        state: DeliveryState,
    ) -> StoreResult<()>;
}

/// The Webhooks area through the shared handle.
#[async_trait]
impl Webhooks for dyn Store {
    async fn insert_webhook(&self, ctx: &WriteCtx, e: &WebhookEndpoint) -> StoreResult<()> {
        self.as_webhooks().insert_webhook(ctx, e).await
    }
    async fn webhook(&self, id: &WebhookId) -> StoreResult<Option<WebhookEndpoint>> {
        self.as_webhooks().webhook(id).await
    }
    async fn list_webhooks(&self, page: &PageRequest) -> StoreResult<Page<WebhookEndpoint>> {
        self.as_webhooks().list_webhooks(page).await
    }
    async fn update_webhook(
        &self,
        ctx: &WriteCtx,
        before: &WebhookEndpoint,
        after: &WebhookEndpoint,
    ) -> StoreResult<WebhookEndpoint> {
        self.as_webhooks().update_webhook(ctx, before, after).await
    }
    async fn delete_webhook(&self, ctx: &WriteCtx, id: &WebhookId) -> StoreResult<()> {
        self.as_webhooks().delete_webhook(ctx, id).await
    }
    async fn queue_webhook_test(
        &self,
        ctx: &WriteCtx,
        id: &WebhookId,
        data: Value,
    ) -> StoreResult<WebhookDeliveryId> {
        self.as_webhooks().queue_webhook_test(ctx, id, data).await
    }
    async fn webhook_delivery(
        &self,
        id: &WebhookDeliveryId,
    ) -> StoreResult<Option<WebhookDelivery>> {
        self.as_webhooks().webhook_delivery(id).await
    }
    async fn list_webhook_deliveries(
        &self,
        endpoint_id: &WebhookId,
        page: &PageRequest,
    ) -> StoreResult<Page<WebhookDelivery>> {
        self.as_webhooks()
            .list_webhook_deliveries(endpoint_id, page)
            .await
    }
    async fn webhook_attempts(
        &self,
        deliveries: &[WebhookDeliveryId],
    ) -> StoreResult<Vec<WebhookAttempt>> {
        self.as_webhooks().webhook_attempts(deliveries).await
    }
    async fn record_webhook_attempt(
        &self,
        attempt: &WebhookAttempt,
        state: DeliveryState,
    ) -> StoreResult<()> {
        self.as_webhooks()
            .record_webhook_attempt(attempt, state)
            .await
    }
}

fn audit_rec<'a>(
    verb: &'static str,
    id: &'a str,
    before: Option<Value>,
    after: Option<Value>,
) -> AuditRec<'a> {
    AuditRec {
        kind: "webhook",
        verb,
        object_id: id,
        objective_id: None,
        key_result_id: None,
        before,
        after,
    }
}

#[async_trait]
impl Webhooks for SqlStore {
    async fn insert_webhook(&self, ctx: &WriteCtx, e: &WebhookEndpoint) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            "webhook_endpoints",
            WEBHOOK_ENDPOINT.columns,
            vec![endpoint_row(e)],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            audit_rec("create", e.id.as_str(), None, Some(audited(e))),
        )
        .await?;
        tx.commit().await
    }

    async fn webhook(&self, id: &WebhookId) -> StoreResult<Option<WebhookEndpoint>> {
        let sql = format!("SELECT {ENDPOINT_COLS} FROM webhook_endpoints WHERE id = $1");
        self.db
            .fetch_optional(&sql, args![id.as_str()])
            .await?
            .as_ref()
            .map(endpoint_from)
            .transpose()
    }

    async fn list_webhooks(&self, page: &PageRequest) -> StoreResult<Page<WebhookEndpoint>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        if let Some(after) = id_cursor(page)? {
            let a = w.arg(after);
            w.add(format!("id > {a}"));
        }
        let sql = format!(
            "SELECT {ENDPOINT_COLS} FROM webhook_endpoints {} ORDER BY id LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(endpoint_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |e| format!("i:{}", e.id)))
    }

    async fn update_webhook(
        &self,
        ctx: &WriteCtx,
        before: &WebhookEndpoint,
        after: &WebhookEndpoint,
    ) -> StoreResult<WebhookEndpoint> {
        let events: Vec<&str> = after.events.iter().map(|x| x.as_str()).collect();
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE webhook_endpoints SET url = $1, events = $2, format = $3, \
                 secret_sealed = $4, updated_at = $5, version = version + 1 \
                 WHERE id = $6 AND version = $7",
                args![
                    after.url.as_str(),
                    json(&events),
                    after.format.as_str(),
                    after.secret_sealed.as_str(),
                    ts(&now()),
                    before.id.as_str(),
                    before.version,
                ],
            )
            .await?;
        if n == 0 {
            return Err(
                stale_or_missing(&mut tx, "webhook_endpoints", before.id.as_str(), "").await,
            );
        }
        let sql = format!("SELECT {ENDPOINT_COLS} FROM webhook_endpoints WHERE id = $1");
        let stored = tx
            .fetch_optional(&sql, args![before.id.as_str()])
            .await?
            .as_ref()
            .map(endpoint_from)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        let mut after_audit = audited(&stored);
        if stored.secret_sealed != before.secret_sealed {
            after_audit["secret_changed"] = json!(true);
        }
        audit(
            &mut tx,
            ctx,
            audit_rec(
                "update",
                before.id.as_str(),
                Some(audited(before)),
                Some(after_audit),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn delete_webhook(&self, ctx: &WriteCtx, id: &WebhookId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let sql = format!("SELECT {ENDPOINT_COLS} FROM webhook_endpoints WHERE id = $1");
        let before = tx
            .fetch_optional(&sql, args![id.as_str()])
            .await?
            .as_ref()
            .map(endpoint_from)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        tx.execute(
            "DELETE FROM webhook_attempts WHERE delivery_id IN \
             (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1)",
            args![id.as_str()],
        )
        .await?;
        tx.execute(
            "DELETE FROM webhook_deliveries WHERE endpoint_id = $1",
            args![id.as_str()],
        )
        .await?;
        tx.execute(
            "DELETE FROM webhook_endpoints WHERE id = $1",
            args![id.as_str()],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            audit_rec("delete", id.as_str(), Some(audited(&before)), None),
        )
        .await?;
        tx.commit().await
    }

    async fn queue_webhook_test(
        &self,
        ctx: &WriteCtx,
        id: &WebhookId,
        data: Value,
    ) -> StoreResult<WebhookDeliveryId> {
        let mut tx = self.begin().await?;
        let found = tx
            .fetch_optional(
                "SELECT id FROM webhook_endpoints WHERE id = $1",
                args![id.as_str()],
            )
            .await?;
        if found.is_none() {
            return Err(StoreError::NotFound);
        }
        let row = delivery_row(id.as_str(), WebhookEvent::Test, data, &now());
        let Arg::Text(Some(delivery)) = &row[0] else {
            return Err(corrupt("id", "a delivery without an id"));
        };
        let delivery = WebhookDeliveryId::from_string(delivery.clone());
        write_deliveries(&mut tx, vec![row]).await?;
        audit(
            &mut tx,
            ctx,
            audit_rec(
                "test",
                id.as_str(),
                None,
                Some(json!({"delivery_id": delivery})),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(delivery)
    }

    async fn webhook_delivery(
        &self,
        id: &WebhookDeliveryId,
    ) -> StoreResult<Option<WebhookDelivery>> {
        let sql = format!("SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE id = $1");
        self.db
            .fetch_optional(&sql, args![id.as_str()])
            .await?
            .as_ref()
            .map(delivery_from)
            .transpose()
    }

    async fn list_webhook_deliveries(
        &self,
        endpoint_id: &WebhookId,
        page: &PageRequest,
    ) -> StoreResult<Page<WebhookDelivery>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        let e = w.arg(endpoint_id.as_str());
        w.add(format!("endpoint_id = {e}"));
        if let Some((at, id)) = time_cursor(page)? {
            let a = w.arg(at);
            let i = w.arg(id);
            w.add(format!(
                "(created_at < {a} OR (created_at = {a} AND id < {i}))"
            ));
        }
        let sql = format!(
            "SELECT {DELIVERY_COLS} FROM webhook_deliveries {} \
             ORDER BY created_at DESC, id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(delivery_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |d| {
            format!("t:{}:{}", ts(&d.created_at), d.id)
        }))
    }

    async fn webhook_attempts(
        &self,
        deliveries: &[WebhookDeliveryId],
    ) -> StoreResult<Vec<WebhookAttempt>> {
        let mut out = vec![];
        for chunk in deliveries.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let sql = format!(
                "SELECT {ATTEMPT_COLS} FROM webhook_attempts WHERE delivery_id IN ({}) \
                 ORDER BY delivery_id, attempt",
                crate::db::placeholders(1, chunk.len())
            );
            let a = chunk.iter().map(|d| Arg::from(d.as_str())).collect();
            for r in self.db.fetch_all(&sql, a).await? {
                out.push(attempt_from(&r)?);
            }
        }
        Ok(out)
    }

    async fn record_webhook_attempt(
        &self,
        a: &WebhookAttempt,
        state: DeliveryState,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let finished = (state != DeliveryState::Pending).then(|| ts(&a.at));
        let n = tx
            .execute(
                "UPDATE webhook_deliveries SET state = $1, attempts = $2, last_status = $3, \
                 last_error = $4, finished_at = $5 WHERE id = $6",
                args![
                    state.stored(),
                    i64::from(a.attempt),
                    a.status_code.map(i64::from),
                    a.error.clone(),
                    finished,
                    a.delivery_id.as_str(),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let row = args![
            WebhookDeliveryId::generate().as_str(),
            a.delivery_id.as_str(),
            i64::from(a.attempt),
            ts(&a.at),
            a.status_code.map(i64::from),
            i64::try_from(a.duration_ms).unwrap_or(i64::MAX),
            a.error.clone(),
        ];
        insert_rows(
            &mut tx,
            usize::MAX,
            "webhook_attempts",
            WEBHOOK_ATTEMPT.columns,
            vec![row],
        )
        .await?;
        tx.commit().await
    }
}

/// The events of the changes that webhooks can subscribe to, as each write leaves them.
pub(crate) mod events {
    use super::Emitted;
    use crate::*;
    use keel_domain::webhook::WebhookEvent;
    use serde_json::json;

    /// A check-in recorded on `kr` (as stored after it).
    pub(crate) fn check_in_recorded(c: &CheckIn, kr: &KeyResult) -> Emitted {
        let mut e = Emitted::new(WebhookEvent::CheckInRecorded);
        e.key_result_id = Some(c.key_result_id.to_string());
        if let Some(a) = &c.author_id {
            e.people.push(("author", a.to_string()));
        }
        e.data.insert(
            "check_in".into(),
            json!({
                "id": c.id,
                "value": c.value,
                "confidence": c.confidence.value(),
                "note": c.note,
                "at": c.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }),
        );
        e.data.insert(
            "key_result".into(),
            json!({"start": kr.start, "target": kr.target, "unit": kr.unit}),
        );
        e
    }

    /// A key result's status moved from `before` to `now` (stored spellings).
    pub(crate) fn status_changed(kr: &KeyResultId, before: &str, now: &str) -> Emitted {
        let mut e = Emitted::new(WebhookEvent::KeyResultStatusChanged);
        e.key_result_id = Some(kr.to_string());
        e.data.insert("previous_status".into(), json!(before));
        e.data.insert("status".into(), json!(now));
        e
    }

    /// The OKR a request is about, on the event.
    fn on_okr(e: &mut Emitted, okr: &OkrRef, objective_id: &str) {
        e.objective_id = Some(objective_id.to_string());
        if let OkrRef::KeyResult(k) = okr {
            e.key_result_id = Some(k.to_string());
        }
    }

    /// Someone was asked to own an OKR (only a pending request asks).
    pub(crate) fn ownership_requested(r: &OwnershipRequest, objective_id: &str) -> Vec<Emitted> {
        if r.state != RequestState::Pending {
            return vec![];
        }
        let mut e = Emitted::new(WebhookEvent::OwnershipRequested);
        on_okr(&mut e, &r.okr, objective_id);
        e.people
            .push(("proposed_owner", r.proposed_owner_id.to_string()));
        if let Some(by) = &r.proposed_by {
            e.people.push(("proposed_by", by.to_string()));
        }
        e.data.insert("request_id".into(), json!(r.id));
        vec![e]
    }

    /// A proposed owner answered `stored` with `answer`.
    pub(crate) fn ownership_answered(
        stored: &OwnershipRequest,
        answer: &OwnershipRequest,
        objective_id: &str,
    ) -> Emitted {
        let mut e = Emitted::new(WebhookEvent::OwnershipAnswered);
        on_okr(&mut e, &stored.okr, objective_id);
        e.people
            .push(("proposed_owner", stored.proposed_owner_id.to_string()));
        e.data.insert("request_id".into(), json!(stored.id));
        let accepted = answer.state == RequestState::Accepted;
        e.data.insert(
            "answer".into(),
            json!(if accepted { "accepted" } else { "declined" }),
        );
        if !accepted {
            e.data
                .insert("decline_reason".into(), json!(answer.decline_reason));
        }
        e
    }

    /// A cycle was closed.
    pub(crate) fn cycle_closed(c: &Cycle) -> Emitted {
        let mut e = Emitted::new(WebhookEvent::CycleClosed);
        e.data.insert(
            "cycle".into(),
            json!({
                "id": c.id,
                "name": c.name,
                "starts_on": c.starts_on,
                "ends_on": c.ends_on,
            }),
        );
        e
    }
}
