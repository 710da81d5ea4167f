//! `GET /people/{id}/okrs`: what a person owns, co-owns, sponsors and contributes to in a cycle,
//! as the caller may see it (the data of the person's page).

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{page_request, ApiQuery};
use crate::read::person_page::{self, PersonOkr};
use crate::read::views::ListOf;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use keel_domain::rhythm;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(person_okrs))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonOkrsQuery {
    /// The cycle; the current one when absent.
    cycle_id: Option<String>,
    /// How many items per page (1–500; 50 when absent).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// One OKR a person takes part in.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonOkrView {
    /// `objective` or `key_result`.
    pub kind: &'static str,
    pub id: String,
    /// The objective itself, or the key result's objective.
    pub objective_id: String,
    pub title: String,
    /// `owner`, `co-owner`, `sponsor` or `contributor`.
    pub involvement: &'static str,
    pub status: rhythm::Status,
    /// In [0, 1].
    pub progress: f64,
}

fn view(okr: PersonOkr) -> PersonOkrView {
    let involvement = okr.involvement().word();
    match okr {
        PersonOkr::Objective(o, _) => PersonOkrView {
            kind: "objective",
            id: o.id.to_string(),
            objective_id: o.id.to_string(),
            title: o.title,
            involvement,
            status: o.status,
            progress: o.progress,
        },
        PersonOkr::KeyResult(k, _, _) => PersonOkrView {
            kind: "key_result",
            id: k.id.to_string(),
            objective_id: k.objective_id.to_string(),
            title: k.title,
            involvement,
            status: k.status,
            progress: k.progress,
        },
    }
}

/// The offset a cursor of this list names (`o:N`), or 422 naming `cursor`.
fn offset(cursor: Option<&str>) -> ApiResult<usize> {
    match cursor {
        None => Ok(0),
        Some(c) => c
            .strip_prefix("o:")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                ApiError::invalid("cursor", "not a cursor from a previous page of this list")
            }),
    }
}

/// A person's objectives and key results in a cycle (the current one by default): those they
/// own, co-own, sponsor or contribute to, objectives first, owned first. Only what you may see.
#[utoipa::path(get, path = "/people/{id}/okrs", tag = "people", params(("id" = String, Path), PersonOkrsQuery),
    responses((status = 200, body = ListOf<PersonOkrView>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn person_okrs(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PersonOkrsQuery>,
) -> ApiResult<Json<ListOf<PersonOkrView>>> {
    let page = page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let from = offset(page.cursor.as_deref())?;
    let person = person_page::person(s.store(), &id).await?;
    let (_, _, okrs) =
        person_page::person_okrs(s.store(), &caller, &person, q.cycle_id.as_deref()).await?;
    let total = okrs.len();
    let limit = page.limit as usize;
    let items: Vec<PersonOkrView> = okrs.into_iter().skip(from).take(limit).map(view).collect();
    let next = from + items.len();
    Ok(Json(ListOf {
        items,
        next_cursor: (next < total).then(|| format!("o:{next}")),
    }))
}
