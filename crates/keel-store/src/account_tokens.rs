//! Account links sent by email: invitations (set your first password) and password resets
//! (`account_tokens`).
//!
//! Why in the store: a link is a credential, so only the SHA-256 of its secret is kept (as for API
//! tokens and sessions), and spending one is a single transaction that marks it used, sets the
//! password, ends the person's sessions and records the audit event, so a link works once even
//! when two servers are asked at the same moment. Issuing one replaces the person's unused links
//! of the same purpose, queues its email in the same transaction, and clears expired links.

use crate::db::args;
use crate::sql::table::{Select, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use std::sync::LazyLock;

/// The `account_tokens` table; `token_hash` is a lookup key.
pub(crate) const ACCOUNT_TOKEN: Table = Table {
    name: "account_tokens",
    columns: &[
        "token_hash",
        "person_id",
        "purpose",
        "created_at",
        "expires_at",
        "used_at",
        "created_by",
    ],
    not_selected: &[],
    later: &[],
};

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// An administrator invited the person: they set their first password.
    Invite,
    /// The person asked for a new password ("forgot password").
    Reset,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Invite => "invite",
            TokenPurpose::Reset => "reset",
        }
    }

    pub fn parse(s: &str) -> Option<TokenPurpose> {
        match s {
            "invite" => Some(TokenPurpose::Invite),
            "reset" => Some(TokenPurpose::Reset),
            _ => None,
        }
    }
}

/// One link, as stored (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountToken {
    /// SHA-256 hex of the secret in the link.
    pub token_hash: String,
    pub person_id: PersonId,
    pub purpose: TokenPurpose,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    /// The administrator who sent an invitation (none for a reset the person asked for).
    pub created_by: Option<PersonId>,
}

impl AccountToken {
    /// Whether the link can still be used at `now`.
    pub fn usable(&self, now: Timestamp) -> bool {
        self.used_at.is_none() && self.expires_at > now
    }
}

fn token_from(r: &crate::db::Row) -> StoreResult<AccountToken> {
    let purpose = r.text("purpose")?;
    Ok(AccountToken {
        token_hash: r.text("token_hash")?,
        person_id: PersonId::from_string(r.text("person_id")?),
        purpose: TokenPurpose::parse(&purpose)
            .ok_or_else(|| corrupt("purpose", format!("unknown value '{purpose}'")))?,
        created_at: to_ts("created_at", r.int("created_at")?)?,
        expires_at: to_ts("expires_at", r.int("expires_at")?)?,
        used_at: opt_ts("used_at", r.opt_int("used_at")?)?,
        created_by: r.opt_text("created_by")?.map(PersonId::from_string),
    })
}

/// Invitation and password-reset links.
#[async_trait]
pub trait AccountTokens: Send + Sync {
    /// Stores a new link (and queues `email`, if any, in the same transaction). The person's
    /// unused links of the same purpose stop working; expired links of anyone are removed.
    /// Audited as the person's `invite` or `reset_link`. `NotFound` for an unknown person.
    async fn issue_account_token(
        &self,
        ctx: &WriteCtx,
        token: &AccountToken,
        email: Option<&NewJob>,
    ) -> StoreResult<()>;
    /// The link with this secret's hash, used or not.
    async fn account_token(&self, token_hash: &str) -> StoreResult<Option<AccountToken>>;
    /// Spends a link: marks it used, sets the person's password hash, ends every session of
    /// theirs and records `set_password`, in one transaction. `Ok(None)` (nothing written) when
    /// the link is unknown, used, expired at `now`, or its person is deactivated.
    async fn spend_account_token(
        &self,
        ctx: &WriteCtx,
        token_hash: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<PersonId>>;
    /// Deletes the links that can no longer be used at `now`: expired, or used (a used link is
    /// only history, and the audit log keeps that). How many.
    async fn delete_spent_account_tokens(&self, now: Timestamp) -> StoreResult<u64>;
}

#[async_trait]
impl AccountTokens for dyn Store {
    async fn issue_account_token(
        &self,
        ctx: &WriteCtx,
        token: &AccountToken,
        email: Option<&NewJob>,
    ) -> StoreResult<()> {
        self.as_account_tokens()
            .issue_account_token(ctx, token, email)
            .await
    }
    async fn account_token(&self, token_hash: &str) -> StoreResult<Option<AccountToken>> {
        self.as_account_tokens().account_token(token_hash).await
    }
    async fn spend_account_token(
        &self,
        ctx: &WriteCtx,
        token_hash: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<PersonId>> {
        self.as_account_tokens()
            .spend_account_token(ctx, token_hash, password_hash, now)
            .await
    }
    async fn delete_spent_account_tokens(&self, now: Timestamp) -> StoreResult<u64> {
        self.as_account_tokens()
            .delete_spent_account_tokens(now)
            .await
    }
}

static READ_TOKEN: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM account_tokens WHERE token_hash = $1",
        Select(&ACCOUNT_TOKEN)
    )
});

impl SqlStore {
    async fn do_issue_account_token(
        &self,
        ctx: &WriteCtx,
        t: &AccountToken,
        email: Option<&NewJob>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.fetch_optional(
            "SELECT id FROM people WHERE id = $1",
            args![t.person_id.as_str()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
        tx.execute(
            "DELETE FROM account_tokens WHERE expires_at <= $1 \
             OR (person_id = $2 AND purpose = $3 AND used_at IS NULL)",
            args![ts(&t.created_at), t.person_id.as_str(), t.purpose.as_str()],
        )
        .await?;
        let cols = ACCOUNT_TOKEN.columns.join(", ");
        tx.execute(
            &format!("INSERT INTO account_tokens ({cols}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            args![
                t.token_hash.as_str(),
                t.person_id.as_str(),
                t.purpose.as_str(),
                ts(&t.created_at),
                ts(&t.expires_at),
                t.used_at.as_ref().map(ts),
                t.created_by.as_ref().map(|p| p.as_str().to_string()),
            ],
        )
        .await?;
        if let Some(job) = email {
            crate::jobs::enqueue_in(&mut tx, job).await?;
        }
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "person",
                verb: match t.purpose {
                    TokenPurpose::Invite => "invite",
                    TokenPurpose::Reset => "reset_link",
                },
                object_id: t.person_id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: Some(serde_json::json!({ "expires_at": t.expires_at })),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn do_spend_account_token(
        &self,
        ctx: &WriteCtx,
        token_hash: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<PersonId>> {
        let mut tx = self.begin().await?;
        let Some(row) = tx.fetch_optional(&READ_TOKEN, args![token_hash]).await? else {
            return Ok(None);
        };
        let token = token_from(&row)?;
        if !token.usable(now) {
            return Ok(None);
        }
        let spent = tx
            .execute(
                "UPDATE account_tokens SET used_at = $1 \
                 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
                args![ts(&now), token_hash],
            )
            .await?;
        let person = token.person_id.as_str();
        let set = tx
            .execute(
                "UPDATE people SET password_hash = $1 WHERE id = $2 AND active = 1",
                args![password_hash, person],
            )
            .await?;
        if spent != 1 || set != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        tx.execute("DELETE FROM sessions WHERE person_id = $1", args![person])
            .await?;
        let ctx = WriteCtx {
            actor_id: Some(token.person_id.clone()),
            ..ctx.clone()
        };
        audit(
            &mut tx,
            &ctx,
            AuditRec {
                kind: "person",
                verb: "set_password",
                object_id: person,
                objective_id: None,
                key_result_id: None,
                before: None,
                after: Some(serde_json::json!({ "through": token.purpose.as_str() })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(token.person_id))
    }
}

#[async_trait]
impl AccountTokens for SqlStore {
    async fn issue_account_token(
        &self,
        ctx: &WriteCtx,
        token: &AccountToken,
        email: Option<&NewJob>,
    ) -> StoreResult<()> {
        self.do_issue_account_token(ctx, token, email).await
    }

    async fn account_token(&self, token_hash: &str) -> StoreResult<Option<AccountToken>> {
        self.db
            .fetch_optional(&READ_TOKEN, args![token_hash])
            .await?
            .as_ref()
            .map(token_from)
            .transpose()
    }

    async fn spend_account_token(
        &self,
        ctx: &WriteCtx,
        token_hash: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<PersonId>> {
        self.do_spend_account_token(ctx, token_hash, password_hash, now)
            .await
    }

    async fn delete_spent_account_tokens(&self, now: Timestamp) -> StoreResult<u64> {
        self.db
            .execute(
                "DELETE FROM account_tokens WHERE expires_at <= $1 OR used_at IS NOT NULL",
                args![ts(&now)],
            )
            .await
    }
}
