//! The first pages: home (a redirect) and My week. The pages engineer extends these; each is a
//! template struct with a `layout` field. (The administrator's list of people is in `admin`.)

use super::{render, Layout, SignedIn, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use keel_domain::OwnershipState;

/// `GET /`: My week for a signed-in person, the sign-in page for anyone else.
pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, UiError> {
    let signed_in = crate::auth::session::current(state.store(), &state.auth, &headers)
        .await?
        .is_some();
    Ok(Redirect::to(if signed_in { "/my-week" } else { "/sign-in" }).into_response())
}

/// One line of My week.
pub struct Line {
    pub title: String,
    pub detail: String,
    pub percent: i64,
    /// Named owner, not yet accepted.
    pub pending: bool,
}

#[derive(Template)]
#[template(path = "my_week.html")]
struct MyWeekPage {
    layout: Layout,
    owned_objectives: Vec<Line>,
    owned_key_results: Vec<Line>,
    contributing: Vec<Line>,
}

fn state_word(s: OwnershipState) -> &'static str {
    match s {
        OwnershipState::Accepted => "accepted",
        OwnershipState::Pending => "pending",
        OwnershipState::Declined => "declined",
    }
}

/// `GET /my-week`: the OKRs the person owns and contributes to (two queries in all).
pub async fn my_week(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
) -> Result<Response, UiError> {
    let me = &caller.person.id;
    let inv = state.store().okrs_involving(me).await?;
    let mut owned_objectives = Vec::new();
    let mut owned_key_results = Vec::new();
    let mut contributing = Vec::new();
    for o in &inv.objectives {
        if &o.owner_id == me {
            owned_objectives.push(Line {
                title: o.title.clone(),
                detail: format!(
                    "{:?} · ownership {}",
                    o.state,
                    state_word(o.ownership_state)
                )
                .to_lowercase(),
                percent: 0,
                pending: o.ownership_state == OwnershipState::Pending,
            });
        } else {
            let role = if o.sponsor_id.as_ref() == Some(me) {
                "sponsor"
            } else if o.co_owner_ids.contains(me) {
                "co-owner"
            } else {
                "contributor"
            };
            contributing.push(Line {
                title: o.title.clone(),
                detail: format!("objective · {role}"),
                percent: 0,
                pending: false,
            });
        }
    }
    for k in &inv.key_results {
        let percent = (k.progress().progress * 100.0).round() as i64;
        if &k.owner_id == me {
            owned_key_results.push(Line {
                title: k.title.clone(),
                detail: format!(
                    "{} of {} {}{}",
                    k.current,
                    k.target,
                    k.unit,
                    k.confidence
                        .map(|c| format!(" · confidence {c}"))
                        .unwrap_or_default()
                ),
                percent,
                pending: k.ownership_state == OwnershipState::Pending,
            });
        } else {
            let role = if k.sponsor_id.as_ref() == Some(me) {
                "sponsor"
            } else if k.co_owner_ids.contains(me) {
                "co-owner"
            } else {
                "contributor"
            };
            contributing.push(Line {
                title: k.title.clone(),
                detail: format!("key result · {role} · {percent}%"),
                percent,
                pending: false,
            });
        }
    }
    let page = MyWeekPage {
        layout: Layout::signed_in(&caller, "/my-week"),
        owned_objectives,
        owned_key_results,
        contributing,
    };
    Ok(render(StatusCode::OK, &page))
}
