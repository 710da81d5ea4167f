//! The daily cleanup: the job queue and the notification centre would otherwise grow forever
//! (a periodic job leaves a row per period; people rarely delete what they have read).
//!
//! Why these limits: a done job is only history once a fortnight has passed (an operator
//! looking into last week still finds it); a dead job is kept until an operator deals with it,
//! since it is the only record of what failed. A notification read three months ago, or one
//! kept for a digest that went out long since, is no longer news. An invitation or
//! password-reset link that was used or expired can never work again: it goes at once. See docs/notifications.md,
//! "Cleanup".

use crate::error::ApiResult;
use keel_domain::Timestamp;
use keel_store::{AccountTokens, Jobs, Notifications, Store};

/// The job kind of the daily cleanup.
pub const CLEANUP: &str = "clean_up";

/// Done jobs older than this (by when they finished) are deleted.
pub const DONE_JOBS_KEPT: chrono::Duration = chrono::Duration::days(14);

/// Read notifications older than this (by when they were read), and those kept for the digest
/// older than this (by when they were made), are deleted.
pub const READ_NOTIFICATIONS_KEPT: chrono::Duration = chrono::Duration::days(90);

/// What a cleanup deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cleaned {
    pub jobs: u64,
    pub notifications: u64,
    /// Invitation and password-reset links used or expired.
    pub account_links: u64,
}

/// Deletes what has outlived its use at `now`.
pub async fn clean_up(store: &dyn Store, now: Timestamp) -> ApiResult<Cleaned> {
    let jobs = store.delete_done_jobs(now - DONE_JOBS_KEPT).await?;
    let notifications = store
        .delete_old_notifications(now - READ_NOTIFICATIONS_KEPT)
        .await?;
    let account_links = store.delete_spent_account_tokens(now).await?;
    if jobs + notifications + account_links > 0 {
        tracing::info!(
            jobs,
            notifications,
            account_links,
            "cleaned up done jobs, old notifications and spent account links"
        );
    }
    Ok(Cleaned {
        jobs,
        notifications,
        account_links,
    })
}
