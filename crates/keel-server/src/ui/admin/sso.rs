//! The single sign-on status page (administrators): whether it is configured and how, read-only
//! (it comes from configuration; the client secret is never shown).

use super::{sections, Section};
use crate::ui::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "admin_sso.html")]
struct SsoPage {
    layout: Layout,
    sections: Vec<Section>,
    configured: bool,
    issuer: String,
    client_id: String,
    redirect_uri: String,
    roles_claim: String,
    role_map: Vec<(String, String)>,
}

/// `GET /admin/sso`: whether single sign-on is configured, and how (read-only: it comes from
/// configuration, and the client secret is never shown).
pub async fn sso(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    crate::access::configure_sso(&caller.person)?;
    let oidc = state.auth.oidc.as_ref();
    let page = SsoPage {
        layout: Layout::signed_in(&caller, "/admin"),
        sections: sections(&caller, "/admin/sso"),
        configured: oidc.is_some(),
        issuer: oidc.map(|o| o.issuer.clone()).unwrap_or_default(),
        client_id: oidc.map(|o| o.client_id.clone()).unwrap_or_default(),
        redirect_uri: oidc.map(|o| o.redirect_uri.clone()).unwrap_or_default(),
        roles_claim: oidc.map(|o| o.roles_claim.clone()).unwrap_or_default(),
        role_map: oidc
            .map(|o| {
                o.role_map
                    .iter()
                    .map(|(g, r)| (g.clone(), r.as_str().to_string()))
                    .collect()
            })
            .unwrap_or_default(),
    };
    Ok(render(StatusCode::OK, &page))
}
