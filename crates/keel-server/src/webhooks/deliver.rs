//! Sending one delivery (the `webhook_delivery` job): its endpoint's secret opened, the body
//! rendered in the endpoint's format and signed, POSTed through the SSRF-safe client, and the
//! attempt recorded with its status code, duration and error in words (never the receiver's
//! body). A failed attempt fails the job, which the queue retries with its backoff; after the
//! last attempt the delivery is recorded as failed.
//!
//! The signature is Stripe's scheme: `Keel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>">` under the endpoint's secret, so a receiver can check the body and refuse a
//! replay outside its tolerance (docs/webhooks.md).

use crate::mail::MailConfig;
use crate::outbound::{Limits, Outbound};
use hmac::{Hmac, Mac};
use keel_domain::WebhookDeliveryId;
use keel_store::{DeliveryState, Job, Store, WebhookAttempt, Webhooks};
use sha2::Sha256;

/// The signature header of `body` sent at `t` (unix seconds) under `secret`.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends the delivery the job names. `Err` (in words) when this attempt failed: the job is
/// retried. A delivery that is gone (its endpoint was removed) or already delivered is done.
pub async fn run(store: &dyn Store, job: &Job, mail: &MailConfig) -> Result<(), String> {
    let id = job
        .payload
        .get("delivery_id")
        .and_then(|v| v.as_str())
        .ok_or("the job names no delivery")?;
    let id = WebhookDeliveryId::from_string(id);
    let Some(delivery) = store
        .webhook_delivery(&id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    if delivery.state == DeliveryState::Delivered {
        return Ok(());
    }
    let Some(endpoint) = store
        .webhook(&delivery.endpoint_id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    let started = std::time::Instant::now();
    let at = crate::services::now();
    let outcome = match mail
        .keys
        .key()
        .and_then(|k| k.open(&endpoint.secret_sealed))
    {
        Err(e) => Err((None, format!("the endpoint's secret cannot be opened: {e}"))),
        Ok(secret) => {
            let body = super::format::render(endpoint.format, &delivery.payload);
            let body = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
            let headers = [
                ("keel-signature", signature(&secret, at.timestamp(), &body)),
                ("keel-event", delivery.event.as_str().to_string()),
                ("keel-delivery", delivery.id.to_string()),
            ];
            Outbound::new(mail.outbound, Limits::default())
                .post_json(&endpoint.url, &headers, body)
                .await
                .map(|r| r.status)
                .map_err(|e| (e.status(), e.to_string()))
        }
    };
    let last = job.attempts >= job.max_attempts;
    let (status_code, error, state) = match &outcome {
        Ok(status) => (Some(*status), None, DeliveryState::Delivered),
        Err((status, e)) if last => (*status, Some(e.clone()), DeliveryState::Failed),
        Err((status, e)) => (*status, Some(e.clone()), DeliveryState::Pending),
    };
    let attempt = WebhookAttempt {
        delivery_id: delivery.id.clone(),
        attempt: job.attempts,
        at,
        status_code,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        error,
    };
    match store.record_webhook_attempt(&attempt, state).await {
        Ok(()) | Err(keel_store::StoreError::NotFound) => {}
        Err(e) => return Err(e.to_string()),
    }
    tracing::info!(
        delivery = %delivery.id,
        event = delivery.event.as_str(),
        attempt = job.attempts,
        status = ?status_code,
        ok = outcome.is_ok(),
        "a webhook delivery was attempted"
    );
    outcome.map(|_| ()).map_err(|(_, e)| e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_time_dot_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, br#"{"a":1}"#),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }
}
