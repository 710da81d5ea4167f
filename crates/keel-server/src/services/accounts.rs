//! Accounts by email: an administrator's invitation (a link to set one's first password) and
//! "forgot password" (a link to choose a new one).
//!
//! Why here: both are one rule with two doors. A link's secret is random, only its SHA-256 is
//! stored, it expires (a week for an invitation, an hour for a reset), works once, and a new
//! one replaces the unused ones. Spending it sets the password, ends every session of the
//! person and is audited, in one store transaction.
//!
//! A reset request never tells whether an address has an account: the page queues the same job
//! (`password_reset_request`) for any well-formed address, and the job runner looks the address
//! up and sends the link only to an active person. Deactivated people get nothing. People who
//! sign in with single sign-on may still set a password this way, as an administrator's reset
//! could give them one (password sign-in is always open beside SSO).

use crate::access;
use crate::auth::{hash_secret, password, random_token, throttle, AuthConfig, Caller};
use crate::error::{ApiError, ApiResult};
use crate::mail::{EmailMessage, MailConfig, Recipient};
use chrono::{DateTime, Duration, Utc};
use keel_domain::{Email, Person, PersonId, Source};
use keel_store::{
    AccountToken, AccountTokens, Jobs, NewJob, People, Settings, Store, TokenPurpose, WriteCtx,
};

/// How long an invitation link works.
pub fn invite_lifetime() -> Duration {
    Duration::days(7)
}

/// How long a password-reset link works.
pub fn reset_lifetime() -> Duration {
    Duration::hours(1)
}

/// The job kind of a "forgot password" request (the address is looked up by the runner).
pub const PASSWORD_RESET_REQUEST: &str = "password_reset_request";

/// The address a request reached Keel at (`http://<Host>`), for links shown to an
/// administrator when no public URL is configured.
pub fn origin_of(headers: &axum::http::HeaderMap) -> Option<String> {
    let host = headers.get(axum::http::header::HOST)?.to_str().ok()?;
    let safe = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    safe.then(|| format!("http://{host}"))
}

/// The path of a link's page: `/set-password/<secret>`.
pub fn link_path(secret: &str) -> String {
    format!("/set-password/{secret}")
}

/// What an invitation did.
pub struct Invitation {
    pub person: Person,
    pub expires_at: DateTime<Utc>,
    /// Sent by email: the message is queued.
    pub emailed: bool,
    /// Not sent (email is off, or the public URL is missing): the link for the administrator to
    /// pass on, shown once, and why it was not sent.
    pub link: Option<String>,
    pub not_sent_because: Option<String>,
}

/// An administrator invites `id` to set their password: by email when email can be sent,
/// otherwise the link is returned to be passed on (built on the public URL, else on `origin`,
/// the address the administrator reached Keel at). Earlier links of theirs stop working.
pub async fn invite(
    store: &dyn Store,
    auth: &AuthConfig,
    mail: &MailConfig,
    caller: &Caller,
    id: &PersonId,
    origin: Option<String>,
) -> ApiResult<Invitation> {
    access::manage_people(&caller.person)?;
    let person = store
        .person(id)
        .await?
        .ok_or(ApiError::NotFound("person"))?;
    if !person.active {
        return Err(ApiError::Conflict {
            field: Some("active".into()),
            message: format!(
                "{} is deactivated: reactivate them before inviting them",
                person.name
            ),
        });
    }
    let now = auth.now();
    let secret = random_token();
    let token = AccountToken {
        token_hash: hash_secret(&secret),
        person_id: person.id.clone(),
        purpose: TokenPurpose::Invite,
        created_at: now,
        expires_at: now + invite_lifetime(),
        used_at: None,
        created_by: Some(caller.person.id.clone()),
    };
    let ready = mail.ready_in(store).await;
    let base = mail
        .public_url
        .clone()
        .or_else(|| auth.public_url.clone())
        .or(origin)
        .unwrap_or_default();
    let link = format!("{}{}", base.trim_end_matches('/'), link_path(&secret));
    let job = match &ready {
        Ok(()) => {
            let organisation = store.settings().await?.name;
            let message = invitation_message(&organisation, &person, &caller.person, &link);
            Some(message.job(None, crate::services::now()))
        }
        Err(_) => None,
    };
    store
        .issue_account_token(&caller.write_ctx(), &token, job.as_ref())
        .await?;
    Ok(Invitation {
        person,
        expires_at: token.expires_at,
        emailed: job.is_some(),
        link: job.is_none().then_some(link),
        not_sent_because: ready.err(),
    })
}

fn invitation_message(org: &str, person: &Person, by: &Person, link: &str) -> EmailMessage {
    let days = invite_lifetime().num_days();
    EmailMessage {
        to: Recipient::Person(person.id.to_string()),
        purpose: "invitation".into(),
        subject: format!("{org}: you are invited to Keel"),
        text: format!(
            "Hello {name},\n\n{by} invited you to Keel, where {org} keeps its objectives and key \
             results.\n\nChoose your password here (the link works once, for {days} days):\n{link}\n\n\
             If you did not expect this, you can ignore this message.\n",
            name = person.name,
            by = by.name,
        ),
        html: format!(
            "<p>Hello {name},</p><p>{by} invited you to Keel, where {org} keeps its objectives and \
             key results.</p><p><a href=\"{link}\">Choose your password</a> (the link works once, \
             for {days} days).</p><p>If you did not expect this, you can ignore this message.</p>",
            name = escape(&person.name),
            by = escape(&by.name),
            org = escape(org),
            link = escape(link),
        ),
        unsubscribe_url: None,
    }
}

/// Why a "forgot password" request was not taken.
#[derive(Debug)]
pub enum NotAsked {
    /// Bad input, naming the field.
    Invalid(ApiError),
    /// Too many requests for this address: try again after this time.
    Throttled(DateTime<Utc>),
    /// Keel cannot send email (in words): ask an administrator.
    NoEmail(String),
    Failed(ApiError),
}

impl From<ApiError> for NotAsked {
    fn from(e: ApiError) -> Self {
        NotAsked::Failed(e)
    }
}

/// "Forgot password": checks the address's form, the throttle and that email can be sent, then
/// queues the same job for any address (the runner decides, so the answer and its time say
/// nothing about whether the address has an account).
pub async fn request_reset(
    store: &dyn Store,
    auth: &AuthConfig,
    mail: &MailConfig,
    typed: &str,
) -> Result<(), NotAsked> {
    let email = Email::parse("email", typed.trim()).map_err(|e| NotAsked::Invalid(e.into()))?;
    let key = format!("reset:{}", throttle::key_for(email.as_str()));
    if let Some(until) = throttle::locked_until(store, auth, &key).await? {
        return Err(NotAsked::Throttled(until));
    }
    mail.ready_in(store).await.map_err(NotAsked::NoEmail)?;
    // Every request counts towards the address's limit, whether or not anyone has it.
    if let Some(until) = throttle::failed(store, auth, &key).await? {
        return Err(NotAsked::Throttled(until));
    }
    store
        .enqueue_job(&NewJob {
            kind: PASSWORD_RESET_REQUEST.into(),
            unique_key: None,
            payload: serde_json::json!({ "email": email.key() }),
            run_at: crate::services::now(),
            max_attempts: 10,
        })
        .await
        .map_err(ApiError::from)?;
    Ok(())
}

/// The runner's side of a reset request: an active person with that address gets a link by
/// email (the link and its message written in one transaction); anyone else, nothing.
pub async fn send_reset(
    store: &dyn Store,
    mail: &MailConfig,
    payload: &serde_json::Value,
) -> Result<(), String> {
    let email = payload
        .get("email")
        .and_then(|e| e.as_str())
        .ok_or("a reset request without an address")?;
    let person = store
        .person_by_email(email)
        .await
        .map_err(|e| e.to_string())?;
    let Some(person) = person.filter(|p| p.active) else {
        return Ok(());
    };
    let base = mail
        .public_url
        .clone()
        .ok_or("sending email needs the public URL (KEEL_PUBLIC_URL) for its links")?;
    let organisation = store.settings().await.map_err(|e| e.to_string())?.name;
    let now = crate::services::now();
    let secret = random_token();
    let link = format!("{}{}", base.trim_end_matches('/'), link_path(&secret));
    let minutes = reset_lifetime().num_minutes();
    let message = EmailMessage {
        to: Recipient::Person(person.id.to_string()),
        purpose: "password_reset".into(),
        subject: format!("{organisation}: choose a new Keel password"),
        text: format!(
            "Hello {name},\n\nSomeone (we hope you) asked to choose a new password for Keel.\n\n\
             Choose it here (the link works once, for {minutes} minutes):\n{link}\n\n\
             If it was not you, ignore this message: your password stays as it is.\n",
            name = person.name,
        ),
        html: format!(
            "<p>Hello {name},</p><p>Someone (we hope you) asked to choose a new password for \
             Keel.</p><p><a href=\"{link}\">Choose a new password</a> (the link works once, for \
             {minutes} minutes).</p><p>If it was not you, ignore this message: your password \
             stays as it is.</p>",
            name = escape(&person.name),
            link = escape(&link),
        ),
        unsubscribe_url: None,
    };
    let token = AccountToken {
        token_hash: hash_secret(&secret),
        person_id: person.id.clone(),
        purpose: TokenPurpose::Reset,
        created_at: now,
        expires_at: now + reset_lifetime(),
        used_at: None,
        created_by: None,
    };
    store
        .issue_account_token(
            &WriteCtx::system(Source::Job),
            &token,
            Some(&message.job(None, now)),
        )
        .await
        .map_err(|e| e.to_string())
}

/// A link as its page sees it.
pub struct Link {
    pub person: Person,
    pub purpose: TokenPurpose,
}

/// The person and purpose of a usable link; `None` for an unknown, used or expired link (or a
/// deactivated person).
pub async fn open_link(
    store: &dyn Store,
    auth: &AuthConfig,
    secret: &str,
) -> ApiResult<Option<Link>> {
    let Some(token) = store.account_token(&hash_secret(secret)).await? else {
        return Ok(None);
    };
    if !token.usable(auth.now()) {
        return Ok(None);
    }
    let person = store.person(&token.person_id).await?;
    Ok(person.filter(|p| p.active).map(|person| Link {
        person,
        purpose: token.purpose,
    }))
}

/// Sets the password through a link: the password rules (`password`), the confirmation
/// (`confirm`), then the link is spent. `Ok(None)`: the link no longer works.
pub async fn set_password(
    store: &dyn Store,
    auth: &AuthConfig,
    secret: &str,
    new: &str,
    confirm: &str,
) -> ApiResult<Option<Person>> {
    password::check_new(auth, "password", new)?;
    if new != confirm {
        return Err(ApiError::invalid(
            "confirm",
            "does not match the password above: type the same password twice",
        ));
    }
    let hash = password::hash(new).await?;
    let ctx = WriteCtx::system(Source::Ui);
    let spent = store
        .spend_account_token(&ctx, &hash_secret(secret), &hash, auth.now())
        .await?;
    let Some(id) = spent else {
        return Ok(None);
    };
    let person = store.person(&id).await?;
    if let Some(p) = &person {
        throttle::succeeded(store, &throttle::key_for(p.email.as_str())).await?;
    }
    Ok(person)
}

/// Text made safe inside HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
