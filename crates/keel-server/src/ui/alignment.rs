//! The alignment tree page (`/alignment`): objectives and key results under what they contribute
//! to, across cycles, with progress and status at every node. Why it opens a level at a time: a
//! large organisation's whole tree would be megabytes, so the page holds a page of roots; opening
//! a node (`<details>`, keyboard-accessible by itself) fetches its children with htmx
//! (`/alignment/children`), and without JavaScript the node links to its own subtree page
//! (`/alignment?parent=`). Filters are a plain GET form, so a view can be shared as a link.

use super::company::{percent, Choice, StatusBadge};
use super::{render, Layout, SignedIn, UiError};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::read::alignment::{self, AlignmentNode, Filters, Level, TreeFilter};
use crate::read::pickers;
use crate::read::search::{self as find};
use crate::services::alignment as aligning;
use crate::services::guards;
use crate::services::visibility::Viewer;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form as PostedForm, Router};
use keel_domain::rhythm::Status;
use keel_domain::*;
use keel_store::{PageRequest, SearchKind, Store};
use std::collections::HashMap;

/// The tree page, the fragment that opens a node, and the key result page's "aligns to" form
/// with its picker.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/alignment", get(tree))
        .route("/alignment/children", get(children))
        .route("/alignment/pick", get(pick))
        .route("/key-results/{id}/alignment", post(align))
}

/// How many nodes a page (or an opened node) shows at a time.
const PAGE: u32 = 50;

/// One node as a line of the tree.
pub struct NodeLine {
    pub id: String,
    /// "Objective" or "Key result".
    pub kind: &'static str,
    pub href: String,
    pub title: String,
    pub owner_id: String,
    pub owner: String,
    pub cycle: String,
    pub percent: i64,
    pub status: StatusBadge,
    pub children: usize,
}

impl NodeLine {
    fn of(n: AlignmentNode) -> Self {
        let (kind, href) = if n.kind == "objective" {
            ("Objective", format!("/objectives/{}", n.id))
        } else {
            ("Key result", format!("/key-results/{}", n.id))
        };
        Self {
            kind,
            href,
            percent: percent(n.progress),
            status: StatusBadge::new(n.status, String::new()),
            id: n.id,
            title: n.title,
            owner_id: n.owner_id.to_string(),
            owner: n.owner,
            cycle: n.cycle,
            children: n.children,
        }
    }
}

#[derive(Template)]
#[template(path = "alignment.html")]
struct TreePage {
    layout: Layout,
    cycles: Vec<Choice>,
    /// The team chosen, if any (the picker finds the others).
    teams: Vec<Choice>,
    /// What was typed in the team's find field (kept when it named no team).
    team_find: String,
    statuses: Vec<Choice>,
    /// The owner chosen, as `(id, name)`.
    owner: Option<(String, String)>,
    /// What was typed in the owner's find field (kept when it named nobody).
    owner_find: String,
    /// The filter at fault and why.
    error: Option<(String, String)>,
    /// An error not about a filter (an unknown `parent`, a bad cursor), shown above the tree.
    general_error: Option<String>,
    filtered: bool,
    /// The subtree page: the node whose children are shown.
    parent: Option<NodeLine>,
    nodes: Vec<NodeLine>,
    /// Roots aligned to something the reader may not see.
    under_hidden: Vec<NodeLine>,
    /// The next page of this list.
    more_href: Option<String>,
    /// The same, as a fragment for htmx (children only).
    more_fragment: Option<String>,
}

impl TreePage {
    fn error_for(&self, field: &str) -> Option<String> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
    }
}

/// The children of one node, for htmx to put under it.
#[derive(Template)]
#[template(path = "alignment_nodes.html")]
struct NodesFragment {
    nodes: Vec<NodeLine>,
    more_href: Option<String>,
    more_fragment: Option<String>,
}

fn q_str(q: &HashMap<String, String>, k: &str) -> Option<String> {
    q.get(k)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A query string of `pairs` (empty values left out).
fn query_of(pairs: &[(&str, Option<String>)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (*k, v)))
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// `GET /alignment`: the roots (filtered), or with `parent` one node's subtree page.
pub async fn tree(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let store = state.store();
    let owner_find = q_str(&q, "owner_id.find").unwrap_or_default();
    let team_find = q_str(&q, "team_id.find").unwrap_or_default();
    let mut filter = TreeFilter {
        cycle_id: q_str(&q, "cycle_id"),
        team_id: q_str(&q, "team_id"),
        owner_id: q_str(&q, "owner_id"),
        status: q_str(&q, "status"),
    };
    let parent = q_str(&q, "parent");
    let cursor = q_str(&q, "cursor");
    let attempt = async {
        if filter.owner_id.is_none() && !owner_find.is_empty() {
            let found = pickers::resolve_people(store, "owner_id", &owner_find, &[]).await?;
            filter.owner_id = found.first().map(PersonId::to_string);
        }
        if filter.team_id.is_none() && !team_find.is_empty() {
            let found =
                pickers::resolve_team(store, "team_id", None, Some(team_find.as_str())).await?;
            filter.team_id = found.map(|t| t.id.to_string());
        }
        let f = alignment::filters(store, &filter).await?;
        let page = PageRequest {
            limit: PAGE,
            cursor: cursor.clone(),
        };
        let level = alignment::level(store, &caller, &f, parent.as_deref(), &page).await?;
        Ok::<(Filters, Level), ApiError>((f, level))
    };
    let (f, level, error) = match attempt.await {
        Ok((f, l)) => (f, Some(l), None),
        Err(ApiError::Invalid(e)) => {
            // The form again with the message next to the filter at fault; no tree.
            let f = alignment::filters(store, &TreeFilter::default()).await?;
            (f, None, Some((e.field.clone(), e.message.clone())))
        }
        Err(e) => return Err(e.into()),
    };
    let shown_cycle = match &error {
        Some((field, _)) if field == "cycle_id" => filter.cycle_id.clone(),
        _ => f.cycle.as_ref().map(|c| c.id.to_string()),
    };
    let level = level.unwrap_or(Level {
        parent: None,
        nodes: vec![],
        next_cursor: None,
    });
    let more_href = level.next_cursor.as_ref().map(|c| {
        format!(
            "/alignment?{}",
            query_of(&[
                ("parent", parent.clone()),
                ("cycle_id", filter.cycle_id.clone()),
                ("team_id", filter.team_id.clone()),
                ("owner_id", filter.owner_id.clone()),
                ("status", filter.status.clone()),
                ("cursor", Some(c.clone())),
            ])
        )
    });
    let (under_hidden, nodes): (Vec<_>, Vec<_>) =
        level.nodes.into_iter().partition(|n| n.aligned_to_hidden);
    let page = TreePage {
        layout: Layout::signed_in(&caller, "/alignment"),
        cycles: f
            .cycles
            .iter()
            .map(|c| Choice {
                value: c.id.to_string(),
                label: c.name.clone(),
                selected: shown_cycle.as_deref() == Some(c.id.as_str()),
            })
            .collect(),
        // The team filter is a picker: only the team chosen is named, never every team.
        teams: super::company::team_choice(f.team.as_ref()),
        team_find: if f.team.is_some() {
            String::new()
        } else {
            team_find
        },
        statuses: Status::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_string(),
                label: s.label().to_string(),
                selected: filter.status.as_deref() == Some(s.as_str()),
            })
            .collect(),
        owner: f.owner.as_ref().map(|p| (p.id.to_string(), p.name.clone())),
        owner_find: if f.owner.is_some() {
            String::new()
        } else {
            owner_find
        },
        filtered: filter.team_id.is_some()
            || filter.owner_id.is_some()
            || filter.status.is_some()
            || error.is_some(),
        general_error: error
            .as_ref()
            .filter(|(f, _)| !["cycle_id", "team_id", "owner_id", "status"].contains(&f.as_str()))
            .map(|(_, m)| m.clone()),
        error,
        parent: level.parent.map(NodeLine::of),
        nodes: nodes.into_iter().map(NodeLine::of).collect(),
        under_hidden: under_hidden.into_iter().map(NodeLine::of).collect(),
        more_href,
        more_fragment: None,
    };
    let status = if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(status, &page))
}

/// `GET /alignment/children?parent=`: a node's children as list items (a page of them, with a
/// link to the next); without `parent`, the current cycle's roots.
pub async fn children(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let store = state.store();
    let parent = q_str(&q, "parent");
    let cursor = q_str(&q, "cursor");
    let f = alignment::filters(store, &TreeFilter::default()).await?;
    let page = PageRequest {
        limit: PAGE,
        cursor,
    };
    let level = alignment::level(store, &caller, &f, parent.as_deref(), &page).await?;
    let next = |path: &str| {
        level.next_cursor.as_ref().map(|c| {
            format!(
                "{path}?{}",
                query_of(&[("parent", parent.clone()), ("cursor", Some(c.clone()))])
            )
        })
    };
    let fragment = NodesFragment {
        more_href: next("/alignment"),
        more_fragment: next("/alignment/children"),
        nodes: level.nodes.into_iter().map(NodeLine::of).collect(),
    };
    Ok(render(StatusCode::OK, &fragment))
}

// ---------------------------------------------------------------- the key result's "aligns to"

/// One objective or key result a key result contributes to.
#[derive(Clone)]
pub struct AlignedLine {
    pub id: String,
    /// "Objective" or "Key result".
    pub kind: &'static str,
    pub href: String,
    pub title: String,
}

/// The key result page's "aligns to" section: what it contributes to (those the reader may
/// see), and the form that changes it for whoever may edit the key result.
#[derive(Default)]
pub struct AlignsTo {
    pub parents: Vec<AlignedLine>,
    /// The form's ticked choices: the parents, or what was posted when it was refused.
    pub choices: Vec<AlignedLine>,
    pub may_change: bool,
    pub error: Option<String>,
    /// What was typed in the find field (kept when refused).
    pub find: String,
}

/// The form as posted, kept when refused.
pub struct AlignPosted {
    pub ids: Vec<String>,
    pub find: String,
    pub error: String,
}

/// Lines for OKR ids the reader may see (in order; others left out, never named).
async fn lines_of(
    store: &dyn Store,
    viewer: &Viewer,
    ids: &[String],
) -> Result<Vec<AlignedLine>, ApiError> {
    let seen = viewer.visible_okrs(store, ids).await?;
    let found = guards::okrs_by_ids(store, ids).await?;
    Ok(ids
        .iter()
        .filter(|id| seen.contains(*id))
        .filter_map(|id| {
            let (title, objective) = found.get(id)?;
            let is_objective = objective.as_str() == id;
            Some(AlignedLine {
                id: id.clone(),
                kind: if is_objective {
                    "Objective"
                } else {
                    "Key result"
                },
                href: if is_objective {
                    format!("/objectives/{id}")
                } else {
                    format!("/key-results/{id}")
                },
                title: title.clone(),
            })
        })
        .collect())
}

/// The "aligns to" section of a key result's page; `read_only` (locked, or read as of a past
/// day) offers no form.
pub async fn aligns_to(
    store: &dyn Store,
    caller: &Caller,
    (kr, objective): (&KeyResult, &Objective),
    read_only: bool,
    posted: Option<AlignPosted>,
) -> Result<AlignsTo, ApiError> {
    let viewer = Viewer::of(&caller.person);
    let ids: Vec<String> = aligning::key_result_parents(store, &viewer, &kr.id)
        .await?
        .iter()
        .map(|p| p.id().to_string())
        .collect();
    let parents = lines_of(store, &viewer, &ids).await?;
    let may_change = !read_only
        && crate::access::edit_key_result(
            &crate::access::Actor::load(store, &caller.person).await?,
            kr,
            objective,
        )
        .is_ok();
    Ok(match posted {
        Some(p) => AlignsTo {
            choices: lines_of(store, &viewer, &p.ids).await?,
            parents,
            may_change,
            error: Some(p.error),
            find: p.find,
        },
        None => AlignsTo {
            choices: parents.clone(),
            parents,
            may_change,
            error: None,
            find: String::new(),
        },
    })
}

/// What the find field names, for a form sent without JavaScript: each comma-separated part an
/// id, or words of a title matching exactly one objective or key result the reader may see.
async fn resolve_typed(
    store: &dyn Store,
    caller: &Caller,
    typed: &str,
) -> Result<Vec<String>, ApiError> {
    let viewer = Viewer::of(&caller.person);
    let mut out = Vec::new();
    for part in typed.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if guards::resolve_okr(store, &viewer, "parent_ids", part)
            .await
            .is_ok()
        {
            out.push(part.to_string());
            continue;
        }
        let hits = okr_hits(store, caller, part, 2, BOTH).await?;
        match hits.as_slice() {
            [one] => out.push(one.value.clone()),
            [] => {
                return Err(ApiError::invalid(
                    "parent_ids",
                    format!("no objective or key result matches '{part}'"),
                ))
            }
            _ => {
                return Err(ApiError::invalid(
                    "parent_ids",
                    format!("several match '{part}': type more, or pick one in the list"),
                ))
            }
        }
    }
    Ok(out)
}

/// Objectives and key results (of `kinds`) the reader may see whose title contains `q`, at
/// most `limit` of each (plus one, to tell that more match), in the order of `kinds`.
pub(super) async fn okr_hits(
    store: &dyn Store,
    caller: &Caller,
    q: &str,
    limit: u32,
    kinds: &[SearchKind],
) -> Result<Vec<super::pickers::Suggestion>, ApiError> {
    let Ok(text) = find::checked_text(Some(q)) else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    for &kind in kinds {
        let page = PageRequest {
            limit: limit + 1,
            cursor: None,
        };
        let found = find::search(store, caller, text.clone(), Some(kind), &page).await?;
        out.extend(found.items.into_iter().map(|h| super::pickers::Suggestion {
            label: if kind == SearchKind::KeyResult {
                format!("Key result: {}", h.title)
            } else {
                format!("Objective: {}", h.title)
            },
            value: h.id,
            me: false,
        }));
    }
    Ok(out)
}

/// What the "aligns to" form may pick: objectives first, then key results.
const BOTH: &[SearchKind] = &[SearchKind::Objective, SearchKind::KeyResult];

/// The suggestions as checkboxes (the pickers' own fragment).
#[derive(Template)]
#[template(path = "picker.html")]
struct PickFragment {
    field: String,
    as_options: bool,
    none: Option<String>,
    query: String,
    items: Vec<super::pickers::Suggestion>,
    more: bool,
}

/// `GET /alignment/pick?parent_ids.find=`: objectives and key results the reader may see whose
/// title holds what was typed, as checkboxes for the "aligns to" form.
pub async fn pick(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let query = q_str(&q, "q")
        .or_else(|| q_str(&q, "parent_ids.find"))
        .unwrap_or_default();
    let query = query.rsplit(',').next().unwrap_or("").trim().to_string();
    let limit = pickers::SUGGESTIONS as u32 / 2;
    let mut items = okr_hits(state.store(), &caller, &query, limit, BOTH).await?;
    let more = items.len() > 2 * limit as usize;
    items.truncate(2 * limit as usize);
    Ok(render(
        StatusCode::OK,
        &PickFragment {
            field: "parent_ids".into(),
            as_options: false,
            none: None,
            query,
            items,
            more,
        },
    ))
}

/// `POST /key-results/{id}/alignment`: what the key result contributes to, from the ticked
/// choices and the find field (`services::alignment`, like `PATCH /api/v1/key-results/{id}`
/// with `parent_ids`); refused, the page again with the message next to the field (422).
pub async fn align(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    PostedForm(pairs): PostedForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let store = state.store();
    let kr = KeyResultId::from_string(id);
    let mut ids: Vec<String> = pairs
        .iter()
        .filter(|(k, v)| k == "parent_ids" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_string())
        .collect();
    let typed = pairs
        .iter()
        .find(|(k, _)| k == "parent_ids.find")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    // The caller's right first (403/404 before anything typed is read).
    crate::services::okrs::authorize_edit_key_result(store, &caller, &kr).await?;
    let result = async {
        ids.extend(resolve_typed(store, &caller, &typed).await?);
        aligning::align_key_result(store, &caller, &kr, crate::extract::IfMatch(None), &ids).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/key-results/{kr}?done=aligned")).into_response()),
        Err(ApiError::Invalid(e)) => {
            super::key_result::refused_alignment(
                &state,
                &caller,
                &kr,
                AlignPosted {
                    ids,
                    find: typed,
                    error: e.message,
                },
            )
            .await
        }
        Err(e) => Err(UiError(e)),
    }
}
