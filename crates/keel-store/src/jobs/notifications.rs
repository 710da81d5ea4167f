//! Notifications: what a person is told, and the evaluator's memory of each key result.
//!
//! Why written inside the changes' own transactions: a notification is recorded by [`notify`]
//! in the same transaction as the change that caused it (beside its audit event), so a change
//! that rolls back leaves no notification, and none is lost between the change and a queue.
//! Changes that come from time passing (a check-in falling due, a key result turning stale) have
//! no write to ride on: the periodic evaluator keeps each key result's last known status here
//! ([`KeyResultSignal`]) and records a transition with its notifications in one transaction.
//!
//! Reading filters by the reader's audience in the query, so a notification whose objective the
//! reader may no longer see is neither listed nor counted, and pages are never short.
//!
//! Each notification's `delivery` (the bell and email, the bell, or the digest only) is decided
//! when it is written, from its person's choice for its topic, by the domain's rule
//! (`preferences::notification_delivery`): the bell reads only what belongs on it, the email
//! job only what is to be emailed, the digest only what waits for it.

use crate::db::{args, Arg, Row, Tx};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use keel_domain::notification::Notification;
use keel_domain::preferences::{notification_delivery, resolve, Delivery, Topic};
use std::collections::HashMap;

/// The `notifications` table.
pub(crate) const NOTIFICATION: Table = Table {
    name: "notifications",
    columns: &[
        "id",
        "recipient_id",
        "kind",
        "actor_id",
        "objective_id",
        "key_result_id",
        "subject_id",
        "detail",
        "created_at",
        "read_at",
        "delivery",
    ],
    not_selected: &["delivery"],
    later: &["emailed_at"],
};

/// The `key_result_signals` table.
pub(crate) const KEY_RESULT_SIGNAL: Table = Table {
    name: "key_result_signals",
    columns: &["key_result_id", "status", "due", "evaluated_at"],
    not_selected: &[],
    later: &[],
};

const NOTIFICATION_COLS: Select = Select(&NOTIFICATION);

/// The `key_result_status_changes` table: each status change the evaluator recorded.
pub(crate) const KEY_RESULT_STATUS_CHANGE: Table = Table {
    name: "key_result_status_changes",
    columns: &[
        "key_result_id",
        "changed_at",
        "status_before",
        "status_after",
    ],
    not_selected: &[],
    later: &[],
};

/// The `objective_signals` table: each objective's status and progress as the evaluator last
/// computed them (the objectives list's status and progress orders read them).
pub(crate) const OBJECTIVE_SIGNAL: Table = Table {
    name: "objective_signals",
    columns: &[
        "objective_id",
        "status",
        "status_rank",
        "progress_milli",
        "evaluated_at",
        "cycle_id",
    ],
    not_selected: &[],
    later: &[],
};

/// An objective as the periodic evaluator last saw it: what the objectives list sorts by.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveSignal {
    pub objective_id: ObjectiveId,
    pub status: rhythm::Status,
    /// Where the status sorts, the worst first (the server's rule, stored with it).
    pub status_rank: i64,
    /// Its progress in thousandths (0–1000).
    pub progress_milli: i64,
    pub evaluated_at: Timestamp,
    /// The cycle the objective was in when evaluated: the list orders a cycle's objectives by
    /// the signals of that cycle, and one moved to another cycle since sorts as not seen.
    pub cycle_id: CycleId,
}

fn objective_signal_from(r: &Row) -> StoreResult<ObjectiveSignal> {
    Ok(ObjectiveSignal {
        objective_id: ObjectiveId::from_string(r.text("objective_id")?),
        status: Stored::from_stored("status", &r.text("status")?)?,
        status_rank: r.int("status_rank")?,
        progress_milli: r.int("progress_milli")?,
        evaluated_at: to_ts("evaluated_at", r.int("evaluated_at")?)?,
        cycle_id: CycleId::from_string(r.text("cycle_id")?),
    })
}

/// A key result as the periodic evaluator last saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyResultSignal {
    pub key_result_id: KeyResultId,
    pub status: rhythm::Status,
    /// Whether its check-in was due.
    pub due: bool,
    pub evaluated_at: Timestamp,
}

fn notification_row(n: &Notification, delivery: Delivery) -> Vec<Arg> {
    args![
        n.id.as_str(),
        n.recipient_id.as_str(),
        n.kind.stored(),
        n.actor_id.as_ref().map(|x| x.as_str()),
        n.objective_id.as_ref().map(|x| x.as_str()),
        n.key_result_id.as_ref().map(|x| x.as_str()),
        n.subject_id.as_str(),
        n.detail.clone(),
        ts(&n.created_at),
        n.read_at.as_ref().map(ts),
        delivery.as_str(),
    ]
}

fn notification_from(r: &Row) -> StoreResult<Notification> {
    Ok(Notification {
        id: NotificationId::from_string(r.text("id")?),
        recipient_id: PersonId::from_string(r.text("recipient_id")?),
        kind: Stored::from_stored("kind", &r.text("kind")?)?,
        actor_id: r.opt_text("actor_id")?.map(PersonId::from_string),
        objective_id: r.opt_text("objective_id")?.map(ObjectiveId::from_string),
        key_result_id: r.opt_text("key_result_id")?.map(KeyResultId::from_string),
        subject_id: r.text("subject_id")?,
        detail: r.opt_text("detail")?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        read_at: opt_ts("read_at", r.opt_int("read_at")?)?,
    })
}

fn signal_from(r: &Row) -> StoreResult<KeyResultSignal> {
    Ok(KeyResultSignal {
        key_result_id: KeyResultId::from_string(r.text("key_result_id")?),
        status: Stored::from_stored("status", &r.text("status")?)?,
        due: r.int("due")? != 0,
        evaluated_at: to_ts("evaluated_at", r.int("evaluated_at")?)?,
    })
}

/// Records notifications in the open transaction of the change that caused them, each with its
/// delivery decided from its person's choice now. Nobody is told about their own doing: a
/// notification to the writer (`ctx.actor_id`) is left out.
pub(crate) async fn notify(
    tx: &mut Tx,
    ctx: &WriteCtx,
    notifications: Vec<Notification>,
) -> StoreResult<()> {
    let told: Vec<&Notification> = notifications
        .iter()
        .filter(|n| ctx.actor_id.as_ref() != Some(&n.recipient_id))
        .collect();
    if told.is_empty() {
        return Ok(());
    }
    let chosen = Chosen::read(tx, &told).await?;
    let rows = told
        .iter()
        .map(|n| {
            let d = notification_delivery(n.kind, |t| chosen.of(&n.recipient_id, t));
            notification_row(n, d)
        })
        .collect::<Vec<_>>();
    insert_rows(tx, 30_000, "notifications", NOTIFICATION.columns, rows).await
}

/// The stored choices of some people and the organisation's defaults.
struct Chosen(HashMap<(Option<String>, Topic), Delivery>);

impl Chosen {
    /// The choices of the notifications' people (and the defaults), read in the transaction.
    async fn read(tx: &mut Tx, told: &[&Notification]) -> StoreResult<Chosen> {
        let mut people: Vec<&str> = told.iter().map(|n| n.recipient_id.as_str()).collect();
        people.sort_unstable();
        people.dedup();
        let mut map = HashMap::new();
        for chunk in people.chunks(500) {
            let sql = format!(
                "SELECT person_id, topic, delivery FROM notification_preferences \
                 WHERE person_id IS NULL OR person_id IN ({})",
                crate::db::placeholders(1, chunk.len())
            );
            let rows = tx
                .fetch_all(&sql, chunk.iter().map(|p| Arg::from(*p)).collect())
                .await?;
            for r in rows {
                let topic = Topic::parse(&r.text("topic")?);
                let delivery = Delivery::parse(&r.text("delivery")?);
                if let (Some(t), Some(d)) = (topic, delivery) {
                    map.insert((r.opt_text("person_id")?, t), d);
                }
            }
        }
        Ok(Chosen(map))
    }

    /// How `topic` reaches `person` (the domain's rule: theirs, else the default's).
    fn of(&self, person: &PersonId, topic: Topic) -> Delivery {
        resolve(
            topic,
            self.0.get(&(Some(person.to_string()), topic)).copied(),
            self.0.get(&(None, topic)).copied(),
        )
    }
}

/// The deliveries shown on the bell, as an SQL list (`'email', 'in_app'`).
fn on_bell() -> String {
    Delivery::ALL
        .into_iter()
        .filter(|d| d.on_bell())
        .map(|d| format!("'{}'", d.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The notifications of `person_id` on their bell that this reader may see (`objective_id` empty
/// or visible).
fn mine(w: &mut Where, person_id: &PersonId, reader: &Reader) {
    let p = w.arg(person_id.as_str());
    w.add(format!("recipient_id = {p}"));
    w.add(format!("delivery IN ({})", on_bell()));
    seen_by(w, reader);
}

/// Only notifications whose objective (if any) `reader` may see, checked row by row: a person's
/// notifications are few beside the organisation's objectives, and the bell's count runs on every
/// page (the `IN (…)` form judged every objective first: 25 ms a page at 100,000 people).
fn seen_by(w: &mut Where, reader: &Reader) {
    if let Reader::Audience(a) = reader {
        let v = visible_objective_each(w, a, "notifications.objective_id");
        w.add(format!("(objective_id IS NULL OR {v})"));
    }
}

/// A person's notifications, and the evaluator's memory.
#[async_trait]
pub trait Notifications: Send + Sync {
    /// `person_id`'s notifications that `reader` may see, newest first.
    async fn list_notifications(
        &self,
        person_id: &PersonId,
        reader: &Reader,
        page: &PageRequest,
    ) -> StoreResult<Page<Notification>>;
    /// How many of those are unread.
    async fn unread_notification_count(
        &self,
        person_id: &PersonId,
        reader: &Reader,
    ) -> StoreResult<u64>;
    /// Marks one of `person_id`'s notifications read (once: a second time keeps the first
    /// time). `NotFound` when it is not theirs, or not visible to `reader`.
    async fn mark_notification_read(
        &self,
        person_id: &PersonId,
        reader: &Reader,
        id: &NotificationId,
        at: Timestamp,
    ) -> StoreResult<Notification>;
    /// Marks every unread notification of `person_id` that `reader` may see read; how many.
    async fn mark_all_notifications_read(
        &self,
        person_id: &PersonId,
        reader: &Reader,
        at: Timestamp,
    ) -> StoreResult<u64>;
    /// Notifications to be emailed (delivered `email`, not yet handled), oldest first, at most
    /// `limit`; whoever may see them (the caller checks each reader's sight again).
    async fn notifications_to_email(&self, limit: u32) -> StoreResult<Vec<Notification>>;
    /// Records these notifications as emailed (or never to be); how many were not yet.
    async fn mark_notifications_emailed(
        &self,
        ids: &[NotificationId],
        at: Timestamp,
    ) -> StoreResult<u64>;
    /// `person_id`'s notifications kept for the weekly digest (delivered `digest_only`) made
    /// since `since`, that `reader` may see, oldest first.
    async fn digest_notifications(
        &self,
        person_id: &PersonId,
        reader: &Reader,
        since: Timestamp,
    ) -> StoreResult<Vec<Notification>>;
    /// The people with news kept for the digest (`digest_only`) made since `since`, each once:
    /// a digest round reads the news of these people only (`digest_notifications`, with each
    /// reader's eyes), instead of asking for everybody's.
    async fn digest_news_recipients(&self, since: Timestamp) -> StoreResult<Vec<PersonId>>;
    /// Deletes notifications read before `before`, and those never shown on the bell (kept for
    /// the digest) made before it; unread ones on the bell are kept. How many.
    async fn delete_old_notifications(&self, before: Timestamp) -> StoreResult<u64>;
    /// Every key result's last known status, as the evaluator recorded it.
    async fn key_result_signals(&self) -> StoreResult<Vec<KeyResultSignal>>;
    /// The last known status of the key results of `ids` (those the evaluator has seen): a
    /// batch's, so the round never holds every key result's. One query per 500.
    async fn key_result_signals_of(&self, ids: &[KeyResultId])
        -> StoreResult<Vec<KeyResultSignal>>;
    /// Records key results' statuses as the evaluator sees them now and the notifications of
    /// their transitions, in one transaction.
    async fn record_key_result_signals(
        &self,
        signals: &[KeyResultSignal],
        notifications: Vec<Notification>,
    ) -> StoreResult<()>;
    /// The stored signals of the objectives of `ids` (those the evaluator has seen).
    async fn objective_signals(&self, ids: &[ObjectiveId]) -> StoreResult<Vec<ObjectiveSignal>>;
    /// Records objectives' statuses and progress as the evaluator computed them, replacing what
    /// was stored, in one transaction.
    async fn record_objective_signals(&self, signals: &[ObjectiveSignal]) -> StoreResult<()>;
}

/// The Notifications area through the shared handle: a caller holding a `DynStore` calls it
/// with `Notifications` in scope.
#[async_trait]
impl Notifications for dyn Store {
    async fn list_notifications(
        &self,
        person_id: &PersonId,
        reader: &Reader,
        page: &PageRequest,
    ) -> StoreResult<Page<Notification>> {
        self.as_notifications()
            .list_notifications(person_id, reader, page)
            .await
    }
    async fn unread_notification_count(
        &self,
        person_id: &PersonId,
        reader: &Reader,
    ) -> StoreResult<u64> {
        self.as_notifications()
            .unread_notification_count(person_id, reader)
            .await
    }
    async fn mark_notification_read(
        &self,
        person_id: &PersonId,
        reader: &Reader,
        id: &NotificationId,
        at: Timestamp,
    ) -> StoreResult<Notification> {
        self.as_notifications()
            .mark_notification_read(person_id, reader, id, at)
            .await
    }
    async fn mark_all_notifications_read(
        &self,
        person_id: &PersonId,
        reader: &Reader,
        at: Timestamp,
    ) -> StoreResult<u64> {
        self.as_notifications()
            .mark_all_notifications_read(person_id, reader, at)
            .await
    }
    async fn notifications_to_email(&self, limit: u32) -> StoreResult<Vec<Notification>> {
        self.as_notifications().notifications_to_email(limit).await
    }
    async fn mark_notifications_emailed(
        &self,
        ids: &[NotificationId],
        at: Timestamp,
    ) -> StoreResult<u64> {
        self.as_notifications()
            .mark_notifications_emailed(ids, at)
            .await
    }
    async fn digest_notifications(
        &self,
        person_id: &PersonId,
        reader: &Reader,
        since: Timestamp,
    ) -> StoreResult<Vec<Notification>> {
        self.as_notifications()
            .digest_notifications(person_id, reader, since)
            .await
    }
    async fn digest_news_recipients(&self, since: Timestamp) -> StoreResult<Vec<PersonId>> {
        self.as_notifications().digest_news_recipients(since).await
    }
    async fn delete_old_notifications(&self, before: Timestamp) -> StoreResult<u64> {
        self.as_notifications()
            .delete_old_notifications(before)
            .await
    }
    async fn key_result_signals(&self) -> StoreResult<Vec<KeyResultSignal>> {
        self.as_notifications().key_result_signals().await
    }
    async fn key_result_signals_of(
        &self,
        ids: &[KeyResultId],
    ) -> StoreResult<Vec<KeyResultSignal>> {
        self.as_notifications().key_result_signals_of(ids).await
    }
    async fn record_key_result_signals(
        &self,
        signals: &[KeyResultSignal],
        notifications: Vec<Notification>,
    ) -> StoreResult<()> {
        self.as_notifications()
            .record_key_result_signals(signals, notifications)
            .await
    }
    async fn objective_signals(&self, ids: &[ObjectiveId]) -> StoreResult<Vec<ObjectiveSignal>> {
        self.as_notifications().objective_signals(ids).await
    }
    async fn record_objective_signals(&self, signals: &[ObjectiveSignal]) -> StoreResult<()> {
        self.as_notifications()
            .record_objective_signals(signals)
            .await
    }
}

#[async_trait]
impl Notifications for SqlStore {
    async fn list_notifications(
        &self,
        person_id: &PersonId,
        reader: &Reader,
        page: &PageRequest,
    ) -> StoreResult<Page<Notification>> {
        let limit = clamp(page.limit);
        let mut w = Where::default();
        mine(&mut w, person_id, reader);
        if let Some((at, id)) = time_cursor(page)? {
            let a = w.arg(at);
            let i = w.arg(id);
            w.add(format!(
                "(created_at < {a} OR (created_at = {a} AND id < {i}))"
            ));
        }
        let sql = format!(
            "SELECT {NOTIFICATION_COLS} FROM notifications {} \
             ORDER BY created_at DESC, id DESC LIMIT {}",
            w.sql(),
            limit + 1
        );
        let items = self
            .db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(notification_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(paginate(items, limit, |n| {
            format!("t:{}:{}", ts(&n.created_at), n.id)
        }))
    }

    async fn unread_notification_count(
        &self,
        person_id: &PersonId,
        reader: &Reader,
    ) -> StoreResult<u64> {
        let mut w = Where::default();
        mine(&mut w, person_id, reader);
        w.add("read_at IS NULL".into());
        let sql = format!("SELECT COUNT(*) AS n FROM notifications {}", w.sql());
        let n = match self.db.fetch_optional(&sql, w.args).await? {
            Some(r) => r.int("n")?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn mark_notification_read(
        &self,
        person_id: &PersonId,
        reader: &Reader,
        id: &NotificationId,
        at: Timestamp,
    ) -> StoreResult<Notification> {
        let mut w = Where::default();
        let p = w.arg(ts(&at));
        let i = w.arg(id.as_str());
        w.add(format!("id = {i}"));
        mine(&mut w, person_id, reader);
        let sql = format!(
            "UPDATE notifications SET read_at = COALESCE(read_at, {p}) {} \
             RETURNING {NOTIFICATION_COLS}",
            w.sql()
        );
        let mut tx = self.begin().await?;
        let row = tx.fetch_optional(&sql, w.args).await?;
        let n = row
            .as_ref()
            .map(notification_from)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(n)
    }

    async fn mark_all_notifications_read(
        &self,
        person_id: &PersonId,
        reader: &Reader,
        at: Timestamp,
    ) -> StoreResult<u64> {
        let mut w = Where::default();
        let p = w.arg(ts(&at));
        mine(&mut w, person_id, reader);
        w.add("read_at IS NULL".into());
        let sql = format!("UPDATE notifications SET read_at = {p} {}", w.sql());
        self.db.execute(&sql, w.args).await
    }

    async fn notifications_to_email(&self, limit: u32) -> StoreResult<Vec<Notification>> {
        let sql = format!(
            "SELECT {NOTIFICATION_COLS} FROM notifications \
             WHERE delivery = $1 AND emailed_at IS NULL ORDER BY created_at, id LIMIT {}",
            limit.clamp(1, 10_000)
        );
        self.db
            .fetch_all(&sql, args![Delivery::Email.as_str()])
            .await?
            .iter()
            .map(notification_from)
            .collect()
    }

    async fn mark_notifications_emailed(
        &self,
        ids: &[NotificationId],
        at: Timestamp,
    ) -> StoreResult<u64> {
        let mut n = 0;
        for chunk in ids.chunks(500) {
            let mut a = args![ts(&at)];
            a.extend(chunk.iter().map(|i| Arg::from(i.as_str())));
            let sql = format!(
                "UPDATE notifications SET emailed_at = $1 WHERE emailed_at IS NULL AND id IN ({})",
                crate::db::placeholders(2, chunk.len())
            );
            n += self.db.execute(&sql, a).await?;
        }
        Ok(n)
    }

    async fn digest_notifications(
        &self,
        person_id: &PersonId,
        reader: &Reader,
        since: Timestamp,
    ) -> StoreResult<Vec<Notification>> {
        let mut w = Where::default();
        let p = w.arg(person_id.as_str());
        w.add(format!("recipient_id = {p}"));
        seen_by(&mut w, reader);
        let d = w.arg(Delivery::DigestOnly.as_str());
        w.add(format!("delivery = {d}"));
        let s = w.arg(ts(&since));
        w.add(format!("created_at >= {s}"));
        let sql = format!(
            "SELECT {NOTIFICATION_COLS} FROM notifications {} ORDER BY created_at, id",
            w.sql()
        );
        self.db
            .fetch_all(&sql, w.args)
            .await?
            .iter()
            .map(notification_from)
            .collect()
    }

    async fn digest_news_recipients(&self, since: Timestamp) -> StoreResult<Vec<PersonId>> {
        let sql = "SELECT DISTINCT recipient_id FROM notifications \
                   WHERE delivery = $1 AND created_at >= $2";
        self.db
            .fetch_all(sql, args![Delivery::DigestOnly.as_str(), ts(&since)])
            .await?
            .iter()
            .map(|r| Ok(PersonId::from_string(r.text("recipient_id")?)))
            .collect()
    }

    async fn delete_old_notifications(&self, before: Timestamp) -> StoreResult<u64> {
        let sql = format!(
            "DELETE FROM notifications WHERE (read_at IS NOT NULL AND read_at < $1) \
             OR (delivery NOT IN ({}) AND created_at < $1)",
            on_bell()
        );
        self.db.execute(&sql, args![ts(&before)]).await
    }

    async fn key_result_signals(&self) -> StoreResult<Vec<KeyResultSignal>> {
        let sql = format!(
            "SELECT {} FROM key_result_signals ORDER BY key_result_id",
            Select(&KEY_RESULT_SIGNAL)
        );
        self.db
            .fetch_all(&sql, vec![])
            .await?
            .iter()
            .map(signal_from)
            .collect()
    }

    async fn key_result_signals_of(
        &self,
        ids: &[KeyResultId],
    ) -> StoreResult<Vec<KeyResultSignal>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT {} FROM key_result_signals WHERE key_result_id IN ({})",
                Select(&KEY_RESULT_SIGNAL),
                crate::db::placeholders(1, chunk.len())
            );
            let args = chunk.iter().map(|i| Arg::from(i.as_str())).collect();
            for r in self.db.fetch_all(&sql, args).await? {
                out.push(signal_from(&r)?);
            }
        }
        Ok(out)
    }

    async fn record_key_result_signals(
        &self,
        signals: &[KeyResultSignal],
        notifications: Vec<Notification>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let (hooks, changes) = status_changes(&mut tx, signals).await?;
        // A round's signals go many rows a statement: the first round after a load writes one
        // for every key result (390,000 at 100,000 people), and two statements per signal were
        // 13 minutes of round trips on PostgreSQL.
        let max = self.db.max_params();
        upsert_rows(
            &mut tx,
            max,
            KEY_RESULT_STATUS_CHANGE.name,
            KEY_RESULT_STATUS_CHANGE.columns,
            "ON CONFLICT (key_result_id, changed_at) DO NOTHING",
            changes
                .iter()
                .map(|(s, before)| {
                    args![
                        s.key_result_id.as_str(),
                        ts(&s.evaluated_at),
                        before.as_str(),
                        s.status.stored()
                    ]
                })
                .collect::<Vec<_>>(),
        )
        .await?;
        upsert_rows(
            &mut tx,
            max,
            KEY_RESULT_SIGNAL.name,
            KEY_RESULT_SIGNAL.columns,
            "ON CONFLICT (key_result_id) DO UPDATE SET status = excluded.status, \
             due = excluded.due, evaluated_at = excluded.evaluated_at",
            last_per_key(signals, |s| s.key_result_id.as_str())
                .map(|s| {
                    args![
                        s.key_result_id.as_str(),
                        s.status.stored(),
                        s.due,
                        ts(&s.evaluated_at)
                    ]
                })
                .collect::<Vec<_>>(),
        )
        .await?;
        notify(&mut tx, &WriteCtx::system(Source::Job), notifications).await?;
        crate::webhooks::emit(&mut tx, hooks).await?;
        tx.commit().await
    }

    async fn objective_signals(&self, ids: &[ObjectiveId]) -> StoreResult<Vec<ObjectiveSignal>> {
        let select = format!(
            "SELECT {} FROM objective_signals WHERE objective_id",
            Select(&OBJECTIVE_SIGNAL)
        );
        let mut ex = self.ex();
        fetch_in(&mut ex, &select, "", &id_strings(ids))
            .await?
            .iter()
            .map(objective_signal_from)
            .collect()
    }

    async fn record_objective_signals(&self, signals: &[ObjectiveSignal]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        upsert_rows(
            &mut tx,
            self.db.max_params(),
            OBJECTIVE_SIGNAL.name,
            OBJECTIVE_SIGNAL.columns,
            "ON CONFLICT (objective_id) DO UPDATE SET \
             status = excluded.status, status_rank = excluded.status_rank, \
             progress_milli = excluded.progress_milli, evaluated_at = excluded.evaluated_at, \
             cycle_id = excluded.cycle_id",
            last_per_key(signals, |s| s.objective_id.as_str())
                .map(|s| {
                    args![
                        s.objective_id.as_str(),
                        s.status.stored(),
                        s.status_rank,
                        s.progress_milli,
                        ts(&s.evaluated_at),
                        s.cycle_id.as_str()
                    ]
                })
                .collect::<Vec<_>>(),
        )
        .await?;
        tx.commit().await
    }
}

/// A signal whose status differs from the one recorded, with that one.
type Changed<'a> = (&'a KeyResultSignal, String);

/// The key results whose recorded status changes with `signals` (a first sighting is no
/// change): their webhook events, and each changed signal with the status it replaces.
async fn status_changes<'a>(
    tx: &mut Tx,
    signals: &'a [KeyResultSignal],
) -> StoreResult<(Vec<crate::webhooks::Emitted>, Vec<Changed<'a>>)> {
    let mut before: HashMap<String, String> = HashMap::new();
    for chunk in signals.chunks(500) {
        let sql = format!(
            "SELECT key_result_id, status FROM key_result_signals WHERE key_result_id IN ({})",
            crate::db::placeholders(1, chunk.len())
        );
        let a = chunk
            .iter()
            .map(|s| Arg::from(s.key_result_id.as_str()))
            .collect();
        for r in tx.fetch_all(&sql, a).await? {
            before.insert(r.text("key_result_id")?, r.text("status")?);
        }
    }
    let changes: Vec<Changed> = signals
        .iter()
        .filter_map(|s| {
            let was = before.get(s.key_result_id.as_str())?;
            (was != s.status.stored()).then(|| (s, was.clone()))
        })
        .collect();
    let hooks = changes
        .iter()
        .map(|(s, was)| {
            crate::webhooks::events::status_changed(&s.key_result_id, was, s.status.stored())
        })
        .collect();
    Ok((hooks, changes))
}

/// Each key's last item, in the order given: one statement may not upsert a row twice
/// (PostgreSQL refuses it), and the last signal is the one the row-by-row writes kept.
fn last_per_key<T>(items: &[T], key: impl Fn(&T) -> &str) -> impl Iterator<Item = &T> {
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        last.insert(key(item), i);
    }
    items
        .iter()
        .enumerate()
        .filter(move |(i, item)| last.get(key(item)) == Some(i))
        .map(|(_, item)| item)
}
