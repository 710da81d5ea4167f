//! One-click unsubscribe links (RFC 8058): `<public URL>/unsubscribe/<token>`, where the token
//! names a person and a topic and carries an HMAC-SHA256 over both with a server key. The key
//! is random, made on first use and kept in the store (`signing_keys`), so every Keel server
//! signs and checks alike. The link works without signing in (it is the person's mail client
//! that follows it); a token that does not verify changes nothing.

use crate::error::{ApiError, ApiResult};
use keel_domain::preferences::{Delivery, Topic};
use keel_domain::*;
use keel_store::{People, Store};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The signing key's purpose in `signing_keys`.
const KEY_PURPOSE: &str = "unsubscribe";

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| block.iter().map(|k| k ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The server's unsubscribe key (made on first use).
pub async fn key(store: &dyn Store) -> ApiResult<Vec<u8>> {
    let mut fresh = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut fresh);
    let k = store
        .as_preferences()
        .signing_key(KEY_PURPOSE, &hex::encode(fresh), crate::services::now())
        .await?;
    hex::decode(k).map_err(|e| ApiError::Internal(format!("the unsubscribe key is damaged: {e}")))
}

/// The token for `person` and `topic`: `<person>.<topic>.<mac>`.
pub fn token(key: &[u8], person: &PersonId, topic: Topic) -> String {
    let mac = hmac(key, format!("{person}.{}", topic.as_str()).as_bytes());
    format!("{person}.{}.{}", topic.as_str(), hex::encode(mac))
}

/// Whom and what a good token names. 400 for a token that is not one, 404 for one that does
/// not verify or names nobody.
pub async fn check(store: &dyn Store, token: &str) -> ApiResult<(Person, Topic)> {
    let malformed = || ApiError::BadRequest("this is not an unsubscribe link".into());
    let mut parts = token.split('.');
    let (Some(person), Some(topic), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let topic = Topic::parse(topic).ok_or_else(malformed)?;
    let sent = hex::decode(mac).map_err(|_| malformed())?;
    let key = key(store).await?;
    let want = hmac(&key, format!("{person}.{}", topic.as_str()).as_bytes());
    if !crate::auth::same_secret(&hex::encode(want), &hex::encode(sent)) {
        return Err(ApiError::NotFound("unsubscribe link"));
    }
    let p = store
        .person(&PersonId::from_string(person))
        .await?
        .ok_or(ApiError::NotFound("unsubscribe link"))?;
    Ok((p, topic))
}

/// Unsubscribes the person a good token names from its topic (at once: the next round sends
/// them nothing of it). Returns whom and what.
pub async fn unsubscribe(store: &dyn Store, token: &str) -> ApiResult<(Person, Topic)> {
    let (p, topic) = check(store, token).await?;
    let off = match topic {
        Topic::Digest => Delivery::Off,
        _ => Delivery::InApp,
    };
    store
        .as_preferences()
        .set_notification_preferences(Some(&p.id), &[(topic, off)], crate::services::now())
        .await?;
    tracing::info!(person = %p.id, topic = topic.as_str(), "unsubscribed by one click");
    Ok((p, topic))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_token_names_its_person_and_topic() {
        let p = PersonId::generate();
        let t = token(b"k", &p, Topic::Digest);
        assert!(t.starts_with(&format!("{p}.digest.")));
        assert_ne!(t, token(b"other", &p, Topic::Digest));
        assert_ne!(t, token(b"k", &p, Topic::CheckInReminders));
    }
}
