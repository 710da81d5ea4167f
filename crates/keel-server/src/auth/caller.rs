//! Who is calling: the authenticated person behind a request and how they proved it (an API
//! token or a browser session). Kept apart from HTTP so that services and jobs can name a
//! `Caller` without depending on request parsing; `auth::extractor` builds one from a request.

use keel_domain::{ApiToken, Person, Source};
use keel_store::{Session, WriteCtx};

/// The authenticated person behind a request, and how they authenticated: an API token
/// (`Authorization: Bearer …`) or a browser session cookie.
///
/// `/api/v1` accepts both. A session-authenticated write must carry the session's CSRF token in
/// `x-csrf-token` (403 otherwise), so the browser UI (htmx included) can call the JSON API while
/// another site cannot make a signed-in browser write. Web UI routes authenticate by session only
/// (see `ui::SignedIn`).
#[derive(Debug, Clone)]
pub struct Caller {
    pub person: Person,
    /// The API token, when the request carried one.
    pub token: Option<ApiToken>,
    /// The browser session, when the request came with a session cookie.
    pub session: Option<Session>,
    pub request_id: Option<String>,
}

impl Caller {
    /// A caller signed in through a browser session.
    pub fn from_session(session: Session, person: Person) -> Self {
        Caller {
            person,
            token: None,
            session: Some(session),
            request_id: crate::error::current_request_id(),
        }
    }

    /// A caller authenticated by an API token.
    pub fn from_token(token: ApiToken, person: Person) -> Self {
        Caller {
            person,
            token: Some(token),
            session: None,
            request_id: crate::error::current_request_id(),
        }
    }

    /// The audit context for writes made by this caller: source `ui` for a browser session,
    /// `api` for a token.
    pub fn write_ctx(&self) -> WriteCtx {
        WriteCtx {
            actor_id: Some(self.person.id.clone()),
            source: if self.session.is_some() {
                Source::Ui
            } else {
                Source::Api
            },
            request_id: self.request_id.clone(),
        }
    }
}

/// The header carrying the CSRF token on session-authenticated writes (htmx sends it too).
pub const CSRF_HEADER: &str = "x-csrf-token";
