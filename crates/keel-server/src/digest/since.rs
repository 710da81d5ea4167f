//! The digest's "since last week" section: the notifications a person chose to read in the
//! weekly digest only (`digest_only`), shown neither on the bell nor by email.
//!
//! Why its own section and query: these are the only place such news reaches its person, so
//! the digest lists each one made in the last seven days, in the same words and with the same
//! link as the bell would, and with the digest's visibility rule: the store filters by the
//! reader's audience now, so news about a private OKR its reader lost sight of is left out.

use crate::error::ApiResult;
use crate::read::notifications::{reader, views};
use crate::services::visibility::Viewer;
use keel_domain::*;
use keel_store::{Notifications, Store};

/// One line of the section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinceLine {
    /// "Ada Lovelace recognised your work on “Ship the beta”"
    pub text: String,
    /// Where to act on it, absolute.
    pub link: String,
}

/// `person`'s news of the week before `now` kept for the digest, oldest first.
pub async fn since_last_week(
    store: &dyn Store,
    person: &Person,
    now: Timestamp,
    base: &str,
) -> ApiResult<Vec<SinceLine>> {
    let items = store
        .digest_notifications(
            &person.id,
            &reader(&Viewer::of(person)),
            now - chrono::Duration::days(7),
        )
        .await?;
    if items.is_empty() {
        return Ok(vec![]);
    }
    Ok(views(store, items)
        .await?
        .into_iter()
        .map(|v| SinceLine {
            text: v.text,
            link: format!("{base}{}", v.link),
        })
        .collect())
}
