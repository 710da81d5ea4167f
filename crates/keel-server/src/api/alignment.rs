//! `GET /alignment`: the alignment tree a level at a time (the roots, or `?parent=` a node's
//! children), the same read model as the `/alignment` page.

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::{page_request, ApiQuery};
use crate::read::alignment::{self, AlignmentNode, TreeFilter};
use crate::read::views::ListOf;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(alignment_tree))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlignmentParams {
    /// The children of this objective or key result (its key results, and what is aligned to
    /// it); the roots when absent.
    parent: Option<String>,
    /// Roots of this cycle, of the cycles above it (its year) and below it (a year's quarters);
    /// the current cycle when absent.
    cycle_id: Option<String>,
    /// Roots shared with this team.
    team_id: Option<String>,
    /// Roots owned by this person.
    owner_id: Option<String>,
    /// Roots with this status: on_track, at_risk, off_track, stale, not_started,
    /// awaiting_owner, draft or closed.
    status: Option<String>,
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The alignment tree, one level at a time: the roots (objectives with no parent you may see,
/// filtered by cycle, team, owner and status; a page may hold fewer than `limit` when filtering
/// by status), or with `parent` that node's children, across cycles. Every node has its
/// progress, status and how many children you may see. Only what you may see is listed; a root
/// aligned to something you may not see says so (`aligned_to_hidden`) without naming it.
#[utoipa::path(get, path = "/alignment", tag = "alignment", params(AlignmentParams),
    responses((status = 200, body = ListOf<AlignmentNode>), (status = 422, body = Problem, description = "an unknown cycle, team, owner, status or parent; a bad limit or cursor")))]
async fn alignment_tree(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AlignmentParams>,
) -> ApiResult<Json<ListOf<AlignmentNode>>> {
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let f = alignment::filters(
        s.store(),
        &TreeFilter {
            cycle_id: q.cycle_id,
            team_id: q.team_id,
            owner_id: q.owner_id,
            status: q.status,
        },
    )
    .await?;
    let level = alignment::level(s.store(), &caller, &f, q.parent.as_deref(), &page).await?;
    Ok(Json(ListOf {
        items: level.nodes,
        next_cursor: level.next_cursor,
    }))
}
