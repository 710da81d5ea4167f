//! The signed-in person's own API tokens (`/account/tokens`): created with the secret shown
//! once, listed with their last use but never their secret, revoked. Everyone signed in has
//! this page; it is part of their account, not administration. The rules are the API's
//! (`services::tokens`), so the page and `/api/v1/tokens` answer alike.

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::services::tokens;
use crate::ui::admin::form::{
    date, enum_choices, optional, parse_enum, wire, AdminForm, Control, Input, Posted,
};
use crate::ui::admin::see_other;
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form as PostedForm, Router};
use keel_domain::*;
use serde::Deserialize;

/// The routes of the account's API tokens.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/tokens", get(tokens_page).post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

/// What the page says once a token is revoked (or was already).
const REVOKED: &str = "The token was revoked: it answers 401 from now on.";

/// One of the signed-in person's tokens.
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "account_tokens.html")]
struct TokensPage {
    layout: Layout,
    form: AdminForm,
    /// The secret of the token just created: shown once.
    secret: Option<String>,
    tokens: Vec<TokenRow>,
}

const SCOPES: [(TokenScope, &str); 2] = [
    (TokenScope::Read, "Read: reads only (403 on any write)"),
    (TokenScope::Write, "Write: reads and writes as you"),
];

fn token_inputs(name: &str, scope: &str, expires_on: &str) -> Vec<Input> {
    vec![
        Input::text("name", "Name", "text", name)
            .required()
            .hint("What uses it, for example the CI export."),
        Input::select("scope", "Scope", enum_choices(&SCOPES, scope), ""),
        Input::text("expires_on", "Last day it works", "text", expires_on).hint(format!(
            "Optional; leave empty for no expiry; {}.",
            super::super::format::date_example()
        )),
    ]
}

async fn tokens_view(
    state: &AppState,
    caller: &Caller,
    inputs: Vec<Input>,
) -> Result<TokensPage, UiError> {
    let tokens = tokens::own(state.store(), caller).await?;
    let layout = Layout::signed_in(caller, "/account/tokens");
    let fmt = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(crate::ui::format::when)
            .unwrap_or_else(|| "never".into())
    };
    Ok(TokensPage {
        form: AdminForm::new(&layout, inputs),
        layout,
        secret: None,
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id.to_string(),
                name: t.name,
                scope: wire(t.scope),
                created: crate::ui::format::day(t.created_at),
                // Its last day, a day where the organisation is: "31 Dec 2026".
                expires: t
                    .expires_on
                    .map(crate::ui::format::date)
                    .unwrap_or_else(|| "no expiry".into()),
                last_used: fmt(t.last_used_at),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
    })
}

#[derive(Deserialize, Default)]
pub struct TokenNotice {
    revoked: Option<String>,
}

/// `GET /account/tokens`: the signed-in person's own tokens (everyone).
pub async fn tokens_page(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(n): Query<TokenNotice>,
) -> Result<Response, UiError> {
    let mut page = tokens_view(&state, &caller, token_inputs("", "read", "")).await?;
    if n.revoked.is_some() {
        page.form.success = Some(REVOKED.into());
    }
    Ok(render(StatusCode::OK, &page))
}

/// `POST /account/tokens`: creates a token and shows its secret, once.
pub async fn create_token(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    PostedForm(f): PostedForm<Posted>,
) -> Result<Response, UiError> {
    let parsed = (|| -> ApiResult<(TokenScope, Option<chrono::NaiveDate>)> {
        let scope = parse_enum("scope", f.get("scope"), "read or write")?;
        let expires = match optional(f.get("expires_on")) {
            Some(d) => Some(date("expires_on", &d)?),
            None => None,
        };
        Ok((scope, expires))
    })();
    let result = match parsed {
        Ok((scope, expires_on)) => {
            tokens::issue(
                state.store(),
                &caller.write_ctx(),
                &caller.person,
                f.get("name"),
                scope,
                expires_on,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((token, secret)) => {
            let mut page = tokens_view(&state, &caller, token_inputs("", "read", "")).await?;
            page.form.success = Some(format!(
                "The token “{}” was created. Copy its secret now: Keel keeps only a hash and will not show it again.",
                token.name
            ));
            page.secret = Some(secret);
            Ok(render(StatusCode::CREATED, &page))
        }
        Err(e) => {
            let mut page = tokens_view(
                &state,
                &caller,
                token_inputs(f.get("name"), f.get("scope"), f.get("expires_on")),
            )
            .await?;
            let status = page.form.show(e)?;
            Ok(render(status, &page))
        }
    }
}

/// `POST /account/tokens/{id}/revoke`: as `DELETE /api/v1/tokens/{id}` (the same service), so
/// a token already revoked is revoked again without complaint and shows the same message;
/// someone else's (or an unknown) token is 404.
pub async fn revoke_token(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    tokens::revoke_own(state.store(), &caller, &TokenId::from_string(id)).await?;
    Ok(see_other("/account/tokens?revoked=1".into()))
}
