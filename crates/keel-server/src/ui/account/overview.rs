//! The account page (`/account`), where one's own name in the header leads: who you are in Keel
//! and the ways to change your own account (password, time zone, API tokens). API tokens live
//! here rather than under "Admin", which only those who may administer something see.

use crate::ui::{render, Layout, SignedIn, UiError};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    name: String,
    email: String,
    title: String,
    /// The person's own time zone, or the words for following the organisation's.
    zone: String,
}

/// `GET /account`: one's own account, with links to each thing one may change.
pub async fn overview(SignedIn(caller): SignedIn) -> Result<Response, UiError> {
    let p = &caller.person;
    let page = AccountPage {
        layout: Layout::signed_in(&caller, ""),
        name: p.name.clone(),
        email: p.email.as_str().to_string(),
        title: p.title.clone(),
        zone: p
            .time_zone
            .clone()
            .filter(|z| !z.is_empty())
            .unwrap_or_else(|| "the organisation's".into()),
    };
    Ok(render(StatusCode::OK, &page))
}
