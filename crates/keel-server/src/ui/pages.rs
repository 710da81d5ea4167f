//! The first pages: home (a redirect), My week, and the administrator's list of people. The
//! pages engineer extends these; each is a template struct with a `layout` field.

use super::{render, Layout, SignedIn, UiError};
use crate::error::ApiError;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use keel_domain::{OwnershipState, Person};
use keel_store::{PageRequest, PeopleFilter};
use serde::Deserialize;

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

/// One row of the people table.
pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub active: bool,
}

impl From<Person> for PersonRow {
    fn from(p: Person) -> Self {
        Self {
            id: p.id.to_string(),
            name: p.name,
            email: p.email.as_str().to_string(),
            roles: p
                .roles
                .iter()
                .map(|r| format!("{r:?}").to_lowercase())
                .collect::<Vec<_>>()
                .join(", "),
            active: p.active,
        }
    }
}

#[derive(Template)]
#[template(path = "admin_people.html")]
struct AdminPeoplePage {
    layout: Layout,
    people: Vec<PersonRow>,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
pub struct Cursor {
    cursor: Option<String>,
}

/// `GET /admin`: people, with a password reset for each (administrators only).
pub async fn admin_people(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<Cursor>,
) -> Result<Response, UiError> {
    crate::authz::manage_people(&caller.person)?;
    let page = state
        .store()
        .list_people(
            &PeopleFilter::default(),
            &PageRequest {
                limit: 100,
                cursor: q.cursor.filter(|c| !c.is_empty()),
            },
        )
        .await
        .map_err(ApiError::from)?;
    let view = AdminPeoplePage {
        layout: Layout::signed_in(&caller, "/admin"),
        people: page.items.into_iter().map(PersonRow::from).collect(),
        next_cursor: page.next_cursor.map(|c| super::encode(&c)),
    };
    Ok(render(StatusCode::OK, &view))
}
