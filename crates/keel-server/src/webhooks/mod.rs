//! Outbound webhooks, the use cases: registering, changing and removing an endpoint
//! (administrators), and sending a test event; [`deliver`] sends the deliveries the store's
//! changes leave, [`format`] shapes them for Slack and Teams.
//!
//! Why the secret is handled here: it signs every delivery, so Keel must read it back, and it
//! is sealed with the server's secret key (`crate::secrets`) before it reaches the store; it is
//! shown once, in the answer that created or replaced it, and never again. A URL is checked by
//! the outbound client's rules (`crate::outbound`) when saved, and again at every request.

pub mod deliver;
pub mod format;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::outbound::OutboundPolicy;
use crate::secrets::KeySource;
use keel_domain::webhook::{self, WebhookEvent, WebhookFormat};
use keel_domain::*;
use keel_store::{Store, WebhookEndpoint, Webhooks};
use serde::Deserialize;
use utoipa::ToSchema;

/// What an administrator sends to register or change an endpoint (every field optional on a
/// change: what is left out stays).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where deliveries are POSTed: an `http` or `https` URL.
    pub url: Option<String>,
    /// The events sent (at least one): `check_in.recorded`, `key_result.status_changed`,
    /// `ownership.requested`, `ownership.answered`, `cycle.closed`.
    pub events: Option<Vec<String>>,
    /// The signing secret (at least 16 characters). Left out on registration: one is
    /// generated. Returned once, in this answer only.
    pub secret: Option<String>,
    /// `keel` (default), `slack` or `teams`.
    pub format: Option<String>,
}

/// An endpoint's settings once checked.
struct Checked {
    url: String,
    events: Vec<WebhookEvent>,
    format: WebhookFormat,
}

/// Checks `input` over `base` (a stored endpoint's values, or none for a new one): every
/// refusal at once, each naming its field.
fn check(
    policy: OutboundPolicy,
    input: &WebhookInput,
    base: Option<&WebhookEndpoint>,
) -> Result<Checked, Vec<FieldError>> {
    let mut errors = FieldErrors::default();
    let url = match (&input.url, base) {
        (Some(u), _) => errors.keep(check_url(policy, u)),
        (None, Some(b)) => Some(b.url.clone()),
        (None, None) => errors.keep(Err(FieldError::new("url", "is required"))),
    };
    let events: Vec<String> = match (&input.events, base) {
        (Some(e), _) => e.clone(),
        (None, Some(b)) => b.events.iter().map(|e| e.as_str().to_string()).collect(),
        (None, None) => vec![],
    };
    let format = match (&input.format, base) {
        (Some(f), _) => f.clone(),
        (None, Some(b)) => b.format.as_str().to_string(),
        (None, None) => WebhookFormat::Keel.as_str().to_string(),
    };
    let checked = match webhook::check_endpoint(&events, input.secret.as_deref(), &format) {
        Ok(c) => Some(c),
        Err(all) => {
            errors.0.extend(all);
            None
        }
    };
    match (url, checked) {
        (Some(url), Some((events, format))) => errors.or(Checked {
            url,
            events,
            format,
        }),
        _ => Err(errors.0),
    }
}

/// A URL Keel may send to, as the outbound client's rules decide, refused naming `url`.
pub fn check_url(policy: OutboundPolicy, url: &str) -> FieldResult<String> {
    let url = url.trim();
    if url.is_empty() {
        return Err(FieldError::new("url", "is required"));
    }
    if url.len() > webhook::MAX_URL_LEN {
        return Err(FieldError::new(
            "url",
            format!("must be at most {} characters", webhook::MAX_URL_LEN),
        ));
    }
    policy
        .check_url(url)
        .map(|u| u.to_string())
        .map_err(|e| FieldError::new("url", e.to_string()))
}

/// Registering, changing and removing endpoints: administrators only.
pub fn may_manage(caller: &Caller) -> ApiResult<()> {
    crate::access::manage_webhooks(&caller.person)
}

fn seal(keys: &KeySource, secret: &str) -> ApiResult<String> {
    keys.key()
        .map(|k| k.seal(secret))
        .map_err(|e| ApiError::Internal(format!("a webhook secret cannot be sealed: {e}")))
}

/// A new signing secret: `whsec_` and 32 random bytes as hex.
fn new_secret() -> String {
    format!("whsec_{}", crate::auth::random_token())
}

/// Registers an endpoint; returns it with its secret (given or generated), shown this once.
pub async fn create(
    store: &dyn Store,
    keys: &KeySource,
    policy: OutboundPolicy,
    caller: &Caller,
    input: &WebhookInput,
) -> Result<(WebhookEndpoint, String), Refused> {
    may_manage(caller)?;
    let c = check(policy, input, None).map_err(Refused::Fields)?;
    let secret = input.secret.clone().unwrap_or_else(new_secret);
    let now = crate::services::now();
    let endpoint = WebhookEndpoint {
        id: WebhookId::generate(),
        url: c.url,
        events: c.events,
        format: c.format,
        secret_sealed: seal(keys, &secret)?,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    store
        .insert_webhook(&caller.write_ctx(), &endpoint)
        .await
        .map_err(ApiError::from)?;
    Ok((endpoint, secret))
}

/// Changes an endpoint (at `version` when given); a new secret replaces the old one.
pub async fn update(
    store: &dyn Store,
    keys: &KeySource,
    policy: OutboundPolicy,
    caller: &Caller,
    id: &WebhookId,
    version: Option<i64>,
    input: &WebhookInput,
) -> Result<WebhookEndpoint, Refused> {
    may_manage(caller)?;
    let before = store
        .webhook(id)
        .await
        .map_err(ApiError::from)?
        .ok_or(ApiError::NotFound("webhook"))?;
    if version.is_some_and(|v| v != before.version) {
        return Err(ApiError::PreconditionFailed.into());
    }
    let c = check(policy, input, Some(&before)).map_err(Refused::Fields)?;
    let secret_sealed = match &input.secret {
        Some(s) => seal(keys, s)?,
        None => before.secret_sealed.clone(),
    };
    let after = WebhookEndpoint {
        url: c.url,
        events: c.events,
        format: c.format,
        secret_sealed,
        ..before.clone()
    };
    Ok(store
        .update_webhook(&caller.write_ctx(), &before, &after)
        .await
        .map_err(ApiError::from)?)
}

/// Removes an endpoint and its deliveries.
pub async fn delete(store: &dyn Store, caller: &Caller, id: &WebhookId) -> ApiResult<()> {
    may_manage(caller)?;
    store.delete_webhook(&caller.write_ctx(), id).await?;
    Ok(())
}

/// Queues a `webhook.test` event to one endpoint (sent by the job runner like any other).
pub async fn send_test(
    store: &dyn Store,
    caller: &Caller,
    id: &WebhookId,
) -> ApiResult<WebhookDeliveryId> {
    may_manage(caller)?;
    let data = serde_json::json!({
        "sent_by": {"id": caller.person.id, "name": caller.person.name},
        "message": "A test event from Keel: this endpoint is set up.",
    });
    Ok(store
        .queue_webhook_test(&caller.write_ctx(), id, data)
        .await?)
}

/// Why a registration or change was refused: the refused fields (all of them, for a form), or
/// another error.
#[derive(Debug)]
pub enum Refused {
    Fields(Vec<FieldError>),
    Other(ApiError),
}

impl From<ApiError> for Refused {
    fn from(e: ApiError) -> Self {
        Refused::Other(e)
    }
}

impl From<Refused> for ApiError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Fields(errors) => ApiError::Invalid(keel_domain::error::first(errors)),
            Refused::Other(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(url: &str, events: &[&str], secret: Option<&str>, format: &str) -> WebhookInput {
        WebhookInput {
            url: Some(url.into()),
            events: Some(events.iter().map(|s| s.to_string()).collect()),
            secret: secret.map(String::from),
            format: Some(format.into()),
        }
    }

    #[test]
    fn every_refused_field_is_named() {
        let bad = input("ftp://example.com", &["nope"], Some(""), "xml");
        let errors = check(OutboundPolicy::default(), &bad, None).err().unwrap();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["url", "events[0]", "secret", "format"]);
        let good = input(
            "https://hooks.example.com/k",
            &["cycle.closed"],
            None,
            "slack",
        );
        let c = check(OutboundPolicy::default(), &good, None).ok().unwrap();
        assert_eq!(c.format, WebhookFormat::Slack);
    }
}
