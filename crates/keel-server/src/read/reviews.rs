//! Team reviews as the reader may see them: a team's latest reviews (each agenda limited to the
//! OKRs the reader may see), the form to start one, and one review with what the reader may
//! note (the doctrine's "The weekly rhythm").

use super::lists::cycles;
use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::services::reviews;
use crate::services::visibility::Viewer;
use keel_domain::review::Review;
use keel_domain::*;
use keel_store::{PageRequest, People, Store, Teams};
use std::collections::HashSet;

/// How many reviews the team page lists (latest first).
pub const TEAM_REVIEWS: u32 = 20;

/// The team page's reviews: latest first, and whether the caller may start one.
pub struct TeamReviews {
    pub reviews: Vec<Review>,
    pub can_run: bool,
}

/// A team's latest reviews (each agenda limited to what the caller may see) and whether the
/// caller may run one. Three queries.
pub async fn team_reviews(
    store: &dyn Store,
    caller: &Caller,
    team_id: &TeamId,
) -> ApiResult<TeamReviews> {
    let team = store
        .team(team_id)
        .await?
        .ok_or(ApiError::NotFound("team"))?;
    let actor = access::Actor::load(store, &caller.person).await?;
    let reviews = reviews::list_reviews(
        store,
        &Viewer::of(&caller.person),
        &team.id,
        &PageRequest {
            limit: TEAM_REVIEWS,
            cursor: None,
        },
    )
    .await?
    .items;
    Ok(TeamReviews {
        reviews,
        can_run: access::run_review(&actor, &team).is_ok(),
    })
}

/// Whether the caller may start a review of the team (404 for an unknown team), with the team
/// and the cycles not closed to restrict the agenda to.
pub async fn review_form(
    store: &dyn Store,
    caller: &Caller,
    team_id: &TeamId,
) -> ApiResult<(Team, Vec<Cycle>)> {
    let team = reviews::authorize_review(store, caller, team_id).await?;
    let cycles = cycles(store)
        .await?
        .into_iter()
        .filter(|c| c.state != CycleState::Closed)
        .collect();
    Ok((team, cycles))
}

/// Everything on a review page.
pub struct ReviewPage {
    pub review: Review,
    pub team: Team,
    /// The agenda items (by objective) the caller may write notes on.
    pub can_note: HashSet<ObjectiveId>,
    pub run_by: Option<Person>,
}

/// One review as the caller may see it, with what they may note. Four queries.
pub async fn review_page(
    store: &dyn Store,
    caller: &Caller,
    id: &ReviewId,
) -> ApiResult<ReviewPage> {
    let review = reviews::get_review(store, &Viewer::of(&caller.person), id).await?;
    let team = store
        .team(&review.team_id)
        .await?
        .ok_or(ApiError::NotFound("team"))?;
    let actor = access::Actor::load(store, &caller.person).await?;
    let can_note = review
        .items
        .iter()
        .filter(|i| access::note_review_item(&actor, &team, &i.owner_id).is_ok())
        .map(|i| i.objective_id.clone())
        .collect();
    let run_by = match &review.run_by {
        Some(p) => store.person(p).await?,
        None => None,
    };
    Ok(ReviewPage {
        review,
        team,
        can_note,
        run_by,
    })
}
