//! Reading one's notifications: marking one read, or all of them.
//!
//! Why a use case: the same rule holds for the API and the page: a person marks only their own
//! notifications, and only those they may still see (someone else's, an unknown id, or one about
//! an objective the reader can no longer see all answer 404, never 403).

use crate::error::{ApiError, ApiResult};
use crate::services::visibility::Viewer;
use keel_domain::notification::Notification;
use keel_domain::*;
use keel_store::{Notifications, Reader, Store, StoreError};

/// Marks one of `me`'s notifications read (reading it again keeps the first time).
pub async fn mark_read(
    store: &dyn Store,
    me: &Person,
    id: &NotificationId,
) -> ApiResult<Notification> {
    let reader = Reader::of(Viewer::of(me).audience());
    store
        .mark_notification_read(&me.id, &reader, id, super::now())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::NotFound("notification"),
            other => other.into(),
        })
}

/// Marks every unread notification of `me` that they may see read; how many were.
pub async fn mark_all_read(store: &dyn Store, me: &Person) -> ApiResult<u64> {
    let reader = Reader::of(Viewer::of(me).audience());
    Ok(store
        .mark_all_notifications_read(&me.id, &reader, super::now())
        .await?)
}
