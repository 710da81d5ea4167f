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

use crate::db::{args, Arg, Row, Tx};
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use keel_domain::notification::Notification;

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
    ],
    not_selected: &[],
    later: &[],
};

/// The `key_result_signals` table.
pub(crate) const KEY_RESULT_SIGNAL: Table = Table {
    name: "key_result_signals",
    columns: &["key_result_id", "status", "due", "evaluated_at"],
    not_selected: &[],
    later: &[],
};

const NOTIFICATION_COLS: Select = Select(&NOTIFICATION);

/// A key result as the periodic evaluator last saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyResultSignal {
    pub key_result_id: KeyResultId,
    pub status: rhythm::Status,
    /// Whether its check-in was due.
    pub due: bool,
    pub evaluated_at: Timestamp,
}

fn notification_row(n: &Notification) -> Vec<Arg> {
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

/// Records notifications in the open transaction of the change that caused them. Nobody is
/// told about their own doing: a notification to the writer (`ctx.actor_id`) is left out.
pub(crate) async fn notify(
    tx: &mut Tx,
    ctx: &WriteCtx,
    notifications: Vec<Notification>,
) -> StoreResult<()> {
    let rows = notifications
        .iter()
        .filter(|n| ctx.actor_id.as_ref() != Some(&n.recipient_id))
        .map(notification_row)
        .collect();
    insert_rows(tx, 30_000, "notifications", NOTIFICATION.columns, rows).await
}

/// The notifications of `person_id` this reader may see (`objective_id` empty or visible).
fn mine(w: &mut Where, person_id: &PersonId, reader: &Reader) {
    let p = w.arg(person_id.as_str());
    w.add(format!("recipient_id = {p}"));
    if let Reader::Audience(a) = reader {
        let v = visible_objective(w, a, "objective_id");
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
    /// Every key result's last known status, as the evaluator recorded it.
    async fn key_result_signals(&self) -> StoreResult<Vec<KeyResultSignal>>;
    /// Records key results' statuses as the evaluator sees them now and the notifications of
    /// their transitions, in one transaction.
    async fn record_key_result_signals(
        &self,
        signals: &[KeyResultSignal],
        notifications: Vec<Notification>,
    ) -> StoreResult<()>;
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
    async fn key_result_signals(&self) -> StoreResult<Vec<KeyResultSignal>> {
        self.as_notifications().key_result_signals().await
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

    async fn record_key_result_signals(
        &self,
        signals: &[KeyResultSignal],
        notifications: Vec<Notification>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for s in signals {
            tx.execute(
                "INSERT INTO key_result_signals (key_result_id, status, due, evaluated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (key_result_id) DO UPDATE SET \
                 status = excluded.status, due = excluded.due, \
                 evaluated_at = excluded.evaluated_at",
                args![
                    s.key_result_id.as_str(),
                    s.status.stored(),
                    s.due,
                    ts(&s.evaluated_at)
                ],
            )
            .await?;
        }
        notify(&mut tx, &WriteCtx::system(Source::Job), notifications).await?;
        tx.commit().await
    }
}
