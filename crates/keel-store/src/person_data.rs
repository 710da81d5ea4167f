//! A person's data across every table: what an export gathers that no other area reads (the
//! check-ins a person wrote), and erasing a person who left in one transaction.
//!
//! Why an area of its own: erasing touches a dozen tables (people, sessions, tokens, 1:1s,
//! feedback, recognition, the audit log) and must be all or nothing, so that a failure halfway
//! never leaves half a person behind. What erasing keeps and removes:
//!
//! - kept, attributed to the placeholder: the person's id and every OKR record naming it
//!   (objectives, key results, check-ins with their values and notes, ownership requests,
//!   initiatives, scores, retrospectives, reviews), so OKR history stays readable;
//! - replaced: name and email (by the placeholder), title, manager, roles and time zone (emptied);
//! - removed: the password, sessions, API tokens, sign-in throttling under their email, every
//!   1:1 conversation they are one of the two people of, recognition given or received, their
//!   feedback answers, the questions of feedback they asked (others' answers stay) and the
//!   health check findings naming them (found again, with the placeholder, by the evaluator);
//! - in the audit log: the before/after of events about what was removed (and of their person
//!   record) are cleared, and any other mention of their name or email is replaced by the
//!   placeholder's. The erase itself is audited without the erased data. This is the one
//!   place the store changes audit rows (the append-only conformance test names it): rows are
//!   redacted, never removed, and who did what when stays.

use crate::check_ins::{check_in_from, CHECK_IN_COLS};
use crate::db::{args, map_err, Exec, Tx};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// A person's data beyond what the other areas read.
#[async_trait]
pub trait PersonData: Send + Sync {
    /// Every check-in `person_id` wrote (retracted ones included), oldest first.
    async fn check_ins_by(&self, person_id: &PersonId) -> StoreResult<Vec<CheckIn>>;
    /// Erases the person `id` (see the module documentation for what is kept), storing
    /// `placeholder`'s name, email, title, manager, roles, time zone and `active` in their place.
    /// Erasing again (the stored email is already the placeholder's) writes nothing and returns
    /// the person as stored. `NotFound` for an unknown id. Audited (`person.erase`, naming only
    /// the placeholder).
    async fn erase_person(
        &self,
        ctx: &WriteCtx,
        id: &PersonId,
        placeholder: &Person,
    ) -> StoreResult<Person>;
}

/// The PersonData area through the shared handle: a caller holding a `DynStore` calls it with
/// `PersonData` in scope.
#[async_trait]
impl PersonData for dyn Store {
    async fn check_ins_by(&self, person_id: &PersonId) -> StoreResult<Vec<CheckIn>> {
        self.as_person_data().check_ins_by(person_id).await
    }

    async fn erase_person(
        &self,
        ctx: &WriteCtx,
        id: &PersonId,
        placeholder: &Person,
    ) -> StoreResult<Person> {
        self.as_person_data()
            .erase_person(ctx, id, placeholder)
            .await
    }
}

/// Statements clearing what erasing removes, each taking the person's id as `$1`: audit events
/// about records about to go first, then the records.
const REMOVE: &[&str] = &[
    "UPDATE audit_events SET before = NULL, after = NULL \
     WHERE object_kind = 'person' AND object_id = $1",
    "DELETE FROM sessions WHERE person_id = $1",
    "DELETE FROM account_tokens WHERE person_id = $1",
    "UPDATE account_tokens SET created_by = NULL WHERE created_by = $1",
    "DELETE FROM notification_preferences WHERE person_id = $1",
    "DELETE FROM digest_days WHERE person_id = $1",
    // Their inbox, and what they caused in others' (a 1:1 note or recognition that is gone).
    "DELETE FROM notifications WHERE recipient_id = $1 OR actor_id = $1",
    "UPDATE audit_events SET before = NULL, after = NULL WHERE object_kind = 'token' \
     AND object_id IN (SELECT id FROM api_tokens WHERE person_id = $1)",
    "DELETE FROM api_tokens WHERE person_id = $1",
    "DELETE FROM conversations WHERE author_id = $1 OR with_id = $1",
    "UPDATE audit_events SET before = NULL, after = NULL WHERE object_kind = 'recognition' \
     AND object_id IN (SELECT id FROM recognitions WHERE from_id = $1 OR to_id = $1)",
    "DELETE FROM recognitions WHERE from_id = $1 OR to_id = $1",
    "UPDATE audit_events SET before = NULL, after = NULL WHERE action = 'feedback_request.answer' \
     AND object_id IN (SELECT request_id FROM feedback_answers WHERE person_id = $1) \
     AND actor_id = $1",
    "DELETE FROM feedback_answers WHERE person_id = $1",
    "UPDATE audit_events SET before = NULL, after = NULL WHERE action = 'feedback_request.create' \
     AND object_id IN (SELECT id FROM feedback_requests WHERE requester_id = $1)",
];

/// What a feedback question asked by an erased person reads afterwards.
const REMOVED_QUESTION: &str = "(removed: the person who asked has left)";

/// Replaces `from` by `to` in the before/after of every audit event holding it.
async fn replace_in_audit(tx: &mut Tx, from: &str, to: &str) -> StoreResult<()> {
    tx.execute_once(
        "UPDATE audit_events SET before = REPLACE(before, $1, $2), after = REPLACE(after, $1, $2) \
         WHERE before LIKE $3 ESCAPE '\\' OR after LIKE $3 ESCAPE '\\'",
        args![from, to, contains_pattern(from)],
    )
    .await?;
    Ok(())
}

/// A string as it is written inside JSON, quotes included.
fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

impl SqlStore {
    async fn do_erase_person(
        &self,
        ctx: &WriteCtx,
        id: &PersonId,
        placeholder: &Person,
    ) -> StoreResult<Person> {
        let mut tx = self.begin().await?;
        let Some(before) = person_in(&mut Exec::Tx(&mut tx), id.as_str()).await? else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        if before.email.key() == placeholder.email.key() {
            tx.rollback().await?;
            return Ok(before);
        }
        for sql in REMOVE {
            tx.execute_once(sql, args![id.as_str()]).await?;
        }
        tx.execute_once(
            "UPDATE feedback_requests SET question = $2 WHERE requester_id = $1",
            args![id.as_str(), REMOVED_QUESTION],
        )
        .await?;
        tx.execute_once(
            "DELETE FROM sign_in_throttles WHERE throttle_key = $1",
            args![format!("email:{}", before.email.key())],
        )
        .await?;
        // The health check's stored findings name people in their words: those about them or
        // naming them go (the evaluator's next round words them again with the placeholder).
        tx.execute_once(
            "DELETE FROM health_findings WHERE person_id = $1 \
             OR message LIKE $2 ESCAPE '\\' OR fix LIKE $2 ESCAPE '\\'",
            args![id.as_str(), contains_pattern(&before.name)],
        )
        .await?;
        // Any other mention in the audit log: the name as a JSON value, the email anywhere.
        replace_in_audit(
            &mut tx,
            &json_string(&before.name),
            &json_string(&placeholder.name),
        )
        .await?;
        for email in [before.email.as_str().to_string(), before.email.key()] {
            replace_in_audit(&mut tx, &email, placeholder.email.as_str()).await?;
        }
        let stored = self
            .write_placeholder(&mut tx, &before, placeholder)
            .await?;
        let rec = AuditRec {
            kind: "person",
            verb: "erase",
            object_id: id.as_str(),
            objective_id: None,
            key_result_id: None,
            before: None,
            after: Some(serde_json::json!({ "name": stored.name, "active": false })),
        };
        audit(&mut tx, ctx, rec).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// The person row becomes the placeholder's, without a password.
    async fn write_placeholder(
        &self,
        tx: &mut Tx,
        before: &Person,
        p: &Person,
    ) -> StoreResult<Person> {
        tx.execute(
            "UPDATE people SET name = $1, email = $2, email_key = $3, search_key = $4, \
             title = $5, manager_id = $6, active = $7, roles = $8, time_zone = $9, \
             password_hash = NULL, updated_at = $10, version = version + 1 WHERE id = $11",
            args![
                p.name.as_str(),
                p.email.as_str(),
                p.email.key(),
                crate::people::person_search_key(p),
                p.title.as_str(),
                p.manager_id.as_ref().map(|m| m.as_str()),
                p.active,
                json(&p.roles),
                p.time_zone.as_deref(),
                ts(&now()),
                before.id.as_str(),
            ],
        )
        .await?;
        person_in(&mut Exec::Tx(tx), before.id.as_str())
            .await?
            .ok_or(StoreError::NotFound)
    }
}

#[async_trait]
impl PersonData for SqlStore {
    async fn check_ins_by(&self, person_id: &PersonId) -> StoreResult<Vec<CheckIn>> {
        let sql =
            format!("SELECT {CHECK_IN_COLS} FROM check_ins WHERE author_id = $1 ORDER BY at, id");
        self.db
            .fetch_all(&sql, args![person_id.as_str()])
            .await?
            .iter()
            .map(check_in_from)
            .collect()
    }

    async fn erase_person(
        &self,
        ctx: &WriteCtx,
        id: &PersonId,
        placeholder: &Person,
    ) -> StoreResult<Person> {
        self.do_erase_person(ctx, id, placeholder)
            .await
            .map_err(map_err)
    }
}
