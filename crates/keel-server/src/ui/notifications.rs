//! The notification centre in the browser: the bell in the header of every page (with the unread
//! count), the `/notifications` page (newest first, paginated, each linking to where the reader
//! acts on it through `/notifications/{id}/open`, which marks it read on the way) and its forms
//! to mark one or all read.
//!
//! Why the count is found by the CSRF guard: it runs once for every page request with the
//! signed-in person in hand, so the layout (built synchronously by every page) reads the count
//! from the request's task-local instead of each page querying it.

use crate::error::ApiError;
use crate::read::notifications::{self as read, NotificationView};
use crate::services::notifications as svc;
use crate::ui::{encode, render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use keel_domain::{NotificationId, Person};
use keel_store::PageRequest;
use serde::Deserialize;

/// The page's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(notifications))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/read", post(read_one))
        .route("/notifications/{id}/open", get(open))
}

tokio::task_local! {
    static UNREAD: u64;
}

/// Runs a page request with the signed-in person's unread count known to its layout.
pub async fn with_unread<F: std::future::Future>(
    state: &AppState,
    person: Option<&Person>,
    f: F,
) -> F::Output {
    let count = match person {
        Some(p) => read::unread(state.store(), p).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "counting unread notifications failed");
            0
        }),
        None => 0,
    };
    UNREAD.scope(count, f).await
}

/// The unread count of the current request's person (0 outside a page request).
pub fn unread() -> u64 {
    UNREAD.try_with(|n| *n).unwrap_or(0)
}

/// One notification as the page lists it.
struct Line {
    id: String,
    text: String,
    link: String,
    at: String,
    unread: bool,
}

impl From<NotificationView> for Line {
    fn from(n: NotificationView) -> Self {
        Line {
            id: n.id.to_string(),
            text: n.text,
            link: format!("/notifications/{}/open", n.id),
            at: super::format::when(n.created_at),
            unread: n.read_at.is_none(),
        }
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    lines: Vec<Line>,
    /// The address of the next (older) page.
    next: Option<String>,
    /// The cursor of this page, sent back by the forms so the reader stays on it.
    cursor: String,
}

#[derive(Deserialize)]
pub struct PageQuery {
    cursor: Option<String>,
}

/// `GET /notifications`: newest first, 50 a page.
async fn notifications(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, UiError> {
    let cursor = q.cursor.filter(|c| !c.is_empty());
    let page = PageRequest {
        limit: 50,
        cursor: cursor.clone(),
    };
    let got = match read::list(state.store(), &caller.person, &page).await {
        Err(ApiError::Invalid(_)) => {
            return Err(UiError(ApiError::BadRequest(
                "this page of notifications does not exist (the link is out of date): open Notifications again".into(),
            )))
        }
        other => other?,
    };
    let page = NotificationsPage {
        layout: Layout::signed_in(&caller, ""),
        lines: got.items.into_iter().map(Line::from).collect(),
        next: got
            .next_cursor
            .map(|c| format!("/notifications?cursor={}", encode(&c))),
        cursor: cursor.unwrap_or_default(),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct BackTo {
    #[serde(default)]
    cursor: String,
}

/// Where a form returns: the page it was sent from.
fn back(cursor: &str) -> Response {
    if cursor.is_empty() {
        Redirect::to("/notifications").into_response()
    } else {
        Redirect::to(&format!("/notifications?cursor={}", encode(cursor))).into_response()
    }
}

/// `POST /notifications/{id}/read`: someone else's, or one the reader can no longer see, is 404.
async fn read_one(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    axum::Form(to): axum::Form<BackTo>,
) -> Result<Response, UiError> {
    svc::mark_read(
        state.store(),
        &caller.person,
        &NotificationId::from_string(id),
    )
    .await?;
    Ok(back(&to.cursor))
}

/// `GET /notifications/{id}/open`: marks the reader's own notification read and lands on where
/// they act on it (the bell's page and event emails link here). A GET that changes state, on
/// purpose: it only sets the reader's own read mark, once (opening again changes nothing),
/// behind an unguessable id, so a link followed twice, from a mail client or by a prefetcher
/// does no harm, and a plain link works in a new tab and from email. Someone else's, or one the
/// reader can no longer see, is 404 and marks nothing.
async fn open(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let n = svc::mark_read(
        state.store(),
        &caller.person,
        &NotificationId::from_string(id),
    )
    .await?;
    Ok(Redirect::to(&read::link(&n)).into_response())
}

/// `POST /notifications/read-all`.
async fn read_all(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    axum::Form(to): axum::Form<BackTo>,
) -> Result<Response, UiError> {
    svc::mark_all_read(state.store(), &caller.person).await?;
    Ok(back(&to.cursor))
}
