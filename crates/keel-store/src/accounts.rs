//! Accounts: how people prove who they are (password hashes, API tokens, browser sessions,
//! the sign-in throttle and pending OpenID Connect logins).

use crate::db::Row;
use crate::db::{args, map_err, Exec};
use crate::sql::table::{Insert, Select, SelectAs, Table};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use std::sync::LazyLock;

/// The `api_tokens` table; `secret_hash` is a lookup key, never read back.
pub(crate) const API_TOKEN: Table = Table {
    name: "api_tokens",
    columns: &[
        "id",
        "person_id",
        "name",
        "scope",
        "secret_hash",
        "created_at",
        "expires_on",
        "last_used_at",
        "revoked_at",
    ],
    not_selected: &["secret_hash"],
    later: &[],
};

/// The `sessions` table.
pub(crate) const SESSION: Table = Table {
    name: "sessions",
    columns: &[
        "id_hash",
        "person_id",
        "csrf_token",
        "method",
        "created_at",
        "last_seen_at",
        "expires_at",
    ],
    not_selected: &[],
    later: &[],
};

/// The `sign_in_throttles` table.
pub(crate) const SIGN_IN_THROTTLE: Table = Table {
    name: "sign_in_throttles",
    columns: &[
        "throttle_key",
        "failures",
        "first_failure_at",
        "locked_until",
    ],
    not_selected: &[],
    later: &[],
};

/// The `oidc_logins` table.
pub(crate) const OIDC_LOGIN: Table = Table {
    name: "oidc_logins",
    columns: &[
        "state_hash",
        "nonce",
        "pkce_verifier",
        "return_to",
        "created_at",
    ],
    not_selected: &[],
    later: &[],
};

/// The token columns as `t.id AS t_id, …`, for reads that join `api_tokens t` with `people`.
pub(crate) const TOKEN_COLS: SelectAs = SelectAs(&API_TOKEN, "t");

pub(crate) fn token_from(r: &Row) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: TokenId::from_string(r.text("t_id")?),
        person_id: PersonId::from_string(r.text("t_person_id")?),
        name: r.text("t_name")?,
        scope: Stored::from_stored("scope", &r.text("t_scope")?)?,
        created_at: to_ts("created_at", r.int("t_created_at")?)?,
        expires_on: r
            .opt_text("t_expires_on")?
            .map(|d| date_from("expires_on", &d))
            .transpose()?,
        last_used_at: opt_ts("last_used_at", r.opt_int("t_last_used_at")?)?,
        revoked_at: opt_ts("revoked_at", r.opt_int("t_revoked_at")?)?,
    })
}

/// Credentials and sign-in: password hashes, API tokens, sessions, throttle, OIDC logins.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Argon2id PHC string, for password sign-in.
    async fn set_password_hash(&self, ctx: &WriteCtx, id: &PersonId, hash: &str)
        -> StoreResult<()>;
    /// The person's Argon2id PHC string, if they have a password.
    async fn password_hash(&self, id: &PersonId) -> StoreResult<Option<String>>;
    /// Stores the token's metadata and the SHA-256 hex digest of its secret.
    async fn insert_token(
        &self,
        ctx: &WriteCtx,
        token: &ApiToken,
        secret_hash: &str,
    ) -> StoreResult<()>;
    /// The token with this secret hash and its person, whether or not it is live.
    async fn token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<(ApiToken, Person)>>;
    /// The person's API tokens (metadata only, never secrets), revoked ones included.
    async fn list_tokens(&self, person_id: &PersonId) -> StoreResult<Vec<ApiToken>>;
    /// Revokes a token: it stops working at once. Audited.
    async fn revoke_token(&self, ctx: &WriteCtx, id: &TokenId) -> StoreResult<()>;
    /// Records use; not audited (it is not a change anyone made).
    async fn touch_token(&self, id: &TokenId, at: chrono::DateTime<chrono::Utc>)
        -> StoreResult<()>;
    /// Stores a new session (not audited: signing in changes no record).
    async fn insert_session(&self, session: &Session) -> StoreResult<()>;
    /// The session with this id hash and its person, whether or not it has expired.
    async fn session_by_hash(&self, id_hash: &str) -> StoreResult<Option<(Session, Person)>>;
    /// Moves the session's `last_seen_at` (its idle expiry) forward.
    async fn touch_session(
        &self,
        id_hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
    /// Ends one session; unknown ids are ignored.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    /// Ends every session of a person except `keep` (an id hash); returns how many ended.
    async fn delete_sessions_of(
        &self,
        person_id: &PersonId,
        keep: Option<&str>,
    ) -> StoreResult<u64>;
    /// The failed sign-ins counted under `key`, if any.
    async fn sign_in_throttle(&self, key: &str) -> StoreResult<Option<SignInThrottle>>;
    /// Counts one failed sign-in under `key`, in one atomic statement (several servers may count
    /// at once). Failures before `window_start` are forgotten first. Returns the count.
    async fn record_sign_in_failure(
        &self,
        key: &str,
        at: chrono::DateTime<chrono::Utc>,
        window_start: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<i64>;
    /// Locks sign-in under `key` until `until`.
    async fn lock_sign_in(
        &self,
        key: &str,
        until: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
    /// Forgets the failures under `key` (after a successful sign-in or a password reset).
    async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()>;
    /// Stores a pending OpenID Connect sign-in until its callback.
    async fn insert_oidc_login(&self, login: &OidcLogin) -> StoreResult<()>;
    /// Returns and deletes the pending login (each `state` is usable once).
    async fn take_oidc_login(&self, state_hash: &str) -> StoreResult<Option<OidcLogin>>;
}

/// The Accounts area through the shared handle: a caller holding a `DynStore` calls it with
/// `Accounts` in scope.
#[async_trait]
impl Accounts for dyn Store {
    async fn set_password_hash(
        &self,
        ctx: &WriteCtx,
        id: &PersonId,
        hash: &str,
    ) -> StoreResult<()> {
        self.as_accounts().set_password_hash(ctx, id, hash).await
    }

    async fn password_hash(&self, id: &PersonId) -> StoreResult<Option<String>> {
        self.as_accounts().password_hash(id).await
    }

    async fn insert_token(
        &self,
        ctx: &WriteCtx,
        token: &ApiToken,
        secret_hash: &str,
    ) -> StoreResult<()> {
        self.as_accounts()
            .insert_token(ctx, token, secret_hash)
            .await
    }

    async fn token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<(ApiToken, Person)>> {
        self.as_accounts().token_by_hash(secret_hash).await
    }

    async fn list_tokens(&self, person_id: &PersonId) -> StoreResult<Vec<ApiToken>> {
        self.as_accounts().list_tokens(person_id).await
    }

    async fn revoke_token(&self, ctx: &WriteCtx, id: &TokenId) -> StoreResult<()> {
        self.as_accounts().revoke_token(ctx, id).await
    }

    async fn touch_token(
        &self,
        id: &TokenId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.as_accounts().touch_token(id, at).await
    }

    async fn insert_session(&self, session: &Session) -> StoreResult<()> {
        self.as_accounts().insert_session(session).await
    }

    async fn session_by_hash(&self, id_hash: &str) -> StoreResult<Option<(Session, Person)>> {
        self.as_accounts().session_by_hash(id_hash).await
    }

    async fn touch_session(
        &self,
        id_hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.as_accounts().touch_session(id_hash, at).await
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        self.as_accounts().delete_session(id_hash).await
    }

    async fn delete_sessions_of(
        &self,
        person_id: &PersonId,
        keep: Option<&str>,
    ) -> StoreResult<u64> {
        self.as_accounts().delete_sessions_of(person_id, keep).await
    }

    async fn sign_in_throttle(&self, key: &str) -> StoreResult<Option<SignInThrottle>> {
        self.as_accounts().sign_in_throttle(key).await
    }

    async fn record_sign_in_failure(
        &self,
        key: &str,
        at: chrono::DateTime<chrono::Utc>,
        window_start: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<i64> {
        self.as_accounts()
            .record_sign_in_failure(key, at, window_start)
            .await
    }

    async fn lock_sign_in(
        &self,
        key: &str,
        until: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.as_accounts().lock_sign_in(key, until).await
    }

    async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()> {
        self.as_accounts().clear_sign_in_failures(key).await
    }

    async fn insert_oidc_login(&self, login: &OidcLogin) -> StoreResult<()> {
        self.as_accounts().insert_oidc_login(login).await
    }

    async fn take_oidc_login(&self, state_hash: &str) -> StoreResult<Option<OidcLogin>> {
        self.as_accounts().take_oidc_login(state_hash).await
    }
}

impl SqlStore {
    pub(crate) async fn do_set_password_hash(
        &self,
        ctx: &WriteCtx,
        id: &PersonId,
        hash: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE people SET password_hash = $1 WHERE id = $2",
                args![hash, id.as_str()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "person",
                verb: "set_password",
                object_id: id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await
    }

    pub(crate) async fn do_insert_token(
        &self,
        ctx: &WriteCtx,
        t: &ApiToken,
        secret_hash: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            usize::MAX,
            API_TOKEN.name,
            API_TOKEN.columns,
            vec![args![
                t.id.as_str(),
                t.person_id.as_str(),
                t.name.as_str(),
                t.scope.stored(),
                secret_hash,
                ts(&t.created_at),
                t.expires_on.map(|d| d.to_string()),
                t.last_used_at.as_ref().map(ts),
                t.revoked_at.as_ref().map(ts),
            ]],
        )
        .await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "token",
                verb: "create",
                object_id: t.id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: None,
                after: value(t),
            },
        )
        .await?;
        tx.commit().await
    }

    pub(crate) async fn do_revoke_token(&self, ctx: &WriteCtx, id: &TokenId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let before = token_in(&mut Exec::Tx(&mut tx), id.as_str())
            .await?
            .ok_or(StoreError::NotFound)?;
        if before.revoked_at.is_some() {
            return Ok(());
        }
        tx.execute(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2",
            args![ts(&now()), id.as_str()],
        )
        .await?;
        let after = token_in(&mut Exec::Tx(&mut tx), id.as_str()).await?;
        audit(
            &mut tx,
            ctx,
            AuditRec {
                kind: "token",
                verb: "revoke",
                object_id: id.as_str(),
                objective_id: None,
                key_result_id: None,
                before: value(&before),
                after: value(&after),
            },
        )
        .await?;
        tx.commit().await
    }
}

#[async_trait]
impl Accounts for SqlStore {
    async fn set_password_hash(
        &self,
        ctx: &WriteCtx,
        id: &PersonId,
        hash: &str,
    ) -> StoreResult<()> {
        self.do_set_password_hash(ctx, id, hash)
            .await
            .map_err(map_err)
    }

    async fn password_hash(&self, id: &PersonId) -> StoreResult<Option<String>> {
        match self
            .db
            .fetch_optional(
                "SELECT password_hash FROM people WHERE id = $1",
                args![id.as_str()],
            )
            .await?
        {
            None => Ok(None),
            Some(r) => r.opt_text("password_hash"),
        }
    }

    async fn insert_token(
        &self,
        ctx: &WriteCtx,
        token: &ApiToken,
        secret_hash: &str,
    ) -> StoreResult<()> {
        self.do_insert_token(ctx, token, secret_hash)
            .await
            .map_err(map_err)
    }

    async fn token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<(ApiToken, Person)>> {
        // Every API request runs this: its text is built once.
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let person_cols = person_cols_of("p");
            format!(
                "SELECT {TOKEN_COLS}, {person_cols} FROM api_tokens t \
                 JOIN people p ON p.id = t.person_id WHERE t.secret_hash = $1"
            )
        });
        if let Some(found) = self.tokens.fresh(secret_hash) {
            return Ok(Some(found));
        }
        let (generation, read_at) = (self.tokens.generation(), std::time::Instant::now());
        match self.db.fetch_optional(&SQL, args![secret_hash]).await? {
            None => Ok(None),
            Some(r) => {
                let (token, person) = (token_from(&r)?, person_from(&r)?);
                self.tokens
                    .keep(generation, read_at, secret_hash, &token, &person);
                Ok(Some((token, person)))
            }
        }
    }

    async fn list_tokens(&self, person_id: &PersonId) -> StoreResult<Vec<ApiToken>> {
        let sql =
            format!("SELECT {TOKEN_COLS} FROM api_tokens t WHERE t.person_id = $1 ORDER BY t.id");
        self.db
            .fetch_all(&sql, args![person_id.as_str()])
            .await?
            .iter()
            .map(token_from)
            .collect()
    }

    async fn revoke_token(&self, ctx: &WriteCtx, id: &TokenId) -> StoreResult<()> {
        self.do_revoke_token(ctx, id).await.map_err(map_err)
    }

    async fn touch_token(
        &self,
        id: &TokenId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                args![ts(&at), id.as_str()],
            )
            .await
            .map_err(map_err)?;
        self.tokens.touched(id, at);
        Ok(())
    }

    async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        static SQL: LazyLock<String> = LazyLock::new(|| Insert(&SESSION).to_string());
        self.db
            .execute(
                &SQL,
                args![
                    s.id_hash.as_str(),
                    s.person_id.as_str(),
                    s.csrf_token.as_str(),
                    s.method.as_str(),
                    ts(&s.created_at),
                    ts(&s.last_seen_at),
                    ts(&s.expires_at),
                ],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn session_by_hash(&self, id_hash: &str) -> StoreResult<Option<(Session, Person)>> {
        // Every signed-in page runs this: its text is built once.
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let session_cols = SelectAs(&SESSION, "s");
            let person_cols = person_cols_of("p");
            format!(
                "SELECT {session_cols}, {person_cols} FROM sessions s \
                 JOIN people p ON p.id = s.person_id WHERE s.id_hash = $1"
            )
        });
        let Some(r) = self.db.fetch_optional(&SQL, args![id_hash]).await? else {
            return Ok(None);
        };
        let session = Session {
            id_hash: r.text("s_id_hash")?,
            person_id: PersonId::from_string(r.text("s_person_id")?),
            csrf_token: r.text("s_csrf_token")?,
            method: r.text("s_method")?,
            created_at: to_ts("created_at", r.int("s_created_at")?)?,
            last_seen_at: to_ts("last_seen_at", r.int("s_last_seen_at")?)?,
            expires_at: to_ts("expires_at", r.int("s_expires_at")?)?,
        };
        Ok(Some((session, person_from(&r)?)))
    }

    async fn touch_session(
        &self,
        id_hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2",
                args![ts(&at), id_hash],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        self.db
            .execute("DELETE FROM sessions WHERE id_hash = $1", args![id_hash])
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn delete_sessions_of(
        &self,
        person_id: &PersonId,
        keep: Option<&str>,
    ) -> StoreResult<u64> {
        self.db
            .execute(
                "DELETE FROM sessions WHERE person_id = $1 AND id_hash <> $2",
                args![person_id.as_str(), keep.unwrap_or("")],
            )
            .await
            .map_err(map_err)
    }

    async fn sign_in_throttle(&self, key: &str) -> StoreResult<Option<SignInThrottle>> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let cols = Select(&SIGN_IN_THROTTLE);
            format!("SELECT {cols} FROM sign_in_throttles WHERE throttle_key = $1")
        });
        let Some(r) = self.db.fetch_optional(&SQL, args![key]).await? else {
            return Ok(None);
        };
        Ok(Some(SignInThrottle {
            key: r.text("throttle_key")?,
            failures: r.int("failures")?,
            first_failure_at: to_ts("first_failure_at", r.int("first_failure_at")?)?,
            locked_until: opt_ts("locked_until", r.opt_int("locked_until")?)?,
        }))
    }

    async fn record_sign_in_failure(
        &self,
        key: &str,
        at: chrono::DateTime<chrono::Utc>,
        window_start: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<i64> {
        // One statement, so concurrent failures on several servers each count. A window that
        // has passed starts again at one (and an expired lock goes with it).
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let cols = SIGN_IN_THROTTLE.columns.join(", ");
            format!(
                "INSERT INTO sign_in_throttles ({cols}) \
                 VALUES ($1, 1, $2, NULL) \
                 ON CONFLICT (throttle_key) DO UPDATE SET \
                 failures = CASE WHEN sign_in_throttles.first_failure_at < $3 THEN 1 \
                     ELSE sign_in_throttles.failures + 1 END, \
                 locked_until = CASE WHEN sign_in_throttles.first_failure_at < $3 THEN NULL \
                     ELSE sign_in_throttles.locked_until END, \
                 first_failure_at = CASE WHEN sign_in_throttles.first_failure_at < $3 THEN $2 \
                     ELSE sign_in_throttles.first_failure_at END \
                 RETURNING failures"
            )
        });
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_optional(&SQL, args![key, ts(&at), ts(&window_start)])
            .await?
            .ok_or(StoreError::NotFound)?;
        let failures = row.int("failures")?;
        tx.commit().await?;
        Ok(failures)
    }

    async fn lock_sign_in(
        &self,
        key: &str,
        until: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE sign_in_throttles SET locked_until = $1 WHERE throttle_key = $2",
                args![ts(&until), key],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()> {
        self.db
            .execute(
                "DELETE FROM sign_in_throttles WHERE throttle_key = $1",
                args![key],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn insert_oidc_login(&self, l: &OidcLogin) -> StoreResult<()> {
        static SQL: LazyLock<String> = LazyLock::new(|| Insert(&OIDC_LOGIN).to_string());
        self.db
            .execute(
                &SQL,
                args![
                    l.state_hash.as_str(),
                    l.nonce.as_str(),
                    l.pkce_verifier.as_str(),
                    l.return_to.as_str(),
                    ts(&l.created_at),
                ],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn take_oidc_login(&self, state_hash: &str) -> StoreResult<Option<OidcLogin>> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let cols = Select(&OIDC_LOGIN);
            format!("SELECT {cols} FROM oidc_logins WHERE state_hash = $1")
        });
        let mut tx = self.begin().await?;
        let Some(r) = tx.fetch_optional(&SQL, args![state_hash]).await? else {
            return Ok(None);
        };
        let login = OidcLogin {
            state_hash: r.text("state_hash")?,
            nonce: r.text("nonce")?,
            pkce_verifier: r.text("pkce_verifier")?,
            return_to: r.text("return_to")?,
            created_at: to_ts("created_at", r.int("created_at")?)?,
        };
        // Only the caller whose DELETE removes the row gets the login: a replayed callback
        // racing the first finds nothing.
        let n = tx
            .execute(
                "DELETE FROM oidc_logins WHERE state_hash = $1",
                args![state_hash],
            )
            .await?;
        tx.commit().await?;
        Ok((n == 1).then_some(login))
    }
}
